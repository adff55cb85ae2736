/* occbench: one launch walks every node through the occupancy ladder.
 *
 *   mpirun -n 128 occbench [options]
 *
 * The lifecycle, each stage in its module: parse (every rank, identically;
 * driver/run/options.c) -> check the input against the nodes, nothing
 * created before every check passed (driver/run/checks.c, steplist.c,
 * budget.c) -> create or resume the results file, record counters and
 * provenance (driver/run/start.c), start the node samplers -> the ladder
 * (driver/run/ladder.c) -> mark the file complete. */
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/stats.h"
#include "driver/measure/events.h"
#include "driver/measure/measure.h"
#include "driver/measure/sampler.h"
#include "driver/node/launch.h"
#include "driver/node/park.h"
#include "driver/node/topo.h"
#include "driver/record/results.h"
#include "driver/run/budget.h"
#include "driver/run/checks.h"
#include "driver/run/info.h"
#include "driver/run/ladder.h"
#include "driver/run/options.h"
#include "driver/run/run_state.h"
#include "driver/run/start.h"
#include "driver/run/steplist.h"
#include "occbench/build_info.h"

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

/* ---- main -------------------------------------------------------------------- */

/* The plan: ladder, plans, calibration verdicts, steps, time. Returns -1
 * when the launch goes on, else the exit status (--dry-run ends here). */
static int plan_launch(run_state *rs)
{
    char err[1024] = "";
    int failed = ob_check_environment(err, sizeof err) != 0 ||
                 ob_check_ladder(rs, err, sizeof err) != 0 ||
                 ob_check_job(rs, err, sizeof err) != 0 || ob_check_plans(rs, err, sizeof err) != 0;
    if (ob_checks_agree(rs, failed, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    failed = ob_check_calibration(rs, err, sizeof err) != 0;
    if (ob_checks_agree(rs, failed, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    ob_steps_build(rs);
    if (rs->opt.dry_run) {
        /* what can be checked without this node being the node: the syntax of
         * --events and the I/O directory the user named; before the plan
         * measures the kernels (the I/O kernel writes there) */
        failed = ob_metrics_check_overrides(rs->opt.events, err, sizeof err) != 0 ||
                 ob_check_io_dir(rs->opt.io_dir, err, sizeof err) != 0;
        if (ob_checks_agree(rs, failed, err, sizeof err) != 0)
            return say_usage_error(&rs->launch, err);
    }
    failed = ob_budget_plan(rs, err, sizeof err) != 0;
    if (ob_checks_agree(rs, failed, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    if (rs->opt.dry_run) {
        ob_budget_print(rs, 1);
        return OB_EXIT_OK;
    }
    if (rs->launch.rank == 0 && rs->time.have_steptime)
        ob_budget_print(rs, 0);
    return -1;
}

/* The node: memory, I/O directory, counters; then what a killed run left. */
static int check_node(run_state *rs)
{
    char err[1024] = "";
    int failed = ob_check_memory(rs, err, sizeof err) != 0 ||
                 ob_check_io_dir(rs->opt.io_dir, err, sizeof err) != 0;
    if (ob_checks_agree(rs, failed, err, sizeof err) != 0 ||
        ob_start_resolve_counters(rs, err, sizeof err) != 0)
        return say_usage_error(&rs->launch, err);
    ob_remove_stale_data(rs);
    ob_warn_node(rs);
    return -1;
}

/* The file with its counters and /system, then the samplers. */
static int start_file(run_state *rs, int argc, char **argv)
{
    char err[1024] = "";
    ob_start_default_output(rs);
    int open_rc = ob_start_open_results(rs, argc, argv, err, sizeof err);
    if (open_rc != 0 && open_rc != OB_RESULTS_IO_FAILED)
        return say_usage_error(&rs->launch, err);
    if (open_rc != 0 || ob_start_record_counters(rs, err, sizeof err) != 0 ||
        ob_start_write_system(rs, err, sizeof err) != 0 ||
        ob_results_commit(rs->record.results, err, sizeof err) != 0) {
        if (rs->launch.rank == 0)
            fprintf(stderr, "occbench: %s\n", err);
        return OB_EXIT_FAILED;
    }
    rs->record.phase_mark_cost = ob_phase_mark_cost();
    if (rs->launch.node_rank == 0)
        rs->sampler = ob_sampler_start(rs->opt.sample_period, rs->epoch);
    return -1;
}

/* Returns -1 when the ladder is to run, else the exit status. */
static int prepare(run_state *rs, int argc, char **argv)
{
    int rc = plan_launch(rs);
    if (rc < 0)
        rc = check_node(rs);
    if (rc < 0)
        rc = start_file(rs, argc, argv);
    return rc;
}

/* Rank 0: the harness's time between steps (gather, write, set-up), so
 * its cost is a number in every log. */
static void report_between(const run_state *rs)
{
    double *gaps = malloc((size_t)rs->plan.nsteps * sizeof *gaps + 1);
    size_t n = 0;
    for (int i = 0; gaps && rs->progress.between && i < rs->plan.nsteps; i++)
        if (isfinite(rs->progress.between[i]))
            gaps[n++] = rs->progress.between[i];
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
    if (ob_results_close(rs->record.results, complete, cerr, sizeof cerr) != 0)
        close_rc = -1;
    rs->record.results = NULL;
    if (rs->launch.rank != 0)
        return ladder_rc || close_rc ? OB_EXIT_FAILED : interrupted ? OB_EXIT_INTERRUPTED : 0;
    report_between(rs);
    if (ladder_rc != 0) {
        fprintf(stderr, "occbench: writing %s failed: %s\n", rs->record.output, err);
        return OB_EXIT_FAILED;
    }
    if (close_rc != 0) {
        fprintf(stderr, "occbench: closing %s failed: %s\n", rs->record.output, cerr);
        return OB_EXIT_FAILED;
    }
    if (interrupted) {
        fprintf(stderr,
                "occbench: interrupted by SIGTERM; %s holds every finished step; continue "
                "with: occbench --resume %s (same options)\n",
                rs->record.output, rs->record.output);
        return OB_EXIT_INTERRUPTED;
    }
    if (rs->progress.failed_steps) {
        fprintf(stderr, "occbench: %d step(s) FAILED validation or could not run; first: %s\n",
                rs->progress.failed_steps, rs->progress.first_failure);
        printf("results: %s\n", rs->record.output);
        return OB_EXIT_FAILED;
    }
    printf("all steps validated; results: %s\n", rs->record.output);
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
    if (rs.record.results) {
        char err[256];
        ob_results_close(rs.record.results, 0, err, sizeof err);
    }
    free(rs.plan.steps);
    free(rs.progress.between);
    free(rs.progress.thr1);
    free(rs.time.estimate);
    if (rs.topo)
        ob_topo_free(rs.topo);
    ob_measure_stop();
    ob_launch_free(&rs.launch);
    MPI_Finalize();
    return rc;
}
