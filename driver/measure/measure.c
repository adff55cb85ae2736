/* Per-thread measurement: OS accounting (getrusage, /proc/thread-self) and
 * the counter metrics resolved by driver/measure/events.c, read through
 * PAPI (driver/measure/papi_counters.c) or as built-in events. The /proc files stay open
 * across snapshots and are re-read with pread at offset 0, so a snapshot
 * costs a few syscalls. State is thread-local: the thread that calls
 * ob_measure_start is the one measured (one measuring thread per rank). */
#include "driver/measure/measure.h"

#include "common/procfs.h"
#include "driver/measure/builtin.h"
#include "driver/measure/msr_pmu.h"
#include "driver/measure/papi_counters.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

double ob_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double ob_clock_tick(clockid_t clock)
{
    double best = INFINITY, last = NAN;
    for (int distinct = 0, tries = 0; distinct < 20 && tries < 10000000; tries++) {
        struct timespec ts;
        if (clock_gettime(clock, &ts) != 0)
            return NAN;
        double now = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
        if (now != last) {
            if (last == last && now - last < best)
                best = now - last;
            last = now;
            distinct++;
        }
    }
    return isfinite(best) ? best : NAN;
}

typedef struct measure_state {
    int opened;
    int fd_schedstat, fd_io, fd_stat;
    int blkio_on; /* delay accounting was on when the files were opened */
    double clk_tck;
    int npapi;                        /* events in the thread's PAPI set */
    int papi_metric[OB_METRIC_COUNT]; /* metric of the i-th value in the set */
    int builtin[OB_METRIC_COUNT];     /* metric read by occbench itself: its ob_builtin_kind */
    int msr_fd[OB_METRIC_COUNT];      /* APERF/MPERF counters of this thread; -1 when none */
    double scale[OB_METRIC_COUNT];
} measure_state;

/* msr_fd[] is set to -1 when the state is opened (open_proc_files). */
static _Thread_local measure_state st = {.fd_schedstat = -1, .fd_io = -1, .fd_stat = -1};

static void open_proc_files(void)
{
    if (st.opened)
        return;
    /* /proc/thread-self resolves when opened: these fds keep describing the
     * opening thread, whichever thread later reads them. */
    st.fd_schedstat = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    st.fd_io = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC);
    st.fd_stat = open("/proc/thread-self/stat", O_RDONLY | O_CLOEXEC);
    st.blkio_on = ob_delayacct_state() == 1;
    long tck = sysconf(_SC_CLK_TCK);
    st.clk_tck = tck > 0 ? (double)tck : 100.0;
    for (int m = 0; m < OB_METRIC_COUNT; m++) {
        st.builtin[m] = 0;
        st.scale[m] = 1.0;
        st.msr_fd[m] = -1;
    }
    st.opened = 1;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Read a small /proc file from offset 0 into buf (NUL-terminated); -1 on failure. */
