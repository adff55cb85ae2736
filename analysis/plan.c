/* The plan verb: node-days for a workload, the capacity-study way.
 *   concurrency = min(cores, floor(mem_gb / max_rss_gb))
 *   node_days   = cpu_hours x cpu_factor / (concurrency x efficiency(concurrency)) / 24
 * cpu_hours is summed over all instances (instances x CPU hours per instance);
 * the efficiency curve is measured (a results file) or linear (1). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/analyze.h"

static const char *const workload_cols[] = {"task", "instances_millions", "cpu_hours_millions",
                                            "max_rss_gb"};
enum { NCOLS = 4 };

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

/* Split a CSV line (no quoting: task names are plain words) into at most
 * NCOLS+1 fields; returns the field count. */
static int split(char *line, char **f)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *c = strchr(p, ',');
        if (c)
            *c = 0;
        if (n <= NCOLS)
            f[n] = trim(p);
        n++;
        if (!c)
            break;
        p = c + 1;
    }
    return n;
}

/* The workload file, refusing what is not a regular file. */
static FILE *open_workload(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: cannot open the workload file: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s: is %s (accepted: a CSV file)", path,
                 S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file");
        return NULL;
    }
    FILE *in = fopen(path, "r");
    if (!in)
        snprintf(err, errlen, "%s: cannot open the workload file: %s", path, strerror(errno));
    return in;
}

/* A line as read: no NUL, not too long, no byte-order mark. */
static int check_line(const char *path, int lineno, const char *line, ssize_t len, char *err,
                      size_t errlen)
{
    if (memchr(line, '\0', (size_t)len)) {
        snprintf(err, errlen, "%s:%d: a NUL byte (accepted: a text CSV file)", path, lineno);
        return -1;
    }
    if (len > 4095) {
        snprintf(err, errlen, "%s:%d: line longer than 4095 characters", path, lineno);
        return -1;
    }
    if (lineno == 1 && !strncmp(line, "\xef\xbb\xbf", 3)) {
        snprintf(err, errlen,
                 "%s:1: starts with a UTF-8 byte-order mark (accepted: the file saved "
                 "without BOM)",
                 path);
        return -1;
    }
    return 0;
}

static int check_header(const char *path, int lineno, char **f, int nf, char *err, size_t errlen)
{
    if (nf != NCOLS) {
        snprintf(err, errlen,
                 "%s:%d: the header has %d column%s (accepted: the %d columns "
                 "task,instances_millions,cpu_hours_millions,max_rss_gb)",
                 path, lineno, nf, nf == 1 ? "" : "s", NCOLS);
        return -1;
    }
    for (int i = 0; i < NCOLS; i++)
        if (strcmp(f[i], workload_cols[i])) {
            snprintf(err, errlen,
                     "%s:%d: column %d: header must be "
                     "task,instances_millions,cpu_hours_millions,max_rss_gb (got '%s')",
                     path, lineno, i + 1, f[i]);
            return -1;
        }
    return 0;
}

/* One task row: a name, then positive numbers (max_rss_gb may be "measured"). */
static int parse_task(const char *path, int lineno, char **f, int nf, pl_task *t, char *err,
                      size_t errlen)
{
    if (nf != NCOLS) {
        snprintf(err, errlen, "%s:%d: expected %d columns (%s,...), got %d", path, lineno, NCOLS,
                 workload_cols[0], nf);
        return -1;
    }
    memset(t, 0, sizeof *t);
    if (!*f[0] || strlen(f[0]) >= sizeof t->name) {
        snprintf(err, errlen, "%s:%d: column 1 (task): name empty or longer than %zu", path, lineno,
                 sizeof t->name - 1);
        return -1;
    }
    snprintf(t->name, sizeof t->name, "%s", f[0]);
    double *dst[3] = {&t->instances_m, &t->cpu_hours_m, &t->max_rss_gb};
    /* memory per job "measured": taken from the --node file (PSS) */
    t->measured_mem = !strcmp(f[3], "measured");
    for (int c = 1; c < NCOLS - t->measured_mem; c++) {
        char *end;
        errno = 0;
        double v = strtod(f[c], &end);
        if (!*f[c] || *end || errno || !isfinite(v) || v <= 0) {
            snprintf(err, errlen, "%s:%d: column %d (%s): '%s' is not a positive number%s", path,
                     lineno, c + 1, workload_cols[c], f[c],
                     c == 3 ? " (or 'measured': the --node file's PSS per job)" : "");
            return -1;
        }
        *dst[c - 1] = v;
    }
    if (t->measured_mem)
        t->max_rss_gb = NAN;
    return 0;
}

