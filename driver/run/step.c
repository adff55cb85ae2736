/* One step on one rank: the repetition loop, its measurements and the
 * sleeping park. */
#include "driver/run/step.h"

#include "common/procfs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "common/freq_probe.h"
#include "driver/node/park.h"

static void add_sample(ob_sample *acc, const ob_sample *d)
{
    for (size_t i = 0; i < OB_SAMPLE_NFIELDS; i++)
        *ob_sample_at(acc, i) += ob_sample_get(d, i);
}

/* The thread's snapshot, or the kernel's own reading of its work. */
static void phase_snapshot(ob_snapshot *s, const ob_sample *at)
{
    if (!at) {
        ob_measure_snapshot(s);
        return;
    }
    s->at = *at;
    s->maxrss_kb = NAN;
}

static void phase_hook(void *user, int phase, int begin, const ob_sample *at)
{
    ob_step_run *run = user;
    if (begin) {
        phase_snapshot(&run->phase_start, at);
        return;
    }
    ob_snapshot end;
    phase_snapshot(&end, at);
    ob_sample d;
    ob_measure_delta(&run->phase_start, &end, &d);
    if (run->phase_used[phase])
        add_sample(&run->phase_acc[phase], &d);
    else
        run->phase_acc[phase] = d;
    run->phase_used[phase] = 1;
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? 2 * *cap : 64;
    while (cap2 < need)
        cap2 *= 2;
    void *p = realloc(*buf, cap2 * elem);
    if (!p)
        return -1;
    *buf = p;
    *cap = cap2;
    return 0;
}

static int fail(ob_step_run *run, const char *what, const char *why)
{
    run->failed = 1;
    snprintf(run->reason, sizeof run->reason, "rank %d: %s: %s", run->rank, what,
             why && *why ? why : "no reason given");
    return -1;
}

int ob_step_setup(ob_step_run *run)
{
    char err[256] = "";
    if (!run->active) {
        /* A parked rank may wake on any idle core rather than steal time
         * from the active rank on the core it last ran on. */
        ob_topo_unbind_thread(run->topo, err, sizeof err);
        return 0;
    }
    int bound = run->ncores > 1
                    ? ob_topo_bind_thread_cores(run->topo, run->cores, run->ncores, err, sizeof err)
                    : ob_topo_bind_thread(run->topo, run->core, err, sizeof err);
    if (bound != 0)
        return fail(run, "binding", err);
    ob_ctx_init(&run->ctx, run->preset, &run->machine, run->io_dir, run->rank, phase_hook, run);
    run->ctx.kopts = run->kopts;
    run->ctx.node_rank = run->node_rank;
    run->ctx.active = run->k;
    run->ctx.stop = run->stop;
    int rc = run->kernel->setup(&run->ctx, &run->state);
    if (rc != OB_OK) {
        run->enospc = rc == OB_ENOSPC;
        run->state = NULL;
        return fail(run, "setup", ob_ctx_error(&run->ctx));
    }
    return 0;
}

/* The probe takes at most 2% of the repetition it follows, so short
 * repetitions (ci preset) are not dominated by it; 0.5 ms of chains is
 * still millions of adds, far above the timer's resolution. */
/* The probe's share of a rank's measuring time stays below this: it runs
 * after a counted repetition only while what it has cost so far is within
 * budget (the warm-up and the first counted one are always probed), so a short repetition is probed
 * every few repetitions instead of doubling its cost; repetitions without a probe record NaN and
 * the analysis takes the step's probe clock for them. */
#define PROBE_BUDGET 0.005

static double probe_after(ob_step_run *run, int rep, double rep_wall)
{
    if (!(run->probe_seconds > 0))
        return NAN;
    if (rep >= 1) { /* the budget counts the counted repetitions only */
        if (run->rep_seconds > 0 && run->probe_spent > PROBE_BUDGET * run->rep_seconds) {
            run->rep_seconds += rep_wall;
            return NAN;
        }
        run->rep_seconds += rep_wall;
    }
    double t = run->probe_seconds;
    if (t > 0.05 * rep_wall)
        t = 0.05 * rep_wall;
    if (t < 0.0005)
        t = 0.0005;
    double t0 = ob_now(), ghz = ob_freq_probe_ghz(t);
    if (rep >= 1)
        run->probe_spent += ob_now() - t0;
    return ghz;
}

/* A kernel that measures its own work (a job's process tree): its sample
 * replaces the thread's; a failed run is recorded as a repetition verified
 * wrong, and fails the step. */
static int record_own_sample(ob_step_run *run, ob_rep_record *r, int rc)
{
    ob_sample own;
    double maxrss_kb = NAN, pss_kb = NAN, harness_s = NAN;
    if (run->kernel->own_sample(run->state, &own, &maxrss_kb, &pss_kb, &harness_s) == 0) {
        r->s = own;
        r->maxrss_kb = maxrss_kb;
        r->pss_kb = pss_kb;
        r->harness_s = harness_s;
    }
    if (rc == OB_OK)
        return 0;
    r->ok = 0;
    r->f_probe = NAN;
    run->enospc = rc == OB_ENOSPC;
    return fail(run, "run", ob_ctx_error(&run->ctx));
}

