/* Tests of the random streams.
 *
 * The numpy mode is checked value for value against numpy 1.24's legacy
 * RandomState: the fixtures in tests/fixtures/numpy_compat, and constants
 * printed by numpy 1.24 where noted. The default mode is checked against an
 * independent xoshiro256** reference and against its contract (range,
 * determinism, forking). */
#include "lnl/rng.h"

#include "numpy_fixture.h"

#include <math.h>

static const char *const stream_fixtures[] = {"streams_seed0.json", "streams_seed42.json"};
enum { N_STREAM_FIXTURES = 2, MAX_VALUES = 32 };

/* Seeds a numpy stream from the "seed" of a stream fixture. */
static void seed_from_fixture(lnl_rng *rng, const char *json)
{
    lnl_rng_seed(rng, LNL_RNG_NUMPY, (uint64_t)fixture_number(json, "seed"));
}

static void rng_numpy_mt19937_matches_fixture(void **state)
{
    (void)state;
    for (int f = 0; f < N_STREAM_FIXTURES; f++) {
        char *json = fixture_read_text(stream_fixtures[f]);
        double expected[MAX_VALUES];
        size_t n = fixture_numbers(json, "mt19937_uint32_first10", expected, MAX_VALUES);
        assert_int_equal(n, 10);

        lnl_rng rng;
        seed_from_fixture(&rng, json);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(lnl_rng_next_u32(&rng), (uint32_t)expected[i]);
        free(json);
    }
}

static void rng_numpy_random_sample_matches_fixture(void **state)
{
    (void)state;
    for (int f = 0; f < N_STREAM_FIXTURES; f++) {
        char *json = fixture_read_text(stream_fixtures[f]);
        double expected[MAX_VALUES];
        size_t n = fixture_numbers(json, "random_sample_first10", expected, MAX_VALUES);
        assert_int_equal(n, 10);

        lnl_rng rng;
        seed_from_fixture(&rng, json);
        for (size_t i = 0; i < n; i++)
            assert_true(lnl_rng_uniform01(&rng) == expected[i]);
        free(json);
    }
}

static void rng_numpy_standard_normal_matches_fixture(void **state)
{
    (void)state;
    for (int f = 0; f < N_STREAM_FIXTURES; f++) {
        char *json = fixture_read_text(stream_fixtures[f]);
        double expected[MAX_VALUES];
        size_t n = fixture_numbers(json, "standard_normal_first11", expected, MAX_VALUES);
        assert_int_equal(n, 11);

        lnl_rng rng;
        seed_from_fixture(&rng, json);
        for (size_t i = 0; i < n; i++) {
            double value = lnl_rng_normal(&rng);
            if (value != expected[i])
                fail_msg("%s: normal %zu is %.17g, numpy gives %.17g", stream_fixtures[f], i,
                         value, expected[i]);
        }
        free(json);
    }
}

static void rng_numpy_uniform_matches_fixture(void **state)
{
    (void)state;
    for (int f = 0; f < N_STREAM_FIXTURES; f++) {
        char *json = fixture_read_text(stream_fixtures[f]);
        double expected[MAX_VALUES];
        size_t n = fixture_numbers(json, "uniform_m3_5_first5", expected, MAX_VALUES);
        assert_int_equal(n, 5);

        lnl_rng rng;
        seed_from_fixture(&rng, json);
        for (size_t i = 0; i < n; i++)
            assert_true(lnl_rng_uniform(&rng, -3.0, 5.0) == expected[i]);
        free(json);
    }
}

/* Compares the first n_expected entries of permutation(n) with the fixture. */
static void check_permutation_prefix(const char *json, const char *key, size_t n,
                                     size_t n_expected)
{
    double expected[MAX_VALUES];
    assert_int_equal(fixture_numbers(json, key, expected, MAX_VALUES), n_expected);

    size_t *permutation = malloc(n * sizeof *permutation);
    assert_non_null(permutation);
    lnl_rng rng;
    seed_from_fixture(&rng, json);
    lnl_rng_permutation(&rng, permutation, n);
    for (size_t i = 0; i < n_expected; i++)
        assert_int_equal(permutation[i], (size_t)expected[i]);
    free(permutation);
}

