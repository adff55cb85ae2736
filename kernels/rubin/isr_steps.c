/* The ISR steps (see isr_steps.h for the conventions). */
#include "kernels/rubin/isr_steps.h"

#include "kernels/lib/fft2d.h"
#include "kernels/lib/robust_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ob_isr_convert(const int32_t *raw, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)raw[i];
}

/* Pointer to the segment's pixel at relative raw-frame (row, col). */
static float *seg_px(float *frame, size_t stride, const ob_amp_layout *a, int row, int col)
{
    return frame + (size_t)(a->y0 + row) * stride + (size_t)(a->x0 + col);
}

int ob_isr_overscan_serial(float *frame, size_t stride, const ob_amp_layout *a, int skip,
                           double n_sigma, float *row_level, float *scratch)
{
    int rc0 = a->prescan + a->img_w + skip, rc1 = a->raw_w - skip; /* readout columns used */
    int ncol = rc1 - rc0;
    /* the used overscan columns are contiguous in the frame whichever way the amp reads */
    int col_lo = a->flip_x ? ob_amp_col(a, rc1 - 1) : rc0;
    for (int r = 0; r < a->raw_h; r++) {
        memcpy(scratch, seg_px(frame, stride, a, r, col_lo), (size_t)ncol * sizeof(float));
        row_level[r] = (float)ob_quantile_select(scratch, (size_t)ncol, 0.5);
    }
    /* robust row-outlier masking: sigma = 0.74 IQR of the row medians */
    memcpy(scratch, row_level, (size_t)a->raw_h * sizeof(float));
    double q1, med, q3;
    ob_quartiles_select(scratch, (size_t)a->raw_h, &q1, &med, &q3);
    double limit = n_sigma * 0.74 * (q3 - q1);
    int masked = 0;
    for (int r = 0; r < a->raw_h; r++)
        if (fabs((double)row_level[r] - med) > limit) {
            row_level[r] = (float)med;
            masked++;
        }
    for (int r = 0; r < a->raw_h; r++) {
        float *row = seg_px(frame, stride, a, r, 0), level = row_level[r];
        for (int c = 0; c < a->raw_w; c++)
            row[c] -= level;
    }
    return masked;
}

size_t ob_isr_saturation(const float *frame, int32_t *mask, size_t stride, const ob_amp_layout *a,
                         float level)
{
    size_t count = 0;
    int r0 = ob_amp_img_row0(a), c0 = ob_amp_img_col0(a);
    for (int r = r0; r < r0 + a->img_h; r++) {
        size_t base = (size_t)(a->y0 + r) * stride + (size_t)(a->x0 + c0);
        for (int c = 0; c < a->img_w; c++)
            if (frame[base + c] >= level) {
                mask[base + c] |= OB_MASK_SAT;
                count++;
            }
    }
    return count;
}

void ob_isr_gain(float *frame, size_t stride, const ob_amp_layout *a, float gain)
{
    for (int r = 0; r < a->raw_h; r++) {
        float *row = seg_px(frame, stride, a, r, 0);
        for (int c = 0; c < a->raw_w; c++)
            row[c] *= gain;
    }
}

/* Add coeff * (source imaging area in the target's readout orientation) to accum. */
static void accumulate_source(const float *frame, size_t stride, const ob_amp_layout *t,
                              const ob_amp_layout *s, double coeff, float *accum)
{
    int sr0 = ob_amp_img_row0(s), sc0 = ob_amp_img_col0(s);
    int w = t->img_w, h = t->img_h;
    int flip_rows = t->flip_y != s->flip_y, flip_cols = t->flip_x != s->flip_x;
    float c = (float)coeff;
    for (int y = 0; y < h; y++) {
        /* target imaging row y is read at the same time as this source row */
        int ys = flip_rows ? h - 1 - y : y;
        const float *src = frame + (size_t)(s->y0 + sr0 + ys) * stride + (size_t)(s->x0 + sc0);
        float *acc = accum + (size_t)y * (size_t)w;
        if (flip_cols)
            for (int x = 0; x < w; x++)
                acc[x] += c * src[w - 1 - x];
        else
            for (int x = 0; x < w; x++)
                acc[x] += c * src[x];
    }
}

