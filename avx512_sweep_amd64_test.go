//go:build !purego

package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// These tests compare the avx512 kernel with the generic one at every dim
// from 1 to 20, k from 1 to 70 and n from 0 to 70, so every partial tile of
// the lane-per-point kernel is run. They also cover n around the block
// edges of 1024 points, on 1, 2 and 4 workers. The -short mode, which
// the race detector runs, takes fewer n and k. On small integers every
// kernel computes exact distances, so labels and distances must match the
// generic kernel bit for bit.

// sentinelLabel and sentinelDist fill the outputs beyond n, which a search
// must never write.
const (
	sentinelLabel = -77
	sentinelDist  = -77
)

// sweepKs lists the centroid counts tried at every dim: around the packed
// group sizes of each kernel (2, 4, 8, 16, 32) and up to 70.
var sweepKs = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 70}

// requireAVX512 skips the test on a CPU without the avx512 kernel.
func requireAVX512(t *testing.T) {
	t.Helper()
	if !slices.Contains(Kernels(), "avx512") {
		t.Skip("this CPU lacks avx512")
	}
}

// searchWithSpare runs NearestWith on outputs of length n+spare whose
// elements from n on hold sentinels, and reports an error when any of them
// changed.
func searchWithSpare[F Float](opts Options, points, centroids []F, dim, spare int) ([]int32, []F, error) {
	n := len(points) / dim
	labels := make([]int32, n+spare)
	dists := make([]F, n+spare)
	for i := range labels {
		labels[i], dists[i] = sentinelLabel, sentinelDist
	}
	if err := NearestWith(opts, labels, dists, points, centroids, dim); err != nil {
		return nil, nil, err
	}
	for i := n; i < n+spare; i++ {
		if labels[i] != sentinelLabel || dists[i] != sentinelDist {
			return nil, nil, fmt.Errorf("wrote beyond n=%d at index %d: label %d distance %v", n, i, labels[i], dists[i])
		}
	}
	return labels[:n], dists[:n], nil
}

// firstMismatch returns a description of the first point where the two
// results differ in label or in the bits of the distance, or "".
func firstMismatch[F Float](points []F, dim int, wantL []int32, wantD []F, gotL []int32, gotD []F) string {
	for i := range wantL {
		same := wantL[i] == gotL[i] && (wantD[i] == gotD[i] || (wantD[i] != wantD[i] && gotD[i] != gotD[i]))
		if !same {
			return fmt.Sprintf("point %d %v: got label %d distance %v, want %d and %v",
				i, points[i*dim:(i+1)*dim], gotL[i], gotD[i], wantL[i], wantD[i])
		}
	}
	return ""
}

// integerData returns n points and k centroids of dim integer coordinates
// in [−4, 4]. A sixth of the centroids repeat an earlier one, so exact ties
// occur, and a tenth of the points sit on a centroid.
func integerData[F Float](rng *rand.Rand, n, k, dim int) (points, centroids []F) {
	points = make([]F, n*dim)
	centroids = make([]F, k*dim)
	for i := range points {
		points[i] = F(rng.IntN(9) - 4)
	}
	for i := range centroids {
		centroids[i] = F(rng.IntN(9) - 4)
	}
	for c := 1; c < k; c++ {
		if rng.IntN(6) == 0 {
			src := rng.IntN(c)
			copy(centroids[c*dim:(c+1)*dim], centroids[src*dim:(src+1)*dim])
		}
	}
	for i := range n {
		if rng.IntN(10) == 0 {
			c := rng.IntN(k)
			copy(points[i*dim:(i+1)*dim], centroids[c*dim:(c+1)*dim])
		}
	}
	return points, centroids
}

// TestAVX512IntegerSweep compares avx512 with generic bit for bit on
// integer data at every dim 1..20, every k of sweepKs and every n 0..70.
func TestAVX512IntegerSweep(t *testing.T) {
	requireAVX512(t)
	testIntegerSweep[float32](t)
	testIntegerSweep[float64](t)
}

