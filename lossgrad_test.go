package vecfit

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// seedLossGolden is the forum's example computed by PyTorch 1.13: 2000
// points and 10 centroids of dim 10 drawn by torch.randn after
// torch.manual_seed(0), the float32 loss and its autograd gradients.
type seedLossGolden struct {
	Dim           int       `json:"dim"`
	Points        []float64 `json:"points"`
	Centroids     []float64 `json:"centroids"`
	Loss32        float64   `json:"loss_float32_torch"`
	Loss64        float64   `json:"loss_float64_exact"`
	Labels        []int32   `json:"labels"`
	GradPoints    []float64 `json:"grad_points_torch"`
	GradCentroids []float64 `json:"grad_centroids_torch"`
}

func readSeedLoss(t testing.TB) seedLossGolden {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "seed_loss.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g seedLossGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("seed_loss.json: %v", err)
	}
	return g
}

// TestLossGradTorch compares the float32 gradients with PyTorch's autograd.
// A point gradient is one float32 subtraction and two scalings in PyTorch,
// so it may differ by a few units in the last place. A centroid gradient is
// a float32 sum of m terms in PyTorch, whose rounding error is bounded by
// (m+2)·ε times the sum of the terms' magnitudes.
func TestLossGradTorch(t *testing.T) {
	g := readSeedLoss(t)
	points := toFloat[float32](g.Points)
	centroids := toFloat[float32](g.Centroids)
	n, dim := len(points)/g.Dim, g.Dim
	eps := math.Ldexp(1, -23)
	for _, kernel := range Kernels() {
		gradPoints := make([]float32, len(points))
		gradCentroids := make([]float32, len(centroids))
		loss, err := lossGradWith(Options{Kernel: kernel}, gradPoints, gradCentroids, points, centroids, dim)
		if err != nil {
			t.Fatalf("kernel %s: %v", kernel, err)
		}
		if e := relativeError(float64(loss), g.Loss32, 0); e > float64(dim+2)*eps {
			t.Errorf("kernel %s: loss = %v, PyTorch %v", kernel, loss, g.Loss32)
		}
		for i, want := range g.GradPoints {
			if d := math.Abs(float64(gradPoints[i]) - want); d > 4*eps*math.Abs(want) {
				t.Fatalf("kernel %s: gradPoints[%d] = %v, PyTorch %v", kernel, i, gradPoints[i], want)
			}
		}
		count := make([]float64, len(centroids)/dim)
		magnitude := make([]float64, len(centroids))
		for i, l := range g.Labels {
			count[l]++
			for j := range dim {
				magnitude[int(l)*dim+j] += 2 / float64(n) * math.Abs(g.Centroids[int(l)*dim+j]-g.Points[i*dim+j])
			}
		}
		for i, want := range g.GradCentroids {
			bound := (count[i/dim] + 2) * eps * magnitude[i]
			if d := math.Abs(float64(gradCentroids[i]) - want); d > bound {
				t.Errorf("kernel %s: gradCentroids[%d] = %v, PyTorch %v (difference %.3g > bound %.3g)",
					kernel, i, gradCentroids[i], want, d, bound)
			}
		}
	}
}

