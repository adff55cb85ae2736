/* Opening, reserving and committing the results file on rank 0
 * (driver/record/results_internal.h).
 *
 * Every change to the file is built in memory and reaches the disk only
 * at a commit, through the rollback journal of common/results_journal.h:
 * obr_open reads the file whole and opens that image with HDF5's core
 * driver (nothing is written back by HDF5); obr_close_file takes the new
 * image and hands it to ob_journal_commit. So a kill at any instant leaves
 * the file of the last commit or of this one, never a torn one. The cost is
 * one read of the file per commit and three copies of it in rank 0's
 * memory while a step is written (the old bytes, HDF5's image, the new
 * image): a few MiB at this site's scale, see docs/ARCHITECTURE.md. */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "common/results_journal.h"
#include "driver/node/park.h"
#include "driver/record/results_internal.h"

/* HDF5's core driver grows its image by this much at a time. */
#define CORE_INCREMENT (1 << 20)

const char *obr_bytes_text(long long bytes, char *buf, size_t len)
{
    if (bytes < 0)
        snprintf(buf, len, "an unknown amount");
    else if (bytes < 1024)
        snprintf(buf, len, "%lld B", bytes);
    else if (bytes < 1024 * 1024)
        snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
    else if (bytes < 1024LL * 1024 * 1024)
        snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
    else
        snprintf(buf, len, "%.1f GiB", bytes / 1073741824.0);
    return buf;
}

long long obr_free_bytes(const char *path)
{
    struct statvfs sv;
    if (statvfs(path, &sv) != 0)
        return -1;
    return (long long)sv.f_bavail * (long long)sv.f_frsize;
}

/* ---- locks ------------------------------------------------------------------ */

/* 0 once the results file's file system refused a lock (obr_check_locking). */
static int use_locking = 1;

void obr_check_locking(const char *path)
{
    char probe[PATH_MAX + 16];
    snprintf(probe, sizeof probe, "%s.lockprobe", path);
    int fd = open(probe, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return; /* creating the file itself will say why */
    int rc = flock(fd, LOCK_EX | LOCK_NB), err = errno;
    close(fd);
    unlink(probe);
    if (rc == 0 || err == EWOULDBLOCK || !use_locking)
        return;
    use_locking = 0;
    fprintf(stderr,
            "occbench: warning: the file system of %s refuses file locks (flock: %s): the results "
            "file is written without HDF5's file locking, as HDF5_USE_FILE_LOCKING=FALSE would do "
            "(readers should set it too; occbench-analyze does not lock)\n",
            path, strerror(err));
}

hid_t obr_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
    if (fapl >= 0 && !use_locking)
        H5Pset_file_locking(fapl, 0, 1);
#endif
    return fapl;
}

/* The writer's own opens: in memory (core driver, nothing written back),
 * starting from `image` when given; HDF5 takes no lock, the writer holds
 * its own (take_lock) on the file for as long as the image is open. */
static hid_t core_fapl(const void *image, size_t size)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0)
        return -1;
    int ok = H5Pset_fapl_core(fapl, CORE_INCREMENT, 0) >= 0;
#if H5_VERSION_GE(1, 10, 7)
    ok = ok && H5Pset_file_locking(fapl, 0, 1) >= 0;
#endif
    if (ok && image && size)
        ok = H5Pset_file_image(fapl, (void *)image, size) >= 0;
    if (!ok) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

/* The lock HDF5's readers (h5py, h5dump) take too: while the writer holds
 * it they wait or fail, never read a commit half written; while a reader
 * holds it the writer waits (a notice after wait_s; the step's watchdog
 * bounds the wait). */
