/* The io kernel against dd on the same directory with the same size:
 *
 *   kernel  ob_kernel_io: write (8 MiB calls) + fsync, posix_fadvise
 *           DONTNEED, read back, delete (write and read phases timed apart)
 *   dd      dd if=/dev/zero of=F bs=4M count=N conv=fsync; the same
 *           DONTNEED on F from here; dd if=F of=/dev/null bs=4M
 *
 * N = ceil(file size / 4 MiB), so dd moves up to 4 MiB more; both rates
 * use their own byte counts. Each side runs --reps times alternately
 * (kernel, dd, kernel, dd, ...) so drift hits both; medians are printed.
 * dd's time is the wall time of the child (fork + exec included, ~1 ms).
 * One line per measurement, `io_vs_dd key=value ...`, ratios last.
 *
 *   build/bench/io_vs_dd [--dir DIR] [--preset ci|small|lsst] [--reps N]
 *
 * Default: $TMPDIR or /tmp, preset small, 5 repetitions. */
#include "occbench/kernel.h"

#include "support/bench_util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Runs a shell command quietly; returns its wall seconds, or -1. */
static double timed_shell(const char *cmd)
{
    double t0 = bench_now();
    int rc = system(cmd);
    double t = bench_now() - t0;
    if (rc != 0) {
        fprintf(stderr, "io_vs_dd: `%s` failed (status %d)\n", cmd, rc);
        return -1.0;
    }
    return t;
}

static int drop_cache(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    return rc;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    ob_preset preset = OB_PRESET_SMALL;
    int reps = 5;
    for (int a = 1; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(argv[a], "--dir") == 0 && v)
            dir = v;
        else if (strcmp(argv[a], "--preset") == 0 && v) {
            if (ob_preset_parse(v, &preset) != 0) {
                fprintf(stderr, "io_vs_dd: --preset %s: expected ci, small or lsst\n", v);
                return 2;
            }
        } else if (strcmp(argv[a], "--reps") == 0 && v && atoi(v) >= 1 && atoi(v) <= 64)
            reps = atoi(v);
        else {
            fprintf(stderr,
                    "usage: io_vs_dd [--dir DIR] [--preset ci|small|lsst] [--reps 1..64]\n");
            return 2;
        }
        a++;
    }

    const ob_kernel *k = ob_kernel_find("io");
    ob_plan plan;
    if (!k || ob_kernel_plan(k, preset, NULL, NULL, &plan, NULL, 0) != OB_OK) {
        fprintf(stderr, "io_vs_dd: the io kernel is not registered\n");
        return 1;
    }
    double bytes = plan.work_units / 2; /* written once, read once */
    const size_t bs = (size_t)4 << 20;
    size_t count = ((size_t)bytes + bs - 1) / bs;
    double dd_bytes = (double)(count * bs);

    ob_ctx *ctx = ob_ctx_standalone(preset, NULL, dir);
    void *st = NULL;
    if (!ctx || k->setup(ctx, &st) != OB_OK) {
        fprintf(stderr, "io_vs_dd: setup: %s\n", ctx ? ob_ctx_error(ctx) : "out of memory");
        return 1;
    }
    char ddfile[4096], cmd_w[8400], cmd_r[8400];
    snprintf(ddfile, sizeof ddfile, "%s/occbench-io-dd.%ld.dat", dir, (long)getpid());
    snprintf(cmd_w, sizeof cmd_w, "dd if=/dev/zero of='%s' bs=4M count=%zu conv=fsync status=none",
             ddfile, count);
    snprintf(cmd_r, sizeof cmd_r, "dd if='%s' of=/dev/null bs=4M status=none", ddfile);

    double kw[64], kr[64], dw[64], dr[64];
    int failed = 0;
    for (int r = 0; r < reps && !failed; r++) {
        double w0 = ob_ctx_standalone_phase_seconds(ctx, 0);
        double r0 = ob_ctx_standalone_phase_seconds(ctx, 1);
        char why[256] = "";
        if (k->run(st, ctx) != OB_OK || k->verify(st, why, sizeof why) != 0) {
            fprintf(stderr, "io_vs_dd: kernel: %s%s\n", ob_ctx_error(ctx), why);
            failed = 1;
            break;
        }
        kw[r] = ob_ctx_standalone_phase_seconds(ctx, 0) - w0;
        kr[r] = ob_ctx_standalone_phase_seconds(ctx, 1) - r0;
        dw[r] = timed_shell(cmd_w);
        if (dw[r] < 0 || drop_cache(ddfile) != 0) {
            failed = 1;
            break;
        }
        dr[r] = timed_shell(cmd_r);
        unlink(ddfile);
        if (dr[r] < 0)
            failed = 1;
    }
    unlink(ddfile);
    k->teardown(st);
    ob_ctx_standalone_free(ctx);
    if (failed)
        return 1;

    double mkw = bench_median(kw, reps), mkr = bench_median(kr, reps);
    double mdw = bench_median(dw, reps), mdr = bench_median(dr, reps);
    double kwr = 1e-6 * bytes / mkw, krr = 1e-6 * bytes / mkr;
    double dwr = 1e-6 * dd_bytes / mdw, drr = 1e-6 * dd_bytes / mdr;
    double kall = 2e-6 * bytes / (mkw + mkr), dall = 2e-6 * dd_bytes / (mdw + mdr);
    printf("io_vs_dd dir=%s preset=%s bytes=%.0f reps=%d\n", dir, ob_preset_name(preset), bytes,
           reps);
    printf("io_vs_dd tool=kernel phase=write mb_s=%.1f seconds=%.4f\n", kwr, mkw);
    printf("io_vs_dd tool=dd phase=write mb_s=%.1f seconds=%.4f bytes=%.0f\n", dwr, mdw, dd_bytes);
    printf("io_vs_dd tool=kernel phase=read mb_s=%.1f seconds=%.4f\n", krr, mkr);
    printf("io_vs_dd tool=dd phase=read mb_s=%.1f seconds=%.4f bytes=%.0f\n", drr, mdr, dd_bytes);
    printf("io_vs_dd tool=kernel phase=both mb_s=%.1f\n", kall);
    printf("io_vs_dd tool=dd phase=both mb_s=%.1f\n", dall);
    printf("io_vs_dd ratio write_kernel_over_dd=%.2f read_kernel_over_dd=%.2f "
           "both_kernel_over_dd=%.2f\n",
           kwr / dwr, krr / drr, kall / dall);
    return 0;
}
