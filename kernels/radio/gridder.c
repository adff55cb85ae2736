/* Tile-sorted convolutional gridding and degridding (see gridder.h): the
 * set-up (kernels, w-planes, w-projection kernels, the tile sort) and the
 * grid correction. The tile loops are in gridder_tiles.c, the FFT as far
 * as the image needs it in gridder_fft.c, the direct references in
 * gridder_reference.c.
 *
 * Speed: the kernel is separable in the es style, so a visibility costs two
 * polynomial evaluations (the W x-weights and W y-weights, each a few vector
 * multiply-adds across W lanes) and then W rows of 2W-float multiply-adds
 * into the tile buffer. The row work is written with GCC vector extensions
 * (8 floats) and instantiated once per W, so the loops are straight-line
 * vector code; the hot functions are compiled for AVX-512, AVX2 and
 * baseline x86-64 (target_clones) and picked at load time, as in fft2d.c.
 * Grid positions are computed in double (a float position would be off by
 * ~1e-4 cells on a 4096 grid, far above the kernel's accuracy). */
#include "kernels/radio/gridder_internal.h"
#include "kernels/lib/fft2d.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ob_grid_style_parse(const char *name, ob_grid_style *out)
{
    if (strcmp(name, "es") == 0)
        *out = OB_GRID_STYLE_ES;
    else if (strcmp(name, "ddf") == 0)
        *out = OB_GRID_STYLE_DDF;
    else
        return -1;
    return 0;
}

const char *ob_grid_style_name(ob_grid_style s)
{
    return s == OB_GRID_STYLE_DDF ? "ddf" : "es";
}

/* Schwab's rational approximation of the m=6, alpha=1 prolate spheroidal
 * wave function (the "grdsf" of AIPS/CASA), times (1 - nu^2): the classic
 * gridding function, nu = 2t/support in [-1, 1]. */
static double pswf(double nu)
{
    static const double p[2][5] = {
        {8.203343e-2, -3.644705e-1, 6.278660e-1, -5.335581e-1, 2.312756e-1},
        {4.028559e-3, -3.697768e-2, 1.021332e-1, -1.201436e-1, 6.412774e-2}};
    static const double q[2][3] = {{1.0, 8.212018e-1, 2.078043e-1},
                                   {1.0, 9.599102e-1, 2.918724e-1}};
    nu = fabs(nu);
    if (nu >= 1.0)
        return 0.0;
    int part = nu < 0.75 ? 0 : 1;
    double end = part ? 1.0 : 0.75, d = nu * nu - end * end;
    double top = 0.0, bot = 0.0;
    for (int k = 4; k >= 0; k--)
        top = top * d + p[part][k];
    for (int k = 2; k >= 0; k--)
        bot = bot * d + q[part][k];
    return (1.0 - nu * nu) * top / bot;
}

static double es_kernel_fn(const void *user, double x)
{
    return ob_es_phi(user, x);
}

static double pswf_fn(const void *user, double x)
{
    (void)user;
    return pswf(x);
}

/* Fourier transform of the style's kernel in cell units at nu cycles/cell. */
static double kernel_ft(const ob_gridder *g, double nu)
{
    if (g->style == OB_GRID_STYLE_ES)
        return ob_kernel_ft(es_kernel_fn, &g->es, g->W, nu);
    return ob_kernel_ft(pswf_fn, NULL, g->W, nu);
}

static int check_config(const ob_gridder_config *cfg, char *why, size_t why_len)
{
    size_t n = cfg->n_grid;
    if (n < 64 || (n & (n - 1)) != 0) {
        snprintf(why, why_len, "grid size %zu: a power of two >= 64 is needed", n);
        return -1;
    }
    if (n > (1u << 15)) {
        snprintf(why, why_len, "grid size %zu: at most 32768 is supported", n);
        return -1;
    }
    double sigma = (double)n / (double)cfg->n_image;
    if (cfg->n_image % 2 != 0 || sigma < 1.5 - 1e-9 || sigma > 2.0 + 1e-9) {
        snprintf(why, why_len,
                 "image size %zu for grid %zu: an even size with grid/image in [1.5, 2] is needed",
                 cfg->n_image, n);
        return -1;
    }
    if (cfg->style == OB_GRID_STYLE_ES && cfg->W != 0 &&
        (cfg->W < OB_ES_MIN_W || cfg->W > OB_ES_MAX_W)) {
        snprintf(why, why_len, "support W=%d: 4..16 is accepted", cfg->W);
        return -1;
    }
    return 0;
}

