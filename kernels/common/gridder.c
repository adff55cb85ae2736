/* Tile-sorted convolutional gridding and degridding (see gridder.h).
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
#include "kernels/common/gridder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(OB_GRID_NO_CLONES)
#define OB_GRID_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define OB_GRID_CLONES
#endif
#define ALWAYS_INLINE inline __attribute__((always_inline))

typedef float v8f __attribute__((vector_size(32)));
/* The vector helpers are static and always inlined: no vector ever crosses
 * a call boundary, so GCC's note that the baseline ABI passes them
 * differently does not apply. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#endif
#pragma GCC diagnostic ignored "-Wpsabi"

/* (re, im) -> (im, re) in each complex lane pair; GCC < 12 lacks
 * __builtin_shufflevector. */
typedef int v8i __attribute__((vector_size(32)));
#if defined(__clang__)
#define SWAP_PAIRS(v) __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6)
#else
#define SWAP_PAIRS(v) __builtin_shuffle(v, (v8i){1, 0, 3, 2, 5, 4, 7, 6})
#endif

/* Tile buffer: TILE + max W rows and columns, plus room for the lanes of
 * the last vector that run past the support (they carry weight 0). */
#define WPROJ_MAX_S 31     /* largest w-projection kernel support */
#define WPROJ_MAX_HALF 128 /* w-kernels for w = -128 dw .. 128 dw */
#define TB_MAX_SUPPORT 32  /* >= OB_ES_MAX_W and WPROJ_MAX_S */
#define TB_COLS (OB_GRID_TILE + TB_MAX_SUPPORT)
#define TB_STRIDE (2 * TB_COLS + 16)
#define TB_ROWS (OB_GRID_TILE + TB_MAX_SUPPORT)
#define DDF_OFFSETS (OB_DDF_OVERSAMPLE + 1)
/* An upper estimate: on the small preset the dirty-image error with W = 8
 * and 16 (kernel error < 3e-7) is 9e-8 .. 1.2e-7, a tenth of it; without
 * the batching it was 6e-6 .. 1.2e-5, 1.2x of sqrt(adds) ulps. */
#define FLOOR_ULPS 1.0
/* Visibilities summed in the tile buffer before it is added to the grid. */
#define FLUSH_EVERY 4096u
#define DDF_ROW 16 /* floats per table row: 7 duplicated weights + 1 zero pair */

struct ob_gridder {
    ob_grid_style style;
    size_t n_grid, n_image, n_vis, n_chan;
    int W;
    double pixel_rad, eps, poly_error;
    ob_es_params es;
    ob_es_poly poly;
    float *ddf_table;   /* DDF_OFFSETS^2 blocks of 7 rows x DDF_ROW */
    double *corr;       /* 1/psihat(p/n_grid), p = 0..n_image/2 */
    double *chan_scale; /* cells per metre of baseline, per channel */
    size_t n_tiles_x, n_tiles;
    uint32_t *tile_start; /* n_tiles + 1 */
    uint32_t *key, *order;
    float *tile; /* TB_ROWS x TB_STRIDE */
    /* w-stacking (es only): plane p holds w = w0 + p dw, in wavelengths. */
    int wstack;
    size_t n_planes, n_keys;
    double w0_planes; /* w0 / dw */
    double dw, nm1max;
    double *chan_w;     /* f/c/dw: planes per metre of w, per channel */
    float *phasor0;     /* n_image^2 complex: exp(2 pi i w0 nm1) */
    float *phasor_step; /* n_image^2 complex: exp(2 pi i dw nm1) */
    float *phasor;      /* the current plane's exp(2 pi i w_p nm1) */
    float *corr_w;      /* n_image^2: 1/psihat(nm1 dw) */
    /* w-projection (ddf only): kernel k in -wp_half..wp_half serves
     * w ~ k wp_dw; chan_w then holds f/c/wp_dw. */
    int wproj, wp_half;
    double wp_dw;
    int *wp_support; /* per kernel, odd, 7..WPROJ_MAX_S */
    float *wp_kern;  /* per kernel and sub-cell offset: WPROJ_MAX_S complex */
};

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

