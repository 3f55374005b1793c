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
