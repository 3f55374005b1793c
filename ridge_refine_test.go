package vecfit

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// exactRidgePrimal returns the ridge weights and bias of unit-weight rows
// from the normal equations in 2,200-bit arithmetic: exact means, then
// (ZᵀZ + λ·n·I)·w = Zᵀt by Gaussian elimination with partial pivoting.
// It serves λ = 0, which exactRidge's dual form cannot solve, and λ·n
// down to 2⁻²¹⁰⁰ of XᵀX. It is for a few columns only.
func exactRidgePrimal(X, y []float64, dim int, lambda float64) ([]float64, float64) {
	const prec = 2200
	num := func(v float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(v) }
	n := len(y)

	meanX := make([]*big.Float, dim)
	meanY := num(0)
	for j := range meanX {
		meanX[j] = num(0)
		for i := range n {
			meanX[j].Add(meanX[j], num(X[i*dim+j]))
		}
		meanX[j].Quo(meanX[j], num(float64(n)))
	}
	for _, v := range y {
		meanY.Add(meanY, num(v))
	}
	meanY.Quo(meanY, num(float64(n)))

	// a is the augmented system [ZᵀZ + λ·n·I | Zᵀt].
	a := make([][]*big.Float, dim)
	for j := range a {
		a[j] = make([]*big.Float, dim+1)
		for k := range a[j] {
			a[j][k] = num(0)
		}
		a[j][j].Mul(num(lambda), num(float64(n)))
	}
	z := make([]*big.Float, dim)
	for i := range n {
		for j := range dim {
			z[j] = num(0).Sub(num(X[i*dim+j]), meanX[j])
		}
		t := num(0).Sub(num(y[i]), meanY)
		for j := range dim {
			for k := range dim {
				a[j][k].Add(a[j][k], num(0).Mul(z[j], z[k]))
			}
			a[j][dim].Add(a[j][dim], num(0).Mul(z[j], t))
		}
	}

	for c := range dim {
		p := c
		for r := c + 1; r < dim; r++ {
			if num(0).Abs(a[r][c]).Cmp(num(0).Abs(a[p][c])) > 0 {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := c + 1; r < dim; r++ {
			f := num(0).Quo(a[r][c], a[c][c])
			for k := c; k <= dim; k++ {
				a[r][k].Sub(a[r][k], num(0).Mul(f, a[c][k]))
			}
		}
	}
	w := make([]*big.Float, dim)
	for r := dim - 1; r >= 0; r-- {
		v := num(0).Set(a[r][dim])
		for k := r + 1; k < dim; k++ {
			v.Sub(v, num(0).Mul(a[r][k], w[k]))
		}
		w[r] = v.Quo(v, a[r][r])
	}

	out := make([]float64, dim)
	bias := num(0).Set(meanY)
	for j, v := range w {
		out[j], _ = v.Float64()
		bias.Sub(bias, num(0).Mul(meanX[j], v))
	}
	b, _ := bias.Float64()
	return out, b
}

// fitError returns the largest difference between the fit and the
// weights and bias given, relative to the largest of the latter.
func fitError(m *RidgeModel, wantW []float64, wantB float64) float64 {
	norm, diff := math.Abs(wantB), math.Abs(m.Bias-wantB)
	for j, v := range wantW {
		norm = max(norm, math.Abs(v))
		diff = max(diff, math.Abs(m.Weights[j]-v))
	}
	return diff / norm
}

// Polynomial features x, x², …, x^d on [0, 1] make XᵀX nearly singular,
// and the primal form then refines its weights from residuals formed
// from the data. Without refinement, degree 8 is about 8e-7 off on every
// kernel, at λ = 0 and at 1e-12, and with it about 1e-10.
func TestFitRidgeRefinesPolynomial(t *testing.T) {
	for _, degree := range []int{6, 8} {
		for _, lambda := range []float64{0, 1e-12} {
			X, y := polynomialFeatures(uint64(degree), 60, degree, 0, 1)
			wantW, wantB := exactRidgePrimal(X, y, degree, lambda)
			for _, kern := range Kernels() {
				m, err := FitRidge(X, y, degree, lambda, RidgeOptions{Kernel: kern})
				if err != nil {
					t.Errorf("degree %d, λ = %g, kernel %s: %v", degree, lambda, kern, err)
					continue
				}
				if e := fitError(m, wantW, wantB); !(e <= 1e-9) {
					t.Errorf("degree %d, λ = %g, kernel %s: weights off by %.2g relative, want at most 1e-9", degree, lambda, kern, e)
				}
			}
		}
	}
}

// A repeated row leaves the centred XᵀX of 6 rows and 5 columns singular,
// so λ = 1e-14 alone decides one direction of the weights. The Cholesky
// solve was 5e-3 off, and refinement brings that to about 1e-5. The rest
// is the rounding of Zᵀr in the residual, large here as y is noise, which
// refinement in float64 cannot remove.
func TestFitRidgeRefinesRepeatedRow(t *testing.T) {
	X, y := normalRidge(31, 6, 5)
	copy(X[25:30], X[20:25])
	wantW, wantB := exactRidgePrimal(X, y, 5, 1e-14)
	for _, kern := range Kernels() {
		m, err := FitRidge(X, y, 5, 1e-14, RidgeOptions{Kernel: kern})
		if err != nil {
			t.Fatalf("kernel %s: %v", kern, err)
		}
		if e := fitError(m, wantW, wantB); !(e <= 1e-4) {
			t.Errorf("kernel %s: weights off by %.2g relative, want at most 1e-4", kern, e)
		}
	}
}

// Each case overflows on the way to a finite system, and each fits. In
// the dual form the squared norms of two centred rows of ±1e154 are
// finite but their sum is not. In both forms the diagonal of
// XᵀX + λ·Σw·I overflows while both of its terms are finite.
func TestFitRidgeDiagonalOverflow(t *testing.T) {
	for _, c := range []struct {
		name   string
		X, y   []float64
		dim    int
		lambda float64
	}{
		{"dual, rows ±1e154", []float64{1e154, 0, 0, -1e154, 0, 1}, []float64{1, 2}, 3, 1},
		{"dual, rows ±1e154, λ = 1e300", []float64{1e154, 0, 0, -1e154, 0, 1}, []float64{1, 2}, 3, 1e300},
		{"dual, λ = 5e307", []float64{9e153, 1, 1, -9e153, 2, 2}, []float64{1, 2}, 3, 5e307},
		{"primal, λ = 1e307", []float64{9e153, -9e153, 1e153, -1e153, 0}, []float64{1, 2, 3, 4, 5}, 1, 1e307},
	} {
		wantW, wantB := exactRidgePrimal(c.X, c.y, c.dim, c.lambda)
		for _, kern := range Kernels() {
			m, err := FitRidge(c.X, c.y, c.dim, c.lambda, RidgeOptions{Kernel: kern})
			if err != nil {
				t.Errorf("%s, kernel %s: %v", c.name, kern, err)
				continue
			}
			if e := fitError(m, wantW, wantB); !(e <= 1e-12) {
				t.Errorf("%s, kernel %s: weights %v, bias %v off by %.2g relative; want %v, %v",
					c.name, kern, m.Weights, m.Bias, e, wantW, wantB)
			}
		}
	}
}

// A constant column of 1e200 over 1,000 rows: the first mean is off by
// an ulp, whose square overflows. After the second pass the column is
// exactly 0, so λ = 0 reports it as constant and λ = 1 gives it weight 0.
func TestFitRidgeHugeConstantColumn(t *testing.T) {
	X, y := normalRidge(17, 1000, 3)
	for i := range 1000 {
		X[i*3+1] = 1e200
	}
	for _, kern := range Kernels() {
		_, err := FitRidge(X, y, 3, 0, RidgeOptions{Kernel: kern})
		if want := "column 1 of X is constant"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("kernel %s, λ = 0: error %v, want one containing %q", kern, err, want)
		}
		m, err := FitRidge(X, y, 3, 1, RidgeOptions{Kernel: kern})
		if err != nil {
			t.Errorf("kernel %s, λ = 1: %v", kern, err)
			continue
		}
		if m.Weights[1] != 0 {
			t.Errorf("kernel %s, λ = 1: weight of the constant column is %v, want 0", kern, m.Weights[1])
		}
		for _, j := range []int{0, 2} {
			if !isFinite(m.Weights[j]) {
				t.Errorf("kernel %s, λ = 1: Weights[%d] = %v", kern, j, m.Weights[j])
			}
		}
	}
}

// Refinement sums its residuals per chunk of rows and then the chunks in
// order, so a refined fit over several chunks is the same bit for bit
// for any number of goroutines.
func TestFitRidgeRefineWorkersIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	// 2·n·dim is above the work at which the goroutines start.
	const n, dim = 40000, 4
	X := randomFloats[float64](rng, n*dim)
	y := randomFloats[float64](rng, n)
	// Column 1 is column 0 plus 1e-5 of noise, which puts the scaled
	// condition number near 1e10, above the refinement threshold.
	for i := range n {
		X[i*dim+1] = X[i*dim] + 1e-5*X[i*dim+1]
	}
	for _, kern := range Kernels() {
		var first *RidgeModel
		for _, workers := range []int{1, 2, 3, 7} {
			m, err := FitRidge(X, y, dim, 0, RidgeOptions{Kernel: kern, Workers: workers})
			if err != nil {
				t.Fatalf("kernel %s, %d workers: %v", kern, workers, err)
			}
			if first == nil {
				first = m
				continue
			}
			if !slices.Equal(m.Weights, first.Weights) || m.Bias != first.Bias {
				t.Errorf("kernel %s, %d workers: fit %v, %v differs from the fit with 1 worker %v, %v",
					kern, workers, m.Weights, m.Bias, first.Weights, first.Bias)
			}
		}
	}
}

