package vecfit

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"unsafe"
)

// RidgeOptions selects how [FitRidge] fits. The zero value fits a bias,
// weighs every row equally and uses the fastest kernel on up to GOMAXPROCS
// goroutines.
type RidgeOptions struct {
	// NoIntercept fits without a bias (b = 0): X and y are not centred.
	NoIntercept bool

	// Weights, when not nil, holds one weight ≥ 0 per row. The objective
	// becomes Σ wᵢ·rᵢ² / Σ wᵢ + λ‖w‖²: a row of weight 0 counts as absent
	// and a weight of 2 as a repeated row. The fit divides the weights by
	// the power of two that brings the largest into [1, 2), which is exact
	// for weights of at least 2⁻¹⁰²² times the largest, so scaling every
	// weight by the same factor changes the fit only by rounding. Smaller
	// weights lose precision, and one below about 2⁻¹⁰⁷⁴ times the largest
	// rounds to 0 and then counts as 0.
	//
	// NOTE: a row whose weight is below about ε² (1e-32) of Σwᵢ moves the
	// means by less than the rounding of the centring. Where λ is as small
	// as that weight, the row decides the fit, which is then inexact: two
	// rows of weights 1.26 and 1e-100 at λ = 1e-100 were 95% off. Weights
	// spanning more than that with λ below about ε² fail alike: four rows
	// weighted 0.7, 1e300, 0.7 and 0.7 at λ = 1e-100 gave a weight of −1.6
	// where 1e-200 is right, with no error.
	Weights []float64

	// Workers is the maximum number of goroutines. Zero or less means
	// GOMAXPROCS. The fit is the same bit for bit for any value.
	Workers int

	// Kernel names the kernel to run, one of Kernels(). Empty selects
	// Kernel().
	Kernel string
}

// RidgeModel is a fitted linear model: the prediction for a row x is
// x·Weights + Bias.
type RidgeModel struct {
	Weights []float64
	Bias    float64
}

// rankTolerance is the relative size below which a Cholesky pivot counts
// as zero when λ = 0: column j is then a linear combination of the
// columns before it, up to a part of relative size √rankTolerance.
const rankTolerance = 1e-12

// pivotFloor is the relative size at or below which a Cholesky pivot
// counts as zero for any λ. A pivot that small is within an estimated
// rounding error of XᵀX (a few hundred ε of its diagonal entry), so its
// value, and even its sign, depends on the order of the sums.
const pivotFloor = 0x1p-44

