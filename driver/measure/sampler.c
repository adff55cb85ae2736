/* Node-leader sampler thread (see sampler.h). Between samples it blocks in
 * pthread_cond_timedwait on CLOCK_MONOTONIC, so it costs nothing while the
 * kernels run, and a step change or stop wakes it at once: a step change
 * closes the current interval, so no sample straddles two steps. */
#include "driver/measure/sampler.h"

#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/procfs.h"
#include <unistd.h>

#include "driver/measure/measure.h"

/* At most this many samples are kept between drains (a day at 1 s); newer
 * ones are dropped and counted, so memory stays bounded if nobody drains. */
#define OB_SAMPLER_MAX_KEPT 86400

typedef struct cpu_times {
    unsigned long long busy, total, steal;
    int present;
} cpu_times;

typedef struct energy_domain {
    char path[512];
    double max_uj; /* energy_uj wraps at max_energy_range_uj */
    double last_uj;
} energy_domain;

struct ob_sampler {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int running, stop_requested, step_changed;
    double period, epoch;

    /* current step (under lock) */
    int step;
    int *active, nactive, *parked, nparked;
    /* the next step's lists, applied when the thread closes the interval */
    int *next_active, next_nactive, *next_parked, next_nparked;

    /* owned by the thread */
    char stat_path[512];
    int ncpus;
    cpu_times *prev;
    energy_domain *domains;
    int ndomains;
    double energy_j;

    /* kept samples (under lock) */
    ob_monitor_sample *samples;
    float *busy;
    size_t n, cap, dropped;
};

/* ---- readers ---------------------------------------------------------------- */

/* Per-CPU busy/total jiffies from /proc/stat; returns 0 or -1. busy counts
 * user+nice+system+irq+softirq (guest time is already inside user); total
 * adds idle, iowait and steal. */
/* 1 for a per-CPU line "cpuN ...", 0 for the aggregate "cpu  ..." line,
 * whose first number sscanf("cpu%d") would otherwise take as a CPU index. */
static int is_per_cpu_line(const char *line)
{
    return strncmp(line, "cpu", 3) == 0 && isdigit((unsigned char)line[3]);
}

/* /proc/stat, or the fake file OCCBENCH_PROC_STAT names (tests). */
static const char *proc_stat_path(void)
{
    const char *p = getenv("OCCBENCH_PROC_STAT");
    return p && *p ? p : "/proc/stat";
}

static int read_proc_stat(const char *path, cpu_times *t, int ncpus)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    for (int i = 0; i < ncpus; i++)
        t[i].present = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "cpu", 3) != 0)
            break; /* the cpu lines come first */
        int cpu;
        unsigned long long us, ni, sy, id, io, irq, sirq, st;
        if (!is_per_cpu_line(line) || sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu",
                                             &cpu, &us, &ni, &sy, &id, &io, &irq, &sirq, &st) != 9)
            continue;
        if (cpu < 0 || cpu >= ncpus)
            continue;
        t[cpu].busy = us + ni + sy + irq + sirq;
        t[cpu].total = t[cpu].busy + id + io + st;
        t[cpu].steal = st;
        t[cpu].present = 1;
    }
    fclose(f);
    return 0;
}

static int count_cpus(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[512];
    int max = -1, cpu;
    while (fgets(line, sizeof line, f) && strncmp(line, "cpu", 3) == 0)
        if (is_per_cpu_line(line) && sscanf(line, "cpu%d ", &cpu) == 1 && cpu > max)
            max = cpu;
    fclose(f);
    return max + 1;
}

/* PSI "some"/"full" avg10 (percent); NaN where the kernel has no PSI. */
static double read_psi(const char *path, const char *kind)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NAN;
    char line[256];
    double v = NAN;
    size_t klen = strlen(kind);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, kind, klen) == 0 && line[klen] == ' ') {
            const char *p = strstr(line, "avg10=");
            if (p)
                v = strtod(p + 6, NULL);
            break;
        }
    fclose(f);
    return v;
}

static void read_meminfo(double *used, double *avail)
{
    double total = ob_meminfo_bytes(OB_PROC_MEMINFO, "MemTotal");
    *avail = ob_meminfo_bytes(OB_PROC_MEMINFO, "MemAvailable");
    *used = total - *avail;
}

static double read_double_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NAN;
    double v;
    if (fscanf(f, "%lf", &v) != 1)
        v = NAN;
    fclose(f);
    return v;
}

/* Package-level powercap zones ("package-N"; their subzones are parts of
 * them, psys overlaps them), readable ones only. */
