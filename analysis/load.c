/* Reading an occbench results file (driver/results.h layout)
 * into memory. Compounds are read by member NAME into types built here,
 * so the reader does not depend on the writer's exact layout; strings may
 * be fixed or variable length. Every failure is one line in err. */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyze.h"
#include "common/records_h5.h"

static void seterr(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---- attributes -------------------------------------------------------------- */

/* A string attribute (fixed or variable length), or a numeric one as text
 * (/system mixes both). Returns a malloc'd string, or NULL when absent or
 * unreadable. The readers are the writer's own (common/records_h5.c). */
static char *attr_str(hid_t loc, const char *name)
{
    if (H5Aexists(loc, name) <= 0)
        return NULL;
    char *out = NULL;
    if (ob_h5_attr_get_string(loc, name, &out) == 0)
        return out;
    double v;
    if (ob_h5_attr_get_double(loc, name, &v) != 0)
        return NULL;
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", v);
    return xstrdup(buf);
}

/* Numeric attribute: 1 when read, 0 when absent, -1 when unreadable. */
static int attr_num(hid_t loc, const char *name, double *out)
{
    if (H5Aexists(loc, name) <= 0)
        return 0;
    return ob_h5_attr_get_double(loc, name, out) == 0 ? 1 : -1;
}

/* Strings from a 1-D string attribute or dataset (obj is an attribute when
 * is_attr). Returns the count, -1 on error; *out is malloc'd strings. */
static int read_str_list(hid_t obj, int is_attr, char ***out)
{
    *out = NULL;
    hid_t ft = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t sp = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    int n = -1;
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_STRING)
        goto out;
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (np < 0 || np > 1000000)
        goto out;
    char **list = calloc((size_t)np + 1, sizeof *list);
    if (!list)
        goto out;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(ft));
    int ok = 0;
    if (H5Tis_variable_str(ft) > 0) {
        H5Tset_size(mt, H5T_VARIABLE);
        char **v = calloc((size_t)np + 1, sizeof *v);
        if (v && (is_attr ? H5Aread(obj, mt, v)
                          : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v)) >= 0) {
            ok = 1;
            for (hssize_t i = 0; i < np; i++) {
                list[i] = xstrdup(v[i] ? v[i] : "");
                if (v[i])
                    H5free_memory(v[i]);
            }
        }
        free(v);
    } else {
        size_t sz = H5Tget_size(ft);
        H5Tset_size(mt, sz);
        H5Tset_strpad(mt, H5T_STR_NULLPAD);
        char *raw = calloc((size_t)np * sz + 1, 1);
        if (raw && (is_attr ? H5Aread(obj, mt, raw)
                            : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw)) >= 0) {
            ok = 1;
            for (hssize_t i = 0; i < np; i++) {
                list[i] = calloc(sz + 1, 1);
                if (list[i])
                    memcpy(list[i], raw + (size_t)i * sz, sz);
            }
        }
        free(raw);
    }
    H5Tclose(mt);
    if (!ok) {
        free(list);
        goto out;
    }
    *out = list;
    n = (int)np;
out:
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    return n;
}

