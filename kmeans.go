package vecfit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// Init selects how [KMeans] chooses its initial centroids.
type Init int

const (
	// InitKMeansPlusPlus is greedy k-means++ seeding, the default. The
	// first centroid is a point drawn with probability proportional to its
	// weight. For each further centroid, 2+⌊ln K⌋ candidate points are
	// drawn with probability proportional to weight × D², where D is the
	// distance to the nearest centroid chosen so far. The candidate that
	// lowers the weighted sum of D² the most is kept.
	InitKMeansPlusPlus Init = iota

	// InitRandom draws K distinct points uniformly among those of positive
	// weight. When fewer than K points have positive weight, it takes them
	// all and repeats them in the drawn order, so some centroids start as
	// duplicates (see Clustering.Distinct). It serves as a baseline for
	// comparison.
	InitRandom

	// InitGiven starts from the rows of KMeansOptions.InitCentroids.
	InitGiven
)

// String returns the name of the seeding method.
func (i Init) String() string {
	switch i {
	case InitKMeansPlusPlus:
		return "k-means++"
	case InitRandom:
		return "random"
	case InitGiven:
		return "given"
	}
	return fmt.Sprintf("Init(%d)", int(i))
}

// defaultMaxIter is the iteration limit used when KMeansOptions.MaxIter
// is 0, the same as scikit-learn's.
const defaultMaxIter = 300

// KMeansOptions configures [KMeans]. Only K is required.
type KMeansOptions struct {
	// K is the number of clusters, from 1 to the number of points.
	K int

	// MaxIter is the maximum number of Lloyd iterations per restart.
	// Zero means 300, and a negative value is an error.
	MaxIter int

	// Tol stops the iterations early when the centroids barely move, by
	// the rule of scikit-learn 1.2 (_tolerance and _kmeans_single_lloyd in
	// sklearn/cluster/_kmeans.py, where the default is 1e-4). Let v be the
	// mean over the coordinates of the population variance of the points,
	// unweighted. An update that moves the centroids by a total squared
	// distance Σⱼ‖cⱼ(new) − cⱼ(old)‖² of at most Tol·v ends the fit as
	// converged. Zero stops only when no label changes or no centroid
	// moves. A negative, infinite or NaN value is an error.
	Tol float64

	// Seed makes the seeding reproducible: the same Seed and options give
	// the same result, bit for bit, whatever Workers is.
	Seed uint64

	// Init selects the seeding method.
	Init Init

	// InitCentroids holds K·dim values, the initial centroids row by row,
	// when Init is InitGiven. It must be nil otherwise.
	InitCentroids []float64

	// Restarts is the number of seedings to run, each followed by Lloyd
	// iterations. The clustering with the lowest inertia is returned.
	// Zero means 1. InitGiven has a single seeding, so it runs once.
	Restarts int

	// Weights, when not nil, holds one weight per point. Weights must be
	// finite and non-negative, and at least one must be positive. A point
	// of weight 0 still gets a label but moves no centroid and is never
	// drawn as a seed. Scaling every weight by the same power of two does
	// not change the fit. The seeding divides the weights by the power of
	// two that brings the largest into [1, 2), which is exact for weights
	// of at least 2⁻¹⁰²² times the largest. Smaller ones lose precision
	// there, and one below about 2⁻¹⁰⁷⁴ times the largest is never drawn
	// as a seed. Each centroid divides its cluster's weights by the power
	// of two that brings their largest into [1, 2) instead, and the
	// inertia keeps each product's exponent apart, so neither loses the
	// digits of small weights.
	Weights []float64

	// Workers is the maximum number of goroutines. Zero or less means
	// GOMAXPROCS, as in Options. It never changes the result.
	Workers int

	// Kernel names the nearest-centroid kernel, one of Kernels(). Empty
	// means Kernel(). Different kernels round differently within the
	// accuracy contract of the package, so a point at a near-tie between
	// two centroids can get a different label, and the fit can then take
	// a different path.
	Kernel string

	// Progress, when not nil, is called on the calling goroutine after
	// each Lloyd iteration.
	Progress func(KMeansProgress)
}

