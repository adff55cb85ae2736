/* Direct 2-D convolution (see kernels/rubin/conv2d.h for the geometry).
 *
 * Vectorisation: the default build is -O2 for baseline x86-64 (or any other
 * ISA), where GCC's cheap cost model does not vectorise loops of unknown
 * trip count. So the hot loops use GCC/Clang vector extensions on 8-float
 * vectors (two SSE registers on baseline x86-64, one AVX register with
 * -mavx2, NEON pairs on arm64): every kernel tap is one broadcast-multiply-
 * add of a block of contiguous input pixels into register accumulators, and
 * each output block is stored once. Vectors are never passed to functions
 * (that would change the ABI with the ISA level and warn).
 *
 * As the internal FFT does (kernels/lib/fft2d.c), the hot functions
 * (the block sums, the kernel interpolation and basis sums) are compiled as GCC target_clones
 * (AVX-512F, AVX2, baseline) and the widest the CPU runs is picked at load time. The clones differ
 * in register width only: each lane does the same IEEE operations in the same order and ISO C mode
 * (-std=c11) leaves FMA contraction off, so every site computes bit-identical images. */
#include "kernels/rubin/conv2d.h"

#include "common/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef float v8f __attribute__((vector_size(32)));

/* Unaligned load and store through memcpy (movups); macros, because
 * functions taking or returning vectors would depend on the ISA level. */
#define LOAD8(v, p) memcpy(&(v), (p), sizeof(v8f))
#define STORE8(p, v) memcpy((p), &(v), sizeof(v8f))

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(OB_CONV_NO_CLONES)
#define OB_CONV_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define OB_CONV_CLONES
#endif

/* Output pixels per register block: 4 vectors of 8 fit in the 16 SSE
 * registers together with the broadcast tap and the loads. */
#define BLOCK 32

double ob_conv_ref_pixel(const float *in, size_t nx, const float *k, int K, size_t x, size_t y)
{
    double sum = 0.0;
    for (int j = 0; j < K; j++)
        for (int i = 0; i < K; i++)
            sum += (double)k[j * K + i] * (double)in[(y + (size_t)j) * nx + x + (size_t)i];
    return sum;
}

void ob_conv_plain(const float *in, size_t nx, size_t ny, const float *k, int K, float *out)
{
    size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
    for (size_t y = 0; y < nyo; y++)
        for (size_t x = 0; x < nxo; x++) {
            float sum = 0.0f;
            for (int j = 0; j < K; j++)
                for (int i = 0; i < K; i++)
                    sum += k[j * K + i] * in[(y + (size_t)j) * nx + x + (size_t)i];
            out[y * nxo + x] = sum;
        }
}

/* dst[0..BLOCK) = sum_{j<rows, i<cols} w[j*cols+i] * src[j*stride + i + lane]. */
OB_CONV_CLONES static void taps_block32(const float *src, size_t stride, const float *w, int rows,
                                        int cols, float *dst)
{
    v8f a0 = {0}, a1 = a0, a2 = a0, a3 = a0, l0, l1, l2, l3;
    for (int j = 0; j < rows; j++) {
        const float *s = src + (size_t)j * stride;
        const float *wr = w + (size_t)j * (size_t)cols;
        for (int i = 0; i < cols; i++) {
            float t = wr[i]; /* a scalar operand broadcasts */
            LOAD8(l0, s + i);
            LOAD8(l1, s + i + 8);
            LOAD8(l2, s + i + 16);
            LOAD8(l3, s + i + 24);
            a0 += t * l0;
            a1 += t * l1;
            a2 += t * l2;
            a3 += t * l3;
        }
    }
    STORE8(dst, a0);
    STORE8(dst + 8, a1);
    STORE8(dst + 16, a2);
    STORE8(dst + 24, a3);
}

/* The same sum, scalar, for one lane (rows narrower than a block). */
static float taps_scalar(const float *src, size_t stride, const float *w, int rows, int cols)
{
    float sum = 0.0f;
    for (int j = 0; j < rows; j++)
        for (int i = 0; i < cols; i++)
            sum += w[j * cols + i] * src[(size_t)j * stride + (size_t)i];
    return sum;
}

