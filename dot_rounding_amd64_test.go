//go:build !purego

package vecfit

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"testing"
)

// exactExpansion returns e = ‖c‖² − 2·x·c computed exactly (the inputs
// are small powers of two apart, so 2000 bits hold every term).
func exactExpansion[F Float](x, c []F) *big.Float {
	const prec = 2000
	e := new(big.Float).SetPrec(prec)
	term := new(big.Float).SetPrec(prec)
	for j := range x {
		cj := new(big.Float).SetPrec(prec).SetFloat64(float64(c[j]))
		xj := new(big.Float).SetPrec(prec).SetFloat64(float64(x[j]))
		e.Add(e, term.Mul(cj, cj))
		term.Mul(xj, cj)
		e.Sub(e, term.Add(term, term))
	}
	return e
}

// roundingPair builds a point and two centroids on which the expansion
// kernel's FMA chains for x·c round every step the same way, for a kernel
// that sums blocks of block coordinates from zero. The point has 2^20 at
// the start of each block and 2^8 elsewhere. Both centroids have about 1
// at the start of each block, so each block's running sum sits at 2^20, a
// power of two where half an ulp is u·2^20. For centroid a each later
// product is just under half an ulp, so every step rounds it away: x·a
// comes out too small and e too large. For centroid b each product is
// just over half an ulp, so every step rounds up: x·b comes out too large
// and e too small. The first coordinate of a is raised until a is the
// exact nearest of the two by the smallest margin. With one block the
// kernel's error in e reaches about (dim−1)/(dim+1) of its share of the
// bound, and with blocks of m about (m−1)/(m+⌈dim/m⌉).
func roundingPair[F Float](dim, block int) (x, a, b []F) {
	bits := 24
	if !isFloat32[F]() {
		bits = 53
	}
	half := math.Ldexp(1, 20-bits) // half an ulp of 2^20
	// delta is the relative amount by which the products miss half an
	// ulp, a whole multiple of the ulp of the small coordinates.
	delta := math.Ldexp(float64(max(1, (1<<(bits-1))/(8*dim))), 1-bits)
	x, a, b = make([]F, dim), make([]F, dim), make([]F, dim)
	for j := range dim {
		if j%block == 0 {
			x[j], a[j], b[j] = 1<<20, 1, 1
			continue
		}
		x[j] = 1 << 8
		a[j] = F(math.Ldexp(half, -8) * (1 - delta))
		b[j] = F(math.Ldexp(half, -8) * (1 + delta))
	}
	// Raise a[0] by ulps until a is exactly nearer than b.
	eb := exactExpansion(x, b)
	for range 1 << 16 {
		if exactExpansion(x, a).Cmp(eb) < 0 {
			return x, a, b
		}
		if isFloat32[F]() {
			a[0] = F(math.Nextafter32(float32(a[0]), 2))
		} else {
			a[0] = F(math.Nextafter(float64(a[0]), 2))
		}
	}
	panic("roundingPair: no first coordinate makes a nearer than b")
}

// TestDotAcceptRoundingPair runs the expansion kernels on roundingPair
// among far filler centroids. It checks that the kernel's errors in e for
// a and b stay within the bound, and that the point is either handed to
// the difference kernels or accepted with the exact nearest centroid, a.
// It logs how much of the bound the errors used.
func TestDotAcceptRoundingPair(t *testing.T) {
	testDotAcceptRoundingPair(t, dotFunctions32)
	testDotAcceptRoundingPair(t, dotFunctions64)
}

func testDotAcceptRoundingPair[F Float](t *testing.T, fns []dotFunction[F]) {
	for _, f := range fns {
		if !slices.Contains(Kernels(), f.isa) {
			continue
		}
		kern, err := lookupKernel(f.isa)
		if err != nil {
			t.Fatal(err)
		}
		for _, dim := range []int{64, 65, 128, 500, 768, 1000, 2000} {
			block := f.kernel.sumBlock
			if block == 0 {
				block = dim
			}
			x, a, b := roundingPair[F](dim, block)
			const k = 600
			// Fillers (−1, 0, …, 0) are far from the point and no longer
			// than a and b, so they leave the radius at ‖a‖.
			centroids := make([]F, k*dim)
			for c := range k {
				centroids[c*dim] = -1
			}
			ia, ib := 517, 3 // b first, so a tie would keep b
			copy(centroids[ia*dim:], a)
			copy(centroids[ib*dim:], b)
			name := fmt.Sprintf("%s %T dim %d", f.isa, F(0), dim)

			s := f.search(t, centroids, dim)
			if s.dot == nil {
				t.Fatalf("%s: the expansion path rejected the centroids", name)
			}
			labels, dists := make([]int32, 1), make([]F, 1)
			var scratch searchScratch[F]
			retry := s.dotPass(labels, dists, x, 0, nil, &scratch)
			if len(retry) == 0 && labels[0] != int32(ia) {
				t.Errorf("%s: accepted label %d, exact nearest %d", name, labels[0], ia)
			}

			// dotPass leaves first, second and the index of first in
			// the state's first values. The fillers' e are far larger,
			// so first and second are the kernel's e for a and b.
			state := scratch.state[:3*f.kernel.lanes]
			gotA, gotB := float64(state[0]), float64(state[1])
			if int(state[2]) == ib {
				gotA, gotB = gotB, gotA
			}
			norms := make([]F, 1)
			distancesFor[F](kern)(norms, x, make([]F, dim), dim)
			bound, ok := s.dot.bound(norms[0])
			if !ok {
				t.Fatalf("%s: no bound for the point", name)
			}
			wantA, _ := exactExpansion(x, a).Float64()
			wantB, _ := exactExpansion(x, b).Float64()
			errA, errB := math.Abs(gotA-wantA), math.Abs(gotB-wantB)
			if errA > bound {
				t.Errorf("%s: e of a is %v, exact %v: error %.4g exceeds the bound %.4g", name, gotA, wantA, errA, bound)
			}
			if errB > bound {
				t.Errorf("%s: e of b is %v, exact %v: error %.4g exceeds the bound %.4g", name, gotB, wantB, errB, bound)
			}
			// The pair is built to use most of the bound, so a bound
			// far looser than the kernel's errors shows up here.
			if max(errA, errB) < 0.4*bound {
				t.Errorf("%s: errors %.4g and %.4g use under 0.4 of the bound %.4g", name, errA, errB, bound)
			}
			margin := float64(state[1]) - float64(state[0])
			t.Logf("%s: label %d (index %v), errors %.4f and %.4f of the bound, margin %.4f of 2·bound, retried %v",
				name, labels[0], state[2], errA/bound, errB/bound, margin/(2*bound), len(retry) > 0)

			// The whole search must keep the contract.
			want := newReference(x, centroids, dim)
			got := make([]int32, 1)
			gotDists := make([]F, 1)
			if err := NearestWith(Options{Kernel: f.isa}, got, gotDists, x, centroids, dim); err != nil {
				t.Fatal(err)
			}
			if msg := want.check(got, gotDists, 3); msg != "" {
				t.Errorf("%s: contract broken:%s", name, msg)
			}
		}
	}
}
