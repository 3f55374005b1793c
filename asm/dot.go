package main

import (
	"fmt"
	"math/bits"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The dot kernels rank centroids by the expansion
//
//	‖x − c‖² = ‖x‖² + ‖c‖² − 2·x·c
//
// which needs one FMA per coordinate and no subtraction. On AMD Zen 4 the
// AVX2 difference kernels, which pair every FMA with a subtraction, stay
// near 38 GFMA/s on wide rows, and the search through these kernels
// reaches 44 to 50.
//
// The expansion loses accuracy when the distances are small next to ‖x‖²
// and ‖c‖², so these kernels never return a distance. For each point and
// lane they keep the smallest value of e = ‖c‖² − 2·x·c (best1), the
// centroid index that gave it, and the second smallest value (best2). The
// Go code then bounds the rounding error E of e from ‖x‖ and the largest
// ‖c‖. Where best2 − best1 > 2E the chosen centroid is the exact nearest,
// and the Go code computes its distance from differences. Otherwise the
// point goes to the difference kernels. The per-lane update is
//
//	if e < best1 { index = centroid }   // strict, so a tie keeps the first
//	best2 = min(best2, max(best1, e))
//	best1 = min(best1, e)
//
// with operand orders chosen so that a NaN e (a padding or NaN centroid)
// changes nothing. An exact tie leaves best2 = best1, which the Go code
// never accepts.
//
// Registers: P·B accumulators, B centroid vectors and one broadcast in the
// loop over coordinates, then four for the update, so P=4, B=3 fills the
// 16 of AVX2. AVX-512 takes P=6, B=4: 29 of its 32 registers. On AMD
// Zen 4, which runs a ZMM FMA as two halves, that kernel was slower than
// the AVX-512 difference kernels. Zen 5 has full-width FMA units, and
// there it leads from about 512 centroids (see useDotAVX512 in the
// package).
//
// The AVX-512 kernels read each group of 4 vectors of centroids as two
// packed groups of 2 vectors (target.halves), the layout of the AVX-512
// difference kernels. The points that the margin check rejects then go to
// those kernels without a second packing of the centroids. In a profile
// of BenchmarkNearest on bert (1024 centroids of 768 coordinates, one core
// of an AMD Zen 5) that packing and its zeroed memory took about 2% of the
// search.
//
// The state of point i is 3 vectors at state[3·lanes·i:]: best1, best2 and
// the index of best1 as a float (exact below 2²⁴).
var dotTargets = []target{
	{isa: "AVX2", width: 32, size: 4, p: 4, b: 3},
	{isa: "AVX2", width: 32, size: 8, p: 4, b: 3},
	{isa: "AVX512", width: 64, size: 4, p: 6, b: 4, halves: true},
	{isa: "AVX512", width: 64, size: 8, p: 6, b: 4, halves: true},
}

var minusTwo32, minusTwo64 Mem

// dotSumBlock is the number of coordinates that the dot kernels sum in
// one accumulator before adding the block's sum to the running total (the
// package's dotSumBlock must match). A dot product of dim coordinates then
// has a rounding error of at most γ_m·Σ|x_j·c_j| with m = dotSumBlock +
// ⌈dim/dotSumBlock⌉ − 1 in place of γ_dim: at 768 coordinates the bound
// is ten times smaller, and the margin check sends fewer points to the
// difference kernels.
const dotSumBlock = 64

// dotPrefetchMaxRowBytes is the row length from which the dot kernels no
// longer prefetch the next group's rows.
const dotPrefetchMaxRowBytes = 2048

func dotConstants() {
	minusTwo32 = GLOBL("minustwo32", RODATA|NOPTR)
	DATA(0, F32(-2))
	minusTwo64 = GLOBL("minustwo64", RODATA|NOPTR)
	DATA(0, F64(-2))
}

func (t target) dotName() string {
	return fmt.Sprintf("dot%s%s_%dx%d", t.isa, map[int]string{4: "F32", 8: "F64"}[t.size], t.p, t.b)
}

func (t target) max(a, b, dst Op) { // dst = b > a ? b : a, and a when either is NaN
	if t.size == 4 {
		VMAXPS(a, b, dst)
	} else {
		VMAXPD(a, b, dst)
	}
}

// fmaScaled sets acc = acc·s + add.
func (t target) fmaScaled(add, s, acc Op) {
	if t.size == 4 {
		VFMADD213PS(add, s, acc)
	} else {
		VFMADD213PD(add, s, acc)
	}
}

// blendLoad sets dst = mask ? m : dst for a vector m in memory.
func (t target) blendLoad(mask Register, m Mem, dst Op) {
	switch {
	case t.width == 64 && t.size == 4:
		VMOVUPS(m, mask, dst)
	case t.width == 64:
		VMOVUPD(m, mask, dst)
	case t.size == 4:
		VBLENDVPS(mask, m, dst, dst)
	default:
		VBLENDVPD(mask, m, dst, dst)
	}
}

func dot(t target) {
	name := t.dotName()
	// Not NOSPLIT: the block sums take more stack than a NOSPLIT
	// function may use.
	TEXT(name, 0, fmt.Sprintf(
		"func(state []%s, points, packed, norms []%s, dim, groups, first int)", t.goType(), t.goType()))
	Pragma("noescape")
	layout := fmt.Sprintf("packed holds groups groups of %d centroids", t.b*t.lanes())
	if t.halves {
		layout = fmt.Sprintf("packed holds 2·groups groups of %d centroids, read in pairs", t.packedVectors()*t.lanes())
	}
	Doc(fmt.Sprintf("%s folds centroids first, first+1, … into the running state of each point "+
		"with %s, %d points and %d centroids at a time. %s, "+
		"and norms their squared norms.", name, t.isa, t.p, t.b*t.lanes(), layout))

	state := Load(Param("state").Base(), GP64())
	stateBytes := Load(Param("state").Len(), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), stateBytes)
	rows := Load(Param("points").Base(), GP64())
	rowBytes := Load(Param("dim"), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)

	// The index vectors of the current group live in stack slots, so that
	// they cost no register in the update.
	index := make([]Mem, t.b)
	for b := range index {
		index[b] = AllocLocal(t.width)
	}
	sums := AllocLocal(t.p * t.b * t.width)

	pointBytes := 3 * t.width
	Comment("Groups of P points.")
	Label(name + "_points")
	CMPQ(stateBytes, U32(t.p*pointBytes))
	JL(LabelRef(name + "_tail"))
	// Long rows skip the prefetch of the next group's rows: a group then
	// runs so many FMA steps on its rows that the hardware prefetchers
	// keep up, and the prefetch loop cost more than it saved. On one core
	// of an AMD Zen 5 (alternated runs), bert (rows of 3072 bytes) ran
	// 113–119 GFMA/s without it against 110–114 with it. Sift on the AVX2
	// kernel (512 bytes) fell from 49–52 to 44–49 without it, and its
	// float64 version (1024 bytes) from 26–28 to 24–25.
	CMPQ(rowBytes, U32(dotPrefetchMaxRowBytes))
	JAE(LabelRef(name + "_prefetched"))
	prefetchNextRows(t, name, stateBytes, 2*t.p*pointBytes, rows, rowBytes)
	dotGroup(t, t.p, state, rows, rowBytes, index, sums)
	ADDQ(U32(t.p*pointBytes), state)
	for range t.p {
		ADDQ(rowBytes, rows)
	}
	SUBQ(U32(t.p*pointBytes), stateBytes)
	JMP(LabelRef(name + "_points"))

	Comment("The remaining points, fewer than P, as one group.")
	Label(name + "_tail")
	for r := 1; r < t.p; r++ {
		CMPQ(stateBytes, U32(r*pointBytes))
		JNE(LabelRef(fmt.Sprintf("%s_tail%d", name, r+1)))
		dotGroup(t, r, state, rows, rowBytes, index, sums)
		JMP(LabelRef(name + "_done"))
		Label(fmt.Sprintf("%s_tail%d", name, r+1))
	}

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// dotGroup emits the pass of the points rows[0:p] over every packed
// centroid, folding the results into their states. sums is stack space
// for the p·b block sums.
func dotGroup(t target, p int, state, rows, rowBytes Register, index []Mem, sums Mem) {
	suffix := fmt.Sprintf("_%d", p)

	Comment("Index vectors of the first group: first + lane.")
	first := Load(Param("first"), GP64())
	idx := t.vec()
	// Zeroing first ends the conversion's dependence on idx's old value,
	// which would also keep the register live across the whole function.
	t.zero(idx)
	if t.size == 4 {
		VCVTSI2SSQ(first, idx.AsX(), idx.AsX())
		VBROADCASTSS(idx.AsX(), idx)
	} else {
		VCVTSI2SDQ(first, idx.AsX(), idx.AsX())
		VBROADCASTSD(idx.AsX(), idx)
	}
	t.add(t.constant(0), idx, idx)
	for b := range t.b {
		if b > 0 {
			t.add(t.laneStep(), idx, idx)
		}
		t.move(idx, index[b])
	}

	rowsOf := &groupRows{bases: make([]Register, (p+2)/3), rowBytes: rowBytes}

	cptr := Load(Param("packed").Base(), GP64())
	nptr := Load(Param("norms").Base(), GP64())
	groups := Load(Param("groups"), GP64())

	// With halves, the second half of a group starts halfBytes after
	// the first: dim coordinates of b/2 vectors.
	half := t.packedVectors()
	var halfBytes Register
	if t.halves {
		halfBytes = Load(Param("dim"), GP64())
		SHLQ(U8(bits.TrailingZeros(uint(half*t.width))), halfBytes)
	}
	centroid := func(u, b int) Mem {
		m := Mem{Base: cptr}
		if b >= half {
			m = Mem{Base: cptr, Index: halfBytes, Scale: 1}
		}
		return m.Offset((u*half + b%half) * t.width)
	}

	Label(t.dotName() + suffix + "_centroids")
	acc := t.zeroAccumulators(p)
	rowsOf.reset(rows)
	sum := func(i, b int) Mem { return sums.Offset((i*t.b + b) * t.width) }
	for i := range p {
		for b := range t.b {
			t.move(acc[i][b], sum(i, b))
		}
	}
	left := Load(Param("dim"), GP64())

	Comment("Blocks of dotSumBlock coordinates, each summed from zero.")
	Label(t.dotName() + suffix + "_block")
	j := GP64()
	MOVQ(U32(dotSumBlock), j)
	CMPQ(left, j)
	CMOVQLT(left, j)
	SUBQ(j, left)

	step := func(u int) {
		c := make([]VecVirtual, t.b)
		for b := range t.b {
			c[b] = t.vec()
			t.move(centroid(u, b), c[b])
		}
		for i := range p {
			x := t.vec()
			t.broadcast(rowsOf.row(i).Offset(u*t.size), x)
			for b := range t.b {
				t.fma(x, c[b], acc[i][b])
			}
		}
	}
	t.coordinateLoop(t.dotName()+suffix, j, rowsOf, cptr, step)
	for i := range p {
		for b := range t.b {
			t.add(sum(i, b), acc[i][b], acc[i][b])
		}
	}
	TESTQ(left, left)
	JZ(LabelRef(t.dotName() + suffix + "_summed"))
	for i := range p {
		for b := range t.b {
			t.move(acc[i][b], sum(i, b))
			t.zero(acc[i][b])
		}
	}
	JMP(LabelRef(t.dotName() + suffix + "_block"))

	Label(t.dotName() + suffix + "_summed")
	if t.halves {
		ADDQ(halfBytes, cptr)
	}
	Comment("e = ‖c‖² − 2·x·c")
	minusTwo := t.vec()
	if t.size == 4 {
		t.broadcast(minusTwo32, minusTwo)
	} else {
		t.broadcast(minusTwo64, minusTwo)
	}
	for i := range p {
		for b := range t.b {
			t.fmaScaled(Mem{Base: nptr}.Offset(b*t.width), minusTwo, acc[i][b])
		}
	}

	Comment("Fold e into best1, best2 and the index of best1, lane by lane.")
	for i := range p {
		s := Mem{Base: state}.Offset(i * 3 * t.width)
		best1, best2, bestI := t.vec(), t.vec(), t.vec()
		t.move(s, best1)
		t.move(s.Offset(t.width), best2)
		t.move(s.Offset(2*t.width), bestI)
		for b := range t.b {
			e := acc[i][b]
			m := t.mask()
			t.cmp(cmpLT, best1, e, m)
			t.blendLoad(m, index[b], bestI)
			// AVX2 has no register to spare, so max(best1, e) reuses
			// the mask's. AVX-512 masks are opmask registers.
			hi := m
			if t.width == 64 {
				hi = t.vec()
			}
			t.max(e, best1, hi)
			t.min(best1, e, best1)
			t.min(best2, hi, best2)
		}
		t.move(best1, s)
		t.move(best2, s.Offset(t.width))
		t.move(bestI, s.Offset(2*t.width))
	}

	Comment("Step the index vectors to the next group.")
	for b := range t.b {
		v := t.vec()
		t.move(index[b], v)
		for range t.b {
			t.add(t.laneStep(), v, v)
		}
		t.move(v, index[b])
	}
	ADDQ(U32(t.b*t.width), nptr)
	DECQ(groups)
	JNZ(LabelRef(t.dotName() + suffix + "_centroids"))
}

// dotReduce emits a function that reduces the lanes of each point's state
// to three values. It writes the smallest best1 over the lanes (first),
// the smallest of everything else in the state (second), and the index
// that goes with first, to the state's first three elements. first is
// taken from the lowest lane that has it, and a tie between two lanes
// makes second equal to first. The kernels keep best1 and best2 free of
// NaN. In Go these scans cost about 45 ns per point of 16 lanes, which at
// 128 coordinates and 256 centroids is a sixth of the search.
func dotReduce(t target) {
	name := fmt.Sprintf("dotReduce%s%s", t.isa, map[int]string{4: "F32", 8: "F64"}[t.size])
	TEXT(name, NOSPLIT, fmt.Sprintf("func(state []%s)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s writes first, second and the index of first to the first three "+
		"elements of each state of 3·%d lanes in state.", name, t.lanes()))
	ptr := Load(Param("state").Base(), GP64())
	left := Load(Param("state").Len(), GP64())
	inf := t.vec()
	t.broadcast(t.posInf(), inf)

	Label(name + "_point")
	CMPQ(left, U32(3*t.lanes()))
	JL(LabelRef(name + "_done"))
	best1, low, tmp := t.vec(), t.vec(), t.vec()
	t.move(Mem{Base: ptr}, best1)
	t.move(best1, low)
	t.hmin(low, tmp)

	Comment("The lowest lane whose best1 is first.")
	ties, lowest := K(), K()
	t.cmp(cmpEQ, low, best1, ties)
	bits, lane := GP32(), GP32()
	KMOVW(ties, bits)
	TZCNTL(bits, lane)
	BLSIL(bits, bits)
	KMOVW(bits, lowest)

	Comment("second: best2 and best1 without that lane.")
	t.blend(lowest, inf, best1)
	t.min(Mem{Base: ptr, Disp: t.width}, best1, best1)
	t.hmin(best1, tmp)

	index := t.vec()
	if t.size == 4 {
		VMOVSS(Mem{Base: ptr, Index: lane.As64(), Scale: 4, Disp: 2 * t.width}, index.AsX())
		VMOVSS(low.AsX(), Mem{Base: ptr})
		VMOVSS(best1.AsX(), Mem{Base: ptr, Disp: 4})
		VMOVSS(index.AsX(), Mem{Base: ptr, Disp: 8})
	} else {
		VMOVSD(Mem{Base: ptr, Index: lane.As64(), Scale: 8, Disp: 2 * t.width}, index.AsX())
		VMOVSD(low.AsX(), Mem{Base: ptr})
		VMOVSD(best1.AsX(), Mem{Base: ptr, Disp: 8})
		VMOVSD(index.AsX(), Mem{Base: ptr, Disp: 16})
	}
	ADDQ(U32(3*t.width), ptr)
	SUBQ(U32(3*t.lanes()), left)
	JMP(LabelRef(name + "_point"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}
