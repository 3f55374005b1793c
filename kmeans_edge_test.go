package vecfit

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestKMeansHugeWeights checks that weights near the float64 maximum give
// the same centroids as the same weights scaled down, and never a NaN or
// infinite centroid.
func TestKMeansHugeWeights(t *testing.T) {
	cases := []struct {
		name    string
		points  []float64
		weights []float64
		k       int
	}{
		{"four 1e308", []float64{0, 1, 10, 11}, []float64{1e308, 1e308, 1e308, 1e308}, 2},
		{"two 1e300", []float64{0, 1e10}, []float64{1e300, 1e300}, 1},
		{"mixed 1e300", []float64{0, 1e10, 5, 7}, []float64{1e300, 1e300, 1, 1}, 2},
		{"subnormal", []float64{0.3, 0.7, 10.1, 11.3}, []float64{5e-324, 5e-324, 1e-323, 5e-324}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Dividing every weight by the largest is the reference: it
			// changes no weighted mean.
			largest := 0.0
			for _, w := range c.weights {
				largest = max(largest, w)
			}
			small := make([]float64, len(c.weights))
			for i, w := range c.weights {
				small[i] = w / largest
			}
			opts := KMeansOptions{K: c.k, Seed: 3, Weights: c.weights}
			got, err := KMeans(c.points, 1, opts)
			if err != nil {
				t.Fatalf("float64: %v", err)
			}
			opts.Weights = small
			want, err := KMeans(c.points, 1, opts)
			if err != nil {
				t.Fatalf("float64, weights divided by the largest: %v", err)
			}
			if !allFinite(got.Centroids) {
				t.Errorf("float64 centroids = %v, want finite", got.Centroids)
			}
			for i := range want.Centroids {
				if relErr(float64(got.Centroids[i]), float64(want.Centroids[i])) > 1e-12 {
					t.Errorf("float64 centroid %d = %v, want %v", i, got.Centroids[i], want.Centroids[i])
				}
			}
			wantInertia := want.Inertia * largest
			if relErr(got.Inertia, wantInertia) > 1e-12 && !(math.IsInf(wantInertia, 1) && math.IsInf(got.Inertia, 1)) {
				t.Errorf("float64 inertia = %v, want %v", got.Inertia, wantInertia)
			}

			points32 := make([]float32, len(c.points))
			for i, v := range c.points {
				points32[i] = float32(v)
			}
			opts.Weights = c.weights
			got32, err := KMeans(points32, 1, opts)
			if err != nil {
				t.Fatalf("float32: %v", err)
			}
			if !allFinite(got32.Centroids) {
				t.Errorf("float32 centroids = %v, want finite", got32.Centroids)
			}
			for i := range want.Centroids {
				if relErr(float64(got32.Centroids[i]), float64(float32(want.Centroids[i]))) > 1e-6 {
					t.Errorf("float32 centroid %d = %v, want %v", i, got32.Centroids[i], want.Centroids[i])
				}
			}
		})
	}
}

// TestKMeansInertiaOverflowReported checks that the inertia is reported
// with the caller's weights even when that exceeds the float64 range.
func TestKMeansInertiaOverflowReported(t *testing.T) {
	c, err := KMeans([]float64{0, 1e10}, 1, KMeansOptions{K: 1, Weights: []float64{1e300, 1e300}})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(c.Inertia, 1) {
		t.Errorf("Inertia = %v, want +Inf (2·1e300·2.5e19 exceeds float64)", c.Inertia)
	}
	if c.Centroids[0] != 5e9 {
		t.Errorf("centroid = %v, want 5e9", c.Centroids[0])
	}
}

// TestKMeansCoordinateSumOverflow checks that float64 points whose
// cluster sum overflows give an error, not an infinite or NaN centroid.
func TestKMeansCoordinateSumOverflow(t *testing.T) {
	points := []float64{1.5e308, 1.5e308, 1.5e308}
	c, err := KMeans(points, 1, KMeansOptions{K: 1})
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("error = %v (result %v), want one wrapping ErrNaN", err, c)
	}
	if !strings.Contains(err.Error(), "cluster 0") {
		t.Errorf("error %q does not name cluster 0", err)
	}
}

