/* Template of the internal 2-D FFT, included by fft2d.c once per precision.
 * The includer defines:
 *   FFT_REAL   float or double
 *   FFT_LANES  transforms done side by side (one SIMD lane each); a compile-
 *              time constant so the innermost loops vectorise completely
 *   FFT_NAME   the public plan type (ob_fft2d or ob_fft2d_d); every function
 *              here is named FFT_NAME_<what>, so the public ones come out as
 *              ob_fft2d_plan, ob_fft2d_d_plan, ...
 *   FFT_TILE_ROWS, FFT_TILE_COMPLEX, FFT_GATHER_TILE, FFT_SCATTER_TILE
 *              the vector tiles of the row transposition (see fft2d.c)
 *
 * Algorithm: every 1-D transform is a Stockham autosort FFT (no bit
 * reversal) made of radix-8 passes, then at most two radix-4 passes (radix-2
 * only for n = 2), with the twiddles of every pass precomputed in the plan. Both the
 * rows and the columns are transformed FFT_LANES at a time: a batch is copied
 * ("gathered") into a scratch buffer laid out element by element, each
 * element being FFT_LANES real parts followed by FFT_LANES imaginary parts, so
 * lane l holds transform l. Every butterfly then runs across the lanes with
 * unit stride and one broadcast twiddle - the loop shape every vectoriser
 * handles - and the result is scattered back. For columns the gather reads
 * FFT_LANES adjacent complex values (whole cache lines) from every row.
 *
 * The inverse is computed as conj(forward(conj(x))) / n: the conjugations and
 * the 1/n (a power of two, exact) are folded into the gather and scatter, so
 * one set of twiddles and butterflies serves both directions. */

#define FFT_CAT2(a, b) a##_##b
#define FFT_CAT(a, b) FFT_CAT2(a, b)
#define FFT_FN(what) FFT_CAT(FFT_NAME, what)
#define FFT_E (2 * FFT_LANES) /* reals per buffer element */

typedef FFT_REAL FFT_FN(real);

/* One axis: the passes of a length-n transform and their twiddles. */
typedef struct FFT_FN(axis) {
    size_t n;
    int npass;
    unsigned char radix[OB_FFT_MAX_PASSES];
    FFT_REAL *twiddle[OB_FFT_MAX_PASSES]; /* per pass: (radix-1) complex per p */
} FFT_FN(axis);

struct FFT_NAME {
    size_t ny, nx;
    FFT_FN(axis) rows; /* length nx */
    FFT_FN(axis) cols; /* length ny */
    FFT_REAL *scratch; /* two Stockham buffers, the second offset against 4 KiB aliasing */
    FFT_REAL *buf[2];
};

static inline __attribute__((always_inline)) void
FFT_FN(butterfly2)(const FFT_REAL *restrict a, const FFT_REAL *restrict b, FFT_REAL *restrict y0,
                   FFT_REAL *restrict y1, FFT_REAL wr, FFT_REAL wi)
{
    const size_t L = FFT_LANES;
    for (size_t l = 0; l < FFT_LANES; l++) {
        const FFT_REAL ar = a[l], ai = a[L + l], br = b[l], bi = b[L + l];
        const FFT_REAL dr = ar - br, di = ai - bi;
        y0[l] = ar + br;
        y0[L + l] = ai + bi;
        y1[l] = dr * wr - di * wi;
        y1[L + l] = dr * wi + di * wr;
    }
}

/* Radix-2 Stockham pass: current length n, stride s (in elements). */
static OB_FFT_CLONES void FFT_FN(pass2)(size_t n, size_t s, const FFT_REAL *restrict tw,
                                        const FFT_REAL *restrict x, FFT_REAL *restrict y)
{
    const size_t m = n / 2, half = s * m * FFT_E;
    for (size_t p = 0; p < m; p++)
        for (size_t q = 0; q < s; q++) {
            const FFT_REAL *a = x + (q + s * p) * FFT_E;
            FFT_REAL *y0 = y + (q + s * 2 * p) * FFT_E;
            FFT_FN(butterfly2)(a, a + half, y0, y0 + s * FFT_E, tw[2 * p], tw[2 * p + 1]);
        }
}

