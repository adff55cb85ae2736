/* From a loaded file to analysed tables: per (kernel, placement) and k,
 * throughput, efficiency vs linear, the decomposition with bootstrap
 * intervals, clock, IPC, LLC MPKI; per group the knee and cycles per LLC
 * miss; the sanity warnings of issue 5. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"

#define KNEE_EFFICIENCY 0.9
#define INSTR_TOLERANCE 0.02

static int cmp_step_k(const void *a, const void *b)
{
    const an_step *x = *(const an_step *const *)a, *y = *(const an_step *const *)b;
    return (x->k > y->k) - (x->k < y->k);
}

static double median_probe(const an_step *st)
{
    double *v = malloc((st->nreps + 1) * sizeof *v);
    size_t m = 0;
    if (!v)
        return NAN;
    for (size_t i = 0; i < st->nreps; i++)
        if (st->reps[i].rep >= 1)
            v[m++] = st->reps[i].f_probe;
    double r = ob_median(v, m);
    free(v);
    return r;
}

/* Counted repetitions of a step as model values. */
/* The resampling unit of a record: its rank on its node. */
static long long rank_id(int node, int rank)
{
    return (long long)node * 1000000LL + rank;
}

dc_rep *an_step_reps(const an_step *st, size_t *n, dc_cycles_source *src, dc_cpu_source *cpu)
{
    double step_probe = median_probe(st);
    dc_rep *r = malloc((st->nreps + 1) * sizeof *r);
    size_t m = 0, from_counters = 0, from_probe = 0;
    if (!r) {
        *n = 0;
        return NULL;
    }
    for (size_t i = 0; i < st->nreps; i++) {
        if (st->reps[i].rep < 1)
            continue; /* rep 0 is the warm-up */
        dc_cycles_source s;
        /* the probe runs after some repetitions only (a budget of its time):
         * the others take the step's probe clock */
        double probe = isfinite(st->reps[i].f_probe) ? st->reps[i].f_probe : step_probe;
        r[m++] = dc_from_sample(&st->reps[i].s, rank_id(st->reps[i].node, st->reps[i].rank), probe,
                                &s, cpu);
        from_counters += s == DC_SRC_COUNTERS;
        from_probe += s == DC_SRC_PROBE;
    }
    *n = m;
    *src = from_counters >= from_probe ? (from_counters ? DC_SRC_COUNTERS : DC_SRC_NONE)
                                       : DC_SRC_PROBE;
    return r;
}

/* Repetition records ordered by (node, rank, rep), to find a phase's
 * repetition. */
static int cmp_rep_key(const void *a, const void *b)
{
    const ob_rep_record *x = *(const ob_rep_record *const *)a,
                        *y = *(const ob_rep_record *const *)b;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (x->rep > y->rep) - (x->rep < y->rep);
}

/* What a phase record needs for its clock, built once per step: the
 * step's repetitions by (node, rank, rep) and the step's median probe. */
typedef struct rep_clock {
    const ob_rep_record **sorted; /* NULL (out of memory): every phase takes step_probe */
    size_t n;
    double step_probe;
} rep_clock;

static rep_clock clock_of(const an_step *st)
{
    rep_clock ck = {malloc((st->nreps + 1) * sizeof *ck.sorted), st->nreps, median_probe(st)};
    for (size_t i = 0; ck.sorted && i < st->nreps; i++)
        ck.sorted[i] = &st->reps[i];
    if (ck.sorted)
        qsort(ck.sorted, st->nreps, sizeof *ck.sorted, cmp_rep_key);
    return ck;
}

/* The clock of the repetition a phase record belongs to: its own probe
 * when it was probed, else the step's, as an_step_reps takes for the
 * whole repetition (one rule, so a phase that spans its repetition gets
 * the repetition's clock term). */
static double phase_probe(const ob_phase_record *ph, const rep_clock *ck)
{
    ob_rep_record key = {.node = ph->node, .rank = ph->rank, .rep = ph->rep};
    const ob_rep_record *kp = &key;
    const ob_rep_record **hit =
        ck->sorted ? bsearch(&kp, ck->sorted, ck->n, sizeof *ck->sorted, cmp_rep_key) : NULL;
    return hit && isfinite((*hit)->f_probe) ? (*hit)->f_probe : ck->step_probe;
}

