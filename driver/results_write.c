/* The sections of the results file: /system, /counters, steps, /summary and
 * /monitor (the rules are in driver/results_file.c). */
#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/records_h5.h"
#include "driver/results_internal.h"

/* ---- /system and /counters ----------------------------------------------- */

/* Collective: 1-D dataset `name` of n fixed-length strings (rank 0's). */
static void write_string_list(ob_results *r, hid_t parent, const char *name,
                              const char *const *values, size_t n, obr_status *st)
{
    obr_remove_link_if_exists(parent, name, st);
    if (st->failed)
        return;
    size_t width = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(values[i]) > width)
            width = strlen(values[i]);
    char *buf = calloc(n ? n : 1, width);
    if (!buf) {
        obr_st_fail(st, "out of memory writing %s", name);
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * width, values[i], strlen(values[i]));
    hsize_t dims[1] = {n};
    hid_t type = ob_h5_string_type(width), space = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = obr_make_dcpl(1, NULL), d = -1;
    if (type >= 0 && space >= 0 && dcpl >= 0)
        d = H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0)
        obr_st_h5fail(st, "cannot create dataset %s", name);
    else if (n)
        obr_write_rows(d, type, r->dxpl_coll, 1, 0, r->rank == 0 ? n : 0, 0, buf, name, st);
    obr_close_id(d);
    obr_close_id(dcpl);
    obr_close_id(space);
    obr_close_id(type);
    free(buf);
}

/* Collective: scalar fixed-length string dataset `name` holding rank 0's
 * text (len bytes, the same len on every rank). */
static void write_text(ob_results *r, hid_t parent, const char *name, const char *text, size_t len,
                       obr_status *st)
{
    obr_remove_link_if_exists(parent, name, st);
    if (st->failed)
        return;
    hid_t type = ob_h5_string_type(len), space = H5Screate(H5S_SCALAR);
    hid_t mspace = H5Screate(H5S_SCALAR), dcpl = obr_make_dcpl(0, NULL), d = -1;
    if (type >= 0 && space >= 0 && mspace >= 0 && dcpl >= 0)
        d = H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) {
        obr_st_h5fail(st, "cannot create dataset %s", name);
    } else {
        herr_t sel = 0;
        if (r->rank != 0)
            sel = (H5Sselect_none(space) < 0 || H5Sselect_none(mspace) < 0) ? -1 : 0;
        const char *buf = (r->rank == 0 && len) ? text : "";
        if (sel < 0 || H5Dwrite(d, type, mspace, space, r->dxpl_coll, buf) < 0)
            obr_st_h5fail(st, "cannot write dataset %s", name);
    }
    obr_close_id(d);
    obr_close_id(dcpl);
    obr_close_id(mspace);
    obr_close_id(space);
    obr_close_id(type);
}

int ob_results_write_system(ob_results *r, const ob_kv *pairs, size_t npairs,
                            const char *const *hostnames, int nnodes, const char *topology_xml,
                            char *err, size_t errlen)
{
    obr_status st = {0};
    obr_pack p = {0};
    if (r->rank == 0) {
        obr_put_u64(&p, npairs);
        for (size_t i = 0; i < npairs; i++) {
            if (!pairs[i].key || !pairs[i].key[0])
                obr_st_fail(&st, "system provenance pair %zu has an empty key", i);
            obr_put_str(&p, pairs[i].key);
            obr_put_str(&p, pairs[i].value);
        }
        obr_put_u64(&p, nnodes > 0 ? (uint64_t)nnodes : 0);
        for (int i = 0; i < nnodes; i++)
            obr_put_str(&p, hostnames ? hostnames[i] : "");
        obr_put_u64(&p, topology_xml ? strlen(topology_xml) : 0);
    }
    if (obr_pack_bcast(r->comm, &p) < 0)
        obr_st_fail(&st, "out of memory packing the system provenance");
    if (obr_agree(r->comm, &st, err, errlen) < 0) {
        obr_pack_free(&p);
        return -1;
    }
    size_t n = obr_get_u64(&p);
    const char **hosts = NULL;
    hid_t sys = H5Gopen2(r->file, "system", H5P_DEFAULT);
    if (sys < 0)
        obr_st_h5fail(&st, "cannot open /system");
    for (size_t i = 0; i < n; i++) {
        const char *key = obr_get_str(&p), *value = obr_get_str(&p);
        obr_put_string_attr(sys, key, value, &st);
    }
    size_t nhosts = obr_get_u64(&p);
    hosts = calloc(nhosts ? nhosts : 1, sizeof *hosts);
    if (!hosts)
        obr_st_fail(&st, "out of memory");
    for (size_t i = 0; i < nhosts && hosts; i++)
        hosts[i] = obr_get_str(&p);
    size_t xml_len = obr_get_u64(&p);
    if (p.bad)
        obr_st_fail(&st, "internal error unpacking the system provenance");
    if (!st.failed)
        write_string_list(r, sys, "hostnames", hosts, nhosts, &st);
    if (!st.failed)
        write_text(r, sys, "topology.xml", topology_xml, xml_len, &st);
    obr_close_id(sys);
    free(hosts);
    obr_pack_free(&p);
    return obr_agree(r->comm, &st, err, errlen);
}

