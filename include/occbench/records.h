/* The records occbench writes, each kind listed once.
 *
 * Every record kind is one X-macro list below: one line per field, giving
 *   X(TYPE, name, unit, flags, description)
 * with TYPE I32 (int32_t), F64 (double) or SAMPLE (a nested ob_sample,
 * flattened into the record's columns). From these lists come the C structs
 * (this header), the field tables (common/records.c), and through them the
 * HDF5 compound types of the writer, the reader of occbench-analyze, the
 * snapshot delta of the driver, the per-field medians of the summary and the
 * test fixtures. Adding an OS metric is one line in OB_SAMPLE_FIELDS plus the
 * code that measures it (driver/measure/measure.c); a counter metric is a
 * field and a line in OB_COUNTER_METRICS below; docs/CONVENTIONS.md shows how.
 *
 * Units: seconds, bytes, counts. A metric that was not measured is NaN
 * (its reason is in /counters), never 0. Flags:
 *   OB_NAN_OK    the value may be NaN (a metric that can be unavailable)
 *   OB_OPTIONAL  the reader accepts a file without this column (it becomes
 *                NaN, or -1 for an integer); every other column is required */
#ifndef OCCBENCH_RECORDS_H
#define OCCBENCH_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#define OB_SCHEMA_VERSION 1

#define OB_NAN_OK 1
#define OB_OPTIONAL 2

/* Measured deltas over one interval (a repetition or a phase). */
#define OB_SAMPLE_FIELDS(X)                                                                        \
    X(F64, wall, "s", 0, "CLOCK_MONOTONIC seconds")                                                \
    X(F64, user, "s", 0, "getrusage(RUSAGE_THREAD) user seconds (tick-accounted)")                 \
    X(F64, sys, "s", 0, "getrusage(RUSAGE_THREAD) system seconds (tick-accounted)")                \
    X(F64, run_delay, "s", OB_NAN_OK, "/proc/thread-self/schedstat field 2: runnable, waiting")    \
    X(F64, blkio, "s", OB_NAN_OK | OB_OPTIONAL, "block-I/O delay (delay accounting)")              \
    X(F64, rbytes, "B", OB_NAN_OK | OB_OPTIONAL, "/proc/thread-self/io read_bytes (storage)")      \
    X(F64, wbytes, "B", OB_NAN_OK | OB_OPTIONAL, "/proc/thread-self/io write_bytes")               \
    X(F64, vcsw, "1", OB_NAN_OK | OB_OPTIONAL, "voluntary context switches")                       \
    X(F64, ivcsw, "1", OB_NAN_OK | OB_OPTIONAL, "involuntary context switches")                    \
    X(F64, minflt, "1", OB_NAN_OK | OB_OPTIONAL, "minor page faults")                              \
    X(F64, majflt, "1", OB_NAN_OK | OB_OPTIONAL, "major page faults")                              \
    X(F64, cycles, "1", OB_NAN_OK, "PAPI metric cycles")                                           \
    X(F64, instr, "1", OB_NAN_OK, "PAPI metric instructions")                                      \
    X(F64, ref_cycles, "1", OB_NAN_OK | OB_OPTIONAL, "PAPI metric ref_cycles (TSC rate)")          \
    X(F64, llc_miss, "1", OB_NAN_OK, "PAPI metric llc_misses")                                     \
    X(F64, task_clock, "s", OB_NAN_OK | OB_OPTIONAL, "metric task_clock: the thread's CPU time")   \
    X(F64, cpu_time, "s", OB_NAN_OK | OB_OPTIONAL, "thread CPU clock (exact, not tick-accounted)")

