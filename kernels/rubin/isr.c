/* isr: Rubin instrument signature removal of one LSSTCam ITL CCD, phase by
 * phase in the order ip_isr runs them, including the datastore I/O of the
 * raw (read) and of the postISRCCD (write). The input is a synthetic CCD
 * with known truth (common/ccd_sim.c) written to --io-dir at setup; every
 * repetition reads it back, processes it, writes the result, and verify()
 * checks the image against the truth, the crosstalk ghosts, the clipped
 * statistics against a sort-based recomputation and the file's checksum.
 * OCCBENCH_ISR_DEBUG=1 in the environment prints verify()'s per-amp residuals. */
#include "kernels/rubin/ccd_sim.h"
#include "kernels/lib/datastore.h"
#include "kernels/rubin/isr.h"
#include "kernels/rubin/isr_steps.h"
#include "occbench/kernel.h"
#include "kernels/lib/robust_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    PH_READ,
    PH_CONVERT,
    PH_OVERSCAN,
    PH_SATURATION,
    PH_GAIN,
    PH_CROSSTALK,
    PH_PARALLEL_OVERSCAN,
    PH_LINEARITY,
    PH_ASSEMBLE,
    PH_BIAS,
    PH_DARK,
    PH_DEFECTS,
    PH_BRIGHTER_FATTER,
    PH_VARIANCE,
    PH_FLAT,
    PH_INTERPOLATE,
    PH_STATS,
    PH_WRITE,
    PH_COUNT
};

static const char *const isr_phases[] = {[PH_READ] = "read",
                                         [PH_CONVERT] = "convert",
                                         [PH_OVERSCAN] = "overscan",
                                         [PH_SATURATION] = "saturation",
                                         [PH_GAIN] = "gain",
                                         [PH_CROSSTALK] = "crosstalk",
                                         [PH_PARALLEL_OVERSCAN] = "parallel_overscan",
                                         [PH_LINEARITY] = "linearity",
                                         [PH_ASSEMBLE] = "assemble",
                                         [PH_BIAS] = "bias",
                                         [PH_DARK] = "dark",
                                         [PH_DEFECTS] = "defects",
                                         [PH_BRIGHTER_FATTER] = "brighter_fatter",
                                         [PH_VARIANCE] = "variance",
                                         [PH_FLAT] = "flat",
                                         [PH_INTERPOLATE] = "interpolate",
                                         [PH_STATS] = "stats",
                                         [PH_WRITE] = "write",
                                         [PH_COUNT] = NULL};
OB_PHASES_MATCH(isr_phases, PH_COUNT);
/* the datastore read of the raw CCD and the write of the calibrated one */
static const ob_phase_class isr_classes[PH_COUNT] = {
    [PH_READ] = OB_PHASE_IO, [PH_WRITE] = OB_PHASE_IO};

#ifndef ISR_SEED /* fixed: every site processes the same CCD */
#define ISR_SEED 0x15A4072ULL
#endif
#define BF_MAX_ITER 10
#define BF_THRESHOLD_E 1000.0
/* validation: pixels this close to a SAT or BAD pixel are not compared
 * (bleed edges, brighter-fatter near clipped data); > kernel half-size + 1 */
#define EXCLUDE_RADIUS 10
#define RAW_MAGIC "OBISRRAW"
#define OUT_MAGIC "OBPOSTIS"

typedef struct file_header {
    char magic[8];
    int32_t width, height;
} file_header;

typedef struct isr_state {
    ob_ccd_geom g;
    ob_amp_layout amps[OB_CCD_MAX_AMPS];
    int namp, nx, ny, raw_w, raw_h;
    size_t n, nraw, npix_amp;
    ob_ccd_calib calib;
    ob_ccd_truth truth;
    ob_bf *bf;
    int32_t *raw;
    float *frame;
    int32_t *frame_mask;
    float *accum, *scratch, *row_level;
    float *image, *variance;
    int32_t *mask;
    float *stats_work;
    unsigned char *excluded; /* verify: n */
    int *counts;             /* verify: nx + 1 */
    ob_robust_stats amp_stats[OB_CCD_MAX_AMPS];
    char raw_path[PATH_MAX], out_path[PATH_MAX];
    uint64_t out_checksum;
    int out_written, reps, bf_iterations, overscan_rows_masked;
    int probes_checked, probes_significant; /* crosstalk ghosts verify() could see */
    int largest_checked_probe;              /* -1: none */
    double bf_diff;
    size_t n_saturated, n_interpolated;
} isr_state;

