//go:build !purego

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

// ridgeNarrowDims are the widths of one ZMM row (8 float64, 16 float32
// columns) and their neighbours, which take the AVX2 kernel.
var ridgeNarrowDims = []int{7, 8, 9, 15, 16, 17}

// ridgeNarrowRows returns the row counts to test: every n up to 70, then
// the edges of the 256-row blocks and 4096-row chunks.
func ridgeNarrowRows() []int {
	var ns []int
	for n := range 71 {
		if testing.Short() && n%7 != 0 && n != 17 {
			continue
		}
		ns = append(ns, n)
	}
	return append(ns, 255, 256, 257, 1023, 4095, 4096, 4097)
}

// ridgeExactGrad returns the loss, the gradient with respect to w and the
// gradient with respect to b of the ridge objective, computed with 256-bit
// big.Float arithmetic, and for each column the sum
// (2/n)·Σᵢ |xᵢⱼ|·(|rᵢ| + Mᵢ) with Mᵢ = |b| + |yᵢ| + Σₖ|xᵢₖ·wₖ|, the scale of
// the rounding error of any summation order.
func ridgeExactGrad[F Float](X, y, w []F, b, lambda F) (loss float64, grad []float64, gradB float64, scale []float64) {
	const prec = 256
	dim, n := len(w), len(y)
	newFloat := func(v float64) *big.Float { return new(big.Float).SetPrec(prec).SetFloat64(v) }
	sumSq, sum := newFloat(0), newFloat(0)
	sums := make([]*big.Float, dim)
	for j := range sums {
		sums[j] = newFloat(0)
	}
	scale = make([]float64, dim)
	product := newFloat(0)

	for i := range n {
		x := X[i*dim : (i+1)*dim]
		r := newFloat(float64(b))
		r.Sub(r, newFloat(float64(y[i])))
		m := math.Abs(float64(b)) + math.Abs(float64(y[i]))
		for j, v := range x {
			product.Mul(newFloat(float64(v)), newFloat(float64(w[j])))
			r.Add(r, product)
			m += math.Abs(float64(v) * float64(w[j]))
		}
		sumSq.Add(sumSq, product.Mul(r, r))
		sum.Add(sum, r)
		rf, _ := r.Float64()
		for j, v := range x {
			sums[j].Add(sums[j], product.Mul(r, newFloat(float64(v))))
			scale[j] += math.Abs(float64(v)) * (math.Abs(rf) + m)
		}
	}

	if n == 0 {
		n = 1 // the sums are 0, and so is the mean
	}
	inverse := 1 / float64(n)
	var norm float64
	for _, v := range w {
		norm += float64(v) * float64(v)
	}

	// The means are formed before rounding to float64, so that a sum
	// beyond float64 with a mean within it gives the mean.
	mean := func(s *big.Float) float64 {
		m, _ := new(big.Float).SetPrec(prec).Quo(s, newFloat(float64(n))).Float64()
		return m
	}
	loss = mean(sumSq) + float64(lambda)*norm
	gradB = 2 * mean(sum)
	grad = make([]float64, dim)
	for j := range grad {
		grad[j] = 2*mean(sums[j]) + 2*float64(lambda)*float64(w[j])
		scale[j] *= 2 * inverse
	}
	return loss, grad, gradB, scale
}

// ridgeCase is one set of inputs to RidgeGrad.
type ridgeCase[F Float] struct {
	X, y, w     []F
	b, lambda   F
	dim, n      int
	description string
}

func newRidgeCase[F Float](rng *rand.Rand, n, dim int) ridgeCase[F] {
	c := ridgeCase[F]{
		X:      randomFloats[F](rng, n*dim),
		y:      randomFloats[F](rng, n),
		w:      randomFloats[F](rng, dim),
		b:      F(rng.NormFloat64()),
		lambda: 0.25,
		dim:    dim,
		n:      n,
	}
	// A target near X·w keeps the residuals small next to the terms that
	// form them, where the order of summation matters most.
	for i := range n {
		var fit float64
		for j := range dim {
			fit += float64(c.X[i*dim+j]) * float64(c.w[j])
		}
		c.y[i] = F(fit + float64(c.b) + 0.01*rng.NormFloat64())
	}
	c.description = fmt.Sprintf("%T dim %d n %d", F(0), dim, n)
	return c
}

