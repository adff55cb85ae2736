/* The results file (results.h): serial HDF5, written by rank 0 alone.
 *
 * Why one writer: every step's records are gathered on rank 0 for the
 * summary anyway, and parallel HDF5 made every rank enter MPI-IO
 * collectives that (a) poll, so ranks spun between steps, and (b) left the
 * ranks in different collectives when one write failed (a full disk hung
 * the run). Now rank 0 writes and the other ranks wait in one sleeping
 * agreement per call (obr_agree), which also carries the failure.
 *
 * Rules that keep the file readable whatever happens:
 *  - Changed only by commits, and a commit cannot be torn. Between two
 *    commits rank 0 changes an image of the file in memory (results_commit.c);
 *    ob_results_commit carries it to disk through a rollback journal
 *    (common/results_journal.h), fsynced. A launch killed at any instant
 *    (SIGKILL, the OOM killer, a node crash) leaves the file of its last
 *    commit or of the one it was writing: --resume finishes the journal,
 *    occbench-analyze reads the file as of its last commit meanwhile, and
 *    tests/mpi/test_kill_commit.sh kills the writer at every write.
 *  - Readable between steps: a reader (occbench-analyze, h5ls, h5py) can
 *    open the file of a running launch; while a commit is written the
 *    writer holds the file's lock (HDF5's readers wait or fail, never read
 *    half a commit). The writer, too, waits while a reader holds the lock.
 *  - The earliest file format on purpose: the v3 superblock of the later
 *    formats (and SWMR, which needs it) records "open for write", and a
 *    killed file would then need h5clear before h5dump or H5Fopen accept it.
 *  - A full disk cannot corrupt it: a commit reserves the blocks of the
 *    file's new tail (fallocate) and writes its journal before it changes
 *    the file, so a full disk fails it while the file is still the one of
 *    the last commit; tests/mpi/test_disk_full.sh fills the disk at every
 *    stage to hold it to that.
 *  - Each step group gets its `done` attribute last, so resume can drop
 *    steps whose writing was cut short.
 *  - Errors: HDF5's automatic error printing is off; a failing call records
 *    a one-line message with the innermost HDF5 reason, and obr_agree gives
 *    every rank the message. */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/parse.h"
#include "common/records_h5.h"
#include "driver/record/results_internal.h"

/* What a new file's root attributes and groups take, with a margin. */
#define OBR_CREATE_BYTES (64 * 1024)

static ob_results *results_new(MPI_Comm comm, const char *path, obr_status *st)
{
    MPI_Comm dup;
    MPI_Comm_dup(comm, &dup); /* collective: before anything that may fail */
    ob_results *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path ? path : ""))) {
        obr_st_fail(st, "out of memory");
        free(r);
        MPI_Comm_free(&dup);
        return NULL;
    }
    r->file = -1;
    r->fd = -1;
    r->live_fd = -1;
    r->comm = dup;
    MPI_Comm_rank(r->comm, &r->rank);
    MPI_Comm_size(r->comm, &r->size);
    return r;
}

static void release(ob_results *r, int remove_marker);

static void results_free(ob_results *r)
{
    if (!r)
        return;
    obr_discard(r); /* an uncommitted image never reaches the disk */
    release(r, 0);
    MPI_Comm_free(&r->comm);
    free(r->path);
    free(r);
}

/* ---- one launch at a time -------------------------------------------------- */

/* Rank 0: claim PATH.live, an flock held while this launch writes the file
 * (the kernel drops it when the launch dies, however), so a second launch
 * (a --resume, a --force) cannot write into a file a live one writes. On a
 * file system without locks there is no claim (obr_check_locking warned). */
static void claim(ob_results *r, obr_status *st)
{
    char marker[PATH_MAX + 8];
    snprintf(marker, sizeof marker, "%s.live", r->path);
    int fd = open(marker, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return; /* a directory we cannot write: creating the file will say so */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        char who[128] = "";
        ssize_t n = busy ? pread(fd, who, sizeof who - 1, 0) : 0;
        close(fd);
        if (!busy)
            return;
        who[n > 0 ? n : 0] = '\0';
        who[strcspn(who, "\n")] = '\0';
        obr_st_fail(st,
                    "%s is being written by another occbench launch (%s, %s): wait for it to "
                    "end or stop it (accepted: a file no live launch writes)",
                    r->path, who[0] ? who : "pid unknown", marker);
        return;
    }
    /* who holds it, for the refusal's message; the lock is the claim, so on
     * a nearly full disk the marker stays empty rather than take a block
     * the results file may need */
    char host[128] = "?", who[200];
    gethostname(host, sizeof host - 1);
    int len = snprintf(who, sizeof who, "pid %d on %s\n", (int)getpid(), host);
    if (ftruncate(fd, 0) == 0 && obr_free_bytes(marker) > (1 << 20) &&
        pwrite(fd, who, (size_t)len, 0) != len) {
        /* an unwritten name only makes the message vaguer */
    }
    r->live_fd = fd;
}

