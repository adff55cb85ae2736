/* Per-step summary: throughput, efficiency and per-field medians, from the
 * field table of the record list (include/occbench/records.h). */
#include "common/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/stats.h"

static double figure_of(const ob_plan *plan, double seconds)
{
    if (!plan || !(seconds > 0) || !(plan->work_units > 0))
        return NAN;
    return plan->figure_inverse ? plan->figure_scale * seconds / plan->work_units
                                : plan->figure_scale * plan->work_units / seconds;
}

static int compare_rank_of(const ob_rep_record *x, const ob_rep_record *y)
{
    if (x->node != y->node)
        return (x->node > y->node) - (x->node < y->node);
    return (x->rank > y->rank) - (x->rank < y->rank);
}

static int compare_rep_ptr(const void *a, const void *b)
{
    const ob_rep_record *x = *(const ob_rep_record *const *)a,
                        *y = *(const ob_rep_record *const *)b;
    return compare_rank_of(x, y);
}

size_t ob_rank_stats(const ob_rep_record *reps, size_t nreps, ob_rank_stat **out)
{
    *out = NULL;
    const ob_rep_record **p = malloc((nreps + 1) * sizeof *p);
    ob_rank_stat *r = calloc(nreps + 1, sizeof *r);
    if (!p || !r) {
        free(p);
        free(r);
        return 0;
    }
    size_t m = 0, nr = 0;
    for (size_t i = 0; i < nreps; i++)
        if (reps[i].rep >= 1)
            p[m++] = &reps[i];
    /* sort by (node, rank), then one pass over each rank's run of rows */
    qsort(p, m, sizeof *p, compare_rep_ptr);
    for (size_t i = 0; i < m;) {
        ob_rank_stat *st = &r[nr++];
        st->node = p[i]->node;
        st->rank = p[i]->rank;
        st->core = p[i]->core;
        double first = INFINITY, last = -INFINITY;
        size_t j = i;
        for (; j < m && compare_rank_of(p[j], p[i]) == 0; j++) {
            st->reps++;
            st->wall += p[j]->s.wall;
            first = fmin(first, p[j]->t0);
            last = fmax(last, p[j]->t0 + p[j]->s.wall);
        }
        st->span = last > first ? last - first : NAN;
        st->rate = st->wall > 0 ? (double)st->reps / st->wall : NAN;
        i = j;
    }
    free(p);
    *out = r;
    return nr;
}

/* Sum over ranks of counted repetitions / the wall time in them. */
static double rate_sum(const ob_rank_stat *r, size_t n)
{
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        if (r[i].wall > 0)
            total += r[i].rate;
    return total;
}

double ob_throughput_per_node(const ob_rep_record *reps, size_t nreps, int nodes)
{
    if (nodes < 1)
        return NAN;
    ob_rank_stat *r;
    size_t n = ob_rank_stats(reps, nreps, &r);
    double total = rate_sum(r, n);
    free(r);
    return total / nodes;
}

double ob_harness_share(const ob_rank_stat *r, size_t n)
{
    double in_reps = 0.0, span = 0.0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(r[i].span) && r[i].span > 0) {
            in_reps += r[i].wall;
            span += r[i].span;
        }
    return span > 0 ? 1.0 - in_reps / span : NAN;
}

double ob_efficiency(double thr_k, int k, double thr_1)
{
    if (!(thr_1 > 0) || k < 1 || !isfinite(thr_k))
        return NAN;
    return thr_k / ((double)k * thr_1);
}

static int max_node(const ob_rep_record *reps, size_t nreps)
{
    int top = -1;
    for (size_t i = 0; i < nreps; i++)
        top = reps[i].node > top ? reps[i].node : top;
    return top;
}

