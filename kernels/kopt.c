/* Kernel options: resolution of --kopt KERNEL.NAME=VALUE (and the
 * documented fallback variables) against each kernel's declarations, the
 * canonical text recorded in the results file, and the accessors kernels
 * read their values with. Pure C: no MPI, no I/O but getenv. */
#include "occbench/kernel.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ob_kernel_option_count(const ob_kernel *k)
{
    int n = 0;
    while (k->options && k->options[n].name)
        n++;
    return n;
}

static int decl_index(const ob_kopt *decls, const char *name, size_t len)
{
    for (int i = 0; decls && decls[i].name; i++)
        if (strlen(decls[i].name) == len && strncmp(decls[i].name, name, len) == 0)
            return i;
    return -1;
}

const char *ob_kopt_value(const ob_kopt *decls, const ob_kopt_values *v, const char *name)
{
    int i = decl_index(decls, name, strlen(name));
    if (i < 0)
        return NULL;
    return v && i < v->n ? v->value[i] : decls[i].default_value;
}

double ob_kopt_real(const ob_kopt *decls, const ob_kopt_values *v, const char *name)
{
    const char *s = ob_kopt_value(decls, v, name);
    return s ? strtod(s, NULL) : NAN;
}

int ob_kopt_bool(const ob_kopt *decls, const ob_kopt_values *v, const char *name)
{
    const char *s = ob_kopt_value(decls, v, name);
    return s && strcmp(s, "1") == 0;
}

/* What a declaration accepts, for the error messages and --list. */
static void accepted_text(const ob_kopt *d, char *out, size_t len)
{
    switch (d->type) {
    case OB_KOPT_CHOICE:
        snprintf(out, len, "one of %s", d->choices);
        break;
    case OB_KOPT_REAL:
        snprintf(out, len, "a number in [%g, %g]", d->min, d->max);
        break;
    case OB_KOPT_BOOL:
        snprintf(out, len, "0 or 1");
        break;
    }
}

static int in_choices(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *c = choices; *c;) {
        size_t len = strcspn(c, ",");
        if (len == n && n > 0 && strncmp(c, v, n) == 0)
            return 1;
        c += len + (c[len] == ',');
    }
    return 0;
}

/* Check `text` against the declaration and store its canonical form. */
static int canonical_value(const ob_kopt *d, const char *text, char *out, size_t len)
{
    switch (d->type) {
    case OB_KOPT_CHOICE:
        if (!in_choices(d->choices, text))
            return -1;
        snprintf(out, len, "%s", text);
        return 0;
    case OB_KOPT_BOOL:
        if (strcmp(text, "0") != 0 && strcmp(text, "1") != 0)
            return -1;
        snprintf(out, len, "%s", text);
        return 0;
    case OB_KOPT_REAL: {
        char *end = NULL;
        errno = 0;
        double x = strtod(text, &end);
        if (!*text || errno || *end || !(x >= d->min && x <= d->max))
            return -1;
        snprintf(out, len, "%.9g", x);
        return 0;
    }
    }
    return -1;
}

static int set_value(const ob_kernel *k, int i, const char *text, const char *source,
                     ob_kopt_values *out, char *err, size_t errlen)
{
    const ob_kopt *d = &k->options[i];
    if (canonical_value(d, text, out->value[i], sizeof out->value[i]) != 0) {
        char acc[96];
        accepted_text(d, acc, sizeof acc);
        if (strcmp(source, "--kopt") == 0)
            snprintf(err, errlen, "--kopt %s.%s=%s: %s is accepted", k->name, d->name, text, acc);
        else
            snprintf(err, errlen, "%s=%s (fallback of --kopt %s.%s): %s is accepted", source, text,
                     k->name, d->name, acc);
        return -1;
    }
    snprintf(out->source[i], sizeof out->source[i], "%s", source);
    return 0;
}

/* Split "KERNEL.NAME=VALUE": kernel and name lengths and the value. */
static int split_assignment(const char *a, size_t *klen, const char **name, size_t *nlen,
                            const char **value)
{
    const char *dot = strchr(a, '.'), *eq = strchr(a, '=');
    if (!dot || !eq || dot > eq || dot == a || eq == dot + 1)
        return -1;
    *klen = (size_t)(dot - a);
    *name = dot + 1;
    *nlen = (size_t)(eq - dot - 1);
    *value = eq + 1;
    return 0;
}

