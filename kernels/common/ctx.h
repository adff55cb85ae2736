/* The definition of ob_ctx, for the driver and for kernels/common/ctx.c.
 * Kernels use only the accessors of kernel.h. */
#ifndef OCCBENCH_CTX_H
#define OCCBENCH_CTX_H

#include "occbench/kernel.h"

#define OB_MAX_PHASES 32

/* Called at every phase mark; `begin` is 1 at ob_phase_begin, 0 at end. */
typedef void (*ob_phase_hook)(void *user, int phase, int begin);

struct ob_ctx {
    ob_preset preset;
    ob_machine machine;
    const char *io_dir;
    int rank;
    const ob_kopt_values *kopts; /* NULL: the kernel's declared defaults */
    ob_phase_hook hook;          /* NULL: standalone wall-clock accounting */
    void *hook_user;
    char error[256];
    /* standalone accounting */
    double phase_seconds[OB_MAX_PHASES];
    double phase_started[OB_MAX_PHASES];
};

/* Fill a context in place (the driver keeps one per rank). */
void ob_ctx_init(ob_ctx *ctx, ob_preset preset, const ob_machine *machine, const char *io_dir,
                 int rank, ob_phase_hook hook, void *hook_user);

#endif
