/* conv: each method against the definition of the convolution evaluated
 * in double, on small random images and kernels; the Alard-Lupton basis
 * and its interpolation grid; the kernel end to end at the ci preset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernels/rubin/conv2d.h"
#include "occbench/kernel.h"
#include "common/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *random_floats(size_t n, uint64_t seed, double lo, double hi)
{
    float *p = malloc(sizeof *p * n);
    assert_non_null(p);
    ob_rng rng;
    ob_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)(lo + (hi - lo) * ob_rng_uniform(&rng));
    return p;
}

/* out (nxo x nyo) against the definition with kernel k (double, K x K). */
static void assert_matches_definition(const float *in, size_t nx, size_t ny, const double *k, int K,
                                      const float *out, double rel)
{
    size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
    for (size_t y = 0; y < nyo; y++)
        for (size_t x = 0; x < nxo; x++) {
            double ref = 0.0, mag = 0.0;
            for (int j = 0; j < K; j++)
                for (int i = 0; i < K; i++) {
                    double t = k[j * K + i] * (double)in[(y + (size_t)j) * nx + x + (size_t)i];
                    ref += t;
                    mag += fabs(t);
                }
            double err = fabs((double)out[y * nxo + x] - ref);
            if (err > rel * mag) {
                fail_msg("pixel (%zu,%zu): got %.9g, definition %.9g (K=%d, %zux%zu)", x, y,
                         (double)out[y * nxo + x], ref, K, nx, ny);
            }
        }
}

static double *to_double(const float *k, size_t n)
{
    double *d = malloc(sizeof *d * n);
    assert_non_null(d);
    for (size_t i = 0; i < n; i++)
        d[i] = k[i];
    return d;
}

static void check_invariant(size_t nx, size_t ny, int K, uint64_t seed)
{
    float *in = random_floats(nx * ny, seed, -1.0, 3.0);
    float *k = random_floats((size_t)(K * K), seed + 1, -0.5, 1.0);
    size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
    float *out = malloc(sizeof *out * nxo * nyo), *plain = malloc(sizeof *plain * nxo * nyo);
    assert_non_null(out);
    assert_non_null(plain);
    double *kd = to_double(k, (size_t)(K * K));
    ob_conv_invariant(in, nx, ny, k, K, out);
    assert_matches_definition(in, nx, ny, kd, K, out, 1e-5);
    ob_conv_plain(in, nx, ny, k, K, plain);
    assert_matches_definition(in, nx, ny, kd, K, plain, 1e-5);
    /* the reference helper the kernel's verify() uses is the definition */
    for (size_t y = 0; y < nyo; y += 3)
        for (size_t x = 0; x < nxo; x += 5) {
            double mag = 0.0;
            for (int j = 0; j < K; j++)
                for (int i = 0; i < K; i++)
                    mag += fabs(kd[j * K + i] * in[(y + (size_t)j) * nx + x + (size_t)i]);
            assert_true(fabs(ob_conv_ref_pixel(in, nx, k, K, x, y) - (double)out[y * nxo + x]) <=
                        1e-5 * mag);
        }
    free(in);
    free(k);
    free(kd);
    free(out);
    free(plain);
}

static void test_invariant_matches_definition(void **state)
{
    (void)state;
    check_invariant(97, 61, 21, 11);  /* 77 wide: two blocks and a shifted last one */
    check_invariant(70, 40, 7, 12);   /* 64 wide: exact blocks */
    check_invariant(20, 17, 5, 13);   /* 16 wide: the scalar path */
    check_invariant(120, 50, 35, 14); /* the large-end kernel */
}

static void check_separable(size_t nx, size_t ny, int K, uint64_t seed)
{
    float *in = random_floats(nx * ny, seed, 0.0, 10.0);
    float *kx = random_floats((size_t)K, seed + 1, -0.2, 1.0);
    float *ky = random_floats((size_t)K, seed + 2, -0.2, 1.0);
    size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
    float *out = malloc(sizeof *out * nxo * nyo), *full = malloc(sizeof *full * nxo * nyo);
    float *rowbuf = malloc(sizeof *rowbuf * nx), *outer = malloc(sizeof *outer * (size_t)(K * K));
    double *kd = malloc(sizeof *kd * (size_t)(K * K));
    assert_true(out && full && rowbuf && outer && kd);
    for (int j = 0; j < K; j++)
        for (int i = 0; i < K; i++) {
            kd[j * K + i] = (double)ky[j] * (double)kx[i];
            outer[j * K + i] = (float)kd[j * K + i];
        }
    ob_conv_separable(in, nx, ny, kx, ky, K, rowbuf, out);
    assert_matches_definition(in, nx, ny, kd, K, out, 1e-5);
    /* and the 2-D method with the outer-product kernel agrees */
    ob_conv_invariant(in, nx, ny, outer, K, full);
    for (size_t p = 0; p < nxo * nyo; p++)
        assert_true(fabs(out[p] - full[p]) <= 1e-4 * (fabs(full[p]) + 1.0));
    free(in);
    free(kx);
    free(ky);
    free(out);
    free(full);
    free(rowbuf);
    free(outer);
    free(kd);
}

