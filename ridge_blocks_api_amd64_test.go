//go:build !purego && amd64 && linux

package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// perBlockKernelName is the name of a copy of the avx512 kernel without
// block ridge kernels, so that ridgeEval calls the fused kernel once per
// block: the path that the block kernels must match bit for bit.
const perBlockKernelName = "avx512-perblock"

// registerPerBlockKernel adds the per-block copy of the avx512 kernel to
// the kernel list until the test ends, or skips the test on CPUs without
// AVX-512. It replaces the package's kernel list, so a test that calls it
// must not run in parallel with others.
func registerPerBlockKernel(t *testing.T) {
	t.Helper()
	if !slices.Contains(Kernels(), "avx512") {
		t.Skip("this CPU lacks avx512")
	}
	perBlock := *avx512Kernel
	perBlock.name = perBlockKernelName
	perBlock.ridgeBlocks32, perBlock.ridgeBlocks64 = nil, nil
	saved := kernels
	kernels = append(slices.Clone(kernels), &perBlock)
	t.Cleanup(func() { kernels = saved })
}

// blockBoundaryRows are row counts around the 16- and 8-row tiles, the
// 256-row blocks and the 4096-row chunks.
var blockBoundaryRows = []int{0, 1, 15, 16, 17, 255, 256, 257, 511, 512, 513, 4095, 4096, 4097,
	4096 + 255, 4096 + 256, 4096 + 257, 8192, 8192 + 300, 3*4096 + 17}

// ridgeValueShapes fill a case with values that stress the sums: signed
// zeros, subnormal products, sums near overflow and heavy cancellation.
var ridgeValueShapes = []string{"normal", "zero rows", "negative zeros", "tiny", "huge", "cancelling", "integers"}

func shapeRidgeCase[F Float](rng *rand.Rand, shape string, n, dim int) ridgeCase[F] {
	c := newRidgeCase[F](rng, n, dim)
	c.description = fmt.Sprintf("%s %s", c.description, shape)
	switch shape {
	case "zero rows":
		for i := 0; i < n; i += 3 {
			clear(c.X[i*dim : (i+1)*dim])
			c.y[i] = c.b
		}
	case "negative zeros":
		negZero := F(math.Copysign(0, -1))
		for i := range c.X {
			c.X[i] = negZero
		}
		for i := range c.y {
			c.y[i] = 0
		}
		c.b = negZero
	case "tiny":
		tiny := smallestNonzero[F]()
		for i := range c.X {
			c.X[i] = F(float64(c.X[i]) * math.Sqrt(tiny) * 16)
		}
		for i := range c.y {
			c.y[i] = F(float64(c.y[i]) * tiny * 256)
		}
		c.b = F(tiny * 64)
		c.lambda = 0
	case "huge":
		// Each residual squared stays finite in F, but a block's sum of
		// squares may not.
		scale := math.Sqrt(maxFinite[F]()) / 64
		for i := range c.y {
			c.y[i] = F(float64(c.y[i]) + scale*rng.NormFloat64())
		}
		c.lambda = 0
	case "cancelling":
		for i := range c.X {
			if rng.IntN(2) == 0 {
				c.X[i] *= 1 << 20
			}
		}
		for i := range n {
			var fit float64
			for j := range dim {
				fit += float64(c.X[i*dim+j]) * float64(c.w[j])
			}
			c.y[i] = F(fit + float64(c.b))
		}
	case "integers":
		for i := range c.X {
			c.X[i] = F(rng.IntN(7) - 3)
		}
		for i := range c.y {
			c.y[i] = F(rng.IntN(5) - 2)
		}
		for j := range c.w {
			c.w[j] = F(rng.IntN(3) - 1)
		}
		c.b = 1
	}
	return c
}

// ridgeResult is the output of one RidgeGradWith and RidgeLossWith call.
type ridgeResult[F Float] struct {
	loss, gradB, lossOnly F
	grad                  []F
	err, lossErr          string
}

func runRidge[F Float](opts Options, c ridgeCase[F], offset int) ridgeResult[F] {
	grad := shifted(make([]F, c.dim), offset)
	X, y, w := shifted(c.X, offset), shifted(c.y, offset), shifted(c.w, offset)
	loss, gradB, err := RidgeGradWith(opts, grad, X, y, w, c.b, c.lambda)
	lossOnly, lossErr := RidgeLossWith(opts, X, y, w, c.b, c.lambda)
	r := ridgeResult[F]{loss: loss, gradB: gradB, lossOnly: lossOnly, grad: grad}
	if err != nil {
		r.err = err.Error()
	}
	if lossErr != nil {
		r.lossErr = lossErr.Error()
	}
	return r
}

func sameBits[F Float](a, b F) bool {
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b))
}

