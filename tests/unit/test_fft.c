/* The internal 2-D FFT (kernels/lib/fft2d.c) against a direct DFT
 * computed here in double precision, plus the algebraic properties every
 * DFT has (round trip, linearity, Parseval) and the plan's argument checks. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/lib/fft2d.h"
#include "occbench/kernel.h"
#include "common/rng.h"

/* A second copy of the FFT compiled into this test, without the target
 * clones (so: the baseline ISA at this file's -O2) and under other names.
 * The library picks its widest clone at run time (AVX-512 or AVX2 where the
 * CPU has them); the two must agree bit for bit, or results would differ
 * between sites. */
#define OB_FFT_NO_CLONES
#define ob_fft2d ob_fft2d_ref
#define ob_fft2d_d ob_fft2d_d_ref
#include "../../kernels/lib/fft2d.c"
#undef ob_fft2d
#undef ob_fft2d_d

typedef struct shape {
    size_t ny, nx;
} shape;

/* Square, non-square, degenerate, and sizes on both sides of the SIMD batch
 * width (16 float / 8 double lanes), odd and even log2 (radix-2 + radix-4). */
static const shape shapes[] = {{1, 1},   {1, 2},   {2, 1},   {2, 2},    {4, 4},    {8, 8},
                               {16, 16}, {32, 32}, {64, 64}, {128, 32}, {32, 128}, {1, 64},
                               {64, 1},  {8, 256}, {256, 8}, {2, 512},  {512, 4}};
#define NSHAPES (sizeof shapes / sizeof shapes[0])

static void random_complex(double *z, size_t n, uint64_t seed)
{
    ob_rng rng;
    ob_rng_seed(&rng, seed);
    for (size_t i = 0; i < 2 * n; i++)
        z[i] = 2.0 * ob_rng_uniform(&rng) - 1.0;
}

/* Direct 1-D DFT of `n` values spaced `stride` complex apart, in place,
 * sign -1 forward / +1 inverse (unnormalised), exact integer phase reduction. */
static void dft_1d(double *z, size_t n, size_t stride, int sign)
{
    double *out = malloc(2 * n * sizeof *out);
    assert_non_null(out);
    for (size_t k = 0; k < n; k++) {
        long double re = 0, im = 0;
        for (size_t j = 0; j < n; j++) {
            const long double angle = sign * 2.0L * 3.141592653589793238462643383279L *
                                      (long double)((k * j) % n) / (long double)n;
            const long double c = cosl(angle), s = sinl(angle);
            const double xr = z[2 * j * stride], xi = z[2 * j * stride + 1];
            re += xr * c - xi * s;
            im += xr * s + xi * c;
        }
        out[2 * k] = (double)re;
        out[2 * k + 1] = (double)im;
    }
    for (size_t k = 0; k < n; k++) {
        z[2 * k * stride] = out[2 * k];
        z[2 * k * stride + 1] = out[2 * k + 1];
    }
    free(out);
}

/* The 2-D DFT is by definition the 1-D DFT of every row, then of every column. */
static void dft_2d(double *z, size_t ny, size_t nx, int sign)
{
    for (size_t r = 0; r < ny; r++)
        dft_1d(z + 2 * r * nx, nx, 1, sign);
    for (size_t c = 0; c < nx; c++)
        dft_1d(z + 2 * c, ny, nx, sign);
    if (sign > 0)
        for (size_t i = 0; i < 2 * ny * nx; i++)
            z[i] /= (double)(ny * nx);
}

/* sqrt(sum |a-b|^2 / max(sum |a|^2, sum |b|^2)), the relative L2 error. */
static double rel_l2_fd(const float *a, const double *b, size_t n)
{
    double num = 0, da = 0, db = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        num += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        da += (double)a[i] * a[i];
        db += b[i] * b[i];
    }
    const double den = da > db ? da : db;
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

static double rel_l2_dd(const double *a, const double *b, size_t n)
{
    double num = 0, da = 0, db = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        num += (a[i] - b[i]) * (a[i] - b[i]);
        da += a[i] * a[i];
        db += b[i] * b[i];
    }
    const double den = da > db ? da : db;
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* Error bound: a radix-4 FFT's rms error grows like eps * sqrt(log2 N); a
 * linear-in-log2 bound with a small constant is still far below any real bug
 * (a wrong twiddle gives errors of order 1). */
