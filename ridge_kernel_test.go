package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// ridgeKernelDims covers every tail length of the 8- and 4-lane kernels,
// sizes around a few vector counts, and every remainder of the dot
// products' loop over 4 vectors at a time.
var ridgeKernelDims = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 23, 24, 25, 31, 32, 33, 40, 47, 48, 63, 64, 65, 127, 128, 129}

// ridgeKernelRows covers every remainder of the 4-row groups.
var ridgeKernelRows = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 37}

func ridgeEpsilon[F Float]() float64 {
	var zero F
	if _, ok := any(zero).(float32); ok {
		return 0x1p-23
	}
	return 0x1p-52
}

// ridgeBounds returns the float64 results of the ridge kernel loop and
// bounds on the rounding error that any order of summation in F makes:
// each residual is off by at most (dim+2)·ε·Mᵢ with Mᵢ = |b| + |yᵢ| +
// Σⱼ|xᵢⱼ·wⱼ|, and the sums over rows add n·ε of their absolute terms. The
// bounds carry a factor 4 of slack.
func ridgeBounds[F Float](X, y, w []F, b F) (sumSq, sum float64, grad []float64, tolSq, tolSum float64, tolGrad []float64) {
	dim := len(w)
	eps := ridgeEpsilon[F]()
	k := 4 * float64(dim+len(y)+4) * eps
	grad = make([]float64, dim)
	tolGrad = make([]float64, dim)
	for i, yi := range y {
		x := X[i*dim : (i+1)*dim]
		r := float64(b) - float64(yi)
		m := math.Abs(float64(b)) + math.Abs(float64(yi))
		for j, v := range x {
			r += float64(v) * float64(w[j])
			m += math.Abs(float64(v) * float64(w[j]))
		}
		sumSq += r * r
		sum += r
		tolSq += k * m * m
		tolSum += k * m
		for j, v := range x {
			grad[j] += r * float64(v)
			tolGrad[j] += k * m * math.Abs(float64(v))
		}
	}
	return
}

// randomFloats returns n values from a normal distribution, as F.
func randomFloats[F Float](rng *rand.Rand, n int) []F {
	s := make([]F, n)
	for i := range s {
		s[i] = F(rng.NormFloat64())
	}
	return s
}

// checkRidgeKernel runs the kernel on one case and compares it with the
// float64 loop within the rounding bounds.
func checkRidgeKernel[F Float](t *testing.T, name string, kern func(grad, X, y, w []F, b F) (F, F), X, y, w []F, b F, grad []F) {
	t.Helper()
	sumSq, sum, want, tolSq, tolSum, tolGrad := ridgeBounds(X, y, w, b)
	clear(grad)
	gotSq, gotSum := kern(grad, X, y, w, b)
	if d := math.Abs(float64(gotSq) - sumSq); !(d <= tolSq) {
		t.Errorf("%s: sumSq = %v, want %v within %g", name, gotSq, sumSq, tolSq)
	}
	if d := math.Abs(float64(gotSum) - sum); !(d <= tolSum) {
		t.Errorf("%s: sum = %v, want %v within %g", name, gotSum, sum, tolSum)
	}
	for j, g := range grad {
		if d := math.Abs(float64(g) - want[j]); !(d <= tolGrad[j]) {
			t.Errorf("%s: grad[%d] = %v, want %v within %g", name, j, g, want[j], tolGrad[j])
		}
	}
}

func testRidgeKernels[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var zero F
	for _, k := range kernels {
		kern := ridgeFor[F](k)
		for _, dim := range ridgeKernelDims {
			for _, n := range ridgeKernelRows {
				// Start every slice one element past an aligned
				// allocation, so no load is aligned to its vector.
				X := randomFloats[F](rng, n*dim+1)[1:]
				y := randomFloats[F](rng, n+1)[1:]
				w := randomFloats[F](rng, dim+1)[1:]
				grad := make([]F, dim+1)[1:]
				b := F(rng.NormFloat64())
				name := fmt.Sprintf("%T kernel %s dim %d n %d", zero, k.name, dim, n)
				checkRidgeKernel(t, name, kern, X, y, w, b, grad)
			}
		}
	}
}

