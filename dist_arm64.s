//go:build !purego

#include "textflag.h"

// NEON (ASIMD) kernels for arm64, written by hand: nearest centroid first,
// then the fused ridge loss-and-gradient pass and the Gram matrix.
//
// Each nearest-centroid kernel compares a group of P points with a group of centroids at a
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

// The fused ridge kernels make one pass over a block of rows of X, P = 4
// rows at a time. For each group, two loops over the columns run while the
// 4 rows sit in the L1 cache:
//
//	for c := range dim/L {                    // L lanes per vector
//		acc[p] += X[p][c] * w[c]              // p = 0…3, FMLA
//	}
//	r := hsum(acc) + b − y[0:4]               // FADDP, 4 residuals at once
//	sumSq += r * r; sum += r
//	for c := range dim/L {
//		grad[c] += r[0]*X[0][c] + … + r[3]*X[3][c]
//	}
//
// The last dim%L columns are taken one at a time: the dot products gather
// column j of the 4 rows into the lanes of one vector, and the gradient uses
// scalar FMADD. When fewer than 4 rows remain, the missing rows repeat the
// last row, so every read stays inside X and y, and their residuals are
// cleared with a lane mask before they reach any sum.
//
// Registers of the float32 kernel (L = 4):
//
//	V0-V3    acc[p], the dot products
//	V4       w[c]
//	V5-V8    X[p][c]
//	V16, V17 sumSq and sum, one lane per row of the group
//	V18      b in every lane
//	V19      the mask of the rows that exist
//	V20      r[0:4]
//	V21-V24  r[p] in every lane
//	V25      y[0:4]
//	V26      grad[c]
//
// The float64 kernel (L = 2) holds r, y and the mask in two vectors each:
// rows 0-1 in V20, V25 and V10, rows 2-3 in V27, V28 and V11.
//
// The dot-product loop issues 1 LD1 of w + 4 LD1 of X + 4 FMLA + SUBS +
// BNE = 11 instructions per 4 FMLA (16 multiply-add lanes in float32, 8 in
// float64), and the gradient loop 1 LD1 + 4 LD1 + 4 FMLA + 1 ST1 + SUBS +
// BNE = 12. X is read twice, but the second read hits the L1 cache.

// The masks of the rows that exist: at byte offset 4·(4−m) (float32) or
// 8·(4−m) (float64), the next 4 lanes hold m lanes of ones, then zeros.
DATA ridgemask32<>+0(SB)/8, $0xffffffffffffffff
DATA ridgemask32<>+8(SB)/8, $0xffffffffffffffff
DATA ridgemask32<>+16(SB)/8, $0
DATA ridgemask32<>+24(SB)/8, $0
GLOBL ridgemask32<>(SB), RODATA|NOPTR, $32

DATA ridgemask64<>+0(SB)/8, $0xffffffffffffffff
DATA ridgemask64<>+8(SB)/8, $0xffffffffffffffff
DATA ridgemask64<>+16(SB)/8, $0xffffffffffffffff
DATA ridgemask64<>+24(SB)/8, $0xffffffffffffffff
DATA ridgemask64<>+32(SB)/8, $0
DATA ridgemask64<>+40(SB)/8, $0
DATA ridgemask64<>+48(SB)/8, $0
DATA ridgemask64<>+56(SB)/8, $0
GLOBL ridgemask64<>(SB), RODATA|NOPTR, $64

#define FADD4S(d, n, m) WORD $(0x4e20d400 | ((m)<<16) | ((n)<<5) | (d))
#define FADD2D(d, n, m) WORD $(0x4e60d400 | ((m)<<16) | ((n)<<5) | (d))

// FADDP Vd, Vn, Vm: pairwise sums, the pairs of Vn in the low lanes of Vd
// and those of Vm in the high lanes.
#define FADDP4S(d, n, m) WORD $(0x6e20d400 | ((m)<<16) | ((n)<<5) | (d))
#define FADDP2D(d, n, m) WORD $(0x6e60d400 | ((m)<<16) | ((n)<<5) | (d))

// FADDP Sd, Vn.2S and FADDP Dd, Vn.2D: the sum of the two low lanes of Vn.
#define FADDPS(d, n) WORD $(0x7e30d800 | ((n)<<5) | (d))
#define FADDPD(d, n) WORD $(0x7e70d800 | ((n)<<5) | (d))

