package vecfit

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestFitRidgeWeightScale checks that multiplying every row weight by the
// same factor, down to the smallest subnormal and up to the float64
// maximum, leaves the fit unchanged up to rounding. Unequal weights get
// factors that keep them normal, so that their ratios stay exact.
func TestFitRidgeWeightScale(t *testing.T) {
	X := []float64{1, 2, 3, 4, 5, 7, 2, 1}
	y := []float64{1, 2, 3, 5}
	for _, lambda := range []float64{0, 0.1} {
		for _, c := range []struct {
			base    []float64
			factors []float64
		}{
			{[]float64{1, 1, 1, 1}, []float64{5e-324, 1e-310, 1e-200, 1e200, 1e308}},
			{[]float64{1, 2, 3, 0.5}, []float64{1e-300, 1e-200, 1e200, 1e307}},
		} {
			base := c.base
			want, err := FitRidge(X, y, 2, lambda, RidgeOptions{Weights: base})
			if err != nil {
				t.Fatalf("λ=%v weights %v: %v", lambda, base, err)
			}
			for _, factor := range c.factors {
				weights := make([]float64, len(base))
				for i, w := range base {
					weights[i] = w * factor
				}
				got, err := FitRidge(X, y, 2, lambda, RidgeOptions{Weights: weights})
				if err != nil {
					t.Errorf("λ=%v weights %v: %v", lambda, weights, err)
					continue
				}
				const tol = 1e-9
				for j := range want.Weights {
					if e := relErr(got.Weights[j], want.Weights[j]); e > tol {
						t.Errorf("λ=%v weights %v: w[%d] = %v, want %v", lambda, weights, j, got.Weights[j], want.Weights[j])
					}
				}
				if e := relErr(got.Bias, want.Bias); e > tol {
					t.Errorf("λ=%v weights %v: bias = %v, want %v", lambda, weights, got.Bias, want.Bias)
				}
			}
		}
	}
}

// TestFitRidgeTinyWeightsNotSingular checks that equal subnormal weights
// do not make a full-rank system singular.
func TestFitRidgeTinyWeightsNotSingular(t *testing.T) {
	X := []float64{1, 2, 3, 4, 5, 7}
	y := []float64{1, 2, 3}
	weights := []float64{5e-324, 5e-324, 5e-324}
	if _, err := FitRidge(X, y, 2, 0, RidgeOptions{Weights: weights, NoIntercept: true}); err != nil {
		t.Errorf("no intercept: %v", err)
	}
	_, err := FitRidge(X, y, 2, 0, RidgeOptions{Weights: weights})
	if err != nil {
		t.Errorf("with intercept: %v", err)
	}
}

// TestFitRidgeRankMessage checks the wording of the error for fewer rows
// than columns.
func TestFitRidgeRankMessage(t *testing.T) {
	_, err := FitRidge([]float64{1}, []float64{1}, 1, 0, RidgeOptions{})
	if !errors.Is(err, ErrSingular) {
		t.Fatalf("error = %v, want one wrapping ErrSingular", err)
	}
	want := "X has 1 row of nonzero weight, less one for the intercept, so XᵀX has rank at most 0, below its 1 column;"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// TestPredictNilModel checks that a nil model is an error, not a panic.
func TestPredictNilModel(t *testing.T) {
	var m *RidgeModel
	if _, err := m.Predict(nil, []float64{1}); !errors.Is(err, ErrOption) {
		t.Errorf("Predict: error = %v, want one wrapping ErrOption", err)
	}
	if _, err := PredictRidge[float32](nil, nil, []float32{1}); !errors.Is(err, ErrOption) {
		t.Errorf("PredictRidge: error = %v, want one wrapping ErrOption", err)
	}
}

// TestPredictNaNModel checks that a model with a NaN weight or bias is
// reported as such, not as an overflow.
func TestPredictNaNModel(t *testing.T) {
	m := &RidgeModel{Weights: []float64{1, math.NaN()}}
	_, err := m.Predict(nil, []float64{1, 2})
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("NaN weight: error = %v, want one wrapping ErrNaN", err)
	}
	if !strings.Contains(err.Error(), "Weights[1] is NaN") {
		t.Errorf("NaN weight: error %q does not name Weights[1]", err)
	}
	m = &RidgeModel{Weights: []float64{1}, Bias: math.Inf(-1)}
	_, err = m.Predict(nil, []float64{1})
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("infinite bias: error = %v, want one wrapping ErrNaN", err)
	}
	if !strings.Contains(err.Error(), "Bias is -Inf") {
		t.Errorf("infinite bias: error %q does not name the bias", err)
	}
}