static int push_task(pl_task **tasks, size_t *n, size_t *cap, const pl_task *t, char *err,
                     size_t errlen)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        pl_task *nt = realloc(*tasks, *cap * sizeof *nt);
        if (!nt) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *tasks = nt;
    }
    (*tasks)[(*n)++] = *t;
    return 0;
}

/* Every line of the file: the header first, then one task a line. */
static int read_lines(FILE *in, const char *path, pl_task **tasks, size_t *n, int *have_header,
                      int *lineno, char *err, size_t errlen)
{
    char *line = NULL;
    size_t line_cap = 0, cap = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &line_cap, in)) >= 0) {
        ++*lineno;
        if ((rc = check_line(path, *lineno, line, len, err, errlen)) != 0)
            break;
        char *s = trim(line);
        if (!*s || *s == '#')
            continue;
        char *f[NCOLS + 1];
        int nf = split(s, f);
        pl_task t;
        if (!*have_header) {
            rc = check_header(path, *lineno, f, nf, err, errlen);
            *have_header = 1;
        } else if ((rc = parse_task(path, *lineno, f, nf, &t, err, errlen)) == 0)
            rc = push_task(tasks, n, &cap, &t, err, errlen);
    }
    free(line);
    return rc;
}

int pl_read_workload(const char *path, pl_task **tasks, size_t *n, char *err, size_t errlen)
{
    *tasks = NULL;
    *n = 0;
    FILE *in = open_workload(path, err, errlen);
    if (!in)
        return -1;
    int lineno = 0, have_header = 0;
    int rc = read_lines(in, path, tasks, n, &have_header, &lineno, err, errlen);
    fclose(in);
    if (rc == 0 && !have_header) {
        snprintf(err, errlen, "%s:1: column 1: empty file (want the header %s,%s,%s,%s)", path,
                 workload_cols[0], workload_cols[1], workload_cols[2], workload_cols[3]);
        rc = -1;
    } else if (rc == 0 && *n == 0) {
        snprintf(err, errlen, "%s:%d: no tasks after the header", path, lineno);
        rc = -1;
    }
    if (rc) {
        free(*tasks);
        *tasks = NULL;
        *n = 0;
    }
    return rc;
}

int pl_parse_node(const char *spec, pl_node *node, char *err, size_t errlen)
{
    memset(node, 0, sizeof *node);
    node->cpu_factor = 1.0;
    node->mem_gb = node->job_mem_gb = NAN;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    size_t sl = strlen(spec);
    if (!sl || spec[0] == ',' || spec[sl - 1] == ',' || strstr(spec, ",,")) {
        snprintf(err, errlen,
                 "--node '%s': an empty element (accepted: cores=N,mem_gb=M[,cpu_factor=F])", spec);
        return -1;
    }
    int seen[3] = {0, 0, 0};
    static const char *const keys[3] = {"cores", "mem_gb", "cpu_factor"};
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        char *end;
        if (!eq) {
            snprintf(err, errlen, "--node: '%s' is not key=value (keys: cores, mem_gb, cpu_factor)",
                     tok);
            return -1;
        }
        *eq = 0;
        for (int k = 0; k < 3; k++)
            if (!strcmp(tok, keys[k]) && seen[k]++) {
                snprintf(err, errlen, "--node: %s given twice (accepted: each key once)", tok);
                return -1;
            }
        errno = 0;
        double v = strtod(eq + 1, &end);
        if (*end || end == eq + 1 || errno || !isfinite(v) || v <= 0) {
            snprintf(err, errlen, "--node: %s='%s' is not a positive number", tok, eq + 1);
            return -1;
        }
        if (!strcmp(tok, "cores")) {
            if (v != floor(v) || v > 1e6) {
                snprintf(err, errlen, "--node: cores='%s' is not a whole number", eq + 1);
                return -1;
            }
            node->cores = (int)v;
        } else if (!strcmp(tok, "mem_gb"))
            node->mem_gb = v;
        else if (!strcmp(tok, "cpu_factor"))
            node->cpu_factor = v;
        else {
            snprintf(err, errlen, "--node: unknown key '%s' (keys: cores, mem_gb, cpu_factor)",
                     tok);
            return -1;
        }
    }
    if (node->cores <= 0 || !isfinite(node->mem_gb)) {
        snprintf(err, errlen, "--node '%s': cores and mem_gb are required", spec);
        return -1;
    }
    return 0;
}

