package main

import (
	"fmt"

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
// 16 of AVX2. There is no AVX-512 version: one with P=6, B=4 and the
// broadcast folded into the FMA was slower than the AVX-512 difference
// kernels.
//
// The state of point i is 3 vectors at state[3·lanes·i:]: best1, best2 and
// the index of best1 as a float (exact below 2²⁴).
var dotTargets = []target{
	{isa: "AVX2", width: 32, size: 4, p: 4, b: 3},
	{isa: "AVX2", width: 32, size: 8, p: 4, b: 3},
}

var minusTwo32, minusTwo64 Mem

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
	if t.size == 4 {
		VBLENDVPS(mask, m, dst, dst)
	} else {
		VBLENDVPD(mask, m, dst, dst)
	}
}

func dot(t target) {
	name := t.dotName()
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(state []%s, points, packed, norms []%s, dim, groups, first int)", t.goType(), t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s folds centroids first, first+1, … into the running state of each point "+
		"with %s, %d points and %d centroids at a time. packed holds groups groups of %d centroids "+
		"and norms their squared norms.", name, t.isa, t.p, t.b*t.lanes(), t.b*t.lanes()))

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

	pointBytes := 3 * t.width
	Comment("Groups of P points.")
	Label(name + "_points")
	CMPQ(stateBytes, U32(t.p*pointBytes))
	JL(LabelRef(name + "_tail"))
	dotGroup(t, t.p, state, rows, rowBytes, index)
	ADDQ(U32(t.p*pointBytes), state)
	for range t.p {
		ADDQ(rowBytes, rows)
	}
	SUBQ(U32(t.p*pointBytes), stateBytes)
	JMP(LabelRef(name + "_points"))

	Comment("The remaining points, one at a time.")
	Label(name + "_tail")
	TESTQ(stateBytes, stateBytes)
	JZ(LabelRef(name + "_done"))
	dotGroup(t, 1, state, rows, rowBytes, index)
	ADDQ(U32(pointBytes), state)
	ADDQ(rowBytes, rows)
	SUBQ(U32(pointBytes), stateBytes)
	JMP(LabelRef(name + "_tail"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// dotGroup emits the pass of the points rows[0:p] over every packed
// centroid, folding the results into their states.
func dotGroup(t target, p int, state, rows, rowBytes Register, index []Mem) {
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

	Label(t.dotName() + suffix + "_centroids")
	acc := t.zeroAccumulators(p)
	rowsOf.reset(rows)
	j := Load(Param("dim"), GP64())

	step := func(u int) {
		c := make([]VecVirtual, t.b)
		for b := range t.b {
			c[b] = t.vec()
			t.move(Mem{Base: cptr}.Offset((u*t.b+b)*t.width), c[b])
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
			// No register is spare, so max(best1, e) reuses the mask's.
			hi := m
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
