package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ridgeWidePrefetch is how far ahead of the first row of a group, in
// bytes, the wide kernel prefetches X.
const ridgeWidePrefetch = 16384

// ridgeWide emits the fused ridge kernel with ZMM vectors for rows of
// any width. Like the AVX2 kernel of ridge.go it takes 4 rows at a time
// in two loops, dot products and then gradient, but it reads the 4 rows
// column by column in both:
//
//	for c := range dim/L {
//		acc[p] += X[p][c] * w[c]             // for p in 0..3, w read once
//	}
//	r = sums of acc + b − y[0:4]
//	for c := range dim/L {
//		grad[c] += r[0]*X[0][c] + … + r[3]*X[3][c]
//	}
//
// so that w and grad are read once per 4 rows. The last dim%L columns of
// a row are read with a masked load, which on AMD64 never faults on the
// lanes that it leaves out, and grad's are written with a masked store.
// The last n%4 rows are taken one at a time.
//
// The hardware prefetcher does not follow 4 interleaved rows, so the
// kernel prefetches every line of X itself, ridgeWidePrefetch bytes
// ahead. The prefetches are spread over both loops so that requests go
// out while the gradient loop reads from L1. A C model of this loop is
// scripts/ridgewide.c. On one core of an AMD EPYC (Zen 5), with
// 20,000×768 float32, it read X at 0.72 to 0.85 of the rate of a plain
// scan, and at the scan's rate with X in the L3 cache. These variants
// were slower in the model:
//
//   - all prefetches in the dot product loop
//   - a prefetch for every other line, leaving the rest to the hardware
//   - the rows of a group read one after the other
//   - 2 or 8 rows at a time
//   - one loop that does the dot products of the next group beside the
//     gradient of this one
//   - prefetches 8 or 32 KiB ahead, to L2 (T1, T2) instead of L1, or at
//     two distances
//   - blocks of 32 or 64 rows, the dot products of all rows first, then
//     the gradient reading them again from L2
//
// RidgeGrad on that shape read X at 40.4 GB/s with this kernel against
// 32.9 with the AVX2 kernel (medians of 7 alternated runs).
func ridgeWide(t target) {
	name := fmt.Sprintf("ridgeWideAVX512%s", t.suffix())
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(grad, X, y, w []%[1]s, b %[1]s) (sumSq, sum %[1]s)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds Σᵢ rᵢ·X[i] to grad and returns Σᵢ rᵢ² and Σᵢ rᵢ, "+
		"for rᵢ = X[i]·w + b − y[i] over the len(y) rows of X (len(w) columns), with AVX-512.", name))

	k, yp, n := newRidgeWideKernel(t, name)
	xp, rowBytes := k.xp, k.rowBytes

	// sumSq and sum hold one lane per row of a group in their low 4
	// lanes (an XMM for float32, a YMM for float64), and the rows taken
	// one at a time in lane 0 of sumSq1 and sum1.
	sumSq, sum, sumSq1, sum1 := YMM(), YMM(), YMM(), YMM()
	for _, v := range []VecVirtual{sumSq, sum, sumSq1, sum1} {
		VXORPS(v, v, v)
	}
	rs := AllocLocal(ridgeRows * t.size)

	Comment("Groups of 4 rows.")
	Label(name + "_group")
	CMPQ(n, U32(ridgeRows))
	JL(LabelRef(name + "_single"))
	pf := GP64()
	LEAQ(Mem{Base: xp, Disp: ridgeWidePrefetch}, pf)
	// The loops below prefetch one line per vector of each row, and these
	// four lines the tails of the 4 rows.
	prefetchLines(pf, 4)
	acc := k.dots(ridgeRows, name+"_group", pf)

	Comment("r = the 4 row sums + b − y[0:4].")
	half := target{isa: "AVX2", width: 32, size: t.size}
	quarters := make([]VecVirtual, ridgeRows)
	for i, a := range acc {
		quarters[i] = YMM()
		VEXTRACTF64X4(U8(1), a, quarters[i])
		half.add(a.AsY(), quarters[i], quarters[i])
	}
	r := half.reduce4(quarters)
	rb := half.groupResiduals(r, sumSq, sum, yp, rs, t)
	k.grads(ridgeRows, name+"_group", rb, pf)
	LEAQ(Mem{Base: xp, Index: rowBytes, Scale: 4}, xp)
	ADDQ(U32(ridgeRows*t.size), yp)
	SUBQ(U32(ridgeRows), n)
	JMP(LabelRef(name + "_group"))

	Comment("The remaining rows, one at a time.")
	Label(name + "_single")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	k.oneRow(name+"_single", yp, sumSq1, sum1)
	DECQ(n)
	JMP(LabelRef(name + "_single"))

	Label(name + "_done")
	Comment("Add the lanes of the group sums to the single-row sums.")
	for i, pair := range [][2]VecVirtual{{sumSq, sumSq1}, {sum, sum1}} {
		s := half.reduce1(pair[0])
		if t.size == 4 {
			VADDSS(pair[1].AsX(), s, s)
			VMOVSS(s, returnAddr(i))
		} else {
			VADDSD(pair[1].AsX(), s, s)
			VMOVSD(s, returnAddr(i))
		}
	}
	VZEROUPPER()
	RET()
}

