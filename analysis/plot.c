/* The plot verb: gnuplot draws SVG and PNG figures; index.html shows them
 * with the summary tables. Without gnuplot the tables are still written.
 * Each figure: a gnuplot script FIG.gp plus one data file per series
 * under data/, so the figures can be re-drawn or restyled by hand. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/analyze.h"

typedef struct plotctx {
    const char *dir;
    const char *gnuplot; /* NULL: not installed */
    FILE *html;
    int figures, failed;
    const char *unlike; /* why the files do not compare (plotted with --force), or NULL */
} plotctx;

/* Safe for file names and gnuplot strings. */
static void clean(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < len; i++) {
        char c = src[i];
        dst[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         c == '-' || c == '.'
                     ? c
                     : '_';
    }
    dst[i] = 0;
}

/* Safe inside a single-quoted gnuplot string and in the SVG gnuplot writes. */
static void clean_title(char *dst, size_t len, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < len; i++)
        dst[i] = strchr("'\\\"<>&", src[i]) || (unsigned char)src[i] < 0x20 ? '_' : src[i];
    dst[i] = 0;
}

/* One character of text from a results file (untrusted: another site's)
 * as HTML text or an attribute value: markup as entities, control bytes as
 * '?' (a newline and a tab kept where `keep_lines`). */
static void html_char(FILE *o, int c, int keep_lines)
{
    static const char *const entities[] = {
        ['<'] = "&lt;", ['>'] = "&gt;", ['&'] = "&amp;", ['"'] = "&quot;", ['\''] = "&#39;"};
    if (c >= 0 && c < (int)(sizeof entities / sizeof entities[0]) && entities[c])
        fputs(entities[c], o);
    else if (keep_lines && (c == '\n' || c == '\t'))
        fputc(c, o);
    else if ((c >= 0 && c < 0x20) || c == 0x7f)
        fputc('?', o);
    else
        fputc(c, o);
}

static void html_text(FILE *o, const char *s)
{
    for (; *s; s++)
        html_char(o, (unsigned char)*s, 0);
}

static FILE *openf(const plotctx *p, const char *name, const char *mode)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", p->dir, name);
    return fopen(path, mode);
}

static const char *find_gnuplot(void)
{
    const char *env = getenv("OCCBENCH_GNUPLOT");
    if (env)
        return *env && access(env, X_OK) == 0 ? env : NULL;
    const char *path = getenv("PATH");
    static char buf[4096];
    if (!path)
        return NULL;
    char list[4096];
    snprintf(list, sizeof list, "%s", path);
    for (char *d = strtok(list, ":"); d; d = strtok(NULL, ":")) {
        snprintf(buf, sizeof buf, "%s/gnuplot", d);
        if (access(buf, X_OK) == 0)
            return buf;
    }
    return NULL;
}