// TestLossGradFiniteDifference checks the float64 gradients against central
// differences of Loss. The loss is quadratic while no label changes, so the
// differences are exact up to rounding, about ε·L/h.
func TestLossGradFiniteDifference(t *testing.T) {
	g := readSeedLoss(t)
	points, centroids, dim := g.Points, g.Centroids, g.Dim
	gradPoints := make([]float64, len(points))
	gradCentroids := make([]float64, len(centroids))
	loss, err := LossGrad(gradPoints, gradCentroids, points, centroids, dim)
	if err != nil {
		t.Fatal(err)
	}
	if e := relativeError(loss, g.Loss64, 0); e > 1e-13 {
		t.Errorf("loss = %.17g, exact %.17g", loss, g.Loss64)
	}

	// A step that moves a point across the boundary between two clusters
	// meets a kink of the loss, so such coordinates are skipped.
	const h = 1e-5
	base := make([]int32, len(points)/dim)
	if err := Nearest(base, nil, points, centroids, dim); err != nil {
		t.Fatal(err)
	}
	labels := make([]int32, len(base))
	skipped := 0
	lossAt := func(values []float64, i int, v float64) (float64, bool) {
		saved := values[i]
		values[i] = v
		defer func() { values[i] = saved }()
		loss, err := Loss(points, centroids, dim)
		if err != nil {
			t.Fatal(err)
		}
		if err := Nearest(labels, nil, points, centroids, dim); err != nil {
			t.Fatal(err)
		}
		for j := range labels {
			if labels[j] != base[j] {
				return loss, false
			}
		}
		return loss, true
	}
	check := func(name string, values, grad []float64, i int) {
		up, ok1 := lossAt(values, i, values[i]+h)
		down, ok2 := lossAt(values, i, values[i]-h)
		if !ok1 || !ok2 {
			skipped++
			return
		}
		if fd := (up - down) / (2 * h); math.Abs(fd-grad[i]) > 1e-8 {
			t.Errorf("%s[%d] = %.12g, finite difference %.12g", name, i, grad[i], fd)
		}
	}
	for i := range centroids {
		check("gradCentroids", centroids, gradCentroids, i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		check("gradPoints", points, gradPoints, r.IntN(len(points)))
	}
	if skipped > 10 {
		t.Errorf("%d of 300 coordinates skipped because a label changed, want at most 10", skipped)
	}
}

// TestLossGradMatchesLoss checks that the loss LossGrad returns is Loss bit
// for bit, across the block boundary of the parallel sum.
func TestLossGradMatchesLoss(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 1023, 1024, 1025, 5000} {
		points := randomNormal[float32](r, n*5)
		centroids := randomNormal[float32](r, 7*5)
		want, err := Loss(points, centroids, 5)
		if err != nil {
			t.Fatal(err)
		}
		got, err := LossGrad(nil, nil, points, centroids, 5)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("n=%d: LossGrad loss = %v, Loss = %v", n, got, want)
		}
	}
}

// TestLossGradNaNPoints checks that points holding a NaN are reported in
// the error, add nothing to the centroid gradients and get zero point
// gradients.
func TestLossGradNaNPoints(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n, k, dim = 40, 3, 4
	points := randomNormal[float64](r, n*dim)
	centroids := randomNormal[float64](r, k*dim)
	points[3*dim+1] = math.NaN()
	points[7*dim] = math.NaN()

	gradPoints := make([]float64, len(points))
	for i := range gradPoints {
		gradPoints[i] = 99
	}
	gradCentroids := make([]float64, len(centroids))
	loss, err := LossGrad(gradPoints, gradCentroids, points, centroids, dim)
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("error = %v, want one wrapping ErrNaN", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "2 of 40 points") || !strings.Contains(msg, "row 3") {
		t.Errorf("error %q does not state the count (2 of 40 points) and the first row (row 3)", msg)
	}
	if !math.IsNaN(loss) {
		t.Errorf("loss = %v, want NaN", loss)
	}
	for _, row := range []int{3, 7} {
		for j := range dim {
			if v := gradPoints[row*dim+j]; v != 0 {
				t.Errorf("gradPoints of NaN row %d coordinate %d = %v, want 0", row, j, v)
			}
		}
	}

	// The centroid gradients are those of the other points, still scaled
	// by 2/n with n counting every point.
	want := make([]float64, len(centroids))
	for i := range n {
		if i == 3 || i == 7 {
			continue
		}
		l, _ := nearestRow(points[i*dim:(i+1)*dim], centroids, dim)
		for j := range dim {
			want[int(l)*dim+j] += centroids[int(l)*dim+j] - points[i*dim+j]
		}
	}
	for i := range want {
		if e := relativeError(gradCentroids[i], 2.0/n*want[i], 1e-300); e > 1e-13 {
			t.Errorf("gradCentroids[%d] = %v, want %v", i, gradCentroids[i], 2.0/n*want[i])
		}
	}
}