static int kernel_width(const ob_gridder_config *cfg)
{
    if (cfg->style == OB_GRID_STYLE_DDF)
        return OB_DDF_SUPPORT;
    if (cfg->W)
        return cfg->W;
    ob_es_params p;
    if (ob_es_choose(cfg->eps, (double)cfg->n_grid / (double)cfg->n_image, &p) != 0)
        return OB_ES_MAX_W;
    return p.W;
}

double ob_gridder_pixel_rad(const ob_gridder_config *cfg, const ob_obs *obs)
{
    (void)cfg;
    /* Longest |u|, |v| at 0.3125 n_grid cells from the centre: the uv plane
     * spans +-1/(2 pixel), so pixel = 1/(3.2 u_max), i.e. about 3 pixels
     * across the synthesised beam, as imagers are usually set up. */
    return 1.0 / (3.2 * obs->max_uv_lambda);
}

size_t ob_gridder_bytes(const ob_gridder_config *cfg, size_t n_vis)
{
    size_t tiles = (cfg->n_grid / OB_GRID_TILE + 1) * (cfg->n_grid / OB_GRID_TILE + 1);
    return 2 * n_vis * sizeof(uint32_t) + (tiles + 1) * sizeof(uint32_t) +
           TB_ROWS * TB_STRIDE * sizeof(float) + (cfg->n_image / 2 + 1) * sizeof(double) +
           (size_t)DDF_OFFSETS * DDF_OFFSETS * OB_DDF_SUPPORT * DDF_ROW * sizeof(float) +
           sizeof(ob_gridder) +
           /* w-stacking: per-pixel phasors and correction, keys for ~64 planes */
           (cfg->wstack
                ? 7 * cfg->n_image * cfg->n_image * sizeof(float) + 64 * tiles * sizeof(uint32_t)
                : 0) +
           (cfg->wproj ? (2 * WPROJ_MAX_HALF + 1) *
                             (DDF_OFFSETS * WPROJ_MAX_S * 2 * sizeof(float) + sizeof(int))
                       : 0) +
           (cfg->wstack ? 0 : ob_gridder_real_fft_bytes(cfg->n_grid, cfg->n_image));
}

static void build_ddf_table(ob_gridder *g)
{
    const int S = OB_DDF_SUPPORT;
    for (int oy = 0; oy < DDF_OFFSETS; oy++)
        for (int ox = 0; ox < DDF_OFFSETS; ox++) {
            float *block = g->ddf_table + (size_t)(oy * DDF_OFFSETS + ox) * S * DDF_ROW;
            /* Sub-cell offset f = o/11: cell i is at i + f - S/2 from the visibility. */
            for (int r = 0; r < S; r++) {
                double wy = pswf(2.0 * (r + (double)oy / OB_DDF_OVERSAMPLE - 0.5 * S) / S);
                for (int c = 0; c < DDF_ROW / 2; c++) {
                    double wx = c < S
                                    ? pswf(2.0 * (c + (double)ox / OB_DDF_OVERSAMPLE - 0.5 * S) / S)
                                    : 0.0;
                    block[r * DDF_ROW + 2 * c] = block[r * DDF_ROW + 2 * c + 1] = (float)(wy * wx);
                }
            }
        }
}

/* w-stacking as the wgridder does it: the ES kernel also spreads each
 * visibility over W w-planes, spaced so that |nm1| dw <= 1/(2 sigma). */