// FMLA Vd.2D, Vn.2D, Vm.D[i]: Vd += Vn · (lane i of Vm).
#define FMLAD2E(d, n, m, i) WORD $(0x4fc01000 | ((i)<<11) | ((m)<<16) | ((n)<<5) | (d))

#define RGRAD R0      // &grad[0]
#define RROWS R1      // &X[i·dim] for the group's first row i
#define RY R2         // &y[i]
#define RN R3         // rows left, counting the group's
#define RW R4         // &w[0]
#define RDIM R5       // dim
#define RROWBYTES R6  // dim · element size
#define RVECS R7      // dim / L
#define RTAIL R8      // dim % L
#define RWC R13       // the next w vector
#define RGC R14       // the next grad vector
#define RCOUNT R15
#define RTMP R19
#define RTMP2 R20
#define RMASK R21
// R9-R12 point at the current column of rows 0-3 of the group.

// func ridgeNEONF32(grad, X, y, w []float32, b float32) (sumSq, sum float32)
TEXT ·ridgeNEONF32(SB), NOSPLIT|NOFRAME, $0-112
	MOVD	grad_base+0(FP), RGRAD
	MOVD	X_base+24(FP), RROWS
	MOVD	y_base+48(FP), RY
	MOVD	y_len+56(FP), RN
	MOVD	w_base+72(FP), RW
	MOVD	w_len+80(FP), RDIM
	FMOVS	b+96(FP), F18
	VDUP	V18.S[0], V18.S4
	LSL	$2, RDIM, RROWBYTES
	LSR	$2, RDIM, RVECS
	AND	$3, RDIM, RTAIL
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	CBZ	RN, ridge32done

ridge32group:
	// Row p of the group is row p, or the last row when fewer than 4 rows
	// remain; y[p] likewise.
	MOVD	RROWS, R9
	MOVD	RY, RTMP
	VLD1	(RTMP), V25.S[0]
	ADD	RROWBYTES, R9, RTMP2
	CMP	$1, RN
	CSEL	GT, RTMP2, R9, R10
	ADD	$4, RTMP, RTMP2
	CSEL	GT, RTMP2, RTMP, RTMP
	VLD1	(RTMP), V25.S[1]
	ADD	RROWBYTES, R10, RTMP2
	CMP	$2, RN
	CSEL	GT, RTMP2, R10, R11
	ADD	$4, RTMP, RTMP2
	CSEL	GT, RTMP2, RTMP, RTMP
	VLD1	(RTMP), V25.S[2]
	ADD	RROWBYTES, R11, RTMP2
	CMP	$3, RN
	CSEL	GT, RTMP2, R11, R12
	ADD	$4, RTMP, RTMP2
	CSEL	GT, RTMP2, RTMP, RTMP
	VLD1	(RTMP), V25.S[3]

	// mask = the first min(RN, 4) lanes.
	MOVD	$4, RTMP
	CMP	$4, RN
	CSEL	LT, RN, RTMP, RTMP2
	SUB	RTMP2, RTMP, RTMP
	MOVD	$ridgemask32<>(SB), RMASK
	ADD	RTMP<<2, RMASK, RMASK
	VLD1	(RMASK), [V19.S4]

	// acc[p] = Σ_c X[p][c] · w[c] over the whole vectors.
	VEOR	V0.B16, V0.B16, V0.B16
	VEOR	V1.B16, V1.B16, V1.B16
	VEOR	V2.B16, V2.B16, V2.B16
	VEOR	V3.B16, V3.B16, V3.B16
	MOVD	RW, RWC
	CBZ	RVECS, ridge32dotdone
	MOVD	RVECS, RCOUNT

ridge32dot:
	VLD1.P	16(RWC), [V4.S4]
	VLD1.P	16(R9), [V5.S4]
	VLD1.P	16(R10), [V6.S4]
	VLD1.P	16(R11), [V7.S4]
	VLD1.P	16(R12), [V8.S4]
	VFMLA	V4.S4, V5.S4, V0.S4
	VFMLA	V4.S4, V6.S4, V1.S4
	VFMLA	V4.S4, V7.S4, V2.S4
	VFMLA	V4.S4, V8.S4, V3.S4
	SUBS	$1, RCOUNT, RCOUNT
	BNE	ridge32dot

