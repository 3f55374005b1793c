//go:build unix

package vecfit

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// guardedRegion is a memory mapping whose first and last pages are
// inaccessible (PROT_NONE), so that any access just before or just after
// body faults.
type guardedRegion struct {
	mapping []byte
	body    []byte
}

func newGuardedRegion(t *testing.T, size int) *guardedRegion {
	t.Helper()
	page := unix.Getpagesize()
	size = (size + page - 1) / page * page
	mapping, err := unix.Mmap(-1, 0, size+2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap failed: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mapping) })
	if err := unix.Mprotect(mapping[:page], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect failed: %v", err)
	}
	if err := unix.Mprotect(mapping[page+size:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect failed: %v", err)
	}
	return &guardedRegion{mapping: mapping, body: mapping[page : page+size]}
}

// atEnd returns n elements whose last byte is the last accessible byte of
// the region. With n = 0 the slice points at the guard page after it.
func atEnd[T any](r *guardedRegion, n int) []T {
	var zero T
	end := unsafe.Add(unsafe.Pointer(unsafe.SliceData(r.body)), len(r.body))
	return unsafe.Slice((*T)(unsafe.Add(end, -n*int(unsafe.Sizeof(zero)))), n)
}

// atStart returns n elements that begin at the first accessible byte of the
// region, right after the guard page before it.
func atStart[T any](r *guardedRegion, n int) []T {
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(r.body))), n)
}

// guardedBuffers holds one guarded region per argument of a search.
type guardedBuffers struct {
	points, centroids, labels, dists *guardedRegion
}

func newGuardedBuffers(t *testing.T) *guardedBuffers {
	const size = 64 << 10
	return &guardedBuffers{
		points:    newGuardedRegion(t, size),
		centroids: newGuardedRegion(t, size),
		labels:    newGuardedRegion(t, size),
		dists:     newGuardedRegion(t, size),
	}
}

// placement puts a slice at one end of a guarded region.
type placement struct {
	name string
	f32  func(r *guardedRegion, n int) []float32
	f64  func(r *guardedRegion, n int) []float64
	i32  func(r *guardedRegion, n int) []int32
}

var placements = []placement{
	{"end", atEnd[float32], atEnd[float64], atEnd[int32]},
	{"start", atStart[float32], atStart[float64], atStart[int32]},
}

func place[F Float](p placement, r *guardedRegion, n int) []F {
	if isFloat32[F]() {
		return any(p.f32(r, n)).([]F)
	}
	return any(p.f64(r, n)).([]F)
}

// guarded runs f and turns a memory fault into a test failure that names
// the case, where the runtime would otherwise end the whole test binary.
func guarded(t *testing.T, name string, f func()) {
	t.Helper()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if e := recover(); e != nil {
			t.Fatalf("%s: %v", name, e)
		}
	}()
	f()
}

// TestNearestGuardPages places points, centroids and both outputs right
// before and right after an inaccessible page, for every dim from 1 to 70,
// and runs every kernel: a read or write outside the slices faults.
func TestNearestGuardPages(t *testing.T) {
	bufs := newGuardedBuffers(t)
	forEachKernel(t, func(t *testing.T, kernel string) {
		testGuardPages[float32](t, bufs, kernel)
		testGuardPages[float64](t, bufs, kernel)
	})
}

func testGuardPages[F Float](t *testing.T, bufs *guardedBuffers, kernel string) {
	ns := []int{1, 2, 3, 4, 5, 7, 9, 11, 13, 14}
	ks := []int{1, 3, 8, 9, 17, 33}
	if testing.Short() {
		ns, ks = []int{1, 7}, []int{1, 9, 33}
	}
	rng := rand.New(rand.NewPCG(11, 11))
	for dim := 1; dim <= 70; dim++ {
		for _, n := range ns {
			for _, k := range ks {
				points := make([]F, n*dim)
				centroids := make([]F, k*dim)
				fill(rng, points, normalValues)
				fill(rng, centroids, normalValues)
				wantLabels, wantDists := runKernel(t, kernel, points, centroids, dim)
				for _, p := range placements {
					name := fmt.Sprintf("%T dim %d n %d k %d at %s", F(0), dim, n, k, p.name)
					gPoints := place[F](p, bufs.points, n*dim)
					gCentroids := place[F](p, bufs.centroids, k*dim)
					labels := p.i32(bufs.labels, n)
					dists := place[F](p, bufs.dists, n)
					copy(gPoints, points)
					copy(gCentroids, centroids)
					guarded(t, name, func() {
						err := NearestWith(Options{Kernel: kernel}, labels, dists, gPoints, gCentroids, dim)
						if err != nil {
							t.Fatalf("%s: %v", name, err)
						}
					})
					if !slices.Equal(labels, wantLabels) || !bitsEqual(dists, wantDists) {
						t.Errorf("%s: results differ from the same kernel on the heap", name)
					}
					testGuardedKernel(t, kernel, name, p, bufs, points, centroids, dim)
				}
			}
		}
	}
}

