package vecfit

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// diabetesGolden is the reference file of ridge fits on the diabetes
// data, made with scikit-learn 1.2.1 (Ridge with alpha = λ·n and the
// Cholesky solver, LinearRegression for λ = 0) in float64.
type diabetesGolden struct {
	Fits []struct {
		Lambda    float64   `json:"lambda"`
		Intercept bool      `json:"intercept"`
		Weights   []float64 `json:"weights"`
		Bias      float64   `json:"bias"`
		Objective float64   `json:"objective"`
	} `json:"fits"`
	At struct {
		Weights     []float64 `json:"weights"`
		Bias        float64   `json:"bias"`
		Lambda      float64   `json:"lambda"`
		Loss        float64   `json:"loss"`
		GradWeights []float64 `json:"grad_weights"`
		GradBias    float64   `json:"grad_bias"`
	} `json:"at"`
}

// loadDiabetes returns the 442 rows of 10 raw features and the target.
func loadDiabetes(t testing.TB) (X, y []float64) {
	t.Helper()
	f, err := os.Open("testdata/diabetes.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range records[1:] {
		for j, s := range rec {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			if j < 10 {
				X = append(X, v)
			} else {
				y = append(y, v)
			}
		}
	}
	if len(y) != 442 || len(X) != 4420 {
		t.Fatalf("diabetes.csv has %d rows and %d values, want 442 and 4420", len(y), len(X))
	}
	return X, y
}

func loadDiabetesGolden(t testing.TB) diabetesGolden {
	t.Helper()
	data, err := os.ReadFile("testdata/diabetes_ridge.json")
	if err != nil {
		t.Fatal(err)
	}
	var g diabetesGolden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Fits) == 0 {
		t.Fatal("diabetes_ridge.json lists no fits")
	}
	return g
}

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Max(math.Abs(want), math.SmallestNonzeroFloat64)
}

// ridgeObjective returns mean((X·w + b − y)²) + λ‖w‖² in float64, summed
// in order.
func ridgeObjective(X, y, w []float64, b, lambda float64) float64 {
	dim := len(w)
	var sum float64
	for i, yi := range y {
		r := b - yi
		for j, v := range X[i*dim : (i+1)*dim] {
			r += v * w[j]
		}
		sum += r * r
	}
	var norm float64
	for _, v := range w {
		norm += v * v
	}
	return sum/float64(len(y)) + lambda*norm
}

func TestFitRidgeDiabetesGolden(t *testing.T) {
	X, y := loadDiabetes(t)
	g := loadDiabetesGolden(t)
	for _, kern := range Kernels() {
		for _, fit := range g.Fits {
			m, err := FitRidge(X, y, 10, fit.Lambda, RidgeOptions{NoIntercept: !fit.Intercept, Kernel: kern})
			if err != nil {
				t.Fatalf("kernel %s, λ=%v, intercept %v: %v", kern, fit.Lambda, fit.Intercept, err)
			}
			for j, want := range fit.Weights {
				if e := relErr(m.Weights[j], want); e > 1e-7 {
					t.Errorf("kernel %s, λ=%v, intercept %v: weight %d is %.17g, want %.17g (relative error %.2g)",
						kern, fit.Lambda, fit.Intercept, j, m.Weights[j], want, e)
				}
			}
			if fit.Intercept {
				if e := relErr(m.Bias, fit.Bias); e > 1e-7 {
					t.Errorf("kernel %s, λ=%v: bias is %.17g, want %.17g (relative error %.2g)", kern, fit.Lambda, m.Bias, fit.Bias, e)
				}
			} else if m.Bias != 0 {
				t.Errorf("kernel %s, λ=%v, no intercept: bias is %v, want 0", kern, fit.Lambda, m.Bias)
			}
			obj := ridgeObjective(X, y, m.Weights, m.Bias, fit.Lambda)
			if e := relErr(obj, fit.Objective); e > 1e-9 {
				t.Errorf("kernel %s, λ=%v, intercept %v: objective is %.17g, want %.17g", kern, fit.Lambda, fit.Intercept, obj, fit.Objective)
			}
		}
	}
}

