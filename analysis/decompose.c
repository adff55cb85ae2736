/* The decomposition of a slowdown into measured terms (docs/ANALYSIS.md),
 * pure arithmetic on per-repetition values (no HDF5, unit-tested alone):
 *
 *   T = wall, C = the thread's exact CPU time, Q = run-queue delay,
 *   B = T - C - Q (off CPU, not waiting for one), IO = block-I/O delay
 *   (delay accounting), O = B - IO, Y = cycles (or C * f_probe)
 *
 * Every level value is a pooled mean over the level's counted repetitions
 * of all its ranks: T is then the time per repetition the throughput
 * implies (T(k)/T(1) - 1 = 1/efficiency - 1 when the ranks share the
 * window, as the driver makes them), a rank that runs slower weighs by the
 * time it takes, and f = sum Y / sum C is the clock of that time. With
 * these, clock + cycles = C(k) - C(1) and the terms add up to T(k) - T(1)
 * exactly: nothing is left for a residual to explain. */
#include <math.h>
#include <stdlib.h>

#include "analysis/analyze.h"

const char *const dc_term_names[DC_NTERMS] = {"slowdown", "clock",     "cycles",
                                              "blocked",  "scheduler", "other_offcpu"};

const char *dc_source_name(dc_cycles_source s)
{
    switch (s) {
    case DC_SRC_COUNTERS:
        return "counters";
    case DC_SRC_PROBE:
        return "probe";
    default:
        return "none";
    }
}

const char *dc_cpu_source_name(dc_cpu_source s)
{
    switch (s) {
    case DC_CPU_THREAD_CLOCK:
        return "thread_clock";
    case DC_CPU_TASK_CLOCK:
        return "task_clock";
    default:
        return "rusage";
    }
}

dc_rep dc_from_sample(const ob_sample *s, long long rank, double probe_ghz, dc_cycles_source *src,
                      dc_cpu_source *cpu_src)
{
    dc_rep r;
    r.rank = rank;
    r.wall = s->wall;
    if (isfinite(s->cpu_time)) {
        r.cpu = s->cpu_time;
        *cpu_src = DC_CPU_THREAD_CLOCK;
    } else if (isfinite(s->task_clock)) {
        r.cpu = s->task_clock;
        *cpu_src = DC_CPU_TASK_CLOCK;
    } else {
        r.cpu = s->user + s->sys; /* a file of occbench 0.1: tick-accounted */
        *cpu_src = DC_CPU_RUSAGE;
    }
    r.runq = isfinite(s->run_delay) ? s->run_delay : 0.0;
    r.io = s->blkio;
    r.instr = s->instr;
    r.llc = s->llc_miss;
    if (isfinite(s->cycles) && s->cycles > 0) {
        r.cycles = s->cycles;
        *src = DC_SRC_COUNTERS;
    } else if (isfinite(probe_ghz) && probe_ghz > 0) {
        r.cycles = r.cpu * probe_ghz * 1e9;
        *src = DC_SRC_PROBE;
    } else {
        r.cycles = NAN;
        *src = DC_SRC_NONE;
    }
    return r;
}

/* Mean of a field over the repetitions; NaN when any is missing (a mean
 * that left some repetitions out would describe other repetitions). */
#define POOLED_MEAN(out, field)                                                                    \
    do {                                                                                           \
        double sum_ = 0.0;                                                                         \
        for (size_t i_ = 0; i_ < n; i_++)                                                          \
            sum_ += reps[i_].field;                                                                \
        (out) = sum_ / (double)n;                                                                  \
    } while (0)

dc_level dc_level_of(const dc_rep *reps, size_t n)
{
    dc_level l = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, n};
    if (n == 0)
        return l;
    POOLED_MEAN(l.T, wall);
    POOLED_MEAN(l.C, cpu);
    POOLED_MEAN(l.Q, runq);
    POOLED_MEAN(l.IO, io);
    POOLED_MEAN(l.Y, cycles);
    POOLED_MEAN(l.instr, instr);
    POOLED_MEAN(l.llc, llc);
    l.f = l.C > 0 ? l.Y / l.C : NAN;
    l.B = l.T - l.C - l.Q;
    l.O = l.B - l.IO;
    double *v = malloc(n * sizeof *v);
    if (v) {
        for (size_t i = 0; i < n; i++)
            v[i] = reps[i].wall;
        l.Tmed = ob_median(v, n);
        free(v);
    }
    return l;
}
#undef POOLED_MEAN

dc_terms dc_decompose(const dc_level *b, const dc_level *k)
{
    dc_terms t;
    int io = isfinite(b->IO) && isfinite(k->IO);
    t.v[DC_SLOWDOWN] = k->T - b->T;
    t.v[DC_CLOCK] = b->Y / k->f - b->Y / b->f;
    t.v[DC_CYCLES] = (k->Y - b->Y) / k->f;
    t.v[DC_BLOCKED] = io ? k->IO - b->IO : k->B - b->B;
    t.v[DC_SCHED] = k->Q - b->Q;
    t.v[DC_OTHER] = io ? k->O - b->O : NAN;
    return t;
}

