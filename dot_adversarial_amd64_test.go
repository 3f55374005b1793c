//go:build !purego

package vecfit

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// checkAccepted runs dotPass on the points and checks that every point it
// accepts has the unique exact nearest centroid. It returns the number of
// accepted points.
func checkAccepted[F Float](t *testing.T, f dotFunction[F], name string, points, centroids []F, dim int) int {
	t.Helper()
	s := f.search(t, centroids, dim)
	if s.dot == nil {
		return 0
	}
	n, k := len(points)/dim, len(centroids)/dim
	labels, dists := make([]int32, n), make([]F, n)
	var scratch searchScratch[F]
	retry := s.dotPass(labels, dists, points, 0, nil, &scratch)

	retried := make([]bool, n)
	for _, i := range retry {
		retried[i] = true
	}

	ref := newReference(points, centroids, dim)
	accepted := 0
	for i := range n {
		if retried[i] {
			continue
		}
		accepted++
		label := int(labels[i])
		x := points[i*dim : (i+1)*dim]
		if ref.nanPoint[i] || label < 0 || label >= k || !ref.eligible[i*k+label] {
			t.Errorf("%s point %d: accepted label %d of a NaN point or an ineligible centroid", name, i, label)
			continue
		}

		dl := ref.dist[i*k+label]
		var exactL *big.Rat
		for c := range k {
			if c == label || !ref.eligible[i*k+c] {
				continue
			}
			dc := ref.dist[i*k+c]
			if math.IsInf(dc.hi, 1) && !math.IsInf(dl.hi, 1) {
				continue
			}
			gap := (dc.hi - dl.hi) + (dc.lo - dl.lo)
			if gap > 0x1p-80*math.Abs(dl.hi)+0x1p-1060 {
				continue
			}
			// Too close for the double-double reference: compare exactly.
			if exactL == nil {
				exactL = exactRatDistance(x, centroids[label*dim:(label+1)*dim])
			}
			exactC := exactRatDistance(x, centroids[c*dim:(c+1)*dim])
			if exactC.Cmp(exactL) <= 0 {
				t.Errorf("%s point %d: accepted label %d, but centroid %d is exactly as near or nearer", name, i, label, c)
				break
			}
		}
	}
	return accepted
}

