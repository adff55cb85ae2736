/* The node passport: the settings that decide whether two sites' results
 * compare like with like (SMT, NPS mode, L3 domains, clock policy,
 * microcode, virtualisation, file systems, batch job). Each field is
 * recorded; one that cannot be read says "unreadable: <reason>". */
#ifndef OCCBENCH_PASSPORT_H
#define OCCBENCH_PASSPORT_H

#include "driver/provenance.h"
#include "driver/topo.h"

/* Adds passport_* keys to `out`. io_dir and output may be NULL. */
void ob_passport_collect(ob_kvlist *out, const ob_topo *topo, const char *io_dir,
                         const char *output);

/* File-system type and mount point of `path` (or of its directory when it
 * does not exist yet), from /proc/self/mountinfo. */
int ob_fs_of_path(const char *path, char *fstype, size_t fslen, char *mount, size_t mountlen);

#endif
