/* The ladder: every step of the plan on every rank, its records gathered,
 * summarised and written, the progress line (driver/run/ladder.c). */
#ifndef OCCBENCH_LADDER_H
#define OCCBENCH_LADDER_H

#include <signal.h>
#include <stddef.h>

#include "driver/run/run_state.h"

/* Set by the SIGTERM handler; the ladder finishes the current step. */
extern volatile sig_atomic_t ob_stop_requested;

/* Run every step not already in the file (a resumed run skips those);
 * returns 0, or -1 when the results file could not be written. */
int ob_ladder_run(run_state *rs, int *interrupted, char *err, size_t errlen);
/* --calibrate: the OS index of the active rank's PU (k=1, compact order)
 * and of the other cores of its L3 domain. */
void ob_calibration_cores(const run_state *rs, const int *order, int *target, int *others,
                          int *nothers);

/* The cores of a placement arranged in slots of `width` (a job of
 * --job-cores): slot s is out[s*width .. s*width+width-1], `width` cores
 * together in the compact order; compact takes the slots in that order,
 * spread in the order their first core comes in the spread order. out has
 * rs->cores entries; width 1 is the placement's own order. */
void ob_slot_order(const run_state *rs, ob_placement p, int width, int *out);
/* Append the node samplers' samples since the last call (collective). */
int ob_ladder_write_monitor(run_state *rs, char *err, size_t errlen);

#endif
