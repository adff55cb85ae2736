/* Metric resolution (driver/measure/events.c) against a fake PAPI layer, plus one
 * run against the real PAPI of this machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <papi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver/measure/measure.h"
#include "driver/measure/builtin.h"
#include "driver/measure/papi_counters.h"

/* ---- fake PAPI ------------------------------------------------------------- */

typedef struct fake {
    const char *vendor;
    int family, model;
    const char *const *present;   /* NULL-terminated */
    const char *const *conflicts; /* pairs: {a, b, c, d, NULL}: a/b cannot coexist */
    int init_fails;
    int calls;
} fake;

static int listed(const char *const *list, const char *e)
{
    for (; list && *list; list++)
        if (strcmp(*list, e) == 0)
            return 1;
    return 0;
}

static int fake_init(void *user, const char *overrides, char *err, size_t errlen)
{
    (void)overrides;
    fake *f = user;
    if (f->init_fails) {
        snprintf(err, errlen, "fake init failure");
        return -1;
    }
    return 0;
}

static int fake_try(void *user, const char *const *events, int n, char *err, size_t errlen)
{
    fake *f = user;
    f->calls++;
    for (int i = 0; i < n; i++)
        if (!listed(f->present, events[i])) {
            snprintf(err, errlen, "Event does not exist");
            return -7;
        }
    for (int i = 0; f->conflicts && f->conflicts[i]; i += 2)
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                if (strcmp(events[a], f->conflicts[i]) == 0 &&
                    strcmp(events[b], f->conflicts[i + 1]) == 0) {
                    snprintf(err, errlen,
                             "Event exists, but cannot be counted due to "
                             "hardware resource limits");
                    return -8;
                }
    return 0;
}

static int fake_cpu(void *user, char *vendor, size_t vlen, int *family, int *model)
{
    fake *f = user;
    snprintf(vendor, vlen, "%s", f->vendor);
    *family = f->family;
    *model = f->model;
    return 0;
}

static ob_papi_ops ops_for(fake *f)
{
    ob_papi_ops o = {fake_init, fake_try, fake_cpu, f, NULL};
    return o;
}

