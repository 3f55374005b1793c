package main

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/vecfit/vecfit"
)

// The library's errors number the columns of X and its rows from 0 and name
// its options as Go fields. These patterns find the numbers to replace with
// the tool's column names and line numbers.
var (
	libCombinationRE = regexp.MustCompile(`column (\d+) of X is a linear combination of (?:column 0|columns 0…(\d+))`)
	libColumnRE      = regexp.MustCompile(`column (\d+) of X`)
	libOverflowRE    = regexp.MustCompile(`overflows float64 in column (\d+)`)
	libRowRE         = regexp.MustCompile(`\brow (\d+) of X or y`)
	libRowOfXRE      = regexp.MustCompile(`\brow (\d+) of X\b`)
	libPointRE       = regexp.MustCompile(`\bpoint (\d+) \(counting from 0\)`)
	libWeightRE      = regexp.MustCompile(`the fitted Weights\[(\d+)\]`)
)

// describeLibError rewrites an error of the vecfit package for the command
// line. It drops the "vecfit: " prefix of the package's sentinel errors,
// names feature columns as the data does, names rows by their line and
// options by their flags, and names the input. features maps the library's column j to the
// table column features[j].
func describeLibError(err error, t *table, features []int) error {
	if err == nil || !isLibError(err) {
		return err
	}
	msg := strings.ReplaceAll(err.Error(), "vecfit: ", "")
	name := func(s string) (string, bool) {
		j, err := strconv.Atoi(s)
		if err != nil || j < 0 || j >= len(features) {
			return "", false
		}
		return t.names[features[j]], true
	}
	msg = libCombinationRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := libCombinationRE.FindStringSubmatch(m)
		col, ok1 := name(sub[1])
		last, err := 0, error(nil)
		if sub[2] != "" {
			last, err = strconv.Atoi(sub[2])
		}
		if !ok1 || err != nil || last < 0 || last >= len(features) {
			return m
		}
		var before []string
		for j := 0; j <= last; j++ {
			before = append(before, t.names[features[j]])
		}
		noun := "columns"
		if len(before) == 1 {
			noun = "column"
		}
		return "feature column " + col + " is a linear combination of feature " + noun + " " + columnList(before)
	})
	msg = libColumnRE.ReplaceAllStringFunc(msg, func(m string) string {
		if col, ok := name(libColumnRE.FindStringSubmatch(m)[1]); ok {
			return "feature column " + col
		}
		return m
	})
	msg = libOverflowRE.ReplaceAllStringFunc(msg, func(m string) string {
		if col, ok := name(libOverflowRE.FindStringSubmatch(m)[1]); ok {
			return "overflows float64 in feature column " + col
		}
		return m
	})
	msg = libWeightRE.ReplaceAllStringFunc(msg, func(m string) string {
		if col, ok := name(libWeightRE.FindStringSubmatch(m)[1]); ok {
			return "the fitted weight of feature column " + col
		}
		return m
	})
	msg = libRowRE.ReplaceAllStringFunc(msg, func(m string) string {
		i, err := strconv.Atoi(libRowRE.FindStringSubmatch(m)[1])
		if err != nil || i < 0 || i >= t.rows {
			return m
		}
		return t.where(i)
	})
	// After libRowRE, so that "row i of X or y" is already replaced.
	msg = libRowOfXRE.ReplaceAllStringFunc(msg, func(m string) string {
		i, err := strconv.Atoi(libRowOfXRE.FindStringSubmatch(m)[1])
		if err != nil || i < 0 || i >= t.rows {
			return m
		}
		return "the row at " + t.where(i)
	})
	msg = libPointRE.ReplaceAllStringFunc(msg, func(m string) string {
		i, err := strconv.Atoi(libPointRE.FindStringSubmatch(m)[1])
		if err != nil || i < 0 || i >= t.rows {
			return m
		}
		return "the point at " + t.where(i)
	})
	msg = strings.ReplaceAll(msg, "use lambda > 0", "use -lambda > 0")
	msg = strings.ReplaceAll(msg, "and lambda = ", "and -lambda ")
	msg = strings.ReplaceAll(msg, "use a larger lambda", "use a larger -lambda")
	msg = strings.ReplaceAll(msg, "fit them as float64", "use -float float64")
	msg = strings.ReplaceAll(msg, "invalid option: every weight is 0", "every value of the -weight column is 0")
	if !strings.Contains(msg, t.source) {
		msg = t.source + ": " + msg
	}
	return &libError{msg: msg, err: err}
}

// isLibError reports whether err wraps one of the vecfit sentinel errors.
func isLibError(err error) bool {
	for _, s := range []error{vecfit.ErrDim, vecfit.ErrLength, vecfit.ErrNoCentroids, vecfit.ErrNaN, vecfit.ErrOption, vecfit.ErrSingular, vecfit.ErrKernel} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// libError is a library error with a message for the command line. It
// still wraps the original, so errors.Is finds the sentinel.
type libError struct {
	msg string
	err error
}

func (e *libError) Error() string { return e.msg }
func (e *libError) Unwrap() error { return e.err }
