package vecfit

import "math"

// nearestGeneric is the reference nearest-centroid kernel. For each point i
// it sets labels[i] and dists[i] to the index of, and squared Euclidean
// distance to, the nearest row of centroids:
//
//	for i := range labels {
//		best, label := +Inf, -1
//		for c := range k {
//			d := Σ_j (points[i*dim+j] - centroids[c*dim+j])²
//			if d < best { best, label = d, c }
//		}
//	}
//
// followed by the rules for NaN and +Inf in nearestRow. The caller has
// checked the lengths: len(dists) == len(labels) == len(points)/dim.
func nearestGeneric[F Float](labels []int32, dists []F, points, centroids []F, dim, _ int) {
	for i := range labels {
		labels[i], dists[i] = nearestRow(points[i*dim:(i+1)*dim], centroids, dim)
	}
}

// nearestRow returns the nearest centroid of one point and the squared
// distance to it. A centroid whose distance is NaN is never chosen. When no
// distance is below +Inf, the first centroid at distance +Inf is chosen, and
// when every distance is NaN (the point holds a NaN, or every centroid
// does), the label is −1 and the distance NaN.
func nearestRow[F Float](x, centroids []F, dim int) (int32, F) {
	best, label := F(math.Inf(1)), int32(-1)
	k := len(centroids) / dim
	for c := range k {
		d := squaredDistance(x, centroids[c*dim:(c+1)*dim])
		if d < best {
			best, label = d, int32(c)
		}
	}
	if label >= 0 {
		return label, best
	}
	for c := range k {
		if d := squaredDistance(x, centroids[c*dim:(c+1)*dim]); !math.IsNaN(float64(d)) {
			return int32(c), d
		}
	}
	return -1, F(math.NaN())
}

// squaredDistance returns Σ (x[j] − c[j])², summed in order.
func squaredDistance[F Float](x, c []F) F {
	c = c[:len(x)]
	var sum F
	for j, v := range x {
		t := v - c[j]
		sum += t * t
	}
	return sum
}
