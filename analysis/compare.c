/* The compare verb: sites side by side, by k and by k/cores (core counts
 * may differ), with ratios to a --reference file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

typedef struct site_figures {
    int cores, kfull, knee;
    double thr_full, eff_full, ghz_full, share[DC_NTERMS];
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
    double slow = r->terms.point.v[DC_SLOWDOWN];
    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
        s.share[t] = slow != 0 ? r->terms.point.v[t] / slow : NAN;
    return s;
}

static void csv_num(double v)
{
    isfinite(v) ? printf(",%.6g", v) : printf(",nan");
}

int an_cmd_compare(int argc, char **argv)
{
    an_format fmt = AN_TEXT;
    char **paths = calloc((size_t)argc + 2, sizeof *paths);
    int np = 0, ref = -1, rc = AN_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--reference")) {
            if (!v) {
                free(paths);
                return an_bad("--reference needs a results file");
            }
            if (ref >= 0) {
                free(paths);
                return an_bad("--reference given twice");
            }
            /* the reference goes first, and only once */
            memmove(paths + 1, paths, (size_t)np * sizeof *paths);
            paths[0] = argv[++i];
            ref = 0;
            np++;
        } else if (!strcmp(a, "--format")) {
            if (!v || an_parse_format(v, &fmt) < 0 || fmt == AN_JSON) {
                free(paths);
                return an_bad("--format '%s' is not one of text, csv", v ? v : "");
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            free(paths);
            return an_bad("compare: unknown option '%s' (accepted: --reference, --format)", a);
        } else
            paths[np++] = argv[i];
    }
    if (ref == 0) { /* a reference also named among the files is shown once */
        int m = 1;
        for (int i = 1; i < np; i++)
            if (strcmp(paths[i], paths[0]))
                paths[m++] = paths[i];
        np = m;
    }
    if (np < 1 || (np < 2 && ref < 0)) {
        free(paths);
        return an_bad("compare: give at least two results files (or one and --reference FILE)");
    }
    an_file *files = calloc((size_t)np, sizeof *files);
    if ((rc = an_load_all(paths, np, files))) {
        free(files);
        free(paths);
        return rc;
    }
    an_opts o = {0, 0, 1, 0};
    an_group **g;
    size_t *ng;
    if (an_analyse_all(files, np, &o, &g, &ng) < 0) {
        an_release_all(files, g, ng, np);
        free(paths);
        return an_bad("compare: out of memory");
    }

    if (fmt == AN_CSV)
        printf("file,site,kernel,placement,cores,k_full,throughput_full,efficiency_full,knee,"
               "knee_fraction,clock_ghz_full,clock_share,cycles_share,blocked_share,"
               "scheduler_share,residual_share,throughput_ratio,efficiency_ratio\n");
    /* every (kernel, placement) of any file, in first-seen order */
    for (int i = 0; i < np; i++)
        for (size_t j = 0; j < ng[i]; j++) {
            const an_group *key = &g[i][j];
            int seen = 0;
            for (int a = 0; a < i && !seen; a++)
                seen = an_find_group(g[a], ng[a], key->kernel, key->placement) != NULL;
            if (seen)
                continue;
            const an_group *rg =
                ref >= 0 ? an_find_group(g[ref], ng[ref], key->kernel, key->placement) : NULL;
            site_figures rf = rg ? figures_of(rg) : (site_figures){0};
            if (fmt == AN_TEXT)
                printf("\n== %s / %s ==\n%-20s %6s %6s %11s %6s %6s %6s %6s %7s %7s %7s %7s %7s "
                       "%8s\n",
                       key->kernel, key->placement, "site", "cores", "k", "thr/node/s", "eff",
                       "knee", "k/cor", "GHz", "clock%", "cycle%", "block%", "sched%", "resid%",
                       rg ? "thr/ref" : "");
            for (int a = 0; a < np; a++) {
                const an_group *sg = an_find_group(g[a], ng[a], key->kernel, key->placement);
                if (!sg)
                    continue;
                site_figures s = figures_of(sg);
                double ratio = rg ? s.thr_full / rf.thr_full : NAN;
                double eratio = rg ? s.eff_full / rf.eff_full : NAN;
                double kf = s.knee && s.cores ? (double)s.knee / s.cores : NAN;
                if (fmt == AN_CSV) {
                    printf("%s,%s,%s,%s,%d,%d", files[a].path, files[a].label, key->kernel,
                           key->placement, s.cores, s.kfull);
                    csv_num(s.thr_full);
                    csv_num(s.eff_full);
                    printf(",%d", s.knee);
                    csv_num(kf);
                    csv_num(s.ghz_full);
                    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
                        csv_num(s.share[t]);
                    csv_num(ratio);
                    csv_num(eratio);
                    printf("\n");
                } else {
                    printf("%-20.20s %6d %6d %11.4g %6.3f %6d %6.2f %6.2f", files[a].label, s.cores,
                           s.kfull, s.thr_full, s.eff_full, s.knee, kf, s.ghz_full);
                    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
                        printf(" %7.1f", 100.0 * s.share[t]);
                    if (rg)
                        printf(" %8.3f", ratio);
                    printf("%s\n", a == ref ? "  (reference)" : "");
                }
            }
            if (fmt == AN_TEXT) { /* by occupancy fraction: throughput per node at each k */
                printf("  throughput per node by k (k/cores):\n");
                for (int a = 0; a < np; a++) {
                    const an_group *sg = an_find_group(g[a], ng[a], key->kernel, key->placement);
                    if (!sg)
                        continue;
                    int cores = an_cores(&files[a]);
                    printf("    %-20.20s", files[a].label);
                    for (size_t r = 0; r < sg->nrows; r++)
                        printf(" %d(%.2f):%.4g", sg->rows[r].k,
                               cores ? (double)sg->rows[r].k / cores : NAN, sg->rows[r].throughput);
                    printf("\n");
                }
            }
        }
    an_release_all(files, g, ng, np);
    free(paths);
    return AN_OK;
}
