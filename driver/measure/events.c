/* Metric -> event resolution from data/events.conf (format documented at
 * the top of that file): pure code, which meets the machine only through
 * the ob_papi_ops it is given (driver/measure/papi_counters.c has the real
 * ones) and the built-in events' availability. */
#include "driver/measure/events.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/parse.h"
#include "driver/measure/builtin.h"

/* ---- the candidate file --------------------------------------------------- */

typedef struct candidate {
    char event[128];
    double scale;
} candidate;

typedef struct cand_list {
    candidate *v;
    int n, cap;
} cand_list;

#define MAX_MODEL_RANGES 16

typedef struct section {
    char name[64];
    char vendor[64]; /* "" = any */
    int family;      /* -1 = any */
    int nranges;     /* 0 = any model */
    int lo[MAX_MODEL_RANGES], hi[MAX_MODEL_RANGES];
    cand_list metric[OB_METRIC_COUNT];
} section;

typedef struct conf {
    section *sec;
    int n, cap;
} conf;

static void conf_free(conf *c)
{
    for (int i = 0; i < c->n; i++)
        for (int m = 0; m < OB_METRIC_COUNT; m++)
            free(c->sec[i].metric[m].v);
    free(c->sec);
    c->sec = NULL;
    c->n = c->cap = 0;
}

static int cand_push(cand_list *l, const char *event, double scale)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        candidate *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    snprintf(l->v[l->n].event, sizeof l->v[l->n].event, "%s", event);
    l->v[l->n].scale = scale;
    l->n++;
    return 0;
}

static int parse_int_any_base(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || end == s || *end || v < 0 || v > 0xffff)
        return -1;
    *out = (int)v;
    return 0;
}

/* "EVENT" or "EVENT*SCALE". */
static int parse_candidate(const char *tok, char *event, size_t elen, double *scale)
{
    const char *star = strchr(tok, '*');
    size_t n = star ? (size_t)(star - tok) : strlen(tok);
    if (n == 0 || n >= elen)
        return -1;
    memcpy(event, tok, n);
    event[n] = '\0';
    *scale = 1.0;
    if (star) {
        char *end = NULL;
        errno = 0;
        double v = strtod(star + 1, &end);
        if (errno || end == star + 1 || *end || !(v > 0) || v != v)
            return -1;
        *scale = v;
    }
    return 0;
}

/* models=A-B,C,... */
static int parse_models(char *s, section *sec)
{
    for (char *save = NULL, *r = strtok_r(s, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
        if (sec->nranges == MAX_MODEL_RANGES)
            return -1;
        char *dash = strchr(r, '-');
        int lo, hi;
        if (dash) {
            *dash = '\0';
            if (parse_int_any_base(r, &lo) || parse_int_any_base(dash + 1, &hi) || hi < lo)
                return -1;
        } else {
            if (parse_int_any_base(r, &lo))
                return -1;
            hi = lo;
        }
        sec->lo[sec->nranges] = lo;
        sec->hi[sec->nranges] = hi;
        sec->nranges++;
    }
    return sec->nranges > 0 ? 0 : -1;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errlen, __VA_ARGS__);                                                        \
        return -1;                                                                                 \
    } while (0)