func TestLossGradErrors(t *testing.T) {
	points := make([]float32, 12)
	centroids := make([]float32, 6)
	cases := []struct {
		name                     string
		gradPoints, gradCentroid []float32
		points, centroids        []float32
		dim                      int
		want                     error
	}{
		{"dim 0", nil, nil, points, centroids, 0, ErrDim},
		{"points not a multiple of dim", nil, nil, points[:11], centroids, 3, ErrLength},
		{"no centroids", nil, nil, points, nil, 3, ErrNoCentroids},
		{"short gradPoints", make([]float32, 11), nil, points, centroids, 3, ErrLength},
		{"short gradCentroids", nil, make([]float32, 5), points, centroids, 3, ErrLength},
	}
	for _, c := range cases {
		_, err := LossGrad(c.gradPoints, c.gradCentroid, c.points, c.centroids, c.dim)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error = %v, want one wrapping %v", c.name, err, c.want)
		}
	}
}

// TestLossGradNoPoints checks that no points give a zero loss and zero
// centroid gradients.
func TestLossGradNoPoints(t *testing.T) {
	gradCentroids := []float64{1, 2, 3, 4}
	loss, err := LossGrad(nil, gradCentroids, nil, []float64{1, 2, 3, 4}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if loss != 0 {
		t.Errorf("loss = %v, want 0", loss)
	}
	for i, v := range gradCentroids {
		if v != 0 {
			t.Errorf("gradCentroids[%d] = %v, want 0", i, v)
		}
	}
}

// randomNormal returns n values drawn from the standard normal distribution.
func randomNormal[F Float](r *rand.Rand, n int) []F {
	s := make([]F, n)
	for i := range s {
		s[i] = F(r.NormFloat64())
	}
	return s
}

// TestLossGradOneNaNMessage checks the verb agreement in the error for a
// single point without a label.
func TestLossGradOneNaNMessage(t *testing.T) {
	points := []float64{0, math.NaN(), 2, 3}
	_, err := LossGrad(nil, nil, points, []float64{0}, 1)
	if !errors.Is(err, ErrNaN) {
		t.Fatalf("error = %v, want one wrapping ErrNaN", err)
	}
	if want := "1 of 4 points has no nearest centroid"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

// Squared distances of 1.69e308 are each finite, though any two of them
// sum beyond float64. Loss and LossGrad return their mean, over one block
// of points and over several.
func TestLossMeanOfLargeDistances(t *testing.T) {
	want := 1.3e154 * 1.3e154
	for _, n := range []int{2, 3*blockRows + 5} {
		points := make([]float64, n)
		for i := range points {
			points[i] = 1.3e154
		}
		centroids := []float64{0}
		loss, err := Loss(points, centroids, 1)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(loss-want) > 1e-14*want {
			t.Errorf("n %d: Loss = %v, want %v", n, loss, want)
		}
		lossGrad, err := LossGrad(make([]float64, n), make([]float64, 1), points, centroids, 1)
		if err != nil {
			t.Fatal(err)
		}
		if lossGrad != loss {
			t.Errorf("n %d: LossGrad's loss = %v, want Loss's %v", n, lossGrad, loss)
		}
		sum, err := Inertia(points, centroids, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !math.IsInf(sum, 1) {
			t.Errorf("n %d: Inertia = %v, want +Inf, the sum beyond float64", n, sum)
		}
	}
}

// The gradients are finite where (2/n)·(x − c) and (2/n)·Σ(c − x) are,
// even where x − c or the running sum overflows float64. The loss itself
// is +Inf, since every squared distance overflows.
func TestLossGradLargeDifferences(t *testing.T) {
	points := []float64{1e308, -1e308, 1e308, -1e308}

	// With c = −0.4e308 the terms c − x are −1.4e308 and 0.6e308 in turn.
	// Their running sum reaches −2.2e308, beyond float64, on its way to
	// −1.6e308, and the gradient is (2/4)·(−1.6e308) = −0.8e308.
	gradCentroids := make([]float64, 1)
	loss, err := LossGrad(nil, gradCentroids, points, []float64{-0.4e308}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(loss, 1) {
		t.Errorf("loss = %v, want +Inf", loss)
	}
	if want := -0.8e308; math.Abs(gradCentroids[0]-want) > 1e-14*-want {
		t.Errorf("centroid gradient = %v, want %v", gradCentroids[0], want)
	}

	// x − c = 1.9e308 overflows, (2/4)·1.9e308 = 0.95e308 does not.
	gradPoints := make([]float64, 4)
	if _, err := LossGrad(gradPoints, nil, points, []float64{-0.9e308}, 1); err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{0.95e308, -0.05e308, 0.95e308, -0.05e308} {
		if math.Abs(gradPoints[i]-want) > 1e-14*math.Abs(want) {
			t.Errorf("gradPoints[%d] = %v, want %v", i, gradPoints[i], want)
		}
	}
}

// Where a centroid sum overflows, the gradients are formed again from the
// inputs. That must still happen before gradPoints is written, so that
// gradPoints = points and gradPoints over the centroids give the same
// gradients as separate slices.
func TestLossGradOverflowInPlace(t *testing.T) {
	const dim = 1
	centroids := []float64{9e307, 1}
	points := []float64{-8e307, -8e307, 2, 4} // labels 0, 0, 1, 1
	wantPoints := make([]float64, len(points))
	wantCentroids := make([]float64, len(centroids))
	if _, err := LossGrad(wantPoints, wantCentroids, points, centroids, dim); err != nil {
		t.Fatal(err)
	}
	// (2/4)·2·(9e307 + 8e307) = 1.7e308 and (2/4)·((1 − 2) + (1 − 4)) = −2.
	if math.Abs(wantCentroids[0]-1.7e308) > 1e-15*1.7e308 || wantCentroids[1] != -2 {
		t.Fatalf("separate outputs: gradCentroids %v, want [1.7e308 -2]", wantCentroids)
	}

	inPlace := slices.Clone(points)
	gotCentroids := make([]float64, len(centroids))
	if _, err := LossGrad(inPlace, gotCentroids, inPlace, centroids, dim); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inPlace, wantPoints) {
		t.Errorf("gradPoints = points: gradPoints %v, want %v", inPlace, wantPoints)
	}
	if !slices.Equal(gotCentroids, wantCentroids) {
		t.Errorf("gradPoints = points: gradCentroids %v, want %v", gotCentroids, wantCentroids)
	}

	buf := make([]float64, len(points)+len(centroids))
	shared := buf[len(points):]
	copy(shared, centroids)
	gradPoints := buf[len(centroids) : len(centroids)+len(points)] // covers shared
	gradCentroids := make([]float64, len(centroids))
	if _, err := LossGrad(gradPoints, gradCentroids, points, shared, dim); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gradCentroids, wantCentroids) {
		t.Errorf("gradPoints over the centroids: gradCentroids %v, want %v", gradCentroids, wantCentroids)
	}
}

// One centroid's overflowing sum must not cost the others their digits:
// only the coordinates that overflowed are formed from scaled terms.
func TestLossGradOverflowKeepsSmallGradients(t *testing.T) {
	for _, tc := range []struct {
		centroids, points []float64
		want              float64 // the gradient of centroid 1
	}{
		// (2/4)·((1e-300 − 3e-300) + (1e-300 − 3.3e-300)) = −2.15e-300
		{[]float64{9e307, 1e-300}, []float64{-8e307, -8e307, 3e-300, 3.3e-300}, -2.15e-300},
		// (2/4)·2·(2e-306 − 6e-306) = −4e-306
		{[]float64{9e307, 2e-306}, []float64{-8e307, -8e307, 6e-306, 6e-306}, -4e-306},
	} {
		grads := make([]float64, 2)
		if _, err := LossGrad(nil, grads, tc.points, tc.centroids, 1); err != nil {
			t.Fatal(err)
		}
		if math.Abs(grads[1]-tc.want) > 1e-14*math.Abs(tc.want) {
			t.Errorf("centroids %v: gradient of centroid 1 is %v, want %v", tc.centroids, grads[1], tc.want)
		}
	}
}

// A running sum of c − x can reach +Inf from finite terms and then meet a
// term that overflows to −Inf, which makes it NaN rather than ±Inf. The
// gradient must still come out finite.
func TestLossGradOverflowToNaN(t *testing.T) {
	points := []float64{-1.7e308, -1.7e308, -1.7e308, 1e308}
	gradCentroids := make([]float64, 1)
	if _, err := LossGrad(nil, gradCentroids, points, []float64{-1e308}, 1); err != nil {
		t.Fatal(err)
	}
	// The terms are 7e307 three times, then −2e308: their sum is 1e307
	// and the gradient (2/4)·1e307 = 5e306.
	if got, want := gradCentroids[0], 5e306; !(math.Abs(got-want) <= 1e-14*want) {
		t.Errorf("gradCentroids[0] = %v, want %v", got, want)
	}
}

// A sum that overflows and then cancels must keep the digits of its small
// terms: the point-order sum 1e308 + 1e308 − 1e308 − 1e308 + |tiny| is
// |tiny| with an unbounded exponent.
func TestLossGradOverflowThenCancel(t *testing.T) {
	for _, tiny := range []float64{-1e-300, -1e-305} {
		points := []float64{-1e308, -1e308, 1e308, 1e308, tiny}
		gradCentroids := make([]float64, 1)
		if _, err := LossGrad(nil, gradCentroids, points, []float64{0}, 1); err != nil {
			t.Fatal(err)
		}
		if got, want := gradCentroids[0], 2.0/5*-tiny; got != want {
			t.Errorf("tiny %v: gradCentroids[0] = %v, want %v", tiny, got, want)
		}
	}
}

// A sum that overflows and cancels to a value whose gradient is subnormal
// must round once, as the same sum reached without overflow does.
func TestLossGradOverflowSubnormal(t *testing.T) {
	s := 2.475312662221575e-308 // 5010088604737646p-1074
	// (2/5)·s rounded once is 2004035441895059p-1074.
	want := math.Float64frombits(2004035441895059)
	for name, points := range map[string][]float64{
		"overflowing": {-1e308, -1e308, 1e308, 1e308, -s},
		"ordinary":    {-1, -1, 1, 1, -s},
	} {
		gradCentroids := make([]float64, 1)
		if _, err := LossGrad(nil, gradCentroids, points, []float64{0}, 1); err != nil {
			t.Fatal(err)
		}
		if got := gradCentroids[0]; got != want {
			t.Errorf("%s terms: gradCentroids[0] = %b, want %b", name, got, want)
		}
	}
}

// With fewer points than centroids, the centroids that are no point's
// nearest get a zero gradient over whatever gradCentroids held, and the
// others the float64 sum of their points' terms, rounded once.
func TestLossGradUnusedCentroids(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	const n, k, dim = 5, 40, 7
	points := randomFloats[float32](rng, n*dim)
	centroids := randomFloats[float32](rng, k*dim)
	grad := make([]float32, k*dim)
	for i := range grad {
		grad[i] = 99
	}
	if _, err := LossGrad(nil, grad, points, centroids, dim); err != nil {
		t.Fatal(err)
	}

	labels := make([]int32, n)
	dists := make([]float32, n)
	if err := Nearest(labels, dists, points, centroids, dim); err != nil {
		t.Fatal(err)
	}
	want := make([]float64, k*dim)
	for i, l := range labels {
		for j := range dim {
			want[int(l)*dim+j] += float64(centroids[int(l)*dim+j]) - float64(points[i*dim+j])
		}
	}
	used := 0
	for l := range k {
		if slices.Contains(labels, int32(l)) {
			used++
		}
		for j := range dim {
			if w := float32(2.0 / n * want[l*dim+j]); grad[l*dim+j] != w {
				t.Errorf("gradCentroids[%d][%d] = %v, want %v", l, j, grad[l*dim+j], w)
			}
		}
	}
	if used == k || used == 0 {
		t.Fatalf("%d of %d centroids have points; the test needs some with and some without", used, k)
	}
}