// FitRidge returns the weights and bias that minimise
// mean((X·w + b − y)²) + λ‖w‖² for X with n = len(y) rows of dim columns,
// lambda being λ ≥ 0. The bias is not penalised: X and y are centred on
// their (weighted) means, the weights solve the centred problem and the
// bias restores the means.
//
// scikit-learn's Ridge(alpha=α) fits the same model for α = n·λ (its
// objective is ‖Xw + b − y‖² + α‖w‖², n times this one), and with
// sample_weight for α = λ·Σwᵢ. PyTorch's SGD on MSELoss with
// weight_decay=wd on the weights alone converges to it for wd = 2λ.
//
// The Gram matrix XᵀX of the centred rows is accumulated in float64 by the
// SIMD kernel and solved by Cholesky factorisation. Centring takes two
// passes over X, one for the means and one for XᵀX. Without Weights, with
// the intercept and λ > 0, FitRidge takes one: it centres on the means of
// 256 rows spread over X and subtracts from XᵀX the part that the
// difference to the true means adds. Where that would lose more than
// about a bit of a column's centred sum of squares, or of y's, as for a
// constant column or y whose sample mean is not exact, it starts again
// with the two passes. So does non-finite data. With λ > 0 and m rows
// of nonzero weight too few for XᵀX to have full rank (m ≤ dim with the
// intercept, m < dim without), FitRidge solves the dual form instead,
// (XXᵀ + λ·Σwᵢ·I)·α = y with w = Xᵀα on the same weighted rows. Its m×m
// system costs about m²·dim rather than m·dim² + dim³/3, and is usually
// more accurate there. Its rows are centred twice, the second time on
// their mean deviation, and the direction that centring makes singular
// is lifted, which leaves the weights unchanged. Its pivots follow the
// λ > 0 rule below, and the error names a row instead of a column. A
// column far larger than the others can make the dual system
// ill-conditioned where the primal one is not, because the primal
// factorisation is unaffected by column scales. So where the dual
// system's κ, estimated as below, exceeds 2²² or it is singular, and dim
// is at most 4096, FitRidge fits the primal form instead. With more
// columns, whose primal factorisation would cost seconds, a singular
// dual system is an error, and above κ = 2²² FitRidge refines the weights
// from residuals of the primal system formed from the data, solving for
// each correction with the dual factorisation. Where that leaves the
// weights more than about 2⁻³⁰ off, relative and with each column scaled
// by its norm, it returns an error wrapping [ErrSingular]. That happened
// in one of 40 random fits with a column 10³ to 10⁹ times the others and
// λ from 10⁻³ to 10³, but in most fits once that column's scale squared
// over λ passed about 10¹⁶, as for a column of 10⁵ at λ = 10⁻⁶: scale
// the columns to similar ranges, as is usual before a ridge fit.
//
// With λ = 0 a singular XᵀX (a constant or duplicate column, more columns
// than rows) is an error wrapping [ErrSingular], by the following rule. It
// names the column, or, where there are too few rows, their number. With fewer rows of nonzero weight than dim
// (dim + 1 with the intercept), the system is singular. Otherwise the
// factorisation computes, for each column j in order, the pivot
// sⱼ = Aⱼⱼ − Σₖ Lⱼₖ² over k = 0…j−1, where A is XᵀX of the weighted (and,
// with the intercept, centred) rows and L is its Cholesky factor. sⱼ is
// the squared norm of the part of column j orthogonal to columns 0…j−1.
// The system is singular when sⱼ ≤ 10⁻¹²·Aⱼⱼ, that is when that part is
// at most 10⁻⁶ of the column's norm, and the error names the first such
// j. With the intercept it is also singular when √sⱼ is within the
// rounding noise that centring on an inexact float64 mean can leave.
// FitRidge bounds that noise by 4·t·ε·√(Σwᵢ)·|x̄ⱼ|, for ε = 2⁻⁵², x̄ⱼ the
// column's mean and t = min(m, min(n, 4096) + ⌈n/4096⌉), as the mean adds
// rows in blocks of 4096 and then the blocks' sums. When a column fails
// only that test, FitRidge takes the mean deviation cⱼ = Σwᵢ·(xᵢⱼ − x̄ⱼ)/Σwᵢ
// from a second pass over X and subtracts Σwᵢ·c·cᵀ from XᵀX, which
// centres it on the exact mean, and tests again against
// √(4·m·ε·Aⱼⱼ) + 4·(t+1)·ε·√(Σwᵢ)·maxᵢ|xᵢⱼ − x̄ⱼ|, with Aⱼⱼ before the
// subtraction: the rounding that the subtraction exposes, and that of the
// deviations. For any λ it does the same where the first bound exceeds
// 2⁻¹⁶ of a column's centred norm √Aⱼⱼ, as the mean's rounding could then
// move XᵀX by more than 2⁻³² relative: a column of 1e15 + N(0, 1) would
// otherwise put percent errors in the weights. A constant column is thus
// singular even when its mean, such as 0.1, is not exact, while a column
// that varies by a few ulps of its mean is fitted exactly. A column whose
// squares underflow is reported as varying too little for float64.
//
// The second pass also finds each column that takes a single value over
// the rows of nonzero weight, which exact centring makes all 0, and sets
// its entries of XᵀX and Xᵀy to 0. The dual form checks every column for
// a single value before it centres the rows a second time. With the
// intercept and λ > 0, such a column thus gets weight 0 exactly, and
// where every column is constant the bias is the weighted mean of y.
// Without this, the rounding noise of centring on an inexact weighted
// mean, such as that of 0.1, would be divided by λ·Σwᵢ.
//
// NOTE: a column of subnormal values (below 2⁻¹⁰²² ≈ 2.2e-308 in
// magnitude) is the exception: the bound on its mean's rounding
// underflows, the second pass may not run, and its weight may then be
// rounding noise divided by λ·Σwᵢ.
//
// With λ > 0, Aⱼⱼ includes λ·Σwᵢ, and only a pivot sⱼ ≤ 2⁻⁴⁴·Aⱼⱼ is an
// error: λ is then too small to lift a (nearly) dependent column's pivot
// above the rounding of XᵀX, which would decide even its sign. For any λ,
// FitRidge then estimates the condition number κ of A with its columns
// scaled to a unit diagonal, as LAPACK's condition estimators do. The
// rounding of XᵀX can move the weights by about κ·ε times a few hundred,
// measured against the weights times their columns' norms √Aⱼⱼ: a column
// far smaller than the others can have a weight further off relative to
// the largest weight. Where κ > 2²², FitRidge refines the weights: it
// forms the residual of the normal equations from the rows of X, one
// pass over X each, solves for a correction with the same factor and
// adds it while the corrections shrink by half, up to 5 times (usually
// two or three). A first correction that more than doubles the residual
// is not applied. This removes most of the rounding of XᵀX but not the
// data's own sensitivity, so nearly dependent columns still cost
// accuracy. Where κ ≥ 2⁴⁸ ≈ 2.8e14 FitRidge returns an error wrapping
// [ErrSingular] instead of weights that could be far off. Just below that
// the weights may still be off by a few tenths of a percent (an estimate
// from random tests). A λ·Σwᵢ, or a diagonal that overflows only when
// λ·Σwᵢ is added, is no error, as the system is divided by a power of two
// first. XᵀX itself beyond float64 is an error wrapping [ErrNaN], unless
// only the rounding of a column's mean made its centred squares overflow,
// in which case FitRidge centres it again. NaN or infinite values in X or
// y are an error wrapping [ErrNaN] that names the row, and so is a weight
// or bias beyond the float64 range.
func FitRidge[F Float](X, y []F, dim int, lambda float64, opts RidgeOptions) (*RidgeModel, error) {
	if dim < 1 {
		return nil, fmt.Errorf("%w: dim is %d, want at least 1", ErrDim, dim)
	}
	if len(X)%dim != 0 {
		return nil, fmt.Errorf("%w: X has length %d, not a multiple of dim %d", ErrLength, len(X), dim)
	}
	n := len(X) / dim
	if len(y) != n {
		return nil, fmt.Errorf("%w: y has length %d, want %d (one per row of X)", ErrLength, len(y), n)
	}
	if !(lambda >= 0) || math.IsInf(lambda, 1) {
		return nil, fmt.Errorf("%w: lambda is %v, want a finite value ≥ 0", ErrOption, lambda)
	}
	if opts.Weights != nil && len(opts.Weights) != n {
		return nil, fmt.Errorf("%w: Weights has length %d, want %d (one per row of X)", ErrLength, len(opts.Weights), n)
	}
	largest := 0.0
	for i, v := range opts.Weights {
		if !isFinite(v) {
			return nil, fmt.Errorf("%w: Weights[%d] is %v, want a finite weight", ErrNaN, i, v)
		}
		if v < 0 {
			return nil, fmt.Errorf("%w: Weights[%d] is %v, want a weight of at least 0", ErrOption, i, v)
		}
		largest = max(largest, v)
	}
	if n > 0 && opts.Weights != nil && largest == 0 {
		return nil, fmt.Errorf("%w: every weight is 0, want at least one positive weight", ErrOption)
	}
	if largest > 0 {
		// Tiny weights would underflow the weighted sums and the Gram
		// matrix, and huge ones overflow them.
		opts.Weights, _ = scaleWeights(opts.Weights, largest)
	}
	k, err := lookupKernel(opts.Kernel)
	if err != nil {
		return nil, err
	}

	if shiftApplies(opts, lambda, n, dim) {
		if weights, m, ok := solveShifted(k, X, y, dim, lambda, opts); ok {
			return newRidgeModel(weights, m, opts)
		}
	}
	m, err := weightedMeans(k, X, y, dim, opts)
	if err != nil {
		return nil, err
	}
	if m.weight == 0 {
		return nil, fmt.Errorf("%w: X has no rows to fit", ErrLength)
	}
	if opts.NoIntercept {
		clear(m.meanX)
		m.meanY = 0
	}

	// The centred XᵀX has rank at most m − 1 with the intercept, m
	// without. Below dim, the dual form is faster and, unless the
	// columns differ widely in scale, more accurate. Where its system is
	// ill-conditioned, solveDual returns a *dualIllConditioned and the
	// primal form, whose accuracy does not depend on column scales, fits.
	rank := m.rows
	if !opts.NoIntercept {
		rank--
	}
	var weights []float64
	var ill *dualIllConditioned
	if lambda > 0 && rank < dim {
		weights, m, err = solveDual(k, X, y, dim, lambda, m, opts)
	}
	if !(lambda > 0 && rank < dim) || errors.As(err, &ill) {
		weights, m, err = solvePrimal(k, X, y, dim, lambda, m, opts)
		var singular *singularColumn
		if errors.As(err, &singular) && ill != nil && ill.singular != nil {
			return nil, ill.singular
		}
		if errors.As(err, &singular) {
			if singular.zero {
				singular.lost = columnVaries(X, dim, singular.column, opts.Weights, !opts.NoIntercept)
			}
			singular.lambda = lambda
			return nil, singular.describe(!opts.NoIntercept)
		}
	}
	if err != nil {
		return nil, err
	}
	return newRidgeModel(weights, m, opts)
}

// newRidgeModel returns the model of the fitted weights, with the bias
// from the means of m unless opts.NoIntercept, or an error where the
// weights or the bias are beyond float64.
func newRidgeModel(weights []float64, m ridgeMoments, opts RidgeOptions) (*RidgeModel, error) {
	// A finite system can still have a solution beyond float64, such as
	// a weight of 1e310 for y = 1e300 on a column of 1e-10.
	for j, v := range weights {
		if !isFinite(v) {
			return nil, fmt.Errorf("%w: the fitted Weights[%d] is %v, beyond float64; scale y down or column %d of X up",
				ErrNaN, j, v, j)
		}
	}
	bias := 0.0
	if !opts.NoIntercept {
		bias = m.meanY
		for j, v := range weights {
			bias -= m.meanX[j] * v
		}
		if !isFinite(bias) {
			return nil, fmt.Errorf("%w: the fitted Bias (mean of y minus the means of X times the weights) is %v, beyond float64; centre X or scale y down",
				ErrNaN, bias)
		}
	}
	return &RidgeModel{Weights: weights, Bias: bias}, nil
}

