/* The record lists of include/occbench/records.h and what is generated from
 * them (common/records.c, common/records_h5.c): every field of every record
 * kind written and read back by name with distinct values; a dropped
 * optional column reads as missing, a dropped required one is refused by
 * name; the step attributes round-trip; the per-field delta keeps NaN; the
 * shared numeric and /proc helpers on known inputs. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/procfs.h"
#include "common/records_h5.h"
#include "common/stats.h"

static char path[64];

static const ob_record_kind *const kinds[] = {&ob_rep_kind, &ob_phase_kind, &ob_summary_kind,
                                              &ob_monitor_kind};

/* Column i of row r: a distinct, exactly representable value. */
static double value_of(size_t r, int i)
{
    return (double)(r * 1000 + (size_t)i) + 0.5;
}

typedef struct fill {
    unsigned char *row;
    size_t r;
    int i;
    const char *only; /* compare: a column name to check, or NULL for all */
    int mismatches;
    const unsigned char *other;
} fill;

static int fill_column(const ob_field *col, void *user)
{
    fill *f = user;
    unsigned char *p = f->row + col->offset;
    if (col->type == OB_FT_F64) {
        double v = value_of(f->r, f->i);
        memcpy(p, &v, sizeof v);
    } else {
        int32_t v = (int32_t)(f->r * 1000 + (size_t)f->i);
        memcpy(p, &v, sizeof v);
    }
    f->i++;
    return 0;
}

static int count_column(const ob_field *col, void *user)
{
    (void)col;
    (*(int *)user)++;
    return 0;
}

static int columns_of(const ob_record_kind *k)
{
    int n = 0;
    ob_record_each_column(k, count_column, &n);
    return n;
}

static void *make_rows(const ob_record_kind *k, size_t n)
{
    unsigned char *rows = calloc(n, k->size);
    assert_non_null(rows);
    for (size_t r = 0; r < n; r++) {
        fill f = {rows + r * k->size, r, 0, NULL, 0, NULL};
        ob_record_each_column(k, fill_column, &f);
    }
    return rows;
}

typedef struct compare {
    const unsigned char *a, *b;
    const char *dropped;
    int bad;
} compare;

static int compare_column(const ob_field *col, void *user)
{
    compare *c = user;
    const unsigned char *pa = c->a + col->offset, *pb = c->b + col->offset;
    int dropped = c->dropped && !strcmp(c->dropped, col->name);
    if (col->type == OB_FT_F64) {
        double x, y;
        memcpy(&x, pa, sizeof x);
        memcpy(&y, pb, sizeof y);
        if (dropped ? !isnan(y) : x != y) {
            print_error("column %s: wrote %g, read %g\n", col->name, x, y);
            c->bad++;
        }
    } else {
        int32_t x, y;
        memcpy(&x, pa, sizeof x);
        memcpy(&y, pb, sizeof y);
        if (dropped ? y != -1 : x != y) {
            print_error("column %s: wrote %d, read %d\n", col->name, x, y);
            c->bad++;
        }
    }
    return 0;
}

static void write_rows(const ob_record_kind *k, const void *rows, size_t n, const char *drop)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t t = ob_h5_record_type(k, drop);
    assert_true(t >= 0);
    assert_int_equal(H5Tget_nmembers(t), columns_of(k) - (drop ? 1 : 0));
    hsize_t dims[1] = {n};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t d = H5Dcreate2(f, "rows", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    H5Fclose(f);
}

static int read_rows(const ob_record_kind *k, void **back, size_t *n, char *err, size_t errlen)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    int rc = ob_h5_read_records(f, "rows", k, back, n, err, errlen);
    H5Fclose(f);
    return rc;
}

static void test_every_field_round_trips(void **state)
{
    (void)state;
    for (size_t ki = 0; ki < sizeof kinds / sizeof kinds[0]; ki++) {
        const ob_record_kind *k = kinds[ki];
        size_t n = 5;
        void *rows = make_rows(k, n), *back = NULL;
        write_rows(k, rows, n, NULL);
        size_t got = 0;
        char err[256] = "";
        if (read_rows(k, &back, &got, err, sizeof err) != 0)
            fail_msg("%s: %s", k->name, err);
        assert_int_equal(got, n);
        for (size_t r = 0; r < n; r++) {
            compare c = {(unsigned char *)rows + r * k->size, (unsigned char *)back + r * k->size,
                         NULL, 0};
            ob_record_each_column(k, compare_column, &c);
            if (c.bad)
                fail_msg("%s row %zu: %d columns differ", k->name, r, c.bad);
        }
        free(rows);
        free(back);
    }
}

