/* The command line the verbs share: the bad-input line, option values, the
 * options several verbs take (parsed once, here), loading several files. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"

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

/* "text, csv" or "text, csv, json": the formats a verb accepts. */
static const char *formats_of(unsigned accepted)
{
    return accepted & AN_SHARED_JSON ? "text, csv, json" : "text, csv";
}

/* One shared option at argv[i] (its value at argv[i + 1], maybe NULL):
 * 1 when it was one and is taken, 0 when it is not shared, or the usage status. */
static int take_shared(unsigned accepted, const char *a, const char *v, an_shared *out)
{
    if ((accepted & AN_SHARED_FORMAT) && !strcmp(a, "--format")) {
        if (!v || an_parse_format(v, &out->format) < 0 ||
            (out->format == AN_JSON && !(accepted & AN_SHARED_JSON)))
            return an_bad("--format '%s' is not one of %s", v ? v : "", formats_of(accepted));
        return 1;
    }
    if ((accepted & AN_SHARED_BOOT) && !strcmp(a, "--boot"))
        return an_arg_int(a, v, 0, 100000, &out->nboot) == AN_OK ? 1 : AN_BAD_INPUT;
    if ((accepted & AN_SHARED_MIN_REPS) && !strcmp(a, "--min-reps"))
        return an_arg_int(a, v, 1, 1000000, &out->min_reps) == AN_OK ? 1 : AN_BAD_INPUT;
    return 0;
}

int an_shared_parse(unsigned accepted, int *argc, char **argv, an_shared *out)
{
    *out = (an_shared){.format = AN_TEXT, .nboot = 200, .min_reps = 5};
    int kept = 1;
    for (int i = 1; i < *argc; i++) {
        int rc = take_shared(accepted, argv[i], i + 1 < *argc ? argv[i + 1] : NULL, out);
        if (rc == 1)
            i++;
        else if (rc != 0)
            return rc;
        else
            argv[kept++] = argv[i];
    }
    *argc = kept;
    argv[kept] = NULL;
    return AN_OK;
}
