/* Whether two results files measured like things (analyze.h: "like.c"):
 * a throughput compares only between files of one schema, one preset (the
 * problem size) and, per kernel, one set of kernel options. compare and
 * plot refuse a bottom line across unlike files unless --force, and then
 * mark every row that compares unlike things. And the opposite: a spread
 * step that is the compact one (linked), said and drawn once. */
#include <stdio.h>
#include <string.h>

#include "analysis/analyze.h"
#include "common/parse.h"

void an_config_value(const an_file *f, const char *key, char *out, size_t outlen)
{
    const char *val = "";
    size_t vlen = 0;
    ob_kv_find(f->config, key, strlen(key), &val, &vlen);
    snprintf(out, outlen, "%.*s", (int)vlen, val);
}

/* The options the kernel's first finished step ran with; NULL when the
 * file has no step of it. */
static const char *kernel_options_of(const an_file *f, const char *kernel)
{
    for (size_t i = 0; i < f->nsteps; i++)
        if (!strcmp(f->steps[i].kernel, kernel))
            return f->steps[i].attr.kernel_options ? f->steps[i].attr.kernel_options : "";
    return NULL;
}

int an_unlike(const an_file *a, const an_file *b, const char *kernel, char *why, size_t len)
{
    char pa[64], pb[64];
    if (a->schema_version != b->schema_version) {
        snprintf(why, len, "schema %d vs %d", b->schema_version, a->schema_version);
        return 1;
    }
    an_config_value(a, "preset", pa, sizeof pa);
    an_config_value(b, "preset", pb, sizeof pb);
    if (*pa && *pb && strcmp(pa, pb)) {
        snprintf(why, len, "preset %s vs %s", pb, pa);
        return 1;
    }
    const char *oa = kernel ? kernel_options_of(a, kernel) : NULL;
    const char *ob = kernel ? kernel_options_of(b, kernel) : NULL;
    if (oa && ob && strcmp(oa, ob)) {
        snprintf(why, len, "%s options '%.60s' vs '%.60s'", kernel, ob, oa);
        return 1;
    }
    return 0;
}

int an_first_unlike(const an_file *files, int n, int base, char *why, size_t len)
{
    for (int i = 0; i < n; i++) {
        if (i == base)
            continue;
        char w[200];
        int unlike = an_unlike(&files[base], &files[i], NULL, w, sizeof w);
        for (size_t s = 0; !unlike && s < files[i].nsteps; s++)
            unlike = an_unlike(&files[base], &files[i], files[i].steps[s].kernel, w, sizeof w);
        if (unlike) {
            snprintf(why, len, "%s (%s) and %s (%s): %s", files[i].label, files[i].path,
                     files[base].label, files[base].path, w);
            return i;
        }
    }
    return -1;
}

const an_step *an_step_of(const an_file *f, const char *kernel, const char *placement, int k)
{
    for (size_t i = 0; i < f->nsteps; i++)
        if (f->steps[i].k == k && !strcmp(f->steps[i].kernel, kernel) &&
            !strcmp(f->steps[i].placement, placement))
            return &f->steps[i];
    return NULL;
}

/* 1 when the spread step at k is the compact one, linked (on a node where
 * both placements give the same cores it is measured once: the same step
 * index and start). */
int an_linked_at(const an_group *spread, int k)
{
    const an_step *s = an_step_of(spread->file, spread->kernel, spread->placement, k);
    const an_step *c = an_step_of(spread->file, spread->kernel, "compact", k);
    return s && c && s != c && s->attr.step == c->attr.step && s->attr.t_start == c->attr.t_start;
}

/* Every row of a non-compact group is a linked compact step. */
int an_all_linked(const an_group *g)
{
    if (!strcmp(g->placement, "compact") || g->nrows == 0)
        return 0;
    for (size_t i = 0; i < g->nrows; i++)
        if (!an_linked_at(g, g->rows[i].k))
            return 0;
    return 1;
}
