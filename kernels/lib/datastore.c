/* Datastore-like file I/O shared by the io and isr kernels
 * (kernels/lib/datastore.h). */
#include "kernels/lib/datastore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t ob_ds_checksum(uint64_t h, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

int ob_ds_is_full(int err)
{
    return err == ENOSPC || err == EDQUOT;
}

static size_t chunk_of(size_t remaining)
{
    return remaining < OB_DS_CHUNK ? remaining : OB_DS_CHUNK;
}

/* Writes all of buf, adding to *done; 0 or an errno value. */
static int write_all(int fd, const unsigned char *buf, size_t len, size_t *done)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, buf + off, chunk_of(len - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        if (w == 0) /* no progress and no error: treat as full */
            return ENOSPC;
        off += (size_t)w;
        *done += (size_t)w;
    }
    return 0;
}

int ob_ds_write_file(const char *path, const void *const *parts, const size_t *lens, int nparts,
                     ob_ds_failure *fail)
{
    ob_ds_failure f = {"create", 0};
    int err = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        err = errno;
        goto out; /* nothing was created */
    }
    f.what = "write";
    for (int i = 0; i < nparts && !err; i++)
        err = write_all(fd, parts[i], lens[i], &f.done);
    if (!err) {
        f.what = "fsync";
        if (fsync(fd) != 0)
            err = errno;
    }
    if (!err) /* the pages are clean now, so the hint can drop them */
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    if (close(fd) != 0 && !err) {
        f.what = "close";
        err = errno;
    }
    if (err)
        unlink(path);
out:
    if (err && fail)
        *fail = f;
    return err;
}

int ob_ds_read_all(int fd, void *buf, size_t len, size_t *done)
{
    unsigned char *p = buf;
    size_t off = 0;
    int err = 0;
    while (off < len) {
        ssize_t r = read(fd, p + off, chunk_of(len - off));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            err = r == 0 ? OB_DS_EOF : errno;
            break;
        }
        off += (size_t)r;
    }
    if (done)
        *done = off;
    return err;
}

int ob_ds_checksum_fd(int fd, void *buf, size_t buf_len, uint64_t *sum, size_t *total)
{
    for (;;) {
        size_t got = 0;
        /* a full buffer each time keeps the stream 8-byte aligned for the checksum */
        int err = ob_ds_read_all(fd, buf, buf_len, &got);
        *sum = ob_ds_checksum(*sum, buf, got);
        *total += got;
        if (err == OB_DS_EOF)
            return 0;
        if (err)
            return err;
    }
}

const char *ob_ds_strerror(int err)
{
    return err == OB_DS_EOF ? "unexpected end of file" : strerror(err);
}

static void this_host(char *host, size_t len)
{
    if (gethostname(host, len - 1) != 0)
        snprintf(host, len, "unknown");
    host[len - 1] = '\0';
    for (char *c = host; *c; c++) /* a name, not a path */
        if (*c == '/')
            *c = '_';
}

int ob_ds_path(char *out, size_t outlen, const char *dir, const char *kernel, int rank,
               const char *what)
{
    char host[256];
    this_host(host, sizeof host);
    int len = snprintf(out, outlen, "%s/occbench-%s.%s.p%ld.r%d.%s", dir, kernel, host,
                       (long)getpid(), rank, what);
    return len < 0 || (size_t)len >= outlen ? -1 : 0;
}

/* The pid of a data file of this host ("occbench-KERNEL.HOST.pPID.r..."),
 * or -1 when the name is not one. */
static long stale_pid(const char *name, const char *host)
{
    if (strncmp(name, "occbench-", 9) != 0)
        return -1;
    const char *dot = strchr(name + 9, '.');
    size_t hl = strlen(host);
    if (!dot || strncmp(dot + 1, host, hl) != 0 || strncmp(dot + 1 + hl, ".p", 2) != 0)
        return -1;
    char *end;
    long pid = strtol(dot + 3 + hl, &end, 10);
    return pid > 0 && end[0] == '.' && end[1] == 'r' ? pid : -1;
}

int ob_ds_remove_stale(const char *dir, char *first, size_t firstlen)
{
    char host[256];
    this_host(host, sizeof host);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int removed = 0;
    char path[4096];
    for (struct dirent *e; (e = readdir(d));) {
        long pid = stale_pid(e->d_name, host);
        /* EPERM: alive under another user; only ESRCH says it is gone */
        if (pid < 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        int len = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (len < 0 || (size_t)len >= sizeof path || unlink(path) != 0)
            continue;
        if (removed++ == 0 && first && firstlen)
            snprintf(first, firstlen, "%s", e->d_name);
    }
    closedir(d);
    return removed;
}
