/* The compare verb: sites side by side, by k and by k/cores (core counts
 * may differ), with ratios to a --reference file, and the figure of merit
 * (fom.c): full-occupancy throughput per kernel and the geometric mean of
 * its ratios to the reference. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"

typedef struct site_figures {
    int cores, kfull, knee;
    double thr_full, eff_full, ghz_full, share[DC_NTERMS];
    an_share_rule rule; /* why share[] is NaN, when it is (shares.c) */
    int unlike;         /* another schema, preset or kernel options than the base file */
    char unlike_why[200];
} site_figures;

static site_figures figures_of(const an_group *g)
{
    site_figures s;
    memset(&s, 0, sizeof s);
    s.cores = an_cores(g->file);
    s.knee = g->knee;
    s.thr_full = s.eff_full = s.ghz_full = NAN;
    for (int t = 0; t < DC_NTERMS; t++)
        s.share[t] = NAN;
    if (!g->nrows)
        return s;
    const an_row *r = &g->rows[g->nrows - 1];
    s.kfull = r->k;
    s.thr_full = r->throughput;
    s.eff_full = r->efficiency;
    s.ghz_full = r->ghz;
    const an_row *base = an_baseline_row(g);
    s.rule = an_shares_rule(r, base);
    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
        s.share[t] = an_term_share(r, base, t);
    return s;
}

static void csv_num(double v)
{
    isfinite(v) ? printf(",%.6g", v) : printf(",nan");
}

/* The figure of merit over all files (fom.c): one column per kernel seen
 * in any file, one row per file. */
typedef struct fom_table {
    int nfiles, nkernels, ncommon, ref; /* ref < 0: no --reference, no ratios */
    const char **kernels;
    double *thr, *ratio, *geomean;
    int *in_mean;
    char (*why)[160];
} fom_table;

static int kernel_index(const fom_table *t, const char *kernel)
{
    for (int k = 0; k < t->nkernels; k++)
        if (!strcmp(t->kernels[k], kernel))
            return k;
    return -1;
}

static void fom_free(fom_table *t)
{
    free(t->kernels);
    free(t->thr);
    free(t->ratio);
    free(t->geomean);
    free(t->in_mean);
    free(t->why);
}

static int fom_build(fom_table *t, const an_file *files, an_group **g, const size_t *ng, int np,
                     int ref)
{
    memset(t, 0, sizeof *t);
    if (np < 1)
        return -1;
    size_t maxk = 0;
    for (int i = 0; i < np; i++)
        maxk += ng[i];
    t->nfiles = np;
    t->ref = ref;
    t->kernels = calloc(maxk + 1, sizeof *t->kernels);
    if (!t->kernels)
        return -1;
    for (int i = 0; i < np; i++) /* every kernel of any file, in first-seen order */
        for (size_t j = 0; j < ng[i]; j++)
            if (kernel_index(t, g[i][j].kernel) < 0)
                t->kernels[t->nkernels++] = g[i][j].kernel;
    size_t cells = (size_t)np * (size_t)(t->nkernels ? t->nkernels : 1);
    t->thr = calloc(cells, sizeof *t->thr);
    t->ratio = calloc(cells, sizeof *t->ratio);
    t->why = calloc(cells, sizeof *t->why);
    t->geomean = calloc((size_t)np, sizeof *t->geomean);
    t->in_mean = calloc((size_t)t->nkernels + 1, sizeof *t->in_mean);
    if (!t->thr || !t->ratio || !t->why || !t->geomean || !t->in_mean)
        return -1;
    for (int i = 0; i < np; i++) {
        int cores = an_cores(&files[i]);
        for (int k = 0; k < t->nkernels; k++) {
            size_t c = (size_t)i * (size_t)t->nkernels + (size_t)k;
            t->thr[c] =
                an_fom_throughput(g[i], ng[i], t->kernels[k], cores, t->why[c], sizeof t->why[c]);
        }
    }
    t->ncommon =
        an_fom(t->thr, np, t->nkernels, ref >= 0 ? ref : 0, t->ratio, t->in_mean, t->geomean);
    if (t->ncommon < 0)
        return -1;
    if (ref < 0) { /* ratios only against a reference the user chose */
        for (size_t c = 0; c < cells; c++)
            t->ratio[c] = NAN;
        for (int i = 0; i < np; i++)
            t->geomean[i] = NAN;
    }
    return 0;
}

