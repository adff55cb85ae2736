/* The sections of the results file: /system, /counters, steps, /summary and
 * /monitor (the rules are in driver/record/results_file.c). Every public call is
 * made by every rank; rank 0 writes (its arguments are the ones written),
 * the others wait for the outcome. Each write reserves its bytes first. */
#include <errno.h>
#include <hdf5.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/records_h5.h"
#include "driver/node/park.h"
#include "driver/record/results_internal.h"

/* Bytes of metadata (object headers, B-tree nodes, heaps) one new group or
 * dataset may add, generously: HDF5 allocates metadata in 2 KiB blocks. */
#define OBR_OBJECT_BYTES (8 * 1024)
/* And what an attribute adds beyond its value. */
#define OBR_ATTR_BYTES 512

/* ---- /system and /counters ----------------------------------------------- */

/* 1-D dataset `name` of n fixed-length strings. */
static void write_string_list(hid_t parent, const char *name, const char *const *values, size_t n,
                              obr_status *st)
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
    else
        obr_write_rows(d, type, 1, 0, n, 0, buf, name, st);
    obr_close_id(d);
    obr_close_id(dcpl);
    obr_close_id(space);
    obr_close_id(type);
    free(buf);
}

/* Scalar fixed-length string dataset `name` holding `text`. */
static void write_text(hid_t parent, const char *name, const char *text, obr_status *st)
{
    obr_remove_link_if_exists(parent, name, st);
    if (st->failed)
        return;
    size_t len = strlen(text);
    hid_t type = ob_h5_string_type(len), space = H5Screate(H5S_SCALAR);
    hid_t dcpl = obr_make_dcpl(0, NULL), d = -1;
    if (type >= 0 && space >= 0 && dcpl >= 0)
        d = H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0)
        obr_st_h5fail(st, "cannot create dataset %s", name);
    else if (H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, len ? text : "") < 0)
        obr_st_h5fail(st, "cannot write dataset %s", name);
    obr_close_id(d);
    obr_close_id(dcpl);
    obr_close_id(space);
    obr_close_id(type);
}

static size_t strings_bytes(const char *const *values, size_t n)
{
    size_t width = 1;
    for (size_t i = 0; i < n; i++)
        if (values[i] && strlen(values[i]) > width)
            width = strlen(values[i]);
    return n * width;
}

static void write_system_here(ob_results *r, const ob_kv *pairs, size_t npairs,
                              const char *const *hostnames, int nnodes, const char *topology_xml,
                              obr_status *st)
{
    size_t nhosts = nnodes > 0 ? (size_t)nnodes : 0;
    const char *xml = topology_xml ? topology_xml : "";
    uint64_t need = 3 * OBR_OBJECT_BYTES + strlen(xml) + strings_bytes(hostnames, nhosts);
    for (size_t i = 0; i < npairs; i++) {
        if (!pairs[i].key || !pairs[i].key[0])
            obr_st_fail(st, "system provenance pair %zu has an empty key", i);
        need +=
            OBR_ATTR_BYTES + strlen(pairs[i].key) + (pairs[i].value ? strlen(pairs[i].value) : 0);
    }
    obr_open(r, st);
    obr_reserve(r, need, "the system provenance", st);
    hid_t sys = st->failed ? -1 : H5Gopen2(r->file, "system", H5P_DEFAULT);
    if (!st->failed && sys < 0)
        obr_st_h5fail(st, "cannot open /system");
    for (size_t i = 0; i < npairs; i++)
        obr_put_string_attr(sys, pairs[i].key, pairs[i].value, st);
    const char **hosts = calloc(nhosts ? nhosts : 1, sizeof *hosts);
    if (!hosts)
        obr_st_fail(st, "out of memory");
    for (size_t i = 0; hosts && i < nhosts; i++)
        hosts[i] = hostnames && hostnames[i] ? hostnames[i] : "";
    if (!st->failed)
        write_string_list(sys, "hostnames", hosts, nhosts, st);
    if (!st->failed)
        write_text(sys, "topology.xml", xml, st);
    obr_close_id(sys);
    free(hosts);
}

