/* APERF and MPERF of the calling thread through the kernel's msr PMU
 * (perf_event_open on /sys/bus/event_source/devices/msr): the clock without
 * hardware counters or the probe. APERF counts the core's actual cycles and
 * MPERF cycles at the reference (TSC) rate, both only while the core is in
 * C0; counted per task, they advance only while this thread runs, so
 * delta APERF / delta CPU time is the clock the thread ran at. VMs usually
 * lack them (the msr PMU then offers tsc and smi only), and
 * perf_event_paranoid >= 2 refuses them to unprivileged users: every
 * failure says which. */
#ifndef OCCBENCH_MSR_PMU_H
#define OCCBENCH_MSR_PMU_H

#include <stddef.h>

/* The perf type and config of msr event `name` ("aperf", "mperf") under
 * `sysfs` (normally "/sys"; tests give a fake tree). 0, or -1 with why. */
int ob_msr_pmu_lookup(const char *sysfs, const char *name, unsigned *type,
                      unsigned long long *config, char *why, size_t why_len);

/* Open a per-thread counter of msr event `name` for the calling thread:
 * the fd (read 8 bytes for the count), or -1 with why. */
int ob_msr_pmu_open(const char *sysfs, const char *name, char *why, size_t why_len);

/* The count of an open counter; -1 on failure. */
long long ob_msr_pmu_read(int fd);

#endif
