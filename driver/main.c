/* occbench: one launch walks every node through the occupancy ladder.
 *
 *   mpirun -n 128 occbench [options]
 *
 * Flow: parse (every rank, identically) -> check the input against the
 * nodes (nothing is created before every check passed) -> create or resume
 * the results file -> resolve counters, record provenance, start the node
 * samplers -> for every step (kernel, placement, k): set up, measure, write
 * and flush, print progress -> mark the file complete. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "occbench/build_info.h"
#include "driver/run/datadir.h"
#include "driver/node/launch.h"
#include "driver/measure/measure.h"
#include "driver/measure/builtin.h"
#include "driver/measure/papi_counters.h"
#include "driver/run/options.h"
#include "driver/node/park.h"
#include "driver/record/passport.h"
#include "driver/record/provenance.h"
#include "driver/record/results.h"
#include "driver/measure/sampler.h"
#include "driver/run/step.h"
#include "common/procfs.h"
#include "common/stats.h"
#include "common/summary.h"
#include "driver/node/topo.h"
#include "driver/run/info.h"
#include "driver/run/run_state.h"
#include "kernels/framework.h"

static void on_sigterm(int sig)
{
    (void)sig;
    ob_stop_requested = 1;
}

static int say_usage_error(const ob_launch *l, const char *msg)
{
    if (l->rank == 0)
        fprintf(stderr, "occbench: %s\n", msg);
    return OB_EXIT_USAGE;
}

/* Returns -1 when the run goes on, else the exit status. */
static int early_exit(run_state *rs)
{
    const ob_options *o = &rs->opt;
    if (!(o->help || o->version || o->list || o->info))
        return -1;
    if (rs->launch.rank == 0) {
        if (o->help)
            ob_options_usage(stdout);
        else if (o->version)
            printf("occbench %s (git %s, %s, %s)\n", OB_VERSION, OB_GIT_REVISION, OB_COMPILER,
                   OB_BUILD_TYPE);
        else if (o->list)
            ob_info_print_list(&rs->machine, &rs->opt);
        else
            ob_info_print_info(rs->topo, o);
        fflush(stdout);
    }
    return OB_EXIT_OK;
}

/* ---- checks before anything is created ------------------------------------- */

static int resolve_ladder(run_state *rs, char *err, size_t errlen)
{
    const ob_launch *l = &rs->launch;
    /* --dry-run plans the launch it will be: one rank per core */
    int node_ranks = rs->opt.dry_run ? rs->cores : l->min_node_size;
    if (rs->opt.occupancy_auto) {
        rs->nladder = ob_topo_default_ladder(rs->topo, node_ranks, rs->ladder, OB_MAX_LADDER);
        return 0;
    }
    for (int i = 0; i < rs->opt.noccupancy; i++) {
        if (rs->opt.occupancy[i] > node_ranks) {
            snprintf(err, errlen,
                     "--occupancy: %d is above the %d rank(s) per node of this launch "
                     "(accepted: 1 to %d; launch one rank per core to reach every core)",
                     rs->opt.occupancy[i], node_ranks, node_ranks);
            return -1;
        }
        rs->ladder[i] = rs->opt.occupancy[i];
    }
    rs->nladder = rs->opt.noccupancy;
    return 0;
}

static int check_calibration(run_state *rs, char *err, size_t errlen);

static int io_dir_is_tmpfs(const char *dir)
{
    char fs[128], mount[PATH_MAX];
    return ob_fs_of_path(dir, fs, sizeof fs, mount, sizeof mount) == 0 && !strcmp(fs, "tmpfs");
}

/* Does a selected kernel have datastore I/O phases? */
static int uses_datastore(const ob_options *o)
{
    for (int i = 0; i < o->nkernels; i++)
        for (int p = 0; o->kernels[i]->phase_classes && o->kernels[i]->phases[p]; p++)
            if (o->kernels[i]->phase_classes[p] == OB_PHASE_IO)
                return 1;
    return 0;
}

/* What a phase's pair of marks costs (two snapshots and a delta), so the
 * analysis can flag phases too short to measure: the median of 200 pairs. */
static double phase_mark_cost(void)
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

/* Every selected kernel's plan, once per launch: a kernel that refuses its
 * preset or options is bad input. */
