/* Reads a 64 MiB array of float32 100 times with AVX-512 loads and prints
 * the mean and best rate, with no software prefetch and with PREFETCHT0
 * 8 KiB ahead. It shows how fast one core streams an array the size of
 * the 1,000,000 x 16 ridge benchmark's X. Build and run:
 *
 *     gcc -O2 -mavx512f scripts/scan.c -o /tmp/scan && /tmp/scan
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static void scan(const float *a, size_t n, size_t ahead, const char *name) {
	__m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
	double total = 0, best = 1e9;
	for (int pass = 0; pass < 100; pass++) {
		double t = seconds();
		for (size_t i = 0; i < n; i += 64) {
			if (ahead) {
				const char *p = (const char *)(a + i) + ahead;
				for (int line = 0; line < 4; line++)
					_mm_prefetch(p + 64 * line, _MM_HINT_T0);
			}
			s0 = _mm512_add_ps(s0, _mm512_load_ps(a + i));
			s1 = _mm512_add_ps(s1, _mm512_load_ps(a + i + 16));
			s2 = _mm512_add_ps(s2, _mm512_load_ps(a + i + 32));
			s3 = _mm512_add_ps(s3, _mm512_load_ps(a + i + 48));
		}
		t = seconds() - t;
		total += t;
		if (t < best)
			best = t;
	}
	float sum[16];
	_mm512_storeu_ps(sum, _mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
	printf("%-22s mean %5.1f GB/s, best %5.1f GB/s (checksum %g)\n", name,
	       n * 4.0 * 100 / total / 1e9, n * 4.0 / best / 1e9, sum[0]);
}

int main(void) {
	size_t n = (size_t)1 << 24;
	float *a = aligned_alloc(64, n * sizeof(float));
	for (size_t i = 0; i < n; i++)
		a[i] = 1;
	scan(a, n, 0, "no prefetch");
	scan(a, n, 8192, "prefetch 8 KiB ahead");
	free(a);
	return 0;
}