int ob_results_write_counters(ob_results *r, const ob_metric_source *sources,
                              const char *const *labels, int nnodes, char *err, size_t errlen)
{
    obr_status st = {0};
    obr_pack p = {0};
    if (r->rank == 0) {
        obr_put_u64(&p, nnodes > 0 ? (uint64_t)nnodes : 0);
        for (int i = 0; i < nnodes; i++)
            obr_put_str(&p, labels ? labels[i] : "");
    }
    if (obr_pack_bcast(r->comm, &p) < 0)
        obr_st_fail(&st, "out of memory packing the counter sources");
    if (obr_agree(r->comm, &st, err, errlen) < 0) {
        obr_pack_free(&p);
        return -1;
    }
    size_t nodes = obr_get_u64(&p);
    const char **families = calloc(nodes ? nodes : 1, sizeof *families);
    for (size_t i = 0; i < nodes && families; i++)
        families[i] = obr_get_str(&p);
    size_t nrows = nodes * OB_METRIC_COUNT;
    /* Only rank 0 writes the rows; the others only need their number. */
    ob_counter_row *rows = calloc(r->rank == 0 && nrows ? nrows : 1, sizeof *rows);
    if (!families || !rows || p.bad)
        obr_st_fail(&st, "out of memory writing /counters");
    for (size_t i = 0; r->rank == 0 && rows && sources && i < nrows; i++) {
        const ob_metric_source *s = &sources[i];
        rows[i].node = (int32_t)(i / OB_METRIC_COUNT);
        rows[i].available = s->available;
        snprintf(rows[i].metric, sizeof rows[i].metric, "%s",
                 ob_metric_name((ob_metric)(i % OB_METRIC_COUNT)));
        snprintf(rows[i].event, sizeof rows[i].event, "%s", s->event);
        snprintf(rows[i].reason, sizeof rows[i].reason, "%s", s->reason);
        rows[i].scale = s->scale;
    }
    hid_t g = st.failed ? -1 : H5Gopen2(r->file, "counters", H5P_DEFAULT);
    if (g < 0)
        obr_st_h5fail(&st, "cannot open /counters");
    obr_remove_link_if_exists(g, "sources", &st);
    hsize_t dims[1] = {nrows};
    hid_t type = ob_h5_counter_type(), space = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = obr_make_dcpl(1, NULL), d = -1;
    if (!st.failed) {
        if (type >= 0 && space >= 0 && dcpl >= 0)
            d = H5Dcreate2(g, "sources", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d < 0)
            obr_st_h5fail(&st, "cannot create /counters/sources");
        else if (nrows)
            obr_write_rows(d, type, r->dxpl_coll, 1, 0, r->rank == 0 ? nrows : 0, 0, rows,
                           "/counters/sources", &st);
    }
    if (!st.failed)
        write_string_list(r, g, "cpu_family", families, nodes, &st);
    obr_close_id(d);
    obr_close_id(dcpl);
    obr_close_id(space);
    obr_close_id(type);
    obr_close_id(g);
    free(rows);
    free(families);
    obr_pack_free(&p);
    return obr_agree(r->comm, &st, err, errlen);
}

