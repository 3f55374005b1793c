package vecfit

import (
	"errors"
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
