package vecfit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// Every test here runs once per kernel in Kernels(), so the assembly kernels
// are checked even where dispatch would pick another one.

var (
	nan  = math.NaN()
	inf  = math.Inf(1)
	ninf = math.Inf(-1)
)

// convert returns v as a slice of F.
func convert[F Float](v []float64) []F {
	out := make([]F, len(v))
	for i, x := range v {
		out[i] = F(x)
	}
	return out
}

// shifted returns a copy of v that starts off elements into a larger
// buffer, so that it is not aligned to more than the element size when off
// is odd.
func shifted[F Float](v []F, off int) []F {
	buf := make([]F, off+len(v))
	out := buf[off : off+len(v) : off+len(v)]
	copy(out, v)
	return out
}

// outputGuard is the number of guard values written around the outputs.
const outputGuard = 3

// runKernel runs NearestWith with the named kernel on outputs that sit
// inside larger buffers, and fails the test if the kernel wrote outside
// labels[:n] or dists[:n].
func runKernel[F Float](t testing.TB, kernel string, points, centroids []F, dim int) ([]int32, []F) {
	t.Helper()
	n := len(points) / dim
	labelBuf := make([]int32, n+2*outputGuard)
	distBuf := make([]F, n+2*outputGuard)
	for i := range labelBuf {
		labelBuf[i] = -7
		distBuf[i] = -7
	}
	labels := labelBuf[outputGuard : outputGuard+n]
	dists := distBuf[outputGuard : outputGuard+n]
	if err := NearestWith(Options{Kernel: kernel}, labels, dists, points, centroids, dim); err != nil {
		t.Fatalf("kernel %s: %v", kernel, err)
	}
	for i := range outputGuard {
		for _, j := range []int{i, n + outputGuard + i} {
			if labelBuf[j] != -7 || distBuf[j] != -7 {
				t.Errorf("kernel %s, dim %d, n %d: wrote outside the outputs at offset %d",
					kernel, dim, n, j-outputGuard)
			}
		}
	}
	return labels, dists
}

// forEachKernel runs f as a subtest per kernel name.
func forEachKernel(t *testing.T, f func(t *testing.T, kernel string)) {
	for _, name := range Kernels() {
		t.Run(name, func(t *testing.T) { f(t, name) })
	}
}

func TestKernelsListGenericLast(t *testing.T) {
	names := Kernels()
	if len(names) == 0 || names[len(names)-1] != "generic" {
		t.Fatalf("Kernels() = %v, want a list ending with generic", names)
	}
	if names[0] != Kernel() {
		t.Errorf("Kernels()[0] = %q, but Kernel() = %q", names[0], Kernel())
	}
}

// handCase is a nearest-centroid search whose result was worked out by hand.
type handCase struct {
	name       string
	dim        int
	points     []float64
	centroids  []float64
	wantLabels []int32
	wantDists  []float64
}

