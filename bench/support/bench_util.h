/* Helpers every benchmark needs: clocks and the median of a few
 * repetitions. Header-only, so that bench/CMakeLists.txt can keep building
 * each benchmark as one executable from one source file. */
#ifndef OCCBENCH_BENCH_UTIL_H
#define OCCBENCH_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

/* Seconds on clock `id` (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, ...). */
static inline double bench_clock_seconds(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Wall seconds (monotonic). */
static inline double bench_now(void)
{
    return bench_clock_seconds(CLOCK_MONOTONIC);
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v[0..n) ascending. */
static inline void bench_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
}

/* Median of v[0..n), n >= 1 (the mean of the middle two for even n);
 * sorts v. */
static inline double bench_median(double *v, int n)
{
    bench_sort(v, (size_t)n);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#endif
