// Package vecfit computes two L2 objectives in SIMD assembly. The first is
// the k-means clustering loss: the nearest centroid of each point and its
// squared distance, the loss, its gradient and a full fit. The second is
// ridge regression: mean squared error plus λ‖w‖², its gradient and the
// closed-form fit.
//
// The hot loops run in SIMD assembly chosen once at start from what the CPU
// supports (AVX-512 or AVX2 with FMA on amd64, NEON on arm64). A pure-Go
// kernel serves every other CPU and every build with the purego tag, and is
// the reference that each assembly kernel is tested against.
//
// # Accuracy
//
// Squared distances are computed from coordinate differences, never from the
// expansion ‖x‖² + ‖c‖² − 2x·c, so they stay accurate for data far from the
// origin. With ε = 2⁻²³ for float32 and 2⁻⁵² for float64, d(j) the exact
// squared distance of a point to centroid j and L the returned label:
//
//   - the returned distance D satisfies |D − d(L)| ≤ (dim+2)·ε·d(L) and is
//     never negative;
//   - d(L) ≤ min_j d(j)·(1 + 2·(dim+2)·ε);
//   - where the computed distances to two centroids are equal, the lower
//     index wins. Exact ties thus go to the lowest index where distances
//     are computed exactly, as for float32 integers with squared distances
//     below 2²⁴. Elsewhere, equal exact distances can round apart.
//
// A point holding a NaN gets label −1 and distance NaN, and so does a point
// whose distance to every centroid is NaN for another reason (every
// centroid holds a NaN, or infinities of the same sign cancel). A centroid
// holding a NaN is never chosen. +Inf is an ordinary, largest distance.
//
// A squared distance too large for the element type comes out +Inf. One in
// the subnormal range may lose its relative accuracy, and one below it
// becomes 0: float32 [1e-30] against [0] gives 0, as 1e-60 is below the
// smallest float32 subnormal. Rounding can also carry a sum just below the
// maximum to +Inf. The contract therefore holds for squared distances
// between the type's smallest normal value and (1 − (dim+2)·ε) times its
// maximum (about 1.2e-38 and 3.4e38 for float32).
package vecfit

import "errors"

// Float is the set of element types that every function of the package takes.
type Float interface {
	float32 | float64
}

// Errors returned for invalid input. Each returned error wraps one of them,
// so callers can test with errors.Is, and its message names the offending
// lengths, rows or values. The exception is a canceled [KMeansContext],
// whose error wraps the context's error instead.
var (
	// ErrDim reports a dimension below 1.
	ErrDim = errors.New("vecfit: invalid dimension")
	// ErrLength reports a slice whose length does not match the others.
	ErrLength = errors.New("vecfit: invalid slice length")
	// ErrNoCentroids reports an empty set of centroids.
	ErrNoCentroids = errors.New("vecfit: no centroids")
	// ErrNaN reports a NaN or an infinity where finite values are required.
	ErrNaN = errors.New("vecfit: NaN or infinite value")
	// ErrOption reports an invalid option value.
	ErrOption = errors.New("vecfit: invalid option")
	// ErrSingular reports a linear system without a unique solution.
	ErrSingular = errors.New("vecfit: singular system")
	// ErrKernel reports a kernel name that this CPU or build does not have.
	ErrKernel = errors.New("vecfit: kernel not available")
)