static void rng_numpy_permutations_match_fixture(void **state)
{
    (void)state;
    for (int f = 0; f < N_STREAM_FIXTURES; f++) {
        char *json = fixture_read_text(stream_fixtures[f]);
        check_permutation_prefix(json, "permutation_10", 10, 10);
        check_permutation_prefix(json, "permutation_1000_first20", 1000, 20);
        free(json);
    }
}

/* RandomState.choice(800, 160, replace=False) is permutation(800)[:160]. */
static void rng_numpy_choice_matches_fixture(void **state)
{
    (void)state;
    for (int f = 0; f < N_STREAM_FIXTURES; f++) {
        char *json = fixture_read_text(stream_fixtures[f]);
        check_permutation_prefix(json, "choice_800_160_noreplace_first20", 800, 20);
        free(json);
    }
}

static void rng_numpy_randint_matches_fixture(void **state)
{
    (void)state;
    static const struct {
        const char *key;
        uint64_t bound;
    } cases[] = {{"randint_0_3_size10", 3}, {"randint_0_1000_size10", 1000}};

    for (int f = 0; f < N_STREAM_FIXTURES; f++) {
        char *json = fixture_read_text(stream_fixtures[f]);
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            double expected[MAX_VALUES];
            size_t n = fixture_numbers(json, cases[c].key, expected, MAX_VALUES);
            assert_int_equal(n, 10);

            lnl_rng rng;
            seed_from_fixture(&rng, json);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(lnl_rng_below(&rng, cases[c].bound), (uint64_t)expected[i]);
        }
        free(json);
    }
}

/* Bounds at and above 2^32 take numpy's full-word and 64-bit paths. The
 * expected values are RandomState(5).randint(bound, size=5) from numpy 1.24. */
static void rng_numpy_randint_wide_bounds(void **state)
{
    (void)state;
    static const struct {
        uint64_t bound;
        uint64_t expected[5];
    } cases[] = {
        {1ULL << 32, {953453411ULL, 236996814ULL, 3739766767ULL, 3570525885ULL, 887852006ULL}},
        {(1ULL << 32) + 1,
         {1562238070ULL, 4206684233ULL, 385778404ULL, 2090094288ULL, 3519608859ULL}},
        {1ULL << 40,
         {425438759118ULL, 1030067709629ULL, 989404716150ULL, 622681974857ULL,
          34745516772ULL}},
    };

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_NUMPY, 5);
        for (int i = 0; i < 5; i++)
            assert_int_equal(lnl_rng_below(&rng, cases[c].bound), cases[c].expected[i]);
    }
}

/* numpy keeps the second normal of a polar pair across other draws:
 * RandomState(1) gives standard_normal(), random_sample(), standard_normal()
 * = 1.6243453636632417, 0.00011437481734488664, -0.61175641365007538
 * (numpy 1.24), and the next normal starts a new pair. */
static void rng_numpy_cached_normal_survives_uniform(void **state)
{
    (void)state;
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, 1);

    assert_true(lnl_rng_normal(&rng) == 1.6243453636632417);
    assert_true(lnl_rng_uniform01(&rng) == 0.00011437481734488664);
    assert_true(lnl_rng_normal(&rng) == -0.61175641365007538);
    assert_true(lnl_rng_normal(&rng) == -0.80217283864864275);
}

static void rng_seed_discards_cached_normal(void **state)
{
    (void)state;
    lnl_rng used, fresh;
    lnl_rng_seed(&used, LNL_RNG_NUMPY, 42);
    (void)lnl_rng_normal(&used);
    lnl_rng_seed(&used, LNL_RNG_NUMPY, 42);
    lnl_rng_seed(&fresh, LNL_RNG_NUMPY, 42);

    for (int i = 0; i < 5; i++)
        assert_true(lnl_rng_normal(&used) == lnl_rng_normal(&fresh));
}

