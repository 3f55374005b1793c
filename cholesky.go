package vecfit

import (
	"math"
	"slices"
)

// choleskySolve solves a·x = b for the symmetric d×d matrix whose lower
// triangle a holds (row-major with rows stride values apart, the upper
// triangle unused), overwriting b with x and the lower triangle with the
// Cholesky factor L. A pivot sⱼ of at most pivotFloor times its diagonal
// entry makes the system singular. With noise (λ = 0), so does one of at
// most rankTolerance times its diagonal entry, or with √sⱼ ≤ noise[j].
// A singular system returns a *singularColumn naming the first such
// column.
//
// The factorisation goes left to right through blocks of four columns.
// The inner products with the columns before a block take nearly all of
// the time, and the kernel's blockDots forms them for two rows and the
// block's four columns at once (see asm/cholesky.go for why).
func choleskySolve(a []float64, d, stride int, b, noise []float64, k *kernel) error {
	f, err := choleskyFactor(a, d, stride, noise, k)
	if err != nil {
		return err
	}
	f.substitute(d, b)
	return nil
}

// choleskyFactor is the factorisation of choleskySolve, without the
// solve. The factor it returns solves for further right-hand sides.
func choleskyFactor(a []float64, d, stride int, noise []float64, k *kernel) (*factor, error) {
	f := &factor{a: a, stride: stride, noise: noise, blockDots: blockDotsFor(k), dot: dotProductFor(k), minPivot: 1}
	for jb := 0; jb < d; jb += 4 {
		if d-jb < 4 {
			if err := f.lastColumns(jb, d); err != nil {
				return nil, err
			}
			break
		}
		for r := jb; r < jb+4; r += 2 {
			f.prefixDots(r, jb)
			for p := range 2 {
				if err := f.diagonalRow(r+p, jb, p); err != nil {
					return nil, err
				}
			}
		}
		for i := jb + 4; i < d; i += 2 {
			// An odd last row pairs with the one before it, which is
			// only read.
			first := min(i, d-2)
			f.prefixDots(first, jb)
			for p := i - first; p < 2; p++ {
				// Row first+p lies below the block: all four columns.
				f.finishRow(first+p, jb, p, 4)
			}
		}
	}
	return f, nil
}

// factor is the state of one Cholesky factorisation.
type factor struct {
	a         []float64
	stride    int
	noise     []float64 // the rounding noise of each column, or nil for λ > 0
	blockDots func(out *[8]float64, a []float64, stride, i, j, n int)
	dot       func(x, y []float64) float64
	// s holds Σ L[i+p][k]·L[jb+q][k] over k < jb at s[p·4+q], for the
	// two rows i, i+1 and the block's columns jb…jb+3.
	s [8]float64
	// minPivot is the smallest ratio sⱼ/Aⱼⱼ so far, 1 at the start, and
	// minPivotColumn its column.
	minPivot       float64
	minPivotColumn int
}

// at returns the index of entry (i, j) in a.
func (f *factor) at(i, j int) int { return i*f.stride + j }

// prefixDots sets f.s for rows i, i+1 and columns jb…jb+3. jb, the first
// column of a block, is a multiple of 4 as the kernel requires.
func (f *factor) prefixDots(i, jb int) {
	// The kernel reads rows up to max(i+1, jb+3), before column jb.
	_ = f.a[f.at(max(i+1, jb+3), jb)]
	f.blockDots(&f.s, f.a, f.stride, i, jb, jb)
}

// finishRow sets L[i][jb+q] for q < c from f.s row p, the block's rows
// above row i and the entries of row i left of column jb+q.
func (f *factor) finishRow(i, jb, p, c int) {
	row := f.a[f.at(i, jb):][:4]
	for q := range c {
		above := f.a[f.at(jb+q, jb):][:4]
		v := row[q] - f.s[p*4+q]
		for t := range q {
			v -= row[t] * above[t]
		}
		row[q] = v / above[q]
	}
}

// diagonalRow finishes row i of the block jb…jb+3, from f.s row p: the
// entries left of the diagonal, then the pivot.
func (f *factor) diagonalRow(i, jb, p int) error {
	c := i - jb
	f.finishRow(i, jb, p, c)
	squares := f.s[p*4+c]
	for _, v := range f.a[f.at(i, jb):f.at(i, i)] {
		squares += v * v
	}
	return f.pivot(i, squares)
}