/* One radix-4 butterfly across the lanes: separate restrict pointers per
 * stream tell the vectoriser the eight streams never overlap. */
static inline __attribute__((always_inline)) void
FFT_FN(butterfly4)(const FFT_REAL *restrict a, const FFT_REAL *restrict b,
                   const FFT_REAL *restrict c, const FFT_REAL *restrict d, FFT_REAL *restrict y0,
                   FFT_REAL *restrict y1, FFT_REAL *restrict y2, FFT_REAL *restrict y3,
                   const FFT_REAL *restrict w)
{
    const size_t L = FFT_LANES;
    const FFT_REAL w1r = w[0], w1i = w[1], w2r = w[2], w2i = w[3], w3r = w[4], w3i = w[5];
    for (size_t l = 0; l < FFT_LANES; l++) {
        const FFT_REAL ar = a[l], ai = a[L + l], br = b[l], bi = b[L + l];
        const FFT_REAL cr = c[l], ci = c[L + l], dr = d[l], di = d[L + l];
        const FFT_REAL apcr = ar + cr, apci = ai + ci, amcr = ar - cr, amci = ai - ci;
        const FFT_REAL bpdr = br + dr, bpdi = bi + di, bmdr = br - dr, bmdi = bi - di;
        /* -i (b - d) = (bmdi, -bmdr) */
        const FFT_REAL t1r = amcr + bmdi, t1i = amci - bmdr;
        const FFT_REAL t2r = apcr - bpdr, t2i = apci - bpdi;
        const FFT_REAL t3r = amcr - bmdi, t3i = amci + bmdr;
        y0[l] = apcr + bpdr;
        y0[L + l] = apci + bpdi;
        y1[l] = t1r * w1r - t1i * w1i;
        y1[L + l] = t1r * w1i + t1i * w1r;
        y2[l] = t2r * w2r - t2i * w2i;
        y2[L + l] = t2r * w2i + t2i * w2r;
        y3[l] = t3r * w3r - t3i * w3i;
        y3[L + l] = t3r * w3i + t3i * w3r;
    }
}

/* Radix-4 Stockham pass (decimation in frequency, forward sign). */
static OB_FFT_CLONES void FFT_FN(pass4)(size_t n, size_t s, const FFT_REAL *restrict tw,
                                        const FFT_REAL *restrict x, FFT_REAL *restrict y)
{
    const size_t m = n / 4, quarter = s * m * FFT_E;
    for (size_t p = 0; p < m; p++) {
        for (size_t q = 0; q < s; q++) {
            const FFT_REAL *a = x + (q + s * p) * FFT_E;
            FFT_REAL *y0 = y + (q + s * 4 * p) * FFT_E;
            FFT_FN(butterfly4)
            (a, a + quarter, a + 2 * quarter, a + 3 * quarter, y0, y0 + s * FFT_E,
             y0 + 2 * s * FFT_E, y0 + 3 * s * FFT_E, tw + 6 * p);
        }
    }
}

/* One radix-8 butterfly across the lanes (decimation in frequency):
 * X[2r] = DFT4(x[j] + x[j+4])[r], X[2r+1] = DFT4((x[j] - x[j+4]) W8^j)[r],
 * then output k is multiplied by its twiddle w^(k p). */
