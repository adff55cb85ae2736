/* Strict number parsing for options: the whole string must be a valid
 * number (strtoll/strtod with an end check), with an optional unit; and the
 * "k=v;k=v" lists the results file keeps its configuration in. */
#ifndef OCCBENCH_PARSE_H
#define OCCBENCH_PARSE_H

#include <stddef.h>

/* Integer, no unit. Returns 0 or -1. */
int ob_parse_int(const char *s, long long *out);
/* Duration: "10", "10s", "1.5s", "500ms", "2m", "1h" -> seconds. Returns 0 or -1. */
int ob_parse_seconds(const char *s, double *out);
/* Size: "64", "64K", "64M", "2G", "2GiB", "64k" -> bytes (binary units). Returns 0 or -1. */
int ob_parse_bytes(const char *s, size_t *out);

/* 1 when a comma-separated list has an empty element: empty, a leading or
 * trailing comma, or two commas in a row. */
int ob_list_has_empty(const char *list);

/* The value of the key `key` (klen bytes) in a "k=v;k=v" list, such as a
 * results file's attribute config: 1 with *val and *vlen (not
 * NUL-terminated; a field without '=' has the empty value), 0 when the key
 * is not there. */
int ob_kv_find(const char *list, const char *key, size_t klen, const char **val, size_t *vlen);

#endif
