/* The rollback journal of the results file (results_journal.h).
 *
 * Journal layout (native byte order; it never leaves the node that wrote
 * it): "OBJRNL1\n", u64 old size, u64 new size, u64 number of runs; per run
 * u64 offset, u64 length and the run's old bytes; then u64 FNV-1a of all
 * that and "OBJEND1\n". Complete = the exact length, both marks and the
 * checksum. */
#include "common/results_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE 4096
#define HEAD_MAGIC "OBJRNL1\n"
#define END_MAGIC "OBJEND1\n"
#define MAGIC_LEN 8

/* ---- the test hook --------------------------------------------------------- */

void ob_journal_kill_point(void)
{
    static long count = 0;
    /* read each time: a test sets it in a forked child */
    const char *v = getenv("OCCBENCH_TEST_KILL_AT_WRITE");
    if (v && atol(v) > 0 && ++count == atol(v))
        raise(SIGKILL);
}

/* ---- small helpers ----------------------------------------------------------- */

int ob_journal_name(char *out, size_t len, const char *path)
{
    return snprintf(out, len, "%s.journal", path) < (int)len ? 0 : -1;
}

int ob_journal_new_name(char *out, size_t len, const char *path)
{
    return snprintf(out, len, "%s.new", path) < (int)len ? 0 : -1;
}

static int fail(ob_journal_failure *f, const char *step)
{
    if (f) {
        f->step = step;
        f->err = errno ? errno : EIO;
    }
    return -1;
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}
#define FNV_START 14695981039346656037ULL

static int write_all(int fd, const void *buf, size_t n, off_t at)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        at += w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n, off_t at)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO; /* shorter than it said */
            return -1;
        }
        p += r;
        n -= (size_t)r;
        at += r;
    }
    return 0;
}

unsigned char *ob_journal_read_file(int fd, size_t *size)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return NULL;
    unsigned char *buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
    if (buf && read_all(fd, buf, (size_t)sb.st_size, 0) != 0) {
        int e = errno;
        free(buf);
        errno = e;
        return NULL;
    }
    *size = (size_t)sb.st_size;
    return buf;
}

/* The directory entry of a created, renamed or removed file is durable only
 * once its directory is synced. */
static int sync_dir_of(const char *path)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    /* file systems that cannot sync a directory (some FUSE ones) sync its
     * entries with the file */
    return rc == 0 || errno == EINVAL || errno == EROFS ? 0 : -1;
}

static int sync_file(int fd)
{
    ob_journal_kill_point();
    return fsync(fd);
}

/* ---- building a journal ------------------------------------------------------ */

typedef struct run {
    uint64_t off, len;
} run;

/* The runs of pages of [0, old_size) that the new content changes (bytes
 * past new_size count as changed: a shorter file loses them). */
static run *changed_runs(const unsigned char *old, size_t old_size, const unsigned char *image,
                         size_t new_size, size_t *nruns)
{
    size_t cap = 16, n = 0;
    run *r = malloc(cap * sizeof *r);
    if (!r)
        return NULL;
    for (size_t at = 0; at < old_size; at += PAGE) {
        size_t len = old_size - at < PAGE ? old_size - at : PAGE;
        int same = at + len <= new_size && !memcmp(old + at, image + at, len);
        if (same)
            continue;
        if (n && r[n - 1].off + r[n - 1].len == at) {
            r[n - 1].len += len;
            continue;
        }
        if (n == cap) {
            run *bigger = realloc(r, 2 * cap * sizeof *r);
            if (!bigger) {
                free(r);
                return NULL;
            }
            r = bigger;
            cap *= 2;
        }
        r[n++] = (run){at, len};
    }
    *nruns = n;
    return r;
}

