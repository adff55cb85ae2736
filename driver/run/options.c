/* Command-line parsing for occbench. Every value is checked in full
 * (strict numbers, known names) and a bad one is reported in one line that
 * names it and says what is accepted. */
#include "driver/run/options.h"

#include "driver/run/calibration.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/parse.h"
#include "occbench/records.h"

static int usage_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int usage_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OB_EXIT_USAGE;
}

static void set_defaults(ob_options *o)
{
    memset(o, 0, sizeof *o);
    o->nkernels = (int)ob_kernel_count();
    if (o->nkernels > OB_MAX_KERNELS)
        o->nkernels = OB_MAX_KERNELS;
    for (int i = 0; i < o->nkernels; i++)
        o->kernels[i] = ob_kernel_at((size_t)i);
    o->occupancy_auto = 1;
    o->placements[0] = OB_PLACE_COMPACT;
    o->placements[1] = OB_PLACE_SPREAD;
    o->nplacements = 2;
    o->preset = OB_PRESET_SMALL;
    o->window = 10.0;
    o->min_reps = 5; /* what occbench-analyze validate requires of a reportable run */
    o->probe_seconds = 0.005;
    o->sample_period = 0.5;
    o->io_dir = "/tmp";
    o->job_cores = 1;
}

static void kernel_names(char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < ob_kernel_count(); i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", i ? "," : "", ob_kernel_at(i)->name);
    }
}

static int parse_kernels(const char *value, ob_options *o, char *err, size_t errlen)
{
    char buf[1024];
    if (strlen(value) >= sizeof buf)
        return usage_error(err, errlen, "--kernels '%.40s...': list too long", value);
    strcpy(buf, value);
    if (ob_list_has_empty(value))
        return usage_error(err, errlen,
                           "--kernels '%s': an empty element (accepted: kernel names separated "
                           "by single commas)",
                           value);
    o->nkernels = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const ob_kernel *k = ob_kernel_find(tok);
        if (!k) {
            char names[512];
            kernel_names(names, sizeof names);
            return usage_error(err, errlen, "--kernels: unknown kernel '%s' (accepted: %s)", tok,
                               names);
        }
        for (int i = 0; i < o->nkernels; i++)
            if (o->kernels[i] == k)
                return usage_error(err, errlen, "--kernels: kernel '%s' given twice", tok);
        if (o->nkernels == OB_MAX_KERNELS)
            return usage_error(err, errlen, "--kernels: more than %d kernels", OB_MAX_KERNELS);
        o->kernels[o->nkernels++] = k;
    }
    if (o->nkernels == 0)
        return usage_error(err, errlen,
                           "--kernels '%s': empty list (accepted: kernel names "
                           "separated by commas)",
                           value);
    return 0;
}

static int compare_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int parse_occupancy(const char *value, ob_options *o, char *err, size_t errlen)
{
    if (strcmp(value, "auto") == 0) {
        o->occupancy_auto = 1;
        o->noccupancy = 0;
        return 0;
    }
    char buf[2048];
    if (strlen(value) >= sizeof buf)
        return usage_error(err, errlen, "--occupancy: list too long");
    strcpy(buf, value);
    if (ob_list_has_empty(value))
        return usage_error(err, errlen,
                           "--occupancy '%s': an empty element (accepted: 'auto' or positive "
                           "integers separated by single commas)",
                           value);
    o->occupancy_auto = 0;
    o->noccupancy = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long long k;
        if (ob_parse_int(tok, &k) != 0 || k < 1 || k > 1 << 20)
            return usage_error(err, errlen,
                               "--occupancy: '%s' is not a valid occupancy (accepted: 'auto' or "
                               "positive integers separated by commas, each at most the ranks "
                               "per node)",
                               tok);
        for (int i = 0; i < o->noccupancy; i++)
            if (o->occupancy[i] == (int)k)
                return usage_error(err, errlen,
                                   "--occupancy: %lld given twice (accepted: each "
                                   "occupancy once)",
                                   k);
        if (o->noccupancy == OB_MAX_LADDER)
            return usage_error(err, errlen, "--occupancy: more than %d levels", OB_MAX_LADDER);
        o->occupancy[o->noccupancy++] = (int)k;
    }
    if (o->noccupancy == 0)
        return usage_error(err, errlen,
                           "--occupancy '%s': empty list (accepted: 'auto' or a "
                           "comma-separated list of positive integers)",
                           value);
    qsort(o->occupancy, (size_t)o->noccupancy, sizeof(int), compare_int);
    int n = 1;
    for (int i = 1; i < o->noccupancy; i++)
        if (o->occupancy[i] != o->occupancy[n - 1])
            o->occupancy[n++] = o->occupancy[i];
    o->noccupancy = n;
    return 0;
}

