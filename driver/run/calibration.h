/* --calibrate: the injections it runs, each with the kernel it needs and
 * next to that kernel's baseline without injection (OB_INJECT_NONE). The
 * one list that the options (its kernels) and the step list (its steps)
 * both read. */
#ifndef OCCBENCH_CALIBRATION_H
#define OCCBENCH_CALIBRATION_H

#include "driver/node/inject.h"
#include "occbench/kernel.h"

/* At most this many calibration steps (run_state keeps a verdict for each). */
#define OB_MAX_CALIBRATION 16

typedef struct ob_calibration_step {
    const char *kernel;
    ob_inject_kind inject;
} ob_calibration_step;

int ob_calibration_count(void);
const ob_calibration_step *ob_calibration_at(int i);
/* The kernels the list needs, each once, in the list's order; returns how
 * many (at most max), or -1 when a name is not a registered kernel. */
int ob_calibration_kernels(const ob_kernel **out, int max);

#endif
