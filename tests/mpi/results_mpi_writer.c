/* Helper for tests/mpi/test_results_mpi.sh: writes results files with
 * several ranks contributing different row counts (some none), and checks
 * them afterwards with serial HDF5.
 *
 *   results_mpi_writer write  FILE NSTEPS            all steps, close complete
 *   results_mpi_writer slow   FILE NSTEPS MS PIDDIR  flush each step, print
 *                                                    "flushed N", sleep MS;
 *                                                    each rank's pid in PIDDIR
 *   results_mpi_writer resume FILE NSTEPS            continue a killed file
 *   results_mpi_writer check  FILE NSTEPS NRANKS MIN_DONE COMPLETE
 *                                                    (serial, no mpirun)
 *
 * Step s has k = s + 1 and rank r writes reps_of(r, s) rows (0 for some
 * ranks in every step), each row encoding (s, r, i) so the checker can
 * tell every row's origin. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>
#include <mpi.h>

#include "common/records_h5.h"
#include "driver/node/park.h"
#include "driver/record/results.h"
#include "../mpi_sanitizer_hooks.h"

#define CONFIG "preset=ci;window=1;kernels=fft"

static int reps_of(int rank, int step)
{
    return (rank + step) % 3;
}
static int phases_of(int rank, int step)
{
    return 2 * reps_of(rank, step);
}
/* Node leaders: rank 0 leads node 0 (4 cpus), rank 2 node 1 (2 cpus). */
static int monitor_node(int rank)
{
    return rank == 0 ? 0 : rank == 2 ? 1 : -1;
}
static int monitor_cpus(int node)
{
    return node == 0 ? 4 : 2;
}
static int monitor_n(int node, int step)
{
    return node == 0 ? 2 : step % 2;
}

static double row_value(int step, int rank, int i)
{
    return step * 1000.0 + rank * 10.0 + i;
}

static int die(const char *what, const char *err)
{
    fprintf(stderr, "results_mpi_writer: %s: %s\n", what, err);
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
}

static int write_one_step(ob_results *r, int rank, int s)
{
    char err[512];
    static const char *const phases[] = {"a", "b", NULL};
    int n = reps_of(rank, s), np = phases_of(rank, s);
    ob_rep_record reps[3];
    ob_phase_record ph[6];
    memset(reps, 0, sizeof reps);
    memset(ph, 0, sizeof ph);
    for (int i = 0; i < n; i++) {
        reps[i].node = rank / 2;
        reps[i].rank = rank;
        reps[i].core = rank;
        reps[i].rep = i;
        reps[i].t0 = row_value(s, rank, i);
        reps[i].s.wall = row_value(s, rank, i) + 0.5;
        reps[i].s.cycles = NAN;
        reps[i].ok = 1;
    }
    for (int i = 0; i < np; i++) {
        ph[i].rank = rank;
        ph[i].rep = i / 2;
        ph[i].phase = i % 2;
        ph[i].s.wall = row_value(s, rank, i);
    }
    ob_step_info info = {.kernel = "fft",
                         .placement = "compact",
                         .phases = phases,
                         .attrs = {.k = s + 1,
                                   .step = s,
                                   .figure_name = "GFLOP/s",
                                   .work_unit = "transforms",
                                   .work_units = 1,
                                   .valid = 1,
                                   .reason = "",
                                   .window = 1,
                                   .t_start = s,
                                   .t_end = s + 1}};
    /* rank 0 writes every rank's rows, gathered the way the ladder does */
    void *all_reps = NULL, *all_ph = NULL;
    size_t nall_reps = 0, nall_ph = 0;
    ob_gather_records(reps, (size_t)n, sizeof *reps, &all_reps, &nall_reps, 0, MPI_COMM_WORLD);
    ob_gather_records(ph, (size_t)np, sizeof *ph, &all_ph, &nall_ph, 0, MPI_COMM_WORLD);
    int wrc =
        ob_results_write_step(r, &info, all_reps, nall_reps, all_ph, nall_ph, err, sizeof err);
    free(all_reps);
    free(all_ph);
    if (wrc < 0)
        return die("write_step", err);
    ob_summary_row row;
    memset(&row, 0, sizeof row);
    row.k = s + 1;
    row.throughput_per_node = 1.5 * s;
    row.efficiency = NAN;
    if (ob_results_append_summary(r, "fft", "compact", "GFLOP/s", &row, err, sizeof err) < 0)
        return die("append_summary", err);
    int node = monitor_node(rank);
    int m = node >= 0 ? monitor_n(node, s) : 0, ncpus = node >= 0 ? monitor_cpus(node) : 0;
    ob_monitor_sample mon[2];
    float busy[2 * 4];
    memset(mon, 0, sizeof mon);
    for (int i = 0; i < m; i++) {
        mon[i].t = row_value(s, rank, i);
        mon[i].step = s;
        for (int c = 0; c < ncpus; c++)
            busy[i * ncpus + c] = (float)(s * 10 + c);
    }
    if (ob_results_append_monitor(r, node, mon, (size_t)m, busy, ncpus, err, sizeof err) < 0)
        return die("append_monitor", err);
    if (ob_results_commit(r, err, sizeof err) < 0)
        return die("flush", err);
    return 0;
}

