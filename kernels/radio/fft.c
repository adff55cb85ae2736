/* fft: the 2-D complex FFT stage of a radio imager (DDFacet / wgridder
 * facets) on the internal FFT of kernels/lib/fft2d.c, single precision.
 *
 * One repetition: copy the pristine input into the work grid ("copy"), then a
 * forward and an inverse 2-D transform, each as a pass over the rows
 * ("rows", contiguous) and one over the columns ("cols", strided: the part
 * that stresses caches and memory). Both phases are entered twice per
 * repetition. The copy makes every repetition start from the same data, so
 * round-trip errors do not accumulate over a long step.
 *
 * Figure: GFlop/s with the FFTW convention of 5 N^2 log2(N^2) flops per
 * N x N transform (two transforms per repetition).
 *
 * Checks: at setup, on the work grid itself (so the plan under test is the
 * one timed), a known answer for an impulse and for a plane wave; after every
 * repetition, the round trip inverse(forward(x)) against the input. */
#include "kernels/lib/fft2d.h"
#include "occbench/kernel.h"
#include "common/rng.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PHASE_COPY, PHASE_ROWS, PHASE_COLS, PHASE_COUNT };
static const char *const fft_phases[] = {
    [PHASE_COPY] = "copy", [PHASE_ROWS] = "rows", [PHASE_COLS] = "cols", [PHASE_COUNT] = NULL};
OB_PHASES_MATCH(fft_phases, PHASE_COUNT);

typedef struct fft_state {
    size_t n;
    float *input; /* 2*n*n, never modified after setup */
    float *work;  /* 2*n*n, transformed in place */
    ob_fft2d *plan;
} fft_state;

/* ci: a fraction of a millisecond; small: a 2048^2 grid; lsst: a 4096^2
 * grid (128 MiB), the power of two nearest a DDFacet facet grid of ~5000^2. */
static size_t grid_size(ob_preset preset)
{
    switch (preset) {
    case OB_PRESET_CI:
        return 256;
    case OB_PRESET_SMALL:
        return 2048;
    default:
        return 4096;
    }
}

static double log2_size(size_t n)
{
    return log2((double)n * (double)n);
}

/* Round-trip and known-answer bound: the error of a radix-4 FFT grows like
 * eps * sqrt(log2 N^2) (rms); eps * log2 N^2 keeps a margin of several times
 * the observed error while any real fault (a wrong twiddle, a lost batch)
 * gives errors of order one. */
static double tolerance(size_t n)
{
    return FLT_EPSILON * log2_size(n);
}

static int fft_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                    ob_plan *out, char *why, size_t why_len)
{
    (void)opts; /* no options, and no plan that can fail */
    (void)why;
    (void)why_len;
    (void)machine;
    const size_t n = grid_size(preset);
    const size_t grid_bytes = 2 * n * n * sizeof(float);
    memset(out, 0, sizeof *out);
    /* two grids + the plan's scratch (two batches of 16 columns) and twiddles */
    out->footprint_bytes = 2 * grid_bytes + 2 * n * 32 * sizeof(float) + 4 * n * sizeof(float);
    out->work_units = 2.0 * 5.0 * (double)n * (double)n * log2_size(n);
    out->work_unit = "flop";
    out->figure_name = "GFlop/s";
    out->figure_scale = 1e-9;
    out->figure_inverse = 0;
    snprintf(out->description, sizeof out->description,
             "%zu x %zu complex64 grid (%.1f MiB) + its input copy, forward + inverse 2-D FFT", n,
             n, (double)grid_bytes / 1048576.0);
    return OB_OK;
}

/* exp(sign * 2 pi i k / n) for integer k, reduced exactly first. */
static void unit_root(size_t k, size_t n, double sign, double *re, double *im)
{
    const double angle = sign * 2.0 * M_PI * (double)(k % n) / (double)n;
    *re = cos(angle);
    *im = sin(angle);
}

