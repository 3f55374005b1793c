//go:build !purego

package vecfit

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// asmKernel is one assembly function, tested directly, so that a function
// is checked even before dispatch selects it for some k and dim.
type asmKernel[F Float] struct {
	name   string
	isa    string // the kernel of Kernels() whose instructions it needs
	fn     func(labels []int32, dists []F, points, packed []F, dim, groups int)
	block  int
	maxDim int

	// blocks, when not nil, returns the group size for dim in place of
	// block.
	blocks func(dim int) int
}

// blockFor returns the number of centroids per packed group that the
// function reads for dim coordinates.
func (a asmKernel[F]) blockFor(dim int) int {
	if a.blocks != nil {
		return a.blocks(dim)
	}
	return a.block
}

var asmKernels32 = []asmKernel[float32]{
	{"AVX2F32_4x1", "avx2", nearestAVX2F32_4x1, 8, 0, nil},
	{"AVX2F32_3x2", "avx2", nearestAVX2F32_3x2, 16, 0, nil},
	{"AVX2F32_3x4ms", "avx2", nearestAVX2F32_3x4ms, 32, 0, nil},
	{"AVX512F32_8x1", "avx512", nearestAVX512F32_8x1, 16, 0, nil},
	{"AVX512F32_6x2", "avx512", nearestAVX512F32_6x2, 32, 0, nil},
	{name: "LanesAVX512F32", isa: "avx512", fn: nearestLanesF32, maxDim: 32, blocks: func(dim int) int { return lanesBlock(dim, 4) }},
}

var asmKernels64 = []asmKernel[float64]{
	{"AVX2F64_4x1", "avx2", nearestAVX2F64_4x1, 4, 0, nil},
	{"AVX2F64_3x2", "avx2", nearestAVX2F64_3x2, 8, 0, nil},
	{"AVX2F64_3x4ms", "avx2", nearestAVX2F64_3x4ms, 16, 0, nil},
	{"AVX512F64_8x1", "avx512", nearestAVX512F64_8x1, 8, 0, nil},
	{"AVX512F64_6x2", "avx512", nearestAVX512F64_6x2, 16, 0, nil},
	{name: "LanesAVX512F64", isa: "avx512", fn: nearestLanesF64, maxDim: 32, blocks: func(dim int) int { return lanesBlock(dim, 8) }},
}

// run calls the function on packed centroids and settles, as the search
// does, the points whose distance came out +Inf or NaN.
func (a asmKernel[F]) run(points, centroids []F, dim int) ([]int32, []F) {
	n := len(points) / dim
	block := a.blockFor(dim)
	packed := packCentroids(centroids, dim, block)
	labels, dists := make([]int32, n), make([]F, n)
	a.fn(labels, dists, points, packed, dim, len(packed)/(dim*block))
	for i, d := range dists {
		if math.IsInf(float64(d), 1) || d != d {
			labels[i], dists[i] = nearestRow(points[i*dim:(i+1)*dim], centroids, dim)
		}
	}
	return labels, dists
}

func TestAssemblyFunctions(t *testing.T) {
	testAssemblyFunctions(t, asmKernels32)
	testAssemblyFunctions(t, asmKernels64)
}

