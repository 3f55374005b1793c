package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The nearest-centroid kernels compare a group of points with a group of
// centroids at a time, entirely in registers. Centroids arrive packed (see
// packCentroids in the package): for each coordinate j, one vector holds
// coordinate j of lanes consecutive centroids. The inner loop over j then
// does, for P points and B vectors of centroids:
//
//	for b := range B { c[b] = packed[j][b] }           // B vector loads
//	for p := range P {
//		x := broadcast(points[p][j])                    // 1 broadcast load
//		for b := range B {
//			t := x - c[b]
//			acc[p][b] += t * t                          // on the FMA pipes
//		}
//	}
//
// so each FMA costs one subtraction and (B+P)/(P·B) loads, and no lane is
// ever summed horizontally inside the loop. After the loop over j, each
// lane keeps a running minimum per point (bestD) and the index of the
// centroid that gave it (bestI, held as a float, exact below 2²⁴):
//
//	bestI = acc < bestD ? index : bestI
//	bestD = min(acc, bestD)
//
// The comparison is strict and visits centroids in index order, so within a
// lane the lowest index wins a tie, and a NaN distance never wins. After the
// last group of centroids, the lanes are reduced: the minimum distance, then
// the lowest index among the lanes that hold it. A point whose minimum is
// still +Inf (every distance NaN or +Inf) is left to the Go code, which
// settles it with the reference rules.
//
// Registers: P·B accumulators, P bestD, P bestI, B centroid vectors and two
// temporaries. AVX-512 has 32, so P=6, B=2 fits with room to spare, and its
// B=1 variant folds each point's broadcast into the subtraction (with B=2
// that would load each coordinate twice, see the step). AVX2 has 16: P=3, B=2
// uses them all, and serves k ≤ 16. For larger k the AVX2 kernel reads the
// centroids as memory operands of the subtraction and keeps bestD and bestI
// in stack slots (cmem, spill), which leaves room for P=3, B=4. Measured on
// AMD Zen 4, this shape ran sift at 36 GFMA/s against 32 for P=3, B=2 and
// for P=2, B=4, with centroids in registers.
// When k is at most one vector of lanes, B=1 wastes no lanes, so each ISA
// also has a B=1 variant with more points per group.

type target struct {
	isa   string // "AVX2" or "AVX512"
	width int    // vector width in bytes
	size  int    // element size in bytes
	p, b  int    // points and centroid vectors per group

	// cmem makes the subtraction read the centroids from memory instead
	// of holding them in registers.
	cmem bool

	// spill keeps the running minima and their indices in stack slots
	// instead of registers, which frees 2·P registers for accumulators.
	spill bool

	// halves reads each group of b centroid vectors as two packed
	// groups of b/2 vectors, the second after the first. The
	// difference kernels with b/2 vectors can then read the same packing.
	halves bool
}

// packedVectors returns the number of vectors per coordinate in one
// packed group of centroids: b, or b/2 for a target that reads halves.
func (t target) packedVectors() int {
	if t.halves {
		return t.b / 2
	}
	return t.b
}

func (t target) lanes() int { return t.width / t.size }

func (t target) goType() string {
	if t.size == 4 {
		return "float32"
	}
	return "float64"
}

func (t target) name() string {
	name := fmt.Sprintf("nearest%s%s_%dx%d", t.isa, map[int]string{4: "F32", 8: "F64"}[t.size], t.p, t.b)
	if t.cmem {
		name += "m"
	}
	if t.spill {
		name += "s"
	}
	return name
}

var nearestTargets = []target{
	{"AVX2", 32, 4, 3, 2, false, false, false},
	{"AVX2", 32, 4, 3, 4, true, true, false},
	{"AVX2", 32, 4, 4, 1, false, false, false},
	{"AVX2", 32, 8, 3, 2, false, false, false},
	{"AVX2", 32, 8, 3, 4, true, true, false},
	{"AVX2", 32, 8, 4, 1, false, false, false},
	{"AVX512", 64, 4, 6, 2, false, false, false},
	{"AVX512", 64, 4, 8, 1, false, false, false},
	{"AVX512", 64, 8, 6, 2, false, false, false},
	{"AVX512", 64, 8, 8, 1, false, false, false},
}