ridge32dotdone:
	// V20 = [hsum(acc[0]), …, hsum(acc[3])].
	FADDP4S(5, 0, 1)
	FADDP4S(6, 2, 3)
	FADDP4S(20, 5, 6)

	// The last dim%4 columns: gather column j of the 4 rows into V5.
	CBZ	RTAIL, ridge32residual
	MOVD	RTAIL, RCOUNT

ridge32dottail:
	VLD1R.P	4(RWC), [V4.S4]
	VLD1.P	4(R9), V5.S[0]
	VLD1.P	4(R10), V5.S[1]
	VLD1.P	4(R11), V5.S[2]
	VLD1.P	4(R12), V5.S[3]
	VFMLA	V4.S4, V5.S4, V20.S4
	SUBS	$1, RCOUNT, RCOUNT
	BNE	ridge32dottail

ridge32residual:
	// r = (acc + b − y) masked to the rows that exist; sumSq += r², sum += r.
	FADD4S(20, 20, 18)
	FSUB4S(20, 20, 25)
	VAND	V19.B16, V20.B16, V20.B16
	VFMLA	V20.S4, V20.S4, V16.S4
	FADD4S(17, 17, 20)
	VDUP	V20.S[0], V21.S4
	VDUP	V20.S[1], V22.S4
	VDUP	V20.S[2], V23.S4
	VDUP	V20.S[3], V24.S4

	// grad[c] += Σ_p r[p] · X[p][c], from the start of the rows again.
	SUB	RROWBYTES, R9, R9
	SUB	RROWBYTES, R10, R10
	SUB	RROWBYTES, R11, R11
	SUB	RROWBYTES, R12, R12
	MOVD	RGRAD, RGC
	CBZ	RVECS, ridge32gradtail
	MOVD	RVECS, RCOUNT

ridge32grad:
	VLD1	(RGC), [V26.S4]
	VLD1.P	16(R9), [V5.S4]
	VLD1.P	16(R10), [V6.S4]
	VLD1.P	16(R11), [V7.S4]
	VLD1.P	16(R12), [V8.S4]
	VFMLA	V21.S4, V5.S4, V26.S4
	VFMLA	V22.S4, V6.S4, V26.S4
	VFMLA	V23.S4, V7.S4, V26.S4
	VFMLA	V24.S4, V8.S4, V26.S4
	VST1.P	[V26.S4], 16(RGC)
	SUBS	$1, RCOUNT, RCOUNT
	BNE	ridge32grad

ridge32gradtail:
	// The last dim%4 columns, one scalar at a time: F21-F24 hold r[p].
	CBZ	RTAIL, ridge32next
	MOVD	RTAIL, RCOUNT

ridge32gradcol:
	FMOVS	(RGC), F26
	FMOVS.P	4(R9), F5
	FMOVS.P	4(R10), F6
	FMOVS.P	4(R11), F7
	FMOVS.P	4(R12), F8
	FMADDS	F21, F26, F5, F26
	FMADDS	F22, F26, F6, F26
	FMADDS	F23, F26, F7, F26
	FMADDS	F24, F26, F8, F26
	FMOVS.P	F26, 4(RGC)
	SUBS	$1, RCOUNT, RCOUNT
	BNE	ridge32gradcol

ridge32next:
	ADD	RROWBYTES<<2, RROWS, RROWS
	ADD	$16, RY, RY
	SUBS	$4, RN, RN
	BGT	ridge32group

ridge32done:
	FADDP4S(16, 16, 16)
	FADDPS(16, 16)
	FADDP4S(17, 17, 17)
	FADDPS(17, 17)
	FMOVS	F16, sumSq+104(FP)
	FMOVS	F17, sum+108(FP)
	RET