func testAssemblyFunctions[F Float](t *testing.T, fns []asmKernel[F]) {
	// Every count of points left after the last full group, 1 to P−1,
	// for P = 3, 4, 6 and 8.
	ns := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 17, 20, 33}
	// With centroids in groups of 2, k of 10, 11 and 14 end the lane
	// kernels' register path with one, two and three groups after a full
	// pass of four.
	ks := []int{1, 3, 4, 5, 8, 9, 10, 11, 14, 16, 17, 32, 33, 65}
	if testing.Short() {
		ns, ks = []int{1, 17}, []int{5, 33}
	}
	for _, a := range fns {
		if !slices.Contains(Kernels(), a.isa) {
			t.Logf("%s: this CPU lacks %s", a.name, a.isa)
			continue
		}
		t.Run(a.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 13))
			maxDim := 70
			if a.maxDim > 0 {
				maxDim = a.maxDim
			}
			failures := 0
			for dim := 1; dim <= maxDim; dim++ {
				for _, n := range ns {
					for _, k := range ks {
						kind := []valueKind{normalValues, offsetValues, integerValues, specialValues}[(dim+n+k)%4]
						c := generate[F](rng, kind, n, k, dim)
						ref := newReference(c.points, c.centroids, dim)
						ref.exact = c.exact
						labels, dists := a.run(c.points, c.centroids, dim)
						if msg := ref.check(labels, dists, 3); msg != "" {
							t.Errorf("%s: contract broken:%s", c.name, msg)
							if failures++; failures > 10 {
								t.Fatal("too many failures")
							}
						}
					}
				}
			}
		})
	}
}

// TestAssemblyFunctionsKeepOutputs checks that no function writes past
// labels[n] or dists[n] when the slices have spare capacity.
func TestAssemblyFunctionsKeepOutputs(t *testing.T) {
	for _, a := range asmKernels32 {
		if !slices.Contains(Kernels(), a.isa) {
			continue
		}
		for _, n := range []int{1, 3, 7, 15, 17} {
			const dim, k = 3, 9
			points := make([]float32, n*dim)
			block := a.blockFor(dim)
			packed := packCentroids(make([]float32, k*dim), dim, block)
			labels := slices.Repeat([]int32{-7}, n+16)
			dists := slices.Repeat([]float32{-7}, n+16)
			a.fn(labels[:n], dists[:n], points, packed, dim, len(packed)/(dim*block))
			for i := n; i < len(labels); i++ {
				if labels[i] != -7 || dists[i] != -7 {
					t.Errorf("%s n %d: wrote index %d, past the outputs", a.name, n, i)
				}
			}
		}
	}
}

// TestLanesSettledReport checks the lane-per-point kernels' report that
// every distance they set is below +Inf, which lets the search skip its
// scan, on the register path (dim 5) and the gathers (dim 20).
func TestLanesSettledReport(t *testing.T) {
	if !slices.Contains(Kernels(), "avx512") {
		t.Skip("this CPU lacks avx512")
	}
	testLanesSettledReport(t, nearestLanesAVX512F32)
	testLanesSettledReport(t, nearestLanesAVX512F64)
}

func testLanesSettledReport[F Float](t *testing.T, fn func(labels []int32, dists []F, points, packed []F, dim, groups int) bool) {
	rng := rand.New(rand.NewPCG(5, 5))
	// Squared, the largest finite value of F overflows to +Inf.
	largest := math.MaxFloat64
	if unsafe.Sizeof(F(0)) == 4 {
		largest = math.MaxFloat32
	}
	huge := F(largest)
	for _, dim := range []int{5, 20} {
		for _, n := range []int{1, 16, 17, 40} {
			for _, bad := range []string{"none", "NaN", "overflow", "last"} {
				points := normalSlice[F](rng, n*dim)
				centroids := normalSlice[F](rng, 3*dim)
				row := n / 2
				switch bad {
				case "NaN":
					points[row*dim] = F(math.NaN())
				case "overflow":
					points[row*dim] = huge
				case "last":
					row = n - 1
					points[row*dim+dim-1] = -huge
				}
				block := lanesBlock(dim, int(unsafe.Sizeof(F(0))))
				packed := packCentroids(centroids, dim, block)
				labels, dists := make([]int32, n), make([]F, n)
				got := fn(labels, dists, points, packed, dim, len(packed)/(dim*block))
				want := true
				for _, d := range dists {
					if !(d < F(math.Inf(1))) {
						want = false
					}
				}
				if want != (bad == "none") {
					t.Fatalf("dim %d n %d %s: the case did not produce the distances it should", dim, n, bad)
				}
				if got != want {
					t.Errorf("dim %d n %d %s: reported %v, want %v", dim, n, bad, got, want)
				}
			}
		}
	}
}
