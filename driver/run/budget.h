/* The time plan of a launch (driver/run/budget.c). */
#ifndef OCCBENCH_BUDGET_H
#define OCCBENCH_BUDGET_H

#include <stddef.h>

#include "driver/run/run_state.h"

/* Load the reference times and set the window: --budget's, or the default
 * one shortened to fit the default budget; rs->time.estimate per step.
 * --budget and --dry-run need the times (-1 with err), the ETA not. */
int ob_budget_plan(run_state *rs, char *err, size_t errlen);
/* Rank 0: the plan; every step when `steps`, else only its last line. */
void ob_budget_print(const run_state *rs, int steps);

#endif
