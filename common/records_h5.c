/* HDF5 compound types, the record reader and attribute helpers for the
 * records of include/occbench/records.h (see records_h5.h). HDF5 and libc
 * only: no MPI; part of the common library that occbench and
 * occbench-analyze both link. */
#include "common/records_h5.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INSERT(type, name, off, h5t)                                                               \
    do {                                                                                           \
        if (H5Tinsert((type), (name), (off), (h5t)) < 0)                                           \
            goto fail;                                                                             \
    } while (0)

typedef struct type_build {
    hid_t type;
    const char *drop;
} type_build;

static int insert_column(const ob_field *col, void *user)
{
    type_build *b = user;
    if (b->drop && !strcmp(b->drop, col->name))
        return 0;
    hid_t h5t = col->type == OB_FT_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE;
    return H5Tinsert(b->type, col->name, col->offset, h5t) < 0 ? -1 : 0;
}

hid_t ob_h5_record_type(const ob_record_kind *kind, const char *drop)
{
    type_build b = {H5Tcreate(H5T_COMPOUND, kind->size), drop};
    if (b.type < 0)
        return -1;
    if (ob_record_each_column(kind, insert_column, &b) != 0) {
        H5Tclose(b.type);
        return -1;
    }
    return b.type;
}

hid_t ob_h5_rep_type(void)
{
    return ob_h5_record_type(&ob_rep_kind, NULL);
}

hid_t ob_h5_phase_type(void)
{
    return ob_h5_record_type(&ob_phase_kind, NULL);
}

hid_t ob_h5_summary_type(void)
{
    return ob_h5_record_type(&ob_summary_kind, NULL);
}

hid_t ob_h5_monitor_type(void)
{
    return ob_h5_record_type(&ob_monitor_kind, NULL);
}

hid_t ob_h5_counter_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ob_counter_row));
    hid_t metric = ob_h5_string_type(sizeof(((ob_counter_row *)0)->metric));
    hid_t event = ob_h5_string_type(sizeof(((ob_counter_row *)0)->event));
    hid_t reason = ob_h5_string_type(sizeof(((ob_counter_row *)0)->reason));
    if (t < 0 || metric < 0 || event < 0 || reason < 0)
        goto fail;
    INSERT(t, "node", HOFFSET(ob_counter_row, node), H5T_NATIVE_INT32);
    INSERT(t, "metric", HOFFSET(ob_counter_row, metric), metric);
    INSERT(t, "event", HOFFSET(ob_counter_row, event), event);
    INSERT(t, "available", HOFFSET(ob_counter_row, available), H5T_NATIVE_INT32);
    INSERT(t, "reason", HOFFSET(ob_counter_row, reason), reason);
    INSERT(t, "scale", HOFFSET(ob_counter_row, scale), H5T_NATIVE_DOUBLE);
    H5Tclose(metric);
    H5Tclose(event);
    H5Tclose(reason);
    return t;
fail:
    if (metric >= 0)
        H5Tclose(metric);
    if (event >= 0)
        H5Tclose(event);
    if (reason >= 0)
        H5Tclose(reason);
    if (t >= 0)
        H5Tclose(t);
    return -1;
}

hid_t ob_h5_string_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0)
        return -1;
    if (H5Tset_size(t, len ? len : 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLPAD) < 0 ||
        H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* ---- attributes ---- */

/* Create attribute `name` on obj (replacing an existing one) and write buf. */
static int attr_put(hid_t obj, const char *name, hid_t type, hid_t space, const void *buf)
{
    htri_t exists = H5Aexists(obj, name);
    if (exists < 0 || (exists > 0 && H5Adelete(obj, name) < 0))
        return -1;
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return -1;
    int rc = H5Awrite(a, type, buf) < 0 ? -1 : 0;
    if (H5Aclose(a) < 0)
        rc = -1;
    return rc;
}

static int attr_put_scalar(hid_t obj, const char *name, hid_t type, const void *buf)
{
    hid_t space = H5Screate(H5S_SCALAR);
    if (space < 0)
        return -1;
    int rc = attr_put(obj, name, type, space, buf);
    H5Sclose(space);
    return rc;
}

int ob_h5_attr_put_string(hid_t obj, const char *name, const char *value)
{
    size_t len = strlen(value);
    hid_t t = ob_h5_string_type(len);
    if (t < 0)
        return -1;
    /* An empty string is stored as one NUL byte: the buffer must hold it. */
    int rc = attr_put_scalar(obj, name, t, len ? value : "");
    H5Tclose(t);
    return rc;
}

int ob_h5_attr_put_int(hid_t obj, const char *name, long long value)
{
    int64_t v = value;
    return attr_put_scalar(obj, name, H5T_NATIVE_INT64, &v);
}

int ob_h5_attr_put_double(hid_t obj, const char *name, double value)
{
    return attr_put_scalar(obj, name, H5T_NATIVE_DOUBLE, &value);
}

int ob_h5_attr_put_strings(hid_t obj, const char *name, const char *const *values, size_t n)
{
    size_t width = 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(values[i]);
        if (len > width)
            width = len;
    }
    char *buf = calloc(n ? n : 1, width);
    if (!buf)
        return -1;
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * width, values[i], strlen(values[i]));
    hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t t = ob_h5_string_type(width);
    int rc = -1;
    if (space >= 0 && t >= 0)
        rc = attr_put(obj, name, t, space, buf);
    if (t >= 0)
        H5Tclose(t);
    if (space >= 0)
        H5Sclose(space);
    free(buf);
    return rc;
}

