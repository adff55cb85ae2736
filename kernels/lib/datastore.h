/* Datastore-like file I/O shared by the io and isr kernels: write a file
 * from pieces, fsync it and drop it from the page cache, read it back, and
 * checksum the bytes. A full file system (ENOSPC, EDQUOT) is told apart
 * from other failures, and a failed write never leaves a partial file. */
#ifndef OCCBENCH_DATASTORE_H
#define OCCBENCH_DATASTORE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes per write()/read() call: large, like a datastore writing an image,
 * small enough not to need one huge contiguous kernel bounce. */
#define OB_DS_CHUNK ((size_t)8 << 20)

/* read_all's code for a file that ended before the bytes asked for. */
#define OB_DS_EOF (-1)

/* Start value of the checksum (the FNV-1a offset basis). */
#define OB_DS_CHECKSUM_SEED 0xcbf29ce484222325ULL

/* Where a failed write stopped: the call that failed ("create", "write",
 * "fsync", "close") and the bytes written before it. */
typedef struct ob_ds_failure {
    const char *what;
    size_t done;
} ob_ds_failure;

/* A 64-bit FNV-1a-style checksum, 8 bytes at a time with a xor-shift mix;
 * `h` carries between calls (start with OB_DS_CHECKSUM_SEED), so a stream
 * may be fed in pieces whose lengths are multiples of 8 except the last. */
uint64_t ob_ds_checksum(uint64_t h, const void *buf, size_t len);

/* 1 when err means the file system (or the quota) is full. */
int ob_ds_is_full(int err);

/* Creates (or truncates) path and writes the nparts pieces, then fsync
 * (delayed allocation and NFS report a full disk only there), drops the
 * clean pages from the cache and closes. Returns 0, or an errno value with
 * the partial file removed and *fail (when not NULL) filled in. */
int ob_ds_write_file(const char *path, const void *const *parts, const size_t *lens, int nparts,
                     ob_ds_failure *fail);

/* Reads exactly len bytes from fd. Returns 0, an errno value, or
 * OB_DS_EOF; *done (when not NULL) gets the bytes read. */
int ob_ds_read_all(int fd, void *buf, size_t len, size_t *done);

/* Reads fd to its end through buf (buf_len a multiple of 8), checksumming
 * from *sum and counting *total. Returns 0 or an errno value. */
int ob_ds_checksum_fd(int fd, void *buf, size_t buf_len, uint64_t *sum, size_t *total);

/* The name of a kernel's data file in the I/O directory:
 * DIR/occbench-KERNEL.HOST.pPID.rRANK.WHAT. The host and pid say whose file
 * it is, so that a later run can remove what a killed one left behind
 * (ob_ds_remove_stale) without touching a live run's files, even in a
 * directory several nodes share. Returns 0, or -1 when it does not fit. */
int ob_ds_path(char *out, size_t outlen, const char *dir, const char *kernel, int rank,
               const char *what);

/* Removes the data files in dir that a process of this host left behind
 * and that is no longer running (named as ob_ds_path names them). Returns
 * how many were removed; *first (when not NULL, len firstlen) gets the first
 * name. Files of other hosts and of running processes are left alone. */
int ob_ds_remove_stale(const char *dir, char *first, size_t firstlen);

/* strerror(), plus words for OB_DS_EOF. */
const char *ob_ds_strerror(int err);

#endif