int ob_count_nodes(const ob_rep_record *reps, size_t nreps)
{
    /* one pass (a step of 128 ranks x 100 repetitions has 12,800 records) */
    int top = max_node(reps, nreps), n = 0;
    unsigned char *seen = top >= 0 ? calloc((size_t)top + 1, 1) : NULL;
    for (size_t i = 0; seen && i < nreps; i++)
        if (reps[i].node >= 0 && !seen[reps[i].node]) {
            seen[reps[i].node] = 1;
            n++;
        }
    free(seen);
    return n;
}

/* Longest span from a rank's first counted start to its last counted end. */
static double measuring_window(const ob_rep_record *reps, size_t nreps)
{
    double t_first = INFINITY, t_last = -INFINITY;
    for (size_t i = 0; i < nreps; i++) {
        if (reps[i].rep < 1)
            continue;
        if (reps[i].t0 < t_first)
            t_first = reps[i].t0;
        if (reps[i].t0 + reps[i].s.wall > t_last)
            t_last = reps[i].t0 + reps[i].s.wall;
    }
    return t_last > t_first ? t_last - t_first : 0.0;
}

static double counted_median(const ob_rep_record *reps, size_t nreps, double *x, size_t offset)
{
    size_t m = 0;
    for (size_t i = 0; i < nreps; i++)
        if (reps[i].rep >= 1)
            memcpy(&x[m++], (const unsigned char *)&reps[i] + offset, sizeof *x);
    return ob_median(x, m);
}

int ob_summarise_step(const ob_rep_record *reps, size_t nreps, int k, int nodes, int valid,
                      const ob_plan *plan, double throughput_k1, ob_summary_row *out)
{
    memset(out, 0, sizeof *out);
    out->k = k;
    out->nodes = nodes;
    out->valid = valid;
    size_t counted = 0;
    for (size_t i = 0; i < nreps; i++)
        counted += reps[i].rep >= 1;
    out->reps = (int32_t)counted;
    if (counted == 0) {
        out->throughput_per_node = out->efficiency = out->figure = out->f_probe = NAN;
        out->parked_cpu = out->harness_share = out->pss_node_kb = NAN;
        ob_sample_set_nan(&out->median);
        out->window = 0.0;
        return -1;
    }
    double *x = malloc(counted * sizeof *x);
    if (!x)
        return -1;
    for (size_t f = 0; f < OB_SAMPLE_NFIELDS; f++)
        *ob_sample_at(&out->median, f) = counted_median(
            reps, nreps, x, offsetof(ob_rep_record, s) + ob_sample_kind.fields[f].offset);
    out->f_probe = counted_median(reps, nreps, x, offsetof(ob_rep_record, f_probe));
    free(x);

    out->window = measuring_window(reps, nreps);
    ob_rank_stat *r; /* once: the throughput and the harness share both need them */
    size_t nr = ob_rank_stats(reps, nreps, &r);
    out->throughput_per_node = nodes > 0 ? rate_sum(r, nr) / nodes : NAN;
    out->harness_share = ob_harness_share(r, nr);
    free(r);
    out->efficiency = ob_efficiency(out->throughput_per_node, k, throughput_k1);
    out->figure = figure_of(plan, out->median.wall);
    out->pss_node_kb = ob_pss_node_kb(reps, nreps);
    return 0;
}

double ob_pss_node_kb(const ob_rep_record *reps, size_t nreps)
{
    int nodes = max_node(reps, nreps) + 1;
    double *sum = nodes > 0 ? calloc((size_t)nodes, sizeof *sum) : NULL;
    int *seen = nodes > 0 ? calloc((size_t)nodes, sizeof *seen) : NULL;
    double best = NAN;
    for (size_t i = 0; sum && seen && i < nreps; i++)
        if (isfinite(reps[i].pss_kb) && reps[i].node >= 0 && reps[i].node < nodes) {
            sum[reps[i].node] += reps[i].pss_kb; /* one finite value per rank and step */
            seen[reps[i].node] = 1;
        }
    for (int n = 0; sum && seen && n < nodes; n++)
        if (seen[n] && !(sum[n] <= best))
            best = sum[n];
    free(sum);
    free(seen);
    return best;
}