static int attr_get_number(hid_t obj, const char *name, hid_t memtype, void *out)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    hid_t ft = H5Aget_type(a);
    hid_t space = H5Aget_space(a);
    int rc = -1;
    if (ft >= 0 && space >= 0 && H5Sget_simple_extent_npoints(space) == 1) {
        H5T_class_t c = H5Tget_class(ft);
        if (c == H5T_INTEGER || c == H5T_FLOAT)
            rc = H5Aread(a, memtype, out) < 0 ? -1 : 0;
    }
    if (space >= 0)
        H5Sclose(space);
    if (ft >= 0)
        H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

int ob_h5_attr_get_int(hid_t obj, const char *name, long long *value)
{
    int64_t v = 0;
    if (attr_get_number(obj, name, H5T_NATIVE_INT64, &v) < 0)
        return -1;
    *value = v;
    return 0;
}

int ob_h5_attr_get_double(hid_t obj, const char *name, double *value)
{
    return attr_get_number(obj, name, H5T_NATIVE_DOUBLE, value);
}

void ob_h5_free_strings(char **values)
{
    if (!values)
        return;
    for (char **p = values; *p; p++)
        free(*p);
    free(values);
}

/* Read every string of attribute `a` (fixed or variable length). */
static int read_string_attr(hid_t a, char ***out, size_t *nout)
{
    hid_t ft = H5Aget_type(a);
    hid_t space = H5Aget_space(a);
    hid_t mt = -1;
    char **strs = NULL;
    char *fixed = NULL;
    char **vlen = NULL;
    int rc = -1;
    if (ft < 0 || space < 0 || H5Tget_class(ft) != H5T_STRING)
        goto done;
    hssize_t npoints = H5Sget_simple_extent_npoints(space);
    if (npoints < 0)
        goto done;
    size_t n = (size_t)npoints;
    strs = calloc(n + 1, sizeof *strs);
    if (!strs)
        goto done;
    htri_t is_vlen = H5Tis_variable_str(ft);
    if (is_vlen < 0)
        goto done;
    /* HDF5 converts between strings only within one character set. */
    H5T_cset_t cset = H5Tget_cset(ft);
    mt = H5Tcopy(H5T_C_S1);
    if (mt < 0 || cset < 0 || H5Tset_cset(mt, cset) < 0)
        goto done;
    if (is_vlen) {
        vlen = calloc(n ? n : 1, sizeof *vlen);
        if (!vlen || H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Aread(a, mt, vlen) < 0)
            goto done;
        for (size_t i = 0; i < n; i++)
            if (!(strs[i] = strdup(vlen[i] ? vlen[i] : "")))
                goto done;
    } else {
        size_t width = H5Tget_size(ft);
        fixed = calloc(n ? n : 1, width);
        if (!width || !fixed || H5Tset_size(mt, width) < 0 ||
            H5Tset_strpad(mt, H5T_STR_NULLPAD) < 0 || H5Aread(a, mt, fixed) < 0)
            goto done;
        for (size_t i = 0; i < n; i++) {
            const char *s = fixed + i * width;
            size_t len = strnlen(s, width);
            if (!(strs[i] = malloc(len + 1)))
                goto done;
            memcpy(strs[i], s, len);
            strs[i][len] = '\0';
        }
    }
    *out = strs;
    *nout = n;
    strs = NULL;
    rc = 0;
done:
    if (vlen && mt >= 0 && space >= 0)
        H5Dvlen_reclaim(mt, space, H5P_DEFAULT, vlen);
    free(vlen);
    free(fixed);
    ob_h5_free_strings(strs);
    if (mt >= 0)
        H5Tclose(mt);
    if (space >= 0)
        H5Sclose(space);
    if (ft >= 0)
        H5Tclose(ft);
    return rc;
}

