//go:build unix

package vecfit

import (
	"fmt"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// guardedRidgeSlice returns a slice of n values of F placed flush against
// an inaccessible page: right before it when atEnd, right after it
// otherwise. Any read or write outside the slice then crashes the test.
// The mapping is released when the test ends.
func guardedRidgeSlice[F Float](t *testing.T, n int, atEnd bool) []F {
	t.Helper()
	page := unix.Getpagesize()
	size := int(unsafe.Sizeof(F(0)))
	dataPages := (n*size + page - 1) / page
	mem, err := unix.Mmap(-1, 0, (dataPages+1)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	var guard, data []byte
	if atEnd {
		guard = mem[dataPages*page:]
		data = mem[dataPages*page-n*size : dataPages*page]
	} else {
		guard = mem[:page]
		data = mem[page : page+n*size]
	}
	if err := unix.Mprotect(guard, unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	if n == 0 {
		// An empty slice whose pointer is the guard page itself.
		return unsafe.Slice((*F)(unsafe.Pointer(&guard[0])), 0)
	}
	return unsafe.Slice((*F)(unsafe.Pointer(&data[0])), n)
}

// guardedCopy returns a guarded copy of s.
func guardedCopy[F Float](t *testing.T, s []F, atEnd bool) []F {
	g := guardedRidgeSlice[F](t, len(s), atEnd)
	copy(g, s)
	return g
}

// checkGuardedRidgeKernel runs checkRidgeKernel on n rows of dim columns
// whose X, y, w and grad each lie flush against an inaccessible page,
// after them when atEnd and before them otherwise.
func checkGuardedRidgeKernel[F Float](t *testing.T, name string, kern func(grad, X, y, w []F, b F) (F, F), dim, n int, atEnd bool) {
	t.Helper()
	// Random values from a fixed source are not needed: any finite
	// values show an access out of bounds.
	X := guardedRidgeSlice[F](t, n*dim, atEnd)
	for i := range X {
		X[i] = F(i%7) - 3
	}
	y := guardedRidgeSlice[F](t, n, atEnd)
	for i := range y {
		y[i] = F(i % 3)
	}
	w := guardedRidgeSlice[F](t, dim, atEnd)
	for j := range w {
		w[j] = F(j%5) * 0.25
	}
	grad := guardedRidgeSlice[F](t, dim, atEnd)
	checkRidgeKernel(t, name, kern, X, y, w, 0.5, grad)
}

func testRidgeGuard[F Float](t *testing.T) {
	var zero F
	for _, k := range kernels {
		kern := ridgeFor[F](k)
		for dim := 1; dim <= 70; dim++ {
			ns := []int{1, 2, 3, 4, 5, 9}
			if dim == 8 || dim == 16 {
				// Whole tiles of the narrow AVX-512 kernels, and tiles
				// with rows after them.
				ns = append(ns, 16, 17, 32, 33)
			}
			for _, n := range ns {
				for _, atEnd := range []bool{true, false} {
					name := fmt.Sprintf("%T kernel %s dim %d n %d guard at end %v", zero, k.name, dim, n, atEnd)
					checkGuardedRidgeKernel(t, name, kern, dim, n, atEnd)
				}
			}
		}
	}
}

func TestRidgeKernelsGuardPagesFloat32(t *testing.T) { testRidgeGuard[float32](t) }
func TestRidgeKernelsGuardPagesFloat64(t *testing.T) { testRidgeGuard[float64](t) }

func TestGramKernelsGuardPages(t *testing.T) {
	for _, k := range kernels {
		for _, ds := range []int{8, 16, 24, 32, 40, 48, 72} {
			for _, rows := range []int{0, 1, 3, 7} {
				for _, atEnd := range []bool{true, false} {
					// The stride equals ds, so the last row ends at
					// the guard page.
					Z := guardedRidgeSlice[float64](t, rows*ds, atEnd)
					for i := range Z {
						Z[i] = float64(i%11) - 5
					}
					G0 := make([]float64, ds*ds)
					G := guardedRidgeSlice[float64](t, ds*ds, atEnd)
					name := fmt.Sprintf("kernel %s ds %d rows %d guard at end %v", k.name, ds, rows, atEnd)
					checkGram(t, name, gramFor(k), G0, Z, ds, ds, G)
				}
			}
		}
	}
}

// n = 0 rows reads nothing: the kernel gets empty slices whose pointers
// sit right at a guard page.
func TestRidgeKernelsNoRowsGuard(t *testing.T) {
	for _, k := range kernels {
		for _, dim := range []int{1, 8, 13} {
			X := guardedRidgeSlice[float32](t, 0, true)
			y := guardedRidgeSlice[float32](t, 0, true)
			w := guardedCopy(t, make([]float32, dim), true)
			grad := guardedRidgeSlice[float32](t, dim, true)
			sumSq, sum := ridgeFor[float32](k)(grad, X, y, w, 1)
			if sumSq != 0 || sum != 0 {
				t.Errorf("kernel %s dim %d: no rows gave sums %v and %v, want 0", k.name, dim, sumSq, sum)
			}
		}
	}
}

// TestRowKernelsGuardPages runs the row kernels of the fit with every
// slice flush against a guard page.
func TestRowKernelsGuardPages(t *testing.T) {
	testRowKernelsGuard[float32](t)
	testRowKernelsGuard[float64](t)
}

func testRowKernelsGuard[F Float](t *testing.T) {
	for _, k := range kernels {
		for _, dim := range []int{4, 5, 8, 11, 12, 16, 132, 140} {
			for _, rows := range []int{0, 1, 3, 4, 7} {
				for _, atEnd := range []bool{true, false} {
					cols := dim &^ 3
					stride := cols
					X := guardedRidgeSlice[F](t, rows*dim, atEnd)
					for i := range X {
						X[i] = F(i%13) - 6
					}
					sums := guardedRidgeSlice[float64](t, cols, atEnd)
					z := guardedRidgeSlice[float64](t, rows*stride, atEnd)
					for i := range z {
						z[i] = sentinel
					}
					tv := guardedRidgeSlice[float64](t, rows, atEnd)
					for i := range tv {
						tv[i] = float64(i) - 1
					}
					mean := guardedRidgeSlice[float64](t, cols, atEnd)
					xty := guardedRidgeSlice[float64](t, cols, atEnd)
					name := fmt.Sprintf("%T kernel %s dim %d rows %d guard at end %v", F(0), k.name, dim, rows, atEnd)
					checkRowKernels(t, name, k, X, dim, rows, stride, sums, z, tv, mean, xty)
				}
			}
		}
	}
}

// TestDotProductKernelsGuardPages runs every kernel's dot product on
// slices flush against a guard page.
func TestDotProductKernelsGuardPages(t *testing.T) {
	for _, k := range kernels {
		for _, n := range []int{0, 1, 3, 4, 15, 16, 17, 37} {
			for _, atEnd := range []bool{true, false} {
				x := guardedRidgeSlice[float64](t, n, atEnd)
				y := guardedRidgeSlice[float64](t, n, atEnd)
				want := 0.0
				for i := range x {
					x[i], y[i] = float64(i%5)-2, float64(i%3)
					want += x[i] * y[i]
				}
				// Small integers make every order of summation exact.
				if got := dotProductFor(k)(x, y); got != want {
					t.Errorf("kernel %s n %d guard at end %v: dot product is %v, want %v", k.name, n, atEnd, got, want)
				}
			}
		}
	}
}

// TestScaleRowsKernelsGuardPages runs every kernel's scaleRows on a z
// that ends with the last row's width values and a w flush against a
// guard page, and checks each value against scaleRowsGeneric bit for bit.
func TestScaleRowsKernelsGuardPages(t *testing.T) {
	for _, k := range kernels {
		for _, shape := range []struct{ rows, width, stride int }{{0, 4, 4}, {1, 4, 4}, {3, 8, 16}, {5, 24, 24}, {17, 16, 24}, {2, 128, 136}} {
			for _, atEnd := range []bool{true, false} {
				n := 0
				if shape.rows > 0 {
					n = (shape.rows-1)*shape.stride + shape.width
				}
				z := guardedRidgeSlice[float64](t, n, atEnd)
				w := guardedRidgeSlice[float64](t, shape.rows, atEnd)
				want := make([]float64, n)
				for i := range z {
					z[i] = float64(i%7) - 3.25
					want[i] = z[i]
				}
				for r := range w {
					w[r] = 0.1 * float64(r+1)
				}
				scaleRowsGeneric(want, w, shape.width, shape.stride)
				scaleRowsFor(k)(z, w, shape.width, shape.stride)
				for i := range z {
					if z[i] != want[i] {
						t.Errorf("kernel %s rows %d width %d stride %d guard at end %v: z[%d] = %v, want %v",
							k.name, shape.rows, shape.width, shape.stride, atEnd, i, z[i], want[i])
						break
					}
				}
			}
		}
	}
}