static inline __attribute__((always_inline)) void FFT_FN(butterfly8)(
    const FFT_REAL *restrict x0, const FFT_REAL *restrict x1, const FFT_REAL *restrict x2,
    const FFT_REAL *restrict x3, const FFT_REAL *restrict x4, const FFT_REAL *restrict x5,
    const FFT_REAL *restrict x6, const FFT_REAL *restrict x7, FFT_REAL *restrict y0,
    FFT_REAL *restrict y1, FFT_REAL *restrict y2, FFT_REAL *restrict y3, FFT_REAL *restrict y4,
    FFT_REAL *restrict y5, FFT_REAL *restrict y6, FFT_REAL *restrict y7, const FFT_REAL *restrict w)
{
    const size_t L = FFT_LANES;
    const FFT_REAL h = (FFT_REAL)0.70710678118654752440; /* 1/sqrt(2) */
    const FFT_REAL w1r = w[0], w1i = w[1], w2r = w[2], w2i = w[3], w3r = w[4], w3i = w[5];
    const FFT_REAL w4r = w[6], w4i = w[7], w5r = w[8], w5i = w[9], w6r = w[10], w6i = w[11];
    const FFT_REAL w7r = w[12], w7i = w[13];
    for (size_t l = 0; l < FFT_LANES; l++) {
        const FFT_REAL s04r = x0[l] + x4[l], s04i = x0[L + l] + x4[L + l];
        const FFT_REAL d04r = x0[l] - x4[l], d04i = x0[L + l] - x4[L + l];
        const FFT_REAL s15r = x1[l] + x5[l], s15i = x1[L + l] + x5[L + l];
        const FFT_REAL d15r = x1[l] - x5[l], d15i = x1[L + l] - x5[L + l];
        const FFT_REAL s26r = x2[l] + x6[l], s26i = x2[L + l] + x6[L + l];
        const FFT_REAL d26r = x2[l] - x6[l], d26i = x2[L + l] - x6[L + l];
        const FFT_REAL s37r = x3[l] + x7[l], s37i = x3[L + l] + x7[L + l];
        const FFT_REAL d37r = x3[l] - x7[l], d37i = x3[L + l] - x7[L + l];
        /* even outputs: DFT4 of the sums */
        const FFT_REAL ar = s04r + s26r, ai = s04i + s26i, br = s04r - s26r, bi = s04i - s26i;
        const FFT_REAL cr = s15r + s37r, ci = s15i + s37i, dr = s15r - s37r, di = s15i - s37i;
        const FFT_REAL e0r = ar + cr, e0i = ai + ci; /* X0 */
        const FFT_REAL e2r = br + di, e2i = bi - dr; /* X2 = b - i d */
        const FFT_REAL e4r = ar - cr, e4i = ai - ci; /* X4 */
        const FFT_REAL e6r = br - di, e6i = bi + dr; /* X6 = b + i d */
        /* odd outputs: DFT4 of the differences times W8^j */
        const FFT_REAL f1r = (d15r + d15i) * h, f1i = (d15i - d15r) * h;  /* d15 W8 */
        const FFT_REAL f2r = d26i, f2i = -d26r;                           /* d26 (-i) */
        const FFT_REAL f3r = (d37i - d37r) * h, f3i = -(d37r + d37i) * h; /* d37 W8^3 */
        const FFT_REAL gr = d04r + f2r, gi = d04i + f2i, kr = d04r - f2r, ki = d04i - f2i;
        const FFT_REAL mr = f1r + f3r, mi = f1i + f3i, nr = f1r - f3r, ni = f1i - f3i;
        const FFT_REAL o1r = gr + mr, o1i = gi + mi; /* X1 */
        const FFT_REAL o3r = kr + ni, o3i = ki - nr; /* X3 = k - i n */
        const FFT_REAL o5r = gr - mr, o5i = gi - mi; /* X5 */
        const FFT_REAL o7r = kr - ni, o7i = ki + nr; /* X7 = k + i n */
        y0[l] = e0r;
        y0[L + l] = e0i;
        y1[l] = o1r * w1r - o1i * w1i;
        y1[L + l] = o1r * w1i + o1i * w1r;
        y2[l] = e2r * w2r - e2i * w2i;
        y2[L + l] = e2r * w2i + e2i * w2r;
        y3[l] = o3r * w3r - o3i * w3i;
        y3[L + l] = o3r * w3i + o3i * w3r;
        y4[l] = e4r * w4r - e4i * w4i;
        y4[L + l] = e4r * w4i + e4i * w4r;
        y5[l] = o5r * w5r - o5i * w5i;
        y5[L + l] = o5r * w5i + o5i * w5r;
        y6[l] = e6r * w6r - e6i * w6i;
        y6[L + l] = e6r * w6i + e6i * w6r;
        y7[l] = o7r * w7r - o7i * w7i;
        y7[L + l] = o7r * w7i + o7i * w7r;
    }
}

