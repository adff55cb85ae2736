/* Synthetic LSSTCam ITL CCD (see ccd_sim.h). The forward model runs the
 * ISR backwards: sky and stars (flat-fielded electrons) -> times the flat,
 * plus cosmic rays -> brighter-fatter -> bad columns -> full well and
 * bleed -> dark current -> non-linearity -> crosstalk -> ADU with bias,
 * bias structure, read noise and overscan. */
#include "kernels/rubin/ccd_sim.h"

#include "common/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FULL_WELL_E 110000.0
#define SKY_E 800.0
#define PSF_SIGMA 1.7
/* ITL full-CCD counts, scaled by area for smaller presets */
#define STARS_FULL 400
#define SATURATED_FULL 12
#define BRIGHT_FULL 40 /* unsaturated stars peaking at 4e4..9e4 e- */
#define COSMICS_FULL 1500
#define BAD_COLUMNS_FULL 8
#define SPILL_ADU 200.0f

ob_ccd_geom ob_ccd_geom_preset(ob_preset preset)
{
    ob_ccd_geom g = {8, 2, 509, 2000, 3, 64, 48}; /* ITL */
    if (preset == OB_PRESET_SMALL) {
        g.img_w = 254; /* a quarter of the pixels: half each way, same overscans */
        g.img_h = 1000;
    } else if (preset == OB_PRESET_CI) {
        g.img_w = 62;
        g.img_h = 120; /* overscans as ITL: their medians set the noise floor */
    }
    return g;
}

void ob_ccd_amp_layouts(const ob_ccd_geom *g, ob_amp_layout *amps)
{
    for (int iy = 0; iy < g->namp_y; iy++)
        for (int ix = 0; ix < g->namp_x; ix++) {
            ob_amp_layout *a = &amps[iy * g->namp_x + ix];
            a->raw_w = ob_ccd_seg_w(g);
            a->raw_h = ob_ccd_seg_h(g);
            a->x0 = ix * a->raw_w;
            a->y0 = iy * a->raw_h;
            a->prescan = g->prescan;
            a->img_w = g->img_w;
            a->serial_os = g->serial_os;
            a->img_h = g->img_h;
            a->parallel_os = g->parallel_os;
            a->flip_x = (iy == 0);
            a->flip_y = (iy == 1);
            a->ccd_x0 = ix * g->img_w;
            a->ccd_y0 = iy * g->img_h;
        }
}

void ob_ccd_bf_kernel(double *kernel)
{
    int n = OB_BF_KERNEL_SIZE, h = n / 2;
    double sum = 0.0;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            double r2 = (double)((j - h) * (j - h) + (i - h) * (i - h));
            kernel[j * n + i] = exp(-r2 / 8.0);
            sum += kernel[j * n + i];
        }
    for (int i = 0; i < n * n; i++)
        kernel[i] *= -3e-6 / sum;
}

int ob_ccd_alloc(const ob_ccd_geom *g, ob_ccd_calib *calib, ob_ccd_truth *truth)
{
    size_t n = (size_t)ob_ccd_nx(g) * (size_t)ob_ccd_ny(g);
    memset(calib, 0, sizeof *calib);
    memset(truth, 0, sizeof *truth);
    calib->bias = malloc(n * sizeof(float));
    calib->dark = malloc(n * sizeof(float));
    calib->flat = malloc(n * sizeof(float));
    truth->expected = malloc(n * sizeof(float));
    if (!calib->bias || !calib->dark || !calib->flat || !truth->expected) {
        ob_ccd_free(calib, truth);
        return -1;
    }
    return 0;
}

void ob_ccd_free(ob_ccd_calib *calib, ob_ccd_truth *truth)
{
    free(calib->bias);
    free(calib->dark);
    free(calib->flat);
    free(truth->expected);
    calib->bias = calib->dark = calib->flat = truth->expected = NULL;
}

size_t ob_ccd_simulate_scratch_bytes(const ob_ccd_geom *g)
{
    size_t n = (size_t)ob_ccd_nx(g) * (size_t)ob_ccd_ny(g);
    size_t nraw = (size_t)ob_ccd_raw_w(g) * (size_t)ob_ccd_raw_h(g);
    return 2 * n * sizeof(double) + nraw * sizeof(float) + n * sizeof(float);
}

