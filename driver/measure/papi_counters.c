/* Every PAPI call of occbench (see papi_counters.h). */
#include "driver/measure/papi_counters.h"

#include <papi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/procfs.h"

/* PAPI components for devices occbench never counts: initialising them
 * costs start-up time and, where their libraries are installed, prints on
 * every rank ("Failed to open drm root directory", "rsmi_init"). */
static const char *const device_components[] = {"rocm_smi", "rocm", "rocp_sdk", "amd_smi",
                                                "cuda",     "nvml", "intel_gpu"};

int ob_papi_disabled_component(const char *name)
{
    for (size_t i = 0; i < sizeof device_components / sizeof device_components[0]; i++)
        if (!strcmp(name, device_components[i]))
            return 1;
    return 0;
}

int ob_papi_library_init(const char *overrides, char *err, size_t errlen)
{
    if (PAPI_is_initialized() != PAPI_NOT_INITED)
        return 0;
    for (size_t i = 0; i < sizeof device_components / sizeof device_components[0]; i++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s:::", device_components[i]);
        if (!overrides || !strstr(overrides, prefix))             /* asked for by name: keep it */
            PAPI_disable_component_by_name(device_components[i]); /* absent: fine */
    }
    int v = PAPI_library_init(PAPI_VER_CURRENT);
    if (v != PAPI_VER_CURRENT) {
        snprintf(err, errlen, "PAPI_library_init: %s",
                 v > 0 ? "header/library version mismatch" : PAPI_strerror(v));
        return v > 0 ? PAPI_EINVAL : v;
    }
    return 0;
}

void ob_papi_versions(char *compile, size_t clen, char *runtime, size_t rlen)
{
    snprintf(compile, clen, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(PAPI_VERSION),
             PAPI_VERSION_MINOR(PAPI_VERSION), PAPI_VERSION_REVISION(PAPI_VERSION),
             PAPI_VERSION_INCREMENT(PAPI_VERSION));
    int pv = PAPI_is_initialized() ? PAPI_get_opt(PAPI_LIB_VERSION, NULL) : PAPI_ENOINIT;
    if (pv > 0)
        snprintf(runtime, rlen, "%d.%d.%d.%d", PAPI_VERSION_MAJOR(pv), PAPI_VERSION_MINOR(pv),
                 PAPI_VERSION_REVISION(pv), PAPI_VERSION_INCREMENT(pv));
    else
        snprintf(runtime, rlen, "unreadable: PAPI not initialised (%s)", PAPI_strerror(pv));
}

static int real_library_init(void *user, const char *overrides, char *err, size_t errlen)
{
    (void)user;
    return ob_papi_library_init(overrides, err, errlen);
}

static int real_try_events(void *user, const char *const *events, int n, char *err, size_t errlen)
{
    (void)user;
    if (n < 1 || n > OB_METRIC_COUNT + 1) {
        snprintf(err, errlen, "internal: %d events to try (1..%d)", n, OB_METRIC_COUNT + 1);
        return PAPI_EINVAL;
    }
    int set = PAPI_NULL;
    int rc = PAPI_create_eventset(&set);
    if (rc != PAPI_OK) {
        snprintf(err, errlen, "PAPI_create_eventset: %s", PAPI_strerror(rc));
        return rc;
    }
    for (int i = 0; i < n && rc == PAPI_OK; i++) {
        rc = PAPI_add_named_event(set, events[i]);
        if (rc != PAPI_OK) {
            if (i + 1 == n)
                snprintf(err, errlen, "%s", PAPI_strerror(rc));
            else /* an accepted event no longer adds: say which */
                snprintf(err, errlen, "%s (adding accepted %s)", PAPI_strerror(rc), events[i]);
        }
    }
    /* Adding opens the perf events; starting checks that they schedule together. */
    if (rc == PAPI_OK) {
        rc = PAPI_start(set);
        if (rc != PAPI_OK) {
            snprintf(err, errlen, "cannot count together with the accepted events: %s",
                     PAPI_strerror(rc));
        } else {
            long long values[OB_METRIC_COUNT + 1];
            PAPI_stop(set, values);
        }
    }
    PAPI_cleanup_eventset(set);
    PAPI_destroy_eventset(&set);
    return rc;
}

