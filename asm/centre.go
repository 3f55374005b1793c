package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The row kernels of the closed-form ridge fit take the first cols
// columns of rows rows of X (rows of dim values, cols a multiple of 4)
// and work in float64, four columns per YMM vector. The Go code handles
// the last dim − cols columns. Both take four rows at a time and add them
// in a tree. The float64 sums in memory are then loaded and stored once
// per four rows, with one addition between a store and the next load:
//
//	colSums: sums[c] += (X[r][c] + X[r+1][c]) + (X[r+2][c] + X[r+3][c])
//	centre:  z[r+i][c] = X[r+i][c] − mean[c]      for i := range 4
//	         xty[c] += (t[r]·z[r][c] + t[r+1]·z[r+1][c]) + (… r+2, r+3)
//
// The last rows%4 rows go one at a time. Written in Go, these loops took
// more time than the Gram kernel on 1,000,000 rows of 16 columns.

// rowKernelTargets are the input types: float32 rows are widened with
// VCVTPS2PD, float64 rows loaded as they are.
var rowKernelTargets = []target{
	{isa: "AVX2", width: 32, size: 4},
	{isa: "AVX2", width: 32, size: 8},
}

// loadWide loads the four values at m, widened to float64, into v.
func (t target) loadWide(m Mem, v VecVirtual) {
	if t.size == 4 {
		VCVTPS2PD(m, v)
	} else {
		VMOVUPD(m, v)
	}
}

func (t target) suffix() string { return map[int]string{4: "F32", 8: "F64"}[t.size] }

