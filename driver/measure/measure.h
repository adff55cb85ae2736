/* Per-thread measurement: OS accounting plus the counter metrics resolved
 * from data/events.conf (driver/measure/events.h). The driver takes a snapshot at the start and end
 * of every repetition and phase and stores the difference (ob_sample).
 *
 * Without hardware counters (VMs, containers, perf_event_paranoid) the
 * hardware metrics are NaN and their reason is recorded; OS accounting and
 * PAPI software events still work. Nothing is substituted silently. */
#ifndef OCCBENCH_MEASURE_H
#define OCCBENCH_MEASURE_H

#include <stddef.h>
#include <time.h>

#include "driver/measure/metrics.h"
#include "occbench/records.h"

#ifdef __cplusplus
extern "C" {
#endif

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
