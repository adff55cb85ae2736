/* Known-answer tests of the analysis modules (decompose.c, stats.c,
 * plan.c): synthetic repetitions built from the model's own variables,
 * each term of the decomposition recovered within 1%. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analysis/analyze.h"

#define NREPS 41

/* True values of one level: clock f (GHz), cycles Y (G), off-CPU B, run-queue Q (s),
 * and the block-I/O part of B (NaN: delay accounting off). */
typedef struct truth {
    double ghz, gcycles, blocked, runq, io;
} truth;

static double jitter(unsigned i)
{
    unsigned long long z = (i + 11) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 29)) * 0xBF58476D1CE4E5B9ULL;
    z ^= z >> 32;
    return (double)(z % 2001) / 1000.0 - 1.0; /* [-1, 1] */
}

/* Per-repetition OS/counter samples for a level, 0.3% noise. With
 * hw=0 the cycle counter is NaN and the probe clock is recorded instead. */
static void make_reps(const truth *t, int hw, unsigned seed, dc_rep *out, dc_cycles_source *src)
{
    for (unsigned i = 0; i < NREPS; i++) {
        double f = t->ghz * (1 + 0.003 * jitter(seed + 4 * i));
        double Y = t->gcycles * 1e9 * (1 + 0.003 * jitter(seed + 4 * i + 1));
        double C = Y / (f * 1e9);
        double B = t->blocked * (1 + 0.003 * jitter(seed + 4 * i + 2));
        double Q = t->runq * (1 + 0.003 * jitter(seed + 4 * i + 3));
        ob_sample s;
        ob_sample_set_nan(&s);
        s.wall = C + B + Q;
        s.cpu_time = C;
        /* getrusage's tick accounting: off by up to a 4 ms tick; never used */
        s.user = 0.004 * floor(0.8 * C / 0.004 + 0.5 * (1 + jitter(seed + 4 * i)));
        s.sys = 0.004 * floor(0.2 * C / 0.004);
        s.run_delay = Q;
        s.blkio = isfinite(t->io) ? t->io * B / t->blocked : NAN;
        s.cycles = hw ? Y : NAN;
        s.instr = hw ? 2e9 : NAN;
        s.llc_miss = hw ? 1e6 : NAN;
        dc_cpu_source cpu;
        out[i] = dc_from_sample(&s, i % 3, hw ? NAN : f, src, &cpu);
        assert_int_equal(cpu, DC_CPU_THREAD_CLOCK);
    }
}

/* Expected terms straight from the DESIGN section 5 formulas on the truths. */
static dc_terms expected(const truth *b, const truth *k)
{
    dc_terms e;
    double Tb = b->gcycles / b->ghz + b->blocked + b->runq;
    double Tk = k->gcycles / k->ghz + k->blocked + k->runq;
    e.v[DC_SLOWDOWN] = Tk - Tb;
    e.v[DC_CLOCK] = b->gcycles / k->ghz - b->gcycles / b->ghz;
    e.v[DC_CYCLES] = (k->gcycles - b->gcycles) / k->ghz;
    int io = isfinite(b->io) && isfinite(k->io);
    e.v[DC_BLOCKED] = io ? k->io - b->io : k->blocked - b->blocked;
    e.v[DC_SCHED] = k->runq - b->runq;
    e.v[DC_OTHER] = io ? (k->blocked - k->io) - (b->blocked - b->io) : NAN;
    return e;
}

static void check_case(const truth *b, const truth *k, int hw)
{
    dc_rep rb[NREPS], rk[NREPS];
    dc_cycles_source sb, sk;
    make_reps(b, hw, 1000, rb, &sb);
    make_reps(k, hw, 5000, rk, &sk);
    assert_int_equal(sb, hw ? DC_SRC_COUNTERS : DC_SRC_PROBE);
    assert_int_equal(sk, hw ? DC_SRC_COUNTERS : DC_SRC_PROBE);
    dc_result r = dc_decompose_ci(rb, NREPS, rk, NREPS, 200, 42);
    dc_terms e = expected(b, k);
    double slow = e.v[DC_SLOWDOWN];
    assert_true(slow > 0.1);
    for (int t = 0; t < DC_NTERMS; t++) {
        double got = r.point.v[t], want = e.v[t];
        if (isnan(want)) { /* not separated without delay accounting: said, not guessed */
            assert_true(isnan(got));
            continue;
        }
        /* within 1% of the term, or of the slowdown for terms that are 0 */
        double tol = 0.01 * (fabs(want) > 0 ? fabs(want) : slow);
        if (fabs(got - want) > tol)
            fail_msg("%s: got %.6g want %.6g (hw=%d)", dc_term_names[t], got, want, hw);
        assert_true(r.lo.v[t] <= r.point.v[t] + 1e-12 && r.point.v[t] <= r.hi.v[t] + 1e-12);
    }
    /* exact by construction: the terms add up to the slowdown */
    double sum = 0;
    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
        sum += isfinite(r.point.v[t]) ? r.point.v[t] : 0.0;
    assert_true(fabs(sum - r.point.v[DC_SLOWDOWN]) < 1e-12);
}

