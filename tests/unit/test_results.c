/* Results file (driver/record/results.c): written through the parallel HDF5 API
 * by one MPI process (Open MPI singleton), read back with plain serial
 * HDF5 calls (default file driver) and compared value by value. */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <hdf5.h>
#include <mpi.h>

#include "common/records_h5.h"
#include "driver/record/results.h"
#include "../mpi_sanitizer_hooks.h"

static char tmpdir[64];

/* Calls taking `err`: on an unexpected return, show the message. */
#define EXPECT_RC(call, want)                                                                      \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        if (rc_ != (want))                                                                         \
            fail_msg("%s returned %d, expected %d: %s", #call, rc_, (want), err);                  \
    } while (0)

static void path_in_tmp(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

static const ob_run_info run_info = {
    .occbench_version = "0.1.0-test",
    .site = "unit-site",
    .created = "2026-11-23T16:00:00Z",
    .command = "occbench --preset ci --output x.h5",
    .config = "preset=ci;window=2;kernels=fft,triad;placements=compact,spread",
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The file's bytes and timestamps, to prove a refused call left it alone. */
typedef struct snapshot {
    char *bytes;
    size_t len;
    struct stat sb;
} snapshot;

static void take_snapshot(const char *path, snapshot *s)
{
    assert_int_equal(stat(path, &s->sb), 0);
    s->bytes = slurp(path, &s->len);
    assert_non_null(s->bytes);
}

static void assert_unchanged(const char *path, snapshot *s)
{
    struct stat now;
    assert_int_equal(stat(path, &now), 0);
    assert_int_equal(now.st_size, s->sb.st_size);
    assert_int_equal(now.st_mtim.tv_sec, s->sb.st_mtim.tv_sec);
    assert_int_equal(now.st_mtim.tv_nsec, s->sb.st_mtim.tv_nsec);
    size_t len = 0;
    char *bytes = slurp(path, &len);
    assert_int_equal(len, s->len);
    assert_memory_equal(bytes, s->bytes, len);
    free(bytes);
    free(s->bytes);
}

/* ---- deterministic records ---- */

static void fill_sample(ob_sample *s, double base)
{
    double *f = (double *)s;
    for (size_t i = 0; i < sizeof *s / sizeof(double); i++)
        f[i] = base + 0.125 * (double)i;
    s->blkio = NAN; /* not measured: must come back as NaN */
    s->llc_miss = NAN;
}

static ob_rep_record *make_reps(size_t n, int k)
{
    ob_rep_record *reps = calloc(n, sizeof *reps);
    assert_non_null(reps);
    for (size_t i = 0; i < n; i++) {
        reps[i].node = 0;
        reps[i].rank = (int32_t)(i % (size_t)k);
        reps[i].core = (int32_t)(2 * (i % (size_t)k));
        reps[i].rep = (int32_t)(i / (size_t)k);
        reps[i].t0 = 10.0 * k + (double)i;
        fill_sample(&reps[i].s, 100.0 * k + (double)i);
        reps[i].maxrss_kb = 4096.0 + (double)i;
        reps[i].f_probe = i % 2 ? NAN : 3.5;
        reps[i].ok = (int32_t)(i % 3 != 2);
    }
    return reps;
}

static ob_phase_record *make_phases(size_t n, int k)
{
    ob_phase_record *ph = calloc(n, sizeof *ph);
    assert_non_null(ph);
    for (size_t i = 0; i < n; i++) {
        ph[i].node = 0;
        ph[i].rank = (int32_t)(i % (size_t)k);
        ph[i].rep = (int32_t)(i / 2);
        ph[i].phase = (int32_t)(i % 2);
        fill_sample(&ph[i].s, -50.0 * k - (double)i);
    }
    return ph;
}

static ob_summary_row make_summary(int k, double scale)
{
    ob_summary_row row;
    memset(&row, 0, sizeof row);
    row.k = k;
    row.nodes = 1;
    row.reps = 10 * k;
    row.valid = 1;
    row.window = 2.0;
    row.throughput_per_node = scale * k;
    row.efficiency = k == 1 ? 1.0 : NAN;
    row.figure = 0.5 * scale;
    fill_sample(&row.median, scale);
    row.f_probe = NAN;
    return row;
}

static const char *const fft_phases[] = {"rows", "cols", NULL};
static const char *const no_phases[] = {NULL};

static ob_step_info step_info(const char *kernel, const char *placement, int k, int step,
                              const char *const *phases)
{
    ob_step_info s = {
        .kernel = kernel,
        .placement = placement,
        .phases = phases,
        .attrs = {.k = k,
                  .step = step,
                  .figure_name = "GFLOP/s",
                  .work_unit = "transforms",
                  .work_units = 4.0 * k,
                  .valid = k != 2,
                  .reason = k != 2 ? "" : "verification failed: max error 1e-2 > 1e-5",
                  .window = 2.0,
                  .t_start = 100.0 + step,
                  .t_end = 102.5 + step,
                  .kernel_options = "style=es;eps=1e-05",
                  .plan = "512^2 grid, W=8"},
    };
    return s;
}

/* ---- serial readers ---- */

static hid_t open_serial(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    return f;
}

static long long get_int(hid_t obj, const char *name)
{
    long long v = -12345;
    assert_int_equal(ob_h5_attr_get_int(obj, name, &v), 0);
    return v;
}

static double get_double(hid_t obj, const char *name)
{
    double v = -1;
    assert_int_equal(ob_h5_attr_get_double(obj, name, &v), 0);
    return v;
}

static void assert_string_attr(hid_t obj, const char *name, const char *want)
{
    char *got = NULL;
    assert_int_equal(ob_h5_attr_get_string(obj, name, &got), 0);
    assert_string_equal(got, want);
    free(got);
}

/* Read a whole 1-D dataset of records of `size` bytes with memtype. */
static void *read_all(hid_t file, const char *path, hid_t memtype, size_t size, size_t *n)
{
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t space = H5Dget_space(d);
    hssize_t np = H5Sget_simple_extent_npoints(space);
    assert_true(np >= 0);
    void *buf = calloc(np ? (size_t)np : 1, size);
    assert_non_null(buf);
    if (np)
        assert_true(H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Sclose(space);
    H5Dclose(d);
    *n = (size_t)np;
    return buf;
}

static void assert_rows_equal(hid_t file, const char *path, hid_t type, size_t size,
                              const void *want, size_t nwant)
{
    size_t n = 0;
    void *got = read_all(file, path, type, size, &n);
    assert_int_equal(n, nwant);
    /* Bytewise: NaN compares equal to the NaN written, padding is zero on both sides. */
    if (n)
        assert_memory_equal(got, want, n * size);
    free(got);
}

/* ---- the write / read round trip ---- */

static char big_xml[300 * 1024];

static void write_everything(const char *path, ob_rep_record **reps_out,
                             ob_phase_record **phases_out)
{
    char err[512] = "";
    ob_results *r = NULL;
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 0, &run_info, &r, err, sizeof err), 0);
    assert_non_null(r);

    const ob_kv pairs[] = {{"cpu_model", "AMD EPYC 9B45"}, {"kernel", "6.1.0"}, {"empty", ""}};
    const char *const hosts[] = {"nodeA", "a-much-longer-node-name.example.org"};
    memset(big_xml, 'x', sizeof big_xml - 1);
    memcpy(big_xml, "<?xml version=\"1.0\"?>", 21);
    EXPECT_RC(ob_results_write_system(r, pairs, 3, hosts, 2, big_xml, err, sizeof err), 0);

    ob_metric_source src[2 * OB_METRIC_COUNT];
    memset(src, 0, sizeof src);
    for (int i = 0; i < 2 * OB_METRIC_COUNT; i++) {
        src[i].available = i % OB_METRIC_COUNT == OB_METRIC_TASK_CLOCK;
        snprintf(src[i].event, sizeof src[i].event, "%s",
                 src[i].available ? "perf::TASK-CLOCK" : "");
        snprintf(src[i].reason, sizeof src[i].reason, "node %d metric %d: %s", i / OB_METRIC_COUNT,
                 i % OB_METRIC_COUNT, src[i].available ? "software event" : "PAPI_ENOEVNT");
        src[i].scale = src[i].available ? 1e-9 : 1.0;
    }
    const char *const families[] = {"zen5", "zen4"};
    EXPECT_RC(ob_results_write_counters(r, src, families, 2, err, sizeof err), 0);

    ob_rep_record *reps = make_reps(6, 3);
    ob_phase_record *phases = make_phases(12, 3);
    ob_step_info s1 = step_info("fft", "compact", 3, 0, fft_phases);
    EXPECT_RC(ob_results_write_step(r, &s1, reps, 6, phases, 12, err, sizeof err), 0);
    ob_summary_row row1 = make_summary(3, 7.0);
    EXPECT_RC(ob_results_append_summary(r, "fft", "compact", "GFLOP/s", &row1, err, sizeof err), 0);
    EXPECT_RC(ob_results_commit(r, err, sizeof err), 0);

    /* A step where this rank was parked (0 rows), invalid, without phases. */
    ob_step_info s2 = step_info("triad", "spread", 2, 1, no_phases);
    EXPECT_RC(ob_results_write_step(r, &s2, NULL, 0, NULL, 0, err, sizeof err), 0);
    ob_summary_row row2 = make_summary(2, 1.0);
    EXPECT_RC(ob_results_append_summary(r, "triad", "spread", "GB/s", &row2, err, sizeof err), 0);
    /* The same k again replaces its summary row. */
    row2.throughput_per_node = 42.0;
    EXPECT_RC(ob_results_append_summary(r, "triad", "spread", "GB/s", &row2, err, sizeof err), 0);
    ob_summary_row back;
    assert_int_equal(ob_results_read_summary(r, "triad", "spread", 2, &back), 0);
    assert_memory_equal(&back, &row2, sizeof back);
    assert_int_equal(ob_results_read_summary(r, "triad", "spread", 4, &back), -1);
    assert_int_equal(ob_results_read_summary(r, "nope", "spread", 2, &back), -1);

    /* A step written twice is refused. */
    EXPECT_RC(ob_results_write_step(r, &s1, reps, 6, phases, 12, err, sizeof err), -1);
    assert_non_null(strstr(err, "already"));

    ob_monitor_sample mon[5];
    float busy[5 * 4];
    memset(mon, 0, sizeof mon);
    for (int i = 0; i < 5; i++) {
        mon[i].t = 0.5 * i;
        mon[i].step = i < 3 ? 0 : 1;
        mon[i].util_busy = 0.1 * i;
        mon[i].psi_io_full = NAN;
        mon[i].energy_j = 1000.0 + i;
        for (int c = 0; c < 4; c++)
            busy[4 * i + c] = (float)(i * 10 + c) / 100.0f;
    }
    EXPECT_RC(ob_results_append_monitor(r, 0, mon, 3, busy, 4, err, sizeof err), 0);
    EXPECT_RC(ob_results_append_monitor(r, 0, mon + 3, 2, busy + 12, 4, err, sizeof err), 0);
    /* A different cpu count for the same node is refused. */
    EXPECT_RC(ob_results_append_monitor(r, 0, mon, 1, busy, 3, err, sizeof err), -1);
    assert_non_null(strstr(err, "columns"));
    EXPECT_RC(ob_results_commit(r, err, sizeof err), 0);

    assert_int_equal(ob_results_step_done(r, "fft", "compact", 3), 1);
    assert_int_equal(ob_results_step_done(r, "triad", "spread", 2), 1);
    assert_int_equal(ob_results_step_done(r, "fft", "compact", 4), 0);
    assert_int_equal(ob_results_step_done(r, "conv", "compact", 1), 0);
    EXPECT_RC(ob_results_close(r, 0, err, sizeof err), 0);
    *reps_out = reps;
    *phases_out = phases;
}

static void check_step_attrs(hid_t f, const char *group, const ob_step_info *s)
{
    hid_t g = H5Gopen2(f, group, H5P_DEFAULT);
    assert_true(g >= 0);
    assert_int_equal(get_int(g, "k"), s->attrs.k);
    assert_int_equal(get_int(g, "step"), s->attrs.step);
    assert_int_equal(get_int(g, "valid"), s->attrs.valid);
    assert_int_equal(get_int(g, "done"), 1);
    assert_string_attr(g, "reason", s->attrs.reason);
    assert_string_attr(g, "figure_name", s->attrs.figure_name);
    assert_string_attr(g, "work_unit", s->attrs.work_unit);
    assert_string_attr(g, "kernel_options", s->attrs.kernel_options);
    assert_string_attr(g, "plan", s->attrs.plan);
    assert_true(get_double(g, "work_units") == s->attrs.work_units);
    assert_true(get_double(g, "window") == s->attrs.window);
    assert_true(get_double(g, "t_start") == s->attrs.t_start);
    assert_true(get_double(g, "t_end") == s->attrs.t_end);
    /* the shared reader (occbench-analyze's) gives back every attribute */
    ob_step_attrs back;
    assert_int_equal(ob_h5_read_step_attrs(g, &back), 0);
    assert_true(back.k == s->attrs.k && back.step == s->attrs.step &&
                back.valid == s->attrs.valid && back.window == s->attrs.window);
    assert_string_equal(back.reason, s->attrs.reason);
    assert_string_equal(back.kernel_options, s->attrs.kernel_options);
    assert_string_equal(back.plan, s->attrs.plan);
    ob_step_attrs_free(&back);
    char **names = NULL;
    size_t n = 0;
    assert_int_equal(ob_h5_attr_get_strings(g, "phases", &names, &n), 0);
    size_t want = 0;
    while (s->phases[want])
        want++;
    assert_int_equal(n, want);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(names[i], s->phases[i]);
    ob_h5_free_strings(names);
    H5Gclose(g);
}

static void test_round_trip(void **state)
{
    (void)state;
    char path[128];
    path_in_tmp(path, sizeof path, "roundtrip.h5");
    ob_rep_record *reps;
    ob_phase_record *phases;
    write_everything(path, &reps, &phases);

    hid_t f = open_serial(path);
    assert_int_equal(get_int(f, "schema_version"), OB_SCHEMA_VERSION);
    assert_int_equal(get_int(f, "complete"), 0);
    assert_string_attr(f, "occbench_version", run_info.occbench_version);
    assert_string_attr(f, "site", run_info.site);
    assert_string_attr(f, "created", run_info.created);
    assert_string_attr(f, "command", run_info.command);
    assert_string_attr(f, "config", run_info.config);

    hid_t sys = H5Gopen2(f, "system", H5P_DEFAULT);
    assert_true(sys >= 0);
    assert_string_attr(sys, "cpu_model", "AMD EPYC 9B45");
    assert_string_attr(sys, "kernel", "6.1.0");
    assert_string_attr(sys, "empty", "");
    H5Gclose(sys);
    hid_t t40 = ob_h5_string_type(40);
    size_t n = 0;
    char *hosts = read_all(f, "system/hostnames", t40, 40, &n);
    assert_int_equal(n, 2);
    assert_string_equal(hosts, "nodeA");
    assert_string_equal(hosts + 40, "a-much-longer-node-name.example.org");
    free(hosts);
    H5Tclose(t40);
    size_t xml_len = strlen(big_xml);
    hid_t txml = ob_h5_string_type(xml_len + 1);
    char *xml = read_all(f, "system/topology.xml", txml, xml_len + 1, &n);
    assert_int_equal(n, 1);
    assert_int_equal(strlen(xml), xml_len);
    assert_string_equal(xml, big_xml);
    free(xml);
    H5Tclose(txml);

    hid_t ct = ob_h5_counter_type();
    ob_counter_row *rows = read_all(f, "counters/sources", ct, sizeof *rows, &n);
    assert_int_equal(n, 2 * OB_METRIC_COUNT);
    for (size_t i = 0; i < n; i++) {
        int avail = i % OB_METRIC_COUNT == OB_METRIC_TASK_CLOCK;
        assert_int_equal(rows[i].node, (int)(i / OB_METRIC_COUNT));
        assert_int_equal(rows[i].available, avail);
        assert_string_equal(rows[i].event, avail ? "perf::TASK-CLOCK" : "");
        char want[128];
        snprintf(want, sizeof want, "node %d metric %d: %s", (int)(i / OB_METRIC_COUNT),
                 (int)(i % OB_METRIC_COUNT), avail ? "software event" : "PAPI_ENOEVNT");
        assert_string_equal(rows[i].reason, want);
        assert_true(rows[i].scale == (avail ? 1e-9 : 1.0));
    }
    assert_string_equal(rows[0].metric, "cycles");
    assert_string_equal(rows[OB_METRIC_TASK_CLOCK].metric, "task_clock");
    free(rows);
    H5Tclose(ct);
    hid_t t8 = ob_h5_string_type(8);
    char *fam = read_all(f, "counters/cpu_family", t8, 8, &n);
    assert_int_equal(n, 2);
    assert_string_equal(fam, "zen5");
    assert_string_equal(fam + 8, "zen4");
    free(fam);
    H5Tclose(t8);

    ob_step_info s1 = step_info("fft", "compact", 3, 0, fft_phases);
    ob_step_info s2 = step_info("triad", "spread", 2, 1, no_phases);
    check_step_attrs(f, "steps/fft/compact/k0003", &s1);
    check_step_attrs(f, "steps/triad/spread/k0002", &s2);
    hid_t rt = ob_h5_rep_type(), pt = ob_h5_phase_type();
    assert_rows_equal(f, "steps/fft/compact/k0003/reps", rt, sizeof(ob_rep_record), reps, 6);
    assert_rows_equal(f, "steps/fft/compact/k0003/phases", pt, sizeof(ob_phase_record), phases, 12);
    assert_rows_equal(f, "steps/triad/spread/k0002/reps", rt, sizeof(ob_rep_record), NULL, 0);
    assert_rows_equal(f, "steps/triad/spread/k0002/phases", pt, sizeof(ob_phase_record), NULL, 0);
    H5Tclose(rt);
    H5Tclose(pt);

    /* h5py users see flat columns: the file type has wall, cycles, ... */
    hid_t d = H5Dopen2(f, "steps/fft/compact/k0003/reps", H5P_DEFAULT);
    hid_t ft = H5Dget_type(d);
    assert_true(H5Tget_member_index(ft, "wall") >= 0);
    assert_true(H5Tget_member_index(ft, "cycles") >= 0);
    assert_true(H5Tget_member_index(ft, "task_clock") >= 0);
    assert_true(H5Tget_member_index(ft, "s") < 0);
    H5Tclose(ft);
    H5Dclose(d);
    /* NaN survived (checked bytewise above; once more by value). */
    rt = ob_h5_rep_type();
    ob_rep_record *back = read_all(f, "steps/fft/compact/k0003/reps", rt, sizeof *back, &n);
    assert_true(isnan(back[0].s.blkio) && isnan(back[1].f_probe) && back[0].f_probe == 3.5);
    free(back);
    H5Tclose(rt);

    hid_t st = ob_h5_summary_type();
    ob_summary_row want1 = make_summary(3, 7.0), want2 = make_summary(2, 1.0);
    want2.throughput_per_node = 42.0;
    assert_rows_equal(f, "summary/fft/compact", st, sizeof want1, &want1, 1);
    assert_rows_equal(f, "summary/triad/spread", st, sizeof want2, &want2, 1);
    H5Tclose(st);
    hid_t sd = H5Dopen2(f, "summary/triad/spread", H5P_DEFAULT);
    assert_string_attr(sd, "figure_name", "GB/s");
    H5Dclose(sd);

    hid_t mt = ob_h5_monitor_type();
    ob_monitor_sample *mon = read_all(f, "monitor/node0000/samples", mt, sizeof *mon, &n);
    assert_int_equal(n, 5);
    for (int i = 0; i < 5; i++) {
        assert_true(mon[i].t == 0.5 * i);
        assert_int_equal(mon[i].step, i < 3 ? 0 : 1);
        assert_true(isnan(mon[i].psi_io_full));
        assert_true(mon[i].energy_j == 1000.0 + i);
    }
    free(mon);
    H5Tclose(mt);
    hid_t bd = H5Dopen2(f, "monitor/node0000/cpu_busy", H5P_DEFAULT);
    hid_t bs = H5Dget_space(bd);
    hsize_t dims[2];
    assert_int_equal(H5Sget_simple_extent_dims(bs, dims, NULL), 2);
    assert_int_equal(dims[0], 5);
    assert_int_equal(dims[1], 4);
    float busy[20];
    assert_true(H5Dread(bd, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, busy) >= 0);
    for (int i = 0; i < 20; i++)
        assert_true(busy[i] == (float)((i / 4) * 10 + i % 4) / 100.0f);
    H5Sclose(bs);
    H5Dclose(bd);
    H5Fclose(f);

    /* Resume with the same config: steps are known, writing continues,
     * close(…, 1) marks it complete. */
    char err[512] = "";
    ob_results *r = NULL;
    EXPECT_RC(ob_results_resume(MPI_COMM_WORLD, path, run_info.config, &r, err, sizeof err), 0);
    assert_int_equal(ob_results_step_done(r, "fft", "compact", 3), 1);
    assert_int_equal(ob_results_step_done(r, "fft", "compact", 1), 0);
    ob_summary_row got;
    assert_int_equal(ob_results_read_summary(r, "fft", "compact", 3, &got), 0);
    assert_memory_equal(&got, &want1, sizeof got);
    ob_step_info s3 = step_info("fft", "compact", 1, 2, fft_phases);
    EXPECT_RC(ob_results_write_step(r, &s3, reps, 2, phases, 4, err, sizeof err), 0);
    ob_summary_row row3 = make_summary(1, 3.0);
    EXPECT_RC(ob_results_append_summary(r, "fft", "compact", "GFLOP/s", &row3, err, sizeof err), 0);
    EXPECT_RC(ob_results_close(r, 1, err, sizeof err), 0);

    f = open_serial(path);
    assert_int_equal(get_int(f, "complete"), 1);
    check_step_attrs(f, "steps/fft/compact/k0001", &s3);
    check_step_attrs(f, "steps/fft/compact/k0003", &s1);
    st = ob_h5_summary_type();
    ob_summary_row both[2] = {want1, row3};
    assert_rows_equal(f, "summary/fft/compact", st, sizeof want1, both, 2);
    H5Tclose(st);
    H5Fclose(f);
    free(reps);
    free(phases);
    unlink(path);
}

/* ---- creation refusals ---- */

static void test_existing_file_refused(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    path_in_tmp(path, sizeof path, "existing.h5");
    write_text_file(path, "not yours to overwrite\n");
    snapshot snap;
    take_snapshot(path, &snap);
    usleep(20000);                              /* a rewrite would move mtime */
    ob_results *r = (ob_results *)(uintptr_t)1; /* must be reset to NULL */
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 0, &run_info, &r, err, sizeof err), -1);
    assert_null(r);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "exists"));
    assert_null(strchr(err, '\n'));
    assert_unchanged(path, &snap);

    /* With force it is replaced by a fresh results file. */
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 1, &run_info, &r, err, sizeof err), 0);
    EXPECT_RC(ob_results_close(r, 0, err, sizeof err), 0);
    hid_t f = open_serial(path);
    assert_int_equal(get_int(f, "schema_version"), OB_SCHEMA_VERSION);
    H5Fclose(f);
    unlink(path);
}

