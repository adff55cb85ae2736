/* io: datastore-like I/O alone, the kernel that shows file-system contention
 * with nothing else mixed in. Each repetition, on every active rank:
 *
 *   write  create a rank-unique file in --io-dir, write a postISRCCD-sized
 *          image (float image + int32 mask + float variance), fsync it
 *   read   drop it from the page cache (posix_fadvise DONTNEED after the
 *          fsync, so the pages are clean and can go), read it back whole
 *
 * then delete it. verify() checksums what was read against the pattern that
 * was written (common/datastore.c's 64-bit checksum). On a full file system the
 * partial file is removed and the step fails with OB_ENOSPC; nothing is ever
 * left behind (teardown removes the file if a repetition did not).
 *
 * Note: on tmpfs DONTNEED cannot drop anything (the page cache is the
 * storage), so there the read phase measures memory copies. */
#include "kernels/lib/datastore.h"
#include "occbench/kernel.h"
#include "common/rng.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { PH_WRITE, PH_READ, PH_COUNT };
static const char *const io_phases[] = {
    [PH_WRITE] = "write", [PH_READ] = "read", [PH_COUNT] = NULL};
OB_PHASES_MATCH(io_phases, PH_COUNT);
static const ob_phase_class io_classes[PH_COUNT] = {
    [PH_WRITE] = OB_PHASE_IO, [PH_READ] = OB_PHASE_IO};

/* The postISRCCD file: image (float32), mask (int32), variance (float32). */
static size_t file_bytes(ob_preset p, size_t *nx, size_t *ny)
{
    switch (p) {
    case OB_PRESET_CI:
        *nx = 512, *ny = 512; /* 3 MiB */
        break;
    case OB_PRESET_SMALL:
        *nx = 2036, *ny = 2000; /* a quarter CCD, 49 MB */
        break;
    default:
        *nx = 4072, *ny = 4000; /* an assembled LSSTCam ITL CCD, 195 MB */
        break;
    }
    return *nx * *ny * 12;
}

typedef struct io_state {
    size_t bytes;
    unsigned char *wbuf, *rbuf;
    uint64_t expected; /* checksum of wbuf */
    size_t bytes_read; /* by the last repetition */
    char path[PATH_MAX];
    int file_exists; /* the file may be on disk: teardown removes it */
} io_state;

/* One multiply per 8 bytes, fast enough not to matter. */
static uint64_t checksum(const unsigned char *p, size_t n)
{
    return ob_ds_checksum(OB_DS_CHECKSUM_SEED, p, n);
}

static int io_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                   ob_plan *out, char *why, size_t why_len)
{
    (void)opts; /* no options, and no plan that can fail */
    (void)why;
    (void)why_len;
    (void)machine;
    size_t nx, ny, bytes = file_bytes(preset, &nx, &ny);
    memset(out, 0, sizeof *out);
    out->footprint_bytes = 2 * bytes;
    out->work_units = 2.0 * (double)bytes; /* written + read */
    out->work_unit = "bytes";
    out->figure_name = "MB/s";
    out->figure_scale = 1e-6;
    out->figure_inverse = 0;
    snprintf(out->description, sizeof out->description,
             "%.1f MB file (%zux%zu image+mask+variance) written, fsync'd, read cold, deleted",
             1e-6 * (double)bytes, nx, ny);
    return OB_OK;
}

static void remove_file(io_state *st)
{
    if (st->file_exists) {
        unlink(st->path); /* ENOENT is fine: already gone */
        st->file_exists = 0;
    }
}

static void io_teardown(void *state)
{
    io_state *st = state;
    if (!st)
        return;
    remove_file(st);
    free(st->wbuf);
    free(st->rbuf);
    free(st);
}

static int check_dir(ob_ctx *ctx, const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        ob_ctx_set_error(ctx, "io: --io-dir %s: %s", dir, strerror(errno));
        return OB_ERR;
    }
    if (!S_ISDIR(sb.st_mode)) {
        ob_ctx_set_error(ctx, "io: --io-dir %s: not a directory", dir);
        return OB_ERR;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        ob_ctx_set_error(ctx, "io: --io-dir %s: not writable: %s", dir, strerror(errno));
        return OB_ERR;
    }
    return OB_OK;
}

