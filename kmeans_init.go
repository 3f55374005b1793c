package vecfit

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// seed returns K initial centroids chosen by the method in f.opts.Init.
// Every random draw comes from rng on the calling goroutine, so the result
// does not depend on the number of goroutines.
func (f *kmeansFit[F]) seed(ctx context.Context, rng *rand.Rand) ([]F, error) {
	switch f.opts.Init {
	case InitGiven:
		init := make([]F, len(f.opts.InitCentroids))
		for i, v := range f.opts.InitCentroids {
			init[i] = F(v)
		}
		return init, nil
	case InitRandom:
		return f.seedRandom(rng), nil
	}
	return f.seedPlusPlus(ctx, rng)
}

// row returns point i.
func (f *kmeansFit[F]) row(i int) []F { return f.points[i*f.dim : (i+1)*f.dim] }

// seedRandom returns K points drawn uniformly without replacement among the
// points of positive weight. When fewer than K points have positive weight,
// they are all taken and then repeated in the drawn order.
func (f *kmeansFit[F]) seedRandom(rng *rand.Rand) []F {
	var pool []int
	for i := range f.n {
		if f.weight(i) > 0 {
			pool = append(pool, i)
		}
	}
	// A partial Fisher–Yates shuffle puts the drawn points first.
	drawn := min(f.k, len(pool))
	for i := range drawn {
		j := i + rng.IntN(len(pool)-i)
		pool[i], pool[j] = pool[j], pool[i]
	}
	init := make([]F, 0, f.k*f.dim)
	for c := range f.k {
		init = append(init, f.row(pool[c%drawn])...)
	}
	return init
}

// seedPlusPlus returns K centroids chosen by greedy k-means++ (see
// InitKMeansPlusPlus). The squared distances come from the nearest-centroid
// kernel, one candidate at a time, and are summed in float64 in point
// order.
//
// NOTE: each candidate costs a pass over all points (the distances kernel,
// which reduces one row per point), so seeding is slow next to a Lloyd
// iteration, whose kernel compares each point with many centroids at once.
// With K = 64 on 100000 float32 points of dim 16, KMeans with MaxIter 1
// took 157 ms on one AMD Zen 4 core, as long as some 40 iterations.
func (f *kmeansFit[F]) seedPlusPlus(ctx context.Context, rng *rand.Rand) ([]F, error) {
	init := make([]F, 0, f.k*f.dim)
	cumulative := make([]float64, f.n)

	// The first centroid is drawn in proportion to weight alone.
	for i := range cumulative {
		cumulative[i] = f.weight(i)
		if i > 0 {
			cumulative[i] += cumulative[i-1]
		}
	}
	first := drawCumulative(rng, cumulative)
	init = append(init, f.row(first)...)

	closest := make([]F, f.n)   // squared distance to the nearest chosen centroid
	candidate := make([]F, f.n) // squared distance to the current candidate
	best := make([]F, f.n)      // min(closest, candidate) for the best candidate
	f.distancesTo(closest, f.row(first))

	trials := 2 + int(math.Log(float64(f.k)))
	for c := 1; c < f.k; c++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("seeding centroid %d: %w", c, err)
		}
		scale := potentialScale(closest, f.weight)
		var potential float64
		for i, d := range closest {
			if w := f.weight(i); w != 0 {
				potential += w * (float64(d) * scale)
			}
			cumulative[i] = potential
		}
		if potential == 0 || math.IsInf(potential, 1) {
			// Every point of positive weight already coincides with a
			// centroid (or a distance overflowed): fall back to drawing
			// in proportion to weight, which repeats a centroid in the
			// first case.
			for i := range cumulative {
				cumulative[i] = f.weight(i)
				if i > 0 {
					cumulative[i] += cumulative[i-1]
				}
			}
			p := drawCumulative(rng, cumulative)
			init = append(init, f.row(p)...)
			f.distancesTo(candidate, f.row(p))
			minInto(closest, candidate)
			continue
		}

		chosen, bestPotential := -1, math.Inf(1)
		for range trials {
			p := drawCumulative(rng, cumulative)
			f.distancesTo(candidate, f.row(p))
			minInto(candidate, closest)
			var pot float64
			for i, d := range candidate {
				if w := f.weight(i); w != 0 {
					pot += w * (float64(d) * scale)
				}
			}
			if pot < bestPotential {
				chosen, bestPotential = p, pot
				candidate, best = best, candidate
			}
		}
		init = append(init, f.row(chosen)...)
		closest, best = best, closest
	}
	return init, nil
}

// potentialScale returns 1, or when the weighted sum of dists could
// overflow float64, the power of two that brings the largest distance of
// positive weight to at most 1. The weights are at most 2 (scaled as the
// Weights field documents), so the scaled sum stays below 2·len(dists). The
// potentials of k-means++ are then compared and drawn from in that
// scale, which loses only distances below 2⁻¹⁰⁷⁴ of the largest.
func potentialScale[F Float](dists []F, weight func(i int) float64) float64 {
	largest := 0.0
	for i, d := range dists {
		if weight(i) != 0 {
			largest = max(largest, float64(d))
		}
	}
	if !(largest*float64(2*len(dists)) > math.MaxFloat64) || math.IsInf(largest, 1) {
		return 1
	}
	_, exp := math.Frexp(largest)
	return math.Ldexp(1, -exp)
}

// distancesTo sets dists[i] to the squared distance from point i to x.
func (f *kmeansFit[F]) distancesTo(dists []F, x []F) {
	// The kernel name was validated in newKMeansFit.
	k, err := lookupKernel(f.search.Kernel)
	if err != nil {
		panic("vecfit: internal error: " + err.Error())
	}
	distances := distancesFor[F](k)
	blocks := (f.n + blockRows - 1) / blockRows
	workers := workerCount(f.search.Workers, blocks, f.n*f.dim)
	parallel(workers, blocks, func(b int, _ *struct{}) {
		lo, hi := b*blockRows, min((b+1)*blockRows, f.n)
		distances(dists[lo:hi], f.points[lo*f.dim:hi*f.dim], x, f.dim)
	})
}

// minInto sets dst[i] to min(dst[i], src[i]).
func minInto[F Float](dst, src []F) {
	for i, v := range src {
		dst[i] = min(dst[i], v)
	}
}

// drawCumulative returns an index i drawn with probability proportional to
// cumulative[i] − cumulative[i−1], the running sums of non-negative
// weights with a positive total. An index whose weight is 0 is never drawn.
func drawCumulative(rng *rand.Rand, cumulative []float64) int {
	total := cumulative[len(cumulative)-1]
	r := rng.Float64() * total
	i := sort.Search(len(cumulative), func(i int) bool { return cumulative[i] > r })
	if i == len(cumulative) {
		// r rounded up to the total: take the last index of positive weight.
		i = sort.Search(len(cumulative), func(i int) bool { return cumulative[i] >= total })
	}
	return i
}
