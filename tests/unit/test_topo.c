/* Topology: counts, cache sizes, the compact/spread orders and the ladder
 * on synthetic EPYC-like nodes, checked against hwloc queried directly;
 * binding on the real machine checked with sched_getaffinity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <hwloc.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/node/topo.h"

#define EPYC_MILAN "pack:2 l3:8 core:8 pu:1"
#define EPYC_ROME_SMT "pack:2 l3:16 core:4 pu:2"
#define EPYC_NPS4 "pack:2 numa:4 l3:2 core:8 pu:1"
#define WITH_CACHES "pack:2 l3:8(size=33554432) l2:8(size=1048576) l1d:1(size=49152) core:1 pu:1"

static ob_topo *load(const char *desc)
{
    char err[256] = "";
    ob_topo *t = ob_topo_load_synthetic(desc, err, sizeof err);
    if (!t)
        fail_msg("ob_topo_load_synthetic(\"%s\"): %s", desc, err);
    return t;
}

/* Reference: per logical core, the logical index of its ancestor of
 * `type` in a topology hwloc loads itself from the same description
 * (-1 when there is none). */
static int *reference_ancestors(const char *desc, hwloc_obj_type_t type, int *ncores)
{
    hwloc_topology_t topo;
    assert_int_equal(hwloc_topology_init(&topo), 0);
    assert_int_equal(hwloc_topology_set_synthetic(topo, desc), 0);
    assert_int_equal(hwloc_topology_load(topo), 0);
    int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    assert_true(n > 0);
    int *anc = calloc(n > 0 ? (size_t)n : 1u, sizeof *anc);
    assert_non_null(anc);
    for (int c = 0; c < n; c++) {
        hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)c);
        hwloc_obj_t a = NULL;
        if (type == HWLOC_OBJ_NUMANODE) {
            hwloc_obj_t numa = NULL;
            while ((numa = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, numa)))
                if (hwloc_bitmap_isincluded(core->cpuset, numa->cpuset))
                    a = numa;
        } else {
            a = hwloc_get_ancestor_obj_by_type(topo, type, core);
        }
        anc[c] = a ? (int)a->logical_index : -1;
    }
    hwloc_topology_destroy(topo);
    *ncores = n;
    return anc;
}

static void assert_permutation(const int *order, int n)
{
    int *seen = calloc((size_t)n, sizeof *seen);
    assert_non_null(seen);
    for (int i = 0; i < n; i++) {
        assert_in_range(order[i], 0, n - 1);
        assert_int_equal(seen[order[i]], 0);
        seen[order[i]] = 1;
    }
    free(seen);
}

static void get_orders(ob_topo *t, int **compact, int **spread)
{
    int n = ob_topo_core_count(t);
    *compact = malloc((size_t)n * sizeof **compact);
    *spread = malloc((size_t)n * sizeof **spread);
    assert_non_null(*compact);
    assert_non_null(*spread);
    assert_int_equal(ob_topo_order(t, OB_PLACE_COMPACT, *compact, n), n);
    assert_int_equal(ob_topo_order(t, OB_PLACE_SPREAD, *spread, n), n);
    assert_permutation(*compact, n);
    assert_permutation(*spread, n);
}

static void test_milan_counts_and_defaults(void **state)
{
    (void)state;
    ob_topo *t = load(EPYC_MILAN);
    assert_int_equal(ob_topo_core_count(t), 128);
    assert_int_equal(ob_topo_package_count(t), 2);
    assert_int_equal(ob_topo_l3_domain_count(t), 16);
    assert_int_equal(ob_topo_cores_per_l3(t), 8);
    assert_int_equal(ob_topo_numa_count(t), 1);
    assert_int_equal(ob_topo_is_this_system(t), 0);
    ob_machine m;
    ob_topo_machine(t, &m);
    /* The description names no L1/L2: those stay 0 ("unknown") for the
     * kernels' fallbacks; the L3 gets hwloc's synthetic default. */
    assert_int_equal(m.l1d_bytes, 0);
    assert_int_equal(m.l2_bytes, 0);
    assert_true(m.l3_bytes > 0);
    assert_int_equal(m.cores_per_l3, 8);
    assert_true(ob_topo_memory_bytes(t) > 0);
    ob_topo_free(t);
}