static double bound(double eps, size_t ny, size_t nx)
{
    return 2.0 * eps * (1.0 + log2((double)(ny * nx)));
}

static void check_float_against_dft(ob_fft_dir dir)
{
    for (size_t s = 0; s < NSHAPES; s++) {
        const size_t ny = shapes[s].ny, nx = shapes[s].nx, n = ny * nx;
        double *ref = malloc(2 * n * sizeof *ref);
        float *got = malloc(2 * n * sizeof *got);
        assert_non_null(ref);
        assert_non_null(got);
        random_complex(ref, n, 100 + s);
        for (size_t i = 0; i < 2 * n; i++) {
            ref[i] = (float)ref[i]; /* the input both sides see */
            got[i] = (float)ref[i];
        }
        ob_fft2d *plan = ob_fft2d_plan(ny, nx);
        assert_non_null(plan);
        ob_fft2d_execute(plan, got, dir);
        dft_2d(ref, ny, nx, dir == OB_FFT_FORWARD ? -1 : 1);
        const double err = rel_l2_fd(got, ref, n);
        if (err > bound(FLT_EPSILON, ny, nx))
            fail_msg("float %s %zux%zu: rel L2 error %.3g > %.3g",
                     dir == OB_FFT_FORWARD ? "forward" : "inverse", ny, nx, err,
                     bound(FLT_EPSILON, ny, nx));
        ob_fft2d_free(plan);
        free(ref);
        free(got);
    }
}

static void check_double_against_dft(ob_fft_dir dir)
{
    for (size_t s = 0; s < NSHAPES; s++) {
        const size_t ny = shapes[s].ny, nx = shapes[s].nx, n = ny * nx;
        double *ref = malloc(2 * n * sizeof *ref);
        double *got = malloc(2 * n * sizeof *got);
        assert_non_null(ref);
        assert_non_null(got);
        random_complex(ref, n, 200 + s);
        memcpy(got, ref, 2 * n * sizeof *got);
        ob_fft2d_d *plan = ob_fft2d_d_plan(ny, nx);
        assert_non_null(plan);
        ob_fft2d_d_execute(plan, got, dir);
        dft_2d(ref, ny, nx, dir == OB_FFT_FORWARD ? -1 : 1);
        const double err = rel_l2_dd(got, ref, n);
        if (err > bound(DBL_EPSILON, ny, nx))
            fail_msg("double %s %zux%zu: rel L2 error %.3g > %.3g",
                     dir == OB_FFT_FORWARD ? "forward" : "inverse", ny, nx, err,
                     bound(DBL_EPSILON, ny, nx));
        ob_fft2d_d_free(plan);
        free(ref);
        free(got);
    }
}

static void test_float_forward_matches_dft(void **st)
{
    (void)st;
    check_float_against_dft(OB_FFT_FORWARD);
}

static void test_float_inverse_matches_dft(void **st)
{
    (void)st;
    check_float_against_dft(OB_FFT_INVERSE);
}

static void test_double_forward_matches_dft(void **st)
{
    (void)st;
    check_double_against_dft(OB_FFT_FORWARD);
}

static void test_double_inverse_matches_dft(void **st)
{
    (void)st;
    check_double_against_dft(OB_FFT_INVERSE);
}

