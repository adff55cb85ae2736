/* The validate verb: the run rules of a reportable (procurement) result.
 * Each rule is named, passes or fails, and a failure names the offending
 * value. Exit 0 only when every rule passes. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"

typedef struct vopts {
    int min_reps;
    double max_spread, max_parked, min_window;
} vopts;

/* The bounds of a reportable result (the options' defaults): minimum
 * repetitions, k=1 spread, parked busy fraction, window in seconds. */
static const vopts default_bounds = {5, 0.05, 0.05, 3.0};

/* Timer steps the shortest repetition must last (STREAM asks for 20 ticks;
 * 100 keeps the timer's share of any repetition below 1%). */
enum { MIN_TICKS = 100 };

typedef struct verdict {
    int pass;
    char detail[512];
} verdict;

#define FAILF(v, ...)                                                                              \
    do {                                                                                           \
        (v)->pass = 0;                                                                             \
        snprintf((v)->detail, sizeof(v)->detail, __VA_ARGS__);                                     \
    } while (0)

static void rule_complete(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    if (!f->complete)
        FAILF(v, "complete=%s (the run did not end normally; %zu unfinished step(s))",
              f->has_complete ? "0" : "absent", f->unfinished);
    else
        snprintf(v->detail, sizeof v->detail, "complete=1");
    /* kept after SIGTERM with its minimum repetitions, but a shorter window
     * than the run's: a resumed run does not redo it */
    for (size_t i = 0; v->pass && i < f->nsteps; i++)
        if (f->steps[i].attr.cut_short)
            FAILF(v, "%s/%s k=%d was cut short by SIGTERM (window %.3g s)", f->steps[i].kernel,
                  f->steps[i].placement, f->steps[i].k, f->steps[i].attr.window);
}

static void rule_kernels_valid(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    snprintf(v->detail, sizeof v->detail, "%zu steps verified", f->nsteps);
    for (size_t i = 0; i < f->nsteps; i++) {
        const an_step *s = &f->steps[i];
        size_t bad = 0;
        for (size_t r = 0; r < s->nreps; r++)
            bad += !s->reps[r].ok;
        if (!s->valid || bad) {
            FAILF(v, "%s/%s k=%d: valid=%d, %zu repetition(s) not verified%s%s", s->kernel,
                  s->placement, s->k, s->valid, bad, *s->attr.reason ? ": " : "", s->attr.reason);
            return;
        }
    }
    if (f->nsteps == 0)
        FAILF(v, "no finished steps");
}

static int step_nodes(const an_step *s)
{
    int n = 0;
    for (size_t i = 0; i < s->nreps; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = s->reps[j].node == s->reps[i].node;
        n += !seen;
    }
    return n;
}

static void rule_full_ladder(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    int cores = an_cores(f), nodes = f->nhosts;
    snprintf(v->detail, sizeof v->detail, "every kernel/placement reached k=%d cores", cores);
    for (size_t i = 0; i < f->nsteps; i++) {
        const an_step *s = &f->steps[i];
        int kmax = 0;
        const an_step *top = NULL;
        for (size_t j = 0; j < f->nsteps; j++)
            if (!strcmp(f->steps[j].kernel, s->kernel) &&
                !strcmp(f->steps[j].placement, s->placement) && f->steps[j].k > kmax) {
                kmax = f->steps[j].k;
                top = &f->steps[j];
            }
        /* a job of --job-cores N counts jobs: the full node is cores / N of them */
        int width = top->attr.job_cores > 1 ? top->attr.job_cores : 1;
        if (kmax * width < cores) {
            FAILF(v, "%s/%s: largest k=%d (%d core(s) each), node has %d cores", s->kernel,
                  s->placement, kmax, width, cores);
            return;
        }
        if (nodes > 0 && step_nodes(top) < nodes) {
            FAILF(v, "%s/%s k=%d: records from %d of %d nodes", s->kernel, s->placement, kmax,
                  step_nodes(top), nodes);
            return;
        }
    }
    if (f->nsteps == 0)
        FAILF(v, "no finished steps");
}

static int has_step(const an_file *f, const char *kernel, const char *placement)
{
    for (size_t i = 0; i < f->nsteps; i++)
        if (!strcmp(f->steps[i].kernel, kernel) && !strcmp(f->steps[i].placement, placement))
            return 1;
    return 0;
}

