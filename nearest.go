package vecfit

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// Options selects how a computation runs. The zero value uses the kernel
// that dispatch chose and up to GOMAXPROCS goroutines. Workers never
// changes a result: labels, distances and sums are the same bit for bit
// whatever the number of goroutines. Kernel may, because kernels round
// differently, each within the accuracy bound of its function. So may the
// CPU: the avx512 kernel's RidgeGrad sums rows longer than 2 KiB in
// another order on AMD Zen 5 than on other CPUs.
type Options struct {
	// Kernel names the kernel to run, one of Kernels(). Empty selects
	// Kernel(), the fastest this CPU has.
	Kernel string

	// Workers is the maximum number of goroutines. Zero or less means
	// GOMAXPROCS.
	Workers int
}

// Nearest writes, for each of the n = len(points)/dim points, the index of the
// nearest centroid (a row of centroids) to labels and the squared Euclidean
// distance to it to dists. Either output may be nil when it is not wanted;
// otherwise it must hold at least n values. n = 0 is not an error. dists
// must not share memory with points or centroids, which is an error
// wrapping [ErrLength].
//
// The package documentation states the accuracy contract and the handling
// of NaN and infinities.
func Nearest[F Float](labels []int32, dists []F, points, centroids []F, dim int) error {
	return NearestWith(Options{}, labels, dists, points, centroids, dim)
}

// NearestWith is [Nearest] with options.
func NearestWith[F Float](opts Options, labels []int32, dists []F, points, centroids []F, dim int) error {
	n, err := checkNearest(len(points), len(centroids), dim)
	if err != nil {
		return err
	}
	if err := checkOutputs(labels, dists, points, n); err != nil {
		return err
	}
	if dists != nil && overlaps(dists[:n], centroids) {
		return fmt.Errorf("%w: dists shares memory with centroids; pass a separate slice", ErrLength)
	}
	if workerCount(opts.Workers, blockCount(n), n*len(centroids)) <= 1 {
		// Small searches, such as those of k-means++ seeding, run here
		// with the search and the scratch on the stack. Through run,
		// the closure, the search and the scratch escape to the heap.
		var s search[F]
		if err := s.init(opts, centroids, dim); err != nil {
			return err
		}
		var scratch searchScratch[F]
		for lo := 0; lo < n; lo += blockRows {
			s.block(labels, dists, points, lo, min(lo+blockRows, n), &scratch)
		}
		return nil
	}
	s, err := newSearch(opts, centroids, dim)
	if err != nil {
		return err
	}
	s.run(n, func(lo, hi int, scratch *searchScratch[F]) {
		s.block(labels, dists, points, lo, hi, scratch)
	})
	return nil
}

// block sets the labels and distances of points lo to hi, in the caller's
// slices or, where the caller passed nil, in scratch.
func (s *search[F]) block(labels []int32, dists []F, points []F, lo, hi int, scratch *searchScratch[F]) {
	l, d := scratch.outputs(labels, dists, lo, hi)
	s.rows(l, d, points[lo*s.dim:hi*s.dim], scratch)
}

// Loss returns the k-means clustering loss: the mean over the points of the
// squared distance to the nearest centroid. It returns NaN when a point's
// distance is NaN (see [Nearest]) and 0 when there are no points. The mean
// is finite whenever every distance is, even where their sum overflows
// float64. It allocates only per block of points, never per point.
func Loss[F Float](points, centroids []F, dim int) (F, error) {
	sum, err := inertia(Options{}, points, centroids, dim)
	if err != nil {
		return 0, err
	}
	return F(sum.mean(len(points) / dim)), nil
}

// Inertia returns the sum over the points of the squared distance to the
// nearest centroid, accumulated in float64. The sum is formed per fixed block
// of points and the block sums are added in order, so the result does not
// depend on the number of goroutines.
func Inertia[F Float](points, centroids []F, dim int) (float64, error) {
	return InertiaWith(Options{}, points, centroids, dim)
}

// InertiaWith is [Inertia] with options.
func InertiaWith[F Float](opts Options, points, centroids []F, dim int) (float64, error) {
	sum, err := inertia(opts, points, centroids, dim)
	return sum.plain, err
}