/* One axis at a time is the 1-D DFT of every row / every column. */
static void test_axis_matches_1d_dft(void **st)
{
    (void)st;
    const size_t ny = 32, nx = 64, n = ny * nx;
    double *ref = malloc(2 * n * sizeof *ref), *got = malloc(2 * n * sizeof *got);
    float *gotf = malloc(2 * n * sizeof *gotf);
    assert_non_null(ref);
    assert_non_null(got);
    assert_non_null(gotf);
    ob_fft2d_d *plan = ob_fft2d_d_plan(ny, nx);
    ob_fft2d *planf = ob_fft2d_plan(ny, nx);
    assert_non_null(plan);
    assert_non_null(planf);
    for (int axis = 0; axis < 2; axis++) {
        random_complex(ref, n, 300 + axis);
        for (size_t i = 0; i < 2 * n; i++)
            ref[i] = (float)ref[i];
        memcpy(got, ref, 2 * n * sizeof *got);
        for (size_t i = 0; i < 2 * n; i++)
            gotf[i] = (float)ref[i];
        ob_fft2d_d_execute_axis(plan, got, OB_FFT_FORWARD, (ob_fft_axis)axis);
        ob_fft2d_execute_axis(planf, gotf, OB_FFT_FORWARD, (ob_fft_axis)axis);
        if (axis == OB_FFT_ROWS)
            for (size_t r = 0; r < ny; r++)
                dft_1d(ref + 2 * r * nx, nx, 1, -1);
        else
            for (size_t c = 0; c < nx; c++)
                dft_1d(ref + 2 * c, ny, nx, -1);
        assert_true(rel_l2_dd(got, ref, n) < bound(DBL_EPSILON, 1, axis ? ny : nx));
        assert_true(rel_l2_fd(gotf, ref, n) < bound(FLT_EPSILON, 1, axis ? ny : nx));
    }
    ob_fft2d_d_free(plan);
    ob_fft2d_free(planf);
    free(ref);
    free(got);
    free(gotf);
}

/* execute_lines: the flagged lines are transformed exactly as execute_axis
 * transforms them (bit for bit), blocks without a flagged line are left as
 * they were, and NULL flags mean every line. */
static void test_lines_subset(void **st)
{
    (void)st;
    const size_t ny = 64, nx = 128, n = ny * nx;
    float *all = malloc(2 * n * sizeof *all), *some = malloc(2 * n * sizeof *some);
    double *z = malloc(2 * n * sizeof *z);
    unsigned char use_rows[64], use_cols[128];
    assert_non_null(all);
    assert_non_null(some);
    assert_non_null(z);
    ob_fft2d *plan = ob_fft2d_plan(ny, nx);
    assert_non_null(plan);
    for (size_t i = 0; i < ny; i++)
        use_rows[i] = i >= 20 && i < 23; /* one block of 16 rows: 16..31 */
    for (size_t i = 0; i < nx; i++)
        use_cols[i] = i < 5 || i == 127; /* blocks 0..15 and 112..127 */
    for (int axis = 0; axis < 2; axis++) {
        random_complex(z, n, 900 + axis);
        for (size_t i = 0; i < 2 * n; i++)
            all[i] = some[i] = (float)z[i];
        const unsigned char *use = axis == OB_FFT_ROWS ? use_rows : use_cols;
        ob_fft2d_execute_axis(plan, all, OB_FFT_INVERSE, (ob_fft_axis)axis);
        ob_fft2d_execute_lines(plan, some, OB_FFT_INVERSE, (ob_fft_axis)axis, use);
        size_t lines = axis == OB_FFT_ROWS ? ny : nx;
        for (size_t line = 0; line < lines; line++) {
            size_t block = line / 16 * 16;
            int in_block = 0;
            for (size_t b = block; b < block + 16; b++)
                in_block |= use[b];
            for (size_t j = 0; j < (axis == OB_FFT_ROWS ? nx : ny); j++) {
                size_t cell = axis == OB_FFT_ROWS ? line * nx + j : j * nx + line;
                float want = in_block ? all[2 * cell] : (float)z[2 * cell];
                assert_true(some[2 * cell] == want &&
                            some[2 * cell + 1] ==
                                (in_block ? all[2 * cell + 1] : (float)z[2 * cell + 1]));
            }
        }
        for (size_t i = 0; i < 2 * n; i++)
            some[i] = (float)z[i];
        ob_fft2d_execute_lines(plan, some, OB_FFT_INVERSE, (ob_fft_axis)axis, NULL);
        assert_memory_equal(some, all, 2 * n * sizeof *all);
    }
    ob_fft2d_free(plan);
    free(all);
    free(some);
    free(z);
}

