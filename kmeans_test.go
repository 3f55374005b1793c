package vecfit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// blobs returns n points of dim coordinates around centers well-separated
// cluster centers: each center is spread·(a random normal vector), and each
// point is its center plus standard normal noise.
func blobs[F Float](r *rand.Rand, n, dim, centers int, spread float64) []F {
	c := make([]float64, centers*dim)
	for i := range c {
		c[i] = spread * r.NormFloat64()
	}
	points := make([]F, n*dim)
	for i := range n {
		j := r.IntN(centers)
		for d := range dim {
			points[i*dim+d] = F(c[j*dim+d] + r.NormFloat64())
		}
	}
	return points
}

// checkClustering checks the invariants that hold whatever happened in the
// fit: the labels are the nearest-centroid labels of the returned centroids
// (with the same kernel), the inertia is the weighted sum of the distances,
// the sizes count the labels, and no centroid is NaN or infinite.
func checkClustering[F Float](t *testing.T, c *Clustering[F], points []F, dim int, opts KMeansOptions) {
	t.Helper()
	n := len(points) / dim
	if len(c.Centroids) != opts.K*dim {
		t.Fatalf("len(Centroids) = %d, want %d", len(c.Centroids), opts.K*dim)
	}
	if len(c.Labels) != n {
		t.Fatalf("len(Labels) = %d, want %d", len(c.Labels), n)
	}
	for i, v := range c.Centroids {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatalf("Centroids[%d] = %v, want a finite value", i, v)
		}
	}

	labels := make([]int32, n)
	dists := make([]F, n)
	if err := NearestWith(Options{Kernel: opts.Kernel}, labels, dists, points, c.Centroids, dim); err != nil {
		t.Fatal(err)
	}
	for i := range labels {
		if c.Labels[i] != labels[i] {
			t.Fatalf("Labels[%d] = %d, but the nearest returned centroid is %d", i, c.Labels[i], labels[i])
		}
	}

	var inertia float64
	for i, d := range dists {
		w := 1.0
		if opts.Weights != nil {
			w = opts.Weights[i]
		}
		inertia += w * float64(d)
	}
	if e := relativeError(c.Inertia, inertia, 1e-300); e > 1e-12 {
		t.Errorf("Inertia = %.17g, weighted sum of distances %.17g", c.Inertia, inertia)
	}

	sizes := make([]int, opts.K)
	for _, l := range c.Labels {
		sizes[l]++
	}
	if !slices.Equal(c.Sizes, sizes) {
		t.Errorf("Sizes = %v, labels count %v", c.Sizes, sizes)
	}
	if d := countDistinct(c.Centroids, dim); c.Distinct != d {
		t.Errorf("Distinct = %d, want %d", c.Distinct, d)
	}
}

// TestKMeansInvariants fits many configurations, several of them built to
// force relocations, early stops and restarts, and checks the invariants.
func TestKMeansInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const dim = 3
	points := blobs[float64](r, 500, dim, 6, 4)
	weights := make([]float64, 500)
	for i := range weights {
		weights[i] = float64(r.IntN(4))
	}
	// Initial centroids that leave clusters empty: a far point and two
	// copies of the same point.
	far := []float64{1e3, 1e3, 1e3, points[0], points[1], points[2], points[0], points[1], points[2], 0, 0, 0}
	cases := []struct {
		name string
		opts KMeansOptions
	}{
		{"k-means++", KMeansOptions{K: 6, Seed: 1}},
		{"random", KMeansOptions{K: 6, Seed: 2, Init: InitRandom}},
		{"restarts", KMeansOptions{K: 8, Seed: 3, Restarts: 4}},
		{"weights", KMeansOptions{K: 6, Seed: 4, Weights: weights}},
		{"one iteration", KMeansOptions{K: 6, Seed: 5, MaxIter: 1}},
		{"tolerance", KMeansOptions{K: 6, Seed: 6, Tol: 1e-2}},
		{"empty clusters", KMeansOptions{K: 4, Init: InitGiven, InitCentroids: far}},
		{"K equals n", KMeansOptions{K: 500, Seed: 7}},
		{"K is 1", KMeansOptions{K: 1, Seed: 8}},
	}
	for _, kernel := range Kernels() {
		for _, c := range cases {
			t.Run(c.name+"/kernel="+kernel, func(t *testing.T) {
				opts := c.opts
				opts.Kernel = kernel
				got, err := KMeans(points, dim, opts)
				if err != nil {
					t.Fatal(err)
				}
				checkClustering(t, got, points, dim, opts)
				p32 := toFloat[float32](points)
				got32, err := KMeans(p32, dim, opts)
				if err != nil {
					t.Fatal(err)
				}
				checkClustering(t, got32, p32, dim, opts)
			})
		}
	}
}

