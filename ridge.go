package vecfit

import (
	"fmt"
	"math"
	"math/bits"
	"unsafe"
)

const (
	// ridgeBlockRows is the number of rows that one call of a ridge
	// kernel covers. Its sums are formed in the input type, so the
	// rounding error of a block grows with this size and no further:
	// block sums are added in float64.
	ridgeBlockRows = 256

	// ridgeChunkRows is the number of rows in one unit of parallel work.
	// Each chunk adds its blocks in order into float64 sums, and the
	// chunks are added in order, so results do not depend on the number
	// of goroutines.
	ridgeChunkRows = 16 * ridgeBlockRows

	// ridgePlacedMinBytes is the size of X from which ridgeScratch places
	// the gradient scratch relative to w, at the cost of a 4 KiB larger
	// allocation. On one core of an AMD EPYC (Zen 4), RidgeGrad on
	// 256 × 16 float32 took 0.5 µs with a plain allocation and 1.1–1.3 µs
	// with placement, and on 4,096 × 16 about 10% less time. From
	// 16,384 × 16 (1 MiB) on, placement was up to 10% faster.
	ridgePlacedMinBytes = 1 << 20
)

// RidgeLoss returns the ridge regression objective
//
//	mean((X·w + b − y)²) + λ‖w‖²
//
// for X with len(w) columns and len(y) rows, lambda being λ ≥ 0. The bias
// b is not penalised. Residuals are summed in F over blocks of 256 rows,
// and the block sums are added in float64 in a fixed order, so the result
// does not depend on the number of goroutines. Where a block sum
// overflows F, the sums are formed again in float64 with their exponents
// kept apart, so a loss within F's range is returned. With no rows, the mean is 0. A NaN
// or infinity in X or y is an error that names the row.
//
// The objective of scikit-learn's Ridge(alpha) is ‖Xw + b − y‖² + α‖w‖²,
// n times this one with α = n·λ. PyTorch's SGD with weight_decay=wd adds
// wd·w to the gradient of MSELoss, which is the gradient of this
// objective for wd = 2λ (with the bias excluded from weight decay).
func RidgeLoss[F Float](X, y, w []F, b, lambda F) (F, error) {
	return RidgeLossWith(Options{}, X, y, w, b, lambda)
}

// RidgeLossWith is [RidgeLoss] with options.
func RidgeLossWith[F Float](opts Options, X, y, w []F, b, lambda F) (F, error) {
	loss, _, err := ridgeEval(opts, nil, X, y, w, b, lambda)
	return loss, err
}

// RidgeGrad returns the loss of [RidgeLoss] and writes its gradient with
// respect to w, (2/n)·Xᵀr + 2λw with r = X·w + b − y, into gradW, which
// must have len(w) values. It returns the gradient with respect to b,
// (2/n)·Σr, as gradB. X is read once: each row's residual and its share of
// the gradient are computed while the row is in cache. On error, gradW is
// left unchanged.
func RidgeGrad[F Float](gradW []F, X, y, w []F, b, lambda F) (loss, gradB F, err error) {
	return RidgeGradWith(Options{}, gradW, X, y, w, b, lambda)
}

// RidgeGradWith is [RidgeGrad] with options.
func RidgeGradWith[F Float](opts Options, gradW []F, X, y, w []F, b, lambda F) (loss, gradB F, err error) {
	if len(gradW) != len(w) {
		return 0, 0, fmt.Errorf("%w: gradW has length %d, want %d (one per weight)", ErrLength, len(gradW), len(w))
	}
	return ridgeEval(opts, gradW, X, y, w, b, lambda)
}

