/* conv: PSF-matching convolution as LSST image differencing does it
 * (ip_diffim / afw::math::convolve): direct, not FFT, convolution of a
 * CCD-sized float image, in three phases:
 *
 *   invariant  a spatially invariant, non-separable K x K kernel
 *              (vectorised brute force)
 *   separable  a separable Gaussian: a vertical and a horizontal 1-D pass
 *              through a row buffer
 *   varying    a spatially varying Alard-Lupton kernel (27 basis
 *              functions, 2nd-order spatial weights), evaluated at region
 *              corners 8 px apart during the phase (as afw does) and
 *              linearly interpolated between
 *
 * Kernel sizes: 21 x 21 (ip_diffim's kernelSizeMin, typical seeing) for
 * invariant and varying at every preset; the separable phase uses 35 taps
 * at `lsst` (kernelSizeMax, the bad-seeing end, affordable there because a
 * separable pass costs 2K, not K^2, per pixel). bench/conv_methods covers
 * 21 and 35 for the full 2-D methods.
 *
 * Verification every run: a sample of output pixels of each phase against
 * the definition in double (the separable phase against the full
 * outer-product kernel, the varying one against the bilinearly interpolated
 * kernel), and the interpolated kernels at the last row's region corners
 * against the Alard-Lupton model evaluated directly there. */
#include "kernels/rubin/conv2d.h"
#include "occbench/kernel.h"
#include "common/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PH_INVARIANT, PH_SEPARABLE, PH_VARYING, PH_COUNT };
static const char *const conv_phases[] = {[PH_INVARIANT] = "invariant",
                                          [PH_SEPARABLE] = "separable",
                                          [PH_VARYING] = "varying",
                                          [PH_COUNT] = NULL};
OB_PHASES_MATCH(conv_phases, PH_COUNT);

/* Pixels checked per phase per repetition, and the relative bound against
 * sum |k| |in| (float accumulation of <= 35*35 terms stays far below). */
#define SAMPLES 48
#define REL_BOUND 1e-4
#define KERNEL_REL_BOUND 1e-5
#define MAX_K 35

typedef struct conv_size {
    size_t nx, ny;
    int k2d;  /* invariant and varying */
    int ksep; /* separable */
} conv_size;

static conv_size size_of(ob_preset p)
{
    switch (p) {
    case OB_PRESET_CI:
        return (conv_size){256, 200, 21, 21};
    case OB_PRESET_SMALL: /* a quarter CCD */
        return (conv_size){2036, 2000, 21, 21};
    default: /* an assembled LSSTCam ITL CCD */
        return (conv_size){4072, 4000, 21, 35};
    }
}

typedef struct conv_state {
    conv_size sz;
    size_t nxo, nyo, nxs, nys; /* 2-D and separable output sizes */
    float *in;
    float *out_inv, *out_sep, *out_var;
    float *kernel; /* invariant kernel, k2d^2 */
    float *gauss;  /* separable taps, ksep */
    float *rowbuf; /* nx */
    ob_al_model model;
    ob_al_grid grid;
    unsigned long long rep;
} conv_state;

static int conv_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                     ob_plan *out, char *why, size_t why_len)
{
    (void)opts; /* no options, and no plan that can fail */
    (void)why;
    (void)why_len;
    (void)machine;
    conv_size s = size_of(preset);
    size_t nxo = s.nx - (size_t)s.k2d + 1, nyo = s.ny - (size_t)s.k2d + 1;
    size_t nxs = s.nx - (size_t)s.ksep + 1, nys = s.ny - (size_t)s.ksep + 1;
    size_t grid_kernels = 2 * (nxo / 8 + 2) + 2; /* two node rows, one region's pair */
    memset(out, 0, sizeof *out);
    out->footprint_bytes = sizeof(float) * (s.nx * s.ny + 2 * nxo * nyo + nxs * nys + s.nx +
                                            grid_kernels * (size_t)(s.k2d * s.k2d));
    out->work_units = (double)(2 * nxo * nyo + nxs * nys);
    out->work_unit = "pixels";
    out->figure_name = "Mpix/s";
    out->figure_scale = 1e-6;
    out->figure_inverse = 0;
    snprintf(out->description, sizeof out->description,
             "%zux%zu float image; %dx%d invariant + varying (27 AL bases), %d-tap separable", s.nx,
             s.ny, s.k2d, s.k2d, s.ksep);
    return OB_OK;
}

static void conv_teardown(void *state)
{
    conv_state *st = state;
    if (!st)
        return;
    free(st->in);
    free(st->out_inv);
    free(st->out_sep);
    free(st->out_var);
    free(st->kernel);
    free(st->gauss);
    free(st->rowbuf);
    ob_al_grid_free(&st->grid);
    ob_al_model_free(&st->model);
    free(st);
}

