package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// table is a data set read from a file: rows of numbers, all finite, with a
// name for every column.
type table struct {
	source string   // file name, or "standard input" or the embedded name
	names  []string // one per column; the header, or "1", "2", … without one
	header bool     // whether names came from a header row
	rows   int
	cols   int
	data   []float64 // rows×cols, row-major
	lines  []int     // the file line of each row, for CSV input
}

// where returns the position of row i (0-based) for a message: its line in
// a CSV file, else its 1-based row number.
func (t *table) where(i int) string {
	if t.lines != nil {
		return fmt.Sprintf("line %d", t.lines[i])
	}
	return fmt.Sprintf("row %d", i+1)
}

func (t *table) row(i int) []float64 { return t.data[i*t.cols : (i+1)*t.cols] }

// inputSpec says where the data comes from and how to parse it.
type inputSpec struct {
	path   string // a file name, or "-" for standard input
	format string // "csv", "tsv", "npy", "fvecs", or "" to use the extension
	header string // "auto", "yes" or "no" (CSV only)
}

// readTable reads the file named by spec. Every error it returns names the
// file and, where there is one, the line and column or the row.
func readTable(spec inputSpec, stdin io.Reader) (*table, error) {
	if st, err := os.Stat(spec.path); spec.path != "-" && err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, want a data file", spec.path)
	}
	format, err := inputFormat(spec)
	if err != nil {
		return nil, err
	}
	name := spec.path
	var r io.Reader
	size := int64(-1) // the file size, unknown for standard input
	if spec.path == "-" {
		name = "standard input"
		r = stdin
	} else {
		f, err := os.Open(spec.path)
		if err != nil {
			return nil, openError(spec.path, err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("%s: is a directory, want a data file", spec.path)
		} else if err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		r = f
	}
	br := bufio.NewReaderSize(r, 1<<16)
	var t *table
	switch format {
	case "csv":
		t, err = readCSV(br, ',', spec.header)
	case "tsv":
		t, err = readCSV(br, '\t', spec.header)
	case "npy":
		t, err = readNPY(br, size)
	case "fvecs":
		t, err = readFvecs(br)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t.source = name
	return t, nil
}

// openError turns the error of os.Open into one short line.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s: file not found", path)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%s: permission denied", path)
	}
	return err
}

// inputFormat returns the format named by -format, or else the one that the
// file extension implies. Standard input is CSV unless -format names another.
func inputFormat(spec inputSpec) (string, error) {
	switch spec.format {
	case "csv", "tsv", "npy", "fvecs":
		return spec.format, nil
	case "":
	default:
		return "", fmt.Errorf("invalid -format %q, want csv, tsv, npy or fvecs", spec.format)
	}
	if spec.path == "-" {
		return "csv", nil
	}
	switch ext := strings.ToLower(filepath.Ext(spec.path)); ext {
	case ".csv", ".txt":
		return "csv", nil
	case ".tsv", ".tab":
		return "tsv", nil
	case ".npy":
		return "npy", nil
	case ".fvecs":
		return "fvecs", nil
	default:
		return "", fmt.Errorf("%s: unknown file extension %q; name the format with -format csv, tsv, npy or fvecs", spec.path, ext)
	}
}

