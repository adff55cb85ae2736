/* chase: load-latency probe, a pointer chase around one random cycle over
 * cache-line-sized nodes (Sattolo's algorithm: every node is visited once
 * per lap, in an order no prefetcher can follow), figure ns per load.
 *
 * Sizes, relative to the rank's caches (L2 1 MiB and L3 32 MiB when
 * unknown):
 *   ci     2 x L2 (256 KiB .. 16 MiB): mostly L3 hits, a smoke test
 *   small  2 x L3 (8 MiB .. 1 GiB): at k = 1 about half the loads still
 *          hit the L3 and the rest go to memory, so the figure moves as
 *          co-located ranks take L3 capacity away: the probe is meant to
 *          show shared-cache contention between compact and spread, not
 *          only DRAM latency
 *   lsst   4 x L3 (16 MiB .. 1 GiB): mostly memory latency at any k
 * Nodes are spread over 4 KiB pages, so the figure includes TLB misses as
 * real workloads see them (unless transparent huge pages back the buffer).
 *
 * Verification: setup walks the permutation (an index array, independent
 * of the linked nodes) once, checks it is one cycle over all nodes, and
 * keeps the visiting order; after L loads from node 0 the chase must be at
 * order[L mod n]. A broken link sends it elsewhere. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "occbench/kernel.h"
#include "kernels/probes/probes.h"
#include "common/rng.h"

enum { PH_CHASE, PH_COUNT };
static const char *const chase_phases[] = {[PH_CHASE] = "chase", [PH_COUNT] = NULL};
OB_PHASES_MATCH(chase_phases, PH_COUNT);

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)
#define GIB ((size_t)1 << 30)
#define CHASE_LINE 64
#define CHASE_DEFAULT_L2 (1 * MIB)
#define CHASE_DEFAULT_L3 (32 * MIB)
#define CHASE_UNROLL 8
#define CHASE_SEED 0x6f63636368617365ULL /* "occchase" */

typedef struct chase_node {
    struct chase_node *next;
    unsigned char pad[CHASE_LINE - sizeof(struct chase_node *)];
} chase_node;

typedef struct chase_size {
    size_t nodes;
    uint64_t loads; /* per repetition, a multiple of CHASE_UNROLL */
} chase_size;

typedef struct chase_state {
    chase_node *nodes;
    uint32_t *order; /* order[t]: the node reached after t loads from node 0 */
    size_t n;
    uint64_t loads;
    uint64_t total; /* loads since setup */
    chase_node *cur;
} chase_state;

static size_t clamp_size(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static chase_size chase_size_of(ob_preset preset, const ob_machine *m)
{
    size_t l2 = (m && m->l2_bytes) ? m->l2_bytes : CHASE_DEFAULT_L2;
    size_t l3 = (m && m->l3_bytes) ? m->l3_bytes : CHASE_DEFAULT_L3;
    size_t bytes;
    uint64_t loads;
    switch (preset) {
    case OB_PRESET_CI:
        bytes = clamp_size(2 * l2, 256 * KIB, 16 * MIB);
        loads = (uint64_t)1 << 22;
        break;
    case OB_PRESET_SMALL:
        bytes = clamp_size(2 * l3, 8 * MIB, GIB);
        loads = (uint64_t)1 << 22;
        break;
    default:
        bytes = clamp_size(4 * l3, 16 * MIB, GIB);
        loads = (uint64_t)1 << 24;
        break;
    }
    size_t nodes = bytes / CHASE_LINE;
    nodes -= nodes % (4096 / CHASE_LINE); /* whole pages, as aligned_alloc wants */
    if (loads < nodes)                    /* every link is followed at least once per repetition */
        loads = nodes;
    loads = (loads + CHASE_UNROLL - 1) / CHASE_UNROLL * CHASE_UNROLL;
    /* Not a whole number of laps, so that a repetition that moved nowhere
     * cannot end where the walk says it should. */
    if (loads % nodes == 0)
        loads += CHASE_UNROLL;
    return (chase_size){.nodes = nodes, .loads = loads};
}

static int chase_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                      ob_plan *out, char *why, size_t why_len)
{
    (void)opts; /* no options, and no plan that can fail */
    (void)why;
    (void)why_len;
    chase_size s = chase_size_of(preset, machine);
    memset(out, 0, sizeof *out);
    out->footprint_bytes = s.nodes * (sizeof(chase_node) + sizeof(uint32_t));
    out->work_units = (double)s.loads;
    out->work_unit = "loads";
    out->figure_name = "ns/load";
    out->figure_scale = 1e9;
    out->figure_inverse = 1;
    snprintf(out->description, sizeof out->description,
             "random cycle over %zu 64-byte nodes (%.1f MiB), %llu dependent loads", s.nodes,
             (double)(s.nodes * CHASE_LINE) / (double)MIB, (unsigned long long)s.loads);
    return OB_OK;
}

static void chase_teardown(void *state)
{
    chase_state *s = state;
    if (!s)
        return;
    free(s->nodes);
    free(s->order);
    free(s);
}

