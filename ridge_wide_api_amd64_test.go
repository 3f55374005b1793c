//go:build !purego && linux

package vecfit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The tests in this file run the wide AVX-512 ridge kernels through the
// public API, and directly where a property is about the kernel alone.
// They cover the row lengths where dispatch switches to them and long rows
// with every tail length. Row counts lie around 4-row groups, 256-row
// blocks and 4096-row chunks.

// wideKernels are the kernels compared through RidgeGradWith.
var wideKernels = []string{"avx512", "avx2", "generic"}

// wideDims returns the row lengths to test for F: both sides of the
// dispatch threshold, every tail length of a long row, and rows of up to
// 5000 columns.
func wideDims[F Float]() (short, long []int) {
	if isFloat32[F]() {
		short = []int{511, 512, 513, 514, 520, 527, 528, 529, 543, 544, 545}
		for d := 1024; d <= 1040; d++ {
			long = append(long, d)
		}
		long = append(long, 1000, 2047, 2048, 2049, 3001, 4999, 5000)
		return short, long
	}
	short = []int{255, 256, 257, 258, 263, 264, 265, 271, 272, 273}
	for d := 1000; d <= 1008; d++ {
		long = append(long, d)
	}
	long = append(long, 2047, 2500, 4999, 5000)
	return short, long
}

// wideWant is the float64 reference of RidgeGradWith with a bound on
// the error of each output.
type wideWant struct {
	loss, gradB       float64
	grad              []float64
	tolLoss, tolGradB float64
	tolGrad           []float64
}

// wideReference computes the reference of RidgeGradWith block by block,
// as the package does: sums over each block of ridgeBlockRows rows are
// formed in F, so each block gets the bound of ridgeBounds for its own
// rows. underflow is the absolute error that one rounding can make when
// results are subnormal: 0 for data far from the subnormal range, else
// the smallest positive value of F.
func wideReference[F Float](X, y, w []F, b, lambda F, underflow float64) wideWant {
	dim, n := len(w), len(y)
	eps := ridgeEpsilon[F]()
	var sumSq, sum, tolSq, tolSum float64
	grad := make([]float64, dim)
	tolGrad := make([]float64, dim)

	for lo := 0; lo < n; lo += ridgeBlockRows {
		hi := min(lo+ridgeBlockRows, n)
		k := 4 * float64(dim+(hi-lo)+4) * eps
		for i := lo; i < hi; i++ {
			x := X[i*dim : (i+1)*dim]
			r := float64(b) - float64(y[i])
			m := math.Abs(float64(b)) + math.Abs(float64(y[i]))
			for j, v := range x {
				r += float64(v) * float64(w[j])
				m += math.Abs(float64(v) * float64(w[j]))
			}
			// Each of the dim+2 roundings of the residual may lose
			// up to underflow in absolute terms.
			dr := 4 * float64(dim+2) * underflow
			sumSq += r * r
			sum += r
			tolSq += k*m*m + 2*(math.Abs(r)+k*m)*dr + dr*dr + 4*underflow
			tolSum += k*m + dr + 4*underflow
			for j, v := range x {
				grad[j] += r * float64(v)
				tolGrad[j] += (k*m+dr)*math.Abs(float64(v)) + 4*underflow
			}
		}
	}

	var norm float64
	for _, v := range w {
		norm += float64(v) * float64(v)
	}
	scale := 0.0
	if n > 0 {
		scale = 1 / float64(n)
	}
	lam := float64(lambda)

	want := wideWant{grad: make([]float64, dim), tolGrad: make([]float64, dim)}
	// The final conversion to F rounds by up to ε/2 relative, and the
	// float64 additions of block sums add a little more.
	round := eps + 0x1p-50
	want.loss = sumSq*scale + lam*norm
	want.tolLoss = tolSq*scale + round*math.Abs(want.loss) + underflow
	want.gradB = 2 * sum * scale
	want.tolGradB = 2*tolSum*scale + round*math.Abs(want.gradB) + underflow
	for j := range dim {
		want.grad[j] = 2*grad[j]*scale + 2*lam*float64(w[j])
		want.tolGrad[j] = 2*tolGrad[j]*scale + round*math.Abs(want.grad[j]) + underflow
	}
	return want
}

