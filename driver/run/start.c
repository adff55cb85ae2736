/* What a launch does once its checks passed, before the first step: name,
 * create or resume the results file, resolve and record the counters,
 * write /system. */
#include "driver/run/start.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/procfs.h"
#include "common/stats.h"
#include "driver/measure/builtin.h"
#include "driver/measure/measure.h"
#include "driver/measure/papi_counters.h"
#include "driver/record/passport.h"
#include "driver/record/provenance.h"
#include "driver/record/results.h"
#include "driver/run/checks.h"
#include "driver/run/datadir.h"
#include "kernels/framework.h"
#include "occbench/build_info.h"

static void name_output(run_state *rs)
{
    if (rs->opt.resume) {
        snprintf(rs->record.output, sizeof rs->record.output, "%s", rs->opt.resume);
        return;
    }
    if (rs->opt.output) {
        snprintf(rs->record.output, sizeof rs->record.output, "%s", rs->opt.output);
        return;
    }
    if (rs->launch.rank == 0) {
        char host[256] = "host", stamp[32];
        gethostname(host, sizeof host - 1);
        host[strcspn(host, ".")] = '\0';
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(rs->record.output, sizeof rs->record.output, "results/%s-%s.h5", host, stamp);
        mkdir("results", 0777); /* the default directory only; EEXIST is fine */
    }
    ob_launch_bcast_text(&rs->launch, 0, rs->record.output, sizeof rs->record.output);
}

void ob_start_default_output(run_state *rs)
{
    name_output(rs);
    /* a job's logs sit next to the results: FILE.job-NAME.rRANK.out|err */
    if (rs->opt.job.argc) {
        snprintf(rs->record.job_log_prefix, sizeof rs->record.job_log_prefix, "%.4000s.job-%.31s",
                 rs->record.output, rs->opt.job.name);
        ob_job_set_log_prefix(rs->record.job_log_prefix);
    }
}

static char *join_command(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}
int ob_start_open_results(run_state *rs, int argc, char **argv, char *err, size_t errlen)
{
    char config[4096];
    ob_options_config(&rs->opt, rs->plan.ladder, rs->plan.nladder, rs->launch.size,
                      rs->launch.nnodes, config, sizeof config);
    if (rs->opt.resume)
        return ob_results_resume(rs->launch.world, rs->record.output, config, &rs->record.results,
                                 err, errlen);
    char created[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    char *command = join_command(argc, argv);
    ob_run_info info = {OB_VERSION, rs->opt.site ? rs->opt.site : host, created,
                        command ? command : argv[0], config};
    int rc = ob_results_create(rs->launch.world, rs->record.output, rs->opt.force, &info,
                               &rs->record.results, err, errlen);
    free(command);
    return rc;
}
/* Resolve the metrics on every rank before anything is created, so a bad
 * --events is a usage error that leaves no file behind. */
int ob_start_resolve_counters(run_state *rs, char *err, size_t errlen)
{
    char path[PATH_MAX];
    int failed = ob_data_path("events.conf", path, sizeof path) != 0;
    if (failed)
        snprintf(err, errlen,
                 "events.conf not found (set OCCBENCH_DATA_DIR to the directory "
                 "holding it)");
    else
        failed =
            ob_metrics_resolve(ob_papi_real_ops(), path, rs->opt.events, rs->record.sources,
                               rs->record.cpu_label, sizeof rs->record.cpu_label, err, errlen) != 0;
    return ob_checks_agree(rs, failed, err, errlen);
}
/* Start counting on every rank; the node leaders' sources are what the
 * file records for each node. */
int ob_start_record_counters(run_state *rs, char *err, size_t errlen)
{
    char start_err[256] = "";
    ob_measure_start(rs->record.sources, start_err,
                     sizeof start_err); /* failures mark metrics missing */
    int nn = rs->launch.nnodes;
    ob_metric_source *all = calloc((size_t)nn * OB_METRIC_COUNT, sizeof *all);
    char(*labels)[64] = calloc((size_t)nn, sizeof *labels);
    const char **label_ptrs = calloc((size_t)nn, sizeof *label_ptrs);
    int rc = -1;
    if (all && labels && label_ptrs &&
        ob_launch_share_per_node(&rs->launch, rs->record.sources, sizeof rs->record.sources, all) ==
            0 &&
        ob_launch_share_per_node(&rs->launch, rs->record.cpu_label, sizeof rs->record.cpu_label,
                                 labels) == 0) {
        for (int i = 0; i < nn; i++)
            label_ptrs[i] = labels[i];
        rc = ob_results_write_counters(rs->record.results, all, label_ptrs, nn, err, errlen);
    }
    free(all);
    free(labels);
    free(label_ptrs);
    return rc;
}
/* OCCBENCH_* variables change what kernels do (e.g. OCCBENCH_GRID_STYLE),
 * so they are provenance: recorded as env_<NAME>. */
static void add_occbench_environment(ob_kvlist *prov)
{
    extern char **environ;
    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (strncmp(*e, "OCCBENCH_", 9) != 0 || !eq)
            continue;
        char key[128];
        snprintf(key, sizeof key, "env_%.*s", (int)(eq - *e), *e);
        ob_kvlist_add(prov, key, "%s", eq + 1);
    }
}
/* Whether the topology is this machine's: with HWLOC_SYNTHETIC or
 * HWLOC_XMLFILE (scale tests) binding is simulated, and the file says so. */
