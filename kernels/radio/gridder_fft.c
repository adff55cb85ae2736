/* The grid's FFT as far as the image needs it (see gridder.h,
 * ob_gridder_fft_to_image and ob_gridder_fft_from_image).
 *
 * Two savings, both exact to rounding:
 *   - pruning: along y only the columns the visibilities' supports touch
 *     (cols_used, from the sort), along x only the image's rows;
 *   - the image is real (2-D imaging, no w-stacking): the dirty image is
 *     Re(F G), and F of H(y, x) = G(y, x) + conj(G(-y, -x)) is 2 Re(F G)
 *     with H Hermitian, so only the columns x = 0..n/2 of H are transformed
 *     along y, and every image row is a real transform of a Hermitian row,
 *     done as one complex transform of half the length (the standard
 *     "two real halves in one complex" split). Degridding runs the same
 *     steps backwards: the real image rows as half-length complex
 *     transforms, the columns 0..n/2 along y, and the touched columns of the
 *     right half copied from their conjugate partners.
 * This is what ducc0's wgridder gains with its Hartley transform: about
 * half the work of the pruned complex transform.
 *
 * With w-stacking each plane's grid has no symmetry (the image is complex
 * before the plane's phasor), so those gridders use the pruned complex
 * transform only. */
#include "kernels/radio/gridder_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The half-length row transforms run on blocks of this many rows (the
 * float FFT's lanes), so any image size works with one small plan. */
#define HALF_BLOCK_ROWS 16

/* The helper loops, like the FFT's (kernels/lib/fft2d.c), are compiled
 * for several vector widths; no FMA contraction (CMakeLists.txt), so every
 * clone gives the same bits. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(OB_FFT_NO_CLONES)
#define OB_GRID_FFT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define OB_GRID_FFT_CLONES
#endif

static size_t half_buffer_rows(size_t n_image)
{
    return (n_image + HALF_BLOCK_ROWS - 1) / HALF_BLOCK_ROWS * HALF_BLOCK_ROWS;
}

size_t ob_gridder_real_fft_bytes(size_t n_grid, size_t n_image)
{
    const size_t m = n_grid / 2;
    return half_buffer_rows(n_image) * m * 2 * sizeof(float) /* half-length rows */
           + 2 * (m + 1) * 2 * sizeof(float)                 /* twiddles, scratch */
           + n_grid                                          /* column flags */
           + 2 * 2 * HALF_BLOCK_ROWS * m * sizeof(float);    /* the plan's buffers */
}

int ob_gridder_real_fft_setup(ob_gridder *g)
{
    const size_t n = g->n_grid, m = n / 2;
    g->cols_half = calloc(n, 1);
    g->half_rows = calloc(half_buffer_rows(g->n_image) * m * 2, sizeof(float));
    g->half_tw = malloc((m + 1) * 2 * sizeof(float));
    g->half_rev = malloc((m + 1) * 2 * sizeof(float));
    g->half_plan = ob_fft2d_plan(HALF_BLOCK_ROWS, m);
    if (!g->cols_half || !g->half_rows || !g->half_tw || !g->half_rev || !g->half_plan)
        return -1;
    for (size_t k = 0; k <= m; k++) { /* exp(+2 pi i k / n) */
        const double phi = 2.0 * M_PI * (double)k / (double)n;
        g->half_tw[2 * k] = (float)cos(phi);
        g->half_tw[2 * k + 1] = (float)sin(phi);
    }
    return 0;
}

void ob_gridder_real_fft_free(ob_gridder *g)
{
    free(g->cols_half);
    free(g->half_rows);
    free(g->half_tw);
    free(g->half_rev);
    ob_fft2d_free(g->half_plan);
}

/* The grid columns a tile's supports can touch: a visibility is in the tile
 * of its support's first cell, so a tile x reaches its 32 columns and W - 1
 * more (mod n_grid). The union over w-planes, for every plane. Then the
 * columns 0..n/2 the real transform needs: those touched or whose partner
 * n - x is. */
