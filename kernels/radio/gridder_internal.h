/* Private to the gridder (kernels/radio/gridder.h is its interface): the
 * tile-buffer geometry, the gridder's state and two helpers shared by the
 * set-up (gridder.c) and the tile loops (gridder_tiles.c). */
#ifndef OCCBENCH_GRIDDER_INTERNAL_H
#define OCCBENCH_GRIDDER_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "kernels/radio/gridder.h"

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
    /* poly's coefficients once per cell (lane i = cell i, not duplicated for
     * re and im): the tile loops evaluate W weights per axis in (W+7)/8
     * vectors instead of (2W+7)/8, and duplicate the x weights by shuffles */
    float coef1[OB_ES_MAX_DEG + 1][OB_ES_MAX_LANES / 2];
    float *ddf_table;   /* DDF_OFFSETS^2 blocks of 7 rows x DDF_ROW */
    double *corr;       /* 1/psihat(p/n_grid), p = 0..n_image/2 */
    double *chan_scale; /* cells per metre of baseline, per channel */
    size_t n_tiles_x, n_tiles;
    uint32_t *tile_start; /* n_tiles + 1 */
    uint32_t *key, *order;
    /* FFT pruning: grid columns some tile's support touches (after the
     * sort), and the lines of the image's crop, wrap(-n_image/2 .. n_image/2-1) */
    unsigned char *cols_used, *image_lines;
    /* The real-image transform (gridder_fft.c; not with w-stacking, NULL
     * there): the columns 0..n_grid/2 it needs, the image's rows as
     * half-length complex rows (n_image rounded up to 16, x n_grid/2), their
     * plan (16 rows) and exp(+2 pi i k / n_grid), k = 0..n_grid/2. */
    unsigned char *cols_half;
    float *half_rows, *half_tw, *half_rev; /* half_rev: one row of scratch */
    ob_fft2d *half_plan;
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

/* gridder_fft.c */
size_t ob_gridder_real_fft_bytes(size_t n_grid, size_t n_image);
int ob_gridder_real_fft_setup(ob_gridder *g);
void ob_gridder_real_fft_free(ob_gridder *g);
void ob_gridder_mark_columns(ob_gridder *g);

/* Degree of the kernel's piecewise polynomial for support W: W. Measured
 * (ob_es_poly_fit against the exact ES kernel, W = 4..16, sigma 1.5 and 2):
 * the fit's max error is flat from degree W on (W = 6, sigma 2: 5.6e-6 at
 * degree 6 and at 9; W = 8: 1.0e-7 and 9.8e-8), set by the float
 * coefficients and the kernel, not the degree; each degree more costs the
 * tile loops a multiply-add per axis and visibility (gridder_tiles.c). */
static inline int ob_gridder_poly_degree(int W)
{
    return W < OB_ES_MAX_DEG ? W : OB_ES_MAX_DEG;
}

/* FFT index of signed frequency (or pixel offset) p on an axis of n. */
static inline size_t ob_gridder_wrap(long p, size_t n)
{
    return (size_t)(p < 0 ? p + (long)n : p);
}

/* First cell of the support and the polynomial variable s in [-1, 1). */
static inline __attribute__((always_inline)) int ob_gridder_first_cell(double x, int W, float *s)
{
    double j0 = ceil(x - 0.5 * W);
    *s = (float)(2.0 * (j0 - x + 0.5 * W) - 1.0);
    return (int)j0;
}

/* The w-projection kernel serving w (metres) at channel c. */
static inline int ob_gridder_wp_plane(const ob_gridder *g, double w_m, size_t c)
{
    long k = lround(w_m * g->chan_w[c]);
    return (int)(k < -g->wp_half ? -g->wp_half : k > g->wp_half ? g->wp_half : k);
}

/* n - 1 = sqrt(1 - l^2 - m^2) - 1, without cancellation. */
static inline double ob_gridder_nm1(double l, double m)
{
    double r2 = l * l + m * m;
    return -r2 / (1.0 + sqrt(1.0 - r2));
}

#endif