// TestKMeansEmptyClusterRelocated starts with a centroid that no point is
// near and checks that it is moved onto the data.
func TestKMeansEmptyClusterRelocated(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	points := blobs[float64](r, 300, 2, 3, 5)
	init := []float64{1e4, 1e4, points[0], points[1], points[2], points[3], points[4], points[5]}
	c, err := KMeans(points, 2, KMeansOptions{K: 4, Init: InitGiven, InitCentroids: init})
	if err != nil {
		t.Fatal(err)
	}
	for j, s := range c.Sizes {
		if s == 0 {
			t.Errorf("cluster %d is empty after the fit, sizes %v", j, c.Sizes)
		}
	}
	if c.Distinct != 4 {
		t.Errorf("Distinct = %d, want 4", c.Distinct)
	}
	if !c.Converged {
		t.Errorf("Converged = false, want true")
	}
}

// TestKMeansFewDistinctPoints covers data with fewer distinct points than K:
// the fit converges with inertia 0 and reports the number of distinct
// centroids.
func TestKMeansFewDistinctPoints(t *testing.T) {
	cases := []struct {
		name     string
		points   []float64
		k        int
		distinct int
	}{
		{"three identical points, K=2", []float64{1, 2, 1, 2, 1, 2}, 2, 1},
		{"two identical and one other, K=3", []float64{1, 2, 1, 2, 5, -1}, 3, 2},
		{"all zero, K=4", make([]float64, 8), 4, 1},
	}
	for _, c := range cases {
		for _, init := range []Init{InitKMeansPlusPlus, InitRandom} {
			for _, kernel := range Kernels() {
				t.Run(fmt.Sprintf("%s/init=%v/kernel=%s", c.name, init, kernel), func(t *testing.T) {
					opts := KMeansOptions{K: c.k, Init: init, Kernel: kernel, Restarts: 2}
					got, err := KMeans(c.points, 2, opts)
					if err != nil {
						t.Fatal(err)
					}
					checkClustering(t, got, c.points, 2, opts)
					if got.Inertia != 0 {
						t.Errorf("Inertia = %v, want 0", got.Inertia)
					}
					if !got.Converged {
						t.Errorf("Converged = false, want true")
					}
					if got.Distinct != c.distinct {
						t.Errorf("Distinct = %d, want %d", got.Distinct, c.distinct)
					}
				})
			}
		}
	}
}

// TestKMeansReproducible checks that a Seed gives the same result bit for
// bit for any number of goroutines, with enough points for the search to
// run in parallel.
func TestKMeansReproducible(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	n := 20000
	if testing.Short() {
		n = 5000
	}
	points := blobs[float32](r, n, 8, 12, 3)
	opts := KMeansOptions{K: 12, Seed: 42, Restarts: 2, Workers: 1}
	want, err := KMeans(points, 8, opts)
	if err != nil {
		t.Fatal(err)
	}
	// A negative Workers means GOMAXPROCS, as 0 does.
	for _, workers := range []int{2, 3, 8, 0, -1} {
		opts.Workers = workers
		got, err := KMeans(points, 8, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Centroids, want.Centroids) || !slices.Equal(got.Labels, want.Labels) ||
			got.Inertia != want.Inertia || got.Iterations != want.Iterations {
			t.Errorf("Workers=%d: result differs from Workers=1", workers)
		}
	}
}