/* Scale a full-CCD count to this CCD's area, at least `min`. */
static int scaled_count(const ob_ccd_geom *g, int full, int min)
{
    double frac = (double)ob_ccd_nx(g) * ob_ccd_ny(g) / (4072.0 * 4000.0);
    int n = (int)lround(full * frac);
    return n < min ? min : n;
}

static void make_amp_constants(const ob_ccd_geom *g, ob_rng *rng, ob_ccd_calib *c)
{
    int namp = ob_ccd_namp(g);
    c->overscan_skip = 3;
    for (int a = 0; a < namp; a++) {
        c->gain[a] = 1.4 + 0.4 * ob_rng_uniform(rng);
        c->read_noise_e[a] = 4.5 + 2.5 * ob_rng_uniform(rng);
        c->lin_k2[a] = 1e-7 * (0.5 + ob_rng_uniform(rng));
        c->lin_k3[a] = 2e-13 * (ob_rng_uniform(rng) - 0.5);
    }
    /* Crosstalk: every pair coupled, falling with distance along the row,
     * weaker across the two rows; signs mixed as measured on ITL sensors. */
    for (int t = 0; t < namp; t++)
        for (int s = 0; s < namp; s++) {
            int tx = t % g->namp_x, ty = t / g->namp_x, sx = s % g->namp_x, sy = s / g->namp_x;
            int d = abs(tx - sx);
            double v = 0.0;
            if (s != t) {
                v = (ty == sy) ? 5e-4 * pow(0.3, d - 1) : 5e-5 * pow(0.3, d);
                if (ob_rng_uniform(rng) < 0.3)
                    v = -v;
            }
            c->xtalk[t * namp + s] = v;
        }
    ob_ccd_bf_kernel(c->bf_kernel);
}

/* x + k2 x^2 + k3 x^3 = e, solved by Newton from x = e. */
static double linearity_inverse(double e, double k2, double k3)
{
    double x = e;
    for (int i = 0; i < 6; i++) {
        double f = x + x * x * (k2 + k3 * x) - e;
        x -= f / (1.0 + 2.0 * k2 * x + 3.0 * k3 * x * x);
    }
    return x;
}

/* The bias structure's two factors depend on one coordinate each: tabulated
 * once into ramp (img_h) and ripple (nx), with the same expressions, so the
 * same values, instead of an exp and a sin per pixel, which made them a large
 * part of the set-up. */
static void make_flat_dark_bias(const ob_ccd_geom *g, ob_rng *rng, ob_ccd_calib *c,
                                const ob_amp_layout *amps, double *ramp, double *ripple)
{
    int nx = ob_ccd_nx(g), ny = ob_ccd_ny(g);
    for (int rr = 0; rr < g->img_h; rr++)
        ramp[rr] = exp(-rr / 40.0);
    for (int x = 0; x < nx; x++)
        ripple[x] = sin(0.05 * x);
    double qe[OB_CCD_MAX_AMPS];
    for (int a = 0; a < ob_ccd_namp(g); a++)
        qe[a] = 1.0 + 0.03 * (2.0 * ob_rng_uniform(rng) - 1.0);
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            size_t i = (size_t)y * (size_t)nx + (size_t)x;
            int a = (y / g->img_h) * g->namp_x + x / g->img_w;
            double u = (x + 0.5) / nx - 0.5, v = (y + 0.5) / ny - 0.5;
            double vignetting = 1.0 - 0.08 * (u * u + v * v) + 0.02 * sin(12.0 * u + 7.0 * v);
            c->flat[i] = (float)(qe[a] * vignetting * (1.0 + 0.01 * ob_rng_normal(rng)));
            double dark = 0.5 * (1.0 + 0.3 * u);
            if (ob_rng_uniform(rng) < 1e-4)
                dark += 50.0 + 450.0 * ob_rng_uniform(rng); /* hot pixel */
            c->dark[i] = (float)dark;
            /* bias structure left after both overscans: a ramp along the
             * readout rows near the serial register, in electrons */
            const ob_amp_layout *al = &amps[a];
            int py = y - al->ccd_y0;
            int rr = al->flip_y ? al->img_h - 1 - py : py;
            c->bias[i] = (float)(c->gain[a] * (2.0 * ramp[rr] + 0.3 * ripple[x]));
        }
}

