//go:build !purego

package vecfit

import "github.com/klauspost/cpuid/v2"

// assemblyKernels returns the amd64 kernels that this CPU and operating
// system support, fastest first. cpuid reports AVX2, FMA3 and the AVX-512
// features only when the operating system saves the wider registers. The
// avx512 kernels use AVX512DQ instructions too, such as VXORPS on ZMM.
func assemblyKernels() []*kernel {
	var ks []*kernel
	if cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512VL, cpuid.AVX2, cpuid.FMA3, cpuid.BMI1) {
		ks = append(ks, avx512Kernel)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3) {
		ks = append(ks, avx2Kernel)
	}
	return ks
}

var avx2Kernel = withAVX2Helpers(&kernel{
	name: "avx2",
	nearest32: func(k, dim int) nearestKernel[float32] {
		switch {
		case k <= 8:
			return nearestKernel[float32]{fn: nearestAVX2F32_4x1, block: 8}
		case k <= 16:
			return nearestKernel[float32]{fn: nearestAVX2F32_3x2, block: 16}
		}
		return nearestKernel[float32]{fn: nearestAVX2F32_3x4ms, block: 32}
	},
	nearest64: func(k, dim int) nearestKernel[float64] {
		switch {
		case k <= 4:
			return nearestKernel[float64]{fn: nearestAVX2F64_4x1, block: 4}
		case k <= 8:
			return nearestKernel[float64]{fn: nearestAVX2F64_3x2, block: 8}
		}
		return nearestKernel[float64]{fn: nearestAVX2F64_3x4ms, block: 16}
	},
	dot32: func(k, dim int) dotKernel[float32] {
		if !useDot(k, dim) {
			return dotKernel[float32]{}
		}
		return dotKernel[float32]{fn: dotAVX2F32_4x3, block: 24, lanes: 8, sumBlock: dotSumBlock}
	},
	dot64: func(k, dim int) dotKernel[float64] {
		if !useDot(k, dim) {
			return dotKernel[float64]{}
		}
		return dotKernel[float64]{fn: dotAVX2F64_4x3, block: 12, lanes: 4, sumBlock: dotSumBlock}
	},
})

// ridgeWideMinBytes is the row length in bytes above which the avx512
// entry runs ridgeWideF32 or ridgeWideF64 instead of the AVX2 fused
// kernel. It was measured with RidgeGrad on one core of an AMD EPYC
// (Zen 5), 61 MB of X and medians of three runs. Rows of 3 KiB (768
// float32 or 384 float64 columns) were read at 40 and 37 GB/s by the wide
// kernel against 32 and 34 by the AVX2 kernel, and rows of 1536 float32
// at 37 against 29. At 2 KiB the wide kernel read 35 against 34 for
// float32 and 33 against 37 for float64. Shorter rows were read as fast
// or faster by the AVX2 kernel (45 against 43 at 128 float32 columns).
//
// NOTE: the threshold was not measured again for ridgeRowsAVX512, which
// CPUs other than Zen 5 run. A quick check on Zen 4 found it about as
// fast as the AVX2 kernel at 513 float32 columns and 6–20% faster at 640
// and 768.
const ridgeWideMinBytes = 2048

// The avx512 entry's kernels for rows longer than ridgeWideMinBytes,
// chosen once at start. ridgeWideAVX512 reads 4 rows side by side with
// software prefetches, and ridgeRowsAVX512 one row after the other. On
// one core of an AMD EPYC (Zen 4), RidgeGrad on 20,000×768 float32 read
// X at 18.0 GB/s with the rows kernel and 16.6 with the 4-row one, with X
// on the Go heap. With X in huge pages it read 23.5 against 21.3 GB/s
// (medians of 8 alternated runs). The 4-row kernel was tuned on Zen 5
// (AMD family 1Ah), which keeps it.
var ridgeWideF32, ridgeWideF64 = chooseWideRidge()

func chooseWideRidge() (func(grad, X, y, w []float32, b float32) (float32, float32),
	func(grad, X, y, w []float64, b float64) (float64, float64)) {
	if cpuid.CPU.VendorID == cpuid.AMD && cpuid.CPU.Family == 0x1a {
		return ridgeWideAVX512F32, ridgeWideAVX512F64
	}
	return ridgeRowsAVX512F32, ridgeRowsAVX512F64
}

