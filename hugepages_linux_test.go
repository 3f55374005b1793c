//go:build linux

package vecfit

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePageSize is the size of a transparent huge page on amd64 and on
// arm64 with 4 KiB base pages.
const hugePageSize = 2 << 20

// hugePageCopy returns a copy of x in memory mapped outside the Go heap
// and marked MADV_HUGEPAGE before it is first written, so that the kernel
// backs it with transparent huge pages where it can. numpy 1.24 marks its
// large arrays the same way (the benchmark's X got huge pages under
// Debian's numpy), while the Go 1.26 heap gets them only when
// /sys/kernel/mm/transparent_hugepage/enabled is "always". The memory is
// unmapped when tb ends.
//
// It skips tb when the kernel backs less than 90% of the copy with huge
// pages, so that a benchmark never reports 4 KiB pages under the name of
// huge ones.
func hugePageCopy[F Float](tb testing.TB, x []F) []F {
	tb.Helper()
	size := len(x) * int(unsafe.Sizeof(x[0]))
	mapping, err := unix.Mmap(-1, 0, size+hugePageSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		tb.Fatalf("mmap of %d bytes failed: %v", size+hugePageSize, err)
	}
	tb.Cleanup(func() {
		if err := unix.Munmap(mapping); err != nil {
			tb.Errorf("munmap failed: %v", err)
		}
	})
	start := uintptr(unsafe.Pointer(&mapping[0]))
	skip := int((hugePageSize - start%hugePageSize) % hugePageSize)
	region := mapping[skip : skip+size]
	if err := unix.Madvise(region, unix.MADV_HUGEPAGE); err != nil {
		tb.Skipf("madvise(MADV_HUGEPAGE): %v", err)
	}
	dst := unsafe.Slice((*F)(unsafe.Pointer(&region[0])), len(x))
	copy(dst, x)
	huge, err := hugePageBytes(uintptr(unsafe.Pointer(&region[0])))
	if err != nil {
		tb.Fatal(err)
	}
	if share := float64(huge) / float64(size); share < 0.9 {
		tb.Skipf("the kernel backed %.0f%% of %d bytes with huge pages", 100*share, size)
	}
	return dst
}

// hugePageBytes returns the AnonHugePages size, in bytes, of the mapping
// in /proc/self/smaps that contains addr.
func hugePageBytes(addr uintptr) (int, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	inside := false
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) == 0 {
			continue
		}
		// A mapping starts with a line "start-end perms offset …" in hex.
		if bounds := strings.SplitN(fields[0], "-", 2); len(bounds) == 2 && !strings.HasSuffix(fields[0], ":") {
			lo, errLo := strconv.ParseUint(bounds[0], 16, 64)
			hi, errHi := strconv.ParseUint(bounds[1], 16, 64)
			if errLo == nil && errHi == nil {
				inside = uint64(addr) >= lo && uint64(addr) < hi
				continue
			}
		}
		if inside && fields[0] == "AnonHugePages:" && len(fields) == 3 {
			kib, err := strconv.Atoi(fields[1])
			if err != nil {
				return 0, fmt.Errorf("/proc/self/smaps: invalid AnonHugePages line %q", lines.Text())
			}
			return kib << 10, nil
		}
	}
	if err := lines.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/self/smaps: no mapping contains %#x", addr)
}
