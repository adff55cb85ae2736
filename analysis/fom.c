/* The figure of merit of `compare` (docs/PROCUREMENT.md), in the spirit of
 * SPECrate: per kernel, throughput per node at full occupancy (k = cores,
 * compact placement) relative to a reference file; over kernels, the
 * geometric mean of those ratios. Pure arithmetic on the analysed tables,
 * no HDF5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"

double an_geomean(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double sum_log = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || x[i] <= 0)
            return NAN;
        sum_log += log(x[i]);
    }
    return exp(sum_log / (double)n);
}

/* Compact: at k = cores both placements occupy every core and differ only
 * in which rank sits where, so the choice hardly matters there; compact is
 * how a batch system packs jobs, and a fixed choice (rather than the better
 * of the two) keeps run-to-run noise from picking the placement. */
const char *const an_fom_placement = "compact";

double an_fom_throughput(const an_group *g, size_t ng, const char *kernel, int cores, char *why,
                         size_t whylen)
{
    int in_file = 0;
    for (size_t i = 0; i < ng && !in_file; i++)
        in_file = !strcmp(g[i].kernel, kernel);
    if (!in_file) {
        snprintf(why, whylen, "kernel not in the file");
        return NAN;
    }
    const an_group *grp = an_find_group(g, ng, kernel, an_fom_placement);
    if (!grp) {
        snprintf(why, whylen, "no %s placement", an_fom_placement);
        return NAN;
    }
    if (cores < 1) {
        snprintf(why, whylen, "core count unknown");
        return NAN;
    }
    int kmax = 0;
    for (size_t r = 0; r < grp->nrows; r++) {
        const an_row *row = &grp->rows[r];
        kmax = row->k > kmax ? row->k : kmax;
        if (row->k != cores)
            continue;
        if (!row->valid) {
            snprintf(why, whylen, "%s step at k=%d failed verification", an_fom_placement, cores);
            return NAN;
        }
        if (!isfinite(row->throughput) || row->throughput <= 0) {
            snprintf(why, whylen, "no throughput at k=%d", cores);
            return NAN;
        }
        *why = 0;
        return row->throughput;
    }
    snprintf(why, whylen, "largest %s k=%d, node has %d cores", an_fom_placement, kmax, cores);
    return NAN;
}

int an_fom(const double *thr, int nfiles, int nkernels, int ref, double *ratio, int *in_mean,
           double *geomean)
{
    int ncommon = 0;
    for (int k = 0; k < nkernels; k++) {
        in_mean[k] = 1;
        for (int f = 0; f < nfiles; f++)
            in_mean[k] &= isfinite(thr[f * nkernels + k]) && thr[f * nkernels + k] > 0;
        ncommon += in_mean[k];
    }
    double *common = malloc((size_t)(nkernels > 0 ? nkernels : 1) * sizeof *common);
    if (!common)
        return -1;
    for (int f = 0; f < nfiles; f++) {
        int n = 0;
        for (int k = 0; k < nkernels; k++) {
            double r = thr[f * nkernels + k] / thr[ref * nkernels + k];
            ratio[f * nkernels + k] = isfinite(r) && r > 0 ? r : NAN;
            if (in_mean[k])
                common[n++] = ratio[f * nkernels + k];
        }
        geomean[f] = an_geomean(common, (size_t)n);
    }
    free(common);
    return ncommon;
}