/* Write `text` to a fresh temporary file; returns its path (static buffer per call site). */
static void write_conf(char *path, size_t len, const char *text)
{
    snprintf(path, len, "/tmp/occbench-test-events-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

static const char *conf_basic =
    "# test file\n"
    "section intel vendor=GenuineIntel family=6\n"
    "cycles INTEL_CYC\n"
    "section zen4 vendor=AuthenticAMD family=0x19 models=0x10-0x1f,0x61\n"
    "cycles ZEN4_CYC\n"
    "section zen3 vendor=AuthenticAMD family=0x19\n"
    "cycles A B\n"
    "instructions X Y Z\n"
    "ref_cycles R1\n"
    "llc_misses L1 L2\n"
    "section generic\n"
    "cycles C A\n"
    "instructions G_INS\n"
    "task_clock T*1e-9 occbench::THREAD-CPUTIME*1e-9\n";

typedef struct result {
    ob_metric_source src[OB_METRIC_COUNT];
    char label[128];
    char err[512];
    int rc;
} result;

static result resolve(fake *f, const char *conf_text, const char *overrides)
{
    char path[64];
    write_conf(path, sizeof path, conf_text);
    ob_papi_ops o = ops_for(f);
    result r;
    memset(&r, 0, sizeof r);
    r.rc = ob_metrics_resolve(&o, path, overrides, r.src, r.label, sizeof r.label, r.err,
                              sizeof r.err);
    unlink(path);
    return r;
}

static const char *const everything[] = {"INTEL_CYC", "ZEN4_CYC", "A",  "B",  "C",     "X", "Y",
                                         "Z",         "R1",       "L1", "L2", "G_INS", "T", NULL};

static void test_all_present_first_wins(void **state)
{
    (void)state;
    fake f = {"AuthenticAMD", 0x19, 0x01, everything, NULL, 0, 0};
    result r = resolve(&f, conf_basic, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "A");
    assert_true(r.src[OB_METRIC_CYCLES].available);
    assert_string_equal(r.src[OB_METRIC_CYCLES].reason,
                        "first available candidate in section zen3");
    assert_string_equal(r.src[OB_METRIC_INSTRUCTIONS].event, "X");
    assert_string_equal(r.src[OB_METRIC_REF_CYCLES].event, "R1");
    assert_string_equal(r.src[OB_METRIC_LLC_MISSES].event, "L1");
    /* task_clock comes from generic, with the file's scale. */
    assert_string_equal(r.src[OB_METRIC_TASK_CLOCK].event, "T");
    assert_true(r.src[OB_METRIC_TASK_CLOCK].scale == 1e-9);
    assert_string_equal(r.src[OB_METRIC_TASK_CLOCK].reason,
                        "first available candidate in section generic");
    assert_true(r.src[OB_METRIC_CYCLES].scale == 1.0);
    assert_non_null(strstr(r.label, "zen3"));
}

static void test_first_absent_second_wins(void **state)
{
    (void)state;
    const char *const present[] = {"B", "X", "T", NULL};
    fake f = {"AuthenticAMD", 0x19, 0x01, present, NULL, 0, 0};
    result r = resolve(&f, conf_basic, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "B");
    assert_true(r.src[OB_METRIC_CYCLES].available);
    assert_non_null(strstr(r.src[OB_METRIC_CYCLES].reason, "section zen3"));
    assert_non_null(strstr(r.src[OB_METRIC_CYCLES].reason, "A: Event does not exist"));
}

static void test_none_present_lists_all(void **state)
{
    (void)state;
    const char *const present[] = {"X", NULL};
    fake f = {"AuthenticAMD", 0x19, 0x01, present, NULL, 0, 0};
    result r = resolve(&f, conf_basic, NULL);
    assert_int_equal(r.rc, 0);
    const ob_metric_source *c = &r.src[OB_METRIC_CYCLES];
    assert_false(c->available);
    assert_string_equal(c->event, "");
    /* A, B (zen3) and C (generic; A not repeated), each with its error. */
    assert_non_null(strstr(c->reason, "A, B, C: Event does not exist"));
    assert_null(strstr(c->reason, "A, B, C, A"));
    const ob_metric_source *l = &r.src[OB_METRIC_LLC_MISSES];
    assert_false(l->available);
    assert_non_null(strstr(l->reason, "L1, L2: Event does not exist"));
    /* task_clock: T fails, the built-in serves and says so. */
    const ob_metric_source *t = &r.src[OB_METRIC_TASK_CLOCK];
    assert_true(t->available);
    assert_string_equal(t->event, OB_EVENT_THREAD_CPUTIME);
    assert_non_null(strstr(t->reason, "T: Event does not exist"));
}

static void test_conflicting_event_skipped(void **state)
{
    (void)state;
    /* X cannot be counted together with the accepted cycles event A. */
    const char *const conflicts[] = {"A", "X", NULL};
    fake f = {"AuthenticAMD", 0x19, 0x01, everything, conflicts, 0, 0};
    result r = resolve(&f, conf_basic, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "A");
    assert_string_equal(r.src[OB_METRIC_INSTRUCTIONS].event, "Y");
    assert_non_null(strstr(r.src[OB_METRIC_INSTRUCTIONS].reason, "X: Event exists, but cannot"));
}

static void test_section_selection(void **state)
{
    (void)state;
    fake intel = {"GenuineIntel", 6, 0x55, everything, NULL, 0, 0};
    result r = resolve(&intel, conf_basic, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "INTEL_CYC");
    assert_true(strncmp(r.label, "intel ", 6) == 0);
    /* intel lists no instructions: generic serves it. */
    assert_string_equal(r.src[OB_METRIC_INSTRUCTIONS].event, "G_INS");
    assert_non_null(strstr(r.src[OB_METRIC_INSTRUCTIONS].reason, "section generic"));

    fake zen4 = {"AuthenticAMD", 0x19, 0x61, everything, NULL, 0, 0};
    r = resolve(&zen4, conf_basic, NULL);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "ZEN4_CYC");
    assert_true(strncmp(r.label, "zen4 ", 5) == 0);
    fake zen4b = {"AuthenticAMD", 0x19, 0x15, everything, NULL, 0, 0};
    r = resolve(&zen4b, conf_basic, NULL);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "ZEN4_CYC");
    /* 0x60 is outside zen4's model list: zen3 (no model restriction) serves. */
    fake zen3 = {"AuthenticAMD", 0x19, 0x60, everything, NULL, 0, 0};
    r = resolve(&zen3, conf_basic, NULL);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "A");
    assert_true(strncmp(r.label, "zen3 ", 5) == 0);

    fake other = {"HygonGenuine", 0x18, 0x00, everything, NULL, 0, 0};
    r = resolve(&other, conf_basic, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "C");
    assert_true(strncmp(r.label, "generic ", 8) == 0);
    assert_non_null(strstr(r.label, "HygonGenuine"));
    assert_false(r.src[OB_METRIC_REF_CYCLES].available);
    assert_non_null(strstr(r.src[OB_METRIC_REF_CYCLES].reason, "no candidate listed"));
}

