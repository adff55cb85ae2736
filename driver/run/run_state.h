/* What a launch holds between steps, shared by the orchestration
 * (driver/main.c) and the ladder (driver/run/ladder.c). */
#ifndef OCCBENCH_RUN_STATE_H
#define OCCBENCH_RUN_STATE_H

#include <limits.h>
#include <signal.h>
#include <stddef.h>

#include "driver/node/inject.h"
#include "driver/node/launch.h"
#include "driver/measure/measure.h"
#include "driver/run/options.h"
#include "driver/record/results.h"
#include "driver/measure/sampler.h"
#include "driver/run/steptime.h"
#include "driver/node/topo.h"

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
} step_def;

/* Everything a launch holds between steps. */
typedef struct run_state {
    ob_launch launch;
    ob_options opt;
    ob_topo *topo;
    ob_machine machine;
    int cores;
    int ladder[OB_MAX_LADDER];
    int nladder;
    step_def *steps;
    int nsteps;
    ob_results *results;
    ob_sampler *sampler;
    double epoch;
    char output[PATH_MAX];
    int failed_steps;
    char first_failure[512];
    ob_metric_source sources[OB_METRIC_COUNT];
    char cpu_label[64];
    ob_plan plans[OB_MAX_KERNELS]; /* plans[i]: opt.kernels[i], computed once per launch */
    double phase_mark_cost;        /* seconds a pair of phase marks costs (measured at start) */
    ob_steptime steptime;          /* reference step times (data/step_time.conf) */
    int have_steptime;             /* 0: the table could not be read (ETA from elapsed time) */
    double *estimate;              /* estimate[i]: step i's seconds by the model (0: linked) */
    const int *skipped;            /* during the ladder: steps already in a resumed file */
    double last_step_end;          /* t_end of this launch's previous step; NaN before the first */
    double *between;               /* between[i]: step i's between_s (rank 0), NaN if not run */
    int calibration_ok[16];        /* --calibrate: which injections run */
    char calibration_why[16][256]; /* and why the others do not */
} run_state;

/* Set by the SIGTERM handler; the ladder finishes the current step. */
extern volatile sig_atomic_t ob_stop_requested;

/* Run every step not already in the file (a resumed run skips those);
 * returns 0, or -1 when the results file could not be written. */
int ob_ladder_run(run_state *rs, int *interrupted, char *err, size_t errlen);
/* --calibrate: the OS index of the active rank's PU (k=1, compact order)
 * and of the other cores of its L3 domain. */
void ob_calibration_cores(const run_state *rs, const int *order, int *target, int *others,
                          int *nothers);

/* Append the node samplers' samples since the last call (collective). */
int ob_ladder_write_monitor(run_state *rs, char *err, size_t errlen);

#endif
