/* A job: an outside command run as a kernel of the ladder (occbench [options]
 * -- COMMAND [ARGS...]). One run of the command is one repetition; its whole
 * process tree is measured (kernels/job/job_tree.h) and it may mark its own
 * phases on the pipe OCCBENCH_PHASE_FD names (kernels/job/job_marks.h). The
 * driver builds the kernel from the options through kernels/framework.h. */
#ifndef OCCBENCH_JOB_H
#define OCCBENCH_JOB_H

#include <stddef.h>

#include "kernels/job/job_marks.h" /* ob_job_name_char: the names' one rule */
#include "occbench/kernel.h"

typedef struct ob_job_spec {
    const char *name;  /* --job-name, or the command's base name */
    const char *path;  /* the executable, resolved on PATH (ob_job_resolve) */
    char *const *argv; /* the command and its arguments: {rank}, {node_rank}, {k}, {rep} and
                          {io_dir} are substituted at each run */
    int argc;
    double timeout; /* --job-timeout: seconds after which a run's tree is killed (0: never) */
} ob_job_spec;

/* The job as a kernel (one per launch: a second call replaces the first).
 * The spec's strings are borrowed for the launch. */
const ob_kernel *ob_job_kernel(const ob_job_spec *spec);

/* Where the per-rank logs go: PREFIX.rRANK.out and PREFIX.rRANK.err (the
 * driver names them after the results file). Borrowed. */
void ob_job_set_log_prefix(const char *prefix);

/* The executable `cmd` names: itself when it holds a '/', else the first
 * match on PATH. 0 with the path in out, or -1 with why (not found, not
 * executable, a directory). */
int ob_job_resolve(const char *cmd, char *out, size_t outlen, char *why, size_t whylen);

/* What the job's counters count on this node, one "metric: event or why
 * not" item per counter metric (for /system job_counters). */
void ob_job_counters_report(char *out, size_t outlen);

#endif
