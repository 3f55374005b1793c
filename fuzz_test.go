package vecfit

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// fuzzBytes hands out the bytes of a fuzz input, then zeros once they run
// out, so that every input decodes to some search.
type fuzzBytes struct{ data []byte }

func (b *fuzzBytes) next() byte {
	if len(b.data) == 0 {
		return 0
	}
	v := b.data[0]
	b.data = b.data[1:]
	return v
}

func (b *fuzzBytes) take(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b.next()
	}
	return out
}

// fuzzCase is a search decoded from a fuzz input.
type fuzzCase[F Float] struct {
	points, centroids []F
	dim               int
	// exact is set when every value is an integer in [−8, 7], so that
	// every kernel computes every distance exactly.
	exact bool
}

// decodeFuzzCase decodes the search that the fuzz input describes: a header
// of four bytes (element type and slice offset, dim, n, k), then one
// selector byte per coordinate, points first, each followed by the bytes
// its kind of value needs.
func decodeFuzzCase[F Float](b *fuzzBytes, offset int) fuzzCase[F] {
	dim := 1 + int(b.next())%70
	n := int(b.next()) % 40
	k := 1 + int(b.next())%40
	values := make([]F, (n+k)*dim)
	exact := true
	for i := range values {
		v, small := decodeFuzzValue[F](b, values, i, dim)
		values[i] = v
		exact = exact && small
	}
	return fuzzCase[F]{
		points:    shifted(values[:n*dim], offset),
		centroids: shifted(values[n*dim:], offset),
		dim:       dim,
		exact:     exact,
	}
}

// decodeFuzzValue decodes coordinate i. The low four bits of the selector
// pick the kind of value, the high four bits parametrize it. It also
// reports whether the value is a small integer.
func decodeFuzzValue[F Float](b *fuzzBytes, values []F, i, dim int) (F, bool) {
	sel := b.next()
	high := int(sel >> 4)
	switch sel & 15 {
	case 0, 1, 2, 3, 4, 5:
		return F(high - 8), true
	case 6, 7:
		return F(float64(int8(b.next())) / 16), false
	case 8:
		return F(nan), false
	case 9:
		return F(inf), false
	case 10:
		return F(ninf), false
	case 11:
		v := maxFinite[F]() / math.Exp2(float64(high>>1))
		if high&1 == 1 {
			v = -v
		}
		return F(v), false
	case 12:
		return F(smallestNonzero[F]() * float64(int8(b.next()))), false
	case 13:
		return F(1e4 + float64(b.next())/256), false
	case 14:
		if isFloat32[F]() {
			return F(math.Float32frombits(binary.LittleEndian.Uint32(b.take(4)))), false
		}
		return F(math.Float64frombits(binary.LittleEndian.Uint64(b.take(8)))), false
	default:
		// The same coordinate of the previous row: repeated rows make
		// exact ties.
		if i >= dim {
			v := values[i-dim]
			return v, v == F(math.Trunc(float64(v))) && v >= -8 && v <= 7
		}
		return 0, true
	}
}

// FuzzNearest decodes a search of float32 or float64 data from the input
// and runs every kernel on it, and every expansion kernel on any shape. Each result must keep the accuracy contract
// against the exact reference. Each kernel must also give label −1 to the
// same points as the generic kernel, and on small integers return its
// labels and distances bit for bit.
func FuzzNearest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		b := &fuzzBytes{data: data}
		head := b.next()
		offset := int(head>>1) % 4
		if head&1 == 0 {
			fuzzKernels(t, decodeFuzzCase[float32](b, offset))
		} else {
			fuzzKernels(t, decodeFuzzCase[float64](b, offset))
		}
	})
}

func fuzzKernels[F Float](t *testing.T, c fuzzCase[F]) {
	ref := newReference(c.points, c.centroids, c.dim)
	ref.exact = c.exact
	genericLabels, genericDists := runKernel(t, "generic", c.points, c.centroids, c.dim)
	for _, kernel := range Kernels() {
		labels, dists := runKernel(t, kernel, c.points, c.centroids, c.dim)
		if msg := ref.check(labels, dists, 5); msg != "" {
			t.Errorf("%T kernel %s, dim %d, n %d, k %d: contract broken:%s\n\tcentroids %v",
				F(0), kernel, c.dim, ref.n, ref.k, msg, c.centroids)
		}
		for i := range labels {
			if (labels[i] == -1) != (genericLabels[i] == -1) {
				t.Errorf("%T kernel %s point %d: label %d, generic kernel gives %d",
					F(0), kernel, i, labels[i], genericLabels[i])
			}
		}
		if c.exact && (!slices.Equal(labels, genericLabels) || !bitsEqual(dists, genericDists)) {
			t.Errorf("%T kernel %s on small integers: got %v %v, generic kernel gives %v %v",
				F(0), kernel, labels, dists, genericLabels, genericDists)
		}
	}
	fuzzDotFunctions(t, c, ref)
}