static int run_gnuplot(const plotctx *p, const char *script)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(p->dir) != 0)
            _exit(127);
        execl(p->gnuplot, "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* A figure under construction: its script and the plot clauses. */
typedef struct figure {
    char name[256];
    FILE *gp;
    char *plot; /* "plot ..." clauses */
    size_t len, cap;
    int series;
    int width, height; /* pixels: wider for many bars (fig_size) */
} figure;

static void fig_begin(figure *fg, const char *name, const char *title, const char *xlabel,
                      const char *ylabel)
{
    memset(fg, 0, sizeof *fg);
    snprintf(fg->name, sizeof fg->name, "%s", name);
    fg->width = 900;
    fg->height = 520;
    fg->cap = 4096;
    fg->plot = calloc(fg->cap, 1);
    char t[256];
    clean_title(t, sizeof t, title);
    fg->gp = tmpfile();
    if (!fg->gp)
        return;
    fprintf(fg->gp,
            "set terminal svg size 900,520 dynamic noenhanced font 'sans,11' background "
            "'white'\nset output '%s.svg'\nset title '%s'\nset xlabel '%s'\nset ylabel '%s'\n"
            "set key outside right top\nset grid\n",
            name, t, xlabel, ylabel);
}

/* A figure of many bars gets room for them (and for their labels). */
static void fig_size(figure *fg, int width, int height)
{
    fg->width = width;
    fg->height = height;
    if (fg->gp)
        fprintf(fg->gp,
                "set terminal svg size %d,%d dynamic noenhanced font 'sans,11' background "
                "'white'\nset output '%s.svg'\n",
                width, height, fg->name);
}

/* Stacked bars, one per data line (decompositions, the overview). */
static void fig_rowstacked(figure *fg, double fill, double boxwidth, const char *xtics)
{
    if (fg->gp)
        fprintf(fg->gp,
                "set style data histograms\nset style histogram rowstacked\n"
                "set style fill solid %g border -1\nset boxwidth %g\nset xtics rotate by %s\n",
                fill, boxwidth, xtics);
}

static void fig_clause(figure *fg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fig_clause(figure *fg, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || !fg->plot)
        return;
    while (fg->len + (size_t)n + 4 > fg->cap) {
        char *np = realloc(fg->plot, fg->cap * 2);
        if (!np)
            return;
        fg->plot = np;
        fg->cap *= 2;
    }
    fg->len += (size_t)snprintf(fg->plot + fg->len, fg->cap - fg->len, "%s%s",
                                fg->series ? ", \\\n  " : "plot ", buf);
    fg->series++;
}

/* Open a data file for series `i` of the figure. */
static FILE *fig_data(const plotctx *p, figure *fg, char *rel, size_t len)
{
    snprintf(rel, len, "data/%s_%d.dat", fg->name, fg->series);
    return openf(p, rel, "w");
}

/* Write the script, run gnuplot, add the figure to index.html; 1 when drawn. */
static int fig_end(plotctx *p, figure *fg, const char *caption)
{
    if (!fg->gp || fg->series == 0) {
        if (fg->gp)
            fclose(fg->gp);
        free(fg->plot);
        return 0;
    }
    char gpname[300];
    snprintf(gpname, sizeof gpname, "%s.gp", fg->name);
    FILE *out = openf(p, gpname, "w");
    if (out) {
        rewind(fg->gp);
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, fg->gp)) > 0)
            fwrite(buf, 1, n, out);
        fprintf(out, "%s\n", fg->plot);
        fprintf(out,
                "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n"
                "set output '%s.png'\nreplot\n",
                fg->width, fg->height, fg->name);
        fclose(out);
    }
    fclose(fg->gp);
    free(fg->plot);
    int drawn = 0;
    if (p->gnuplot && out) {
        drawn = run_gnuplot(p, gpname) == 0;
        if (!drawn) {
            fprintf(stderr, "occbench-analyze: gnuplot failed on %s/%s\n", p->dir, gpname);
            p->failed++;
        }
    }
    if (drawn) {
        p->figures++;
        /* the names are clean()ed; the caption may hold a kernel's name */
        fprintf(p->html,
                "<figure><a href=\"%s.png\"><img src=\"%s.svg\" alt=\"%s\" width=\"%d\" "
                "style=\"max-width:100%%;height:auto\"></a>"
                "<figcaption>",
                fg->name, fg->name, fg->name, fg->width);
        html_text(p->html, caption);
        fprintf(p->html,
                " (<a href=\"%s.png\">PNG</a>, <a href=\"%s.gp\">gnuplot</a>)</figcaption>"
                "</figure>\n",
                fg->name, fg->name);
    }
    return drawn;
}

static void series_title(char *t, size_t len, const an_group *g, int nfiles)
{
    char raw[256];
    if (nfiles > 1)
        snprintf(raw, sizeof raw, "%s %s", g->file->label, g->placement);
    else
        snprintf(raw, sizeof raw, "%s", g->placement);
    clean_title(t, len, raw);
}

/* Tics at the measured k (integers: 1, 2, 4, ...) instead of gnuplot's
 * 1.2, 1.4 between two levels; beyond 16 levels gnuplot's own tics, which
 * are integers on such ranges. */
static void integer_k_tics(figure *fg, const char *kernel, an_group **g, size_t *ng, int nf)
{
    int ks[17], n = 0;
    for (int f = 0; f < nf; f++)
        for (size_t i = 0; i < ng[f]; i++) {
            if (strcmp(g[f][i].kernel, kernel))
                continue;
            for (size_t r = 0; r < g[f][i].nrows && n <= 16; r++) {
                int k = g[f][i].rows[r].k, seen = 0;
                for (int j = 0; j < n; j++)
                    seen |= ks[j] == k;
                if (!seen)
                    ks[n++] = k;
            }
        }
    if (!fg->gp || n == 0 || n > 16) {
        if (fg->gp)
            fprintf(fg->gp, "set format x '%%.0f'\n");
        return;
    }
    fprintf(fg->gp, "set xtics (");
    for (int j = 0; j < n; j++)
        fprintf(fg->gp, "%s%d", j ? ", " : "", ks[j]);
    fprintf(fg->gp, ")\n");
}

typedef double (*row_value)(const an_row *r);
static double v_thr(const an_row *r)
{
    return r->throughput;
}
static double v_eff(const an_row *r)
{
    return r->efficiency;
}
static double v_ghz(const an_row *r)
{
    return r->ghz;
}