/* Radix-8 Stockham pass. */
static OB_FFT_CLONES void FFT_FN(pass8)(size_t n, size_t s, const FFT_REAL *restrict tw,
                                        const FFT_REAL *restrict x, FFT_REAL *restrict y)
{
    const size_t m = n / 8, eighth = s * m * FFT_E, out = s * FFT_E;
    for (size_t p = 0; p < m; p++)
        for (size_t q = 0; q < s; q++) {
            const FFT_REAL *a = x + (q + s * p) * FFT_E;
            FFT_REAL *b = y + (q + s * 8 * p) * FFT_E;
            FFT_FN(butterfly8)
            (a, a + eighth, a + 2 * eighth, a + 3 * eighth, a + 4 * eighth, a + 5 * eighth,
             a + 6 * eighth, a + 7 * eighth, b, b + out, b + 2 * out, b + 3 * out, b + 4 * out,
             b + 5 * out, b + 6 * out, b + 7 * out, tw + 14 * p);
        }
}

/* Passes first .. last-1 of ax on the batch in buf[in]; returns the index
 * of the buffer holding the result. */
static int FFT_FN(run_passes)(const FFT_FN(axis) * ax, int first, int last, FFT_REAL *const buf[2],
                              int in)
{
    size_t n = ax->n, s = 1;
    for (int i = 0; i < first; i++) {
        n /= ax->radix[i];
        s *= ax->radix[i];
    }
    for (int i = first; i < last; i++) {
        if (ax->radix[i] == 8)
            FFT_FN(pass8)(n, s, ax->twiddle[i], buf[in], buf[1 - in]);
        else if (ax->radix[i] == 4)
            FFT_FN(pass4)(n, s, ax->twiddle[i], buf[in], buf[1 - in]);
        else
            FFT_FN(pass2)(n, s, ax->twiddle[i], buf[in], buf[1 - in]);
        n /= ax->radix[i];
        s *= ax->radix[i];
        in = 1 - in;
    }
    return in;
}

/* Transforms the batch in buf[0]; returns the buffer holding the result. */
static FFT_REAL *FFT_FN(transform)(const FFT_FN(axis) * ax, FFT_REAL *const buf[2])
{
    return buf[FFT_FN(run_passes)(ax, 0, ax->npass, buf, 0)];
}

/* One butterfly of radix r: inputs x + k*istride, outputs y + k*ostride. */
static inline __attribute__((always_inline)) void
FFT_FN(butterfly)(int r, const FFT_REAL *restrict x, size_t istride, FFT_REAL *restrict y,
                  size_t ostride, const FFT_REAL *restrict w)
{
    if (r == 8)
        FFT_FN(butterfly8)
    (x, x + istride, x + 2 * istride, x + 3 * istride, x + 4 * istride, x + 5 * istride,
     x + 6 * istride, x + 7 * istride, y, y + ostride, y + 2 * ostride, y + 3 * ostride,
     y + 4 * ostride, y + 5 * ostride, y + 6 * ostride, y + 7 * ostride, w);
    else if (r == 4) FFT_FN(butterfly4)(x, x + istride, x + 2 * istride, x + 3 * istride, y,
                                        y + ostride, y + 2 * ostride, y + 3 * ostride, w);
    else FFT_FN(butterfly2)(x, x + istride, y, y + ostride, w[0], w[1]);
}

#define FFT_PREFETCH_AHEAD 4 /* butterflies */
/* The first pass of a column batch fused with its gather: the r input rows
 * of each butterfly go through a small L1-resident tile instead of a full
 * copy of the batch, saving one trip through the scratch buffer.
 *
 * The rows FFT_PREFETCH_AHEAD butterflies on are requested early (both cache
 * lines, prefetcht2): each is a new page, 4 KiB-aliased with the others, and
 * a DRAM access when the grid is larger than the caches. Measured on Zen 5,
 * this cuts the column pass by ~10% at 1024^2 and by a fifth to a third at
 * 2048^2 and 4096^2. */
