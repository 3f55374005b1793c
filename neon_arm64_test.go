//go:build !purego

package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNEONKernelListed(t *testing.T) {
	if !slices.Contains(Kernels(), "neon") {
		t.Fatalf("Kernels() = %v, want it to contain neon on arm64", Kernels())
	}
	if Kernel() != "neon" {
		t.Errorf("Kernel() = %q, want neon", Kernel())
	}
}

// neonShapes returns the point and centroid counts that the NEON comparison
// tests run for every dim. They lie on both sides of each variant's group
// size (4 and 8 points, 2, 4, 8 and 16 centroids) and of the switch between
// variants.
func neonShapes() (ns, ks []int) {
	ns = []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 17}
	ks = []int{1, 2, 3, 4, 5, 8, 9, 15, 16, 17, 33}
	if testing.Short() {
		ns = []int{1, 3, 4, 8, 9, 13}
		ks = []int{1, 2, 3, 5, 8, 9, 17, 33}
	}
	return ns, ks
}

// TestNEONSmallIntegers compares the NEON kernel with the generic one on
// small integer coordinates. Every distance is then exact and ties are
// frequent, so labels and distances must be equal, with the lowest index
// winning every tie.
func TestNEONSmallIntegers(t *testing.T) {
	ns, ks := neonShapes()
	rng := rand.New(rand.NewPCG(1, 2))
	for dim := 1; dim <= 70; dim++ {
		for _, n := range ns {
			for _, k := range ks {
				points := smallIntegers[float32](rng, 1+n*dim)[1:] // unaligned start
				centroids := smallIntegers[float32](rng, k*dim)
				name := fmt.Sprintf("float32/dim=%d/n=%d/k=%d", dim, n, k)
				compareExact(t, name, points, centroids, dim)
				compareExact(t, "float64"+name[7:],
					widen(points), widen(centroids), dim)
			}
		}
	}

	// Enough centroids of dim 64 to be packed in several chunks, so the
	// kernel's results for later chunks are merged with the first's.
	const dim, n, k = 64, 13, 2100
	points := smallIntegers[float32](rng, n*dim)
	centroids := smallIntegers[float32](rng, k*dim)
	compareExact(t, "float32/chunks", points, centroids, dim)
	compareExact(t, "float64/chunks", widen(points), widen(centroids), dim)
}

func smallIntegers[F Float](rng *rand.Rand, n int) []F {
	v := make([]F, n)
	for i := range v {
		v[i] = F(rng.IntN(3) - 1)
	}
	return v
}