static void test_missing_directory_refused(void **state)
{
    (void)state;
    char path[200], err[512] = "", dir[128];
    path_in_tmp(dir, sizeof dir, "no/such/dir");
    snprintf(path, sizeof path, "%s/out.h5", dir);
    ob_results *r = NULL;
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 0, &run_info, &r, err, sizeof err), -1);
    assert_null(r);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "No such file or directory"));
    struct stat sb;
    assert_int_not_equal(stat(path, &sb), 0);
    /* force does not change that */
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 1, &run_info, &r, err, sizeof err), -1);
    /* The directory path is a regular file. */
    char file_as_dir[128];
    path_in_tmp(file_as_dir, sizeof file_as_dir, "plainfile");
    write_text_file(file_as_dir, "x");
    snprintf(path, sizeof path, "%s/out.h5", file_as_dir);
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 0, &run_info, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "ot a directory")); /* strerror(ENOTDIR) */
    unlink(file_as_dir);
}

/* As root, permission bits do not stop writes (a 0555 directory is still
 * writable), so the read-only case uses /proc, where nothing can be
 * created even by root; as an ordinary user a 0555 directory is tried too. */
static void test_unwritable_directory_refused(void **state)
{
    (void)state;
    char err[512] = "";
    ob_results *r = NULL;
    const char *proc_path = "/proc/occbench-results-test.h5";
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, proc_path, 0, &run_info, &r, err, sizeof err), -1);
    assert_null(r);
    assert_non_null(strstr(err, proc_path));
    assert_null(strchr(err, '\n'));
    assert_int_not_equal(access(proc_path, F_OK), 0);

    if (geteuid() != 0) {
        char dir[128], path[160];
        path_in_tmp(dir, sizeof dir, "readonly");
        assert_int_equal(mkdir(dir, 0555), 0);
        snprintf(path, sizeof path, "%s/out.h5", dir);
        EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 0, &run_info, &r, err, sizeof err), -1);
        assert_non_null(strstr(err, "Permission denied"));
        assert_int_not_equal(access(path, F_OK), 0);
        rmdir(dir);
    }
}

