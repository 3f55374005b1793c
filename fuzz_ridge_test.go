package vecfit

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzRidgeGrad decodes a shape and values from the fuzz input and checks
// RidgeGrad of every kernel against the float64 loop, in float32 and
// float64, within the rounding bounds of ridgeBounds. Input layout: byte 0
// picks dim (1…40), byte 1 the rows (0…63), byte 2 an offset (0…3) of the
// first element of each slice, byte 3 the bias; then int16 values, scaled
// by 1/256, fill w, then X, then y, and repeat when the input runs out.
func FuzzRidgeGrad(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0})
	f.Add([]byte{6, 9, 1, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{15, 4, 3, 200, 0xff, 0x7f, 0x00, 0x80, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		dim := 1 + int(data[0])%40
		n := int(data[1]) % 64
		offset := int(data[2]) % 4
		b := float64(int8(data[3])) / 16
		values := data[4:]
		next := 0
		value := func() float64 {
			if len(values) < 2 {
				return 0
			}
			v := int16(binary.LittleEndian.Uint16(values[next:]))
			next = (next + 2) % (len(values) - 1)
			return float64(v) / 256
		}
		w := make([]float64, dim)
		for j := range w {
			w[j] = value()
		}
		X := make([]float64, n*dim)
		for i := range X {
			X[i] = value()
		}
		y := make([]float64, n)
		for i := range y {
			y[i] = value()
		}
		fuzzRidge(t, offset, X, y, w, b)
		fuzzRidge(t, offset, toFloat32(X), toFloat32(y), toFloat32(w), float32(b))
	})
}

func toFloat32(s []float64) []float32 {
	out := make([]float32, len(s))
	for i, v := range s {
		out[i] = float32(v)
	}
	return out
}

// offsetCopy returns a copy of s that starts offset elements into a fresh
// allocation.
func offsetCopy[F Float](s []F, offset int) []F {
	out := make([]F, len(s)+offset)[offset:]
	copy(out, s)
	return out
}

func fuzzRidge[F Float](t *testing.T, offset int, X, y, w []F, b F) {
	X, y, w = offsetCopy(X, offset), offsetCopy(y, offset), offsetCopy(w, offset)
	n := float64(len(y))
	sumSq, sum, grad, tolSq, tolSum, tolGrad := ridgeBounds(X, y, w, b)
	const lambda = 0.125
	var norm float64
	for _, v := range w {
		norm += float64(v) * float64(v)
	}
	eps := ridgeEpsilon[F]()
	for _, k := range Kernels() {
		gradW := offsetCopy(make([]F, len(w)), offset)
		loss, gradB, err := RidgeGradWith(Options{Kernel: k}, gradW, X, y, w, b, F(lambda))
		if err != nil {
			t.Fatalf("kernel %s: %v", k, err)
		}
		// The float64 sums and the final scaling in F add a few ε.
		wantLoss, tolLoss := lambda*norm, 4*eps*lambda*norm
		wantB := 0.0
		if n > 0 {
			wantLoss += sumSq / n
			tolLoss += tolSq/n + 4*eps*sumSq/n
			wantB = 2 * sum / n
		}
		if d := math.Abs(float64(loss) - wantLoss); !(d <= tolLoss) {
			t.Errorf("kernel %s, %T: loss %v, want %v within %g", k, loss, loss, wantLoss, tolLoss)
		}
		if n > 0 {
			if d, tol := math.Abs(float64(gradB)-wantB), 2*tolSum/n+4*eps*math.Abs(wantB); !(d <= tol) {
				t.Errorf("kernel %s, %T: gradB %v, want %v within %g", k, gradB, gradB, wantB, tol)
			}
		}
		for j, g := range gradW {
			want := 2 * lambda * float64(w[j])
			tol := 4 * eps * math.Abs(want)
			if n > 0 {
				want += 2 * grad[j] / n
				tol += 2*tolGrad[j]/n + 4*eps*math.Abs(2*grad[j]/n)
			}
			if d := math.Abs(float64(g) - want); !(d <= tol) {
				t.Errorf("kernel %s, %T: gradW[%d] = %v, want %v within %g", k, g, j, g, want, tol)
			}
		}
	}
}