static const truth base = {3.0, 3.0, 0.05, 0.01, NAN};

static void test_clock_only(void **state)
{
    (void)state;
    truth k = {2.0, 3.0, 0.05, 0.01, NAN};
    check_case(&base, &k, 1);
    check_case(&base, &k, 0);
}

static void test_cycles_only(void **state)
{
    (void)state;
    truth k = {3.0, 4.5, 0.05, 0.01, NAN};
    check_case(&base, &k, 1);
    check_case(&base, &k, 0);
}

static void test_blocked_only(void **state)
{
    (void)state;
    truth k = {3.0, 3.0, 0.4, 0.01, NAN};
    check_case(&base, &k, 1);
    check_case(&base, &k, 0);
}

static void test_scheduler_only(void **state)
{
    (void)state;
    truth k = {3.0, 3.0, 0.05, 0.3, NAN};
    check_case(&base, &k, 1);
    check_case(&base, &k, 0);
}

static void test_all_mixed(void **state)
{
    (void)state;
    truth k = {2.4, 3.6, 0.3, 0.1, NAN};
    check_case(&base, &k, 1);
    check_case(&base, &k, 0);
}

/* With delay accounting the off-CPU time splits into its measured block-I/O
 * part and the rest. */
static void test_io_and_other_offcpu(void **state)
{
    (void)state;
    truth b = {3.0, 3.0, 0.05, 0.01, 0.02}, k = {3.0, 3.0, 0.45, 0.01, 0.32};
    check_case(&b, &k, 1); /* blocked +0.30 (I/O), other off-CPU +0.10 */
    check_case(&b, &k, 0);
}

static ob_rep_record rec(int rank, int rep, double t0, double cpu, double runq)
{
    ob_rep_record r;
    ob_record_fill_missing(&ob_rep_kind, &r);
    r.node = 0;
    r.rank = rank;
    r.core = 10 + rank;
    r.rep = rep;
    r.t0 = t0;
    r.s.wall = cpu + runq;
    r.s.cpu_time = cpu;
    r.s.run_delay = runq;
    r.s.blkio = NAN;
    r.f_probe = 3.0;
    return r;
}

/* Ranks of different speed: at k=2 rank 1 shares its core with a CPU hog
 * and runs at half speed (each repetition 1 s on CPU + 1 s waiting to run).
 * In the same 10 s window rank 0 does 10 repetitions, rank 1 five. By
 * hand: throughput 10/10 + 5/10 = 1.5 reps/s, efficiency 1.5/(2 x 1) =
 * 0.75; the time per repetition the throughput implies is 20 s / 15 =
 * 4/3 s, a slowdown of 1/3 s = (1/0.75 - 1) x 1 s, all of it run-queue
 * wait (5 x 1 s / 15 repetitions). A median over the 15 repetitions
 * (1 s) would hide it. */
