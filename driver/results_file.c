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

/* ---- create / resume / close ------------------------------------------------ */

static hid_t mpio_fapl(MPI_Comm comm, obr_status *st)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0 || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
        obr_st_h5fail(st, "cannot set up the MPI-IO file driver");
        obr_close_id(fapl);
        return -1;
    }
    return fapl;
}

static ob_results *results_new(MPI_Comm comm, const char *path, obr_status *st)
{
    MPI_Comm dup;
    MPI_Comm_dup(comm, &dup); /* collective: before anything that may fail */
    ob_results *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        obr_st_fail(st, "out of memory");
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
        obr_st_h5fail(st, "cannot set up collective transfers");
    return r;
}

static void results_free(ob_results *r)
{
    if (!r)
        return;
    obr_close_id(r->dxpl_coll);
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
static void check_creatable(const char *path, int force, obr_status *st)
{
    struct stat sb;
    if (!path || !path[0]) {
        obr_st_fail(st, "results file: empty path");
        return;
    }
    if (stat(path, &sb) == 0) {
        if (!force)
            obr_st_fail(st, "results file %s exists (use --force to overwrite it)", path);
        else if (!S_ISREG(sb.st_mode))
            obr_st_fail(st, "results file %s exists and is not a regular file", path);
        return;
    }
    if (errno != ENOENT) {
        obr_st_fail(st, "cannot create results file %s: %s", path, strerror(errno));
        return;
    }
    char *copy = strdup(path);
    if (!copy) {
        obr_st_fail(st, "out of memory");
        return;
    }
    const char *dir = dirname(copy);
    if (stat(dir, &sb) != 0)
        obr_st_fail(st, "cannot create results file %s: directory %s: %s", path, dir,
                    strerror(errno));
    else if (!S_ISDIR(sb.st_mode))
        obr_st_fail(st, "cannot create results file %s: %s is not a directory", path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        obr_st_fail(st, "cannot create results file %s: directory %s: %s", path, dir,
                    strerror(errno));
    free(copy);
}

static void make_top_groups(hid_t file, obr_status *st)
{
    static const char *const tops[] = {"system", "counters", "steps", "summary", "monitor"};
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++)
        obr_close_id(obr_open_or_create_group(file, tops[i], st));
}

int ob_results_create(MPI_Comm comm, const char *path, int force, const ob_run_info *info,
                      ob_results **out, char *err, size_t errlen)
{
    obr_status st = {0};
    int rank;
    MPI_Comm_rank(comm, &rank);
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    obr_pack p = {0};
    if (rank == 0) {
        check_creatable(path, force, &st);
        obr_put_str(&p, path);
        obr_put_str(&p, info ? info->occbench_version : "");
        obr_put_str(&p, info ? info->site : "");
        obr_put_str(&p, info ? info->created : "");
        obr_put_str(&p, info ? info->command : "");
        obr_put_str(&p, info ? info->config : "");
    }
    if (obr_pack_bcast(comm, &p) < 0)
        obr_st_fail(&st, "out of memory packing the run information");
    if (obr_agree(comm, &st, err, errlen) < 0) {
        obr_pack_free(&p);
        return -1;
    }
    const char *the_path = obr_get_str(&p);
    const char *version = obr_get_str(&p), *site = obr_get_str(&p), *created = obr_get_str(&p);
    const char *command = obr_get_str(&p), *config = obr_get_str(&p);

    ob_results *r = results_new(comm, the_path, &st);
    hid_t fapl = r ? mpio_fapl(r->comm, &st) : -1;
    if (!st.failed) {
        r->file = H5Fcreate(the_path, force ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl);
        if (r->file < 0)
            obr_st_h5fail(&st, "cannot create results file %s", the_path);
    }
    obr_close_id(fapl);
    if (obr_agree(comm, &st, err, errlen) < 0) {
        obr_pack_free(&p);
        return abandon(r);
    }

    obr_put_int_attr(r->file, "schema_version", OB_SCHEMA_VERSION, &st);
    obr_put_string_attr(r->file, "occbench_version", version, &st);
    obr_put_string_attr(r->file, "site", site, &st);
    obr_put_string_attr(r->file, "created", created, &st);
    obr_put_string_attr(r->file, "command", command, &st);
    obr_put_string_attr(r->file, "config", config, &st);
    obr_put_int_attr(r->file, "complete", 0, &st);
    make_top_groups(r->file, &st);
    if (!st.failed && H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0)
        obr_st_h5fail(&st, "cannot flush %s", the_path);
    if (obr_agree(comm, &st, err, errlen) < 0) {
        /* Nothing is left behind: close and remove what we created. */
        H5Fclose(r->file);
        if (r->rank == 0)
            unlink(the_path);
        MPI_Barrier(comm);
        results_free(r);
        obr_pack_free(&p);
        return -1;
    }
    obr_pack_free(&p);
    *out = r;
    return 0;
}

/* Compare two ';'-separated key=value lists; on the first difference
 * write a message naming the key and both values. Returns 0 when equal. */
static int compare_config(const char *stored, const char *wanted, const char *path, obr_status *st)
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
                obr_st_fail(
                    st, "cannot resume %s: config differs at '%.*s': file has '%.*s', now '%.*s'",
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
static void check_resumable(hid_t file, const char *path, const char *config, obr_status *st)
{
    long long schema = 0;
    if (H5Aexists(file, "schema_version") <= 0) {
        H5Eclear2(H5E_DEFAULT);
        obr_st_fail(st,
                    "cannot resume %s: not an occbench results file (no schema_version attribute)",
                    path);
        return;
    }
    if (ob_h5_attr_get_int(file, "schema_version", &schema) < 0) {
        obr_st_h5fail(st, "cannot resume %s: unreadable schema_version", path);
        return;
    }
    if (schema != OB_SCHEMA_VERSION) {
        obr_st_fail(st, "cannot resume %s: schema_version %lld, this occbench writes %d", path,
                    schema, OB_SCHEMA_VERSION);
        return;
    }
    char *stored = NULL;
    if (ob_h5_attr_get_string(file, "config", &stored) < 0) {
        obr_st_h5fail(st, "cannot resume %s: no readable config attribute", path);
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
static int list_children(hid_t g, name_list *l, obr_status *st)
{
    hsize_t idx = 0;
    if (H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, l) < 0) {
        if (l->oom)
            obr_st_fail(st, "out of memory listing groups");
        else
            obr_st_h5fail(st, "cannot list a group");
        return -1;
    }
    return 0;
}

int obr_step_group_done(hid_t parent, const char *name)
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
static void remove_unfinished_steps(hid_t file, obr_status *st)
{
    hid_t steps = H5Gopen2(file, "steps", H5P_DEFAULT);
    if (steps < 0) {
        obr_st_h5fail(st, "no /steps group");
        return;
    }
    name_list kernels = {0};
    list_children(steps, &kernels, st);
    for (size_t i = 0; i < kernels.n && !st->failed; i++) {
        hid_t kg = H5Gopen2(steps, kernels.names[i], H5P_DEFAULT);
        if (kg < 0) {
            obr_st_h5fail(st, "cannot open /steps/%s", kernels.names[i]);
            break;
        }
        name_list placements = {0};
        list_children(kg, &placements, st);
        for (size_t j = 0; j < placements.n && !st->failed; j++) {
            hid_t pg = H5Gopen2(kg, placements.names[j], H5P_DEFAULT);
            if (pg < 0) {
                obr_st_h5fail(st, "cannot open /steps/%s/%s", kernels.names[i],
                              placements.names[j]);
                break;
            }
            name_list ks = {0};
            list_children(pg, &ks, st);
            for (size_t m = 0; m < ks.n && !st->failed; m++)
                if (!obr_step_group_done(pg, ks.names[m]) &&
                    H5Ldelete(pg, ks.names[m], H5P_DEFAULT) < 0)
                    obr_st_h5fail(st, "cannot remove unfinished step /steps/%s/%s/%s",
                                  kernels.names[i], placements.names[j], ks.names[m]);
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
    obr_status st = {0};
    int rank;
    MPI_Comm_rank(comm, &rank);
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);

    obr_pack p = {0};
    if (rank == 0) {
        struct stat sb;
        if (!path || !path[0])
            obr_st_fail(&st, "cannot resume: empty results file path");
        else if (stat(path, &sb) != 0)
            obr_st_fail(&st, "cannot resume %s: %s", path, strerror(errno));
        else if (!S_ISREG(sb.st_mode))
            obr_st_fail(&st, "cannot resume %s: not a regular file", path);
        else if (H5Fis_hdf5(path) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            obr_st_fail(&st, "cannot resume %s: not an HDF5 file", path);
        }
        obr_put_str(&p, path);
        obr_put_str(&p, config);
    }
    if (obr_pack_bcast(comm, &p) < 0)
        obr_st_fail(&st, "out of memory packing the configuration");
    if (obr_agree(comm, &st, err, errlen) < 0) {
        obr_pack_free(&p);
        return -1;
    }
    const char *the_path = obr_get_str(&p), *the_config = obr_get_str(&p);

    ob_results *r = results_new(comm, the_path, &st);
    hid_t fapl = r ? mpio_fapl(r->comm, &st) : -1;
    /* Every check on a read-only handle first: a refused file is untouched. */
    hid_t ro = -1;
    if (!st.failed) {
        ro = H5Fopen(the_path, H5F_ACC_RDONLY, fapl);
        if (ro < 0)
            obr_st_h5fail(&st, "cannot resume %s: cannot open it", the_path);
        else
            check_resumable(ro, the_path, the_config, &st);
    }
    if (ro >= 0 && H5Fclose(ro) < 0)
        obr_st_h5fail(&st, "cannot close %s", the_path);
    if (!st.failed) {
        r->file = H5Fopen(the_path, H5F_ACC_RDWR, fapl);
        if (r->file < 0)
            obr_st_h5fail(&st, "cannot resume %s: cannot open it for writing", the_path);
    }
    obr_close_id(fapl);
    if (obr_agree(comm, &st, err, errlen) < 0) {
        obr_pack_free(&p);
        return abandon(r);
    }
    obr_pack_free(&p);

    remove_unfinished_steps(r->file, &st);
    make_top_groups(r->file, &st);
    obr_put_int_attr(r->file, "complete", 0, &st);
    if (!st.failed && H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0)
        obr_st_h5fail(&st, "cannot flush %s", r->path);
    if (obr_agree(comm, &st, err, errlen) < 0)
        return abandon(r);
    *out = r;
    return 0;
}

int ob_results_flush(ob_results *r, char *err, size_t errlen)
{
    obr_status st = {0};
    if (H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0)
        obr_st_h5fail(&st, "cannot flush %s", r->path);
    return obr_agree(r->comm, &st, err, errlen);
}

int ob_results_close(ob_results *r, int complete, char *err, size_t errlen)
{
    obr_status st = {0};
    if (!r)
        return 0;
    if (complete) {
        hid_t a = H5Aopen(r->file, "complete", H5P_DEFAULT);
        int64_t one = 1;
        if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &one) < 0)
            obr_st_h5fail(&st, "cannot mark %s complete", r->path);
        obr_close_id(a);
    }
    if (H5Fclose(r->file) < 0)
        obr_st_h5fail(&st, "cannot close %s", r->path);
    int rc = obr_agree(r->comm, &st, err, errlen);
    results_free(r);
    return rc;
}