static void free_list(char **l, int n)
{
    if (!l)
        return;
    for (int i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

/* ---- compound tables read by member name ---------------------------------------- */

typedef enum { F_INT, F_DBL, F_STR } field_kind;
typedef struct field {
    const char *name;
    field_kind kind;
    int required;
    size_t off; /* in the row buffer, computed */
    int present, vlen;
    size_t strsize;
    H5T_cset_t cset;
} field;

typedef struct table {
    unsigned char *buf;
    size_t n, stride;
    field *f;
    int nf;
} table;

static int tab_i(const table *t, size_t row, int i)
{
    if (!t->f[i].present)
        return 0;
    int32_t v;
    memcpy(&v, t->buf + row * t->stride + t->f[i].off, sizeof v);
    return v;
}
static const char *tab_s(const table *t, size_t row, int i)
{
    if (!t->f[i].present)
        return "";
    const unsigned char *p = t->buf + row * t->stride + t->f[i].off;
    if (t->f[i].vlen) {
        const char *s;
        memcpy(&s, p, sizeof s);
        return s ? s : "";
    }
    return (const char *)p;
}

/* Read dataset `path` under loc into a table with the given fields.
 * Missing required members are an error naming the column. */
static int read_table(hid_t loc, const char *path, field *f, int nf, table *t, char *err,
                      size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->f = f;
    t->nf = nf;
    hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
    if (d < 0) {
        seterr(err, errlen, "dataset %s is missing or unreadable", path);
        return -1;
    }
    int rc = -1;
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d), mt = -1;
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_COMPOUND) {
        seterr(err, errlen, "dataset %s is not a table (compound)", path);
        goto out;
    }
    if (!ob_h5_compound_sane(ft)) {
        seterr(err, errlen, "dataset %s has a damaged row type (corrupted file?)", path);
        goto out;
    }
    size_t off = 0;
    for (int i = 0; i < nf; i++) {
        int idx = H5Tget_member_index(ft, f[i].name);
        f[i].present = idx >= 0;
        f[i].vlen = 0;
        if (!f[i].present) {
            if (f[i].required) {
                seterr(err, errlen, "column '%s' missing from %s", f[i].name, path);
                goto out;
            }
            continue;
        }
        size_t sz = f[i].kind == F_INT ? sizeof(int32_t) : sizeof(double);
        if (f[i].kind == F_STR) {
            hid_t mtyp = H5Tget_member_type(ft, (unsigned)idx);
            if (mtyp < 0 || H5Tget_class(mtyp) != H5T_STRING) {
                seterr(err, errlen, "column '%s' of %s is not a string", f[i].name, path);
                if (mtyp >= 0)
                    H5Tclose(mtyp);
                goto out;
            }
            f[i].vlen = H5Tis_variable_str(mtyp) > 0;
            f[i].strsize = f[i].vlen ? sizeof(char *) : H5Tget_size(mtyp) + 1;
            f[i].cset = H5Tget_cset(mtyp);
            sz = f[i].strsize;
            H5Tclose(mtyp);
        }
        off = (off + 7) & ~(size_t)7;
        f[i].off = off;
        off += sz;
    }
    t->stride = (off + 7) & ~(size_t)7;
    if (t->stride == 0)
        t->stride = 8;
    mt = H5Tcreate(H5T_COMPOUND, t->stride);
    for (int i = 0; i < nf; i++) {
        if (!f[i].present)
            continue;
        hid_t m;
        if (f[i].kind == F_INT)
            m = H5Tcopy(H5T_NATIVE_INT32);
        else if (f[i].kind == F_DBL)
            m = H5Tcopy(H5T_NATIVE_DOUBLE);
        else {
            m = H5Tcopy(H5T_C_S1);
            H5Tset_cset(m, f[i].cset); /* HDF5 converts no ASCII <-> UTF-8 */
            H5Tset_size(m, f[i].vlen ? H5T_VARIABLE : f[i].strsize);
            if (!f[i].vlen)
                H5Tset_strpad(m, H5T_STR_NULLTERM);
        }
        H5Tinsert(mt, f[i].name, f[i].off, m);
        H5Tclose(m);
    }
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    if (n < 0) {
        seterr(err, errlen, "dataset %s has no readable extent", path);
        goto out;
    }
    t->n = (size_t)n;
    t->buf = calloc(t->n ? t->n : 1, t->stride);
    if (!t->buf) {
        seterr(err, errlen, "out of memory reading %s (%zu rows)", path, t->n);
        goto out;
    }
    if (t->n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->buf) < 0) {
        seterr(err, errlen, "cannot read %s (truncated or corrupted file?)", path);
        goto out;
    }
    rc = 0;
