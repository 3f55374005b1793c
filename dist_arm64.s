//go:build !purego

#include "textflag.h"

// Nearest-centroid kernels for arm64 with NEON (ASIMD), written by hand.
//
// Each kernel compares a group of P points with a group of centroids at a
// time, entirely in registers. Centroids arrive packed (see packCentroids):
// for each coordinate j, B consecutive 128-bit vectors hold coordinate j of
// B·lanes consecutive centroids (lanes is 4 for float32, 2 for float64).
// The inner loop over j does:
//
//	c[0..B-1] = packed[j]                  // 1 LD1 of B registers
//	for p := range P {
//		x := broadcast(points[p][j])        // 1 LD1R
//		for b := range B {
//			t := x - c[b]                   // FSUB
//			acc[p][b] += t * t              // FMLA
//		}
//	}
//
// Distances come from coordinate differences, never from the expansion
// |x|² + |c|² − 2x·c, which cancels catastrophically far from the origin.
// After the loop over j, each lane keeps a running minimum per point (bestD)
// and the index of the centroid that produced it (bestI, an integer lane):
//
//	mask  = bestD > acc     // FCMGT: false when acc is NaN
//	bestD = mask ? acc : bestD
//	bestI = mask ? index : bestI
//
// Centroids reach a lane in increasing index order and the comparison is
// strict, so the lowest index wins a tie and a NaN distance never wins.
// After the last group, the lanes are reduced: the minimum distance, then
// the lowest index among the lanes that hold it. A point whose minimum is
// still +Inf (every distance NaN or +Inf) is stored with distance +Inf and
// an arbitrary label, and the Go caller settles it with the reference rules.
//
// Register layout of the 4x4 kernels (P=4 points, B=4 vectors: 16 float32
// or 8 float64 centroids per group), all 32 vector registers:
//
//	V0-V15   acc[p][b] in V(4p+b)
//	V16-V19  c[0..3], the centroid vectors of coordinate j
//	V20, V23 x, the broadcast coordinate, alternating between points
//	V21, V22 t = x − c, alternating
//	V24-V27  bestD[p]
//	V28-V31  bestI[p]
//
// The inner loop issues 1 LD1 + 4 LD1R + 16 FSUB + 16 FMLA + SUBS + BNE =
// 39 instructions for 16 FMLA: 2.44 instructions per FMLA, or 0.61 per
// multiply-add lane for float32 (4 lanes) and 1.22 for float64 (2 lanes).
// FSUB and FMLA issue on the same vector pipes, so at most half of the
// vector issue slots carry an FMLA: half the core's FMA peak is the price of
// never using the expansion.
//
// The 8x1 kernels (P=8, B=1: 4 float32 or 2 float64 centroids per group)
// serve small k, where a group of 16 centroids would be mostly padding:
//
//	V0-V7    acc[p] in Vp
//	V8       c, the centroid vector of coordinate j
//	V9, V10  x, alternating
//	V11, V12 t, alternating
//	V16-V23  bestD[p]
//	V24-V31  bestI[p]
//
// Their inner loop issues 1 LD1 + 8 LD1R + 8 FSUB + 8 FMLA + SUBS + BNE =
// 27 instructions for 8 FMLA: 3.38 per FMLA, or 0.84 per multiply-add lane
// for float32 and 1.69 for float64.
//
// When fewer than P points remain, the missing points repeat the last row.
// They are searched like the others, so every read stays inside points,
// but their results are never stored. V16-V23 (4x4) or V8-V15 (8x1) are free
// outside the inner loop and hold the index vectors, masks and reductions.
//
// The caller has checked every length: len(dists) == len(labels) ==
// len(points)/dim, dim ≥ 1, groups ≥ 1 and len(packed) == groups·dim·B·lanes.

// General-purpose registers. R11-R14, R19, R20, R23 and R24 point at the
// current coordinate of points 0-7 of the group.
#define LABELS R0   // &labels[i] for the group's first point i
#define N R1        // points left, counting the group's
#define DISTS R2    // &dists[i]
#define ROWS R3     // &points[i·dim]
#define PACKED R4   // &packed[0]
#define DIM R5      // dim
#define GROUPS R6   // groups
#define ROWBYTES R7 // dim · element size
#define CPTR R8     // the next centroid vectors to load
#define GLEFT R9    // centroid groups left
#define INDEX R10   // index of the first centroid of the current group
#define J R15       // coordinates left
#define TMP R21
#define TMP2 R22

// Vector instructions that Go's assembler does not know, encoded by hand.
// The arguments are register numbers: FSUB4S(21, 20, 16) is
// FSUB V21.4S, V20.4S, V16.4S (V21 = V20 − V16). The encodings follow the
// Arm A64 instruction set and were checked against LLVM's assembler.
#define FSUB4S(d, n, m) WORD $(0x4ea0d400 | ((m)<<16) | ((n)<<5) | (d))
#define FSUB2D(d, n, m) WORD $(0x4ee0d400 | ((m)<<16) | ((n)<<5) | (d))

// FCMGT Vd, Vn, Vm: each lane of Vd = (Vn > Vm) ? all ones : 0. The
// comparison is false when either lane is NaN.
#define FCMGT4S(d, n, m) WORD $(0x6ea0e400 | ((m)<<16) | ((n)<<5) | (d))
#define FCMGT2D(d, n, m) WORD $(0x6ee0e400 | ((m)<<16) | ((n)<<5) | (d))

// FCMEQ Vd, Vn, Vm: each lane of Vd = (Vn == Vm) ? all ones : 0.
#define FCMEQ4S(d, n, m) WORD $(0x4e20e400 | ((m)<<16) | ((n)<<5) | (d))
#define FCMEQ2D(d, n, m) WORD $(0x4e60e400 | ((m)<<16) | ((n)<<5) | (d))

// FMINV Sd, Vn.4S and FMINP Dd, Vn.2D: the minimum of the lanes of Vn.
#define FMINV4S(d, n) WORD $(0x6eb0f800 | ((n)<<5) | (d))
#define FMINP2D(d, n) WORD $(0x7ef0f800 | ((n)<<5) | (d))

