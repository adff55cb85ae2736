/* The counter metrics: one list, from which the enum, the names (the keys
 * of data/events.conf and --events), the ob_sample field each is stored in
 * and every per-metric array size follow. Adding a metric is a line here, a
 * field in OB_SAMPLE_FIELDS (include/occbench/records.h) and its candidates
 * in data/events.conf; the compiler checks that the field exists and is a
 * double. */
#ifndef OCCBENCH_METRICS_H
#define OCCBENCH_METRICS_H

#include <stddef.h>

#include "occbench/records.h"

/* X(ID, "events.conf key", ob_sample field) */
/* clang-format off */
#define OB_COUNTER_METRICS(X)                  \
    X(CYCLES, "cycles", cycles)                \
    X(INSTRUCTIONS, "instructions", instr)     \
    X(REF_CYCLES, "ref_cycles", ref_cycles)    \
    X(LLC_MISSES, "llc_misses", llc_miss)      \
    X(TASK_CLOCK, "task_clock", task_clock)
/* clang-format on */

typedef enum ob_metric {
#define OB_METRIC_ENUM(id, key, field) OB_METRIC_##id,
    OB_COUNTER_METRICS(OB_METRIC_ENUM)
#undef OB_METRIC_ENUM
        OB_METRIC_COUNT
} ob_metric;

#define OB_METRIC_FIELD_IS_F64(id, key, field)                                                     \
    _Static_assert(_Generic(((ob_sample *)0)->field, double : 1, default : 0),                     \
                   "metric " key ": ob_sample." #field                                             \
                   " must be an F64 field of OB_SAMPLE_FIELDS");
OB_COUNTER_METRICS(OB_METRIC_FIELD_IS_F64)
#undef OB_METRIC_FIELD_IS_F64

/* The metric's events.conf key ("cycles", ...), "unknown" out of range. */
const char *ob_metric_name(ob_metric m);
/* The metric of an events.conf key, or -1. */
int ob_metric_from_name(const char *name);
/* "cycles, instructions, ...": the accepted keys, for messages. */
const char *ob_metric_names_joined(void);
/* Offset of the metric's double in ob_sample. */
size_t ob_metric_field(ob_metric m);

/* How a metric was resolved: the serving event, or none and why. */
typedef struct ob_metric_source {
    char event[128];  /* event name that serves it; "" when none */
    char reason[512]; /* why this event (e.g. "first available candidate in section zen3"),
                         or, when none, why none (each candidate's error) */
    int available;
    double scale; /* multiply raw counts by this (task_clock: ns -> s) */
} ob_metric_source;

#endif
