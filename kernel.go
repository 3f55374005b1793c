package vecfit

import (
	"fmt"
	"math"
)

// A kernel is one implementation of the package's hot loops. The generic
// kernel is always present. The assembly kernels are listed only when the
// CPU and the operating system support their instructions.
type kernel struct {
	name string

	// nearest32 and nearest64 return the nearest-centroid kernel to use
	// for k centroids of dim coordinates.
	nearest32 func(k, dim int) nearestKernel[float32]
	nearest64 func(k, dim int) nearestKernel[float64]

	// dot32 and dot64, when not nil, return the expansion kernel (see
	// dotKernel) for k centroids of dim coordinates, or one with a nil fn
	// where the difference kernels are faster.
	dot32 func(k, dim int) dotKernel[float32]
	dot64 func(k, dim int) dotKernel[float64]

	// ridge32 and ridge64 are the fused ridge kernels. Each makes one pass
	// over a block of rows of X, forming each row's residual
	// r = X[i]·w + b − y[i] and adding r·X[i] into grad (zeroed by the
	// caller); it returns Σr² and Σr. ridgeGeneric states the exact loop.
	// A kernel that leaves these or gram64 nil gets the generic ones (see
	// ridgeFor and gramFor).
	ridge32 func(grad, X, y, w []float32, b float32) (sumSq, sum float32)
	ridge64 func(grad, X, y, w []float64, b float64) (sumSq, sum float64)

	// ridgeBlocks32 and ridgeBlocks64, when not nil, return for rows of
	// dim columns a kernel that runs the fused ridge kernel on the first
	// blocks·ridgeBlockRows rows and adds each block's Σr², Σr and
	// gradient to out in float64. That is what ridgeEval does after each
	// call of the fused kernel on one block, with the same result. They
	// return nil for the dims they do not serve.
	ridgeBlocks32 func(dim int) func(out []float64, X, y, w []float32, b float32, blocks int)
	ridgeBlocks64 func(dim int) func(out []float64, X, y, w []float64, b float64, blocks int)

	// gram64 adds ZᵀZ to the upper triangle of the ds×ds matrix G, for Z
	// holding rows of stride values of which the first ds count, ds a
	// multiple of 8. gramGeneric states the exact loop. The assembly
	// kernels also write some entries just below the diagonal (gramAVX2
	// up to 12 columns left of it), so only the upper triangle of G is
	// meaningful.
	gram64 func(G, Z []float64, ds, stride int)

	// gramAhead64, when not nil, is gram64 that may also prefetch the
	// memory of next into the L2 cache while it runs, for FitRidge to
	// fetch the next block of X while the Gram product keeps the core
	// busy (see gramAheadFor). Only avx512 has one, and it prefetches
	// for more than 16 columns only.
	gramAhead64 func(G, Z []float64, ds, stride int, next []byte)

	// colSums32/64 and centre32/64 are the row kernels of FitRidge. They
	// cover the first len(sums) or len(mean) columns of each row, a
	// multiple of 4, as colSumsGeneric and centreGeneric state. A kernel
	// that leaves them nil gets the generic ones.
	colSums32 func(sums []float64, X []float32, dim, rows int)
	colSums64 func(sums []float64, X []float64, dim, rows int)
	centre32  func(z []float64, X []float32, t, mean, xty []float64, dim, stride int)
	centre64  func(z []float64, X []float64, t, mean, xty []float64, dim, stride int)

	// scaleRows multiplies z[r·stride : r·stride+width] by √w[r] for each
	// r < len(w), with width a multiple of 4 and z long enough for every
	// row: the weighted Gram pass of FitRidge. A kernel that leaves it
	// nil gets scaleRowsGeneric.
	scaleRows func(z, w []float64, width, stride int)

	// dotProduct returns Σ x[i]·y[i] for len(y) ≥ len(x). The Cholesky
	// factorisation of FitRidge calls it. A kernel that leaves it nil
	// gets dot.
	dotProduct func(x, y []float64) float64

	// blockDots sets out[p·4+q] = Σ a[(i+p)·stride+k]·a[(j+q)·stride+k]
	// over k < n (a multiple of 4), for p < 2 and q < 4: the inner
	// products of two rows with four. The Cholesky factorisation calls it
	// (see choleskySolve). A kernel that leaves it nil gets
	// blockDotsGeneric.
	blockDots func(out *[8]float64, a []float64, stride, i, j, n int)

	// settled32 and settled64 report whether every distance is below +Inf,
	// so that the search can skip settling points one by one. A kernel
	// that leaves them nil gets settledGeneric.
	settled32 func(dists []float32) bool
	settled64 func(dists []float64) bool

	// distances32 and distances64 set dists[i] to the squared distance
	// from point i to the single centroid c (distancesGeneric states the
	// loop). k-means++ seeding calls them once per candidate. A kernel
	// that leaves them nil gets distancesGeneric.
	distances32 func(dists, points, c []float32, dim int)
	distances64 func(dists, points, c []float64, dim int)
}

