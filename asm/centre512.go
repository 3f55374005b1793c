package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/gotypes"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The AVX-512 row kernels of the closed-form ridge fit go through X one
// row after the other, in tiles of up to 128 columns whose float64 sums
// stay in ZMM registers while the rows of the tile go by:
//
//	colSums: for each row r: sums[c] += X[r][c]
//	centre:  for each row r: z[r][c] = X[r][c] − mean[c]
//	                         xty[c] += t[r]·z[r][c]
//
// The AVX2 kernels take four rows side by side instead and keep the sums
// in memory. On one core of an AMD EPYC (Zen 4), BenchmarkColumnSums read
// 100,000 rows of 128 float32 at 9–10 GB/s with that pattern and at
// 26–30 GB/s with this one, which is the read bandwidth of the machine.
// The last vector of a tile holds 4 or 8 columns and is loaded and stored
// under a mask, so no access leaves the slices.

// tileColumns is the widest tile: 16 ZMM vectors of 8 float64 sums.
const tileColumns = 128

// rowBlock returns the number of rows to take through each tile before
// the next: all of them when the cols columns fit in one tile, else one.
// On the same machine, summing 20,000 rows of 768 float32 tile by tile
// over all the rows, or over blocks of 4 to 256 rows, read X at 11–16 GB/s,
// and one row after the other at 20–25 GB/s.
func rowBlock(cols gotypes.Component, rows Register) Register {
	block, c := GP64(), Load(cols, GP64())
	MOVQ(U32(1), block)
	CMPQ(c, U32(tileColumns))
	CMOVQLE(rows, block)
	return block
}

// tileWidth returns the columns of the next tile, min(left, 128).
func tileWidth(left Register) Register {
	w, maxWidth := GP64(), GP64()
	MOVQ(U32(tileColumns), maxWidth)
	MOVQ(left, w)
	CMPQ(w, maxWidth)
	CMOVQGT(maxWidth, w)
	return w
}

// tileShape returns the columns of the next tile w = min(left, 128), its
// number of vectors ⌈w/8⌉ and the mask of the lanes of its last vector.
func tileShape(left Register) (w, vec Register, mask Register) {
	vec, lanes, table, before := GP64(), GP64(), GP64(), GP64()
	w = tileWidth(left)
	LEAQ(Mem{Base: w, Disp: 7}, vec)
	SHRQ(U8(3), vec)
	// lanes = w − 8·(vec − 1), with before = 8·vec
	LEAQ(Mem{Base: w, Disp: 8}, lanes)
	MOVQ(vec, before)
	SHLQ(U8(3), before)
	SUBQ(before, lanes)
	mask = K()
	LEAQ(tailMask, table)
	KMOVW(Mem{Base: table, Index: lanes, Scale: 2}, mask)
	return w, vec, mask
}

// eachTileWidth emits, for each number of vectors v from 1 to 16, a
// block labelled prefix_v that body fills, and jumps from here to the one
// that vec selects. Every block must end by jumping on.
func eachTileWidth(prefix string, vec Register, body func(v int)) {
	for v := 1; v <= tileColumns/8; v++ {
		CMPQ(vec, U8(v))
		JE(LabelRef(fmt.Sprintf("%s_%d", prefix, v)))
	}
	for v := 1; v <= tileColumns/8; v++ {
		Label(fmt.Sprintf("%s_%d", prefix, v))
		body(v)
	}
}

// loadSums loads v vectors of float64 sums from base into new registers,
// the last one under mask with its other lanes zeroed.
func loadSums(base Register, v int, mask Register) []VecVirtual {
	acc := make([]VecVirtual, v)
	for i := range acc {
		acc[i] = ZMM()
		if i < v-1 {
			VMOVUPD(Mem{Base: base, Disp: 64 * i}, acc[i])
		} else {
			VMOVUPD_Z(Mem{Base: base, Disp: 64 * i}, mask, acc[i])
		}
	}
	return acc
}