// inertia returns the sum of the squared distances to the nearest
// centroids, formed per block of blockRows points as Inertia documents.
func inertia[F Float](opts Options, points, centroids []F, dim int) (distanceSum, error) {
	n, err := checkNearest(len(points), len(centroids), dim)
	if err != nil {
		return distanceSum{}, err
	}
	s, err := newSearch(opts, centroids, dim)
	if err != nil {
		return distanceSum{}, err
	}
	return s.inertia(n, points), nil
}

// inertia returns the sum of the squared distances of the n points to
// their nearest centroids.
func (s *search[F]) inertia(n int, points []F) distanceSum {
	sums := make([]distanceSum, (n+blockRows-1)/blockRows)
	s.run(n, func(lo, hi int, scratch *searchScratch[F]) {
		l, d := scratch.outputs(nil, nil, lo, hi)
		s.rows(l, d, points[lo*s.dim:hi*s.dim], scratch)
		sums[lo/blockRows] = sumDistances(d)
	})
	var total distanceSum
	for _, v := range sums {
		total = total.add(v)
	}
	return total
}

// distanceSum is a sum of squared distances, in float64 as it is and with
// every term multiplied by 2⁻⁶⁴. Fewer than 2⁶⁴ terms of at most the
// largest float64 cannot overflow the second, so it gives the mean where
// the first overflows.
type distanceSum struct {
	plain, scaled float64
}

// sumDistances returns the sum of d in order.
func sumDistances[F Float](d []F) distanceSum {
	var s distanceSum
	for _, v := range d {
		s.plain += float64(v)
		s.scaled += 0x1p-64 * float64(v)
	}
	return s
}

// add returns s + t, part by part.
func (s distanceSum) add(t distanceSum) distanceSum {
	return distanceSum{s.plain + t.plain, s.scaled + t.scaled}
}

// mean returns the sum divided by n, or 0 when n is 0. Where the plain sum
// overflows, it is the scaled sum divided by n, scaled back, and +Inf only
// when that is beyond float64, as when a distance is +Inf.
func (s distanceSum) mean(n int) float64 {
	if n == 0 {
		return 0
	}
	if !math.IsInf(s.plain, 1) {
		return s.plain / float64(n)
	}
	return math.Ldexp(s.scaled/float64(n), 64)
}

// checkNearest validates the shapes shared by the nearest-centroid functions
// and returns the number of points.
func checkNearest(lenPoints, lenCentroids, dim int) (int, error) {
	if dim < 1 {
		return 0, fmt.Errorf("%w: dim is %d, want at least 1", ErrDim, dim)
	}
	if lenPoints%dim != 0 {
		return 0, fmt.Errorf("%w: points has length %d, not a multiple of dim %d", ErrLength, lenPoints, dim)
	}
	if lenCentroids%dim != 0 {
		return 0, fmt.Errorf("%w: centroids has length %d, not a multiple of dim %d", ErrLength, lenCentroids, dim)
	}
	if lenCentroids == 0 {
		return 0, fmt.Errorf("%w: centroids is empty, want at least one row of dim %d", ErrNoCentroids, dim)
	}
	return lenPoints / dim, nil
}

// checkOutputs validates the outputs of a search of the n points.
func checkOutputs[F Float](labels []int32, dists []F, points []F, n int) error {
	if labels != nil && len(labels) < n {
		return fmt.Errorf("%w: labels has length %d, want at least %d (one per point)", ErrLength, len(labels), n)
	}
	if dists != nil && len(dists) < n {
		return fmt.Errorf("%w: dists has length %d, want at least %d (one per point)", ErrLength, len(dists), n)
	}
	if dists != nil && overlaps(dists[:n], points) {
		return fmt.Errorf("%w: dists shares memory with points; pass a separate slice", ErrLength)
	}
	return nil
}

// blockRows is the number of points that one unit of parallel work covers.
// It is fixed, not derived from the number of goroutines, so that sums
// formed per block are the same whatever the split.
const blockRows = 1024

// search is one nearest-centroid search: the kernel, its centroids in the
// layout it reads, and the number of goroutines to use.
type search[F Float] struct {
	kernel  nearestKernel[F]
	settled func(dists []F) bool
	chunks  []centroidChunk[F] // all chunks in order, or nil when first is the only one
	first   centroidChunk[F]
	raw     []F
	dim     int
	workers int // maximum goroutines; 0 or less means GOMAXPROCS

	// dot, when not nil, ranks the centroids first (see dotSearch). It
	// leaves kernel and chunks to the points it cannot settle, and
	// packDiff fills chunks on the first such point.
	dot      *dotSearch[F]
	packDiff *sync.Once // not a value, so that a search can stay on the stack
}