/* inverse(forward(x)) == x, at sizes too large for the direct DFT. */
static void test_round_trip(void **st)
{
    (void)st;
    static const shape big[] = {{1024, 1024}, {512, 2048}, {4096, 16}, {8, 2048}};
    for (size_t s = 0; s < sizeof big / sizeof big[0]; s++) {
        const size_t ny = big[s].ny, nx = big[s].nx, n = ny * nx;
        double *x = malloc(2 * n * sizeof *x), *y = malloc(2 * n * sizeof *y);
        float *xf = malloc(2 * n * sizeof *xf);
        assert_non_null(x);
        assert_non_null(y);
        assert_non_null(xf);
        random_complex(x, n, 400 + s);
        for (size_t i = 0; i < 2 * n; i++)
            xf[i] = (float)x[i];
        memcpy(y, x, 2 * n * sizeof *y);
        ob_fft2d *pf = ob_fft2d_plan(ny, nx);
        ob_fft2d_d *pd = ob_fft2d_d_plan(ny, nx);
        assert_non_null(pf);
        assert_non_null(pd);
        ob_fft2d_execute(pf, xf, OB_FFT_FORWARD);
        ob_fft2d_execute(pf, xf, OB_FFT_INVERSE);
        ob_fft2d_d_execute(pd, y, OB_FFT_FORWARD);
        ob_fft2d_d_execute(pd, y, OB_FFT_INVERSE);
        /* x is the reference for both; xf started as x rounded to float. */
        double *xr = malloc(2 * n * sizeof *xr);
        assert_non_null(xr);
        for (size_t i = 0; i < 2 * n; i++)
            xr[i] = (float)x[i];
        const double ef = rel_l2_fd(xf, xr, n), ed = rel_l2_dd(y, x, n);
        if (ef > bound(FLT_EPSILON, ny, nx) || ed > bound(DBL_EPSILON, ny, nx))
            fail_msg("round trip %zux%zu: float %.3g double %.3g", ny, nx, ef, ed);
        ob_fft2d_free(pf);
        ob_fft2d_d_free(pd);
        free(x);
        free(y);
        free(xf);
        free(xr);
    }
}

/* F(a x + b y) == a F(x) + b F(y) for complex a, b. */
static void test_linearity(void **st)
{
    (void)st;
    const size_t ny = 64, nx = 128, n = ny * nx;
    const double ar = 0.75, ai = -1.25, br = -0.5, bi = 2.0;
    double *x = malloc(2 * n * sizeof *x), *y = malloc(2 * n * sizeof *y),
           *z = malloc(2 * n * sizeof *z), *w = malloc(2 * n * sizeof *w);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(z);
    assert_non_null(w);
    random_complex(x, n, 500);
    random_complex(y, n, 501);
    for (size_t i = 0; i < n; i++) {
        const double xr = x[2 * i], xi = x[2 * i + 1], yr = y[2 * i], yi = y[2 * i + 1];
        z[2 * i] = ar * xr - ai * xi + br * yr - bi * yi;
        z[2 * i + 1] = ar * xi + ai * xr + br * yi + bi * yr;
    }
    ob_fft2d_d *plan = ob_fft2d_d_plan(ny, nx);
    assert_non_null(plan);
    ob_fft2d_d_execute(plan, x, OB_FFT_FORWARD);
    ob_fft2d_d_execute(plan, y, OB_FFT_FORWARD);
    ob_fft2d_d_execute(plan, z, OB_FFT_FORWARD);
    for (size_t i = 0; i < n; i++) {
        const double xr = x[2 * i], xi = x[2 * i + 1], yr = y[2 * i], yi = y[2 * i + 1];
        w[2 * i] = ar * xr - ai * xi + br * yr - bi * yi;
        w[2 * i + 1] = ar * xi + ai * xr + br * yi + bi * yr;
    }
    assert_true(rel_l2_dd(z, w, n) < bound(DBL_EPSILON, ny, nx));
    ob_fft2d_d_free(plan);
    free(x);
    free(y);
    free(z);
    free(w);
}

