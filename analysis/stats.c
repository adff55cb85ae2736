/* Small statistics for the analysis: robust medians and percentiles, a
 * deterministic generator for bootstrap resampling, least squares. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

/* k-th smallest of v[0..n-1] (0-based), partially reordering v: Hoare
 * selection, O(n) on average, so the bootstrap's many medians stay cheap. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* Linear-interpolated percentile (as numpy's default) of the finite values. */
double an_percentile(const double *x, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double stackbuf[256];
    double *v = n <= 256 ? stackbuf : malloc(n * sizeof *v);
    if (!v)
        return NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            v[m++] = x[i];
    double r = NAN;
    if (m > 0) {
        double pos = (p / 100.0) * (double)(m - 1);
        size_t lo = (size_t)floor(pos);
        r = select_kth(v, m, lo);
        if (lo + 1 < m && pos > (double)lo) {
            double next = v[lo + 1]; /* after selection v[lo+1..] are >= v[lo]: take their min */
            for (size_t i = lo + 2; i < m; i++)
                if (v[i] < next)
                    next = v[i];
            r += (pos - (double)lo) * (next - r);
        }
    }
    if (v != stackbuf)
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