// UMINV Sd, Vn.4S: the unsigned minimum of the lanes of Vn.
#define UMINV4S(d, n) WORD $(0x6eb1a800 | ((n)<<5) | (d))

// func nearestNEONF32_4x4(labels []int32, dists []float32, points, packed []float32, dim, groups int)
TEXT ·nearestNEONF32_4x4(SB), NOSPLIT|NOFRAME, $0-112
	MOVD	labels_base+0(FP), LABELS
	MOVD	labels_len+8(FP), N
	MOVD	dists_base+24(FP), DISTS
	MOVD	points_base+48(FP), ROWS
	MOVD	packed_base+72(FP), PACKED
	MOVD	dim+96(FP), DIM
	MOVD	groups+104(FP), GROUPS
	LSL	$2, DIM, ROWBYTES
	CBZ	N, done

points:
	// Point p of the group is row p, or the last row when fewer than 4
	// points remain: the extra points are searched but never stored.
	MOVD	ROWS, R11
	ADD	ROWBYTES, R11, TMP
	CMP	$1, N
	CSEL	GT, TMP, R11, R12
	ADD	ROWBYTES, R12, TMP
	CMP	$2, N
	CSEL	GT, TMP, R12, R13
	ADD	ROWBYTES, R13, TMP
	CMP	$3, N
	CSEL	GT, TMP, R13, R14

	// bestD = +Inf, bestI = 0 in every lane.
	MOVD	$0x7f800000, TMP
	VDUP	TMP, V24.S4
	VDUP	TMP, V25.S4
	VDUP	TMP, V26.S4
	VDUP	TMP, V27.S4
	VEOR	V28.B16, V28.B16, V28.B16
	VEOR	V29.B16, V29.B16, V29.B16
	VEOR	V30.B16, V30.B16, V30.B16
	VEOR	V31.B16, V31.B16, V31.B16
	MOVD	PACKED, CPTR
	MOVD	GROUPS, GLEFT
	MOVD	ZR, INDEX

	// One group of centroids: zero the accumulators.
centroids:
	VEOR	V0.B16, V0.B16, V0.B16
	VEOR	V1.B16, V1.B16, V1.B16
	VEOR	V2.B16, V2.B16, V2.B16
	VEOR	V3.B16, V3.B16, V3.B16
	VEOR	V4.B16, V4.B16, V4.B16
	VEOR	V5.B16, V5.B16, V5.B16
	VEOR	V6.B16, V6.B16, V6.B16
	VEOR	V7.B16, V7.B16, V7.B16
	VEOR	V8.B16, V8.B16, V8.B16
	VEOR	V9.B16, V9.B16, V9.B16
	VEOR	V10.B16, V10.B16, V10.B16
	VEOR	V11.B16, V11.B16, V11.B16
	VEOR	V12.B16, V12.B16, V12.B16
	VEOR	V13.B16, V13.B16, V13.B16
	VEOR	V14.B16, V14.B16, V14.B16
	VEOR	V15.B16, V15.B16, V15.B16
	MOVD	DIM, J

	// acc[p][b] += (x[p][j] − c[b])² for every coordinate j.