int ob_results_write_system(ob_results *r, const ob_kv *pairs, size_t npairs,
                            const char *const *hostnames, int nnodes, const char *topology_xml,
                            char *err, size_t errlen)
{
    obr_status st = {0};
    if (r->rank == 0)
        write_system_here(r, pairs, npairs, hostnames, nnodes, topology_xml, &st);
    return obr_agree(r->comm, &st, err, errlen);
}

static void write_counters_here(ob_results *r, const ob_metric_source *sources,
                                const char *const *labels, int nnodes, obr_status *st)
{
    size_t nodes = nnodes > 0 ? (size_t)nnodes : 0, nrows = nodes * OB_METRIC_COUNT;
    ob_counter_row *rows = calloc(nrows ? nrows : 1, sizeof *rows);
    const char **families = calloc(nodes ? nodes : 1, sizeof *families);
    if (!rows || !families)
        obr_st_fail(st, "out of memory writing /counters");
    for (size_t i = 0; families && i < nodes; i++)
        families[i] = labels && labels[i] ? labels[i] : "";
    for (size_t i = 0; rows && sources && i < nrows; i++) {
        const ob_metric_source *s = &sources[i];
        rows[i].node = (int32_t)(i / OB_METRIC_COUNT);
        rows[i].available = s->available;
        snprintf(rows[i].metric, sizeof rows[i].metric, "%s",
                 ob_metric_name((ob_metric)(i % OB_METRIC_COUNT)));
        snprintf(rows[i].event, sizeof rows[i].event, "%s", s->event);
        snprintf(rows[i].reason, sizeof rows[i].reason, "%s", s->reason);
        rows[i].scale = s->scale;
    }
    obr_open(r, st);
    obr_reserve(r, 2 * OBR_OBJECT_BYTES + nrows * sizeof *rows + nodes * 64, "/counters", st);
    hid_t g = st->failed ? -1 : H5Gopen2(r->file, "counters", H5P_DEFAULT);
    if (!st->failed && g < 0)
        obr_st_h5fail(st, "cannot open /counters");
    obr_remove_link_if_exists(g, "sources", st);
    hsize_t dims[1] = {nrows};
    hid_t type = ob_h5_counter_type(), space = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = obr_make_dcpl(1, NULL), d = -1;
    if (!st->failed) {
        if (type >= 0 && space >= 0 && dcpl >= 0)
            d = H5Dcreate2(g, "sources", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d < 0)
            obr_st_h5fail(st, "cannot create /counters/sources");
        else if (sources)
            obr_write_rows(d, type, 1, 0, nrows, 0, rows, "/counters/sources", st);
    }
    if (!st->failed)
        write_string_list(g, "cpu_family", families, nodes, st);
    obr_close_id(d);
    obr_close_id(dcpl);
    obr_close_id(space);
    obr_close_id(type);
    obr_close_id(g);
    free(rows);
    free(families);
}

int ob_results_write_counters(ob_results *r, const ob_metric_source *sources,
                              const char *const *labels, int nnodes, char *err, size_t errlen)
{
    obr_status st = {0};
    if (r->rank == 0)
        write_counters_here(r, sources, labels, nnodes, &st);
    return obr_agree(r->comm, &st, err, errlen);
}

/* ---- steps ------------------------------------------------------------------ */