// wideResult is the output of RidgeGradWith and RidgeLossWith.
type wideResult[F Float] struct {
	loss, gradB, lossOnly F
	grad                  []F
	err, lossErr          error
}

func wideRun[F Float](opts Options, X, y, w []F, b, lambda F) wideResult[F] {
	r := wideResult[F]{grad: make([]F, len(w))}
	r.loss, r.gradB, r.err = RidgeGradWith(opts, r.grad, X, y, w, b, lambda)
	r.lossOnly, r.lossErr = RidgeLossWith(opts, X, y, w, b, lambda)
	return r
}

// wideCheckWant reports every output of r outside the bounds of want.
func wideCheckWant[F Float](t *testing.T, name string, r wideResult[F], want wideWant) {
	t.Helper()
	if r.err != nil {
		t.Errorf("%s: RidgeGradWith error %v", name, r.err)
		return
	}
	if r.lossErr != nil {
		t.Errorf("%s: RidgeLossWith error %v", name, r.lossErr)
	}
	if !sameBits(r.lossOnly, r.loss) {
		t.Errorf("%s: RidgeLossWith returned %v, RidgeGradWith %v", name, r.lossOnly, r.loss)
	}
	if d := math.Abs(float64(r.loss) - want.loss); !(d <= want.tolLoss) {
		t.Errorf("%s: loss %v, want %v within %g (off by %g)", name, r.loss, want.loss, want.tolLoss, d)
	}
	if d := math.Abs(float64(r.gradB) - want.gradB); !(d <= want.tolGradB) {
		t.Errorf("%s: gradB %v, want %v within %g (off by %g)", name, r.gradB, want.gradB, want.tolGradB, d)
	}
	bad := 0
	for j, g := range r.grad {
		if d := math.Abs(float64(g) - want.grad[j]); !(d <= want.tolGrad[j]) {
			if bad < 5 {
				t.Errorf("%s: gradW[%d] = %v, want %v within %g (off by %g)", name, j, g, want.grad[j], want.tolGrad[j], d)
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d values of gradW out of bounds in all", name, bad)
	}
}

// wideSameResult reports every bit that differs between got and want.
func wideSameResult[F Float](t *testing.T, name string, got, want wideResult[F]) {
	t.Helper()
	if fmt.Sprint(got.err) != fmt.Sprint(want.err) {
		t.Errorf("%s: error %v, want %v", name, got.err, want.err)
	}
	if !sameBits(got.loss, want.loss) || !sameBits(got.gradB, want.gradB) || !sameBits(got.lossOnly, want.lossOnly) {
		t.Errorf("%s: loss, gradB, RidgeLoss = %v, %v, %v; want %v, %v, %v",
			name, got.loss, got.gradB, got.lossOnly, want.loss, want.gradB, want.lossOnly)
	}
	for j := range want.grad {
		if !sameBits(got.grad[j], want.grad[j]) {
			t.Errorf("%s: gradW[%d] = %v, want %v", name, j, got.grad[j], want.grad[j])
			return
		}
	}
}

// wideCase returns a case whose targets lie near X·w, so that residuals
// are small next to the terms that form them, or, when far is true,
// targets drawn independently of X·w.
func wideCase[F Float](rng *rand.Rand, n, dim int, far bool) ridgeCase[F] {
	c := newRidgeCase[F](rng, n, dim)
	if far {
		for i := range c.y {
			c.y[i] = F(4 * rng.NormFloat64())
		}
		c.description += " far targets"
	}
	return c
}

// checkWideCase runs every kernel with Workers 1, 2 and 4 on c,
// compares each with the reference and checks that the worker counts
// agree bit for bit.
func checkWideCase[F Float](t *testing.T, c ridgeCase[F]) {
	t.Helper()
	want := wideReference(c.X, c.y, c.w, c.b, c.lambda, 0)
	for _, kernel := range wideKernels {
		one := wideRun(Options{Kernel: kernel, Workers: 1}, c.X, c.y, c.w, c.b, c.lambda)
		name := fmt.Sprintf("%s kernel %s", c.description, kernel)
		wideCheckWant(t, name, one, want)
		// Several workers only start for n·dim ≥ 2¹⁸ and more than one
		// chunk.
		if c.n*c.dim >= 1<<18 && c.n > ridgeChunkRows {
			for _, workers := range []int{2, 4} {
				got := wideRun(Options{Kernel: kernel, Workers: workers}, c.X, c.y, c.w, c.b, c.lambda)
				wideSameResult(t, fmt.Sprintf("%s workers %d", name, workers), got, one)
			}
		}
	}
}

func TestRidgeWideAPIShortRows(t *testing.T) {
	skipWithoutAVX512(t)
	testWideShortRows[float32](t)
	testWideShortRows[float64](t)
}

func testWideShortRows[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	short, _ := wideDims[F]()
	for _, dim := range short {
		for _, n := range []int{1, 3, 4, 5, 8, 255, 256, 257, 259, 260} {
			checkWideCase(t, wideCase[F](rng, n, dim, n%2 == 1))
		}
	}
}

func TestRidgeWideAPILongRows(t *testing.T) {
	skipWithoutAVX512(t)
	testWideLongRows[float32](t)
	testWideLongRows[float64](t)
}

func testWideLongRows[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	_, long := wideDims[F]()
	for _, dim := range long {
		for _, n := range []int{1, 2, 3, 4, 5, 6, 7, 9, 13} {
			checkWideCase(t, wideCase[F](rng, n, dim, n%3 == 0))
		}
	}
}

// Row counts at the 4096-row chunks, where several workers split the
// work.
func TestRidgeWideAPIChunks(t *testing.T) {
	skipWithoutAVX512(t)
	testWideChunks[float32](t, []int{513, 1031})
	testWideChunks[float64](t, []int{257, 263})
}

func testWideChunks[F Float](t *testing.T, dims []int) {
	rng := rand.New(rand.NewPCG(35, 36))
	for _, dim := range dims {
		for _, n := range []int{4095, 4096, 4097, 4100, 8192 + 259} {
			checkWideCase(t, wideCase[F](rng, n, dim, n%2 == 0))
		}
	}
}

// widePoisoned returns a copy of s whose capacity extends past its
// length with NaN, so that any read past len(s) shows in the result.
func widePoisoned[F Float](s []F, extra int) []F {
	backing := make([]F, len(s)+extra)
	copy(backing, s)
	for i := len(s); i < len(backing); i++ {
		backing[i] = F(math.NaN())
	}
	return backing[:len(s)]
}

// Sub-slices with capacity past their length: the kernels must read
// nothing past len, which NaN in the spare capacity would show, and
// RidgeGradWith must write nothing past len(gradW).
func TestRidgeWideSubSlices(t *testing.T) {
	skipWithoutAVX512(t)
	testWideSubSlices[float32](t)
	testWideSubSlices[float64](t)
}

func testWideSubSlices[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	short, long := wideDims[F]()
	dims := append(slices.Clone(short), long[:6]...)
	for _, dim := range dims {
		for _, n := range []int{1, 4, 7, 257} {
			c := wideCase[F](rng, n, dim, false)
			for _, kernel := range wideKernels {
				clean := wideRun(Options{Kernel: kernel}, c.X, c.y, c.w, c.b, c.lambda)
				X := widePoisoned(c.X, 64)
				y := widePoisoned(c.y, 64)
				w := widePoisoned(c.w, 64)
				gradBacking := make([]F, dim+64)
				for j := range gradBacking {
					gradBacking[j] = 12345
				}
				grad := gradBacking[:dim]
				loss, gradB, err := RidgeGradWith(Options{Kernel: kernel}, grad, X, y, w, c.b, c.lambda)
				got := wideResult[F]{loss: loss, gradB: gradB, grad: grad, err: err}
				got.lossOnly, got.lossErr = RidgeLossWith(Options{Kernel: kernel}, X, y, w, c.b, c.lambda)
				name := fmt.Sprintf("%s kernel %s sub-slices", c.description, kernel)
				wideSameResult(t, name, got, clean)
				for j := dim; j < len(gradBacking); j++ {
					if gradBacking[j] != 12345 {
						t.Errorf("%s: gradW's capacity at %d changed to %v", name, j, gradBacking[j])
						break
					}
				}
			}
		}
	}
}

// The wide kernels add into grad and must leave the capacity past
// len(grad) alone, with every tail length.
func TestRidgeWideKernelGradCapacity(t *testing.T) {
	skipWithoutAVX512(t)
	for _, kern := range wideRidgeKernels[float32]() {
		testWideGradCapacity(t, kern)
	}
	for _, kern := range wideRidgeKernels[float64]() {
		testWideGradCapacity(t, kern)
	}
}

func testWideGradCapacity[F Float](t *testing.T, kern wideKernel[F]) {
	rng := rand.New(rand.NewPCG(39, 40))
	lanes := 8
	if isFloat32[F]() {
		lanes = 16
	}
	for dim := 1; dim <= 4*lanes+1; dim++ {
		for _, n := range []int{1, 4, 5} {
			X := widePoisoned(randomFloats[F](rng, n*dim), 2*lanes)
			y := widePoisoned(randomFloats[F](rng, n), 2*lanes)
			w := widePoisoned(randomFloats[F](rng, dim), 2*lanes)
			backing := make([]F, dim+2*lanes)
			for j := range backing {
				backing[j] = 7
			}
			name := fmt.Sprintf("%T %s kernel dim %d n %d", F(0), kern.name, dim, n)
			// checkRidgeKernel clears grad and compares it with the
			// float64 loop, and NaN read past a slice breaks the sums.
			checkRidgeKernel(t, name, kern.fn, X, y, w, 0.5, backing[:dim])
			for j := dim; j < len(backing); j++ {
				if backing[j] != 7 {
					t.Errorf("%s: grad's capacity at %d changed to %v", name, j, backing[j])
					break
				}
			}
		}
	}
}

// RidgeGradWith on the avx512 kernel with every slice flush against a
// guard page, before or after it.
func TestRidgeWideGuardedAPI(t *testing.T) {
	skipWithoutAVX512(t)
	testWideGuardedAPI[float32](t, []int{513, 527, 528, 1031, 1039})
	testWideGuardedAPI[float64](t, []int{257, 263, 264, 1001, 1007})
}

func testWideGuardedAPI[F Float](t *testing.T, dims []int) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, dim := range dims {
		for _, n := range []int{1, 3, 4, 5, 7, 256, 257, 260} {
			for _, atEnd := range []bool{true, false} {
				c := wideCase[F](rng, n, dim, false)
				want := wideRun(Options{Kernel: "avx512"}, c.X, c.y, c.w, c.b, c.lambda)
				X := guardedCopy(t, c.X, atEnd)
				y := guardedCopy(t, c.y, atEnd)
				w := guardedCopy(t, c.w, atEnd)
				grad := guardedRidgeSlice[F](t, dim, atEnd)
				loss, gradB, err := RidgeGradWith(Options{Kernel: "avx512"}, grad, X, y, w, c.b, c.lambda)
				got := wideResult[F]{loss: loss, gradB: gradB, grad: grad, err: err}
				got.lossOnly, got.lossErr = RidgeLossWith(Options{Kernel: "avx512"}, X, y, w, c.b, c.lambda)
				wideSameResult(t, fmt.Sprintf("%s guard at end %v", c.description, atEnd), got, want)
			}
		}
	}
	// One chunk edge with two workers.
	for _, atEnd := range []bool{true, false} {
		dim, n := dims[0], 4097
		c := wideCase[F](rng, n, dim, false)
		want := wideRun(Options{Kernel: "avx512", Workers: 1}, c.X, c.y, c.w, c.b, c.lambda)
		X := guardedCopy(t, c.X, atEnd)
		y := guardedCopy(t, c.y, atEnd)
		w := guardedCopy(t, c.w, atEnd)
		got := wideRun(Options{Kernel: "avx512", Workers: 2}, X, y, w, c.b, c.lambda)
		wideSameResult(t, fmt.Sprintf("%s workers 2 guard at end %v", c.description, atEnd), got, want)
	}
}

// A NaN or infinity anywhere in X or y: the wide kernel's sums and every
// value of grad come out non-finite, and RidgeGradWith returns ErrNaN
// naming the first such row and leaves gradW unchanged.
func TestRidgeWideNonFinite(t *testing.T) {
	skipWithoutAVX512(t)
	testWideNonFinite[float32](t, 1037)
	testWideNonFinite[float64](t, 517)
}

func testWideNonFinite[F Float](t *testing.T, dim int) {
	rng := rand.New(rand.NewPCG(43, 44))
	lanes := 8
	if isFloat32[F]() {
		lanes = 16
	}
	whole := dim / lanes * lanes
	columns := []int{-1, 0, 1, lanes - 1, lanes, whole - 1, whole, dim - 1}
	values := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, n := range []int{11, 260} {
		rows := []int{0, 1, 2, 3, 5, 7, 8, 9, 10}
		if n == 260 {
			rows = []int{0, 254, 255, 256, 257, 259}
		}
		c := wideCase[F](rng, n, dim, false)
		// No zeros in X, so that r·x is non-finite for a non-finite r.
		for i, v := range c.X {
			if v == 0 {
				c.X[i] = 1
			}
		}
		for _, row := range rows {
			for _, column := range columns {
				for _, value := range values {
					X, y := slices.Clone(c.X), slices.Clone(c.y)
					place := fmt.Sprintf("y[%d]", row)
					if column < 0 {
						y[row] = F(value)
					} else {
						X[row*dim+column] = F(value)
						place = fmt.Sprintf("X[%d][%d]", row, column)
					}
					name := fmt.Sprintf("%s %s = %v", c.description, place, value)

					for _, kern := range wideRidgeKernels[F]() {
						if n > ridgeBlockRows {
							break
						}
						grad := make([]F, dim)
						sumSq, sum := kern.fn(grad, X, y, c.w, c.b)
						if isFinite(float64(sumSq)) || isFinite(float64(sum)) {
							t.Errorf("%s: %s kernel sums %v and %v, want non-finite", name, kern.name, sumSq, sum)
						}
						for j, g := range grad {
							if isFinite(float64(g)) {
								t.Errorf("%s: %s kernel grad[%d] = %v, want non-finite", name, kern.name, j, g)
								break
							}
						}
					}

					for _, kernel := range wideKernels {
						gradW := make([]F, dim)
						for j := range gradW {
							gradW[j] = 3
						}
						_, _, err := RidgeGradWith(Options{Kernel: kernel}, gradW, X, y, c.w, c.b, c.lambda)
						kname := fmt.Sprintf("%s kernel %s", name, kernel)
						if !errors.Is(err, ErrNaN) {
							t.Errorf("%s: error %v, want ErrNaN", kname, err)
							continue
						}
						if !strings.Contains(err.Error(), fmt.Sprintf("row %d ", row)) {
							t.Errorf("%s: error %q does not name row %d", kname, err, row)
						}
						if !strings.Contains(err.Error(), place) {
							t.Errorf("%s: error %q does not name %s", kname, err, place)
						}
						for j, g := range gradW {
							if g != 3 {
								t.Errorf("%s: gradW[%d] changed to %v on error", kname, j, g)
								break
							}
						}
					}
				}
			}
		}
	}
}

// Scaling X by 2^a, w by 2^c and y and b by 2^(a+c) scales every residual
// by 2^(a+c) without rounding while no value leaves the normal range. The
// wide kernel must then return the scaled results bit for bit, also with
// sums close to the largest finite value.
func TestRidgeWidePowerOfTwoScaling(t *testing.T) {
	skipWithoutAVX512(t)
	for _, kern := range wideRidgeKernels[float32]() {
		testWideScaling(t, kern, []int{513, 1031, 1039, 2049})
	}
	for _, kern := range wideRidgeKernels[float64]() {
		testWideScaling(t, kern, []int{257, 1001, 1007, 2049})
	}
}

func testWideScaling[F Float](t *testing.T, kern wideKernel[F], dims []int) {
	rng := rand.New(rand.NewPCG(45, 46))
	maxExp := 127
	minExp := -126
	if !isFloat32[F]() {
		maxExp, minExp = 1023, -1022
	}
	for _, dim := range dims {
		for _, n := range []int{1, 4, 7, 256} {
			c := wideCase[F](rng, n, dim, true)
			base := make([]F, dim)
			baseSq, baseSum := kern.fn(base, c.X, c.y, c.w, c.b)
			// largest is the largest magnitude among inputs, partial
			// sums and outputs, smallest the smallest nonzero input.
			largest := math.Abs(float64(baseSq))
			smallest := math.Inf(1)
			for _, s := range [][]F{c.X, c.y, c.w, {c.b}, base} {
				for _, v := range s {
					largest = max(largest, math.Abs(float64(v)))
					if v != 0 {
						smallest = min(smallest, math.Abs(float64(v)))
					}
				}
			}
			_, _, _, tolSq, tolSum, tolGrad := ridgeBounds(c.X, c.y, c.w, c.b)
			largest = max(largest, tolSq, tolSum, slices.Max(tolGrad))
			_, top := math.Frexp(largest)
			_, bottom := math.Frexp(smallest)
			// up scales the outputs by up to 2^(2·up), which leaves
			// 4 binades below the largest finite value. down keeps
			// the products of X and w, at least 2^(2·bottom), and the
			// outputs 30 binades above the smallest normal value.
			up := (maxExp - 4 - top) / 2
			down := max(minExp+30-2*bottom, (minExp+30-bottom+1)/2)
			pairs := [][2]int{{up, 0}, {up / 2, up / 2}}
			if down < 0 {
				pairs = append(pairs, [2]int{down, 0})
			}
			t.Logf("%s: scaling by 2^%d up and 2^%d down", c.description, up, down)
			for _, pair := range pairs {
				a, cw := pair[0], pair[1]
				X, y, w := slices.Clone(c.X), slices.Clone(c.y), slices.Clone(c.w)
				for i := range X {
					X[i] = F(math.Ldexp(float64(X[i]), a))
				}
				for j := range w {
					w[j] = F(math.Ldexp(float64(w[j]), cw))
				}
				for i := range y {
					y[i] = F(math.Ldexp(float64(y[i]), a+cw))
				}
				b := F(math.Ldexp(float64(c.b), a+cw))
				grad := make([]F, dim)
				gotSq, gotSum := kern.fn(grad, X, y, w, b)
				name := fmt.Sprintf("%s %s kernel scaled by X 2^%d, w 2^%d", c.description, kern.name, a, cw)
				wantSq := F(math.Ldexp(float64(baseSq), 2*(a+cw)))
				wantSum := F(math.Ldexp(float64(baseSum), a+cw))
				if !sameBits(gotSq, wantSq) || !sameBits(gotSum, wantSum) {
					t.Errorf("%s: sums %v, %v; want %v, %v", name, gotSq, gotSum, wantSq, wantSum)
				}
				for j := range grad {
					want := F(math.Ldexp(float64(base[j]), 2*a+cw))
					if !sameBits(grad[j], want) {
						t.Errorf("%s: grad[%d] = %v, want %v", name, j, grad[j], want)
						break
					}
				}
			}
		}
	}
}

// Subnormal squares and gradient terms keep every kernel within the
// bounds with an absolute slack for underflow. Products of X and w that
// overflow F make every kernel return ErrNaN.
func TestRidgeWideTinyAndHuge(t *testing.T) {
	skipWithoutAVX512(t)
	testWideTinyHuge[float32](t, []int{513, 1031})
	testWideTinyHuge[float64](t, []int{257, 1001})
}

func testWideTinyHuge[F Float](t *testing.T, dims []int) {
	rng := rand.New(rand.NewPCG(47, 48))
	tiny := smallestNonzero[F]()
	maxF := maxFinite[F]()
	for _, dim := range dims {
		for _, n := range []int{1, 5, 257} {
			// X near the square root of the smallest subnormal and
			// subnormal y and b, so that the squares of the residuals
			// and the products r·x of the gradient are subnormal.
			c := wideCase[F](rng, n, dim, true)
			sx := math.Sqrt(tiny) * 64
			for i := range c.X {
				c.X[i] = F(float64(c.X[i]) * sx)
			}
			for i := range c.y {
				c.y[i] = F(float64(c.y[i]) * tiny * 1024)
			}
			c.b = F(tiny * 512)
			c.lambda = 0
			want := wideReference(c.X, c.y, c.w, c.b, c.lambda, tiny)
			for _, kernel := range wideKernels {
				r := wideRun(Options{Kernel: kernel}, c.X, c.y, c.w, c.b, c.lambda)
				wideCheckWant(t, fmt.Sprintf("%s tiny kernel %s", c.description, kernel), r, want)
			}

			// Each product overflows F.
			h := wideCase[F](rng, n, dim, true)
			for i := range h.X {
				h.X[i] = F(float64(h.X[i])*math.Sqrt(maxF)) + 1
			}
			for j := range h.w {
				h.w[j] = F(float64(h.w[j])*math.Sqrt(maxF)*4) + 1
			}
			h.lambda = 0
			for _, kernel := range wideKernels {
				r := wideRun(Options{Kernel: kernel}, h.X, h.y, h.w, h.b, h.lambda)
				name := fmt.Sprintf("%s huge kernel %s", h.description, kernel)
				if !errors.Is(r.err, ErrNaN) || !errors.Is(r.lossErr, ErrNaN) {
					t.Errorf("%s: errors %v and %v, want ErrNaN", name, r.err, r.lossErr)
				}
			}

			// Residuals near √max/32, whose squares come within 2¹⁰ of
			// the largest value of F.
			g := wideCase[F](rng, n, dim, false)
			shift := math.Sqrt(maxF) / 32
			for i := range g.y {
				g.y[i] = F(float64(g.y[i]) + shift)
			}
			g.lambda = 0
			results := map[string]wideResult[F]{}
			for _, kernel := range wideKernels {
				results[kernel] = wideRun(Options{Kernel: kernel}, g.X, g.y, g.w, g.b, g.lambda)
			}
			// The block sum is 256·(√max/32)² = max/4 at most.
			want = wideReference(g.X, g.y, g.w, g.b, g.lambda, 0)
			for _, kernel := range wideKernels {
				wideCheckWant(t, fmt.Sprintf("%s near-max residuals kernel %s", g.description, kernel), results[kernel], want)
			}
		}
	}
}

// Slices that start 1 to 15 elements into their allocation give the same
// bits as aligned ones: only the load addresses change, not the order of
// the sums.
func TestRidgeWideAlignment(t *testing.T) {
	skipWithoutAVX512(t)
	testWideAlignment[float32](t, []int{513, 1031, 1039})
	testWideAlignment[float64](t, []int{257, 1001, 1007})
}

func testWideAlignment[F Float](t *testing.T, dims []int) {
	rng := rand.New(rand.NewPCG(49, 50))
	for _, dim := range dims {
		for _, n := range []int{5, 257} {
			c := wideCase[F](rng, n, dim, false)
			want := wideRun(Options{Kernel: "avx512"}, c.X, c.y, c.w, c.b, c.lambda)
			for off := 1; off < 16; off++ {
				X, y, w := shifted(c.X, off), shifted(c.y, off), shifted(c.w, off)
				got := wideRun(Options{Kernel: "avx512"}, X, y, w, c.b, c.lambda)
				wideSameResult(t, fmt.Sprintf("%s offset %d", c.description, off), got, want)
			}
		}
	}
}

// The wide kernels' gradient errors, measured against the 256-bit
// reference of ridgeExactGrad, stay within the rounding bound and within
// twice the AVX2 kernel's plus ε·scale, as TestRidgeNarrowAccuracy requires
// of the narrow kernels.
func TestRidgeWideAccuracyVsAVX2(t *testing.T) {
	skipWithoutAVX512(t)
	testWideAccuracy[float32](t, []int{513, 769, 1031})
	testWideAccuracy[float64](t, []int{257, 385, 1001})
}

func testWideAccuracy[F Float](t *testing.T, dims []int) {
	rng := rand.New(rand.NewPCG(51, 52))
	for _, dim := range dims {
		worst := map[string]float64{}
		for _, n := range []int{4, 7, 255, 256, 257} {
			c := newRidgeCase[F](rng, n, dim)
			loss, want, wantB, scale := ridgeExactGrad(c.X, c.y, c.w, c.b, c.lambda)
			for _, kernel := range wideKernels {
				e := ridgeGradWorst(t, kernel, c, loss, want, wantB, scale)
				worst[kernel] = max(worst[kernel], e)
				if limit := float64(dim + ridgeBlockRows + 4); e > limit {
					t.Errorf("%s kernel %s: gradient error %.3g ε·scale exceeds %v", c.description, kernel, e, limit)
				}
			}
		}
		t.Logf("%T dim %d: worst gradient error in ε·scale: avx512 %.3g, avx2 %.3g, generic %.3g",
			F(0), dim, worst["avx512"], worst["avx2"], worst["generic"])
		if worst["avx512"] > 2*worst["avx2"]+1 {
			t.Errorf("%T dim %d: avx512 worst gradient error %.3g ε·scale, over twice avx2's %.3g",
				F(0), dim, worst["avx512"], worst["avx2"])
		}
	}
}

// The value shapes of ridgeValueShapes at wide rows: every kernel that
// returns no error stays within the bounds, with an absolute slack for
// underflow, and the kernels agree on whether there is an error.
func TestRidgeWideValueShapes(t *testing.T) {
	skipWithoutAVX512(t)
	testWideShapes[float32](t, []int{513, 1031})
	testWideShapes[float64](t, []int{257, 1001})
}

func testWideShapes[F Float](t *testing.T, dims []int) {
	rng := rand.New(rand.NewPCG(53, 54))
	for _, dim := range dims {
		for _, n := range []int{3, 9, 256, 261} {
			for _, shape := range ridgeValueShapes {
				c := shapeRidgeCase[F](rng, shape, n, dim)
				want := wideReference(c.X, c.y, c.w, c.b, c.lambda, smallestNonzero[F]())
				errs := map[string]bool{}
				for _, kernel := range wideKernels {
					r := wideRun(Options{Kernel: kernel}, c.X, c.y, c.w, c.b, c.lambda)
					name := fmt.Sprintf("%s kernel %s", c.description, kernel)
					errs[kernel] = r.err != nil
					if r.err != nil {
						t.Logf("%s: error %v", name, r.err)
						continue
					}
					wideCheckWant(t, name, r, want)
				}
				if errs["avx512"] != errs["avx2"] || errs["avx512"] != errs["generic"] {
					t.Errorf("%s: kernels disagree on the error: %v", c.description, errs)
				}
			}
		}
	}
}
