/* The occupancy ladder: every step on every rank (set up, measure, gather
 * and summarise, write, flush) and its progress line. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driver/run/datadir.h"
#include "driver/node/launch.h"
#include "driver/measure/measure.h"
#include "driver/run/options.h"
#include "driver/node/park.h"
#include "driver/record/passport.h"
#include "driver/record/provenance.h"
#include "driver/record/results.h"
#include "driver/measure/sampler.h"
#include "driver/run/step.h"
#include "common/summary.h"
#include "driver/node/topo.h"
#include "driver/run/ladder.h"

volatile sig_atomic_t ob_stop_requested = 0;

/* ---- the ladder -------------------------------------------------------------- */

/* Tell the node's sampler which cores are active and which parked. */
static void tag_sampler(run_state *rs, int step, const int *order, int k)
{
    if (!rs->sampler)
        return;
    int *active = calloc((size_t)rs->cores, sizeof *active);
    int *parked = calloc((size_t)rs->cores, sizeof *parked);
    if (!active || !parked) {
        free(active);
        free(parked);
        return;
    }
    int na = 0, np = 0;
    for (int i = 0; i < rs->cores; i++) {
        int os = ob_topo_core_os_index(rs->topo, order[i]);
        if (i < k)
            active[na++] = os;
        else
            parked[np++] = os;
    }
    ob_sampler_set_step(rs->sampler, step, active, na, parked, np);
    free(active);
    free(parked);
}

int ob_ladder_write_monitor(run_state *rs, char *err, size_t errlen)
{
    ob_monitor_sample *samples = NULL;
    float *busy = NULL;
    int ncpus = 0;
    size_t n = 0;
    if (rs->sampler)
        n = ob_sampler_drain(rs->sampler, &samples, &busy, &ncpus);
    int rc = ob_results_append_monitor(rs->record.results, rs->sampler ? rs->launch.node_index : -1,
                                       samples, n, busy, ncpus, err, errlen);
    free(samples);
    free(busy);
    return rc;
}

/* A step's records of every rank, on rank 0 (one step only: memory is
 * bounded by ranks x repetitions of this step). */
typedef struct step_rows {
    ob_rep_record *reps;
    size_t nreps;
    ob_phase_record *phases;
    size_t nphases;
} step_rows;

static void gather_rows(const run_state *rs, const ob_step_run *run, step_rows *rows)
{
    void *reps = NULL, *phases = NULL;
    ob_gather_records(run->reps, run->nreps, sizeof *run->reps, &reps, &rows->nreps, 0,
                      rs->launch.world);
    ob_gather_records(run->phases, run->nphases, sizeof *run->phases, &phases, &rows->nphases, 0,
                      rs->launch.world);
    rows->reps = reps;
    rows->phases = phases;
}

static void step_rows_free(step_rows *rows)
{
    free(rows->reps);
    free(rows->phases);
    memset(rows, 0, sizeof *rows);
}

/* Rank 0 summarises the gathered rows; every rank gets the row. */
/* Rank 0: the throughput at k=1 of step sd's kernel and placement: from
 * this launch's own k=1 step, held in memory (a reader holding the file
 * cannot take it away), else from the file (a resumed run's earlier one). */
static double k1_throughput(run_state *rs, const step_def *sd)
{
    for (int j = 0; rs->progress.thr1 && j < rs->plan.nsteps; j++) {
        const step_def *o = &rs->plan.steps[j];
        if (o->k == 1 && o->kernel == sd->kernel && !strcmp(o->label, sd->label) &&
            isfinite(rs->progress.thr1[j]))
            return rs->progress.thr1[j];
    }
    ob_summary_row k1;
    return ob_results_read_summary(rs->record.results, sd->kernel->name, sd->label, 1, &k1) == 0
               ? k1.throughput_per_node
               : NAN;
}

