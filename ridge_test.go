package vecfit

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
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
		// Fewer rows than columns, solved in the dual form.
		{5, 40, 1e-3, false}, {64, 300, 1e-6, true}, {99, 100, 2, false},
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

func TestFitRidgeErrors(t *testing.T) {
	X := []float64{1, 2, 3, 4, 5, 7, 2, 9}
	y := []float64{1, 2, 3, 5}
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		X, y   []float64
		dim    int
		lambda float64
		opts   RidgeOptions
		target error
		text   string
	}{
		{"negative lambda", X, y, 2, -1, RidgeOptions{}, ErrOption, "lambda is -1"},
		{"NaN lambda", X, y, 2, nan, RidgeOptions{}, ErrOption, "lambda is NaN"},
		{"infinite lambda", X, y, 2, math.Inf(1), RidgeOptions{}, ErrOption, "lambda is +Inf"},
		{"zero dim", X, y, 0, 1, RidgeOptions{}, ErrDim, "dim is 0"},
		{"ragged X", X[:7], y, 2, 1, RidgeOptions{}, ErrLength, "X has length 7"},
		{"short y", X, y[:3], 2, 1, RidgeOptions{}, ErrLength, "y has length 3, want 4"},
		{"short weights", X, y, 2, 1, RidgeOptions{Weights: []float64{1, 1}}, ErrLength, "Weights has length 2, want 4"},
		{"negative weight", X, y, 2, 1, RidgeOptions{Weights: []float64{1, -1, 1, 1}}, ErrOption, "Weights[1] is -1"},
		{"NaN weight", X, y, 2, 1, RidgeOptions{Weights: []float64{1, 1, nan, 1}}, ErrNaN, "Weights[2] is NaN"},
		{"infinite weight", X, y, 2, 1, RidgeOptions{Weights: []float64{1, 1, 1, math.Inf(1)}}, ErrNaN, "Weights[3] is +Inf"},
		{"all weights zero", X, y, 2, 1, RidgeOptions{Weights: make([]float64, 4)}, ErrOption, "every weight is 0, want at least one positive weight"},
		{"no rows", nil, nil, 2, 1, RidgeOptions{}, ErrLength, "no rows"},
		{"NaN in X", []float64{1, 2, 3, 4, 5, nan, 2, 9}, y, 2, 1, RidgeOptions{}, ErrNaN, "row 2 of X or y contains X[2][1] = NaN"},
		{"Inf in y", X, []float64{1, 2, 3, math.Inf(-1)}, 2, 1, RidgeOptions{}, ErrNaN, "row 3 of X or y contains y[3] = -Inf"},
		{"NaN in a row of weight 0", []float64{1, 2, 3, 4, nan, 7, 2, 9}, y, 2, 1, RidgeOptions{Weights: []float64{1, 1, 0, 1}}, ErrNaN, "row 2 of X or y contains X[2][0] = NaN"},
		{"sums overflow", []float64{1e308, 2, 1e308, 4, 3, 7, 2, 9}, y, 2, 1, RidgeOptions{}, ErrNaN, "overflow float64"},
		{"Gram matrix overflows", []float64{1e200, 2, -1e200, 4, 3, 7, 2, 9}, y, 2, 1, RidgeOptions{}, ErrNaN, "overflows float64 in column 0"},
		{"unknown kernel", X, y, 2, 1, RidgeOptions{Kernel: "sse9"}, ErrKernel, `"sse9"`},
		{"more columns than rows", X, y[:2], 4, 0, RidgeOptions{}, ErrSingular, "rank at most 1, below its 4 columns"},
		{"constant column", []float64{1, 2, 1, 4, 1, 7, 1, 9}, y, 2, 0, RidgeOptions{}, ErrSingular, "column 0 of X is constant"},
		{"zero column without intercept", []float64{0, 2, 0, 4, 0, 7, 0, 9}, y, 2, 0, RidgeOptions{NoIntercept: true}, ErrSingular, "column 0 of X is zero in every row"},
		{"proportional columns", []float64{1, 2, 2, 4, 3, 6, 4, 8}, y, 2, 0, RidgeOptions{}, ErrSingular, "column 1 of X is a linear combination of column 0 and"},
	} {
		_, err := FitRidge(c.X, c.y, c.dim, c.lambda, c.opts)
		if !errors.Is(err, c.target) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.target)
			continue
		}
		if !containsString(err.Error(), c.text) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.text)
		}
	}
}

