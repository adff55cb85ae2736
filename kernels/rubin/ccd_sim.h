/* A synthetic LSSTCam CCD with ITL geometry for the isr kernel: the raw
 * integer frame as the camera would write it, the calibration products the
 * ISR uses (bias, dark, flat, defects, crosstalk, linearity, gains,
 * brighter-fatter kernel) and the known truth to validate against. The
 * same seed gives the same CCD on every site. */
#ifndef OCCBENCH_CCD_SIM_H
#define OCCBENCH_CCD_SIM_H

#include "kernels/rubin/isr_steps.h"
#include "occbench/kernel.h"

#include <stddef.h>
#include <stdint.h>

#define OB_CCD_MAX_AMPS 16
#define OB_CCD_MAX_DEFECTS 64
#define OB_CCD_MAX_PROBES 128

typedef struct ob_ccd_geom {
    int namp_x, namp_y;     /* 8 x 2 */
    int img_w, img_h;       /* imaging pixels per amplifier: 509 x 2000 (ITL) */
    int prescan, serial_os; /* 3, 64 columns */
    int parallel_os;        /* 48 rows */
} ob_ccd_geom;

/* ITL (lsst), half of it in each dimension (small), tiny (ci). */
ob_ccd_geom ob_ccd_geom_preset(ob_preset preset);

static inline int ob_ccd_namp(const ob_ccd_geom *g)
{
    return g->namp_x * g->namp_y;
}
static inline int ob_ccd_seg_w(const ob_ccd_geom *g)
{
    return g->prescan + g->img_w + g->serial_os;
}
static inline int ob_ccd_seg_h(const ob_ccd_geom *g)
{
    return g->img_h + g->parallel_os;
}
static inline int ob_ccd_raw_w(const ob_ccd_geom *g)
{
    return g->namp_x * ob_ccd_seg_w(g);
}
static inline int ob_ccd_raw_h(const ob_ccd_geom *g)
{
    return g->namp_y * ob_ccd_seg_h(g);
}
static inline int ob_ccd_nx(const ob_ccd_geom *g)
{
    return g->namp_x * g->img_w;
}
static inline int ob_ccd_ny(const ob_ccd_geom *g)
{
    return g->namp_y * g->img_h;
}

/* Segment layouts: amp a = iy * namp_x + ix; the top row reads out
 * towards the top edge (flip_y), the bottom row right to left (flip_x),
 * as the two halves of an ITL sensor read in opposite directions. */
void ob_ccd_amp_layouts(const ob_ccd_geom *g, ob_amp_layout *amps);

/* The brighter-fatter kernel (OB_BF_KERNEL_SIZE^2, row-major): a negative
 * Gaussian of sigma 2 px summing to -3e-6 per electron. */
void ob_ccd_bf_kernel(double *kernel);

typedef struct ob_ccd_calib {
    double gain[OB_CCD_MAX_AMPS];                            /* electrons per ADU */
    double read_noise_e[OB_CCD_MAX_AMPS];                    /* electrons */
    double lin_k2[OB_CCD_MAX_AMPS], lin_k3[OB_CCD_MAX_AMPS]; /* linearity polynomial */
    float sat_adu[OB_CCD_MAX_AMPS];                          /* overscan-subtracted ADU */
    double xtalk[OB_CCD_MAX_AMPS * OB_CCD_MAX_AMPS];         /* [target * namp + source] */
    float *bias, *dark, *flat;             /* assembled CCD: electrons, electrons, unitless */
    ob_defect defects[OB_CCD_MAX_DEFECTS]; /* CCD coordinates */
    int ndefects;
    double bf_kernel[OB_BF_KERNEL_SIZE * OB_BF_KERNEL_SIZE];
    int overscan_skip; /* columns/rows skipped at each end */
} ob_ccd_calib;

/* A box where a saturated star's crosstalk ghost falls: the mean ghost
 * injected there, in output units (electrons / flat). */
typedef struct ob_xtalk_probe {
    int amp, x0, y0, w, h;
    double injected;
} ob_xtalk_probe;

typedef struct ob_ccd_truth {
    float *expected;                     /* what a perfect ISR returns (CCD) */
    double resid_sigma[OB_CCD_MAX_AMPS]; /* predicted residual rms per amp, output units */
    /* predicted standard deviation of an amp's mean residual: the overscan
     * medians' errors are shared by whole rows, columns and the amp */
    double resid_mean_sigma[OB_CCD_MAX_AMPS];
    ob_xtalk_probe probes[OB_CCD_MAX_PROBES];
    int nprobes;
    int nstars, nsaturated, ncosmics, overscan_spill_rows;
} ob_ccd_truth;

/* Allocate the CCD-sized planes of calib and truth; -1 on failure (all freed). */
int ob_ccd_alloc(const ob_ccd_geom *g, ob_ccd_calib *calib, ob_ccd_truth *truth);
void ob_ccd_free(ob_ccd_calib *calib, ob_ccd_truth *truth);

/* Generate the raw frame (raw_h x raw_w int32 ADU), calibrations and truth.
 * `bf` is a plan for the CCD size made with ob_ccd_bf_kernel (the forward
 * brighter-fatter effect uses it). Returns 0, or -1 on allocation failure. */
int ob_ccd_simulate(const ob_ccd_geom *g, uint64_t seed, ob_bf *bf, int32_t *raw,
                    ob_ccd_calib *calib, ob_ccd_truth *truth);

/* Bytes the simulation needs besides its outputs and the plan (temporaries). */
size_t ob_ccd_simulate_scratch_bytes(const ob_ccd_geom *g);

#endif
