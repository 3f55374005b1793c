package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// blockDots emits blockDotsAVX2, the inner products of the Cholesky
// factorisation of FitRidge. The factor's row i at column j needs the
// inner product of the first j values of rows i and j. One call takes
// two rows i, i+1 against four rows j…j+3 over their first n values:
//
//	for k := 0; k < n; k += 4 {                  // four lanes per vector
//		acc[p][q] += a[i+p][k:k+4] * a[j+q][k:k+4] for p < 2, q < 4
//	}
//
// Each step loads six vectors for eight FMAs, where one inner product at
// a time loads two for one. The factorisation then reads each row once
// for four columns instead of once per column, and its matrix, too large
// for the L2 cache at a thousand columns, comes in from the L3 cache a
// quarter as often. Eight accumulators also cover the FMA latency of two
// FMAs per cycle. The Go caller adds the last n%4 products.
func blockDots() {
	const name = "blockDotsAVX2"
	TEXT(name, NOSPLIT, "func(out *[8]float64, a []float64, stride, i, j, n int)")
	Pragma("noescape")
	Doc(name + " sets out[p·4+q] to Σ a[(i+p)·stride+k]·a[(j+q)·stride+k] over k < n, " +
		"for p < 2 and q < 4, with AVX2. n is a multiple of 4.")

	base := Load(Param("a").Base(), GP64())
	rowBytes := Load(Param("stride"), GP64())
	SHLQ(U8(3), rowBytes)
	n := Load(Param("n"), GP64())

	// rowPointer returns the address of a[row·stride].
	rowPointer := func(row Register) Register {
		p := GP64()
		MOVQ(row, p)
		IMULQ(rowBytes, p)
		ADDQ(base, p)
		return p
	}
	x := make([]Register, 2)
	x[0] = rowPointer(Load(Param("i"), GP64()))
	x[1] = GP64()
	LEAQ(Mem{Base: x[0], Index: rowBytes, Scale: 1}, x[1])
	y := make([]Register, 4)
	y[0] = rowPointer(Load(Param("j"), GP64()))
	for q := 1; q < 4; q++ {
		y[q] = GP64()
		LEAQ(Mem{Base: y[q-1], Index: rowBytes, Scale: 1}, y[q])
	}

	acc := make([][4]VecVirtual, 2)
	for p := range acc {
		for q := range acc[p] {
			acc[p][q] = YMM()
			VXORPD(acc[p][q], acc[p][q], acc[p][q])
		}
	}
	off := GP64() // byte offset of k in each row
	XORQ(off, off)
	SHLQ(U8(3), n)
	JZ(LabelRef(name + "_reduce"))

	Label(name + "_four")
	xv := make([]VecVirtual, 2)
	for p := range xv {
		xv[p] = YMM()
		VMOVUPD(Mem{Base: x[p], Index: off, Scale: 1}, xv[p])
	}
	for q := range 4 {
		yv := YMM()
		VMOVUPD(Mem{Base: y[q], Index: off, Scale: 1}, yv)
		for p := range xv {
			VFMADD231PD(yv, xv[p], acc[p][q])
		}
	}
	ADDQ(U8(32), off)
	CMPQ(off, n)
	JL(LabelRef(name + "_four"))

	Label(name + "_reduce")
	// For each row p, horizontal adds pair up the lanes of the four
	// accumulators, and a lane swap and a blend line the halves up so that
	// one addition leaves the four sums in order.
	out := Load(Param("out"), GP64())
	for p := range acc {
		a := acc[p]
		h01, h23 := YMM(), YMM()
		VHADDPD(a[1], a[0], h01) // a0₀+a0₁, a1₀+a1₁, a0₂+a0₃, a1₂+a1₃
		VHADDPD(a[3], a[2], h23)
		swapped, blended := YMM(), YMM()
		VPERM2F128(U8(0x21), h23, h01, swapped) // high half of h01, low half of h23
		VBLENDPD(U8(0xC), h23, h01, blended)    // low half of h01, high half of h23
		VADDPD(blended, swapped, swapped)
		VMOVUPD(swapped, Mem{Base: out, Disp: 32 * p})
	}
	VZEROUPPER()
	RET()
}