/* Drop the claim; at the run's end the marker goes too. */
static void release(ob_results *r, int remove_marker)
{
    if (r->live_fd < 0)
        return;
    if (remove_marker) {
        char marker[PATH_MAX + 8];
        snprintf(marker, sizeof marker, "%s.live", r->path);
        unlink(marker);
    }
    close(r->live_fd);
    r->live_fd = -1;
}

/* ---- create ---------------------------------------------------------------- */

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
        /* --force replaces files only: suggesting it for a directory would
         * send the user to a second refusal */
        if (S_ISDIR(sb.st_mode))
            obr_st_fail(st, "--output %s is a directory (accepted: a file path, e.g. %s/run.h5)",
                        path, path);
        else if (!S_ISREG(sb.st_mode))
            obr_st_fail(st, "results file %s exists and is not a regular file", path);
        else if (!force)
            obr_st_fail(st, "results file %s exists (use --force to overwrite it)", path);
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

/* A disk without the room for the file's first write is full: said as
 * every full disk is (exit 1), before anything is created. */
static int room_to_create(const char *path, obr_status *st)
{
    char *copy = strdup(path);
    struct statvfs sv;
    int pseudo = !copy || statvfs(dirname(copy), &sv) != 0 || sv.f_blocks == 0;
    long long free_now = pseudo ? -1 : (long long)sv.f_bavail * (long long)sv.f_frsize;
    free(copy);
    if (pseudo || (uint64_t)free_now >= OBR_CREATE_BYTES)
        return 1; /* /proc and the like have no blocks: creating there will say why it fails */
    char need[32], have[32];
    obr_bytes_text((long long)OBR_CREATE_BYTES, need, sizeof need);
    obr_bytes_text(free_now, have, sizeof have);
    obr_st_fail(st, "results disk full: creating it needs about %s, %s free for %s (no space)",
                need, have, path);
    st->io = 1;
    return 0;
}

/* Rank 0: the file with its root attributes and groups, in memory until
 * the first commit; on failure nothing is left behind. */
static void create_here(ob_results *r, int force, const ob_run_info *info, obr_status *st)
{
    check_creatable(r->path, force, st);
    if (st->failed)
        return;
    if (!room_to_create(r->path, st))
        return;
    obr_check_locking(r->path);
    claim(r, st);
    if (st->failed)
        return;
    obr_drop_leftovers(r); /* a killed launch's PATH.new or journal is no part of the new file */
    obr_create_in_memory(r, force, st);
    obr_reserve(r, OBR_CREATE_BYTES, "creating it", st);
    obr_put_int_attr(r->file, "schema_version", OB_SCHEMA_VERSION, st);
    obr_put_string_attr(r->file, "occbench_version", info ? info->occbench_version : "", st);
    obr_put_string_attr(r->file, "site", info ? info->site : "", st);
    obr_put_string_attr(r->file, "created", info ? info->created : "", st);
    obr_put_string_attr(r->file, "command", info ? info->command : "", st);
    obr_put_string_attr(r->file, "config", info ? info->config : "", st);
    obr_put_int_attr(r->file, "complete", 0, st);
    make_top_groups(r->file, st);
    /* The file reaches the disk whole at the first commit, with the /system
     * and /counters written before it: a file on disk always holds its
     * provenance, and a launch that fails or dies before then leaves none. */
    if (st->failed)
        obr_discard(r);
}

/* Every rank: the outcome of create or resume agreed; on failure rank 0's
 * claim and marker go, and nothing is handed out. */
static int opened(MPI_Comm comm, ob_results *r, const obr_status *st, ob_results **out, char *err,
                  size_t errlen)
{
    int rc = obr_agree(comm, st, err, errlen);
    if (rc < 0) {
        if (r && r->rank == 0)
            release(r, 1);
        results_free(r);
        return rc;
    }
    r->created = 1;
    *out = r;
    return 0;
}

