package vecfit

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// ridgeBenchShapes are the float32 problem sizes of the ridge benchmarks:
// many short rows, a middle size, and few long rows.
var ridgeBenchShapes = []struct{ n, dim int }{
	{1000000, 16},
	{100000, 128},
	{20000, 768},
}

type ridgeBenchData struct {
	X, y, w []float32
}

var (
	ridgeBenchMu    sync.Mutex
	ridgeBenchCache = map[[2]int]*ridgeBenchData{}
)

// ridgeBenchInput returns normal X and w and y = X·w + noise, made once
// per shape.
func ridgeBenchInput(n, dim int) *ridgeBenchData {
	ridgeBenchMu.Lock()
	defer ridgeBenchMu.Unlock()
	if d, ok := ridgeBenchCache[[2]int{n, dim}]; ok {
		return d
	}
	rng := rand.New(rand.NewPCG(uint64(n), uint64(dim)))
	d := &ridgeBenchData{
		X: make([]float32, n*dim),
		y: make([]float32, n),
		w: make([]float32, dim),
	}
	for j := range d.w {
		d.w[j] = float32(rng.NormFloat64())
	}
	for i := range n {
		var s float32
		for j := range dim {
			v := float32(rng.NormFloat64())
			d.X[i*dim+j] = v
			s += v * d.w[j]
		}
		d.y[i] = s + 0.1*float32(rng.NormFloat64())
	}
	ridgeBenchCache[[2]int{n, dim}] = d
	return d
}

