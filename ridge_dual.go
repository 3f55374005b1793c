package vecfit

import (
	"errors"
	"fmt"
	"math"
)

// solveDual returns the weights of a ridge fit with λ > 0 from its dual
// form, for X with fewer rows of nonzero weight than columns. Let Z be the
// matrix of those rows, weighted and centred as in the primal form
// (zᵢ = √wᵢ·(xᵢ − x̄)), t the targets treated the same way and s = λ·Σwᵢ.
// The weights (ZᵀZ + s·I)⁻¹Zᵀt equal Zᵀ(ZZᵀ + s·I)⁻¹t, and ZZᵀ has one
// row and column per row of Z. The fit then costs about m²·dim
// multiply-adds for m rows, instead of m·dim² for ZᵀZ and dim³/3 for its
// factorisation. scikit-learn's Cholesky solver makes the same switch
// when X has more columns than rows.
func solveDual[F Float](k *kernel, X, y []F, dim int, lambda float64, m ridgeMoments, opts RidgeOptions) ([]float64, error) {
	rows := make([]int, 0, m.rows)
	for i := range y {
		if opts.Weights == nil || opts.Weights[i] != 0 {
			rows = append(rows, i)
		}
	}
	n := len(rows)
	zt, t := dualRows(X, y, dim, rows, m, opts.Weights)

	// ZZᵀ is the Gram matrix of Zᵀ, whose rows are the columns of Z:
	// ridgeGram with no centring (means of 0) and no weights forms it.
	gram, _, ds := ridgeGram(k, zt, make([]float64, dim), n, ridgeMoments{meanX: make([]float64, n)},
		RidgeOptions{Workers: opts.Workers})
	for r := range n {
		if !isFinite(gram[r*ds+r]) || !isFinite(t[r]) {
			return nil, fmt.Errorf("%w: the squares of row %d of X or y overflow float64 after centring; scale X and y down",
				ErrNaN, rows[r])
		}
	}
	mirrorUpper(gram, n, ds)
	for r := range n {
		gram[r*ds+r] += lambda * m.weight
	}
	alpha := t
	if err := choleskySolve(gram, n, ds, alpha, nil, k); err != nil {
		var singular *singularColumn
		if !errors.As(err, &singular) {
			return nil, err
		}
		centred := ""
		if !opts.NoIntercept {
			centred = ", centred,"
		}
		return nil, fmt.Errorf("%w: X has %s of nonzero weight and %s, so XᵀX is singular, and lambda = %g is too small to make XᵀX + λ·Σw·I solvable in float64: row %d of X%s is a linear combination of the rows before it to within rounding; use a larger lambda",
			ErrSingular, countNoun(n, "row"), countNoun(dim, "column"), lambda, rows[singular.column], centred)
	}

	dot := dotProductFor(k)
	weights := make([]float64, dim)
	for j := range weights {
		weights[j] = dot(zt[j*n:(j+1)*n], alpha)
	}
	return weights, nil
}

// dualRows returns Zᵀ, dim rows of len(rows) values, and t for the given
// rows of X and y: Zᵀ[j][r] = √wᵢ·(X[i][j] − x̄ⱼ) and t[r] = √wᵢ·(yᵢ − ȳ)
// for i = rows[r]. It reads the rows eight at a time, so that each group
// of eight values written to Zᵀ is one 64-byte cache line (or two).
func dualRows[F Float](X, y []F, dim int, rows []int, m ridgeMoments, weights []float64) (zt, t []float64) {
	n := len(rows)
	zt, t = make([]float64, dim*n), make([]float64, n)
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
			t[r0+p] = scale[p] * (float64(y[i]) - m.meanY)
			src[p] = X[i*dim : (i+1)*dim]
		}
		if len(group) < 8 {
			break
		}
		s0, s1, s2, s3 := src[0][:dim], src[1][:dim], src[2][:dim], src[3][:dim]
		s4, s5, s6, s7 := src[4][:dim], src[5][:dim], src[6][:dim], src[7][:dim]
		for j, mean := range m.meanX[:dim] {
			out := zt[j*n+r0 : j*n+r0+8]
			out[0] = scale[0] * (float64(s0[j]) - mean)
			out[1] = scale[1] * (float64(s1[j]) - mean)
			out[2] = scale[2] * (float64(s2[j]) - mean)
			out[3] = scale[3] * (float64(s3[j]) - mean)
			out[4] = scale[4] * (float64(s4[j]) - mean)
			out[5] = scale[5] * (float64(s5[j]) - mean)
			out[6] = scale[6] * (float64(s6[j]) - mean)
			out[7] = scale[7] * (float64(s7[j]) - mean)
		}
	}
	// The last group of fewer than 8 rows, if any.
	for p := range n - r0 {
		for j, mean := range m.meanX[:dim] {
			zt[j*n+r0+p] = scale[p] * (float64(src[p][j]) - mean)
		}
	}
	return zt, t
}