func TestRidgeKernelsFloat32(t *testing.T) { testRidgeKernels[float32](t) }
func TestRidgeKernelsFloat64(t *testing.T) { testRidgeKernels[float64](t) }

// The kernels add into grad instead of overwriting it.
func TestRidgeKernelsAddToGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const n, dim = 9, 11
	X := randomFloats[float64](rng, n*dim)
	y := randomFloats[float64](rng, n)
	w := randomFloats[float64](rng, dim)
	for _, k := range kernels {
		once := make([]float64, dim)
		ridgeFor[float64](k)(once, X, y, w, 0.5)
		twice := make([]float64, dim)
		ridgeFor[float64](k)(twice, X, y, w, 0.5)
		ridgeFor[float64](k)(twice, X, y, w, 0.5)
		for j := range dim {
			if e := relErr(twice[j], 2*once[j]); e > 1e-13 {
				t.Errorf("kernel %s: grad[%d] after two calls is %v, want 2·%v", k.name, j, twice[j], once[j])
			}
		}
	}
}

// gramBound returns G0 + ZᵀZ in float64 and, per entry, the rounding
// bound 4·(rows+2)·ε·(Σ|zᵢ·zⱼ| + |G0|).
func gramBound(G0, Z []float64, ds, stride int) (want, tol []float64) {
	want = append([]float64(nil), G0...)
	tol = make([]float64, ds*ds)
	rows := len(Z) / stride
	for r := range rows {
		z := Z[r*stride : r*stride+ds]
		for i := range ds {
			for j := range ds {
				want[i*ds+j] += z[i] * z[j]
				tol[i*ds+j] += math.Abs(z[i] * z[j])
			}
		}
	}
	for i := range tol {
		tol[i] = 4 * float64(rows+2) * 0x1p-52 * (tol[i] + math.Abs(G0[i]))
	}
	return want, tol
}

func checkGram(t *testing.T, name string, gram func(G, Z []float64, ds, stride int), G0, Z []float64, ds, stride int, G []float64) {
	t.Helper()
	want, tol := gramBound(G0, Z, ds, stride)
	copy(G, G0)
	gram(G, Z, ds, stride)
	for i := range ds {
		for j := i; j < ds; j++ {
			if d := math.Abs(G[i*ds+j] - want[i*ds+j]); !(d <= tol[i*ds+j]) {
				t.Errorf("%s: G[%d][%d] = %v, want %v within %g", name, i, j, G[i*ds+j], want[i*ds+j], tol[i*ds+j])
				return
			}
		}
	}
}

func TestGramKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, k := range kernels {
		for _, ds := range []int{8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 136} {
			for _, rows := range []int{0, 1, 2, 3, 5, 8, 13, 50} {
				for _, stride := range []int{ds, ds + 3, ds + 8} {
					Z := randomFloats[float64](rng, rows*stride+1)[1:]
					G0 := randomFloats[float64](rng, ds*ds)
					G := make([]float64, ds*ds+1)[1:]
					name := fmt.Sprintf("kernel %s ds %d stride %d rows %d", k.name, ds, stride, rows)
					checkGram(t, name, gramFor(k), G0, Z, ds, stride, G)
				}
			}
		}
	}
}

// TestGramAheadKernels checks that the prefetching Gram kernels give the
// same matrix as the plain ones, bit for bit, whatever they prefetch.
func TestGramAheadKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, k := range kernels {
		for _, ds := range []int{0, 8, 16, 24, 40, 128, 136} {
			for _, rows := range []int{0, 1, 7, 50} {
				for _, size := range []int{0, 1, 63, 64, 65, 4096, 100000} {
					stride := ds + 8
					Z := randomFloats[float64](rng, rows*stride)
					G0 := randomFloats[float64](rng, ds*ds)
					want := slices.Clone(G0)
					gramFor(k)(want, Z, ds, stride)
					got := slices.Clone(G0)
					next := make([]byte, size+1)[1:]
					gramAheadFor(k)(got, Z, ds, stride, next)
					if !slices.Equal(got, want) {
						t.Errorf("kernel %s ds %d rows %d next of %d bytes: G differs from the plain Gram kernel's", k.name, ds, rows, size)
					}
				}
			}
		}
	}
}
