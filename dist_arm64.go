//go:build !purego

package vecfit

// The NEON nearest-centroid kernels in dist_arm64.s. Each sets labels[i]
// and dists[i] for every point i < len(labels), reading groups packed
// groups of centroids (see packCentroids). A point whose minimum distance
// is +Inf gets distance +Inf and an arbitrary label, and the caller
// settles it.

// nearestNEONF32_4x4 compares 4 points at a time with groups of 16 centroids.
//
//go:noescape
func nearestNEONF32_4x4(labels []int32, dists []float32, points, packed []float32, dim, groups int)

// nearestNEONF32_8x1 compares 8 points at a time with groups of 4 centroids.
//
//go:noescape
func nearestNEONF32_8x1(labels []int32, dists []float32, points, packed []float32, dim, groups int)

// nearestNEONF64_4x4 compares 4 points at a time with groups of 8 centroids.
//
//go:noescape
func nearestNEONF64_4x4(labels []int32, dists []float64, points, packed []float64, dim, groups int)

// nearestNEONF64_8x1 compares 8 points at a time with groups of 2 centroids.
//
//go:noescape
func nearestNEONF64_8x1(labels []int32, dists []float64, points, packed []float64, dim, groups int)

// ridgeNEONF32 adds Σᵢ rᵢ·X[i] to grad and returns Σᵢ rᵢ² and Σᵢ rᵢ, for
// rᵢ = X[i]·w + b − y[i] over the len(y) rows of X (len(w) columns). It
// takes 4 rows at a time (see dist_arm64.s).
//
//go:noescape
func ridgeNEONF32(grad, X, y, w []float32, b float32) (sumSq, sum float32)

// ridgeNEONF64 is ridgeNEONF32 for float64.
//
//go:noescape
func ridgeNEONF64(grad, X, y, w []float64, b float64) (sumSq, sum float64)

// gramNEON adds ZᵀZ to the upper triangle of the ds×ds matrix G, for Z
// holding rows of stride values of which the first ds count, ds a multiple
// of 8. It computes tiles of 4×8 entries and may add to entries below the
// diagonal too.
//
//go:noescape
func gramNEON(G, Z []float64, ds, stride int)