/* RandomState.shuffle(arange(7)) with seed 9 gives [5 1 2 3 0 4 6] (numpy 1.24). */
static void rng_numpy_shuffle_matches_numpy(void **state)
{
    (void)state;
    static const size_t expected[7] = {5, 1, 2, 3, 0, 4, 6};
    size_t values[7] = {0, 1, 2, 3, 4, 5, 6};
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, 9);

    lnl_rng_shuffle(&rng, values, 7);
    for (int i = 0; i < 7; i++)
        assert_int_equal(values[i], expected[i]);
}

static void rng_numpy_seed_reduced_modulo_2_32(void **state)
{
    (void)state;
    lnl_rng reduced, plain;
    lnl_rng_seed(&reduced, LNL_RNG_NUMPY, (1ULL << 32) + 42);
    lnl_rng_seed(&plain, LNL_RNG_NUMPY, 42);

    for (int i = 0; i < 10; i++)
        assert_int_equal(lnl_rng_next_u32(&reduced), lnl_rng_next_u32(&plain));
}

static void rng_numpy_u64_puts_first_word_high(void **state)
{
    (void)state;
    lnl_rng words, wide;
    lnl_rng_seed(&words, LNL_RNG_NUMPY, 42);
    lnl_rng_seed(&wide, LNL_RNG_NUMPY, 42);

    for (int i = 0; i < 4; i++) {
        uint64_t high = lnl_rng_next_u32(&words);
        uint64_t low = lnl_rng_next_u32(&words);
        assert_int_equal(lnl_rng_next_u64(&wide), (high << 32) | low);
    }
}

/* First outputs of xoshiro256** whose state is four splitmix64 outputs from
 * the seed, computed by a separate Python implementation of both
 * algorithms as published by Vigna. */
static void rng_default_matches_xoshiro_reference(void **state)
{
    (void)state;
    static const struct {
        uint64_t seed;
        uint64_t expected[4];
    } cases[] = {
        {0, {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL,
             0x6aa594f1262d2d2cULL}},
        {12345, {0xbe6a36374160d49bULL, 0x214aaa0637a688c6ULL, 0xf69d16de9954d388ULL,
                 0x0c60048c4e96e033ULL}},
    };

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, cases[c].seed);
        for (int i = 0; i < 4; i++)
            assert_int_equal(lnl_rng_next_u64(&rng), cases[c].expected[i]);
    }
}

/* The 32-bit and [0, 1) outputs of the default stream are the high bits of
 * the 64-bit output. */
static void rng_default_narrow_outputs_use_high_bits(void **state)
{
    (void)state;
    lnl_rng a, b;
    lnl_rng_seed(&a, LNL_RNG_DEFAULT, 7);
    lnl_rng_seed(&b, LNL_RNG_DEFAULT, 7);

    assert_int_equal(lnl_rng_next_u32(&a), lnl_rng_next_u64(&b) >> 32);
    assert_true(lnl_rng_uniform01(&a) == (double)(lnl_rng_next_u64(&b) >> 11) * 0x1.0p-53);
}

static void rng_same_seed_same_stream(void **state)
{
    (void)state;
    static const lnl_rng_kind kinds[] = {LNL_RNG_DEFAULT, LNL_RNG_NUMPY};

    for (int k = 0; k < 2; k++) {
        lnl_rng a, b, other;
        lnl_rng_seed(&a, kinds[k], 2024);
        lnl_rng_seed(&b, kinds[k], 2024);
        lnl_rng_seed(&other, kinds[k], 2025);

        int n_equal_to_other = 0;
        for (int i = 0; i < 100; i++) {
            double x = lnl_rng_normal(&a);
            assert_true(x == lnl_rng_normal(&b));
            n_equal_to_other += x == lnl_rng_normal(&other);
        }
        assert_int_equal(n_equal_to_other, 0);
    }
}

