/* check_results FILE [options]: reads an occbench results file with the
 * serial HDF5 API and checks it against its own configuration: every step
 * of the ladder present and finished, one warm-up and at least min_reps
 * counted repetitions for every active rank and none from parked ranks,
 * summaries that agree with the records, provenance and counter sources
 * present. Used by the MPI tests; prints the first problem and exits 1.
 *
 *   --complete 0|1      expected value of the root attribute (default 1)
 *   --min-steps N       with --complete 0: at least N finished steps
 *   --max-parked-cpu F  every step's parked_cpu at most F (cores)
 *   --allow-invalid     steps may have failed validation
 *   --print-parked      print the largest parked_cpu seen
 *   --summary-csv CSV   `occbench-analyze summary --format csv` of FILE: its
 *                       throughput_per_node and efficiency of every step must
 *                       equal /summary's (one derivation of every number) */
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "occbench/kernel.h"
#include "driver/measure/measure.h"
#include "common/records_h5.h"
#include "common/summary.h"

static const char *file_name;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "check_results: %s: ", file_name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

typedef struct config {
    char kernels[16][32];
    int nkernels;
    char placements[2][32];
    int nplacements;
    int ladder[256];
    int nladder;
    int min_reps, ranks, nodes;
} config;

static void split_list(const char *value, char (*out)[32], int max, int *n, size_t width)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", value);
    *n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && *n < max; t = strtok_r(NULL, ",", &save))
        snprintf((char *)out + (size_t)(*n)++ * width, width, "%s", t);
}

static void parse_config(const char *s, config *c)
{
    memset(c, 0, sizeof *c);
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", s);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq)
            die("config item '%s' has no '='", kv);
        *eq = '\0';
        const char *v = eq + 1;
        if (strcmp(kv, "kernels") == 0)
            split_list(v, c->kernels, 16, &c->nkernels, 32);
        else if (strcmp(kv, "placement") == 0) {
            char tmp[2][32];
            split_list(v, tmp, 2, &c->nplacements, 32);
            for (int i = 0; i < c->nplacements; i++)
                snprintf(c->placements[i], sizeof c->placements[i], "%s", tmp[i]);
        } else if (strcmp(kv, "occupancy") == 0) {
            char tmp[256][32];
            split_list(v, tmp, 256, &c->nladder, 32);
            for (int i = 0; i < c->nladder; i++)
                c->ladder[i] = atoi(tmp[i]);
        } else if (strcmp(kv, "min_reps") == 0)
            c->min_reps = atoi(v);
        else if (strcmp(kv, "ranks") == 0)
            c->ranks = atoi(v);
        else if (strcmp(kv, "nodes") == 0)
            c->nodes = atoi(v);
    }
    if (!c->nkernels || !c->nplacements || !c->nladder || !c->ranks || !c->nodes)
        die("config '%s' lacks kernels, placement, occupancy, ranks or nodes", s);
}

static void *read_rows(hid_t loc, const char *name, hid_t type, size_t elem, size_t *n)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        die("dataset %s missing", name);
    hid_t sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(sp, dims, NULL);
    *n = (size_t)dims[0];
    void *buf = calloc(*n ? *n : 1, elem);
    if (*n && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        die("cannot read %s", name);
    H5Sclose(sp);
    H5Dclose(d);
    return buf;
}

/* Ranks are placed on nodes in blocks (mpirun's default by-slot mapping in
 * the tests), so node-local rank = rank % ranks_per_node. */
