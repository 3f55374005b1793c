package vecfit

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestBlockDotsKernels checks every kernel's blockDots against inner
// products summed in order, within (n+2)·ε₆₄ of the sum of absolute
// products, for lengths up to 68, rows that overlap (i = j) and rows
// whose stride leaves values past n that must not count.
func TestBlockDotsKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, k := range kernels {
		blockDots := blockDotsFor(k)
		for n := 0; n <= 68; n += 4 {
			for _, c := range []struct{ stride, i, j int }{
				{n, 0, 2}, {n + 3, 4, 0}, {n + 8, 1, 1}, {n + 1, 5, 3},
			} {
				a := randomFloats[float64](rng, (max(c.i+2, c.j+4)+1)*max(c.stride, 1))
				var out [8]float64
				blockDots(&out, a, c.stride, c.i, c.j, n)
				for p := range 2 {
					for q := range 4 {
						var want, tol float64
						for kk := range n {
							term := a[(c.i+p)*c.stride+kk] * a[(c.j+q)*c.stride+kk]
							want += term
							tol += float64(n+2) * 0x1p-52 * math.Abs(term)
						}
						if got := out[p*4+q]; !(math.Abs(got-want) <= tol) {
							t.Errorf("kernel %s n %d stride %d i %d j %d: out[%d] = %v, want %v within %g",
								k.name, n, c.stride, c.i, c.j, p*4+q, got, want, tol)
						}
					}
				}
			}
		}
	}
}

// TestBlockDotsKernelsGuardPages runs every kernel's blockDots on a
// matrix flush against a guard page, before and after it, with the rows
// read being the first and the last of the matrix.
func TestBlockDotsKernelsGuardPages(t *testing.T) {
	for _, k := range kernels {
		for _, n := range []int{0, 4, 8, 16, 36} {
			for _, atEnd := range []bool{true, false} {
				const rows = 6
				a := guardedRidgeSlice[float64](t, rows*n, atEnd)
				for i := range a {
					a[i] = float64(i%7) - 3
				}
				for _, c := range []struct{ i, j int }{{0, 0}, {4, 2}} {
					var out [8]float64
					blockDotsFor(k)(&out, a, n, c.i, c.j, n)
					for p := range 2 {
						for q := range 4 {
							// Small integers make every order of summation exact.
							want := 0.0
							for kk := range n {
								want += a[(c.i+p)*n+kk] * a[(c.j+q)*n+kk]
							}
							if got := out[p*4+q]; got != want {
								t.Errorf("kernel %s n %d guard at end %v rows %d, %d: out[%d] = %v, want %v",
									k.name, n, atEnd, c.i, c.j, p*4+q, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// randomSPD returns a d×d positive definite matrix with rows stride
// values apart, its upper triangle set to NaN since the factorisation
// must not read it, and the full matrix for checking.
func randomSPD(rng *rand.Rand, d, stride int) (lower, full []float64) {
	m := randomFloats[float64](rng, (d+3)*d)
	full = make([]float64, d*d)
	for i := range d {
		for j := range d {
			for r := range d + 3 {
				full[i*d+j] += m[r*d+i] * m[r*d+j]
			}
		}
	}
	lower = make([]float64, d*stride)
	for i := range lower {
		lower[i] = math.NaN()
	}
	for i := range d {
		for j := range i + 1 {
			lower[i*stride+j] = full[i*d+j]
		}
	}
	return lower, full
}

// TestCholeskySolve solves random positive definite systems with every
// kernel, for sizes around each block of four columns, and checks that
// L·Lᵀ gives back the matrix and that the solution's residual is within
// rounding of ‖A‖·‖x‖.
func TestCholeskySolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	sizes := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 17, 30, 37, 64, 67}
	for _, k := range kernels {
		for _, d := range sizes {
			for _, stride := range []int{d, d + 5} {
				name := fmt.Sprintf("kernel %s d %d stride %d", k.name, d, stride)
				a, full := randomSPD(rng, d, stride)
				want := randomFloats[float64](rng, d)
				b := make([]float64, d)
				for i := range d {
					for j := range d {
						b[i] += full[i*d+j] * want[j]
					}
				}
				if err := choleskySolve(a, d, stride, b, make([]float64, d), k); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				checkFactor(t, name, a, full, d, stride)
				checkResidual(t, name, full, b, want, d)
			}
		}
	}
}

// checkFactor checks that the lower triangle of a times its transpose is
// full within a bound of d·ε₆₄ times the product of row norms.
func checkFactor(t *testing.T, name string, a, full []float64, d, stride int) {
	t.Helper()
	for i := range d {
		for j := range i + 1 {
			var sum, size float64
			for k := range j + 1 {
				term := a[i*stride+k] * a[j*stride+k]
				sum += term
				size += math.Abs(term)
			}
			if tol := float64(4*d+8) * 0x1p-52 * size; !(math.Abs(sum-full[i*d+j]) <= tol) {
				t.Errorf("%s: (L·Lᵀ)[%d][%d] = %v, want %v within %g", name, i, j, sum, full[i*d+j], tol)
			}
		}
	}
}

// checkResidual checks ‖A·x − b‖∞ against the forward error that a
// backward-stable solve allows, with b = A·want.
func checkResidual(t *testing.T, name string, full, got, want []float64, d int) {
	t.Helper()
	var norm, xNorm, worst float64
	for i := range d {
		var r, row float64
		for j := range d {
			r += full[i*d+j] * (got[j] - want[j])
			row += math.Abs(full[i*d+j])
		}
		norm = max(norm, row)
		xNorm = max(xNorm, math.Abs(got[i]))
		worst = max(worst, math.Abs(r))
	}
	if tol := float64(8*d*d+16) * 0x1p-52 * norm * xNorm; !(worst <= tol) {
		t.Errorf("%s: ‖A·x − b‖∞ is %g, want at most %g", name, worst, tol)
	}
}

// TestCholeskySolveNamesColumn makes column c a copy of an earlier one,
// at each position in a block of four and among the last columns, and
// checks that the factorisation names c as the first singular column.
func TestCholeskySolveNamesColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	const d, rows = 11, 20
	for _, k := range kernels {
		for c := 1; c < d; c++ {
			z := randomFloats[float64](rng, rows*d)
			for r := range rows {
				z[r*d+c] = z[r*d+c/2]
			}
			a := make([]float64, d*d)
			for i := range d {
				for j := range d {
					for r := range rows {
						a[i*d+j] += z[r*d+i] * z[r*d+j]
					}
				}
			}
			b := make([]float64, d)
			err := choleskySolve(a, d, d, b, make([]float64, d), k)
			var singular *singularColumn
			if !errors.As(err, &singular) {
				t.Fatalf("kernel %s column %d copies %d: error %v, want a singular column", k.name, c, c/2, err)
			}
			if singular.column != c {
				t.Errorf("kernel %s column %d copies %d: singular column %d, want %d", k.name, c, c/2, singular.column, c)
			}
		}
	}
}
