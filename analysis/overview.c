/* The answer first: per kernel and placement, the efficiency at the top k
 * and the lost throughput split into the slowdown's terms, in numbers and
 * in one sentence (the overview of occbench-analyze plot). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/analyze.h"

/* What each term means to a site, for the sentence. */
static const char *const term_words[DC_NTERMS] = {
    "slowdown", "clock", "cache/memory", "I/O", "scheduler", "other off-CPU",
};

an_overview an_overview_of(const an_group *g)
{
    an_overview o;
    memset(&o, 0, sizeof o);
    o.group = g;
    o.knee = g->knee;
    o.throughput = o.efficiency = NAN;
    for (int t = 0; t < DC_NTERMS; t++)
        o.lost[t] = NAN;
    if (!g->nrows)
        return o;
    const an_row *r = &g->rows[g->nrows - 1];
    o.k = r->k;
    o.throughput = r->throughput;
    o.efficiency = r->efficiency;
    /* The throughput lost against linear, 1 - efficiency, shared out in the
     * proportions of the terms of the time per repetition: the terms add up
     * to T(k) - T(1), and with throughput = k / T(k) the loss is
     * (T(k) - T(1)) / T(k), so each term's share of it is term / slowdown. */
    double loss = 1.0 - o.efficiency;
    const an_row *base = an_baseline_row(g);
    const an_step *bs = base ? an_step_of(g->file, g->kernel, g->placement, base->k) : NULL;
    o.base_parked = bs ? an_step_parked_util(g->file, (int)bs->attr.step) : NAN;
    o.base_steal = base ? base->node_steal : NAN;
    o.rule = an_shares_rule(r, base);
    if (o.rule == AN_SHARES_GIVEN && isfinite(loss)) {
        o.lost[DC_SLOWDOWN] = loss;
        for (int t = DC_CLOCK; t < DC_NTERMS; t++)
            o.lost[t] = loss * an_term_share(r, base, t);
    }
    return o;
}

/* What the monitor saw during the baseline step: whether a slow k=1 can be
 * blamed on the node (busy parked cores, steal) or not. */
static void baseline_evidence(const an_overview *o, char *out, size_t len)
{
    if (!isfinite(o->base_parked)) {
        snprintf(out, len, " (a disturbed baseline? the file has no monitor samples of it)");
        return;
    }
    double steal = isfinite(o->base_steal) ? o->base_steal : 0;
    int quiet = o->base_parked <= 0.05 && steal <= 0.01;
    snprintf(out, len,
             " (during k=1 the parked cores were %.1f%% busy and the hypervisor stole %.1f%%: %s)",
             100 * o->base_parked, 100 * steal,
             quiet ? "the node looked quiet, so the baseline itself ran slow"
                   : "the node was not quiet: a disturbed baseline");
}

void an_overview_sentence(const an_overview *o, char *out, size_t len)
{
    const an_group *g = o->group;
    int n = snprintf(out, len, "%s (%s): ", g->kernel, g->placement);
    if (n < 0 || (size_t)n >= len)
        return;
    size_t used = (size_t)n;
    if (!isfinite(o->efficiency)) {
        snprintf(out + used, len - used, "no efficiency (no k=1 step to compare with)");
        return;
    }
    used += (size_t)snprintf(out + used, len - used, "%.2f of linear at %d ranks per node",
                             o->efficiency, o->k);
    if (used >= len)
        return;
    /* the share rule (shares.c) decides, not the efficiency alone: 1.04 of
     * linear within the noise is no speed-up */
    if (o->rule == AN_SHARES_FASTER) {
        used += (size_t)snprintf(out + used, len - used,
                                 "; above linear beyond its noise: k=1 ran slower than each of "
                                 "these k ranks");
        if (used < len)
            baseline_evidence(o, out + used, len - used);
        return;
    }
    if (o->rule != AN_SHARES_GIVEN) {
        snprintf(out + used, len - used, "; %s", an_shares_why(o->rule));
        return;
    }
    if (!isfinite(o->lost[DC_SLOWDOWN])) {
        snprintf(out + used, len - used, "; the loss has no measured split");
        return;
    }
    /* the terms by signed size; those under 1% of the loss either way are
     * left out. A negative one (the clock rose, fewer cycles) was a gain: it
     * is said, so the shares said add up to the whole loss. */
    int order[DC_NTERMS], m = 0;
    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
        if (isfinite(o->lost[t]) && fabs(o->lost[t]) >= 0.01 * o->lost[DC_SLOWDOWN])
            order[m++] = t;
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && o->lost[order[j]] > o->lost[order[j - 1]]; j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    /* shares of linear throughput, as the table gives them (they add up to
     * 1 - efficiency) */
    used += (size_t)snprintf(out + used, len - used, "; lost (of linear):");
    for (int i = 0; i < m && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s %.1f%% %s%s", i ? "," : "",
                                 100.0 * o->lost[order[i]], term_words[order[i]],
                                 o->lost[order[i]] < 0 ? " (a gain)" : "");
    if (m == 0 && used < len)
        snprintf(out + used, len - used, " no term above 1%%");
}