out:
    if (rc == 0) {
        /* copy vlen strings to our heap so the HDF5 buffers can be reclaimed */
        for (int i = 0; i < nf; i++)
            if (f[i].present && f[i].vlen)
                for (size_t r = 0; r < t->n; r++) {
                    unsigned char *p = t->buf + r * t->stride + f[i].off;
                    char *s;
                    memcpy(&s, p, sizeof s);
                    char *c = xstrdup(s ? s : "");
                    memcpy(p, &c, sizeof c);
                    if (s)
                        H5free_memory(s);
                }
    } else {
        free(t->buf);
        t->buf = NULL;
        t->n = 0;
    }
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

static void free_table(table *t)
{
    if (!t->buf)
        return;
    for (int i = 0; i < t->nf; i++)
        if (t->f[i].present && t->f[i].vlen)
            for (size_t r = 0; r < t->n; r++) {
                char *s;
                memcpy(&s, t->buf + r * t->stride + t->f[i].off, sizeof s);
                free(s);
            }
    free(t->buf);
    t->buf = NULL;
}

/* A record table of a step (reps or phases) by column name, into the
 * record structs of include/occbench/records.h. */
static int read_step_records(hid_t g, const char *gpath, const char *name,
                             const ob_record_kind *kind, void **rows, size_t *n, char *err,
                             size_t errlen)
{
    char sub[256];
    if (ob_h5_read_records(g, name, kind, rows, n, sub, sizeof sub) < 0) {
        seterr(err, errlen, "%s: %s", gpath, sub);
        return -1;
    }
    return 0;
}

static int read_reps(hid_t g, const char *gpath, an_step *st, char *err, size_t errlen)
{
    void *rows = NULL;
    int rc = read_step_records(g, gpath, "reps", &ob_rep_kind, &rows, &st->nreps, err, errlen);
    st->reps = rows;
    return rc;
}

static int read_phases(hid_t g, const char *gpath, an_step *st, char *err, size_t errlen)
{
    if (H5Lexists(g, "phases", H5P_DEFAULT) <= 0)
        return 0; /* a kernel without phases may write none */
    void *rows = NULL;
    int rc = read_step_records(g, gpath, "phases", &ob_phase_kind, &rows, &st->nph, err, errlen);
    st->ph = rows;
    return rc;
}

/* Names of the links in a group, sorted by name (HDF5's name index). */
static int list_links(hid_t g, char ***names)
{
    H5G_info_t info;
    *names = NULL;
    if (H5Gget_info(g, &info) < 0)
        return -1;
    char **l = calloc(info.nlinks + 1, sizeof *l);
    if (!l)
        return -1;
    for (hsize_t i = 0; i < info.nlinks; i++) {
        ssize_t len =
            H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
        if (len < 0 || !(l[i] = calloc((size_t)len + 1, 1)) ||
            H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, l[i], (size_t)len + 1,
                               H5P_DEFAULT) < 0) {
            free_list(l, (int)i + 1);
            return -1;
        }
    }
    *names = l;
    return (int)info.nlinks;
}

static int read_step(hid_t g, const char *gpath, const char *kernel, const char *placement,
                     const char *kname, an_step *st, int *finished, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    snprintf(st->kernel, sizeof st->kernel, "%s", kernel);
    snprintf(st->placement, sizeof st->placement, "%s", placement);
    double v;
    *finished = attr_num(g, "done", &v) == 1 && v == 1.0;
    if (!*finished)
        return 0;
    st->done = 1;
    if (ob_h5_read_step_attrs(g, &st->attr) < 0) {
        seterr(err, errlen, "%s: out of memory reading its attributes", gpath);
        return -1;
    }
    st->k = st->attr.k >= 0 ? (int)st->attr.k : atoi(kname + 1);
    st->valid = (int)st->attr.valid;
    if (H5Aexists(g, "phases") > 0) {
        hid_t a = H5Aopen(g, "phases", H5P_DEFAULT);
        int n = a >= 0 ? read_str_list(a, 1, &st->phases) : -1;
        if (a >= 0)
            H5Aclose(a);
        if (n < 0) {
            seterr(err, errlen, "%s: attribute 'phases' is not a string array", gpath);
            return -1;
        }
        st->nphases = n;
    }
    if (read_reps(g, gpath, st, err, errlen) < 0)
        return -1;
    return read_phases(g, gpath, st, err, errlen);
}