/* The journal's bytes for these runs of `old`. */
static unsigned char *journal_bytes(const unsigned char *old, size_t old_size, size_t new_size,
                                    const run *runs, size_t nruns, size_t *len)
{
    size_t n = MAGIC_LEN + 3 * 8 + 8 + MAGIC_LEN;
    for (size_t i = 0; i < nruns; i++)
        n += 16 + runs[i].len;
    unsigned char *j = malloc(n), *p = j;
    if (!j)
        return NULL;
    uint64_t head[3] = {old_size, new_size, nruns};
    memcpy(p, HEAD_MAGIC, MAGIC_LEN);
    memcpy(p + MAGIC_LEN, head, sizeof head);
    p += MAGIC_LEN + sizeof head;
    for (size_t i = 0; i < nruns; i++) {
        uint64_t r[2] = {runs[i].off, runs[i].len};
        memcpy(p, r, sizeof r);
        memcpy(p + sizeof r, old + runs[i].off, runs[i].len);
        p += sizeof r + runs[i].len;
    }
    uint64_t sum = fnv1a(FNV_START, j, (size_t)(p - j));
    memcpy(p, &sum, 8);
    memcpy(p + 8, END_MAGIC, MAGIC_LEN);
    *len = n;
    return j;
}

static int write_journal(const char *jpath, const unsigned char *bytes, size_t len)
{
    ob_journal_kill_point();
    int fd = open(jpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    ob_journal_kill_point();
    int rc = write_all(fd, bytes, len, 0);
    if (rc == 0)
        rc = sync_file(fd);
    int e = errno;
    close(fd);
    if (rc == 0) {
        ob_journal_kill_point();
        rc = sync_dir_of(jpath);
        e = errno;
    }
    errno = e;
    return rc;
}

/* ---- reading a journal ------------------------------------------------------- */

typedef struct journal {
    unsigned char *bytes;
    size_t len;
    uint64_t old_size, new_size, nruns;
} journal;

/* 1 and j filled when jpath is a complete journal, 0 when absent or
 * incomplete, -1 on a read error. */
static int read_journal(const char *jpath, journal *j)
{
    memset(j, 0, sizeof *j);
    int fd = open(jpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    j->bytes = ob_journal_read_file(fd, &j->len);
    int e = errno;
    close(fd);
    errno = e;
    if (!j->bytes)
        return -1;
    if (j->len < MAGIC_LEN + 3 * 8 + 8 + MAGIC_LEN) { /* cut before its header was whole */
        free(j->bytes);
        j->bytes = NULL;
        return 0;
    }
    const unsigned char *b = j->bytes;
    uint64_t head[3], sum, sizes = MAGIC_LEN + sizeof head;
    memcpy(head, b + MAGIC_LEN, sizeof head);
    /* walk the runs: their lengths must end exactly at the trailer */
    int ok = !memcmp(b, HEAD_MAGIC, MAGIC_LEN) && head[2] <= j->len;
    for (uint64_t i = 0; ok && i < head[2]; i++) {
        uint64_t r[2];
        ok = sizes + 16 <= j->len;
        if (ok) {
            memcpy(r, b + sizes, sizeof r);
            ok = r[1] <= j->len && sizes + 16 + r[1] <= j->len && r[0] + r[1] >= r[0] &&
                 r[0] + r[1] <= head[0];
            sizes += 16 + r[1];
        }
    }
    ok = ok && sizes + 8 + MAGIC_LEN == j->len;
    if (ok) {
        memcpy(&sum, b + sizes, 8);
        ok = sum == fnv1a(FNV_START, b, sizes) && !memcmp(b + sizes + 8, END_MAGIC, MAGIC_LEN);
    }
    if (!ok) {
        free(j->bytes);
        j->bytes = NULL;
        return 0;
    }
    j->old_size = head[0];
    j->new_size = head[1];
    j->nruns = head[2];
    return 1;
}

/* Calls put(off, bytes, len, arg) for each run of a complete journal. */
static int each_run(const journal *j, int (*put)(uint64_t, const unsigned char *, uint64_t, void *),
                    void *arg)
{
    size_t at = MAGIC_LEN + 3 * 8;
    for (uint64_t i = 0; i < j->nruns; i++) {
        uint64_t r[2];
        memcpy(r, j->bytes + at, sizeof r);
        if (put(r[0], j->bytes + at + 16, r[1], arg) != 0)
            return -1;
        at += 16 + r[1];
    }
    return 0;
}

/* ---- putting old bytes back ----------------------------------------------------- */

static int put_to_fd(uint64_t off, const unsigned char *bytes, uint64_t len, void *arg)
{
    ob_journal_kill_point();
    return write_all(*(int *)arg, bytes, (size_t)len, (off_t)off);
}

/* Writes the old pages back and restores the old size. */
static int roll_back_fd(int fd, const journal *j)
{
    if (each_run(j, put_to_fd, &fd) != 0)
        return -1;
    ob_journal_kill_point();
    if (ftruncate(fd, (off_t)j->old_size) != 0)
        return -1;
    return sync_file(fd);
}

static int remove_journal(const char *jpath)
{
    ob_journal_kill_point();
    if (unlink(jpath) != 0 && errno != ENOENT)
        return -1;
    ob_journal_kill_point();
    return sync_dir_of(jpath);
}

/* ---- the commit ----------------------------------------------------------------- */

/* Writes the changed runs and the tail of image into fd, then syncs. */
static int apply(int fd, const unsigned char *image, size_t old_size, size_t new_size,
                 const run *runs, size_t nruns)
{
    for (size_t i = 0; i < nruns; i++) {
        if (runs[i].off >= new_size)
            continue; /* beyond the new end: the truncation drops it */
        size_t len = runs[i].off + runs[i].len <= new_size ? runs[i].len : new_size - runs[i].off;
        ob_journal_kill_point();
        if (write_all(fd, image + runs[i].off, len, (off_t)runs[i].off) != 0)
            return -1;
    }
    if (new_size > old_size) {
        ob_journal_kill_point();
        if (write_all(fd, image + old_size, new_size - old_size, (off_t)old_size) != 0)
            return -1;
    } else if (new_size < old_size) {
        ob_journal_kill_point();
        if (ftruncate(fd, (off_t)new_size) != 0)
            return -1;
    }
    return sync_file(fd);
}

/* Space for the new tail, owned by the file before anything is written, so
 * a full disk fails the commit while the file is still the old one. */
static int reserve_tail(int fd, size_t old_size, size_t new_size)
{
    if (new_size <= old_size)
        return 0;
    ob_journal_kill_point();
    if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)old_size, (off_t)(new_size - old_size)) == 0)
        return 0;
    return errno == EOPNOTSUPP || errno == ENOSYS ? 0 : -1;
}

