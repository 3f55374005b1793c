package vecfit_test

import (
	"fmt"

	"github.com/vecfit/vecfit"
)

// The k-means loss is the mean, over the points, of the squared distance
// to the nearest centroid. Here the four points (dim 2) lie at squared
// distances 1, 1, 4 and 0 from their nearest centroids, so the loss is
// (1 + 1 + 4 + 0) / 4 = 1.5.
func ExampleLoss() {
	points := []float32{
		0, 1, // nearest centroid (0, 0), squared distance 1
		1, 0, // nearest centroid (0, 0), squared distance 1
		10, 12, // nearest centroid (10, 10), squared distance 4
		10, 10, // on centroid (10, 10)
	}
	centroids := []float32{
		0, 0,
		10, 10,
	}
	loss, err := vecfit.Loss(points, centroids, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(loss)
	// Output: 1.5
}

// A service that looks up points as they come builds the centroids once,
// so that each search costs only the distances.
func ExampleCentroids() {
	centroids, err := vecfit.NewCentroids([]float32{
		0, 0,
		10, 10,
		-5, 5,
	}, 2, vecfit.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	labels := make([]int32, 1)
	dists := make([]float32, 1)
	for _, point := range [][]float32{{1, 1}, {9, 12}, {-4, 4}} {
		if err := centroids.Nearest(labels, dists, point); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(labels[0], dists[0])
	}
	// Output:
	// 0 2
	// 1 5
	// 2 2
}
