/* The isr kernel: every ISR step against a hand-made case with an exact
 * answer, the robust statistics against a sort-based reference, the
 * synthetic CCD's determinism, and the whole kernel at the ci preset in a
 * temporary directory (validates, leaves no files, fails on corrupted
 * output, reports a full disk as OB_ENOSPC). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernels/rubin/ccd_sim.h"
#include "kernels/lib/datastore.h"
#include "kernels/rubin/isr.h"
#include "kernels/rubin/isr_steps.h"
#include "occbench/kernel.h"
#include "common/rng.h"
#include "kernels/lib/robust_stats.h"

extern const ob_kernel ob_kernel_isr;

/* ---------------------------------------------------------------- stats */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Reference quantile: sort, then interpolate at q (n - 1). */
static double ref_quantile(const float *v, size_t n, double q)
{
    float *s = malloc(n * sizeof(float));
    memcpy(s, v, n * sizeof(float));
    qsort(s, n, sizeof(float), cmp_float);
    double pos = q * (double)(n - 1);
    size_t k = (size_t)floor(pos);
    double r = k + 1 < n ? s[k] + (pos - (double)k) * ((double)s[k + 1] - s[k]) : s[k];
    free(s);
    return r;
}

/* Reference clipped mean: the afw recipe written out plainly in long double. */
static void ref_clipped(const float *v, size_t n, double *mean, double *sd)
{
    double q1 = ref_quantile(v, n, 0.25), med = ref_quantile(v, n, 0.5),
           q3 = ref_quantile(v, n, 0.75);
    double center = med, hw = 3.0 * 0.741301109252801 * (q3 - q1);
    for (int it = 0; it < 3; it++) {
        long double s1 = 0, s2 = 0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (fabs(v[i] - center) < hw) {
                s1 += v[i];
                s2 += (long double)v[i] * v[i];
                k++;
            }
        *mean = (double)(s1 / k);
        *sd = sqrt((double)((s2 - s1 * s1 / k) / (k - 1)));
        center = *mean;
        hw = 3.0 * *sd;
    }
}

static void fill_test_data(float *v, size_t n, uint64_t seed, int kind)
{
    ob_rng r;
    ob_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) {
        if (kind == 0) /* Gaussian sky with 2% cosmic-ray outliers */
            v[i] = (float)(800.0 + 25.0 * ob_rng_normal(&r) +
                           (ob_rng_uniform(&r) < 0.02 ? 5000.0 * ob_rng_uniform(&r) : 0.0));
        else /* integers with many ties */
            v[i] = (float)ob_rng_below(&r, 7);
    }
}

static void test_quantiles_match_sort(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 2, 3, 4, 5, 8, 101, 1000, 4097};
    const double qs[] = {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (int kind = 0; kind < 2; kind++) {
            size_t n = sizes[si];
            float *v = malloc(n * sizeof(float)), *w = malloc(n * sizeof(float));
            fill_test_data(v, n, 100 + n, kind);
            for (size_t qi = 0; qi < sizeof qs / sizeof *qs; qi++) {
                memcpy(w, v, n * sizeof(float));
                assert_float_equal(ob_quantile_select(w, n, qs[qi]), ref_quantile(v, n, qs[qi]),
                                   1e-9);
            }
            double q1, med, q3;
            memcpy(w, v, n * sizeof(float));
            ob_quartiles_select(w, n, &q1, &med, &q3);
            assert_float_equal(q1, ref_quantile(v, n, 0.25), 1e-9);
            assert_float_equal(med, ref_quantile(v, n, 0.5), 1e-9);
            assert_float_equal(q3, ref_quantile(v, n, 0.75), 1e-9);
            free(v);
            free(w);
        }
}

