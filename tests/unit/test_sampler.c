/* Node sampler (driver/measure/sampler.c): a pinned busy loop must show up as a
 * busy CPU in the samples of its step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver/measure/measure.h"
#include "test_util.h"
#include "driver/measure/sampler.h"

static int path_exists(const char *p)
{
    return access(p, R_OK) == 0;
}

static void test_busy_cpu_tagged_with_step(void **state)
{
    (void)state;
    double epoch = ob_now();
    ob_sampler *s = ob_sampler_start(0.1, epoch);
    assert_non_null(s);

    /* Pin this thread so we know which CPU the loop keeps busy. */
    int cpu = sched_getcpu();
    assert_true(cpu >= 0);
    cpu_set_t old, one;
    assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof old, &old), 0);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof one, &one), 0);

    int others[CPU_SETSIZE], nothers = 0;
    for (int c = 0; c < CPU_SETSIZE && nothers < 1024; c++)
        if (c != cpu && CPU_ISSET(c, &old))
            others[nothers++] = c;
    const int step = 7;
    ob_sampler_set_step(s, step, &cpu, 1, others, nothers);
    busy_for(0.55);
    ob_sampler_set_step(s, -1, NULL, 0, NULL, 0);
    pthread_setaffinity_np(pthread_self(), sizeof old, &old);

    ob_monitor_sample *smp = NULL;
    float *busy = NULL;
    int ncpus = 0;
    /* Give the thread the moment it needs to close the step's interval. */
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    size_t n = ob_sampler_drain(s, &smp, &busy, &ncpus);
    assert_true(ncpus > cpu);
    /* one column per CPU the kernel lists, not a jiffies count taken for an index */
    assert_int_equal(ncpus, (int)sysconf(_SC_NPROCESSORS_CONF));
    int tagged = 0, measured = 0;
    double busy_sum = 0, prev_t = -1;
    for (size_t i = 0; i < n; i++) {
        const ob_monitor_sample *m = &smp[i];
        assert_true(m->t > prev_t && m->t >= 0 && m->t < ob_now() - epoch + 1e-6);
        prev_t = m->t;
        assert_true(m->mem_used_bytes > 0 && m->mem_avail_bytes > 0);
        assert_int_equal(isnan(m->psi_cpu_some), !path_exists("/proc/pressure/cpu"));
        if (!path_exists("/sys/class/powercap"))
            assert_true(isnan(m->energy_j));
        for (int c = 0; c < ncpus; c++) {
            float b = busy[i * (size_t)ncpus + (size_t)c];
            assert_true(isnan(b) || (b >= 0 && b <= 1.0001f));
        }
        if (m->step != step)
            continue;
        tagged++;
        double mine = busy[i * (size_t)ncpus + (size_t)cpu];
        /* util_active is the mean over the active list: here just our CPU. */
        assert_int_equal(isnan(m->util_active), isnan(mine));
        if (isnan(mine))
            continue; /* an interval shorter than one jiffy */
        assert_true(fabs(m->util_active - mine) < 1e-6);
        busy_sum += mine;
        measured++;
        printf("t=%.3f step=%d busy(cpu%d)=%.2f util_busy=%.2f parked=%.2f psi_cpu=%.2f\n", m->t,
               m->step, cpu, mine, m->util_busy, m->util_parked, m->psi_cpu_some);
    }
    assert_true(tagged >= 3);
    /* Only intervals entirely inside the busy loop count fully; the mean
     * over the step is still dominated by them. */
    assert_true(measured >= 3);
    assert_true(busy_sum / measured > 0.7);
    free(smp);
    free(busy);

    ob_sampler_stop(s);
    /* stop takes a last sample, still drainable after the thread ended */
    n = ob_sampler_drain(s, &smp, &busy, &ncpus);
    assert_true(n >= 1);
    assert_int_equal(smp[n - 1].step, -1);
    free(smp);
    free(busy);
    n = ob_sampler_drain(s, &smp, &busy, &ncpus);
    assert_int_equal(n, 0);
    assert_null(smp);
    ob_sampler_free(s);
}

