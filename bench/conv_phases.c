/* The conv kernel as the driver runs it, alone on one core: seconds per
 * repetition and per phase at a preset, each phase's share, and the
 * kernel's figure (Mpix/s). Every repetition is verified.
 *
 *   build/bench/conv_phases [--preset ci|small|lsst] [--reps N]
 *
 * Default: lsst, 3 repetitions; medians of wall seconds (the standalone
 * context's phase clock) are printed, one line per measurement. */
#include "occbench/kernel.h"

#include "support/bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REPS 64
#define MAX_PH 8

int main(int argc, char **argv)
{
    ob_preset preset = OB_PRESET_LSST;
    int reps = 3;
    for (int a = 1; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(argv[a], "--preset") == 0 && v && ob_preset_parse(v, &preset) == 0)
            a++;
        else if (strcmp(argv[a], "--reps") == 0 && v && atoi(v) >= 1 && atoi(v) <= MAX_REPS)
            reps = atoi(v), a++;
        else {
            fprintf(stderr, "usage: conv_phases [--preset ci|small|lsst] [--reps 1..%d]\n",
                    MAX_REPS);
            return 2;
        }
    }
    const ob_kernel *k = ob_kernel_find("conv");
    ob_plan plan;
    if (!k || ob_kernel_plan(k, preset, NULL, NULL, &plan, NULL, 0) != OB_OK) {
        fprintf(stderr, "conv_phases: the conv kernel is not registered\n");
        return 1;
    }
    int nph = ob_kernel_phase_count(k);
    ob_ctx *ctx = ob_ctx_standalone(preset, NULL, ".");
    void *st = NULL;
    double t0 = bench_now();
    if (!ctx || k->setup(ctx, &st) != OB_OK) {
        fprintf(stderr, "conv_phases: setup: %s\n", ctx ? ob_ctx_error(ctx) : "out of memory");
        return 1;
    }
    double setup_s = bench_now() - t0;
    double rep_s[MAX_REPS], ph_s[MAX_PH][MAX_REPS], prev[MAX_PH] = {0};
    for (int r = 0; r < reps; r++) {
        t0 = bench_now();
        int rc = k->run(st, ctx);
        rep_s[r] = bench_now() - t0;
        char why[256] = "";
        if (rc != OB_OK || k->verify(st, why, sizeof why) != 0) {
            fprintf(stderr, "conv_phases: repetition %d: %s%s\n", r, ob_ctx_error(ctx), why);
            return 1;
        }
        for (int p = 0; p < nph && p < MAX_PH; p++) {
            double acc = ob_ctx_standalone_phase_seconds(ctx, p);
            ph_s[p][r] = acc - prev[p];
            prev[p] = acc;
        }
    }
    double rep_med = bench_median(rep_s, reps);
    printf("conv_phases preset=%s reps=%d setup_s=%.3f footprint_mb=%.1f (%s)\n",
           ob_preset_name(preset), reps, setup_s, 1e-6 * (double)plan.footprint_bytes,
           plan.description);
    printf("conv_phases preset=%s phase=all seconds=%.4f %s=%.2f\n", ob_preset_name(preset),
           rep_med, plan.figure_name, plan.figure_scale * plan.work_units / rep_med);
    for (int p = 0; p < nph && p < MAX_PH; p++) {
        double m = bench_median(ph_s[p], reps);
        printf("conv_phases preset=%s phase=%s seconds=%.4f share=%.2f\n", ob_preset_name(preset),
               k->phases[p], m, m / rep_med);
    }
    k->teardown(st);
    ob_ctx_standalone_free(ctx);
    return 0;
}
