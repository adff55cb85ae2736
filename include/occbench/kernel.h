/* occbench kernel interface.
 *
 * A kernel is one file under kernels/ that exports one `const ob_kernel`
 * and is listed once in kernels/registry.c (the IOR backend-table pattern).
 * The driver calls, on every active rank of a step, after binding the rank
 * to its core:
 *
 *   plan()      once per (kernel, preset, options) - sizes, footprint, work
 *               units; may refuse the options with a one-line reason
 *   setup()     allocate and first-touch (so pages land on the bound core's
 *               NUMA node), generate inputs
 *   run()       one repetition; marks its phases with ob_phase_begin/end
 *   verify()    known-answer check of the last repetition's output
 *   teardown()  free everything
 *
 * Kernels never call MPI: the same code runs in unit tests and benches.
 */
#ifndef OCCBENCH_KERNEL_H
#define OCCBENCH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Size presets. `ci` runs in well under a second per repetition on one
 * slow core; `small` is a laptop-sized problem; `lsst` is the
 * production-representative size (the name is historical: it means "the
 * real thing" for every kernel, e.g. a DDFacet facet for grid). */
typedef enum ob_preset {
    OB_PRESET_CI = 0,
    OB_PRESET_SMALL = 1,
    OB_PRESET_LSST = 2,
    OB_PRESET_COUNT
} ob_preset;

const char *ob_preset_name(ob_preset p);
/* Returns 0 and sets *out, or -1 when `name` is not a preset name. */
int ob_preset_parse(const char *name, ob_preset *out);

/* What a kernel may size itself by. Sizes are of the cache domain the
 * rank's core belongs to (bytes); 0 means unknown, and a kernel must then
 * fall back to a documented default. */
typedef struct ob_machine {
    size_t l1d_bytes;
    size_t l2_bytes;
    size_t l3_bytes;
    int cores_per_l3;
} ob_machine;

/* What one repetition costs and produces. */
typedef struct ob_plan {
    size_t footprint_bytes; /* resident memory per rank, for the memory check and --list */
    double work_units;      /* work per repetition, e.g. bytes moved, visibilities gridded */
    const char *work_unit;  /* unit name of work_units: "bytes", "loads", "visibilities", ... */
    /* Figure of merit reported to people: figure_scale * work_units / seconds,
     * or figure_scale * seconds / work_units when figure_inverse (e.g. ns per load). */
    const char *figure_name; /* "GB/s", "ns/load", "GHz", "Mvis/s" */
    double figure_scale;
    int figure_inverse;
    char description[160]; /* human summary of the size, e.g. "3 x 512 MiB arrays" */
} ob_plan;

/* ---- kernel options (the IOR backend pattern) ----
 *
 * A kernel declares its options in a table (name, type, default, what is
 * accepted, help); the user sets them with --kopt KERNEL.NAME=VALUE. Every
 * value is checked against its declaration, then the kernel's own check()
 * sees the whole set, all before anything is created. The values are part
 * of the run's config (so --resume refuses a change), listed by --list and
 * written as the attribute kernel_options of every step. */
typedef enum ob_kopt_type {
    OB_KOPT_CHOICE, /* one of `choices` ("es,ddf") */
    OB_KOPT_REAL,   /* a number in [min, max] */
    OB_KOPT_BOOL,   /* 0 or 1 */
} ob_kopt_type;

typedef struct ob_kopt {
    const char *name; /* NULL ends the table */
    ob_kopt_type type;
    const char *default_value;
    const char *choices; /* OB_KOPT_CHOICE: comma-separated */
    double min, max;     /* OB_KOPT_REAL */
    /* A documented fallback: when set and no --kopt gives the option, this
     * environment variable's value is used (and recorded like a --kopt). */
    const char *env;
    const char *help;
} ob_kopt;

#define OB_KOPT_MAX 8
#define OB_KOPT_VALUE_LEN 64

/* The values one kernel runs with, in its table's order (canonical text:
 * reals as %.9g, booleans 0/1). source[i]: "default", "--kopt" or the
 * fallback variable's name. */
typedef struct ob_kopt_values {
    int n;
    char value[OB_KOPT_MAX][OB_KOPT_VALUE_LEN];
    char source[OB_KOPT_MAX][48];
} ob_kopt_values;

/* A value of option `name` of table `decls`: from `v`, or the declared
 * default when v is NULL (tests, benches). NULL for an undeclared name. */
const char *ob_kopt_value(const ob_kopt *decls, const ob_kopt_values *v, const char *name);
double ob_kopt_real(const ob_kopt *decls, const ob_kopt_values *v, const char *name);
int ob_kopt_bool(const ob_kopt *decls, const ob_kopt_values *v, const char *name);

/* Driver-owned context handed to setup() and run(). Opaque to kernels. */
typedef struct ob_ctx ob_ctx;
struct ob_sample; /* include/occbench/records.h */

/* Phase marks. `phase` indexes the kernel's `phases` array. Phases of one
 * repetition must not nest; a phase may be entered several times per
 * repetition (its deltas add up). Cheap: one rusage read, a few small
 * /proc reads and one PAPI_read. */
void ob_phase_begin(ob_ctx *ctx, int phase);
void ob_phase_end(ob_ctx *ctx, int phase);
/* Phase marks of work that runs outside the calling thread (a job's
 * process tree): `at` is the kernel's own absolute reading of that work in
 * the fields of ob_sample (NaN where it has none), taken instead of the
 * thread's snapshot. */
void ob_phase_begin_at(ob_ctx *ctx, int phase, const struct ob_sample *at);
void ob_phase_end_at(ob_ctx *ctx, int phase, const struct ob_sample *at);

ob_preset ob_ctx_preset(const ob_ctx *ctx);
const ob_machine *ob_ctx_machine(const ob_ctx *ctx);
/* Directory for kernel files (--io-dir); never NULL. */
const char *ob_ctx_io_dir(const ob_ctx *ctx);
/* Unique id of this rank within the launch, for file names. */
int ob_ctx_rank(const ob_ctx *ctx);
/* This rank's index on its node, and the step's active ranks per node (k);
 * 0 and 1 in a standalone context. */
int ob_ctx_node_rank(const ob_ctx *ctx);
int ob_ctx_active(const ob_ctx *ctx);
/* 1 once the launch was asked to stop (SIGTERM): a kernel whose run() can
 * be long (a job) ends it early and returns OB_INTERRUPTED. */
int ob_ctx_stopping(const ob_ctx *ctx);
/* The kernel's option values (NULL: the declared defaults). */
const ob_kopt_values *ob_ctx_kopts(const ob_ctx *ctx);

/* Return codes of the callbacks. */
enum {
    OB_OK = 0,
    OB_ERR = -1,    /* failure with a message in ob_ctx_error(): the step fails */
    OB_ENOSPC = -2, /* the I/O directory is full: the step fails, the run goes on */
    /* run() was cut short because the launch stops (SIGTERM, ob_ctx_stopping):
     * not a failure; the repetition is not recorded and --resume redoes the step */
    OB_INTERRUPTED = -3,
};

/* A kernel reports why a callback failed (one line, no newline). */
void ob_ctx_set_error(ob_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a phase does: computes, or moves data through the datastore (the
 * DESC study's split of a job's time: compute versus datastore I/O). */
typedef enum ob_phase_class { OB_PHASE_COMPUTE = 0, OB_PHASE_IO = 1 } ob_phase_class;
const char *ob_phase_class_name(ob_phase_class c); /* "compute", "io" */

typedef struct ob_kernel {
    const char *name;
    const char *summary;
    const char *const *phases; /* NULL-terminated, at least one */
    /* The class of each phase, indexed like phases (NULL: all compute). */
    const ob_phase_class *phase_classes;
    /* Declared options (NULL: none), and a check of their combination run
     * after each value passed its declaration (NULL: none): 0, or -1 with
     * a one-line reason naming the option and what is accepted. */
    const ob_kopt *options;
    int (*check_options)(const ob_kopt_values *v, char *why, size_t why_len);
    /* opts is never NULL here (ob_kernel_plan fills defaults); returns 0,
     * or OB_ERR with a one-line reason in why. */
    int (*plan)(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                ob_plan *out, char *why, size_t why_len);
    int (*setup)(ob_ctx *ctx, void **state);
    int (*run)(void *state, ob_ctx *ctx);
    /* Returns 0 when the last repetition's result is right; otherwise
     * non-zero with a one-line reason in `why`. */
    int (*verify)(void *state, char *why, size_t why_len);
    void (*teardown)(void *state);
    /* Test hook, required: damage the last repetition's output so that
     * verify() must fail (tests/unit/test_registry.c proves every kernel's
     * check can fail). Never called by the driver. */
    void (*corrupt)(void *state);
    /* Optional (NULL: the work runs on the calling thread, which the driver
     * measures). A kernel whose work runs elsewhere (a job's process tree)
     * gives the sample of its last run() itself: every field it measured,
     * NaN for the rest, with that work's peak RSS and PSS (KiB) and the
     * harness's own CPU seconds around it. Called after every run(), the
     * failed ones too; 0, or -1 when the run left no sample. */
    int (*own_sample)(void *state, struct ob_sample *out, double *maxrss_kb, double *pss_kb,
                      double *harness_s);
} ob_kernel;

/* A kernel's phase names are indexed by its phase enum, whose last member
 * is the count: write them with designated initializers
 *     static const char *const x_phases[] = {[PH_A] = "a", [PH_B] = "b", [PH_COUNT] = NULL};
 * and check the table against the enum at compile time:
 *     OB_PHASES_MATCH(x_phases, PH_COUNT); */
#define OB_PHASES_MATCH(names, count)                                                              \
    _Static_assert(sizeof(names) / sizeof((names)[0]) == (size_t)(count) + 1,                      \
                   #names " must name every phase of its enum, then NULL")

/* The registry (kernels/registry.c). */
size_t ob_kernel_count(void);
const ob_kernel *ob_kernel_at(size_t i);
const ob_kernel *ob_kernel_find(const char *name);
int ob_kernel_phase_count(const ob_kernel *k);
/* "compute,io,..." for the phases of k, in order (the step attribute). */
void ob_kernel_phase_classes(const ob_kernel *k, char *out, size_t len);
int ob_kernel_option_count(const ob_kernel *k);

/* plan() with the declared defaults when opts is NULL; why may be NULL. */
int ob_kernel_plan(const ob_kernel *k, ob_preset preset, const ob_machine *machine,
                   const ob_kopt_values *opts, ob_plan *out, char *why, size_t why_len);

/* The kernel's values: defaults, then fallback variables, then every
 * "KERNEL.NAME=VALUE" of `assignments` that names this kernel; each value
 * checked against its declaration, then check_options(). Returns 0, or -1
 * with one line in err naming the value and what is accepted. */
int ob_kopts_resolve(const ob_kernel *k, const char *const *assignments, int nassign,
                     ob_kopt_values *out, char *err, size_t errlen);
/* Is "KERNEL.NAME=VALUE" well formed with a known kernel and option? 0, or
 * -1 with err (the check --kopt gets before any kernel's values). */
int ob_kopt_assignment_check(const char *assignment, char *err, size_t errlen);
/* "name=value;name=value" in table order ("" for a kernel without options). */
void ob_kopts_canonical(const ob_kernel *k, const ob_kopt_values *v, char *out, size_t outlen);

/* A standalone context for unit tests and benches (no MPI, no driver):
 * phase marks are recorded as wall time per phase only. */
ob_ctx *ob_ctx_standalone(ob_preset preset, const ob_machine *machine, const char *io_dir);
void ob_ctx_standalone_free(ob_ctx *ctx);
/* Run the standalone context's kernel with these option values (borrowed). */
void ob_ctx_standalone_set_kopts(ob_ctx *ctx, const ob_kopt_values *v);
/* Wall seconds accumulated in `phase` by a standalone context. */
double ob_ctx_standalone_phase_seconds(const ob_ctx *ctx, int phase);
const char *ob_ctx_error(const ob_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
