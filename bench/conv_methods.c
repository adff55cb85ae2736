/* Which convolution method for PSF matching, per kernel size: output
 * pixels per second on one core of
 *
 *   direct_vec   the conv kernel's vectorised direct method (ob_conv_invariant)
 *   plain        a plain scalar loop over output pixels and kernel taps
 *   fft          an FFT-based convolution with the internal FFT
 *                (kernels/lib/fft2d.c): zero-padded to a power of two,
 *                forward, multiply by the kernel's spectrum (precomputed, as
 *                for a kernel reused over many images), inverse
 *   separable    the two-pass separable method (a Gaussian; not the same
 *                kernel class, shown for scale)
 *   varying      the interpolated Alard-Lupton method (27 bases)
 *   fft_varying  the same model, exact (no interpolation), by FFT: one image
 *                spectrum, then one product and inverse transform per
 *                spatial term (6), kernel spectra included in the time
 *
 * at kernel sizes 9, 21, 35, 51. Every invariant method's output is
 * compared with the direct one (max relative difference printed), the
 * varying ones with the model evaluated exactly at 64 sampled pixels. One line per
 * measurement, `conv_methods key=value ...`; the ratios are measured in the
 * same run.
 *
 *   build/bench/conv_methods [--size NXxNY] [--kernels 9,21,35,51] [--reps N]
 *                            [--plain-rows N]
 *
 * The plain loop is timed on the first --plain-rows output rows (default
 * 64) only: rows are independent, so pixels/s carries over, and the full
 * image would take minutes at K = 51. Times are on-CPU seconds of this
 * thread, best of --reps. */
#include "kernels/rubin/conv2d.h"
#include "kernels/lib/fft2d.h"
#include "common/rng.h"

#include "support/bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* On-CPU time of this thread: the build VM's 2 cores are shared with
 * other jobs, and CPU time does not count the slices given to them (cache
 * sharing still shows). Wall time would mix in the machine's load. */
