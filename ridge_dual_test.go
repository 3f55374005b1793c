package vecfit

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// dualCase is a fit with fewer rows of nonzero weight than columns, the
// shape that FitRidge solves in its dual form when λ > 0.
type dualCase struct {
	n, dim      int
	lambda      float64
	noIntercept bool
	weighted    bool // random weights, a quarter of them 0
}

var dualCases = []dualCase{
	{1, 4, 0.5, false, false},
	{2, 3, 0.5, true, false},
	{5, 40, 1e-3, false, false},
	{30, 200, 0.1, false, true},
	{30, 200, 0.1, true, true},
	{99, 100, 2, false, false},
	{64, 300, 1e-6, true, false},
}

// dualWeights returns n weights, every fourth one 0, or nil.
func dualWeights(rng *rand.Rand, c dualCase) []float64 {
	if !c.weighted {
		return nil
	}
	weights := make([]float64, c.n)
	for i := range weights {
		if i%4 != 3 {
			weights[i] = 0.1 + 3*rng.Float64()
		}
	}
	return weights
}

// The dual solve agrees with a 256-bit solve of the same problem. Its
// error stays near rounding even where λ is small beside XXᵀ: the primal
// solve of (64, 300, 1e-6) below, which factors the 300×300 XᵀX of rank
// 64, was 7e-7 off relative to the largest weight.
func TestFitRidgeDualExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, c := range dualCases {
		X, y := randomRidge(rng, c.n, c.dim)
		weights := dualWeights(rng, c)
		if testing.Short() && c.n*c.n*c.dim > 1e6 {
			continue // -short runs, which include the emulated ones, skip the largest 256-bit solves
		}
		wantW, wantB := exactRidge(X, y, c.dim, c.lambda, weights, c.noIntercept)
		norm := math.Abs(wantB)
		for _, v := range wantW {
			norm = max(norm, math.Abs(v))
		}
		tol := 1e-11 * norm
		for _, kern := range Kernels() {
			got, err := FitRidge(X, y, c.dim, c.lambda, RidgeOptions{NoIntercept: c.noIntercept, Weights: weights, Kernel: kern})
			if err != nil {
				t.Fatalf("%+v kernel %s: %v", c, kern, err)
			}
			for j := range wantW {
				if d := math.Abs(got.Weights[j] - wantW[j]); !(d <= tol) {
					t.Errorf("%+v kernel %s: Weights[%d] = %.17g, want %.17g (|Δ| %g > %g)",
						c, kern, j, got.Weights[j], wantW[j], d, tol)
				}
			}
			if d := math.Abs(got.Bias - wantB); !(d <= tol) {
				t.Errorf("%+v kernel %s: Bias = %.17g, want %.17g (|Δ| %g > %g)", c, kern, got.Bias, wantB, d, tol)
			}
		}
	}
}

// In the dual form too, a row of weight 0 counts as absent, and the fit is
// the same bit for bit for any number of goroutines.
func TestFitRidgeDualZeroWeightAndWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	// Zᵀ has 6000 rows of 60 values: enough work for several goroutines,
	// in two segments of the Gram accumulation.
	n, dim := 60, 6000
	if testing.Short() {
		dim = 4500
	}
	X, y := randomRidge(rng, n, dim)
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 0.5 + rng.Float64()
	}
	weights[7] = 0
	keptX := slices.Concat(X[:7*dim], X[8*dim:])
	keptY := slices.Concat(y[:7], y[8:])
	keptWeights := slices.Concat(weights[:7], weights[8:])

	for _, kern := range Kernels() {
		var first *RidgeModel
		for _, workers := range []int{1, 2, 3} {
			m, err := FitRidge(X, y, dim, 0.05, RidgeOptions{Weights: weights, Kernel: kern, Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = m
				continue
			}
			if !slices.Equal(m.Weights, first.Weights) || m.Bias != first.Bias {
				t.Errorf("kernel %s, %d workers: fit differs from the fit with 1 worker", kern, workers)
			}
		}
		without, err := FitRidge(keptX, keptY, dim, 0.05, RidgeOptions{Weights: keptWeights, Kernel: kern})
		if err != nil {
			t.Fatal(err)
		}
		for j := range dim {
			if e := relErr(first.Weights[j], without.Weights[j]); e > 1e-9 {
				t.Fatalf("kernel %s: Weights[%d] = %g with a row of weight 0, %g without the row", kern, j, first.Weights[j], without.Weights[j])
			}
		}
		if e := relErr(first.Bias, without.Bias); e > 1e-9 {
			t.Errorf("kernel %s: Bias = %g with a row of weight 0, %g without the row", kern, first.Bias, without.Bias)
		}
	}
}

