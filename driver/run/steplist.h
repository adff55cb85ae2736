/* The step list (driver/run/steplist.c). */
#ifndef OCCBENCH_STEPLIST_H
#define OCCBENCH_STEPLIST_H

#include <stddef.h>

#include "driver/run/run_state.h"

/* --calibrate needs a second rank per node and a second core; the verdict
 * of every injection is taken (collectively) before the file. */
int ob_check_calibration(run_state *rs, char *err, size_t errlen);
/* rs->plan.steps from the options, the ladder and the plans. */
void ob_steps_build(run_state *rs);

#endif