// TestPredictRidgeFloat32Overflow checks that a prediction beyond the
// float32 range is an error, as one beyond float64 is for float64.
func TestPredictRidgeFloat32Overflow(t *testing.T) {
	m := &RidgeModel{Weights: []float64{1e30}}
	got, err := PredictRidge(m, nil, []float32{1, 1e30})
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("float32: error = %v (result %v), want one wrapping ErrNaN", err, got)
	}
	if !strings.Contains(err.Error(), "row 1") {
		t.Errorf("float32: error %q does not name row 1", err)
	}
	m = &RidgeModel{Weights: []float64{1e300}}
	if _, err := m.Predict(nil, []float64{1, 1e300}); !errors.Is(err, ErrNaN) {
		t.Errorf("float64: error = %v, want one wrapping ErrNaN", err)
	}
}

// TestRidgeGradErrorKeepsGradW checks that an error leaves gradW as it
// was.
func TestRidgeGradErrorKeepsGradW(t *testing.T) {
	X := []float64{1, 2, 3, 4, 5, 6}
	w := []float64{0.5, -1}
	cases := []struct {
		name   string
		y      []float64
		lambda float64
	}{
		{"NaN in y", []float64{1, math.NaN(), 3}, 0.1},
		{"penalty overflows", []float64{1, 2, 3}, math.MaxFloat64},
	}
	for _, c := range cases {
		gradW := []float64{7, 7}
		_, _, err := RidgeGrad(gradW, X, c.y, w, 0, c.lambda)
		if !errors.Is(err, ErrNaN) {
			t.Errorf("%s: error = %v, want one wrapping ErrNaN", c.name, err)
		}
		if !slices.Equal(gradW, []float64{7, 7}) {
			t.Errorf("%s: gradW = %v after the error, want it unchanged [7 7]", c.name, gradW)
		}
	}
}

// TestRidgeLossOverflowMessage checks that an overflow names the term
// that caused it.
func TestRidgeLossOverflowMessage(t *testing.T) {
	X := []float64{1, 2, 3, 4}
	y := []float64{1, 2}
	cases := []struct {
		name   string
		X, w   []float64
		lambda float64
		text   string
	}{
		{"huge lambda", X, []float64{2, 1}, math.MaxFloat64, "reduce lambda or the weights w"},
		{"huge weight", X, []float64{1e200, 1}, 1, "reduce lambda or the weights w"},
		{"huge weight without penalty", X, []float64{1e200, 1}, 0, "the mean squared residual"},
		{"huge X", []float64{1e200, 2, 3, 4}, []float64{1, 1}, 0, "scale X, y, w and b down"},
	}
	for _, c := range cases {
		_, err := RidgeLoss(c.X, y, c.w, 0, c.lambda)
		if !errors.Is(err, ErrNaN) {
			t.Errorf("%s: error = %v, want one wrapping ErrNaN", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: error %q does not contain %q", c.name, err, c.text)
		}
	}
}

// TestRidgeGradOverflowMessage checks that an overflow of the gradient
// alone is named as such, with the finite mean squared residual.
func TestRidgeGradOverflowMessage(t *testing.T) {
	gradW := make([]float64, 1)
	_, _, err := RidgeGrad(gradW, []float64{1e308, 1e308}, []float64{10, 10}, []float64{0}, 0, 0)
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("error = %v, want one wrapping ErrNaN", err)
	}
	if want := "the gradient (2/n)·Xᵀr or (2/n)·Σr overflows float64, though the mean squared residual is 100"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
	loss, err := RidgeLoss([]float64{1e308, 1e308}, []float64{10, 10}, []float64{0}, 0, 0)
	if err != nil || loss != 100 {
		t.Errorf("RidgeLoss = %v, %v, want 100 and no error", loss, err)
	}
}