// compareRidgeResults reports every difference in bits between got and
// want.
func compareRidgeResults[F Float](t *testing.T, name string, got, want ridgeResult[F]) {
	t.Helper()
	if got.err != want.err {
		t.Errorf("%s: error %q, want %q", name, got.err, want.err)
	}
	if got.lossErr != want.lossErr {
		t.Errorf("%s: RidgeLoss error %q, want %q", name, got.lossErr, want.lossErr)
	}
	if !sameBits(got.loss, want.loss) {
		t.Errorf("%s: loss %v, want %v", name, got.loss, want.loss)
	}
	if !sameBits(got.lossOnly, want.lossOnly) {
		t.Errorf("%s: RidgeLoss %v, want %v", name, got.lossOnly, want.lossOnly)
	}
	if !sameBits(got.gradB, want.gradB) {
		t.Errorf("%s: gradB %v, want %v", name, got.gradB, want.gradB)
	}
	for j := range want.grad {
		if !sameBits(got.grad[j], want.grad[j]) {
			t.Errorf("%s: gradW[%d] %v, want %v", name, j, got.grad[j], want.grad[j])
		}
	}
}

// TestRidgeBlocksMatchPerBlockPath compares RidgeGradWith and
// RidgeLossWith of the avx512 kernel, bit for bit and error for error,
// with the same kernel calling the fused kernel once per block. It runs
// Workers 1, 2 and 4, and slices one or three elements into their
// allocation.
func TestRidgeBlocksMatchPerBlockPath(t *testing.T) {
	registerPerBlockKernel(t)
	testBlocksMatchPerBlockPath[float32](t, 16)
	testBlocksMatchPerBlockPath[float64](t, 8)
}

func testBlocksMatchPerBlockPath[F Float](t *testing.T, dim int) {
	rng := rand.New(rand.NewPCG(11, uint64(dim)))
	rows := blockBoundaryRows
	if testing.Short() {
		rows = []int{0, 17, 256, 257, 4096 + 257}
	}
	for _, shape := range ridgeValueShapes {
		for _, n := range rows {
			c := shapeRidgeCase[F](rng, shape, n, dim)
			want := runRidge(Options{Kernel: perBlockKernelName, Workers: 1}, c, 0)
			for _, workers := range []int{1, 2, 4} {
				for _, offset := range []int{0, 1, 3} {
					name := fmt.Sprintf("%s workers %d offset %d", c.description, workers, offset)
					got := runRidge(Options{Kernel: "avx512", Workers: workers}, c, offset)
					compareRidgeResults(t, name, got, want)
				}
			}
			if got := runRidge(Options{}, c, 0); Kernel() == "avx512" {
				compareRidgeResults(t, c.description+" default options", got, want)
			}
		}
	}
}

// TestRidgeBlocksNonFiniteInputs plants NaN, ±Inf and values near the
// limits of F in X, y, w, b and lambda, in whole blocks and in the
// partial block. The block kernels must give the results and errors of
// the per-block path.
func TestRidgeBlocksNonFiniteInputs(t *testing.T) {
	registerPerBlockKernel(t)
	testBlocksNonFiniteInputs[float32](t, 16)
	testBlocksNonFiniteInputs[float64](t, 8)
}