// TestKMeansWeightsAsCopies checks that an integer weight acts as that many
// copies of the point.
func TestKMeansWeightsAsCopies(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	const dim = 2
	points := blobs[float64](r, 200, dim, 4, 3)
	weights := make([]float64, 200)
	var copies []float64
	for i := range weights {
		weights[i] = float64(r.IntN(3))
		for range int(weights[i]) {
			copies = append(copies, points[i*dim:(i+1)*dim]...)
		}
	}
	init := slices.Clone(points[:4*dim])
	weighted, err := KMeans(points, dim, KMeansOptions{K: 4, Init: InitGiven, InitCentroids: init, Weights: weights})
	if err != nil {
		t.Fatal(err)
	}
	copied, err := KMeans(copies, dim, KMeansOptions{K: 4, Init: InitGiven, InitCentroids: init})
	if err != nil {
		t.Fatal(err)
	}
	if weighted.Iterations != copied.Iterations {
		t.Errorf("Iterations = %d with weights, %d with copies", weighted.Iterations, copied.Iterations)
	}
	if e := relativeError(weighted.Inertia, copied.Inertia, 0); e > 1e-12 {
		t.Errorf("Inertia = %v with weights, %v with copies", weighted.Inertia, copied.Inertia)
	}
	for i := range weighted.Centroids {
		if e := relativeError(weighted.Centroids[i], copied.Centroids[i], 1); e > 1e-12 {
			t.Errorf("Centroids[%d] = %v with weights, %v with copies", i, weighted.Centroids[i], copied.Centroids[i])
		}
	}
}

// TestKMeansOnePositiveWeight gives weight only to one of three distinct
// points, so every centroid must sit on it and the other points, of weight
// 0, add nothing to the inertia.
func TestKMeansOnePositiveWeight(t *testing.T) {
	points := []float64{1, 1, 5, 5, -3, 2}
	for _, init := range []Init{InitKMeansPlusPlus, InitRandom} {
		opts := KMeansOptions{K: 3, Init: init, Weights: []float64{0, 2, 0}}
		c, err := KMeans(points, 2, opts)
		if err != nil {
			t.Fatal(err)
		}
		checkClustering(t, c, points, 2, opts)
		for j := range 3 {
			if got := c.Centroids[j*2 : j*2+2]; got[0] != 5 || got[1] != 5 {
				t.Errorf("init=%v: centroid %d = %v, want the weighted point [5 5]", init, j, got)
			}
		}
		if c.Distinct != 1 || c.Inertia != 0 || !c.Converged {
			t.Errorf("init=%v: Distinct %d, Inertia %v, Converged %v, want 1, 0, true", init, c.Distinct, c.Inertia, c.Converged)
		}
	}
}

// TestSeedSkipsZeroWeights places far outliers of weight 0, which would
// dominate weight×D² if their weight counted, and checks that no seeding
// ever picks one.
func TestSeedSkipsZeroWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	const dim, n = 2, 100
	points := blobs[float64](r, n, dim, 3, 2)
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 1
		if i%10 == 0 {
			points[i*dim] = 1e6 + float64(i)
			weights[i] = 0
		}
	}
	for _, init := range []Init{InitKMeansPlusPlus, InitRandom} {
		for seed := range uint64(50) {
			f, err := newKMeansFit(points, dim, KMeansOptions{K: 5, Init: init, Weights: weights})
			if err != nil {
				t.Fatal(err)
			}
			centroids, err := f.seed(context.Background(), rand.New(rand.NewPCG(seed, 0)))
			if err != nil {
				t.Fatal(err)
			}
			for c := range 5 {
				if centroids[c*dim] >= 1e6 {
					t.Fatalf("init=%v seed=%d: centroid %d is a point of weight 0", init, seed, c)
				}
			}
		}
	}
}

// TestSeedFavorsHeavyPoints gives one point most of the total weight and
// checks that k-means++ picks it as the first centroid almost always.
func TestSeedFavorsHeavyPoints(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	const dim, n = 2, 100
	points := blobs[float64](r, n, dim, 1, 0)
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 1
	}
	const heavy = 37
	weights[heavy] = 1e5
	hits := 0
	for seed := range uint64(100) {
		f, err := newKMeansFit(points, dim, KMeansOptions{K: 2, Weights: weights})
		if err != nil {
			t.Fatal(err)
		}
		centroids, err := f.seed(context.Background(), rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(centroids[:dim], points[heavy*dim:(heavy+1)*dim]) {
			hits++
		}
	}
	// The heavy point has probability 1e5/(1e5+99) ≈ 0.999 per draw.
	if hits < 95 {
		t.Errorf("heavy point seeded first in %d of 100 seeds, want at least 95", hits)
	}
}