// ridgeGradWorst runs RidgeGradWith on kernel, checks the loss and gradB,
// and returns the largest error of gradW in units of ε times the error
// scale of ridgeExactGrad.
func ridgeGradWorst[F Float](t *testing.T, kernel string, c ridgeCase[F], loss float64, want []float64, wantB float64, scale []float64) float64 {
	t.Helper()
	grad := make([]F, c.dim)
	gotLoss, gotB, err := RidgeGradWith(Options{Kernel: kernel}, grad, c.X, c.y, c.w, c.b, c.lambda)
	if err != nil {
		t.Fatalf("%s kernel %s: %v", c.description, kernel, err)
	}
	eps := ridgeEpsilon[F]()
	// The loss is a sum of squares: its error is relative.
	if d := math.Abs(float64(gotLoss) - loss); d > 4*float64(c.dim+ridgeBlockRows+4)*eps*loss+1e-300 {
		t.Errorf("%s kernel %s: loss %v, exact %v", c.description, kernel, gotLoss, loss)
	}
	worst := 0.0
	for j, g := range grad {
		if scale[j] == 0 {
			if float64(g) != want[j] {
				t.Errorf("%s kernel %s: gradW[%d] = %v, exact %v", c.description, kernel, j, g, want[j])
			}
			continue
		}
		worst = max(worst, math.Abs(float64(g)-want[j])/(eps*scale[j]))
	}
	// gradB is the column sum of a column of ones, whose error scale
	// ridgeExactGrad does not return: the largest column's bounds it when
	// the data are of unit size.
	if d := math.Abs(float64(gotB) - wantB); d > float64(c.dim+ridgeBlockRows+4)*eps*(slices.Max(scale)+1) {
		t.Errorf("%s kernel %s: gradB %v, exact %v", c.description, kernel, gotB, wantB)
	}
	return worst
}

// TestRidgeNarrowAccuracy compares the gradient of the avx512 kernel, the
// avx2 kernel and generic with a 256-bit reference at the widths of one
// ZMM row and their neighbours. Every kernel must stay within the
// rounding bound. The avx512 kernel's worst error must stay within twice
// avx2's plus ε·scale, and the sum of its errors within 1.5 times avx2's.
func TestRidgeNarrowAccuracy(t *testing.T) {
	testRidgeNarrowAccuracy[float32](t)
	testRidgeNarrowAccuracy[float64](t)
}

func testRidgeNarrowAccuracy[F Float](t *testing.T) {
	if !slices.Contains(Kernels(), "avx512") {
		t.Skip("this CPU lacks avx512")
	}
	rng := rand.New(rand.NewPCG(2, 16))
	for _, dim := range ridgeNarrowDims {
		worst := map[string]float64{}
		// total sums, per kernel, the worst error of each case of at
		// least one tile, where the narrow kernel does most of the work.
		total := map[string]float64{}
		for _, n := range ridgeNarrowRows() {
			c := newRidgeCase[F](rng, n, dim)
			loss, want, wantB, scale := ridgeExactGrad(c.X, c.y, c.w, c.b, c.lambda)
			for _, kernel := range []string{"avx512", "avx2", "generic"} {
				e := ridgeGradWorst(t, kernel, c, loss, want, wantB, scale)
				worst[kernel] = max(worst[kernel], e)
				if n >= 16 {
					total[kernel] += e
				}
				// Each residual is off by at most (dim+2)·ε·Mᵢ, and a
				// block sum of 256 rows adds 256·ε of its terms.
				if limit := float64(dim + ridgeBlockRows + 4); e > limit {
					t.Errorf("%s kernel %s: gradient error %.3g ε·scale exceeds %v", c.description, kernel, e, limit)
				}
			}
		}
		t.Logf("%T dim %d: gradient error in ε·scale, worst: avx512 %.3g, avx2 %.3g, generic %.3g; sum over n ≥ 16: %.3g, %.3g, %.3g",
			F(0), dim, worst["avx512"], worst["avx2"], worst["generic"], total["avx512"], total["avx2"], total["generic"])
		if total["avx512"] > 1.5*total["avx2"] {
			t.Errorf("%T dim %d: avx512 gradient errors sum to %.3g ε·scale over the cases of n ≥ 16, avx2's to %.3g",
				F(0), dim, total["avx512"], total["avx2"])
		}
		if worst["avx512"] > 2*worst["avx2"]+1 {
			t.Errorf("%T dim %d: avx512 worst gradient error %.3g ε·scale, over twice avx2's %.3g",
				F(0), dim, worst["avx512"], worst["avx2"])
		}
	}
}

