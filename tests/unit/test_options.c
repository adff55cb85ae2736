/* Option parsing: every accepted form, and every bad input refused with
 * exit status 2 and a message naming the bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "driver/run/options.h"
#include "common/parse.h"

#define ARGV(...) ((char *const[]){"occbench", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"occbench", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(o, err, ...)                                                                         \
    ob_options_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o, err, sizeof err)

static void test_defaults(void **state)
{
    (void)state;
    ob_options o;
    char err[512] = "";
    char *const argv[] = {"occbench", NULL};
    assert_int_equal(ob_options_parse(1, argv, &o, err, sizeof err), 0);
    assert_int_equal(o.nkernels, (int)ob_kernel_count());
    assert_true(o.occupancy_auto);
    assert_int_equal(o.nplacements, 2);
    assert_int_equal(o.preset, OB_PRESET_SMALL);
    assert_true(o.window > 0);
    assert_int_equal(o.min_reps, 5);
    assert_null(o.output);
    assert_null(o.resume);
}

static void test_values_both_forms(void **state)
{
    (void)state;
    ob_options o;
    char err[512] = "";
    assert_int_equal(PARSE(&o, err, "--window=1.5s", "--min-reps", "7", "--preset=ci",
                           "--placement", "spread", "--occupancy", "4,1,2", "--output", "x.h5",
                           "--site=here", "--force"),
                     0);
    assert_true(fabs(o.window - 1.5) < 1e-12);
    assert_int_equal(o.min_reps, 7);
    assert_int_equal(o.preset, OB_PRESET_CI);
    assert_int_equal(o.nplacements, 1);
    assert_int_equal(o.placements[0], OB_PLACE_SPREAD);
    assert_false(o.occupancy_auto);
    assert_int_equal(o.noccupancy, 3); /* sorted (a repeated level is refused) */
    assert_int_equal(o.occupancy[0], 1);
    assert_int_equal(o.occupancy[1], 2);
    assert_int_equal(o.occupancy[2], 4);
    assert_string_equal(o.output, "x.h5");
    assert_string_equal(o.site, "here");
    assert_true(o.force);
}

static void test_window_units(void **state)
{
    (void)state;
    ob_options o;
    char err[512] = "";
    assert_int_equal(PARSE(&o, err, "--window", "500ms"), 0);
    assert_true(fabs(o.window - 0.5) < 1e-12);
    assert_int_equal(PARSE(&o, err, "--window", "2m"), 0);
    assert_true(fabs(o.window - 120.0) < 1e-12);
}

/* Each bad input: status 2 and the message contains `needle`. */
static void expect_bad(int argc, char *const argv[], const char *needle)
{
    ob_options o;
    char err[512] = "";
    assert_int_equal(ob_options_parse(argc, argv, &o, err, sizeof err), OB_EXIT_USAGE);
    if (!strstr(err, needle))
        fail_msg("message '%s' does not name '%s'", err, needle);
    assert_null(strchr(err, '\n'));
}

#define BAD(needle, ...) expect_bad(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), needle)

static void test_bad_inputs(void **state)
{
    (void)state;
    BAD("--bogus", "--bogus");
    BAD("nosuch", "--kernels", "nosuch");
    BAD("huge", "--preset", "huge");
    BAD("diagonal", "--placement", "diagonal");
    BAD("'0'", "--occupancy", "0");
    BAD("'-2'", "--occupancy", "-2");
    BAD("'two'", "--occupancy", "1,two");
    BAD("'4x'", "--occupancy", "4x");
    BAD("'10x'", "--window", "10x");
    BAD("'-1'", "--window", "-1");
    BAD("'0'", "--min-reps", "0");
    BAD("'3.5'", "--min-reps", "3.5");
    BAD("'1e3'", "--min-reps", "1e3");
    BAD("needs a value", "--output");
    BAD("stray", "stray");
    BAD("takes no value", "--force=yes");
    BAD("different files", "--resume", "a.h5", "--output", "b.h5");
    /* lists: no empty element, no repeated occupancy; no negative zero */
    BAD("'freq,,': an empty element", "--kernels", "freq,,");
    BAD("an empty element", "--kernels", ",freq");
    BAD("an empty element", "--occupancy", "1,2,");
    BAD("--occupancy: 1 given twice", "--occupancy", "1,1");
    BAD("'-0'", "--window", "-0");
    BAD("'-0s'", "--window", "-0s");
}

