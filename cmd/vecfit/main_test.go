package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vecfit/vecfit"
)

// result is what one in-process run of vecfit returned.
type result struct {
	code           int
	stdout, stderr string
}

func runVecfit(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// mustSucceed fails the test unless the run exited with status 0.
func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit status %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	return r
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// centroidsFile is the JSON that -centroids writes.
type centroidsFile struct {
	Features   []string    `json:"features"`
	Centroids  [][]float64 `json:"centroids"`
	Sizes      []int       `json:"sizes"`
	Inertia    float64     `json:"inertia"`
	Iterations int         `json:"iterations"`
	Converged  bool        `json:"converged"`
}

func relErr(got, want float64) float64 {
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-300)
}

func TestKMeansEmbeddedDigits(t *testing.T) {
	dir := t.TempDir()
	labelsPath := filepath.Join(dir, "labels.csv")
	r := runVecfit(t, "", "kmeans", "-q", "-labels", labelsPath).mustSucceed(t)
	if r.stderr != "" {
		t.Errorf("-q printed to standard error:\n%s", r.stderr)
	}

	// The report is the contingency of the 10 clusters against the digits.
	if !strings.Contains(r.stdout, "columns: digit") {
		t.Errorf("report does not compare with the digit column:\n%s", r.stdout)
	}
	rows := regexp.MustCompile(`(?m)^\s+(\d+)\s+(\d+)((?:\s+\d+){10})\s+\d \(\d+%\)$`).FindAllStringSubmatch(r.stdout, -1)
	if len(rows) != 10 {
		t.Fatalf("report has %d cluster rows, want 10:\n%s", len(rows), r.stdout)
	}
	total := 0
	for _, row := range rows {
		size, _ := strconv.Atoi(row[2])
		sum := 0
		for _, f := range strings.Fields(row[3]) {
			n, _ := strconv.Atoi(f)
			sum += n
		}
		if sum != size {
			t.Errorf("cluster %s: digit counts add up to %d, size is %d", row[1], sum, size)
		}
		total += size
	}
	if total != 1797 {
		t.Errorf("cluster sizes add up to %d, want 1797", total)
	}
	m := regexp.MustCompile(`purity (\d\.\d+)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("report has no purity line:\n%s", r.stdout)
	}
	// k-means on the raw pixels gives a purity near 0.8. A partition
	// unrelated to the digits gives little more than 0.1.
	if purity, _ := strconv.ParseFloat(m[1], 64); purity < 0.6 {
		t.Errorf("purity %v, want at least 0.6", purity)
	}

	f, err := os.Open(labelsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1798 || records[0][0] != "cluster" {
		t.Fatalf("labels file has %d records starting %q, want the header cluster and 1797 labels", len(records), records[0])
	}
	for i, rec := range records[1:] {
		l, err := strconv.Atoi(rec[0])
		if err != nil || l < 0 || l >= 10 {
			t.Fatalf("label %d is %q, want 0 to 9", i, rec[0])
		}
	}
}

func TestKMeansProgressAndSummary(t *testing.T) {
	r := runVecfit(t, "", "kmeans", "-k", "3", "-label", "species", "-init-rows", "0,50,100", "testdata/iris.csv").mustSucceed(t)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) < 3 {
		t.Fatalf("standard error has %d lines, want progress lines and a summary:\n%s", len(lines), r.stderr)
	}
	progress := regexp.MustCompile(`^iteration +(\d+)  inertia \S+ +changed +\d+  elapsed \S+$`)
	for i, line := range lines[:len(lines)-2] {
		m := progress.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %q is not a progress line", line)
		}
		if m[1] != strconv.Itoa(i+1) {
			t.Errorf("progress line %d has iteration %s", i+1, m[1])
		}
	}
	summary := strings.Join(lines[len(lines)-2:], "\n")
	for _, want := range []string{"150 points × 4 features, k=3", "inertia 78.851441", "iterations", "converged", "kernel " + vecfit.Kernel(), "GFMA/s"} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary %q does not contain %q", summary, want)
		}
	}
}

// TestKMeansIrisGolden starts Lloyd iterations from the rows that
// scikit-learn 1.2.1 started from and compares with its result.
func TestKMeansIrisGolden(t *testing.T) {
	var golden struct {
		InitRows  []int     `json:"init_rows"`
		NIter     int       `json:"n_iter"`
		Inertia   float64   `json:"inertia"`
		Labels    []int32   `json:"labels"`
		Centroids []float64 `json:"centroids"`
	}
	readJSON(t, "testdata/iris_kmeans.json", &golden)
	rows := make([]string, len(golden.InitRows))
	for i, r := range golden.InitRows {
		rows[i] = strconv.Itoa(r)
	}

	for _, tc := range []struct {
		float string
		tol   float64
	}{{"float64", 1e-6}, {"float32", 1e-5}} {
		t.Run(tc.float, func(t *testing.T) {
			dir := t.TempDir()
			cPath := filepath.Join(dir, "c.json")
			lPath := filepath.Join(dir, "l.json")
			runVecfit(t, "", "kmeans", "-q", "-float", tc.float, "-label", "species",
				"-init-rows", strings.Join(rows, ","), "-centroids", cPath, "-labels", lPath,
				"testdata/iris.csv").mustSucceed(t)

			var labels []int32
			readJSON(t, lPath, &labels)
			if !slices.Equal(labels, golden.Labels) {
				t.Errorf("labels differ from scikit-learn's:\n got %v\nwant %v", labels, golden.Labels)
			}
			var c centroidsFile
			readJSON(t, cPath, &c)
			if e := relErr(c.Inertia, golden.Inertia); e > tc.tol {
				t.Errorf("inertia %v, want %v (relative error %.2g)", c.Inertia, golden.Inertia, e)
			}
			if !c.Converged {
				t.Errorf("converged is false, want true")
			}
			flat := slices.Concat(c.Centroids...)
			if len(flat) != len(golden.Centroids) {
				t.Fatalf("%d centroid values, want %d", len(flat), len(golden.Centroids))
			}
			for i, v := range flat {
				if e := relErr(v, golden.Centroids[i]); e > tc.tol {
					t.Errorf("centroid value %d is %v, want %v", i, v, golden.Centroids[i])
				}
			}
		})
	}
}

func TestRidgeEmbeddedDiabetes(t *testing.T) {
	var golden struct {
		Fits []struct {
			Lambda    float64   `json:"lambda"`
			Intercept bool      `json:"intercept"`
			Weights   []float64 `json:"weights"`
			Bias      float64   `json:"bias"`
			Objective float64   `json:"objective"`
		} `json:"fits"`
	}
	readJSON(t, "testdata/diabetes_ridge.json", &golden)
	for _, fit := range golden.Fits {
		if fit.Lambda == 0 {
			continue
		}
		name := strconv.FormatFloat(fit.Lambda, 'g', -1, 64) + "/intercept=" + strconv.FormatBool(fit.Intercept)
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.json")
			args := []string{"ridge", "-q", "-lambda", strconv.FormatFloat(fit.Lambda, 'g', -1, 64), "-weights", path}
			if !fit.Intercept {
				args = append(args, "-no-intercept")
			}
			r := runVecfit(t, "", args...).mustSucceed(t)
			if !strings.Contains(r.stdout, "train MSE") || !strings.Contains(r.stdout, "R²") {
				t.Errorf("report lacks the train MSE and R²:\n%s", r.stdout)
			}
			var got struct {
				Features []string  `json:"features"`
				Weights  []float64 `json:"weights"`
				Bias     float64   `json:"bias"`
				MSE      float64   `json:"train_mse"`
				R2       float64   `json:"train_r2"`
			}
			readJSON(t, path, &got)
			if len(got.Features) != 10 || got.Features[0] != "age" || got.Features[9] != "s6" {
				t.Errorf("features %v, want age … s6", got.Features)
			}
			for i, w := range got.Weights {
				if e := relErr(w, fit.Weights[i]); e > 1e-6 {
					t.Errorf("weight %d is %v, want %v", i, w, fit.Weights[i])
				}
			}
			if e := math.Abs(got.Bias - fit.Bias); e > 1e-6*math.Max(1, math.Abs(fit.Bias)) {
				t.Errorf("bias %v, want %v", got.Bias, fit.Bias)
			}
			penalty := 0.0
			for _, w := range got.Weights {
				penalty += w * w
			}
			if e := relErr(got.MSE+fit.Lambda*penalty, fit.Objective); e > 1e-6 {
				t.Errorf("MSE + λ‖w‖² is %v, want the objective %v", got.MSE+fit.Lambda*penalty, fit.Objective)
			}
			if got.R2 <= 0 || got.R2 >= 1 {
				t.Errorf("R² is %v, want between 0 and 1", got.R2)
			}
		})
	}
}

// TestInputFormats clusters the same six points read from every format,
// starting from rows 0 and 3, and expects the same labels.
func TestInputFormats(t *testing.T) {
	points, _ := os.ReadFile("testdata/points.csv")
	want := "cluster\n0\n0\n0\n1\n1\n1\n"
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"csv", "", []string{"testdata/points.csv"}},
		{"csv-no-header", "", []string{"testdata/noheader.csv"}},
		{"csv-bom-crlf", "", []string{"testdata/bom_crlf.csv"}},
		{"tsv", "", []string{"testdata/points.tsv"}},
		{"npy-float32", "", []string{"testdata/points_f32.npy"}},
		{"npy-float64", "", []string{"testdata/points_f64.npy"}},
		{"fvecs", "", []string{"testdata/points.fvecs"}},
		{"stdin", string(points), []string{"-"}},
		{"format-flag", "", []string{"-format", "csv", "testdata/points.dat"}},
		{"float32", "", []string{"-float", "float32", "testdata/points.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"kmeans", "-q", "-init-rows", "0,3", "-labels", "-"}, tc.args...)
			r := runVecfit(t, tc.stdin, args...).mustSucceed(t)
			if r.stdout != want {
				t.Errorf("labels\n%s\nwant\n%s", r.stdout, want)
			}
		})
	}
}

func TestOutputToStdoutMovesReport(t *testing.T) {
	r := runVecfit(t, "", "kmeans", "-k", "3", "-label", "species", "-centroids", "-", "testdata/iris.csv").mustSucceed(t)
	if !strings.HasPrefix(r.stdout, "sepal_length,sepal_width,petal_length,petal_width\n") || strings.Count(r.stdout, "\n") != 4 {
		t.Errorf("standard output is not the centroids CSV alone:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "columns: species") {
		t.Errorf("standard error lacks the contingency table:\n%s", r.stderr)
	}

	r = runVecfit(t, "", "kmeans", "-q", "-k", "3", "-labels", "-", "testdata/iris.csv").mustSucceed(t)
	if r.stderr != "" {
		t.Errorf("-q with -labels - printed to standard error:\n%s", r.stderr)
	}
}

func TestKMeansRestarts(t *testing.T) {
	r := runVecfit(t, "", "kmeans", "-k", "3", "-restarts", "3", "-init", "random", "-seed", "7", "-label", "species", "testdata/iris.csv").mustSucceed(t)
	for restart := 1; restart <= 3; restart++ {
		if !strings.Contains(r.stderr, "restart "+strconv.Itoa(restart)+"  iteration   1 ") {
			t.Errorf("standard error has no first iteration of restart %d:\n%s", restart, r.stderr)
		}
	}
	again := runVecfit(t, "", "kmeans", "-k", "3", "-restarts", "3", "-init", "random", "-seed", "7", "-label", "species", "testdata/iris.csv").mustSucceed(t)
	if again.stdout != r.stdout {
		t.Errorf("the same seed gave a different clustering:\n%s\nthen\n%s", r.stdout, again.stdout)
	}
}

func TestRidgeConstantTarget(t *testing.T) {
	r := runVecfit(t, "", "ridge", "-weights", "-", "-out-format", "json", "testdata/constant.csv").mustSucceed(t)
	var got struct {
		Weights []float64 `json:"weights"`
		Bias    float64   `json:"bias"`
		R2      *float64  `json:"train_r2"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	if got.R2 != nil {
		t.Errorf("train_r2 is %v, want null for a constant target", *got.R2)
	}
	if math.Abs(got.Weights[0]) > 1e-12 || math.Abs(got.Bias-3) > 1e-12 {
		t.Errorf("weights %v, bias %v; want 0 and 3", got.Weights, got.Bias)
	}
	if !strings.Contains(r.stderr, "R² undefined") {
		t.Errorf("report does not say that R² is undefined:\n%s", r.stderr)
	}
}

func TestHeaderFlag(t *testing.T) {
	// Forced as a header, the first row of numbers is no longer a point.
	r := runVecfit(t, "", "kmeans", "-q", "-k", "2", "-header", "yes", "-labels", "-", "testdata/noheader.csv").mustSucceed(t)
	if n := strings.Count(r.stdout, "\n"); n != 6 {
		t.Errorf("%d output lines, want the header and 5 labels:\n%s", n, r.stdout)
	}
	// Forced as data, a header row is a non-numeric row.
	r = runVecfit(t, "", "kmeans", "-q", "-k", "2", "-header", "no", "testdata/points.csv")
	if r.code != 2 || !strings.Contains(r.stderr, "line 1, column 1") {
		t.Errorf("-header no on a file with a header: status %d, stderr %q", r.code, r.stderr)
	}
}

func TestColumnSelection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.csv")
	runVecfit(t, "", "kmeans", "-q", "-k", "3", "-features", "petal_length,4", "-label", "species",
		"-centroids", path, "testdata/iris.csv").mustSucceed(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(records[0], []string{"petal_length", "petal_width"}) || len(records) != 4 {
		t.Errorf("centroids file:\n%s\nwant a header petal_length,petal_width and 3 rows", data)
	}

	r := runVecfit(t, "", "kmeans", "-q", "-k", "3", "-ignore", "1-2,species", "-centroids", "-", "testdata/iris.csv").mustSucceed(t)
	if !strings.HasPrefix(r.stdout, "petal_length,petal_width\n") {
		t.Errorf("-ignore 1-2,species: centroids\n%s\nwant the columns petal_length and petal_width", r.stdout)
	}
}

func TestRidgeWeightColumn(t *testing.T) {
	// y = 2a + b on every row but the third, whose weight is 0, so the
	// unpenalised fit is exact.
	r := runVecfit(t, "", "ridge", "-q", "-lambda", "0", "-weight", "w", "-weights", "-", "testdata/weighted.csv").mustSucceed(t)
	records, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"a": 2, "b": 1, "bias": 0}
	if len(records) != 4 {
		t.Fatalf("weights output:\n%s\nwant a header and the rows a, b, bias", r.stdout)
	}
	for _, rec := range records[1:] {
		v, _ := strconv.ParseFloat(rec[1], 64)
		if math.Abs(v-want[rec[0]]) > 1e-9 {
			t.Errorf("%s = %v, want %v", rec[0], v, want[rec[0]])
		}
	}
}