static OB_FFT_CLONES void FFT_FN(cols_first_pass)(const FFT_REAL *restrict data, size_t nx,
                                                  size_t c0, size_t n, int r,
                                                  const FFT_REAL *restrict tw, FFT_REAL conj,
                                                  FFT_REAL *restrict y)
{
    FFT_REAL tile[8 * FFT_E] __attribute__((aligned(64)));
    const size_t L = FFT_LANES, m = n / (size_t)r;
    for (size_t p = 0; p < m; p++) {
        if (p + FFT_PREFETCH_AHEAD < m)
            for (int k = 0; k < r; k++) {
                const FFT_REAL *ahead =
                    data + 2 * ((p + FFT_PREFETCH_AHEAD + (size_t)k * m) * nx + c0);
                __builtin_prefetch(ahead, 0, 1);
                __builtin_prefetch(ahead + FFT_E - 1, 0, 1);
            }
        for (int k = 0; k < r; k++) {
            const FFT_REAL *row = data + 2 * ((p + (size_t)k * m) * nx + c0);
            FFT_REAL *e = tile + k * FFT_E;
            for (size_t l = 0; l < FFT_LANES; l++) {
                e[l] = row[2 * l];
                e[L + l] = conj * row[2 * l + 1];
            }
        }
        FFT_FN(butterfly)
        (r, tile, FFT_E, y + (size_t)r * p * FFT_E, FFT_E, tw + 2 * (size_t)(r - 1) * p);
    }
}

/* The last pass (length r, stride n/r, unit twiddles) fused with the scatter;
 * the rows written FFT_PREFETCH_AHEAD butterflies on are prefetched for
 * writing (measured: ~8% off the column pass at 4096^2, neutral at 1024^2). */
static OB_FFT_CLONES void FFT_FN(cols_last_pass)(const FFT_REAL *restrict x, size_t n, int r,
                                                 const FFT_REAL *restrict tw, FFT_REAL scale,
                                                 FFT_REAL scale_im, FFT_REAL *restrict data,
                                                 size_t nx, size_t c0)
{
    FFT_REAL tile[8 * FFT_E] __attribute__((aligned(64)));
    const size_t L = FFT_LANES, s = n / (size_t)r;
    for (size_t q = 0; q < s; q++) {
        if (q + FFT_PREFETCH_AHEAD < s)
            for (int k = 0; k < r; k++) {
                FFT_REAL *ahead = data + 2 * ((q + FFT_PREFETCH_AHEAD + s * (size_t)k) * nx + c0);
                __builtin_prefetch(ahead, 1, 1);
                __builtin_prefetch(ahead + FFT_E - 1, 1, 1);
            }
        FFT_FN(butterfly)(r, x + q * FFT_E, s * FFT_E, tile, FFT_E, tw);
        for (int k = 0; k < r; k++) {
            FFT_REAL *row = data + 2 * ((q + s * (size_t)k) * nx + c0);
            const FFT_REAL *e = tile + k * FFT_E;
            for (size_t l = 0; l < FFT_LANES; l++) {
                row[2 * l] = e[l] * scale;
                row[2 * l + 1] = e[L + l] * scale_im;
            }
        }
    }
}

/* Columns c0 .. c0+FFT_LANES-1 (length n, row pitch nx) into buf, conjugated by conj (+-1). */
static OB_FFT_CLONES void FFT_FN(gather_cols)(const FFT_REAL *restrict data, size_t nx, size_t n,
                                              size_t c0, FFT_REAL conj, FFT_REAL *restrict buf)
{
    const size_t L = FFT_LANES;
    for (size_t j = 0; j < n; j++) {
        const FFT_REAL *row = data + 2 * (j * nx + c0);
        FFT_REAL *e = buf + j * FFT_E;
        for (size_t l = 0; l < FFT_LANES; l++) {
            e[l] = row[2 * l];
            e[L + l] = conj * row[2 * l + 1];
        }
    }
}

