package vecfit

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFitRidgeConstantColumnInexactMean fits λ = 0 with a column that is
// 0.1 in every row. The float64 mean of that column is not exactly 0.1,
// so after centring the column holds rounding noise of about 1e-17
// instead of zeros. Its diagonal entry is then tiny but positive, and the
// relative pivot test (sⱼ ≤ 10⁻¹²·Aⱼⱼ) passes it, so FitRidge returns a
// large weight for a column that carries no information. FitRidge
// documents a constant column as singular with λ = 0.
func TestFitRidgeConstantColumnInexactMean(t *testing.T) {
	X := []float64{0.1, 1, 0.1, 2, 0.1, 4, 0.1, 3, 0.1, 7, 0.1, 5}
	y := []float64{1, 2, 3, 4, 5, 6}
	for _, c := range []struct {
		name    string
		weights []float64
	}{
		{"unweighted", nil},
		{"weighted", []float64{1, 1, 1, 2, 2, 2}},
	} {
		for _, kernel := range Kernels() {
			m, err := FitRidge(X, y, 2, 0, RidgeOptions{Weights: c.weights, Kernel: kernel})
			if !errors.Is(err, ErrSingular) {
				t.Errorf("%s, kernel %s: got model %+v and error %v, want ErrSingular", c.name, kernel, m, err)
				continue
			}
			if want := "column 0 of X is constant"; !strings.Contains(err.Error(), want) {
				t.Errorf("%s, kernel %s: error %q does not contain %q", c.name, kernel, err, want)
			}
		}
	}
}

// TestFitRidgeConstantColumnManyRows repeats the inexact constant column
// over 5,000 rows with uneven weights, where the rounding of the mean
// adds up over more terms.
func TestFitRidgeConstantColumnManyRows(t *testing.T) {
	const n = 5000
	X := make([]float64, 2*n)
	y := make([]float64, n)
	weights := make([]float64, n)
	for i := range n {
		X[2*i], X[2*i+1] = 1.0/3, float64(i%17)
		y[i] = float64(i % 5)
		weights[i] = 1 + float64(i%7)/3
	}
	for _, kernel := range Kernels() {
		_, err := FitRidge(X, y, 2, 0, RidgeOptions{Weights: weights, Kernel: kernel})
		if want := "column 0 of X is constant"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("kernel %s: error %v, want one containing %q", kernel, err, want)
		}
	}
}

// TestFitRidgeLargeOffsetColumn fits a column of Unix times in seconds,
// 1.7e9 plus a spread of minutes (under a millionth of the mean), with
// λ = 0. Centring leaves that spread exact to many digits, so the column
// is not singular, and its weight must match the fit of the times less
// 1.7e9.
func TestFitRidgeLargeOffsetColumn(t *testing.T) {
	const offset = 1.7e9
	var X, shifted, y []float64
	for i := range 40 {
		minutes := float64(i%9) * 60
		X = append(X, offset+minutes, float64(i%4))
		shifted = append(shifted, minutes, float64(i%4))
		y = append(y, 0.01*minutes+float64(i%3))
	}
	for _, kernel := range Kernels() {
		opts := RidgeOptions{Kernel: kernel}
		got, err := FitRidge(X, y, 2, 0, opts)
		if err != nil {
			t.Fatalf("kernel %s: %v", kernel, err)
		}
		want, err := FitRidge(shifted, y, 2, 0, opts)
		if err != nil {
			t.Fatalf("kernel %s, shifted: %v", kernel, err)
		}
		for j := range want.Weights {
			if d := math.Abs(got.Weights[j] - want.Weights[j]); !(d <= 1e-6*math.Abs(want.Weights[j])) {
				t.Errorf("kernel %s: weight %d is %v, want %v", kernel, j, got.Weights[j], want.Weights[j])
			}
		}
	}
}

