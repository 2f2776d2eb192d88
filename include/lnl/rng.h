/* Random streams.
 *
 * Two generators share one interface:
 *  - LNL_RNG_DEFAULT: xoshiro256** (Blackman and Vigna, 2018) seeded through
 *    splitmix64; fast, 2^256 - 1 period, used unless a config asks otherwise.
 *  - LNL_RNG_NUMPY: MT19937 with the seeding and the sampling algorithms of
 *    numpy's legacy numpy.random.RandomState (numpy 1.17 to 1.26 keep them
 *    frozen), so that a stream seeded with s reproduces RandomState(s).
 *
 * The sampling functions (uniform, normal, bounded integers, shuffles) are
 * numpy's legacy algorithms for both generators; only the source of raw bits
 * differs. A stream is plain data: copy it to fork its state.
 */
#ifndef LNL_RNG_H
#define LNL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef enum lnl_rng_kind { LNL_RNG_DEFAULT = 0, LNL_RNG_NUMPY = 1 } lnl_rng_kind;

enum { LNL_MT19937_N = 624 };

typedef struct lnl_rng {
    lnl_rng_kind kind;
    uint64_t xoshiro[4];
    uint32_t mt[LNL_MT19937_N];
    int mt_position;
    int has_cached_normal;  /* numpy's polar method returns values in pairs */
    double cached_normal;
} lnl_rng;

/* Seeds a stream. For LNL_RNG_NUMPY, seed must be below 2^32 (as numpy
 * requires) and the state equals RandomState(seed); larger seeds are reduced
 * modulo 2^32. */
void lnl_rng_seed(lnl_rng *rng, lnl_rng_kind kind, uint64_t seed);

/* Raw 32 bits (numpy: the next MT19937 output). */
uint32_t lnl_rng_next_u32(lnl_rng *rng);

/* Raw 64 bits (numpy: two 32-bit outputs, the first one high). */
uint64_t lnl_rng_next_u64(lnl_rng *rng);

/* Uniform double in [0, 1) with 53 random bits: RandomState.random_sample. */
double lnl_rng_uniform01(lnl_rng *rng);

/* Uniform double in [low, high): RandomState.uniform(low, high). */
double lnl_rng_uniform(lnl_rng *rng, double low, double high);

/* Standard normal by the Marsaglia polar method with one cached value:
 * RandomState.standard_normal. */
double lnl_rng_normal(lnl_rng *rng);

/* Uniform integer in [0, n) by masked rejection sampling, n >= 1:
 * RandomState.randint(n). */
uint64_t lnl_rng_below(lnl_rng *rng, uint64_t n);

/* Shuffles values[0..n) in place with numpy's Fisher-Yates order
 * (i from n-1 down to 1, j uniform in [0, i]): RandomState.shuffle. */
void lnl_rng_shuffle(lnl_rng *rng, size_t *values, size_t n);

/* Writes a random permutation of 0..n-1: RandomState.permutation(n). */
void lnl_rng_permutation(lnl_rng *rng, size_t *out, size_t n);

/* Derives a 64-bit seed from a base seed and a list of string and integer
 * keys, by FNV-1a over the bytes then a splitmix64 finish. Independent of
 * call order and thread, so any run can be reproduced alone. */
uint64_t lnl_seed_derive(uint64_t base_seed, const char *purpose, const char *key1,
                         const char *key2, uint64_t index1, uint64_t index2);

#endif