// TestBadInput runs every kind of bad input and expects exit status 2, one
// line on standard error that names the problem, nothing on standard output
// and no output file.
func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing-file", []string{"kmeans", "testdata/missing.csv"}, "testdata/missing.csv: file not found"},
		{"directory", []string{"kmeans", "-format", "csv", "testdata"}, "is a directory"},
		{"unknown-extension", []string{"kmeans", "testdata/points.dat"}, `unknown file extension ".dat"`},
		{"binary-as-csv", []string{"kmeans", "testdata/binary.csv"}, "not a text file"},
		{"bad-quote", []string{"kmeans", "testdata/badquote.csv"}, "line 2, column 6: invalid CSV"},
		{"ragged-csv", []string{"kmeans", "-k", "1", "testdata/ragged.csv"}, "line 4: 2 fields, want 3"},
		{"non-numeric-csv", []string{"kmeans", "testdata/nonnumeric.csv"}, `line 3, column 2 (y): "five" is not a number`},
		{"empty-field", []string{"kmeans", "testdata/emptyfield.csv"}, "line 2, column 2 (y): empty field"},
		{"nan-csv", []string{"kmeans", "testdata/nan.csv"}, "line 3, column 2 (y): NaN is not a finite number"},
		{"inf-csv", []string{"kmeans", "testdata/inf.csv"}, "line 4, column 1 (x): -Inf is not a finite number"},
		{"empty-file", []string{"kmeans", "testdata/empty.csv"}, "empty file"},
		{"header-only", []string{"kmeans", "testdata/header_only.csv"}, "no data rows"},
		{"garbage-npy", []string{"kmeans", "testdata/garbage.npy"}, "not a NumPy .npy file"},
		{"int-npy", []string{"kmeans", "testdata/int64.npy"}, "element type is <i8"},
		{"fortran-npy", []string{"kmeans", "testdata/fortran.npy"}, "Fortran order"},
		{"3d-npy", []string{"kmeans", "testdata/three_dims.npy"}, "want 2 dimensions"},
		{"truncated-npy", []string{"kmeans", "testdata/truncated.npy"}, "truncated .npy data"},
		{"nan-npy", []string{"kmeans", "testdata/nan.npy"}, "row 2, column 1: NaN"},
		{"truncated-fvecs", []string{"kmeans", "testdata/truncated.fvecs"}, "vector 6: truncated"},
		{"ragged-fvecs", []string{"kmeans", "testdata/ragged.fvecs"}, "vector 3: dimension 3, want 2"},
		{"inf-fvecs", []string{"kmeans", "testdata/inf.fvecs"}, "vector 3, column 1: +Inf"},
		{"k-above-rows", []string{"kmeans", "-k", "3", "testdata/tworows.csv"}, "-k 3 is larger than the number of rows, 2"},
		{"k-zero", []string{"kmeans", "-k", "0"}, "invalid -k 0"},
		{"missing-label", []string{"kmeans", "-label", "kind", "testdata/iris.csv"}, `column "kind" not found`},
		{"init-row-range", []string{"kmeans", "-init-rows", "0,150", "testdata/iris.csv"}, "row 150 does not exist"},
		{"bad-float", []string{"kmeans", "-float", "float16"}, `invalid -float "float16"`},
		{"bad-kernel", []string{"kmeans", "-kernel", "sse9"}, `invalid -kernel "sse9"`},
		{"bad-flag", []string{"kmeans", "-clusters", "3"}, "flag provided but not defined: -clusters"},
		{"bad-format-embedded", []string{"ridge", "-format", "xml"}, `invalid -format "xml"`},
		{"bad-header-embedded", []string{"kmeans", "-header", "maybe"}, `invalid -header "maybe"`},
		{"empty-feature-entry", []string{"ridge", "-features", "age,,sex"}, `-features "age,,sex" has an empty column reference`},
		{"empty-ignore-entry", []string{"ridge", "-ignore", "age,"}, `-ignore "age," has an empty column reference`},
		{"one-column", []string{"ridge", "testdata/one_column.csv"}, "no feature columns left: the data have 1 column, taken by -target"},
		{"float32-constant", []string{"ridge", "-float", "float32", "-lambda", "0", "testdata/float32_constant.csv"}, "Column a varies in the data but is constant once rounded to float32"},
		{"two-files", []string{"kmeans", "a.csv", "b.csv"}, "too many arguments"},
		{"missing-target", []string{"ridge", "-target", "outcome"}, `-target: embedded diabetes data: column "outcome" not found`},
		{"target-number", []string{"ridge", "-target", "12"}, "column 12 does not exist"},
		{"negative-lambda", []string{"ridge", "-lambda", "-1"}, "invalid -lambda -1"},
		{"feature-twice", []string{"ridge", "-lambda", "0", "-features", "x,x", "-target", "y", "testdata/points.csv"}, "testdata/points.csv: column x is listed twice as a feature"},
		{"feature-and-ignore", []string{"ridge", "-features", "x", "-ignore", "x", "-target", "y", "testdata/points.csv"},
			"testdata/points.csv: column x is listed in both -features and -ignore"},
		{"feature-and-target", []string{"ridge", "-features", "x,y", "-target", "y", "testdata/points.csv"},
			"testdata/points.csv: column y is listed in -features but is the -target column"},
		{"feature-and-label", []string{"kmeans", "-features", "x,y", "-label", "x", "testdata/points.csv"},
			"testdata/points.csv: column x is listed in -features but is the -label column"},
		{"feature-twice-range", []string{"kmeans", "-features", "1-2,2", "testdata/points.csv"}, "column y is listed twice as a feature"},
		{"ambiguous-name", []string{"ridge", "-features", "a", "-target", "y", "testdata/duplicate_names.csv"},
			`testdata/duplicate_names.csv: column name "a" is ambiguous: columns 1 and 2 both have it; name the column by number`},
		{"negative-weight", []string{"ridge", "-weight", "1", "testdata/inf.csv"}, "Inf is not a finite number"},
		{"unknown-shape", []string{"bench", "-shapes", "huge"}, `unknown shape "huge"`},
		{"csv-field-number", []string{"kmeans", "-k", "1", "testdata/nan_second_field.csv"}, "line 2, column 2 (b): nan is not a finite number"},
		{"singular-names", []string{"ridge", "-lambda", "0", "testdata/collinear.csv"}, "vecfit ridge: testdata/collinear.csv: singular system: feature column x2 is a linear combination of feature column x1 and a constant,"},
		{"wide-duplicate-row", []string{"ridge", "-lambda", "1e-300", "-no-intercept", "testdata/wide_duplicate.csv"},
			"testdata/wide_duplicate.csv: singular system: X has 3 rows of nonzero weight and 4 columns, so XᵀX is singular, and -lambda 1e-300 is too small to make XᵀX + λ·Σw·I solvable in float64: the row at line 4 is a linear combination of the rows before it"},
		{"float32-range", []string{"kmeans", "-k", "1", "-float", "float32", "testdata/f32_range.csv"},
			"testdata/f32_range.csv: line 3, column 2 (b): 1e+39 is out of the float32 range; use -float float64"},
		{"zero-weights", []string{"ridge", "-weight", "w", "testdata/zero_weights.csv"}, "testdata/zero_weights.csv: every value of the -weight column is 0, want at least one positive weight"},
		{"fit-overflow", []string{"ridge", "-lambda", "0", "-no-intercept", "-target", "y", "testdata/fit_overflow.csv"},
			"testdata/fit_overflow.csv: NaN or infinite value: the fitted weight of feature column x is +Inf, beyond float64; scale y down or feature column x up"},
		{"kmeans-workers", []string{"kmeans", "-workers", "-1"}, "invalid -workers -1"},
		{"ridge-workers", []string{"ridge", "-workers", "-1"}, "invalid -workers -1"},
		{"bench-workers", []string{"bench", "-workers", "-1"}, "invalid -workers -1"},
		{"bench-kernels", []string{"bench", "-kernels", "foo"}, `invalid -kernels "foo"`},
		{"restarts-and-init-rows", []string{"kmeans", "-restarts", "4", "-init-rows", "0,1", "testdata/iris.csv"}, "-restarts 4 has no effect with -init-rows"},
		{"init-and-init-rows", []string{"kmeans", "-init", "random", "-init-rows", "0,1", "testdata/iris.csv"}, "-init random and -init-rows exclude each other"},
		{"unknown-command", []string{"cluster"}, `unknown command "cluster"`},
		{"missing-command", []string{}, "vecfit: missing command; commands are kmeans, ridge, bench and cpu"},
		{"directory-no-format", []string{"kmeans", "testdata"}, "testdata: is a directory, want a data file"},
		{"float32-distance-overflow", []string{"kmeans", "-q", "-k", "2", "-float", "float32", "testdata/f32_overflow.csv"},
			"testdata/f32_overflow.csv: NaN or infinite value: the squared distance from the point at line 2 to its nearest centroid overflows float32, in restart 0, after iteration 2; scale the points down or use -float float64"},
		{"missing-value-first-row", []string{"kmeans", "-k", "1", "testdata/na_first.csv"},
			`testdata/na_first.csv: line 1, column 2: "NA" marks a missing value, want a number (use -header yes if this line is a header)`},
		{"lone-cr", []string{"kmeans", "-k", "1", "testdata/cr_only.csv"},
			"testdata/cr_only.csv: the lines end in a lone CR, which is not supported; convert the line ends to LF or CRLF"},
		{"lone-cr-inside", []string{"ridge", "testdata/lone_cr_inside.csv"},
			"testdata/lone_cr_inside.csv: line 2, field 2: a lone CR (carriage return) inside the line, which is not supported; convert the line ends to LF or CRLF"},
		{"comma-in-name", []string{"ridge", "-features", "zz", "testdata/comma_name.csv"},
			`testdata/comma_name.csv: column "zz" not found; columns are "a,b" (column 1), c, y`},
		{"newline-in-name", []string{"ridge", "-features", "zz", "testdata/newline_name.csv"},
			`testdata/newline_name.csv: column "zz" not found; columns are "a\nb" (column 1), a b, y`},
		{"missing-values-only-first-row", []string{"kmeans", "-k", "1", "testdata/na_only_first.csv"},
			`testdata/na_only_first.csv: line 1, column 1: "NA" marks a missing value`},
		{"long-field", []string{"kmeans", "-k", "1", "testdata/long_field.csv"},
			`line 2, column 1 (a): "` + strings.Repeat("x", 40) + `"… (100 bytes) is not a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := slices.Clone(tc.args)
			command := ""
			if len(args) > 0 {
				command = args[0]
			}
			switch command {
			case "kmeans":
				args = slices.Insert(args, 1, "-centroids", filepath.Join(dir, "c.csv"), "-labels", filepath.Join(dir, "l.json"))
			case "ridge":
				args = slices.Insert(args, 1, "-weights", filepath.Join(dir, "w.csv"))
			}
			r := runVecfit(t, "", args...)
			if r.code != 2 {
				t.Errorf("exit status %d, want 2", r.code)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
				t.Errorf("standard error is not exactly one line:\n%s", r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("standard error %q does not contain %q", r.stderr, tc.want)
			}
			if r.stdout != "" {
				t.Errorf("standard output is not empty:\n%s", r.stdout)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("output directory holds %d files after the failure, want none", len(left))
			}
		})
	}
}

func TestOutputFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "c.csv")
	bad := filepath.Join(dir, "missing", "l.csv")
	r := runVecfit(t, "", "kmeans", "-q", "-k", "2", "-centroids", good, "-labels", bad, "testdata/points.csv")
	if r.code != 2 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit status %d, stderr %q; want 2 and one line", r.code, r.stderr)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("directory holds %v after the failure, want nothing", left)
	}

	// A failed run leaves an existing file as it was.
	os.WriteFile(good, []byte("old\n"), 0o644)
	runVecfit(t, "", "kmeans", "-q", "-k", "5", "-centroids", good, "testdata/tworows.csv")
	if data, _ := os.ReadFile(good); string(data) != "old\n" {
		t.Errorf("failed run changed %s to %q", good, data)
	}
}

func TestOutputFileMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	path := filepath.Join(t.TempDir(), "c.csv")
	runVecfit(t, "", "kmeans", "-q", "-k", "2", "-centroids", path, "testdata/points.csv").mustSucceed(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("new output file has mode %v, want 0644", st.Mode().Perm())
	}
}

func TestKMeansInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "c.csv")
	var stdout, stderr bytes.Buffer
	code := runContext(ctx, []string{"kmeans", "-centroids", path}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted {
		t.Errorf("exit status %d, want %d", code, exitInterrupted)
	}
	if stderr.String() != "vecfit kmeans: interrupted\n" {
		t.Errorf("standard error %q, want the one line vecfit kmeans: interrupted", stderr.String())
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("an interrupted run wrote %s", path)
	}
}

func TestRidgeInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "w.csv")
	var stdout, stderr bytes.Buffer
	code := runContext(ctx, []string{"ridge", "-weights", path}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted {
		t.Errorf("exit status %d, want %d", code, exitInterrupted)
	}
	if stderr.String() != "vecfit ridge: interrupted\n" {
		t.Errorf("standard error %q, want the one line vecfit ridge: interrupted", stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("an interrupted run printed:\n%s", stdout.String())
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("an interrupted run wrote %s", path)
	}
}

func TestBenchInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := runContext(ctx, []string{"bench", "-shapes", "seed", "-kernels", "generic", "-time", "1ms"},
		strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted {
		t.Errorf("exit status %d, want %d", code, exitInterrupted)
	}
	if !strings.HasSuffix(stderr.String(), "vecfit bench: interrupted\n") {
		t.Errorf("standard error %q does not end in vecfit bench: interrupted", stderr.String())
	}
	if strings.Contains(stdout.String(), "generic") {
		t.Errorf("an interrupted run printed a timing:\n%s", stdout.String())
	}
}

func TestHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			r := runVecfit(t, "", c.name, "-h").mustSucceed(t)
			if !strings.Contains(r.stdout, "Example:") || !strings.Contains(r.stdout, "  vecfit "+c.name) {
				t.Errorf("-h shows no example of vecfit %s:\n%s", c.name, r.stdout)
			}
			if !strings.Contains(r.stdout, "Flags:") {
				t.Errorf("-h shows no flags:\n%s", r.stdout)
			}
		})
	}
	r := runVecfit(t, "", "-h").mustSucceed(t)
	for _, c := range commands {
		if !strings.Contains(r.stdout, "vecfit "+c.name) {
			t.Errorf("vecfit -h does not list %s", c.name)
		}
	}
}

func TestCPU(t *testing.T) {
	r := runVecfit(t, "", "cpu").mustSucceed(t)
	if !strings.Contains(r.stdout, "dispatch  "+vecfit.Kernel()+"\n") {
		t.Errorf("cpu output does not name the dispatched kernel %s:\n%s", vecfit.Kernel(), r.stdout)
	}
	if !strings.Contains(r.stdout, strings.Join(vecfit.Kernels(), ", ")) {
		t.Errorf("cpu output does not list the kernels %v:\n%s", vecfit.Kernels(), r.stdout)
	}
}

func TestBench(t *testing.T) {
	r := runVecfit(t, "", "bench", "-short", "-time", "0", "-shapes", "seed,small").mustSucceed(t)
	for _, shape := range []string{"seed", "small"} {
		for _, k := range vecfit.Kernels() {
			re := regexp.MustCompile(`(?m)^` + shape + ` .* ` + k + ` +\S+ +(\d+\.\d+)$`)
			m := re.FindStringSubmatch(r.stdout)
			if m == nil {
				t.Errorf("no %s row for kernel %s:\n%s", shape, k, r.stdout)
				continue
			}
			if v, _ := strconv.ParseFloat(m[1], 64); v <= 0 {
				t.Errorf("%s on %s: %v GFMA/s, want a positive rate", shape, k, v)
			}
		}
	}
}

// writeNPY writes a .npy file whose header claims shape and whose data is
// the given bytes, which need not match the shape.
func writeNPY(t *testing.T, path, descr, shape string, data []byte) {
	t.Helper()
	header := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	file := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	file = append(file, header...)
	file = append(file, data...)
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNPYBytesAfterData checks that a .npy file longer than its header's
// shape is rejected, from a file and from standard input.
func TestNPYBytesAfterData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "extra.npy")
	writeNPY(t, path, "<f8", "(2, 1)", make([]byte, 24)) // one float64 too many
	r := runVecfit(t, "", "kmeans", "-k", "1", path)
	if r.code != 2 {
		t.Errorf("file: exit status %d, want 2", r.code)
	}
	if want := ".npy file has 8 more bytes after its array of shape (2, 1) (16 bytes)"; !strings.Contains(r.stderr, want) {
		t.Errorf("file: standard error %q, want %q", r.stderr, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r = runVecfit(t, string(data), "kmeans", "-k", "1", "-format", "npy", "-")
	if r.code != 2 {
		t.Errorf("standard input: exit status %d, want 2", r.code)
	}
	if want := ".npy input has more bytes after its array of shape (2, 1) (16 bytes)"; !strings.Contains(r.stderr, want) {
		t.Errorf("standard input: standard error %q, want %q", r.stderr, want)
	}
}

// TestJSONInfiniteInertia checks that an inertia beyond float64 is written
// as null in the JSON centroids file, with the centroids beside it.
func TestJSONInfiniteInertia(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "heavy.csv")
	if err := os.WriteFile(data, []byte("x,w\n0,1e300\n1e10,1e300\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "c.json")
	runVecfit(t, "", "kmeans", "-q", "-k", "1", "-weight", "w", "-centroids", out, data).mustSucceed(t)
	var got map[string]any
	readJSON(t, out, &got)
	if v, ok := got["inertia"]; !ok || v != nil {
		t.Errorf("inertia = %v (present %v), want null", v, ok)
	}
	if c := fmt.Sprint(got["centroids"]); c != "[[5e+09]]" {
		t.Errorf("centroids = %s, want [[5e+09]]", c)
	}
}

// TestNPYShapeBeyondData checks that a .npy header claiming more data than
// the input holds is rejected with one line, before the array is allocated.
func TestNPYShapeBeyondData(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 16) // two float64 zeros
	for _, tc := range []struct {
		name, shape, want string
	}{
		{"rows-beyond-file", "(1000000, 10)", "truncated .npy data: shape (1000000, 10) needs 80000000 bytes of data, the file has 16"},
		{"overflowing-size", "(100000000000, 100000000000)", "shape (100000000000, 100000000000), too large"},
		{"negative-rows", "(-1, 3)", "shape (-1, 3), want at least one row"},
		{"negative-columns", "(3, -2)", "shape (3, -2), want at least one row"},
		{"non-integer", "(2.5, 3)", `shape (2.5, 3) has the entry "2.5"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".npy")
			writeNPY(t, path, "<f8", tc.shape, data)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r := runVecfit(t, "", "kmeans", "-k", "1", path)
			runtime.ReadMemStats(&after)
			if r.code != 2 {
				t.Errorf("exit status %d, want 2", r.code)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("standard error %q, want one line containing %q", r.stderr, tc.want)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
				t.Errorf("the run allocated %d bytes for a 16-byte data section", got)
			}
		})
	}

	// Standard input has no size to check, so the data is read as it comes.
	file, err := os.ReadFile(filepath.Join(dir, "rows-beyond-file.npy"))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := runVecfit(t, string(file), "kmeans", "-k", "1", "-format", "npy", "-")
	runtime.ReadMemStats(&after)
	if want := "standard input: truncated .npy data: shape (1000000, 10) needs 80000000 bytes"; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("standard input: exit status %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("standard input: the run allocated %d bytes for a 16-byte data section", got)
	}

	// A version 2 header may claim a length of up to 4 GiB.
	path := filepath.Join(dir, "long-header.npy")
	os.WriteFile(path, []byte("\x93NUMPY\x02\x00\xf0\xff\xff\xff{'descr'"), 0o644)
	r = runVecfit(t, "", "kmeans", "-k", "1", path)
	if want := "invalid .npy header: its length is 4294967280 bytes"; r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("long header: exit status %d, stderr %q; want 2 and %q", r.code, r.stderr, want)
	}
}

