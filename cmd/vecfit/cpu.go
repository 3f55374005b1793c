package main

import (
	"flag"
	"fmt"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/vecfit/vecfit"
)

var cpuCommand = &command{
	name:     "cpu",
	synopsis: "[flags]",
	summary:  "Show the CPU's SIMD features and the kernel that dispatch chose.",
	example: `  # Which kernel runs here, and which others could:
  vecfit cpu`,
	flags: cpuFlags,
}

// simdFeatures are the CPU features that decide which kernels can run.
var simdFeatures = []cpuid.FeatureID{
	cpuid.SSE2, cpuid.SSE4, cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.BMI1,
	cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL,
	cpuid.ASIMD, cpuid.FPHP, cpuid.SVE,
}

func cpuFlags(fs *flag.FlagSet) func(*env, []string) error {
	all := fs.Bool("all", false, "also list every feature that the CPU reports")
	return func(e *env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("unexpected arguments %q; cpu reads no file", args)
		}
		w := e.stdout
		c := cpuid.CPU
		fmt.Fprintf(w, "cpu       %s\n", orUnknown(c.BrandName))
		fmt.Fprintf(w, "arch      %s/%s, %d logical cores, GOMAXPROCS %d\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
		if level := c.X64Level(); level > 0 {
			fmt.Fprintf(w, "x86-64    level v%d\n", level)
		}
		var has, lacks []string
		for _, f := range simdFeatures {
			if (f == cpuid.ASIMD || f == cpuid.FPHP || f == cpuid.SVE) != (runtime.GOARCH == "arm64") {
				continue
			}
			if c.Supports(f) {
				has = append(has, f.String())
			} else {
				lacks = append(lacks, f.String())
			}
		}
		fmt.Fprintf(w, "has       %s\n", orNone(has))
		fmt.Fprintf(w, "lacks     %s\n", orNone(lacks))
		fmt.Fprintf(w, "kernels   %s (fastest first)\n", strings.Join(vecfit.Kernels(), ", "))
		fmt.Fprintf(w, "dispatch  %s\n", vecfit.Kernel())
		if *all {
			fmt.Fprintf(w, "features  %s\n", strings.Join(c.FeatureSet(), " "))
		}
		return nil
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, " ")
}