// TestKMeansDistanceOverflow checks that float32 points whose squared
// distances overflow float32 give an error instead of labels chosen by
// ties among infinite distances, and that the same points as float64
// cluster as expected.
func TestKMeansDistanceOverflow(t *testing.T) {
	points := []float64{3e38, 3.2e38, -3.1e38, -3e38}
	for seed := range uint64(4) {
		opts := KMeansOptions{K: 2, Seed: seed}
		c, err := KMeans(toFloat32(points), 1, opts)
		if !errors.Is(err, ErrNaN) {
			t.Fatalf("float32, seed %d: error = %v (result %v), want one wrapping ErrNaN", seed, err, c)
		}
		for _, part := range []string{"to its nearest centroid overflows float32", "fit them as float64"} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("float32, seed %d: error %q does not say %q", seed, err, part)
			}
		}
		c64, err := KMeans(points, 1, opts)
		if err != nil {
			t.Fatalf("float64, seed %d: %v", seed, err)
		}
		got := slices.Sorted(slices.Values(c64.Centroids))
		want := []float64{-3.05e38, 3.1e38}
		for j := range want {
			if math.Abs(got[j]-want[j]) > 1e-15*math.Abs(want[j]) {
				t.Errorf("float64, seed %d: centroids %v, want %v", seed, got, want)
			}
		}
	}
}

// TestKMeansDistanceOverflowRestarts checks that a restart ending with a
// point beyond float32 range of every centroid is dropped when another
// restart ends in range. With these options, restart 0 ends with the
// point -3e19 at an infinite distance, and a later restart does not.
func TestKMeansDistanceOverflowRestarts(t *testing.T) {
	points := []float32{0, 1e19, 1.5e19, 0, -3e19, 1e19, 3e19}
	opts := KMeansOptions{K: 3, Seed: 3, Init: InitRandom}
	_, err := KMeans(points, 1, opts)
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("one restart: error %v, want one wrapping ErrNaN", err)
	}
	if want := "point 4 (counting from 0) to its nearest centroid overflows float32, in restart 0"; !strings.Contains(err.Error(), want) {
		t.Errorf("one restart: error %q does not contain %q", err, want)
	}
	opts.Restarts = 4
	c, err := KMeans(points, 1, opts)
	if err != nil {
		t.Fatalf("four restarts: %v", err)
	}
	if math.IsInf(c.Inertia, 0) {
		t.Errorf("four restarts: Inertia = %v, want finite", c.Inertia)
	}
}

// TestKMeansDistanceNearMaxAgrees checks a float32 fit whose far point is
// at a squared distance of about the float32 maximum from the centroid.
// Kernels round that distance to +Inf or to MaxFloat32, so every kernel
// must report it the same way, as an error.
func TestKMeansDistanceNearMaxAgrees(t *testing.T) {
	points := []float32{0, 0, 1.3043819e19, 1.3043817e19}
	weights := []float64{1e30, 1}
	for _, kernel := range Kernels() {
		c, err := KMeans(points, 2, KMeansOptions{K: 1, Weights: weights, Kernel: kernel})
		if !errors.Is(err, ErrNaN) {
			t.Errorf("kernel %s: error %v (result %v), want one wrapping ErrNaN", kernel, err, c)
			continue
		}
		if want := "the squared distance from point 1 (counting from 0) to its nearest centroid"; !strings.Contains(err.Error(), want) {
			t.Errorf("kernel %s: error %q does not contain %q", kernel, err, want)
		}
	}
}

// TestKMeansDistanceOverflowTinyWeight checks that a far point of weight
// 1e-320 still counts as a point of positive weight, though that weight
// rounds to 0 when the weights are rescaled by the largest, 1e300.
func TestKMeansDistanceOverflowTinyWeight(t *testing.T) {
	points := []float32{0, 1, 2, 3e19}
	weights := []float64{1e300, 1e300, 1e300, 1e-320}
	_, err := KMeans(points, 1, KMeansOptions{K: 1, Weights: weights})
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("error %v, want one wrapping ErrNaN", err)
	}
	if want := "point 3 (counting from 0) to its nearest centroid overflows float32"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// TestKMeansNilContext checks that a nil context is an option error, not
