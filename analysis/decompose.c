/* The decomposition of DESIGN.md section 5, pure arithmetic on
 * per-repetition values (no HDF5, unit-tested on its own):
 *
 *   T = wall, C = user+sys, Y = cycles (or C * f_probe), f = Y/C,
 *   Q = run-queue delay, B = T - C - Q
 *   T(k)-T(1) = [Y1/f(k) - Y1/f(1)]   clock
 *             + [(Y(k)-Y1)/f(k)]      cycles
 *             + [B(k)-B(1)]           blocked
 *             + [Q(k)-Q(1)]           scheduler
 *             + residual
 *
 * T, C, Q and Y are medians over repetitions; f is the median of the
 * per-repetition clock Y_i/C_i (a measured clock, not a ratio of medians),
 * so the residual is exactly what the medians' inconsistency leaves and
 * is always reported. */
#include <math.h>
#include <stdlib.h>

#include "analyze.h"

const char *const dc_term_names[DC_NTERMS] = {"slowdown", "clock",     "cycles",
                                              "blocked",  "scheduler", "residual"};

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

dc_rep dc_from_sample(const ob_sample *s, double probe_ghz, dc_cycles_source *src)
{
    dc_rep r;
    r.wall = s->wall;
    r.cpu = s->user + s->sys;
    r.runq = isfinite(s->run_delay) ? s->run_delay : 0.0;
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

dc_level dc_level_of(const dc_rep *reps, size_t n)
{
    dc_level l = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, n};
    if (n == 0)
        return l;
    double *v = calloc(n, sizeof *v);
    if (!v)
        return l;
#define MED(field, expr)                                                                           \
    do {                                                                                           \
        for (size_t i = 0; i < n; i++)                                                             \
            v[i] = (expr);                                                                         \
        l.field = ob_median(v, n);                                                                 \
    } while (0)
    MED(T, reps[i].wall);
    MED(C, reps[i].cpu);
    MED(Q, reps[i].runq);
    MED(Y, reps[i].cycles);
    MED(f, reps[i].cpu > 0 ? reps[i].cycles / reps[i].cpu : NAN);
    MED(instr, reps[i].instr);
    MED(llc, reps[i].llc);
#undef MED
    l.B = l.T - l.C - l.Q;
    free(v);
    return l;
}

dc_terms dc_decompose(const dc_level *b, const dc_level *k)
{
    dc_terms t;
    t.v[DC_SLOWDOWN] = k->T - b->T;
    t.v[DC_CLOCK] = b->Y / k->f - b->Y / b->f;
    t.v[DC_CYCLES] = (k->Y - b->Y) / k->f;
    t.v[DC_BLOCKED] = k->B - b->B;
    t.v[DC_SCHED] = k->Q - b->Q;
    t.v[DC_RESIDUAL] =
        t.v[DC_SLOWDOWN] - t.v[DC_CLOCK] - t.v[DC_CYCLES] - t.v[DC_BLOCKED] - t.v[DC_SCHED];
    return t;
}

static void resample(const dc_rep *src, size_t n, dc_rep *dst, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[ob_splitmix64_index(rng, n)];
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
    dc_rep *rb = malloc(nb * sizeof *rb), *rk = malloc(nl * sizeof *rk);
    double *samples = malloc((size_t)nboot * DC_NTERMS * sizeof *samples);
    if (!rb || !rk || !samples)
        goto out;
    uint64_t rng = seed;
    for (int i = 0; i < nboot; i++) {
        resample(base, nb, rb, &rng);
        resample(lvl, nl, rk, &rng);
        dc_level bb = dc_level_of(rb, nb), bk = dc_level_of(rk, nl);
        dc_terms t = dc_decompose(&bb, &bk);
        for (int j = 0; j < DC_NTERMS; j++)
            samples[(size_t)j * (size_t)nboot + (size_t)i] = t.v[j];
    }
    for (int j = 0; j < DC_NTERMS; j++) {
        r.lo.v[j] = ob_percentile(samples + (size_t)j * (size_t)nboot, (size_t)nboot, 2.5);
        r.hi.v[j] = ob_percentile(samples + (size_t)j * (size_t)nboot, (size_t)nboot, 97.5);
    }
out:
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

int dc_residual_large(const dc_terms *t, double T1, double share)
{
    double slow = t->v[DC_SLOWDOWN], res = t->v[DC_RESIDUAL];
    /* a slowdown within 1% of T(1) is noise: any share of it would be */
    return isfinite(res) && isfinite(slow) && fabs(slow) > 0.01 * fabs(T1) &&
           fabs(res) > share * fabs(slow);
}
