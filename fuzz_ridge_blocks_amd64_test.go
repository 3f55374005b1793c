//go:build !purego && amd64 && linux

package vecfit

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// FuzzRidgeBlocks decodes a case of 16 float32 or 8 float64 columns and
// up to three chunks of rows. The avx512 kernel, which runs the block
// kernels on whole blocks, must give the bits and errors of the per-block
// path for Workers 1 and 2, and stay within ridgeBounds of the float64
// loop. FuzzRidgeGrad never reaches the block kernels, because its cases
// have under 64 rows.
//
// Input layout: byte 0 picks the type (even: float32) and the offset of
// the slices (bit 1). Bytes 1 and 2 give the rows (0…12587), byte 3 the
// bias and byte 4 lambda. Then groups of 3 bytes fill w, X and y, and
// repeat when the input runs out: an int16 mantissa scaled by 1/256, and
// an exponent byte e that scales it by 2^(e%48−24).
func FuzzRidgeBlocks(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0})
	f.Add([]byte{1, 0x2c, 0x21, 8, 3, 1, 2, 24, 3, 4, 24, 0xff, 0x7f, 40})
	f.Add([]byte{2, 0x00, 0x10, 200, 1, 0, 0x80, 24, 0xff, 0xff, 47})
	f.Add([]byte{3, 0x01, 0x01, 16, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 5 {
			return
		}
		registerPerBlockKernel(t)
		useFloat32 := data[0]%2 == 0
		offset := int(data[0]>>1) % 2
		n := int(binary.LittleEndian.Uint16(data[1:])) % (3*ridgeChunkRows + 300)
		b := float64(int8(data[3])) / 16
		lambda := float64(data[4]%4) / 8
		values := data[5:]
		next := 0
		value := func() float64 {
			if len(values) < 3 {
				return 0
			}
			m := int16(binary.LittleEndian.Uint16(values[next:]))
			e := int(values[next+2]%48) - 24
			next = (next + 3) % (len(values) - 2)
			return math.Ldexp(float64(m)/256, e)
		}
		dim := 8
		if useFloat32 {
			dim = 16
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
		if useFloat32 {
			fuzzBlocks(t, offset, toFloat32(X), toFloat32(y), toFloat32(w), float32(b), float32(lambda))
		} else {
			fuzzBlocks(t, offset, X, y, w, b, lambda)
		}
	})
}

func fuzzBlocks[F Float](t *testing.T, offset int, X, y, w []F, b, lambda F) {
	c := ridgeCase[F]{X: X, y: y, w: w, b: b, lambda: lambda, dim: len(w), n: len(y)}
	c.description = fmt.Sprintf("%T dim %d n %d offset %d", F(0), c.dim, c.n, offset)
	want := runRidge(Options{Kernel: perBlockKernelName, Workers: 1}, c, 0)
	for _, workers := range []int{1, 2} {
		got := runRidge(Options{Kernel: "avx512", Workers: workers}, c, offset)
		compareRidgeResults(t, fmt.Sprintf("%s workers %d", c.description, workers), got, want)
	}
	if want.err != "" {
		return
	}

	sumSq, sum, grad, tolSq, tolSum, tolGrad := ridgeBounds(X, y, w, b)
	n := float64(len(y))
	eps := ridgeEpsilon[F]()
	var norm float64
	for _, v := range w {
		norm += float64(v) * float64(v)
	}
	lam := float64(lambda)
	wantLoss, tolLoss := lam*norm, 4*eps*lam*norm
	if n > 0 {
		wantLoss += sumSq / n
		tolLoss += tolSq/n + 4*eps*sumSq/n
	}
	// ridgeBounds scales with the terms, which can be subnormal, so
	// allow a few subnormal spacings of F per row and column.
	tiny := 4 * smallestNonzero[F]() * float64(len(y)+len(w)+4)
	tolLoss += tiny
	if d := math.Abs(float64(want.loss) - wantLoss); !(d <= tolLoss) {
		t.Errorf("%s: loss %v, float64 loop %v within %g", c.description, want.loss, wantLoss, tolLoss)
	}
	if n > 0 {
		wantB := 2 * sum / n
		if d, tol := math.Abs(float64(want.gradB)-wantB), 2*tolSum/n+4*eps*math.Abs(wantB)+tiny; !(d <= tol) {
			t.Errorf("%s: gradB %v, float64 loop %v within %g", c.description, want.gradB, wantB, tol)
		}
	}
	for j, g := range want.grad {
		wantG := 2 * lam * float64(w[j])
		tol := 4*eps*math.Abs(wantG) + tiny
		if n > 0 {
			wantG += 2 * grad[j] / n
			tol += 2*tolGrad[j]/n + 4*eps*math.Abs(2*grad[j]/n)
		}
		if d := math.Abs(float64(g) - wantG); !(d <= tol) {
			t.Errorf("%s: gradW[%d] = %v, float64 loop %v within %g", c.description, j, g, wantG, tol)
		}
	}
}
