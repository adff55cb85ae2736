/* Generic HDF5 reading for occbench-analyze (analysis/h5read.c): messages,
 * attributes as text or numbers, string lists, compound tables read by
 * member name (fixed or variable-length strings: the writer's records go
 * through common/records_h5.c instead), and sorted link names. */
#ifndef OCCBENCH_ANALYSIS_H5READ_H
#define OCCBENCH_ANALYSIS_H5READ_H

#include <hdf5.h>
#include <stddef.h>

void an_seterr(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *an_xstrdup(const char *s);

/* A string attribute, or a numeric one as text; malloc'd, NULL when absent. */
char *an_h5_attr_text(hid_t loc, const char *name);
/* Numeric attribute: 1 when read, 0 when absent, -1 when unreadable. */
int an_h5_attr_num(hid_t loc, const char *name, double *out);
/* Strings of a 1-D string attribute (is_attr) or dataset: the count, or -1;
 * *out holds malloc'd strings (an_free_list). */
int an_h5_read_str_list(hid_t obj, int is_attr, char ***out);
void an_free_list(char **l, int n);
/* Names of the links in a group, sorted by name: the count, or -1. */
int an_h5_list_links(hid_t g, char ***names);

typedef enum { AN_F_INT, AN_F_DBL, AN_F_STR } an_field_kind;
typedef struct an_field {
    const char *name;
    an_field_kind kind;
    int required;
    size_t off; /* in the row buffer, computed */
    int present, vlen;
    size_t strsize;
    H5T_cset_t cset;
} an_field;

typedef struct an_table {
    unsigned char *buf;
    size_t n, stride;
    an_field *f;
    int nf;
} an_table;

/* Read compound dataset `path` under loc into t with the given fields;
 * a missing required member is an error naming the column. */
int an_h5_read_table(hid_t loc, const char *path, an_field *f, int nf, an_table *t, char *err,
                     size_t errlen);
int an_tab_i(const an_table *t, size_t row, int i);
const char *an_tab_s(const an_table *t, size_t row, int i);
void an_free_table(an_table *t);

#endif