// vec allocates a vector register of the target's width.
func (t target) vec() VecVirtual {
	if t.width == 32 {
		return YMM()
	}
	return ZMM()
}

// The instruction helpers below pick the single- or double-precision form.

func (t target) broadcast(m Mem, v Op) {
	if t.size == 4 {
		VBROADCASTSS(m, v)
	} else {
		VBROADCASTSD(m, v)
	}
}

// move copies a vector between registers and memory.
func (t target) move(src, dst Op) {
	if t.size == 4 {
		VMOVUPS(src, dst)
	} else {
		VMOVUPD(src, dst)
	}
}

func (t target) zero(v Op) {
	if t.size == 4 {
		VXORPS(v, v, v)
	} else {
		VXORPD(v, v, v)
	}
}

func (t target) sub(a, b, dst Op) { // dst = b - a
	if t.size == 4 {
		VSUBPS(a, b, dst)
	} else {
		VSUBPD(a, b, dst)
	}
}

func (t target) subBroadcast(m Mem, c, dst Op) { // dst = c - broadcast(m)
	if t.size == 4 {
		VSUBPS_BCST(m, c, dst)
	} else {
		VSUBPD_BCST(m, c, dst)
	}
}

func (t target) or(a, b, dst Op) {
	if t.size == 4 {
		VORPS(a, b, dst)
	} else {
		VORPD(a, b, dst)
	}
}

func (t target) add(a, b, dst Op) {
	if t.size == 4 {
		VADDPS(a, b, dst)
	} else {
		VADDPD(a, b, dst)
	}
}

func (t target) fma(a, b, acc Op) { // acc += a * b
	if t.size == 4 {
		VFMADD231PS(a, b, acc)
	} else {
		VFMADD231PD(a, b, acc)
	}
}

func (t target) min(a, b, dst Op) { // dst = b < a ? b : a
	if t.size == 4 {
		VMINPS(a, b, dst)
	} else {
		VMINPD(a, b, dst)
	}
}

// cmp sets mask to b OP a for the predicate imm.
func (t target) cmp(imm uint8, a, b, mask Op) {
	if t.size == 4 {
		VCMPPS(U8(imm), a, b, mask)
	} else {
		VCMPPD(U8(imm), a, b, mask)
	}
}

const (
	cmpEQ  = 0x00 // equal, ordered
	cmpLT  = 0x01 // less than, ordered: false when either is NaN
	cmpNEQ = 0x04 // not equal, unordered
	// not less than, unordered: true when either is NaN
	cmpNLTUQ = 0x05

	cmpNGTUQ = 0x0a // not greater than, unordered: true when either is NaN
)

// mask allocates whatever holds a comparison result: a vector register in
// AVX2, an opmask register in AVX-512.
func (t target) mask() Register {
	if t.width == 32 {
		return t.vec()
	}
	return K()
}

// blend sets dst = mask ? src : dst.
func (t target) blend(mask Register, src, dst Op) {
	switch {
	case t.width == 64 && t.size == 4:
		VMOVAPS(src, mask, dst)
	case t.width == 64:
		VMOVAPD(src, mask, dst)
	case t.size == 4:
		VBLENDVPS(mask, src, dst, dst)
	default:
		VBLENDVPD(mask, src, dst, dst)
	}
}

// constant returns the address of the scalar v in the constant table.
func (t target) constant(v int) Mem {
	if t.size == 4 {
		return iota32.Offset(4 * v)
	}
	return iota64.Offset(8 * v)
}

var iota32, iota64, posInf32, posInf64 Mem

// laneSteps holds, per element size and vector width, a vector whose every
// lane is the number of lanes: the step from one centroid vector's indices
// to the next one's.
var laneSteps = map[[2]int]Mem{}

func (t target) laneStep() Mem { return laneSteps[[2]int{t.size, t.width}] }

