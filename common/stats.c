/* Medians, percentiles and means of finite values; the bootstrap generator. */
#include "common/stats.h"

#include <math.h>
#include <stdlib.h>

#include "common/rng.h"

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

double ob_percentile(const double *x, size_t n, double p)
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

double ob_median(const double *x, size_t n)
{
    return ob_percentile(x, n, 50.0);
}

double ob_mean(const double *x, size_t n)
{
    double sum = 0.0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            sum += x[i];
            m++;
        }
    return m ? sum / (double)m : NAN;
}

uint64_t ob_splitmix64(uint64_t *state)
{
    return ob_rng_splitmix64(state);
}

size_t ob_splitmix64_index(uint64_t *state, size_t n)
{
    return n ? (size_t)(ob_splitmix64(state) % n) : 0;
}
