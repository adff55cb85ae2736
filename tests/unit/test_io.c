/* io: the kernel at the ci preset in a temporary directory and on tmpfs
 * validates and leaves nothing behind; a missing --io-dir fails with the
 * path in the reason; failures injected mid-run (the directory replaced by
 * a file, a full tiny tmpfs, a tmpfs remounted read-only; the last two need
 * mount(2), i.e. root or CAP_SYS_ADMIN, and are skipped otherwise) fail
 * cleanly with OB_ENOSPC / OB_ERR and leave no stray files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernels/lib/datastore.h"
#include "occbench/kernel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const ob_kernel *io_kernel(void)
{
    const ob_kernel *k = ob_kernel_find("io");
    assert_non_null(k);
    return k;
}

/* A fresh empty directory under `parent`. */
static void make_temp_dir(const char *parent, char *out, size_t len)
{
    snprintf(out, len, "%s/occbench-test-io.XXXXXX", parent);
    assert_non_null(mkdtemp(out));
}

static int entries_in(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* Setup, `reps` validated repetitions, teardown; the directory stays empty
 * between repetitions and after. */
static void run_clean(const char *dir, int reps)
{
    const ob_kernel *k = io_kernel();
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, dir);
    assert_non_null(ctx);
    void *st = NULL;
    int rc = k->setup(ctx, &st);
    if (rc != OB_OK)
        fail_msg("setup in %s: %s", dir, ob_ctx_error(ctx));
    char why[256] = "";
    assert_int_not_equal(k->verify(st, why, sizeof why), 0); /* nothing read yet */
    for (int r = 0; r < reps; r++) {
        rc = k->run(st, ctx);
        if (rc != OB_OK)
            fail_msg("run in %s: %s", dir, ob_ctx_error(ctx));
        why[0] = '\0';
        if (k->verify(st, why, sizeof why) != 0)
            fail_msg("verify: %s", why);
        assert_int_equal(entries_in(dir), 0);
    }
    assert_true(ob_ctx_standalone_phase_seconds(ctx, 0) > 0.0);
    assert_true(ob_ctx_standalone_phase_seconds(ctx, 1) > 0.0);
    k->teardown(st);
    assert_int_equal(entries_in(dir), 0);
    ob_ctx_standalone_free(ctx);
}

static const char *tmp_parent(void)
{
    const char *t = getenv("TMPDIR");
    return (t && *t) ? t : "/tmp";
}

static void touch(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
}

static int exists_in(const char *dir, const char *name)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* What a killed run left (this host, a pid that is gone) is removed; files of
 * a running process, of another host and of anything else stay. */
