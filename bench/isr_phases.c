/* isr_phases: time per CCD of the isr kernel on one core, phase by phase
 * with each phase's share, at a preset (ci, small, lsst). The real Rubin
 * ISR (Python + C++) takes tens of seconds per CCD; this is the number to
 * compare with.
 *
 *   build/bench/isr_phases [preset] [repetitions] [io-dir]
 *   (defaults: small 3 /tmp)
 *
 * Per phase it prints wall time and this thread's CPU time: on a shared
 * machine the CPU time is the one that does not depend on the load.
 */
#include "kernels/framework.h"
#include "kernels/rubin/isr.h"
#include "kernels/rubin/isr_steps.h"
#include "occbench/kernel.h"

#include "support/bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const ob_kernel ob_kernel_isr;

/* Phase accounting through the context's hook: wall and thread CPU time. */
typedef struct phase_clock {
    double wall[OB_MAX_PHASES], cpu[OB_MAX_PHASES];
    double wall0[OB_MAX_PHASES], cpu0[OB_MAX_PHASES];
} phase_clock;

static void on_phase(void *user, int phase, int begin, const struct ob_sample *at)
{
    (void)at;
    phase_clock *pc = user;
    double w = bench_now(), c = bench_clock_seconds(CLOCK_THREAD_CPUTIME_ID);
    if (begin) {
        pc->wall0[phase] = w;
        pc->cpu0[phase] = c;
    } else {
        pc->wall[phase] += w - pc->wall0[phase];
        pc->cpu[phase] += c - pc->cpu0[phase];
    }
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
    ob_kernel_plan(k, preset, NULL, NULL, &plan, NULL, 0);
    printf("isr preset %s: %s, footprint %.0f MB, io dir %s\n", ob_preset_name(preset),
           plan.description, plan.footprint_bytes / 1e6, dir);

    static phase_clock clocks;
    ob_ctx context, *ctx = &context;
    ob_ctx_init(ctx, preset, NULL, dir, 0, on_phase, &clocks);
    void *state = NULL;
    double t0 = bench_now();
    if (k->setup(ctx, &state) != OB_OK) {
        fprintf(stderr, "isr_phases: setup failed: %s\n", ob_ctx_error(ctx));
        return 1;
    }
    printf("setup (generate + write raw): %.2f s\n", bench_now() - t0);
    /* one warm-up repetition, not counted, as the driver does */
    int nph = ob_kernel_phase_count(k);
    double total = 0.0, total_cpu = 0.0, verify_s = 0.0;
    for (int r = 0; r <= reps; r++) {
        if (r == 1)
            memset(&clocks, 0, sizeof clocks);
        double t = bench_now(), tc = bench_clock_seconds(CLOCK_THREAD_CPUTIME_ID);
        if (k->run(state, ctx) != OB_OK) {
            fprintf(stderr, "isr_phases: run failed: %s\n", ob_ctx_error(ctx));
            k->teardown(state);
            return 1;
        }
        if (r > 0) {
            total += bench_now() - t;
            total_cpu += bench_clock_seconds(CLOCK_THREAD_CPUTIME_ID) - tc;
        }
        char why[512];
        t = bench_now();
        if (k->verify(state, why, sizeof why) != 0) {
            fprintf(stderr, "isr_phases: verify failed: %s\n", why);
            k->teardown(state);
            return 1;
        }
        verify_s += bench_now() - t;
    }
    ob_isr_info info;
    ob_isr_last_info(state, &info);
    printf("per CCD (mean of %d after 1 warm-up): %.3f s wall, %.3f s CPU; verify %.3f s wall\n",
           reps, total / reps, total_cpu / reps, verify_s / (reps + 1));
    printf("brighter-fatter %d iterations (last sum|delta| %.3g e-), %zu saturated, %d overscan "
           "rows masked, %zu interpolated\n",
           info.bf_iterations, info.bf_last_diff, info.saturated_pixels, info.overscan_rows_masked,
           info.interpolated_pixels);
    printf("verify: %d of %d crosstalk ghost boxes checked, %d large enough to catch a missing "
           "correction\n",
           info.crosstalk_probes_checked, info.crosstalk_probes, info.crosstalk_probes_significant);
    printf("%-18s %9s %7s %9s %7s\n", "phase", "wall s", "share", "CPU s", "share");
    for (int p = 0; p < nph; p++) {
        double w = clocks.wall[p] / reps, c = clocks.cpu[p] / reps;
        printf("%-18s %9.4f %6.1f%% %9.4f %6.1f%%\n", k->phases[p], w, 100.0 * w / (total / reps),
               c, 100.0 * c / (total_cpu / reps));
    }
    k->teardown(state);
    return 0;
}
