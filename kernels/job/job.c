/* job: an outside command as a kernel of the ladder. Each repetition runs
 * the command once, bound to the rank's core (the child inherits the rank's
 * binding), with its own environment (OCCBENCH_RANK, _NODE_RANK, _K, _REP,
 * _IO_DIR, _PHASE_FD) and per-rank logs; the driver records the sample of
 * the whole process tree (kernels/job/job_tree.h) instead of its own
 * thread's. A non-zero exit or a signal fails the repetition (and with it
 * the step), quoting the end of the run's stderr. The run ends when the
 * command ends: what it left running in its process group is killed. */
#include "kernels/job/job.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/procfs.h"
#include "kernels/job/job_marks.h"
#include "kernels/job/job_tree.h"
#include "occbench/records.h"

#define JOB_MAX_PHASES 16 /* phases a job may mark (the driver keeps 32) */
#define JOB_MAX_ARGS 256
#define JOB_SCAN_S 0.05       /* between scans of the tree while it runs */
#define JOB_FIRST_SCAN_S 0.01 /* the first, with the PSS, so short runs have one */
#define JOB_POLL_S 0.002      /* between checks for the end without a pidfd */
#define JOB_PSS_EVERY 10      /* scans per PSS sample (smaps_rollup walks page tables) */

extern char **environ;

/* The launch's job (one per launch) and its phases, named as the job marks
 * them: the first rank's order of first marks. */
static ob_job_spec spec;
static const char *log_prefix = "occbench-job";
static char phase_names[JOB_MAX_PHASES][64];
static const char *phases[JOB_MAX_PHASES + 1];
static ob_phase_class classes[JOB_MAX_PHASES];

typedef struct job_state {
    int runs; /* runs so far: the next one is repetition `runs` */
    int out_fd, err_fd;
    char err_path[PATH_MAX];
    ob_sample last; /* the last run's tree */
    double maxrss_kb, pss_kb, harness_s;
    int bad_marks; /* malformed or unmatched marks this step (reported once) */
    int open[JOB_MAX_PHASES];
    int corrupt;     /* test hook */
    int interrupted; /* the launch stopped during the run */
    char failure[256];
} job_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int ob_job_resolve(const char *cmd, char *out, size_t outlen, char *why, size_t whylen)
{
    struct stat st;
    if (!cmd || !*cmd) {
        snprintf(why, whylen, "an empty command");
        return -1;
    }
    if (strchr(cmd, '/')) {
        if (stat(cmd, &st) != 0 || S_ISDIR(st.st_mode) || access(cmd, X_OK) != 0) {
            snprintf(why, whylen, "%s: %s", cmd,
                     stat(cmd, &st) != 0   ? strerror(errno)
                     : S_ISDIR(st.st_mode) ? "a directory"
                                           : "not executable");
            return -1;
        }
        snprintf(out, outlen, "%s", cmd);
        return 0;
    }
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char cand[PATH_MAX];
        snprintf(cand, sizeof cand, "%s/%s", *d ? d : ".", cmd);
        if (stat(cand, &st) == 0 && !S_ISDIR(st.st_mode) && access(cand, X_OK) == 0) {
            snprintf(out, outlen, "%s", cand);
            return 0;
        }
    }
    snprintf(why, whylen, "%s: not found on PATH", cmd);
    return -1;
}

/* ---- the phases a job marks ------------------------------------------------ */

static int phase_index(const ob_mark *m)
{
    int p = 0;
    while (p < JOB_MAX_PHASES && phases[p] && strcmp(phases[p], m->name))
        p++;
    if (p == JOB_MAX_PHASES || (!phases[p] && m->kind != OB_MARK_BEGIN))
        return -1;    /* full, or an end of a phase never begun */
    if (!phases[p]) { /* first begun: named now, for the whole launch */
        snprintf(phase_names[p], sizeof phase_names[p], "%s", m->name);
        classes[p] = m->io ? OB_PHASE_IO : OB_PHASE_COMPUTE;
        phases[p] = phase_names[p];
    }
    return p;
}