func TestRidgeGradDiabetesGolden(t *testing.T) {
	X, y := loadDiabetes(t)
	at := loadDiabetesGolden(t).At
	for _, kern := range Kernels() {
		opts := Options{Kernel: kern}
		grad := make([]float64, 10)
		loss, gradB, err := RidgeGradWith(opts, grad, X, y, at.Weights, at.Bias, at.Lambda)
		if err != nil {
			t.Fatalf("kernel %s: %v", kern, err)
		}
		if e := relErr(loss, at.Loss); e > 1e-12 {
			t.Errorf("kernel %s: loss is %.17g, want %.17g (relative error %.2g)", kern, loss, at.Loss, e)
		}
		if e := relErr(gradB, at.GradBias); e > 1e-12 {
			t.Errorf("kernel %s: gradB is %.17g, want %.17g (relative error %.2g)", kern, gradB, at.GradBias, e)
		}
		for j, want := range at.GradWeights {
			if e := relErr(grad[j], want); e > 1e-12 {
				t.Errorf("kernel %s: gradW[%d] is %.17g, want %.17g (relative error %.2g)", kern, j, grad[j], want, e)
			}
		}
		loss2, err := RidgeLossWith(opts, X, y, at.Weights, at.Bias, at.Lambda)
		if err != nil {
			t.Fatalf("kernel %s: %v", kern, err)
		}
		if loss2 != loss {
			t.Errorf("kernel %s: RidgeLoss is %.17g, RidgeGrad's loss %.17g", kern, loss2, loss)
		}
	}
}

// The bias is not penalised: on x = 0…3, y = 50 + 2x and λ = 1 the
// centred problem gives w = Σxy/(Σx² + nλ) = 10/9 and b = ȳ − w·x̄.
func TestFitRidgeBiasNotPenalised(t *testing.T) {
	X := []float64{0, 1, 2, 3}
	y := []float64{50, 52, 54, 56}
	for _, kern := range Kernels() {
		m, err := FitRidge(X, y, 1, 1, RidgeOptions{Kernel: kern})
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(m.Weights[0], 10.0/9); e > 1e-14 {
			t.Errorf("kernel %s: w = %.17g, want 10/9", kern, m.Weights[0])
		}
		if e := relErr(m.Bias, 51+1.0/3); e > 1e-14 {
			t.Errorf("kernel %s: b = %.17g, want 51 1/3", kern, m.Bias)
		}
	}
}

// randomRidge returns n rows of dim features with offsets and scales that
// differ per column, and a noisy linear target.
func randomRidge(rng *rand.Rand, n, dim int) (X, y []float64) {
	X = make([]float64, n*dim)
	y = make([]float64, n)
	scale := make([]float64, dim)
	offset := make([]float64, dim)
	coef := make([]float64, dim)
	for j := range dim {
		scale[j] = math.Exp(rng.NormFloat64())
		offset[j] = 10 * rng.NormFloat64()
		coef[j] = rng.NormFloat64()
	}
	for i := range n {
		yi := 3 + 0.5*rng.NormFloat64()
		for j := range dim {
			v := offset[j] + scale[j]*rng.NormFloat64()
			X[i*dim+j] = v
			yi += coef[j] * v
		}
		y[i] = yi
	}
	return X, y
}

// At every FitRidge solution the gradient vanishes, and RidgeGrad agrees
// with central differences of RidgeLoss.
func TestFitRidgeGradientZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		n, dim      int
		lambda      float64
		noIntercept bool
	}{
		{200, 3, 0, false}, {200, 3, 0.5, true}, {1000, 17, 0.01, false}, {50, 40, 2, false}, {300, 9, 0, true},
	} {
		X, y := randomRidge(rng, c.n, c.dim)
		for _, kern := range Kernels() {
			m, err := FitRidge(X, y, c.dim, c.lambda, RidgeOptions{NoIntercept: c.noIntercept, Kernel: kern})
			if err != nil {
				t.Fatal(err)
			}
			grad := make([]float64, c.dim)
			loss, gradB, err := RidgeGradWith(Options{Kernel: kern}, grad, X, y, m.Weights, m.Bias, c.lambda)
			if err != nil {
				t.Fatal(err)
			}
			// The gradient's terms are of the size of 2·mean(|r·x|); it
			// should cancel to rounding of those terms.
			tol := 1e-9 * (loss + 1) * 100
			for j, g := range grad {
				if math.Abs(g) > tol {
					t.Errorf("%+v kernel %s: gradW[%d] = %g at the fit, want 0 within %g", c, kern, j, g, tol)
				}
			}
			if !c.noIntercept && math.Abs(gradB) > tol {
				t.Errorf("%+v kernel %s: gradB = %g at the fit, want 0 within %g", c, kern, gradB, tol)
			}
		}
	}
}

func TestRidgeGradCentralDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, dim, lambda = 300, 7, 0.3
	X, y := randomRidge(rng, n, dim)
	w := make([]float64, dim)
	for j := range w {
		w[j] = rng.NormFloat64()
	}
	b := rng.NormFloat64()
	for _, kern := range Kernels() {
		opts := Options{Kernel: kern}
		grad := make([]float64, dim)
		_, gradB, err := RidgeGradWith(opts, grad, X, y, w, b, lambda)
		if err != nil {
			t.Fatal(err)
		}
		// The loss is quadratic, so central differences are exact up to
		// the rounding of the two losses.
		const h = 1e-3
		lossAt := func(w []float64, b float64) float64 {
			l, err := RidgeLossWith(opts, X, y, w, b, lambda)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		for j := range dim {
			wp := append([]float64(nil), w...)
			wm := append([]float64(nil), w...)
			wp[j] += h
			wm[j] -= h
			fd := (lossAt(wp, b) - lossAt(wm, b)) / (2 * h)
			if e := relErr(grad[j], fd); e > 1e-6 {
				t.Errorf("kernel %s: gradW[%d] = %.12g, central difference %.12g", kern, j, grad[j], fd)
			}
		}
		fd := (lossAt(w, b+h) - lossAt(w, b-h)) / (2 * h)
		if e := relErr(gradB, fd); e > 1e-6 {
			t.Errorf("kernel %s: gradB = %.12g, central difference %.12g", kern, gradB, fd)
		}
	}
}

