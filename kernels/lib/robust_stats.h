/* Robust pixel statistics as afw::math::Statistics computes them for ISR:
 * quantiles by selection (no full sort) and the iterated sigma-clipped
 * mean (MEANCLIP/STDEVCLIP). Shared by the isr kernel and its tests. */
#ifndef OCCBENCH_ROBUST_STATS_H
#define OCCBENCH_ROBUST_STATS_H

#include <stddef.h>

/* sigma of a Gaussian per unit interquartile range (afw's IQ_TO_STDEV). */
#define OB_IQ_TO_STDEV 0.741301109252801

/* The q-quantile (0 <= q <= 1) of v[0..n), n >= 1, at position q*(n-1),
 * linearly interpolated between the two neighbouring order statistics.
 * Reorders v (quickselect); O(n) expected. */
double ob_quantile_select(float *v, size_t n, double q);

/* Median, first and third quartile of v[0..n) by selection; reorders v. */
void ob_quartiles_select(float *v, size_t n, double *q1, double *median, double *q3);

typedef struct ob_robust_stats {
    size_t n; /* values given */
    double median, q1, q3;
    double clipped_mean, clipped_stdev;
    size_t n_clipped; /* values inside the last clipping window */
} ob_robust_stats;

/* afw-style clipped mean and standard deviation: `iterations` passes;
 * pass 0 keeps |x - median| < n_sigma * OB_IQ_TO_STDEV * iqr, later passes
 * |x - mean| < n_sigma * stdev of the previous pass. The standard
 * deviation uses n - 1. Does not reorder v. */
void ob_clipped_mean(const float *v, size_t n, double median, double iqr, double n_sigma,
                     int iterations, double *mean, double *stdev, size_t *n_used);

/* All of the above on v[0..n), n >= 1 (reorders v): quartiles by
 * selection, then a 3-sigma, 3-iteration clipped mean. */
void ob_robust_stats_compute(float *v, size_t n, ob_robust_stats *out);

#endif
