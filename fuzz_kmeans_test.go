package vecfit

import (
	"encoding/binary"
	"math"
	"testing"
)

// lossGradCase is a LossGrad input decoded from fuzz bytes.
type lossGradCase struct {
	dim, n, k   int
	double      bool
	values      []float64 // n·dim point values, then k·dim centroid values
	pointsCount int
}

// decodeLossGradCase reads the shape from the first four bytes: dim 1…16,
// k 1…9, float32 or float64, and an offset of 0 or 10⁴ added to every
// value. Each value then takes two bytes, a signed 16-bit integer divided
// by 64, except that 0x7fff is NaN, 0x7ffe is +Inf and 0x8000 is −Inf.
func decodeLossGradCase(data []byte) (lossGradCase, bool) {
	if len(data) < 4 {
		return lossGradCase{}, false
	}
	c := lossGradCase{
		dim:    1 + int(data[0]%16),
		k:      1 + int(data[1]%9),
		double: data[2]&1 == 1,
	}
	offset := 0.0
	if data[3]&1 == 1 {
		offset = 1e4
	}
	data = data[4:]
	total := len(data) / 2
	if total < c.k*c.dim {
		return lossGradCase{}, false
	}
	c.n = (total - c.k*c.dim) / c.dim
	c.pointsCount = c.n * c.dim
	for i := range c.pointsCount + c.k*c.dim {
		u := binary.LittleEndian.Uint16(data[2*i:])
		var v float64
		switch u {
		case 0x7fff:
			v = math.NaN()
		case 0x7ffe:
			v = math.Inf(1)
		case 0x8000:
			v = math.Inf(-1)
		default:
			v = offset + float64(int16(u))/64
		}
		c.values = append(c.values, v)
	}
	return c, true
}

// FuzzLossGrad compares LossGrad on every kernel with the generic kernel.
// Where a kernel assigns the same labels, its gradients must be identical
// bit for bit and its loss within the accuracy contract. Where a label
// differs, the two distances must tie within the contract and the kernel's
// gradients must follow from its own labels.
func FuzzLossGrad(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, ok := decodeLossGradCase(data)
		if !ok {
			t.Skip("input too short for its shape")
		}
		if c.double {
			compareLossGradKernels(t, toFloat[float64](c.values), c)
		} else {
			compareLossGradKernels(t, toFloat[float32](c.values), c)
		}
	})
}

func compareLossGradKernels[F Float](t *testing.T, values []F, c lossGradCase) {
	points, centroids := values[:c.pointsCount], values[c.pointsCount:]
	dim := c.dim
	eps := epsilonOf[F]()

	run := func(kernel string) (F, []F, []F, []int32, error) {
		gradPoints := make([]F, len(points))
		gradCentroids := make([]F, len(centroids))
		loss, err := lossGradWith(Options{Kernel: kernel}, gradPoints, gradCentroids, points, centroids, dim)
		labels := make([]int32, c.n)
		if err := NearestWith(Options{Kernel: kernel}, labels, nil, points, centroids, dim); err != nil {
			t.Fatal(err)
		}
		return loss, gradPoints, gradCentroids, labels, err
	}
	wantLoss, wantGradPoints, wantGradCentroids, wantLabels, wantErr := run("generic")

	for _, kernel := range Kernels() {
		loss, gradPoints, gradCentroids, labels, err := run(kernel)
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("kernel %s: error %v, generic %v", kernel, err, wantErr)
		}
		same := true
		for i := range labels {
			if labels[i] == wantLabels[i] {
				row := gradPoints[i*dim : (i+1)*dim]
				for j, v := range row {
					if !sameValue(v, wantGradPoints[i*dim+j]) {
						t.Fatalf("kernel %s: gradPoints[%d] = %v, generic %v", kernel, i*dim+j, v, wantGradPoints[i*dim+j])
					}
				}
				continue
			}
			same = false
			checkNearTie(t, kernel, points[i*dim:(i+1)*dim], centroids, dim, labels[i], wantLabels[i], eps)
		}
		if same {
			for j, v := range gradCentroids {
				if !sameValue(v, wantGradCentroids[j]) {
					t.Fatalf("kernel %s: gradCentroids[%d] = %v, generic %v", kernel, j, v, wantGradCentroids[j])
				}
			}
		} else {
			checkCentroidGradient(t, kernel, gradCentroids, points, centroids, labels, dim)
		}
		checkLossClose(t, kernel, float64(loss), float64(wantLoss), float64(dim+3)*2*eps)
	}
}

// epsilonOf returns the unit roundoff of F: 2⁻²³ or 2⁻⁵².
func epsilonOf[F Float]() float64 {
	var zero F
	if _, ok := any(zero).(float32); ok {
		return math.Ldexp(1, -23)
	}
	return math.Ldexp(1, -52)
}

// sameValue reports whether a and b are equal or both NaN.
func sameValue[F Float](a, b F) bool {
	return a == b || (a != a && b != b)
}

// checkNearTie checks that two labels of one point are nearest within the
// accuracy contract of each other, from distances computed in float64.
func checkNearTie[F Float](t *testing.T, kernel string, x, centroids []F, dim int, got, want int32, eps float64) {
	t.Helper()
	if got < 0 || want < 0 {
		t.Fatalf("kernel %s: label %d, generic %d", kernel, got, want)
	}
	distance := func(l int32) float64 {
		var sum float64
		for j, v := range x {
			d := float64(v) - float64(centroids[int(l)*dim+j])
			sum += d * d
		}
		return sum
	}
	dg, dw := distance(got), distance(want)
	bound := 1 + 2*float64(dim+2)*eps
	if dg > dw*bound || dw > dg*bound {
		t.Fatalf("kernel %s: label %d at distance %v, generic %d at %v: not a tie within the contract",
			kernel, got, dg, want, dw)
	}
}

// checkCentroidGradient checks gradCentroids against (2/n) Σ (c − x) over
// the points that labels assign to each centroid.
func checkCentroidGradient[F Float](t *testing.T, kernel string, gradCentroids, points, centroids []F, labels []int32, dim int) {
	t.Helper()
	n := len(labels)
	want := make([]float64, len(centroids))
	for i, l := range labels {
		if l < 0 {
			continue
		}
		for j := range dim {
			want[int(l)*dim+j] += float64(centroids[int(l)*dim+j]) - float64(points[i*dim+j])
		}
	}
	for j, w := range want {
		if g := F(2 / float64(n) * w); !sameValue(g, gradCentroids[j]) {
			t.Fatalf("kernel %s: gradCentroids[%d] = %v, want %v from its labels", kernel, j, gradCentroids[j], g)
		}
	}
}

// checkLossClose checks that two losses agree within a relative bound, or
// are the same infinity or both NaN.
func checkLossClose(t *testing.T, kernel string, got, want, bound float64) {
	t.Helper()
	if math.IsNaN(want) || math.IsInf(want, 0) {
		if !sameValue(got, want) {
			t.Fatalf("kernel %s: loss %v, generic %v", kernel, got, want)
		}
		return
	}
	if math.Abs(got-want) > bound*math.Abs(want)+math.SmallestNonzeroFloat64 {
		t.Fatalf("kernel %s: loss %v, generic %v (relative bound %.3g)", kernel, got, want, bound)
	}
}
