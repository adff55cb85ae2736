/* Accounting of a job's process tree: everything the command and what it
 * starts do, from its exec to its end.
 *
 *   CPU time     perf_event task-clock opened on the command before exec and
 *                inherited by every thread and child (exact, ns); where
 *                perf_event_open is refused, the reaped tree's rusage
 *   counters     cycles, instructions, ref-cycles, cache misses: perf_event
 *                hardware events, inherited likewise (NaN where not countable)
 *   run delay    each task's /proc schedstat run delay, scanned while the
 *                tree runs (kernels/job/job.c sets how often) and once more
 *                when its root has exited: a task that ends between two
 *                scans loses at most one interval
 *   block I/O    each task's delay-accounting ticks, scanned likewise (NaN
 *                when kernel.task_delayacct is off: not separated)
 *   memory       the sums over the tree's processes of their PSS and of their
 *                peak RSS (VmHWM), sampled: the largest sums seen
 *
 * Inherited counts of a descendant join the root's when the descendant
 * ends, so a reading at a phase mark holds the descendants that have ended. */
#ifndef OCCBENCH_JOB_TREE_H
#define OCCBENCH_JOB_TREE_H

#include <stddef.h>
#include <sys/types.h>

#include "occbench/records.h"

typedef struct ob_tree ob_tree;

/* The tree's counters, one fd per counter (-1 where refused). */
#define OB_TREE_NCOUNTERS 5
/* In the command's process before its exec: open the counters on itself,
 * inherited by what it starts and enabled at its exec. System calls only
 * (it runs in a vfork-like child that shares the rank's memory). */
void ob_tree_open_counters(int fds[OB_TREE_NCOUNTERS]);
/* Start accounting the tree rooted at `pid` with the counters it opened
 * (owned from now on). NULL only when out of memory (the fds are closed). */
ob_tree *ob_tree_adopt(pid_t pid, const int fds[OB_TREE_NCOUNTERS]);
/* An absolute reading now, in the fields of ob_sample: wall, cpu_time and
 * task_clock, the counters, run_delay and blkio (a scan now), rbytes and
 * wbytes (the root's, its reaped descendants' included); the rest NaN. */
void ob_tree_read(ob_tree *t, ob_sample *at);
/* Scan the tasks now (between marks); every `pss_every`-th scan also sums
 * the processes' PSS and peak RSS. */
void ob_tree_scan(ob_tree *t, int pss_every);
/* Totals since the exec: CPU seconds from the counters (NaN when not
 * counted), run delay, block-I/O delay (NaN without delay accounting), the
 * counters (NaN each when not counted), the peak PSS and RSS sums (KiB, NaN
 * when never sampled). */
void ob_tree_totals(ob_tree *t, ob_sample *out, double *pss_peak_kb, double *rss_peak_kb);
void ob_tree_close(ob_tree *t);

/* Which counters perf_event_open grants here, one "metric: event" or
 * "metric: why not" item per counter (checked on this process). */
void ob_tree_counters_report(char *out, size_t outlen);

#endif
