//go:build !purego

package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"unsafe"
)

// dotFunction is one expansion kernel, tested directly on every shape,
// including those for which dispatch keeps the difference kernels.
type dotFunction[F Float] struct {
	isa    string
	kernel dotKernel[F]
}

var dotFunctions32 = []dotFunction[float32]{
	{"avx2", dotKernel[float32]{fn: dotAVX2F32_4x3, block: 24, lanes: 8, sumBlock: dotSumBlock}},
	{"avx512", dotKernel[float32]{fn: dotAVX512F32_6x4, block: 64, lanes: 16, sumBlock: dotSumBlock, halves: true, reduce: dotReduceAVX512F32, assigned: assignedAVX512F32}},
}

var dotFunctions64 = []dotFunction[float64]{
	{"avx2", dotKernel[float64]{fn: dotAVX2F64_4x3, block: 12, lanes: 4, sumBlock: dotSumBlock}},
	{"avx512", dotKernel[float64]{fn: dotAVX512F64_6x4, block: 32, lanes: 8, sumBlock: dotSumBlock, halves: true, reduce: dotReduceAVX512F64, assigned: assignedAVX512F64}},
}

// run searches with the expansion kernel forced on, whatever the
// shape, and returns the labels, the distances and the number of points
// handed to the difference kernels. n must not exceed blockRows.
func (f dotFunction[F]) run(t testing.TB, points, centroids []F, dim int) ([]int32, []F, int) {
	t.Helper()
	s := f.search(t, centroids, dim)
	n := len(points) / dim
	labels, dists := make([]int32, n), make([]F, n)
	var scratch searchScratch[F]
	if s.dot == nil {
		// The norms are too large for the expansion: every point takes
		// the difference kernels.
		s.packDifference()
		s.rows(labels, dists, points, &scratch)
		return labels, dists, n
	}
	s.rows(labels, dists, points, &scratch)
	return labels, dists, len(scratch.retry)
}

// search returns a search of the centroids with the expansion kernel
// forced on. Its dot field is nil when the norms are too large for the
// expansion.
func (f dotFunction[F]) search(t testing.TB, centroids []F, dim int) *search[F] {
	t.Helper()
	kern, err := lookupKernel(f.isa)
	if err != nil {
		t.Fatal(err)
	}
	return &search[F]{
		kernel:   nearestFor[F](kern, len(centroids)/dim, dim),
		settled:  settledFor[F](kern),
		raw:      centroids,
		dim:      dim,
		dot:      newDotSearch(f.kernel, distancesFor[F](kern), centroids, dim),
		packDiff: new(sync.Once),
	}
}

func TestDotFunctions(t *testing.T) {
	testDotFunctions(t, dotFunctions32)
	testDotFunctions(t, dotFunctions64)
}

func testDotFunctions[F Float](t *testing.T, fns []dotFunction[F]) {
	ns := []int{1, 3, 4, 5, 6, 7, 9, 11, 13, 17}
	ks := []int{1, 3, 24, 25, 49, 64, 65, 97}
	dims := 70
	if testing.Short() {
		ns, ks, dims = []int{5, 17}, []int{3, 25, 97}, 40
	}
	for _, f := range fns {
		if !slices.Contains(Kernels(), f.isa) {
			t.Logf("%s: this CPU lacks %s", f.isa, f.isa)
			continue
		}
		t.Run(fmt.Sprintf("%s/%T", f.isa, F(0)), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(23, 23))
			failures := 0
			for dim := 1; dim <= dims; dim++ {
				for _, n := range ns {
					for _, k := range ks {
						kind := []valueKind{normalValues, offsetValues, integerValues, specialValues}[(dim+n+k)%4]
						c := generate[F](rng, kind, n, k, dim)
						ref := newReference(c.points, c.centroids, dim)
						ref.exact = c.exact
						labels, dists, _ := f.run(t, c.points, c.centroids, dim)
						if msg := ref.check(labels, dists, 3); msg != "" {
							t.Errorf("%s: contract broken:%s", c.name, msg)
							if failures++; failures > 10 {
								t.Fatal("too many failures")
							}
						}
					}
				}
			}

			// The path is only worth having if it settles most points
			// itself. generate plants ties, so these points are drawn
			// without them.
			points, retries := 0, 0
			for dim := 1; dim <= dims; dim++ {
				p, c := make([]F, 17*dim), make([]F, 97*dim)
				fill(rng, p, normalValues)
				fill(rng, c, normalValues)
				_, _, r := f.run(t, p, c, dim)
				points += 17
				retries += r
			}
			if retries*20 > points {
				t.Errorf("%d of %d normal points went to the difference kernels, want under 5%%", retries, points)
			}
		})
	}
}

