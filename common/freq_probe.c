/* The counter-free clock probe: a chain of dependent integer adds, one
 * cycle of latency each on every x86-64 and aarch64 core occbench targets,
 * timed with CLOCK_MONOTONIC, so adds per second is the core clock. The
 * kernel `freq` (kernels/probes/freq.c) times one chain per repetition; the
 * driver runs the probe between repetitions (driver/run/step.c). */
#include "common/freq_probe.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "common/procfs.h"

#define FREQ_BLOCK 256 /* adds per unrolled block */

#if defined(__x86_64__) && defined(__GNUC__)
#define FREQ_CHAIN_KIND "x86-64 asm"
static inline uint64_t chain_block(uint64_t x, uint64_t one)
{
    __asm__ volatile(".rept 256\n\taddq %1, %0\n\t.endr" : "+r"(x) : "r"(one));
    return x;
}
static inline uint64_t chain_one(uint64_t x, uint64_t one)
{
    __asm__ volatile("addq %1, %0" : "+r"(x) : "r"(one));
    return x;
}
#elif defined(__aarch64__) && defined(__GNUC__)
#define FREQ_CHAIN_KIND "aarch64 asm"
static inline uint64_t chain_block(uint64_t x, uint64_t one)
{
    __asm__ volatile(".rept 256\n\tadd %0, %0, %1\n\t.endr" : "+r"(x) : "r"(one));
    return x;
}
static inline uint64_t chain_one(uint64_t x, uint64_t one)
{
    __asm__ volatile("add %0, %0, %1" : "+r"(x) : "r"(one));
    return x;
}
#else
#define FREQ_CHAIN_KIND "portable C (cycles per add not guaranteed to be 1)"
/* x >> 63 is 0 for every count we reach, but the compiler cannot know it,
 * so it can neither collapse the loop nor break the dependency. */
static inline uint64_t chain_one(uint64_t x, uint64_t one)
{
    return x + one + (x >> 63);
}
static inline uint64_t chain_block(uint64_t x, uint64_t one)
{
    for (int i = 0; i < FREQ_BLOCK; i++)
        x = chain_one(x, one);
    return x;
}
#endif

uint64_t ob_freq_chain(uint64_t adds)
{
    const uint64_t one = 1;
    uint64_t x = 0;
    for (uint64_t b = adds / FREQ_BLOCK; b > 0; b--)
        x = chain_block(x, one);
    for (uint64_t r = adds % FREQ_BLOCK; r > 0; r--)
        x = chain_one(x, one);
    return x;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best of several short chains: preemption and interrupts only ever make
 * a chain slower, so the fastest one is the clock. At least 3 chains,
 * each about an eighth of the budget at 3 GHz (64 Ki .. 4 Gi adds).
 * Returns NaN if a chain miscounts (a bug, never a measurement). */
double ob_freq_probe_ghz(double seconds)
{
    if (!(seconds > 0.0))
        seconds = 0.01;
    double want = seconds * 3e9 / 8.0;
    uint64_t adds = want < 65536.0 ? 65536 : want > 4294967296.0 ? 4294967296ULL : (uint64_t)want;
    double best = INFINITY, start = now_seconds(), t1 = start;
    for (int chains = 0; chains < 3 || t1 - start < seconds; chains++) {
        double t0 = now_seconds();
        uint64_t got = ob_freq_chain(adds);
        t1 = now_seconds();
        if (got != adds)
            return NAN;
        if (t1 - t0 < best)
            best = t1 - t0;
    }
    return best > 0.0 ? (double)adds / best * 1e-9 : NAN;
}

const char *ob_freq_chain_kind(void)
{
    return FREQ_CHAIN_KIND;
}

double ob_cpuinfo_mhz(void)
{
    char buf[64];
    return ob_cpuinfo_field("cpu MHz", buf, sizeof buf) == 0 ? strtod(buf, NULL) : 0.0;
}