void ob_gridder_mark_columns(ob_gridder *g)
{
    const size_t n = g->n_grid;
    memset(g->cols_used, 0, n);
    for (size_t key = 0; key < g->n_keys; key++) {
        if (g->tile_start[key + 1] == g->tile_start[key])
            continue;
        size_t tx = (key % g->n_tiles) % g->n_tiles_x;
        for (size_t c = 0; c < OB_GRID_TILE + (size_t)g->W - 1; c++)
            g->cols_used[(tx * OB_GRID_TILE + c) % n] = 1;
    }
    if (!g->cols_half)
        return;
    memset(g->cols_half, 0, n);
    for (size_t x = 0; x <= n / 2; x++)
        g->cols_half[x] = g->cols_used[x] | g->cols_used[(n - x) % n];
}

/* Grid row of the image's row r (0 .. n_image-1, pixel row r - n_image/2). */
static size_t image_row(const ob_gridder *g, size_t r)
{
    return ob_gridder_wrap((long)r - (long)(g->n_image / 2), g->n_grid);
}

/* Column blocks of the grid the column transform works in (its lanes): a
 * block with no flagged column is skipped, as ob_fft2d_execute_lines does. */
#define COL_BLOCK 16

static int block_used(const unsigned char *flags, size_t x0, size_t count)
{
    for (size_t x = x0; x < x0 + count; x++)
        if (flags[x])
            return 1;
    return 0;
}

/* One value of the fold: read all four, then write (x may be its own
 * partner, a its own row partner). */
static inline void fold_cell(float *ra, float *rb, size_t x, size_t xp)
{
    const float ar = ra[2 * x], ai = ra[2 * x + 1], br = rb[2 * x], bi = rb[2 * x + 1];
    const float par = ra[2 * xp], pai = ra[2 * xp + 1];
    const float pbr = rb[2 * xp], pbi = rb[2 * xp + 1];
    ra[2 * x] = ar + pbr;
    ra[2 * x + 1] = ai - pbi;
    rb[2 * x] = br + par;
    rb[2 * x + 1] = bi - pai;
}

/* The fold of two partner rows a and -a in the columns 0 < x < n/2 the
 * transform needs; their partners n - x, in the right half, are only read. */
static OB_GRID_FFT_CLONES void fold_row_pair(const ob_gridder *g, float *restrict ra,
                                             float *restrict rb)
{
    const size_t n = g->n_grid, half = n / 2;
    for (size_t x0 = 0; x0 < half; x0 += COL_BLOCK) {
        if (!block_used(g->cols_half, x0, COL_BLOCK))
            continue;
        for (size_t x = x0 > 0 ? x0 : 1; x < x0 + COL_BLOCK; x++) {
            const float pbr = rb[2 * (n - x)], pbi = rb[2 * (n - x) + 1];
            const float par = ra[2 * (n - x)], pai = ra[2 * (n - x) + 1];
            ra[2 * x] += pbr;
            ra[2 * x + 1] -= pbi;
            rb[2 * x] += par;
            rb[2 * x + 1] -= pai;
        }
    }
}

/* H(y, x) = G(y, x) + conj(G(-y, -x)) for the columns x = 0..n/2 the
 * transform needs. The rows y and -y are done together and every value is
 * read before either is written: columns 0 and n/2 are their own partners,
 * and so are rows 0 and n/2. The right half (x > n/2) is only read. */
static void fold_to_hermitian(const ob_gridder *g, float *grid)
{
    const size_t n = g->n_grid, half = n / 2;
    for (size_t a = 0; a <= half; a++) {
        const size_t b = (n - a) % n;
        float *ra = grid + 2 * a * n, *rb = grid + 2 * b * n;
        fold_cell(ra, rb, 0, 0);
        fold_cell(ra, rb, half, half);
        if (a != b) {
            fold_row_pair(g, ra, rb);
            continue;
        }
        for (size_t x = 1; x < half; x++) { /* a row that is its own partner */
            ra[2 * x] += ra[2 * (n - x)];
            ra[2 * x + 1] -= ra[2 * (n - x) + 1];
        }
    }
}

