package vecfit

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestLossGradSharedMemory checks LossGrad when an output shares memory
// with an input: gradPoints = points, gradCentroids = centroids, and
// outputs that overlap the other input or start inside it. The loss and
// both gradients must equal those of separate outputs.
func TestLossGradSharedMemory(t *testing.T) {
	points := []float64{
		0, 1,
		1, 0,
		10, 12,
		10, 10,
	}
	centroids := []float64{
		0, 0,
		10, 10,
	}
	wantGradPoints := make([]float64, len(points))
	wantGradCentroids := make([]float64, len(centroids))
	wantLoss, err := LossGrad(wantGradPoints, wantGradCentroids, points, centroids, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(wantGradCentroids, []float64{-0.5, -0.5, 0, -1}) {
		t.Fatalf("gradCentroids = %v with separate outputs, want [-0.5 -0.5 0 -1]", wantGradCentroids)
	}

	// Each case lays out points, centroids and the two outputs in one
	// buffer, by offset, so that they overlap as named.
	nPoints, nCentroids := len(points), len(centroids)
	cases := []struct {
		name                   string
		size                   int
		pts, cen, gradP, gradC int
	}{
		{"gradPoints is points", nPoints + nCentroids + nCentroids, 0, nPoints, 0, nPoints + nCentroids},
		{"gradCentroids is centroids", nPoints + nCentroids + nPoints, 0, nPoints, nPoints + nCentroids, nPoints},
		{"both in place", nPoints + nCentroids, 0, nPoints, 0, nPoints},
		{"gradPoints over centroids", 2*nPoints + 2*nCentroids, 0, nPoints + 1, nPoints - 1, 2*nPoints - 1},
		{"gradPoints one row into points", nPoints + 2 + nCentroids + nCentroids, 0, nPoints + 2, 2, nPoints + 2 + nCentroids},
		{"gradCentroids over points", nPoints + nCentroids + nPoints, nCentroids, nCentroids + nPoints, nCentroids + nPoints, 0},
	}
	for _, c := range cases {
		buf := make([]float64, c.size)
		copy(buf[c.pts:], points)
		copy(buf[c.cen:], centroids)
		pts := buf[c.pts : c.pts+nPoints]
		cen := buf[c.cen : c.cen+nCentroids]
		gradP := buf[c.gradP : c.gradP+nPoints]
		gradC := buf[c.gradC : c.gradC+nCentroids]
		loss, err := LossGrad(gradP, gradC, pts, cen, 2)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if loss != wantLoss {
			t.Errorf("%s: loss = %v, want %v", c.name, loss, wantLoss)
		}
		if !slices.Equal(gradP, wantGradPoints) {
			t.Errorf("%s: gradPoints = %v, want %v", c.name, gradP, wantGradPoints)
		}
		if !slices.Equal(gradC, wantGradCentroids) {
			t.Errorf("%s: gradCentroids = %v, want %v", c.name, gradC, wantGradCentroids)
		}
	}
}

// TestLossGradInPlaceCentroidsInPoints checks gradPoints = points when the
// centroids are rows of points too. Writing the gradients in place would
// change a centroid before later points are compared with it.
func TestLossGradInPlaceCentroidsInPoints(t *testing.T) {
	points := []float64{
		0, 0, // centroid 0
		10, 10, // centroid 1
		1, 0,
		9, 10,
	}
	want := make([]float64, len(points))
	if _, err := LossGrad(want, nil, slices.Clone(points), slices.Clone(points[:4]), 2); err != nil {
		t.Fatal(err)
	}
	buf := slices.Clone(points)
	if _, err := LossGrad(buf, nil, buf, buf[:4], 2); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(buf, want) {
		t.Errorf("gradPoints in place = %v, want %v", buf, want)
	}

	// In float32, with the second point as the only centroid.
	points32 := []float32{0, 4, 5}
	want32 := make([]float32, len(points32))
	if _, err := LossGrad(want32, nil, slices.Clone(points32), []float32{4}, 1); err != nil {
		t.Fatal(err)
	}
	buf32 := slices.Clone(points32)
	if _, err := LossGrad(buf32, nil, buf32, buf32[1:2], 1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(buf32, want32) {
		t.Errorf("float32 gradPoints in place = %v, want %v", buf32, want32)
	}
}

// TestNearestDistsOverlap checks that dists sharing memory with points or
// centroids is an error on every kernel: the kernels read the inputs while
// they write dists, so the result would depend on the kernel.
func TestNearestDistsOverlap(t *testing.T) {
	buf := make([]float32, 6)
	points, centroids := buf[:2], buf[2:4]
	copy(points, []float32{0, 15})
	copy(centroids, []float32{10, 4})
	for _, kernel := range Kernels() {
		for _, c := range []struct {
			name  string
			dists []float32
		}{
			{"centroids", buf[2:4]},
			{"points", buf[1:3]},
		} {
			err := NearestWith(Options{Kernel: kernel}, make([]int32, 2), c.dists, points, centroids, 1)
			if !errors.Is(err, ErrLength) {
				t.Errorf("kernel %s, dists over %s: error %v, want one wrapping ErrLength", kernel, c.name, err)
				continue
			}
			if want := "dists shares memory with " + c.name; !strings.Contains(err.Error(), want) {
				t.Errorf("kernel %s: error %q does not contain %q", kernel, err, want)
			}
		}
		dists := buf[4:6]
		if err := NearestWith(Options{Kernel: kernel}, nil, dists, points, centroids, 1); err != nil {
			t.Fatalf("kernel %s, separate dists: %v", kernel, err)
		}
		if !slices.Equal(dists, []float32{16, 25}) {
			t.Errorf("kernel %s: dists = %v, want [16 25]", kernel, dists)
		}
	}
}

// TestLossGradOutputsOverlap checks that gradPoints and gradCentroids
// sharing memory is an error, as the doc states.
func TestLossGradOutputsOverlap(t *testing.T) {
	buf := make([]float32, 8)
	_, err := LossGrad(buf[:6], buf[4:8], []float32{1, 2, 3, 4, 5, 6}, []float32{0, 0, 4, 4}, 2)
	if !errors.Is(err, ErrLength) {
		t.Fatalf("error %v, want one wrapping ErrLength", err)
	}
	if want := "gradPoints and gradCentroids share memory"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}
