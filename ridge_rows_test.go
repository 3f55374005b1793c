package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sentinel marks values that a kernel must leave alone.
const sentinel = -7.25

// checkRowKernels runs the column-sum and centring kernels of k on rows
// rows of dim values and checks them against float64 sums formed in
// order. The centred values must match exactly, because each is a single
// subtraction. The sums may differ by the rounding of another order,
// bounded by (rows+2)·ε₆₄ times the sum of the absolute values of the
// terms, the starting value included. Every value past
// the first cols columns of a row, and past the outputs, must keep its
// sentinel.
func checkRowKernels[F Float](t *testing.T, name string, k *kernel, X []F, dim, rows, stride int, sums, z, tv, mean, xty []float64) {
	t.Helper()
	cols := len(mean)
	eps := float64(rows+2) * 0x1p-52

	wantSums, tol := slices.Clone(sums), make([]float64, cols)
	for c, v := range sums {
		tol[c] = eps * math.Abs(v)
	}
	for r := range rows {
		for c := range cols {
			v := float64(X[r*dim+c])
			wantSums[c] += v
			tol[c] += eps * math.Abs(v)
		}
	}
	colSumsFor[F](k)(sums, X, dim, rows)
	for c := range cols {
		if d := math.Abs(sums[c] - wantSums[c]); !(d <= tol[c]) {
			t.Errorf("%s: column sum %d is %v, want %v within %g", name, c, sums[c], wantSums[c], tol[c])
		}
	}

	wantXty, tolXty := slices.Clone(xty), make([]float64, cols)
	for c, v := range xty {
		tolXty[c] = eps * math.Abs(v)
	}
	for r := range rows {
		for c := range cols {
			v := float64(X[r*dim+c]) - mean[c]
			wantXty[c] += tv[r] * v
			tolXty[c] += eps * math.Abs(tv[r]*v)
		}
	}
	centreFor[F](k)(z, X, tv, mean, xty, dim, stride)
	for r := range rows {
		for c := range stride {
			want := sentinel
			if c < cols {
				want = float64(X[r*dim+c]) - mean[c]
			}
			if got := z[r*stride+c]; got != want {
				t.Errorf("%s: z[%d][%d] is %v, want %v", name, r, c, got, want)
				return
			}
		}
	}
	for c := range cols {
		if d := math.Abs(xty[c] - wantXty[c]); !(d <= tolXty[c]) {
			t.Errorf("%s: xty[%d] is %v, want %v within %g", name, c, xty[c], wantXty[c], tolXty[c])
		}
	}
}

func TestRowKernels(t *testing.T) {
	testRowKernels[float32](t)
	testRowKernels[float64](t)
}

// rowKernelDims adds to ridgeKernelDims widths of two and three tiles of
// the AVX-512 row kernels (128 columns each), with a last vector of 4 or
// 8 columns.
var rowKernelDims = append(slices.Clone(ridgeKernelDims), 132, 136, 250, 256, 261, 300)

func testRowKernels[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, k := range kernels {
		for _, dim := range rowKernelDims {
			for _, rows := range ridgeKernelRows {
				cols := dim &^ 3
				stride := cols + 5
				name := fmt.Sprintf("%T kernel %s dim %d rows %d", F(0), k.name, dim, rows)
				X := randomFloats[F](rng, rows*dim+1)[1:]
				// One spare value after each output catches a write past
				// its end.
				sums := randomFloats[float64](rng, cols+1)
				sums[cols] = sentinel
				xty := randomFloats[float64](rng, cols+1)
				xty[cols] = sentinel
				z := slices.Repeat([]float64{sentinel}, rows*stride+1)
				tv := randomFloats[float64](rng, rows)
				mean := randomFloats[float64](rng, cols)
				checkRowKernels(t, name, k, X, dim, rows, stride, sums[:cols], z[:rows*stride], tv, mean, xty[:cols])
				if sums[cols] != sentinel || xty[cols] != sentinel || z[rows*stride] != sentinel {
					t.Errorf("%s: a kernel wrote past its output", name)
				}
			}
		}
	}
}

// TestDotProductKernels checks every kernel's dot product against the
// ordered sum, within (n+2)·ε₆₄ of the sum of absolute products, for
// lengths around each step of the 16- and 4-value loops.
func TestDotProductKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, k := range kernels {
		dot := dotProductFor(k)
		for n := range 70 {
			x := randomFloats[float64](rng, n+1)[1:]
			y := randomFloats[float64](rng, n+3)[1:] // longer than x
			var want, tol float64
			for i, v := range x {
				want += v * y[i]
				tol += float64(n+2) * 0x1p-52 * math.Abs(v*y[i])
			}
			if got := dot(x, y); !(math.Abs(got-want) <= tol) {
				t.Errorf("kernel %s n %d: dot product is %v, want %v within %g", k.name, n, got, want, tol)
			}
		}
	}
}