// readCSV reads comma- or tab-separated numbers. With header "auto", the
// first record is a header when any of its fields is not a number.
func readCSV(r *bufio.Reader, comma rune, header string) (*table, error) {
	if head, _ := r.Peek(512); bytes.IndexByte(head, 0) >= 0 {
		return nil, errors.New("not a text file (it contains NUL bytes); name the format with -format npy or fvecs if it is binary")
	}
	// encoding/csv ends lines at LF only. A file whose lines end in a lone
	// CR would read as one line, so reject it when the first 64 KiB hold
	// a CR and no LF.
	if head, _ := r.Peek(1 << 16); bytes.IndexByte(head, '\n') < 0 && bytes.IndexByte(head, '\r') >= 0 {
		return nil, errors.New("the lines end in a lone CR, which is not supported; convert the line ends to LF or CRLF")
	}
	if bom, _ := r.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		r.Discard(3) // the UTF-8 byte order mark that spreadsheet programs write
	}
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // checked below, to name the line and column
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true

	t := &table{}
	first := true
	firstLine := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("line %d, column %d: invalid CSV: %v", pe.Line, pe.Column, pe.Err)
			}
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			firstLine = line
			t.cols = len(rec)
			isHeader, err := detectHeader(rec, header, line)
			if err != nil {
				return nil, err
			}
			if isHeader {
				t.header = true
				t.names = make([]string, len(rec))
				for i, f := range rec {
					t.names[i] = strings.TrimSpace(f)
					if t.names[i] == "" {
						t.names[i] = unnamedColumn(i)
					}
				}
				continue
			}
		}
		for i, f := range rec {
			// encoding/csv keeps a CR that no LF follows inside the
			// field, where it would read as a wrong field count. CRs at
			// the end of a field, as in lines that end in CR CR LF, are
			// space that the number parser trims.
			if strings.IndexByte(strings.TrimRight(f, "\r"), '\r') >= 0 {
				return nil, fmt.Errorf("line %d, field %d: a lone CR (carriage return) inside the line, which is not supported; convert the line ends to LF or CRLF", line, i+1)
			}
		}
		if len(rec) != t.cols {
			return nil, fmt.Errorf("line %d: %d fields, want %d as on line %d", line, len(rec), t.cols, firstLine)
		}
		for i, f := range rec {
			v, err := parseNumber(f)
			if err != nil {
				// The column is the 1-based field number, as in -features.
				return nil, fmt.Errorf("line %d, column %d%s: %v", line, i+1, t.fieldName(i), err)
			}
			t.data = append(t.data, v)
		}
		t.lines = append(t.lines, line)
		t.rows++
	}
	if first {
		return nil, errors.New("empty file, want rows of numbers")
	}
	if t.rows == 0 {
		return nil, errors.New("no data rows after the header")
	}
	if !t.header {
		t.names = numberedNames(t.cols)
	}
	return t, nil
}

// unnamedColumn returns the name of column i (0-based) where its header
// field is blank, as in the index column that pandas writes.
func unnamedColumn(i int) string {
	return fmt.Sprintf("column %d", i+1)
}

// fieldName returns " (name)" for a column with a header name, else "".
func (t *table) fieldName(i int) string {
	if t.header && t.names[i] != unnamedColumn(i) {
		return fmt.Sprintf(" (%s)", clipText(t.names[i]))
	}
	return ""
}

func detectHeader(rec []string, header string, line int) (bool, error) {
	switch header {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	case "auto", "":
		missing := -1
		for i, f := range rec {
			f = strings.TrimSpace(f)
			if _, err := strconv.ParseFloat(f, 64); err == nil {
				continue
			}
			if !isMissingMarker(f) {
				return true, nil
			}
			if missing < 0 {
				missing = i
			}
		}
		// A first row of numbers and markers such as NA, or of markers
		// alone, is a data row with missing values, not a header.
		if missing >= 0 {
			return false, fmt.Errorf("line %d, column %d: %q marks a missing value, want a number (use -header yes if this line is a header)",
				line, missing+1, strings.TrimSpace(rec[missing]))
		}
		return false, nil
	}
	return false, fmt.Errorf("invalid -header %q, want auto, yes or no", header)
}

// isMissingMarker reports whether a field is one of the usual spellings of
// a missing value in exported tables.
func isMissingMarker(field string) bool {
	switch strings.ToUpper(field) {
	case "NA", "N/A", "#N/A", "NULL", "NONE", "?", ".", "-",
		"#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!":
		return true
	}
	return false
}

// parseNumber parses one CSV field and rejects NaN and infinities.
func parseNumber(field string) (float64, error) {
	s := strings.TrimSpace(field)
	if s == "" {
		return 0, errors.New("empty field, want a number")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange && !math.IsInf(v, 0) {
			return v, nil // a value that underflows to zero or a subnormal is accepted
		}
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("%s is out of the float64 range", quoteField(s))
		}
		return 0, fmt.Errorf("%s is not a number", quoteField(s))
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s is not a finite number", s)
	}
	return v, nil
}

