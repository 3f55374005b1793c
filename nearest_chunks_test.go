package vecfit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestNearestChunkedRetries runs every kernel through the public API
// on shapes with several centroid chunks, a short last chunk and k not a
// multiple of 64. Every third point sits next to a centroid that appears
// twice, an exact tie that the expansion path must hand to the difference
// kernels. It checks the accuracy contract, the planted labels (the lower
// index of a tie) and the generic kernel's labels.
func TestNearestChunkedRetries(t *testing.T) {
	testChunkedRetries[float32](t)
	testChunkedRetries[float64](t)
}

func testChunkedRetries[F Float](t *testing.T) {
	shapes := []struct{ dim, k, n int }{
		{128, 512 + 37, 300},
		{128, 3*512 + 100, 200},
		{200, 1061, 1500},
		{1100, 3*64 + 24, 130},
		{1100, 600, 70},
		{64, 96, 50},
		{65, 97, 50},
		{129, 513, 100},
	}
	if testing.Short() {
		shapes = []struct{ dim, k, n int }{{128, 512 + 37, 300}, {1100, 3*64 + 24, 130}, {65, 97, 50}}
	}
	for _, sh := range shapes {
		dim, k, n := sh.dim, sh.k, sh.n
		rng := rand.New(rand.NewPCG(uint64(dim), uint64(k)))
		centroids := make([]F, k*dim)
		for i := range centroids {
			centroids[i] = F(rng.NormFloat64())
		}
		points := make([]F, n*dim)
		want := make([]int32, n)
		for i := range n {
			c := rng.IntN(k)
			if i%3 == 0 {
				// Copy centroid c to another index: the lower one wins.
				other := rng.IntN(k)
				copy(centroids[other*dim:(other+1)*dim], centroids[c*dim:(c+1)*dim])
				c = min(c, other)
			}
			want[i] = int32(c)
			for j := range dim {
				points[i*dim+j] = centroids[c*dim+j] + F(rng.NormFloat64()/100)
			}
		}
		// A later copy may overwrite a planted centroid, so the planted
		// labels are set again from the final rows.
		for i := range n {
			x := points[i*dim : (i+1)*dim]
			best, bestD := -1, 0.0
			for c := range k {
				var d float64
				for j := range dim {
					v := float64(x[j]) - float64(centroids[c*dim+j])
					d += v * v
				}
				if best < 0 || d < bestD {
					best, bestD = c, d
				}
			}
			if best != int(want[i]) {
				want[i] = -1
			}
		}

		ref := newReference(points, centroids, dim)
		genLabels := make([]int32, n)
		genDists := make([]F, n)
		if err := NearestWith(Options{Kernel: "generic"}, genLabels, genDists, points, centroids, dim); err != nil {
			t.Fatal(err)
		}
		for _, kernel := range Kernels() {
			for _, workers := range []int{1, 2} {
				name := fmt.Sprintf("%T %s workers %d dim %d k %d n %d", F(0), kernel, workers, dim, k, n)
				labels := make([]int32, n)
				dists := make([]F, n)
				if err := NearestWith(Options{Kernel: kernel, Workers: workers}, labels, dists, points, centroids, dim); err != nil {
					t.Fatal(err)
				}
				if msg := ref.check(labels, dists, 3); msg != "" {
					t.Errorf("%s: contract broken:%s", name, msg)
				}
				for i := range n {
					if want[i] >= 0 && labels[i] != want[i] {
						t.Errorf("%s point %d: label %d, want %d", name, i, labels[i], want[i])
						break
					}
				}
				if !slices.Equal(labels, genLabels) {
					t.Errorf("%s: labels differ from the generic kernel's", name)
				}
			}

			// The expansion path must hand some points on, or the test
			// misses the retries.
			s, err := newSearch(Options{Kernel: kernel}, centroids, dim)
			if err != nil {
				t.Fatal(err)
			}
			if s.dot == nil {
				continue
			}
			var scratch searchScratch[F]
			block := min(n, blockRows)
			labels, dists := make([]int32, block), make([]F, block)
			s.rows(labels, dists, points[:block*dim], &scratch)
			if len(scratch.retry) == 0 || len(scratch.retry) == block {
				t.Errorf("%T %s dim %d k %d: %d of %d points retried, want some but not all", F(0), kernel, dim, k, len(scratch.retry), block)
			}
			t.Logf("%T %s dim %d k %d: %d of %d points retried, %d chunks", F(0), kernel, dim, k, len(scratch.retry), block, len(s.dot.chunks))
		}
	}
}
