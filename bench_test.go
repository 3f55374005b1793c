package vecfit

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShape is one shape of the benchmark grid: n points and k centroids
// of dim coordinates, drawn from a standard normal distribution.
type benchShape struct {
	name    string
	n, d, k int
}

// benchGrid stands for the common uses: the PyTorch forum example, map
// coordinates, tabular features, SIFT descriptors and sentence embeddings.
var benchGrid = []benchShape{
	{"seed", 2000, 10, 10},
	{"geo", 1_000_000, 2, 8},
	{"small", 100_000, 16, 64},
	{"sift", 100_000, 128, 256},
	{"bert", 20_000, 768, 1024},
}

func normalSlice[F Float](r *rand.Rand, n int) []F {
	s := make([]F, n)
	for i := range s {
		s[i] = F(r.NormFloat64())
	}
	return s
}

// BenchmarkNearest runs the grid on every kernel this CPU has, in float32,
// and sift also in float64. It reports GFMA/s: n·k·d multiply-adds, the
// work of a direct search, per nanosecond. Compare kernels with benchstat:
//
//	go test -run '^$' -bench Nearest -cpu 1 -count 6 | tee new.txt
//	benchstat -col /kernel new.txt
func BenchmarkNearest(b *testing.B) {
	for _, s := range benchGrid {
		benchNearest[float32](b, s, "")
	}
	benchNearest[float64](b, benchGrid[3], "/type=float64")
}

func benchNearest[F Float](b *testing.B, s benchShape, suffix string) {
	r := rand.New(rand.NewPCG(1, 2))
	points := normalSlice[F](r, s.n*s.d)
	centroids := normalSlice[F](r, s.k*s.d)
	labels := make([]int32, s.n)
	dists := make([]F, s.n)
	for _, name := range Kernels() {
		b.Run(fmt.Sprintf("shape=%s/kernel=%s%s", s.name, name, suffix), func(b *testing.B) {
			if testing.Short() && name == "generic" && s.n*s.d*s.k > 1e8 {
				b.Skip("generic kernel on a large shape is slow; skipped in -short mode")
			}
			opts := Options{Kernel: name}
			for b.Loop() {
				if err := NearestWith(opts, labels, dists, points, centroids, s.d); err != nil {
					b.Fatal(err)
				}
			}
			fma := float64(s.n) * float64(s.d) * float64(s.k)
			b.ReportMetric(fma*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFMA/s")
		})
	}
}

// BenchmarkNearestOnePoint searches one point against 50,000 centroids of
// 64 float32 values, with Nearest (api=function), which lays out the
// centroids on every call, and with a Centroids built once
// (api=centroids).
func BenchmarkNearestOnePoint(b *testing.B) {
	const k, dim = 50_000, 64
	r := rand.New(rand.NewPCG(1, 2))
	centroids := normalSlice[float32](r, k*dim)
	point := normalSlice[float32](r, dim)
	labels, dists := make([]int32, 1), make([]float32, 1)
	for _, name := range Kernels() {
		opts := Options{Kernel: name, Workers: 1}
		b.Run("api=function/kernel="+name, func(b *testing.B) {
			for b.Loop() {
				if err := NearestWith(opts, labels, dists, point, centroids, dim); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("api=centroids/kernel="+name, func(b *testing.B) {
			c, err := NewCentroids(centroids, dim, opts)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := c.Nearest(labels, dists, point); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
