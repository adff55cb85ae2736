/* The checks a launch makes before it creates anything: the ladder against
 * the launch, each kernel's plan, memory, the I/O directory; every rank
 * runs them and all agree on the first failing rank's message. */
#include "driver/run/checks.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/procfs.h"
#include "kernels/framework.h"

int ob_check_ladder(run_state *rs, char *err, size_t errlen)
{
    const ob_launch *l = &rs->launch;
    /* --dry-run plans the launch it will be: one rank per core */
    int node_ranks = rs->opt.dry_run ? rs->cores : l->min_node_size;
    if (rs->opt.occupancy_auto) {
        rs->plan.nladder =
            ob_topo_default_ladder(rs->topo, node_ranks, rs->plan.ladder, OB_MAX_LADDER);
        return 0;
    }
    for (int i = 0; i < rs->opt.noccupancy; i++) {
        if (rs->opt.occupancy[i] > node_ranks) {
            snprintf(err, errlen,
                     "--occupancy: %d is above the %d rank(s) per node of this launch "
                     "(accepted: 1 to %d; launch one rank per core to reach every core)",
                     rs->opt.occupancy[i], node_ranks, node_ranks);
            return -1;
        }
        rs->plan.ladder[i] = rs->opt.occupancy[i];
    }
    rs->plan.nladder = rs->opt.noccupancy;
    return 0;
}
int ob_io_dir_is_tmpfs(const char *dir)
{
    char fs[128], mount[PATH_MAX];
    return ob_fs_of_path(dir, fs, sizeof fs, mount, sizeof mount) == 0 && !strcmp(fs, "tmpfs");
}
/* Does a selected kernel have datastore I/O phases? */
int ob_uses_datastore(const ob_options *o)
{
    for (int i = 0; i < o->nkernels; i++)
        for (int p = 0; o->kernels[i]->phase_classes && o->kernels[i]->phases[p]; p++)
            if (o->kernels[i]->phase_classes[p] == OB_PHASE_IO)
                return 1;
    return 0;
}
/* Every selected kernel's plan, once per launch: a kernel that refuses its
 * preset or options is bad input. */
int ob_check_plans(run_state *rs, char *err, size_t errlen)
{
    for (int i = 0; i < rs->opt.nkernels; i++) {
        char why[256];
        if (ob_kernel_plan(rs->opt.kernels[i], rs->opt.preset, &rs->machine, &rs->opt.kopts[i],
                           &rs->plan.kernel_plans[i], why, sizeof why) != 0) {
            snprintf(err, errlen, "kernel %s cannot run at --preset %s: %s",
                     rs->opt.kernels[i]->name, ob_preset_name(rs->opt.preset), why);
            return -1;
        }
    }
    return 0;
}
/* The largest k of the ladder times each kernel's footprint must fit in
 * the node's available memory (checked on every node). */