// ridgeAVX512F32 is the fused ridge kernel of the avx512 entry. Rows of
// 16 columns, one ZMM vector each, go through ridgeNarrowAVX512F32 in
// tiles of 16 rows. The rows after the last tile, and rows of any other
// width, go through ridgeWideF32 if they are longer than
// ridgeWideMinBytes and through ridgeAVX2F32 if not.
func ridgeAVX512F32(grad, X, y, w []float32, b float32) (sumSq, sum float32) {
	fused := ridgeAVX2F32
	if 4*len(w) > ridgeWideMinBytes {
		fused = ridgeWideF32
	}
	return ridgeInTiles(ridgeNarrowAVX512F32, fused, 16, grad, X, y, w, b)
}

// ridgeAVX512F64 is ridgeAVX512F32 for float64, whose ZMM rows have 8
// columns.
func ridgeAVX512F64(grad, X, y, w []float64, b float64) (sumSq, sum float64) {
	fused := ridgeAVX2F64
	if 8*len(w) > ridgeWideMinBytes {
		fused = ridgeWideF64
	}
	return ridgeInTiles(ridgeNarrowAVX512F64, fused, 8, grad, X, y, w, b)
}

// narrowPrefetch is how far ahead, in bytes, ridgeNarrowBlocksAVX512F32
// and F64 prefetch X, chosen once at start. On AMD family 1Ah (Zen 5),
// 8 KiB ahead read 1,000,000×16 float32 at 31–39 GB/s, against 31–33
// without prefetches and less at 2 and 4 KiB. On an AMD EPYC Zen 4 host,
// 2 KiB read it at 23–25 GB/s with X on the Go heap and 25–26 in huge
// pages, against 20–21 and 23–26 at 8 KiB and 21–22 and 22 without.
// Those are 4 rounds of RidgeGrad with each of 0, 1, 2, 4 and 8 KiB in
// turn, and 1 KiB was about as fast as 2. So other CPUs take 2 KiB.
//
// NOTE: no Intel CPU was measured.
var narrowPrefetch = chooseNarrowPrefetch()

func chooseNarrowPrefetch() int {
	if cpuid.CPU.VendorID == cpuid.AMD && cpuid.CPU.Family == 0x1a {
		return 8192
	}
	return 2048
}

// ridgeBlocksAVX512F32 and ridgeBlocksAVX512F64 return the block ridge
// kernels of the avx512 entry: the narrow kernels on whole blocks, for
// rows of one ZMM vector. Their tiles of 16 or 8 rows divide
// ridgeBlockRows.
func ridgeBlocksAVX512F32(dim int) func(out []float64, X, y, w []float32, b float32, blocks int) {
	if dim != 16 {
		return nil
	}
	return func(out []float64, X, y, w []float32, b float32, blocks int) {
		ridgeNarrowBlocksAVX512F32(out, X, y, w, b, blocks, ridgeBlockRows/16, narrowPrefetch)
	}
}

func ridgeBlocksAVX512F64(dim int) func(out []float64, X, y, w []float64, b float64, blocks int) {
	if dim != 8 {
		return nil
	}
	return func(out []float64, X, y, w []float64, b float64, blocks int) {
		ridgeNarrowBlocksAVX512F64(out, X, y, w, b, blocks, ridgeBlockRows/8, narrowPrefetch)
	}
}

// ridgeInTiles runs narrow, a ridge kernel for rows of width columns in
// tiles of width rows, on the whole tiles, and fused on the rest. Both add
// to grad.
func ridgeInTiles[F Float](narrow, fused func(grad, X, y, w []F, b F) (F, F), width int, grad, X, y, w []F, b F) (sumSq, sum F) {
	if len(w) != width {
		return fused(grad, X, y, w, b)
	}
	tiled := len(y) - len(y)%width
	sumSq, sum = narrow(grad, X[:tiled*width], y[:tiled], w, b)
	if tiled < len(y) {
		restSq, rest := fused(grad, X[tiled*width:], y[tiled:], w, b)
		sumSq, sum = sumSq+restSq, sum+rest
	}
	return sumSq, sum
}

// withAVX2Helpers fills in the AVX2 kernels that both amd64 kernels use:
// the scan, single-centroid and inner-product kernels, and the ridge,
// Gram and row kernels unless k has its own.
func withAVX2Helpers(k *kernel) *kernel {
	k.settled32, k.settled64 = settledAVX2F32, settledAVX2F64
	k.distances32, k.distances64 = distancesAVX2F32, distancesAVX2F64
	if k.ridge32 == nil {
		k.ridge32, k.ridge64 = ridgeAVX2F32, ridgeAVX2F64
	}
	if k.gram64 == nil {
		k.gram64 = gramAVX2
	}
	if k.colSums32 == nil {
		k.colSums32, k.colSums64 = colSumsAVX2F32, colSumsAVX2F64
		k.centre32, k.centre64 = centreAVX2F32, centreAVX2F64
	}
	k.dotProduct = dotProductAVX2
	k.scaleRows = scaleRowsAVX2
	k.blockDots = blockDotsAVX2
	return k
}