static void test_slow_rank_moves_efficiency_and_scheduler(void **state)
{
    (void)state;
    ob_rep_record k1[10], k2[15];
    for (int i = 0; i < 10; i++)
        k1[i] = rec(0, i + 1, i, 1.0, 0.0);
    for (int i = 0; i < 10; i++)
        k2[i] = rec(0, i + 1, i, 1.0, 0.0);
    for (int i = 0; i < 5; i++)
        k2[10 + i] = rec(1, i + 1, 2.0 * i, 1.0, 1.0);
    double thr1 = ob_throughput_per_node(k1, 10, 1), thr2 = ob_throughput_per_node(k2, 15, 1);
    assert_true(fabs(thr1 - 1.0) < 1e-12 && fabs(thr2 - 1.5) < 1e-12);
    double eff = ob_efficiency(thr2, 2, thr1);
    assert_true(fabs(eff - 0.75) < 1e-12);
    dc_rep b[10], k[15];
    dc_cycles_source src;
    dc_cpu_source cpu;
    for (int i = 0; i < 10; i++)
        b[i] = dc_from_sample(&k1[i].s, k1[i].rank, k1[i].f_probe, &src, &cpu);
    for (int i = 0; i < 15; i++)
        k[i] = dc_from_sample(&k2[i].s, k2[i].rank, k2[i].f_probe, &src, &cpu);
    dc_level lb = dc_level_of(b, 10), lk = dc_level_of(k, 15);
    dc_terms t = dc_decompose(&lb, &lk);
    assert_true(fabs(t.v[DC_SLOWDOWN] / lb.T - (1.0 / eff - 1.0)) < 1e-12);
    assert_true(fabs(t.v[DC_SLOWDOWN] - 1.0 / 3.0) < 1e-12);
    assert_true(fabs(t.v[DC_SCHED] - 1.0 / 3.0) < 1e-12);
    assert_true(fabs(t.v[DC_CLOCK]) < 1e-12 && fabs(t.v[DC_CYCLES]) < 1e-12);
    assert_true(fabs(t.v[DC_BLOCKED]) < 1e-12 && isnan(t.v[DC_OTHER]));
    assert_true(lk.Tmed == 1.0); /* the median the old summary showed */
    /* the intervals resample whole ranks: both ranks' repetitions move together */
    dc_result r = dc_decompose_ci(b, 10, k, 15, 400, 7);
    assert_true(r.lo.v[DC_SCHED] <= 1.0 / 3.0 && r.hi.v[DC_SCHED] >= 1.0 / 3.0);
    assert_true(r.hi.v[DC_SCHED] > r.lo.v[DC_SCHED]); /* two ranks: real variation */
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Selection-based percentiles against a full sort, with many duplicates. */
static void test_percentile_vs_sort(void **state)
{
    (void)state;
    uint64_t rng = 7;
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + ob_splitmix64_index(&rng, 700);
        double *x = malloc(n * sizeof *x), *s = malloc(n * sizeof *s);
        for (size_t i = 0; i < n; i++)
            s[i] = x[i] = (double)ob_splitmix64_index(&rng, trial % 2 ? 5 : 100000);
        qsort(s, n, sizeof *s, cmp_d);
        double ps[] = {0, 2.5, 10, 50, 90, 97.5, 100};
        for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++) {
            double pos = ps[j] / 100.0 * (double)(n - 1);
            size_t lo = (size_t)pos;
            double want = s[lo] + (lo + 1 < n ? (pos - (double)lo) * (s[lo + 1] - s[lo]) : 0);
            assert_true(fabs(ob_percentile(x, n, ps[j]) - want) < 1e-9);
        }
        free(x);
        free(s);
    }
}

static void test_warning_checks(void **state)
{
    (void)state;
    assert_false(dc_instr_changed(1.019, 0.02));
    assert_true(dc_instr_changed(1.021, 0.02));
    assert_true(dc_instr_changed(0.97, 0.02));
    assert_false(dc_instr_changed(NAN, 0.02)); /* no instruction counts: no claim */
}

static void test_stats(void **state)
{
    (void)state;
    double x[] = {5, 1, NAN, 3, 2, 4};
    assert_true(ob_median(x, 6) == 3.0);
    assert_true(fabs(ob_percentile(x, 6, 25) - 2.0) < 1e-12);
    assert_true(isnan(ob_median(x, 0)));
    double xs[] = {0, 1, 2, 3}, ys[] = {1, 3, 5, 7}, a, r2;
    assert_true(fabs(an_ols_slope(xs, ys, 4, &a, &r2) - 2.0) < 1e-12);
    assert_true(fabs(a - 1.0) < 1e-12 && fabs(r2 - 1.0) < 1e-12);
    double same[] = {1, 1};
    assert_true(isnan(an_ols_slope(same, ys, 2, NULL, NULL)));
    int ks[] = {1, 2, 4, 8};
    double eff[] = {1.0, 0.97, 0.89, 0.6};
    assert_int_equal(dc_knee(ks, eff, 4, 0.9), 4);
    assert_int_equal(dc_knee(ks, eff, 2, 0.9), 0);
    assert_true(fabs(ob_efficiency(6.0, 4, 2.0) - 0.75) < 1e-12);
}

