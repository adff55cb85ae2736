/* occbench-analyze internals: the in-memory results file (load.c), the
 * decomposition (decompose.c, pure math), statistics (stats.c), the
 * analysed tables (model.c) and the verbs. Nothing here needs MPI. */
#ifndef OCCBENCH_ANALYZE_H
#define OCCBENCH_ANALYZE_H

#include <stddef.h>
#include <stdio.h>

#include "common/stats.h"
#include "common/summary.h"
#include "occbench/records.h"

/* Exit codes of every verb. */
enum { AN_OK = 0, AN_FAIL = 1, AN_BAD_INPUT = 2 };

#define AN_NAME_LEN 64

/* ---- stats.c ---------------------------------------------------------- */

/* Ordinary least squares y = a + b x over finite pairs; returns the slope
 * b (NaN with fewer than 2 distinct x), intercept in *a and R^2 in *r2. */
double an_ols_slope(const double *x, const double *y, size_t n, double *a, double *r2);

/* ---- decompose.c (pure math, no HDF5) ----------------------------------- */

/* One repetition (or phase) reduced to what the model needs. */
typedef struct dc_rep {
    long long rank; /* which rank ran it (node and rank): the resampling unit */
    double wall;    /* T */
    double cpu;     /* C: the thread's exact CPU time (see dc_cpu_source) */
    double runq;    /* Q = run-queue delay */
    double io;      /* block-I/O delay (delay accounting); NaN when not measured */
    double cycles;  /* Y: counter cycles, or C * f_probe */
    double instr;   /* NaN when missing */
    double llc;     /* NaN when missing */
} dc_rep;

typedef enum dc_cycles_source { DC_SRC_COUNTERS, DC_SRC_PROBE, DC_SRC_NONE } dc_cycles_source;
const char *dc_source_name(dc_cycles_source s); /* "counters", "probe", "none" */

/* Where C came from: the thread CPU clock (exact), perf's task clock
 * (exact), or getrusage user+sys (tick-accounted: files of occbench 0.1). */
typedef enum dc_cpu_source { DC_CPU_THREAD_CLOCK, DC_CPU_TASK_CLOCK, DC_CPU_RUSAGE } dc_cpu_source;
const char *dc_cpu_source_name(dc_cpu_source s); /* "thread_clock", "task_clock", "rusage" */

/* Reduce a rep record of rank `rank`; `probe_ghz` is used when cycles are
 * NaN (the record's own f_probe, or a level median for phases). */
dc_rep dc_from_sample(const ob_sample *s, long long rank, double probe_ghz, dc_cycles_source *src,
                      dc_cpu_source *cpu_src);

/* One occupancy level: pooled means over its counted repetitions (sums
 * over all ranks' repetitions divided by their number), so T is the time
 * per repetition that the throughput implies, and every term is a mean of
 * the same repetitions. f = sum Y / sum C (Hz). B = T - C - Q, all off-CPU
 * time that was not waiting for a CPU; IO its measured block-I/O part
 * (NaN without delay accounting), O = B - IO the rest. Tmed: the median
 * repetition, kept as robustness information. */
typedef struct dc_level {
    double T, C, Q, B, IO, O, Y, f, instr, llc, Tmed;
    size_t n;
} dc_level;
dc_level dc_level_of(const dc_rep *reps, size_t n);

enum { DC_SLOWDOWN, DC_CLOCK, DC_CYCLES, DC_BLOCKED, DC_SCHED, DC_OTHER, DC_NTERMS };
extern const char *const dc_term_names[DC_NTERMS]; /* "slowdown","clock",...,"other_offcpu" */

/* The split of T(k) - T(base), seconds per repetition:
 *   clock   Y1/f(k) - Y1/f(1)     cycles (Y(k)-Y1)/f(k)      (together: C(k) - C(1))
 *   blocked IO(k) - IO(1), or B(k) - B(1) when IO is not measured
 *   scheduler Q(k) - Q(1)         other_offcpu O(k) - O(1) (NaN when IO is not measured)
 * The terms add up to the slowdown by construction: each is a measured
 * quantity, and none is a remainder of the statistics. */