static OB_FFT_CLONES void FFT_FN(scatter_cols)(const FFT_REAL *restrict buf, size_t nx, size_t n,
                                               size_t c0, FFT_REAL conj, FFT_REAL scale,
                                               FFT_REAL *restrict data)
{
    const size_t L = FFT_LANES;
    const FFT_REAL scale_im = conj * scale;
    for (size_t j = 0; j < n; j++) {
        FFT_REAL *row = data + 2 * (j * nx + c0);
        const FFT_REAL *e = buf + j * FFT_E;
        for (size_t l = 0; l < FFT_LANES; l++) {
            row[2 * l] = e[l] * scale;
            row[2 * l + 1] = e[L + l] * scale_im;
        }
    }
}

/* Rows r0 .. r0+FFT_LANES-1 (length n = nx) into buf: a transposition,
 * done in blocks of FFT_ROW_BLOCK complex per row so that every row is read
 * (and in scatter_rows written) a whole cache line or two at a time - element
 * by element, the FFT_LANES rows, a multiple of 4 KiB apart for large n,
 * would fight over one L1 set on every access - and inside a block by the
 * includer's vector tiles of FFT_TILE_ROWS rows x FFT_TILE_COMPLEX values. */
#define FFT_ROW_BLOCK 16
static OB_FFT_CLONES void FFT_FN(gather_rows)(const FFT_REAL *restrict data, size_t n, size_t r0,
                                              FFT_REAL conj, FFT_REAL *restrict buf)
{
    const size_t block = n < FFT_ROW_BLOCK ? n : FFT_ROW_BLOCK;
    const FFT_REAL *first = data + 2 * r0 * n;
    if (n % FFT_TILE_COMPLEX) { /* n == 1 */
        for (size_t l = 0; l < FFT_LANES; l++) {
            buf[l] = first[2 * l];
            buf[FFT_LANES + l] = conj * first[2 * l + 1];
        }
        return;
    }
    for (size_t j0 = 0; j0 < n; j0 += block)
        for (size_t l = 0; l < FFT_LANES; l += FFT_TILE_ROWS)
            for (size_t j = j0; j < j0 + block; j += FFT_TILE_COMPLEX)
                FFT_GATHER_TILE(first + 2 * (l * n + j), 2 * n, buf + j * FFT_E + l, FFT_E,
                                FFT_LANES, conj);
}

static OB_FFT_CLONES void FFT_FN(scatter_rows)(const FFT_REAL *restrict buf, size_t n, size_t r0,
                                               FFT_REAL conj, FFT_REAL scale,
                                               FFT_REAL *restrict data)
{
    const size_t block = n < FFT_ROW_BLOCK ? n : FFT_ROW_BLOCK;
    const FFT_REAL scale_im = conj * scale;
    FFT_REAL *first = data + 2 * r0 * n;
    if (n % FFT_TILE_COMPLEX) { /* n == 1 */
        for (size_t l = 0; l < FFT_LANES; l++) {
            first[2 * l] = buf[l] * scale;
            first[2 * l + 1] = buf[FFT_LANES + l] * scale_im;
        }
        return;
    }
    for (size_t j0 = 0; j0 < n; j0 += block)
        for (size_t l = 0; l < FFT_LANES; l += FFT_TILE_ROWS)
            for (size_t j = j0; j < j0 + block; j += FFT_TILE_COMPLEX)
                FFT_SCATTER_TILE(buf + j * FFT_E + l, FFT_E, FFT_LANES, scale, scale_im,
                                 first + 2 * (l * n + j), 2 * n);
}

/* A batch of fewer than FFT_LANES transforms (only when the other axis is
 * shorter than FFT_LANES): plain loops, the unused lanes zero. `pitch` is the
 * distance in complex values between consecutive elements of a transform,
 * `step` between consecutive transforms. */
static void FFT_FN(gather_partial)(const FFT_REAL *data, size_t n, size_t pitch, size_t step,
                                   size_t count, FFT_REAL conj, FFT_REAL *buf)
{
    const size_t L = FFT_LANES;
    for (size_t j = 0; j < n; j++) {
        FFT_REAL *e = buf + j * FFT_E;
        for (size_t l = 0; l < L; l++) {
            const int used = l < count;
            e[l] = used ? data[2 * (j * pitch + l * step)] : 0;
            e[L + l] = used ? conj * data[2 * (j * pitch + l * step) + 1] : 0;
        }
    }
}

