/* Status, agreement, the broadcast pack and HDF5 helpers of the results
 * file (driver/results_internal.h). */
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

/* ---- local obr_status and agreement ------------------------------------------- */

void obr_st_fail(obr_status *st, const char *fmt, ...)
{
    if (st->failed)
        return; /* keep the first, most specific message */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->msg, sizeof st->msg, fmt, ap);
    va_end(ap);
    st->failed = 1;
}

static herr_t innermost_error(unsigned n, const H5E_error2_t *e, void *data)
{
    if (n == 0 && e->desc)
        snprintf((char *)data, MSG_LEN / 2, "%s", e->desc);
    return 0;
}

/* Like st_fail, appending the innermost HDF5 error description. */
void obr_st_h5fail(obr_status *st, const char *fmt, ...)
{
    char why[MSG_LEN / 2] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, why);
    H5Eclear2(H5E_DEFAULT);
    if (st->failed)
        return;
    char what[MSG_LEN / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (why[0])
        obr_st_fail(st, "%s: %s", what, why);
    else
        obr_st_fail(st, "%s", what);
}

/* Collective: 0 when no rank failed; else -1 and every rank gets the
 * message of the lowest failing rank in err. */
int obr_agree(MPI_Comm comm, const obr_status *st, char *err, size_t errlen)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int mine = st->failed ? rank : size, first = size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size)
        return 0;
    char msg[MSG_LEN];
    if (rank == first)
        snprintf(msg, sizeof msg, "%s", st->msg);
    MPI_Bcast(msg, sizeof msg, MPI_CHAR, first, comm);
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    return -1;
}

/* ---- broadcasting rank 0's arguments ------------------------------------ */

void obr_put_bytes(obr_pack *p, const void *data, size_t n)
{
    if (p->bad)
        return;
    if (p->len + n > p->cap) {
        size_t cap = p->cap ? p->cap : 256;
        while (cap < p->len + n)
            cap *= 2;
        char *b = realloc(p->buf, cap);
        if (!b) {
            p->bad = 1;
            return;
        }
        p->buf = b;
        p->cap = cap;
    }
    if (n)
        memcpy(p->buf + p->len, data, n);
    p->len += n;
}

void obr_put_u64(obr_pack *p, uint64_t v)
{
    obr_put_bytes(p, &v, sizeof v);
}
void obr_put_i64(obr_pack *p, int64_t v)
{
    obr_put_bytes(p, &v, sizeof v);
}
void obr_put_f64(obr_pack *p, double v)
{
    obr_put_bytes(p, &v, sizeof v);
}

void obr_put_str(obr_pack *p, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    obr_put_u64(p, n);
    obr_put_bytes(p, s, n);
}

/* Collective. Returns 0, or -1 on every rank when rank 0's obr_pack is bad
 * or too large for one broadcast. */
int obr_pack_bcast(MPI_Comm comm, obr_pack *p)
{
    int rank;
    MPI_Comm_rank(comm, &rank);
    uint64_t len = (rank == 0 && !p->bad && p->len <= INT32_MAX) ? p->len : UINT64_MAX;
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, comm);
    if (len == UINT64_MAX)
        return -1;
    if (rank != 0) {
        free(p->buf);
        p->buf = malloc(len ? len : 1);
        if (!p->buf) {
            /* This rank cannot take part in the broadcast any more. */
            fprintf(stderr, "occbench: out of memory receiving %" PRIu64 " bytes\n", len);
            MPI_Abort(comm, 1);
        }
        p->len = p->cap = len;
    }
    if (len)
        MPI_Bcast(p->buf, (int)len, MPI_BYTE, 0, comm);
    p->pos = 0;
    return 0;
}

const void *obr_get_bytes(obr_pack *p, size_t n)
{
    if (p->bad || p->pos + n > p->len) {
        p->bad = 1;
        return NULL;
    }
    const void *at = p->buf + p->pos;
    p->pos += n;
    return at;
}

/* Copies the next n bytes to out; out keeps its value when the obr_pack is bad. */
void obr_get_into(obr_pack *p, void *out, size_t n)
{
    const void *b = obr_get_bytes(p, n);
    if (b)
        memcpy(out, b, n);
}

uint64_t obr_get_u64(obr_pack *p)
{
    uint64_t v = 0;
    obr_get_into(p, &v, sizeof v);
    return v;
}
int64_t obr_get_i64(obr_pack *p)
{
    int64_t v = 0;
    obr_get_into(p, &v, sizeof v);
    return v;
}
double obr_get_f64(obr_pack *p)
{
    double v = 0;
    obr_get_into(p, &v, sizeof v);
    return v;
}

/* The string points into the pack's buffer ("" when the obr_pack is bad). */
const char *obr_get_str(obr_pack *p)
{
    uint64_t n = obr_get_u64(p);
    const char *s = obr_get_bytes(p, n);
    if (!s || n == 0 || s[n - 1] != '\0') {
        p->bad = 1;
        return "";
    }
    return s;
}

void obr_pack_free(obr_pack *p)
{
    free(p->buf);
    memset(p, 0, sizeof *p);
}

/* ---- small HDF5 helpers -------------------------------------------------- */