// nearestKernel is one nearest-centroid kernel. It sets labels[i] and
// dists[i] for every point, reading centroids packed in groups of block (see
// packCentroids), or row by row when block is 0. groups is the number of
// packed groups. The caller has checked every length, and settles points
// whose distance comes out +Inf or NaN (see search.rows).
type nearestKernel[F Float] struct {
	fn    func(labels []int32, dists []F, points, centroids []F, dim, groups int)
	block int

	// checked, when not nil, is fn that also reports whether every
	// distance it set is below +Inf, which spares the search a scan of
	// the distances.
	checked func(labels []int32, dists []F, points, centroids []F, dim, groups int) bool
}

// kernels lists every kernel this CPU can run, fastest first. It is built
// once at start and never changed.
var kernels = append(assemblyKernels(), genericKernel)

var genericKernel = &kernel{
	name: "generic",
	nearest32: func(int, int) nearestKernel[float32] {
		return nearestKernel[float32]{fn: nearestGeneric[float32]}
	},
	nearest64: func(int, int) nearestKernel[float64] {
		return nearestKernel[float64]{fn: nearestGeneric[float64]}
	},
	ridge32: ridgeGeneric[float32],
	ridge64: ridgeGeneric[float64],
	gram64:  gramGeneric,
}

// Kernel returns the name of the kernel that the package uses: "avx512",
// "avx2", "neon" or "generic".
func Kernel() string { return kernels[0].name }

// Kernels returns the names of all kernels that this CPU and build can run,
// fastest first. Any of them can be named in [Options.Kernel].
func Kernels() []string {
	names := make([]string, len(kernels))
	for i, k := range kernels {
		names[i] = k.name
	}
	return names
}

