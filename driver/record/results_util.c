/* Status, agreement, opening, reserving and closing, and HDF5 helpers of
 * the results file (driver/record/results_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/records_h5.h"
#include "driver/node/park.h"
#include "driver/record/results_internal.h"

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
 * message of the lowest failing rank in err. Sleeping waits: ranks that
 * arrive early (all but rank 0 after a write) must not spin. */
int obr_agree(MPI_Comm comm, const obr_status *st, char *err, size_t errlen)
{
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int mine = st->failed ? rank : size, first = size;
    ob_sleep_allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
    if (first == size)
        return 0;
    char msg[MSG_LEN + 1];
    if (rank == first) {
        msg[0] = st->io ? 'i' : 'r';
        snprintf(msg + 1, sizeof msg - 1, "%s", st->msg);
    }
    ob_sleep_bcast(msg, sizeof msg, MPI_CHAR, first, comm);
    if (err && errlen)
        snprintf(err, errlen, "%s", msg + 1);
    return msg[0] == 'i' ? OB_RESULTS_IO_FAILED : OB_RESULTS_REFUSED;
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

/* Write `n` rows at rows [offset, offset+n) of the 1-D or 2-D (rows x
 * cols) dataset. */
void obr_write_rows(hid_t dset, hid_t memtype, int ndims, hsize_t offset, size_t n, hsize_t cols,
                    const void *buf, const char *what, obr_status *st)
{
    if (st->failed || n == 0)
        return;
    hid_t fspace = H5Dget_space(dset);
    hsize_t start[2] = {offset, 0}, count[2] = {n, cols};
    hsize_t mdims[2] = {n, cols ? cols : 1};
    hid_t mspace = H5Screate_simple(ndims, mdims, NULL);
    herr_t sel = -1;
    if (fspace >= 0 && mspace >= 0)
        sel = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL);
    if (sel < 0 || H5Dwrite(dset, memtype, mspace, fspace, H5P_DEFAULT, buf) < 0)
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
