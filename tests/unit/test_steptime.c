/* Step-time estimates (driver/run/steptime.c): the shipped table names
 * registered kernels, a kernel without a line gets the default, the model's
 * arithmetic, and bad tables refused
 * with the file and line. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "driver/run/steptime.h"
#include "occbench/kernel.h"

/* The shipped table: every line names a registered kernel (no stale lines)
 * and a positive time; a kernel without a line is not an error but gets the
 * documented default (its window plus one second, plus the harness between
 * steps), so that adding a kernel needs no line here. */
static void test_table_names_registered_kernels(void **state)
{
    (void)state;
    ob_steptime t;
    char err[512] = "";
    int rc = ob_steptime_load(OB_SOURCE_DIR "/data/step_time.conf", &t, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_true(t.n > 0);
    for (int i = 0; i < t.n; i++) {
        if (!ob_kernel_find(t.e[i].kernel))
            fail_msg("data/step_time.conf names '%s', which is no registered kernel",
                     t.e[i].kernel);
        assert_true(t.e[i].rep_s > 0);
        assert_true(t.e[i].setup_s >= 0);
    }
    assert_true(t.contention_full >= 1.0);
    const ob_steptime_entry *none = ob_steptime_find(&t, "no-such-kernel", OB_PRESET_CI);
    assert_null(none);
    assert_true(fabs(ob_steptime_step(&t, none, 3.0, 5, 4, 8) - (3.0 + 1.0 + t.between_s)) < 1e-12);
    assert_true(ob_steptime_floor(&t, none, 5, 4, 8) == 0.0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_model(void **state)
{
    (void)state;
    char path[] = "/tmp/ob-steptime-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "# comment\ncontention_at_full_node 3\nbetween_steps 0.5\n"
                     "slow lsst 2.0 4.0  # a kernel with long repetitions\nfast ci 0.01 0.1\n");
    ob_steptime t;
    char err[256];
    assert_int_equal(ob_steptime_load(path, &t, err, sizeof err), 0);
    const ob_steptime_entry *slow = ob_steptime_find(&t, "slow", OB_PRESET_LSST);
    assert_non_null(slow);
    assert_null(ob_steptime_find(&t, "slow", OB_PRESET_CI));
    /* k=1: no contention (one active rank, on 2 cores as on 128): setup 4 + warm-up 2 +
     * max(window 10, 5 reps) + 0.5 */
    assert_true(fabs(ob_steptime_step(&t, slow, 10.0, 5, 1, 128) - (4 + 2 + 10 + 0.5)) < 1e-9);
    assert_true(fabs(ob_steptime_step(&t, slow, 10.0, 5, 1, 2) - (4 + 2 + 10 + 0.5)) < 1e-9);
    /* k=128: repetitions 3x longer: 4 + 6 + max(10, 30) + 0.5 */
    assert_true(fabs(ob_steptime_step(&t, slow, 10.0, 5, 128, 128) - 40.5) < 1e-9);
    assert_true(fabs(ob_steptime_floor(&t, slow, 5, 128, 128) - 30.0) < 1e-9);
    /* the window rules where repetitions are short */
    const ob_steptime_entry *fast = ob_steptime_find(&t, "fast", OB_PRESET_CI);
    double half = 1.0 + 2.0 * 63.0 / 127.0; /* k=64 of 128: (k-1)/(cores-1) of the way to C */
    assert_true(
        fabs(ob_steptime_step(&t, fast, 2.0, 5, 64, 128) - (0.1 + 0.01 * half + 2.0 + 0.5)) < 1e-9);
    /* measured on the node: its own C and its set-up at the full node */
    ob_steptime_entry m = *slow;
    m.measured = 1;
    m.warmup_s = 3.0;
    m.contention_full = 1.5;
    m.setup_full = 8.0;
    /* k=128: setup 8 + warm-up 3 x 1.5 + max(10, 5 x 2 x 1.5) + 0.5 */
    assert_true(fabs(ob_steptime_step(&t, &m, 10.0, 5, 128, 128) - (8 + 4.5 + 15 + 0.5)) < 1e-9);
    /* k=1 of 2 cores: the k=1 measurement itself */
    assert_true(fabs(ob_steptime_step(&t, &m, 10.0, 5, 1, 2) - (4 + 3 + 10 + 0.5)) < 1e-9);
    /* the time between steps grows with the ranks whose records are gathered */
    write_file(path, "between_steps 0.04 0.007\nfast ci 0.01 0.1\n");
    ob_steptime r;
    assert_int_equal(ob_steptime_load(path, &r, err, sizeof err), 0);
    ob_steptime_for_ranks(&r, 128);
    assert_true(fabs(r.between_s - (0.04 + 0.007 * 128)) < 1e-12);
    ob_steptime_for_ranks(&r, 128); /* once only */
    assert_true(fabs(r.between_s - (0.04 + 0.007 * 128)) < 1e-12);
    /* no entry: the window plus a second */
    assert_true(fabs(ob_steptime_step(&t, NULL, 3.0, 5, 1, 2) - 4.5) < 1e-9);

    const char *bad[] = {"slow nosuch 1 2\n", "slow lsst -1 2\n", "slow lsst 1\n",
                         "contention_at_full_node 0.5\n", "between_steps x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[128];
        snprintf(text, sizeof text, "# ok\n%s", bad[i]);
        write_file(path, text);
        err[0] = '\0';
        assert_int_equal(ob_steptime_load(path, &t, err, sizeof err), -1);
        char where[64];
        snprintf(where, sizeof where, "%s:2:", path);
        if (!strstr(err, where))
            fail_msg("'%s' refused without its line: %s", bad[i], err);
    }
    assert_int_equal(ob_steptime_load("/nonexistent/step_time.conf", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    unlink(path);
}

/* The ETA learns the node's pace: where every step takes 1.5x its estimate
 * it is exact from the first step on; where the steps scatter around
 * another pace, its error shrinks as the ladder goes and is 0 at the end;
 * skipped steps (a resumed file) count for nothing. */
static void test_eta_converges(void **state)
{
    (void)state;
    enum { N = 12 };
    double est[N], real[N];
    for (int i = 0; i < N; i++) {
        est[i] = 1.0 + 0.5 * (i % 3); /* heavier and lighter steps */
        real[i] = 1.5 * est[i];
    }
    double elapsed = 0, left = 0;
    for (int i = 0; i < N; i++)
        left += real[i];
    for (int i = 0; i < N; i++) {
        elapsed += real[i];
        left -= real[i];
        assert_true(fabs(ob_steptime_eta(est, NULL, N, i, elapsed) - left) < 1e-9);
    }
    /* a pace of 2x with +-30% scatter: the error over the first third is above
     * the error over the last third, and none at the end */
    for (int i = 0; i < N; i++)
        real[i] = 2.0 * est[i] * (1.0 + 0.3 * ((i * 7) % 5 - 2) / 2.0);
    double err_early = 0, err_late = 0;
    elapsed = 0;
    left = 0;
    for (int i = 0; i < N; i++)
        left += real[i];
    for (int i = 0; i < N; i++) {
        elapsed += real[i];
        left -= real[i];
        double e = fabs(ob_steptime_eta(est, NULL, N, i, elapsed) - left) / (elapsed + left);
        if (i < N / 3)
            err_early += e;
        else if (i >= N - N / 3)
            err_late += e;
        if (i == N - 1)
            assert_true(e < 1e-12);
    }
    assert_true(err_late < err_early);
    /* skipped steps: the estimate of what is left ignores them */
    int skipped[N] = {0};
    skipped[N - 1] = 1;
    double all = ob_steptime_eta(est, NULL, N, 0, est[0]);
    double some = ob_steptime_eta(est, skipped, N, 0, est[0]);
    assert_true(fabs(all - some - est[N - 1]) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_table_names_registered_kernels),
                                       cmocka_unit_test(test_model),
                                       cmocka_unit_test(test_eta_converges)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