// ridgeEval computes the ridge loss and, when gradW is not nil, the
// gradient.
func ridgeEval[F Float](opts Options, gradW []F, X, y, w []F, b, lambda F) (F, F, error) {
	dim := len(w)
	if dim < 1 {
		return 0, 0, fmt.Errorf("%w: w is empty, want at least one weight", ErrDim)
	}
	if len(X)%dim != 0 {
		return 0, 0, fmt.Errorf("%w: X has length %d, not a multiple of len(w) = %d", ErrLength, len(X), dim)
	}
	n := len(X) / dim
	if len(y) != n {
		return 0, 0, fmt.Errorf("%w: y has length %d, want %d (one per row of X)", ErrLength, len(y), n)
	}
	if !(lambda >= 0) || math.IsInf(float64(lambda), 1) {
		return 0, 0, fmt.Errorf("%w: lambda is %v, want a finite value ≥ 0", ErrOption, lambda)
	}
	if !isFinite(float64(b)) {
		return 0, 0, fmt.Errorf("%w: bias is %v", ErrNaN, b)
	}
	if !allFinite(w) {
		for j, v := range w {
			if !isFinite(float64(v)) {
				return 0, 0, fmt.Errorf("%w: w[%d] is %v", ErrNaN, j, v)
			}
		}
	}
	k, err := lookupKernel(opts.Kernel)
	if err != nil {
		return 0, 0, err
	}
	kern := ridgeFor[F](k)
	blocksKern := ridgeBlocksFor[F](k, dim)

	// partial holds Σr², Σr and Σ r·x for each chunk, in one allocation,
	// since small batches in a training loop call this often.
	width := dim + 2
	chunks := (n + ridgeChunkRows - 1) / ridgeChunkRows
	partial := make([]float64, max(chunks, 1)*width)
	if workers := workerCount(opts.Workers, chunks, n*dim); workers > 1 {
		parallel(workers, chunks, func(c int, scratch *[]F) {
			if *scratch == nil {
				*scratch = ridgeScratch(w, len(X))
			}
			lo, hi := c*ridgeChunkRows, min((c+1)*ridgeChunkRows, n)
			ridgeChunk(partial[c*width:(c+1)*width], *scratch, kern, blocksKern, X[lo*dim:hi*dim], y[lo:hi], w, b)
		})
	} else if n > 0 {
		grad := ridgeScratch(w, len(X))
		for c := range chunks {
			lo, hi := c*ridgeChunkRows, min((c+1)*ridgeChunkRows, n)
			ridgeChunk(partial[c*width:(c+1)*width], grad, kern, blocksKern, X[lo*dim:hi*dim], y[lo:hi], w, b)
		}
	}

	// means, the first chunk's slot, becomes mean(r²), mean(r) and
	// mean(r·xⱼ). The chunks are added in order, so the sums do not depend
	// on the number of goroutines.
	means := partial[:width]
	for c := 1; c < chunks; c++ {
		for k, v := range partial[c*width : (c+1)*width] {
			means[k] += v
		}
	}
	if n > 0 {
		scale := 1 / float64(n)
		for k := range means {
			means[k] *= scale
		}
	}

	lam := float64(lambda)
	penalty := ridgePenalty(w, lam)
	// finish forms the loss and the gradient with respect to b from means,
	// and checks that they and the gradient with respect to w, 2·mean(r·x)
	// + 2λw, are finite in F.
	finish := func() (loss, gradB float64, finite bool) {
		loss = means[0] + penalty
		gradB = 2 * means[1]
		finite = isFinite(float64(F(loss))) && isFinite(float64(F(gradB)))
		if gradW != nil {
			var nonFinite uint64
			for j, m := range means[2:] {
				g := F(2*m + ridgePenaltyGrad(w[j], lam))
				nonFinite |= math.Float64bits(float64(g - g))
			}
			finite = finite && nonFinite == 0
		}
		return loss, gradB, finite
	}
	loss, gradB, finite := finish()
	if !finite {
		penaltyFinite := isFinite(float64(F(penalty)))
		if gradW != nil {
			for _, v := range w {
				penaltyFinite = penaltyFinite && isFinite(float64(F(ridgePenaltyGrad(v, lam))))
			}
		}
		if penaltyFinite {
			if _, bad := firstNonFinite(X, y, dim); !bad {
				// Sums in F can overflow where the means do not, such
				// as 38 float32 squared residuals of 9e36.
				ridgeScaledMeans(means, X, y, w, b, gradW != nil)
				loss, gradB, finite = finish()
			}
		}
		if !finite {
			// gradW is written only once every value is known to be
			// finite, so an error leaves it unchanged.
			return 0, 0, ridgeNonFinite(X, y, dim, means[0], penalty, penaltyFinite)
		}
	}
	if gradW != nil {
		for j, m := range means[2:] {
			gradW[j] = F(2*m + ridgePenaltyGrad(w[j], lam))
		}
	}
	return F(loss), F(gradB), nil
}

// ridgeChunk adds Σr², Σr and Σ r·x over the rows of X and y to out, block
// by block. blocksKern, when not nil, runs the whole blocks. kern runs the
// rest one block at a time into grad, whose sums are then added to out in
// float64.
func ridgeChunk[F Float](out []float64, grad []F, kern func(grad, X, y, w []F, b F) (F, F),
	blocksKern func(out []float64, X, y, w []F, b F, blocks int), X, y, w []F, b F) {
	dim := len(w)
	lo, n := 0, len(y)
	if blocksKern != nil {
		blocks := n / ridgeBlockRows
		blocksKern(out, X, y, w, b, blocks)
		lo = blocks * ridgeBlockRows
	}
	for i := lo; i < n; i += ridgeBlockRows {
		end := min(i+ridgeBlockRows, n)
		clear(grad)
		sumSq, sum := kern(grad, X[i*dim:end*dim], y[i:end], w, b)
		out[0] += float64(sumSq)
		out[1] += float64(sum)
		sums := out[2 : 2+len(grad)]
		for j, v := range grad {
			sums[j] += float64(v)
		}
	}
}

