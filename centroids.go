package vecfit

import (
	"fmt"
	"slices"
)

// Centroids is a set of centroids prepared once for many nearest-centroid
// searches. [Nearest] lays the centroids out for its kernel on every
// call, which copies all K·dim values. Against 50,000 centroids of 64
// float32 values, that copy took longer than the search of one point
// itself. A service that looks up a few points at a time against fixed
// centroids should build a Centroids once and call its methods instead.
// They return what the package functions return, bit for bit, with the
// same kernel.
//
// NewCentroids copies the centroids, so later changes to the slice it was
// given do not reach it. A Centroids is safe for concurrent use by
// several goroutines. The zero value and a nil *Centroids hold no
// centroids: Len and Dim return 0, and the searches an error wrapping
// [ErrNoCentroids].
type Centroids[F Float] struct {
	search *search[F]
	k      int
}

// NewCentroids prepares the k = len(centroids)/dim centroids for searches
// with opts: its kernel and its maximum number of goroutines per call. It
// returns an error for a dim below 1, a length that is not a multiple of
// dim, no centroids, or an unknown kernel.
func NewCentroids[F Float](centroids []F, dim int, opts Options) (*Centroids[F], error) {
	if _, err := checkNearest(0, len(centroids), dim); err != nil {
		return nil, err
	}
	s, err := newSearch(opts, slices.Clone(centroids), dim)
	if err != nil {
		return nil, err
	}
	return &Centroids[F]{search: s, k: len(centroids) / dim}, nil
}

// Len returns the number of centroids.
func (c *Centroids[F]) Len() int {
	if c == nil {
		return 0
	}
	return c.k
}

// Dim returns the number of coordinates of each centroid.
func (c *Centroids[F]) Dim() int {
	if c == nil || c.search == nil {
		return 0
	}
	return c.search.dim
}

// Nearest is [Nearest] against these centroids: it writes the index and
// the squared distance of the nearest centroid of each point to labels
// and dists, either of which may be nil.
func (c *Centroids[F]) Nearest(labels []int32, dists []F, points []F) error {
	n, err := c.checkPoints(points)
	if err != nil {
		return err
	}
	if err := checkOutputs(labels, dists, points, n); err != nil {
		return err
	}
	s := c.search
	s.run(n, func(lo, hi int, scratch *searchScratch[F]) {
		s.block(labels, dists, points, lo, hi, scratch)
	})
	return nil
}

// Inertia is [Inertia] against these centroids: the sum over the points
// of the squared distance to the nearest centroid.
func (c *Centroids[F]) Inertia(points []F) (float64, error) {
	sum, err := c.inertia(points)
	return sum.plain, err
}

// Loss is [Loss] against these centroids: the mean over the points of
// the squared distance to the nearest centroid.
func (c *Centroids[F]) Loss(points []F) (F, error) {
	sum, err := c.inertia(points)
	if err != nil {
		return 0, err
	}
	return F(sum.mean(len(points) / c.search.dim)), nil
}

func (c *Centroids[F]) inertia(points []F) (distanceSum, error) {
	n, err := c.checkPoints(points)
	if err != nil {
		return distanceSum{}, err
	}
	return c.search.inertia(n, points), nil
}

// checkPoints returns the number of points, or an error when c was not
// made by NewCentroids or the length of points is not a multiple of dim.
func (c *Centroids[F]) checkPoints(points []F) (int, error) {
	if c == nil || c.search == nil {
		return 0, fmt.Errorf("%w: the Centroids was not made by NewCentroids", ErrNoCentroids)
	}
	if len(points)%c.search.dim != 0 {
		return 0, fmt.Errorf("%w: points has length %d, not a multiple of dim %d", ErrLength, len(points), c.search.dim)
	}
	return len(points) / c.search.dim, nil
}