static void on_mark(job_state *s, ob_ctx *ctx, ob_tree *tree, const char *line)
{
    ob_mark m;
    int p = ob_job_parse_mark(line, &m) == OB_MARK_BAD ? -1 : phase_index(&m);
    int ok = p >= 0 && (m.kind == OB_MARK_BEGIN ? !s->open[p] : s->open[p]);
    if (!ok) {
        if (s->bad_marks++ == 0)
            fprintf(stderr,
                    "occbench: job %s rank %d: phase mark '%.80s' ignored (accepted: 'begin NAME "
                    "[compute|io]' and a matching 'end NAME', at most %d names; reported once "
                    "per step)\n",
                    spec.name, ob_ctx_rank(ctx), line, JOB_MAX_PHASES);
        return;
    }
    ob_sample at;
    ob_tree_read(tree, &at);
    s->open[p] = m.kind == OB_MARK_BEGIN;
    if (m.kind == OB_MARK_BEGIN)
        ob_phase_begin_at(ctx, p, &at);
    else
        ob_phase_end_at(ctx, p, &at);
}

/* Complete lines of the pipe, kept across reads in buf. */
static void read_marks(job_state *s, ob_ctx *ctx, ob_tree *tree, int fd, char *buf, size_t *used,
                       size_t cap)
{
    ssize_t n = read(fd, buf + *used, cap - 1 - *used);
    if (n <= 0)
        return;
    *used += (size_t)n;
    buf[*used] = '\0';
    char *line = buf, *nl;
    while ((nl = strchr(line, '\n'))) {
        *nl = '\0';
        on_mark(s, ctx, tree, line);
        line = nl + 1;
    }
    *used = strlen(line);
    memmove(buf, line, *used + 1);
    if (*used == cap - 1) { /* a line longer than the buffer: one bad mark */
        on_mark(s, ctx, tree, buf);
        *used = 0;
    }
}

/* ---- one run ------------------------------------------------------------------ */

/* arg with {rank}, {node_rank}, {k}, {rep} and {io_dir} replaced. */
static char *substitute(const char *arg, ob_ctx *ctx, int rep)
{
    char out[8192], num[32];
    size_t used = 0;
    for (const char *p = arg; *p && used < sizeof out - 1;) {
        const char *val = NULL;
        size_t skip = 0;
        static const char *const keys[] = {"{rank}", "{node_rank}", "{k}", "{rep}", "{io_dir}"};
        for (int k = 0; k < 5 && !val; k++)
            if (!strncmp(p, keys[k], strlen(keys[k]))) {
                int v = k == 0   ? ob_ctx_rank(ctx)
                        : k == 1 ? ob_ctx_node_rank(ctx)
                        : k == 2 ? ob_ctx_active(ctx)
                                 : rep;
                snprintf(num, sizeof num, "%d", v);
                val = k == 4 ? ob_ctx_io_dir(ctx) : num;
                skip = strlen(keys[k]);
            }
        if (val) {
            used += (size_t)snprintf(out + used, sizeof out - used, "%s", val);
            p += skip;
        } else
            out[used++] = *p++;
    }
    out[used < sizeof out ? used : sizeof out - 1] = '\0';
    return strdup(out);
}

typedef struct run_env {
    char *argv[JOB_MAX_ARGS + 1];
    char **envp;
    char vars[6][PATH_MAX + 32];
} run_env;