// TestRidgeNarrowWorkersAndAlignment checks that RidgeGrad and RidgeLoss
// return the same bits for 1, 2 and 4 workers, and for slices that start
// one element into their allocation.
func TestRidgeNarrowWorkersAndAlignment(t *testing.T) {
	testRidgeNarrowWorkersAndAlignment[float32](t)
	testRidgeNarrowWorkersAndAlignment[float64](t)
}

func testRidgeNarrowWorkersAndAlignment[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 16))
	for _, kernel := range Kernels() {
		for _, dim := range ridgeNarrowDims {
			ns := []int{0, 1, 15, 16, 17, 255, 256, 257, 4095, 4096, 4097, 20000, 70001}
			if testing.Short() {
				ns = []int{17, 257, 4097, 20000}
			}
			for _, n := range ns {
				c := newRidgeCase[F](rng, n, dim)
				name := fmt.Sprintf("%s kernel %s", c.description, kernel)
				first := make([]F, dim)
				loss, gradB, err := RidgeGradWith(Options{Kernel: kernel, Workers: 1}, first, c.X, c.y, c.w, c.b, c.lambda)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, workers := range []int{2, 4} {
					grad := make([]F, dim)
					l, gb, err := RidgeGradWith(Options{Kernel: kernel, Workers: workers}, grad, c.X, c.y, c.w, c.b, c.lambda)
					if err != nil {
						t.Fatalf("%s workers %d: %v", name, workers, err)
					}
					if l != loss || gb != gradB || !slices.Equal(grad, first) {
						t.Errorf("%s: workers %d give loss %v gradB %v grad %v, workers 1 give %v %v %v",
							name, workers, l, gb, grad[:min(dim, 4)], loss, gradB, first[:min(dim, 4)])
					}
					lossOnly, err := RidgeLossWith(Options{Kernel: kernel, Workers: workers}, c.X, c.y, c.w, c.b, c.lambda)
					if err != nil || lossOnly != loss {
						t.Errorf("%s: RidgeLoss with workers %d gives %v, %v, want %v", name, workers, lossOnly, err, loss)
					}
				}
				grad := shifted(make([]F, dim), 1)
				l, gb, err := RidgeGradWith(Options{Kernel: kernel}, grad, shifted(c.X, 1), shifted(c.y, 1), shifted(c.w, 1), c.b, c.lambda)
				if err != nil {
					t.Fatalf("%s shifted: %v", name, err)
				}
				if l != loss || gb != gradB || !slices.Equal(grad, first) {
					t.Errorf("%s: slices one element into their allocation give loss %v gradB %v, aligned %v %v",
						name, l, gb, loss, gradB)
				}
			}
		}
	}
}

// TestRidgeNarrowNonFiniteRow plants a NaN or an infinity in X or y in
// the first tile, the last tile, the rows after it or a later block. Every
// kernel must return ErrNaN naming that row and leave gradW unchanged.
func TestRidgeNarrowNonFiniteRow(t *testing.T) {
	testRidgeNarrowNonFiniteRow[float32](t)
	testRidgeNarrowNonFiniteRow[float64](t)
}

