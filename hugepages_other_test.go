//go:build !linux

package vecfit

import "testing"

// hugePageCopy skips tb, because transparent huge pages are a Linux
// feature.
func hugePageCopy[F Float](tb testing.TB, x []F) []F {
	tb.Skip("transparent huge pages are Linux-only")
	return nil
}