/* Sky background with read noise and a few hundred stars of a 2 px PSF. */
static void make_image(float *img, size_t nx, size_t ny, uint64_t seed)
{
    ob_rng rng;
    ob_rng_seed(&rng, seed);
    for (size_t p = 0; p < nx * ny; p++)
        img[p] = (float)(1000.0 + 8.0 * ob_rng_normal(&rng));
    size_t nstars = nx * ny / 40000 + 5;
    for (size_t s = 0; s < nstars; s++) {
        double cx = ob_rng_uniform(&rng) * (double)nx, cy = ob_rng_uniform(&rng) * (double)ny;
        double flux = 1e3 * exp(6.0 * ob_rng_uniform(&rng));
        int r = 8;
        for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++) {
                long x = (long)cx + dx, y = (long)cy + dy;
                if (x < 0 || y < 0 || x >= (long)nx || y >= (long)ny)
                    continue;
                double ux = (double)x - cx, uy = (double)y - cy;
                img[(size_t)y * nx + (size_t)x] +=
                    (float)(flux / (2 * M_PI * 4.0) * exp(-(ux * ux + uy * uy) / 8.0));
            }
    }
}

static int conv_setup(ob_ctx *ctx, void **state)
{
    conv_state *st = calloc(1, sizeof *st);
    if (!st) {
        ob_ctx_set_error(ctx, "conv: out of memory for the state");
        return OB_ERR;
    }
    *state = st;
    st->sz = size_of(ob_ctx_preset(ctx));
    conv_size s = st->sz;
    st->nxo = s.nx - (size_t)s.k2d + 1;
    st->nyo = s.ny - (size_t)s.k2d + 1;
    st->nxs = s.nx - (size_t)s.ksep + 1;
    st->nys = s.ny - (size_t)s.ksep + 1;
    st->in = malloc(sizeof(float) * s.nx * s.ny);
    /* calloc leaves first touch to the memset below, on the bound core */
    st->out_inv = malloc(sizeof(float) * st->nxo * st->nyo);
    st->out_var = malloc(sizeof(float) * st->nxo * st->nyo);
    st->out_sep = malloc(sizeof(float) * st->nxs * st->nys);
    st->kernel = malloc(sizeof(float) * (size_t)(s.k2d * s.k2d));
    st->gauss = malloc(sizeof(float) * (size_t)s.ksep);
    st->rowbuf = malloc(sizeof(float) * s.nx);
    if (!st->in || !st->out_inv || !st->out_var || !st->out_sep || !st->kernel || !st->gauss ||
        !st->rowbuf || ob_al_model_init(&st->model, s.k2d, st->nxo, st->nyo, 0xA1A2D1FFULL) != 0 ||
        ob_al_grid_init(&st->grid, &st->model, st->nxo, st->nyo) != 0) {
        ob_ctx_set_error(ctx, "conv: out of memory for a %zux%zu image and its outputs", s.nx,
                         s.ny);
        return OB_ERR;
    }
    make_image(st->in, s.nx, s.ny, 0xC0FFEE + (uint64_t)s.nx);
    memset(st->out_inv, 0, sizeof(float) * st->nxo * st->nyo);
    memset(st->out_var, 0, sizeof(float) * st->nxo * st->nyo);
    memset(st->out_sep, 0, sizeof(float) * st->nxs * st->nys);

    /* invariant kernel: the Alard-Lupton model at the image centre, which
     * is not separable (its polynomial bases are not products of one
     * common 1-D profile) */
    double tmp[MAX_K * MAX_K];
    ob_al_kernel_at(&st->model, 0.5 * (double)(st->nxo - 1), 0.5 * (double)(st->nyo - 1), tmp);
    for (int t = 0; t < s.k2d * s.k2d; t++)
        st->kernel[t] = (float)tmp[t];
    ob_gaussian_1d(st->gauss, s.ksep, 2.0);
    return OB_OK;
}

static int conv_run(void *state, ob_ctx *ctx)
{
    conv_state *st = state;
    conv_size s = st->sz;
    ob_phase_begin(ctx, PH_INVARIANT);
    ob_conv_invariant(st->in, s.nx, s.ny, st->kernel, s.k2d, st->out_inv);
    ob_phase_end(ctx, PH_INVARIANT);

    ob_phase_begin(ctx, PH_SEPARABLE);
    ob_conv_separable(st->in, s.nx, s.ny, st->gauss, st->gauss, s.ksep, st->rowbuf, st->out_sep);
    ob_phase_end(ctx, PH_SEPARABLE);

    ob_phase_begin(ctx, PH_VARYING);
    ob_conv_varying(st->in, s.nx, s.ny, &st->grid, st->out_var);
    ob_phase_end(ctx, PH_VARYING);
    st->rep++;
    return OB_OK;
}