static int parse_placement(const char *value, ob_options *o, char *err, size_t errlen)
{
    if (strcmp(value, "compact") == 0) {
        o->placements[0] = OB_PLACE_COMPACT;
        o->nplacements = 1;
    } else if (strcmp(value, "spread") == 0) {
        o->placements[0] = OB_PLACE_SPREAD;
        o->nplacements = 1;
    } else if (strcmp(value, "both") == 0) {
        o->placements[0] = OB_PLACE_COMPACT;
        o->placements[1] = OB_PLACE_SPREAD;
        o->nplacements = 2;
    } else {
        return usage_error(err, errlen,
                           "--placement: unknown placement '%s' (accepted: compact, spread, both)",
                           value);
    }
    return 0;
}

static int parse_positive_seconds(const char *opt, const char *value, double min, double *out,
                                  char *err, size_t errlen)
{
    double v;
    if (ob_parse_seconds(value, &v) != 0 || v < min || v > 86400.0 * 7)
        return usage_error(err, errlen,
                           "%s: '%s' is not a valid duration (accepted: a number >= %g with "
                           "optional unit ms, s, m or h, e.g. 10s)",
                           opt, value, min);
    *out = v;
    return 0;
}

/* An integer option within [lo, hi]; `accepted` says what is, for the refusal. */
static int parse_int_option(const char *opt, const char *value, long long lo, long long hi,
                            const char *accepted, long long *out, char *err, size_t errlen)
{
    if (ob_parse_int(value, out) != 0 || *out < lo || *out > hi)
        return usage_error(err, errlen, "%s: '%s' is not valid (accepted: %s)", opt, value,
                           accepted);
    return 0;
}

/* Options that take a value; `--name value` and `--name=value` both work. */
static const char *const valued_options[] = {"--kernels",
                                             "--occupancy",
                                             "--placement",
                                             "--preset",
                                             "--window",
                                             "--min-reps",
                                             "--output",
                                             "--site",
                                             "--io-dir",
                                             "--events",
                                             "--resume",
                                             "--probe-seconds",
                                             "--sample-period",
                                             "--kopt",
                                             "--calibrate-freq",
                                             "--budget",
                                             "--topology",
                                             "--job-name",
                                             "--job-seconds",
                                             "--job-timeout",
                                             "--job-cores",
                                             "--step-timeout",
                                             NULL};

static int takes_value(const char *name)
{
    for (int i = 0; valued_options[i]; i++)
        if (strcmp(valued_options[i], name) == 0)
            return 1;
    return 0;
}

