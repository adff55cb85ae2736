/* Node passport: see passport.h. */
#include "driver/record/passport.h"

#include "common/procfs.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void virtualisation(char *out, size_t len)
{
    char flags[4096];
    char hv[128];
    if (ob_read_line("/sys/hypervisor/type", hv, sizeof hv) == 0) {
        snprintf(out, len, "yes (%s)", hv);
        return;
    }
    if (ob_cpuinfo_field("flags", flags, sizeof flags) == 0) {
        /* x86 sets the "hypervisor" CPUID bit in every guest. */
        int guest = strstr(flags, " hypervisor") != NULL;
        char vendor[128] = "";
        ob_read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof vendor);
        snprintf(out, len, guest ? "yes (cpuid hypervisor flag; dmi vendor %s)" : "no", vendor);
        return;
    }
    snprintf(out, len, "unreadable: no /sys/hypervisor/type and no x86 cpuid flags");
}

/* Longest mount point in /proc/self/mountinfo that prefixes `real`. */
static void add_fs(ob_kvlist *l, const char *prefix, const char *path)
{
    char fs[256], mnt[PATH_MAX], key[64];
    if (!path) {
        snprintf(fs, sizeof fs, "unreadable: no path given");
        snprintf(mnt, sizeof mnt, "%s", fs);
    } else {
        ob_fs_of_path(path, fs, sizeof fs, mnt, sizeof mnt);
    }
    snprintf(key, sizeof key, "%s_fstype", prefix);
    ob_kvlist_add(l, key, "%s", fs);
    snprintf(key, sizeof key, "%s_mount", prefix);
    ob_kvlist_add(l, key, "%s", mnt);
}

static void batch_job(ob_kvlist *l)
{
    static const char *const systems[][2] = {
        {"slurm", "SLURM_JOB_ID"}, {"pbs", "PBS_JOBID"}, {"flux", "FLUX_JOB_ID"},
        {"lsf", "LSB_JOBID"},      {"sge", "JOB_ID"},
    };
    for (size_t i = 0; i < sizeof systems / sizeof systems[0]; i++) {
        const char *id = getenv(systems[i][1]);
        if (id && *id) {
            ob_kvlist_add(l, "passport_batch_system", "%s", systems[i][0]);
            ob_kvlist_add(l, "passport_batch_job_id", "%s", id);
            return;
        }
    }
    ob_kvlist_add(l, "passport_batch_system",
                  "none (no SLURM_JOB_ID, PBS_JOBID, FLUX_JOB_ID, "
                  "LSB_JOBID or JOB_ID in the environment)");
    ob_kvlist_add(l, "passport_batch_job_id", "none");
}

void ob_passport_collect(ob_kvlist *l, const ob_topo *t, const char *io_dir, const char *output)
{
    char buf[4096];
    int smt = ob_read_line("/sys/devices/system/cpu/smt/active", buf, sizeof buf);
    ob_kvlist_add(l, "passport_smt", "%s", smt == 0 ? (strcmp(buf, "1") == 0 ? "on" : "off") : buf);
    int packages = ob_topo_package_count(t), numa = ob_topo_numa_count(t);
    ob_kvlist_add(l, "passport_packages", "%d", packages);
    ob_kvlist_add(l, "passport_numa_nodes", "%d", numa);
    if (packages > 0)
        ob_kvlist_add(l, "passport_numa_per_socket", "%d (NPS%d on AMD EPYC)", numa / packages,
                      numa / packages);
    ob_machine m;
    ob_topo_machine(t, &m);
    ob_kvlist_add(l, "passport_l3_bytes", "%zu", m.l3_bytes);
    ob_kvlist_add(l, "passport_cores_per_l3", "%d", ob_topo_cores_per_l3(t));
    ob_kvlist_add(l, "passport_l3_domains", "%d", ob_topo_l3_domain_count(t));
    ob_cpuinfo_field("microcode", buf, sizeof buf);
    ob_kvlist_add(l, "passport_microcode", "%s", buf);
    virtualisation(buf, sizeof buf);
    ob_kvlist_add(l, "passport_virtualised", "%s", buf);
    add_fs(l, "passport_io_dir", io_dir);
    add_fs(l, "passport_output", output);
    batch_job(l);
}