static void test_separable_matches_outer_product(void **state)
{
    (void)state;
    check_separable(90, 44, 21, 21);
    check_separable(40, 30, 9, 22);
    check_separable(15, 12, 3, 23);
}

static void test_gaussian_taps(void **state)
{
    (void)state;
    float g[21];
    ob_gaussian_1d(g, 21, 2.0);
    double sum = 0.0;
    for (int i = 0; i < 21; i++)
        sum += g[i];
    assert_true(fabs(sum - 1.0) < 1e-6);
    assert_true(fabs(g[10 + 3] - g[10 - 3]) == 0.0f);
    assert_true(fabs(g[11] / g[10] - exp(-0.5 / 4.0)) < 1e-6);
}

static void test_al_basis(void **state)
{
    (void)state;
    ob_al_model m;
    const int K = 21, h = K / 2;
    assert_int_equal(ob_al_model_init(&m, K, 300, 200, 7), 0);
    assert_int_equal(ob_al_model_nbasis(&m), 27);
    assert_int_equal(OB_AL_NBASIS, 27);
    /* basis 0: the sigma 0.7 Gaussian, degree 0 */
    const float *b0 = m.basis;
    assert_true(fabs(b0[h * K + h + 1] / b0[h * K + h] - exp(-0.5 / (0.7 * 0.7))) < 1e-5);
    /* basis 15: the first of the sigma 1.5 group (15 = 1+2+3+4+5 monomials before it) */
    const float *b15 = m.basis + 15 * K * K;
    assert_true(fabs(b15[h * K + h + 2] / b15[h * K + h] - exp(-0.5 * 4 / (1.5 * 1.5))) < 1e-5);
    /* basis 21: the first of the sigma 3.0 group */
    const float *b21 = m.basis + 21 * K * K;
    assert_true(fabs(b21[(h + 3) * K + h] / b21[h * K + h] - exp(-0.5 * 9 / 9.0)) < 1e-5);
    /* basis 1 = u * G(0.7) (degree 1, q = 0): odd in u, even in v */
    const float *b1 = m.basis + 1 * K * K;
    assert_true(b1[h * K + h] == 0.0f);
    assert_true(b1[(h + 1) * K + h + 1] == -b1[(h + 1) * K + h - 1]);
    assert_true(b1[(h + 1) * K + h + 1] == b1[(h - 1) * K + h + 1]);
    /* every basis has unit L1 norm */
    for (int b = 0; b < 27; b++) {
        double l1 = 0.0;
        for (int t = 0; t < K * K; t++)
            l1 += fabs(m.basis[b * K * K + t]);
        assert_true(fabs(l1 - 1.0) < 1e-5);
    }
    /* the kernel at a point is the weighted basis sum: at the centre of the
     * image the spatial polynomial reduces to its constant term */
    double *kimg = malloc(sizeof *kimg * (size_t)(K * K));
    assert_non_null(kimg);
    ob_al_kernel_at(&m, 149.5, 99.5, kimg);
    for (int t = 0; t < K * K; t += 17) {
        double ref = 0.0;
        for (int b = 0; b < 27; b++)
            ref += m.coeff[b][0] * m.basis[b * K * K + t];
        assert_true(fabs(kimg[t] - ref) < 1e-9);
    }
    /* deterministic per seed, different across seeds */
    ob_al_model m2, m3;
    assert_int_equal(ob_al_model_init(&m2, K, 300, 200, 7), 0);
    assert_int_equal(ob_al_model_init(&m3, K, 300, 200, 8), 0);
    assert_memory_equal(m.coeff, m2.coeff, sizeof m.coeff);
    assert_memory_equal(m.basis, m2.basis, sizeof(float) * 27 * K * K);
    assert_memory_not_equal(m.coeff, m3.coeff, sizeof m.coeff);
    free(kimg);
    ob_al_model_free(&m);
    ob_al_model_free(&m2);
    ob_al_model_free(&m3);
}