/* --job-cores, --job-seconds, --job-timeout, --job-name. */
static int apply_job_option(const char *name, const char *value, ob_options *o, char *err,
                            size_t errlen)
{
    if (strcmp(name, "--job-cores") == 0) {
        long long n;
        if (parse_int_option(name, value, 1, 4096,
                             "an integer from 1 to 4096 that divides the node's cores", &n, err,
                             errlen) != 0)
            return OB_EXIT_USAGE;
        o->job_cores = (int)n;
        return 0;
    }
    if (strcmp(name, "--job-seconds") == 0)
        return parse_positive_seconds(name, value, 0.0, &o->job_seconds, err, errlen);
    if (strcmp(name, "--job-timeout") == 0)
        return parse_positive_seconds(name, value, 0.0, &o->job.timeout, err, errlen);
    if (value[0] == '\0')
        return usage_error(err, errlen, "%s: empty value (accepted: a non-empty string)", name);
    o->job.name = value; /* --job-name: checked once the job is known (add_job) */
    return 0;
}

static int apply_valued(const char *name, const char *value, ob_options *o, char *err,
                        size_t errlen)
{
    if (strcmp(name, "--kernels") == 0)
        return parse_kernels(value, o, err, errlen);
    if (strcmp(name, "--occupancy") == 0)
        return parse_occupancy(value, o, err, errlen);
    if (strcmp(name, "--placement") == 0)
        return parse_placement(value, o, err, errlen);
    if (strcmp(name, "--preset") == 0) {
        if (ob_preset_parse(value, &o->preset) != 0)
            return usage_error(err, errlen,
                               "--preset: unknown preset '%s' (accepted: ci, small, lsst)", value);
        return 0;
    }
    if (strcmp(name, "--window") == 0) {
        o->window_given = 1;
        return parse_positive_seconds(name, value, 0.0, &o->window, err, errlen);
    }
    if (strcmp(name, "--budget") == 0)
        return parse_positive_seconds(name, value, 60.0, &o->budget, err, errlen);
    if (strcmp(name, "--step-timeout") == 0)
        return parse_positive_seconds(name, value, 1.0, &o->step_timeout, err, errlen);
    if (strncmp(name, "--job-", 6) == 0)
        return apply_job_option(name, value, o, err, errlen);
    if (strcmp(name, "--probe-seconds") == 0)
        return parse_positive_seconds(name, value, 0.0, &o->probe_seconds, err, errlen);
    if (strcmp(name, "--sample-period") == 0)
        return parse_positive_seconds(name, value, 0.01, &o->sample_period, err, errlen);
    if (strcmp(name, "--min-reps") == 0) {
        long long n;
        if (parse_int_option(name, value, 1, 1000000, "an integer from 1 to 1000000", &n, err,
                             errlen) != 0)
            return OB_EXIT_USAGE;
        o->min_reps = (int)n;
        return 0;
    }
    if (strcmp(name, "--calibrate-freq") == 0) {
        long long khz;
        if (parse_int_option(name, value, 100000, 10000000,
                             "a clock in kHz from 100000 to 10000000, e.g. 1500000", &khz, err,
                             errlen) != 0)
            return OB_EXIT_USAGE;
        o->calibrate_khz = (long)khz;
        return 0;
    }
    if (strcmp(name, "--kopt") == 0) {
        if (o->nkopt_assign >= OB_MAX_KOPT_ARGS)
            return usage_error(err, errlen, "--kopt %s: more than %d --kopt options", value,
                               OB_MAX_KOPT_ARGS);
        if (ob_kopt_assignment_check(value, err, errlen) != 0)
            return OB_EXIT_USAGE;
        o->kopt_assign[o->nkopt_assign++] = value;
        return 0;
    }
    const char **target = NULL;
    if (strcmp(name, "--output") == 0)
        target = &o->output;
    else if (strcmp(name, "--site") == 0)
        target = &o->site;
    else if (strcmp(name, "--io-dir") == 0)
        target = &o->io_dir;
    else if (strcmp(name, "--events") == 0)
        target = &o->events;
    else if (strcmp(name, "--resume") == 0)
        target = &o->resume;
    else if (strcmp(name, "--topology") == 0)
        target = &o->topology;

    if (!target)
        return usage_error(err, errlen, "internal: unhandled option %s", name);
    if (value[0] == '\0')
        return usage_error(err, errlen, "%s: empty value (accepted: a non-empty string)", name);
    *target = value;
    return 0;
}