// func ridgeNEONF64(grad, X, y, w []float64, b float64) (sumSq, sum float64)
TEXT ·ridgeNEONF64(SB), NOSPLIT|NOFRAME, $0-120
	MOVD	grad_base+0(FP), RGRAD
	MOVD	X_base+24(FP), RROWS
	MOVD	y_base+48(FP), RY
	MOVD	y_len+56(FP), RN
	MOVD	w_base+72(FP), RW
	MOVD	w_len+80(FP), RDIM
	FMOVD	b+96(FP), F18
	VDUP	V18.D[0], V18.D2
	LSL	$3, RDIM, RROWBYTES
	LSR	$1, RDIM, RVECS
	AND	$1, RDIM, RTAIL
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	CBZ	RN, ridge64done

ridge64group:
	// Row p of the group is row p, or the last row when fewer than 4 rows
	// remain; y[p] likewise.
	MOVD	RROWS, R9
	MOVD	RY, RTMP
	VLD1	(RTMP), V25.D[0]
	ADD	RROWBYTES, R9, RTMP2
	CMP	$1, RN
	CSEL	GT, RTMP2, R9, R10
	ADD	$8, RTMP, RTMP2
	CSEL	GT, RTMP2, RTMP, RTMP
	VLD1	(RTMP), V25.D[1]
	ADD	RROWBYTES, R10, RTMP2
	CMP	$2, RN
	CSEL	GT, RTMP2, R10, R11
	ADD	$8, RTMP, RTMP2
	CSEL	GT, RTMP2, RTMP, RTMP
	VLD1	(RTMP), V28.D[0]
	ADD	RROWBYTES, R11, RTMP2
	CMP	$3, RN
	CSEL	GT, RTMP2, R11, R12
	ADD	$8, RTMP, RTMP2
	CSEL	GT, RTMP2, RTMP, RTMP
	VLD1	(RTMP), V28.D[1]

	// V10, V11 = the mask of the first min(RN, 4) rows.
	MOVD	$4, RTMP
	CMP	$4, RN
	CSEL	LT, RN, RTMP, RTMP2
	SUB	RTMP2, RTMP, RTMP
	MOVD	$ridgemask64<>(SB), RMASK
	ADD	RTMP<<3, RMASK, RMASK
	VLD1	(RMASK), [V10.D2, V11.D2]

	// acc[p] = Σ_c X[p][c] · w[c] over the whole vectors.
	VEOR	V0.B16, V0.B16, V0.B16
	VEOR	V1.B16, V1.B16, V1.B16
	VEOR	V2.B16, V2.B16, V2.B16
	VEOR	V3.B16, V3.B16, V3.B16
	MOVD	RW, RWC
	CBZ	RVECS, ridge64dotdone
	MOVD	RVECS, RCOUNT

ridge64dot:
	VLD1.P	16(RWC), [V4.D2]
	VLD1.P	16(R9), [V5.D2]
	VLD1.P	16(R10), [V6.D2]
	VLD1.P	16(R11), [V7.D2]
	VLD1.P	16(R12), [V8.D2]
	VFMLA	V4.D2, V5.D2, V0.D2
	VFMLA	V4.D2, V6.D2, V1.D2
	VFMLA	V4.D2, V7.D2, V2.D2
	VFMLA	V4.D2, V8.D2, V3.D2
	SUBS	$1, RCOUNT, RCOUNT
	BNE	ridge64dot

ridge64dotdone:
	// V20 = [hsum(acc[0]), hsum(acc[1])], V27 = the same for rows 2 and 3.
	FADDP2D(20, 0, 1)
	FADDP2D(27, 2, 3)

	// The last column when dim is odd: gather it from the 4 rows into V5
	// and V6.
	CBZ	RTAIL, ridge64residual
	MOVD	RTAIL, RCOUNT

ridge64dottail:
	VLD1R.P	8(RWC), [V4.D2]
	VLD1.P	8(R9), V5.D[0]
	VLD1.P	8(R10), V5.D[1]
	VLD1.P	8(R11), V6.D[0]
	VLD1.P	8(R12), V6.D[1]
	VFMLA	V4.D2, V5.D2, V20.D2
	VFMLA	V4.D2, V6.D2, V27.D2
	SUBS	$1, RCOUNT, RCOUNT
	BNE	ridge64dottail