static void add_binding(ob_kvlist *prov, const ob_topo *topo)
{
    const char *synthetic = getenv("HWLOC_SYNTHETIC"), *xml = getenv("HWLOC_XMLFILE");
    if (synthetic && *synthetic)
        ob_kvlist_add(prov, "topology_source", "HWLOC_SYNTHETIC=%s", synthetic);
    else if (xml && *xml)
        ob_kvlist_add(prov, "topology_source", "HWLOC_XMLFILE=%s", xml);
    else
        ob_kvlist_add(prov, "topology_source", "this machine");
    if (ob_topo_is_this_system(topo))
        ob_kvlist_add(prov, "binding", "real: each active rank bound to its core");
    else
        ob_kvlist_add(prov, "binding",
                      "simulated: the topology is not this machine's; ranks are not bound and "
                      "share this machine's %ld CPUs",
                      sysconf(_SC_NPROCESSORS_ONLN));
}
int ob_start_write_system(run_state *rs, char *err, size_t errlen)
{
    ob_kvlist prov = {0};
    ob_provenance_collect(&prov);
    ob_kvlist_add(&prov, "ranks", "%d", rs->launch.size);
    ob_kvlist_add(&prov, "nodes", "%d", rs->launch.nnodes);
    ob_kvlist_add(&prov, "ranks_per_node_min", "%d", rs->launch.min_node_size);
    ob_kvlist_add(&prov, "ranks_per_node_max", "%d", rs->launch.max_node_size);
    /* what validate holds the shortest repetition against (STREAM's checktick) */
    ob_kvlist_add(&prov, "timer_resolution_s", "%.3g", ob_clock_tick(CLOCK_MONOTONIC));
    ob_kvlist_add(&prov, "cpu_timer_resolution_s", "%.3g", ob_clock_tick(CLOCK_THREAD_CPUTIME_ID));
    /* each rank's pss_kb (NaN when this kernel has no smaps_rollup, < 4.14) */
    double pss = ob_meminfo_bytes(OB_PROC_SMAPS_ROLLUP, "Pss");
    if (isfinite(pss))
        ob_kvlist_add(&prov, "pss_source", "%s", OB_PROC_SMAPS_ROLLUP);
    else
        ob_kvlist_add(&prov, "pss_source", "unreadable: %s has no Pss line (Linux < 4.14?)",
                      OB_PROC_SMAPS_ROLLUP);
    ob_kvlist_add(&prov, "cores_per_node", "%d", rs->cores);
    ob_kvlist_add(&prov, "cores_per_l3", "%d", ob_topo_cores_per_l3(rs->topo));
    ob_kvlist_add(&prov, "l3_domains", "%d", ob_topo_l3_domain_count(rs->topo));
    ob_kvlist_add(&prov, "l3_bytes", "%zu", rs->machine.l3_bytes);
    ob_kvlist_add(&prov, "memory_bytes", "%zu", ob_topo_memory_bytes(rs->topo));
    ob_kvlist_add(&prov, "preset", "%s", ob_preset_name(rs->opt.preset));
    ob_kvlist_add(&prov, "window_s", "%g", rs->opt.window);
    ob_kvlist_add(&prov, "min_reps", "%d", rs->opt.min_reps);
    ob_kvlist_add(&prov, "io_dir", "%s", rs->opt.io_dir);
    ob_kvlist_add(&prov, "site", "%s", rs->opt.site ? rs->opt.site : "");
    add_binding(&prov, rs->topo);
    ob_passport_collect(&prov, rs->topo, rs->opt.io_dir, rs->record.output);
    add_occbench_environment(&prov);
    if (rs->opt.job.argc) {
        char counters[1024];
        ob_job_counters_report(counters, sizeof counters);
        ob_kvlist_add(&prov, "job_counters", "%s", counters);
        ob_kvlist_add(&prov, "job_logs", "%s.rRANK.out, .err", rs->record.job_log_prefix);
    }
    /* where the clock of the decomposition comes from on this node */
    ob_kvlist_add(&prov, "clock_source", "%s",
                  !rs->record.sources[OB_METRIC_CYCLES].available ? "probe (dependent-add chain)"
                  : ob_builtin_kind(rs->record.sources[OB_METRIC_CYCLES].event)
                      ? "APERF via the msr PMU (cycles metric)"
                      : "cycle counter (cycles metric)");
    for (int i = 0; rs->opt.calibrate && i < ob_calibration_count(); i++)
        if (ob_calibration_at(i)->inject != OB_INJECT_NONE) {
            char key[64];
            snprintf(key, sizeof key, "calibration_%s",
                     ob_inject_name(ob_calibration_at(i)->inject));
            ob_kvlist_add(&prov, key, "%s%s", rs->plan.calibration_ok[i] ? "ran" : "not run: ",
                          rs->plan.calibration_ok[i] ? "" : rs->plan.calibration_why[i]);
        }

    char host[256] = "";
    gethostname(host, sizeof host - 1);
    int nn = rs->launch.nnodes;
    char(*hosts)[256] = calloc((size_t)nn, sizeof *hosts);
    const char **host_ptrs = calloc((size_t)nn, sizeof *host_ptrs);
    char *xml = rs->launch.rank == 0 ? ob_topo_xml(rs->topo) : NULL;
    int rc = -1;
    if (hosts && host_ptrs &&
        ob_launch_share_per_node(&rs->launch, host, sizeof host, hosts) == 0) {
        for (int i = 0; i < nn; i++)
            host_ptrs[i] = hosts[i];
        rc = ob_results_write_system(rs->record.results, prov.items, prov.n, host_ptrs, nn,
                                     xml ? xml : "", err, errlen);
    }
    free(xml);
    free(hosts);
    free(host_ptrs);
    ob_kvlist_free(&prov);
    return rc;
}
/* What a phase's pair of marks costs (two snapshots and a delta), so the
 * analysis can flag phases too short to measure: the median of 200 pairs. */
double ob_phase_mark_cost(void)
{
    double t[200];
    for (int i = 0; i < 200; i++) {
        ob_snapshot a, b;
        ob_sample d;
        double t0 = ob_now();
        ob_measure_snapshot(&a);
        ob_measure_snapshot(&b);
        ob_measure_delta(&a, &b, &d);
        t[i] = ob_now() - t0;
    }
    return ob_median(t, 200);
}