coords:
	VLD1.P	64(CPTR), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1R.P	4(R11), [V20.S4]
	FSUB4S(21, 20, 16)
	VFMLA	V21.S4, V21.S4, V0.S4
	FSUB4S(22, 20, 17)
	VFMLA	V22.S4, V22.S4, V1.S4
	FSUB4S(21, 20, 18)
	VFMLA	V21.S4, V21.S4, V2.S4
	FSUB4S(22, 20, 19)
	VFMLA	V22.S4, V22.S4, V3.S4
	VLD1R.P	4(R12), [V23.S4]
	FSUB4S(21, 23, 16)
	VFMLA	V21.S4, V21.S4, V4.S4
	FSUB4S(22, 23, 17)
	VFMLA	V22.S4, V22.S4, V5.S4
	FSUB4S(21, 23, 18)
	VFMLA	V21.S4, V21.S4, V6.S4
	FSUB4S(22, 23, 19)
	VFMLA	V22.S4, V22.S4, V7.S4
	VLD1R.P	4(R13), [V20.S4]
	FSUB4S(21, 20, 16)
	VFMLA	V21.S4, V21.S4, V8.S4
	FSUB4S(22, 20, 17)
	VFMLA	V22.S4, V22.S4, V9.S4
	FSUB4S(21, 20, 18)
	VFMLA	V21.S4, V21.S4, V10.S4
	FSUB4S(22, 20, 19)
	VFMLA	V22.S4, V22.S4, V11.S4
	VLD1R.P	4(R14), [V23.S4]
	FSUB4S(21, 23, 16)
	VFMLA	V21.S4, V21.S4, V12.S4
	FSUB4S(22, 23, 17)
	VFMLA	V22.S4, V22.S4, V13.S4
	FSUB4S(21, 23, 18)
	VFMLA	V21.S4, V21.S4, V14.S4
	FSUB4S(22, 23, 19)
	VFMLA	V22.S4, V22.S4, V15.S4
	SUBS	$1, J, J
	BNE	coords

	// Rewind the point pointers to the start of their rows.
	SUB	ROWBYTES, R11, R11
	SUB	ROWBYTES, R12, R12
	SUB	ROWBYTES, R13, R13
	SUB	ROWBYTES, R14, R14

	// Keep, per lane, the smallest distance and its centroid index:
	// mask = bestD > acc, then bestD, bestI = acc, index where mask is set.
	VMOVQ	$0x0000000100000000, $0x0000000300000002, V16
	VDUP	INDEX, V17.S4
	VADD	V16.S4, V17.S4, V17.S4
	MOVD	$4, TMP
	VDUP	TMP, V18.S4
	FCMGT4S(19, 24, 0)
	VBIT	V19.B16, V0.B16, V24.B16
	VBIT	V19.B16, V17.B16, V28.B16
	FCMGT4S(20, 25, 4)
	VBIT	V20.B16, V4.B16, V25.B16
	VBIT	V20.B16, V17.B16, V29.B16
	FCMGT4S(21, 26, 8)
	VBIT	V21.B16, V8.B16, V26.B16
	VBIT	V21.B16, V17.B16, V30.B16
	FCMGT4S(19, 27, 12)
	VBIT	V19.B16, V12.B16, V27.B16
	VBIT	V19.B16, V17.B16, V31.B16
	VADD	V18.S4, V17.S4, V17.S4
	FCMGT4S(20, 24, 1)
	VBIT	V20.B16, V1.B16, V24.B16
	VBIT	V20.B16, V17.B16, V28.B16
	FCMGT4S(21, 25, 5)
	VBIT	V21.B16, V5.B16, V25.B16
	VBIT	V21.B16, V17.B16, V29.B16
	FCMGT4S(19, 26, 9)
	VBIT	V19.B16, V9.B16, V26.B16
	VBIT	V19.B16, V17.B16, V30.B16
	FCMGT4S(20, 27, 13)
	VBIT	V20.B16, V13.B16, V27.B16
	VBIT	V20.B16, V17.B16, V31.B16
	VADD	V18.S4, V17.S4, V17.S4
	FCMGT4S(21, 24, 2)
	VBIT	V21.B16, V2.B16, V24.B16
	VBIT	V21.B16, V17.B16, V28.B16
	FCMGT4S(19, 25, 6)
	VBIT	V19.B16, V6.B16, V25.B16
	VBIT	V19.B16, V17.B16, V29.B16
	FCMGT4S(20, 26, 10)
	VBIT	V20.B16, V10.B16, V26.B16
	VBIT	V20.B16, V17.B16, V30.B16
	FCMGT4S(21, 27, 14)
	VBIT	V21.B16, V14.B16, V27.B16
	VBIT	V21.B16, V17.B16, V31.B16
	VADD	V18.S4, V17.S4, V17.S4
	FCMGT4S(19, 24, 3)
	VBIT	V19.B16, V3.B16, V24.B16
	VBIT	V19.B16, V17.B16, V28.B16
	FCMGT4S(20, 25, 7)
	VBIT	V20.B16, V7.B16, V25.B16
	VBIT	V20.B16, V17.B16, V29.B16
	FCMGT4S(21, 26, 11)
	VBIT	V21.B16, V11.B16, V26.B16
	VBIT	V21.B16, V17.B16, V30.B16
	FCMGT4S(19, 27, 15)
	VBIT	V19.B16, V15.B16, V27.B16
	VBIT	V19.B16, V17.B16, V31.B16
	ADD	$16, INDEX, INDEX
	SUBS	$1, GLEFT, GLEFT
	BNE	centroids

	// Reduce the lanes: the minimum distance, then the lowest index that
	// has it. Lanes above the minimum take the index of all ones (VBIF) so
	// that the unsigned minimum skips them. Point p is stored only when
	// p < N.
	VMOVI	$255, V23.B16
	FMINV4S(16, 24)
	VDUP	V16.S[0], V17.S4
	FCMEQ4S(18, 24, 17)
	VBIF	V18.B16, V23.B16, V28.B16
	UMINV4S(19, 28)
	FMOVS	F16, 0(DISTS)
	FMOVS	F19, 0(LABELS)
	CMP	$1, N
	BLE	next
	FMINV4S(16, 25)
	VDUP	V16.S[0], V17.S4
	FCMEQ4S(18, 25, 17)
	VBIF	V18.B16, V23.B16, V29.B16
	UMINV4S(19, 29)
	FMOVS	F16, 4(DISTS)
	FMOVS	F19, 4(LABELS)
	CMP	$2, N
	BLE	next
	FMINV4S(16, 26)
	VDUP	V16.S[0], V17.S4
	FCMEQ4S(18, 26, 17)
	VBIF	V18.B16, V23.B16, V30.B16
	UMINV4S(19, 30)
	FMOVS	F16, 8(DISTS)
	FMOVS	F19, 8(LABELS)
	CMP	$3, N
	BLE	next
	FMINV4S(16, 27)
	VDUP	V16.S[0], V17.S4
	FCMEQ4S(18, 27, 17)
	VBIF	V18.B16, V23.B16, V31.B16
	UMINV4S(19, 31)
	FMOVS	F16, 12(DISTS)
	FMOVS	F19, 12(LABELS)

next:
	ADD	$16, LABELS, LABELS
	ADD	$16, DISTS, DISTS
	ADD	ROWBYTES<<2, ROWS, ROWS
	SUBS	$4, N, N
	BGT	points

done:
	RET

// func nearestNEONF32_8x1(labels []int32, dists []float32, points, packed []float32, dim, groups int)
TEXT ·nearestNEONF32_8x1(SB), NOSPLIT|NOFRAME, $0-112
	MOVD	labels_base+0(FP), LABELS
	MOVD	labels_len+8(FP), N
	MOVD	dists_base+24(FP), DISTS
	MOVD	points_base+48(FP), ROWS
	MOVD	packed_base+72(FP), PACKED
	MOVD	dim+96(FP), DIM
	MOVD	groups+104(FP), GROUPS
	LSL	$2, DIM, ROWBYTES
	CBZ	N, done

