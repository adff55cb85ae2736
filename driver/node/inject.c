/* Injected contention for occbench --calibrate (see inject.h). */
#include "driver/node/inject.h"

#include "common/procfs.h"

#define _GNU_SOURCE 1 /* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_THREADS 64
#define STREAM_BYTES (64u << 20) /* per streamer: far beyond any L3 slice */
#define WRITE_CHUNK (1u << 20)   /* the fsync writer's unit */
#define FSYNC_WRITERS 3          /* threads, each with its own file */

static const char *const names[OB_INJECT_COUNT] = {"none", "cpu_hog", "streamers", "fsync_writer",
                                                   "clock_cap"};
static const char *const terms[OB_INJECT_COUNT] = {"", "scheduler", "cycles", "blocked", "clock"};

const char *ob_inject_name(ob_inject_kind k)
{
    return k >= 0 && k < OB_INJECT_COUNT ? names[k] : "?";
}

const char *ob_inject_expected_term(ob_inject_kind k)
{
    return k >= 0 && k < OB_INJECT_COUNT ? terms[k] : "";
}

struct ob_injection {
    ob_inject_kind kind;
    atomic_int stop;
    pthread_t threads[MAX_THREADS];
    int nthreads;
    int cpus[MAX_THREADS];
    char path[4096];     /* fsync writer's file */
    char freq_path[256]; /* clock cap: scaling_max_freq, and its old value */
    char old_freq[64];
};

typedef struct worker {
    ob_injection *inj;
    int cpu;  /* pinned there; -1: not pinned */
    int file; /* the fsync writer's file number */
} worker;

