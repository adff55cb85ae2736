/* Counter-free clock probe (common/freq_probe.c; the kernel freq times it): a chain of dependent
 * integer adds, each one cycle of latency on every x86-64 and aarch64 core occbench targets, timed
 * with CLOCK_MONOTONIC. adds / second = Hz. */
#ifndef OCCBENCH_FREQ_PROBE_H
#define OCCBENCH_FREQ_PROBE_H

#include <stdint.h>

/* Run `adds` dependent adds; returns the chain's result (so it is not
 * optimised away; it equals adds when started from 0). */
uint64_t ob_freq_chain(uint64_t adds);
/* Measure the clock for about `seconds` (best of a few short chains,
 * since preemption only ever makes a chain slower). Returns GHz. */
double ob_freq_probe_ghz(double seconds);
/* How the chain is built here ("x86-64 asm", "aarch64 asm" or portable C). */
const char *ob_freq_chain_kind(void);
/* The first "cpu MHz" of /proc/cpuinfo (the kernel's idea of the clock,
 * to set the probe against), or 0 when there is none. */
double ob_cpuinfo_mhz(void);

#endif
