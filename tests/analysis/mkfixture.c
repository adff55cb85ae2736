/* Writes synthetic occbench results files in the layout of
 * driver/record/results.h with serial HDF5, for the analysis tests.
 * Every level is given by its true model values, so each term of the
 * decomposition has a known answer:
 *   C = Y / f, T = C + B + Q (per repetition, with small deterministic noise)
 *   clock = Y1/f(k) - Y1/f(1), cycles = (Y(k)-Y1)/f(k), blocked = B(k)-B(1),
 *   scheduler = Q(k)-Q(1)
 * Usage: mkfixture OUT.h5 [--level k=K,ghz=F,gcycles=Y,blocked=B,runq=Q,instr=I,llc=L]...
 *        [options] (see usage()). A level may name its kernel (kernel=NAME),
 *        for files with several kernels. */
#include <hdf5.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "occbench/records.h"
#include "common/records_h5.h"

typedef struct level {
    int k;
    double ghz, gcycles, blocked, runq, ginstr, mllc;
    const char *kernel; /* NULL: --kernel (several kernels: kernel=NAME per level) */
} level;

static struct {
    const char *out, *kernel, *site, *drop, *phases[2], *config, *preset, *window_s, *timer_res;
    const char *kernel_options; /* every step's kernel_options attribute */
    int ranks_per_node;
    const char *placements[2];
    int nplacements, reps, nodes, cores, no_counters, complete, has_complete, unfinished, schema,
        has_schema, invalid, no_monitor, no_counters_table, no_provenance, vlen, nlevels, simulated,
        cut_short;
    double noise, parked, mem_gb, k1_spread, pss_kb;
    level lv[64];
} cfg;

static void usage(void)
{
    fprintf(stderr,
            "usage: mkfixture OUT.h5 [--level [kernel=NAME,]k=K,ghz=F,gcycles=Y,blocked=B,runq=Q,"
            "instr=G,llc=M]... [--kernel K] [--placements compact,spread] [--reps N] [--nodes N] "
            "[--cores N] [--mem-gb M] [--no-counters] [--noise X] [--phases a,b] "
            "[--incomplete] [--no-complete] [--unfinished] [--schema N] [--no-schema] "
            "[--drop COLUMN] [--invalid] [--parked-util X] [--no-monitor] "
            "[--no-counters-table] [--no-provenance] [--k1-spread X] [--site S] [--config S] "
            "[--vlen] [--simulated-binding] [--cut-short] [--preset P] [--window-s W] "
            "[--kernel-options S] "
            "[--timer-res S] [--ranks-per-node N] [--pss-kb KB]\n");
    exit(2);
}

static void parse_level(char *s, level *l)
{
    *l = (level){0, 3.0, 3.0, 0.0, 0.0, 2.0, 1.0, NULL};
    for (char *t = strtok(s, ","); t; t = strtok(NULL, ",")) {
        char *eq = strchr(t, '=');
        if (!eq)
            usage();
        *eq = 0;
        double v = atof(eq + 1);
        if (!strcmp(t, "kernel"))
            l->kernel = eq + 1; /* points into argv, which outlives the run */
        else if (!strcmp(t, "k"))
            l->k = (int)v;
        else if (!strcmp(t, "ghz"))
            l->ghz = v;
        else if (!strcmp(t, "gcycles"))
            l->gcycles = v;
        else if (!strcmp(t, "blocked"))
            l->blocked = v;
        else if (!strcmp(t, "runq"))
            l->runq = v;
        else if (!strcmp(t, "instr"))
            l->ginstr = v;
        else if (!strcmp(t, "llc"))
            l->mllc = v;
        else
            usage();
    }
    if (l->k < 1)
        usage();
}

/* Deterministic noise in [-1, 1]. */
static double wiggle(unsigned i)
{
    unsigned long long z = (i + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z ^= z >> 31;
    return (double)(z % 20001) / 10000.0 - 1.0;
}

/* Variable-length ASCII, or fixed-length null-padded UTF-8 as the
 * driver writes them: the reader must take both. */
static hid_t str_type(size_t fixed)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (cfg.vlen)
        H5Tset_size(t, H5T_VARIABLE);
    else {
        H5Tset_size(t, fixed);
        H5Tset_strpad(t, H5T_STR_NULLPAD);
        H5Tset_cset(t, H5T_CSET_UTF8);
    }
    return t;
}