static void make_defects(const ob_ccd_geom *g, ob_rng *rng, ob_ccd_calib *c)
{
    int nx = ob_ccd_nx(g), ny = ob_ccd_ny(g);
    int n = scaled_count(g, BAD_COLUMNS_FULL, 2);
    if (n > OB_CCD_MAX_DEFECTS)
        n = OB_CCD_MAX_DEFECTS;
    for (int i = 0; i < n; i++) {
        ob_defect *d = &c->defects[i];
        d->w = 1 + (int)ob_rng_below(rng, 2);
        d->x0 = 12 + (int)ob_rng_below(rng, (uint64_t)(nx - 24 - d->w));
        if (i % 2 == 0) { /* a full column */
            d->y0 = 0;
            d->h = ny;
        } else { /* a partial one, from a trap to the top of its amp half */
            int half = (int)ob_rng_below(rng, 2);
            d->y0 = half * g->img_h + (int)ob_rng_below(rng, (uint64_t)g->img_h / 2);
            d->h = (half + 1) * g->img_h - d->y0;
        }
    }
    c->ndefects = n;
}

static void add_star(double *s, int nx, int ny, double cx, double cy, double flux)
{
    double r = flux > 3e5 ? 8.0 * PSF_SIGMA : 5.0 * PSF_SIGMA;
    int x0 = (int)floor(cx - r), x1 = (int)ceil(cx + r), y0 = (int)floor(cy - r),
        y1 = (int)ceil(cy + r);
    double norm = flux / (2.0 * M_PI * PSF_SIGMA * PSF_SIGMA);
    for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < ny; y++)
        for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < nx; x++) {
            double dx = x - cx, dy = y - cy;
            s[(size_t)y * (size_t)nx + (size_t)x] +=
                norm * exp(-(dx * dx + dy * dy) / (2.0 * PSF_SIGMA * PSF_SIGMA));
        }
}

/* Clip columns at the full well; the excess bleeds half up, half down the
 * column into pixels with room (charge is conserved until the CCD edge). */
static void full_well_and_bleed(double *e, int nx, int ny, double *excess)
{
    for (int x = 0; x < nx; x++) {
        int any = 0;
        for (int y = 0; y < ny; y++) {
            double *p = &e[(size_t)y * (size_t)nx + (size_t)x];
            excess[y] = *p > FULL_WELL_E ? 0.5 * (*p - FULL_WELL_E) : 0.0;
            if (*p > FULL_WELL_E) {
                *p = FULL_WELL_E;
                any = 1;
            }
        }
        if (!any)
            continue;
        double carry = 0.0;
        for (int y = 0; y < ny; y++) { /* upwards */
            double *p = &e[(size_t)y * (size_t)nx + (size_t)x];
            carry += excess[y];
            double take = fmin(carry, FULL_WELL_E - *p);
            *p += take;
            carry -= take;
        }
        carry = 0.0;
        for (int y = ny - 1; y >= 0; y--) { /* downwards */
            double *p = &e[(size_t)y * (size_t)nx + (size_t)x];
            carry += excess[y];
            double take = fmin(carry, FULL_WELL_E - *p);
            *p += take;
            carry -= take;
        }
    }
}

typedef struct star {
    double x, y, flux;
} star;

/* One simulation in progress: the geometry, the outputs being filled, the
 * random stream (its draws in the order the stages below make them) and
 * the working images. */
typedef struct ccd_sim {
    const ob_ccd_geom *g;
    ob_ccd_calib *c;
    ob_ccd_truth *t;
    ob_rng rng;
    int nx, ny, namp, raw_w, seg_h;
    size_t n, nraw, npix_amp;
    ob_amp_layout amps[OB_CCD_MAX_AMPS];
    int nstars, nsat, nbright;
    double *e, *tmp, *corr; /* electrons, scratch, brighter-fatter correction */
    float *frame, *accum;   /* the raw frame in electrons; crosstalk scratch */
    star *stars;
    unsigned char *spill;  /* [amp][segment row]: the row spills into the overscan */
    double *pattern;       /* an amp's column pattern, tabulated (amp_to_adu) */
    double *ramp, *ripple; /* the bias structure's factors (make_flat_dark_bias) */
} ccd_sim;

