package vecfit

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// For a large X, ridgeScratch places its slice 2 KiB minus one row past
// w, modulo 4 KiB, for any offset of w. For any X the slice is zeroed and
// cannot grow into the rest of its allocation.
func TestRidgeScratchPlacement(t *testing.T) {
	testRidgeScratch[float32](t)
	testRidgeScratch[float64](t)
}

func testRidgeScratch[F Float](t *testing.T) {
	size := int(unsafe.Sizeof(F(0)))
	for _, dim := range []int{1, 16, 100, 640, 768, 1031, 2048} {
		buf := make([]F, dim+4096/size)
		for _, shift := range []int{0, 1, 7, 64, 300, 4096/size - 1} {
			w := buf[shift : shift+dim]
			small := ridgeScratch(w, 16*dim)
			g := ridgeScratch(w, ridgePlacedMinBytes/size)
			for _, s := range [][]F{small, g} {
				if len(s) != dim || cap(s) != dim {
					t.Fatalf("%T dim %d: len %d cap %d, want both %d", F(0), dim, len(s), cap(s), dim)
				}
				for j, v := range s {
					if v != 0 {
						t.Fatalf("%T dim %d: scratch[%d] = %v, want 0", F(0), dim, j, v)
					}
				}
			}
			wAddr := int(uintptr(unsafe.Pointer(&w[0])))
			gAddr := int(uintptr(unsafe.Pointer(&g[0])))
			got := ((gAddr-wAddr)%4096 + 4096) % 4096
			want := ((2048-dim*size)%4096 + 4096) % 4096
			if got != want {
				t.Errorf("%T dim %d, w at element %d: scratch is %d bytes past w modulo 4096, want %d", F(0), dim, shift, got, want)
			}
		}
	}
}

// A call of RidgeGrad or RidgeLoss on a batch small enough for one
// goroutine makes two allocations, the float64 sums and the gradient
// scratch, so a training loop does not spend its time in the allocator.
func TestRidgeGradAllocations(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range []struct{ n, dim int }{{1, 1}, {256, 16}, {300, 128}, {32, 768}} {
		X := randomFloats[float32](rng, s.n*s.dim)
		y := randomFloats[float32](rng, s.n)
		w := randomFloats[float32](rng, s.dim)
		grad := make([]float32, s.dim)
		gradAllocs := testing.AllocsPerRun(20, func() {
			if _, _, err := RidgeGrad(grad, X, y, w, 0.5, 0.1); err != nil {
				t.Fatal(err)
			}
		})
		lossAllocs := testing.AllocsPerRun(20, func() {
			if _, err := RidgeLoss(X, y, w, 0.5, 0.1); err != nil {
				t.Fatal(err)
			}
		})
		if gradAllocs > 2 {
			t.Errorf("RidgeGrad on %d × %d: %v allocations per call, want at most 2", s.n, s.dim, gradAllocs)
		}
		if lossAllocs > 2 {
			t.Errorf("RidgeLoss on %d × %d: %v allocations per call, want at most 2", s.n, s.dim, lossAllocs)
		}
	}
}