// KMeansProgress describes one finished Lloyd iteration.
type KMeansProgress struct {
	// Restart counts the seedings from 0.
	Restart int
	// Iteration counts the Lloyd iterations of this restart from 1.
	Iteration int
	// Inertia is the weighted sum of squared distances from the points to
	// the centroids that this iteration assigned them to, before the
	// centroids were updated. It is +Inf when it exceeds the float64
	// range, which large weights can cause.
	Inertia float64
	// Changed is the number of points whose label changed in this
	// iteration. In the first iteration it is the number of points.
	Changed int
}

// Clustering is the result of [KMeans].
type Clustering[F Float] struct {
	// Centroids holds K rows of dim values.
	Centroids []F
	// Labels holds, for each point, the index of its nearest centroid.
	Labels []int32
	// Inertia is the weighted sum over the points of the squared distance
	// to the nearest centroid, accumulated in float64 with the weights as
	// given. It is +Inf when it exceeds the float64 range, which large
	// weights can cause.
	Inertia float64
	// Iterations is the number of Lloyd iterations of the returned
	// restart, counted as scikit-learn counts them: an assignment and an
	// update make one iteration, and the final assignment that changes no
	// label counts as one.
	Iterations int
	// Converged reports that the fit stopped because no label changed or
	// the centroids moved less than Tol allows, not at MaxIter.
	Converged bool
	// Distinct is the number of distinct centroids. It is below K when
	// seeding from points that have fewer than K distinct values (among
	// those of positive weight), and then some centroids are duplicates.
	// A centroid that no point of positive weight is nearest to stays
	// where it was and counts, so with InitGiven Distinct can exceed the
	// number of distinct points.
	Distinct int
	// Sizes holds the number of points in each cluster.
	Sizes []int
}

// KMeans clusters the n = len(points)/dim points into opts.K clusters with
// Lloyd's algorithm: each iteration assigns every point to its nearest
// centroid with the nearest-centroid kernel, then moves every centroid to
// the weighted mean of its points, summing in float64.
//
// A cluster left without weight is re-seeded from the point farthest from
// its centroid (the next farthest for the next empty cluster, counting
// only points of positive weight and positive distance). When no such
// point is left, the centroid stays where it was. Data with fewer distinct
// points than K therefore converges with duplicate centroids, reported by
// Clustering.Distinct. The weighted sums use the weights rescaled so that
// the largest is in [1, 2), so large or tiny weights neither overflow nor
// underflow them. Returned centroids are always finite: when a cluster's
// weighted coordinate sum overflows float64, which only float64 data with
// sums beyond about 1.8e308 can cause, KMeans returns an error wrapping
// [ErrNaN] instead. Float32 data cannot overflow a float64 sum.
//
// A fit may end with a point of positive weight whose squared distance to
// its nearest centroid overflows F (beyond about 3.4e38 in float32,
// 1.8e308 in float64). The point is then equally far from every centroid.
// A distance within (dim+2)·ε of that maximum counts the same, since
// kernels may round it either way. A restart that ends with such a point
// is dropped.
// When every restart does, KMeans returns an error wrapping [ErrNaN] for
// the first. A point of weight 0 at such a distance gets label 0.
//
// The returned labels are the nearest-centroid labels of the returned
// centroids, and the inertia is the weighted sum of those distances.
//
// Invalid input (K outside 1…n, a NaN or infinite coordinate, an
// InitCentroids value that is not finite in F, a wrong option) returns an
// error before any work.
func KMeans[F Float](points []F, dim int, opts KMeansOptions) (*Clustering[F], error) {
	return KMeansContext(context.Background(), points, dim, opts)
}