/* Figure of merit, hand-computed: ratios 2, 0.5, 4 have the geometric mean
 * (2 * 0.5 * 4)^(1/3) = 4^(1/3) = 1.5874011; a kernel one file lacks (NaN)
 * is left out of every file's mean but keeps its ratio where both have it. */
static void test_figure_of_merit(void **state)
{
    (void)state;
    double x[] = {2, 0.5, 4};
    assert_true(fabs(an_geomean(x, 3) - cbrt(4.0)) < 1e-12);
    assert_true(isnan(an_geomean(x, 0)));
    double bad[] = {2, 0, 4}, nan_in[] = {2, NAN};
    assert_true(isnan(an_geomean(bad, 3)));
    assert_true(isnan(an_geomean(nan_in, 2)));
    /* 3 files x 4 kernels; file 0 is the reference; kernel 3 is missing
     * from file 2, kernel 2 from the reference */
    double thr[] = {4,  2, NAN, 10, /* reference */
                    8,  1, 7,   20, /* ratios 2, 0.5, -, 2 */
                    12, 6, 5,   NAN /* ratios 3, 3, -, - */};
    double ratio[12], geomean[3];
    int in_mean[4];
    assert_int_equal(an_fom(thr, 3, 4, 0, ratio, in_mean, geomean), 2);
    assert_int_equal(in_mean[0], 1);
    assert_int_equal(in_mean[1], 1);
    assert_int_equal(in_mean[2], 0);
    assert_int_equal(in_mean[3], 0);
    assert_true(fabs(geomean[0] - 1.0) < 1e-12);
    assert_true(fabs(geomean[1] - 1.0) < 1e-12); /* sqrt(2 * 0.5) */
    assert_true(fabs(geomean[2] - 3.0) < 1e-12); /* sqrt(3 * 3) */
    assert_true(fabs(ratio[1 * 4 + 3] - 2.0) < 1e-12);
    assert_true(isnan(ratio[1 * 4 + 2]) && isnan(ratio[2 * 4 + 3]));
    /* only the first two files: kernel 3 is common again */
    assert_int_equal(an_fom(thr, 2, 4, 0, ratio, in_mean, geomean), 3);
    assert_true(fabs(geomean[1] - cbrt(2.0 * 0.5 * 2.0)) < 1e-12);
}

/* Hand-computed: 64 cores, 256 GB, cpu_factor 1.5.
 * isr: 2.4 M CPU hours, 2 GB -> floor(256/2)=128 >= 64: 64 (cores);
 *      2.4e6 * 1.5 / 64 / 24 = 2343.75 node-days.
 * coadd: 0.96 M CPU hours, 16 GB -> floor(256/16)=16 (memory);
 *      0.96e6 * 1.5 / 16 / 24 = 3750 node-days.
 * With a measured curve eff(16)=0.8 (interpolated between k=8 at 0.9 and
 * k=32 at 0.6): 3750 / 0.8 = 4687.5. */