/* One warning line per kernel left out of the geometric mean, naming the
 * files that lack it and why. */
static void fom_warn(const fom_table *t, const an_file *files)
{
    for (int k = 0; k < t->nkernels; k++) {
        if (t->in_mean[k])
            continue;
        fprintf(stderr, "warning: figure of merit: kernel %s left out of the geometric mean:",
                t->kernels[k]);
        const char *sep = " ";
        for (int i = 0; i < t->nfiles; i++) {
            size_t c = (size_t)i * (size_t)t->nkernels + (size_t)k;
            if (!isfinite(t->thr[c])) {
                fprintf(stderr, "%s%s: %s", sep, files[i].label, t->why[c]);
                sep = "; ";
            }
        }
        fputc('\n', stderr);
    }
}

static void fom_print_text(const fom_table *t, const an_file *files)
{
    printf("\n== figure of merit: throughput per node at full occupancy (k = cores, %s) ==\n",
           an_fom_placement);
    if (t->ref >= 0)
        printf("ratio to the reference %s; geometric mean over the %d kernel(s) every file has\n",
               files[t->ref].label, t->ncommon);
    else
        printf("(give --reference FILE for ratios and their geometric mean)\n");
    printf("%-14s", "");
    for (int i = 0; i < t->nfiles; i++)
        printf(" %21.21s", files[i].label);
    printf("\n%-14s", "kernel");
    for (int i = 0; i < t->nfiles; i++)
        printf(" %12s %8s", "thr/node/s", i == t->ref ? "(ref)" : "ratio");
    printf("\n");
    for (int k = 0; k < t->nkernels; k++) {
        printf("%-14.14s", t->kernels[k]);
        for (int i = 0; i < t->nfiles; i++) {
            size_t c = (size_t)i * (size_t)t->nkernels + (size_t)k;
            isfinite(t->thr[c]) ? printf(" %12.4g", t->thr[c]) : printf(" %12s", "-");
            isfinite(t->ratio[c]) ? printf(" %8.3f", t->ratio[c]) : printf(" %8s", "-");
        }
        printf("%s\n", t->in_mean[k] ? "" : "   (not in the mean)");
    }
    printf("%-14s", "geomean");
    for (int i = 0; i < t->nfiles; i++)
        isfinite(t->geomean[i]) ? printf(" %12s %8.3f", "", t->geomean[i])
                                : printf(" %12s %8s", "", "-");
    printf("\n");
    for (int k = 0; k < t->nkernels; k++)
        if (!t->in_mean[k])
            for (int i = 0; i < t->nfiles; i++) {
                size_t c = (size_t)i * (size_t)t->nkernels + (size_t)k;
                if (!isfinite(t->thr[c]))
                    printf("  not in the mean: %s (%s: %s)\n", t->kernels[k], files[i].label,
                           t->why[c]);
            }
}

/* What the compare verb prints from: the files, their groups, the
 * reference (-1: none) and the figure of merit. */
typedef struct compare_ctx {
    an_file *files;
    an_group **g;
    size_t *ng;
    int np, ref;
    int force;        /* --force: compare unlike files, marking their rows */
    char unlike[512]; /* why the first unlike file is (an_first_unlike), "" when all are alike */
    fom_table fom;
    an_format fmt;
} compare_ctx;

/* Files into paths (the reference first and once); AN_OK or the usage status. */
static int compare_args(int argc, char **argv, char **paths, int *np, int *ref, int *force)
{
    *np = 0;
    *ref = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--force")) {
            *force = 1;
        } else if (!strcmp(a, "--reference")) {
            if (!v)
                return an_bad("--reference needs a results file");
            if (*ref >= 0)
                return an_bad("--reference given twice");
            /* the reference goes first, and only once */
            memmove(paths + 1, paths, (size_t)*np * sizeof *paths);
            paths[0] = argv[++i];
            *ref = 0;
            (*np)++;
        } else if (a[0] == '-' && a[1]) {
            return an_bad("compare: unknown option '%s' (accepted: --reference, --format, --force)",
                          a);
        } else
            paths[(*np)++] = argv[i];
    }
    if (*ref == 0) { /* a reference also named among the files is shown once */
        int m = 1;
        for (int i = 1; i < *np; i++)
            if (strcmp(paths[i], paths[0]))
                paths[m++] = paths[i];
        *np = m;
    }
    if (*np < 1 || (*np < 2 && *ref < 0))
        return an_bad("compare: give at least two results files (or one and --reference FILE)");
    return AN_OK;
}

