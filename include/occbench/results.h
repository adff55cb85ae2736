/* The results file: one self-describing HDF5 file per launch, written
 * collectively with parallel HDF5 (every rank its own hyperslab) after
 * every step and flushed, so a job killed at any moment between writes
 * leaves a readable file with every finished step. Layout (see
 * docs/ARCHITECTURE.md):
 *
 *   /            attrs schema_version, occbench_version, site, created,
 *                command, config, complete (0 until a normal end)
 *   /system      provenance attrs; datasets hostnames, topology.xml
 *   /counters    compound rows (node, metric, event, available, reason)
 *   /steps/<kernel>/<placement>/kNNNN   attrs k, step, valid, reason,
 *                phases, figure_name, work_unit, work_units, window, t_start,
 *                t_end, done; datasets reps, phases (records.h)
 *   /summary/<kernel>/<placement>       ob_summary_row per k (appended)
 *   /monitor/node<NNNN>                 samples (ob_monitor_sample),
 *                cpu_busy (samples x cpus), appended per step
 *
 * Every function here is collective over the communicator given at
 * create/resume unless it says otherwise, and returns 0 or -1 with a
 * one-line message in err (the same on every rank where possible). */
#ifndef OCCBENCH_RESULTS_H
#define OCCBENCH_RESULTS_H

#include <mpi.h>
#include <stddef.h>

#include "occbench/measure.h"
#include "occbench/records.h"

typedef struct ob_results ob_results;

typedef struct ob_run_info {
    const char *occbench_version;
    const char *site;
    const char *created;  /* ISO 8601 UTC */
    const char *command;  /* the full command line */
    const char *config;   /* canonical configuration string; --resume requires equality */
} ob_run_info;

/* Create `path`; fails if it exists unless `force`. Nothing is created
 * when it fails. */
int ob_results_create(MPI_Comm comm, const char *path, int force, const ob_run_info *info,
                      ob_results **out, char *err, size_t errlen);

/* Open an existing file to continue it. Fails (and changes nothing) when
 * it is not an occbench file, its schema_version differs from
 * OB_SCHEMA_VERSION, or its config attribute differs from `config` (the
 * message names the first differing field). Steps that were started but
 * not finished (no done attribute) are removed. */
int ob_results_resume(MPI_Comm comm, const char *path, const char *config, ob_results **out,
                      char *err, size_t errlen);

/* Provenance key/value pairs become string attributes of /system; every
 * rank passes the same pairs (rank 0's are written). hostnames: one per
 * node (same array on every rank). topology_xml: rank 0's node. */
typedef struct ob_kv {
    const char *key;
    const char *value;
} ob_kv;
int ob_results_write_system(ob_results *r, const ob_kv *pairs, size_t npairs,
                            const char *const *hostnames, int nnodes, const char *topology_xml,
                            char *err, size_t errlen);

/* Counter sources of every node: sources[node * OB_METRIC_COUNT + metric],
 * the same array on every rank. Also writes /counters attrs cpu_family
 * per node (labels[node]). */
int ob_results_write_counters(ob_results *r, const ob_metric_source *sources,
                              const char *const *labels, int nnodes, char *err, size_t errlen);

/* Non-collective query: 1 when the step (kernel, placement, k) is in the
 * file with done=1, else 0. */
int ob_results_step_done(const ob_results *r, const char *kernel, const char *placement, int k);

typedef struct ob_step_info {
    const char *kernel;
    const char *placement;
    int k;
    int step;                 /* index in the launch's step list */
    const char *const *phases; /* NULL-terminated */
    const char *figure_name;
    const char *work_unit;
    double work_units;
    int valid;                /* the same on every rank */
    const char *reason;       /* why invalid/failed; "" when valid */
    double window, t_start, t_end;
} ob_step_info;

/* Write one step: each rank passes its own rows (parked ranks pass 0). */
int ob_results_write_step(ob_results *r, const ob_step_info *info, const ob_rep_record *reps,
                          size_t nreps, const ob_phase_record *phases, size_t nphases, char *err,
                          size_t errlen);

/* Append one summary row (the same on every rank) to /summary/<kernel>/<placement>;
 * figure_name and work_unit become attributes of that dataset. */
int ob_results_append_summary(ob_results *r, const char *kernel, const char *placement,
                              const char *figure_name, const ob_summary_row *row, char *err,
                              size_t errlen);

/* Non-collective: the stored summary row for k (to compute efficiency
 * against k=1 after --resume). Returns 0 when found, -1 otherwise. */
int ob_results_read_summary(const ob_results *r, const char *kernel, const char *placement, int k,
                            ob_summary_row *out);

/* Append monitor samples: node leaders pass their node's samples and
 * cpu_busy (n x ncpus); other ranks pass node=-1, n=0. */
int ob_results_append_monitor(ob_results *r, int node, const ob_monitor_sample *samples, size_t n,
                              const float *cpu_busy, int ncpus, char *err, size_t errlen);

/* Flush to storage (H5Fflush + the MPI-IO sync). */
int ob_results_flush(ob_results *r, char *err, size_t errlen);

/* Set complete=1 when `complete`, then close. Frees r in any case. */
int ob_results_close(ob_results *r, int complete, char *err, size_t errlen);

#endif
