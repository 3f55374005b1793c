package vecfit

import (
	"math"
	"unsafe"
)

// The expansion path ranks centroids by e(c) = ‖c‖² − 2·x·c, which differs
// from ‖x − c‖² by the constant ‖x‖² and costs one FMA per coordinate
// instead of a subtraction and an FMA. Its rounding error grows with ‖x‖²
// and ‖c‖², not with the distance, so the path only picks a label. It
// accepts the pick when the margin to the runner-up exceeds twice a
// rigorous bound on that error, and then computes the distance from
// differences. Every other point goes to the difference kernels. Accepted
// points therefore meet the accuracy contract with room to spare: their
// label is the unique exact nearest centroid.

// dotKernel is one expansion kernel. It folds the packed centroids first,
// first+1, … into each point's state: per lane, the smallest e (best1),
// the second smallest (best2) and the index of best1, as three vectors of
// lanes values. packed holds groups of block centroids laid out as
// packCentroids does, and norms their squared norms in the same order.
type dotKernel[F Float] struct {
	fn    func(state []F, points, packed, norms []F, dim, groups, first int)
	block int
	lanes int

	// halves, when set, makes fn read each group of block centroids as
	// two packed groups of block/2, one after the other. A difference
	// kernel with groups of block/2 can then read the same packing.
	halves bool

	// sumBlock, when not 0, is the number of coordinates that fn sums
	// from zero before adding the block's sum to the dot product's
	// running total. 0 means one sum over all coordinates.
	sumBlock int

	// reduce, when not nil, does what reduceStates does, faster.
	reduce func(state []F)

	// assigned, when not nil, sets dists[i] to the squared distance
	// from point i to centroid labels[i], in one call for a block.
	assigned func(dists, points, centroids []F, labels []int32, dim int)
}

// dotChunk is a run of centroids in the layout that a dotKernel reads.
type dotChunk[F Float] struct {
	centroids []F
	norms     []F
	groups    int
	first     int // the index of the chunk's first centroid
	last      int // one past the index of its last centroid
}

// dotSearch is the expansion half of a search.
type dotSearch[F Float] struct {
	kernel dotKernel[F]
	chunks []dotChunk[F]

	// radius is at least the largest ‖c‖ over the centroids with a
	// finite norm.
	radius float64

	// distances is the kernel's single-centroid distance kernel, and
	// origin a row of dim zeros, so that distances(…, origin) returns
	// squared norms.
	distances func(dists, points, c []F, dim int)
	origin    []F

	// start is the state of a point before the first centroid.
	start []F

	// dotGamma and normGamma are the factors of the error bound (see
	// errorFactors), and dim the number of coordinates.
	dotGamma, normGamma float64
	dim                 int
}

// dotLimits returns, for F, the unit ε used in the error bound, the
// smallest subnormal, and the largest (‖x‖ + radius)² for which no
// product, sum or norm in the kernel can overflow.
func dotLimits[F Float]() (eps, tiny, reach2Max float64) {
	var zero F
	if unsafe.Sizeof(zero) == 4 {
		return 0x1p-23, math.SmallestNonzeroFloat32, math.MaxFloat32 / 16
	}
	return 0x1p-52, math.SmallestNonzeroFloat64, math.MaxFloat64 / 16
}