static void test_remove_stale(void **state)
{
    (void)state;
    char dir[512], host[256] = "";
    make_temp_dir(tmp_parent(), dir, sizeof dir);
    gethostname(host, sizeof host - 1);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child); /* reaped: its pid is gone */

    char mine[1024], dead[600], live[600], other[600];
    assert_int_equal(ob_ds_path(mine, sizeof mine, dir, "io", 3, "dat"), 0);
    char want[2048];
    snprintf(want, sizeof want, "%s/occbench-io.%s.p%ld.r3.dat", dir, host, (long)getpid());
    assert_string_equal(mine, want);
    snprintf(dead, sizeof dead, "occbench-isr.%s.p%ld.r0.raw.bin", host, (long)child);
    snprintf(live, sizeof live, "occbench-io.%s.p%ld.r1.dat", host, (long)getpid());
    snprintf(other, sizeof other, "occbench-io.%s-elsewhere.p%ld.r0.dat", host, (long)child);
    touch(dir, dead);
    touch(dir, live);
    touch(dir, other);
    touch(dir, "occbench-notes.txt");
    char first[256] = "";
    assert_int_equal(ob_ds_remove_stale(dir, first, sizeof first), 1);
    assert_string_equal(first, dead);
    assert_false(exists_in(dir, dead));
    assert_true(exists_in(dir, live) && exists_in(dir, other));
    assert_true(exists_in(dir, "occbench-notes.txt"));
    assert_int_equal(ob_ds_remove_stale(dir, NULL, 0), 0);
    assert_int_equal(ob_ds_remove_stale("/nonexistent-occbench-dir", NULL, 0), 0);
    const char *names[] = {live, other, "occbench-notes.txt"};
    for (int i = 0; i < 3; i++) {
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_plan_sizes(void **state)
{
    (void)state;
    const ob_kernel *k = io_kernel();
    assert_int_equal(ob_kernel_phase_count(k), 2);
    assert_string_equal(k->phases[0], "write");
    assert_string_equal(k->phases[1], "read");
    ob_plan ci, small, lsst;
    assert_int_equal(ob_kernel_plan(k, OB_PRESET_CI, NULL, NULL, &ci, NULL, 0), OB_OK);
    assert_int_equal(ob_kernel_plan(k, OB_PRESET_SMALL, NULL, NULL, &small, NULL, 0), OB_OK);
    assert_int_equal(ob_kernel_plan(k, OB_PRESET_LSST, NULL, NULL, &lsst, NULL, 0), OB_OK);
    /* lsst: a 4072 x 4000 postISRCCD, image + mask + variance, 4 bytes each,
     * written once and read once */
    assert_true(lsst.work_units == 2.0 * 4072 * 4000 * 12);
    assert_true(small.work_units == 2.0 * 2036 * 2000 * 12);
    assert_true(ci.work_units >= 2e6 && ci.work_units <= 8.4e6);
    assert_string_equal(lsst.figure_name, "MB/s");
}

static void test_ci_in_temp_dir(void **state)
{
    (void)state;
    char dir[512];
    make_temp_dir(tmp_parent(), dir, sizeof dir);
    run_clean(dir, 3);
    assert_int_equal(rmdir(dir), 0);
}

static void test_ci_on_tmpfs(void **state)
{
    (void)state;
    struct stat sb;
    if (stat("/dev/shm", &sb) != 0 || !S_ISDIR(sb.st_mode) || access("/dev/shm", W_OK) != 0) {
        print_message("skipped: /dev/shm is not a writable directory here\n");
        skip();
    }
    char dir[512];
    make_temp_dir("/dev/shm", dir, sizeof dir);
    run_clean(dir, 2);
    assert_int_equal(rmdir(dir), 0);
}

static void test_missing_dir(void **state)
{
    (void)state;
    const ob_kernel *k = io_kernel();
    char parent[512], missing[600];
    make_temp_dir(tmp_parent(), parent, sizeof parent);
    snprintf(missing, sizeof missing, "%s/does-not-exist", parent);
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, missing);
    void *st = NULL;
    assert_int_equal(k->setup(ctx, &st), OB_ERR);
    assert_non_null(strstr(ob_ctx_error(ctx), missing));
    assert_non_null(strstr(ob_ctx_error(ctx), strerror(ENOENT)));
    if (st)
        k->teardown(st);
    ob_ctx_standalone_free(ctx);

    /* a file where the directory should be */
    int fd = open(missing, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, missing);
    st = NULL;
    assert_int_equal(k->setup(ctx, &st), OB_ERR);
    assert_non_null(strstr(ob_ctx_error(ctx), missing));
    assert_non_null(strstr(ob_ctx_error(ctx), "not a directory"));
    if (st)
        k->teardown(st);
    ob_ctx_standalone_free(ctx);
    assert_int_equal(unlink(missing), 0);
    assert_int_equal(rmdir(parent), 0);
}

/* A directory this process may not write to: setup fails naming it and
 * the reason. As root, chmod stops nothing, so a child drops to the
 * `nobody` uid (65534) first; otherwise the directory is made 0555. */
static void test_not_writable_dir(void **state)
{
    (void)state;
    char dir[512];
    make_temp_dir(tmp_parent(), dir, sizeof dir);
    assert_int_equal(chmod(dir, 0555), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3); /* cannot drop privileges: reported as a skip */
        if (access(dir, W_OK) == 0)
            _exit(3);
        const ob_kernel *k = ob_kernel_find("io");
        ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, dir);
        void *st = NULL;
        int rc = k->setup(ctx, &st);
        /* "not writable: Permission denied", or the same errno from stat()
         * when a parent is not searchable for this uid */
        int ok = rc == OB_ERR && strstr(ob_ctx_error(ctx), dir) &&
                 strstr(ob_ctx_error(ctx), strerror(EACCES));
        if (!ok)
            fprintf(stderr, "setup rc %d: %s\n", rc, ob_ctx_error(ctx));
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    int left = entries_in(dir);
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(rmdir(dir), 0);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 3) {
        print_message("skipped: cannot make a directory unwritable for this process\n");
        skip();
    }
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(left, 0);
}

/* The io dir is replaced by a regular file between setup and run: this
 * stops root as well, unlike chmod. */