/* ---- steps ------------------------------------------------------------------ */

int ob_results_step_done(const ob_results *r, const char *kernel, const char *placement, int k)
{
    char kname[32];
    snprintf(kname, sizeof kname, "k%04d", k);
    const char *names[4] = {"steps", kernel, placement, kname};
    obr_status st = {0};
    if (!r || obr_check_name(&st, "kernel", kernel) < 0 ||
        obr_check_name(&st, "placement", placement) < 0)
        return 0;
    int done = 0;
    if (obr_links_exist(r->file, 3, names)) {
        char path[3 * NAME_MAX_LEN + 16];
        snprintf(path, sizeof path, "steps/%s/%s", kernel, placement);
        hid_t g = H5Gopen2(r->file, path, H5P_DEFAULT);
        if (g >= 0 && H5Lexists(g, kname, H5P_DEFAULT) > 0)
            done = obr_step_group_done(g, kname);
        obr_close_id(g);
    }
    H5Eclear2(H5E_DEFAULT);
    return done;
}

/* Collective: create dataset `name` of `total` rows and write this rank's
 * n rows at `offset`. */
static void write_step_rows(ob_results *r, hid_t g, const char *name, hid_t type, uint64_t total,
                            uint64_t offset, size_t n, const void *rows, obr_status *st)
{
    if (st->failed)
        return;
    hsize_t dims[1] = {total};
    hid_t space = H5Screate_simple(1, dims, NULL), dcpl = obr_make_dcpl(1, NULL), d = -1;
    if (space >= 0 && dcpl >= 0)
        d = H5Dcreate2(g, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0)
        obr_st_h5fail(st, "cannot create dataset %s", name);
    else if (total)
        obr_write_rows(d, type, r->dxpl_coll, 1, offset, n, 0, rows, name, st);
    obr_close_id(d);
    obr_close_id(dcpl);
    obr_close_id(space);
}

