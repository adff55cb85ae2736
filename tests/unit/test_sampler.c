/* Node sampler (driver/sampler.c): a pinned busy loop must show up as a
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
#include <unistd.h>

#include "occbench/measure.h"
#include "occbench/sampler.h"

static volatile double sink;

static void busy_for(double seconds)
{
    double t0 = ob_now(), x = 0;
    while (ob_now() - t0 < seconds)
        for (int i = 0; i < 10000; i++)
            x += i * 1e-9;
    sink = x;
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busy_cpu_tagged_with_step),
        cmocka_unit_test(test_stop_is_prompt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
