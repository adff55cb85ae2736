/* How a counter metric of OB_COUNTER_METRICS (include/occbench/records.h,
 * the one list of them) is served on this node: the event resolved for it
 * from data/events.conf, or none and why. */
#ifndef OCCBENCH_METRICS_H
#define OCCBENCH_METRICS_H

#include "occbench/records.h"

typedef struct ob_metric_source {
    char event[128];  /* event name that serves it; "" when none */
    char reason[512]; /* why this event (e.g. "first available candidate in section zen3"),
                         or, when none, why none (each candidate's error) */
    int available;
    double scale; /* multiply raw counts by this (task_clock: ns -> s) */
} ob_metric_source;

#endif
