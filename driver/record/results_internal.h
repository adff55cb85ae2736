/* Private to the results-file module (driver/record/results.h is its interface):
 * the handle, the local status and the agreement every call ends with,
 * opening, reserving and closing the file on rank 0, and HDF5 helpers.
 *   results_util.c       status, agreement, open/reserve/close, HDF5 helpers
 *   results_file.c       create, resume, commit, close
 *   results_write.c      /system, /counters, steps, /summary, /monitor
 * Only rank 0 touches the file; the functions marked "rank 0" are called
 * there alone, obr_agree by every rank. */
#ifndef OCCBENCH_RESULTS_INTERNAL_H
#define OCCBENCH_RESULTS_INTERNAL_H

#include <hdf5.h>
#include <mpi.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/record/results.h"

#define MSG_LEN 1024
#define NAME_MAX_LEN 200

struct ob_results {
    MPI_Comm comm;
    int rank, size;
    hid_t file; /* rank 0: open from the first write after a commit to the next commit; else -1 */
    char *path;
    int created; /* the file exists (create or resume succeeded): messages say steps are kept */
    /* rank 0: the file's identity at the last commit; a file of another
     * identity under its name is never written into */
    dev_t dev;
    ino_t ino;
    int have_id;
    int live_fd; /* rank 0: PATH.live, flock'ed while this launch writes the file; -1 if none */
};

/* The first failure of this rank in the current call. */
typedef struct obr_status {
    int failed;
    int io; /* the storage failed (disk full, sync): not a refusal of the arguments */
    char msg[MSG_LEN];
} obr_status;

void obr_st_fail(obr_status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like obr_st_fail, appending the innermost HDF5 error description. */
void obr_st_h5fail(obr_status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Collective, sleeping waits: 0 when no rank failed; else every rank gets
 * the message of the lowest failing rank in err and the return value
 * OB_RESULTS_REFUSED, or OB_RESULTS_IO_FAILED when that rank's io is set. */
int obr_agree(MPI_Comm comm, const obr_status *st, char *err, size_t errlen);

/* Rank 0: open r->file read-write when it is closed. While another
 * program (h5py, h5ls) holds the file's lock, waits for it (a notice after
 * OBR_LOCK_WAIT_S; the step's watchdog bounds the wait) instead of failing. */
#define OBR_LOCK_WAIT_S 60
void obr_open(ob_results *r, obr_status *st);
/* Rank 0, before it creates or resumes the file: a file system that
 * refuses locks (Lustre or NFS without flock) turns HDF5's locking off for
 * this launch's opens, with one warning naming HDF5_USE_FILE_LOCKING. */
void obr_check_locking(const char *path);
/* The file-access properties of the writer's opens (H5Pclose it). */
hid_t obr_fapl(void);
/* Rank 0: close r->file when open and push it to storage (fsync). */
void obr_close_file(ob_results *r, obr_status *st);
/* Rank 0: make sure `bytes` more bytes can be appended to the open file
 * before any of them is written, so a full disk is found while the file
 * is still the consistent one of the last commit (see results_file.c).
 * `what` names the write in the message. */
void obr_reserve(ob_results *r, uint64_t bytes, const char *what, obr_status *st);
/* Free bytes for an unprivileged writer on the file system of `path`, or
 * -1 when unknown. */
long long obr_free_bytes(const char *path);

/* A kernel or placement name usable as one HDF5 link name; -1 and st set if not. */
int obr_check_name(obr_status *st, const char *what, const char *name);
hid_t obr_open_or_create_group(hid_t parent, const char *name, obr_status *st);
hid_t obr_open_group_path(hid_t file, obr_status *st, int n, const char *const *names);
int obr_links_exist(hid_t parent, int n, const char *const *names);
void obr_remove_link_if_exists(hid_t parent, const char *name, obr_status *st);
void obr_put_string_attr(hid_t obj, const char *name, const char *value, obr_status *st);
void obr_put_int_attr(hid_t obj, const char *name, long long value, obr_status *st);
hid_t obr_make_dcpl(int rank, const hsize_t *chunk);
/* Write n rows at rows [offset, offset+n) of a 1-D or 2-D (rows x cols) dataset. */
void obr_write_rows(hid_t dset, hid_t memtype, int ndims, hsize_t offset, size_t n, hsize_t cols,
                    const void *buf, const char *what, obr_status *st);
void obr_close_id(hid_t id);
/* 1 when the step group `name` under parent has done=1. */
int obr_step_group_done(hid_t parent, const char *name);
/* "12.3 KiB", "4.0 MiB": for messages. */
const char *obr_bytes_text(long long bytes, char *buf, size_t len);

#endif