/* argv and the environment, built before fork (the child only execs). */
static int build_env(run_env *e, ob_ctx *ctx, int rep, int phase_fd)
{
    int n = spec.argc < JOB_MAX_ARGS ? spec.argc : JOB_MAX_ARGS;
    for (int i = 0; i < n; i++)
        if (!(e->argv[i] = substitute(spec.argv[i], ctx, rep)))
            return -1;
    e->argv[n] = NULL;
    snprintf(e->vars[0], sizeof e->vars[0], "OCCBENCH_RANK=%d", ob_ctx_rank(ctx));
    snprintf(e->vars[1], sizeof e->vars[1], "OCCBENCH_NODE_RANK=%d", ob_ctx_node_rank(ctx));
    snprintf(e->vars[2], sizeof e->vars[2], "OCCBENCH_K=%d", ob_ctx_active(ctx));
    snprintf(e->vars[3], sizeof e->vars[3], "OCCBENCH_REP=%d", rep);
    snprintf(e->vars[4], sizeof e->vars[4], "OCCBENCH_IO_DIR=%s", ob_ctx_io_dir(ctx));
    snprintf(e->vars[5], sizeof e->vars[5], "OCCBENCH_PHASE_FD=%d", phase_fd);
    size_t ne = 0;
    while (environ[ne])
        ne++;
    e->envp = calloc(ne + 7, sizeof *e->envp);
    if (!e->envp)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) { /* ours replace any inherited ones */
        int ours = 0;
        for (int v = 0; v < 6 && !ours; v++)
            ours = !strncmp(environ[i], e->vars[v], strcspn(e->vars[v], "=") + 1);
        if (!ours)
            e->envp[k++] = environ[i];
    }
    for (int v = 0; v < 6; v++)
        e->envp[k++] = e->vars[v];
    e->envp[k] = NULL;
    return 0;
}

static void free_env(run_env *e)
{
    for (int i = 0; i < JOB_MAX_ARGS && e->argv[i]; i++)
        free(e->argv[i]);
    free(e->envp);
}

/* What the spawned child reads and writes: it shares the rank's memory
 * until its exec (a vfork), so it only makes system calls, and the rank
 * waits meanwhile. */
typedef struct spawn_arg {
    const run_env *e;
    int out_fd, err_fd, phase_wr;
    sigset_t mask; /* the rank's signal mask, the job's from its exec on */
    int counters[OB_TREE_NCOUNTERS];
    int exec_errno; /* why the exec failed; 0 when it ran */
} spawn_arg;

/* The child: its counters first (into the shared fd table, so the rank
 * holds them), then a table of its own with the logs as stdout and stderr,
 * the phase pipe as fd 3 and nothing else (MPI's sockets and HDF5's files
 * stay with the rank), its own process group, and the exec. */
static int child(void *varg)
{
    spawn_arg *a = varg;
    ob_tree_open_counters(a->counters);
    int null = -1;
    if (unshare(CLONE_FILES) != 0 || setpgid(0, 0) != 0 ||
        (null = open("/dev/null", O_RDONLY)) < 0 || dup2(null, 0) < 0 || dup2(a->out_fd, 1) < 0 ||
        dup2(a->err_fd, 2) < 0 || dup2(a->phase_wr, 3) < 0) {
        a->exec_errno = errno ? errno : EINVAL;
        _exit(127);
    }
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 4U, ~0U, 0U) != 0)
#endif
        for (int fd = 4; fd < 4096; fd++)
            close(fd);
    sigprocmask(SIG_SETMASK, &a->mask, NULL);
    execve(spec.path, a->e->argv, a->e->envp);
    a->exec_errno = errno;
    _exit(127);
}

/* The last lines of this run's stderr (from `from`), on one line. */
static void stderr_tail(const job_state *s, off_t from, char *out, size_t len)
{
    out[0] = '\0';
    int fd = open(s->err_path, O_RDONLY);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END), start = end - 100 > from ? end - 100 : from;
    char buf[200];
    ssize_t n = start < end ? pread(fd, buf, (size_t)(end - start), start) : 0;
    close(fd);
    if (n <= 0)
        return;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\t' || (unsigned char)*c < 32)
            *c = '|';
    snprintf(out, len, "; stderr ends: %.100s", buf);
}

static void describe_end(job_state *s, int status, int timed_out, off_t err_from)
{
    char tail[128];
    stderr_tail(s, err_from, tail, sizeof tail);
    if (timed_out)
        snprintf(s->failure, sizeof s->failure, "killed after --job-timeout %g s%s", spec.timeout,
                 tail);
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        snprintf(s->failure, sizeof s->failure, "%.60s exited with status %d%s", spec.argv[0],
                 WEXITSTATUS(status), tail);
    else if (WIFSIGNALED(status))
        snprintf(s->failure, sizeof s->failure, "%.60s killed by signal %d (%s)%s", spec.argv[0],
                 WTERMSIG(status), strsignal(WTERMSIG(status)), tail);
}

