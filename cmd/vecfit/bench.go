package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vecfit/vecfit"
)

var benchCommand = &command{
	name:     "bench",
	synopsis: "[flags]",
	summary:  "Time the nearest-centroid search on every kernel of this CPU.",
	example: `  # The small and sift shapes, float32, one goroutine, shortened:
  vecfit bench -shapes small,sift -short`,
	flags: benchFlags,
}

// benchShape is one nearest-centroid problem of the benchmark grid: n
// points and k centroids of d coordinates.
type benchShape struct {
	name    string
	n, d, k int
	about   string
}

var benchShapes = []benchShape{
	{"seed", 2_000, 10, 10, "a small loss computation in a training loop"},
	{"geo", 1_000_000, 2, 8, "low-dimensional clustering (maps, GPS)"},
	{"small", 100_000, 16, 64, "tabular features"},
	{"sift", 100_000, 128, 256, "IVF training on SIFT-like descriptors"},
	{"bert", 20_000, 768, 1024, "sentence-embedding clustering"},
}

type benchConfig struct {
	shapes    string
	kernels   string
	precision string
	short     bool
	workers   int
	minTime   time.Duration
}

func benchFlags(fs *flag.FlagSet) func(*env, []string) error {
	c := &benchConfig{}
	names := make([]string, len(benchShapes))
	for i, s := range benchShapes {
		names[i] = s.name
	}
	fs.StringVar(&c.shapes, "shapes", strings.Join(names, ","), "comma-separated `shapes` to run")
	fs.StringVar(&c.kernels, "kernels", "", "comma-separated `kernels` to run (default: every kernel this CPU has)")
	fs.StringVar(&c.precision, "float", "float32", "element `type`: float32 or float64")
	fs.BoolVar(&c.short, "short", false, "divide every n by 10 and time each case for 100ms unless -time is given, for a quick check")
	fs.IntVar(&c.workers, "workers", 1, "number of goroutines (0: GOMAXPROCS)")
	fs.DurationVar(&c.minTime, "time", time.Second, "minimum time to repeat each case for")
	return func(e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q; bench reads no file", args)
		}
		if c.short && !flagSet(fs, "time") {
			c.minTime = 100 * time.Millisecond
		}
		return c.run(e)
	}
}

func (c *benchConfig) run(e *env) error {
	var shapes []benchShape
	for _, name := range strings.Split(c.shapes, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(benchShapes, func(s benchShape) bool { return s.name == name })
		if i < 0 {
			return fmt.Errorf("unknown shape %q in -shapes, want some of seed, geo, small, sift, bert", name)
		}
		shapes = append(shapes, benchShapes[i])
	}
	kernels := vecfit.Kernels()
	if c.kernels != "" {
		kernels = nil
		for _, k := range strings.Split(c.kernels, ",") {
			k = strings.TrimSpace(k)
			if err := checkKernel("-kernels", k); err != nil {
				return err
			}
			kernels = append(kernels, k)
		}
	}
	if c.precision != "float32" && c.precision != "float64" {
		return fmt.Errorf("invalid -float %q, want float32 or float64", c.precision)
	}
	if c.workers < 0 {
		return fmt.Errorf("invalid -workers %d, want 0 (GOMAXPROCS) or more", c.workers)
	}
	if c.minTime < 0 {
		return fmt.Errorf("invalid -time %v, want at least 0", c.minTime)
	}

	goroutines := strconv.Itoa(c.workers) + " goroutines"
	switch {
	case c.workers <= 0:
		goroutines = "GOMAXPROCS goroutines"
	case c.workers == 1:
		goroutines = "1 goroutine"
	}
	fmt.Fprintf(e.stderr, "nearest-centroid search, %s, %s; GFMA/s = n·k·d / seconds / 1e9\n", c.precision, goroutines)
	const row = "%-6s %8v %4v %5v  %-8s %10v %8v\n"
	fmt.Fprintf(e.stdout, row, "shape", "n", "d", "k", "kernel", "time/op", "GFMA/s")
	for _, s := range shapes {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		if c.short {
			s.n = max(s.n/10, 1)
		}
		var cells []benchCell
		var err error
		if c.precision == "float32" {
			cells, err = benchShapeRun[float32](e.ctx, c, s, kernels)
		} else {
			cells, err = benchShapeRun[float64](e.ctx, c, s, kernels)
		}
		if err != nil {
			return err
		}
		for _, cell := range cells {
			gfma := float64(s.n) * float64(s.k) * float64(s.d) / cell.perOp.Seconds() / 1e9
			fmt.Fprintf(e.stdout, row, s.name, s.n, s.d, s.k, cell.kernel, roundDuration(cell.perOp), formatRate(gfma))
		}
	}
	return nil
}

// formatRate formats a rate with two decimals, or with two significant
// digits below 1, so that a slow run (under an emulator, say) does not
// print 0.00.
func formatRate(rate float64) string {
	digits := 2
	if rate > 0 && rate < 1 {
		digits = 1 - int(math.Floor(math.Log10(rate)))
	}
	return strconv.FormatFloat(rate, 'f', digits, 64)
}

type benchCell struct {
	kernel string
	perOp  time.Duration
}

// benchShapeRun times the search of shape s on each kernel, with points and
// centroids drawn from a standard normal distribution by a fixed seed, as
// the package benchmark BenchmarkNearest draws them. It returns ctx's
// error once ctx is canceled, checked after each search.
func benchShapeRun[F float32 | float64](ctx context.Context, c *benchConfig, s benchShape, kernels []string) ([]benchCell, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	points := make([]F, s.n*s.d)
	for i := range points {
		points[i] = F(rng.NormFloat64())
	}
	centroids := make([]F, s.k*s.d)
	for i := range centroids {
		centroids[i] = F(rng.NormFloat64())
	}
	labels := make([]int32, s.n)
	dists := make([]F, s.n)

	var cells []benchCell
	for _, k := range kernels {
		opts := vecfit.Options{Kernel: k, Workers: c.workers}
		ops := 0
		start := time.Now()
		for {
			if err := vecfit.NearestWith(opts, labels, dists, points, centroids, s.d); err != nil {
				return nil, err
			}
			ops++
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if time.Since(start) >= c.minTime {
				break
			}
		}
		cells = append(cells, benchCell{k, time.Since(start) / time.Duration(ops)})
	}
	return cells, nil
}
