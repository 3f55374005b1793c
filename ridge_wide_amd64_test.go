//go:build !purego && linux

package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// ridgeWideDims adds to ridgeKernelDims rows around the length at which
// the avx512 entry starts to use the wide kernels, and long rows with
// every remainder of its two-vector dot product loop.
var ridgeWideDims = append(slices.Clone(ridgeKernelDims), 255, 256, 257, 511, 512, 513, 767, 768, 769, 1031)

// wideKernel is one of the AVX-512 ridge kernels for rows of any width.
type wideKernel[F Float] struct {
	name string
	fn   func(grad, X, y, w []F, b F) (F, F)
}

// wideRidgeKernels returns both wide AVX-512 ridge kernels for F, so
// that tests cover the one that dispatch did not choose for this CPU.
func wideRidgeKernels[F Float]() []wideKernel[F] {
	var group, rows any = ridgeWideAVX512F64, ridgeRowsAVX512F64
	if isFloat32[F]() {
		group, rows = ridgeWideAVX512F32, ridgeRowsAVX512F32
	}
	return []wideKernel[F]{
		{"4-row", group.(func(grad, X, y, w []F, b F) (F, F))},
		{"row-by-row", rows.(func(grad, X, y, w []F, b F) (F, F))},
	}
}

// dispatchedWideKernel returns the wide kernel that the avx512 entry uses.
func dispatchedWideKernel[F Float]() func(grad, X, y, w []F, b F) (F, F) {
	var fn any = ridgeWideF64
	if isFloat32[F]() {
		fn = ridgeWideF32
	}
	return fn.(func(grad, X, y, w []F, b F) (F, F))
}

func skipWithoutAVX512(t *testing.T) {
	t.Helper()
	if !slices.Contains(Kernels(), "avx512") {
		t.Skip("this CPU lacks avx512")
	}
}

// The wide kernels are checked at every row length, including those that
// dispatch sends to the AVX2 kernel.
func TestRidgeWideKernel(t *testing.T) {
	skipWithoutAVX512(t)
	testRidgeWide[float32](t)
	testRidgeWide[float64](t)
}

func testRidgeWide[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, kern := range wideRidgeKernels[F]() {
		for _, dim := range ridgeWideDims {
			for _, n := range ridgeKernelRows {
				// One element past an aligned allocation, so no load is
				// aligned to its vector.
				X := randomFloats[F](rng, n*dim+1)[1:]
				y := randomFloats[F](rng, n+1)[1:]
				w := randomFloats[F](rng, dim+1)[1:]
				grad := make([]F, dim+1)[1:]
				b := F(rng.NormFloat64())
				name := fmt.Sprintf("%T %s kernel dim %d n %d", F(0), kern.name, dim, n)
				checkRidgeKernel(t, name, kern.fn, X, y, w, b, grad)
			}
		}
	}
}

// The masked loads and stores of the row tails stay inside the slices.
func TestRidgeWideGuardPages(t *testing.T) {
	skipWithoutAVX512(t)
	testRidgeWideGuard[float32](t)
	testRidgeWideGuard[float64](t)
}

func testRidgeWideGuard[F Float](t *testing.T) {
	dims := []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 47, 63, 65, 513, 769}
	for _, kern := range wideRidgeKernels[F]() {
		for _, dim := range dims {
			for _, n := range []int{1, 3, 4, 5, 9} {
				for _, atEnd := range []bool{true, false} {
					name := fmt.Sprintf("%T %s kernel dim %d n %d guard at end %v", F(0), kern.name, dim, n, atEnd)
					checkGuardedRidgeKernel(t, name, kern.fn, dim, n, atEnd)
				}
			}
		}
	}
}

// The avx512 entry sends rows longer than ridgeWideMinBytes to the wide
// kernel and shorter ones, other than one ZMM vector, to the AVX2 kernel.
func TestRidgeAVX512Dispatch(t *testing.T) {
	skipWithoutAVX512(t)
	testRidgeDispatch[float32](t, ridgeAVX2F32)
	testRidgeDispatch[float64](t, ridgeAVX2F64)
}

func testRidgeDispatch[F Float](t *testing.T, avx2 func(grad, X, y, w []F, b F) (F, F)) {
	size := 8
	if isFloat32[F]() {
		size = 4
	}
	rng := rand.New(rand.NewPCG(23, uint64(size)))
	shorter, longer := ridgeWideMinBytes/size, ridgeWideMinBytes/size+1
	for _, c := range []struct {
		dim  int
		want func(grad, X, y, w []F, b F) (F, F)
	}{{shorter, avx2}, {longer, dispatchedWideKernel[F]()}} {
		n := 37
		X := randomFloats[F](rng, n*c.dim)
		y := randomFloats[F](rng, n)
		w := randomFloats[F](rng, c.dim)
		got, want := make([]F, c.dim), make([]F, c.dim)
		gotSq, gotSum := ridgeFor[F](avx512Kernel)(got, X, y, w, 0.25)
		wantSq, wantSum := c.want(want, X, y, w, 0.25)
		same := math.Float64bits(float64(gotSq)) == math.Float64bits(float64(wantSq)) &&
			math.Float64bits(float64(gotSum)) == math.Float64bits(float64(wantSum)) &&
			slices.Equal(got, want)
		if !same {
			t.Errorf("%T dim %d: the avx512 entry's sums differ from those of the kernel it should use", F(0), c.dim)
		}
	}
}