// KMeansContext is [KMeans] with a context. When ctx is canceled, the fit
// stops at the next iteration or seeding step and returns an error that
// wraps ctx.Err(). A nil ctx is an error wrapping [ErrOption].
func KMeansContext[F Float](ctx context.Context, points []F, dim int, opts KMeansOptions) (*Clustering[F], error) {
	if ctx == nil {
		return nil, fmt.Errorf("%w: the context is nil; pass context.Background() for none", ErrOption)
	}
	f, err := newKMeansFit(points, dim, opts)
	if err != nil {
		return nil, err
	}
	var best *Clustering[F]
	var bestInertia scaledSum
	var overflow error // the first restart that ended with a distance overflow
	for restart := range f.restarts {
		rng := rand.New(rand.NewPCG(opts.Seed, uint64(restart)))
		init, err := f.seed(ctx, rng)
		if err != nil && ctx.Err() != nil {
			return nil, fmt.Errorf("vecfit: k-means canceled in restart %d while %w", restart, err)
		}
		if err != nil {
			return nil, fmt.Errorf("vecfit: k-means restart %d: %w", restart, err)
		}
		c, inertia, err := f.lloyd(ctx, restart, init)
		var far *farPointError
		if errors.As(err, &far) {
			// Another restart may end with every point in range.
			if overflow == nil {
				overflow = err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		// The inertia with the rescaled weights orders the restarts even
		// when the caller's inertia is +Inf for several of them.
		if best == nil || inertia.less(bestInertia) {
			best, bestInertia = c, inertia
		}
	}
	if best == nil {
		return nil, overflow
	}
	return best, nil
}

// farPointError is the error of a restart whose returned centroids leave a
// point of positive weight at a squared distance that overflows.
type farPointError struct{ err error }

func (e *farPointError) Error() string { return e.err.Error() }
func (e *farPointError) Unwrap() error { return e.err }

// kmeansFit holds the validated input of one call to KMeans.
type kmeansFit[F Float] struct {
	points  []F
	dim, n  int
	k       int
	weights []float64 // nil when every weight is 1, else scaled by 2^-weightExp
	// weightExp is the power of two that the weights were divided by, so
	// that the largest is in [1, 2).
	weightExp int
	// callerWeights holds the caller's weights, nil when every weight is
	// 1. The centroids and the inertia use them, rescaled per cluster or
	// per term, because weights far below the largest lose digits in
	// the globally rescaled weights.
	callerWeights []float64
	// weightsInexact is set when a positive caller's weight falls below
	// the normal range, or to 0, in weights.
	weightsInexact bool
	opts           KMeansOptions
	search         Options
	workers        int
	maxIter        int
	restarts       int
	tol            float64 // Tol scaled by the mean variance of the coordinates
}

func newKMeansFit[F Float](points []F, dim int, opts KMeansOptions) (*kmeansFit[F], error) {
	if dim < 1 {
		return nil, fmt.Errorf("%w: dim is %d, want at least 1", ErrDim, dim)
	}
	if len(points)%dim != 0 {
		return nil, fmt.Errorf("%w: points has length %d, not a multiple of dim %d", ErrLength, len(points), dim)
	}
	n := len(points) / dim
	f := &kmeansFit[F]{
		points:   points,
		dim:      dim,
		n:        n,
		k:        opts.K,
		opts:     opts,
		search:   Options{Kernel: opts.Kernel, Workers: opts.Workers},
		workers:  opts.Workers,
		maxIter:  opts.MaxIter,
		restarts: opts.Restarts,
	}

	if err := f.checkOptions(); err != nil {
		return nil, err
	}
	if err := checkFinite(points, dim, "points", "row"); err != nil {
		return nil, err
	}
	if err := f.checkWeights(); err != nil {
		return nil, err
	}
	if opts.Init == InitGiven {
		if err := checkFinite(opts.InitCentroids, dim, "InitCentroids", "centroid"); err != nil {
			return nil, err
		}
		if err := checkFiniteIn[F](opts.InitCentroids, dim); err != nil {
			return nil, err
		}
	}

	if f.maxIter == 0 {
		f.maxIter = defaultMaxIter
	}
	if f.workers <= 0 {
		f.workers = runtime.GOMAXPROCS(0)
	}
	if f.restarts == 0 || opts.Init == InitGiven {
		f.restarts = 1
	}
	if opts.Tol > 0 {
		f.tol = opts.Tol * meanVariance(points, dim)
	}
	return f, nil
}

// checkOptions validates every option except the weights.
func (f *kmeansFit[F]) checkOptions() error {
	o := f.opts
	switch {
	case o.K < 1:
		return fmt.Errorf("%w: K is %d, want at least 1", ErrOption, o.K)
	case o.K > f.n:
		return fmt.Errorf("%w: K is %d but there are only %s", ErrOption, o.K, countNoun(f.n, "point"))
	case o.MaxIter < 0:
		return fmt.Errorf("%w: MaxIter is %d, want 0 (the default of %d) or more", ErrOption, o.MaxIter, defaultMaxIter)
	case o.Restarts < 0:
		return fmt.Errorf("%w: Restarts is %d, want 0 (one run) or more", ErrOption, o.Restarts)
	case o.Tol < 0 || math.IsNaN(o.Tol) || math.IsInf(o.Tol, 0):
		return fmt.Errorf("%w: Tol is %v, want a finite value of at least 0", ErrOption, o.Tol)
	case o.Init < InitKMeansPlusPlus || o.Init > InitGiven:
		return fmt.Errorf("%w: Init is %d, not one of InitKMeansPlusPlus, InitRandom, InitGiven", ErrOption, int(o.Init))
	}
	if o.Init == InitGiven && len(o.InitCentroids) != o.K*f.dim {
		return fmt.Errorf("%w: InitCentroids has length %d, want K·dim = %d·%d = %d",
			ErrLength, len(o.InitCentroids), o.K, f.dim, o.K*f.dim)
	}
	if o.Init != InitGiven && o.InitCentroids != nil {
		return fmt.Errorf("%w: InitCentroids is set but Init is %v, not InitGiven", ErrOption, o.Init)
	}
	if _, err := lookupKernel(o.Kernel); err != nil {
		return err
	}
	return nil
}

// checkWeights validates opts.Weights and keeps them, divided by the power
// of two that brings the largest into [1, 2), unless they are all 1.
func (f *kmeansFit[F]) checkWeights() error {
	w := f.opts.Weights
	if w == nil {
		return nil
	}
	if len(w) != f.n {
		return fmt.Errorf("%w: Weights has length %d, want one per point (%d)", ErrLength, len(w), f.n)
	}
	var largest float64
	ones := true
	for i, v := range w {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: Weights[%d] is %v, want a finite weight", ErrNaN, i, v)
		}
		if v < 0 {
			return fmt.Errorf("%w: Weights[%d] is %v, want a weight of at least 0", ErrOption, i, v)
		}
		largest = max(largest, v)
		ones = ones && v == 1
	}
	if largest == 0 {
		return fmt.Errorf("%w: every weight is 0, want at least one positive weight", ErrOption)
	}
	if ones {
		return nil
	}
	f.weights, f.weightExp = scaleWeights(w, largest)
	f.callerWeights = w
	for _, v := range f.weights {
		f.weightsInexact = f.weightsInexact || (v != 0 && v < 0x1p-1022)
	}
	for i, v := range w {
		f.weightsInexact = f.weightsInexact || (v != 0 && f.weights[i] == 0)
	}
	return nil
}

// scaleWeights returns w divided by the power of two 2^exp that brings
// largest, the maximum of w, into [1, 2). The division is exact except for
// weights that fall below the smallest normal float64 and round. When largest is
// already in [1, 2) it returns w itself and exp = 0.
func scaleWeights(w []float64, largest float64) (scaled []float64, exp int) {
	_, exp = math.Frexp(largest) // largest = frac·2^exp with frac in [½, 1)
	exp--
	if exp == 0 {
		return w, 0
	}
	scaled = make([]float64, len(w))
	if -1022 <= -exp && -exp <= 1023 {
		// 2^−exp is a normal float64, so the product rounds once, as
		// Ldexp does. It took about 3 ms less than Ldexp for the
		// 1,000,000 weights of a FitRidge on one Zen 4 core.
		factor := math.Ldexp(1, -exp)
		for i, v := range w {
			scaled[i] = v * factor
		}
		return scaled, exp
	}
	for i, v := range w {
		scaled[i] = math.Ldexp(v, -exp)
	}
	return scaled, exp
}

// checkFiniteIn returns an error naming the first centroid of values (rows
// of dim) with a value that is finite in float64 but not in F.
func checkFiniteIn[F Float](values []float64, dim int) error {
	for i, v := range values {
		if c := F(v); !isFinite(float64(c)) {
			var zero F
			return fmt.Errorf("%w: centroid %d (counting from 0) of InitCentroids contains %v at coordinate %d, which is %v in %T",
				ErrNaN, i/dim, v, i%dim, c, zero)
		}
	}
	return nil
}

// checkFinite returns an error naming the first row of values (rows of dim)
// that holds a NaN or an infinity.
func checkFinite[T Float](values []T, dim int, name, row string) error {
	for i, v := range values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%w: %s %d (counting from 0) of %s contains %v at coordinate %d",
				ErrNaN, row, i/dim, name, v, i%dim)
		}
	}
	return nil
}