/* One figure per kernel: a value per k, a series per (file, placement). */
static void per_kernel_figure(plotctx *p, const char *kernel, an_group **g, size_t *ng, int nf,
                              const char *what, const char *ylabel, row_value val, int linear)
{
    char name[256], ck[128], title[256], rel[512];
    clean(ck, sizeof ck, kernel);
    snprintf(name, sizeof name, "%s_%s", what, ck);
    snprintf(title, sizeof title, "%s: %s vs occupancy", kernel, ylabel);
    figure fg;
    int series = 0, linked = 0;
    fig_begin(&fg, name, title, "k (active ranks per node)", ylabel);
    integer_k_tics(&fg, kernel, g, ng, nf);
    for (int f = 0; f < nf; f++)
        for (size_t i = 0; i < ng[f]; i++) {
            const an_group *gr = &g[f][i];
            if (strcmp(gr->kernel, kernel) || gr->nrows == 0)
                continue;
            if (an_all_linked(gr)) { /* the compact line, drawn once */
                linked = 1;
                continue;
            }
            char t[200];
            series_title(t, sizeof t, gr, nf);
            FILE *d = fig_data(p, &fg, rel, sizeof rel);
            if (!d)
                continue;
            int finite = 0;
            for (size_t r = 0; r < gr->nrows; r++) {
                double v = val(&gr->rows[r]);
                finite += isfinite(v);
                fprintf(d, "%d %.9g\n", gr->rows[r].k, isfinite(v) ? v : NAN);
            }
            fclose(d);
            if (!finite)
                continue;
            int lt = ++series; /* the linear line shares its series' colour */
            /* spread: open points and a dashed line, so it shows where it meets compact */
            int spread = strcmp(gr->placement, "compact") != 0;
            fig_clause(&fg, "'%s' using 1:2 with linespoints lt %d lw 2 pt %d dt %d title '%s'",
                       rel, lt, spread ? 6 : 7, spread ? 4 : 1, t);
            if (linear && gr->rows[0].k == 1) {
                FILE *l = fig_data(p, &fg, rel, sizeof rel);
                if (!l)
                    continue;
                for (size_t r = 0; r < gr->nrows; r++)
                    fprintf(l, "%d %.9g\n", gr->rows[r].k, gr->rows[r].k * gr->rows[0].throughput);
                fclose(l);
                fig_clause(&fg, "'%s' using 1:2 with lines lt %d dt 2 title 'linear %s'", rel, lt,
                           t);
            }
        }
    if (val == v_eff && fg.series > 0)
        fig_clause(&fg, "0.9 with lines dt 3 lc rgb 'gray40' title 'knee bound (90%%)'");
    char cap[384];
    snprintf(cap, sizeof cap, "%s of %s against k%s%s", ylabel, kernel,
             linear ? ", short dashes: linear scaling from k=1" : "",
             linked ? "; spread is not drawn where its steps are the compact ones (the same cores "
                      "on this node: measured once, linked)"
                    : "; spread: open points, dashed");
    fig_end(p, &fg, cap);
}

static void decomposition_figure(plotctx *p, const an_group *gr, const an_row *rows, size_t n,
                                 const char *what)
{
    char name[256], a[60], b[60], c[60], title[300], rel[512];
    clean(a, sizeof a, gr->file->label);
    clean(b, sizeof b, gr->kernel);
    clean(c, sizeof c, gr->placement);
    snprintf(name, sizeof name, "%s_%s_%s_%s", what, a, b, c);
    snprintf(title, sizeof title, "%s %s %s: %s", gr->file->label, gr->kernel, gr->placement,
             !strcmp(what, "decomposition") ? "slowdown vs k=1 per repetition"
                                            : "per-phase slowdown vs k=1");
    figure fg;
    fig_begin(&fg, name, title, "k", "seconds per repetition");
    /* 18 phases x 8 levels are 144 bars: 14 px each and vertical labels keep
     * them apart (the labels overlapped at a fixed 900 px) */
    size_t bars = 0;
    for (size_t i = 0; i < n; i++)
        bars += isfinite(rows[i].terms.point.v[DC_SLOWDOWN]);
    if (bars > 40)
        fig_size(&fg, (int)(bars * 14 + 300), 620);
    fig_rowstacked(&fg, 0.8, 0.75, bars > 12 ? "-90 font ',8'" : "-30");
    FILE *d = fig_data(p, &fg, rel, sizeof rel);
    if (!d) {
        fig_end(p, &fg, "");
        return;
    }
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const an_row *r = &rows[i];
        if (!isfinite(r->terms.point.v[DC_SLOWDOWN]))
            continue;
        any = 1;
        char label[128];
        if (r->phase) {
            char ph[64];
            clean(ph, sizeof ph, r->phase);
            snprintf(label, sizeof label, "%s:%d", ph, r->k);
        } else
            snprintf(label, sizeof label, "%d", r->k);
        fprintf(d, "%s", label);
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            fprintf(d, " %.9g", isfinite(r->terms.point.v[t]) ? r->terms.point.v[t] : 0.0);
        fprintf(d, "\n");
    }
    fclose(d);
    if (any)
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            fig_clause(&fg, "'%s' using %d%s title '%s'", t == DC_CLOCK ? rel : "", t + 1,
                       t == DC_CLOCK ? ":xtic(1)" : "", dc_term_names[t]);
    fig_end(p, &fg,
            !strcmp(what, "decomposition")
                ? "stacked terms of the slowdown T(k)-T(1): clock, cycles, blocked, scheduler, "
                  "other off-CPU"
                : "the same split per phase (label phase:k)");
}