// solvePrimal returns the weights of a ridge fit from the normal
// equations (ZᵀZ + λ·Σwᵢ·I)·w = Zᵀt, for the rows zᵢ = √wᵢ·(xᵢ − x̄) and
// targets tᵢ = √wᵢ·(yᵢ − ȳ), with the checks for λ = 0 that FitRidge
// describes, and the means that the bias should use. A singular system
// returns a *singularColumn.
//
// An error δ in a column's mean x̄ⱼ adds Σwᵢ·δ² to Aⱼⱼ, which matters
// only when δ is not small beside the column's spread. Where the bound
// on δ allows that, or where with λ = 0 a column fails only the test
// against that bound, the rows are centred again on their exact mean:
// with c the mean deviation Σwᵢ·(xᵢ − x̄)/Σwᵢ, ZᵀZ − Σwᵢ·c·cᵀ is the Gram
// matrix of the rows zᵢ − √wᵢ·c.
func solvePrimal[F Float](k *kernel, X, y []F, dim int, lambda float64, m ridgeMoments, opts RidgeOptions) ([]float64, ridgeMoments, error) {
	if lambda == 0 {
		rank := m.rows
		if !opts.NoIntercept {
			rank--
		}
		if dim > rank {
			intercept := ""
			if !opts.NoIntercept {
				intercept = ", less one for the intercept,"
			}
			return nil, m, fmt.Errorf("%w: X has %s of nonzero weight%s so XᵀX has rank at most %d, below its %s; use lambda > 0",
				ErrSingular, countNoun(m.rows, "row"), intercept, rank, countNoun(dim, "column"))
		}
	}

	gram, xty, ds := ridgeGram(k, X, y, dim, m, opts, nil)
	var noise []float64
	if !opts.NoIntercept {
		noise = centringNoise(m, len(y))
		if overflowColumn(gram, xty, dim, ds) >= 0 {
			// A column of 1e200 whose mean is off by an ulp has centred
			// squares of about 1e368, though it is constant. Centre on
			// corrected means and form XᵀX again.
			var dev deviations
			m, dev = correctMeans(X, y, dim, m, opts.Weights, opts.Workers)
			noise = correctedNoise(m, dev.largest, len(y))
			gram, xty, ds = ridgeGram(k, X, y, dim, m, opts, nil)
		}
	}
	// XᵀX is positive semi-definite, so no entry exceeds the largest
	// diagonal one: finite diagonals and Xᵀy make a finite system.
	if j := overflowColumn(gram, xty, dim, ds); j >= 0 {
		return nil, m, fmt.Errorf("%w: XᵀX or Xᵀy overflows float64 in column %d; scale X and y down", ErrNaN, j)
	}

	// base is the centring of XᵀX, and shift the mean deviation that
	// recentre takes off it in place.
	base, shift := m, deviations{}
	if !opts.NoIntercept && meanRoundingMatters(gram, dim, ds, noise) {
		m, shift, noise = recentre(gram, dim, ds, xty, X, y, m, opts.Weights, opts.Workers)
	}
	sys := formedSystem{gram: gram, xty: xty, ds: ds, m: m, base: base, shift: shift, noise: noise}
	return solveFormed(k, X, y, dim, lambda, sys, opts)
}

// formedSystem is the primal ridge system as solvePrimal or
// solveShifted formed it. gram and xty are the upper triangle of ZᵀZ
// (ds×ds) and Zᵀt for rows centred on the means of base and then
// corrected by shift. m is the means that the bias should use, and noise
// the centring noise of each √Aⱼⱼ for the λ = 0 rank test (nil for none).
type formedSystem struct {
	gram, xty []float64
	ds        int
	m, base   ridgeMoments
	shift     deviations
	noise     []float64
}

// solveFormed solves a formed system by Cholesky and, where the system is
// ill-conditioned, refines the weights. It returns the weights and the
// means that the bias should use.
func solveFormed[F Float](k *kernel, X, y []F, dim int, lambda float64, sys formedSystem, opts RidgeOptions) ([]float64, ridgeMoments, error) {
	gram, xty, ds := sys.gram, sys.xty, sys.ds
	m, base, shift, noise := sys.m, sys.base, sys.shift, sys.noise
	switch {
	case lambda > 0:
		noise = nil
	case noise == nil:
		// Without the intercept there is no centring noise, but the
		// λ = 0 rank test runs only with a noise vector.
		noise = make([]float64, dim)
	}
	// The factorisation overwrites gram and xty, so keep them for the
	// case in which a column fails only the noise test, which needs the
	// intercept's centring noise.
	var savedGram, savedXty []float64
	if noise != nil && shift.meanX == nil && !opts.NoIntercept {
		savedGram, savedXty = slices.Clone(gram), slices.Clone(xty)
	}

	// Solve (XᵀX + λ·Σwᵢ·I) w = Xᵀy on the centred rows, with A the
	// leading dim×dim block of the padded Gram matrix. The kernel filled
	// its upper triangle, and the factorisation reads the lower one.
	var f *factor
	var penalty, norm1 float64
	var scale int
	rootDiag := make([]float64, dim) // √Aⱼⱼ, by which κ is scaled
	solve := func() (err error) {
		mirrorUpper(gram, dim, ds)
		penalty, scale = scaleForPenalty(gram, dim, ds, xty, lambda, m.weight)
		for i := range dim {
			gram[i*ds+i] += penalty
			rootDiag[i] = math.Sqrt(gram[i*ds+i])
		}
		norm1 = scaledOneNorm(gram, dim, ds, rootDiag)
		f, err = choleskyFactor(gram, dim, ds, noise, k)
		return err
	}
	err := solve()
	var singular *singularColumn
	if savedGram != nil && errors.As(err, &singular) && singular.byNoise {
		gram, xty = savedGram, savedXty
		m, shift, noise = recentre(gram, dim, ds, xty, X, y, m, opts.Weights, opts.Workers)
		err = solve()
	}
	if err != nil {
		return nil, m, err
	}
	weights := xty
	f.substitute(dim, weights)
	condition := norm1 * f.inverseOneNorm(dim, rootDiag)
	if !(condition <= maxCondition) {
		return nil, m, fmt.Errorf("%w: XᵀX + λ·Σw·I is too ill-conditioned for float64: with its columns scaled to a unit diagonal, its condition number is about %.1e, at least %.1e, where rounding can move the weights by a percent or more; use a larger lambda or drop nearly dependent columns",
			ErrSingular, condition, float64(maxCondition))
	}
	if condition > refineAbove {
		system := normalSystem[F]{X: X, y: y, dim: dim, base: base, shift: shift, weights: opts.Weights,
			penalty: penalty, scale: math.Ldexp(1, -scale), rootDiag: rootDiag, workers: opts.Workers}
		system.refine(func(r []float64) { f.substitute(dim, r) }, weights)
	}
	return weights, m, nil
}

