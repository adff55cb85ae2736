/* The per-step numbers: throughput per node, efficiency, per-field medians.
 * One derivation, called by the driver (written to /summary) and by
 * occbench-analyze (its tables), so the two cannot disagree. */
#ifndef OCCBENCH_COMMON_SUMMARY_H
#define OCCBENCH_COMMON_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "occbench/kernel.h"
#include "occbench/records.h"

/* Throughput of a step (docs/ARCHITECTURE.md): the sum over active ranks
 * (node, rank) of counted repetitions / the wall time spent in them,
 * divided by `nodes`: repetitions per second per node while all k ranks
 * run, without the harness's time between repetitions. NaN when nodes < 1. */
double ob_throughput_per_node(const ob_rep_record *reps, size_t nreps, int nodes);

/* One active rank's counted repetitions: how many, the wall time in them,
 * the span from its first start to its last end (what the harness adds in
 * between is span - wall), its rate reps/wall and its core. */
typedef struct ob_rank_stat {
    int32_t node, rank, core;
    size_t reps;
    double wall, span, rate;
} ob_rank_stat;

/* Per-rank statistics of the counted repetitions, ordered by (node, rank):
 * the number of ranks, *out malloc'ed (0 and NULL when none or no memory). */
size_t ob_rank_stats(const ob_rep_record *reps, size_t nreps, ob_rank_stat **out);

/* The share of the ranks' measuring spans not spent in repetitions (clock
 * probe, phase marks, bookkeeping): 1 - sum(wall) / sum(span), from the
 * per-rank statistics of ob_rank_stats. */
double ob_harness_share(const ob_rank_stat *ranks, size_t nranks);

/* Efficiency versus linear: thr_k / (k * thr_1); NaN when either is unknown. */
double ob_efficiency(double thr_k, int k, double thr_1);

/* Distinct node indices among the records. */
int ob_count_nodes(const ob_rep_record *reps, size_t nreps);

/* The largest node's sum of its ranks' pss_kb (each rank has one finite value
 * per step); NaN when no record has one. */
double ob_pss_node_kb(const ob_rep_record *reps, size_t nreps);

/* Summarise counted repetitions (rep >= 1) of `reps` into one /summary row.
 * `throughput_k1` is the same kernel and placement's throughput at k=1
 * (NaN when unknown) for the efficiency. `plan` gives the figure of merit
 * (NULL: NaN). Returns 0, or -1 when reps has no counted repetition. */
int ob_summarise_step(const ob_rep_record *reps, size_t nreps, int k, int nodes, int valid,
                      const ob_plan *plan, double throughput_k1, ob_summary_row *out);

#endif