// a panic.
func TestKMeansNilContext(t *testing.T) {
	//lint:ignore SA1012 the nil context is the case under test
	_, err := KMeansContext(nil, []float64{0, 1}, 1, KMeansOptions{K: 1}) //nolint:staticcheck
	if !errors.Is(err, ErrOption) {
		t.Errorf("error = %v, want one wrapping ErrOption", err)
	}
	if _, err := KMeansContext(context.Background(), []float64{0, 1}, 1, KMeansOptions{K: 1}); err != nil {
		t.Errorf("background context: %v", err)
	}
}

// TestKMeansInitCentroidsOutOfRange checks that float32 data rejects an
// initial centroid that is finite in float64 but not in float32.
func TestKMeansInitCentroidsOutOfRange(t *testing.T) {
	opts := KMeansOptions{K: 2, Init: InitGiven, InitCentroids: []float64{0, 1e300}}
	_, err := KMeans([]float32{0, 1, 2}, 1, opts)
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("error = %v, want one wrapping ErrNaN", err)
	}
	if !strings.Contains(err.Error(), "centroid 1") {
		t.Errorf("error %q does not name centroid 1", err)
	}
	if _, err := KMeans([]float64{0, 1, 2}, 1, opts); err != nil {
		t.Errorf("float64 data: %v, want no error", err)
	}
}

// TestKMeansOnePointMessage checks the singular noun in the error for K
// above the number of points.
func TestKMeansOnePointMessage(t *testing.T) {
	_, err := KMeans([]float64{1, 2}, 2, KMeansOptions{K: 2})
	if !errors.Is(err, ErrOption) {
		t.Fatalf("error = %v, want one wrapping ErrOption", err)
	}
	if want := "only 1 point"; !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %q does not end with %q", err, want)
	}
}

// TestKMeansZeroWeightFarPoint checks that a point of weight 0 whose
// squared distance overflows float32 adds nothing to the inertia or the
// seeding, instead of 0·Inf = NaN.
func TestKMeansZeroWeightFarPoint(t *testing.T) {
	points := []float32{0, 3e19, 1, 2}
	weights := []float64{1, 0, 1, 1}
	for _, k := range []int{1, 2} {
		for seed := range uint64(8) {
			c, err := KMeans(points, 1, KMeansOptions{K: k, Seed: seed, Weights: weights})
			if err != nil {
				t.Fatalf("K=%d seed %d: %v", k, seed, err)
			}
			if math.IsNaN(c.Inertia) || math.IsInf(c.Inertia, 0) {
				t.Errorf("K=%d seed %d: Inertia = %v, want finite", k, seed, c.Inertia)
			}
			for _, x := range c.Centroids {
				if !(x >= 0 && x <= 2) {
					t.Errorf("K=%d seed %d: centroid %v, want one in [0, 2] (the weight-0 point moves none)", k, seed, x)
				}
			}
		}
	}
}