func testIntegerSweep[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(11, uint64(unsafe.Sizeof(F(0)))))
	failures := 0
	for dim := 1; dim <= 20; dim++ {
		for _, k := range sweepKs {
			points, centroids := integerData[F](rng, 70, k, dim)
			for n := 0; n <= 70; n++ {
				if testing.Short() && n > 17 && n != 33 && n != 70 {
					continue
				}
				// A shifted copy is not aligned beyond the element size.
				p := shifted(points[:n*dim], 1+n%3)
				wantL, wantD, err := searchWithSpare(Options{Kernel: "generic"}, p, centroids, dim, 5)
				if err != nil {
					t.Fatalf("%T dim %d k %d n %d generic: %v", F(0), dim, k, n, err)
				}
				gotL, gotD, err := searchWithSpare(Options{Kernel: "avx512"}, p, centroids, dim, 5)
				if err != nil {
					t.Errorf("%T dim %d k %d n %d avx512: %v", F(0), dim, k, n, err)
					failures++
				} else if msg := firstMismatch(p, dim, wantL, wantD, gotL, gotD); msg != "" {
					t.Errorf("%T dim %d k %d n %d avx512: %s", F(0), dim, k, n, msg)
					failures++
				}
				if failures > 20 {
					t.Fatal("too many failures")
				}
			}
		}
	}
}

// kindData returns n points and k centroids of dim coordinates of the
// given kind, with repeated centroids and points on centroids.
func kindData[F Float](rng *rand.Rand, kind string, n, k, dim int) (points, centroids []F) {
	points = make([]F, n*dim)
	centroids = make([]F, k*dim)
	draw := func(v []F) {
		for i := range v {
			switch kind {
			case "far":
				v[i] = F(1e4 + rng.Float64())
			case "farNeg":
				v[i] = F(-3e6 + 4*rng.Float64())
			case "clustered":
				// Tight clusters around 8 shared centres, far out.
				v[i] = F(1000*float64(i%dim+(i/dim)%8) + 1e-3*rng.NormFloat64())
			case "huge":
				// Squares of differences overflow for many pairs.
				v[i] = F(math.Sqrt(maxFinite[F]()) * (0.2 + rng.Float64()))
				if rng.IntN(2) == 0 {
					v[i] = -v[i]
				}
			case "subnormal":
				v[i] = F(smallestNonzero[F]() * float64(rng.IntN(1000)))
			case "specials":
				v[i] = F(rng.NormFloat64())
				if rng.IntN(15) == 0 {
					v[i] = special[F](rng)
				}
			default:
				v[i] = F(rng.NormFloat64())
			}
		}
	}
	draw(points)
	draw(centroids)
	for c := 1; c < k; c++ {
		if rng.IntN(5) == 0 {
			src := rng.IntN(c)
			copy(centroids[c*dim:(c+1)*dim], centroids[src*dim:(src+1)*dim])
		}
	}
	for i := range n {
		if rng.IntN(8) == 0 {
			c := rng.IntN(k)
			copy(points[i*dim:(i+1)*dim], centroids[c*dim:(c+1)*dim])
		}
	}
	return points, centroids
}

// TestAVX512ContractSweep checks the avx512 kernel against the exact
// reference on data far from the origin, clustered, huge, subnormal and
// with NaN and ±Inf, at every dim 1..20 and n across the tile edges.
func TestAVX512ContractSweep(t *testing.T) {
	requireAVX512(t)
	for _, kind := range []string{"normal", "far", "farNeg", "clustered", "huge", "subnormal", "specials"} {
		t.Run(kind, func(t *testing.T) {
			testContractSweep[float32](t, kind)
			testContractSweep[float64](t, kind)
		})
	}
}