static void test_dir_replaced_mid_run(void **state)
{
    (void)state;
    const ob_kernel *k = io_kernel();
    char dir[512];
    make_temp_dir(tmp_parent(), dir, sizeof dir);
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, dir);
    void *st = NULL;
    assert_int_equal(k->setup(ctx, &st), OB_OK);
    assert_int_equal(rmdir(dir), 0);
    int fd = open(dir, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    int rc = k->run(st, ctx);
    assert_int_equal(rc, OB_ERR);
    assert_non_null(strstr(ob_ctx_error(ctx), dir));
    assert_non_null(strstr(ob_ctx_error(ctx), strerror(ENOTDIR)));
    k->teardown(st);
    ob_ctx_standalone_free(ctx);
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    assert_true(S_ISREG(sb.st_mode) && sb.st_size == 0); /* ours, untouched */
    assert_int_equal(unlink(dir), 0);
}

/* A tmpfs of `size` mounted on a fresh directory, or skip. */
static void mount_tmpfs_or_skip(char *dir, size_t len, const char *size)
{
    make_temp_dir(tmp_parent(), dir, len);
    char opts[64];
    snprintf(opts, sizeof opts, "size=%s", size);
    if (mount("tmpfs", dir, "tmpfs", 0, opts) != 0) {
        int err = errno;
        rmdir(dir);
        print_message("skipped: cannot mount a tmpfs on %s (%s); needs root or CAP_SYS_ADMIN\n",
                      dir, strerror(err));
        skip();
    }
}

static void unmount_and_remove(const char *dir)
{
    if (umount(dir) != 0)
        assert_int_equal(umount2(dir, MNT_DETACH), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_enospc_on_tiny_tmpfs(void **state)
{
    (void)state;
    const ob_kernel *k = io_kernel();
    ob_plan plan;
    assert_int_equal(ob_kernel_plan(k, OB_PRESET_CI, NULL, NULL, &plan, NULL, 0), OB_OK);
    assert_true(plan.work_units / 2 > 1.1 * 1024 * 1024); /* the file outgrows 1 MiB */
    char dir[512];
    mount_tmpfs_or_skip(dir, sizeof dir, "1M");
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, dir);
    void *st = NULL;
    assert_int_equal(k->setup(ctx, &st), OB_OK);
    int rc = k->run(st, ctx);
    int left = entries_in(dir); /* before teardown: the run itself cleans up */
    char msg[256];
    snprintf(msg, sizeof msg, "%s", ob_ctx_error(ctx));
    k->teardown(st);
    ob_ctx_standalone_free(ctx);
    unmount_and_remove(dir);
    assert_int_equal(rc, OB_ENOSPC);
    assert_non_null(strstr(msg, strerror(ENOSPC)));
    assert_int_equal(left, 0);
}

static void test_readonly_remount_mid_run(void **state)
{
    (void)state;
    const ob_kernel *k = io_kernel();
    char dir[512];
    mount_tmpfs_or_skip(dir, sizeof dir, "16M");
    ob_ctx *ctx = ob_ctx_standalone(OB_PRESET_CI, NULL, dir);
    void *st = NULL;
    assert_int_equal(k->setup(ctx, &st), OB_OK);
    assert_int_equal(k->run(st, ctx), OB_OK); /* fine while writable */
    char why[256];
    assert_int_equal(k->verify(st, why, sizeof why), 0);
    int rc = mount("tmpfs", dir, "tmpfs", MS_REMOUNT | MS_RDONLY, "size=16M");
    if (rc != 0) {
        k->teardown(st);
        ob_ctx_standalone_free(ctx);
        unmount_and_remove(dir);
        print_message("skipped: cannot remount %s read-only (%s)\n", dir, strerror(errno));
        skip();
    }
    rc = k->run(st, ctx);
    int left = entries_in(dir);
    char msg[256];
    snprintf(msg, sizeof msg, "%s", ob_ctx_error(ctx));
    k->teardown(st);
    ob_ctx_standalone_free(ctx);
    unmount_and_remove(dir);
    assert_int_equal(rc, OB_ERR);
    assert_non_null(strstr(msg, dir));
    assert_non_null(strstr(msg, strerror(EROFS)));
    assert_int_equal(left, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_sizes),
        cmocka_unit_test(test_remove_stale),
        cmocka_unit_test(test_ci_in_temp_dir),
        cmocka_unit_test(test_ci_on_tmpfs),
        cmocka_unit_test(test_missing_dir),
        cmocka_unit_test(test_not_writable_dir),
        cmocka_unit_test(test_dir_replaced_mid_run),
        cmocka_unit_test(test_enospc_on_tiny_tmpfs),
        cmocka_unit_test(test_readonly_remount_mid_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