static void rule_both_placements(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    snprintf(v->detail, sizeof v->detail, "compact and spread for every kernel");
    for (size_t i = 0; i < f->nsteps; i++) {
        const char *k = f->steps[i].kernel;
        if (!has_step(f, k, "compact") || !has_step(f, k, "spread")) {
            FAILF(v, "kernel %s: missing placement %s", k,
                  has_step(f, k, "compact") ? "spread" : "compact");
            return;
        }
    }
}

static int compare_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* A step's active ranks (those with records) and the fewest counted
 * repetitions (rep >= 1) any of them has, with that rank: one sort, not a
 * scan per record (128 ranks x 100 repetitions a step). Returns -1 on OOM. */
static int count_reps(const an_step *s, int *ranks, int *fewest, int *fewest_rank)
{
    *ranks = 0;
    *fewest = INT_MAX;
    *fewest_rank = -1;
    if (s->nreps == 0)
        return 0;
    int *key = malloc(s->nreps * sizeof *key); /* rank * 2 + counted */
    if (!key)
        return -1;
    for (size_t r = 0; r < s->nreps; r++)
        key[r] = s->reps[r].rank * 2 + (s->reps[r].rep >= 1);
    qsort(key, s->nreps, sizeof *key, compare_int);
    for (size_t r = 0; r < s->nreps;) {
        int rank = key[r] / 2, n = 0;
        for (; r < s->nreps && key[r] / 2 == rank; r++)
            n += key[r] % 2;
        ++*ranks;
        if (n < *fewest) {
            *fewest = n;
            *fewest_rank = rank;
        }
    }
    free(key);
    return 0;
}

static void rule_min_reps(const an_file *f, const vopts *o, verdict *v)
{
    snprintf(v->detail, sizeof v->detail, "every active rank >= %d counted repetitions",
             o->min_reps);
    const char *nodes_text = an_sys_get(f, "nodes");
    int nodes = nodes_text && atoi(nodes_text) > 0 ? atoi(nodes_text) : 1;
    if (f->nsteps == 0) {
        FAILF(v, "no finished steps: no repetitions to count");
        return;
    }
    for (size_t i = 0; i < f->nsteps; i++) {
        const an_step *s = &f->steps[i];
        int ranks, fewest, fewest_rank;
        if (count_reps(s, &ranks, &fewest, &fewest_rank) != 0) {
            FAILF(v, "out of memory counting repetitions");
            return;
        }
        /* a rank without any record has 0 repetitions: count the ranks too */
        if (ranks < s->k * nodes) {
            FAILF(v, "%s/%s k=%d: %d active rank(s) have repetitions, expected %d (%d per node)",
                  s->kernel, s->placement, s->k, ranks, s->k * nodes, s->k);
            return;
        }
        if (fewest < o->min_reps) {
            FAILF(v, "%s/%s k=%d rank %d: %d counted repetitions (minimum %d)", s->kernel,
                  s->placement, s->k, fewest_rank, fewest, o->min_reps);
            return;
        }
    }
}

static void rule_k1_spread(const an_file *f, const vopts *o, verdict *v)
{
    double worst = 0;
    snprintf(v->detail, sizeof v->detail, "no k=1 step");
    v->pass = 0;
    for (size_t i = 0; i < f->nsteps; i++) {
        const an_step *s = &f->steps[i];
        if (s->k != 1)
            continue;
        double *w = malloc((s->nreps + 1) * sizeof *w);
        size_t n = 0;
        for (size_t r = 0; r < s->nreps; r++)
            if (s->reps[r].rep >= 1)
                w[n++] = s->reps[r].s.wall;
        double spread = (ob_percentile(w, n, 90) - ob_percentile(w, n, 10)) / ob_median(w, n);
        free(w);
        if (!isfinite(spread) || spread > o->max_spread) {
            FAILF(v, "%s/%s k=1: repetition time spread (p90-p10)/median = %.3g (bound %.3g)",
                  s->kernel, s->placement, spread, o->max_spread);
            return;
        }
        if (spread >= worst) {
            worst = spread;
            v->pass = 1;
            snprintf(v->detail, sizeof v->detail,
                     "largest (p90-p10)/median at k=1: %.3g (bound %.3g)", worst, o->max_spread);
        }
    }
}

/* Mean busy fraction of the parked cores of one node's monitor over the
 * samples of `step`; 0 when there are none. */
static double parked_util(const an_monitor *mon, int step)
{
    double sum = 0;
    int n = 0;
    for (size_t j = 0; j < mon->n; j++)
        if (mon->s[j].step == step && isfinite(mon->s[j].util_parked)) {
            sum += mon->s[j].util_parked;
            n++;
        }
    return n ? sum / n : 0;
}