static int push_step(an_file *f, const an_step *st)
{
    an_step *n = realloc(f->steps, (f->nsteps + 1) * sizeof *n);
    if (!n)
        return -1;
    f->steps = n;
    f->steps[f->nsteps++] = *st;
    return 0;
}

static void free_step(an_step *s)
{
    ob_step_attrs_free(&s->attr);
    free_list(s->phases, s->nphases);
    free(s->reps);
    free(s->ph);
}

static int read_steps(hid_t file, an_file *f, char *err, size_t errlen)
{
    if (H5Lexists(file, "steps", H5P_DEFAULT) <= 0)
        return 0;
    hid_t steps = H5Gopen2(file, "steps", H5P_DEFAULT);
    if (steps < 0) {
        seterr(err, errlen, "/steps is unreadable (truncated or corrupted file?)");
        return -1;
    }
    int rc = -1;
    char **kern = NULL;
    int nk = list_links(steps, &kern);
    if (nk < 0) {
        seterr(err, errlen, "/steps is unreadable (truncated or corrupted file?)");
        goto out;
    }
    for (int i = 0; i < nk; i++) {
        hid_t kg = H5Gopen2(steps, kern[i], H5P_DEFAULT);
        char **pl = NULL;
        int np = kg >= 0 ? list_links(kg, &pl) : -1;
        if (np < 0) {
            seterr(err, errlen, "/steps/%s is unreadable", kern[i]);
            if (kg >= 0)
                H5Gclose(kg);
            goto out;
        }
        for (int j = 0; j < np; j++) {
            hid_t pg = H5Gopen2(kg, pl[j], H5P_DEFAULT);
            char **ks = NULL;
            int nks = pg >= 0 ? list_links(pg, &ks) : -1;
            int bad = nks < 0;
            if (bad)
                seterr(err, errlen, "/steps/%s/%s is unreadable", kern[i], pl[j]);
            for (int m = 0; !bad && m < nks; m++) {
                char gpath[512];
                snprintf(gpath, sizeof gpath, "/steps/%s/%s/%s", kern[i], pl[j], ks[m]);
                hid_t sg = H5Gopen2(pg, ks[m], H5P_DEFAULT);
                if (sg < 0) {
                    seterr(err, errlen, "%s is unreadable (truncated or corrupted file?)", gpath);
                    bad = 1;
                    break;
                }
                an_step st;
                int finished;
                if (read_step(sg, gpath, kern[i], pl[j], ks[m], &st, &finished, err, errlen) < 0) {
                    free_step(&st);
                    bad = 1;
                } else if (!finished)
                    f->unfinished++;
                else if (push_step(f, &st) < 0) {
                    free_step(&st);
                    seterr(err, errlen, "out of memory");
                    bad = 1;
                }
                H5Gclose(sg);
            }
            free_list(ks, nks);
            if (pg >= 0)
                H5Gclose(pg);
            if (bad) {
                free_list(pl, np);
                H5Gclose(kg);
                goto out;
            }
        }
        free_list(pl, np);
        H5Gclose(kg);
    }
    rc = 0;
out:
    free_list(kern, nk);
    H5Gclose(steps);
    return rc;
}