static int apply_flag(const char *arg, ob_options *o, char *err, size_t errlen)
{
    if (strcmp(arg, "--force") == 0)
        o->force = 1;
    else if (strcmp(arg, "--calibrate") == 0)
        o->calibrate = 1;
    else if (strcmp(arg, "--dry-run") == 0)
        o->dry_run = 1;
    else if (strcmp(arg, "--list") == 0)
        o->list = 1;
    else if (strcmp(arg, "--info") == 0)
        o->info = 1;
    else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
        o->help = 1;
    else if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0)
        o->version = 1;
    else
        return usage_error(err, errlen, "unknown option '%s' (see occbench --help)", arg);
    return 0;
}

/* Every selected kernel's option values; a --kopt naming a kernel that is
 * not selected is refused (it would silently do nothing). */
static int resolve_kernel_options(ob_options *o, char *err, size_t errlen)
{
    for (int a = 0; a < o->nkopt_assign; a++) {
        const char *v = o->kopt_assign[a];
        size_t klen = strcspn(v, ".");
        int selected = 0;
        for (int i = 0; i < o->nkernels && !selected; i++)
            selected =
                strlen(o->kernels[i]->name) == klen && !strncmp(o->kernels[i]->name, v, klen);
        if (!selected)
            return usage_error(err, errlen,
                               "--kopt %s: kernel %.*s is not in --kernels (accepted: options of "
                               "the kernels that run)",
                               v, (int)klen, v);
    }
    for (int i = 0; i < o->nkernels; i++)
        if (ob_kopts_resolve(o->kernels[i], o->kopt_assign, o->nkopt_assign, &o->kopts[i], err,
                             errlen) != 0)
            return -1;
    return 0;
}

/* --calibrate runs its own ladder: k=1 of freq (CPU hog, clock cap),
 * triad (memory streamers) and io (fsync writer), each next to a baseline
 * without injection, in the compact placement. */
static int calibration_plan(ob_options *o, int kernels_given, int occupancy_given, int preset_given,
                            char *err, size_t errlen)
{
    if (kernels_given || occupancy_given || preset_given)
        return usage_error(err, errlen,
                           "--calibrate runs its own kernels, occupancy and preset (accepted: "
                           "--calibrate without --kernels, --occupancy and --preset)");
    /* short repetitions, many per window: the sizes at which injected
     * contention shows soonest and most clearly */
    o->preset = OB_PRESET_CI;
    o->nkernels = ob_calibration_kernels(o->kernels, OB_MAX_KERNELS);
    if (o->nkernels < 1)
        return usage_error(err, errlen, "--calibrate: its kernel list names an unknown kernel");
    o->occupancy_auto = 0;
    o->occupancy[0] = 1;
    o->noccupancy = 1;
    o->placements[0] = OB_PLACE_COMPACT;
    o->nplacements = 1;
    return 0;
}

/* A job's name names its step groups (/steps/NAME/...), tables and log
 * files: 1..31 of [A-Za-z0-9_.-], not "." or "..", no built-in kernel's. */
static int check_job_name(const char *name, const char *origin, char *err, size_t errlen)
{
    size_t n = strlen(name);
    int ok = n > 0 && n < 32 && strcmp(name, ".") && strcmp(name, "..");
    for (const char *c = name; ok && *c; c++)
        ok = ob_job_name_char(*c);
    if (!ok)
        return usage_error(err, errlen,
                           "%s '%s' is not a valid job name (accepted: 1 to 31 letters, digits, "
                           "'_', '.', '-'; give one with --job-name)",
                           origin, name);
    if (ob_kernel_find(name))
        return usage_error(err, errlen,
                           "%s '%s' is a built-in kernel's name (accepted: another name, e.g. "
                           "--job-name my-%s)",
                           origin, name, name);
    return 0;
}