// Limits on the condition number κ = ‖DAD‖₁·‖(DAD)⁻¹‖₁ of the primal
// system A = XᵀX + λ·Σwᵢ·I, with D = diag(1/√Aⱼⱼ), as estimated from its
// Cholesky factor. The factorisation's errors depend on A only through
// DAD, so scaling a column changes neither κ nor them. The rounding of
// XᵀX, a few hundred ε of its entries, may move the weights by about
// κ·2⁸·ε relative. Above refineAbove (κ·ε > 2⁻³⁰), FitRidge refines
// them. How far refinement gets depends also on how well X·w fits y, so
// at maxCondition, 2⁴⁸ ≈ 2.8e14, FitRidge reports the system as too
// ill-conditioned: random tests found weights up to 48% off with no
// error at κ = 2.2e15, below 1/ε, and degree-10 polynomial features
// (κ = 2.4e14) refined to 4e-9.
//
// NOTE: below maxCondition the same tests found errors above 1e-6 from
// κ ≈ 2e13 on, so a fit near the limit may be off by a few tenths of a
// percent.
const (
	refineAbove  = 0x1p22
	maxCondition = 0x1p48
)

// normalSystem is the ridge system of the primal form as its rows
// define it, for refine: rows zᵢ = √wᵢ·((xᵢ − x̄) − c) and targets
// tᵢ = √wᵢ·((yᵢ − ȳ) − c_y), with x̄ and ȳ the means of base and c the
// deviations of shift (none when nil), and the system scaled as
// scaleForPenalty left it.
type normalSystem[F Float] struct {
	X, y    []F
	dim     int
	base    ridgeMoments
	shift   deviations
	weights []float64
	penalty float64 // λ·Σwᵢ times scale
	scale   float64 // the power of two that scaleForPenalty applied
	// rootDiag holds √Aⱼⱼ of the scaled system. Residuals are compared
	// divided by it, so that scaling a column does not change which
	// step counts as smaller.
	rootDiag []float64
	workers  int
}

// refine improves the weights w by iterative refinement: it forms the
// residual r = Zᵀt − (ZᵀZ + λ·Σwᵢ·I)·w from the rows of X, overwrites it
// with δ = (ZᵀZ + λ·Σwᵢ·I)⁻¹·r by solve, which uses a factorisation of
// the rounded system, and adds δ to w. The residual carries the
// rounding of one pass over the data rather than that of XᵀX. It stops
// after 5 steps, or at a δ that is not below half the one before, and
// when the next δ, estimated as δ²/δ_prev, is below 2⁻⁵⁰ of w. A first
// step that more than doubles the residual is not applied. Later steps
// are judged by δ alone: once the residual is down to its own rounding,
// its size no longer shows whether a step improved the weights or moved
// them within that rounding. Sizes are taken with each column j scaled
// by √Aⱼⱼ, residuals divided by it. It returns an estimate of how far w
// is still off, relative to its largest such value: the next step,
// from the last two, or the step it did not take.
func (s normalSystem[F]) refine(solve func(r []float64), w []float64) (remaining float64) {
	res := s.residual(w)
	size := s.size(res)
	last := math.Inf(1)
	for range 5 {
		delta := slices.Clone(res)
		solve(delta)
		step, weight := 0.0, 0.0
		for j, v := range delta {
			step = max(step, math.Abs(v)*s.rootDiag[j])
			weight = max(weight, math.Abs(w[j])*s.rootDiag[j])
		}
		if !(step < last/2) {
			// Not converging, or converged to rounding: the step not
			// taken bounds how far w may still be off.
			return relativeTo(step, weight)
		}
		next := slices.Clone(w)
		for j, v := range delta {
			next[j] += v
		}
		nextRes := s.residual(next)
		if math.IsInf(last, 1) && !(s.size(nextRes) <= 2*size) {
			return relativeTo(step, weight)
		}
		copy(w, next)
		res, size = nextRes, s.size(nextRes)
		remaining = relativeTo(step, weight)
		if !math.IsInf(last, 1) {
			remaining = relativeTo(step*step/last, weight)
			if step*step <= 0x1p-50*last*weight {
				return remaining
			}
		}
		last = step
	}
	return remaining
}

// relativeTo returns a/b, and 0 where a is 0.
func relativeTo(a, b float64) float64 {
	if a == 0 {
		return 0
	}
	return a / b
}

// scaledOneNorm returns the 1-norm, the largest column sum of absolute
// values, of D·A·D for the symmetric d×d matrix A whose lower triangle a
// holds (rows stride values apart) and D = diag(1/rootDiag).
func scaledOneNorm(a []float64, d, stride int, rootDiag []float64) float64 {
	sums := make([]float64, d)
	for i := range d {
		for j, v := range a[i*stride : i*stride+i+1] {
			v = math.Abs(v) / rootDiag[i] / rootDiag[j]
			sums[j] += v
			if j != i {
				sums[i] += v
			}
		}
	}
	return maxAbs(sums)
}

// size returns the largest |r[j]|/√Aⱼⱼ of a residual r.
func (s normalSystem[F]) size(r []float64) float64 {
	m := 0.0
	for j, v := range r {
		m = max(m, math.Abs(v)/s.rootDiag[j])
	}
	return m
}

// maxAbs returns the largest absolute value of v.
func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = max(m, math.Abs(x))
	}
	return m
}

// residual returns Zᵀt − (ZᵀZ + λ·Σwᵢ·I)·w in the system's scale. Each
// chunk of rows is summed in order on one goroutine, and the chunks'
// sums are added in order, so the result does not depend on workers.
func (s normalSystem[F]) residual(w []float64) []float64 {
	n, dim := len(s.y), s.dim
	c := s.shift.meanX
	if c == nil {
		c = make([]float64, dim)
	}
	chunks := (n + ridgeChunkRows - 1) / ridgeChunkRows
	partial := make([]float64, chunks*dim)
	parallel(workerCount(s.workers, chunks, 2*n*dim), chunks, func(k int, z *[]float64) {
		if *z == nil {
			*z = make([]float64, dim)
		}
		zr, sum := *z, partial[k*dim:(k+1)*dim]
		for i := k * ridgeChunkRows; i < min((k+1)*ridgeChunkRows, n); i++ {
			wi := 1.0
			if s.weights != nil {
				wi = s.weights[i]
			}
			if wi == 0 {
				continue
			}
			e := (float64(s.y[i]) - s.base.meanY) - s.shift.meanY
			for j, v := range s.X[i*dim : (i+1)*dim] {
				zr[j] = (float64(v) - s.base.meanX[j]) - c[j]
				e -= zr[j] * w[j]
			}
			e *= wi * s.scale
			for j, v := range zr {
				sum[j] += e * v
			}
		}
	})
	res := make([]float64, dim)
	for k := range chunks {
		for j, v := range partial[k*dim : (k+1)*dim] {
			res[j] += v
		}
	}
	for j, v := range w {
		res[j] -= s.penalty * v
	}
	return res
}

// centringNoise returns, for each column j, the most that centring on
// the first pass's means can add to √Aⱼⱼ. The centred value of row i is
// off by at most the error of the mean, and √Aⱼⱼ by √(Σwᵢ) times that.
// The mean sums each chunk of rows in order and then the chunks' sums,
// so it rounds about t times, each by ε·|x̄ⱼ| at most. Rows of weight 0
// add exactly 0, so t is at most m. 4 leaves room for the weighted sums.
func centringNoise(m ridgeMoments, n int) []float64 {
	terms := float64(min(m.rows, min(n, ridgeChunkRows)+(n+ridgeChunkRows-1)/ridgeChunkRows))
	noise := make([]float64, len(m.meanX))
	for j, mean := range m.meanX {
		noise[j] = 4 * terms * 0x1p-52 * math.Sqrt(m.weight) * math.Abs(mean)
	}
	return noise
}