// polynomialFeatures returns n rows of x, x², …, x^degree for x uniform
// on [lo, hi], and y = sin(3·(x − lo)/(hi − lo)) plus noise of 0.01.
func polynomialFeatures(seed uint64, n, degree int, lo, hi float64) (X, y []float64) {
	rng := rand.New(rand.NewPCG(seed, 99))
	X = make([]float64, n*degree)
	y = make([]float64, n)
	for i := range n {
		x := lo + (hi-lo)*rng.Float64()
		for j := range degree {
			X[i*degree+j] = math.Pow(x, float64(j+1))
		}
		y[i] = math.Sin(3*(x-lo)/(hi-lo)) + 0.01*rng.NormFloat64()
	}
	return X, y
}

// Degree-8 features on [20.9, 34.2] have a scaled condition number near
// 1e19, far beyond 1/ε, and their pivots stay above the 2⁻⁴⁴ floor: the
// weights came back 30% to 240% off with no error. Now every fit of
// such a system is either an error wrapping ErrSingular or within 1% of
// the exact weights.
func TestFitRidgeSingularToPrecision(t *testing.T) {
	X, y := polynomialFeatures(988, 318, 8, 20.87934752999206, 34.23764320182143)
	for _, lambda := range []float64{1e-18, 1e-12} {
		wantW, wantB := exactRidgePrimal(X, y, 8, lambda)
		for _, kern := range Kernels() {
			m, err := FitRidge(X, y, 8, lambda, RidgeOptions{Kernel: kern})
			if errors.Is(err, ErrSingular) {
				continue // by the condition number or the pivot floor
			}
			if err != nil {
				t.Fatalf("λ = %g, kernel %s: %v", lambda, kern, err)
			}
			if e := fitError(m, wantW, wantB); !(e <= 0.01) {
				t.Errorf("λ = %g, kernel %s: weights off by %.2g relative with no error", lambda, kern, e)
			}
		}
	}
}