static int write_steps(ob_results *r, int rank, int nsteps, int sleep_ms)
{
    for (int s = 0; s < nsteps; s++) {
        int done = ob_results_step_done(r, "fft", "compact", s + 1); /* rank 0's answer */
        MPI_Bcast(&done, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (done)
            continue; /* resumed: already in the file */
        write_one_step(r, rank, s);
        if (rank == 0 && sleep_ms) {
            printf("flushed %d\n", s + 1);
            fflush(stdout);
        }
        if (sleep_ms) {
            struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}

/* Every rank must see the same failure and the same message. */
static void check_collective_errors(ob_results *r, int rank, const char *path)
{
    char err[512] = "";
    ob_step_info info = {.kernel = "fft", .placement = "compact", .attrs = {.k = 999}};
    /* Rank 0, the writer, passes rows without a buffer. */
    int rc = ob_results_write_step(r, &info, NULL, rank == 0 ? 2 : 0, NULL, 0, err, sizeof err);
    char all[4][512];
    MPI_Allgather(err, 512, MPI_CHAR, all, 512, MPI_CHAR, MPI_COMM_WORLD);
    if (rc != -1 || !strstr(err, "rows missing") || strcmp(all[0], all[rank]))
        die("collective error not reported alike on every rank", err);
    ob_results *again = NULL;
    ob_run_info ri = {.config = CONFIG};
    rc = ob_results_create(MPI_COMM_WORLD, path, 0, &ri, &again, err, sizeof err);
    if (rc != -1 || !strstr(err, "exists"))
        die("an existing file was not refused", err);
}

static int run_writer(const char *mode, int argc, char **argv)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *path = argv[2];
    int nsteps = atoi(argv[3]);
    char err[512];
    ob_results *r = NULL;
    if (!strcmp(mode, "resume")) {
        if (ob_results_resume(MPI_COMM_WORLD, path, CONFIG, &r, err, sizeof err) < 0)
            return die("resume", err);
    } else {
        ob_run_info info = {.occbench_version = "test",
                            .site = "mpi-test",
                            .created = "2026-11-23T00:00:00Z",
                            .command = "results_mpi_writer",
                            .config = CONFIG};
        if (ob_results_create(MPI_COMM_WORLD, path, 0, &info, &r, err, sizeof err) < 0)
            return die("create", err);
        const char *hosts[] = {"host-a", "host-b"};
        ob_kv kv[] = {{"cpu_model", "test cpu"}};
        if (ob_results_write_system(r, kv, 1, hosts, 2, "<topology/>", err, sizeof err) < 0)
            return die("write_system", err);
        ob_metric_source src[2 * OB_METRIC_COUNT];
        memset(src, 0, sizeof src);
        const char *labels[] = {"zen5", "zen5"};
        if (ob_results_write_counters(r, src, labels, 2, err, sizeof err) < 0)
            return die("write_counters", err);
        if (ob_results_commit(r, err, sizeof err) < 0)
            return die("flush", err);
    }
    int sleep_ms = 0;
    if (!strcmp(mode, "slow")) {
        sleep_ms = atoi(argv[4]);
        char pidfile[512];
        snprintf(pidfile, sizeof pidfile, "%s/rank%d.pid", argc > 5 ? argv[5] : ".", rank);
        FILE *f = fopen(pidfile, "w");
        if (!f)
            return die("pid file", pidfile);
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    write_steps(r, rank, nsteps, sleep_ms);
    if (!strcmp(mode, "write") && size == 4)
        check_collective_errors(r, rank, path);
    if (ob_results_close(r, 1, err, sizeof err) < 0)
        return die("close", err);
    return 0;
}

/* ---- serial checker ---- */

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "check failed: " __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void *read_rows(hid_t f, const char *path, hid_t type, size_t size, size_t *n)
{
    *n = 0;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    hid_t sp = H5Dget_space(d);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    void *buf = calloc(np > 0 ? (size_t)np : 1, size);
    if (np > 0 && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        np = -1;
    H5Sclose(sp);
    H5Dclose(d);
    if (np < 0) {
        free(buf);
        return NULL;
    }
    *n = (size_t)np;
    return buf;
}

static void check_step(hid_t f, int s, int nranks)
{
    char path[128];
    hid_t rt = ob_h5_rep_type(), pt = ob_h5_phase_type();
    size_t n = 0, np = 0;
    snprintf(path, sizeof path, "steps/fft/compact/k%04d/reps", s + 1);
    ob_rep_record *reps = read_rows(f, path, rt, sizeof *reps, &n);
    snprintf(path, sizeof path, "steps/fft/compact/k%04d/phases", s + 1);
    ob_phase_record *ph = read_rows(f, path, pt, sizeof *ph, &np);
    size_t at = 0, pat = 0;
    for (int rank = 0; rank < nranks; rank++) {
        for (int i = 0; i < reps_of(rank, s); i++, at++) {
            CHECK(reps && at < n, "step %d: missing rep row of rank %d", s, rank);
            if (!reps || at >= n)
                break;
            CHECK(reps[at].rank == rank && reps[at].rep == i &&
                      reps[at].t0 == row_value(s, rank, i) &&
                      reps[at].s.wall == row_value(s, rank, i) + 0.5 && isnan(reps[at].s.cycles),
                  "step %d row %zu: rank %d rep %d t0 %g, expected rank %d rep %d", s, at,
                  reps[at].rank, reps[at].rep, reps[at].t0, rank, i);
        }
        for (int i = 0; i < phases_of(rank, s); i++, pat++) {
            CHECK(ph && pat < np, "step %d: missing phase row of rank %d", s, rank);
            if (!ph || pat >= np)
                break;
            CHECK(ph[pat].rank == rank && ph[pat].s.wall == row_value(s, rank, i),
                  "step %d phase row %zu: rank %d", s, pat, ph[pat].rank);
        }
    }
    CHECK(at == n, "step %d: %zu rep rows, expected %zu", s, n, at);
    CHECK(pat == np, "step %d: %zu phase rows, expected %zu", s, np, pat);
    printf("step k%04d: %zu rep rows, %zu phase rows, ranks in order\n", s + 1, n, np);
    free(reps);
    free(ph);
    H5Tclose(rt);
    H5Tclose(pt);
}

static int step_done(hid_t f, int s)
{
    char path[64];
    snprintf(path, sizeof path, "steps/fft/compact/k%04d", s + 1);
    if (H5Lexists(f, "steps/fft", H5P_DEFAULT) <= 0 ||
        H5Lexists(f, "steps/fft/compact", H5P_DEFAULT) <= 0 || H5Lexists(f, path, H5P_DEFAULT) <= 0)
        return 0;
    hid_t g = H5Gopen2(f, path, H5P_DEFAULT);
    long long done = 0;
    int ok = g >= 0 && ob_h5_attr_get_int(g, "done", &done) == 0 && done == 1;
    if (g >= 0)
        H5Gclose(g);
    return ok;
}

static int run_check(char **argv)
{
    const char *path = argv[2];
    int nsteps = atoi(argv[3]), nranks = atoi(argv[4]), min_done = atoi(argv[5]);
    long long want_complete = atoi(argv[6]);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "check failed: serial H5Fopen of %s\n", path);
        return 1;
    }
    long long complete = -1;
    ob_h5_attr_get_int(f, "complete", &complete);
    CHECK(complete == want_complete, "complete is %lld, expected %lld", complete, want_complete);
    int done = 0;
    for (int s = 0; s < nsteps; s++) {
        if (!step_done(f, s))
            continue;
        CHECK(s == done, "step %d done but an earlier one is missing", s);
        done++;
        check_step(f, s, nranks);
    }
    CHECK(done >= min_done, "%d steps done, expected at least %d", done, min_done);
    /* Summary: one row per finished step (plus perhaps one of a step cut
     * short between its write and its summary: at most done+1). */
    hid_t st = ob_h5_summary_type();
    size_t n = 0;
    ob_summary_row *rows = read_rows(f, "summary/fft/compact", st, sizeof *rows, &n);
    CHECK(rows && n >= (size_t)done && n <= (size_t)done + 1, "%zu summary rows for %d steps", n,
          done);
    for (size_t i = 0; rows && i < n; i++)
        CHECK(rows[i].k == (int)i + 1 && rows[i].throughput_per_node == 1.5 * (double)i &&
                  isnan(rows[i].efficiency),
              "summary row %zu: k %d", i, rows[i].k);
    free(rows);
    H5Tclose(st);
    /* Monitor: node 0 two samples per step, node 1 one on odd steps. */
    hid_t mt = ob_h5_monitor_type();
    ob_monitor_sample *m0 = read_rows(f, "monitor/node0000/samples", mt, sizeof *m0, &n);
    CHECK(m0 && n >= 2 * (size_t)done, "node 0: %zu monitor samples for %d steps", n, done);
    for (size_t i = 0; m0 && i < n; i++)
        CHECK(m0[i].step == (int)i / 2 && m0[i].t == row_value((int)i / 2, 0, (int)i % 2),
              "node 0 sample %zu: step %d", i, m0[i].step);
    free(m0);
    if (done >= 2) {
        ob_monitor_sample *m1 = read_rows(f, "monitor/node0001/samples", mt, sizeof *m1, &n);
        CHECK(m1 && n >= (size_t)done / 2, "node 1: %zu monitor samples", n);
        for (size_t i = 0; m1 && i < n; i++)
            CHECK(m1[i].step == 2 * (int)i + 1 && m1[i].t == row_value(2 * (int)i + 1, 2, 0),
                  "node 1 sample %zu: step %d", i, m1[i].step);
        free(m1);
        float busy[64][2];
        hid_t d = H5Dopen2(f, "monitor/node0001/cpu_busy", H5P_DEFAULT);
        hid_t sp = H5Dget_space(d);
        hsize_t dims[2] = {0, 0};
        H5Sget_simple_extent_dims(sp, dims, NULL);
        CHECK(dims[1] == 2 && dims[0] == n && n <= 64, "node 1 cpu_busy %llux%llu",
              (unsigned long long)dims[0], (unsigned long long)dims[1]);
        if (dims[1] == 2 && dims[0] <= 64 &&
            H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, busy) >= 0)
            for (size_t i = 0; i < dims[0]; i++)
                CHECK(busy[i][1] == (float)((2 * i + 1) * 10 + 1), "cpu_busy row %zu", i);
        H5Sclose(sp);
        H5Dclose(d);
    }
    H5Tclose(mt);
    H5Fclose(f);
    printf("%s: %d finished steps, complete=%lld, %d failures\n", path, done, complete, failures);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 7 && !strcmp(argv[1], "check"))
        return run_check(argv); /* serial HDF5, no MPI */
    if (argc < 4 ||
        (strcmp(argv[1], "write") && strcmp(argv[1], "slow") && strcmp(argv[1], "resume")) ||
        (!strcmp(argv[1], "slow") && argc < 6)) {
        fprintf(stderr, "usage: see the comment at the top of results_mpi_writer.c\n");
        return 2;
    }
    ob_test_mpi_env();
    MPI_Init(&argc, &argv);
    int rc = run_writer(argv[1], argc, argv);
    MPI_Finalize();
    return rc;
}