/* Groups with LLC miss counts from k=1 on: what the cycles-vs-misses figure can draw. */
static int llc_groups(an_group **g, size_t *ng, int nf)
{
    int n = 0;
    for (int f = 0; f < nf; f++)
        for (size_t i = 0; i < ng[f]; i++)
            n += g[f][i].nrows > 0 && g[f][i].rows[0].k == 1 && isfinite(g[f][i].rows[0].lvl.llc);
    return n;
}

static void llc_figure(plotctx *p, an_group **g, size_t *ng, int nf)
{
    char rel[512];
    figure fg;
    if (!llc_groups(g, ng, nf)) { /* no empty section: say why there is no figure */
        fprintf(p->html, "<p>No figure: no file has LLC miss counts (they need hardware "
                         "counters; each file's /counters says why a metric was not counted, "
                         "and occbench --info on the node).</p>\n");
        return;
    }
    fig_begin(&fg, "cycles_vs_llc", "delta cycles vs delta LLC misses per repetition (vs k=1)",
              "delta LLC misses", "delta cycles");
    for (int f = 0; f < nf; f++)
        for (size_t i = 0; i < ng[f]; i++) {
            const an_group *gr = &g[f][i];
            if (gr->nrows == 0 || gr->rows[0].k != 1 || !isfinite(gr->rows[0].lvl.llc))
                continue;
            FILE *d = fig_data(p, &fg, rel, sizeof rel);
            if (!d)
                continue;
            for (size_t r = 0; r < gr->nrows; r++)
                fprintf(d, "%.9g %.9g\n", gr->rows[r].lvl.llc - gr->rows[0].lvl.llc,
                        gr->rows[r].lvl.Y - gr->rows[0].lvl.Y);
            fclose(d);
            char t[200], raw[256];
            snprintf(raw, sizeof raw, "%s %s %s", nf > 1 ? gr->file->label : "", gr->kernel,
                     gr->placement);
            clean_title(t, sizeof t, raw);
            fig_clause(&fg, "'%s' using 1:2 with linespoints pt 7 title '%s'", rel, t);
        }
    fig_end(p, &fg,
            "slope = cycles per LLC miss (about a memory latency when contention is "
            "memory-bound)");
}

static void monitor_figure(plotctx *p, const an_file *f)
{
    char name[256], a[120], rel[512], title[256];
    clean(a, sizeof a, f->label);
    snprintf(name, sizeof name, "monitor_%s", a);
    snprintf(title, sizeof title, "%s: CPU utilisation over time (labels: step index)", f->label);
    figure fg;
    fig_begin(&fg, name, title, "seconds since launch", "busy fraction");
    if (fg.gp)
        fprintf(fg.gp, "set yrange [0:1.15]\n");
    static const char *const cols[] = {"util_busy", "util_active", "util_parked"};
    for (size_t m = 0; m < f->nmon; m++) {
        const an_monitor *mon = &f->mon[m];
        if (mon->n == 0)
            continue;
        FILE *d = fig_data(p, &fg, rel, sizeof rel);
        if (!d)
            continue;
        for (size_t i = 0; i < mon->n; i++) {
            const ob_monitor_sample *s = &mon->s[i];
            fprintf(d, "%.6g %.6g %.6g %.6g\n", s->t, s->util_busy, s->util_active, s->util_parked);
            if (fg.gp && s->step >= 0 && (i == 0 || mon->s[i - 1].step != s->step) && m == 0)
                fprintf(fg.gp, "set label 'step %d' at %.6g,1.08 rotate by 90 font ',8'\n", s->step,
                        s->t);
        }
        fclose(d);
        for (int c = 0; c < 3; c++) {
            char raw[128], t[128];
            snprintf(raw, sizeof raw, "node%d %s", mon->node, cols[c]);
            clean_title(t, sizeof t, raw);
            fig_clause(&fg, "'%s' using 1:%d with lines lw 1.5 title '%s'", c ? "" : rel, c + 2, t);
        }
    }
    fig_end(p, &fg, "monitor timeline: all CPUs, active ranks' cores and parked cores");
}

