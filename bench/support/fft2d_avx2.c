/* kernels/lib/fft2d.c compiled once more, for AVX2 only and without the
 * run-time target clones, under the names ob_fft2d_avx2_* / ob_fft2d_d_avx2_*.
 * bench/fft_vs_fftw times it beside the library (which runs its widest clone,
 * AVX-512 where the CPU has it) for a like-for-like figure against an FFTW
 * built for AVX. Built only for x86-64 with GCC (bench/CMakeLists.txt). */
#include "kernels/lib/fft2d.h"

#define OB_FFT_NO_CLONES
#define ob_fft2d ob_fft2d_avx2
#define ob_fft2d_d ob_fft2d_d_avx2
#include "../../kernels/lib/fft2d.c"
