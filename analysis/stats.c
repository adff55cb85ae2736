/* Small statistics for the analysis: robust medians and percentiles, a
 * deterministic generator for bootstrap resampling, least squares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Copy the finite values, sorted; returns the count (0 when none or no memory). */
static size_t sorted_finite(const double *x, size_t n, double **out)
{
    *out = NULL;
    if (n == 0)
        return 0;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            v[m++] = x[i];
    qsort(v, m, sizeof *v, cmp_double);
    *out = v;
    return m;
}

double an_percentile(const double *x, size_t n, double p)
{
    double *v;
    size_t m = sorted_finite(x, n, &v);
    double r = NAN;
    if (m > 0) {
        double pos = (p / 100.0) * (double)(m - 1);
        size_t lo = (size_t)floor(pos);
        size_t hi = lo + 1 < m ? lo + 1 : lo;
        r = v[lo] + (pos - (double)lo) * (v[hi] - v[lo]);
    }
    free(v);
    return r;
}

double an_median(const double *x, size_t n)
{
    return an_percentile(x, n, 50.0);
}

unsigned long long an_rng_next(an_rng *r)
{
    unsigned long long z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

size_t an_rng_index(an_rng *r, size_t n)
{
    return n ? (size_t)(an_rng_next(r) % n) : 0;
}

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