static void sim_free(ccd_sim *s)
{
    free(s->e), free(s->tmp), free(s->corr), free(s->frame), free(s->accum), free(s->stars);
    free(s->spill), free(s->pattern), free(s->ramp), free(s->ripple);
}

static int sim_init(ccd_sim *s, const ob_ccd_geom *g, uint64_t seed, ob_ccd_calib *c,
                    ob_ccd_truth *t)
{
    *s = (ccd_sim){.g = g, .c = c, .t = t};
    s->nx = ob_ccd_nx(g), s->ny = ob_ccd_ny(g), s->namp = ob_ccd_namp(g);
    s->raw_w = ob_ccd_raw_w(g), s->seg_h = ob_ccd_seg_h(g);
    s->n = (size_t)s->nx * (size_t)s->ny;
    s->nraw = (size_t)s->raw_w * (size_t)ob_ccd_raw_h(g);
    s->npix_amp = (size_t)g->img_w * (size_t)g->img_h;
    ob_ccd_amp_layouts(g, s->amps);
    s->nsat = scaled_count(g, SATURATED_FULL, 2);
    s->nstars = scaled_count(g, STARS_FULL, 6);
    s->nbright = s->nsat + scaled_count(g, BRIGHT_FULL, 5);
    if (s->nstars < s->nbright + 2)
        s->nstars = s->nbright + 2;
    s->e = malloc(s->n * sizeof(double));
    s->tmp = malloc(s->n * sizeof(double));
    s->corr = malloc(s->n * sizeof(double));
    s->frame = calloc(s->nraw, sizeof(float));
    s->accum = malloc((size_t)s->namp * s->npix_amp * sizeof(float));
    s->stars = malloc((size_t)s->nstars * sizeof(star));
    s->spill = calloc((size_t)s->namp * (size_t)s->seg_h, 1);
    s->pattern = malloc((size_t)s->raw_w * sizeof(double));
    s->ramp = malloc((size_t)g->img_h * sizeof(double));
    s->ripple = malloc((size_t)s->nx * sizeof(double));
    if (!s->e || !s->tmp || !s->corr || !s->frame || !s->accum || !s->stars || !s->spill ||
        !s->pattern || !s->ramp || !s->ripple) {
        sim_free(s);
        return -1;
    }
    ob_rng_seed(&s->rng, seed);
    return 0;
}

/* Sky and stars, flat-fielded electrons (the first nsat stars saturate),
 * with photon noise: the realisation is the truth. */
static void sky_and_stars(ccd_sim *s)
{
    int nx = s->nx, ny = s->ny;
    for (size_t i = 0; i < s->n; i++)
        s->e[i] = SKY_E;
    for (int k = 0; k < s->nstars; k++) {
        int margin = 20;
        star *st = &s->stars[k];
        st->x = margin + ob_rng_uniform(&s->rng) * (nx - 2 * margin);
        st->y = margin + ob_rng_uniform(&s->rng) * (ny - 2 * margin);
        double lg = k < s->nsat      ? 6.6 + 0.7 * ob_rng_uniform(&s->rng)
                    : k < s->nbright ? 5.9 + 0.3 * ob_rng_uniform(&s->rng)
                                     : 3.5 + 2.6 * ob_rng_uniform(&s->rng);
        st->flux = pow(10.0, lg);
        add_star(s->e, nx, ny, st->x, st->y, st->flux);
    }
    for (size_t i = 0; i < s->n; i++)
        s->e[i] += sqrt(s->e[i]) * ob_rng_normal(&s->rng);
}

/* The truth, then times the flat; cosmic rays deposit charge that the flat
 * does not touch. */
