/* Internal 2-D FFT vs FFTW: time of one forward N x N single-precision
 * complex transform, in place, one thread, FFTW planned with FFTW_MEASURE.
 * Runs of the two are interleaved and the best of each is kept (the least
 * disturbed by other work on the machine). One line per size:
 *
 *   fft_vs_fftw n=1024 internal_s=... fftw_s=... ratio=...
 *
 * ratio = internal / FFTW (lower is better). Before timing, both transforms
 * of the same input are compared; a mismatch aborts (exit 1).
 *
 * The library runs its widest SIMD clone (AVX-512 where the CPU has it),
 * while a distribution's FFTW may stop at AVX. For a like-for-like figure a
 * second line per size times a copy of the internal FFT compiled for AVX2
 * only (bench/support/fft2d_avx2.c; x86-64 with GCC, when the CPU has AVX2):
 *
 *   fft_vs_fftw_avx2 n=1024 internal_s=... fftw_s=... ratio=...
 *
 * Usage: fft_vs_fftw [n ...]   (default 256 1024 4096) */
#include "kernels/lib/fft2d.h"
#include "common/rng.h"

#include "support/bench_util.h"

#include <fftw3.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The AVX2-only copy of the internal FFT (bench/support/fft2d_avx2.c): the
 * same source and the same IEEE operations as the library, so it must give
 * bit-identical results (checked below). */
#ifdef OB_HAVE_FFT_AVX2_COPY
#define HAVE_AVX2_COPY 1
struct ob_fft2d_avx2;
struct ob_fft2d_avx2 *ob_fft2d_avx2_plan(size_t ny, size_t nx);
void ob_fft2d_avx2_execute(const struct ob_fft2d_avx2 *plan, float *data, ob_fft_dir dir);
void ob_fft2d_avx2_free(struct ob_fft2d_avx2 *plan);
#else
#define HAVE_AVX2_COPY 0
#endif

static void fill_random(float *z, size_t count, uint64_t seed)
{
    ob_rng rng;
    ob_rng_seed(&rng, seed);
    for (size_t i = 0; i < count; i++)
        z[i] = (float)(2.0 * ob_rng_uniform(&rng) - 1.0);
}

static double rel_l2(const float *a, const float *b, size_t count)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < count; i++) {
        num += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        den += (double)b[i] * b[i];
    }
    return sqrt(num / den);
}

/* Enough repetitions for a stable best without a long run at 4096^2. */
static int repetitions(size_t n)
{
    if (n <= 256)
        return 30;
    if (n <= 1024)
        return 15;
    return 6;
}

static int have_avx2_copy(void)
{
#if HAVE_AVX2_COPY
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}

typedef struct timings {
    double ours, ours_avx2, theirs;
} timings;