// meanVariance returns the mean over the coordinates of the population
// variance of the points, computed in two passes in float64. The points
// are multiplied by a power of two that brings the largest |coordinate|
// near 1, which is exact, so that the sums and squares overflow or
// underflow only where the variance itself does.
func meanVariance[F Float](points []F, dim int) float64 {
	largest := 0.0
	for _, v := range points {
		largest = max(largest, math.Abs(float64(v)))
	}
	if largest == 0 {
		return 0
	}
	_, e := math.Frexp(largest)
	shift := min(max(-e, -1022), 1000) // keeps 2^shift a normal float64
	scale := math.Ldexp(1, shift)

	n := len(points) / dim
	mean := make([]float64, dim)
	for i := range n {
		for j, v := range points[i*dim : (i+1)*dim] {
			mean[j] += scale * float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	var sum float64
	for i := range n {
		for j, v := range points[i*dim : (i+1)*dim] {
			d := scale*float64(v) - mean[j]
			sum += d * d
		}
	}
	return math.Ldexp(sum/float64(n)/float64(dim), -2*shift)
}

// weight returns the weight of point i.
func (f *kmeansFit[F]) weight(i int) float64 {
	if f.weights == nil {
		return 1
	}
	return f.weights[i]
}

// lloydState holds the buffers of one run of Lloyd iterations.
type lloydState[F Float] struct {
	centroids []F       // K·dim, the centroids the next assignment uses
	next      []F       // K·dim, the centroids after an update
	labels    []int32   // labels from the last assignment
	previous  []int32   // labels that the centroids are the means of
	dists     []F       // squared distances from the last assignment
	sums      []float64 // K·dim weighted coordinate sums
	mass      []float64 // K, the weight of each cluster
	// exps holds, for each cluster, the power of two that its weights
	// are divided by in sums and mass.
	exps []int
}

func (f *kmeansFit[F]) newLloydState(init []F) *lloydState[F] {
	s := &lloydState[F]{
		centroids: init,
		next:      make([]F, len(init)),
		labels:    make([]int32, f.n),
		previous:  make([]int32, f.n),
		dists:     make([]F, f.n),
		sums:      make([]float64, len(init)),
		mass:      make([]float64, f.k),
		exps:      make([]int, f.k),
	}
	for i := range s.previous {
		s.previous[i] = -1
	}
	return s
}

// lloyd runs Lloyd iterations from the initial centroids init and returns
// the clustering. It follows scikit-learn's order: each iteration assigns,
// stops if no label changed, updates, and stops if the centroids moved at
// most f.tol. A fit that stops after an update assigns once more, so that
// the labels belong to the returned centroids. It also returns the inertia
// with the rescaled weights, which is finite.
func (f *kmeansFit[F]) lloyd(ctx context.Context, restart int, init []F) (*Clustering[F], scaledSum, error) {
	s := f.newLloydState(init)
	c := &Clustering[F]{}
	assigned := false
	for it := 1; it <= f.maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return nil, scaledSum{}, fmt.Errorf("vecfit: k-means canceled in restart %d, iteration %d: %w", restart, it, err)
		}
		inertia := f.assign(s)
		changed := countChanged(s.labels, s.previous)
		c.Iterations = it
		if changed == 0 {
			// The centroids are the means of exactly these labels, so an
			// update would reproduce them.
			f.report(restart, it, inertia, 0)
			c.Converged, assigned = true, true
			break
		}
		shift, err := f.update(s)
		if err != nil {
			return nil, scaledSum{}, fmt.Errorf("%w, in restart %d, iteration %d; %s", err, restart, it, f.scaleAdvice())
		}
		s.labels, s.previous = s.previous, s.labels
		f.report(restart, it, inertia, changed)
		if shift <= f.tol {
			c.Converged = true
			break
		}
	}
	if !assigned {
		f.assign(s)
	}
	if err := f.checkDistances(s.dists); err != nil {
		return nil, scaledSum{}, &farPointError{fmt.Errorf("%w, in restart %d, after iteration %d; %s", err, restart, c.Iterations, f.scaleAdvice())}
	}
	c.Centroids = s.centroids
	c.Labels = s.labels
	inertia := f.inertia(s.dists)
	c.Inertia = inertia.float64(f.weightExp)
	c.Sizes = make([]int, f.k)
	for _, l := range s.labels {
		c.Sizes[l]++
	}
	c.Distinct = countDistinct(s.centroids, f.dim)
	return c, inertia, nil
}

