package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The fused ridge kernel makes one pass over a block of rows of X. It
// takes P = 4 rows at a time and, for each group, runs two loops over the
// columns while the 4 rows sit in the L1 cache:
//
//	for p := range 4 {                             // one row after another
//		for c := range dim/L {                     // L lanes per vector
//			acc[p] += X[p][c] * w[c]
//		}
//	}
//	r := hsum(acc) + b − y[0:4]                    // 4 residuals at once
//	sumSq += r * r; sum += r
//	for c := range dim/L {
//		grad[c] += r[0]*X[0][c] + … + r[3]*X[3][c]
//	}
//
// The last t = dim%L columns go through the same steps on vectors in stack
// buffers, zero beyond lane t: w's tail is copied there once, grad's tail
// is copied in at the start and back at the end, and each group copies
// the t tail values of its rows. Masked moves (VMASKMOVPS) would be
// shorter, but QEMU faults on their masked-out lanes at a page end. The
// last n%4 rows are taken one at a time. The residuals of a
// group are reduced with horizontal adds into one vector, so the sums of
// squares and of residuals stay in vector lanes until the end.
//
// NOTE: the gradient loop sends no requests to memory. At 768 columns the
// dot products alone (a wrong result, kept only as a bound) read X 1.08
// to 1.23 times as fast, so that loop costs an estimated 7 to 19% of the
// rate. Every way of overlapping it with the reads of the next group that
// was measured ran slower. The figures are read rates relative to this
// kernel, with the two kernels alternating in one process, for
// 20,000×768 float32 on one core of an AMD EPYC (Zen 4):
//
//   - one loop over the columns with the dot products of the next group
//     and the gradient of this one: about 0.65 (separate runs)
//   - the same with a lag of one row: 0.69 to 0.77, or 0.79 with each
//     row copied to the stack for its gradient
//   - the gradient loop cut into 4 parts, one after each row of the next
//     group: 0.80 to 0.87, or into 4 or 8 parts spread over the first one
//     or two rows of the next group: 0.85 to 0.92
//   - software prefetch of the next group's first 32 lines (T0 or T2, 0
//     to 4 KiB ahead) during the gradient loop: 0.77 to 0.96
//
// The same 4-part loop ran at 1.04 to 1.05 when it read a fixed 3 KB of
// X in place of the previous group, and at about 0.90 with a fixed
// 12 KB. The loss thus seems to come from reading 12 KB of other data
// while the stream goes on, worst when the stream has just passed it,
// and not from the work of the loop.
//
// On AMD Zen 5 the kernel read 768 columns at only 13–16 GB/s, 40% of the
// bandwidth, until four sums per row and a prefetch 16 KiB ahead (see
// ridgePrefetch) brought it to 32–37 GB/s.

// ridgePrefetch is how far ahead of the row being read, in bytes, the
// kernel prefetches X. The dot products prefetch two lines per four
// vectors, and each group of rows four lines at its start, which is all
// that rows of 16 columns get. A prefetch never faults, so near the end
// of X it may name addresses past the slice, but nothing is read from
// them. Measured on one core of an AMD EPYC (Zen 5) with 20,000×768
// float32 and three alternated runs each, X was read at 16–18 GB/s with
// no prefetch and at 20–22 GB/s 1 KiB ahead. It reached 23–24 at 2 KiB,
// 26–27 at 4 KiB, 26–32 at 8 KiB and 32–37 at 16 KiB. The four lines
// per group took 1,000,000×16 from 22–24 to 29–32 GB/s.
const ridgePrefetch = 16384

// ridgeRows is the number of rows of a group.
const ridgeRows = 4

// copyTail emits a loop that copies count elements from src to dst, with
// the Index of both left free for the loop.
func (t target) copyTail(src, dst Mem, count Register, label string) {
	i, v := GP64(), GP64()
	XORQ(i, i)
	Label(label)
	src.Index, src.Scale = i, uint8(t.size)
	dst.Index, dst.Scale = i, uint8(t.size)
	if t.size == 4 {
		MOVL(src, v.As32())
		MOVL(v.As32(), dst)
	} else {
		MOVQ(src, v)
		MOVQ(v, dst)
	}
	INCQ(i)
	CMPQ(i, count)
	JL(LabelRef(label))
}