func TestNPYFloat32Read(t *testing.T) {
	// Two rows of float32: (1, 2) and (3, 4); k=2 puts each in a cluster.
	var data []byte
	for _, v := range []float32{1, 2, 3, 4} {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	path := filepath.Join(t.TempDir(), "two.npy")
	writeNPY(t, path, "<f4", "(2, 2)", data)
	r := runVecfit(t, "", "kmeans", "-q", "-k", "2", "-init-rows", "0,1", "-centroids", "-", path).mustSucceed(t)
	if want := "1,2\n1,2\n3,4\n"; r.stdout != want {
		t.Errorf("centroids\n%s\nwant\n%s", r.stdout, want)
	}
}

// TestOutputPathChecks checks that unusable output paths are rejected
// before the fit, with the input file left as it was.
func TestOutputPathChecks(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.csv")
	content := []byte("x,y\n0,0\n1,1\n5,5\n")
	if err := os.WriteFile(input, content, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"centroids-is-input", []string{"kmeans", "-k", "1", "-centroids", input, input}, "-centroids " + input + " is the input file"},
		{"labels-is-input-by-other-path", []string{"kmeans", "-k", "1", "-labels", filepath.Join(dir, ".", "in.csv"), input}, "is the input file"},
		{"weights-is-input", []string{"ridge", "-weights", input, input}, "-weights " + input + " is the input file"},
		{"both-stdout", []string{"kmeans", "-k", "1", "-centroids", "-", "-labels", "-", input}, "-centroids and -labels both write to standard output"},
		{"same-output", []string{"kmeans", "-k", "1", "-centroids", filepath.Join(dir, "o.csv"), "-labels", filepath.Join(dir, ".", "o.csv"), input}, "name the same file"},
		{"missing-directory", []string{"kmeans", "-k", "1", "-labels", filepath.Join(dir, "missing", "l.csv"), input}, "directory " + filepath.Join(dir, "missing") + " does not exist"},
		{"ridge-missing-directory", []string{"ridge", "-weights", filepath.Join(dir, "missing", "w.csv"), input}, "does not exist"},
		{"output-is-directory", []string{"kmeans", "-k", "1", "-centroids", dir, input}, "is a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runVecfit(t, "", tc.args...)
			if r.code != 2 {
				t.Errorf("exit status %d, want 2", r.code)
			}
			// One line means the run stopped before the first iteration,
			// which prints a progress line.
			if strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("standard error %q, want one line containing %q", r.stderr, tc.want)
			}
			if got, _ := os.ReadFile(input); !bytes.Equal(got, content) {
				t.Errorf("input file changed to %q", got)
			}
			if left, _ := os.ReadDir(dir); len(left) != 1 {
				t.Errorf("directory holds %d files, want only the input", len(left))
			}
		})
	}
}

