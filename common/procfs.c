/* "key : value" file readers (see procfs.h). */
#include "common/procfs.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
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

int ob_read_line(const char *path, char *out, size_t outlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(out, outlen, "unreadable: %s: %s", path, strerror(errno));
        return -1;
    }
    if (!fgets(out, (int)outlen, f)) {
        snprintf(out, outlen, "unreadable: %s: empty", path);
        fclose(f);
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
    return 0;
}

static int mount_of(const char *real, char *fstype, size_t fslen, char *mount, size_t mountlen)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f)
        return -1;
    char line[4096];
    size_t best = 0;
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        /* id parent major:minor root mountpoint options ... - fstype source ... */
        char mp[PATH_MAX], fs[64];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
            sscanf(dash + 3, "%63s", fs) != 1)
            continue;
        size_t n = strlen(mp);
        int prefix = strncmp(real, mp, n) == 0 &&
                     (real[n] == '/' || real[n] == '\0' || strcmp(mp, "/") == 0);
        if (prefix && n >= best) {
            best = n;
            snprintf(mount, mountlen, "%s", mp);
            snprintf(fstype, fslen, "%s", fs);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

int ob_fs_of_path(const char *path, char *fstype, size_t fslen, char *mount, size_t mountlen)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        /* The output file may not exist yet: use its directory. */
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", path);
        if (!realpath(dirname(copy), real)) {
            snprintf(fstype, fslen, "unreadable: %s: %s", path, strerror(errno));
            snprintf(mount, mountlen, "%s", fstype);
            return -1;
        }
    }
    if (mount_of(real, fstype, fslen, mount, mountlen) != 0) {
        snprintf(fstype, fslen, "unreadable: /proc/self/mountinfo has no mount for %s", real);
        snprintf(mount, mountlen, "%s", fstype);
        return -1;
    }
    return 0;
}

int ob_delayacct_state(void)
{
    FILE *f = fopen("/proc/sys/kernel/task_delayacct", "r");
    int v = -1;
    if (f) {
        if (fscanf(f, "%d", &v) != 1 || (v != 0 && v != 1))
            v = -1;
        fclose(f);
    }
    return v;
}

double ob_stat_blkio_ticks(const char *stat)
{
    const char *p = strrchr(stat, ')');
    if (!p)
        return NAN;
    p++;
    for (int field = 3; field <= 42; field++) {
        while (*p == ' ')
            p++;
        if (!*p)
            return NAN;
        if (field == 42) {
            char *end = NULL;
            double v = strtod(p, &end);
            return end == p ? NAN : v;
        }
        while (*p && *p != ' ')
            p++;
    }
    return NAN;
}

void ob_proc_io_bytes(const char *path, double *read_bytes, double *write_bytes)
{
    char buf[32];
    *read_bytes = ob_proc_field(path, "read_bytes", buf, sizeof buf) == 0 ? strtod(buf, NULL) : NAN;
    *write_bytes =
        ob_proc_field(path, "write_bytes", buf, sizeof buf) == 0 ? strtod(buf, NULL) : NAN;
}
