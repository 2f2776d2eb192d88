#include "lnl/rng.h"

#include <math.h>
#include <string.h>

/* splitmix64 (Steele, Lea and Flood, 2014), used to expand seeds. */
static uint64_t splitmix64_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotate_left(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro256ss_next(uint64_t s[4])
{
    uint64_t result = rotate_left(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotate_left(s[3], 45);
    return result;
}

/* MT19937 initialisation by init_genrand (Matsumoto and Nishimura, 1998),
 * which is what RandomState(int) calls. */
static void mt19937_seed(lnl_rng *rng, uint32_t seed)
{
    rng->mt[0] = seed;
    for (int i = 1; i < LNL_MT19937_N; i++) {
        uint32_t previous = rng->mt[i - 1];
        rng->mt[i] = 1812433253U * (previous ^ (previous >> 30)) + (uint32_t)i;
    }
    rng->mt_position = LNL_MT19937_N;
}

static void mt19937_regenerate(lnl_rng *rng)
{
    enum { N = LNL_MT19937_N, M = 397 };
    const uint32_t upper = 0x80000000U, lower = 0x7fffffffU, matrix_a = 0x9908b0dfU;
    uint32_t *mt = rng->mt;

    for (int i = 0; i < N; i++) {
        uint32_t y = (mt[i] & upper) | (mt[(i + 1) % N] & lower);
        mt[i] = mt[(i + M) % N] ^ (y >> 1) ^ ((y & 1U) ? matrix_a : 0U);
    }
    rng->mt_position = 0;
}

static uint32_t mt19937_next(lnl_rng *rng)
{
    if (rng->mt_position >= LNL_MT19937_N)
        mt19937_regenerate(rng);

    uint32_t y = rng->mt[rng->mt_position++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

void lnl_rng_seed(lnl_rng *rng, lnl_rng_kind kind, uint64_t seed)
{
    memset(rng, 0, sizeof *rng);
    rng->kind = kind;
    if (kind == LNL_RNG_NUMPY) {
        mt19937_seed(rng, (uint32_t)(seed & 0xffffffffU));
        return;
    }
    uint64_t state = seed;
    for (int i = 0; i < 4; i++)
        rng->xoshiro[i] = splitmix64_next(&state);
}

uint32_t lnl_rng_next_u32(lnl_rng *rng)
{
    if (rng->kind == LNL_RNG_NUMPY)
        return mt19937_next(rng);
    return (uint32_t)(xoshiro256ss_next(rng->xoshiro) >> 32);
}

uint64_t lnl_rng_next_u64(lnl_rng *rng)
{
    if (rng->kind == LNL_RNG_NUMPY) {
        uint64_t high = mt19937_next(rng);
        return (high << 32) | mt19937_next(rng);
    }
    return xoshiro256ss_next(rng->xoshiro);
}

double lnl_rng_uniform01(lnl_rng *rng)
{
    if (rng->kind == LNL_RNG_NUMPY) {
        /* numpy's legacy random_double: 27 bits from one draw, 26 from the next. */
        uint32_t a = mt19937_next(rng) >> 5;
        uint32_t b = mt19937_next(rng) >> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }
    return (double)(xoshiro256ss_next(rng->xoshiro) >> 11) * 0x1.0p-53;
}

double lnl_rng_uniform(lnl_rng *rng, double low, double high)
{
    return low + (high - low) * lnl_rng_uniform01(rng);
}

double lnl_rng_normal(lnl_rng *rng)
{
    if (rng->has_cached_normal) {
        rng->has_cached_normal = 0;
        return rng->cached_normal;
    }

    double x1, x2, r2;
    do {
        x1 = 2.0 * lnl_rng_uniform01(rng) - 1.0;
        x2 = 2.0 * lnl_rng_uniform01(rng) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);

    /* numpy returns f * x2 now and keeps f * x1 for the next call. */
    double f = sqrt(-2.0 * log(r2) / r2);
    rng->cached_normal = f * x1;
    rng->has_cached_normal = 1;
    return f * x2;
}

/* Uniform integer in [0, max] by masked rejection, numpy's random_interval
 * and the masked path of its bounded-integer sampler (they agree). */
static uint64_t bounded_masked(lnl_rng *rng, uint64_t max)
{
    if (max == 0)
        return 0;

    uint64_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;

    uint64_t value;
    if (max <= 0xffffffffULL) {
        while ((value = (lnl_rng_next_u32(rng) & mask)) > max)
            ;
    } else {
        while ((value = (lnl_rng_next_u64(rng) & mask)) > max)
            ;
    }
    return value;
}

uint64_t lnl_rng_below(lnl_rng *rng, uint64_t n)
{
    return n <= 1 ? 0 : bounded_masked(rng, n - 1);
}

void lnl_rng_shuffle(lnl_rng *rng, size_t *values, size_t n)
{
    for (size_t i = n > 0 ? n - 1 : 0; i >= 1; i--) {
        size_t j = (size_t)bounded_masked(rng, i);
        size_t swap = values[i];
        values[i] = values[j];
        values[j] = swap;
    }
}

void lnl_rng_permutation(lnl_rng *rng, size_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = i;
    lnl_rng_shuffle(rng, out, n);
}

static uint64_t fnv1a_bytes(uint64_t hash, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < n; i++) {
        hash ^= p[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

static uint64_t fnv1a_string(uint64_t hash, const char *s)
{
    /* The terminating zero separates keys, so ("ab", "c") != ("a", "bc"). */
    if (s == NULL)
        s = "";
    return fnv1a_bytes(hash, s, strlen(s) + 1);
}

static uint64_t fnv1a_u64(uint64_t hash, uint64_t value)
{
    unsigned char bytes[8];
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(value >> (8 * i));
    return fnv1a_bytes(hash, bytes, sizeof bytes);
}

uint64_t lnl_seed_derive(uint64_t base_seed, const char *purpose, const char *key1,
                         const char *key2, uint64_t index1, uint64_t index2)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    hash = fnv1a_u64(hash, base_seed);
    hash = fnv1a_string(hash, purpose);
    hash = fnv1a_string(hash, key1);
    hash = fnv1a_string(hash, key2);
    hash = fnv1a_u64(hash, index1);
    hash = fnv1a_u64(hash, index2);
    return splitmix64_next(&hash);
}
