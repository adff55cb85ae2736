/* The results file: one self-describing HDF5 file per launch, written by
 * rank 0 alone with serial HDF5 and committed after every step through a
 * rollback journal (common/results_journal.h), so a job killed at any
 * instant, even inside a commit, leaves a file with every committed step,
 * and occbench-analyze can read it while the run goes on. Layout
 * (see docs/ARCHITECTURE.md; compound types in records_h5.h):
 *
 *   /            attrs schema_version, occbench_version, site, created,
 *                command, config, complete (0 until a normal end)
 *   /system      provenance attrs (one string attr per pair); datasets
 *                hostnames (1-D strings, index = node), topology.xml
 *                (scalar string: rank 0's node)
 *   /counters    datasets sources (ob_counter_row: node, metric, event,
 *                available, reason, scale; one row per node and metric)
 *                and cpu_family (1-D strings, index = node)
 *   /steps/<kernel>/<placement>/kNNNN   attrs OB_STEP_ATTRS (records.h),
 *                phases (1-D strings), done (=1, written last); datasets
 *                reps, phases (records.h; rows of rank 0, then rank 1, ...)
 *   /summary/<kernel>/<placement>       ob_summary_row per k (appended;
 *                extendible, chunked); attr figure_name
 *   /monitor/node<NNNN>                 samples (ob_monitor_sample),
 *                cpu_busy (float, samples x cpus), appended per step
 *
 * Integers attrs are int64, reals float64. Strings are fixed-length,
 * null-padded UTF-8 (h5py reads them as bytes). The file uses HDF5's
 * default (earliest) format: no SWMR, and no "file open" flag that would
 * make a killed file need h5clear.
 *
 * Every function here is called by every rank of the communicator given
 * at create/resume unless it says otherwise: rank 0 writes, with its own
 * arguments, the other ranks wait asleep for the outcome. Each returns 0,
 * or OB_RESULTS_REFUSED / OB_RESULTS_IO_FAILED with a one-line message in
 * err (the same on every rank). A write that finds the disk too full
 * fails before it changes the file. */
#ifndef OCCBENCH_RESULTS_H
#define OCCBENCH_RESULTS_H

#include <mpi.h>
#include <stddef.h>

#include "driver/measure/measure.h"
#include "occbench/records.h"

typedef struct ob_results ob_results;

/* What the functions below return when they fail: the arguments (or the
 * file given to resume) were refused, or the storage failed (a full disk)
 * after they were accepted. */
enum { OB_RESULTS_REFUSED = -1, OB_RESULTS_IO_FAILED = -2 };

typedef struct ob_run_info {
    const char *occbench_version;
    const char *site;
    const char *created; /* ISO 8601 UTC */
    const char *command; /* the full command line */
    const char *config;  /* canonical configuration string; --resume requires equality */
} ob_run_info;

/* Create `path`; fails if it exists unless `force`. The file reaches the
 * disk whole at the first commit (with what was written before it, e.g.
 * /system); nothing is created when it fails or the launch ends first. */
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

/* Counter sources of every node: sources[node * OB_METRIC_COUNT + metric]
 * (rank 0's array is written). Also writes the /counters dataset
 * cpu_family, one string per node (labels[node]). Both functions replace
 * what an earlier call wrote. */
int ob_results_write_counters(ob_results *r, const ob_metric_source *sources,
                              const char *const *labels, int nnodes, char *err, size_t errlen);

/* Rank 0 alone: 1 when the step (kernel, placement, k) is in the file
 * with done=1, else 0 (0 on other ranks). */
int ob_results_step_done(ob_results *r, const char *kernel, const char *placement, int k);

typedef struct ob_step_info {
    const char *kernel;
    const char *placement;
    const char *const *phases; /* NULL-terminated */
    ob_step_attrs attrs;       /* k, step, valid (the same on every rank), reason, ... */
} ob_step_info;

/* Write one step: rank 0 passes the rows of every rank, in rank order
 * (the other ranks' rows are ignored; ob_gather_rows collects them).
 * Refused when the step is already in the file with done=1; an unfinished
 * group of the same step is replaced. kernel/placement: 1-200 characters,
 * no '/'; 0 <= k <= 9999. */
int ob_results_write_step(ob_results *r, const ob_step_info *info, const ob_rep_record *reps,
                          size_t nreps, const ob_phase_record *phases, size_t nphases, char *err,
                          size_t errlen);

/* Append one summary row (rank 0's is written) to /summary/<kernel>/<placement>;
 * figure_name becomes an attribute of that dataset. A row with a k already
 * stored replaces that row (a step written again after --resume). */
int ob_results_append_summary(ob_results *r, const char *kernel, const char *placement,
                              const char *figure_name, const ob_summary_row *row, char *err,
                              size_t errlen);

/* Rank 0 alone: the stored summary row for k (to compute efficiency
 * against k=1 after --resume). Returns 0 when found, -1 otherwise (and on
 * other ranks). */
int ob_results_read_summary(ob_results *r, const char *kernel, const char *placement, int k,
                            ob_summary_row *out);

/* Append monitor samples: node leaders pass their node's samples and
 * cpu_busy (n x ncpus, row-major; NULL when ncpus is 0); other ranks pass
 * node=-1, n=0. They reach rank 0 by sleeping gathers. A node's group is
 * created by its first call, even with n=0. ncpus must stay the same for
 * a node. */
int ob_results_append_monitor(ob_results *r, int node, const ob_monitor_sample *samples, size_t n,
                              const float *cpu_busy, int ncpus, char *err, size_t errlen);

/* One step in one call, all of it or none: the summary row, the step
 * (as ob_results_write_step), the monitor samples since the last call (as
 * ob_results_append_monitor: each rank its own), then commit. The bytes
 * of all three are reserved first, so a full disk leaves the file as the
 * last commit left it. */
typedef struct ob_step_record {
    ob_step_info info;
    const ob_rep_record *reps; /* rank 0: every rank's rows, in rank order */
    size_t nreps;
    const ob_phase_record *phases;
    size_t nphases;
    const char *figure_name;       /* rank 0: the summary dataset's attribute */
    const ob_summary_row *summary; /* rank 0 */
    int monitor_node;              /* node leaders: their node index; others -1 */
    const ob_monitor_sample *samples;
    size_t nsamples;
    const float *cpu_busy;
    int ncpus;
} ob_step_record;
int ob_results_record_step(ob_results *r, const ob_step_record *s, char *err, size_t errlen);

/* A step measured once but belonging to two placements (the same cores):
 * /steps/<kernel>/<to>/kNNNN becomes a hard link to the group of <from>
 * (readers see it under both; the data is stored once) and the summary
 * row of <from> is copied to /summary/<kernel>/<to>. Then commit. */
int ob_results_link_step(ob_results *r, const char *kernel, const char *from, const char *to, int k,
                         const char *figure_name, char *err, size_t errlen);

/* End of a step's writes: carry them to storage, synced, through the
 * journal. What was written before is then on disk, consistent, and
 * readable by others; a kill inside leaves this commit or the last. */
int ob_results_commit(ob_results *r, char *err, size_t errlen);

/* Set complete=1 when `complete`, then close. Frees r in any case. */
int ob_results_close(ob_results *r, int complete, char *err, size_t errlen);

#endif