/* sum |X|^2 == N sum |x|^2 (float plan, accumulated in double). */
static void test_parseval(void **st)
{
    (void)st;
    const size_t ny = 256, nx = 128, n = ny * nx;
    double *x = malloc(2 * n * sizeof *x);
    float *xf = malloc(2 * n * sizeof *xf);
    assert_non_null(x);
    assert_non_null(xf);
    random_complex(x, n, 600);
    double energy_in = 0, energy_out = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        xf[i] = (float)x[i];
        energy_in += (double)xf[i] * xf[i];
    }
    ob_fft2d *plan = ob_fft2d_plan(ny, nx);
    assert_non_null(plan);
    ob_fft2d_execute(plan, xf, OB_FFT_FORWARD);
    for (size_t i = 0; i < 2 * n; i++)
        energy_out += (double)xf[i] * xf[i];
    const double rel = fabs(energy_out / ((double)n * energy_in) - 1.0);
    if (rel > 2 * bound(FLT_EPSILON, ny, nx))
        fail_msg("Parseval: relative mismatch %.3g", rel);
    ob_fft2d_free(plan);
    free(x);
    free(xf);
}

/* An impulse at (y0, x0) transforms to exp(-2 pi i (ky y0 / ny + kx x0 / nx)). */
static void test_impulse_known_answer(void **st)
{
    (void)st;
    const size_t ny = 512, nx = 256, y0 = 37, x0 = 201, n = ny * nx;
    float *z = calloc(2 * n, sizeof *z);
    assert_non_null(z);
    z[2 * (y0 * nx + x0)] = 1.0f;
    ob_fft2d *plan = ob_fft2d_plan(ny, nx);
    assert_non_null(plan);
    ob_fft2d_execute(plan, z, OB_FFT_FORWARD);
    double worst = 0;
    for (size_t ky = 0; ky < ny; ky++)
        for (size_t kx = 0; kx < nx; kx++) {
            const double turns =
                (double)((ky * y0) % ny) / (double)ny + (double)((kx * x0) % nx) / (double)nx;
            const double er = cos(-2 * M_PI * turns), ei = sin(-2 * M_PI * turns);
            const double dr = z[2 * (ky * nx + kx)] - er, di = z[2 * (ky * nx + kx) + 1] - ei;
            const double d = sqrt(dr * dr + di * di);
            worst = d > worst ? d : worst;
        }
    if (worst > 10 * bound(FLT_EPSILON, ny, nx))
        fail_msg("impulse: worst error %.3g", worst);
    ob_fft2d_free(plan);
    free(z);
}

static void test_non_power_of_two_refused(void **st)
{
    (void)st;
    static const shape bad[] = {{0, 4}, {4, 0}, {3, 4}, {4, 6}, {12, 12}, {1, 3}, {1000, 1024}};
    for (size_t s = 0; s < sizeof bad / sizeof bad[0]; s++) {
        assert_null(ob_fft2d_plan(bad[s].ny, bad[s].nx));
        assert_null(ob_fft2d_d_plan(bad[s].ny, bad[s].nx));
    }
    ob_fft2d_free(NULL);
    ob_fft2d_d_free(NULL);
}