static void test_clipped_mean_hand_case(void **state)
{
    (void)state;
    /* median 3, IQR 2: the first window 3 +- 4.45 drops 100; then 2.5 +- 3 sd keeps 1..4 */
    float v[] = {100, 3, 1, 4, 2};
    ob_robust_stats st;
    ob_robust_stats_compute(v, 5, &st);
    assert_float_equal(st.median, 3.0, 0);
    assert_float_equal(st.q1, 2.0, 0);
    assert_float_equal(st.q3, 4.0, 0);
    assert_float_equal(st.clipped_mean, 2.5, 1e-12);
    assert_float_equal(st.clipped_stdev, sqrt(5.0 / 3.0), 1e-12);
    assert_int_equal(st.n_clipped, 4);
}

static void test_clipped_mean_matches_reference(void **state)
{
    (void)state;
    size_t n = 20000;
    float *v = malloc(n * sizeof(float)), *w = malloc(n * sizeof(float));
    fill_test_data(v, n, 7, 0);
    memcpy(w, v, n * sizeof(float));
    ob_robust_stats st;
    ob_robust_stats_compute(w, n, &st);
    double mean, sd;
    ref_clipped(v, n, &mean, &sd);
    assert_float_equal(st.clipped_mean, mean, 1e-9 * fabs(mean));
    assert_float_equal(st.clipped_stdev, sd, 1e-7 * sd);
    assert_float_equal(st.median, ref_quantile(v, n, 0.5), 1e-9);
    /* the outliers are clipped: the mean is the sky's, not the raw mean */
    assert_true(fabs(mean - 800.0) < 1.5);
    free(v);
    free(w);
}

/* ------------------------------------------------------------ ISR steps */

/* A tiny segment: 1 prescan, 3 imaging, 8 serial overscan columns; 4
 * imaging and 2 parallel overscan rows. */
static ob_amp_layout tiny_amp(int flip_x, int flip_y)
{
    ob_amp_layout a = {0};
    a.prescan = 1;
    a.img_w = 3;
    a.serial_os = 8;
    a.img_h = 4;
    a.parallel_os = 2;
    a.raw_w = 12;
    a.raw_h = 6;
    a.flip_x = flip_x;
    a.flip_y = flip_y;
    return a;
}

static void test_convert(void **state)
{
    (void)state;
    int32_t raw[4] = {0, 1, 262143, -5};
    float out[4];
    ob_isr_convert(raw, out, 4);
    assert_float_equal(out[0], 0.0, 0);
    assert_float_equal(out[2], 262143.0, 0);
    assert_float_equal(out[3], -5.0, 0);
}

static void test_overscan_serial(void **state)
{
    (void)state;
    for (int fx = 0; fx < 2; fx++) {
        ob_amp_layout a = tiny_amp(fx, 0);
        float frame[6 * 12], level[6], scratch[12];
        /* readout column rc: 0 prescan, 1..3 imaging, 4..11 overscan; skip 1
         * each end leaves rc 5..10: values 10 r + {6,1,5,2,4,3} (median 10 r + 3.5),
         * skipped columns 999; imaging = 10 r + 7; row 5 overscan is an outlier */
        const float os_vals[6] = {6, 1, 5, 2, 4, 3};
        for (int r = 0; r < 6; r++)
            for (int rc = 0; rc < 12; rc++) {
                float v;
                if (rc >= 5 && rc <= 10)
                    v = (r == 5 ? 500.0f : 10.0f * r) + os_vals[rc - 5];
                else if (rc == 4 || rc == 11)
                    v = 999.0f;
                else
                    v = 10.0f * r + 7.0f;
                frame[r * 12 + ob_amp_col(&a, rc)] = v;
            }
        int masked = ob_isr_overscan_serial(frame, 12, &a, 1, 3.0, level, scratch);
        assert_int_equal(masked, 1);
        for (int r = 0; r < 5; r++) {
            assert_float_equal(level[r], 10.0 * r + 3.5, 0);
            assert_float_equal(frame[r * 12 + ob_amp_col(&a, 2)], 3.5, 0);
        }
        /* medians 3.5..43.5, 503.5: median 28.5, IQR 25, limit 55.5: row 5 replaced */
        assert_float_equal(level[5], 28.5, 0);
        assert_float_equal(frame[5 * 12 + ob_amp_col(&a, 2)], 57.0 - 28.5, 0);
    }
}

