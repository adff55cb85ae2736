/* Helpers shared by the unit tests (header-only; each test is one file). */
#ifndef OCCBENCH_TEST_UTIL_H
#define OCCBENCH_TEST_UTIL_H

#include "driver/measure/measure.h"

/* Keeps the busy loop's result alive so the compiler cannot drop it. */
static volatile double test_busy_sink;

/* Spins on this thread's CPU for about `seconds` of wall time. */
static inline void busy_for(double seconds)
{
    double t0 = ob_now(), x = 0;
    while (ob_now() - t0 < seconds)
        for (int i = 0; i < 10000; i++)
            x += i * 1e-9;
    test_busy_sink = x;
}

#endif
