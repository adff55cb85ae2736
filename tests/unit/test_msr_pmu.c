/* The APERF/MPERF reader (driver/measure/msr_pmu.c) on fake sysfs trees, then on
 * this machine: either the counters work (bare metal, permitted) and give
 * a plausible clock for a busy loop, or the failure names its reason. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "driver/measure/msr_pmu.h"

static char root[64];

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_tree(int with_aperf)
{
    const char *dirs[] = {"bus", "bus/event_source", "bus/event_source/devices",
                          "bus/event_source/devices/msr", "bus/event_source/devices/msr/events"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        mkdir(path, 0700);
    }
    put("bus/event_source/devices/msr/type", "11\n");
    put("bus/event_source/devices/msr/events/tsc", "event=0x00\n");
    if (with_aperf) {
        put("bus/event_source/devices/msr/events/aperf", "event=0x02\n");
        put("bus/event_source/devices/msr/events/mperf", "event=0x01\n");
    }
}

static void test_lookup_on_fake_trees(void **state)
{
    (void)state;
    unsigned type = 0;
    unsigned long long config = 0;
    char why[512] = "";
    assert_int_equal(ob_msr_pmu_lookup(root, "aperf", &type, &config, why, sizeof why), -1);
    assert_non_null(strstr(why, "no msr PMU"));
    make_tree(0); /* a VM: tsc only */
    assert_int_equal(ob_msr_pmu_lookup(root, "aperf", &type, &config, why, sizeof why), -1);
    assert_non_null(strstr(why, "has no aperf event"));
    make_tree(1);
    assert_int_equal(ob_msr_pmu_lookup(root, "aperf", &type, &config, why, sizeof why), 0);
    assert_int_equal(type, 11);
    assert_true(config == 2);
    assert_int_equal(ob_msr_pmu_lookup(root, "mperf", &type, &config, why, sizeof why), 0);
    assert_true(config == 1);
    put("bus/event_source/devices/msr/events/aperf", "umask=3\n");
    assert_int_equal(ob_msr_pmu_lookup(root, "aperf", &type, &config, why, sizeof why), -1);
    assert_non_null(strstr(why, "is not event=N"));
}

static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void test_this_machine(void **state)
{
    (void)state;
    char why[512] = "";
    int fd = ob_msr_pmu_open("/sys", "aperf", why, sizeof why);
    if (fd < 0) {
        printf("APERF not available here: %s\n", why);
        assert_true(why[0] != '\0'); /* never a silent failure */
        skip();
    }
    long long a0 = ob_msr_pmu_read(fd);
    double c0 = thread_seconds();
    volatile unsigned long long x = 0;
    while (thread_seconds() - c0 < 0.2)
        x = x + 1;
    double ghz = (double)(ob_msr_pmu_read(fd) - a0) / (thread_seconds() - c0) * 1e-9;
    close(fd);
    printf("APERF clock of a busy loop: %.3f GHz\n", ghz);
    assert_true(ghz > 0.2 && ghz < 10.0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/ob-msr-XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_on_fake_trees),
        cmocka_unit_test(test_this_machine),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