static void flat_and_cosmics(ccd_sim *s)
{
    ob_ccd_calib *c = s->c;
    ob_ccd_truth *t = s->t;
    int nx = s->nx, ny = s->ny;
    for (size_t i = 0; i < s->n; i++) {
        t->expected[i] = (float)s->e[i];
        s->e[i] *= c->flat[i];
    }
    t->ncosmics = scaled_count(s->g, COSMICS_FULL, 5);
    for (int k = 0; k < t->ncosmics; k++) {
        int x = (int)ob_rng_below(&s->rng, (uint64_t)nx);
        int y = (int)ob_rng_below(&s->rng, (uint64_t)ny);
        int dx = (int)ob_rng_below(&s->rng, 3) - 1, dy = (int)ob_rng_below(&s->rng, 3) - 1;
        int len = 1 + (int)ob_rng_below(&s->rng, 6);
        for (int step = 0; step < len; step++, x += dx, y += dy) {
            if (x < 0 || x >= nx || y < 0 || y >= ny)
                break;
            size_t i = (size_t)y * (size_t)nx + (size_t)x;
            double dep = 300.0 + 2700.0 * ob_rng_uniform(&s->rng);
            s->e[i] += dep;
            t->expected[i] += (float)(dep / c->flat[i]);
        }
    }
}

/* Brighter-fatter (the ISR solves T = O + corr(T); observe O = E - corr(E)),
 * bad columns that lose most of their charge, the full well and its bleed. */
static void brighter_fatter_and_defects(ccd_sim *s, ob_bf *bf)
{
    ob_bf_convolve(bf, s->e, s->tmp);
    ob_bf_correction(s->e, s->tmp, s->corr, s->ny, s->nx, OB_BF_KERNEL_SIZE / 2);
    for (size_t i = 0; i < s->n; i++)
        s->e[i] -= s->corr[i];
    for (int k = 0; k < s->c->ndefects; k++) {
        const ob_defect *d = &s->c->defects[k];
        for (int y = d->y0; y < d->y0 + d->h; y++)
            for (int x = d->x0; x < d->x0 + d->w; x++)
                s->e[(size_t)y * (size_t)s->nx + (size_t)x] *= 0.2;
    }
    full_well_and_bleed(s->e, s->nx, s->ny, s->tmp);
}

/* Dark current and non-linearity, into the raw frame in electrons; the
 * amp's saturation level. Rows with a wide saturated run spill into the
 * serial overscan. They are kept to at most a tenth of an amp's rows, as on
 * real data: the ISR's row-outlier masking (by the IQR of the row medians)
 * can only find a minority; a long bleed in a tiny ci amp would break it. */
static void dark_and_linearity(ccd_sim *s)
{
    const ob_ccd_geom *g = s->g;
    ob_ccd_calib *c = s->c;
    int nx = s->nx, spill_cap = s->seg_h / 10;
    for (int a = 0; a < s->namp; a++) {
        const ob_amp_layout *al = &s->amps[a];
        int r0 = ob_amp_img_row0(al), c0 = ob_amp_img_col0(al), spilled = 0;
        for (int y = 0; y < g->img_h; y++) {
            int saturated = 0;
            for (int x = 0; x < g->img_w; x++)
                saturated +=
                    s->e[(size_t)(al->ccd_y0 + y) * (size_t)nx + (size_t)(al->ccd_x0 + x)] >=
                    FULL_WELL_E;
            if (saturated >= 3 && spilled < spill_cap) {
                s->spill[(size_t)a * (size_t)s->seg_h + (size_t)(r0 + y)] = 1;
                spilled++;
            }
            for (int x = 0; x < g->img_w; x++) {
                size_t i = (size_t)(al->ccd_y0 + y) * (size_t)nx + (size_t)(al->ccd_x0 + x);
                double d = c->dark[i];
                double v = s->e[i] + d + sqrt(d) * ob_rng_normal(&s->rng);
                s->frame[(size_t)(al->y0 + r0 + y) * (size_t)s->raw_w + (size_t)(al->x0 + c0 + x)] =
                    (float)linearity_inverse(v, c->lin_k2[a], c->lin_k3[a]);
            }
        }
        double top = linearity_inverse(FULL_WELL_E, c->lin_k2[a], c->lin_k3[a]) / c->gain[a];
        /* below the lowest full-well value by read noise and crosstalk margins */
        c->sat_adu[a] = (float)(top - 5.0 * c->read_noise_e[a] / c->gain[a] - 100.0);
    }
}