static int cpuinfo_id(char *vendor, size_t vlen, int *family, int *model)
{
    char fam[32], mod[32];
    if (ob_cpuinfo_field("vendor_id", vendor, vlen) != 0 ||
        ob_cpuinfo_field("cpu family", fam, sizeof fam) != 0 ||
        ob_cpuinfo_field("model", mod, sizeof mod) != 0)
        return -1;
    *family = atoi(fam);
    *model = atoi(mod);
    return 0;
}

static int real_cpu_id(void *user, char *vendor, size_t vlen, int *family, int *model)
{
    (void)user;
    if (PAPI_is_initialized() != PAPI_NOT_INITED) {
        const PAPI_hw_info_t *hw = PAPI_get_hardware_info();
        if (hw && hw->vendor_string[0] && hw->cpuid_family > 0) {
            snprintf(vendor, vlen, "%s", hw->vendor_string);
            *family = hw->cpuid_family;
            *model = hw->cpuid_model;
            return 0;
        }
    }
    return cpuinfo_id(vendor, vlen, family, model);
}

/* When the CPU counter component is disabled every hardware candidate fails
 * with a short PAPI error; PAPI's own reason explains the lot. */
static const char *real_note(void *user)
{
    (void)user;
    static char note[256];
    note[0] = '\0';
    if (PAPI_is_initialized() == PAPI_NOT_INITED)
        return note;
    int cidx = PAPI_get_component_index("perf_event");
    const PAPI_component_info_t *ci = cidx >= 0 ? PAPI_get_component_info(cidx) : NULL;
    if (ci && ci->disabled)
        snprintf(note, sizeof note, "PAPI component perf_event is disabled: %.200s",
                 ci->disabled_reason);
    return note;
}

const ob_papi_ops *ob_papi_real_ops(void)
{
    static const ob_papi_ops ops = {
        .library_init = real_library_init,
        .try_events = real_try_events,
        .cpu_id = real_cpu_id,
        .user = NULL,
        .note = real_note,
    };
    return &ops;
}

/* ---- the calling thread's event set ------------------------------------------ */

static _Thread_local int thread_set = PAPI_NULL;
static _Thread_local int thread_events; /* events added */
static _Thread_local int thread_started;

int ob_papi_thread_open(char *why, size_t whylen)
{
    ob_papi_thread_close();
    if (PAPI_is_initialized() == PAPI_NOT_INITED) {
        char init_err[160] = "";
        if (ob_papi_library_init(NULL, init_err, sizeof init_err) != 0) {
            snprintf(why, whylen, "PAPI_library_init failed: %s", init_err);
            return -1;
        }
    }
    int rc = PAPI_create_eventset(&thread_set);
    if (rc != PAPI_OK) {
        thread_set = PAPI_NULL;
        snprintf(why, whylen, "PAPI_create_eventset failed: %s", PAPI_strerror(rc));
        return -1;
    }
    return 0;
}

int ob_papi_thread_add(const char *event, char *why, size_t whylen)
{
    int rc = PAPI_add_named_event(thread_set, event);
    if (rc != PAPI_OK) {
        snprintf(why, whylen, "PAPI_add_named_event failed at start: %s", PAPI_strerror(rc));
        return -1;
    }
    thread_events++;
    return 0;
}

int ob_papi_thread_start(char *why, size_t whylen)
{
    if (thread_events == 0)
        return 0;
    int rc = PAPI_start(thread_set);
    if (rc != PAPI_OK) {
        snprintf(why, whylen, "PAPI_start failed: %s", PAPI_strerror(rc));
        return -1;
    }
    thread_started = 1;
    return 0;
}

int ob_papi_thread_read(long long *values, int max)
{
    if (!thread_started || thread_events > max)
        return -1;
    return PAPI_read(thread_set, values) == PAPI_OK ? thread_events : -1;
}

void ob_papi_thread_close(void)
{
    if (thread_started) {
        long long values[64];
        if (thread_events <= 64)
            PAPI_stop(thread_set, values);
    }
    if (thread_set != PAPI_NULL) {
        PAPI_cleanup_eventset(thread_set);
        PAPI_destroy_eventset(&thread_set);
    }
    thread_set = PAPI_NULL;
    thread_events = 0;
    thread_started = 0;
}