ridge64residual:
	// r = (acc + b − y) masked to the rows that exist; sumSq += r², sum += r.
	FADD2D(20, 20, 18)
	FADD2D(27, 27, 18)
	FSUB2D(20, 20, 25)
	FSUB2D(27, 27, 28)
	VAND	V10.B16, V20.B16, V20.B16
	VAND	V11.B16, V27.B16, V27.B16
	VFMLA	V20.D2, V20.D2, V16.D2
	VFMLA	V27.D2, V27.D2, V16.D2
	FADD2D(17, 17, 20)
	FADD2D(17, 17, 27)
	VDUP	V20.D[0], V21.D2
	VDUP	V20.D[1], V22.D2
	VDUP	V27.D[0], V23.D2
	VDUP	V27.D[1], V24.D2

	// grad[c] += Σ_p r[p] · X[p][c], from the start of the rows again.
	SUB	RROWBYTES, R9, R9
	SUB	RROWBYTES, R10, R10
	SUB	RROWBYTES, R11, R11
	SUB	RROWBYTES, R12, R12
	MOVD	RGRAD, RGC
	CBZ	RVECS, ridge64gradtail
	MOVD	RVECS, RCOUNT

ridge64grad:
	VLD1	(RGC), [V26.D2]
	VLD1.P	16(R9), [V5.D2]
	VLD1.P	16(R10), [V6.D2]
	VLD1.P	16(R11), [V7.D2]
	VLD1.P	16(R12), [V8.D2]
	VFMLA	V21.D2, V5.D2, V26.D2
	VFMLA	V22.D2, V6.D2, V26.D2
	VFMLA	V23.D2, V7.D2, V26.D2
	VFMLA	V24.D2, V8.D2, V26.D2
	VST1.P	[V26.D2], 16(RGC)
	SUBS	$1, RCOUNT, RCOUNT
	BNE	ridge64grad

ridge64gradtail:
	// The last column when dim is odd: F21-F24 hold r[p].
	CBZ	RTAIL, ridge64next
	MOVD	RTAIL, RCOUNT

ridge64gradcol:
	FMOVD	(RGC), F26
	FMOVD.P	8(R9), F5
	FMOVD.P	8(R10), F6
	FMOVD.P	8(R11), F7
	FMOVD.P	8(R12), F8
	FMADDD	F21, F26, F5, F26
	FMADDD	F22, F26, F6, F26
	FMADDD	F23, F26, F7, F26
	FMADDD	F24, F26, F8, F26
	FMOVD.P	F26, 8(RGC)
	SUBS	$1, RCOUNT, RCOUNT
	BNE	ridge64gradcol

ridge64next:
	ADD	RROWBYTES<<2, RROWS, RROWS
	ADD	$32, RY, RY
	SUBS	$4, RN, RN
	BGT	ridge64group

ridge64done:
	FADDPD(16, 16)
	FADDPD(17, 17)
	FMOVD	F16, sumSq+104(FP)
	FMOVD	F17, sum+112(FP)
	RET

// The Gram kernel adds ZᵀZ to the upper triangle of G (ds×ds), for Z
// holding rows of stride values of which the first ds count. It computes
// one tile of 4 rows × 8 columns of G at a time, running down all rows of
// Z for each tile:
//
//	zi := Z[r][i0 : i0+4]                  // 1 LD1 of 2 registers
//	zj := Z[r][j0 : j0+8]                  // 1 LD1 of 4 registers
//	acc[a][b] += zj[b] · zi[a]             // 16 FMLA by element
//
// and then adds the 16 accumulators into G. Registers: V0-V15 acc[a][b] in
// V(4a+b), V16-V17 zi, V18-V21 zj. The loop issues 2 LD1 + 16 FMLA + SUBS +
// BNE = 20 instructions for 16 FMLA (32 multiply-add lanes). Tiles start at
// column j0 = i0 rounded down to a multiple of 8, so some tiles also add to
// entries below the diagonal, which the caller ignores.

#define GG R0      // &G[0]
#define GZ R1      // &Z[0]
#define GROWS R2   // rows of Z
#define GDS R3     // ds
#define GSTRIDE R4 // ds · 8, the bytes of one row of G
#define GZSTRIDE R11 // stride · 8, the bytes of one row of Z
#define GI R5      // i0, the first row of the tile
#define GJ R6      // j0, the first column of the tile
#define GZI R7     // &Z[r][i0]
#define GZJ R8     // &Z[r][j0]
#define GCOUNT R9  // rows of Z left
#define GOUT R10   // &G[i0+a][j0]

