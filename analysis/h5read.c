/* Generic HDF5 reading for occbench-analyze (see h5read.h). */
#include "analysis/h5read.h"

#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/records_h5.h"

void an_seterr(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

char *an_xstrdup(const char *s)
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
char *an_h5_attr_text(hid_t loc, const char *name)
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
    return an_xstrdup(buf);
}

/* Numeric attribute: 1 when read, 0 when absent, -1 when unreadable. */
int an_h5_attr_num(hid_t loc, const char *name, double *out)
{
    if (H5Aexists(loc, name) <= 0)
        return 0;
    return ob_h5_attr_get_double(loc, name, out) == 0 ? 1 : -1;
}

/* Strings from a 1-D string attribute or dataset (obj is an attribute when
 * is_attr). Returns the count, -1 on error; *out is malloc'd strings. */
int an_h5_read_str_list(hid_t obj, int is_attr, char ***out)
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
                list[i] = an_xstrdup(v[i] ? v[i] : "");
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

void an_free_list(char **l, int n)
{
    if (!l)
        return;
    for (int i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

/* ---- compound tables read by member name ---------------------------------------- */

int an_tab_i(const an_table *t, size_t row, int i)
{
    if (!t->f[i].present)
        return 0;
    int32_t v;
    memcpy(&v, t->buf + row * t->stride + t->f[i].off, sizeof v);
    return v;
}
const char *an_tab_s(const an_table *t, size_t row, int i)
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

/* Read dataset `path` under loc into a an_table with the given fields.
 * Missing required members are an error naming the column. */
int an_h5_read_table(hid_t loc, const char *path, an_field *f, int nf, an_table *t, char *err,
                     size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->f = f;
    t->nf = nf;
    hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
    if (d < 0) {
        an_seterr(err, errlen, "dataset %s is missing or unreadable", path);
        return -1;
    }
    int rc = -1;
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d), mt = -1;
    if (ob_h5_table_check(ft, sp, path, err, errlen) != 0)
        goto out;
    size_t off = 0;
    for (int i = 0; i < nf; i++) {
        int idx = H5Tget_member_index(ft, f[i].name);
        f[i].present = idx >= 0;
        f[i].vlen = 0;
        if (!f[i].present) {
            if (f[i].required) {
                an_seterr(err, errlen, "column '%s' missing from %s", f[i].name, path);
                goto out;
            }
            continue;
        }
        size_t sz = f[i].kind == AN_F_INT ? sizeof(int32_t) : sizeof(double);
        if (f[i].kind == AN_F_STR) {
            hid_t mtyp = H5Tget_member_type(ft, (unsigned)idx);
            if (mtyp < 0 || H5Tget_class(mtyp) != H5T_STRING) {
                an_seterr(err, errlen, "column '%s' of %s is not a string", f[i].name, path);
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
        if (f[i].kind == AN_F_INT)
            m = H5Tcopy(H5T_NATIVE_INT32);
        else if (f[i].kind == AN_F_DBL)
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
        an_seterr(err, errlen, "dataset %s has no readable extent", path);
        goto out;
    }
    t->n = (size_t)n;
    t->buf = calloc(t->n ? t->n : 1, t->stride);
    if (!t->buf) {
        an_seterr(err, errlen, "out of memory reading %s (%zu rows)", path, t->n);
        goto out;
    }
    if (t->n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->buf) < 0) {
        an_seterr(err, errlen, "cannot read %s (truncated or corrupted file?)", path);
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
                    char *c = an_xstrdup(s ? s : "");
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

void an_free_table(an_table *t)
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

/* Names of the links in a group, sorted by name (HDF5's name index). */
int an_h5_list_links(hid_t g, char ***names)
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
            an_free_list(l, (int)i + 1);
            return -1;
        }
    }
    *names = l;
    return (int)info.nlinks;
}