// newRidgeWideKernel loads the arguments of a wide ridge kernel and
// returns its shared state, with the pointer to y and the number of rows.
func newRidgeWideKernel(t target, name string) (k ridgeWideKernel, yp, n Register) {
	L := t.lanes()
	xp := Load(Param("X").Base(), GP64())
	yp = Load(Param("y").Base(), GP64())
	n = Load(Param("y").Len(), GP64())
	gp := Load(Param("grad").Base(), GP64())
	wp := Load(Param("w").Base(), GP64())
	dim := Load(Param("w").Len(), GP64())

	Comment("rowBytes = dim·size, vectors = dim/L, mask selects the dim%L tail lanes.")
	rowBytes := GP64()
	MOVQ(dim, rowBytes)
	SHLQ(U8(log2(t.size)), rowBytes)
	vectors := GP64()
	MOVQ(dim, vectors)
	SHRQ(U8(log2(L)), vectors)
	tail := dim
	ANDQ(U32(L-1), tail)
	mask, table := K(), GP64()
	LEAQ(tailMask, table)
	KMOVW(Mem{Base: table, Index: tail, Scale: 2}, mask)
	tailOff := GP64() // byte offset of the tail in a row
	MOVQ(vectors, tailOff)
	SHLQ(U8(6), tailOff)

	// wTail holds w's tail and zeros after it, so it is zero when dim is
	// a multiple of L.
	wTail := ZMM()
	t.maskedLoad(Mem{Base: wp, Index: tailOff, Scale: 1}, mask, wTail)

	k = ridgeWideKernel{t: t, name: name, xp: xp, gp: gp, wp: wp,
		rowBytes: rowBytes, vectors: vectors, tailOff: tailOff, mask: mask, wTail: wTail}
	return k, yp, n
}

// oneRow emits the dot product of the row at xp, its residual, which it
// adds to lane 0 of sumSq and sum, and its gradient, and moves xp and yp
// on by one row.
func (k ridgeWideKernel) oneRow(label string, yp Register, sumSq, sum VecVirtual) {
	half := target{isa: "AVX2", width: 32, size: k.t.size}
	acc := k.dots(1, label, nil)
	high := YMM()
	VEXTRACTF64X4(U8(1), acc[0], high)
	half.add(acc[0].AsY(), high, high)
	r := half.reduce1(high)
	rb := ZMM()
	half.rowResidual(r, sumSq, sum, yp, rb)
	k.grads(1, label, []VecVirtual{rb}, nil)
	ADDQ(k.rowBytes, k.xp)
	ADDQ(U32(k.t.size), yp)
}

// ridgeWideKernel is the state that the two loops of ridgeWide share.
type ridgeWideKernel struct {
	t                 target
	name              string
	xp, gp, wp        Register
	rowBytes, vectors Register
	tailOff           Register
	mask              Register
	wTail             VecVirtual
}

// rows returns the addresses of the first p rows at the cursor c0, with
// c3 pointing at row 3 when p is 4.
func (k ridgeWideKernel) rows(p int, c0, c3 Register) []Mem {
	m := make([]Mem, p)
	for i := range p {
		switch i {
		case 0:
			m[i] = Mem{Base: c0}
		case 3:
			m[i] = Mem{Base: c3}
		default:
			m[i] = Mem{Base: c0, Index: k.rowBytes, Scale: uint8(i)}
		}
	}
	return m
}

// cursors sets c0 to the first row of the group, c3 to its row 3 when p
// is 4, and the count to the number of whole vectors in a row.
func (k ridgeWideKernel) cursors(p int) (c0, c3, count Register) {
	c0, count = GP64(), GP64()
	MOVQ(k.xp, c0)
	if p == ridgeRows {
		c3 = GP64()
		LEAQ(Mem{Base: k.xp, Index: k.rowBytes, Scale: 2}, c3)
		ADDQ(k.rowBytes, c3)
	}
	MOVQ(k.vectors, count)
	return c0, c3, count
}