double an_step_parked_util(const an_file *f, int step)
{
    double worst = NAN;
    for (size_t m = 0; m < f->nmon; m++) {
        int seen = 0;
        for (size_t j = 0; j < f->mon[m].n && !seen; j++)
            seen = f->mon[m].s[j].step == step;
        double u = seen ? parked_util(&f->mon[m], step) : NAN;
        if (isfinite(u) && !(u <= worst))
            worst = u;
    }
    return worst;
}

static void rule_node_quiet(const an_file *f, const vopts *o, verdict *v)
{
    if (f->nmon == 0) {
        FAILF(v, "no monitor series in the file: cannot show the parked cores were idle");
        return;
    }
    double worst = 0;
    for (size_t m = 0; m < f->nmon; m++) {
        const an_monitor *mon = &f->mon[m];
        for (size_t i = 0; i < mon->n; i++) {
            int step = mon->s[i].step;
            if (step < 0)
                continue;
            double mean = parked_util(mon, step);
            if (mean > o->max_parked) {
                FAILF(v, "node %d step %d: parked cores %.1f%% busy on average (bound %.1f%%)",
                      mon->node, step, 100 * mean, 100 * o->max_parked);
                return;
            }
            if (mean > worst)
                worst = mean;
        }
    }
    snprintf(v->detail, sizeof v->detail, "parked cores at most %.1f%% busy (bound %.1f%%)",
             100 * worst, 100 * o->max_parked);
}

static void rule_counters(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    int nodes = f->nhosts > 0 ? f->nhosts : 1, avail = 0, missing = 0;
    for (int n = 0; n < nodes; n++)
        for (int m = 0; m < OB_METRIC_COUNT; m++) {
            const char *name = ob_metric_name((ob_metric)m);
            const an_counter *c = NULL;
            for (size_t i = 0; i < f->ncounters; i++)
                if (f->counters[i].node == n && !strcmp(f->counters[i].metric, name))
                    c = &f->counters[i];
            if (!c && ob_metric_optional((ob_metric)m))
                continue; /* a metric added after the file was written */
            if (!c) {
                FAILF(v, "node %d metric %s: no /counters row (neither an event nor a reason)", n,
                      name);
                return;
            }
            if (c->available && !*c->event) {
                FAILF(v, "node %d metric %s: available but no event named", n, name);
                return;
            }
            if (!c->available && !*c->reason) {
                FAILF(v, "node %d metric %s: missing without a reason", n, name);
                return;
            }
            avail += c->available;
            missing += !c->available;
        }
    snprintf(v->detail, sizeof v->detail, "%d metric(s) measured, %d explicitly missing", avail,
             missing);
}

static void rule_provenance(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    struct {
        const char *name, *value;
    } need[] = {{"occbench_version", f->version},
                {"created", f->created},
                {"command", f->command},
                {"/system cpu_model", an_sys_get(f, "cpu_model")},
                {"/system topology.xml", f->topology_xml}};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!need[i].value || !*need[i].value) {
            FAILF(v, "%s is missing or empty", need[i].name);
            return;
        }
    if (f->nhosts < 1) {
        FAILF(v, "/system hostnames is missing or empty");
        return;
    }
    snprintf(v->detail, sizeof v->detail,
             "version, created, command, cpu_model, %d hostname(s), "
             "topology",
             f->nhosts);
}

/* A scale test on a synthetic topology (HWLOC_SYNTHETIC) ran every part
 * of the harness but bound nothing: its numbers describe no node. */
static void rule_real_binding(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    const char *binding = an_sys_get(f, "binding");
    if (binding && strncmp(binding, "real", 4) != 0) {
        FAILF(v, "/system binding is '%s' (%s)", binding,
              an_sys_get(f, "topology_source") ? an_sys_get(f, "topology_source") : "?");
        return;
    }
    snprintf(v->detail, sizeof v->detail, "%s",
             binding ? "ranks bound to their cores" : "no binding record (a file before 0.2)");
}

/* Only the production preset at a real window describes the production codes. */
/* The job of the launch (occbench ... -- COMMAND): its name from the
 * config's job_name field, "" when there is none. */
static void job_name_of(const an_file *f, char *out, size_t len)
{
    out[0] = '\0';
    const char *c = f->config ? strstr(f->config, "job_name=") : NULL;
    if (c && (c == f->config || c[-1] == ';'))
        snprintf(out, len, "%.*s", (int)strcspn(c + 9, ";"), c + 9);
}