/* One measured repetition: snapshots around run(), phases flushed as records. */
static int one_repetition(ob_step_run *run, int rep)
{
    if (grow((void **)&run->reps, &run->reps_cap, run->nreps + 1, sizeof *run->reps) != 0 ||
        grow((void **)&run->phases, &run->phases_cap, run->nphases + OB_MAX_PHASES,
             sizeof *run->phases) != 0)
        return fail(run, "recording", "out of memory");
    memset(run->phase_used, 0, sizeof run->phase_used);
    ob_snapshot a, b;
    ob_measure_snapshot(&a);
    int rc = run->kernel->run(run->state, &run->ctx);
    ob_measure_snapshot(&b);
    if (rc == OB_INTERRUPTED) /* the launch stops: not recorded, not a failure */
        return -1;
    if (rc != OB_OK && !run->kernel->own_sample) {
        run->enospc = rc == OB_ENOSPC;
        return fail(run, "run", ob_ctx_error(&run->ctx));
    }
    ob_rep_record *r = &run->reps[run->nreps++];
    memset(r, 0, sizeof *r);
    r->node = run->node_index;
    r->rank = run->rank;
    r->core = run->core_os;
    r->rep = rep;
    r->t0 = a.at.wall - run->epoch;
    ob_measure_delta(&a, &b, &r->s);
    r->maxrss_kb = b.maxrss_kb;
    r->pss_kb = NAN; /* measured once, after the window (record_pss) */
    r->ok = -1;      /* set where verified */
    r->harness_s = NAN;
    if (run->kernel->own_sample && record_own_sample(run, r, rc) != 0)
        return -1;
    /* The probe runs while the other active ranks keep working, so it sees
     * the clock under this step's load. */
    r->f_probe = probe_after(run, rep, r->s.wall);
    for (int p = 0; p < OB_MAX_PHASES; p++)
        if (run->phase_used[p])
            run->phases[run->nphases++] = (ob_phase_record){.node = run->node_index,
                                                            .rank = run->rank,
                                                            .rep = rep,
                                                            .phase = p,
                                                            .s = run->phase_acc[p]};
    return 0;
}

/* Test hook: OCCBENCH_INJECT_VERIFY_FAILURE=KERNEL or KERNEL:RANK makes
 * that kernel's verification fail (on that rank), so the MPI tests can
 * check how a failed step is recorded and reported. The kernels' own
 * checks are tested in their unit tests. */
static int injected_failure(const ob_step_run *run, char *why, size_t len)
{
    const char *spec = getenv("OCCBENCH_INJECT_VERIFY_FAILURE");
    if (!spec || !*spec)
        return 0;
    size_t n = strcspn(spec, ":");
    if (n != strlen(run->kernel->name) || strncmp(spec, run->kernel->name, n) != 0)
        return 0;
    if (spec[n] == ':' && atoi(spec + n + 1) != run->rank)
        return 0;
    snprintf(why, len, "injected failure (OCCBENCH_INJECT_VERIFY_FAILURE=%s)", spec);
    return 1;
}

static int verify_last(ob_step_run *run)
{
    char why[256] = "";
    int bad = run->kernel->verify(run->state, why, sizeof why);
    if (!bad)
        bad = injected_failure(run, why, sizeof why);
    if (run->nreps > 0)
        run->reps[run->nreps - 1].ok = bad ? 0 : 1;
    if (bad)
        return fail(run, "validation", why);
    return 0;
}

static int window_closed(const ob_step_run *run, double t_start)
{
    return ob_now() - t_start >= run->window && run->counted >= run->min_reps;
}

static void measure_active(ob_step_run *run, MPI_Request *done)
{
    double t_start = ob_now();
    int entered = 0;
    /* Warm-up (rep 0, not counted): verified, so a wrong kernel stops at once. */
    if (one_repetition(run, 0) != 0 || verify_last(run) != 0) {
        MPI_Ibarrier(run->world, done);
        return;
    }
    for (int rep = 1;; rep++) {
        if (one_repetition(run, rep) != 0)
            break;
        run->counted++;
        ob_watchdog_check(); /* answers rank 0's pings between repetitions */
        if (!entered && (window_closed(run, t_start) || *run->stop)) {
            /* This rank has its share; it keeps running (and loading the
             * node) until every active rank has, so no rank measures
             * on an emptier node. */
            MPI_Ibarrier(run->world, done);
            entered = 1;
        }
        if (entered) {
            int flag = 0;
            MPI_Test(done, &flag, MPI_STATUS_IGNORE);
            if (flag || *run->stop)
                break;
        }
    }
    if (!run->failed)
        verify_last(run);
    if (!entered) {
        MPI_Ibarrier(run->world, done);
    }
}

/* The rank's PSS once its window is over, before teardown: the other active
 * ranks are still measuring or waiting with their memory, so pages they
 * share (libraries, MPI's segments) are counted once across the node. */
static void record_pss(ob_step_run *run)
{
    if (run->nreps > 0 && !run->kernel->own_sample) /* a job's is its tree's, per repetition */
        run->reps[run->nreps - 1].pss_kb = ob_meminfo_bytes(OB_PROC_SMAPS_ROLLUP, "Pss") / 1024.0;
}

static double process_cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

void ob_step_measure(ob_step_run *run)
{
    MPI_Request done;
    if (run->active && !run->failed) {
        measure_active(run, &done);
        record_pss(run);
        ob_sleep_wait(&done);
        run->interrupted = *run->stop != 0;
        return;
    }
    double cpu0 = process_cpu_seconds(), wall0 = ob_now();
    MPI_Ibarrier(run->world, &done);
    ob_sleep_wait(&done);
    double wall = ob_now() - wall0;
    run->parked_cpu = wall > 0 ? (process_cpu_seconds() - cpu0) / wall : 0.0;
}

void ob_step_teardown(ob_step_run *run)
{
    if (run->active && run->state) {
        run->kernel->teardown(run->state);
        run->state = NULL;
    }
}

void ob_step_free(ob_step_run *run)
{
    ob_step_teardown(run);
    free(run->reps);
    free(run->phases);
    run->reps = NULL;
    run->phases = NULL;
    run->nreps = run->nphases = run->reps_cap = run->phases_cap = 0;
}
