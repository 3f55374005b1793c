package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
)

// settled emits a function that reports whether every distance is below
// +Inf. The search calls it after each kernel run to skip the scalar pass
// that settles +Inf and NaN distances; scanning in Go cost about as much as
// the kernel itself on the geo shape (d=2, k=8).
func settled(t target) {
	name := fmt.Sprintf("settledAVX2%s", map[int]string{4: "F32", 8: "F64"}[t.size])
	TEXT(name, NOSPLIT, fmt.Sprintf("func(dists []%s) bool", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s reports whether every element of dists is below +Inf (and so not NaN).", name))

	ptr := Load(Param("dists").Base(), GP64())
	n := Load(Param("dists").Len(), GP64())
	inf, any := YMM(), YMM()
	t.broadcast(t.posInf(), inf)
	t.zero(any)

	const unroll = 4
	L := t.lanes()
	Label(name + "_vectors")
	CMPQ(n, U32(unroll*L))
	JL(LabelRef(name + "_scalars"))
	for u := range unroll {
		m := YMM()
		// +Inf is not greater than d exactly when d is +Inf or NaN.
		t.cmp(cmpNGTUQ, Mem{Base: ptr}.Offset(u*t.width), inf, m)
		t.or(m, any, any)
	}
	ADDQ(U32(unroll*t.width), ptr)
	SUBQ(U32(unroll*L), n)
	JMP(LabelRef(name + "_vectors"))

	Label(name + "_scalars")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	x := XMM()
	if t.size == 4 {
		VMOVSS(Mem{Base: ptr}, x)
	} else {
		VMOVSD(Mem{Base: ptr}, x)
	}
	t.cmp(cmpNGTUQ, x, inf.AsX(), x)
	t.or(x.AsY(), any, any)
	ADDQ(U32(t.size), ptr)
	DECQ(n)
	JMP(LabelRef(name + "_scalars"))

	Label(name + "_done")
	ok := GP8()
	VPTEST(any, any)
	SETEQ(ok)
	Store(ok, ReturnIndex(0))
	VZEROUPPER()
	RET()
}
