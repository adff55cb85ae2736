/* LD_PRELOAD shim: a file system without POSIX locks (Lustre or NFS mounted
 * without flock). flock() and the fcntl() lock commands fail with ENOLCK, or
 * with the errno OB_NOLOCK_ERRNO names ("ENOSYS"); everything else passes
 * through. For tests/mpi/test_nolock.sh. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

static int lock_errno(void)
{
    const char *e = getenv("OB_NOLOCK_ERRNO");
    return e && !strcmp(e, "ENOSYS") ? ENOSYS : ENOLCK;
}

int flock(int fd, int op)
{
    (void)fd, (void)op;
    errno = lock_errno();
    return -1;
}

static int is_lock_cmd(int cmd)
{
    return cmd == F_SETLK || cmd == F_SETLKW || cmd == F_GETLK
#ifdef F_OFD_SETLK
           || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW || cmd == F_OFD_GETLK
#endif
        ;
}

static int pass_fcntl(const char *name, int fd, int cmd, void *arg)
{
    int (*real)(int, int, ...) = (int (*)(int, int, ...))dlsym(RTLD_NEXT, name);
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(fd, cmd, arg);
}

/* fcntl and fcntl64: a lock command fails, the rest goes to libc's. */
static int lock_or_pass(const char *name, int fd, int cmd, void *arg)
{
    if (is_lock_cmd(cmd)) {
        errno = lock_errno();
        return -1;
    }
    return pass_fcntl(name, fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return lock_or_pass("fcntl", fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return lock_or_pass("fcntl64", fd, cmd, arg);
}
