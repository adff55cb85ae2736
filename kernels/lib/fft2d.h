/* The internal 2-D complex FFT (kernels/lib/fft2d.c), shared by the fft,
 * grid/degrid and isr (brighter-fatter) kernels. No FFTW: the same code
 * must run identically on every site. Sizes are powers of two.
 *
 * Convention: forward X[k] = sum x[n] exp(-2 pi i k n / N), unnormalised;
 * inverse uses exp(+...) and divides by nx*ny, so inverse(forward(x)) = x.
 * Data are row-major, ny rows of nx elements, interleaved (re, im).
 *
 * A plan owns its scratch buffers: one plan must not be executed by two
 * threads at once (make one plan per thread). Results are bit-identical on
 * every x86-64 CPU whatever SIMD width is picked at run time. */
#ifndef OCCBENCH_FFT_H
#define OCCBENCH_FFT_H

#include <stddef.h>

typedef enum ob_fft_dir { OB_FFT_FORWARD = -1, OB_FFT_INVERSE = +1 } ob_fft_dir;

/* One axis of a 2-D transform, for callers that time the two halves apart.
 * OB_FFT_ROWS: a 1-D transform of every row (along x, length nx);
 * OB_FFT_COLS: of every column (along y, length ny). An inverse along one
 * axis divides by that axis' length. execute() == ROWS then COLS. */
typedef enum ob_fft_axis { OB_FFT_ROWS = 0, OB_FFT_COLS = 1 } ob_fft_axis;

typedef struct ob_fft2d ob_fft2d;     /* single precision plan */
typedef struct ob_fft2d_d ob_fft2d_d; /* double precision plan */

/* Returns NULL when ny or nx is not a power of two >= 1 or on allocation failure. */
ob_fft2d *ob_fft2d_plan(size_t ny, size_t nx);
void ob_fft2d_execute(const ob_fft2d *plan, float *data /* 2*ny*nx */, ob_fft_dir dir);
void ob_fft2d_execute_axis(const ob_fft2d *plan, float *data, ob_fft_dir dir, ob_fft_axis axis);
/* One axis, only the lines whose flag in `use` (ny flags for ROWS, nx for
 * COLS; NULL: all) is set, in blocks of the SIMD width: a block without a
 * flagged line is left as it is. For a transform of which only part is
 * needed (an image cropped from an oversampled grid) or whose input is
 * partly zero (empty uv rows): a zero line transforms to zero. */
void ob_fft2d_execute_lines(const ob_fft2d *plan, float *data, ob_fft_dir dir, ob_fft_axis axis,
                            const unsigned char *use);
void ob_fft2d_free(ob_fft2d *plan);

ob_fft2d_d *ob_fft2d_d_plan(size_t ny, size_t nx);
void ob_fft2d_d_execute(const ob_fft2d_d *plan, double *data, ob_fft_dir dir);
void ob_fft2d_d_execute_axis(const ob_fft2d_d *plan, double *data, ob_fft_dir dir,
                             ob_fft_axis axis);
void ob_fft2d_d_execute_lines(const ob_fft2d_d *plan, double *data, ob_fft_dir dir,
                              ob_fft_axis axis, const unsigned char *use);
void ob_fft2d_d_free(ob_fft2d_d *plan);

#endif
