package vecfit

import (
	"testing"
	"unsafe"
)

// ridgeScratch places its slice 2 KiB minus one row past w, modulo 4 KiB,
// for any offset of w, and the slice is zeroed and cannot grow into the
// rest of its allocation.
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
			g := ridgeScratch(w)
			if len(g) != dim || cap(g) != dim {
				t.Fatalf("%T dim %d: len %d cap %d, want both %d", F(0), dim, len(g), cap(g), dim)
			}
			for j, v := range g {
				if v != 0 {
					t.Fatalf("%T dim %d: g[%d] = %v, want 0", F(0), dim, j, v)
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