/* /steps/<kernel>/<placement>/kNNNN/reps: one row per repetition per active rank. */
#define OB_REP_FIELDS(X)                                                                           \
    X(I32, node, "1", 0, "node index (order of node leaders' world ranks)")                        \
    X(I32, rank, "1", 0, "MPI world rank")                                                         \
    X(I32, core, "1", OB_OPTIONAL, "OS index of the PU the rank was bound to")                     \
    X(I32, rep, "1", 0, "0 = warm-up (not counted), 1.. = counted")                                \
    X(F64, t0, "s", OB_OPTIONAL, "start, seconds since the launch's common epoch")                 \
    X(SAMPLE, s, "", 0, "")                                                                        \
    X(F64, maxrss_kb, "KiB", OB_NAN_OK | OB_OPTIONAL, "ru_maxrss after the repetition")            \
    X(F64, pss_kb, "KiB", OB_NAN_OK | OB_OPTIONAL,                                                 \
      "proportional set size (Pss of /proc/self/smaps_rollup: pages shared by n processes "        \
      "count 1/n) at the end of the rank's window, with the step's k ranks still holding their "   \
      "memory; on the rank's last repetition, NaN on the others")                                  \
    X(F64, f_probe, "GHz", OB_NAN_OK, "clock probe run just after this repetition")                \
    X(F64, harness_s, "s", OB_NAN_OK | OB_OPTIONAL,                                                \
      "CPU seconds of the rank's own thread around a job's run (fork, exec, scans of the "         \
      "tree, reaping); NaN for a kernel, which runs on that thread")                               \
    X(I32, ok, "1", 0, "1 verified, 0 verified wrong, -1 not verified")

/* /steps/.../phases: one row per phase per repetition per active rank. */
#define OB_PHASE_FIELDS(X)                                                                         \
    X(I32, node, "1", 0, "node index")                                                             \
    X(I32, rank, "1", 0, "MPI world rank")                                                         \
    X(I32, rep, "1", 0, "repetition")                                                              \
    X(I32, phase, "1", 0, "index into the step's attribute phases")                                \
    X(SAMPLE, s, "", 0, "")

/* /summary/<kernel>/<placement>: one row per k, over counted reps of all active ranks. */
#define OB_SUMMARY_FIELDS(X)                                                                       \
    X(I32, k, "1", 0, "active ranks per node")                                                     \
    X(I32, nodes, "1", 0, "nodes")                                                                 \
    X(I32, reps, "1", 0, "counted repetitions, all nodes")                                         \
    X(I32, valid, "1", 0, "1 when every repetition verified")                                      \
    X(F64, window, "s", 0, "seconds the step's measuring window lasted")                           \
    X(F64, throughput_per_node, "1/s", OB_NAN_OK,                                                  \
      "sum over ranks of reps / time in them, / nodes")                                            \
    X(F64, efficiency, "1", OB_NAN_OK, "throughput(k) / (k * throughput(1)); NaN without k=1")     \
    X(F64, figure, "", OB_NAN_OK, "kernel figure of merit per rank (median), see figure_name")     \
    X(SAMPLE, median, "", 0, "per-field medians of counted reps")                                  \
    X(F64, f_probe, "GHz", OB_NAN_OK, "median probe clock")                                        \
    X(F64, parked_cpu, "cores", OB_NAN_OK, "most CPU any parked rank used while parked")           \
    X(F64, harness_share, "1", OB_NAN_OK | OB_OPTIONAL, "share of the ranks' time not in reps")    \
    X(F64, pss_node_kb, "KiB", OB_NAN_OK | OB_OPTIONAL,                                            \
      "a node's sum of its active ranks' pss_kb (the largest node): shared pages counted once")

/* /monitor/<node>/samples: node-leader sampler series. */
#define OB_MONITOR_FIELDS(X)                                                                       \
    X(F64, t, "s", 0, "seconds since the launch's common epoch")                                   \
    X(I32, step, "1", 0, "step index in the launch's step list; -1 between steps")                 \
    X(F64, util_busy, "1", 0, "fraction of all node CPUs busy over the interval")                  \
    X(F64, util_active, "1", OB_NAN_OK | OB_OPTIONAL, "mean busy fraction of active cores")        \
    X(F64, util_parked, "1", OB_NAN_OK, "mean busy fraction of parked cores (should be ~0)")       \
    X(F64, psi_cpu_some, "%", OB_NAN_OK | OB_OPTIONAL, "PSI avg10; NaN without /proc/pressure")    \
    X(F64, psi_io_some, "%", OB_NAN_OK | OB_OPTIONAL, "PSI io some avg10")                         \
    X(F64, psi_io_full, "%", OB_NAN_OK | OB_OPTIONAL, "PSI io full avg10")                         \
    X(F64, psi_mem_some, "%", OB_NAN_OK | OB_OPTIONAL, "PSI memory some avg10")                    \
    X(F64, mem_used_bytes, "B", OB_NAN_OK | OB_OPTIONAL, "MemTotal - MemAvailable")                \
    X(F64, mem_avail_bytes, "B", OB_NAN_OK | OB_OPTIONAL, "MemAvailable")                          \
    X(F64, energy_j, "J", OB_NAN_OK | OB_OPTIONAL, "cumulative package energy (powercap)")         \
    X(F64, steal, "1", OB_NAN_OK | OB_OPTIONAL, "fraction of node CPU time stolen (VMs)")