// A row of weight 0 is the same as no row, for the weights and the bias
// alike (the centring is weighted).
func TestFitRidgeZeroWeightRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, dim = 120, 5
	X, y := randomRidge(rng, n, dim)
	// Make row 7 an outlier, so that including it would move the fit.
	for j := range dim {
		X[7*dim+j] += 100
	}
	y[7] -= 1000
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 0.5 + rng.Float64()
	}
	weights[7] = 0

	var Xd, yd, wd []float64
	for i := range n {
		if i != 7 {
			Xd = append(Xd, X[i*dim:(i+1)*dim]...)
			yd = append(yd, y[i])
			wd = append(wd, weights[i])
		}
	}
	for _, lambda := range []float64{0, 0.1} {
		full, err := FitRidge(X, y, dim, lambda, RidgeOptions{Weights: weights})
		if err != nil {
			t.Fatal(err)
		}
		dropped, err := FitRidge(Xd, yd, dim, lambda, RidgeOptions{Weights: wd})
		if err != nil {
			t.Fatal(err)
		}
		for j := range dim {
			if e := relErr(full.Weights[j], dropped.Weights[j]); e > 1e-10 {
				t.Errorf("λ=%v: weight %d is %.15g with a zero-weight row, %.15g without the row", lambda, j, full.Weights[j], dropped.Weights[j])
			}
		}
		if e := relErr(full.Bias, dropped.Bias); e > 1e-10 {
			t.Errorf("λ=%v: bias is %.15g with a zero-weight row, %.15g without the row", lambda, full.Bias, dropped.Bias)
		}
	}
}

// Integer weights act as repeated rows.
func TestFitRidgeWeightsRepeatRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, dim = 60, 4
	X, y := randomRidge(rng, n, dim)
	weights := make([]float64, n)
	var Xr, yr []float64
	for i := range n {
		weights[i] = float64(1 + i%3)
		for range 1 + i%3 {
			Xr = append(Xr, X[i*dim:(i+1)*dim]...)
			yr = append(yr, y[i])
		}
	}
	weighted, err := FitRidge(X, y, dim, 0.2, RidgeOptions{Weights: weights})
	if err != nil {
		t.Fatal(err)
	}
	repeated, err := FitRidge(Xr, yr, dim, 0.2, RidgeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for j := range dim {
		if e := relErr(weighted.Weights[j], repeated.Weights[j]); e > 1e-10 {
			t.Errorf("weight %d is %.15g weighted, %.15g with repeated rows", j, weighted.Weights[j], repeated.Weights[j])
		}
	}
	if e := relErr(weighted.Bias, repeated.Bias); e > 1e-10 {
		t.Errorf("bias is %.15g weighted, %.15g with repeated rows", weighted.Bias, repeated.Bias)
	}
}

// With two identical columns, λ = 0 has no unique solution and λ > 0 has
// one, which splits the weight evenly between the twins.
func TestFitRidgeDuplicateColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 100
	X3, y := randomRidge(rng, n, 3)
	X := make([]float64, 0, n*4)
	for i := range n {
		x := X3[i*3 : (i+1)*3]
		X = append(X, x[0], x[1], x[2], x[1])
	}
	_, err := FitRidge(X, y, 4, 0, RidgeOptions{})
	if !errors.Is(err, ErrSingular) {
		t.Fatalf("λ = 0 with duplicate columns: error %v, want ErrSingular", err)
	}
	if want := "column 3 of X is a linear combination"; !containsString(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}

	m, err := FitRidge(X, y, 4, 0.5, RidgeOptions{})
	if err != nil {
		t.Fatalf("λ = 0.5 with duplicate columns: %v", err)
	}
	if e := relErr(m.Weights[1], m.Weights[3]); e > 1e-12 {
		t.Errorf("twin columns got weights %.15g and %.15g, want equal", m.Weights[1], m.Weights[3])
	}
	grad := make([]float64, 4)
	_, gradB, err := RidgeGrad(grad, X, y, m.Weights, m.Bias, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for j, g := range append(grad, gradB) {
		if math.Abs(g) > 1e-8 {
			t.Errorf("gradient component %d is %g at the λ > 0 fit, want 0", j, g)
		}
	}
}

func containsString(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
