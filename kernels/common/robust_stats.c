/* Quantiles by selection and the afw clipped mean (see robust_stats.h). */
#include "occbench/robust_stats.h"

#include <math.h>

static void swap_f(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Place the k-th smallest of v[lo..hi) at v[k], smaller ones before it and
 * larger ones after it. Three-way partition so images with many equal
 * values (saturated or integer data) stay linear. */
static void select_kth(float *v, size_t lo, size_t hi, size_t k)
{
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three as pivot */
        float a = v[lo], b = v[mid], c = v[hi - 1];
        float pivot = (a < b) ? ((b < c) ? b : (a < c ? c : a)) : ((a < c) ? a : (b < c ? c : b));
        size_t lt = lo, i = lo, gt = hi; /* [lo,lt) < p, [lt,i) == p, [gt,hi) > p */
        while (i < gt) {
            if (v[i] < pivot)
                swap_f(&v[lt++], &v[i++]);
            else if (v[i] > pivot)
                swap_f(&v[i], &v[--gt]);
            else
                i++;
        }
        if (k < lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return;
    }
}

/* Smallest value of v[lo..hi), hi > lo. */
static float min_of(const float *v, size_t lo, size_t hi)
{
    float m = v[lo];
    for (size_t i = lo + 1; i < hi; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

/* q-quantile of v[from..n) where the caller knows v[0..from) holds values
 * not larger than any in v[from..n) (earlier selections). */
static double quantile_from(float *v, size_t n, size_t from, double q)
{
    double pos = q * (double)(n - 1);
    size_t k = (size_t)floor(pos);
    double frac = pos - (double)k;
    if (k < from)
        k = from; /* cannot happen for increasing q; kept for safety */
    select_kth(v, from, n, k);
    double lo = v[k];
    if (frac == 0.0 || k + 1 >= n)
        return lo;
    double hi = min_of(v, k + 1, n);
    return lo + frac * (hi - lo);
}

double ob_quantile_select(float *v, size_t n, double q)
{
    return quantile_from(v, n, 0, q);
}

void ob_quartiles_select(float *v, size_t n, double *q1, double *median, double *q3)
{
    /* Each selection leaves everything left of its k no larger than what
     * is right of it, so the next (larger) quantile searches only the
     * right part. */
    size_t k1 = (size_t)floor(0.25 * (double)(n - 1));
    size_t k2 = (size_t)floor(0.50 * (double)(n - 1));
    *q1 = quantile_from(v, n, 0, 0.25);
    *median = quantile_from(v, n, k1, 0.50);
    *q3 = quantile_from(v, n, k2, 0.75);
}

void ob_clipped_mean(const float *v, size_t n, double median, double iqr, double n_sigma,
                     int iterations, double *mean, double *stdev, size_t *n_used)
{
    double center = median;
    /* a zero IQR (constant data) would clip everything: start unclipped */
    double half_width = iqr > 0.0 ? n_sigma * OB_IQ_TO_STDEV * iqr : INFINITY;
    double m = NAN, s = NAN;
    size_t used = 0;
    for (int it = 0; it < iterations; it++) {
        /* two-pass (mean, then squared deviations) for accuracy in float data */
        double sum = 0.0;
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            if (fabs((double)v[i] - center) < half_width) {
                sum += v[i];
                cnt++;
            }
        if (cnt == 0)
            break;
        double mu = sum / (double)cnt, ss = 0.0;
        for (size_t i = 0; i < n; i++)
            if (fabs((double)v[i] - center) < half_width) {
                double d = (double)v[i] - mu;
                ss += d * d;
            }
        m = mu;
        s = cnt > 1 ? sqrt(ss / (double)(cnt - 1)) : 0.0;
        used = cnt;
        center = m;
        half_width = n_sigma * s;
        if (half_width <= 0.0)
            break;
    }
    *mean = m;
    *stdev = s;
    *n_used = used;
}

void ob_robust_stats_compute(float *v, size_t n, ob_robust_stats *out)
{
    out->n = n;
    ob_quartiles_select(v, n, &out->q1, &out->median, &out->q3);
    ob_clipped_mean(v, n, out->median, out->q3 - out->q1, 3.0, 3, &out->clipped_mean,
                    &out->clipped_stdev, &out->n_clipped);
}
