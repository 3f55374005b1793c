//go:build !purego

package vecfit

import "golang.org/x/sys/cpu"

// assemblyKernels returns the arm64 kernels that this CPU supports. The NEON
// kernels use only ASIMD instructions of the base Armv8.0-A set, which every
// arm64 CPU that Go supports has. The check still guards against a system
// that reports no ASIMD.
func assemblyKernels() []*kernel {
	if !cpu.ARM64.HasASIMD {
		return nil
	}
	return []*kernel{neonKernel}
}

// neonKernel chooses the variant by k. The 8x1 kernels take up to two
// vectors of centroids (8 float32 or 4 float64), where a 4x4 group would be
// mostly padding. Above that, the 4x4 kernels issue fewer instructions per
// centroid. The switch point is estimated from instruction counts, not
// measured on arm64 hardware.
var neonKernel = &kernel{
	name: "neon",
	nearest32: func(k, dim int) nearestKernel[float32] {
		if k <= 8 {
			return nearestKernel[float32]{fn: nearestNEONF32_8x1, block: 4}
		}
		return nearestKernel[float32]{fn: nearestNEONF32_4x4, block: 16}
	},
	nearest64: func(k, dim int) nearestKernel[float64] {
		if k <= 4 {
			return nearestKernel[float64]{fn: nearestNEONF64_8x1, block: 2}
		}
		return nearestKernel[float64]{fn: nearestNEONF64_4x4, block: 8}
	},
	ridge32: ridgeNEONF32,
	ridge64: ridgeNEONF64,
	gram64:  gramNEON,
}
