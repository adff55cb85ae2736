/* Private to the results-file module (driver/results.h is its interface):
 * the handle, the local status and the agreement every stage ends with,
 * rank 0's arguments broadcast as a pack, and the HDF5 helpers.
 *   results_util.c       status, agreement, pack, HDF5 helpers
 *   results_file.c       create, resume, flush, close
 *   results_write.c      /system, /counters, steps, /summary, /monitor
 * Functions here are collective only where they say so. */
#ifndef OCCBENCH_RESULTS_INTERNAL_H
#define OCCBENCH_RESULTS_INTERNAL_H

#include <hdf5.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/results.h"

#define MSG_LEN 1024
#define NAME_MAX_LEN 200

struct ob_results {
    MPI_Comm comm;
    int rank, size;
    hid_t file;
    hid_t dxpl_coll; /* collective raw-data transfers */
    char *path;
};

/* The first failure of this rank in the current stage. */
typedef struct obr_status {
    int failed;
    char msg[MSG_LEN];
} obr_status;

void obr_st_fail(obr_status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like obr_st_fail, appending the innermost HDF5 error description. */
void obr_st_h5fail(obr_status *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Collective: 0 when no rank failed; else -1 and every rank gets the
 * message of the lowest failing rank in err. */
int obr_agree(MPI_Comm comm, const obr_status *st, char *err, size_t errlen);

/* A byte buffer filled on rank 0, broadcast, then read back in the same
 * order on every rank (rank 0 included, so all ranks run the same code). */
typedef struct obr_pack {
    char *buf;
    size_t len, cap, pos;
    int bad; /* out of memory (rank 0) or read past the end */
} obr_pack;

void obr_put_bytes(obr_pack *p, const void *data, size_t n);
void obr_put_u64(obr_pack *p, uint64_t v);
void obr_put_i64(obr_pack *p, int64_t v);
void obr_put_f64(obr_pack *p, double v);
void obr_put_str(obr_pack *p, const char *s);
/* Collective: rank 0's pack to every rank, read back from the start. */
int obr_pack_bcast(MPI_Comm comm, obr_pack *p);
const void *obr_get_bytes(obr_pack *p, size_t n);
void obr_get_into(obr_pack *p, void *out, size_t n);
uint64_t obr_get_u64(obr_pack *p);
int64_t obr_get_i64(obr_pack *p);
double obr_get_f64(obr_pack *p);
const char *obr_get_str(obr_pack *p); /* points into the pack */
void obr_pack_free(obr_pack *p);

/* A kernel or placement name usable as one HDF5 link name; -1 and st set if not. */
int obr_check_name(obr_status *st, const char *what, const char *name);
hid_t obr_open_or_create_group(hid_t parent, const char *name, obr_status *st);
hid_t obr_open_group_path(hid_t file, obr_status *st, int n, const char *const *names);
int obr_links_exist(hid_t parent, int n, const char *const *names);
void obr_remove_link_if_exists(hid_t parent, const char *name, obr_status *st);
void obr_put_string_attr(hid_t obj, const char *name, const char *value, obr_status *st);
void obr_put_int_attr(hid_t obj, const char *name, long long value, obr_status *st);
hid_t obr_make_dcpl(int rank, const hsize_t *chunk);
/* Collective write of n rows of this rank at rows [offset, offset+n). */
void obr_write_rows(hid_t dset, hid_t memtype, hid_t dxpl, int ndims, hsize_t offset, size_t n,
                    hsize_t cols, const void *buf, const char *what, obr_status *st);
void obr_close_id(hid_t id);
/* Local: 1 when the step group `name` under parent has done=1. */
int obr_step_group_done(hid_t parent, const char *name);

#endif