static void take_lock(const ob_results *r)
{
    struct timespec pause = {0, 50 * 1000 * 1000};
    /* OCCBENCH_LOCK_WAIT_S: a test hook shortening the wait before the notice */
    const char *hook = getenv("OCCBENCH_LOCK_WAIT_S");
    int wait_s = hook && atoi(hook) >= 1 && atoi(hook) <= 3600 ? atoi(hook) : OBR_LOCK_WAIT_S;
    for (long tries = 0; use_locking; tries++) {
        if (flock(r->fd, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK)
            return; /* taken, or a file system without locks */
        if (tries == wait_s * 20)
            fprintf(stderr,
                    "occbench: waiting for %s: another program has held it open for %d s (an "
                    "HDF5 reader: h5py and h5dump lock what they open unless "
                    "HDF5_USE_FILE_LOCKING=FALSE; occbench-analyze does not)\n",
                    r->path, wait_s);
        ob_watchdog_check();
        nanosleep(&pause, NULL);
    }
}

/* ---- open ------------------------------------------------------------------ */

/* The file under r->path is still the one this launch committed: not
 * removed, moved away or replaced by another program's file. */
static int still_ours(const ob_results *r, const struct stat *sb, int stat_errno, obr_status *st)
{
    if (!r->have_id)
        return 1;
    if (!sb) {
        obr_st_fail(st,
                    "results file %s is gone (%s): another program removed or moved it; "
                    "occbench stops rather than start a new file",
                    r->path, strerror(stat_errno));
    } else if (sb->st_dev != r->dev || sb->st_ino != r->ino) {
        obr_st_fail(st,
                    "results file %s was replaced by another program (another file has its "
                    "name now); occbench does not write into it",
                    r->path);
    } else
        return 1;
    st->io = 1;
    return 0;
}

void obr_discard(ob_results *r)
{
    if (r->file >= 0)
        H5Fclose(r->file);
    r->file = -1;
    if (r->fd >= 0)
        close(r->fd); /* drops the lock */
    r->fd = -1;
    free(r->old);
    r->old = NULL;
    r->old_size = 0;
    r->reserved = 0;
    r->what[0] = '\0';
}

/* A name of its own for each image HDF5 holds (two open images under one
 * name would be one file to HDF5); nothing exists under it on disk. */
static const char *image_name(char *buf, size_t len)
{
    static unsigned long serial;
    snprintf(buf, len, "%s-%lu", OB_JOURNAL_IMAGE_NAME, ++serial);
    return buf;
}

void obr_open(ob_results *r, obr_status *st)
{
    if (st->failed || r->file >= 0)
        return;
    r->fd = open(r->path, O_RDWR | O_CLOEXEC);
    int open_errno = errno;
    struct stat sb;
    if (!still_ours(r, r->fd >= 0 && fstat(r->fd, &sb) == 0 ? &sb : NULL, open_errno, st)) {
        obr_discard(r);
        return;
    }
    if (r->fd < 0) {
        obr_st_fail(st, "cannot open %s for writing: %s", r->path, strerror(open_errno));
        return;
    }
    take_lock(r);
    if (!(r->old = ob_journal_read_file(r->fd, &r->old_size))) {
        obr_st_fail(st, "cannot read %s: %s", r->path, strerror(errno));
        st->io = 1;
        obr_discard(r);
        return;
    }
    hid_t fapl = core_fapl(r->old, r->old_size);
    char name[96];
    r->file = fapl < 0 ? -1 : H5Fopen(image_name(name, sizeof name), H5F_ACC_RDWR, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (r->file < 0) {
        obr_st_h5fail(st, "cannot open %s for writing", r->path);
        obr_discard(r);
    }
}

void obr_create_in_memory(ob_results *r, int replace, obr_status *st)
{
    /* the directory must take the file now, not at the first commit */
    char probe[PATH_MAX], name[96];
    int fd = ob_journal_new_name(probe, sizeof probe, r->path) == 0
                 ? open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)
                 : -1;
    if (fd < 0) {
        obr_st_fail(st, "cannot create results file %s: %s", r->path, strerror(errno));
        return;
    }
    close(fd);
    unlink(probe);
    hid_t fapl = core_fapl(NULL, 0);
    r->file =
        fapl < 0 ? -1 : H5Fcreate(image_name(name, sizeof name), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (r->file < 0) {
        obr_st_h5fail(st, "cannot create results file %s", r->path);
        return;
    }
    r->creating = 1;
    r->replace = replace;
}

/* ---- reserve ---------------------------------------------------------------- */

/* The one disk-full line (or another storage failure) for `what`. */
static void storage_failed(const ob_results *r, const char *what, uint64_t bytes, int e,
                           obr_status *st)
{
    char need[32], have[32];
    obr_bytes_text((long long)bytes, need, sizeof need);
    obr_bytes_text(obr_free_bytes(r->path), have, sizeof have);
    if ((e == ENOSPC || e == EDQUOT) && r->created && !r->creating)
        obr_st_fail(st,
                    "results disk full: %s needs about %s, %s free for %s (%s); the file keeps "
                    "every finished step: free space, then continue with --resume %s",
                    what, need, have, r->path, e == EDQUOT ? "quota exceeded" : "no space",
                    r->path);
    else if (e == ENOSPC || e == EDQUOT)
        obr_st_fail(st, "results disk full: %s needs about %s, %s free for %s (%s)", what, need,
                    have, r->path, e == EDQUOT ? "quota exceeded" : "no space");
    else
        obr_st_fail(st, "cannot write %s for %s: %s", r->path, what, strerror(e));
    st->io = 1;
}

/* The estimates name the commit's first write in a disk-full message and
 * size it; the commit itself reserves what it really needs
 * (ob_journal_commit: fallocate of the new tail before the journal), so a
 * full disk fails it before the file changes, and no block is held past
 * the end of the file. A new file has no blocks yet: its creation checks
 * the free space first (room_to_create in results_file.c). */
void obr_reserve(ob_results *r, uint64_t bytes, const char *what, obr_status *st)
{
    if (st->failed)
        return;
    if (!r->what[0])
        snprintf(r->what, sizeof r->what, "%s", what);
    r->reserved += bytes;
}

/* ---- commit ----------------------------------------------------------------- */

/* The open file's image as it would be on disk (flushed first: HDF5 1.10's
 * H5Fget_file_image copies what the driver holds, without the metadata
 * still in its cache); NULL with st set on failure. */
static unsigned char *take_image(ob_results *r, size_t *size, obr_status *st)
{
    unsigned char *image = NULL;
    ssize_t n = H5Fflush(r->file, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(r->file, NULL, 0);
    if (n > 0 && (image = malloc((size_t)n)) && H5Fget_file_image(r->file, image, (size_t)n) == n) {
        *size = (size_t)n;
        return image;
    }
    free(image);
    obr_st_h5fail(st, "cannot close %s", r->path);
    st->io = 1;
    return NULL;
}

void obr_close_file(ob_results *r, obr_status *st)
{
    if (r->file < 0)
        return;
    size_t size = 0;
    unsigned char *image = take_image(r, &size, st);
    H5Fclose(r->file);
    r->file = -1;
    ob_journal_failure f = {0};
    int rc = 0;
    if (image && r->creating)
        rc = ob_journal_create(r->path, image, size, r->replace, &f);
    else if (image)
        rc = ob_journal_commit(r->fd, r->path, r->old, r->old_size, image, size, &f);
    free(image);
    int space = f.err == ENOSPC || f.err == EDQUOT || f.err == EIO;
    if (image && rc != 0 && r->creating && !space) {
        /* a directory that refuses the new file (read-only, /proc): the
         * arguments' fault, said as before anything was run */
        obr_st_fail(st, "cannot create results file %s: %s", r->path, strerror(f.err));
    } else if (image && rc != 0) {
        char what[160];
        snprintf(what, sizeof what, "%s (%s)", r->what[0] ? r->what : "the commit", f.step);
        uint64_t grows = size > r->old_size ? size - r->old_size : 0;
        storage_failed(r, f.err == ENOSPC || f.err == EDQUOT ? r->what : what,
                       grows > r->reserved ? grows : r->reserved, f.err, st);
    }
    struct stat sb;
    if (image && rc == 0 && stat(r->path, &sb) == 0) {
        r->dev = sb.st_dev;
        r->ino = sb.st_ino;
        r->have_id = 1;
        r->creating = 0;
    }
    obr_discard(r);
}

void obr_recover(ob_results *r, obr_status *st)
{
    ob_journal_failure f = {0};
    int found = ob_journal_recover(r->path, &f);
    if (found < 0) {
        obr_st_fail(st, "cannot resume %s: %s of %s.journal failed: %s", r->path, f.step, r->path,
                    strerror(f.err));
        st->io = 1;
    } else if (found == OB_JOURNAL_ROLLED_BACK)
        fprintf(stderr,
                "occbench: %s: a launch was killed inside a commit; the file is back to its "
                "last commit (that step runs again)\n",
                r->path);
}

void obr_drop_leftovers(const ob_results *r)
{
    char name[PATH_MAX];
    if (ob_journal_new_name(name, sizeof name, r->path) == 0)
        unlink(name);
    if (ob_journal_name(name, sizeof name, r->path) == 0)
        unlink(name);
}