// BenchmarkRidgeGrad reports the rate at which RidgeGrad reads X, in GB/s,
// with X on the Go heap (memory=heap) and with X in transparent huge
// pages (memory=huge), where numpy keeps its large arrays.
func BenchmarkRidgeGrad(b *testing.B) {
	for _, s := range ridgeBenchShapes {
		for _, k := range Kernels() {
			for _, memory := range []string{"heap", "huge"} {
				name := fmt.Sprintf("shape=%dx%d/kernel=%s/memory=%s", s.n, s.dim, k, memory)
				b.Run(name, func(b *testing.B) {
					d := ridgeBenchInput(s.n, s.dim)
					X := d.X
					if memory == "huge" {
						X = hugePageCopy(b, d.X)
					}
					grad := make([]float32, s.dim)
					opts := Options{Kernel: k}
					b.SetBytes(int64(4 * len(X)))
					for b.Loop() {
						if _, _, err := RidgeGradWith(opts, grad, X, d.y, d.w, 0.5, 0.1); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(4*len(X))*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
				})
			}
		}
	}
}

// BenchmarkRidgeGradBatch times RidgeGrad on the small batches of a
// training loop, where X is in cache and the fixed cost of a call, its
// allocations and its passes over w, counts.
func BenchmarkRidgeGradBatch(b *testing.B) {
	for _, s := range []struct{ n, dim int }{{256, 16}, {64, 128}, {32, 768}} {
		for _, k := range Kernels() {
			b.Run(fmt.Sprintf("shape=%dx%d/kernel=%s", s.n, s.dim, k), func(b *testing.B) {
				d := ridgeBenchInput(s.n, s.dim)
				grad := make([]float32, s.dim)
				opts := Options{Kernel: k}
				b.SetBytes(int64(4 * len(d.X)))
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := RidgeGradWith(opts, grad, d.X, d.y, d.w, 0.5, 0.1); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkFitRidge reports the multiply-adds of the Gram product, the
// n·dim·(dim+1)/2 entries on and above the diagonal, in GFMA/s.
func BenchmarkFitRidge(b *testing.B) {
	for _, s := range ridgeBenchShapes {
		for _, k := range Kernels() {
			b.Run(fmt.Sprintf("shape=%dx%d/kernel=%s", s.n, s.dim, k), func(b *testing.B) {
				d := ridgeBenchInput(s.n, s.dim)
				opts := RidgeOptions{Kernel: k}
				for b.Loop() {
					if _, err := FitRidge(d.X, d.y, s.dim, 0.1, opts); err != nil {
						b.Fatal(err)
					}
				}
				fma := float64(s.n) * float64(s.dim) * float64(s.dim+1) / 2
				b.ReportMetric(fma*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFMA/s")
			})
		}
	}
}

// BenchmarkFitRidgeWeighted times FitRidge with sample weights 1, 2 and
// 3 in turn, which take the two-pass fit with √wᵢ-scaled rows.
func BenchmarkFitRidgeWeighted(b *testing.B) {
	for _, s := range ridgeBenchShapes[:2] {
		d := ridgeBenchInput(s.n, s.dim)
		weights := make([]float64, s.n)
		for i := range weights {
			weights[i] = float64(1 + i%3)
		}
		for _, k := range Kernels() {
			b.Run(fmt.Sprintf("shape=%dx%d/kernel=%s", s.n, s.dim, k), func(b *testing.B) {
				opts := RidgeOptions{Weights: weights, Kernel: k}
				for b.Loop() {
					if _, err := FitRidge(d.X, d.y, s.dim, 0.1, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkGram measures the Gram kernel alone on a block of rows that
// fits in the L2 cache, in GFMA/s of the upper triangle.
func BenchmarkGram(b *testing.B) {
	for _, ds := range []int{16, 128, 768} {
		for _, k := range kernels {
			b.Run(fmt.Sprintf("ds=%d/kernel=%s", ds, k.name), func(b *testing.B) {
				stride := ds + 8
				rows := max(16, min(gramMaxBlockRows, gramBlockBytes/(8*stride)))
				rng := rand.New(rand.NewPCG(1, uint64(ds)))
				Z := randomFloats[float64](rng, rows*stride)
				G := make([]float64, ds*ds)
				gram := gramFor(k)
				for b.Loop() {
					gram(G, Z, ds, stride)
				}
				fma := float64(rows) * float64(ds) * float64(ds+1) / 2
				b.ReportMetric(fma*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFMA/s")
			})
		}
	}
}

// BenchmarkColumnSums measures the column-sum kernel of the fit's first
// pass over X, in chunks of ridgeChunkRows rows as FitRidge calls it. It
// reports the rate at which the kernel reads X.
func BenchmarkColumnSums(b *testing.B) {
	for _, s := range ridgeBenchShapes {
		X := ridgeBenchInput(s.n, s.dim).X
		sums := make([]float64, s.dim&^3)
		for _, k := range kernels {
			colSums := colSumsFor[float32](k)
			b.Run(fmt.Sprintf("shape=%dx%d/kernel=%s", s.n, s.dim, k.name), func(b *testing.B) {
				b.SetBytes(int64(4 * len(X)))
				for b.Loop() {
					for lo := 0; lo < s.n; lo += ridgeChunkRows {
						hi := min(lo+ridgeChunkRows, s.n)
						colSums(sums, X[lo*s.dim:hi*s.dim], s.dim, hi-lo)
					}
				}
			})
		}
	}
}

// BenchmarkFitRidgeWide times FitRidge on float64 X with fewer rows than
// columns, which it solves in the dual form. scripts/widefit.py times
// scikit-learn on the same shapes.
func BenchmarkFitRidgeWide(b *testing.B) {
	for _, s := range []struct{ n, dim int }{{10, 3000}, {200, 5000}, {1000, 2000}} {
		rng := rand.New(rand.NewPCG(uint64(s.n), uint64(s.dim)))
		X := randomFloats[float64](rng, s.n*s.dim)
		y := randomFloats[float64](rng, s.n)
		for _, k := range Kernels() {
			b.Run(fmt.Sprintf("shape=%dx%d/kernel=%s", s.n, s.dim, k), func(b *testing.B) {
				opts := RidgeOptions{Kernel: k}
				for b.Loop() {
					if _, err := FitRidge(X, y, s.dim, 0.1, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