static void attr_s(hid_t loc, const char *name, const char *v)
{
    size_t len = strlen(v) + 1;
    hid_t t = str_type(len), sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (cfg.vlen)
        H5Awrite(a, t, &v);
    else
        H5Awrite(a, t, v);
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
}

static void attr_i(hid_t loc, const char *name, int v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT, &v);
    H5Aclose(a);
    H5Sclose(sp);
}

static void attr_list(hid_t loc, const char *name, const char *const *v, int n)
{
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    if (cfg.vlen) {
        hid_t t = str_type(0);
        hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, v);
        H5Aclose(a);
        H5Tclose(t);
    } else {
        char buf[8][32];
        memset(buf, 0, sizeof buf);
        for (int i = 0; i < n && i < 8; i++)
            snprintf(buf[i], 32, "%s", v[i]);
        hid_t t = str_type(32);
        hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, buf);
        H5Aclose(a);
        H5Tclose(t);
    }
    H5Sclose(sp);
}

/* The writer's own types (common/records_h5.c), less the --drop column. */
static hid_t rep_type(void)
{
    return ob_h5_record_type(&ob_rep_kind, cfg.drop);
}

static hid_t phase_type(void)
{
    return ob_h5_record_type(&ob_phase_kind, cfg.drop);
}

static void write_table(hid_t loc, const char *name, hid_t type, const void *rows, size_t n)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (n)
        H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows);
    H5Dclose(d);
    H5Sclose(sp);
}

/* One repetition's sample from the level's truth, scaled by `share`. */
static ob_sample make_sample(const level *l, unsigned seed, double cshare, double bshare,
                             double qshare, double k1_spread)
{
    double n = cfg.noise;
    double Y = l->gcycles * 1e9 * (1 + n * wiggle(seed * 7 + 1));
    double f = l->ghz * 1e9 * (1 + n * wiggle(seed * 7 + 2));
    double B = l->blocked * (1 + n * wiggle(seed * 7 + 3));
    double Q = l->runq * (1 + n * wiggle(seed * 7 + 4));
    double C = Y / f;
    ob_sample s;
    Y *= cshare;
    C *= cshare;
    B *= bshare;
    Q *= qshare;
    s.wall = (C + B + Q) * (1 + k1_spread * wiggle(seed * 7 + 5));
    s.user = 0.9 * C;
    s.sys = 0.1 * C;
    s.run_delay = Q;
    s.blkio = B;
    s.rbytes = 1e6 * bshare;
    s.wbytes = 2e6 * bshare;
    s.vcsw = 10;
    s.ivcsw = 2;
    s.minflt = 100;
    s.majflt = 0;
    s.cycles = cfg.no_counters ? NAN : Y;
    s.instr = cfg.no_counters ? NAN : l->ginstr * 1e9 * cshare;
    s.ref_cycles = cfg.no_counters ? NAN : C * 2.5e9;
    s.llc_miss = cfg.no_counters ? NAN : l->mllc * 1e6 * cshare;
    s.task_clock = C;
    s.cpu_time = C;
    return s;
}

