/* occbench-analyze: turn occbench results files into the answer a site
 * needs (docs/ANALYSIS.md). One verb per source file; no MPI at run time. */
#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "occbench/build_info.h"

static void usage(FILE *o)
{
    fprintf(o, "usage: occbench-analyze VERB [options]\n"
               "  summary FILE... [--phases] [--format text|csv|json] [--kernel K] [--boot N] "
               "[--min-reps N] [--baseline K]\n"
               "  compare FILE... [--reference FILE] [--format text|csv]\n"
               "  plan --workload W.csv (--node cores=N,mem_gb=M,cpu_factor=F | --node FILE.h5 "
               "--kernel K [--cpu-factor F] [--mem-gb M]) [--scaling linear|measured] [--format "
               "text|csv]\n"
               "  validate FILE [--min-reps N] [--max-spread F] [--max-parked-util F]\n"
               "  plot FILE... -o DIR\n"
               "  calibrate FILE [--boot N]   (a file of occbench --calibrate)\n"
               "  version\n"
               "exit status: 0 ok, 1 validate found a failing rule, 2 bad input or usage\n");
}

int main(int argc, char **argv)
{
    /* a usage error is one line, like every other bad input; --help has the rest */
    if (argc < 2)
        return an_bad("no verb given (accepted: summary, compare, plan, validate, plot, "
                      "calibrate, version; --help shows the usage)");
    const char *verb = argv[1];
    if (!strcmp(verb, "summary"))
        return an_cmd_summary(argc - 1, argv + 1);
    if (!strcmp(verb, "compare"))
        return an_cmd_compare(argc - 1, argv + 1);
    if (!strcmp(verb, "plan"))
        return an_cmd_plan(argc - 1, argv + 1);
    if (!strcmp(verb, "validate"))
        return an_cmd_validate(argc - 1, argv + 1);
    if (!strcmp(verb, "plot"))
        return an_cmd_plot(argc - 1, argv + 1);
    if (!strcmp(verb, "calibrate"))
        return an_cmd_calibrate(argc - 1, argv + 1);
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
    return an_bad("unknown verb '%s' (accepted: summary, compare, plan, validate, plot, calibrate, "
                  "version)",
                  verb);
}
