/* The results file (results.h): parallel HDF5 1.10 over MPI-IO.
 *
 * Rules that keep every rank in step and the file readable:
 *  - Every metadata operation (create/delete of groups, datasets,
 *    attributes, extents) is made by all ranks with identical arguments:
 *    the strings and numbers that decide them are broadcast from rank 0
 *    first (pack/bcast below), so a rank passing a slightly different name
 *    cannot corrupt the file.
 *  - Raw data goes through collective transfers; a rank with nothing to
 *    write selects none. Rows of a step land at the offset MPI_Exscan gives
 *    each rank. Data held only by rank 0 (system, counters, summary) is
 *    written by rank 0 within a collective transfer.
 *  - Errors: HDF5's automatic error printing is off; a failing call ends
 *    the local HDF5 sequence and records a one-line message (with the
 *    innermost HDF5 reason). At the end of each stage every rank meets in
 *    agree(), which tells all ranks whether any failed and gives them the
 *    first failing rank's message. Metadata calls fail identically on
 *    every rank (same arguments, same file), so ranks stop at the same
 *    point and no collective is left half-entered.
 *  - Durability: the default (earliest) file format is kept on purpose:
 *    the v3 superblock of the 1.10 "latest" format records "open for
 *    write" and a SIGKILLed file would then need h5clear before h5dump or
 *    H5Fopen accept it. After ob_results_flush (H5Fflush global, which
 *    also syncs MPI-IO) the file on disk is complete and consistent. Each
 *    step group gets its `done` attribute last, so resume can drop steps
 *    whose writing was cut short. No SWMR (not available in parallel). */
#include "driver/results.h"

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

#define MSG_LEN 1024
#define NAME_MAX_LEN 200

struct ob_results {
    MPI_Comm comm;
    int rank, size;
    hid_t file;
    hid_t dxpl_coll; /* collective raw-data transfers */
    char *path;
};

/* ---- local status and agreement ------------------------------------------- */

typedef struct status {
    int failed;
    char msg[MSG_LEN];
} status;

static void st_fail(status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void st_fail(status *st, const char *fmt, ...)
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
static void st_h5fail(status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void st_h5fail(status *st, const char *fmt, ...)
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
        st_fail(st, "%s: %s", what, why);
    else
        st_fail(st, "%s", what);
}

/* Collective: 0 when no rank failed; else -1 and every rank gets the
 * message of the lowest failing rank in err. */
static int agree(MPI_Comm comm, const status *st, char *err, size_t errlen)
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

/* A byte buffer filled on rank 0, broadcast, then read back in the same
 * order on every rank (rank 0 included, so all ranks run the same code). */
typedef struct pack {
    char *buf;
    size_t len, cap, pos;
    int bad; /* out of memory (rank 0) or read past the end */
} pack;

static void put_bytes(pack *p, const void *data, size_t n)
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

static void put_u64(pack *p, uint64_t v)
{
    put_bytes(p, &v, sizeof v);
}
static void put_i64(pack *p, int64_t v)
{
    put_bytes(p, &v, sizeof v);
}
static void put_f64(pack *p, double v)
{
    put_bytes(p, &v, sizeof v);
}

static void put_str(pack *p, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s) + 1;
    put_u64(p, n);
    put_bytes(p, s, n);
}

/* Collective. Returns 0, or -1 on every rank when rank 0's pack is bad
 * or too large for one broadcast. */
static int pack_bcast(MPI_Comm comm, pack *p)
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

static const void *get_bytes(pack *p, size_t n)
{
    if (p->bad || p->pos + n > p->len) {
        p->bad = 1;
        return NULL;
    }
    const void *at = p->buf + p->pos;
    p->pos += n;
    return at;
}

/* Copies the next n bytes to out; out keeps its value when the pack is bad. */
static void get_into(pack *p, void *out, size_t n)
{
    const void *b = get_bytes(p, n);
    if (b)
        memcpy(out, b, n);
}

static uint64_t get_u64(pack *p)
{
    uint64_t v = 0;
    get_into(p, &v, sizeof v);
    return v;
}
static int64_t get_i64(pack *p)
{
    int64_t v = 0;
    get_into(p, &v, sizeof v);
    return v;
}
static double get_f64(pack *p)
{
    double v = 0;
    get_into(p, &v, sizeof v);
    return v;
}

/* The string points into the pack's buffer ("" when the pack is bad). */
static const char *get_str(pack *p)
{
    uint64_t n = get_u64(p);
    const char *s = get_bytes(p, n);
    if (!s || n == 0 || s[n - 1] != '\0') {
        p->bad = 1;
        return "";
    }
    return s;
}

static void pack_free(pack *p)
{
    free(p->buf);
    memset(p, 0, sizeof *p);
}

/* ---- small HDF5 helpers -------------------------------------------------- */

/* A kernel or placement name usable as one HDF5 link name. */
static int check_name(status *st, const char *what, const char *name)
{
    if (!name || !name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
        strlen(name) > NAME_MAX_LEN) {
        st_fail(st, "invalid %s name '%s': expected 1-%d characters, no '/', not '.' or '..'", what,
                name ? name : "(null)", NAME_MAX_LEN);
        return -1;
    }
    return 0;
}

/* Open child group `name` of `parent`, creating it when missing. */
static hid_t open_or_create_group(hid_t parent, const char *name, status *st)
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
        st_h5fail(st, "cannot open or create group '%s'", name);
    return g;
}