static void test_saturation_and_gain(void **state)
{
    (void)state;
    ob_amp_layout a = tiny_amp(1, 1);
    float frame[6 * 12];
    int32_t mask[6 * 12] = {0};
    for (int i = 0; i < 72; i++)
        frame[i] = 100.0f;
    /* imaging readout (0,0) is the top-right imaging pixel of a flipped amp */
    int r = ob_amp_row(&a, 0), c = ob_amp_col(&a, a.prescan);
    frame[r * 12 + c] = 5000.0f;
    frame[ob_amp_row(&a, 5) * 12 + 0] = 9000.0f; /* parallel overscan: not imaging */
    assert_int_equal(ob_isr_saturation(frame, mask, 12, &a, 4000.0f), 1);
    assert_int_equal(mask[r * 12 + c], OB_MASK_SAT);
    assert_int_equal(r, 5);
    assert_int_equal(c, 10);
    ob_isr_gain(frame, 12, &a, 1.5f);
    assert_float_equal(frame[1], 150.0, 0);
    assert_float_equal(frame[r * 12 + c], 7500.0, 0);
}

static void test_crosstalk_flips_and_uses_uncorrected_sources(void **state)
{
    (void)state;
    /* two segments side by side; B reads in both directions opposite to A */
    ob_amp_layout amps[2] = {tiny_amp(0, 0), tiny_amp(1, 1)};
    amps[1].x0 = 12;
    int stride = 24, w = 3, h = 4;
    float frame[6 * 24] = {0};
    float accum[2 * 12];
#define IMG(a, y, x)                                                                               \
    frame[(amps[a].y0 + ob_amp_img_row0(&amps[a]) + (y)) * stride + amps[a].x0 +                   \
          ob_amp_img_col0(&amps[a]) + (x)]
    IMG(0, 1, 0) = 100.0f;
    IMG(1, 0, 0) = 1000.0f;
    double coeff[4] = {0.0, 0.01, 0.02, 0.0}; /* [target * 2 + source] */
    ob_isr_crosstalk(frame, (size_t)stride, amps, 2, coeff, accum);
    /* B's (0,0) is read at the same time as A's (h-1, w-1) */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double a_exp = (y == 1 && x == 0) ? 100.0 : (y == h - 1 && x == w - 1) ? -10.0 : 0.0;
            double b_exp = (y == 0 && x == 0) ? 1000.0 : (y == h - 2 && x == w - 1) ? -2.0 : 0.0;
            assert_float_equal(IMG(0, y, x), a_exp, 1e-4);
            assert_float_equal(IMG(1, y, x), b_exp, 1e-4);
        }
#undef IMG
}

static void test_overscan_parallel(void **state)
{
    (void)state;
    ob_amp_layout a = tiny_amp(0, 1); /* parallel overscan rows at the bottom */
    a.parallel_os = 4;
    a.raw_h = 8;
    float frame[8 * 12], scratch[5 * 13]; /* OB_ISR_PARALLEL_SCRATCH */
    for (int rr = 0; rr < 8; rr++)
        for (int c = 0; c < 12; c++) {
            /* overscan rows rr 4..7, skip 1 each end: rows 5, 6 with c, c + 2: median c + 1 */
            float v = rr < 4 ? 50.0f + c : (rr == 5 ? (float)c : rr == 6 ? c + 2.0f : 999.0f);
            frame[ob_amp_row(&a, rr) * 12 + c] = v;
        }
    ob_isr_overscan_parallel(frame, 12, &a, 1, scratch);
    for (int rr = 0; rr < 4; rr++)
        for (int c = 0; c < 12; c++)
            assert_float_equal(frame[ob_amp_row(&a, rr) * 12 + c], 49.0, 0);
    /* the overscan rows themselves are left alone */
    assert_float_equal(frame[ob_amp_row(&a, 5) * 12 + 3], 3.0, 0);
}

