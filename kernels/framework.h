/* The kernel framework's driver side: the definition of ob_ctx, the phase
 * hook a harness installs, and what a harness asks of the kernels as a
 * whole. For the driver, the framework itself (kernels/ctx.c, kopt.c,
 * registry.c) and harnesses such as bench/isr_phases.c; kernels use only
 * the accessors of occbench/kernel.h.
 *
 * Guarded as hwloc guards include/private: a file that is not built as part
 * of the framework or a harness (CMake defines OB_KERNEL_FRAMEWORK_SIDE for
 * those) stops here, so no kernel can reach into the context. */
#ifndef OCCBENCH_KERNEL_FRAMEWORK_H
#define OCCBENCH_KERNEL_FRAMEWORK_H

#ifndef OB_KERNEL_FRAMEWORK_SIDE
#error                                                                                             \
    "kernels/framework.h is the driver's side of the kernel framework; kernels include occbench/kernel.h only"
#endif

#include <signal.h>
#include <stddef.h>

#include "kernels/job/job.h"
#include "occbench/kernel.h"

#define OB_MAX_PHASES 32

/* Called at every phase mark; `begin` is 1 at ob_phase_begin, 0 at end;
 * `at` is the kernel's own reading (ob_phase_begin_at), NULL otherwise. */
typedef void (*ob_phase_hook)(void *user, int phase, int begin, const struct ob_sample *at);

struct ob_ctx {
    ob_preset preset;
    ob_machine machine;
    const char *io_dir;
    int rank;
    int node_rank, active;             /* the rank on its node; the step's k (set by the driver) */
    const volatile sig_atomic_t *stop; /* non-zero once the launch stops (driver; may be NULL) */
    const ob_kopt_values *kopts;       /* NULL: the kernel's declared defaults */
    ob_phase_hook hook;                /* NULL: standalone wall-clock accounting */
    void *hook_user;
    char error[256];
    /* standalone accounting */
    double phase_seconds[OB_MAX_PHASES];
    double phase_started[OB_MAX_PHASES];
};

/* Fill a context in place (the driver keeps one per rank). */
void ob_ctx_init(ob_ctx *ctx, ob_preset preset, const ob_machine *machine, const char *io_dir,
                 int rank, ob_phase_hook hook, void *hook_user);

/* Remove the data files that a killed run of this host's kernels left in
 * `dir` (never a live run's): ob_ds_remove_stale of kernels/lib/datastore.h.
 * Returns how many, the first one's name in `first`. */
int ob_kernels_remove_stale_files(const char *dir, char *first, size_t firstlen);

#endif
