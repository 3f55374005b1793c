package vecfit

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// This file holds the exact reference that the kernel tests check against,
// and the checker of the accuracy contract.

// isFloat32 reports whether F is float32.
func isFloat32[F Float]() bool {
	var zero F
	_, ok := any(zero).(float32)
	return ok
}

// epsilon returns the unit of the accuracy contract: 2⁻²³ for float32 and
// 2⁻⁵² for float64.
func epsilon[F Float]() float64 {
	if isFloat32[F]() {
		return 0x1p-23
	}
	return 0x1p-52
}

// maxFinite returns the largest finite value of F.
func maxFinite[F Float]() float64 {
	if isFloat32[F]() {
		return math.MaxFloat32
	}
	return math.MaxFloat64
}

// smallestNonzero returns the smallest positive subnormal value of F.
func smallestNonzero[F Float]() float64 {
	if isFloat32[F]() {
		return math.SmallestNonzeroFloat32
	}
	return math.SmallestNonzeroFloat64
}

// twoSum returns s = fl(a+b) and the rounding error e, so that a+b = s+e
// exactly (Knuth's algorithm, no ordering of a and b needed).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// exactDistance is a squared distance held as an unevaluated sum hi + lo,
// accurate to about 2⁻¹⁰⁰ relative (down to the float64 subnormal range).
// hi is +Inf when the distance exceeds the float64 range.
type exactDistance struct {
	hi, lo float64
}

// exactSquaredDistance returns Σ (x[j] − c[j])² in double-double
// arithmetic. The coordinates must be free of NaN and of infinities.
func exactSquaredDistance[F Float](x, c []F) exactDistance {
	var hi, lo float64
	for j := range x {
		d, de := twoSum(float64(x[j]), -float64(c[j]))
		if math.IsInf(d, 0) {
			return exactDistance{hi: math.Inf(1)}
		}
		p := d * d
		if math.IsInf(p, 0) {
			return exactDistance{hi: math.Inf(1)}
		}
		pe := math.FMA(d, d, -p)
		q := pe + 2*d*de + de*de
		var e float64
		hi, e = twoSum(hi, p)
		lo += e + q
		if math.IsInf(hi, 0) {
			return exactDistance{hi: math.Inf(1)}
		}
	}
	hi, lo = twoSum(hi, lo)
	return exactDistance{hi: hi, lo: lo}
}

// less reports whether a < b.
func (a exactDistance) less(b exactDistance) bool {
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)
}

// reference holds, for every point of a case, whether it contains a NaN,
// and for every centroid its exact squared distance to the point and
// whether the kernels may choose it at all.
type reference[F Float] struct {
	points, centroids []F
	dim, n, k         int

	nanPoint []bool
	// eligible[i*k+c] is false when the distance of point i to centroid c
	// is NaN in floating point: c holds a NaN, or an infinity of x meets
	// an infinity of the same sign in c.
	eligible []bool
	dist     []exactDistance

	// exact is set when the data are integers. Where the smallest distance
	// is an integer below 2²⁴, every kernel computes it exactly, so the
	// distance must match bit for bit and the label must be the lowest
	// index among exact ties.
	exact bool
}

func hasNaN[F Float](v []F) bool {
	return slices.ContainsFunc(v, func(x F) bool { return x != x })
}

func isInf[F Float](v F, sign int) bool { return math.IsInf(float64(v), sign) }

// newReference computes the exact distances of every point to every
// centroid. The cost is n·k·dim double-double operations.
func newReference[F Float](points, centroids []F, dim int) *reference[F] {
	n, k := len(points)/dim, len(centroids)/dim
	r := &reference[F]{
		points: points, centroids: centroids, dim: dim, n: n, k: k,
		nanPoint: make([]bool, n),
		eligible: make([]bool, n*k),
		dist:     make([]exactDistance, n*k),
	}
	nanCentroid := make([]bool, k)
	infCentroid := make([]bool, k)
	for c := range k {
		row := centroids[c*dim : (c+1)*dim]
		nanCentroid[c] = hasNaN(row)
		infCentroid[c] = slices.ContainsFunc(row, func(v F) bool { return isInf(v, 0) })
	}
	for i := range n {
		x := points[i*dim : (i+1)*dim]
		if hasNaN(x) {
			r.nanPoint[i] = true
			continue
		}
		infPoint := slices.ContainsFunc(x, func(v F) bool { return isInf(v, 0) })
		for c := range k {
			if nanCentroid[c] {
				continue
			}
			row := centroids[c*dim : (c+1)*dim]
			if !infPoint && !infCentroid[c] {
				r.eligible[i*k+c] = true
				r.dist[i*k+c] = exactSquaredDistance(x, row)
				continue
			}
			// An infinity on either side: the difference is NaN where
			// both are infinite with the same sign, else ±Inf.
			eligible, infinite := true, false
			for j := range dim {
				xi, ci := isInf(x[j], 0), isInf(row[j], 0)
				switch {
				case xi && ci && (x[j] > 0) == (row[j] > 0):
					eligible = false
				case xi || ci:
					infinite = true
				}
			}
			r.eligible[i*k+c] = eligible
			if infinite {
				r.dist[i*k+c] = exactDistance{hi: math.Inf(1)}
			}
		}
	}
	return r
}

