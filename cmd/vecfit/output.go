package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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

// writeOutputs writes every file: standard output directly, and each named
// file where and how outputTarget returns. A file to replace is written to
// a temporary file in the same directory first. The renames come last,
// after every temporary file and every file written in place. A canceled
// ctx, checked first and again before the renames, leaves every output
// as it was.
func writeOutputs(ctx context.Context, files []outputFile, stdout io.Writer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	type staged struct{ tmp, path string }
	var done []staged
	cleanup := func() {
		for _, s := range done {
			os.Remove(s.tmp)
		}
	}
	var inPlace []outputFile
	for _, f := range files {
		if f.path == "-" {
			continue
		}
		target, direct, err := outputTarget(f.path)
		if err != nil {
			cleanup()
			return err
		}
		if direct {
			inPlace = append(inPlace, outputFile{target, f.data})
			continue
		}
		dir := filepath.Dir(target)
		// A short name, so that an output name near the system's limit
		// still leaves room for it.
		tmp, err := os.CreateTemp(dir, ".vecfit-*.tmp")
		if err != nil {
			cleanup()
			return fmt.Errorf("%s: creating the output file failed: %v", f.path, shortPathError(err))
		}
		done = append(done, staged{tmp.Name(), target})
		_, err = tmp.Write(f.data)
		if err == nil {
			err = tmp.Chmod(outputMode(target))
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			cleanup()
			return fmt.Errorf("%s: writing failed: %v", f.path, shortPathError(err))
		}
	}
	for _, f := range inPlace {
		if err := writeInPlace(ctx, f); err != nil {
			cleanup()
			if ctx.Err() != nil {
				return fmt.Errorf("%s: interrupted while waiting for a reader: %w", f.path, ctx.Err())
			}
			return fmt.Errorf("%s: writing failed: %v", f.path, shortPathError(err))
		}
	}
	if err := ctx.Err(); err != nil {
		cleanup()
		return err
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

// outputTarget returns the file to write for the output path, and whether
// to write it in place. A regular file, or a path with no file yet, is
// replaced by a rename, at the end of any symbolic links so that the links
// stay. A FIFO or a character device such as /dev/null is written in
// place, since a rename would replace it with a regular file. Anything
// else, such as a socket, is an error.
func outputTarget(path string) (target string, inPlace bool, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		if lst, lerr := os.Lstat(path); lerr == nil && lst.Mode()&os.ModeSymlink != 0 {
			return "", false, fmt.Errorf("%s is a symbolic link to a file that does not exist", path)
		}
		return path, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("%s: %v", path, shortPathError(err))
	}
	switch mode := st.Mode(); {
	case mode&os.ModeNamedPipe != 0, mode&os.ModeCharDevice != 0:
		return path, true, nil
	case !mode.IsRegular():
		return "", false, fmt.Errorf("%s is not a regular file, a FIFO or a character device, so no output can be written to it", path)
	}
	target, err = filepath.EvalSymlinks(path)
	if err != nil {
		return "", false, fmt.Errorf("%s: %v", path, shortPathError(err))
	}
	return target, false, nil
}

// writeInPlace writes f.data to the existing file f.path without creating
// or truncating it. Opening a FIFO waits for a reader, and a canceled ctx
// ends that wait.
func writeInPlace(ctx context.Context, f outputFile) error {
	type opened struct {
		file *os.File
		err  error
	}
	done := make(chan opened, 1)
	go func() {
		file, err := os.OpenFile(f.path, os.O_WRONLY, 0)
		done <- opened{file, err}
	}()
	var out *os.File
	select {
	case o := <-done:
		if o.err != nil {
			return o.err
		}
		out = o.file
	case <-ctx.Done():
		// The open returns when a reader comes, if ever, and the file is
		// then closed unused.
		go func() {
			if o := <-done; o.file != nil {
				o.file.Close()
			}
		}()
		return ctx.Err()
	}
	_, err := out.Write(f.data)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
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
func formatFloat(v float64) string {
	return strconv.FormatFloat(unsignedZero(v), 'g', -1, 64)
}

// unsignedZero returns v, with -0 replaced by 0 so that reports and CSV
// files do not print "-0".
func unsignedZero(v float64) float64 {
	if v == 0 {
		return 0
	}
	return v
}

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

// finiteOrNil returns a pointer to v, or nil (JSON null) when v is NaN or
// infinite, which JSON cannot represent.
func finiteOrNil(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// jsonBytes renders v as JSON on one line with a final newline.
func jsonBytes(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// outputFlag is an output file named by a flag.
type outputFlag struct {
	flag string // the flag name with its dash, such as "-centroids"
	path string // "" when the flag is not given, "-" for standard output
}

// checkOutputs rejects, before any work is done, output paths that would
// fail or destroy data: an output that is the input file, two outputs
// that are the same file or both standard output, and an output that is
// a directory, a socket or a link to no file. It also rejects an output
// in a directory that does not exist or where no file can be created.
// input is the FILE argument, "" for the embedded data or "-" for
// standard input.
func checkOutputs(input string, outputs []outputFlag) error {
	var given []outputFlag
	for _, o := range outputs {
		if o.path != "" {
			given = append(given, o)
		}
	}
	for i, o := range given {
		for _, prev := range given[:i] {
			if o.path == "-" && prev.path == "-" {
				return fmt.Errorf("%s and %s both write to standard output; send one of them to a file", prev.flag, o.flag)
			}
			if o.path != "-" && prev.path != "-" && sameFile(o.path, prev.path) {
				return fmt.Errorf("%s and %s name the same file %s", prev.flag, o.flag, o.path)
			}
		}
		if o.path == "-" {
			continue
		}
		if input != "" && input != "-" && sameFile(o.path, input) {
			return fmt.Errorf("%s %s is the input file; write the output to another file", o.flag, o.path)
		}
		if st, err := os.Stat(o.path); err == nil && st.IsDir() {
			return fmt.Errorf("%s %s is a directory, want a file name", o.flag, o.path)
		}
		target, inPlace, err := outputTarget(o.path)
		if err != nil {
			return fmt.Errorf("%s %v", o.flag, err)
		}
		dir := filepath.Dir(o.path)
		st, err := os.Stat(dir)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("%s %s: directory %s does not exist", o.flag, o.path, dir)
		case err != nil:
			return fmt.Errorf("%s %s: %v", o.flag, o.path, err)
		case !st.IsDir():
			return fmt.Errorf("%s %s: %s is not a directory", o.flag, o.path, dir)
		}
		if !inPlace {
			// The rename needs a temporary file beside the target.
			probe, err := os.CreateTemp(filepath.Dir(target), ".vecfit-*.tmp")
			if err != nil {
				return fmt.Errorf("%s %s: cannot create a file in directory %s: %v", o.flag, o.path, filepath.Dir(target), shortPathError(err))
			}
			probe.Close()
			os.Remove(probe.Name())
		}
	}
	return nil
}

// sameFile reports whether the paths a and b name the same file: the same
// existing file by os.SameFile, or else the same path once symbolic links
// in it are resolved.
func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(sa, sb)
	}
	ra, okA := resolvedPath(a)
	rb, okB := resolvedPath(b)
	return okA && okB && ra == rb
}

// resolvedPath returns the absolute path of p with the symbolic links of
// its directory resolved, and of p itself when it exists.
func resolvedPath(p string) (string, bool) {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		r, err = filepath.Abs(r)
		return r, err == nil
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil {
		return "", false
	}
	dir, err = filepath.Abs(dir)
	return filepath.Join(dir, filepath.Base(p)), err == nil
}
