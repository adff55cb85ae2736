/* an_load: read a results file in a child process first (see below). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/file.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/analyze.h"
#include "analysis/h5read.h"

/* HDF5 1.10 trusts what it reads: a damaged variable-length string heap
 * can make it crash or spin inside the library. So a file is first read
 * in a child process; only when that child comes back cleanly is it read
 * here. The child's limit is OCCBENCH_ANALYZE_LOAD_TIMEOUT seconds (default 300);
 * OCCBENCH_ANALYZE_NO_PRECHECK=1 skips the child (debugging). */
/* Is an occbench launch writing `path` now? It holds an flock on
 * PATH.live while it does (driver/record/results_file.c). */
static int being_written(const char *path)
{
    char marker[4200];
    snprintf(marker, sizeof marker, "%s.live", path);
    int fd = open(marker, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int live = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return live;
}

static int load_once(const char *path, an_file *f, char *err, size_t errlen);

/* A file a live launch writes can be caught between a step's writes: read
 * again (up to 10 s) rather than call it corrupted, and say so if it never
 * reads. */
int an_load(const char *path, an_file *f, char *err, size_t errlen)
{
    int rc = load_once(path, f, err, errlen);
    for (int i = 0; rc != 0 && i < 50 && being_written(path) && !strstr(err, "LOAD_TIMEOUT"); i++) {
        struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
        rc = load_once(path, f, err, errlen);
    }
    if (rc != 0 && being_written(path) && !strstr(err, "LOAD_TIMEOUT"))
        an_seterr(err, errlen,
                  "%s: a live occbench launch is writing it and it did not read in 10 s (%s.live); "
                  "try again between its steps",
                  path, path);
    return rc;
}

static int load_once(const char *path, an_file *f, char *err, size_t errlen)
{
    const char *skip = getenv("OCCBENCH_ANALYZE_NO_PRECHECK");
    if (skip && *skip == '1')
        return an_load_in_process(path, f, err, errlen);
    const char *lim = getenv("OCCBENCH_ANALYZE_LOAD_TIMEOUT");
    unsigned limit = 300;
    if (lim) { /* set: whole seconds, or a one-line refusal */
        char *end = NULL;
        errno = 0;
        long v = strtol(lim, &end, 10);
        if (errno || end == lim || *end || v < 1 || v > 86400) {
            snprintf(err, errlen,
                     "OCCBENCH_ANALYZE_LOAD_TIMEOUT=%.40s is not valid (accepted: whole seconds "
                     "from 1 to 86400, or unset for 300)",
                     lim);
            return -1;
        }
        limit = (unsigned)v;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        alarm(limit);
        an_file tmp;
        char e[16];
        _exit(an_load_in_process(path, &tmp, e, sizeof e) == 0 ? 0 : 2);
    }
    if (pid > 0) {
        int st;
        while (waitpid(pid, &st, 0) < 0)
            if (errno != EINTR) {
                st = 0;
                break;
            }
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) {
            memset(f, 0, sizeof *f);
            an_seterr(err, errlen, "%s: corrupted file: reading it did not finish in %u s", path,
                      limit);
            return -1;
        }
        if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 2)) {
            memset(f, 0, sizeof *f);
            an_seterr(err, errlen, "%s: corrupted file: the HDF5 library failed reading it (%s %d)",
                      path, WIFSIGNALED(st) ? "signal" : "exit",
                      WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
            return -1;
        }
    }
    /* fork failed, or the child read it (or failed cleanly): read it here */
    return an_load_in_process(path, f, err, errlen);
}