/* One output row of n pixels: dst[x] = taps over src + x. The last block
 * is shifted left to end at n (recomputing a few pixels identically)
 * rather than running a scalar tail. */
static void taps_row(const float *src, size_t stride, const float *w, int rows, int cols, size_t n,
                     float *dst)
{
    if (n < BLOCK) {
        for (size_t x = 0; x < n; x++)
            dst[x] = taps_scalar(src + x, stride, w, rows, cols);
        return;
    }
    for (size_t x0 = 0; x0 < n; x0 += BLOCK) {
        size_t x = x0 + BLOCK <= n ? x0 : n - BLOCK;
        taps_block32(src + x, stride, w, rows, cols, dst + x);
    }
}

void ob_conv_invariant(const float *in, size_t nx, size_t ny, const float *k, int K, float *out)
{
    size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
    for (size_t y = 0; y < nyo; y++)
        taps_row(in + y * nx, nx, k, K, K, nxo, out + y * nxo);
}

void ob_conv_separable(const float *in, size_t nx, size_t ny, const float *kx, const float *ky,
                       int K, float *rowbuf, float *out)
{
    size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
    for (size_t y = 0; y < nyo; y++) {
        /* vertical: K rows of 1 tap each, stride nx, over the full width */
        taps_row(in + y * nx, nx, ky, K, 1, nx, rowbuf);
        /* horizontal: 1 row of K taps out of the buffer */
        taps_row(rowbuf, 0, kx, 1, K, nxo, out + y * nxo);
    }
}

void ob_gaussian_1d(float *taps, int K, double sigma)
{
    double sum = 0.0, tmp[K];
    for (int i = 0; i < K; i++) {
        double u = i - K / 2;
        tmp[i] = exp(-0.5 * u * u / (sigma * sigma));
        sum += tmp[i];
    }
    for (int i = 0; i < K; i++)
        taps[i] = (float)(tmp[i] / sum);
}

/* ---- Alard-Lupton spatially varying kernel -------------------------------- */

static const double al_sigma[3] = {0.7, 1.5, 3.0};
static const int al_degree[3] = {4, 2, 2};

int ob_al_model_nbasis(const ob_al_model *m)
{
    (void)m;
    int n = 0;
    for (int g = 0; g < 3; g++)
        n += (al_degree[g] + 1) * (al_degree[g] + 2) / 2;
    return n;
}

int ob_al_model_init(ob_al_model *m, int K, size_t nx, size_t ny, unsigned long long seed)
{
    memset(m, 0, sizeof *m);
    m->K = K;
    m->nx = nx;
    m->ny = ny;
    m->basis = malloc(sizeof(float) * OB_AL_NBASIS * (size_t)K * (size_t)K);
    if (!m->basis)
        return -1;
    int h = K / 2, b = 0;
    for (int g = 0; g < 3; g++)
        for (int deg = 0; deg <= al_degree[g]; deg++)
            for (int q = 0; q <= deg; q++) {
                int p = deg - q;
                float *img = m->basis + (size_t)b * (size_t)K * (size_t)K;
                double norm = 0.0;
                for (int v = -h; v <= h; v++)
                    for (int u = -h; u <= h; u++) {
                        double r2 = (double)(u * u + v * v);
                        double val =
                            exp(-0.5 * r2 / (al_sigma[g] * al_sigma[g])) * pow(u, p) * pow(v, q);
                        img[(v + h) * K + (u + h)] = (float)val;
                        norm += fabs(val);
                    }
                /* unit L1 norm so that the weights are comparable */
                for (int t = 0; t < K * K; t++)
                    img[t] = (float)(img[t] / norm);
                b++;
            }
    /* A PSF-matching-like model: the narrow Gaussian dominates, the other
     * terms are percent-level corrections varying smoothly over the image. */
    ob_rng rng;
    ob_rng_seed(&rng, seed);
    for (int i = 0; i < OB_AL_NBASIS; i++)
        for (int s = 0; s < OB_AL_NSPATIAL; s++)
            m->coeff[i][s] = (s == 0 ? 0.1 : 0.03) * ob_rng_normal(&rng);
    m->coeff[0][0] = 1.0;
    return 0;
}

void ob_al_model_free(ob_al_model *m)
{
    free(m->basis);
    m->basis = NULL;
}