// TestFitRidgeTinyColumnMessage fits λ = 0 on columns that vary but whose
// diagonal entries of XᵀX are lost: values near 1e-200, whose squares
// underflow. The error must not call them constant, while a truly
// constant column still is.
func TestFitRidgeTinyColumnMessage(t *testing.T) {
	y := []float64{1, 3, 2, 5}
	for _, c := range []struct {
		name        string
		x           []float64
		noIntercept bool
		want        string
	}{
		{"underflow", []float64{1e-200, 2e-200, 3e-200, 4e-200}, false, "column 0 of X varies too little for float64"},
		{"underflow, no intercept", []float64{1e-200, 2e-200, 3e-200, 4e-200}, true, "column 0 of X is too small for float64: its squares fall below about 1e-308"},
		{"constant underflow, no intercept", []float64{1e-170, 1e-170, 1e-170, 1e-170}, true, "column 0 of X is too small for float64"},
		{"constant", []float64{1e8, 1e8, 1e8, 1e8}, false, "column 0 of X is constant"},
		{"zero, no intercept", []float64{0, 0, 0, 0}, true, "column 0 of X is zero in every row"},
	} {
		_, err := FitRidge(c.x, y, 1, 0, RidgeOptions{NoIntercept: c.noIntercept})
		if !errors.Is(err, ErrSingular) {
			t.Errorf("%s: error %v, want one wrapping ErrSingular", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.want)
		}
	}
}

// TestFitRidgeTinyLambdaDuplicate fits a duplicated column with λ > 0.
// With λ = 1e-16 or less, λ lifts the second pivot by less than the
// rounding of XᵀX, so every kernel must report the system as singular and
// ask for a larger lambda, instead of some kernels returning weights that
// the rounding decides. With λ = 1e-10 the unique solution splits the
// weight equally between the two copies.
func TestFitRidgeTinyLambdaDuplicate(t *testing.T) {
	const n = 100
	X := make([]float64, 2*n)
	y := make([]float64, n)
	for i := range n {
		x := math.Sin(float64(i))
		X[2*i], X[2*i+1] = x, x
		y[i] = 3*x + 0.1*math.Cos(7*float64(i))
	}
	for _, kernel := range Kernels() {
		for _, lambda := range []float64{1e-20, 1e-17, 1e-16} {
			m, err := FitRidge(X, y, 2, lambda, RidgeOptions{Kernel: kernel})
			if !errors.Is(err, ErrSingular) {
				t.Errorf("kernel %s, λ = %g: got model %+v and error %v, want ErrSingular", kernel, lambda, m, err)
				continue
			}
			if want := "is too small to make XᵀX + λ·Σw·I solvable in float64; use a larger lambda"; !strings.Contains(err.Error(), want) {
				t.Errorf("kernel %s, λ = %g: error %q does not contain %q", kernel, lambda, err, want)
			}
		}
		m, err := FitRidge(X, y, 2, 1e-10, RidgeOptions{Kernel: kernel})
		if err != nil {
			t.Fatalf("kernel %s, λ = 1e-10: %v", kernel, err)
		}
		if d := math.Abs(m.Weights[0] - m.Weights[1]); d > 1e-4*math.Abs(m.Weights[0]) {
			t.Errorf("kernel %s, λ = 1e-10: weights %v, want two equal halves", kernel, m.Weights)
		}
	}
}

// TestFitRidgeSmallSpreadManyRows fits λ = 0 on a column of 1e6 plus a
// spread of 1e-5 over 100,000 rows: about 86,000 ulps of 1e6, so float64
// keeps it, and the blocked mean rounds far less than a sum of 100,000
// rows one after the other would. A noise bound of 4·m·ε·|x̄| per row
// would call the column singular.
func TestFitRidgeSmallSpreadManyRows(t *testing.T) {
	const n = 100_000
	r := rand.New(rand.NewPCG(5, 6))
	X := make([]float64, n)
	y := make([]float64, n)
	for i := range n {
		z := r.NormFloat64()
		X[i] = 1e6 + 1e-5*z
		y[i] = 2*z + 0.01*math.Cos(float64(i))
	}
	for _, kernel := range Kernels() {
		m, err := FitRidge(X, y, 1, 0, RidgeOptions{Kernel: kernel})
		if err != nil {
			t.Fatalf("kernel %s: %v", kernel, err)
		}
		if got, want := m.Weights[0], 2e5; math.Abs(got-want) > 1e-3*want {
			t.Errorf("kernel %s: weight %v, want about %v", kernel, got, want)
		}
	}
}