/* Every column dropped in turn: optional ones read as missing with every
 * other column intact, required ones are refused naming the column. */
typedef struct drop_case {
    const ob_record_kind *k;
    int optional, required;
} drop_case;

static int drop_one(const ob_field *col, void *user)
{
    drop_case *dc = user;
    const ob_record_kind *k = dc->k;
    void *rows = make_rows(k, 3), *back = NULL;
    write_rows(k, rows, 3, col->name);
    size_t got = 0;
    char err[256] = "";
    int rc = read_rows(k, &back, &got, err, sizeof err);
    if (col->flags & OB_OPTIONAL) {
        if (rc != 0)
            fail_msg("%s without optional %s: %s", k->name, col->name, err);
        for (size_t r = 0; r < got; r++) {
            compare c = {(unsigned char *)rows + r * k->size, (unsigned char *)back + r * k->size,
                         col->name, 0};
            ob_record_each_column(k, compare_column, &c);
            if (c.bad)
                fail_msg("%s without %s: %d columns wrong", k->name, col->name, c.bad);
        }
        dc->optional++;
    } else {
        char want[128];
        snprintf(want, sizeof want, "column '%s' missing", col->name);
        if (rc == 0 || !strstr(err, want))
            fail_msg("%s without required %s: rc %d, '%s'", k->name, col->name, rc, err);
        dc->required++;
    }
    free(rows);
    free(back);
    return 0;
}

static void test_dropped_columns(void **state)
{
    (void)state;
    for (size_t ki = 0; ki < sizeof kinds / sizeof kinds[0]; ki++) {
        drop_case dc = {kinds[ki], 0, 0};
        ob_record_each_column(kinds[ki], drop_one, &dc);
        assert_int_equal(dc.optional + dc.required, columns_of(kinds[ki]));
        assert_true(dc.required > 0);
    }
}

static void test_field_tables_match_the_structs(void **state)
{
    (void)state;
    assert_int_equal(ob_sample_kind.nfields, OB_SAMPLE_NFIELDS);
    assert_int_equal(ob_sample_kind.size, sizeof(ob_sample));
    assert_int_equal(ob_rep_kind.size, sizeof(ob_rep_record));
    /* rep: its own columns plus every sample column, names unique */
    assert_int_equal(columns_of(&ob_rep_kind), (int)(ob_rep_kind.nfields - 1 + OB_SAMPLE_NFIELDS));
    for (size_t i = 0; i < ob_sample_kind.nfields; i++) {
        assert_true(ob_sample_kind.fields[i].type == OB_FT_F64);
        assert_true(ob_sample_kind.fields[i].unit && ob_sample_kind.fields[i].help[0]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ob_sample_kind.fields[i].name, ob_sample_kind.fields[j].name);
    }
    assert_int_equal(ob_sample_kind.fields[0].offset, offsetof(ob_sample, wall));
    ob_rep_record r;
    ob_record_fill_missing(&ob_rep_kind, &r);
    assert_true(isnan(r.s.wall) && isnan(r.f_probe) && r.core == -1 && r.ok == -1);
}

static void test_sample_delta(void **state)
{
    (void)state;
    ob_sample a, b, d;
    ob_sample_set_nan(&a);
    ob_sample_set_nan(&b);
    a.wall = 1.0;
    b.wall = 3.5;
    b.cycles = 10; /* missing at the start: stays missing */
    ob_sample_delta(&a, &b, &d);
    assert_true(d.wall == 2.5);
    assert_true(isnan(d.cycles) && isnan(d.user));
}