static void pin_self(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *hog(void *arg)
{
    worker *w = arg;
    pin_self(w->cpu);
    volatile unsigned long long x = 0;
    while (!atomic_load_explicit(&w->inj->stop, memory_order_relaxed))
        for (int i = 0; i < 100000; i++)
            x = x + 1;
    free(w);
    return NULL;
}

static void *streamer(void *arg)
{
    worker *w = arg;
    pin_self(w->cpu);
    size_t n = STREAM_BYTES / sizeof(double) / 2;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    if (a && b) {
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (double)i;
        while (!atomic_load_explicit(&w->inj->stop, memory_order_relaxed))
            for (size_t i = 0; i < n; i++)
                a[i] = b[i] + 0.5 * a[i];
    }
    free(a);
    free(b);
    free(w);
    return NULL;
}

static void fsync_file(const ob_injection *inj, int i, char *out, size_t len)
{
    snprintf(out, len, "%s.%d.tmp", inj->path, i);
}

/* Writes with O_DIRECT where the file system allows it, so the writer
 * contends for the disk (and the journal, through fsync), not for CPU time
 * or memory bandwidth copying into the page cache; pinned off the active
 * rank's core for the same reason. */
static void *fsync_writer(void *arg)
{
    worker *w = arg;
    ob_injection *inj = w->inj;
    pin_self(w->cpu);
    char path[4200];
    fsync_file(inj, w->file, path, sizeof path);
    void *buf = NULL;
    if (posix_memalign(&buf, 4096, WRITE_CHUNK) != 0)
        buf = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0600);
    if (fd < 0)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (buf && fd >= 0) {
        memset(buf, 0x5a, WRITE_CHUNK);
        off_t at = 0;
        while (!atomic_load_explicit(&inj->stop, memory_order_relaxed)) {
            if (pwrite(fd, buf, WRITE_CHUNK, at) != (ssize_t)WRITE_CHUNK || fsync(fd) != 0)
                break;
            at = (at + WRITE_CHUNK) % (64 * (off_t)WRITE_CHUNK); /* a 64 MiB ring */
        }
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    free(w);
    return NULL;
}

static int cpufreq_path(int cpu, const char *file, char *out, size_t len)
{
    return snprintf(out, len, "/sys/devices/system/cpu/cpu%d/cpufreq/%s", cpu, file) < (int)len
               ? 0
               : -1;
}

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int ob_inject_possible(ob_inject_kind k, int target_cpu, const int *others, int nothers,
                       const char *io_dir, long cap_khz, char *why, size_t why_len)
{
    (void)others;
    (void)cap_khz;
    switch (k) {
    case OB_INJECT_CPU_HOG:
        return 0;
    case OB_INJECT_STREAMERS:
        if (nothers < 1) {
            snprintf(why, why_len, "no other core shares the active rank's L3 domain");
            return -1;
        }
        return 0;
    case OB_INJECT_FSYNC_WRITER: {
        char fs[128], mount[4096];
        if (ob_fs_of_path(io_dir, fs, sizeof fs, mount, sizeof mount) != 0) {
            snprintf(why, why_len, "--io-dir %s: %s", io_dir, fs);
            return -1;
        }
        if (!strcmp(fs, "tmpfs")) {
            snprintf(why, why_len,
                     "--io-dir %s is tmpfs: no block I/O to contend for (give a directory on "
                     "a disk)",
                     io_dir);
            return -1;
        }
        return 0;
    }
    case OB_INJECT_CLOCK_CAP: {
        char path[256], old[64];
        cpufreq_path(target_cpu, "scaling_max_freq", path, sizeof path);
        if (ob_read_line(path, old, sizeof old) != 0) {
            snprintf(why, why_len,
                     "no cpufreq for CPU %d (%s unreadable): the clock cannot be "
                     "capped here",
                     target_cpu, path);
            return -1;
        }
        if (access(path, W_OK) != 0) {
            snprintf(why, why_len, "%s is not writable (run as root to cap the clock)", path);
            return -1;
        }
        return 0;
    }
    default:
        snprintf(why, why_len, "unknown injection %d", (int)k);
        return -1;
    }
}

static int spawn(ob_injection *inj, void *(*fn)(void *), int cpu, int file)
{
    worker *w = malloc(sizeof *w);
    if (!w || inj->nthreads >= MAX_THREADS)
        return free(w), -1;
    *w = (worker){inj, cpu, file};
    if (pthread_create(&inj->threads[inj->nthreads], NULL, fn, w) != 0) {
        free(w);
        return -1;
    }
    inj->nthreads++;
    return 0;
}

static int cap_clock(ob_injection *inj, int cpu, long cap_khz, char *why, size_t why_len)
{
    char minp[256], min[64], value[64];
    cpufreq_path(cpu, "scaling_max_freq", inj->freq_path, sizeof inj->freq_path);
    cpufreq_path(cpu, "cpuinfo_min_freq", minp, sizeof minp);
    if (ob_read_line(inj->freq_path, inj->old_freq, sizeof inj->old_freq) != 0)
        return snprintf(why, why_len, "%s unreadable", inj->freq_path), -1;
    if (cap_khz > 0)
        snprintf(value, sizeof value, "%ld", cap_khz);
    else if (ob_read_line(minp, min, sizeof min) == 0)
        snprintf(value, sizeof value, "%s", min);
    else
        return snprintf(why, why_len, "%s unreadable (give --calibrate-freq KHZ)", minp), -1;
    if (write_text(inj->freq_path, value) != 0) {
        snprintf(why, why_len, "cannot write %s to %s: %s", value, inj->freq_path, strerror(errno));
        inj->freq_path[0] = '\0';
        return -1;
    }
    return 0;
}

ob_injection *ob_inject_start(ob_inject_kind k, int target_cpu, const int *others, int nothers,
                              const char *io_dir, long cap_khz, char *why, size_t why_len)
{
    ob_injection *inj = calloc(1, sizeof *inj);
    if (!inj) {
        snprintf(why, why_len, "out of memory");
        return NULL;
    }
    inj->kind = k;
    int rc = 0;
    switch (k) {
    case OB_INJECT_CPU_HOG:
        rc = spawn(inj, hog, target_cpu, 0);
        break;
    case OB_INJECT_STREAMERS:
        for (int i = 0; i < nothers && rc == 0; i++)
            rc = spawn(inj, streamer, others[i], 0);
        break;
    case OB_INJECT_FSYNC_WRITER:
        snprintf(inj->path, sizeof inj->path, "%s/occbench-inject-%d", io_dir, (int)getpid());
        for (int i = 0; i < FSYNC_WRITERS && rc == 0; i++)
            rc = spawn(inj, fsync_writer, nothers > 0 ? others[i % nothers] : -1, i);
        break;
    case OB_INJECT_CLOCK_CAP:
        rc = cap_clock(inj, target_cpu, cap_khz, why, why_len);
        break;
    default:
        rc = -1;
    }
    if (rc != 0) {
        if (!why[0])
            snprintf(why, why_len, "cannot start %s", ob_inject_name(k));
        ob_inject_stop(inj);
        return NULL;
    }
    return inj;
}

void ob_inject_stop(ob_injection *inj)
{
    if (!inj)
        return;
    atomic_store(&inj->stop, 1);
    for (int i = 0; i < inj->nthreads; i++)
        pthread_join(inj->threads[i], NULL);
    for (int i = 0; inj->path[0] && i < inj->nthreads; i++) {
        char path[4200];
        fsync_file(inj, i, path, sizeof path);
        unlink(path);
    }
    if (inj->freq_path[0] && inj->old_freq[0])
        write_text(inj->freq_path, inj->old_freq);
    free(inj);
}