void ob_al_kernel_at(const ob_al_model *m, double x, double y, double *kimg)
{
    double xn = m->nx > 1 ? 2.0 * x / (double)(m->nx - 1) - 1.0 : 0.0;
    double yn = m->ny > 1 ? 2.0 * y / (double)(m->ny - 1) - 1.0 : 0.0;
    double poly[OB_AL_NSPATIAL] = {1.0, xn, yn, xn * xn, xn * yn, yn * yn};
    size_t kk = (size_t)m->K * (size_t)m->K;
    for (size_t t = 0; t < kk; t++)
        kimg[t] = 0.0;
    for (int b = 0; b < OB_AL_NBASIS; b++) {
        double w = 0.0;
        for (int s = 0; s < OB_AL_NSPATIAL; s++)
            w += m->coeff[b][s] * poly[s];
        const float *img = m->basis + (size_t)b * kk;
        for (size_t t = 0; t < kk; t++)
            kimg[t] += w * (double)img[t];
    }
}

/* Nodes 0, s, 2s, ... and always n-1; s = 8 pixels (<= OB_AL_MAX_SPACING),
 * one 8-float vector per region row segment. */
#define AL_SPACING 8

static size_t *grid_axis(size_t n, size_t *count)
{
    size_t c = (n - 1 + AL_SPACING - 1) / AL_SPACING + 1;
    size_t *pos = malloc(sizeof *pos * c);
    if (!pos)
        return NULL;
    for (size_t i = 0; i + 1 < c; i++)
        pos[i] = i * AL_SPACING;
    pos[c - 1] = n - 1;
    *count = c;
    return pos;
}

/* dst += w * src over n floats. */
OB_CONV_CLONES static void axpy_floats(float *dst, float w, const float *src, size_t n)
{
    size_t i = 0;
    v8f vd, vs;
    for (; i + 8 <= n; i += 8) {
        LOAD8(vd, dst + i);
        LOAD8(vs, src + i);
        vd += w * vs;
        STORE8(dst + i, vd);
    }
    for (; i < n; i++)
        dst[i] += w * src[i];
}

void ob_al_node_kernel(const ob_al_model *m, size_t x, size_t y, float *kimg)
{
    double xn = m->nx > 1 ? 2.0 * (double)x / (double)(m->nx - 1) - 1.0 : 0.0;
    double yn = m->ny > 1 ? 2.0 * (double)y / (double)(m->ny - 1) - 1.0 : 0.0;
    double poly[OB_AL_NSPATIAL] = {1.0, xn, yn, xn * xn, xn * yn, yn * yn};
    size_t kk = (size_t)m->K * (size_t)m->K;
    memset(kimg, 0, sizeof(float) * kk);
    for (int b = 0; b < OB_AL_NBASIS; b++) {
        double w = 0.0;
        for (int s = 0; s < OB_AL_NSPATIAL; s++)
            w += m->coeff[b][s] * poly[s];
        axpy_floats(kimg, (float)w, m->basis + (size_t)b * kk, kk);
    }
}

int ob_al_grid_init(ob_al_grid *g, const ob_al_model *m, size_t nxo, size_t nyo)
{
    memset(g, 0, sizeof *g);
    g->model = m;
    g->K = m->K;
    g->nxo = nxo;
    g->nyo = nyo;
    g->band = (size_t)-1;
    size_t kk = (size_t)m->K * (size_t)m->K;
    g->node_x = grid_axis(nxo, &g->ncx);
    g->node_y = grid_axis(nyo, &g->ncy);
    if (g->node_x && g->node_y) {
        g->band_top = malloc(sizeof(float) * g->ncx * kk);
        g->band_bottom = malloc(sizeof(float) * g->ncx * kk);
        g->row_kernels = malloc(sizeof(float) * 2 * kk);
    }
    if (!g->band_top || !g->band_bottom || !g->row_kernels) {
        ob_al_grid_free(g);
        return -1;
    }
    return 0;
}

void ob_al_grid_free(ob_al_grid *g)
{
    free(g->node_x);
    free(g->node_y);
    free(g->band_top);
    free(g->band_bottom);
    free(g->row_kernels);
    memset(g, 0, sizeof *g);
}

