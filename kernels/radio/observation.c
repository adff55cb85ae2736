/* Synthetic LOFAR-like observation (see observation.h). */
#include "kernels/radio/observation.h"

#include "common/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

ob_obs_config ob_obs_default_config(int n_time, int n_chan, uint64_t seed)
{
    ob_obs_config c = {
        .n_core = 24,            /* LOFAR NL: 24 core stations ... */
        .n_remote = 14,          /* ... and 14 remote ones */
        .max_remote_m = 40000.0, /* remote stations reach ~55 km; 40 km keeps a core-heavy mix */
        .n_time = n_time,
        .n_chan = n_chan,
        .freq0_hz = 120e6, /* LoTSS band 120-168 MHz */
        .dfreq_hz = n_chan > 1 ? 48e6 / (n_chan - 1) : 0.0,
        .ha_start_h = -4.0,
        .ha_end_h = 4.0,
        .dec_deg = 58.0, /* a LoTSS-like field */
        .lat_deg = 52.91,
        .n_sources = 20,
        .noise_rms = 0.05,
        .seed = seed,
    };
    return c;
}

void ob_obs_stations(const ob_obs_config *cfg, double *east, double *north)
{
    ob_rng rng;
    ob_rng_seed(&rng, cfg->seed ^ 0x5a7a7105ULL);
    int ring = cfg->n_core < 6 ? cfg->n_core : 6;
    for (int i = 0; i < ring; i++) { /* the superterp: a 150 m ring */
        double a = 2.0 * M_PI * i / ring + 0.3;
        east[i] = 150.0 * cos(a);
        north[i] = 150.0 * sin(a);
    }
    /* The rest of the core: log-uniform radius 250 m .. 1.7 km, so density
     * falls with radius as in the real core. */
    for (int i = ring; i < cfg->n_core; i++) {
        double r = 250.0 * exp(ob_rng_uniform(&rng) * log(1700.0 / 250.0));
        double a = 2.0 * M_PI * ob_rng_uniform(&rng);
        east[i] = r * cos(a);
        north[i] = r * sin(a);
    }
    for (int i = 0; i < cfg->n_remote; i++) { /* remote: log-uniform 3 km .. max */
        double r = 3000.0 * exp(ob_rng_uniform(&rng) * log(cfg->max_remote_m / 3000.0));
        double a = 2.0 * M_PI * ob_rng_uniform(&rng);
        east[cfg->n_core + i] = r * cos(a);
        north[cfg->n_core + i] = r * sin(a);
    }
}

int ob_obs_generate_uvw(const ob_obs_config *cfg, ob_obs *out)
{
    memset(out, 0, sizeof *out);
    int ns = cfg->n_core + cfg->n_remote;
    size_t nbl = (size_t)ns * (ns - 1) / 2;
    out->n_station = ns;
    out->n_chan = (size_t)cfg->n_chan;
    out->n_row = nbl * (size_t)cfg->n_time;
    out->n_vis = out->n_row * out->n_chan;
    out->uvw = malloc(out->n_row * 3 * sizeof(double));
    out->freq = malloc(out->n_chan * sizeof(double));
    double *east = malloc(ns * sizeof(double)), *north = malloc(ns * sizeof(double));
    double *xyz = malloc(3 * ns * sizeof(double));
    if (!out->uvw || !out->freq || !east || !north || !xyz) {
        free(east), free(north), free(xyz);
        ob_obs_free(out);
        return -1;
    }
    for (size_t c = 0; c < out->n_chan; c++)
        out->freq[c] = cfg->freq0_hz + cfg->dfreq_hz * (double)c;
    ob_obs_stations(cfg, east, north);
    /* Local (east, north, up=0) to equatorial (X towards HA=0, Y east, Z pole). */
    double lat = cfg->lat_deg * M_PI / 180.0, dec = cfg->dec_deg * M_PI / 180.0;
    for (int s = 0; s < ns; s++) {
        xyz[3 * s + 0] = -sin(lat) * north[s];
        xyz[3 * s + 1] = east[s];
        xyz[3 * s + 2] = cos(lat) * north[s];
    }
    double fscale = out->freq[out->n_chan - 1] / OB_SPEED_OF_LIGHT, maxuv = 0.0;
    size_t row = 0;
    for (int t = 0; t < cfg->n_time; t++) {
        double frac = cfg->n_time > 1 ? (double)t / (cfg->n_time - 1) : 0.5;
        double ha = (cfg->ha_start_h + frac * (cfg->ha_end_h - cfg->ha_start_h)) * M_PI / 12.0;
        double sh = sin(ha), ch = cos(ha), sd = sin(dec), cd = cos(dec);
        for (int a = 0; a < ns; a++)
            for (int b = a + 1; b < ns; b++, row++) {
                double lx = xyz[3 * b] - xyz[3 * a], ly = xyz[3 * b + 1] - xyz[3 * a + 1];
                double lz = xyz[3 * b + 2] - xyz[3 * a + 2];
                double *uvw = out->uvw + 3 * row;
                uvw[0] = sh * lx + ch * ly;
                uvw[1] = -sd * ch * lx + sd * sh * ly + cd * lz;
                uvw[2] = cd * ch * lx - cd * sh * ly + sd * lz;
                double m = fscale * fmax(fabs(uvw[0]), fabs(uvw[1]));
                if (m > maxuv)
                    maxuv = m;
            }
    }
    out->max_uv_lambda = maxuv;
    free(east), free(north), free(xyz);
    return 0;
}