// ridgePenalty returns λ‖w‖² in float64. With λ = 0 the penalty is 0 even
// when ‖w‖² overflows. Otherwise an overflowing ‖w‖² is summed again with
// its exponent kept apart, since λ‖w‖² may still be finite.
func ridgePenalty[F Float](w []F, lam float64) float64 {
	if lam == 0 {
		return 0
	}
	var norm float64
	for _, v := range w {
		norm += float64(v) * float64(v)
	}
	if !math.IsInf(norm, 1) {
		return lam * norm
	}
	var sum scaledSum
	for _, v := range w {
		m, e := math.Frexp(float64(v))
		sum = sum.add(m*m, 2*e)
	}
	return math.Ldexp(lam*sum.frac, sum.exp)
}

// ridgeScaledMeans sets means to mean(r²), mean(r) and, when withGrad is
// true, mean(r·xⱼ) for each column j, for the residuals r = X·w + b − y.
// It works from the data in float64, and sums each product as a scaledSum,
// with its exponent kept apart, so that no product or sum overflows or
// underflows unless the mean does. Blocks of ridgeBlockRows rows are summed
// in order, as the kernels' sums are. It is slower than the kernels, so
// ridgeEval calls it only when their sums overflow.
func ridgeScaledMeans[F Float](means []float64, X, y, w []F, b F, withGrad bool) {
	dim := len(w)
	n := len(y)
	total := make([]scaledSum, len(means))
	block := make([]scaledSum, len(means))
	for lo := 0; lo < n; lo += ridgeBlockRows {
		clear(block)
		for i := lo; i < min(lo+ridgeBlockRows, n); i++ {
			x := X[i*dim : (i+1)*dim]
			mr, er := math.Frexp(scaledResidual(x, w, b, y[i]))
			block[0] = block[0].add(mr*mr, 2*er)
			block[1] = block[1].add(mr, er)
			if withGrad {
				for j, v := range x {
					mx, ex := math.Frexp(float64(v))
					block[2+j] = block[2+j].add(mr*mx, er+ex)
				}
			}
		}
		for k, v := range block {
			total[k] = total[k].add(v.frac, v.exp)
		}
	}
	for k, v := range total {
		means[k] = math.Ldexp(v.frac/float64(n), v.exp)
	}
}

// scaledResidual returns x·w + b − y in float64. When that sum overflows
// on the way, as 1e308 + 1e308 − 1e308 − 1e308 does, it forms the sum
// again with every term divided by a power of two, so that a residual
// within float64 comes out finite.
func scaledResidual[F Float](x, w []F, b, y F) float64 {
	return scaledAffine(x, w, float64(b), float64(y))
}

// scaledAffine returns x·w + b − y in float64 as scaledResidual does, for
// weights of any element type.
func scaledAffine[F, G Float](x []F, w []G, b, y float64) float64 {
	v := b - y
	for j, xj := range x {
		v += float64(xj) * float64(w[j])
	}
	if isFinite(v) {
		return v
	}
	// Terms below 2^e, and their sum below 2^(e+bits), stay finite once
	// divided by 2^(e+bits−1000).
	exponent := func(v float64) int {
		_, e := math.Frexp(v)
		return e
	}
	e := max(exponent(b), exponent(y))
	for j, xj := range x {
		if xj != 0 && w[j] != 0 {
			e = max(e, exponent(float64(xj))+exponent(float64(w[j])))
		}
	}
	shift := e + bits.Len(uint(len(x)+2)) - 1000
	v = math.Ldexp(b, -shift) - math.Ldexp(y, -shift)
	for j, xj := range x {
		v += math.Ldexp(float64(xj), -shift) * float64(w[j])
	}
	return math.Ldexp(v, shift)
}

