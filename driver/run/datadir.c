/* Data-file lookup, so an installed binary, a build tree and a relocated
 * install all find events.conf without configuration. */
#include "driver/run/datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int try_path(const char *dir, const char *name, char *out, size_t outlen)
{
    if (!dir || !*dir)
        return -1;
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    return access(out, R_OK) == 0 ? 0 : -1;
}

int ob_data_path(const char *name, char *out, size_t outlen)
{
    if (try_path(getenv("OCCBENCH_DATA_DIR"), name, out, outlen) == 0)
        return 0;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char dir[PATH_MAX + 32];
            snprintf(dir, sizeof dir, "%s/../share/occbench", exe);
            if (try_path(dir, name, out, outlen) == 0)
                return 0;
        }
    }
#ifdef OB_DATA_DIR_INSTALL
    if (try_path(OB_DATA_DIR_INSTALL, name, out, outlen) == 0)
        return 0;
#endif
#ifdef OB_DATA_DIR_SOURCE
    if (try_path(OB_DATA_DIR_SOURCE, name, out, outlen) == 0)
        return 0;
#endif
    return -1;
}
