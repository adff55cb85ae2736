/* Quantiles by selection and the afw clipped mean (see robust_stats.h). */
#include "kernels/lib/robust_stats.h"

#include <math.h>

static void swap_f(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Place the k-th smallest of v[lo..hi) at v[k], smaller or equal ones
 * before it and larger or equal ones after it (as std::nth_element, which
 * afw uses). Hoare partition around a median of three that also serves as
 * sentinels: few swaps, and runs of equal values (saturated or integer
 * data) still split in the middle. */
static void select_kth(float *v, size_t lo, size_t hi, size_t k)
{
    while (hi - lo > 3) {
        size_t mid = lo + (hi - lo) / 2, last = hi - 1;
        if (v[mid] < v[lo])
            swap_f(&v[mid], &v[lo]);
        if (v[last] < v[lo])
            swap_f(&v[last], &v[lo]);
        if (v[last] < v[mid])
            swap_f(&v[last], &v[mid]);
        float pivot = v[mid];
        size_t i = lo, j = last;
        for (;;) { /* v[lo] <= pivot <= v[last] stop both scans */
            do
                i++;
            while (v[i] < pivot);
            do
                j--;
            while (v[j] > pivot);
            if (i >= j)
                break;
            swap_f(&v[i], &v[j]);
        }
        /* now v[lo..j] <= pivot <= v[j+1..hi), both parts non-empty */
        if (k <= j)
            hi = j + 1;
        else
            lo = j + 1;
    }
    for (size_t a = lo + 1; a < hi; a++) /* insertion sort of the last few */
        for (size_t b = a; b > lo && v[b] < v[b - 1]; b--)
            swap_f(&v[b], &v[b - 1]);
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
        /* one pass over sums of x - center: the shift keeps the sum of
         * squares free of cancellation (the data kept are near the centre) */
        double sum = 0.0, sum2 = 0.0, cnt = 0.0;
        for (size_t i = 0; i < n; i++) {
            double d = (double)v[i] - center;
            int in = fabs(d) < half_width;
            double kept = in ? d : 0.0;
            sum += kept;
            sum2 += kept * kept;
            cnt += in;
        }
        if (cnt == 0.0)
            break;
        double dm = sum / cnt;
        m = center + dm;
        s = cnt > 1.0 ? sqrt(fmax(sum2 - cnt * dm * dm, 0.0) / (cnt - 1.0)) : 0.0;
        used = (size_t)cnt;
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
