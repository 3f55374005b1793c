// Command asm generates the amd64 assembly kernels of vecfit with avo.
// Run it through go generate in the repository root; it writes
// ../dist_amd64.s and the Go declarations in ../dist_amd64.go.
package main

//go:generate go run . -out ../dist_amd64.s -stubs ../dist_amd64.go -pkg vecfit

import (
	. "github.com/mmcloughlin/avo/build"
)

func main() {
	ConstraintExpr("!purego")
	constants()
	tailMasks()
	dotConstants()
	for _, t := range nearestTargets {
		nearest(t)
	}
	for _, t := range dotTargets {
		dot(t)
	}
	dotReduce(target{isa: "AVX512", width: 64, size: 4})
	dotReduce(target{isa: "AVX512", width: 64, size: 8})
	assigned(target{isa: "AVX512", width: 64, size: 4})
	assigned(target{isa: "AVX512", width: 64, size: 8})
	lanes(target{isa: "AVX512", width: 64, size: 4})
	lanes(target{isa: "AVX512", width: 64, size: 8})
	settled(target{isa: "AVX2", width: 32, size: 4})
	settled(target{isa: "AVX2", width: 32, size: 8})
	distances(target{isa: "AVX2", width: 32, size: 4})
	distances(target{isa: "AVX2", width: 32, size: 8})
	for _, t := range ridgeTargets {
		ridge(t)
	}
	ridgeNarrow(target{isa: "AVX512", width: 64, size: 4})
	ridgeNarrow(target{isa: "AVX512", width: 64, size: 8})
	ridgeNarrowBlocks(target{isa: "AVX512", width: 64, size: 4})
	ridgeNarrowBlocks(target{isa: "AVX512", width: 64, size: 8})
	ridgeWide(target{isa: "AVX512", width: 64, size: 4})
	ridgeWide(target{isa: "AVX512", width: 64, size: 8})
	ridgeRowByRow(target{isa: "AVX512", width: 64, size: 4})
	ridgeRowByRow(target{isa: "AVX512", width: 64, size: 8})
	gram()
	gramAVX512()
	for _, t := range rowKernelTargets {
		colSums(t)
		centre(t)
	}
	for _, t := range rowKernelTargets {
		colSums512(t)
		centre512(t)
	}
	dotProduct()
	scaleRows()
	blockDots()
	Generate()
}