static int setup_wstack(ob_gridder *g, const ob_obs *obs, char *why, size_t why_len)
{
    if (g->style != OB_GRID_STYLE_ES) {
        snprintf(why, why_len, "w-stacking needs the es style (ddf has no w-projection here)");
        return -1;
    }
    double flo = obs->freq[0] / OB_SPEED_OF_LIGHT;
    double fhi = obs->freq[obs->n_chan - 1] / OB_SPEED_OF_LIGHT, wmin = 0.0, wmax = 0.0;
    for (size_t r = 0; r < obs->n_row; r++) {
        double w = obs->uvw[3 * r + 2], a = w * flo, b = w * fhi;
        wmin = fmin(wmin, fmin(a, b));
        wmax = fmax(wmax, fmax(a, b));
    }
    const size_t ni = g->n_image;
    const double sigma = (double)g->n_grid / (double)ni, h = 0.5 * (double)ni;
    g->nm1max = fabs(ob_gridder_nm1(h * g->pixel_rad, h * g->pixel_rad));
    g->dw = 0.5 / (sigma * g->nm1max);
    /* +1: a visibility at wmax may round into one more first plane */
    g->n_planes = (size_t)ceil((wmax - wmin) / g->dw) + (size_t)g->W + 1;
    g->w0_planes = wmin / g->dw - 0.5 * g->W;
    g->wstack = 1;
    g->n_keys = g->n_tiles * g->n_planes;
    g->eps *= sqrt(1.5); /* three kernel axes instead of two */
    g->chan_w = malloc(obs->n_chan * sizeof(double));
    g->phasor0 = malloc(2 * ni * ni * sizeof(float));
    g->phasor_step = malloc(2 * ni * ni * sizeof(float));
    g->phasor = malloc(2 * ni * ni * sizeof(float));
    g->corr_w = malloc(ni * ni * sizeof(float));
    if (!g->chan_w || !g->phasor0 || !g->phasor_step || !g->phasor || !g->corr_w ||
        g->n_keys >= UINT32_MAX) {
        snprintf(why, why_len, "out of memory for w-stacking (%zu planes)", g->n_planes);
        return -1;
    }
    for (size_t c = 0; c < obs->n_chan; c++)
        g->chan_w[c] = obs->freq[c] / OB_SPEED_OF_LIGHT / g->dw;
    /* 1/psihat(|nm1| dw) on a fine table over [0, 1/(2 sigma)], interpolated. */
    enum { NT = 1024 };
    double table[NT + 2], numax = g->nm1max * g->dw;
    for (int i = 0; i <= NT + 1; i++)
        table[i] = 1.0 / kernel_ft(g, numax * i / NT);
    const double w0 = g->w0_planes * g->dw;
    for (size_t iy = 0; iy < ni; iy++)
        for (size_t ix = 0; ix < ni; ix++) {
            double l = ((double)ix - h) * g->pixel_rad, m = ((double)iy - h) * g->pixel_rad;
            double nm1 = ob_gridder_nm1(l, m), at = fabs(nm1) * g->dw / numax * NT;
            int i = (int)at;
            double f = at - i;
            size_t k = iy * ni + ix;
            g->corr_w[k] = (float)((1.0 - f) * table[i] + f * table[i + 1]);
            g->phasor0[2 * k] = (float)cos(2.0 * M_PI * w0 * nm1);
            g->phasor0[2 * k + 1] = (float)sin(2.0 * M_PI * w0 * nm1);
            g->phasor_step[2 * k] = (float)cos(2.0 * M_PI * g->dw * nm1);
            g->phasor_step[2 * k + 1] = (float)sin(2.0 * M_PI * g->dw * nm1);
        }
    return 0;
}

/* DDFacet-style w-projection kernels: the PSWF convolved with the w screen,
 * K(t) = int psihat(nu) exp(-i pi a nu^2) exp(-2 pi i t nu) dnu over
 * |nu| <= 1/2 cycle per cell, a = w (n_grid pixel)^2, tabulated at 11
 * sub-cell offsets and truncated to a support that grows with |w| (the
 * screen's bandwidth over the image). The screen is taken paraxial,
 * n - 1 ~ -(l^2 + m^2)/2, which makes the kernel separable; the residual
 * w r^4/8 is below 1e-3 rad for a facet. Kernels are spaced so that the
 * nearest one is off by at most 0.05/(2 pi) cycle at the image corner, or
 * WPROJ_MAX_HALF of them on each side of w = 0. */