/* Relative L2 error of the work grid against expected(ky, kx) = a product
 * of a row factor and a column factor (both known answers are separable). */
static double separable_error(const float *z, size_t n, const double *col_factor,
                              const double *row_factor)
{
    double num = 0, den = 0;
    for (size_t ky = 0; ky < n; ky++)
        for (size_t kx = 0; kx < n; kx++) {
            const double ar = col_factor[2 * ky], ai = col_factor[2 * ky + 1];
            const double br = row_factor[2 * kx], bi = row_factor[2 * kx + 1];
            const double er = ar * br - ai * bi, ei = ar * bi + ai * br;
            const double dr = z[2 * (ky * n + kx)] - er, di = z[2 * (ky * n + kx) + 1] - ei;
            num += dr * dr + di * di;
            den += er * er + ei * ei;
        }
    return sqrt(num / den);
}

/* Impulse at (y0, x0) -> exp(-2 pi i (ky y0 + kx x0) / n). Plane wave
 * exp(+2 pi i (fy y + fx x) / n) -> n^2 at (fy, fx), zero elsewhere. */
static int known_answers(fft_state *s, ob_ctx *ctx)
{
    const size_t n = s->n, y0 = n / 3, x0 = (2 * n) / 5 + 1, fy = n / 8 + 3, fx = n - 5;
    double *col = calloc(2 * n, sizeof *col), *row = calloc(2 * n, sizeof *row);
    if (!col || !row) {
        free(col);
        free(row);
        ob_ctx_set_error(ctx, "fft: out of memory for the known-answer tables (n=%zu)", n);
        return OB_ERR;
    }
    memset(s->work, 0, 2 * n * n * sizeof *s->work);
    s->work[2 * (y0 * n + x0)] = 1.0f;
    ob_fft2d_execute(s->plan, s->work, OB_FFT_FORWARD);
    for (size_t k = 0; k < n; k++) {
        unit_root(k * y0, n, -1.0, &col[2 * k], &col[2 * k + 1]);
        unit_root(k * x0, n, -1.0, &row[2 * k], &row[2 * k + 1]);
    }
    const double impulse_err = separable_error(s->work, n, col, row);

    for (size_t k = 0; k < n; k++) {
        unit_root(k * fy, n, +1.0, &col[2 * k], &col[2 * k + 1]);
        unit_root(k * fx, n, +1.0, &row[2 * k], &row[2 * k + 1]);
    }
    for (size_t y = 0; y < n; y++)
        for (size_t x = 0; x < n; x++) {
            const double ar = col[2 * y], ai = col[2 * y + 1], br = row[2 * x], bi = row[2 * x + 1];
            s->work[2 * (y * n + x)] = (float)(ar * br - ai * bi);
            s->work[2 * (y * n + x) + 1] = (float)(ar * bi + ai * br);
        }
    ob_fft2d_execute(s->plan, s->work, OB_FFT_FORWARD);
    for (size_t k = 0; k < n; k++) { /* expected: n at fy times n at fx */
        col[2 * k] = k == fy ? (double)n : 0.0;
        row[2 * k] = k == fx ? (double)n : 0.0;
        col[2 * k + 1] = row[2 * k + 1] = 0.0;
    }
    const double wave_err = separable_error(s->work, n, col, row);
    free(col);
    free(row);
    const double tol = tolerance(n);
    if (!(impulse_err <= tol) || !(wave_err <= tol)) {
        ob_ctx_set_error(ctx,
                         "fft: known-answer check failed at n=%zu: impulse rel L2 %.3g, plane wave "
                         "rel L2 %.3g (limit %.3g)",
                         n, impulse_err, wave_err, tol);
        return OB_ERR;
    }
    return OB_OK;
}

static void fft_teardown(void *state)
{
    fft_state *s = state;
    if (!s)
        return;
    ob_fft2d_free(s->plan);
    free(s->input);
    free(s->work);
    free(s);
}