// TestDotRetries checks the points that the expansion path must hand on:
// an exact tie, a point among centroids far from the origin and close
// together, a NaN point and an infinite coordinate.
func TestDotRetries(t *testing.T) {
	const dim, k = 8, 30
	for _, f := range dotFunctions32 {
		if !slices.Contains(Kernels(), f.isa) {
			continue
		}
		rng := rand.New(rand.NewPCG(5, 5))
		centroids := normalSlice[float32](rng, k*dim)
		for j := range centroids {
			centroids[j] = 1e4 + centroids[j]/64
		}
		copy(centroids[20*dim:21*dim], centroids[3*dim:4*dim]) // centroid 20 repeats centroid 3
		points := make([]float32, 4*dim)
		copy(points[0:dim], centroids[3*dim:4*dim])
		for j := range dim {
			points[dim+j] = 1e4 + float32(j)/256
		}
		points[2*dim+5] = float32(nan)
		points[3*dim] = float32(inf)
		labels, dists, retries := f.run(t, points, centroids, dim)
		if labels[0] != 3 || dists[0] != 0 {
			t.Errorf("%s tied point: got label %d distance %v, want 3 and 0", f.isa, labels[0], dists[0])
		}
		if retries != 4 {
			t.Errorf("%s: %d points went to the difference kernels, want all 4", f.isa, retries)
		}
		ref := newReference(points, centroids, dim)
		if msg := ref.check(labels, dists, 4); msg != "" {
			t.Errorf("%s: contract broken:%s", f.isa, msg)
		}
	}
}

// TestDotDispatch checks which shapes the expansion kernels serve.
func TestDotDispatch(t *testing.T) {
	for _, kernel := range Kernels() {
		k, _ := lookupKernel(kernel)
		minK, minDim := map[string]int{"avx2": dotMinCentroids, "avx512": dotMinCentroidsAVX512}[kernel],
			map[string]int{"avx2": dotMinDim, "avx512": dotMinDimAVX512}[kernel]
		for _, c := range []struct {
			k, dim int
			want   bool
		}{{minK, minDim, minK > 0}, {minK - 1, minDim, false}, {minK, minDim - 1, false}} {
			got := dotFor[float32](k, c.k, c.dim).fn != nil
			if got != c.want {
				t.Errorf("kernel %s k %d dim %d: expansion path %v, want %v", kernel, c.k, c.dim, got, c.want)
			}
		}
	}
}

// fuzzDotFunctions runs every expansion kernel of this CPU on a fuzz case.
func fuzzDotFunctions[F Float](t *testing.T, c fuzzCase[F], ref *reference[F]) {
	var fns []dotFunction[F]
	switch fs := any(&fns).(type) {
	case *[]dotFunction[float32]:
		*fs = dotFunctions32
	case *[]dotFunction[float64]:
		*fs = dotFunctions64
	}
	for _, f := range fns {
		if !slices.Contains(Kernels(), f.isa) {
			continue
		}
		labels, dists, _ := f.run(t, c.points, c.centroids, c.dim)
		if msg := ref.check(labels, dists, 5); msg != "" {
			t.Errorf("%T expansion kernel %s, dim %d, n %d, k %d: contract broken:%s",
				F(0), f.isa, c.dim, ref.n, ref.k, msg)
		}
	}
}

