package vecfit

import (
	"errors"
	"fmt"
	"math"
)

// solveDual returns the weights of a ridge fit with λ > 0 from its dual
// form, for X whose centred rows of nonzero weight have rank below dim,
// and the means that the bias should use. Let Z be the matrix of those
// rows, weighted and centred as in the primal form (zᵢ = √wᵢ·(xᵢ − x̄)), t
// the targets treated the same way and s = λ·Σwᵢ. The weights
// (ZᵀZ + s·I)⁻¹Zᵀt equal Zᵀ(ZZᵀ + s·I)⁻¹t, and ZZᵀ has one row and column
// per row of Z. The fit then costs about m²·dim multiply-adds for m rows,
// instead of m·dim² for ZᵀZ and dim³/3 for its factorisation.
// scikit-learn's Cholesky solver makes the same switch when X has more
// columns than rows.
func solveDual[F Float](k *kernel, X, y []F, dim int, lambda float64, m ridgeMoments, opts RidgeOptions) ([]float64, ridgeMoments, error) {
	rows := make([]int, 0, m.rows)
	for i := range y {
		if opts.Weights == nil || opts.Weights[i] != 0 {
			rows = append(rows, i)
		}
	}
	n := len(rows)
	u := make([]float64, n) // √wᵢ of the rows
	for r, i := range rows {
		u[r] = 1
		if opts.Weights != nil {
			u[r] = math.Sqrt(opts.Weights[i])
		}
	}
	zt, t, sums := dualRows(X, y, dim, rows, u, m)

	// An error δ in the mean x̄ adds uᵣ·δ to every row, and the dual form
	// divides the part of it along u by s: with columns of 1e10 and
	// λ = 1e-6, the weights were off by 2e-6. So the rows are centred a
	// second time, on their mean deviation from x̄, which is exact to
	// rounding of the deviations rather than of x̄.
	shift := make([]float64, dim)
	var shiftY float64
	if !opts.NoIntercept {
		for j := range shift {
			// A constant column centres to exact zeros, but the two
			// centrings leave rounding noise where the weights differ,
			// which a small s would divide into a huge weight. The check
			// stops at the first row that differs, for most columns the
			// second.
			if value, ok := constantValue(X, dim, j, rows); ok {
				clear(zt[j*n : (j+1)*n])
				m.meanX[j] = value
				continue
			}
			shift[j] = sums.x[j] / m.weight
			if shift[j] != 0 {
				row := zt[j*n : (j+1)*n]
				for r, ur := range u {
					row[r] -= ur * shift[j]
				}
			}
		}
		shiftY = sums.y / m.weight
		for r, ur := range u {
			t[r] -= ur * shiftY
		}
	}

	// ZZᵀ is the Gram matrix of Zᵀ, whose rows are the columns of Z:
	// ridgeGram with no centring (means of 0) and no weights forms it.
	gram, _, ds := ridgeGram(k, zt, make([]float64, dim), n, ridgeMoments{meanX: make([]float64, n)},
		RidgeOptions{Workers: opts.Workers}, nil)
	for r := range n {
		if !isFinite(gram[r*ds+r]) || !isFinite(t[r]) {
			return nil, m, fmt.Errorf("%w: the squares of row %d of X or y overflow float64 after centring; scale X and y down",
				ErrNaN, rows[r])
		}
	}
	mirrorUpper(gram, n, ds)
	alpha := t
	penalty, scale := scaleForPenalty(gram, n, ds, alpha, lambda, m.weight)
	if !opts.NoIntercept {
		addCentredDirection(gram, n, ds, u, m.weight)
	}
	for r := range n {
		gram[r*ds+r] += penalty
	}
	// κ of the dual system, with its rows and columns scaled to a unit
	// diagonal. A column much larger than the others fills ZZᵀ, and the
	// rounding of its entries then hides the other columns: rows
	// (1e7, 1, 0) and (1e7, 0, 1) at λ = 1 gave weights 0.26% off with
	// κ ≈ 7e13, where the primal form, which scales each column, is exact.
	rootDiag := make([]float64, n)
	for r := range n {
		rootDiag[r] = math.Sqrt(gram[r*ds+r])
	}
	norm1 := scaledOneNorm(gram, n, ds, rootDiag)
	f, err := choleskyFactor(gram, n, ds, nil, k)
	if err != nil {
		var singular *singularColumn
		if !errors.As(err, &singular) {
			return nil, m, err
		}
		row := rows[singular.column]
		cause := fmt.Sprintf("row %d of X is a linear combination of the rows before it to within rounding", row)
		switch {
		case singular.column == 0 && opts.NoIntercept:
			// No earlier row's share is subtracted from the first
			// pivot, so it fails only where its diagonal entry is 0.
			cause = fmt.Sprintf("row %d of X is zero in float64", row)
		case singular.column == 0:
			cause = fmt.Sprintf("after centring, row %d of X and the mean square of the rows are zero in float64, as when all rows of nonzero weight are the same", row)
		case !opts.NoIntercept:
			cause = fmt.Sprintf("row %d of X is an affine combination of the rows before it to within rounding", row)
		}
		err = fmt.Errorf("%w: X has %s of nonzero weight and %s, so XᵀX is singular, and lambda = %g is too small to make XᵀX + λ·Σw·I solvable in float64: %s; use a larger lambda",
			ErrSingular, countNoun(n, "row"), countNoun(dim, "column"), lambda, cause)
		if dim <= dualFallbackColumns {
			return nil, m, &dualIllConditioned{singular: err}
		}
		return nil, m, err
	}
	f.substitute(n, alpha)
	condition := norm1 * f.inverseOneNorm(n, rootDiag)
	if !(condition <= refineAbove) && dim <= dualFallbackColumns {
		return nil, m, &dualIllConditioned{}
	}
	if !(condition <= maxCondition) {
		return nil, m, fmt.Errorf("%w: XXᵀ + λ·Σw·I, the system of the dual form for %s and %s, is too ill-conditioned for float64: with its rows scaled to a unit diagonal, its condition number is about %.1e, at least %.1e; use a larger lambda or bring the columns of X to similar scales",
			ErrSingular, countNoun(n, "row"), countNoun(dim, "column"), condition, float64(maxCondition))
	}

	dot := dotProductFor(k)
	weights := make([]float64, dim)
	for j := range weights {
		weights[j] = dot(zt[j*n:(j+1)*n], alpha)
	}
	if condition > refineAbove {
		// Only above dualFallbackColumns: below, the primal form fits.
		dual := dualSystem{zt: zt, n: n, factor: f, scale: math.Ldexp(1, -scale), penalty: penalty, dot: dot}
		system := normalSystem[F]{X: X, y: y, dim: dim, base: m, shift: deviations{meanX: shift, meanY: shiftY},
			weights: opts.Weights, penalty: penalty, scale: dual.scale, rootDiag: dual.rootDiag(), workers: opts.Workers}
		remaining := system.refine(dual.solve, weights)
		if !(remaining <= dualRefinedWithin) {
			return nil, m, fmt.Errorf("%w: XXᵀ + λ·Σw·I, the system of the dual form for %s and %s, is too ill-conditioned for float64: with its rows scaled to a unit diagonal, its condition number is about %.1e, and refining the weights left them about %.0e off; use a larger lambda or bring the columns of X to similar scales",
				ErrSingular, countNoun(n, "row"), countNoun(dim, "column"), condition, remaining)
		}
	}
	for j, v := range shift {
		m.meanX[j] += v
	}
	m.meanY += shiftY
	return weights, m, nil
}

