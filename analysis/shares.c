/* The one rule for a term's share of a slowdown (analyze.h: "shares.c"),
 * used by summary, compare, the report's table and sentences and their
 * CSV: a share is given only where there is a slowdown to share. A
 * slowdown whose 95% interval includes zero is noise, and so is one under
 * AN_SHARE_FLOOR of the baseline's time per repetition: dividing a term by
 * it gives "229% scheduler, -89% cycles" for a change that is not there.
 * The terms in seconds (with their intervals) are printed in every case. */
#include <math.h>

#include "analysis/analyze.h"

const an_row *an_baseline_row(const an_group *g)
{
    for (size_t i = 0; i < g->nrows; i++)
        if (g->rows[i].k == g->baseline_k)
            return &g->rows[i];
    return NULL;
}

an_share_rule an_shares_rule(const an_row *r, const an_row *base)
{
    double s = r->terms.point.v[DC_SLOWDOWN];
    if (!base || r == base || !isfinite(s) || !isfinite(base->lvl.T) || base->lvl.T <= 0)
        return AN_SHARES_NO_BASELINE;
    double lo = r->terms.lo.v[DC_SLOWDOWN], hi = r->terms.hi.v[DC_SLOWDOWN];
    if (!(isfinite(lo) && isfinite(hi)) || (lo <= 0 && hi >= 0))
        return AN_SHARES_INTERVAL_HAS_ZERO;
    if (s < 0)
        return AN_SHARES_FASTER;
    if (s < AN_SHARE_FLOOR * base->lvl.T)
        return AN_SHARES_BELOW_FLOOR;
    return AN_SHARES_GIVEN;
}

const char *an_shares_why(an_share_rule rule)
{
    switch (rule) {
    case AN_SHARES_GIVEN:
        return "";
    case AN_SHARES_NO_BASELINE:
        return "no slowdown measured against a baseline";
    case AN_SHARES_INTERVAL_HAS_ZERO:
        return "no significant slowdown: its 95% interval includes zero";
    case AN_SHARES_FASTER:
        return "no slowdown: faster than at the baseline";
    case AN_SHARES_BELOW_FLOOR:
        return "no significant slowdown: under 2% of the baseline's time";
    }
    return "";
}

/* The short form for a CSV column. */
const char *an_shares_code(an_share_rule rule)
{
    static const char *const codes[] = {"", "no_baseline", "interval_includes_zero", "faster",
                                        "under_floor"};
    return rule >= AN_SHARES_GIVEN && rule <= AN_SHARES_BELOW_FLOOR ? codes[rule] : "";
}

double an_term_share(const an_row *r, const an_row *base, int term)
{
    if (an_shares_rule(r, base) != AN_SHARES_GIVEN || term <= DC_SLOWDOWN || term >= DC_NTERMS)
        return NAN;
    double v = r->terms.point.v[term];
    return isfinite(v) ? v / r->terms.point.v[DC_SLOWDOWN] : NAN;
}