// pivot sets L[j][j] from the sum of squares of row j left of the
// diagonal, or returns the error of a singular system.
func (f *factor) pivot(j int, squares float64) error {
	diag := f.a[f.at(j, j)]
	s := diag - squares
	singular, zero := !(s > pivotFloor*diag), diag == 0
	byNoise := false
	if f.noise != nil {
		// Square roots, because the noise squared may overflow.
		byRank := singular || s <= rankTolerance*diag
		byNoise = !byRank && math.Sqrt(s) <= f.noise[j]
		singular = byRank || byNoise
		zero = zero || !(math.Sqrt(diag) > f.noise[j])
	}
	if singular {
		return &singularColumn{column: j, zero: zero, byNoise: byNoise}
	}
	if s/diag < f.minPivot {
		f.minPivot, f.minPivotColumn = s/diag, j
	}
	f.a[f.at(j, j)] = math.Sqrt(s)
	return nil
}

// lastColumns factors the last d−jb < 4 columns, which have no rows
// below their block, one inner product at a time.
func (f *factor) lastColumns(jb, d int) error {
	for j := jb; j < d; j++ {
		lj := f.a[f.at(j, 0):f.at(j, j)]
		for q := jb; q < j; q++ {
			lq := f.a[f.at(q, 0):f.at(q, q)]
			f.a[f.at(j, q)] = (f.a[f.at(j, q)] - f.dot(lq, lj)) / f.a[f.at(q, q)]
		}
		if err := f.pivot(j, f.dot(lj, lj)); err != nil {
			return err
		}
	}
	return nil
}

// substitute solves L·z = b forward, then Lᵀ·x = z backward, in place in
// b. The backward pass goes along rows of L, subtracting x[i]·L[i][:i]
// from the values before i once x[i] is known.
func (f *factor) substitute(d int, b []float64) {
	for i := range d {
		b[i] = (b[i] - f.dot(f.a[f.at(i, 0):f.at(i, i)], b[:i])) / f.a[f.at(i, i)]
	}
	for i := d - 1; i >= 0; i-- {
		x := b[i] / f.a[f.at(i, i)]
		b[i] = x
		row := f.a[f.at(i, 0):f.at(i, i)]
		for k, v := range row {
			b[k] -= x * v
		}
	}
}

// dot returns Σ x[i]·y[i] with four partial sums.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// blockDotsGeneric states the loop of the kernels' blockDots:
// out[p·4+q] = Σ a[(i+p)·stride+k]·a[(j+q)·stride+k] over k < n, for
// p < 2 and q < 4.
func blockDotsGeneric(out *[8]float64, a []float64, stride, i, j, n int) {
	for p := range 2 {
		x := a[(i+p)*stride:][:n]
		for q := range 4 {
			out[p*4+q] = dot(x, a[(j+q)*stride:])
		}
	}
}

// inverseOneNorm estimates ‖S·A⁻¹·S‖₁ for the factored d×d matrix
// A = LLᵀ and S = diag(scale), and returns a lower bound on it. It takes
// the largest of three estimates. The first is that of LAPACK's DLACON:
// a few solves steer a vector x of ‖x‖₁ = 1, starting from the uniform
// one, towards a unit vector that S·A⁻¹·S enlarges most. The second is
// DLACON's extra test, a vector of alternating signs. The third solves
// for the unit vector of the column with the smallest pivot ratio, where
// a column nearly equal to another shows: the first two miss such a
// pair, whose direction (1, −1) is orthogonal to the uniform start.
func (f *factor) inverseOneNorm(d int, scale []float64) float64 {
	// solve replaces v with S·A⁻¹·S·v, which is symmetric, and returns
	// ‖v‖₁ afterwards.
	solve := func(v []float64) float64 {
		for i := range v {
			v[i] *= scale[i]
		}
		f.substitute(d, v)
		sum := 0.0
		for i := range v {
			v[i] *= scale[i]
			sum += math.Abs(v[i])
		}
		return sum
	}
	x := make([]float64, d)
	for i := range x {
		x[i] = 1 / float64(d)
	}
	estimate := 0.0
	for step := range 5 {
		y := slices.Clone(x)
		estimate = max(estimate, solve(y))
		sign := make([]float64, d)
		for i, v := range y {
			sign[i] = 1
			if v < 0 {
				sign[i] = -1
			}
		}
		solve(sign) // the transpose is the same matrix
		next, dotZX := 0, 0.0
		for i, v := range sign {
			dotZX += v * x[i]
			if math.Abs(v) > math.Abs(sign[next]) {
				next = i
			}
		}
		if step > 0 && math.Abs(sign[next]) <= dotZX {
			break
		}
		clear(x)
		x[next] = 1
	}

	alternating := make([]float64, d)
	for i := range alternating {
		alternating[i] = 1
		if d > 1 {
			alternating[i] += float64(i) / float64(d-1)
		}
		if i%2 == 1 {
			alternating[i] = -alternating[i]
		}
	}
	estimate = max(estimate, 2*solve(alternating)/(3*float64(d)))

	unit := make([]float64, d)
	unit[f.minPivotColumn] = 1
	return max(estimate, solve(unit))
}