static size_t plan_bytes(const ob_ccd_geom *g)
{
    size_t n = (size_t)ob_ccd_nx(g) * (size_t)ob_ccd_ny(g);
    size_t nraw = (size_t)ob_ccd_raw_w(g) * (size_t)ob_ccd_raw_h(g);
    return nraw * 12 /* raw, frame, frame mask */
           + n * 4   /* crosstalk accumulators */
           + n * 12  /* image, mask, variance */
           + n * 16  /* bias, dark, flat, truth */
           + n * 5   /* stats copy, verify exclusion */
           + ob_bf_bytes(ob_ccd_ny(g), ob_ccd_nx(g));
}

static int isr_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                    ob_plan *out, char *why, size_t why_len)
{
    (void)opts; /* no options */
    (void)machine;
    if (preset < 0 || preset >= OB_PRESET_COUNT) {
        snprintf(why, why_len, "preset %d: ci, small or lsst is accepted", (int)preset);
        return OB_ERR;
    }
    ob_ccd_geom g = ob_ccd_geom_preset(preset);
    int pny, pnx;
    ob_bf_padded_size(ob_ccd_ny(&g), ob_ccd_nx(&g), &pny, &pnx);
    memset(out, 0, sizeof *out);
    out->footprint_bytes = plan_bytes(&g);
    out->work_units = (double)ob_ccd_nx(&g) * (double)ob_ccd_ny(&g);
    out->work_unit = "pixels";
    out->figure_name = "Mpix/s";
    out->figure_scale = 1e-6;
    snprintf(out->description, sizeof out->description,
             "CCD %dx%d (16 amps %dx%d), raw %dx%d int32, brighter-fatter FFT %dx%d", ob_ccd_nx(&g),
             ob_ccd_ny(&g), g.img_w, g.img_h, ob_ccd_raw_w(&g), ob_ccd_raw_h(&g), pnx, pny);
    return OB_OK;
}

/* ---- files ---- */

/* Writes the pieces to path, fsyncs, drops the pages from the cache.
 * On failure the partial file is gone and the return is OB_ERR or
 * OB_ENOSPC with the reason in ctx. */
static int write_file(const char *path, const void *const *parts, const size_t *lens, int nparts,
                      ob_ctx *ctx)
{
    ob_ds_failure fail;
    int err = ob_ds_write_file(path, parts, lens, nparts, &fail);
    if (!err)
        return OB_OK;
    if (strcmp(fail.what, "create") == 0)
        ob_ctx_set_error(ctx, "isr: cannot create %s: %s", path, strerror(err));
    else
        ob_ctx_set_error(ctx, "isr: writing %s failed: %s", path, strerror(err));
    return ob_ds_is_full(err) ? OB_ENOSPC : OB_ERR;
}

static void free_state(isr_state *s)
{
    if (!s)
        return;
    if (s->raw_path[0])
        unlink(s->raw_path);
    if (s->out_path[0])
        unlink(s->out_path);
    ob_bf_free(s->bf);
    ob_ccd_free(&s->calib, &s->truth);
    free(s->raw);
    free(s->frame);
    free(s->frame_mask);
    free(s->accum);
    free(s->scratch);
    free(s->row_level);
    free(s->image);
    free(s->variance);
    free(s->mask);
    free(s->stats_work);
    free(s->excluded);
    free(s->counts);
    free(s);
}

