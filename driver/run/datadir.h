/* Where occbench's data files (events.conf) are: $OCCBENCH_DATA_DIR, then
 * <prefix>/share/occbench next to the installed binary, then the install
 * prefix configured at build time, then the source tree. */
#ifndef OCCBENCH_DATADIR_H
#define OCCBENCH_DATADIR_H

#include <stddef.h>

/* Returns 0 with the first existing path to `name` in out, or -1. */
int ob_data_path(const char *name, char *out, size_t outlen);

#endif