typedef struct dc_terms {
    double v[DC_NTERMS];
} dc_terms;
dc_terms dc_decompose(const dc_level *base, const dc_level *lvl);

/* Point estimate plus a 95% percentile bootstrap that resamples whole
 * ranks of each level (repetitions of one rank are not independent); a
 * level of one rank resamples its repetitions. nboot 0: NaN intervals. */
typedef struct dc_result {
    dc_terms point, lo, hi;
} dc_result;
dc_result dc_decompose_ci(const dc_rep *base, size_t nb, const dc_rep *lvl, size_t nl, int nboot,
                          unsigned long long seed);

/* Instructions per repetition moved by more than `tolerance` (0.02: the
 * work changed). */
int dc_instr_changed(double instr_ratio, double tolerance);

/* Efficiency vs linear: ob_efficiency (common/summary.h). */
/* First k (ks ascending) with efficiency below `bound`; 0 when none. */
int dc_knee(const int *ks, const double *eff, size_t n, double bound);

/* ---- load.c: a results file in memory ------------------------------------- */

typedef struct an_step {
    char kernel[AN_NAME_LEN], placement[AN_NAME_LEN];
    int k, valid, done; /* k and valid: attr.k, attr.valid (after the k from the group name) */
    ob_step_attrs attr; /* every OB_STEP_ATTRS attribute (records.h); strings owned */
    char **phases;
    int nphases;
    ob_rep_record *reps;
    size_t nreps;
    ob_phase_record *ph;
    size_t nph;
} an_step;

typedef struct an_counter {
    int node, available;
    char metric[AN_NAME_LEN], event[128], reason[256];
} an_counter;

typedef struct an_kv {
    char key[AN_NAME_LEN];
    char *value;
} an_kv;

typedef struct an_monitor {
    int node;
    ob_monitor_sample *s;
    size_t n;
    float *cpu_busy; /* n x ncpus, NULL when absent */
    int ncpus;
} an_monitor;

typedef struct an_file {
    char path[1024];
    char label[128]; /* site, or the file's base name when no site */
    int schema_version, complete, has_complete;
    char *site, *command, *config, *created, *version;
    an_kv *sys;
    size_t nsys;
    char **hostnames;
    int nhosts;
    char *topology_xml;
    an_counter *counters;
    size_t ncounters;
    an_step *steps; /* only finished steps (done=1) */
    size_t nsteps, unfinished;
    an_monitor *mon;
    size_t nmon;
} an_file;

/* Read a whole file. Returns 0, or -1 with one line in err (not HDF5, not
 * occbench, newer schema, truncated, column missing ...). A file without
 * complete=1 loads with a warning on stderr. */
int an_load(const char *path, an_file *f, char *err, size_t errlen);
void an_free(an_file *f);
/* an_load without the child-process pre-check (analysis/precheck.c). */
int an_load_in_process(const char *path, an_file *f, char *err, size_t errlen);
const char *an_sys_get(const an_file *f, const char *key); /* NULL when absent */
/* Cores per node: /system attr cores_per_node (or cores, physical_cores),
 * else the Core objects of topology.xml, else the largest k in the file. */
int an_cores(const an_file *f);
/* Memory per node in GB: /system memory_bytes (or mem_total_bytes), else
 * the first monitor sample's used + available; NaN when unknown. */
double an_mem_gb(const an_file *f);

/* ---- model.c: the analysed tables ------------------------------------------- */