static int isr_setup(ob_ctx *ctx, void **state)
{
    *state = NULL;
    /* a bad directory fails before the CCD is generated */
    struct stat st;
    if (stat(ob_ctx_io_dir(ctx), &st) != 0 || !S_ISDIR(st.st_mode)) {
        ob_ctx_set_error(ctx, "isr: --io-dir %s is not a directory", ob_ctx_io_dir(ctx));
        return OB_ERR;
    }
    isr_state *s = calloc(1, sizeof *s);
    if (!s) {
        ob_ctx_set_error(ctx, "isr: out of memory for the state");
        return OB_ERR;
    }
    s->g = ob_ccd_geom_preset(ob_ctx_preset(ctx));
    s->largest_checked_probe = -1;
    s->namp = ob_ccd_namp(&s->g);
    s->nx = ob_ccd_nx(&s->g);
    s->ny = ob_ccd_ny(&s->g);
    s->raw_w = ob_ccd_raw_w(&s->g);
    s->raw_h = ob_ccd_raw_h(&s->g);
    s->n = (size_t)s->nx * (size_t)s->ny;
    s->nraw = (size_t)s->raw_w * (size_t)s->raw_h;
    s->npix_amp = (size_t)s->g.img_w * (size_t)s->g.img_h;
    ob_ccd_amp_layouts(&s->g, s->amps);
    size_t scratch_n = OB_ISR_PARALLEL_SCRATCH(&s->amps[0]);
    if (scratch_n < (size_t)ob_ccd_seg_h(&s->g))
        scratch_n = (size_t)ob_ccd_seg_h(&s->g);

    double kernel[OB_BF_KERNEL_SIZE * OB_BF_KERNEL_SIZE];
    ob_ccd_bf_kernel(kernel);
    int alloc_failed = ob_ccd_alloc(&s->g, &s->calib, &s->truth) != 0;
    s->bf = ob_bf_create(s->ny, s->nx, kernel);
    s->raw = malloc(s->nraw * sizeof(int32_t));
    s->frame = malloc(s->nraw * sizeof(float));
    s->frame_mask = malloc(s->nraw * sizeof(int32_t));
    s->accum = malloc((size_t)s->namp * s->npix_amp * sizeof(float));
    s->scratch = malloc(scratch_n * sizeof(float));
    s->row_level = malloc((size_t)ob_ccd_seg_h(&s->g) * sizeof(float));
    s->image = malloc(s->n * sizeof(float));
    s->variance = malloc(s->n * sizeof(float));
    s->mask = malloc(s->n * sizeof(int32_t));
    s->stats_work = malloc(s->npix_amp * sizeof(float));
    s->excluded = malloc(s->n);
    s->counts = malloc(((size_t)s->nx + 1) * sizeof(int));
    if (alloc_failed || !s->bf || !s->raw || !s->frame || !s->frame_mask || !s->accum ||
        !s->scratch || !s->row_level || !s->image || !s->variance || !s->mask || !s->stats_work ||
        !s->excluded || !s->counts) {
        ob_ctx_set_error(ctx, "isr: out of memory (needs about %zu MB)", plan_bytes(&s->g) >> 20);
        free_state(s);
        return OB_ERR;
    }
    if (ob_ccd_simulate(&s->g, ISR_SEED, s->bf, s->raw, &s->calib, &s->truth) != 0) {
        ob_ctx_set_error(ctx, "isr: out of memory generating the CCD");
        free_state(s);
        return OB_ERR;
    }
    /* first touch of the planes run() writes, on the bound core */
    memset(s->frame, 0, s->nraw * sizeof(float));
    memset(s->frame_mask, 0, s->nraw * sizeof(int32_t));
    memset(s->image, 0, s->n * sizeof(float));
    memset(s->variance, 0, s->n * sizeof(float));
    memset(s->mask, 0, s->n * sizeof(int32_t));

    const char *dir = ob_ctx_io_dir(ctx);
    int rank = ob_ctx_rank(ctx);
    if (ob_ds_path(s->raw_path, sizeof s->raw_path, dir, "isr", rank, "raw.bin") != 0 ||
        ob_ds_path(s->out_path, sizeof s->out_path, dir, "isr", rank, "postISRCCD.bin") != 0) {
        ob_ctx_set_error(ctx, "isr: --io-dir %s: path too long (limit %d)", dir, PATH_MAX);
        s->raw_path[0] = s->out_path[0] = '\0';
        free_state(s);
        return OB_ERR;
    }
    file_header h = {RAW_MAGIC, s->raw_w, s->raw_h};
    memcpy(h.magic, RAW_MAGIC, 8);
    const void *parts[] = {&h, s->raw};
    size_t lens[] = {sizeof h, s->nraw * sizeof(int32_t)};
    int rc = write_file(s->raw_path, parts, lens, 2, ctx);
    if (rc != OB_OK) {
        s->raw_path[0] = '\0'; /* write_file removed it */
        free_state(s);
        return rc;
    }
    *state = s;
    return OB_OK;
}

static void isr_teardown(void *state)
{
    free_state(state);
}

/* ---- one repetition ---- */