var handCases = []handCase{
	{
		name: "two centroids in the plane", dim: 2,
		points:     []float64{0, 0, 3, 4, 1, 1},
		centroids:  []float64{0, 0, 3, 0},
		wantLabels: []int32{0, 1, 0}, wantDists: []float64{0, 16, 2},
	},
	{
		name: "exact tie takes the lower index", dim: 1,
		points: []float64{1}, centroids: []float64{0, 2},
		wantLabels: []int32{0}, wantDists: []float64{1},
	},
	{
		name: "duplicate centroids", dim: 2,
		points: []float64{0, 0}, centroids: []float64{5, 5, 1, 1, 1, 1},
		wantLabels: []int32{1}, wantDists: []float64{2},
	},
	{
		name: "point on a centroid", dim: 3,
		points: []float64{1, 2, 3, 0, 0, 1}, centroids: []float64{0, 0, 0, 1, 2, 3},
		wantLabels: []int32{1, 0}, wantDists: []float64{0, 1},
	},
	{
		name: "point holding NaN", dim: 2,
		points: []float64{nan, 0, 1, 0}, centroids: []float64{0, 0, 3, 0},
		wantLabels: []int32{-1, 0}, wantDists: []float64{nan, 1},
	},
	{
		name: "centroid holding NaN is skipped", dim: 2,
		points: []float64{0, 0}, centroids: []float64{0, nan, 5, 0},
		wantLabels: []int32{1}, wantDists: []float64{25},
	},
	{
		name: "every centroid holds NaN", dim: 2,
		points: []float64{0, 0}, centroids: []float64{nan, 0, 0, nan},
		wantLabels: []int32{-1}, wantDists: []float64{nan},
	},
	{
		name: "infinite centroid is the farthest", dim: 2,
		points: []float64{0, 0}, centroids: []float64{inf, 0, 100, 0},
		wantLabels: []int32{1}, wantDists: []float64{10000},
	},
	{
		name: "only an infinite centroid", dim: 2,
		points: []float64{0, 0}, centroids: []float64{0, ninf},
		wantLabels: []int32{0}, wantDists: []float64{inf},
	},
	{
		name: "infinite point takes the first centroid", dim: 2,
		points: []float64{inf, 0}, centroids: []float64{0, 0, 1, 0},
		wantLabels: []int32{0}, wantDists: []float64{inf},
	},
	{
		name: "infinities of one sign give NaN", dim: 2,
		points: []float64{inf, 0}, centroids: []float64{inf, 0, 1, 0},
		wantLabels: []int32{1}, wantDists: []float64{inf},
	},
	{
		name: "only infinities of one sign", dim: 1,
		points: []float64{ninf}, centroids: []float64{ninf},
		wantLabels: []int32{-1}, wantDists: []float64{nan},
	},
	{
		name: "infinities of opposite sign", dim: 1,
		points: []float64{ninf}, centroids: []float64{inf},
		wantLabels: []int32{0}, wantDists: []float64{inf},
	},
}

func TestNearestHandCases(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kernel string) {
		for _, c := range handCases {
			t.Run(c.name, func(t *testing.T) {
				testHandCase[float32](t, kernel, c)
				testHandCase[float64](t, kernel, c)
			})
		}
	})
}

func testHandCase[F Float](t *testing.T, kernel string, c handCase) {
	t.Helper()
	labels, dists := runKernel(t, kernel, convert[F](c.points), convert[F](c.centroids), c.dim)
	for i := range c.wantLabels {
		want := F(c.wantDists[i])
		if labels[i] != c.wantLabels[i] || !(dists[i] == want || dists[i] != dists[i] && want != want) {
			t.Errorf("%T point %d: got label %d distance %v, want %d and %v",
				want, i, labels[i], dists[i], c.wantLabels[i], want)
		}
	}
}

func TestNearestOverflow(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kernel string) {
		// Every distance here overflows float32 but not float64.
		points, centroids := []float64{0, 3e38}, []float64{-3e38, 1e38}
		labels32, dists32 := runKernel(t, kernel, convert[float32](points), convert[float32](centroids), 1)
		for i := range 2 {
			if labels32[i] != 0 || !isInf(dists32[i], 1) {
				t.Errorf("float32 point %d: got label %d distance %v, want 0 and +Inf",
					i, labels32[i], dists32[i])
			}
		}
		labels64, dists64 := runKernel(t, kernel, points, centroids, 1)
		for i := range 2 {
			diff := points[i] - centroids[1]
			if want := diff * diff; labels64[i] != 1 || dists64[i] != want {
				t.Errorf("float64 point %d: got label %d distance %v, want 1 and %v",
					i, labels64[i], dists64[i], want)
			}
		}
	})
}

// TestNearestLaneTie puts the two nearest centroids k−1 apart, so that
// with k = 9 (or 17, 33, 65) they share a vector lane in every packed
// layout: point [0] against [1], [2], …, [k−1], [−1].
func TestNearestLaneTie(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kernel string) {
		for _, k := range []int{2, 5, 9, 17, 33, 65} {
			centroids := make([]float64, k)
			for c := range k - 1 {
				centroids[c] = float64(c + 1)
			}
			centroids[k-1] = -1
			for n := 1; n <= 9; n++ {
				points := make([]float64, n)
				testLaneTie[float32](t, kernel, points, centroids)
				testLaneTie[float64](t, kernel, points, centroids)
			}
		}
	})
}

func testLaneTie[F Float](t *testing.T, kernel string, points, centroids []float64) {
	t.Helper()
	labels, dists := runKernel(t, kernel, convert[F](points), convert[F](centroids), 1)
	for i := range labels {
		if labels[i] != 0 || dists[i] != 1 {
			t.Errorf("%T, k %d, n %d, point %d: got label %d distance %v, want 0 and 1",
				dists[i], len(centroids), len(points), i, labels[i], dists[i])
		}
	}
}