static int read_system(hid_t file, an_file *f)
{
    if (H5Lexists(file, "system", H5P_DEFAULT) <= 0)
        return 0;
    hid_t g = H5Gopen2(file, "system", H5P_DEFAULT);
    if (g < 0)
        return -1;
    H5O_info_t oi;
    if (H5Oget_info(g, &oi) >= 0 && oi.num_attrs > 0) {
        f->sys = calloc(oi.num_attrs, sizeof *f->sys);
        for (hsize_t i = 0; f->sys && i < oi.num_attrs; i++) {
            char name[AN_NAME_LEN];
            if (H5Aget_name_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name,
                                   H5P_DEFAULT) < 0 &&
                H5Aget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                                   H5P_DEFAULT) < 0)
                continue;
            char *v = attr_str(g, name);
            if (!v)
                continue;
            snprintf(f->sys[f->nsys].key, AN_NAME_LEN, "%s", name);
            f->sys[f->nsys++].value = v;
        }
    }
    if (H5Lexists(g, "hostnames", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(g, "hostnames", H5P_DEFAULT);
        if (d >= 0) {
            f->nhosts = read_str_list(d, 0, &f->hostnames);
            if (f->nhosts < 0)
                f->nhosts = 0;
            H5Dclose(d);
        }
    }
    if (H5Lexists(g, "topology.xml", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(g, "topology.xml", H5P_DEFAULT);
        if (d >= 0) {
            char **l = NULL;
            int n = read_str_list(d, 0, &l);
            if (n >= 1) {
                f->topology_xml = l[0];
                l[0] = NULL;
            }
            free_list(l, n);
            H5Dclose(d);
        }
    }
    H5Gclose(g);
    return 0;
}

static int read_counters(hid_t file, an_file *f, char *err, size_t errlen)
{
    if (H5Lexists(file, "counters", H5P_DEFAULT) <= 0)
        return 0;
    /* /counters/sources (the writer's layout); a bare /counters table is
     * accepted too */
    H5O_info_t oi;
    const char *where = "counters";
    if (H5Oget_info_by_name(file, "counters", &oi, H5P_DEFAULT) < 0) {
        seterr(err, errlen, "/counters is unreadable (truncated or corrupted file?)");
        return -1;
    }
    if (oi.type == H5O_TYPE_GROUP) {
        if (H5Lexists(file, "counters/sources", H5P_DEFAULT) <= 0)
            return 0;
        where = "counters/sources";
    }
    field fl[] = {{"node", F_INT, 1, 0, 0, 0, 0, H5T_CSET_ASCII},
                  {"metric", F_STR, 1, 0, 0, 0, 0, H5T_CSET_ASCII},
                  {"event", F_STR, 1, 0, 0, 0, 0, H5T_CSET_ASCII},
                  {"available", F_INT, 1, 0, 0, 0, 0, H5T_CSET_ASCII},
                  {"reason", F_STR, 1, 0, 0, 0, 0, H5T_CSET_ASCII}};
    table t;
    if (read_table(file, where, fl, 5, &t, err, errlen) < 0)
        return -1;
    f->counters = calloc(t.n ? t.n : 1, sizeof *f->counters);
    if (!f->counters) {
        free_table(&t);
        return -1;
    }
    f->ncounters = t.n;
    for (size_t r = 0; r < t.n; r++) {
        an_counter *c = &f->counters[r];
        c->node = tab_i(&t, r, 0);
        snprintf(c->metric, sizeof c->metric, "%s", tab_s(&t, r, 1));
        snprintf(c->event, sizeof c->event, "%s", tab_s(&t, r, 2));
        c->available = tab_i(&t, r, 3);
        snprintf(c->reason, sizeof c->reason, "%s", tab_s(&t, r, 4));
    }
    free_table(&t);
    return 0;
}

static int read_monitor(hid_t file, an_file *f, char *err, size_t errlen)
{
    if (H5Lexists(file, "monitor", H5P_DEFAULT) <= 0)
        return 0;
    hid_t g = H5Gopen2(file, "monitor", H5P_DEFAULT);
    char **nodes = NULL;
    int nn = g >= 0 ? list_links(g, &nodes) : -1;
    if (nn < 0) {
        seterr(err, errlen, "/monitor is unreadable (truncated or corrupted file?)");
        if (g >= 0)
            H5Gclose(g);
        return -1;
    }
    f->mon = calloc((size_t)nn + 1, sizeof *f->mon);
    int rc = f->mon ? 0 : -1;
    for (int i = 0; rc == 0 && i < nn; i++) {
        if (strncmp(nodes[i], "node", 4) != 0)
            continue;
        hid_t ng = H5Gopen2(g, nodes[i], H5P_DEFAULT);
        if (ng < 0)
            continue;
        an_monitor *m = &f->mon[f->nmon];
        m->node = atoi(nodes[i] + 4);
        char sub[256], path[300];
        snprintf(path, sizeof path, "/monitor/%s/samples", nodes[i]);
        void *rows = NULL;
        if (ob_h5_read_records(ng, "samples", &ob_monitor_kind, &rows, &m->n, sub, sizeof sub) <
            0) {
            seterr(err, errlen, "%s: %s", path, sub);
            rc = -1;
        } else {
            m->s = rows;
            f->nmon++;
        }
        if (rc == 0 && H5Lexists(ng, "cpu_busy", H5P_DEFAULT) > 0) {
            hid_t d = H5Dopen2(ng, "cpu_busy", H5P_DEFAULT);
            hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
            hsize_t dims[2] = {0, 0};
            if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 2 &&
                H5Sget_simple_extent_dims(sp, dims, NULL) == 2 && dims[0] == m->n && dims[1] > 0 &&
                dims[1] < 65536) {
                m->cpu_busy = calloc(dims[0] * dims[1] + 1, sizeof(float));
                if (m->cpu_busy &&
                    H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, m->cpu_busy) >= 0)
                    m->ncpus = (int)dims[1];
                else {
                    free(m->cpu_busy);
                    m->cpu_busy = NULL;
                }
            }
            if (sp >= 0)
                H5Sclose(sp);
            if (d >= 0)
                H5Dclose(d);
        }
        H5Gclose(ng);
    }
    free_list(nodes, nn);
    H5Gclose(g);
    return rc;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int load_in_process(const char *path, an_file *f, char *err, size_t errlen);

