/* Text, CSV and JSON renderings of the analysed tables. The CSV and JSON
 * share one column list (row_columns) so they cannot drift; the first 18
 * CSV columns are the interface promised in issue 5, extras follow. */
#include <math.h>
#include <string.h>

#include "analysis/analyze.h"

int an_parse_format(const char *s, an_format *out)
{
    if (!strcmp(s, "text"))
        *out = AN_TEXT;
    else if (!strcmp(s, "csv"))
        *out = AN_CSV;
    else if (!strcmp(s, "json"))
        *out = AN_JSON;
    else
        return -1;
    return 0;
}

/* ---- column emitter shared by CSV and JSON ----------------------------------- */

typedef struct emitter {
    FILE *o;
    an_format fmt;
    int n;      /* columns written in this row */
    int header; /* CSV: write names instead of values */
} emitter;

static void put_sep(emitter *e)
{
    if (e->n++)
        fputc(',', e->o);
}

void an_csv_string(FILE *o, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, o);
        return;
    }
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
}

static void put_json_string(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(o, "\\%c", c);
        else if (c < 0x20)
            fprintf(o, "\\u%04x", c);
        else
            fputc(c, o);
    }
    fputc('"', o);
}

static void col_s(emitter *e, const char *name, const char *v)
{
    put_sep(e);
    if (e->fmt == AN_JSON) {
        put_json_string(e->o, name);
        fputc(':', e->o);
        put_json_string(e->o, v);
    } else
        an_csv_string(e->o, e->header ? name : v);
}

static void col_d(emitter *e, const char *name, double v)
{
    put_sep(e);
    if (e->fmt == AN_JSON) {
        put_json_string(e->o, name);
        if (isfinite(v))
            fprintf(e->o, ":%.9g", v);
        else
            fputs(":null", e->o);
    } else if (e->header)
        fputs(name, e->o);
    else if (isfinite(v))
        fprintf(e->o, "%.9g", v);
    else
        fputs("nan", e->o);
}

static void col_i(emitter *e, const char *name, int v)
{
    put_sep(e);
    if (e->fmt == AN_JSON) {
        put_json_string(e->o, name);
        fprintf(e->o, ":%d", v);
    } else if (e->header)
        fputs(name, e->o);
    else
        fprintf(e->o, "%d", v);
}

static void row_columns(emitter *e, const an_group *g, const an_row *r)
{
    static const char *const names[DC_NTERMS] = {"slowdown_s", "clock_s",     "cycles_s",
                                                 "blocked_s",  "scheduler_s", "other_offcpu_s"};
    col_s(e, "file", g->file->path);
    col_s(e, "kernel", g->kernel);
    col_s(e, "placement", g->placement);
    col_i(e, "k", r->k);
    col_i(e, "reps", r->reps);
    col_d(e, "throughput_per_node", r->throughput);
    col_d(e, "efficiency", r->efficiency);
    col_d(e, "wall_s", r->lvl.T);
    for (int t = 0; t < DC_NTERMS; t++)
        col_d(e, names[t], r->terms.point.v[t]);
    col_d(e, "clock_ghz", r->ghz);
    col_d(e, "ipc", r->ipc);
    col_d(e, "llc_mpki", r->mpki);
    col_s(e, "cycles_source", dc_source_name(r->src));
    /* extras */
    col_s(e, "phase", r->phase ? r->phase : "");
    col_s(e, "site", g->file->label);
    col_i(e, "valid", r->valid);
    col_i(e, "knee", g->knee);
    col_d(e, "cycles_per_llc_miss", g->cycles_per_miss);
    col_d(e, "instr_ratio", r->instr_ratio);
    col_d(e, "cpu_s", r->lvl.C);
    col_d(e, "runq_s", r->lvl.Q);
    col_d(e, "offcpu_blocked_s", r->lvl.B);
    col_d(e, "io_delay_s", r->lvl.IO);
    col_s(e, "cpu_source", dc_cpu_source_name(r->cpu_src));
    col_d(e, "wall_median_s", r->lvl.Tmed);
    col_d(e, "rank_rate_min", r->rate_min);
    col_d(e, "rank_rate_max", r->rate_max);
    col_i(e, "core_slowest", r->core_slowest);
    col_i(e, "core_fastest", r->core_fastest);
    col_d(e, "harness_share", r->harness_share);
    col_d(e, "node_steal", r->node_steal);
    /* T(k) / T(baseline): the DESC study's wall time scaled to the baseline */
    double Tb = r->lvl.T - r->terms.point.v[DC_SLOWDOWN];
    col_d(e, "wall_scaled", Tb > 0 ? r->lvl.T / Tb : NAN);
    col_i(e, "short_phase", r->short_phase);
    for (int t = 0; t < DC_NTERMS; t++) {
        char lo[40], hi[40];
        snprintf(lo, sizeof lo, "%.*s_lo", (int)strlen(names[t]) - 2, names[t]);
        snprintf(hi, sizeof hi, "%.*s_hi", (int)strlen(names[t]) - 2, names[t]);
        col_d(e, lo, r->terms.lo.v[t]);
        col_d(e, hi, r->terms.hi.v[t]);
    }
}