// newDotSearch packs the centroids for kern, or returns nil when their
// norms are so large that few points could pass the check in accept.
func newDotSearch[F Float](kern dotKernel[F], distances func(dists, points, c []F, dim int), centroids []F, dim int) *dotSearch[F] {
	k := len(centroids) / dim
	norms := make([]F, k)
	var radius2 float64
	for c := range k {
		sum := squaredNorm(centroids[c*dim : (c+1)*dim])
		norms[c] = F(sum)
		if !math.IsInf(sum, 0) && sum > radius2 { // a NaN sum fails both
			radius2 = sum
		}
	}
	// The radius must bound every finite ‖c‖ from above. A float64 sum
	// of dim squares is within (dim+1)·2⁻⁵³ of the exact one, relative,
	// and each square that underflows loses less than 2⁻¹⁰⁷⁴. Without
	// that last term, centroids of float64 values below 1e-162 got a
	// radius of 0, which no rounding error of the kernel fits under.
	radius2 = radius2*(1+float64(dim+2)*0x1p-52) + float64(dim)*0x1p-1074
	_, _, reach2Max := dotLimits[F]()
	dotGamma, normGamma, ok := errorFactors[F](kern.sumBlock, dim)
	if radius2 > reach2Max/4 || !ok {
		return nil
	}
	d := &dotSearch[F]{
		kernel:    kern,
		radius:    math.Sqrt(radius2) * (1 + 0x1p-52),
		distances: distances,
		origin:    make([]F, dim),
		start:     make([]F, 3*kern.lanes),
		dotGamma:  dotGamma,
		normGamma: normGamma,
		dim:       dim,
	}
	for l := range d.start {
		d.start[l] = F(math.Inf(1))
		if l >= 2*kern.lanes {
			d.start[l] = -1
		}
	}

	perChunk := chunkCentroids[F](dim, kern.block)
	for first := 0; first < k; first += perChunk {
		last := min(first+perChunk, k)
		groups := (last - first + kern.block - 1) / kern.block
		var packed []F
		if kern.halves {
			packed = packGroups(centroids[first*dim:last*dim], dim, kern.block/2, 2*groups)
		} else {
			packed = packGroups(centroids[first*dim:last*dim], dim, kern.block, groups)
		}
		d.chunks = append(d.chunks, dotChunk[F]{
			centroids: packed,
			norms:     packGroups(norms[first:last], 1, kern.block, groups),
			groups:    groups,
			first:     first,
			last:      last,
		})
	}
	return d
}

// differenceChunks describes the chunks of d for a difference kernel that
// reads groups of block centroids. It returns nil when that kernel cannot
// read the packing of d.
func (d *dotSearch[F]) differenceChunks(block int) []centroidChunk[F] {
	if !d.kernel.halves || block != d.kernel.block/2 {
		return nil
	}
	chunks := make([]centroidChunk[F], len(d.chunks))
	for i, c := range d.chunks {
		chunks[i] = centroidChunk[F]{
			centroids: c.centroids,
			groups:    (c.last - c.first + block - 1) / block,
			first:     int32(c.first),
		}
	}
	return chunks
}

// squaredNorm returns the sum of the squares of row in float64. It keeps
// four partial sums so that the additions do not wait on each other. In
// any order, a sum of n terms of one sign is within (n−1)·u of the exact
// one, which is all that accept assumes.
func squaredNorm[F Float](row []F) float64 {
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(row); j += 4 {
		v := row[j : j+4 : j+4]
		s0 += float64(v[0]) * float64(v[0])
		s1 += float64(v[1]) * float64(v[1])
		s2 += float64(v[2]) * float64(v[2])
		s3 += float64(v[3]) * float64(v[3])
	}
	for _, v := range row[j:] {
		s0 += float64(v) * float64(v)
	}
	return (s0 + s1) + (s2 + s3)
}

// reduceStates reduces the lanes of each state of 3·lanes values in state
// to three values and writes them to the state's first three elements.
// They are the smallest best1 (first), the smallest of the other best1
// and all best2 values (second), and the index of the centroid behind
// first. first comes from the lowest lane that has it, so a tie between
// two lanes leaves second equal to first.
func reduceStates[F Float](state []F, lanes int) {
	for s := 0; s+3*lanes <= len(state); s += 3 * lanes {
		best1, best2 := state[s:s+lanes], state[s+lanes:s+2*lanes]
		// The kernel keeps best1 and best2 free of NaN.
		low, first := 0, best1[0]
		for l := 1; l < lanes; l++ {
			if best1[l] < first {
				low, first = l, best1[l]
			}
		}
		second := best2[low]
		for l := range lanes {
			if l != low {
				second = min(second, best1[l], best2[l])
			}
		}
		state[s], state[s+1], state[s+2] = first, second, state[s+2*lanes+low]
	}
}