// quoteField quotes a field for an error message, cut to its first 40
// characters so that one long field cannot flood the message.
func quoteField(s string) string {
	short := clipText(s)
	if short == s {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%q… (%d bytes)", strings.TrimSuffix(short, "…"), len(s))
}

// clipText returns s cut to its first 40 characters and "…" when it is
// longer, for error messages.
func clipText(s string) string {
	const maxRunes = 40
	if utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	return string([]rune(s)[:maxRunes]) + "…"
}

func numberedNames(cols int) []string {
	names := make([]string, cols)
	for i := range names {
		names[i] = strconv.Itoa(i + 1)
	}
	return names
}

// readFvecs reads the .fvecs format of the ANN benchmarks: each vector is a
// little-endian int32 dimension followed by that many float32 values.
func readFvecs(r io.Reader) (*table, error) {
	t := &table{}
	var head [4]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("vector %d: truncated dimension field", t.rows+1)
		}
		dim := int(int32(binary.LittleEndian.Uint32(head[:])))
		if dim < 1 || dim > 1<<20 {
			return nil, fmt.Errorf("vector %d: invalid dimension %d; is this an .fvecs file?", t.rows+1, dim)
		}
		if t.rows == 0 {
			t.cols = dim
			buf = make([]byte, 4*dim)
		} else if dim != t.cols {
			return nil, fmt.Errorf("vector %d: dimension %d, want %d as in vector 1", t.rows+1, dim, t.cols)
		}
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("vector %d: truncated, want %d float32 values", t.rows+1, dim)
		}
		for j := range dim {
			t.data = append(t.data, float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[4*j:]))))
		}
		t.rows++
	}
	if t.rows == 0 {
		return nil, errors.New("empty file, want .fvecs vectors")
	}
	t.names = numberedNames(t.cols)
	if err := checkFinite(t, "vector"); err != nil {
		return nil, err
	}
	return t, nil
}

// checkFinite rejects NaN and infinities in a binary file, naming the first
// one by 1-based row and column.
func checkFinite(t *table, unit string) error {
	for i, v := range t.data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s %d, column %d: %v is not a finite number", unit, i/t.cols+1, i%t.cols+1, v)
		}
	}
	return nil
}

// resolveColumn returns the index of the column named ref: a header name,
// or else a 1-based column number.
func (t *table) resolveColumn(ref string) (int, error) {
	ref = strings.TrimSpace(ref)
	found := -1
	for i, n := range t.names {
		if !t.header || n != ref {
			continue
		}
		if found >= 0 {
			return 0, fmt.Errorf("%s: column name %q is ambiguous: columns %d and %d both have it; name the column by number",
				t.source, ref, found+1, i+1)
		}
		found = i
	}
	if found >= 0 {
		return found, nil
	}
	if i, err := strconv.Atoi(ref); err == nil {
		if i < 1 || i > t.cols {
			return 0, fmt.Errorf("%s: column %d does not exist, the data has columns 1 to %d", t.source, i, t.cols)
		}
		return i - 1, nil
	}
	if t.header {
		return 0, fmt.Errorf("%s: column %q not found; columns are %s", t.source, ref, columnList(t.names))
	}
	return 0, fmt.Errorf("%s: column %q not found: the data has no header, so name columns by number 1 to %d", t.source, ref, t.cols)
}

// columnList shortens a long list of names for an error message.
func columnList(names []string) string {
	clipped := make([]string, len(names))
	for i, n := range names {
		clipped[i] = clipText(n)
		// A name with a comma would read as two in the list, and only
		// its number can select it, since lists split at commas. One
		// with a line break would break the one-line message.
		if strings.ContainsFunc(n, func(r rune) bool { return r == ',' || r == '"' || unicode.IsControl(r) }) {
			clipped[i] = strconv.Quote(clipped[i]) + " (column " + strconv.Itoa(i+1) + ")"
		}
	}
	if len(clipped) <= 12 {
		return strings.Join(clipped, ", ")
	}
	return strings.Join(clipped[:5], ", ") + ", …, " + strings.Join(clipped[len(clipped)-5:], ", ")
}