/* A kernel or placement name usable as one HDF5 link name. */
int obr_check_name(obr_status *st, const char *what, const char *name)
{
    if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
        strlen(name) > NAME_MAX_LEN) {
        obr_st_fail(st, "invalid %s name '%s': expected 1-%d characters, no '/', not '.' or '..'",
                    what, name ? name : "(null)", NAME_MAX_LEN);
        return -1;
    }
    return 0;
}

/* Open child group `name` of `parent`, creating it when missing. */
hid_t obr_open_or_create_group(hid_t parent, const char *name, obr_status *st)
{
    if (st->failed)
        return -1;
    htri_t exists = H5Lexists(parent, name, H5P_DEFAULT);
    hid_t g = -1;
    if (exists > 0)
        g = H5Gopen2(parent, name, H5P_DEFAULT);
    else if (exists == 0)
        g = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        obr_st_h5fail(st, "cannot open or create group '%s'", name);
    return g;
}

/* Open /<top>/<a>/<b>... (each component a child group), creating them. */
hid_t obr_open_group_path(hid_t file, obr_status *st, int n, const char *const *names)
{
    hid_t g = H5Gopen2(file, "/", H5P_DEFAULT);
    if (g < 0) {
        obr_st_h5fail(st, "cannot open the root group");
        return -1;
    }
    for (int i = 0; i < n && g >= 0; i++) {
        hid_t child = obr_open_or_create_group(g, names[i], st);
        H5Gclose(g);
        g = child;
    }
    return g;
}

/* Local: 1 when the chain of links parent/names[0]/names[1]/... exists. */
int obr_links_exist(hid_t parent, int n, const char *const *names)
{
    char path[4 * NAME_MAX_LEN + 16] = "";
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        int w = snprintf(path + len, sizeof path - len, "%s%s", i ? "/" : "", names[i]);
        if (w < 0 || (size_t)w >= sizeof path - len)
            return 0;
        len += (size_t)w;
        if (H5Lexists(parent, path, H5P_DEFAULT) <= 0)
            return 0;
    }
    return 1;
}

void obr_remove_link_if_exists(hid_t parent, const char *name, obr_status *st)
{
    if (st->failed)
        return;
    htri_t exists = H5Lexists(parent, name, H5P_DEFAULT);
    if (exists < 0 || (exists > 0 && H5Ldelete(parent, name, H5P_DEFAULT) < 0))
        obr_st_h5fail(st, "cannot replace '%s'", name);
}

void obr_put_string_attr(hid_t obj, const char *name, const char *value, obr_status *st)
{
    if (!st->failed && ob_h5_attr_put_string(obj, name, value ? value : "") < 0)
        obr_st_h5fail(st, "cannot write attribute '%s'", name);
}

void obr_put_int_attr(hid_t obj, const char *name, long long value, obr_status *st)
{
    if (!st->failed && ob_h5_attr_put_int(obj, name, value) < 0)
        obr_st_h5fail(st, "cannot write attribute '%s'", name);
}

/* Dataset creation properties: no fill values written (every element is
 * written by us), chunked and extendible when chunk_rows > 0. */
hid_t obr_make_dcpl(int rank, const hsize_t *chunk)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl < 0)
        return -1;
    if (H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) < 0 ||
        (chunk && H5Pset_chunk(dcpl, rank, chunk) < 0)) {
        H5Pclose(dcpl);
        return -1;
    }
    return dcpl;
}

/* Collective write of `n` rows of this rank at rows [offset, offset+n) of
 * the 1-D or 2-D (rows x cols) dataset; n may be 0 on any rank. */
void obr_write_rows(hid_t dset, hid_t memtype, hid_t dxpl, int ndims, hsize_t offset, size_t n,
                    hsize_t cols, const void *buf, const char *what, obr_status *st)
{
    if (st->failed)
        return;
    hid_t fspace = H5Dget_space(dset);
    hsize_t start[2] = {offset, 0}, count[2] = {n, cols};
    hsize_t mdims[2] = {n ? n : 1, cols ? cols : 1};
    hid_t mspace = H5Screate_simple(ndims, mdims, NULL);
    herr_t sel = -1;
    if (fspace >= 0 && mspace >= 0) {
        if (n) {
            sel = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
        } else {
            sel = H5Sselect_none(fspace);
            if (sel >= 0)
                sel = H5Sselect_none(mspace);
        }
    }
    static const char dummy[1];
    if (sel < 0 || H5Dwrite(dset, memtype, mspace, fspace, dxpl, n ? buf : dummy) < 0)
        obr_st_h5fail(st, "cannot write %s", what);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
}

void obr_close_id(hid_t id)
{
    if (id < 0)
        return;
    switch (H5Iget_type(id)) {
    case H5I_GROUP:
        H5Gclose(id);
        break;
    case H5I_DATASET:
        H5Dclose(id);
        break;
    case H5I_DATATYPE:
        H5Tclose(id);
        break;
    case H5I_DATASPACE:
        H5Sclose(id);
        break;
    case H5I_GENPROP_LST:
        H5Pclose(id);
        break;
    case H5I_ATTR:
        H5Aclose(id);
        break;
    default:
        break;
    }
}
