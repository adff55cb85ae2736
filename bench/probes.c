/* The three probes on this machine, standalone (no MPI, no binding): the
 * clock probe next to /proc/cpuinfo's "cpu MHz", then triad GB/s, chase
 * ns/load and freq GHz per preset, median of a few repetitions after one
 * warm-up, every repetition verified.
 *
 *   build/bench/probes [presets...]      default: ci small
 *
 * Cache sizes come from /sys/devices/system/cpu/cpu0/cache (benches link
 * the kernels only, not hwloc); what is missing stays 0 and the kernels
 * use their documented defaults. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/freq_probe.h"
#include "occbench/kernel.h"

#include "support/bench_util.h"

#define REPS 5

static size_t read_size(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char buf[64] = "";
    size_t v = 0;
    if (fgets(buf, sizeof buf, f)) {
        char *end;
        v = strtoull(buf, &end, 10);
        if (*end == 'K')
            v <<= 10;
        else if (*end == 'M')
            v <<= 20;
    }
    fclose(f);
    return v;
}

static ob_machine sysfs_machine(void)
{
    ob_machine m;
    memset(&m, 0, sizeof m);
    for (int i = 0; i < 8; i++) {
        char path[128], type[32] = "";
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        FILE *f = fopen(path, "r");
        if (!f)
            break;
        if (!fgets(type, sizeof type, f))
            type[0] = '\0';
        fclose(f);
        if (strncmp(type, "Instruction", 11) == 0)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        size_t level = read_size(path);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        size_t size = read_size(path);
        if (level == 1)
            m.l1d_bytes = size;
        else if (level == 2)
            m.l2_bytes = size;
        else if (level == 3)
            m.l3_bytes = size;
    }
    return m;
}

static int bench(const char *name, ob_preset preset, const ob_machine *m)
{
    const ob_kernel *k = ob_kernel_find(name);
    ob_plan plan;
    if (!k || ob_kernel_plan(k, preset, m, NULL, &plan, NULL, 0) != OB_OK) {
        fprintf(stderr, "probes: kernel %s unavailable\n", name);
        return 1;
    }
    ob_ctx *ctx = ob_ctx_standalone(preset, m, "/tmp");
    void *state = NULL;
    if (!ctx || k->setup(ctx, &state) != OB_OK) {
        fprintf(stderr, "probes: %s setup failed: %s\n", name, ctx ? ob_ctx_error(ctx) : "");
        ob_ctx_standalone_free(ctx);
        return 1;
    }
    double fig[REPS];
    int bad = 0;
    for (int rep = -1; rep < REPS && !bad; rep++) { /* rep -1: warm-up */
        double before = ob_ctx_standalone_phase_seconds(ctx, 0);
        char why[512] = "";
        if (k->run(state, ctx) != OB_OK || k->verify(state, why, sizeof why) != 0) {
            fprintf(stderr, "probes: %s %s rep %d invalid: %s\n", name, ob_preset_name(preset), rep,
                    why[0] ? why : ob_ctx_error(ctx));
            bad = 1;
            break;
        }
        double s = ob_ctx_standalone_phase_seconds(ctx, 0) - before;
        if (rep >= 0)
            fig[rep] = plan.figure_inverse ? plan.figure_scale * s / plan.work_units
                                           : plan.figure_scale * plan.work_units / s;
    }
    if (!bad) {
        bench_sort(fig, REPS);
        printf("%-6s %-6s %9.3f %-8s (min %.3f, max %.3f; %s)\n", name, ob_preset_name(preset),
               fig[REPS / 2], plan.figure_name, fig[0], fig[REPS - 1], plan.description);
    }
    k->teardown(state);
    ob_ctx_standalone_free(ctx);
    return bad;
}

int main(int argc, char **argv)
{
    ob_machine m = sysfs_machine();
    printf("caches (sysfs, cpu0): L1d %zu KiB, L2 %zu KiB, L3 %zu KiB\n", m.l1d_bytes >> 10,
           m.l2_bytes >> 10, m.l3_bytes >> 10);
    double mhz = ob_cpuinfo_mhz();
    printf("freq probe (0.5 s, best chain): %.3f GHz; /proc/cpuinfo cpu MHz: %.1f\n",
           ob_freq_probe_ghz(0.5), mhz);
    const char *defaults[] = {"ci", "small"};
    int npresets = argc > 1 ? argc - 1 : 2;
    int failed = 0;
    printf("kernel preset   median   unit     (of %d repetitions after one warm-up)\n", REPS);
    for (int p = 0; p < npresets; p++) {
        const char *pname = argc > 1 ? argv[p + 1] : defaults[p];
        ob_preset preset;
        if (ob_preset_parse(pname, &preset) != 0) {
            fprintf(stderr, "probes: unknown preset \"%s\" (accepted: ci, small, lsst)\n", pname);
            return 2;
        }
        const char *names[] = {"triad", "chase", "freq"};
        for (int i = 0; i < 3; i++)
            failed |= bench(names[i], preset, &m);
    }
    return failed;
}