// useDot reports whether the AVX2 expansion kernels should rank k
// centroids of dim coordinates. Below these sizes the Go work per point
// (checking the margin, computing the chosen distance) outweighs the
// faster kernel. On an AMD EPYC (Zen 4), n=20000 float32 points, two runs
// each: at d=64 the difference kernel led at k=48 (27–29 GFMA/s against
// 24–27) and the expansion path at k=100 (31–32 against 27–30). At d=48
// the two were even, and at d=256 k=256 the expansion path ran 43–45
// against 36–39.
func useDot(k, dim int) bool {
	return dim >= dotMinDim && k >= dotMinCentroids
}

// dotSumBlock is the number of coordinates that every expansion kernel
// sums from zero before adding the block's sum to the dot product (see
// the generator's dotSumBlock).
const dotSumBlock = 64

const (
	dotMinDim       = 64
	dotMinCentroids = 96
)

// useDotAVX512 reports whether the AVX-512 expansion kernels should rank
// k centroids of dim coordinates. The AVX-512 difference kernels run close
// to them until the centroids span several chunks. On an AMD EPYC (Zen 5),
// n=20000 float32 points, two alternated runs each, the expansion path
// ran at 67–70 GFMA/s against 96 for the difference kernel at d=64 k=96,
// 93–94 against 98–101 at d=128 k=128, even at d=256 k=256 and d=128
// k=256, and ahead from k=512: 110 against 103 at d=128 k=1024, 108–110
// against 99 at d=256 k=512, 104–111 against 95–99 at d=512 k=512.
func useDotAVX512(k, dim int) bool {
	return dim >= dotMinDimAVX512 && k >= dotMinCentroidsAVX512
}

const (
	dotMinDimAVX512       = 128
	dotMinCentroidsAVX512 = 512
)

// The lane-per-point kernels (one point per lane, see asm/lanes.go) take
// the dims for which they transpose a tile with permutations and keep it
// in registers: up to maxLanesDim, and 16 in float32. Other dims would use
// gathers, which cost more than the lane reductions they save: on an AMD
// EPYC (Zen 4), with gathers at every dim, d=4 k=100 ran 24 GFMA/s against
// 18 for the centroid-per-lane kernel, and d=16 k=16 ran 17 against 21.
// With the permutations, float32 d=16 ran ahead of the centroid-per-lane
// kernel at every k measured on AMD Zen 5 (n=20000, two alternated runs):
// 44–49 GFMA/s against 28–29 at k=10, 74–75 against 43 at k=33, 88
// against 80–83 at k=64, and even from k=256.
const maxLanesDim = 12

// lanesInRegisters reports whether the lane-per-point kernel for elements
// of size bytes keeps a tile of dim coordinates in registers.
func lanesInRegisters(dim, size int) bool {
	return dim <= maxLanesDim || (size == 4 && dim == 16)
}

// nearestLanesF32 and nearestLanesF64 are the lane-per-point kernels
// without their report, for a search that settles points only after it has
// merged the results of several centroid chunks.
func nearestLanesF32(labels []int32, dists []float32, points, packed []float32, dim, groups int) {
	nearestLanesAVX512F32(labels, dists, points, packed, dim, groups)
}

func nearestLanesF64(labels []int32, dists []float64, points, packed []float64, dim, groups int) {
	nearestLanesAVX512F64(labels, dists, points, packed, dim, groups)
}

// lanesBlock returns the number of centroids per packed group that the
// lane-per-point kernel for elements of size bytes reads for dim
// coordinates. With the tile in registers it takes groups of 2, so that
// few padding centroids are computed. The gathers, which only the tests
// call, take groups of 4.
func lanesBlock(dim, size int) int {
	if lanesInRegisters(dim, size) {
		return 2
	}
	return 4
}