double pl_efficiency_at(const pl_node *node, int c)
{
    if (!node->ks || node->n == 0)
        return 1.0;
    if (c <= node->ks[0])
        return node->eff[0];
    for (size_t i = 1; i < node->n; i++)
        if (c <= node->ks[i]) {
            double w = (double)(c - node->ks[i - 1]) / (double)(node->ks[i] - node->ks[i - 1]);
            return node->eff[i - 1] + w * (node->eff[i] - node->eff[i - 1]);
        }
    return node->eff[node->n - 1];
}

int pl_task_plan(const pl_task *t, const pl_node *node, pl_result *out, char *err, size_t errlen)
{
    double by_mem = floor(node->mem_gb / t->max_rss_gb);
    if (by_mem < 1) {
        snprintf(err, errlen, "task %s needs %.3g GB per job but the node has %.3g GB", t->name,
                 t->max_rss_gb, node->mem_gb);
        return -1;
    }
    out->limited_by = by_mem < node->cores ? "memory" : "cores";
    out->concurrency = by_mem < node->cores ? (int)by_mem : node->cores;
    out->efficiency = pl_efficiency_at(node, out->concurrency);
    if (!(out->efficiency > 0)) {
        snprintf(err, errlen, "no usable efficiency at concurrency %d for task %s",
                 out->concurrency, t->name);
        return -1;
    }
    out->node_days = t->cpu_hours_m * 1e6 * node->cpu_factor /
                     ((double)out->concurrency * out->efficiency) / 24.0;
    return 0;
}

/* Memory per job as the file measured it: the median PSS of the kernel's
 * ranks at its largest k (the full node, where shared pages are split the
 * most ways: what a job costs when the node is full). */
static void job_memory(const an_file *f, const an_group *grp, pl_node *node)
{
    node->job_mem_gb = NAN;
    const an_step *top = NULL;
    for (size_t i = 0; i < f->nsteps; i++)
        if (!strcmp(f->steps[i].kernel, grp->kernel) &&
            !strcmp(f->steps[i].placement, grp->placement) && (!top || f->steps[i].k > top->k))
            top = &f->steps[i];
    double *pss = top ? malloc((top->nreps + 1) * sizeof *pss) : NULL;
    size_t n = 0;
    for (size_t r = 0; pss && r < top->nreps; r++)
        if (isfinite(top->reps[r].pss_kb) && top->reps[r].pss_kb > 0)
            pss[n++] = top->reps[r].pss_kb;
    if (n > 0) {
        node->job_mem_gb = ob_median(pss, n) * 1024.0 / 1e9;
        node->job_mem_k = top->k;
    }
    free(pss);
}

/* --node FILE.h5 --kernel K: cores, memory and the measured efficiency
 * curve (compact placement when there is one). */