/* occbench [options] -- COMMAND [ARGS...]: the job joins the kernels (alone
 * when --kernels was not given). */
static int add_job(ob_options *o, int kernels_given, char *err, size_t errlen)
{
    if (o->job.argc == 0) {
        if (o->job.name || o->job_seconds > 0 || o->job.timeout > 0 || o->job_cores > 1)
            return usage_error(err, errlen,
                               "--job-name, --job-seconds, --job-timeout and --job-cores describe "
                               "a job "
                               "(accepted: with occbench [options] -- COMMAND [ARGS...])");
        return 0;
    }
    if (o->calibrate)
        return usage_error(err, errlen,
                           "--calibrate with a job (accepted: --calibrate alone, or a job)");
    const char *base = strrchr(o->job.argv[0], '/');
    base = base ? base + 1 : o->job.argv[0];
    int rc = check_job_name(o->job.name ? o->job.name : base,
                            o->job.name ? "--job-name" : "the command's name", err, errlen);
    if (rc)
        return rc;
    if (!o->job.name)
        o->job.name = base;
    if (!kernels_given)
        o->nkernels = 0;
    if (o->nkernels >= OB_MAX_KERNELS)
        return usage_error(err, errlen, "a job beside %d kernels (accepted: at most %d kernels)",
                           o->nkernels, OB_MAX_KERNELS - 1);
    o->kernels[o->nkernels++] = ob_job_kernel(&o->job);
    return 0;
}

int ob_options_parse(int argc, char *const argv[], ob_options *o, char *err, size_t errlen)
{
    set_defaults(o);
    int kernels_given = 0, occupancy_given = 0, preset_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) { /* the job: everything after it */
            if (i + 1 >= argc)
                return usage_error(err, errlen,
                                   "'--' with no command after it (accepted: occbench [options] "
                                   "-- COMMAND [ARGS...])");
            o->job.argv = argv + i + 1;
            o->job.argc = argc - i - 1;
            break;
        }
        if (strncmp(arg, "--", 2) != 0 && strcmp(arg, "-h") != 0 && strcmp(arg, "-V") != 0)
            return usage_error(err, errlen,
                               "unexpected argument '%s' (occbench takes only options; see "
                               "occbench --help)",
                               arg);
        char name[64];
        const char *eq = strchr(arg, '=');
        size_t namelen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (namelen >= sizeof name)
            return usage_error(err, errlen, "unknown option '%.60s' (see occbench --help)", arg);
        memcpy(name, arg, namelen);
        name[namelen] = '\0';
        kernels_given |= strcmp(name, "--kernels") == 0;
        occupancy_given |= strcmp(name, "--occupancy") == 0;
        preset_given |= strcmp(name, "--preset") == 0;
        if (takes_value(name)) {
            const char *value = eq ? eq + 1 : NULL;
            if (!value) {
                if (i + 1 >= argc)
                    return usage_error(err, errlen, "%s needs a value (see occbench --help)", name);
                value = argv[++i];
            }
            int rc = apply_valued(name, value, o, err, errlen);
            if (rc)
                return rc;
        } else {
            if (eq)
                return usage_error(err, errlen, "option %s takes no value (got '%s')", name, arg);
            int rc = apply_flag(arg, o, err, errlen);
            if (rc)
                return rc;
        }
    }
    if (o->calibrate &&
        calibration_plan(o, kernels_given, occupancy_given, preset_given, err, errlen) != 0)
        return OB_EXIT_USAGE;
    if (add_job(o, kernels_given, err, errlen) != 0)
        return OB_EXIT_USAGE;
    if (o->calibrate_khz && !o->calibrate)
        return usage_error(err, errlen,
                           "--calibrate-freq needs --calibrate (accepted: both, or neither)");
    if (resolve_kernel_options(o, err, errlen) != 0)
        return OB_EXIT_USAGE;
    if (o->budget > 0 && o->window_given)
        return usage_error(err, errlen,
                           "--budget and --window both given (accepted: one of them: --budget "
                           "chooses the window)");
    if (o->budget > 0 && o->calibrate)
        return usage_error(err, errlen,
                           "--budget with --calibrate (accepted: --calibrate alone; its ladder is "
                           "fixed)");
    if (o->resume && o->output && strcmp(o->resume, o->output) != 0)
        return usage_error(err, errlen,
                           "--resume %s and --output %s name different files (accepted: "
                           "--resume alone, or both naming the same file)",
                           o->resume, o->output);
    return 0;
}