static void test_linearity(void **state)
{
    (void)state;
    ob_amp_layout a = tiny_amp(0, 0);
    float frame[6 * 12];
    for (int i = 0; i < 72; i++)
        frame[i] = 100.0f;
    ob_isr_linearity(frame, 12, &a, 1e-3, 1e-6);
    assert_float_equal(frame[0 * 12 + 1], 111.0, 1e-4); /* imaging */
    assert_float_equal(frame[0 * 12 + 0], 100.0, 0);    /* prescan */
    assert_float_equal(frame[5 * 12 + 2], 100.0, 0);    /* parallel overscan */
}

static void test_assemble(void **state)
{
    (void)state;
    ob_amp_layout a = tiny_amp(1, 0);
    a.ccd_x0 = 2;
    a.ccd_y0 = 1;
    float frame[6 * 12];
    int32_t fmask[6 * 12];
    for (int i = 0; i < 72; i++) {
        frame[i] = (float)i;
        fmask[i] = i % 3;
    }
    float ccd[6 * 5] = {0};
    int32_t cmask[6 * 5] = {0};
    ob_isr_assemble(frame, fmask, 12, &a, ccd, cmask, 5);
    /* flip_x: imaging is raw columns 8..10, rows 0..3; copied unflipped */
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 3; x++) {
            assert_float_equal(ccd[(1 + y) * 5 + 2 + x], frame[y * 12 + 8 + x], 0);
            assert_int_equal(cmask[(1 + y) * 5 + 2 + x], fmask[y * 12 + 8 + x]);
        }
    assert_float_equal(ccd[0], 0.0, 0);
    assert_float_equal(ccd[5 * 5 + 4], 0.0, 0);
}

static void test_bias_dark_variance_flat(void **state)
{
    (void)state;
    float img[4] = {10, 20, -4, 40}, cal[4] = {1, 2, 3, 4}, var[4];
    ob_isr_subtract(img, cal, 2.0f, 4);
    assert_float_equal(img[1], 16.0, 0);
    ob_isr_variance(img, var, 2, 0, 0, 2, 2, 3.0f);
    assert_float_equal(var[0], 8.0 + 9.0, 0);
    assert_float_equal(var[2], 9.0, 0); /* negative image: read noise only */
    float flat[4] = {2, 4, 1, 0.5f};
    ob_isr_flat(img, var, flat, 4);
    assert_float_equal(img[1], 4.0, 0);
    assert_float_equal(var[1], (16.0 + 9.0) / 16.0, 1e-6);
    assert_float_equal(img[3], 64.0, 0);
}

static void test_defects_and_interpolate(void **state)
{
    (void)state;
    /* 3 rows of 6: row 0 a linear ramp with a bad pair in the middle,
     * row 1 bad at the left edge, row 2 all bad */
    float img[18] = {1, 2, 90, 90, 5, 6, 90, 7, 8, 9, 9, 9, 90, 90, 90, 90, 90, 90};
    int32_t mask[18] = {0};
    ob_defect d[3] = {{2, 0, 2, 1}, {0, 1, 1, 1}, {0, 2, 6, 1}};
    ob_isr_mask_defects(mask, 6, d, 3, OB_MASK_BAD);
    assert_int_equal(mask[2], OB_MASK_BAD);
    assert_int_equal(mask[4], 0);
    mask[4] |= OB_MASK_INTRP; /* other bits do not make a pixel bad */
    size_t n = ob_isr_interpolate(img, mask, 6, 6, 3, OB_MASK_BAD | OB_MASK_SAT);
    assert_int_equal(n, 3);
    assert_float_equal(img[2], 3.0, 1e-6);
    assert_float_equal(img[3], 4.0, 1e-6);
    assert_float_equal(img[6], 7.0, 0); /* one-sided: nearest good value */
    assert_float_equal(img[14], 90.0, 0);
    assert_int_equal(mask[2], OB_MASK_BAD | OB_MASK_INTRP);
    assert_int_equal(mask[14], OB_MASK_BAD);
}

