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

	// An error δ in the mean x̄ adds √wᵢ·δ to every row, and the dual
	// form divides the part of it along (√wᵢ) by s: with columns of 1e10
	// and λ = 1e-6, the weights were off by 2e-6. So the rows are centred
	// a second time, on the mean deviation from x̄, which is exact to
	// rounding of the deviations rather than of x̄.
	var dev deviations
	if opts.NoIntercept {
		dev = deviations{meanX: make([]float64, dim)}
	} else {
		dev = meanDeviations(X, y, dim, m, opts.Weights)
	}
	zt, t := dualRows(X, y, dim, rows, m, dev, opts.Weights)

	// ZZᵀ is the Gram matrix of Zᵀ, whose rows are the columns of Z:
	// ridgeGram with no centring (means of 0) and no weights forms it.
	gram, _, ds := ridgeGram(k, zt, make([]float64, dim), n, ridgeMoments{meanX: make([]float64, n)},
		RidgeOptions{Workers: opts.Workers})
	for r := range n {
		if !isFinite(gram[r*ds+r]) || !isFinite(t[r]) {
			return nil, m, fmt.Errorf("%w: the squares of row %d of X or y overflow float64 after centring; scale X and y down",
				ErrNaN, rows[r])
		}
	}
	mirrorUpper(gram, n, ds)
	if !opts.NoIntercept {
		addCentredDirection(gram, n, ds, rows, opts.Weights, m.weight)
	}
	alpha := t
	addPenalty(gram, n, ds, alpha, lambda, m.weight)
	if err := choleskySolve(gram, n, ds, alpha, nil, k); err != nil {
		var singular *singularColumn
		if !errors.As(err, &singular) {
			return nil, m, err
		}
		combination := "a linear combination"
		if !opts.NoIntercept {
			combination = "an affine combination"
		}
		return nil, m, fmt.Errorf("%w: X has %s of nonzero weight and %s, so XᵀX is singular, and lambda = %g is too small to make XᵀX + λ·Σw·I solvable in float64: row %d of X is %s of the rows before it to within rounding; use a larger lambda",
			ErrSingular, countNoun(n, "row"), countNoun(dim, "column"), lambda, rows[singular.column], combination)
	}

	dot := dotProductFor(k)
	weights := make([]float64, dim)
	for j := range weights {
		weights[j] = dot(zt[j*n:(j+1)*n], alpha)
	}
	for j, v := range dev.meanX {
		m.meanX[j] += v
	}
	m.meanY += dev.meanY
	return weights, m, nil
}

// addCentredDirection adds c·u·uᵀ to the lower triangle of the n×n
// matrix ZZᵀ (rows stride values apart), for uᵣ = √wᵢ of row i = rows[r]
// and c·Σwᵢ its mean diagonal entry. The centred rows sum to 0 with
// weights √wᵢ, so u spans the null space that centring gives ZZᵀ, and
// ZZᵀ + s·I would be singular to within rounding once s is small beside
// it. Since Zᵀu = 0 and t is orthogonal to u, adding c·u·uᵀ leaves the
// weights Zᵀα unchanged while it lifts that direction to the scale of
// the rest.
func addCentredDirection(a []float64, n, stride int, rows []int, weights []float64, weight float64) {
	var trace float64
	for r := range n {
		trace += a[r*stride+r]
	}
	c := trace / (float64(n) * weight)
	u := make([]float64, n)
	for r, i := range rows {
		u[r] = 1
		if weights != nil {
			u[r] = math.Sqrt(weights[i])
		}
	}
	for r := range n {
		row := a[r*stride : r*stride+r+1]
		cu := c * u[r]
		for q := range row {
			row[q] += cu * u[q]
		}
	}
}

// dualRows returns Zᵀ, dim rows of len(rows) values, and t for the given
// rows of X and y: Zᵀ[j][r] = √wᵢ·((X[i][j] − x̄ⱼ) − δⱼ) and
// t[r] = √wᵢ·((yᵢ − ȳ) − δ_y) for i = rows[r], δ being the mean
// deviations. It reads the rows eight at a time, so that each group of
// eight values written to Zᵀ is one 64-byte cache line (or two).
func dualRows[F Float](X, y []F, dim int, rows []int, m ridgeMoments, dev deviations, weights []float64) (zt, t []float64) {
	n := len(rows)
	zt, t = make([]float64, dim*n), make([]float64, n)
	mean, shift := m.meanX[:dim], dev.meanX[:dim]
	var scale [8]float64
	var src [8][]F
	r0 := 0
	for ; r0 < n; r0 += 8 {
		group := rows[r0:min(r0+8, n)]
		for p, i := range group {
			scale[p] = 1
			if weights != nil {
				scale[p] = math.Sqrt(weights[i])
			}
			t[r0+p] = scale[p] * ((float64(y[i]) - m.meanY) - dev.meanY)
			src[p] = X[i*dim : (i+1)*dim]
		}
		if len(group) < 8 {
			break
		}
		s0, s1, s2, s3 := src[0][:dim], src[1][:dim], src[2][:dim], src[3][:dim]
		s4, s5, s6, s7 := src[4][:dim], src[5][:dim], src[6][:dim], src[7][:dim]
		for j := range mean {
			out := zt[j*n+r0 : j*n+r0+8]
			mj, dj := mean[j], shift[j]
			out[0] = scale[0] * ((float64(s0[j]) - mj) - dj)
			out[1] = scale[1] * ((float64(s1[j]) - mj) - dj)
			out[2] = scale[2] * ((float64(s2[j]) - mj) - dj)
			out[3] = scale[3] * ((float64(s3[j]) - mj) - dj)
			out[4] = scale[4] * ((float64(s4[j]) - mj) - dj)
			out[5] = scale[5] * ((float64(s5[j]) - mj) - dj)
			out[6] = scale[6] * ((float64(s6[j]) - mj) - dj)
			out[7] = scale[7] * ((float64(s7[j]) - mj) - dj)
		}
	}
	// The last group of fewer than 8 rows, if any.
	for p := range n - r0 {
		for j := range mean {
			zt[j*n+r0+p] = scale[p] * ((float64(src[p][j]) - mean[j]) - shift[j])
		}
	}
	return zt, t
}