func (t target) ridgeName() string {
	return fmt.Sprintf("ridge%s%s", t.isa, map[int]string{4: "F32", 8: "F64"}[t.size])
}

var ridgeTargets = []target{
	{isa: "AVX2", width: 32, size: 4},
	{isa: "AVX2", width: 32, size: 8},
}

// ridge emits the fused ridge kernel for t.
func ridge(t target) {
	name := t.ridgeName()
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(grad, X, y, w []%[1]s, b %[1]s) (sumSq, sum %[1]s)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds Σᵢ rᵢ·X[i] to grad and returns Σᵢ rᵢ² and Σᵢ rᵢ, "+
		"for rᵢ = X[i]·w + b − y[i] over the len(y) rows of X (len(w) columns), with %s.",
		name, t.isa))

	L := t.lanes()
	xp := Load(Param("X").Base(), GP64())
	yp := Load(Param("y").Base(), GP64())
	n := Load(Param("y").Len(), GP64())
	gp := Load(Param("grad").Base(), GP64())
	wp := Load(Param("w").Base(), GP64())
	dim := Load(Param("w").Len(), GP64())

	Comment("rowBytes = dim·size, vectors = dim/L, tail = dim%L.")
	rowBytes := GP64()
	MOVQ(dim, rowBytes)
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)
	vectors := GP64()
	MOVQ(dim, vectors)
	SHRQ(U8(map[int]int{8: 3, 4: 2}[L]), vectors)
	tail := dim
	ANDQ(U32(L-1), tail)

	Comment("Zero the tail buffers; copy w's tail and grad's tail into them.")
	xbuf := AllocLocal(ridgeRows * t.width) // one vector per row
	wbuf := AllocLocal(t.width)
	gbuf := AllocLocal(t.width)
	zero := t.vec()
	t.zero(zero)
	for i := range ridgeRows {
		t.move(zero, xbuf.Offset(i*t.width))
	}
	t.move(zero, wbuf)
	t.move(zero, gbuf)
	tailOff := GP64() // byte offset of the tail in a row
	MOVQ(vectors, tailOff)
	SHLQ(U8(5), tailOff)
	TESTQ(tail, tail)
	JZ(LabelRef(name + "_setup_done"))
	wtail, gtail := GP64(), GP64()
	LEAQ(Mem{Base: wp, Index: tailOff, Scale: 1}, wtail)
	t.copyTail(Mem{Base: wtail}, wbuf, tail, name+"_copy_w")
	LEAQ(Mem{Base: gp, Index: tailOff, Scale: 1}, gtail)
	t.copyTail(Mem{Base: gtail}, gbuf, tail, name+"_copy_grad")
	Label(name + "_setup_done")

	// sumSq and sum hold one lane per row of a group; sumSq1 and sum1
	// are scalars for the rows taken one at a time.
	sumSq, sum, sumSq1, sum1 := t.vec(), t.vec(), t.vec(), t.vec()
	for _, v := range []VecVirtual{sumSq, sum, sumSq1, sum1} {
		t.zero(v)
	}
	rs := AllocLocal(ridgeRows * t.size)

	cur0, cur3, wc, k := GP64(), GP64(), GP64(), GP64()
	// row returns the address of row p of the group at the cursors.
	row := func(p int) Mem {
		switch p {
		case 0:
			return Mem{Base: cur0}
		case 3:
			return Mem{Base: cur3}
		}
		return Mem{Base: cur0, Index: rowBytes, Scale: uint8(p)}
	}
	start := func(p int, vecPtr Register) {
		MOVQ(xp, cur0)
		if p > 1 {
			LEAQ(Mem{Base: xp, Index: rowBytes, Scale: 2}, cur3)
			ADDQ(rowBytes, cur3)
		}
		MOVQ(vecPtr, wc)
		MOVQ(vectors, k)
	}
	advance := func(p int) {
		ADDQ(U32(t.width), cur0)
		if p > 1 {
			ADDQ(U32(t.width), cur3)
		}
		ADDQ(U32(t.width), wc)
	}

	// dots emits the first loop: acc[p] = Σ_c X[p][c]·w[c] per lane.
	dots := func(p int, label string) []VecVirtual {
		acc := make([]VecVirtual, p)
		for i := range acc {
			acc[i] = t.vec()
			t.zero(acc[i])
		}
		if p == 1 {
			start(p, wp)
			TESTQ(k, k)
			JZ(LabelRef(label + "_dot_tail"))
			Label(label + "_dot")
			wv := t.vec()
			t.move(Mem{Base: wc}, wv)
			t.fma(row(0), wv, acc[0])
			advance(p)
			DECQ(k)
			JNZ(LabelRef(label + "_dot"))
		} else {
			// One row after the other, so that X is read in order.
			// Taking the 4 rows column by column read X at half the
			// rate for dim 128 and 768 on an AMD EPYC, because the
			// hardware prefetcher does not follow 4 interleaved
			// streams.
			// Four sums per row, over the vectors in turn, cut the
			// chain of dependent FMAs to a quarter. With two sums,
			// 768 columns read X about 13% slower on AMD Zen 5.
			rp := GP64()
			MOVQ(xp, rp)
			for i := range p {
				MOVQ(wp, wc)
				MOVQ(vectors, k)
				lbl := fmt.Sprintf("%s_dot%d", label, i)
				sums := []VecVirtual{acc[i], t.vec(), t.vec(), t.vec()}
				for _, v := range sums[1:] {
					t.zero(v)
				}
				CMPQ(k, U32(4))
				JL(LabelRef(lbl + "_last"))
				Label(lbl)
				PREFETCHT0(Mem{Base: rp, Disp: ridgePrefetch})
				PREFETCHT0(Mem{Base: rp, Disp: ridgePrefetch + 64})
				for u := range 4 {
					wv := t.vec()
					t.move(Mem{Base: wc, Disp: u * t.width}, wv)
					t.fma(Mem{Base: rp, Disp: u * t.width}, wv, sums[u])
				}
				ADDQ(U32(4*t.width), rp)
				ADDQ(U32(4*t.width), wc)
				SUBQ(U32(4), k)
				CMPQ(k, U32(4))
				JGE(LabelRef(lbl))
				Label(lbl + "_last")
				// Up to 3 vectors remain: a pair, then a single.
				CMPQ(k, U32(2))
				JL(LabelRef(lbl + "_single"))
				for u := range 2 {
					wv := t.vec()
					t.move(Mem{Base: wc, Disp: u * t.width}, wv)
					t.fma(Mem{Base: rp, Disp: u * t.width}, wv, sums[u])
				}
				ADDQ(U32(2*t.width), rp)
				ADDQ(U32(2*t.width), wc)
				SUBQ(U32(2), k)
				Label(lbl + "_single")
				TESTQ(k, k)
				JZ(LabelRef(lbl + "_end"))
				wl := t.vec()
				t.move(Mem{Base: wc}, wl)
				t.fma(Mem{Base: rp}, wl, sums[2])
				Label(lbl + "_end")
				t.add(sums[2], sums[0], sums[0])
				t.add(sums[3], sums[1], sums[1])
				t.add(sums[1], sums[0], sums[0])
				if i < p-1 {
					// rp = start of the next row.
					LEAQ(Mem{Base: xp, Index: rowBytes, Scale: 1}, rp)
					if i > 0 {
						for range i {
							ADDQ(rowBytes, rp)
						}
					}
				}
			}
		}

		Label(label + "_dot_tail")
		TESTQ(tail, tail)
		JZ(LabelRef(label + "_dot_done"))
		rp := GP64()
		LEAQ(Mem{Base: xp, Index: tailOff, Scale: 1}, rp)
		for i := range p {
			t.copyTail(Mem{Base: rp}, xbuf.Offset(i*t.width), tail, fmt.Sprintf("%s_copy_x%d", label, i))
			if i < p-1 {
				ADDQ(rowBytes, rp)
			}
		}
		wt := t.vec()
		t.move(wbuf, wt)
		for i := range p {
			t.fma(xbuf.Offset(i*t.width), wt, acc[i])
		}
		Label(label + "_dot_done")
		return acc
	}

	// grads emits the second loop: grad[c] += Σ_p r[p]·X[p][c].
	grads := func(p int, label string, r []VecVirtual) {
		start(p, gp)
		TESTQ(k, k)
		JZ(LabelRef(label + "_grad_tail"))
		Label(label + "_grad")
		g := t.vec()
		t.move(Mem{Base: wc}, g)
		for i := range p {
			t.fma(row(i), r[i], g)
		}
		t.move(g, Mem{Base: wc})
		advance(p)
		DECQ(k)
		JNZ(LabelRef(label + "_grad"))

		Label(label + "_grad_tail")
		TESTQ(tail, tail)
		JZ(LabelRef(label + "_grad_done"))
		gt := t.vec()
		t.move(gbuf, gt)
		for i := range p {
			t.fma(xbuf.Offset(i*t.width), r[i], gt)
		}
		t.move(gt, gbuf)
		Label(label + "_grad_done")
	}

	Comment("Groups of 4 rows.")
	group := name + "_group"
	Label(group)
	CMPQ(n, U32(ridgeRows))
	JL(LabelRef(name + "_single"))
	for l := range 4 {
		PREFETCHT0(Mem{Base: xp, Disp: ridgePrefetch + 64*l})
	}
	acc := dots(ridgeRows, group)

	Comment("r = the 4 row sums + b − y[0:4].")
	r := t.reduce4(acc)
	rb := t.groupResiduals(r, sumSq, sum, yp, rs, t)
	grads(ridgeRows, group, rb)
	LEAQ(Mem{Base: xp, Index: rowBytes, Scale: 4}, xp)
	ADDQ(U32(ridgeRows*t.size), yp)
	SUBQ(U32(ridgeRows), n)
	JMP(LabelRef(group))

	Comment("The remaining rows, one at a time.")
	single := name + "_single"
	Label(single)
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	acc = dots(1, single)
	r1 := t.reduce1(acc[0])
	r1b := t.vec()
	t.rowResidual(r1, sumSq1, sum1, yp, r1b)
	grads(1, single, []VecVirtual{r1b})
	ADDQ(rowBytes, xp)
	ADDQ(U32(t.size), yp)
	DECQ(n)
	JMP(LabelRef(single))

	Label(name + "_done")
	Comment("Copy grad's tail back.")
	TESTQ(tail, tail)
	JZ(LabelRef(name + "_sums"))
	gtail2 := GP64()
	LEAQ(Mem{Base: gp, Index: tailOff, Scale: 1}, gtail2)
	t.copyTail(gbuf, Mem{Base: gtail2}, tail, name+"_copy_back")

	Label(name + "_sums")
	Comment("Add the lanes of the group sums to the single-row sums.")
	for _, pair := range [][2]VecVirtual{{sumSq, sumSq1}, {sum, sum1}} {
		s := t.reduce1(pair[0])
		if t.size == 4 {
			VADDSS(pair[1].AsX(), s, s)
		} else {
			VADDSD(pair[1].AsX(), s, s)
		}
		ret := returnAddr(0)
		if pair[0] == sum {
			ret = returnAddr(1)
		}
		if t.size == 4 {
			VMOVSS(s, ret)
		} else {
			VMOVSD(s, ret)
		}
	}
	VZEROUPPER()
	RET()
}