static int fft_setup(ob_ctx *ctx, void **state)
{
    const size_t n = grid_size(ob_ctx_preset(ctx));
    const size_t bytes = 2 * n * n * sizeof(float);
    fft_state *s = calloc(1, sizeof *s);
    if (!s) {
        ob_ctx_set_error(ctx, "fft: out of memory for the kernel state");
        return OB_ERR;
    }
    s->n = n;
    s->input = aligned_alloc(64, bytes);
    s->work = aligned_alloc(64, bytes);
    s->plan = ob_fft2d_plan(n, n);
    if (!s->input || !s->work || !s->plan) {
        ob_ctx_set_error(ctx, "fft: cannot allocate two %zu x %zu complex64 grids and a plan", n,
                         n);
        fft_teardown(s);
        return OB_ERR;
    }
    /* Random input, deterministic: the same grid on every rank and site. */
    ob_rng rng;
    ob_rng_seed(&rng, 0x0ff7c0de);
    for (size_t i = 0; i < 2 * n * n; i++)
        s->input[i] = (float)(2.0 * ob_rng_uniform(&rng) - 1.0);
    if (known_answers(s, ctx) != OB_OK) {
        fft_teardown(s);
        return OB_ERR;
    }
    memcpy(s->work, s->input, bytes);
    *state = s;
    return OB_OK;
}

static int fft_run(void *state, ob_ctx *ctx)
{
    fft_state *s = state;
    ob_phase_begin(ctx, PHASE_COPY);
    memcpy(s->work, s->input, 2 * s->n * s->n * sizeof *s->work);
    ob_phase_end(ctx, PHASE_COPY);
    static const ob_fft_dir dirs[2] = {OB_FFT_FORWARD, OB_FFT_INVERSE};
    for (int d = 0; d < 2; d++) {
        ob_phase_begin(ctx, PHASE_ROWS);
        ob_fft2d_execute_axis(s->plan, s->work, dirs[d], OB_FFT_ROWS);
        ob_phase_end(ctx, PHASE_ROWS);
        ob_phase_begin(ctx, PHASE_COLS);
        ob_fft2d_execute_axis(s->plan, s->work, dirs[d], OB_FFT_COLS);
        ob_phase_end(ctx, PHASE_COLS);
    }
    return OB_OK;
}

/* The last repetition's round trip against the input. */
static int fft_verify(void *state, char *why, size_t why_len)
{
    const fft_state *s = state;
    const size_t count = 2 * s->n * s->n;
    double num = 0, den = 0;
    for (size_t i = 0; i < count; i++) {
        const double d = (double)s->work[i] - (double)s->input[i];
        num += d * d;
        den += (double)s->input[i] * s->input[i];
    }
    const double err = sqrt(num / den), tol = tolerance(s->n);
    if (!(err <= tol)) {
        snprintf(why, why_len, "fft: round trip rel L2 error %.3g at n=%zu exceeds %.3g", err, s->n,
                 tol);
        return 1;
    }
    return 0;
}

/* For tests: the work grid, to corrupt it and see verify() fail. */
float *ob_kernel_fft_work_grid(void *state)
{
    return ((fft_state *)state)->work;
}

/* Test hook: one element of the round trip off by the input's whole norm. */
static void fft_corrupt(void *state)
{
    fft_state *s = state;
    double norm = 0;
    for (size_t i = 0; i < 2 * s->n * s->n; i++)
        norm += (double)s->input[i] * s->input[i];
    s->work[s->n] += (float)(sqrt(norm) + 1.0);
}

const ob_kernel ob_kernel_fft = {
    .name = "fft",
    .summary = "2-D complex64 FFT, forward + inverse (internal Stockham radix-4, as in DDFacet)",
    .phases = fft_phases,
    .plan = fft_plan,
    .setup = fft_setup,
    .run = fft_run,
    .verify = fft_verify,
    .teardown = fft_teardown,
    .corrupt = fft_corrupt,
};
