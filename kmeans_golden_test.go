package vecfit

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// The golden k-means results in testdata were made by scikit-learn 1.2.1,
// KMeans(algorithm="lloyd", tol=0, max_iter=300, n_init=1) in float64, from
// the initial centroids at rows init_rows of the data: iris.csv (150
// flowers, 4 measurements) and digits.csv (1797 images of 8×8 pixels), whose
// last column is the class and is not used.

type kmeansGolden struct {
	Source     string    `json:"source"`
	InitRows   []int     `json:"init_rows"`
	K          int       `json:"k"`
	Iterations int       `json:"n_iter"`
	Inertia    float64   `json:"inertia"`
	Labels     []int32   `json:"labels"`
	Centroids  []float64 `json:"centroids"`
}

// readFeatureCSV reads a CSV file with a header line whose last column is a
// class label, and returns the other columns row by row and their number.
func readFeatureCSV(t testing.TB, path string) ([]float64, int) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	records, err := csv.NewReader(file).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	dim := len(records[0]) - 1
	var points []float64
	for r, rec := range records[1:] {
		for _, field := range rec[:dim] {
			v, err := strconv.ParseFloat(field, 64)
			if err != nil {
				t.Fatalf("%s: data row %d: %v", path, r+1, err)
			}
			points = append(points, v)
		}
	}
	return points, dim
}

func readKMeansGolden(t testing.TB, name string) (points []float64, dim int, g kmeansGolden) {
	t.Helper()
	points, dim = readFeatureCSV(t, filepath.Join("testdata", name+".csv"))
	raw, err := os.ReadFile(filepath.Join("testdata", name+"_kmeans.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("%s_kmeans.json: %v", name, err)
	}
	return points, dim, g
}

func toFloat[F Float](v []float64) []F {
	out := make([]F, len(v))
	for i, x := range v {
		out[i] = F(x)
	}
	return out
}

// relativeError returns |got − want| / max(|want|, floor).
func relativeError(got, want, floor float64) float64 {
	return math.Abs(got-want) / max(math.Abs(want), floor)
}

// TestKMeansGolden runs Lloyd iterations from scikit-learn's initial
// centroids on iris and digits, in float64 and float32, with every kernel,
// and compares labels, iteration count, centroids and inertia.
func TestKMeansGolden(t *testing.T) {
	for _, name := range []string{"iris", "digits"} {
		points, dim, g := readKMeansGolden(t, name)
		for _, kernel := range Kernels() {
			t.Run(fmt.Sprintf("data=%s/type=float64/kernel=%s", name, kernel), func(t *testing.T) {
				checkKMeansGolden[float64](t, points, dim, g, kernel, 1e-6)
			})
			t.Run(fmt.Sprintf("data=%s/type=float32/kernel=%s", name, kernel), func(t *testing.T) {
				checkKMeansGolden[float32](t, points, dim, g, kernel, 1e-5)
			})
		}
	}
}

func checkKMeansGolden[F Float](t *testing.T, points64 []float64, dim int, g kmeansGolden, kernel string, tol float64) {
	points := toFloat[F](points64)
	var init []float64
	for _, r := range g.InitRows {
		init = append(init, points64[r*dim:(r+1)*dim]...)
	}
	c, err := KMeans(points, dim, KMeansOptions{K: g.K, Init: InitGiven, InitCentroids: init, Kernel: kernel})
	if err != nil {
		t.Fatal(err)
	}
	if c.Iterations != g.Iterations {
		t.Errorf("Iterations = %d, want %d", c.Iterations, g.Iterations)
	}
	if !c.Converged {
		t.Errorf("Converged = false, want true")
	}
	mismatches := 0
	for i, l := range c.Labels {
		if l != g.Labels[i] {
			if mismatches < 5 {
				t.Errorf("Labels[%d] = %d, want %d", i, l, g.Labels[i])
			}
			mismatches++
		}
	}
	if mismatches > 0 {
		t.Errorf("%d of %d labels differ", mismatches, len(c.Labels))
	}
	if e := relativeError(c.Inertia, g.Inertia, 0); e > tol {
		t.Errorf("Inertia = %.17g, want %.17g (relative error %.3g > %g)", c.Inertia, g.Inertia, e, tol)
	}
	// A coordinate that is zero in every point of a cluster comes out as a
	// tiny rounding residue in scikit-learn, so the error is taken relative
	// to the centroid's largest coordinate.
	for j := range g.K {
		want := g.Centroids[j*dim : (j+1)*dim]
		got := c.Centroids[j*dim : (j+1)*dim]
		scale := 0.0
		for _, v := range want {
			scale = max(scale, math.Abs(v))
		}
		for d := range want {
			if e := relativeError(float64(got[d]), want[d], scale); e > tol {
				t.Errorf("centroid %d coordinate %d = %.17g, want %.17g (relative error %.3g > %g)",
					j, d, float64(got[d]), want[d], e, tol)
			}
		}
	}
}

// TestKMeansGoldenKernelsAgree checks that every kernel reaches the same
// clustering as the generic kernel on the golden data: the same labels and
// iteration count and, because the centroid sums then add the same values
// in the same order, bit-identical centroids.
func TestKMeansGoldenKernelsAgree(t *testing.T) {
	for _, name := range []string{"iris", "digits"} {
		points, dim, g := readKMeansGolden(t, name)
		t.Run("data="+name+"/type=float64", func(t *testing.T) {
			checkKernelsAgree(t, toFloat[float64](points), dim, g)
		})
		t.Run("data="+name+"/type=float32", func(t *testing.T) {
			checkKernelsAgree(t, toFloat[float32](points), dim, g)
		})
	}
}

func checkKernelsAgree[F Float](t *testing.T, points []F, dim int, g kmeansGolden) {
	var init []float64
	for _, r := range g.InitRows {
		for _, v := range points[r*dim : (r+1)*dim] {
			init = append(init, float64(v))
		}
	}
	fit := func(kernel string) *Clustering[F] {
		c, err := KMeans(points, dim, KMeansOptions{K: g.K, Init: InitGiven, InitCentroids: init, Kernel: kernel})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	want := fit("generic")
	for _, kernel := range Kernels() {
		got := fit(kernel)
		if got.Iterations != want.Iterations {
			t.Errorf("kernel %s: Iterations = %d, generic %d", kernel, got.Iterations, want.Iterations)
		}
		for i := range got.Labels {
			if got.Labels[i] != want.Labels[i] {
				t.Errorf("kernel %s: Labels[%d] = %d, generic %d", kernel, i, got.Labels[i], want.Labels[i])
				break
			}
		}
		for i := range got.Centroids {
			if got.Centroids[i] != want.Centroids[i] {
				t.Errorf("kernel %s: Centroids[%d] = %v, generic %v", kernel, i, got.Centroids[i], want.Centroids[i])
				break
			}
		}
		if e := relativeError(got.Inertia, want.Inertia, 0); e > 1e-6 {
			t.Errorf("kernel %s: Inertia = %v, generic %v", kernel, got.Inertia, want.Inertia)
		}
	}
}