typedef struct an_row {
    int k, reps, nodes, valid;
    double throughput, efficiency;
    /* imbalance: the slowest and fastest rank's rate (reps/s) and core */
    double rate_min, rate_max;
    int core_slowest, core_fastest;
    double harness_share; /* of the ranks' spans outside repetitions */
    double node_steal;    /* mean share of node CPU time stolen during the step (monitor) */
    int short_phase;      /* the phase's marks cost more than 1% of it */
    dc_cpu_source cpu_src;
    dc_level lvl;
    dc_result terms;
    double ghz, ipc, mpki;
    dc_cycles_source src;
    double instr_ratio; /* instr(k)/instr(1) */
    const char *phase;  /* NULL for whole repetitions */
} an_row;

typedef struct an_group {
    const an_file *file;
    char kernel[AN_NAME_LEN], placement[AN_NAME_LEN];
    an_row *rows; /* whole-rep rows, k ascending */
    size_t nrows;
    an_row *prow; /* per-phase rows (with --phases) */
    size_t nprow;
    int knee;
    int baseline_k; /* the reference occupancy of the terms; 0 when the file lacks it */
    double cycles_per_miss, cpm_r2;
} an_group;

typedef struct an_opts {
    int phases, nboot, min_reps;
    int baseline; /* the reference occupancy K of efficiency and terms (default 1) */
    int warn;     /* print warnings to stderr */
} an_opts;

/* Analyse every (kernel, placement) of a file. Returns the group count
 * (groups allocated in *out), warnings go to stderr. */
size_t an_analyse(const an_file *f, const an_opts *o, an_group **out);
/* A step's counted repetitions as model values (malloc'ed; *n of them). */
dc_rep *an_step_reps(const an_step *st, size_t *n, dc_cycles_source *src, dc_cpu_source *cpu);
void an_groups_free(an_group *g, size_t n);
/* an_analyse on each of files[0..n): (*g)[i] has (*ng)[i] groups. Returns
 * 0, or -1 out of memory; either way an_release_all frees what there is. */
int an_analyse_all(const an_file *files, int n, const an_opts *o, an_group ***g, size_t **ng);
/* Frees the n files, their groups (g and ng may be NULL) and the three
 * arrays. */
void an_release_all(an_file *files, an_group **g, size_t *ng, int n);
const an_group *an_find_group(const an_group *g, size_t n, const char *kernel,
                              const char *placement);

/* ---- fom.c: the figure of merit of compare (docs/PROCUREMENT.md) ---------------- */

/* Geometric mean of n finite positive values; NaN when n is 0 or any value
 * is not finite and positive. */
double an_geomean(const double *x, size_t n);
/* The placement whose full-occupancy throughput is the figure of merit. */
extern const char *const an_fom_placement;
/* Throughput per node of `kernel` at k = cores in an_fom_placement; NaN
 * with the reason in `why` when the file has no valid such step. */
double an_fom_throughput(const an_group *g, size_t ng, const char *kernel, int cores, char *why,
                         size_t whylen);
/* thr: nfiles x nkernels throughputs (row-major, NaN = missing). Fills
 * ratio (same shape) = thr / thr of file `ref`; in_mean[k] = 1 when every
 * file has kernel k; geomean[f] = geometric mean of file f's ratios over
 * those kernels. Returns how many kernels the mean covers (-1: no memory). */
int an_fom(const double *thr, int nfiles, int nkernels, int ref, double *ratio, int *in_mean,
           double *geomean);

/* ---- output.c -------------------------------------------------------------- */

typedef enum an_format { AN_TEXT, AN_CSV, AN_JSON } an_format;
int an_parse_format(const char *s, an_format *out);
void an_csv_header(FILE *o);
/* A string as one CSV field (RFC 4180: quoted when it holds a comma, a quote
 * or a line break; quotes doubled). */
void an_csv_string(FILE *o, const char *s);
void an_write_summary(FILE *o, an_format fmt, const an_group *g, size_t n, int phases, int header);
void an_write_json_open(FILE *o);
void an_write_json_close(FILE *o);

/* ---- verbs (the table in main.c; the shared options parsed in args.c) ---------------- */

