/* HDF5 compound types and attribute helpers for the records of records.h
 * (see records_h5.h). HDF5 and libc only: no MPI, so the serial analyzer
 * can compile this file too. */
#include "occbench/records_h5.h"

#include <stdlib.h>
#include <string.h>

#define INSERT(type, name, off, h5t)                                                               \
    do {                                                                                           \
        if (H5Tinsert((type), (name), (off), (h5t)) < 0)                                           \
            goto fail;                                                                             \
    } while (0)

int ob_h5_insert_sample(hid_t t, size_t base)
{
#define SAMPLE_FIELD(f) INSERT(t, #f, base + offsetof(ob_sample, f), H5T_NATIVE_DOUBLE)
    SAMPLE_FIELD(wall);
    SAMPLE_FIELD(user);
    SAMPLE_FIELD(sys);
    SAMPLE_FIELD(run_delay);
    SAMPLE_FIELD(blkio);
    SAMPLE_FIELD(rbytes);
    SAMPLE_FIELD(wbytes);
    SAMPLE_FIELD(vcsw);
    SAMPLE_FIELD(ivcsw);
    SAMPLE_FIELD(minflt);
    SAMPLE_FIELD(majflt);
    SAMPLE_FIELD(cycles);
    SAMPLE_FIELD(instr);
    SAMPLE_FIELD(ref_cycles);
    SAMPLE_FIELD(llc_miss);
    SAMPLE_FIELD(task_clock);
#undef SAMPLE_FIELD
    return 0;
fail:
    return -1;
}

hid_t ob_h5_rep_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ob_rep_record));
    if (t < 0)
        return -1;
    INSERT(t, "node", HOFFSET(ob_rep_record, node), H5T_NATIVE_INT32);
    INSERT(t, "rank", HOFFSET(ob_rep_record, rank), H5T_NATIVE_INT32);
    INSERT(t, "core", HOFFSET(ob_rep_record, core), H5T_NATIVE_INT32);
    INSERT(t, "rep", HOFFSET(ob_rep_record, rep), H5T_NATIVE_INT32);
    INSERT(t, "t0", HOFFSET(ob_rep_record, t0), H5T_NATIVE_DOUBLE);
    if (ob_h5_insert_sample(t, HOFFSET(ob_rep_record, s)) < 0)
        goto fail;
    INSERT(t, "maxrss_kb", HOFFSET(ob_rep_record, maxrss_kb), H5T_NATIVE_DOUBLE);
    INSERT(t, "f_probe", HOFFSET(ob_rep_record, f_probe), H5T_NATIVE_DOUBLE);
    INSERT(t, "ok", HOFFSET(ob_rep_record, ok), H5T_NATIVE_INT32);
    return t;
fail:
    H5Tclose(t);
    return -1;
}

hid_t ob_h5_phase_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ob_phase_record));
    if (t < 0)
        return -1;
    INSERT(t, "node", HOFFSET(ob_phase_record, node), H5T_NATIVE_INT32);
    INSERT(t, "rank", HOFFSET(ob_phase_record, rank), H5T_NATIVE_INT32);
    INSERT(t, "rep", HOFFSET(ob_phase_record, rep), H5T_NATIVE_INT32);
    INSERT(t, "phase", HOFFSET(ob_phase_record, phase), H5T_NATIVE_INT32);
    if (ob_h5_insert_sample(t, HOFFSET(ob_phase_record, s)) < 0)
        goto fail;
    return t;
fail:
    H5Tclose(t);
    return -1;
}

hid_t ob_h5_summary_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ob_summary_row));
    if (t < 0)
        return -1;
    INSERT(t, "k", HOFFSET(ob_summary_row, k), H5T_NATIVE_INT32);
    INSERT(t, "nodes", HOFFSET(ob_summary_row, nodes), H5T_NATIVE_INT32);
    INSERT(t, "reps", HOFFSET(ob_summary_row, reps), H5T_NATIVE_INT32);
    INSERT(t, "valid", HOFFSET(ob_summary_row, valid), H5T_NATIVE_INT32);
    INSERT(t, "window", HOFFSET(ob_summary_row, window), H5T_NATIVE_DOUBLE);
    INSERT(t, "throughput_per_node", HOFFSET(ob_summary_row, throughput_per_node),
           H5T_NATIVE_DOUBLE);
    INSERT(t, "efficiency", HOFFSET(ob_summary_row, efficiency), H5T_NATIVE_DOUBLE);
    INSERT(t, "figure", HOFFSET(ob_summary_row, figure), H5T_NATIVE_DOUBLE);
    if (ob_h5_insert_sample(t, HOFFSET(ob_summary_row, median)) < 0)
        goto fail;
    INSERT(t, "f_probe", HOFFSET(ob_summary_row, f_probe), H5T_NATIVE_DOUBLE);
    INSERT(t, "parked_cpu", HOFFSET(ob_summary_row, parked_cpu), H5T_NATIVE_DOUBLE);
    return t;
fail:
    H5Tclose(t);
    return -1;
}

hid_t ob_h5_monitor_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(ob_monitor_sample));
    if (t < 0)
        return -1;
    INSERT(t, "t", HOFFSET(ob_monitor_sample, t), H5T_NATIVE_DOUBLE);
    INSERT(t, "step", HOFFSET(ob_monitor_sample, step), H5T_NATIVE_INT32);
    INSERT(t, "util_busy", HOFFSET(ob_monitor_sample, util_busy), H5T_NATIVE_DOUBLE);
    INSERT(t, "util_active", HOFFSET(ob_monitor_sample, util_active), H5T_NATIVE_DOUBLE);
    INSERT(t, "util_parked", HOFFSET(ob_monitor_sample, util_parked), H5T_NATIVE_DOUBLE);
    INSERT(t, "psi_cpu_some", HOFFSET(ob_monitor_sample, psi_cpu_some), H5T_NATIVE_DOUBLE);
    INSERT(t, "psi_io_some", HOFFSET(ob_monitor_sample, psi_io_some), H5T_NATIVE_DOUBLE);
    INSERT(t, "psi_io_full", HOFFSET(ob_monitor_sample, psi_io_full), H5T_NATIVE_DOUBLE);
    INSERT(t, "psi_mem_some", HOFFSET(ob_monitor_sample, psi_mem_some), H5T_NATIVE_DOUBLE);
    INSERT(t, "mem_used_bytes", HOFFSET(ob_monitor_sample, mem_used_bytes), H5T_NATIVE_DOUBLE);
    INSERT(t, "mem_avail_bytes", HOFFSET(ob_monitor_sample, mem_avail_bytes), H5T_NATIVE_DOUBLE);
    INSERT(t, "energy_j", HOFFSET(ob_monitor_sample, energy_j), H5T_NATIVE_DOUBLE);
    return t;
fail:
    H5Tclose(t);
    return -1;
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