static int plan_kernels(run_state *rs, char *err, size_t errlen)
{
    for (int i = 0; i < rs->opt.nkernels; i++) {
        char why[256];
        if (ob_kernel_plan(rs->opt.kernels[i], rs->opt.preset, &rs->machine, &rs->opt.kopts[i],
                           &rs->plans[i], why, sizeof why) != 0) {
            snprintf(err, errlen, "kernel %s cannot run at --preset %s: %s",
                     rs->opt.kernels[i]->name, ob_preset_name(rs->opt.preset), why);
            return -1;
        }
    }
    return 0;
}

/* The largest k of the ladder times each kernel's footprint must fit in
 * the node's available memory (checked on every node). */
static int check_memory(run_state *rs, char *err, size_t errlen)
{
    int kmax = rs->ladder[rs->nladder - 1];
    double avail =
        rs->launch.node_rank == 0 ? ob_meminfo_bytes(OB_PROC_MEMINFO, "MemAvailable") : INFINITY;
    int bad = 0;
    for (int i = 0; i < rs->opt.nkernels && !bad; i++) {
        const ob_plan plan = rs->plans[i];
        double need = (double)plan.footprint_bytes * kmax;
        if (isfinite(avail) && need > avail) {
            snprintf(err, errlen,
                     "--preset %s: kernel %s needs %.1f GiB per rank x %d ranks = %.1f GiB, "
                     "above the %.1f GiB available on this node (accepted: a smaller preset, "
                     "fewer --kernels, or a lower --occupancy)",
                     ob_preset_name(rs->opt.preset), rs->opt.kernels[i]->name,
                     (double)plan.footprint_bytes / 1073741824.0, kmax, need / 1073741824.0,
                     avail / 1073741824.0);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

static int check_io_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    const char *why = NULL;
    if (stat(dir, &st) != 0)
        why = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "not a directory"; /* errno is stale here: say what is wrong */
    else if (access(dir, W_OK | X_OK) != 0)
        why = strerror(errno);
    if (why) {
        snprintf(err, errlen, "--io-dir %s: %s (accepted: an existing writable directory)", dir,
                 why);
        return -1;
    }
    return 0;
}

/* A run killed during an io or isr step (SIGKILL, a node crash) leaves its
 * data files in the I/O directory; each node's leader removes its host's. */
static void remove_stale_data(const run_state *rs)
{
    if (rs->launch.node_rank != 0)
        return;
    char first[256] = "";
    int n = ob_kernels_remove_stale_files(rs->opt.io_dir, first, sizeof first);
    if (n > 0)
        fprintf(stderr, "occbench: removed %d data file%s a killed run left in %s (%s%s)\n", n,
                n == 1 ? "" : "s", rs->opt.io_dir, first, n > 1 ? ", ..." : "");
}

/* Every rank runs the checks; they agree on the first failing rank's message. */
static int checks_agree(run_state *rs, int failed, char *err, size_t errlen)
{
    int first = ob_launch_first_failing(&rs->launch, failed);
    if (first < 0)
        return 0;
    ob_launch_bcast_text(&rs->launch, first, err, errlen);
    return -1;
}

static void default_output(run_state *rs)
{
    if (rs->opt.resume) {
        snprintf(rs->output, sizeof rs->output, "%s", rs->opt.resume);
        return;
    }
    if (rs->opt.output) {
        snprintf(rs->output, sizeof rs->output, "%s", rs->opt.output);
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
        snprintf(rs->output, sizeof rs->output, "results/%s-%s.h5", host, stamp);
        mkdir("results", 0777); /* the default directory only; EEXIST is fine */
    }
    ob_launch_bcast_text(&rs->launch, 0, rs->output, sizeof rs->output);
}

/* ---- set-up ---------------------------------------------------------------- */

static void add_step(run_state *rs, int ki, ob_placement p, int k, const char *label,
                     ob_inject_kind inject)
{
    step_def *sd = &rs->steps[rs->nsteps++];
    *sd = (step_def){rs->opt.kernels[ki], p,  k,  label, inject, &rs->opt.kopts[ki],
                     rs->plans[ki],       "", "", -1};
    ob_kopts_canonical(sd->kernel, sd->kopts, sd->kernel_options, sizeof sd->kernel_options);
    ob_kernel_phase_classes(sd->kernel, sd->phase_classes, sizeof sd->phase_classes);
}

/* Which injections --calibrate runs (with the kernel each needs), or why not. */
static const struct {
    const char *kernel;
    ob_inject_kind inject;
} calibration[] = {
    {"freq", OB_INJECT_NONE},       {"freq", OB_INJECT_CPU_HOG},    {"freq", OB_INJECT_CLOCK_CAP},
    {"triad", OB_INJECT_NONE},      {"triad", OB_INJECT_STREAMERS}, {"io", OB_INJECT_NONE},
    {"io", OB_INJECT_FSYNC_WRITER},
};
enum { NCALIBRATION = sizeof calibration / sizeof calibration[0] };

static int kernel_index(const run_state *rs, const char *name)
{
    for (int i = 0; i < rs->opt.nkernels; i++)
        if (!strcmp(rs->opt.kernels[i]->name, name))
            return i;
    return -1;
}

/* Rank 0's node decides (every node gets the same steps); the verdicts go
 * to /system as calibration_<injection>. */
static void calibration_possible(run_state *rs, int *possible, char (*why)[256])
{
    int *order = calloc((size_t)rs->cores, sizeof *order);
    int target = 0, others[64], nothers = 0;
    if (order) {
        ob_topo_order(rs->topo, OB_PLACE_COMPACT, order, rs->cores);
        ob_calibration_cores(rs, order, &target, others, &nothers);
    }
    for (int i = 0; i < NCALIBRATION; i++) {
        why[i][0] = '\0';
        possible[i] =
            calibration[i].inject == OB_INJECT_NONE ||
            ob_inject_possible(calibration[i].inject, target, others, nothers, rs->opt.io_dir,
                               rs->opt.calibrate_khz, why[i], sizeof why[i]) == 0;
    }
    free(order);
    ob_sleep_bcast(possible, NCALIBRATION, MPI_INT, 0, rs->launch.world);
    ob_sleep_bcast(why, NCALIBRATION * 256, MPI_CHAR, 0, rs->launch.world);
}

/* --calibrate needs a second rank per node to host the injections and a
 * second core; the verdict of every injection is taken before the file. */
static int check_calibration(run_state *rs, char *err, size_t errlen)
{
    if (!rs->opt.calibrate)
        return 0;
    if (rs->launch.min_node_size < 2 || rs->cores < 2) {
        snprintf(err, errlen,
                 "--calibrate: %d rank(s) per node on %d core(s) (accepted: at least 2 ranks per "
                 "node on at least 2 cores: one measures, one hosts the injected contention)",
                 rs->launch.min_node_size, rs->cores);
        return -1;
    }
    calibration_possible(rs, rs->calibration_ok, rs->calibration_why);
    for (int i = 0; rs->launch.rank == 0 && i < NCALIBRATION; i++)
        if (!rs->calibration_ok[i])
            fprintf(stderr, "occbench: --calibrate: %s not run: %s\n",
                    ob_inject_name(calibration[i].inject), rs->calibration_why[i]);
    return 0;
}

/* 1 when the first k cores of placements a and b are the same set. */
static int same_cores(const run_state *rs, ob_placement a, ob_placement b, int k)
{
    int *oa = calloc((size_t)rs->cores, sizeof *oa), *ob = calloc((size_t)rs->cores, sizeof *ob);
    char *in_a = calloc((size_t)rs->cores, 1);
    int same = oa && ob && in_a && k <= rs->cores;
    if (same) {
        ob_topo_order(rs->topo, a, oa, rs->cores);
        ob_topo_order(rs->topo, b, ob, rs->cores);
        for (int i = 0; i < k; i++)
            in_a[oa[i]] = 1;
        for (int i = 0; i < k && same; i++)
            same = in_a[ob[i]];
    }
    free(oa);
    free(ob);
    free(in_a);
    return same;
}

/* Compact and spread are the same cores at k=1 and k=cores (and wherever
 * else the orders agree): such a step is measured once, and its group is
 * linked under the other placement. */
static void link_same_core_sets(run_state *rs)
{
    for (int i = 0; i < rs->nsteps; i++)
        for (int j = 0; j < i && rs->steps[i].same_as < 0; j++) {
            const step_def *a = &rs->steps[j], *b = &rs->steps[i];
            if (a->kernel == b->kernel && a->k == b->k && a->placement != b->placement &&
                a->inject == OB_INJECT_NONE && b->inject == OB_INJECT_NONE && a->same_as < 0 &&
                same_cores(rs, a->placement, b->placement, a->k))
                rs->steps[i].same_as = j;
        }
}

static void build_steps(run_state *rs)
{
    size_t most = (size_t)rs->opt.nkernels * (size_t)rs->opt.nplacements * (size_t)rs->nladder;
    rs->steps = calloc(most + NCALIBRATION, sizeof *rs->steps);
    rs->nsteps = 0;
    if (rs->opt.calibrate) {
        for (int i = 0; i < NCALIBRATION; i++)
            if (rs->calibration_ok[i])
                add_step(rs, kernel_index(rs, calibration[i].kernel), OB_PLACE_COMPACT, 1,
                         ob_inject_name(calibration[i].inject), calibration[i].inject);
        return;
    }
    for (int ki = 0; ki < rs->opt.nkernels; ki++)
        for (int p = 0; p < rs->opt.nplacements; p++)
            for (int i = 0; i < rs->nladder; i++)
                add_step(rs, ki, rs->opt.placements[p], rs->ladder[i],
                         ob_placement_name(rs->opt.placements[p]), OB_INJECT_NONE);
    link_same_core_sets(rs);
}

/* ---- the time plan: --dry-run, --budget, the ETA ------------------------------ */

/* A full ladder of every kernel at the production preset fits half an hour
 * on a 128-core node (docs/ARCHITECTURE.md, "A ladder that fits"). */
#define OB_DEFAULT_BUDGET_S 1800.0

/* Seconds the whole ladder takes by the model with this window. */
static double ladder_seconds(const run_state *rs, double window, double *per_step)
{
    double total = 0;
    for (int i = 0; i < rs->nsteps; i++) {
        const step_def *sd = &rs->steps[i];
        double t = 0;
        if (sd->same_as < 0)
            t = ob_steptime_step(&rs->steptime,
                                 ob_steptime_find(&rs->steptime, sd->kernel->name, rs->opt.preset),
                                 window, rs->opt.min_reps, sd->k, rs->cores);
        if (per_step)
            per_step[i] = t;
        total += t;
    }
    return total;
}

/* The step that the minimum repetitions make longest, for the refusal. */
static const step_def *slowest_floor(const run_state *rs, double *floor_s)
{
    const step_def *worst = NULL;
    *floor_s = 0;
    for (int i = 0; i < rs->nsteps; i++) {
        const step_def *sd = &rs->steps[i];
        double f = ob_steptime_floor(
            &rs->steptime, ob_steptime_find(&rs->steptime, sd->kernel->name, rs->opt.preset),
            rs->opt.min_reps, sd->k, rs->cores);
        if (sd->same_as < 0 && f > *floor_s) {
            *floor_s = f;
            worst = sd;
        }
    }
    return worst;
}

/* --budget: the longest window (0.1 s .. 60 s) whose ladder fits. */
static int choose_window(run_state *rs, char *err, size_t errlen)
{
    const double lo_window = 0.1, hi_window = 60.0;
    double at_least = ladder_seconds(rs, lo_window, NULL);
    if (at_least > rs->opt.budget) {
        double floor_s;
        const step_def *worst = slowest_floor(rs, &floor_s);
        snprintf(err, errlen,
                 "--budget %.3g min: the ladder needs about %.1f min even with a %.1f s window "
                 "(slowest: %s k=%d, %d repetitions take about %.1f s; accepted: a --budget of "
                 "at least %.0fm, or fewer --min-reps, --kernels or --occupancy levels)",
                 rs->opt.budget / 60.0, at_least / 60.0, lo_window,
                 worst ? worst->kernel->name : "?", worst ? worst->k : 0, rs->opt.min_reps, floor_s,
                 ceil(at_least / 60.0));
        return -1;
    }
    double lo = lo_window, hi = hi_window;
    if (ladder_seconds(rs, hi, NULL) <= rs->opt.budget)
        lo = hi;
    for (int it = 0; it < 60 && hi - lo > 0.01; it++) {
        double mid = 0.5 * (lo + hi);
        if (ladder_seconds(rs, mid, NULL) <= rs->opt.budget)
            lo = mid;
        else
            hi = mid;
    }
    rs->opt.window = floor(lo * 10.0) / 10.0;
    return 0;
}

/* Neither --window nor --budget: the default window (10 s), shortened
 * where the ladder would otherwise outlast OB_DEFAULT_BUDGET_S. */
static void fit_default_budget(run_state *rs)
{
    double window = rs->opt.window;
    if (ladder_seconds(rs, window, NULL) <= OB_DEFAULT_BUDGET_S)
        return;
    char err[512];
    rs->opt.budget = OB_DEFAULT_BUDGET_S;
    int fits = choose_window(rs, err, sizeof err) == 0;
    rs->opt.budget = 0;
    if (!fits) {
        rs->opt.window = window;
        if (rs->launch.rank == 0)
            fprintf(stderr,
                    "occbench: warning: the ladder takes about %.0f min, above the default "
                    "%.0f-minute budget even with short windows (fewer levels or kernels, or "
                    "--budget, make it fit)\n",
                    ceil(ladder_seconds(rs, window, NULL) / 60.0), OB_DEFAULT_BUDGET_S / 60.0);
    } else if (rs->launch.rank == 0 && !rs->opt.dry_run) {
        printf("window %.3g s (not %.3g s): the ladder then fits the default %.0f-minute budget "
               "(--window or --budget choose otherwise)\n",
               rs->opt.window, window, OB_DEFAULT_BUDGET_S / 60.0);
    }
}

/* Load the reference times; --budget and --dry-run need them, the ETA
 * falls back to elapsed time without. */
static int plan_time(run_state *rs, char *err, size_t errlen)
{
    char path[PATH_MAX], why[512] = "";
    rs->have_steptime = ob_data_path("step_time.conf", path, sizeof path) == 0 &&
                        ob_steptime_load(path, &rs->steptime, why, sizeof why) == 0;
    if (!rs->have_steptime && (rs->opt.budget > 0 || rs->opt.dry_run)) {
        snprintf(err, errlen, "%s: %s (set OCCBENCH_DATA_DIR to the directory holding it)",
                 rs->opt.budget > 0 ? "--budget" : "--dry-run",
                 why[0] ? why : "step_time.conf not found");
        return -1;
    }
    if (!rs->have_steptime)
        return 0;
    if (rs->opt.budget > 0 && choose_window(rs, err, errlen) != 0)
        return -1;
    if (rs->opt.budget <= 0 && !rs->opt.window_given && !rs->opt.calibrate)
        fit_default_budget(rs);
    free(rs->estimate);
    rs->estimate = calloc((size_t)rs->nsteps + 1, sizeof *rs->estimate);
    if (rs->estimate)
        ladder_seconds(rs, rs->opt.window, rs->estimate);
    return 0;
}

/* Rank 0: the plan; every step with --dry-run, else only its last line. */
static void print_plan(const run_state *rs, int steps)
{
    if (rs->launch.rank != 0)
        return;
    int linked = 0;
    double total = 0;
    for (int i = 0; i < rs->nsteps; i++) {
        const step_def *sd = &rs->steps[i];
        linked += sd->same_as >= 0;
        total += rs->estimate ? rs->estimate[i] : 0;
        if (!steps)
            continue;
        if (sd->same_as >= 0)
            printf("%4d  %-7s %-7s k=%-4d the cores of step %d: measured once, linked\n", i + 1,
                   sd->kernel->name, sd->label, sd->k, sd->same_as + 1);
        else
            printf("%4d  %-7s %-7s k=%-4d about %6.1f s%s\n", i + 1, sd->kernel->name, sd->label,
                   sd->k, rs->estimate ? rs->estimate[i] : NAN,
                   ob_steptime_find(&rs->steptime, sd->kernel->name, rs->opt.preset)
                       ? ""
                       : " (no reference time: window + 1 s)");
    }
    printf("planned: %d steps, about %.0f min (%d measured, %d linked; preset %s, window %.3g s, "
           "min-reps %d, %d cores per node; times from %s)\n",
           rs->nsteps, ceil(total / 60.0), rs->nsteps - linked, linked,
           ob_preset_name(rs->opt.preset), rs->opt.window, rs->opt.min_reps, rs->cores,
           rs->steptime.source);
    fflush(stdout);
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

static int open_results(run_state *rs, int argc, char **argv, char *err, size_t errlen)
{
    char config[4096];
    ob_options_config(&rs->opt, rs->ladder, rs->nladder, rs->launch.size, rs->launch.nnodes, config,
                      sizeof config);
    if (rs->opt.resume)
        return ob_results_resume(rs->launch.world, rs->output, config, &rs->results, err, errlen);
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
    int rc = ob_results_create(rs->launch.world, rs->output, rs->opt.force, &info, &rs->results,
                               err, errlen);
    free(command);
    return rc;
}

/* Resolve the metrics on every rank before anything is created, so a bad
 * --events is a usage error that leaves no file behind. */
static int resolve_counters(run_state *rs, char *err, size_t errlen)
{
    char path[PATH_MAX];
    int failed = ob_data_path("events.conf", path, sizeof path) != 0;
    if (failed)
        snprintf(err, errlen,
                 "events.conf not found (set OCCBENCH_DATA_DIR to the directory "
                 "holding it)");
    else
        failed = ob_metrics_resolve(ob_papi_real_ops(), path, rs->opt.events, rs->sources,
                                    rs->cpu_label, sizeof rs->cpu_label, err, errlen) != 0;
    return checks_agree(rs, failed, err, errlen);
}

/* Start counting on every rank; the node leaders' sources are what the
 * file records for each node. */
static int record_counters(run_state *rs, char *err, size_t errlen)
{
    char start_err[256] = "";
    ob_measure_start(rs->sources, start_err, sizeof start_err); /* failures mark metrics missing */
    int nn = rs->launch.nnodes;
    ob_metric_source *all = calloc((size_t)nn * OB_METRIC_COUNT, sizeof *all);
    char(*labels)[64] = calloc((size_t)nn, sizeof *labels);
    const char **label_ptrs = calloc((size_t)nn, sizeof *label_ptrs);
    int rc = -1;
    if (all && labels && label_ptrs &&
        ob_launch_share_per_node(&rs->launch, rs->sources, sizeof rs->sources, all) == 0 &&
        ob_launch_share_per_node(&rs->launch, rs->cpu_label, sizeof rs->cpu_label, labels) == 0) {
        for (int i = 0; i < nn; i++)
            label_ptrs[i] = labels[i];
        rc = ob_results_write_counters(rs->results, all, label_ptrs, nn, err, errlen);
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

static int write_system(run_state *rs, char *err, size_t errlen)
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
    ob_passport_collect(&prov, rs->topo, rs->opt.io_dir, rs->output);
    add_occbench_environment(&prov);
    /* where the clock of the decomposition comes from on this node */
    ob_kvlist_add(&prov, "clock_source", "%s",
                  !rs->sources[OB_METRIC_CYCLES].available ? "probe (dependent-add chain)"
                  : ob_builtin_kind(rs->sources[OB_METRIC_CYCLES].event)
                      ? "APERF via the msr PMU (cycles metric)"
                      : "cycle counter (cycles metric)");
    for (int i = 0; rs->opt.calibrate && i < NCALIBRATION; i++)
        if (calibration[i].inject != OB_INJECT_NONE) {
            char key[64];
            snprintf(key, sizeof key, "calibration_%s", ob_inject_name(calibration[i].inject));
            ob_kvlist_add(&prov, key, "%s%s", rs->calibration_ok[i] ? "ran" : "not run: ",
                          rs->calibration_ok[i] ? "" : rs->calibration_why[i]);
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
        rc = ob_results_write_system(rs->results, prov.items, prov.n, host_ptrs, nn, xml ? xml : "",
                                     err, errlen);
    }
    free(xml);
    free(hosts);
    free(host_ptrs);
    ob_kvlist_free(&prov);
    return rc;
}

/* ---- main -------------------------------------------------------------------- */

static int prepare(run_state *rs, int argc, char **argv)
{
    char err[1024] = "";
    int failed = resolve_ladder(rs, err, sizeof err) != 0 || plan_kernels(rs, err, sizeof err) != 0;
    if (checks_agree(rs, failed, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    failed = check_calibration(rs, err, sizeof err) != 0;
    if (checks_agree(rs, failed, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    build_steps(rs);
    failed = plan_time(rs, err, sizeof err) != 0;
    if (checks_agree(rs, failed, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    if (rs->opt.dry_run) {
        /* what can be checked without this node being the node: the syntax of
         * --events and the I/O directory the user named */
        failed = ob_metrics_check_overrides(rs->opt.events, err, sizeof err) != 0 ||
                 check_io_dir(rs->opt.io_dir, err, sizeof err) != 0;
        if (checks_agree(rs, failed, err, sizeof err) != 0)
            return say_usage_error(&rs->launch, err);
        print_plan(rs, 1);
        return OB_EXIT_OK;
    }
    if (rs->launch.rank == 0 && rs->have_steptime)
        print_plan(rs, 0);
    failed = check_memory(rs, err, sizeof err) != 0;
    if (!failed)
        failed = check_io_dir(rs->opt.io_dir, err, sizeof err) != 0;
    if (checks_agree(rs, failed, err, sizeof err) != 0 ||
        resolve_counters(rs, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    remove_stale_data(rs);
    if (rs->launch.rank == 0 && io_dir_is_tmpfs(rs->opt.io_dir) && uses_datastore(&rs->opt))
        fprintf(stderr,
                "occbench: warning: --io-dir %s is tmpfs: the io and isr kernels then move "
                "memory, not block I/O (give a directory on the file system jobs use)\n",
                rs->opt.io_dir);
    if (rs->launch.rank == 0 && rs->launch.min_node_size > rs->cores)
        fprintf(stderr,
                "occbench: warning: %d ranks per node on %d cores: ranks share cores, "
                "results do not describe the node\n",
                rs->launch.min_node_size, rs->cores);
    default_output(rs);
    int open_rc = open_results(rs, argc, argv, err, sizeof err);
    if (open_rc == OB_RESULTS_IO_FAILED) {
        if (rs->launch.rank == 0)
            fprintf(stderr, "occbench: %s\n", err);
        return OB_EXIT_FAILED;
    }
    if (open_rc != 0)
        return say_usage_error(&rs->launch, err);
    if (record_counters(rs, err, sizeof err) != 0 || write_system(rs, err, sizeof err) != 0 ||
        ob_results_commit(rs->results, err, sizeof err) != 0) {
        if (rs->launch.rank == 0)
            fprintf(stderr, "occbench: %s\n", err);
        return OB_EXIT_FAILED;
    }
    rs->phase_mark_cost = phase_mark_cost();
    if (rs->launch.node_rank == 0)
        rs->sampler = ob_sampler_start(rs->opt.sample_period, rs->epoch);
    return -1;
}

/* Rank 0: the harness's time between steps (gather, write, set-up), so
 * its cost is a number in every log. */
static void report_between(const run_state *rs)
{
    double *gaps = malloc((size_t)rs->nsteps * sizeof *gaps + 1);
    size_t n = 0;
    for (int i = 0; gaps && rs->between && i < rs->nsteps; i++)
        if (isfinite(rs->between[i]))
            gaps[n++] = rs->between[i];
    if (n) {
        double max = gaps[0];
        for (size_t i = 1; i < n; i++)
            max = gaps[i] > max ? gaps[i] : max;
        printf("time between steps: median %.3f s, max %.3f s over %zu gaps (gathers, write, "
               "set-up)\n",
               ob_median(gaps, n), max, n);
    }
    free(gaps);
}

static int finish(run_state *rs, int ladder_rc, int interrupted, const char *err)
{
    char cerr[512] = "";
    /* The samplers' last samples (after the last step) join the series. */
    if (rs->sampler)
        ob_sampler_stop(rs->sampler);
    int close_rc = ladder_rc == 0 ? ob_ladder_write_monitor(rs, cerr, sizeof cerr) : 0;
    if (rs->sampler)
        ob_sampler_free(rs->sampler);
    rs->sampler = NULL;
    int complete = ladder_rc == 0 && !interrupted && close_rc == 0;
    if (ob_results_close(rs->results, complete, cerr, sizeof cerr) != 0)
        close_rc = -1;
    rs->results = NULL;
    if (rs->launch.rank != 0)
        return ladder_rc || close_rc ? OB_EXIT_FAILED : interrupted ? OB_EXIT_INTERRUPTED : 0;
    report_between(rs);
    if (ladder_rc != 0) {
        fprintf(stderr, "occbench: writing %s failed: %s\n", rs->output, err);
        return OB_EXIT_FAILED;
    }
    if (close_rc != 0) {
        fprintf(stderr, "occbench: closing %s failed: %s\n", rs->output, cerr);
        return OB_EXIT_FAILED;
    }
    if (interrupted) {
        fprintf(stderr,
                "occbench: interrupted by SIGTERM; %s holds every finished step; continue "
                "with: occbench --resume %s (same options)\n",
                rs->output, rs->output);
        return OB_EXIT_INTERRUPTED;
    }
    if (rs->failed_steps) {
        fprintf(stderr, "occbench: %d step(s) FAILED validation or could not run; first: %s\n",
                rs->failed_steps, rs->first_failure);
        printf("results: %s\n", rs->output);
        return OB_EXIT_FAILED;
    }
    printf("all steps validated; results: %s\n", rs->output);
    return OB_EXIT_OK;
}

static int occbench_main(run_state *rs, int argc, char **argv)
{
    char err[1024] = "";
    if (ob_launch_init(&rs->launch, MPI_COMM_WORLD) != 0) {
        fprintf(stderr, "occbench: cannot split MPI_COMM_WORLD into nodes\n");
        return OB_EXIT_FAILED;
    }
    if (ob_options_parse(argc, argv, &rs->opt, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    if (rs->opt.topology && ob_topo_use_description(rs->opt.topology, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    rs->topo = ob_topo_load(err, sizeof err);
    if (!rs->topo && rs->opt.topology) {
        char msg[1200];
        snprintf(msg, sizeof msg, "--topology %s: hwloc cannot read it: %s", rs->opt.topology, err);
        return say_usage_error(&rs->launch, msg);
    }
    if (!rs->topo) {
        if (rs->launch.rank == 0)
            fprintf(stderr, "occbench: topology: %s\n", err);
        return OB_EXIT_FAILED;
    }
    if (rs->opt.topology && ob_topo_is_this_system(rs->topo)) {
        /* hwloc falls back to this machine on a description it cannot parse */
        snprintf(err, sizeof err,
                 "--topology %s: hwloc did not accept the description (accepted: hwloc synthetic "
                 "syntax such as 'pack:2 l3:16 core:4 pu:2', or hwloc XML)",
                 rs->opt.topology);
        return say_usage_error(&rs->launch, err);
    }
    ob_topo_machine(rs->topo, &rs->machine);
    rs->cores = ob_topo_core_count(rs->topo);
    int rc = early_exit(rs);
    if (rc >= 0)
        return rc;
    /* A common epoch: rank 0's clock. CLOCK_MONOTONIC is per node, so
     * cross-node times are offsets from each node's own start. */
    ob_sleep_barrier(rs->launch.world);
    rs->epoch = ob_now();
    rc = prepare(rs, argc, argv);
    if (rc >= 0)
        return rc;
    int interrupted = 0;
    int ladder_rc = ob_ladder_run(rs, &interrupted, err, sizeof err);
    return finish(rs, ladder_rc, interrupted, err);
}

int main(int argc, char **argv)
{
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "occbench: MPI_Init failed\n");
        return OB_EXIT_FAILED;
    }
    /* After MPI_Init, which may install its own handlers. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigaction(SIGTERM, &sa, NULL);

    run_state rs;
    memset(&rs, 0, sizeof rs);
    int rc = occbench_main(&rs, argc, argv);
    if (rs.results) {
        char err[256];
        ob_results_close(rs.results, 0, err, sizeof err);
    }
    free(rs.steps);
    free(rs.between);
    free(rs.estimate);
    if (rs.topo)
        ob_topo_free(rs.topo);
    ob_measure_stop();
    ob_launch_free(&rs.launch);
    MPI_Finalize();
    return rc;
}
