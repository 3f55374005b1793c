package vecfit

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDistancesKernels checks each kernel's single-centroid distances
// against the exact reference, for dims 1..70 (every length of the vector
// body and scalar tail) and rows that start at odd element offsets.
func TestDistancesKernels(t *testing.T) {
	for _, k := range kernels {
		testDistances[float32](t, k)
		testDistances[float64](t, k)
	}
}

func testDistances[F Float](t *testing.T, k *kernel) {
	r := rand.New(rand.NewPCG(3, 4))
	distances := distancesFor[F](k)
	for dim := 1; dim <= 70; dim++ {
		for _, n := range []int{0, 1, 5} {
			for _, offset := range []int{0, 1} {
				buf := make([]F, offset+n*dim)
				points := buf[offset:]
				for i := range points {
					points[i] = F(1e4 + r.NormFloat64())
				}
				c := make([]F, dim)
				for i := range c {
					c[i] = F(1e4 + r.NormFloat64())
				}
				dists := make([]F, n+1)
				dists[n] = -1 // sentinel past the end
				distances(dists[:n], points, c, dim)
				if dists[n] != -1 {
					t.Fatalf("%s %T dim %d n %d: wrote past the end of dists", k.name, c, dim, n)
				}
				for i := range n {
					checkDistance(t, k.name, dim, points[i*dim:(i+1)*dim], c, dists[i])
				}
			}
		}
	}
}

// checkDistance fails the test unless got is within the accuracy contract,
// (dim+2)·ε relative, of the exact squared distance between x and c.
func checkDistance[F Float](t *testing.T, kernel string, dim int, x, c []F, got F) {
	t.Helper()
	exact := exactSquaredDistance(x, c)
	want := exact.hi + exact.lo
	bound := float64(dim+2) * epsilon[F]() * want
	if diff := math.Abs(float64(got) - want); diff > bound {
		t.Fatalf("%s %T dim %d: distance %v, want %v within %g", kernel, got, dim, got, want, bound)
	}
}