static int phase_read(isr_state *s, ob_ctx *ctx)
{
    int fd = open(s->raw_path, O_RDONLY);
    if (fd < 0) {
        ob_ctx_set_error(ctx, "isr: cannot open raw %s: %s", s->raw_path, strerror(errno));
        return OB_ERR;
    }
    file_header h;
    int err = ob_ds_read_all(fd, &h, sizeof h, NULL);
    if (!err && (memcmp(h.magic, RAW_MAGIC, 8) != 0 || h.width != s->raw_w || h.height != s->raw_h))
        err = EINVAL;
    if (!err)
        err = ob_ds_read_all(fd, s->raw, s->nraw * sizeof(int32_t), NULL);
    /* the next repetition reads from storage again, as a fresh job would */
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    if (err) {
        ob_ctx_set_error(ctx, "isr: reading raw %s failed: %s", s->raw_path,
                         err == EINVAL ? "bad header" : ob_ds_strerror(err));
        return OB_ERR;
    }
    return OB_OK;
}

static int phase_write(isr_state *s, ob_ctx *ctx)
{
    file_header h = {OUT_MAGIC, s->nx, s->ny};
    memcpy(h.magic, OUT_MAGIC, 8);
    const void *parts[] = {&h, s->image, s->mask, s->variance};
    size_t lens[] = {sizeof h, s->n * 4, s->n * 4, s->n * 4};
    uint64_t c = OB_DS_CHECKSUM_SEED;
    for (int i = 0; i < 4; i++)
        c = ob_ds_checksum(c, parts[i], lens[i]);
    s->out_checksum = c;
    int rc = write_file(s->out_path, parts, lens, 4, ctx);
    s->out_written = rc == OB_OK;
    return rc;
}

/* Copies amplifier a's unmasked, finite pixels to stats_work; returns how
 * many. */
static size_t gather_amp_pixels(isr_state *s, int a)
{
    const ob_amp_layout *al = &s->amps[a];
    size_t m = 0;
    for (int y = 0; y < al->img_h; y++) {
        size_t row = (size_t)(al->ccd_y0 + y) * (size_t)s->nx + (size_t)al->ccd_x0;
        for (int x = 0; x < al->img_w; x++)
            if (s->mask[row + x] == 0 && !isnan(s->image[row + x]))
                s->stats_work[m++] = s->image[row + x];
    }
    return m;
}

static void amp_stats(isr_state *s, int a, ob_robust_stats *out)
{
    size_t m = gather_amp_pixels(s, a);
    if (m == 0) {
        memset(out, 0, sizeof *out);
        return;
    }
    ob_robust_stats_compute(s->stats_work, m, out);
}