func testContractSweep[F Float](t *testing.T, kind string) {
	rng := rand.New(rand.NewPCG(12, uint64(len(kind))))
	ns := []int{1, 5, 15, 16, 17, 31, 33, 47, 70}
	if testing.Short() {
		ns = []int{5, 33}
	}
	failures := 0
	for dim := 1; dim <= 20; dim++ {
		for _, k := range sweepKs {
			points, centroids := kindData[F](rng, kind, 70, k, dim)
			ref := newReference(points, centroids, dim)
			for _, n := range ns {
				p := points[:n*dim]
				for _, workers := range []int{1, 2} {
					labels, dists, err := searchWithSpare(Options{Kernel: "avx512", Workers: workers}, p, centroids, dim, 3)
					if err != nil {
						t.Fatalf("%T dim %d k %d n %d: %v", F(0), dim, k, n, err)
					}
					sub := *ref
					sub.n = n
					if kind == "subnormal" {
						// Subnormal squares lose relative accuracy by
						// contract, so only the range of each result is
						// checked: a valid label and a finite distance ≥ 0.
						for i := range n {
							if labels[i] < 0 || int(labels[i]) >= k || !(dists[i] >= 0) || isInf(dists[i], 1) {
								t.Errorf("%T subnormal dim %d k %d n %d: point %d got label %d distance %v",
									F(0), dim, k, n, i, labels[i], dists[i])
								failures++
							}
						}
						continue
					}
					if msg := sub.check(labels, dists, 3); msg != "" {
						t.Errorf("%T %s dim %d k %d n %d: contract broken:%s", F(0), kind, dim, k, n, msg)
						failures++
					}
					if failures > 20 {
						t.Fatal("too many failures")
					}
				}
			}
		}
	}
}

// TestAVX512BlockEdgesWorkers runs integer searches of n around the block
// edges of 1024 and 2048 points on 1, 2 and 4 workers, and through Inertia
// and Loss, and compares avx512 with generic bit for bit.
func TestAVX512BlockEdgesWorkers(t *testing.T) {
	requireAVX512(t)
	testBlockEdges[float32](t)
	testBlockEdges[float64](t)
}

func testBlockEdges[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(13, uint64(unsafe.Sizeof(F(0)))))
	ns := []int{1023, 1024, 1025, 1031, 1039, 1040, 2047, 2048, 2049, 2055, 2063, 3071}
	dims := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17}
	ks := []int{1, 3, 10, 33, 70}
	if testing.Short() {
		ns, ks = []int{1025, 2063}, []int{3, 33}
	}
	for _, dim := range dims {
		for _, k := range ks {
			points, centroids := integerData[F](rng, 3071, k, dim)
			for _, n := range ns {
				p := points[:n*dim]
				wantL, wantD, err := searchWithSpare(Options{Kernel: "generic", Workers: 1}, p, centroids, dim, 7)
				if err != nil {
					t.Fatalf("generic: %v", err)
				}
				wantSum, _ := InertiaWith(Options{Kernel: "generic", Workers: 1}, p, centroids, dim)
				for _, workers := range []int{1, 2, 4} {
					opts := Options{Kernel: "avx512", Workers: workers}
					gotL, gotD, err := searchWithSpare(opts, p, centroids, dim, 7)
					if err != nil {
						t.Errorf("%T dim %d k %d n %d workers %d: %v", F(0), dim, k, n, workers, err)
						continue
					}
					if msg := firstMismatch(p, dim, wantL, wantD, gotL, gotD); msg != "" {
						t.Errorf("%T dim %d k %d n %d workers %d: %s", F(0), dim, k, n, workers, msg)
					}
					gotSum, err := InertiaWith(opts, p, centroids, dim)
					if err != nil {
						t.Errorf("%T dim %d k %d n %d workers %d: inertia: %v", F(0), dim, k, n, workers, err)
					}
					if gotSum != wantSum {
						t.Errorf("%T dim %d k %d n %d workers %d: inertia %v, want %v", F(0), dim, k, n, workers, gotSum, wantSum)
					}
					// Labels alone, and distances alone, must match too.
					onlyL := make([]int32, n)
					onlyD := make([]F, n)
					if err := NearestWith(opts, onlyL, nil, p, centroids, dim); err != nil || !slices.Equal(onlyL, wantL) {
						t.Errorf("%T dim %d k %d n %d workers %d: labels without dists differ (err %v)", F(0), dim, k, n, workers, err)
					}
					if err := NearestWith(opts, nil, onlyD, p, centroids, dim); err != nil || !slices.Equal(onlyD, wantD) {
						t.Errorf("%T dim %d k %d n %d workers %d: dists without labels differ (err %v)", F(0), dim, k, n, workers, err)
					}
				}
			}
		}
	}
	// Loss through the default kernel matches the generic inertia.
	points, centroids := integerData[F](rng, 2049, 10, 10)
	loss, err := Loss(points, centroids, 10)
	sum, _ := InertiaWith(Options{Kernel: "generic"}, points, centroids, 10)
	if err != nil || loss != F(sum/2049) {
		t.Errorf("%T Loss %v (err %v), want %v", F(0), loss, err, F(sum/2049))
	}
}