static int parse_section_line(conf *c, char **tok, int ntok, const char *file, int line, char *err,
                              size_t errlen)
{
    if (ntok < 2)
        FAIL("%s:%d: 'section' needs a name (section NAME [vendor=V] [family=F] [models=A-B,...])",
             file, line);
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->sec[i].name, tok[1]) == 0)
            FAIL("%s:%d: section '%s' defined twice", file, line, tok[1]);
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 8;
        section *v = realloc(c->sec, (size_t)cap * sizeof *v);
        if (!v)
            FAIL("%s:%d: out of memory", file, line);
        c->sec = v;
        c->cap = cap;
    }
    section *s = &c->sec[c->n];
    memset(s, 0, sizeof *s);
    s->family = -1;
    if (strlen(tok[1]) >= sizeof s->name)
        FAIL("%s:%d: section name '%s' longer than %zu characters", file, line, tok[1],
             sizeof s->name - 1);
    snprintf(s->name, sizeof s->name, "%s", tok[1]);
    c->n++;
    for (int i = 2; i < ntok; i++) {
        char *eq = strchr(tok[i], '=');
        if (!eq)
            FAIL("%s:%d: '%s' is not KEY=VALUE (keys: vendor, family, models)", file, line, tok[i]);
        *eq = '\0';
        const char *key = tok[i];
        char *val = eq + 1;
        if (strcmp(key, "vendor") == 0 && *val && strlen(val) < sizeof s->vendor) {
            snprintf(s->vendor, sizeof s->vendor, "%s", val);
        } else if (strcmp(key, "family") == 0) {
            if (parse_int_any_base(val, &s->family))
                FAIL("%s:%d: bad family '%s' (a number, e.g. 0x19)", file, line, val);
        } else if (strcmp(key, "models") == 0) {
            if (parse_models(val, s))
                FAIL("%s:%d: bad models '%s' (e.g. 0x10-0x1f,0x61, at most %d ranges)", file, line,
                     val, MAX_MODEL_RANGES);
        } else {
            FAIL("%s:%d: unknown section key '%s' (keys: vendor, family, models)", file, line, key);
        }
    }
    if (strcmp(s->name, "generic") == 0 && (s->vendor[0] || s->family >= 0 || s->nranges))
        FAIL("%s:%d: section 'generic' applies to every CPU and takes no keys", file, line);
    return 0;
}

static int parse_conf(const char *file, conf *c, char *err, size_t errlen)
{
    FILE *f = fopen(file, "r");
    if (!f)
        FAIL("cannot open events file %s: %s", file, strerror(errno));
    char buf[4096];
    int line = 0, rc = 0;
    while (rc == 0 && fgets(buf, sizeof buf, f)) {
        line++;
        size_t len = strlen(buf);
        if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
            snprintf(err, errlen, "%s:%d: line longer than %zu characters", file, line,
                     sizeof buf - 2);
            rc = -1;
            break;
        }
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *tok[64];
        int ntok = 0;
        for (char *save = NULL, *t = strtok_r(buf, " \t\r\n", &save); t;
             t = strtok_r(NULL, " \t\r\n", &save)) {
            if (ntok == 64) {
                snprintf(err, errlen, "%s:%d: more than 63 candidates on one line", file, line);
                rc = -1;
                break;
            }
            tok[ntok++] = t;
        }
        if (rc || ntok == 0)
            continue;
        if (strcmp(tok[0], "section") == 0) {
            rc = parse_section_line(c, tok, ntok, file, line, err, errlen);
            continue;
        }
        int m = ob_metric_from_name(tok[0]);
        if (m < 0) {
            snprintf(err, errlen, "%s:%d: unknown metric '%s' (accepted: section, %s)", file, line,
                     tok[0], ob_metric_names_joined());
            rc = -1;
        } else if (c->n == 0) {
            snprintf(err, errlen, "%s:%d: metric '%s' before any 'section' line", file, line,
                     tok[0]);
            rc = -1;
        } else if (ntok < 2) {
            snprintf(err, errlen, "%s:%d: metric '%s' lists no event", file, line, tok[0]);
            rc = -1;
        }
        for (int i = 1; rc == 0 && i < ntok; i++) {
            char event[128];
            double scale;
            if (parse_candidate(tok[i], event, sizeof event, &scale)) {
                snprintf(err, errlen,
                         "%s:%d: bad event '%s' (EVENT or EVENT*SCALE, SCALE > 0, name < 128 "
                         "characters)",
                         file, line, tok[i]);
                rc = -1;
            } else if (cand_push(&c->sec[c->n - 1].metric[m], event, scale)) {
                snprintf(err, errlen, "%s:%d: out of memory", file, line);
                rc = -1;
            }
        }
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, errlen, "cannot read events file %s", file);
        rc = -1;
    }
    fclose(f);
    return rc;
}