// meanRoundingMatters reports whether the rounding of the means may move
// some column's √Aⱼⱼ by more than 2⁻¹⁶ of it, and so its entries of XᵀX
// by more than 2⁻³² relative. The bound is a worst case, t roundings in
// the same direction, and about √t times the typical error.
func meanRoundingMatters(gram []float64, dim, ds int, noise []float64) bool {
	for j, v := range noise {
		if v > 0x1p-16*math.Sqrt(gram[j*ds+j]) {
			return true
		}
	}
	return false
}

// recentre turns the upper triangle of ZᵀZ and Zᵀt, for rows centred on
// the means of m, into those of rows centred on their exact weighted
// means, and returns m with the means corrected, the deviations taken off
// and the bound on the noise that centring leaves in each √Aⱼⱼ:
// √(4·m·ε·Aⱼⱼ) with Aⱼⱼ before the correction, for the rounding of ZᵀZ
// that the subtraction exposes, plus 4·(t+1)·ε·√(Σwᵢ)·maxᵢ|xᵢⱼ − x̄ⱼ|
// for that of the deviations and of their sum.
func recentre[F Float](gram []float64, dim, ds int, xty []float64, X, y []F, m ridgeMoments, weights []float64, workers int) (ridgeMoments, deviations, []float64) {
	corrected, dev := correctMeans(X, y, dim, m, weights, workers)
	n := len(y)
	terms := float64(min(m.rows, min(n, ridgeChunkRows)+(n+ridgeChunkRows-1)/ridgeChunkRows))
	noise := make([]float64, dim)
	for i, ci := range dev.meanX {
		row := gram[i*ds+i : i*ds+dim]
		noise[i] = math.Sqrt(4*float64(m.rows)*0x1p-52*row[0]) +
			4*(terms+1)*0x1p-52*math.Sqrt(m.weight)*dev.largest[i]
		scaled := m.weight * ci
		for q := range row {
			row[q] -= scaled * dev.meanX[i+q]
		}
		// The diagonal is a sum of squares, which the subtraction
		// may round below 0.
		row[0] = max(row[0], 0)
		xty[i] -= scaled * dev.meanY
	}
	// A constant column centres to exact zeros, but the subtraction
	// leaves rounding noise in its entries where the weights differ or
	// the cross terms were summed in another order. A small λ·Σwᵢ would
	// divide that noise into a huge weight, so the entries are set to 0.
	for j, constant := range dev.constant {
		if !constant {
			continue
		}
		for i := range j {
			gram[i*ds+j] = 0
		}
		clear(gram[j*ds+j : j*ds+dim])
		xty[j] = 0
	}
	return corrected, dev, noise
}

// deviations holds the weighted mean deviations of X and y from the means
// of a ridgeMoments, and the largest absolute deviation of each column.
type deviations struct {
	meanX   []float64 // Σwᵢ·(xᵢ − x̄)/Σwᵢ
	meanY   float64   // Σwᵢ·(yᵢ − ȳ)/Σwᵢ
	largest []float64 // maxᵢ |xᵢⱼ − x̄ⱼ| over the rows of nonzero weight
	// constant marks the columns that take a single value over the rows
	// of nonzero weight, and value holds that value. For such a column,
	// meanX is value − x̄ⱼ as float64 rounds it, so that the deviation
	// of every row is exactly 0. Both are nil in the deviations that
	// solveShifted forms from its sums.
	constant []bool
	value    []float64
}

// meanDeviations returns the deviations of X and y from the means of m.
// Each chunk of rows is summed in order on one goroutine, and the
// chunks' sums are added in order, as in weightedMeans. X and y must be
// finite.
func meanDeviations[F Float](X, y []F, dim int, m ridgeMoments, weights []float64, workers int) deviations {
	n := len(y)
	chunks := (n + ridgeChunkRows - 1) / ridgeChunkRows
	// Chunk k stores Σwᵢ·(yᵢ − ȳ), 1 once it has met a row of nonzero
	// weight, then for each column Σwᵢ·(xᵢ − x̄), the largest |xᵢ − x̄|,
	// the value in its first such row and 1 where a later row differs,
	// in partial[k·stride:].
	stride := 2 + 4*dim
	partial := make([]float64, chunks*stride)
	parallel(workerCount(workers, chunks, n*dim), chunks, func(k int, _ *struct{}) {
		out := partial[k*stride : (k+1)*stride]
		sumX, largest := out[2:2+dim], out[2+dim:2+2*dim]
		first, varies := out[2+2*dim:2+3*dim], out[2+3*dim:]
		for i := k * ridgeChunkRows; i < min((k+1)*ridgeChunkRows, n); i++ {
			wi := 1.0
			if weights != nil {
				wi = weights[i]
			}
			if wi == 0 {
				continue
			}
			x := X[i*dim : (i+1)*dim]
			if out[1] == 0 {
				out[1] = 1
				for j, v := range x {
					first[j] = float64(v)
				}
			}
			out[0] += wi * (float64(y[i]) - m.meanY)
			for j, v := range x {
				d := float64(v) - m.meanX[j]
				sumX[j] += wi * d
				largest[j] = max(largest[j], math.Abs(d))
				if float64(v) != first[j] {
					varies[j] = 1
				}
			}
		}
	})
	dev := deviations{meanX: make([]float64, dim), largest: make([]float64, dim),
		constant: make([]bool, dim), value: make([]float64, dim)}
	for j := range dev.constant {
		dev.constant[j] = true
	}
	seen := false
	for k := range chunks {
		out := partial[k*stride : (k+1)*stride]
		dev.meanY += out[0]
		sumX, largest := out[2:2+dim], out[2+dim:2+2*dim]
		first, varies := out[2+2*dim:2+3*dim], out[2+3*dim:]
		for j := range dim {
			dev.meanX[j] += sumX[j]
			dev.largest[j] = max(dev.largest[j], largest[j])
		}
		if out[1] == 0 {
			continue // no row of nonzero weight in this chunk
		}
		for j := range dim {
			if !seen {
				dev.value[j] = first[j]
			}
			if varies[j] != 0 || first[j] != dev.value[j] {
				dev.constant[j] = false
			}
		}
		seen = true
	}
	for j := range dev.meanX {
		dev.meanX[j] /= m.weight
		if dev.constant[j] {
			dev.meanX[j] = dev.value[j] - m.meanX[j]
		}
	}
	dev.meanY /= m.weight
	return dev
}

// scaleForPenalty divides the d×d system a·x = b (rows stride values
// apart) by 2^shift, the power of two that keeps its largest diagonal
// entry below 2¹⁰²⁰ and λ·Σwᵢ below 2¹⁰²¹, and returns λ·Σwᵢ in that
// scale. The solution x does not change. The diagonal may then double
// (the dual form's centred direction) and have λ·Σwᵢ added without
// overflow. Entries that the division makes underflow are negligible
// beside the largest diagonal entry or λ·Σwᵢ.
func scaleForPenalty(a []float64, d, stride int, b []float64, lambda, weight float64) (penalty float64, shift int) {
	largest := 0.0
	for i := range d {
		largest = max(largest, a[i*stride+i])
	}
	_, diagExp := math.Frexp(largest)
	frac, weightExp := math.Frexp(weight)
	penalty = lambda * frac // at most λ, so finite
	_, penaltyExp := math.Frexp(penalty)
	shift = max(0, diagExp-1020, penaltyExp+weightExp-1021)
	if shift > 0 {
		for i := range d {
			row := a[i*stride : i*stride+d]
			for j, v := range row {
				row[j] = math.Ldexp(v, -shift)
			}
			b[i] = math.Ldexp(b[i], -shift)
		}
	}
	return math.Ldexp(penalty, weightExp-shift), shift
}