/* Index of the region (interval between nodes c and c+1) holding p. */
static size_t region_of(size_t count, size_t p)
{
    size_t c = p / AL_SPACING;
    return c + 1 < count ? c : count - 2;
}

void ob_al_grid_kernel_at(const ob_al_grid *g, size_t x, size_t y, double *kimg)
{
    size_t kk = (size_t)g->K * (size_t)g->K;
    size_t cx = region_of(g->ncx, x), cy = region_of(g->ncy, y);
    double tx = (double)(x - g->node_x[cx]) / (double)(g->node_x[cx + 1] - g->node_x[cx]);
    double ty = (double)(y - g->node_y[cy]) / (double)(g->node_y[cy + 1] - g->node_y[cy]);
    float *k00 = malloc(sizeof(float) * 4 * kk);
    if (!k00) { /* a reference helper: NaN makes any comparison fail */
        for (size_t t = 0; t < kk; t++)
            kimg[t] = NAN;
        return;
    }
    float *k01 = k00 + kk, *k10 = k01 + kk, *k11 = k10 + kk;
    ob_al_node_kernel(g->model, g->node_x[cx], g->node_y[cy], k00);
    ob_al_node_kernel(g->model, g->node_x[cx + 1], g->node_y[cy], k01);
    ob_al_node_kernel(g->model, g->node_x[cx], g->node_y[cy + 1], k10);
    ob_al_node_kernel(g->model, g->node_x[cx + 1], g->node_y[cy + 1], k11);
    for (size_t t = 0; t < kk; t++)
        kimg[t] =
            (1 - ty) * ((1 - tx) * k00[t] + tx * k01[t]) + ty * ((1 - tx) * k10[t] + tx * k11[t]);
    free(k00);
}

/* dst = (1-t) a + t b over n floats (exact a at t = 0, b at t = 1). */
OB_CONV_CLONES static void lerp_floats(float *dst, const float *a, const float *b, float t,
                                       size_t n)
{
    size_t i = 0;
    v8f va, vb;
    for (; i + 8 <= n; i += 8) {
        LOAD8(va, a + i);
        LOAD8(vb, b + i);
        va = (1 - t) * va + t * vb;
        STORE8(dst + i, va);
    }
    for (; i < n; i++)
        dst[i] = (1 - t) * a[i] + t * b[i];
}

/* The corner kernels of node row cy into `dst` (ncx kernels). */
static void evaluate_node_row(const ob_al_grid *g, size_t cy, float *dst)
{
    size_t kk = (size_t)g->K * (size_t)g->K;
    for (size_t cx = 0; cx < g->ncx; cx++)
        ob_al_node_kernel(g->model, g->node_x[cx], g->node_y[cy], dst + cx * kk);
}

/* The corner kernels of band cy (node rows cy and cy+1), reusing the
 * shared node row when the bands are visited in order. */
static void load_band(ob_al_grid *g, size_t cy)
{
    if (g->band != (size_t)-1 && cy == g->band + 1) {
        float *t = g->band_top;
        g->band_top = g->band_bottom;
        g->band_bottom = t;
    } else {
        evaluate_node_row(g, cy, g->band_top);
    }
    evaluate_node_row(g, cy + 1, g->band_bottom);
    g->band = cy;
}

/* lanes 0..7 at src: left[l] = kl * src, right[l] = kr * src. Two kernel
 * rows at a time, so that four independent accumulator chains hide the
 * latency of the vector adds (one chain per kernel would be latency bound:
 * each block is only 8 pixels wide). */
OB_CONV_CLONES static void two_kernels_block8(const float *src, size_t stride, const float *kl,
                                              const float *kr, int K, float *left, float *right)
{
    v8f a0 = {0}, a1 = a0, b0 = a0, b1 = a0, v0, v1;
    int j = 0;
    for (; j + 1 < K; j += 2) {
        const float *s0 = src + (size_t)j * stride, *s1 = s0 + stride;
        const float *l0 = kl + j * K, *l1 = l0 + K, *r0 = kr + j * K, *r1 = r0 + K;
        for (int i = 0; i < K; i++) {
            LOAD8(v0, s0 + i);
            LOAD8(v1, s1 + i);
            a0 += l0[i] * v0;
            a1 += l1[i] * v1;
            b0 += r0[i] * v0;
            b1 += r1[i] * v1;
        }
    }
    if (j < K) { /* odd K: the last kernel row */
        const float *s0 = src + (size_t)j * stride, *l0 = kl + j * K, *r0 = kr + j * K;
        for (int i = 0; i < K; i++) {
            LOAD8(v0, s0 + i);
            a0 += l0[i] * v0;
            b0 += r0[i] * v0;
        }
    }
    a0 += a1;
    b0 += b1;
    STORE8(left, a0);
    STORE8(right, b0);
}

