//go:build !purego

package vecfit

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"testing"
)

// exactRatDistance returns Σ (x[j] − c[j])² as an exact rational.
func exactRatDistance[F Float](x, c []F) *big.Rat {
	sum := new(big.Rat)
	for j := range x {
		d := new(big.Rat).SetFloat64(float64(x[j]))
		d.Sub(d, new(big.Rat).SetFloat64(float64(c[j])))
		sum.Add(sum, d.Mul(d, d))
	}
	return sum
}

// underflowCase builds float64 centroids whose squared coordinates all
// underflow to 0, so that the float64 norms behind the expansion path's
// radius come out 0 although centroids lo and hi are not zero. The point
// is 2³³⁰·(1, 1, 1, 0, …) and s = 2⁻⁵⁶⁰.
//
// Centroid lo is s·(1, 2⁻⁶⁰, −1, 0, …). Its FMA chain for x·c sums
// 2⁻²³⁰, 2⁻²⁹⁰ and −2⁻²³⁰ to 0, where the exact value is 2⁻²⁹⁰. With tie
// set, centroid hi is s·(1, −1, 2⁻⁶⁰, 0, …), an exact tie with lo whose
// chain sums to 2⁻²⁹⁰ without error. Without tie, centroid hi is
// s·(0, 2⁻⁷⁰, 0, …): lo is exactly nearer, but hi's sum 2⁻³⁰⁰ is larger
// than lo's 0. Every other centroid is the zero row, exactly farther.
func underflowCase(dim, k, lo, hi int, tie bool) (x, centroids []float64) {
	s := math.Ldexp(1, -560)
	x = make([]float64, dim)
	x[0], x[1], x[2] = math.Ldexp(1, 330), math.Ldexp(1, 330), math.Ldexp(1, 330)
	centroids = make([]float64, k*dim)
	a := centroids[lo*dim : (lo+1)*dim]
	a[0], a[1], a[2] = s, math.Ldexp(s, -60), -s
	b := centroids[hi*dim : (hi+1)*dim]
	if tie {
		b[0], b[1], b[2] = s, -s, math.Ldexp(s, -60)
	} else {
		b[1] = math.Ldexp(s, -70)
	}
	return x, centroids
}

// TestDotUnderflowRadius checks that the expansion path accepts a point
// of underflowCase only with the unique exact nearest centroid. Every
// square of the centroids underflows, so unless the radius allows for the
// lost squares, it comes out 0 and the bound in accept does not cover the
// kernel's rounding error in x·c.
func TestDotUnderflowRadius(t *testing.T) {
	const dim, k, lo, hi = 128, 512, 100, 300
	for _, f := range dotFunctions64 {
		if !slices.Contains(Kernels(), f.isa) {
			continue
		}
		for _, tie := range []bool{false, true} {
			x, centroids := underflowCase(dim, k, lo, hi, tie)
			name := fmt.Sprintf("%s tie %v", f.isa, tie)

			dLo := exactRatDistance(x, centroids[lo*dim:(lo+1)*dim])
			dHi := exactRatDistance(x, centroids[hi*dim:(hi+1)*dim])
			dZero := exactRatDistance(x, make([]float64, dim))
			if tie && dLo.Cmp(dHi) != 0 {
				t.Fatalf("%s: centroids %d and %d are not exact ties", name, lo, hi)
			}
			if !tie && dLo.Cmp(dHi) >= 0 {
				t.Fatalf("%s: centroid %d is not exactly nearer than %d", name, lo, hi)
			}
			if dLo.Cmp(dZero) >= 0 {
				t.Fatalf("%s: the zero row is not farther than centroid %d", name, lo)
			}

			s := f.search(t, centroids, dim)
			if s.dot == nil {
				t.Fatalf("%s: the expansion path rejected the centroids", name)
			}
			t.Logf("%s: radius %v", name, s.dot.radius)
			labels, dists := make([]int32, 1), make([]float64, 1)
			var scratch searchScratch[float64]
			retry := s.dotPass(labels, dists, x, 0, nil, &scratch)
			if len(retry) > 0 {
				continue
			}
			if tie {
				t.Errorf("%s: accepted label %d, but centroids %d and %d tie exactly", name, labels[0], lo, hi)
			} else if labels[0] != lo {
				t.Errorf("%s: accepted label %d, exact nearest %d", name, labels[0], lo)
			}
		}
	}
}