/* Between scans: JOB_SCAN_S, then a quarter of the run so far, at most
 * 2 s: each scan wakes the rank on the job's core (about 0.15 ms of its CPU
 * on the build VM), so a long run costs a few dozen scans, not thousands. */
static double scan_interval(double elapsed)
{
    double dt = 0.25 * elapsed;
    return dt < JOB_SCAN_S ? JOB_SCAN_S : dt > 2.0 ? 2.0 : dt;
}

/* An fd that polls readable when `pid` exits (Linux 5.3+), or -1. */
static int exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* Wait for the root to exit: marks as they come, a scan every JOB_SCAN_S,
 * the timeout. The exit wakes the wait at once through a pidfd; a kernel
 * without pidfds is polled every JOB_POLL_S instead. Returns 1 when the
 * timeout killed the tree. */
static int watch(job_state *s, ob_ctx *ctx, ob_tree *tree, pid_t pid, int phase_rd, double t0)
{
    int forwarded = 0;
    char buf[4096];
    size_t used = 0;
    int timed_out = 0, efd = exit_fd(pid);
    struct pollfd pf[2] = {{phase_rd, POLLIN, 0}, {efd, POLLIN, 0}};
    double next_scan = now() + JOB_FIRST_SCAN_S;
    for (;;) {
        pf[0].revents = pf[1].revents = 0;
        double wait_s = next_scan - now();
        if (efd < 0 && wait_s > JOB_POLL_S)
            wait_s = JOB_POLL_S;
        int ready = poll(pf, efd >= 0 ? 2 : 1, wait_s > 0 ? (int)(wait_s * 1000) + 1 : 0);
        if (ready > 0 && (pf[0].revents & POLLIN))
            read_marks(s, ctx, tree, phase_rd, buf, &used, sizeof buf);
        else if (ready > 0 && (pf[0].revents & (POLLHUP | POLLERR)))
            pf[0].fd = -1; /* every writer closed it: poll ignores it now */
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid)
            break;
        double t = now();
        if (spec.timeout > 0 && t - t0 > spec.timeout && !timed_out) {
            kill(-pid, SIGKILL);
            timed_out = 1;
        }
        if (ob_ctx_stopping(ctx) && !forwarded) { /* the launch stops: so does the run */
            kill(-pid, SIGTERM);
            forwarded = 1;
            s->interrupted = 1;
        }
        if (t >= next_scan) {
            ob_tree_scan(tree, JOB_PSS_EVERY);
            next_scan = t + scan_interval(t - t0);
        }
    }
    for (int i = 0; i < 1000 && pf[0].fd >= 0; i++) { /* marks written before the end */
        pf[0].revents = 0;
        if (poll(pf, 1, 0) <= 0 || !(pf[0].revents & POLLIN))
            break;
        read_marks(s, ctx, tree, phase_rd, buf, &used, sizeof buf);
    }
    if (efd >= 0)
        close(efd);
    return timed_out;
}

/* The repetition's sample: the tree's counters and delays, the reaped
 * tree's rusage and this process's I/O (the reaped tree's included). */
static void fill_sample(job_state *s, ob_tree *tree, const struct rusage *ru, double wall,
                        const double io0[2])
{
    ob_sample *o = &s->last;
    ob_sample_set_nan(o);
    o->wall = wall;
    /* ru_maxrss would count the rank's memory the child shared until its exec */
    ob_tree_totals(tree, o, &s->pss_kb, &s->maxrss_kb);
    o->user = (double)ru->ru_utime.tv_sec + 1e-6 * (double)ru->ru_utime.tv_usec;
    o->sys = (double)ru->ru_stime.tv_sec + 1e-6 * (double)ru->ru_stime.tv_usec;
    if (!isfinite(o->cpu_time)) /* no perf_event: the reaped tree's rusage */
        o->cpu_time = o->user + o->sys;
    o->vcsw = (double)ru->ru_nvcsw;
    o->ivcsw = (double)ru->ru_nivcsw;
    o->minflt = (double)ru->ru_minflt;
    o->majflt = (double)ru->ru_majflt;
    ob_proc_io_bytes("/proc/self/io", &o->rbytes, &o->wbytes);
    o->rbytes -= io0[0];
    o->wbytes -= io0[1];
}