/* The options several verbs take, parsed once for the verbs that declare them. */
enum {
    AN_SHARED_FORMAT = 1,   /* --format text|csv */
    AN_SHARED_JSON = 2,     /* ... and json */
    AN_SHARED_BOOT = 4,     /* --boot N: bootstrap resamples (0..100000, default 200) */
    AN_SHARED_MIN_REPS = 8, /* --min-reps N (1..1000000, default 5) */
};
typedef struct an_shared {
    an_format format;
    int nboot;
    int min_reps;
} an_shared;
/* Take the shared options `accepted` (AN_SHARED_*) out of argv[1..*argc-1]
 * into out (defaults where absent); argv keeps the rest, *argc their count.
 * AN_OK, or AN_BAD_INPUT with the one-line message printed. */
int an_shared_parse(unsigned accepted, int *argc, char **argv, an_shared *out);

int an_cmd_summary(int argc, char **argv, const an_shared *sh);
int an_cmd_compare(int argc, char **argv, const an_shared *sh);
int an_cmd_plan(int argc, char **argv, const an_shared *sh);
int an_cmd_validate(int argc, char **argv, const an_shared *sh);
int an_cmd_plot(int argc, char **argv, const an_shared *sh);
int an_cmd_calibrate(int argc, char **argv, const an_shared *sh);

/* ---- plan.c: pure part, testable ------------------------------------------------ */
typedef struct pl_task {
    char name[AN_NAME_LEN];
    double instances_m, cpu_hours_m, max_rss_gb;
    int measured_mem; /* max_rss_gb "measured": the --node file's PSS per job */
} pl_task;
typedef struct pl_node {
    int cores;
    double mem_gb, cpu_factor;
    const int *ks; /* measured efficiency curve (NULL: linear) */
    const double *eff;
    size_t n;
    double
        job_mem_gb; /* --node FILE.h5: median PSS of the kernel's ranks at its top k (NaN: none) */
    int job_mem_k;
} pl_node;
typedef struct pl_result {
    int concurrency;
    const char *limited_by; /* "cores" or "memory" */
    double efficiency, node_days;
} pl_result;
/* Parse a workload CSV; -1 with "FILE:LINE: column C: ..." in err. */
int pl_read_workload(const char *path, pl_task **tasks, size_t *n, char *err, size_t errlen);
int pl_parse_node(const char *spec, pl_node *node, char *err, size_t errlen);
/* Efficiency at concurrency c from the curve (linear interpolation,
 * clamped at the ends); 1 when no curve. */
double pl_efficiency_at(const pl_node *node, int c);
int pl_task_plan(const pl_task *t, const pl_node *node, pl_result *out, char *err, size_t errlen);

/* Shared CLI helpers (args.c): report a bad-input line and
 * return AN_BAD_INPUT; parse option values; load several files. */
int an_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int an_arg_int(const char *opt, const char *v, int lo, int hi, int *out);
int an_arg_double(const char *opt, const char *v, double lo, double hi, double *out);
int an_load_all(char **paths, int n, an_file *files);

/* ---- shares.c: the one rule for a term's share of a slowdown ---- */

/* A share is given only when the slowdown's 95% interval excludes zero,
 * it is positive and it exceeds this fraction of the baseline's T. */
#define AN_SHARE_FLOOR 0.02
typedef enum an_share_rule {
    AN_SHARES_GIVEN = 0,
    AN_SHARES_NO_BASELINE,       /* the baseline row itself, or none */
    AN_SHARES_INTERVAL_HAS_ZERO, /* the slowdown is within its noise */
    AN_SHARES_FASTER,            /* significantly faster than the baseline */
    AN_SHARES_BELOW_FLOOR        /* real, but under AN_SHARE_FLOOR of T(baseline) */
} an_share_rule;
/* The group's row at its baseline k (the terms' reference), NULL if none. */
const an_row *an_baseline_row(const an_group *g);
an_share_rule an_shares_rule(const an_row *r, const an_row *base);
/* Why no share is given, in words ("" when it is), and as a CSV code. */
const char *an_shares_why(an_share_rule rule);
const char *an_shares_code(an_share_rule rule);
/* term / slowdown of row r, or NaN when the rule gives no share. */
double an_term_share(const an_row *r, const an_row *base, int term);

