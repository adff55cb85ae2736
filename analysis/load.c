/* Reading an occbench results file (driver/record/results.h layout) into memory:
 * the walk over /system, /counters, /steps and /monitor. Records are read
 * by column name with the writer's own field tables (common/records_h5.c);
 * every failure is one line in err. */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze.h"
#include "common/records_h5.h"
#include "analysis/h5read.h"
#include "common/results_journal.h"

/* A record an_table of a step (reps or phases) by column name, into the
 * record structs of include/occbench/records.h. */
static int read_step_records(hid_t g, const char *gpath, const char *name,
                             const ob_record_kind *kind, void **rows, size_t *n, char *err,
                             size_t errlen)
{
    char sub[256];
    if (ob_h5_read_records(g, name, kind, rows, n, sub, sizeof sub) < 0) {
        an_seterr(err, errlen, "%s: %s", gpath, sub);
        return -1;
    }
    return 0;
}

static int read_reps(hid_t g, const char *gpath, an_step *st, char *err, size_t errlen)
{
    void *rows = NULL;
    int rc = read_step_records(g, gpath, "reps", &ob_rep_kind, &rows, &st->nreps, err, errlen);
    st->reps = rows;
    return rc;
}

static int read_phases(hid_t g, const char *gpath, an_step *st, char *err, size_t errlen)
{
    if (H5Lexists(g, "phases", H5P_DEFAULT) <= 0)
        return 0; /* a kernel without phases may write none */
    void *rows = NULL;
    int rc = read_step_records(g, gpath, "phases", &ob_phase_kind, &rows, &st->nph, err, errlen);
    st->ph = rows;
    return rc;
}

static int read_step(hid_t g, const char *gpath, const char *kernel, const char *placement,
                     const char *kname, an_step *st, int *finished, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    snprintf(st->kernel, sizeof st->kernel, "%s", kernel);
    snprintf(st->placement, sizeof st->placement, "%s", placement);
    double v;
    *finished = an_h5_attr_num(g, "done", &v) == 1 && v == 1.0;
    if (!*finished)
        return 0;
    st->done = 1;
    if (ob_h5_read_step_attrs(g, &st->attr) < 0) {
        an_seterr(err, errlen, "%s: out of memory reading its attributes", gpath);
        return -1;
    }
    st->k = st->attr.k >= 0 ? (int)st->attr.k : atoi(kname + 1);
    st->valid = (int)st->attr.valid;
    if (H5Aexists(g, "phases") > 0) {
        hid_t a = H5Aopen(g, "phases", H5P_DEFAULT);
        int n = a >= 0 ? an_h5_read_str_list(a, 1, &st->phases) : -1;
        if (a >= 0)
            H5Aclose(a);
        if (n < 0) {
            an_seterr(err, errlen, "%s: attribute 'phases' is not a string array", gpath);
            return -1;
        }
        st->nphases = n;
    }
    if (read_reps(g, gpath, st, err, errlen) < 0)
        return -1;
    return read_phases(g, gpath, st, err, errlen);
}

static int push_step(an_file *f, const an_step *st)
{
    an_step *n = realloc(f->steps, (f->nsteps + 1) * sizeof *n);
    if (!n)
        return -1;
    f->steps = n;
    f->steps[f->nsteps++] = *st;
    return 0;
}

static void free_step(an_step *s)
{
    ob_step_attrs_free(&s->attr);
    an_free_list(s->phases, s->nphases);
    free(s->reps);
    free(s->ph);
}

/* The walk over /steps/<kernel>/<placement>/kNNNN: one function per level,
 * all sharing walk_groups(), which owns every handle and name list. */
typedef struct step_walk {
    an_file *f;
    const char *kernel, *placement;
    char *err;
    size_t errlen;
} step_walk;

typedef int (*group_visit)(hid_t g, const char *path, const char *name, step_walk *w);

