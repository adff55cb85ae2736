/* How long steps take, before they run: the plan of --dry-run, the window
 * --budget chooses and the progress line's ETA. The reference times per
 * kernel and preset are data (data/step_time.conf: a repetition's and a
 * set-up's seconds measured at k=1 on a reference core), the model is
 * here:
 *
 *   step = setup(k) + warm-up x contention(k) + measured + between
 *   measured = max(window, min_reps x rep x contention(k))
 *   contention(k) = 1 + (C - 1) x (k - 1) / (cores - 1)
 *   setup(k) = setup + (setup_full - setup) x (k - 1) / (cores - 1)
 *
 * C is the slowdown of a repetition at the full node: measured per kernel
 * on the node itself where --dry-run and --budget could (every core
 * running it at once, steptime_measure.h), else the file's planning
 * assumption; it makes the heavy kernels' minimum repetitions outlast the
 * window at high k. During a run the ETA scales the estimates of the
 * remaining steps by the ratio measured so far. */
#ifndef OCCBENCH_STEPTIME_H
#define OCCBENCH_STEPTIME_H

#include <stddef.h>

#include "occbench/kernel.h"

#define OB_STEPTIME_MAX 64

typedef struct ob_steptime_entry {
    char kernel[32];
    ob_preset preset;
    double rep_s, setup_s;
    double warmup_s; /* the warm-up repetition, when measured (else rep_s) */
    int measured;    /* 1: measured on this node (steptime_measure.h), 0: from the file */
    /* measured with every core of the node running it (0: not measured):
     * the repetition's slowdown there (the file's C otherwise) and the
     * set-up time when every core sets up at once */
    double contention_full, setup_full;
} ob_steptime_entry;

typedef struct ob_steptime {
    ob_steptime_entry e[OB_STEPTIME_MAX];
    int n;
    double contention_full;  /* C */
    double between_s;        /* the harness between steps (ob_steptime_for_ranks adds per rank) */
    double between_per_rank; /* its growth with the launch's ranks (gathers, records) */
    char source[256];        /* the file, for messages */
} ob_steptime;

/* Read `path`. Returns 0, or -1 with a one-line message (file and line). */
int ob_steptime_load(const char *path, ob_steptime *t, char *err, size_t errlen);

/* A launch of `ranks` ranks: the time between steps grows with the
 * records gathered and written (between_s + between_per_rank x ranks). */
void ob_steptime_for_ranks(ob_steptime *t, int ranks);

/* The entry of kernel/preset, or NULL when the file has none. */
const ob_steptime_entry *ob_steptime_find(const ob_steptime *t, const char *kernel,
                                          ob_preset preset);

/* Seconds one step takes by the model. A kernel without an entry (a new
 * kernel before anyone measured it with scripts/measure-step-times) counts
 * as its window plus one second plus the harness between steps; --dry-run
 * marks such steps "no reference time". */
double ob_steptime_step(const ob_steptime *t, const ob_steptime_entry *e, double window,
                        int min_reps, int k, int cores);

/* Seconds the step's minimum repetitions take beyond any window (0 when
 * the window is longer): what no window can shorten. */
double ob_steptime_floor(const ob_steptime *t, const ob_steptime_entry *e, int min_reps, int k,
                         int cores);

/* Seconds left after step `index` of n finished `elapsed` seconds into
 * the ladder: the remaining steps' estimates scaled by how the finished
 * ones compared with theirs, so the ETA learns this node's pace and is
 * exact once the ratio holds. Steps with skipped[i] (already in a resumed
 * file; skipped may be NULL) count for nothing. */
double ob_steptime_eta(const double *estimate, const int *skipped, int n, int index,
                       double elapsed);

#endif