int ob_h5_attr_get_strings(hid_t obj, const char *name, char ***values, size_t *n)
{
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -1;
    int rc = read_string_attr(a, values, n);
    H5Aclose(a);
    return rc;
}

int ob_h5_attr_get_string(hid_t obj, const char *name, char **value)
{
    char **strs = NULL;
    size_t n = 0;
    if (ob_h5_attr_get_strings(obj, name, &strs, &n) < 0)
        return -1;
    if (n != 1) {
        ob_h5_free_strings(strs);
        return -1;
    }
    *value = strs[0];
    free(strs);
    return 0;
}

/* ---- reading records by column name ---- */

/* A corrupted file can carry a compound whose members lie outside the
 * row; HDF5's conversion would then read out of bounds. Check first. */
int ob_h5_compound_sane(hid_t ft)
{
    size_t row = H5Tget_size(ft);
    int n = H5Tget_nmembers(ft);
    if (row == 0 || n <= 0 || n > 4096)
        return 0;
    for (int i = 0; i < n; i++) {
        hid_t mt = H5Tget_member_type(ft, (unsigned)i);
        size_t off = H5Tget_member_offset(ft, (unsigned)i);
        size_t sz = mt >= 0 ? H5Tget_size(mt) : 0;
        H5T_class_t cls = mt >= 0 ? H5Tget_class(mt) : H5T_NO_CLASS;
        if (mt >= 0)
            H5Tclose(mt);
        if (sz == 0 || off > row || sz > row - off)
            return 0;
        if (cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_STRING)
            return 0;
    }
    return 1;
}

int ob_h5_table_check(hid_t ft, hid_t sp, const char *path, char *err, size_t errlen)
{
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_COMPOUND) {
        snprintf(err, errlen, "dataset %s is not a table (compound)", path);
        return -1;
    }
    if (!ob_h5_compound_sane(ft)) {
        snprintf(err, errlen, "dataset %s has a damaged row type (corrupted file?)", path);
        return -1;
    }
    return 0;
}

typedef struct required_check {
    hid_t file_type;
    const char *missing;
} required_check;

static int find_missing_required(const ob_field *col, void *user)
{
    required_check *c = user;
    if (!(col->flags & OB_OPTIONAL) && H5Tget_member_index(c->file_type, col->name) < 0) {
        c->missing = col->name;
        return 1;
    }
    return 0;
}

/* The columns a file has, packed one after the other in a read buffer
 * (packed[i] -> record[i]): the row's C struct is then filled column by
 * column, so a column the file lacks keeps its "missing" value whatever
 * bytes HDF5 would copy for it. */
typedef struct packed_layout {
    hid_t file_type, mem_type;
    size_t ncols, size;
    size_t packed[512], record[512], width[512];
} packed_layout;

static int add_packed_column(const ob_field *col, void *user)
{
    packed_layout *l = user;
    if (H5Tget_member_index(l->file_type, col->name) < 0)
        return 0;
    if (l->ncols >= sizeof l->packed / sizeof l->packed[0])
        return -1;
    size_t w = col->type == OB_FT_I32 ? sizeof(int32_t) : sizeof(double);
    hid_t h5t = col->type == OB_FT_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_DOUBLE;
    if (H5Tinsert(l->mem_type, col->name, l->size, h5t) < 0)
        return -1;
    l->packed[l->ncols] = l->size;
    l->record[l->ncols] = col->offset;
    l->width[l->ncols++] = w;
    l->size += w;
    return 0;
}

/* 0, or -1 when no column of the kind is in the file or HDF5 fails. */
static int packed_layout_of(const ob_record_kind *kind, hid_t file_type, packed_layout *l)
{
    memset(l, 0, sizeof *l);
    l->file_type = file_type;
    /* an upper bound of the packed size: every leaf column is at most a double */
    l->mem_type = H5Tcreate(H5T_COMPOUND, kind->size + 8 * OB_SAMPLE_NFIELDS + 8);
    if (l->mem_type < 0)
        return -1;
    if (ob_record_each_column(kind, add_packed_column, l) != 0 || l->ncols == 0 ||
        H5Tset_size(l->mem_type, l->size) < 0) {
        H5Tclose(l->mem_type);
        l->mem_type = -1;
        return -1;
    }
    return 0;
}