static void summarise(run_state *rs, const ob_step_run *run, const step_def *sd, int valid,
                      const step_rows *rows, ob_summary_row *row)
{
    const ob_launch *l = &rs->launch;
    if (l->rank == 0) {
        double thr1 = sd->k != 1 ? k1_throughput(rs, sd) : NAN;
        ob_summarise_step(rows->reps, rows->nreps, sd->k, l->nnodes, valid, &sd->plan, thr1, row);
        if (sd->k == 1 && isfinite(row->throughput_per_node)) {
            row->efficiency = 1.0;
            if (rs->progress.thr1)
                rs->progress.thr1[sd - rs->plan.steps] = row->throughput_per_node;
        }
    }
    double parked = run->parked_cpu, parked_max = 0.0;
    ob_sleep_allreduce(&parked, &parked_max, 1, MPI_DOUBLE, MPI_MAX, l->world);
    ob_sleep_bcast(row, (int)sizeof *row, MPI_BYTE, 0, l->world);
    row->parked_cpu = parked_max;
}

/* This process's peak resident memory (getrusage reports KiB on Linux). */
static double max_rss_bytes(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? 1024.0 * (double)ru.ru_maxrss : NAN;
}

static void format_duration(double s, char *out, size_t len)
{
    long t = (long)(s + 0.5);
    snprintf(out, len, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

/* The ETA of steptime.h; without the table, elapsed per step. */
static double eta_seconds(const run_state *rs, int index, int done, int todo, double elapsed)
{
    if (!rs->time.estimate)
        return done > 0 ? elapsed / done * (todo - done) : 0.0;
    return ob_steptime_eta(rs->time.estimate, rs->progress.skipped, rs->plan.nsteps, index,
                           elapsed);
}

static void progress(const run_state *rs, int index, int done, int todo, double elapsed,
                     const step_def *sd, const ob_summary_row *row, const char *status)
{
    if (rs->launch.rank != 0)
        return;
    char el[32], eta[32];
    format_duration(elapsed, el, sizeof el);
    format_duration(eta_seconds(rs, index, done, todo, elapsed), eta, sizeof eta);
    /* the probe does not run where cycles are counted: their clock then */
    double ghz =
        isfinite(row->f_probe) ? row->f_probe : 1e-9 * row->median.cycles / row->median.cpu_time;
    printf("[%d/%d] %-7s %-7s k=%-4d %5d reps %9.3f reps/s/node eff %5.3f  %8.3g %-8s "
           "clock %.2f GHz  %s  elapsed %s ETA %s\n",
           index + 1, rs->plan.nsteps, sd->kernel->name, sd->label, sd->k, row->reps,
           row->throughput_per_node, row->efficiency, row->figure,
           sd->plan.figure_name ? sd->plan.figure_name : "", ghz, status, el, eta);
    fflush(stdout);
}

void ob_calibration_cores(const run_state *rs, const int *order, int *target, int *others,
                          int *nothers)
{
    int per_l3 = ob_topo_cores_per_l3(rs->topo);
    int span = per_l3 > 1 && per_l3 <= rs->cores ? per_l3 : rs->cores;
    *target = ob_topo_core_os_index(rs->topo, order[0]);
    *nothers = 0;
    for (int i = 1; i < span && *nothers < 64; i++) /* compact: the same L3 first */
        others[(*nothers)++] = ob_topo_core_os_index(rs->topo, order[i]);
}

/* --calibrate: the first parked rank of each node hosts the step's
 * injection (threads pinned where they act), so the measured rank's own
 * accounting never includes it. */
static ob_injection *start_injection(const run_state *rs, const step_def *sd, const int *order)
{
    if (sd->inject == OB_INJECT_NONE || rs->launch.node_rank != sd->k)
        return NULL;
    int target, others[64], nothers;
    ob_calibration_cores(rs, order, &target, others, &nothers);
    char why[256] = "";
    ob_injection *inj = ob_inject_start(sd->inject, target, others, nothers, rs->opt.io_dir,
                                        rs->opt.calibrate_khz, why, sizeof why);
    if (!inj)
        fprintf(stderr, "occbench: node %d: injection %s did not start: %s\n",
                rs->launch.node_index, ob_inject_name(sd->inject), why);
    return inj;
}

/* Run one step on every rank; returns 0, or -1 when the results file
 * could not be written (fatal). */
void ob_slot_order(const run_state *rs, ob_placement p, int width, int *out)
{
    if (width <= 1) {
        ob_topo_order(rs->topo, p, out, rs->cores);
        return;
    }
    ob_topo_order(rs->topo, OB_PLACE_COMPACT, out, rs->cores);
    if (p == OB_PLACE_COMPACT)
        return; /* slot s is cores [s*width, s*width+width) of the compact order */
    int *compact = malloc((size_t)rs->cores * sizeof *compact);
    int *spread = malloc((size_t)rs->cores * sizeof *spread);
    int *slot_of = malloc((size_t)rs->cores * sizeof *slot_of);
    char *taken = calloc((size_t)rs->cores / (size_t)width + 1, 1);
    if (compact && spread && slot_of && taken) {
        memcpy(compact, out, (size_t)rs->cores * sizeof *out);
        ob_topo_order(rs->topo, p, spread, rs->cores);
        for (int i = 0; i < rs->cores; i++)
            slot_of[compact[i]] = i / width;
        int n = 0; /* the slots in the order their first core comes in the placement */
        for (int i = 0; i < rs->cores; i++) {
            int s = slot_of[spread[i]];
            if (!taken[s]) {
                taken[s] = 1;
                memcpy(out + n, compact + s * width, (size_t)width * sizeof *out);
                n += width;
            }
        }
    }
    free(compact);
    free(spread);
    free(slot_of);
    free(taken);
}

/* ---- the watchdog: a step that makes no progress ends the run ----------- */

typedef struct watch {
    const run_state *rs;
    const step_def *sd;
    const int *order; /* the step's core order */
    int index, fired;
    double bound;
} watch;

/* Rank 0: each world rank's node and rank on it (gathered once), to name a
 * stuck rank's node and core. */
static int *rank_where;

/* The bound of step i: --step-timeout, else ten times its planned time
 * plus ten minutes; a job without --job-seconds or --job-timeout has no
 * planned time (its runs may be long by design): no bound then. */
static double step_bound(const run_state *rs, const step_def *sd, int i)
{
    if (rs->opt.step_timeout > 0)
        return rs->opt.step_timeout;
    if (sd->kernel->own_sample && !(rs->opt.job_seconds > 0) && !(rs->opt.job.timeout > 0))
        return -1.0;
    double planned =
        rs->time.estimate && rs->time.estimate[i] > 0 ? rs->time.estimate[i] : rs->opt.window + 1.0;
    if (sd->kernel->own_sample && rs->opt.job.timeout > 0)
        planned += (rs->opt.min_reps + 1) * rs->opt.job.timeout;
    return 10.0 * planned + 600.0;
}

/* Rank 0: ping every rank; the ones that do not answer are stuck (a rank
 * answers while it waits and between its repetitions). */
static void name_stuck(const watch *w, char *out, size_t len)
{
    const run_state *rs = w->rs;
    int n = rs->launch.size, *answered = calloc((size_t)n, sizeof *answered);
    if (!answered) {
        snprintf(out, len, "no memory to find which rank");
        return;
    }
    double wait_s = w->bound / 10.0 < 5.0 ? 5.0 : w->bound / 10.0 > 60.0 ? 60.0 : w->bound / 10.0;
    ob_watchdog_ping(answered, n, wait_s);
    size_t used = 0;
    int stuck = 0;
    out[0] = '\0';
    for (int r = 0; r < n && used < len; r++) {
        if (answered[r])
            continue;
        used += (size_t)snprintf(out + used, len - used, "%s%d", stuck++ ? ", " : "rank(s) ", r);
        if (!rank_where || used >= len)
            continue;
        int node = rank_where[2 * r], node_rank = rank_where[2 * r + 1];
        int width = w->sd->width > 0 ? w->sd->width : 1, slot = node_rank / width;
        int active = node_rank % width == 0 && slot < w->sd->k;
        used += (size_t)snprintf(out + used, len - used, " (node %d, %s", node,
                                 active ? "core P#" : "parked");
        if (active && used < len)
            used += (size_t)snprintf(
                out + used, len - used, "%d",
                ob_topo_core_os_index(rs->topo, w->order[(slot * width) % rs->cores]));
        if (used < len)
            used += (size_t)snprintf(out + used, len - used, ")");
    }
    if (stuck && used < len)
        snprintf(out + used, len - used, " did not answer in %.0f s", wait_s);
    else if (!stuck)
        snprintf(out, len, "every rank answers; the step itself is stuck (a collective, the file)");
    free(answered);
}

static void fire(void *user)
{
    watch *w = user;
    const run_state *rs = w->rs;
    const step_def *sd = w->sd;
    if (rs->launch.rank != 0 && !w->fired) { /* rank 0 names the stuck ranks: its turn first */
        w->fired = 1;
        ob_watchdog_arm(ob_now() + 90.0, fire, w, rs->launch.world);
        return;
    }
    char stuck[512] = "";
    if (rs->launch.rank == 0)
        name_stuck(w, stuck, sizeof stuck);
    else
        snprintf(stuck, sizeof stuck, "rank 0 did not report it (rank %d waits)", rs->launch.rank);
    fprintf(stderr,
            "occbench: step %d (%s %s k=%d) made no progress for %.0f s: %s; the results file "
            "holds every step before it; --resume redoes this one (--step-timeout sets the "
            "bound)\n",
            w->index + 1, sd->kernel->name, sd->label, sd->k, w->bound, stuck);
    fflush(stderr);
    MPI_Abort(rs->launch.world, OB_EXIT_FAILED);
}

static void watch_start(watch *w, const run_state *rs, int index, const int *order)
{
    *w = (watch){.rs = rs, .sd = &rs->plan.steps[index], .order = order, .index = index};
    w->bound = step_bound(rs, w->sd, index);
    if (w->bound > 0)
        ob_watchdog_arm(ob_now() + w->bound, fire, w, rs->launch.world);
}

static void watch_end(watch *w)
{
    (void)w;
    ob_watchdog_disarm();
}

/* What this rank does in step `sd`: its core in the placement's order,
 * active or parked, and the launch's settings. */
static ob_step_run step_run_for(const run_state *rs, const step_def *sd, const int *order)
{
    const ob_launch *l = &rs->launch;
    int slot = l->node_rank % rs->cores; /* ranks beyond the cores share (tests only) */
    int active = l->node_rank < sd->k;
    if (sd->width > 1) { /* a job of width cores: the first rank of each slot runs it */
        slot = (l->node_rank / sd->width) * sd->width % rs->cores;
        active = l->node_rank % sd->width == 0 && l->node_rank / sd->width < sd->k;
    }
    return (ob_step_run){.kernel = sd->kernel,
                         .kopts = sd->kopts,
                         .preset = rs->opt.preset,
                         .machine = rs->machine,
                         .io_dir = rs->opt.io_dir,
                         .topo = rs->topo,
                         .active = active,
                         .core = order[slot],
                         .cores = order + slot,
                         .ncores = sd->width,
                         .core_os = ob_topo_core_os_index(rs->topo, order[slot]),
                         .node_index = l->node_index,
                         .node_rank = l->node_rank,
                         .k = sd->k,
                         .rank = l->rank,
                         .window = rs->opt.window,
                         .min_reps = rs->opt.min_reps,
                         /* cycles counted (PMU or APERF): the clock needs no probe */
                         .probe_seconds = rs->record.sources[OB_METRIC_CYCLES].available
                                              ? 0.0
                                              : rs->opt.probe_seconds,
                         .epoch = rs->epoch,
                         .stop = &ob_stop_requested,
                         .world = l->world};
}

/* Set up, start together, measure (next to the injection, if any), tear
 * down; the step's start and end since the epoch, and its set-up time
 * (until the last active rank had set up). */
static void measure_step(run_state *rs, int index, const step_def *sd, const int *order,
                         ob_step_run *run, double *t_start, double *t_end, double *setup_s)
{
    const ob_launch *l = &rs->launch;
    ob_sleep_barrier(l->world);
    if (l->node_rank == 0)
        tag_sampler(rs, index, order, sd->k * sd->width);
    *t_start = ob_now() - rs->epoch;
    ob_step_setup(run);
    ob_sleep_barrier(l->world); /* every active rank set up: start together */
    *setup_s = ob_now() - rs->epoch - *t_start;
    ob_injection *inj = start_injection(rs, sd, order);
    ob_step_measure(run);
    ob_inject_stop(inj);
    ob_step_teardown(run);
    *t_end = ob_now() - rs->epoch;
    if (rs->sampler)
        ob_sampler_set_step(rs->sampler, -1, NULL, 0, NULL, 0);
}

/* The step's records, summary row, attributes and the node's monitor
 * samples, written by rank 0 in one call (collective). */
static int write_step(run_state *rs, int index, const step_def *sd, ob_step_run *run, int valid,
                      const char *reason, double t_start, double t_end, double setup_s,
                      int cut_short, ob_summary_row *row, char *err, size_t errlen)
{
    const ob_launch *l = &rs->launch;
    step_rows rows = {0};
    gather_rows(rs, run, &rows);
    double between =
        isfinite(rs->progress.last_step_end) ? t_start - rs->progress.last_step_end : NAN;
    rs->progress.last_step_end = t_end;
    if (rs->progress.between)
        rs->progress.between[index] = between;
    summarise(rs, run, sd, valid, &rows, row);
    /* now: a job names its phases as it marks them */
    char phase_classes[sizeof sd->phase_classes];
    ob_kernel_phase_classes(sd->kernel, phase_classes, sizeof phase_classes);
    ob_step_info info = {.kernel = sd->kernel->name,
                         .placement = sd->label,
                         .phases = sd->kernel->phases,
                         .attrs = {.k = sd->k,
                                   .step = index,
                                   .valid = valid,
                                   .reason = reason,
                                   .figure_name = sd->plan.figure_name,
                                   .work_unit = sd->plan.work_unit,
                                   .work_units = sd->plan.work_units,
                                   .window = row->window,
                                   .t_start = t_start,
                                   .t_end = t_end,
                                   .kernel_options = sd->kernel_options,
                                   .phase_classes = phase_classes,
                                   .phase_mark_cost = rs->record.phase_mark_cost,
                                   .setup_s = setup_s,
                                   .between_s = between,
                                   .writer_rss_bytes = l->rank == 0 ? max_rss_bytes() : NAN,
                                   .cut_short = cut_short,
                                   .job_cores = sd->width,
                                   .plan = sd->plan.description}};
    ob_monitor_sample *samples = NULL;
    float *busy = NULL;
    int ncpus = 0;
    size_t nsamples = rs->sampler ? ob_sampler_drain(rs->sampler, &samples, &busy, &ncpus) : 0;
    ob_step_record rec = {.info = info,
                          .reps = rows.reps,
                          .nreps = rows.nreps,
                          .phases = rows.phases,
                          .nphases = rows.nphases,
                          .figure_name = sd->plan.figure_name,
                          .summary = row,
                          .monitor_node = rs->sampler ? l->node_index : -1,
                          .samples = samples,
                          .nsamples = nsamples,
                          .cpu_busy = busy,
                          .ncpus = ncpus};
    int rc = ob_results_record_step(rs->record.results, &rec, err, errlen);
    free(samples);
    free(busy);
    step_rows_free(&rows);
    return rc;
}

static int run_step(run_state *rs, int index, int *order, char *err, size_t errlen,
                    int *interrupted, ob_summary_row *row, char *status, size_t statuslen)
{
    const step_def *sd = &rs->plan.steps[index];
    const ob_launch *l = &rs->launch;
    ob_slot_order(rs, sd->placement, sd->width, order);
    watch w;
    watch_start(&w, rs, index, order);
    ob_step_run run = step_run_for(rs, sd, order);
    double t_start, t_end, setup_s;
    measure_step(rs, index, sd, order, &run, &t_start, &t_end, &setup_s);

    char reason[256] = "";
    int first = ob_launch_first_failing(l, run.failed);
    if (first >= 0) {
        snprintf(reason, sizeof reason, "%s", run.reason);
        ob_launch_bcast_text(l, first, reason, sizeof reason);
    }
    int short_of_reps = run.active && !run.failed && run.counted < rs->opt.min_reps;
    *interrupted = ob_launch_any(l, run.interrupted);
    if (*interrupted && ob_launch_any(l, short_of_reps)) {
        /* Cut short before the minimum: not written, --resume redoes it. */
        snprintf(status, statuslen, "interrupted, not recorded");
        ob_step_free(&run);
        watch_end(&w);
        return 0;
    }
    int valid = first < 0;
    int rc = write_step(rs, index, sd, &run, valid, reason, t_start, t_end, setup_s, *interrupted,
                        row, err, errlen);
    ob_step_free(&run);
    watch_end(&w);
    if (valid) {
        snprintf(status, statuslen, "Solution Validates");
    } else {
        snprintf(status, statuslen, "FAILED: %s", reason);
        if (rs->progress.failed_steps++ == 0)
            snprintf(rs->progress.first_failure, sizeof rs->progress.first_failure,
                     "%s %s k=%d: %s", sd->kernel->name, sd->label, sd->k, reason);
    }
    return rc;
}

/* Which steps a resumed file already holds: rank 0 reads the file once,
 * every rank gets the list. */
static int *steps_already_done(run_state *rs)
{
    int *done = calloc((size_t)rs->plan.nsteps, sizeof *done);
    if (!done)
        return NULL;
    for (int i = 0; rs->launch.rank == 0 && rs->opt.resume && i < rs->plan.nsteps; i++)
        done[i] = ob_results_step_done(rs->record.results, rs->plan.steps[i].kernel->name,
                                       rs->plan.steps[i].label, rs->plan.steps[i].k);
    ob_sleep_bcast(done, rs->plan.nsteps, MPI_INT, 0, rs->launch.world);
    return done;
}

int ob_ladder_run(run_state *rs, int *interrupted, char *err, size_t errlen)
{
    int *order = calloc((size_t)rs->cores, sizeof *order);
    int *already = steps_already_done(rs);
    rs->progress.skipped = already;
    if (!order || !already) {
        free(order);
        free(already);
        return -1;
    }
    int where[2] = {rs->launch.node_index, rs->launch.node_rank};
    rank_where =
        rs->launch.rank == 0 ? malloc(2 * (size_t)rs->launch.size * sizeof *rank_where) : NULL;
    ob_sleep_gather(where, 2, MPI_INT, rank_where, 2, MPI_INT, 0, rs->launch.world);
    int todo = 0, done = 0;
    for (int i = 0; i < rs->plan.nsteps; i++)
        todo += !already[i] && rs->plan.steps[i].same_as < 0;
    double t0 = ob_now();
    int rc = 0;
    *interrupted = 0;
    rs->progress.last_step_end = NAN;
    free(rs->progress.between);
    rs->progress.between = malloc((size_t)rs->plan.nsteps * sizeof *rs->progress.between);
    for (int i = 0; rs->progress.between && i < rs->plan.nsteps; i++)
        rs->progress.between[i] = NAN;
    free(rs->progress.thr1);
    rs->progress.thr1 = malloc((size_t)rs->plan.nsteps * sizeof *rs->progress.thr1);
    for (int i = 0; rs->progress.thr1 && i < rs->plan.nsteps; i++)
        rs->progress.thr1[i] = NAN;
    for (int i = 0; i < rs->plan.nsteps && rc == 0 && !*interrupted; i++) {
        if (already[i]) {
            if (rs->launch.rank == 0)
                printf("[%d/%d] %s %s k=%d: already in %s, skipped\n", i + 1, rs->plan.nsteps,
                       rs->plan.steps[i].kernel->name, rs->plan.steps[i].label, rs->plan.steps[i].k,
                       rs->record.output);
            continue;
        }
        const step_def *sd = &rs->plan.steps[i];
        if (sd->same_as >= 0) {
            const step_def *src = &rs->plan.steps[sd->same_as];
            rc = ob_results_link_step(rs->record.results, sd->kernel->name, src->label, sd->label,
                                      sd->k, sd->plan.figure_name, err, errlen);
            if (rs->progress.thr1) /* the same cores: the same k=1 throughput */
                rs->progress.thr1[i] = rs->progress.thr1[sd->same_as];
            if (rc == 0 && rs->launch.rank == 0)
                printf("[%d/%d] %-7s %-7s k=%-4d the cores of %s k=%d: measured once, linked\n",
                       i + 1, rs->plan.nsteps, sd->kernel->name, sd->label, sd->k, src->label,
                       src->k);
            continue;
        }
        ob_summary_row row;
        memset(&row, 0, sizeof row);
        char status[320] = "";
        rc = run_step(rs, i, order, err, errlen, interrupted, &row, status, sizeof status);
        done++;
        if (rc == 0)
            progress(rs, i, done, todo, ob_now() - t0, &rs->plan.steps[i], &row, status);
        *interrupted = *interrupted || ob_launch_any(&rs->launch, ob_stop_requested);
    }
    rs->progress.skipped = NULL;
    free(order);
    free(already);
    free(rank_where);
    rank_where = NULL;
    return rc;
}