// A λ too small to lift the dual system's pivots above rounding is an
// error that names a row, and a large enough λ fits. Rows 1 and 3 are
// the same, so ZZᵀ is singular with or without the intercept.
func TestFitRidgeDualTinyLambda(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	X, y := randomRidge(rng, 4, 10)
	copy(X[3*10:4*10], X[1*10:2*10])
	for _, c := range []struct {
		noIntercept bool
		combination string
	}{
		{true, "row 3 of X is a linear combination of the rows before it"},
		{false, "row 3 of X is an affine combination of the rows before it"},
	} {
		for _, kern := range Kernels() {
			opts := RidgeOptions{NoIntercept: c.noIntercept, Kernel: kern}
			m, err := FitRidge(X, y, 10, 1e-300, opts)
			if !errors.Is(err, ErrSingular) {
				t.Fatalf("kernel %s, no intercept %v: got model %+v and error %v, want ErrSingular", kern, c.noIntercept, m, err)
			}
			for _, want := range []string{"4 rows of nonzero weight and 10 columns", c.combination, "use a larger lambda"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("kernel %s, no intercept %v: error %q, want it to contain %q", kern, c.noIntercept, err, want)
				}
			}
			if _, err := FitRidge(X, y, 10, 1e-3, opts); err != nil {
				t.Errorf("kernel %s, no intercept %v, λ = 1e-3: %v", kern, c.noIntercept, err)
			}
		}
	}
}

// A row whose centred squares overflow is an error that names it.
func TestFitRidgeDualRowOverflow(t *testing.T) {
	X := make([]float64, 3*5)
	for j := range 5 {
		X[j] = float64(j + 1)
		X[5+j] = 1e200
		X[10+j] = -float64(j)
	}
	y := []float64{1, 2, 3}
	for _, kern := range Kernels() {
		m, err := FitRidge(X, y, 5, 1, RidgeOptions{Kernel: kern})
		if !errors.Is(err, ErrNaN) {
			t.Fatalf("kernel %s: got model %+v and error %v, want ErrNaN", kern, m, err)
		}
		if want := "row 0 of X or y overflow float64"; !strings.Contains(err.Error(), want) {
			t.Errorf("kernel %s: error %q, want it to contain %q", kern, err, want)
		}
	}
}