int ob_journal_commit(int fd, const char *path, const unsigned char *old, size_t old_size,
                      const unsigned char *image, size_t new_size, ob_journal_failure *f)
{
    char jpath[PATH_MAX];
    errno = 0;
    if (ob_journal_name(jpath, sizeof jpath, path) != 0) {
        errno = ENAMETOOLONG;
        return fail(f, "naming the journal");
    }
    size_t nruns = 0, jlen = 0;
    run *runs = changed_runs(old, old_size, image, new_size, &nruns);
    if (!runs)
        return fail(f, "comparing the commit");
    if (nruns == 0 && new_size == old_size) {
        free(runs);
        return 0; /* nothing changed (a read-only open) */
    }
    unsigned char *jbytes = journal_bytes(old, old_size, new_size, runs, nruns, &jlen);
    int rc = -1;
    if (!jbytes)
        fail(f, "building the journal");
    else if (reserve_tail(fd, old_size, new_size) != 0)
        fail(f, "reserving space");
    else if (write_journal(jpath, jbytes, jlen) != 0) {
        fail(f, "writing the journal");
        unlink(jpath); /* incomplete: the file is untouched */
    } else if (apply(fd, image, old_size, new_size, runs, nruns) != 0) {
        fail(f, "writing the file");
        journal j;
        /* put the old pages back now; if that fails too, the journal stays
         * for ob_journal_recover */
        if (read_journal(jpath, &j) == 1 && roll_back_fd(fd, &j) == 0)
            remove_journal(jpath);
        free(j.bytes);
    } else if (remove_journal(jpath) != 0)
        fail(f, "removing the journal");
    else
        rc = 0;
    free(jbytes);
    free(runs);
    return rc;
}