// TestFitRidgeSolutionOverflow checks that FitRidge returns an error
// wrapping ErrNaN that names the weight or the bias when the exact
// solution lies beyond float64, though X, y and XᵀX are finite.
func TestFitRidgeSolutionOverflow(t *testing.T) {
	cases := []struct {
		name string
		X, y []float64
		opts RidgeOptions
		want string
	}{
		// The exact weight is 1e310, with no bias.
		{"weight", []float64{1e-10, 1e-10}, []float64{1e300, 1e300}, RidgeOptions{NoIntercept: true}, "Weights[0]"},
		{"weighted rows", []float64{1e-10, 1e-10}, []float64{1e300, 1e300},
			RidgeOptions{NoIntercept: true, Weights: []float64{1, 2}}, "Weights[0]"},
		// The exact slope is 1e310, with a bias.
		{"slope", []float64{0, 1e-10, 2e-10}, []float64{0, 1e300, 2e300}, RidgeOptions{}, "Weights[0]"},
		// w = 5e299 is finite, but b = −w·1e10 is not.
		{"bias", []float64{1e10, 1e10 + 2}, []float64{0, 1e300}, RidgeOptions{}, "Bias"},
	}
	for _, c := range cases {
		m, err := FitRidge(c.X, c.y, 1, 0, c.opts)
		if !errors.Is(err, ErrNaN) {
			t.Errorf("%s: FitRidge = %+v, %v; want an error wrapping ErrNaN", c.name, m, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not name %s", c.name, err, c.want)
		}
	}
}

// TestRidgeRowDotOverflow checks a float64 row whose dot product with w
// overflows on the way though the residual does not: for the row (1e308,
// 1e308, −1e308, −1e308, …), w = 1 and y = 1 the residual is −1. Every
// kernel must return a finite loss, not ErrNaN. Its value is not checked:
// the rounding bound of the residual, (dim+2)·ε·4e308, allows any value
// whose square fits in float64. The gradient is not checked either, since
// 2·r·1e308 overflows for r = −1 but not for r = 0.
func TestRidgeRowDotOverflow(t *testing.T) {
	for _, dim := range []int{4, 16} {
		X := make([]float64, dim)
		w := make([]float64, dim)
		for j := range X {
			X[j] = 1e308
			if j >= dim/2 {
				X[j] = -1e308
			}
			w[j] = 1
		}
		y := []float64{1}
		for _, kernel := range Kernels() {
			loss, err := RidgeLossWith(Options{Kernel: kernel}, X, y, w, 0, 0)
			if err != nil || !isFinite(loss) {
				t.Errorf("dim %d, kernel %s: RidgeLoss = %v, %v; want a finite loss", dim, kernel, loss, err)
			}
		}
	}
}

// TestRidgePenaltyNormOverflow checks a penalty λ‖w‖² within float64 whose
// factor ‖w‖² is not: λ = 1e-300 and w = (1e200) give 1e100. The residual
// 1e-200·1e200 − 1 is near 0, so the loss is about 1e100 and the gradient
// about 2λw = 2e-100, not ErrNaN.
func TestRidgePenaltyNormOverflow(t *testing.T) {
	X := []float64{1e-200}
	y := []float64{1}
	w := []float64{1e200}
	for _, kernel := range Kernels() {
		opts := Options{Kernel: kernel}
		loss, err := RidgeLossWith(opts, X, y, w, 0, 1e-300)
		if err != nil {
			t.Errorf("%s: RidgeLoss: %v, want about 1e100", kernel, err)
		} else if relErr(float64(loss), 1e100) > 1e-12 {
			t.Errorf("%s: RidgeLoss = %v, want about 1e100", kernel, loss)
		}

		gradW := make([]float64, 1)
		loss, gradB, err := RidgeGradWith(opts, gradW, X, y, w, 0, 1e-300)
		if err != nil {
			t.Errorf("%s: RidgeGrad: %v, want a loss of about 1e100", kernel, err)
			continue
		}
		if relErr(float64(loss), 1e100) > 1e-12 {
			t.Errorf("%s: RidgeGrad loss = %v, want about 1e100", kernel, loss)
		}
		if relErr(gradW[0], 2e-100) > 1e-12 {
			t.Errorf("%s: gradW = %v, want about 2λw = 2e-100", kernel, gradW)
		}
		if math.Abs(float64(gradB)) > 1e-15 {
			t.Errorf("%s: gradB = %v, want about 0", kernel, gradB)
		}
	}
}

// TestRidgeGradTinyColumnAfterOverflow checks that the float64
// recomputation keeps a gradient column whose terms are far smaller than
// the largest residual. Rows 0 and 1 have residuals of 1e154, whose
// squares overflow the kernels' sum, so ridgeScaledMeans runs. Scaling
// every residual down by about 1e154 would put row 2's term
// r·x = 1e-100·1e-100 below the float64 range, and gradient column 1,
// exactly (2/3)·1e-200, would come out 0. With residuals of 1e150 the
// kernels form it themselves.
func TestRidgeGradTinyColumnAfterOverflow(t *testing.T) {
	X := []float64{
		1, 0,
		1, 0,
		0, 1e-100,
	}
	w := []float64{0, 0}
	for _, large := range []float64{1e150, 1e154} {
		y := []float64{-large, -large, -1e-100}
		gradW := make([]float64, 2)
		_, _, err := RidgeGrad(gradW, X, y, w, 0, 0)
		if err != nil {
			t.Errorf("residuals of %v: %v", large, err)
			continue
		}
		if relErr(gradW[1], 2.0/3*1e-200) > 1e-12 {
			t.Errorf("residuals of %v: gradW[1] = %v, want (2/3)·1e-200 = %v", large, gradW[1], 2.0/3*1e-200)
		}
	}
}

// TestPredictProductsOverflow checks a prediction whose first product
// overflows float64 but whose sum, 1e308·10 − 1e308·9 = 1e308, does not.
func TestPredictProductsOverflow(t *testing.T) {
	m := &RidgeModel{Weights: []float64{1e308, -1e308}}
	got, err := m.Predict(nil, []float64{10, 9})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got[0]-1e308) > 1e-15*1e308 {
		t.Errorf("prediction = %v, want 1e308", got[0])
	}
}