// TestNearestFarFromOrigin checks a case that the expansion
// ‖x‖² + ‖c‖² − 2x·c gets wrong in float32: [10000, 10000] against
// [10001, 10000] is at distance exactly 1.
func TestNearestFarFromOrigin(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kernel string) {
		for _, n := range []int{1, 2, 3, 4, 7, 13} {
			for _, k := range []int{1, 2, 9, 20, 40} {
				points := make([]float32, 0, 2*n)
				for range n {
					points = append(points, 10000, 10000)
				}
				centroids := []float32{10001, 10000}
				for c := 1; c < k; c++ {
					centroids = append(centroids, 10000+float32(c%5)+2, 10000-float32(c))
				}
				labels, dists := runKernel(t, kernel, points, centroids, 2)
				for i := range n {
					if labels[i] != 0 || dists[i] != 1 {
						t.Errorf("n %d, k %d, point %d: got label %d distance %v, want 0 and exactly 1",
							n, k, i, labels[i], dists[i])
					}
				}
			}
		}
	})
}

// TestNearestOddOffsetDim3 reads rows of dim 3 from slices that start one
// element past an aligned address, and expects the results of aligned
// copies bit for bit.
func TestNearestOddOffsetDim3(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kernel string) {
		testOddOffset[float32](t, kernel)
		testOddOffset[float64](t, kernel)
	})
}

func testOddOffset[F Float](t *testing.T, kernel string) {
	rng := rand.New(rand.NewPCG(3, 3))
	const dim = 3
	for _, n := range []int{1, 5, 11, 50} {
		for _, k := range []int{1, 4, 8, 9, 17, 40} {
			points := make([]F, n*dim)
			centroids := make([]F, k*dim)
			for i := range points {
				points[i] = F(rng.NormFloat64())
			}
			for i := range centroids {
				centroids[i] = F(rng.NormFloat64())
			}
			wantLabels, wantDists := runKernel(t, kernel, points, centroids, dim)
			for _, off := range []int{1, 3, 5} {
				labels, dists := runKernel(t, kernel, shifted(points, off), shifted(centroids, off), dim)
				if !slices.Equal(labels, wantLabels) || !bitsEqual(dists, wantDists) {
					t.Errorf("%T n %d k %d offset %d: got %v %v, aligned copy gives %v %v",
						dists[0], n, k, off, labels, dists, wantLabels, wantDists)
				}
			}
		}
	}
}

// bitsEqual reports whether a and b hold the same values bit for bit.
func bitsEqual[F Float](a, b []F) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return false
		}
	}
	return true
}

func TestNearestNoPoints(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kernel string) {
		centroids := []float32{1, 2, 3, 4}
		if err := NearestWith(Options{Kernel: kernel}, nil, nil, nil, centroids, 2); err != nil {
			t.Errorf("nil points: %v", err)
		}
		labels, dists := []int32{-7}, []float32{-7}
		if err := NearestWith(Options{Kernel: kernel}, labels[:0], dists[:0], []float32{}, centroids, 2); err != nil {
			t.Errorf("empty points: %v", err)
		}
		if labels[0] != -7 || dists[0] != -7 {
			t.Errorf("no points: wrote labels %v dists %v", labels, dists)
		}
		inertia, err := InertiaWith(Options{Kernel: kernel}, []float64{}, []float64{1}, 1)
		if err != nil || inertia != 0 {
			t.Errorf("InertiaWith of no points = %v, %v, want 0, nil", inertia, err)
		}
	})
	loss, err := Loss([]float32{}, []float32{1}, 1)
	if err != nil || loss != 0 {
		t.Errorf("Loss of no points = %v, %v, want 0, nil", loss, err)
	}
}