int ob_journal_create(const char *path, const unsigned char *image, size_t size, int replace,
                      ob_journal_failure *f)
{
    char tmp[PATH_MAX];
    errno = 0;
    if (ob_journal_new_name(tmp, sizeof tmp, path) != 0) {
        errno = ENAMETOOLONG;
        return fail(f, "naming the new file");
    }
    ob_journal_kill_point();
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail(f, "creating the file");
    const char *step = NULL;
    if (fallocate(fd, 0, 0, (off_t)size) != 0 && errno != EOPNOTSUPP && errno != ENOSYS)
        step = "reserving space";
    else if (ob_journal_kill_point(), write_all(fd, image, size, 0) != 0)
        step = "writing the file";
    else if (sync_file(fd) != 0)
        step = "syncing the file";
    int e = errno;
    close(fd);
    errno = e;
    if (!step) {
        ob_journal_kill_point();
        /* link() will not replace an existing file: the exclusive creation */
        int moved = replace ? rename(tmp, path) : link(tmp, path);
        if (moved != 0)
            step = "naming the file";
        else if (!replace && unlink(tmp) != 0)
            step = "removing the new file's second name";
        else if (ob_journal_kill_point(), sync_dir_of(path) != 0)
            step = "syncing the directory";
    }
    if (!step)
        return 0;
    e = errno;
    unlink(tmp);
    errno = e;
    return fail(f, step);
}

/* ---- recovery and the reader's view ---------------------------------------------- */

int ob_journal_recover(const char *path, ob_journal_failure *f)
{
    char jpath[PATH_MAX], tmp[PATH_MAX];
    errno = 0;
    if (ob_journal_name(jpath, sizeof jpath, path) != 0 ||
        ob_journal_new_name(tmp, sizeof tmp, path) != 0) {
        errno = ENAMETOOLONG;
        return fail(f, "naming the journal");
    }
    if (unlink(tmp) != 0 && errno != ENOENT)
        return fail(f, "removing a killed creation's file");
    journal j;
    int found = read_journal(jpath, &j);
    if (found < 0)
        return fail(f, "reading the journal");
    if (found == 0) {
        if (unlink(jpath) == 0)
            return OB_JOURNAL_DROPPED; /* cut short before the file was touched */
        return errno == ENOENT ? OB_JOURNAL_NONE : fail(f, "removing an incomplete journal");
    }
    int fd = open(path, O_RDWR | O_CLOEXEC);
    int rc = fd < 0 ? -1 : roll_back_fd(fd, &j);
    int e = errno;
    if (fd >= 0)
        close(fd);
    free(j.bytes);
    errno = e;
    if (rc != 0)
        return fail(f, "putting the journal's pages back");
    if (remove_journal(jpath) != 0)
        return fail(f, "removing the journal");
    return OB_JOURNAL_ROLLED_BACK;
}

static int put_to_memory(uint64_t off, const unsigned char *bytes, uint64_t len, void *arg)
{
    memcpy((unsigned char *)arg + off, bytes, (size_t)len);
    return 0;
}

int ob_journal_view(const char *path, unsigned char **image, size_t *size)
{
    char jpath[PATH_MAX];
    *image = NULL;
    *size = 0;
    if (ob_journal_name(jpath, sizeof jpath, path) != 0)
        return 0;
    journal j;
    int found = read_journal(jpath, &j);
    if (found <= 0)
        return found;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    unsigned char *buf = NULL;
    int rc = -1;
    if (fd >= 0 && fstat(fd, &sb) == 0 && (buf = calloc(1, j.old_size ? j.old_size : 1))) {
        /* the file's bytes up to the old size (a torn file may be shorter or
         * longer), then the journal's pages over them */
        size_t have = (size_t)sb.st_size < j.old_size ? (size_t)sb.st_size : j.old_size;
        if (read_all(fd, buf, have, 0) == 0 && each_run(&j, put_to_memory, buf) == 0)
            rc = 1;
    }
    int e = errno;
    if (fd >= 0)
        close(fd);
    free(j.bytes);
    if (rc != 1) {
        free(buf);
        errno = e;
        return -1;
    }
    *image = buf;
    *size = j.old_size;
    return 1;
}
