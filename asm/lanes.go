package main

import (
	"fmt"
	"slices"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The lane-per-point kernels serve low dimensions and few centroids, where
// the kernels of nearest.go spend most of their time reducing lanes: with
// d = 2 and k = 8 a point needs 16 multiply-adds but some 20 instructions to
// reduce its lanes to one label. Here each lane holds one point instead of
// one centroid, so the running minimum is already per point and nothing is
// reduced. A tile of L points (16 float32 or 8 float64) is first transposed
// to one vector per coordinate, which stays in registers (registerGroups).
// Dim 1 needs no transposition, dim 2 is transposed by permutations
// (pairs), dims 3 to maxZipDim and float32 dim 16 by the networks of
// registerDims (dims 5 to 12 but float64 8 by quarterTranspose, which
// uses few permutations). Other dims, which dispatch never sends, are
// gathered into a stack buffer that the loop below reads:
//
//	for j := range dim { X[j] = points[tile+lane][j] for each lane }
//	for each group of 4 centroids c (packed, NaN-padded):
//		for j := range dim {
//			for c := range 4 { t := X[j] - broadcast(c[j]); acc[c] += t*t }
//		}
//		for c := range 4 { keep acc[c] in bestD/bestI where it is smaller }
//
// Four independent accumulators cover the four-cycle FMA latency (eight in
// registerGroups, which reads groups of zipGroup centroids). A partial
// last tile runs under a lane mask, so no lane reads or writes outside the
// slices. The stack buffer holds at most maxLanesDim coordinates.
const (
	maxLanesDim = 32
	lanesGroup  = 4
)

func lanes(t target) {
	name := fmt.Sprintf("nearestLanesAVX512%s", map[int]string{4: "F32", 8: "F64"}[t.size])
	// The 2 KiB stack buffer is too large for NOSPLIT, so the function
	// keeps the stack-growth check.
	TEXT(name, 0, fmt.Sprintf(
		"func(labels []int32, dists []%s, points, packed []%s, dim, groups int) (settled bool)", t.goType(), t.goType()))
	Pragma("noescape")
	Doc(fmt.Sprintf("%s sets labels[i] and dists[i] for each point with AVX-512, "+
		"one point per lane, and reports whether every distance it set is below +Inf. "+
		"packed holds groups groups of %d centroids for dims up to %d "+
		"and of %d centroids above; dim is at most %d.",
		name, zipGroup, maxZipDim, lanesGroup, maxLanesDim))

	L := t.lanes()
	labels := Load(Param("labels").Base(), GP64())
	dists := Load(Param("dists").Base(), GP64())
	rows := Load(Param("points").Base(), GP64())
	n := Load(Param("labels").Len(), GP64())
	tileBytes := Load(Param("dim"), GP64())
	IMUL3Q(U32(L*t.size), tileBytes, tileBytes)
	// The buffer is aligned to 64 bytes so that each vector stored by the
	// transposition is forwarded whole to the load that reads it back.
	X := AllocLocal(maxLanesDim*t.width + 64)
	buf := GP64()
	LEAQ(X.Offset(63), buf)
	ANDQ(I32(-64), buf)

	// Byte offsets are index·size: lane l reads row l, at index l·dim.
	var index VecVirtual
	if t.size == 4 {
		index = ZMM()
		VCVTTPS2DQ(iota32, index)
		dimv := ZMM()
		VPBROADCASTD(paramAddr("dim"), dimv)
		VPMULLD(dimv, index, index)
	} else {
		index = YMM()
		VCVTTPS2DQ(iota32, index)
		dimv := YMM()
		VPBROADCASTD(paramAddr("dim"), dimv)
		VPMULLD(dimv, index, index)
	}

	bestD, bestI := ZMM(), ZMM()
	// unsettled marks the lanes whose distance came out +Inf or NaN in
	// any tile, so that the caller need not scan dists for them.
	unsettled := K()
	KXORW(unsettled, unsettled, unsettled)
	markUnsettled := func(mask OpmaskVirtual) {
		k := K()
		if t.size == 4 {
			VCMPPS_BCST(U8(cmpNLTUQ), t.posInf(), bestD, mask, k)
		} else {
			VCMPPD_BCST(U8(cmpNLTUQ), t.posInf(), bestD, mask, k)
		}
		KORW(k, unsettled, unsettled)
	}
	Label(name + "_tile")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	count := GP64()
	MOVQ(U32(L), count)
	CMPQ(n, count)
	CMOVQLT(n, count)
	mask, table := K(), GP64()
	LEAQ(tailMask, table)
	KMOVW(Mem{Base: table, Index: count, Scale: 2}, mask)

	Comment("Transpose the tile: X[j] holds coordinate j of every point.")
	// inRegisters runs the distance loop on a tile held in registers and
	// stores its results.
	inRegisters := func(x []VecVirtual, prefix string) {
		labelsOut := registerGroups(t, x, buf, bestD, prefix)
		VMOVDQU32(labelsOut, mask, Mem{Base: labels})
		t.maskedMove(bestD, mask, Mem{Base: dists})
		markUnsettled(mask)
		JMP(LabelRef(name + "_advance"))
	}
	for _, dim := range registerDims(t) {
		prefix := fmt.Sprintf("%s_dim%d", name, dim)
		j := Load(Param("dim"), GP64())
		CMPQ(j, U8(dim))
		JNE(LabelRef(prefix + "_next"))
		switch dim {
		case 1:
			// The tile is already one coordinate of every point.
			x := ZMM()
			if t.size == 4 {
				VMOVUPS_Z(Mem{Base: rows}, mask, x)
			} else {
				VMOVUPD_Z(Mem{Base: rows}, mask, x)
			}
			inRegisters([]VecVirtual{x}, prefix)
		case 2:
			inRegisters(pairs(t, rows, count), prefix)
		case 3:
			inRegisters(chainTranspose(t, loadTile(t, rows, count, dim, prefix)), prefix)
		case 4, 16:
			inRegisters(halvingTranspose(t, loadTile(t, rows, count, dim, prefix)), prefix)
		case 8:
			if t.size == 4 {
				inRegisters(quarterTranspose(t, loadTile(t, rows, count, dim, prefix)), prefix)
				break
			}
			inRegisters(halvingTranspose(t, loadTile(t, rows, count, dim, prefix)), prefix)
		default:
			inRegisters(quarterTranspose(t, loadTile(t, rows, count, dim, prefix)), prefix)
		}
		Label(prefix + "_next")
	}
	{
		Label(name + "_gathers")
		src, dst, j := GP64(), GP64(), Load(Param("dim"), GP64())
		MOVQ(rows, src)
		MOVQ(buf, dst)
		Label(name + "_gather")
		v, k := ZMM(), K()
		t.zero(v)
		KMOVW(mask, k)
		if t.size == 4 {
			VGATHERDPS(Mem{Base: src, Index: index, Scale: 4}, k, v)
		} else {
			VGATHERDPD(Mem{Base: src, Index: index, Scale: 8}, k, v)
		}
		t.move(v, Mem{Base: dst})
		ADDQ(U32(t.size), src)
		ADDQ(U32(t.width), dst)
		DECQ(j)
		JNZ(LabelRef(name + "_gather"))
	}
	Label(name + "_transposed")

	cur := ZMM()
	t.broadcast(t.posInf(), bestD)
	t.zero(bestI)
	t.zero(cur)
	one := ZMM()
	t.broadcast(t.constant(1), one)
	cptr := Load(Param("packed").Base(), GP64())
	groups := Load(Param("groups"), GP64())

	Label(name + "_centroids")
	acc := make([]VecVirtual, lanesGroup)
	for c := range acc {
		acc[c] = ZMM()
		t.zero(acc[c])
	}
	xp, j := GP64(), Load(Param("dim"), GP64())
	MOVQ(buf, xp)
	Label(name + "_dim")
	x := ZMM()
	t.move(Mem{Base: xp}, x)
	for c := range acc {
		d := ZMM()
		t.subBroadcast(Mem{Base: cptr}.Offset(c*t.size), x, d)
		t.fma(d, d, acc[c])
	}
	ADDQ(U32(t.width), xp)
	ADDQ(U32(lanesGroup*t.size), cptr)
	DECQ(j)
	JNZ(LabelRef(name + "_dim"))

	for c := range acc {
		m := K()
		t.cmp(cmpLT, bestD, acc[c], m)
		t.min(bestD, acc[c], bestD)
		t.blend(m, cur, bestI)
		t.add(one, cur, cur)
	}
	DECQ(groups)
	JNZ(LabelRef(name + "_centroids"))

	Label(name + "_store")
	Comment("Store the tile's labels and distances under the lane mask.")
	if t.size == 4 {
		ints := ZMM()
		VCVTTPS2DQ(bestI, ints)
		VMOVDQU32(ints, mask, Mem{Base: labels})
		VMOVUPS(bestD, mask, Mem{Base: dists})
	} else {
		ints := YMM()
		VCVTTPD2DQ(bestI, ints)
		VMOVDQU32(ints, mask, Mem{Base: labels})
		VMOVUPD(bestD, mask, Mem{Base: dists})
	}
	markUnsettled(mask)
	Label(name + "_advance")
	ADDQ(U32(4*L), labels)
	ADDQ(U32(t.size*L), dists)
	ADDQ(tileBytes, rows)
	SUBQ(count, n)
	JMP(LabelRef(name + "_tile"))

	Label(name + "_done")
	ok := GP8()
	KORTESTW(unsettled, unsettled)
	SETEQ(ok)
	Store(ok, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// pairs transposes a tile of points of two coordinates without gathers,
// which cost some 50 cycles each on AMD Zen 4. The tile's 2·count values
// are contiguous, so two masked loads bring them in and two permutations
// split them into the even (first) and odd (second) coordinates.
func pairs(t target, rows, count Register) []VecVirtual {
	L := t.lanes()
	values, low, high := GP64(), GP64(), GP64()
	LEAQ(Mem{Base: count, Index: count, Scale: 1}, values)
	MOVQ(U32(L), low)
	CMPQ(values, low)
	CMOVQLT(values, low)
	MOVQ(values, high)
	SUBQ(low, high)

	table := GP64()
	LEAQ(tailMask, table)
	lowMask, highMask := K(), K()
	KMOVW(Mem{Base: table, Index: low, Scale: 2}, lowMask)
	KMOVW(Mem{Base: table, Index: high, Scale: 2}, highMask)

	first, second := ZMM(), ZMM()
	evens, odds := ZMM(), ZMM()
	x0, x1 := ZMM(), ZMM()
	if t.size == 4 {
		VMOVUPS_Z(Mem{Base: rows}, lowMask, first)
		VMOVUPS_Z(Mem{Base: rows}.Offset(t.width), highMask, second)
		VMOVDQU32(evens32, evens)
		VMOVDQU32(odds32, odds)
		VMOVUPS(first, x0)
		VPERMT2PS(second, evens, x0)
		VMOVUPS(first, x1)
		VPERMT2PS(second, odds, x1)
	} else {
		VMOVUPD_Z(Mem{Base: rows}, lowMask, first)
		VMOVUPD_Z(Mem{Base: rows}.Offset(t.width), highMask, second)
		VMOVDQU64(evens64, evens)
		VMOVDQU64(odds64, odds)
		VMOVUPD(first, x0)
		VPERMT2PD(second, evens, x0)
		VMOVUPD(first, x1)
		VPERMT2PD(second, odds, x1)
	}
	return []VecVirtual{x0, x1}
}

// zipGroup is the number of centroids in a packed group for the dims that
// registerGroups serves (1 to maxZipDim), and zipGroupsPerPass the number
// of groups that it takes at a time. Groups of 4 padded k=10 to 12
// centroids, and groups of 2 compute no padding there: on AMD Zen 4
// (n=2000, d=10, k=10, float32) the median of five alternated runs rose
// from 22.4 to 27.0 GFMA/s. Dims 1 and 2 read their tile from the stack
// buffer in groups of 4 before they moved to registerGroups, which took
// geo (n=10⁶, d=2, k=8) from 15.4 to 17.9 GFMA/s in the same kind of runs.
const (
	zipGroup         = 2
	zipGroupsPerPass = 4
)

// registerDims returns the dims for which lanes keeps a tile in registers:
// 1 to maxZipDim, and 16 in float32. A float32 tile of 16 coordinates is
// a 16×16 matrix that halvingTranspose turns over in 4 levels of 16
// permutations, and it fits in the registers. Dims 13 to 15 would need
// quarterTranspose, whose tile and staged copy take more than the 32
// registers.
func registerDims(t target) []int {
	var dims []int
	for dim := 1; dim <= maxZipDim; dim++ {
		dims = append(dims, dim)
	}
	if t.size == 4 {
		dims = append(dims, 16)
	}
	return dims
}

// maxZipDim is the largest dim, besides float32 16, whose tile lanes
// transposes in registers by zip steps (see quarterTranspose). Dispatch
// sends no larger dim to these kernels, and the tile and its staged copy
// then take at most 24 of the 32 vector registers.
const maxZipDim = 12

// loadTile loads a tile of count points of dim coordinates into dim
// vectors, in memory order.
func loadTile(t target, rows, count Register, dim int, name string) []VecVirtual {
	L := t.lanes()
	v := make([]VecVirtual, dim)
	for m := range v {
		v[m] = ZMM()
	}

	// A full tile loads whole vectors. A partial one loads the first
	// count·dim values and zeros the rest, which end in lanes that the
	// store masks off.
	CMPQ(count, U32(L))
	JNE(LabelRef(name + "_partial"))
	for m := range v {
		t.move(Mem{Base: rows}.Offset(m*t.width), v[m])
	}
	JMP(LabelRef(name + "_loaded"))

	Label(name + "_partial")
	{
		total, left, zero, table := GP64(), GP64(), GP64(), GP64()
		IMUL3Q(U32(dim), count, total)
		XORQ(zero, zero)
		LEAQ(tailMask, table)
		for m := range v {
			k := K()
			MOVQ(total, left)
			SUBQ(U32(m*L), left)
			CMOVQLT(zero, left)
			// Cap left, now at least 0, at one vector.
			c := GP64()
			MOVQ(U32(L), c)
			CMPQ(left, c)
			CMOVQGT(c, left)
			KMOVW(Mem{Base: table, Index: left, Scale: 2}, k)
			if t.size == 4 {
				VMOVUPS_Z(Mem{Base: rows}.Offset(m*t.width), k, v[m])
			} else {
				VMOVUPD_Z(Mem{Base: rows}.Offset(m*t.width), k, v[m])
			}
		}
	}
	Label(name + "_loaded")
	return v
}

// registerGroups sets bestD to the smallest squared distance of each
// lane's point and returns the int32 index of its centroid, for the
// coordinates x of a tile held in registers. It is the distance loop of
// lanes unrolled over the coordinates, so that no coordinate is stored and
// reloaded. Here the centroids are packed in groups of zipGroup. A pass
// takes zipGroupsPerPass groups (eight accumulators), and one last pass
// takes the remaining one to three groups.
//
// The indices of a pass's centroids are stored as int32 at buf, and a
// lane that finds a nearer centroid takes its index from there under the
// compare mask. The load replaces a blend and an add on the vector pipes.
// On AMD Zen 4 (n=2000, float32, medians of five alternated runs) d=6 k=40
// rose from 31.3 to 34.3 GFMA/s and d=3 k=10 from 16.8 to 17.2. The seed
// shape d=10 k=10 stayed at 27.8. The take is a blend with a broadcast
// operand (VPBLENDMD), not a masked VPBROADCASTD, because on AMD Zen 5 the
// latter takes FMA-pipe time and the blend does not: d=10 k=10 rose
// 2–3%, and d=16 k=64 up to 3%.
//
// An expansion form of this loop, with one FMA per coordinate, a runner-up
// per lane, a margin check and the winner's distance recomputed from
// differences, was built and measured on AMD Zen 5 at d=10 k=10: 36–38
// GFMA/s against 45–48. The runner-up alone took it back to the speed of
// the difference loop, because the FMA pipes, which also run the
// transposition, stay the bottleneck.
func registerGroups(t target, x []VecVirtual, buf Register, bestD VecVirtual, name string) VecVirtual {
	var bestI, index VecVirtual
	if t.size == 4 {
		bestI, index = ZMM(), YMM()
	} else {
		bestI, index = YMM(), YMM()
	}
	// Loads, not zeroing XORs, set up bestI and index, so that the
	// register allocator sees no read of them before the pass.
	t.broadcast(t.posInf(), bestD)
	VPBROADCASTD(indices32, bestI)
	VMOVDQU32(indices32, index)
	cptr := Load(Param("packed").Base(), GP64())
	groups := Load(Param("groups"), GP64())

	CMPQ(groups, U8(zipGroupsPerPass))
	JLT(LabelRef(name + "_last"))
	Label(name + "_pass")
	groupDistances(t, x, cptr, buf, zipGroup, zipGroupsPerPass, bestD, bestI, index)
	SUBQ(U8(zipGroupsPerPass), groups)
	CMPQ(groups, U8(zipGroupsPerPass))
	JGE(LabelRef(name + "_pass"))
	Label(name + "_last")
	for count := 1; count < zipGroupsPerPass; count++ {
		CMPQ(groups, U8(count))
		JNE(LabelRef(fmt.Sprintf("%s_last%d", name, count+1)))
		groupDistances(t, x, cptr, buf, zipGroup, count, bestD, bestI, index)
		JMP(LabelRef(name + "_end"))
		Label(fmt.Sprintf("%s_last%d", name, count+1))
	}
	Label(name + "_end")
	return bestI
}

// groupDistances compares the tile x with count packed groups of block
// centroids at cptr, keeps the nearest in bestD and bestI, and advances
// cptr past the groups. index holds the int32 indices of the pass's
// centroids (eight of them), and advances by eight.
func groupDistances(t target, x []VecVirtual, cptr, buf Register, block, count int, bestD, bestI, index VecVirtual) {
	VMOVDQU32(index, Mem{Base: buf})
	VPADDD_BCST(indices32.Offset(4*zipGroup*zipGroupsPerPass), index, index)
	acc := make([]VecVirtual, count*block)
	for j := range x {
		for c := range acc {
			group, lane := c/block, c%block
			offset := ((group*len(x)+j)*block + lane) * t.size
			d := ZMM()
			t.subBroadcast(Mem{Base: cptr}.Offset(offset), x[j], d)
			if j == 0 {
				acc[c] = ZMM()
				t.mul(d, d, acc[c])
			} else {
				t.fma(d, d, acc[c])
			}
		}
	}
	ADDQ(U32(count*len(x)*block*t.size), cptr)
	for c := range acc {
		m := K()
		t.cmp(cmpLT, bestD, acc[c], m)
		t.min(bestD, acc[c], bestD)
		VPBLENDMD_BCST(Mem{Base: buf}.Offset(4*c), bestI, m, bestI)
	}
}

// A tag names the value of one lane during a transposition: coordinate
// coord of point point of the tile. A negative point marks a lane whose
// value is not needed.
type tag struct{ point, coord int }

// chainTranspose transposes a tile of 3 coordinates loaded by loadTile.
// Output j takes coordinate j of the points in the first two vectors with
// one two-source permutation, then of the points in the third with a
// second: 6 permutations where a zip network (log2(L) levels of dim
// two-source permutations) takes 12 (float32) or 9 (float64).
//
// chainTranspose (dim 3) and halvingTranspose (dims 4 and 8) replaced the
// zip network there. On AMD Zen 4 (n=2000, medians of five alternated runs) float32
// d=3 k=10 rose from 17.1 to 21.7 GFMA/s, d=4 k=16 from 24.0 to 27.2 and
// d=8 k=10 from 26.1 to 27.5; float64 d=3 k=5 rose from 7.6 to 8.9 and
// d=4 k=8 from 11.7 to 12.8.
func chainTranspose(t target, v []VecVirtual) []VecVirtual {
	L := t.lanes()
	tags := loadedTags(L, len(v))
	out := make([]VecVirtual, len(v))
	for j := range out {
		want := make([]tag, L)
		first := make([]tag, L)
		for l := range want {
			want[l] = tag{l, j}
			first[l] = tag{-1, 0}
			if lookupTag(tags[0], want[l]) >= 0 || lookupTag(tags[1], want[l]) >= 0 {
				first[l] = want[l]
			}
		}
		partial := mergeVectors(t, v[0], v[1], tags[0], tags[1], first)
		out[j] = mergeVectors(t, partial, v[2], first, tags[2], want)
	}
	return out
}

// halvingTranspose transposes a tile loaded by loadTile whose dim is a
// power of two that divides the lanes, so that each vector holds all
// coordinates of L/dim points. Each level merges two vectors that hold
// the same coordinates of adjacent points into one vector with the first
// half of those coordinates and one with the second half, for twice the
// points. After log2(dim) levels each vector holds one coordinate of every
// point: dim·log2(dim) permutations where a zip network takes dim·log2(L).
func halvingTranspose(t target, v []VecVirtual) []VecVirtual {
	L := t.lanes()
	dim := len(v)
	// block is a vector that holds, coordinate-major, the level's number
	// of coordinates from coords on, for npoints points from points on.
	type block struct {
		vec                     VecVirtual
		tags                    []tag
		points, npoints, coords int
	}

	loaded := loadedTags(L, dim)
	blocks := make([]block, dim)
	for m := range v {
		blocks[m] = block{v[m], loaded[m], m * L / dim, L / dim, 0}
	}

	for ncoords := dim; ncoords > 1; ncoords /= 2 {
		// Blocks of the same coordinates are adjacent in point order at
		// every level, so neighbours pair up.
		var next []block
		for i := 0; i < len(blocks); i += 2 {
			a, b := blocks[i], blocks[i+1]
			npoints := 2 * a.npoints
			for h := range 2 {
				coords := a.coords + h*ncoords/2
				want := make([]tag, L)
				for l := range want {
					want[l] = tag{a.points + l%npoints, coords + l/npoints}
				}
				vec := mergeVectors(t, a.vec, b.vec, a.tags, b.tags, want)
				next = append(next, block{vec, want, a.points, npoints, coords})
			}
		}
		// Order by coordinates, then points, so that the next level's
		// pairs are neighbours.
		slices.SortFunc(next, func(x, y block) int {
			if x.coords != y.coords {
				return x.coords - y.coords
			}
			return x.points - y.points
		})
		blocks = next
	}

	out := make([]VecVirtual, dim)
	for j, b := range blocks {
		out[j] = b.vec
	}
	return out
}

// loadedTags returns the tags of a tile of L points of dim coordinates as
// loadTile leaves it, in memory order.
func loadedTags(L, dim int) [][]tag {
	tags := make([][]tag, dim)
	for m := range tags {
		tags[m] = make([]tag, L)
		for i := range L {
			p := m*L + i
			tags[m][i] = tag{p / dim, p % dim}
		}
	}
	return tags
}

// mergeVectors returns a vector whose lanes hold the tags want, taken from
// a (tagged aTags) and b (tagged bTags) by one two-source permutation.
func mergeVectors(t target, a, b VecVirtual, aTags, bTags, want []tag) VecVirtual {
	L := t.lanes()
	index := make([]int, L)
	for l, w := range want {
		switch {
		case w.point < 0:
			index[l] = 0
		case lookupTag(aTags, w) >= 0:
			index[l] = lookupTag(aTags, w)
		case lookupTag(bTags, w) >= 0:
			index[l] = L + lookupTag(bTags, w)
		default:
			panic(fmt.Sprintf("mergeVectors: point %d coordinate %d not found in either source", w.point, w.coord))
		}
	}
	key := fmt.Sprint(t.size, index)
	table, ok := mergeTables[key]
	if !ok {
		table = GLOBL(fmt.Sprintf("merge%d_%d", 8*t.size, len(mergeTables)), RODATA|NOPTR)
		for l, i := range index {
			if t.size == 4 {
				DATA(4*l, U32(uint32(i)))
			} else {
				DATA(8*l, U64(uint64(i)))
			}
		}
		mergeTables[key] = table
	}
	out := ZMM()
	if t.size == 4 {
		VMOVDQU32(table, out)
		VPERMI2PS(b, a, out)
	} else {
		VMOVDQU64(table, out)
		VPERMI2PD(b, a, out)
	}
	return out
}

// mergeTables holds the index tables that mergeVectors has emitted, by
// element size and indices.
var mergeTables = map[string]Mem{}

// lookupTag returns the lane of tags that holds w, or −1.
func lookupTag(tags []tag, w tag) int {
	for i, x := range tags {
		if x == w {
			return i
		}
	}
	return -1
}

func log2(n int) int {
	r := 0
	for ; n > 1; n >>= 1 {
		r++
	}
	return r
}

var tailMask, evens32, odds32, evens64, odds64 Mem

// indices32 holds the int32 values 0 to 8: the indices of the first eight
// centroids of a pass, and the step to the next pass.
var indices32 Mem

// tailMasks emits the table of lane masks for a tile of 0..16 points.
func tailMasks() {
	indices32 = GLOBL("indices32", RODATA|NOPTR)
	for i := range 9 {
		DATA(4*i, U32(uint32(i)))
	}

	tailMask = GLOBL("tailmask", RODATA|NOPTR)
	for i := range 17 {
		DATA(2*i, U16(uint16(1<<i-1)))
	}

	// Permutation indices that pick the even and the odd elements of two
	// concatenated vectors.
	evens32 = GLOBL("evens32", RODATA|NOPTR)
	for i := range 16 {
		DATA(4*i, U32(uint32(2*i)))
	}
	odds32 = GLOBL("odds32", RODATA|NOPTR)
	for i := range 16 {
		DATA(4*i, U32(uint32(2*i+1)))
	}
	evens64 = GLOBL("evens64", RODATA|NOPTR)
	for i := range 8 {
		DATA(8*i, U64(uint64(2*i)))
	}
	odds64 = GLOBL("odds64", RODATA|NOPTR)
	for i := range 8 {
		DATA(8*i, U64(uint64(2*i+1)))
	}

}

// paramAddr returns the stack address of a scalar argument.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// maskedMove stores the lanes of v that mask selects.
func (t target) maskedMove(v, mask, dst Op) {
	if t.size == 4 {
		VMOVUPS(v, mask, dst)
	} else {
		VMOVUPD(v, mask, dst)
	}
}

func (t target) mul(a, b, dst Op) {
	if t.size == 4 {
		VMULPS(a, b, dst)
	} else {
		VMULPD(a, b, dst)
	}
}

// quarterTranspose transposes a tile held in memory order in v (dim
// vectors, L points), mostly with instructions that run beside the FMAs.
//
// The tile is four sub-tiles of Q = L/4 points, one per 128-bit quarter.
// Vector m first gets, in quarter q, values Q·m … Q·m+Q−1 of sub-tile q:
// two VSHUFF32X4 bring quarters 0 and 2, and 1 and 3, from the loaded
// vectors, and a masked move joins them. Each quarter then holds a
// row-major Q×dim matrix, which log2(Q) zip steps transpose, all quarters
// at once. A zip step interleaves the first half of a quarter's values
// with the second half: output k takes Q/2 values from each, starting at
// value Q/2·k of that half. After log2(Q) steps, value dim·l+j has moved
// to Q·j+l, so lane Q·q+l of vector j holds coordinate j of point Q·q+l.
// Within a quarter a step is one unpack per output, plus, for an odd dim,
// one in-lane permutation per vector that supplies second values.
//
// The zip network that this replaces took log2(L) steps of dim two-source
// permutations (VPERMT2PS) over whole vectors. On AMD Zen 5 those run on
// the two FMA pipes: in loops of one instruction kind VPERMT2PS and FMAs
// ran at 2 per cycle each, and 16 FMAs took 8 cycles alone but 14 beside
// 16 VPERMT2PS. Unpacks, in-lane permutations, blends and masked moves
// added nothing to those 8 cycles, VSHUFF32X4 about a quarter of a cycle
// each. Against the zip network, on one core of an AMD Zen 5 (n=20000,
// two alternated runs), float32 d=6 k=10 went from 44–48 to 58–59
// GFMA/s, d=7 from 47–49 to 55–57, d=10 from 52–56 to 60–63, and k=64
// gained 3–10% at dims 5 to 12. Float32 d=8 went from 53–56 to 63–65,
// ahead of halvingTranspose, but d=3 fell from 47–48 to 42–43 and d=4
// was even, so those keep their networks. Float64 gained 5–15% at k=10
// and was even at k=64 (dims 5 to 12 but 8).
func quarterTranspose(t target, v []VecVirtual) []VecVirtual {
	dim := len(v)
	// Q values fill a quarter. oddQuarters selects quarters 1 and 3,
	// whose bits are the same for either element size.
	Q := 16 / t.size
	oddQuarters := K()
	{
		bits := GP32()
		MOVL(U32(0xf0f0), bits)
		KMOVW(bits, oddQuarters)
	}
	staged := make([]VecVirtual, dim)
	for m := range staged {
		// Sub-tile q's values Q·m … Q·m+Q−1 are the tile's 128-bit
		// chunk dim·q + m, which is quarter c%4 of vector c/4.
		var source [4]VecVirtual
		var quarter [4]uint8
		for q := range 4 {
			c := dim*q + m
			source[q], quarter[q] = v[c/4], uint8(c%4)
		}
		staged[m] = ZMM()
		high := ZMM()
		VSHUFF32X4(U8(quarter[0]|quarter[2]<<4), source[2], source[0], staged[m])
		VSHUFF32X4(U8(quarter[1]<<2|quarter[3]<<6), source[3], source[1], high)
		VMOVAPS(high, oddQuarters, staged[m])
	}
	half := Q / 2
	for range log2(Q) {
		next := make([]VecVirtual, dim)
		swapped := map[int]VecVirtual{}
		for k := range next {
			// Output k interleaves values half·k … of the first half
			// of each quarter's sequence with values half·(dim+k) … of
			// the second. For an odd dim the second run sits half a
			// quarter after the first, and a copy of its vector with
			// the two halves of each quarter swapped brings it level.
			a, b := half*k, half*(dim+k)
			second := staged[b/Q]
			if b%Q != a%Q {
				r, ok := swapped[b/Q]
				if !ok {
					r = ZMM()
					if t.size == 4 {
						VPERMILPS(U8(0x4e), staged[b/Q], r)
					} else {
						VPERMILPD(U8(0x55), staged[b/Q], r)
					}
					swapped[b/Q] = r
				}
				second = r
			}
			next[k] = ZMM()
			switch {
			case t.size == 4 && a%Q == 0:
				VUNPCKLPS(second, staged[a/Q], next[k])
			case t.size == 4:
				VUNPCKHPS(second, staged[a/Q], next[k])
			case a%Q == 0:
				VUNPCKLPD(second, staged[a/Q], next[k])
			default:
				VUNPCKHPD(second, staged[a/Q], next[k])
			}
		}
		staged = next
	}
	return staged
}