static dc_rep *phase_reps(const an_step *st, const rep_clock *ck, int phase, size_t *n,
                          dc_cycles_source *src, dc_cpu_source *cpu)
{
    dc_rep *r = malloc((st->nph + 1) * sizeof *r);
    size_t m = 0;
    *src = DC_SRC_NONE;
    if (!r) {
        *n = 0;
        return NULL;
    }
    for (size_t i = 0; i < st->nph; i++)
        if (st->ph[i].rep >= 1 && st->ph[i].phase == phase)
            r[m++] = dc_from_sample(&st->ph[i].s, rank_id(st->ph[i].node, st->ph[i].rank),
                                    phase_probe(&st->ph[i], ck), src, cpu);
    *n = m;
    return r;
}

static void fill_rates(an_row *row)
{
    row->ghz = row->lvl.f / 1e9;
    row->ipc = row->lvl.instr / row->lvl.Y;
    row->mpki = 1000.0 * row->lvl.llc / row->lvl.instr;
}

static void warn_row(const an_group *g, const an_row *r, const an_row *base, const an_opts *o)
{
    if (!o->warn)
        return;
    const char *ph = r->phase ? r->phase : "";
    const char *sep = r->phase ? " phase " : "";
    if (r->reps < o->min_reps)
        fprintf(stderr,
                "warning: %s %s/%s k=%d%s%s: only %d counted repetitions (want >= %d): intervals "
                "are unreliable\n",
                g->file->label, g->kernel, g->placement, r->k, sep, ph, r->reps, o->min_reps);
    if (!base || r == base)
        return;
    if (dc_instr_changed(r->instr_ratio, INSTR_TOLERANCE))
        fprintf(stderr,
                "warning: %s %s/%s k=%d%s%s: instructions per repetition %+.1f%% vs k=%d (more "
                "than 2%%: the work changed)\n",
                g->file->label, g->kernel, g->placement, r->k, sep, ph,
                100.0 * (r->instr_ratio - 1.0), base->k);
}

/* The node monitor's mean steal share during step `index` (all nodes). */
static double step_steal(const an_file *f, int index)
{
    double sum = 0;
    size_t n = 0;
    for (size_t m = 0; m < f->nmon; m++)
        for (size_t i = 0; i < f->mon[m].n; i++)
            if (f->mon[m].s[i].step == index && isfinite(f->mon[m].s[i].steal)) {
                sum += f->mon[m].s[i].steal;
                n++;
            }
    return n ? sum / (double)n : NAN;
}

/* The slowest and fastest rank of a step, and the harness's share. */
static void imbalance(an_row *row, const an_step *st)
{
    ob_rank_stat *r;
    size_t n = ob_rank_stats(st->reps, st->nreps, &r);
    row->rate_min = row->rate_max = NAN;
    row->core_slowest = row->core_fastest = -1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(r[i].rate))
            continue;
        if (!(r[i].rate >= row->rate_min)) {
            row->rate_min = r[i].rate;
            row->core_slowest = r[i].core;
        }
        if (!(r[i].rate <= row->rate_max)) {
            row->rate_max = r[i].rate;
            row->core_fastest = r[i].core;
        }
    }
    row->harness_share = ob_harness_share(r, n);
    free(r);
}

static void decompose_row(an_row *row, const an_row *base, const dc_rep *br, size_t nb,
                          const dc_rep *kr, size_t nk, const an_opts *o)
{
    if (base && br) {
        row->terms =
            dc_decompose_ci(br, nb, kr, nk, o->nboot, 0x0cc0beefULL + (unsigned long long)row->k);
        row->instr_ratio = row->lvl.instr / base->lvl.instr;
    } else {
        for (int t = 0; t < DC_NTERMS; t++)
            row->terms.point.v[t] = row->terms.lo.v[t] = row->terms.hi.v[t] = NAN;
        row->instr_ratio = NAN;
    }
}

