/* The msr PMU reader (see msr_pmu.h). */
#include "driver/measure/msr_pmu.h"

#include "common/procfs.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int ob_msr_pmu_lookup(const char *sysfs, const char *name, unsigned *type,
                      unsigned long long *config, char *why, size_t why_len)
{
    char path[512], buf[128];
    snprintf(path, sizeof path, "%s/bus/event_source/devices/msr/type", sysfs);
    if (ob_read_line(path, buf, sizeof buf) != 0) {
        snprintf(why, why_len, "no msr PMU (%s unreadable)", path);
        return -1;
    }
    *type = (unsigned)strtoul(buf, NULL, 10);
    snprintf(path, sizeof path, "%s/bus/event_source/devices/msr/events/%s", sysfs, name);
    if (ob_read_line(path, buf, sizeof buf) != 0) {
        snprintf(why, why_len, "the msr PMU has no %s event (%s absent: a VM, or a CPU without it)",
                 name, path);
        return -1;
    }
    const char *v = strstr(buf, "event=");
    char *end = NULL;
    if (!v || (*config = strtoull(v + 6, &end, 0), end == v + 6)) {
        snprintf(why, why_len, "%s: '%s' is not event=N", path, buf);
        return -1;
    }
    return 0;
}

int ob_msr_pmu_open(const char *sysfs, const char *name, char *why, size_t why_len)
{
    unsigned type;
    unsigned long long config;
    if (ob_msr_pmu_lookup(sysfs, name, &type, &config, why, why_len) != 0)
        return -1;
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = type;
    attr.config = config;
    long fd = syscall(SYS_perf_event_open, &attr, 0 /* this thread */, -1, -1, 0);
    if (fd < 0) {
        int e = errno;
        snprintf(why, why_len, "perf_event_open(msr/%s/) failed: %s%s", name, strerror(e),
                 e == EACCES || e == EPERM
                     ? " (kernel.perf_event_paranoid forbids it: run as root or lower it)"
                     : "");
        return -1;
    }
    return (int)fd;
}

long long ob_msr_pmu_read(int fd)
{
    unsigned long long v;
    return read(fd, &v, sizeof v) == (ssize_t)sizeof v ? (long long)v : -1;
}