/* Open /<top>/<a>/<b>... (each component a child group), creating them. */
static hid_t open_group_path(hid_t file, status *st, int n, const char *const *names)
{
    hid_t g = H5Gopen2(file, "/", H5P_DEFAULT);
    if (g < 0) {
        st_h5fail(st, "cannot open the root group");
        return -1;
    }
    for (int i = 0; i < n && g >= 0; i++) {
        hid_t child = open_or_create_group(g, names[i], st);
        H5Gclose(g);
        g = child;
    }
    return g;
}

/* Local: 1 when the chain of links parent/names[0]/names[1]/... exists. */
static int links_exist(hid_t parent, int n, const char *const *names)
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

static void remove_link_if_exists(hid_t parent, const char *name, status *st)
{
    if (st->failed)
        return;
    htri_t exists = H5Lexists(parent, name, H5P_DEFAULT);
    if (exists < 0 || (exists > 0 && H5Ldelete(parent, name, H5P_DEFAULT) < 0))
        st_h5fail(st, "cannot replace '%s'", name);
}

static void put_string_attr(hid_t obj, const char *name, const char *value, status *st)
{
    if (!st->failed && ob_h5_attr_put_string(obj, name, value ? value : "") < 0)
        st_h5fail(st, "cannot write attribute '%s'", name);
}

static void put_int_attr(hid_t obj, const char *name, long long value, status *st)
{
    if (!st->failed && ob_h5_attr_put_int(obj, name, value) < 0)
        st_h5fail(st, "cannot write attribute '%s'", name);
}

/* Dataset creation properties: no fill values written (every element is
 * written by us), chunked and extendible when chunk_rows > 0. */
static hid_t make_dcpl(int rank, const hsize_t *chunk)
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
static void write_rows(hid_t dset, hid_t memtype, hid_t dxpl, int ndims, hsize_t offset, size_t n,
                       hsize_t cols, const void *buf, const char *what, status *st)
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
        st_h5fail(st, "cannot write %s", what);
    if (mspace >= 0)
        H5Sclose(mspace);
    if (fspace >= 0)
        H5Sclose(fspace);
}

static void close_id(hid_t id)
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

/* ---- create / resume / close ------------------------------------------------ */

static hid_t mpio_fapl(MPI_Comm comm, status *st)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
        st_h5fail(st, "cannot set up the MPI-IO file driver");
        close_id(fapl);
        return -1;
    }
    return fapl;
}

static ob_results *results_new(MPI_Comm comm, const char *path, status *st)
{
    MPI_Comm dup;
    MPI_Comm_dup(comm, &dup); /* collective: before anything that may fail */
    ob_results *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        st_fail(st, "out of memory");
        free(r);
        MPI_Comm_free(&dup);
        return NULL;
    }
    r->file = -1;
    r->dxpl_coll = -1;
    r->comm = dup;
    MPI_Comm_rank(r->comm, &r->rank);
    MPI_Comm_size(r->comm, &r->size);
    r->dxpl_coll = H5Pcreate(H5P_DATASET_XFER);
    if (r->dxpl_coll < 0 || H5Pset_dxpl_mpio(r->dxpl_coll, H5FD_MPIO_COLLECTIVE) < 0)
        st_h5fail(st, "cannot set up collective transfers");
    return r;
}

static void results_free(ob_results *r)
{
    if (!r)
        return;
    close_id(r->dxpl_coll);
    MPI_Comm_free(&r->comm);
    free(r->path);
    free(r);
}

/* Gives up a create or resume: closes the file where it was opened and
 * frees r. Returns -1, for `return abandon(r);`. */
static int abandon(ob_results *r)
{
    if (r && r->file >= 0)
        H5Fclose(r->file);
    results_free(r);
    return -1;
}

/* Rank 0: may `path` be created (force: overwritten)? Checks the directory
 * so that failures happen before anything is created. */
static void check_creatable(const char *path, int force, status *st)
{
    struct stat sb;
    if (!path || !path[0]) {
        st_fail(st, "results file: empty path");
        return;
    }
    if (stat(path, &sb) == 0) {
        if (!force)
            st_fail(st, "results file %s exists (use --force to overwrite it)", path);
        else if (!S_ISREG(sb.st_mode))
            st_fail(st, "results file %s exists and is not a regular file", path);
        return;
    }
    if (errno != ENOENT) {
        st_fail(st, "cannot create results file %s: %s", path, strerror(errno));
        return;
    }
    char *copy = strdup(path);
    if (!copy) {
        st_fail(st, "out of memory");
        return;
    }
    const char *dir = dirname(copy);
    if (stat(dir, &sb) != 0)
        st_fail(st, "cannot create results file %s: directory %s: %s", path, dir, strerror(errno));
    else if (!S_ISDIR(sb.st_mode))
        st_fail(st, "cannot create results file %s: %s is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        st_fail(st, "cannot create results file %s: directory %s: %s", path, dir, strerror(errno));
    free(copy);
}

static void make_top_groups(hid_t file, status *st)
{
    static const char *const tops[] = {"system", "counters", "steps", "summary", "monitor"};
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++)
        close_id(open_or_create_group(file, tops[i], st));
}