static int setup_wproj(ob_gridder *g, const ob_obs *obs, char *why, size_t why_len)
{
    if (g->style != OB_GRID_STYLE_DDF) {
        snprintf(why, why_len, "w-projection needs the ddf style (es has w-stacking)");
        return -1;
    }
    double fhi = obs->freq[obs->n_chan - 1] / OB_SPEED_OF_LIGHT, wmax = 0.0;
    for (size_t r = 0; r < obs->n_row; r++)
        wmax = fmax(wmax, fabs(obs->uvw[3 * r + 2]) * fhi);
    const double sigma = (double)g->n_grid / (double)g->n_image;
    const double lmax = 0.5 * (double)g->n_image * g->pixel_rad, la = g->n_grid * g->pixel_rad;
    double step = 0.05 / (M_PI * lmax * lmax);
    int half = (int)ceil(wmax / step);
    g->wp_half = half > WPROJ_MAX_HALF ? WPROJ_MAX_HALF : half;
    g->wp_dw = g->wp_half > 0 ? wmax / g->wp_half : 1.0;
    g->wproj = 1;
    /* nearest kernel: phase error up to pi (dw/2) lmax^2 per axis */
    g->eps += M_PI * g->wp_dw * lmax * lmax / sqrt(3.0);
    int nk = 2 * g->wp_half + 1;
    g->chan_w = malloc(obs->n_chan * sizeof(double));
    g->wp_support = malloc((size_t)nk * sizeof(int));
    g->wp_kern = calloc((size_t)nk * DDF_OFFSETS * WPROJ_MAX_S * 2, sizeof(float));
    enum { M = 1024 };
    double *spec = malloc(2 * M * sizeof(double)), *psihat = malloc(M * sizeof(double));
    if (!g->chan_w || !g->wp_support || !g->wp_kern || !spec || !psihat) {
        free(spec), free(psihat);
        snprintf(why, why_len, "out of memory for %d w-projection kernels", nk);
        return -1;
    }
    for (size_t c = 0; c < obs->n_chan; c++)
        g->chan_w[c] = obs->freq[c] / OB_SPEED_OF_LIGHT / g->wp_dw;
    const double dnu = 1.0 / M;
    for (int m = 0; m < M; m++)
        psihat[m] = kernel_ft(g, fabs(-0.5 + (m + 0.5) * dnu));
    int smax = OB_DDF_SUPPORT;
    for (int k = -g->wp_half; k <= g->wp_half; k++) {
        double a = k * g->wp_dw * la * la;
        int S = OB_DDF_SUPPORT + 2 * (int)ceil(fabs(a) * 0.5 / sigma);
        S = S > WPROJ_MAX_S ? WPROJ_MAX_S : S;
        g->wp_support[k + g->wp_half] = S;
        smax = S > smax ? S : smax;
        for (int m = 0; m < M; m++) {
            double nu = -0.5 + (m + 0.5) * dnu;
            spec[2 * m] = psihat[m] * cos(M_PI * a * nu * nu) * dnu;
            spec[2 * m + 1] = -psihat[m] * sin(M_PI * a * nu * nu) * dnu;
        }
        for (int o = 0; o < DDF_OFFSETS; o++)
            for (int i = 0; i < S; i++) {
                /* offset of cell i from the visibility, as in the ddf table */
                double t = i + (double)o / OB_DDF_OVERSAMPLE - 0.5 * S;
                double zr = cos(2.0 * M_PI * t * 0.5), zi = sin(2.0 * M_PI * t * 0.5); /* nu=-1/2 */
                double sr = cos(-2.0 * M_PI * t * dnu), si = sin(-2.0 * M_PI * t * dnu);
                double h = 0.5 * dnu; /* midpoints: start half a step in */
                double hr = cos(-2.0 * M_PI * t * h), hi = sin(-2.0 * M_PI * t * h), re = 0, im = 0;
                double tr = zr * hr - zi * hi;
                zi = zr * hi + zi * hr;
                zr = tr;
                for (int m = 0; m < M; m++) {
                    re += spec[2 * m] * zr - spec[2 * m + 1] * zi;
                    im += spec[2 * m] * zi + spec[2 * m + 1] * zr;
                    tr = zr * sr - zi * si;
                    zi = zr * si + zi * sr;
                    zr = tr;
                }
                float *out =
                    g->wp_kern +
                    (((size_t)(k + g->wp_half) * DDF_OFFSETS + o) * WPROJ_MAX_S + (size_t)i) * 2;
                out[0] = (float)re;
                out[1] = (float)im;
            }
    }
    free(spec), free(psihat);
    g->W = smax; /* tiles, margins and the sort use the largest support */
    return 0;
}

