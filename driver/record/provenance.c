/* Provenance collection: the build (compile-time versions and flags), the
 * libraries actually loaded (run-time versions), the CPU and its clock
 * policy. Unreadable items say why. */
#include "driver/record/provenance.h"

#include <errno.h>
#include <hdf5.h>
#include <hwloc.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "common/procfs.h"
#include "driver/measure/papi_counters.h"
#include "occbench/build_info.h"

void ob_kvlist_add(ob_kvlist *l, const char *key, const char *fmt, ...)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        ob_kv *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return;
        l->items = items;
        l->cap = cap;
    }
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *k = strdup(key), *v = strdup(buf);
    if (!k || !v) {
        free(k);
        free(v);
        return;
    }
    l->items[l->n++] = (ob_kv){k, v};
}

const char *ob_kvlist_get(const ob_kvlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return l->items[i].value;
    return NULL;
}

void ob_kvlist_free(ob_kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free((char *)l->items[i].key);
        free((char *)l->items[i].value);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* The hwloc library's own version (2.9.0), which its API version (2.8.0:
 * it moves only when the API does) is not: hwloc writes it into the root
 * object of every topology it loads. */
static const char *hwloc_library_version(char *buf, size_t len)
{
    hwloc_topology_t t;
    snprintf(buf, len, "unknown");
    if (hwloc_topology_init(&t) != 0)
        return buf;
    if (hwloc_topology_set_synthetic(t, "pu:1") == 0 && hwloc_topology_load(t) == 0) {
        const char *v = hwloc_obj_get_info_by_name(hwloc_get_root_obj(t), "hwlocVersion");
        if (v)
            snprintf(buf, len, "%s", v);
    }
    hwloc_topology_destroy(t);
    return buf;
}

static void cpu_model(char *out, size_t len)
{
    /* x86: "model name"; aarch64 kernels have no such line, and the
     * reason then says so. */
    ob_cpuinfo_field("model name", out, len);
}

static void add_file(ob_kvlist *l, const char *key, const char *path)
{
    char buf[512];
    ob_read_line(path, buf, sizeof buf);
    ob_kvlist_add(l, key, "%s", buf);
}

static void add_versions(ob_kvlist *l)
{
    char mpi_lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0, mpi_major = 0, mpi_minor = 0;
    MPI_Get_library_version(mpi_lib, &len);
    mpi_lib[strcspn(mpi_lib, "\n")] = '\0';
    MPI_Get_version(&mpi_major, &mpi_minor);
    ob_kvlist_add(l, "mpi_library_runtime", "%s", mpi_lib);
    ob_kvlist_add(l, "mpi_standard", "%d.%d", mpi_major, mpi_minor);

    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    ob_kvlist_add(l, "hdf5_compile", "%d.%d.%d", H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE);
    ob_kvlist_add(l, "hdf5_runtime", "%u.%u.%u", maj, min, rel);

    char papi_compile[64], papi_runtime[128];
    ob_papi_versions(papi_compile, sizeof papi_compile, papi_runtime, sizeof papi_runtime);
    ob_kvlist_add(l, "papi_compile", "%s", papi_compile);
    ob_kvlist_add(l, "papi_runtime", "%s", papi_runtime);

    unsigned hv = hwloc_get_api_version();
    ob_kvlist_add(l, "hwloc_compile", "%u.%u.%u", HWLOC_API_VERSION >> 16,
                  (HWLOC_API_VERSION >> 8) & 0xff, HWLOC_API_VERSION & 0xff);
    ob_kvlist_add(l, "hwloc_runtime_api", "%u.%u.%u", hv >> 16, (hv >> 8) & 0xff, hv & 0xff);
    char lib[64];
    ob_kvlist_add(l, "hwloc_runtime", "%s", hwloc_library_version(lib, sizeof lib));

    ob_kvlist_add(l, "occbench_version", "%s", OB_VERSION);
    ob_kvlist_add(l, "git_revision", "%s", OB_GIT_REVISION);
    ob_kvlist_add(l, "compiler", "%s", OB_COMPILER);
    ob_kvlist_add(l, "c_flags", "%s", OB_C_FLAGS);
    ob_kvlist_add(l, "build_type", "%s", OB_BUILD_TYPE);
}

static void add_clock_policy(ob_kvlist *l)
{
    const char *cpu0 = "/sys/devices/system/cpu/cpu0/cpufreq/";
    static const char *const files[][2] = {
        {"cpufreq_driver", "scaling_driver"},    {"cpufreq_governor", "scaling_governor"},
        {"cpufreq_min_khz", "cpuinfo_min_freq"}, {"cpufreq_max_khz", "cpuinfo_max_freq"},
        {"cpufreq_base_khz", "base_frequency"},  {"cpufreq_scaling_max_khz", "scaling_max_freq"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s%s", cpu0, files[i][1]);
        add_file(l, files[i][0], path);
    }
    /* Boost: acpi-cpufreq exposes cpufreq/boost; intel_pstate no_turbo (inverted). */
    char buf[256];
    if (ob_read_line("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof buf) == 0)
        ob_kvlist_add(l, "boost", "%s", strcmp(buf, "1") == 0 ? "on" : "off");
    else if (ob_read_line("/sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof buf) == 0)
        ob_kvlist_add(l, "boost", "%s", strcmp(buf, "0") == 0 ? "on" : "off");
    else
        ob_kvlist_add(l, "boost",
                      "unreadable: neither cpufreq/boost nor intel_pstate/no_turbo "
                      "exists");
}

void ob_provenance_collect(ob_kvlist *l)
{
    char buf[512];
    cpu_model(buf, sizeof buf);
    ob_kvlist_add(l, "cpu_model", "%s", buf);
    struct utsname u;
    if (uname(&u) == 0) {
        ob_kvlist_add(l, "os_kernel", "%s %s %s", u.sysname, u.release, u.machine);
        ob_kvlist_add(l, "hostname", "%s", u.nodename);
    } else {
        ob_kvlist_add(l, "os_kernel", "unreadable: uname: %s", strerror(errno));
    }
    add_file(l, "perf_event_paranoid", "/proc/sys/kernel/perf_event_paranoid");
    add_file(l, "task_delayacct", "/proc/sys/kernel/task_delayacct");
    add_file(l, "transparent_hugepage", "/sys/kernel/mm/transparent_hugepage/enabled");
    add_clock_policy(l);
    add_versions(l);
}
