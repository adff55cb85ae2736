/* Node-leader sampler thread: every `period` seconds it records node
 * utilisation (per CPU, from /proc/stat), PSI pressure, memory and
 * powercap energy, tagged with the current step. Cheap: a few /proc reads
 * per period, and the thread sleeps in between. */
#ifndef OCCBENCH_SAMPLER_H
#define OCCBENCH_SAMPLER_H

#include <stddef.h>

#include "occbench/records.h"

typedef struct ob_sampler ob_sampler;

/* epoch: ob_now() value that is t=0 in the records. period: seconds
 * between samples (> 0). Returns NULL (errno set) when the thread cannot
 * be started. */
ob_sampler *ob_sampler_start(double period, double epoch);
/* Tag following samples with `step` (-1 between steps); `active` lists the
 * OS CPU indices of the active ranks' cores, `parked` those of parked
 * ranks (for util_active / util_parked). Thread-safe. The running
 * interval is closed at once (a sample under the old step), so no sample
 * straddles two steps. */
void ob_sampler_set_step(ob_sampler *s, int step, const int *active, int nactive, const int *parked,
                         int nparked);
/* Move out the samples taken so far (the sampler keeps none afterwards,
 * so memory stays bounded by one step's samples). The caller frees
 * *samples and *cpu_busy. cpu_busy is n x ncpus, row-major, busy fraction
 * of each CPU per sample. */
size_t ob_sampler_drain(ob_sampler *s, ob_monitor_sample **samples, float **cpu_busy, int *ncpus);
/* Stop the thread (it takes a last sample first) and wait for it. The
 * samples stay drainable until ob_sampler_free. */
void ob_sampler_stop(ob_sampler *s);
/* Release the sampler (stops it first if still running). NULL is a no-op. */
void ob_sampler_free(ob_sampler *s);

#endif