/* The class of each phase of a step (attribute phase_classes): 0 compute,
 * 1 io; -1 when the file does not say (occbench 0.1). */
static int phase_class_of(const an_step *st, int phase)
{
    const char *p = st->attr.phase_classes;
    if (!p || !*p)
        return -1;
    for (int i = 0; i < phase && p; i++) {
        p = strchr(p, ',');
        if (p)
            p++;
    }
    if (!p)
        return -1;
    return !strncmp(p, "io", 2) && (p[2] == ',' || p[2] == '\0') ? 1 : 0;
}

static int cmp_phase_key(const void *a, const void *b)
{
    const ob_phase_record *x = *(const ob_phase_record *const *)a,
                          *y = *(const ob_phase_record *const *)b;
    if (x->node != y->node)
        return (x->node > y->node) - (x->node < y->node);
    if (x->rank != y->rank)
        return (x->rank > y->rank) - (x->rank < y->rank);
    return (x->rep > y->rep) - (x->rep < y->rep);
}

/* The repetitions of a step restricted to the phases of one class: each
 * repetition's phase samples of that class summed (the DESC study's compute
 * and datastore time per job). */
static dc_rep *class_reps(const an_step *st, const rep_clock *ck, int cls, size_t *n,
                          dc_cycles_source *src, dc_cpu_source *cpu)
{
    const ob_phase_record **p = malloc((st->nph + 1) * sizeof *p);
    dc_rep *r = malloc((st->nph + 1) * sizeof *r);
    size_t m = 0, out = 0;
    *n = 0;
    *src = DC_SRC_NONE;
    if (!p || !r) {
        free(p);
        free(r);
        return NULL;
    }
    for (size_t i = 0; i < st->nph; i++)
        if (st->ph[i].rep >= 1 && phase_class_of(st, st->ph[i].phase) == cls)
            p[m++] = &st->ph[i];
    qsort(p, m, sizeof *p, cmp_phase_key);
    for (size_t i = 0; i < m;) {
        ob_sample sum = p[i]->s;
        size_t j = i + 1;
        for (; j < m && cmp_phase_key(&p[j], &p[i]) == 0; j++)
            for (size_t f = 0; f < OB_SAMPLE_NFIELDS; f++)
                *ob_sample_at(&sum, f) += ob_sample_get(&p[j]->s, f);
        r[out++] =
            dc_from_sample(&sum, rank_id(p[i]->node, p[i]->rank), phase_probe(p[i], ck), src, cpu);
        i = j;
    }
    free(p);
    *n = out;
    return r;
}

/* The common part of a per-phase or per-class row of step `st` (its
 * whole-repetition row `whole`): level, rates and terms against the
 * baseline's repetitions br (base_row is filled for the warnings). */
static void part_row(an_row *row, const an_step *st, const an_row *whole, const char *label,
                     const dc_rep *kr, size_t nk, const an_step *b, const dc_rep *br, size_t nb,
                     an_row *base_row, const an_opts *o)
{
    row->k = st->k;
    row->phase = label;
    row->reps = (int)nk;
    row->valid = st->valid;
    row->throughput = whole->throughput;
    row->efficiency = whole->efficiency;
    row->rate_min = row->rate_max = row->harness_share = row->node_steal = NAN;
    row->core_slowest = row->core_fastest = -1;
    row->lvl = dc_level_of(kr, nk);
    fill_rates(row);
    base_row->k = b ? b->k : 0;
    base_row->lvl = dc_level_of(br, nb);
    decompose_row(row, b && nb ? base_row : NULL, br, nb, kr, nk, o);
}

static void analyse_classes(an_group *g, an_step **st, size_t ns, const an_step *b,
                            const rep_clock *ck, const rep_clock *bck, const an_opts *o)
{
    static const char *const labels[2] = {"[compute]", "[io]"};
    for (int cls = 0; cls < 2; cls++)
        for (size_t i = 0; i < ns; i++) {
            size_t nk, nb = 0;
            dc_cycles_source bs;
            dc_cpu_source bc;
            an_row *row = &g->prow[g->nprow];
            dc_rep *kr = class_reps(st[i], &ck[i], cls, &nk, &row->src, &row->cpu_src), *br = NULL;
            if (nk == 0) {
                free(kr);
                continue;
            }
            if (b)
                br = class_reps(b, bck, cls, &nb, &bs, &bc);
            g->nprow++;
            an_row base_row;
            part_row(row, st[i], &g->rows[i], labels[cls], kr, nk, b, br, nb, &base_row, o);
            free(kr);
            free(br);
        }
}