static void find_energy_domains(ob_sampler *s)
{
    /* OCCBENCH_POWERCAP_ROOT points tests at a fake tree. */
    const char *base = getenv("OCCBENCH_POWERCAP_ROOT");
    if (!base || !*base)
        base = "/sys/class/powercap";
    DIR *d = opendir(base);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[512], name[64] = "";
        snprintf(path, sizeof path, "%s/%s/name", base, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(name, sizeof name, f))
            name[0] = '\0';
        fclose(f);
        if (strncmp(name, "package", 7) != 0)
            continue;
        energy_domain dom;
        snprintf(dom.path, sizeof dom.path, "%s/%s/energy_uj", base, e->d_name);
        snprintf(path, sizeof path, "%s/%s/max_energy_range_uj", base, e->d_name);
        dom.max_uj = read_double_file(path);
        dom.last_uj = read_double_file(dom.path);
        if (isnan(dom.last_uj))
            continue; /* root-only on many kernels */
        energy_domain *v = realloc(s->domains, (size_t)(s->ndomains + 1) * sizeof *v);
        if (!v)
            break;
        s->domains = v;
        s->domains[s->ndomains++] = dom;
    }
    closedir(d);
}

/* Cumulative package energy since start; NaN when no domain is readable. */
static double update_energy(ob_sampler *s)
{
    if (s->ndomains == 0)
        return NAN;
    for (int i = 0; i < s->ndomains; i++) {
        energy_domain *d = &s->domains[i];
        double now = read_double_file(d->path);
        if (isnan(now))
            return NAN;
        double delta = now - d->last_uj;
        if (delta < 0) /* the counter wrapped */
            delta += isnan(d->max_uj) ? 0.0 : d->max_uj;
        s->energy_j += 1e-6 * delta;
        d->last_uj = now;
    }
    return s->energy_j;
}

/* ---- sampling ---------------------------------------------------------------- */

static double mean_busy(const float *busy, int ncpus, const int *cpus, int n)
{
    double sum = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (cpus[i] >= 0 && cpus[i] < ncpus && !isnan(busy[cpus[i]])) {
            sum += busy[cpus[i]];
            k++;
        }
    return k ? sum / k : NAN;
}

/* Take one sample over the interval since the previous one; caller holds no lock. */
static void take_sample(ob_sampler *s)
{
    int ncpus = s->ncpus;
    cpu_times *now = calloc(ncpus ? (size_t)ncpus : 1, sizeof *now);
    float *busy = malloc((ncpus ? (size_t)ncpus : 1) * sizeof *busy);
    if (!now || !busy) {
        free(now);
        free(busy);
        return;
    }
    ob_monitor_sample m;
    memset(&m, 0, sizeof m);
    m.t = ob_now() - s->epoch;
    double busy_sum = 0;
    int busy_n = 0;
    unsigned long long steal_sum = 0, total_sum = 0;
    if (read_proc_stat(s->stat_path, now, ncpus) == 0) {
        for (int c = 0; c < ncpus; c++) {
            busy[c] = NAN;
            if (!now[c].present || !s->prev[c].present)
                continue;
            unsigned long long dt = now[c].total - s->prev[c].total;
            unsigned long long db = now[c].busy - s->prev[c].busy;
            if (now[c].total < s->prev[c].total || dt == 0)
                continue;
            busy[c] = (float)((double)db / (double)dt);
            busy_sum += busy[c];
            total_sum += dt;
            if (now[c].steal >= s->prev[c].steal)
                steal_sum += now[c].steal - s->prev[c].steal;
            busy_n++;
        }
        memcpy(s->prev, now, (size_t)ncpus * sizeof *now);
    } else {
        for (int c = 0; c < ncpus; c++)
            busy[c] = NAN;
    }
    free(now);
    m.util_busy = busy_n ? busy_sum / busy_n : NAN;
    /* a hypervisor running other guests on our CPUs: time neither we nor
     * idle got, which a VM's off-CPU time may include */
    m.steal = total_sum ? (double)steal_sum / (double)total_sum : NAN;
    m.psi_cpu_some = read_psi("/proc/pressure/cpu", "some");
    m.psi_io_some = read_psi("/proc/pressure/io", "some");
    m.psi_io_full = read_psi("/proc/pressure/io", "full");
    m.psi_mem_some = read_psi("/proc/pressure/memory", "some");
    read_meminfo(&m.mem_used_bytes, &m.mem_avail_bytes);
    m.energy_j = update_energy(s);

    pthread_mutex_lock(&s->lock);
    m.step = s->step;
    m.util_active = mean_busy(busy, ncpus, s->active, s->nactive);
    m.util_parked = mean_busy(busy, ncpus, s->parked, s->nparked);
    if (s->n == s->cap && s->cap < OB_SAMPLER_MAX_KEPT) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        if (cap > OB_SAMPLER_MAX_KEPT)
            cap = OB_SAMPLER_MAX_KEPT;
        ob_monitor_sample *v = realloc(s->samples, cap * sizeof *v);
        if (v)
            s->samples = v;
        float *b = v ? realloc(s->busy, cap * (size_t)(ncpus ? ncpus : 1) * sizeof *b) : NULL;
        if (b)
            s->busy = b;
        if (v && b)
            s->cap = cap;
    }
    if (s->n < s->cap) {
        s->samples[s->n] = m;
        memcpy(s->busy + s->n * (size_t)ncpus, busy, (size_t)ncpus * sizeof *busy);
        s->n++;
    } else {
        s->dropped++;
    }
    pthread_mutex_unlock(&s->lock);
    free(busy);
}