/* Sattolo's shuffle of the identity: i -> next[i] is one cycle over all n. */
static void sattolo(uint32_t *next, size_t n)
{
    ob_rng rng;
    ob_rng_seed(&rng, CHASE_SEED);
    for (size_t i = 0; i < n; i++)
        next[i] = (uint32_t)i;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)ob_rng_below(&rng, i); /* j < i: never a fixed point */
        uint32_t t = next[i];
        next[i] = next[j];
        next[j] = t;
    }
}

static int chase_setup(ob_ctx *ctx, void **state)
{
    chase_size size = chase_size_of(ob_ctx_preset(ctx), ob_ctx_machine(ctx));
    chase_state *s = calloc(1, sizeof *s);
    uint32_t *next = malloc(size.nodes * sizeof *next);
    if (!s || !next) {
        ob_ctx_set_error(ctx, "chase: out of memory for %zu nodes", size.nodes);
        free(next);
        free(s);
        return OB_ERR;
    }
    s->n = size.nodes;
    s->loads = size.loads;
    s->nodes = aligned_alloc(4096, s->n * sizeof *s->nodes); /* n * 64 is whole pages */
    s->order = malloc(s->n * sizeof *s->order);
    if (!s->nodes || !s->order) {
        ob_ctx_set_error(ctx, "chase: cannot allocate %zu nodes (%zu bytes)", s->n,
                         s->n * sizeof *s->nodes);
        free(next);
        chase_teardown(s);
        return OB_ERR;
    }
    sattolo(next, s->n);
    /* Link (the first touch, on the bound core) and walk the index array. */
    for (size_t i = 0; i < s->n; i++) {
        s->nodes[i].next = &s->nodes[next[i]];
        memset(s->nodes[i].pad, 0, sizeof s->nodes[i].pad);
    }
    s->order[0] = 0;
    for (size_t t = 1; t < s->n; t++) {
        s->order[t] = next[s->order[t - 1]];
        if (s->order[t] == 0) {
            ob_ctx_set_error(ctx, "chase: the permutation closes after %zu of %zu nodes", t, s->n);
            free(next);
            chase_teardown(s);
            return OB_ERR;
        }
    }
    if (next[s->order[s->n - 1]] != 0) {
        ob_ctx_set_error(ctx, "chase: the walk does not return to node 0 after %zu nodes", s->n);
        free(next);
        chase_teardown(s);
        return OB_ERR;
    }
    free(next);
    s->cur = &s->nodes[0];
    *state = s;
    return OB_OK;
}

static int chase_run(void *state, ob_ctx *ctx)
{
    chase_state *s = state;
    chase_node *p = s->cur;
    ob_phase_begin(ctx, PH_CHASE);
    for (uint64_t i = 0; i < s->loads; i += CHASE_UNROLL) {
        p = p->next;
        p = p->next;
        p = p->next;
        p = p->next;
        p = p->next;
        p = p->next;
        p = p->next;
        p = p->next;
    }
    ob_phase_end(ctx, PH_CHASE);
    s->cur = p;
    s->total += s->loads;
    return OB_OK;
}

static int chase_verify(void *state, char *why, size_t why_len)
{
    const chase_state *s = state;
    uint32_t want = s->order[s->total % s->n];
    uintptr_t base = (uintptr_t)s->nodes, at = (uintptr_t)s->cur;
    if (at < base || at >= base + s->n * sizeof *s->nodes || (at - base) % sizeof *s->nodes) {
        snprintf(why, why_len, "chase: after %llu loads the pointer %p lies outside the %zu nodes",
                 (unsigned long long)s->total, (void *)s->cur, s->n);
        return 1;
    }
    size_t got = (size_t)(s->cur - s->nodes);
    if (got != want) {
        snprintf(why, why_len,
                 "chase: after %llu loads the chase is at node %zu, the permutation says node %u "
                 "(a link is broken)",
                 (unsigned long long)s->total, got, (unsigned)want);
        return 1;
    }
    return 0;
}

int ob_chase_test_relink(void *state, size_t node, size_t to)
{
    chase_state *s = state;
    if (node >= s->n || to >= s->n)
        return -1;
    s->nodes[node].next = &s->nodes[to];
    return 0;
}

size_t ob_chase_test_nodes(void *state)
{
    return ((chase_state *)state)->n;
}

/* Test hook: the chase one node further than the permutation says. */
static void chase_corrupt(void *state)
{
    chase_state *s = state;
    s->cur = s->nodes + ((size_t)(s->cur - s->nodes) + 1) % s->n;
}

const ob_kernel ob_kernel_chase = {
    .name = "chase",
    .summary = "load latency probe: pointer chase around one random cycle (ns/load)",
    .phases = chase_phases,
    .plan = chase_plan,
    .setup = chase_setup,
    .run = chase_run,
    .verify = chase_verify,
    .teardown = chase_teardown,
    .corrupt = chase_corrupt,
};