/* Do only the job's steps count? Its size is its own, not the preset's. */
static int only_job(const an_file *f, const char *job)
{
    for (size_t i = 0; i < f->nsteps; i++)
        if (!*job || strcmp(f->steps[i].kernel, job))
            return 0;
    return f->nsteps > 0;
}

static void rule_production(const an_file *f, const vopts *o, verdict *v)
{
    const char *preset = an_sys_get(f, "preset"), *window = an_sys_get(f, "window_s");
    double w = window ? atof(window) : NAN;
    char job[AN_NAME_LEN];
    job_name_of(f, job, sizeof job);
    if (only_job(f, job)) {
        if (!(w >= o->min_window))
            FAILF(v, "window %s s is below the minimum %g s (occbench --window, or --budget)",
                  window ? window : "(not recorded)", o->min_window);
        else
            snprintf(v->detail, sizeof v->detail,
                     "job %s alone: the preset does not apply (the job runs at its own size), "
                     "window %g s",
                     job, w);
        return;
    }
    if (!preset || strcmp(preset, "lsst") != 0) {
        FAILF(v, "preset %s: only lsst is production-representative (occbench --preset lsst)",
              preset ? preset : "(not recorded)");
        return;
    }
    if (!(w >= o->min_window)) {
        FAILF(v, "window %s s is below the minimum %g s (occbench --window, or --budget)",
              window ? window : "(not recorded)", o->min_window);
        return;
    }
    snprintf(v->detail, sizeof v->detail, "preset lsst, window %g s (minimum %g s)", w,
             o->min_window);
}

/* As STREAM's checktick: the clock's step against the shortest repetition. */
static void rule_timer(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    const char *res_text = an_sys_get(f, "timer_resolution_s");
    double res = res_text ? atof(res_text) : NAN;
    if (!(res > 0)) {
        FAILF(v, "/system timer_resolution_s is %s (a file before 0.2 or a failing clock)",
              res_text ? res_text : "missing");
        return;
    }
    double shortest = INFINITY;
    const an_step *where = NULL;
    for (size_t i = 0; i < f->nsteps; i++)
        for (size_t r = 0; r < f->steps[i].nreps; r++)
            if (f->steps[i].reps[r].rep >= 1 && f->steps[i].reps[r].s.wall < shortest) {
                shortest = f->steps[i].reps[r].s.wall;
                where = &f->steps[i];
            }
    if (!where) {
        FAILF(v, "no counted repetition to hold against the %.3g s timer", res);
        return;
    }
    double ticks = shortest / res;
    if (ticks < MIN_TICKS) {
        FAILF(v,
              "%s/%s k=%d: shortest repetition %.3g s is %.0f ticks of the %.3g s timer "
              "(minimum %d)",
              where->kernel, where->placement, where->k, shortest, ticks, res, MIN_TICKS);
        return;
    }
    snprintf(v->detail, sizeof v->detail,
             "shortest repetition %.3g s = %.3g ticks of the %.3g s timer (minimum %d)", shortest,
             ticks, res, MIN_TICKS);
}

/* One rank per physical core on every node: fewer leaves cores idle, more
 * share cores (oversubscribed) and measure the scheduler. */
static void rule_one_rank_per_core(const an_file *f, const vopts *o, verdict *v)
{
    (void)o;
    const char *cores_t = an_sys_get(f, "cores_per_node"),
               *min_t = an_sys_get(f, "ranks_per_node_min"),
               *max_t = an_sys_get(f, "ranks_per_node_max");
    int cores = cores_t ? atoi(cores_t) : 0, lo = min_t ? atoi(min_t) : 0;
    int hi = max_t ? atoi(max_t) : lo;
    if (cores <= 0 || lo <= 0) {
        FAILF(v, "/system cores_per_node or ranks_per_node_min is not recorded");
        return;
    }
    if (hi > cores) {
        FAILF(v,
              "%d ranks on a node of %d physical cores: oversubscribed (launch one rank per "
              "core)",
              hi, cores);
        return;
    }
    if (lo < cores) {
        FAILF(v, "%d ranks on a node of %d physical cores (launch one rank per core)", lo, cores);
        return;
    }
    snprintf(v->detail, sizeof v->detail, "%d ranks on each node of %d physical cores", lo, cores);
}

typedef struct rule {
    const char *name;
    void (*check)(const an_file *, const vopts *, verdict *);
} rule;