func TestNearestNilOutputs(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kernel string) {
		rng := rand.New(rand.NewPCG(5, 5))
		const dim, n, k = 5, 2100, 30
		points := make([]float64, n*dim)
		centroids := make([]float64, k*dim)
		for i := range points {
			points[i] = rng.NormFloat64()
		}
		for i := range centroids {
			centroids[i] = rng.NormFloat64()
		}
		wantLabels, wantDists := runKernel(t, kernel, points, centroids, dim)
		labels := make([]int32, n)
		if err := NearestWith(Options{Kernel: kernel}, labels, nil, points, centroids, dim); err != nil {
			t.Fatalf("nil dists: %v", err)
		}
		if !slices.Equal(labels, wantLabels) {
			t.Errorf("nil dists: labels differ from a call with both outputs")
		}
		dists := make([]float64, n)
		if err := NearestWith(Options{Kernel: kernel}, nil, dists, points, centroids, dim); err != nil {
			t.Fatalf("nil labels: %v", err)
		}
		if !bitsEqual(dists, wantDists) {
			t.Errorf("nil labels: distances differ from a call with both outputs")
		}
		if err := NearestWith(Options{Kernel: kernel}, nil, []float64(nil), points, centroids, dim); err != nil {
			t.Errorf("nil labels and dists: %v", err)
		}
	})
}

// badInput is a call with invalid arguments and the error it must return.
type badInput struct {
	name                string
	dim                 int
	lenPoints, lenCents int
	lenLabels, lenDists int // −1 for nil
	kernel              string
	want                error
	wantInMessage       []string
}

var badInputs = []badInput{
	{name: "dim zero", dim: 0, lenPoints: 4, lenCents: 4, lenLabels: 4, lenDists: 4,
		want: ErrDim, wantInMessage: []string{"0"}},
	{name: "dim negative", dim: -3, lenPoints: 4, lenCents: 4, lenLabels: 4, lenDists: 4,
		want: ErrDim, wantInMessage: []string{"-3"}},
	{name: "points not a multiple of dim", dim: 3, lenPoints: 10, lenCents: 6, lenLabels: 4, lenDists: 4,
		want: ErrLength, wantInMessage: []string{"10", "3"}},
	{name: "centroids not a multiple of dim", dim: 3, lenPoints: 9, lenCents: 7, lenLabels: 3, lenDists: 3,
		want: ErrLength, wantInMessage: []string{"7", "3"}},
	{name: "centroids empty", dim: 2, lenPoints: 4, lenCents: 0, lenLabels: 2, lenDists: 2,
		want: ErrNoCentroids},
	{name: "centroids nil", dim: 2, lenPoints: 4, lenCents: -1, lenLabels: 2, lenDists: 2,
		want: ErrNoCentroids},
	{name: "labels short", dim: 2, lenPoints: 10, lenCents: 4, lenLabels: 4, lenDists: 5,
		want: ErrLength, wantInMessage: []string{"labels", "4", "5"}},
	{name: "dists short", dim: 2, lenPoints: 10, lenCents: 4, lenLabels: 5, lenDists: 3,
		want: ErrLength, wantInMessage: []string{"dists", "3", "5"}},
	{name: "labels empty", dim: 1, lenPoints: 1, lenCents: 1, lenLabels: 0, lenDists: -1,
		want: ErrLength, wantInMessage: []string{"labels", "0", "1"}},
	{name: "unknown kernel", dim: 1, lenPoints: 1, lenCents: 1, lenLabels: 1, lenDists: 1,
		kernel: "sse9", want: ErrKernel, wantInMessage: []string{"sse9"}},
}

// sized returns a slice of length n, or nil when n is −1.
func sized[T any](n int) []T {
	if n < 0 {
		return nil
	}
	return make([]T, n)
}

func TestNearestBadInput(t *testing.T) {
	for _, c := range badInputs {
		t.Run(c.name, func(t *testing.T) {
			testBadInput[float32](t, c)
			testBadInput[float64](t, c)
		})
	}
}

func testBadInput[F Float](t *testing.T, c badInput) {
	t.Helper()
	points, centroids := sized[F](c.lenPoints), sized[F](c.lenCents)
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, c.want) {
			t.Errorf("%T %s: got error %v, want one wrapping %v", F(0), what, err, c.want)
			return
		}
		for _, s := range c.wantInMessage {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%T %s: error %q does not name %q", F(0), what, err, s)
			}
		}
	}
	err := NearestWith(Options{Kernel: c.kernel}, sized[int32](c.lenLabels), sized[F](c.lenDists), points, centroids, c.dim)
	check("NearestWith", err)
	if c.kernel == "" {
		check("Nearest", Nearest(sized[int32](c.lenLabels), sized[F](c.lenDists), points, centroids, c.dim))
	}
	if c.lenLabels >= 0 && c.lenLabels < max(c.lenPoints, 0)/max(c.dim, 1) ||
		c.lenDists >= 0 && c.lenDists < max(c.lenPoints, 0)/max(c.dim, 1) {
		return // Loss and Inertia take no outputs.
	}
	_, err = InertiaWith(Options{Kernel: c.kernel}, points, centroids, c.dim)
	check("InertiaWith", err)
	if c.kernel == "" {
		_, err = Inertia(points, centroids, c.dim)
		check("Inertia", err)
		_, err = Loss(points, centroids, c.dim)
		check("Loss", err)
	}
}