// dualSystem is the dual form's factorisation as a solver of the primal
// system (ZᵀZ + s·I)·δ = r, for refine, by the Woodbury identity
//
//	(ZᵀZ + s·I)⁻¹ = (I − Zᵀ·(ZZᵀ + s·I)⁻¹·Z) / s.
//
// The factor is that of ZZᵀ + s·I (and, with the intercept, a multiple of
// uuᵀ, which the centred rows are orthogonal to) times scale, and penalty
// is s·scale.
type dualSystem struct {
	zt      []float64 // Zᵀ, dim rows of n values
	n       int
	factor  *factor
	scale   float64
	penalty float64
	dot     func(x, y []float64) float64
}

// solve overwrites r, a residual of the primal system times scale, with
// the correction δ = (ZᵀZ + s·I)⁻¹·r/scale. The subtraction loses about
// κ·ε relative where s is small beside ZZᵀ, as the dual solve itself
// does, which refinement tolerates while κ·ε is well below 1.
func (d dualSystem) solve(r []float64) {
	v := make([]float64, d.n) // Z·r
	for j, rj := range r {
		if rj == 0 {
			continue
		}
		for q, z := range d.zt[j*d.n : (j+1)*d.n] {
			v[q] += z * rj
		}
	}
	d.factor.substitute(d.n, v)
	for q := range v {
		v[q] *= d.scale
	}
	for j := range r {
		r[j] = (r[j] - d.dot(d.zt[j*d.n:(j+1)*d.n], v)) / d.penalty
	}
}

// rootDiag returns √Aⱼⱼ of the primal system A = (ZᵀZ + s·I)·scale, by
// which refine weighs its steps.
func (d dualSystem) rootDiag() []float64 {
	roots := make([]float64, len(d.zt)/d.n)
	for j := range roots {
		row := d.zt[j*d.n : (j+1)*d.n]
		roots[j] = math.Sqrt(d.dot(row, row)*d.scale + d.penalty)
	}
	return roots
}

// dualIllConditioned is the error solveDual returns where its system is
// too ill-conditioned for the dual form to be accurate (κ above
// refineAbove, or singular to rounding) and the primal form is
// affordable, with at most dualFallbackColumns columns. FitRidge then
// fits the primal form. When the dual factorisation found a row
// dependent on the rows before it, singular is the error that names it,
// which FitRidge returns if the primal form is singular too.
type dualIllConditioned struct{ singular error }

func (e *dualIllConditioned) Error() string { return "vecfit: the dual system is ill-conditioned" }

