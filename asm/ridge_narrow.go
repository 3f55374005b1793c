package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ridgeNarrowPrefetch is how far ahead of the tile being read, in bytes,
// ridgeNarrow prefetches X, which RidgeGrad calls on the rows after the
// last whole block. ridgeNarrowBlocks takes its distance as an argument,
// which dispatch chooses by CPU. On one core of an AMD EPYC (Zen 5),
// with 1,000,000×16 float32 and six alternated runs of two builds, 8 KiB
// ahead read X at 31–39 GB/s (mean 35.5) against 29–38 (mean 32.8) at
// 16 KiB, the fused kernel's distance. 2 and 4 KiB were slower still.
const ridgeNarrowPrefetch = 8192

// ridgeNarrow emits the ridge kernel for rows of exactly one ZMM vector
// (16 float32 or 8 float64 columns), which the fused kernel of ridge.go
// takes 4 rows at a time with horizontal adds and broadcasts per row. On
// AMD Zen 5 that kernel read 1,000,000 × 16 float32 at about 30 GB/s also
// when X sat in the L2 cache, so it was bound by its own instructions,
// not by memory.
//
// This kernel takes a tile of L rows (L = lanes, so the tile is square):
//
//	p[i] = X[i] ⊙ w                       // L products, one per row
//	s = transposing sum of p[0..L−1]       // lane σ(i) of s is Σ p[i]
//	r = s + b − y[σ]                       // L residuals at once
//	sumSq += r·r; sum += r
//	g[i%4] += broadcast(r[σ(i)]) · X[i]    // X[i] read again, from L1
//
// The transposing sum halves the number of vectors per level: two levels
// of 128-bit shuffles (VSHUFF32X4), then in-lane shuffles, each level
// pairing vectors and adding. It leaves the row sums in a fixed order σ,
// which the generator works out by following the row of every lane, and
// y is permuted to match. Every value of r is stored once to the stack
// and broadcast from there. The kernel takes len(y)/L tiles and ignores
// the rows after them, which the caller passes to the fused kernel.
func ridgeNarrow(t target) {
	name := fmt.Sprintf("ridgeNarrowAVX512%s", map[int]string{4: "F32", 8: "F64"}[t.size])
	L := t.lanes()
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(grad, X, y, w []%[1]s, b %[1]s) (sumSq, sum %[1]s)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds Σᵢ rᵢ·X[i] to grad and returns Σᵢ rᵢ² and Σᵢ rᵢ, "+
		"for rᵢ = X[i]·w + b − y[i] over the first len(y)/%d·%d rows of X, "+
		"with AVX-512. len(w) and len(grad) must be %d.", name, L, L, L))

	tiles := Load(Param("y").Len(), GP64())
	SHRQ(U8(log2(L)), tiles)
	gp := Load(Param("grad").Base(), GP64())
	k := newNarrowTiles(t, name)
	k.zero()
	k.loop(tiles)

	g, sumSq, sum := k.sums()
	t.add(Mem{Base: gp}, g, g)
	t.move(g, Mem{Base: gp})
	for i, x := range []Register{sumSq, sum} {
		if t.size == 4 {
			VMOVSS(x, returnAddr(i))
		} else {
			VMOVSD(x, returnAddr(i))
		}
	}
	VZEROUPPER()
	RET()
}

