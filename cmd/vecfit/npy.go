package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// maxNPYHeader is the largest .npy header accepted, in bytes. NumPy 1.24
// and later reject headers above 10000 bytes unless numpy.load is given a
// larger max_header_size.
const maxNPYHeader = 1 << 16

var (
	npyDescrRE   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortranRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShapeRE   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// npyHeader is the parsed header of a .npy file.
type npyHeader struct {
	descr   string
	fortran bool
	shape   []int64
	size    int64 // bytes of preamble and header, where the data starts
}

// readNPYHeader reads the magic string, the version, the header length and
// the header dictionary, and leaves r at the first data byte.
func readNPYHeader(r io.Reader) (*npyHeader, error) {
	var pre [10]byte
	if _, err := io.ReadFull(r, pre[:8]); err != nil || string(pre[:6]) != "\x93NUMPY" {
		return nil, errors.New("not a NumPy .npy file")
	}
	var n, size int64
	switch major := pre[6]; major {
	case 1:
		if _, err := io.ReadFull(r, pre[8:10]); err != nil {
			return nil, errors.New("invalid .npy header: the file ends inside the header")
		}
		n, size = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2, 3:
		var l [4]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, errors.New("invalid .npy header: the file ends inside the header")
		}
		n, size = int64(binary.LittleEndian.Uint32(l[:])), 12
	default:
		return nil, fmt.Errorf("invalid .npy header: format version %d is not 1, 2 or 3", major)
	}
	if n > maxNPYHeader {
		return nil, fmt.Errorf("invalid .npy header: its length is %d bytes, the maximum is %d", n, maxNPYHeader)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, errors.New("invalid .npy header: the file ends inside the header")
	}
	h := &npyHeader{size: size + n}
	m := npyDescrRE.FindSubmatch(buf)
	if m == nil {
		return nil, errors.New("invalid .npy header: no 'descr' entry")
	}
	h.descr = string(m[1])
	m = npyFortranRE.FindSubmatch(buf)
	if m == nil {
		return nil, errors.New("invalid .npy header: no 'fortran_order' entry")
	}
	h.fortran = string(m[1]) == "True"
	m = npyShapeRE.FindSubmatch(buf)
	if m == nil {
		return nil, errors.New("invalid .npy header: no 'shape' entry")
	}
	for _, s := range strings.Split(string(m[1]), ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		d, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid .npy header: shape (%s) has the entry %q, want an integer", bytes.TrimSpace(m[1]), s)
		}
		h.shape = append(h.shape, d)
	}
	return h, nil
}

// shapeString formats a shape as NumPy prints it.
func shapeString(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// readNPY reads a 2-D float32 or float64 array in C order from a NumPy .npy
// file. A 1-D array is read as one column. size is the length of the file
// in bytes, or -1 when it is not known (standard input). The shape in the
// header is checked against size before any data is allocated; with an
// unknown size, the buffer grows only as data arrives.
func readNPY(r io.Reader, size int64) (*table, error) {
	h, err := readNPYHeader(r)
	if err != nil {
		return nil, err
	}
	if h.fortran {
		return nil, errors.New(".npy array is in Fortran order, want C order (save it with numpy.ascontiguousarray)")
	}
	var rows, cols int64
	switch len(h.shape) {
	case 1:
		rows, cols = h.shape[0], 1
	case 2:
		rows, cols = h.shape[0], h.shape[1]
	default:
		return nil, fmt.Errorf(".npy array has shape %s, want 2 dimensions (rows, columns)", shapeString(h.shape))
	}
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf(".npy array has shape %s, want at least one row and one column", shapeString(h.shape))
	}
	var elem int64
	switch typ := h.descr; typ {
	case "<f8":
		elem = 8
	case "<f4":
		elem = 4
	default:
		return nil, fmt.Errorf(".npy element type is %s, want little-endian float32 (<f4) or float64 (<f8)", typ)
	}
	// The table stores float64 values, so 8 bytes per value bound the size
	// whatever the element type.
	if rows > math.MaxInt/8/cols {
		return nil, fmt.Errorf(".npy array has shape %s, too large to fit in memory", shapeString(h.shape))
	}
	values := rows * cols
	want := values * elem
	if size >= 0 && size-h.size < want {
		return nil, fmt.Errorf("truncated .npy data: shape %s needs %d bytes of data, the file has %d", shapeString(h.shape), want, max(size-h.size, 0))
	}
	if size >= 0 && size-h.size > want {
		return nil, fmt.Errorf(".npy file has %d more bytes after its array of shape %s (%d bytes); vecfit reads one array per file, so check the shape in its header",
			size-h.size-want, shapeString(h.shape), want)
	}

	var data []byte
	if size >= 0 {
		data = make([]byte, want)
		_, err = io.ReadFull(r, data)
	} else {
		data, err = io.ReadAll(io.LimitReader(r, want))
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("reading .npy data failed: %v", err)
	}
	if int64(len(data)) < want || err != nil {
		return nil, fmt.Errorf("truncated .npy data: shape %s needs %d bytes of data, the input has %d", shapeString(h.shape), want, len(data))
	}
	if size < 0 {
		var extra [1]byte
		if n, _ := io.ReadFull(r, extra[:]); n > 0 {
			return nil, fmt.Errorf(".npy input has more bytes after its array of shape %s (%d bytes); vecfit reads one array per input, so check the shape in its header",
				shapeString(h.shape), want)
		}
	}

	t := &table{rows: int(rows), cols: int(cols), names: numberedNames(int(cols))}
	t.data = make([]float64, values)
	for i := range t.data {
		if elem == 8 {
			t.data[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		} else {
			t.data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:])))
		}
	}
	if err := checkFinite(t, "row"); err != nil {
		return nil, err
	}
	return t, nil
}