// TestFitRidgeOffsetBelowMeanRounding fits λ = 0 on a column of 1e15 + i
// over 1,000 rows. Its spread (289) is below the bound on the rounding
// of its first-pass mean (4·t·ε·√n·|x̄| ≈ 28,000 for t = 1,000), so the
// column is judged only after the second pass corrects the mean, and its
// weights must then match the fit of the column less 1e15, which float64
// holds exactly.
func TestFitRidgeOffsetBelowMeanRounding(t *testing.T) {
	const n, offset = 1000, 1e15
	X := make([]float64, 2*n)
	shifted := make([]float64, 2*n)
	y := make([]float64, n)
	for i := range n {
		other := math.Sin(float64(i))
		X[2*i], X[2*i+1] = offset+float64(i), other
		shifted[2*i], shifted[2*i+1] = float64(i), other
		y[i] = 0.5*float64(i) + 3*other + 0.1*math.Cos(3*float64(i))
	}
	for _, kernel := range Kernels() {
		opts := RidgeOptions{Kernel: kernel}
		got, err := FitRidge(X, y, 2, 0, opts)
		if err != nil {
			t.Fatalf("kernel %s: %v", kernel, err)
		}
		want, err := FitRidge(shifted, y, 2, 0, opts)
		if err != nil {
			t.Fatalf("kernel %s, shifted: %v", kernel, err)
		}
		for j := range want.Weights {
			if d := math.Abs(got.Weights[j] - want.Weights[j]); !(d <= 1e-6*math.Abs(want.Weights[j])) {
				t.Errorf("kernel %s: weight %d is %v, want %v", kernel, j, got.Weights[j], want.Weights[j])
			}
		}
		// The bias is about −1e15·w₀, so it carries w₀'s relative error.
		if wantBias := want.Bias - offset*want.Weights[0]; !(math.Abs(got.Bias-wantBias) <= 2e-6*math.Abs(wantBias)) {
			t.Errorf("kernel %s: bias %v, want %v", kernel, got.Bias, wantBias)
		}
	}
}

// TestFitRidgeSpreadOfUlps fits λ = 0 on columns near 1e8 and 1e15 that
// vary by a few ulps, which the rounding of a float64 mean would hide.
// After centring on the exact mean they are exact, and the weights must
// match those of the same columns less the offset. A column of one ulp
// around 1e8 gets weight 1/(3·ulp). Two columns near 1e15 whose
// difference is (0, 0, 0, 0.5) get (−1, 2).
func TestFitRidgeSpreadOfUlps(t *testing.T) {
	for _, c := range []struct {
		name    string
		offset  float64
		shifted []float64
		dim     int
		y       []float64
		want    []float64
	}{
		{"one ulp of 1e8", 1e8, []float64{0, 0x1p-26, 0, 0}, 1, []float64{1, 3, 2, 5}, []float64{0x1p26 / 3}},
		{"two columns near 1e15", 1e15, []float64{0, 0, 1, 1, 2, 2, 3, 3.5}, 2, []float64{1, 2, 3, 5}, []float64{-1, 2}},
	} {
		X := make([]float64, len(c.shifted))
		for i, v := range c.shifted {
			X[i] = c.offset + v
		}
		for _, kernel := range Kernels() {
			m, err := FitRidge(X, c.y, c.dim, 0, RidgeOptions{Kernel: kernel})
			if err != nil {
				t.Errorf("%s, kernel %s: %v", c.name, kernel, err)
				continue
			}
			for j, want := range c.want {
				if math.Abs(m.Weights[j]-want) > 1e-9*math.Abs(want) {
					t.Errorf("%s, kernel %s: Weights[%d] = %v, want %v", c.name, kernel, j, m.Weights[j], want)
				}
			}
		}
	}
}