static int poly_degree(int W)
{
    return W + 3 < OB_ES_MAX_DEG ? W + 3 : OB_ES_MAX_DEG;
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

/* Fourier transform of the style's kernel in cell units at nu cycles/cell. */
static double kernel_ft(const ob_gridder *g, double nu)
{
    enum { N = 160 };
    static double x[N], w[N];
    static int have;
    if (!have) { /* deterministic and idempotent */
        ob_gauss_legendre(N, x, w);
        have = 1;
    }
    double s = 0.0;
    for (int i = 0; i < N; i++) {
        double k = g->style == OB_GRID_STYLE_ES ? ob_es_phi(&g->es, x[i]) : pswf(x[i]);
        s += w[i] * k * cos(PI * nu * g->W * x[i]);
    }
    return 0.5 * g->W * s;
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
                       : 0);
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

static double nm1_of(double l, double m)
{
    double r2 = l * l + m * m;
    return -r2 / (1.0 + sqrt(1.0 - r2)); /* sqrt(1 - r2) - 1 without cancellation */
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
    g->nm1max = fabs(nm1_of(h * g->pixel_rad, h * g->pixel_rad));
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
            double nm1 = nm1_of(l, m), at = fabs(nm1) * g->dw / numax * NT;
            int i = (int)at;
            double f = at - i;
            size_t k = iy * ni + ix;
            g->corr_w[k] = (float)((1.0 - f) * table[i] + f * table[i + 1]);
            g->phasor0[2 * k] = (float)cos(2.0 * PI * w0 * nm1);
            g->phasor0[2 * k + 1] = (float)sin(2.0 * PI * w0 * nm1);
            g->phasor_step[2 * k] = (float)cos(2.0 * PI * g->dw * nm1);
            g->phasor_step[2 * k + 1] = (float)sin(2.0 * PI * g->dw * nm1);
        }
    return 0;
}

