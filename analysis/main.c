/* occbench-analyze: turn occbench results files into the answer a site
 * needs (docs/ANALYSIS.md). One verb per source file; no MPI at run time. */
#include <stdio.h>
#include <string.h>

#include "analysis/analyze.h"
#include "occbench/build_info.h"

/* One row per verb: its name, its line of the usage, the options it shares
 * with other verbs (parsed once, analysis/args.c) and its function. */
typedef struct an_verb {
    const char *name;
    const char *usage;
    unsigned shared;
    int (*run)(int argc, char **argv, const an_shared *sh);
} an_verb;

static const an_verb verbs[] = {
    {"summary",
     "summary FILE... [--phases] [--format text|csv|json] [--kernel K] [--boot N] [--min-reps N] "
     "[--baseline K]",
     AN_SHARED_FORMAT | AN_SHARED_JSON | AN_SHARED_BOOT | AN_SHARED_MIN_REPS, an_cmd_summary},
    {"compare", "compare FILE... [--reference FILE] [--format text|csv] [--force]",
     AN_SHARED_FORMAT, an_cmd_compare},
    {"plan",
     "plan --workload W.csv (--node cores=N,mem_gb=M,cpu_factor=F | --node FILE.h5 --kernel K "
     "[--cpu-factor F] [--mem-gb M]) [--scaling linear|measured] [--format text|csv]",
     AN_SHARED_FORMAT, an_cmd_plan},
    {"validate",
     "validate FILE [--min-reps N] [--max-spread F] [--max-parked-util F] [--min-window S]",
     AN_SHARED_MIN_REPS, an_cmd_validate},
    {"plot", "plot FILE... -o|--output DIR [--force]", 0, an_cmd_plot},
    {"calibrate", "calibrate FILE [--boot N]   (a file of occbench --calibrate)", AN_SHARED_BOOT,
     an_cmd_calibrate},
};
enum { NVERBS = sizeof verbs / sizeof verbs[0] };

static void usage(FILE *o)
{
    fprintf(o, "usage: occbench-analyze VERB [options]\n");
    for (int i = 0; i < NVERBS; i++)
        fprintf(o, "  %s\n", verbs[i].usage);
    fprintf(o, "  version\n"
               "exit status: 0 ok, 1 validate found a failing rule, 2 bad input or usage\n");
}

/* "summary, compare, ..., version" */
static const char *verb_names(void)
{
    static char names[256];
    size_t used = 0;
    for (int i = 0; i < NVERBS && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s, ", verbs[i].name);
    if (used < sizeof names)
        snprintf(names + used, sizeof names - used, "version");
    return names;
}

static int run_verb(const an_verb *v, int argc, char **argv)
{
    an_shared sh;
    int rc = an_shared_parse(v->shared, &argc, argv, &sh);
    return rc != AN_OK ? rc : v->run(argc, argv, &sh);
}

int main(int argc, char **argv)
{
    /* a usage error is one line, like every other bad input; --help has the rest */
    if (argc < 2)
        return an_bad("no verb given (accepted: %s; --help shows the usage)", verb_names());
    const char *verb = argv[1];
    for (int i = 0; i < NVERBS; i++)
        if (!strcmp(verb, verbs[i].name))
            return run_verb(&verbs[i], argc - 1, argv + 1);
    if (!strcmp(verb, "version") || !strcmp(verb, "--version")) {
        if (argc > 2)
            return an_bad("%s takes no arguments (got '%s')", verb, argv[2]);
        printf("occbench-analyze %s (%s), reads schema_version <= %d\n", OB_VERSION,
               OB_GIT_REVISION, OB_SCHEMA_VERSION);
        return AN_OK;
    }
    if (!strcmp(verb, "help") || !strcmp(verb, "--help") || !strcmp(verb, "-h")) {
        if (argc > 2)
            return an_bad("%s takes no arguments (got '%s')", verb, argv[2]);
        usage(stdout);
        return AN_OK;
    }
    return an_bad("unknown verb '%s' (accepted: %s)", verb, verb_names());
}