func TestRidgeGradErrors(t *testing.T) {
	X := []float32{1, 2, 3, 4, 5, 6}
	y := []float32{1, 2, 3}
	w := []float32{0.5, -1}
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		name      string
		grad      []float32
		X, y, w   []float32
		b, lambda float32
		target    error
		text      string
	}{
		{"empty w", nil, X, y, nil, 0, 0, ErrDim, "w is empty"},
		{"ragged X", make([]float32, 2), X[:5], y, w, 0, 0, ErrLength, "X has length 5"},
		{"short y", make([]float32, 2), X, y[:2], w, 0, 0, ErrLength, "y has length 2, want 3"},
		{"short gradW", make([]float32, 1), X, y, w, 0, 0, ErrLength, "gradW has length 1, want 2"},
		{"negative lambda", make([]float32, 2), X, y, w, 0, -0.5, ErrOption, "lambda is -0.5"},
		{"NaN bias", make([]float32, 2), X, y, w, nan, 0, ErrNaN, "bias is NaN"},
		{"Inf weight", make([]float32, 2), X, y, []float32{0, inf}, 0, 0, ErrNaN, "w[1] is +Inf"},
		{"NaN in X", make([]float32, 2), []float32{1, 2, 3, nan, 5, 6}, y, w, 0, 0, ErrNaN, "row 1 of X or y contains X[1][1] = NaN"},
		{"NaN in y", make([]float32, 2), X, []float32{1, 2, nan}, w, 0, 0, ErrNaN, "row 2 of X or y contains y[2] = NaN"},
		{"overflow", make([]float32, 2), []float32{3e38, 3e38, 1, 1, 1, 1}, y, []float32{1, 1}, 0, 0, ErrNaN, "overflows float32"},
	} {
		_, _, err := RidgeGrad(c.grad, c.X, c.y, c.w, c.b, c.lambda)
		if !errors.Is(err, c.target) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.target)
			continue
		}
		if !containsString(err.Error(), c.text) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.text)
		}
		if c.grad == nil {
			continue
		}
		if _, err := RidgeLoss(c.X, c.y, c.w, c.b, c.lambda); c.name != "short gradW" && !errors.Is(err, c.target) {
			t.Errorf("%s: RidgeLoss error %v, want %v", c.name, err, c.target)
		}
	}
}

// With no rows the mean term is 0, so only the penalty remains.
func TestRidgeGradNoRows(t *testing.T) {
	w := []float64{1, -2}
	grad := make([]float64, 2)
	loss, gradB, err := RidgeGrad(grad, nil, nil, w, 3, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if loss != 2.5 || gradB != 0 || grad[0] != 1 || grad[1] != -2 {
		t.Errorf("loss %v, gradB %v, gradW %v; want 2.5, 0, [1 -2]", loss, gradB, grad)
	}
}

// Results are the same bit for bit for any number of goroutines.
func TestRidgeWorkersIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	// Both sizes are above the work at which the goroutines start.
	n, dim := 40000, 13
	if testing.Short() {
		n, dim = 8000, 40
	}
	X, y := randomRidge(rng, n, dim)
	X32 := make([]float32, len(X))
	for i, v := range X {
		X32[i] = float32(v)
	}
	y32 := make([]float32, len(y))
	for i, v := range y {
		y32[i] = float32(v)
	}
	w32 := randomFloats[float32](rng, dim)
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = rng.Float64()
	}
	for _, kern := range Kernels() {
		var firstLoss, firstB float32
		var firstGrad []float32
		var firstFit, firstPlain *RidgeModel
		for _, workers := range []int{1, 2, 3, 7} {
			grad := make([]float32, dim)
			loss, gradB, err := RidgeGradWith(Options{Kernel: kern, Workers: workers}, grad, X32, y32, w32, 0.25, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			fit, err := FitRidge(X32, y32, dim, 0.1, RidgeOptions{Kernel: kern, Workers: workers, Weights: weights})
			if err != nil {
				t.Fatal(err)
			}
			plain, err := FitRidge(X32, y32, dim, 0.1, RidgeOptions{Kernel: kern, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if firstGrad == nil {
				firstLoss, firstB, firstGrad, firstFit, firstPlain = loss, gradB, grad, fit, plain
				continue
			}
			if !slices.Equal(plain.Weights, firstPlain.Weights) || plain.Bias != firstPlain.Bias {
				t.Errorf("kernel %s, %d workers: unweighted fit %+v, with 1 worker %+v", kern, workers, plain, firstPlain)
			}
			if loss != firstLoss || gradB != firstB {
				t.Errorf("kernel %s, %d workers: loss %v and gradB %v, with 1 worker %v and %v", kern, workers, loss, gradB, firstLoss, firstB)
			}
			for j := range grad {
				if grad[j] != firstGrad[j] {
					t.Errorf("kernel %s, %d workers: gradW[%d] = %v, with 1 worker %v", kern, workers, j, grad[j], firstGrad[j])
				}
				if fit.Weights[j] != firstFit.Weights[j] {
					t.Errorf("kernel %s, %d workers: fitted weight %d = %v, with 1 worker %v", kern, workers, j, fit.Weights[j], firstFit.Weights[j])
				}
			}
			if fit.Bias != firstFit.Bias {
				t.Errorf("kernel %s, %d workers: fitted bias %v, with 1 worker %v", kern, workers, fit.Bias, firstFit.Bias)
			}
		}
	}
}

func TestRidgePredict(t *testing.T) {
	m := &RidgeModel{Weights: []float64{2, -1}, Bias: 0.5}
	got, err := m.Predict(nil, []float64{1, 1, 3, 2, 0, 4})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1.5, 4.5, -3.5}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("prediction %d is %v, want %v", i, got[i], want[i])
		}
	}
	dst := make([]float32, 8)
	got32, err := PredictRidge(m, dst, []float32{1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got32) != 1 || got32[0] != 1.5 || &got32[0] != &dst[0] {
		t.Errorf("PredictRidge into a long dst returned %v, want [1.5] in dst", got32)
	}
	if _, err := m.Predict(nil, []float64{1, 2, 3}); !errors.Is(err, ErrLength) {
		t.Errorf("3 values for 2 weights: error %v, want ErrLength", err)
	}
	if _, err := m.Predict(nil, []float64{1, 2, 3, math.NaN()}); !errors.Is(err, ErrNaN) || !containsString(err.Error(), "X[1][1]") {
		t.Errorf("NaN in row 1: error %v, want ErrNaN naming X[1][1]", err)
	}
}