void ob_options_config(const ob_options *o, const int *ladder, int nladder, int ranks, int nodes,
                       char *out, size_t outlen)
{
    size_t used = 0;
#define APPEND(...)                                                                                \
    do {                                                                                           \
        if (used < outlen)                                                                         \
            used += (size_t)snprintf(out + used, outlen - used, __VA_ARGS__);                      \
    } while (0)
    APPEND("kernels=");
    for (int i = 0; i < o->nkernels; i++)
        APPEND("%s%s", i ? "," : "", o->kernels[i]->name);
    APPEND(";placement=");
    for (int i = 0; i < o->nplacements; i++)
        APPEND("%s%s", i ? "," : "", ob_placement_name(o->placements[i]));
    APPEND(";occupancy=");
    for (int i = 0; i < nladder; i++)
        APPEND("%s%d", i ? "," : "", ladder[i]);
    APPEND(";preset=%s;window=%g;min_reps=%d;ranks=%d;nodes=%d;events=%s;schema=%d",
           ob_preset_name(o->preset), o->window, o->min_reps, ranks, nodes,
           o->events ? o->events : "default", OB_SCHEMA_VERSION);
    /* what /system records of the launch: a resume that changed them would
     * make the provenance lie about the earlier steps */
    APPEND(";io_dir=%s;site=%s;probe_seconds=%g;sample_period=%g", o->io_dir,
           o->site ? o->site : "", o->probe_seconds, o->sample_period);
    if (o->calibrate)
        APPEND(";calibrate=1;calibrate_khz=%ld", o->calibrate_khz);
    if (o->job.argc) { /* the job: its command line, where it runs, its options */
        char cwd[4096] = "?";
        if (!getcwd(cwd, sizeof cwd))
            snprintf(cwd, sizeof cwd, "unreadable");
        APPEND(";job_name=%s;job_cwd=%s;job_timeout=%g;job_cores=%d;job=", o->job.name, cwd,
               o->job.timeout, o->job_cores);
        for (int i = 0; i < o->job.argc; i++) { /* ';' separates fields: written %3B */
            APPEND("%s", i ? " " : "");
            for (const char *c = o->job.argv[i]; *c; c++)
                if (*c == ';')
                    APPEND("%%3B");
                else if (*c == '%')
                    APPEND("%%25");
                else
                    APPEND("%c", *c);
        }
    }
    /* one field per kernel option, so --resume names the one that changed */
    for (int i = 0; i < o->nkernels; i++)
        for (int j = 0; j < o->kopts[i].n; j++)
            APPEND(";kopt.%s.%s=%s", o->kernels[i]->name, o->kernels[i]->options[j].name,
                   o->kopts[i].value[j]);
#undef APPEND
}

