/* Known contention, injected next to the active ranks for occbench
 * --calibrate (docs/ANALYSIS.md, "Calibration"): each kind is expected to
 * show up in one term of the decomposition. Injections run as threads of a
 * parked rank, pinned where they must act, so the measured ranks' own
 * thread accounting never includes them. */
#ifndef OCCBENCH_INJECT_H
#define OCCBENCH_INJECT_H

#include <stddef.h>

typedef enum ob_inject_kind {
    OB_INJECT_NONE = 0,
    OB_INJECT_CPU_HOG,      /* a spinning thread on the active rank's core: scheduler */
    OB_INJECT_STREAMERS,    /* memory streamers on the other cores of its L3: cycles */
    OB_INJECT_FSYNC_WRITER, /* write + fsync in the I/O directory: blocked */
    OB_INJECT_CLOCK_CAP,    /* scaling_max_freq of its core lowered: clock */
    OB_INJECT_COUNT
} ob_inject_kind;

/* "none", "cpu_hog", "streamers", "fsync_writer", "clock_cap" */
const char *ob_inject_name(ob_inject_kind k);
/* The decomposition term each kind must explain: "scheduler", "cycles", ... */
const char *ob_inject_expected_term(ob_inject_kind k);

/* Can this kind run here? 0, or -1 with the reason in why (no writable
 * cpufreq, a tmpfs I/O directory, too few cores). target_cpu: OS index of
 * the active rank's PU; cap_khz: the clock cap (0: the core's minimum). */
int ob_inject_possible(ob_inject_kind k, int target_cpu, const int *others, int nothers,
                       const char *io_dir, long cap_khz, char *why, size_t why_len);

typedef struct ob_injection ob_injection;

/* Start kind k (NULL on failure, why set): pinned to target_cpu (hog,
 * clock cap) or to others[0..nothers) (streamers), writing in io_dir. */
ob_injection *ob_inject_start(ob_inject_kind k, int target_cpu, const int *others, int nothers,
                              const char *io_dir, long cap_khz, char *why, size_t why_len);
/* Stop, undo (file removed, clock restored) and free. */
void ob_inject_stop(ob_injection *inj);

#endif