/* Visit every child group of `parent` (at `path`) in name order. */
static int walk_groups(hid_t parent, const char *path, group_visit visit, step_walk *w)
{
    char **names = NULL;
    int n = an_h5_list_links(parent, &names), rc = n < 0 ? -1 : 0;
    if (n < 0)
        an_seterr(w->err, w->errlen, "%s is unreadable (truncated or corrupted file?)", path);
    for (int i = 0; rc == 0 && i < n; i++) {
        char child[768];
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        hid_t g = H5Gopen2(parent, names[i], H5P_DEFAULT);
        if (g < 0) {
            an_seterr(w->err, w->errlen, "%s is unreadable (truncated or corrupted file?)", child);
            rc = -1;
            break;
        }
        rc = visit(g, child, names[i], w);
        H5Gclose(g);
    }
    an_free_list(names, n);
    return rc;
}

static int visit_step(hid_t g, const char *path, const char *name, step_walk *w)
{
    an_step st;
    int finished;
    if (read_step(g, path, w->kernel, w->placement, name, &st, &finished, w->err, w->errlen) < 0) {
        free_step(&st);
        return -1;
    }
    if (!finished) {
        w->f->unfinished++;
        return 0;
    }
    if (push_step(w->f, &st) < 0) {
        free_step(&st);
        an_seterr(w->err, w->errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int visit_placement(hid_t g, const char *path, const char *name, step_walk *w)
{
    w->placement = name;
    return walk_groups(g, path, visit_step, w);
}

static int visit_kernel(hid_t g, const char *path, const char *name, step_walk *w)
{
    w->kernel = name;
    return walk_groups(g, path, visit_placement, w);
}

static int read_steps(hid_t file, an_file *f, char *err, size_t errlen)
{
    hid_t steps = H5Gopen2(file, "steps", H5P_DEFAULT);
    if (steps < 0) {
        an_seterr(err, errlen, "/steps is unreadable (truncated or corrupted file?)");
        return -1;
    }
    step_walk w = {f, NULL, NULL, err, errlen};
    int rc = walk_groups(steps, "/steps", visit_kernel, &w);
    H5Gclose(steps);
    return rc;
}

static int read_system(hid_t file, an_file *f)
{
    hid_t g = H5Gopen2(file, "system", H5P_DEFAULT);
    if (g < 0)
        return -1;
    H5O_info_t oi;
    if (H5Oget_info(g, &oi) >= 0 && oi.num_attrs > 0) {
        f->sys = calloc(oi.num_attrs, sizeof *f->sys);
        for (hsize_t i = 0; f->sys && i < oi.num_attrs; i++) {
            char name[AN_NAME_LEN];
            if (H5Aget_name_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name,
                                   H5P_DEFAULT) < 0 &&
                H5Aget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                                   H5P_DEFAULT) < 0)
                continue;
            char *v = an_h5_attr_text(g, name);
            if (!v)
                continue;
            snprintf(f->sys[f->nsys].key, AN_NAME_LEN, "%s", name);
            f->sys[f->nsys++].value = v;
        }
    }
    if (H5Lexists(g, "hostnames", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(g, "hostnames", H5P_DEFAULT);
        if (d >= 0) {
            f->nhosts = an_h5_read_str_list(d, 0, &f->hostnames);
            if (f->nhosts < 0)
                f->nhosts = 0;
            H5Dclose(d);
        }
    }
    if (H5Lexists(g, "topology.xml", H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(g, "topology.xml", H5P_DEFAULT);
        if (d >= 0) {
            char **l = NULL;
            int n = an_h5_read_str_list(d, 0, &l);
            if (n >= 1) {
                f->topology_xml = l[0];
                l[0] = NULL;
            }
            an_free_list(l, n);
            H5Dclose(d);
        }
    }
    H5Gclose(g);
    return 0;
}

static int read_counters(hid_t file, an_file *f, char *err, size_t errlen)
{
    if (H5Lexists(file, "counters", H5P_DEFAULT) <= 0)
        return 0;
    /* /counters/sources (the writer's layout); a bare /counters an_table is
     * accepted too */
    H5O_info_t oi;
    const char *where = "counters";
    if (H5Oget_info_by_name(file, "counters", &oi, H5P_DEFAULT) < 0) {
        an_seterr(err, errlen, "/counters is unreadable (truncated or corrupted file?)");
        return -1;
    }
    if (oi.type == H5O_TYPE_GROUP) {
        if (H5Lexists(file, "counters/sources", H5P_DEFAULT) <= 0)
            return 0;
        where = "counters/sources";
    }
    an_field fl[] = {{"node", AN_F_INT, 1, 0, 0, 0, 0, H5T_CSET_ASCII},
                     {"metric", AN_F_STR, 1, 0, 0, 0, 0, H5T_CSET_ASCII},
                     {"event", AN_F_STR, 1, 0, 0, 0, 0, H5T_CSET_ASCII},
                     {"available", AN_F_INT, 1, 0, 0, 0, 0, H5T_CSET_ASCII},
                     {"reason", AN_F_STR, 1, 0, 0, 0, 0, H5T_CSET_ASCII}};
    an_table t;
    if (an_h5_read_table(file, where, fl, 5, &t, err, errlen) < 0)
        return -1;
    f->counters = calloc(t.n ? t.n : 1, sizeof *f->counters);
    if (!f->counters) {
        an_free_table(&t);
        return -1;
    }
    f->ncounters = t.n;
    for (size_t r = 0; r < t.n; r++) {
        an_counter *c = &f->counters[r];
        c->node = an_tab_i(&t, r, 0);
        snprintf(c->metric, sizeof c->metric, "%s", an_tab_s(&t, r, 1));
        snprintf(c->event, sizeof c->event, "%s", an_tab_s(&t, r, 2));
        c->available = an_tab_i(&t, r, 3);
        snprintf(c->reason, sizeof c->reason, "%s", an_tab_s(&t, r, 4));
    }
    an_free_table(&t);
    return 0;
}

static int read_monitor(hid_t file, an_file *f, char *err, size_t errlen)
{
    if (H5Lexists(file, "monitor", H5P_DEFAULT) <= 0)
        return 0;
    hid_t g = H5Gopen2(file, "monitor", H5P_DEFAULT);
    char **nodes = NULL;
    int nn = g >= 0 ? an_h5_list_links(g, &nodes) : -1;
    if (nn < 0) {
        an_seterr(err, errlen, "/monitor is unreadable (truncated or corrupted file?)");
        if (g >= 0)
            H5Gclose(g);
        return -1;
    }
    f->mon = calloc((size_t)nn + 1, sizeof *f->mon);
    int rc = f->mon ? 0 : -1;
    for (int i = 0; rc == 0 && i < nn; i++) {
        if (strncmp(nodes[i], "node", 4) != 0)
            continue;
        hid_t ng = H5Gopen2(g, nodes[i], H5P_DEFAULT);
        if (ng < 0)
            continue;
        an_monitor *m = &f->mon[f->nmon];
        m->node = atoi(nodes[i] + 4);
        char sub[256], path[300];
        snprintf(path, sizeof path, "/monitor/%s/samples", nodes[i]);
        void *rows = NULL;
        if (ob_h5_read_records(ng, "samples", &ob_monitor_kind, &rows, &m->n, sub, sizeof sub) <
            0) {
            an_seterr(err, errlen, "%s: %s", path, sub);
            rc = -1;
        } else {
            m->s = rows;
            f->nmon++;
        }
        if (rc == 0 && H5Lexists(ng, "cpu_busy", H5P_DEFAULT) > 0) {
            hid_t d = H5Dopen2(ng, "cpu_busy", H5P_DEFAULT);
            hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
            hsize_t dims[2] = {0, 0};
            if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 2 &&
                H5Sget_simple_extent_dims(sp, dims, NULL) == 2 && dims[0] == m->n && dims[1] > 0 &&
                dims[1] < 65536) {
                m->cpu_busy = calloc(dims[0] * dims[1] + 1, sizeof(float));
                if (m->cpu_busy &&
                    H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, m->cpu_busy) >= 0)
                    m->ncpus = (int)dims[1];
                else {
                    free(m->cpu_busy);
                    m->cpu_busy = NULL;
                }
            }
            if (sp >= 0)
                H5Sclose(sp);
            if (d >= 0)
                H5Dclose(d);
        }
        H5Gclose(ng);
    }
    an_free_list(nodes, nn);
    H5Gclose(g);
    return rc;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* A results file may come from another site: a byte below 0x20 (or DEL) in
 * any of its strings becomes '?' here, once, so no terminal escape, no CSV
 * row break and no control character reaches an output; the HTML, gnuplot
 * and file-name sinks escape the rest (analysis/plot.c). */
static void visible(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

static void make_visible(an_file *f)
{
    visible(f->label);
    visible(f->site);
    visible(f->command);
    visible(f->config);
    visible(f->created);
    visible(f->version);
    for (size_t i = 0; i < f->nsys; i++) {
        visible(f->sys[i].key);
        visible(f->sys[i].value);
    }
    for (int i = 0; i < f->nhosts; i++)
        visible(f->hostnames[i]);
    for (size_t i = 0; i < f->ncounters; i++) {
        visible(f->counters[i].metric);
        visible(f->counters[i].event);
        visible(f->counters[i].reason);
    }
    for (size_t i = 0; i < f->nsteps; i++) {
        an_step *st = &f->steps[i];
        visible(st->kernel);
        visible(st->placement);
        for (int p = 0; p < st->nphases; p++)
            visible(st->phases[p]);
#define OB_VISIBLE_INT(name)
#define OB_VISIBLE_F64(name)
#define OB_VISIBLE_STR(name) visible((char *)st->attr.name);
#define OB_VISIBLE_ATTR(type, name, dflt, help) OB_VISIBLE_##type(name)
        OB_STEP_ATTRS(OB_VISIBLE_ATTR)
#undef OB_VISIBLE_ATTR
#undef OB_VISIBLE_STR
#undef OB_VISIBLE_F64
#undef OB_VISIBLE_INT
    }
}

int an_load_in_process(const char *path, an_file *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", path);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* our own one-line messages only */
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        an_seterr(err, errlen, "%s: cannot open (no such file or no permission)", path);
        return -1;
    }
    fclose(probe);
    unsigned char *image = NULL;
    size_t image_size = 0;
    int view = ob_journal_view(path, &image, &image_size);
    if (view < 0) {
        an_seterr(err, errlen, "%s: cannot read it with its journal %s.journal: %s", path, path,
                  strerror(errno));
        return -1;
    }
    if (view == 0 && H5Fis_hdf5(path) <= 0) {
        an_seterr(err, errlen, "%s: not an HDF5 file", path);
        return -1;
    }
    if (view == 1)
        fprintf(stderr,
                "occbench-analyze: %s: read as of its last commit with %s.journal (a commit being "
                "written, or cut short by a kill: `occbench --resume %s` mends the file)\n",
                path, path, path);
    /* Read without taking the file lock, so a run still writing its file
     * (it commits after every step) can be looked at; a file with a journal
     * is read from memory, as of its last commit. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
    H5Pset_file_locking(fapl, 0, 1);
#endif
    if (view == 1 && (H5Pset_fapl_core(fapl, 1 << 20, 0) < 0 ||
                      H5Pset_file_image(fapl, image, image_size) < 0)) {
        H5Pclose(fapl);
        fapl = H5I_INVALID_HID;
    }
    free(image); /* HDF5 holds its own copy */
    hid_t file = fapl < 0 ? H5I_INVALID_HID
                          : H5Fopen(view == 1 ? OB_JOURNAL_IMAGE_NAME : path, H5F_ACC_RDONLY, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (file < 0) {
        an_seterr(err, errlen, "%s: HDF5 cannot open it (truncated or corrupted file?)", path);
        return -1;
    }
    int rc = -1;
    double v;
    int has = an_h5_attr_num(file, "schema_version", &v);
    if (has <= 0) {
        an_seterr(err, errlen, "%s: not an occbench results file (no schema_version attribute)",
                  path);
        goto out;
    }
    if (!(v >= 1.0 && v <= 1e6 && v == floor(v))) { /* NaN, 0, negative, fractional */
        an_seterr(err, errlen,
                  "%s: schema_version %g is not a positive integer (accepted: 1 to %d; a damaged "
                  "or forged file)",
                  path, v, OB_SCHEMA_VERSION);
        goto out;
    }
    f->schema_version = (int)v;
    if (f->schema_version > OB_SCHEMA_VERSION) {
        an_seterr(err, errlen,
                  "%s: schema_version %d is newer than this occbench-analyze reads (up to %d); "
                  "use a newer occbench-analyze",
                  path, f->schema_version, OB_SCHEMA_VERSION);
        goto out;
    }
    f->has_complete = an_h5_attr_num(file, "complete", &v) == 1;
    f->complete = f->has_complete && v == 1.0;
    f->site = an_h5_attr_text(file, "site");
    f->command = an_h5_attr_text(file, "command");
    f->config = an_h5_attr_text(file, "config");
    f->created = an_h5_attr_text(file, "created");
    f->version = an_h5_attr_text(file, "occbench_version");
    snprintf(f->label, sizeof f->label, "%s", f->site && *f->site ? f->site : base_name(path));
    char sub[512];
    /* occbench creates these with the file: a file without them lost its
     * structure (or never was one), and "no finished steps" would hide that */
    static const char *const required[] = {"system", "steps"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        H5O_info_t oi;
        int exists = H5Lexists(file, required[i], H5P_DEFAULT) > 0 &&
                     H5Oget_info_by_name(file, required[i], &oi, H5P_DEFAULT) >= 0;
        if (!exists || oi.type != H5O_TYPE_GROUP) {
            an_seterr(err, errlen,
                      "%s: corrupted or not a results file: %s/%s group (occbench creates it "
                      "with the file)",
                      path, exists ? "not a" : "no", required[i]);
            goto out;
        }
    }
    if (read_system(file, f) < 0) {
        an_seterr(err, errlen, "%s: /system is unreadable (truncated or corrupted file?)", path);
        goto out;
    }
    if (read_counters(file, f, sub, sizeof sub) < 0 || read_steps(file, f, sub, sizeof sub) < 0 ||
        read_monitor(file, f, sub, sizeof sub) < 0) {
        an_seterr(err, errlen, "%s: %s", path, sub);
        goto out;
    }
    if (!f->complete)
        fprintf(stderr,
                "warning: %s: run not marked complete (killed or still running): analysing its "
                "%zu finished step(s) only\n",
                path, f->nsteps);
    make_visible(f);
    rc = 0;
out:
    H5Fclose(file);
    if (rc < 0)
        an_free(f);
    return rc;
}

void an_free(an_file *f)
{
    free(f->site);
    free(f->command);
    free(f->config);
    free(f->created);
    free(f->version);
    for (size_t i = 0; i < f->nsys; i++)
        free(f->sys[i].value);
    free(f->sys);
    an_free_list(f->hostnames, f->nhosts);
    free(f->topology_xml);
    free(f->counters);
    for (size_t i = 0; i < f->nsteps; i++)
        free_step(&f->steps[i]);
    free(f->steps);
    for (size_t i = 0; i < f->nmon; i++) {
        free(f->mon[i].s);
        free(f->mon[i].cpu_busy);
    }
    free(f->mon);
    char path[sizeof f->path];
    memcpy(path, f->path, sizeof path);
    memset(f, 0, sizeof *f);
    memcpy(f->path, path, sizeof path);
}

const char *an_sys_get(const an_file *f, const char *key)
{
    for (size_t i = 0; i < f->nsys; i++)
        if (!strcmp(f->sys[i].key, key))
            return f->sys[i].value;
    return NULL;
}

int an_cores(const an_file *f)
{
    const char *keys[] = {"cores_per_node", "cores", "physical_cores"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = an_sys_get(f, keys[i]);
        if (v && atoi(v) > 0)
            return atoi(v);
    }
    if (f->topology_xml) {
        int n = 0;
        for (const char *p = f->topology_xml; (p = strstr(p, "type=\"Core\"")); p++)
            n++;
        if (n > 0)
            return n;
    }
    int kmax = 0;
    for (size_t i = 0; i < f->nsteps; i++)
        if (f->steps[i].k > kmax)
            kmax = f->steps[i].k;
    return kmax;
}

double an_mem_gb(const an_file *f)
{
    const char *v = an_sys_get(f, "memory_bytes");
    if (!v || !(atof(v) > 0))
        v = an_sys_get(f, "mem_total_bytes");
    if (v && atof(v) > 0)
        return atof(v) / 1e9;
    for (size_t i = 0; i < f->nmon; i++)
        if (f->mon[i].n > 0 && isfinite(f->mon[i].s[0].mem_used_bytes) &&
            isfinite(f->mon[i].s[0].mem_avail_bytes))
            return (f->mon[i].s[0].mem_used_bytes + f->mon[i].s[0].mem_avail_bytes) / 1e9;
    return NAN;
}