void an_csv_header(FILE *o)
{
    an_group g;
    an_file f;
    an_row r;
    memset(&g, 0, sizeof g);
    memset(&f, 0, sizeof f);
    memset(&r, 0, sizeof r);
    g.file = &f;
    emitter e = {o, AN_CSV, 0, 1};
    row_columns(&e, &g, &r);
    fputc('\n', o);
}

static void csv_rows(FILE *o, const an_group *g, const an_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        emitter e = {o, AN_CSV, 0, 0};
        row_columns(&e, g, &rows[i]);
        fputc('\n', o);
    }
}

static int json_first_group = 1;

void an_write_json_open(FILE *o)
{
    json_first_group = 1;
    fputs("{\"groups\":[", o);
}
void an_write_json_close(FILE *o)
{
    fputs("\n]}\n", o);
}

static void json_rows(FILE *o, const char *key, const an_group *g, const an_row *rows, size_t n)
{
    fprintf(o, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        emitter e = {o, AN_JSON, 0, 0};
        fputs(i ? ",\n  {" : "\n  {", o);
        row_columns(&e, g, &rows[i]);
        fputc('}', o);
    }
    fputc(']', o);
}

static void json_group(FILE *o, const an_group *g, int phases)
{
    emitter e = {o, AN_JSON, 0, 0};
    fputs(json_first_group ? "\n{" : ",\n{", o);
    json_first_group = 0;
    col_s(&e, "file", g->file->path);
    col_s(&e, "site", g->file->label);
    col_s(&e, "kernel", g->kernel);
    col_s(&e, "placement", g->placement);
    col_i(&e, "knee", g->knee);
    col_d(&e, "cycles_per_llc_miss", g->cycles_per_miss);
    col_d(&e, "cycles_per_llc_miss_r2", g->cpm_r2);
    json_rows(o, "rows", g, g->rows, g->nrows);
    if (phases)
        json_rows(o, "phases", g, g->prow, g->nprow);
    fputc('}', o);
}

/* ---- text --------------------------------------------------------------------- */

static void fmt_num(char *buf, size_t len, const char *f, double v)
{
    if (isfinite(v))
        snprintf(buf, len, f, v);
    else
        snprintf(buf, len, "-");
}

static void text_table(FILE *o, const an_row *rows, size_t n)
{
    /* the phase column as wide as its longest name: names are cut nowhere
     * (a cut "datastore_write" read as "datastore_" beside "datastore_read") */
    int w = 10;
    for (size_t i = 0; i < n; i++)
        if (rows[i].phase && (int)strlen(rows[i].phase) > w)
            w = (int)strlen(rows[i].phase);
    fprintf(o, "%5s %-*s %5s %10s %6s %9s %9s %9s %9s %9s %9s %9s %6s %5s %6s\n", "k", w, "phase",
            "reps", "thr/node/s", "eff", "wall_s", "slowdown", "clock", "cycles", "blocked",
            "sched", "offcpu", "GHz", "IPC", "MPKI");
    for (size_t i = 0; i < n; i++) {
        const an_row *r = &rows[i];
        char c[16][24];
        fmt_num(c[0], 24, "%.4g", r->throughput);
        fmt_num(c[1], 24, "%.3f", r->efficiency);
        fmt_num(c[2], 24, "%.4g", r->lvl.T);
        for (int t = 0; t < DC_NTERMS; t++)
            fmt_num(c[3 + t], 24, "%+.3g", r->terms.point.v[t]);
        fmt_num(c[9], 24, "%.2f", r->ghz);
        fmt_num(c[10], 24, "%.2f", r->ipc);
        fmt_num(c[11], 24, "%.2f", r->mpki);
        fprintf(o, "%5d %-*s %5d %10s %6s %9s %9s %9s %9s %9s %9s %9s %6s %5s %6s%s\n", r->k, w,
                r->phase ? r->phase : "(all)", r->reps, c[0], c[1], c[2], c[3], c[4], c[5], c[6],
                c[7], c[8], c[9], c[10], c[11], r->valid ? "" : "  INVALID");
    }
}

