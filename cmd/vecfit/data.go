package main

import (
	"bufio"
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"io"
)

// The digits data: 1797 images of handwritten digits, 8×8 pixels of
// intensity 0 to 16 (columns px0 … px63), and the true digit (column
// digit), as scikit-learn's load_digits returns them.
//
//go:embed digits.csv
var digitsCSV []byte

// The diabetes data: 442 patients, ten baseline measurements (age, sex,
// bmi, bp and six blood serum values s1 … s6) in their original units, and
// a measure of disease progression one year later (column progression),
// from Efron et al., "Least Angle Regression" (2004).
//
//go:embed diabetes.csv
var diabetesCSV []byte

// inputFlags are the flags that choose and parse the input file.
type inputFlags struct {
	format string
	header string
}

func addInputFlags(fs *flag.FlagSet) *inputFlags {
	in := &inputFlags{}
	fs.StringVar(&in.format, "format", "", "input `format`: csv, tsv, npy or fvecs (default: from the file extension; csv for standard input)")
	fs.StringVar(&in.header, "header", "auto", "`mode` for the first CSV row: auto (a header when any field is not a number), yes (a header) or no (data)")
	return in
}

// load reads FILE, or the embedded data set when path is empty. The
// flags are checked in both cases, so that a mistyped value is an error
// even where the embedded data make it unused.
func (in *inputFlags) load(e *env, path string, embedded []byte, embeddedName string) (*table, error) {
	if _, err := inputFormat(inputSpec{path: "-", format: in.format}); err != nil {
		return nil, err
	}
	switch in.header {
	case "auto", "yes", "no":
	default:
		return nil, fmt.Errorf("invalid -header %q, want auto, yes or no", in.header)
	}
	if path == "" {
		t, err := readCSV(bufio.NewReader(bytes.NewReader(embedded)), ',', "auto")
		if err != nil {
			return nil, fmt.Errorf("embedded %s data: %w", embeddedName, err)
		}
		t.source = "embedded " + embeddedName + " data"
		return t, nil
	}
	return readTable(inputSpec{path: path, format: in.format, header: in.header}, io.Reader(e.stdin))
}
