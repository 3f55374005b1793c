package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vecfit/vecfit"
)

var kmeansCommand = &command{
	name:     "kmeans",
	synopsis: "[flags] [FILE]",
	summary:  "Cluster the rows of FILE (default: the embedded digits data) by k-means.",
	example: `  # 3 clusters of the iris measurements, species as the label column,
  # centroids to a JSON file:
  vecfit kmeans -k 3 -label species -centroids centroids.json iris.csv`,
	flags: kmeansFlags,
}

// kmeansConfig holds the flags of vecfit kmeans.
type kmeansConfig struct {
	in        *inputFlags
	k         int
	maxIter   int
	tol       float64
	seed      uint64
	restarts  int
	init      string
	initRows  string
	precision string
	features  string
	ignore    string
	label     string
	weight    string
	centroids string
	labels    string
	outFormat string
	quiet     bool
	kernel    string
	workers   int
	initSet   bool // whether -init was given on the command line
}

func kmeansFlags(fs *flag.FlagSet) func(*env, []string) error {
	c := &kmeansConfig{in: addInputFlags(fs)}
	fs.IntVar(&c.k, "k", 10, "number of clusters")
	fs.IntVar(&c.maxIter, "max-iter", 300, "maximum number of Lloyd iterations per restart")
	fs.Float64Var(&c.tol, "tol", 0, "stop when an update moves the centroids by a total squared distance of at most tol × the mean variance of the features, as scikit-learn does; 0 stops only when no label changes")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed for the initial centroids; the same seed gives the same clustering")
	fs.IntVar(&c.restarts, "restarts", 1, "number of seedings; the clustering with the lowest inertia is kept")
	fs.StringVar(&c.init, "init", "k-means++", "seeding `method`: k-means++ or random (uniformly chosen rows)")
	fs.StringVar(&c.initRows, "init-rows", "", "comma-separated 0-based data row `numbers` whose features are the initial centroids (sets -k)")
	fs.StringVar(&c.precision, "float", "float64", "element `type` of the computation: float32 or float64")
	fs.StringVar(&c.features, "features", "", "comma-separated feature `columns`, by header name or 1-based number, ranges such as 2-5 allowed (default: every column that has no other role)")
	fs.StringVar(&c.ignore, "ignore", "", "comma-separated `columns` that are not features")
	fs.StringVar(&c.label, "label", "", "`column` of true class labels, excluded from the features and compared with the clusters (default: digit for the embedded data)")
	fs.StringVar(&c.weight, "weight", "", "`column` of non-negative point weights, excluded from the features")
	fs.StringVar(&c.centroids, "centroids", "", "write the centroids to `FILE` (.json for JSON, else CSV; - for standard output)")
	fs.StringVar(&c.labels, "labels", "", "write the cluster of every row to `FILE` (.json for JSON, else CSV; - for standard output)")
	fs.StringVar(&c.outFormat, "out-format", "", "`format` of -centroids and -labels: csv or json (default: from the extension, csv for standard output)")
	fs.BoolVar(&c.quiet, "q", false, "print no progress lines and no summary on standard error")
	fs.StringVar(&c.kernel, "kernel", "", "nearest-centroid `kernel` to use (default: the fastest this CPU has; see vecfit cpu)")
	fs.IntVar(&c.workers, "workers", 0, "maximum number of goroutines (0: GOMAXPROCS)")
	return func(e *env, args []string) error {
		if !flagSet(fs, "label") && len(args) == 0 {
			c.label = "digit"
		}
		c.initSet = flagSet(fs, "init")
		return c.run(e, args, flagSet(fs, "k"))
	}
}

// kmeansInput is the data of one k-means run, ready for the library.
type kmeansInput struct {
	t        *table
	features []int
	labelCol int // -1 without a label column
	weights  []float64
	init     []float64
}

func (c *kmeansConfig) run(e *env, args []string, kSet bool) error {
	path, err := oneFile(args)
	if err != nil {
		return err
	}
	if err := c.check(); err != nil {
		return err
	}
	outputs := []outputFlag{{"-centroids", c.centroids}, {"-labels", c.labels}}
	if err := checkOutputs(path, outputs); err != nil {
		return err
	}
	t, err := c.in.load(e, path, digitsCSV, "digits")
	if err != nil {
		return err
	}
	in, err := c.prepare(t, kSet)
	if err != nil {
		return err
	}
	if c.precision == "float32" {
		return runKMeans[float32](c, e, in)
	}
	return runKMeans[float64](c, e, in)
}

