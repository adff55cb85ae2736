/* Step-time estimates (steptime.h). */
#include "driver/run/steptime.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad_line(char *err, size_t errlen, const char *path, int line, const char *what)
{
    snprintf(err, errlen, "%s:%d: %s", path, line, what);
    return -1;
}

static int parse_value(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < 0)
        return -1;
    *out = v;
    return 0;
}

/* One non-comment line: "contention_at_full_node C", "between_steps S [PER_RANK]" or
 * "KERNEL PRESET REP_SECONDS SETUP_SECONDS". */
static int parse_line(char *line, ob_steptime *t, const char *path, int no, char *err,
                      size_t errlen)
{
    char *tok[5];
    int n = 0;
    for (char *save = NULL, *w = strtok_r(line, " \t\r\n", &save); w && n < 5;
         w = strtok_r(NULL, " \t\r\n", &save))
        tok[n++] = w;
    if (n == 0)
        return 0;
    double a, b;
    if (n == 2 && !strcmp(tok[0], "contention_at_full_node")) {
        if (parse_value(tok[1], &a) || a < 1.0)
            return bad_line(err, errlen, path, no, "contention_at_full_node: a number >= 1");
        t->contention_full = a;
        return 0;
    }
    if ((n == 2 || n == 3) && !strcmp(tok[0], "between_steps")) {
        if (parse_value(tok[1], &a) || (n == 3 && parse_value(tok[2], &b)))
            return bad_line(err, errlen, path, no,
                            "between_steps: seconds >= 0, then optionally seconds per rank >= 0");
        t->between_s = a;
        t->between_per_rank = n == 3 ? b : 0.0;
        return 0;
    }
    ob_preset preset;
    if (n != 4 || ob_preset_parse(tok[1], &preset) != 0 || parse_value(tok[2], &a) ||
        parse_value(tok[3], &b) || strlen(tok[0]) >= sizeof t->e[0].kernel)
        return bad_line(err, errlen, path, no,
                        "expected KERNEL PRESET REP_SECONDS SETUP_SECONDS (preset ci, small or "
                        "lsst; seconds >= 0)");
    if (t->n == OB_STEPTIME_MAX)
        return bad_line(err, errlen, path, no, "too many entries");
    ob_steptime_entry *e = &t->e[t->n++];
    snprintf(e->kernel, sizeof e->kernel, "%s", tok[0]);
    e->preset = preset;
    e->rep_s = a;
    e->setup_s = b;
    return 0;
}

int ob_steptime_load(const char *path, ob_steptime *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->contention_full = 1.0;
    snprintf(t->source, sizeof t->source, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[512];
    int no = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        no++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        rc = parse_line(line, t, path, no, err, errlen);
    }
    fclose(f);
    return rc;
}

const ob_steptime_entry *ob_steptime_find(const ob_steptime *t, const char *kernel,
                                          ob_preset preset)
{
    for (int i = 0; t && i < t->n; i++)
        if (t->e[i].preset == preset && !strcmp(t->e[i].kernel, kernel))
            return &t->e[i];
    return NULL;
}

void ob_steptime_for_ranks(ob_steptime *t, int ranks)
{
    t->between_s += t->between_per_rank * ranks;
    t->between_per_rank = 0; /* applied once */
}

/* Where k lies between one active rank (0) and the full node (1). */
static double full_share(int k, int cores)
{
    double share = cores > 1 ? (double)(k - 1) / (cores - 1) : 1.0;
    return share < 0 ? 0 : share > 1 ? 1 : share;
}

static double contention(const ob_steptime *t, const ob_steptime_entry *e, int k, int cores)
{
    double c = e && e->contention_full > 0 ? e->contention_full : t->contention_full;
    return 1.0 + (c - 1.0) * full_share(k, cores);
}

double ob_steptime_step(const ob_steptime *t, const ob_steptime_entry *e, double window,
                        int min_reps, int k, int cores)
{
    if (!e)
        return window + 1.0 + t->between_s;
    double rep = e->rep_s * contention(t, e, k, cores);
    double warmup = e->warmup_s > 0 ? e->warmup_s * contention(t, e, k, cores) : rep;
    double measured = fmax(window, min_reps * rep);
    double setup = e->setup_s;
    if (e->setup_full > 0)
        setup += (e->setup_full - e->setup_s) * full_share(k, cores);
    return setup + warmup + measured + t->between_s;
}

double ob_steptime_floor(const ob_steptime *t, const ob_steptime_entry *e, int min_reps, int k,
                         int cores)
{
    return e ? min_reps * e->rep_s * contention(t, e, k, cores) : 0.0;
}

double ob_steptime_eta(const double *estimate, const int *skipped, int n, int index, double elapsed)
{
    double est_done = 0, est_left = 0;
    for (int i = 0; i < n; i++) {
        if (skipped && skipped[i])
            continue;
        if (i <= index)
            est_done += estimate[i];
        else
            est_left += estimate[i];
    }
    return est_done > 0 ? est_left * elapsed / est_done : est_left;
}
