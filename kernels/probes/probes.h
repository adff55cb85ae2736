/* The diagnostic probes (kernels/probes/triad.c, chase.c, freq.c): their kernel
 * tables, and hooks into their state for the unit tests that corrupt a
 * result on purpose to see verify() fail. Nothing else should use the
 * hooks. */
#ifndef OCCBENCH_PROBES_H
#define OCCBENCH_PROBES_H

#include <stddef.h>

#include "occbench/kernel.h"

extern const ob_kernel ob_kernel_triad;
extern const ob_kernel ob_kernel_chase;
extern const ob_kernel ob_kernel_freq;

/* triad: array `which` (0..2) of a set-up state and its length. */
double *ob_triad_test_array(void *state, int which, size_t *len);
/* chase: make node `node` link to node `to` (breaking the cycle); returns
 * 0, or -1 when either index is out of range. */
int ob_chase_test_relink(void *state, size_t node, size_t to);
/* chase: number of nodes in the cycle. */
size_t ob_chase_test_nodes(void *state);
/* freq: pretend the last chain took `seconds` (to test the GHz range check). */
void ob_freq_test_set_seconds(void *state, double seconds);

#endif