static ssize_t pread_all(int fd, char *buf, size_t len)
{
    if (fd < 0)
        return -1;
    ssize_t n = pread(fd, buf, len - 1, 0);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

static void mark_unavailable(ob_metric_source *src, const char *why)
{
    char old[sizeof src->event];
    snprintf(old, sizeof old, "%s", src->event);
    src->available = 0;
    src->event[0] = '\0';
    snprintf(src->reason, sizeof src->reason, "%s resolved but %s", old, why);
}

static void close_msr_fds(void)
{
    for (int m = 0; st.opened && m < OB_METRIC_COUNT; m++) {
        if (st.msr_fd[m] >= 0)
            close(st.msr_fd[m]);
        st.msr_fd[m] = -1;
    }
}

/* Open the APERF/MPERF counters of the built-in metrics; a failure loses that metric. */
static void open_builtins(ob_metric_source sources[OB_METRIC_COUNT])
{
    for (int m = 0; m < OB_METRIC_COUNT; m++) {
        st.builtin[m] = OB_BUILTIN_NONE;
        st.scale[m] = sources[m].scale > 0 ? sources[m].scale : 1.0;
        if (!sources[m].available)
            continue;
        st.builtin[m] = ob_builtin_kind(sources[m].event);
        if (st.builtin[m] == OB_BUILTIN_APERF || st.builtin[m] == OB_BUILTIN_MPERF) {
            char why[256];
            st.msr_fd[m] = ob_builtin_open_msr(st.builtin[m], why, sizeof why);
            if (st.msr_fd[m] < 0)
                mark_unavailable(&sources[m], why);
        }
    }
}

static int wants_papi(const ob_metric_source sources[OB_METRIC_COUNT])
{
    for (int m = 0; m < OB_METRIC_COUNT; m++)
        if (sources[m].available && st.builtin[m] == OB_BUILTIN_NONE)
            return 1;
    return 0;
}

int ob_measure_start(ob_metric_source sources[OB_METRIC_COUNT], char *err, size_t errlen)
{
    open_proc_files();
    ob_papi_thread_close();
    st.npapi = 0;
    close_msr_fds();
    open_builtins(sources);
    if (!wants_papi(sources))
        return 0;

    char why[256] = "";
    int rc = ob_papi_thread_open(why, sizeof why);
    for (int m = 0; m < OB_METRIC_COUNT && rc == 0; m++) {
        if (!sources[m].available || st.builtin[m])
            continue;
        char msg[160];
        if (ob_papi_thread_add(sources[m].event, msg, sizeof msg) != 0) {
            /* Only this metric is lost: the others can still be counted. */
            mark_unavailable(&sources[m], msg);
            continue;
        }
        st.papi_metric[st.npapi++] = m;
    }
    if (rc == 0)
        rc = ob_papi_thread_start(why, sizeof why);
    if (rc != 0) {
        for (int m = 0; m < OB_METRIC_COUNT; m++)
            if (sources[m].available && !st.builtin[m])
                mark_unavailable(&sources[m], why);
        ob_papi_thread_close();
        st.npapi = 0;
        snprintf(err, errlen, "%s; hardware metrics are not measured", why);
        return -1;
    }
    return 0;
}

void ob_measure_stop(void)
{
    ob_papi_thread_close();
    st.npapi = 0;
    close_msr_fds();
    close_fd(&st.fd_schedstat);
    close_fd(&st.fd_io);
    close_fd(&st.fd_stat);
    st.opened = 0;
}

static double field_after(const char *buf, const char *key)
{
    const char *p = strstr(buf, key);
    if (!p)
        return NAN;
    char *end = NULL;
    double v = strtod(p + strlen(key), &end);
    return end == p + strlen(key) ? NAN : v;
}

static double tv_seconds(struct timeval tv)
{
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

static void set_metric(ob_sample *s, int metric, double v)
{
    memcpy((unsigned char *)s + ob_metric_field((ob_metric)metric), &v, sizeof v);
}

double ob_snapshot_metric(const ob_snapshot *s, ob_metric m)
{
    double v;
    memcpy(&v, (const unsigned char *)&s->at + ob_metric_field(m), sizeof v);
    return v;
}

static void read_rusage(ob_sample *at, double *maxrss_kb)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return; /* the fields stay NaN */
    at->user = tv_seconds(ru.ru_utime);
    at->sys = tv_seconds(ru.ru_stime);
    at->vcsw = (double)ru.ru_nvcsw;
    at->ivcsw = (double)ru.ru_nivcsw;
    at->minflt = (double)ru.ru_minflt;
    at->majflt = (double)ru.ru_majflt;
    *maxrss_kb = (double)ru.ru_maxrss;
}

static void read_proc(ob_sample *at)
{
    char buf[1024];
    if (pread_all(st.fd_schedstat, buf, sizeof buf) > 0) {
        unsigned long long on_cpu, waiting;
        if (sscanf(buf, "%llu %llu", &on_cpu, &waiting) == 2)
            at->run_delay = 1e-9 * (double)waiting;
    }
    if (pread_all(st.fd_io, buf, sizeof buf) > 0) {
        at->rbytes = field_after(buf, "\nread_bytes:");
        at->wbytes = field_after(buf, "\nwrite_bytes:");
    }
    if (st.blkio_on && pread_all(st.fd_stat, buf, sizeof buf) > 0)
        at->blkio = ob_stat_blkio_ticks(buf) / st.clk_tck;
}

static void read_metrics(ob_sample *at)
{
    if (st.npapi > 0) {
        long long v[OB_METRIC_COUNT];
        if (ob_papi_thread_read(v, OB_METRIC_COUNT) == st.npapi)
            for (int i = 0; i < st.npapi; i++)
                set_metric(at, st.papi_metric[i], (double)v[i] * st.scale[st.papi_metric[i]]);
    }
    for (int m = 0; m < OB_METRIC_COUNT; m++) {
        if (st.builtin[m] == OB_BUILTIN_CPUTIME) {
            struct timespec ts;
            if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
                set_metric(at, m, (1e9 * (double)ts.tv_sec + (double)ts.tv_nsec) * st.scale[m]);
        } else if (st.builtin[m] && st.msr_fd[m] >= 0) {
            long long v = ob_msr_pmu_read(st.msr_fd[m]);
            if (v >= 0)
                set_metric(at, m, (double)v * st.scale[m]);
        }
    }
}

void ob_measure_snapshot(ob_snapshot *out)
{
    open_proc_files();
    ob_sample_set_nan(&out->at); /* whatever is not read below stays missing */
    out->maxrss_kb = NAN;
    out->at.wall = ob_now();
    /* The thread's CPU clock is exact (ns of scheduler runtime), and read
     * next to the wall clock so the two describe the same interval; user
     * and sys from getrusage are tick-accounted and stay information only. */
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        out->at.cpu_time = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    read_rusage(&out->at, &out->maxrss_kb);
    read_proc(&out->at);
    read_metrics(&out->at);
}

void ob_measure_delta(const ob_snapshot *a, const ob_snapshot *b, ob_sample *out)
{
    ob_sample_delta(&a->at, &b->at, out);
}