int ob_results_create(MPI_Comm comm, const char *path, int force, const ob_run_info *info,
                      ob_results **out, char *err, size_t errlen)
{
    status st = {0};
    int rank;
    MPI_Comm_rank(comm, &rank);
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    pack p = {0};
    if (rank == 0) {
        check_creatable(path, force, &st);
        put_str(&p, path);
        put_str(&p, info ? info->occbench_version : "");
        put_str(&p, info ? info->site : "");
        put_str(&p, info ? info->created : "");
        put_str(&p, info ? info->command : "");
        put_str(&p, info ? info->config : "");
    }
    if (pack_bcast(comm, &p) < 0)
        st_fail(&st, "out of memory packing the run information");
    if (agree(comm, &st, err, errlen) < 0) {
        pack_free(&p);
        return -1;
    }
    const char *the_path = get_str(&p);
    const char *version = get_str(&p), *site = get_str(&p), *created = get_str(&p);
    const char *command = get_str(&p), *config = get_str(&p);

    ob_results *r = results_new(comm, the_path, &st);
    hid_t fapl = r ? mpio_fapl(r->comm, &st) : -1;
    if (!st.failed) {
        r->file = H5Fcreate(the_path, force ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl);
        if (r->file < 0)
            st_h5fail(&st, "cannot create results file %s", the_path);
    }
    close_id(fapl);
    if (agree(comm, &st, err, errlen) < 0) {
        pack_free(&p);
        return abandon(r);
    }

    put_int_attr(r->file, "schema_version", OB_SCHEMA_VERSION, &st);
    put_string_attr(r->file, "occbench_version", version, &st);
    put_string_attr(r->file, "site", site, &st);
    put_string_attr(r->file, "created", created, &st);
    put_string_attr(r->file, "command", command, &st);
    put_string_attr(r->file, "config", config, &st);
    put_int_attr(r->file, "complete", 0, &st);
    make_top_groups(r->file, &st);
    if (!st.failed && H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0)
        st_h5fail(&st, "cannot flush %s", the_path);
    if (agree(comm, &st, err, errlen) < 0) {
        /* Nothing is left behind: close and remove what we created. */
        H5Fclose(r->file);
        if (r->rank == 0)
            unlink(the_path);
        MPI_Barrier(comm);
        results_free(r);
        pack_free(&p);
        return -1;
    }
    pack_free(&p);
    *out = r;
    return 0;
}

/* Compare two ';'-separated key=value lists; on the first difference
 * write a message naming the key and both values. Returns 0 when equal. */
static int compare_config(const char *stored, const char *wanted, const char *path, status *st)
{
    if (!strcmp(stored, wanted))
        return 0;
    const char *lists[2] = {wanted, stored};
    const char *others[2] = {stored, wanted};
    for (int side = 0; side < 2; side++) {
        const char *f = lists[side];
        while (*f) {
            const char *end = strchr(f, ';');
            size_t flen = end ? (size_t)(end - f) : strlen(f);
            const char *eq = memchr(f, '=', flen);
            size_t klen = eq ? (size_t)(eq - f) : flen;
            const char *val = eq ? eq + 1 : "";
            size_t vlen = eq ? flen - klen - 1 : 0;
            /* Look the key up in the other list. */
            const char *o = others[side], *oval = NULL;
            size_t ovlen = 0;
            while (*o) {
                const char *oend = strchr(o, ';');
                size_t olen = oend ? (size_t)(oend - o) : strlen(o);
                const char *oeq = memchr(o, '=', olen);
                size_t oklen = oeq ? (size_t)(oeq - o) : olen;
                if (oklen == klen && !memcmp(o, f, klen)) {
                    oval = oeq ? oeq + 1 : "";
                    ovlen = oeq ? olen - oklen - 1 : 0;
                    break;
                }
                o += olen + (oend ? 1 : 0);
            }
            if (!oval || ovlen != vlen || memcmp(oval, val, vlen)) {
                const char *now_v = side == 0 ? val : oval;
                const char *file_v = side == 0 ? oval : val;
                int now_l = (int)(side == 0 ? vlen : ovlen),
                    file_l = (int)(side == 0 ? ovlen : vlen);
                st_fail(st,
                        "cannot resume %s: config differs at '%.*s': file has '%.*s', now '%.*s'",
                        path, (int)klen, f, file_v ? file_l : 9, file_v ? file_v : "(missing)",
                        now_v ? now_l : 9, now_v ? now_v : "(missing)");
                return -1;
            }
            f += flen + (end ? 1 : 0);
        }
    }
    return 0; /* the same fields, in another order */
}

/* Read-only checks on an open file: occbench schema and config. */
static void check_resumable(hid_t file, const char *path, const char *config, status *st)
{
    long long schema = 0;
    if (H5Aexists(file, "schema_version") <= 0) {
        H5Eclear2(H5E_DEFAULT);
        st_fail(st, "cannot resume %s: not an occbench results file (no schema_version attribute)",
                path);
        return;
    }
    if (ob_h5_attr_get_int(file, "schema_version", &schema) < 0) {
        st_h5fail(st, "cannot resume %s: unreadable schema_version", path);
        return;
    }
    if (schema != OB_SCHEMA_VERSION) {
        st_fail(st, "cannot resume %s: schema_version %lld, this occbench writes %d", path, schema,
                OB_SCHEMA_VERSION);
        return;
    }
    char *stored = NULL;
    if (ob_h5_attr_get_string(file, "config", &stored) < 0) {
        st_h5fail(st, "cannot resume %s: no readable config attribute", path);
        return;
    }
    compare_config(stored, config, path, st);
    free(stored);
}

typedef struct name_list {
    char **names;
    size_t n, cap;
    int oom;
} name_list;

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    name_list *l = data;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **names = realloc(l->names, cap * sizeof *names);
        if (!names) {
            l->oom = 1;
            return -1;
        }
        l->names = names;
        l->cap = cap;
    }
    if (!(l->names[l->n] = strdup(name))) {
        l->oom = 1;
        return -1;
    }
    l->n++;
    return 0;
}

static void name_list_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    memset(l, 0, sizeof *l);
}