points:
	// Point p of the group is row p, or the last row when fewer than 8
	// points remain: the extra points are searched but never stored.
	MOVD	ROWS, R11
	ADD	ROWBYTES, R11, TMP
	CMP	$1, N
	CSEL	GT, TMP, R11, R12
	ADD	ROWBYTES, R12, TMP
	CMP	$2, N
	CSEL	GT, TMP, R12, R13
	ADD	ROWBYTES, R13, TMP
	CMP	$3, N
	CSEL	GT, TMP, R13, R14
	ADD	ROWBYTES, R14, TMP
	CMP	$4, N
	CSEL	GT, TMP, R14, R19
	ADD	ROWBYTES, R19, TMP
	CMP	$5, N
	CSEL	GT, TMP, R19, R20
	ADD	ROWBYTES, R20, TMP
	CMP	$6, N
	CSEL	GT, TMP, R20, R23
	ADD	ROWBYTES, R23, TMP
	CMP	$7, N
	CSEL	GT, TMP, R23, R24

	// bestD = +Inf, bestI = 0 in every lane.
	MOVD	$0x7f800000, TMP
	VDUP	TMP, V16.S4
	VDUP	TMP, V17.S4
	VDUP	TMP, V18.S4
	VDUP	TMP, V19.S4
	VDUP	TMP, V20.S4
	VDUP	TMP, V21.S4
	VDUP	TMP, V22.S4
	VDUP	TMP, V23.S4
	VEOR	V24.B16, V24.B16, V24.B16
	VEOR	V25.B16, V25.B16, V25.B16
	VEOR	V26.B16, V26.B16, V26.B16
	VEOR	V27.B16, V27.B16, V27.B16
	VEOR	V28.B16, V28.B16, V28.B16
	VEOR	V29.B16, V29.B16, V29.B16
	VEOR	V30.B16, V30.B16, V30.B16
	VEOR	V31.B16, V31.B16, V31.B16
	MOVD	PACKED, CPTR
	MOVD	GROUPS, GLEFT
	MOVD	ZR, INDEX

	// One group of centroids: zero the accumulators.
centroids:
	VEOR	V0.B16, V0.B16, V0.B16
	VEOR	V1.B16, V1.B16, V1.B16
	VEOR	V2.B16, V2.B16, V2.B16
	VEOR	V3.B16, V3.B16, V3.B16
	VEOR	V4.B16, V4.B16, V4.B16
	VEOR	V5.B16, V5.B16, V5.B16
	VEOR	V6.B16, V6.B16, V6.B16
	VEOR	V7.B16, V7.B16, V7.B16
	MOVD	DIM, J

	// acc[p][b] += (x[p][j] − c[b])² for every coordinate j.
coords:
	VLD1.P	16(CPTR), [V8.S4]
	VLD1R.P	4(R11), [V9.S4]
	FSUB4S(11, 9, 8)
	VFMLA	V11.S4, V11.S4, V0.S4
	VLD1R.P	4(R12), [V10.S4]
	FSUB4S(12, 10, 8)
	VFMLA	V12.S4, V12.S4, V1.S4
	VLD1R.P	4(R13), [V9.S4]
	FSUB4S(11, 9, 8)
	VFMLA	V11.S4, V11.S4, V2.S4
	VLD1R.P	4(R14), [V10.S4]
	FSUB4S(12, 10, 8)
	VFMLA	V12.S4, V12.S4, V3.S4
	VLD1R.P	4(R19), [V9.S4]
	FSUB4S(11, 9, 8)
	VFMLA	V11.S4, V11.S4, V4.S4
	VLD1R.P	4(R20), [V10.S4]
	FSUB4S(12, 10, 8)
	VFMLA	V12.S4, V12.S4, V5.S4
	VLD1R.P	4(R23), [V9.S4]
	FSUB4S(11, 9, 8)
	VFMLA	V11.S4, V11.S4, V6.S4
	VLD1R.P	4(R24), [V10.S4]
	FSUB4S(12, 10, 8)
	VFMLA	V12.S4, V12.S4, V7.S4
	SUBS	$1, J, J
	BNE	coords

	// Rewind the point pointers to the start of their rows.
	SUB	ROWBYTES, R11, R11
	SUB	ROWBYTES, R12, R12
	SUB	ROWBYTES, R13, R13
	SUB	ROWBYTES, R14, R14
	SUB	ROWBYTES, R19, R19
	SUB	ROWBYTES, R20, R20
	SUB	ROWBYTES, R23, R23
	SUB	ROWBYTES, R24, R24

	// Keep, per lane, the smallest distance and its centroid index:
	// mask = bestD > acc, then bestD, bestI = acc, index where mask is set.
	VMOVQ	$0x0000000100000000, $0x0000000300000002, V8
	VDUP	INDEX, V9.S4
	VADD	V8.S4, V9.S4, V9.S4
	FCMGT4S(11, 16, 0)
	VBIT	V11.B16, V0.B16, V16.B16
	VBIT	V11.B16, V9.B16, V24.B16
	FCMGT4S(12, 17, 1)
	VBIT	V12.B16, V1.B16, V17.B16
	VBIT	V12.B16, V9.B16, V25.B16
	FCMGT4S(13, 18, 2)
	VBIT	V13.B16, V2.B16, V18.B16
	VBIT	V13.B16, V9.B16, V26.B16
	FCMGT4S(11, 19, 3)
	VBIT	V11.B16, V3.B16, V19.B16
	VBIT	V11.B16, V9.B16, V27.B16
	FCMGT4S(12, 20, 4)
	VBIT	V12.B16, V4.B16, V20.B16
	VBIT	V12.B16, V9.B16, V28.B16
	FCMGT4S(13, 21, 5)
	VBIT	V13.B16, V5.B16, V21.B16
	VBIT	V13.B16, V9.B16, V29.B16
	FCMGT4S(11, 22, 6)
	VBIT	V11.B16, V6.B16, V22.B16
	VBIT	V11.B16, V9.B16, V30.B16
	FCMGT4S(12, 23, 7)
	VBIT	V12.B16, V7.B16, V23.B16
	VBIT	V12.B16, V9.B16, V31.B16
	ADD	$4, INDEX, INDEX
	SUBS	$1, GLEFT, GLEFT
	BNE	centroids

	// Reduce the lanes: the minimum distance, then the lowest index that
	// has it. Lanes above the minimum take the index of all ones (VBIF) so
	// that the unsigned minimum skips them. Point p is stored only when
	// p < N.
	VMOVI	$255, V15.B16
	FMINV4S(8, 16)
	VDUP	V8.S[0], V9.S4
	FCMEQ4S(10, 16, 9)
	VBIF	V10.B16, V15.B16, V24.B16
	UMINV4S(11, 24)
	FMOVS	F8, 0(DISTS)
	FMOVS	F11, 0(LABELS)
	CMP	$1, N
	BLE	next
	FMINV4S(8, 17)
	VDUP	V8.S[0], V9.S4
	FCMEQ4S(10, 17, 9)
	VBIF	V10.B16, V15.B16, V25.B16
	UMINV4S(11, 25)
	FMOVS	F8, 4(DISTS)
	FMOVS	F11, 4(LABELS)
	CMP	$2, N
	BLE	next
	FMINV4S(8, 18)
	VDUP	V8.S[0], V9.S4
	FCMEQ4S(10, 18, 9)
	VBIF	V10.B16, V15.B16, V26.B16
	UMINV4S(11, 26)
	FMOVS	F8, 8(DISTS)
	FMOVS	F11, 8(LABELS)
	CMP	$3, N
	BLE	next
	FMINV4S(8, 19)
	VDUP	V8.S[0], V9.S4
	FCMEQ4S(10, 19, 9)
	VBIF	V10.B16, V15.B16, V27.B16
	UMINV4S(11, 27)
	FMOVS	F8, 12(DISTS)
	FMOVS	F11, 12(LABELS)
	CMP	$4, N
	BLE	next
	FMINV4S(8, 20)
	VDUP	V8.S[0], V9.S4
	FCMEQ4S(10, 20, 9)
	VBIF	V10.B16, V15.B16, V28.B16
	UMINV4S(11, 28)
	FMOVS	F8, 16(DISTS)
	FMOVS	F11, 16(LABELS)
	CMP	$5, N
	BLE	next
	FMINV4S(8, 21)
	VDUP	V8.S[0], V9.S4
	FCMEQ4S(10, 21, 9)
	VBIF	V10.B16, V15.B16, V29.B16
	UMINV4S(11, 29)
	FMOVS	F8, 20(DISTS)
	FMOVS	F11, 20(LABELS)
	CMP	$6, N
	BLE	next
	FMINV4S(8, 22)
	VDUP	V8.S[0], V9.S4
	FCMEQ4S(10, 22, 9)
	VBIF	V10.B16, V15.B16, V30.B16
	UMINV4S(11, 30)
	FMOVS	F8, 24(DISTS)
	FMOVS	F11, 24(LABELS)
	CMP	$7, N
	BLE	next
	FMINV4S(8, 23)
	VDUP	V8.S[0], V9.S4
	FCMEQ4S(10, 23, 9)
	VBIF	V10.B16, V15.B16, V31.B16
	UMINV4S(11, 31)
	FMOVS	F8, 28(DISTS)
	FMOVS	F11, 28(LABELS)