/* A copy of a stream continues exactly like the original. */
static void rng_copy_forks_stream(void **state)
{
    (void)state;
    static const lnl_rng_kind kinds[] = {LNL_RNG_DEFAULT, LNL_RNG_NUMPY};

    for (int k = 0; k < 2; k++) {
        lnl_rng rng;
        lnl_rng_seed(&rng, kinds[k], 3);
        (void)lnl_rng_normal(&rng);  /* leaves a cached normal behind */
        lnl_rng copy = rng;

        for (int i = 0; i < 50; i++) {
            assert_true(lnl_rng_normal(&rng) == lnl_rng_normal(&copy));
            assert_int_equal(lnl_rng_below(&rng, 1000), lnl_rng_below(&copy, 1000));
        }
    }
}

static void rng_uniform_stays_in_range(void **state)
{
    (void)state;
    static const lnl_rng_kind kinds[] = {LNL_RNG_DEFAULT, LNL_RNG_NUMPY};

    for (int k = 0; k < 2; k++) {
        lnl_rng rng;
        lnl_rng_seed(&rng, kinds[k], 11);
        double sum = 0.0;
        for (int i = 0; i < 100000; i++) {
            double u = lnl_rng_uniform01(&rng);
            assert_true(u >= 0.0 && u < 1.0);
            double v = lnl_rng_uniform(&rng, -3.0, 5.0);
            assert_true(v >= -3.0 && v < 5.0);
            sum += u;
        }
        /* The mean of 1e5 uniforms has standard deviation 0.0009. */
        assert_true(fabs(sum / 100000.0 - 0.5) < 0.005);
    }
}

/* Each value of randint(6) appears 10000 times in expectation out of 60000
 * (standard deviation about 91). The band 9600..10400 is 4.4 standard
 * deviations wide on each side, so a fair sampler stays inside it. */
static void rng_below_covers_range_evenly(void **state)
{
    (void)state;
    static const lnl_rng_kind kinds[] = {LNL_RNG_DEFAULT, LNL_RNG_NUMPY};

    for (int k = 0; k < 2; k++) {
        size_t counts[6] = {0};
        lnl_rng rng;
        lnl_rng_seed(&rng, kinds[k], 5);
        for (int i = 0; i < 60000; i++) {
            uint64_t value = lnl_rng_below(&rng, 6);
            assert_true(value < 6);
            counts[value]++;
        }
        for (int v = 0; v < 6; v++) {
            assert_true(counts[v] > 9600);
            assert_true(counts[v] < 10400);
        }
    }
}

static void rng_below_one_draws_nothing(void **state)
{
    (void)state;
    lnl_rng rng, untouched;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, 8);
    lnl_rng_seed(&untouched, LNL_RNG_NUMPY, 8);

    assert_int_equal(lnl_rng_below(&rng, 1), 0);
    assert_int_equal(lnl_rng_next_u32(&rng), lnl_rng_next_u32(&untouched));
}

static void rng_normal_has_unit_moments(void **state)
{
    (void)state;
    static const lnl_rng_kind kinds[] = {LNL_RNG_DEFAULT, LNL_RNG_NUMPY};

    for (int k = 0; k < 2; k++) {
        lnl_rng rng;
        lnl_rng_seed(&rng, kinds[k], 17);
        double sum = 0.0, sum_squares = 0.0;
        for (int i = 0; i < 100000; i++) {
            double x = lnl_rng_normal(&rng);
            sum += x;
            sum_squares += x * x;
        }
        /* Standard errors: 0.003 for the mean, 0.0045 for the variance. */
        assert_true(fabs(sum / 100000.0) < 0.02);
        assert_true(fabs(sum_squares / 100000.0 - 1.0) < 0.03);
    }
}