/* Per-CPU utilisation over time, one heat map per node (cpu_busy). */
static void cores_figure(plotctx *p, const an_file *f)
{
    for (size_t m = 0; m < f->nmon; m++) {
        const an_monitor *mon = &f->mon[m];
        if (!mon->cpu_busy || mon->ncpus <= 0 || mon->n < 2)
            continue;
        char name[256], a[120], rel[512], title[256];
        clean(a, sizeof a, f->label);
        snprintf(name, sizeof name, "cores_%s_node%d", a, mon->node);
        snprintf(title, sizeof title, "%s node %d: busy fraction of each CPU over time", f->label,
                 mon->node);
        figure fg;
        fig_begin(&fg, name, title, "seconds since launch", "CPU (OS index)");
        if (fg.gp)
            fprintf(fg.gp,
                    "set cbrange [0:1]\nset cblabel 'busy fraction'\nset palette "
                    "defined (0 'white', 0.5 'orange', 1 'dark-red')\nset yrange [-0.5:%d.5]\n",
                    mon->ncpus - 1);
        FILE *d = fig_data(p, &fg, rel, sizeof rel);
        if (d) {
            for (size_t i = 0; i < mon->n; i++) {
                for (int c = 0; c < mon->ncpus; c++)
                    fprintf(d, "%.6g %d %.4g\n", mon->s[i].t, c,
                            (double)mon->cpu_busy[i * (size_t)mon->ncpus + (size_t)c]);
                fputc('\n', d);
            }
            fclose(d);
            fig_clause(&fg, "'%s' using 1:2:3 with image title 'per-CPU busy'", rel);
        }
        fig_end(p, &fg, "per-CPU utilisation (cpu_busy): parked cores should stay white");
    }
}

/* ---- the overview: the answer first ---- */

/* The kernels in first-seen order over all files (pointers into the groups). */
static size_t kernel_list(an_group **g, size_t *ng, int nf, const char **out)
{
    size_t n = 0;
    for (int f = 0; f < nf; f++)
        for (size_t i = 0; i < ng[f]; i++) {
            size_t j = 0;
            while (j < n && strcmp(out[j], g[f][i].kernel))
                j++;
            if (j == n)
                out[n++] = g[f][i].kernel;
        }
    return n;
}

/* One overview row per (kernel, file, placement), kernels in order, so each
 * kernel's compact and spread bars stand side by side; a placement whose
 * steps are all the linked compact ones is not repeated (*linked counts
 * them, for the page to say so). */
static size_t overview_rows(an_group **g, size_t *ng, int nf, const char **kernels, size_t nkernels,
                            an_overview *out, size_t *linked)
{
    size_t n = 0;
    *linked = 0;
    for (size_t k = 0; k < nkernels; k++)
        for (int f = 0; f < nf; f++)
            for (size_t i = 0; i < ng[f]; i++) {
                if (strcmp(g[f][i].kernel, kernels[k]) || !g[f][i].nrows)
                    continue;
                if (an_all_linked(&g[f][i]))
                    (*linked)++;
                else
                    out[n++] = an_overview_of(&g[f][i]);
            }
    return n;
}

static void overview_label(char *t, size_t len, const an_overview *o, int nf)
{
    char raw[256];
    if (nf > 1)
        snprintf(raw, sizeof raw, "%s %s %s", o->group->file->label, o->group->kernel,
                 o->group->placement);
    else
        snprintf(raw, sizeof raw, "%s %s", o->group->kernel, o->group->placement);
    clean_title(t, len, raw);
}

/* overview.svg: per kernel and placement one bar of height 1 (linear
 * scaling): the efficiency at the top k, then the lost throughput split
 * into clock, cycles, blocked, scheduler and other off-CPU. */
static void overview_figure(plotctx *p, const an_overview *ov, size_t n, int nf)
{
    char rel[512];
    figure fg;
    fig_begin(&fg, "overview", "throughput at the top k against linear, and where the rest went",
              "", "share of linear throughput (k x throughput at k=1)");
    /* many bars (several files): at most a 1400 px page, the key under the
     * bars so that it is never cut off at the right edge */
    if (n > 12) {
        int w = (int)(n * 45 + 400);
        fig_size(&fg, w < 1400 ? w : 1400, 600);
        if (fg.gp)
            fprintf(fg.gp, "set key below\n");
    }
    fig_rowstacked(&fg, 0.85, 0.7, "-30 font ',10'");
    if (fg.gp) /* the dashed line: linear scaling */
        fprintf(fg.gp, "set yrange [0:*]\n"
                       "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2\n");
    FILE *d = fig_data(p, &fg, rel, sizeof rel);
    if (!d) {
        fig_end(p, &fg, "");
        return;
    }
    /* Columns: the green part, each term's loss (above it), each term's gain
     * (negative: gnuplot stacks it below zero). The terms add up to
     * 1 - efficiency, so with the gains taken out of the green part the bar
     * above zero ends exactly at the linear line: no bar passes it unless
     * the throughput did. */
    size_t drawn = 0;
    int gained[DC_NTERMS] = {0};
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(ov[i].efficiency))
            continue;
        char label[256];
        overview_label(label, sizeof label, &ov[i], nf);
        double gains = 0;
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            if (isfinite(ov[i].lost[t]) && ov[i].lost[t] < 0) {
                gains += ov[i].lost[t];
                gained[t] = 1;
            }
        fprintf(d, "\"%s k=%d\" %.6g", label, ov[i].k, ov[i].efficiency + gains);
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            fprintf(d, " %.6g", isfinite(ov[i].lost[t]) && ov[i].lost[t] > 0 ? ov[i].lost[t] : 0);
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            fprintf(d, " %.6g", isfinite(ov[i].lost[t]) && ov[i].lost[t] < 0 ? ov[i].lost[t] : 0);
        fprintf(d, "\n");
        drawn++;
    }
    fclose(d);
    if (drawn) {
        fig_clause(&fg,
                   "'%s' using 2:xtic(1) title 'throughput (efficiency, less gains)' "
                   "lc rgb '#2e7d32'",
                   rel);
        static const char *const colours[DC_NTERMS] = {"",        "#c62828", "#ef6c00",
                                                       "#1565c0", "#6a1b9a", "#757575"};
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            fig_clause(&fg, "'' using %d title 'lost: %s' lc rgb '%s'", t + 2, dc_term_names[t],
                       colours[t]);
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            if (gained[t]) /* the gain columns that are not all zero */
                fig_clause(&fg, "'' using %d title 'gain: %s' lc rgb '%s' fs pattern 4",
                           t + 1 + DC_NTERMS, dc_term_names[t], colours[t]);
    }
    fig_end(p, &fg,
            "per kernel and placement at the largest k: above zero, up to the dashed line "
            "(linear), the throughput reached (green) and the throughput lost to each term; a "
            "term that was a gain (the clock rose: a negative term) is drawn below zero, "
            "hatched, and taken out of the green part, so the efficiency is the green part plus "
            "the gains and no bar passes the line unless the throughput did (the table has the "
            "numbers)");
}

