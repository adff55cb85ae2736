/* The steps of instrument signature removal (ISR) for the isr kernel, each
 * a small function on plain arrays so each can be tested alone against a
 * hand-made case. Conventions follow LSST ip_isr:
 *
 *  - The raw frame holds the amplifiers' full segments (prescan, imaging,
 *    serial overscan, parallel overscan) side by side in their physical
 *    orientation on the CCD; an amplifier's readout direction is given by
 *    flip_x / flip_y (ip_isr's rawFlipX/Y). "Readout coordinates" (rr, rc)
 *    count from the first pixel read: rc = 0..prescan-1 prescan,
 *    prescan..prescan+img_w-1 imaging, then the serial overscan; rr =
 *    0..img_h-1 imaging rows, then the parallel overscan rows.
 *  - Assembly trims each amplifier to its imaging pixels; because the raw
 *    is already in physical orientation it is a copy, no flip.
 */
#ifndef OCCBENCH_ISR_STEPS_H
#define OCCBENCH_ISR_STEPS_H

#include <stddef.h>
#include <stdint.h>

/* Mask plane bits (afw names). */
enum { OB_MASK_BAD = 1, OB_MASK_SAT = 2, OB_MASK_INTRP = 4 };

typedef struct ob_amp_layout {
    int x0, y0;       /* segment origin in the raw frame */
    int raw_w, raw_h; /* segment size */
    int prescan, img_w, serial_os;
    int img_h, parallel_os;
    int flip_x, flip_y; /* readout runs right-to-left / top-to-bottom */
    int ccd_x0, ccd_y0; /* imaging origin in the assembled CCD */
} ob_amp_layout;

/* Raw-frame column (relative to the segment) of readout column rc. */
static inline int ob_amp_col(const ob_amp_layout *a, int rc)
{
    return a->flip_x ? a->raw_w - 1 - rc : rc;
}
/* Raw-frame row (relative to the segment) of readout row rr. */
static inline int ob_amp_row(const ob_amp_layout *a, int rr)
{
    return a->flip_y ? a->raw_h - 1 - rr : rr;
}
/* First raw-frame column / row (relative) of the imaging area. */
static inline int ob_amp_img_col0(const ob_amp_layout *a)
{
    return a->flip_x ? a->raw_w - a->prescan - a->img_w : a->prescan;
}
static inline int ob_amp_img_row0(const ob_amp_layout *a)
{
    return a->flip_y ? a->raw_h - a->img_h : 0;
}

/* convert: raw integer ADU to float. */
void ob_isr_convert(const int32_t *raw, float *out, size_t n);

/* overscan: for every row of the segment, the median of the serial
 * overscan skipping `skip` leading and trailing columns; rows whose median
 * is further than n_sigma * 0.74 * IQR from the median of all row medians
 * are replaced by that median; each row's value is subtracted from the
 * whole row. `row_level` (raw_h) receives the values subtracted, `scratch`
 * holds max(raw_h, serial_os) floats. Returns the number of rows masked. */
int ob_isr_overscan_serial(float *frame, size_t stride, const ob_amp_layout *a, int skip,
                           double n_sigma, float *row_level, float *scratch);

/* saturation: set OB_MASK_SAT where an imaging pixel >= level. Returns the count. */
size_t ob_isr_saturation(const float *frame, int32_t *mask, size_t stride, const ob_amp_layout *a,
                         float level);

/* gain: multiply the segment by gain (ADU -> electrons). */
void ob_isr_gain(float *frame, size_t stride, const ob_amp_layout *a, float gain);

/* crosstalk: for every target amplifier t and source s != t with
 * coeff[t * namp + s] != 0, the source's imaging area read in the target's
 * readout orientation, times the coefficient, is accumulated and then
 * subtracted from the target's imaging area. `accum` holds img_w * img_h
 * floats. All segments must have the same imaging size. */
void ob_isr_crosstalk(float *frame, size_t stride, const ob_amp_layout *amps, int namp,
                      const double *coeff, float *accum);

/* parallel_overscan: per column, the median of the parallel-overscan rows
 * skipping `skip` leading and trailing rows, subtracted from the imaging
 * rows of that column. `scratch` holds
 * OB_ISR_PARALLEL_SCRATCH(a) floats. */