// check validates the flags that do not depend on the data.
func (c *kmeansConfig) check() error {
	switch {
	case c.k < 1:
		return fmt.Errorf("invalid -k %d, want at least 1", c.k)
	case c.maxIter < 1:
		return fmt.Errorf("invalid -max-iter %d, want at least 1", c.maxIter)
	case c.tol < 0 || math.IsNaN(c.tol) || math.IsInf(c.tol, 0):
		return fmt.Errorf("invalid -tol %v, want a finite value of at least 0", c.tol)
	case c.restarts < 1:
		return fmt.Errorf("invalid -restarts %d, want at least 1", c.restarts)
	case c.precision != "float32" && c.precision != "float64":
		return fmt.Errorf("invalid -float %q, want float32 or float64", c.precision)
	case c.init != "k-means++" && c.init != "random":
		return fmt.Errorf("invalid -init %q, want k-means++ or random", c.init)
	case c.initSet && c.initRows != "":
		return fmt.Errorf("-init %s and -init-rows exclude each other: -init-rows gives the initial centroids, so drop one of them", c.init)
	case c.restarts > 1 && c.initRows != "":
		return fmt.Errorf("-restarts %d has no effect with -init-rows, which gives a single set of initial centroids; drop -restarts", c.restarts)
	case c.workers < 0:
		return fmt.Errorf("invalid -workers %d, want 0 (GOMAXPROCS) or more", c.workers)
	}
	if _, err := outputFormat("", c.outFormat); err != nil {
		return err
	}
	return checkKernel("-kernel", c.kernel)
}

// prepare resolves the columns, weights and initial centroids.
func (c *kmeansConfig) prepare(t *table, kSet bool) (*kmeansInput, error) {
	in := &kmeansInput{t: t, labelCol: -1}
	roles := map[int]string{}
	if c.label != "" {
		i, err := t.resolveColumn(c.label)
		if err != nil {
			return nil, fmt.Errorf("-label: %w", err)
		}
		in.labelCol = i
		roles[i] = "-label"
	}
	if c.weight != "" {
		i, err := t.resolveColumn(c.weight)
		if err != nil {
			return nil, fmt.Errorf("-weight: %w", err)
		}
		if roles[i] != "" {
			return nil, fmt.Errorf("-weight column %s is also the label column", t.names[i])
		}
		roles[i] = "-weight"
		in.weights = t.column(i)
		for r, w := range in.weights {
			if w < 0 {
				return nil, fmt.Errorf("%s: %s: weight %v is negative, want at least 0", t.source, t.where(r), w)
			}
		}
	}
	features, err := t.selectFeatures(columnSelection{features: c.features, ignore: c.ignore, roles: roles})
	if err != nil {
		return nil, err
	}
	in.features = features

	if c.initRows != "" {
		rows, err := parseRows(c.initRows, t.rows)
		if err != nil {
			return nil, fmt.Errorf("-init-rows: %w", err)
		}
		if kSet && c.k != len(rows) {
			return nil, fmt.Errorf("-init-rows names %d rows but -k is %d", len(rows), c.k)
		}
		c.k = len(rows)
		for _, r := range rows {
			row := t.row(r)
			for _, f := range features {
				in.init = append(in.init, row[f])
			}
		}
	}
	if c.k > t.rows {
		return nil, fmt.Errorf("-k %d is larger than the number of rows, %d in %s", c.k, t.rows, t.source)
	}
	return in, nil
}