static void print_csv_row(const compare_ctx *x, int a, const an_group *key, const site_figures *s,
                          double ratio, double eratio, double kf)
{
    const fom_table *fom = &x->fom;
    const char *fields[] = {x->files[a].path, x->files[a].label, key->kernel, key->placement};
    for (int i = 0; i < 4; i++) {
        an_csv_string(stdout, fields[i]);
        putchar(',');
    }
    printf("%d,%d", s->cores, s->kfull);
    csv_num(s->thr_full);
    csv_num(s->eff_full);
    printf(",%d", s->knee);
    csv_num(kf);
    csv_num(s->ghz_full);
    for (int t = DC_CLOCK; t < DC_NTERMS; t++) /* empty where the rule gives none */
        isfinite(s->share[t]) ? printf(",%.6g", s->share[t]) : printf(",");
    csv_num(ratio);
    csv_num(eratio);
    size_t c = (size_t)a * (size_t)fom->nkernels + (size_t)kernel_index(fom, key->kernel);
    csv_num(fom->thr[c]);
    csv_num(fom->ratio[c]);
    printf(",%d", fom->in_mean[kernel_index(fom, key->kernel)]);
    csv_num(fom->geomean[a]);
    printf(",%d,%s,", fom->ncommon, an_shares_code(s->rule));
    an_csv_string(stdout, s->unlike ? s->unlike_why : "");
    putchar('\n');
}

/* One row per file that has the group; rg is the reference's (or NULL). */
static void print_site_rows(const compare_ctx *x, const an_group *key, const an_group *rg)
{
    site_figures rf = rg ? figures_of(rg) : (site_figures){0};
    for (int a = 0; a < x->np; a++) {
        const an_group *sg = an_find_group(x->g[a], x->ng[a], key->kernel, key->placement);
        if (!sg)
            continue;
        site_figures s = figures_of(sg);
        int base = x->ref >= 0 ? x->ref : 0;
        s.unlike = an_unlike(&x->files[base], &x->files[a], key->kernel, s.unlike_why,
                             sizeof s.unlike_why);
        double ratio = rg ? s.thr_full / rf.thr_full : NAN;
        double eratio = rg ? s.eff_full / rf.eff_full : NAN;
        double kf = s.knee && s.cores ? (double)s.knee / s.cores : NAN;
        if (x->fmt == AN_CSV) {
            print_csv_row(x, a, key, &s, ratio, eratio, kf);
            continue;
        }
        printf("%-20.20s %6d %6d %11.4g %6.3f", x->files[a].label, s.cores, s.kfull, s.thr_full,
               s.eff_full);
        if (s.knee) /* no knee: efficiency stayed above the bound at every k */
            printf(" %6d %6.2f", s.knee, kf);
        else
            printf(" %6s %6s", "none", "-");
        printf(" %6.2f", s.ghz_full);
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            isfinite(s.share[t]) ? printf(" %7.1f", 100.0 * s.share[t]) : printf(" %7s", "-");
        if (rg)
            printf(" %8.3f", ratio);
        printf("%s", a == x->ref ? "  (reference)" : "");
        if (s.rule != AN_SHARES_GIVEN && s.rule != AN_SHARES_NO_BASELINE)
            printf("  (%s: no shares)", an_shares_why(s.rule));
        if (s.unlike)
            printf("  UNLIKE (%s): does not compare", s.unlike_why);
        printf("\n");
    }
}

/* Text: throughput per node at each k, by occupancy fraction. */
static void print_by_k(const compare_ctx *x, const an_group *key)
{
    printf("  throughput per node by k (k/cores):\n");
    for (int a = 0; a < x->np; a++) {
        const an_group *sg = an_find_group(x->g[a], x->ng[a], key->kernel, key->placement);
        if (!sg)
            continue;
        int cores = an_cores(&x->files[a]);
        printf("    %-20.20s", x->files[a].label);
        for (size_t r = 0; r < sg->nrows; r++)
            printf(" %d(%.2f):%.4g", sg->rows[r].k, cores ? (double)sg->rows[r].k / cores : NAN,
                   sg->rows[r].throughput);
        printf("\n");
    }
}