static void test_cache_sizes(void **state)
{
    (void)state;
    ob_topo *t = load(WITH_CACHES);
    ob_machine m;
    ob_topo_machine(t, &m);
    assert_int_equal(m.l1d_bytes, 49152);
    assert_int_equal(m.l2_bytes, 1048576);
    assert_int_equal(m.l3_bytes, 33554432);
    assert_int_equal(m.cores_per_l3, 8);
    ob_topo_free(t);
}

static void test_compact_fills_one_l3_after_the_next(void **state)
{
    (void)state;
    const char *descs[] = {EPYC_MILAN, EPYC_ROME_SMT, EPYC_NPS4};
    for (size_t d = 0; d < sizeof descs / sizeof *descs; d++) {
        ob_topo *t = load(descs[d]);
        int n, *compact, *spread;
        int *l3 = reference_ancestors(descs[d], HWLOC_OBJ_L3CACHE, &n);
        assert_int_equal(ob_topo_core_count(t), n);
        get_orders(t, &compact, &spread);
        int per = ob_topo_cores_per_l3(t);
        assert_true(per > 0);
        /* The i-th core filled lies in the (i / per)-th L3 domain, and
         * within a domain cores go in topology order. */
        for (int i = 0; i < n; i++) {
            assert_int_equal(l3[compact[i]], i / per);
            if (i % per)
                assert_true(compact[i] > compact[i - 1]);
        }
        free(l3);
        free(compact);
        free(spread);
        ob_topo_free(t);
    }
}

static void test_spread_alternates_packages_and_l3(void **state)
{
    (void)state;
    const char *descs[] = {EPYC_MILAN, EPYC_ROME_SMT, EPYC_NPS4};
    for (size_t d = 0; d < sizeof descs / sizeof *descs; d++) {
        ob_topo *t = load(descs[d]);
        int n, *compact, *spread;
        int *l3 = reference_ancestors(descs[d], HWLOC_OBJ_L3CACHE, &n);
        int *pkg = reference_ancestors(descs[d], HWLOC_OBJ_PACKAGE, &n);
        get_orders(t, &compact, &spread);
        int domains = ob_topo_l3_domain_count(t);
        int *hits = calloc((size_t)domains, sizeof *hits);
        assert_non_null(hits);
        for (int i = 0; i < n; i++) {
            assert_int_equal(pkg[spread[i]], i % 2); /* packages alternate */
            if (i < domains) {
                /* the first `domains` cores: one per L3, each its domain's first core */
                assert_int_equal(hits[l3[spread[i]]]++, 0);
                assert_int_equal(compact[(size_t)l3[spread[i]] * (size_t)(n / domains)], spread[i]);
            }
        }
        free(hits);
        free(l3);
        free(pkg);
        free(compact);
        free(spread);
        ob_topo_free(t);
    }
}

static void test_spread_visits_numa_nodes_first(void **state)
{
    (void)state;
    ob_topo *t = load(EPYC_NPS4);
    assert_int_equal(ob_topo_numa_count(t), 8);
    assert_int_equal(ob_topo_l3_domain_count(t), 16);
    int n, *compact, *spread;
    int *numa = reference_ancestors(EPYC_NPS4, HWLOC_OBJ_NUMANODE, &n);
    get_orders(t, &compact, &spread);
    int seen[8] = {0};
    for (int i = 0; i < 8; i++)
        assert_int_equal(seen[numa[spread[i]]]++, 0);
    /* the next eight are the second L3 of each NUMA node, again one per node */
    for (int i = 8; i < 16; i++)
        assert_int_equal(seen[numa[spread[i]]]++, 1);
    free(numa);
    free(compact);
    free(spread);
    ob_topo_free(t);
}

static void test_rome_smt_os_index(void **state)
{
    (void)state;
    ob_topo *t = load(EPYC_ROME_SMT);
    assert_int_equal(ob_topo_core_count(t), 128);
    assert_int_equal(ob_topo_l3_domain_count(t), 32);
    assert_int_equal(ob_topo_cores_per_l3(t), 4);
    /* Synthetic PUs are numbered in order: core c holds PUs 2c, 2c+1. */
    for (int c = 0; c < 128; c++)
        assert_int_equal(ob_topo_core_os_index(t, c), 2 * c);
    assert_int_equal(ob_topo_core_os_index(t, 128), -1);
    assert_int_equal(ob_topo_core_os_index(t, -1), -1);
    ob_topo_free(t);
}

