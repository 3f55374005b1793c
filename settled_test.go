package vecfit

import (
	"math"
	"testing"
)

// TestSettledEveryPosition places one +Inf or NaN at every position of
// slices of every length up to 40, across the vector body and the scalar
// tail of each kernel's check, and also checks the clean slices.
func TestSettledEveryPosition(t *testing.T) {
	for _, k := range kernels {
		testSettled[float32](t, k)
		testSettled[float64](t, k)
	}
}

func testSettled[F Float](t *testing.T, k *kernel) {
	settled := settledFor[F](k)
	for n := range 41 {
		dists := make([]F, n+1)
		for i := range dists {
			dists[i] = F(i) * 1e30 // large but finite in both types
		}
		dists[n] = F(math.Inf(1)) // outside the slice passed in: never read
		if !settled(dists[:n]) {
			t.Errorf("%s %T: n=%d finite distances reported unsettled", k.name, dists, n)
		}
		for pos := range n {
			for _, bad := range []F{F(math.Inf(1)), F(math.NaN())} {
				keep := dists[pos]
				dists[pos] = bad
				if settled(dists[:n]) {
					t.Errorf("%s %T: n=%d %v at %d reported settled", k.name, dists, n, bad, pos)
				}
				dists[pos] = keep
			}
		}
	}
}