// float32 input is fitted in float64 after conversion, so it matches the
// float64 fit of the converted values.
func TestFitRidgeFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	X, y := randomRidge(rng, 500, 6)
	X32 := make([]float32, len(X))
	X64 := make([]float64, len(X))
	for i, v := range X {
		X32[i] = float32(v)
		X64[i] = float64(X32[i])
	}
	y32 := make([]float32, len(y))
	y64 := make([]float64, len(y))
	for i, v := range y {
		y32[i] = float32(v)
		y64[i] = float64(y32[i])
	}
	m32, err := FitRidge(X32, y32, 6, 0.01, RidgeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m64, err := FitRidge(X64, y64, 6, 0.01, RidgeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for j := range m64.Weights {
		if m32.Weights[j] != m64.Weights[j] {
			t.Errorf("weight %d: %v from float32 input, %v from float64", j, m32.Weights[j], m64.Weights[j])
		}
	}
}

// Over many blocks of rows, some with a weight of 0 and most without,
// and with columns beyond a multiple of 4, integer weights fit as
// repeated rows do, with any kernel and number of goroutines.
func TestFitRidgeWeightsManyBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 74))
	for _, dim := range []int{3, 19} {
		const n = 3000
		X, y := randomRidge(rng, n, dim)
		weights := make([]float64, n)
		var Xr, yr []float64
		for i := range n {
			weights[i] = float64(1 + i%3)
			if i%997 == 5 {
				weights[i] = 0
			}
			for range int(weights[i]) {
				Xr = append(Xr, X[i*dim:(i+1)*dim]...)
				yr = append(yr, y[i])
			}
		}
		repeated, err := FitRidge(Xr, yr, dim, 0.2, RidgeOptions{})
		if err != nil {
			t.Fatalf("dim %d, repeated rows: %v", dim, err)
		}
		for _, kernel := range Kernels() {
			for _, workers := range []int{1, 2} {
				name := fmt.Sprintf("dim %d, kernel %s, %d workers", dim, kernel, workers)
				weighted, err := FitRidge(X, y, dim, 0.2, RidgeOptions{Weights: weights, Kernel: kernel, Workers: workers})
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				for j := range dim {
					if e := relErr(weighted.Weights[j], repeated.Weights[j]); e > 1e-9 {
						t.Errorf("%s: weight %d is %.15g weighted, %.15g with repeated rows", name, j, weighted.Weights[j], repeated.Weights[j])
					}
				}
				if e := relErr(weighted.Bias, repeated.Bias); e > 1e-9 {
					t.Errorf("%s: bias is %.15g weighted, %.15g with repeated rows", name, weighted.Bias, repeated.Bias)
				}
			}
		}
	}
}

// A row of weight 0 whose centred value overflows float64 (1.79e308 less
// a mean of −1e307) is left out of the fit rather than making it NaN.
// Column 0 is −1e307 in every other row: a column that varies around so
// large a mean would overflow XᵀX itself.
func TestFitRidgeZeroWeightOverflowingRow(t *testing.T) {
	const dim = 4
	rng := rand.New(rand.NewPCG(75, 76))
	var X, y, weights []float64
	for range 8 {
		X = append(X, -1e307, rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64())
		y = append(y, rng.NormFloat64())
		weights = append(weights, 1+rng.Float64())
	}
	want, err := FitRidge(X, y, dim, 1e-3, RidgeOptions{Weights: weights})
	if err != nil {
		t.Fatal(err)
	}
	X = append(X, 1.79e308, 0, 0, 0)
	y = append(y, 5)
	weights = append(weights, 0)
	for _, kernel := range Kernels() {
		got, err := FitRidge(X, y, dim, 1e-3, RidgeOptions{Weights: weights, Kernel: kernel})
		if err != nil {
			t.Errorf("kernel %s: %v", kernel, err)
			continue
		}
		for j := range dim {
			if e := relErr(got.Weights[j], want.Weights[j]); !(e <= 1e-9) {
				t.Errorf("kernel %s: weight %d is %g with the row of weight 0, %g without it", kernel, j, got.Weights[j], want.Weights[j])
			}
		}
	}
}