/* Child link names of group `g`, in name order (the same on every rank). */
static int list_children(hid_t g, name_list *l, status *st)
{
    hsize_t idx = 0;
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, l) < 0) {
        if (l->oom)
            st_fail(st, "out of memory listing groups");
        else
            st_h5fail(st, "cannot list a group");
        return -1;
    }
    return 0;
}

static int step_group_done(hid_t parent, const char *name)
{
    hid_t g = H5Gopen2(parent, name, H5P_DEFAULT);
    if (g < 0) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    long long done = 0;
    int ok = H5Aexists(g, "done") > 0 && ob_h5_attr_get_int(g, "done", &done) == 0 && done == 1;
    H5Eclear2(H5E_DEFAULT);
    H5Gclose(g);
    return ok;
}

/* Collective: delete every /steps/<kernel>/<placement>/<k> without done=1. */
static void remove_unfinished_steps(hid_t file, status *st)
{
    hid_t steps = H5Gopen2(file, "steps", H5P_DEFAULT);
    if (steps < 0) {
        st_h5fail(st, "no /steps group");
        return;
    }
    name_list kernels = {0};
    list_children(steps, &kernels, st);
    for (size_t i = 0; i < kernels.n && !st->failed; i++) {
        hid_t kg = H5Gopen2(steps, kernels.names[i], H5P_DEFAULT);
        if (kg < 0) {
            st_h5fail(st, "cannot open /steps/%s", kernels.names[i]);
            break;
        }
        name_list placements = {0};
        list_children(kg, &placements, st);
        for (size_t j = 0; j < placements.n && !st->failed; j++) {
            hid_t pg = H5Gopen2(kg, placements.names[j], H5P_DEFAULT);
            if (pg < 0) {
                st_h5fail(st, "cannot open /steps/%s/%s", kernels.names[i], placements.names[j]);
                break;
            }
            name_list ks = {0};
            list_children(pg, &ks, st);
            for (size_t m = 0; m < ks.n && !st->failed; m++)
                if (!step_group_done(pg, ks.names[m]) &&
                    H5Ldelete(pg, ks.names[m], H5P_DEFAULT) < 0)
                    st_h5fail(st, "cannot remove unfinished step /steps/%s/%s/%s", kernels.names[i],
                              placements.names[j], ks.names[m]);
            name_list_free(&ks);
            H5Gclose(pg);
        }
        name_list_free(&placements);
        H5Gclose(kg);
    }
    name_list_free(&kernels);
    H5Gclose(steps);
}

int ob_results_resume(MPI_Comm comm, const char *path, const char *config, ob_results **out,
                      char *err, size_t errlen)
{
    status st = {0};
    int rank;
    MPI_Comm_rank(comm, &rank);
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    pack p = {0};
    if (rank == 0) {
        struct stat sb;
        if (!path || !path[0])
            st_fail(&st, "cannot resume: empty results file path");
        else if (stat(path, &sb) != 0)
            st_fail(&st, "cannot resume %s: %s", path, strerror(errno));
        else if (!S_ISREG(sb.st_mode))
            st_fail(&st, "cannot resume %s: not a regular file", path);
        else if (H5Fis_hdf5(path) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            st_fail(&st, "cannot resume %s: not an HDF5 file", path);
        }
        put_str(&p, path);
        put_str(&p, config);
    }
    if (pack_bcast(comm, &p) < 0)
        st_fail(&st, "out of memory packing the configuration");
    if (agree(comm, &st, err, errlen) < 0) {
        pack_free(&p);
        return -1;
    }
    const char *the_path = get_str(&p), *the_config = get_str(&p);

    ob_results *r = results_new(comm, the_path, &st);
    hid_t fapl = r ? mpio_fapl(r->comm, &st) : -1;
    /* Every check on a read-only handle first: a refused file is untouched. */
    hid_t ro = -1;
    if (!st.failed) {
        ro = H5Fopen(the_path, H5F_ACC_RDONLY, fapl);
        if (ro < 0)
            st_h5fail(&st, "cannot resume %s: cannot open it", the_path);
        else
            check_resumable(ro, the_path, the_config, &st);
    }
    if (ro >= 0 && H5Fclose(ro) < 0)
        st_h5fail(&st, "cannot close %s", the_path);
    if (!st.failed) {
        r->file = H5Fopen(the_path, H5F_ACC_RDWR, fapl);
        if (r->file < 0)
            st_h5fail(&st, "cannot resume %s: cannot open it for writing", the_path);
    }
    close_id(fapl);
    if (agree(comm, &st, err, errlen) < 0) {
        pack_free(&p);
        return abandon(r);
    }
    pack_free(&p);

    remove_unfinished_steps(r->file, &st);
    make_top_groups(r->file, &st);
    put_int_attr(r->file, "complete", 0, &st);
    if (!st.failed && H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0)
        st_h5fail(&st, "cannot flush %s", r->path);
    if (agree(comm, &st, err, errlen) < 0)
        return abandon(r);
    *out = r;
    return 0;
}

int ob_results_flush(ob_results *r, char *err, size_t errlen)
{
    status st = {0};
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0)
        st_h5fail(&st, "cannot flush %s", r->path);
    return agree(r->comm, &st, err, errlen);
}

int ob_results_close(ob_results *r, int complete, char *err, size_t errlen)
{
    status st = {0};
    if (!r)
        return 0;
    if (complete) {
        hid_t a = H5Aopen(r->file, "complete", H5P_DEFAULT);
        int64_t one = 1;
        if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &one) < 0)
            st_h5fail(&st, "cannot mark %s complete", r->path);
        close_id(a);
    }
    if (H5Fclose(r->file) < 0)
        st_h5fail(&st, "cannot close %s", r->path);
    int rc = agree(r->comm, &st, err, errlen);
    results_free(r);
    return rc;
}