// dualFallbackColumns is the most columns for which an ill-conditioned
// dual fit is done again in the primal form, whose dim³/3 factorisation
// dominates there: a 10 × 4,096 fit that fell back took 1.7 s on one
// core of an AMD EPYC (Zen 4), against 0.3 ms in the dual form.
const dualFallbackColumns = 4096

// dualRefinedWithin is the largest estimate of the remaining error,
// relative to the weights scaled by their columns' norms, with which
// FitRidge accepts refined weights of the dual form above
// dualFallbackColumns, where it does not fit the primal form instead. In
// 1,000 random fits with one column 10³ to 10⁹ times the others, refined
// at κ from 1e10 to 2.6e14, the error was at most 100 times this
// estimate. Weights estimated within 2⁻³⁰ were at most 6e-10 off there,
// and 5.4e-9 in a tester's fits.
const dualRefinedWithin = 0x1p-30

// addCentredDirection adds c·u·uᵀ to the lower triangle of the n×n
// matrix ZZᵀ (rows stride values apart), for uᵣ = √wᵢ of the rows and
// c·Σwᵢ its mean diagonal entry. The centred rows sum to 0 with weights
// uᵣ, so u spans the null space that centring gives ZZᵀ, and
// ZZᵀ + s·I would be singular to within rounding once s is small beside
// it. Since Zᵀu = 0 and t is orthogonal to u, adding c·u·uᵀ leaves the
// weights Zᵀα unchanged while it lifts that direction to the scale of
// the rest.
func addCentredDirection(a []float64, n, stride int, u []float64, weight float64) {
	// The mean diagonal entry, summed as a mean so that it cannot
	// overflow.
	var mean float64
	for r := range n {
		mean += a[r*stride+r] / float64(n)
	}
	c := mean / weight
	for r := range n {
		row := a[r*stride : r*stride+r+1]
		cu := c * u[r]
		for q := range row {
			row[q] += cu * u[q]
		}
	}
}

// dualSums contains Σᵣ uᵣ·Zᵀ[j][r] for each column j, and Σᵣ uᵣ·t[r].
type dualSums struct {
	x []float64
	y float64
}

// dualRows returns Zᵀ, dim rows of len(rows) values, and t for the given
// rows of X and y: Zᵀ[j][r] = uᵣ·(X[i][j] − x̄ⱼ) and t[r] = uᵣ·(yᵢ − ȳ)
// for i = rows[r], and their sums weighted by u. It reads the rows eight
// at a time, so that each group of eight values written to Zᵀ is one
// 64-byte cache line (or two).
func dualRows[F Float](X, y []F, dim int, rows []int, u []float64, m ridgeMoments) (zt, t []float64, sums dualSums) {
	n := len(rows)
	zt, t = make([]float64, dim*n), make([]float64, n)
	sums.x = make([]float64, dim)
	mean := m.meanX[:dim]
	var src [8][]F
	r0 := 0
	for ; r0 < n; r0 += 8 {
		group := rows[r0:min(r0+8, n)]
		for p, i := range group {
			t[r0+p] = u[r0+p] * (float64(y[i]) - m.meanY)
			sums.y += u[r0+p] * t[r0+p]
			src[p] = X[i*dim : (i+1)*dim]
		}
		if len(group) < 8 {
			break
		}
		s0, s1, s2, s3 := src[0][:dim], src[1][:dim], src[2][:dim], src[3][:dim]
		s4, s5, s6, s7 := src[4][:dim], src[5][:dim], src[6][:dim], src[7][:dim]
		w := u[r0 : r0+8]
		for j, mj := range mean {
			out := zt[j*n+r0 : j*n+r0+8]
			out[0] = w[0] * (float64(s0[j]) - mj)
			out[1] = w[1] * (float64(s1[j]) - mj)
			out[2] = w[2] * (float64(s2[j]) - mj)
			out[3] = w[3] * (float64(s3[j]) - mj)
			out[4] = w[4] * (float64(s4[j]) - mj)
			out[5] = w[5] * (float64(s5[j]) - mj)
			out[6] = w[6] * (float64(s6[j]) - mj)
			out[7] = w[7] * (float64(s7[j]) - mj)
			sums.x[j] += (w[0]*out[0] + w[1]*out[1] + w[2]*out[2] + w[3]*out[3]) +
				(w[4]*out[4] + w[5]*out[5] + w[6]*out[6] + w[7]*out[7])
		}
	}
	// The last group of fewer than 8 rows, if any.
	for p := range n - r0 {
		for j, mj := range mean {
			v := u[r0+p] * (float64(src[p][j]) - mj)
			zt[j*n+r0+p] = v
			sums.x[j] += u[r0+p] * v
		}
	}
	return zt, t, sums
}

// constantValue returns the value of column j of X when it is the same
// in each of the given rows, which must not be empty.
func constantValue[F Float](X []F, dim, j int, rows []int) (float64, bool) {
	first := X[rows[0]*dim+j]
	for _, i := range rows[1:] {
		if X[i*dim+j] != first {
			return 0, false
		}
	}
	return float64(first), true
}