static void option_names(const ob_kernel *k, char *out, size_t len)
{
    out[0] = '\0';
    for (int i = 0; k->options && k->options[i].name; i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", i ? ", " : "", k->options[i].name);
    }
    if (!out[0])
        snprintf(out, len, "none: %s has no options", k->name);
}

static void kernel_names(char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i < ob_kernel_count(); i++) {
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s", i ? ", " : "", ob_kernel_at(i)->name);
    }
}

int ob_kopt_assignment_check(const char *a, char *err, size_t errlen)
{
    size_t klen, nlen;
    const char *name, *value;
    if (split_assignment(a, &klen, &name, &nlen, &value) != 0) {
        snprintf(err, errlen, "--kopt %s: KERNEL.NAME=VALUE is accepted (e.g. grid.style=ddf)", a);
        return -1;
    }
    const ob_kernel *k = NULL;
    for (size_t i = 0; i < ob_kernel_count() && !k; i++)
        if (strlen(ob_kernel_at(i)->name) == klen && !strncmp(ob_kernel_at(i)->name, a, klen))
            k = ob_kernel_at(i);
    char names[512];
    if (!k) {
        kernel_names(names, sizeof names);
        snprintf(err, errlen, "--kopt %s: no kernel '%.*s' (accepted: %s)", a, (int)klen, a, names);
        return -1;
    }
    if (decl_index(k->options, name, nlen) < 0) {
        option_names(k, names, sizeof names);
        snprintf(err, errlen, "--kopt %s: %s has no option '%.*s' (accepted: %s)", a, k->name,
                 (int)nlen, name, names);
        return -1;
    }
    return 0;
}

int ob_kopts_resolve(const ob_kernel *k, const char *const *assignments, int nassign,
                     ob_kopt_values *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->n = ob_kernel_option_count(k);
    if (out->n > OB_KOPT_MAX) {
        snprintf(err, errlen, "kernel %s declares %d options (at most %d)", k->name, out->n,
                 OB_KOPT_MAX);
        return -1;
    }
    for (int i = 0; i < out->n; i++) {
        const ob_kopt *d = &k->options[i];
        const char *env = d->env ? getenv(d->env) : NULL;
        if (set_value(k, i, d->default_value, "default", out, err, errlen) != 0)
            return -1; /* a kernel whose default is not accepted: a bug, said plainly */
        if (env && *env && set_value(k, i, env, d->env, out, err, errlen) != 0)
            return -1;
    }
    for (int a = 0; a < nassign; a++) {
        size_t klen, nlen;
        const char *name, *value;
        if (ob_kopt_assignment_check(assignments[a], err, errlen) != 0)
            return -1;
        split_assignment(assignments[a], &klen, &name, &nlen, &value);
        if (strlen(k->name) != klen || strncmp(k->name, assignments[a], klen) != 0)
            continue;
        int i = decl_index(k->options, name, nlen);
        if (set_value(k, i, value, "--kopt", out, err, errlen) != 0)
            return -1;
    }
    if (k->check_options && k->check_options(out, err, errlen) != 0)
        return -1;
    return 0;
}

void ob_kopts_canonical(const ob_kernel *k, const ob_kopt_values *v, char *out, size_t outlen)
{
    out[0] = '\0';
    for (int i = 0; i < v->n && k->options && k->options[i].name; i++) {
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, "%s%s=%s", i ? ";" : "", k->options[i].name,
                 v->value[i]);
    }
}

int ob_kernel_plan(const ob_kernel *k, ob_preset preset, const ob_machine *machine,
                   const ob_kopt_values *opts, ob_plan *out, char *why, size_t why_len)
{
    char local[256];
    if (!why || why_len == 0) {
        why = local;
        why_len = sizeof local;
    }
    why[0] = '\0';
    ob_kopt_values defaults;
    if (!opts) {
        if (ob_kopts_resolve(k, NULL, 0, &defaults, why, why_len) != 0)
            return OB_ERR;
        opts = &defaults;
    }
    memset(out, 0, sizeof *out);
    int rc = k->plan(preset, machine, opts, out, why, why_len);
    if (rc != OB_OK && !why[0])
        snprintf(why, why_len, "%s: no plan at preset %s", k->name, ob_preset_name(preset));
    return rc;
}