static int node_from_file(const char *path, const char *kernel, an_file *f, an_group **g,
                          size_t *ng, pl_node *node)
{
    char err[1024];
    if (!kernel)
        return an_bad("--node %s needs --kernel K (whose efficiency curve to use)", path);
    if (an_load(path, f, err, sizeof err) < 0)
        return an_bad("%s", err);
    int rc = an_check_kernel(f, kernel);
    if (rc)
        return rc;
    an_opts o = {.nboot = 0, .min_reps = 1, .baseline = 1, .warn = 0};
    *ng = an_analyse(f, &o, g);
    const an_group *grp = an_find_group(*g, *ng, kernel, "compact");
    if (!grp)
        grp = an_find_group(*g, *ng, kernel, NULL);
    node->cores = an_cores(f);
    node->mem_gb = an_mem_gb(f);
    int *ks = calloc(grp->nrows + 1, sizeof *ks);
    double *eff = calloc(grp->nrows + 1, sizeof *eff);
    size_t m = 0;
    for (size_t i = 0; i < grp->nrows; i++)
        if (isfinite(grp->rows[i].efficiency)) {
            ks[m] = grp->rows[i].k;
            /* above linear is a slow k=1 baseline, not jobs that speed each
             * other up: planned at linear, said once */
            if (grp->rows[i].efficiency > 1.0)
                fprintf(stderr,
                        "warning: %s: %s efficiency %.3f at k=%d is above linear (a disturbed "
                        "k=1 baseline?): planned at 1\n",
                        path, kernel, grp->rows[i].efficiency, grp->rows[i].k);
            eff[m++] = grp->rows[i].efficiency > 1.0 ? 1.0 : grp->rows[i].efficiency;
        }
    if (m == 0) {
        free(ks);
        free(eff);
        return an_bad("%s: kernel %s has no measured efficiency (no k=1 step)", path, kernel);
    }
    node->ks = ks;
    node->eff = eff;
    node->n = m;
    job_memory(f, grp, node);
    return AN_OK;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The plan verb's command line. */
typedef struct plan_args {
    const char *workload, *nodespec, *kernel, *scaling;
    double cpu_factor, mem_gb;
} plan_args;

static int plan_parse(int argc, char **argv, plan_args *p)
{
    *p = (plan_args){.scaling = "measured", .cpu_factor = NAN, .mem_gb = NAN};
    int rc;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v && a[0] == '-')
            return an_bad("plan: option %s needs a value", a);
        if (!strcmp(a, "--workload"))
            p->workload = argv[++i];
        else if (!strcmp(a, "--node"))
            p->nodespec = argv[++i];
        else if (!strcmp(a, "--kernel"))
            p->kernel = argv[++i];
        else if (!strcmp(a, "--scaling")) {
            p->scaling = argv[++i];
            if (strcmp(p->scaling, "linear") && strcmp(p->scaling, "measured"))
                return an_bad("--scaling '%s' is not one of linear, measured", p->scaling);
        } else if (!strcmp(a, "--cpu-factor")) {
            if ((rc = an_arg_double(a, argv[++i], 1e-6, 1e6, &p->cpu_factor)))
                return rc;
        } else if (!strcmp(a, "--mem-gb")) {
            if ((rc = an_arg_double(a, argv[++i], 1e-6, 1e9, &p->mem_gb)))
                return rc;
        } else
            return an_bad("plan: unknown argument '%s' (accepted: --workload, --node, --kernel, "
                          "--scaling, --cpu-factor, --mem-gb, --format)",
                          a);
    }
    if (!p->workload || !p->nodespec)
        return an_bad("plan: --workload W.csv and --node (cores=N,mem_gb=M,cpu_factor=F or "
                      "FILE.h5) are required");
    return AN_OK;
}

/* The node: from a results file (its curve, memory and PSS) or from
 * cores=N,mem_gb=M,cpu_factor=F; then the command line's overrides. */
static int plan_node(const plan_args *p, an_file *f, an_group **g, size_t *ng, pl_node *node)
{
    int from_file = !strchr(p->nodespec, '=');
    if (from_file && !is_file(p->nodespec)) { /* not key=value: meant as a file */
        struct stat sb;
        int there = stat(p->nodespec, &sb) == 0;
        return an_bad("--node %s: %s (accepted: a results file FILE.h5 or "
                      "cores=N,mem_gb=M,cpu_factor=F)",
                      p->nodespec, there ? "not a regular file" : strerror(errno));
    }
    char err[1024];
    int rc;
    if (from_file) {
        node->cpu_factor = 1.0;
        rc = node_from_file(p->nodespec, p->kernel, f, g, ng, node);
    } else {
        rc = pl_parse_node(p->nodespec, node, err, sizeof err) < 0 ? an_bad("%s", err) : AN_OK;
        if (rc == AN_OK && p->kernel)
            rc = an_bad("--kernel needs --node FILE.h5 (a measured curve)");
    }
    if (rc == AN_OK && isfinite(p->cpu_factor))
        node->cpu_factor = p->cpu_factor;
    if (rc == AN_OK && isfinite(p->mem_gb))
        node->mem_gb = p->mem_gb; /* e.g. the file's total less what the OS keeps */
    if (rc == AN_OK && !isfinite(node->mem_gb))
        rc = an_bad("%s: no memory size in the file (/system memory_bytes or monitor samples); "
                    "give --mem-gb M",
                    p->nodespec);
    return rc;
}