static int isr_run(void *state, ob_ctx *ctx)
{
    isr_state *s = state;
    size_t stride = (size_t)s->raw_w;
    const ob_ccd_calib *c = &s->calib;
    int rc;

    ob_phase_begin(ctx, PH_READ);
    rc = phase_read(s, ctx);
    ob_phase_end(ctx, PH_READ);
    if (rc != OB_OK)
        return rc;

    ob_phase_begin(ctx, PH_CONVERT);
    ob_isr_convert(s->raw, s->frame, s->nraw);
    ob_phase_end(ctx, PH_CONVERT);

    ob_phase_begin(ctx, PH_OVERSCAN);
    s->overscan_rows_masked = 0;
    for (int a = 0; a < s->namp; a++)
        s->overscan_rows_masked += ob_isr_overscan_serial(
            s->frame, stride, &s->amps[a], c->overscan_skip, 3.0, s->row_level, s->scratch);
    ob_phase_end(ctx, PH_OVERSCAN);

    ob_phase_begin(ctx, PH_SATURATION);
    memset(s->frame_mask, 0, s->nraw * sizeof(int32_t));
    s->n_saturated = 0;
    for (int a = 0; a < s->namp; a++)
        s->n_saturated +=
            ob_isr_saturation(s->frame, s->frame_mask, stride, &s->amps[a], c->sat_adu[a]);
    ob_phase_end(ctx, PH_SATURATION);

    ob_phase_begin(ctx, PH_GAIN);
    for (int a = 0; a < s->namp; a++)
        ob_isr_gain(s->frame, stride, &s->amps[a], (float)c->gain[a]);
    ob_phase_end(ctx, PH_GAIN);

    ob_phase_begin(ctx, PH_CROSSTALK);
    ob_isr_crosstalk(s->frame, stride, s->amps, s->namp, c->xtalk, s->accum);
    ob_phase_end(ctx, PH_CROSSTALK);

    ob_phase_begin(ctx, PH_PARALLEL_OVERSCAN);
    for (int a = 0; a < s->namp; a++)
        ob_isr_overscan_parallel(s->frame, stride, &s->amps[a], c->overscan_skip, s->scratch);
    ob_phase_end(ctx, PH_PARALLEL_OVERSCAN);

    ob_phase_begin(ctx, PH_LINEARITY);
    for (int a = 0; a < s->namp; a++)
        ob_isr_linearity(s->frame, stride, &s->amps[a], c->lin_k2[a], c->lin_k3[a]);
    ob_phase_end(ctx, PH_LINEARITY);

    ob_phase_begin(ctx, PH_ASSEMBLE);
    for (int a = 0; a < s->namp; a++)
        ob_isr_assemble(s->frame, s->frame_mask, stride, &s->amps[a], s->image, s->mask,
                        (size_t)s->nx);
    ob_phase_end(ctx, PH_ASSEMBLE);

    ob_phase_begin(ctx, PH_BIAS);
    ob_isr_subtract(s->image, c->bias, 1.0f, s->n);
    ob_phase_end(ctx, PH_BIAS);

    ob_phase_begin(ctx, PH_DARK);
    ob_isr_subtract(s->image, c->dark, 1.0f, s->n);
    ob_phase_end(ctx, PH_DARK);

    ob_phase_begin(ctx, PH_DEFECTS);
    ob_isr_mask_defects(s->mask, (size_t)s->nx, c->defects, c->ndefects, OB_MASK_BAD);
    ob_phase_end(ctx, PH_DEFECTS);

    ob_phase_begin(ctx, PH_BRIGHTER_FATTER);
    s->bf_iterations = ob_bf_correct(s->bf, s->image, BF_MAX_ITER, BF_THRESHOLD_E, &s->bf_diff);
    ob_phase_end(ctx, PH_BRIGHTER_FATTER);

    ob_phase_begin(ctx, PH_VARIANCE);
    for (int a = 0; a < s->namp; a++) {
        const ob_amp_layout *al = &s->amps[a];
        ob_isr_variance(s->image, s->variance, (size_t)s->nx, al->ccd_x0, al->ccd_y0, al->img_w,
                        al->img_h, (float)c->read_noise_e[a]);
    }
    ob_phase_end(ctx, PH_VARIANCE);

    ob_phase_begin(ctx, PH_FLAT);
    ob_isr_flat(s->image, s->variance, c->flat, s->n);
    ob_phase_end(ctx, PH_FLAT);

    ob_phase_begin(ctx, PH_INTERPOLATE);
    s->n_interpolated = ob_isr_interpolate(s->image, s->mask, (size_t)s->nx, s->nx, s->ny,
                                           OB_MASK_SAT | OB_MASK_BAD);
    ob_phase_end(ctx, PH_INTERPOLATE);

    ob_phase_begin(ctx, PH_STATS);
    for (int a = 0; a < s->namp; a++)
        amp_stats(s, a, &s->amp_stats[a]);
    ob_phase_end(ctx, PH_STATS);

    ob_phase_begin(ctx, PH_WRITE);
    rc = phase_write(s, ctx);
    ob_phase_end(ctx, PH_WRITE);
    s->reps++;
    return rc;
}

/* ---- verification ---- */

/* excluded[i] = 1 where the mask is set or a SAT/BAD pixel lies within
 * EXCLUDE_RADIUS (Chebyshev distance): a row pass with prefix counts,
 * then a column pass with a sliding window of row counts. */
static int build_exclusion(isr_state *s)
{
    int nx = s->nx, ny = s->ny, r = EXCLUDE_RADIUS;
    unsigned char *ex = s->excluded;
    int *pre = s->counts;
    for (int y = 0; y < ny; y++) {
        const int32_t *m = s->mask + (size_t)y * (size_t)nx;
        unsigned char *e = ex + (size_t)y * (size_t)nx;
        pre[0] = 0;
        for (int x = 0; x < nx; x++)
            pre[x + 1] = pre[x] + ((m[x] & (OB_MASK_SAT | OB_MASK_BAD)) != 0);
        for (int x = 0; x < nx; x++) {
            int lo = x - r < 0 ? 0 : x - r, hi = x + r + 1 > nx ? nx : x + r + 1;
            e[x] = pre[hi] - pre[lo] > 0;
        }
    }
    /* column pass, in place: window counts over rows [y - r, y + r] of the row-dilated map */
    int *win = pre; /* nx counters */
    unsigned char *rowbuf = malloc((size_t)(2 * r + 1) * (size_t)nx);
    if (!rowbuf)
        return -1;
    memset(win, 0, (size_t)nx * sizeof(int));
    for (int y = 0; y < r && y < ny; y++)
        for (int x = 0; x < nx; x++)
            win[x] += ex[(size_t)y * (size_t)nx + x];
    for (int y = 0; y < ny; y++) {
        int add = y + r, drop = y - r - 1;
        if (add < ny)
            for (int x = 0; x < nx; x++)
                win[x] += ex[(size_t)add * (size_t)nx + x];
        if (drop >= 0) /* the dropped row's original values were saved */
            for (int x = 0; x < nx; x++)
                win[x] -= rowbuf[(size_t)(drop % (2 * r + 1)) * (size_t)nx + x];
        unsigned char *e = ex + (size_t)y * (size_t)nx;
        memcpy(rowbuf + (size_t)(y % (2 * r + 1)) * (size_t)nx, e, (size_t)nx);
        const int32_t *m = s->mask + (size_t)y * (size_t)nx;
        for (int x = 0; x < nx; x++)
            e[x] = win[x] > 0 || m[x] != 0;
    }
    free(rowbuf);
    return 0;
}