// groupResiduals turns the row sums in the first 4 lanes of r into the
// residuals r + b − y[0:4] of a group and adds r² and r to the lanes of
// sumSq and sum. It returns each residual broadcast, through the stack
// slot rs, to a vector of wide: t itself, or the AVX-512 target whose
// YMM half t is.
func (t target) groupResiduals(r, sumSq, sum VecVirtual, yp Register, rs Mem, wide target) []VecVirtual {
	bv := t.vec()
	if t.size == 4 {
		VBROADCASTSS(paramAddr("b"), bv.AsX())
		VADDPS(bv.AsX(), r.AsX(), r.AsX())
		VSUBPS(Mem{Base: yp}, r.AsX(), r.AsX())
		VFMADD231PS(r.AsX(), r.AsX(), sumSq.AsX())
		VADDPS(r.AsX(), sum.AsX(), sum.AsX())
		VMOVUPS(r.AsX(), rs)
	} else {
		VBROADCASTSD(paramAddr("b"), bv)
		VADDPD(bv, r, r)
		VSUBPD(Mem{Base: yp}, r, r)
		VFMADD231PD(r, r, sumSq)
		VADDPD(r, sum, sum)
		VMOVUPD(r, rs)
	}
	rb := make([]VecVirtual, ridgeRows)
	for i := range rb {
		rb[i] = wide.vec()
		wide.broadcast(rs.Offset(i*t.size), rb[i])
	}
	return rb
}

