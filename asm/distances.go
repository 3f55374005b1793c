package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// distances emits the kernel that k-means++ seeding calls for every
// candidate centroid: the squared distance of each point to one centroid,
//
//	for i := range dists {
//		dists[i] = Σ_j (points[i*dim+j] - c[j])²
//	}
//
// With a single centroid, the nearest-centroid kernels would fill one lane
// of each vector and then reduce it. Here the lanes run along the
// coordinates instead: full vectors of the row, a scalar loop for the last
// dim%lanes coordinates, and one horizontal sum per point.
func distances(t target) {
	name := fmt.Sprintf("distancesAVX2%s", map[int]string{4: "F32", 8: "F64"}[t.size])
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dists []%s, points, c []%s, dim int)", t.goType(), t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dists[i] to the squared distance from point i to c, "+
		"for the len(dists) rows of dim values in points; len(c) is dim.", name))

	dists := Load(Param("dists").Base(), GP64())
	rows := Load(Param("points").Base(), GP64())
	n := Load(Param("dists").Len(), GP64())
	dim := Load(Param("dim"), GP64())
	L := t.lanes()

	// vectorBytes covers the coordinates that fill whole vectors.
	vectorBytes := GP64()
	MOVQ(dim, vectorBytes)
	ANDQ(I32(-L), vectorBytes)
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), vectorBytes)
	rowBytes := GP64()
	MOVQ(dim, rowBytes)
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)

	Label(name + "_point")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	c := Load(Param("c").Base(), GP64())
	acc := YMM()
	t.zero(acc)
	off := GP64()
	XORQ(off, off)

	Label(name + "_vector")
	CMPQ(off, vectorBytes)
	JGE(LabelRef(name + "_scalar"))
	x := YMM()
	t.move(Mem{Base: rows, Index: off, Scale: 1}, x)
	t.sub(Mem{Base: c, Index: off, Scale: 1}, x, x)
	t.fma(x, x, acc)
	ADDQ(U32(t.width), off)
	JMP(LabelRef(name + "_vector"))

	Comment("The last dim%lanes coordinates, one at a time, into lane 0.")
	Label(name + "_scalar")
	tail := XMM()
	t.zero(tail)
	Label(name + "_scalarloop")
	CMPQ(off, rowBytes)
	JGE(LabelRef(name + "_sum"))
	s := XMM()
	if t.size == 4 {
		VMOVSS(Mem{Base: rows, Index: off, Scale: 1}, s)
		VSUBSS(Mem{Base: c, Index: off, Scale: 1}, s, s)
		VFMADD231SS(s, s, tail)
	} else {
		VMOVSD(Mem{Base: rows, Index: off, Scale: 1}, s)
		VSUBSD(Mem{Base: c, Index: off, Scale: 1}, s, s)
		VFMADD231SD(s, s, tail)
	}
	ADDQ(U32(t.size), off)
	JMP(LabelRef(name + "_scalarloop"))

	Label(name + "_sum")
	t.add(tail.AsY(), acc, acc)
	hsum(t, acc)
	t.storeLow(acc, Mem{Base: dists})
	ADDQ(U32(t.size), dists)
	ADDQ(rowBytes, rows)
	DECQ(n)
	JMP(LabelRef(name + "_point"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// storeLow stores lane 0 of v to m.
func (t target) storeLow(v VecVirtual, m Mem) {
	if t.size == 4 {
		VMOVSS(v.AsX(), m)
	} else {
		VMOVSD(v.AsX(), m)
	}
}

// hsum adds the lanes of the YMM register v into its lane 0.
func hsum(t target, v VecVirtual) {
	tmp := XMM()
	VEXTRACTF128(U8(1), v, tmp)
	t.add(tmp, v.AsX(), v.AsX())
	if t.size == 4 {
		VPERMILPS(U8(0x4e), v.AsX(), tmp)
		t.add(tmp, v.AsX(), v.AsX())
		VPERMILPS(U8(0xb1), v.AsX(), tmp)
	} else {
		VPERMILPD(U8(0x1), v.AsX(), tmp)
	}
	t.add(tmp, v.AsX(), v.AsX())
}

// assigned emits the kernel that computes, after the expansion path has
// picked a label for each point of a block, the distance to that
// centroid:
//
//	for i := range dists {
//		c := centroids[labels[i]*dim:]
//		dists[i] = Σ_j (points[i*dim+j] - c[j])²
//	}
//
// One call per block replaces a call of the single-centroid kernel per
// point, which cost about 25 ns per point at 128 coordinates. The last
// dim%lanes coordinates are read with masked loads, which never touch the
// masked-out elements.
func assigned(t target) {
	name := fmt.Sprintf("assignedAVX512%s", map[int]string{4: "F32", 8: "F64"}[t.size])
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(dists []%[1]s, points, centroids []%[1]s, labels []int32, dim int)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets dists[i] to the squared distance from point i to centroid labels[i], "+
		"for the len(dists) rows of dim values in points. Each label must name a row of centroids.", name))

	dists := Load(Param("dists").Base(), GP64())
	rows := Load(Param("points").Base(), GP64())
	labels := Load(Param("labels").Base(), GP64())
	n := Load(Param("dists").Len(), GP64())
	dim := Load(Param("dim"), GP64())
	L := t.lanes()

	Comment("vectorBytes covers the coordinates that fill whole vectors.")
	vectorBytes, rowBytes := GP64(), GP64()
	MOVQ(dim, vectorBytes)
	ANDQ(I32(-L), vectorBytes)
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), vectorBytes)
	MOVQ(dim, rowBytes)
	SHLQ(U8(map[int]int{4: 2, 8: 3}[t.size]), rowBytes)
	mask, table, count := K(), GP64(), GP64()
	MOVQ(dim, count)
	ANDQ(U32(L-1), count)
	LEAQ(tailMask, table)
	KMOVW(Mem{Base: table, Index: count, Scale: 2}, mask)

	Label(name + "_point")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	c := GP64()
	MOVLQSX(Mem{Base: labels}, c)
	IMULQ(rowBytes, c)
	ADDQ(Load(Param("centroids").Base(), GP64()), c)
	acc := t.vec()
	t.zero(acc)
	off := GP64()
	XORQ(off, off)

	Label(name + "_vector")
	CMPQ(off, vectorBytes)
	JGE(LabelRef(name + "_tail"))
	x := t.vec()
	t.move(Mem{Base: rows, Index: off, Scale: 1}, x)
	t.sub(Mem{Base: c, Index: off, Scale: 1}, x, x)
	t.fma(x, x, acc)
	ADDQ(U32(t.width), off)
	JMP(LabelRef(name + "_vector"))

	Label(name + "_tail")
	x, cv := t.vec(), t.vec()
	if t.size == 4 {
		VMOVUPS_Z(Mem{Base: rows, Index: off, Scale: 1}, mask, x)
		VMOVUPS_Z(Mem{Base: c, Index: off, Scale: 1}, mask, cv)
	} else {
		VMOVUPD_Z(Mem{Base: rows, Index: off, Scale: 1}, mask, x)
		VMOVUPD_Z(Mem{Base: c, Index: off, Scale: 1}, mask, cv)
	}
	t.sub(cv, x, x)
	t.fma(x, x, acc)

	Comment("Add the two halves, then the lanes of the lower one.")
	// VEXTRACTF64X4 moves the 256 upper bits whatever the element
	// size, and needs only AVX512F.
	sum := YMM()
	VEXTRACTF64X4(U8(1), acc, sum)
	t.add(acc.AsY(), sum, sum)
	hsum(t, sum)
	t.storeLow(sum, Mem{Base: dists})
	ADDQ(U32(t.size), dists)
	ADDQ(U8(4), labels)
	ADDQ(rowBytes, rows)
	DECQ(n)
	JMP(LabelRef(name + "_point"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}
