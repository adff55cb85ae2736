/* Convolutional gridding and degridding of visibilities on a uv grid (the
 * core of the grid and degrid kernels), in two styles:
 *
 *   es   wgridder-like: exponential-of-semicircle kernel (es_kernel.h)
 *        evaluated on the fly by piecewise polynomials, separable, any W
 *        in 4..16, accuracy chosen through eps.
 *   ddf  DDFacet-like: tabulated prolate spheroidal kernel (Schwab's
 *        rational approximation, m=6), support 7, oversampling 11, one
 *        contiguous 7x7 block per (y, x) sub-cell offset, nearest sample;
 *        optionally w-projection: complex kernels per w (paraxial, hence
 *        separable, 1-D tables), support 7..31 growing with |w|.
 *
 * Both bucket-sort the visibilities by 32x32 tiles of the grid (by the
 * first cell of their support) and grid one tile at a time into a small
 * private buffer that is then added to the grid (degridding reads a copy
 * of the tile), as the wgridder does.
 *
 * Geometry: image pixel (ix, iy), 0 <= ix < n_image, is at
 * l = (ix - n_image/2) * pixel_rad (m likewise); grid cell j holds
 * u = (j - n_grid/2) / (n_grid * pixel_rad). With u, v in wavelengths:
 *
 *   dirty(l, m) = sum_k Re(V_k exp(+2 pi i (u_k l + v_k m)))       (grid)
 *   V(u, v)     = sum_pixels I(l, m) exp(-2 pi i (u l + v m))       (degrid)
 *
 * w is ignored (2-D imaging of one facet) unless w-stacking is on, where
 * the phase also has w (sqrt(1 - l^2 - m^2) - 1). The two operators are
 * exact adjoints of each other up to rounding. */
#ifndef OCCBENCH_GRIDDER_H
#define OCCBENCH_GRIDDER_H

#include "kernels/radio/es_kernel.h"
#include "kernels/lib/fft2d.h"
#include "kernels/radio/observation.h"

#include <stddef.h>
#include <stdint.h>

#define OB_GRID_TILE 32
#define OB_DDF_SUPPORT 7
#define OB_DDF_OVERSAMPLE 11

typedef enum ob_grid_style { OB_GRID_STYLE_ES = 0, OB_GRID_STYLE_DDF = 1 } ob_grid_style;

/* "es" or "ddf" -> style; -1 otherwise. */
int ob_grid_style_parse(const char *name, ob_grid_style *out);
const char *ob_grid_style_name(ob_grid_style s);

typedef struct ob_gridder_config {
    ob_grid_style style;
    size_t n_grid;  /* power of two, >= 64 */
    size_t n_image; /* even, n_grid / n_image in [1.5, 2] */
    double eps;     /* es: requested accuracy (ignored when W > 0) */
    int W;          /* es: force this support (4..16); 0: choose from eps */
    int wstack;     /* es: 1 = w-stacking (ES kernel in w too), 0 = 2-D, w ignored */
    int wproj;      /* ddf: 1 = w-projection kernels (support grows with |w|) */
} ob_gridder_config;

typedef struct ob_gridder ob_gridder;

/* Returns NULL with a one-line reason in `why` for a bad configuration or on
 * allocation failure. Allocates the sort arrays for obs->n_vis visibilities
 * and the tile buffer; picks the pixel size from obs->max_uv_lambda so
 * the uv coverage spans 62.5% of the grid width. */
ob_gridder *ob_gridder_create(const ob_gridder_config *cfg, const ob_obs *obs, char *why,
                              size_t why_len);
void ob_gridder_free(ob_gridder *g);

/* Bytes the gridder allocates for n_vis visibilities (sort keys and order,
 * tile offsets, tables, the real-image FFT's half-length image rows),
 * without the grid itself. */
size_t ob_gridder_bytes(const ob_gridder_config *cfg, size_t n_vis);
/* The pixel size it would choose, before creating it. */
double ob_gridder_pixel_rad(const ob_gridder_config *cfg, const ob_obs *obs);

int ob_gridder_support(const ob_gridder *g);
double ob_gridder_pixel(const ob_gridder *g);
/* The accuracy the kernel parameters promise for the dirty image (relative
 * L2), before float32 rounding. */
double ob_gridder_eps(const ob_gridder *g);
/* Max |error| of the float polynomial against the exact ES kernel. */
double ob_gridder_poly_error(const ob_gridder *g);
size_t ob_gridder_n_grid(const ob_gridder *g);
size_t ob_gridder_n_image(const ob_gridder *g);
/* Visibilities in the densest tile (after ob_gridder_sort). */
size_t ob_gridder_max_tile_count(const ob_gridder *g);
/* Relative error float32 accumulation adds to the dirty image, estimated
 * from the densest tile (after ob_gridder_sort). */
double ob_gridder_float_floor(const ob_gridder *g);

