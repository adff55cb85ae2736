/* isr_phases: time per CCD of the isr kernel on one core, phase by phase
 * with each phase's share, at a preset (ci, small, lsst). The real Rubin
 * ISR (Python + C++) takes tens of seconds per CCD; this is the number to
 * compare with.
 *
 *   build/bench/isr_phases [preset] [repetitions] [io-dir]
 *   (defaults: small 3 /tmp)
 */
#include "occbench/isr_steps.h"
#include "occbench/kernel.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern const ob_kernel ob_kernel_isr;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    ob_preset preset = OB_PRESET_SMALL;
    if (argc > 1 && ob_preset_parse(argv[1], &preset) != 0) {
        fprintf(stderr, "isr_phases: unknown preset '%s' (accepted: ci, small, lsst)\n", argv[1]);
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    if (reps < 1) {
        fprintf(stderr, "isr_phases: repetitions '%s' must be >= 1\n", argv[2]);
        return 2;
    }
    const char *dir = argc > 3 ? argv[3] : "/tmp";
    const ob_kernel *k = &ob_kernel_isr;
    ob_plan plan;
    k->plan(preset, NULL, &plan);
    printf("isr preset %s: %s, footprint %.0f MB, io dir %s\n", ob_preset_name(preset),
           plan.description, plan.footprint_bytes / 1e6, dir);

    ob_ctx *ctx = ob_ctx_standalone(preset, NULL, dir);
    void *state = NULL;
    double t0 = now();
    if (k->setup(ctx, &state) != OB_OK) {
        fprintf(stderr, "isr_phases: setup failed: %s\n", ob_ctx_error(ctx));
        return 1;
    }
    printf("setup (generate + write raw): %.2f s\n", now() - t0);
    /* one warm-up repetition, not counted, as the driver does */
    int nph = ob_kernel_phase_count(k);
    double *warm = calloc((size_t)nph, sizeof(double));
    double total = 0.0, verify_s = 0.0;
    for (int r = 0; r <= reps; r++) {
        if (r == 1)
            for (int p = 0; p < nph; p++)
                warm[p] = ob_ctx_standalone_phase_seconds(ctx, p);
        double t = now();
        if (k->run(state, ctx) != OB_OK) {
            fprintf(stderr, "isr_phases: run failed: %s\n", ob_ctx_error(ctx));
            return 1;
        }
        if (r > 0)
            total += now() - t;
        char why[512];
        t = now();
        if (k->verify(state, why, sizeof why) != 0) {
            fprintf(stderr, "isr_phases: verify failed: %s\n", why);
            return 1;
        }
        verify_s += now() - t;
    }
    ob_isr_info info;
    ob_isr_last_info(state, &info);
    printf("per CCD (mean of %d after 1 warm-up): %.3f s wall; verify %.3f s\n", reps, total / reps,
           verify_s / (reps + 1));
    printf("brighter-fatter %d iterations (last sum|delta| %.3g e-), %zu saturated, %d overscan "
           "rows masked, %zu interpolated\n",
           info.bf_iterations, info.bf_last_diff, info.saturated_pixels, info.overscan_rows_masked,
           info.interpolated_pixels);
    printf("%-18s %10s %7s\n", "phase", "s/CCD", "share");
    for (int p = 0; p < nph; p++) {
        double sec = (ob_ctx_standalone_phase_seconds(ctx, p) - warm[p]) / reps;
        printf("%-18s %10.4f %6.1f%%\n", k->phases[p], sec, 100.0 * sec / (total / reps));
    }
    k->teardown(state);
    ob_ctx_standalone_free(ctx);
    free(warm);
    return 0;
}