next:
	ADD	$32, LABELS, LABELS
	ADD	$32, DISTS, DISTS
	ADD	ROWBYTES<<3, ROWS, ROWS
	SUBS	$8, N, N
	BGT	points

done:
	RET

// func nearestNEONF64_4x4(labels []int32, dists []float64, points, packed []float64, dim, groups int)
TEXT ·nearestNEONF64_4x4(SB), NOSPLIT|NOFRAME, $0-112
	MOVD	labels_base+0(FP), LABELS
	MOVD	labels_len+8(FP), N
	MOVD	dists_base+24(FP), DISTS
	MOVD	points_base+48(FP), ROWS
	MOVD	packed_base+72(FP), PACKED
	MOVD	dim+96(FP), DIM
	MOVD	groups+104(FP), GROUPS
	LSL	$3, DIM, ROWBYTES
	CBZ	N, done

points:
	// Point p of the group is row p, or the last row when fewer than 4
	// points remain: the extra points are searched but never stored.
	MOVD	ROWS, R11
	ADD	ROWBYTES, R11, TMP
	CMP	$1, N
	CSEL	GT, TMP, R11, R12
	ADD	ROWBYTES, R12, TMP
	CMP	$2, N
	CSEL	GT, TMP, R12, R13
	ADD	ROWBYTES, R13, TMP
	CMP	$3, N
	CSEL	GT, TMP, R13, R14

	// bestD = +Inf, bestI = 0 in every lane.
	MOVD	$0x7ff0000000000000, TMP
	VDUP	TMP, V24.D2
	VDUP	TMP, V25.D2
	VDUP	TMP, V26.D2
	VDUP	TMP, V27.D2
	VEOR	V28.B16, V28.B16, V28.B16
	VEOR	V29.B16, V29.B16, V29.B16
	VEOR	V30.B16, V30.B16, V30.B16
	VEOR	V31.B16, V31.B16, V31.B16
	MOVD	PACKED, CPTR
	MOVD	GROUPS, GLEFT
	MOVD	ZR, INDEX

	// One group of centroids: zero the accumulators.
centroids:
	VEOR	V0.B16, V0.B16, V0.B16
	VEOR	V1.B16, V1.B16, V1.B16
	VEOR	V2.B16, V2.B16, V2.B16
	VEOR	V3.B16, V3.B16, V3.B16
	VEOR	V4.B16, V4.B16, V4.B16
	VEOR	V5.B16, V5.B16, V5.B16
	VEOR	V6.B16, V6.B16, V6.B16
	VEOR	V7.B16, V7.B16, V7.B16
	VEOR	V8.B16, V8.B16, V8.B16
	VEOR	V9.B16, V9.B16, V9.B16
	VEOR	V10.B16, V10.B16, V10.B16
	VEOR	V11.B16, V11.B16, V11.B16
	VEOR	V12.B16, V12.B16, V12.B16
	VEOR	V13.B16, V13.B16, V13.B16
	VEOR	V14.B16, V14.B16, V14.B16
	VEOR	V15.B16, V15.B16, V15.B16
	MOVD	DIM, J

	// acc[p][b] += (x[p][j] − c[b])² for every coordinate j.
