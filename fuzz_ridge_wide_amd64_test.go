//go:build !purego && linux

package vecfit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// FuzzRidgeWide runs both wide AVX-512 ridge kernels on float32 rows of
// 1 to 2100 columns or float64 rows of 1 to 1100, with 0 to 255 rows.
// X, y, w and grad lie flush against a guard page. The sums and grad must
// match the float64 loop within the bounds of ridgeBounds.
// Values span a range of 2⁻²¹ to 2²¹ around a common scale, with some
// zeros and negative zeros, and the scales keep every product, residual
// and square in the normal range of the type.
func FuzzRidgeWide(f *testing.F) {
	f.Add(uint16(512), uint8(5), uint64(1), int8(0), int8(0), false, false)
	f.Add(uint16(1030), uint8(9), uint64(2), int8(10), int8(-7), true, false)
	f.Add(uint16(256), uint8(4), uint64(3), int8(-12), int8(3), true, true)
	f.Add(uint16(1023), uint8(255), uint64(4), int8(5), int8(5), false, true)
	f.Fuzz(func(t *testing.T, dimSeed uint16, rows uint8, seed uint64, xExp, wExp int8, atEnd, double bool) {
		if !slices.Contains(Kernels(), "avx512") {
			t.Skip("this CPU lacks avx512")
		}
		sx, sw := int(xExp)%16, int(wExp)%16
		if double {
			dim := 1 + int(dimSeed)%1100
			fuzzRidgeWide[float64](t, dim, int(rows), seed, sx, sw, atEnd)
			return
		}
		dim := 1 + int(dimSeed)%2100
		fuzzRidgeWide[float32](t, dim, int(rows), seed, sx, sw, atEnd)
	})
}

func fuzzRidgeWide[F Float](t *testing.T, dim, n int, seed uint64, sx, sw int, atEnd bool) {
	rng := rand.New(rand.NewPCG(seed, uint64(dim)))
	value := func(scale int) F {
		switch rng.IntN(16) {
		case 0:
			return 0
		case 1:
			return F(math.Copysign(0, -1))
		}
		return F(math.Ldexp(rng.NormFloat64(), scale+rng.IntN(13)-6))
	}
	X := guardedRidgeSlice[F](t, n*dim, atEnd)
	for i := range X {
		X[i] = value(sx)
	}
	y := guardedRidgeSlice[F](t, n, atEnd)
	for i := range y {
		y[i] = value(sx + sw)
	}
	w := guardedRidgeSlice[F](t, dim, atEnd)
	for j := range w {
		w[j] = value(sw)
	}
	b := value(sx + sw)
	grad := guardedRidgeSlice[F](t, dim, atEnd)
	for _, kern := range wideRidgeKernels[F]() {
		name := fmt.Sprintf("%T %s kernel dim %d n %d seed %d scales 2^%d 2^%d guard at end %v",
			F(0), kern.name, dim, n, seed, sx, sw, atEnd)
		checkRidgeKernel(t, name, kern.fn, X, y, w, b, grad)
	}
}