ob_gridder *ob_gridder_create(const ob_gridder_config *cfg, const ob_obs *obs, char *why,
                              size_t why_len)
{
    if (check_config(cfg, why, why_len) != 0)
        return NULL;
    ob_gridder *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(why, why_len, "out of memory for the gridder");
        return NULL;
    }
    g->style = cfg->style;
    g->n_grid = cfg->n_grid;
    g->n_image = cfg->n_image;
    g->n_vis = obs->n_vis;
    g->n_chan = obs->n_chan;
    g->W = kernel_width(cfg);
    g->pixel_rad = ob_gridder_pixel_rad(cfg, obs);
    double sigma = (double)g->n_grid / (double)g->n_image;
    if (g->style == OB_GRID_STYLE_ES) {
        if (ob_es_for_width(g->W, sigma, &g->es) != 0) {
            snprintf(why, why_len, "no ES parameters for W=%d sigma=%.3f", g->W, sigma);
            free(g);
            return NULL;
        }
        g->eps = g->es.eps;
        g->poly_error =
            ob_es_poly_fit(es_kernel_fn, &g->es, g->W, ob_gridder_poly_degree(g->W), &g->poly);
        for (int d = 0; d <= OB_ES_MAX_DEG; d++)
            for (int i = 0; i < OB_ES_MAX_LANES / 2; i++)
                g->coef1[d][i] = g->poly.coef[d][2 * i];
    } else {
        /* Nearest-sample lookup moves a visibility by up to 1/22 cell per
         * axis; the image error is dominated by that jitter, not by
         * aliasing. A phase error 2 pi (nu_x dx + nu_y dy), |nu| <= 1/(2
         * sigma) per axis, dx, dy uniform in +-1/22, has RMS
         * sqrt(2) pi / (sigma 22 sqrt 3) at the image corner. */
        g->eps = sqrt(2.0) * M_PI / (sigma * 2.0 * OB_DDF_OVERSAMPLE * sqrt(3.0));
    }
    if (obs->n_vis > UINT32_MAX) {
        snprintf(why, why_len, "%zu visibilities: at most 2^32-1 are supported", obs->n_vis);
        free(g);
        return NULL;
    }
    g->n_tiles_x = g->n_grid / OB_GRID_TILE + 1;
    g->n_tiles = g->n_tiles_x * g->n_tiles_x;
    g->n_keys = g->n_tiles;
    if (cfg->wstack && setup_wstack(g, obs, why, why_len) != 0) {
        ob_gridder_free(g);
        return NULL;
    }
    g->tile_start = calloc(g->n_keys + 1, sizeof(uint32_t));
    g->key = malloc((obs->n_vis ? obs->n_vis : 1) * sizeof(uint32_t));
    g->order = malloc((obs->n_vis ? obs->n_vis : 1) * sizeof(uint32_t));
    g->tile = calloc(TB_ROWS * TB_STRIDE, sizeof(float));
    g->cols_used = calloc(g->n_grid, 1);
    g->image_lines = calloc(g->n_grid, 1);
    g->corr = malloc((g->n_image / 2 + 1) * sizeof(double));
    g->chan_scale = malloc(obs->n_chan * sizeof(double));
    if (g->style == OB_GRID_STYLE_DDF)
        g->ddf_table =
            calloc((size_t)DDF_OFFSETS * DDF_OFFSETS * OB_DDF_SUPPORT * DDF_ROW, sizeof(float));
    if (!g->tile_start || !g->key || !g->order || !g->tile || !g->corr || !g->chan_scale ||
        !g->cols_used || !g->image_lines || (g->style == OB_GRID_STYLE_DDF && !g->ddf_table)) {
        snprintf(why, why_len, "out of memory for the gridder's sort arrays (%zu visibilities)",
                 obs->n_vis);
        ob_gridder_free(g);
        return NULL;
    }
    if (!g->wstack && ob_gridder_real_fft_setup(g) != 0) {
        snprintf(why, why_len, "out of memory for the gridder's real-image FFT (%zu grid)",
                 g->n_grid);
        ob_gridder_free(g);
        return NULL;
    }
    if (g->ddf_table)
        build_ddf_table(g);
    for (size_t p = 0; p < g->n_image / 2; p++)
        g->image_lines[p] = g->image_lines[g->n_grid - 1 - p] = 1;
    for (size_t p = 0; p <= g->n_image / 2; p++)
        g->corr[p] = 1.0 / kernel_ft(g, (double)p / (double)g->n_grid);
    for (size_t c = 0; c < obs->n_chan; c++)
        g->chan_scale[c] = obs->freq[c] / OB_SPEED_OF_LIGHT * (double)g->n_grid * g->pixel_rad;
    if (cfg->wproj && setup_wproj(g, obs, why, why_len) != 0) {
        ob_gridder_free(g);
        return NULL;
    }
    /* The coverage must leave a margin of W cells at the grid edge. */
    double reach = obs->max_uv_lambda * (double)g->n_grid * g->pixel_rad;
    if (reach > 0.5 * (double)g->n_grid - g->W - 1) {
        snprintf(why, why_len, "uv coverage reaches %.1f cells of a %zu grid with W=%d", reach,
                 g->n_grid, g->W);
        ob_gridder_free(g);
        return NULL;
    }
    return g;
}