// goldenLoss is the k-means loss of 2000 points and 10 centroids (dim 10)
// drawn by PyTorch, with the loss that PyTorch computed in float32, the
// exact loss, and each point's label and squared distance.
type goldenLoss struct {
	Dim       int       `json:"dim"`
	Points    []float64 `json:"points"`
	Centroids []float64 `json:"centroids"`
	LossTorch float64   `json:"loss_float32_torch"`
	LossExact float64   `json:"loss_float64_exact"`
	Labels    []int32   `json:"labels"`
	MinDists  []float64 `json:"min_sq_dists_float64"`
}

func readGoldenLoss(t *testing.T) goldenLoss {
	t.Helper()
	data, err := os.ReadFile("testdata/seed_loss.json")
	if err != nil {
		t.Fatalf("golden loss: %v", err)
	}
	var g goldenLoss
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatalf("golden loss: %v", err)
	}
	if g.Dim < 1 || len(g.Points) != 2000*g.Dim || len(g.Centroids) != 10*g.Dim ||
		len(g.Labels) != 2000 || len(g.MinDists) != 2000 {
		t.Fatalf("golden loss: dim %d with %d point values, %d centroid values, %d labels, %d distances",
			g.Dim, len(g.Points), len(g.Centroids), len(g.Labels), len(g.MinDists))
	}
	return g
}

func TestLossGolden(t *testing.T) {
	g := readGoldenLoss(t)
	n := len(g.Labels)

	// The exact mean of the exact distances, to check the golden file.
	ref := newReference(g.Points, g.Centroids, g.Dim)
	var sum float64
	for i := range n {
		best := ref.dist[i*ref.k]
		for c := 1; c < ref.k; c++ {
			if d := ref.dist[i*ref.k+c]; d.less(best) {
				best = d
			}
		}
		sum += best.hi
	}
	if exact := sum / float64(n); math.Abs(exact-g.LossExact) > 1e-12*exact {
		t.Fatalf("golden exact loss %v, recomputed %v", g.LossExact, exact)
	}

	dim := float64(g.Dim)
	loss32, err := Loss(convert[float32](g.Points), convert[float32](g.Centroids), g.Dim)
	if err != nil {
		t.Fatal(err)
	}
	// Each distance within (dim+2)ε, and one more ε to round the mean.
	if tol := (dim + 3) * 0x1p-23 * g.LossExact; math.Abs(float64(loss32)-g.LossExact) > tol {
		t.Errorf("Loss[float32] = %v, exact %v: error exceeds %.3g", loss32, g.LossExact, tol)
	}
	if tol := 2 * (dim + 3) * 0x1p-23 * g.LossExact; math.Abs(float64(loss32)-g.LossTorch) > tol {
		t.Errorf("Loss[float32] = %v, PyTorch %v: difference exceeds %.3g", loss32, g.LossTorch, tol)
	}

	loss64, err := Loss(g.Points, g.Centroids, g.Dim)
	if err != nil {
		t.Fatal(err)
	}
	// The float64 sum of n distances adds up to n·ε of its own.
	if tol := (dim + 3 + float64(n)) * 0x1p-52 * g.LossExact; math.Abs(loss64-g.LossExact) > tol {
		t.Errorf("Loss[float64] = %v, exact %v: error exceeds %.3g", loss64, g.LossExact, tol)
	}

	forEachKernel(t, func(t *testing.T, kernel string) {
		testGoldenNearest[float32](t, kernel, g)
		testGoldenNearest[float64](t, kernel, g)
	})
}