/* ---- validate.c: the run rules of a reportable result ---- */

#define AN_NRULES 13
typedef struct an_rule_result {
    const char *name;
    int pass;
    char detail[512];
} an_rule_result;
/* The run rules at validate's default bounds into out[AN_NRULES] (*n set);
 * returns how many failed (the report shows the verdict at its top). */
int an_validate_defaults(const an_file *f, an_rule_result *out, size_t *n);
/* The parked cores' mean busy fraction during step `step` (its index in
 * the launch), the busiest node's; NaN without monitor samples of it. */
double an_step_parked_util(const an_file *f, int step);

/* ---- like.c: whether two files measured like things ---- */

/* The value of `key` in a file's config ("kernels=...;preset=small;..."), "" when absent. */
void an_config_value(const an_file *f, const char *key, char *out, size_t outlen);
/* 1 and why ("preset ci vs small", "schema 1 vs 2", "grid options 'a' vs 'b'")
 * when b's throughputs do not compare with a's: another schema or preset,
 * or (kernel given, both files have it) other kernel options; else 0. */
int an_unlike(const an_file *a, const an_file *b, const char *kernel, char *why, size_t len);
/* The first file unlike files[base] (for any of its kernels), with why
 * naming both; -1 when all are alike. */
int an_first_unlike(const an_file *files, int n, int base, char *why, size_t len);
/* 1 when the step of a non-compact group at k is the compact step, linked
 * (a node where both placements give the same cores measures it once). */
int an_linked_at(const an_group *g, int k);
/* The finished step of (kernel, placement, k) in f, or NULL. */
const an_step *an_step_of(const an_file *f, const char *kernel, const char *placement, int k);
/* Every row of a non-compact group is linked. */
int an_all_linked(const an_group *g);

/* ---- overview.c: the answer first (plot's overview) ---- */

typedef struct an_overview {
    const an_group *group;
    int k, knee;            /* the top k measured; the group's knee */
    double throughput;      /* per node at k */
    double efficiency;      /* at k */
    double lost[DC_NTERMS]; /* [DC_SLOWDOWN] = 1 - efficiency; [term] its share of that,
                               NaN where the share rule gives none */
    an_share_rule rule;     /* why lost[] is NaN, when it is */
    /* the node during the baseline step (k=1), the evidence beside an
     * efficiency above linear: parked cores' busy fraction, steal */
    double base_parked, base_steal;
} an_overview;

an_overview an_overview_of(const an_group *g);
/* "isr (compact): 0.52 of linear at 128 ranks per node; lost (of linear): 29.3% clock, ..."
 * or, where the share rule gives none, why. */
void an_overview_sentence(const an_overview *o, char *out, size_t len);

/* ---- calibrate.c: the injected-contention check of occbench --calibrate ---- */

typedef struct an_calibration {
    char injection[AN_NAME_LEN], kernel[AN_NAME_LEN];
    int ran;         /* 0: not run (reason in why) */
    int expected;    /* the DC_* term it must land in */
    dc_result terms; /* injected vs the kernel's "none" step, k=1 */
    double T0;       /* the baseline's time per repetition */
    double share;    /* expected term / slowdown */
    int pass;
    int no_effect; /* ran, but slowed the kernel by less than 3%: proves nothing */
    char why[256]; /* not run, or why it failed */
} an_calibration;

/* Every injection of a calibration file (*out malloc'ed): the count, 0 when
 * the file holds no calibration. PASS: the expected term holds at least
 * 80% of a slowdown above 3% of the baseline. */
size_t an_calibrations(const an_file *f, int nboot, an_calibration **out);
int an_check_kernel(const an_file *f, const char *kernel);

#endif