void ob_gridder_free(ob_gridder *g)
{
    if (!g)
        return;
    free(g->tile_start);
    free(g->cols_used);
    free(g->image_lines);
    free(g->key);
    free(g->order);
    free(g->tile);
    free(g->corr);
    free(g->chan_scale);
    free(g->ddf_table);
    free(g->chan_w);
    free(g->phasor0);
    free(g->phasor_step);
    free(g->phasor);
    free(g->corr_w);
    free(g->wp_support);
    free(g->wp_kern);
    ob_gridder_real_fft_free(g);
    free(g);
}

int ob_gridder_support(const ob_gridder *g)
{
    return g->W;
}
double ob_gridder_pixel(const ob_gridder *g)
{
    return g->pixel_rad;
}
double ob_gridder_eps(const ob_gridder *g)
{
    return g->eps;
}
double ob_gridder_poly_error(const ob_gridder *g)
{
    return g->poly_error;
}
size_t ob_gridder_n_grid(const ob_gridder *g)
{
    return g->n_grid;
}
size_t ob_gridder_n_image(const ob_gridder *g)
{
    return g->n_image;
}

size_t ob_gridder_max_tile_count(const ob_gridder *g)
{
    size_t most = 0;
    for (size_t t = 0; t < g->n_tiles; t++) {
        size_t c = g->tile_start[t + 1] - g->tile_start[t];
        most = c > most ? c : most;
    }
    return most;
}

double ob_gridder_float_floor(const ob_gridder *g)
{
    /* Adds per grid cell of the densest tile: its visibilities spread over
     * (32+W)^2 cells, W^2 each. A float32 sum of k terms is off by about
     * sqrt(k) ulps; the buffer sums batches of FLUSH_EVERY visibilities,
     * the grid cell sums the batches. FLOOR_ULPS is measured, see its
     * definition. */
    double w = g->W, share = w * w / ((OB_GRID_TILE + w) * (OB_GRID_TILE + w));
    double count = (double)ob_gridder_max_tile_count(g);
    double batch = count < FLUSH_EVERY ? count : FLUSH_EVERY;
    double ulps = sqrt(batch * share) + sqrt(ceil(count / FLUSH_EVERY));
    double floor = FLOOR_ULPS * 0x1p-24 * ulps;
    return floor > 2e-6 ? floor : 2e-6;
}

/* The sort's floor() per visibility and axis is a library call in baseline
 * x86-64 and one instruction with SSE4.1: a clone for x86-64-v3 CPUs (all
 * EPYC and Xeon of a decade) and the baseline, picked at load time. The
 * keys are exact integers either way. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(OB_GRID_NO_CLONES)
#define OB_SORT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define OB_SORT_CLONES
#endif

/* The tile whose 32 x 32 cells hold the support's first cell (jx, jy): the
 * tile loops place the visibility at tx0 = tx * OB_GRID_TILE. */
static inline uint32_t tile_of(const ob_gridder *g, uint32_t jx, uint32_t jy)
{
    return (jy / OB_GRID_TILE) * (uint32_t)g->n_tiles_x + jx / OB_GRID_TILE;
}

/* Tile keys of one row's channels, 2-D imaging with one support: a loop
 * without branches over the channels, which the x86-64-v3 clone runs four
 * channels to a vector (ceil is one instruction there). The same integer
 * keys as ob_gridder_first_cell gives. */