// TestAVX512NaNRules checks the NaN and infinity rules at dims 1 to 17 with
// one special value at each position of the points or the centroids. A
// NaN point gets −1 and NaN, a NaN centroid is never chosen, and +Inf is
// an ordinary largest distance.
func TestAVX512NaNRules(t *testing.T) {
	requireAVX512(t)
	testNaNRules[float32](t)
	testNaNRules[float64](t)
}

func testNaNRules[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(14, uint64(unsafe.Sizeof(F(0)))))
	huge := F(maxFinite[F]())
	specials := []F{F(math.NaN()), F(math.Inf(1)), F(math.Inf(-1)), huge, -huge}
	ns, ks := []int{13, 16, 19}, []int{1, 2, 5, 9}
	if testing.Short() {
		ns, ks = []int{19}, []int{2, 9}
	}
	for dim := 1; dim <= 17; dim++ {
		for _, n := range ns {
			for _, k := range ks {
				points, centroids := integerData[F](rng, n, k, dim)
				for _, v := range specials {
					for pos := range n * dim {
						keep := points[pos]
						points[pos] = v
						ref := newReference(points, centroids, dim)
						labels, dists, err := searchWithSpare(Options{Kernel: "avx512"}, points, centroids, dim, 2)
						if err != nil {
							t.Fatal(err)
						}
						if msg := ref.check(labels, dists, 2); msg != "" {
							t.Errorf("%T dim %d n %d k %d point value %v at %d:%s", F(0), dim, n, k, v, pos, msg)
						}
						points[pos] = keep
					}
					for pos := range k * dim {
						keep := centroids[pos]
						centroids[pos] = v
						ref := newReference(points, centroids, dim)
						labels, dists, err := searchWithSpare(Options{Kernel: "avx512"}, points, centroids, dim, 2)
						if err != nil {
							t.Fatal(err)
						}
						if msg := ref.check(labels, dists, 2); msg != "" {
							t.Errorf("%T dim %d n %d k %d centroid value %v at %d:%s", F(0), dim, n, k, v, pos, msg)
						}
						centroids[pos] = keep
					}
				}
			}
		}
	}
}

// TestLanesSettledEveryDim checks the lane-per-point kernels' report
// at every dim the register path serves, for each special value at each
// point position of a partial tile and two tiles.
func TestLanesSettledEveryDim(t *testing.T) {
	requireAVX512(t)
	testLanesSettledEveryDim(t, nearestLanesAVX512F32)
	testLanesSettledEveryDim(t, nearestLanesAVX512F64)
}

