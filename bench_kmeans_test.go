package vecfit

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkKMeansIteration times one Lloyd iteration (an assignment by the
// nearest-centroid kernel and a centroid update) per b.N, on float32 points
// drawn from a standard normal distribution, from K distinct points as
// initial centroids. It reports milliseconds per iteration. Run it on one
// core beside the peers' per-iteration times:
//
//	go test -run '^$' -bench KMeansIteration -cpu 1 -count 6 | tee kmeans.txt
//	benchstat -col /kernel kmeans.txt
func BenchmarkKMeansIteration(b *testing.B) {
	shapes := []struct {
		name    string
		n, d, k int
	}{
		{"small", 100_000, 16, 64},
		{"sift", 100_000, 128, 256},
	}
	for _, s := range shapes {
		r := rand.New(rand.NewPCG(1, 2))
		points := randomNormal[float32](r, s.n*s.d)
		for _, kernel := range Kernels() {
			b.Run(fmt.Sprintf("shape=%s/kernel=%s", s.name, kernel), func(b *testing.B) {
				if testing.Short() && kernel == "generic" && s.n*s.d*s.k > 1e8 {
					b.Skip("generic kernel on a large shape is slow; skipped in -short mode")
				}
				f, err := newKMeansFit(points, s.d, KMeansOptions{K: s.k, Init: InitRandom, Kernel: kernel})
				if err != nil {
					b.Fatal(err)
				}
				init, err := f.seed(context.Background(), rand.New(rand.NewPCG(3, 4)))
				if err != nil {
					b.Fatal(err)
				}
				state := f.newLloydState(init)
				for b.Loop() {
					f.assign(state)
					f.update(state)
				}
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/iter")
			})
		}
	}
}
