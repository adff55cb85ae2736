/* Gridding and degridding speed per core against accuracy: visibilities per
 * second of the grid and degrid loops (sort excluded, printed apart) at
 * W = 4, 8, 16 (es style; W = 16 with the float kernel, its accuracy
 * reported) and for the ddf style, on a small-preset observation (1.08M
 * visibilities of a LOFAR-like array onto a 2048^2 grid, sigma = 2), with
 * the achieved relative L2 error against the direct DFT (grid: sampled
 * pixels of the dirty image; degrid: sampled visibilities of a point-source
 * model). One line per case:
 *
 *   grid_rate op=grid W=8 vis_per_s=... rel_rms=... style=es promised=...
 *
 * Usage: grid_rate [reps] (default 3; the best repetition is reported). */
#include "kernels/lib/fft2d.h"
#include "kernels/radio/gridder.h"
#include "common/rng.h"

#include "support/bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { N_GRID = 2048, N_IMAGE = 1024, N_PIX = 48, N_MODEL = 64, N_CHECK = 512 };

typedef struct bench {
    ob_obs obs;
    ob_fft2d *fft;
    float *grid, *image, *model, *pred;
    int pix[2 * N_PIX], mpix[2 * N_MODEL];
    double flux[N_MODEL], ref_pix[N_PIX], ref_vis[2 * N_CHECK], got[2 * N_CHECK];
    size_t idx[N_CHECK];
    int reps;
} bench;

/* The dirty image from a transformed grid, and its relative L2 error at the
 * sampled pixels against the direct DFT. */
static double image_error(bench *b, const ob_gridder *g)
{
    ob_gridder_grid_to_image(g, b->grid, b->image);
    for (int i = 0; i < N_PIX; i++)
        b->got[i] = b->image[(size_t)b->pix[2 * i + 1] * N_IMAGE + (size_t)b->pix[2 * i]];
    return ob_rel_l2(b->got, b->ref_pix, N_PIX);
}

/* Best time of the grid's inverse FFT, whole or as the kernel runs it
 * ("pruned": ob_gridder_fft_to_image, only what the image needs, and in
 * 2-D imaging using that the image is real), each repetition on a fresh
 * copy of the gridded grid. */
static double best_inverse_fft(bench *b, const ob_gridder *g, const float *gridded, size_t bytes,
                               int pruned)
{
    double best = 1e30;
    for (int r = 0; r < b->reps; r++) {
        memcpy(b->grid, gridded, bytes);
        double t0 = bench_now();
        if (pruned)
            ob_gridder_fft_to_image(g, b->fft, b->grid);
        else
            ob_fft2d_execute(b->fft, b->grid, OB_FFT_INVERSE);
        double t = bench_now() - t0;
        best = t < best ? t : best;
    }
    return best;
}

static void run_case(bench *b, ob_grid_style style, int W)
{
    ob_gridder_config cfg = {.style = style, .n_grid = N_GRID, .n_image = N_IMAGE, .W = W};
    char why[160];
    ob_gridder *g = ob_gridder_create(&cfg, &b->obs, why, sizeof why);
    if (!g) {
        fprintf(stderr, "grid_rate: %s\n", why);
        exit(1);
    }
    double t_sort = 1e30, t_grid = 1e30, t_degrid = 1e30;
    for (int r = 0; r < b->reps; r++) {
        double t0 = bench_now();
        ob_gridder_sort(g, &b->obs);
        double t1 = bench_now();
        ob_gridder_grid(g, &b->obs, b->obs.vis, b->grid);
        double t2 = bench_now();
        t_sort = t1 - t0 < t_sort ? t1 - t0 : t_sort;
        t_grid = t2 - t1 < t_grid ? t2 - t1 : t_grid;
    }
    /* the FFT, whole and as the kernel runs it, on the same grid */
    size_t bytes = 2 * sizeof(float) * N_GRID * N_GRID;
    float *copy = malloc(bytes);
    memcpy(copy, b->grid, bytes);
    double t_fft = best_inverse_fft(b, g, copy, bytes, 0), e_grid = image_error(b, g);
    double t_pruned = best_inverse_fft(b, g, copy, bytes, 1), e_pruned = image_error(b, g);
    size_t cols = 0;
    for (size_t c = 0; c < N_GRID; c++)
        cols += ob_gridder_columns_used(g)[c];
    free(copy);

    ob_gridder_image_to_grid(g, b->model, b->grid);
    ob_fft2d_execute(b->fft, b->grid, OB_FFT_FORWARD);
    for (int r = 0; r < b->reps; r++) {
        double t0 = bench_now();
        ob_gridder_degrid(g, &b->obs, b->grid, b->pred);
        double t1 = bench_now();
        t_degrid = t1 - t0 < t_degrid ? t1 - t0 : t_degrid;
    }
    for (int i = 0; i < N_CHECK; i++) {
        b->got[2 * i] = b->pred[2 * b->idx[i]];
        b->got[2 * i + 1] = b->pred[2 * b->idx[i] + 1];
    }
    double e_degrid = ob_rel_l2(b->got, b->ref_vis, 2 * N_CHECK);
    double nv = (double)b->obs.n_vis;
    const char *st = ob_grid_style_name(style);
    int w = ob_gridder_support(g);
    printf("grid_rate op=grid W=%d vis_per_s=%.3e rel_rms=%.2e style=%s promised=%.2e "
           "float_floor=%.2e sort_vis_per_s=%.3e\n",
           w, nv / t_grid, e_grid, st, ob_gridder_eps(g), ob_gridder_float_floor(g), nv / t_sort);
    printf("grid_rate op=degrid W=%d vis_per_s=%.3e rel_rms=%.2e style=%s promised=%.2e\n", w,
           nv / t_degrid, e_degrid, st, ob_gridder_eps(g));
    printf("grid_rate op=fft W=%d whole_s=%.4f pruned_s=%.4f ratio=%.3f columns_used=%zu/%d "
           "rel_rms_whole=%.2e rel_rms_pruned=%.2e style=%s\n",
           w, t_fft, t_pruned, t_pruned / t_fft, cols, N_GRID, e_grid, e_pruned, st);
    fflush(stdout);
    ob_gridder_free(g);
}

