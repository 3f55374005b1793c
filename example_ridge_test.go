package vecfit_test

import (
	"fmt"

	"github.com/vecfit/vecfit"
)

// Plain gradient descent on the ridge objective, with the gradient from
// RidgeGrad, converges to the closed-form solution of FitRidge.
func ExampleRidgeGrad() {
	X := []float64{ // 8 rows of 2 features
		0.5, 1.0,
		1.5, -0.5,
		-1.0, 0.5,
		2.0, 1.5,
		-0.5, -1.5,
		1.0, 0.0,
		0.0, 2.0,
		-2.0, -1.0,
	}
	y := []float64{3.1, 2.4, -0.2, 6.3, -2.4, 2.6, 3.7, -3.6}
	const lambda, rate = 0.1, 0.2

	w, b := make([]float64, 2), 0.0
	grad := make([]float64, 2)
	for range 500 {
		_, gradB, err := vecfit.RidgeGrad(grad, X, y, w, b, lambda)
		if err != nil {
			panic(err)
		}
		for j := range w {
			w[j] -= rate * grad[j]
		}
		b -= rate * gradB
	}
	fmt.Printf("gradient descent: w = [%.6f %.6f], b = %.6f\n", w[0], w[1], b)

	m, err := vecfit.FitRidge(X, y, 2, lambda, vecfit.RidgeOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("FitRidge:         w = [%.6f %.6f], b = %.6f\n", m.Weights[0], m.Weights[1], m.Bias)
	// Output:
	// gradient descent: w = [1.525715 1.399873], b = 0.851460
	// FitRidge:         w = [1.525715 1.399873], b = 0.851460
}
