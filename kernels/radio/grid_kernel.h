/* What the grid and degrid kernels share: presets, their options, the
 * synthetic observation, the gridder, the FFT plan and the checks.
 *
 * Options (--kopt grid.NAME=VALUE, --kopt degrid.NAME=VALUE; the variable
 * in brackets is the documented fallback, recorded like a --kopt):
 *   style=es|ddf   kernel style (default es)             [OCCBENCH_GRID_STYLE]
 *   eps=<eps>      es accuracy, 1e-7 .. 1e-2 (1e-5)      [OCCBENCH_GRID_EPS]
 *   wstack=0|1     es w-stacking (0: 2-D, w ignored)     [OCCBENCH_GRID_WSTACK]
 *   wproj=0|1      ddf w-projection (0)                  [OCCBENCH_GRID_WPROJ]
 */
#ifndef OCCBENCH_GRID_KERNEL_H
#define OCCBENCH_GRID_KERNEL_H

#include "kernels/lib/fft2d.h"
#include "kernels/radio/gridder.h"
#include "occbench/kernel.h"

#include <stddef.h>

#define OB_GRID_DEFAULT_EPS 1e-5
/* Relative L2 error float32 arithmetic adds on top of the kernel's in
 * degridding (a W x W sum per visibility, a float FFT): measured 1.5e-7 ..
 * 8.5e-7 with W = 8 .. 16; 2e-6 leaves room. Gridding sums up to ~1e6
 * visibilities per cell in float, in batches: its floor comes from
 * ob_gridder_float_floor() (at least this value). */
#define OB_GRID_FLOAT_FLOOR 2e-6

typedef struct ob_grid_setup {
    ob_obs_config obs;
    ob_gridder_config grid;
    size_t n_check; /* pixels (grid) or visibilities (degrid) checked */
} ob_grid_setup;

/* The option table of both kernels and its combination check. */
extern const ob_kopt ob_grid_options[];
int ob_grid_check_options(const ob_kopt_values *v, char *why, size_t why_len);

/* The preset's sizes with the options applied (opts NULL: defaults).
 * Returns 0, or -1 with a one-line reason. */
int ob_grid_preset_setup(ob_preset preset, const ob_kopt_values *opts, ob_grid_setup *out,
                         char *why, size_t why_len);

/* plan() for both kernels: footprint = visibility arrays + sort arrays +
 * grid + image (+ degridded visibilities) + tile buffer. */
int ob_grid_plan(ob_preset preset, int degrid, const ob_kopt_values *opts, ob_plan *out, char *why,
                 size_t why_len);

typedef struct ob_grid_state {
    int degrid;
    int wstack; /* the gridder has w-planes: run() loops over them */
    int with_w; /* the checks include the w term */
    ob_obs obs;
    ob_gridder *g;
    ob_fft2d *fft;
    float *grid;    /* n_grid^2 complex */
    float *image;   /* dirty image (grid) or model image (degrid), n_image^2 */
    float *vis_out; /* degrid only, n_vis complex */
    size_t n_check;
    int *pix;     /* grid: checked pixels; degrid: model point sources */
    double *flux; /* degrid: model fluxes */
    size_t n_model;
    size_t *idx; /* degrid: checked visibilities */
    double *ref; /* reference values at the checks (complex for degrid) */
    double *got;
    double tol, last_error;
    int ran;
} ob_grid_state;

/* Allocate, first-touch, generate the observation (and model image),
 * compute the references. Returns OB_OK or OB_ERR with ob_ctx_set_error. */
int ob_grid_state_setup(ob_ctx *ctx, int degrid, ob_grid_state **out);
void ob_grid_state_free(ob_grid_state *s);

/* Relative L2 error of the last result at the checks (computed, stored in
 * s->last_error). */
double ob_grid_state_error(ob_grid_state *s);
/* verify(): error <= tol, else a reason. */
/* The kernels' corrupt() hook: the output (image or visibilities) doubled. */
void ob_grid_state_corrupt(ob_grid_state *s);
int ob_grid_state_verify(ob_grid_state *s, char *why, size_t why_len);

#endif