func widen(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

// compareExact checks that the NEON and generic kernels return identical
// labels and distances.
func compareExact[F Float](t *testing.T, name string, points, centroids []F, dim int) {
	t.Helper()
	n := len(points) / dim
	wantL, wantD := make([]int32, n), make([]F, n)
	if err := NearestWith(Options{Kernel: "generic"}, wantL, wantD, points, centroids, dim); err != nil {
		t.Fatalf("%s: generic: %v", name, err)
	}
	gotL, gotD := make([]int32, n), make([]F, n)
	if err := NearestWith(Options{Kernel: "neon"}, gotL, gotD, points, centroids, dim); err != nil {
		t.Fatalf("%s: neon: %v", name, err)
	}
	for i := range n {
		same := gotD[i] == wantD[i] || (gotD[i] != gotD[i] && wantD[i] != wantD[i])
		if gotL[i] != wantL[i] || !same {
			t.Fatalf("%s: point %d: neon gives label %d distance %v, generic %d %v",
				name, i, gotL[i], gotD[i], wantL[i], wantD[i])
		}
	}
}

// TestNEONContract checks the accuracy contract on random data far from the
// origin: coordinates near 10⁴ that differ by less than 1. There the
// kernels round differently, so the test checks bounds, not equality. The
// returned distance must be close to the distance of the returned label,
// and that label must be the nearest up to rounding. Reference distances are
// summed in float64, so for float64 data the bounds are doubled to cover
// the reference's own rounding.
func TestNEONContract(t *testing.T) {
	ns, ks := neonShapes()
	rng := rand.New(rand.NewPCG(3, 4))
	for dim := 1; dim <= 70; dim++ {
		for _, n := range ns {
			for _, k := range ks {
				points := offsetData[float32](rng, n*dim)
				centroids := offsetData[float32](rng, k*dim)
				name := fmt.Sprintf("dim=%d/n=%d/k=%d", dim, n, k)
				checkContract(t, "float32/"+name, points, centroids, dim, 0x1p-23, 1)
				checkContract(t, "float64/"+name, widen(points), widen(centroids), dim, 0x1p-52, 2)
			}
		}
	}
}

func offsetData[F Float](rng *rand.Rand, n int) []F {
	v := make([]F, n)
	for i := range v {
		v[i] = F(1e4 + rng.Float64())
	}
	return v
}

func checkContract[F Float](t *testing.T, name string, points, centroids []F, dim int, eps, slack float64) {
	t.Helper()
	n, k := len(points)/dim, len(centroids)/dim
	labels, dists := make([]int32, n), make([]F, n)
	if err := NearestWith(Options{Kernel: "neon"}, labels, dists, points, centroids, dim); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	bound := slack * float64(dim+2) * eps
	for i := range n {
		x := points[i*dim : (i+1)*dim]
		best := math.Inf(1)
		for c := range k {
			best = min(best, referenceDistance(x, centroids[c*dim:(c+1)*dim]))
		}
		l := labels[i]
		if l < 0 || int(l) >= k {
			t.Fatalf("%s: point %d: label %d out of range [0, %d)", name, i, l, k)
		}
		d := referenceDistance(x, centroids[int(l)*dim:(int(l)+1)*dim])
		got := float64(dists[i])
		if got < 0 || math.Abs(got-d) > bound*d {
			t.Fatalf("%s: point %d: distance %v, want %v within %.3g relative", name, i, got, d, bound)
		}
		if d > best*(1+2*bound) {
			t.Fatalf("%s: point %d: label %d at distance %v, but the minimum is %v", name, i, l, d, best)
		}
	}
}

// referenceDistance returns the squared distance in float64.
func referenceDistance[F Float](x, c []F) float64 {
	var sum float64
	for j := range x {
		t := float64(x[j]) - float64(c[j])
		sum += t * t
	}
	return sum
}

// TestNEONSpecialValues runs the NEON kernel through Nearest on data with
// NaN and infinite coordinates and checks that it agrees with the generic
// kernel, which states the rules.
func TestNEONSpecialValues(t *testing.T) {
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e30, -1e30}
	rng := rand.New(rand.NewPCG(5, 6))
	for dim := 1; dim <= 9; dim++ {
		for _, n := range []int{1, 5, 9} {
			for _, k := range []int{1, 3, 6, 17} {
				points := smallIntegers[float64](rng, n*dim)
				centroids := smallIntegers[float64](rng, k*dim)
				for range 1 + (n+k)/3 {
					v := specials[rng.IntN(len(specials))]
					if rng.IntN(2) == 0 {
						points[rng.IntN(len(points))] = v
					} else {
						centroids[rng.IntN(len(centroids))] = v
					}
				}
				name := fmt.Sprintf("dim=%d/n=%d/k=%d", dim, n, k)
				compareExact(t, "float64/"+name, points, centroids, dim)
				p32, c32 := narrow(points), narrow(centroids)
				compareExact(t, "float32/"+name, p32, c32, dim)
			}
		}
	}
}

func narrow(v []float64) []float32 {
	w := make([]float32, len(v))
	for i, x := range v {
		w[i] = float32(x)
	}
	return w
}

// TestNEONKernelBounds calls each NEON kernel directly, with outputs cut
// from longer buffers, for every count of points that a group leaves over.
// The values past the end must stay untouched.
func TestNEONKernelBounds(t *testing.T) {
	for _, k := range []int{1, 3, 5, 9, 17} {
		for n := 1; n <= 17; n++ {
			for dim := 1; dim <= 5; dim++ {
				name := fmt.Sprintf("k=%d/n=%d/dim=%d", k, n, dim)
				checkBounds[float32](t, "float32/"+name, n, k, dim)
				checkBounds[float64](t, "float64/"+name, n, k, dim)
			}
		}
	}
}