// Refinement and its stopping rules scale each column by √Aⱼⱼ, so
// multiplying a column by 2⁵⁰⁹, which also makes FitRidge divide the
// system by a power of two, leaves degree-8 features on [0, 1] as
// accurate as without the scaling. Unscaled comparisons rejected every
// correction there, leaving the weights 8e-6 off.
func TestFitRidgeRefineScaledColumn(t *testing.T) {
	for _, exp := range []int{0, 509} {
		X, y := polynomialFeatures(8, 60, 8, 0, 1)
		for i := range 60 {
			X[i*8] = math.Ldexp(X[i*8], exp)
		}
		wantW, wantB := exactRidgePrimal(X, y, 8, 0)
		for _, kern := range Kernels() {
			m, err := FitRidge(X, y, 8, 0, RidgeOptions{Kernel: kern})
			if err != nil {
				t.Fatalf("column 0 × 2^%d, kernel %s: %v", exp, kern, err)
			}
			// Relative to the largest weight, which the scaling leaves
			// among the other columns.
			if e := fitError(m, wantW, wantB); !(e <= 1e-9) {
				t.Errorf("column 0 × 2^%d, kernel %s: weights off by %.2g relative", exp, kern, e)
			}
		}
	}
}

// The same temperature in °C and °F makes two columns proportional, up to
// the constant that centring removes, so the scaled XᵀX is nearly
// singular along (1, −1). An estimate of κ that starts from the uniform
// vector alone misses that direction (2.5 against 8e9) and skips
// refinement, which left the weights 7.9e-7 off at λ = 1e-8.
func TestFitRidgeProportionalColumns(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n, dim = 1000, 5
	X := make([]float64, n*dim)
	y := make([]float64, n)
	for i := range n {
		celsius := 20 + 5*rng.NormFloat64()
		X[i*dim], X[i*dim+1] = celsius, 1.8*celsius+32
		y[i] = 0.5*celsius + 0.1*rng.NormFloat64()
		for j := 2; j < dim; j++ {
			X[i*dim+j] = rng.NormFloat64()
			y[i] += X[i*dim+j]
		}
	}
	for _, c := range []struct{ lambda, tol float64 }{{1e-8, 1e-8}, {1e-10, 1e-6}} {
		wantW, wantB := exactRidgePrimal(X, y, dim, c.lambda)
		for _, kern := range Kernels() {
			m, err := FitRidge(X, y, dim, c.lambda, RidgeOptions{Kernel: kern})
			if err != nil {
				t.Fatalf("λ = %g, kernel %s: %v", c.lambda, kern, err)
			}
			if e := fitError(m, wantW, wantB); !(e <= c.tol) {
				t.Errorf("λ = %g, kernel %s: weights off by %.2g relative, want at most %g", c.lambda, kern, e, c.tol)
			}
		}
	}
}