static int section_matches(const section *s, const char *vendor, int family, int model)
{
    if (strcmp(s->name, "generic") == 0)
        return 0;
    if (s->vendor[0] && strcmp(s->vendor, vendor) != 0)
        return 0;
    if (s->family >= 0 && s->family != family)
        return 0;
    if (s->nranges == 0)
        return 1;
    for (int i = 0; i < s->nranges; i++)
        if (model >= s->lo[i] && model <= s->hi[i])
            return 1;
    return 0;
}

/* ---- resolution --------------------------------------------------------------- */

/* snprintf-append that never overflows and marks truncation with "...". */
static void appendf(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= len - used && len >= 4)
        memcpy(buf + len - 4, "...", 4);
}

/* One tried-and-failed candidate, kept to explain the choice. */
typedef struct failure {
    const char *event;
    char err[160];
} failure;

/* "A: err1; B, C: err2" (consecutive candidates with the same error grouped). */
static void describe_failures(const failure *f, int n, char *buf, size_t len)
{
    for (int i = 0; i < n; i++) {
        int last_of_group = (i + 1 == n) || strcmp(f[i].err, f[i + 1].err) != 0;
        appendf(buf, len, "%s%s", f[i].event, last_of_group ? ": " : ", ");
        if (last_of_group)
            appendf(buf, len, "%s%s", f[i].err, i + 1 < n ? "; " : "");
    }
}

typedef struct tagged {
    candidate c;
    const char *section;
} tagged;

/* Candidates of metric m: the matched section's, then generic's, no duplicates. */
static int collect(const section *match, const section *generic, int m, tagged **out)
{
    int n = (match ? match->metric[m].n : 0) + (generic ? generic->metric[m].n : 0);
    tagged *v = calloc(n ? (size_t)n : 1, sizeof *v);
    if (!v)
        return -1;
    int k = 0;
    const section *order[2] = {match, generic};
    for (int s = 0; s < 2; s++) {
        if (!order[s])
            continue;
        for (int i = 0; i < order[s]->metric[m].n; i++) {
            const candidate *c = &order[s]->metric[m].v[i];
            int dup = 0;
            for (int j = 0; j < k && !dup; j++)
                dup = strcmp(v[j].c.event, c->event) == 0;
            if (!dup) {
                v[k].c = *c;
                v[k].section = order[s]->name;
                k++;
            }
        }
    }
    *out = v;
    return k;
}

typedef struct override {
    int set;
    char event[128];
    double scale;
    int scale_given;
} override;

static int parse_overrides(const char *s, override ov[OB_METRIC_COUNT], char *err, size_t errlen)
{
    memset(ov, 0, sizeof(override) * OB_METRIC_COUNT);
    if (!s || !*s)
        return 0;
    char *copy = strdup(s);
    if (!copy)
        FAIL("--events: out of memory");
    int rc = 0;
    if (ob_list_has_empty(s)) {
        snprintf(err, errlen,
                 "--events '%s': an empty element (accepted: METRIC=EVENT items "
                 "separated by single commas)",
                 s);
        free(copy);
        return -1;
    }
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1]) {
            snprintf(err, errlen, "--events: '%s' is not METRIC=EVENT (metrics: %s)", item,
                     ob_metric_names_joined());
            rc = -1;
            break;
        }
        *eq = '\0';
        int m = ob_metric_from_name(item);
        if (m < 0) {
            snprintf(err, errlen, "--events: unknown metric '%s' (accepted: %s)", item,
                     ob_metric_names_joined());
            rc = -1;
        } else if (ov[m].set) {
            snprintf(err, errlen, "--events: metric '%s' given twice", item);
            rc = -1;
        } else if (parse_candidate(eq + 1, ov[m].event, sizeof ov[m].event, &ov[m].scale)) {
            snprintf(err, errlen, "--events: bad event '%s' for %s (EVENT or EVENT*SCALE)", eq + 1,
                     item);
            rc = -1;
        } else {
            ov[m].set = 1;
            ov[m].scale_given = strchr(eq + 1, '*') != NULL;
        }
    }
    free(copy);
    return rc;
}