// parseRows parses a comma-separated list of 0-based row numbers below n.
func parseRows(list string, n int) ([]int, error) {
	var rows []int
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		r, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a row number", s)
		}
		if r < 0 || r >= n {
			return nil, fmt.Errorf("row %d does not exist, the data has rows 0 to %d", r, n-1)
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func runKMeans[F float32 | float64](c *kmeansConfig, e *env, in *kmeansInput) error {
	t := in.t
	dim := len(in.features)
	points, err := featureMatrix[F](t, in.features)
	if err != nil {
		return err
	}
	opts := vecfit.KMeansOptions{
		K:        c.k,
		MaxIter:  c.maxIter,
		Tol:      c.tol,
		Seed:     c.seed,
		Init:     vecfit.InitKMeansPlusPlus,
		Restarts: c.restarts,
		Weights:  in.weights,
		Workers:  c.workers,
		Kernel:   c.kernel,
	}
	if c.init == "random" {
		opts.Init = vecfit.InitRandom
	}
	if in.init != nil {
		opts.Init = vecfit.InitGiven
		opts.InitCentroids = in.init
		opts.Restarts = 1
	}

	// Progress goes to standard error; the count of iterations over all
	// restarts gives the throughput.
	start := time.Now()
	iterations := 0
	opts.Progress = func(p vecfit.KMeansProgress) {
		iterations++
		if c.quiet {
			return
		}
		restart := ""
		if c.restarts > 1 && in.init == nil {
			restart = fmt.Sprintf("restart %d  ", p.Restart+1)
		}
		fmt.Fprintf(e.stderr, "%siteration %3d  inertia %-14.8g  changed %6d  elapsed %v\n",
			restart, p.Iteration, p.Inertia, p.Changed, roundDuration(time.Since(start)))
	}
	res, err := vecfit.KMeansContext(e.ctx, points, dim, opts)
	if err != nil {
		return describeLibError(err, t, in.features)
	}
	elapsed := time.Since(start)

	if !c.quiet {
		if iterations == 0 {
			iterations = res.Iterations
		}
		work := float64(t.rows) * float64(c.k) * float64(dim) * float64(iterations)
		printSummary(e.stderr, c, in, res.Inertia, res.Iterations, res.Converged, res.Distinct, elapsed, work)
	}

	centroids := make([]float64, len(res.Centroids))
	for i, v := range res.Centroids {
		centroids[i] = float64(v)
	}
	summary := fitSummary{Inertia: finiteOrNil(res.Inertia), Iterations: res.Iterations, Converged: res.Converged}
	return c.report(e, in, res.Labels, centroids, res.Sizes, summary)
}

// printSummary prints the two summary lines of a fit. work is the number of
// multiply-adds that the assignment steps of all iterations need.
func printSummary(w io.Writer, c *kmeansConfig, in *kmeansInput, inertia float64, iterations int, converged bool, distinct int, elapsed time.Duration, work float64) {
	state := "converged"
	if !converged {
		state = "not converged"
	}
	kernel := c.kernel
	if kernel == "" {
		kernel = vecfit.Kernel()
	}
	fmt.Fprintf(w, "k-means on %s: %s × %s, k=%d, %s\n",
		in.t.source, plural(in.t.rows, "point"), plural(len(in.features), "feature"), c.k, c.precision)
	fmt.Fprintf(w, "inertia %.10g, %s, %s, kernel %s, %v, %.3g GFMA/s\n",
		inertia, plural(iterations, "iteration"), state, kernel, roundDuration(elapsed), work/elapsed.Seconds()/1e9)
	if distinct > 0 && distinct < c.k {
		fmt.Fprintf(w, "the data has only %s, fewer than k=%d\n", plural(distinct, "distinct centroid"), c.k)
	}
}

// plural returns n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// featureMatrix returns the feature columns as F, rejecting values that F
// cannot represent.
func featureMatrix[F float32 | float64](t *table, features []int) ([]F, error) {
	var zero F
	if _, is32 := any(zero).(float32); is32 {
		for i := range t.rows {
			row := t.row(i)
			for _, f := range features {
				if math.Abs(row[f]) > math.MaxFloat32 {
					return nil, fmt.Errorf("%s: %s, column %d%s: %v is out of the float32 range; use -float float64", t.source, t.where(i), f+1, t.fieldName(f), row[f])
				}
			}
		}
	}
	return matrix[F](t, features), nil
}

// report writes the output files and the cluster report: sizes, and with a
// label column the contingency table. The report goes to standard output,
// or to standard error when an output file is standard output.
func (c *kmeansConfig) report(e *env, in *kmeansInput, labels []int32, centroids []float64, sizes []int, summary fitSummary) error {
	t := in.t
	dim := len(in.features)
	if len(sizes) != c.k {
		sizes = clusterSizes(labels, c.k)
	}
	names := make([]string, dim)
	for i, f := range in.features {
		names[i] = t.names[f]
	}

	var files []outputFile
	if c.centroids != "" {
		data, err := centroidsOutput(c, names, centroids, sizes, summary)
		if err != nil {
			return err
		}
		files = append(files, outputFile{path: c.centroids, data: data})
	}
	if c.labels != "" {
		data, err := labelsOutput(c, labels)
		if err != nil {
			return err
		}
		files = append(files, outputFile{path: c.labels, data: data})
	}

	var text bytes.Buffer
	if in.labelCol >= 0 {
		writeContingency(&text, t, in.labelCol, labels, c.k)
	} else {
		writeSizes(&text, sizes)
	}

	if err := writeOutputs(e.ctx, files, e.stdout); err != nil {
		return err
	}
	reportTo := e.stdout
	if c.centroids == "-" || c.labels == "-" {
		reportTo = e.stderr
		if c.quiet {
			reportTo = io.Discard
		}
	}
	_, err := reportTo.Write(text.Bytes())
	return err
}

// fitSummary is the part of a clustering that the JSON centroids file
// records beside the centroids. Inertia is nil when it exceeds float64,
// since JSON has no infinity.
type fitSummary struct {
	Inertia    *float64 `json:"inertia"`
	Iterations int      `json:"iterations"`
	Converged  bool     `json:"converged"`
}

func centroidsOutput(c *kmeansConfig, names []string, centroids []float64, sizes []int, summary fitSummary) ([]byte, error) {
	format, err := outputFormat(c.centroids, c.outFormat)
	if err != nil {
		return nil, err
	}
	dim := len(names)
	rows := make([][]float64, c.k)
	for j := range rows {
		rows[j] = centroids[j*dim : (j+1)*dim]
	}
	if format == "json" {
		return jsonBytes(struct {
			Features  []string    `json:"features"`
			Centroids [][]float64 `json:"centroids"`
			Sizes     []int       `json:"sizes"`
			fitSummary
		}{names, rows, sizes, summary})
	}
	return matrixCSV(names, rows), nil
}

func labelsOutput(c *kmeansConfig, labels []int32) ([]byte, error) {
	format, err := outputFormat(c.labels, c.outFormat)
	if err != nil {
		return nil, err
	}
	if format == "json" {
		return jsonBytes(labels)
	}
	var b bytes.Buffer
	b.WriteString("cluster\n")
	for _, l := range labels {
		b.WriteString(strconv.Itoa(int(l)))
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

func writeSizes(w io.Writer, sizes []int) {
	fmt.Fprintln(w, "cluster   size")
	for j, s := range sizes {
		fmt.Fprintf(w, "%7d %6d\n", j, s)
	}
}

// writeContingency prints, for every cluster, how many of its points carry
// each true label, the label most of them carry, and the purity: the share
// of all points whose label is the majority label of their cluster.
func writeContingency(w io.Writer, t *table, labelCol int, clusters []int32, k int) {
	truth := t.column(labelCol)
	values := slices.Clone(truth)
	slices.Sort(values)
	values = slices.Compact(values)
	if len(values) > 30 {
		fmt.Fprintf(w, "column %s has %d distinct values, too many for a contingency table\n", t.names[labelCol], len(values))
		writeSizes(w, clusterSizes(clusters, k))
		return
	}
	index := make(map[float64]int, len(values))
	heads := make([]string, len(values))
	width := 5
	for i, v := range values {
		index[v] = i
		heads[i] = formatFloat(v)
		width = max(width, len(heads[i])+1)
	}
	counts := make([][]int, k)
	for j := range counts {
		counts[j] = make([]int, len(values))
	}
	for i, l := range clusters {
		if l >= 0 {
			counts[l][index[truth[i]]]++
		}
	}

	fmt.Fprintf(w, "rows: clusters, columns: %s\n", t.names[labelCol])
	fmt.Fprintf(w, "%7s %6s ", "cluster", "size")
	for _, h := range heads {
		fmt.Fprintf(w, "%*s", width, h)
	}
	fmt.Fprintf(w, "  majority\n")
	agree, total := 0, 0
	for j, row := range counts {
		size, best := 0, 0
		for i, n := range row {
			size += n
			if n > row[best] {
				best = i
			}
		}
		fmt.Fprintf(w, "%7d %6d ", j, size)
		for _, n := range row {
			fmt.Fprintf(w, "%*d", width, n)
		}
		if size > 0 {
			fmt.Fprintf(w, "  %s (%.0f%%)\n", heads[best], 100*float64(row[best])/float64(size))
		} else {
			fmt.Fprintf(w, "  -\n")
		}
		agree += row[best]
		total += size
	}
	fmt.Fprintf(w, "purity %.3f: share of points whose %s is the majority in their cluster\n", float64(agree)/float64(total), t.names[labelCol])
}

func clusterSizes(clusters []int32, k int) []int {
	sizes := make([]int, k)
	for _, l := range clusters {
		if l >= 0 {
			sizes[l]++
		}
	}
	return sizes
}

// roundDuration rounds d to three significant digits for printing.
func roundDuration(d time.Duration) time.Duration {
	unit := time.Duration(1)
	for d/unit >= 1000 {
		unit *= 10
	}
	return d.Round(unit)
}

// checkKernel validates a kernel name, given by the flag called flagName,
// against the kernels of this CPU.
func checkKernel(flagName, name string) error {
	if name == "" || slices.Contains(vecfit.Kernels(), name) {
		return nil
	}
	return fmt.Errorf("invalid %s %q, this CPU and build have %s", flagName, name, strings.Join(vecfit.Kernels(), ", "))
}
