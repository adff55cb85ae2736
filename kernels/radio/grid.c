/* grid: convolutional gridding of a synthetic LOFAR-like observation onto a
 * uv grid, inverse FFT and grid correction to a dirty image (DDFacet /
 * wgridder imaging). Checked every repetition against the direct DFT of
 * the visibilities at sampled pixels. See grid_kernel.h for the presets and
 * its options (--kopt grid.style=ddf, ...). */
#include "kernels/radio/grid_kernel.h"

enum { PH_SORT, PH_GRID, PH_FFT, PH_CORRECT, PH_COUNT };
static const char *const grid_phases[] = {[PH_SORT] = "sort",
                                          [PH_GRID] = "grid",
                                          [PH_FFT] = "fft",
                                          [PH_CORRECT] = "correct",
                                          [PH_COUNT] = NULL};
OB_PHASES_MATCH(grid_phases, PH_COUNT);

static int grid_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                     ob_plan *out, char *why, size_t why_len)
{
    (void)machine;
    return ob_grid_plan(preset, 0, opts, out, why, why_len);
}

static int grid_setup(ob_ctx *ctx, void **state)
{
    ob_grid_state *s;
    int rc = ob_grid_state_setup(ctx, 0, &s);
    *state = s;
    return rc;
}

/* w-stacking: grid, transform and accumulate one w-plane at a time. */
static int grid_run_wstack(ob_grid_state *s, ob_ctx *ctx)
{
    for (size_t p = 0; p < ob_gridder_planes(s->g); p++) {
        ob_phase_begin(ctx, PH_GRID);
        ob_gridder_grid_plane(s->g, &s->obs, s->obs.vis, s->grid, p);
        ob_phase_end(ctx, PH_GRID);
        ob_phase_begin(ctx, PH_FFT);
        ob_gridder_fft_to_image(s->g, s->fft, s->grid);
        ob_phase_end(ctx, PH_FFT);
        ob_phase_begin(ctx, PH_CORRECT);
        ob_gridder_add_plane_image(s->g, s->grid, p, s->image);
        ob_phase_end(ctx, PH_CORRECT);
    }
    ob_phase_begin(ctx, PH_CORRECT);
    ob_gridder_correct_image(s->g, s->image);
    ob_phase_end(ctx, PH_CORRECT);
    s->ran = 1;
    return OB_OK;
}

static int grid_run(void *state, ob_ctx *ctx)
{
    ob_grid_state *s = state;
    ob_phase_begin(ctx, PH_SORT);
    ob_gridder_sort(s->g, &s->obs);
    ob_phase_end(ctx, PH_SORT);
    if (s->wstack)
        return grid_run_wstack(s, ctx);
    ob_phase_begin(ctx, PH_GRID);
    ob_gridder_grid(s->g, &s->obs, s->obs.vis, s->grid);
    ob_phase_end(ctx, PH_GRID);
    /* only what the image needs: the columns holding visibilities, then the
     * image's rows (kernels/radio/gridder.h), as the wgridder does */
    ob_phase_begin(ctx, PH_FFT);
    ob_gridder_fft_to_image(s->g, s->fft, s->grid);
    ob_phase_end(ctx, PH_FFT);
    ob_phase_begin(ctx, PH_CORRECT);
    ob_gridder_grid_to_image(s->g, s->grid, s->image);
    ob_phase_end(ctx, PH_CORRECT);
    s->ran = 1;
    return OB_OK;
}

static int grid_verify(void *state, char *why, size_t why_len)
{
    return ob_grid_state_verify(state, why, why_len);
}

static void grid_teardown(void *state)
{
    ob_grid_state_free(state);
}

/* Test hook: the dirty image twice what the visibilities give. */
static void grid_corrupt(void *state)
{
    ob_grid_state_corrupt(state);
}

const ob_kernel ob_kernel_grid = {
    .name = "grid",
    .summary = "convolutional gridding (ES or DDFacet kernel) + inverse FFT + correction",
    .phases = grid_phases,
    .options = ob_grid_options,
    .check_options = ob_grid_check_options,
    .plan = grid_plan,
    .setup = grid_setup,
    .run = grid_run,
    .verify = grid_verify,
    .teardown = grid_teardown,
    .corrupt = grid_corrupt,
};