// testGuardedKernel calls the kernel function directly, with its packed
// centroids copied next to a guard page too: the exported functions hand
// the kernels a packed copy on the heap, which no guard page protects.
func testGuardedKernel[F Float](t *testing.T, kernel, name string, p placement, bufs *guardedBuffers, points, centroids []F, dim int) {
	k, err := lookupKernel(kernel)
	if err != nil {
		t.Fatal(err)
	}
	n := len(points) / dim
	kern := nearestFor[F](k, len(centroids)/dim, dim)
	packed, groups := centroids, 0
	if kern.block > 0 {
		packed = packCentroids(centroids, dim, kern.block)
		groups = len(packed) / (dim * kern.block)
	}
	wantLabels, wantDists := make([]int32, n), make([]F, n)
	kern.fn(wantLabels, wantDists, points, packed, dim, groups)

	gPoints := place[F](p, bufs.points, len(points))
	gPacked := place[F](p, bufs.centroids, len(packed))
	labels := p.i32(bufs.labels, n)
	dists := place[F](p, bufs.dists, n)
	copy(gPoints, points)
	copy(gPacked, packed)
	guarded(t, name+", kernel function", func() {
		kern.fn(labels, dists, gPoints, gPacked, dim, groups)
	})
	if !slices.Equal(labels, wantLabels) || !bitsEqual(dists, wantDists) {
		t.Errorf("%s, kernel function: results differ from the same call on the heap", name)
	}
}

// TestNearestNoPointsGuarded passes empty points and outputs that
// point into an inaccessible page: with n = 0 nothing may read or write
// them.
func TestNearestNoPointsGuarded(t *testing.T) {
	bufs := newGuardedBuffers(t)
	forEachKernel(t, func(t *testing.T, kernel string) {
		for _, dim := range []int{1, 3, 8, 17} {
			centroids := make([]float32, 9*dim)
			points := atEnd[float32](bufs.points, 0)
			labels := atEnd[int32](bufs.labels, 0)
			dists := atEnd[float32](bufs.dists, 0)
			name := fmt.Sprintf("dim %d", dim)
			guarded(t, name, func() {
				if err := NearestWith(Options{Kernel: kernel}, labels, dists, points, centroids, dim); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if _, err := InertiaWith(Options{Kernel: kernel}, points, centroids, dim); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			})
		}
	})
}

// faultSink keeps the compiler from dropping the read in
// TestGuardPagesFault.
var faultSink float32

// TestGuardPagesFault makes sure that the guard pages work: reading one
// element past a slice at the end of a region must fault.
func TestGuardPagesFault(t *testing.T) {
	r := newGuardedRegion(t, 1)
	v := atEnd[float32](r, 1)
	past := unsafe.Slice(unsafe.SliceData(v), 2)
	faulted := func() (faulted bool) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() { faulted = recover() != nil }()
		faultSink = past[1]
		return false
	}()
	if !faulted {
		t.Fatal("reading past the end of a guarded region did not fault")
	}
}

// guardPageCopy returns a copy of v placed against an inaccessible page: at
// the end of its mapping when atEnd is set, else at the start. The mapping
// is released when the test ends.
func guardPageCopy[T any](t *testing.T, v []T, atEnd bool) []T {
	t.Helper()
	var zero T
	size := len(v) * int(unsafe.Sizeof(zero))
	page := unix.Getpagesize()
	dataPages := (size + page - 1) / page
	mem, err := unix.Mmap(-1, 0, (dataPages+2)*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	if err := unix.Mprotect(mem[(dataPages+1)*page:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	start := page
	if atEnd {
		start = (dataPages+1)*page - size
	}
	out := unsafe.Slice((*T)(unsafe.Pointer(&mem[start])), len(v))
	copy(out, v)
	return out
}