// TestKMeansTinyWeightCluster checks a cluster whose points all weigh
// 1e-300 beside points of weight 1. Each weight times a coordinate of
// 3e-100 is below the float64 range, so without rescaling each cluster
// its centroid would come out 0 instead of the weighted mean 4e-100.
func TestKMeansTinyWeightCluster(t *testing.T) {
	points := []float64{1, 1.5, 3e-100, 5e-100}
	fit, err := KMeans(points, 1, KMeansOptions{
		K:             2,
		Weights:       []float64{1, 1, 1e-300, 1e-300},
		Init:          InitGiven,
		InitCentroids: []float64{1, 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fit.Labels, []int32{0, 0, 1, 1}) {
		t.Fatalf("labels %v, want [0 0 1 1]", fit.Labels)
	}
	if got := fit.Centroids[1]; relErr(got, 4e-100) > 1e-15 {
		t.Errorf("centroid 1 is %v, want 4e-100", got)
	}
	if got := fit.Centroids[0]; got != 1.25 {
		t.Errorf("centroid 0 is %v, want 1.25", got)
	}
}

// TestKMeansInertiaTinyTerm checks the inertia when points of weight 1e300
// sit on their centroids and two points of weight 1 lie around centroid
// 5, at squared distances 0 and 2⁻¹⁰⁰. The inertia is 2⁻¹⁰⁰, but with the
// weights divided by 2⁹⁹⁶ the product 2⁻⁹⁹⁶·2⁻¹⁰⁰ is below the float64
// range. (5 + (5 + 2⁻⁵⁰))/2 rounds to 5, so the centroids stay put.
func TestKMeansInertiaTinyTerm(t *testing.T) {
	points := []float64{0, 10, 5, 5 + 0x1p-50}
	var progress []float64
	fit, err := KMeans(points, 1, KMeansOptions{
		K:             3,
		Weights:       []float64{1e300, 1e300, 1, 1},
		Init:          InitGiven,
		InitCentroids: []float64{0, 10, 5},
		Progress:      func(p KMeansProgress) { progress = append(progress, p.Inertia) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fit.Centroids, []float64{0, 10, 5}) {
		t.Fatalf("centroids %v, want [0 10 5]", fit.Centroids)
	}
	if fit.Inertia != 0x1p-100 {
		t.Errorf("Inertia = %v, want 2⁻¹⁰⁰ = %v", fit.Inertia, 0x1p-100)
	}
	if len(progress) == 0 || progress[0] != 0x1p-100 {
		t.Errorf("Progress inertias %v, want 2⁻¹⁰⁰ first", progress)
	}
}

// TestScaledSumLess checks the order of scaledSum values whose exponents
// differ, including 0 and +Inf.
func TestScaledSumLess(t *testing.T) {
	values := []scaledSum{
		{0, 0},
		{0.75, -2000},
		{3, -1999},
		{1, -1000},
		{0.5, 0},
		{1, 0},
		{1, 2000},
		{math.Inf(1), 0},
	}
	for i, a := range values {
		for j, b := range values {
			if got := a.less(b); got != (i < j) {
				t.Errorf("%v.less(%v) = %v, want %v", a, b, got, i < j)
			}
		}
	}
	var s scaledSum
	s = s.add(0.5, -1100)
	s = s.add(0.5, -1100)
	s = s.add(0.5, -1099)
	if got := s.float64(1100); got != 2 {
		t.Errorf("0.5·2⁻¹¹⁰⁰ + 0.5·2⁻¹¹⁰⁰ + 0.5·2⁻¹⁰⁹⁹ = %v·2⁻¹¹⁰⁰, want 2·2⁻¹¹⁰⁰", got)
	}
}

// TestKMeansSumOverflowMessage checks the error for points whose sum
// overflows float64 in the update: it wraps ErrNaN, names the coordinate,
// cluster, restart and iteration, and ends with what to do.
func TestKMeansSumOverflowMessage(t *testing.T) {
	_, err := KMeans([]float64{1.5e308, 1.5e308, 1.5e308}, 1, KMeansOptions{K: 1})
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("error %v, want one wrapping ErrNaN", err)
	}
	want := "the weighted sum of coordinate 0 of the points in cluster 0 overflows float64, so their mean is not finite, in restart 0, iteration 1; scale the points down"
	if !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %q, want it to end with %q", err, want)
	}
}

// TestKMeansWeightsFarBelowLargest checks centroids and Inertia for weights
// below 2⁻¹⁰²² times the largest, which dividing every weight by the power
// of two of the largest would round to subnormals or 0. The inertia is
// the weighted sum with the caller's weights.
func TestKMeansWeightsFarBelowLargest(t *testing.T) {
	// Points of weight 1e-300 at squared distance 1 from centroid 21,
	// beside points of weight 1e300 on their centroids: inertia 2e-300.
	fit, err := KMeans([]float64{0, 10, 20, 22}, 1, KMeansOptions{
		K:             3,
		Weights:       []float64{1e300, 1e300, 1e-300, 1e-300},
		Init:          InitGiven,
		InitCentroids: []float64{0, 10, 21},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fit.Labels, []int32{0, 1, 2, 2}) {
		t.Fatalf("labels %v, want [0 1 2 2]", fit.Labels)
	}
	if relErr(fit.Centroids[2], 21) > 1e-15 {
		t.Errorf("centroid 2 is %v, want 21", fit.Centroids[2])
	}
	if relErr(fit.Inertia, 2e-300) > 1e-15 {
		t.Errorf("Inertia = %v, want 2e-300", fit.Inertia)
	}

	// Weights of 1e-20 and 3e-20 on 20 and 24 beside one of 1e300: the
	// centroid is (20·1 + 24·3)/4 = 23 and the inertia 1e-20·9 + 3e-20·1.
	fit, err = KMeans([]float64{0, 20, 24}, 1, KMeansOptions{
		K:             2,
		Weights:       []float64{1e300, 1e-20, 3e-20},
		Init:          InitGiven,
		InitCentroids: []float64{0, 22},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fit.Labels, []int32{0, 1, 1}) {
		t.Fatalf("labels %v, want [0 1 1]", fit.Labels)
	}
	if relErr(fit.Centroids[1], 23) > 1e-15 {
		t.Errorf("centroid 1 is %v, want 23", fit.Centroids[1])
	}
	if relErr(fit.Inertia, 1.2e-19) > 1e-14 {
		t.Errorf("Inertia = %v, want 1.2e-19", fit.Inertia)
	}
}

// TestScaledWeight checks scaledWeight against math.Ldexp across the
// exponents where it multiplies and beyond them.
func TestScaledWeight(t *testing.T) {
	for _, w := range []float64{1, 1.5, 1e-300, 1e300, 0x1p-1074, math.MaxFloat64} {
		for e := -1100; e <= 1100; e++ {
			if got, want := scaledWeight(w, e), math.Ldexp(w, -e); got != want {
				t.Fatalf("scaledWeight(%v, %d) = %v, want %v", w, e, got, want)
			}
		}
	}
}

// TestKMeansPlusPlusPotentialOverflow seeds three clusters 1e153 apart in
// float64. The squared distances (about 1e306) are finite, but their sum
// over 1,200 points is not. A draw by weight alone puts two seeds in one
// cluster for about half of the seeds (15 of these 30). K-means++ on the
// scaled distances separates the clusters in every seed, and one Lloyd
// iteration then keeps them apart.
func TestKMeansPlusPlusPotentialOverflow(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const per = 400
	var points []float64
	for _, centre := range []float64{-1e153, 0, 1e153} {
		for range per {
			points = append(points, centre+1e140*rng.NormFloat64())
		}
	}
	for seed := range uint64(30) {
		c, err := KMeans(points, 1, KMeansOptions{K: 3, Restarts: 1, Seed: seed, MaxIter: 1})
		if err != nil {
			t.Fatal(err)
		}
		l := c.Labels
		if l[0] == l[per] || l[per] == l[2*per] || l[0] == l[2*per] {
			t.Errorf("seed %d: clusters share a label (first points labelled %d, %d, %d)", seed, l[0], l[per], l[2*per])
		}
	}
}

// Scaling the points by 2⁵⁰⁵ leaves every squared distance below 1e307,
// but n times the variance of the Tol rule beyond float64. The fit must
// still stop where it stops at scale 1, not after its first iteration.
func TestKMeansTolLargeScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const n, dim, k = 2000, 2, 5
	points := make([]float64, n*dim)
	for i := range points {
		points[i] = rng.NormFloat64() + float64((i/dim)%4)*3
	}
	fit := func(exponent int) *Clustering[float64] {
		scaled := make([]float64, len(points))
		for i, v := range points {
			scaled[i] = math.Ldexp(v, exponent)
		}
		init := slices.Clone(scaled[:k*dim])
		result, err := KMeans(scaled, dim, KMeansOptions{K: k, Tol: 1e-4, Init: InitGiven, InitCentroids: init})
		if err != nil {
			t.Fatalf("scale 2^%d: %v", exponent, err)
		}
		return result
	}
	want := fit(0)
	for _, exponent := range []int{500, 505} {
		got := fit(exponent)
		if got.Iterations != want.Iterations {
			t.Errorf("scale 2^%d: %d iterations, want %d as at scale 1", exponent, got.Iterations, want.Iterations)
		}
		if !slices.Equal(got.Labels, want.Labels) {
			t.Errorf("scale 2^%d: labels differ from those at scale 1", exponent)
		}
		if ratio := math.Ldexp(got.Inertia, -2*exponent) / want.Inertia; math.Abs(ratio-1) > 1e-12 {
			t.Errorf("scale 2^%d: inertia / 2^%d = %v times the inertia at scale 1", exponent, 2*exponent, ratio)
		}
	}
}

// Points scaled by 2⁵¹¹ keep every squared distance finite, but the
// inertia of every restart overflows float64. KMeans must still return
// the restart that it returns for the unscaled points, not restart 0.
func TestKMeansRestartsInertiaOverflow(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	const n, dim, e = 600, 2, 511
	points := make([]float64, n*dim)
	for i := range points {
		points[i] = 0.9 * r.Float64() // squared distances below 1.62
	}
	scaled := make([]float64, len(points))
	for i, v := range points {
		scaled[i] = math.Ldexp(v, e)
	}
	weights := make([]float64, n)
	for i := range weights {
		weights[i] = 1 + float64(i%3)
	}
	for _, w := range [][]float64{nil, weights} {
		opts := KMeansOptions{K: 7, Seed: 3, Restarts: 8, Weights: w}
		want, err := KMeans(points, dim, opts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := KMeans(scaled, dim, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !math.IsInf(got.Inertia, 1) {
			t.Errorf("weights %v: inertia %v, want +Inf, the sum beyond float64", w != nil, got.Inertia)
		}
		if !slices.Equal(got.Labels, want.Labels) {
			t.Errorf("weights %v: labels differ from those of the unscaled fit", w != nil)
		}
		if got.Iterations != want.Iterations {
			t.Errorf("weights %v: %d iterations, want %d as unscaled", w != nil, got.Iterations, want.Iterations)
		}
		for j, c := range got.Centroids {
			if w := math.Ldexp(want.Centroids[j], e); c != w {
				t.Errorf("centroid value %d is %v, want %v (the unscaled one times 2^%d)", j, c, w, e)
				break
			}
		}
	}
}

// scaleWeights returns Ldexp(w, −exp) bit for bit, with the maximum
// scaled into [1, 2), whether 2^−exp is a normal float64 (a product) or
// not (Ldexp), also where small weights round to subnormals or to 0.
func TestScaleWeightsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	for _, largest := range []float64{5e-324, 1e-310, 0x1p-1022, 1e-300, 0.75, 1, 1.5, 3, 1e200, 0x1p1023, math.MaxFloat64} {
		w := []float64{largest, 0, math.SmallestNonzeroFloat64, 0x1p-1022, 1e-320}
		for range 200 {
			w = append(w, largest*rng.Float64()*math.Pow(2, -float64(rng.IntN(1100))))
		}
		scaled, exp := scaleWeights(w, largest)
		if top := scaled[0]; !(top >= 1 && top < 2) {
			t.Errorf("largest %g: scaled to %g, want a value in [1, 2)", largest, top)
		}
		for i, v := range w {
			if want := math.Ldexp(v, -exp); math.Float64bits(scaled[i]) != math.Float64bits(want) {
				t.Errorf("largest %g: weight %g scaled to %g, want Ldexp(%g, %d) = %g", largest, v, scaled[i], v, -exp, want)
			}
		}
	}
}

// With InitGiven, a given centroid that no point of positive weight is
// nearest to stays where it was and counts as distinct: two distinct
// points of positive weight, three centroids, Distinct 3.
func TestKMeansDistinctKeepsGivenCentroid(t *testing.T) {
	points := []float64{0, 0, 1, 1, 10, 10, 11, 11, 20, 20, 21, 21}
	opts := KMeansOptions{
		K:             3,
		Init:          InitGiven,
		InitCentroids: []float64{0, 0, 10, 10, 20, 20},
		Weights:       []float64{1, 1, 0, 0, 0, 0},
	}
	c, err := KMeans(points, 2, opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.Distinct != 3 {
		t.Errorf("Distinct = %d, want 3", c.Distinct)
	}
	if got := c.Centroids[4:6]; got[0] != 20 || got[1] != 20 {
		t.Errorf("centroid 2 = %v, want it to stay at (20, 20)", got)
	}
}