func testRidgeNarrowNonFiniteRow[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 16))
	values := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, kernel := range Kernels() {
		for _, dim := range ridgeNarrowDims {
			ns := []int{1, 8, 16, 17, 33, 256, 257, 4097}
			if testing.Short() {
				ns = []int{17, 257}
			}
			for _, n := range ns {
				rows := []int{0, n / 2, n - 1}
				if n > 16 {
					rows = append(rows, n-n%16-1, 15)
				}
				for _, row := range rows {
					for _, value := range values {
						for _, column := range []int{-1, 0, dim - 1} { // −1 is y
							c := newRidgeCase[F](rng, n, dim)
							place := fmt.Sprintf("y[%d]", row)
							if column < 0 {
								c.y[row] = F(value)
							} else {
								c.X[row*dim+column] = F(value)
								place = fmt.Sprintf("X[%d][%d]", row, column)
							}
							name := fmt.Sprintf("%s kernel %s, %s = %v", c.description, kernel, place, value)
							grad := make([]F, dim)
							for j := range grad {
								grad[j] = 7
							}
							_, _, err := RidgeGradWith(Options{Kernel: kernel}, grad, c.X, c.y, c.w, c.b, c.lambda)
							if !errors.Is(err, ErrNaN) {
								t.Errorf("%s: error %v, want ErrNaN", name, err)
								continue
							}
							if !strings.Contains(err.Error(), fmt.Sprintf("row %d ", row)) || !strings.Contains(err.Error(), place) {
								t.Errorf("%s: error %q does not name row %d and %s", name, err, row, place)
							}
							if slices.ContainsFunc(grad, func(v F) bool { return v != 7 }) {
								t.Errorf("%s: gradW changed on error to %v", name, grad)
							}
							_, err = RidgeLossWith(Options{Kernel: kernel}, c.X, c.y, c.w, c.b, c.lambda)
							if !errors.Is(err, ErrNaN) {
								t.Errorf("%s: RidgeLoss error %v, want ErrNaN", name, err)
							}
						}
					}
				}
			}
		}
	}
}

// TestRidgeNarrowOverflow makes one residual so large that its square, or
// its product with a value of X, overflows F. A sum over the rows then
// overflows F, but the mean over n rows may not. Every kernel must return
// ErrNaN when the 256-bit reference's loss or gradient is beyond F, and
// otherwise that reference within a relative error of 1000·ε.
func TestRidgeNarrowOverflow(t *testing.T) {
	testRidgeNarrowOverflow[float32](t)
	testRidgeNarrowOverflow[float64](t)
}

func testRidgeNarrowOverflow[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 16))
	huge := math.Sqrt(maxFinite[F]()) * 1.5 // its square overflows F
	big := math.Sqrt(maxFinite[F]()) / 2
	for _, kernel := range Kernels() {
		for _, dim := range ridgeNarrowDims {
			for _, n := range []int{1, 16, 17, 257} {
				for _, row := range []int{0, n - 1} {
					// The square of the residual overflows.
					c := newRidgeCase[F](rng, n, dim)
					c.y[row] = F(huge)
					c.description += fmt.Sprintf(" kernel %s, y[%d] = %g", kernel, row, huge)
					checkRidgeOverflow(t, kernel, c)

					// The residual and its square are finite, but its
					// product with X[row][0] overflows.
					c = newRidgeCase[F](rng, n, dim)
					c.X[row*dim] = F(big * 8)
					c.w[0] = 0
					c.y[row] = F(-big)
					c.b = 0
					c.lambda = 0
					c.description += fmt.Sprintf(" kernel %s, r[%d]·X[%d][0] overflows", kernel, row, row)
					checkRidgeOverflow(t, kernel, c)
				}
			}
		}
	}
}

// checkRidgeOverflow runs RidgeGradWith and RidgeLossWith on kernel and
// checks them against ridgeExactGrad. When the loss, gradB or a value of
// the gradient is beyond F, the error must wrap ErrNaN. Otherwise each
// value must be within 1000·ε of the reference, relative to the loss or
// to the largest value of the gradient.
func checkRidgeOverflow[F Float](t *testing.T, kernel string, c ridgeCase[F]) {
	t.Helper()
	loss, want, wantB, _ := ridgeExactGrad(c.X, c.y, c.w, c.b, c.lambda)
	inRange := isFinite(float64(F(loss))) && isFinite(float64(F(wantB)))
	largest := math.Abs(wantB)
	for _, v := range want {
		inRange = inRange && isFinite(float64(F(v)))
		largest = max(largest, math.Abs(v))
	}

	grad := make([]F, c.dim)
	gotLoss, gotB, err := RidgeGradWith(Options{Kernel: kernel}, grad, c.X, c.y, c.w, c.b, c.lambda)
	_, lossErr := RidgeLossWith(Options{Kernel: kernel}, c.X, c.y, c.w, c.b, c.lambda)
	if !inRange {
		if !errors.Is(err, ErrNaN) {
			t.Errorf("%s: got loss %v gradB %v error %v, want ErrNaN", c.description, gotLoss, gotB, err)
		}
		if !isFinite(float64(F(loss))) && !errors.Is(lossErr, ErrNaN) {
			t.Errorf("%s: RidgeLoss error %v, want ErrNaN", c.description, lossErr)
		}
		return
	}

	if err != nil || lossErr != nil {
		t.Errorf("%s: errors %v and %v, want loss %v", c.description, err, lossErr, loss)
		return
	}

	tol := 1000 * epsilon[F]()
	if math.Abs(float64(gotLoss)-loss) > tol*loss {
		t.Errorf("%s: loss %v, exact %v", c.description, gotLoss, loss)
	}
	if math.Abs(float64(gotB)-wantB) > tol*largest {
		t.Errorf("%s: gradB %v, exact %v", c.description, gotB, wantB)
	}
	for j, g := range grad {
		if math.Abs(float64(g)-want[j]) > tol*largest {
			t.Errorf("%s: gradW[%d] = %v, exact %v", c.description, j, g, want[j])
		}
	}
}

