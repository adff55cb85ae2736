/* The gridder's tile loops: per-visibility kernels written with GCC vector
 * extensions (8 floats), instantiated once per support W, compiled for
 * AVX-512, AVX2 and baseline x86-64 (target_clones) and picked at load time,
 * as in fft2d.c. The -Wpsabi pragma below covers this file only. */
#include "kernels/radio/gridder_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The x and y weights together, from the per-cell table (gridder_internal.h
 * coef1): one lane per cell, so W <= 8 takes one vector per axis. The
 * polynomial is evaluated in s^2 over coefficient pairs (c[2i] + c[2i+1] s),
 * Estrin's first level: the pairs are independent and the Horner chain in
 * s^2 is half as long, which is what a visibility's weights wait on. Two
 * axes, two independent chains. */
static ALWAYS_INLINE void kernel_cells(const ob_gridder *g, const int NC, const int deg, float sx,
                                       float sy, v8f *kx, v8f *ky)
{
    const float sx2 = sx * sx, sy2 = sy * sy;
    const int top = deg / 2; /* pairs 0..top; the last is c[deg] alone when deg is even */
    for (int q = 0; q < NC; q++) {
        v8f hi = ld8(&g->coef1[2 * top][8 * q]);
        if (2 * top + 1 <= deg) {
            v8f c1 = ld8(&g->coef1[2 * top + 1][8 * q]);
            kx[q] = hi + c1 * sx;
            ky[q] = hi + c1 * sy;
        } else {
            kx[q] = ky[q] = hi;
        }
    }
#pragma GCC unroll 10
    for (int i = top - 1; i >= 0; i--)
        for (int q = 0; q < NC; q++) {
            v8f c0 = ld8(&g->coef1[2 * i][8 * q]), c1 = ld8(&g->coef1[2 * i + 1][8 * q]);
            kx[q] = kx[q] * sx2 + (c0 + c1 * sx);
            ky[q] = ky[q] * sy2 + (c0 + c1 * sy);
        }
}

/* Per-cell weights -> the duplicated (re, im) layout: vector q of the
 * result holds cells 4q .. 4q+3, each twice. */
static ALWAYS_INLINE v8f dup_cells(const v8f *cells, int q)
{
    static const v8i lo = {0, 0, 1, 1, 2, 2, 3, 3}, hi = {4, 4, 5, 5, 6, 6, 7, 7};
#if defined(__clang__)
    return q % 2 ? __builtin_shufflevector(cells[q / 2], cells[q / 2], 4, 4, 5, 5, 6, 6, 7, 7)
                 : __builtin_shufflevector(cells[q / 2], cells[q / 2], 0, 0, 1, 1, 2, 2, 3, 3);
#else
    return __builtin_shuffle(cells[q / 2], q % 2 ? hi : lo);
#endif
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

/* The visibilities of a tile are spread over the whole measurement set
 * (sorted by tile, not by row): ask for the data of the one PREFETCH_AHEAD
 * later, whose address the sorted order already gives, so that its cache
 * misses overlap this one's work. */
enum { PREFETCH_AHEAD = 8 };
static ALWAYS_INLINE void prefetch_vis(const tile_job *j, uint32_t i, const float *vis)
{
    if (i + PREFETCH_AHEAD < j->end) {
        uint32_t k = j->g->order[i + PREFETCH_AHEAD];
        uint32_t row = k / (uint32_t)j->g->n_chan;
        __builtin_prefetch(j->obs->uvw + 3 * (size_t)row);
        __builtin_prefetch(vis + 2 * (size_t)k);
    }
}

static ALWAYS_INLINE void es_grid_tile(const tile_job *j, const int W)
{
    const int NV = (2 * W + 7) / 8, NC = (W + 7) / 8;
    const int deg = ob_gridder_poly_degree(W);
    for (uint32_t i = j->begin; i < j->end; i++) {
        prefetch_vis(j, i, j->vis_in);
        uint32_t k = j->g->order[i];
        double x, y;
        vis_position(j, k, &x, &y);
        float sx, sy;
        int jx = ob_gridder_first_cell(x, W, &sx), jy = ob_gridder_first_cell(y, W, &sy);
        v8f kx[4], kxc[2], kyc[2];
        float ky[2 * 8];
        kernel_cells(j->g, NC, deg, sx, sy, kxc, kyc);
        for (int q = 0; q < NC; q++)
            st8(ky + 8 * q, kyc[q]);
        for (int q = 0; q < NV; q++)
            kx[q] = dup_cells(kxc, q);
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
            float a = ky[r];
            float *row = base + (size_t)r * TB_STRIDE;
            for (int q = 0; q < NV; q++)
                st8(row + 8 * q, ld8(row + 8 * q) + kx[q] * a);
        }
    }
}

static ALWAYS_INLINE void es_degrid_tile(const tile_job *j, const int W)
{
    const int NV = (2 * W + 7) / 8, NC = (W + 7) / 8;
    const int deg = ob_gridder_poly_degree(W);
    for (uint32_t i = j->begin; i < j->end; i++) {
        prefetch_vis(j, i, j->vis_out);
        uint32_t k = j->g->order[i];
        double x, y;
        vis_position(j, k, &x, &y);
        float sx, sy;
        int jx = ob_gridder_first_cell(x, W, &sx), jy = ob_gridder_first_cell(y, W, &sy);
        v8f kx[4], kxc[2], kyc[2], acc[4] = {{0}};
        float ky[2 * 8];
        kernel_cells(j->g, NC, deg, sx, sy, kxc, kyc);
        for (int q = 0; q < NC; q++)
            st8(ky + 8 * q, kyc[q]);
        for (int q = 0; q < NV; q++)
            kx[q] = dup_cells(kxc, q);
        const float *base = j->tile + (size_t)(jy - j->ty0) * TB_STRIDE + 2 * (jx - j->tx0);
        for (int r = 0; r < W; r++) {
            float a = ky[r];
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
    *jx = ob_gridder_first_cell(x, S, &sx);
    *jy = ob_gridder_first_cell(y, S, &sy);
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
    int plane = ob_gridder_wp_plane(g, j->obs->uvw[3 * (size_t)row + 2], c) + g->wp_half;
    *S = g->wp_support[plane];
    float sx, sy;
    *jx = ob_gridder_first_cell(*x, *S, &sx);
    *jy = ob_gridder_first_cell(*y, *S, &sy);
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
