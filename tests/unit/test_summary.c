/* Step summaries against hand-computed medians and rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "common/stats.h"
#include "common/summary.h"

static ob_rep_record rep(int rank, int r, double t0, double wall)
{
    ob_rep_record x;
    memset(&x, 0, sizeof x);
    x.rank = rank;
    x.rep = r;
    x.t0 = t0;
    x.s.wall = wall;
    x.s.user = 0.9 * wall;
    x.s.cycles = NAN;
    x.f_probe = 2.0 + rank;
    x.pss_kb = NAN;
    return x;
}

static void test_median(void **state)
{
    (void)state;
    double a[] = {3, 1, 2};
    assert_true(ob_median(a, 3) == 2.0);
    double b[] = {4, NAN, 1, 3, 2};
    assert_true(ob_median(b, 5) == 2.5);
    double c[] = {NAN, NAN};
    assert_true(isnan(ob_median(c, 2)));
}

static void test_rates_and_medians(void **state)
{
    (void)state;
    /* Rank 0: warm-up + 3 reps of 1 s; rank 1: warm-up + 2 reps of 2 s. */
    ob_rep_record r[] = {rep(0, 0, 0, 5), rep(0, 1, 5, 1), rep(0, 2, 6, 1), rep(0, 3, 7, 1),
                         rep(1, 0, 0, 5), rep(1, 1, 5, 2), rep(1, 2, 7, 2)};
    ob_plan plan = {.work_units = 2e9, .figure_scale = 1e-9, .figure_name = "GB/s"};
    ob_summary_row row;
    assert_int_equal(ob_summarise_step(r, 7, 2, 1, 1, &plan, 1.5, &row), 0);
    assert_int_equal(row.reps, 5);
    /* rates: 3/3 + 2/4 = 1.5 reps/s on one node */
    assert_true(fabs(row.throughput_per_node - 1.5) < 1e-12);
    assert_true(fabs(row.efficiency - 1.5 / (2 * 1.5)) < 1e-12);
    assert_true(row.median.wall == 1.0); /* walls 1,1,1,2,2 */
    assert_true(isnan(row.median.cycles));
    assert_true(fabs(row.figure - 2.0) < 1e-12); /* 2e9 units / 1 s * 1e-9 */
    assert_true(fabs(row.window - 4.0) < 1e-12); /* from t=5 to t=9 */
    assert_true(row.f_probe == 2.0);             /* 2,2,2,3,3 */
}

static void test_two_nodes_and_inverse_figure(void **state)
{
    (void)state;
    ob_rep_record r[] = {rep(0, 1, 0, 2), rep(1, 1, 0, 2)};
    ob_plan plan = {.work_units = 1e6, .figure_scale = 1e9, .figure_inverse = 1};
    ob_summary_row row;
    assert_int_equal(ob_summarise_step(r, 2, 1, 2, 1, &plan, NAN, &row), 0);
    assert_true(fabs(row.throughput_per_node - 0.5) < 1e-12); /* (0.5+0.5)/2 nodes */
    assert_true(isnan(row.efficiency));
    assert_true(fabs(row.figure - 2000.0) < 1e-9); /* 2 s / 1e6 loads = 2000 ns */
}

/* The node's PSS is the sum over its ranks (one value each), the largest node. */
static void test_pss_node(void **state)
{
    (void)state;
    ob_rep_record r[] = {rep(0, 1, 0, 1), rep(0, 2, 1, 1), rep(1, 1, 0, 1),
                         rep(1, 2, 1, 1), rep(2, 1, 0, 1), rep(2, 2, 1, 1)};
    r[1].pss_kb = 1000; /* node 0, rank 0 */
    r[3].pss_kb = 500;  /* node 0, rank 1 */
    r[4].node = r[5].node = 1;
    r[5].pss_kb = 1200; /* node 1, rank 2 */
    assert_true(ob_pss_node_kb(r, 6) == 1500.0);
    ob_summary_row row;
    assert_int_equal(ob_summarise_step(r, 6, 2, 2, 1, NULL, NAN, &row), 0);
    assert_true(row.pss_node_kb == 1500.0);
    r[1].pss_kb = r[3].pss_kb = r[5].pss_kb = NAN; /* no smaps_rollup: missing, not 0 */
    assert_true(isnan(ob_pss_node_kb(r, 6)));
    assert_int_equal(ob_count_nodes(r, 6), 2);
}

static void test_no_counted_reps(void **state)
{
    (void)state;
    ob_rep_record r[] = {rep(0, 0, 0, 1)};
    ob_summary_row row;
    assert_int_equal(ob_summarise_step(r, 1, 1, 1, 0, NULL, NAN, &row), -1);
    assert_int_equal(row.reps, 0);
    assert_true(isnan(row.throughput_per_node));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_rates_and_medians),
        cmocka_unit_test(test_two_nodes_and_inverse_figure),
        cmocka_unit_test(test_no_counted_reps),
        cmocka_unit_test(test_pss_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
