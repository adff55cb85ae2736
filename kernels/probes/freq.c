/* freq: counter-free clock probe. A chain of dependent 64-bit integer
 * adds retires at one add per cycle on every x86-64 and aarch64 core
 * occbench targets (an add's latency is one cycle and each add waits for
 * the previous one), so adds per second is the core clock, whatever the
 * governor, turbo or power limit makes of it, and without counters.
 *
 * The adds take their increment from a register, not an immediate, so no
 * renamer can fold the chain (some cores eliminate small immediate adds).
 * Other architectures get a portable C chain, x += 1 + (x >> 63): its
 * critical path is two or three instructions per add, so there the GHz it
 * reports is the clock divided by a constant the compiler decides, good
 * for ratios between occupancy levels but not as an absolute clock.
 *
 * The kernel `freq` times one fixed chain per repetition (figure GHz):
 *   ci 1.5e8 adds (~0.05 s at 3 GHz), small 1.5e9 (~0.5 s), lsst 3e9 (~1 s). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/freq_probe.h"
#include "occbench/kernel.h"
#include "kernels/probes/probes.h"

enum { PH_CHAIN, PH_COUNT };
static const char *const freq_phases[] = {[PH_CHAIN] = "chain", [PH_COUNT] = NULL};
OB_PHASES_MATCH(freq_phases, PH_COUNT);

#define FREQ_MIN_GHZ 0.2
#define FREQ_MAX_GHZ 7.0

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the kernel ------------------------------------------------------------ */

typedef struct freq_state {
    uint64_t adds;
    uint64_t result;
    double cpu_seconds; /* thread CPU time of the last chain */
} freq_state;

static uint64_t freq_adds(ob_preset preset)
{
    switch (preset) {
    case OB_PRESET_CI:
        return 150000000ULL;
    case OB_PRESET_SMALL:
        return 1500000000ULL;
    default:
        return 3000000000ULL;
    }
}

static int freq_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                     ob_plan *out, char *why, size_t why_len)
{
    (void)opts; /* no options, and no plan that can fail */
    (void)why;
    (void)why_len;
    (void)machine;
    uint64_t adds = freq_adds(preset);
    memset(out, 0, sizeof *out);
    out->footprint_bytes = sizeof(freq_state);
    out->work_units = (double)adds;
    out->work_unit = "adds";
    out->figure_name = "GHz";
    out->figure_scale = 1e-9;
    out->figure_inverse = 0;
    snprintf(out->description, sizeof out->description, "chain of %.3g dependent adds (%s)",
             (double)adds, ob_freq_chain_kind());
    return OB_OK;
}

static int freq_setup(ob_ctx *ctx, void **state)
{
    freq_state *s = calloc(1, sizeof *s);
    if (!s) {
        ob_ctx_set_error(ctx, "freq: out of memory for the state");
        return OB_ERR;
    }
    s->adds = freq_adds(ob_ctx_preset(ctx));
    *state = s;
    return OB_OK;
}

static int freq_run(void *state, ob_ctx *ctx)
{
    freq_state *s = state;
    ob_phase_begin(ctx, PH_CHAIN);
    double t0 = thread_cpu_seconds();
    s->result = ob_freq_chain(s->adds);
    s->cpu_seconds = thread_cpu_seconds() - t0;
    ob_phase_end(ctx, PH_CHAIN);
    return OB_OK;
}

static int freq_verify(void *state, char *why, size_t why_len)
{
    const freq_state *s = state;
    if (s->result != s->adds) {
        snprintf(why, why_len, "freq: the chain of %llu adds returned %llu",
                 (unsigned long long)s->adds, (unsigned long long)s->result);
        return 1;
    }
    /* Judged on CPU time: time spent descheduled (a core shared with
     * other ranks) is not the chain's, and only a chain the compiler
     * folded, or a broken clock, can leave this range on-CPU. */
    double ghz = s->cpu_seconds > 0.0 ? (double)s->adds / s->cpu_seconds * 1e-9 : INFINITY;
    if (!(ghz >= FREQ_MIN_GHZ && ghz <= FREQ_MAX_GHZ)) {
        snprintf(why, why_len,
                 "freq: %.3f GHz (%llu adds in %.6f s of CPU time) is outside the plausible "
                 "%.1f..%.1f GHz",
                 ghz, (unsigned long long)s->adds, s->cpu_seconds, FREQ_MIN_GHZ, FREQ_MAX_GHZ);
        return 1;
    }
    return 0;
}

static void freq_teardown(void *state)
{
    free(state);
}

void ob_freq_test_set_seconds(void *state, double seconds)
{
    ((freq_state *)state)->cpu_seconds = seconds;
}

/* Test hook: a chain that lost one add. */
static void freq_corrupt(void *state)
{
    freq_state *s = state;
    s->result -= 1;
}

const ob_kernel ob_kernel_freq = {
    .name = "freq",
    .summary = "clock probe: timed chain of dependent integer adds (GHz)",
    .phases = freq_phases,
    .plan = freq_plan,
    .setup = freq_setup,
    .run = freq_run,
    .verify = freq_verify,
    .teardown = freq_teardown,
    .corrupt = freq_corrupt,
};