// overflowColumn returns the first column j whose diagonal entry of the
// Gram matrix (ds×ds) or entry of Zᵀt is not finite, or -1.
func overflowColumn(gram, xty []float64, dim, ds int) int {
	for j := range dim {
		if !isFinite(gram[j*ds+j]) || !isFinite(xty[j]) {
			return j
		}
	}
	return -1
}

// correctMeans returns m with each mean corrected by the mean deviation
// from it, x̄ + Σwᵢ·(xᵢ − x̄)/Σwᵢ, and the deviations.
func correctMeans[F Float](X, y []F, dim int, m ridgeMoments, weights []float64, workers int) (ridgeMoments, deviations) {
	dev := meanDeviations(X, y, dim, m, weights, workers)
	corrected := ridgeMoments{weight: m.weight, rows: m.rows, meanX: make([]float64, dim)}
	for j, v := range dev.meanX {
		corrected.meanX[j] = m.meanX[j] + v
		if dev.constant[j] {
			// Exact, where x̄ⱼ + (value − x̄ⱼ) may round.
			corrected.meanX[j] = dev.value[j]
		}
	}
	corrected.meanY = m.meanY + dev.meanY
	return corrected, dev
}

// correctedNoise returns the noise bound of FitRidge's second pass for
// the means of correctMeans: 4·ε·√(Σwᵢ)·(|x̄ⱼ| + (t+1)·largest[j]). The
// first term covers the rounding of the corrected mean, the second that
// of the deviations and of their sum.
func correctedNoise(m ridgeMoments, largest []float64, n int) []float64 {
	terms := float64(min(m.rows, min(n, ridgeChunkRows)+(n+ridgeChunkRows-1)/ridgeChunkRows))
	noise := make([]float64, len(m.meanX))
	for j, mean := range m.meanX {
		noise[j] = 4 * 0x1p-52 * math.Sqrt(m.weight) * (math.Abs(mean) + (terms+1)*largest[j])
	}
	return noise
}

// mirrorUpper copies the upper triangle of the d×d matrix a (rows stride
// values apart) into its lower triangle, in tiles of 16×16 so that the
// column reads stay in the L1 cache.
func mirrorUpper(a []float64, d, stride int) {
	const tile = 16
	for i0 := 0; i0 < d; i0 += tile {
		for j0 := 0; j0 <= i0; j0 += tile {
			for i := i0; i < min(i0+tile, d); i++ {
				for j := j0; j < min(j0+tile, i); j++ {
					a[i*stride+j] = a[j*stride+i]
				}
			}
		}
	}
}

// ridgeMoments holds the weighted sums of a first pass over the rows.
type ridgeMoments struct {
	weight float64   // Σ wᵢ
	rows   int       // rows of nonzero weight
	meanX  []float64 // Σ wᵢ·xᵢ / Σ wᵢ
	meanY  float64   // Σ wᵢ·yᵢ / Σ wᵢ
}

// weightedMeans checks that X and y are finite and returns their weighted
// means. Sums are formed per chunk of rows and added in order.
func weightedMeans[F Float](k *kernel, X, y []F, dim int, opts RidgeOptions) (ridgeMoments, error) {
	n := len(y)
	chunks := (n + ridgeChunkRows - 1) / ridgeChunkRows
	// Chunk c stores Σw, Σw·y, rows of nonzero weight, the first
	// non-finite row (or -1, or -2 for an overflow) and Σw·x in
	// partial[c*(dim+4):].
	stride := dim + 4
	partial := make([]float64, chunks*stride)
	colSums := colSumsFor[F](k)
	centre := centreFor[F](k)
	parallel(workerCount(opts.Workers, chunks, n*dim), chunks, func(c int, scratch *[]float64) {
		out := partial[c*stride : (c+1)*stride]
		lo, hi := c*ridgeChunkRows, min((c+1)*ridgeChunkRows, n)
		sx := out[4 : 4+dim]
		var sw, sy, rows float64
		if opts.Weights == nil {
			sw, sy, rows = unitSums(colSums, sx, X[lo*dim:hi*dim], y[lo:hi], dim)
		} else {
			sw, sy, rows = weightedSums(centre, scratch, sx, X[lo*dim:hi*dim], y[lo:hi], opts.Weights[lo:hi], dim)
		}
		out[0], out[1], out[2], out[3] = sw, sy, rows, -1

		// A NaN or infinity anywhere makes a sum non-finite: only then
		// look for the row that holds it.
		finite := isFinite(sy)
		for _, v := range sx {
			finite = finite && isFinite(v)
		}
		if !finite {
			out[3] = -2
			if i, bad := firstNonFinite(X[lo*dim:hi*dim], y[lo:hi], dim); bad {
				out[3] = float64(lo + i)
			}
		}
	})

	m := ridgeMoments{meanX: make([]float64, dim)}
	var sumY float64
	for c := range chunks {
		out := partial[c*stride : (c+1)*stride]
		if out[3] >= 0 {
			i := int(out[3])
			return m, fmt.Errorf("%w: row %d of X or y contains %s", ErrNaN, i, describeRow(X, y, dim, i))
		}
		if out[3] == -2 {
			return m, fmt.Errorf("%w: the sums of rows %d to %d of X or y overflow float64; scale X and y down",
				ErrNaN, c*ridgeChunkRows, min((c+1)*ridgeChunkRows, n)-1)
		}
		m.weight += out[0]
		sumY += out[1]
		m.rows += int(out[2])
		for j, v := range out[4:] {
			m.meanX[j] += v
		}
	}
	if m.weight > 0 {
		for j := range m.meanX {
			m.meanX[j] /= m.weight
		}
		m.meanY = sumY / m.weight
	}
	return m, nil
}

// unitSums adds the columns of the rows of X into sx and returns Σw, Σy
// and the number of rows, for rows of weight 1. The kernel sums the
// columns in groups of 4 and Go the rest.
func unitSums[F Float](colSums func(sums []float64, X []F, dim, rows int), sx []float64, X, y []F, dim int) (sw, sy, rows float64) {
	cols := dim &^ 3
	colSums(sx[:cols], X, dim, len(y))
	for i, v := range y {
		sy += float64(v)
		for j := cols; j < dim; j++ {
			sx[j] += float64(X[i*dim+j])
		}
	}
	return float64(len(y)), sy, float64(len(y))
}