void ob_options_usage(FILE *f)
{
    char names[512];
    kernel_names(names, sizeof names);
    fprintf(
        f,
        "Usage: mpirun -n RANKS occbench [options] [-- COMMAND [ARGS...]]\n"
        "\n"
        "Walks every node through an occupancy ladder (k = 1, 2, 4, ... active ranks per node,\n"
        "the others parked asleep), runs each kernel at each k in the compact and spread\n"
        "placements, and records per-repetition timings, OS accounting and PAPI counters into\n"
        "one HDF5 file. Launch one rank per physical core and leave binding to occbench\n"
        "(mpirun --bind-to none, srun --cpu-bind=none).\n"
        "\n"
        "Options:\n"
        "  --kernels LIST        kernels to run, comma-separated (default: all: %s)\n"
        "  --occupancy LIST|auto active ranks per node, e.g. 1,2,4,8 (default auto: the powers\n"
        "                        of two, the first L3 domain full, one rank per L3 domain,\n"
        "                        the socket boundaries and the full node)\n"
        "  --placement P         compact, spread or both (default both)\n"
        "  --preset P            problem size: ci (tiny, for tests), small, lsst (production-\n"
        "                        representative) (default small)\n"
        "  --window T            measuring time per step, e.g. 10s, 2m (default 10s)\n"
        "  --budget T            choose the window so the whole ladder takes about T, e.g. 30m\n"
        "                        (refused when the minimum repetitions alone do not fit)\n"
        "  --dry-run             measure each kernel's set-up and repetition on this node (at\n"
        "                        k=1 and on every core at once), print the steps and their\n"
        "                        estimated time, ending with 'planned: N steps, about M min\n"
        "                        (S s; ...)'; create nothing, exit 0\n"
        "  --topology FILE       plan and run on the node FILE describes (an hwloc synthetic\n"
        "                        description, e.g. data/topologies/rome-7742.synthetic, or an\n"
        "                        XML export): binding is simulated and recorded as such\n"
        "  --min-reps N          counted repetitions per active rank at least (default 5)\n"
        "  --output FILE         results file (default results/<host>-<date>.h5)\n"
        "  --force               overwrite an existing --output\n"
        "  --resume FILE         continue an interrupted run, skipping finished steps\n"
        "  --site LABEL          site label stored in the file (default: host name)\n"
        "  --io-dir DIR          directory for the I/O kernels' files (default /tmp)\n"
        "  --events LIST         metric=EVENT overrides, e.g. cycles=perf::CYCLES,llc_misses=...\n"
        "                        (metrics: %s)\n"
        "  --kopt K.NAME=VALUE   a kernel option, e.g. grid.style=ddf (repeatable; occbench\n"
        "                        --list shows every kernel's options and defaults)\n"
        "  --probe-seconds T     clock probe after a repetition, at most T and 5%% of it, within\n"
        "                        0.5%% of the measuring time (default 5ms; 0 disables)\n"
        "  --sample-period T     node monitor sampling period (default 0.5s)\n"
        "  --calibrate           run a short ladder of known injected contention (CPU hog,\n"
        "                        memory streamers, fsync writer, capped clock) to prove the\n"
        "                        split on this node; check it with occbench-analyze calibrate\n"
        "  --calibrate-freq KHZ  the clock cap of --calibrate (default: the core's minimum)\n"
        "  -- COMMAND [ARGS...]  a job: run COMMAND as a kernel of the ladder, one run per\n"
        "                        repetition, its process tree measured (man occbench: YOUR\n"
        "                        OWN JOB); with --kernels both run in one launch\n"
        "  --job-name NAME       the job's name in the file (default: the command's name)\n"
        "  --job-seconds S       one run's expected duration (--dry-run needs it)\n"
        "  --job-timeout S       kill a run after S seconds and fail it (default: never)\n"
        "  --job-cores N         N cores per job (N ranks' cores; k then counts jobs)\n"
        "  --step-timeout T      end the run (exit 1) when a step makes no progress for T,\n"
        "                        naming the stuck ranks (default: 10 x the planned step + 10 min)\n"
        "  --list                list kernels with each preset's memory footprint, then exit\n"
        "  --info                print topology and counter availability (and why not), exit\n"
        "  --help, --version\n"
        "\n"
        "Exit status: 0 all steps validated; 1 a step failed validation or could not run;\n"
        "2 bad input (nothing created or changed); 3 interrupted by SIGTERM (the file keeps\n"
        "every finished step: rerun with --resume FILE).\n",
        names, ob_metric_names_joined());
}