func testGoldenNearest[F Float](t *testing.T, kernel string, g goldenLoss) {
	points, centroids := convert[F](g.Points), convert[F](g.Centroids)
	labels, dists := runKernel(t, kernel, points, centroids, g.Dim)
	ref := newReference(points, centroids, g.Dim)
	if msg := ref.check(labels, dists, 5); msg != "" {
		t.Errorf("%T: contract broken:%s", F(0), msg)
	}
	tol := 2 * float64(g.Dim+2) * epsilon[F]()
	for i, want := range g.Labels {
		if labels[i] != want {
			t.Errorf("%T point %d: got label %d, golden label %d", F(0), i, labels[i], want)
		}
		if d := float64(dists[i]); math.Abs(d-g.MinDists[i]) > tol*g.MinDists[i] {
			t.Errorf("%T point %d: got distance %v, golden %v", F(0), i, d, g.MinDists[i])
		}
	}
}

// genCase is one generated input.
type genCase[F Float] struct {
	name              string
	points, centroids []F
	dim               int
	exact             bool
}

// valueKind selects how generated coordinates are drawn.
type valueKind int

const (
	normalValues  valueKind = iota // standard normal
	offsetValues                   // 10⁴ + uniform [0, 1)
	integerValues                  // integers in [−4, 4]: every kernel is exact
	specialValues                  // normal, with NaN, ±Inf, huge and tiny values
)

func (v valueKind) String() string {
	return [...]string{"normal", "offset", "integers", "specials"}[v]
}

// special returns a value that careless kernels mishandle.
func special[F Float](rng *rand.Rand) F {
	switch rng.IntN(7) {
	case 0:
		return F(nan)
	case 1:
		return F(inf)
	case 2:
		return F(ninf)
	case 3:
		return F(maxFinite[F]() / float64(1+rng.IntN(4)))
	case 4:
		return F(-maxFinite[F]() / 3)
	case 5:
		return F(smallestNonzero[F]() * float64(rng.IntN(100)))
	default:
		return F(math.Sqrt(maxFinite[F]()) * rng.NormFloat64())
	}
}

func fill[F Float](rng *rand.Rand, v []F, kind valueKind) {
	for i := range v {
		switch kind {
		case normalValues:
			v[i] = F(rng.NormFloat64())
		case offsetValues:
			v[i] = F(1e4 + rng.Float64())
		case integerValues:
			v[i] = F(rng.IntN(9) - 4)
		case specialValues:
			v[i] = F(rng.NormFloat64())
			if rng.IntN(50) == 0 {
				v[i] = special[F](rng)
			}
		}
	}
}

// generate returns a case of n points and k centroids of the given dim.
// Some centroids repeat an earlier one, so that exact ties occur, and the
// slices start at an offset of 1 to 3 elements.
func generate[F Float](rng *rand.Rand, kind valueKind, n, k, dim int) genCase[F] {
	points := make([]F, n*dim)
	centroids := make([]F, k*dim)
	fill(rng, points, kind)
	fill(rng, centroids, kind)
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
	off := 1 + rng.IntN(3)
	return genCase[F]{
		name:      fmt.Sprintf("%T/%v/dim=%d/n=%d/k=%d", F(0), kind, dim, n, k),
		points:    shifted(points, off),
		centroids: shifted(centroids, off+1),
		dim:       dim,
		exact:     kind == integerValues,
	}
}

// shapes returns the (n, k) pairs tried for every dim: the sizes around
// each vector width and group of points, and a few of hundreds.
func shapes(short bool, dim int) [][2]int {
	ns := []int{1, 3, 4, 7, 13}
	ks := []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33}
	if short {
		ns = []int{1, 7}
		ks = []int{1, 4, 8, 9, 17, 33}
	}
	var out [][2]int
	for _, n := range ns {
		for _, k := range ks {
			out = append(out, [2]int{n, k})
		}
	}
	if !short && (dim <= 3 || dim%8 == 0 || dim%8 == 1 || dim == 70) {
		out = append(out, [2]int{257, 129}, [2]int{300, 65}, [2]int{100, 300})
	}
	return out
}

func TestNearestGenerated(t *testing.T) {
	for _, kind := range []valueKind{normalValues, offsetValues, integerValues, specialValues} {
		t.Run(kind.String(), func(t *testing.T) {
			t.Parallel()
			testGenerated[float32](t, kind)
			testGenerated[float64](t, kind)
		})
	}
}