// ridgeNarrowBlocks emits the kernel that runs ridgeNarrow's work on
// blocks of blockTiles tiles, one after the other, and adds each block's
// sums to out in float64, as the Go code does after each call of
// ridgeNarrow on one block. The results are the same bit for bit, and
// the Go code around each block call is gone. On one core of an AMD Zen
// 5, at 1,000,000×16 float32, that code took about 5% of RidgeGrad in a
// profile, and RidgeGrad read X at 38.0–39.8 GB/s with this kernel
// against 36.8–38.5 without it (four alternated runs).
func ridgeNarrowBlocks(t target) {
	name := fmt.Sprintf("ridgeNarrowBlocksAVX512%s", map[int]string{4: "F32", 8: "F64"}[t.size])
	L := t.lanes()
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(out []float64, X, y, w []%[1]s, b %[1]s, blocks, blockTiles, ahead int)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s runs ridgeNarrowAVX512%s on each of blocks blocks of blockTiles·%d rows "+
		"and adds the block's Σᵢ rᵢ², Σᵢ rᵢ and Σᵢ rᵢ·X[i] to out[0], out[1] and out[2:%d] in float64. "+
		"len(y) must be at least blocks·blockTiles·%d. "+
		"Each tile prefetches one cache line per row, ahead bytes beyond the tile's rows; "+
		"ahead = 0 prefetches nothing.",
		name, map[int]string{4: "F32", 8: "F64"}[t.size], L, 2+L, L))

	blocks := Load(Param("blocks"), GP64())
	op := Load(Param("out").Base(), GP64())
	k := newNarrowTiles(t, name)
	k.ahead = Load(Param("ahead"), GP64())

	Label(name + "_block")
	TESTQ(blocks, blocks)
	JZ(LabelRef(name + "_done"))
	k.zero()
	k.loop(Load(Param("blockTiles"), GP64()))

	Comment("Add the block's sums to out in float64.")
	g, sumSq, sum := k.sums()
	// ridgeNarrow adds g to a zeroed grad, which turns −0 into +0.
	zero := ZMM()
	t.zero(zero)
	t.add(zero, g, g)
	for i, x := range []Register{sumSq, sum} {
		if t.size == 4 {
			VCVTSS2SD(x, x, x)
		}
		VADDSD(Mem{Base: op, Disp: 8 * i}, x, x)
		VMOVSD(x, Mem{Base: op, Disp: 8 * i})
	}
	if t.size == 4 {
		low, high := ZMM(), ZMM()
		VCVTPS2PD(g.AsY(), low)
		VEXTRACTF64X4(U8(1), g, high.AsY())
		VCVTPS2PD(high.AsY(), high)
		VADDPD(Mem{Base: op, Disp: 16}, low, low)
		VADDPD(Mem{Base: op, Disp: 16 + 64}, high, high)
		VMOVUPD(low, Mem{Base: op, Disp: 16})
		VMOVUPD(high, Mem{Base: op, Disp: 16 + 64})
	} else {
		VADDPD(Mem{Base: op, Disp: 16}, g, g)
		VMOVUPD(g, Mem{Base: op, Disp: 16})
	}
	DECQ(blocks)
	JMP(LabelRef(name + "_block"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// narrowTiles is the tile loop of the narrow ridge kernels and its state:
// pointers into X and y, the weights, the bias, and the running sums.
type narrowTiles struct {
	t          target
	name       string
	xp, yp     Register
	w, b       VecVirtual
	yIndex     VecVirtual
	order      []int
	rbuf       Mem
	sumSq, sum VecVirtual
	g          []VecVirtual
	// ahead holds the prefetch distance in bytes, 0 for none. When nil,
	// the distance is ridgeNarrowPrefetch.
	ahead Register
}

// newNarrowTiles loads the arguments X, y, w and b that every narrow
// kernel takes.
func newNarrowTiles(t target, name string) *narrowTiles {
	k := &narrowTiles{t: t, name: name}
	k.xp = Load(Param("X").Base(), GP64())
	k.yp = Load(Param("y").Base(), GP64())
	wp := Load(Param("w").Base(), GP64())
	k.rbuf = AllocLocal(t.width)

	k.w, k.b = ZMM(), ZMM()
	t.move(Mem{Base: wp}, k.w)
	if t.size == 4 {
		VBROADCASTSS(paramAddr("b"), k.b)
	} else {
		VBROADCASTSD(paramAddr("b"), k.b)
	}
	k.sumSq, k.sum = ZMM(), ZMM()
	k.g = make([]VecVirtual, 4)
	for i := range k.g {
		k.g[i] = ZMM()
	}
	k.order = transposingSumOrder(t)
	// yIndex permutes y into the order of the row sums: lane l takes
	// y[order[l]].
	k.yIndex = ZMM()
	yTable := GLOBL(name+"_order", RODATA|NOPTR)
	for l, row := range k.order {
		if t.size == 4 {
			DATA(4*l, U32(uint32(row)))
		} else {
			DATA(8*l, U64(uint64(row)))
		}
	}
	VMOVDQU64(yTable, k.yIndex)
	return k
}

// zero clears the running sums.
func (k *narrowTiles) zero() {
	k.t.zero(k.sumSq)
	k.t.zero(k.sum)
	for _, g := range k.g {
		k.t.zero(g)
	}
}

// loop emits the loop over tiles tiles, which it counts down to 0.
func (k *narrowTiles) loop(tiles Register) {
	t, L := k.t, k.t.lanes()
	Label(k.name + "_tile")
	TESTQ(tiles, tiles)
	JZ(LabelRef(k.name + "_tiled"))
	// Prefetch the tile ahead, one line per row.
	if k.ahead == nil {
		for i := range L {
			PREFETCHT0(Mem{Base: k.xp, Disp: ridgeNarrowPrefetch + i*t.width})
		}
	} else {
		TESTQ(k.ahead, k.ahead)
		JZ(LabelRef(k.name + "_fetched"))
		for i := range L {
			PREFETCHT0(Mem{Base: k.xp, Index: k.ahead, Scale: 1, Disp: i * t.width})
		}
		Label(k.name + "_fetched")
	}
	p := make([]VecVirtual, L)
	for i := range p {
		p[i] = ZMM()
		t.mul(Mem{Base: k.xp}.Offset(i*t.width), k.w, p[i])
	}
	s := transposingSum(t, p)
	r, yv := ZMM(), ZMM()
	if t.size == 4 {
		VPERMPS(Mem{Base: k.yp}, k.yIndex, yv)
	} else {
		VPERMPD(Mem{Base: k.yp}, k.yIndex, yv)
	}
	t.add(k.b, s, r)
	t.sub(yv, r, r)
	t.fma(r, r, k.sumSq)
	t.add(r, k.sum, k.sum)
	t.move(r, k.rbuf)
	for l, row := range k.order {
		rb := ZMM()
		t.broadcast(k.rbuf.Offset(l*t.size), rb)
		t.fma(Mem{Base: k.xp}.Offset(row*t.width), rb, k.g[row%4])
	}
	ADDQ(U32(L*t.width), k.xp)
	ADDQ(U32(t.width), k.yp)
	DECQ(tiles)
	JMP(LabelRef(k.name + "_tile"))
	Label(k.name + "_tiled")
}

// sums returns the sum of the gradient vectors and the lane sums of
// sumSq and sum, the latter two as scalars in XMM registers.
func (k *narrowTiles) sums() (g VecVirtual, sumSq, sum Register) {
	t := k.t
	g = k.g[0]
	t.add(k.g[1], g, g)
	t.add(k.g[3], k.g[2], k.g[2])
	t.add(k.g[2], g, g)
	half := target{isa: "AVX2", width: 32, size: t.size}
	var scalars []Register
	for _, v := range []VecVirtual{k.sumSq, k.sum} {
		high := YMM()
		VEXTRACTF64X4(U8(1), v, high)
		if t.size == 4 {
			VADDPS(high, v.AsY(), high)
		} else {
			VADDPD(high, v.AsY(), high)
		}
		scalars = append(scalars, half.reduce1(high))
	}
	return g, scalars[0], scalars[1]
}

// transposingSum returns a vector whose lanes hold the sums of the lanes
// of p, one vector per row, in the order of transposingSumOrder.
func transposingSum(t target, p []VecVirtual) VecVirtual {
	for _, level := range transposingLevels(t) {
		next := make([]VecVirtual, len(p)/2)
		for i := range next {
			first, second := ZMM(), ZMM()
			level.pair(p[i], p[i+len(next)], first, second)
			next[i] = ZMM()
			t.add(second, first, next[i])
		}
		p = next
	}
	return p[0]
}

// A sumLevel is one level of transposingSum. pair splits the lanes of a
// and b between first and second so that first + second sums, in each
// lane, two values of the same row. Entry l of first and second is the
// source of that lane: 0 for a or 1 for b, and the lane of it.
type sumLevel struct {
	pair          func(a, b, first, second VecVirtual)
	first, second [][2]int
}

// transposingLevels returns the levels of transposingSum for t: two of
// 128-bit shuffles, then in-lane ones.
func transposingLevels(t target) []sumLevel {
	L := t.lanes()
	Q := L / 4 // lanes per 128-bit quarter
	// quarters returns the lane sources of VSHUFF32X4 picking quarters
	// qa0, qa1 of a and qb0, qb1 of b.
	quarters := func(qa0, qa1, qb0, qb1 int) [][2]int {
		var src [][2]int
		for _, pick := range [][2]int{{0, qa0}, {0, qa1}, {1, qb0}, {1, qb1}} {
			for l := range Q {
				src = append(src, [2]int{pick[0], pick[1]*Q + l})
			}
		}
		return src
	}
	shuffle := func(imm1, imm2 uint8) func(a, b, first, second VecVirtual) {
		return func(a, b, first, second VecVirtual) {
			VSHUFF32X4(U8(imm1), b, a, first)
			VSHUFF32X4(U8(imm2), b, a, second)
		}
	}
	levels := []sumLevel{
		{shuffle(0x44, 0xee), quarters(0, 1, 0, 1), quarters(2, 3, 2, 3)},
		{shuffle(0x88, 0xdd), quarters(0, 2, 0, 2), quarters(1, 3, 1, 3)},
	}
	// In-lane levels: within each quarter, first takes the even lanes of
	// a then of b, second the odd ones.
	for range log2(Q) {
		var first, second [][2]int
		for q := range 4 {
			for l := range Q {
				src, lane := 0, 2*l
				if l >= Q/2 {
					src, lane = 1, 2*l-Q
				}
				first = append(first, [2]int{src, q*Q + lane})
				second = append(second, [2]int{src, q*Q + lane + 1})
			}
		}
		var pair func(a, b, first, second VecVirtual)
		if t.size == 4 {
			pair = func(a, b, f, s VecVirtual) {
				VSHUFPS(U8(0x88), b, a, f)
				VSHUFPS(U8(0xdd), b, a, s)
			}
		} else {
			pair = func(a, b, f, s VecVirtual) {
				VSHUFPD(U8(0x00), b, a, f)
				VSHUFPD(U8(0xff), b, a, s)
			}
		}
		levels = append(levels, sumLevel{pair, first, second})
	}
	return levels
}

// transposingSumOrder follows the row of every lane through the levels of
// transposingSum and returns, for each lane of the result, its row. It
// panics if a level would add values of two different rows.
func transposingSumOrder(t target) []int {
	L := t.lanes()
	rows := make([][]int, L)
	for i := range rows {
		rows[i] = make([]int, L)
		for l := range rows[i] {
			rows[i][l] = i
		}
	}
	for _, level := range transposingLevels(t) {
		next := make([][]int, len(rows)/2)
		for i := range next {
			a, b := rows[i], rows[i+len(next)]
			next[i] = make([]int, L)
			for l := range L {
				pick := func(src [2]int) int {
					if src[0] == 0 {
						return a[src[1]]
					}
					return b[src[1]]
				}
				f, s := pick(level.first[l]), pick(level.second[l])
				if f != s {
					panic(fmt.Sprintf("transposing sum adds rows %d and %d", f, s))
				}
				next[i][l] = f
			}
		}
		rows = next
	}
	return rows[0]
}