/* The w-projection kernel serving w (metres) at channel c. */
static int wp_plane(const ob_gridder *g, double w_m, size_t c)
{
    long k = lround(w_m * g->chan_w[c]);
    return (int)(k < -g->wp_half ? -g->wp_half : k > g->wp_half ? g->wp_half : k);
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
    double step = 0.05 / (PI * lmax * lmax);
    int half = (int)ceil(wmax / step);
    g->wp_half = half > WPROJ_MAX_HALF ? WPROJ_MAX_HALF : half;
    g->wp_dw = g->wp_half > 0 ? wmax / g->wp_half : 1.0;
    g->wproj = 1;
    /* nearest kernel: phase error up to pi (dw/2) lmax^2 per axis */
    g->eps += PI * g->wp_dw * lmax * lmax / sqrt(3.0);
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
            spec[2 * m] = psihat[m] * cos(PI * a * nu * nu) * dnu;
            spec[2 * m + 1] = -psihat[m] * sin(PI * a * nu * nu) * dnu;
        }
        for (int o = 0; o < DDF_OFFSETS; o++)
            for (int i = 0; i < S; i++) {
                /* offset of cell i from the visibility, as in the ddf table */
                double t = i + (double)o / OB_DDF_OVERSAMPLE - 0.5 * S;
                double zr = cos(2.0 * PI * t * 0.5), zi = sin(2.0 * PI * t * 0.5); /* nu=-1/2 */
                double sr = cos(-2.0 * PI * t * dnu), si = sin(-2.0 * PI * t * dnu);
                double h = 0.5 * dnu; /* midpoints: start half a step in */
                double hr = cos(-2.0 * PI * t * h), hi = sin(-2.0 * PI * t * h), re = 0, im = 0;
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
        g->poly_error = ob_es_poly_fit(es_kernel_fn, &g->es, g->W, poly_degree(g->W), &g->poly);
    } else {
        /* Nearest-sample lookup moves a visibility by up to 1/22 cell per
         * axis; the image error is dominated by that jitter, not by
         * aliasing. A phase error 2 pi (nu_x dx + nu_y dy), |nu| <= 1/(2
         * sigma) per axis, dx, dy uniform in +-1/22, has RMS
         * sqrt(2) pi / (sigma 22 sqrt 3) at the image corner. */
        g->eps = sqrt(2.0) * PI / (sigma * 2.0 * OB_DDF_OVERSAMPLE * sqrt(3.0));
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
    g->corr = malloc((g->n_image / 2 + 1) * sizeof(double));
    g->chan_scale = malloc(obs->n_chan * sizeof(double));
    if (g->style == OB_GRID_STYLE_DDF)
        g->ddf_table =
            calloc((size_t)DDF_OFFSETS * DDF_OFFSETS * OB_DDF_SUPPORT * DDF_ROW, sizeof(float));
    if (!g->tile_start || !g->key || !g->order || !g->tile || !g->corr || !g->chan_scale ||
        (g->style == OB_GRID_STYLE_DDF && !g->ddf_table)) {
        snprintf(why, why_len, "out of memory for the gridder's sort arrays (%zu visibilities)",
                 obs->n_vis);
        ob_gridder_free(g);
        return NULL;
    }
    if (g->ddf_table)
        build_ddf_table(g);
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

/* First cell of the support and the polynomial variable s in [-1, 1). */
static ALWAYS_INLINE int first_cell(double x, int W, float *s)
{
    double j0 = ceil(x - 0.5 * W);
    *s = (float)(2.0 * (j0 - x + 0.5 * W) - 1.0);
    return (int)j0;
}

void ob_gridder_sort(ob_gridder *g, const ob_obs *obs)
{
    const double half = 0.5 * (double)g->n_grid;
    const size_t nchan = obs->n_chan;
    memset(g->tile_start, 0, (g->n_keys + 1) * sizeof(uint32_t));
    for (size_t r = 0, k = 0; r < obs->n_row; r++) {
        const double *uvw = obs->uvw + 3 * r;
        for (size_t c = 0; c < nchan; c++, k++) {
            float s;
            int W = g->wproj ? g->wp_support[wp_plane(g, uvw[2], c) + g->wp_half] : g->W;
            int jx = first_cell(uvw[0] * g->chan_scale[c] + half, W, &s);
            int jy = first_cell(uvw[1] * g->chan_scale[c] + half, W, &s);
            uint32_t key = (uint32_t)(jy / OB_GRID_TILE) * (uint32_t)g->n_tiles_x +
                           (uint32_t)(jx / OB_GRID_TILE);
            if (g->wstack) /* first w-plane of the support, then tile */
                key += (uint32_t)first_cell(uvw[2] * g->chan_w[c] - g->w0_planes, g->W, &s) *
                       (uint32_t)g->n_tiles;
            g->key[k] = key;
            g->tile_start[key + 1]++;
        }
    }
    for (size_t t = 0; t < g->n_keys; t++)
        g->tile_start[t + 1] += g->tile_start[t];
    /* Stable scatter: within a tile, visibilities stay in (row, chan) order. */
    for (size_t k = 0; k < obs->n_vis; k++)
        g->order[g->tile_start[g->key[k]]++] = (uint32_t)k;
    for (size_t t = g->n_keys; t > 0; t--)
        g->tile_start[t] = g->tile_start[t - 1];
    g->tile_start[0] = 0;
}

/* ---- per-visibility kernels ----------------------------------------------- */

static ALWAYS_INLINE v8f ld8(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static ALWAYS_INLINE void st8(float *p, v8f v)
{
    memcpy(p, &v, sizeof v);
}

/* The x and y weights together: two independent Horner chains in one loop
 * overlap their latencies. */
static ALWAYS_INLINE void horner2(const ob_es_poly *p, const int NV, const int deg, float sx,
                                  float sy, v8f *kx, v8f *ky)
{
    for (int q = 0; q < NV; q++)
        kx[q] = ky[q] = ld8(&p->coef[deg][8 * q]);
    for (int d = deg - 1; d >= 0; d--)
        for (int q = 0; q < NV; q++) {
            v8f c = ld8(&p->coef[d][8 * q]);
            kx[q] = kx[q] * sx + c;
            ky[q] = ky[q] * sy + c;
        }
}

typedef struct tile_job {
    const ob_gridder *g;
    const ob_obs *obs;
    const float *vis_in; /* grid */
    float *vis_out;      /* degrid */
    uint32_t begin, end;
    int tx0, ty0;
    float *tile;
    int plane, p0; /* w-plane being gridded and the visibilities' first plane; -1: 2-D */
} tile_job;

/* Weight of plane j->plane for visibility k whose w support starts at j->p0
 * (the same polynomial as in u and v, one lane). */
static ALWAYS_INLINE float w_weight(const tile_job *j, uint32_t k, const int W, const int deg)
{
    uint32_t nchan = (uint32_t)j->g->n_chan, row = k / nchan, c = k - row * nchan;
    double t = j->obs->uvw[3 * (size_t)row + 2] * j->g->chan_w[c] - j->g->w0_planes;
    float s = (float)(2.0 * ((double)j->p0 - t + 0.5 * W) - 1.0);
    int lane = 2 * (j->plane - j->p0);
    float v = j->g->poly.coef[deg][lane];
    for (int d = deg - 1; d >= 0; d--)
        v = v * s + j->g->poly.coef[d][lane];
    return v;
}

static ALWAYS_INLINE void vis_position(const tile_job *j, uint32_t k, double *x, double *y)
{
    uint32_t nchan = (uint32_t)j->g->n_chan, row = k / nchan, c = k - row * nchan;
    const double *uvw = j->obs->uvw + 3 * row;
    double sc = j->g->chan_scale[c], half = 0.5 * (double)j->g->n_grid;
    *x = uvw[0] * sc + half;
    *y = uvw[1] * sc + half;
}

static ALWAYS_INLINE void es_grid_tile(const tile_job *j, const int W)
{
    const int NV = (2 * W + 7) / 8, deg = W + 3 < OB_ES_MAX_DEG ? W + 3 : OB_ES_MAX_DEG;
    for (uint32_t i = j->begin; i < j->end; i++) {
        uint32_t k = j->g->order[i];
        double x, y;
        vis_position(j, k, &x, &y);
        float sx, sy;
        int jx = first_cell(x, W, &sx), jy = first_cell(y, W, &sy);
        v8f kx[4], kyv[4];
        float ky[4 * 8];
        horner2(&j->g->poly, NV, deg, sx, sy, kx, kyv);
        for (int q = 0; q < NV; q++)
            st8(ky + 8 * q, kyv[q]);
        float vr = j->vis_in[2 * (size_t)k], vi = j->vis_in[2 * (size_t)k + 1];
        if (j->plane >= 0) {
            float kw = w_weight(j, k, W, deg);
            vr *= kw;
            vi *= kw;
        }
        v8f vv = {vr, vi, vr, vi, vr, vi, vr, vi};
        for (int q = 0; q < NV; q++)
            kx[q] *= vv; /* the complex visibility times the x-weights, once */
        float *base = j->tile + (size_t)(jy - j->ty0) * TB_STRIDE + 2 * (jx - j->tx0);
        for (int r = 0; r < W; r++) {
            float a = ky[2 * r];
            float *row = base + (size_t)r * TB_STRIDE;
            for (int q = 0; q < NV; q++)
                st8(row + 8 * q, ld8(row + 8 * q) + kx[q] * a);
        }
    }
}

static ALWAYS_INLINE void es_degrid_tile(const tile_job *j, const int W)
{
    const int NV = (2 * W + 7) / 8, deg = W + 3 < OB_ES_MAX_DEG ? W + 3 : OB_ES_MAX_DEG;
    for (uint32_t i = j->begin; i < j->end; i++) {
        uint32_t k = j->g->order[i];
        double x, y;
        vis_position(j, k, &x, &y);
        float sx, sy;
        int jx = first_cell(x, W, &sx), jy = first_cell(y, W, &sy);
        v8f kx[4], kyv[4], acc[4] = {{0}};
        float ky[4 * 8];
        horner2(&j->g->poly, NV, deg, sx, sy, kx, kyv);
        for (int q = 0; q < NV; q++)
            st8(ky + 8 * q, kyv[q]);
        const float *base = j->tile + (size_t)(jy - j->ty0) * TB_STRIDE + 2 * (jx - j->tx0);
        for (int r = 0; r < W; r++) {
            float a = ky[2 * r];
            const float *row = base + (size_t)r * TB_STRIDE;
            for (int q = 0; q < NV; q++)
                acc[q] += ld8(row + 8 * q) * a;
        }
        v8f sum = acc[0] * kx[0];
        for (int q = 1; q < NV; q++)
            sum += acc[q] * kx[q];
        float re = sum[0] + sum[2] + sum[4] + sum[6], im = sum[1] + sum[3] + sum[5] + sum[7];
        if (j->plane >= 0) { /* accumulate over the planes */
            float kw = w_weight(j, k, W, deg);
            j->vis_out[2 * (size_t)k] += kw * re;
            j->vis_out[2 * (size_t)k + 1] += kw * im;
        } else {
            j->vis_out[2 * (size_t)k] = re;
            j->vis_out[2 * (size_t)k + 1] = im;
        }
    }
}

static ALWAYS_INLINE const float *ddf_block(const tile_job *j, double x, double y, int *jx, int *jy)
{
    const int S = OB_DDF_SUPPORT;
    float sx, sy;
    *jx = first_cell(x, S, &sx);
    *jy = first_cell(y, S, &sy);
    /* Nearest of the 11 samples per cell (offset f = (s+1)/2 in [0, 1]). */
    int ox = (int)lrintf(0.5f * (sx + 1.0f) * OB_DDF_OVERSAMPLE);
    int oy = (int)lrintf(0.5f * (sy + 1.0f) * OB_DDF_OVERSAMPLE);
    return j->g->ddf_table + (size_t)(oy * DDF_OFFSETS + ox) * S * DDF_ROW;
}

static ALWAYS_INLINE void ddf_grid_tile(const tile_job *j)
{
    for (uint32_t i = j->begin; i < j->end; i++) {
        uint32_t k = j->g->order[i];
        double x, y;
        int jx, jy;
        vis_position(j, k, &x, &y);
        const float *block = ddf_block(j, x, y, &jx, &jy);
        float vr = j->vis_in[2 * (size_t)k], vi = j->vis_in[2 * (size_t)k + 1];
        v8f vv = {vr, vi, vr, vi, vr, vi, vr, vi};
        float *base = j->tile + (size_t)(jy - j->ty0) * TB_STRIDE + 2 * (jx - j->tx0);
        for (int r = 0; r < OB_DDF_SUPPORT; r++) {
            float *row = base + (size_t)r * TB_STRIDE;
            const float *w = block + r * DDF_ROW;
            st8(row, ld8(row) + vv * ld8(w));
            st8(row + 8, ld8(row + 8) + vv * ld8(w + 8));
        }
    }
}

static ALWAYS_INLINE void ddf_degrid_tile(const tile_job *j)
{
    for (uint32_t i = j->begin; i < j->end; i++) {
        uint32_t k = j->g->order[i];
        double x, y;
        int jx, jy;
        vis_position(j, k, &x, &y);
        const float *block = ddf_block(j, x, y, &jx, &jy);
        const float *base = j->tile + (size_t)(jy - j->ty0) * TB_STRIDE + 2 * (jx - j->tx0);
        v8f acc = {0};
        for (int r = 0; r < OB_DDF_SUPPORT; r++) {
            const float *row = base + (size_t)r * TB_STRIDE;
            const float *w = block + r * DDF_ROW;
            acc += ld8(row) * ld8(w) + ld8(row + 8) * ld8(w + 8);
        }
        j->vis_out[2 * (size_t)k] = acc[0] + acc[2] + acc[4] + acc[6];
        j->vis_out[2 * (size_t)k + 1] = acc[1] + acc[3] + acc[5] + acc[7];
    }
}

/* w-projection: separable complex kernels of run-time support S <= 31. The
 * visibility times the x-kernel is formed once (with its (re,im)-swapped
 * copy), then each row adds ky[r] times it, a complex multiply-add in two
 * vector multiply-adds. */
enum { WP_NV = (2 * WPROJ_MAX_S + 7) / 8 };

static ALWAYS_INLINE const float *wp_kernels(const tile_job *j, uint32_t k, double *x, double *y,
                                             int *S, int *jx, int *jy, const float **ky)
{
    const ob_gridder *g = j->g;
    uint32_t nchan = (uint32_t)g->n_chan, row = k / nchan, c = k - row * nchan;
    int plane = wp_plane(g, j->obs->uvw[3 * (size_t)row + 2], c) + g->wp_half;
    *S = g->wp_support[plane];
    float sx, sy;
    *jx = first_cell(*x, *S, &sx);
    *jy = first_cell(*y, *S, &sy);
    int ox = (int)lrintf(0.5f * (sx + 1.0f) * OB_DDF_OVERSAMPLE);
    int oy = (int)lrintf(0.5f * (sy + 1.0f) * OB_DDF_OVERSAMPLE);
    const float *base = g->wp_kern + (size_t)plane * DDF_OFFSETS * WPROJ_MAX_S * 2;
    *ky = base + (size_t)oy * WPROJ_MAX_S * 2;
    return base + (size_t)ox * WPROJ_MAX_S * 2;
}

static ALWAYS_INLINE void wproj_grid_tile(const tile_job *j)
{
    for (uint32_t i = j->begin; i < j->end; i++) {
        uint32_t k = j->g->order[i];
        double x, y;
        int S, jx, jy;
        const float *ky;
        vis_position(j, k, &x, &y);
        const float *kx = wp_kernels(j, k, &x, &y, &S, &jx, &jy, &ky);
        float vr = j->vis_in[2 * (size_t)k], vi = j->vis_in[2 * (size_t)k + 1];
        float a[8 * WP_NV] = {0}, b[8 * WP_NV] = {0};
        for (int c = 0; c < S; c++) { /* a = v kx, b = i v kx */
            float re = vr * kx[2 * c] - vi * kx[2 * c + 1];
            float im = vr * kx[2 * c + 1] + vi * kx[2 * c];
            a[2 * c] = re, a[2 * c + 1] = im;
            b[2 * c] = -im, b[2 * c + 1] = re;
        }
        const int nv = (2 * S + 7) / 8;
        float *base = j->tile + (size_t)(jy - j->ty0) * TB_STRIDE + 2 * (jx - j->tx0);
        for (int r = 0; r < S; r++) {
            float kr = ky[2 * r], ki = ky[2 * r + 1];
            float *row = base + (size_t)r * TB_STRIDE;
            for (int q = 0; q < nv; q++)
                st8(row + 8 * q, ld8(row + 8 * q) + ld8(a + 8 * q) * kr + ld8(b + 8 * q) * ki);
        }
    }
}

static ALWAYS_INLINE void wproj_degrid_tile(const tile_job *j)
{
    for (uint32_t i = j->begin; i < j->end; i++) {
        uint32_t k = j->g->order[i];
        double x, y;
        int S, jx, jy;
        const float *ky;
        vis_position(j, k, &x, &y);
        const float *kx = wp_kernels(j, k, &x, &y, &S, &jx, &jy, &ky);
        const int nv = (2 * S + 7) / 8;
        const float *base = j->tile + (size_t)(jy - j->ty0) * TB_STRIDE + 2 * (jx - j->tx0);
        /* acc = sum_r G_r conj(ky_r): G kr + (G_im, -G_re) ki */
        v8f acc[WP_NV] = {{0}};
        const v8f flip = {1, -1, 1, -1, 1, -1, 1, -1};
        for (int r = 0; r < S; r++) {
            float kr = ky[2 * r], ki = ky[2 * r + 1];
            const float *row = base + (size_t)r * TB_STRIDE;
            for (int q = 0; q < nv; q++) {
                v8f gq = ld8(row + 8 * q);
                v8f sw = SWAP_PAIRS(gq);
                acc[q] += gq * kr + sw * flip * ki;
            }
        }
        float sum[8 * WP_NV];
        for (int q = 0; q < nv; q++)
            st8(sum + 8 * q, acc[q]);
        float re = 0.0f, im = 0.0f;
        for (int c = 0; c < S; c++) { /* times conj(kx_c) */
            float ar = sum[2 * c], ai = sum[2 * c + 1], cr = kx[2 * c], ci = kx[2 * c + 1];
            re += ar * cr + ai * ci;
            im += ai * cr - ar * ci;
        }
        j->vis_out[2 * (size_t)k] = re;
        j->vis_out[2 * (size_t)k + 1] = im;
    }
}

/* One clone set per (operation, W): the constant W makes every loop above
 * a fixed-length vector sequence. */
#define OB_GRID_INSTANCE(W)                                                                        \
    static OB_GRID_CLONES void es_grid_w##W(const tile_job *j)                                     \
    {                                                                                              \
        es_grid_tile(j, W);                                                                        \
    }                                                                                              \
    static OB_GRID_CLONES void es_degrid_w##W(const tile_job *j)                                   \
    {                                                                                              \
        es_degrid_tile(j, W);                                                                      \
    }
OB_GRID_INSTANCE(4)
OB_GRID_INSTANCE(5)
OB_GRID_INSTANCE(6)
OB_GRID_INSTANCE(7)
OB_GRID_INSTANCE(8)
OB_GRID_INSTANCE(9)
OB_GRID_INSTANCE(10)
OB_GRID_INSTANCE(11)
OB_GRID_INSTANCE(12)
OB_GRID_INSTANCE(13)
OB_GRID_INSTANCE(14)
OB_GRID_INSTANCE(15)
OB_GRID_INSTANCE(16)
static OB_GRID_CLONES void ddf_grid(const tile_job *j)
{
    ddf_grid_tile(j);
}
static OB_GRID_CLONES void ddf_degrid(const tile_job *j)
{
    ddf_degrid_tile(j);
}
static OB_GRID_CLONES void wproj_grid(const tile_job *j)
{
    wproj_grid_tile(j);
}
static OB_GRID_CLONES void wproj_degrid(const tile_job *j)
{
    wproj_degrid_tile(j);
}

typedef void (*tile_fn)(const tile_job *);

static tile_fn pick(const ob_gridder *g, int degrid)
{
    static const tile_fn grid_fns[] = {
        es_grid_w4,  es_grid_w5,  es_grid_w6,  es_grid_w7,  es_grid_w8,  es_grid_w9, es_grid_w10,
        es_grid_w11, es_grid_w12, es_grid_w13, es_grid_w14, es_grid_w15, es_grid_w16};
    static const tile_fn degrid_fns[] = {es_degrid_w4,  es_degrid_w5,  es_degrid_w6,  es_degrid_w7,
                                         es_degrid_w8,  es_degrid_w9,  es_degrid_w10, es_degrid_w11,
                                         es_degrid_w12, es_degrid_w13, es_degrid_w14, es_degrid_w15,
                                         es_degrid_w16};
    if (g->wproj)
        return degrid ? wproj_degrid : wproj_grid;
    if (g->style == OB_GRID_STYLE_DDF)
        return degrid ? ddf_degrid : ddf_grid;
    return degrid ? degrid_fns[g->W - OB_ES_MIN_W] : grid_fns[g->W - OB_ES_MIN_W];
}

/* Rows and columns of tile (tx, ty)'s buffer that lie inside the grid. */
static void tile_extent(const ob_gridder *g, size_t tx, size_t ty, size_t *rows, size_t *cols)
{
    size_t x0 = tx * OB_GRID_TILE, y0 = ty * OB_GRID_TILE, span = OB_GRID_TILE + (size_t)g->W;
    *cols = x0 + span <= g->n_grid ? span : g->n_grid - x0;
    *rows = y0 + span <= g->n_grid ? span : g->n_grid - y0;
}

/* Grid the visibilities of keys [key0, key1) (key = first plane x tiles +
 * tile) into `grid`, weighting by w-plane `plane` (-1: no w weight). */
static void grid_keys(ob_gridder *g, const ob_obs *obs, const float *vis, float *grid, size_t key0,
                      size_t key1, int plane, int p0)
{
    const size_t n = g->n_grid;
    tile_fn fn = pick(g, 0);
    for (size_t key = key0; key < key1; key++) {
        size_t t = key % g->n_tiles, tx = t % g->n_tiles_x, ty = t / g->n_tiles_x, rows, cols;
        tile_extent(g, tx, ty, &rows, &cols);
        /* A dense tile is gridded FLUSH_EVERY visibilities at a time, each
         * batch summed in the buffer and then added to the grid: two short
         * float sums instead of one of up to ~1e6 terms (see float_floor). */
        for (uint32_t begin = g->tile_start[key]; begin < g->tile_start[key + 1];
             begin += FLUSH_EVERY) {
            uint32_t end = g->tile_start[key + 1] - begin > FLUSH_EVERY ? begin + FLUSH_EVERY
                                                                        : g->tile_start[key + 1];
            memset(g->tile, 0, (OB_GRID_TILE + (size_t)g->W) * TB_STRIDE * sizeof(float));
            tile_job j = {.g = g,
                          .obs = obs,
                          .vis_in = vis,
                          .begin = begin,
                          .end = end,
                          .tx0 = (int)(tx * OB_GRID_TILE),
                          .ty0 = (int)(ty * OB_GRID_TILE),
                          .tile = g->tile,
                          .plane = plane,
                          .p0 = p0};
            fn(&j);
            for (size_t r = 0; r < rows; r++) {
                float *dst = grid + 2 * ((ty * OB_GRID_TILE + r) * n + tx * OB_GRID_TILE);
                const float *src = g->tile + r * TB_STRIDE;
                for (size_t c = 0; c < 2 * cols; c++)
                    dst[c] += src[c];
            }
        }
    }
}

static void degrid_keys(ob_gridder *g, const ob_obs *obs, const float *grid, float *vis_out,
                        size_t key0, size_t key1, int plane, int p0)
{
    const size_t n = g->n_grid;
    tile_fn fn = pick(g, 1);
    for (size_t key = key0; key < key1; key++) {
        uint32_t begin = g->tile_start[key], end = g->tile_start[key + 1];
        if (begin == end)
            continue;
        size_t t = key % g->n_tiles, tx = t % g->n_tiles_x, ty = t / g->n_tiles_x, rows, cols;
        tile_extent(g, tx, ty, &rows, &cols);
        for (size_t r = 0; r < rows; r++)
            memcpy(g->tile + r * TB_STRIDE,
                   grid + 2 * ((ty * OB_GRID_TILE + r) * n + tx * OB_GRID_TILE),
                   2 * cols * sizeof(float));
        tile_job j = {.g = g,
                      .obs = obs,
                      .vis_out = vis_out,
                      .begin = begin,
                      .end = end,
                      .tx0 = (int)(tx * OB_GRID_TILE),
                      .ty0 = (int)(ty * OB_GRID_TILE),
                      .tile = g->tile,
                      .plane = plane,
                      .p0 = p0};
        fn(&j);
    }
}

void ob_gridder_grid(ob_gridder *g, const ob_obs *obs, const float *vis, float *grid)
{
    memset(grid, 0, 2 * g->n_grid * g->n_grid * sizeof(float));
    grid_keys(g, obs, vis, grid, 0, g->n_keys, -1, -1);
}

void ob_gridder_degrid(ob_gridder *g, const ob_obs *obs, const float *grid, float *vis_out)
{
    degrid_keys(g, obs, grid, vis_out, 0, g->n_keys, -1, -1);
}

size_t ob_gridder_planes(const ob_gridder *g)
{
    return g->wstack ? g->n_planes : 0;
}
int ob_gridder_uses_w(const ob_gridder *g)
{
    return g->wstack || g->wproj;
}
int ob_gridder_wproj_kernels(const ob_gridder *g)
{
    return g->wproj ? 2 * g->wp_half + 1 : 0;
}

/* Planes p0 whose visibilities reach plane p: p - W + 1 .. p. */
static size_t first_reaching(const ob_gridder *g, size_t plane)
{
    return plane + 1 >= (size_t)g->W ? plane + 1 - (size_t)g->W : 0;
}

void ob_gridder_grid_plane(ob_gridder *g, const ob_obs *obs, const float *vis, float *grid,
                           size_t plane)
{
    memset(grid, 0, 2 * g->n_grid * g->n_grid * sizeof(float));
    for (size_t p0 = first_reaching(g, plane); p0 <= plane && p0 < g->n_planes; p0++)
        grid_keys(g, obs, vis, grid, p0 * g->n_tiles, (p0 + 1) * g->n_tiles, (int)plane, (int)p0);
}

void ob_gridder_degrid_plane(ob_gridder *g, const ob_obs *obs, const float *grid, size_t plane,
                             float *vis_out)
{
    if (plane == 0)
        memset(vis_out, 0, 2 * g->n_vis * sizeof(float));
    for (size_t p0 = first_reaching(g, plane); p0 <= plane && p0 < g->n_planes; p0++)
        degrid_keys(g, obs, grid, vis_out, p0 * g->n_tiles, (p0 + 1) * g->n_tiles, (int)plane,
                    (int)p0);
}

/* ---- grid correction ----------------------------------------------------------- */

/* FFT index of signed frequency p and the (-1)^p that moves the grid centre
 * (cell n/2) to index 0. */
static size_t wrap(long p, size_t n)
{
    return (size_t)(p < 0 ? p + (long)n : p);
}

void ob_gridder_grid_to_image(const ob_gridder *g, const float *grid, float *image)
{
    const size_t n = g->n_grid, ni = g->n_image;
    const long h = (long)ni / 2;
    const double scale = (double)n * (double)n; /* undo the inverse FFT's 1/n^2 */
    for (long py = -h; py < h; py++) {
        const float *row = grid + 2 * wrap(py, n) * n;
        double cy = scale * g->corr[labs(py)] * (py % 2 != 0 ? -1.0 : 1.0);
        float *out = image + (size_t)(py + h) * ni;
        for (long px = -h; px < h; px++) {
            double c = cy * g->corr[labs(px)] * (px % 2 != 0 ? -1.0 : 1.0);
            out[px + h] = (float)(row[2 * wrap(px, n)] * c);
        }
    }
}

void ob_gridder_image_to_grid(const ob_gridder *g, const float *image, float *grid)
{
    const size_t n = g->n_grid, ni = g->n_image;
    const long h = (long)ni / 2;
    memset(grid, 0, 2 * n * n * sizeof(float));
    for (long py = -h; py < h; py++) {
        float *row = grid + 2 * wrap(py, n) * n;
        double cy = g->corr[labs(py)] * (py % 2 != 0 ? -1.0 : 1.0);
        const float *in = image + (size_t)(py + h) * ni;
        for (long px = -h; px < h; px++)
            row[2 * wrap(px, n)] =
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
        const float *row = grid + 2 * wrap(py, n) * n;
        float *out = image + (size_t)(py + h) * ni;
        const float *ph = g->phasor + 2 * (size_t)(py + h) * ni;
        for (long px = -h; px < h; px++) {
            const float *f = row + 2 * wrap(px, n), *z = ph + 2 * (px + h);
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
        float *row = grid + 2 * wrap(py, n) * n;
        for (long px = -h; px < h; px++) {
            size_t k = (size_t)(py + h) * ni + (size_t)(px + h);
            float a = (float)(image[k] * g->corr[labs(py)] * g->corr[labs(px)] * g->corr_w[k]) *
                      ((px + py) % 2 != 0 ? -1.0f : 1.0f);
            /* times conj(exp(2 pi i w_p nm1)) */
            row[2 * wrap(px, n)] = a * g->phasor[2 * k];
            row[2 * wrap(px, n) + 1] = -a * g->phasor[2 * k + 1];
        }
    }
    phasor_advance(g);
}

/* ---- references ------------------------------------------------------------------ */

void ob_grid_dirty_reference(const ob_obs *obs, const float *vis, double pixel_rad, size_t n_image,
                             int with_w, const int *pix, size_t npix, double *out)
{
    const double f0 = obs->freq[0] / OB_SPEED_OF_LIGHT;
    const double df = obs->n_chan > 1 ? (obs->freq[1] - obs->freq[0]) / OB_SPEED_OF_LIGHT : 0.0;
    const long h = (long)n_image / 2;
    for (size_t p = 0; p < npix; p++) {
        double l = (double)(pix[2 * p] - h) * pixel_rad,
               m = (double)(pix[2 * p + 1] - h) * pixel_rad;
        double sum = 0.0, nm1 = with_w ? nm1_of(l, m) : 0.0;
        for (size_t r = 0; r < obs->n_row; r++) {
            const double *uvw = obs->uvw + 3 * r;
            const float *v = vis + 2 * r * obs->n_chan;
            /* exp(+2 pi i (u l + v m + w nm1) f/c), stepped across the equally spaced channels. */
            double ph = 2.0 * PI * (uvw[0] * l + uvw[1] * m + uvw[2] * nm1);
            double zr = cos(ph * f0), zi = sin(ph * f0), sr = cos(ph * df), si = sin(ph * df);
            for (size_t c = 0; c < obs->n_chan; c++) {
                sum += v[2 * c] * zr - v[2 * c + 1] * zi;
                double t = zr * sr - zi * si;
                zi = zr * si + zi * sr;
                zr = t;
            }
        }
        out[p] = sum;
    }
}

void ob_grid_model_reference(const ob_obs *obs, double pixel_rad, size_t n_image, int with_w,
                             const int *pix, const double *flux, size_t npix, const size_t *idx,
                             size_t nidx, double *out)
{
    const long h = (long)n_image / 2;
    for (size_t i = 0; i < nidx; i++) {
        size_t row = idx[i] / obs->n_chan, c = idx[i] % obs->n_chan;
        double f = obs->freq[c] / OB_SPEED_OF_LIGHT;
        double u = obs->uvw[3 * row] * f, v = obs->uvw[3 * row + 1] * f, re = 0.0, im = 0.0;
        double w = with_w ? obs->uvw[3 * row + 2] * f : 0.0;
        for (size_t p = 0; p < npix; p++) {
            double l = (double)(pix[2 * p] - h) * pixel_rad;
            double m = (double)(pix[2 * p + 1] - h) * pixel_rad;
            double ph = -2.0 * PI * (u * l + v * m + w * nm1_of(l, m));
            re += flux[p] * cos(ph);
            im += flux[p] * sin(ph);
        }
        out[2 * i] = re;
        out[2 * i + 1] = im;
    }
}

double ob_rel_l2(const double *a, const double *b, size_t n)
{
    double d = 0.0, na = 0.0, nb = 0.0;
    for (size_t i = 0; i < n; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    double den = na > nb ? na : nb;
    return den > 0.0 ? sqrt(d / den) : sqrt(d);
}
