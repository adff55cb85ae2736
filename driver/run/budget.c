/* The time plan: --dry-run, --budget, and the window that fits the default
 * budget, from the step-time model (driver/run/steptime.h). */
#include "driver/run/budget.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "driver/run/datadir.h"
#include "driver/run/steptime_measure.h"

/* A full ladder of every kernel at the production preset fits half an hour
 * on a 128-core node (docs/ARCHITECTURE.md, "A ladder that fits"). */
#define OB_DEFAULT_BUDGET_S 1800.0
/* Seconds the whole ladder takes by the model with this window. */
static double ladder_seconds(const run_state *rs, double window, double *per_step)
{
    double total = 0;
    for (int i = 0; i < rs->plan.nsteps; i++) {
        const step_def *sd = &rs->plan.steps[i];
        double t = 0;
        if (sd->same_as < 0)
            t = ob_steptime_step(
                &rs->time.steptime,
                ob_steptime_find(&rs->time.steptime, sd->kernel->name, rs->opt.preset), window,
                rs->opt.min_reps, sd->k * sd->width, rs->cores);
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
    for (int i = 0; i < rs->plan.nsteps; i++) {
        const step_def *sd = &rs->plan.steps[i];
        double f = ob_steptime_floor(
            &rs->time.steptime,
            ob_steptime_find(&rs->time.steptime, sd->kernel->name, rs->opt.preset),
            rs->opt.min_reps, sd->k * sd->width, rs->cores);
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
/* The job's expected run (--job-seconds) as its reference time: no set-up. */
static void add_job_time(run_state *rs)
{
    ob_steptime *t = &rs->time.steptime;
    if (!rs->opt.job.argc || !(rs->opt.job_seconds > 0) || t->n >= OB_STEPTIME_MAX)
        return;
    ob_steptime_entry *e = &t->e[t->n++];
    snprintf(e->kernel, sizeof e->kernel, "%s", rs->opt.job.name);
    e->preset = rs->opt.preset;
    e->rep_s = rs->opt.job_seconds;
    e->setup_s = 0.0;
}

/* Load the reference times; --budget and --dry-run need them, the ETA
 * falls back to elapsed time without. */
int ob_budget_plan(run_state *rs, char *err, size_t errlen)
{
    char path[PATH_MAX], why[512] = "";
    rs->time.have_steptime = ob_data_path("step_time.conf", path, sizeof path) == 0 &&
                             ob_steptime_load(path, &rs->time.steptime, why, sizeof why) == 0;
    if (!rs->time.have_steptime && (rs->opt.budget > 0 || rs->opt.dry_run)) {
        snprintf(err, errlen, "%s: %s (set OCCBENCH_DATA_DIR to the directory holding it)",
                 rs->opt.budget > 0 ? "--budget" : "--dry-run",
                 why[0] ? why : "step_time.conf not found");
        return -1;
    }
    if (!rs->time.have_steptime)
        return 0;
    ob_steptime_for_ranks(&rs->time.steptime, rs->launch.size);
    add_job_time(rs);
    /* a plan for this node (not another one's --topology) takes its set-up
     * and repetition times from this node */
    if ((rs->opt.dry_run || rs->opt.budget > 0) && !rs->opt.topology && !rs->opt.calibrate)
        rs->time.measured = ob_steptime_measure(rs, &rs->time.measure_s);
    if (rs->opt.budget > 0 && choose_window(rs, err, errlen) != 0)
        return -1;
    if (rs->opt.budget <= 0 && !rs->opt.window_given && !rs->opt.calibrate)
        fit_default_budget(rs);
    free(rs->time.estimate);
    rs->time.estimate = calloc((size_t)rs->plan.nsteps + 1, sizeof *rs->time.estimate);
    if (rs->time.estimate)
        ladder_seconds(rs, rs->opt.window, rs->time.estimate);
    return 0;
}
/* Where a step's time comes from, after its line. */
static const char *source_of(const run_state *rs, const char *kernel)
{
    const ob_steptime_entry *e = ob_steptime_find(&rs->time.steptime, kernel, rs->opt.preset);
    if (!e)
        return " (no reference time: window + 1 s)";
    return e->measured ? " (measured here)" : " (reference time)";
}

/* Which figures were measured on this node and which come from elsewhere. */
static void print_sources(const run_state *rs)
{
    const ob_steptime *t = &rs->time.steptime;
    for (int i = 0; i < t->n; i++) {
        const ob_steptime_entry *e = &t->e[i];
        if (!e->measured)
            continue;
        printf("  %-8s measured here: k=1 set-up %.3g s, warm-up %.3g s, repetition %.3g s; "
               "every core at once: ",
               e->kernel, e->setup_s, e->warmup_s, e->rep_s);
        if (e->contention_full > 0)
            printf("repetition x%.3g, set-up %.3g s\n", e->contention_full, e->setup_full);
        else
            printf("not measured (x%.3g from the file)\n", t->contention_full);
    }
    if (rs->time.measured > 0)
        printf("times: %d kernel(s) measured here (a warm-up and a repetition each, at k=1 and "
               "with every core at once: %.1f s); the time between steps (%.2f s) and what was "
               "not measured from %s\n",
               rs->time.measured, rs->time.measure_s, rs->time.steptime.between_s,
               rs->time.steptime.source);
    else
        printf("times: from %s (reference times of another CPU%s)\n", rs->time.steptime.source,
               rs->opt.topology ? ": --topology plans for another node than this one" : "");
}

/* Rank 0: the plan; every step with --dry-run, else only its last line. */
void ob_budget_print(const run_state *rs, int steps)
{
    if (rs->launch.rank != 0)
        return;
    int linked = 0;
    double total = 0;
    for (int i = 0; i < rs->plan.nsteps; i++) {
        const step_def *sd = &rs->plan.steps[i];
        linked += sd->same_as >= 0;
        total += rs->time.estimate ? rs->time.estimate[i] : 0;
        if (!steps)
            continue;
        if (sd->same_as >= 0)
            printf("%4d  %-7s %-7s k=%-4d the cores of step %d: measured once, linked\n", i + 1,
                   sd->kernel->name, sd->label, sd->k, sd->same_as + 1);
        else
            printf("%4d  %-7s %-7s k=%-4d about %6.1f s%s\n", i + 1, sd->kernel->name, sd->label,
                   sd->k, rs->time.estimate ? rs->time.estimate[i] : NAN,
                   source_of(rs, sd->kernel->name));
    }
    if (steps)
        print_sources(rs);
    printf("planned: %d steps, about %.0f min (%.0f s; %d measured, %d linked; preset %s, window "
           "%.3g s, min-reps %d, %d cores per node)\n",
           rs->plan.nsteps, ceil(total / 60.0), total, rs->plan.nsteps - linked, linked,
           ob_preset_name(rs->opt.preset), rs->opt.window, rs->opt.min_reps, rs->cores);
    fflush(stdout);
}