// isFinite and allFinite accept every finite value, subnormals and the
// largest included, and reject NaN and both infinities in any position.
func TestFiniteChecks(t *testing.T) {
	finite := []float64{0, math.Copysign(0, -1), 1, -2.5, math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64}
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, v := range finite {
		if !isFinite(v) {
			t.Errorf("isFinite(%v) = false, want true", v)
		}
	}
	for _, v := range bad {
		if isFinite(v) {
			t.Errorf("isFinite(%v) = true, want false", v)
		}
	}
	if !allFinite(finite) || !allFinite([]float32{0, math.MaxFloat32, -math.SmallestNonzeroFloat32}) || !allFinite([]float64{}) {
		t.Error("allFinite rejects finite values")
	}
	for _, v := range bad {
		for i := range 5 {
			xs := make([]float64, 5)
			xs[i] = v
			if allFinite(xs) {
				t.Errorf("allFinite accepts %v at index %d of 5", v, i)
			}
			ys := make([]float32, 5)
			ys[i] = float32(v)
			if allFinite(ys) {
				t.Errorf("allFinite accepts float32 %v at index %d of 5", v, i)
			}
		}
	}
}

// The gradient 2·mean(r·x) + 2λw rounds 2λw before the sum, so that it is
// the same on targets whose compilers fuse multiply-adds (arm64,
// GOAMD64=v3), and λ = 0 adds +0, which turns a mean of −0 into +0.
func TestRidgeGradPenaltyRounding(t *testing.T) {
	for _, k := range Kernels() {
		opts := Options{Kernel: k}
		grad := make([]float64, 1)
		lam := 0.1
		if _, _, err := RidgeGradWith(opts, grad, []float64{1}, []float64{0}, []float64{0.1}, 0, lam); err != nil {
			t.Fatal(err)
		}
		penalty := float64(2 * lam * 0.1)
		if want := 2*0.1 + penalty; math.Float64bits(grad[0]) != math.Float64bits(want) {
			t.Errorf("kernel %s: gradW[0] = %v, want %v, with 2λw rounded before the sum", k, grad[0], want)
		}

		// mean(r·x) = −5e-324/2 rounds to −0.
		if _, _, err := RidgeGradWith(opts, grad, []float64{5e-324, 0}, []float64{1, 0}, []float64{-1}, 0, 0); err != nil {
			t.Fatal(err)
		}
		if grad[0] != 0 || math.Signbit(grad[0]) {
			t.Errorf("kernel %s: gradW[0] = %v (sign bit %t), want +0", k, grad[0], math.Signbit(grad[0]))
		}
	}
}
