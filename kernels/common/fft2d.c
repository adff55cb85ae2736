/* The internal 2-D complex FFT of include/occbench/fft.h. The algorithm is
 * described in fft2d_impl.h, which is instantiated here once per precision.
 *
 * Portability and identical results: the build uses no -march flag. The hot
 * loops are compiled several times with GCC's target_clones (AVX-512F, AVX2,
 * baseline SSE2) and the widest the CPU has is picked at load time. The
 * clones differ only in vector width: every lane does the same IEEE
 * operations in the same order, and FMA contraction is off for this file
 * (-ffp-contract=off, set in CMakeLists.txt), so every site computes
 * bit-identical transforms. */
#include "occbench/fft.h"

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

#define FFT_REAL float
#define FFT_LANES 16
#define FFT_NAME ob_fft2d
#include "fft2d_impl.h"
#undef FFT_REAL
#undef FFT_LANES
#undef FFT_NAME

#define FFT_REAL double
#define FFT_LANES 8
#define FFT_NAME ob_fft2d_d
#include "fft2d_impl.h"
#undef FFT_REAL
#undef FFT_LANES
#undef FFT_NAME
