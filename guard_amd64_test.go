//go:build linux && !purego

package vecfit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestAssemblyFunctionsGuardPages runs every assembly function, including
// those that dispatch does not select yet, with points, packed centroids
// and outputs against a guard page on either side.
func TestAssemblyFunctionsGuardPages(t *testing.T) {
	bufs := newGuardedBuffers(t)
	for _, a := range asmKernels32 {
		testAssemblyGuardPages(t, bufs, a)
	}
	for _, a := range asmKernels64 {
		testAssemblyGuardPages(t, bufs, a)
	}
}

func testAssemblyGuardPages[F Float](t *testing.T, bufs *guardedBuffers, a asmKernel[F]) {
	if !slices.Contains(Kernels(), a.isa) {
		return
	}
	ns, ks := []int{1, 5, 16, 17, 33}, []int{1, 9, 33}
	if testing.Short() {
		ns, ks = []int{1, 17}, []int{9}
	}
	maxDim := 70
	if a.maxDim > 0 {
		maxDim = a.maxDim
	}
	rng := rand.New(rand.NewPCG(17, 17))
	for dim := 1; dim <= maxDim; dim++ {
		for _, n := range ns {
			for _, k := range ks {
				points := make([]F, n*dim)
				centroids := make([]F, k*dim)
				fill(rng, points, normalValues)
				fill(rng, centroids, normalValues)
				block := a.blockFor(dim)
				packed := packCentroids(centroids, dim, block)
				groups := len(packed) / (dim * block)
				wantLabels, wantDists := make([]int32, n), make([]F, n)
				a.fn(wantLabels, wantDists, points, packed, dim, groups)
				for _, p := range placements {
					name := fmt.Sprintf("%s dim %d n %d k %d at %s", a.name, dim, n, k, p.name)
					gPoints := place[F](p, bufs.points, len(points))
					gPacked := place[F](p, bufs.centroids, len(packed))
					labels := p.i32(bufs.labels, n)
					dists := place[F](p, bufs.dists, n)
					copy(gPoints, points)
					copy(gPacked, packed)
					guarded(t, name, func() {
						a.fn(labels, dists, gPoints, gPacked, dim, groups)
					})
					if !slices.Equal(labels, wantLabels) || !bitsEqual(dists, wantDists) {
						t.Errorf("%s: results differ from the same call on the heap", name)
					}
				}
			}
		}
	}
}

// TestDotFunctionsGuardPages runs the expansion kernels with states,
// points, packed centroids and norms against a guard page on either side,
// and then their lane reductions and distance kernels where they have
// them.
func TestDotFunctionsGuardPages(t *testing.T) {
	bufs := newGuardedBuffers(t)
	for _, f := range dotFunctions32 {
		testDotGuardPages(t, bufs, f)
	}
	for _, f := range dotFunctions64 {
		testDotGuardPages(t, bufs, f)
	}
}

func testDotGuardPages[F Float](t *testing.T, bufs *guardedBuffers, f dotFunction[F]) {
	if !slices.Contains(Kernels(), f.isa) {
		return
	}
	ns, ks := []int{1, 3, 4, 5, 6, 7, 11, 13, 17}, []int{1, 25, 49, 65}
	if testing.Short() {
		ns, ks = []int{1, 5, 13}, []int{25}
	}
	kern := f.kernel
	width := 3 * kern.lanes
	rng := rand.New(rand.NewPCG(19, 19))
	for dim := 1; dim <= 70; dim++ {
		for _, n := range ns {
			for _, k := range ks {
				points := make([]F, n*dim)
				centroids := make([]F, k*dim)
				fill(rng, points, normalValues)
				fill(rng, centroids, normalValues)
				d := newDotSearch(kern, distancesGeneric[F], centroids, dim)
				c := d.chunks[0]
				want := slices.Repeat(d.start, n)
				kern.fn(want, points, c.centroids, c.norms, dim, c.groups, c.first)
				for _, p := range placements {
					name := fmt.Sprintf("%T dim %d n %d k %d at %s", F(0), dim, n, k, p.name)
					gPoints := place[F](p, bufs.points, len(points))
					gPacked := place[F](p, bufs.centroids, len(c.centroids))
					gNorms := place[F](p, bufs.labels, len(c.norms))
					state := place[F](p, bufs.dists, n*width)
					copy(gPoints, points)
					copy(gPacked, c.centroids)
					copy(gNorms, c.norms)
					for i := range n {
						copy(state[i*width:], d.start)
					}
					guarded(t, name, func() {
						kern.fn(state, gPoints, gPacked, gNorms, dim, c.groups, c.first)
					})
					if !bitsEqual(state, want) {
						t.Errorf("%s: states differ from the same call on the heap", name)
					}
					if kern.reduce != nil {
						testReduceGuarded(t, name, kern, state, want)
					}
					if kern.assigned != nil {
						testAssignedGuarded(t, bufs, p, name, kern, points, centroids, dim)
					}
				}
			}
		}
	}
}

// testReduceGuarded runs kern.reduce on state, which sits against a guard
// page and equals want, and compares the result with reduceStates on want.
func testReduceGuarded[F Float](t *testing.T, name string, kern dotKernel[F], state, want []F) {
	t.Helper()
	want = slices.Clone(want)
	reduceStates(want, kern.lanes)
	guarded(t, name+" reduce", func() { kern.reduce(state) })
	for i := 0; i < len(state); i += 3 * kern.lanes {
		// The sign of a zero minimum may differ, so the values are
		// compared with == and the index bit for bit.
		if state[i] != want[i] || state[i+1] != want[i+1] || !bitsEqual(state[i+2:i+3], want[i+2:i+3]) {
			t.Errorf("%s: reduce wrote first, second, index %v, want %v", name, state[i:i+3], want[i:i+3])
		}
	}
}

// testAssignedGuarded runs kern.assigned with every slice against a guard
// page and compares the result with the same call on the heap.
func testAssignedGuarded[F Float](t *testing.T, bufs *guardedBuffers, p placement, name string, kern dotKernel[F], points, centroids []F, dim int) {
	t.Helper()
	n, k := len(points)/dim, len(centroids)/dim
	labels := make([]int32, n)
	for i := range labels {
		labels[i] = int32((i * 7) % k)
	}
	want := make([]F, n)
	kern.assigned(want, points, centroids, labels, dim)
	gPoints := place[F](p, bufs.points, len(points))
	gCentroids := place[F](p, bufs.centroids, len(centroids))
	gLabels := p.i32(bufs.labels, n)
	dists := place[F](p, bufs.dists, n)
	copy(gPoints, points)
	copy(gCentroids, centroids)
	copy(gLabels, labels)
	guarded(t, name+" assigned", func() { kern.assigned(dists, gPoints, gCentroids, gLabels, dim) })
	if !bitsEqual(dists, want) {
		t.Errorf("%s: assigned distances differ from the same call on the heap", name)
	}
}