static void check_reps(const config *c, const char *where, int k, const ob_rep_record *r, size_t n)
{
    int per_node = c->ranks / c->nodes;
    for (int rank = 0; rank < c->ranks; rank++) {
        int warm = 0, counted = 0;
        for (size_t i = 0; i < n; i++) {
            if (r[i].rank != rank)
                continue;
            if (r[i].rep == 0) {
                warm++;
                if (r[i].ok != 1)
                    die("%s: rank %d warm-up not verified (ok=%d)", where, rank, r[i].ok);
            } else {
                counted++;
            }
            if (!(r[i].s.wall > 0) || !(r[i].s.user + r[i].s.sys >= 0))
                die("%s: rank %d rep %d has wall %g", where, rank, r[i].rep, r[i].s.wall);
        }
        int active = rank % per_node < k;
        if (active && (warm != 1 || counted < c->min_reps))
            die("%s: active rank %d has %d warm-up and %d counted reps (need 1 and >= %d)", where,
                rank, warm, counted, c->min_reps);
        if (!active && warm + counted)
            die("%s: parked rank %d has %d rows", where, rank, warm + counted);
    }
}

static ob_summary_row find_summary(hid_t f, const char *kernel, const char *placement, int k)
{
    char path[256];
    snprintf(path, sizeof path, "summary/%s/%s", kernel, placement);
    hid_t t = ob_h5_summary_type();
    size_t n = 0;
    ob_summary_row *rows = read_rows(f, path, t, sizeof *rows, &n);
    H5Tclose(t);
    for (size_t i = 0; i < n; i++)
        if (rows[i].k == k) {
            ob_summary_row row = rows[i];
            free(rows);
            return row;
        }
    die("%s has no row for k=%d", path, k);
}

static int close_enough(double a, double b)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b));
}

static double check_step(hid_t f, const config *c, const char *kernel, const char *placement, int k,
                         int allow_invalid, int *present)
{
    char path[256];
    snprintf(path, sizeof path, "steps/%s/%s/k%04d", kernel, placement, k);
    *present =
        H5Lexists(f, "steps", H5P_DEFAULT) > 0 && H5Oexists_by_name(f, path, H5P_DEFAULT) > 0;
    if (!*present)
        return 0.0;
    hid_t g = H5Gopen2(f, path, H5P_DEFAULT);
    long long done = 0, valid = 0, kk = 0;
    if (ob_h5_attr_get_int(g, "done", &done) != 0 || done != 1)
        die("%s: done attribute missing or not 1", path);
    if (ob_h5_attr_get_int(g, "k", &kk) != 0 || kk != k)
        die("%s: k attribute %lld", path, kk);
    ob_h5_attr_get_int(g, "valid", &valid);
    char *reason = NULL;
    ob_h5_attr_get_string(g, "reason", &reason);
    if (!valid && !allow_invalid)
        die("%s: step invalid: %s", path, reason ? reason : "?");
    free(reason);
    char **phases = NULL;
    size_t nphases = 0;
    /* a kernel names at least one phase; a job (kernel_options "command=...")
     * only those it marked, maybe none */
    char *kopts = NULL;
    ob_h5_attr_get_string(g, "kernel_options", &kopts);
    int job = kopts && !strncmp(kopts, "command=", 8);
    free(kopts);
    if (ob_h5_attr_get_strings(g, "phases", &phases, &nphases) != 0 || (nphases == 0 && !job))
        die("%s: phases attribute missing", path);
    ob_h5_free_strings(phases);

    hid_t rt = ob_h5_rep_type(), pt = ob_h5_phase_type();
    size_t nreps = 0, nph = 0;
    ob_rep_record *reps = read_rows(g, "reps", rt, sizeof *reps, &nreps);
    ob_phase_record *ph = read_rows(g, "phases", pt, sizeof *ph, &nph);
    H5Tclose(rt);
    H5Tclose(pt);
    if (valid)
        check_reps(c, path, k, reps, nreps);
    for (size_t i = 0; i < nph; i++)
        if (ph[i].phase < 0 || (size_t)ph[i].phase >= nphases)
            die("%s: phase record %zu has phase %d of %zu", path, i, ph[i].phase, nphases);

    ob_summary_row row = find_summary(f, kernel, placement, k);
    ob_summary_row again;
    ob_summarise_step(reps, nreps, k, c->nodes, (int)valid, NULL, NAN, &again);
    if (row.reps != again.reps ||
        !close_enough(row.throughput_per_node, again.throughput_per_node) ||
        !close_enough(row.median.wall, again.median.wall))
        die("%s: summary (reps %d, throughput %g, wall %g) disagrees with the records (%d, %g, "
            "%g)",
            path, row.reps, row.throughput_per_node, row.median.wall, again.reps,
            again.throughput_per_node, again.median.wall);
    free(reps);
    free(ph);
    H5Gclose(g);
    return row.parked_cpu;
}