static double now(void)
{
    return bench_clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

static size_t next_pow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "conv_methods: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

/* FFT-based valid convolution, same definition as ob_conv_invariant. */
typedef struct fft_conv {
    size_t n0, n1; /* padded ny, nx */
    ob_fft2d *plan;
    float *kspec; /* kernel spectrum, 2*n0*n1 */
    float *work;  /* 2*n0*n1 */
} fft_conv;

/* spec = FFT of the kernel placed so that the circular convolution is
 * out[x] = sum_i k[i] in[x+i] (kflip[-i] = k[i]). */
static void kernel_spectrum(const fft_conv *f, const float *k, int K, float *spec)
{
    memset(spec, 0, sizeof(float) * 2 * f->n0 * f->n1);
    for (int j = 0; j < K; j++)
        for (int i = 0; i < K; i++) {
            size_t y = (f->n0 - (size_t)j) % f->n0, x = (f->n1 - (size_t)i) % f->n1;
            spec[2 * (y * f->n1 + x)] = k[j * K + i];
        }
    ob_fft2d_execute(f->plan, spec, OB_FFT_FORWARD);
}

static void fft_conv_init(fft_conv *f, size_t nx, size_t ny, const float *k, int K)
{
    /* circular convolution of length >= nx leaves the valid part unwrapped */
    f->n1 = next_pow2(nx);
    f->n0 = next_pow2(ny);
    f->plan = ob_fft2d_plan(f->n0, f->n1);
    if (!f->plan) {
        fprintf(stderr, "conv_methods: cannot plan a %zux%zu FFT\n", f->n1, f->n0);
        exit(1);
    }
    size_t n = f->n0 * f->n1;
    f->kspec = xmalloc(sizeof(float) * 2 * n);
    f->work = xmalloc(sizeof(float) * 2 * n);
    kernel_spectrum(f, k, K, f->kspec);
}

/* dst = a * b, complex, over n values */
static void spectrum_product(float *dst, const float *a, const float *b, size_t n)
{
    for (size_t p = 0; p < n; p++) {
        float ar = a[2 * p], ai = a[2 * p + 1], br = b[2 * p], bi = b[2 * p + 1];
        dst[2 * p] = ar * br - ai * bi;
        dst[2 * p + 1] = ar * bi + ai * br;
    }
}

/* work = FFT of the image zero-padded to n0 x n1 */
static void image_spectrum(const fft_conv *f, const float *in, size_t nx, size_t ny, float *work)
{
    memset(work, 0, sizeof(float) * 2 * f->n0 * f->n1);
    for (size_t y = 0; y < ny; y++)
        for (size_t x = 0; x < nx; x++)
            work[2 * (y * f->n1 + x)] = in[y * nx + x];
    ob_fft2d_execute(f->plan, work, OB_FFT_FORWARD);
}

static void fft_conv_run(fft_conv *f, const float *in, size_t nx, size_t ny, int K, float *out)
{
    size_t n = f->n0 * f->n1, nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
    image_spectrum(f, in, nx, ny, f->work);
    spectrum_product(f->work, f->work, f->kspec, n);
    ob_fft2d_execute(f->plan, f->work, OB_FFT_INVERSE);
    for (size_t y = 0; y < nyo; y++)
        for (size_t x = 0; x < nxo; x++)
            out[y * nxo + x] = f->work[2 * (y * f->n1 + x)];
}

static void fft_conv_free(fft_conv *f)
{
    ob_fft2d_free(f->plan);
    free(f->kspec);
    free(f->work);
}

/* The exact (not interpolated) Alard-Lupton convolution by FFT. The
 * spatial weights are a polynomial: out = sum_s P_s(x,y) (K_s * in) with
 * K_s = sum_b coeff[b][s] basis_b, so 6 convolutions, not 27. Timed work,
 * like the direct varying method (which evaluates its kernels in the
 * phase): the image spectrum, the 6 kernel spectra, 6 products, 6 inverse
 * transforms and the weighted sum. f->kspec is the scratch spectrum. */
static void fft_varying_run(fft_conv *f, const ob_al_model *m, const float *in, size_t nx,
                            size_t ny, float *ispec, float *ks, float *out)
{
    int K = m->K;
    size_t n = f->n0 * f->n1, kk = (size_t)K * (size_t)K;
    size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
    image_spectrum(f, in, nx, ny, ispec);
    memset(out, 0, sizeof(float) * nxo * nyo);
    for (int s = 0; s < OB_AL_NSPATIAL; s++) {
        for (size_t t = 0; t < kk; t++) {
            double sum = 0.0;
            for (int b = 0; b < OB_AL_NBASIS; b++)
                sum += m->coeff[b][s] * m->basis[(size_t)b * kk + t];
            ks[t] = (float)sum;
        }
        kernel_spectrum(f, ks, K, f->kspec);
        spectrum_product(f->kspec, f->kspec, ispec, n);
        ob_fft2d_execute(f->plan, f->kspec, OB_FFT_INVERSE);
        /* P_s = px(x) * py(y): 1, x, y, x^2, xy, y^2 */
        static const int xpow[OB_AL_NSPATIAL] = {0, 1, 0, 2, 1, 0};
        static const int ypow[OB_AL_NSPATIAL] = {0, 0, 1, 0, 1, 2};
        for (size_t y = 0; y < nyo; y++) {
            float yn = (float)(2.0 * (double)y / (double)(nyo - 1) - 1.0);
            float py = ypow[s] == 0 ? 1.0f : ypow[s] == 1 ? yn : yn * yn;
            const float *row = f->kspec + 2 * y * f->n1;
            float *o = out + y * nxo;
            for (size_t x = 0; x < nxo; x++) {
                float xn = (float)(2.0 * (double)x / (double)(nxo - 1) - 1.0);
                float px = xpow[s] == 0 ? 1.0f : xpow[s] == 1 ? xn : xn * xn;
                o[x] += px * py * row[2 * x];
            }
        }
    }
}

/* max over `samples` random pixels of |out - exact model| / sum |k||in| */
static double varying_error(const ob_al_model *m, const float *in, size_t nx, const float *out,
                            size_t nxo, size_t nyo, int samples)
{
    int K = m->K;
    double *kd = xmalloc(sizeof(double) * (size_t)(K * K)), worst = 0.0;
    ob_rng rng;
    ob_rng_seed(&rng, 99);
    for (int n = 0; n < samples; n++) {
        size_t x = (size_t)ob_rng_below(&rng, nxo), y = (size_t)ob_rng_below(&rng, nyo);
        ob_al_kernel_at(m, (double)x, (double)y, kd);
        double ref = 0.0, mag = 0.0;
        for (int j = 0; j < K; j++)
            for (int i = 0; i < K; i++) {
                double t = kd[j * K + i] * in[(y + (size_t)j) * nx + x + (size_t)i];
                ref += t;
                mag += fabs(t);
            }
        worst = fmax(worst, fabs((double)out[y * nxo + x] - ref) / mag);
    }
    free(kd);
    return worst;
}

/* max |a-b| / max |b| over n values */
static double max_rel_diff(const float *a, const float *b, size_t n)
{
    double d = 0.0, m = 0.0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - (double)b[i]));
        m = fmax(m, fabs((double)b[i]));
    }
    return m > 0 ? d / m : d;
}