/* Pixels [xa, xe) of output row y, in region cx whose left and right
 * kernels for this row are seg[0..K^2) and seg[K^2..2K^2). */
static void varying_segment(const float *in, size_t nx, const ob_al_grid *g, size_t y, size_t cx,
                            size_t xa, size_t xe, const float *seg, float *out_row)
{
    size_t kk = (size_t)g->K * (size_t)g->K;
    float xl = (float)g->node_x[cx], width = (float)(g->node_x[cx + 1] - g->node_x[cx]);
    float left[8], right[8];
    for (size_t s = xa; s < xe; s += 8) {
        size_t base = s + 8 <= g->nxo ? s : g->nxo - 8;
        two_kernels_block8(in + y * nx + base, nx, seg, seg + kk, g->K, left, right);
        size_t end = s + 8 < xe ? s + 8 : xe;
        for (size_t x = s; x < end; x++) {
            float t = ((float)x - xl) / width;
            out_row[x] = (1 - t) * left[x - base] + t * right[x - base];
        }
    }
}

/* The same, scalar, for outputs narrower than one vector. */
static void varying_segment_scalar(const float *in, size_t nx, const ob_al_grid *g, size_t y,
                                   size_t cx, size_t xa, size_t xe, const float *seg,
                                   float *out_row)
{
    size_t kk = (size_t)g->K * (size_t)g->K;
    float xl = (float)g->node_x[cx], width = (float)(g->node_x[cx + 1] - g->node_x[cx]);
    for (size_t x = xa; x < xe; x++) {
        float t = ((float)x - xl) / width;
        const float *src = in + y * nx + x;
        out_row[x] = (1 - t) * taps_scalar(src, nx, seg, g->K, g->K) +
                     t * taps_scalar(src, nx, seg + kk, g->K, g->K);
    }
}

/* Region by region, as afw's convolveWithInterpolation: per band of
 * regions, the corner kernels of its two node rows; per region and output
 * row, its left and right kernels interpolated to the row (2 K^2 floats,
 * L1-resident), then the row segment. The input band (K+8 rows) stays in
 * L2 while the regions move along it. */
void ob_conv_varying(const float *in, size_t nx, size_t ny, ob_al_grid *g, float *out)
{
    (void)ny;
    size_t kk = (size_t)g->K * (size_t)g->K;
    g->band = (size_t)-1; /* every call evaluates its corner kernels */
    for (size_t cy = 0; cy + 1 < g->ncy; cy++) {
        load_band(g, cy);
        size_t ya = g->node_y[cy];
        size_t ye = cy + 2 < g->ncy ? g->node_y[cy + 1] : g->nyo; /* last band owns its bottom */
        float height = (float)(g->node_y[cy + 1] - g->node_y[cy]);
        for (size_t cx = 0; cx + 1 < g->ncx; cx++) {
            size_t xa = g->node_x[cx];
            size_t xe = cx + 2 < g->ncx ? g->node_x[cx + 1] : g->nxo; /* last region too */
            /* kernels cx and cx+1 are adjacent: one interpolation of 2 K^2 */
            const float *top = g->band_top + cx * kk, *bottom = g->band_bottom + cx * kk;
            for (size_t y = ya; y < ye; y++) {
                float ty = (float)(y - ya) / height;
                lerp_floats(g->row_kernels, top, bottom, ty, 2 * kk);
                if (g->nxo < 8)
                    varying_segment_scalar(in, nx, g, y, cx, xa, xe, g->row_kernels,
                                           out + y * g->nxo);
                else
                    varying_segment(in, nx, g, y, cx, xa, xe, g->row_kernels, out + y * g->nxo);
            }
        }
    }
}