static int io_setup(ob_ctx *ctx, void **state)
{
    const char *dir = ob_ctx_io_dir(ctx);
    if (check_dir(ctx, dir) != OB_OK)
        return OB_ERR;
    io_state *st = calloc(1, sizeof *st);
    if (!st) {
        ob_ctx_set_error(ctx, "io: out of memory for the state");
        return OB_ERR;
    }
    *state = st;
    size_t nx, ny;
    st->bytes = file_bytes(ob_ctx_preset(ctx), &nx, &ny);
    if (ob_ds_path(st->path, sizeof st->path, dir, "io", ob_ctx_rank(ctx), "dat") != 0) {
        ob_ctx_set_error(ctx, "io: --io-dir %s: path too long (limit %d)", dir, PATH_MAX);
        return OB_ERR;
    }
    st->wbuf = malloc(st->bytes);
    st->rbuf = malloc(st->bytes);
    if (!st->wbuf || !st->rbuf) {
        ob_ctx_set_error(ctx, "io: out of memory for two %zu-byte buffers", st->bytes);
        return OB_ERR;
    }
    /* a deterministic, rank-dependent pattern (incompressible, so that a
     * compressing file system cannot shortcut it) */
    ob_rng rng;
    ob_rng_seed(&rng, 0x10BE4C40ULL + (uint64_t)ob_ctx_rank(ctx));
    for (size_t i = 0; i + 8 <= st->bytes; i += 8) {
        uint64_t w = ob_rng_next(&rng);
        memcpy(st->wbuf + i, &w, 8);
    }
    memset(st->rbuf, 0, st->bytes); /* first touch on the bound core */
    st->expected = checksum(st->wbuf, st->bytes);
    return OB_OK;
}

/* Writes the file (create, write, fsync, drop from the cache, close); a
 * failure has removed the partial file and is classified here. */
static int write_file(io_state *st, ob_ctx *ctx)
{
    const void *parts[] = {st->wbuf};
    size_t lens[] = {st->bytes};
    ob_ds_failure fail;
    st->file_exists = 1;
    int err = ob_ds_write_file(st->path, parts, lens, 1, &fail);
    if (!err)
        return OB_OK;
    st->file_exists = 0;
    int full = ob_ds_is_full(err);
    if (strcmp(fail.what, "create") == 0)
        ob_ctx_set_error(ctx, "io: cannot create %s: %s", st->path, strerror(err));
    else
        ob_ctx_set_error(ctx, "io: %s after %zu of %zu bytes: %s%s", fail.what, fail.done,
                         st->bytes, strerror(err), full ? " (file system full)" : "");
    return full ? OB_ENOSPC : OB_ERR;
}

static int read_file(io_state *st, ob_ctx *ctx)
{
    int fd = open(st->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ob_ctx_set_error(ctx, "io: cannot reopen %s: %s", st->path, strerror(errno));
        remove_file(st);
        return OB_ERR;
    }
    size_t done = 0;
    int err = ob_ds_read_all(fd, st->rbuf, st->bytes, &done);
    close(fd);
    if (err) {
        ob_ctx_set_error(ctx, "io: read %s after %zu of %zu bytes: %s", st->path, done, st->bytes,
                         ob_ds_strerror(err));
        remove_file(st);
        return OB_ERR;
    }
    st->bytes_read = done;
    return OB_OK;
}

static int io_run(void *state, ob_ctx *ctx)
{
    io_state *st = state;
    st->bytes_read = 0;
    ob_phase_begin(ctx, PH_WRITE);
    int rc = write_file(st, ctx);
    ob_phase_end(ctx, PH_WRITE);
    if (rc != OB_OK)
        return rc;
    ob_phase_begin(ctx, PH_READ);
    rc = read_file(st, ctx);
    ob_phase_end(ctx, PH_READ);
    remove_file(st);
    return rc;
}

static int io_verify(void *state, char *why, size_t why_len)
{
    io_state *st = state;
    if (st->bytes_read != st->bytes) {
        snprintf(why, why_len, "io: read back %zu bytes, wrote %zu", st->bytes_read, st->bytes);
        return -1;
    }
    uint64_t got = checksum(st->rbuf, st->bytes);
    if (got != st->expected) {
        snprintf(why, why_len, "io: checksum of the file read back %016llx, written %016llx",
                 (unsigned long long)got, (unsigned long long)st->expected);
        return -1;
    }
    /* poison, so the next repetition cannot pass on this one's data */
    memset(st->rbuf, 0, 8);
    memset(st->rbuf + st->bytes - 8, 0, 8);
    return 0;
}

/* Test hook: one bit of the data read back flipped. */
static void io_corrupt(void *state)
{
    io_state *st = state;
    st->rbuf[st->bytes / 2] ^= 0x10;
}

const ob_kernel ob_kernel_io = {
    .name = "io",
    .summary = "datastore I/O alone: write + fsync + cold read of a postISRCCD-sized file",
    .phases = io_phases,
    .phase_classes = io_classes,
    .plan = io_plan,
    .setup = io_setup,
    .run = io_run,
    .verify = io_verify,
    .teardown = io_teardown,
    .corrupt = io_corrupt,
};