// A copy of a column among 300 columns of correlation 0.92, with λ small
// enough that the scaled condition number is at least 9e15 (a bound from
// the exact matrix), while every pivot passes the 2⁻⁴⁴ floor. That must
// be an error: the fit had returned the copies' weights 5% apart, where
// the exact ones are equal.
func TestFitRidgeDuplicateAmongCorrelated(t *testing.T) {
	if testing.Short() {
		t.Skip("forms a 300-column XᵀX of 1,000 rows per kernel")
	}
	rng := rand.New(rand.NewPCG(41, 42))
	const n, dim = 1000, 300
	X := make([]float64, n*dim)
	y := make([]float64, n)
	for i := range n {
		base := rng.NormFloat64()
		row := X[i*dim : (i+1)*dim]
		for j := range row {
			row[j] = base + 0.3*rng.NormFloat64()
		}
		row[1] = row[0]
		y[i] = base + 0.5*rng.NormFloat64()
	}

	var mean, squares float64
	for i := range n {
		mean += X[i*dim] / n
	}
	for i := range n {
		squares += (X[i*dim] - mean) * (X[i*dim] - mean)
	}
	// λ·n is 3e-14 of column 0's centred diagonal.
	lambda := 3e-14 * squares / n

	for _, kern := range Kernels() {
		m, err := FitRidge(X, y, dim, lambda, RidgeOptions{Kernel: kern})
		if !errors.Is(err, ErrSingular) {
			t.Errorf("kernel %s: got weights 0 and 1 of %v, %v and error %v, want ErrSingular", kern, weightOrNaN(m, 0), weightOrNaN(m, 1), err)
		}
	}
}

// weightOrNaN returns m.Weights[j], or NaN for a nil model.
func weightOrNaN(m *RidgeModel, j int) float64 {
	if m == nil {
		return math.NaN()
	}
	return m.Weights[j]
}