void ob_isr_crosstalk(float *frame, size_t stride, const ob_amp_layout *amps, int namp,
                      const double *coeff, float *accum)
{
    /* The subtrahend of every target is built from the uncorrected sources,
     * as ip_isr does, so all sums are done before any subtraction. The
     * frame is corrected in place afterwards, amp by amp, hence each
     * target's subtrahend is kept in a per-target slot of accum. */
    size_t npix = (size_t)amps[0].img_w * (size_t)amps[0].img_h;
    for (int t = 0; t < namp; t++) {
        float *acc = accum + (size_t)t * npix;
        memset(acc, 0, npix * sizeof(float));
        for (int s = 0; s < namp; s++)
            if (s != t && coeff[t * namp + s] != 0.0)
                accumulate_source(frame, stride, &amps[t], &amps[s], coeff[t * namp + s], acc);
    }
    for (int t = 0; t < namp; t++) {
        const ob_amp_layout *a = &amps[t];
        const float *acc = accum + (size_t)t * npix;
        int r0 = ob_amp_img_row0(a), c0 = ob_amp_img_col0(a);
        for (int y = 0; y < a->img_h; y++) {
            float *row = seg_px(frame, stride, a, r0 + y, c0);
            for (int x = 0; x < a->img_w; x++)
                row[x] -= acc[(size_t)y * (size_t)a->img_w + x];
        }
    }
}

void ob_isr_overscan_parallel(float *frame, size_t stride, const ob_amp_layout *a, int skip,
                              float *scratch)
{
    int rr0 = a->img_h + skip, rr1 = a->img_h + a->parallel_os - skip;
    int n = rr1 - rr0, w = a->raw_w;
    int img_r0 = ob_amp_img_row0(a);
    /* rows are contiguous, columns are not: copy the overscan rows once,
     * transposed, so each column's values are contiguous for its median */
    float *cols = scratch, *work = scratch + (size_t)n * (size_t)w, *level = work + n;
    for (int i = 0; i < n; i++) {
        const float *row = seg_px(frame, stride, a, ob_amp_row(a, rr0 + i), 0);
        for (int c = 0; c < w; c++)
            cols[(size_t)c * (size_t)n + (size_t)i] = row[c];
    }
    for (int c = 0; c < w; c++) {
        memcpy(work, cols + (size_t)c * (size_t)n, (size_t)n * sizeof(float));
        level[c] = (float)ob_quantile_select(work, (size_t)n, 0.5);
    }
    for (int r = img_r0; r < img_r0 + a->img_h; r++) {
        float *row = seg_px(frame, stride, a, r, 0);
        for (int c = 0; c < w; c++)
            row[c] -= level[c];
    }
}

void ob_isr_linearity(float *frame, size_t stride, const ob_amp_layout *a, double k2, double k3)
{
    int r0 = ob_amp_img_row0(a), c0 = ob_amp_img_col0(a);
    for (int r = r0; r < r0 + a->img_h; r++) {
        float *row = seg_px(frame, stride, a, r, c0);
        for (int c = 0; c < a->img_w; c++) {
            double x = row[c];
            row[c] = (float)(x + x * x * (k2 + k3 * x));
        }
    }
}

void ob_isr_assemble(const float *frame, const int32_t *frame_mask, size_t stride,
                     const ob_amp_layout *a, float *ccd, int32_t *ccd_mask, size_t ccd_stride)
{
    int r0 = ob_amp_img_row0(a), c0 = ob_amp_img_col0(a);
    for (int y = 0; y < a->img_h; y++) {
        size_t src = (size_t)(a->y0 + r0 + y) * stride + (size_t)(a->x0 + c0);
        size_t dst = (size_t)(a->ccd_y0 + y) * ccd_stride + (size_t)a->ccd_x0;
        memcpy(ccd + dst, frame + src, (size_t)a->img_w * sizeof(float));
        memcpy(ccd_mask + dst, frame_mask + src, (size_t)a->img_w * sizeof(int32_t));
    }
}

void ob_isr_subtract(float *image, const float *calib, float scale, size_t n)
{
    for (size_t i = 0; i < n; i++)
        image[i] -= scale * calib[i];
}

void ob_isr_mask_defects(int32_t *mask, size_t stride, const ob_defect *d, int n, int32_t bits)
{
    for (int i = 0; i < n; i++)
        for (int y = d[i].y0; y < d[i].y0 + d[i].h; y++)
            for (int x = d[i].x0; x < d[i].x0 + d[i].w; x++)
                mask[(size_t)y * stride + (size_t)x] |= bits;
}

void ob_isr_variance(const float *image, float *variance, size_t stride, int x0, int y0, int w,
                     int h, float read_noise_e)
{
    float rn2 = read_noise_e * read_noise_e;
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++) {
            size_t i = (size_t)y * stride + (size_t)x;
            variance[i] = (image[i] > 0.0f ? image[i] : 0.0f) + rn2;
        }
}

void ob_isr_flat(float *image, float *variance, const float *flat, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        image[i] /= flat[i];
        variance[i] /= flat[i] * flat[i];
    }
}

