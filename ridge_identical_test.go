package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestFitRidgeIdenticalRows fits rows of nonzero weight that are all the
// same, with uneven weights and a tiny λ. The centred X is exactly zero,
// so the weights must be exactly 0 and the bias the weighted mean of y.
// The weighted mean of 0.1 or 1/3 is not exact, and the rounding noise
// of centring on it, divided by λ·Σwᵢ = 1e-100, would give weights up to
// 4e51 whose product with X the bias cancels, or an ErrSingular. Two
// rows take the primal form, 3 rows of 3 columns the dual one. A row of
// weight 0 with other values must not count.
func TestFitRidgeIdenticalRows(t *testing.T) {
	rows := [][]float64{{0.1}, {0.1, 0.3}, {1.0 / 3, 0.1, 0.7}}
	weights := []float64{0.1, 0.7, 2.3, 1, 0.3, 0}
	y := []float64{1, 2, -3, 0.5, 7, 100}
	for _, row := range rows {
		for _, n := range []int{2, 3, 6} {
			for _, lambda := range []float64{1e-100, 1e-30, 1e-12} {
				for _, kernel := range Kernels() {
					name := fmt.Sprintf("%d columns, %d rows, λ = %g, kernel %s", len(row), n, lambda, kernel)
					checkIdenticalRows[float64](t, name, row, y[:n], weights[:n], lambda, kernel)
					checkIdenticalRows[float32](t, name+", float32", row, y[:n], weights[:n], lambda, kernel)
				}
			}
		}
	}
}

// checkIdenticalRows fits len(y) copies of row, except that a row of
// weight 0 contains other values, and checks that the weights are 0 and the
// bias the weighted mean of y.
func checkIdenticalRows[F Float](t *testing.T, name string, row, y, weights []float64, lambda float64, kernel string) {
	t.Helper()
	dim := len(row)
	X := make([]F, 0, len(y)*dim)
	yF := make([]F, len(y))
	var sumW, sumWY float64
	for i, v := range y {
		for j, x := range row {
			if weights[i] == 0 {
				x = float64(j + 5)
			}
			X = append(X, F(x))
		}
		yF[i] = F(v)
		sumW += weights[i]
		sumWY += weights[i] * float64(yF[i])
	}
	m, err := FitRidge(X, yF, dim, lambda, RidgeOptions{Weights: weights, Kernel: kernel})
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	for j, w := range m.Weights {
		if w != 0 {
			t.Errorf("%s: Weights[%d] = %v, want 0", name, j, w)
		}
	}
	if want := sumWY / sumW; !(math.Abs(m.Bias-want) <= 1e-14*math.Abs(want)) {
		t.Errorf("%s: Bias = %v, want %v", name, m.Bias, want)
	}
}

// TestFitRidgeConstantColumnSmallLambda fits a column that is 0.1, or
// 1e-160, in every row beside two that vary, with and without weights.
// Its weight must be exactly 0 and the others those of the fit without
// it. Left in, the rounding noise of the inexact centring would give the
// column of 0.1 a weight of 2.6e14 at λ = 1e-100, or make the system
// singular, and weights of 0.04 to 0.15 at λ = 1e-30. The column of
// 1e-160, whose deviations from an inexact mean have squares that
// underflow to 0, got weights up to 4e-91 at λ = 1e-100 from the
// one-pass fit, a size that grows as 1/λ.
func TestFitRidgeConstantColumnSmallLambda(t *testing.T) {
	for _, value := range []float64{0.1, 1e-160} {
		checkConstantColumn(t, value)
	}
}

// checkConstantColumn fits a column of value beside two random columns,
// and checks its weight against 0 and the others against the fit of the
// random columns alone.
func checkConstantColumn(t *testing.T, value float64) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{3, 20, 300, 5000} {
		X := make([]float64, 3*n)
		others := make([]float64, 2*n)
		y := make([]float64, n)
		weights := make([]float64, n)
		for i := range n {
			a, b := r.NormFloat64(), r.NormFloat64()
			X[3*i], X[3*i+1], X[3*i+2] = value, a, b
			others[2*i], others[2*i+1] = a, b
			y[i] = a - 2*b + r.NormFloat64()
			weights[i] = []float64{0.1, 0.7, 2.3}[i%3]
		}
		for _, w := range [][]float64{nil, weights} {
			for _, lambda := range []float64{1e-100, 1e-30, 1e-12} {
				for _, kernel := range Kernels() {
					name := fmt.Sprintf("column of %g, %d rows, weighted %t, λ = %g, kernel %s", value, n, w != nil, lambda, kernel)
					opts := RidgeOptions{Weights: w, Kernel: kernel}
					got, err := FitRidge(X, y, 3, lambda, opts)
					if err != nil {
						t.Errorf("%s: %v", name, err)
						continue
					}
					want, err := FitRidge(others, y, 2, lambda, opts)
					if err != nil {
						t.Fatalf("%s, without the constant column: %v", name, err)
					}
					if got.Weights[0] != 0 {
						t.Errorf("%s: Weights[0] = %v, want 0", name, got.Weights[0])
					}
					for j, v := range want.Weights {
						if !(math.Abs(got.Weights[j+1]-v) <= 1e-9*math.Abs(v)) {
							t.Errorf("%s: Weights[%d] = %v, want %v", name, j+1, got.Weights[j+1], v)
						}
					}
					if !(math.Abs(got.Bias-want.Bias) <= 1e-9*(1+math.Abs(want.Bias))) {
						t.Errorf("%s: Bias = %v, want %v", name, got.Bias, want.Bias)
					}
				}
			}
		}
	}
}