/* The recovered image against the truth, per amplifier. */
static int check_residuals(isr_state *s, char *why, size_t why_len)
{
    for (int a = 0; a < s->namp; a++) {
        const ob_amp_layout *al = &s->amps[a];
        double sum = 0.0, sum2 = 0.0;
        size_t cnt = 0;
        for (int y = 0; y < al->img_h; y++) {
            size_t row = (size_t)(al->ccd_y0 + y) * (size_t)s->nx + (size_t)al->ccd_x0;
            for (int x = 0; x < al->img_w; x++) {
                size_t i = row + (size_t)x;
                if (s->excluded[i])
                    continue;
                double d = (double)s->image[i] - s->truth.expected[i];
                sum += d;
                sum2 += d * d;
                cnt++;
            }
        }
        double sigma = s->truth.resid_sigma[a];
        if (cnt < s->npix_amp / 4) { /* a quarter: a saturated star can cover much of a ci amp */
            snprintf(why, why_len, "isr: amp %d has only %zu of %zu pixels unmasked", a, cnt,
                     s->npix_amp);
            return 1;
        }
        double mean = sum / (double)cnt, rms = sqrt(sum2 / (double)cnt - mean * mean);
        /* 5 sigma of the predicted spread of the mean, plus 0.1 ADU for the
         * small bias of a median of integer data */
        double mean_bound = 5.0 * s->truth.resid_mean_sigma[a] + 0.1 * s->calib.gain[a];
        if (getenv("OCCBENCH_ISR_DEBUG"))
            fprintf(stderr, "amp %2d n %zu mean %7.3f (bound %6.3f) rms %7.3f pred %7.3f\n", a, cnt,
                    sum / (double)cnt, mean_bound, sqrt(sum2 / cnt - (sum / cnt) * (sum / cnt)),
                    sigma);
        if (!(fabs(mean) <= mean_bound) || !(fabs(rms / sigma - 1.0) <= 0.15)) {
            snprintf(why, why_len,
                     "isr: amp %d residual vs truth mean %.3g rms %.3g e-, expected |mean| <= "
                     "%.3g and rms %.3g +- 15%%",
                     a, mean, rms, mean_bound, sigma);
            return 1;
        }
    }
    return 0;
}

/* Bright unmasked pixels (stars' cores and wings): where linearity and the
 * brighter-fatter correction matter; their residual must stay at the noise
 * level (both effects are hundreds of electrons there). */
#define BRIGHT_E 2e4
static int check_bright(isr_state *s, char *why, size_t why_len)
{
    double sum2 = 0.0, sigma_max = 0.0;
    size_t cnt = 0;
    for (int a = 0; a < s->namp; a++)
        if (s->truth.resid_sigma[a] > sigma_max)
            sigma_max = s->truth.resid_sigma[a];
    for (size_t i = 0; i < s->n; i++)
        if (!s->excluded[i] && s->truth.expected[i] > BRIGHT_E) {
            double d = (double)s->image[i] - s->truth.expected[i];
            sum2 += d * d;
            cnt++;
        }
    double rms = cnt ? sqrt(sum2 / (double)cnt) : 0.0;
    if (getenv("OCCBENCH_ISR_DEBUG"))
        fprintf(stderr, "bright pixels %zu rms %.3f\n", cnt, rms);
    if (cnt < 20 || !(rms <= 3.0 * sigma_max)) {
        snprintf(why, why_len,
                 "isr: %zu unmasked pixels above %.0f e- have residual rms %.3g e-, expected at "
                 "least 20 with rms <= %.3g",
                 cnt, BRIGHT_E, rms, 3.0 * sigma_max);
        return 1;
    }
    return 0;
}

