/* The step-time model's set-up and repetition times measured on this node
 * (--dry-run and --budget on the node they plan for), in place of the
 * reference times of data/step_time.conf (driver/run/steptime.h). */
#ifndef OCCBENCH_STEPTIME_MEASURE_H
#define OCCBENCH_STEPTIME_MEASURE_H

#include "driver/run/run_state.h"

/* Collective. Rank 0 sets up, runs twice (warm-up, one counted
 * repetition) and tears down each kernel of the launch (the job aside: it
 * has --job-seconds) on the core a k=1 step uses; then one rank per core
 * of every node does the same at once, as the top step does, which gives
 * each kernel's own slowdown at the full node (C) and its set-up there.
 * Every rank's rs->time.steptime gets the results, marked measured. A
 * kernel that fails here keeps its reference time (one line says so).
 * Returns how many kernels were measured; *seconds: how long it took. */
int ob_steptime_measure(run_state *rs, double *seconds);

#endif
