/* "key : value" file readers (see procfs.h). */
#include "common/procfs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does `line` start with exactly `key` followed by blanks and ':'? */
static const char *value_of(const char *line, const char *key)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0)
        return NULL;
    const char *p = line + n;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int ob_proc_field(const char *path, const char *key, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(out, len, "unreadable: %s: %s", path, strerror(errno));
        return -1;
    }
    char line[8192];
    int found = -1;
    while (found != 0 && fgets(line, sizeof line, f)) {
        const char *v = value_of(line, key);
        if (!v)
            continue;
        snprintf(out, len, "%s", v);
        out[strcspn(out, "\n")] = '\0';
        found = 0;
    }
    fclose(f);
    if (found != 0)
        snprintf(out, len, "unreadable: %s has no '%s' line", path, key);
    return found;
}

int ob_cpuinfo_field(const char *key, char *out, size_t len)
{
    return ob_proc_field(OB_PROC_CPUINFO, key, out, len);
}

double ob_meminfo_bytes(const char *path, const char *key)
{
    char buf[128];
    if (ob_proc_field(path, key, buf, sizeof buf) != 0)
        return NAN;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end == buf)
        return NAN;
    while (*end == ' ')
        end++;
    return strncmp(end, "kB", 2) == 0 ? v * 1024.0 : v;
}
