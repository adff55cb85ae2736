/* Readers of "key : value" text files (/proc/cpuinfo, /proc/meminfo),
 * shared by the driver's provenance, the PAPI resolver, the sampler and the
 * freq kernel. The path is a parameter so tests can read fake trees. */
#ifndef OCCBENCH_COMMON_PROCFS_H
#define OCCBENCH_COMMON_PROCFS_H

#include <stddef.h>

/* The value of the first line of `path` whose key (text before ':', trailing
 * blanks removed) is exactly `key`. Returns 0, or -1 with out set to
 * "unreadable: <why>". */
int ob_proc_field(const char *path, const char *key, char *out, size_t len);

/* ob_proc_field on /proc/cpuinfo. */
int ob_cpuinfo_field(const char *key, char *out, size_t len);

/* A numeric field of a meminfo-style file in bytes ("MemAvailable:  123 kB"
 * -> 123*1024); NaN when absent or unreadable. */
double ob_meminfo_bytes(const char *path, const char *key);

#define OB_PROC_CPUINFO "/proc/cpuinfo"
#define OB_PROC_MEMINFO "/proc/meminfo"
/* Linux >= 4.14: the process's summed smaps, with its Pss */
#define OB_PROC_SMAPS_ROLLUP "/proc/self/smaps_rollup"

/* Read a one-line sysfs/procfs file into out (trailing newline removed).
 * On failure out holds "unreadable: <path>: <strerror>" and -1 is returned. */
int ob_read_line(const char *path, char *out, size_t outlen);

/* File-system type and mount point of `path` (or of its directory when it
 * does not exist yet), from /proc/self/mountinfo. */
int ob_fs_of_path(const char *path, char *fstype, size_t fslen, char *mount, size_t mountlen);

/* Field 42 (delayacct_blkio_ticks) of a /proc/.../stat line, counted
 * after the last ')' because the command name may hold spaces; NaN when
 * the line has no such field. */
double ob_stat_blkio_ticks(const char *stat);
/* read_bytes and write_bytes of a /proc/.../io file (NaN each when unreadable). */
void ob_proc_io_bytes(const char *path, double *read_bytes, double *write_bytes);

/* Whether the kernel's delay accounting is on (kernel.task_delayacct):
 * 1 on, 0 off, -1 unknown (the file is unreadable). */
int ob_delayacct_state(void);

#endif
