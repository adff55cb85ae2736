/* occbench --list and --info: the kernels with their memory, plans and
 * options; the topology, default ladder, counters and node passport. */
#include "driver/run/info.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/procfs.h"
#include "driver/run/datadir.h"
#include "driver/measure/measure.h"
#include "driver/measure/papi_counters.h"
#include "driver/record/passport.h"
#include "driver/record/provenance.h"

static void print_kernel_options(const ob_kernel *k, const ob_kopt_values *v)
{
    for (int j = 0; j < ob_kernel_option_count(k); j++) {
        const ob_kopt *d = &k->options[j];
        char accepted[96];
        if (d->type == OB_KOPT_CHOICE)
            snprintf(accepted, sizeof accepted, "%s", d->choices);
        else if (d->type == OB_KOPT_REAL)
            snprintf(accepted, sizeof accepted, "%g..%g", d->min, d->max);
        else
            snprintf(accepted, sizeof accepted, "0|1");
        printf("         --kopt %s.%s=%s (default %s%s%s; now %s from %s)\n", k->name, d->name,
               accepted, d->default_value, d->env ? ", fallback " : "", d->env ? d->env : "",
               v->value[j], v->source[j]);
        printf("             %s\n", d->help);
    }
}

/* Every kernel, its memory per preset and plan description with the
 * options as given (--kopt), and its options with their defaults. */
void ob_info_print_list(const ob_machine *m, const ob_options *o)
{
    printf("%-8s %12s %12s %12s  %s\n", "kernel", "ci", "small", "lsst",
           "memory per rank; summary");
    for (size_t i = 0; i < ob_kernel_count(); i++) {
        const ob_kernel *k = ob_kernel_at(i);
        const ob_kopt_values *v = NULL;
        for (int s = 0; s < o->nkernels; s++)
            if (o->kernels[s] == k)
                v = &o->kopts[s];
        ob_kopt_values defaults;
        char why[256];
        if (!v && ob_kopts_resolve(k, NULL, 0, &defaults, why, sizeof why) == 0)
            v = &defaults;
        ob_plan plans[OB_PRESET_COUNT];
        int ok[OB_PRESET_COUNT];
        printf("%-8s", k->name);
        for (int p = 0; p < OB_PRESET_COUNT; p++) {
            ok[p] = ob_kernel_plan(k, (ob_preset)p, m, v, &plans[p], why, sizeof why) == 0;
            if (ok[p])
                printf(" %8.1f MiB", (double)plans[p].footprint_bytes / 1048576.0);
            else
                printf(" %12s", "n/a");
        }
        printf("  %s\n", k->summary);
        for (int p = 0; p < OB_PRESET_COUNT; p++)
            if (ok[p] && plans[p].description[0])
                printf("         %-6s %s\n", ob_preset_name((ob_preset)p), plans[p].description);
        if (v)
            print_kernel_options(k, v);
    }
}

void ob_info_print_info(const ob_topo *t, const ob_options *o)
{
    ob_machine m;
    ob_topo_machine(t, &m);
    printf("topology: %d package(s), %d NUMA node(s), %d L3 domain(s) of %d core(s), %d cores, "
           "%.1f GiB\n",
           ob_topo_package_count(t), ob_topo_numa_count(t), ob_topo_l3_domain_count(t),
           ob_topo_cores_per_l3(t), ob_topo_core_count(t),
           (double)ob_topo_memory_bytes(t) / 1073741824.0);
    printf("caches per core: L1d %zu KiB, L2 %zu KiB, L3 %zu KiB (shared by %d cores)\n",
           m.l1d_bytes / 1024, m.l2_bytes / 1024, m.l3_bytes / 1024, m.cores_per_l3);
    int ladder[OB_MAX_LADDER];
    int n = ob_topo_default_ladder(t, ob_topo_core_count(t), ladder, OB_MAX_LADDER);
    printf("default ladder (one rank per core):");
    for (int i = 0; i < n; i++)
        printf(" %d", ladder[i]);
    printf("\n\ncounters (metric -> event, or why none):\n");
    char path[PATH_MAX], label[64] = "", err[512] = "";
    ob_metric_source src[OB_METRIC_COUNT];
    if (ob_data_path("events.conf", path, sizeof path) != 0 ||
        ob_metrics_resolve(ob_papi_real_ops(), path, o->events, src, label, sizeof label, err,
                           sizeof err) != 0) {
        printf("  cannot resolve: %s\n", err[0] ? err : "events.conf not found");
    } else {
        printf("  CPU family section: %s\n", label);
        for (int i = 0; i < OB_METRIC_COUNT; i++)
            printf("  %-12s %-32s %s\n", ob_metric_name((ob_metric)i),
                   src[i].available ? src[i].event : "MISSING", src[i].reason);
    }
    int delayacct = ob_delayacct_state();
    printf("\ndelay accounting: %s\n",
           delayacct == 1 ? "on: the blocked term is the measured block-I/O delay, the rest of the "
                            "off-CPU time is reported as other off-CPU"
           : delayacct == 0
               ? "off: the blocked term is all off-CPU time (I/O included); sysctl -w "
                 "kernel.task_delayacct=1 (as root, before the launch) measures block-I/O delay"
               : "unknown (/proc/sys/kernel/task_delayacct unreadable): the blocked term is all "
                 "off-CPU time");
    printf("\nprovenance and node passport:\n");
    ob_kvlist prov = {0};
    ob_provenance_collect(&prov);
    ob_passport_collect(&prov, t, o->io_dir, o->output ? o->output : "results/x.h5");
    for (size_t i = 0; i < prov.n; i++)
        printf("  %-24s %s\n", prov.items[i].key, prov.items[i].value);
    ob_kvlist_free(&prov);
}