// TestDotProbe checks both ways a block continues after its first
// dotProbeRows points: straight to the difference kernels when most of
// them failed the margin check, and on the expansion path otherwise.
func TestDotProbe(t *testing.T) {
	const dim, k, n = 16, 100, 200
	for _, f := range dotFunctions32 {
		if !slices.Contains(Kernels(), f.isa) {
			continue
		}
		rng := rand.New(rand.NewPCG(7, 7))

		// Points and centroids close together far from the origin: no
		// margin can be proved.
		far := make([]float32, (n+k)*dim)
		for i := range far {
			far[i] = float32(1e4 + rng.Float64())
		}
		points, centroids := far[:n*dim], far[n*dim:]
		labels, dists, retries := f.run(t, points, centroids, dim)
		if retries != dotProbeRows {
			t.Errorf("%s far data: %d points went through the margin check and failed, want only the %d probed", f.isa, retries, dotProbeRows)
		}
		if msg := newReference(points, centroids, dim).check(labels, dists, 4); msg != "" {
			t.Errorf("%s far data: contract broken:%s", f.isa, msg)
		}

		// Ordinary probed points, then points tied between centroids 1
		// and 50: the expansion path goes on and hands on the ties.
		centroids = normalSlice[float32](rng, k*dim)
		copy(centroids[50*dim:51*dim], centroids[dim:2*dim])
		points = normalSlice[float32](rng, n*dim)
		for i := dotProbeRows; i < n; i++ {
			copy(points[i*dim:(i+1)*dim], centroids[dim:2*dim])
		}
		labels, dists, retries = f.run(t, points, centroids, dim)
		if retries < n-dotProbeRows {
			t.Errorf("%s tied points: %d points failed the margin check, want at least %d", f.isa, retries, n-dotProbeRows)
		}
		for i := dotProbeRows; i < n; i++ {
			if labels[i] != 1 {
				t.Errorf("%s tied point %d: label %d, want 1 (the lower of two equal centroids)", f.isa, i, labels[i])
				break
			}
		}
		if msg := newReference(points, centroids, dim).check(labels, dists, 4); msg != "" {
			t.Errorf("%s tied points: contract broken:%s", f.isa, msg)
		}
	}
}

// TestDotAcceptNearTies plants pairs of centroids whose distances to a
// point differ by amounts that span the margin bound, and checks that
// every point the expansion path accepts has the unique exact nearest
// centroid. Typical rounding errors lie far below the worst case that the
// bound covers, so the test catches a bound 100 times too tight but not
// one 10 times too tight.
func TestDotAcceptNearTies(t *testing.T) {
	testDotAcceptNearTies(t, dotFunctions32)
	testDotAcceptNearTies(t, dotFunctions64)
}