func testGenerated[F Float](t *testing.T, kind valueKind) {
	rng := rand.New(rand.NewPCG(uint64(kind), 1))
	kernels := Kernels()
	failures := 0
	for dim := 1; dim <= 70; dim++ {
		for _, s := range shapes(testing.Short(), dim) {
			c := generate[F](rng, kind, s[0], s[1], dim)
			ref := newReference(c.points, c.centroids, c.dim)
			ref.exact = c.exact
			for _, kernel := range kernels {
				labels, dists := runKernel(t, kernel, c.points, c.centroids, c.dim)
				if msg := ref.check(labels, dists, 3); msg != "" {
					t.Errorf("%s kernel=%s: contract broken:%s", c.name, kernel, msg)
					if failures++; failures > 20 {
						t.Fatal("too many failures")
					}
				}
			}
		}
	}
}

// TestNearestWorkersBitIdentical runs searches large enough to be split
// across goroutines and expects the same bits from 1, 2, 3 and 8 workers.
func TestNearestWorkersBitIdentical(t *testing.T) {
	n, k, dim := 9000, 40, 16
	if testing.Short() {
		// Just above the size at which the search is split.
		n, k, dim = 2100, 16, 8
	}
	forEachKernel(t, func(t *testing.T, kernel string) {
		testWorkers[float32](t, kernel, n, k, dim)
		testWorkers[float64](t, kernel, n, k, dim)
	})
}

func testWorkers[F Float](t *testing.T, kernel string, n, k, dim int) {
	rng := rand.New(rand.NewPCG(7, 7))
	points := make([]F, n*dim)
	centroids := make([]F, k*dim)
	fill(rng, points, specialValues)
	fill(rng, centroids, normalValues)
	var (
		wantLabels  []int32
		wantDists   []F
		wantInertia float64
	)
	for _, workers := range []int{1, 2, 3, 8} {
		opts := Options{Kernel: kernel, Workers: workers}
		labels, dists := make([]int32, n), make([]F, n)
		if err := NearestWith(opts, labels, dists, points, centroids, dim); err != nil {
			t.Fatal(err)
		}
		inertia, err := InertiaWith(opts, points, centroids, dim)
		if err != nil {
			t.Fatal(err)
		}
		if workers == 1 {
			wantLabels, wantDists, wantInertia = labels, dists, inertia
			continue
		}
		if !slices.Equal(labels, wantLabels) {
			t.Errorf("%T workers %d: labels differ from 1 worker", F(0), workers)
		}
		if !bitsEqual(dists, wantDists) {
			t.Errorf("%T workers %d: distances differ from 1 worker", F(0), workers)
		}
		if math.Float64bits(inertia) != math.Float64bits(wantInertia) {
			t.Errorf("%T workers %d: inertia %v, 1 worker gives %v", F(0), workers, inertia, wantInertia)
		}
	}
}

// TestLossMatchesNearest checks Inertia and Loss against the sum of the
// distances that Nearest returns.
func TestLossMatchesNearest(t *testing.T) {
	forEachKernel(t, func(t *testing.T, kernel string) {
		for _, n := range []int{1, 5, 1024, 1025, 3000} {
			testLossSum[float32](t, kernel, n)
			testLossSum[float64](t, kernel, n)
		}
	})
}

func testLossSum[F Float](t *testing.T, kernel string, n int) {
	const dim, k = 7, 12
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	points := make([]F, n*dim)
	centroids := make([]F, k*dim)
	fill(rng, points, normalValues)
	fill(rng, centroids, normalValues)
	_, dists := runKernel(t, kernel, points, centroids, dim)
	var sum float64
	for _, d := range dists {
		sum += float64(d)
	}
	inertia, err := InertiaWith(Options{Kernel: kernel}, points, centroids, dim)
	if err != nil {
		t.Fatal(err)
	}
	if tol := float64(n) * 0x1p-52 * sum; math.Abs(inertia-sum) > tol {
		t.Errorf("%T n %d: inertia %v, sum of distances %v", F(0), n, inertia, sum)
	}
	if kernel != Kernel() {
		return // Loss and Inertia take no options.
	}
	inertia, err = Inertia(points, centroids, dim)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := Loss(points, centroids, dim)
	if err != nil {
		t.Fatal(err)
	}
	if want := F(inertia / float64(n)); loss != want {
		t.Errorf("%T n %d: loss %v, want inertia/n = %v", F(0), n, loss, want)
	}

	// A point holding NaN makes the sum NaN.
	points[len(points)/2] = F(nan)
	if inertia, err := InertiaWith(Options{Kernel: kernel}, points, centroids, dim); err != nil || !math.IsNaN(inertia) {
		t.Errorf("%T n %d with a NaN point: inertia %v, %v, want NaN", F(0), n, inertia, err)
	}
	if loss, err := Loss(points, centroids, dim); err != nil || loss == loss {
		t.Errorf("%T n %d with a NaN point: loss %v, %v, want NaN", F(0), n, loss, err)
	}
}

