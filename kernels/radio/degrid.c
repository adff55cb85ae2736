/* degrid: the adjoint of grid - grid correction of a model image, forward
 * FFT, and convolutional degridding at every visibility of the synthetic
 * LOFAR-like observation (DDFacet / wgridder prediction). Checked every
 * repetition against the direct evaluation of the model at sampled
 * visibilities. See grid_kernel.h for presets and environment variables. */
#include "kernels/radio/grid_kernel.h"

enum { PH_SORT, PH_DEGRID, PH_FFT, PH_CORRECT, PH_COUNT };
static const char *const degrid_phases[] = {[PH_SORT] = "sort",
                                            [PH_DEGRID] = "degrid",
                                            [PH_FFT] = "fft",
                                            [PH_CORRECT] = "correct",
                                            [PH_COUNT] = NULL};
OB_PHASES_MATCH(degrid_phases, PH_COUNT);

static int degrid_plan(ob_preset preset, const ob_machine *machine, const ob_kopt_values *opts,
                       ob_plan *out, char *why, size_t why_len)
{
    (void)machine;
    return ob_grid_plan(preset, 1, opts, out, why, why_len);
}

static int degrid_setup(ob_ctx *ctx, void **state)
{
    ob_grid_state *s;
    int rc = ob_grid_state_setup(ctx, 1, &s);
    *state = s;
    return rc;
}

/* w-stacking: one w-plane of the model at a time, predictions summed. */
static int degrid_run_wstack(ob_grid_state *s, ob_ctx *ctx)
{
    ob_phase_begin(ctx, PH_SORT);
    ob_gridder_sort(s->g, &s->obs);
    ob_phase_end(ctx, PH_SORT);
    for (size_t p = 0; p < ob_gridder_planes(s->g); p++) {
        ob_phase_begin(ctx, PH_CORRECT);
        ob_gridder_plane_from_image(s->g, s->image, p, s->grid);
        ob_phase_end(ctx, PH_CORRECT);
        ob_phase_begin(ctx, PH_FFT);
        ob_gridder_fft_from_image(s->g, s->fft, s->grid);
        ob_phase_end(ctx, PH_FFT);
        ob_phase_begin(ctx, PH_DEGRID);
        ob_gridder_degrid_plane(s->g, &s->obs, s->grid, p, s->vis_out);
        ob_phase_end(ctx, PH_DEGRID);
    }
    s->ran = 1;
    return OB_OK;
}

static int degrid_run(void *state, ob_ctx *ctx)
{
    ob_grid_state *s = state;
    if (s->wstack)
        return degrid_run_wstack(s, ctx);
    /* the sort first: the FFT computes only the columns it says the
     * visibilities read (kernels/radio/gridder.h) */
    ob_phase_begin(ctx, PH_SORT);
    ob_gridder_sort(s->g, &s->obs);
    ob_phase_end(ctx, PH_SORT);
    ob_phase_begin(ctx, PH_CORRECT);
    ob_gridder_image_to_grid(s->g, s->image, s->grid);
    ob_phase_end(ctx, PH_CORRECT);
    ob_phase_begin(ctx, PH_FFT);
    ob_gridder_fft_from_image(s->g, s->fft, s->grid);
    ob_phase_end(ctx, PH_FFT);
    ob_phase_begin(ctx, PH_DEGRID);
    ob_gridder_degrid(s->g, &s->obs, s->grid, s->vis_out);
    ob_phase_end(ctx, PH_DEGRID);
    s->ran = 1;
    return OB_OK;
}

static int degrid_verify(void *state, char *why, size_t why_len)
{
    return ob_grid_state_verify(state, why, why_len);
}

static void degrid_teardown(void *state)
{
    ob_grid_state_free(state);
}

/* Test hook: the predicted visibilities twice what the model gives. */
static void degrid_corrupt(void *state)
{
    ob_grid_state_corrupt(state);
}

const ob_kernel ob_kernel_degrid = {
    .name = "degrid",
    .summary = "grid correction + FFT of a model image + convolutional degridding",
    .phases = degrid_phases,
    .options = ob_grid_options,
    .check_options = ob_grid_check_options,
    .plan = degrid_plan,
    .setup = degrid_setup,
    .run = degrid_run,
    .verify = degrid_verify,
    .teardown = degrid_teardown,
    .corrupt = degrid_corrupt,
};
