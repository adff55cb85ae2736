/* The start of a launch, after its checks (driver/run/start.c). */
#ifndef OCCBENCH_START_H
#define OCCBENCH_START_H

#include <stddef.h>

#include "driver/run/run_state.h"

/* --resume's file, --output, or results/HOST-STAMP.h5 (agreed on rank 0). */
void ob_start_default_output(run_state *rs);
/* Create or resume the file; an ob_results_create/resume status. */
int ob_start_open_results(run_state *rs, int argc, char **argv, char *err, size_t errlen);
/* Resolve the metrics on every rank before anything is created, so a bad
 * --events is a usage error that leaves no file behind. */
int ob_start_resolve_counters(run_state *rs, char *err, size_t errlen);
/* Start counting on every rank; /counters gets each node leader's sources. */
int ob_start_record_counters(run_state *rs, char *err, size_t errlen);
/* /system: provenance, passport, launch shape, hostnames, topology. */
int ob_start_write_system(run_state *rs, char *err, size_t errlen);
/* What a phase's pair of marks costs (two snapshots and a delta), so the
 * analysis can flag phases too short to measure: the median of 200 pairs. */
double ob_phase_mark_cost(void);

#endif