static void test_al_grid_interpolation(void **state)
{
    (void)state;
    const int K = 9;
    const size_t nxo = 83, nyo = 41;
    ob_al_model m;
    ob_al_grid g;
    assert_int_equal(ob_al_model_init(&m, K, nxo, nyo, 3), 0);
    assert_int_equal(ob_al_grid_init(&g, &m, nxo, nyo), 0);
    /* nodes cover the image, at most OB_AL_MAX_SPACING apart */
    assert_int_equal(g.node_x[0], 0);
    assert_int_equal(g.node_x[g.ncx - 1], nxo - 1);
    assert_int_equal(g.node_y[0], 0);
    assert_int_equal(g.node_y[g.ncy - 1], nyo - 1);
    for (size_t c = 1; c < g.ncx; c++)
        assert_true(g.node_x[c] > g.node_x[c - 1] && g.node_x[c] - g.node_x[c - 1] <= 10);
    for (size_t c = 1; c < g.ncy; c++)
        assert_true(g.node_y[c] > g.node_y[c - 1] && g.node_y[c] - g.node_y[c - 1] <= 10);
    size_t kk = (size_t)(K * K);
    double *ki = malloc(sizeof *ki * kk), *kd = malloc(sizeof *kd * kk);
    double *c00 = malloc(sizeof *c00 * kk), *c11 = malloc(sizeof *c11 * kk);
    double *c01 = malloc(sizeof *c01 * kk), *c10 = malloc(sizeof *c10 * kk);
    assert_true(ki && kd && c00 && c11 && c01 && c10);
    /* exact at every corner: the interpolated kernel is the node kernel,
     * which is the model evaluated there (to float rounding of a 27-term
     * sum, bounded against the kernel's peak) */
    float *node = malloc(sizeof *node * kk);
    assert_non_null(node);
    for (size_t cy = 0; cy < g.ncy; cy++)
        for (size_t cx = 0; cx < g.ncx; cx++) {
            ob_al_grid_kernel_at(&g, g.node_x[cx], g.node_y[cy], ki);
            ob_al_kernel_at(&m, (double)g.node_x[cx], (double)g.node_y[cy], kd);
            ob_al_node_kernel(&m, g.node_x[cx], g.node_y[cy], node);
            double peak = 0.0;
            for (size_t t = 0; t < kk; t++)
                peak = fmax(peak, fabs(kd[t]));
            for (size_t t = 0; t < kk; t++) {
                assert_true(ki[t] == (double)node[t]);
                assert_true(fabs(ki[t] - kd[t]) <= 1e-6 * peak);
            }
        }
    /* bilinear in between: at the centre of a region, the mean of its
     * four corners */
    ob_al_grid_kernel_at(&g, 20, 12, ki);
    ob_al_grid_kernel_at(&g, 16, 8, c00);
    ob_al_grid_kernel_at(&g, 24, 8, c01);
    ob_al_grid_kernel_at(&g, 16, 16, c10);
    ob_al_grid_kernel_at(&g, 24, 16, c11);
    for (size_t t = 0; t < kk; t++)
        assert_true(fabs(ki[t] - 0.25 * (c00[t] + c01[t] + c10[t] + c11[t])) < 1e-9);
    free(node);
    free(ki);
    free(kd);
    free(c00);
    free(c01);
    free(c10);
    free(c11);
    ob_al_grid_free(&g);
    ob_al_model_free(&m);
}

/* With bilinear_model, the x^2 and y^2 spatial terms are dropped: the
 * kernel is then bilinear in (x, y), linear interpolation between region
 * corners is exact, and the result must match the model evaluated at
 * every pixel directly. */
