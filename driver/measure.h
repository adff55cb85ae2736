/* Per-thread measurement: OS accounting plus PAPI metrics resolved from
 * data/events.conf. The driver takes a snapshot at the start and end of
 * every repetition and phase and stores the difference (ob_sample).
 *
 * Without hardware counters (VMs, containers, perf_event_paranoid) the
 * hardware metrics are NaN and their reason is recorded; OS accounting and
 * PAPI software events still work. Nothing is substituted silently. */
#ifndef OCCBENCH_MEASURE_H
#define OCCBENCH_MEASURE_H

#include <stddef.h>
#include <time.h>

#include "occbench/records.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The metrics occbench resolves, in this order. */
typedef enum ob_metric {
    OB_METRIC_CYCLES = 0,
    OB_METRIC_INSTRUCTIONS,
    OB_METRIC_REF_CYCLES,
    OB_METRIC_LLC_MISSES,
    OB_METRIC_TASK_CLOCK,
    OB_METRIC_COUNT
} ob_metric;

/* "cycles", "instructions", "ref_cycles", "llc_misses", "task_clock" */
const char *ob_metric_name(ob_metric m);

/* How a metric was resolved: the serving event, or none and why. */
typedef struct ob_metric_source {
    char event[128];  /* PAPI event name that serves it; "" when none */
    char reason[512]; /* why this event (e.g. "first available candidate in section zen3"),
                         or, when none, why none (each candidate's PAPI error) */
    int available;
    double scale; /* multiply raw counts by this (task_clock: ns -> s) */
} ob_metric_source;

/* A thin layer over the PAPI calls the resolver needs, so tests can fake
 * PAPI (present, absent, conflicting events). Return PAPI-style codes:
 * 0 success, negative failure; `err` gets PAPI's message. */
typedef struct ob_papi_ops {
    /* `overrides`: the --events string (may be NULL), for components it names */
    int (*library_init)(void *user, const char *overrides, char *err, size_t errlen);
    /* Is `event` known and can it be added to an event set together with
     * the already accepted `accepted[0..n-1]`? */
    int (*try_events)(void *user, const char *const *events, int n, char *err, size_t errlen);
    /* CPU identity used to pick a candidate list section: e.g.
     * vendor "AuthenticAMD", family 0x19, model 0x01. */
    int (*cpu_id)(void *user, char *vendor, size_t vlen, int *family, int *model);
    void *user;
    /* Optional (may be NULL): a note appended once to the reason of every
     * metric whose first candidates failed, e.g. "PAPI component perf_event is
     * disabled: libpfm4 no default PMU found". Returns "" when none. */
    const char *(*note)(void *user);
} ob_papi_ops;

/* Events named OB_BUILTIN_EVENT_PREFIX... are read by occbench itself, not
 * by PAPI (see data/events.conf): occbench::THREAD-CPUTIME is
 * clock_gettime(CLOCK_THREAD_CPUTIME_ID) in ns, the quantity perf's
 * task-clock counts. */
#define OB_BUILTIN_EVENT_PREFIX "occbench::"
#define OB_EVENT_THREAD_CPUTIME "occbench::THREAD-CPUTIME"
/* The calling thread's APERF and MPERF through the kernel's msr PMU
 * (driver/msr_pmu.h): actual and reference cycles while it ran, so the
 * clock needs neither PMU counters nor the probe on bare metal. */
#define OB_EVENT_APERF "occbench::APERF"
#define OB_EVENT_MPERF "occbench::MPERF"

/* Which built-in event `event` is (1 thread CPU time, 2 APERF, 3 MPERF), 0
 * when it is none; and whether it can be counted here (0, or -1 with why). */
int ob_builtin_kind(const char *event);
int ob_builtin_try(const char *event, char *why, size_t why_len);

/* The candidate file to use: $OCCBENCH_DATA_DIR/events.conf when that
 * variable is set, else the source tree's data/events.conf when it exists
 * (running from a build directory), else the installed one. */
const char *ob_metrics_default_file(void);

/* The real PAPI implementation of the ops. */
const ob_papi_ops *ob_papi_real_ops(void);

/* Resolve every metric from the candidate file (data/events.conf format,
 * see that file). `overrides` is the --events string
 * "metric=EVENT,metric=EVENT" or NULL. Returns 0, or -1 with a one-line
 * message in err (bad file, unknown metric in overrides). Metrics without
 * a usable event are not an error: they are marked unavailable. */
/* PAPI_library_init, with the device components (GPU SMI and the like) that
 * occbench never counts disabled first, unless `overrides` (--events, may be
 * NULL) names one of their events. Returns 0, or a PAPI error with err set. */
int ob_papi_library_init(const char *overrides, char *err, size_t errlen);

/* 1 when ob_papi_library_init disables the component `name`. */
int ob_papi_disabled_component(const char *name);

/* The syntax of --events alone (METRIC=EVENT[*SCALE] items), no PAPI: what a
 * --dry-run can check about events on a machine that is not the node. */
int ob_metrics_check_overrides(const char *overrides, char *err, size_t errlen);

int ob_metrics_resolve(const ob_papi_ops *ops, const char *events_file, const char *overrides,
                       ob_metric_source out[OB_METRIC_COUNT], char *cpu_family_label,
                       size_t label_len, char *err, size_t errlen);

/* ---- per-thread measurement ---- */

/* Absolute readings at one instant, in the fields of ob_sample (so the
 * delta of two snapshots is field-wise, see ob_sample_delta); PAPI metrics
 * land in their sample fields (scaled; NaN when unavailable). */
typedef struct ob_snapshot {
    ob_sample at;
    double maxrss_kb;
} ob_snapshot;

/* Start counting on the calling thread with the resolved sources (an
 * event set of the available ones). Returns 0, or -1 with err set; after
 * a failure to start PAPI the metrics are marked unavailable with that
 * reason (sources are updated) and measurement goes on without them. */
int ob_measure_start(ob_metric_source sources[OB_METRIC_COUNT], char *err, size_t errlen);
void ob_measure_snapshot(ob_snapshot *out);
void ob_measure_delta(const ob_snapshot *a, const ob_snapshot *b, ob_sample *out);
/* The reading of one resolved metric in a snapshot (NaN when unavailable). */
double ob_snapshot_metric(const ob_snapshot *s, ob_metric m);
void ob_measure_stop(void);

/* Seconds, CLOCK_MONOTONIC. */
double ob_now(void);

/* The smallest step a clock is seen to take (seconds), as STREAM's
 * checktick measures it: the least positive difference between successive
 * distinct readings, over 20 of them. A result is trustworthy only when the
 * times it rests on are many such steps long. NaN when the clock fails. */
double ob_clock_tick(clockid_t clock);

#ifdef __cplusplus
}
#endif
#endif
