package vecfit

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// FuzzFitRidge decodes a small ridge problem from the fuzz input and fits
// it with every kernel, as float64 and as float32 input. A fit must return
// finite weights or an error wrapping one of the package's sentinel
// errors. With λ > 0 and a condition number κ of the solved system below
// 10⁸, the weights must also agree with a 256-bit solve within
// 64·(n+dim)·κ·ε of the largest exact weight.
//
// Input layout: byte 0 picks dim (1…12), byte 1 the rows (1…12), byte 2
// the options (bit 0 no intercept, bit 1 weights), byte 3 λ = 2^(b/4 − 32)
// or 0 for b = 0; then int16 values, scaled by 1/256, fill X, then y, then
// the weights (their absolute values), repeating when the input runs out.
func FuzzFitRidge(f *testing.F) {
	f.Add([]byte{3, 2, 0, 128, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Add([]byte{10, 4, 3, 100, 0xff, 0x7f, 0x00, 0x80, 1, 0, 9, 9})
	f.Add([]byte{2, 9, 1, 0, 1, 0, 2, 0, 3, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		dim := 1 + int(data[0])%12
		n := 1 + int(data[1])%12
		opts := RidgeOptions{NoIntercept: data[2]&1 != 0}
		lambda := 0.0
		if data[3] != 0 {
			lambda = math.Ldexp(1, int(data[3])/4-32)
		}
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
		X := make([]float64, n*dim)
		for i := range X {
			X[i] = value()
		}
		y := make([]float64, n)
		for i := range y {
			y[i] = value()
		}
		if data[2]&2 != 0 {
			opts.Weights = make([]float64, n)
			for i := range opts.Weights {
				opts.Weights[i] = math.Abs(value())
			}
		}

		var wantW []float64
		var wantB, tolW, tolB float64
		if lambda > 0 && hasPositive(opts.Weights) {
			wantW, wantB, tolW, tolB = fuzzRidgeReference(X, y, dim, lambda, opts)
		}
		for _, kern := range Kernels() {
			opts.Kernel = kern
			for _, float32Input := range []bool{false, true} {
				var m *RidgeModel
				var err error
				if float32Input {
					m, err = FitRidge(toFloat32(X), toFloat32(y), dim, lambda, opts)
				} else {
					m, err = FitRidge(X, y, dim, lambda, opts)
				}
				checkFuzzFit(t, kern, float32Input, m, err, wantW, wantB, tolW, tolB)
			}
		}
	})
}

// hasPositive reports whether weights is nil (every row counts) or
// contains a positive weight.
func hasPositive(weights []float64) bool {
	if weights == nil {
		return true
	}
	for _, v := range weights {
		if v > 0 {
			return true
		}
	}
	return false
}

// fuzzRidgeReference returns the 256-bit solution and the tolerances of
// FuzzFitRidge, or nil weights when the system's condition number
// κ = (‖Z‖²_F + s)/s, with s = λ·Σw, is 10⁸ or more. A Cholesky solve is
// off by about κ·ε relative to the weights, plus the rounding of Zᵀt
// and of the means divided by s, the smallest eigenvalue of the system.
// The latter matters when the weights cancel to near 0.
func fuzzRidgeReference(X, y []float64, dim int, lambda float64, opts RidgeOptions) (w []float64, b, tolW, tolB float64) {
	n := len(y)
	weight := func(i int) float64 {
		if opts.Weights == nil {
			return 1
		}
		return opts.Weights[i]
	}
	var sum, meanY float64
	meanX := make([]float64, dim)
	for i := range n {
		sum += weight(i)
		meanY += weight(i) * y[i]
		for j := range dim {
			meanX[j] += weight(i) * X[i*dim+j]
		}
	}
	if opts.NoIntercept {
		clear(meanX)
		meanY = 0
	} else {
		for j := range meanX {
			meanX[j] /= sum
		}
		meanY /= sum
	}
	var normMean float64
	for _, v := range meanX {
		normMean += v * v
	}
	normMean = math.Sqrt(normMean)

	w, b = exactRidge(X, y, dim, lambda, opts.Weights, opts.NoIntercept)
	largest := 0.0
	for _, v := range w {
		largest = max(largest, math.Abs(v))
	}
	// frobenius is ‖Z‖²_F, and rhs bounds the rounding of Zᵀt and of the
	// centring, before the factor ε.
	var frobenius, rhs float64
	for i := range n {
		var norm float64
		for j := range dim {
			d := X[i*dim+j] - meanX[j]
			norm += d * d
		}
		frobenius += weight(i) * norm
		t := y[i] - meanY
		rhs += weight(i) * math.Sqrt(norm) * (math.Abs(t) + math.Abs(meanY) + normMean*largest)
	}
	s := lambda * sum
	kappa := (frobenius + s) / s
	if !(kappa < 1e8) {
		return nil, 0, 0, 0
	}
	// 2⁻¹⁸⁰ covers the 256-bit solve's own rounding, about 2⁻²⁵⁶ times
	// the data's scale over s, where the exact weights are 0.
	tolW = 64*float64(n+dim)*0x1p-52*(kappa*largest+rhs/s) + 0x1p-180
	// b = ȳ − x̄·w carries the weights' error times |x̄|, and rounding of ȳ.
	tolB = 64 * float64(n+dim) * 0x1p-52 * math.Abs(b)
	for j, v := range meanX {
		tolB += math.Abs(v) * (tolW + 64*0x1p-52*math.Abs(w[j]))
	}
	for _, v := range y {
		tolB += 64 * 0x1p-52 * math.Abs(v)
	}
	return w, b, tolW, tolB
}

// checkFuzzFit checks one fit of FuzzFitRidge.
func checkFuzzFit(t *testing.T, kern string, float32Input bool, m *RidgeModel, err error, wantW []float64, wantB, tolW, tolB float64) {
	t.Helper()
	if err != nil {
		sentinel := false
		for _, s := range []error{ErrDim, ErrLength, ErrNaN, ErrOption, ErrSingular} {
			sentinel = sentinel || errors.Is(err, s)
		}
		if !sentinel {
			t.Errorf("kernel %s, float32 %v: error %v wraps no sentinel error", kern, float32Input, err)
		}
		if wantW != nil {
			t.Errorf("kernel %s, float32 %v: error %v for a system of condition number below 1e8", kern, float32Input, err)
		}
		return
	}
	for j, v := range m.Weights {
		if !isFinite(v) {
			t.Errorf("kernel %s, float32 %v: Weights[%d] = %v", kern, float32Input, j, v)
		}
	}
	if !isFinite(m.Bias) {
		t.Errorf("kernel %s, float32 %v: Bias = %v", kern, float32Input, m.Bias)
	}
	if wantW == nil {
		return
	}
	for j, v := range m.Weights {
		if d := math.Abs(v - wantW[j]); !(d <= tolW) {
			t.Errorf("kernel %s, float32 %v: Weights[%d] = %.17g, want %.17g within %g", kern, float32Input, j, v, wantW[j], tolW)
		}
	}
	if d := math.Abs(m.Bias - wantB); !(d <= tolB) {
		t.Errorf("kernel %s, float32 %v: Bias = %.17g, want %.17g within %g", kern, float32Input, m.Bias, wantB, tolB)
	}
}