// rowResidual turns the row sum in lane 0 of r into the residual
// r + b − y[0] of one row, adds r² and r to lane 0 of sumSq and sum, and
// broadcasts it to rb.
func (t target) rowResidual(r Register, sumSq, sum VecVirtual, yp Register, rb VecVirtual) {
	if t.size == 4 {
		VADDSS(paramAddr("b"), r, r)
		VSUBSS(Mem{Base: yp}, r, r)
		VFMADD231SS(r, r, sumSq.AsX())
		VADDSS(r, sum.AsX(), sum.AsX())
		VBROADCASTSS(r, rb)
	} else {
		VADDSD(paramAddr("b"), r, r)
		VSUBSD(Mem{Base: yp}, r, r)
		VFMADD231SD(r, r, sumSq.AsX())
		VADDSD(r, sum.AsX(), sum.AsX())
		VBROADCASTSD(r, rb)
	}
}

// reduce4 returns a vector whose first 4 lanes hold the sums of the lanes
// of acc[0], …, acc[3].
func (t target) reduce4(acc []VecVirtual) VecVirtual {
	h01, h23 := t.vec(), t.vec()
	if t.size == 4 {
		VHADDPS(acc[1], acc[0], h01)
		VHADDPS(acc[3], acc[2], h23)
		VHADDPS(h23, h01, h01)
		hi := t.vec()
		VEXTRACTF128(U8(1), h01, hi.AsX())
		VADDPS(hi.AsX(), h01.AsX(), h01.AsX())
		return h01
	}
	VHADDPD(acc[1], acc[0], h01)
	VHADDPD(acc[3], acc[2], h23)
	lo, hi := t.vec(), t.vec()
	VPERM2F128(U8(0x20), h23, h01, lo)
	VPERM2F128(U8(0x31), h23, h01, hi)
	VADDPD(hi, lo, lo)
	return lo
}