// Refinement takes as many steps as keep shrinking the correction:
// degree-10 features at λ = 0 needed three, and came out 9e-5 off when a
// fault stopped it after one. Once the first step has brought the
// residual down to its rounding, the residual of a later, better step can
// still come out twice as large. Refinement that stopped there left 15
// of these 48 fits 1e-6 to 7e-5 off.
func TestFitRidgeRefineSeveralSteps(t *testing.T) {
	for seed := range uint64(16) {
		rng := rand.New(rand.NewPCG(seed, 10))
		const n, degree = 400, 10
		X := make([]float64, n*degree)
		y := make([]float64, n)
		for i := range n {
			x := rng.Float64()
			for j := range degree {
				X[i*degree+j] = math.Pow(x, float64(j+1))
			}
			y[i] = math.Sin(3*x) + 1e-3*rng.NormFloat64()
		}
		wantW, wantB := exactRidgePrimal(X, y, degree, 0)
		for _, kern := range Kernels() {
			m, err := FitRidge(X, y, degree, 0, RidgeOptions{Kernel: kern})
			if err != nil {
				t.Fatalf("seed %d kernel %s: %v", seed, kern, err)
			}
			if e := fitError(m, wantW, wantB); !(e <= 1e-6) {
				t.Errorf("seed %d kernel %s: weights off by %.2g relative, want at most 1e-6", seed, kern, e)
			}
		}
	}
}

// With λ = 0 the rank test (a pivot at most 10⁻¹² of its diagonal entry)
// applies without the intercept too: two columns 1e-6 apart relative are
// singular either way.
func TestFitRidgeRankTestWithoutIntercept(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n, dim = 500, 4
	X := make([]float64, n*dim)
	y := make([]float64, n)
	for i := range n {
		for j := range dim {
			X[i*dim+j] = rng.NormFloat64()
		}
		X[i*dim+1] = X[i*dim] + 1e-6*rng.NormFloat64()
		y[i] = 2*X[i*dim] - X[i*dim+1] + X[i*dim+2] + 0.01*rng.NormFloat64()
	}
	for _, noIntercept := range []bool{false, true} {
		_, err := FitRidge(X, y, dim, 0, RidgeOptions{NoIntercept: noIntercept})
		if want := "column 1 of X is a linear combination of column 0"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("no intercept %v: error %v, want one containing %q", noIntercept, err, want)
		}
	}
}

// testdata/ridge_near_singular.txt holds 111 rows of 8 columns, y and a
// weight, from a random search: column 3 is 100·x₀ − 37·x₅ + 0.01·x₇ plus
// noise of 1e-5, about 20% of the weights are 0 and some up to 1000.
// Its scaled condition number is 2.2e15 (exact), under 1/ε, and the fit
// at λ = 0 came back 48% off with no error. It must now be an error, or
// else within 1e-6 of the exact weights.
func TestFitRidgeNearSingularCase(t *testing.T) {
	data, err := os.ReadFile("testdata/ridge_near_singular.txt")
	if err != nil {
		t.Fatal(err)
	}
	var X, y, weights []float64
	for line := range strings.Lines(string(data)) {
		fields := strings.Fields(line)
		if len(fields) != 10 {
			t.Fatalf("line %q has %d fields, want 10", line, len(fields))
		}
		for i, f := range fields {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case i < 8:
				X = append(X, v)
			case i == 8:
				y = append(y, v)
			default:
				weights = append(weights, v)
			}
		}
	}
	for _, kern := range Kernels() {
		m, err := FitRidge(X, y, 8, 0, RidgeOptions{Weights: weights, Kernel: kern})
		if errors.Is(err, ErrSingular) {
			continue
		}
		if err != nil {
			t.Fatalf("kernel %s: %v", kern, err)
		}
		// The exact weights, from a 1,200-bit solve; scikit-learn 1.2.1's
		// LinearRegression with these sample weights prints the same.
		want := []float64{390157.47, -0.47567, -1.63368, -3902.14, 0.025229, -144357.42, 0.81663, 39.298}
		for j, v := range want {
			if math.Abs(m.Weights[j]-v) > 1e-6*390157.47 {
				t.Errorf("kernel %s: Weights[%d] = %v, want about %v, with no error", kern, j, m.Weights[j], v)
			}
		}
	}
}