// exactRidge returns the ridge weights and bias for X, y and the weights
// (nil for 1 each) in 256-bit arithmetic: exact means, then the dual
// system solved by Gaussian elimination. It is for small tests only.
func exactRidge(X, y []float64, dim int, lambda float64, weights []float64, noIntercept bool) ([]float64, float64) {
	const prec = 256
	newF := func(v float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(v) }
	n := len(y)
	w := make([]*big.Float, n)
	sum := newF(0)
	for i := range w {
		w[i] = newF(1)
		if weights != nil {
			w[i] = newF(weights[i])
		}
		sum.Add(sum, w[i])
	}

	meanX := make([]*big.Float, dim)
	meanY := newF(0)
	for j := range meanX {
		meanX[j] = newF(0)
	}
	if !noIntercept {
		for i := range n {
			meanY.Add(meanY, new(big.Float).SetPrec(prec).Mul(w[i], newF(y[i])))
			for j := range dim {
				meanX[j].Add(meanX[j], new(big.Float).SetPrec(prec).Mul(w[i], newF(X[i*dim+j])))
			}
		}
		meanY.Quo(meanY, sum)
		for j := range meanX {
			meanX[j].Quo(meanX[j], sum)
		}
	}
	// Rows zᵢ = xᵢ − x̄ and targets tᵢ = yᵢ − ȳ, unweighted; the system
	// (Z·Zᵀ·W + s·I)·β = t with s = λ·Σw gives w = Zᵀ·W·β.
	z := make([][]*big.Float, n)
	a := make([][]*big.Float, n)
	for i := range n {
		z[i] = make([]*big.Float, dim)
		for j := range dim {
			z[i][j] = new(big.Float).SetPrec(prec).Sub(newF(X[i*dim+j]), meanX[j])
		}
	}
	s := new(big.Float).SetPrec(prec).Mul(newF(lambda), sum)
	for i := range n {
		a[i] = make([]*big.Float, n+1)
		for k := range n {
			v := newF(0)
			for j := range dim {
				v.Add(v, new(big.Float).SetPrec(prec).Mul(z[i][j], z[k][j]))
			}
			v.Mul(v, w[k])
			if i == k {
				v.Add(v, s)
			}
			a[i][k] = v
		}
		a[i][n] = new(big.Float).SetPrec(prec).Sub(newF(y[i]), meanY)
	}

	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if new(big.Float).Abs(a[r][c]).Cmp(new(big.Float).Abs(a[p][c])) > 0 {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := c + 1; r < n; r++ {
			f := new(big.Float).SetPrec(prec).Quo(a[r][c], a[c][c])
			for k := c; k <= n; k++ {
				a[r][k].Sub(a[r][k], new(big.Float).SetPrec(prec).Mul(f, a[c][k]))
			}
		}
	}

	beta := make([]*big.Float, n)
	for r := n - 1; r >= 0; r-- {
		v := new(big.Float).SetPrec(prec).Set(a[r][n])
		for k := r + 1; k < n; k++ {
			v.Sub(v, new(big.Float).SetPrec(prec).Mul(a[r][k], beta[k]))
		}
		beta[r] = v.Quo(v, a[r][r])
	}

	out := make([]float64, dim)
	bias := new(big.Float).SetPrec(prec).Set(meanY)
	for j := range dim {
		v := newF(0)
		for i := range n {
			v.Add(v, new(big.Float).SetPrec(prec).Mul(new(big.Float).SetPrec(prec).Mul(w[i], beta[i]), z[i][j]))
		}
		out[j], _ = v.Float64()
		bias.Sub(bias, new(big.Float).SetPrec(prec).Mul(meanX[j], v))
	}
	b, _ := bias.Float64()
	return out, b
}

// normalRidge returns n rows of dim standard normal columns and a
// standard normal target, a well-conditioned problem for any λ > 0.
func normalRidge(seed uint64, n, dim int) (X, y []float64) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	return randomFloats[float64](rng, n*dim), randomFloats[float64](rng, n)
}

// checkExactFit fits X and y with every kernel and compares the weights
// and bias with exactRidge, relative to the largest of them.
func checkExactFit(t *testing.T, name string, X, y []float64, dim int, lambda float64, opts RidgeOptions, tol float64) {
	t.Helper()
	wantW, wantB := exactRidge(X, y, dim, lambda, opts.Weights, opts.NoIntercept)
	norm := math.Abs(wantB)
	for _, v := range wantW {
		norm = max(norm, math.Abs(v))
	}
	for _, kern := range Kernels() {
		opts.Kernel = kern
		got, err := FitRidge(X, y, dim, lambda, opts)
		if err != nil {
			t.Errorf("%s, kernel %s: %v", name, kern, err)
			continue
		}
		diff := math.Abs(got.Bias - wantB)
		for j, v := range wantW {
			diff = max(diff, math.Abs(got.Weights[j]-v))
		}
		if !(diff <= tol*norm) {
			t.Errorf("%s, kernel %s: weights or bias off by %g relative, want at most %g", name, kern, diff/norm, tol)
		}
	}
}