// reduce1 returns an XMM register whose lane 0 holds the sum of the lanes
// of v.
func (t target) reduce1(v VecVirtual) Register {
	hi := t.vec()
	x := t.vec()
	VEXTRACTF128(U8(1), v, hi.AsX())
	if t.size == 4 {
		VADDPS(hi.AsX(), v.AsX(), x.AsX())
		VHADDPS(x.AsX(), x.AsX(), x.AsX())
		VHADDPS(x.AsX(), x.AsX(), x.AsX())
	} else {
		VADDPD(hi.AsX(), v.AsX(), x.AsX())
		VHADDPD(x.AsX(), x.AsX(), x.AsX())
	}
	return x.AsX()
}

// The Gram kernel adds ZᵀZ to the upper triangle of G, for Z holding rows
// of stride float64 values of which the first ds count, ds a multiple of
// 8. It walks G in tiles of A rows
// (A = 6, with one tile row of 4 or 2 at the end) by 8 columns, the tiles
// of each tile row starting at the multiple of 8 at or below its first
// row, so every entry on or above the diagonal is covered. For each tile
// it keeps the 12 sums in registers over all rows of Z:
//
//	for r := range rows {
//		v0, v1 := Z[r][j:j+4], Z[r][j+4:j+8]
//		for a := range A {
//			z := broadcast(Z[r][i+a])
//			acc[a][0] += z * v0
//			acc[a][1] += z * v1
//		}
//	}
//
// which is 2A FMAs per A+2 loads, and uses 2A+3 ≤ 15 vector registers.
// The caller keeps the block of rows small enough to stay in the L2
// cache while the tiles read it again and again, and picks a stride of an
// odd number of cache lines, so that the rows spread over all L1 sets.
func gram() {
	const name = "gramAVX2"
	TEXT(name, NOSPLIT, "func(G, Z []float64, ds, stride int)")
	Pragma("noescape")
	Doc(name + " adds ZᵀZ to the upper triangle of the ds×ds matrix G, " +
		"for Z holding rows of stride values of which the first ds count, " +
		"ds a multiple of 8, with AVX2.")

	gp, zp, ds, rows, rowBytes, zBytes := gramArguments(name)
	i := GP64() // first row of the tile row
	XORQ(i, i)

	Label(name + "_tiles")
	left := GP64()
	MOVQ(ds, left)
	SUBQ(i, left)
	CMPQ(left, U32(6))
	JL(LabelRef(name + "_last"))
	gramTileRow(name, 6, gp, zp, rows, rowBytes, zBytes, i)
	ADDQ(U32(6), i)
	JMP(LabelRef(name + "_tiles"))

	Label(name + "_last")
	CMPQ(left, U32(4))
	JE(LabelRef(name + "_last4"))
	CMPQ(left, U32(2))
	JE(LabelRef(name + "_last2"))
	JMP(LabelRef(name + "_done"))
	Label(name + "_last4")
	gramTileRow(name, 4, gp, zp, rows, rowBytes, zBytes, i)
	JMP(LabelRef(name + "_done"))
	Label(name + "_last2")
	gramTileRow(name, 2, gp, zp, rows, rowBytes, zBytes, i)

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// gramTileRow emits the tiles of rows i…i+A−1 of G.
func gramTileRow(name string, A int, gp, zp, rows, rowBytes, zBytes, i Register) {
	label := fmt.Sprintf("%s_%d", name, A)

	Comment(fmt.Sprintf("Tiles of %d rows: columns from 8·⌊i/8⌋ to ds.", A))
	iOff := GP64() // byte offset of column i in a row of Z
	MOVQ(i, iOff)
	SHLQ(U8(3), iOff)
	jOff := GP64() // byte offset of the tile's first column
	MOVQ(iOff, jOff)
	ANDQ(I32(-64), jOff)
	// first = &G[i][0]
	first := GP64()
	MOVQ(i, first)
	IMULQ(rowBytes, first)
	ADDQ(gp, first)

	Label(label + "_tile")
	acc := make([][2]VecVirtual, A)
	ptr := GP64()
	MOVQ(first, ptr)
	for a := range A {
		for v := range 2 {
			acc[a][v] = YMM()
			VMOVUPD(Mem{Base: ptr, Index: jOff, Scale: 1, Disp: 32 * v}, acc[a][v])
		}
		if a < A-1 {
			ADDQ(rowBytes, ptr)
		}
	}

	zr, r := GP64(), GP64()
	MOVQ(zp, zr)
	MOVQ(rows, r)
	Label(label + "_rows")
	v0, v1 := YMM(), YMM()
	VMOVUPD(Mem{Base: zr, Index: jOff, Scale: 1}, v0)
	VMOVUPD(Mem{Base: zr, Index: jOff, Scale: 1, Disp: 32}, v1)
	for a := range A {
		z := YMM()
		VBROADCASTSD(Mem{Base: zr, Index: iOff, Scale: 1, Disp: 8 * a}, z)
		VFMADD231PD(z, v0, acc[a][0])
		VFMADD231PD(z, v1, acc[a][1])
	}
	ADDQ(zBytes, zr)
	DECQ(r)
	JNZ(LabelRef(label + "_rows"))

	MOVQ(first, ptr)
	for a := range A {
		for v := range 2 {
			VMOVUPD(acc[a][v], Mem{Base: ptr, Index: jOff, Scale: 1, Disp: 32 * v})
		}
		if a < A-1 {
			ADDQ(rowBytes, ptr)
		}
	}
	ADDQ(U32(64), jOff)
	CMPQ(jOff, rowBytes)
	JL(LabelRef(label + "_tile"))
}

// returnAddr returns the stack address of the i-th result. Storing it
// with a VEX instruction avoids mixing SSE and AVX code before VZEROUPPER.
func returnAddr(i int) Mem {
	b, err := ReturnIndex(i).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// gramAVX512 is the Gram kernel of gram with ZMM tiles of 8 rows by
// 8·gramVectors columns. ds and the first row i of every tile row are
// multiples of 8, so each tile row has 8 rows and starts at column i. Of
// the 8×8 block on the diagonal, only 12 entries below the diagonal are
// computed in vain, 6 in rows 1…3 and 6 in rows 5…7.
// A tile row ends with a narrower tile when fewer than 8·gramVectors
// columns are left. The broadcasts of Z[r][i+a] are folded into the FMAs
// as memory operands, so a row of Z costs gramVectors loads and
// 8·gramVectors FMAs. The sums start at zero and G is added at the end,
// so the FMA chains do not wait for the tile of G to arrive.
//
// On an AMD EPYC (Zen 4), which runs a ZMM FMA as two YMM halves, these
// tiles beat gramAVX2 at ds = 16, 128 and 768. In single runs of
// BenchmarkGram, a 12×16 tile that loaded G first ran within 2% of
// gramAVX2 at ds = 128 and 768, and starting the 8×24 sums at zero
// instead of loading G gained about 2% at ds = 768.
func gramAVX512() {
	const name = "gramAVX512"
	TEXT(name, NOSPLIT, "func(G, Z []float64, ds, stride int, next []byte, linesPerTile int)")
	Pragma("noescape")
	Doc(name + " adds ZᵀZ to the upper triangle of the ds×ds matrix G, " +
		"for Z holding rows of stride values of which the first ds count, " +
		"ds a multiple of 8, with AVX-512. Each tile first prefetches up to " +
		"linesPerTile cache lines of next into L2, in order, none for linesPerTile ≤ 0.")

	gp, zp, _, rows, rowBytes, zBytes := gramArguments(name)
	ahead := &gramAhead{p: Load(Param("next").Base(), GP64()), end: Load(Param("next").Len(), GP64())}
	ADDQ(ahead.p, ahead.end)
	// Start at the beginning of next's first cache line.
	ANDQ(I32(-64), ahead.p)
	iOff := GP64() // 8·i, the byte offset of column i in a row of Z
	XORQ(iOff, iOff)
	first := GP64() // &G[i][0]
	MOVQ(gp, first)

	Label(name + "_tiles")
	gramTileRow512(name, ahead, zp, rows, rowBytes, zBytes, iOff, first)
	ADDQ(U32(64), iOff)
	LEAQ(Mem{Base: first, Index: rowBytes, Scale: 8}, first)
	CMPQ(iOff, rowBytes)
	JL(LabelRef(name + "_tiles"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// gramAhead holds the registers of the prefetch in gramAVX512, the next
// line to prefetch and the end of the region. Each tile starts with up to
// linesPerTile PREFETCHT1 instructions, none when linesPerTile ≤ 0, from
// the first cache line of next to its last. FitRidge passes the next
// block of X, which its centring kernel reads after this call.
type gramAhead struct{ p, end Register }

// gramVectors is the number of ZMM vectors across a tile of gramAVX512.
const gramVectors = 3

// gramArguments loads the arguments of a Gram kernel: the bases of G and
// Z, ds, the number of rows of Z (jumping to name_done when it is 0), and
// the bytes of a row of G and of Z.
func gramArguments(name string) (gp, zp, ds, rows, rowBytes, zBytes Register) {
	gp = Load(Param("G").Base(), GP64())
	zp = Load(Param("Z").Base(), GP64())
	ds = Load(Param("ds"), GP64())
	stride := Load(Param("stride"), GP64())

	Comment("rows = len(Z)/stride.")
	rows = GP64()
	Load(Param("Z").Len(), RAX)
	XORQ(RDX, RDX)
	DIVQ(stride)
	MOVQ(RAX, rows)
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))

	rowBytes = GP64()
	MOVQ(ds, rowBytes)
	SHLQ(U8(3), rowBytes)
	zBytes = stride
	SHLQ(U8(3), zBytes)
	return gp, zp, ds, rows, rowBytes, zBytes
}

// gramTileRow512 emits the tiles of rows i…i+7 of G, from column i to ds,
// for i = iOff/8. The first of them contains the diagonal.
func gramTileRow512(name string, ahead *gramAhead, zp, rows, rowBytes, zBytes, iOff, first Register) {
	Comment("Tiles of 8 rows: columns from i to ds.")
	jOff := GP64() // byte offset of the tile's first column
	MOVQ(iOff, jOff)
	left := GP64()

	Label(name + "_tile")
	MOVQ(rowBytes, left)
	SUBQ(jOff, left)
	CMPQ(left, U32(64*gramVectors))
	JL(LabelRef(name + "_narrow"))
	CMPQ(jOff, iOff)
	JNE(LabelRef(name + "_wide"))
	gramTile512(name+"_diagonal", gramVectors, true, ahead, first, zp, rows, rowBytes, zBytes, iOff, jOff)
	ADDQ(U32(64*gramVectors), jOff)
	JMP(LabelRef(name + "_tile"))
	Label(name + "_wide")
	gramTile512(name+"_wide", gramVectors, false, ahead, first, zp, rows, rowBytes, zBytes, iOff, jOff)
	ADDQ(U32(64*gramVectors), jOff)
	JMP(LabelRef(name + "_tile"))

	Comment("The last 8·w columns, w < gramVectors, in one narrower tile.")
	Label(name + "_narrow")
	for w := 1; w < gramVectors; w++ {
		CMPQ(left, U32(64*w))
		JE(LabelRef(fmt.Sprintf("%s_narrow%d", name, w)))
	}
	JMP(LabelRef(name + "_next"))
	for w := 1; w < gramVectors; w++ {
		label := fmt.Sprintf("%s_narrow%d", name, w)
		Label(label)
		CMPQ(jOff, iOff)
		JNE(LabelRef(label + "_offdiagonal"))
		gramTile512(label+"_diagonal", w, true, ahead, first, zp, rows, rowBytes, zBytes, iOff, jOff)
		JMP(LabelRef(name + "_next"))
		Label(label + "_offdiagonal")
		gramTile512(label, w, false, ahead, first, zp, rows, rowBytes, zBytes, iOff, jOff)
		JMP(LabelRef(name + "_next"))
	}
	Label(name + "_next")
}

// gramTile512 emits one tile of 8 rows by W vectors, at row iOff/8 and
// column jOff/8. In a diagonal tile (jOff = iOff), rows 4…7 of the first
// vector need only its upper 4 columns, so they accumulate in YMM
// registers. CPUs that split a 512-bit FMA into two 256-bit halves, such
// as Zen 4, then do 2 fewer of the tile's 8·W vector FMAs per row of Z, a
// sixth of the work at ds = 16 (BenchmarkGram at ds = 16 went from 20.7
// to 24.8 GFMA/s on Zen 4). The entries of rows 4…7 in the 4 columns
// left of the YMM halves, all below the diagonal, are left as they are.
func gramTile512(label string, W int, diagonal bool, ahead *gramAhead, first, zp, rows, rowBytes, zBytes, iOff, jOff Register) {
	// half reports whether the accumulator of row a, vector v is a YMM half.
	half := func(a, v int) bool { return diagonal && v == 0 && a >= 4 }
	acc := make([][]VecVirtual, 8)
	for a := range acc {
		acc[a] = make([]VecVirtual, W)
		for v := range W {
			if half(a, v) {
				acc[a][v] = YMM()
			} else {
				acc[a][v] = ZMM()
			}
			VPSUBD(acc[a][v], acc[a][v], acc[a][v]) // avo treats this zeroing idiom as a write only
		}
	}

	if ahead != nil {
		count := Load(Param("linesPerTile"), GP64())
		TESTQ(count, count)
		JLE(LabelRef(label + "_prefetched"))
		Label(label + "_prefetch")
		CMPQ(ahead.p, ahead.end)
		JAE(LabelRef(label + "_prefetched"))
		PREFETCHT1(Mem{Base: ahead.p})
		ADDQ(U32(64), ahead.p)
		DECQ(count)
		JNZ(LabelRef(label + "_prefetch"))
		Label(label + "_prefetched")
	}

	zr, r := GP64(), GP64()
	MOVQ(zp, zr)
	MOVQ(rows, r)
	Label(label + "_rows")
	vs := make([]VecVirtual, W)
	for v := range W {
		vs[v] = ZMM()
		VMOVUPD(Mem{Base: zr, Index: jOff, Scale: 1, Disp: 64 * v}, vs[v])
	}
	var upper VecVirtual // columns jOff/8+4…+7 of the row
	if diagonal {
		upper = YMM()
		VMOVUPD(Mem{Base: zr, Index: jOff, Scale: 1, Disp: 32}, upper)
	}
	for a := range acc {
		for v := range W {
			broadcast := Mem{Base: zr, Index: iOff, Scale: 1, Disp: 8 * a}
			if half(a, v) {
				VFMADD231PD_BCST(broadcast, upper, acc[a][v])
			} else {
				VFMADD231PD_BCST(broadcast, vs[v], acc[a][v])
			}
		}
	}
	ADDQ(zBytes, zr)
	DECQ(r)
	JNZ(LabelRef(label + "_rows"))

	ptr := GP64()
	MOVQ(first, ptr)
	for a := range acc {
		for v := range W {
			g := Mem{Base: ptr, Index: jOff, Scale: 1, Disp: 64 * v}
			if half(a, v) {
				g.Disp += 32
			}
			VADDPD(g, acc[a][v], acc[a][v])
			VMOVUPD(acc[a][v], g)
		}
		if a < len(acc)-1 {
			ADDQ(rowBytes, ptr)
		}
	}
}