#define SPAWN_STACK (64 * 1024)

/* Spawn the command as posix_spawn does (the child shares the rank's
 * memory until its exec, so no page tables are copied: a fork of an MPI
 * rank costs most of a millisecond), with the tree's counters opened by the
 * child before its exec. 0 with *pid and *tree, or -1 with the reason in
 * s->failure. */
static int start(job_state *s, const run_env *e, int phase_wr, pid_t *pid, ob_tree **tree)
{
    spawn_arg a = {.e = e, .out_fd = s->out_fd, .err_fd = s->err_fd, .phase_wr = phase_wr};
    char *stack = malloc(SPAWN_STACK);
    sigset_t all;
    sigfillset(&all);
    if (!stack) {
        snprintf(s->failure, sizeof s->failure, "spawn: out of memory");
        return -1;
    }
    /* no handler of the rank may run in the child before its exec */
    pthread_sigmask(SIG_SETMASK, &all, &a.mask);
    *pid = clone(child, stack + SPAWN_STACK, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &a);
    int err = errno;
    pthread_sigmask(SIG_SETMASK, &a.mask, NULL);
    free(stack);
    if (*pid < 0) {
        snprintf(s->failure, sizeof s->failure, "spawn: %s", strerror(err));
        return -1;
    }
    *tree = ob_tree_adopt(*pid, a.counters);
    if (a.exec_errno || !*tree) {
        snprintf(s->failure, sizeof s->failure, "cannot execute %s: %s", spec.path,
                 strerror(a.exec_errno ? a.exec_errno : ENOMEM));
        return -1;
    }
    return 0;
}

static int job_run(void *state, ob_ctx *ctx)
{
    job_state *s = state;
    int rep = s->runs++;
    double cpu0 = thread_cpu(), io0[2];
    s->failure[0] = '\0';
    s->interrupted = 0;
    ob_sample_set_nan(&s->last);
    s->pss_kb = s->maxrss_kb = NAN;
    int phase[2] = {-1, -1};
    run_env e;
    memset(&e, 0, sizeof e);
    if (pipe2(phase, O_CLOEXEC) || build_env(&e, ctx, rep, 3) != 0) {
        snprintf(s->failure, sizeof s->failure, "setting up the run: %s", strerror(errno));
        goto out;
    }
    off_t err_from = lseek(s->err_fd, 0, SEEK_END);
    ob_proc_io_bytes("/proc/self/io", &io0[0], &io0[1]);
    double t0 = now();
    pid_t pid = -1;
    ob_tree *tree = NULL;
    int started = start(s, &e, phase[1], &pid, &tree);
    close(phase[1]); /* the job holds the write end now */
    phase[1] = -1;
    if (started != 0) {
        if (pid > 0)
            waitpid(pid, NULL, 0);
        ob_tree_close(tree);
        goto out;
    }
    int timed_out = watch(s, ctx, tree, pid, phase[0], t0);
    ob_tree_scan(tree, 0); /* the root is a zombie: its last schedstat */
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    wait4(pid, &status, 0, &ru);
    double wall = now() - t0;
    kill(-pid, SIGKILL); /* whatever the run left in its group */
    fill_sample(s, tree, &ru, wall, io0);
    ob_tree_close(tree);
    describe_end(s, status, timed_out, err_from);
out:
    for (int i = 0; i < 2; i++)
        if (phase[i] >= 0)
            close(phase[i]);
    free_env(&e);
    /* the harness: this thread's CPU outside the tree (fork, scans, reaping) */
    s->harness_s = thread_cpu() - cpu0;
    for (int ph = 0; ph < JOB_MAX_PHASES; ph++)
        s->open[ph] = 0;
    if (s->interrupted || ob_ctx_stopping(ctx)) { /* ended by the stop, maybe by its signal */
        s->failure[0] = '\0';
        ob_ctx_set_error(ctx, "interrupted by SIGTERM");
        return OB_INTERRUPTED;
    }
    if (s->failure[0]) {
        ob_ctx_set_error(ctx, "%s", s->failure);
        return OB_ERR;
    }
    return OB_OK;
}

