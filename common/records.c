/* Field tables of the record kinds, generated from the X-macro lists of
 * include/occbench/records.h, and the generic per-field helpers built on
 * them. No HDF5, no MPI. */
#include "occbench/records.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define OB_FIELD_ROW(type, name, unit, flags, help)                                                \
    {#name, OB_FT_##type, offsetof(OB_RECORD_STRUCT, name), unit, flags, help},
#define OB_KIND(var, label, LIST)                                                                  \
    static const ob_field var##_fields[] = {LIST(OB_FIELD_ROW)};                                   \
    const ob_record_kind var = {label, var##_fields, sizeof var##_fields / sizeof var##_fields[0], \
                                sizeof(OB_RECORD_STRUCT)};

#define OB_RECORD_STRUCT ob_sample
OB_KIND(ob_sample_kind, "sample", OB_SAMPLE_FIELDS)
#undef OB_RECORD_STRUCT
#define OB_RECORD_STRUCT ob_rep_record
OB_KIND(ob_rep_kind, "rep", OB_REP_FIELDS)
#undef OB_RECORD_STRUCT
#define OB_RECORD_STRUCT ob_phase_record
OB_KIND(ob_phase_kind, "phase", OB_PHASE_FIELDS)
#undef OB_RECORD_STRUCT
#define OB_RECORD_STRUCT ob_summary_row
OB_KIND(ob_summary_kind, "summary", OB_SUMMARY_FIELDS)
#undef OB_RECORD_STRUCT
#define OB_RECORD_STRUCT ob_monitor_sample
OB_KIND(ob_monitor_kind, "monitor", OB_MONITOR_FIELDS)
#undef OB_RECORD_STRUCT

/* The per-field helpers below index ob_sample as an array of doubles: true
 * only while every sample field is F64 without padding. */
#define OB_COUNT_FIELD(type, name, unit, flags, help) +1
_Static_assert(sizeof(ob_sample) == (0 OB_SAMPLE_FIELDS(OB_COUNT_FIELD)) * sizeof(double),
               "every ob_sample field must be F64");

double *ob_sample_at(ob_sample *s, size_t i)
{
    double *v;
    /* offsetof of the i-th field is i doubles (asserted above) */
    v = (double *)(void *)((unsigned char *)s + ob_sample_kind.fields[i].offset);
    return v;
}

double ob_sample_get(const ob_sample *s, size_t i)
{
    double v;
    memcpy(&v, (const unsigned char *)s + ob_sample_kind.fields[i].offset, sizeof v);
    return v;
}

void ob_sample_set_nan(ob_sample *s)
{
    for (size_t i = 0; i < OB_SAMPLE_NFIELDS; i++)
        *ob_sample_at(s, i) = NAN;
}

void ob_sample_delta(const ob_sample *a, const ob_sample *b, ob_sample *out)
{
    for (size_t i = 0; i < OB_SAMPLE_NFIELDS; i++)
        *ob_sample_at(out, i) = ob_sample_get(b, i) - ob_sample_get(a, i);
}

int ob_record_each_column(const ob_record_kind *kind, int (*fn)(const ob_field *col, void *user),
                          void *user)
{
    for (size_t i = 0; i < kind->nfields; i++) {
        const ob_field *f = &kind->fields[i];
        if (f->type != OB_FT_SAMPLE) {
            int rc = fn(f, user);
            if (rc)
                return rc;
            continue;
        }
        for (size_t j = 0; j < ob_sample_kind.nfields; j++) {
            ob_field col = ob_sample_kind.fields[j];
            col.offset += f->offset;
            int rc = fn(&col, user);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int set_missing(const ob_field *col, void *record)
{
    unsigned char *p = (unsigned char *)record + col->offset;
    if (col->type == OB_FT_F64) {
        double v = NAN;
        memcpy(p, &v, sizeof v);
    } else {
        int32_t v = -1;
        memcpy(p, &v, sizeof v);
    }
    return 0;
}

void ob_record_fill_missing(const ob_record_kind *kind, void *record)
{
    ob_record_each_column(kind, set_missing, record);
}

/* ---- the counter metrics, from OB_COUNTER_METRICS ---- */

static const char *const metric_names[OB_METRIC_COUNT] = {
#define OB_METRIC_NAME(id, key, field, flags) [OB_METRIC_##id] = key,
    OB_COUNTER_METRICS(OB_METRIC_NAME)
#undef OB_METRIC_NAME
};

static const size_t metric_fields[OB_METRIC_COUNT] = {
#define OB_METRIC_OFFSET(id, key, field, flags) [OB_METRIC_##id] = offsetof(ob_sample, field),
    OB_COUNTER_METRICS(OB_METRIC_OFFSET)
#undef OB_METRIC_OFFSET
};

static const int metric_flags[OB_METRIC_COUNT] = {
#define OB_METRIC_FLAGS(id, key, field, flags) [OB_METRIC_##id] = flags,
    OB_COUNTER_METRICS(OB_METRIC_FLAGS)
#undef OB_METRIC_FLAGS
};

const char *ob_metric_name(ob_metric m)
{
    return (m >= 0 && m < OB_METRIC_COUNT) ? metric_names[m] : "unknown";
}

int ob_metric_from_name(const char *name)
{
    for (int m = 0; m < OB_METRIC_COUNT; m++)
        if (strcmp(name, metric_names[m]) == 0)
            return m;
    return -1;
}

const char *ob_metric_names_joined(void)
{
    static char joined[256];
    if (!joined[0])
        for (int m = 0, used = 0; m < OB_METRIC_COUNT && used < (int)sizeof joined; m++)
            used += snprintf(joined + used, sizeof joined - (size_t)used, "%s%s", m ? ", " : "",
                             metric_names[m]);
    return joined;
}

size_t ob_metric_field(ob_metric m)
{
    return metric_fields[m];
}

int ob_metric_optional(ob_metric m)
{
    return (metric_flags[m] & OB_OPTIONAL) != 0;
}
