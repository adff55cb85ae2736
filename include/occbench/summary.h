/* Per-step summary from the step's repetition records (all ranks). */
#ifndef OCCBENCH_SUMMARY_H
#define OCCBENCH_SUMMARY_H

#include <stddef.h>

#include "occbench/kernel.h"
#include "occbench/records.h"

/* Median of the finite values of x[0..n-1] (x is reordered); NaN when none. */
double ob_median(double *x, size_t n);

/* Summarise counted repetitions (rep >= 1) of `reps`. Throughput counts
 * each active rank's rate n_i / (sum of its repetition wall times), summed
 * over ranks and divided by `nodes`: repetitions per second per node while
 * all k ranks run, without the harness's time between repetitions.
 * `throughput_k1` is the same kernel and placement's throughput at k=1
 * (NaN when unknown) for the efficiency. `plan` gives the figure of merit.
 * Returns 0, or -1 when reps has no counted repetition. */
int ob_summarise_step(const ob_rep_record *reps, size_t nreps, int k, int nodes, int valid,
                      const ob_plan *plan, double throughput_k1, ob_summary_row *out);

#endif
