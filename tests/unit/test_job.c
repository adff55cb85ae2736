/* The job's pure parts: its phase marks (kernels/job/job_marks.c) and the
 * lookup of its command (ob_job_resolve); tests/mpi/test_job.sh runs jobs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/job/job.h"
#include "kernels/job/job_marks.h"

static void test_marks(void **state)
{
    (void)state;
    ob_mark m;
    assert_int_equal(ob_job_parse_mark("begin read io\n", &m), OB_MARK_BEGIN);
    assert_string_equal(m.name, "read");
    assert_true(m.io);
    assert_int_equal(ob_job_parse_mark("begin fit", &m), OB_MARK_BEGIN);
    assert_false(m.io);
    assert_int_equal(ob_job_parse_mark("  begin\tfit.2 compute  \r\n", &m), OB_MARK_BEGIN);
    assert_string_equal(m.name, "fit.2");
    assert_int_equal(ob_job_parse_mark("end fit\n", &m), OB_MARK_END);
    assert_string_equal(m.name, "fit");
    static const char *const bad[] = {
        "",
        "begin",
        "end",
        "start fit",
        "begin fit gpu",
        "end fit io",
        "begin fit io x",
        "begin a/b",
        "begin a;b",
        "BEGIN fit",
        "begin 0123456789012345678901234567890123456789012345678901234567890123456789",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ob_job_parse_mark(bad[i], &m) != OB_MARK_BAD)
            fail_msg("'%s' accepted as a mark", bad[i]);
}

static void test_resolve(void **state)
{
    (void)state;
    char path[PATH_MAX], why[256];
    assert_int_equal(ob_job_resolve("sh", path, sizeof path, why, sizeof why), 0);
    assert_non_null(strstr(path, "/sh"));
    assert_int_equal(ob_job_resolve("/bin/sh", path, sizeof path, why, sizeof why), 0);
    assert_string_equal(path, "/bin/sh");
    assert_int_equal(ob_job_resolve("no-such-program-occbench", path, sizeof path, why, sizeof why),
                     -1);
    assert_non_null(strstr(why, "not found on PATH"));
    assert_int_equal(ob_job_resolve("/tmp", path, sizeof path, why, sizeof why), -1);
    assert_non_null(strstr(why, "a directory"));
    assert_int_equal(ob_job_resolve(OB_SOURCE_DIR "/README.md", path, sizeof path, why, sizeof why),
                     -1);
    assert_non_null(strstr(why, "not executable"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_marks),
                                       cmocka_unit_test(test_resolve)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