// report calls the Progress callback, with the inertia computed from the
// rescaled weights scaled back to the caller's weights.
func (f *kmeansFit[F]) report(restart, it int, inertia scaledSum, changed int) {
	if f.opts.Progress != nil {
		f.opts.Progress(KMeansProgress{Restart: restart, Iteration: it, Inertia: inertia.float64(f.weightExp), Changed: changed})
	}
}

// assign sets s.labels and s.dists from s.centroids and returns the
// inertia with the rescaled weights.
func (f *kmeansFit[F]) assign(s *lloydState[F]) scaledSum {
	// The options were validated in newKMeansFit and the lengths hold by
	// construction, so NearestWith cannot fail here.
	if err := NearestWith(f.search, s.labels, s.dists, f.points, s.centroids, f.dim); err != nil {
		panic("vecfit: internal error: " + err.Error())
	}
	return f.inertia(s.dists)
}

// checkDistances returns an error wrapping ErrNaN when the squared
// distance from a point of positive weight to its nearest centroid
// overflows F. Every centroid is then equally far from that point, so its
// label would be meaningless. Such distances in earlier iterations only
// change the path of the fit; the labels it returns are checked here.
func (f *kmeansFit[F]) checkDistances(dists []F) error {
	// Within (dim+2)·ε of F's maximum, kernels may round a distance to
	// +Inf or keep it finite, so that range counts as overflow too.
	largest, eps := math.MaxFloat64, 0x1p-52
	if _, ok := any(dists).([]float32); ok {
		largest, eps = math.MaxFloat32, 0x1p-23
	}
	limit := F(largest * (1 - float64(f.dim+2)*eps))
	for i, d := range dists {
		// The caller's weights, since a tiny one may round to 0 when
		// rescaled.
		if d <= limit || (f.callerWeights != nil && f.callerWeights[i] == 0) {
			continue
		}
		var zero F
		if math.IsInf(float64(d), 1) {
			return fmt.Errorf("%w: the squared distance from point %d (counting from 0) to its nearest centroid overflows %T",
				ErrNaN, i, zero)
		}
		return fmt.Errorf("%w: the squared distance from point %d (counting from 0) to its nearest centroid is %v, within rounding of the %T maximum",
			ErrNaN, i, d, zero)
	}
	return nil
}