/* ---- /system and /counters ----------------------------------------------- */

/* Collective: 1-D dataset `name` of n fixed-length strings (rank 0's). */
static void write_string_list(ob_results *r, hid_t parent, const char *name,
                              const char *const *values, size_t n, status *st)
{
    remove_link_if_exists(parent, name, st);
    if (st->failed)
        return;
    size_t width = 1;
    for (size_t i = 0; i < n; i++)
        if (strlen(values[i]) > width)
            width = strlen(values[i]);
    char *buf = calloc(n ? n : 1, width);
    if (!buf) {
        st_fail(st, "out of memory writing %s", name);
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * width, values[i], strlen(values[i]));
    hsize_t dims[1] = {n};
    hid_t type = ob_h5_string_type(width), space = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = make_dcpl(1, NULL), d = -1;
    if (type >= 0 && space >= 0 && dcpl >= 0)
        d = H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0)
        st_h5fail(st, "cannot create dataset %s", name);
    else if (n)
        write_rows(d, type, r->dxpl_coll, 1, 0, r->rank == 0 ? n : 0, 0, buf, name, st);
    close_id(d);
    close_id(dcpl);
    close_id(space);
    close_id(type);
    free(buf);
}

/* Collective: scalar fixed-length string dataset `name` holding rank 0's
 * text (len bytes, the same len on every rank). */
static void write_text(ob_results *r, hid_t parent, const char *name, const char *text, size_t len,
                       status *st)
{
    remove_link_if_exists(parent, name, st);
    if (st->failed)
        return;
    hid_t type = ob_h5_string_type(len), space = H5Screate(H5S_SCALAR);
    hid_t mspace = H5Screate(H5S_SCALAR), dcpl = make_dcpl(0, NULL), d = -1;
    if (type >= 0 && space >= 0 && mspace >= 0 && dcpl >= 0)
        d = H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) {
        st_h5fail(st, "cannot create dataset %s", name);
    } else {
        herr_t sel = 0;
        if (r->rank != 0)
            sel = (H5Sselect_none(space) < 0 || H5Sselect_none(mspace) < 0) ? -1 : 0;
        const char *buf = (r->rank == 0 && len) ? text : "";
        if (sel < 0 || H5Dwrite(d, type, mspace, space, r->dxpl_coll, buf) < 0)
            st_h5fail(st, "cannot write dataset %s", name);
    }
    close_id(d);
    close_id(dcpl);
    close_id(mspace);
    close_id(space);
    close_id(type);
}

int ob_results_write_system(ob_results *r, const ob_kv *pairs, size_t npairs,
                            const char *const *hostnames, int nnodes, const char *topology_xml,
                            char *err, size_t errlen)
{
    status st = {0};
    pack p = {0};
    if (r->rank == 0) {
        put_u64(&p, npairs);
        for (size_t i = 0; i < npairs; i++) {
            if (!pairs[i].key || !pairs[i].key[0])
                st_fail(&st, "system provenance pair %zu has an empty key", i);
            put_str(&p, pairs[i].key);
            put_str(&p, pairs[i].value);
        }
        put_u64(&p, nnodes > 0 ? (uint64_t)nnodes : 0);
        for (int i = 0; i < nnodes; i++)
            put_str(&p, hostnames ? hostnames[i] : "");
        put_u64(&p, topology_xml ? strlen(topology_xml) : 0);
    }
    if (pack_bcast(r->comm, &p) < 0)
        st_fail(&st, "out of memory packing the system provenance");
    if (agree(r->comm, &st, err, errlen) < 0) {
        pack_free(&p);
        return -1;
    }
    size_t n = get_u64(&p);
    const char **hosts = NULL;
    hid_t sys = H5Gopen2(r->file, "system", H5P_DEFAULT);
    if (sys < 0)
        st_h5fail(&st, "cannot open /system");
    for (size_t i = 0; i < n; i++) {
        const char *key = get_str(&p), *value = get_str(&p);
        put_string_attr(sys, key, value, &st);
    }
    size_t nhosts = get_u64(&p);
    hosts = calloc(nhosts ? nhosts : 1, sizeof *hosts);
    if (!hosts)
        st_fail(&st, "out of memory");
    for (size_t i = 0; i < nhosts && hosts; i++)
        hosts[i] = get_str(&p);
    size_t xml_len = get_u64(&p);
    if (p.bad)
        st_fail(&st, "internal error unpacking the system provenance");
    if (!st.failed)
        write_string_list(r, sys, "hostnames", hosts, nhosts, &st);
    if (!st.failed)
        write_text(r, sys, "topology.xml", topology_xml, xml_len, &st);
    close_id(sys);
    free(hosts);
    pack_free(&p);
    return agree(r->comm, &st, err, errlen);
}