// TestNearestCentroidChunks uses enough centroids that the packed kernels
// search them in several chunks. It plants the cases that the merge of
// chunk results must get right: the nearest centroid in a later chunk, an
// exact tie across chunks, first chunks with only NaN or overflowing
// distances, and a point that holds NaN.
func TestNearestCentroidChunks(t *testing.T) {
	sizes := []struct{ dim, k, n int }{{70, 2000, 30}, {1, 70000, 12}}
	if testing.Short() {
		sizes = []struct{ dim, k, n int }{{70, 2000, 6}}
	}
	forEachKernel(t, func(t *testing.T, kernel string) {
		for _, s := range sizes {
			for _, kind := range []valueKind{normalValues, integerValues} {
				testChunks[float32](t, kernel, kind, s.dim, s.k, s.n)
				testChunks[float64](t, kernel, kind, s.dim, s.k, s.n)
			}
		}
	})
}

func testChunks[F Float](t *testing.T, kernel string, kind valueKind, dim, k, n int) {
	name := fmt.Sprintf("%T/%v/dim=%d/k=%d", F(0), kind, dim, k)
	rng := rand.New(rand.NewPCG(uint64(dim), uint64(k)))
	points := make([]F, n*dim)
	centroids := make([]F, k*dim)
	fill(rng, points, kind)
	fill(rng, centroids, kind)
	for c := range centroids {
		centroids[c] += 4 // away from the points, so planted centroids win
	}
	row := func(v []F, i int) []F { return v[i*dim : (i+1)*dim] }

	// A quarter of the first half of the centroids holds a NaN.
	for c := 1; c < k/2; c += 4 {
		row(centroids, c)[c%dim] = F(nan)
	}

	// Point 0 sits on the last centroid; point 1 on centroid 3, which
	// repeats in the last chunk.
	row(centroids, k-1)[0] = 100 // far above the others: a unique row
	row(centroids, 3)[0] = 50
	copy(row(points, 0), row(centroids, k-1))
	copy(row(centroids, k-2), row(centroids, 3))
	copy(row(points, 1), row(centroids, 3))

	// Points 2 and 3 are so far out that every distance overflows, except
	// that point 2 sits on centroid k−3: the first chunks find nothing
	// below +Inf for them.
	big := 2 * F(math.Sqrt(maxFinite[F]()))
	for i := range dim {
		row(points, 2)[i] = big
		row(points, 3)[i] = -big
	}
	copy(row(centroids, k-3), row(points, 2))
	row(points, 4)[dim-1] = F(nan)

	ref := newReference(points, centroids, dim)
	ref.exact = kind == integerValues
	labels, dists := runKernel(t, kernel, points, centroids, dim)
	if msg := ref.check(labels, dists, 5); msg != "" {
		t.Errorf("%s kernel %s: contract broken:%s", name, kernel, msg)
	}
	for i, want := range []int32{int32(k - 1), 3, int32(k - 3), 0, -1} {
		if labels[i] != want {
			t.Errorf("%s kernel %s point %d: got label %d, want %d", name, kernel, i, labels[i], want)
		}
	}

	// The test is only worth its time if the search has several chunks.
	s, err := newSearch(Options{Kernel: kernel}, centroids, dim)
	if err != nil {
		t.Fatal(err)
	}
	chunks := len(s.chunks)
	if s.dot != nil {
		chunks = len(s.dot.chunks)
	}
	if kernel != "generic" && chunks < 2 {
		t.Errorf("%s kernel %s: %d centroid chunks, want at least 2", name, kernel, chunks)
	}
}