/* Around the saturated stars' ghosts the crosstalk must be gone. */
static int check_crosstalk(isr_state *s, char *why, size_t why_len)
{
    s->probes_checked = s->probes_significant = 0;
    s->largest_checked_probe = -1;
    for (int k = 0; k < s->truth.nprobes; k++) {
        const ob_xtalk_probe *p = &s->truth.probes[k];
        double sum = 0.0;
        int cnt = 0;
        for (int y = p->y0; y < p->y0 + p->h; y++)
            for (int x = p->x0; x < p->x0 + p->w; x++) {
                size_t i = (size_t)y * (size_t)s->nx + (size_t)x;
                if (s->excluded[i])
                    continue;
                sum += (double)s->image[i] - s->truth.expected[i];
                cnt++;
            }
        if (cnt < p->w * p->h / 2)
            continue; /* the ghost fell on a masked area */
        double resid = sum / cnt, noise = s->truth.resid_sigma[p->amp] / sqrt(cnt);
        double bound = 0.1 * fabs(p->injected) + 5.0 * noise;
        s->probes_checked++;
        if (s->largest_checked_probe < 0 ||
            fabs(p->injected) > fabs(s->truth.probes[s->largest_checked_probe].injected))
            s->largest_checked_probe = k;
        /* a ghost left in place would fail this probe */
        s->probes_significant += fabs(p->injected) > 1.1 * bound;
        if (!(fabs(resid) <= bound)) {
            snprintf(why, why_len,
                     "isr: crosstalk ghost at (%d,%d) in amp %d: residual %.3g e- for %.3g "
                     "injected, expected |residual| <= %.3g",
                     p->x0, p->y0, p->amp, resid, p->injected, bound);
            return 1;
        }
    }
    return 0;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Quantile of sorted v by the same position rule, straight from the sort. */
static double sorted_quantile(const float *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t k = (size_t)pos;
    double frac = pos - (double)k;
    return k + 1 < n ? v[k] + frac * ((double)v[k + 1] - v[k]) : v[k];
}

/* One amplifier's statistics recomputed by sorting and plain loops. */
static int check_stats(isr_state *s, char *why, size_t why_len)
{
    int a = s->reps % s->namp;
    size_t m = gather_amp_pixels(s, a);
    const ob_robust_stats *got = &s->amp_stats[a];
    if (m == 0 || got->n != m) {
        snprintf(why, why_len, "isr: amp %d statistics over %zu pixels, expected %zu", a, got->n,
                 m);
        return 1;
    }
    qsort(s->stats_work, m, sizeof(float), cmp_float);
    double q1 = sorted_quantile(s->stats_work, m, 0.25),
           med = sorted_quantile(s->stats_work, m, 0.5),
           q3 = sorted_quantile(s->stats_work, m, 0.75);
    double center = med, hw = 3.0 * OB_IQ_TO_STDEV * (q3 - q1), mean = 0.0, sd = 0.0;
    for (int it = 0; it < 3; it++) {
        long double s1 = 0.0L, s2 = 0.0L;
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            if (fabs(s->stats_work[i] - center) < hw) {
                s1 += s->stats_work[i];
                s2 += (long double)s->stats_work[i] * s->stats_work[i];
                k++;
            }
        mean = (double)(s1 / k);
        sd = sqrt((double)((s2 - s1 * s1 / k) / (k - 1)));
        center = mean;
        hw = 3.0 * sd;
    }
    double tol = 1e-5 * (fabs(med) + 1.0);
    if (fabs(got->median - med) > tol || fabs(got->q1 - q1) > tol || fabs(got->q3 - q3) > tol ||
        fabs(got->clipped_mean - mean) > tol || fabs(got->clipped_stdev - sd) > 1e-4 * sd) {
        snprintf(why, why_len,
                 "isr: amp %d statistics median %.6g q1 %.6g q3 %.6g mean %.6g sd %.6g, sorted "
                 "reference %.6g %.6g %.6g %.6g %.6g",
                 a, got->median, got->q1, got->q3, got->clipped_mean, got->clipped_stdev, med, q1,
                 q3, mean, sd);
        return 1;
    }
    return 0;
}

/* The postISRCCD file read back against the checksum of what was written;
 * removed afterwards. */
static int check_output_file(isr_state *s, char *why, size_t why_len)
{
    if (!s->out_written) {
        snprintf(why, why_len, "isr: no output file was written");
        return 1;
    }
    int fd = open(s->out_path, O_RDONLY);
    if (fd < 0) {
        snprintf(why, why_len, "isr: cannot reopen %s: %s", s->out_path, strerror(errno));
        return 1;
    }
    size_t expected = sizeof(file_header) + 12 * s->n, total = 0;
    uint64_t c = OB_DS_CHECKSUM_SEED;
    /* chunks of the stats buffer (a multiple of 8 bytes), no extra memory */
    size_t chunk = (s->npix_amp * sizeof(float)) & ~(size_t)7;
    int err = ob_ds_checksum_fd(fd, s->stats_work, chunk, &c, &total);
    close(fd);
    unlink(s->out_path);
    s->out_written = 0;
    if (err) {
        snprintf(why, why_len, "isr: reading back %s failed: %s", s->out_path, strerror(err));
        return 1;
    }
    if (total != expected || c != s->out_checksum) {
        snprintf(why, why_len,
                 "isr: %s read back %zu bytes checksum %016llx, wrote %zu bytes checksum %016llx",
                 s->out_path, total, (unsigned long long)c, expected,
                 (unsigned long long)s->out_checksum);
        return 1;
    }
    return 0;
}

static int isr_verify(void *state, char *why, size_t why_len)
{
    isr_state *s = state;
    if (s->reps == 0) {
        snprintf(why, why_len, "isr: verify before any repetition");
        return 1;
    }
    if (build_exclusion(s) != 0) {
        snprintf(why, why_len, "isr: out of memory in verify");
        return 1;
    }
    /* the file first, so it is removed whatever else fails */
    if (check_output_file(s, why, why_len) || check_residuals(s, why, why_len) ||
        check_bright(s, why, why_len) || check_crosstalk(s, why, why_len) ||
        check_stats(s, why, why_len))
        return 1;
    if (s->n_saturated == 0 || s->overscan_rows_masked == 0 || s->bf_iterations < 3) {
        snprintf(why, why_len,
                 "isr: the CCD did not exercise every step: %zu saturated pixels, %d overscan "
                 "rows masked, %d brighter-fatter iterations",
                 s->n_saturated, s->overscan_rows_masked, s->bf_iterations);
        return 1;
    }
    return 0;
}

/* Test hook: a 3 e- offset over the second amplifier (a wrong bias level). */
static void isr_corrupt(void *state)
{
    ob_isr_info info;
    ob_isr_last_info(state, &info);
    for (int y = 0; y < info.amp_height; y++)
        for (int x = info.amp_width; x < 2 * info.amp_width; x++)
            info.image[(size_t)y * (size_t)info.width + (size_t)x] += 3.0f;
}

const ob_kernel ob_kernel_isr = {
    .name = "isr",
    .summary = "Rubin ISR of one LSSTCam ITL CCD: raw read, overscan, crosstalk, "
               "brighter-fatter (FFT), flat, clipped stats, postISRCCD write",
    .phases = isr_phases,
    .phase_classes = isr_classes,
    .plan = isr_plan,
    .setup = isr_setup,
    .run = isr_run,
    .verify = isr_verify,
    .teardown = isr_teardown,
    .corrupt = isr_corrupt,
};

void ob_isr_last_info(const void *state, ob_isr_info *out)
{
    const isr_state *s = state;
    memset(out, 0, sizeof *out);
    out->bf_iterations = s->bf_iterations;
    out->bf_last_diff = s->bf_diff;
    out->overscan_rows_masked = s->overscan_rows_masked;
    out->saturated_pixels = s->n_saturated;
    out->interpolated_pixels = s->n_interpolated;
    out->crosstalk_probes = s->truth.nprobes;
    out->crosstalk_probes_checked = s->probes_checked;
    out->crosstalk_probes_significant = s->probes_significant;
    /* the largest ghost the last verify() checked, for tests that put one back */
    if (s->largest_checked_probe >= 0) {
        const ob_xtalk_probe *p = &s->truth.probes[s->largest_checked_probe];
        out->ghost_x0 = p->x0;
        out->ghost_y0 = p->y0;
        out->ghost_w = p->w;
        out->ghost_h = p->h;
        out->ghost_injected = p->injected;
    }
    out->output_path = s->out_path;
    out->raw_path = s->raw_path;
    out->image = s->image;
    out->npixels = s->n;
    out->width = s->nx;
    out->height = s->ny;
    out->amp_width = s->g.img_w;
    out->amp_height = s->g.img_h;
}
