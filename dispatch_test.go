package vecfit

import (
	"errors"
	"os"
	"slices"
	"testing"
)

// TestDispatchExpectedKernel fails unless dispatch picked the kernel named
// in VECFIT_EXPECT_KERNEL, so that a run under an emulated CPU proves which
// kernel it exercised. Without the variable it checks nothing more than
// that the name is one of Kernels().
func TestDispatchExpectedKernel(t *testing.T) {
	got := Kernel()
	if !slices.Contains(Kernels(), got) {
		t.Errorf("Kernel() = %q is not one of Kernels() = %v", got, Kernels())
	}
	want, ok := os.LookupEnv("VECFIT_EXPECT_KERNEL")
	if !ok {
		t.Logf("dispatch picked %q of %v; set VECFIT_EXPECT_KERNEL to require one", got, Kernels())
		return
	}
	if got != want {
		t.Fatalf("Kernel() = %q, VECFIT_EXPECT_KERNEL requires %q (this CPU and build have %v)",
			got, want, Kernels())
	}
}

func TestLookupKernel(t *testing.T) {
	for _, name := range Kernels() {
		k, err := lookupKernel(name)
		if err != nil || k.name != name {
			t.Errorf("lookupKernel(%q) = %v, %v", name, k, err)
		}
	}
	if k, err := lookupKernel(""); err != nil || k.name != Kernel() {
		t.Errorf("lookupKernel(\"\") = %v, %v, want the kernel %q", k, err, Kernel())
	}
	if _, err := lookupKernel("avx1024"); !errors.Is(err, ErrKernel) {
		t.Errorf("lookupKernel(\"avx1024\") error = %v, want one wrapping ErrKernel", err)
	}
}
