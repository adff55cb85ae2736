/* Checks before anything is created (driver/run/checks.c). Each returns 0,
 * or -1 with a one-line message naming the bad value and what is accepted. */
#ifndef OCCBENCH_CHECKS_H
#define OCCBENCH_CHECKS_H

#include <stddef.h>

#include "driver/run/run_state.h"

/* The variables occbench reads: OCCBENCH_DATA_DIR, when set, is a directory. */
int ob_check_environment(char *err, size_t errlen);
/* The ladder: --occupancy against the ranks per node, or the default one. */
int ob_check_ladder(run_state *rs, char *err, size_t errlen);
/* Every selected kernel's plan, once per launch: a kernel that refuses its
 * preset or options is bad input. */
int ob_check_plans(run_state *rs, char *err, size_t errlen);
/* The largest k times each kernel's footprint fits the node's memory. */
int ob_check_memory(run_state *rs, char *err, size_t errlen);
/* An existing writable directory. */
int ob_check_io_dir(const char *dir, char *err, size_t errlen);
/* Collective: 0 when no rank failed, else -1 with the first failing rank's err. */
int ob_checks_agree(run_state *rs, int failed, char *err, size_t errlen);

int ob_io_dir_is_tmpfs(const char *dir);
/* Does a selected kernel have datastore I/O phases? */
int ob_uses_datastore(const ob_options *o);
/* The job's command: an executable, resolved on PATH (exit 2 otherwise);
 * --dry-run needs its --job-seconds. */
int ob_check_job(run_state *rs, char *err, size_t errlen);
/* Rank 0: warn of an I/O directory on tmpfs and of ranks sharing cores. */
void ob_warn_node(const run_state *rs);
/* Node leaders: remove the data files a killed run left in the I/O directory. */
void ob_remove_stale_data(const run_state *rs);

#endif