static void test_step_attrs_round_trip(void **state)
{
    (void)state;
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(f, "step", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ob_step_attrs a = {.k = 16,
                       .step = 3,
                       .valid = 0,
                       .reason = "verification failed",
                       .figure_name = "Mvis/s",
                       .work_unit = "visibilities",
                       .work_units = 22496,
                       .window = 2.25,
                       .t_start = 10.5,
                       .t_end = 13.0,
                       .kernel_options = "style=ddf;eps=1e-05;wstack=0;wproj=0",
                       .plan = "22496 vis onto 256^2 grid"};
    assert_int_equal(ob_h5_write_step_attrs(g, &a), 0);
    H5Gclose(g);
    /* an older step group without the newer attributes reads their defaults */
    g = H5Gcreate2(f, "old", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_int_equal(ob_h5_attr_put_int(g, "k", 2), 0);
    H5Gclose(g);
    H5Fclose(f);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    g = H5Gopen2(f, "step", H5P_DEFAULT);
    ob_step_attrs b;
    assert_int_equal(ob_h5_read_step_attrs(g, &b), 0);
    assert_true(b.k == 16 && b.step == 3 && b.valid == 0 && b.work_units == 22496 &&
                b.window == 2.25 && b.t_start == 10.5 && b.t_end == 13.0);
    assert_string_equal(b.reason, a.reason);
    assert_string_equal(b.figure_name, a.figure_name);
    assert_string_equal(b.work_unit, a.work_unit);
    assert_string_equal(b.kernel_options, a.kernel_options);
    assert_string_equal(b.plan, a.plan);
    ob_step_attrs_free(&b);
    H5Gclose(g);
    g = H5Gopen2(f, "old", H5P_DEFAULT);
    assert_int_equal(ob_h5_read_step_attrs(g, &b), 0);
    assert_true(b.k == 2 && b.step == -1 && b.valid == 1 && isnan(b.window));
    assert_string_equal(b.kernel_options, "");
    ob_step_attrs_free(&b);
    H5Gclose(g);
    H5Fclose(f);
}

static void test_stats(void **state)
{
    (void)state;
    double x[] = {4, NAN, 1, 3, 2};
    assert_true(ob_median(x, 5) == 2.5);
    assert_true(ob_mean(x, 5) == 2.5);
    assert_true(ob_percentile(x, 5, 0) == 1.0 && ob_percentile(x, 5, 100) == 4.0);
    assert_true(isnan(ob_mean(x + 1, 1)));
    /* the bootstrap stream is splitmix64: its first output for seed 0 is known */
    uint64_t s = 0;
    assert_true(ob_splitmix64(&s) == 0xe220a8397b1dcdafULL);
    s = 7;
    for (int i = 0; i < 1000; i++)
        assert_true(ob_splitmix64_index(&s, 13) < 13);
}

static void test_proc_readers_on_fake_files(void **state)
{
    (void)state;
    FILE *f = fopen(path, "w");
    fprintf(f, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
               "model name\t: AMD EPYC 9654 96-Core Processor\ncpu MHz\t\t: 2400.000\n");
    fclose(f);
    char v[128];
    assert_int_equal(ob_proc_field(path, "model", v, sizeof v), 0);
    assert_string_equal(v, "17"); /* "model", not "model name" */
    assert_int_equal(ob_proc_field(path, "model name", v, sizeof v), 0);
    assert_string_equal(v, "AMD EPYC 9654 96-Core Processor");
    assert_int_equal(ob_proc_field(path, "flags", v, sizeof v), -1);
    assert_non_null(strstr(v, "has no 'flags' line"));
    f = fopen(path, "w");
    fprintf(f, "MemTotal:       24576000 kB\nMemAvailable:   20000000 kB\n");
    fclose(f);
    assert_true(ob_meminfo_bytes(path, "MemAvailable") == 20000000.0 * 1024);
    assert_true(isnan(ob_meminfo_bytes(path, "SwapTotal")));
    assert_true(isnan(ob_meminfo_bytes("/nonexistent/meminfo", "MemTotal")));
}

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/ob-records-%d.h5", (int)getpid());
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_round_trips),
        cmocka_unit_test(test_dropped_columns),
        cmocka_unit_test(test_field_tables_match_the_structs),
        cmocka_unit_test(test_sample_delta),
        cmocka_unit_test(test_step_attrs_round_trip),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_proc_readers_on_fake_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
