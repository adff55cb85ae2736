/* Command-line options of the occbench driver. Parsing is pure (no MPI, no
 * I/O) so every rank parses the same argv to the same result and the
 * parser is unit-tested; checks that need the node (occupancy against
 * ranks per node, memory) happen in the driver afterwards. */
#ifndef OCCBENCH_OPTIONS_H
#define OCCBENCH_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "driver/node/topo.h"
#include "kernels/framework.h"
#include "occbench/kernel.h"

#define OB_MAX_KERNELS 32
#define OB_MAX_LADDER 256
#define OB_MAX_KOPT_ARGS 64

/* Exit statuses of occbench. */
enum {
    OB_EXIT_OK = 0,
    OB_EXIT_FAILED = 1,      /* a step failed validation or could not run */
    OB_EXIT_USAGE = 2,       /* bad input: nothing was created or changed */
    OB_EXIT_INTERRUPTED = 3, /* SIGTERM: the file holds every finished step, --resume continues */
};

typedef struct ob_options {
    const ob_kernel *kernels[OB_MAX_KERNELS];
    int nkernels;
    int occupancy[OB_MAX_LADDER]; /* sorted, unique; empty when occupancy_auto */
    int noccupancy;
    int occupancy_auto;
    ob_placement placements[2];
    int nplacements;
    ob_preset preset;
    double window;        /* seconds of measurement per step */
    int min_reps;         /* counted repetitions per active rank, at least */
    double probe_seconds; /* freq probe after each repetition; 0 disables */
    double sample_period; /* node sampler period */
    const char *output;   /* NULL: results/<host>-<date>.h5 */
    const char *site;     /* NULL: the host name */
    const char *io_dir;
    const char *events; /* --events overrides, NULL when none */
    const char *resume; /* file to continue, NULL when none */
    /* --kopt KERNEL.NAME=VALUE, as given (repeatable), and every selected
     * kernel's resolved values (kopts[i] belongs to kernels[i]). */
    const char *kopt_assign[OB_MAX_KOPT_ARGS];
    int nkopt_assign;
    ob_kopt_values kopts[OB_MAX_KERNELS];
    int force;
    int calibrate;        /* --calibrate: the injection ladder instead of the kernels' */
    long calibrate_khz;   /* --calibrate-freq: the clock cap (0: the core's minimum) */
    double budget;        /* --budget: seconds the whole ladder may take (0: none) */
    int window_given;     /* --window was on the command line */
    int dry_run;          /* --dry-run: print the plan, create nothing */
    const char *topology; /* --topology FILE: an hwloc synthetic description or XML */
    /* occbench [options] -- COMMAND [ARGS...]: the job, a kernel of the ladder
     * (kernels/job/job.h); job.argc 0 when there is none. The job's kernel is
     * the last of kernels[]. */
    ob_job_spec job;
    double job_seconds;  /* --job-seconds: one run's expected duration, for --dry-run */
    int job_cores;       /* --job-cores: cores per job (1); the job's k then counts jobs */
    double step_timeout; /* --step-timeout: a step's bound without progress (0: the default) */
    int list, info, help, version;
} ob_options;

/* Parse argv. Returns 0, or OB_EXIT_USAGE with a one-line message naming
 * the bad value and what is accepted. */
int ob_options_parse(int argc, char *const argv[], ob_options *o, char *err, size_t errlen);

/* The canonical configuration string stored in the file and compared by
 * --resume: key=value pairs joined by ';'. `ladder` is the resolved
 * occupancy list; ranks and nodes describe the launch. */
void ob_options_config(const ob_options *o, const int *ladder, int nladder, int ranks, int nodes,
                       char *out, size_t outlen);

/* Usage text. */
void ob_options_usage(FILE *f);

#endif