// errorFactors returns the factors of the bound on the rounding error of
// e = ‖c‖² − 2·x·c that accept uses, for a kernel that sums x·c in blocks
// of sumBlock coordinates (0 for one sum). ok is false when dim is so
// large that no bound below 1 exists.
//
// With u = ε/2 the unit roundoff and γ_n = n·u/(1 − n·u):
//   - A sum of products over dim coordinates, one FMA each, is within
//     γ_dim·Σ|x_j·c_j| of x·c. Summed in blocks of m from zero and then
//     added up in order, it is within γ_(m+⌈dim/m⌉−1)·Σ|x_j·c_j|, because
//     the first addition to the running total, to zero, is exact. By
//     Cauchy–Schwarz Σ|x_j·c_j| ≤ ‖x‖·‖c‖.
//   - The FMA that forms e adds u·|e| ≤ u·(‖c‖² + 2·‖x‖·‖c‖).
//   - ‖c‖² comes from a float64 sum. For float64 it is within γ_dim of
//     the exact norm. For float32 the products are exact in float64, so
//     the sum is within dim·2⁻⁵³ and the rounding to float32 adds u.
//
// Together e is off by at most dotGamma·2·‖x‖·‖c‖ + normGamma·‖c‖². Here
// dotGamma is γ_(t+1), with t = dim or m+⌈dim/m⌉−1 from the first point,
// and normGamma is γ_(dim+1) for float64 and γ_(2+dim·2⁻²⁸) for float32.
// At 768 float32 coordinates in blocks of 64, with ‖x‖ = ‖c‖, that is 15
// times smaller than γ_(dim+4)·(2·‖x‖·‖c‖ + ‖c‖²), the bound for one sum.
func errorFactors[F Float](sumBlock, dim int) (dotGamma, normGamma float64, ok bool) {
	eps, _, _ := dotLimits[F]()
	u := eps / 2
	gamma := func(n float64) float64 { return n * u / (1 - n*u) }
	terms := dim
	if sumBlock > 0 && dim > sumBlock {
		terms = sumBlock + (dim+sumBlock-1)/sumBlock - 1
	}
	normTerms := float64(dim + 1)
	if unsafe.Sizeof(F(0)) == 4 {
		normTerms = 2 + float64(dim)*0x1p-28
	}
	if float64(terms+1)*u >= 0.5 || normTerms*u >= 0.5 {
		return 0, 0, false
	}
	return gamma(float64(terms + 1)), gamma(normTerms), true
}

// bound returns a bound on the rounding error of e for every centroid,
// for a point whose squared norm, as the distances kernel computes it, is
// norm2. That norm2 is within a factor 1 ± (dim+1)·u of ‖x‖², and bound
// rounds it up by more. ok is false when ‖x‖ is so large (or NaN) that a
// product or sum in the kernel could overflow.
func (d *dotSearch[F]) bound(norm2 F) (bound float64, ok bool) {
	eps, tiny, reach2Max := dotLimits[F]()
	terms := float64(d.dim + 4)
	upper := float64(norm2)*(1+terms*eps) + terms*tiny
	norm := math.Sqrt(upper)
	reach := norm + d.radius
	if !(reach*reach <= reach2Max) { // also rejects NaN and +Inf
		return 0, false
	}
	// The last term covers the few results that fall to subnormals,
	// among them squares lost from the norms of tiny centroids.
	return d.dotGamma*2*norm*d.radius + d.normGamma*d.radius*d.radius + 4*terms*tiny, true
}

// accept returns the label that a point's reduced state (first, second
// and index, see reduceStates) picks, and whether the margin proves it
// the unique exact nearest centroid. norm2 is ‖x‖² as the distances
// kernel computes it. When best2 − best1 is more than twice bound, every
// other centroid's exact e exceeds the chosen one's.
func (d *dotSearch[F]) accept(state []F, norm2 F) (int32, bool) {
	first, second, index := state[0], state[1], state[2]
	bound, ok := d.bound(norm2)
	if !ok || !(float64(second)-float64(first) > 2*bound) {
		return 0, false
	}
	return int32(index), true
}

// dotProbeRows is the number of points at the start of a block that the
// expansion path tries first. When most of them fail the margin check, the
// rest of the block goes straight to the difference kernels, which bounds
// the cost of data that the expansion cannot rank. The choice depends only
// on the block's own points, so results stay the same for any number of
// goroutines.
const dotProbeRows = 64

// dotRows is rows for a search with an expansion kernel.
func (s *search[F]) dotRows(labels []int32, dists []F, points []F, scratch *searchScratch[F]) {
	n, dim := len(labels), s.dim
	probe := min(n, dotProbeRows)
	retry := s.dotPass(labels[:probe], dists[:probe], points[:probe*dim], 0, scratch.retry[:0], scratch)
	switch {
	case probe == n:
		// The probe was the whole block.
	case 4*len(retry) > 3*probe:
		s.packDiff.Do(s.packDifference)
		s.diffRows(labels[probe:], dists[probe:], points[probe*dim:], scratch)
	default:
		retry = s.dotPass(labels[probe:], dists[probe:], points[probe*dim:], probe, retry, scratch)
	}
	scratch.retry = retry
	if len(retry) > 0 {
		s.retryRows(labels, dists, points, retry, scratch)
	}
}