// Limits of the Gram accumulation: a block of centred rows fills about
// gramL1Bytes where that holds at least gramMinL1Rows rows and about
// gramBlockBytes otherwise, and the rows are split into at most
// gramSegments fixed segments (a power of two), each with its own Gram
// matrix, added in segment order.
//
// A block that fits in the L1 cache goes from the centring kernel to the
// Gram kernel without a trip through L2. 24 KiB leaves room in an L1
// data cache of 32 KiB or more, the size on most current x86 and arm64
// server and desktop cores. With a smaller one the blocks spill to L2,
// as the larger blocks always do. On one core of an AMD EPYC (Zen 4),
// with float32 X and the avx512 kernel, that made FitRidge 20% faster at
// 1,000,000×16, 13% at 500,000×32 and 7–8% at 300,000×48 and
// 250,000×64 (medians of 4 alternated runs). With
// fewer rows per block the Gram kernel loses more to loading and storing
// its tiles than it saves: at 20,000×768, blocks of 16 rows took 246 ms
// against 236 ms for blocks of 42.
const (
	gramL1Bytes      = 24 << 10
	gramMinL1Rows    = 32
	gramBlockBytes   = 256 << 10
	gramMaxBlockRows = 512
	gramSegments     = 8
	gramSegmentRows  = 4096
	gramSegmentBytes = 32 << 20
)

// ridgeGram returns the Gram matrix ZᵀZ (upper triangle, ds×ds with ds
// the dim rounded up to a multiple of 8) and Zᵀt, for the rows
// zᵢ = √wᵢ·(xᵢ − meanX) and tᵢ = √wᵢ·(yᵢ − meanY). With sums not nil,
// which only unweighted rows allow, it also adds Σzᵢ, Σtᵢ and Σtᵢ² into
// sums.
func ridgeGram[F Float](k *kernel, X, y []F, dim int, m ridgeMoments, opts RidgeOptions, sums *centredSums) (gram, xty []float64, ds int) {
	n := len(y)
	ds = (dim + 7) &^ 7
	// Rows of an odd number of 64-byte cache lines spread over all the
	// sets of the L1 cache, which a power of two would not.
	stride := ds
	if (ds/8)%2 == 0 {
		stride += 8
	}
	blockRows := gramL1Bytes / (8 * stride)
	if blockRows < gramMinL1Rows {
		blockRows = max(16, min(gramMaxBlockRows, gramBlockBytes/(8*stride)))
	}
	segments := max(1, min(gramSegments, (n+gramSegmentRows-1)/gramSegmentRows, gramSegmentBytes/(8*ds*ds)))
	// A power of two splits evenly over 2 or 4 goroutines, where 5
	// segments on 2 would leave one goroutine 3 to do.
	segments = 1 << (bits.Len(uint(segments)) - 1)
	segRows := (n + segments - 1) / segments

	gram, xty = make([]float64, ds*ds), make([]float64, dim)
	gramKernel := gramFor(k)
	gramAhead := gramAheadFor(k)
	centre := centreFor[F](k)
	colSums := colSumsFor[float64](k)
	fold := newSegmentFold(gram, xty, sums)
	workers := workerCount(opts.Workers, segments, n*dim*dim)
	parallel(workers, segments, func(s int, buf *gramScratch) {
		if buf.z == nil {
			buf.z = make([]float64, blockRows*stride)
			buf.t = make([]float64, blockRows)
		}
		// Segment 0 accumulates into the result itself, and every other
		// one into the goroutine's own matrix, which fold then adds in.
		segGram, segXty, segSums := gram, xty, sums
		if s > 0 {
			if buf.gram == nil {
				buf.gram, buf.xty = make([]float64, ds*ds), make([]float64, dim)
				buf.sums = centredSums{x: make([]float64, dim)}
			} else {
				clear(buf.gram)
				clear(buf.xty)
				buf.sums.clear()
			}
			segGram, segXty = buf.gram, buf.xty
			if sums != nil {
				segSums = &buf.sums
			}
		}
		lo, hi := s*segRows, min((s+1)*segRows, n)
		if opts.Weights == nil {
			centreRows(centre, gramAhead, colSums, segGram, segXty, segSums, buf, X[lo*dim:hi*dim], y[lo:hi], m, blockRows, stride, ds)
		} else {
			weightedRows(centre, scaleRowsFor(k), gramKernel, segGram, segXty, buf, X[lo*dim:hi*dim], y[lo:hi], opts.Weights[lo:hi], m, blockRows, stride, ds)
		}
		fold.add(s, segGram, segXty, segSums, ds)
	})
	return gram, xty, ds
}

// segmentFold adds the Gram matrices and Zᵀt of the segments into the
// result in segment order, whatever order the goroutines finish in, so
// that the sums do not depend on the number of goroutines. Each goroutine
// reuses one matrix for all its segments instead of the fold keeping one
// per segment.
type segmentFold struct {
	gram, xty []float64
	sums      *centredSums // nil when the pass sums nothing
	mu        sync.Mutex
	done      *sync.Cond
	next      int // the segment to add next
}

func newSegmentFold(gram, xty []float64, sums *centredSums) *segmentFold {
	f := &segmentFold{gram: gram, xty: xty, sums: sums}
	f.done = sync.NewCond(&f.mu)
	return f
}

// add waits until segments 0…s−1 are in, then adds segment s (the upper
// triangle of its ds×ds Gram matrix, its Zᵀt and its sums). Segment 0 was
// accumulated into the result, so it only marks it done. parallel hands
// out the segments in increasing order, so each lower segment belongs to
// a goroutine that waits only for segments lower still, and the lowest
// one not yet added never waits: add cannot deadlock.
func (f *segmentFold) add(s int, gram, xty []float64, sums *centredSums, ds int) {
	f.mu.Lock()
	for f.next < s {
		f.done.Wait()
	}
	f.mu.Unlock()
	if s > 0 {
		for i := range ds {
			row, sum := gram[i*ds+i:(i+1)*ds], f.gram[i*ds+i:(i+1)*ds]
			for j, v := range row {
				sum[j] += v
			}
		}
		for j, v := range xty {
			f.xty[j] += v
		}
		if f.sums != nil {
			f.sums.add(sums)
		}
	}
	f.mu.Lock()
	f.next = s + 1
	f.done.Broadcast()
	f.mu.Unlock()
}

// centreRows adds to gram and xty the Gram matrix and Zᵀt of the rows of
// X and y centred on m, for rows of weight 1, block by block. The kernel
// centres the columns in groups of 4 and Go the rest. While the Gram
// kernel works on one block, it may prefetch the rows of the next (see
// gramAheadFor). With
// sums not nil, colSums adds up the centred block while it is in cache.
func centreRows[F Float](centre func(z []float64, X []F, t, mean, xty []float64, dim, stride int),
	gramKernel func(G, Z []float64, ds, stride int, next []byte),
	colSums func(sums []float64, Z []float64, stride, rows int),
	gram, xty []float64, sums *centredSums, buf *gramScratch, X, y []F, m ridgeMoments, blockRows, stride, ds int) {
	dim := len(m.meanX)
	cols := dim &^ 3
	for lo := 0; lo < len(y); lo += blockRows {
		hi := min(lo+blockRows, len(y))
		t := buf.t[:hi-lo]
		for r := range t {
			t[r] = float64(y[lo+r]) - m.meanY
		}
		z := buf.z[:len(t)*stride]
		rows := X[lo*dim : hi*dim]
		centre(z, rows, t, m.meanX[:cols], xty[:cols], dim, stride)
		for r, tr := range t {
			for j := cols; j < dim; j++ {
				v := float64(rows[r*dim+j]) - m.meanX[j]
				z[r*stride+j] = v
				xty[j] += tr * v
			}
		}
		if sums != nil {
			sums.addBlock(colSums, z, t, cols, stride)
		}
		next := X[hi*dim : min(hi+blockRows, len(y))*dim]
		gramKernel(gram, z, ds, stride, asBytes(next))
	}
}

