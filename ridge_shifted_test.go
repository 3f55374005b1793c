package vecfit

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// On data with offsets and scales of a few orders of magnitude, the
// one-pass fit applies and matches the exact solution, and the two-pass
// fit that unit weights force.
func TestFitRidgeShiftedMatchesExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, n := range []int{6, 255, 256, 257, 3000} {
		dim := 5
		X, y := randomRidge(rng, n, dim)
		lambda := 0.01
		wantW, wantB := exactRidgePrimal(X, y, dim, lambda)
		ones := make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		for _, kern := range Kernels() {
			k, err := lookupKernel(kern)
			if err != nil {
				t.Fatal(err)
			}
			if !shiftApplies(RidgeOptions{}, lambda, n, dim) {
				t.Fatalf("n %d: the one-pass fit does not apply", n)
			}
			w, m, ok := solveShifted(k, X, y, dim, lambda, RidgeOptions{})
			if !ok {
				t.Errorf("n %d, kernel %s: the one-pass fit gave up", n, kern)
				continue
			}
			model, err := newRidgeModel(w, m, RidgeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if e := fitError(model, wantW, wantB); !(e <= 1e-11) {
				t.Errorf("n %d, kernel %s: one-pass weights off by %.2g relative, want at most 1e-11", n, kern, e)
			}
			twoPass, err := FitRidge(X, y, dim, lambda, RidgeOptions{Kernel: kern, Weights: ones})
			if err != nil {
				t.Fatal(err)
			}
			if e := fitError(model, twoPass.Weights, twoPass.Bias); !(e <= 1e-11) {
				t.Errorf("n %d, kernel %s: one-pass and two-pass weights differ by %.2g relative, want at most 1e-11", n, kern, e)
			}
		}
	}
}

// farSample returns rows whose column 0 is 1e6 on exactly the rows that
// sampleMeans reads and standard normal elsewhere, so that the sample
// mean is far outside the spread of the column.
func farSample(rng *rand.Rand, n, dim int) (X, y []float64) {
	X, y = randomRidge(rng, n, dim)
	samples := min(n, shiftSampleRows)
	sampled := make(map[int]bool)
	for s := range samples {
		sampled[s*n/samples] = true
	}
	for i := range n {
		v := rng.NormFloat64()
		if sampled[i] {
			v = 1e6
		}
		y[i] += 2 * (v - X[i*dim])
		X[i*dim] = v
	}
	return X, y
}

// Where the sample mean lies far from the column's mean, the correction
// would expose the rounding of large sums, so the one-pass fit gives up
// and FitRidge takes two passes, with the exact result.
func TestFitRidgeShiftedFarSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	n, dim, lambda := 256*40, 3, 1e-3
	X, y := farSample(rng, n, dim)
	wantW, wantB := exactRidgePrimal(X, y, dim, lambda)
	for _, kern := range Kernels() {
		k, err := lookupKernel(kern)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := solveShifted(k, X, y, dim, lambda, RidgeOptions{}); ok {
			t.Errorf("kernel %s: the one-pass fit did not give up with the sample mean far off", kern)
		}
		m, err := FitRidge(X, y, dim, lambda, RidgeOptions{Kernel: kern})
		if err != nil {
			t.Fatalf("kernel %s: %v", kern, err)
		}
		if e := fitError(m, wantW, wantB); !(e <= 1e-10) {
			t.Errorf("kernel %s: weights off by %.2g relative, want at most 1e-10", kern, e)
		}
	}
}

