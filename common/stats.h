/* Numeric helpers shared by occbench and occbench-analyze: medians and
 * percentiles, the mean, and the bootstrap's deterministic generator.
 * Pure C (no HDF5, no MPI). */
#ifndef OCCBENCH_COMMON_STATS_H
#define OCCBENCH_COMMON_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Linear-interpolated percentile p in [0,100] (numpy's default) of the
 * finite values of x (NaNs skipped); NaN when none. x is not modified. */
double ob_percentile(const double *x, size_t n, double p);
/* Median of the finite values; NaN when none. x is not modified. */
double ob_median(const double *x, size_t n);
/* Mean of the finite values; NaN when none. */
double ob_mean(const double *x, size_t n);

/* splitmix64: the seeding step of common/rng.h, used alone as the
 * bootstrap's generator (fast, and the same stream on every platform). */
uint64_t ob_splitmix64(uint64_t *state);
/* Uniform index in [0, n) (0 when n is 0). */
size_t ob_splitmix64_index(uint64_t *state, size_t n);

#endif