/* ---- resume refusals and repair ---- */

static void create_closed(const char *path, const char *config)
{
    char err[512] = "";
    ob_results *r = NULL;
    ob_run_info info = run_info;
    info.config = config;
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 1, &info, &r, err, sizeof err), 0);
    ob_rep_record *reps = make_reps(2, 1);
    ob_step_info s = step_info("fft", "compact", 1, 0, fft_phases);
    EXPECT_RC(ob_results_write_step(r, &s, reps, 2, NULL, 0, err, sizeof err), 0);
    EXPECT_RC(ob_results_close(r, 0, err, sizeof err), 0);
    free(reps);
}

static void test_resume_different_config_refused(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    path_in_tmp(path, sizeof path, "config.h5");
    create_closed(path, "preset=ci;window=2;kernels=fft");
    snapshot snap;
    take_snapshot(path, &snap);
    usleep(20000);
    ob_results *r = NULL;
    assert_int_equal(ob_results_resume(MPI_COMM_WORLD, path, "preset=small;window=2;kernels=fft",
                                       &r, err, sizeof err),
                     -1);
    assert_null(r);
    assert_non_null(strstr(err, "'preset'"));
    assert_non_null(strstr(err, "'ci'"));
    assert_non_null(strstr(err, "'small'"));
    /* A key only one side has is named too. */
    assert_int_equal(ob_results_resume(MPI_COMM_WORLD, path,
                                       "preset=ci;window=2;kernels=fft;jitter=1", &r, err,
                                       sizeof err),
                     -1);
    assert_non_null(strstr(err, "'jitter'"));
    assert_int_equal(
        ob_results_resume(MPI_COMM_WORLD, path, "preset=ci;window=2", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "'kernels'"));
    assert_unchanged(path, &snap);
    unlink(path);
}

