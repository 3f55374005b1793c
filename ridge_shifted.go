package vecfit

// The two-pass fit reads X once for the column means and once to centre
// the rows on them and form ZᵀZ. solveShifted forms ZᵀZ in one pass (the
// refinement of an ill-conditioned system reads X again). It centres
// the rows on the means c of a sample of rows and adds up the centred
// rows while it forms ZᵀZ. It then corrects ZᵀZ and Zᵀt for the mean
// deviation δ = Σ(xᵢ − c)/n, as recentre does:
//
//	Σ(xᵢ − x̄)(xᵢ − x̄)ᵀ = Σ(xᵢ − c)(xᵢ − c)ᵀ − n·δ·δᵀ,  x̄ = c + δ.
//
// The subtraction exposes the rounding of Σ(xᵢ − c)², which grows with
// n·δⱼ² beside the spread of column j. A sample of rows spread over X puts
// c within a fraction of a standard deviation of x̄ for most data, where
// that costs well under a bit. Where it would cost more for some column
// or for y, solveShifted gives up and FitRidge takes the two passes. The
// test leaves out λ: with n·δⱼ² up to λ·n, a far-off sample mean made
// the weights and bias 1000 times less accurate than the two passes,
// while Aⱼⱼ = Σ(xᵢⱼ − x̄ⱼ)² + λ·n lost under a bit. So a constant column
// (Σ(xᵢⱼ − x̄ⱼ)² = 0) takes the two passes too when its sample mean is
// not exact, as for 0.1, and so does one whose δⱼ² underflows to 0.
// When the sample mean is exact, as for 1 or 3, δⱼ is 0 and the one pass
// fits it with weight 0.

// shiftSampleRows is the number of rows, spread evenly over X, whose mean
// is the shift c. The mean of m rows is typically about 1/√m standard
// deviations off the column mean, so n·δ² is about 1/m of Σ(xᵢ − x̄)².
const shiftSampleRows = 256

// centredSums is the sums of a pass over centred rows, Σzᵢ for each
// column, Σtᵢ and Σtᵢ².
type centredSums struct {
	x     []float64
	y, yy float64
}

// addBlock adds a block of centred rows z (stride values apart, the first
// len(s.x) of them used) and their targets t. colSums adds the first cols
// columns and Go the rest.
func (s *centredSums) addBlock(colSums func(sums []float64, Z []float64, stride, rows int), z, t []float64, cols, stride int) {
	colSums(s.x[:cols], z, stride, len(t))
	if cols < len(s.x) {
		for r := range t {
			for j := cols; j < len(s.x); j++ {
				s.x[j] += z[r*stride+j]
			}
		}
	}
	// Two chains each, so that the adds overlap.
	var y0, y1, yy0, yy1 float64
	r := 0
	for ; r+2 <= len(t); r += 2 {
		a, b := t[r], t[r+1]
		y0 += a
		y1 += b
		yy0 += a * a
		yy1 += b * b
	}
	if r < len(t) {
		y0 += t[r]
		yy0 += t[r] * t[r]
	}
	s.y += y0 + y1
	s.yy += yy0 + yy1
}

// add adds the sums of o.
func (s *centredSums) add(o *centredSums) {
	for j, v := range o.x {
		s.x[j] += v
	}
	s.y += o.y
	s.yy += o.yy
}

// clear sets the sums to zero.
func (s *centredSums) clear() {
	clear(s.x)
	s.y, s.yy = 0, 0
}

// shiftApplies reports whether FitRidge may try solveShifted. That needs
// rows of weight 1, an intercept, and λ > 0, so that the λ = 0 rank test
// and its centring noise do not arise. It also needs the primal form,
// which FitRidge takes with at least as many rows less one as columns.
func shiftApplies(opts RidgeOptions, lambda float64, n, dim int) bool {
	return opts.Weights == nil && !opts.NoIntercept && lambda > 0 && n-1 >= dim
}

// solveShifted fits in one pass over X, where shiftApplies. It gives up
// (ok = false) where X or y is not finite or overflows, and where the
// solve fails. It also gives up where the correction would cost more
// than a bit of some Σ(xᵢⱼ − x̄ⱼ)² or of Σ(yᵢ − ȳ)².
// FitRidge then fits in two passes, which report any error.
func solveShifted[F Float](k *kernel, X, y []F, dim int, lambda float64, opts RidgeOptions) (weights []float64, m ridgeMoments, ok bool) {
	n := len(y)
	base := sampleMeans(X, y, dim)
	sums := &centredSums{x: make([]float64, dim)}
	gram, xty, ds := ridgeGram(k, X, y, dim, base, opts, sums)

	if j := overflowColumn(gram, xty, dim, ds); j >= 0 || !isFinite(sums.y) || !isFinite(sums.yy) {
		return nil, m, false
	}
	rows := float64(n)
	shift := deviations{meanX: make([]float64, dim), meanY: sums.y / rows}
	for j, v := range sums.x {
		if !isFinite(v) {
			return nil, m, false
		}
		shift.meanX[j] = v / rows
	}
	// Σ(yᵢ − c_y)² = Σ(yᵢ − ȳ)² + n·δ_y². Give up where the second term
	// is the larger, as for a constant y whose sample mean is not exact.
	if !(2*rows*shift.meanY*shift.meanY <= sums.yy) {
		return nil, m, false
	}
	for i, di := range shift.meanX {
		row := gram[i*ds+i : i*ds+dim]
		before := row[0]
		scaled := rows * di
		for q := range row {
			row[q] -= scaled * shift.meanX[i+q]
		}
		// The diagonal is a sum of squares, which the subtraction may
		// round below 0.
		row[0] = max(row[0], 0)
		if !(before <= 2*row[0]) {
			return nil, m, false
		}
		// Squares that underflow to 0 hide a mean deviation that the
		// cross terms still carry, as for a constant column of 1e-160
		// whose sample mean is not exact.
		if before == 0 && di != 0 {
			return nil, m, false
		}
		xty[i] -= scaled * shift.meanY
	}

	m = ridgeMoments{weight: rows, rows: n, meanX: make([]float64, dim), meanY: base.meanY + shift.meanY}
	for j, v := range shift.meanX {
		m.meanX[j] = base.meanX[j] + v
	}
	sys := formedSystem{gram: gram, xty: xty, ds: ds, m: m, base: base, shift: shift}
	weights, m, err := solveFormed(k, X, y, dim, lambda, sys, opts)
	if err != nil {
		return nil, m, false
	}
	return weights, m, true
}

// sampleMeans returns the means of X and y over shiftSampleRows rows
// spread evenly over them (all rows when there are fewer), as moments of
// weight n. They may be NaN or infinite, which ridgeGram's sums then
// show.
func sampleMeans[F Float](X, y []F, dim int) ridgeMoments {
	n := len(y)
	samples := min(n, shiftSampleRows)
	m := ridgeMoments{weight: float64(n), rows: n, meanX: make([]float64, dim)}
	for s := range samples {
		i := s * n / samples
		m.meanY += float64(y[i])
		for j, v := range X[i*dim : (i+1)*dim] {
			m.meanX[j] += float64(v)
		}
	}
	for j := range m.meanX {
		m.meanX[j] /= float64(samples)
	}
	m.meanY /= float64(samples)
	return m
}
