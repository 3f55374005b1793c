//go:build !purego

package vecfit

// The NEON kernels in dist_arm64.s. Each sets labels[i] and dists[i] for
// every point i < len(labels), reading groups packed groups of centroids
// (see packCentroids). A point whose minimum distance is +Inf gets distance
// +Inf and an arbitrary label, and the caller settles it.

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