int ob_results_write_step(ob_results *r, const ob_step_info *info, const ob_rep_record *reps,
                          size_t nreps, const ob_phase_record *phases, size_t nphases, char *err,
                          size_t errlen)
{
    obr_status st = {0};
    if ((nreps && !reps) || (nphases && !phases))
        obr_st_fail(&st, "write_step: rows missing (nreps %zu, nphases %zu)", nreps, nphases);
    obr_pack p = {0};
    if (r->rank == 0) {
        if (!info) {
            obr_st_fail(&st, "write_step: no step information");
        } else {
            obr_check_name(&st, "kernel", info->kernel);
            obr_check_name(&st, "placement", info->placement);
            if (info->attrs.k < 0 || info->attrs.k > 9999)
                obr_st_fail(&st, "write_step: k %lld out of range 0..9999", info->attrs.k);
            obr_put_str(&p, info->kernel);
            obr_put_str(&p, info->placement);
#define PACK_INT(name) obr_put_i64(&p, info->attrs.name)
#define PACK_F64(name) obr_put_f64(&p, info->attrs.name)
#define PACK_STR(name) obr_put_str(&p, info->attrs.name ? info->attrs.name : "")
#define PACK_ATTR(type, name, dflt, help) PACK_##type(name);
            OB_STEP_ATTRS(PACK_ATTR)
#undef PACK_ATTR
#undef PACK_STR
#undef PACK_F64
#undef PACK_INT
            uint64_t nph = 0;
            while (info->phases && info->phases[nph])
                nph++;
            obr_put_u64(&p, nph);
            for (uint64_t i = 0; i < nph; i++)
                obr_put_str(&p, info->phases[i]);
        }
    }
    if (obr_pack_bcast(r->comm, &p) < 0)
        obr_st_fail(&st, "out of memory packing the step information");
    uint64_t mine[2] = {nreps, nphases}, offset[2] = {0, 0}, total[2] = {0, 0};
    MPI_Exscan(mine, offset, 2, MPI_UINT64_T, MPI_SUM, r->comm);
    if (r->rank == 0)
        offset[0] = offset[1] = 0; /* MPI_Exscan leaves rank 0's undefined */
    MPI_Allreduce(mine, total, 2, MPI_UINT64_T, MPI_SUM, r->comm);
    if (obr_agree(r->comm, &st, err, errlen) < 0) {
        obr_pack_free(&p);
        return -1;
    }
    const char *kernel = obr_get_str(&p), *placement = obr_get_str(&p);
    ob_step_attrs attrs;
#define UNPACK_INT(name) attrs.name = obr_get_i64(&p)
#define UNPACK_F64(name) attrs.name = obr_get_f64(&p)
#define UNPACK_STR(name) attrs.name = obr_get_str(&p)
#define UNPACK_ATTR(type, name, dflt, help) UNPACK_##type(name);
    OB_STEP_ATTRS(UNPACK_ATTR)
#undef UNPACK_ATTR
#undef UNPACK_STR
#undef UNPACK_F64
#undef UNPACK_INT
    size_t nph = obr_get_u64(&p);
    const char **phase_names = calloc(nph + 1, sizeof *phase_names);
    for (size_t i = 0; i < nph && phase_names; i++)
        phase_names[i] = obr_get_str(&p);
    if (!phase_names || p.bad)
        obr_st_fail(&st, "out of memory unpacking the step information");

    char kname[32];
    snprintf(kname, sizeof kname, "k%04d", (int)attrs.k);
    const char *names[3] = {"steps", kernel, placement};
    hid_t pg = st.failed ? -1 : obr_open_group_path(r->file, &st, 3, names);
    if (!st.failed && H5Lexists(pg, kname, H5P_DEFAULT) > 0) {
        if (obr_step_group_done(pg, kname))
            obr_st_fail(&st, "step %s/%s/%s is already in %s", kernel, placement, kname, r->path);
        else
            obr_remove_link_if_exists(pg, kname, &st); /* an unfinished attempt */
    }
    hid_t g = -1;
    if (!st.failed) {
        g = H5Gcreate2(pg, kname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            obr_st_h5fail(&st, "cannot create step group %s/%s/%s", kernel, placement, kname);
    }
    if (!st.failed && ob_h5_write_step_attrs(g, &attrs) < 0)
        obr_st_h5fail(&st, "cannot write the attributes of step %s/%s/%s", kernel, placement,
                      kname);
    if (!st.failed && ob_h5_attr_put_strings(g, "phases", phase_names, nph) < 0)
        obr_st_h5fail(&st, "cannot write attribute 'phases'");

    hid_t rep_type = ob_h5_rep_type(), phase_type = ob_h5_phase_type();
    if (rep_type < 0 || phase_type < 0)
        obr_st_h5fail(&st, "cannot build the record types");
    write_step_rows(r, g, "reps", rep_type, total[0], offset[0], nreps, reps, &st);
    write_step_rows(r, g, "phases", phase_type, total[1], offset[1], nphases, phases, &st);
    /* Last: marks the step finished for resume. */
    obr_put_int_attr(g, "done", 1, &st);
    obr_close_id(rep_type);
    obr_close_id(phase_type);
    obr_close_id(g);
    obr_close_id(pg);
    free(phase_names);
    obr_pack_free(&p);
    return obr_agree(r->comm, &st, err, errlen);
}

/* ---- summary ---------------------------------------------------------------- */

#define SUMMARY_CHUNK 32

/* Local: read every row of a 1-D summary dataset (independent read). */
static ob_summary_row *read_summary_rows(hid_t d, hid_t type, size_t *n)
{
    hid_t space = H5Dget_space(d);
    hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    obr_close_id(space);
    if (np < 0)
        return NULL;
    ob_summary_row *rows = calloc(np ? (size_t)np : 1, sizeof *rows);
    if (!rows)
        return NULL;
    if (np && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) {
        free(rows);
        return NULL;
    }
    *n = (size_t)np;
    return rows;
}

int ob_results_append_summary(ob_results *r, const char *kernel, const char *placement,
                              const char *figure_name, const ob_summary_row *row, char *err,
                              size_t errlen)
{
    obr_status st = {0};
    obr_pack p = {0};
    if (r->rank == 0) {
        obr_check_name(&st, "kernel", kernel);
        obr_check_name(&st, "placement", placement);
        if (!row)
            obr_st_fail(&st, "append_summary: no row");
        obr_put_str(&p, kernel);
        obr_put_str(&p, placement);
        obr_put_str(&p, figure_name);
        if (row)
            obr_put_bytes(&p, row, sizeof *row);
    }
    if (obr_pack_bcast(r->comm, &p) < 0)
        obr_st_fail(&st, "out of memory packing the summary row");
    if (obr_agree(r->comm, &st, err, errlen) < 0) {
        obr_pack_free(&p);
        return -1;
    }
    const char *kern = obr_get_str(&p), *place = obr_get_str(&p), *fig = obr_get_str(&p);
    ob_summary_row the_row;
    const void *rb = obr_get_bytes(&p, sizeof the_row);
    if (rb)
        memcpy(&the_row, rb, sizeof the_row);
    else
        obr_st_fail(&st, "internal error unpacking the summary row");

    const char *names[2] = {"summary", kern};
    hid_t kg = st.failed ? -1 : obr_open_group_path(r->file, &st, 2, names);
    hid_t type = ob_h5_summary_type(), d = -1;
    if (type < 0)
        obr_st_h5fail(&st, "cannot build the summary type");
    if (!st.failed) {
        htri_t exists = H5Lexists(kg, place, H5P_DEFAULT);
        if (exists > 0) {
            d = H5Dopen2(kg, place, H5P_DEFAULT);
        } else if (exists == 0) {
            hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {SUMMARY_CHUNK};
            hid_t space = H5Screate_simple(1, dims, maxdims), dcpl = obr_make_dcpl(1, chunk);
            if (space >= 0 && dcpl >= 0)
                d = H5Dcreate2(kg, place, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            obr_close_id(space);
            obr_close_id(dcpl);
            obr_put_string_attr(d, "figure_name", fig, &st);
        }
        if (d < 0)
            obr_st_h5fail(&st, "cannot open or create /summary/%s/%s", kern, place);
    }
    /* Rank 0 (the only writer of summaries) finds the row for this k: a
     * step written again replaces its row instead of adding a second. */
    int64_t index = -1, nrows = 0;
    if (!st.failed && r->rank == 0) {
        size_t n = 0;
        ob_summary_row *rows = read_summary_rows(d, type, &n);
        if (!rows)
            obr_st_h5fail(&st, "cannot read /summary/%s/%s", kern, place);
        for (size_t i = 0; rows && i < n; i++)
            if (rows[i].k == the_row.k)
                index = (int64_t)i;
        nrows = (int64_t)n;
        free(rows);
    }
    int rc = obr_agree(r->comm, &st, err, errlen);
    if (rc == 0) {
        int64_t where[2] = {index, nrows};
        MPI_Bcast(where, 2, MPI_INT64_T, 0, r->comm);
        index = where[0];
        nrows = where[1];
        if (index < 0) {
            index = nrows;
            hsize_t dims[1] = {(hsize_t)nrows + 1};
            if (H5Dset_extent(d, dims) < 0)
                obr_st_h5fail(&st, "cannot extend /summary/%s/%s", kern, place);
        }
        obr_write_rows(d, type, r->dxpl_coll, 1, (hsize_t)index, r->rank == 0 ? 1 : 0, 0, &the_row,
                       "a summary row", &st);
        rc = obr_agree(r->comm, &st, err, errlen);
    }
    obr_close_id(d);
    obr_close_id(type);
    obr_close_id(kg);
    obr_pack_free(&p);
    return rc;
}

int ob_results_read_summary(const ob_results *r, const char *kernel, const char *placement, int k,
                            ob_summary_row *out)
{
    obr_status st = {0};
    const char *names[3] = {"summary", kernel, placement};
    if (!r || !out || obr_check_name(&st, "kernel", kernel) < 0 ||
        obr_check_name(&st, "placement", placement) < 0 || !obr_links_exist(r->file, 3, names)) {
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    char path[3 * NAME_MAX_LEN + 16];
    snprintf(path, sizeof path, "summary/%s/%s", kernel, placement);
    hid_t d = H5Dopen2(r->file, path, H5P_DEFAULT), type = ob_h5_summary_type();
    int rc = -1;
    size_t n = 0;
    ob_summary_row *rows = (d >= 0 && type >= 0) ? read_summary_rows(d, type, &n) : NULL;
    for (size_t i = 0; rows && i < n; i++)
        if (rows[i].k == k) {
            *out = rows[i];
            rc = 0;
        }
    free(rows);
    obr_close_id(type);
    obr_close_id(d);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

/* ---- monitor ---------------------------------------------------------------- */

#define MONITOR_CHUNK 256

/* Open dataset `name` in g, or create it empty and extendible along rows
 * (rank 1: rows; rank 2: rows x cols). */
static hid_t open_or_create_series(hid_t g, const char *name, hid_t type, int ndims, hsize_t cols,
                                   obr_status *st)
{
    if (st->failed)
        return -1;
    htri_t exists = H5Lexists(g, name, H5P_DEFAULT);
    hid_t d = -1;
    if (exists > 0) {
        d = H5Dopen2(g, name, H5P_DEFAULT);
    } else if (exists == 0) {
        hsize_t rows_per_chunk = MONITOR_CHUNK;
        if (ndims == 2 && cols > 1) {
            rows_per_chunk = (1u << 18) / cols; /* chunks of at most ~1 MiB of floats */
            if (rows_per_chunk < 1)
                rows_per_chunk = 1;
            if (rows_per_chunk > MONITOR_CHUNK)
                rows_per_chunk = MONITOR_CHUNK;
        }
        hsize_t dims[2] = {0, cols}, maxdims[2] = {H5S_UNLIMITED, cols};
        hsize_t chunk[2] = {rows_per_chunk, cols};
        hid_t space = H5Screate_simple(ndims, dims, maxdims), dcpl = obr_make_dcpl(ndims, chunk);
        if (space >= 0 && dcpl >= 0)
            d = H5Dcreate2(g, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        obr_close_id(space);
        obr_close_id(dcpl);
    }
    if (d < 0)
        obr_st_h5fail(st, "cannot open or create monitor dataset %s", name);
    return d;
}

/* Local: rows of d now; for 2-D datasets check the column count. */
static hsize_t series_length(hid_t d, int ndims, hsize_t cols, const char *what, obr_status *st)
{
    if (st->failed)
        return 0;
    hsize_t dims[2] = {0, 0};
    hid_t space = H5Dget_space(d);
    int got = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    obr_close_id(space);
    if (got != ndims)
        obr_st_h5fail(st, "cannot read the extent of %s", what);
    else if (ndims == 2 && dims[1] != cols)
        obr_st_fail(st, "%s has %llu columns in the file, %llu now", what,
                    (unsigned long long)dims[1], (unsigned long long)cols);
    return dims[0];
}

/* Collective: extend d from `base` by `add` rows and write this rank's n
 * rows at base + my_offset. */
static void append_series(ob_results *r, hid_t d, hid_t memtype, int ndims, hsize_t cols,
                          hsize_t base, hsize_t add, hsize_t my_offset, size_t n, const void *buf,
                          const char *what, obr_status *st)
{
    if (st->failed)
        return;
    hsize_t dims[2] = {base + add, cols};
    if (H5Dset_extent(d, dims) < 0) {
        obr_st_h5fail(st, "cannot extend %s", what);
        return;
    }
    obr_write_rows(d, memtype, r->dxpl_coll, ndims, base + my_offset, n, cols, buf, what, st);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int ob_results_append_monitor(ob_results *r, int node, const ob_monitor_sample *samples, size_t n,
                              const float *cpu_busy, int ncpus, char *err, size_t errlen)
{
    obr_status st = {0};
    if (n && (!samples || node < 0 || ncpus < 0 || (ncpus > 0 && !cpu_busy)))
        obr_st_fail(&st,
                    "append_monitor: %zu samples need node >= 0 (got %d), samples and cpu_busy", n,
                    node);
    if (n > INT32_MAX)
        obr_st_fail(&st, "append_monitor: too many samples (%zu)", n);
    int mine[3] = {st.failed ? -1 : node, st.failed ? 0 : (int)n, ncpus};
    int *all = malloc(sizeof(int) * 3 * (size_t)r->size);
    int *nodes = malloc(sizeof(int) * (size_t)r->size);
    if (!all || !nodes) {
        fprintf(stderr, "occbench: out of memory in append_monitor\n");
        MPI_Abort(r->comm, 1);
    }
    MPI_Allgather(mine, 3, MPI_INT, all, 3, MPI_INT, r->comm);
    if (obr_agree(r->comm, &st, err, errlen) < 0) {
        free(all);
        free(nodes);
        return -1;
    }
    /* The nodes taking part, ascending: every rank derives the same list. */
    int nn = 0;
    for (int i = 0; i < r->size; i++)
        if (all[3 * i] >= 0)
            nodes[nn++] = all[3 * i];
    qsort(nodes, (size_t)nn, sizeof *nodes, cmp_int);
    hid_t type = ob_h5_monitor_type();
    if (type < 0)
        obr_st_h5fail(&st, "cannot build the monitor type");
    for (int j = 0; j < nn && !st.failed; j++) {
        if (j && nodes[j] == nodes[j - 1])
            continue;
        int this_node = nodes[j], cols = -1;
        hsize_t add = 0, my_offset = 0;
        for (int i = 0; i < r->size; i++) {
            if (all[3 * i] != this_node)
                continue;
            if (cols >= 0 && all[3 * i + 2] != cols)
                obr_st_fail(&st, "append_monitor: node %d given %d and %d cpus", this_node, cols,
                            all[3 * i + 2]);
            cols = all[3 * i + 2];
            if (i < r->rank)
                my_offset += (hsize_t)all[3 * i + 1];
            add += (hsize_t)all[3 * i + 1];
        }
        size_t my_n = node == this_node ? n : 0;
        char gname[32];
        snprintf(gname, sizeof gname, "node%04d", this_node);
        const char *names[2] = {"monitor", gname};
        hid_t g = st.failed ? -1 : obr_open_group_path(r->file, &st, 2, names);
        /* Both datasets checked before either grows, so a refused append
         * leaves samples and cpu_busy the same length. */
        char what_s[64], what_c[64];
        snprintf(what_s, sizeof what_s, "/monitor/%s/samples", gname);
        snprintf(what_c, sizeof what_c, "/monitor/%s/cpu_busy", gname);
        hid_t ds = open_or_create_series(g, "samples", type, 1, 0, &st), dc = -1;
        hsize_t base = series_length(ds, 1, 0, what_s, &st);
        if (cols > 0) {
            dc = open_or_create_series(g, "cpu_busy", H5T_NATIVE_FLOAT, 2, (hsize_t)cols, &st);
            if (series_length(dc, 2, (hsize_t)cols, what_c, &st) != base && !st.failed)
                obr_st_fail(&st, "%s and %s differ in length", what_s, what_c);
        }
        append_series(r, ds, type, 1, 0, base, add, my_offset, my_n, samples, what_s, &st);
        if (cols > 0)
            append_series(r, dc, H5T_NATIVE_FLOAT, 2, (hsize_t)cols, base, add, my_offset, my_n,
                          cpu_busy, what_c, &st);
        obr_close_id(dc);
        obr_close_id(ds);
        obr_close_id(g);
    }
    obr_close_id(type);
    free(all);
    free(nodes);
    return obr_agree(r->comm, &st, err, errlen);
}
