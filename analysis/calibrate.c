/* occbench-analyze calibrate FILE: does the decomposition put known,
 * injected contention where it belongs, on this node? A file from
 * occbench --calibrate holds, per kernel, a k=1 step without injection
 * ("none") and one per injection (the step's placement name); each
 * injection must land in its own term:
 *   cpu_hog -> scheduler, streamers -> cycles, fsync_writer -> blocked,
 *   clock_cap -> clock
 * PASS when that term holds at least 80% of a slowdown above 3% of the
 * baseline, FAIL when it holds less; an injection that slowed the kernel by
 * less than 3% had NO EFFECT (it contended for nothing this kernel needs
 * here, so it proves nothing either way); one that could not run says why
 * (/system attribute calibration_<injection>). Exit 0 when at least one
 * passed and none failed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"

#define PASS_SHARE 0.80
#define MIN_SLOWDOWN 0.03 /* of the baseline: below it the injection did not contend */

static const struct {
    const char *name;
    int term;
} injections[] = {
    {"cpu_hog", DC_SCHED},
    {"streamers", DC_CYCLES},
    {"fsync_writer", DC_BLOCKED},
    {"clock_cap", DC_CLOCK},
};
enum { NINJECTIONS = sizeof injections / sizeof injections[0] };

static const an_step *find_step(const an_file *f, const char *kernel, const char *placement)
{
    for (size_t i = 0; i < f->nsteps; i++)
        if (f->steps[i].k == 1 && !strcmp(f->steps[i].kernel, kernel) &&
            !strcmp(f->steps[i].placement, placement))
            return &f->steps[i];
    return NULL;
}

static void judge(an_calibration *c, const an_step *base, const an_step *inj, int nboot)
{
    size_t nb, nk;
    dc_cycles_source s;
    dc_cpu_source cpu;
    dc_rep *rb = an_step_reps(base, &nb, &s, &cpu), *rk = an_step_reps(inj, &nk, &s, &cpu);
    c->terms = dc_decompose_ci(rb, nb, rk, nk, nboot, 0xca11b8a7eULL);
    c->T0 = dc_level_of(rb, nb).T;
    free(rb);
    free(rk);
    double slow = c->terms.point.v[DC_SLOWDOWN];
    c->share = slow != 0 ? c->terms.point.v[c->expected] / slow : NAN;
    if (!(slow > MIN_SLOWDOWN * c->T0))
        snprintf(c->why, sizeof c->why,
                 "no slowdown above %.0f%% of the baseline (%+.2f%%): the injection did not "
                 "contend with this kernel here",
                 100 * MIN_SLOWDOWN, 100 * slow / c->T0);
    else if (!(c->share >= PASS_SHARE))
        snprintf(c->why, sizeof c->why, "%s holds %.1f%% of the slowdown (needs %.0f%%)",
                 dc_term_names[c->expected], 100 * c->share, 100 * PASS_SHARE);
    c->pass = !c->why[0];
    c->no_effect = !(slow > MIN_SLOWDOWN * c->T0);
}

size_t an_calibrations(const an_file *f, int nboot, an_calibration **out)
{
    *out = calloc(NINJECTIONS, sizeof **out);
    size_t n = 0;
    for (int i = 0; *out && i < NINJECTIONS; i++) {
        char key[96];
        snprintf(key, sizeof key, "calibration_%s", injections[i].name);
        const char *status = an_sys_get(f, key);
        const an_step *inj = NULL, *base = NULL;
        for (size_t s = 0; s < f->nsteps && !inj; s++)
            if (f->steps[s].k == 1 && !strcmp(f->steps[s].placement, injections[i].name))
                inj = &f->steps[s];
        if (!status && !inj)
            continue; /* not a calibration file, or not this injection */
        an_calibration *c = &(*out)[n++];
        snprintf(c->injection, sizeof c->injection, "%s", injections[i].name);
        c->expected = injections[i].term;
        if (inj) {
            snprintf(c->kernel, sizeof c->kernel, "%s", inj->kernel);
            base = find_step(f, inj->kernel, "none");
        }
        if (!inj || !base) {
            const char *why = status && strncmp(status, "ran", 3) ? status
                              : !inj ? "its step is not in the file (interrupted run?)"
                                     : "the kernel's baseline step (none) is missing";
            if (!strncmp(why, "not run: ", 9))
                why += 9;
            snprintf(c->why, sizeof c->why, "%s", why);
            continue;
        }
        c->ran = 1;
        judge(c, base, inj, nboot);
    }
    return n;
}

static void print_split(const an_calibration *c)
{
    double s = c->terms.point.v[DC_SLOWDOWN];
    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
        if (isfinite(c->terms.point.v[t]))
            printf(" %s %+.1f%%", dc_term_names[t], 100 * c->terms.point.v[t] / s);
}

int an_cmd_calibrate(int argc, char **argv, const an_shared *sh)
{
    int nboot = sh->nboot;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            return an_bad("calibrate: unknown option '%s' (accepted: --boot N)", argv[i]);
        else if (path)
            return an_bad("calibrate: one file at a time (got %s and %s)", path, argv[i]);
        else
            path = argv[i];
    }
    if (!path)
        return an_bad("calibrate: no results file given (usage: calibrate FILE [--boot N])");
    an_file f;
    char err[1024];
    if (an_load(path, &f, err, sizeof err) != 0)
        return an_bad("%s", err);
    an_calibration *c;
    size_t n = an_calibrations(&f, nboot, &c);
    if (n == 0) {
        free(c);
        an_free(&f);
        return an_bad("%s: no calibration in this file (make one with occbench --calibrate)", path);
    }
    printf("calibration of %s: each injection's share of the slowdown in its expected term\n",
           f.label);
    printf("%-13s %-6s %12s %9s  %-10s %7s  %s\n", "injection", "kernel", "slowdown_s", "of T0",
           "expected", "share", "verdict and observed split");
    int ran = 0, failed = 0, passed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].ran) {
            printf("%-13s %-6s %12s %9s  %-10s %7s  NOT RUN: %s\n", c[i].injection,
                   c[i].kernel[0] ? c[i].kernel : "-", "-", "-", dc_term_names[c[i].expected], "-",
                   c[i].why);
            continue;
        }
        ran++;
        failed += !c[i].pass && !c[i].no_effect;
        passed += c[i].pass;
        double s = c[i].terms.point.v[DC_SLOWDOWN];
        printf("%-13s %-6s %+12.4g %+8.1f%%  %-10s %6.1f%%  %s", c[i].injection, c[i].kernel, s,
               100 * s / c[i].T0, dc_term_names[c[i].expected], 100 * c[i].share,
               c[i].pass        ? "PASS:"
               : c[i].no_effect ? "NO EFFECT:"
                                : "FAIL:");
        print_split(&c[i]);
        printf("%s%s\n", c[i].pass ? "" : "; ", c[i].pass ? "" : c[i].why);
    }
    printf("%d of %d injections that ran passed, %d failed, %d had no effect here (they prove "
           "nothing either way)\n",
           passed, ran, failed, ran - passed - failed);
    free(c);
    an_free(&f);
    return passed > 0 && failed == 0 ? AN_OK : AN_FAIL;
}
