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

// ridgeGeneric is the reference ridge kernel: one pass over the rows of X
// that forms each row's residual and adds its share of the gradient. With
// n = len(y) rows of dim = len(w) columns, it computes
//
//	for i := range n {
//		r := b - y[i]
//		for j := range dim { r += X[i*dim+j] * w[j] }
//		sumSq += r * r
//		sum += r
//		for j := range dim { grad[j] += r * X[i*dim+j] }
//	}
//	return sumSq, sum
//
// adding into grad, which the caller has zeroed. The assembly kernels
// compute the same sums in another order, so they agree with this loop to
// rounding only. The caller has checked that len(X) == n·dim and
// len(grad) == dim, and keeps n small (a block of rows) so that the sums
// in F stay accurate.
func ridgeGeneric[F Float](grad, X, y, w []F, b F) (sumSq, sum F) {
	dim := len(w)
	grad = grad[:dim]
	for i, yi := range y {
		x := X[i*dim : (i+1)*dim]
		r := b - yi
		for j, v := range x {
			r += v * w[j]
		}
		sumSq += r * r
		sum += r
		for j, v := range x {
			grad[j] += r * v
		}
	}
	return sumSq, sum
}

// gramGeneric is the reference Gram kernel. Z holds rows of stride ≥ ds
// values of which the first ds count, ds a multiple of 8, and G is ds×ds,
// row-major. It adds ZᵀZ to the upper triangle of G:
//
//	for r := range len(Z) / stride {
//		for i := range ds {
//			for j := i; j < ds; j++ {
//				G[i*ds+j] += Z[r*stride+i] * Z[r*stride+j]
//			}
//		}
//	}
//
// An assembly kernel may add the same sums, in any order, to entries below
// the diagonal too; the caller reads only the upper triangle.
func gramGeneric(G, Z []float64, ds, stride int) {
	for r := range len(Z) / stride {
		z := Z[r*stride : r*stride+ds]
		for i, zi := range z {
			g := G[i*ds+i : (i+1)*ds]
			for j, zj := range z[i:] {
				g[j] += zi * zj
			}
		}
	}
}

// settledGeneric reports whether every element of dists is below +Inf, which
// also excludes NaN.
func settledGeneric[F Float](dists []F) bool {
	inf := F(math.Inf(1))
	for _, d := range dists {
		if !(d < inf) {
			return false
		}
	}
	return true
}

// distancesGeneric sets dists[i] to the squared distance from point i (a
// row of dim values of points) to c:
//
//	for i := range dists {
//		dists[i] = Σ_j (points[i*dim+j] - c[j])²
//	}
func distancesGeneric[F Float](dists, points, c []F, dim int) {
	for i := range dists {
		dists[i] = squaredDistance(points[i*dim:(i+1)*dim], c)
	}
}

// colSumsGeneric is the reference column-sum kernel: it adds column c of
// each of the rows rows of X (rows of dim values) into sums[c], for the
// first len(sums) columns.
func colSumsGeneric[F Float](sums []float64, X []F, dim, rows int) {
	for r := range rows {
		for c, v := range X[r*dim : r*dim+len(sums)] {
			sums[c] += float64(v)
		}
	}
}

// scaleRowsGeneric multiplies z[r·stride : r·stride+width] by √w[r] for
// each r < len(w).
func scaleRowsGeneric(z, w []float64, width, stride int) {
	for r, wr := range w {
		s := math.Sqrt(wr)
		row := z[r*stride : r*stride+width]
		for j := range row {
			row[j] *= s
		}
	}
}

// centreGeneric is the reference centring kernel. For the first
// len(mean) columns of the len(t) rows of X (rows of dim values) it sets
// z[r·stride+c] = X[r·dim+c] − mean[c] and adds t[r]·z[r·stride+c] to
// xty[c].
func centreGeneric[F Float](z []float64, X []F, t, mean, xty []float64, dim, stride int) {
	for r, tr := range t {
		zr := z[r*stride : r*stride+len(mean)]
		for c, v := range X[r*dim : r*dim+len(mean)] {
			zr[c] = float64(v) - mean[c]
			xty[c] += tr * zr[c]
		}
	}
}