static void test_simd_clones_bit_identical(void **st)
{
    (void)st;
    static const shape sizes[] = {{256, 128}, {32, 1024}, {8, 8}, {2048, 4}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const size_t ny = sizes[s].ny, nx = sizes[s].nx, n = ny * nx;
        double *x = malloc(2 * n * sizeof *x), *xr = malloc(2 * n * sizeof *xr);
        float *f = malloc(2 * n * sizeof *f), *fr = malloc(2 * n * sizeof *fr);
        assert_non_null(x);
        assert_non_null(xr);
        assert_non_null(f);
        assert_non_null(fr);
        random_complex(x, n, 700 + s);
        for (size_t i = 0; i < 2 * n; i++)
            f[i] = (float)x[i];
        memcpy(xr, x, 2 * n * sizeof *x);
        memcpy(fr, f, 2 * n * sizeof *f);
        ob_fft2d *pf = ob_fft2d_plan(ny, nx);
        struct ob_fft2d_ref *pfr = ob_fft2d_ref_plan(ny, nx);
        ob_fft2d_d *pd = ob_fft2d_d_plan(ny, nx);
        struct ob_fft2d_d_ref *pdr = ob_fft2d_d_ref_plan(ny, nx);
        assert_non_null(pf);
        assert_non_null(pfr);
        assert_non_null(pd);
        assert_non_null(pdr);
        ob_fft2d_execute(pf, f, OB_FFT_FORWARD);
        ob_fft2d_ref_execute(pfr, fr, OB_FFT_FORWARD);
        ob_fft2d_d_execute(pd, x, OB_FFT_FORWARD);
        ob_fft2d_d_ref_execute(pdr, xr, OB_FFT_FORWARD);
        assert_memory_equal(f, fr, 2 * n * sizeof *f);
        assert_memory_equal(x, xr, 2 * n * sizeof *x);
        ob_fft2d_execute(pf, f, OB_FFT_INVERSE);
        ob_fft2d_ref_execute(pfr, fr, OB_FFT_INVERSE);
        ob_fft2d_d_execute(pd, x, OB_FFT_INVERSE);
        ob_fft2d_d_ref_execute(pdr, xr, OB_FFT_INVERSE);
        assert_memory_equal(f, fr, 2 * n * sizeof *f);
        assert_memory_equal(x, xr, 2 * n * sizeof *x);
        ob_fft2d_free(pf);
        ob_fft2d_ref_free(pfr);
        ob_fft2d_d_free(pd);
        ob_fft2d_d_ref_free(pdr);
        free(x);
        free(xr);
        free(f);
        free(fr);
    }
}

/* kernels/radio/fft.c, for tests only: the work grid of a set-up kernel state. */
float *ob_kernel_fft_work_grid(void *state);

/* The fft kernel through its interface at the ci preset: sizes, phases,
 * a passing round trip on every repetition, and a failing one when the grid
 * is corrupted. */
static void test_kernel_runs_and_verifies(void **st)
{
    (void)st;
    const ob_kernel *k = ob_kernel_find("fft");
    assert_non_null(k);
    ob_plan plan;
    assert_int_equal(ob_kernel_plan(k, OB_PRESET_CI, NULL, NULL, &plan, NULL, 0), OB_OK);
    const double n = 256;
    assert_true(fabs(plan.work_units - 2 * 5 * n * n * log2(n * n)) < 1);
    assert_true(plan.footprint_bytes >= 2 * 2 * 256 * 256 * sizeof(float));
    assert_string_equal(plan.figure_name, "GFlop/s");
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, "/tmp");
    assert_non_null(ctx);
    void *state = NULL;
    assert_int_equal(k->setup(ctx, &state), OB_OK);
    char why[256] = "";
    for (int rep = 0; rep < 3; rep++) {
        assert_int_equal(k->run(state, ctx), OB_OK);
        assert_int_equal(k->verify(state, why, sizeof why), 0);
    }
    for (int phase = 0; phase < ob_kernel_phase_count(k); phase++)
        assert_true(ob_ctx_standalone_phase_seconds(ctx, phase) > 0);
    float *grid = ob_kernel_fft_work_grid(state);
    grid[2 * (77 * 256 + 13)] += 0.1f;
    assert_int_not_equal(k->verify(state, why, sizeof why), 0);
    assert_non_null(strstr(why, "round trip"));
    /* The next repetition starts again from the input. */
    assert_int_equal(k->run(state, ctx), OB_OK);
    assert_int_equal(k->verify(state, why, sizeof why), 0);
    k->teardown(state);
    ob_ctx_standalone_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_float_forward_matches_dft),
        cmocka_unit_test(test_float_inverse_matches_dft),
        cmocka_unit_test(test_double_forward_matches_dft),
        cmocka_unit_test(test_double_inverse_matches_dft),
        cmocka_unit_test(test_axis_matches_1d_dft),
        cmocka_unit_test(test_lines_subset),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_linearity),
        cmocka_unit_test(test_parseval),
        cmocka_unit_test(test_impulse_known_answer),
        cmocka_unit_test(test_non_power_of_two_refused),
        cmocka_unit_test(test_simd_clones_bit_identical),
        cmocka_unit_test(test_kernel_runs_and_verifies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