/* Shares of the slowdown with 95% intervals, for the largest k. */
static void text_shares(FILE *o, const an_row *r, const an_row *base)
{
    double s = r->terms.point.v[DC_SLOWDOWN];
    if (!isfinite(s) || !base || r == base)
        return;
    fprintf(o, "  at k=%d the slowdown is %+.4g s [%.4g, %.4g] per repetition:\n", r->k, s,
            r->terms.lo.v[DC_SLOWDOWN], r->terms.hi.v[DC_SLOWDOWN]);
    int io = isfinite(r->terms.point.v[DC_OTHER]);
    const char *what[DC_NTERMS] = {"",
                                   "clock (power/TDP throttling)",
                                   "cycles (cache and memory contention)",
                                   io ? "blocked (block-I/O delay)"
                                      : "blocked (off-CPU, I/O included)",
                                   "scheduler (run-queue wait)",
                                   "other off-CPU (locks, sleeps, steal)"};
    an_share_rule rule = an_shares_rule(r, base);
    if (rule != AN_SHARES_GIVEN)
        fprintf(o, "    %s: no shares (the terms below in seconds)\n", an_shares_why(rule));
    for (int t = DC_CLOCK; t < DC_NTERMS; t++) {
        if (t == DC_OTHER && !io) {
            fprintf(o,
                    "    %-38s not separated: no delay accounting (sysctl "
                    "kernel.task_delayacct=1 measures block-I/O delay)\n",
                    "other off-CPU");
            continue;
        }
        fprintf(o, "    %-38s %+9.4g s [%+.4g, %+.4g]", what[t], r->terms.point.v[t],
                r->terms.lo.v[t], r->terms.hi.v[t]);
        if (rule == AN_SHARES_GIVEN)
            fprintf(o, "  %6.1f%% of the slowdown", 100.0 * an_term_share(r, base, t));
        fprintf(o, "\n");
    }
    fprintf(o,
            "    (per repetition, means over every rank; %s CPU time; slowest rank %.4g reps/s on "
            "core %d, fastest %.4g on core %d; harness %.2f%% of the window",
            dc_cpu_source_name(r->cpu_src), r->rate_min, r->core_slowest, r->rate_max,
            r->core_fastest, 100.0 * r->harness_share);
    if (r->node_steal > 0)
        fprintf(o,
                ";\n     the hypervisor stole %.2f%% of the node's CPU time in this step: off-CPU "
                "time to the guest",
                100.0 * r->node_steal);
    fprintf(o, ")\n");
}

static void text_group(FILE *o, const an_group *g, int phases)
{
    if (an_all_linked(g)) { /* said once, not a second identical table */
        fprintf(o,
                "\n== %s: kernel %s, placement %s: the compact steps at every k (the same cores "
                "on this node: measured once, linked) ==\n",
                g->file->label, g->kernel, g->placement);
        return;
    }
    const an_row *last = g->nrows ? &g->rows[g->nrows - 1] : NULL;
    fprintf(o, "\n== %s: kernel %s, placement %s (cycles from %s) ==\n", g->file->label, g->kernel,
            g->placement, last ? dc_source_name(last->src) : "none");
    text_table(o, g->rows, g->nrows);
    const an_row *base = an_baseline_row(g);
    if (last)
        text_shares(o, last, base);
    if (g->knee)
        fprintf(o, "  knee: efficiency first below 90%% at k=%d\n", g->knee);
    else
        fprintf(o, "  knee: none (efficiency >= 90%% at every measured k)\n");
    if (isfinite(g->cycles_per_miss))
        fprintf(o,
                "  cycles per LLC miss (regression of dcycles on dLLC misses): %.3g (R^2 %.2f)\n",
                g->cycles_per_miss, g->cpm_r2);
    else
        fprintf(o, "  cycles per LLC miss: n/a (no LLC miss counts or too few levels)\n");
    if (phases && g->nprow) {
        fprintf(o, "  per phase:\n");
        text_table(o, g->prow, g->nprow);
    }
}

/* compact vs spread at equal k: same power envelope, different L3 sharing. */
static void text_contrast(FILE *o, const an_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(g[i].placement, "compact"))
            continue;
        const an_group *s = NULL;
        for (size_t j = 0; j < n; j++)
            if (g[j].file == g[i].file && !strcmp(g[j].kernel, g[i].kernel) &&
                !strcmp(g[j].placement, "spread"))
                s = &g[j];
        if (!s)
            continue;
        int printed = 0;
        for (size_t a = 0; a < g[i].nrows; a++)
            for (size_t b = 0; b < s->nrows; b++) {
                const an_row *c = &g[i].rows[a], *p = &s->rows[b];
                if (c->k != p->k || c->k == 1 || an_linked_at(s, c->k))
                    continue; /* a linked step compared with itself says nothing */
                if (!printed++)
                    fprintf(o, "\n-- %s: %s compact vs spread at equal k (L3 sharing) --\n",
                            g[i].file->label, g[i].kernel);
                fprintf(o,
                        "  k=%-4d throughput spread/compact %.3f; cycles term compact %+.4g s, "
                        "spread %+.4g s\n",
                        c->k, p->throughput / c->throughput, c->terms.point.v[DC_CYCLES],
                        p->terms.point.v[DC_CYCLES]);
            }
    }
}

void an_write_summary(FILE *o, an_format fmt, const an_group *g, size_t n, int phases, int header)
{
    if (fmt == AN_CSV) {
        if (header)
            an_csv_header(o);
        for (size_t i = 0; i < n; i++) {
            csv_rows(o, &g[i], g[i].rows, g[i].nrows);
            if (phases)
                csv_rows(o, &g[i], g[i].prow, g[i].nprow);
        }
    } else if (fmt == AN_JSON) {
        for (size_t i = 0; i < n; i++)
            json_group(o, &g[i], phases);
    } else {
        for (size_t i = 0; i < n; i++)
            text_group(o, &g[i], phases);
        text_contrast(o, g, n);
    }
}
