/* Deterministic random numbers for the synthetic inputs (splitmix64 +
 * xoshiro256**): the same seed gives the same data on every site and
 * compiler, which libc's rand() does not promise. */
#ifndef OCCBENCH_RNG_H
#define OCCBENCH_RNG_H

#include <math.h>
#include <stdint.h>

typedef struct ob_rng {
    uint64_t s[4];
} ob_rng;

static inline uint64_t ob_rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void ob_rng_seed(ob_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = ob_rng_splitmix64(&seed);
}

static inline uint64_t ob_rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t ob_rng_next(ob_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = ob_rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ob_rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double ob_rng_uniform(ob_rng *r)
{
    return (double)(ob_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n), n > 0 (Lemire's multiply-shift, unbiased enough for n << 2^64). */
static inline uint64_t ob_rng_below(ob_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)ob_rng_next(r) * n) >> 64);
}

/* Standard normal (Box-Muller; one value per call, simple and portable). */
static inline double ob_rng_normal(ob_rng *r)
{
    double u1 = ob_rng_uniform(r), u2 = ob_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

#endif