static void html_num(FILE *o, double v, const char *fmt)
{
    if (isfinite(v))
        fprintf(o, fmt, v);
    else
        fprintf(o, "&ndash;");
}

/* The same numbers as a table (each kernel a link to its section) and one
 * sentence per kernel and placement. */
static void overview_html(plotctx *p, const an_overview *ov, size_t n, int nf)
{
    FILE *o = p->html;
    fprintf(o,
            "<table class=\"overview\">\n<tr><th>%s</th><th>kernel</th><th>placement</th>"
            "<th>top k</th><th>throughput per node</th><th>efficiency</th><th>knee</th>",
            nf > 1 ? "site" : "");
    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
        fprintf(o, "<th>lost: %s</th>", dc_term_names[t]);
    fprintf(o, "<th>note</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        char ck[128];
        clean(ck, sizeof ck, ov[i].group->kernel);
        fprintf(o, "<tr><td>");
        html_text(o, nf > 1 ? ov[i].group->file->label : "");
        fprintf(o, "</td><td><a href=\"#kernel-%s\">", ck);
        html_text(o, ov[i].group->kernel);
        fprintf(o, "</a></td><td>");
        html_text(o, ov[i].group->placement);
        fprintf(o, "</td><td>%d</td><td>", ov[i].k);
        html_num(o, ov[i].throughput, "%.4g");
        fprintf(o, "</td><td>");
        html_num(o, ov[i].efficiency, "%.3f");
        fprintf(o, "</td><td>");
        if (ov[i].knee > 0)
            fprintf(o, "%d", ov[i].knee);
        else
            fprintf(o, "none");
        fprintf(o, "</td>");
        for (int t = DC_CLOCK; t < DC_NTERMS; t++) {
            double pct = 100 * ov[i].lost[t];
            fprintf(o, "<td>");
            html_num(o, fabs(pct) < 0.05 ? 0.0 : pct, "%.1f%%"); /* no "-0.0%" */
            fprintf(o, "</td>");
        }
        fprintf(o, "<td>");
        html_text(o, an_shares_why(ov[i].rule));
        fprintf(o, "</td></tr>\n");
    }
    fprintf(o,
            "</table>\n<p>lost: the share of linear throughput each term took (they add up "
            "to 1 &minus; efficiency), given only where the slowdown at the top k is "
            "significant (its 95%% interval excludes zero and it exceeds %.0f%% of the "
            "baseline's time; the note says why not); knee: the first k with efficiency below "
            "0.9.</p>\n<ul>\n",
            100 * AN_SHARE_FLOOR);
    for (size_t i = 0; i < n; i++) {
        char sentence[512];
        an_overview_sentence(&ov[i], sentence, sizeof sentence);
        fprintf(o, "<li>");
        html_text(o, nf > 1 ? ov[i].group->file->label : "");
        fprintf(o, "%s", nf > 1 ? ": " : "");
        html_text(o, sentence);
        fprintf(o, "</li>\n");
    }
    fprintf(o, "</ul>\n");
}

static void html_escape(FILE *o, FILE *in)
{
    for (int c; (c = fgetc(in)) != EOF;)
        html_char(o, c, 1);
}

