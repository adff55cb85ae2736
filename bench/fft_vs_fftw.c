/* Internal 2-D FFT vs FFTW: time of one forward N x N single-precision
 * complex transform, in place, one thread, FFTW planned with FFTW_MEASURE.
 * Runs of the two are interleaved and the best of each is kept (the least
 * disturbed by other work on the machine). One line per size:
 *
 *   fft_vs_fftw n=1024 internal_s=... fftw_s=... ratio=...
 *
 * ratio = internal / FFTW (lower is better). Before timing, both transforms
 * of the same input are compared; a mismatch aborts (exit 1).
 * Usage: fft_vs_fftw [n ...]   (default 256 1024 4096) */
#include "occbench/fft.h"
#include "occbench/rng.h"

#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

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

static int bench_size(size_t n)
{
    const size_t count = 2 * n * n;
    float *ours = fftwf_malloc(count * sizeof *ours);
    fftwf_complex *theirs = fftwf_malloc(n * n * sizeof *theirs);
    ob_fft2d *plan = ob_fft2d_plan(n, n);
    if (!ours || !theirs || !plan) {
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
    ob_fft2d_execute(plan, ours, OB_FFT_FORWARD);
    fftwf_execute(fplan);
    const double err = rel_l2(ours, (const float *)theirs, count);
    if (!(err < 1e-5)) {
        fprintf(stderr, "fft_vs_fftw: n=%zu: results differ, rel L2 %.3g\n", n, err);
        return 1;
    }
    double best_ours = INFINITY, best_theirs = INFINITY;
    for (int r = 0; r < repetitions(n); r++) {
        double t0 = now_seconds();
        ob_fft2d_execute(plan, ours, OB_FFT_FORWARD);
        double t1 = now_seconds();
        fftwf_execute(fplan);
        double t2 = now_seconds();
        best_ours = fmin(best_ours, t1 - t0);
        best_theirs = fmin(best_theirs, t2 - t1);
        /* Keep magnitudes bounded: transform back, untimed. */
        ob_fft2d_execute(plan, ours, OB_FFT_INVERSE);
        memcpy(theirs, ours, count * sizeof *ours);
    }
    printf("fft_vs_fftw n=%zu internal_s=%.6f fftw_s=%.6f ratio=%.3f\n", n, best_ours, best_theirs,
           best_ours / best_theirs);
    fflush(stdout);
    fftwf_destroy_plan(fplan);
    ob_fft2d_free(plan);
    fftwf_free(ours);
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