// asBytes returns the memory of x as bytes.
func asBytes[F Float](x []F) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(x))), len(x)*int(unsafe.Sizeof(F(0))))
}

// gramScratch is one goroutine's block of centred rows z and targets t,
// and its Gram matrix and Zᵀt for the segments after the first.
type gramScratch struct {
	z, t      []float64
	gram, xty []float64
	sums      centredSums
}

// addXty adds Σᵣ t[r]·z[r] to xty, for the rows of z (stride values
// each, the first len(xty) of them used), four rows at a time so that
// xty is loaded and stored once per four rows.
func addXty(xty, z, t []float64, stride int) {
	dim := len(xty)
	r := 0
	for ; r+4 <= len(t); r += 4 {
		z0 := z[r*stride : r*stride+dim]
		z1 := z[(r+1)*stride : (r+1)*stride+dim]
		z2 := z[(r+2)*stride : (r+2)*stride+dim]
		z3 := z[(r+3)*stride : (r+3)*stride+dim]
		t0, t1, t2, t3 := t[r], t[r+1], t[r+2], t[r+3]
		for j := range xty {
			xty[j] += (z0[j]*t0 + z1[j]*t1) + (z2[j]*t2 + z3[j]*t3)
		}
	}
	for ; r < len(t); r++ {
		zr := z[r*stride : r*stride+dim]
		for j := range xty {
			xty[j] += zr[j] * t[r]
		}
	}
}

// countNoun returns "1 row" or "n rows" for noun "row".
func countNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// singularColumn is the error of choleskySolve for a pivot that makes the
// system singular. It wraps ErrSingular.
type singularColumn struct {
	column int
	zero   bool // the diagonal entry itself is zero: the column is all zero
	// byNoise is set when only the centring noise bound made the pivot
	// singular, which a more exact mean may change.
	byNoise bool
	// lost is set with zero when the column does vary in the data, but by
	// too little for float64 to keep its diagonal entry above rounding.
	lost bool
	// lambda is the fit's λ. When it is above 0, it was too small to keep
	// the pivot above the rounding of XᵀX.
	lambda float64
}

// columnVaries reports whether column j of X takes more than one value
// over the rows of nonzero weight (centred) or any nonzero value (not
// centred).
func columnVaries[F Float](X []F, dim, j int, weights []float64, centred bool) bool {
	var first F
	seen := false
	for i := j; i < len(X); i += dim {
		if weights != nil && weights[i/dim] == 0 {
			continue
		}
		switch {
		case !centred:
			if X[i] != 0 {
				return true
			}
		case !seen:
			first, seen = X[i], true
		case X[i] != first:
			return true
		}
	}
	return false
}

func (e *singularColumn) Error() string { return e.describe(true).Error() }
func (e *singularColumn) Unwrap() error { return ErrSingular }

// columnsBefore names the columns of X before column j > 0.
func columnsBefore(j int) string {
	if j == 1 {
		return "column 0"
	}
	return fmt.Sprintf("columns 0…%d", j-1)
}

// describe returns the message for a fit that centred X (centred) or did
// not.
func (e *singularColumn) describe(centred bool) error {
	var column string
	switch {
	case e.lost && !centred:
		column = "is too small for float64: its squares fall below about 1e-308"
	case e.lost:
		column = "varies too little for float64: its spread is within the rounding of its mean, or its squares fall below about 1e-308"
	case e.zero && centred:
		column = "is constant over the rows of nonzero weight (zero after centring)"
	case e.zero:
		column = "is zero in every row of nonzero weight"
	case e.column == 0:
		// Only a pivot that overflowed can fail here.
		column = "is zero to within rounding"
	case e.byNoise && centred:
		column = "is a linear combination of " + columnsBefore(e.column) + " and a constant to within the rounding of centring it"
	case centred:
		column = "is a linear combination of " + columnsBefore(e.column) + " and a constant"
	default:
		column = "is a linear combination of " + columnsBefore(e.column)
	}
	if e.lambda > 0 {
		return fmt.Errorf("%w: column %d of X %s to within rounding, and lambda = %g is too small to make XᵀX + λ·Σw·I solvable in float64; use a larger lambda or drop the column",
			ErrSingular, e.column, column, e.lambda)
	}
	advice := "use lambda > 0 or drop the column"
	switch {
	case e.lost && !centred:
		advice = "scale the column up, use lambda > 0 or drop the column"
	case e.lost:
		advice = "centre or scale the column first, use lambda > 0 or drop the column"
	}
	return fmt.Errorf("%w: column %d of X %s, so XᵀX is singular; %s", ErrSingular, e.column, column, advice)
}

// Predict writes x·Weights + Bias for each row x of X (len(m.Weights)
// columns) into dst and returns it: dst[:n] for the n rows when
// cap(dst) ≥ n, else a new slice. It returns an error wrapping
// [ErrOption] for a nil model, [ErrDim] for a model with no weights and
// [ErrLength] for X whose length is not a multiple of len(m.Weights). A
// NaN or infinite weight or bias, a row holding NaN or an infinity, and a
// prediction that overflows each return an error wrapping [ErrNaN].
func (m *RidgeModel) Predict(dst, X []float64) ([]float64, error) {
	return PredictRidge(m, dst, X)
}

// PredictRidge is [RidgeModel.Predict] for either element type. The sums
// are formed in float64, and formed again with every term divided by a
// power of two when they overflow on the way, so only a prediction beyond
// F's range is an error.
func PredictRidge[F Float](m *RidgeModel, dst, X []F) ([]F, error) {
	if m == nil {
		return nil, fmt.Errorf("%w: the model is nil", ErrOption)
	}
	dim := len(m.Weights)
	if dim < 1 {
		return nil, fmt.Errorf("%w: the model has no weights", ErrDim)
	}
	for j, v := range m.Weights {
		if !isFinite(v) {
			return nil, fmt.Errorf("%w: the model's Weights[%d] is %v", ErrNaN, j, v)
		}
	}
	if !isFinite(m.Bias) {
		return nil, fmt.Errorf("%w: the model's Bias is %v", ErrNaN, m.Bias)
	}
	if len(X)%dim != 0 {
		return nil, fmt.Errorf("%w: X has length %d, not a multiple of the model's %d weights", ErrLength, len(X), dim)
	}
	n := len(X) / dim
	if cap(dst) < n {
		dst = make([]F, n)
	}
	dst = dst[:n]
	for i := range n {
		p := m.Bias
		for j, v := range X[i*dim : (i+1)*dim] {
			p += float64(v) * m.Weights[j]
		}
		if !isFinite(p) {
			// Products that overflow may still sum to a finite value.
			p = scaledAffine(X[i*dim:(i+1)*dim], m.Weights, m.Bias, 0)
		}
		if !isFinite(float64(F(p))) {
			for j, v := range X[i*dim : (i+1)*dim] {
				if !isFinite(float64(v)) {
					return nil, fmt.Errorf("%w: X[%d][%d] is %v", ErrNaN, i, j, v)
				}
			}
			var zero F
			if isFinite(p) {
				return nil, fmt.Errorf("%w: the prediction for row %d is %v, beyond the range of %T", ErrNaN, i, p, zero)
			}
			return nil, fmt.Errorf("%w: the prediction for row %d overflows float64", ErrNaN, i)
		}
		dst[i] = F(p)
	}
	return dst, nil
}