static void test_stop_is_prompt(void **state)
{
    (void)state;
    ob_sampler *s = ob_sampler_start(10.0, ob_now());
    assert_non_null(s);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    double t0 = ob_now();
    ob_sampler_free(s); /* stops and frees, without waiting out the 10 s period */
    assert_true(ob_now() - t0 < 1.0);
    assert_null(ob_sampler_start(0, 0));
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Wait until the sampler has taken at least one sample; returns the last. */
static ob_monitor_sample wait_sample(ob_sampler *s)
{
    ob_monitor_sample last;
    for (int tries = 0; tries < 200; tries++) {
        ob_monitor_sample *smp;
        float *busy;
        int ncpus;
        size_t n = ob_sampler_drain(s, &smp, &busy, &ncpus);
        if (n) {
            last = smp[n - 1];
            free(smp);
            free(busy);
            return last;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fail_msg("no sample within 1 s");
    return last;
}

/* Package energy from a fake powercap tree: subzones and non-package zones
 * are ignored, packages are summed, a wrap adds max_energy_range_uj. */
static void test_energy_sum_and_wrap(void **state)
{
    (void)state;
    char root[] = "/tmp/occbench-test-powercap-XXXXXX";
    assert_non_null(mkdtemp(root));
    char p0[128], p1[128], sub[128], psys[128];
    snprintf(p0, sizeof p0, "%s/intel-rapl:0", root);
    snprintf(p1, sizeof p1, "%s/intel-rapl:1", root);
    snprintf(sub, sizeof sub, "%s/intel-rapl:0:0", root);
    snprintf(psys, sizeof psys, "%s/intel-rapl:2", root);
    const char *dirs[] = {p0, p1, sub, psys};
    const char *names[] = {"package-0\n", "package-1\n", "core\n", "psys\n"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mkdir(dirs[i], 0700), 0);
        write_file(dirs[i], "name", names[i]);
        write_file(dirs[i], "max_energy_range_uj", "10000\n");
        write_file(dirs[i], "energy_uj", "1000\n");
    }
    setenv("OCCBENCH_POWERCAP_ROOT", root, 1);
    ob_sampler *s = ob_sampler_start(10.0, ob_now());
    unsetenv("OCCBENCH_POWERCAP_ROOT");
    assert_non_null(s);

    write_file(p0, "energy_uj", "9000\n");   /* +8000 */
    write_file(p1, "energy_uj", "1100\n");   /* +100 */
    write_file(sub, "energy_uj", "5000\n");  /* part of package-0: not added */
    write_file(psys, "energy_uj", "9999\n"); /* not a package: not added */
    ob_sampler_set_step(s, 1, NULL, 0, NULL, 0);
    ob_monitor_sample m = wait_sample(s);
    assert_true(fabs(m.energy_j - 8100e-6) < 1e-9);

    write_file(p0, "energy_uj", "500\n");  /* wrapped: +500 + 10000 - 9000 = +1500 */
    write_file(p1, "energy_uj", "1200\n"); /* +100 */
    ob_sampler_set_step(s, 2, NULL, 0, NULL, 0);
    m = wait_sample(s);
    assert_true(fabs(m.energy_j - 9700e-6) < 1e-9);
    ob_sampler_free(s);

    const char *files[] = {"name", "max_energy_range_uj", "energy_uj"};
    for (int i = 0; i < 4; i++) {
        for (int f = 0; f < 3; f++) {
            char path[256];
            snprintf(path, sizeof path, "%s/%s", dirs[i], files[f]);
            unlink(path);
        }
        rmdir(dirs[i]);
    }
    rmdir(root);
}

/* The node's steal share from /proc/stat (a fake one): the stolen jiffies
 * over all jiffies of the interval, summed over CPUs. */
static void test_steal_share(void **state)
{
    (void)state;
    char dir[] = "/tmp/occbench-test-stat-XXXXXX";
    assert_non_null(mkdtemp(dir));
    /* cpuN user nice system idle iowait irq softirq steal */
    write_file(dir, "stat",
               "cpu  0 0 0 0 0 0 0 0\ncpu0 100 0 0 100 0 0 0 0\n"
               "cpu1 100 0 0 100 0 0 0 0\nintr 0\n");
    char path[256];
    snprintf(path, sizeof path, "%s/stat", dir);
    setenv("OCCBENCH_PROC_STAT", path, 1);
    ob_sampler *s = ob_sampler_start(10.0, ob_now());
    unsetenv("OCCBENCH_PROC_STAT");
    assert_non_null(s);
    /* +100 jiffies per CPU; cpu0 lost 10 of them to the hypervisor, cpu1 30 */
    write_file(dir, "stat",
               "cpu  0 0 0 0 0 0 0 0\ncpu0 150 0 0 140 0 0 0 10\n"
               "cpu1 120 0 0 150 0 0 0 30\nintr 0\n");
    ob_sampler_set_step(s, 1, NULL, 0, NULL, 0);
    ob_monitor_sample m = wait_sample(s);
    assert_true(fabs(m.steal - 40.0 / 200.0) < 1e-12);
    assert_true(fabs(m.util_busy - (0.5 + 0.2) / 2) < 1e-6);
    ob_sampler_free(s);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busy_cpu_tagged_with_step),
        cmocka_unit_test(test_stop_is_prompt),
        cmocka_unit_test(test_energy_sum_and_wrap),
        cmocka_unit_test(test_steal_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