// scaleAdvice returns the advice that ends an overflow error: how to keep
// sums and squared distances within F's range.
func (f *kmeansFit[F]) scaleAdvice() string {
	var zero F
	if _, ok := any(zero).(float32); ok {
		return "scale the points down or fit them as float64"
	}
	return "scale the points down"
}

// inertia returns Σ weight·dist with the rescaled weights, summed in point
// order. A product of a weight and a distance can fall below the normal
// range, where it loses digits or becomes 0, and the sum of finite terms
// can overflow. The sum is then formed again with its exponent kept
// apart, so that a tiny inertia beside points of large weight is not
// lost, and restarts whose inertias all exceed float64 still compare.
func (f *kmeansFit[F]) inertia(dists []F) scaledSum {
	var sum float64
	if f.weights == nil {
		for _, d := range dists {
			sum += float64(d)
		}
		if !math.IsInf(sum, 1) {
			return scaledSum{frac: sum}
		}
		var total scaledSum
		for _, d := range dists {
			if d != 0 {
				m, e := math.Frexp(float64(d))
				total = total.add(m, e)
			}
		}
		return total
	}
	tiny := f.weightsInexact
	for i, d := range dists {
		// A point of weight 0 adds nothing, even at an infinite distance.
		if w := f.weights[i]; w != 0 {
			p := w * float64(d)
			tiny = tiny || (p < 0x1p-1022 && d != 0)
			sum += p
		}
	}
	if !tiny && !math.IsInf(sum, 1) {
		return scaledSum{frac: sum}
	}
	// The terms use the caller's weights, divided by 2^weightExp in the
	// exponent, where no digits are lost.
	var total scaledSum
	for i, d := range dists {
		if w := f.callerWeights[i]; w != 0 && d != 0 {
			mw, ew := math.Frexp(w)
			md, ed := math.Frexp(float64(d))
			total = total.add(mw*md, ew+ed-f.weightExp)
		}
	}
	return total
}

