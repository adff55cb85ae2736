/* The early-exit listings of occbench (--list, --info); rank 0 only. */
#ifndef OCCBENCH_INFO_H
#define OCCBENCH_INFO_H

#include "driver/run/options.h"
#include "driver/node/topo.h"
#include "occbench/kernel.h"

/* Every kernel: memory per preset, plan description (with the options of
 * o for the selected kernels), and its options with defaults. */
void ob_info_print_list(const ob_machine *m, const ob_options *o);
/* Topology, caches, default ladder, counter resolution, node passport. */
void ob_info_print_info(const ob_topo *t, const ob_options *o);

#endif