// dotPass runs the expansion kernel on points and settles every point
// whose margin check passes. It appends the index of each other point,
// plus offset, to retry and returns it.
//
// As in diffRows, each run of points meets every chunk before the next
// run starts. The run's norms, checks and distances follow at once, while
// its rows are still in cache. As separate passes over the block they read
// the rows from memory again: in a profile of BenchmarkNearest on bert
// (768 coordinates, one core of an AMD Zen 5) they took about 2% of the
// search.
func (s *search[F]) dotPass(labels []int32, dists []F, points []F, offset int, retry []int, scratch *searchScratch[F]) []int {
	d := s.dot
	n, dim := len(labels), s.dim
	width := 3 * d.kernel.lanes
	run := min(n, chunkPoints[F](dim))
	states := scratch.dotState(run * width)
	allNorms := scratch.pointNorms(run)
	for lo := 0; lo < n; lo += run {
		hi := min(lo+run, n)
		rows := points[lo*dim : hi*dim]
		state, norms := states[:(hi-lo)*width], allNorms[:hi-lo]

		// Every state starts as best1 = best2 = +Inf with index −1.
		copy(state[:width], d.start)
		for filled := width; filled < len(state); filled *= 2 {
			copy(state[filled:], state[:filled])
		}
		for _, c := range d.chunks {
			d.kernel.fn(state, rows, c.centroids, c.norms, dim, c.groups, c.first)
		}
		if d.kernel.reduce != nil {
			d.kernel.reduce(state)
		} else {
			reduceStates(state, d.kernel.lanes)
		}

		d.distances(norms, rows, d.origin, dim)
		for i := lo; i < hi; i++ {
			r := (i - lo) * width
			label, ok := d.accept(state[r:r+3], norms[i-lo])
			if !ok {
				// The difference kernels overwrite label 0 and
				// its distance later.
				retry = append(retry, offset+i)
				label = 0
			}
			labels[i] = label
		}
		s.assignedRows(labels[lo:hi], dists[lo:hi], rows)
	}
	return retry
}

// assignedRows sets dists[i] to the squared distance from row i of points
// to centroid labels[i].
func (s *search[F]) assignedRows(labels []int32, dists []F, points []F) {
	d, dim := s.dot, s.dim
	if d.kernel.assigned != nil {
		d.kernel.assigned(dists, points, s.raw, labels, dim)
		return
	}
	for i, label := range labels {
		c := int(label) * dim
		d.distances(dists[i:i+1], points[i*dim:(i+1)*dim], s.raw[c:c+dim], dim)
	}
}

// retryRows runs the difference kernels on the points listed in retry.
func (s *search[F]) retryRows(labels []int32, dists []F, points []F, retry []int, scratch *searchScratch[F]) {
	s.packDiff.Do(s.packDifference)
	dim := s.dim
	n := len(retry)
	if cap(scratch.retryPoints) < n*dim {
		// Few points of a block come here, so the buffers grow with
		// need instead of taking a whole block of rows at once.
		size := max(n, min(blockRows, 2*cap(scratch.retryLabels)))
		scratch.retryPoints = make([]F, size*dim)
		scratch.retryLabels = make([]int32, size)
		scratch.retryDists = make([]F, size)
	}
	rows := scratch.retryPoints[:n*dim]
	for r, i := range retry {
		copy(rows[r*dim:(r+1)*dim], points[i*dim:(i+1)*dim])
	}
	l, dd := scratch.retryLabels[:n], scratch.retryDists[:n]
	s.diffRows(l, dd, rows, scratch)
	for r, i := range retry {
		labels[i], dists[i] = l[r], dd[r]
	}
}

// pointNorms returns a buffer for the squared norms of a block of points.
func (sc *searchScratch[F]) pointNorms(n int) []F {
	if cap(sc.norms) < n {
		sc.norms = make([]F, blockRows)
	}
	return sc.norms[:n]
}

// dotState returns a buffer for the states of a block of points.
func (sc *searchScratch[F]) dotState(n int) []F {
	if cap(sc.state) < n {
		sc.state = make([]F, n)
	}
	return sc.state[:n]
}