int ob_results_step_done(ob_results *r, const char *kernel, const char *placement, int k)
{
    char kname[32];
    snprintf(kname, sizeof kname, "k%04d", k);
    const char *names[4] = {"steps", kernel, placement, kname};
    obr_status st = {0};
    if (!r || r->rank != 0 || obr_check_name(&st, "kernel", kernel) < 0 ||
        obr_check_name(&st, "placement", placement) < 0)
        return 0;
    obr_open(r, &st);
    int done = 0;
    if (!st.failed && obr_links_exist(r->file, 3, names)) {
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

/* Dataset `name` holding all n rows. */
static void write_step_rows(hid_t g, const char *name, hid_t type, size_t n, const void *rows,
                            obr_status *st)
{
    if (st->failed)
        return;
    hsize_t dims[1] = {n};
    hid_t space = H5Screate_simple(1, dims, NULL), dcpl = obr_make_dcpl(1, NULL), d = -1;
    if (space >= 0 && dcpl >= 0)
        d = H5Dcreate2(g, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0)
        obr_st_h5fail(st, "cannot create dataset %s", name);
    else
        obr_write_rows(d, type, 1, 0, n, 0, rows, name, st);
    obr_close_id(d);
    obr_close_id(dcpl);
    obr_close_id(space);
}

/* What the step's attributes take in the file, generously. */
static uint64_t step_attr_bytes(const ob_step_attrs *attrs, const char *const *phases)
{
    uint64_t bytes = 2 * OBR_ATTR_BYTES; /* phases and done */
#define BYTES_INT(name) bytes += OBR_ATTR_BYTES
#define BYTES_F64(name) bytes += OBR_ATTR_BYTES
#define BYTES_STR(name) bytes += OBR_ATTR_BYTES + (attrs->name ? strlen(attrs->name) : 0)
#define BYTES_ATTR(type, name, dflt, help) BYTES_##type(name);
    OB_STEP_ATTRS(BYTES_ATTR)
#undef BYTES_ATTR
#undef BYTES_STR
#undef BYTES_F64
#undef BYTES_INT
    for (size_t i = 0; phases && phases[i]; i++)
        bytes += 64 + strlen(phases[i]);
    return bytes;
}

static uint64_t step_bytes(const ob_step_info *info, size_t nreps, size_t nphases)
{
    return 3 * OBR_OBJECT_BYTES + step_attr_bytes(&info->attrs, info->phases) +
           nreps * sizeof(ob_rep_record) + nphases * sizeof(ob_phase_record);
}

static void write_step_here(ob_results *r, const ob_step_info *info, const ob_rep_record *reps,
                            size_t nreps, const ob_phase_record *phases, size_t nphases,
                            obr_status *st)
{
    if ((nreps && !reps) || (nphases && !phases))
        obr_st_fail(st, "write_step: rows missing (nreps %zu, nphases %zu)", nreps, nphases);
    if (!info) {
        obr_st_fail(st, "write_step: no step information");
        return;
    }
    obr_check_name(st, "kernel", info->kernel);
    obr_check_name(st, "placement", info->placement);
    if (info->attrs.k < 0 || info->attrs.k > 9999)
        obr_st_fail(st, "write_step: k %lld out of range 0..9999", info->attrs.k);
    char kname[32], what[3 * NAME_MAX_LEN + 64];
    snprintf(kname, sizeof kname, "k%04d", (int)info->attrs.k);
    snprintf(what, sizeof what, "step %s/%s/%s", info->kernel, info->placement, kname);
    obr_open(r, st);
    obr_reserve(r, step_bytes(info, nreps, nphases), what, st);
    const char *names[3] = {"steps", info->kernel, info->placement};
    hid_t pg = st->failed ? -1 : obr_open_group_path(r->file, st, 3, names);
    if (!st->failed && H5Lexists(pg, kname, H5P_DEFAULT) > 0) {
        if (obr_step_group_done(pg, kname))
            obr_st_fail(st, "%s is already in %s", what, r->path);
        else
            obr_remove_link_if_exists(pg, kname, st); /* an unfinished attempt */
    }
    hid_t g = -1;
    if (!st->failed) {
        g = H5Gcreate2(pg, kname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            obr_st_h5fail(st, "cannot create the group of %s", what);
    }
    if (!st->failed && ob_h5_write_step_attrs(g, &info->attrs) < 0)
        obr_st_h5fail(st, "cannot write the attributes of %s", what);
    size_t nph = 0;
    while (info->phases && info->phases[nph])
        nph++;
    if (!st->failed && ob_h5_attr_put_strings(g, "phases", info->phases, nph) < 0)
        obr_st_h5fail(st, "cannot write attribute 'phases'");
    hid_t rep_type = ob_h5_rep_type(), phase_type = ob_h5_phase_type();
    if (rep_type < 0 || phase_type < 0)
        obr_st_h5fail(st, "cannot build the record types");
    write_step_rows(g, "reps", rep_type, nreps, reps, st);
    write_step_rows(g, "phases", phase_type, nphases, phases, st);
    /* Last: marks the step finished for resume. */
    obr_put_int_attr(g, "done", 1, st);
    obr_close_id(rep_type);
    obr_close_id(phase_type);
    obr_close_id(g);
    obr_close_id(pg);
}

int ob_results_write_step(ob_results *r, const ob_step_info *info, const ob_rep_record *reps,
                          size_t nreps, const ob_phase_record *phases, size_t nphases, char *err,
                          size_t errlen)
{
    obr_status st = {0};
    if (r->rank == 0)
        write_step_here(r, info, reps, nreps, phases, nphases, &st);
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

/* a new chunk, the dataset and its attribute at most */
#define SUMMARY_BYTES (2 * OBR_OBJECT_BYTES + SUMMARY_CHUNK * sizeof(ob_summary_row))

static void append_summary_here(ob_results *r, const char *kernel, const char *placement,
                                const char *figure_name, const ob_summary_row *row, obr_status *st)
{
    obr_check_name(st, "kernel", kernel);
    obr_check_name(st, "placement", placement);
    if (!row)
        obr_st_fail(st, "append_summary: no row");
    char what[2 * NAME_MAX_LEN + 32];
    snprintf(what, sizeof what, "/summary/%s/%s", kernel ? kernel : "", placement ? placement : "");
    obr_open(r, st);
    obr_reserve(r, SUMMARY_BYTES, what, st);
    const char *names[2] = {"summary", kernel};
    hid_t kg = st->failed ? -1 : obr_open_group_path(r->file, st, 2, names);
    hid_t type = ob_h5_summary_type(), d = -1;
    if (type < 0)
        obr_st_h5fail(st, "cannot build the summary type");
    if (!st->failed) {
        htri_t exists = H5Lexists(kg, placement, H5P_DEFAULT);
        if (exists > 0) {
            d = H5Dopen2(kg, placement, H5P_DEFAULT);
        } else if (exists == 0) {
            hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {SUMMARY_CHUNK};
            hid_t space = H5Screate_simple(1, dims, maxdims), dcpl = obr_make_dcpl(1, chunk);
            if (space >= 0 && dcpl >= 0)
                d = H5Dcreate2(kg, placement, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            obr_close_id(space);
            obr_close_id(dcpl);
            obr_put_string_attr(d, "figure_name", figure_name, st);
        }
        if (d < 0)
            obr_st_h5fail(st, "cannot open or create %s", what);
    }
    /* A step written again (after --resume) replaces its row. */
    size_t n = 0;
    ob_summary_row *rows = st->failed ? NULL : read_summary_rows(d, type, &n);
    if (!st->failed && !rows)
        obr_st_h5fail(st, "cannot read %s", what);
    size_t index = n;
    for (size_t i = 0; rows && i < n; i++)
        if (rows[i].k == row->k)
            index = i;
    free(rows);
    if (!st->failed && index == n) {
        hsize_t dims[1] = {(hsize_t)n + 1};
        if (H5Dset_extent(d, dims) < 0)
            obr_st_h5fail(st, "cannot extend %s", what);
    }
    obr_write_rows(d, type, 1, (hsize_t)index, 1, 0, row, "a summary row", st);
    obr_close_id(d);
    obr_close_id(type);
    obr_close_id(kg);
}

int ob_results_append_summary(ob_results *r, const char *kernel, const char *placement,
                              const char *figure_name, const ob_summary_row *row, char *err,
                              size_t errlen)
{
    obr_status st = {0};
    if (r->rank == 0)
        append_summary_here(r, kernel, placement, figure_name, row, &st);
    return obr_agree(r->comm, &st, err, errlen);
}

int ob_results_read_summary(ob_results *r, const char *kernel, const char *placement, int k,
                            ob_summary_row *out)
{
    obr_status st = {0};
    const char *names[3] = {"summary", kernel, placement};
    if (!r || r->rank != 0 || !out || obr_check_name(&st, "kernel", kernel) < 0 ||
        obr_check_name(&st, "placement", placement) < 0)
        return -1;
    obr_open(r, &st);
    if (st.failed || !obr_links_exist(r->file, 3, names)) {
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

/* Extend d from `base` by n rows and write them there. */
static void append_series(hid_t d, hid_t memtype, int ndims, hsize_t cols, hsize_t base, size_t n,
                          const void *buf, const char *what, obr_status *st)
{
    if (st->failed || n == 0)
        return;
    hsize_t dims[2] = {base + n, cols};
    if (H5Dset_extent(d, dims) < 0) {
        obr_st_h5fail(st, "cannot extend %s", what);
        return;
    }
    obr_write_rows(d, memtype, ndims, base, n, cols, buf, what, st);
}

/* Bytes a monitor append of n rows may add: every chunk it can touch is
 * new, plus the group and its datasets. */
static uint64_t monitor_bytes(size_t n, int ncpus)
{
    uint64_t rows_chunk = ncpus > 1 ? (1u << 18) / (unsigned)ncpus : MONITOR_CHUNK;
    if (rows_chunk < 1)
        rows_chunk = 1;
    if (rows_chunk > MONITOR_CHUNK)
        rows_chunk = MONITOR_CHUNK;
    uint64_t busy_chunks = n / rows_chunk + 2, sample_chunks = n / MONITOR_CHUNK + 2;
    return 3 * OBR_OBJECT_BYTES + sample_chunks * MONITOR_CHUNK * sizeof(ob_monitor_sample) +
           (ncpus > 0 ? busy_chunks * rows_chunk * (uint64_t)ncpus * sizeof(float) : 0);
}

/* One node's samples (and cpu_busy rows) appended to /monitor/nodeNNNN. */
static void append_node_here(ob_results *r, int node, const ob_monitor_sample *samples, size_t n,
                             const float *busy, int ncpus, obr_status *st)
{
    char gname[32], what_s[64], what_c[64];
    snprintf(gname, sizeof gname, "node%04d", node);
    snprintf(what_s, sizeof what_s, "/monitor/%s/samples", gname);
    snprintf(what_c, sizeof what_c, "/monitor/%s/cpu_busy", gname);
    obr_reserve(r, monitor_bytes(n, ncpus), what_s, st);
    const char *names[2] = {"monitor", gname};
    hid_t g = st->failed ? -1 : obr_open_group_path(r->file, st, 2, names);
    hid_t type = ob_h5_monitor_type();
    if (type < 0)
        obr_st_h5fail(st, "cannot build the monitor type");
    /* Both datasets checked before either grows, so a refused append
     * leaves samples and cpu_busy the same length. */
    hid_t ds = open_or_create_series(g, "samples", type, 1, 0, st), dc = -1;
    hsize_t base = series_length(ds, 1, 0, what_s, st);
    if (ncpus > 0) {
        dc = open_or_create_series(g, "cpu_busy", H5T_NATIVE_FLOAT, 2, (hsize_t)ncpus, st);
        if (series_length(dc, 2, (hsize_t)ncpus, what_c, st) != base && !st->failed)
            obr_st_fail(st, "%s and %s differ in length", what_s, what_c);
    }
    append_series(ds, type, 1, 0, base, n, samples, what_s, st);
    if (ncpus > 0)
        append_series(dc, H5T_NATIVE_FLOAT, 2, (hsize_t)ncpus, base, n, busy, what_c, st);
    obr_close_id(dc);
    obr_close_id(ds);
    obr_close_id(type);
    obr_close_id(g);
}

/* The node leaders' samples reach rank 0 (sleeping gathers); what each
 * rank sent is described by head[3 * rank] = node, n, ncpus. */
typedef struct monitor_gather {
    int *head;
    ob_monitor_sample *samples;
    float *busy;
} monitor_gather;

static void monitor_gather_free(monitor_gather *g)
{
    free(g->head);
    free(g->samples);
    free(g->busy);
}

/* Collective: rank 0 receives every rank's samples and cpu_busy rows, in
 * rank order. */
static void gather_monitor(ob_results *r, const int mine[3], const ob_monitor_sample *samples,
                           const float *busy, monitor_gather *g)
{
    if (r->rank == 0 && !(g->head = calloc((size_t)r->size * 3, sizeof *g->head))) {
        fprintf(stderr, "occbench: out of memory gathering the monitor samples\n");
        MPI_Abort(r->comm, 1);
    }
    ob_sleep_gather(mine, 3, MPI_INT, g->head, 3, MPI_INT, 0, r->comm);
    void *all_samples = NULL, *all_busy = NULL;
    size_t nsamples = 0, nbusy = 0;
    ob_gather_records(samples, (size_t)mine[1], sizeof *samples, &all_samples, &nsamples, 0,
                      r->comm);
    ob_gather_records(busy, (size_t)mine[1] * (size_t)mine[2], sizeof *busy, &all_busy, &nbusy, 0,
                      r->comm);
    g->samples = all_samples;
    g->busy = all_busy;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Rank 0: append every node's gathered samples, nodes in ascending order,
 * a node's contributors in rank order. */
static void append_monitor_here(ob_results *r, const monitor_gather *g, obr_status *st)
{
    int *nodes = malloc(sizeof(int) * (size_t)r->size);
    if (!nodes) {
        obr_st_fail(st, "out of memory writing /monitor");
        return;
    }
    int nn = 0;
    for (int i = 0; i < r->size; i++) {
        if (g->head[3 * i] == -2 && !st->failed)
            obr_st_fail(st, "append_monitor: rank %d passed samples it could not describe", i);
        if (g->head[3 * i] >= 0)
            nodes[nn++] = g->head[3 * i];
    }
    if (st->failed) {
        free(nodes);
        return;
    }
    qsort(nodes, (size_t)nn, sizeof *nodes, cmp_int);
    obr_open(r, st);
    for (int j = 0; j < nn && !st->failed; j++) {
        if (j && nodes[j] == nodes[j - 1])
            continue;
        size_t sample_at = 0, busy_at = 0;
        for (int i = 0; i < r->size && !st->failed; i++) {
            int node = g->head[3 * i], n = g->head[3 * i + 1], ncpus = g->head[3 * i + 2];
            if (node == nodes[j])
                append_node_here(r, node, g->samples + sample_at, (size_t)n, g->busy + busy_at,
                                 ncpus, st);
            sample_at += (size_t)n;
            busy_at += (size_t)n * (size_t)ncpus;
        }
    }
    free(nodes);
}

static uint64_t gathered_monitor_bytes(const ob_results *r, const monitor_gather *g)
{
    uint64_t bytes = 0;
    for (int i = 0; i < r->size; i++)
        if (g->head[3 * i] >= 0)
            bytes += monitor_bytes((size_t)g->head[3 * i + 1], g->head[3 * i + 2]);
    return bytes;
}

/* Every rank: its own samples described for the gather (node -2: refused here). */
static void describe_samples(int node, size_t n, const ob_monitor_sample *samples,
                             const float *cpu_busy, int ncpus, int mine[3], obr_status *st)
{
    if (n && (!samples || node < 0 || ncpus < 0 || (ncpus > 0 && !cpu_busy)))
        obr_st_fail(st, "append_monitor: %zu samples need node >= 0 (got %d), samples and cpu_busy",
                    n, node);
    if (n > INT32_MAX / (ncpus > 1 ? (size_t)ncpus : 1))
        obr_st_fail(st, "append_monitor: too many samples (%zu)", n);
    mine[0] = st->failed ? -2 : node;
    mine[1] = st->failed ? 0 : (int)n;
    mine[2] = ncpus < 0 ? 0 : ncpus;
}

int ob_results_append_monitor(ob_results *r, int node, const ob_monitor_sample *samples, size_t n,
                              const float *cpu_busy, int ncpus, char *err, size_t errlen)
{
    obr_status st = {0};
    int mine[3];
    describe_samples(node, n, samples, cpu_busy, ncpus, mine, &st);
    monitor_gather g = {0};
    gather_monitor(r, mine, samples, cpu_busy, &g);
    if (r->rank == 0 && !st.failed)
        append_monitor_here(r, &g, &st);
    monitor_gather_free(&g);
    return obr_agree(r->comm, &st, err, errlen);
}

int ob_results_record_step(ob_results *r, const ob_step_record *s, char *err, size_t errlen)
{
    obr_status st = {0};
    int mine[3];
    describe_samples(s->monitor_node, s->nsamples, s->samples, s->cpu_busy, s->ncpus, mine, &st);
    monitor_gather g = {0};
    gather_monitor(r, mine, s->samples, s->cpu_busy, &g);
    if (r->rank == 0 && !st.failed) {
        const ob_step_info *info = &s->info;
        char what[3 * NAME_MAX_LEN + 64];
        snprintf(what, sizeof what, "step %s/%s/k%04d", info->kernel ? info->kernel : "",
                 info->placement ? info->placement : "", (int)info->attrs.k);
        obr_open(r, &st);
        obr_reserve(r,
                    SUMMARY_BYTES + step_bytes(info, s->nreps, s->nphases) +
                        gathered_monitor_bytes(r, &g),
                    what, &st);
        if (!st.failed)
            append_summary_here(r, info->kernel, info->placement, s->figure_name, s->summary, &st);
        if (!st.failed)
            write_step_here(r, info, s->reps, s->nreps, s->phases, s->nphases, &st);
        if (!st.failed)
            append_monitor_here(r, &g, &st);
        obr_close_file(r, &st);
    }
    monitor_gather_free(&g);
    return obr_agree(r->comm, &st, err, errlen);
}

static void link_step_here(ob_results *r, const char *kernel, const char *from, const char *to,
                           int k, const char *figure_name, obr_status *st)
{
    obr_check_name(st, "kernel", kernel);
    obr_check_name(st, "placement", from);
    obr_check_name(st, "placement", to);
    char kname[32], src[3 * NAME_MAX_LEN + 64];
    snprintf(kname, sizeof kname, "k%04d", k);
    snprintf(src, sizeof src, "/steps/%s/%s/%s", kernel, from, kname);
    obr_open(r, st);
    obr_reserve(r, SUMMARY_BYTES + 2 * OBR_OBJECT_BYTES, src, st);
    ob_summary_row row;
    if (!st->failed && ob_results_read_summary(r, kernel, from, k, &row) != 0)
        obr_st_fail(st, "cannot link %s: its summary row is not in %s", src, r->path);
    const char *names[3] = {"steps", kernel, from};
    hid_t pg = st->failed ? -1 : obr_open_group_path(r->file, st, 3, names);
    if (!st->failed && !obr_step_group_done(pg, kname))
        obr_st_fail(st, "cannot link %s: the step is not finished in %s", src, r->path);
    obr_close_id(pg);
    const char *to_names[3] = {"steps", kernel, to};
    hid_t tg = st->failed ? -1 : obr_open_group_path(r->file, st, 3, to_names);
    obr_remove_link_if_exists(tg, kname, st);
    if (!st->failed && H5Lcreate_hard(r->file, src, tg, kname, H5P_DEFAULT, H5P_DEFAULT) < 0)
        obr_st_h5fail(st, "cannot link %s under %s", src, to);
    obr_close_id(tg);
    if (!st->failed)
        append_summary_here(r, kernel, to, figure_name, &row, st);
}

int ob_results_link_step(ob_results *r, const char *kernel, const char *from, const char *to, int k,
                         const char *figure_name, char *err, size_t errlen)
{
    obr_status st = {0};
    if (r->rank == 0) {
        link_step_here(r, kernel, from, to, k, figure_name, &st);
        obr_close_file(r, &st);
    }
    return obr_agree(r->comm, &st, err, errlen);
}
