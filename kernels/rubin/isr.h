/* The isr kernel (kernels/rubin/isr.c): its table, and a look at the last
 * repetition's diagnostics for the unit tests and bench/isr_phases.c. */
#ifndef OCCBENCH_ISR_H
#define OCCBENCH_ISR_H

#include <stddef.h>

#include "occbench/kernel.h"

extern const ob_kernel ob_kernel_isr;

typedef struct ob_isr_info {
    int bf_iterations;
    double bf_last_diff;
    int overscan_rows_masked;
    size_t saturated_pixels, interpolated_pixels;
    int crosstalk_probes;             /* saturated stars' ghost boxes known to the truth */
    int crosstalk_probes_checked;     /* by the last verify(): not masked */
    int crosstalk_probes_significant; /* of those, ghosts a missing correction would fail */
    /* the largest ghost the last verify() checked: box in CCD pixels (w = 0: none) */
    int ghost_x0, ghost_y0, ghost_w, ghost_h;
    double ghost_injected;              /* its mean, electrons / flat */
    const char *output_path, *raw_path; /* files in the I/O directory */
    float *image;                       /* the last repetition's image */
    size_t npixels;
    int width, height, amp_width, amp_height;
} ob_isr_info;

/* `state` is what ob_kernel_isr.setup returned. */
void ob_isr_last_info(const void *state, ob_isr_info *out);

#endif