static void test_overrides(void **state)
{
    (void)state;
    fake f = {"AuthenticAMD", 0x19, 0x01, everything, NULL, 0, 0};
    result r = resolve(&f, conf_basic, "cycles=B,task_clock=T");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.src[OB_METRIC_CYCLES].event, "B");
    assert_string_equal(r.src[OB_METRIC_CYCLES].reason, "set by --events");
    /* T keeps the file's scale when the override gives none. */
    assert_true(r.src[OB_METRIC_TASK_CLOCK].scale == 1e-9);
    assert_string_equal(r.src[OB_METRIC_INSTRUCTIONS].event, "X");

    r = resolve(&f, conf_basic, "cycles=B*2");
    assert_true(r.src[OB_METRIC_CYCLES].scale == 2.0);

    r = resolve(&f, conf_basic, "cycels=B");
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err, "'cycels'"));
    assert_non_null(strstr(r.err, "cycles, instructions, ref_cycles, llc_misses, task_clock"));

    r = resolve(&f, conf_basic, "cycles");
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err, "METRIC=EVENT"));

    /* An override that cannot be counted is bad input (no silent run without
     * it, no fallback to A), naming the event and PAPI's reason. */
    r = resolve(&f, conf_basic, "cycles=NOPE");
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err, "--events cycles=NOPE: not countable here"));
    assert_non_null(strstr(r.err, "Event does not exist"));
    r = resolve(&f, conf_basic, "cycles=A,");
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err, "an empty element"));
    r = resolve(&f, conf_basic, ",");
    assert_int_equal(r.rc, -1);
}

static void expect_parse_error(const char *text, const char *line_tag, const char *what)
{
    fake f = {"AuthenticAMD", 0x19, 0x01, everything, NULL, 0, 0};
    char path[64];
    write_conf(path, sizeof path, text);
    ob_papi_ops o = ops_for(&f);
    ob_metric_source src[OB_METRIC_COUNT];
    char label[64], err[512] = "";
    int rc = ob_metrics_resolve(&o, path, NULL, src, label, sizeof label, err, sizeof err);
    assert_int_equal(rc, -1);
    char where[128];
    snprintf(where, sizeof where, "%s:%s:", path, line_tag);
    if (!strstr(err, where) || !strstr(err, what))
        fail_msg("error '%s' lacks '%s' or '%s'", err, where, what);
    assert_null(strchr(err, '\n'));
    unlink(path);
}

static void test_malformed_file(void **state)
{
    (void)state;
    expect_parse_error("section a\ncycles A\ncycels B\n", "3", "unknown metric 'cycels'");
    expect_parse_error("# c\n\ncycles A\n", "3", "before any 'section'");
    expect_parse_error("section a colour=red\n", "1", "unknown section key 'colour'");
    expect_parse_error("section a family=zen\n", "1", "bad family 'zen'");
    expect_parse_error("section a models=0x20-0x10\n", "1", "bad models");
    expect_parse_error("section a\ncycles A*0\n", "2", "bad event 'A*0'");
    expect_parse_error("section a\ncycles\n", "2", "lists no event");
    expect_parse_error("section a\nsection a\n", "2", "defined twice");
    expect_parse_error("section generic family=6\n", "1", "takes no keys");
}

static void test_missing_file(void **state)
{
    (void)state;
    fake f = {"AuthenticAMD", 0x19, 0x01, everything, NULL, 0, 0};
    ob_papi_ops o = ops_for(&f);
    ob_metric_source src[OB_METRIC_COUNT];
    char label[64], err[512] = "";
    assert_int_equal(ob_metrics_resolve(&o, "/nonexistent/events.conf", NULL, src, label,
                                        sizeof label, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "/nonexistent/events.conf"));
}

