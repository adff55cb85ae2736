/* Kill-safe commits of the results file: a rollback journal.
 *
 * Why a journal: HDF5 changes metadata in place (superblock, B-trees,
 * heaps) while it writes a step, so a SIGKILL inside those writes (a batch
 * system's kill after the grace period, the OOM killer, a node crash) could
 * leave a file no reader opens, with every earlier step in it. The writer
 * therefore builds each commit in memory (HDF5's core driver), and this
 * module carries it to disk so that every instant leaves either the file of
 * the last commit or the new one:
 *   1. the old bytes of every page the commit changes (and the old size)
 *      go to PATH.journal, which is fsynced with its directory;
 *   2. only then are the pages and the new tail written into PATH, fsynced;
 *   3. the journal is removed.
 * A journal that is incomplete (its checksum or end mark fails) was cut
 * short before step 2 began: PATH is untouched and the journal is dropped.
 * A complete one means step 2 may have been cut: its pages put back give
 * the file of the last commit. Space: the journal holds only the changed
 * pages (a few KiB per step), not a copy of the file, so a nearly full
 * disk still takes every step that fits.
 *
 * A new file is written whole to PATH.new, fsynced and renamed to PATH,
 * so a killed creation leaves no file rather than a torn one.
 *
 * Readers never write: ob_journal_view gives the file as of its last
 * commit in memory; the writer's --resume mends the file itself
 * (ob_journal_recover). Both sides (occbench and occbench-analyze) link
 * this file. */
#ifndef OCCBENCH_RESULTS_JOURNAL_H
#define OCCBENCH_RESULTS_JOURNAL_H

#include <stddef.h>

/* The name under which an image is opened with HDF5's core driver (the
 * driver refuses an image under the name of a file that exists, and
 * nothing can exist under /dev/null). Messages name the real path. */
#define OB_JOURNAL_IMAGE_NAME "/dev/null/occbench-results-image"

/* The step of a commit that failed and its errno, for the caller's message. */
typedef struct ob_journal_failure {
    const char *step; /* "reserving space", "writing the journal", "writing the file", ... */
    int err;          /* errno */
} ob_journal_failure;

/* "PATH.journal" and "PATH.new" into out; -1 when it does not fit. */
int ob_journal_name(char *out, size_t len, const char *path);
int ob_journal_new_name(char *out, size_t len, const char *path);

/* Carries a commit to disk: fd is PATH open read-write, old its present
 * content (old_size bytes, as read when the commit began), image the new
 * content. Returns 0 when PATH holds image; -1 with f set when it failed
 * and PATH was put back to old (or, if even that failed, the journal is
 * left for ob_journal_recover). */
int ob_journal_commit(int fd, const char *path, const unsigned char *old, size_t old_size,
                      const unsigned char *image, size_t new_size, ob_journal_failure *f);

/* Writes a new file whole: PATH.new, fsync, rename to PATH (replacing an
 * existing PATH only when `replace`), fsync of the directory. Returns 0,
 * or -1 with f set and nothing left behind. */
int ob_journal_create(const char *path, const unsigned char *image, size_t size, int replace,
                      ob_journal_failure *f);

/* What ob_journal_recover found. */
typedef enum ob_journal_found {
    OB_JOURNAL_NONE = 0,       /* no journal: the file is its last commit */
    OB_JOURNAL_DROPPED = 1,    /* an incomplete journal: the file was untouched */
    OB_JOURNAL_ROLLED_BACK = 2 /* a complete journal: its pages were put back */
} ob_journal_found;

/* The writer, holding the file's claim, before it opens a file a killed
 * launch may have left: applies or drops PATH.journal and removes a
 * leftover PATH.new. Returns what it found, or -1 with f set. */
int ob_journal_recover(const char *path, ob_journal_failure *f);

/* A reader: when PATH.journal is complete, *image (malloc'ed, *size bytes)
 * is the file as of its last commit and 1 is returned; 0 when there is no
 * complete journal (read PATH itself); -1 with errno on a read failure. */
int ob_journal_view(const char *path, unsigned char **image, size_t *size);

/* The whole of the open file fd (from offset 0), malloc'ed, its length in
 * *size; NULL with errno on failure. */
unsigned char *ob_journal_read_file(int fd, size_t *size);

/* Test hook: OCCBENCH_TEST_KILL_AT_WRITE=N makes the process SIGKILL
 * itself just before its Nth change to disk in this module (each write,
 * fsync, truncate, rename and unlink counts), so a test can cut a commit at
 * every point. Counted over the process's life. */
void ob_journal_kill_point(void);

#endif