#define OB_ISR_PARALLEL_SCRATCH(a) (((size_t)(a)->parallel_os + 1) * ((size_t)(a)->raw_w + 1))
void ob_isr_overscan_parallel(float *frame, size_t stride, const ob_amp_layout *a, int skip,
                              float *scratch);

/* linearity: x += k2 x^2 + k3 x^3 on the imaging area (electrons). */
void ob_isr_linearity(float *frame, size_t stride, const ob_amp_layout *a, double k2, double k3);

/* assemble: copy the imaging area of the segment (values and mask) into
 * the CCD image at (ccd_x0, ccd_y0). */
void ob_isr_assemble(const float *frame, const int32_t *frame_mask, size_t stride,
                     const ob_amp_layout *a, float *ccd, int32_t *ccd_mask, size_t ccd_stride);

/* bias, dark: image -= scale * calib, element-wise. */
void ob_isr_subtract(float *image, const float *calib, float scale, size_t n);

/* defects: OR `bits` into the mask over the rectangle [x0,x0+w) x [y0,y0+h). */
typedef struct ob_defect {
    int x0, y0, w, h;
} ob_defect;
void ob_isr_mask_defects(int32_t *mask, size_t stride, const ob_defect *d, int n, int32_t bits);

/* variance (electrons^2): max(image, 0) + read_noise_e^2 over one amplifier's box. */
void ob_isr_variance(const float *image, float *variance, size_t stride, int x0, int y0, int w,
                     int h, float read_noise_e);

/* flat: image /= flat, variance /= flat^2. */
void ob_isr_flat(float *image, float *variance, const float *flat, size_t n);

/* interpolate: along each row, every run of pixels with (mask & bits) is
 * replaced by the straight line between the nearest good pixels left and
 * right (a constant when only one side exists; untouched when none); the
 * pixels get OB_MASK_INTRP. Returns the number of pixels replaced. */
size_t ob_isr_interpolate(float *image, int32_t *mask, size_t stride, int nx, int ny, int32_t bits);

/* ---- brighter-fatter (Coulton et al. 2018, as ip_isr brighterFatterCorrection) ---- */

#define OB_BF_KERNEL_SIZE 17

/* An FFT convolution plan for ny x nx double images with a fixed
 * OB_BF_KERNEL_SIZE^2 kernel: the image is zero-padded to powers of two
 * at least kernel half-size larger, so the circular convolution equals the
 * linear one with zeros outside the image. Where it makes the transform
 * smaller, the two halves of the image share one complex transform (real
 * and imaginary parts, each with its halo): ob_bf_padded_size() tells. */
typedef struct ob_bf ob_bf;

/* NULL on allocation failure. The kernel is row-major, centre at (8, 8). */
ob_bf *ob_bf_create(int ny, int nx, const double *kernel);
void ob_bf_free(ob_bf *bf);
size_t ob_bf_bytes(int ny, int nx); /* memory the plan and its buffers take */
void ob_bf_padded_size(int ny, int nx, int *pny, int *pnx);

/* out = kernel (*) in, both ny x nx, zero outside the image. */
void ob_bf_convolve(ob_bf *bf, const double *in, double *out);

/* The correction of one iteration: corr = 0.5 * (grad(t).grad(o) +
 * t * lap(o)) with central differences, t the current estimate and o =
 * kernel (*) t, on ip_isr's interior [h+1, n-h-2) in each axis (its slice
 * [h+1 : -(h+1)-1] with h = kernel half-size; Python's floor division makes
 * it one pixel narrower at the far edge); zero elsewhere. */
void ob_bf_correction(const double *t, const double *o, double *corr, int ny, int nx, int h);

/* The whole correction on a float image in electrons, in float64, as
 * ip_isr does it: iterate t <- image + corr(t) up to max_iter times, then
 * image += corr. ip_isr compares sum |t_new - t_old| with the threshold
 * only from the third iteration on (its "previous" starts at zero and is
 * first set in the second), so the earliest stop is after 3. Returns the
 * iterations done; *last_diff gets the final sum |delta| (INFINITY if never
 * compared). */
int ob_bf_correct(ob_bf *bf, float *image, int max_iter, double threshold, double *last_diff);

#endif