static inline void row_keys_2d(const ob_gridder *g, const double *restrict uvw, size_t nchan,
                               uint32_t *restrict key)
{
    /* the operations of ob_gridder_first_cell in its order, so that the tile
     * loops, which compute the cell again, find it in this tile */
    const double half = 0.5 * (double)g->n_grid, hw = 0.5 * g->W;
    const double *restrict scale = g->chan_scale;
    for (size_t c = 0; c < nchan; c++) {
        const uint32_t jx = (uint32_t)(int)ceil((uvw[0] * scale[c] + half) - hw);
        const uint32_t jy = (uint32_t)(int)ceil((uvw[1] * scale[c] + half) - hw);
        key[c] = tile_of(g, jx, jy);
    }
}

/* Tile keys with w-projection (the support depends on w) or w-stacking
 * (the key also holds the first w-plane). */
static void row_keys_w(const ob_gridder *g, const double *uvw, size_t nchan, uint32_t *key)
{
    const double half = 0.5 * (double)g->n_grid;
    for (size_t c = 0; c < nchan; c++) {
        float s;
        int W = g->wproj ? g->wp_support[ob_gridder_wp_plane(g, uvw[2], c) + g->wp_half] : g->W;
        int jx = ob_gridder_first_cell(uvw[0] * g->chan_scale[c] + half, W, &s);
        int jy = ob_gridder_first_cell(uvw[1] * g->chan_scale[c] + half, W, &s);
        key[c] = tile_of(g, (uint32_t)jx, (uint32_t)jy);
        if (g->wstack) /* first w-plane of the support, then tile */
            key[c] +=
                (uint32_t)ob_gridder_first_cell(uvw[2] * g->chan_w[c] - g->w0_planes, g->W, &s) *
                (uint32_t)g->n_tiles;
    }
}

OB_SORT_CLONES void ob_gridder_sort(ob_gridder *g, const ob_obs *obs)
{
    const size_t nchan = obs->n_chan;
    for (size_t r = 0; r < obs->n_row; r++) {
        if (g->wproj || g->wstack)
            row_keys_w(g, obs->uvw + 3 * r, nchan, g->key + r * nchan);
        else
            row_keys_2d(g, obs->uvw + 3 * r, nchan, g->key + r * nchan);
    }
    memset(g->tile_start, 0, (g->n_keys + 1) * sizeof(uint32_t));
    for (size_t k = 0; k < obs->n_vis; k++)
        g->tile_start[g->key[k] + 1]++;
    for (size_t t = 0; t < g->n_keys; t++)
        g->tile_start[t + 1] += g->tile_start[t];
    /* Stable scatter: within a tile, visibilities stay in (row, chan) order. */
    for (size_t k = 0; k < obs->n_vis; k++)
        g->order[g->tile_start[g->key[k]]++] = (uint32_t)k;
    for (size_t t = g->n_keys; t > 0; t--)
        g->tile_start[t] = g->tile_start[t - 1];
    g->tile_start[0] = 0;
    ob_gridder_mark_columns(g);
}

const unsigned char *ob_gridder_columns_used(const ob_gridder *g)
{
    return g->cols_used;
}

const unsigned char *ob_gridder_image_lines(const ob_gridder *g)
{
    return g->image_lines;
}

/* ---- grid correction ----------------------------------------------------------- */

/* Pixels and frequencies are placed with ob_gridder_wrap
 * (gridder_internal.h); the (-1)^p factors move the grid centre (cell n/2)
 * to index 0. */
void ob_gridder_grid_to_image(const ob_gridder *g, const float *grid, float *image)
{
    const size_t n = g->n_grid, ni = g->n_image;
    const long h = (long)ni / 2;
    const double scale = (double)n * (double)n; /* undo the inverse FFT's 1/n^2 */
    for (long py = -h; py < h; py++) {
        const float *row = grid + 2 * ob_gridder_wrap(py, n) * n;
        double cy = scale * g->corr[labs(py)] * (py % 2 != 0 ? -1.0 : 1.0);
        float *out = image + (size_t)(py + h) * ni;
        for (long px = -h; px < h; px++) {
            double c = cy * g->corr[labs(px)] * (px % 2 != 0 ? -1.0 : 1.0);
            out[px + h] = (float)(row[2 * ob_gridder_wrap(px, n)] * c);
        }
    }
}

