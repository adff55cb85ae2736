/* The rollback journal of the results file (common/results_journal.h):
 * a child carries a commit (or a creation) to disk and is SIGKILLed just
 * before its Nth change to disk, for every N until the commit completes;
 * after recovery the file must be byte for byte the old content or the
 * new one, never anything else, and a reader's view (before recovery)
 * must be the old content whenever a complete journal is left. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/results_journal.h"

static char dir[64], path[128];

static unsigned char *pattern(size_t n, unsigned seed)
{
    unsigned char *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)((i * 131u + seed * 7u) >> 3);
    return b;
}

static void put_file(const unsigned char *b, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b, n), (ssize_t)n);
    close(fd);
}

/* 1 when the file holds exactly b[0..n). */
static int file_is(const unsigned char *b, size_t n)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || (size_t)sb.st_size != n)
        return 0;
    unsigned char *have = malloc(n ? n : 1);
    int fd = open(path, O_RDONLY);
    int ok = fd >= 0 && read(fd, have, n) == (ssize_t)n && !memcmp(have, b, n);
    if (fd >= 0)
        close(fd);
    free(have);
    return ok;
}

static int exists(const char *suffix)
{
    char name[160];
    snprintf(name, sizeof name, "%s%s", path, suffix);
    return access(name, F_OK) == 0;
}

/* In a child: the commit of `image` over `old` (or the creation of image
 * when old is NULL), killed at write point `kill_at` (0: never). Returns 1
 * when the child was killed, 0 when it completed the commit. */
static int commit_in_child(const unsigned char *old, size_t old_size, const unsigned char *image,
                           size_t new_size, long kill_at)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char v[32];
        snprintf(v, sizeof v, "%ld", kill_at);
        setenv("OCCBENCH_TEST_KILL_AT_WRITE", v, 1);
        ob_journal_failure f = {0};
        int rc;
        if (old) {
            int fd = open(path, O_RDWR);
            rc = fd < 0 ? -1 : ob_journal_commit(fd, path, old, old_size, image, new_size, &f);
        } else
            rc = ob_journal_create(path, image, new_size, 0, &f);
        _exit(rc == 0 ? 0 : 3);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st)) {
        assert_int_equal(WTERMSIG(st), SIGKILL);
        return 1;
    }
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    return 0;
}

/* Kill the commit at every point: the reader's view and the recovered
 * file are old or new, and once the journal is complete they are old. */
static void kill_everywhere(size_t old_size, size_t new_size, const size_t *changes,
                            size_t nchanges)
{
    unsigned char *old = pattern(old_size, 1), *image = pattern(new_size, 1);
    for (size_t i = 0; i < nchanges; i++)
        if (changes[i] < new_size)
            image[changes[i]] ^= 0x5a;
    int saw_old = 0;
    long points = 0;
    for (long n = 1;; n++) {
        put_file(old, old_size);
        if (!commit_in_child(old, old_size, image, new_size, n)) {
            assert_true(file_is(image, new_size));
            assert_false(exists(".journal"));
            points = n - 1;
            break;
        }
        unsigned char *view = NULL;
        size_t vsize = 0;
        int v = ob_journal_view(path, &view, &vsize);
        assert_true(v == 0 || v == 1);
        if (v == 1) /* a complete journal: the view is the last commit */
            assert_true(vsize == old_size && !memcmp(view, old, old_size));
        free(view);
        ob_journal_failure f = {0};
        int found = ob_journal_recover(path, &f);
        assert_true(found >= 0);
        assert_false(exists(".journal"));
        int is_old = file_is(old, old_size), is_new = file_is(image, new_size);
        if (!is_old && !is_new)
            fail_msg("killed at write point %ld: the file is neither the old nor the new one", n);
        assert_true(v == 0 || is_old); /* a complete journal rolls back */
        saw_old |= is_old;
    }
    /* the cut points really cut: there are several, and some left the old file */
    assert_true(points >= 6);
    assert_true(saw_old);
    free(old);
    free(image);
}

static void test_commit_that_grows(void **state)
{
    (void)state;
    const size_t changes[] = {5, 40, 9000, 20000};
    kill_everywhere(24 * 1024 + 100, 40 * 1024 + 7, changes, 4);
}

static void test_commit_that_shrinks(void **state)
{
    (void)state;
    const size_t changes[] = {0, 12345};
    kill_everywhere(30 * 1024, 16 * 1024 + 3, changes, 2);
}

static void test_commit_in_place(void **state)
{
    (void)state;
    const size_t changes[] = {1, 4096, 4097, 8191, 16384};
    kill_everywhere(20 * 1024, 20 * 1024, changes, 5);
}

/* A creation killed anywhere leaves no file or the whole one. */
static void test_creation_killed(void **state)
{
    (void)state;
    size_t n = 10000;
    unsigned char *image = pattern(n, 3);
    for (long k = 1;; k++) {
        unlink(path);
        if (!commit_in_child(NULL, 0, image, n, k)) {
            assert_true(file_is(image, n));
            assert_false(exists(".new"));
            break;
        }
        ob_journal_failure f = {0};
        assert_true(ob_journal_recover(path, &f) >= 0);
        assert_false(exists(".new"));
        assert_true(access(path, F_OK) != 0 || file_is(image, n));
    }
    /* an existing file is not replaced by a creation */
    put_file(image, 100);
    ob_journal_failure f = {0};
    assert_int_equal(ob_journal_create(path, image, n, 0, &f), -1);
    assert_int_equal(f.err, EEXIST);
    assert_true(file_is(image, 100));
    assert_false(exists(".new"));
    free(image);
}

/* A journal cut short (or damaged) is no journal: the file is kept as it
 * is and the journal dropped. */
static void test_damaged_journal_dropped(void **state)
{
    (void)state;
    size_t n = 9000;
    unsigned char *old = pattern(n, 4), *image = pattern(n, 5);
    put_file(old, n);
    /* a complete journal, left by a child killed before it touched the file */
    long point = 0;
    for (long k = 1; !point; k++) {
        put_file(old, n);
        char jn[160];
        snprintf(jn, sizeof jn, "%s.journal", path);
        unlink(jn);
        if (!commit_in_child(old, n, image, n, k))
            fail_msg("no kill point left a complete journal and the file untouched");
        unsigned char *view = NULL;
        size_t vs = 0;
        if (ob_journal_view(path, &view, &vs) == 1 && file_is(old, n))
            point = k;
        free(view);
    }
    char jn[160];
    snprintf(jn, sizeof jn, "%s.journal", path);
    struct stat sb;
    assert_int_equal(stat(jn, &sb), 0);
    /* flip one byte of its payload: the checksum fails */
    int fd = open(jn, O_RDWR);
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, sb.st_size / 2), 1);
    c ^= 1;
    assert_int_equal(pwrite(fd, &c, 1, sb.st_size / 2), 1);
    close(fd);
    unsigned char *view = NULL;
    size_t vs = 0;
    assert_int_equal(ob_journal_view(path, &view, &vs), 0);
    ob_journal_failure f = {0};
    assert_int_equal(ob_journal_recover(path, &f), OB_JOURNAL_DROPPED);
    assert_true(file_is(old, n));
    assert_false(exists(".journal"));
    assert_int_equal(ob_journal_recover(path, &f), OB_JOURNAL_NONE);
    free(old);
    free(image);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ob-journal-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/r.h5", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_that_grows),       cmocka_unit_test(test_commit_that_shrinks),
        cmocka_unit_test(test_commit_in_place),         cmocka_unit_test(test_creation_killed),
        cmocka_unit_test(test_damaged_journal_dropped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