// resolveColumns resolves a comma-separated list of column references,
// the value of the named flag. A reference may be a range of column
// numbers such as 2-5. An empty list resolves to none, and an empty
// reference in a list, as in "a,,b", is an error.
func (t *table) resolveColumns(flag, list string) ([]int, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var cols []int
	for _, ref := range strings.Split(list, ",") {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			return nil, fmt.Errorf("%s: %s %q has an empty column reference; separate column names or numbers by single commas", t.source, flag, list)
		}
		if lo, hi, ok := strings.Cut(ref, "-"); ok && !t.hasName(ref) {
			a, errA := strconv.Atoi(lo)
			b, errB := strconv.Atoi(hi)
			if errA == nil && errB == nil {
				if a < 1 || b > t.cols || a > b {
					return nil, fmt.Errorf("%s: invalid column range %s, the data has columns 1 to %d", t.source, ref, t.cols)
				}
				for i := a; i <= b; i++ {
					cols = append(cols, i-1)
				}
				continue
			}
		}
		i, err := t.resolveColumn(ref)
		if err != nil {
			return nil, err
		}
		cols = append(cols, i)
	}
	return cols, nil
}

func (t *table) hasName(s string) bool {
	if !t.header {
		return false
	}
	for _, n := range t.names {
		if n == s {
			return true
		}
	}
	return false
}

// columnSelection names the feature columns and the columns that have
// another role (a label, a target, a weight) or are ignored.
type columnSelection struct {
	features string // comma-separated references; empty means all others
	ignore   string // comma-separated references
	// roles maps each column that has a role, and so is not a feature,
	// to the flag that gave it, such as "-target".
	roles map[int]string
}

// selectFeatures returns the indices of the feature columns.
func (t *table) selectFeatures(sel columnSelection) ([]int, error) {
	excluded := make([]string, t.cols) // the flag that excludes each column
	for i, flag := range sel.roles {
		excluded[i] = flag
	}
	ignored, err := t.resolveColumns("-ignore", sel.ignore)
	if err != nil {
		return nil, err
	}
	for _, i := range ignored {
		if excluded[i] == "" {
			excluded[i] = "-ignore"
		}
	}
	var features []int
	if strings.TrimSpace(sel.features) != "" {
		features, err = t.resolveColumns("-features", sel.features)
		if err != nil {
			return nil, err
		}
		listed := make([]bool, t.cols)
		for _, i := range features {
			switch excluded[i] {
			case "":
			case "-ignore":
				return nil, fmt.Errorf("%s: column %s is listed in both -features and -ignore", t.source, t.names[i])
			default:
				return nil, fmt.Errorf("%s: column %s is listed in -features but is the %s column", t.source, t.names[i], excluded[i])
			}
			if listed[i] {
				return nil, fmt.Errorf("%s: column %s is listed twice as a feature", t.source, t.names[i])
			}
			listed[i] = true
		}
	} else {
		for i := range t.cols {
			if excluded[i] == "" {
				features = append(features, i)
			}
		}
	}
	if len(features) == 0 {
		var flags []string
		for _, flag := range excluded {
			if flag != "" && !slices.Contains(flags, flag) {
				flags = append(flags, flag)
			}
		}
		return nil, fmt.Errorf("%s: no feature columns left: the data have %s, taken by %s", t.source, plural(t.cols, "column"), strings.Join(flags, " and "))
	}
	return features, nil
}

// matrix returns the given columns of every row, row-major, as F.
func matrix[F float32 | float64](t *table, cols []int) []F {
	out := make([]F, 0, t.rows*len(cols))
	for i := range t.rows {
		row := t.row(i)
		for _, c := range cols {
			out = append(out, F(row[c]))
		}
	}
	return out
}

// column returns one column of every row.
func (t *table) column(c int) []float64 {
	out := make([]float64, t.rows)
	for i := range t.rows {
		out[i] = t.data[i*t.cols+c]
	}
	return out
}
