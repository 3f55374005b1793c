//go:build unix

package vecfit

import (
	"fmt"
	"testing"
)

// TestDistancesGuardPages places the points, the centroid and the output
// right before and right after an inaccessible page, for every dim from 1
// to 70, and runs each kernel's single-centroid distances.
func TestDistancesGuardPages(t *testing.T) {
	bufs := newGuardedBuffers(t)
	for _, k := range kernels {
		testDistancesGuarded[float32](t, bufs, k)
		testDistancesGuarded[float64](t, bufs, k)
	}
}

func testDistancesGuarded[F Float](t *testing.T, bufs *guardedBuffers, k *kernel) {
	distances := distancesFor[F](k)
	for dim := 1; dim <= 70; dim++ {
		for _, n := range []int{1, 3} {
			for _, p := range placements {
				points := place[F](p, bufs.points, n*dim)
				c := place[F](p, bufs.centroids, dim)
				dists := place[F](p, bufs.dists, n)
				for i := range points {
					points[i] = F(i % 7)
				}
				for i := range c {
					c[i] = F(i % 5)
				}
				name := fmt.Sprintf("%s %T dim %d n %d at %s", k.name, c, dim, n, p.name)
				guarded(t, name, func() { distances(dists, points, c, dim) })
				for i := range n {
					checkDistance(t, k.name, dim, points[i*dim:(i+1)*dim], c, dists[i])
				}
			}
		}
	}
}
