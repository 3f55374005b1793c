//go:build purego || !amd64

package vecfit

import "testing"

// fuzzDotFunctions does nothing where there are no expansion kernels.
func fuzzDotFunctions[F Float](*testing.T, fuzzCase[F], *reference[F]) {}