void ob_gridder_image_to_grid(const ob_gridder *g, const float *image, float *grid)
{
    const size_t n = g->n_grid, ni = g->n_image;
    const long h = (long)ni / 2;
    memset(grid, 0, 2 * n * n * sizeof(float));
    for (long py = -h; py < h; py++) {
        float *row = grid + 2 * ob_gridder_wrap(py, n) * n;
        double cy = g->corr[labs(py)] * (py % 2 != 0 ? -1.0 : 1.0);
        const float *in = image + (size_t)(py + h) * ni;
        for (long px = -h; px < h; px++)
            row[2 * ob_gridder_wrap(px, n)] =
                (float)(in[px + h] * cy * g->corr[labs(px)] * (px % 2 != 0 ? -1.0 : 1.0));
    }
}

/* The current plane's phasor: planes go in order 0, 1, ...; plane 0
 * restarts from exp(2 pi i w0 nm1). The float recurrence drifts by ~1e-7
 * per plane, far below the kernel error for the tens of planes used. */
static void phasor_begin(ob_gridder *g, size_t plane)
{
    if (plane == 0)
        memcpy(g->phasor, g->phasor0, 2 * g->n_image * g->n_image * sizeof(float));
}

static void phasor_advance(ob_gridder *g)
{
    float *p = g->phasor;
    const float *s = g->phasor_step;
    for (size_t k = 0; k < g->n_image * g->n_image; k++) {
        float re = p[2 * k] * s[2 * k] - p[2 * k + 1] * s[2 * k + 1];
        p[2 * k + 1] = p[2 * k] * s[2 * k + 1] + p[2 * k + 1] * s[2 * k];
        p[2 * k] = re;
    }
}

void ob_gridder_add_plane_image(ob_gridder *g, const float *grid, size_t plane, float *image)
{
    const size_t n = g->n_grid, ni = g->n_image;
    const long h = (long)ni / 2;
    const float scale = (float)n * (float)n; /* undo the inverse FFT's 1/n^2 */
    phasor_begin(g, plane);
    for (long py = -h; py < h; py++) {
        const float *row = grid + 2 * ob_gridder_wrap(py, n) * n;
        float *out = image + (size_t)(py + h) * ni;
        const float *ph = g->phasor + 2 * (size_t)(py + h) * ni;
        for (long px = -h; px < h; px++) {
            const float *f = row + 2 * ob_gridder_wrap(px, n), *z = ph + 2 * (px + h);
            float v = (f[0] * z[0] - f[1] * z[1]) * scale * ((px + py) % 2 != 0 ? -1.0f : 1.0f);
            out[px + h] = plane == 0 ? v : out[px + h] + v;
        }
    }
    phasor_advance(g);
}

void ob_gridder_correct_image(const ob_gridder *g, float *image)
{
    const size_t ni = g->n_image;
    const long h = (long)ni / 2;
    for (long py = -h; py < h; py++)
        for (long px = -h; px < h; px++) {
            size_t k = (size_t)(py + h) * ni + (size_t)(px + h);
            image[k] = (float)(image[k] * g->corr[labs(py)] * g->corr[labs(px)] * g->corr_w[k]);
        }
}

void ob_gridder_plane_from_image(ob_gridder *g, const float *image, size_t plane, float *grid)
{
    const size_t n = g->n_grid, ni = g->n_image;
    const long h = (long)ni / 2;
    memset(grid, 0, 2 * n * n * sizeof(float));
    phasor_begin(g, plane);
    for (long py = -h; py < h; py++) {
        float *row = grid + 2 * ob_gridder_wrap(py, n) * n;
        for (long px = -h; px < h; px++) {
            size_t k = (size_t)(py + h) * ni + (size_t)(px + h);
            float a = (float)(image[k] * g->corr[labs(py)] * g->corr[labs(px)] * g->corr_w[k]) *
                      ((px + py) % 2 != 0 ? -1.0f : 1.0f);
            /* times conj(exp(2 pi i w_p nm1)) */
            row[2 * ob_gridder_wrap(px, n)] = a * g->phasor[2 * k];
            row[2 * ob_gridder_wrap(px, n) + 1] = -a * g->phasor[2 * k + 1];
        }
    }
    phasor_advance(g);
}
