/* Least squares for the analysis (medians, percentiles and the bootstrap
 * generator are shared with the driver: common/stats.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"

double an_ols_slope(const double *x, const double *y, size_t n, double *a, double *r2)
{
    double sx = 0, sy = 0, m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            sx += x[i];
            sy += y[i];
            m += 1;
        }
    if (a)
        *a = NAN;
    if (r2)
        *r2 = NAN;
    if (m < 2)
        return NAN;
    double mx = sx / m, my = sy / m, sxx = 0, sxy = 0, syy = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && isfinite(y[i])) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
            syy += (y[i] - my) * (y[i] - my);
        }
    if (sxx <= 0)
        return NAN;
    double b = sxy / sxx;
    if (a)
        *a = my - b * mx;
    if (r2)
        *r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1.0;
    return b;
}