/* ---- the kernel's other callbacks ------------------------------------------- */

static int job_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                    ob_plan *out, char *why, size_t why_len)
{
    (void)preset, (void)machine, (void)opts, (void)why, (void)why_len;
    out->footprint_bytes = 0; /* the job's own: unknown before it runs */
    out->work_units = 1;
    out->work_unit = "runs";
    out->figure_name = "runs/s";
    out->figure_scale = 1.0;
    size_t used = 0;
    for (int i = 0; i < spec.argc && used < sizeof out->description; i++)
        used += (size_t)snprintf(out->description + used, sizeof out->description - used, "%s%s",
                                 i ? " " : "", spec.argv[i]);
    return OB_OK;
}

static int open_log(const char *what, int rank, char *path, size_t len)
{
    snprintf(path, len, "%s.r%d.%s", log_prefix, rank, what);
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static int job_setup(ob_ctx *ctx, void **state)
{
    job_state *s = calloc(1, sizeof *s);
    if (!s) {
        ob_ctx_set_error(ctx, "out of memory");
        return OB_ERR;
    }
    char out_path[PATH_MAX];
    s->out_fd = open_log("out", ob_ctx_rank(ctx), out_path, sizeof out_path);
    s->err_fd = open_log("err", ob_ctx_rank(ctx), s->err_path, sizeof s->err_path);
    if (s->out_fd < 0 || s->err_fd < 0) {
        ob_ctx_set_error(ctx, "cannot open the job's log %s: %s",
                         s->out_fd < 0 ? out_path : s->err_path, strerror(errno));
        if (s->out_fd >= 0)
            close(s->out_fd);
        free(s);
        return OB_ERR;
    }
    *state = s;
    return OB_OK;
}

static int job_verify(void *state, char *why, size_t why_len)
{
    const job_state *s = state;
    if (s->corrupt) {
        snprintf(why, why_len, "%s: the run's result was damaged (test hook)", spec.name);
        return 1;
    }
    if (s->failure[0]) {
        snprintf(why, why_len, "%s", s->failure);
        return 1;
    }
    return 0;
}

static void job_teardown(void *state)
{
    job_state *s = state;
    close(s->out_fd);
    close(s->err_fd);
    free(s);
}

static void job_corrupt(void *state)
{
    ((job_state *)state)->corrupt = 1;
}

static int job_own_sample(void *state, ob_sample *out, double *maxrss_kb, double *pss_kb,
                          double *harness_s)
{
    const job_state *s = state;
    *out = s->last;
    *maxrss_kb = s->maxrss_kb;
    *pss_kb = s->pss_kb;
    *harness_s = s->harness_s;
    return isfinite(s->last.wall) ? 0 : -1;
}

static ob_kernel job_kernel = {
    .summary = "an outside command (occbench ... -- COMMAND): one run per repetition, its "
               "process tree measured",
    .phases = phases,
    .phase_classes = classes,
    .plan = job_plan,
    .setup = job_setup,
    .run = job_run,
    .verify = job_verify,
    .teardown = job_teardown,
    .corrupt = job_corrupt,
    .own_sample = job_own_sample,
};

const ob_kernel *ob_job_kernel(const ob_job_spec *s)
{
    spec = *s;
    job_kernel.name = spec.name;
    return &job_kernel;
}

void ob_job_set_log_prefix(const char *prefix)
{
    log_prefix = prefix;
}

void ob_job_counters_report(char *out, size_t outlen)
{
    ob_tree_counters_report(out, outlen);
}
