package vecfit

import (
	"fmt"
	"math"
	"unsafe"
)

// LossGrad returns Loss(points, centroids, dim) and, where gradPoints or
// gradCentroids is not nil, writes the gradient of the loss with respect to
// every point or every centroid. With n points, a(i) the label of point i
// and L = (1/n) Σᵢ ‖xᵢ − c_a(i)‖²:
//
//	∂L/∂xᵢ = (2/n)(xᵢ − c_a(i))
//	∂L/∂cⱼ = (2/n) Σ_{a(i)=j} (cⱼ − xᵢ)
//
// Each point gradient is computed in float64 and rounded once. Each
// centroid gradient is summed in float64 in point order, so the result does
// not depend on the number of goroutines. Where that sum leaves the
// float64 range on the way, it is formed again with each term's exponent
// kept apart, so that a finite gradient comes out finite. A centroid that
// is no point's nearest gets a zero gradient. gradPoints must hold at least
// len(points) values and gradCentroids at least len(centroids). Either may
// share memory with points or centroids, such as gradPoints = points for
// an update in place: the gradients are written only after the inputs
// have been read. The two outputs must not share memory with each other,
// which is an error wrapping [ErrLength].
//
// An infinite coordinate gives an infinite distance and a loss of +Inf.
// The gradients then follow float64 arithmetic, so they can be ±Inf, or
// NaN where +Inf meets −Inf in a centroid's sum, with no error.
//
// A point that holds a NaN has no nearest centroid (label −1, see
// [Nearest]), nor has any point when every centroid holds a NaN. Such
// points contribute nothing to the centroid gradients and their rows of
// gradPoints are set to 0. The loss is then NaN, as [Loss] returns, and
// LossGrad still writes the gradients but returns an error that wraps
// [ErrNaN] and states how many points have no label and the first of
// their rows.
func LossGrad[F Float](gradPoints, gradCentroids []F, points, centroids []F, dim int) (F, error) {
	return lossGradWith(Options{}, gradPoints, gradCentroids, points, centroids, dim)
}

// lossGradWith is LossGrad with options.
func lossGradWith[F Float](opts Options, gradPoints, gradCentroids []F, points, centroids []F, dim int) (F, error) {
	n, err := checkNearest(len(points), len(centroids), dim)
	if err != nil {
		return 0, err
	}
	if gradPoints != nil && len(gradPoints) < len(points) {
		return 0, fmt.Errorf("%w: gradPoints has length %d, want at least %d (the length of points)",
			ErrLength, len(gradPoints), len(points))
	}
	if gradCentroids != nil && len(gradCentroids) < len(centroids) {
		return 0, fmt.Errorf("%w: gradCentroids has length %d, want at least %d (the length of centroids)",
			ErrLength, len(gradCentroids), len(centroids))
	}
	if gradPoints != nil && gradCentroids != nil && overlaps(gradPoints[:len(points)], gradCentroids[:len(centroids)]) {
		return 0, fmt.Errorf("%w: gradPoints and gradCentroids share memory; pass separate slices", ErrLength)
	}
	if n == 0 {
		if gradCentroids != nil {
			clear(gradCentroids[:len(centroids)])
		}
		return 0, nil
	}

	labels := make([]int32, n)
	dists := make([]F, n)
	if err := NearestWith(opts, labels, dists, points, centroids, dim); err != nil {
		return 0, err
	}

	// The loss sums per block of blockRows points and then adds the block
	// sums in order, as Inertia does, so that it equals Loss bit for bit.
	var total distanceSum
	for lo := 0; lo < n; lo += blockRows {
		total = total.add(sumDistances(dists[lo:min(lo+blockRows, n)]))
	}
	loss := F(total.mean(n))

	// Every read of points and centroids comes before the first write to
	// gradPoints or gradCentroids, so that either may share their memory.
	scale := 2 / float64(n)
	// The gradients of the centroids that are some point's nearest, until
	// they are written.
	var rows []int32
	var grads []float64
	if gradCentroids != nil {
		rows, grads = centroidGradients(labels, points, centroids, dim, scale)
	}
	if gradPoints != nil {
		// Row i of gradPoints depends only on row i of points and on the
		// centroids, so gradPoints may be points itself unless it also
		// covers a centroid. Any other overlap goes through a copy.
		out := gradPoints[:len(points)]
		if overlaps(out, centroids) || (overlaps(out, points) && !sameStart(out, points)) {
			out = make([]F, len(points))
		}
		for i, l := range labels {
			g := out[i*dim : (i+1)*dim]
			if l < 0 {
				clear(g)
				continue
			}
			c := centroids[int(l)*dim : int(l+1)*dim]
			for j, x := range points[i*dim : (i+1)*dim] {
				g[j] = F(scaledDifference(scale, float64(x), float64(c[j])))
			}
		}
		copy(gradPoints, out)
	}
	for l, r := range rows {
		out := gradCentroids[l*dim : (l+1)*dim]
		if r < 0 {
			clear(out)
			continue
		}
		for j, g := range grads[int(r)*dim : int(r+1)*dim] {
			out[j] = F(g)
		}
	}

	nan, first := 0, -1
	for i, l := range labels {
		if l < 0 {
			if first < 0 {
				first = i
			}
			nan++
		}
	}
	if nan > 0 {
		verb := "have"
		if nan == 1 {
			verb = "has"
		}
		return F(math.NaN()), fmt.Errorf("%w: %d of %s %s no nearest centroid because a distance is NaN; the first is row %d (counting from 0)",
			ErrNaN, nan, countNoun(n, "point"), verb, first)
	}
	return loss, nil
}

