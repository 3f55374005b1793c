//go:build !unix

package vecfit

import "testing"

// Without mmap and mprotect the helpers below return ordinary copies with
// no inaccessible page beside them. The tests that use them still check
// their results, but a read or write out of bounds goes unnoticed.

// guardedRidgeSlice returns a zeroed slice of n values.
func guardedRidgeSlice[F Float](t *testing.T, n int, atEnd bool) []F {
	return make([]F, n)
}

// guardedCopy returns a copy of s.
func guardedCopy[F Float](t *testing.T, s []F, atEnd bool) []F {
	return append([]F(nil), s...)
}

// guardPageCopy returns a copy of v.
func guardPageCopy[T any](t *testing.T, v []T, atEnd bool) []T {
	return append([]T(nil), v...)
}