static void check_varying(size_t nx, size_t ny, int K, uint64_t seed, int bilinear_model)
{
    float *in = random_floats(nx * ny, seed, 0.0, 100.0);
    size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1, kk = (size_t)(K * K);
    float *out = malloc(sizeof *out * nxo * nyo);
    double *ki = malloc(sizeof *ki * kk), *kd = malloc(sizeof *kd * kk);
    assert_true(out && ki && kd);
    ob_al_model m;
    ob_al_grid g;
    assert_int_equal(ob_al_model_init(&m, K, nxo, nyo, seed), 0);
    if (bilinear_model)
        for (int b = 0; b < OB_AL_NBASIS; b++)
            m.coeff[b][3] = m.coeff[b][5] = 0.0;
    assert_int_equal(ob_al_grid_init(&g, &m, nxo, nyo), 0);
    ob_conv_varying(in, nx, ny, &g, out);
    for (size_t y = 0; y < nyo; y++)
        for (size_t x = 0; x < nxo; x++) {
            ob_al_grid_kernel_at(&g, x, y, ki);
            ob_al_kernel_at(&m, (double)x, (double)y, kd);
            double ref = 0.0, exact = 0.0, mag = 0.0;
            for (int j = 0; j < K; j++)
                for (int i = 0; i < K; i++) {
                    double v = in[(y + (size_t)j) * nx + x + (size_t)i];
                    ref += ki[j * K + i] * v;
                    exact += kd[j * K + i] * v;
                    mag += fabs(ki[j * K + i] * v);
                }
            double got = out[y * nxo + x];
            if (fabs(got - ref) > 1e-5 * mag)
                fail_msg("varying (%zu,%zu): got %.9g, interpolated kernel gives %.9g", x, y, got,
                         ref);
            if (bilinear_model && fabs(got - exact) > 1e-5 * mag)
                fail_msg("varying (%zu,%zu): got %.9g, exact model gives %.9g", x, y, got, exact);
        }
    ob_al_grid_free(&g);
    ob_al_model_free(&m);
    free(in);
    free(out);
    free(ki);
    free(kd);
}

static void test_varying_matches_definition(void **state)
{
    (void)state;
    check_varying(110, 60, 21, 31, 0); /* 90 wide: regions of 8, a last one of 9 */
    check_varying(110, 60, 21, 31, 1);
    check_varying(60, 50, 7, 32, 0); /* 54 wide */
    check_varying(60, 50, 7, 32, 1);
    check_varying(12, 30, 7, 33, 1);  /* 6 wide: the scalar path */
    check_varying(31, 31, 21, 34, 1); /* 11 wide: one full region and a shifted one */
}

static void test_deterministic(void **state)
{
    (void)state;
    size_t nx = 64, ny = 48;
    int K = 11;
    float *in = random_floats(nx * ny, 5, 0.0, 1.0), *k = random_floats(121, 6, 0.0, 1.0);
    float *in2 = random_floats(nx * ny, 5, 0.0, 1.0);
    size_t n = (nx - 10) * (ny - 10);
    float *a = malloc(sizeof *a * n), *b = malloc(sizeof *b * n);
    assert_true(a && b);
    assert_memory_equal(in, in2, sizeof *in * nx * ny);
    ob_conv_invariant(in, nx, ny, k, K, a);
    ob_conv_invariant(in2, nx, ny, k, K, b);
    assert_memory_equal(a, b, sizeof *a * n);
    free(in);
    free(in2);
    free(k);
    free(a);
    free(b);
}

static void test_kernel_ci(void **state)
{
    (void)state;
    const ob_kernel *kern = ob_kernel_find("conv");
    assert_non_null(kern);
    assert_int_equal(ob_kernel_phase_count(kern), 3);
    assert_string_equal(kern->phases[0], "invariant");
    assert_string_equal(kern->phases[1], "separable");
    assert_string_equal(kern->phases[2], "varying");
    ob_plan plan;
    for (int p = 0; p < OB_PRESET_COUNT; p++) {
        assert_int_equal(ob_kernel_plan(kern, (ob_preset)p, NULL, NULL, &plan, NULL, 0), OB_OK);
        assert_true(plan.work_units > 0 && plan.footprint_bytes > 0);
    }
    assert_int_equal(ob_kernel_plan(kern, OB_PRESET_CI, NULL, NULL, &plan, NULL, 0), OB_OK);
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, ".");
    assert_non_null(ctx);
    void *st = NULL;
    assert_int_equal(kern->setup(ctx, &st), OB_OK);
    char why[256] = "";
    assert_int_not_equal(kern->verify(st, why, sizeof why), 0); /* nothing ran yet */
    for (int rep = 0; rep < 2; rep++) {
        assert_int_equal(kern->run(st, ctx), OB_OK);
        why[0] = '\0';
        int rc = kern->verify(st, why, sizeof why);
        if (rc != 0)
            fail_msg("verify: %s", why);
    }
    for (int ph = 0; ph < 3; ph++)
        assert_true(ob_ctx_standalone_phase_seconds(ctx, ph) > 0.0);
    kern->teardown(st);
    ob_ctx_standalone_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_invariant_matches_definition),
        cmocka_unit_test(test_separable_matches_outer_product),
        cmocka_unit_test(test_gaussian_taps),
        cmocka_unit_test(test_al_basis),
        cmocka_unit_test(test_al_grid_interpolation),
        cmocka_unit_test(test_varying_matches_definition),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_kernel_ci),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
