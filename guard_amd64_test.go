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
				packed := packCentroids(centroids, dim, a.block)
				groups := len(packed) / (dim * a.block)
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