/* Try one candidate against the accepted PAPI events; 0 when it can join them. */
static int try_candidate(const ob_papi_ops *ops, int papi_ok, const char *init_err,
                         const char **accepted, int naccepted, const char *event, char *err,
                         size_t errlen)
{
    if (ob_builtin_named(event))
        return ob_builtin_try(event, err, errlen);
    if (!papi_ok) {
        snprintf(err, errlen, "%s", init_err);
        return -1;
    }
    accepted[naccepted] = event;
    err[0] = '\0';
    int rc = ops->try_events(ops->user, accepted, naccepted + 1, err, errlen);
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "PAPI error %d", rc);
    return rc == 0 ? 0 : -1;
}

int ob_metrics_check_overrides(const char *overrides, char *err, size_t errlen)
{
    override ov[OB_METRIC_COUNT];
    return parse_overrides(overrides, ov, err, errlen);
}

/* What resolution works from: the overrides, the candidate file, PAPI's
 * state and the sections that match this CPU. */
typedef struct resolver {
    const ob_papi_ops *ops;
    override ov[OB_METRIC_COUNT];
    conf c;
    int papi_ok;
    char init_err[160];
    const section *match, *generic;
    const char *note;
    const char *accepted[OB_METRIC_COUNT + 1]; /* PAPI events chosen so far */
    int naccepted;
} resolver;

/* Start PAPI, identify the CPU and pick its section (and generic's). */
static void match_cpu(resolver *r, const char *overrides, char *label, size_t label_len)
{
    r->papi_ok =
        r->ops->library_init(r->ops->user, overrides, r->init_err, sizeof r->init_err) == 0;
    if (!r->papi_ok && !r->init_err[0])
        snprintf(r->init_err, sizeof r->init_err, "PAPI initialisation failed");
    char vendor[64] = "";
    int family = -1, model = -1;
    if (r->ops->cpu_id(r->ops->user, vendor, sizeof vendor, &family, &model) != 0) {
        vendor[0] = '\0';
        family = model = -1;
    }
    for (int i = 0; i < r->c.n; i++) {
        if (!r->match && section_matches(&r->c.sec[i], vendor, family, model))
            r->match = &r->c.sec[i];
        if (strcmp(r->c.sec[i].name, "generic") == 0)
            r->generic = &r->c.sec[i];
    }
    if (label && label_len)
        snprintf(label, label_len, "%s (%s family 0x%x model 0x%x)",
                 r->match ? r->match->name : "generic", vendor[0] ? vendor : "unknown vendor",
                 (unsigned)family, (unsigned)model);
    r->note = r->ops->note ? r->ops->note(r->ops->user) : "";
}

/* Metric m's candidates: the --events one (an event the file lists keeps
 * the file's scale unless *SCALE is given), else the sections'. Their
 * number, or -1 (no memory). */
static int candidates_of(const resolver *r, int m, tagged **out)
{
    if (!r->ov[m].set)
        return collect(r->match, r->generic, m, out);
    tagged *cands = calloc(1, sizeof *cands);
    *out = cands;
    if (!cands)
        return -1;
    cands[0].c.scale = r->ov[m].scale;
    snprintf(cands[0].c.event, sizeof cands[0].c.event, "%s", r->ov[m].event);
    cands[0].section = "--events";
    tagged *listed = NULL;
    int nl = collect(r->match, r->generic, m, &listed);
    for (int i = 0; !r->ov[m].scale_given && i < nl; i++)
        if (strcmp(listed[i].c.event, r->ov[m].event) == 0)
            cands[0].c.scale = listed[i].c.scale;
    free(listed);
    return 1;
}