static void FFT_FN(scatter_partial)(const FFT_REAL *buf, size_t n, size_t pitch, size_t step,
                                    size_t count, FFT_REAL conj, FFT_REAL scale, FFT_REAL *data)
{
    const size_t L = FFT_LANES;
    for (size_t j = 0; j < n; j++) {
        const FFT_REAL *e = buf + j * FFT_E;
        for (size_t l = 0; l < count; l++) {
            data[2 * (j * pitch + l * step)] = e[l] * scale;
            data[2 * (j * pitch + l * step) + 1] = e[L + l] * conj * scale;
        }
    }
}

static void FFT_FN(axis_free)(FFT_FN(axis) * ax)
{
    for (int i = 0; i < ax->npass; i++)
        free(ax->twiddle[i]);
    ax->npass = 0;
}

/* The pass schedule of a length-n transform and its twiddles. */
static int FFT_FN(axis_init)(FFT_FN(axis) * ax, size_t n)
{
    memset(ax, 0, sizeof *ax);
    ax->n = n;
    int log2n = ob_fft_log2(n);
    /* As many radix-8 passes as possible (fewest trips through the
     * scratch buffer); a remainder of 2^2 is one radix-4 pass and one of 2^1
     * trades a radix-8 for two radix-4, so radix-2 appears only for n = 2. */
    int n8 = log2n / 3, n4 = 0, n2 = 0;
    if (log2n % 3 == 2)
        n4 = 1;
    else if (log2n % 3 == 1 && n8 > 0) {
        n8--;
        n4 = 2;
    } else if (log2n % 3 == 1)
        n2 = 1;
    int npass = 0;
    for (int i = 0; i < n8; i++)
        ax->radix[npass++] = 8;
    for (int i = 0; i < n4; i++)
        ax->radix[npass++] = 4;
    for (int i = 0; i < n2; i++)
        ax->radix[npass++] = 2;
    size_t len = n;
    for (int i = 0; i < npass; i++) {
        const size_t r = ax->radix[i], m = len / r;
        FFT_REAL *tw = malloc((r - 1) * m * 2 * sizeof *tw);
        if (!tw) {
            ax->npass = i;
            FFT_FN(axis_free)(ax);
            return -1;
        }
        for (size_t p = 0; p < m; p++)
            for (size_t t = 1; t < r; t++) {
                double wr, wi;
                ob_fft_root(t * p, len, &wr, &wi);
                tw[2 * ((r - 1) * p + t - 1)] = (FFT_REAL)wr;
                tw[2 * ((r - 1) * p + t - 1) + 1] = (FFT_REAL)wi;
            }
        ax->twiddle[i] = tw;
        ax->npass = i + 1;
        len = m;
    }
    return 0;
}

void FFT_FN(free)(struct FFT_NAME *plan)
{
    if (!plan)
        return;
    FFT_FN(axis_free)(&plan->rows);
    FFT_FN(axis_free)(&plan->cols);
    free(plan->scratch);
    free(plan);
}

struct FFT_NAME *FFT_FN(plan)(size_t ny, size_t nx)
{
    if (!ob_fft_is_pow2(ny) || !ob_fft_is_pow2(nx))
        return NULL;
    struct FFT_NAME *plan = calloc(1, sizeof *plan);
    if (!plan)
        return NULL;
    plan->ny = ny;
    plan->nx = nx;
    const size_t nmax = nx > ny ? nx : ny;
    const size_t buf_reals = nmax * FFT_E;
    const size_t pad_reals = OB_FFT_PAD_BYTES / sizeof(FFT_REAL);
    const size_t bytes = (2 * buf_reals + pad_reals) * sizeof(FFT_REAL);
    plan->scratch = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!plan->scratch || FFT_FN(axis_init)(&plan->rows, nx) ||
        FFT_FN(axis_init)(&plan->cols, ny)) {
        FFT_FN(free)(plan);
        return NULL;
    }
    plan->buf[0] = plan->scratch;
    plan->buf[1] = plan->scratch + buf_reals + pad_reals;
    return plan;
}

