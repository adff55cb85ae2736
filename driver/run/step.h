/* One step (kernel, placement, k) as seen by one rank: set up (active
 * ranks bind and allocate; parked ranks unbind), measure (active ranks run
 * repetitions until the window closes and every active rank has its
 * minimum; parked ranks sleep), tear down. Records stay in this rank's
 * memory for the step only. */
#ifndef OCCBENCH_STEP_H
#define OCCBENCH_STEP_H

#include <mpi.h>
#include <signal.h>
#include <stddef.h>

#include "kernels/framework.h"
#include "driver/measure/measure.h"
#include "occbench/records.h"
#include "driver/node/topo.h"

typedef struct ob_step_run {
    /* inputs */
    const ob_kernel *kernel;
    const ob_kopt_values *kopts; /* the kernel's option values for this launch */
    ob_preset preset;
    ob_machine machine;
    const char *io_dir;
    const ob_topo *topo;
    int active;
    int core;         /* logical core to bind to (active) */
    const int *cores; /* with ncores > 1 (a job's --job-cores): the cores to bind to */
    int ncores;
    int core_os; /* its OS PU index, recorded */
    int node_index, rank;
    int node_rank, k; /* this rank on its node; the step's active ranks per node */
    double window;
    int min_reps;
    double probe_seconds;
    double epoch;
    const volatile sig_atomic_t *stop; /* set by SIGTERM */
    MPI_Comm world;

    /* outputs */
    ob_rep_record *reps;
    size_t nreps, reps_cap;
    ob_phase_record *phases;
    size_t nphases, phases_cap;
    int failed;                      /* setup/run/verify failed on this rank */
    int enospc;                      /* the failure was a full I/O directory */
    char reason[256];                /* why, when failed */
    int counted;                     /* counted repetitions */
    double rep_seconds, probe_spent; /* time in repetitions and in the clock probe so far */
    int interrupted;                 /* stopped early by SIGTERM */
    double parked_cpu;               /* CPU seconds / wall seconds while parked (parked ranks) */

    /* private */
    void *state;
    ob_ctx ctx;
    ob_snapshot phase_start;
    ob_sample phase_acc[OB_MAX_PHASES];
    int phase_used[OB_MAX_PHASES];
} ob_step_run;

/* Active: bind, then kernel setup (first touch lands on the bound core).
 * Parked: unbind. Not collective. Returns 0 or -1 (run->reason set). */
int ob_step_setup(ob_step_run *run);
/* Collective over run->world (every rank, active or parked, calls it once
 * the step's start barrier has passed). */
void ob_step_measure(ob_step_run *run);
void ob_step_teardown(ob_step_run *run);
void ob_step_free(ob_step_run *run);

#endif