// prefetchLines emits lines prefetches at pf and moves pf past them. A
// nil pf emits nothing.
func prefetchLines(pf Register, lines int) {
	if pf == nil {
		return
	}
	for l := range lines {
		PREFETCHT0(Mem{Base: pf, Disp: 64 * l})
	}
	ADDQ(U32(64*lines), pf)
}

// dots emits the dot products of p rows with w, two vectors of a row at
// a time into two sums per row, and returns the sums of each row, one
// vector per row. It prefetches p/2 lines per vector.
func (k ridgeWideKernel) dots(p int, label string, pf Register) []VecVirtual {
	t := k.t
	acc := make([][2]VecVirtual, p)
	for i := range acc {
		for j := range acc[i] {
			acc[i][j] = ZMM()
			t.zero(acc[i][j])
		}
	}
	c0, c3, count := k.cursors(p)
	wc := GP64()
	MOVQ(k.wp, wc)
	rows := k.rows(p, c0, c3)
	step := func(vectors int) {
		prefetchLines(pf, vectors*p/2)
		for u := range vectors {
			wv := ZMM()
			t.move(Mem{Base: wc, Disp: 64 * u}, wv)
			for i, row := range rows {
				t.fma(row.Offset(64*u), wv, acc[i][u])
			}
		}
		ADDQ(U32(64*vectors), c0)
		if c3 != nil {
			ADDQ(U32(64*vectors), c3)
		}
		ADDQ(U32(64*vectors), wc)
	}

	CMPQ(count, U32(2))
	JL(LabelRef(label + "_dot_single"))
	alignLoop()
	Label(label + "_dot")
	step(2)
	SUBQ(U32(2), count)
	CMPQ(count, U32(2))
	JGE(LabelRef(label + "_dot"))
	Label(label + "_dot_single")
	TESTQ(count, count)
	JZ(LabelRef(label + "_dot_tail"))
	step(1)

	Label(label + "_dot_tail")
	// The tail, masked, is the vector at c0. With no tail the mask is
	// empty and wTail is zero.
	for i, row := range rows {
		x := ZMM()
		t.maskedLoad(row, k.mask, x)
		t.fma(x, k.wTail, acc[i][1])
	}
	sums := make([]VecVirtual, p)
	for i := range acc {
		t.add(acc[i][1], acc[i][0], acc[i][0])
		sums[i] = acc[i][0]
	}
	return sums
}

// grads emits grad[c] += Σ_p r[p]·X[p][c] for p rows. It prefetches
// p/2 lines per vector, rounded up.
func (k ridgeWideKernel) grads(p int, label string, r []VecVirtual, pf Register) {
	t := k.t
	c0, c3, count := k.cursors(p)
	gc := GP64()
	MOVQ(k.gp, gc)
	rows := k.rows(p, c0, c3)
	TESTQ(count, count)
	JZ(LabelRef(label + "_grad_tail"))
	alignLoop()
	Label(label + "_grad")
	prefetchLines(pf, (p+1)/2)
	g := ZMM()
	t.move(Mem{Base: gc}, g)
	for i, row := range rows {
		t.fma(row, r[i], g)
	}
	t.move(g, Mem{Base: gc})
	ADDQ(U32(64), c0)
	if c3 != nil {
		ADDQ(U32(64), c3)
	}
	ADDQ(U32(64), gc)
	DECQ(count)
	JNZ(LabelRef(label + "_grad"))

	Label(label + "_grad_tail")
	// With no tail the mask is empty and nothing is read or written.
	gt := ZMM()
	t.maskedLoad(Mem{Base: gc}, k.mask, gt)
	for i, row := range rows {
		x := ZMM()
		t.maskedLoad(row, k.mask, x)
		t.fma(x, r[i], gt)
	}
	t.maskedMove(gt, k.mask, Mem{Base: gc})
}

// maskedLoad loads the lanes of m that mask selects into v and zeroes the
// others. Lanes left out are not read, so they cannot fault.
func (t target) maskedLoad(m Mem, mask Register, v VecVirtual) {
	if t.size == 4 {
		VMOVUPS_Z(m, mask, v)
	} else {
		VMOVUPD_Z(m, mask, v)
	}
}

// alignLoop aligns the next instruction, the start of a loop, to 64
// bytes. On one core of an AMD EPYC (Zen 5), aligning the two loops of
// ridgeWideAVX512F32 took its read rate of 20,000×768 float32 from
// 37–38 to 40–43 GB/s (three alternated runs).
func alignLoop() {
	Instruction(&ir.Instruction{Opcode: "PCALIGN", Operands: []Op{U8(64)}})
}