/* The metric's source from its chosen candidate, with the ones that failed before it. */
static void describe_chosen(resolver *r, int m, const tagged *t, const failure *fails, int nfail,
                            ob_metric_source *src)
{
    snprintf(src->event, sizeof src->event, "%s", t->c.event);
    src->scale = t->c.scale;
    src->available = 1;
    if (r->ov[m].set)
        snprintf(src->reason, sizeof src->reason, "set by --events");
    else
        snprintf(src->reason, sizeof src->reason, "first available candidate in section %s",
                 t->section);
    if (nfail) {
        appendf(src->reason, sizeof src->reason, " (unavailable before it: ");
        describe_failures(fails, nfail, src->reason, sizeof src->reason);
        if (r->note && *r->note)
            appendf(src->reason, sizeof src->reason, " [%s]", r->note);
        appendf(src->reason, sizeof src->reason, ")");
    }
    /* Built-ins need no PAPI counter; the name lives on in the source. */
    if (!ob_builtin_named(src->event))
        r->accepted[r->naccepted++] = src->event;
}

/* No candidate could be counted: an error for an --events metric (asked
 * for by name: refusing it is better than a run without it), else the
 * metric is unavailable with every candidate's reason. */
static int describe_none(const resolver *r, int m, int n, const failure *fails, int nfail,
                         ob_metric_source *src, char *err, size_t errlen)
{
    if (r->ov[m].set) {
        snprintf(err, errlen, "--events %s=%s: not countable here: ", ob_metric_name(m),
                 r->ov[m].event);
        describe_failures(fails, nfail, err, errlen);
        appendf(err, errlen,
                " (accepted: an event PAPI can count on this node, see occbench --info; "
                "or leave %s to events.conf)",
                ob_metric_name(m));
        return -1;
    }
    if (n == 0)
        snprintf(src->reason, sizeof src->reason,
                 "no candidate listed for %s in sections %s+generic", ob_metric_name(m),
                 r->match ? r->match->name : "(none)");
    else
        snprintf(src->reason, sizeof src->reason,
                 "no candidate available (%s%s): ", r->match ? r->match->name : "",
                 r->match ? "+generic" : "generic");
    describe_failures(fails, nfail, src->reason, sizeof src->reason);
    if (r->note && *r->note)
        appendf(src->reason, sizeof src->reason, " [%s]", r->note);
    return 0;
}

/* The first candidate of metric m that can join the events chosen so far. */
static int resolve_metric(resolver *r, int m, ob_metric_source *src, char *err, size_t errlen)
{
    memset(src, 0, sizeof *src);
    src->scale = 1.0;
    tagged *cands = NULL;
    int n = candidates_of(r, m, &cands);
    failure *fails = n >= 0 ? calloc(n ? (size_t)n : 1, sizeof *fails) : NULL;
    int rc = 0;
    if (!cands || n < 0 || !fails) {
        snprintf(err, errlen, "out of memory resolving %s", ob_metric_name(m));
        rc = -1;
    }
    int nfail = 0, chosen = -1;
    for (int i = 0; rc == 0 && i < n && chosen < 0; i++) {
        const char *ev = cands[i].c.event;
        if (try_candidate(r->ops, r->papi_ok, r->init_err, r->accepted, r->naccepted, ev,
                          fails[nfail].err, sizeof fails[nfail].err) == 0)
            chosen = i;
        else
            fails[nfail++].event = ev;
    }
    if (rc == 0 && chosen >= 0)
        describe_chosen(r, m, &cands[chosen], fails, nfail, src);
    else if (rc == 0)
        rc = describe_none(r, m, n, fails, nfail, src, err, errlen);
    free(fails);
    free(cands);
    return rc;
}

int ob_metrics_resolve(const ob_papi_ops *ops, const char *events_file, const char *overrides,
                       ob_metric_source out[OB_METRIC_COUNT], char *cpu_family_label,
                       size_t label_len, char *err, size_t errlen)
{
    resolver *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory resolving the metrics");
        return -1;
    }
    r->ops = ops;
    int rc = parse_overrides(overrides, r->ov, err, errlen);
    if (rc == 0)
        rc = parse_conf(events_file, &r->c, err, errlen);
    if (rc == 0)
        match_cpu(r, overrides, cpu_family_label, label_len);
    for (int m = 0; m < OB_METRIC_COUNT && rc == 0; m++)
        rc = resolve_metric(r, m, &out[m], err, errlen);
    conf_free(&r->c);
    free(r);
    return rc;
}