static int bench_size(size_t n)
{
    const size_t count = 2 * n * n;
    const int avx2 = have_avx2_copy();
    float *ours = fftwf_malloc(count * sizeof *ours);
    float *copy = fftwf_malloc(count * sizeof *copy);
    fftwf_complex *theirs = fftwf_malloc(n * n * sizeof *theirs);
    ob_fft2d *plan = ob_fft2d_plan(n, n);
#if HAVE_AVX2_COPY
    struct ob_fft2d_avx2 *plan_avx2 = avx2 ? ob_fft2d_avx2_plan(n, n) : NULL;
    if (avx2 && !plan_avx2) {
        fprintf(stderr, "fft_vs_fftw: n=%zu: AVX2 plan failed\n", n);
        return 1;
    }
#endif
    if (!ours || !copy || !theirs || !plan) {
        fprintf(stderr, "fft_vs_fftw: n=%zu: allocation or plan failed\n", n);
        return 1;
    }
    fftwf_plan fplan =
        fftwf_plan_dft_2d((int)n, (int)n, theirs, theirs, FFTW_FORWARD, FFTW_MEASURE);
    if (!fplan) {
        fprintf(stderr, "fft_vs_fftw: n=%zu: FFTW planning failed\n", n);
        return 1;
    }
    /* Same input, same answer (FFTW is also unnormalised, exp(-i...)). */
    fill_random(ours, count, 42);
    memcpy(theirs, ours, count * sizeof *ours);
    memcpy(copy, ours, count * sizeof *ours);
    ob_fft2d_execute(plan, ours, OB_FFT_FORWARD);
    fftwf_execute(fplan);
    const double err = rel_l2(ours, (const float *)theirs, count);
    if (!(err < 1e-5)) {
        fprintf(stderr, "fft_vs_fftw: n=%zu: results differ, rel L2 %.3g\n", n, err);
        return 1;
    }
#if HAVE_AVX2_COPY
    if (avx2) {
        ob_fft2d_avx2_execute(plan_avx2, copy, OB_FFT_FORWARD);
        if (memcmp(copy, ours, count * sizeof *ours) != 0) {
            fprintf(stderr, "fft_vs_fftw: n=%zu: AVX2 copy differs from the library\n", n);
            return 1;
        }
    }
#endif
    /* Each timed transform follows an untimed pass over its own array (an
     * inverse or a copy), so all start equally warm; which of ours and
     * FFTW's goes first alternates, because measured back to back the second
     * of a pair ran up to 1.5x slower here, whichever it was. */
    timings best = {INFINITY, INFINITY, INFINITY};
    for (int r = 0; r < repetitions(n); r++) {
        ob_fft2d_execute(plan, ours, OB_FFT_INVERSE);
        memcpy(theirs, ours, count * sizeof *ours);
        for (int turn = 0; turn < 2; turn++) {
            const double t0 = bench_now();
            if ((turn + r) % 2 == 0) {
                ob_fft2d_execute(plan, ours, OB_FFT_FORWARD);
                best.ours = fmin(best.ours, bench_now() - t0);
            } else {
                fftwf_execute(fplan);
                best.theirs = fmin(best.theirs, bench_now() - t0);
            }
        }
#if HAVE_AVX2_COPY
        if (avx2) {
            ob_fft2d_avx2_execute(plan_avx2, copy, OB_FFT_INVERSE);
            const double t0 = bench_now();
            ob_fft2d_avx2_execute(plan_avx2, copy, OB_FFT_FORWARD);
            best.ours_avx2 = fmin(best.ours_avx2, bench_now() - t0);
        }
#endif
    }
    printf("fft_vs_fftw n=%zu internal_s=%.6f fftw_s=%.6f ratio=%.3f\n", n, best.ours, best.theirs,
           best.ours / best.theirs);
    if (avx2)
        printf("fft_vs_fftw_avx2 n=%zu internal_s=%.6f fftw_s=%.6f ratio=%.3f\n", n, best.ours_avx2,
               best.theirs, best.ours_avx2 / best.theirs);
    fflush(stdout);
    fftwf_destroy_plan(fplan);
    ob_fft2d_free(plan);
#if HAVE_AVX2_COPY
    ob_fft2d_avx2_free(plan_avx2);
#endif
    fftwf_free(ours);
    fftwf_free(copy);
    fftwf_free(theirs);
    return 0;
}

int main(int argc, char **argv)
{
    static const size_t default_sizes[] = {256, 1024, 4096};
    int status = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            char *end;
            unsigned long long n = strtoull(argv[i], &end, 10);
            if (*end || n < 1 || (n & (n - 1))) {
                fprintf(stderr, "fft_vs_fftw: size '%s' is not a power of two >= 1\n", argv[i]);
                return 2;
            }
            status |= bench_size((size_t)n);
        }
    } else {
        for (size_t i = 0; i < sizeof default_sizes / sizeof default_sizes[0]; i++)
            status |= bench_size(default_sizes[i]);
    }
    fftwf_cleanup();
    return status;
}
