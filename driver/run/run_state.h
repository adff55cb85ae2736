/* What a launch holds between steps, for the run layer's modules, in the
 * parts they use: the plan (the ladder and its steps: checks.c, steplist.c),
 * the time model (budget.c), what the file records (start.c), and the
 * ladder's progress (ladder.c). main.c owns the whole. */
#ifndef OCCBENCH_RUN_STATE_H
#define OCCBENCH_RUN_STATE_H

#include <limits.h>
#include <stddef.h>

#include "driver/measure/metrics.h"
#include "driver/node/launch.h"
#include "driver/node/topo.h"
#include "driver/run/calibration.h"
#include "driver/run/options.h"
#include "driver/run/steptime.h"

typedef struct ob_results ob_results; /* driver/record/results.h */
typedef struct ob_sampler ob_sampler; /* driver/measure/sampler.h */

/* One step of the ladder. */
typedef struct step_def {
    const ob_kernel *kernel;
    ob_placement placement;
    int k;
    const char *label;           /* the step group's placement name ("compact", or an injection) */
    ob_inject_kind inject;       /* --calibrate: the contention injected next to it */
    const ob_kopt_values *kopts; /* the kernel's option values */
    ob_plan plan;                /* the kernel's plan at this launch's preset, machine, options */
    char kernel_options[512];    /* kopts as NAME=VALUE;..., for the step's attribute */
    char phase_classes[512];     /* "compute,io,...", for the step's attribute */
    int same_as; /* index of an earlier step on the same cores (k=1, k=cores), or -1: not
                    measured again, its group linked under this placement */
    int width;   /* cores per active rank: a job's --job-cores (k counts jobs), else 1 */
} step_def;

/* The ladder and its steps. */
typedef struct run_plan {
    int ladder[OB_MAX_LADDER];
    int nladder;
    int job_ladder[OB_MAX_LADDER]; /* a job of --job-cores N: its levels, in jobs per node */
    int njob_ladder;
    step_def *steps;
    int nsteps;
    ob_plan kernel_plans[OB_MAX_KERNELS];   /* [i]: opt.kernels[i], computed once per launch */
    int calibration_ok[OB_MAX_CALIBRATION]; /* --calibrate: which injections run */
    char calibration_why[OB_MAX_CALIBRATION][256]; /* and why the others do not */
} run_plan;

/* The time model of --dry-run, --budget and the ETA. */
typedef struct run_time {
    ob_steptime steptime; /* reference step times (data/step_time.conf) */
    int have_steptime;    /* 0: the table could not be read (ETA from elapsed time) */
    double *estimate;     /* estimate[i]: step i's seconds by the model (0: linked) */
    int measured;         /* kernels whose times were measured on this node (--dry-run, --budget) */
    double measure_s;     /* the seconds measuring them took */
} run_time;

/* The results file and what it records besides the steps. */
typedef struct run_record {
    ob_results *results;
    char output[PATH_MAX];
    ob_metric_source sources[OB_METRIC_COUNT];
    char cpu_label[64];
    double phase_mark_cost;        /* seconds a pair of phase marks costs (measured at start) */
    char job_path[PATH_MAX];       /* the job's executable (ob_check_job) */
    char job_log_prefix[PATH_MAX]; /* its per-rank logs: PREFIX.rRANK.out|err */
    char job_cwd[PATH_MAX];        /* where it runs (the launch's working directory) */
} run_record;

/* How far the ladder got. */
typedef struct run_progress {
    int failed_steps;
    char first_failure[512];
    const int *skipped;   /* during the ladder: steps already in a resumed file */
    double last_step_end; /* t_end of this launch's previous step; NaN before the first */
    double *between;      /* between[i]: step i's between_s (rank 0), NaN if not run */
    double *thr1;         /* thr1[i]: rank 0, a k=1 step's throughput (NaN: not run here) */
} run_progress;

/* Everything a launch holds between steps. */
typedef struct run_state {
    ob_launch launch;
    ob_options opt;
    ob_topo *topo;
    ob_machine machine;
    int cores;
    double epoch;
    ob_sampler *sampler; /* node leaders */
    run_plan plan;
    run_time time;
    run_record record;
    run_progress progress;
} run_state;

#endif