// lookupKernel returns the kernel with the given name, or the default kernel
// when the name is empty.
func lookupKernel(name string) (*kernel, error) {
	if name == "" {
		return kernels[0], nil
	}
	for _, k := range kernels {
		if k.name == name {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: %q (this CPU and build have %v)", ErrKernel, name, Kernels())
}

// maxPackedCentroids bounds k for the packed kernels, which carry centroid
// indices as floating-point lane values: float32 holds every integer up to
// 2²⁴ exactly. Larger k falls back to the generic kernel.
const maxPackedCentroids = 1 << 24

// nearestFor returns the kernel's nearest-centroid kernel for F and k
// centroids of dim coordinates.
func nearestFor[F Float](kern *kernel, k, dim int) nearestKernel[F] {
	var zero F
	if _, ok := any(zero).(float32); ok {
		return any(kern.nearest32(k, dim)).(nearestKernel[F])
	}
	return any(kern.nearest64(k, dim)).(nearestKernel[F])
}

// dotFor returns the kernel's expansion kernel for F and k centroids of dim
// coordinates. Its fn is nil when the kernel has none for that shape.
func dotFor[F Float](kern *kernel, k, dim int) dotKernel[F] {
	var zero F
	if _, ok := any(zero).(float32); ok {
		if kern.dot32 == nil {
			return dotKernel[F]{}
		}
		return any(kern.dot32(k, dim)).(dotKernel[F])
	}
	if kern.dot64 == nil {
		return dotKernel[F]{}
	}
	return any(kern.dot64(k, dim)).(dotKernel[F])
}

// packCentroids lays out the k centroids (rows of dim values) in groups of
// block: group g holds, for each coordinate j in turn, coordinate j of
// centroids g·block … g·block+block−1. A kernel can then load one vector per
// coordinate and compare a point with block centroids without horizontal
// sums. The last group is padded with NaN centroids, which are never chosen.
func packCentroids[F Float](centroids []F, dim, block int) []F {
	k := len(centroids) / dim
	return packGroups(centroids, dim, block, (k+block-1)/block)
}

// packGroups is packCentroids into groups groups, which must be enough
// for the centroids. Groups past the last centroid hold only NaN.
func packGroups[F Float](centroids []F, dim, block, groups int) []F {
	k := len(centroids) / dim
	packed := make([]F, groups*dim*block)
	nan := F(math.NaN())
	for g := range groups {
		out := packed[g*dim*block : (g+1)*dim*block]
		first := min(g*block, k)
		lanes := min(block, k-first)
		rows := centroids[first*dim : (first+lanes)*dim]
		if dim*block <= packStripMin {
			for lane := range lanes {
				for j, v := range rows[lane*dim : (lane+1)*dim] {
					out[j*block+lane] = v
				}
			}
		} else {
			// Row by row, each value would land in another cache line,
			// more lines than L1 holds. Strips of packStrip coordinates
			// fill a few lines at a time.
			for j0 := 0; j0 < dim; j0 += packStrip {
				for j := j0; j < min(j0+packStrip, dim); j++ {
					o := out[j*block : j*block+lanes]
					for lane := range o {
						o[lane] = rows[lane*dim+j]
					}
				}
			}
		}
		if lanes < block {
			for j := range dim {
				for lane := lanes; lane < block; lane++ {
					out[j*block+lane] = nan
				}
			}
		}
	}
	return packed
}

// packStrip is the number of coordinates that packGroups moves per
// centroid in one pass over a group of more than packStripMin values.
// Against one row per lane, on one core of an AMD EPYC (Zen 5), packing
// 1024 centroids of 768 float32 coordinates in groups of 32 went from
// 0.89 to 0.44 ms and 256 of 128 from 27 to 19 µs. Below packStripMin the
// strips cost more than they save.
const (
	packStrip    = 16
	packStripMin = 1024
)

// settledFor returns the kernel's check that every distance is below +Inf,
// or the generic one when the kernel has none.
func settledFor[F Float](k *kernel) func(dists []F) bool {
	var zero F
	if _, ok := any(zero).(float32); ok && k.settled32 != nil {
		return any(k.settled32).(func([]F) bool)
	}
	if _, ok := any(zero).(float64); ok && k.settled64 != nil {
		return any(k.settled64).(func([]F) bool)
	}
	return settledGeneric[F]
}

// distancesFor returns the kernel's single-centroid distance kernel, or the
// generic one when the kernel has none.
func distancesFor[F Float](k *kernel) func(dists, points, c []F, dim int) {
	var zero F
	if _, ok := any(zero).(float32); ok && k.distances32 != nil {
		return any(k.distances32).(func(dists, points, c []F, dim int))
	}
	if _, ok := any(zero).(float64); ok && k.distances64 != nil {
		return any(k.distances64).(func(dists, points, c []F, dim int))
	}
	return distancesGeneric[F]
}

// colSumsFor returns the kernel's column-sum kernel for F, or the generic
// one when the kernel has none.
func colSumsFor[F Float](k *kernel) func(sums []float64, X []F, dim, rows int) {
	var zero F
	if _, ok := any(zero).(float32); ok && k.colSums32 != nil {
		return any(k.colSums32).(func([]float64, []F, int, int))
	}
	if _, ok := any(zero).(float64); ok && k.colSums64 != nil {
		return any(k.colSums64).(func([]float64, []F, int, int))
	}
	return colSumsGeneric[F]
}

// centreFor returns the kernel's centring kernel for F, or the generic
// one when the kernel has none.
func centreFor[F Float](k *kernel) func(z []float64, X []F, t, mean, xty []float64, dim, stride int) {
	var zero F
	if _, ok := any(zero).(float32); ok && k.centre32 != nil {
		return any(k.centre32).(func([]float64, []F, []float64, []float64, []float64, int, int))
	}
	if _, ok := any(zero).(float64); ok && k.centre64 != nil {
		return any(k.centre64).(func([]float64, []F, []float64, []float64, []float64, int, int))
	}
	return centreGeneric[F]
}

// scaleRowsFor returns the kernel's scaleRows, or scaleRowsGeneric when
// the kernel has none.
func scaleRowsFor(k *kernel) func(z, w []float64, width, stride int) {
	if k.scaleRows != nil {
		return k.scaleRows
	}
	return scaleRowsGeneric
}

// dotProductFor returns the kernel's dot product, or dot when the kernel
// has none.
func dotProductFor(k *kernel) func(x, y []float64) float64 {
	if k.dotProduct != nil {
		return k.dotProduct
	}
	return dot
}

// blockDotsFor returns the kernel's blockDots, or blockDotsGeneric when
// the kernel has none.
func blockDotsFor(k *kernel) func(out *[8]float64, a []float64, stride, i, j, n int) {
	if k.blockDots != nil {
		return k.blockDots
	}
	return blockDotsGeneric
}

// ridgeFor returns the kernel's fused ridge kernel for F, or the generic
// one when the kernel has none.
func ridgeFor[F Float](k *kernel) func(grad, X, y, w []F, b F) (sumSq, sum F) {
	var zero F
	if _, ok := any(zero).(float32); ok {
		fn := k.ridge32
		if fn == nil {
			fn = genericKernel.ridge32
		}
		return any(fn).(func(grad, X, y, w []F, b F) (sumSq, sum F))
	}
	fn := k.ridge64
	if fn == nil {
		fn = genericKernel.ridge64
	}
	return any(fn).(func(grad, X, y, w []F, b F) (sumSq, sum F))
}

// ridgeBlocksFor returns the kernel's block ridge kernel for F and rows of
// dim columns, or nil when it has none for them.
func ridgeBlocksFor[F Float](k *kernel, dim int) func(out []float64, X, y, w []F, b F, blocks int) {
	var zero F
	if _, ok := any(zero).(float32); ok {
		if k.ridgeBlocks32 == nil {
			return nil
		}
		if fn := k.ridgeBlocks32(dim); fn != nil {
			return any(fn).(func(out []float64, X, y, w []F, b F, blocks int))
		}
		return nil
	}
	if k.ridgeBlocks64 == nil {
		return nil
	}
	if fn := k.ridgeBlocks64(dim); fn != nil {
		return any(fn).(func(out []float64, X, y, w []F, b F, blocks int))
	}
	return nil
}

// gramAheadFor returns the kernel's prefetching Gram kernel, or its Gram
// kernel with next ignored.
func gramAheadFor(k *kernel) func(G, Z []float64, ds, stride int, next []byte) {
	if k.gramAhead64 != nil {
		return k.gramAhead64
	}
	gram := gramFor(k)
	return func(G, Z []float64, ds, stride int, _ []byte) { gram(G, Z, ds, stride) }
}

// gramFor returns the kernel's Gram kernel, or the generic one when the
// kernel has none.
func gramFor(k *kernel) func(G, Z []float64, ds, stride int) {
	if k.gram64 == nil {
		return genericKernel.gram64
	}
	return k.gram64
}