func testDotAcceptNearTies[F Float](t *testing.T, fns []dotFunction[F]) {
	dims := []int{64, 256, 768}
	if testing.Short() {
		dims = []int{64}
	}
	for _, f := range fns {
		if !slices.Contains(Kernels(), f.isa) {
			continue
		}
		for _, dim := range dims {
			rng := rand.New(rand.NewPCG(uint64(dim), 77))
			const k, n = 100, 256
			centroids := normalSlice[F](rng, k*dim)
			points := make([]F, n*dim)
			for i := range n {
				// Centroid b is centroid a moved by a step of relative
				// size 10^-1 to 10^-8 (10^-15 in float64), and the point
				// sits near a.
				a, b := 2*(i%(k/2)), 2*(i%(k/2))+1
				decades := 1.0
				if unsafe.Sizeof(F(0)) == 8 {
					decades = 2
				}
				scale := math.Pow(10, -1-decades*float64(i%8))
				for j := range dim {
					centroids[b*dim+j] = centroids[a*dim+j] + F(scale*rng.NormFloat64())
					points[i*dim+j] = centroids[a*dim+j] + F(0.1*rng.NormFloat64())
				}
			}
			s := f.search(t, centroids, dim)
			labels, dists := make([]int32, n), make([]F, n)
			var scratch searchScratch[F]
			retry := s.dotPass(labels, dists, points, 0, nil, &scratch)
			retried := map[int]bool{}
			for _, i := range retry {
				retried[i] = true
			}
			ref := newReference(points, centroids, dim)
			accepted := 0
			for i := range n {
				if retried[i] {
					continue
				}
				accepted++
				best := 0
				for c := 1; c < k; c++ {
					if ref.dist[i*k+c].less(ref.dist[i*k+best]) {
						best = c
					}
				}
				for c := range k {
					if c != best && !ref.dist[i*k+best].less(ref.dist[i*k+c]) {
						t.Fatalf("%s %T dim %d point %d: centroids %d and %d tie exactly, yet the point was accepted", f.isa, F(0), dim, i, best, c)
					}
				}
				if int(labels[i]) != best {
					t.Errorf("%s %T dim %d point %d: accepted label %d, exact nearest %d", f.isa, F(0), dim, i, labels[i], best)
				}
			}
			if accepted == 0 || accepted == n {
				t.Errorf("%s %T dim %d: %d of %d points accepted, want the planted gaps on both sides of the bound", f.isa, F(0), dim, accepted, n)
			}
		}
	}
}

// TestDotSharedPacking checks the points that the AVX-512 expansion path
// hands on when the difference kernels read its packing: three chunks of
// centroids, the last one short, and points that no margin can settle.
func TestDotSharedPacking(t *testing.T) {
	testDotSharedPacking(t, dotFunctions32)
	testDotSharedPacking(t, dotFunctions64)
}

func testDotSharedPacking[F Float](t *testing.T, fns []dotFunction[F]) {
	// One group of the expansion kernel fills a chunk at this dim, for
	// float32 and float64 alike.
	const dim, n = 1100, 40
	for _, f := range fns {
		if !f.kernel.halves || !slices.Contains(Kernels(), f.isa) {
			continue
		}
		block := f.kernel.block
		k := 2*block + block/2 + 3
		if got := chunkCentroids[F](dim, block); got != block {
			t.Fatalf("%T: a chunk holds %d centroids, want %d", F(0), got, block)
		}
		rng := rand.New(rand.NewPCG(7, uint64(k)))
		// Far from the origin and close together: the margin check
		// rejects every point.
		offset := F(1000)
		if unsafe.Sizeof(offset) == 8 {
			offset = 1e7
		}
		centroids := normalSlice[F](rng, k*dim)
		for j := range centroids {
			centroids[j] = offset + centroids[j]/16
		}
		points := make([]F, n*dim)
		want := make([]int32, n)
		for i := range n {
			want[i] = int32(rng.IntN(k))
			for j := range dim {
				points[i*dim+j] = centroids[int(want[i])*dim+j] + F(rng.NormFloat64()/1024)
			}
		}
		s := f.search(t, centroids, dim)
		labels, dists := make([]int32, n), make([]F, n)
		var scratch searchScratch[F]
		s.rows(labels, dists, points, &scratch)
		if len(scratch.retry) != n {
			t.Errorf("%T: %d of %d points went to the difference kernels, want all", F(0), len(scratch.retry), n)
		}
		if len(s.chunks) != len(s.dot.chunks) {
			t.Fatalf("%T: %d difference chunks, want the %d of the expansion path", F(0), len(s.chunks), len(s.dot.chunks))
		}
		for i, c := range s.chunks {
			if &c.centroids[0] != &s.dot.chunks[i].centroids[0] {
				t.Errorf("%T: difference chunk %d has a packing of its own", F(0), i)
			}
		}
		if !slices.Equal(labels, want) {
			t.Errorf("%T: labels %v, want %v", F(0), labels, want)
		}
		ref := newReference(points, centroids, dim)
		if msg := ref.check(labels, dists, 4); msg != "" {
			t.Errorf("%T: contract broken:%s", F(0), msg)
		}
	}
}
