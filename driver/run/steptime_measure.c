/* The step-time model's figures measured on the node it plans for
 * (steptime_measure.h): each kernel set up, run twice (the warm-up and one
 * counted repetition) and torn down by rank 0, bound to the first core of
 * the compact order, as a k=1 step does it. data/step_time.conf was
 * measured on another CPU and does not see what grows with this node's
 * caches and memory (triad's first touch of 3 arrays sized from the L3,
 * chase's latency): --dry-run was 1.6x short on one host and 1.5x long on
 * another. */
#include "driver/run/steptime_measure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/measure/measure.h"
#include "driver/node/park.h"
#include "driver/run/ladder.h"
#include "kernels/framework.h"

enum { PER = 3 }; /* figures per kernel: set-up, warm-up, repetition */

/* One kernel at k=1 on rank 0's bound core: set-up plus teardown, the
 * warm-up, and one counted repetition. 0, or -1 with why. */
static int measure_one(const run_state *rs, int ki, double *setup_s, double *warmup_s,
                       double *rep_s, char *why, size_t whylen)
{
    const ob_kernel *k = rs->opt.kernels[ki];
    ob_ctx ctx;
    ob_ctx_init(&ctx, rs->opt.preset, &rs->machine, rs->opt.io_dir, 0, NULL, NULL);
    ctx.kopts = &rs->opt.kopts[ki];
    ctx.active = 1;
    void *state = NULL;
    double t0 = ob_now();
    if (k->setup(&ctx, &state) != OB_OK) {
        snprintf(why, whylen, "set-up failed: %s", ob_ctx_error(&ctx));
        return -1;
    }
    double t1 = ob_now();
    int rc = k->run(state, &ctx);
    double t2 = ob_now();
    rc = rc == OB_OK ? k->run(state, &ctx) : rc;
    double t3 = ob_now();
    k->teardown(state);
    double t4 = ob_now();
    if (rc != OB_OK) {
        snprintf(why, whylen, "a repetition failed: %s", ob_ctx_error(&ctx));
        return -1;
    }
    *setup_s = (t1 - t0) + (t4 - t3);
    *warmup_s = t2 - t1;
    *rep_s = t3 - t2;
    return 0;
}

/* The entry of kernel `name` at the launch's preset, added when missing. */
static ob_steptime_entry *entry_for(ob_steptime *t, const char *name, ob_preset preset)
{
    const ob_steptime_entry *found = ob_steptime_find(t, name, preset);
    if (found)
        return &t->e[found - t->e];
    if (t->n >= OB_STEPTIME_MAX)
        return NULL;
    ob_steptime_entry *e = &t->e[t->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->kernel, sizeof e->kernel, "%s", name);
    e->preset = preset;
    return e;
}

/* Every kernel on the ranks of `active` (this rank's order slot bound):
 * v[ki * 3 + 0..2] = set-up, warm-up, repetition; NaN where it failed
 * (said on stderr when `say`). */
static void measure_all(const run_state *rs, int n, int active, int say, double *v)
{
    for (int i = 0; i < n * PER; i++)
        v[i] = active ? NAN : 0.0; /* 0: no part in the max below */
    if (!active)
        return;
    int *order = calloc((size_t)rs->cores + 1, sizeof *order);
    char err[256];
    int bound = 0;
    if (order) { /* the core this rank's slot has in a compact step */
        ob_slot_order(rs, OB_PLACE_COMPACT, 1, order);
        bound = ob_topo_bind_thread(rs->topo, order[rs->launch.node_rank % rs->cores], err,
                                    sizeof err) == 0;
    }
    free(order);
    for (int ki = 0; ki < n; ki++) {
        char why[300];
        double *x = &v[ki * PER];
        if (measure_one(rs, ki, &x[0], &x[1], &x[2], why, sizeof why) != 0) {
            x[0] = x[1] = x[2] = NAN; /* the reference time stays */
            if (say)
                fprintf(stderr, "occbench: %s: not measured here (%s): its time is %s's\n",
                        rs->opt.kernels[ki]->name, why, rs->time.steptime.source);
        }
    }
    if (bound)
        ob_topo_unbind_thread(rs->topo, err, sizeof err);
}

int ob_steptime_measure(run_state *rs, double *seconds)
{
    int n = rs->opt.nkernels - (rs->opt.job.argc ? 1 : 0); /* the job has --job-seconds */
    size_t len = (size_t)(n > 0 ? n : 1) * PER;
    double *one = calloc(len, sizeof *one), *mine = calloc(len, sizeof *mine),
           *full = calloc(len, sizeof *full);
    double start = ob_now();
    if (!one || !mine || !full) {
        free(one);
        free(mine);
        free(full);
        return -1;
    }
    /* k=1: rank 0 alone, as a k=1 step (the others wait asleep) */
    measure_all(rs, n, rs->launch.rank == 0, 1, one);
    ob_sleep_bcast(one, (int)len, MPI_DOUBLE, 0, rs->launch.world);
    /* the full node: one rank per core on every node at once, as the top
     * step; the slowest rank bounds a step, so the maximum (NaN, a
     * failure anywhere, wins: the file's C stays) */
    measure_all(rs, n, rs->launch.node_rank < rs->cores, 0, mine);
    for (size_t i = 0; i < len; i++)
        mine[i] = isnan(mine[i]) ? INFINITY : mine[i];
    ob_sleep_allreduce(mine, full, (int)len, MPI_DOUBLE, MPI_MAX, rs->launch.world);
    double spent = ob_now() - start;
    ob_sleep_bcast(&spent, 1, MPI_DOUBLE, 0, rs->launch.world);
    int measured = 0;
    for (int ki = 0; ki < n; ki++) {
        const double *x = &one[ki * PER], *f = &full[ki * PER];
        ob_steptime_entry *e =
            isfinite(x[2]) && x[2] > 0
                ? entry_for(&rs->time.steptime, rs->opt.kernels[ki]->name, rs->opt.preset)
                : NULL;
        if (!e)
            continue;
        e->setup_s = x[0];
        e->warmup_s = x[1];
        e->rep_s = x[2];
        e->measured = 1;
        /* a repetition never planned faster at the full node than alone */
        e->contention_full = isfinite(f[2]) ? fmax(1.0, f[2] / x[2]) : 0.0;
        e->setup_full = isfinite(f[0]) ? fmax(x[0], f[0]) : 0.0;
        measured++;
    }
    free(one);
    free(mine);
    free(full);
    *seconds = spent;
    return measured;
}
