//go:build purego

package vecfit

import (
	"slices"
	"testing"
)

func TestPuregoHasOnlyGeneric(t *testing.T) {
	if got := Kernels(); !slices.Equal(got, []string{"generic"}) {
		t.Errorf("Kernels() = %v with the purego tag, want [generic]", got)
	}
}