/* HDF5 1.10 trusts what it reads: a damaged variable-length string heap
 * can make it crash or spin inside the library. So a file is first read
 * in a child process; only when that child comes back cleanly is it read
 * here. The child's limit is OB_ANALYZE_LOAD_TIMEOUT seconds (default 300);
 * OB_ANALYZE_NO_PRECHECK=1 skips the child (debugging). */
int an_load(const char *path, an_file *f, char *err, size_t errlen)
{
    const char *skip = getenv("OB_ANALYZE_NO_PRECHECK");
    if (skip && *skip == '1')
        return load_in_process(path, f, err, errlen);
    const char *lim = getenv("OB_ANALYZE_LOAD_TIMEOUT");
    unsigned limit = lim && atoi(lim) > 0 ? (unsigned)atoi(lim) : 300;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        alarm(limit);
        an_file tmp;
        char e[16];
        _exit(load_in_process(path, &tmp, e, sizeof e) == 0 ? 0 : 2);
    }
    if (pid > 0) {
        int st;
        while (waitpid(pid, &st, 0) < 0)
            if (errno != EINTR) {
                st = 0;
                break;
            }
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
            memset(f, 0, sizeof *f);
            seterr(err, errlen, "%s: corrupted file: reading it did not finish in %u s", path,
                   limit);
            return -1;
        }
        if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 2)) {
            memset(f, 0, sizeof *f);
            seterr(err, errlen, "%s: corrupted file: the HDF5 library failed reading it (%s %d)",
                   path, WIFSIGNALED(st) ? "signal" : "exit",
                   WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            return -1;
        }
    }
    /* fork failed, or the child read it (or failed cleanly): read it here */
    return load_in_process(path, f, err, errlen);
}