/* Image row r's Hermitian half-spectrum X[0..n/2] (a grid row) as the
 * half-length complex row Z = E + i O, E[k] = X[k] + conj(X[m-k]),
 * O[k] = (X[k] - conj(X[m-k])) exp(+2 pi i k/n): the inverse transform of
 * Z holds the real row's even samples in its real parts and the odd ones
 * in its imaginary parts. The 1/4 makes the result that of the complex
 * transform: 1/2 for H = 2 Re, 1/2 for the half length's 1/m. `rev` is
 * scratch for conj(X[m-k]), so that the main loop runs forwards. */
static OB_GRID_FFT_CLONES void hermitian_row_to_half(const ob_gridder *g, const float *restrict X,
                                                     float *restrict rev, float *restrict Z)
{
    const size_t m = g->n_grid / 2;
    const float *restrict tw = g->half_tw;
    for (size_t k = 0; k < m; k++) {
        rev[2 * k] = X[2 * (m - k)];
        rev[2 * k + 1] = -X[2 * (m - k) + 1];
    }
    for (size_t k = 0; k < m; k++) {
        const float xr = X[2 * k], xi = X[2 * k + 1], cr = rev[2 * k], ci = rev[2 * k + 1];
        const float er = xr + cr, ei = xi + ci, dr = xr - cr, di = xi - ci;
        const float o_r = dr * tw[2 * k] - di * tw[2 * k + 1];
        const float o_i = dr * tw[2 * k + 1] + di * tw[2 * k];
        Z[2 * k] = 0.25f * (er - o_i);
        Z[2 * k + 1] = 0.25f * (ei + o_r);
    }
}

/* The transformed half row z back into the grid row at the image's
 * columns: sample p is z[p/2]'s real (p even) or imaginary (p odd) part,
 * written as the cell's real part (its imaginary part is set to 0; only
 * the real part is read). */
static OB_GRID_FFT_CLONES void half_to_image_row(const ob_gridder *g, const float *restrict z,
                                                 float *restrict row)
{
    const size_t n = g->n_grid, h = g->n_image / 2;
    for (size_t p = 0; p < h; p++) {
        row[2 * p] = z[p];
        row[2 * p + 1] = 0.0f;
    }
    for (size_t p = n - h; p < n; p++) {
        row[2 * p] = z[p];
        row[2 * p + 1] = 0.0f;
    }
}

/* Forward, for degridding: the real grid row's samples p (real parts) as
 * the half-length complex row z[j] = x[2j] + i x[2j+1]. */
static OB_GRID_FFT_CLONES void image_row_to_half(const ob_gridder *g, const float *restrict row,
                                                 float *restrict z)
{
    const size_t n = g->n_grid;
    for (size_t p = 0; p < n; p++)
        z[p] = row[2 * p];
}

/* The forward-transformed half row Z into the spectrum X[0..n/2] of the
 * real row: X[k] = (Z[k] + conj(Z[m-k]))/2 + exp(-2 pi i k/n) (-i/2)
 * (Z[k] - conj(Z[m-k])), with Z[m] = Z[0]; `rev` as above. */
static OB_GRID_FFT_CLONES void half_to_hermitian_row(const ob_gridder *g, const float *restrict Z,
                                                     float *restrict rev, float *restrict X)
{
    const size_t m = g->n_grid / 2;
    const float *restrict tw = g->half_tw;
    rev[0] = Z[0];
    rev[1] = -Z[1];
    for (size_t k = 1; k <= m; k++) {
        rev[2 * k] = Z[2 * (m - k)];
        rev[2 * k + 1] = -Z[2 * (m - k) + 1];
    }
    for (size_t k = 0; k <= m; k++) {
        const size_t j = k < m ? k : 0;
        const float ar = Z[2 * j], ai = Z[2 * j + 1], br = rev[2 * k], bi = rev[2 * k + 1];
        const float fer = 0.5f * (ar + br), fei = 0.5f * (ai + bi);
        const float for_ = 0.5f * (ai - bi), foi = -0.5f * (ar - br);
        const float wr = tw[2 * k], wi = -tw[2 * k + 1];
        X[2 * k] = fer + (for_ * wr - foi * wi);
        X[2 * k + 1] = fei + (for_ * wi + foi * wr);
    }
}