// constants emits the tables of small integers as floats (for centroid
// indices) and +Inf (the starting minimum).
func constants() {
	iota32 = GLOBL("iota32", RODATA|NOPTR)
	for i := range 64 {
		DATA(4*i, F32(float32(i)))
	}
	iota64 = GLOBL("iota64", RODATA|NOPTR)
	for i := range 64 {
		DATA(8*i, F64(float64(i)))
	}
	for _, size := range []int{4, 8} {
		for _, width := range []int{32, 64} {
			name := fmt.Sprintf("lanestep%d_%d", 8*size, 8*width)
			laneSteps[[2]int{size, width}] = GLOBL(name, RODATA|NOPTR)
			for i := range width / size {
				if size == 4 {
					DATA(4*i, F32(float32(width/size)))
				} else {
					DATA(8*i, F64(float64(width/size)))
				}
			}
		}
	}
	posInf32 = GLOBL("posinf32", RODATA|NOPTR)
	DATA(0, U32(0x7f800000))
	posInf64 = GLOBL("posinf64", RODATA|NOPTR)
	DATA(0, U64(0x7ff0000000000000))
}

func (t target) posInf() Mem {
	if t.size == 4 {
		return posInf32
	}
	return posInf64
}

// hmin sets every lane of v to the minimum of its lanes; tmp is clobbered.
func (t target) hmin(v, tmp VecVirtual) {
	switch t.width {
	case 32:
		VPERM2F128(U8(0x01), v, v, tmp)
		t.min(tmp, v, v)
	case 64:
		if t.size == 4 {
			VSHUFF32X4(U8(0x4e), v, v, tmp)
			t.min(tmp, v, v)
			VSHUFF32X4(U8(0xb1), v, v, tmp)
		} else {
			VSHUFF64X2(U8(0x4e), v, v, tmp)
			t.min(tmp, v, v)
			VSHUFF64X2(U8(0xb1), v, v, tmp)
		}
		t.min(tmp, v, v)
	}
	if t.size == 4 {
		VPERMILPS(U8(0x4e), v, tmp)
		t.min(tmp, v, v)
		VPERMILPS(U8(0xb1), v, tmp)
	} else {
		VPERMILPD(U8(map[int]int{32: 0x5, 64: 0x55}[t.width]), v, tmp)
	}
	t.min(tmp, v, v)
}

func nearest(t target) {
	TEXT(t.name(), NOSPLIT, fmt.Sprintf(
		"func(labels []int32, dists []%s, points, packed []%s, dim, groups int)", t.goType(), t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets labels[i] and dists[i] for each point with %s, "+
		"%d points and %d centroids at a time. packed holds groups groups of %d centroids.",
		t.name(), t.isa, t.p, t.b*t.lanes(), t.b*t.lanes()))

	labels := Load(Param("labels").Base(), GP64())
	dists := Load(Param("dists").Base(), GP64())
	rows := Load(Param("points").Base(), GP64())
	n := Load(Param("labels").Len(), GP64())
	rowBytes := Load(Param("dim"), GP64())
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)

	// The running index vector lives in a stack slot, so that it costs no
	// register in the hot loop.
	index := AllocLocal(t.width)

	Comment("Groups of P points.")
	Label(t.name() + "_points")
	CMPQ(n, U32(t.p))
	JL(LabelRef(t.name() + "_tail"))
	prefetchNextRows(t, t.name(), n, 2*t.p, rows, rowBytes)
	group(t, t.p, labels, dists, rows, rowBytes, index)
	ADDQ(U32(4*t.p), labels)
	ADDQ(U32(t.size*t.p), dists)
	for range t.p {
		ADDQ(rowBytes, rows)
	}
	SUBQ(U32(t.p), n)
	JMP(LabelRef(t.name() + "_points"))

	// A lone point has only B chains of dependent FMAs, too few to
	// cover their latency, so the last points go as one group: a block
	// of 1,024 points ends with 4 for P = 6.
	Comment("The remaining points, fewer than P, as one group.")
	Label(t.name() + "_tail")
	for r := 1; r < t.p; r++ {
		CMPQ(n, U32(r))
		JNE(LabelRef(fmt.Sprintf("%s_tail%d", t.name(), r+1)))
		group(t, r, labels, dists, rows, rowBytes, index)
		JMP(LabelRef(t.name() + "_done"))
		Label(fmt.Sprintf("%s_tail%d", t.name(), r+1))
	}

	Label(t.name() + "_done")
	VZEROUPPER()
	RET()
}

