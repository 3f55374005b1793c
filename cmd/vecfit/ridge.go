package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/vecfit/vecfit"
)

var ridgeCommand = &command{
	name:     "ridge",
	synopsis: "[flags] [FILE]",
	summary:  "Fit ridge regression to FILE (default: the embedded diabetes data).",
	example: `  # Predict column price from every other column of houses.csv, with
  # λ = 0.1, and write the weights and bias to a JSON file:
  vecfit ridge -target price -lambda 0.1 -weights model.json houses.csv`,
	flags: ridgeFlags,
}

// ridgeConfig holds the flags of vecfit ridge.
type ridgeConfig struct {
	in          *inputFlags
	lambda      float64
	noIntercept bool
	target      string
	features    string
	ignore      string
	weight      string
	precision   string
	weightsOut  string
	outFormat   string
	quiet       bool
	kernel      string
	workers     int
}

func ridgeFlags(fs *flag.FlagSet) func(*env, []string) error {
	c := &ridgeConfig{in: addInputFlags(fs)}
	fs.Float64Var(&c.lambda, "lambda", 0.001, "regularisation λ of the objective mean((X·w + b − y)²) + λ‖w‖²; scikit-learn's Ridge alpha is n·λ, or λ·Σw with -weight")
	fs.BoolVar(&c.noIntercept, "no-intercept", false, "fit without a bias term b")
	fs.StringVar(&c.target, "target", "", "target `column` y, by header name or 1-based number (default: the last column that is not the -weight column)")
	fs.StringVar(&c.features, "features", "", "comma-separated feature `columns`, by header name or 1-based number, ranges such as 2-5 allowed (default: every column but the target and weight)")
	fs.StringVar(&c.ignore, "ignore", "", "comma-separated `columns` that are not features")
	fs.StringVar(&c.weight, "weight", "", "`column` of non-negative sample weights, excluded from the features")
	fs.StringVar(&c.precision, "float", "float64", "element `type` of the computation: float32 or float64")
	fs.StringVar(&c.weightsOut, "weights", "", "write the weights and bias to `FILE` (.json for JSON, else CSV; - for standard output)")
	fs.StringVar(&c.outFormat, "out-format", "", "`format` of -weights: csv or json (default: from the extension, csv for standard output)")
	fs.BoolVar(&c.quiet, "q", false, "print no summary on standard error")
	fs.StringVar(&c.kernel, "kernel", "", "`kernel` to use (default: the fastest this CPU has; see vecfit cpu)")
	fs.IntVar(&c.workers, "workers", 0, "maximum number of goroutines (0: GOMAXPROCS)")
	return c.run
}

func (c *ridgeConfig) run(e *env, args []string) error {
	path, err := oneFile(args)
	if err != nil {
		return err
	}
	switch {
	case c.lambda < 0 || math.IsNaN(c.lambda) || math.IsInf(c.lambda, 0):
		return fmt.Errorf("invalid -lambda %v, want a finite value of at least 0", c.lambda)
	case c.precision != "float32" && c.precision != "float64":
		return fmt.Errorf("invalid -float %q, want float32 or float64", c.precision)
	case c.workers < 0:
		return fmt.Errorf("invalid -workers %d, want 0 (GOMAXPROCS) or more", c.workers)
	}
	if _, err := outputFormat("", c.outFormat); err != nil {
		return err
	}
	if err := checkKernel("-kernel", c.kernel); err != nil {
		return err
	}
	if err := checkOutputs(path, []outputFlag{{"-weights", c.weightsOut}}); err != nil {
		return err
	}
	t, err := c.in.load(e, path, diabetesCSV, "diabetes")
	if err != nil {
		return err
	}

	weightCol := -1
	if c.weight != "" {
		if weightCol, err = t.resolveColumn(c.weight); err != nil {
			return fmt.Errorf("-weight: %w", err)
		}
	}
	// The default target is the last column that is not the weight column.
	target := t.cols - 1
	if target == weightCol {
		target--
	}
	if c.target != "" {
		if target, err = t.resolveColumn(c.target); err != nil {
			return fmt.Errorf("-target: %w", err)
		}
	}
	if target < 0 {
		return fmt.Errorf("%s: the only column %s is the -weight column, so no column is left for the target", t.source, t.names[weightCol])
	}
	roles := map[int]string{target: "-target"}
	var weights []float64
	if weightCol >= 0 {
		if weightCol == target {
			return fmt.Errorf("-weight column %s is also the -target column", t.names[weightCol])
		}
		roles[weightCol] = "-weight"
		weights = t.column(weightCol)
		for r, w := range weights {
			if w < 0 {
				return fmt.Errorf("%s: %s: weight %v is negative, want at least 0", t.source, t.where(r), w)
			}
		}
	}
	features, err := t.selectFeatures(columnSelection{features: c.features, ignore: c.ignore, roles: roles})
	if err != nil {
		return err
	}
	if c.precision == "float32" {
		return runRidge[float32](c, e, t, features, target, weights)
	}
	return runRidge[float64](c, e, t, features, target, weights)
}

