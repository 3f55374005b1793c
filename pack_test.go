package vecfit

import (
	"fmt"
	"math"
	"testing"
)

// packGroupsNaive is packGroups written as the definition: coordinate j of
// centroid g·block+lane at packed[(g·dim+j)·block+lane], NaN past k.
func packGroupsNaive(centroids []float64, dim, block, groups int) []float64 {
	k := len(centroids) / dim
	packed := make([]float64, groups*dim*block)
	for g := range groups {
		for j := range dim {
			for lane := range block {
				c := g*block + lane
				v := math.NaN()
				if c < k {
					v = centroids[c*dim+j]
				}
				packed[(g*dim+j)*block+lane] = v
			}
		}
	}
	return packed
}

// TestPackGroups compares packGroups with packGroupsNaive on both
// sides of packStripMin, for k not a multiple of the block and for more
// groups than the centroids need.
func TestPackGroups(t *testing.T) {
	dims := []int{}
	for d := 1; d <= 40; d++ {
		dims = append(dims, d)
	}
	dims = append(dims, 63, 64, 65, 100, 128, 129, 300, 1024, 1025, 2000)
	for _, dim := range dims {
		for _, block := range []int{1, 2, 4, 8, 12, 16, 24, 32, 64} {
			for _, k := range []int{1, block - 1, block, block + 1, 3*block + 5} {
				if k < 1 {
					continue
				}
				centroids := make([]float64, k*dim)
				for i := range centroids {
					centroids[i] = float64(i + 1)
				}
				need := (k + block - 1) / block
				for _, groups := range []int{need, need + 1, 2*need + 1} {
					got := packGroups(centroids, dim, block, groups)
					want := packGroupsNaive(centroids, dim, block, groups)
					name := fmt.Sprintf("dim %d block %d k %d groups %d", dim, block, k, groups)
					if len(got) != len(want) {
						t.Fatalf("%s: length %d, want %d", name, len(got), len(want))
					}
					for i := range got {
						same := got[i] == want[i] || (math.IsNaN(got[i]) && math.IsNaN(want[i]))
						if !same {
							t.Fatalf("%s: packed[%d] = %v, want %v", name, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