size_t ob_isr_interpolate(float *image, int32_t *mask, size_t stride, int nx, int ny, int32_t bits)
{
    size_t replaced = 0;
    for (int y = 0; y < ny; y++) {
        float *row = image + (size_t)y * stride;
        int32_t *mrow = mask + (size_t)y * stride;
        int x = 0;
        while (x < nx) {
            if (!(mrow[x] & bits)) {
                x++;
                continue;
            }
            int start = x;
            while (x < nx && (mrow[x] & bits))
                x++;
            int left = start - 1, right = x; /* nearest good pixels, may be outside */
            if (left < 0 && right >= nx)
                continue;
            for (int i = start; i < x; i++) {
                float v;
                if (left < 0)
                    v = row[right];
                else if (right >= nx)
                    v = row[left];
                else
                    v = row[left] +
                        (row[right] - row[left]) * (float)(i - left) / (float)(right - left);
                row[i] = v;
                mrow[i] |= OB_MASK_INTRP;
                replaced++;
            }
        }
    }
    return replaced;
}

/* ---- brighter-fatter ---- */

struct ob_bf {
    int ny, nx, pny, pnx;
    int split; /* top half in the real part, bottom half in the imaginary part */
    ob_fft2d_d *plan;
    double *kernel_ft;            /* 2 * pny * pnx, transform of the kernel centred at the origin */
    double *work;                 /* 2 * pny * pnx */
    double *image, *t, *o, *corr; /* ny * nx each */
};

static size_t next_pow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

/* The real image goes through a complex FFT. Because the kernel is real,
 * conv(K, A + iB) = conv(K, A) + i conv(K, B): the top half of the image
 * rides in the real part and the bottom half in the imaginary part, each
 * with a kernel-sized halo, which halves the transform whenever the halves
 * fit a smaller power of two (4000 rows: 2 x 2000 + halos in 2048, not 4096). */
static int split_rows(int ny, int *pny)
{
    int h = OB_BF_KERNEL_SIZE / 2;
    size_t full = next_pow2((size_t)(ny + h));
    size_t half = next_pow2((size_t)((ny + 1) / 2 + 2 * h));
    if (ny >= 2 && half < full) {
        *pny = (int)half;
        return 1;
    }
    *pny = (int)full;
    return 0;
}

void ob_bf_padded_size(int ny, int nx, int *pny, int *pnx)
{
    int h = OB_BF_KERNEL_SIZE / 2;
    split_rows(ny, pny);
    *pnx = (int)next_pow2((size_t)(nx + h));
}

size_t ob_bf_bytes(int ny, int nx)
{
    int pny, pnx;
    ob_bf_padded_size(ny, nx, &pny, &pnx);
    return 2 * 2 * (size_t)pny * (size_t)pnx * sizeof(double) +
           4 * (size_t)ny * (size_t)nx * sizeof(double);
}

void ob_bf_free(ob_bf *bf)
{
    if (!bf)
        return;
    ob_fft2d_d_free(bf->plan);
    free(bf->kernel_ft);
    free(bf->work);
    free(bf->image);
    free(bf->t);
    free(bf->o);
    free(bf->corr);
    free(bf);
}

ob_bf *ob_bf_create(int ny, int nx, const double *kernel)
{
    ob_bf *bf = calloc(1, sizeof *bf);
    if (!bf)
        return NULL;
    bf->ny = ny;
    bf->nx = nx;
    ob_bf_padded_size(ny, nx, &bf->pny, &bf->pnx);
    bf->split = split_rows(ny, &bf->pny);
    size_t pn = (size_t)bf->pny * (size_t)bf->pnx, n = (size_t)ny * (size_t)nx;
    bf->plan = ob_fft2d_d_plan((size_t)bf->pny, (size_t)bf->pnx);
    bf->kernel_ft = calloc(2 * pn, sizeof(double));
    bf->work = malloc(2 * pn * sizeof(double));
    bf->image = malloc(n * sizeof(double));
    bf->t = malloc(n * sizeof(double));
    bf->o = malloc(n * sizeof(double));
    bf->corr = calloc(n, sizeof(double));
    if (!bf->plan || !bf->kernel_ft || !bf->work || !bf->image || !bf->t || !bf->o || !bf->corr) {
        ob_bf_free(bf);
        return NULL;
    }
    int h = OB_BF_KERNEL_SIZE / 2;
    for (int j = 0; j < OB_BF_KERNEL_SIZE; j++)
        for (int i = 0; i < OB_BF_KERNEL_SIZE; i++) {
            size_t y = (size_t)((j - h + bf->pny) % bf->pny),
                   x = (size_t)((i - h + bf->pnx) % bf->pnx);
            bf->kernel_ft[2 * (y * (size_t)bf->pnx + x)] = kernel[j * OB_BF_KERNEL_SIZE + i];
        }
    ob_fft2d_d_execute(bf->plan, bf->kernel_ft, OB_FFT_FORWARD);
    return bf;
}

