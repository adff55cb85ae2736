/* The internal 2-D complex FFT of kernels/lib/fft2d.h. The algorithm is
 * described in fft2d_impl.h, which is instantiated here once per precision.
 *
 * Portability and identical results: the build uses no -march flag. The hot
 * loops are compiled several times with GCC's target_clones (AVX-512F, AVX2,
 * baseline SSE2) and the widest the CPU has is picked at load time. The
 * clones differ only in vector width: every lane does the same IEEE
 * operations in the same order, and FMA contraction is off for this file
 * (-ffp-contract=off, set in CMakeLists.txt), so every site computes
 * bit-identical transforms. */
#include "kernels/lib/fft2d.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OB_FFT_MAX_PASSES 40
/* Offset of the second Stockham buffer so that the two do not alias in L1 (4 KiB). */
#define OB_FFT_PAD_BYTES 192

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__) && !defined(OB_FFT_NO_CLONES)
#define OB_FFT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define OB_FFT_CLONES
#endif

static int ob_fft_is_pow2(size_t n)
{
    return n >= 1 && (n & (n - 1)) == 0;
}

static int ob_fft_log2(size_t n)
{
    int k = 0;
    while ((size_t)1 << k < n)
        k++;
    return k;
}

/* exp(-2 pi i k / n) in double. The angle is split into a multiple of pi/4
 * and a remainder so that cos/sin are only evaluated on [0, pi/4], where
 * they are most accurate, and the quarter points come out exact. */
static void ob_fft_root(size_t k, size_t n, double *re, double *im)
{
    k %= n;
    const size_t octant = 8 * k / n, rem = 8 * k % n;
    double x, y; /* cos, sin of the angle left after whole quarter turns */
    size_t quarter_turns;
    if (octant % 2 == 0) {
        const double phi = 0.25 * M_PI * (double)rem / (double)n;
        x = cos(phi);
        y = sin(phi);
        quarter_turns = octant / 2;
    } else { /* angle = next multiple of pi/2 minus psi */
        const double psi = 0.25 * M_PI * (double)(n - rem) / (double)n;
        x = cos(psi);
        y = -sin(psi);
        quarter_turns = (octant + 1) / 2;
    }
    for (size_t t = 0; t < quarter_turns % 4; t++) { /* rotate by +pi/2 */
        const double old_x = x;
        x = -y;
        y = old_x;
    }
    *re = x;
    *im = -y; /* forward sign: exp(-i angle) */
}

/* Row transposition tiles. The row passes copy FFT_LANES rows into lane
 * order: for every complex index j, the real parts of the rows side by side,
 * then the imaginary parts. Element by element that is one scalar store per
 * real, which limits the row pass; these tiles move a few rows x complex at a
 * time through 16-byte vectors and shuffles (GCC vector extensions, lowered
 * to whatever each target clone has) instead.
 *
 * Float tile: 4 rows x 2 complex. In: row r = (re_j, im_j, re_j+1, im_j+1).
 * Out: re_j, im_j, re_j+1, im_j+1, each across the 4 rows. `e` points at
 * lane 0 of element j in the buffer, `estep` reals to element j+1. */
#if defined(__clang__)
#define OB_SHUFFLE4(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#define OB_SHUFFLE2(a, b, i, j) __builtin_shufflevector(a, b, i, j)
#else
#define OB_SHUFFLE4(a, b, i, j, k, l) __builtin_shuffle(a, b, (ob_v4i){i, j, k, l})
#define OB_SHUFFLE2(a, b, i, j) __builtin_shuffle(a, b, (ob_v2l){i, j})
#endif
typedef float ob_v4f __attribute__((vector_size(16)));
typedef int ob_v4i __attribute__((vector_size(16)));
typedef double ob_v2d __attribute__((vector_size(16)));
typedef long long ob_v2l __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) void ob_fft2d_gather_tile(const float *src,
                                                                       size_t pitch, float *e,
                                                                       size_t estep, size_t lanes,
                                                                       float conj)
{
    ob_v4f a0, a1, a2, a3;
    memcpy(&a0, src, sizeof a0);
    memcpy(&a1, src + pitch, sizeof a1);
    memcpy(&a2, src + 2 * pitch, sizeof a2);
    memcpy(&a3, src + 3 * pitch, sizeof a3);
    const ob_v4f t0 = OB_SHUFFLE4(a0, a1, 0, 4, 1, 5);
    const ob_v4f t1 = OB_SHUFFLE4(a2, a3, 0, 4, 1, 5);
    const ob_v4f t2 = OB_SHUFFLE4(a0, a1, 2, 6, 3, 7);
    const ob_v4f t3 = OB_SHUFFLE4(a2, a3, 2, 6, 3, 7);
    const ob_v4f re0 = OB_SHUFFLE4(t0, t1, 0, 1, 4, 5);
    const ob_v4f im0 = OB_SHUFFLE4(t0, t1, 2, 3, 6, 7) * conj;
    const ob_v4f re1 = OB_SHUFFLE4(t2, t3, 0, 1, 4, 5);
    const ob_v4f im1 = OB_SHUFFLE4(t2, t3, 2, 3, 6, 7) * conj;
    memcpy(e, &re0, sizeof re0);
    memcpy(e + lanes, &im0, sizeof im0);
    memcpy(e + estep, &re1, sizeof re1);
    memcpy(e + estep + lanes, &im1, sizeof im1);
}