// With the intercept, the centred rows sum to 0, so ZZᵀ is singular by
// construction. A λ small beside XXᵀ must still give the weights, which
// are well defined, as it does without the intercept.
func TestFitRidgeDualInterceptSmallLambda(t *testing.T) {
	X, y := normalRidge(11, 5, 12)
	for _, lambda := range []float64{1e-8, 1e-14, 1e-16, 1e-300} {
		checkExactFit(t, fmt.Sprintf("λ = %g", lambda), X, y, 12, lambda, RidgeOptions{}, 1e-12)
	}
	for i := range X {
		X[i] *= 1000
	}
	checkExactFit(t, "X scaled by 1000, λ = 1e-8", X, y, 12, 1e-8, RidgeOptions{}, 1e-12)
}

// With the intercept and as many rows as columns, the centred XᵀX has
// rank dim − 1, so FitRidge solves the dual form there too. The primal
// form lost accuracy as ε/λ: 1e-3 at λ = 1e-14 for 10 × 10.
func TestFitRidgeDualAtFullRowCount(t *testing.T) {
	const dim = 10
	X, y := normalRidge(13, dim+1, dim)
	for _, lambda := range []float64{1e-6, 1e-10, 1e-14} {
		for _, n := range []int{dim - 1, dim, dim + 1} {
			name := fmt.Sprintf("%d rows, λ = %g", n, lambda)
			tol := 1e-12
			if n > dim {
				// The primal form: XᵀX of full rank, condition about 1e2.
				tol = 1e-11
			}
			checkExactFit(t, name, X[:n*dim], y[:n], dim, lambda, RidgeOptions{}, tol)
		}
	}
}

// Centring on a float64 mean leaves each column of 1e10 + N(0, 1)
// shifted by up to an ulp of 1e10. The dual form divides the part of
// that shift along the centred null direction by λ·Σw: at λ = 1e-6 the
// weights were off by 2e-6. The primal form adds its square to XᵀX: with
// 1e15 + N(0, 1) at λ = 0.1 they were off by 3%. Centring again on the
// exact mean removes both.
func TestFitRidgeOffsetColumns(t *testing.T) {
	const dim = 10
	for _, c := range []struct {
		rows           int
		offset, lambda float64
	}{
		{dim - 1, 1e10, 1e-6},
		{dim - 1, 1e15, 0.1},
		{3 * dim, 1e10, 1e-6},
		{3 * dim, 1e15, 0.1},
	} {
		X, y := normalRidge(14, c.rows, dim)
		for i := range X {
			X[i] += c.offset
		}
		weights := make([]float64, c.rows)
		for i := range weights {
			weights[i] = 1 + float64(i%3)
		}
		name := fmt.Sprintf("%d rows, offset %g, λ = %g", c.rows, c.offset, c.lambda)
		checkExactFit(t, name, X, y, dim, c.lambda, RidgeOptions{}, 1e-12)
		checkExactFit(t, name+", weighted", X, y, dim, c.lambda, RidgeOptions{Weights: weights}, 1e-12)
	}
}

// A λ·Σw beyond float64 is no error: both forms divide the system by a
// power of two first. The data are scaled so that the weights stay in
// the normal range.
func TestFitRidgeHugeLambda(t *testing.T) {
	X, y := normalRidge(15, 12, 3)
	for i := range X {
		X[i] *= 1e150
	}
	for i := range y {
		y[i] *= 1e150
	}
	for _, n := range []int{2, 12} {
		name := fmt.Sprintf("%d rows", n)
		checkExactFit(t, name, X[:n*3], y[:n], 3, 1e308, RidgeOptions{NoIntercept: true}, 1e-12)
		checkExactFit(t, name+", intercept", X[:n*3], y[:n], 3, 1e308, RidgeOptions{}, 1e-12)
	}
}