static void test_single_core_and_no_l3(void **state)
{
    (void)state;
    ob_topo *t = load("core:1 pu:1");
    assert_int_equal(ob_topo_core_count(t), 1);
    assert_int_equal(ob_topo_l3_domain_count(t), 1); /* the machine stands in */
    assert_int_equal(ob_topo_cores_per_l3(t), 0);
    ob_machine m;
    ob_topo_machine(t, &m);
    assert_int_equal(m.l3_bytes, 0);
    assert_int_equal(m.cores_per_l3, 0);
    int order[4] = {-1, -1, -1, -1};
    assert_int_equal(ob_topo_order(t, OB_PLACE_SPREAD, order, 4), 1);
    assert_int_equal(order[0], 0);
    ob_topo_free(t);

    /* Without L3, packages are the domains: spread alternates them. */
    t = load("pack:2 core:4 pu:1");
    assert_int_equal(ob_topo_l3_domain_count(t), 2);
    assert_int_equal(ob_topo_cores_per_l3(t), 0);
    int compact[8], spread[8];
    assert_int_equal(ob_topo_order(t, OB_PLACE_COMPACT, compact, 8), 8);
    assert_int_equal(ob_topo_order(t, OB_PLACE_SPREAD, spread, 8), 8);
    const int want_spread[8] = {0, 4, 1, 5, 2, 6, 3, 7};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(compact[i], i);
        assert_int_equal(spread[i], want_spread[i]);
    }
    /* A short buffer gets the first entries only. */
    assert_int_equal(ob_topo_order(t, OB_PLACE_SPREAD, spread, 3), 3);
    assert_int_equal(spread[1], 4);
    ob_topo_free(t);
}

static void test_bad_synthetic_is_an_error(void **state)
{
    (void)state;
    char err[256] = "";
    assert_null(ob_topo_load_synthetic("pack:two core:x", err, sizeof err));
    assert_non_null(strstr(err, "pack:two core:x"));
}

/* Reference ladder: a membership test per k, independent of the
 * generator's loop. */
/* The levels spelled out the slow way: every k tested against each rule. */
static int reference_ladder(int cores, int per_l3, int l3s, int packages, int max_k, int *out)
{
    int top = (max_k > 0 && max_k < cores) ? max_k : cores;
    int n = 0;
    for (int k = 1; k <= top; k++) {
        int member = k == top || k == per_l3 || (l3s > 1 && k == l3s);
        for (int b = 1; b <= packages; b++)
            member |= cores % packages == 0 && k == b * (cores / packages);
        for (int p = 1; p <= k; p *= 2)
            member |= p == k;
        if (member)
            out[n++] = k;
    }
    return n;
}

static void test_ladder(void **state)
{
    (void)state;
    int got[256], want[256];
    /* Rome: 128 cores, 32 L3 domains of 4, 2 packages: 8 levels */
    int n = ob_ladder_default(128, 4, 32, 2, 128, got, 256);
    const int rome[] = {1, 2, 4, 8, 16, 32, 64, 128};
    assert_int_equal(n, 8);
    assert_memory_equal(got, rome, sizeof rome);
    /* a 2-socket Intel node of 2 x 40 cores, one L3 per socket */
    n = ob_ladder_default(80, 40, 2, 2, 80, got, 256);
    const int intel[] = {1, 2, 4, 8, 16, 32, 40, 64, 80};
    assert_int_equal(n, 9);
    assert_memory_equal(got, intel, sizeof intel);
    /* 96 cores, 12 L3 domains of 8: the per-domain levels 8 and 12 */
    n = ob_ladder_default(96, 8, 12, 2, 96, got, 256);
    const int odd[] = {1, 2, 4, 8, 12, 16, 32, 48, 64, 96};
    assert_int_equal(n, 10);
    assert_memory_equal(got, odd, sizeof odd);

    /* capped at the ranks on the node: the cap becomes the top step */
    n = ob_ladder_default(128, 8, 16, 2, 20, got, 256);
    const int capped[] = {1, 2, 4, 8, 16, 20};
    assert_int_equal(n, 6);
    assert_memory_equal(got, capped, sizeof capped);

    /* the short buffer keeps the smallest steps */
    assert_int_equal(ob_ladder_default(128, 8, 16, 2, 0, got, 3), 3);
    assert_int_equal(got[2], 4);

    /* 2-core VM; Rome CCX of 4; no L3; odd counts; a cap above the cores */
    const int cases[][5] = {{2, 2, 1, 1, 2},    {128, 4, 32, 2, 128}, {24, 6, 4, 1, 0},
                            {96, 12, 8, 2, 96}, {7, 0, 1, 1, 7},      {1, 0, 1, 1, 1},
                            {64, 8, 8, 1, 100}, {126, 6, 21, 2, 0},   {30, 5, 6, 4, 30}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        n = ob_ladder_default(cases[c][0], cases[c][1], cases[c][2], cases[c][3], cases[c][4], got,
                              256);
        int m =
            reference_ladder(cases[c][0], cases[c][1], cases[c][2], cases[c][3], cases[c][4], want);
        assert_int_equal(n, m);
        assert_memory_equal(got, want, (size_t)n * sizeof *got);
    }
    assert_int_equal(ob_ladder_default(0, 8, 1, 1, 8, got, 256), 0);
}

