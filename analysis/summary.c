/* The summary verb, and the command-line helpers the verbs share. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

int an_bad(const char *fmt, ...)
{
    va_list ap;
    fputs("occbench-analyze: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return AN_BAD_INPUT;
}

int an_arg_int(const char *opt, const char *v, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || errno || *end || end == v || x < lo || x > hi)
        return an_bad("%s '%s' is not an integer in [%d, %d]", opt, v ? v : "", lo, hi);
    *out = (int)x;
    return AN_OK;
}

int an_arg_double(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = v ? strtod(v, &end) : NAN;
    if (!v || errno || *end || end == v || !(x >= lo && x <= hi))
        return an_bad("%s '%s' is not a number in [%g, %g]", opt, v ? v : "", lo, hi);
    *out = x;
    return AN_OK;
}

int an_load_all(char **paths, int n, an_file *files)
{
    char err[1024];
    for (int i = 0; i < n; i++)
        if (an_load(paths[i], &files[i], err, sizeof err) < 0) {
            for (int j = 0; j < i; j++)
                an_free(&files[j]);
            return an_bad("%s", err);
        }
    return AN_OK;
}

int an_check_kernel(const an_file *f, const char *kernel)
{
    for (size_t i = 0; i < f->nsteps; i++)
        if (!strcmp(f->steps[i].kernel, kernel))
            return AN_OK;
    char list[512] = "";
    for (size_t i = 0; i < f->nsteps; i++)
        if (!strstr(list, f->steps[i].kernel) && strlen(list) + strlen(f->steps[i].kernel) < 500) {
            if (*list)
                strcat(list, ", ");
            strcat(list, f->steps[i].kernel);
        }
    return an_bad("%s: kernel '%s' is not in this file (kernels: %s)", f->path, kernel,
                  *list ? list : "none");
}

/* --baseline K must be an occupancy the file measured. */
static int check_baseline(const an_file *f, int k)
{
    char list[512] = "";
    if (f->nsteps == 0) /* killed before its first step: "no finished steps" says it */
        return AN_OK;
    for (size_t i = 0; i < f->nsteps; i++) {
        if (f->steps[i].k == k)
            return AN_OK;
        char one[16];
        snprintf(one, sizeof one, ",%d,", f->steps[i].k);
        char have[520];
        snprintf(have, sizeof have, ",%s,", list);
        if (!strstr(have, one) && strlen(list) < 480)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", *list ? "," : "",
                     f->steps[i].k);
    }
    return an_bad("--baseline %d: %s measured no step at k=%d (accepted: %s)", k, f->path, k,
                  *list ? list : "none");
}

int an_cmd_summary(int argc, char **argv)
{
    an_opts o = {.nboot = 200, .min_reps = 5, .baseline = 1, .warn = 1};
    an_format fmt = AN_TEXT;
    const char *kernel = NULL;
    char **paths = calloc((size_t)argc + 1, sizeof *paths);
    int np = 0, rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--phases"))
            o.phases = 1;
        else if (!strcmp(a, "--format")) {
            if (!v || an_parse_format(v, &fmt) < 0) {
                free(paths);
                return an_bad("--format '%s' is not one of text, csv, json", v ? v : "");
            }
            i++;
        } else if (!strcmp(a, "--kernel") && v) {
            kernel = v;
            i++;
        } else if (!strcmp(a, "--boot")) {
            if ((rc = an_arg_int(a, v, 0, 100000, &o.nboot))) {
                free(paths);
                return rc;
            }
            i++;
        } else if (!strcmp(a, "--min-reps")) {
            if ((rc = an_arg_int(a, v, 1, 1000000, &o.min_reps))) {
                free(paths);
                return rc;
            }
            i++;
        } else if (!strcmp(a, "--baseline")) {
            if ((rc = an_arg_int(a, v, 1, 100000, &o.baseline))) {
                free(paths);
                return rc;
            }
            i++;
        } else if (a[0] == '-' && a[1]) {
            free(paths);
            return an_bad("summary: unknown option '%s' (accepted: --phases, --format, --kernel, "
                          "--boot, --min-reps, --baseline)",
                          a);
        } else
            paths[np++] = argv[i];
    }
    if (np == 0) {
        free(paths);
        return an_bad("summary: no results file given (usage: summary FILE... [--phases] "
                      "[--format text|csv|json])");
    }
    an_file *files = calloc((size_t)np, sizeof *files);
    if ((rc = an_load_all(paths, np, files))) {
        free(files);
        free(paths);
        return rc;
    }
    for (int i = 0; kernel && i < np && rc == AN_OK; i++)
        rc = an_check_kernel(&files[i], kernel);
    for (int i = 0; i < np && rc == AN_OK; i++)
        rc = check_baseline(&files[i], o.baseline);
    if (rc == AN_OK) {
        if (fmt == AN_JSON)
            an_write_json_open(stdout);
        for (int i = 0; i < np; i++) {
            an_group *g;
            size_t ng = an_analyse(&files[i], &o, &g);
            if (kernel) { /* keep the requested kernel's groups only */
                size_t m = 0;
                for (size_t j = 0; j < ng; j++)
                    if (!strcmp(g[j].kernel, kernel)) {
                        an_group t = g[m];
                        g[m++] = g[j];
                        g[j] = t;
                    }
                an_write_summary(stdout, fmt, g, m, o.phases, i == 0);
            } else
                an_write_summary(stdout, fmt, g, ng, o.phases, i == 0);
            if (fmt == AN_TEXT && ng == 0)
                printf("%s: no finished steps\n", files[i].path);
            an_groups_free(g, ng);
        }
        if (fmt == AN_JSON)
            an_write_json_close(stdout);
    }
    an_release_all(files, NULL, NULL, np);
    free(paths);
    return rc;
}
