package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ridgeRowByRow emits a fused ridge kernel with ZMM vectors that reads X
// one row after the other, for wide rows. For each row it runs the dot
// product loop of ridgeWide and then its gradient loop, which reads the
// row again from the cache (from L1 while the row, w and grad fit in it):
//
//	for c := range dim/L {
//		acc += X[i][c] * w[c]
//	}
//	r = sum of acc + b − y[i]
//	for c := range dim/L {
//		grad[c] += r * X[i][c]
//	}
//
// X is read in order, which the hardware prefetcher follows without
// software prefetches.
func ridgeRowByRow(t target) {
	name := fmt.Sprintf("ridgeRowsAVX512%s", t.suffix())
	TEXT(name, NOSPLIT, fmt.Sprintf(
		"func(grad, X, y, w []%[1]s, b %[1]s) (sumSq, sum %[1]s)", t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s adds Σᵢ rᵢ·X[i] to grad and returns Σᵢ rᵢ² and Σᵢ rᵢ, "+
		"for rᵢ = X[i]·w + b − y[i] over the len(y) rows of X (len(w) columns), "+
		"with AVX-512, one row after the other.", name))

	k, yp, n := newRidgeWideKernel(t, name)
	sumSq, sum := YMM(), YMM()
	VXORPS(sumSq, sumSq, sumSq)
	VXORPS(sum, sum, sum)

	Label(name + "_row")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	k.oneRow(name+"_row", yp, sumSq, sum)
	DECQ(n)
	JMP(LabelRef(name + "_row"))

	Label(name + "_done")
	for i, v := range []VecVirtual{sumSq, sum} {
		if t.size == 4 {
			VMOVSS(v.AsX(), returnAddr(i))
		} else {
			VMOVSD(v.AsX(), returnAddr(i))
		}
	}
	VZEROUPPER()
	RET()
}
