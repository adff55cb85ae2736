/* Metric -> event resolution from the candidate lists of data/events.conf
 * (format documented at the top of that file), as pure code: PAPI is
 * reached only through the ob_papi_ops it is given, so tests can fake it
 * (present, absent, conflicting events). */
#ifndef OCCBENCH_EVENTS_H
#define OCCBENCH_EVENTS_H

#include <stddef.h>

#include "driver/measure/metrics.h"

/* A thin layer over the PAPI calls the resolver needs. Return PAPI-style
 * codes: 0 success, negative failure; `err` gets PAPI's message. */
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

/* The syntax of --events alone (METRIC=EVENT[*SCALE] items), no PAPI: what a
 * --dry-run can check about events on a machine that is not the node. */
int ob_metrics_check_overrides(const char *overrides, char *err, size_t errlen);

/* Resolve every metric from the candidate file. `overrides` is the --events
 * string "metric=EVENT,metric=EVENT" or NULL. Returns 0, or -1 with a
 * one-line message in err (bad file, unknown metric in overrides). Metrics
 * without a usable event are not an error: they are marked unavailable. */
int ob_metrics_resolve(const ob_papi_ops *ops, const char *events_file, const char *overrides,
                       ob_metric_source out[OB_METRIC_COUNT], char *cpu_family_label,
                       size_t label_len, char *err, size_t errlen);

#endif
