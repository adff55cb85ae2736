/* The steps of a launch: every kernel x placement x k of the ladder, or
 * the calibration list's steps; steps on the same cores as an earlier one
 * are linked, not measured again. */
#include "driver/run/steplist.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/node/park.h"
#include "driver/run/ladder.h"

/* Is kernel ki of the options the launch's job? */
static int is_job(const run_state *rs, int ki)
{
    return rs->opt.job.argc && ki == rs->opt.nkernels - 1;
}

static void add_step(run_state *rs, int ki, ob_placement p, int k, const char *label,
                     ob_inject_kind inject)
{
    step_def *sd = &rs->plan.steps[rs->plan.nsteps++];
    *sd = (step_def){.kernel = rs->opt.kernels[ki],
                     .placement = p,
                     .k = k,
                     .label = label,
                     .inject = inject,
                     .kopts = &rs->opt.kopts[ki],
                     .plan = rs->plan.kernel_plans[ki],
                     .same_as = -1,
                     .width = is_job(rs, ki) ? rs->opt.job_cores : 1};
    ob_kopts_canonical(sd->kernel, sd->kopts, sd->kernel_options, sizeof sd->kernel_options);
    if (is_job(rs, ki)) /* the job: what it runs, how long, on how many cores */
        snprintf(sd->kernel_options, sizeof sd->kernel_options,
                 "command=%.300s;cwd=%.150s;timeout=%g;cores=%d", sd->plan.description,
                 rs->record.job_cwd, rs->opt.job.timeout, rs->opt.job_cores);
    ob_kernel_phase_classes(sd->kernel, sd->phase_classes, sizeof sd->phase_classes);
}
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
    for (int i = 0; i < ob_calibration_count(); i++) {
        why[i][0] = '\0';
        possible[i] =
            ob_calibration_at(i)->inject == OB_INJECT_NONE ||
            ob_inject_possible(ob_calibration_at(i)->inject, target, others, nothers,
                               rs->opt.io_dir, rs->opt.calibrate_khz, why[i], sizeof why[i]) == 0;
    }
    free(order);
    ob_sleep_bcast(possible, ob_calibration_count(), MPI_INT, 0, rs->launch.world);
    ob_sleep_bcast(why, ob_calibration_count() * 256, MPI_CHAR, 0, rs->launch.world);
}
/* --calibrate needs a second rank per node to host the injections and a
 * second core; the verdict of every injection is taken before the file. */
int ob_check_calibration(run_state *rs, char *err, size_t errlen)
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
    calibration_possible(rs, rs->plan.calibration_ok, rs->plan.calibration_why);
    for (int i = 0; rs->launch.rank == 0 && i < ob_calibration_count(); i++)
        if (!rs->plan.calibration_ok[i])
            fprintf(stderr, "occbench: --calibrate: %s not run: %s\n",
                    ob_inject_name(ob_calibration_at(i)->inject), rs->plan.calibration_why[i]);
    return 0;
}
/* 1 when the first k cores of placements a and b are the same set. */
/* 1 when the first k slots of `width` cores of placements a and b are the same cores. */
static int same_cores(const run_state *rs, ob_placement a, ob_placement b, int k, int width)
{
    int *oa = calloc((size_t)rs->cores, sizeof *oa), *ob = calloc((size_t)rs->cores, sizeof *ob);
    char *in_a = calloc((size_t)rs->cores, 1);
    int n = k * width;
    int same = oa && ob && in_a && n <= rs->cores;
    if (same) {
        ob_slot_order(rs, a, width, oa);
        ob_slot_order(rs, b, width, ob);
        for (int i = 0; i < n; i++)
            in_a[oa[i]] = 1;
        for (int i = 0; i < n && same; i++)
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
    for (int i = 0; i < rs->plan.nsteps; i++)
        for (int j = 0; j < i && rs->plan.steps[i].same_as < 0; j++) {
            const step_def *a = &rs->plan.steps[j], *b = &rs->plan.steps[i];
            if (a->kernel == b->kernel && a->k == b->k && a->placement != b->placement &&
                a->inject == OB_INJECT_NONE && b->inject == OB_INJECT_NONE && a->same_as < 0 &&
                same_cores(rs, a->placement, b->placement, a->k, a->width))
                rs->plan.steps[i].same_as = j;
        }
}
void ob_steps_build(run_state *rs)
{
    size_t most = (size_t)rs->opt.nkernels * (size_t)rs->opt.nplacements * (size_t)rs->plan.nladder;
    rs->plan.steps = calloc(most + ob_calibration_count(), sizeof *rs->plan.steps);
    rs->plan.nsteps = 0;
    if (rs->opt.calibrate) {
        for (int i = 0; i < ob_calibration_count(); i++)
            if (rs->plan.calibration_ok[i])
                add_step(rs, kernel_index(rs, ob_calibration_at(i)->kernel), OB_PLACE_COMPACT, 1,
                         ob_inject_name(ob_calibration_at(i)->inject),
                         ob_calibration_at(i)->inject);
        return;
    }
    for (int ki = 0; ki < rs->opt.nkernels; ki++) {
        /* a job of --job-cores N climbs its own ladder, in jobs per node */
        int wide = is_job(rs, ki) && rs->opt.job_cores > 1;
        const int *levels = wide ? rs->plan.job_ladder : rs->plan.ladder;
        int nlevels = wide ? rs->plan.njob_ladder : rs->plan.nladder;
        for (int p = 0; p < rs->opt.nplacements; p++)
            for (int i = 0; i < nlevels; i++)
                add_step(rs, ki, rs->opt.placements[p], levels[i],
                         ob_placement_name(rs->opt.placements[p]), OB_INJECT_NONE);
    }
    link_same_core_sets(rs);
}