func TestRidgeDefaultTargetSkipsWeight(t *testing.T) {
	// The weighted data with the weight column moved to the end: the
	// default target is then y, the last column that is not the weight.
	records, err := csv.NewReader(strings.NewReader(mustRead(t, "testdata/weighted.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for _, rec := range records {
		w.Write([]string{rec[0], rec[1], rec[3], rec[2]}) // a, b, y, w
	}
	w.Flush()
	path := filepath.Join(t.TempDir(), "weight_last.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runVecfit(t, "", "ridge", "-lambda", "0", "-weight", "w", "-weights", "-", path).mustSucceed(t)
	if !strings.Contains(r.stderr, "target y,") {
		t.Errorf("summary does not name target y:\n%s", r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "term,value\na,") || strings.Contains(r.stdout, "\ny,") || strings.Contains(r.stdout, "\nw,") {
		t.Errorf("weights output has features other than a and b:\n%s", r.stdout)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestFormatRate(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want string
	}{
		{123.456, "123.46"},
		{1, "1.00"},
		{0.5, "0.50"},
		{0.0412, "0.041"},
		{0.00412, "0.0041"},
		{0, "0.00"},
	} {
		if got := formatRate(c.rate); got != c.want {
			t.Errorf("formatRate(%v) = %q, want %q", c.rate, got, c.want)
		}
	}
}

// TestRidgeReportEqualWeights checks that the train MSE and R² of a run
// whose rows all weigh 1e308, or all 1e-320, match the unweighted run.
// Equal weights define the same objective, so the report must not change
// even when the sum of the weights overflows or loses digits.
func TestRidgeReportEqualWeights(t *testing.T) {
	statsRE := regexp.MustCompile(`train MSE [^,]+, R² [^,]+`)
	plain := runVecfit(t, "x,y,w\n0,0,1\n1,1,1\n2,3,1\n", "ridge", "-q", "-target", "y", "-ignore", "w", "-").mustSucceed(t)
	want := statsRE.FindString(plain.stdout)
	if want == "" {
		t.Fatalf("no train MSE in the report:\n%s", plain.stdout)
	}
	for _, weight := range []string{"1e308", "1e-320"} {
		input := "x,y,w\n0,0," + weight + "\n1,1," + weight + "\n2,3," + weight + "\n"
		weighted := runVecfit(t, input, "ridge", "-q", "-weight", "w", "-").mustSucceed(t)
		if got := statsRE.FindString(weighted.stdout); got != want {
			t.Errorf("weights %s: report has %q, want %q as without weights", weight, got, want)
		}
	}
}

// TestRidgeReportHugeResiduals checks the training MSE and R² when the
// squared residuals, near 1e308, would overflow an unscaled sum.
func TestRidgeReportHugeResiduals(t *testing.T) {
	input := "x,y\n1,1e154\n2,-1e154\n3,1e154\n4,-1e154\n"
	r := runVecfit(t, input, "ridge", "-q", "-").mustSucceed(t)
	if want := "train MSE 8e+307, R² 0.2000"; !strings.Contains(r.stdout, want) {
		t.Errorf("report does not contain %q:\n%s", want, r.stdout)
	}
}

// TestCSVDoubledCR reads a file whose lines end in CR CR LF, as Python's
// csv module writes on Windows to a file opened without newline="".
func TestCSVDoubledCR(t *testing.T) {
	r := runVecfit(t, "", "kmeans", "-q", "-k", "1", "-centroids", "-", "testdata/crcrlf.csv").mustSucceed(t)
	if want := "x,y\n3,4\n"; r.stdout != want {
		t.Errorf("centroids %q, want %q", r.stdout, want)
	}
}

// A blank header field, as in the index column that pandas writes, names
// its column "column N" in the output, and that name selects it.
func TestBlankHeaderName(t *testing.T) {
	r := runVecfit(t, "", "ridge", "-q", "-lambda", "0.01", "-weights", "-", "testdata/pandas_index.csv").mustSucceed(t)
	records, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range records[1:] {
		names = append(names, rec[0])
	}
	if want := []string{"column 1", "0", "1", "bias"}; !slices.Equal(names, want) {
		t.Errorf("weights rows %q, want %q", names, want)
	}

	r = runVecfit(t, "", "ridge", "-q", "-lambda", "0.01", "-features", "column 1", "-weights", "-", "testdata/pandas_index.csv").mustSucceed(t)
	if !strings.Contains(r.stdout, "column 1,") || strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("-features \"column 1\": weights output\n%s\nwant a header and the rows column 1 and bias", r.stdout)
	}
}

// A row of weight 0 counts as absent in the training MSE and R² too, even
// when it holds a value so large (1e200) that scaling the residuals by it
// would round all the others to 0.
func TestRidgeStatsIgnoreZeroWeightRow(t *testing.T) {
	far := runVecfit(t, "", "ridge", "-q", "-lambda", "0.01", "-weight", "wt", "testdata/weight_zero_far.csv").mustSucceed(t)
	near := runVecfit(t, "", "ridge", "-q", "-lambda", "0.01", "-weight", "wt", "testdata/weight_zero_near.csv").mustSucceed(t)
	if far.stdout != near.stdout {
		t.Errorf("with a far row of weight 0:\n%s\nwithout it:\n%s", far.stdout, near.stdout)
	}
	if !strings.Contains(far.stdout, "train MSE 0.000416732, R² 0.9999") {
		t.Errorf("output\n%s\nwant train MSE 0.000416732, R² 0.9999", far.stdout)
	}
}