int ob_check_memory(run_state *rs, char *err, size_t errlen)
{
    int kmax = rs->plan.ladder[rs->plan.nladder - 1];
    double avail =
        rs->launch.node_rank == 0 ? ob_meminfo_bytes(OB_PROC_MEMINFO, "MemAvailable") : INFINITY;
    int bad = 0;
    for (int i = 0; i < rs->opt.nkernels && !bad; i++) {
        const ob_plan plan = rs->plan.kernel_plans[i];
        double need = (double)plan.footprint_bytes * kmax;
        if (isfinite(avail) && need > avail) {
            snprintf(err, errlen,
                     "--preset %s: kernel %s needs %.1f GiB per rank x %d ranks = %.1f GiB, "
                     "above the %.1f GiB available on this node (accepted: a smaller preset, "
                     "fewer --kernels, or a lower --occupancy)",
                     ob_preset_name(rs->opt.preset), rs->opt.kernels[i]->name,
                     (double)plan.footprint_bytes / 1073741824.0, kmax, need / 1073741824.0,
                     avail / 1073741824.0);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}
/* Why `dir` is not a directory (writable too, with `writable`), or NULL. */
static const char *dir_problem(const char *dir, int writable)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return strerror(errno);
    if (!S_ISDIR(st.st_mode))
        return "not a directory"; /* errno is stale here: say what is wrong */
    if (writable && access(dir, W_OK | X_OK) != 0)
        return strerror(errno);
    return NULL;
}

int ob_check_io_dir(const char *dir, char *err, size_t errlen)
{
    const char *why = dir_problem(dir, 1);
    if (why) {
        snprintf(err, errlen, "--io-dir %s: %s (accepted: an existing writable directory)", dir,
                 why);
        return -1;
    }
    return 0;
}

/* A run killed during an io or isr step (SIGKILL, a node crash) leaves its
 * data files in the I/O directory; each node's leader removes its host's. */
void ob_remove_stale_data(const run_state *rs)
{
    if (rs->launch.node_rank != 0)
        return;
    char first[256] = "";
    int n = ob_kernels_remove_stale_files(rs->opt.io_dir, first, sizeof first);
    if (n > 0)
        fprintf(stderr, "occbench: removed %d data file%s a killed run left in %s (%s%s)\n", n,
                n == 1 ? "" : "s", rs->opt.io_dir, first, n > 1 ? ", ..." : "");
}
/* Every rank runs the checks; they agree on the first failing rank's message. */
int ob_checks_agree(run_state *rs, int failed, char *err, size_t errlen)
{
    int first = ob_launch_first_failing(&rs->launch, failed);
    if (first < 0)
        return 0;
    ob_launch_bcast_text(&rs->launch, first, err, errlen);
    return -1;
}

void ob_warn_node(const run_state *rs)
{
    if (rs->launch.rank != 0)
        return;
    if (ob_io_dir_is_tmpfs(rs->opt.io_dir) && ob_uses_datastore(&rs->opt))
        fprintf(stderr,
                "occbench: warning: --io-dir %s is tmpfs: the io and isr kernels then move "
                "memory, not block I/O (give a directory on the file system jobs use)\n",
                rs->opt.io_dir);
    if (rs->launch.min_node_size > rs->cores)
        fprintf(stderr,
                "occbench: warning: %d ranks per node on %d cores: ranks share cores, "
                "results do not describe the node\n",
                rs->launch.min_node_size, rs->cores);
}

/* --job-cores N: N must divide the node's cores and ranks; the job then
 * climbs its own ladder, in jobs per node (slots of N cores). */
static int job_ladder(run_state *rs, char *err, size_t errlen)
{
    int n = rs->opt.job_cores;
    if (n <= 1)
        return 0;
    int ranks = rs->opt.dry_run ? rs->cores : rs->launch.min_node_size;
    if (rs->cores % n || ranks % n || n > rs->cores || n > ranks) {
        snprintf(err, errlen,
                 "--job-cores %d: each job takes %d of the node's %d cores and %d ranks per node "
                 "(accepted: a number that divides both)",
                 n, n, rs->cores, ranks);
        return -1;
    }
    int jobs = (ranks < rs->cores ? ranks : rs->cores) / n;
    run_plan *p = &rs->plan;
    p->njob_ladder = 0;
    if (rs->opt.occupancy_auto) {
        int per_l3 = ob_topo_cores_per_l3(rs->topo) / n;
        p->njob_ladder =
            ob_ladder_default(jobs, per_l3 > 0 ? per_l3 : 1, ob_topo_l3_domain_count(rs->topo),
                              ob_topo_package_count(rs->topo), jobs, p->job_ladder, OB_MAX_LADDER);
        return 0;
    }
    for (int i = 0; i < p->nladder; i++)
        if (p->ladder[i] <= jobs)
            p->job_ladder[p->njob_ladder++] = p->ladder[i];
    if (p->njob_ladder == 0) {
        snprintf(err, errlen,
                 "--occupancy: with --job-cores %d the job climbs to %d job(s) per node (accepted: "
                 "levels from 1 to %d)",
                 n, jobs, jobs);
        return -1;
    }
    return 0;
}

int ob_check_job(run_state *rs, char *err, size_t errlen)
{
    if (!rs->opt.job.argc)
        return 0;
    char why[512];
    if (ob_job_resolve(rs->opt.job.argv[0], rs->record.job_path, sizeof rs->record.job_path, why,
                       sizeof why) != 0) {
        snprintf(err, errlen,
                 "the job's command %s (accepted: an executable file, or a name on "
                 "PATH)",
                 why);
        return -1;
    }
    if (job_ladder(rs, err, errlen) != 0)
        return -1;
    rs->opt.job.path = rs->record.job_path;
    if (!getcwd(rs->record.job_cwd, sizeof rs->record.job_cwd))
        snprintf(rs->record.job_cwd, sizeof rs->record.job_cwd, "unreadable: %s", strerror(errno));
    ob_job_kernel(&rs->opt.job); /* the same kernel, now with its executable */
    if (rs->opt.dry_run && !(rs->opt.job_seconds > 0)) {
        snprintf(err, errlen,
                 "--dry-run with a job needs --job-seconds S, one run's expected duration "
                 "(accepted: e.g. --job-seconds 30)");
        return -1;
    }
    return 0;
}

int ob_check_environment(char *err, size_t errlen)
{
    const char *dir = getenv("OCCBENCH_DATA_DIR");
    const char *why = dir && *dir ? dir_problem(dir, 0) : NULL;
    if (!why)
        return 0;
    snprintf(err, errlen,
             "OCCBENCH_DATA_DIR=%s: %s (accepted: a directory holding events.conf and "
             "step_time.conf, or unset)",
             dir, why);
    return -1;
}