static void print_group(const compare_ctx *x, const an_group *key)
{
    const an_group *rg =
        x->ref >= 0 ? an_find_group(x->g[x->ref], x->ng[x->ref], key->kernel, key->placement)
                    : NULL;
    if (x->fmt == AN_TEXT)
        printf("\n== %s / %s ==\n%-20s %6s %6s %11s %6s %6s %6s %6s %7s %7s %7s %7s %7s "
               "%8s\n",
               key->kernel, key->placement, "site", "cores", "k", "thr/node/s", "eff", "knee",
               "k/cor", "GHz", "clock%", "cycle%", "block%", "sched%", "offcpu%",
               rg ? "thr/ref" : "");
    print_site_rows(x, key, rg);
    if (x->fmt == AN_TEXT)
        print_by_k(x, key);
}

static void print_compare(const compare_ctx *x)
{
    if (x->fmt == AN_CSV)
        printf(
            "file,site,kernel,placement,cores,k_full,throughput_full,efficiency_full,knee,"
            "knee_fraction,clock_ghz_full,clock_share,cycles_share,blocked_share,"
            "scheduler_share,other_offcpu_share,throughput_ratio,efficiency_ratio,fom_throughput,"
            "fom_ratio,fom_in_geomean,fom_geomean,fom_kernels,shares_note,unlike\n");
    /* every (kernel, placement) of any file, in first-seen order */
    for (int i = 0; i < x->np; i++)
        for (size_t j = 0; j < x->ng[i]; j++) {
            const an_group *key = &x->g[i][j];
            int seen = 0;
            for (int a = 0; a < i && !seen; a++)
                seen = an_find_group(x->g[a], x->ng[a], key->kernel, key->placement) != NULL;
            if (!seen)
                print_group(x, key);
        }
    if (x->fmt == AN_TEXT) {
        fom_print_text(&x->fom, x->files);
        if (x->unlike[0])
            printf("UNLIKE FILES (--force): %s: the ratios and geometric means above compare "
                   "unlike things and are not a result\n",
                   x->unlike);
    }
}

int an_cmd_compare(int argc, char **argv, const an_shared *sh)
{
    compare_ctx x = {.fmt = sh->format};
    char **paths = calloc((size_t)argc + 2, sizeof *paths);
    int rc = paths ? compare_args(argc, argv, paths, &x.np, &x.ref, &x.force)
                   : an_bad("compare: out of memory");
    if (rc != AN_OK) {
        free(paths);
        return rc;
    }
    x.files = calloc((size_t)x.np, sizeof *x.files);
    if ((rc = an_load_all(paths, x.np, x.files))) {
        free(x.files);
        free(paths);
        return rc;
    }
    /* the bootstrap intervals decide whether a slowdown has shares (shares.c) */
    an_opts o = {.nboot = sh->nboot > 0 ? sh->nboot : 200, .min_reps = 1, .baseline = 1, .warn = 0};
    if (an_analyse_all(x.files, x.np, &o, &x.g, &x.ng) < 0 ||
        fom_build(&x.fom, x.files, x.g, x.ng, x.np, x.ref) < 0)
        rc = an_bad("compare: out of memory");
    if (rc != AN_OK ||
        an_first_unlike(x.files, x.np, x.ref >= 0 ? x.ref : 0, x.unlike, sizeof x.unlike) < 0)
        x.unlike[0] = '\0';
    if (x.unlike[0] && !x.force)
        rc = an_bad("compare: %s: their throughputs do not compare (accepted: files of one "
                    "schema, preset and kernel options; --force compares them anyway and marks "
                    "every such row)",
                    x.unlike);
    if (rc == AN_OK) {
        fom_warn(&x.fom, x.files);
        if (x.unlike[0])
            fprintf(stderr, "warning: --force: comparing unlike files: %s\n", x.unlike);
        print_compare(&x);
    }
    fom_free(&x.fom);
    an_release_all(x.files, x.g, x.ng, x.np);
    free(paths);
    return rc;
}