/* The touched columns of the right half from their partners: the spectrum
 * of a real image is Hermitian, G(y, x) = conj(G(-y, n - x)). */
static OB_GRID_FFT_CLONES void unfold_from_hermitian(const ob_gridder *g, float *grid)
{
    const size_t n = g->n_grid, half = n / 2;
    for (size_t y = 0; y < n; y++) {
        float *restrict row = grid + 2 * y * n;
        const float *restrict partner = grid + 2 * ((n - y) % n) * n;
        for (size_t x0 = half; x0 < n; x0 += COL_BLOCK) {
            if (!block_used(g->cols_used, x0, COL_BLOCK))
                continue;
            for (size_t x = x0 > half ? x0 : half + 1; x < x0 + COL_BLOCK; x++) {
                row[2 * x] = partner[2 * (n - x)];
                row[2 * x + 1] = -partner[2 * (n - x) + 1];
            }
        }
    }
}

/* The image's rows, HALF_BLOCK_ROWS at a time through the small plan. */
static void transform_half_rows(const ob_gridder *g, ob_fft_dir dir)
{
    const size_t m = g->n_grid / 2, rows = half_buffer_rows(g->n_image);
    for (size_t r0 = 0; r0 < rows; r0 += HALF_BLOCK_ROWS)
        ob_fft2d_execute_axis(g->half_plan, g->half_rows + 2 * r0 * m, dir, OB_FFT_ROWS);
}

void ob_gridder_fft_to_image(const ob_gridder *g, const ob_fft2d *fft, float *grid)
{
    if (!g->cols_half) {
        ob_fft2d_execute_lines(fft, grid, OB_FFT_INVERSE, OB_FFT_COLS, g->cols_used);
        ob_fft2d_execute_lines(fft, grid, OB_FFT_INVERSE, OB_FFT_ROWS, g->image_lines);
        return;
    }
    const size_t n = g->n_grid, m = n / 2;
    fold_to_hermitian(g, grid);
    ob_fft2d_execute_lines(fft, grid, OB_FFT_INVERSE, OB_FFT_COLS, g->cols_half);
    for (size_t r = 0; r < g->n_image; r++)
        hermitian_row_to_half(g, grid + 2 * image_row(g, r) * n, g->half_rev,
                              g->half_rows + 2 * r * m);
    transform_half_rows(g, OB_FFT_INVERSE);
    for (size_t r = 0; r < g->n_image; r++)
        half_to_image_row(g, g->half_rows + 2 * r * m, grid + 2 * image_row(g, r) * n);
}

void ob_gridder_fft_from_image(const ob_gridder *g, const ob_fft2d *fft, float *grid)
{
    if (!g->cols_half) {
        ob_fft2d_execute_lines(fft, grid, OB_FFT_FORWARD, OB_FFT_ROWS, g->image_lines);
        ob_fft2d_execute_lines(fft, grid, OB_FFT_FORWARD, OB_FFT_COLS, g->cols_used);
        return;
    }
    const size_t n = g->n_grid, m = n / 2;
    for (size_t r = 0; r < g->n_image; r++)
        image_row_to_half(g, grid + 2 * image_row(g, r) * n, g->half_rows + 2 * r * m);
    transform_half_rows(g, OB_FFT_FORWARD);
    for (size_t r = 0; r < g->n_image; r++)
        half_to_hermitian_row(g, g->half_rows + 2 * r * m, g->half_rev,
                              grid + 2 * image_row(g, r) * n);
    ob_fft2d_execute_lines(fft, grid, OB_FFT_FORWARD, OB_FFT_COLS, g->cols_half);
    unfold_from_hermitian(g, grid);
}
