/* The summary verb. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"

int an_check_kernel(const an_file *f, const char *kernel)
{
    for (size_t i = 0; i < f->nsteps; i++)
        if (!strcmp(f->steps[i].kernel, kernel))
            return AN_OK;
    char list[512] = "";
    for (size_t i = 0; i < f->nsteps; i++) {
        int seen = 0; /* by name: "grid" is not seen in "degrid" */
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(f->steps[j].kernel, f->steps[i].kernel);
        if (!seen && strlen(list) + strlen(f->steps[i].kernel) < 500) {
            if (*list)
                strcat(list, ", ");
            strcat(list, f->steps[i].kernel);
        }
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

int an_cmd_summary(int argc, char **argv, const an_shared *sh)
{
    an_opts o = {.nboot = sh->nboot, .min_reps = sh->min_reps, .baseline = 1, .warn = 1};
    an_format fmt = sh->format;
    const char *kernel = NULL;
    char **paths = calloc((size_t)argc + 1, sizeof *paths);
    int np = 0, rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--phases"))
            o.phases = 1;
        else if (!strcmp(a, "--kernel") && v) {
            kernel = v;
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
