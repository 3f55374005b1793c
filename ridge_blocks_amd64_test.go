//go:build !purego && linux

package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRidgeBlocksMatchBlockCalls checks that the block ridge kernels give
// bit for bit the sums that ridgeEval forms from one call of the fused
// kernel per block, with X, y and w against a guard page before or after
// them.
func TestRidgeBlocksMatchBlockCalls(t *testing.T) {
	testRidgeBlocks[float32](t)
	testRidgeBlocks[float64](t)
}

func testRidgeBlocks[F Float](t *testing.T) {
	if !slices.Contains(Kernels(), "avx512") {
		t.Skip("this CPU lacks avx512")
	}
	dim := 16
	if !isFloat32[F]() {
		dim = 8
	}
	blocksKern := ridgeBlocksFor[F](avx512Kernel, dim)
	if blocksKern == nil {
		t.Fatalf("%T: no block ridge kernel for dim %d", F(0), dim)
	}
	if ridgeBlocksFor[F](avx512Kernel, dim+1) != nil {
		t.Errorf("%T: a block ridge kernel for dim %d, which it cannot serve", F(0), dim+1)
	}
	perBlock := ridgeFor[F](avx512Kernel)
	rng := rand.New(rand.NewPCG(3, uint64(dim)))
	for _, blocks := range []int{0, 1, 2, 5} {
		for _, atEnd := range []bool{false, true} {
			name := fmt.Sprintf("%T blocks %d guard after %v", F(0), blocks, atEnd)
			n := blocks * ridgeBlockRows
			X := normalSlice[F](rng, n*dim)
			y := normalSlice[F](rng, n)
			// Rows of zeros make residuals and products of 0 and −0.
			for i := 0; i < n; i += 7 {
				clear(X[i*dim : (i+1)*dim])
				y[i] = 0.5
			}
			for i := 3; i < n; i += 11 {
				X[i*dim] = F(math.Ldexp(1, 60))
			}
			w := normalSlice[F](rng, dim)
			b := F(0.5)

			want := make([]float64, 2+dim)
			grad := make([]F, dim)
			for i := 0; i < n; i += ridgeBlockRows {
				clear(grad)
				sumSq, sum := perBlock(grad, X[i*dim:(i+ridgeBlockRows)*dim], y[i:i+ridgeBlockRows], w, b)
				want[0] += float64(sumSq)
				want[1] += float64(sum)
				for j, v := range grad {
					want[2+j] += float64(v)
				}
			}

			got := make([]float64, 2+dim)
			blocksKern(got, guardedCopy(t, X, atEnd), guardedCopy(t, y, atEnd), guardedCopy(t, w, atEnd), b, blocks)
			for j := range want {
				if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
					t.Errorf("%s: out[%d] = %v, want %v from one call per block", name, j, got[j], want[j])
				}
			}

			// Dispatch picks one prefetch distance for this CPU; the
			// others must give the same sums.
			for _, ahead := range []int{0, 64, 2048, 8192} {
				got := make([]float64, 2+dim)
				gX, gy, gw := guardedCopy(t, X, atEnd), guardedCopy(t, y, atEnd), guardedCopy(t, w, atEnd)
				switch X := any(gX).(type) {
				case []float32:
					ridgeNarrowBlocksAVX512F32(got, X, any(gy).([]float32), any(gw).([]float32), float32(b), blocks, ridgeBlockRows/16, ahead)
				case []float64:
					ridgeNarrowBlocksAVX512F64(got, X, any(gy).([]float64), any(gw).([]float64), float64(b), blocks, ridgeBlockRows/8, ahead)
				}
				for j := range want {
					if math.Float64bits(got[j]) != math.Float64bits(want[j]) {
						t.Errorf("%s, prefetch %d bytes ahead: out[%d] = %v, want %v from one call per block", name, ahead, j, got[j], want[j])
					}
				}
			}
		}
	}
}
