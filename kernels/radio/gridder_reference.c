/* Direct references for the grid and degrid checks: the DFT of the
 * visibilities at sampled pixels, the model's visibilities, relative L2. */
#include "kernels/radio/gridder_internal.h"

#include <math.h>
#include <stdlib.h>

/* ---- references ------------------------------------------------------------------ */

void ob_grid_dirty_reference(const ob_obs *obs, const float *vis, double pixel_rad, size_t n_image,
                             int with_w, const int *pix, size_t npix, double *out)
{
    const double f0 = obs->freq[0] / OB_SPEED_OF_LIGHT;
    const double df = obs->n_chan > 1 ? (obs->freq[1] - obs->freq[0]) / OB_SPEED_OF_LIGHT : 0.0;
    const long h = (long)n_image / 2;
    for (size_t p = 0; p < npix; p++) {
        double l = (double)(pix[2 * p] - h) * pixel_rad,
               m = (double)(pix[2 * p + 1] - h) * pixel_rad;
        double sum = 0.0, nm1 = with_w ? ob_gridder_nm1(l, m) : 0.0;
        for (size_t r = 0; r < obs->n_row; r++) {
            const double *uvw = obs->uvw + 3 * r;
            const float *v = vis + 2 * r * obs->n_chan;
            /* exp(+2 pi i (u l + v m + w nm1) f/c), stepped across the equally spaced channels. */
            double ph = 2.0 * M_PI * (uvw[0] * l + uvw[1] * m + uvw[2] * nm1);
            double zr = cos(ph * f0), zi = sin(ph * f0), sr = cos(ph * df), si = sin(ph * df);
            for (size_t c = 0; c < obs->n_chan; c++) {
                sum += v[2 * c] * zr - v[2 * c + 1] * zi;
                double t = zr * sr - zi * si;
                zi = zr * si + zi * sr;
                zr = t;
            }
        }
        out[p] = sum;
    }
}

void ob_grid_model_reference(const ob_obs *obs, double pixel_rad, size_t n_image, int with_w,
                             const int *pix, const double *flux, size_t npix, const size_t *idx,
                             size_t nidx, double *out)
{
    const long h = (long)n_image / 2;
    for (size_t i = 0; i < nidx; i++) {
        size_t row = idx[i] / obs->n_chan, c = idx[i] % obs->n_chan;
        double f = obs->freq[c] / OB_SPEED_OF_LIGHT;
        double u = obs->uvw[3 * row] * f, v = obs->uvw[3 * row + 1] * f, re = 0.0, im = 0.0;
        double w = with_w ? obs->uvw[3 * row + 2] * f : 0.0;
        for (size_t p = 0; p < npix; p++) {
            double l = (double)(pix[2 * p] - h) * pixel_rad;
            double m = (double)(pix[2 * p + 1] - h) * pixel_rad;
            double ph = -2.0 * M_PI * (u * l + v * m + w * ob_gridder_nm1(l, m));
            re += flux[p] * cos(ph);
            im += flux[p] * sin(ph);
        }
        out[2 * i] = re;
        out[2 * i + 1] = im;
    }
}

double ob_rel_l2(const double *a, const double *b, size_t n)
{
    double d = 0.0, na = 0.0, nb = 0.0;
    for (size_t i = 0; i < n; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    double den = na > nb ? na : nb;
    return den > 0.0 ? sqrt(d / den) : sqrt(d);
}
