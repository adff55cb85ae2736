/* Per-step summary: medians per field and the step's throughput. */
#include "occbench/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double ob_median(double *x, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            x[m++] = x[i];
    if (m == 0)
        return NAN;
    qsort(x, m, sizeof *x, compare_double);
    return (m % 2) ? x[m / 2] : 0.5 * (x[m / 2 - 1] + x[m / 2]);
}

/* Offsets of every double in ob_sample, so medians need no per-field code. */
#define OB_SAMPLE_FIELDS (sizeof(ob_sample) / sizeof(double))

static double sample_field(const ob_sample *s, size_t i)
{
    return ((const double *)s)[i];
}

static void set_sample_field(ob_sample *s, size_t i, double v)
{
    ((double *)s)[i] = v;
}

static double figure_of(const ob_plan *plan, double seconds)
{
    if (!plan || !(seconds > 0) || !(plan->work_units > 0))
        return NAN;
    return plan->figure_inverse ? plan->figure_scale * seconds / plan->work_units
                                : plan->figure_scale * plan->work_units / seconds;
}

typedef struct rank_wall {
    int32_t rank;
    double wall;
} rank_wall;

static int compare_rank(const void *a, const void *b)
{
    int32_t x = ((const rank_wall *)a)->rank, y = ((const rank_wall *)b)->rank;
    return (x > y) - (x < y);
}

/* Sum over ranks of (counted reps / wall time in them): sort by rank, then
 * one pass over each rank's run of rows. */
static double rank_rate_sum(const ob_rep_record *reps, size_t nreps, size_t counted)
{
    rank_wall *rw = malloc(counted * sizeof *rw);
    if (!rw)
        return NAN;
    size_t m = 0;
    for (size_t i = 0; i < nreps; i++)
        if (reps[i].rep >= 1)
            rw[m++] = (rank_wall){reps[i].rank, reps[i].s.wall};
    qsort(rw, m, sizeof *rw, compare_rank);
    double total = 0.0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        double wall = 0.0;
        for (; j < m && rw[j].rank == rw[i].rank; j++)
            wall += rw[j].wall;
        if (wall > 0)
            total += (double)(j - i) / wall;
        i = j;
    }
    free(rw);
    return total;
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
        for (size_t f = 0; f < OB_SAMPLE_FIELDS; f++)
            set_sample_field(&out->median, f, NAN);
        out->window = 0.0;
        return -1;
    }
    double *x = malloc(counted * sizeof *x);
    if (!x)
        return -1;
    for (size_t f = 0; f < OB_SAMPLE_FIELDS; f++) {
        size_t m = 0;
        for (size_t i = 0; i < nreps; i++)
            if (reps[i].rep >= 1)
                x[m++] = sample_field(&reps[i].s, f);
        set_sample_field(&out->median, f, ob_median(x, m));
    }
    size_t m = 0;
    for (size_t i = 0; i < nreps; i++)
        if (reps[i].rep >= 1)
            x[m++] = reps[i].f_probe;
    out->f_probe = ob_median(x, m);
    free(x);

    out->window = measuring_window(reps, nreps);
    out->throughput_per_node = nodes > 0 ? rank_rate_sum(reps, nreps, counted) / nodes : NAN;
    out->efficiency =
        (throughput_k1 > 0 && k > 0) ? out->throughput_per_node / ((double)k * throughput_k1) : NAN;
    out->figure = figure_of(plan, out->median.wall);
    return 0;
}