func runRidge[F float32 | float64](c *ridgeConfig, e *env, t *table, features []int, target int, weights []float64) error {
	dim := len(features)
	X, err := featureMatrix[F](t, features)
	if err != nil {
		return err
	}
	y, err := featureMatrix[F](t, []int{target})
	if err != nil {
		return err
	}
	start := time.Now()
	model, err := vecfit.FitRidge(X, y, dim, c.lambda, vecfit.RidgeOptions{
		NoIntercept: c.noIntercept,
		Weights:     weights,
		Workers:     c.workers,
		Kernel:      c.kernel,
	})
	if err != nil {
		if name := constantOnceRounded(t, features, X); name != "" && errors.Is(err, vecfit.ErrSingular) {
			return fmt.Errorf("%w. Column %s varies in the data but is constant once rounded to float32, so use -float float64",
				describeLibError(err, t, features), name)
		}
		return describeLibError(err, t, features)
	}
	elapsed := time.Since(start)
	// FitRidge takes no context, so an interrupt during the fit takes
	// effect here.
	if err := e.ctx.Err(); err != nil {
		return err
	}

	// The fit statistics use the data as read, in float64.
	X64 := matrix[float64](t, features)
	y64 := t.column(target)
	pred, err := model.Predict(nil, X64)
	if err != nil {
		return describeLibError(err, t, features)
	}
	mse, r2 := fitStats(y64, pred, weights)
	penalty := 0.0
	for _, w := range model.Weights {
		penalty += w * w
	}
	objective := mse
	if c.lambda != 0 {
		// With λ = 0 the penalty adds nothing, even where ‖w‖² overflows.
		objective += c.lambda * penalty
	}

	if !c.quiet {
		kernel := c.kernel
		if kernel == "" {
			kernel = vecfit.Kernel()
		}
		fmt.Fprintf(e.stderr, "ridge on %s: %s × %s, target %s, λ=%g, %s: kernel %s, %v\n",
			t.source, plural(t.rows, "row"), plural(dim, "feature"), t.names[target], c.lambda, c.precision, kernel, roundDuration(elapsed))
	}

	names := make([]string, dim)
	for i, f := range features {
		names[i] = t.names[f]
	}
	var files []outputFile
	if c.weightsOut != "" {
		data, err := weightsOutput(c, names, model, mse, r2)
		if err != nil {
			return err
		}
		files = append(files, outputFile{path: c.weightsOut, data: data})
	}

	var text bytes.Buffer
	tw := tabwriter.NewWriter(&text, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "feature\tweight\t\n")
	for i, n := range names {
		fmt.Fprintf(tw, "%s\t%.6g\t\n", n, unsignedZero(model.Weights[i]))
	}
	if !c.noIntercept {
		fmt.Fprintf(tw, "bias\t%.6g\t\n", unsignedZero(model.Bias))
	}
	tw.Flush()
	r2Text := "undefined (constant target)"
	if !math.IsNaN(r2) {
		r2Text = fmt.Sprintf("%.4f", r2)
	}
	fmt.Fprintf(&text, "train MSE %.6g, R² %s, objective %.6g (MSE + λ‖w‖²)\n", mse, r2Text, objective)

	if err := writeOutputs(e.ctx, files, e.stdout); err != nil {
		return err
	}
	reportTo := e.stdout
	if c.weightsOut == "-" {
		reportTo = e.stderr
		if c.quiet {
			reportTo = io.Discard
		}
	}
	_, err = reportTo.Write(text.Bytes())
	return err
}