func countChanged(labels, previous []int32) int {
	changed := 0
	for i, l := range labels {
		if l != previous[i] {
			changed++
		}
	}
	return changed
}

// update moves every centroid to the weighted mean of the points that
// s.labels assigns to it, re-seeds empty clusters, and returns the total
// squared distance the centroids moved. Re-seeding relabels points in
// s.labels. A coordinate sum that overflows float64 is an error wrapping
// ErrNaN, because its mean would be infinite or NaN.
func (f *kmeansFit[F]) update(s *lloydState[F]) (float64, error) {
	labels := s.labels
	dim := f.dim
	f.clusterMass(s.mass, s.exps, labels)
	if f.relocateEmpty(s, labels) {
		f.clusterMass(s.mass, s.exps, labels)
	}

	f.clusterSums(s.sums, s.exps, labels)

	var shift float64
	for c := range f.k {
		old := s.centroids[c*dim : (c+1)*dim]
		next := s.next[c*dim : (c+1)*dim]
		m := s.mass[c]
		if m == 0 {
			// Nothing to re-seed from: the centroid stays.
			copy(next, old)
			continue
		}
		for j, v := range s.sums[c*dim : (c+1)*dim] {
			if !isFinite(v) {
				return 0, fmt.Errorf("%w: the weighted sum of coordinate %d of the points in cluster %d overflows float64, so their mean is not finite",
					ErrNaN, j, c)
			}
			next[j] = F(v / m)
			d := float64(next[j]) - float64(old[j])
			shift += d * d
		}
	}
	s.centroids, s.next = s.next, s.centroids
	return shift, nil
}

// clusterSums sets sums[c·dim+j] to the weighted sum of coordinate j of
// the points labeled c. Large inputs are split by ranges of clusters over
// up to f.workers goroutines. Each sum still adds its points in point
// order, so the result does not depend on the split.
func (f *kmeansFit[F]) clusterSums(sums []float64, exps []int, labels []int32) {
	parts := min(f.workers, f.k)
	if f.n*f.dim < 1<<16 {
		parts = 1
	}
	if parts == 1 {
		f.addClusterRange(sums, exps, labels, 0, f.k)
		return
	}
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*f.k/parts, (p+1)*f.k/parts
		wg.Go(func() { f.addClusterRange(sums, exps, labels, lo, hi) })
	}
	wg.Wait()
}

