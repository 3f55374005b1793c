/* A C model of ridgeWideAVX512F32, the fused ridge kernel for long rows,
 * timed beside a plain scan of the same array and beside the dot products
 * alone. It prints the mean and best rate at which each reads X over 20
 * rounds of 5 calls, the three taking turns. The model takes 4 rows at a
 * time, reads them column by column with two sums per row, and prefetches
 * every line of X 16 KiB ahead, spread over both loops. It skips the row
 * tails (dim must be a multiple of 32) and the rows after the last group.
 * Build and run, with n rows of dim columns (default 20000 768):
 *
 *     gcc -O3 -mavx512f -mfma scripts/ridgewide.c -o /tmp/ridgewide
 *     /tmp/ridgewide [n dim]
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AHEAD 16384
#define ROWS 4

typedef void kernel(const float *X, const float *y, const float *w, float b,
                    float *grad, int n, int dim, float *sums);

static double seconds(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void prefetch(const char **p, int lines) {
	for (int l = 0; l < lines; l++)
		_mm_prefetch(*p + 64 * l, _MM_HINT_T0);
	*p += 64 * lines;
}

static void fused(const float *X, const float *y, const float *w, float b,
                  float *grad, int n, int dim, float *sums) {
	float sumSq = 0, sum = 0;
	for (int i = 0; i + ROWS <= n; i += ROWS) {
		const float *x = X + (size_t)i * dim;
		const char *ahead = (const char *)x + AHEAD;
		__m512 acc[ROWS][2];
		for (int p = 0; p < ROWS; p++)
			acc[p][0] = acc[p][1] = _mm512_setzero_ps();
		for (int c = 0; c < dim; c += 32) {
			__m512 w0 = _mm512_loadu_ps(w + c), w1 = _mm512_loadu_ps(w + c + 16);
			prefetch(&ahead, 4);
			for (int p = 0; p < ROWS; p++) {
				acc[p][0] = _mm512_fmadd_ps(_mm512_loadu_ps(x + p * dim + c), w0, acc[p][0]);
				acc[p][1] = _mm512_fmadd_ps(_mm512_loadu_ps(x + p * dim + c + 16), w1, acc[p][1]);
			}
		}
		__m512 r[ROWS];
		for (int p = 0; p < ROWS; p++) {
			float res = _mm512_reduce_add_ps(_mm512_add_ps(acc[p][0], acc[p][1])) + b - y[i + p];
			sumSq += res * res;
			sum += res;
			r[p] = _mm512_set1_ps(res);
		}
		for (int c = 0; c < dim; c += 16) {
			__m512 g = _mm512_loadu_ps(grad + c);
			prefetch(&ahead, 2);
			for (int p = 0; p < ROWS; p++)
				g = _mm512_fmadd_ps(_mm512_loadu_ps(x + p * dim + c), r[p], g);
			_mm512_storeu_ps(grad + c, g);
		}
	}
	sums[0] = sumSq;
	sums[1] = sum;
}

static void dots(const float *X, const float *y, const float *w, float b,
                 float *grad, int n, int dim, float *sums) {
	float sumSq = 0;
	for (int i = 0; i < n; i++) {
		const float *x = X + (size_t)i * dim;
		__m512 a0 = _mm512_setzero_ps(), a1 = a0;
		for (int c = 0; c < dim; c += 32) {
			_mm_prefetch((const char *)(x + c) + AHEAD, _MM_HINT_T0);
			_mm_prefetch((const char *)(x + c) + AHEAD + 64, _MM_HINT_T0);
			a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + c), _mm512_loadu_ps(w + c), a0);
			a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + c + 16), _mm512_loadu_ps(w + c + 16), a1);
		}
		float res = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) + b - y[i];
		sumSq += res * res;
	}
	sums[0] = sumSq;
	sums[1] = 0;
}

static void scan(const float *X, const float *y, const float *w, float b,
                 float *grad, int n, int dim, float *sums) {
	__m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
	size_t count = (size_t)n * dim;
	for (size_t i = 0; i + 64 <= count; i += 64) {
		s0 = _mm512_add_ps(s0, _mm512_loadu_ps(X + i));
		s1 = _mm512_add_ps(s1, _mm512_loadu_ps(X + i + 16));
		s2 = _mm512_add_ps(s2, _mm512_loadu_ps(X + i + 32));
		s3 = _mm512_add_ps(s3, _mm512_loadu_ps(X + i + 48));
	}
	sums[0] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
	sums[1] = 0;
}

int main(int argc, char **argv) {
	int n = argc > 2 ? atoi(argv[1]) : 20000;
	int dim = argc > 2 ? atoi(argv[2]) : 768;
	if (n < ROWS || dim < 32 || dim % 32 != 0) {
		fprintf(stderr, "ridgewide: n must be at least 4 and dim a positive multiple of 32, got %d and %d\n", n, dim);
		return 2;
	}
	float *X = aligned_alloc(64, (size_t)n * dim * sizeof(float));
	float *y = malloc(n * sizeof(float));
	float *w = malloc(dim * sizeof(float));
	float *grad = malloc(dim * sizeof(float));
	if (!X || !y || !w || !grad) {
		fprintf(stderr, "ridgewide: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < (size_t)n * dim; i++)
		X[i] = (float)(i * 2654435761u % 1000) / 1000 - 0.5f;
	for (int i = 0; i < n; i++)
		y[i] = 0.1f * i;
	for (int j = 0; j < dim; j++)
		w[j] = 0.01f * j;

	struct {
		const char *name;
		kernel *fn;
		double total, best;
		float check;
	} runs[] = {{"plain scan", scan}, {"dot products", dots}, {"fused model", fused}};
	int count = sizeof runs / sizeof runs[0];
	double bytes = (double)n * dim * sizeof(float);
	float sums[2];
	for (int round = 0; round < 20; round++) {
		for (int k = 0; k < count; k++) {
			memset(grad, 0, dim * sizeof(float));
			double t = seconds();
			for (int call = 0; call < 5; call++)
				runs[k].fn(X, y, w, 0.5f, grad, n, dim, sums);
			double rate = bytes * 5 / (seconds() - t) / 1e9;
			runs[k].total += rate;
			runs[k].check = sums[0];
			if (rate > runs[k].best)
				runs[k].best = rate;
		}
	}
	for (int k = 0; k < count; k++)
		printf("%-13s mean %5.1f GB/s, best %5.1f GB/s (sum %g)\n",
		       runs[k].name, runs[k].total / 20, runs[k].best, runs[k].check);
	return 0;
}