// ridgeScratch returns a slice of len(w) zeros for the gradient of one
// block. For an X of values elements and at least ridgePlacedMinBytes, it
// places the slice 2 KiB minus one row of X (len(w) values) past w,
// modulo 4 KiB.
//
// The kernels read w and add to this slice once per group of rows, so
// both stay in the L1 cache, and where they sit relative to X matters.
// The wide AVX-512 kernel was measured on one core of an AMD EPYC (Zen 5)
// with w and X at the same offset modulo 4 KiB. With the slice one row of
// X before w, modulo 4 KiB, it read 768 or 640 float32 columns at
// 26 GB/s, against 36 to 43 at the other 15 offsets tried, 256 bytes
// apart. With w 512 bytes past X's offset, none of 32 offsets was slow.
// A fresh allocation from Go's 3072-byte size class lands on the slow
// offset in one call of four at 768 columns.
// NOTE: the cause, perhaps conflicts in the 12-way L1 cache, was not
// measured, so other slow placements may exist for other row lengths.
func ridgeScratch[F Float](w []F, values int) []F {
	const page = 4096
	size := int(unsafe.Sizeof(F(0)))
	if values*size < ridgePlacedMinBytes {
		return make([]F, len(w))
	}
	buf := make([]F, len(w)+page/size)
	base := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % page)
	wAddr := int(uintptr(unsafe.Pointer(unsafe.SliceData(w))) % page)
	want := ((wAddr+page/2-len(w)*size)%page + page) % page
	shift := (want - base + page) % page / size
	return buf[shift : shift+len(w) : shift+len(w)]
}

// ridgeNonFinite returns the error for a loss or gradient that came out
// NaN or infinite. It names the first row of X or y that holds a NaN or an
// infinity, or else the term that overflows: the penalty λ‖w‖² and its
// gradient 2λw when penaltyFinite is false, else the residual term.
func ridgeNonFinite[F Float](X, y []F, dim int, fit, penalty float64, penaltyFinite bool) error {
	if row, ok := firstNonFinite(X, y, dim); ok {
		return fmt.Errorf("%w: row %d of X or y contains %s", ErrNaN, row, describeRow(X, y, dim, row))
	}
	var zero F
	if !penaltyFinite {
		return fmt.Errorf("%w: the penalty λ‖w‖² (%v) or its gradient 2λw overflows %T; reduce lambda or the weights w",
			ErrNaN, penalty, zero)
	}
	switch {
	case !isFinite(float64(F(fit))):
		return fmt.Errorf("%w: the mean squared residual overflows %T; scale X, y, w and b down", ErrNaN, zero)
	case !isFinite(float64(F(fit + penalty))):
		return fmt.Errorf("%w: the loss, mean squared residual %v plus penalty %v, overflows %T; scale X, y, w and b down",
			ErrNaN, fit, penalty, zero)
	}
	return fmt.Errorf("%w: the gradient (2/n)·Xᵀr or (2/n)·Σr overflows %T, though the mean squared residual is %v; scale X, y, w and b down",
		ErrNaN, zero, fit)
}

// firstNonFinite returns the first row i such that y[i] or a value of row
// i of X is NaN or infinite.
func firstNonFinite[F Float](X, y []F, dim int) (int, bool) {
	for i, yi := range y {
		if !isFinite(float64(yi)) {
			return i, true
		}
		for _, v := range X[i*dim : (i+1)*dim] {
			if !isFinite(float64(v)) {
				return i, true
			}
		}
	}
	return 0, false
}

// describeRow names the first non-finite value of row i.
func describeRow[F Float](X, y []F, dim, i int) string {
	for j, v := range X[i*dim : (i+1)*dim] {
		if !isFinite(float64(v)) {
			return fmt.Sprintf("X[%d][%d] = %v", i, j, v)
		}
	}
	return fmt.Sprintf("y[%d] = %v", i, y[i])
}

// ridgePenaltyGrad returns 2λv, the gradient of the penalty for a weight
// v, and +0 for λ = 0, so that a gradient of −0 + 2λv is +0. The
// conversion rounds 2λv by itself, which keeps a compiler that fuses
// multiply-adds, as on arm64 or with GOAMD64=v3, from fusing it into the
// sum it is added to: results do not depend on the build target.
func ridgePenaltyGrad[F Float](v F, lam float64) float64 {
	if lam == 0 {
		return 0
	}
	return float64(2 * lam * float64(v))
}

// allFinite reports whether every value of v is finite. The bits of v − v
// are all zero for a finite v, and those of a NaN otherwise.
func allFinite[F Float](v []F) bool {
	var bits uint64
	for _, x := range v {
		bits |= math.Float64bits(float64(x - x))
	}
	return bits == 0
}

// isFinite reports whether v is neither NaN nor infinite: v − v is 0 for
// a finite v and NaN otherwise.
func isFinite(v float64) bool { return v-v == 0 }
