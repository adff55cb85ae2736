/* The records occbench writes: one C struct per HDF5 compound type.
 * This header is the schema (docs/ARCHITECTURE.md explains it); the writer
 * (driver/results.c) and the reader (analysis/) both build their HDF5
 * types from these structs, so they cannot drift apart.
 *
 * Units: seconds, bytes, counts. A metric that was not measured is NaN
 * (its reason is in /counters), never 0. */
#ifndef OCCBENCH_RECORDS_H
#define OCCBENCH_RECORDS_H

#include <stdint.h>

#define OB_SCHEMA_VERSION 1

/* Measured deltas over one interval (a repetition or a phase). */
typedef struct ob_sample {
    double wall;       /* CLOCK_MONOTONIC seconds */
    double user;       /* getrusage(RUSAGE_THREAD) user seconds */
    double sys;        /* system seconds */
    double run_delay;  /* /proc/thread-self/schedstat field 2: seconds runnable but waiting */
    double blkio;      /* block-I/O delay seconds (taskstats/delayacct); NaN where not available */
    double rbytes;     /* /proc/thread-self/io read_bytes (storage) */
    double wbytes;     /* write_bytes */
    double vcsw;       /* voluntary context switches */
    double ivcsw;      /* involuntary context switches */
    double minflt;     /* minor page faults */
    double majflt;     /* major page faults */
    double cycles;     /* PAPI metric "cycles"; NaN when missing */
    double instr;      /* "instructions" */
    double ref_cycles; /* "ref_cycles" (TSC-rate reference cycles) */
    double llc_miss;   /* "llc_misses" */
    double task_clock; /* software event perf::TASK-CLOCK seconds; NaN when missing */
} ob_sample;

/* /steps/<kernel>/<placement>/kNNNN/reps: one row per repetition per active rank. */
typedef struct ob_rep_record {
    int32_t node; /* node index (order of node leaders' world ranks) */
    int32_t rank; /* MPI world rank */
    int32_t core; /* OS index of the PU the rank was bound to */
    int32_t rep;  /* 0 = warm-up (not counted), 1.. = counted */
    double t0;    /* start, seconds since the launch's common epoch */
    ob_sample s;
    double maxrss_kb; /* ru_maxrss after the repetition */
    double f_probe;   /* GHz from the freq probe run just after this repetition; NaN if not run */
    int32_t ok;       /* 1 when the kernel verified this repetition */
} ob_rep_record;

/* /steps/.../phases: one row per phase per repetition per active rank. */
typedef struct ob_phase_record {
    int32_t node;
    int32_t rank;
    int32_t rep;
    int32_t phase; /* index into the kernel's phase list (attribute "phases" of the step) */
    ob_sample s;
} ob_phase_record;

/* /summary/<kernel>/<placement>: one row per k, medians over counted reps of all active ranks. */
typedef struct ob_summary_row {
    int32_t k; /* active ranks per node */
    int32_t nodes;
    int32_t reps;               /* counted repetitions, all nodes */
    int32_t valid;              /* 1 when every repetition verified */
    double window;              /* seconds the step's measuring window lasted */
    double throughput_per_node; /* counted reps / window / nodes */
    double efficiency;          /* throughput(k) / (k * throughput(1)); NaN when k=1 missing */
    double figure;     /* kernel figure of merit per rank (median), see attribute figure_name */
    ob_sample median;  /* per-field medians of counted reps */
    double f_probe;    /* median probe GHz */
    double parked_cpu; /* most CPU (cores) any parked rank used while parked; ~0 */
} ob_summary_row;

/* /monitor/<node>: node-leader sampler series. */
typedef struct ob_monitor_sample {
    double t;     /* seconds since the launch's common epoch */
    int32_t step; /* step index in the launch's step list; -1 between steps */
    int32_t pad;
    double util_busy;    /* fraction of all node CPUs busy (0..1) over the interval */
    double util_active;  /* mean busy fraction of the cores of active ranks */
    double util_parked;  /* mean busy fraction of the cores of parked ranks (should be ~0) */
    double psi_cpu_some; /* PSI avg10 (%), NaN where /proc/pressure is absent */
    double psi_io_some;
    double psi_io_full;
    double psi_mem_some;
    double mem_used_bytes;
    double mem_avail_bytes;
    double energy_j; /* cumulative package energy from powercap since start; NaN if unreadable */
} ob_monitor_sample;

#endif