// A constant y of 0.1, whose sample mean is not exact, gives up the
// one-pass fit, as Σ(yᵢ − ȳ)² is 0. FitRidge still returns zero weights
// and the constant as bias.
func TestFitRidgeShiftedConstantY(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	n, dim, lambda := 500, 4, 0.5
	X, y := randomRidge(rng, n, dim)
	for i := range y {
		y[i] = 0.1
	}
	for _, kern := range Kernels() {
		k, err := lookupKernel(kern)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := solveShifted(k, X, y, dim, lambda, RidgeOptions{}); ok {
			t.Errorf("kernel %s: the one-pass fit did not give up on a constant y", kern)
		}
		m, err := FitRidge(X, y, dim, lambda, RidgeOptions{Kernel: kern})
		if err != nil {
			t.Fatalf("kernel %s: %v", kern, err)
		}
		for j, v := range m.Weights {
			if !(math.Abs(v) <= 1e-15) {
				t.Errorf("kernel %s: Weights[%d] = %g, want 0", kern, j, v)
			}
		}
		if !(math.Abs(m.Bias-0.1) <= 1e-15) {
			t.Errorf("kernel %s: Bias = %.17g, want 0.1", kern, m.Bias)
		}
	}
}

// A NaN or infinity, in a sampled row or not, still gets the error that
// names its row: the one-pass fit gives up and the two-pass fit finds it.
func TestFitRidgeShiftedNonFiniteRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	n, dim := 1000, 6
	for _, row := range []int{0, 7, 999} {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			for _, inY := range []bool{false, true} {
				X, y := randomRidge(rng, n, dim)
				if inY {
					y[row] = bad
				} else {
					X[row*dim+dim-1] = bad
				}
				for _, kern := range Kernels() {
					_, err := FitRidge(X, y, dim, 0.1, RidgeOptions{Kernel: kern})
					if err == nil {
						t.Errorf("row %d, %v in y %v, kernel %s: no error", row, bad, inY, kern)
						continue
					}
					if want := "row " + strconv.Itoa(row) + " "; !strings.Contains(err.Error(), want) {
						t.Errorf("row %d, %v in y %v, kernel %s: error %q does not name the row", row, bad, inY, kern, err)
					}
				}
			}
		}
	}
}

// A column that is 1 on exactly the sampled rows and 0 elsewhere puts the
// sample mean far outside its spread. With λ·n large beside that spread,
// a test that counted λ let the one-pass fit through, 1000 times less
// accurate than the two passes.
func TestFitRidgeShiftedFarSampleLargeLambda(t *testing.T) {
	rng := rand.New(rand.NewPCG(49, 50))
	n, every := 256*400, 400
	X, y := make([]float64, n), make([]float64, n)
	for i := range n {
		if i%every == 0 {
			X[i] = 1
		}
		y[i] = 0.5*X[i] + rng.NormFloat64()
	}
	for _, lambda := range []float64{1, 100} {
		wantW, wantB := exactRidgePrimal(X, y, 1, lambda)
		for _, kern := range Kernels() {
			m, err := FitRidge(X, y, 1, lambda, RidgeOptions{Kernel: kern})
			if err != nil {
				t.Fatalf("λ = %g, kernel %s: %v", lambda, kern, err)
			}
			if e := fitError(m, wantW, wantB); !(e <= 1e-14) {
				t.Errorf("λ = %g, kernel %s: weights off by %.2g relative, want at most 1e-14", lambda, kern, e)
			}
		}
	}
}

// A constant column has no spread to measure the correction against, so
// the one-pass fit gives up on it, whatever λ, when the sample mean of
// its value is not exact.
func TestFitRidgeShiftedConstantColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	n, dim := 1000, 2
	X, y := make([]float64, n*dim), make([]float64, n)
	for i := range n {
		X[i*dim] = 1e15 + 5
		X[i*dim+1] = rng.NormFloat64()
		y[i] = X[i*dim+1] + rng.NormFloat64()
	}
	for _, lambda := range []float64{1e-6, 6, 1e6} {
		for _, kern := range Kernels() {
			k, err := lookupKernel(kern)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, ok := solveShifted(k, X, y, dim, lambda, RidgeOptions{}); ok {
				t.Errorf("λ = %g, kernel %s: the one-pass fit did not give up on a constant column", lambda, kern)
			}
		}
	}
}