static void write_step(hid_t file, const char *placement, const level *l, int step, int done,
                       double *t)
{
    char path[256];
    snprintf(path, sizeof path, "/steps/%s/%s/k%04d", l->kernel ? l->kernel : cfg.kernel, placement,
             l->k);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t g = H5Gcreate2(file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Pclose(lcpl);
    int invalid = cfg.invalid && step == 0;
    int nph = cfg.phases[0] ? 2 : 0;
    if (nph)
        attr_list(g, "phases", cfg.phases, nph);
    size_t nreps = (size_t)cfg.nodes * (size_t)l->k * (size_t)(cfg.reps + 1);
    ob_rep_record *r = calloc(nreps, sizeof *r);
    ob_phase_record *p = calloc(nreps * 2 + 1, sizeof *p);
    size_t i = 0, q = 0;
    double window = 0;
    double spread = l->k == 1 ? cfg.k1_spread : 0;
    for (int node = 0; node < cfg.nodes; node++)
        for (int rank = 0; rank < l->k; rank++) {
            double t0 = *t;
            for (int rep = 0; rep <= cfg.reps; rep++, i++) {
                unsigned seed = (unsigned)(step * 100000 + node * 10000 + rank * 1000 + rep);
                r[i].node = node;
                r[i].rank = node * cfg.cores + rank;
                r[i].core = rank;
                r[i].rep = rep;
                r[i].t0 = t0;
                r[i].s = make_sample(l, seed, 1, 1, 1, spread);
                r[i].maxrss_kb = 500000;
                r[i].pss_kb = rep == cfg.reps && cfg.pss_kb > 0 ? cfg.pss_kb : NAN;
                r[i].f_probe = l->ghz * (1 + cfg.noise * wiggle(seed * 7 + 6));
                r[i].ok = !(invalid && rep == 1 && rank == 0);
                if (rep > 0 && node == 0 && rank == 0)
                    window += r[i].s.wall;
                t0 += r[i].s.wall;
                for (int ph = 0; ph < nph; ph++, q++) {
                    p[q].node = node;
                    p[q].rank = r[i].rank;
                    p[q].rep = rep;
                    p[q].phase = ph;
                    /* phase 0 computes (90% of the CPU work, no blocking);
                     * phase 1 is the datastore phase (10% CPU, all blocking) */
                    p[q].s = ph == 0 ? make_sample(l, seed, 0.9, 0, 0.5, 0)
                                     : make_sample(l, seed, 0.1, 1, 0.5, 0);
                }
            }
        }
    /* the step attributes as the driver writes them (common/records_h5.c);
     * a phase named write or read is datastore I/O, the others compute */
    char classes[64] = "";
    for (int ph = 0; ph < nph; ph++)
        snprintf(classes + strlen(classes), sizeof classes - strlen(classes), "%s%s", ph ? "," : "",
                 !strcmp(cfg.phases[ph], "write") || !strcmp(cfg.phases[ph], "read") ? "io"
                                                                                     : "compute");
    ob_step_attrs attrs = {.k = l->k,
                           .step = step,
                           .valid = !invalid,
                           .reason = invalid ? "verification failed: checksum mismatch" : "",
                           .figure_name = "seconds_per_rep",
                           .work_unit = "rep",
                           .work_units = 1.0,
                           .window = window,
                           .t_start = *t,
                           .t_end = *t + window,
                           .kernel_options = cfg.kernel_options ? cfg.kernel_options : "",
                           .plan = "synthetic fixture level",
                           .phase_classes = classes,
                           .cut_short = cfg.cut_short && l == &cfg.lv[cfg.nlevels - 1]};
    ob_h5_write_step_attrs(g, &attrs);
    *t += window + 1;
    hid_t rt = rep_type(), pt = phase_type();
    write_table(g, "reps", rt, r, nreps);
    if (nph)
        write_table(g, "phases", pt, p, q);
    H5Tclose(rt);
    H5Tclose(pt);
    if (done)
        attr_i(g, "done", 1);
    H5Gclose(g);
    free(r);
    free(p);
}

typedef struct counter_row {
    int32_t node;
    const char *metric, *event;
    int32_t available;
    const char *reason;
} counter_row;

static void write_counters(hid_t file)
{
    /* a row per node and metric of the list; task_clock is a software event, the rest
     * are hardware counters (missing with --no-counters) */
    enum { NM = OB_METRIC_COUNT };
    const char *metrics[NM], *events[NM];
    static char event_names[NM][64];
    for (int m = 0; m < NM; m++) {
        metrics[m] = ob_metric_name((ob_metric)m);
        snprintf(event_names[m], sizeof event_names[m], "fixture::%s", metrics[m]);
        events[m] = event_names[m];
    }
    size_t n = (size_t)cfg.nodes * NM;
    /* fixed-length layout: char arrays inline; vlen: pointers */
    typedef struct {
        int32_t node;
        char metric[32], event[128];
        int32_t available;
        char reason[256];
    } fixed_row;
    hid_t t;
    void *rows;
    if (cfg.vlen) {
        counter_row *c = calloc(n, sizeof *c);
        for (size_t i = 0; i < n; i++) {
            int m = (int)(i % NM), hw = m != OB_METRIC_TASK_CLOCK;
            c[i] = (counter_row){(int32_t)(i / NM), metrics[m],
                                 hw && cfg.no_counters ? "" : events[m], !(hw && cfg.no_counters),
                                 hw && cfg.no_counters ? "no PMU in this VM (PAPI: event not "
                                                         "available)"
                                                       : "first available candidate"};
        }
        hid_t s = str_type(0);
        t = H5Tcreate(H5T_COMPOUND, sizeof(counter_row));
        H5Tinsert(t, "node", offsetof(counter_row, node), H5T_NATIVE_INT32);
        H5Tinsert(t, "metric", offsetof(counter_row, metric), s);
        H5Tinsert(t, "event", offsetof(counter_row, event), s);
        H5Tinsert(t, "available", offsetof(counter_row, available), H5T_NATIVE_INT32);
        H5Tinsert(t, "reason", offsetof(counter_row, reason), s);
        H5Tclose(s);
        rows = c;
    } else {
        fixed_row *c = calloc(n, sizeof *c);
        for (size_t i = 0; i < n; i++) {
            int m = (int)(i % NM), hw = m != OB_METRIC_TASK_CLOCK;
            c[i].node = (int32_t)(i / NM);
            snprintf(c[i].metric, sizeof c[i].metric, "%s", metrics[m]);
            snprintf(c[i].event, sizeof c[i].event, "%s", hw && cfg.no_counters ? "" : events[m]);
            c[i].available = !(hw && cfg.no_counters);
            snprintf(c[i].reason, sizeof c[i].reason, "%s",
                     hw && cfg.no_counters ? "no PMU in this VM" : "first available candidate");
        }
        hid_t s32 = str_type(32), s128 = str_type(128), s256 = str_type(256);
        t = H5Tcreate(H5T_COMPOUND, sizeof(fixed_row));
        H5Tinsert(t, "node", offsetof(fixed_row, node), H5T_NATIVE_INT32);
        H5Tinsert(t, "metric", offsetof(fixed_row, metric), s32);
        H5Tinsert(t, "event", offsetof(fixed_row, event), s128);
        H5Tinsert(t, "available", offsetof(fixed_row, available), H5T_NATIVE_INT32);
        H5Tinsert(t, "reason", offsetof(fixed_row, reason), s256);
        H5Tclose(s32);
        H5Tclose(s128);
        H5Tclose(s256);
        rows = c;
    }
    hid_t g = H5Gcreate2(file, "counters", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_table(g, "sources", t, rows, n);
    H5Gclose(g);
    H5Tclose(t);
    free(rows);
}

static void write_system(hid_t file)
{
    hid_t g = H5Gcreate2(file, "system", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!cfg.no_provenance)
        attr_s(g, "cpu_model", "Synthetic CPU @ 3.0GHz");
    attr_s(g, "kernel", "Linux 6.1.0 x86_64");
    attr_s(g, "binding",
           cfg.simulated ? "simulated: the topology is not this machine's; ranks are not bound"
                         : "real: each active rank bound to its core");
    attr_s(g, "topology_source",
           cfg.simulated ? "HWLOC_SYNTHETIC=pack:2 l3:16 core:4 pu:1" : "this machine");
    char num[64];
    snprintf(num, sizeof num, "%d", cfg.cores);
    attr_s(g, "cores_per_node", num); /* the driver writes provenance as strings */
    snprintf(num, sizeof num, "%d", cfg.ranks_per_node > 0 ? cfg.ranks_per_node : cfg.cores);
    attr_s(g, "ranks_per_node_min", num);
    attr_s(g, "ranks_per_node_max", num);
    attr_s(g, "preset", cfg.preset ? cfg.preset : "lsst");
    attr_s(g, "window_s", cfg.window_s ? cfg.window_s : "10");
    attr_s(g, "timer_resolution_s", cfg.timer_res ? cfg.timer_res : "2e-08");
    if (cfg.mem_gb > 0) {
        snprintf(num, sizeof num, "%.0f", cfg.mem_gb * 1e9);
        attr_s(g, "memory_bytes", num);
    }
    const char *hosts[8] = {"node0", "node1", "node2", "node3", "node4", "node5", "node6", "node7"};
    hsize_t dim = (hsize_t)cfg.nodes;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t t = str_type(16);
    hid_t d = H5Dcreate2(g, "hostnames", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (cfg.vlen)
        H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, hosts);
    else {
        char buf[8][16];
        memset(buf, 0, sizeof buf);
        for (int i = 0; i < cfg.nodes; i++)
            snprintf(buf[i], 16, "%s", hosts[i]);
        H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    }
    H5Dclose(d);
    H5Tclose(t);
    H5Sclose(sp);
    char xml[8192] = "<?xml version=\"1.0\"?><topology>";
    for (int c = 0; c < cfg.cores && strlen(xml) < 8000; c++)
        snprintf(xml + strlen(xml), sizeof xml - strlen(xml),
                 "<object type=\"Core\" os_index=\"%d\"/>", c);
    strcat(xml, "</topology>");
    if (!cfg.no_provenance) {
        const char *x = xml;
        hid_t ssp = H5Screate(H5S_SCALAR);
        hid_t st = str_type(strlen(xml) + 1);
        hid_t dd = H5Dcreate2(g, "topology.xml", st, ssp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(dd, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, cfg.vlen ? (const void *)&x : xml);
        H5Dclose(dd);
        H5Tclose(st);
        H5Sclose(ssp);
    }
    H5Gclose(g);
}

static void write_monitor(hid_t file, int nsteps, double tend)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    for (int node = 0; node < cfg.nodes; node++) {
        char path[64];
        snprintf(path, sizeof path, "/monitor/node%04d", node);
        hid_t g = H5Gcreate2(file, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        size_t n = (size_t)(tend / 0.5) + 1;
        ob_monitor_sample *s = calloc(n, sizeof *s);
        float *busy = calloc(n * (size_t)cfg.cores, sizeof *busy);
        for (size_t i = 0; i < n; i++) {
            s[i].t = 0.5 * (double)i;
            s[i].step = (int)((double)i * nsteps / (double)n);
            s[i].util_busy = 0.5;
            s[i].util_active = 1.0;
            s[i].util_parked = cfg.parked;
            s[i].psi_cpu_some = s[i].psi_io_some = s[i].psi_io_full = s[i].psi_mem_some = NAN;
            s[i].mem_used_bytes = 1e9;
            s[i].mem_avail_bytes = (cfg.mem_gb > 0 ? cfg.mem_gb : 16) * 1e9 - 1e9;
            s[i].energy_j = NAN;
            for (int c = 0; c < cfg.cores; c++)
                busy[i * (size_t)cfg.cores + (size_t)c] = c == 0 ? 1.0f : (float)cfg.parked;
        }
        hid_t t = ob_h5_record_type(&ob_monitor_kind, NULL);
        write_table(g, "samples", t, s, n);
        H5Tclose(t);
        hsize_t dims[2] = {n, (hsize_t)cfg.cores};
        hid_t sp = H5Screate_simple(2, dims, NULL);
        hid_t d =
            H5Dcreate2(g, "cpu_busy", H5T_NATIVE_FLOAT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, busy);
        H5Dclose(d);
        H5Sclose(sp);
        H5Gclose(g);
        free(s);
        free(busy);
    }
    H5Pclose(lcpl);
}

int main(int argc, char **argv)
{
    cfg.kernel = "synth";
    cfg.site = "synthetic";
    cfg.placements[0] = "compact";
    cfg.nplacements = 1;
    cfg.reps = 20;
    cfg.nodes = 1;
    cfg.complete = 1;
    cfg.has_complete = 1;
    cfg.schema = OB_SCHEMA_VERSION;
    cfg.has_schema = 1;
    cfg.noise = 0.002;
    if (argc < 2)
        usage();
    cfg.out = argv[1];
    static char phbuf[128], plbuf[128];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define VAL() (v ? argv[++i] : (usage(), ""))
        if (!strcmp(a, "--level")) {
            if (cfg.nlevels >= 64)
                usage();
            parse_level(VAL(), &cfg.lv[cfg.nlevels++]);
        } else if (!strcmp(a, "--kernel"))
            cfg.kernel = VAL();
        else if (!strcmp(a, "--placements")) {
            snprintf(plbuf, sizeof plbuf, "%s", VAL());
            char *c = strchr(plbuf, ',');
            cfg.placements[0] = plbuf;
            cfg.nplacements = 1;
            if (c) {
                *c = 0;
                cfg.placements[1] = c + 1;
                cfg.nplacements = 2;
            }
        } else if (!strcmp(a, "--reps"))
            cfg.reps = atoi(VAL());
        else if (!strcmp(a, "--nodes"))
            cfg.nodes = atoi(VAL());
        else if (!strcmp(a, "--cores"))
            cfg.cores = atoi(VAL());
        else if (!strcmp(a, "--mem-gb"))
            cfg.mem_gb = atof(VAL());
        else if (!strcmp(a, "--no-counters"))
            cfg.no_counters = 1;
        else if (!strcmp(a, "--noise"))
            cfg.noise = atof(VAL());
        else if (!strcmp(a, "--phases")) {
            snprintf(phbuf, sizeof phbuf, "%s", VAL());
            char *c = strchr(phbuf, ',');
            if (!c)
                usage();
            *c = 0;
            cfg.phases[0] = phbuf;
            cfg.phases[1] = c + 1;
        } else if (!strcmp(a, "--incomplete"))
            cfg.complete = 0;
        else if (!strcmp(a, "--no-complete"))
            cfg.has_complete = 0;
        else if (!strcmp(a, "--unfinished"))
            cfg.unfinished = 1;
        else if (!strcmp(a, "--schema"))
            cfg.schema = atoi(VAL());
        else if (!strcmp(a, "--no-schema"))
            cfg.has_schema = 0;
        else if (!strcmp(a, "--drop"))
            cfg.drop = VAL();
        else if (!strcmp(a, "--invalid"))
            cfg.invalid = 1;
        else if (!strcmp(a, "--parked-util"))
            cfg.parked = atof(VAL());
        else if (!strcmp(a, "--no-monitor"))
            cfg.no_monitor = 1;
        else if (!strcmp(a, "--no-counters-table"))
            cfg.no_counters_table = 1;
        else if (!strcmp(a, "--no-provenance"))
            cfg.no_provenance = 1;
        else if (!strcmp(a, "--simulated-binding"))
            cfg.simulated = 1;
        else if (!strcmp(a, "--cut-short")) /* the last level's steps ended by SIGTERM */
            cfg.cut_short = 1;
        else if (!strcmp(a, "--kernel-options"))
            cfg.kernel_options = VAL();
        else if (!strcmp(a, "--preset")) /* /system preset (default lsst) */
            cfg.preset = VAL();
        else if (!strcmp(a, "--window-s")) /* /system window_s (default 10) */
            cfg.window_s = VAL();
        else if (!strcmp(a, "--timer-res")) /* /system timer_resolution_s (default 2e-08) */
            cfg.timer_res = VAL();
        else if (!strcmp(a, "--ranks-per-node")) /* default: --cores */
            cfg.ranks_per_node = atoi(VAL());
        else if (!strcmp(a, "--pss-kb")) /* each rank's PSS on its last repetition (default NaN) */
            cfg.pss_kb = atof(VAL());
        else if (!strcmp(a, "--k1-spread"))
            cfg.k1_spread = atof(VAL());
        else if (!strcmp(a, "--site"))
            cfg.site = VAL();
        else if (!strcmp(a, "--config"))
            cfg.config = VAL();
        else if (!strcmp(a, "--vlen"))
            cfg.vlen = 1;
        else
            usage();
#undef VAL
    }
    if (cfg.nlevels == 0) {
        char a[] = "k=1", b[] = "k=2,ghz=2.5,gcycles=3.6,blocked=0.1,runq=0.05";
        parse_level(a, &cfg.lv[0]);
        parse_level(b, &cfg.lv[1]);
        cfg.nlevels = 2;
    }
    int kmax = 0;
    for (int i = 0; i < cfg.nlevels; i++)
        kmax = cfg.lv[i].k > kmax ? cfg.lv[i].k : kmax;
    if (cfg.cores <= 0)
        cfg.cores = kmax;
    if (cfg.nodes < 1 || cfg.nodes > 8 || cfg.reps < 0)
        usage();

    hid_t file = H5Fcreate(cfg.out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) {
        fprintf(stderr, "mkfixture: cannot create %s\n", cfg.out);
        return 1;
    }
    if (cfg.has_schema)
        attr_i(file, "schema_version", cfg.schema);
    attr_s(file, "occbench_version", "0.1.0-fixture");
    attr_s(file, "site", cfg.site);
    attr_s(file, "created", "2026-11-23T12:00:00Z");
    attr_s(file, "command", "mkfixture (synthetic)");
    attr_s(file, "config", cfg.config ? cfg.config : "synthetic");
    if (cfg.has_complete)
        attr_i(file, "complete", cfg.complete);
    write_system(file);
    H5Gclose(H5Gcreate2(file, "steps", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)); /* as occbench */
    if (!cfg.no_counters_table)
        write_counters(file);
    double t = 0;
    int step = 0;
    for (int p = 0; p < cfg.nplacements; p++)
        for (int i = 0; i < cfg.nlevels; i++)
            write_step(file, cfg.placements[p], &cfg.lv[i], step++, 1, &t);
    if (cfg.unfinished) {
        level l = cfg.lv[cfg.nlevels - 1];
        l.k = kmax + 1;
        write_step(file, cfg.placements[0], &l, step++, 0, &t);
    }
    if (!cfg.no_monitor)
        write_monitor(file, step, t);
    H5Fclose(file);
    return 0;
}