// colSums emits colSumsAVX2F32 or colSumsAVX2F64.
func colSums(t target) {
	name := "colSumsAVX2" + t.suffix()
	TEXT(name, NOSPLIT, fmt.Sprintf("func(sums []float64, X []%s, dim, rows int)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds the first len(sums) columns of rows rows of X (rows of dim values) "+
		"into sums, with AVX2. len(sums) is a multiple of 4.", name))

	sums := Load(Param("sums").Base(), GP64())
	cols := Load(Param("sums").Len(), GP64())
	x := Load(Param("X").Base(), GP64())
	rowBytes := Load(Param("dim"), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)
	rows := Load(Param("rows"), GP64())
	SHRQ(U8(2), cols)
	JZ(LabelRef(name + "_done"))

	Label(name + "_quads")
	CMPQ(rows, U8(4))
	JL(LabelRef(name + "_single"))
	c, ss := GP64(), GP64()
	MOVQ(cols, c)
	MOVQ(sums, ss)
	xr, ahead := newQuadRows(x, rowBytes), rowsAhead(x, rowBytes)
	Label(name + "_quad")
	ahead.prefetch(4 * t.size)
	v := make([]VecVirtual, 4)
	for i := range v {
		v[i] = YMM()
		t.loadWide(xr.row(i), v[i])
	}
	VADDPD(v[1], v[0], v[0])
	VADDPD(v[3], v[2], v[2])
	VADDPD(v[2], v[0], v[0])
	VADDPD(Mem{Base: ss}, v[0], v[0])
	VMOVUPD(v[0], Mem{Base: ss})
	xr.advance(4 * t.size)
	ADDQ(U8(32), ss)
	DECQ(c)
	JNZ(LabelRef(name + "_quad"))
	for range 4 {
		ADDQ(rowBytes, x)
	}
	SUBQ(U8(4), rows)
	JMP(LabelRef(name + "_quads"))

	Label(name + "_single")
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	c1, x1, s1 := GP64(), GP64(), GP64()
	MOVQ(cols, c1)
	MOVQ(x, x1)
	MOVQ(sums, s1)
	Label(name + "_last")
	row := YMM()
	t.loadWide(Mem{Base: x1}, row)
	VADDPD(Mem{Base: s1}, row, row)
	VMOVUPD(row, Mem{Base: s1})
	ADDQ(U8(4*t.size), x1)
	ADDQ(U8(32), s1)
	DECQ(c1)
	JNZ(LabelRef(name + "_last"))
	ADDQ(rowBytes, x)
	DECQ(rows)
	JMP(LabelRef(name + "_single"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// centre emits centreAVX2F32 or centreAVX2F64.
func centre(t target) {
	name := "centreAVX2" + t.suffix()
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(z []float64, X []%s, t, mean, xty []float64, dim, stride int)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets z[r·stride+c] = X[r·dim+c] − mean[c] for the first len(mean) columns "+
		"of the len(t) rows of X, and adds Σᵣ t[r]·z[r·stride+c] to xty[c], with AVX2. "+
		"len(mean) is a multiple of 4, and xty as long.", name))

	z := Load(Param("z").Base(), GP64())
	x := Load(Param("X").Base(), GP64())
	tp := Load(Param("t").Base(), GP64())
	rows := Load(Param("t").Len(), GP64())
	mean := Load(Param("mean").Base(), GP64())
	cols := Load(Param("mean").Len(), GP64())
	xty := Load(Param("xty").Base(), GP64())
	rowBytes := Load(Param("dim"), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)
	zBytes := Load(Param("stride"), GP64())
	SHLQ(U8(3), zBytes)
	SHRQ(U8(2), cols)
	JZ(LabelRef(name + "_done"))

	Label(name + "_quads")
	CMPQ(rows, U8(4))
	JL(LabelRef(name + "_single"))
	tv := make([]VecVirtual, 4)
	for i := range tv {
		tv[i] = YMM()
		VBROADCASTSD(Mem{Base: tp, Disp: 8 * i}, tv[i])
	}
	c, off := GP64(), GP64()
	MOVQ(cols, c)
	XORQ(off, off) // byte offset into mean and xty
	xr, zr := quadRowsAt(x, rowBytes), quadRowsAt(z, zBytes)
	ahead := rowsAhead(x, rowBytes)
	Label(name + "_quad")
	ahead.prefetch(4 * t.size)
	m := YMM()
	VMOVUPD(Mem{Base: mean, Index: off, Scale: 1}, m)
	v := make([]VecVirtual, 4)
	for i := range v {
		v[i] = YMM()
		t.loadWide(xr.row(i), v[i])
		VSUBPD(m, v[i], v[i])
		VMOVUPD(v[i], zr.row(i))
	}
	p, q := YMM(), YMM()
	VMULPD(tv[0], v[0], p)
	VFMADD231PD(tv[1], v[1], p)
	VMULPD(tv[2], v[2], q)
	VFMADD231PD(tv[3], v[3], q)
	VADDPD(q, p, p)
	VADDPD(Mem{Base: xty, Index: off, Scale: 1}, p, p)
	VMOVUPD(p, Mem{Base: xty, Index: off, Scale: 1})
	xr.advance(4 * t.size)
	zr.advance(32)
	ADDQ(U8(32), off)
	DECQ(c)
	JNZ(LabelRef(name + "_quad"))
	// x and z moved on by the columns done; rewind and step four rows.
	back := Load(Param("mean").Len(), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), back)
	SUBQ(back, x)
	LEAQ(Mem{Base: x, Index: rowBytes, Scale: 4}, x)
	back = Load(Param("mean").Len(), GP64())
	SHLQ(U8(3), back)
	SUBQ(back, z)
	LEAQ(Mem{Base: z, Index: zBytes, Scale: 4}, z)
	ADDQ(U8(32), tp)
	SUBQ(U8(4), rows)
	JMP(LabelRef(name + "_quads"))

	Label(name + "_single")
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	tr := YMM()
	VBROADCASTSD(Mem{Base: tp}, tr)
	c1, x1, z1, off1 := GP64(), GP64(), GP64(), GP64()
	MOVQ(cols, c1)
	MOVQ(x, x1)
	MOVQ(z, z1)
	XORQ(off1, off1)
	Label(name + "_last")
	row, sum := YMM(), YMM()
	t.loadWide(Mem{Base: x1}, row)
	VSUBPD(Mem{Base: mean, Index: off1, Scale: 1}, row, row)
	VMOVUPD(row, Mem{Base: z1})
	VMOVUPD(Mem{Base: xty, Index: off1, Scale: 1}, sum)
	VFMADD231PD(tr, row, sum)
	VMOVUPD(sum, Mem{Base: xty, Index: off1, Scale: 1})
	ADDQ(U8(4*t.size), x1)
	ADDQ(U8(32), z1)
	ADDQ(U8(32), off1)
	DECQ(c1)
	JNZ(LabelRef(name + "_last"))
	ADDQ(rowBytes, x)
	ADDQ(zBytes, z)
	ADDQ(U8(8), tp)
	DECQ(rows)
	JMP(LabelRef(name + "_single"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// quadRows addresses four consecutive rows of bytes bytes each: rows 0
// and 1 from one base register, rows 2 and 3 from another.
type quadRows struct {
	lo, hi Register
	bytes  Register
}

// newQuadRows copies first into the bases of a new quadRows.
func newQuadRows(first, bytes Register) quadRows {
	q := quadRows{lo: GP64(), hi: GP64(), bytes: bytes}
	MOVQ(first, q.lo)
	LEAQ(Mem{Base: first, Index: bytes, Scale: 2}, q.hi)
	return q
}

func (q quadRows) row(i int) Mem {
	m := Mem{Base: q.lo}
	if i >= 2 {
		m.Base = q.hi
	}
	if i%2 == 1 {
		m.Index, m.Scale = q.bytes, 1
	}
	return m
}

// quadRowsAt is newQuadRows with first itself as the base of rows 0 and 1.
func quadRowsAt(first, bytes Register) quadRows {
	q := quadRows{lo: first, hi: GP64(), bytes: bytes}
	LEAQ(Mem{Base: first, Index: bytes, Scale: 2}, q.hi)
	return q
}

// rowsAhead addresses rows 8 to 11 counted from first: the group of
// four after the next.
func rowsAhead(first, bytes Register) quadRows {
	next := GP64()
	LEAQ(Mem{Base: first, Index: bytes, Scale: 8}, next)
	return quadRowsAt(next, bytes)
}

// prefetch emits PREFETCHT0 for the cache lines at the four bases and
// moves them on by n bytes. Both kernels go through four rows at a time,
// column by column, so the hardware prefetcher meets four short streams
// that stop at each row's end. Requesting the rows two groups ahead keeps
// X coming from memory at its full rate. A prefetch past the end of X
// reads nothing and cannot fault.
func (q quadRows) prefetch(n int) {
	for i := range 4 {
		PREFETCHT0(q.row(i))
	}
	q.advance(n)
}

// advance moves both bases on by n bytes.
func (q quadRows) advance(n int) {
	ADDQ(U8(n), q.lo)
	ADDQ(U8(n), q.hi)
}

// dotProduct emits dotProductAVX2, the inner product that the Cholesky
// factorisation of FitRidge spends its time in. Four accumulators of four
// lanes cover the FMA latency, and the last len%4 values go one at a time.
func dotProduct() {
	const name = "dotProductAVX2"
	TEXT(name, NOSPLIT, "func(x, y []float64) float64")
	Pragma("noescape")
	Doc(name + " returns Σ x[i]·y[i] over the first len(x) values, with AVX2. y is at least as long as x.")

	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	acc := make([]VecVirtual, 4)
	for i := range acc {
		acc[i] = YMM()
		VXORPD(acc[i], acc[i], acc[i])
	}

	Label(name + "_sixteen")
	CMPQ(n, U8(16))
	JL(LabelRef(name + "_four"))
	for i := range acc {
		v := YMM()
		VMOVUPD(Mem{Base: x, Disp: 32 * i}, v)
		VFMADD231PD(Mem{Base: y, Disp: 32 * i}, v, acc[i])
	}
	ADDQ(U8(128), x)
	ADDQ(U8(128), y)
	SUBQ(U8(16), n)
	JMP(LabelRef(name + "_sixteen"))

	Label(name + "_four")
	CMPQ(n, U8(4))
	JL(LabelRef(name + "_reduce"))
	v := YMM()
	VMOVUPD(Mem{Base: x}, v)
	VFMADD231PD(Mem{Base: y}, v, acc[0])
	ADDQ(U8(32), x)
	ADDQ(U8(32), y)
	SUBQ(U8(4), n)
	JMP(LabelRef(name + "_four"))

	Label(name + "_reduce")
	VADDPD(acc[1], acc[0], acc[0])
	VADDPD(acc[3], acc[2], acc[2])
	VADDPD(acc[2], acc[0], acc[0])
	hi := YMM()
	VEXTRACTF128(U8(1), acc[0], hi.AsX())
	sum := XMM()
	VADDPD(hi.AsX(), acc[0].AsX(), sum)
	VHADDPD(sum, sum, sum)

	Label(name + "_one")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	// Both values are loaded first: qemu 7.2 reads past the 8 bytes of a
	// VFMADD231SD memory operand and faults at a page end.
	a, b := XMM(), XMM()
	VMOVSD(Mem{Base: x}, a)
	VMOVSD(Mem{Base: y}, b)
	VFMADD231SD(b, a, sum)
	ADDQ(U8(8), x)
	ADDQ(U8(8), y)
	DECQ(n)
	JMP(LabelRef(name + "_one"))

	Label(name + "_done")
	VMOVSD(sum, returnAddr(0))
	VZEROUPPER()
	RET()
}

// scaleRows emits scaleRowsAVX2, which multiplies the rows of centred
// values in the weighted Gram pass of FitRidge by the square roots of
// their weights. Each row is a run of width values, a multiple of 4,
// and rows are stride values apart.
func scaleRows() {
	const name = "scaleRowsAVX2"
	TEXT(name, NOSPLIT, "func(z, w []float64, width, stride int)")
	Pragma("noescape")
	Doc(name + " multiplies z[r·stride : r·stride+width] by √w[r] for each r < len(w), with AVX2. width is a multiple of 4.")

	z := Load(Param("z").Base(), GP64())
	w := Load(Param("w").Base(), GP64())
	rows := Load(Param("w").Len(), GP64())
	width := Load(Param("width"), GP64())
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(3), stride)

	Label(name + "_row")
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	root := XMM()
	VSQRTSD(Mem{Base: w}, root, root)
	s := YMM()
	VBROADCASTSD(root, s)
	p, n := GP64(), GP64()
	MOVQ(z, p)
	MOVQ(width, n)

	Label(name + "_four")
	TESTQ(n, n)
	JZ(LabelRef(name + "_next"))
	v := YMM()
	VMULPD(Mem{Base: p}, s, v)
	VMOVUPD(v, Mem{Base: p})
	ADDQ(U8(32), p)
	SUBQ(U8(4), n)
	JMP(LabelRef(name + "_four"))

	Label(name + "_next")
	ADDQ(stride, z)
	ADDQ(U8(8), w)
	DECQ(rows)
	JMP(LabelRef(name + "_row"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}