/* |got - ref| against REL_BOUND * sum |k| |in| at output pixel (x, y). */
static int check_pixel(const float *in, size_t nx, const double *k, int K, size_t x, size_t y,
                       float got, const char *phase, char *why, size_t why_len)
{
    double ref = 0.0, mag = 0.0;
    for (int j = 0; j < K; j++)
        for (int i = 0; i < K; i++) {
            double v = (double)in[(y + (size_t)j) * nx + x + (size_t)i];
            ref += k[j * K + i] * v;
            mag += fabs(k[j * K + i] * v);
        }
    if (fabs((double)got - ref) <= REL_BOUND * mag + 1e-30)
        return 0;
    snprintf(why, why_len, "conv %s: pixel (%zu,%zu) = %.9g, direct convolution gives %.9g", phase,
             x, y, (double)got, ref);
    return -1;
}

/* Sample position s of n: the four corners first, then random. */
static void sample_xy(ob_rng *rng, int s, size_t nxo, size_t nyo, size_t *x, size_t *y)
{
    if (s < 4) {
        *x = (s & 1) ? nxo - 1 : 0;
        *y = (s & 2) ? nyo - 1 : 0;
        return;
    }
    *x = (size_t)ob_rng_below(rng, nxo);
    *y = (size_t)ob_rng_below(rng, nyo);
}

static int conv_verify(void *state, char *why, size_t why_len)
{
    conv_state *st = state;
    conv_size s = st->sz;
    int K = s.k2d, KS = s.ksep;
    double k[MAX_K * MAX_K], kd[MAX_K * MAX_K];
    if (st->rep == 0) {
        snprintf(why, why_len, "conv: verify called before any repetition ran");
        return -1;
    }
    ob_rng rng;
    ob_rng_seed(&rng, 0x5A3B1E + st->rep);

    for (int t = 0; t < K * K; t++)
        k[t] = st->kernel[t];
    for (int n = 0; n < SAMPLES; n++) {
        size_t x, y;
        sample_xy(&rng, n, st->nxo, st->nyo, &x, &y);
        if (check_pixel(st->in, s.nx, k, K, x, y, st->out_inv[y * st->nxo + x], "invariant", why,
                        why_len))
            return -1;
    }
    /* the separable result against the full outer-product kernel */
    for (int j = 0; j < KS; j++)
        for (int i = 0; i < KS; i++)
            k[j * KS + i] = (double)st->gauss[j] * (double)st->gauss[i];
    for (int n = 0; n < SAMPLES; n++) {
        size_t x, y;
        sample_xy(&rng, n, st->nxs, st->nys, &x, &y);
        if (check_pixel(st->in, s.nx, k, KS, x, y, st->out_sep[y * st->nxs + x], "separable", why,
                        why_len))
            return -1;
    }
    for (int n = 0; n < SAMPLES; n++) {
        size_t x, y;
        sample_xy(&rng, n, st->nxo, st->nyo, &x, &y);
        ob_al_grid_kernel_at(&st->grid, x, y, k);
        if (check_pixel(st->in, s.nx, k, K, x, y, st->out_var[y * st->nxo + x], "varying", why,
                        why_len))
            return -1;
    }
    /* The run evaluated the corner kernels of the last node row: they must
     * be the model evaluated directly there; and the kernels it
     * interpolated to the last row (a row of corners, ty = 1) for the last
     * region must be exactly those corners. */
    const ob_al_grid *g = &st->grid;
    size_t kk = (size_t)K * (size_t)K, ylast = g->node_y[g->ncy - 1];
    for (size_t c = 0; c < g->ncx; c += 1 + g->ncx / 16) {
        ob_al_kernel_at(&st->model, (double)g->node_x[c], (double)ylast, kd);
        const float *used = g->band_bottom + c * kk;
        double peak = 0.0;
        for (size_t t = 0; t < kk; t++)
            peak = fmax(peak, fabs(kd[t]));
        for (size_t t = 0; t < kk; t++)
            if (fabs((double)used[t] - kd[t]) > KERNEL_REL_BOUND * peak) {
                snprintf(why, why_len,
                         "conv varying: kernel at corner (%zu,%zu) tap %zu = %.9g, the model "
                         "gives %.9g",
                         g->node_x[c], ylast, t, (double)used[t], kd[t]);
                return -1;
            }
    }
    if (memcmp(g->row_kernels, g->band_bottom + (g->ncx - 2) * kk, 2 * kk * sizeof(float)) != 0) {
        snprintf(why, why_len,
                 "conv varying: kernels interpolated to corner row %zu differ from the corners",
                 ylast);
        return -1;
    }
    return 0;
}

/* Test hook: every output pixel one count too high. */
static void conv_corrupt(void *state)
{
    conv_state *st = state;
    for (size_t i = 0; i < st->nxo * st->nyo; i++)
        st->out_inv[i] += 1.0f;
}

const ob_kernel ob_kernel_conv = {
    .name = "conv",
    .summary = "PSF-matching direct convolution: invariant, separable, Alard-Lupton varying",
    .phases = conv_phases,
    .plan = conv_plan,
    .setup = conv_setup,
    .run = conv_run,
    .verify = conv_verify,
    .teardown = conv_teardown,
    .corrupt = conv_corrupt,
};