// func gramNEON(G, Z []float64, ds, stride int)
TEXT ·gramNEON(SB), NOSPLIT|NOFRAME, $0-64
	MOVD	G_base+0(FP), GG
	MOVD	Z_base+24(FP), GZ
	MOVD	Z_len+32(FP), GROWS
	MOVD	ds+48(FP), GDS
	MOVD	stride+56(FP), GZSTRIDE
	CBZ	GDS, gramdone
	UDIV	GZSTRIDE, GROWS, GROWS
	CBZ	GROWS, gramdone
	LSL	$3, GDS, GSTRIDE
	LSL	$3, GZSTRIDE, GZSTRIDE
	MOVD	ZR, GI

gramrowblock:
	BIC	$7, GI, GJ

gramtile:
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
	ADD	GI<<3, GZ, GZI
	ADD	GJ<<3, GZ, GZJ
	MOVD	GROWS, GCOUNT

gramrows:
	VLD1.P	(GZI)(GZSTRIDE), [V16.D2, V17.D2]
	VLD1.P	(GZJ)(GZSTRIDE), [V18.D2, V19.D2, V20.D2, V21.D2]
	FMLAD2E(0, 18, 16, 0)
	FMLAD2E(1, 19, 16, 0)
	FMLAD2E(2, 20, 16, 0)
	FMLAD2E(3, 21, 16, 0)
	FMLAD2E(4, 18, 16, 1)
	FMLAD2E(5, 19, 16, 1)
	FMLAD2E(6, 20, 16, 1)
	FMLAD2E(7, 21, 16, 1)
	FMLAD2E(8, 18, 17, 0)
	FMLAD2E(9, 19, 17, 0)
	FMLAD2E(10, 20, 17, 0)
	FMLAD2E(11, 21, 17, 0)
	FMLAD2E(12, 18, 17, 1)
	FMLAD2E(13, 19, 17, 1)
	FMLAD2E(14, 20, 17, 1)
	FMLAD2E(15, 21, 17, 1)
	SUBS	$1, GCOUNT, GCOUNT
	BNE	gramrows

	// G[i0+a][j0 : j0+8] += acc[a][0:4].
	MUL	GI, GDS, GOUT
	ADD	GJ, GOUT, GOUT
	ADD	GOUT<<3, GG, GOUT
	VLD1	(GOUT), [V16.D2, V17.D2, V18.D2, V19.D2]
	FADD2D(16, 16, 0)
	FADD2D(17, 17, 1)
	FADD2D(18, 18, 2)
	FADD2D(19, 19, 3)
	VST1	[V16.D2, V17.D2, V18.D2, V19.D2], (GOUT)
	ADD	GSTRIDE, GOUT, GOUT
	VLD1	(GOUT), [V16.D2, V17.D2, V18.D2, V19.D2]
	FADD2D(16, 16, 4)
	FADD2D(17, 17, 5)
	FADD2D(18, 18, 6)
	FADD2D(19, 19, 7)
	VST1	[V16.D2, V17.D2, V18.D2, V19.D2], (GOUT)
	ADD	GSTRIDE, GOUT, GOUT
	VLD1	(GOUT), [V16.D2, V17.D2, V18.D2, V19.D2]
	FADD2D(16, 16, 8)
	FADD2D(17, 17, 9)
	FADD2D(18, 18, 10)
	FADD2D(19, 19, 11)
	VST1	[V16.D2, V17.D2, V18.D2, V19.D2], (GOUT)
	ADD	GSTRIDE, GOUT, GOUT
	VLD1	(GOUT), [V16.D2, V17.D2, V18.D2, V19.D2]
	FADD2D(16, 16, 12)
	FADD2D(17, 17, 13)
	FADD2D(18, 18, 14)
	FADD2D(19, 19, 15)
	VST1	[V16.D2, V17.D2, V18.D2, V19.D2], (GOUT)

	ADD	$8, GJ, GJ
	CMP	GDS, GJ
	BLT	gramtile
	ADD	$4, GI, GI
	CMP	GDS, GI
	BLT	gramrowblock

gramdone:
	RET