/* The analyzer's CSV row (kernel, placement, k, whole repetition) must
 * carry /summary's throughput and efficiency, to the CSV's 9 digits. */
static void check_csv_row(const char *csv, const char *kernel, const char *placement, int k,
                          const ob_summary_row *row)
{
    FILE *in = fopen(csv, "r");
    if (!in)
        die("cannot open %s", csv);
    char line[4096];
    int found = 0;
    while (!found && fgets(line, sizeof line, in)) {
        char *field[32] = {0};
        int n = 0;
        line[strcspn(line, "\n")] = '\0';
        /* empty fields matter (the phase column): split by hand */
        for (char *p = line; p && n < 32; n++) {
            field[n] = p;
            p = strchr(p, ',');
            if (p)
                *p++ = '\0';
        }
        if (n < 19 || strcmp(field[1], kernel) || strcmp(field[2], placement) ||
            atoi(field[3]) != k || field[18][0] != '\0')
            continue;
        found = 1;
        double thr = strtod(field[5], NULL), eff = strtod(field[6], NULL);
        if (!(fabs(thr - row->throughput_per_node) <= 1e-8 * fabs(row->throughput_per_node)))
            die("%s/%s k=%d: analysis throughput %.9g, /summary %.9g", kernel, placement, k, thr,
                row->throughput_per_node);
        if (!(fabs(eff - row->efficiency) <= 1e-8 * fabs(row->efficiency)) &&
            !(isnan(eff) && isnan(row->efficiency)))
            die("%s/%s k=%d: analysis efficiency %.9g, /summary %.9g", kernel, placement, k, eff,
                row->efficiency);
    }
    fclose(in);
    if (!found)
        die("%s has no row for %s/%s k=%d", csv, kernel, placement, k);
}

