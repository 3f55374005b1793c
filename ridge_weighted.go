package vecfit

import (
	"math"
	"slices"
)

// weightedSums adds wᵢ·xᵢ into sx for the rows of X and returns Σw, Σw·y
// and the number of rows of nonzero weight. A row of weight 0 that holds
// a NaN or an infinity makes Σw·y or sx NaN, since 0·∞ is NaN. The
// centring kernel forms the sums of the first dim &^ 3 columns as
// Zᵀt for a mean of 0 and tᵢ = wᵢ, in blocks whose centred rows, written
// to z, are not used. z grows to at most about 16 KiB, so that it stays
// in the L1 cache.
func weightedSums[F Float](centre func(z []float64, X []F, t, mean, xty []float64, dim, stride int),
	z *[]float64, sx []float64, X, y []F, weights []float64, dim int) (sw, sy, rows float64) {
	for i, wi := range weights {
		if wi == 0 {
			if !isFinite(float64(y[i])) {
				sy = math.NaN()
			}
			continue
		}
		sw += wi
		sy += wi * float64(y[i])
		rows++
	}

	cols := dim &^ 3
	if cols > 0 {
		block := max(4, 2048/dim)
		if len(*z) < block*dim+cols {
			*z = make([]float64, block*dim+cols)
		}
		out, zero := (*z)[:block*dim], (*z)[block*dim:block*dim+cols]
		clear(zero)
		for lo := 0; lo < len(weights); lo += block {
			hi := min(lo+block, len(weights))
			centre(out, X[lo*dim:hi*dim], weights[lo:hi], zero, sx[:cols], dim, dim)
		}
	}
	if cols < dim {
		for i, wi := range weights {
			for j := cols; j < dim; j++ {
				sx[j] += wi * float64(X[i*dim+j])
			}
		}
	}
	return sw, sy, rows
}

// weightedRows adds to gram and xty the Gram matrix and Zᵀt of the rows
// zᵢ = √wᵢ·(xᵢ − x̄) and tᵢ = √wᵢ·(yᵢ − ȳ), block by block. In a block
// without weights of 0, the centring kernel forms xᵢ − x̄ and Zᵀt as
// Σ wᵢ·(yᵢ − ȳ)·(xᵢ − x̄), and scale then multiplies each row by √wᵢ. A block
// with a weight of 0 goes to weightedRowsByRow, which skips those rows:
// their xᵢ − x̄ may overflow, and 0·∞ would make the sums NaN.
func weightedRows[F Float](centre func(z []float64, X []F, t, mean, xty []float64, dim, stride int),
	scale func(z, w []float64, width, stride int), gramKernel func(G, Z []float64, ds, stride int),
	gram, xty []float64, buf *gramScratch, X, y []F, weights []float64, m ridgeMoments, blockRows, stride, ds int) {
	dim := len(m.meanX)
	cols := dim &^ 3
	for lo := 0; lo < len(y); lo += blockRows {
		hi := min(lo+blockRows, len(y))
		w := weights[lo:hi]
		rows := X[lo*dim : hi*dim]
		if slices.Contains(w, 0) {
			weightedRowsByRow(gramKernel, gram, xty, buf, rows, y[lo:hi], w, m, blockRows, stride, ds)
			continue
		}

		t := buf.t[:hi-lo]
		for r := range t {
			t[r] = w[r] * (float64(y[lo+r]) - m.meanY)
		}
		z := buf.z[:len(t)*stride]
		centre(z, rows, t, m.meanX[:cols], xty[:cols], dim, stride)
		for r, tr := range t {
			zr := z[r*stride : r*stride+dim]
			for j := cols; j < dim; j++ {
				v := float64(rows[r*dim+j]) - m.meanX[j]
				zr[j] = v
				xty[j] += tr * v
			}
		}
		// The padding from dim to ds is 0, and stays 0.
		scale(z, w, ds, stride)
		gramKernel(gram, z, ds, stride)
	}
}

// weightedRowsByRow is weightedRows for rows among which some have weight
// 0. It centres and scales row by row in Go, skipping those rows, and
// calls the Gram kernel once per blockRows rows of nonzero weight.
func weightedRowsByRow[F Float](gramKernel func(G, Z []float64, ds, stride int),
	gram, xty []float64, buf *gramScratch, X, y []F, weights []float64, m ridgeMoments, blockRows, stride, ds int) {
	dim := len(m.meanX)
	rows := 0
	flush := func() {
		z := buf.z[:rows*stride]
		gramKernel(gram, z, ds, stride)
		addXty(xty, z, buf.t[:rows], stride)
		rows = 0
	}
	for i, wi := range weights {
		if wi == 0 {
			continue
		}
		x := X[i*dim : (i+1)*dim]
		zr := buf.z[rows*stride : rows*stride+len(x)]
		mean := m.meanX[:len(x)]
		if wi == 1 {
			buf.t[rows] = float64(y[i]) - m.meanY
			for j, v := range x {
				zr[j] = float64(v) - mean[j]
			}
		} else {
			sw := math.Sqrt(wi)
			buf.t[rows] = sw * (float64(y[i]) - m.meanY)
			for j, v := range x {
				zr[j] = sw * (float64(v) - mean[j])
			}
		}
		rows++
		if rows == blockRows {
			flush()
		}
	}
	if rows > 0 {
		flush()
	}
}