int ob_obs_fill_sky(const ob_obs_config *cfg, double field_rad, ob_obs *obs)
{
    obs->vis = malloc(obs->n_vis * 2 * sizeof(float));
    int nsrc = cfg->n_sources;
    double *src = malloc((size_t)(nsrc > 0 ? nsrc : 1) * 4 * sizeof(double));
    if (!obs->vis || !src) {
        free(src);
        free(obs->vis);
        obs->vis = NULL;
        return -1;
    }
    ob_rng rng;
    ob_rng_seed(&rng, cfg->seed ^ 0x5c1e5ULL);
    for (int s = 0; s < nsrc; s++) { /* l, m, n-1, flux (power law, brightest 1) */
        double l = (ob_rng_uniform(&rng) - 0.5) * 0.9 * field_rad;
        double m = (ob_rng_uniform(&rng) - 0.5) * 0.9 * field_rad;
        src[4 * s] = l;
        src[4 * s + 1] = m;
        src[4 * s + 2] = sqrt(1.0 - l * l - m * m) - 1.0;
        src[4 * s + 3] = s == 0 ? 1.0 : pow(ob_rng_uniform(&rng) + 1e-3, 2.0);
    }
    double f0 = obs->freq[0] / OB_SPEED_OF_LIGHT;
    double df = obs->n_chan > 1 ? (obs->freq[1] - obs->freq[0]) / OB_SPEED_OF_LIGHT : 0.0;
    double acc[2 * 256];
    for (size_t r = 0; r < obs->n_row; r++) {
        const double *uvw = obs->uvw + 3 * r;
        float *out = obs->vis + 2 * r * obs->n_chan;
        for (size_t c0 = 0; c0 < obs->n_chan; c0 += 256) {
            size_t nc = obs->n_chan - c0 < 256 ? obs->n_chan - c0 : 256;
            memset(acc, 0, 2 * nc * sizeof(double));
            for (int s = 0; s < nsrc; s++) {
                /* exp(-2 pi i (u l + v m + w (n-1)) f/c), stepped across channels. */
                double ph =
                    -2.0 * M_PI *
                    (uvw[0] * src[4 * s] + uvw[1] * src[4 * s + 1] + uvw[2] * src[4 * s + 2]);
                double f = f0 + df * (double)c0;
                double zr = cos(ph * f) * src[4 * s + 3], zi = sin(ph * f) * src[4 * s + 3];
                double sr = cos(ph * df), si = sin(ph * df);
                for (size_t c = 0; c < nc; c++) {
                    acc[2 * c] += zr;
                    acc[2 * c + 1] += zi;
                    double t = zr * sr - zi * si;
                    zi = zr * si + zi * sr;
                    zr = t;
                }
            }
            for (size_t c = 0; c < nc; c++) {
                out[2 * (c0 + c)] = (float)(acc[2 * c] + cfg->noise_rms * ob_rng_normal(&rng));
                out[2 * (c0 + c) + 1] =
                    (float)(acc[2 * c + 1] + cfg->noise_rms * ob_rng_normal(&rng));
            }
        }
    }
    obs->n_src = nsrc;
    obs->src = src;
    return 0;
}

int ob_obs_generate(const ob_obs_config *cfg, double field_rad, ob_obs *out)
{
    if (ob_obs_generate_uvw(cfg, out) != 0)
        return -1;
    if (ob_obs_fill_sky(cfg, field_rad, out) != 0) {
        ob_obs_free(out);
        return -1;
    }
    return 0;
}

void ob_obs_free(ob_obs *obs)
{
    free(obs->uvw);
    free(obs->freq);
    free(obs->vis);
    free(obs->src);
    memset(obs, 0, sizeof *obs);
}
