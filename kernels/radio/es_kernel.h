/* The "exponential of semicircle" (ES) gridding kernel of the wgridder
 * (Barnett et al. 2019, Arras et al. 2021):
 *
 *     phi(x) = exp(beta * W * ((1 - x^2)^e0 - 1)),  |x| < 1,  0 elsewhere,
 *
 * spread over W grid cells (x = 2 t / W for an offset of t cells). Its
 * parameters (W, beta, e0) are chosen for a requested accuracy eps at an
 * oversampling factor sigma (grid size / image size) from a table fitted
 * with ob_es_error_estimate() (see es_kernel.c for how). The kernel is
 * evaluated on the fly through one polynomial per cell (ob_es_poly), so
 * the W weights of a visibility cost D+1 vector multiply-adds. */
#ifndef OCCBENCH_ES_KERNEL_H
#define OCCBENCH_ES_KERNEL_H

#include <stddef.h>

#define OB_ES_MIN_W 4
#define OB_ES_MAX_W 16
#define OB_ES_MAX_DEG 19
/* Polynomial lanes: (re, im) duplicated weights of W cells, padded to 8. */
#define OB_ES_MAX_LANES 32

typedef struct ob_es_params {
    int W;        /* support in grid cells */
    double sigma; /* oversampling factor the parameters were fitted for */
    double beta;  /* exponent scale per cell of support */
    double e0;    /* exponent of the semicircle */
    double eps;   /* aliasing error estimate of the 2-D image (relative L2) */
} ob_es_params;

/* Smallest W whose tabulated 2-D error at the largest fitted sigma <= `sigma`
 * is <= eps. Returns 0, or -1 when sigma is outside [1.5, 2.0] or eps is
 * below what W=16 reaches. */
int ob_es_choose(double eps, double sigma, ob_es_params *out);
/* The fitted parameters for a given W (4..16) and sigma; -1 outside. */
int ob_es_for_width(int W, double sigma, ob_es_params *out);

/* phi at x in [-1, 1] (0 outside). */
double ob_es_phi(const ob_es_params *p, double x);
/* A kernel of support W cells as a function of x in [-1, 1]. */
typedef double (*ob_kernel_shape)(const void *user, double x);
/* Fourier transform of a kernel in cell units, psi(t) = phi(2t/W):
 * int psi(t) cos(2 pi nu t) dt = (W/2) int phi(x) cos(pi nu W x) dx, nu in
 * cycles per cell, by 160-node Gauss-Legendre quadrature. The gridder's
 * correction and the ES kernel's own transform are this one function. */
double ob_kernel_ft(ob_kernel_shape phi, const void *user, int W, double nu);
/* ob_kernel_ft of the ES kernel. */
double ob_es_ft(const ob_es_params *p, double nu);
/* Aliasing error estimate of one axis: max over the image (|nu| <=
 * 1/(2 sigma)) of sqrt(sum_{m != 0} psihat(nu+m)^2) / psihat(nu). The 2-D
 * image error is about sqrt(2) times this. Costs a few milliseconds. */
double ob_es_error_estimate(int W, double sigma, double beta, double e0);
/* How the table was made: scan e0, golden-section search of beta,
 * minimising the estimate. Slow (about a second); not used at run time. */
void ob_es_fit(int W, double sigma, double *beta, double *e0, double *eps1d);

/* Piecewise-polynomial form. For a visibility at grid position x (cells),
 * the first cell is j0 = ceil(x - W/2) and s = 2 (j0 - x + W/2) - 1 is in
 * [-1, 1). Lane 2i and 2i+1 of sum_d coef[d][lane] s^d are the weight of
 * cell j0 + i (duplicated for the re and im parts of a complex value);
 * lanes >= 2W are 0. Horner from coef[deg] down to coef[0]. */
typedef struct ob_es_poly {
    int W;
    int deg;
    int lanes; /* 2W rounded up to a multiple of 8 */
    float coef[OB_ES_MAX_DEG + 1][OB_ES_MAX_LANES];
} ob_es_poly;

/* Fit the polynomials (Chebyshev interpolation in double). Returns the
 * maximum absolute error of the fit over a dense sample, relative to
 * phi(0) = 1. `kernel` is any function of x in [-1, 1]. */
double ob_es_poly_fit(ob_kernel_shape kernel, const void *user, int W, int deg, ob_es_poly *out);
/* The weights of cell j0+i, i < W, for s in [-1, 1], from the float
 * polynomial (a scalar reference for tests). */
void ob_es_poly_eval(const ob_es_poly *p, double s, double *weights);

/* Gauss-Legendre nodes and weights on [-1, 1]; n <= 1024. */
void ob_gauss_legendre(int n, double *nodes, double *weights);

#endif