void ob_bf_convolve(ob_bf *bf, const double *in, double *out)
{
    size_t pnx = (size_t)bf->pnx, pn = (size_t)bf->pny * pnx, nx = (size_t)bf->nx;
    int h = OB_BF_KERNEL_SIZE / 2;
    /* split: real part rows [0, top + h) from image rows [0, top + h);
     * imaginary part row r from image row top - h + r, for rows [top - h, ny) */
    int top = bf->split ? (bf->ny + 1) / 2 : bf->ny;
    int real_rows = bf->split ? (top + h < bf->ny ? top + h : bf->ny) : bf->ny;
    int imag_first = top - h, imag_rows = bf->split ? bf->ny - imag_first : 0;
    double *w = bf->work;
    memset(w, 0, 2 * pn * sizeof(double));
    for (int y = 0; y < real_rows; y++) {
        const double *src = in + (size_t)y * nx;
        double *dst = w + 2 * (size_t)y * pnx;
        for (size_t x = 0; x < nx; x++)
            dst[2 * x] = src[x];
    }
    for (int r = 0; r < imag_rows; r++) {
        const double *src = in + (size_t)(imag_first + r) * nx;
        double *dst = w + 2 * (size_t)r * pnx + 1;
        for (size_t x = 0; x < nx; x++)
            dst[2 * x] = src[x];
    }
    ob_fft2d_d_execute(bf->plan, w, OB_FFT_FORWARD);
    const double *k = bf->kernel_ft;
    for (size_t i = 0; i < pn; i++) {
        double re = w[2 * i] * k[2 * i] - w[2 * i + 1] * k[2 * i + 1];
        double im = w[2 * i] * k[2 * i + 1] + w[2 * i + 1] * k[2 * i];
        w[2 * i] = re;
        w[2 * i + 1] = im;
    }
    ob_fft2d_d_execute(bf->plan, w, OB_FFT_INVERSE);
    for (int y = 0; y < top; y++) {
        const double *src = w + 2 * (size_t)y * pnx;
        double *dst = out + (size_t)y * nx;
        for (size_t x = 0; x < nx; x++)
            dst[x] = src[2 * x];
    }
    for (int y = top; y < bf->ny; y++) {
        const double *src = w + 2 * (size_t)(y - imag_first) * pnx + 1;
        double *dst = out + (size_t)y * nx;
        for (size_t x = 0; x < nx; x++)
            dst[x] = src[2 * x];
    }
}

void ob_bf_correction(const double *t, const double *o, double *corr, int ny, int nx, int h)
{
    size_t sx = (size_t)nx;
    memset(corr, 0, (size_t)ny * sx * sizeof(double));
    for (int y = h + 1; y < ny - h - 2; y++) {
        const double *tr = t + (size_t)y * sx, *orow = o + (size_t)y * sx;
        double *cr = corr + (size_t)y * sx;
        for (int x = h + 1; x < nx - h - 2; x++) {
            double gty = 0.5 * (tr[x + sx] - tr[x - sx]), gtx = 0.5 * (tr[x + 1] - tr[x - 1]);
            double goy = 0.5 * (orow[x + sx] - orow[x - sx]);
            double gox = 0.5 * (orow[x + 1] - orow[x - 1]);
            double lap = orow[x + sx] + orow[x - sx] + orow[x + 1] + orow[x - 1] - 4.0 * orow[x];
            cr[x] = 0.5 * (gty * goy + gtx * gox + tr[x] * lap);
        }
    }
}

int ob_bf_correct(ob_bf *bf, float *image, int max_iter, double threshold, double *last_diff)
{
    size_t n = (size_t)bf->ny * (size_t)bf->nx;
    int h = OB_BF_KERNEL_SIZE / 2;
    for (size_t i = 0; i < n; i++) {
        double v = image[i];
        bf->image[i] = isnan(v) ? 0.0 : v; /* NaN pixels take no part, as in ip_isr */
        bf->t[i] = bf->image[i];
    }
    /* ip_isr compares with the previous estimate only from the second
     * iteration on, and its "previous" starts at zero, so the earliest stop
     * is after the third convolution; we keep that to cost what it costs. */
    int have_prev = 0, it = 0;
    double diff = INFINITY;
    for (it = 1; it <= max_iter; it++) {
        ob_bf_convolve(bf, bf->t, bf->o);
        ob_bf_correction(bf->t, bf->o, bf->corr, bf->ny, bf->nx, h);
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            double next = bf->image[i] + bf->corr[i];
            sum += fabs(next - bf->t[i]);
            bf->t[i] = next;
        }
        if (it >= 2) {
            if (have_prev) {
                diff = sum;
                if (diff < threshold)
                    break;
            }
            have_prev = 1;
        }
    }
    if (it > max_iter)
        it = max_iter;
    for (size_t i = 0; i < n; i++)
        image[i] = (float)(image[i] + bf->corr[i]);
    *last_diff = diff;
    return it;
}