/* Repetitions grouped by rank: order[] lists rep indices rank by rank,
 * start[g]..start[g+1] the g-th rank's. Returns the number of ranks. */
typedef struct rank_groups {
    size_t *order, *start, n;
} rank_groups;

static const dc_rep *sort_base;
static int cmp_rank_index(const void *a, const void *b)
{
    long long x = sort_base[*(const size_t *)a].rank, y = sort_base[*(const size_t *)b].rank;
    return (x > y) - (x < y);
}

static int group_by_rank(const dc_rep *r, size_t n, rank_groups *g)
{
    g->order = malloc((n + 1) * sizeof *g->order);
    g->start = malloc((n + 2) * sizeof *g->start);
    g->n = 0;
    if (!g->order || !g->start)
        return -1;
    for (size_t i = 0; i < n; i++)
        g->order[i] = i;
    sort_base = r; /* qsort has no user pointer; the analysis is single-threaded */
    qsort(g->order, n, sizeof *g->order, cmp_rank_index);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || r[g->order[i]].rank != r[g->order[i - 1]].rank)
            g->start[g->n++] = i;
    g->start[g->n] = n;
    return 0;
}

/* A resample of whole ranks draws n ranks, each at most the largest. */
static size_t resample_capacity(const rank_groups *g, size_t n)
{
    size_t most = 1;
    for (size_t k = 0; k < g->n; k++)
        if (g->start[k + 1] - g->start[k] > most)
            most = g->start[k + 1] - g->start[k];
    return g->n < 2 ? n + 1 : g->n * most;
}

/* One bootstrap sample: whole ranks drawn with replacement (a level of
 * one rank: its repetitions). Returns the number of repetitions in dst. */
static size_t resample(const dc_rep *src, size_t n, const rank_groups *g, dc_rep *dst,
                       uint64_t *rng)
{
    if (g->n < 2) {
        for (size_t i = 0; i < n; i++)
            dst[i] = src[ob_splitmix64_index(rng, n)];
        return n;
    }
    size_t m = 0;
    for (size_t k = 0; k < g->n; k++) {
        size_t pick = ob_splitmix64_index(rng, g->n);
        for (size_t i = g->start[pick]; i < g->start[pick + 1]; i++)
            dst[m++] = src[g->order[i]];
    }
    return m;
}

dc_result dc_decompose_ci(const dc_rep *base, size_t nb, const dc_rep *lvl, size_t nl, int nboot,
                          unsigned long long seed)
{
    dc_result r;
    dc_level lb = dc_level_of(base, nb), lk = dc_level_of(lvl, nl);
    r.point = dc_decompose(&lb, &lk);
    for (int t = 0; t < DC_NTERMS; t++)
        r.lo.v[t] = r.hi.v[t] = NAN;
    if (nboot <= 0 || nb == 0 || nl == 0)
        return r;
    rank_groups gb = {0}, gk = {0};
    dc_rep *rb = NULL, *rk = NULL;
    double *samples = malloc((size_t)nboot * DC_NTERMS * sizeof *samples);
    if (!samples || group_by_rank(base, nb, &gb) || group_by_rank(lvl, nl, &gk))
        goto out;
    rb = malloc(resample_capacity(&gb, nb) * sizeof *rb);
    rk = malloc(resample_capacity(&gk, nl) * sizeof *rk);
    if (!rb || !rk)
        goto out;
    uint64_t rng = seed;
    for (int i = 0; i < nboot; i++) {
        size_t mb = resample(base, nb, &gb, rb, &rng), mk = resample(lvl, nl, &gk, rk, &rng);
        dc_level bb = dc_level_of(rb, mb), bk = dc_level_of(rk, mk);
        dc_terms t = dc_decompose(&bb, &bk);
        for (int j = 0; j < DC_NTERMS; j++)
            samples[(size_t)j * (size_t)nboot + (size_t)i] = t.v[j];
    }
    for (int j = 0; j < DC_NTERMS; j++) {
        r.lo.v[j] = ob_percentile(samples + (size_t)j * (size_t)nboot, (size_t)nboot, 2.5);
        r.hi.v[j] = ob_percentile(samples + (size_t)j * (size_t)nboot, (size_t)nboot, 97.5);
    }
out:
    free(gb.order);
    free(gb.start);
    free(gk.order);
    free(gk.start);
    free(rb);
    free(rk);
    free(samples);
    return r;
}

int dc_knee(const int *ks, const double *eff, size_t n, double bound)
{
    for (size_t i = 0; i < n; i++)
        if (isfinite(eff[i]) && eff[i] < bound)
            return ks[i];
    return 0;
}

int dc_instr_changed(double instr_ratio, double tolerance)
{
    return isfinite(instr_ratio) && fabs(instr_ratio - 1.0) > tolerance;
}
