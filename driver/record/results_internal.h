/* Private to the results-file module (driver/record/results.h is its interface):
 * the handle, the local status and the agreement every call ends with,
 * opening, reserving and closing the file on rank 0, and HDF5 helpers.
 *   results_util.c       status, agreement, HDF5 helpers
 *   results_commit.c     open (in memory), reserve, commit (through the journal
 *                        of common/results_journal.h)
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
    /* rank 0: the file's image in memory (HDF5 core driver), open from the
     * first write after a commit to the next commit; else -1 */
    hid_t file;
    int fd;             /* rank 0: the file on disk while `file` is open (locked); else -1 */
    unsigned char *old; /* rank 0: the file's bytes when `file` was opened */
    size_t old_size;
    int creating, replace; /* rank 0: `file` is a new file, not yet on disk (replace: --force) */
    uint64_t reserved;     /* rank 0: the writes' estimates since the open (obr_reserve) */
    char what[96];         /* rank 0: the first write since the open, for a disk-full message */
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

/* Rank 0: open r->file read-write when it is closed: the file read whole
 * into memory, its lock held until the commit. While another program
 * (h5py, h5ls) holds the file's lock, waits for it (a notice after
 * OBR_LOCK_WAIT_S; the step's watchdog bounds the wait) instead of failing. */
#define OBR_LOCK_WAIT_S 60
void obr_open(ob_results *r, obr_status *st);
/* Rank 0: a new file in memory; it reaches the disk whole at its first
 * commit (replace: an existing file is replaced then). */
void obr_create_in_memory(ob_results *r, int replace, obr_status *st);
/* Rank 0, holding the claim, before a resume reads the file: finish what a
 * killed launch's commit left (common/results_journal.h). */
void obr_recover(ob_results *r, obr_status *st);
/* Rank 0, holding the claim, before it creates the file: a killed
 * launch's PATH.new and PATH.journal go (they belong to no file now). */
void obr_drop_leftovers(const ob_results *r);
/* Rank 0: drop an open image uncommitted (its changes never reach the disk),
 * the file's descriptor and its lock; also what a commit ends with. */
void obr_discard(ob_results *r);
/* Rank 0, before it creates or resumes the file: a file system that
 * refuses locks (Lustre or NFS without flock) turns HDF5's locking off for
 * this launch's opens, with one warning naming HDF5_USE_FILE_LOCKING. */
void obr_check_locking(const char *path);
/* The file-access properties of the writer's opens (H5Pclose it). */
hid_t obr_fapl(void);
/* Rank 0: the commit: r->file's image carried to disk through the
 * journal (a kill leaves this commit or the last), then closed. */
void obr_close_file(ob_results *r, obr_status *st);
/* Rank 0: a write of about `bytes` joins the next commit; `what` names the
 * commit in a disk-full message when it is the first (the commit reserves
 * its exact need before it changes the file, see results_commit.c). */
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
