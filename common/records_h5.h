/* HDF5 compound types and a column-name reader for the record kinds of
 * records.h, shared by the writer (driver/record/results.c, parallel HDF5), the
 * reader (analysis/, serial HDF5) and the test fixtures: all of them build
 * their types from the same field tables (common/records.c). Depends on
 * HDF5 and records.h only (no MPI); part of the common library.
 *
 * The ob_sample members of a record are flattened into its compound type
 * under their own names (wall, user, sys, run_delay, ..., task_clock), so
 * h5py/pandas users see flat columns; in /summary rows they are medians.
 * File types are the native memory layouts (no conversion on write, which
 * keeps parallel transfers collective).
 *
 * Strings are stored as fixed-length, null-padded UTF-8 (H5T_C_S1,
 * H5T_STR_NULLPAD, H5T_CSET_UTF8), sized to the longest string (at least
 * 1 byte): parallel HDF5 1.10 cannot write variable-length data
 * collectively, and h5py reads these as bytes (numpy 'S'). The readers
 * below also accept variable-length strings.
 *
 * Every function returns a negative hid_t / -1 on failure (the HDF5 error
 * stack says why); the caller closes returned types with H5Tclose. */
#ifndef OCCBENCH_RECORDS_H5_H
#define OCCBENCH_RECORDS_H5_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "occbench/records.h"

#ifdef __cplusplus
extern "C" {
#endif

/* /counters/sources: one row per node and metric (fixed-size strings). */
typedef struct ob_counter_row {
    int32_t node;
    int32_t available; /* 1 when `event` serves the metric */
    char metric[32];   /* "cycles", "instructions", ... */
    char event[128];   /* PAPI event; "" when none */
    char reason[512];  /* why this event, or why none (as long as ob_metric_source.reason) */
    double scale;      /* raw counts are multiplied by this */
} ob_counter_row;

hid_t ob_h5_rep_type(void);     /* ob_rep_record */
hid_t ob_h5_phase_type(void);   /* ob_phase_record */
hid_t ob_h5_summary_type(void); /* ob_summary_row */
hid_t ob_h5_monitor_type(void); /* ob_monitor_sample (pad omitted) */
hid_t ob_h5_counter_type(void); /* ob_counter_row */

/* The compound type of any record kind, every column but `drop` (NULL:
 * all; the test fixtures drop one to make a damaged file). */
hid_t ob_h5_record_type(const ob_record_kind *kind, const char *drop);

/* Read the compound dataset `path` under loc into a new malloc'ed array of
 * kind->size rows, by column name: a column the file lacks is an error
 * naming it unless the field is OB_OPTIONAL (then NaN, or -1); columns the
 * kind does not know are ignored. Returns 0, or -1 with one line in err. */
int ob_h5_read_records(hid_t loc, const char *path, const ob_record_kind *kind, void **rows,
                       size_t *nrows, char *err, size_t errlen);

/* The OB_STEP_ATTRS attributes of a step group: written (all ranks with
 * the same values under parallel HDF5), or read with each absent one at
 * its default; read strings are malloc'ed (ob_step_attrs_free). Return 0
 * or -1. */
int ob_h5_write_step_attrs(hid_t group, const ob_step_attrs *attrs);
int ob_h5_read_step_attrs(hid_t group, ob_step_attrs *attrs);
void ob_step_attrs_free(ob_step_attrs *attrs);

/* 0 when dataset `path`'s type ft and space sp make a sane record table
 * (compound, members inside the row), else -1 with one line in err. */
int ob_h5_table_check(hid_t ft, hid_t sp, const char *path, char *err, size_t errlen);

/* 0 when a compound file type has members outside its row or of a class
 * no record uses (a corrupted file), else 1. */
int ob_h5_compound_sane(hid_t file_type);

/* Fixed-length UTF-8 null-padded string type of `len` bytes (0 -> 1). */
hid_t ob_h5_string_type(size_t len);

/* Attribute helpers: create (or replace) a scalar attribute on `obj`.
 * In parallel HDF5 every rank must call them with identical arguments. */
int ob_h5_attr_put_string(hid_t obj, const char *name, const char *value);
int ob_h5_attr_put_int(hid_t obj, const char *name, long long value);
int ob_h5_attr_put_double(hid_t obj, const char *name, double value);
/* A 1-D attribute of n strings (n may be 0). */
int ob_h5_attr_put_strings(hid_t obj, const char *name, const char *const *values, size_t n);

/* Readers. Returns 0 or -1 (missing attribute, wrong class). */
int ob_h5_attr_get_int(hid_t obj, const char *name, long long *value);
int ob_h5_attr_get_double(hid_t obj, const char *name, double *value);
/* Scalar string attribute (fixed or variable length) into a new
 * malloc'ed NUL-terminated string in *value (caller frees). */
int ob_h5_attr_get_string(hid_t obj, const char *name, char **value);
/* 1-D string attribute (fixed or variable length): *values is a malloc'ed
 * NULL-terminated array of *n strings, freed with ob_h5_free_strings. */
int ob_h5_attr_get_strings(hid_t obj, const char *name, char ***values, size_t *n);
void ob_h5_free_strings(char **values);

#ifdef __cplusplus
}
#endif
#endif