func testBlocksNonFiniteInputs[F Float](t *testing.T, dim int) {
	rng := rand.New(rand.NewPCG(12, uint64(dim)))
	maxF := maxFinite[F]()
	values := []float64{math.NaN(), math.Inf(1), math.Inf(-1), maxF, -maxF, math.Sqrt(maxF) * 2, smallestNonzero[F]()}
	for _, n := range []int{256, 257, 4097, 8192 + 300} {
		rows := []int{0, 255, n - 1}
		if n > 4096 {
			rows = append(rows, 4095, 4096, 4096+255)
		}
		for _, row := range rows {
			if row >= n {
				continue
			}
			for _, value := range values {
				for _, column := range []int{-1, 0, dim - 1} {
					c := newRidgeCase[F](rng, n, dim)
					place := fmt.Sprintf("y[%d]", row)
					if column < 0 {
						c.y[row] = F(value)
					} else {
						c.X[row*dim+column] = F(value)
						place = fmt.Sprintf("X[%d][%d]", row, column)
					}
					name := fmt.Sprintf("%s %s = %v", c.description, place, value)
					want := runRidge(Options{Kernel: perBlockKernelName}, c, 0)
					got := runRidge(Options{Kernel: "avx512"}, c, 0)
					compareRidgeResults(t, name, got, want)
					if math.IsNaN(value) || math.IsInf(value, 0) {
						if want.err == "" {
							t.Errorf("%s: no error, want ErrNaN", name)
						}
					}
				}
			}
		}
	}

	// Values of w, b and lambda at their limits.
	params := []struct {
		name      string
		modify    func(c *ridgeCase[F])
		wantError bool
	}{
		{"w NaN", func(c *ridgeCase[F]) { c.w[3] = F(math.NaN()) }, true},
		{"w +Inf", func(c *ridgeCase[F]) { c.w[dim-1] = F(math.Inf(1)) }, true},
		{"w max", func(c *ridgeCase[F]) { c.w[0] = F(maxF) }, true},
		{"w tiny", func(c *ridgeCase[F]) { c.w[0] = F(smallestNonzero[F]()) }, false},
		{"b NaN", func(c *ridgeCase[F]) { c.b = F(math.NaN()) }, true},
		{"b -Inf", func(c *ridgeCase[F]) { c.b = F(math.Inf(-1)) }, true},
		{"b huge", func(c *ridgeCase[F]) { c.b = F(math.Sqrt(maxF) * 2) }, true},
		{"b moderately huge", func(c *ridgeCase[F]) { c.b = F(math.Sqrt(maxF) / 256) }, false},
		{"lambda NaN", func(c *ridgeCase[F]) { c.lambda = F(math.NaN()) }, true},
		{"lambda +Inf", func(c *ridgeCase[F]) { c.lambda = F(math.Inf(1)) }, true},
		{"lambda negative", func(c *ridgeCase[F]) { c.lambda = -1 }, true},
		{"lambda negative zero", func(c *ridgeCase[F]) { c.lambda = F(math.Copysign(0, -1)) }, false},
		{"lambda max", func(c *ridgeCase[F]) { c.lambda = F(maxF) }, true},
		{"lambda tiny", func(c *ridgeCase[F]) { c.lambda = F(smallestNonzero[F]()) }, false},
	}
	for _, n := range []int{0, 256, 4096 + 256, 8192 + 300} {
		for _, p := range params {
			c := newRidgeCase[F](rng, n, dim)
			p.modify(&c)
			name := fmt.Sprintf("%s %s", c.description, p.name)
			want := runRidge(Options{Kernel: perBlockKernelName}, c, 0)
			for _, workers := range []int{1, 2} {
				got := runRidge(Options{Kernel: "avx512", Workers: workers}, c, 1)
				compareRidgeResults(t, fmt.Sprintf("%s workers %d", name, workers), got, want)
			}
			if p.wantError && want.err == "" && n > 0 {
				t.Errorf("%s: no error, loss %v", name, want.loss)
			}
			if !p.wantError && want.err != "" {
				t.Errorf("%s: error %s", name, want.err)
			}
		}
	}
}

// TestRidgeBlocksGuardedPublicAPI runs RidgeGradWith with X, y, w and
// gradW flush against a guard page, at row counts that end on and just
// past block and chunk edges, so that a read past the last whole block
// crashes the test.
func TestRidgeBlocksGuardedPublicAPI(t *testing.T) {
	registerPerBlockKernel(t)
	testBlocksGuardedPublicAPI[float32](t, 16)
	testBlocksGuardedPublicAPI[float64](t, 8)
}

func testBlocksGuardedPublicAPI[F Float](t *testing.T, dim int) {
	rng := rand.New(rand.NewPCG(13, uint64(dim)))
	for _, n := range []int{0, 1, 16, 255, 256, 512, 4096, 4096 + 256, 8192, 8192 + 255} {
		for _, atEnd := range []bool{true, false} {
			c := newRidgeCase[F](rng, n, dim)
			name := fmt.Sprintf("%s guard after %v", c.description, atEnd)
			want := runRidge(Options{Kernel: perBlockKernelName}, c, 0)
			grad := guardedRidgeSlice[F](t, dim, atEnd)
			X, y, w := guardedCopy(t, c.X, atEnd), guardedCopy(t, c.y, atEnd), guardedCopy(t, c.w, atEnd)
			for _, workers := range []int{1, 2} {
				loss, gradB, err := RidgeGradWith(Options{Kernel: "avx512", Workers: workers}, grad, X, y, w, c.b, c.lambda)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got := ridgeResult[F]{loss: loss, gradB: gradB, grad: grad}
				got.lossOnly, err = RidgeLossWith(Options{Kernel: "avx512", Workers: workers}, X, y, w, c.b, c.lambda)
				if err != nil {
					t.Fatalf("%s: RidgeLoss: %v", name, err)
				}
				compareRidgeResults(t, name, got, want)
			}
		}
	}
}

// TestRidgeBlocksExactReference compares every kernel with the 256-bit
// reference of ridge_accuracy_test.go on row counts of several blocks
// and chunks, at the ZMM widths and their neighbours.
func TestRidgeBlocksExactReference(t *testing.T) {
	testBlocksExactReference[float32](t, []int{15, 16, 17})
	testBlocksExactReference[float64](t, []int{7, 8, 9})
}

