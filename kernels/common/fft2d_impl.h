/* Template of the internal 2-D FFT, included by fft2d.c once per precision.
 * The includer defines:
 *   FFT_REAL   float or double
 *   FFT_LANES  transforms done side by side (one SIMD lane each); a compile-
 *              time constant so the innermost loops vectorise completely
 *   FFT_NAME   the public plan type (ob_fft2d or ob_fft2d_d); every function
 *              here is named FFT_NAME_<what>, so the public ones come out as
 *              ob_fft2d_plan, ob_fft2d_d_plan, ...
 *
 * Algorithm: every 1-D transform is a Stockham autosort FFT (no bit
 * reversal) made of radix-4 passes, plus one radix-2 pass first when log2 n
 * is odd, with the twiddles of every pass precomputed in the plan. Both the
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

/* Transforms the batch in buf[0]; returns the buffer holding the result. */
static FFT_REAL *FFT_FN(transform)(const FFT_FN(axis) * ax, FFT_REAL *const buf[2])
{
    size_t n = ax->n, s = 1;
    int in = 0;
    for (int i = 0; i < ax->npass; i++) {
        if (ax->radix[i] == 4)
            FFT_FN(pass4)(n, s, ax->twiddle[i], buf[in], buf[1 - in]);
        else
            FFT_FN(pass2)(n, s, ax->twiddle[i], buf[in], buf[1 - in]);
        n /= ax->radix[i];
        s *= ax->radix[i];
        in = 1 - in;
    }
    return buf[in];
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

/* Rows r0 .. r0+FFT_LANES-1 (length n = nx) into buf: a transposition. */
static OB_FFT_CLONES void FFT_FN(gather_rows)(const FFT_REAL *restrict data, size_t n, size_t r0,
                                              FFT_REAL conj, FFT_REAL *restrict buf)
{
    const size_t L = FFT_LANES;
    const FFT_REAL *first = data + 2 * r0 * n;
    for (size_t j = 0; j < n; j++) {
        FFT_REAL *e = buf + j * FFT_E;
        for (size_t l = 0; l < FFT_LANES; l++) {
            e[l] = first[2 * (l * n + j)];
            e[L + l] = conj * first[2 * (l * n + j) + 1];
        }
    }
}

static OB_FFT_CLONES void FFT_FN(scatter_rows)(const FFT_REAL *restrict buf, size_t n, size_t r0,
                                               FFT_REAL conj, FFT_REAL scale,
                                               FFT_REAL *restrict data)
{
    const size_t L = FFT_LANES;
    const FFT_REAL scale_im = conj * scale;
    FFT_REAL *first = data + 2 * r0 * n;
    for (size_t j = 0; j < n; j++) {
        const FFT_REAL *e = buf + j * FFT_E;
        for (size_t l = 0; l < FFT_LANES; l++) {
            first[2 * (l * n + j)] = e[l] * scale;
            first[2 * (l * n + j) + 1] = e[L + l] * scale_im;
        }
    }
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

/* Passes: one radix-2 first when log2 n is odd, then radix-4. */
static int FFT_FN(axis_init)(FFT_FN(axis) * ax, size_t n)
{
    memset(ax, 0, sizeof *ax);
    ax->n = n;
    int log2n = ob_fft_log2(n);
    int npass = 0;
    if (log2n % 2)
        ax->radix[npass++] = 2;
    for (int i = 0; i < log2n / 2; i++)
        ax->radix[npass++] = 4;
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

void FFT_FN(execute_axis)(const struct FFT_NAME *plan, FFT_REAL *data, ob_fft_dir dir,
                          ob_fft_axis axis)
{
    const FFT_REAL conj = dir == OB_FFT_INVERSE ? -1 : 1;
    const size_t L = FFT_LANES;
    if (axis == OB_FFT_ROWS) {
        const size_t n = plan->nx;
        const FFT_REAL scale = dir == OB_FFT_INVERSE ? (FFT_REAL)(1.0 / (double)n) : 1;
        for (size_t r0 = 0; r0 < plan->ny; r0 += L) {
            const size_t count = plan->ny - r0 < L ? plan->ny - r0 : L;
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

void FFT_FN(execute)(const struct FFT_NAME *plan, FFT_REAL *data, ob_fft_dir dir)
{
    FFT_FN(execute_axis)(plan, data, dir, OB_FFT_ROWS);
    FFT_FN(execute_axis)(plan, data, dir, OB_FFT_COLS);
}

#undef FFT_CAT2
#undef FFT_CAT
#undef FFT_FN
#undef FFT_E