static void analyse_phases(an_group *g, an_step **st, size_t ns, const an_opts *o)
{
    size_t total = 0;
    for (size_t i = 0; i < ns; i++)
        total += (size_t)st[i]->nphases + 2; /* + the compute and io classes */
    g->prow = calloc(total + 1, sizeof *g->prow);
    rep_clock *ck = calloc(ns + 1, sizeof *ck);
    if (!g->prow || !ck) {
        free(ck);
        return;
    }
    const an_step *b = NULL;
    for (size_t i = 0; i < ns; i++) {
        if (st[i]->k == o->baseline)
            b = st[i];
        ck[i] = clock_of(st[i]);
    }
    rep_clock bck = b ? clock_of(b) : (rep_clock){NULL, 0, NAN};
    for (size_t i = 0; i < ns; i++)
        for (int p = 0; p < st[i]->nphases; p++) {
            an_row *row = &g->prow[g->nprow++];
            size_t nk, nb = 0;
            dc_rep *kr = phase_reps(st[i], &ck[i], p, &nk, &row->src, &row->cpu_src), *br = NULL;
            dc_cycles_source bs;
            dc_cpu_source bc;
            if (b)
                br = phase_reps(b, &bck, p, &nb, &bs, &bc);
            an_row base_row;
            part_row(row, st[i], &g->rows[i], st[i]->phases[p], kr, nk, b, br, nb, &base_row, o);
            double cost = st[i]->attr.phase_mark_cost;
            row->short_phase = isfinite(cost) && nk > 0 && cost > 0.01 * row->lvl.T;
            if (row->short_phase && o->warn)
                fprintf(stderr,
                        "warning: %s %s/%s k=%d phase %s: %.3g s per repetition, its marks cost "
                        "%.3g s (more than 1%%): too short to measure apart\n",
                        g->file->label, g->kernel, g->placement, row->k, row->phase, row->lvl.T,
                        cost);
            warn_row(g, row, b && nb ? &base_row : NULL, o);
            free(kr);
            free(br);
        }
    analyse_classes(g, st, ns, b, ck, &bck, o);
    for (size_t i = 0; i < ns; i++)
        free(ck[i].sorted);
    free(ck);
    free(bck.sorted);
}