static void test_parse_numbers(void **state)
{
    (void)state;
    long long v;
    assert_int_equal(ob_parse_int("42", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(ob_parse_int("", &v), -1);
    assert_int_equal(ob_parse_int("4 2", &v), -1);
    assert_int_equal(ob_parse_int("99999999999999999999999", &v), -1);
    size_t b;
    assert_int_equal(ob_parse_bytes("64M", &b), 0);
    assert_int_equal(b, (size_t)64 << 20);
    assert_int_equal(ob_parse_bytes("2GiB", &b), 0);
    assert_int_equal(b, (size_t)2 << 30);
    assert_int_equal(ob_parse_bytes("1.5K", &b), 0);
    assert_int_equal(b, 1536);
    assert_int_equal(ob_parse_bytes("0.3", &b), -1); /* not a whole byte count */
    assert_int_equal(ob_parse_bytes("64Q", &b), -1);
    double s;
    assert_int_equal(ob_parse_seconds("1h", &s), 0);
    assert_true(fabs(s - 3600) < 1e-9);
    assert_int_equal(ob_parse_seconds("nan", &s), -1);
    assert_int_equal(ob_parse_seconds("inf", &s), -1);
}

/* A key of a "k=v;k=v" list: exact keys only, a field without '=' empty. */
static void test_kv_find(void **state)
{
    (void)state;
    const char *list = "preset=small;pre=x;flag;kernels=triad,freq", *v = NULL;
    size_t n = 99;
    assert_int_equal(ob_kv_find(list, "preset", 6, &v, &n), 1);
    assert_int_equal(n, 5);
    assert_memory_equal(v, "small", 5);
    assert_int_equal(ob_kv_find(list, "pre", 3, &v, &n), 1);
    assert_int_equal(n, 1);
    assert_memory_equal(v, "x", 1);
    assert_int_equal(ob_kv_find(list, "kernels", 7, &v, &n), 1);
    assert_int_equal(n, 10);
    assert_memory_equal(v, "triad,freq", 10);
    assert_int_equal(ob_kv_find(list, "flag", 4, &v, &n), 1);
    assert_int_equal(n, 0);
    assert_int_equal(ob_kv_find(list, "window", 6, &v, &n), 0);
    assert_int_equal(ob_kv_find(list, "kern", 4, &v, &n), 0);
    assert_int_equal(ob_kv_find("", "preset", 6, &v, &n), 0);
    assert_int_equal(ob_kv_find(NULL, "preset", 6, &v, &n), 0);
}

static void test_config_string(void **state)
{
    (void)state;
    ob_options o;
    char err[512] = "";
    assert_int_equal(PARSE(&o, err, "--preset", "ci", "--placement", "compact", "--window", "3"),
                     0);
    int ladder[] = {1, 2};
    char a[1024], b[1024];
    ob_options_config(&o, ladder, 2, 4, 1, a, sizeof a);
    assert_non_null(strstr(a, "placement=compact"));
    assert_non_null(strstr(a, "occupancy=1,2"));
    assert_non_null(strstr(a, "preset=ci"));
    assert_non_null(strstr(a, "ranks=4"));
    ob_options_config(&o, ladder, 2, 8, 1, b, sizeof b);
    assert_string_not_equal(a, b); /* a different launch is a different config */
}

/* --kopt: repeatable, both forms, canonical values, one config field per
 * option of every selected kernel (so --resume refuses a change). */
static void test_kernel_options(void **state)
{
    (void)state;
    ob_options o;
    char err[512] = "";
    unsetenv("OCCBENCH_GRID_STYLE");
    unsetenv("OCCBENCH_GRID_EPS");
    assert_int_equal(PARSE(&o, err, "--kernels", "grid,freq", "--kopt", "grid.style=ddf",
                           "--kopt=grid.eps=0.000001"),
                     0);
    assert_string_equal(ob_kopt_value(o.kernels[0]->options, &o.kopts[0], "style"), "ddf");
    assert_string_equal(ob_kopt_value(o.kernels[0]->options, &o.kopts[0], "eps"), "1e-06");
    assert_int_equal(o.kopts[1].n, 0); /* freq has no options */
    char config[4096];
    int ladder[] = {1};
    ob_options_config(&o, ladder, 1, 1, 1, config, sizeof config);
    assert_non_null(strstr(config, ";kopt.grid.style=ddf;kopt.grid.eps=1e-06;kopt.grid.wstack=0;"
                                   "kopt.grid.wproj=0"));
    char canon[256];
    ob_kopts_canonical(o.kernels[0], &o.kopts[0], canon, sizeof canon);
    assert_string_equal(canon, "style=ddf;eps=1e-06;wstack=0;wproj=0");
    /* the last --kopt of an option wins, as with every repeated option */
    assert_int_equal(
        PARSE(&o, err, "--kernels", "grid", "--kopt", "grid.style=ddf", "--kopt", "grid.style=es"),
        0);
    assert_string_equal(o.kopts[0].value[0], "es");
    assert_int_equal(PARSE(&o, err, "--kernels", "grid", "--kopt", "grid.style=x"), OB_EXIT_USAGE);
    assert_non_null(strstr(err, "--kopt grid.style=x: one of es,ddf is accepted"));
    assert_int_equal(PARSE(&o, err, "--kopt", "grid"), OB_EXIT_USAGE);
    assert_non_null(strstr(err, "KERNEL.NAME=VALUE"));
}

/* occbench [options] -- COMMAND: the job joins the kernels (alone without
 * --kernels), is named after its command unless --job-name, and its
 * command line (';' written %3B) is part of the config. */
static void test_job(void **state)
{
    (void)state;
    ob_options o;
    char err[512] = "", config[4096];
    assert_int_equal(PARSE(&o, err, "--window", "2", "--", "/bin/sh", "-c", "a; b", "--x"), 0);
    assert_int_equal(o.nkernels, 1);
    assert_string_equal(o.kernels[0]->name, "sh");
    assert_non_null(o.kernels[0]->own_sample);
    assert_int_equal(o.job.argc, 4);
    assert_string_equal(o.job.argv[3], "--x"); /* after --: the job's, not occbench's */
    ob_options_config(&o, (int[]){1}, 1, 1, 1, config, sizeof config);
    assert_non_null(strstr(config, ";job_name=sh;"));
    assert_non_null(strstr(config, ";job=/bin/sh -c a%3B b --x"));
    assert_int_equal(PARSE(&o, err, "--kernels", "triad", "--job-name", "mine", "--", "true"), 0);
    assert_int_equal(o.nkernels, 2);
    assert_string_equal(o.kernels[0]->name, "triad");
    assert_string_equal(o.kernels[1]->name, "mine");
    static const char *const bad[][4] = {
        {"--", NULL},                         /* nothing after -- */
        {"--job-name", "freq", "--", "true"}, /* a built-in kernel's name */
        {"--job-name", "a b", "--", "true"},  /* not a name */
        {"--job-timeout", "5", NULL},         /* job options without a job */
        {"--calibrate", "--", "true", NULL},  /* calibration is its own ladder */
    };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        char *argv[6] = {"occbench"};
        int argc = 1;
        for (int a = 0; a < 4 && bad[b][a]; a++)
            argv[argc++] = (char *)bad[b][a];
        err[0] = '\0';
        assert_int_equal(ob_options_parse(argc, argv, &o, err, sizeof err), OB_EXIT_USAGE);
        assert_true(strlen(err) > 10 && !strchr(err, '\n'));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_options),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values_both_forms),
        cmocka_unit_test(test_window_units),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_parse_numbers),
        cmocka_unit_test(test_kv_find),
        cmocka_unit_test(test_config_string),
        cmocka_unit_test(test_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
