/* Process-tree accounting of a job (see job_tree.h). */
#include "kernels/job/job_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/procfs.h"

/* The perf events of a tree, each inherited by every thread and child. */
enum { EV_TASK_CLOCK, EV_CYCLES, EV_INSTR, EV_REF_CYCLES, EV_LLC_MISS, EV_COUNT };

static const struct {
    const char *metric, *event;
    unsigned type;
    unsigned long long config;
} events[EV_COUNT] = {
    [EV_TASK_CLOCK] = {"task_clock", "perf::TASK-CLOCK", PERF_TYPE_SOFTWARE,
                       PERF_COUNT_SW_TASK_CLOCK},
    [EV_CYCLES] = {"cycles", "perf::CYCLES", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    [EV_INSTR] = {"instructions", "perf::INSTRUCTIONS", PERF_TYPE_HARDWARE,
                  PERF_COUNT_HW_INSTRUCTIONS},
    [EV_REF_CYCLES] = {"ref_cycles", "perf::REF-CYCLES", PERF_TYPE_HARDWARE,
                       PERF_COUNT_HW_REF_CPU_CYCLES},
    [EV_LLC_MISS] = {"llc_misses", "perf::CACHE-MISSES", PERF_TYPE_HARDWARE,
                     PERF_COUNT_HW_CACHE_MISSES},
};

typedef struct task_seen {
    pid_t tid;
    double run_delay, blkio; /* seconds, the latest reading */
} task_seen;

struct ob_tree {
    pid_t root;
    int fd[EV_COUNT];
    double t0;
    task_seen *tasks;
    size_t ntasks, cap;
    int delayacct;
    double clk_tck;
    double pss_peak_kb, rss_peak_kb;
    int scans;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* An inherited counter on `pid` (or this process for pid 0), enabled at its
 * exec; kernel time counted where perf_event_paranoid lets us, else user
 * time only. -1 with errno when refused. */
static int open_event(pid_t pid, int ev, int enable_on_exec)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = events[ev].type;
    a.config = events[ev].config;
    a.disabled = enable_on_exec;
    a.enable_on_exec = enable_on_exec;
    a.inherit = 1;
    a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    int fd = (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0 && (errno == EACCES || errno == EPERM)) {
        a.exclude_kernel = a.exclude_hv = 1;
        fd = (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    }
    return fd;
}

/* The count, scaled for multiplexing; NaN when not counted. */
static double read_event(int fd)
{
    unsigned long long v[3];
    if (fd < 0 || read(fd, v, sizeof v) != (ssize_t)sizeof v)
        return NAN;
    if (v[2] == 0)
        return v[1] == 0 ? 0.0 : NAN;
    return (double)v[0] * ((double)v[1] / (double)v[2]);
}

_Static_assert(EV_COUNT == OB_TREE_NCOUNTERS, "OB_TREE_NCOUNTERS counts the events");

void ob_tree_open_counters(int fds[OB_TREE_NCOUNTERS])
{
    for (int e = 0; e < EV_COUNT; e++)
        fds[e] = open_event(0, e, 1);
}

ob_tree *ob_tree_adopt(pid_t pid, const int fds[OB_TREE_NCOUNTERS])
{
    ob_tree *t = calloc(1, sizeof *t);
    if (!t) {
        for (int e = 0; e < EV_COUNT; e++)
            if (fds[e] >= 0)
                close(fds[e]);
        return NULL;
    }
    t->root = pid;
    for (int e = 0; e < EV_COUNT; e++)
        t->fd[e] = fds[e];
    t->delayacct = ob_delayacct_state() == 1;
    long tck = sysconf(_SC_CLK_TCK);
    t->clk_tck = tck > 0 ? (double)tck : 100.0;
    t->pss_peak_kb = t->rss_peak_kb = NAN;
    t->t0 = now();
    return t;
}

static task_seen *task_entry(ob_tree *t, pid_t tid)
{
    for (size_t i = 0; i < t->ntasks; i++)
        if (t->tasks[i].tid == tid)
            return &t->tasks[i];
    if (t->ntasks == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        task_seen *v = realloc(t->tasks, cap * sizeof *v);
        if (!v)
            return NULL;
        t->tasks = v;
        t->cap = cap;
    }
    t->tasks[t->ntasks] = (task_seen){tid, 0.0, 0.0};
    return &t->tasks[t->ntasks++];
}

/* A small /proc file in one read (no stdio buffer: the scans run often). */
static int read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static void scan_task(ob_tree *t, pid_t pid, pid_t tid, pid_t *kids, size_t *nkids, size_t max)
{
    char path[96], buf[1024];
    task_seen *s = task_entry(t, tid);
    snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
    unsigned long long on_cpu, waiting;
    if (s && read_small(path, buf, sizeof buf) == 0 &&
        sscanf(buf, "%llu %llu", &on_cpu, &waiting) == 2)
        s->run_delay = 1e-9 * (double)waiting;
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if (s && t->delayacct && read_small(path, buf, sizeof buf) == 0) {
        double ticks = ob_stat_blkio_ticks(buf);
        if (isfinite(ticks))
            s->blkio = ticks / t->clk_tck;
    }
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)tid);
    if (read_small(path, buf, sizeof buf) == 0)
        for (char *save = NULL, *w = strtok_r(buf, " \n", &save); w && *nkids < max;
             w = strtok_r(NULL, " \n", &save))
            kids[(*nkids)++] = (pid_t)atoi(w);
}