int ob_results_write_counters(ob_results *r, const ob_metric_source *sources,
                              const char *const *labels, int nnodes, char *err, size_t errlen)
{
    status st = {0};
    pack p = {0};
    if (r->rank == 0) {
        put_u64(&p, nnodes > 0 ? (uint64_t)nnodes : 0);
        for (int i = 0; i < nnodes; i++)
            put_str(&p, labels ? labels[i] : "");
    }
    if (pack_bcast(r->comm, &p) < 0)
        st_fail(&st, "out of memory packing the counter sources");
    if (agree(r->comm, &st, err, errlen) < 0) {
        pack_free(&p);
        return -1;
    }
    size_t nodes = get_u64(&p);
    const char **families = calloc(nodes ? nodes : 1, sizeof *families);
    for (size_t i = 0; i < nodes && families; i++)
        families[i] = get_str(&p);
    size_t nrows = nodes * OB_METRIC_COUNT;
    /* Only rank 0 writes the rows; the others only need their number. */
    ob_counter_row *rows = calloc(r->rank == 0 && nrows ? nrows : 1, sizeof *rows);
    if (!families || !rows || p.bad)
        st_fail(&st, "out of memory writing /counters");
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
        st_h5fail(&st, "cannot open /counters");
    remove_link_if_exists(g, "sources", &st);
    hsize_t dims[1] = {nrows};
    hid_t type = ob_h5_counter_type(), space = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = make_dcpl(1, NULL), d = -1;
    if (!st.failed) {
        if (type >= 0 && space >= 0 && dcpl >= 0)
            d = H5Dcreate2(g, "sources", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d < 0)
            st_h5fail(&st, "cannot create /counters/sources");
        else if (nrows)
            write_rows(d, type, r->dxpl_coll, 1, 0, r->rank == 0 ? nrows : 0, 0, rows,
                       "/counters/sources", &st);
    }
    if (!st.failed)
        write_string_list(r, g, "cpu_family", families, nodes, &st);
    close_id(d);
    close_id(dcpl);
    close_id(space);
    close_id(type);
    close_id(g);
    free(rows);
    free(families);
    pack_free(&p);
    return agree(r->comm, &st, err, errlen);
}

/* ---- steps ------------------------------------------------------------------ */

int ob_results_step_done(const ob_results *r, const char *kernel, const char *placement, int k)
{
    char kname[32];
    snprintf(kname, sizeof kname, "k%04d", k);
    const char *names[4] = {"steps", kernel, placement, kname};
    status st = {0};
    if (!r || check_name(&st, "kernel", kernel) < 0 || check_name(&st, "placement", placement) < 0)
        return 0;
    int done = 0;
    if (links_exist(r->file, 3, names)) {
        char path[3 * NAME_MAX_LEN + 16];
        snprintf(path, sizeof path, "steps/%s/%s", kernel, placement);
        hid_t g = H5Gopen2(r->file, path, H5P_DEFAULT);
        if (g >= 0 && H5Lexists(g, kname, H5P_DEFAULT) > 0)
            done = step_group_done(g, kname);
        close_id(g);
    }
    H5Eclear2(H5E_DEFAULT);
    return done;
}

/* Collective: create dataset `name` of `total` rows and write this rank's
 * n rows at `offset`. */
static void write_step_rows(ob_results *r, hid_t g, const char *name, hid_t type, uint64_t total,
                            uint64_t offset, size_t n, const void *rows, status *st)
{
    if (st->failed)
        return;
    hsize_t dims[1] = {total};
    hid_t space = H5Screate_simple(1, dims, NULL), dcpl = make_dcpl(1, NULL), d = -1;
    if (space >= 0 && dcpl >= 0)
        d = H5Dcreate2(g, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0)
        st_h5fail(st, "cannot create dataset %s", name);
    else if (total)
        write_rows(d, type, r->dxpl_coll, 1, offset, n, 0, rows, name, st);
    close_id(d);
    close_id(dcpl);
    close_id(space);
}

