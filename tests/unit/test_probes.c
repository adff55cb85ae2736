/* The probes (triad, chase, freq) through the kernel interface: each
 * validates at ci, a corrupted result fails verify() with a reason, the
 * triad's arrays match a scalar re-run of the sequence, the clock probe
 * agrees with /proc/cpuinfo within a wide band, and plans grow with the
 * preset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/freq_probe.h"
#include "kernels/probes/probes.h"
#include "driver/node/topo.h"

typedef struct probe_run {
    const ob_kernel *k;
    ob_ctx *ctx;
    void *state;
    ob_plan plan;
} probe_run;

static ob_machine this_machine(void)
{
    char err[256] = "";
    ob_machine m;
    memset(&m, 0, sizeof m);
    ob_topo *t = ob_topo_load(err, sizeof err);
    if (!t)
        fail_msg("ob_topo_load: %s", err);
    ob_topo_machine(t, &m);
    ob_topo_free(t);
    return m;
}

static probe_run start(const char *name, ob_preset preset, const ob_machine *m)
{
    probe_run r = {.k = ob_kernel_find(name)};
    if (!r.k)
        fail_msg("kernel %s is not registered", name);
    assert_int_equal(ob_kernel_plan(r.k, preset, m, NULL, &r.plan, NULL, 0), OB_OK);
    r.ctx = ob_ctx_standalone(preset, m, "/tmp");
    assert_non_null(r.ctx);
    if (r.k->setup(r.ctx, &r.state) != OB_OK)
        fail_msg("%s setup: %s", name, ob_ctx_error(r.ctx));
    return r;
}

static void finish(probe_run *r)
{
    r->k->teardown(r->state);
    ob_ctx_standalone_free(r->ctx);
}

static double figure(const ob_plan *p, double seconds)
{
    return p->figure_inverse ? p->figure_scale * seconds / p->work_units
                             : p->figure_scale * p->work_units / seconds;
}

static void test_registered(void **state)
{
    (void)state;
    assert_ptr_equal(ob_kernel_find("triad"), &ob_kernel_triad);
    assert_ptr_equal(ob_kernel_find("chase"), &ob_kernel_chase);
    assert_ptr_equal(ob_kernel_find("freq"), &ob_kernel_freq);
    assert_int_equal(ob_kernel_phase_count(&ob_kernel_triad), 1);
    assert_int_equal(ob_kernel_phase_count(&ob_kernel_chase), 1);
    assert_int_equal(ob_kernel_phase_count(&ob_kernel_freq), 1);
}

static void test_each_probe_validates_at_ci(void **state)
{
    (void)state;
    ob_machine here = this_machine(), unknown;
    memset(&unknown, 0, sizeof unknown);
    const char *names[] = {"triad", "chase", "freq"};
    for (size_t n = 0; n < 3; n++)
        for (int mi = 0; mi < 2; mi++) {
            probe_run r = start(names[n], OB_PRESET_CI, mi ? &unknown : &here);
            for (int rep = 0; rep < 2; rep++) {
                double before = ob_ctx_standalone_phase_seconds(r.ctx, 0);
                assert_int_equal(r.k->run(r.state, r.ctx), OB_OK);
                double secs = ob_ctx_standalone_phase_seconds(r.ctx, 0) - before;
                assert_true(secs > 0.0);
                char why[512] = "";
                if (r.k->verify(r.state, why, sizeof why) != 0)
                    fail_msg("%s rep %d: %s", names[n], rep, why);
                printf("%-6s ci (%s machine) rep %d: %.3f s, %.3f %s  [%s]\n", names[n],
                       mi ? "unknown" : "this", rep, secs, figure(&r.plan, secs),
                       r.plan.figure_name, r.plan.description);
            }
            finish(&r);
        }
}

/* The scalar recurrence the triad arrays must follow, from the initial
 * contents of element i: pass j writes term j into array j % 3. */
