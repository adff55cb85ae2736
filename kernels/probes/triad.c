/* triad: memory-bandwidth probe, the STREAM triad a[i] = b[i] + q*c[i] on
 * doubles, figure GB/s counting 24 bytes per element and pass (STREAM's
 * convention: two reads and one write, write-allocate traffic not counted).
 *
 * Validation. STREAM checks its arrays against a closed form of the
 * sequence it ran; here the three arrays hold consecutive terms of
 *     s[j+1] = s[j] + q*s[j-1],  q = -1,
 * each pass writing the next term over the oldest (the arrays take turns
 * as a, b and c). With q = -1 the sequence is periodic with period 6
 * (x, y, y-x, -x, -y, x-y, x, ...), so after any number of passes every
 * element has an exact closed form: small integers, no rounding, no
 * overflow and no denormals however long the steady state runs, and every
 * pass reads what the previous one wrote, so no pass can be skipped.
 * (STREAM's q = 3 would grow the values without bound over thousands of
 * repetitions.) Each element starts from its own (x, y), so a misplaced
 * write shows up too.
 *
 * Sizes (per array; `l3` is the rank's L3 domain, 32 MiB when unknown):
 *   ci     1 MiB, 1280 passes, ~0.05 s (cache-resident: a smoke test, not memory)
 *   small  4 x l3 (16 MiB .. 1 GiB), >= 4 GiB moved per repetition
 *   lsst   8 x l3 (32 MiB .. 2 GiB), >= 8 GiB moved per repetition
 * so small and lsst stream from memory even when other ranks leave this
 * rank's share of the L3 unused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "occbench/kernel.h"
#include "kernels/probes/probes.h"

enum { PH_TRIAD, PH_COUNT };
static const char *const triad_phases[] = {[PH_TRIAD] = "triad", [PH_COUNT] = NULL};
OB_PHASES_MATCH(triad_phases, PH_COUNT);

#define MIB ((size_t)1 << 20)
#define GIB ((size_t)1 << 30)
#define TRIAD_DEFAULT_L3 (32 * MIB)
#define TRIAD_EPSILON 1e-13 /* STREAM's tolerance for doubles */
#define TRIAD_BYTES_PER_ELEMENT 24.0

static const double triad_q = -1.0;

typedef struct triad_size {
    size_t n;   /* elements per array */
    int passes; /* per repetition */
} triad_size;

typedef struct triad_state {
    double *buf[3];
    size_t n;
    int passes;
    double q;
    /* Passes since setup: buf[j % 3] holds term j for j = done .. done+2. */
    uint64_t done;
} triad_state;

static size_t clamp_size(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static triad_size triad_size_of(ob_preset preset, const ob_machine *m)
{
    size_t l3 = (m && m->l3_bytes) ? m->l3_bytes : TRIAD_DEFAULT_L3;
    size_t array_bytes, moved_bytes;
    switch (preset) {
    case OB_PRESET_CI:
        return (triad_size){.n = MIB / sizeof(double), .passes = 1280};
    case OB_PRESET_SMALL:
        array_bytes = clamp_size(4 * l3, 16 * MIB, GIB);
        moved_bytes = 4 * GIB;
        break;
    default:
        array_bytes = clamp_size(8 * l3, 32 * MIB, 2 * GIB);
        moved_bytes = 8 * GIB;
        break;
    }
    array_bytes -= array_bytes % 4096; /* whole pages, as aligned_alloc wants */
    size_t per_pass = 3 * array_bytes;
    size_t passes = (moved_bytes + per_pass - 1) / per_pass;
    return (triad_size){.n = array_bytes / sizeof(double), .passes = passes < 2 ? 2 : (int)passes};
}

static int triad_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                      ob_plan *out, char *why, size_t why_len)
{
    (void)opts; /* no options, and no plan that can fail */
    (void)why;
    (void)why_len;
    triad_size s = triad_size_of(preset, machine);
    memset(out, 0, sizeof *out);
    out->footprint_bytes = 3 * s.n * sizeof(double);
    out->work_units = TRIAD_BYTES_PER_ELEMENT * (double)s.n * s.passes;
    out->work_unit = "bytes";
    out->figure_name = "GB/s";
    out->figure_scale = 1e-9;
    out->figure_inverse = 0;
    snprintf(out->description, sizeof out->description,
             "3 x %.1f MiB arrays of doubles, %d triad passes", (double)s.n * 8 / (double)MIB,
             s.passes);
    return OB_OK;
}

/* Term j of element i's sequence (see the file comment). */
static double triad_term(size_t i, uint64_t j)
{
    double x = 1.0 + (double)(i % 7), y = 10.0 + (double)(i % 11);
    switch (j % 6) {
    case 0:
        return x;
    case 1:
        return y;
    case 2:
        return y - x;
    case 3:
        return -x;
    case 4:
        return -y;
    default:
        return x - y;
    }
}