int ob_results_write_step(ob_results *r, const ob_step_info *info, const ob_rep_record *reps,
                          size_t nreps, const ob_phase_record *phases, size_t nphases, char *err,
                          size_t errlen)
{
    status st = {0};
    if ((nreps && !reps) || (nphases && !phases))
        st_fail(&st, "write_step: rows missing (nreps %zu, nphases %zu)", nreps, nphases);
    pack p = {0};
    if (r->rank == 0) {
        if (!info) {
            st_fail(&st, "write_step: no step information");
        } else {
            check_name(&st, "kernel", info->kernel);
            check_name(&st, "placement", info->placement);
            if (info->attrs.k < 0 || info->attrs.k > 9999)
                st_fail(&st, "write_step: k %lld out of range 0..9999", info->attrs.k);
            put_str(&p, info->kernel);
            put_str(&p, info->placement);
#define PACK_INT(name) put_i64(&p, info->attrs.name)
#define PACK_F64(name) put_f64(&p, info->attrs.name)
#define PACK_STR(name) put_str(&p, info->attrs.name ? info->attrs.name : "")
#define PACK_ATTR(type, name, dflt, help) PACK_##type(name);
            OB_STEP_ATTRS(PACK_ATTR)
#undef PACK_ATTR
#undef PACK_STR
#undef PACK_F64
#undef PACK_INT
            uint64_t nph = 0;
            while (info->phases && info->phases[nph])
                nph++;
            put_u64(&p, nph);
            for (uint64_t i = 0; i < nph; i++)
                put_str(&p, info->phases[i]);
        }
    }
    if (pack_bcast(r->comm, &p) < 0)
        st_fail(&st, "out of memory packing the step information");
    uint64_t mine[2] = {nreps, nphases}, offset[2] = {0, 0}, total[2] = {0, 0};
    MPI_Exscan(mine, offset, 2, MPI_UINT64_T, MPI_SUM, r->comm);
    if (r->rank == 0)
        offset[0] = offset[1] = 0; /* MPI_Exscan leaves rank 0's undefined */
    MPI_Allreduce(mine, total, 2, MPI_UINT64_T, MPI_SUM, r->comm);
    if (agree(r->comm, &st, err, errlen) < 0) {
        pack_free(&p);
        return -1;
    }
    const char *kernel = get_str(&p), *placement = get_str(&p);
    ob_step_attrs attrs;
#define UNPACK_INT(name) attrs.name = get_i64(&p)
#define UNPACK_F64(name) attrs.name = get_f64(&p)
#define UNPACK_STR(name) attrs.name = get_str(&p)
#define UNPACK_ATTR(type, name, dflt, help) UNPACK_##type(name);
    OB_STEP_ATTRS(UNPACK_ATTR)
#undef UNPACK_ATTR
#undef UNPACK_STR
#undef UNPACK_F64
#undef UNPACK_INT
    size_t nph = get_u64(&p);
    const char **phase_names = calloc(nph + 1, sizeof *phase_names);
    for (size_t i = 0; i < nph && phase_names; i++)
        phase_names[i] = get_str(&p);
    if (!phase_names || p.bad)
        st_fail(&st, "out of memory unpacking the step information");

    char kname[32];
    snprintf(kname, sizeof kname, "k%04d", (int)attrs.k);
    const char *names[3] = {"steps", kernel, placement};
    hid_t pg = st.failed ? -1 : open_group_path(r->file, &st, 3, names);
    if (!st.failed && H5Lexists(pg, kname, H5P_DEFAULT) > 0) {
        if (step_group_done(pg, kname))
            st_fail(&st, "step %s/%s/%s is already in %s", kernel, placement, kname, r->path);
        else
            remove_link_if_exists(pg, kname, &st); /* an unfinished attempt */
    }
    hid_t g = -1;
    if (!st.failed) {
        g = H5Gcreate2(pg, kname, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0)
            st_h5fail(&st, "cannot create step group %s/%s/%s", kernel, placement, kname);
    }
    if (!st.failed && ob_h5_write_step_attrs(g, &attrs) < 0)
        st_h5fail(&st, "cannot write the attributes of step %s/%s/%s", kernel, placement, kname);
    if (!st.failed && ob_h5_attr_put_strings(g, "phases", phase_names, nph) < 0)
        st_h5fail(&st, "cannot write attribute 'phases'");

    hid_t rep_type = ob_h5_rep_type(), phase_type = ob_h5_phase_type();
    if (rep_type < 0 || phase_type < 0)
        st_h5fail(&st, "cannot build the record types");
    write_step_rows(r, g, "reps", rep_type, total[0], offset[0], nreps, reps, &st);
    write_step_rows(r, g, "phases", phase_type, total[1], offset[1], nphases, phases, &st);
    /* Last: marks the step finished for resume. */
    put_int_attr(g, "done", 1, &st);
    close_id(rep_type);
    close_id(phase_type);
    close_id(g);
    close_id(pg);
    free(phase_names);
    pack_free(&p);
    return agree(r->comm, &st, err, errlen);
}

/* ---- summary ---------------------------------------------------------------- */

#define SUMMARY_CHUNK 32