/* The ghost box of saturated star k in the same-row neighbour `dt` (-1, +1)
 * and its mean injected signal; 0 when the box lies inside that amp. */
static int ghost_probe(const ccd_sim *s, int k, int dt, ob_xtalk_probe *p)
{
    const ob_ccd_geom *g = s->g;
    const ob_ccd_calib *c = s->c;
    int sx = (int)s->stars[k].x, sy = (int)s->stars[k].y;
    int src = (sy / g->img_h) * g->namp_x + sx / g->img_w;
    const ob_amp_layout *as = &s->amps[src];
    int tix = src % g->namp_x + dt;
    if (tix < 0 || tix >= g->namp_x)
        return -1;
    int tamp = (src / g->namp_x) * g->namp_x + tix;
    const ob_amp_layout *at = &s->amps[tamp];
    /* same flips within a row: the ghost is at the same place in the amp */
    int px = sx - as->ccd_x0, py = sy - as->ccd_y0, half = 4;
    p->amp = tamp;
    p->x0 = at->ccd_x0 + px - half;
    p->y0 = at->ccd_y0 + py - half;
    p->w = p->h = 2 * half + 1;
    if (p->x0 < at->ccd_x0 || p->y0 < at->ccd_y0 || p->x0 + p->w > at->ccd_x0 + g->img_w ||
        p->y0 + p->h > at->ccd_y0 + g->img_h)
        return -1;
    double sum = 0.0, coeff = c->xtalk[tamp * s->namp + src];
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            int srcy = as->y0 + ob_amp_img_row0(as) + py - half + y;
            int srcx = as->x0 + ob_amp_img_col0(as) + px - half + x;
            size_t ti = (size_t)(p->y0 + y) * (size_t)s->nx + (size_t)(p->x0 + x);
            sum += coeff * s->frame[(size_t)srcy * (size_t)s->raw_w + (size_t)srcx] / c->flat[ti];
        }
    p->injected = sum / (p->w * p->h);
    return 0;
}

/* Crosstalk: the saturated stars' ghosts recorded as probes into same-row
 * neighbours, then the ISR step with the signs reversed adds every ghost. */
static void crosstalk(ccd_sim *s)
{
    ob_ccd_truth *t = s->t;
    t->nprobes = 0;
    for (int k = 0; k < s->nsat; k++)
        for (int dt = -1; dt <= 1; dt += 2)
            if (t->nprobes < OB_CCD_MAX_PROBES &&
                ghost_probe(s, k, dt, &t->probes[t->nprobes]) == 0)
                t->nprobes++;
    double neg[OB_CCD_MAX_AMPS * OB_CCD_MAX_AMPS];
    for (int i = 0; i < s->namp * s->namp; i++)
        neg[i] = -s->c->xtalk[i];
    ob_isr_crosstalk(s->frame, (size_t)s->raw_w, s->amps, s->namp, neg, s->accum);
}

/* Amp a to ADU: bias level, row jitter, column pattern, bias structure,
 * read noise, overscan spill; returns the rows that spill. */
