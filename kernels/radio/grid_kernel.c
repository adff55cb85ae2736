/* Shared setup, presets and checks of the grid and degrid kernels. */
#include "kernels/radio/grid_kernel.h"

#include "common/rng.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Presets. The lsst one is a DDFacet facet: LoTSS-like imaging of 20000^2
 * pixels over 45 facets with padding 1.7 gives facet images of ~3000^2 and
 * grids of ~5000^2 (200 MB complex64). The FFT takes powers of two, so the
 * grid is 4096^2 (134 MB; 8192^2 would overstate the grid 2.6x) with an
 * image of 2560^2 (sigma = 1.6, near DDFacet's padding), and 12.1M
 * visibilities: 703 baselines x 720 integrations x 24 channels. */
typedef struct preset_size {
    size_t n_grid, n_image;
    int n_time, n_chan;
    size_t n_check;
} preset_size;

static const preset_size sizes[OB_PRESET_COUNT] = {
    [OB_PRESET_CI] = {256, 128, 8, 4, 64},
    [OB_PRESET_SMALL] = {2048, 1024, 96, 16, 48},
    [OB_PRESET_LSST] = {4096, 2560, 720, 24, 32},
};

static const uint64_t obs_seed = 0x0cc0b5e7ULL;

/* The options of grid and degrid (each kernel declares the same table).
 * The OCCBENCH_GRID_* variables are the documented fallback of 0.1. */
const ob_kopt ob_grid_options[] = {
    {"style", OB_KOPT_CHOICE, "es", "es,ddf", 0, 0, "OCCBENCH_GRID_STYLE",
     "es: exponential-of-semicircle kernel on the fly (wgridder); ddf: DDFacet's tabulated "
     "prolate spheroidal (support 7, oversampling 11)"},
    {"eps", OB_KOPT_REAL, "1e-05", NULL, 1e-7, 1e-2, "OCCBENCH_GRID_EPS",
     "requested accuracy of the es kernel (chooses W, sigma, beta)"},
    {"wstack", OB_KOPT_BOOL, "0", NULL, 0, 0, "OCCBENCH_GRID_WSTACK", "w-stacking (style es only)"},
    {"wproj", OB_KOPT_BOOL, "0", NULL, 0, 0, "OCCBENCH_GRID_WPROJ",
     "w-projection kernels (style ddf only)"},
    {NULL, 0, NULL, NULL, 0, 0, NULL, NULL},
};

int ob_grid_check_options(const ob_kopt_values *v, char *why, size_t why_len)
{
    const char *style = ob_kopt_value(ob_grid_options, v, "style");
    if (ob_kopt_bool(ob_grid_options, v, "wstack") && strcmp(style, "es") != 0) {
        snprintf(why, why_len, "grid option wstack=1 needs style=es (style is %s)", style);
        return -1;
    }
    if (ob_kopt_bool(ob_grid_options, v, "wproj") && strcmp(style, "ddf") != 0) {
        snprintf(why, why_len, "grid option wproj=1 needs style=ddf (style is %s)", style);
        return -1;
    }
    return 0;
}

int ob_grid_preset_setup(ob_preset preset, const ob_kopt_values *opts, ob_grid_setup *out,
                         char *why, size_t why_len)
{
    if (preset < 0 || preset >= OB_PRESET_COUNT) {
        snprintf(why, why_len, "preset %d: ci, small or lsst is accepted", (int)preset);
        return -1;
    }
    if (ob_grid_check_options(opts, why, why_len) != 0)
        return -1;
    const preset_size *sz = &sizes[preset];
    memset(out, 0, sizeof *out);
    out->obs = ob_obs_default_config(sz->n_time, sz->n_chan, obs_seed);
    out->grid.n_grid = sz->n_grid;
    out->grid.n_image = sz->n_image;
    out->n_check = sz->n_check;
    if (ob_grid_style_parse(ob_kopt_value(ob_grid_options, opts, "style"), &out->grid.style) != 0) {
        snprintf(why, why_len, "grid option style=%s: es or ddf is accepted",
                 ob_kopt_value(ob_grid_options, opts, "style"));
        return -1;
    }
    out->grid.eps = ob_kopt_real(ob_grid_options, opts, "eps");
    out->grid.wstack = ob_kopt_bool(ob_grid_options, opts, "wstack");
    out->grid.wproj = ob_kopt_bool(ob_grid_options, opts, "wproj");
    return 0;
}

/* The FFT plan's scratch (two buffers of up to 16 complex lanes per
 * element) and twiddles, approximately. */
static size_t fft_plan_bytes(size_t n)
{
    return n * (2 * 32 + 8) * sizeof(float);
}

int ob_grid_plan(ob_preset preset, int degrid, const ob_kopt_values *opts, ob_plan *out, char *why,
                 size_t why_len)
{
    ob_grid_setup st;
    memset(out, 0, sizeof *out);
    if (ob_grid_preset_setup(preset, opts, &st, why, why_len) != 0)
        return OB_ERR;
    size_t ns = (size_t)(st.obs.n_core + st.obs.n_remote);
    size_t rows = ns * (ns - 1) / 2 * (size_t)st.obs.n_time, nvis = rows * (size_t)st.obs.n_chan;
    size_t ng = st.grid.n_grid, ni = st.grid.n_image;
    out->footprint_bytes = rows * 3 * sizeof(double) + nvis * 2 * sizeof(float) * (degrid ? 2 : 1) +
                           ob_gridder_bytes(&st.grid, nvis) + ng * ng * 2 * sizeof(float) +
                           ni * ni * sizeof(float) + fft_plan_bytes(ng);
    out->work_units = (double)nvis;
    out->work_unit = "visibilities";
    out->figure_name = "Mvis/s";
    out->figure_scale = 1e-6;
    out->figure_inverse = 0;
    double sigma = (double)ng / (double)ni;
    int W = OB_DDF_SUPPORT;
    ob_es_params es;
    if (st.grid.style == OB_GRID_STYLE_ES)
        W = ob_es_choose(st.grid.eps, sigma, &es) == 0 ? es.W : OB_ES_MAX_W;
    char kern[48];
    if (st.grid.style == OB_GRID_STYLE_ES)
        snprintf(kern, sizeof kern, "es W=%d eps=%.0e%s", W, st.grid.eps,
                 st.grid.wstack ? " w-stacking" : "");
    else
        snprintf(kern, sizeof kern, "ddf W=%d x%d%s", W, OB_DDF_OVERSAMPLE,
                 st.grid.wproj ? " w-projection" : "");
    snprintf(out->description, sizeof out->description,
             "%zu vis (%zu rows x %d ch) onto %zu^2 grid, image %zu^2, %s", nvis, rows,
             st.obs.n_chan, ng, ni, kern);
    return OB_OK;
}

void ob_grid_state_free(ob_grid_state *s)
{
    if (!s)
        return;
    ob_obs_free(&s->obs);
    ob_gridder_free(s->g);
    if (s->fft)
        ob_fft2d_free(s->fft);
    free(s->grid);
    free(s->image);
    free(s->vis_out);
    free(s->pix);
    free(s->flux);
    free(s->idx);
    free(s->ref);
    free(s->got);
    free(s);
}

/* Checked pixels of the dirty image: the pixel of each of the brightest
 * sources (where the image is large, as in the wgridder's global error),
 * then random pixels anywhere, edges included (where aliasing is worst). */
static void pick_pixels(ob_grid_state *s, ob_rng *rng)
{
    size_t ni = ob_gridder_n_image(s->g), k = 0;
    double pixel = ob_gridder_pixel(s->g);
    for (int i = 0; i < s->obs.n_src && k < s->n_check / 2; i++, k++) {
        long ix = lround(s->obs.src[4 * i] / pixel) + (long)ni / 2;
        long iy = lround(s->obs.src[4 * i + 1] / pixel) + (long)ni / 2;
        s->pix[2 * k] = (int)(ix < 0 ? 0 : ix >= (long)ni ? (long)ni - 1 : ix);
        s->pix[2 * k + 1] = (int)(iy < 0 ? 0 : iy >= (long)ni ? (long)ni - 1 : iy);
    }
    for (; k < s->n_check; k++) {
        s->pix[2 * k] = (int)ob_rng_below(rng, ni);
        s->pix[2 * k + 1] = (int)ob_rng_below(rng, ni);
    }
}

/* Model image for degridding: point sources on distinct pixels anywhere in
 * the image, the four corners first (the correction is largest there),
 * fluxes in [0.05, 1]. */
static void make_model(ob_grid_state *s, ob_rng *rng)
{
    size_t ni = ob_gridder_n_image(s->g);
    memset(s->image, 0, ni * ni * sizeof(float));
    for (size_t i = 0; i < s->n_model; i++) {
        size_t ix, iy;
        do {
            ix = (size_t)ob_rng_below(rng, ni);
            iy = (size_t)ob_rng_below(rng, ni);
            if (i < 4) {
                ix = (i & 1) ? ni - 1 : 0;
                iy = (i & 2) ? ni - 1 : 0;
            }
        } while (s->image[iy * ni + ix] != 0.0f);
        s->pix[2 * i] = (int)ix;
        s->pix[2 * i + 1] = (int)iy;
        s->flux[i] = (float)(0.05 + 0.95 * ob_rng_uniform(rng)); /* exactly what the image holds */
        s->image[iy * ni + ix] = (float)s->flux[i];
    }
}

int ob_grid_state_setup(ob_ctx *ctx, int degrid, ob_grid_state **out)
{
    char why[160];
    ob_grid_setup st;
    *out = NULL;
    if (ob_grid_preset_setup(ob_ctx_preset(ctx), ob_ctx_kopts(ctx), &st, why, sizeof why) != 0) {
        ob_ctx_set_error(ctx, "%s", why);
        return OB_ERR;
    }
    ob_grid_state *s = calloc(1, sizeof *s);
    if (!s) {
        ob_ctx_set_error(ctx, "out of memory for the %s state", degrid ? "degrid" : "grid");
        return OB_ERR;
    }
    s->degrid = degrid;
    s->n_check = st.n_check;
    if (ob_obs_generate_uvw(&st.obs, &s->obs) != 0) {
        ob_ctx_set_error(ctx, "out of memory for the observation");
        goto fail;
    }
    s->g = ob_gridder_create(&st.grid, &s->obs, why, sizeof why);
    if (!s->g) {
        ob_ctx_set_error(ctx, "%s", why);
        goto fail;
    }
    size_t ng = ob_gridder_n_grid(s->g), ni = ob_gridder_n_image(s->g);
    s->wstack = ob_gridder_planes(s->g) > 0;
    s->with_w = ob_gridder_uses_w(s->g);
    if (ob_obs_fill_sky(&st.obs, (double)ni * ob_gridder_pixel(s->g), &s->obs) != 0) {
        ob_ctx_set_error(ctx, "out of memory for %zu visibilities", s->obs.n_vis);
        goto fail;
    }
    s->fft = ob_fft2d_plan(ng, ng);
    /* First touch below, after the driver bound the rank to its core. */
    s->grid = malloc(ng * ng * 2 * sizeof(float));
    s->image = malloc(ni * ni * sizeof(float));
    s->n_model = degrid ? 64 : 0;
    s->pix = malloc((s->n_check + s->n_model) * 2 * sizeof(int));
    s->flux = malloc((s->n_model + 1) * sizeof(double));
    s->idx = malloc(s->n_check * sizeof(size_t));
    s->ref = malloc(s->n_check * 2 * sizeof(double));
    s->got = malloc(s->n_check * 2 * sizeof(double));
    if (degrid)
        s->vis_out = malloc(s->obs.n_vis * 2 * sizeof(float));
    if (!s->fft || !s->grid || !s->image || !s->pix || !s->flux || !s->idx || !s->ref || !s->got ||
        (degrid && !s->vis_out)) {
        ob_ctx_set_error(ctx, "out of memory for a %zu^2 grid", ng);
        goto fail;
    }
    memset(s->grid, 0, ng * ng * 2 * sizeof(float));
    memset(s->image, 0, ni * ni * sizeof(float));
    if (degrid)
        memset(s->vis_out, 0, s->obs.n_vis * 2 * sizeof(float));
    s->tol = ob_gridder_eps(s->g) + OB_GRID_FLOAT_FLOOR;
    ob_rng rng;
    ob_rng_seed(&rng, 0xc4ec5ULL + (uint64_t)degrid);
    if (!degrid) {
        pick_pixels(s, &rng);
        ob_grid_dirty_reference(&s->obs, s->obs.vis, ob_gridder_pixel(s->g), ni, s->with_w, s->pix,
                                s->n_check, s->ref);
    } else {
        make_model(s, &rng);
        for (size_t i = 0; i < s->n_check; i++)
            s->idx[i] = (size_t)ob_rng_below(&rng, s->obs.n_vis);
        ob_grid_model_reference(&s->obs, ob_gridder_pixel(s->g), ni, s->with_w, s->pix, s->flux,
                                s->n_model, s->idx, s->n_check, s->ref);
    }
    *out = s;
    return OB_OK;
fail:
    ob_grid_state_free(s);
    return OB_ERR;
}

double ob_grid_state_error(ob_grid_state *s)
{
    size_t n = s->n_check;
    if (!s->degrid) {
        size_t ni = ob_gridder_n_image(s->g);
        for (size_t i = 0; i < n; i++)
            s->got[i] = s->image[(size_t)s->pix[2 * i + 1] * ni + (size_t)s->pix[2 * i]];
        s->last_error = ob_rel_l2(s->got, s->ref, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            s->got[2 * i] = s->vis_out[2 * s->idx[i]];
            s->got[2 * i + 1] = s->vis_out[2 * s->idx[i] + 1];
        }
        s->last_error = ob_rel_l2(s->got, s->ref, 2 * n);
    }
    return s->last_error;
}

int ob_grid_state_verify(ob_grid_state *s, char *why, size_t why_len)
{
    if (!s->ran) {
        snprintf(why, why_len, "%s: verify before any repetition", s->degrid ? "degrid" : "grid");
        return 1;
    }
    /* Gridding sums many visibilities per cell in float32: its floor
     * depends on the densest tile of the last sort. */
    if (!s->degrid)
        s->tol = ob_gridder_eps(s->g) + ob_gridder_float_floor(s->g);
    double e = ob_grid_state_error(s);
    if (!(e <= s->tol)) {
        snprintf(why, why_len,
                 "%s: relative L2 error %.3g against the direct %s at %zu samples exceeds %.3g",
                 s->degrid ? "degrid" : "grid", e, s->degrid ? "evaluation" : "DFT", s->n_check,
                 s->tol);
        return 1;
    }
    return 0;
}

void ob_grid_state_corrupt(ob_grid_state *s)
{
    size_t ni = ob_gridder_n_image(s->g);
    if (s->degrid)
        for (size_t i = 0; i < 2 * s->obs.n_vis; i++)
            s->vis_out[i] *= 2.0f;
    else
        for (size_t i = 0; i < ni * ni; i++)
            s->image[i] *= 2.0f;
}