static inline __attribute__((always_inline)) void ob_fft2d_scatter_tile(const float *e,
                                                                        size_t estep, size_t lanes,
                                                                        float scale, float scale_im,
                                                                        float *dst, size_t pitch)
{
    ob_v4f re0, im0, re1, im1;
    memcpy(&re0, e, sizeof re0);
    memcpy(&im0, e + lanes, sizeof im0);
    memcpy(&re1, e + estep, sizeof re1);
    memcpy(&im1, e + estep + lanes, sizeof im1);
    re0 *= scale;
    im0 *= scale_im;
    re1 *= scale;
    im1 *= scale_im;
    const ob_v4f u0 = OB_SHUFFLE4(re0, im0, 0, 4, 1, 5); /* rows 0,1 at j */
    const ob_v4f u1 = OB_SHUFFLE4(re0, im0, 2, 6, 3, 7); /* rows 2,3 at j */
    const ob_v4f u2 = OB_SHUFFLE4(re1, im1, 0, 4, 1, 5); /* rows 0,1 at j+1 */
    const ob_v4f u3 = OB_SHUFFLE4(re1, im1, 2, 6, 3, 7); /* rows 2,3 at j+1 */
    const ob_v4f r0 = OB_SHUFFLE4(u0, u2, 0, 1, 4, 5);
    const ob_v4f r1 = OB_SHUFFLE4(u0, u2, 2, 3, 6, 7);
    const ob_v4f r2 = OB_SHUFFLE4(u1, u3, 0, 1, 4, 5);
    const ob_v4f r3 = OB_SHUFFLE4(u1, u3, 2, 3, 6, 7);
    memcpy(dst, &r0, sizeof r0);
    memcpy(dst + pitch, &r1, sizeof r1);
    memcpy(dst + 2 * pitch, &r2, sizeof r2);
    memcpy(dst + 3 * pitch, &r3, sizeof r3);
}

/* Double tile: 2 rows x 1 complex. */
static inline __attribute__((always_inline)) void ob_fft2d_d_gather_tile(const double *src,
                                                                         size_t pitch, double *e,
                                                                         size_t estep, size_t lanes,
                                                                         double conj)
{
    (void)estep;
    ob_v2d a0, a1;
    memcpy(&a0, src, sizeof a0);
    memcpy(&a1, src + pitch, sizeof a1);
    const ob_v2d re = OB_SHUFFLE2(a0, a1, 0, 2);
    const ob_v2d im = OB_SHUFFLE2(a0, a1, 1, 3) * conj;
    memcpy(e, &re, sizeof re);
    memcpy(e + lanes, &im, sizeof im);
}

static inline __attribute__((always_inline)) void
ob_fft2d_d_scatter_tile(const double *e, size_t estep, size_t lanes, double scale, double scale_im,
                        double *dst, size_t pitch)
{
    (void)estep;
    ob_v2d re, im;
    memcpy(&re, e, sizeof re);
    memcpy(&im, e + lanes, sizeof im);
    re *= scale;
    im *= scale_im;
    const ob_v2d r0 = OB_SHUFFLE2(re, im, 0, 2);
    const ob_v2d r1 = OB_SHUFFLE2(re, im, 1, 3);
    memcpy(dst, &r0, sizeof r0);
    memcpy(dst + pitch, &r1, sizeof r1);
}

#define FFT_REAL float
#define FFT_LANES 16
#define FFT_NAME ob_fft2d
#define FFT_TILE_ROWS 4
#define FFT_TILE_COMPLEX 2
#define FFT_GATHER_TILE ob_fft2d_gather_tile
#define FFT_SCATTER_TILE ob_fft2d_scatter_tile
#include "fft2d_impl.h"
#undef FFT_REAL
#undef FFT_LANES
#undef FFT_NAME
#undef FFT_TILE_ROWS
#undef FFT_TILE_COMPLEX
#undef FFT_GATHER_TILE
#undef FFT_SCATTER_TILE

#define FFT_REAL double
#define FFT_LANES 8
#define FFT_NAME ob_fft2d_d
#define FFT_TILE_ROWS 2
#define FFT_TILE_COMPLEX 1
#define FFT_GATHER_TILE ob_fft2d_d_gather_tile
#define FFT_SCATTER_TILE ob_fft2d_d_scatter_tile
#include "fft2d_impl.h"
#undef FFT_REAL
#undef FFT_LANES
#undef FFT_NAME