// prefetchNextRows prefetches the cache lines of the P rows after the
// group's, when left, the points left in some unit, is at least need,
// which is what 2·P points make in that unit. Without it the first group
// of centroids waits on memory for each new row. On one core of an AMD
// EPYC (Zen 5), the 6x2 float32 kernel on 100,000 points of 128
// coordinates and 256 centroids ran at 74–76 GFMA/s without it and 88–95
// with it (three alternated runs). On 1,020 points already in cache it
// ran at 104.
func prefetchNextRows(t target, name string, left Register, need int, rows, rowBytes Register) {
	CMPQ(left, U32(need))
	JL(LabelRef(name + "_prefetched"))
	next, end := GP64(), GP64()
	MOVQ(rowBytes, end)
	IMUL3Q(U32(t.p), end, end)
	LEAQ(Mem{Base: rows, Index: end, Scale: 1}, next)
	ADDQ(next, end)
	Label(name + "_prefetch")
	PREFETCHT0(Mem{Base: next})
	ADDQ(U8(64), next)
	CMPQ(next, end)
	JB(LabelRef(name + "_prefetch"))
	Label(name + "_prefetched")
}

// group emits the search of the points rows[0:p] against every packed
// centroid and stores their labels and distances.
func group(t target, p int, labels, dists, rows, rowBytes Register, index Mem) {
	suffix := fmt.Sprintf("_%d", p)

	bestD := make([]VecVirtual, p)
	bestI := make([]VecVirtual, p)
	var spillD, spillI []Mem
	for i := range p {
		bestD[i], bestI[i] = t.vec(), t.vec()
		t.broadcast(t.posInf(), bestD[i])
		t.zero(bestI[i])
		if t.spill {
			spillD = append(spillD, AllocLocal(t.width))
			spillI = append(spillI, AllocLocal(t.width))
			t.move(bestD[i], spillD[i])
			t.move(bestI[i], spillI[i])
		}
	}
	idx := t.vec()
	t.move(t.constant(0), idx)
	t.move(idx, index)

	rowsOf := &groupRows{bases: make([]Register, (p+2)/3), rowBytes: rowBytes}
	row := rowsOf.row

	cptr := Load(Param("packed").Base(), GP64())
	groups := Load(Param("groups"), GP64())

	Label(t.name() + suffix + "_centroids")
	acc := t.zeroAccumulators(p)
	rowsOf.reset(rows)
	j := Load(Param("dim"), GP64())

	step := func(u int) {
		c := make([]Op, t.b)
		for b := range t.b {
			c[b] = Mem{Base: cptr}.Offset((u*t.b + b) * t.width)
			if !t.cmem {
				r := t.vec()
				t.move(c[b], r)
				c[b] = r
			}
		}
		for i := range p {
			if t.width == 64 && t.b == 1 {
				// AVX-512 folds the broadcast into the subtraction.
				// With more than one centroid vector that would load
				// the coordinate once per vector, and the loads, not
				// the FMAs, would set the pace.
				for b := range t.b {
					d := t.vec()
					t.subBroadcast(row(i).Offset(u*t.size), c[b], d)
					t.fma(d, d, acc[i][b])
				}
				continue
			}
			x := t.vec()
			t.broadcast(row(i).Offset(u*t.size), x)
			for b := range t.b {
				d := x
				if t.b > 1 || t.cmem {
					d = t.vec()
				}
				t.sub(c[b], x, d)
				t.fma(d, d, acc[i][b])
			}
		}
	}
	t.coordinateLoop(t.name()+suffix, j, rowsOf, cptr, step)
	Comment("Keep, per lane, the smallest distance and its centroid index.")
	cur := t.vec()
	t.move(index, cur)
	for b := range t.b {
		if b > 0 {
			t.add(t.laneStep(), cur, cur)
		}
		for i := range p {
			if t.spill {
				bestD[i], bestI[i] = t.vec(), t.vec()
				t.move(spillD[i], bestD[i])
				t.move(spillI[i], bestI[i])
			}
			m := t.mask()
			t.cmp(cmpLT, bestD[i], acc[i][b], m)
			t.min(bestD[i], acc[i][b], bestD[i])
			t.blend(m, cur, bestI[i])
			if t.spill {
				t.move(bestD[i], spillD[i])
				t.move(bestI[i], spillI[i])
			}
		}
	}
	t.add(t.laneStep(), cur, cur)
	t.move(cur, index)
	DECQ(groups)
	JNZ(LabelRef(t.name() + suffix + "_centroids"))

	Comment("Reduce the lanes: the minimum distance, then the lowest index that has it.")
	inf := t.vec()
	t.broadcast(t.posInf(), inf)
	for i := range p {
		if t.spill {
			bestD[i], bestI[i] = t.vec(), t.vec()
			t.move(spillD[i], bestD[i])
			t.move(spillI[i], bestI[i])
		}
		low, tmp := t.vec(), t.vec()
		t.move(bestD[i], low)
		t.hmin(low, tmp)
		// Lanes whose distance is above the minimum take index +Inf.
		m := t.mask()
		t.cmp(cmpNEQ, low, bestD[i], m)
		t.blend(m, inf, bestI[i])
		t.hmin(bestI[i], tmp)
		t.store(low, i, bestI[i], labels, dists)
	}
}