// A centroidChunk is a run of consecutive centroids in the layout that the
// kernel reads, small enough to stay in the core's L2 cache while a block
// of points streams past it.
type centroidChunk[F Float] struct {
	centroids []F
	groups    int // packed groups in centroids
	first     int32
}

// chunkBytes is the size of one centroid chunk and of one run of points
// (see rows), so that both fit in L2 together.
//
// NOTE: 256 KiB was chosen for AMD Zen 4 (1 MiB of L2 per core) and has not
// been tuned on any other core. Cores with a smaller L2 may want less.
const chunkBytes = 256 << 10

func newSearch[F Float](opts Options, centroids []F, dim int) (*search[F], error) {
	s := new(search[F])
	if err := s.init(opts, centroids, dim); err != nil {
		return nil, err
	}
	return s, nil
}

// init sets up s, which must be the zero value, for a search.
func (s *search[F]) init(opts Options, centroids []F, dim int) error {
	k, err := lookupKernel(opts.Kernel)
	if err != nil {
		return err
	}
	if len(centroids)/dim > maxPackedCentroids {
		k = genericKernel
	}
	s.kernel = nearestFor[F](k, len(centroids)/dim, dim)
	s.settled = settledFor[F](k)
	s.raw, s.dim, s.workers = centroids, dim, opts.Workers
	if dk := dotFor[F](k, len(centroids)/dim, dim); dk.fn != nil {
		s.dot = newDotSearch(dk, distancesFor[F](k), centroids, dim)
		s.packDiff = new(sync.Once)
	}
	if s.dot == nil {
		s.packDifference()
	}
	return nil
}

// packDifference lays out the centroids in chunks for the difference
// kernel.
func (s *search[F]) packDifference() {
	centroids, dim, block := s.raw, s.dim, s.kernel.block
	if block == 0 {
		s.first = centroidChunk[F]{centroids: centroids}
		return
	}
	if s.dot != nil {
		if chunks := s.dot.differenceChunks(block); chunks != nil {
			s.first = chunks[0]
			if len(chunks) > 1 {
				s.chunks = chunks
			}
			return
		}
	}
	k := len(centroids) / dim
	perChunk := chunkCentroids[F](dim, block)
	if k <= perChunk {
		s.first = s.packChunk(0, k)
		return
	}
	for first := 0; first < k; first += perChunk {
		s.chunks = append(s.chunks, s.packChunk(first, min(first+perChunk, k)))
	}
	s.first = s.chunks[0]
}

// packChunk packs centroids first to last−1 for the difference kernel.
func (s *search[F]) packChunk(first, last int) centroidChunk[F] {
	dim, block := s.dim, s.kernel.block
	packed := packCentroids(s.raw[first*dim:last*dim], dim, block)
	return centroidChunk[F]{
		centroids: packed,
		groups:    len(packed) / (dim * block),
		first:     int32(first),
	}
}

// chunkCentroids returns the number of centroids in a chunk of groups of
// block centroids of dim coordinates.
func chunkCentroids[F Float](dim, block int) int {
	var zero F
	groupBytes := block * dim * int(unsafe.Sizeof(zero))
	return max(1, chunkBytes/groupBytes) * block
}

// chunkPoints returns the number of points of dim coordinates in a run
// that streams past the centroid chunks. It is a multiple of runMultiple
// where the chunk holds that many, so that the kernels' groups of points
// (6 or 8 with AVX-512, 3 or 4 with AVX2) divide it and no run ends in a
// short group.
func chunkPoints[F Float](dim int) int {
	var zero F
	n := max(1, chunkBytes/(dim*int(unsafe.Sizeof(zero))))
	if n > runMultiple {
		n -= n % runMultiple
	}
	return n
}

// runMultiple is the least common multiple of the kernels' group sizes.
const runMultiple = 24

// rows sets the labels and distances of a block of points.
func (s *search[F]) rows(labels []int32, dists []F, points []F, scratch *searchScratch[F]) {
	if len(labels) == 0 {
		return
	}
	if s.dot != nil {
		s.dotRows(labels, dists, points, scratch)
		return
	}
	s.diffRows(labels, dists, points, scratch)
}