/* Attributes of a step group /steps/<kernel>/<placement>/kNNNN, besides
 * `phases` (the kernel's phase names, a string list) and `done` (=1,
 * written last). X(TYPE, name, default, description): TYPE INT (int64
 * attribute), F64 or STR; `default` is what a reader takes when the
 * attribute is absent (a file from an older occbench). */
#define OB_STEP_ATTRS(X)                                                                           \
    X(INT, k, -1, "active ranks per node")                                                         \
    X(INT, step, -1, "index in the launch's step list")                                            \
    X(INT, valid, 1, "1 when every rank verified")                                                 \
    X(STR, reason, "", "why the step failed; empty when valid")                                    \
    X(STR, figure_name, "", "unit of the kernel's figure of merit")                                \
    X(STR, work_unit, "", "unit of work_units")                                                    \
    X(F64, work_units, NAN, "work per repetition")                                                 \
    X(F64, window, NAN, "seconds the measuring window lasted")                                     \
    X(F64, t_start, NAN, "step start, seconds since the launch's epoch")                           \
    X(F64, t_end, NAN, "step end")                                                                 \
    X(STR, kernel_options, "", "the kernel's options it ran with, NAME=VALUE;... (--kopt)")        \
    X(STR, plan, "", "the kernel's plan description for these options and preset")                 \
    X(STR, phase_classes, "", "each phase's class in phase order, comma-separated: compute or io") \
    X(F64, phase_mark_cost, NAN, "seconds one phase's pair of marks costs this rank")              \
    X(F64, setup_s, NAN,                                                                           \
      "seconds from the step's start until every active rank had set up (allocation, input, "      \
      "first touch on its bound core): the slowest rank's set-up, which the step waits for")       \
    X(F64, between_s, NAN,                                                                         \
      "seconds from the previous step's t_end to this t_start in the launch (harness: gathers, "   \
      "write, set-up); NaN for a launch's first step")                                             \
    X(F64, writer_rss_bytes, NAN,                                                                  \
      "peak resident memory of rank 0, the writer, with this step's "                              \
      "records gathered")                                                                          \
    X(INT, job_cores, 1,                                                                           \
      "cores each active rank's work runs on: a job's --job-cores (its k counts jobs); 1 for a "   \
      "kernel")                                                                                    \
    X(INT, cut_short, 0,                                                                           \
      "1 when SIGTERM ended the measuring window early (window < --window; kept because every "    \
      "rank had its minimum repetitions)")

/* ---- the C structs, generated from the lists ---- */

#define OB_CTYPE_I32 int32_t
#define OB_CTYPE_F64 double
#define OB_CTYPE_SAMPLE ob_sample
#define OB_STRUCT_MEMBER(type, name, unit, flags, help) OB_CTYPE_##type name;

typedef struct ob_sample {
    OB_SAMPLE_FIELDS(OB_STRUCT_MEMBER)
} ob_sample;

/* ---- the counter metrics ---- */

/* The metrics served by an event (PAPI's, or one occbench reads itself),
 * resolved from data/events.conf per node and listed in /counters:
 *   X(ID, "events.conf key", ob_sample field, flags)
 * From this list come the enum, the names (events.conf, --events, /counters,
 * the analyzer's counters rule), the field each is stored in and every
 * per-metric array's size; the compiler checks that the field is a double.
 * OB_OPTIONAL: files written before the metric existed have no /counters
 * row for it. Adding one is a line here, a field in OB_SAMPLE_FIELDS and
 * its candidates in data/events.conf. */
/* clang-format off */
#define OB_COUNTER_METRICS(X)                     \
    X(CYCLES, "cycles", cycles, 0)                \
    X(INSTRUCTIONS, "instructions", instr, 0)     \
    X(REF_CYCLES, "ref_cycles", ref_cycles, 0)    \
    X(LLC_MISSES, "llc_misses", llc_miss, 0)      \
    X(TASK_CLOCK, "task_clock", task_clock, 0)