/* ------------------------------------------------------ brighter-fatter */

static void test_bf_convolution_matches_direct(void **state)
{
    (void)state;
    /* 60 and 61 rows take the split path (two halves in one transform of
     * 64 rows instead of 128); the others the plain one */
    const int shapes[][2] = {{20, 37}, {1, 9}, {60, 23}, {61, 40}, {17, 17}};
    int K = OB_BF_KERNEL_SIZE, h = K / 2, split_seen = 0;
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        int ny = shapes[si][0], nx = shapes[si][1];
        double kernel[OB_BF_KERNEL_SIZE * OB_BF_KERNEL_SIZE];
        double *in = malloc(sizeof(double) * (size_t)(ny * nx)),
               *out = malloc(sizeof(double) * (size_t)(ny * nx));
        ob_rng r;
        ob_rng_seed(&r, 3 + si);
        for (int i = 0; i < K * K; i++)
            kernel[i] = ob_rng_uniform(&r) - 0.5; /* not symmetric: checks the orientation */
        for (int i = 0; i < ny * nx; i++)
            in[i] = ob_rng_uniform(&r) * 100.0;
        int pny, pnx;
        ob_bf_padded_size(ny, nx, &pny, &pnx);
        split_seen += pny < ny + h;
        ob_bf *bf = ob_bf_create(ny, nx, kernel);
        assert_non_null(bf);
        ob_bf_convolve(bf, in, out);
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++) {
                double ref = 0.0;
                for (int j = 0; j < K; j++)
                    for (int i = 0; i < K; i++) {
                        int sy = y - (j - h), sx = x - (i - h);
                        if (sy >= 0 && sy < ny && sx >= 0 && sx < nx)
                            ref += kernel[j * K + i] * in[sy * nx + sx];
                    }
                assert_float_equal(out[y * nx + x], ref, 1e-9 * (1.0 + fabs(ref)));
            }
        ob_bf_free(bf);
        free(in);
        free(out);
    }
    assert_int_equal(split_seen, 2);
}

static void test_bf_correction_exact(void **state)
{
    (void)state;
    /* t = x, o = y^2: grad t . grad o = 0, lap o = 2, so corr = x inside */
    int ny = 24, nx = 25, h = 8;
    double t[24 * 25], o[24 * 25], corr[24 * 25];
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            t[y * nx + x] = x;
            o[y * nx + x] = (double)y * y + 3.0 * x; /* + 3x: grad t . grad o = 3 */
        }
    ob_bf_correction(t, o, corr, ny, nx, h);
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            int inside = y >= h + 1 && y < ny - h - 2 && x >= h + 1 && x < nx - h - 2;
            assert_float_equal(corr[y * nx + x], inside ? 0.5 * (3.0 + 2.0 * x) : 0.0, 1e-12);
        }
}

static void test_bf_correct_inverts_the_effect(void **state)
{
    (void)state;
    /* a bright star T; the sensor shows O = T - corr(T); the iteration recovers T */
    int ny = 64, nx = 64;
    double kernel[OB_BF_KERNEL_SIZE * OB_BF_KERNEL_SIZE];
    ob_ccd_bf_kernel(kernel);
    ob_bf *bf = ob_bf_create(ny, nx, kernel);
    double *t = malloc(sizeof(double) * 64 * 64), *o = malloc(sizeof(double) * 64 * 64),
           *corr = malloc(sizeof(double) * 64 * 64);
    float img[64 * 64];
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++)
            t[y * nx + x] = 800.0 + 9e4 * exp(-((x - 31.3) * (x - 31.3) + (y - 32.6) * (y - 32.6)) /
                                              (2 * 1.7 * 1.7));
    ob_bf_convolve(bf, t, o);
    ob_bf_correction(t, o, corr, ny, nx, OB_BF_KERNEL_SIZE / 2);
    double max_corr = 0.0;
    for (int i = 0; i < ny * nx; i++) {
        img[i] = (float)(t[i] - corr[i]);
        max_corr = fmax(max_corr, fabs(corr[i]));
    }
    assert_true(max_corr > 100.0); /* the effect is large enough to matter */
    double diff;
    int iters = ob_bf_correct(bf, img, 10, 1.0, &diff);
    assert_true(iters >= 3 && iters <= 10);
    assert_true(diff < 1.0);
    for (int i = 0; i < ny * nx; i++)
        assert_float_equal(img[i], t[i], 0.01 * max_corr);
    free(t);
    free(o);
    free(corr);
    ob_bf_free(bf);
}