// adversarialCases returns generated cases that stress the margin check.
func adversarialCases[F Float](rng *rand.Rand, dim int) []genCase[F] {
	var cases []genCase[F]
	add := func(kind string, points, centroids []F) {
		cases = append(cases, genCase[F]{name: fmt.Sprintf("%T/%s/dim=%d", F(0), kind, dim), points: points, centroids: centroids, dim: dim})
	}
	const n, k = 48, 97
	bits := 24
	if !isFloat32[F]() {
		bits = 53
	}

	// Near ties far from the origin: centroid 2m+1 is centroid 2m moved
	// by a random normal step of size 2^-s, with s below the mantissa's
	// bits, and the point sits as near to centroid 2m.
	for _, offset := range []float64{0, 1e2, 1e4} {
		centroids := make([]F, k*dim)
		for j := range centroids {
			centroids[j] = F(offset + rng.NormFloat64())
		}
		points := make([]F, n*dim)
		for i := range n {
			a := 2 * (i % (k / 2))
			b := a + 1
			scale := math.Pow(2, -float64(rng.IntN(bits)))
			for j := range dim {
				centroids[b*dim+j] = centroids[a*dim+j] + F(scale*rng.NormFloat64())
				points[i*dim+j] = centroids[a*dim+j] + F(scale*rng.NormFloat64())
			}
		}
		add(fmt.Sprintf("nearTies/offset=%g", offset), points, centroids)
	}

	// Mixed magnitudes: coordinates from 2^-E to 2^E, centroids as
	// perturbed copies of the points.
	for _, e := range []int{10, 30, 60} {
		if isFloat32[F]() && e > 30 {
			continue
		}
		points := make([]F, n*dim)
		for j := range points {
			points[j] = F(math.Ldexp(rng.NormFloat64(), rng.IntN(2*e+1)-e))
		}
		centroids := make([]F, k*dim)
		for c := range k {
			src := points[(c%n)*dim : (c%n+1)*dim]
			for j := range dim {
				v := float64(src[j])
				if rng.IntN(4) == 0 {
					v += math.Ldexp(rng.NormFloat64(), rng.IntN(2*e+1)-e)
				}
				centroids[c*dim+j] = F(v)
			}
		}
		add(fmt.Sprintf("mixed/e=%d", e), points, centroids)
	}

	// Exact ties by permutation: the point is constant, so centroids that
	// permute the same values are exact ties, but their sums round in
	// different orders.
	{
		points := make([]F, n*dim)
		for i := range n {
			v := F(math.Ldexp(1+rng.Float64(), rng.IntN(20)-10))
			for j := range dim {
				points[i*dim+j] = v
			}
		}
		centroids := make([]F, k*dim)
		base := make([]F, dim)
		for j := range dim {
			base[j] = F(math.Ldexp(1+rng.Float64(), rng.IntN(40)-20))
			if rng.IntN(2) == 0 {
				base[j] = -base[j]
			}
		}
		for c := range k {
			perm := rng.Perm(dim)
			for j := range dim {
				centroids[c*dim+j] = base[perm[j]]
			}
		}
		add("permutationTies", points, centroids)
	}

	// Products that sit near half an ulp of the running sum, with random
	// signs of the deviation (as roundingPair, but random).
	{
		half := math.Ldexp(1, 20-bits)
		points := make([]F, n*dim)
		for i := range n {
			for j := range dim {
				if j%dotSumBlock == 0 {
					points[i*dim+j] = 1 << 20
				} else {
					points[i*dim+j] = 1 << 8
				}
			}
		}
		centroids := make([]F, k*dim)
		for c := range k {
			for j := range dim {
				if j%dotSumBlock == 0 {
					centroids[c*dim+j] = F(1 + math.Ldexp(float64(rng.IntN(64)), 1-bits))
					continue
				}
				delta := math.Ldexp(float64(rng.IntN(1<<10)), -12)
				if c%2 == 0 {
					delta = -delta
				}
				centroids[c*dim+j] = F(math.Ldexp(half, -8) * (1 + delta))
			}
		}
		add("halfUlp", points, centroids)
	}

	// Subnormal and tiny values.
	{
		tiny := smallestNonzero[F]()
		points := make([]F, n*dim)
		centroids := make([]F, k*dim)
		for j := range points {
			points[j] = F(tiny * float64(rng.IntN(1<<12)-1<<11))
		}
		for j := range centroids {
			centroids[j] = F(tiny * float64(rng.IntN(1<<12)-1<<11))
		}
		add("subnormal", points, centroids)
		p2, c2 := slices.Clone(points), slices.Clone(centroids)
		for j := range p2 {
			if rng.IntN(3) == 0 {
				p2[j] = F(rng.NormFloat64() * math.Sqrt(tiny) * 1e3)
			}
		}
		for j := range c2 {
			if rng.IntN(3) == 0 {
				c2[j] = F(rng.NormFloat64() * math.Sqrt(tiny) * 1e3)
			}
		}
		add("subnormalMixed", p2, c2)
	}

	// Near the largest (‖x‖ + radius)² that the bound allows.
	{
		_, _, reach2Max := dotLimits[F]()
		scale := math.Sqrt(reach2Max/float64(dim)) / 2.2
		centroids := make([]F, k*dim)
		for j := range centroids {
			centroids[j] = F(scale * (1 + rng.NormFloat64()/64))
		}
		points := make([]F, n*dim)
		for i := range n {
			c := rng.IntN(k)
			for j := range dim {
				points[i*dim+j] = centroids[c*dim+j] * F(1+rng.NormFloat64()/1e4)
			}
		}
		add("nearOverflow", points, centroids)
	}
	return cases
}

// TestDotAcceptAdversarial checks the accept claim on adversarial
// data at dims around the summation block.
func TestDotAcceptAdversarial(t *testing.T) {
	testDotAcceptAdversarial(t, dotFunctions32)
	testDotAcceptAdversarial(t, dotFunctions64)
}

func testDotAcceptAdversarial[F Float](t *testing.T, fns []dotFunction[F]) {
	for _, f := range fns {
		if !slices.Contains(Kernels(), f.isa) {
			continue
		}
		dims := []int{1, 7, 63, 64, 65, 127, 128, 129, 191, 192, 193, 777, 2000}
		if testing.Short() {
			dims = []int{1, 64, 65, 129, 777}
		}
		for _, dim := range dims {
			rng := rand.New(rand.NewPCG(uint64(dim), 99))
			for _, c := range adversarialCases[F](rng, dim) {
				name := f.isa + " " + c.name
				accepted := checkAccepted(t, f, name, c.points, c.centroids, dim)
				t.Logf("%s: %d of %d accepted", name, accepted, len(c.points)/dim)
			}
		}
	}
}
