/* Events occbench reads itself, not through PAPI (see data/events.conf):
 * occbench::THREAD-CPUTIME is clock_gettime(CLOCK_THREAD_CPUTIME_ID) in ns,
 * the quantity perf's task-clock counts; occbench::APERF and MPERF are the
 * calling thread's actual and reference cycles through the kernel's msr PMU
 * (driver/measure/msr_pmu.h), so the clock needs neither PMU counters nor
 * the probe on bare metal. */
#ifndef OCCBENCH_BUILTIN_H
#define OCCBENCH_BUILTIN_H

#include <stddef.h>

#define OB_BUILTIN_EVENT_PREFIX "occbench::"
#define OB_EVENT_THREAD_CPUTIME "occbench::THREAD-CPUTIME"
#define OB_EVENT_APERF "occbench::APERF"
#define OB_EVENT_MPERF "occbench::MPERF"

typedef enum ob_builtin {
    OB_BUILTIN_NONE = 0,
    OB_BUILTIN_CPUTIME = 1,
    OB_BUILTIN_APERF = 2,
    OB_BUILTIN_MPERF = 3
} ob_builtin;

/* 1 when `event` carries the built-in prefix (known or not). */
int ob_builtin_named(const char *event);
/* Which built-in event `event` is, OB_BUILTIN_NONE when it is none. */
ob_builtin ob_builtin_kind(const char *event);
/* Whether it can be counted here: 0, or -1 with why. */
int ob_builtin_try(const char *event, char *why, size_t why_len);
/* Open the calling thread's APERF or MPERF counter: an fd, or -1 with why. */
int ob_builtin_open_msr(ob_builtin kind, char *why, size_t why_len);

#endif
