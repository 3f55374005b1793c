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
// points, packed centroids and norms against a guard page on either side.
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
	ns, ks := []int{1, 3, 4, 5, 17}, []int{1, 25, 49}
	if testing.Short() {
		ns, ks = []int{1, 5}, []int{25}
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
				}
			}
		}
	}
}