int ob_h5_read_records(hid_t loc, const char *path, const ob_record_kind *kind, void **rows,
                       size_t *nrows, char *err, size_t errlen)
{
    *rows = NULL;
    *nrows = 0;
    hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
    if (d < 0) {
        snprintf(err, errlen, "dataset %s is missing or unreadable", path);
        return -1;
    }
    int rc = -1;
    unsigned char *buf = NULL, *packed = NULL;
    packed_layout *l = calloc(1, sizeof *l);
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
    if (!l) {
        snprintf(err, errlen, "out of memory reading %s", path);
        goto out;
    }
    l->mem_type = -1;
    if (ob_h5_table_check(ft, sp, path, err, errlen) != 0)
        goto out;
    required_check check = {ft, NULL};
    if (ob_record_each_column(kind, find_missing_required, &check)) {
        snprintf(err, errlen, "column '%s' missing from %s", check.missing, path);
        goto out;
    }
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    if (n < 0) {
        snprintf(err, errlen, "dataset %s has no readable extent", path);
        goto out;
    }
    if (packed_layout_of(kind, ft, l) != 0) {
        snprintf(err, errlen, "dataset %s has none of the %s columns", path, kind->name);
        goto out;
    }
    buf = calloc(n ? (size_t)n : 1, kind->size);
    packed = calloc(n ? (size_t)n : 1, l->size);
    if (!buf || !packed) {
        snprintf(err, errlen, "out of memory reading %s (%lld rows)", path, (long long)n);
        goto out;
    }
    if (n && H5Dread(d, l->mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, packed) < 0) {
        snprintf(err, errlen, "cannot read %s (truncated or corrupted file?)", path);
        goto out;
    }
    for (hssize_t i = 0; i < n; i++) {
        unsigned char *row = buf + (size_t)i * kind->size;
        const unsigned char *src = packed + (size_t)i * l->size;
        ob_record_fill_missing(kind, row);
        for (size_t c = 0; c < l->ncols; c++)
            memcpy(row + l->record[c], src + l->packed[c], l->width[c]);
    }
    *rows = buf;
    *nrows = (size_t)n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    free(packed);
    if (l && l->mem_type >= 0)
        H5Tclose(l->mem_type);
    free(l);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    return rc;
}

/* ---- step attributes (OB_STEP_ATTRS) ---- */

int ob_h5_write_step_attrs(hid_t g, const ob_step_attrs *a)
{
    int rc = 0;
#define OB_PUT_INT(name) rc |= ob_h5_attr_put_int(g, #name, a->name)
#define OB_PUT_F64(name) rc |= ob_h5_attr_put_double(g, #name, a->name)
#define OB_PUT_STR(name) rc |= ob_h5_attr_put_string(g, #name, a->name ? a->name : "")
#define OB_PUT_ATTR(type, name, dflt, help) OB_PUT_##type(name);
    OB_STEP_ATTRS(OB_PUT_ATTR)
#undef OB_PUT_ATTR
#undef OB_PUT_STR
#undef OB_PUT_F64
#undef OB_PUT_INT
    return rc ? -1 : 0;
}

static long long attr_int_or(hid_t g, const char *name, long long dflt)
{
    long long v;
    return H5Aexists(g, name) > 0 && ob_h5_attr_get_int(g, name, &v) == 0 ? v : dflt;
}

static double attr_double_or(hid_t g, const char *name, double dflt)
{
    double v;
    return H5Aexists(g, name) > 0 && ob_h5_attr_get_double(g, name, &v) == 0 ? v : dflt;
}

static const char *attr_string_or(hid_t g, const char *name, const char *dflt, int *oom)
{
    char *v = NULL;
    if (H5Aexists(g, name) > 0 && ob_h5_attr_get_string(g, name, &v) == 0)
        return v;
    if (!(v = strdup(dflt)))
        *oom = 1;
    return v;
}

int ob_h5_read_step_attrs(hid_t g, ob_step_attrs *out)
{
    int oom = 0;
#define OB_GET_INT(name, dflt) out->name = attr_int_or(g, #name, dflt)
#define OB_GET_F64(name, dflt) out->name = attr_double_or(g, #name, dflt)
#define OB_GET_STR(name, dflt) out->name = attr_string_or(g, #name, dflt, &oom)
#define OB_GET_ATTR(type, name, dflt, help) OB_GET_##type(name, dflt);
    OB_STEP_ATTRS(OB_GET_ATTR)
#undef OB_GET_ATTR
#undef OB_GET_STR
#undef OB_GET_F64
#undef OB_GET_INT
    if (oom) {
        ob_step_attrs_free(out);
        return -1;
    }
    return 0;
}

void ob_step_attrs_free(ob_step_attrs *a)
{
#define OB_FREE_INT(name)
#define OB_FREE_F64(name)
#define OB_FREE_STR(name) free((char *)a->name), a->name = NULL
#define OB_FREE_ATTR(type, name, dflt, help) OB_FREE_##type(name);
    OB_STEP_ATTRS(OB_FREE_ATTR)
#undef OB_FREE_ATTR
#undef OB_FREE_STR
#undef OB_FREE_F64
#undef OB_FREE_INT
}