/* clang-format on */

typedef enum ob_metric {
#define OB_METRIC_ENUM(id, key, field, flags) OB_METRIC_##id,
    OB_COUNTER_METRICS(OB_METRIC_ENUM)
#undef OB_METRIC_ENUM
        OB_METRIC_COUNT
} ob_metric;

#define OB_METRIC_FIELD_IS_F64(id, key, field, flags)                                              \
    _Static_assert(_Generic(((ob_sample *)0)->field, double : 1, default : 0),                     \
                   "metric " key ": ob_sample." #field                                             \
                   " must be an F64 field of OB_SAMPLE_FIELDS");
OB_COUNTER_METRICS(OB_METRIC_FIELD_IS_F64)
#undef OB_METRIC_FIELD_IS_F64

typedef struct ob_rep_record {
    OB_REP_FIELDS(OB_STRUCT_MEMBER)
} ob_rep_record;

typedef struct ob_phase_record {
    OB_PHASE_FIELDS(OB_STRUCT_MEMBER)
} ob_phase_record;

typedef struct ob_summary_row {
    OB_SUMMARY_FIELDS(OB_STRUCT_MEMBER)
} ob_summary_row;

typedef struct ob_monitor_sample {
    OB_MONITOR_FIELDS(OB_STRUCT_MEMBER)
} ob_monitor_sample;

#define OB_ATTR_CTYPE_INT long long
#define OB_ATTR_CTYPE_F64 double
#define OB_ATTR_CTYPE_STR const char *
#define OB_ATTR_MEMBER(type, name, dflt, help) OB_ATTR_CTYPE_##type name;

/* A step's attributes; strings are borrowed (writer) or owned by whoever
 * read them (ob_h5_read_step_attrs; ob_step_attrs_free). */
typedef struct ob_step_attrs {
    OB_STEP_ATTRS(OB_ATTR_MEMBER)
} ob_step_attrs;

/* ---- field tables (common/records.c) ---- */

typedef enum ob_field_type { OB_FT_I32, OB_FT_F64, OB_FT_SAMPLE } ob_field_type;

typedef struct ob_field {
    const char *name;
    ob_field_type type;
    size_t offset; /* in the record's C struct */
    const char *unit;
    int flags; /* OB_NAN_OK | OB_OPTIONAL */
    const char *help;
} ob_field;

/* One record kind: its fields (SAMPLE members still nested) and C size. */
typedef struct ob_record_kind {
    const char *name; /* "sample", "rep", "phase", "summary", "monitor" */
    const ob_field *fields;
    size_t nfields;
    size_t size;
} ob_record_kind;

extern const ob_record_kind ob_sample_kind, ob_rep_kind, ob_phase_kind, ob_summary_kind,
    ob_monitor_kind;

/* Number of ob_sample fields (all F64), and the i-th field of a sample. */
#define OB_SAMPLE_NFIELDS (sizeof(ob_sample) / sizeof(double))
double *ob_sample_at(ob_sample *s, size_t i);
double ob_sample_get(const ob_sample *s, size_t i);
/* Every field NaN (a sample that measured nothing). */
void ob_sample_set_nan(ob_sample *s);
/* out = b - a field by field: NaN at either end stays NaN. */
void ob_sample_delta(const ob_sample *a, const ob_sample *b, ob_sample *out);

/* Visit every leaf column of a record kind (SAMPLE members flattened, in
 * order): fn gets the column's field with its offset made absolute.
 * Returns the first non-zero return of fn, else 0. */
int ob_record_each_column(const ob_record_kind *kind, int (*fn)(const ob_field *col, void *user),
                          void *user);

/* Set every field of a record to its "missing" value: NaN for F64, -1 for I32. */
void ob_record_fill_missing(const ob_record_kind *kind, void *record);

/* The counter metrics' names and fields (common/records.c): the events.conf
 * key ("unknown" out of range); the metric of a key, or -1; the keys joined
 * by ", " for messages; the offset of the metric's double in ob_sample;
 * whether files may lack its /counters row. */
const char *ob_metric_name(ob_metric m);
int ob_metric_from_name(const char *name);
const char *ob_metric_names_joined(void);
size_t ob_metric_field(ob_metric m);
int ob_metric_optional(ob_metric m);

#endif
