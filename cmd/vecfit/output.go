package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// outputFile is one result file. Its content is built in memory and
// written only after the whole computation succeeded, so a failed run leaves
// no partial file behind.
type outputFile struct {
	path string // a file name, or "-" for standard output
	data []byte
}

// outputFormat returns "json" or "csv" for path: from -out-format when set,
// else from the extension. Standard output is CSV by default.
func outputFormat(path, flagValue string) (string, error) {
	switch flagValue {
	case "csv", "json":
		return flagValue, nil
	case "":
	default:
		return "", fmt.Errorf("invalid -out-format %q, want csv or json", flagValue)
	}
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return "json", nil
	}
	return "csv", nil
}

// writeOutputs writes every file: standard output directly, each named file
// first to a temporary file in the same directory, renamed into place once
// all of them are written.
func writeOutputs(files []outputFile, stdout io.Writer) error {
	type staged struct{ tmp, path string }
	var done []staged
	cleanup := func() {
		for _, s := range done {
			os.Remove(s.tmp)
		}
	}
	for _, f := range files {
		if f.path == "-" {
			continue
		}
		dir, base := filepath.Split(f.path)
		if dir == "" {
			dir = "."
		}
		tmp, err := os.CreateTemp(dir, "."+base+".tmp*")
		if err != nil {
			cleanup()
			return fmt.Errorf("%s: creating the output file failed: %v", f.path, shortPathError(err))
		}
		done = append(done, staged{tmp.Name(), f.path})
		_, err = tmp.Write(f.data)
		if err == nil {
			err = tmp.Chmod(outputMode(f.path))
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			cleanup()
			return fmt.Errorf("%s: writing failed: %v", f.path, shortPathError(err))
		}
	}
	for i, s := range done {
		if err := os.Rename(s.tmp, s.path); err != nil {
			for _, rest := range done[i:] {
				os.Remove(rest.tmp)
			}
			return fmt.Errorf("%s: renaming the output file into place failed: %v", s.path, shortPathError(err))
		}
	}
	for _, f := range files {
		if f.path == "-" {
			if _, err := stdout.Write(f.data); err != nil {
				return fmt.Errorf("writing standard output: %v", err)
			}
		}
	}
	return nil
}

// outputMode returns the permissions of the file at path, or 0644 for a new
// file: os.CreateTemp creates files that only their owner can read.
func outputMode(path string) os.FileMode {
	if st, err := os.Stat(path); err == nil {
		return st.Mode().Perm()
	}
	return 0o644
}

// shortPathError drops the operation and path that *os.PathError repeats.
func shortPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	if le, ok := err.(*os.LinkError); ok {
		return le.Err
	}
	return err
}

// formatFloat formats v with the fewest digits that read back as the same
// float64.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// matrixCSV renders rows of values under a header row.
func matrixCSV(header []string, rows [][]float64) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	rec := make([]string, len(header))
	for _, row := range rows {
		for j, v := range row {
			rec[j] = formatFloat(v)
		}
		w.Write(rec[:len(row)])
	}
	w.Flush()
	return b.Bytes()
}

// jsonBytes renders v as JSON on one line with a final newline.
func jsonBytes(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