// fitStats returns the mean squared error of pred against y and the
// coefficient of determination R², both weighted when weights is not nil.
// R² is NaN when y is constant.
func fitStats(y, pred, weights []float64) (mse, r2 float64) {
	// Dividing the weights by the largest keeps their sum from
	// overflowing, or from losing digits when they are subnormal.
	largest := 0.0
	for _, w := range weights {
		largest = max(largest, w)
	}
	weight := func(i int) float64 {
		if weights == nil {
			return 1
		}
		return weights[i] / largest
	}
	// Dividing y and pred by the power of two of their largest magnitude
	// keeps the squares from overflowing, and rounds only values more than
	// 2¹⁰²² times smaller than the largest. Rows of weight 0 count for
	// nothing, so they do not set the scale either: a value of 1e200 there
	// would round every other residual to 0.
	top := 0.0
	for i, v := range y {
		if weights == nil || weights[i] > 0 {
			top = max(top, math.Abs(v), math.Abs(pred[i]))
		}
	}
	_, shift := math.Frexp(top)
	scaled := func(v float64) float64 { return math.Ldexp(v, -shift) }

	var sumW, meanY float64
	for i, v := range y {
		w := weight(i)
		sumW += w
		meanY += w * scaled(v)
	}
	meanY /= sumW
	var sse, sst float64
	for i, v := range y {
		w := weight(i)
		r := scaled(v) - scaled(pred[i])
		sse += w * r * r
		sst += w * (scaled(v) - meanY) * (scaled(v) - meanY)
	}
	mse = math.Ldexp(sse/sumW, 2*shift)
	r2 = math.NaN()
	if sst > 0 {
		r2 = 1 - sse/sst
	}
	return mse, r2
}

func weightsOutput(c *ridgeConfig, names []string, m *vecfit.RidgeModel, mse, r2 float64) ([]byte, error) {
	format, err := outputFormat(c.weightsOut, c.outFormat)
	if err != nil {
		return nil, err
	}
	if format == "json" {
		// R² is null when it is undefined, the MSE when it exceeds float64.
		return jsonBytes(struct {
			Features  []string  `json:"features"`
			Weights   []float64 `json:"weights"`
			Bias      float64   `json:"bias"`
			Intercept bool      `json:"intercept"`
			Lambda    float64   `json:"lambda"`
			MSE       *float64  `json:"train_mse"`
			R2        *float64  `json:"train_r2"`
		}{names, m.Weights, m.Bias, !c.noIntercept, c.lambda, finiteOrNil(mse), finiteOrNil(r2)})
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"term", "value"})
	for i, n := range names {
		w.Write([]string{n, formatFloat(m.Weights[i])})
	}
	w.Write([]string{"bias", formatFloat(m.Bias)})
	w.Flush()
	return b.Bytes(), nil
}

// constantOnceRounded returns the name of the first feature column that
// varies in the data but is constant in X, the features as the fit got
// them, or "". Only float32 rounding can make that happen, as when values
// near 1e9 differ by less than the float32 spacing there, 64.
func constantOnceRounded[F float32 | float64](t *table, features []int, X []F) string {
	if t.rows < 2 {
		return ""
	}
	dim := len(features)
	for j, f := range features {
		rounded, exact := true, true
		first := t.row(0)[f]
		for i := 1; i < t.rows; i++ {
			rounded = rounded && X[i*dim+j] == X[j]
			exact = exact && t.row(i)[f] == first
		}
		if rounded && !exact {
			return t.names[f]
		}
	}
	return ""
}
