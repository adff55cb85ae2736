/* The built-in events (see builtin.h). */
#include "driver/measure/builtin.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "driver/measure/msr_pmu.h"

int ob_builtin_named(const char *event)
{
    return strncmp(event, OB_BUILTIN_EVENT_PREFIX, strlen(OB_BUILTIN_EVENT_PREFIX)) == 0;
}

ob_builtin ob_builtin_kind(const char *event)
{
    if (!strcmp(event, OB_EVENT_THREAD_CPUTIME))
        return OB_BUILTIN_CPUTIME;
    if (!strcmp(event, OB_EVENT_APERF))
        return OB_BUILTIN_APERF;
    if (!strcmp(event, OB_EVENT_MPERF))
        return OB_BUILTIN_MPERF;
    return OB_BUILTIN_NONE;
}

int ob_builtin_open_msr(ob_builtin kind, char *why, size_t why_len)
{
    return ob_msr_pmu_open("/sys", kind == OB_BUILTIN_APERF ? "aperf" : "mperf", why, why_len);
}

int ob_builtin_try(const char *event, char *why, size_t why_len)
{
    ob_builtin kind = ob_builtin_kind(event);
    if (kind == OB_BUILTIN_CPUTIME)
        return 0;
    if (kind == OB_BUILTIN_NONE) {
        snprintf(why, why_len, "unknown occbench built-in event (known: %s, %s, %s)",
                 OB_EVENT_THREAD_CPUTIME, OB_EVENT_APERF, OB_EVENT_MPERF);
        return -1;
    }
    int fd = ob_builtin_open_msr(kind, why, why_len);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}