int main(int argc, char **argv)
{
    bench *b = calloc(1, sizeof *b);
    b->reps = argc > 1 ? atoi(argv[1]) : 3;
    if (!b || b->reps < 1) {
        fprintf(stderr, "usage: grid_rate [reps >= 1]\n");
        return 2;
    }
    ob_obs_config oc = ob_obs_default_config(96, 16, 0x0cc0b5e7ULL);
    ob_gridder_config probe = {.n_grid = N_GRID, .n_image = N_IMAGE, .W = 8};
    if (ob_obs_generate_uvw(&oc, &b->obs) != 0)
        return 1;
    double pixel = ob_gridder_pixel_rad(&probe, &b->obs);
    if (ob_obs_fill_sky(&oc, N_IMAGE * pixel, &b->obs) != 0)
        return 1;
    b->fft = ob_fft2d_plan(N_GRID, N_GRID);
    b->grid = malloc(2 * sizeof(float) * N_GRID * N_GRID);
    b->image = malloc(sizeof(float) * N_IMAGE * N_IMAGE);
    b->model = calloc((size_t)N_IMAGE * N_IMAGE, sizeof(float));
    b->pred = malloc(2 * sizeof(float) * b->obs.n_vis);
    if (!b->fft || !b->grid || !b->image || !b->model || !b->pred)
        return 1;
    ob_rng rng;
    ob_rng_seed(&rng, 42);
    for (int i = 0; i < N_PIX; i++) { /* sources' pixels, then anywhere */
        double l = i < b->obs.n_src ? b->obs.src[4 * i] : 0.0;
        double m = i < b->obs.n_src ? b->obs.src[4 * i + 1] : 0.0;
        b->pix[2 * i] = i < N_PIX / 2 && i < b->obs.n_src ? (int)(l / pixel + 0.5) + N_IMAGE / 2
                                                          : (int)ob_rng_below(&rng, N_IMAGE);
        b->pix[2 * i + 1] = i < N_PIX / 2 && i < b->obs.n_src ? (int)(m / pixel + 0.5) + N_IMAGE / 2
                                                              : (int)ob_rng_below(&rng, N_IMAGE);
    }
    ob_grid_dirty_reference(&b->obs, b->obs.vis, pixel, N_IMAGE, 0, b->pix, N_PIX, b->ref_pix);
    for (int i = 0; i < N_MODEL; i++) { /* may repeat a pixel: the image adds them up */
        b->mpix[2 * i] = (int)ob_rng_below(&rng, N_IMAGE);
        b->mpix[2 * i + 1] = (int)ob_rng_below(&rng, N_IMAGE);
        b->flux[i] = (float)(0.05 + 0.95 * ob_rng_uniform(&rng));
        b->model[(size_t)b->mpix[2 * i + 1] * N_IMAGE + (size_t)b->mpix[2 * i]] +=
            (float)b->flux[i];
    }
    for (int i = 0; i < N_CHECK; i++)
        b->idx[i] = (size_t)ob_rng_below(&rng, b->obs.n_vis);
    ob_grid_model_reference(&b->obs, pixel, N_IMAGE, 0, b->mpix, b->flux, N_MODEL, b->idx, N_CHECK,
                            b->ref_vis);
    printf("grid_rate setup: %zu visibilities (%zu rows x %zu channels), grid %d^2, image %d^2, "
           "best of %d\n",
           b->obs.n_vis, b->obs.n_row, b->obs.n_chan, N_GRID, N_IMAGE, b->reps);
    run_case(b, OB_GRID_STYLE_ES, 4);
    run_case(b, OB_GRID_STYLE_ES, 8);
    run_case(b, OB_GRID_STYLE_ES, 16);
    run_case(b, OB_GRID_STYLE_DDF, 0);
    ob_fft2d_free(b->fft);
    free(b->grid), free(b->image), free(b->model), free(b->pred);
    ob_obs_free(&b->obs);
    free(b);
    return 0;
}