static void test_triad_matches_scalar_rerun(void **state)
{
    (void)state;
    ob_machine here = this_machine();
    probe_run r = start("triad", OB_PRESET_CI, &here);
    size_t n = 0;
    double *arr[3];
    for (int k = 0; k < 3; k++)
        arr[k] = ob_triad_test_array(r.state, k, &n);
    assert_null(ob_triad_test_array(r.state, 3, NULL));
    const size_t probes[] = {0, 1, 6, 76, n / 2, n - 1};
    double ref[6][3];
    for (size_t p = 0; p < 6; p++)
        for (int k = 0; k < 3; k++)
            ref[p][k] = arr[k][probes[p]];
    double passes = r.plan.work_units / (24.0 * (double)n);
    assert_true(passes >= 1.0 && passes == floor(passes));
    const int reps = 3;
    for (int rep = 0; rep < reps; rep++)
        assert_int_equal(r.k->run(r.state, r.ctx), OB_OK);
    for (size_t p = 0; p < 6; p++) {
        for (uint64_t j = 3; j < 3 + (uint64_t)passes * reps; j++)
            ref[p][j % 3] = ref[p][(j - 1) % 3] + (-1.0) * ref[p][(j - 2) % 3];
        for (int k = 0; k < 3; k++)
            assert_true(ref[p][k] == arr[k][probes[p]]);
    }
    char why[512] = "";
    assert_int_equal(r.k->verify(r.state, why, sizeof why), 0);
    finish(&r);
}

static void test_triad_corruption_fails(void **state)
{
    (void)state;
    ob_machine here = this_machine();
    const double bad[] = {1.0, 1e-11, NAN};
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        probe_run r = start("triad", OB_PRESET_CI, &here);
        assert_int_equal(r.k->run(r.state, r.ctx), OB_OK);
        size_t n;
        double *a = ob_triad_test_array(r.state, 1, &n);
        size_t at = n / 3 + 5;
        a[at] = isnan(bad[b]) ? NAN : a[at] * (1.0 + bad[b]);
        char why[512] = "", where[64];
        assert_int_not_equal(r.k->verify(r.state, why, sizeof why), 0);
        printf("corrupted by %g: %s\n", bad[b], why);
        snprintf(where, sizeof where, "array 1 [%zu]", at);
        assert_non_null(strstr(why, "does not validate"));
        assert_non_null(strstr(why, where));
        assert_non_null(strstr(why, " 1 of "));
        finish(&r);
    }
}

static void test_chase_broken_link_fails(void **state)
{
    (void)state;
    ob_machine here = this_machine();
    probe_run r = start("chase", OB_PRESET_CI, &here);
    char why[512] = "";
    for (int rep = 0; rep < 3; rep++) {
        assert_int_equal(r.k->run(r.state, r.ctx), OB_OK);
        assert_int_equal(r.k->verify(r.state, why, sizeof why), 0);
    }
    size_t nodes = ob_chase_test_nodes(r.state);
    assert_true(r.plan.work_units >= (double)nodes); /* every link is followed each rep */
    assert_int_equal(ob_chase_test_relink(r.state, nodes, 0), -1);
    /* A self-loop: once the chase reaches node 17 it stays there. */
    assert_int_equal(ob_chase_test_relink(r.state, 17, 17), 0);
    assert_int_equal(r.k->run(r.state, r.ctx), OB_OK);
    assert_int_not_equal(r.k->verify(r.state, why, sizeof why), 0);
    printf("self-loop: %s\n", why);
    assert_non_null(strstr(why, "at node 17,"));
    assert_non_null(strstr(why, "broken"));
    finish(&r);

    /* A link that skips a node: the chase falls out of step with the walk. */
    r = start("chase", OB_PRESET_CI, &here);
    assert_int_equal(ob_chase_test_relink(r.state, 3, 1), 0);
    assert_int_equal(r.k->run(r.state, r.ctx), OB_OK);
    assert_int_not_equal(r.k->verify(r.state, why, sizeof why), 0);
    printf("relinked: %s\n", why);
    finish(&r);
}

static void test_freq_chain_counts(void **state)
{
    (void)state;
    const uint64_t counts[] = {0, 1, 255, 256, 257, 1000003, 50000000};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        assert_true(ob_freq_chain(counts[i]) == counts[i]);
}