// gramAheadAVX512 runs gramAVX512 and prefetches next over the first
// quarter of its tiles. A tile row of 8 rows of G at column i has ds − i
// columns, in tiles of up to 8·gramTileVectors. The first quarter gives
// the lines longer to arrive. Spread over all the tiles instead, the
// prefetches of the next block of 100,000×128 float32 left FitRidge's
// centring 0.3 ms slower (one core of an AMD EPYC, Zen 4, 3 alternated
// runs).
// The prefetches made fits of 250,000×64 to 125,000×128 float32 3–7%
// faster (100,000×128: 35.8 to 34.2 ms), left 500,000×32 as it was and
// made 1,000,000×16 4% slower. There a block's product is short and the
// centring kernel's own prefetch is enough, so at ds ≤ 16 this
// prefetches nothing.
func gramAheadAVX512(G, Z []float64, ds, stride int, next []byte) {
	if ds <= 16 || len(next) == 0 {
		gramAVX512(G, Z, ds, stride, nil, 0)
		return
	}
	tiles := 0
	for k := 1; k <= ds/8; k++ {
		tiles += (k + gramTileVectors - 1) / gramTileVectors
	}
	// next may start part-way into its first cache line.
	lines := (len(next) + 127) / 64
	gramAVX512(G, Z, ds, stride, next, (4*lines+tiles-1)/tiles)
}

// gramTileVectors is the number of ZMM vectors across a tile of
// gramAVX512, gramVectors in the generator.
const gramTileVectors = 3

// The avx512 entry reuses the AVX2 row, scan and single-centroid kernels,
// and the AVX2 ridge kernel for most row lengths (see ridgeAVX512F32).
// No AVX-512 versions of the others were written,
// because a measured FMA peak on AMD Zen 4 was the same for ZMM and YMM
// (57 and 56 GFMA lanes/s). Its Gram kernel is gramAVX512, whose larger tiles with
// broadcasts folded into the FMAs ran 5–6% faster than gramAVX2 at ds =
// 128 and 768 and 21% at ds = 16 (BenchmarkGram on an AMD EPYC, Zen 4,
// medians of 7 alternated runs).
//
// Its expansion kernels (6 points by 64 centroids) serve many centroids
// only (see useDotAVX512). On AMD Zen 4, which runs a ZMM FMA as two
// halves, one ran sift at 44 GFMA/s and bert at 51, against 50 and 53 for
// the difference kernels in the same runs. On Zen 5, which has full-width
// FMA units, the difference kernels need two subtractions and two FMAs
// per cycle to reach the peak, and the expansion path overtakes them
// from about 512 centroids.
var avx512Kernel = withAVX2Helpers(&kernel{
	name:          "avx512",
	gram64:        func(G, Z []float64, ds, stride int) { gramAVX512(G, Z, ds, stride, nil, 0) },
	gramAhead64:   gramAheadAVX512,
	ridge32:       ridgeAVX512F32,
	ridge64:       ridgeAVX512F64,
	ridgeBlocks32: ridgeBlocksAVX512F32,
	ridgeBlocks64: ridgeBlocksAVX512F64,
	colSums32:     colSumsAVX512F32,
	colSums64:     colSumsAVX512F64,
	centre32:      centreAVX512F32,
	centre64:      centreAVX512F64,
	nearest32: func(k, dim int) nearestKernel[float32] {
		switch {
		case lanesInRegisters(dim, 4):
			return nearestKernel[float32]{fn: nearestLanesF32, checked: nearestLanesAVX512F32, block: lanesBlock(dim, 4)}
		case k <= 8:
			// Half of a 16-lane vector would hold padding.
			return avx2Kernel.nearest32(k, dim)
		case k <= 16:
			return nearestKernel[float32]{fn: nearestAVX512F32_8x1, block: 16}
		}
		return nearestKernel[float32]{fn: nearestAVX512F32_6x2, block: 32}
	},
	nearest64: func(k, dim int) nearestKernel[float64] {
		switch {
		case lanesInRegisters(dim, 8):
			return nearestKernel[float64]{fn: nearestLanesF64, checked: nearestLanesAVX512F64, block: lanesBlock(dim, 8)}
		case k <= 4:
			return avx2Kernel.nearest64(k, dim)
		case k <= 8:
			return nearestKernel[float64]{fn: nearestAVX512F64_8x1, block: 8}
		}
		return nearestKernel[float64]{fn: nearestAVX512F64_6x2, block: 16}
	},
	dot32: func(k, dim int) dotKernel[float32] {
		if !useDotAVX512(k, dim) {
			return dotKernel[float32]{}
		}
		return dotKernel[float32]{fn: dotAVX512F32_6x4, block: 64, lanes: 16, sumBlock: dotSumBlock, halves: true, reduce: dotReduceAVX512F32, assigned: assignedAVX512F32}
	},
	dot64: func(k, dim int) dotKernel[float64] {
		if !useDotAVX512(k, dim) {
			return dotKernel[float64]{}
		}
		return dotKernel[float64]{fn: dotAVX512F64_6x4, block: 32, lanes: 8, sumBlock: dotSumBlock, halves: true, reduce: dotReduceAVX512F64, assigned: assignedAVX512F64}
	},
})