/* ------------------------------------------------------------ generator */

static void test_generator_deterministic(void **state)
{
    (void)state;
    ob_ccd_geom g = ob_ccd_geom_preset(OB_PRESET_CI);
    size_t nraw = (size_t)ob_ccd_raw_w(&g) * (size_t)ob_ccd_raw_h(&g);
    size_t n = (size_t)ob_ccd_nx(&g) * (size_t)ob_ccd_ny(&g);
    double kernel[OB_BF_KERNEL_SIZE * OB_BF_KERNEL_SIZE];
    ob_ccd_bf_kernel(kernel);
    ob_bf *bf = ob_bf_create(ob_ccd_ny(&g), ob_ccd_nx(&g), kernel);
    int32_t *raw[3];
    ob_ccd_calib c[3];
    ob_ccd_truth t[3];
    const uint64_t seeds[3] = {42, 42, 43};
    for (int i = 0; i < 3; i++) {
        raw[i] = malloc(nraw * sizeof(int32_t));
        assert_int_equal(ob_ccd_alloc(&g, &c[i], &t[i]), 0);
        assert_int_equal(ob_ccd_simulate(&g, seeds[i], bf, raw[i], &c[i], &t[i]), 0);
    }
    assert_memory_equal(raw[0], raw[1], nraw * sizeof(int32_t));
    assert_memory_equal(t[0].expected, t[1].expected, n * sizeof(float));
    assert_memory_equal(c[0].flat, c[1].flat, n * sizeof(float));
    assert_memory_equal(c[0].gain, c[1].gain, sizeof c[0].gain);
    assert_true(memcmp(raw[0], raw[2], nraw * sizeof(int32_t)) != 0);
    /* the CCD has what the ISR is there for */
    assert_true(t[0].nsaturated >= 2 && t[0].nprobes >= 1 && t[0].ncosmics >= 5);
    assert_true(c[0].ndefects >= 2 && t[0].overscan_spill_rows > 0);
    for (int i = 0; i < 3; i++) {
        free(raw[i]);
        ob_ccd_free(&c[i], &t[i]);
    }
    ob_bf_free(bf);
}

static void test_geometry(void **state)
{
    (void)state;
    ob_ccd_geom g = ob_ccd_geom_preset(OB_PRESET_LSST);
    assert_int_equal(ob_ccd_seg_w(&g), 576);
    assert_int_equal(ob_ccd_seg_h(&g), 2048);
    assert_int_equal(ob_ccd_nx(&g), 4072);
    assert_int_equal(ob_ccd_ny(&g), 4000);
    assert_int_equal(ob_ccd_namp(&g), 16);
    ob_ccd_geom s = ob_ccd_geom_preset(OB_PRESET_SMALL);
    assert_int_equal((long)ob_ccd_nx(&s) * ob_ccd_ny(&s) * 4, (long)4064 * 4000);
    ob_plan p;
    assert_int_equal(ob_kernel_plan(&ob_kernel_isr, OB_PRESET_LSST, NULL, NULL, &p, NULL, 0),
                     OB_OK);
    assert_true(p.footprint_bytes > 1500000000u && p.footprint_bytes < 2600000000u);
    int pny, pnx;
    ob_bf_padded_size(4000, 4072, &pny, &pnx);
    assert_int_equal(pny, 2048); /* two halves of 2000 rows + halos share one transform */
    assert_int_equal(pnx, 4096);
}

