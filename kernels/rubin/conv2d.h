/* Direct 2-D image convolution as LSST image differencing does it
 * (kernels/rubin/conv2d.c): used by the conv kernel, its tests and
 * bench/conv_methods.
 *
 * Geometry: images are row-major float, `nx` pixels per row, `ny` rows.
 * Kernels are square, K x K with K odd, row-major. Only the "valid" part is
 * produced, as afw::math::convolve does (it leaves a K/2 wide edge unset):
 * the output is (ny-K+1) rows of (nx-K+1) pixels, and output pixel (x, y)
 * is centred on input pixel (x+K/2, y+K/2):
 *
 *     out[y][x] = sum_{j,i < K} k[j][i] * in[y+j][x+i]
 *
 * (the kernel is applied unflipped, as afw applies it; for the symmetric
 * kernels of PSF matching this is the same as a flipped convolution). */
#ifndef OCCBENCH_CONV_H
#define OCCBENCH_CONV_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of Alard-Lupton basis functions: Gaussians of sigma 0.7, 1.5 and
 * 3.0 px times all monomials u^p v^q with p+q <= 4, 2 and 2 (15+6+6). */
#define OB_AL_NBASIS 27
/* Spatial variation of each basis weight: 2nd-order polynomial in x, y
 * (1, x, y, x^2, xy, y^2). */
#define OB_AL_NSPATIAL 6
/* Largest spacing between kernel grid nodes (region corners), pixels. */
#define OB_AL_MAX_SPACING 10

/* The reference: one output pixel by the definition, in double. */
double ob_conv_ref_pixel(const float *in, size_t nx, const float *k, int K, size_t x, size_t y);

/* Plain triple loop (scalar, float accumulation), for the bench. */
void ob_conv_plain(const float *in, size_t nx, size_t ny, const float *k, int K, float *out);

/* Vectorised brute force for a spatially invariant, non-separable kernel:
 * register-blocked along output rows, each kernel tap a SAXPY of a block
 * of contiguous input pixels. Needs nx >= K and ny >= K. */
void ob_conv_invariant(const float *in, size_t nx, size_t ny, const float *k, int K, float *out);

/* Separable kernel k[j][i] = ky[j] * kx[i]: per output row, a vertical
 * pass into `rowbuf` (nx floats), then a horizontal pass out of it. */
void ob_conv_separable(const float *in, size_t nx, size_t ny, const float *kx, const float *ky,
                       int K, float *rowbuf, float *out);

/* A spatially varying Alard-Lupton kernel over an image of nx x ny pixels:
 * K(x,y)[v][u] = sum_b a_b(x,y) basis_b[v][u], with a_b a 2nd-order
 * polynomial in the image coordinates scaled to [-1, 1]. */
typedef struct ob_al_model {
    int K;
    size_t nx, ny;                              /* image the kernel lives on */
    float *basis;                               /* OB_AL_NBASIS images of K*K */
    double coeff[OB_AL_NBASIS][OB_AL_NSPATIAL]; /* spatial polynomial per basis */
} ob_al_model;

/* Fills basis (allocated here) and a deterministic, smooth, positive
 * spatial model from `seed`. Returns 0, or -1 on allocation failure. */
int ob_al_model_init(ob_al_model *m, int K, size_t nx, size_t ny, unsigned long long seed);
void ob_al_model_free(ob_al_model *m);
/* Number of basis functions the model actually built (OB_AL_NBASIS). */
int ob_al_model_nbasis(const ob_al_model *m);
/* The kernel evaluated directly at image position (x, y) of the output
 * grid (centre of the kernel at input pixel x+K/2, y+K/2), in double. */
void ob_al_kernel_at(const ob_al_model *m, double x, double y, double *kimg);

/* The kernel at node (x, y) as the convolution uses it: the weights in
 * double, the basis sum in float (vectorised, identical on every ISA). */
void ob_al_node_kernel(const ob_al_model *m, size_t x, size_t y, float *kimg);

/* Kernel images on a grid of region corners over the output image, at
 * most OB_AL_MAX_SPACING apart, linearly interpolated in between. As
 * afw's convolveWithInterpolation does, the corner kernels are evaluated
 * during the convolution, one band of regions at a time (two node rows are
 * kept), so their cost is part of the varying phase and memory stays small.
 * After ob_conv_varying, band_bottom holds the kernels of the last node row
 * and row_kernels the last region's two kernels at the last output row.
 * Nodes are 8 px apart (one 8-float vector per region row segment). */
typedef struct ob_al_grid {
    const ob_al_model *model;
    int K;
    size_t nxo, nyo;    /* output size */
    size_t ncx, ncy;    /* nodes per axis (>= 2) */
    size_t *node_x;     /* ncx node columns, node_x[0] = 0, last = nxo-1 */
    size_t *node_y;     /* ncy node rows */
    float *band_top;    /* ncx kernels of K*K at node row `band` */
    float *band_bottom; /* ... at node row band+1 */
    size_t band;        /* node row of band_top; (size_t)-1: none yet */
    float *row_kernels; /* current region's left, right kernels at the current row */
} ob_al_grid;

/* Builds the grid for output size nxo x nyo (both >= 2) of model m (which
 * must outlive it). Returns 0, or -1 on allocation failure. */
int ob_al_grid_init(ob_al_grid *g, const ob_al_model *m, size_t nxo, size_t nyo);
void ob_al_grid_free(ob_al_grid *g);
/* The interpolated kernel at output pixel (x, y), as ob_conv_varying uses
 * it (bilinear between the four corners of the pixel's region, the corner
 * kernels from ob_al_node_kernel), in double. */
void ob_al_grid_kernel_at(const ob_al_grid *g, size_t x, size_t y, double *kimg);

/* Convolution with the interpolated spatially varying kernel. Per region
 * row segment, out = (1-t) (N_left * in) + t (N_right * in), where N are the
 * kernels at the segment's end nodes for this row: exactly the bilinear
 * interpolation of the kernel, done as two vectorised invariant
 * convolutions. `out` is (ny-K+1) x (nx-K+1) and must match g. */
void ob_conv_varying(const float *in, size_t nx, size_t ny, ob_al_grid *g, float *out);

/* Normalised 1-D Gaussian of K taps, sigma in pixels. */
void ob_gaussian_1d(float *taps, int K, double sigma);

#ifdef __cplusplus
}
#endif
#endif