/* Every task planned first: an impossible one is an error before any output. */
static int plan_tasks(pl_task *tasks, size_t nt, const pl_node *node, pl_result *res)
{
    char err[1024];
    for (size_t i = 0; i < nt; i++)
        if (tasks[i].measured_mem) {
            if (!isfinite(node->job_mem_gb))
                return an_bad("task %s: max_rss_gb 'measured' needs --node FILE.h5 --kernel K "
                              "whose file has PSS records (pss_kb, occbench 0.2 or later)",
                              tasks[i].name);
            tasks[i].max_rss_gb = node->job_mem_gb;
        }
    for (size_t i = 0; i < nt; i++)
        if (pl_task_plan(&tasks[i], node, &res[i], err, sizeof err) < 0)
            return an_bad("%s", err);
    return AN_OK;
}

static void plan_print(an_format fmt, const char *kernel, const pl_node *node, const pl_task *tasks,
                       const pl_result *res, size_t nt)
{
    int used = 0; /* tasks that take the measured memory per job */
    for (size_t i = 0; i < nt; i++)
        used += tasks[i].measured_mem;
    if (fmt == AN_CSV)
        printf("task,concurrency,limited_by,node_days\n");
    else {
        printf("node: %d cores, %.4g GB for jobs, cpu_factor %.3g, scaling %s%s%s\n", node->cores,
               node->mem_gb, node->cpu_factor, node->ks ? "measured (" : "linear",
               node->ks ? kernel : "", node->ks ? ")" : "");
        if (isfinite(node->job_mem_gb))
            printf("memory per job measured: %.4g GB (median PSS of %s at k=%d); %s\n",
                   node->job_mem_gb, kernel, node->job_mem_k,
                   used ? "used by the tasks whose max_rss_gb is 'measured'"
                        : "not used: every task gives its own max_rss_gb ('measured' takes it)");
        printf("%-24s %11s %10s %10s %14s\n", "task", "concurrency", "limited_by", "efficiency",
               "node_days");
    }
    double total = 0;
    for (size_t i = 0; i < nt; i++) {
        const pl_result r = res[i];
        total += r.node_days;
        if (fmt == AN_CSV)
            printf("%s,%d,%s,%.6g\n", tasks[i].name, r.concurrency, r.limited_by, r.node_days);
        else
            printf("%-24s %11d %10s %10.3f %14.6g\n", tasks[i].name, r.concurrency, r.limited_by,
                   r.efficiency, r.node_days);
    }
    if (fmt == AN_CSV)
        printf("TOTAL,,,%.6g\n", total);
    else
        printf("%-24s %11s %10s %10s %14.6g\n", "TOTAL", "", "", "", total);
}

int an_cmd_plan(int argc, char **argv, const an_shared *sh)
{
    plan_args p;
    int rc = plan_parse(argc, argv, &p);
    if (rc != AN_OK)
        return rc;
    char err[1024];
    pl_task *tasks;
    size_t nt;
    if (pl_read_workload(p.workload, &tasks, &nt, err, sizeof err) < 0)
        return an_bad("%s", err);
    pl_node node = {.job_mem_gb = NAN};
    an_file f;
    memset(&f, 0, sizeof f);
    an_group *g = NULL;
    size_t ng = 0;
    rc = plan_node(&p, &f, &g, &ng, &node);
    const int *ks = node.ks;
    const double *eff = node.eff;
    if (!strcmp(p.scaling, "linear"))
        node.ks = NULL, node.n = 0;
    pl_result *res = calloc(nt + 1, sizeof *res);
    if (rc == AN_OK && !res)
        rc = an_bad("out of memory");
    if (rc == AN_OK)
        rc = plan_tasks(tasks, nt, &node, res);
    if (rc == AN_OK)
        plan_print(sh->format, p.kernel, &node, tasks, res, nt);
    free(res);
    free((void *)ks);
    free((void *)eff);
    an_groups_free(g, ng);
    an_free(&f);
    free(tasks);
    return rc;
}