/* --------------------------------------------------------------- kernel */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/occbench-test-isr-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* Also after a failed test (its teardown skipped): remove what is left. */
static int remove_tmpdir(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    return rmdir(tmpdir);
}

static void test_kernel_ci_validates(void **state)
{
    (void)state;
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, tmpdir);
    void *st = NULL;
    assert_int_equal(ob_kernel_isr.setup(ctx, &st), OB_OK);
    assert_int_equal(count_files(tmpdir), 1); /* the raw */
    char why[512] = "";
    for (int rep = 0; rep < 3; rep++) {
        assert_int_equal(ob_kernel_isr.run(st, ctx), OB_OK);
        assert_int_equal(count_files(tmpdir), 2); /* + the postISRCCD */
        int rc = ob_kernel_isr.verify(st, why, sizeof why);
        if (rc)
            fail_msg("verify: %s", why);
        assert_int_equal(count_files(tmpdir), 1); /* read back and removed */
    }
    ob_isr_info info;
    ob_isr_last_info(st, &info);
    assert_true(info.bf_iterations >= 3 && info.saturated_pixels > 0);
    assert_true(info.overscan_rows_masked > 0 && info.interpolated_pixels > 0);
    assert_true(info.crosstalk_probes_significant >= 1);
    for (int p = 0; p < ob_kernel_phase_count(&ob_kernel_isr); p++)
        assert_true(ob_ctx_standalone_phase_seconds(ctx, p) > 0.0);
    ob_kernel_isr.teardown(st);
    assert_int_equal(count_files(tmpdir), 0);
    ob_ctx_standalone_free(ctx);
}

/* A ci kernel in tmpdir after one repetition; *info describes it. */
static void *run_ci_once(ob_ctx **ctx, ob_isr_info *info)
{
    *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, tmpdir);
    void *st = NULL;
    assert_int_equal(ob_kernel_isr.setup(*ctx, &st), OB_OK);
    assert_int_equal(ob_kernel_isr.run(st, *ctx), OB_OK);
    ob_isr_last_info(st, info);
    return st;
}

/* verify() must fail, naming `expected`; teardown leaves no file. */
static void assert_verify_fails_then_clean(ob_ctx *ctx, void *st, const char *expected)
{
    char why[512] = "";
    assert_int_not_equal(ob_kernel_isr.verify(st, why, sizeof why), 0);
    assert_non_null(strstr(why, expected));
    ob_kernel_isr.teardown(st);
    assert_int_equal(count_files(tmpdir), 0);
    ob_ctx_standalone_free(ctx);
}

static void test_kernel_corrupted_file_fails(void **state)
{
    (void)state;
    ob_ctx *ctx;
    ob_isr_info info;
    void *st = run_ci_once(&ctx, &info);
    FILE *f = fopen(info.output_path, "r+b");
    assert_non_null(f);
    fseek(f, 1000, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 1000, SEEK_SET);
    fputc(c ^ 0x10, f);
    fclose(f);
    assert_verify_fails_then_clean(ctx, st, "checksum");
}

static void test_kernel_corrupted_image_fails(void **state)
{
    (void)state;
    ob_ctx *ctx;
    ob_isr_info info;
    void *st = run_ci_once(&ctx, &info);
    /* a 3 e- offset over the second amplifier: a wrong bias level there */
    for (int y = 0; y < info.amp_height; y++)
        for (int x = info.amp_width; x < 2 * info.amp_width; x++)
            info.image[(size_t)y * (size_t)info.width + (size_t)x] += 3.0f;
    assert_verify_fails_then_clean(ctx, st, "amp 1 residual");
}