static void rng_permutation_contains_each_index(void **state)
{
    (void)state;
    enum { N = 257 };
    size_t permutation[N];
    int seen[N] = {0};
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 99);

    lnl_rng_permutation(&rng, permutation, N);
    size_t n_fixed = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(permutation[i] < N);
        seen[permutation[i]]++;
        n_fixed += permutation[i] == i;
    }
    for (size_t i = 0; i < N; i++)
        assert_int_equal(seen[i], 1);
    assert_true(n_fixed < N / 2);

    /* Shuffling 0 or 1 values is allowed and changes nothing. */
    size_t single = 4;
    lnl_rng_shuffle(&rng, &single, 1);
    lnl_rng_shuffle(&rng, NULL, 0);
    assert_int_equal(single, 4);
}

static void rng_seed_derive_depends_on_every_key(void **state)
{
    (void)state;
    uint64_t base = lnl_seed_derive(1, "noise", "symmetric", "ce", 3, 4);

    assert_int_equal(lnl_seed_derive(1, "noise", "symmetric", "ce", 3, 4), base);
    assert_int_not_equal(lnl_seed_derive(2, "noise", "symmetric", "ce", 3, 4), base);
    assert_int_not_equal(lnl_seed_derive(1, "split", "symmetric", "ce", 3, 4), base);
    assert_int_not_equal(lnl_seed_derive(1, "noise", "pair", "ce", 3, 4), base);
    assert_int_not_equal(lnl_seed_derive(1, "noise", "symmetric", "gce", 3, 4), base);
    assert_int_not_equal(lnl_seed_derive(1, "noise", "symmetric", "ce", 4, 4), base);
    assert_int_not_equal(lnl_seed_derive(1, "noise", "symmetric", "ce", 3, 5), base);
    assert_int_not_equal(lnl_seed_derive(1, "noise", "symmetric", "ce", 4, 3), base);

    /* Key boundaries count: ("ab", "c") differs from ("a", "bc"). */
    assert_int_not_equal(lnl_seed_derive(0, "ab", "c", NULL, 0, 0),
                         lnl_seed_derive(0, "a", "bc", NULL, 0, 0));
    /* NULL keys are accepted and equal to empty strings. */
    assert_int_equal(lnl_seed_derive(0, NULL, NULL, NULL, 0, 0),
                     lnl_seed_derive(0, "", "", "", 0, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rng_numpy_mt19937_matches_fixture),
        cmocka_unit_test(rng_numpy_random_sample_matches_fixture),
        cmocka_unit_test(rng_numpy_standard_normal_matches_fixture),
        cmocka_unit_test(rng_numpy_uniform_matches_fixture),
        cmocka_unit_test(rng_numpy_permutations_match_fixture),
        cmocka_unit_test(rng_numpy_choice_matches_fixture),
        cmocka_unit_test(rng_numpy_randint_matches_fixture),
        cmocka_unit_test(rng_numpy_randint_wide_bounds),
        cmocka_unit_test(rng_numpy_cached_normal_survives_uniform),
        cmocka_unit_test(rng_seed_discards_cached_normal),
        cmocka_unit_test(rng_numpy_shuffle_matches_numpy),
        cmocka_unit_test(rng_numpy_seed_reduced_modulo_2_32),
        cmocka_unit_test(rng_numpy_u64_puts_first_word_high),
        cmocka_unit_test(rng_default_matches_xoshiro_reference),
        cmocka_unit_test(rng_default_narrow_outputs_use_high_bits),
        cmocka_unit_test(rng_same_seed_same_stream),
        cmocka_unit_test(rng_copy_forks_stream),
        cmocka_unit_test(rng_uniform_stays_in_range),
        cmocka_unit_test(rng_below_covers_range_evenly),
        cmocka_unit_test(rng_below_one_draws_nothing),
        cmocka_unit_test(rng_normal_has_unit_moments),
        cmocka_unit_test(rng_permutation_contains_each_index),
        cmocka_unit_test(rng_seed_derive_depends_on_every_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