// A column far larger than the others fills ZZᵀ, whose rounding then
// hides the small columns: the dual form gave weights 0.26% off for
// these rows (1e7) or a false singular error (1e8). FitRidge now fits
// them in the primal form, to rounding.
func TestFitRidgeDualScaledColumn(t *testing.T) {
	for _, big := range []float64{1e7, 1e8, 1e12} {
		X := []float64{big, 1, 0, big, 0, 1}
		y := []float64{1, -1}
		want := []float64{0, 1.0 / 3, -1.0 / 3}
		for _, kern := range Kernels() {
			m, err := FitRidge(X, y, 3, 1, RidgeOptions{NoIntercept: true, Kernel: kern})
			if err != nil {
				t.Errorf("column of %g, kernel %s: %v", big, kern, err)
				continue
			}
			for j, w := range want {
				if d := math.Abs(m.Weights[j] - w); !(d <= 1e-14) {
					t.Errorf("column of %g, kernel %s: Weights[%d] = %.17g, want %.17g", big, kern, j, m.Weights[j], w)
				}
			}
		}
	}
}

// With the intercept, rows (s, 1, 0), (−s, 0, 1) and (s/2, 1, 1) have the
// same problem in the dual form. The primal form matches the exact fit.
func TestFitRidgeDualScaledColumnIntercept(t *testing.T) {
	for _, s := range []float64{1e6, 1e8} {
		X := []float64{s, 1, 0, -s, 0, 1, s / 2, 1, 1}
		y := []float64{1, -1, 2}
		wantW, wantB := exactRidgePrimal(X, y, 3, 1)
		for _, kern := range Kernels() {
			m, err := FitRidge(X, y, 3, 1, RidgeOptions{Kernel: kern})
			if err != nil {
				t.Errorf("s = %g, kernel %s: %v", s, kern, err)
				continue
			}
			if e := fitError(m, wantW, wantB); !(e <= 1e-12) {
				t.Errorf("s = %g, kernel %s: weights off by %.2g relative, want at most 1e-12", s, kern, e)
			}
		}
	}
}