static void test_init_failure(void **state)
{
    (void)state;
    fake f = {"AuthenticAMD", 0x19, 0x01, everything, NULL, 1, 0};
    result r = resolve(&f, conf_basic, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(f.calls, 0);
    assert_false(r.src[OB_METRIC_CYCLES].available);
    assert_non_null(strstr(r.src[OB_METRIC_CYCLES].reason, "fake init failure"));
    assert_true(r.src[OB_METRIC_TASK_CLOCK].available);
    assert_string_equal(r.src[OB_METRIC_TASK_CLOCK].event, OB_EVENT_THREAD_CPUTIME);
}

/* ---- the real PAPI on this machine ------------------------------------------- */

/* Independent check: can PAPI add this one event to an empty event set? */
static int papi_adds_alone(const char *event)
{
    int set = PAPI_NULL;
    if (PAPI_create_eventset(&set) != PAPI_OK)
        return 0;
    int ok = PAPI_add_named_event(set, event) == PAPI_OK;
    PAPI_cleanup_eventset(set);
    PAPI_destroy_eventset(&set);
    return ok;
}

static int cpuinfo_family(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    int fam = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "cpu family : %d", &fam) == 1)
            break;
    if (f)
        fclose(f);
    return fam;
}

static void test_real_papi(void **state)
{
    (void)state;
    ob_metric_source src[OB_METRIC_COUNT];
    char label[128], err[512] = "";
    const char *file = OB_SOURCE_DIR "/data/events.conf";
    int rc = ob_metrics_resolve(ob_papi_real_ops(), file, NULL, src, label, sizeof label, err,
                                sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    char fam[32];
    snprintf(fam, sizeof fam, "family 0x%x", (unsigned)cpuinfo_family());
    assert_non_null(strstr(label, fam));
    printf("cpu: %s\n", label);
    for (int m = 0; m < OB_METRIC_COUNT; m++) {
        printf("  %-12s %-28s %s\n", ob_metric_name((ob_metric)m),
               src[m].available ? src[m].event : "(missing)", src[m].reason);
        assert_true(src[m].reason[0] != '\0');
        if (src[m].available) {
            assert_true(src[m].event[0] != '\0');
            if (strncmp(src[m].event, OB_BUILTIN_EVENT_PREFIX, 10) != 0)
                assert_true(papi_adds_alone(src[m].event));
        } else {
            /* Missing: the file's first candidates really fail here. */
            assert_string_equal(src[m].event, "");
            assert_non_null(strstr(src[m].reason, "perf::"));
        }
    }
    /* the device components occbench never counts were not initialised;
     * perf_event (the CPU counters) was */
    int devices = 0, cpu = 0;
    for (int c = 0; c < PAPI_num_components(); c++) {
        const PAPI_component_info_t *info = PAPI_get_component_info(c);
        assert_non_null(info);
        if (ob_papi_disabled_component(info->name)) {
            devices++;
            assert_true(info->disabled != 0);
            assert_non_null(strstr(info->disabled_reason, "PAPI_disable_component"));
        }
        cpu += !strcmp(info->name, "perf_event") && !strstr(info->disabled_reason, "PAPI_disable");
    }
    printf("  %d device component(s) disabled before PAPI_library_init\n", devices);
    assert_int_equal(cpu, 1);
    /* task_clock has a built-in last resort, so it is always served. */
    assert_true(src[OB_METRIC_TASK_CLOCK].available);
    assert_true(src[OB_METRIC_TASK_CLOCK].scale == 1e-9);
    /* Without counters (this VM), PAPI's reason for it is recorded. */
    if (!papi_adds_alone("perf::CYCLES")) {
        assert_false(src[OB_METRIC_CYCLES].available);
        assert_non_null(strstr(src[OB_METRIC_CYCLES].reason, "perf::CYCLES"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_present_first_wins),
        cmocka_unit_test(test_first_absent_second_wins),
        cmocka_unit_test(test_none_present_lists_all),
        cmocka_unit_test(test_conflicting_event_skipped),
        cmocka_unit_test(test_section_selection),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_malformed_file),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_init_failure),
        cmocka_unit_test(test_real_papi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
