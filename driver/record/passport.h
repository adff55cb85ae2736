/* The node passport: the settings that decide whether two sites' results
 * compare like with like (SMT, NPS mode, L3 domains, clock policy,
 * microcode, virtualisation, file systems, batch job). Each field is
 * recorded; one that cannot be read says "unreadable: <reason>". */
#ifndef OCCBENCH_PASSPORT_H
#define OCCBENCH_PASSPORT_H

#include "driver/record/provenance.h"
#include "driver/node/topo.h"

/* Adds passport_* keys to `out`. io_dir and output may be NULL. */
void ob_passport_collect(ob_kvlist *out, const ob_topo *topo, const char *io_dir,
                         const char *output);

#endif