static struct timespec ts_add(struct timespec t, double sec)
{
    long long ns = (long long)(sec * 1e9);
    t.tv_sec += ns / 1000000000LL;
    t.tv_nsec += ns % 1000000000LL;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static int ts_before(struct timespec a, struct timespec b)
{
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* Under lock: make the pending step current. */
static void apply_next_step(ob_sampler *s)
{
    s->step = s->step_changed - 2; /* stored as new_step + 2 (see set_step) */
    s->step_changed = 0;
    free(s->active);
    free(s->parked);
    s->active = s->next_active;
    s->nactive = s->next_nactive;
    s->parked = s->next_parked;
    s->nparked = s->next_nparked;
    s->next_active = s->next_parked = NULL;
    s->next_nactive = s->next_nparked = 0;
}

static void *sampler_main(void *arg)
{
    ob_sampler *s = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    next = ts_add(next, s->period);
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int rc = 0;
        while (!s->stop_requested && !s->step_changed && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&s->wake, &s->lock, &next);
        int stop = s->stop_requested, changed = s->step_changed;
        pthread_mutex_unlock(&s->lock);

        /* Close the interval: on a step change under the old step. */
        take_sample(s);
        if (changed) {
            pthread_mutex_lock(&s->lock);
            apply_next_step(s);
            pthread_mutex_unlock(&s->lock);
        }
        if (stop)
            break;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (changed || !ts_before(now, next))
            next = ts_add(now, s->period);
        else
            next = ts_add(next, s->period);
        if (ts_before(next, now))
            next = ts_add(now, s->period);
    }
    return NULL;
}

/* ---- API ---------------------------------------------------------------------- */

ob_sampler *ob_sampler_start(double period, double epoch)
{
    if (!(period > 0)) {
        errno = EINVAL;
        return NULL;
    }
    ob_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->period = period;
    s->epoch = epoch;
    s->step = -1;
    snprintf(s->stat_path, sizeof s->stat_path, "%s", proc_stat_path());
    s->ncpus = count_cpus(s->stat_path);
    s->prev = calloc(s->ncpus ? (size_t)s->ncpus : 1, sizeof *s->prev);
    if (!s->prev) {
        free(s);
        return NULL;
    }
    read_proc_stat(s->stat_path, s->prev, s->ncpus);
    find_energy_domains(s);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->lock, NULL);
    s->running = 1;
    int rc = pthread_create(&s->thread, NULL, sampler_main, s);
    if (rc != 0) {
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        free(s->prev);
        free(s->domains);
        free(s);
        errno = rc;
        return NULL;
    }
    return s;
}

static int *copy_ints(const int *v, int n)
{
    if (n <= 0 || !v)
        return NULL;
    int *c = malloc((size_t)n * sizeof *c);
    if (c)
        memcpy(c, v, (size_t)n * sizeof *c);
    return c;
}

void ob_sampler_set_step(ob_sampler *s, int step, const int *active, int nactive, const int *parked,
                         int nparked)
{
    if (!s)
        return;
    int *a = copy_ints(active, nactive), *p = copy_ints(parked, nparked);
    pthread_mutex_lock(&s->lock);
    /* The thread closes the running interval under the old step and lists,
     * then switches; step_changed carries the new step (+2 so that 0 means
     * "no change" and -1 stays representable). */
    free(s->next_active);
    free(s->next_parked);
    s->next_active = a;
    s->next_nactive = a ? nactive : 0;
    s->next_parked = p;
    s->next_nparked = p ? nparked : 0;
    s->step_changed = step + 2;
    if (s->running && !s->stop_requested)
        pthread_cond_signal(&s->wake);
    else
        apply_next_step(s);
    pthread_mutex_unlock(&s->lock);
}

size_t ob_sampler_drain(ob_sampler *s, ob_monitor_sample **samples, float **cpu_busy, int *ncpus)
{
    *samples = NULL;
    *cpu_busy = NULL;
    *ncpus = s ? s->ncpus : 0;
    if (!s)
        return 0;
    pthread_mutex_lock(&s->lock);
    size_t n = s->n;
    *samples = s->samples;
    *cpu_busy = s->busy;
    s->samples = NULL;
    s->busy = NULL;
    s->n = s->cap = 0;
    pthread_mutex_unlock(&s->lock);
    if (n == 0) {
        free(*samples);
        free(*cpu_busy);
        *samples = NULL;
        *cpu_busy = NULL;
    }
    return n;
}

void ob_sampler_stop(ob_sampler *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    int running = s->running;
    s->stop_requested = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (running) {
        pthread_join(s->thread, NULL);
        pthread_mutex_lock(&s->lock);
        s->running = 0;
        pthread_mutex_unlock(&s->lock);
    }
}

void ob_sampler_free(ob_sampler *s)
{
    if (!s)
        return;
    ob_sampler_stop(s);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->prev);
    free(s->domains);
    free(s->active);
    free(s->parked);
    free(s->next_active);
    free(s->next_parked);
    free(s->samples);
    free(s->busy);
    free(s);
}
