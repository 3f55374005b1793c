package vecfit

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// centroidShapes cover the lane-per-point kernels (small dim), the
// difference kernels, the checked expansion (dim ≥ 64 with many
// centroids) and more centroids than one chunk holds.
var centroidShapes = []struct{ n, k, dim int }{
	{1, 1, 1},
	{3, 7, 2},
	{1500, 20, 12},
	{700, 33, 16},
	{300, 130, 64},
	{257, 600, 128},
	{100, 3000, 40},
	{5, 50, 300},
}

// Centroids must return what the package functions return, bit for bit,
// for every kernel and shape.
func TestCentroidsMatchPackageFunctions(t *testing.T) {
	testCentroidsMatch[float32](t)
	testCentroidsMatch[float64](t)
}

func testCentroidsMatch[F Float](t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range centroidShapes {
		points := normalSlice[F](r, s.n*s.dim)
		centroids := normalSlice[F](r, s.k*s.dim)
		for _, kern := range Kernels() {
			opts := Options{Kernel: kern}
			c, err := NewCentroids(centroids, s.dim, opts)
			if err != nil {
				t.Fatal(err)
			}
			if c.Len() != s.k || c.Dim() != s.dim {
				t.Errorf("%T %+v kernel %s: Len %d, Dim %d", F(0), s, kern, c.Len(), c.Dim())
			}
			wantL, wantD := make([]int32, s.n), make([]F, s.n)
			if err := NearestWith(opts, wantL, wantD, points, centroids, s.dim); err != nil {
				t.Fatal(err)
			}
			gotL, gotD := make([]int32, s.n), make([]F, s.n)
			if err := c.Nearest(gotL, gotD, points); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(gotL, wantL) {
				t.Errorf("%T %+v kernel %s: labels differ from NearestWith", F(0), s, kern)
			}
			for i := range gotD {
				if math.Float64bits(float64(gotD[i])) != math.Float64bits(float64(wantD[i])) {
					t.Errorf("%T %+v kernel %s: point %d: distance %v, NearestWith gives %v", F(0), s, kern, i, gotD[i], wantD[i])
					break
				}
			}
			wantSum, err := InertiaWith(opts, points, centroids, s.dim)
			if err != nil {
				t.Fatal(err)
			}
			if gotSum, err := c.Inertia(points); err != nil || gotSum != wantSum {
				t.Errorf("%T %+v kernel %s: Inertia %v, %v, want %v", F(0), s, kern, gotSum, err, wantSum)
			}
			if kern == Kernel() {
				wantLoss, err := Loss(points, centroids, s.dim)
				if err != nil {
					t.Fatal(err)
				}
				if gotLoss, err := c.Loss(points); err != nil || gotLoss != wantLoss {
					t.Errorf("%T %+v: Loss %v, %v, want %v", F(0), s, gotLoss, err, wantLoss)
				}
			}
		}
	}
}

// Changing the slice after NewCentroids must not change the searches.
func TestCentroidsCopiesInput(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const n, k, dim = 50, 200, 64
	points := normalSlice[float32](r, n*dim)
	centroids := normalSlice[float32](r, k*dim)
	want := make([]int32, n)
	if err := Nearest(want, nil, points, centroids, dim); err != nil {
		t.Fatal(err)
	}
	for _, kern := range Kernels() {
		input := slices.Clone(centroids)
		c, err := NewCentroids(input, dim, Options{Kernel: kern})
		if err != nil {
			t.Fatal(err)
		}
		for i := range input {
			input[i] = 1e30
		}
		got := make([]int32, n)
		if err := c.Nearest(got, nil, points); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("kernel %s: labels changed with the slice given to NewCentroids", kern)
		}
	}
}