// TestKMeansPlusPlusBeatsRandom compares the mean inertia, after seeding and
// after the fit, of k-means++ and uniform seeding on well-separated blobs.
func TestKMeansPlusPlusBeatsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	const dim, k = 2, 10
	points := blobs[float64](r, 2000, dim, k, 20)
	mean := func(init Init) (seeded, fitted float64) {
		for seed := range uint64(10) {
			opts := KMeansOptions{K: k, Init: init, Seed: seed}
			f, err := newKMeansFit(points, dim, opts)
			if err != nil {
				t.Fatal(err)
			}
			centroids, err := f.seed(context.Background(), rand.New(rand.NewPCG(seed, 0)))
			if err != nil {
				t.Fatal(err)
			}
			s, err := Inertia(points, centroids, dim)
			if err != nil {
				t.Fatal(err)
			}
			c, err := KMeans(points, dim, opts)
			if err != nil {
				t.Fatal(err)
			}
			seeded += s / 10
			fitted += c.Inertia / 10
		}
		return seeded, fitted
	}
	ppSeeded, ppFitted := mean(InitKMeansPlusPlus)
	rSeeded, rFitted := mean(InitRandom)
	t.Logf("mean inertia: k-means++ seeding %.4g, fit %.4g; random seeding %.4g, fit %.4g",
		ppSeeded, ppFitted, rSeeded, rFitted)
	if ppSeeded >= rSeeded {
		t.Errorf("k-means++ seeding inertia %.4g, not below random seeding %.4g", ppSeeded, rSeeded)
	}
	if ppFitted >= rFitted {
		t.Errorf("k-means++ fit inertia %.4g, not below random fit %.4g", ppFitted, rFitted)
	}
}

