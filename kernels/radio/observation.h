/* A synthetic but realistic interferometric observation for the grid and
 * degrid kernels: a LOFAR-like station layout (a dense core with a
 * "superterp" ring and remote stations out to tens of km, generated from a
 * fixed seed), earth-rotation synthesis over an hour-angle range, and
 * several equally spaced frequency channels. Visibilities are stored as a
 * measurement set stores them: one (u, v, w) in metres per row (time x
 * baseline) and one complex64 value per (row, channel). The sky is a few
 * point sources inside the imaged field plus thermal noise. */
#ifndef OCCBENCH_OBSERVATION_H
#define OCCBENCH_OBSERVATION_H

#include <stddef.h>
#include <stdint.h>

#define OB_SPEED_OF_LIGHT 299792458.0

typedef struct ob_obs_config {
    int n_core;                  /* core stations (6 of them on a 150 m ring) */
    int n_remote;                /* remote stations, 3 km .. max_remote_m */
    double max_remote_m;         /* outermost remote station radius */
    int n_time;                  /* integrations over the hour-angle range */
    int n_chan;                  /* channels */
    double freq0_hz;             /* first channel */
    double dfreq_hz;             /* channel spacing */
    double ha_start_h, ha_end_h; /* hour-angle range */
    double dec_deg, lat_deg;
    int n_sources;    /* point sources in the field */
    double noise_rms; /* per visibility component, in units of the brightest source */
    uint64_t seed;
} ob_obs_config;

typedef struct ob_obs {
    size_t n_row, n_chan, n_vis; /* n_vis = n_row * n_chan */
    int n_station;
    double *uvw;          /* n_row x 3, metres */
    double *freq;         /* n_chan, Hz, equally spaced */
    float *vis;           /* n_vis complex (re, im), row-major (row, chan) */
    double max_uv_lambda; /* max |u|, |v| over rows and channels, wavelengths */
    int n_src;
    double *src; /* n_src x (l, m, n-1, flux) of the sky, set by ob_obs_fill_sky */
} ob_obs;

/* A default LOFAR-like configuration with n_time x n_chan x baselines. */
ob_obs_config ob_obs_default_config(int n_time, int n_chan, uint64_t seed);
/* Stations only: fills east/north (metres) of cfg->n_core + cfg->n_remote stations. */
void ob_obs_stations(const ob_obs_config *cfg, double *east, double *north);
/* Allocates and fills the observation; the sky lies within a square field of
 * side field_rad (radians) centred on the phase centre. Returns 0, or -1 on
 * allocation failure. Free with ob_obs_free. */
int ob_obs_generate(const ob_obs_config *cfg, double field_rad, ob_obs *out);
/* uvw only (no visibilities): cheap, for choosing the pixel size first. */
int ob_obs_generate_uvw(const ob_obs_config *cfg, ob_obs *out);
/* Visibilities of the point-source sky for the uvw already in `obs`. */
int ob_obs_fill_sky(const ob_obs_config *cfg, double field_rad, ob_obs *obs);
void ob_obs_free(ob_obs *obs);

#endif