static int load_in_process(const char *path, an_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our own one-line messages only */
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        seterr(err, errlen, "%s: cannot open (no such file or no permission)", path);
        return -1;
    }
    fclose(probe);
    if (H5Fis_hdf5(path) <= 0) {
        seterr(err, errlen, "%s: not an HDF5 file", path);
        return -1;
    }
    /* Read without taking the file lock, so a run still writing its file
     * (it flushes after every step) can be looked at. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
    H5Pset_file_locking(fapl, 0, 1);
#endif
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (file < 0) {
        seterr(err, errlen, "%s: HDF5 cannot open it (truncated or corrupted file?)", path);
        return -1;
    }
    int rc = -1;
    double v;
    int has = attr_num(file, "schema_version", &v);
    if (has <= 0) {
        seterr(err, errlen, "%s: not an occbench results file (no schema_version attribute)", path);
        goto out;
    }
    f->schema_version = (int)v;
    if (f->schema_version > OB_SCHEMA_VERSION) {
        seterr(err, errlen,
               "%s: schema_version %d is newer than this occbench-analyze reads (up to %d); "
               "use a newer occbench-analyze",
               path, f->schema_version, OB_SCHEMA_VERSION);
        goto out;
    }
    f->has_complete = attr_num(file, "complete", &v) == 1;
    f->complete = f->has_complete && v == 1.0;
    f->site = attr_str(file, "site");
    f->command = attr_str(file, "command");
    f->config = attr_str(file, "config");
    f->created = attr_str(file, "created");
    f->version = attr_str(file, "occbench_version");
    snprintf(f->label, sizeof f->label, "%s", f->site && *f->site ? f->site : base_name(path));
    char sub[512];
    if (read_system(file, f) < 0) {
        seterr(err, errlen, "%s: /system is unreadable (truncated or corrupted file?)", path);
        goto out;
    }
    if (read_counters(file, f, sub, sizeof sub) < 0 || read_steps(file, f, sub, sizeof sub) < 0 ||
        read_monitor(file, f, sub, sizeof sub) < 0) {
        seterr(err, errlen, "%s: %s", path, sub);
        goto out;
    }
    if (!f->complete)
        fprintf(stderr,
                "warning: %s: run not marked complete (killed or still running): analysing its "
                "%zu finished step(s) only\n",
                path, f->nsteps);
    rc = 0;
out:
    H5Fclose(file);
    if (rc < 0)
        an_free(f);
    return rc;
}

void an_free(an_file *f)
{
    free(f->site);
    free(f->command);
    free(f->config);
    free(f->created);
    free(f->version);
    for (size_t i = 0; i < f->nsys; i++)
        free(f->sys[i].value);
    free(f->sys);
    free_list(f->hostnames, f->nhosts);
    free(f->topology_xml);
    free(f->counters);
    for (size_t i = 0; i < f->nsteps; i++)
        free_step(&f->steps[i]);
    free(f->steps);
    for (size_t i = 0; i < f->nmon; i++) {
        free(f->mon[i].s);
        free(f->mon[i].cpu_busy);
    }
    free(f->mon);
    char path[sizeof f->path];
    memcpy(path, f->path, sizeof path);
    memset(f, 0, sizeof *f);
    memcpy(f->path, path, sizeof path);
}

const char *an_sys_get(const an_file *f, const char *key)
{
    for (size_t i = 0; i < f->nsys; i++)
        if (!strcmp(f->sys[i].key, key))
            return f->sys[i].value;
    return NULL;
}

int an_cores(const an_file *f)
{
    const char *keys[] = {"cores_per_node", "cores", "physical_cores"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = an_sys_get(f, keys[i]);
        if (v && atoi(v) > 0)
            return atoi(v);
    }
    if (f->topology_xml) {
        int n = 0;
        for (const char *p = f->topology_xml; (p = strstr(p, "type=\"Core\"")); p++)
            n++;
        if (n > 0)
            return n;
    }
    int kmax = 0;
    for (size_t i = 0; i < f->nsteps; i++)
        if (f->steps[i].k > kmax)
            kmax = f->steps[i].k;
    return kmax;
}

double an_mem_gb(const an_file *f)
{
    const char *v = an_sys_get(f, "memory_bytes");
    if (!v || !(atof(v) > 0))
        v = an_sys_get(f, "mem_total_bytes");
    if (v && atof(v) > 0)
        return atof(v) / 1e9;
    for (size_t i = 0; i < f->nmon; i++)
        if (f->mon[i].n > 0 && isfinite(f->mon[i].s[0].mem_used_bytes) &&
            isfinite(f->mon[i].s[0].mem_avail_bytes))
            return (f->mon[i].s[0].mem_used_bytes + f->mon[i].s[0].mem_avail_bytes) / 1e9;
    return NAN;
}
