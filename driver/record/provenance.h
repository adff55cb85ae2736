/* Provenance: what ran, where, built how. Every value is a string; a
 * value that could not be read is "unreadable: <reason>", never absent. */
#ifndef OCCBENCH_PROVENANCE_H
#define OCCBENCH_PROVENANCE_H

#include <stddef.h>

#include "driver/record/results.h"

typedef struct ob_kvlist {
    ob_kv *items; /* keys and values are owned (malloc'd) */
    size_t n, cap;
} ob_kvlist;

void ob_kvlist_add(ob_kvlist *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *ob_kvlist_get(const ob_kvlist *l, const char *key);
void ob_kvlist_free(ob_kvlist *l);

/* This process's view of the machine and the build (call on every rank;
 * rank 0's list is stored). */
void ob_provenance_collect(ob_kvlist *out);

#endif