static const rule rules[] = {{"completed", rule_complete},
                             {"kernels_validated", rule_kernels_valid},
                             {"full_ladder", rule_full_ladder},
                             {"both_placements", rule_both_placements},
                             {"min_repetitions", rule_min_reps},
                             {"k1_time_spread", rule_k1_spread},
                             {"node_quiet", rule_node_quiet},
                             {"counters_accounted", rule_counters},
                             {"provenance_complete", rule_provenance},
                             {"real_binding", rule_real_binding},
                             {"production_preset", rule_production},
                             {"timer_resolution", rule_timer},
                             {"one_rank_per_core", rule_one_rank_per_core}};

enum { NRULES = sizeof rules / sizeof rules[0] };

/* Every rule on f at bounds o, into out[NRULES]; the number that failed. */
static int run_rules(const an_file *f, const vopts *o, an_rule_result *out)
{
    int failed = 0;
    for (size_t i = 0; i < NRULES; i++) {
        verdict v = {1, ""};
        rules[i].check(f, o, &v);
        out[i].name = rules[i].name;
        out[i].pass = v.pass;
        snprintf(out[i].detail, sizeof out[i].detail, "%s", v.detail);
        failed += !v.pass;
    }
    return failed;
}

int an_validate_defaults(const an_file *f, an_rule_result *out, size_t *n)
{
    vopts o = default_bounds;
    _Static_assert(NRULES == AN_NRULES, "AN_NRULES is the rule count");
    *n = NRULES;
    return run_rules(f, &o, out);
}

int an_cmd_validate(int argc, char **argv, const an_shared *sh)
{
    vopts o = default_bounds;
    o.min_reps = sh->min_reps;
    const char *path = NULL;
    int rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--max-spread")) {
            if ((rc = an_arg_double(a, val, 0, 100, &o.max_spread)))
                return rc;
            i++;
        } else if (!strcmp(a, "--max-parked-util")) {
            if ((rc = an_arg_double(a, val, 0, 1, &o.max_parked)))
                return rc;
            i++;
        } else if (!strcmp(a, "--min-window")) {
            if ((rc = an_arg_double(a, val, 0, 1e6, &o.min_window)))
                return rc;
            i++;
        } else if (a[0] == '-' && a[1])
            return an_bad("validate: unknown option '%s' (accepted: --min-reps, --max-spread, "
                          "--max-parked-util, --min-window)",
                          a);
        else if (path)
            return an_bad("validate: one results file at a time (got '%s' and '%s')", path, a);
        else
            path = a;
    }
    if (!path)
        return an_bad("validate: no results file given");
    an_file f;
    char err[1024];
    if (an_load(path, &f, err, sizeof err) < 0)
        return an_bad("%s", err);
    printf("validate %s\n", path);
    an_rule_result res[NRULES];
    int failed = run_rules(&f, &o, res);
    for (size_t i = 0; i < NRULES; i++)
        printf("%s  %-20s %s\n", res[i].pass ? "PASS" : "FAIL", res[i].name, res[i].detail);
    size_t nrules = NRULES;
    /* a calibration file (occbench --calibrate) also answers: does the split
     * put injected contention where it belongs on this node? */
    an_calibration *cal;
    size_t ncal = an_calibrations(&f, 200, &cal);
    if (ncal > 0) {
        int ran = 0, bad = 0, good = 0;
        char detail[1024] = "";
        for (size_t i = 0; i < ncal; i++) {
            ran += cal[i].ran;
            bad += cal[i].ran && !cal[i].pass && !cal[i].no_effect;
            good += cal[i].pass;
            if (cal[i].ran && !cal[i].pass && !cal[i].no_effect && !detail[0])
                snprintf(detail, sizeof detail, "%s: %s", cal[i].injection, cal[i].why);
        }
        if (!good && !bad)
            snprintf(detail, sizeof detail, "no injection ran with an effect to attribute");
        else if (!bad)
            snprintf(detail, sizeof detail,
                     "%d of %d injections that ran landed in their term, none elsewhere "
                     "(occbench-analyze calibrate shows the split)",
                     good, ran);
        failed += bad || !good;
        nrules++;
        printf("%s  %-20s %s\n", bad || !good ? "FAIL" : "PASS", "calibration", detail);
    }
    free(cal);
    printf("%s: %d of %zu rules failed\n", failed ? "NOT REPORTABLE" : "REPORTABLE", failed,
           nrules);
    an_free(&f);
    return failed ? AN_FAIL : AN_OK;
}