static void test_plan_hand_computed(void **state)
{
    (void)state;
    pl_node node;
    char err[256];
    assert_int_equal(pl_parse_node("cores=64,mem_gb=256,cpu_factor=1.5", &node, err, sizeof err),
                     0);
    pl_task isr = {"isr", 1.0, 2.4, 2.0, 0}, coadd = {"coadd", 0.01, 0.96, 16.0, 0};
    pl_result r;
    assert_int_equal(pl_task_plan(&isr, &node, &r, err, sizeof err), 0);
    assert_int_equal(r.concurrency, 64);
    assert_string_equal(r.limited_by, "cores");
    assert_true(fabs(r.node_days - 2343.75) < 1e-9);
    assert_int_equal(pl_task_plan(&coadd, &node, &r, err, sizeof err), 0);
    assert_int_equal(r.concurrency, 16);
    assert_string_equal(r.limited_by, "memory");
    assert_true(fabs(r.node_days - 3750.0) < 1e-9);
    int ks[] = {1, 8, 32, 64};
    double eff[] = {1.0, 0.9, 0.6, 0.5};
    node.ks = ks;
    node.eff = eff;
    node.n = 4;
    assert_true(fabs(pl_efficiency_at(&node, 16) - 0.8) < 1e-12);
    assert_int_equal(pl_task_plan(&coadd, &node, &r, err, sizeof err), 0);
    assert_true(fabs(r.node_days - 4687.5) < 1e-9);
    pl_task huge = {"huge", 1, 1, 512, 0};
    assert_int_equal(pl_task_plan(&huge, &node, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "huge"));
    assert_int_equal(pl_parse_node("cores=64,mem_gb=x", &node, err, sizeof err), -1);
    assert_non_null(strstr(err, "mem_gb"));
    assert_int_equal(pl_parse_node("cores=64,disk=3", &node, err, sizeof err), -1);
    assert_non_null(strstr(err, "disk"));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_workload_parse(void **state)
{
    (void)state;
    char path[] = "/tmp/ob_workload_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    pl_task *t;
    size_t n;
    char err[512];
    write_file(path, "task,instances_millions,cpu_hours_millions,max_rss_gb\n# c\nisr,1,2.4,2\n"
                     "coadd , 0.01 , 0.96 , 16\n");
    assert_int_equal(pl_read_workload(path, &t, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(t[1].name, "coadd");
    assert_true(t[1].max_rss_gb == 16.0);
    free(t);
    write_file(path, "task,instances_millions,cpu_hours_millions,max_rss_gb\nisr,1,2.4,2\n"
                     "coadd,0.01,lots,16\n");
    assert_int_equal(pl_read_workload(path, &t, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, ":3: column 3 (cpu_hours_millions)"));
    write_file(path, "task,instances,cpu_hours_millions,max_rss_gb\n");
    assert_int_equal(pl_read_workload(path, &t, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, ":1: column 2"));
    write_file(path, "task,instances_millions,cpu_hours_millions,max_rss_gb\nisr,1,2\n");
    assert_int_equal(pl_read_workload(path, &t, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: expected 4 columns"));
    unlink(path);
}

/* The overview: the loss 1 - efficiency shared out in the terms' proportions,
 * and the sentence a site reads (shares of linear, as the table; terms by
 * size, under 1% left out), or why there are no shares (analysis/shares.c). */
static void set_slowdown(an_row *r, double s, double lo, double hi)
{
    r->terms.point.v[DC_SLOWDOWN] = s;
    r->terms.lo.v[DC_SLOWDOWN] = lo;
    r->terms.hi.v[DC_SLOWDOWN] = hi;
}

static void test_overview(void **state)
{
    (void)state;
    an_file file;
    memset(&file, 0, sizeof file);
    an_row rows[2];
    memset(rows, 0, sizeof rows);
    rows[0].k = 1;
    rows[0].efficiency = 1.0;
    rows[0].lvl.T = 2.0; /* the baseline's time: the 2% floor is 0.04 s */
    rows[1].k = 128;
    rows[1].throughput = 66.5;
    rows[1].efficiency = 0.52;
    /* slowdown 1.0 s per repetition: 0.61 clock, 0.25 cycles, 0.11 blocked,
     * 0.025 scheduler, 0.005 other (under 1%: left out of the sentence) */
    double v[DC_NTERMS] = {1.0, 0.61, 0.25, 0.11, 0.025, 0.005};
    for (int t = 0; t < DC_NTERMS; t++)
        rows[1].terms.point.v[t] = v[t];
    set_slowdown(&rows[1], 1.0, 0.9, 1.1);
    an_group g;
    memset(&g, 0, sizeof g);
    g.file = &file;
    snprintf(g.kernel, sizeof g.kernel, "isr");
    snprintf(g.placement, sizeof g.placement, "compact");
    g.rows = rows;
    g.nrows = 2;
    g.knee = 16;
    g.baseline_k = 1;
    an_overview o = an_overview_of(&g);
    assert_int_equal(o.k, 128);
    assert_int_equal(o.knee, 16);
    assert_int_equal(o.rule, AN_SHARES_GIVEN);
    assert_true(fabs(o.lost[DC_SLOWDOWN] - 0.48) < 1e-12);
    assert_true(fabs(o.lost[DC_CLOCK] - 0.48 * 0.61) < 1e-12);
    double sum = 0;
    for (int t = DC_CLOCK; t < DC_NTERMS; t++)
        sum += o.lost[t];
    assert_true(fabs(sum - 0.48) < 1e-12);
    char s[512];
    an_overview_sentence(&o, s, sizeof s);
    assert_string_equal(s, "isr (compact): 0.52 of linear at 128 ranks per node; lost (of "
                           "linear): 29.3% clock, 12.0% cache/memory, 5.3% I/O, 1.2% scheduler");
    /* no shares where the rule gives none, and the sentence says why */
    const struct {
        double s, lo, hi;
        an_share_rule rule;
        const char *words;
    } none[] = {
        {NAN, NAN, NAN, AN_SHARES_NO_BASELINE, "no slowdown measured against a baseline"},
        {0.2, -0.1, 0.5, AN_SHARES_INTERVAL_HAS_ZERO, "its 95% interval includes zero"},
        {0.03, 0.02, 0.04, AN_SHARES_BELOW_FLOOR, "under 2% of the baseline's time"},
        {-0.5, -0.6, -0.4, AN_SHARES_FASTER, "above linear beyond its noise"},
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        set_slowdown(&rows[1], none[i].s, none[i].lo, none[i].hi);
        o = an_overview_of(&g);
        assert_int_equal(o.rule, none[i].rule);
        for (int t = DC_SLOWDOWN; t < DC_NTERMS; t++)
            assert_true(isnan(o.lost[t]));
        assert_true(isnan(an_term_share(&rows[1], &rows[0], DC_CLOCK)));
        an_overview_sentence(&o, s, sizeof s);
        assert_non_null(strstr(s, none[i].words));
        assert_null(strstr(s, "lost"));
    }
    /* above linear: the monitor's evidence for the baseline step is said */
    an_step step1;
    memset(&step1, 0, sizeof step1);
    snprintf(step1.kernel, sizeof step1.kernel, "isr");
    snprintf(step1.placement, sizeof step1.placement, "compact");
    step1.k = 1;
    step1.attr.step = 0;
    ob_monitor_sample samples[2];
    memset(samples, 0, sizeof samples);
    samples[0].util_parked = 0.15;
    samples[1].util_parked = 0.25;
    an_monitor mon = {.node = 0, .s = samples, .n = 2};
    file.steps = &step1;
    file.nsteps = 1;
    file.mon = &mon;
    file.nmon = 1;
    set_slowdown(&rows[1], -0.5, -0.6, -0.4);
    o = an_overview_of(&g);
    an_overview_sentence(&o, s, sizeof s);
    assert_non_null(strstr(s, "parked cores were 20.0% busy"));
    assert_non_null(strstr(s, "not quiet: a disturbed baseline"));
    samples[0].util_parked = samples[1].util_parked = 0.01;
    o = an_overview_of(&g);
    an_overview_sentence(&o, s, sizeof s);
    assert_non_null(strstr(s, "the node looked quiet"));
    file.steps = NULL;
    file.nsteps = 0;
    file.mon = NULL;
    file.nmon = 0;
    /* the floor is 2% of T(baseline): just above it, shares again */
    set_slowdown(&rows[1], 0.041, 0.0405, 0.0415);
    assert_int_equal(an_shares_rule(&rows[1], &rows[0]), AN_SHARES_GIVEN);
    assert_true(fabs(an_term_share(&rows[1], &rows[0], DC_CLOCK) - 0.61 / 0.041) < 1e-12);
    assert_int_equal(an_shares_rule(&rows[0], &rows[0]), AN_SHARES_NO_BASELINE);
    set_slowdown(&rows[1], 1.0, 0.9, 1.1);
    rows[1].terms.point.v[DC_CLOCK] = -0.2; /* the clock rose: a gain, said as such */
    rows[1].terms.point.v[DC_CYCLES] = 1.2 - 0.11 - 0.025 - 0.005;
    o = an_overview_of(&g);
    an_overview_sentence(&o, s, sizeof s);
    assert_non_null(strstr(s, "-9.6% clock (a gain)"));
    rows[1].efficiency = NAN;
    o = an_overview_of(&g);
    an_overview_sentence(&o, s, sizeof s);
    assert_non_null(strstr(s, "no efficiency"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_only),
        cmocka_unit_test(test_cycles_only),
        cmocka_unit_test(test_blocked_only),
        cmocka_unit_test(test_scheduler_only),
        cmocka_unit_test(test_all_mixed),
        cmocka_unit_test(test_io_and_other_offcpu),
        cmocka_unit_test(test_slow_rank_moves_efficiency_and_scheduler),
        cmocka_unit_test(test_warning_checks),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_percentile_vs_sort),
        cmocka_unit_test(test_plan_hand_computed),
        cmocka_unit_test(test_workload_parse),
        cmocka_unit_test(test_figure_of_merit),
        cmocka_unit_test(test_overview),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