// centroidGradients returns scale·Σ(c − x) over the points x of each
// centroid c, coordinate by coordinate, summed in point order. Only the
// centroids that are some point's nearest get a row of grads, so a small
// batch against many centroids allocates little. rows[l] is the row of
// centroid l, or −1 if it has no points.
//
// A sum can leave the float64 range on the way, as ±Inf or as NaN from
// +Inf meeting −Inf. That coordinate alone is then summed again with each
// term's exponent kept apart, so that a finite gradient comes out finite
// and its small terms keep their digits.
func centroidGradients[F Float](labels []int32, points, centroids []F, dim int, scale float64) (rows []int32, grads []float64) {
	k := len(centroids) / dim
	rows = make([]int32, k)
	for l := range rows {
		rows[l] = -1
	}
	used := 0
	for _, l := range labels {
		if l >= 0 && rows[l] < 0 {
			rows[l] = int32(used)
			used++
		}
	}

	sums := make([]float64, used*dim)
	for i, l := range labels {
		if l < 0 {
			continue
		}
		c := centroids[int(l)*dim : int(l+1)*dim]
		s := sums[int(rows[l])*dim : int(rows[l]+1)*dim]
		for j, x := range points[i*dim : (i+1)*dim] {
			s[j] += float64(c[j]) - float64(x)
		}
	}
	if allFinite(sums) {
		for j, s := range sums {
			sums[j] = scale * s
		}
		return rows, sums
	}

	wide := make([]scaledSum, len(sums))
	for i, l := range labels {
		if l < 0 {
			continue
		}
		c := centroids[int(l)*dim : int(l+1)*dim]
		base := int(rows[l]) * dim
		for j, x := range points[i*dim : (i+1)*dim] {
			if isFinite(sums[base+j]) {
				continue
			}
			// Halving is exact for values large enough to overflow
			// the difference.
			m, e := math.Frexp(float64(c[j]) - float64(x))
			if math.IsInf(m, 0) {
				m, e = math.Frexp(0.5*float64(c[j]) - 0.5*float64(x))
				e++
			}
			wide[base+j] = wide[base+j].add(m, e)
		}
	}
	for j, s := range sums {
		switch w := wide[j]; {
		case isFinite(s):
			sums[j] = scale * s
		case w.exp <= 1024:
			// The sum is a float64, so scale·sum rounds once, as in
			// the plain sum, even where the result is subnormal.
			sums[j] = scale * math.Ldexp(w.frac, w.exp)
		default:
			// Above the float64 range scale·sum is far from subnormal,
			// so the one rounding is in the product.
			sums[j] = math.Ldexp(scale*w.frac, w.exp)
		}
	}
	return rows, sums
}

// scaledDifference returns scale·(a − b) in float64, also where a − b
// alone overflows and the product does not.
func scaledDifference(scale, a, b float64) float64 {
	if d := a - b; d-d == 0 {
		return scale * d
	}
	return scaledWideDifference(scale, a, b)
}

// scaledWideDifference is scaledDifference where a − b is infinite or NaN.
// It is apart, and not inlined, so that the finite case inlines.
//
//go:noinline
func scaledWideDifference(scale, a, b float64) float64 {
	return math.Ldexp(scale*(0x1p-64*a-0x1p-64*b), 64)
}

// overlaps reports whether a and b share memory.
func overlaps[F Float](a, b []F) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	size := unsafe.Sizeof(F(0))
	a0 := uintptr(unsafe.Pointer(unsafe.SliceData(a)))
	b0 := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(len(b))*size && b0 < a0+uintptr(len(a))*size
}

// sameStart reports whether a and b begin at the same address.
func sameStart[F Float](a, b []F) bool {
	return len(a) > 0 && len(b) > 0 && unsafe.SliceData(a) == unsafe.SliceData(b)
}