// addClusterRange sets the sums of the clusters lo…hi−1, adding the points
// in point order, with the weights of cluster c divided by 2^exps[c].
func (f *kmeansFit[F]) addClusterRange(sums []float64, exps []int, labels []int32, lo, hi int) {
	dim := f.dim
	clear(sums[lo*dim : hi*dim])
	width := uint(hi - lo)
	for i, l := range labels {
		if uint(int(l)-lo) >= width {
			continue
		}
		w := 1.0
		if f.callerWeights != nil {
			w = scaledWeight(f.callerWeights[i], exps[l])
		}
		sum := sums[int(l)*dim:][:dim]
		x := f.points[i*dim:][:dim]
		if w == 1 {
			for j := range sum {
				sum[j] += float64(x[j])
			}
			continue
		}
		for j := range sum {
			sum[j] += w * float64(x[j])
		}
	}
}

// clusterMass sets mass[c] to the total of the caller's weights of the
// points labeled c, divided by 2^exps[c]. It sets exps[c] to the power of
// two that brings the largest such weight into [1, 2), or 0 for a cluster
// without weight. A cluster of tiny weights thus gets the same precision
// as one of weights near 1: weights of 1e-300 on coordinates of 3e-100
// would otherwise leave products that underflow to 0.
func (f *kmeansFit[F]) clusterMass(mass []float64, exps []int, labels []int32) {
	clear(mass)
	clear(exps)
	if f.callerWeights == nil {
		for _, l := range labels {
			mass[l]++
		}
		return
	}
	// mass holds the largest weight of each cluster until it is summed.
	for i, l := range labels {
		mass[l] = max(mass[l], f.callerWeights[i])
	}
	for c, m := range mass {
		if m > 0 {
			_, e := math.Frexp(m)
			exps[c] = e - 1
		}
	}
	clear(mass)
	for i, l := range labels {
		mass[l] += scaledWeight(f.callerWeights[i], exps[l])
	}
}

// scaledWeight returns w·2⁻ᵉ. For a normal 2⁻ᵉ it multiplies, which is
// exact unless the product is below the normal range, and cheaper than
// math.Ldexp.
func scaledWeight(w float64, e int) float64 {
	if e == 0 {
		return w
	}
	if e >= -1023 && e <= 1022 {
		return w * math.Float64frombits(uint64(1023-e)<<52)
	}
	return math.Ldexp(w, -e)
}

// relocateEmpty relabels, for every cluster without weight, the point
// farthest from its centroid, in order of cluster index and decreasing
// distance, among points of positive weight and positive distance. Ties in
// distance go to the lower point index, so the choice is reproducible. It
// reports whether it relabeled any point.
func (f *kmeansFit[F]) relocateEmpty(s *lloydState[F], labels []int32) bool {
	if !slices.Contains(s.mass, 0) {
		return false
	}
	var candidates []int
	for i, d := range s.dists {
		if d > 0 && (f.callerWeights == nil || f.callerWeights[i] > 0) {
			candidates = append(candidates, i)
		}
	}
	slices.SortStableFunc(candidates, func(a, b int) int {
		da, db := s.dists[a], s.dists[b]
		switch {
		case da > db:
			return -1
		case da < db:
			return 1
		}
		return 0
	})
	moved := false
	for c, m := range s.mass {
		if m != 0 || len(candidates) == 0 {
			continue
		}
		labels[candidates[0]] = int32(c)
		candidates = candidates[1:]
		moved = true
	}
	// A cluster that lost its only point here is empty in this update,
	// so its centroid stays where it was.
	return moved
}

// countDistinct returns the number of distinct rows of dim values.
func countDistinct[F Float](rows []F, dim int) int {
	k := len(rows) / dim
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	row := func(i int) []F { return rows[i*dim : (i+1)*dim] }
	compare := func(a, b int) int {
		ra, rb := row(a), row(b)
		for j := range ra {
			switch {
			case ra[j] < rb[j]:
				return -1
			case ra[j] > rb[j]:
				return 1
			}
		}
		return 0
	}
	slices.SortFunc(order, compare)
	distinct := 0
	for i := range order {
		if i == 0 || compare(order[i-1], order[i]) != 0 {
			distinct++
		}
	}
	return distinct
}