static void test_kernel_crosstalk_left_in_fails(void **state)
{
    (void)state;
    ob_ctx *ctx;
    ob_isr_info info;
    void *st = run_ci_once(&ctx, &info);
    char why[512] = "";
    assert_int_equal(ob_kernel_isr.verify(st, why, sizeof why), 0);
    ob_isr_last_info(st, &info); /* the ghost verify() checked */
    assert_true(info.ghost_w > 0 && fabs(info.ghost_injected) > 5.0);
    /* the same CCD again, with the largest ghost put back: the amp
     * statistics barely move, the crosstalk check must see it */
    assert_int_equal(ob_kernel_isr.run(st, ctx), OB_OK);
    for (int y = info.ghost_y0; y < info.ghost_y0 + info.ghost_h; y++)
        for (int x = info.ghost_x0; x < info.ghost_x0 + info.ghost_w; x++)
            info.image[(size_t)y * (size_t)info.width + (size_t)x] += (float)info.ghost_injected;
    assert_verify_fails_then_clean(ctx, st, "crosstalk ghost");
}

/* A full disk, by pointing the kernel's file name at /dev/full. */
static void test_kernel_enospc(void **state)
{
    (void)state;
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, tmpdir);
    char path[256];
    assert_int_equal(ob_ds_path(path, sizeof path, tmpdir, "isr", 0, "raw.bin"), 0);
    assert_int_equal(symlink("/dev/full", path), 0);
    void *st = NULL;
    assert_int_equal(ob_kernel_isr.setup(ctx, &st), OB_ENOSPC);
    assert_null(st);
    assert_non_null(strstr(ob_ctx_error(ctx), "No space"));
    assert_int_equal(count_files(tmpdir), 0);

    /* the same during a repetition's write */
    assert_int_equal(ob_kernel_isr.setup(ctx, &st), OB_OK);
    assert_int_equal(ob_ds_path(path, sizeof path, tmpdir, "isr", 0, "postISRCCD.bin"), 0);
    assert_int_equal(symlink("/dev/full", path), 0);
    assert_int_equal(ob_kernel_isr.run(st, ctx), OB_ENOSPC);
    assert_non_null(strstr(ob_ctx_error(ctx), path));
    assert_int_equal(count_files(tmpdir), 1); /* only the raw */
    ob_kernel_isr.teardown(st);
    assert_int_equal(count_files(tmpdir), 0);
    ob_ctx_standalone_free(ctx);
}

static void test_kernel_missing_io_dir(void **state)
{
    (void)state;
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, "/nonexistent/occbench-isr");
    void *st = NULL;
    assert_int_equal(ob_kernel_isr.setup(ctx, &st), OB_ERR);
    assert_null(st);
    assert_non_null(strstr(ob_ctx_error(ctx), "/nonexistent/occbench-isr"));
    ob_ctx_standalone_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles_match_sort),
        cmocka_unit_test(test_clipped_mean_hand_case),
        cmocka_unit_test(test_clipped_mean_matches_reference),
        cmocka_unit_test(test_convert),
        cmocka_unit_test(test_overscan_serial),
        cmocka_unit_test(test_saturation_and_gain),
        cmocka_unit_test(test_crosstalk_flips_and_uses_uncorrected_sources),
        cmocka_unit_test(test_overscan_parallel),
        cmocka_unit_test(test_linearity),
        cmocka_unit_test(test_assemble),
        cmocka_unit_test(test_bias_dark_variance_flat),
        cmocka_unit_test(test_defects_and_interpolate),
        cmocka_unit_test(test_bf_convolution_matches_direct),
        cmocka_unit_test(test_bf_correction_exact),
        cmocka_unit_test(test_bf_correct_inverts_the_effect),
        cmocka_unit_test(test_generator_deterministic),
        cmocka_unit_test(test_geometry),
        cmocka_unit_test_setup_teardown(test_kernel_ci_validates, make_tmpdir, remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_kernel_corrupted_file_fails, make_tmpdir,
                                        remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_kernel_corrupted_image_fails, make_tmpdir,
                                        remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_kernel_crosstalk_left_in_fails, make_tmpdir,
                                        remove_tmpdir),
        cmocka_unit_test_setup_teardown(test_kernel_enospc, make_tmpdir, remove_tmpdir),
        cmocka_unit_test(test_kernel_missing_io_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