static void test_resume_foreign_files_refused(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    ob_results *r = NULL;
    path_in_tmp(path, sizeof path, "text.h5");
    write_text_file(path, "plain text, not HDF5\n");
    snapshot snap;
    take_snapshot(path, &snap);
    EXPECT_RC(ob_results_resume(MPI_COMM_WORLD, path, "a=1", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an HDF5 file"));
    assert_unchanged(path, &snap);
    unlink(path);

    /* HDF5, but not ours. */
    path_in_tmp(path, sizeof path, "foreign.h5");
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    H5Fclose(f);
    take_snapshot(path, &snap);
    EXPECT_RC(ob_results_resume(MPI_COMM_WORLD, path, "a=1", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "schema_version"));
    assert_unchanged(path, &snap);
    unlink(path);

    /* Ours, another schema version. */
    path_in_tmp(path, sizeof path, "schema.h5");
    create_closed(path, "a=1");
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_int_equal(ob_h5_attr_put_int(f, "schema_version", OB_SCHEMA_VERSION + 1), 0);
    H5Fclose(f);
    take_snapshot(path, &snap);
    EXPECT_RC(ob_results_resume(MPI_COMM_WORLD, path, "a=1", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "schema_version"));
    assert_unchanged(path, &snap);
    unlink(path);

    path_in_tmp(path, sizeof path, "missing.h5");
    EXPECT_RC(ob_results_resume(MPI_COMM_WORLD, path, "a=1", &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
}

static void test_resume_removes_unfinished_steps(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    path_in_tmp(path, sizeof path, "unfinished.h5");
    create_closed(path, "a=1");
    /* What a job killed inside write_step leaves: groups without done=1. */
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t g = H5Gcreate2(f, "steps/fft/compact/k0002", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(g >= 0);
    assert_int_equal(ob_h5_attr_put_int(g, "k", 2), 0);
    H5Gclose(g);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    g = H5Gcreate2(f, "steps/conv/spread/k0001", lcpl, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(g >= 0);
    assert_int_equal(ob_h5_attr_put_int(g, "done", 0), 0);
    H5Gclose(g);
    H5Pclose(lcpl);
    H5Fclose(f);

    ob_results *r = NULL;
    EXPECT_RC(ob_results_resume(MPI_COMM_WORLD, path, "a=1", &r, err, sizeof err), 0);
    assert_int_equal(ob_results_step_done(r, "fft", "compact", 1), 1);
    assert_int_equal(ob_results_step_done(r, "fft", "compact", 2), 0);
    assert_int_equal(ob_results_step_done(r, "conv", "spread", 1), 0);
    /* The removed step can be written now. */
    ob_rep_record *reps = make_reps(4, 2);
    ob_step_info s = step_info("fft", "compact", 2, 1, fft_phases);
    EXPECT_RC(ob_results_write_step(r, &s, reps, 4, NULL, 0, err, sizeof err), 0);
    EXPECT_RC(ob_results_close(r, 0, err, sizeof err), 0);

    f = open_serial(path);
    assert_int_equal(H5Lexists(f, "steps/conv/spread/k0001", H5P_DEFAULT), 0);
    assert_int_equal(H5Lexists(f, "steps/fft/compact/k0001", H5P_DEFAULT), 1);
    check_step_attrs(f, "steps/fft/compact/k0002", &s);
    hid_t rt = ob_h5_rep_type();
    assert_rows_equal(f, "steps/fft/compact/k0002/reps", rt, sizeof *reps, reps, 4);
    H5Tclose(rt);
    assert_int_equal(get_int(f, "complete"), 0);
    H5Fclose(f);
    free(reps);
    unlink(path);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char path[128], err[512] = "";
    path_in_tmp(path, sizeof path, "badargs.h5");
    ob_results *r = NULL;
    EXPECT_RC(ob_results_create(MPI_COMM_WORLD, path, 1, &run_info, &r, err, sizeof err), 0);
    ob_step_info s = step_info("a/b", "compact", 1, 0, fft_phases);
    EXPECT_RC(ob_results_write_step(r, &s, NULL, 0, NULL, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "a/b"));
    s = step_info("fft", "compact", 1, 0, fft_phases);
    EXPECT_RC(ob_results_write_step(r, &s, NULL, 3, NULL, 0, err, sizeof err), -1);
    EXPECT_RC(ob_results_append_monitor(r, -1, NULL, 2, NULL, 0, err, sizeof err), -1);
    /* Nothing half-written: the file still closes and has no step. */
    EXPECT_RC(ob_results_close(r, 1, err, sizeof err), 0);
    hid_t f = open_serial(path);
    assert_int_equal(H5Lexists(f, "steps/fft", H5P_DEFAULT), 0);
    assert_int_equal(get_int(f, "complete"), 1);
    H5Fclose(f);
    unlink(path);
}

int main(int argc, char **argv)
{
    ob_test_mpi_env(); /* Open MPI singleton mode, possibly as root */
    MPI_Init(&argc, &argv);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ob-results-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_existing_file_refused),
        cmocka_unit_test(test_missing_directory_refused),
        cmocka_unit_test(test_unwritable_directory_refused),
        cmocka_unit_test(test_resume_different_config_refused),
        cmocka_unit_test(test_resume_foreign_files_refused),
        cmocka_unit_test(test_resume_removes_unfinished_steps),
        cmocka_unit_test(test_bad_arguments),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(tmpdir); /* empty when every test cleaned up */
    MPI_Finalize();
    return failed;
}