// storeSums stores the vectors of acc to base, the last one under mask.
func storeSums(acc []VecVirtual, base Register, mask Register) {
	for i, v := range acc {
		if i < len(acc)-1 {
			VMOVUPD(v, Mem{Base: base, Disp: 64 * i})
		} else {
			VMOVUPD(v, mask, Mem{Base: base, Disp: 64 * i})
		}
	}
}

// loadWideMasked loads the lanes of m that mask selects, widened to
// float64, into v, and zeroes the others. Masked-off lanes are not read.
func (t target) loadWideMasked(m Mem, mask Register, v VecVirtual) {
	if t.size == 4 {
		narrow := YMM()
		VMOVUPS_Z(m, mask, narrow)
		VCVTPS2PD(narrow, v)
	} else {
		VMOVUPD_Z(m, mask, v)
	}
}

// loadWide512 loads the 8 values at m, widened to float64, into v.
func (t target) loadWide512(m Mem, v VecVirtual) {
	if t.size == 4 {
		VCVTPS2PD(m, v)
	} else {
		VMOVUPD(m, v)
	}
}

// colSums512 emits colSumsAVX512F32 or colSumsAVX512F64.
func colSums512(t target) {
	name := "colSumsAVX512" + t.suffix()
	TEXT(name, NOSPLIT, fmt.Sprintf("func(sums []float64, X []%s, dim, rows int)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds the first len(sums) columns of rows rows of X (rows of dim values) "+
		"into sums, with AVX-512, one row after the other. len(sums) is a multiple of 4.", name))

	sums := Load(Param("sums").Base(), GP64())
	x := Load(Param("X").Base(), GP64())
	rowBytes := Load(Param("dim"), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)
	rows := Load(Param("rows"), GP64())

	Label(name + "_block")
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	n := rowBlock(Param("sums").Len(), rows)
	left := Load(Param("sums").Len(), GP64())
	sp, xp := GP64(), GP64()
	MOVQ(sums, sp)
	MOVQ(x, xp)

	Label(name + "_tile")
	TESTQ(left, left)
	JZ(LabelRef(name + "_next"))
	w, vec, mask := tileShape(left)
	eachTileWidth(name+"_width", vec, func(v int) {
		acc := loadSums(sp, v, mask)

		r, p := GP64(), GP64()
		MOVQ(n, r)
		MOVQ(xp, p)

		Label(fmt.Sprintf("%s_width_%d_row", name, v))
		for i := range acc {
			x := ZMM()
			m := Mem{Base: p, Disp: 8 * t.size * i}
			if i < v-1 {
				t.loadWide512(m, x)
			} else {
				t.loadWideMasked(m, mask, x)
			}
			VADDPD(x, acc[i], acc[i])
		}
		ADDQ(rowBytes, p)
		DECQ(r)
		JNZ(LabelRef(fmt.Sprintf("%s_width_%d_row", name, v)))

		storeSums(acc, sp, mask)
		JMP(LabelRef(name + "_tiled"))
	})
	Label(name + "_tiled")
	LEAQ(Mem{Base: sp, Index: w, Scale: 8}, sp)
	LEAQ(Mem{Base: xp, Index: w, Scale: uint8(t.size)}, xp)
	SUBQ(w, left)
	JMP(LabelRef(name + "_tile"))

	Label(name + "_next")
	MOVQ(n, left)
	IMULQ(rowBytes, left)
	ADDQ(left, x)
	SUBQ(n, rows)
	JMP(LabelRef(name + "_block"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// centre512 emits centreAVX512F32 or centreAVX512F64.
func centre512(t target) {
	name := "centreAVX512" + t.suffix()
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(z []float64, X []%s, t, mean, xty []float64, dim, stride int)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets z[r·stride+c] = X[r·dim+c] − mean[c] for the first len(mean) columns "+
		"of the len(t) rows of X, and adds Σᵣ t[r]·z[r·stride+c] to xty[c], with AVX-512, "+
		"one row after the other. len(mean) is a multiple of 4, and xty as long.", name))

	z := Load(Param("z").Base(), GP64())
	x := Load(Param("X").Base(), GP64())
	tp := Load(Param("t").Base(), GP64())
	rows := Load(Param("t").Len(), GP64())
	rowBytes := Load(Param("dim"), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)
	zBytes := Load(Param("stride"), GP64())
	SHLQ(U8(3), zBytes)
	// The fit calls centre on one block of rows after another, with the
	// Gram kernel in between, which leaves the memory idle. Each row
	// prefetches into L2 the row len(t) rows on, in the next block, which
	// made FitRidge 2–5% faster on Zen 4. ahead is that distance in bytes.
	// A prefetch past the end of X reads nothing and cannot fault.
	ahead := GP64()
	MOVQ(rows, ahead)
	IMULQ(rowBytes, ahead)

	Label(name + "_block")
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	n := rowBlock(Param("mean").Len(), rows)
	left := Load(Param("mean").Len(), GP64())
	mp := Load(Param("mean").Base(), GP64())
	xtyp := Load(Param("xty").Base(), GP64())

	// x and z move on by each tile's columns, and back at the block's end.
	Label(name + "_tile")
	TESTQ(left, left)
	JZ(LabelRef(name + "_next"))
	_, vec, mask := tileShape(left)
	eachTileWidth(name+"_width", vec, func(v int) {
		acc := loadSums(xtyp, v, mask)

		// The last vector of the mean is held in a register, loaded
		// under the mask once.
		lastMean := ZMM()
		VMOVUPD_Z(Mem{Base: mp, Disp: 64 * (v - 1)}, mask, lastMean)
		r, xr, zr := GP64(), GP64(), GP64()
		XORQ(r, r)
		MOVQ(x, xr)
		MOVQ(z, zr)

		Label(fmt.Sprintf("%s_width_%d_row", name, v))
		for line := range (v*8*t.size + 63) / 64 {
			PREFETCHT1(Mem{Base: xr, Index: ahead, Scale: 1, Disp: 64 * line})
		}
		tv := ZMM()
		VBROADCASTSD(Mem{Base: tp, Index: r, Scale: 8}, tv)
		for i := range acc {
			d := ZMM()
			m := Mem{Base: xr, Disp: 8 * t.size * i}
			if i < v-1 {
				t.loadWide512(m, d)
				VSUBPD(Mem{Base: mp, Disp: 64 * i}, d, d)
				VMOVUPD(d, Mem{Base: zr, Disp: 64 * i})
			} else {
				t.loadWideMasked(m, mask, d)
				VSUBPD(lastMean, d, d)
				VMOVUPD(d, mask, Mem{Base: zr, Disp: 64 * i})
			}
			VFMADD231PD(tv, d, acc[i])
		}
		ADDQ(rowBytes, xr)
		ADDQ(zBytes, zr)
		INCQ(r)
		CMPQ(r, n)
		JL(LabelRef(fmt.Sprintf("%s_width_%d_row", name, v)))

		storeSums(acc, xtyp, mask)
		JMP(LabelRef(name + "_tiled"))
	})
	Label(name + "_tiled")
	w := tileWidth(left)
	LEAQ(Mem{Base: mp, Index: w, Scale: 8}, mp)
	LEAQ(Mem{Base: xtyp, Index: w, Scale: 8}, xtyp)
	LEAQ(Mem{Base: z, Index: w, Scale: 8}, z)
	LEAQ(Mem{Base: x, Index: w, Scale: uint8(t.size)}, x)
	SUBQ(w, left)
	JMP(LabelRef(name + "_tile"))

	Label(name + "_next")
	// Move x and z back by the columns that the tiles went through and on
	// by n rows.
	cols := Load(Param("mean").Len(), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), cols)
	SUBQ(cols, x)
	MOVQ(n, cols)
	IMULQ(rowBytes, cols)
	ADDQ(cols, x)
	cols = Load(Param("mean").Len(), GP64())
	SHLQ(U8(3), cols)
	SUBQ(cols, z)
	MOVQ(n, cols)
	IMULQ(zBytes, cols)
	ADDQ(cols, z)
	LEAQ(Mem{Base: tp, Index: n, Scale: 8}, tp)
	SUBQ(n, rows)
	JMP(LabelRef(name + "_block"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}