/* Adds `bytes` (when read) to the sum *kb (NaN until the first). */
static void add_kb(double *kb, double bytes)
{
    if (isfinite(bytes))
        *kb = (isfinite(*kb) ? *kb : 0.0) + bytes / 1024.0;
}

/* Every task of process `pid` and, depth first, of its children; with
 * pss_kb, the processes' PSS and peak RSS (VmHWM) summed too. */
static void scan_process(ob_tree *t, pid_t pid, int depth, double *pss_kb, double *hwm_kb)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    pid_t kids[256];
    size_t nkids = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            scan_task(t, pid, (pid_t)atoi(e->d_name), kids, &nkids, 256);
    closedir(d);
    if (pss_kb && hwm_kb) {
        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
        add_kb(pss_kb, ob_meminfo_bytes(path, "Pss"));
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
        add_kb(hwm_kb, ob_meminfo_bytes(path, "VmHWM"));
    }
    for (size_t i = 0; i < nkids && depth < 64; i++)
        scan_process(t, kids[i], depth + 1, pss_kb, hwm_kb);
}

void ob_tree_scan(ob_tree *t, int pss_every)
{
    int with_pss = pss_every > 0 && t->scans % pss_every == 0;
    double pss = NAN, hwm = NAN;
    scan_process(t, t->root, 0, with_pss ? &pss : NULL, with_pss ? &hwm : NULL);
    if (isfinite(pss) && !(pss <= t->pss_peak_kb))
        t->pss_peak_kb = pss;
    if (isfinite(hwm) && !(hwm <= t->rss_peak_kb))
        t->rss_peak_kb = hwm;
    t->scans++;
}

static void delays(const ob_tree *t, double *run_delay, double *blkio)
{
    *run_delay = 0.0;
    *blkio = t->delayacct ? 0.0 : NAN;
    for (size_t i = 0; i < t->ntasks; i++) {
        *run_delay += t->tasks[i].run_delay;
        if (t->delayacct)
            *blkio += t->tasks[i].blkio;
    }
}

static void counters(const ob_tree *t, ob_sample *s)
{
    double clock_ns = read_event(t->fd[EV_TASK_CLOCK]);
    s->task_clock = s->cpu_time = 1e-9 * clock_ns;
    s->cycles = read_event(t->fd[EV_CYCLES]);
    s->instr = read_event(t->fd[EV_INSTR]);
    s->ref_cycles = read_event(t->fd[EV_REF_CYCLES]);
    s->llc_miss = read_event(t->fd[EV_LLC_MISS]);
}

void ob_tree_read(ob_tree *t, ob_sample *at)
{
    ob_sample_set_nan(at);
    at->wall = now();
    ob_tree_scan(t, 0);
    delays(t, &at->run_delay, &at->blkio);
    counters(t, at);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/io", (int)t->root);
    ob_proc_io_bytes(path, &at->rbytes, &at->wbytes);
}

void ob_tree_totals(ob_tree *t, ob_sample *out, double *pss_peak_kb, double *rss_peak_kb)
{
    delays(t, &out->run_delay, &out->blkio);
    counters(t, out);
    *pss_peak_kb = t->pss_peak_kb;
    *rss_peak_kb = t->rss_peak_kb;
}

void ob_tree_close(ob_tree *t)
{
    if (!t)
        return;
    for (int e = 0; e < EV_COUNT; e++)
        if (t->fd[e] >= 0)
            close(t->fd[e]);
    free(t->tasks);
    free(t);
}

void ob_tree_counters_report(char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int e = 0; e < EV_COUNT && used < outlen; e++) {
        int fd = open_event(0, e, 0);
        int err = errno;
        if (fd >= 0)
            close(fd);
        used += (size_t)snprintf(out + used, outlen - used, "%s%s: %s%s%s", e ? "; " : "",
                                 events[e].metric, fd >= 0 ? events[e].event : "not counted (",
                                 fd >= 0 ? "" : strerror(err), fd >= 0 ? " (inherited)" : ")");
    }
}