// rowsEqual reports whether centroids a and b compare equal coordinate by
// coordinate, so that every kernel computes the same distance for both.
func (r *reference[F]) rowsEqual(a, b int) bool {
	return slices.Equal(r.centroids[a*r.dim:(a+1)*r.dim], r.centroids[b*r.dim:(b+1)*r.dim])
}

// checkRow returns a description of how label and distance of point i break
// the accuracy contract, or "" when they keep it.
func (r *reference[F]) checkRow(i int, label int32, dist F) string {
	k := r.k
	if r.nanPoint[i] {
		if label != -1 || dist == dist {
			return fmt.Sprintf("point holds a NaN: got label %d distance %v, want -1 and NaN", label, dist)
		}
		return ""
	}
	first := slices.Index(r.eligible[i*k:(i+1)*k], true)
	if first < 0 {
		if label != -1 || dist == dist {
			return fmt.Sprintf("every distance is NaN: got label %d distance %v, want -1 and NaN", label, dist)
		}
		return ""
	}
	if label < 0 || int(label) >= k {
		return fmt.Sprintf("got label %d distance %v, want a label in [0, %d)", label, dist, k)
	}
	if !r.eligible[i*k+int(label)] {
		return fmt.Sprintf("got label %d, whose distance is NaN (centroid %d is eligible)", label, first)
	}
	if dist != dist || dist < 0 {
		return fmt.Sprintf("got label %d distance %v, want a distance ≥ 0", label, dist)
	}

	best := first
	for c := first + 1; c < k; c++ {
		if r.eligible[i*k+c] && r.dist[i*k+c].less(r.dist[i*k+best]) {
			best = c
		}
	}
	for c := range int(label) {
		if r.eligible[i*k+c] && r.rowsEqual(c, int(label)) {
			return fmt.Sprintf("got label %d, but centroid %d is the same row and has the lower index", label, c)
		}
	}

	tol := float64(r.dim+2) * epsilon[F]()
	abs := float64(2*r.dim+2) * smallestNonzero[F]()
	dl, dmin := r.dist[i*k+int(label)], r.dist[i*k+best]

	if r.exact && dmin.lo == 0 && dmin.hi < 0x1p24 {
		if int(label) != best || float64(dist) != dmin.hi {
			return fmt.Sprintf("got label %d distance %v, want %d and %v exactly", label, dist, best, dmin.hi)
		}
		return ""
	}

	// D = +Inf is correct only when the distance overflows F for every
	// eligible centroid, and the label is then the first eligible one.
	if isInf(dist, 1) {
		if dmin.hi*(1+tol) < maxFinite[F]() {
			return fmt.Sprintf("got label %d distance +Inf, want label %d distance %v", label, best, dmin.hi)
		}
		if int(label) != first {
			return fmt.Sprintf("got label %d distance +Inf, want the first centroid with a non-NaN distance, %d", label, first)
		}
		return ""
	}
	if math.IsInf(dl.hi, 1) {
		return fmt.Sprintf("got label %d distance %v, but the exact distance overflows (best is centroid %d at %v)", label, dist, best, dmin.hi)
	}
	if err := math.Abs((float64(dist) - dl.hi) - dl.lo); err > tol*dl.hi+abs {
		return fmt.Sprintf("got label %d distance %v, exact distance %.17g: error %.3g exceeds %.3g",
			label, dist, dl.hi, err, tol*dl.hi+abs)
	}
	if excess := (dl.hi - dmin.hi) + (dl.lo - dmin.lo); excess > 2*tol*dmin.hi+abs {
		return fmt.Sprintf("got label %d at exact distance %.17g, but centroid %d is at %.17g",
			label, dl.hi, best, dmin.hi)
	}
	return ""
}

// check returns the contract violations of labels and dists, at most max of
// them, one per line, each naming the point.
func (r *reference[F]) check(labels []int32, dists []F, max int) string {
	var b strings.Builder
	count := 0
	for i := range r.n {
		msg := r.checkRow(i, labels[i], dists[i])
		if msg == "" {
			continue
		}
		if count < max {
			row := r.points[i*r.dim : (i+1)*r.dim]
			more := ""
			if len(row) > 8 {
				row, more = row[:8], " …"
			}
			fmt.Fprintf(&b, "\n\tpoint %d %v%s: %s", i, row, more, msg)
		}
		count++
	}
	if count > max {
		fmt.Fprintf(&b, "\n\t… and %d more", count-max)
	}
	return b.String()
}