func testLanesSettledEveryDim[F Float](t *testing.T, fn func(labels []int32, dists []F, points, packed []F, dim, groups int) bool) {
	rng := rand.New(rand.NewPCG(15, uint64(unsafe.Sizeof(F(0)))))
	huge := F(maxFinite[F]())
	size := int(unsafe.Sizeof(F(0)))
	for dim := 1; dim <= 16; dim++ {
		if !lanesInRegisters(dim, size) {
			continue
		}
		for _, n := range []int{7, 16, 29} {
			for _, k := range []int{1, 2, 3, 8, 9} {
				points, centroids := integerData[F](rng, n, k, dim)
				block := lanesBlock(dim, size)
				packed := packCentroids(centroids, dim, block)
				groups := len(packed) / (dim * block)
				for _, v := range []F{0, F(math.NaN()), F(math.Inf(1)), huge} {
					for pos := range n * dim {
						keep := points[pos]
						if v != 0 {
							points[pos] = v
						}
						labels, dists := make([]int32, n), make([]F, n)
						got := fn(labels, dists, points, packed, dim, groups)
						want := settledGeneric(dists)
						if got != want {
							t.Errorf("%T dim %d n %d k %d value %v at %d: reported %v, want %v (dists %v)",
								F(0), dim, n, k, v, pos, got, want, dists)
						}
						points[pos] = keep
						if v == 0 {
							break
						}
					}
				}
			}
		}
	}
}

// TestAVX512LanesLargeK runs k large enough that the lane-per-point kernel's
// centroids span several chunks, with integer data, against generic.
func TestAVX512LanesLargeK(t *testing.T) {
	requireAVX512(t)
	if testing.Short() {
		t.Skip("slow")
	}
	rng := rand.New(rand.NewPCG(16, 1))
	for _, dim := range []int{1, 5, 12} {
		k := chunkCentroids[float32](dim, lanesBlock(dim, 4)) + 3
		points, centroids := integerData[float32](rng, 37, k, dim)
		wantL, wantD, err := searchWithSpare(Options{Kernel: "generic"}, points, centroids, dim, 3)
		if err != nil {
			t.Fatal(err)
		}
		gotL, gotD, err := searchWithSpare(Options{Kernel: "avx512"}, points, centroids, dim, 3)
		if err != nil {
			t.Fatal(err)
		}
		if msg := firstMismatch(points, dim, wantL, wantD, gotL, gotD); msg != "" {
			t.Errorf("float32 dim %d k %d: %s", dim, k, msg)
		}
	}
}

// TestKMeansAVX512MatchesGeneric fits well-separated clusters with the avx512 and
// generic kernels from the same initial centroids, on 1, 2 and 4 workers,
// and expects the same labels and iterations.
func TestKMeansAVX512MatchesGeneric(t *testing.T) {
	requireAVX512(t)
	testKMeansKernels[float32](t)
	testKMeansKernels[float64](t)
}

func testKMeansKernels[F Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(17, uint64(unsafe.Sizeof(F(0)))))
	for _, dim := range []int{1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 16, 20} {
		for _, n := range []int{70, 1025, 2049} {
			k := 7
			points := make([]F, n*dim)
			for i := range n {
				c := i % k
				for j := range dim {
					points[i*dim+j] = F(1e4 + 100*float64(c*(j+1)) + rng.NormFloat64())
				}
			}
			init := make([]float64, k*dim)
			for c := range k {
				for j := range dim {
					init[c*dim+j] = float64(points[c*dim+j])
				}
			}
			var first *Clustering[F]
			for _, kernel := range []string{"generic", "avx512"} {
				for _, workers := range []int{1, 2, 4} {
					fit, err := KMeans(points, dim, KMeansOptions{K: k, Init: InitGiven, InitCentroids: init, Kernel: kernel, Workers: workers})
					if err != nil {
						t.Fatalf("%T dim %d n %d %s: %v", F(0), dim, n, kernel, err)
					}
					if first == nil {
						first = fit
						continue
					}
					if !slices.Equal(fit.Labels, first.Labels) {
						t.Errorf("%T dim %d n %d %s workers %d: labels differ from generic", F(0), dim, n, kernel, workers)
					}
					if fit.Iterations != first.Iterations {
						t.Errorf("%T dim %d n %d %s workers %d: %d iterations, generic took %d",
							F(0), dim, n, kernel, workers, fit.Iterations, first.Iterations)
					}
					if rel := math.Abs(fit.Inertia-first.Inertia) / first.Inertia; rel > 1e-3 {
						t.Errorf("%T dim %d n %d %s workers %d: inertia %v, generic %v", F(0), dim, n, kernel, workers, fit.Inertia, first.Inertia)
					}
				}
			}
		}
	}
}