// diffRows runs the difference kernel on a block of points and then
// settles, with the reference rules, every point whose distance came out
// +Inf or NaN: the assembly kernels only ever choose distances strictly
// below +Inf.
func (s *search[F]) diffRows(labels []int32, dists []F, points []F, scratch *searchScratch[F]) {
	settled := false
	switch first := s.first; {
	case s.chunks != nil:
		// Each run of points meets every chunk before the next run starts,
		// so that the points, like the chunk, are read from L2.
		run := chunkPoints[F](s.dim)
		for lo := 0; lo < len(labels); lo += run {
			hi := min(lo+run, len(labels))
			s.chunked(labels[lo:hi], dists[lo:hi], points[lo*s.dim:hi*s.dim], scratch)
		}
	case s.kernel.checked != nil:
		settled = s.kernel.checked(labels, dists, points, first.centroids, s.dim, first.groups)
	default:
		s.kernel.fn(labels, dists, points, first.centroids, s.dim, first.groups)
	}
	if settled || s.settled(dists) {
		return
	}
	inf := F(math.Inf(1))
	for i, d := range dists {
		if !(d < inf) { // +Inf or NaN
			labels[i], dists[i] = nearestRow(points[i*s.dim:(i+1)*s.dim], s.raw, s.dim)
		}
	}
}

// chunked runs the kernel on the points against every centroid chunk in
// turn and keeps the nearest centroid over all chunks.
func (s *search[F]) chunked(labels []int32, dists []F, points []F, scratch *searchScratch[F]) {
	s.kernel.fn(labels, dists, points, s.first.centroids, s.dim, s.first.groups)
	chunkLabels, chunkDists := scratch.chunkOutputs(len(labels))
	for _, c := range s.chunks[1:] {
		s.kernel.fn(chunkLabels, chunkDists, points, c.centroids, s.dim, c.groups)
		// Chunks come in index order and only a strictly smaller distance
		// replaces the best so far, so ties keep the lowest index and NaN
		// never wins.
		for i, d := range chunkDists {
			if d < dists[i] {
				dists[i], labels[i] = d, chunkLabels[i]+c.first
			}
		}
	}
}

// searchScratch holds one goroutine's buffers for outputs that the caller
// did not ask for.
type searchScratch[F Float] struct {
	labels      []int32
	dists       []F
	chunkLabels []int32
	chunkDists  []F

	// Buffers of the expansion path: the kernel states, the points it
	// could not settle, and their rows and results.
	state       []F
	norms       []F
	retry       []int
	retryPoints []F
	retryLabels []int32
	retryDists  []F
}

// chunkOutputs returns buffers for the results of one centroid chunk.
func (sc *searchScratch[F]) chunkOutputs(n int) ([]int32, []F) {
	if cap(sc.chunkLabels) < n {
		sc.chunkLabels = make([]int32, blockRows)
		sc.chunkDists = make([]F, blockRows)
	}
	return sc.chunkLabels[:n], sc.chunkDists[:n]
}

// outputs returns the slices [lo:hi] of labels and dists, or of the scratch
// buffers where the caller passed nil.
func (sc *searchScratch[F]) outputs(labels []int32, dists []F, lo, hi int) ([]int32, []F) {
	n := hi - lo
	if labels == nil {
		if cap(sc.labels) < n {
			sc.labels = make([]int32, blockRows)
		}
		labels = sc.labels[:n]
	} else {
		labels = labels[lo:hi]
	}
	if dists == nil {
		if cap(sc.dists) < n {
			sc.dists = make([]F, blockRows)
		}
		dists = sc.dists[:n]
	} else {
		dists = dists[lo:hi]
	}
	return labels, dists
}

// blockCount returns the number of blocks of blockRows points that cover n
// points.
func blockCount(n int) int {
	return (n + blockRows - 1) / blockRows
}

// run calls fn on consecutive blocks of at most blockRows points, on up to
// s.workers goroutines. Small searches run on the calling goroutine.
func (s *search[F]) run(n int, fn func(lo, hi int, scratch *searchScratch[F])) {
	blocks := blockCount(n)
	workers := workerCount(s.workers, blocks, n*len(s.raw))
	parallel(workers, blocks, func(b int, scratch *searchScratch[F]) {
		fn(b*blockRows, min((b+1)*blockRows, n), scratch)
	})
}
