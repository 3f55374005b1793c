//go:build purego || !(amd64 || arm64)

package vecfit

// assemblyKernels returns no kernels: this build has no assembly.
func assemblyKernels() []*kernel { return nil }