coords:
	VLD1.P	64(CPTR), [V16.D2, V17.D2, V18.D2, V19.D2]
	VLD1R.P	8(R11), [V20.D2]
	FSUB2D(21, 20, 16)
	VFMLA	V21.D2, V21.D2, V0.D2
	FSUB2D(22, 20, 17)
	VFMLA	V22.D2, V22.D2, V1.D2
	FSUB2D(21, 20, 18)
	VFMLA	V21.D2, V21.D2, V2.D2
	FSUB2D(22, 20, 19)
	VFMLA	V22.D2, V22.D2, V3.D2
	VLD1R.P	8(R12), [V23.D2]
	FSUB2D(21, 23, 16)
	VFMLA	V21.D2, V21.D2, V4.D2
	FSUB2D(22, 23, 17)
	VFMLA	V22.D2, V22.D2, V5.D2
	FSUB2D(21, 23, 18)
	VFMLA	V21.D2, V21.D2, V6.D2
	FSUB2D(22, 23, 19)
	VFMLA	V22.D2, V22.D2, V7.D2
	VLD1R.P	8(R13), [V20.D2]
	FSUB2D(21, 20, 16)
	VFMLA	V21.D2, V21.D2, V8.D2
	FSUB2D(22, 20, 17)
	VFMLA	V22.D2, V22.D2, V9.D2
	FSUB2D(21, 20, 18)
	VFMLA	V21.D2, V21.D2, V10.D2
	FSUB2D(22, 20, 19)
	VFMLA	V22.D2, V22.D2, V11.D2
	VLD1R.P	8(R14), [V23.D2]
	FSUB2D(21, 23, 16)
	VFMLA	V21.D2, V21.D2, V12.D2
	FSUB2D(22, 23, 17)
	VFMLA	V22.D2, V22.D2, V13.D2
	FSUB2D(21, 23, 18)
	VFMLA	V21.D2, V21.D2, V14.D2
	FSUB2D(22, 23, 19)
	VFMLA	V22.D2, V22.D2, V15.D2
	SUBS	$1, J, J
	BNE	coords

	// Rewind the point pointers to the start of their rows.
	SUB	ROWBYTES, R11, R11
	SUB	ROWBYTES, R12, R12
	SUB	ROWBYTES, R13, R13
	SUB	ROWBYTES, R14, R14

	// Keep, per lane, the smallest distance and its centroid index:
	// mask = bestD > acc, then bestD, bestI = acc, index where mask is set.
	VMOVQ	$0, $1, V16
	VDUP	INDEX, V17.D2
	VADD	V16.D2, V17.D2, V17.D2
	MOVD	$2, TMP
	VDUP	TMP, V18.D2
	FCMGT2D(19, 24, 0)
	VBIT	V19.B16, V0.B16, V24.B16
	VBIT	V19.B16, V17.B16, V28.B16
	FCMGT2D(20, 25, 4)
	VBIT	V20.B16, V4.B16, V25.B16
	VBIT	V20.B16, V17.B16, V29.B16
	FCMGT2D(21, 26, 8)
	VBIT	V21.B16, V8.B16, V26.B16
	VBIT	V21.B16, V17.B16, V30.B16
	FCMGT2D(19, 27, 12)
	VBIT	V19.B16, V12.B16, V27.B16
	VBIT	V19.B16, V17.B16, V31.B16
	VADD	V18.D2, V17.D2, V17.D2
	FCMGT2D(20, 24, 1)
	VBIT	V20.B16, V1.B16, V24.B16
	VBIT	V20.B16, V17.B16, V28.B16
	FCMGT2D(21, 25, 5)
	VBIT	V21.B16, V5.B16, V25.B16
	VBIT	V21.B16, V17.B16, V29.B16
	FCMGT2D(19, 26, 9)
	VBIT	V19.B16, V9.B16, V26.B16
	VBIT	V19.B16, V17.B16, V30.B16
	FCMGT2D(20, 27, 13)
	VBIT	V20.B16, V13.B16, V27.B16
	VBIT	V20.B16, V17.B16, V31.B16
	VADD	V18.D2, V17.D2, V17.D2
	FCMGT2D(21, 24, 2)
	VBIT	V21.B16, V2.B16, V24.B16
	VBIT	V21.B16, V17.B16, V28.B16
	FCMGT2D(19, 25, 6)
	VBIT	V19.B16, V6.B16, V25.B16
	VBIT	V19.B16, V17.B16, V29.B16
	FCMGT2D(20, 26, 10)
	VBIT	V20.B16, V10.B16, V26.B16
	VBIT	V20.B16, V17.B16, V30.B16
	FCMGT2D(21, 27, 14)
	VBIT	V21.B16, V14.B16, V27.B16
	VBIT	V21.B16, V17.B16, V31.B16
	VADD	V18.D2, V17.D2, V17.D2
	FCMGT2D(19, 24, 3)
	VBIT	V19.B16, V3.B16, V24.B16
	VBIT	V19.B16, V17.B16, V28.B16
	FCMGT2D(20, 25, 7)
	VBIT	V20.B16, V7.B16, V25.B16
	VBIT	V20.B16, V17.B16, V29.B16
	FCMGT2D(21, 26, 11)
	VBIT	V21.B16, V11.B16, V26.B16
	VBIT	V21.B16, V17.B16, V30.B16
	FCMGT2D(19, 27, 15)
	VBIT	V19.B16, V15.B16, V27.B16
	VBIT	V19.B16, V17.B16, V31.B16
	ADD	$8, INDEX, INDEX
	SUBS	$1, GLEFT, GLEFT
	BNE	centroids

	// Reduce the lanes: the minimum distance, then the lowest index that
	// has it. Lanes above the minimum take the index of all ones (VBIF) so
	// that the unsigned minimum skips them. Point p is stored only when
	// p < N.
	VMOVI	$255, V23.B16
	FMINP2D(16, 24)
	VDUP	V16.D[0], V17.D2
	FCMEQ2D(18, 24, 17)
	VBIF	V18.B16, V23.B16, V28.B16
	VMOV	V28.D[0], TMP
	VMOV	V28.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F16, 0(DISTS)
	MOVW	TMP, 0(LABELS)
	CMP	$1, N
	BLE	next
	FMINP2D(16, 25)
	VDUP	V16.D[0], V17.D2
	FCMEQ2D(18, 25, 17)
	VBIF	V18.B16, V23.B16, V29.B16
	VMOV	V29.D[0], TMP
	VMOV	V29.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F16, 8(DISTS)
	MOVW	TMP, 4(LABELS)
	CMP	$2, N
	BLE	next
	FMINP2D(16, 26)
	VDUP	V16.D[0], V17.D2
	FCMEQ2D(18, 26, 17)
	VBIF	V18.B16, V23.B16, V30.B16
	VMOV	V30.D[0], TMP
	VMOV	V30.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F16, 16(DISTS)
	MOVW	TMP, 8(LABELS)
	CMP	$3, N
	BLE	next
	FMINP2D(16, 27)
	VDUP	V16.D[0], V17.D2
	FCMEQ2D(18, 27, 17)
	VBIF	V18.B16, V23.B16, V31.B16
	VMOV	V31.D[0], TMP
	VMOV	V31.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F16, 24(DISTS)
	MOVW	TMP, 12(LABELS)