static void analyse_group(an_group *g, an_step **st, size_t ns, const an_opts *o)
{
    qsort(st, ns, sizeof *st, cmp_step_k);
    g->rows = calloc(ns + 1, sizeof *g->rows);
    if (!g->rows)
        return;
    g->nrows = ns;
    size_t nb = 0, ib = ns;
    for (size_t i = 0; i < ns; i++)
        if (st[i]->k == o->baseline)
            ib = i;
    dc_cycles_source bsrc;
    dc_cpu_source bcpu;
    dc_rep *br = ib < ns ? an_step_reps(st[ib], &nb, &bsrc, &bcpu) : NULL;
    an_row *base = br ? &g->rows[ib] : NULL;
    g->baseline_k = base ? st[ib]->k : 0;
    int *ks = malloc(ns * sizeof *ks);
    double *eff = malloc(ns * sizeof *eff), *dx = malloc(ns * sizeof *dx),
           *dy = malloc(ns * sizeof *dy);
    for (size_t i = 0; i < ns; i++) {
        an_row *row = &g->rows[i];
        size_t nk;
        dc_rep *kr = an_step_reps(st[i], &nk, &row->src, &row->cpu_src);
        row->k = st[i]->k;
        row->reps = (int)nk;
        row->nodes = ob_count_nodes(st[i]->reps, st[i]->nreps);
        row->valid = st[i]->valid;
        for (size_t r = 0; r < st[i]->nreps; r++)
            if (st[i]->reps[r].rep >= 1 && !st[i]->reps[r].ok)
                row->valid = 0;
        row->lvl = dc_level_of(kr, nk);
        /* the driver's derivation (common/summary.c), so /summary and these
         * tables agree */
        row->throughput = ob_throughput_per_node(st[i]->reps, st[i]->nreps, row->nodes);
        imbalance(row, st[i]);
        row->node_steal = step_steal(g->file, (int)st[i]->attr.step);
        fill_rates(row);
        decompose_row(row, base, br, nb, kr, nk, o);
        free(kr);
    }
    for (size_t i = 0; i < ns; i++) {
        an_row *row = &g->rows[i];
        /* against the baseline occupancy K: thr(k) K / (k thr(K)); K = 1 is linear */
        row->efficiency =
            base ? ob_efficiency(row->throughput, row->k, base->throughput / base->k) : NAN;
        ks[i] = row->k;
        eff[i] = row->efficiency;
        dx[i] = base ? row->lvl.llc - base->lvl.llc : NAN;
        dy[i] = base ? row->lvl.Y - base->lvl.Y : NAN;
        warn_row(g, row, base, o);
    }
    g->knee = dc_knee(ks, eff, ns, KNEE_EFFICIENCY);
    g->cycles_per_miss = an_ols_slope(dx, dy, ns, NULL, &g->cpm_r2);
    if (!base && o->warn)
        fprintf(stderr, "warning: %s %s/%s: no k=%d step: no baseline for efficiency and terms\n",
                g->file->label, g->kernel, g->placement, o->baseline);
    if (o->phases)
        analyse_phases(g, st, ns, o);
    free(br);
    free(ks);
    free(eff);
    free(dx);
    free(dy);
}

size_t an_analyse(const an_file *f, const an_opts *o, an_group **out)
{
    an_group *g = calloc(f->nsteps + 1, sizeof *g);
    an_step **st = calloc(f->nsteps + 1, sizeof *st);
    size_t ng = 0;
    int *used = calloc(f->nsteps + 1, sizeof *used);
    if (!g || !st || !used) {
        free(g);
        free(st);
        free(used);
        *out = NULL;
        return 0;
    }
    for (size_t i = 0; i < f->nsteps; i++) {
        if (used[i])
            continue;
        size_t ns = 0;
        for (size_t j = i; j < f->nsteps; j++)
            if (!used[j] && !strcmp(f->steps[j].kernel, f->steps[i].kernel) &&
                !strcmp(f->steps[j].placement, f->steps[i].placement)) {
                used[j] = 1;
                st[ns++] = &f->steps[j];
            }
        an_group *grp = &g[ng++];
        grp->file = f;
        snprintf(grp->kernel, sizeof grp->kernel, "%s", f->steps[i].kernel);
        snprintf(grp->placement, sizeof grp->placement, "%s", f->steps[i].placement);
        analyse_group(grp, st, ns, o);
    }
    free(st);
    free(used);
    *out = g;
    return ng;
}

void an_groups_free(an_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(g[i].rows);
        free(g[i].prow);
    }
    free(g);
}

int an_analyse_all(const an_file *files, int n, const an_opts *o, an_group ***g, size_t **ng)
{
    *g = calloc((size_t)n, sizeof **g);
    *ng = calloc((size_t)n, sizeof **ng);
    if (!*g || !*ng)
        return -1;
    for (int i = 0; i < n; i++)
        (*ng)[i] = an_analyse(&files[i], o, &(*g)[i]);
    return 0;
}

void an_release_all(an_file *files, an_group **g, size_t *ng, int n)
{
    for (int i = 0; i < n; i++) {
        if (g && ng)
            an_groups_free(g[i], ng[i]);
        an_free(&files[i]);
    }
    free(g);
    free(ng);
    free(files);
}

const an_group *an_find_group(const an_group *g, size_t n, const char *kernel,
                              const char *placement)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(g[i].kernel, kernel) && (!placement || !strcmp(g[i].placement, placement)))
            return &g[i];
    return NULL;
}