func checkBounds[F Float](t *testing.T, name string, n, k, dim int) {
	t.Helper()
	const sentinel = -7
	points := make([]F, n*dim)
	for i := range points {
		points[i] = F(i % 7)
	}
	centroids := make([]F, k*dim)
	for i := range centroids {
		centroids[i] = F(i % 5)
	}
	kern := nearestFor[F](neonKernel, k, dim)
	packed := packCentroids(centroids, dim, kern.block)
	labels := slices.Repeat([]int32{sentinel}, n+8)
	dists := slices.Repeat([]F{sentinel}, n+8)
	kern.fn(labels[:n], dists[:n], points, packed, dim, len(packed)/(dim*kern.block))
	for i := n; i < n+8; i++ {
		if labels[i] != sentinel || dists[i] != sentinel {
			t.Fatalf("%s: wrote past the end at %d: label %d, distance %v", name, i, labels[i], dists[i])
		}
	}
	for i := range n {
		wantL, wantD := nearestRow(points[i*dim:(i+1)*dim], centroids, dim)
		if labels[i] != wantL || dists[i] != wantD {
			t.Fatalf("%s: point %d: label %d distance %v, want %d %v", name, i, labels[i], dists[i], wantL, wantD)
		}
	}
}

// TestNEONTieAcrossLanes checks a case in which centroids 0 and 8 share a
// vector lane and tie: the point [0] against centroids [1], [2], …, [8],
// [−1] must get label 0 and distance 1.
func TestNEONTieAcrossLanes(t *testing.T) {
	centroids := []float64{1, 2, 3, 4, 5, 6, 7, 8, -1}
	labels, dists := make([]int32, 1), make([]float64, 1)
	if err := NearestWith(Options{Kernel: "neon"}, labels, dists, []float64{0}, centroids, 1); err != nil {
		t.Fatal(err)
	}
	if labels[0] != 0 || dists[0] != 1 {
		t.Errorf("float64: label %d distance %v, want 0 and 1", labels[0], dists[0])
	}
	labels32, dists32 := make([]int32, 1), make([]float32, 1)
	if err := NearestWith(Options{Kernel: "neon"}, labels32, dists32, []float32{0}, narrow(centroids), 1); err != nil {
		t.Fatal(err)
	}
	if labels32[0] != 0 || dists32[0] != 1 {
		t.Errorf("float32: label %d distance %v, want 0 and 1", labels32[0], dists32[0])
	}
}

// TestNEONGuardPages runs each NEON kernel on points, packed centroids and
// outputs that sit at the very end of a mapping followed by an inaccessible
// page, and at the very start after one. A read or write outside the slices
// crashes the test.
func TestNEONGuardPages(t *testing.T) {
	for dim := 1; dim <= 70; dim++ {
		for _, k := range []int{3, 9} {
			for _, n := range []int{1, 5, 8, 9} {
				name := fmt.Sprintf("dim=%d/k=%d/n=%d", dim, k, n)
				checkGuarded[float32](t, "float32/"+name, n, k, dim)
				checkGuarded[float64](t, "float64/"+name, n, k, dim)
			}
		}
	}
}

func checkGuarded[F Float](t *testing.T, name string, n, k, dim int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), uint64(k*dim)))
	points := smallIntegers[F](rng, n*dim)
	centroids := smallIntegers[F](rng, k*dim)
	kern := nearestFor[F](neonKernel, k, dim)
	packed := packCentroids(centroids, dim, kern.block)
	groups := len(packed) / (dim * kern.block)
	for _, atEnd := range []bool{true, false} {
		gp := guardPageCopy(t, points, atEnd)
		gc := guardPageCopy(t, packed, atEnd)
		labels := guardPageCopy(t, make([]int32, n), atEnd)
		dists := guardPageCopy(t, make([]F, n), atEnd)
		kern.fn(labels, dists, gp, gc, dim, groups)
		for i := range n {
			wantL, wantD := nearestRow(points[i*dim:(i+1)*dim], centroids, dim)
			if labels[i] != wantL || dists[i] != wantD {
				t.Fatalf("%s: point %d: label %d distance %v, want %d %v", name, i, labels[i], dists[i], wantL, wantD)
			}
		}
	}
}