next:
	ADD	$16, LABELS, LABELS
	ADD	$32, DISTS, DISTS
	ADD	ROWBYTES<<2, ROWS, ROWS
	SUBS	$4, N, N
	BGT	points

done:
	RET

// func nearestNEONF64_8x1(labels []int32, dists []float64, points, packed []float64, dim, groups int)
TEXT ·nearestNEONF64_8x1(SB), NOSPLIT|NOFRAME, $0-112
	MOVD	labels_base+0(FP), LABELS
	MOVD	labels_len+8(FP), N
	MOVD	dists_base+24(FP), DISTS
	MOVD	points_base+48(FP), ROWS
	MOVD	packed_base+72(FP), PACKED
	MOVD	dim+96(FP), DIM
	MOVD	groups+104(FP), GROUPS
	LSL	$3, DIM, ROWBYTES
	CBZ	N, done

points:
	// Point p of the group is row p, or the last row when fewer than 8
	// points remain: the extra points are searched but never stored.
	MOVD	ROWS, R11
	ADD	ROWBYTES, R11, TMP
	CMP	$1, N
	CSEL	GT, TMP, R11, R12
	ADD	ROWBYTES, R12, TMP
	CMP	$2, N
	CSEL	GT, TMP, R12, R13
	ADD	ROWBYTES, R13, TMP
	CMP	$3, N
	CSEL	GT, TMP, R13, R14
	ADD	ROWBYTES, R14, TMP
	CMP	$4, N
	CSEL	GT, TMP, R14, R19
	ADD	ROWBYTES, R19, TMP
	CMP	$5, N
	CSEL	GT, TMP, R19, R20
	ADD	ROWBYTES, R20, TMP
	CMP	$6, N
	CSEL	GT, TMP, R20, R23
	ADD	ROWBYTES, R23, TMP
	CMP	$7, N
	CSEL	GT, TMP, R23, R24

	// bestD = +Inf, bestI = 0 in every lane.
	MOVD	$0x7ff0000000000000, TMP
	VDUP	TMP, V16.D2
	VDUP	TMP, V17.D2
	VDUP	TMP, V18.D2
	VDUP	TMP, V19.D2
	VDUP	TMP, V20.D2
	VDUP	TMP, V21.D2
	VDUP	TMP, V22.D2
	VDUP	TMP, V23.D2
	VEOR	V24.B16, V24.B16, V24.B16
	VEOR	V25.B16, V25.B16, V25.B16
	VEOR	V26.B16, V26.B16, V26.B16
	VEOR	V27.B16, V27.B16, V27.B16
	VEOR	V28.B16, V28.B16, V28.B16
	VEOR	V29.B16, V29.B16, V29.B16
	VEOR	V30.B16, V30.B16, V30.B16
	VEOR	V31.B16, V31.B16, V31.B16
	MOVD	PACKED, CPTR
	MOVD	GROUPS, GLEFT
	MOVD	ZR, INDEX

	// One group of centroids: zero the accumulators.
centroids:
	VEOR	V0.B16, V0.B16, V0.B16
	VEOR	V1.B16, V1.B16, V1.B16
	VEOR	V2.B16, V2.B16, V2.B16
	VEOR	V3.B16, V3.B16, V3.B16
	VEOR	V4.B16, V4.B16, V4.B16
	VEOR	V5.B16, V5.B16, V5.B16
	VEOR	V6.B16, V6.B16, V6.B16
	VEOR	V7.B16, V7.B16, V7.B16
	MOVD	DIM, J

	// acc[p][b] += (x[p][j] − c[b])² for every coordinate j.