static int mkdir_p(const char *dir)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *s = buf + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(buf, 0777) < 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return mkdir(buf, 0777) < 0 && errno != EEXIST ? -1 : 0;
}

/* A kernel's section, reachable from the overview: its curves and splits. */
static void kernel_section(plotctx *p, const char *k, an_group **g, size_t *ng, int np)
{
    char ck[128];
    clean(ck, sizeof ck, k);
    fprintf(p->html, "<h2 id=\"kernel-%s\">kernel ", ck);
    html_text(p->html, k);
    fprintf(p->html, "</h2>\n<p><a href=\"#overview\">back to the overview</a></p>\n");
    per_kernel_figure(p, k, g, ng, np, "throughput", "throughput per node (reps/s)", v_thr, 1);
    per_kernel_figure(p, k, g, ng, np, "efficiency", "efficiency vs linear", v_eff, 0);
    per_kernel_figure(p, k, g, ng, np, "clock", "clock (GHz)", v_ghz, 0);
    for (int a = 0; a < np; a++)
        for (size_t b = 0; b < ng[a]; b++)
            if (!strcmp(g[a][b].kernel, k)) {
                decomposition_figure(p, &g[a][b], g[a][b].rows, g[a][b].nrows, "decomposition");
                if (g[a][b].nprow)
                    decomposition_figure(p, &g[a][b], g[a][b].prow, g[a][b].nprow, "phases");
            }
}

/* FILE... -o DIR into paths and *dir; AN_OK or the usage status. */
static int plot_args(int argc, char **argv, char **paths, int *np, const char **dir, int *force)
{
    *np = 0;
    *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--force")) {
            *force = 1;
        } else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
            if (i + 1 >= argc)
                return an_bad("plot: -o needs a directory");
            *dir = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return an_bad("plot: unknown option '%s' (accepted: -o DIR, --force)", argv[i]);
        } else
            paths[(*np)++] = argv[i];
    }
    if (!*dir || *np == 0)
        return an_bad("plot: usage: plot FILE... -o DIR");
    return AN_OK;
}

/* Each file's validate verdict at the default bounds, failing rules named:
 * whether a result is reportable is read before any figure. */
static void validate_verdicts(plotctx *p, const an_file *files, int np)
{
    for (int i = 0; i < np; i++) {
        an_rule_result res[AN_NRULES];
        size_t n = 0;
        int failed = an_validate_defaults(&files[i], res, &n);
        fprintf(p->html, "<p class=\"verdict\"><strong>");
        html_text(p->html, files[i].label);
        fprintf(p->html, ": %s</strong> (occbench-analyze validate: %d of %zu rules failed)",
                failed ? "NOT REPORTABLE" : "REPORTABLE", failed, n);
        if (failed) {
            fprintf(p->html, "</p>\n<ul>\n");
            for (size_t r = 0; r < n; r++)
                if (!res[r].pass) {
                    fprintf(p->html, "<li>%s: ", res[r].name);
                    html_text(p->html, res[r].detail);
                    fprintf(p->html, "</li>\n");
                }
            fprintf(p->html, "</ul>\n");
        } else
            fprintf(p->html, "</p>\n");
    }
}

static void html_head(plotctx *p, const an_file *files, int np)
{
    fprintf(p->html,
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>occbench "
            "results</title>\n<style>table.overview{border-collapse:collapse}table.overview td,"
            "table.overview th{border:1px solid #bbb;padding:2px 8px;text-align:right}"
            "</style></head>\n<body>\n<h1>occbench results</h1>\n<ul>\n");
    for (int i = 0; i < np; i++) {
        fprintf(p->html, "<li>");
        html_text(p->html, files[i].label);
        fprintf(p->html, ": ");
        html_text(p->html, files[i].path);
        fprintf(p->html, "</li>\n");
    }
    fprintf(p->html, "</ul>\n");
    validate_verdicts(p, files, np);
    if (p->unlike) {
        fprintf(p->html, "<p><strong>Unlike files, plotted with --force:</strong> ");
        html_text(p->html, p->unlike);
        fprintf(p->html, ". Their throughputs do not compare.</p>\n");
    }
    if (!p->gnuplot) {
        fprintf(stderr, "occbench-analyze: gnuplot not found (install gnuplot, e.g. Debian "
                        "gnuplot-nox): writing the tables only\n");
        fprintf(p->html, "<p>gnuplot was not found: tables only.</p>\n");
    }
}