// groupRows addresses the rows of a group of points. Row i sits at
// bases[i/3] + (i%3)·rowBytes, so that three rows share a base register
// through the scaled index.
type groupRows struct {
	bases    []Register
	rowBytes Register
}

func (g *groupRows) row(i int) Mem {
	m := Mem{Base: g.bases[i/3]}
	if i%3 > 0 {
		m.Index, m.Scale = g.rowBytes, uint8(i%3)
	}
	return m
}

// reset points the bases at the group's first row, rows.
func (g *groupRows) reset(rows Register) {
	for i := range g.bases {
		g.bases[i] = GP64()
		MOVQ(rows, g.bases[i])
		for range 3 * i {
			ADDQ(g.rowBytes, g.bases[i])
		}
	}
}

// zeroAccumulators returns p·t.b zeroed vectors.
func (t target) zeroAccumulators(p int) [][]VecVirtual {
	acc := make([][]VecVirtual, p)
	for i := range p {
		acc[i] = make([]VecVirtual, t.b)
		for b := range t.b {
			acc[i][b] = t.vec()
			t.zero(acc[i][b])
		}
	}
	return acc
}

// coordinateLoop emits the loop over the j coordinates of the group's rows
// and of the packed centroids at cptr. step(u) emits the work for the u-th
// coordinate of an iteration. The loop runs two coordinates at a time, and
// an odd j first does one alone. It ends at the label prefix+"_update".
func (t target) coordinateLoop(prefix string, j Register, rows *groupRows, cptr Register, step func(u int)) {
	advance := func(u int) {
		for _, r := range rows.bases {
			ADDQ(U32(u*t.size), r)
		}
		ADDQ(U32(u*t.packedVectors()*t.width), cptr)
	}
	TESTQ(U32(1), j)
	JZ(LabelRef(prefix + "_even"))
	step(0)
	advance(1)
	DECQ(j)
	JZ(LabelRef(prefix + "_update"))

	Label(prefix + "_even")
	step(0)
	step(1)
	advance(2)
	SUBQ(U32(2), j)
	JNZ(LabelRef(prefix + "_even"))

	Label(prefix + "_update")
}

// store writes lane 0 of dist and of index (a float) to dists[i] and
// labels[i].
func (t target) store(dist VecVirtual, i int, index VecVirtual, labels, dists Register) {
	label := GP32()
	if t.size == 4 {
		VMOVSS(dist.AsX(), Mem{Base: dists}.Offset(4*i))
		VCVTTSS2SI(index.AsX(), label)
	} else {
		VMOVSD(dist.AsX(), Mem{Base: dists}.Offset(8*i))
		VCVTTSD2SI(index.AsX(), label)
	}
	MOVL(label, Mem{Base: labels}.Offset(4*i))
}