typedef struct opts {
    size_t nx, ny;
    int kernels[16], nkernels;
    int reps;
    size_t plain_rows;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    *o = (opts){1024, 1024, {9, 21, 35, 51}, 4, 3, 64};
    for (int a = 1; a < argc; a++) {
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(argv[a], "--size") == 0 && v) {
            if (sscanf(v, "%zux%zu", &o->nx, &o->ny) != 2 || o->nx < 64 || o->ny < 64) {
                fprintf(stderr, "conv_methods: --size %s: expected NXxNY, both >= 64\n", v);
                return -1;
            }
        } else if (strcmp(argv[a], "--kernels") == 0 && v) {
            o->nkernels = 0;
            char buf[256];
            snprintf(buf, sizeof buf, "%s", v);
            for (char *t = strtok(buf, ","); t && o->nkernels < 16; t = strtok(NULL, ",")) {
                int k = atoi(t);
                if (k < 1 || k % 2 == 0 || k > 63) {
                    fprintf(stderr, "conv_methods: --kernels: %s is not an odd size 1..63\n", t);
                    return -1;
                }
                o->kernels[o->nkernels++] = k;
            }
        } else if (strcmp(argv[a], "--reps") == 0 && v) {
            o->reps = atoi(v);
            if (o->reps < 1) {
                fprintf(stderr, "conv_methods: --reps %s: expected an integer >= 1\n", v);
                return -1;
            }
        } else if (strcmp(argv[a], "--plain-rows") == 0 && v) {
            o->plain_rows = (size_t)atol(v);
            if (o->plain_rows < 1) {
                fprintf(stderr, "conv_methods: --plain-rows %s: expected an integer >= 1\n", v);
                return -1;
            }
        } else {
            fprintf(stderr, "usage: conv_methods [--size NXxNY] [--kernels 9,21,35,51] [--reps N] "
                            "[--plain-rows N]\n");
            return -1;
        }
        a++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    if (parse(argc, argv, &o) != 0)
        return 2;
    size_t nx = o.nx, ny = o.ny;
    float *in = xmalloc(sizeof(float) * nx * ny);
    ob_rng rng;
    ob_rng_seed(&rng, 42);
    for (size_t p = 0; p < nx * ny; p++)
        in[p] = (float)(1000.0 + 8.0 * ob_rng_normal(&rng));
    float *ref = xmalloc(sizeof(float) * nx * ny), *out = xmalloc(sizeof(float) * nx * ny);
    float *rowbuf = xmalloc(sizeof(float) * nx);

    for (int kc = 0; kc < o.nkernels; kc++) {
        int K = o.kernels[kc];
        if ((size_t)K > nx || (size_t)K > ny)
            continue;
        size_t nxo = nx - (size_t)K + 1, nyo = ny - (size_t)K + 1;
        double pixels = (double)nxo * (double)nyo;
        float *k = xmalloc(sizeof(float) * (size_t)(K * K)), gauss[64];
        for (int t = 0; t < K * K; t++)
            k[t] = (float)ob_rng_uniform(&rng);
        ob_gaussian_1d(gauss, K, K / 6.0);

        double best_vec = 1e30, best_fft = 1e30, best_sep = 1e30, best_var = 1e30;
        double best_plain = 1e30;
        for (int r = 0; r < o.reps; r++) {
            double t0 = now();
            ob_conv_invariant(in, nx, ny, k, K, ref);
            best_vec = fmin(best_vec, now() - t0);
        }
        /* plain on a band of rows, into `out`, compared on that band */
        size_t rows = o.plain_rows < nyo ? o.plain_rows : nyo;
        size_t band_ny = rows + (size_t)K - 1;
        for (int r = 0; r < (o.reps < 2 ? o.reps : 2); r++) {
            double t0 = now();
            ob_conv_plain(in, nx, band_ny, k, K, out);
            best_plain = fmin(best_plain, now() - t0);
        }
        double diff_plain = max_rel_diff(out, ref, rows * nxo);
        double plain_pps = (double)rows * (double)nxo / best_plain;

        fft_conv f;
        fft_conv_init(&f, nx, ny, k, K);
        for (int r = 0; r < o.reps; r++) {
            double t0 = now();
            fft_conv_run(&f, in, nx, ny, K, out);
            best_fft = fmin(best_fft, now() - t0);
        }
        double diff_fft = max_rel_diff(out, ref, nxo * nyo);
        size_t fn0 = f.n0, fn1 = f.n1;
        fft_conv_free(&f);

        for (int r = 0; r < o.reps; r++) {
            double t0 = now();
            ob_conv_separable(in, nx, ny, gauss, gauss, K, rowbuf, out);
            best_sep = fmin(best_sep, now() - t0);
        }
        ob_al_model m;
        ob_al_grid g;
        if (ob_al_model_init(&m, K, nxo, nyo, 7) != 0 || ob_al_grid_init(&g, &m, nxo, nyo) != 0) {
            fprintf(stderr, "conv_methods: out of memory for the Alard-Lupton grid\n");
            return 1;
        }
        for (int r = 0; r < o.reps; r++) {
            double t0 = now();
            ob_conv_varying(in, nx, ny, &g, out);
            best_var = fmin(best_var, now() - t0);
        }
        double err_var = varying_error(&m, in, nx, out, nxo, nyo, 64);
        ob_al_grid_free(&g);

        double best_fvar = 1e30;
        fft_conv_init(&f, nx, ny, k, K);
        float *ispec = xmalloc(sizeof(float) * 2 * f.n0 * f.n1);
        float *ks = xmalloc(sizeof(float) * (size_t)(K * K));
        for (int r = 0; r < o.reps; r++) {
            double t0 = now();
            fft_varying_run(&f, &m, in, nx, ny, ispec, ks, out);
            best_fvar = fmin(best_fvar, now() - t0);
        }
        double err_fvar = varying_error(&m, in, nx, out, nxo, nyo, 64);
        fft_conv_free(&f);
        free(ispec);
        free(ks);
        ob_al_model_free(&m);

        double vec_pps = pixels / best_vec, fft_pps = pixels / best_fft;
        printf("conv_methods size=%zux%zu K=%d method=direct_vec mpix_s=%.2f seconds=%.4f "
               "gflops=%.2f\n",
               nx, ny, K, 1e-6 * vec_pps, best_vec, 2e-9 * vec_pps * K * K);
        printf("conv_methods size=%zux%zu K=%d method=plain mpix_s=%.3f rows=%zu "
               "max_rel_diff=%.1e direct_vec_over_plain=%.2f\n",
               nx, ny, K, 1e-6 * plain_pps, rows, diff_plain, vec_pps / plain_pps);
        printf("conv_methods size=%zux%zu K=%d method=fft fft_size=%zux%zu mpix_s=%.2f "
               "seconds=%.4f max_rel_diff=%.1e direct_vec_over_fft=%.2f\n",
               nx, ny, K, fn1, fn0, 1e-6 * fft_pps, best_fft, diff_fft, vec_pps / fft_pps);
        printf("conv_methods size=%zux%zu K=%d method=separable mpix_s=%.2f seconds=%.4f "
               "speed_vs_direct_vec=%.2f\n",
               nx, ny, K, 1e-6 * pixels / best_sep, best_sep, best_vec / best_sep);
        printf("conv_methods size=%zux%zu K=%d method=varying mpix_s=%.2f seconds=%.4f "
               "err_vs_exact_model=%.1e speed_vs_direct_vec=%.2f\n",
               nx, ny, K, 1e-6 * pixels / best_var, best_var, err_var, best_vec / best_var);
        printf("conv_methods size=%zux%zu K=%d method=fft_varying mpix_s=%.2f seconds=%.4f "
               "err_vs_exact_model=%.1e direct_varying_over_fft_varying=%.2f\n",
               nx, ny, K, 1e-6 * pixels / best_fvar, best_fvar, err_fvar, best_fvar / best_var);
        fflush(stdout);
        free(k);
    }
    free(in);
    free(ref);
    free(out);
    free(rowbuf);
    return 0;
}