/* The overview first, then a section per kernel. */
static int kernel_sections(plotctx *p, an_group **g, size_t *ng, int np)
{
    size_t ngroups = 0;
    for (int f = 0; f < np; f++)
        ngroups += ng[f];
    const char **kernels = calloc(ngroups + 1, sizeof *kernels);
    an_overview *ov = calloc(ngroups + 1, sizeof *ov);
    if (!kernels || !ov) {
        free(kernels);
        free(ov);
        return an_bad("plot: out of memory");
    }
    size_t nkernels = kernel_list(g, ng, np, kernels);
    size_t linked = 0;
    size_t nov = overview_rows(g, ng, np, kernels, nkernels, ov, &linked);
    fprintf(p->html, "<h2 id=\"overview\">overview: at the top k, how much throughput per node, "
                     "and where did the rest go?</h2>\n");
    overview_figure(p, ov, nov, np);
    overview_html(p, ov, nov, np);
    if (linked)
        fprintf(p->html,
                "<p>%zu spread placement(s) not repeated: on this node they gave the compact "
                "cores at every k, so their steps are the compact ones (measured once, "
                "linked).</p>\n",
                linked);
    free(ov);
    for (size_t kk = 0; kk < nkernels; kk++)
        kernel_section(p, kernels[kk], g, ng, np);
    free(kernels);
    return AN_OK;
}

/* The page and the tables it links, into p->dir. */
static int write_report(plotctx *p, an_file *files, an_group **g, size_t *ng, int np)
{
    FILE *txt = openf(p, "summary.txt", "w+"), *csv = openf(p, "summary.csv", "w");
    p->html = openf(p, "index.html", "w");
    int rc = AN_OK;
    if (!txt || !csv || !p->html)
        rc = an_bad("plot: cannot write into %s", p->dir);
    for (int i = 0; rc == AN_OK && i < np; i++) {
        an_write_summary(txt, AN_TEXT, g[i], ng[i], 1, 1);
        an_write_summary(csv, AN_CSV, g[i], ng[i], 1, i == 0);
    }
    if (rc == AN_OK) {
        html_head(p, files, np);
        rc = kernel_sections(p, g, ng, np);
    }
    if (rc == AN_OK) {
        fprintf(p->html, "<h2>cycles and LLC misses</h2>\n");
        llc_figure(p, g, ng, np);
        fprintf(p->html, "<h2>monitor</h2>\n");
        for (int f = 0; f < np; f++) {
            monitor_figure(p, &files[f]);
            cores_figure(p, &files[f]);
        }
        fprintf(p->html, "<h2>summary tables</h2>\n<p><a href=\"summary.csv\">summary.csv</a>, "
                         "<a href=\"summary.txt\">summary.txt</a></p>\n<pre>\n");
        rewind(txt);
        html_escape(p->html, txt);
        fprintf(p->html, "</pre>\n</body></html>\n");
    }
    if (txt)
        fclose(txt);
    if (csv)
        fclose(csv);
    if (p->html)
        fclose(p->html);
    return rc;
}

int an_cmd_plot(int argc, char **argv, const an_shared *sh)
{
    (void)sh; /* plot takes none of the shared options */
    const char *dir = NULL;
    int np = 0, rc, force = 0;
    char **paths = calloc((size_t)argc + 1, sizeof *paths);
    if ((rc = paths ? plot_args(argc, argv, paths, &np, &dir, &force)
                    : an_bad("plot: out of memory"))) {
        free(paths);
        return rc;
    }
    an_file *files = calloc((size_t)np, sizeof *files);
    if ((rc = an_load_all(paths, np, files))) {
        free(files);
        free(paths);
        return rc;
    }
    char why[512];
    int unlike = an_first_unlike(files, np, 0, why, sizeof why) >= 0;
    if (unlike) {
        if (!force) {
            an_release_all(files, NULL, NULL, np);
            free(paths);
            return an_bad("plot: %s: their throughputs do not compare on one page (accepted: "
                          "files of one schema, preset and kernel options; --force plots them "
                          "anyway under a warning)",
                          why);
        }
        fprintf(stderr, "warning: --force: plotting unlike files: %s\n", why);
    }
    char datadir[2048];
    snprintf(datadir, sizeof datadir, "%s/data", dir);
    if (mkdir_p(datadir) < 0) {
        an_release_all(files, NULL, NULL, np);
        free(paths);
        return an_bad("plot: cannot create directory %s: %s", datadir, strerror(errno));
    }
    an_opts o = {.phases = 1, .nboot = 200, .min_reps = 5, .baseline = 1, .warn = 0};
    an_group **g;
    size_t *ng;
    if (an_analyse_all(files, np, &o, &g, &ng) < 0) {
        an_release_all(files, g, ng, np);
        free(paths);
        return an_bad("plot: out of memory");
    }
    plotctx p = {dir, find_gnuplot(), NULL, 0, 0, unlike ? why : NULL};
    rc = write_report(&p, files, g, ng, np);
    if (rc == AN_OK) {
        printf("wrote %s/index.html: %d figure(s)%s\n", dir, p.figures,
               p.gnuplot ? "" : " (gnuplot not found: tables only)");
        rc = p.failed ? an_bad("plot: gnuplot failed on %d figure(s)", p.failed) : AN_OK;
    }
    an_release_all(files, g, ng, np);
    free(paths);
    return rc;
}