int ob_results_create(MPI_Comm comm, const char *path, int force, const ob_run_info *info,
                      ob_results **out, char *err, size_t errlen)
{
    obr_status st = {0};
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ob_results *r = results_new(comm, path, &st);
    if (r && r->rank == 0)
        create_here(r, force, info, &st);
    return opened(comm, r, &st, out, err, errlen);
}

/* ---- resume ---------------------------------------------------------------- */

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
            const char *oval = NULL;
            size_t ovlen = 0;
            if (!ob_kv_find(others[side], f, klen, &oval, &ovlen))
                oval = NULL;
            if (!oval || ovlen != vlen || memcmp(oval, val, vlen)) {
                const char *now_v = side == 0 ? val : oval;
                const char *file_v = side == 0 ? oval : val;
                int now_l = (int)(side == 0 ? vlen : ovlen),
                    file_l = (int)(side == 0 ? ovlen : vlen);
                obr_st_fail(
                    st,
                    "cannot resume %s: config differs at '%.*s': file has '%.*s', now '%.*s' "
                    "(accepted: the options the file was made with, its attribute 'config')",
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

/* Child link names of group `g`, in name order. */
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

/* Delete every /steps/<kernel>/<placement>/<k> without done=1. */
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

/* Rank 0: check `path` read-only (a refused file is untouched), then drop
 * its unfinished steps and mark it incomplete. */
static void resume_here(ob_results *r, const char *config, obr_status *st)
{
    struct stat sb;
    const char *path = r->path;
    if (!path[0])
        obr_st_fail(st, "cannot resume: empty results file path");
    else if (stat(path, &sb) != 0)
        obr_st_fail(st, "cannot resume %s: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        obr_st_fail(st, "cannot resume %s: not a regular file", path);
    if (st->failed)
        return;
    obr_check_locking(path);
    claim(r, st);
    obr_recover(r, st); /* a commit a kill cut short: back to the last one */
    if (!st->failed && H5Fis_hdf5(path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        obr_st_fail(st, "cannot resume %s: not an HDF5 file", path);
    }
    if (st->failed)
        return;
    hid_t fapl = obr_fapl();
    hid_t ro = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (ro < 0)
        obr_st_h5fail(st, "cannot resume %s: cannot open it", path);
    else
        check_resumable(ro, path, config ? config : "", st);
    if (ro >= 0 && H5Fclose(ro) < 0)
        obr_st_h5fail(st, "cannot close %s", path);
    obr_open(r, st);
    obr_reserve(r, OBR_CREATE_BYTES, "resuming", st);
    if (!st->failed)
        remove_unfinished_steps(r->file, st);
    make_top_groups(r->file, st);
    obr_put_int_attr(r->file, "complete", 0, st);
    obr_close_file(r, st);
}

int ob_results_resume(MPI_Comm comm, const char *path, const char *config, ob_results **out,
                      char *err, size_t errlen)
{
    obr_status st = {0};
    *out = NULL;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ob_results *r = results_new(comm, path, &st);
    if (r)
        r->created = 1; /* the file exists: a full disk keeps its steps */
    if (r && r->rank == 0)
        resume_here(r, config, &st);
    return opened(comm, r, &st, out, err, errlen);
}

int ob_results_commit(ob_results *r, char *err, size_t errlen)
{
    obr_status st = {0};
    if (r->rank == 0)
        obr_close_file(r, &st);
    return obr_agree(r->comm, &st, err, errlen);
}

int ob_results_close(ob_results *r, int complete, char *err, size_t errlen)
{
    obr_status st = {0};
    if (!r)
        return 0;
    if (r->rank == 0 && complete) {
        obr_open(r, &st);
        obr_reserve(r, 4096, "the complete mark", &st);
        hid_t a = st.failed ? -1 : H5Aopen(r->file, "complete", H5P_DEFAULT);
        int64_t one = 1;
        if (!st.failed && (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &one) < 0))
            obr_st_h5fail(&st, "cannot mark %s complete", r->path);
        obr_close_id(a);
    }
    if (r->rank == 0)
        obr_close_file(r, &st);
    if (r->rank == 0)
        release(r, 1);
    int rc = obr_agree(r->comm, &st, err, errlen);
    results_free(r);
    return rc;
}