static void triad_teardown(void *state)
{
    triad_state *s = state;
    if (!s)
        return;
    for (int k = 0; k < 3; k++)
        free(s->buf[k]);
    free(s);
}

static int triad_setup(ob_ctx *ctx, void **state)
{
    triad_size size = triad_size_of(ob_ctx_preset(ctx), ob_ctx_machine(ctx));
    triad_state *s = calloc(1, sizeof *s);
    if (!s) {
        ob_ctx_set_error(ctx, "triad: out of memory for the state");
        return OB_ERR;
    }
    s->n = size.n;
    s->passes = size.passes;
    s->q = triad_q;
    size_t bytes = size.n * sizeof(double); /* whole pages by construction */
    for (int k = 0; k < 3; k++) {
        s->buf[k] = aligned_alloc(4096, bytes);
        if (!s->buf[k]) {
            ob_ctx_set_error(ctx, "triad: cannot allocate 3 arrays of %zu bytes", bytes);
            triad_teardown(s);
            return OB_ERR;
        }
    }
    /* First touch here, on the core the driver bound us to. */
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < s->n; i++)
            s->buf[k][i] = triad_term(i, (uint64_t)k);
    *state = s;
    return OB_OK;
}

/* The pass compiled for the widest vector unit the CPU has (GCC
 * target_clones, chosen once at load time; -O3 for this file, see
 * CMakeLists.txt). Memory-bound as it is, the loop still needs the width:
 * built as scalar SSE2 code (one element per iteration, what -O2 gives)
 * it issued too slowly to keep up with one Zen 5 core's bandwidth and read
 * about 0.70x of STREAM there (docs/PERFORMANCE.md). With q = -1 every
 * value is a small integer, so every variant computes the same bits. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define OB_TRIAD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define OB_TRIAD_CLONES
#endif

OB_TRIAD_CLONES static void triad_pass(double *restrict a, const double *restrict b,
                                       const double *restrict c, double q, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + q * c[i];
}

static int triad_run(void *state, ob_ctx *ctx)
{
    triad_state *s = state;
    ob_phase_begin(ctx, PH_TRIAD);
    for (int p = 0; p < s->passes; p++) {
        uint64_t j = s->done + 3; /* the term this pass writes, over term j-3 */
        triad_pass(s->buf[j % 3], s->buf[(j - 1) % 3], s->buf[(j - 2) % 3], s->q, s->n);
        s->done++;
    }
    ob_phase_end(ctx, PH_TRIAD);
    return OB_OK;
}

static int triad_verify(void *state, char *why, size_t why_len)
{
    const triad_state *s = state;
    size_t wrong = 0, first_i = 0;
    int first_k = -1;
    double first_v = 0.0, first_e = 0.0;
    for (int r = 0; r < 3; r++) {
        uint64_t j = s->done + (uint64_t)r;
        int k = (int)(j % 3);
        const double *v = s->buf[k];
        for (size_t i = 0; i < s->n; i++) {
            double e = triad_term(i, j);
            double rel = (v[i] - e) / e; /* |e| >= 1 always */
            if (!(rel <= TRIAD_EPSILON && rel >= -TRIAD_EPSILON)) {
                if (wrong++ == 0) {
                    first_k = k;
                    first_i = i;
                    first_v = v[i];
                    first_e = e;
                }
            }
        }
    }
    if (wrong == 0)
        return 0;
    snprintf(why, why_len,
             "triad: Solution does not validate after %llu passes: %zu of %zu elements off by "
             "more than %g relative; first: array %d [%zu] = %.17g, expected %.17g",
             (unsigned long long)s->done, wrong, 3 * s->n, TRIAD_EPSILON, first_k, first_i, first_v,
             first_e);
    return 1;
}

double *ob_triad_test_array(void *state, int which, size_t *len)
{
    triad_state *s = state;
    if (which < 0 || which > 2)
        return NULL;
    if (len)
        *len = s->n;
    return s->buf[which];
}

/* Test hook: one element of the newest array wrong by far more than the tolerance. */
static void triad_corrupt(void *state)
{
    triad_state *s = state;
    s->buf[(s->done + 2) % 3][s->n / 2] *= 2.0;
}

const ob_kernel ob_kernel_triad = {
    .name = "triad",
    .summary = "memory bandwidth probe: STREAM triad a = b + q*c on doubles (GB/s)",
    .phases = triad_phases,
    .plan = triad_plan,
    .setup = triad_setup,
    .run = triad_run,
    .verify = triad_verify,
    .teardown = triad_teardown,
    .corrupt = triad_corrupt,
};