func testBlocksExactReference[F Float](t *testing.T, dims []int) {
	rng := rand.New(rand.NewPCG(14, 1))
	for _, dim := range dims {
		for _, n := range []int{511, 4096 + 256, 8192 + 300} {
			c := newRidgeCase[F](rng, n, dim)
			loss, want, wantB, scale := ridgeExactGrad(c.X, c.y, c.w, c.b, c.lambda)
			for _, kernel := range Kernels() {
				e := ridgeGradWorst(t, kernel, c, loss, want, wantB, scale)
				if limit := float64(dim + ridgeBlockRows + 4); e > limit {
					t.Errorf("%s kernel %s: gradient error %.3g ε·scale exceeds %v", c.description, kernel, e, limit)
				}
			}
		}
	}
}

// TestRidgeBlocksDiabetesPadded pads the 10 diabetes features with zero
// columns to 16 float32 values and repeats the rows 20 times (8840 rows,
// two whole chunks and a partial one). The mean loss and gradient do not
// change, so they must match the scikit-learn golden values to float32
// accuracy, and the gradient of the zero columns must be exactly 0.
func TestRidgeBlocksDiabetesPadded(t *testing.T) {
	X64, y64 := loadDiabetes(t)
	at := loadDiabetesGolden(t).At
	const dim, repeats = 16, 20
	var X, y []float32
	for range repeats {
		for i, yi := range y64 {
			row := make([]float32, dim)
			for j := range 10 {
				row[j] = float32(X64[i*10+j])
			}
			X = append(X, row...)
			y = append(y, float32(yi))
		}
	}

	w := make([]float32, dim)
	for j, v := range at.Weights {
		w[j] = float32(v)
	}
	// The golden point is in float64. Rounding X, y, w and b to float32
	// moves the loss and gradient by an estimated relative 1e-4 at most,
	// so the tolerance is 1e-3.
	const tol = 1e-3
	for _, kernel := range Kernels() {
		grad := make([]float32, dim)
		loss, gradB, err := RidgeGradWith(Options{Kernel: kernel}, grad, X, y, w, float32(at.Bias), float32(at.Lambda))
		if err != nil {
			t.Fatalf("kernel %s: %v", kernel, err)
		}
		if e := relErr(float64(loss), at.Loss); e > tol {
			t.Errorf("kernel %s: loss %v, golden %v (relative error %.2g)", kernel, loss, at.Loss, e)
		}
		if e := math.Abs(float64(gradB) - at.GradBias); e > tol*(math.Abs(at.GradBias)+1) {
			t.Errorf("kernel %s: gradB %v, golden %v", kernel, gradB, at.GradBias)
		}
		for j, want := range at.GradWeights {
			if e := math.Abs(float64(grad[j]) - want); e > tol*(math.Abs(want)+1) {
				t.Errorf("kernel %s: gradW[%d] %v, golden %v", kernel, j, grad[j], want)
			}
		}
		for j := 10; j < dim; j++ {
			// Only the penalty 2λw, here 0, adds to a zero column.
			if grad[j] != 0 {
				t.Errorf("kernel %s: gradW[%d] of a zero column is %v, want 0", kernel, j, grad[j])
			}
		}
	}
}

// TestRidgeBlocksDiabetesFitGradient fits the first 8 diabetes features
// in float64, with the rows repeated 20 times, and checks that RidgeGrad
// of every kernel vanishes at the fit to the rounding of its terms.
func TestRidgeBlocksDiabetesFitGradient(t *testing.T) {
	X10, y1 := loadDiabetes(t)
	const dim, repeats = 8, 20
	var X, y []float64
	for range repeats {
		for i := range y1 {
			X = append(X, X10[i*10:i*10+dim]...)
		}
		y = append(y, y1...)
	}
	for _, lambda := range []float64{0, 1e-3, 0.5} {
		for _, kernel := range Kernels() {
			m, err := FitRidge(X, y, dim, lambda, RidgeOptions{Kernel: kernel})
			if err != nil {
				t.Fatalf("kernel %s λ %v: %v", kernel, lambda, err)
			}
			grad := make([]float64, dim)
			loss, gradB, err := RidgeGradWith(Options{Kernel: kernel}, grad, X, y, m.Weights, m.Bias, lambda)
			if err != nil {
				t.Fatalf("kernel %s λ %v: %v", kernel, lambda, err)
			}
			tol := 1e-9 * (loss + 1)
			for j, g := range grad {
				if math.Abs(g) > tol {
					t.Errorf("kernel %s λ %v: gradW[%d] = %g at the fit, want 0 within %g", kernel, lambda, j, g, tol)
				}
			}
			if math.Abs(gradB) > tol {
				t.Errorf("kernel %s λ %v: gradB = %g at the fit, want 0 within %g", kernel, lambda, gradB, tol)
			}
		}
	}
}