static int amp_to_adu(ccd_sim *s, int a, int32_t *raw)
{
    const ob_ccd_calib *c = s->c;
    const ob_amp_layout *al = &s->amps[a];
    double level = 15000.0 + 10000.0 * ob_rng_uniform(&s->rng);
    double rn_adu = c->read_noise_e[a] / c->gain[a];
    int r0 = ob_amp_img_row0(al), c0 = ob_amp_img_col0(al), spill_rows = 0;
    /* the column pattern depends on the column only: one sin per column, not per pixel */
    for (int col = 0; col < al->raw_w; col++)
        s->pattern[col] = 4.0 * sin(0.9 * col + a);
    for (int r = 0; r < al->raw_h; r++) {
        double row_level = level + 0.5 * ob_rng_normal(&s->rng);
        int frame_row = al->y0 + r;
        int in_img_rows = r >= r0 && r < r0 + al->img_h;
        int spills = s->spill[(size_t)a * (size_t)s->seg_h + (size_t)r];
        spill_rows += spills;
        for (int col = 0; col < al->raw_w; col++) {
            size_t fi = (size_t)frame_row * (size_t)s->raw_w + (size_t)(al->x0 + col);
            int in_img = in_img_rows && col >= c0 && col < c0 + al->img_w;
            double v = s->frame[fi] / c->gain[a] + row_level + s->pattern[col] +
                       rn_adu * ob_rng_normal(&s->rng);
            if (in_img) {
                size_t ci =
                    (size_t)(al->ccd_y0 + r - r0) * (size_t)s->nx + (size_t)(al->ccd_x0 + col - c0);
                v += c->bias[ci] / c->gain[a];
            }
            /* charge trailing out of saturated rows fills most of the overscan */
            int rc = al->flip_x ? al->raw_w - 1 - col : col;
            if (spills && rc >= al->prescan + al->img_w &&
                rc < al->prescan + al->img_w + (al->serial_os * 3) / 4)
                v += SPILL_ADU;
            double q = floor(v + 0.5);
            raw[fi] = (int32_t)(q < 0.0 ? 0.0 : (q > 262143.0 ? 262143.0 : q));
        }
    }
    return spill_rows;
}

/* Amp a's predicted residual: read noise, quantisation, the two overscan
 * medians' errors (variance pi/2 sigma^2 / n each) and dark shot noise. */
static void predicted_residual(ccd_sim *s, int a)
{
    const ob_ccd_calib *c = s->c;
    const ob_amp_layout *al = &s->amps[a];
    double rn_adu = c->read_noise_e[a] / c->gain[a];
    int nser = al->serial_os - 2 * c->overscan_skip, npar = al->parallel_os - 2 * c->overscan_skip;
    double ser = M_PI / 2.0 / nser;
    double var_adu = rn_adu * rn_adu * (1.0 + ser + M_PI / 2.0 / npar * (1.0 + ser)) + 1.0 / 12.0;
    double var_e = var_adu * c->gain[a] * c->gain[a], sum = 0.0;
    for (int y = 0; y < s->g->img_h; y++)
        for (int x = 0; x < s->g->img_w; x++) {
            size_t i = (size_t)(al->ccd_y0 + y) * (size_t)s->nx + (size_t)(al->ccd_x0 + x);
            sum += (var_e + c->dark[i]) / ((double)c->flat[i] * c->flat[i]);
        }
    s->t->resid_sigma[a] = sqrt(sum / (double)s->npix_amp);
    /* row errors (serial medians) reach the amp mean through the imaging
     * rows and, shared by every column, through the parallel medians;
     * column errors average over the columns */
    double row_err = M_PI / 2.0 * rn_adu * rn_adu / nser;
    double mean_var_adu = row_err * (1.0 / al->img_h + M_PI / 2.0 / npar) +
                          M_PI / 2.0 * rn_adu * rn_adu / npar / al->img_w;
    s->t->resid_mean_sigma[a] = sqrt(mean_var_adu * c->gain[a] * c->gain[a] +
                                     sum / (double)s->npix_amp / (double)s->npix_amp);
}

int ob_ccd_simulate(const ob_ccd_geom *g, uint64_t seed, ob_bf *bf, int32_t *raw, ob_ccd_calib *c,
                    ob_ccd_truth *t)
{
    ccd_sim s;
    if (sim_init(&s, g, seed, c, t) != 0)
        return -1;
    make_amp_constants(g, &s.rng, c);
    make_flat_dark_bias(g, &s.rng, c, s.amps, s.ramp, s.ripple);
    make_defects(g, &s.rng, c);
    t->nstars = s.nstars;
    t->nsaturated = s.nsat;
    sky_and_stars(&s);
    flat_and_cosmics(&s);
    brighter_fatter_and_defects(&s, bf);
    dark_and_linearity(&s);
    crosstalk(&s);
    int spill_rows = 0;
    for (int a = 0; a < s.namp; a++) {
        spill_rows += amp_to_adu(&s, a, raw);
        predicted_residual(&s, a);
    }
    t->overscan_spill_rows = spill_rows;
    sim_free(&s);
    return 0;
}