static void test_freq_probe_vs_cpuinfo(void **state)
{
    (void)state;
    double ghz = ob_freq_probe_ghz(0.2);
    double mhz = ob_cpuinfo_mhz();
    printf("freq probe: %.3f GHz; /proc/cpuinfo cpu MHz: %.1f\n", ghz, mhz);
    assert_true(ghz > 0.0);
    if (mhz <= 0.0) {
        printf("no cpu MHz in /proc/cpuinfo: comparison skipped\n");
        skip();
    }
    assert_true(ghz > 0.3 * mhz / 1000.0);
    assert_true(ghz < 3.0 * mhz / 1000.0);
}

static void test_freq_implausible_clock_fails(void **state)
{
    (void)state;
    probe_run r = start("freq", OB_PRESET_CI, NULL);
    assert_int_equal(r.k->run(r.state, r.ctx), OB_OK);
    char why[512] = "";
    assert_int_equal(r.k->verify(r.state, why, sizeof why), 0);
    ob_freq_test_set_seconds(r.state, 10.0); /* 1.5e8 adds in 10 s: 0.015 GHz */
    assert_int_not_equal(r.k->verify(r.state, why, sizeof why), 0);
    printf("slow: %s\n", why);
    assert_non_null(strstr(why, "0.015 GHz"));
    ob_freq_test_set_seconds(r.state, 0.001); /* 150 GHz */
    assert_int_not_equal(r.k->verify(r.state, why, sizeof why), 0);
    assert_non_null(strstr(why, "outside"));
    finish(&r);
}

static void test_plans_grow_with_preset(void **state)
{
    (void)state;
    ob_machine machines[4];
    memset(machines, 0, sizeof machines);
    machines[0] = this_machine();
    machines[1] = (ob_machine){
        .l1d_bytes = 32768, .l2_bytes = 512 * 1024, .l3_bytes = 16u << 20, .cores_per_l3 = 8};
    machines[2] = (ob_machine){.l2_bytes = 2u << 20, .l3_bytes = (size_t)1 << 30};
    /* machines[3]: everything unknown */
    const ob_kernel *kernels[] = {&ob_kernel_triad, &ob_kernel_chase};
    for (size_t k = 0; k < 2; k++)
        for (size_t m = 0; m < 4; m++) {
            ob_plan p[OB_PRESET_COUNT];
            for (int s = 0; s < OB_PRESET_COUNT; s++) {
                assert_int_equal(
                    ob_kernel_plan(kernels[k], (ob_preset)s, &machines[m], NULL, &p[s], NULL, 0),
                    OB_OK);
                assert_true(p[s].work_units > 0.0);
                assert_true(p[s].description[0] != '\0');
            }
            assert_true(p[OB_PRESET_CI].footprint_bytes < p[OB_PRESET_SMALL].footprint_bytes);
            assert_true(p[OB_PRESET_SMALL].footprint_bytes <= p[OB_PRESET_LSST].footprint_bytes);
        }
    /* small and lsst triad arrays are at least 4 L3s each (the L3 is 16 MiB here) */
    ob_plan p;
    assert_int_equal(
        ob_kernel_plan(&ob_kernel_triad, OB_PRESET_SMALL, &machines[1], NULL, &p, NULL, 0), OB_OK);
    assert_true(p.footprint_bytes >= 3 * 4 * machines[1].l3_bytes);
    assert_string_equal(p.figure_name, "GB/s");
    assert_int_equal(p.figure_inverse, 0);
    assert_int_equal(
        ob_kernel_plan(&ob_kernel_chase, OB_PRESET_SMALL, &machines[1], NULL, &p, NULL, 0), OB_OK);
    assert_true(p.footprint_bytes >= 2 * machines[1].l3_bytes);
    assert_string_equal(p.figure_name, "ns/load");
    assert_int_equal(p.figure_inverse, 1);
    assert_int_equal(ob_kernel_plan(&ob_kernel_freq, OB_PRESET_CI, NULL, NULL, &p, NULL, 0), OB_OK);
    assert_string_equal(p.figure_name, "GHz");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_each_probe_validates_at_ci),
        cmocka_unit_test(test_triad_matches_scalar_rerun),
        cmocka_unit_test(test_triad_corruption_fails),
        cmocka_unit_test(test_chase_broken_link_fails),
        cmocka_unit_test(test_freq_chain_counts),
        cmocka_unit_test(test_freq_probe_vs_cpuinfo),
        cmocka_unit_test(test_freq_implausible_clock_fails),
        cmocka_unit_test(test_plans_grow_with_preset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