/* Local: read every row of a 1-D summary dataset (independent read). */
static ob_summary_row *read_summary_rows(hid_t d, hid_t type, size_t *n)
{
    hid_t space = H5Dget_space(d);
    hssize_t np = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    close_id(space);
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
    status st = {0};
    pack p = {0};
    if (r->rank == 0) {
        check_name(&st, "kernel", kernel);
        check_name(&st, "placement", placement);
        if (!row)
            st_fail(&st, "append_summary: no row");
        put_str(&p, kernel);
        put_str(&p, placement);
        put_str(&p, figure_name);
        if (row)
            put_bytes(&p, row, sizeof *row);
    }
    if (pack_bcast(r->comm, &p) < 0)
        st_fail(&st, "out of memory packing the summary row");
    if (agree(r->comm, &st, err, errlen) < 0) {
        pack_free(&p);
        return -1;
    }
    const char *kern = get_str(&p), *place = get_str(&p), *fig = get_str(&p);
    ob_summary_row the_row;
    const void *rb = get_bytes(&p, sizeof the_row);
    if (rb)
        memcpy(&the_row, rb, sizeof the_row);
    else
        st_fail(&st, "internal error unpacking the summary row");

    const char *names[2] = {"summary", kern};
    hid_t kg = st.failed ? -1 : open_group_path(r->file, &st, 2, names);
    hid_t type = ob_h5_summary_type(), d = -1;
    if (type < 0)
        st_h5fail(&st, "cannot build the summary type");
    if (!st.failed) {
        htri_t exists = H5Lexists(kg, place, H5P_DEFAULT);
        if (exists > 0) {
            d = H5Dopen2(kg, place, H5P_DEFAULT);
        } else if (exists == 0) {
            hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {SUMMARY_CHUNK};
            hid_t space = H5Screate_simple(1, dims, maxdims), dcpl = make_dcpl(1, chunk);
            if (space >= 0 && dcpl >= 0)
                d = H5Dcreate2(kg, place, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            close_id(space);
            close_id(dcpl);
            put_string_attr(d, "figure_name", fig, &st);
        }
        if (d < 0)
            st_h5fail(&st, "cannot open or create /summary/%s/%s", kern, place);
    }
    /* Rank 0 (the only writer of summaries) finds the row for this k: a
     * step written again replaces its row instead of adding a second. */
    int64_t index = -1, nrows = 0;
    if (!st.failed && r->rank == 0) {
        size_t n = 0;
        ob_summary_row *rows = read_summary_rows(d, type, &n);
        if (!rows)
            st_h5fail(&st, "cannot read /summary/%s/%s", kern, place);
        for (size_t i = 0; rows && i < n; i++)
            if (rows[i].k == the_row.k)
                index = (int64_t)i;
        nrows = (int64_t)n;
        free(rows);
    }
    int rc = agree(r->comm, &st, err, errlen);
    if (rc == 0) {
        int64_t where[2] = {index, nrows};
        MPI_Bcast(where, 2, MPI_INT64_T, 0, r->comm);
        index = where[0];
        nrows = where[1];
        if (index < 0) {
            index = nrows;
            hsize_t dims[1] = {(hsize_t)nrows + 1};
            if (H5Dset_extent(d, dims) < 0)
                st_h5fail(&st, "cannot extend /summary/%s/%s", kern, place);
        }
        write_rows(d, type, r->dxpl_coll, 1, (hsize_t)index, r->rank == 0 ? 1 : 0, 0, &the_row,
                   "a summary row", &st);
        rc = agree(r->comm, &st, err, errlen);
    }
    close_id(d);
    close_id(type);
    close_id(kg);
    pack_free(&p);
    return rc;
}

int ob_results_read_summary(const ob_results *r, const char *kernel, const char *placement, int k,
                            ob_summary_row *out)
{
    status st = {0};
    const char *names[3] = {"summary", kernel, placement};
    if (!r || !out || check_name(&st, "kernel", kernel) < 0 ||
        check_name(&st, "placement", placement) < 0 || !links_exist(r->file, 3, names)) {
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
    close_id(type);
    close_id(d);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

/* ---- monitor ---------------------------------------------------------------- */

#define MONITOR_CHUNK 256

/* Open dataset `name` in g, or create it empty and extendible along rows
 * (rank 1: rows; rank 2: rows x cols). */
static hid_t open_or_create_series(hid_t g, const char *name, hid_t type, int ndims, hsize_t cols,
                                   status *st)
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
        hid_t space = H5Screate_simple(ndims, dims, maxdims), dcpl = make_dcpl(ndims, chunk);
        if (space >= 0 && dcpl >= 0)
            d = H5Dcreate2(g, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        close_id(space);
        close_id(dcpl);
    }
    if (d < 0)
        st_h5fail(st, "cannot open or create monitor dataset %s", name);
    return d;
}

/* Local: rows of d now; for 2-D datasets check the column count. */
static hsize_t series_length(hid_t d, int ndims, hsize_t cols, const char *what, status *st)
{
    if (st->failed)
        return 0;
    hsize_t dims[2] = {0, 0};
    hid_t space = H5Dget_space(d);
    int got = space >= 0 ? H5Sget_simple_extent_dims(space, dims, NULL) : -1;
    close_id(space);
    if (got != ndims)
        st_h5fail(st, "cannot read the extent of %s", what);
    else if (ndims == 2 && dims[1] != cols)
        st_fail(st, "%s has %llu columns in the file, %llu now", what, (unsigned long long)dims[1],
                (unsigned long long)cols);
    return dims[0];
}

/* Collective: extend d from `base` by `add` rows and write this rank's n
 * rows at base + my_offset. */
static void append_series(ob_results *r, hid_t d, hid_t memtype, int ndims, hsize_t cols,
                          hsize_t base, hsize_t add, hsize_t my_offset, size_t n, const void *buf,
                          const char *what, status *st)
{
    if (st->failed)
        return;
    hsize_t dims[2] = {base + add, cols};
    if (H5Dset_extent(d, dims) < 0) {
        st_h5fail(st, "cannot extend %s", what);
        return;
    }
    write_rows(d, memtype, r->dxpl_coll, ndims, base + my_offset, n, cols, buf, what, st);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int ob_results_append_monitor(ob_results *r, int node, const ob_monitor_sample *samples, size_t n,
                              const float *cpu_busy, int ncpus, char *err, size_t errlen)
{
    status st = {0};
    if (n && (!samples || node < 0 || ncpus < 0 || (ncpus > 0 && !cpu_busy)))
        st_fail(&st, "append_monitor: %zu samples need node >= 0 (got %d), samples and cpu_busy", n,
                node);
    if (n > INT32_MAX)
        st_fail(&st, "append_monitor: too many samples (%zu)", n);
    int mine[3] = {st.failed ? -1 : node, st.failed ? 0 : (int)n, ncpus};
    int *all = malloc(sizeof(int) * 3 * (size_t)r->size);
    int *nodes = malloc(sizeof(int) * (size_t)r->size);
    if (!all || !nodes) {
        fprintf(stderr, "occbench: out of memory in append_monitor\n");
        MPI_Abort(r->comm, 1);
    }
    MPI_Allgather(mine, 3, MPI_INT, all, 3, MPI_INT, r->comm);
    if (agree(r->comm, &st, err, errlen) < 0) {
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
        st_h5fail(&st, "cannot build the monitor type");
    for (int j = 0; j < nn && !st.failed; j++) {
        if (j && nodes[j] == nodes[j - 1])
            continue;
        int this_node = nodes[j], cols = -1;
        hsize_t add = 0, my_offset = 0;
        for (int i = 0; i < r->size; i++) {
            if (all[3 * i] != this_node)
                continue;
            if (cols >= 0 && all[3 * i + 2] != cols)
                st_fail(&st, "append_monitor: node %d given %d and %d cpus", this_node, cols,
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
        hid_t g = st.failed ? -1 : open_group_path(r->file, &st, 2, names);
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
                st_fail(&st, "%s and %s differ in length", what_s, what_c);
        }
        append_series(r, ds, type, 1, 0, base, add, my_offset, my_n, samples, what_s, &st);
        if (cols > 0)
            append_series(r, dc, H5T_NATIVE_FLOAT, 2, (hsize_t)cols, base, add, my_offset, my_n,
                          cpu_busy, what_c, &st);
        close_id(dc);
        close_id(ds);
        close_id(g);
    }
    close_id(type);
    free(all);
    free(nodes);
    return agree(r->comm, &st, err, errlen);
}