// TestKMeansRestartsKeepBest checks that more restarts never give a higher
// inertia: restart 0 draws from the same stream in both fits.
func TestKMeansRestartsKeepBest(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	points := blobs[float64](r, 1000, 2, 15, 6)
	for seed := range uint64(5) {
		one, err := KMeans(points, 2, KMeansOptions{K: 15, Seed: seed, Init: InitRandom})
		if err != nil {
			t.Fatal(err)
		}
		var inertias []float64
		five, err := KMeans(points, 2, KMeansOptions{K: 15, Seed: seed, Init: InitRandom, Restarts: 5,
			Progress: func(p KMeansProgress) {
				if p.Restart >= len(inertias) {
					inertias = append(inertias, 0)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		if five.Inertia > one.Inertia {
			t.Errorf("seed %d: inertia with 5 restarts %v, above 1 restart %v", seed, five.Inertia, one.Inertia)
		}
		if len(inertias) != 5 {
			t.Errorf("seed %d: progress saw %d restarts, want 5", seed, len(inertias))
		}
	}
}

// TestKMeansProgress checks the progress reports of a fit that converges
// because no label changed.
func TestKMeansProgress(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	points := blobs[float64](r, 400, 2, 4, 5)
	var reports []KMeansProgress
	c, err := KMeans(points, 2, KMeansOptions{K: 4, Seed: 1, Progress: func(p KMeansProgress) {
		reports = append(reports, p)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != c.Iterations {
		t.Fatalf("%d progress reports, want one per iteration (%d)", len(reports), c.Iterations)
	}
	for i, p := range reports {
		if p.Iteration != i+1 || p.Restart != 0 {
			t.Errorf("report %d: restart %d iteration %d, want restart 0 iteration %d", i, p.Restart, p.Iteration, i+1)
		}
		if i > 0 && p.Inertia > reports[i-1].Inertia {
			t.Errorf("report %d: inertia rose from %v to %v", i, reports[i-1].Inertia, p.Inertia)
		}
	}
	if reports[0].Changed != 400 {
		t.Errorf("first report: Changed = %d, want every point (400)", reports[0].Changed)
	}
	last := reports[len(reports)-1]
	if !c.Converged || last.Changed != 0 {
		t.Errorf("Converged = %v and last Changed = %d, want true and 0", c.Converged, last.Changed)
	}
	if last.Inertia != c.Inertia {
		t.Errorf("last report inertia %v, result %v", last.Inertia, c.Inertia)
	}
}

// TestKMeansMaxIterAndTol checks the two early stops.
func TestKMeansMaxIterAndTol(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	points := blobs[float64](r, 2000, 2, 20, 3)
	full, err := KMeans(points, 2, KMeansOptions{K: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if full.Iterations < 4 {
		t.Fatalf("the full fit took %d iterations, too few for this test", full.Iterations)
	}
	capped, err := KMeans(points, 2, KMeansOptions{K: 20, Seed: 1, MaxIter: 2})
	if err != nil {
		t.Fatal(err)
	}
	if capped.Iterations != 2 || capped.Converged {
		t.Errorf("MaxIter 2: Iterations = %d, Converged = %v, want 2 and false", capped.Iterations, capped.Converged)
	}

	// With a huge Tol the first update already moves less than the limit.
	loose, err := KMeans(points, 2, KMeansOptions{K: 20, Seed: 1, Tol: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	if loose.Iterations != 1 || !loose.Converged {
		t.Errorf("Tol 1e9: Iterations = %d, Converged = %v, want 1 and true", loose.Iterations, loose.Converged)
	}

	// Tol is measured as Σⱼ‖cⱼ(new) − cⱼ(old)‖² against Tol times the mean
	// coordinate variance. The centroids after m updates are those of a fit
	// capped at MaxIter m, so the first m whose shift is within the limit
	// is the iteration where the fit with Tol must stop.
	init := slices.Clone(points[:20*2])
	previous := init
	var variance float64
	for d := range 2 {
		var mean, square float64
		for i := range 2000 {
			mean += points[i*2+d] / 2000
		}
		for i := range 2000 {
			square += (points[i*2+d] - mean) * (points[i*2+d] - mean) / 2000
		}
		variance += square / 2
	}
	const tol = 1e-4
	stop := 0
	for m := 1; m <= full.Iterations && stop == 0; m++ {
		c, err := KMeans(points, 2, KMeansOptions{K: 20, Init: InitGiven, InitCentroids: init, MaxIter: m})
		if err != nil {
			t.Fatal(err)
		}
		var shift float64
		for i, v := range c.Centroids {
			shift += (v - previous[i]) * (v - previous[i])
		}
		if shift <= tol*variance {
			stop = m
		}
		previous = c.Centroids
	}
	withTol, err := KMeans(points, 2, KMeansOptions{K: 20, Init: InitGiven, InitCentroids: init, Tol: tol})
	if err != nil {
		t.Fatal(err)
	}
	if stop == 0 || withTol.Iterations != stop || !withTol.Converged {
		t.Errorf("Tol %g: Iterations = %d, Converged = %v, want %d and true", tol, withTol.Iterations, withTol.Converged, stop)
	}
}

// TestKMeansCancel checks that a canceled context stops the fit with an
// error that wraps the context's error.
func TestKMeansCancel(t *testing.T) {
	r := rand.New(rand.NewPCG(27, 28))
	points := blobs[float64](r, 2000, 2, 20, 3)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := KMeansContext(ctx, points, 2, KMeansOptions{K: 20})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled before the fit: error = %v, want one wrapping context.Canceled", err)
	}
	if want := "k-means canceled in restart 0 while seeding centroid 1"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("canceled before the fit: error = %v, want one containing %q", err, want)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	iterations := 0
	_, err = KMeansContext(ctx, points, 2, KMeansOptions{K: 20, Progress: func(p KMeansProgress) {
		iterations++
		if p.Iteration == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled in iteration 2: error = %v, want one wrapping context.Canceled", err)
	}
	if iterations != 2 {
		t.Errorf("%d iterations ran, want 2", iterations)
	}
}

// TestKMeansErrors checks that every invalid input is rejected before any
// work, with an error that wraps the right sentinel and names the problem.
func TestKMeansErrors(t *testing.T) {
	points := []float64{0, 0, 1, 1, 2, 2, 3, 3}
	nanRow := []float64{0, 0, 1, 1, 2, math.NaN(), 3, 3}
	infRow := []float64{0, 0, 1, 1, 2, 2, math.Inf(-1), 3}
	cases := []struct {
		name   string
		points []float64
		dim    int
		opts   KMeansOptions
		want   error
		text   string
	}{
		{"dim 0", points, 0, KMeansOptions{K: 1}, ErrDim, "dim is 0"},
		{"length", points[:7], 2, KMeansOptions{K: 1}, ErrLength, "length 7"},
		{"K 0", points, 2, KMeansOptions{}, ErrOption, "K is 0"},
		{"K above n", points, 2, KMeansOptions{K: 5}, ErrOption, "only 4 points"},
		{"no points", nil, 2, KMeansOptions{K: 1}, ErrOption, "only 0 points"},
		{"NaN", nanRow, 2, KMeansOptions{K: 2}, ErrNaN, "row 2"},
		{"infinity", infRow, 2, KMeansOptions{K: 2}, ErrNaN, "row 3"},
		{"MaxIter", points, 2, KMeansOptions{K: 2, MaxIter: -1}, ErrOption, "MaxIter is -1"},
		{"Restarts", points, 2, KMeansOptions{K: 2, Restarts: -1}, ErrOption, "Restarts is -1"},
		{"Tol", points, 2, KMeansOptions{K: 2, Tol: -1}, ErrOption, "Tol is -1"},
		{"Tol NaN", points, 2, KMeansOptions{K: 2, Tol: math.NaN()}, ErrOption, "Tol is NaN"},
		{"Init", points, 2, KMeansOptions{K: 2, Init: 7}, ErrOption, "Init is 7"},
		{"InitCentroids length", points, 2, KMeansOptions{K: 2, Init: InitGiven, InitCentroids: []float64{1, 2, 3}}, ErrLength, "length 3"},
		{"InitCentroids missing", points, 2, KMeansOptions{K: 2, Init: InitGiven}, ErrLength, "length 0"},
		{"InitCentroids without InitGiven", points, 2, KMeansOptions{K: 1, InitCentroids: []float64{1, 2}}, ErrOption, "not InitGiven"},
		{"InitCentroids NaN", points, 2, KMeansOptions{K: 1, Init: InitGiven, InitCentroids: []float64{1, math.NaN()}}, ErrNaN, "centroid 0"},
		{"Weights length", points, 2, KMeansOptions{K: 2, Weights: []float64{1, 1, 1}}, ErrLength, "length 3"},
		{"negative weight", points, 2, KMeansOptions{K: 2, Weights: []float64{1, 1, -1, 1}}, ErrOption, "Weights[2]"},
		{"NaN weight", points, 2, KMeansOptions{K: 2, Weights: []float64{1, math.NaN(), 1, 1}}, ErrNaN, "Weights[1]"},
		{"infinite weight", points, 2, KMeansOptions{K: 2, Weights: []float64{1, 1, 1, math.Inf(1)}}, ErrNaN, "Weights[3]"},
		{"zero weights", points, 2, KMeansOptions{K: 2, Weights: []float64{0, 0, 0, 0}}, ErrOption, "every weight is 0"},
		{"kernel", points, 2, KMeansOptions{K: 2, Kernel: "nope"}, ErrKernel, "nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			c.opts.Progress = func(KMeansProgress) { called = true }
			got, err := KMeans(c.points, c.dim, c.opts)
			if !errors.Is(err, c.want) {
				t.Fatalf("error = %v, want one wrapping %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Errorf("error %q does not contain %q", err, c.text)
			}
			if got != nil {
				t.Errorf("result = %v, want nil with an error", got)
			}
			if called {
				t.Errorf("Progress was called before the error")
			}
		})
	}
}

// TestKMeansOverflowingDistances uses float32 points whose squared
// distances overflow to +Inf: the fit must still return finite centroids
// and consistent labels.
func TestKMeansOverflowingDistances(t *testing.T) {
	points := []float32{-3e19, 0, -2.9e19, 0, 3e19, 0, 2.9e19, 1, 0, 3e19}
	for _, kernel := range Kernels() {
		opts := KMeansOptions{K: 3, Seed: 1, Kernel: kernel}
		c, err := KMeans(points, 2, opts)
		if err != nil {
			t.Fatalf("kernel %s: %v", kernel, err)
		}
		checkClustering(t, c, points, 2, opts)
	}
}