/* FFT pruning flags, n_grid each: the grid columns the visibilities'
 * supports touch (after ob_gridder_sort; the rest of the gridded grid is
 * zero there, and degridding reads nothing else), and the lines of the
 * image's crop (rows and columns wrap(-n_image/2 .. n_image/2 - 1): all
 * that grid_to_image reads and image_to_grid writes). */
const unsigned char *ob_gridder_columns_used(const ob_gridder *g);
const unsigned char *ob_gridder_image_lines(const ob_gridder *g);

/* The grid's inverse FFT as far as the image needs it (after gridding), in
 * kernels/radio/gridder_fft.c: the columns the visibilities touch along y,
 * then the image's rows along x; in 2-D imaging also using that the image is
 * real (the grid folded onto its Hermitian half, the rows as half-length
 * transforms). At sigma = 2 about 0.42 of the whole transform's time; the
 * real parts grid_to_image reads are those of ob_fft2d_execute (to
 * rounding), every other value of the grid is left undefined. */
void ob_gridder_fft_to_image(const ob_gridder *g, const ob_fft2d *fft, float *grid);
/* The forward FFT of a grid that image_to_grid filled (before degridding):
 * the image's rows along x, then the columns the visibilities read along y,
 * the same way backwards: the columns degridding reads hold the transform
 * (to rounding), the others are undefined. Needs ob_gridder_sort first (the
 * columns come from the sort). */
void ob_gridder_fft_from_image(const ob_gridder *g, const ob_fft2d *fft, float *grid);

/* Bucket-sort obs's visibilities by tile (the "sort" phase). */
void ob_gridder_sort(ob_gridder *g, const ob_obs *obs);
/* Zero `grid` (n_grid^2 complex) and grid vis (n_vis complex, row-major
 * (row, chan) like obs->vis) onto it. Needs ob_gridder_sort first. */
void ob_gridder_grid(ob_gridder *g, const ob_obs *obs, const float *vis, float *grid);
/* Degrid: vis_out (n_vis complex) = convolution of grid at each visibility. */
void ob_gridder_degrid(ob_gridder *g, const ob_obs *obs, const float *grid, float *vis_out);

/* After an inverse FFT of the grid (ob_fft2d, which divides by n_grid^2):
 * the grid correction, giving the dirty image (n_image^2 float). */
void ob_gridder_grid_to_image(const ob_gridder *g, const float *grid, float *image);
/* Before a forward FFT for degridding: zero the grid and place the
 * corrected model image (n_image^2 float) in it. */
void ob_gridder_image_to_grid(const ob_gridder *g, const float *image, float *grid);

/* w-stacking (a gridder created with wstack = 1). The dirty image is
 *   for p in 0..planes-1: grid_plane(p), inverse FFT, add_plane_image(p)
 *   then correct_image;
 * the prediction is
 *   for p in 0..planes-1: plane_from_image(p), forward FFT, degrid_plane(p).
 * Planes must go in order from 0 (a per-pixel phasor steps along). */
size_t ob_gridder_planes(const ob_gridder *g); /* 0 when w-stacking is off */
/* 1 when the gridder applies the w term (w-stacking or w-projection). */
int ob_gridder_uses_w(const ob_gridder *g);
/* w-projection: number of w-kernels and the largest support (0 when off). */
int ob_gridder_wproj_kernels(const ob_gridder *g);
void ob_gridder_grid_plane(ob_gridder *g, const ob_obs *obs, const float *vis, float *grid,
                           size_t plane);
void ob_gridder_add_plane_image(ob_gridder *g, const float *grid, size_t plane, float *image);
void ob_gridder_correct_image(const ob_gridder *g, float *image);
void ob_gridder_plane_from_image(ob_gridder *g, const float *image, size_t plane, float *grid);
/* Plane 0 zeroes vis_out; later planes add to it. */
void ob_gridder_degrid_plane(ob_gridder *g, const ob_obs *obs, const float *grid, size_t plane,
                             float *vis_out);

/* Direct DFT of the visibilities at npix pixels (pix[2i] = ix, pix[2i+1] = iy),
 * with the w term w (sqrt(1 - l^2 - m^2) - 1) when with_w. */
void ob_grid_dirty_reference(const ob_obs *obs, const float *vis, double pixel_rad, size_t n_image,
                             int with_w, const int *pix, size_t npix, double *out);
/* Direct evaluation at the visibilities idx[0..nidx) of the model image
 * with npix nonzero pixels (pix as above, flux[i]); out is complex. */
void ob_grid_model_reference(const ob_obs *obs, double pixel_rad, size_t n_image, int with_w,
                             const int *pix, const double *flux, size_t npix, const size_t *idx,
                             size_t nidx, double *out);

/* sqrt(sum |a-b|^2 / max(sum |a|^2, sum |b|^2)) over n reals. */
double ob_rel_l2(const double *a, const double *b, size_t n);

#endif
