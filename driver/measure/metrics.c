/* Names and fields of the counter metrics, generated from OB_COUNTER_METRICS. */
#include "driver/measure/metrics.h"

#include <stdio.h>
#include <string.h>

static const char *const metric_names[OB_METRIC_COUNT] = {
#define OB_METRIC_NAME(id, key, field) [OB_METRIC_##id] = key,
    OB_COUNTER_METRICS(OB_METRIC_NAME)
#undef OB_METRIC_NAME
};

static const size_t metric_fields[OB_METRIC_COUNT] = {
#define OB_METRIC_OFFSET(id, key, field) [OB_METRIC_##id] = offsetof(ob_sample, field),
    OB_COUNTER_METRICS(OB_METRIC_OFFSET)
#undef OB_METRIC_OFFSET
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