// TestRidgeBlockSumOverflow checks float32 RidgeLoss and RidgeGrad on 38
// rows whose residual is 3e18 each. The loss, 9e36, and the gradient,
// 1.8e37, are within float32, but the sum of the 38 squared residuals,
// 3.42e38, is not.
func TestRidgeBlockSumOverflow(t *testing.T) {
	const n = 38
	X := make([]float32, n)
	y := make([]float32, n)
	for i := range X {
		X[i] = 3e18
	}
	w := []float32{1}
	for _, kernel := range Kernels() {
		opts := Options{Kernel: kernel}
		loss, err := RidgeLossWith(opts, X, y, w, 0, 0)
		if err != nil {
			t.Errorf("%s: RidgeLoss error = %v, want loss 9e36", kernel, err)
		} else if relErr(float64(loss), 9e36) > 1e-6 {
			t.Errorf("%s: RidgeLoss = %v, want 9e36", kernel, loss)
		}
		gradW := make([]float32, 1)
		_, gradB, err := RidgeGradWith(opts, gradW, X, y, w, 0, 0)
		if err != nil {
			t.Errorf("%s: RidgeGrad error = %v, want gradW [1.8e37]", kernel, err)
			continue
		}
		if relErr(float64(gradW[0]), 1.8e37) > 1e-6 {
			t.Errorf("%s: RidgeGrad gradW = %v, want [1.8e37]", kernel, gradW)
		}
		if relErr(float64(gradB), 6e18) > 1e-6 {
			t.Errorf("%s: RidgeGrad gradB = %v, want 6e18", kernel, gradB)
		}
	}
}

// TestRidgeNarrowTinyValues checks the kernels on values whose products
// are subnormal: every kernel must stay within the absolute error of a
// few subnormals per term of the exact result.
func TestRidgeNarrowTinyValues(t *testing.T) {
	testRidgeNarrowTinyValues[float32](t)
	testRidgeNarrowTinyValues[float64](t)
}

func testRidgeNarrowTinyValues[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 16))
	tiny := smallestNonzero[F]()
	for _, kernel := range Kernels() {
		for _, dim := range ridgeNarrowDims {
			for _, n := range []int{16, 17, 64, 300} {
				c := newRidgeCase[F](rng, n, dim)
				// Products of X and w near the subnormal range.
				for i := range c.X {
					c.X[i] = F(float64(c.X[i]) * math.Sqrt(tiny) * 64)
				}
				for i := range c.y {
					c.y[i] = F(float64(c.y[i]) * tiny * 1024)
				}
				c.b = F(tiny * 4096)
				c.lambda = 0
				_, want, _, scale := ridgeExactGrad(c.X, c.y, c.w, c.b, c.lambda)
				grad := make([]F, dim)
				_, _, err := RidgeGradWith(Options{Kernel: kernel}, grad, c.X, c.y, c.w, c.b, c.lambda)
				if err != nil {
					t.Fatalf("%s kernel %s: %v", c.description, kernel, err)
				}
				for j, g := range grad {
					limit := float64(dim+ridgeBlockRows+4)*ridgeEpsilon[F]()*scale[j] + float64(4*(dim+4))*tiny
					if d := math.Abs(float64(g) - want[j]); d > limit {
						t.Errorf("%s kernel %s: tiny gradW[%d] = %v, exact %v, error %.3g over %.3g",
							c.description, kernel, j, g, want[j], d, limit)
					}
				}
			}
		}
	}
}