// A one-point search must not copy the centroids again.
func TestCentroidsOnePointAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	const k, dim = 20000, 64
	centroids := normalSlice[float32](r, k*dim)
	point := centroids[:dim]
	labels, dists := make([]int32, 1), make([]float32, 1)
	for _, kern := range Kernels() {
		c, err := NewCentroids(centroids, dim, Options{Kernel: kern, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Nearest(labels, dists, point); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const calls = 10
		for range calls {
			if err := c.Nearest(labels, dists, point); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		if perCall := (after.TotalAlloc - before.TotalAlloc) / calls; perCall > 64<<10 {
			t.Errorf("kernel %s: one-point search allocates %d bytes per call, want at most 64 KiB (the centroids are %d bytes)",
				kern, perCall, 4*len(centroids))
		}
		if labels[0] != 0 || dists[0] != 0 {
			t.Errorf("kernel %s: centroid 0 as the point gives label %d at distance %v, want 0 at 0", kern, labels[0], dists[0])
		}
	}
}

// Goroutines sharing one Centroids must each get the single-goroutine
// results (run with -race to check the sharing itself).
func TestCentroidsConcurrentUse(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, k, dim = 300, 150, 64
	points := normalSlice[float64](r, n*dim)
	centroids := normalSlice[float64](r, k*dim)
	for _, kern := range Kernels() {
		c, err := NewCentroids(centroids, dim, Options{Kernel: kern, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, n)
		if err := c.Nearest(nil, want, points); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make([][]float64, 8)
		for g := range results {
			wg.Go(func() {
				results[g] = make([]float64, n)
				if err := c.Nearest(nil, results[g], points); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for g, got := range results {
			if !slices.Equal(got, want) {
				t.Errorf("kernel %s: goroutine %d got other distances", kern, g)
			}
		}
	}
}

func TestCentroidsErrors(t *testing.T) {
	centroids := []float32{0, 0, 1, 1}
	for _, tc := range []struct {
		name      string
		centroids []float32
		dim       int
		opts      Options
		want      error
	}{
		{"dim 0", centroids, 0, Options{}, ErrDim},
		{"ragged", centroids[:3], 2, Options{}, ErrLength},
		{"empty", nil, 2, Options{}, ErrNoCentroids},
		{"unknown kernel", centroids, 2, Options{Kernel: "sse9"}, ErrKernel},
	} {
		if _, err := NewCentroids(tc.centroids, tc.dim, tc.opts); !errors.Is(err, tc.want) {
			t.Errorf("%s: NewCentroids error %v, want %v", tc.name, err, tc.want)
		}
	}

	c, err := NewCentroids(centroids, 2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	points := []float32{0, 1, 2, 3}
	if err := c.Nearest(nil, nil, points[:3]); !errors.Is(err, ErrLength) {
		t.Errorf("ragged points: error %v, want ErrLength", err)
	}
	if err := c.Nearest(make([]int32, 1), nil, points); !errors.Is(err, ErrLength) {
		t.Errorf("short labels: error %v, want ErrLength", err)
	}
	if err := c.Nearest(nil, make([]float32, 1), points); !errors.Is(err, ErrLength) {
		t.Errorf("short dists: error %v, want ErrLength", err)
	}
	if err := c.Nearest(nil, points[:2], points); !errors.Is(err, ErrLength) {
		t.Errorf("dists sharing points: error %v, want ErrLength", err)
	}
	if _, err := c.Inertia(points[:1]); !errors.Is(err, ErrLength) {
		t.Errorf("Inertia of ragged points: error %v, want ErrLength", err)
	}
	if _, err := c.Loss(points[:1]); !errors.Is(err, ErrLength) {
		t.Errorf("Loss of ragged points: error %v, want ErrLength", err)
	}
	if loss, err := c.Loss(nil); loss != 0 || err != nil {
		t.Errorf("Loss of no points: %v, %v, want 0, nil", loss, err)
	}
}

// The zero value and a nil pointer hold no centroids. Their searches
// return an error instead of panicking.
func TestCentroidsZeroValue(t *testing.T) {
	var zero Centroids[float32]
	for name, c := range map[string]*Centroids[float32]{"zero value": &zero, "nil": nil} {
		if c.Len() != 0 || c.Dim() != 0 {
			t.Errorf("%s: Len %d, Dim %d, want 0 and 0", name, c.Len(), c.Dim())
		}
		if err := c.Nearest(nil, nil, []float32{1, 2}); !errors.Is(err, ErrNoCentroids) {
			t.Errorf("%s: Nearest error %v, want ErrNoCentroids", name, err)
		}
		if _, err := c.Inertia([]float32{1, 2}); !errors.Is(err, ErrNoCentroids) {
			t.Errorf("%s: Inertia error %v, want ErrNoCentroids", name, err)
		}
		if _, err := c.Loss(nil); !errors.Is(err, ErrNoCentroids) {
			t.Errorf("%s: Loss error %v, want ErrNoCentroids", name, err)
		}
	}
}