static void test_xml_and_env_override(void **state)
{
    (void)state;
    ob_topo *t = load(EPYC_MILAN);
    char *xml = ob_topo_xml(t);
    assert_non_null(xml);
    assert_non_null(strstr(xml, "<topology"));
    assert_non_null(strstr(xml, "L3Cache"));
    ob_topo_free(t);

    /* hwloc reads HWLOC_XMLFILE itself: ob_topo_load sees the saved node. */
    char path[] = "/tmp/occbench-topo-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(xml);
    assert_int_equal(write(fd, xml, len), (ssize_t)len);
    close(fd);
    free(xml);
    char err[256] = "";
    assert_int_equal(setenv("HWLOC_XMLFILE", path, 1), 0);
    t = ob_topo_load(err, sizeof err);
    unsetenv("HWLOC_XMLFILE");
    unlink(path);
    assert_non_null(t);
    assert_int_equal(ob_topo_core_count(t), 128);
    assert_int_equal(ob_topo_l3_domain_count(t), 16);
    ob_topo_free(t);

    assert_int_equal(setenv("HWLOC_SYNTHETIC", EPYC_ROME_SMT, 1), 0);
    t = ob_topo_load(err, sizeof err);
    unsetenv("HWLOC_SYNTHETIC");
    assert_non_null(t);
    assert_int_equal(ob_topo_core_count(t), 128);
    assert_int_equal(ob_topo_cores_per_l3(t), 4);
    ob_topo_free(t);
}

static void test_bind_real_machine(void **state)
{
    (void)state;
    char err[256] = "";
    ob_topo *t = ob_topo_load(err, sizeof err);
    if (!t)
        fail_msg("ob_topo_load: %s", err);
    assert_int_equal(ob_topo_is_this_system(t), 1);
    cpu_set_t before, now;
    assert_int_equal(sched_getaffinity(0, sizeof before, &before), 0);

    int last = ob_topo_core_count(t) - 1;
    int cores[2] = {0, last};
    for (int i = 0; i < 2; i++) {
        if (ob_topo_bind_thread(t, cores[i], err, sizeof err) != 0)
            fail_msg("bind core %d: %s", cores[i], err);
        assert_int_equal(sched_getaffinity(0, sizeof now, &now), 0);
        printf("bound to core %d: %d CPU(s), CPU %d set: %d\n", cores[i], CPU_COUNT(&now),
               ob_topo_core_os_index(t, cores[i]),
               CPU_ISSET(ob_topo_core_os_index(t, cores[i]), &now) ? 1 : 0);
        assert_int_equal(CPU_COUNT(&now), 1);
        assert_true(CPU_ISSET(ob_topo_core_os_index(t, cores[i]), &now));
        assert_int_equal(sched_getcpu(), ob_topo_core_os_index(t, cores[i]));
    }

    assert_int_equal(ob_topo_bind_thread(t, last + 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "out of range"));

    assert_int_equal(ob_topo_unbind_thread(t, err, sizeof err), 0);
    assert_int_equal(sched_getaffinity(0, sizeof now, &now), 0);
    assert_int_equal(CPU_COUNT(&now), CPU_COUNT(&before));
    ob_topo_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_milan_counts_and_defaults),
        cmocka_unit_test(test_cache_sizes),
        cmocka_unit_test(test_compact_fills_one_l3_after_the_next),
        cmocka_unit_test(test_spread_alternates_packages_and_l3),
        cmocka_unit_test(test_spread_visits_numa_nodes_first),
        cmocka_unit_test(test_rome_smt_os_index),
        cmocka_unit_test(test_single_core_and_no_l3),
        cmocka_unit_test(test_bad_synthetic_is_an_error),
        cmocka_unit_test(test_ladder),
        cmocka_unit_test(test_xml_and_env_override),
        cmocka_unit_test(test_bind_real_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