// Where the dual factorisation fails at its first row, no rows come
// before it, so the error names what makes that row singular instead.
func TestFitRidgeDualFirstRowSingular(t *testing.T) {
	y := []float64{1, 2}
	_, err := FitRidge([]float64{1, 2, 3, 1, 2, 3}, y, 3, 5e-324, RidgeOptions{})
	if !errors.Is(err, ErrSingular) {
		t.Fatalf("identical rows with the intercept: error %v, want ErrSingular", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "all rows of nonzero weight are the same") || strings.Contains(msg, "rows before it") {
		t.Errorf("identical rows with the intercept: error %q, want it to say that the rows are the same", msg)
	}

	_, err = FitRidge([]float64{0, 0, 0, 1, 2, 3}, y, 3, 5e-324, RidgeOptions{NoIntercept: true})
	if !errors.Is(err, ErrSingular) {
		t.Fatalf("zero first row without the intercept: error %v, want ErrSingular", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "row 0 of X is zero") || strings.Contains(msg, "rows before it") {
		t.Errorf("zero first row without the intercept: error %q, want it to say that row 0 is zero", msg)
	}
}

// Above dualFallbackColumns, an ill-conditioned dual system is refined
// from residuals of the primal system formed from the data, instead of
// being fitted again in the primal form. Rows with a column of 1e7 and
// zero columns padded to 4,097 gave weights up to 0.7% off before. Each
// weight must match the fit of the compact columns (which the primal
// form solves to rounding) to 1e-10 of itself, and the zero columns
// must get weight 0.
func TestFitRidgeDualRefinedWide(t *testing.T) {
	const dim = dualFallbackColumns + 1
	compact := [][]float64{{1e7, 1, 0, 0}, {1e7, 0, 1, 0}, {1e7 + 1, 0, 0, 1}}
	y := []float64{1, 2, 4}
	for _, noIntercept := range []bool{true, false} {
		var flat []float64
		for _, row := range compact {
			flat = append(flat, row...)
		}
		X := make([]float64, len(compact)*dim)
		for i, row := range compact {
			copy(X[i*dim:], row)
		}
		for _, lambda := range []float64{1, 1e4} {
			opts := RidgeOptions{NoIntercept: noIntercept}
			want, err := FitRidge(flat, y, 4, lambda, opts)
			if err != nil {
				t.Fatal(err)
			}
			name := fmt.Sprintf("no intercept %t, λ = %g", noIntercept, lambda)
			got, err := FitRidge(X, y, dim, lambda, opts)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			for j, w := range want.Weights {
				if e := relErr(got.Weights[j], w); !(e <= 1e-10) {
					t.Errorf("%s: Weights[%d] = %.12g, want %.12g (off by %.2g relative)", name, j, got.Weights[j], w, e)
				}
			}
			if e := math.Abs(got.Bias - want.Bias); !(e <= 1e-10*(1+math.Abs(want.Bias))) {
				t.Errorf("%s: Bias = %.12g, want %.12g", name, got.Bias, want.Bias)
			}
			if j := slices.IndexFunc(got.Weights[4:], func(w float64) bool { return w != 0 }); j >= 0 {
				t.Errorf("%s: Weights[%d] = %g for a zero column, want 0", name, 4+j, got.Weights[4+j])
			}
		}
	}
}

// Above dualFallbackColumns, refined weights of an ill-conditioned dual
// system are either close to the exact ones, here those of the primal
// form on the nonzero columns, or an error wrapping ErrSingular: never
// silently off. One column is 10⁷ to 10⁹ times the others, and λ small.
func TestFitRidgeDualWideNoSilentError(t *testing.T) {
	const dim = dualFallbackColumns + 1
	singular := 0
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 99))
		n := 2 + rng.IntN(6)
		small := n + 1 + rng.IntN(6)
		scale := math.Pow(10, 7+2*rng.Float64())
		lambda := math.Pow(10, -3+2*rng.Float64())
		X := make([]float64, n*dim)
		compact := make([]float64, n*small)
		y := make([]float64, n)
		for i := range n {
			for j := range small {
				X[i*dim+j] = rng.NormFloat64()
			}
			X[i*dim] = scale * (1 + 0.01*rng.NormFloat64())
			copy(compact[i*small:], X[i*dim:i*dim+small])
			y[i] = rng.NormFloat64()
		}
		name := fmt.Sprintf("seed %d, %d rows, %d nonzero columns, scale %.3g, λ = %.3g", seed, n, small, scale, lambda)
		want, err := FitRidge(compact, y, small, lambda, RidgeOptions{})
		if err != nil {
			t.Fatalf("%s, compact columns: %v", name, err)
		}
		got, err := FitRidge(X, y, dim, lambda, RidgeOptions{})
		if err != nil {
			if !errors.Is(err, ErrSingular) {
				t.Errorf("%s: error %v, want nil or ErrSingular", name, err)
			}
			singular++
			continue
		}
		var diff, norm float64
		for j, w := range want.Weights {
			var squares float64
			for i := range n {
				squares += compact[i*small+j] * compact[i*small+j]
			}
			diff = max(diff, math.Abs(got.Weights[j]-w)*math.Sqrt(squares))
			norm = max(norm, math.Abs(w)*math.Sqrt(squares))
		}
		if !(diff <= 1e-8*norm) {
			t.Errorf("%s: weights off by %.2g relative, scaled by the columns' norms, with no error", name, diff/norm)
		}
	}
	// Refusing every fit would pass the checks above, so most must fit.
	if singular > 20 {
		t.Errorf("%d of 40 fits returned ErrSingular, want at most 20", singular)
	}
}