coords:
	VLD1.P	16(CPTR), [V8.D2]
	VLD1R.P	8(R11), [V9.D2]
	FSUB2D(11, 9, 8)
	VFMLA	V11.D2, V11.D2, V0.D2
	VLD1R.P	8(R12), [V10.D2]
	FSUB2D(12, 10, 8)
	VFMLA	V12.D2, V12.D2, V1.D2
	VLD1R.P	8(R13), [V9.D2]
	FSUB2D(11, 9, 8)
	VFMLA	V11.D2, V11.D2, V2.D2
	VLD1R.P	8(R14), [V10.D2]
	FSUB2D(12, 10, 8)
	VFMLA	V12.D2, V12.D2, V3.D2
	VLD1R.P	8(R19), [V9.D2]
	FSUB2D(11, 9, 8)
	VFMLA	V11.D2, V11.D2, V4.D2
	VLD1R.P	8(R20), [V10.D2]
	FSUB2D(12, 10, 8)
	VFMLA	V12.D2, V12.D2, V5.D2
	VLD1R.P	8(R23), [V9.D2]
	FSUB2D(11, 9, 8)
	VFMLA	V11.D2, V11.D2, V6.D2
	VLD1R.P	8(R24), [V10.D2]
	FSUB2D(12, 10, 8)
	VFMLA	V12.D2, V12.D2, V7.D2
	SUBS	$1, J, J
	BNE	coords

	// Rewind the point pointers to the start of their rows.
	SUB	ROWBYTES, R11, R11
	SUB	ROWBYTES, R12, R12
	SUB	ROWBYTES, R13, R13
	SUB	ROWBYTES, R14, R14
	SUB	ROWBYTES, R19, R19
	SUB	ROWBYTES, R20, R20
	SUB	ROWBYTES, R23, R23
	SUB	ROWBYTES, R24, R24

	// Keep, per lane, the smallest distance and its centroid index:
	// mask = bestD > acc, then bestD, bestI = acc, index where mask is set.
	VMOVQ	$0, $1, V8
	VDUP	INDEX, V9.D2
	VADD	V8.D2, V9.D2, V9.D2
	FCMGT2D(11, 16, 0)
	VBIT	V11.B16, V0.B16, V16.B16
	VBIT	V11.B16, V9.B16, V24.B16
	FCMGT2D(12, 17, 1)
	VBIT	V12.B16, V1.B16, V17.B16
	VBIT	V12.B16, V9.B16, V25.B16
	FCMGT2D(13, 18, 2)
	VBIT	V13.B16, V2.B16, V18.B16
	VBIT	V13.B16, V9.B16, V26.B16
	FCMGT2D(11, 19, 3)
	VBIT	V11.B16, V3.B16, V19.B16
	VBIT	V11.B16, V9.B16, V27.B16
	FCMGT2D(12, 20, 4)
	VBIT	V12.B16, V4.B16, V20.B16
	VBIT	V12.B16, V9.B16, V28.B16
	FCMGT2D(13, 21, 5)
	VBIT	V13.B16, V5.B16, V21.B16
	VBIT	V13.B16, V9.B16, V29.B16
	FCMGT2D(11, 22, 6)
	VBIT	V11.B16, V6.B16, V22.B16
	VBIT	V11.B16, V9.B16, V30.B16
	FCMGT2D(12, 23, 7)
	VBIT	V12.B16, V7.B16, V23.B16
	VBIT	V12.B16, V9.B16, V31.B16
	ADD	$2, INDEX, INDEX
	SUBS	$1, GLEFT, GLEFT
	BNE	centroids

	// Reduce the lanes: the minimum distance, then the lowest index that
	// has it. Lanes above the minimum take the index of all ones (VBIF) so
	// that the unsigned minimum skips them. Point p is stored only when
	// p < N.
	VMOVI	$255, V15.B16
	FMINP2D(8, 16)
	VDUP	V8.D[0], V9.D2
	FCMEQ2D(10, 16, 9)
	VBIF	V10.B16, V15.B16, V24.B16
	VMOV	V24.D[0], TMP
	VMOV	V24.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F8, 0(DISTS)
	MOVW	TMP, 0(LABELS)
	CMP	$1, N
	BLE	next
	FMINP2D(8, 17)
	VDUP	V8.D[0], V9.D2
	FCMEQ2D(10, 17, 9)
	VBIF	V10.B16, V15.B16, V25.B16
	VMOV	V25.D[0], TMP
	VMOV	V25.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F8, 8(DISTS)
	MOVW	TMP, 4(LABELS)
	CMP	$2, N
	BLE	next
	FMINP2D(8, 18)
	VDUP	V8.D[0], V9.D2
	FCMEQ2D(10, 18, 9)
	VBIF	V10.B16, V15.B16, V26.B16
	VMOV	V26.D[0], TMP
	VMOV	V26.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F8, 16(DISTS)
	MOVW	TMP, 8(LABELS)
	CMP	$3, N
	BLE	next
	FMINP2D(8, 19)
	VDUP	V8.D[0], V9.D2
	FCMEQ2D(10, 19, 9)
	VBIF	V10.B16, V15.B16, V27.B16
	VMOV	V27.D[0], TMP
	VMOV	V27.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F8, 24(DISTS)
	MOVW	TMP, 12(LABELS)
	CMP	$4, N
	BLE	next
	FMINP2D(8, 20)
	VDUP	V8.D[0], V9.D2
	FCMEQ2D(10, 20, 9)
	VBIF	V10.B16, V15.B16, V28.B16
	VMOV	V28.D[0], TMP
	VMOV	V28.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F8, 32(DISTS)
	MOVW	TMP, 16(LABELS)
	CMP	$5, N
	BLE	next
	FMINP2D(8, 21)
	VDUP	V8.D[0], V9.D2
	FCMEQ2D(10, 21, 9)
	VBIF	V10.B16, V15.B16, V29.B16
	VMOV	V29.D[0], TMP
	VMOV	V29.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F8, 40(DISTS)
	MOVW	TMP, 20(LABELS)
	CMP	$6, N
	BLE	next
	FMINP2D(8, 22)
	VDUP	V8.D[0], V9.D2
	FCMEQ2D(10, 22, 9)
	VBIF	V10.B16, V15.B16, V30.B16
	VMOV	V30.D[0], TMP
	VMOV	V30.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F8, 48(DISTS)
	MOVW	TMP, 24(LABELS)
	CMP	$7, N
	BLE	next
	FMINP2D(8, 23)
	VDUP	V8.D[0], V9.D2
	FCMEQ2D(10, 23, 9)
	VBIF	V10.B16, V15.B16, V31.B16
	VMOV	V31.D[0], TMP
	VMOV	V31.D[1], TMP2
	CMP	TMP2, TMP
	CSEL	HI, TMP2, TMP, TMP
	FMOVD	F8, 56(DISTS)
	MOVW	TMP, 28(LABELS)

next:
	ADD	$32, LABELS, LABELS
	ADD	$64, DISTS, DISTS
	ADD	ROWBYTES<<3, ROWS, ROWS
	SUBS	$8, N, N
	BGT	points

done:
	RET