/* Whether any of the lines first .. first+count-1 is flagged. */
static int FFT_FN(any_used)(const unsigned char *use, size_t first, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (use[first + i])
            return 1;
    return 0;
}

void FFT_FN(execute_lines)(const struct FFT_NAME *plan, FFT_REAL *data, ob_fft_dir dir,
                           ob_fft_axis axis, const unsigned char *use)
{
    const FFT_REAL conj = dir == OB_FFT_INVERSE ? -1 : 1;
    const size_t L = FFT_LANES;
    if (axis == OB_FFT_ROWS) {
        const size_t n = plan->nx;
        const FFT_REAL scale = dir == OB_FFT_INVERSE ? (FFT_REAL)(1.0 / (double)n) : 1;
        for (size_t r0 = 0; r0 < plan->ny; r0 += L) {
            const size_t count = plan->ny - r0 < L ? plan->ny - r0 : L;
            if (use && !FFT_FN(any_used)(use, r0, count))
                continue;
            FFT_REAL *rowdata = data + 2 * r0 * n;
            if (count == L)
                FFT_FN(gather_rows)(data, n, r0, conj, plan->buf[0]);
            else
                FFT_FN(gather_partial)(rowdata, n, 1, n, count, conj, plan->buf[0]);
            const FFT_REAL *out = FFT_FN(transform)(&plan->rows, plan->buf);
            if (count == L)
                FFT_FN(scatter_rows)(out, n, r0, conj, scale, data);
            else
                FFT_FN(scatter_partial)(out, n, 1, n, count, conj, scale, rowdata);
        }
    } else {
        const size_t n = plan->ny, nx = plan->nx;
        const FFT_REAL scale = dir == OB_FFT_INVERSE ? (FFT_REAL)(1.0 / (double)n) : 1;
        for (size_t c0 = 0; c0 < nx; c0 += L) {
            const size_t count = nx - c0 < L ? nx - c0 : L;
            if (use && !FFT_FN(any_used)(use, c0, count))
                continue;
            const FFT_FN(axis) *ax = &plan->cols;
            if (count == L && ax->npass >= 2) { /* gather and scatter fused into the passes */
                const int last = ax->npass - 1;
                FFT_FN(cols_first_pass)
                (data, nx, c0, n, ax->radix[0], ax->twiddle[0], conj, plan->buf[1]);
                const int in = FFT_FN(run_passes)(ax, 1, last, plan->buf, 1);
                FFT_FN(cols_last_pass)
                (plan->buf[in], n, ax->radix[last], ax->twiddle[last], scale, conj * scale, data,
                 nx, c0);
                continue;
            }
            if (count == L)
                FFT_FN(gather_cols)(data, nx, n, c0, conj, plan->buf[0]);
            else
                FFT_FN(gather_partial)(data + 2 * c0, n, nx, 1, count, conj, plan->buf[0]);
            const FFT_REAL *out = FFT_FN(transform)(&plan->cols, plan->buf);
            if (count == L)
                FFT_FN(scatter_cols)(out, nx, n, c0, conj, scale, data);
            else
                FFT_FN(scatter_partial)(out, n, nx, 1, count, conj, scale, data + 2 * c0);
        }
    }
}

void FFT_FN(execute_axis)(const struct FFT_NAME *plan, FFT_REAL *data, ob_fft_dir dir,
                          ob_fft_axis axis)
{
    FFT_FN(execute_lines)(plan, data, dir, axis, NULL);
}

void FFT_FN(execute)(const struct FFT_NAME *plan, FFT_REAL *data, ob_fft_dir dir)
{
    FFT_FN(execute_axis)(plan, data, dir, OB_FFT_ROWS);
    FFT_FN(execute_axis)(plan, data, dir, OB_FFT_COLS);
}

#undef FFT_CAT2
#undef FFT_CAT
#undef FFT_FN
#undef FFT_E
