/* Strict number parsing: a value is accepted only when the whole string
 * is consumed, so "10x", "", "1e999" and "-0" typos never pass silently. */
#include "common/parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int ob_parse_int(const char *s, long long *out)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

/* A finite, non-negative number followed by a unit suffix; returns the
 * suffix via *unit. */
static int parse_number_unit(const char *s, double *value, const char **unit)
{
    if (!s || !*s)
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || !isfinite(v) || v < 0 || signbit(v))
        return -1; /* signbit: "-0" is a typo, not zero */
    *value = v;
    *unit = end;
    return 0;
}

int ob_parse_seconds(const char *s, double *out)
{
    static const struct {
        const char *name;
        double scale;
    } units[] = {{"", 1.0}, {"s", 1.0}, {"ms", 1e-3}, {"m", 60.0}, {"min", 60.0}, {"h", 3600.0}};
    double v;
    const char *unit;
    if (parse_number_unit(s, &v, &unit) != 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(unit, units[i].name) == 0) {
            *out = v * units[i].scale;
            return 0;
        }
    return -1;
}

int ob_parse_bytes(const char *s, size_t *out)
{
    static const struct {
        const char *name;
        double scale;
    } units[] = {{"", 1.0},
                 {"B", 1.0},
                 {"K", 1024.0},
                 {"KiB", 1024.0},
                 {"M", 1048576.0},
                 {"MiB", 1048576.0},
                 {"G", 1073741824.0},
                 {"GiB", 1073741824.0},
                 {"T", 1099511627776.0},
                 {"TiB", 1099511627776.0}};
    double v;
    const char *unit;
    if (parse_number_unit(s, &v, &unit) != 0)
        return -1;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcasecmp(unit, units[i].name) == 0) {
            double bytes = v * units[i].scale;
            if (bytes > 1.8e19 || bytes != floor(bytes))
                return -1;
            *out = (size_t)bytes;
            return 0;
        }
    return -1;
}

int ob_list_has_empty(const char *list)
{
    if (!list || !*list || list[0] == ',' || list[strlen(list) - 1] == ',')
        return 1;
    return strstr(list, ",,") != NULL;
}

int ob_kv_find(const char *list, const char *key, size_t klen, const char **val, size_t *vlen)
{
    for (const char *f = list; f && *f;) {
        const char *end = strchr(f, ';');
        size_t flen = end ? (size_t)(end - f) : strlen(f);
        const char *eq = memchr(f, '=', flen);
        size_t fklen = eq ? (size_t)(eq - f) : flen;
        if (fklen == klen && !memcmp(f, key, klen)) {
            *val = eq ? eq + 1 : "";
            *vlen = eq ? flen - fklen - 1 : 0;
            return 1;
        }
        f += flen + (end ? 1 : 0);
    }
    return 0;
}