static void check_provenance(hid_t f, const config *c)
{
    hid_t sys = H5Gopen2(f, "system", H5P_DEFAULT);
    if (sys < 0)
        die("/system missing");
    static const char *const keys[] = {"cpu_model",           "git_revision", "hdf5_runtime",
                                       "mpi_library_runtime", "compiler",     "c_flags"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *v = NULL;
        if (ob_h5_attr_get_string(sys, keys[i], &v) != 0 || !v || !*v)
            die("/system attribute %s missing or empty", keys[i]);
        free(v);
    }
    H5Gclose(sys);
    hid_t d = H5Dopen2(f, "system/hostnames", H5P_DEFAULT);
    if (d < 0)
        die("/system/hostnames missing");
    hid_t sp = H5Dget_space(d);
    hsize_t dims[1] = {0};
    H5Sget_simple_extent_dims(sp, dims, NULL);
    if ((int)dims[0] != c->nodes)
        die("/system/hostnames has %llu entries for %d nodes", (unsigned long long)dims[0],
            c->nodes);
    H5Sclose(sp);
    H5Dclose(d);
    if (H5Lexists(f, "system/topology.xml", H5P_DEFAULT) <= 0)
        die("/system/topology.xml missing");

    hid_t ct = ob_h5_counter_type();
    size_t n = 0;
    ob_counter_row *rows = read_rows(f, "counters/sources", ct, sizeof *rows, &n);
    H5Tclose(ct);
    if ((int)n != c->nodes * OB_METRIC_COUNT)
        die("/counters/sources has %zu rows for %d nodes x %d metrics", n, c->nodes,
            OB_METRIC_COUNT);
    for (size_t i = 0; i < n; i++)
        if ((rows[i].available && !rows[i].event[0]) || (!rows[i].available && !rows[i].reason[0]))
            die("/counters/sources row %zu (%s): neither an event nor a reason", i, rows[i].metric);
    free(rows);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: check_results FILE [--complete 0|1] [--min-steps N] "
                        "[--max-parked-cpu F] [--allow-invalid] [--print-parked] "
                        "[--summary-csv CSV]\n");
        return 2;
    }
    file_name = argv[1];
    long long want_complete = 1;
    int min_steps = 0, allow_invalid = 0, print_parked = 0, compared = 0;
    const char *summary_csv = NULL;
    double max_parked = INFINITY;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--complete") == 0 && i + 1 < argc)
            want_complete = atoll(argv[++i]);
        else if (strcmp(argv[i], "--min-steps") == 0 && i + 1 < argc)
            min_steps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--max-parked-cpu") == 0 && i + 1 < argc)
            max_parked = atof(argv[++i]);
        else if (strcmp(argv[i], "--allow-invalid") == 0)
            allow_invalid = 1;
        else if (strcmp(argv[i], "--print-parked") == 0)
            print_parked = 1;
        else if (strcmp(argv[i], "--summary-csv") == 0 && i + 1 < argc)
            summary_csv = argv[++i];
        else
            die("unknown argument %s", argv[i]);
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(file_name, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        die("not readable as HDF5");
    long long schema = 0, complete = -1;
    if (ob_h5_attr_get_int(f, "schema_version", &schema) != 0 || schema != OB_SCHEMA_VERSION)
        die("schema_version %lld, expected %d", schema, OB_SCHEMA_VERSION);
    if (ob_h5_attr_get_int(f, "complete", &complete) != 0 || complete != want_complete)
        die("complete=%lld, expected %lld", complete, want_complete);
    char *cfg = NULL;
    if (ob_h5_attr_get_string(f, "config", &cfg) != 0)
        die("config attribute missing");
    config c;
    parse_config(cfg, &c);
    free(cfg);
    check_provenance(f, &c);

    int steps = 0, expected = 0;
    double parked_max = 0.0;
    for (int ki = 0; ki < c.nkernels; ki++)
        for (int p = 0; p < c.nplacements; p++)
            for (int i = 0; i < c.nladder; i++) {
                int present = 0;
                double parked = check_step(f, &c, c.kernels[ki], c.placements[p], c.ladder[i],
                                           allow_invalid, &present);
                expected++;
                steps += present;
                if (present && !(parked <= max_parked))
                    die("steps/%s/%s/k%04d: a parked rank used %.3f cores (limit %.3f)",
                        c.kernels[ki], c.placements[p], c.ladder[i], parked, max_parked);
                if (present && parked > parked_max)
                    parked_max = parked;
                if (present && summary_csv) {
                    ob_summary_row row =
                        find_summary(f, c.kernels[ki], c.placements[p], c.ladder[i]);
                    check_csv_row(summary_csv, c.kernels[ki], c.placements[p], c.ladder[i], &row);
                    compared++;
                }
            }
    if (want_complete && steps != expected)
        die("%d of %d steps present in a complete file", steps, expected);
    if (steps < min_steps)
        die("%d steps present, expected at least %d", steps, min_steps);
    if (H5Lexists(f, "monitor", H5P_DEFAULT) <= 0)
        die("/monitor missing");
    H5Fclose(f);
    if (print_parked)
        printf("parked_cpu_max=%.5f\n", parked_max);
    if (summary_csv)
        printf("check_results: %s: /summary and %s agree on %d steps\n", file_name, summary_csv,
               compared);
    printf("check_results: %s: OK, %d of %d steps\n", file_name, steps, expected);
    return 0;
}
