/* The kernel author's contract, checked for every kernel of the registry
 * (kernels/registry.c), so a new kernel needs no test file to be held to
 * it: it plans at every preset on small and large machines, declares
 * options whose defaults are accepted, names its phases; at the ci preset
 * it sets up, runs, verifies, verifies again after a second repetition,
 * fails verification once its output is corrupted (its corrupt() hook), and
 * tears down leaving no file behind. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/framework.h"
#include "occbench/kernel.h"

static char tmpdir[64];

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void test_every_kernel_declares_what_the_driver_needs(void **state)
{
    (void)state;
    assert_true(ob_kernel_count() >= 9);
    for (size_t i = 0; i < ob_kernel_count(); i++) {
        const ob_kernel *k = ob_kernel_at(i);
        assert_non_null(k->name);
        assert_ptr_equal(ob_kernel_find(k->name), k); /* names are unique */
        assert_true(k->summary && *k->summary);
        assert_true(k->plan && k->setup && k->run && k->verify && k->teardown);
        if (!k->corrupt)
            fail_msg("kernel %s has no corrupt() hook", k->name);
        int np = ob_kernel_phase_count(k);
        assert_true(np >= 1 && np <= OB_MAX_PHASES);
        for (int p = 0; p < np; p++) {
            assert_true(k->phases[p][0] != '\0');
            for (int q = 0; q < p; q++)
                if (!strcmp(k->phases[p], k->phases[q]))
                    fail_msg("kernel %s names phase %s twice", k->name, k->phases[p]);
        }
        assert_true(ob_kernel_option_count(k) <= OB_KOPT_MAX);
        ob_kopt_values v;
        char err[256] = "";
        if (ob_kopts_resolve(k, NULL, 0, &v, err, sizeof err) != 0)
            fail_msg("kernel %s: its own defaults are refused: %s", k->name, err);
        for (int j = 0; j < ob_kernel_option_count(k); j++)
            assert_true(k->options[j].help && *k->options[j].help);
    }
}

static void test_every_kernel_plans_at_every_preset(void **state)
{
    (void)state;
    const ob_machine machines[] = {
        {0, 0, 0, 0},                        /* unknown: documented fallbacks */
        {32 << 10, 512 << 10, 16u << 20, 4}, /* Rome-like L3 domain */
        {48 << 10, 2 << 20, 96u << 20, 8},   /* Genoa-X-like */
    };
    for (size_t i = 0; i < ob_kernel_count(); i++) {
        const ob_kernel *k = ob_kernel_at(i);
        for (size_t m = 0; m < sizeof machines / sizeof machines[0]; m++)
            for (int p = 0; p < OB_PRESET_COUNT; p++) {
                ob_plan plan;
                char why[256] = "";
                if (ob_kernel_plan(k, (ob_preset)p, &machines[m], NULL, &plan, why, sizeof why) !=
                    OB_OK)
                    fail_msg("%s at %s: %s", k->name, ob_preset_name((ob_preset)p), why);
                assert_true(plan.footprint_bytes > 0);
                assert_true(plan.work_units > 0);
                assert_true(plan.work_unit && plan.figure_name && plan.figure_scale > 0);
                assert_true(plan.description[0] != '\0');
            }
    }
}

static void run_ci_contract(const ob_kernel *k)
{
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, tmpdir);
    void *st = NULL;
    if (k->setup(ctx, &st) != OB_OK)
        fail_msg("%s setup: %s", k->name, ob_ctx_error(ctx));
    char why[512] = "";
    for (int rep = 0; rep < 2; rep++) {
        if (k->run(st, ctx) != OB_OK)
            fail_msg("%s run %d: %s", k->name, rep, ob_ctx_error(ctx));
        if (k->verify(st, why, sizeof why) != 0)
            fail_msg("%s verify after run %d: %s", k->name, rep, why);
    }
    assert_int_equal(k->run(st, ctx), OB_OK);
    k->corrupt(st);
    why[0] = '\0';
    if (k->verify(st, why, sizeof why) == 0)
        fail_msg("%s: verify passed a corrupted output", k->name);
    assert_true(why[0] != '\0'); /* and said why */
    print_message("%-7s corrupted output refused: %.100s\n", k->name, why);
    k->teardown(st);
    assert_int_equal(count_files(tmpdir), 0);
    ob_ctx_standalone_free(ctx);
}

static void test_every_kernel_runs_verifies_and_refuses_corruption(void **state)
{
    (void)state;
    for (size_t i = 0; i < ob_kernel_count(); i++)
        run_ci_contract(ob_kernel_at(i));
}

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ob-registry-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kernel_declares_what_the_driver_needs),
        cmocka_unit_test(test_every_kernel_plans_at_every_preset),
        cmocka_unit_test(test_every_kernel_runs_verifies_and_refuses_corruption),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
