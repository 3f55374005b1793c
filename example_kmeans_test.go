package vecfit_test

import (
	"encoding/csv"
	"fmt"
	"log"
	"os"
	"slices"
	"strconv"

	"github.com/vecfit/vecfit"
)

// ExampleKMeans clusters the iris flowers by their four measurements
// (sepal length and width, petal length and width, in cm). The last
// column of the file is the species, which the fit does not see.
func ExampleKMeans() {
	file, err := os.Open("testdata/iris.csv")
	if err != nil {
		log.Fatal(err)
	}
	defer file.Close()
	records, err := csv.NewReader(file).ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	const dim = 4
	var points []float64
	for _, record := range records[1:] {
		for _, field := range record[:dim] {
			v, err := strconv.ParseFloat(field, 64)
			if err != nil {
				log.Fatal(err)
			}
			points = append(points, v)
		}
	}

	c, err := vecfit.KMeans(points, dim, vecfit.KMeansOptions{K: 3, Seed: 1, Restarts: 4})
	if err != nil {
		log.Fatal(err)
	}
	// The numbering of the clusters depends on the seeding, so the sizes
	// are printed in increasing order.
	sizes := slices.Clone(c.Sizes)
	slices.Sort(sizes)
	fmt.Println("cluster sizes:", sizes)
	fmt.Printf("inertia: %.2f, converged: %v\n", c.Inertia, c.Converged)
	// Output:
	// cluster sizes: [38 50 62]
	// inertia: 78.85, converged: true
}
