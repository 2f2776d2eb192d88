#include "lnl/noise.h"
#include "lnl/dataset.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum { MAX_CLASSES = 8 };

/* cmocka 1.1.5 compares floating-point values only as float, too coarse here. */
#define assert_close(actual, expected, tolerance)                                         \
    do {                                                                                  \
        double actual_ = (actual), expected_ = (expected);                                \
        if (!(fabs(actual_ - expected_) <= (tolerance)))                                  \
            fail_msg("%s = %.17g, expected %.17g within %g", #actual, actual_, expected_, \
                     (double)(tolerance));                                                \
    } while (0)

/* Labels 0, 1, ..., K-1, 0, 1, ... so that every class is interleaved with the others. */
static int *cyclic_labels(size_t n, size_t n_classes)
{
    int *labels = malloc((n > 0 ? n : 1) * sizeof *labels);
    assert_non_null(labels);
    for (size_t i = 0; i < n; i++)
        labels[i] = (int)(i % n_classes);
    return labels;
}

static int *alloc_labels(size_t n)
{
    int *labels = calloc(n > 0 ? n : 1, sizeof *labels);
    assert_non_null(labels);
    return labels;
}

static size_t count_changed(const int *clean, const int *noisy, size_t n)
{
    size_t changed = 0;
    for (size_t i = 0; i < n; i++)
        if (clean[i] != noisy[i])
            changed++;
    return changed;
}

static lnl_noise_model make_model(lnl_noise_type type, lnl_noise_sampling sampling,
                                  size_t n_classes, double rate, const double *matrix)
{
    lnl_noise_model model = {.type = type, .sampling = sampling, .n_classes = n_classes,
                             .rate = rate, .matrix = matrix};
    return model;
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* Exact symmetric noise flips floor(n * rate) labels, with the product in
 * double precision: 100 * 0.29 is 28.999999999999996, so 28 labels flip. */
static void noise_exact_flips_requested_count(void **state)
{
    (void)state;
    const struct {
        size_t n;
        double rate;
        size_t expected;
    } cases[] = {
        {0, 0.5, 0},     {1, 0.5, 0},     {1, 1.0, 1},      {7, 0.5, 3},
        {10, 0.35, 3},   {100, 0.0, 0},   {100, 0.29, 28},  {100, 1.0, 100},
        {800, 0.1, 80},  {1001, 0.3, 300}, {999, 0.999, 998},
    };
    const size_t class_counts[] = {2, 3, 5};

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        for (size_t k = 0; k < sizeof class_counts / sizeof class_counts[0]; k++) {
            size_t n = cases[c].n, n_classes = class_counts[k];
            int *clean = cyclic_labels(n, n_classes);
            int *noisy = alloc_labels(n);
            lnl_noise_model model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT,
                                               n_classes, cases[c].rate, NULL);
            lnl_rng rng;
            lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1000 + c);
            lnl_error err;

            assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, &err), LNL_OK);
            assert_int_equal(count_changed(clean, noisy, n), cases[c].expected);
            if (n > 0)
                assert_close(lnl_noise_realized_rate(clean, noisy, n),
                                    (double)cases[c].expected / (double)n, 1e-15);
            free(clean);
            free(noisy);
        }
    }
}

/* With rate 1 every label is corrupted, and none may keep its clean class. */
static void noise_exact_symmetric_never_keeps_label(void **state)
{
    (void)state;
    for (size_t n_classes = 2; n_classes <= 6; n_classes++) {
        size_t n = 600;
        int *clean = cyclic_labels(n, n_classes);
        int *noisy = alloc_labels(n);
        lnl_noise_model model =
            make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, n_classes, 1.0, NULL);
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, n_classes);

        assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
        for (size_t i = 0; i < n; i++) {
            assert_int_not_equal(noisy[i], clean[i]);
            assert_in_range(noisy[i], 0, (int)n_classes - 1);
        }
        free(clean);
        free(noisy);
    }
}

/* The new class is uniform over the other K - 1: with K = 4 and 60000 labels of
 * class 0 all corrupted, classes 1, 2 and 3 each get 1/3 within 5 standard errors. */
static void noise_exact_symmetric_other_class_uniform(void **state)
{
    (void)state;
    const size_t n = 60000, n_classes = 4;
    int *clean = alloc_labels(n);
    int *noisy = alloc_labels(n);
    lnl_noise_model model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, n_classes, 1.0, NULL);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 7);

    assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);

    size_t confusion[4 * 4];
    lnl_noise_confusion(clean, noisy, n, n_classes, confusion);
    assert_int_equal(confusion[0], 0);
    double p = 1.0 / 3.0, se = sqrt(p * (1.0 - p) / (double)n);
    for (size_t j = 1; j < n_classes; j++)
        assert_true(fabs((double)confusion[j] / (double)n - p) <= 5.0 * se);
    free(clean);
    free(noisy);
}

/* Reference for the documented draw order of exact symmetric noise: a
 * permutation, its first m entries sorted, then one lnl_rng_below(K - 1) per
 * chosen position in increasing order, shifted past the clean label. */
static void reference_exact_symmetric(const int *clean, size_t n, size_t n_classes, double rate,
                                      lnl_rng *rng, int *noisy)
{
    size_t m = (size_t)((double)n * rate);
    size_t *permutation = malloc(n * sizeof *permutation);
    assert_non_null(permutation);
    lnl_rng_permutation(rng, permutation, n);
    qsort(permutation, m, sizeof *permutation, compare_size);

    memcpy(noisy, clean, n * sizeof *noisy);
    for (size_t k = 0; k < m; k++) {
        size_t i = permutation[k];
        if (n_classes == 2) {
            noisy[i] = 1 - clean[i];
            continue;
        }
        int drawn = (int)lnl_rng_below(rng, n_classes - 1);
        noisy[i] = drawn < clean[i] ? drawn : drawn + 1;
    }
    free(permutation);
}

static void noise_exact_symmetric_follows_draw_order(void **state)
{
    (void)state;
    const size_t n = 500;
    for (size_t n_classes = 2; n_classes <= 5; n_classes++) {
        int *clean = cyclic_labels(n, n_classes);
        int *noisy = alloc_labels(n);
        int *expected = alloc_labels(n);
        lnl_noise_model model =
            make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, n_classes, 0.37, NULL);
        lnl_rng rng, reference_rng;
        lnl_rng_seed(&rng, LNL_RNG_NUMPY, 11);
        reference_rng = rng;

        assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
        reference_exact_symmetric(clean, n, n_classes, 0.37, &reference_rng, expected);
        assert_memory_equal(noisy, expected, n * sizeof *noisy);

        /* Both streams made the same draws, so they continue alike. */
        assert_int_equal(lnl_rng_next_u32(&rng), lnl_rng_next_u32(&reference_rng));
        free(clean);
        free(noisy);
        free(expected);
    }
}

/* Binary labels flip without a draw: after exact symmetric noise with K = 2
 * the stream is where a bare permutation of n leaves it. */
static void noise_exact_binary_draws_only_permutation(void **state)
{
    (void)state;
    const size_t n = 300;
    int *clean = cyclic_labels(n, 2);
    int *noisy = alloc_labels(n);
    size_t *permutation = malloc(n * sizeof *permutation);
    assert_non_null(permutation);
    lnl_noise_model model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, 2, 0.4, NULL);
    lnl_rng rng, reference_rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 5);
    reference_rng = rng;

    assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
    lnl_rng_permutation(&reference_rng, permutation, n);
    assert_int_equal(lnl_rng_next_u64(&rng), lnl_rng_next_u64(&reference_rng));
    free(clean);
    free(noisy);
    free(permutation);
}

/* numpy 1.24: np.random.seed(42); np.sort(np.random.choice(800, m, replace=False))[:20],
 * m = int(800 * rate), are the positions that exact symmetric noise flips on
 * 800 binary labels with an LNL_RNG_NUMPY stream seeded 42. */
static void noise_numpy_reference_flipped_positions(void **state)
{
    (void)state;
    const struct {
        double rate;
        size_t n_flipped;
        size_t first[20];
    } cases[] = {
        {0.1, 80, {23, 30, 31, 33, 39, 49, 63, 65, 66, 67, 78, 86, 109, 139, 168, 174, 192, 198, 199, 215}},
        {0.2, 160, {2, 7, 10, 23, 29, 30, 31, 33, 39, 49, 54, 63, 65, 66, 67, 72, 76, 77, 78, 81}},
        {0.4, 320, {2, 6, 7, 10, 11, 18, 23, 24, 28, 29, 30, 31, 33, 39, 41, 42, 43, 44, 49, 51}},
    };
    const size_t n = 800;

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int *clean = cyclic_labels(n, 2);
        int *noisy = alloc_labels(n);
        lnl_noise_model model =
            make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, 2, cases[c].rate, NULL);
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_NUMPY, 42);

        assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);

        size_t flipped[800], n_flipped = 0;
        for (size_t i = 0; i < n; i++)
            if (noisy[i] != clean[i])
                flipped[n_flipped++] = i;
        assert_int_equal(n_flipped, cases[c].n_flipped);
        for (size_t k = 0; k < 20; k++)
            assert_int_equal(flipped[k], cases[c].first[k]);
        free(clean);
        free(noisy);
    }
}

/* Labels in blocks: class 0 takes the first sizes[0] positions, and so on,
 * then the blocks are interleaved by a fixed stride so classes mix. */
static int *labels_with_class_sizes(const size_t *sizes, size_t n_classes, size_t *n_out)
{
    size_t n = 0;
    for (size_t c = 0; c < n_classes; c++)
        n += sizes[c];
    int *labels = alloc_labels(n);
    size_t next = 0;
    for (size_t c = 0; c < n_classes; c++)
        for (size_t t = 0; t < sizes[c]; t++)
            labels[next++] = (int)c;

    /* Deterministic mixing: swap position i with (7 i + 3) mod n. */
    for (size_t i = 0; i < n; i++) {
        size_t j = (7 * i + 3) % n;
        int swap = labels[i];
        labels[i] = labels[j];
        labels[j] = swap;
    }
    *n_out = n;
    return labels;
}

static void check_confusion(const int *clean, const int *noisy, size_t n, size_t n_classes,
                            const size_t *expected)
{
    size_t confusion[MAX_CLASSES * MAX_CLASSES];
    lnl_noise_confusion(clean, noisy, n, n_classes, confusion);
    for (size_t i = 0; i < n_classes; i++)
        for (size_t j = 0; j < n_classes; j++) {
            size_t cell = i * n_classes + j;
            if (confusion[cell] != expected[cell])
                fail_msg("confusion[%zu][%zu] = %zu, expected %zu", i, j, confusion[cell],
                         expected[cell]);
        }
}

/* Every corrupted label of class k becomes (k + 1) mod K. */
static void noise_exact_pair_shifts_to_next(void **state)
{
    (void)state;
    const size_t n = 1000;
    for (size_t n_classes = 2; n_classes <= 5; n_classes++) {
        int *clean = cyclic_labels(n, n_classes);
        int *noisy = alloc_labels(n);
        lnl_noise_model model = make_model(LNL_NOISE_PAIR, LNL_SAMPLING_EXACT, n_classes, 0.45, NULL);
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 3);

        assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
        size_t changed = 0;
        for (size_t i = 0; i < n; i++) {
            if (noisy[i] == clean[i])
                continue;
            assert_int_equal(noisy[i], (clean[i] + 1) % (int)n_classes);
            changed++;
        }
        assert_true(changed > 0);
        free(clean);
        free(noisy);
    }
}

/* Per-class counts of exact pair noise with K = 3 and classes of 15, 10 and
 * 5 labels, worked by hand with the largest-remainder rule (ties to the lower
 * class index, which for class 2 is the flip target 0). */
static void noise_exact_pair_counts_per_class(void **state)
{
    (void)state;
    const size_t sizes[3] = {15, 10, 5};
    const struct {
        double rate;
        size_t confusion[9];
    } cases[] = {
        /* 0.1: quotas 13.5/1.5 (tie, keep), 9/1, and for class 2 0.5 to class 0
         * against 4.5 kept (tie, class 0 wins). */
        {0.1, {14, 1, 0, /**/ 0, 9, 1, /**/ 1, 0, 4}},
        /* 0.25: 11.25/3.75 (flip wins), 7.5/2.5 (tie, keep), 1.25 to class 0
         * against 3.75 kept (keep wins). */
        {0.25, {11, 4, 0, /**/ 0, 8, 2, /**/ 1, 0, 4}},
        {0.0, {15, 0, 0, /**/ 0, 10, 0, /**/ 0, 0, 5}},
        {1.0, {0, 15, 0, /**/ 0, 0, 10, /**/ 5, 0, 0}},
    };

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n;
        int *clean = labels_with_class_sizes(sizes, 3, &n);
        int *noisy = alloc_labels(n);
        lnl_noise_model model = make_model(LNL_NOISE_PAIR, LNL_SAMPLING_EXACT, 3, cases[c].rate, NULL);
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 21 + c);

        assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
        check_confusion(clean, noisy, n, 3, cases[c].confusion);
        free(clean);
        free(noisy);
    }
}

/* Binary pair noise at rate 0.7 on 5 + 5 labels: both classes have quotas
 * 3.5 to flip and 1.5 to keep. In double precision the kept quota is
 * 5 * (1 - 0.7) = 1.5000000000000002, which must still tie with 3.5; class 0
 * then keeps the extra label (3 flips) and class 1 gives it to class 0 (4 flips). */
static void noise_exact_pair_binary_tie_rule(void **state)
{
    (void)state;
    const size_t sizes[2] = {5, 5};
    const size_t expected[4] = {2, 3, /**/ 4, 1};
    size_t n;
    int *clean = labels_with_class_sizes(sizes, 2, &n);
    int *noisy = alloc_labels(n);
    lnl_noise_model model = make_model(LNL_NOISE_PAIR, LNL_SAMPLING_EXACT, 2, 0.7, NULL);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 8);

    assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
    check_confusion(clean, noisy, n, 2, expected);
    free(clean);
    free(noisy);
}

/* A hand-built 3 x 3 matrix on classes of 10, 5 and 7 labels:
 *  row 0 (0.45, 0.45, 0.10) x 10 = 4.5, 4.5, 1: the tie goes to class 0;
 *  row 1 (0.12, 0.80, 0.08) x 5 = 0.6, 4, 0.4: the 0.6 cell ranks first and gets 1;
 *  row 2 (0.00, 0.30, 0.70) x 7 = 0, 2.1, 4.9: 4.9 rounds up, the zero cell stays 0. */
static void noise_exact_matrix_largest_remainder(void **state)
{
    (void)state;
    const double T[9] = {0.45, 0.45, 0.10, /**/ 0.12, 0.80, 0.08, /**/ 0.00, 0.30, 0.70};
    const size_t sizes[3] = {10, 5, 7};
    const size_t expected[9] = {5, 4, 1, /**/ 1, 4, 0, /**/ 0, 2, 5};

    for (uint64_t seed = 0; seed < 5; seed++) {
        size_t n;
        int *clean = labels_with_class_sizes(sizes, 3, &n);
        int *noisy = alloc_labels(n);
        lnl_noise_model model = make_model(LNL_NOISE_MATRIX, LNL_SAMPLING_EXACT, 3, 0.0, T);
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, seed);

        assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
        check_confusion(clean, noisy, n, 3, expected);

        /* Row totals are the class sizes. */
        size_t confusion[9];
        lnl_noise_confusion(clean, noisy, n, 3, confusion);
        for (size_t i = 0; i < 3; i++)
            assert_int_equal(confusion[3 * i] + confusion[3 * i + 1] + confusion[3 * i + 2],
                             sizes[i]);
        free(clean);
        free(noisy);
    }
}

/* Reference for the documented draw order of exact matrix noise, given the
 * per-class counts: for each class in increasing order, its positions in
 * increasing order are shuffled, then filled with noisy class 0, 1, ... */
static void reference_exact_per_class(const int *clean, size_t n, size_t n_classes,
                                      const size_t *counts, lnl_rng *rng, int *noisy)
{
    size_t *members = malloc(n * sizeof *members);
    assert_non_null(members);
    for (size_t c = 0; c < n_classes; c++) {
        size_t n_c = 0;
        for (size_t i = 0; i < n; i++)
            if (clean[i] == (int)c)
                members[n_c++] = i;
        lnl_rng_shuffle(rng, members, n_c);

        size_t next = 0;
        for (size_t j = 0; j < n_classes; j++)
            for (size_t t = 0; t < counts[c * n_classes + j]; t++)
                noisy[members[next++]] = (int)j;
        assert_int_equal(next, n_c);
    }
    free(members);
}

static void noise_exact_matrix_follows_draw_order(void **state)
{
    (void)state;
    const double T[9] = {0.45, 0.45, 0.10, /**/ 0.12, 0.80, 0.08, /**/ 0.00, 0.30, 0.70};
    const size_t sizes[3] = {10, 5, 7};
    const size_t counts[9] = {5, 4, 1, /**/ 1, 4, 0, /**/ 0, 2, 5};
    size_t n;
    int *clean = labels_with_class_sizes(sizes, 3, &n);
    int *noisy = alloc_labels(n);
    int *expected = alloc_labels(n);
    lnl_noise_model model = make_model(LNL_NOISE_MATRIX, LNL_SAMPLING_EXACT, 3, 0.0, T);
    lnl_rng rng, reference_rng;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, 3);
    reference_rng = rng;

    assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
    reference_exact_per_class(clean, n, 3, counts, &reference_rng, expected);
    assert_memory_equal(noisy, expected, n * sizeof *noisy);
    assert_int_equal(lnl_rng_next_u32(&rng), lnl_rng_next_u32(&reference_rng));
    free(clean);
    free(noisy);
    free(expected);
}

/* Bernoulli noise on 200000 labels: every row-normalised confusion entry is
 * within 5 standard errors of T, and cells with T = 0 stay empty. */
static void check_bernoulli_approaches(const lnl_noise_model *model, uint64_t seed)
{
    const size_t n = 200000, k = model->n_classes;
    int *clean = cyclic_labels(n, k);
    int *noisy = alloc_labels(n);
    double T[MAX_CLASSES * MAX_CLASSES];
    size_t confusion[MAX_CLASSES * MAX_CLASSES];
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, seed);

    assert_int_equal(lnl_noise_transition(model, T, NULL), LNL_OK);
    assert_int_equal(lnl_noise_apply(model, clean, n, &rng, noisy, NULL), LNL_OK);
    lnl_noise_confusion(clean, noisy, n, k, confusion);

    for (size_t i = 0; i < k; i++) {
        size_t n_i = 0;
        for (size_t j = 0; j < k; j++)
            n_i += confusion[i * k + j];
        assert_int_equal(n_i, n / k + (i < n % k));

        for (size_t j = 0; j < k; j++) {
            double p = T[i * k + j];
            double observed = (double)confusion[i * k + j] / (double)n_i;
            double se = sqrt(p * (1.0 - p) / (double)n_i);
            if (p == 0.0)
                assert_int_equal(confusion[i * k + j], 0);
            else if (fabs(observed - p) > 5.0 * se)
                fail_msg("T[%zu][%zu] = %g but the observed frequency is %g (5 SE = %g)", i, j,
                         p, observed, 5.0 * se);
        }
    }
    free(clean);
    free(noisy);
}

static void noise_bernoulli_approaches_transition(void **state)
{
    (void)state;
    const double T[16] = {0.70, 0.10, 0.15, 0.05, /**/ 0.00, 0.90, 0.10, 0.00,
                          0.25, 0.25, 0.25, 0.25, /**/ 0.02, 0.00, 0.48, 0.50};

    lnl_noise_model symmetric = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_BERNOULLI, 4, 0.3, NULL);
    lnl_noise_model symmetric_binary =
        make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_BERNOULLI, 2, 0.45, NULL);
    lnl_noise_model pair = make_model(LNL_NOISE_PAIR, LNL_SAMPLING_BERNOULLI, 3, 0.25, NULL);
    lnl_noise_model matrix = make_model(LNL_NOISE_MATRIX, LNL_SAMPLING_BERNOULLI, 4, 0.0, T);

    check_bernoulli_approaches(&symmetric, 100);
    check_bernoulli_approaches(&symmetric_binary, 101);
    check_bernoulli_approaches(&pair, 102);
    check_bernoulli_approaches(&matrix, 103);
}

/* Bernoulli sampling makes one uniform draw per label, whatever the model. */
static void noise_bernoulli_one_draw_per_label(void **state)
{
    (void)state;
    const size_t n = 257;
    int *clean = cyclic_labels(n, 3);
    int *noisy = alloc_labels(n);
    lnl_noise_model model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_BERNOULLI, 3, 0.5, NULL);
    lnl_rng rng, reference_rng;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, 9);
    reference_rng = rng;

    assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);

    /* Row of class c: 0.5 on the diagonal and 0.25 elsewhere, read in column order. */
    for (size_t i = 0; i < n; i++) {
        double u = lnl_rng_uniform01(&reference_rng);
        double cumulative = 0.0;
        int expected = 2;
        for (int j = 0; j < 3; j++) {
            cumulative += j == clean[i] ? 0.5 : 0.25;
            if (u < cumulative) {
                expected = j;
                break;
            }
        }
        assert_int_equal(noisy[i], expected);
    }
    assert_int_equal(lnl_rng_next_u32(&rng), lnl_rng_next_u32(&reference_rng));
    free(clean);
    free(noisy);
}

static void check_transition(const lnl_noise_model *model, const double *expected)
{
    double T[MAX_CLASSES * MAX_CLASSES];
    lnl_error err;
    size_t k = model->n_classes;

    assert_int_equal(lnl_noise_transition(model, T, &err), LNL_OK);
    for (size_t i = 0; i < k * k; i++)
        assert_close(T[i], expected[i], 1e-15);
}

static void noise_transition_symmetric_by_hand(void **state)
{
    (void)state;
    const double binary_full[4] = {0.0, 1.0, /**/ 1.0, 0.0};
    const double three_0_3[9] = {0.7, 0.15, 0.15, /**/ 0.15, 0.7, 0.15, /**/ 0.15, 0.15, 0.7};
    const double four_0_6[16] = {0.4, 0.2, 0.2, 0.2, /**/ 0.2, 0.4, 0.2, 0.2,
                                 0.2, 0.2, 0.4, 0.2, /**/ 0.2, 0.2, 0.2, 0.4};
    const double three_zero[9] = {1, 0, 0, /**/ 0, 1, 0, /**/ 0, 0, 1};

    lnl_noise_model model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, 2, 1.0, NULL);
    check_transition(&model, binary_full);
    model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, 3, 0.3, NULL);
    check_transition(&model, three_0_3);
    model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_BERNOULLI, 4, 0.6, NULL);
    check_transition(&model, four_0_6);
    model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, 3, 0.0, NULL);
    check_transition(&model, three_zero);
}

static void noise_transition_pair_by_hand(void **state)
{
    (void)state;
    const double binary_0_45[4] = {0.55, 0.45, /**/ 0.45, 0.55};
    const double three_0_2[9] = {0.8, 0.2, 0.0, /**/ 0.0, 0.8, 0.2, /**/ 0.2, 0.0, 0.8};
    const double four_full[16] = {0, 1, 0, 0, /**/ 0, 0, 1, 0, /**/ 0, 0, 0, 1, /**/ 1, 0, 0, 0};

    lnl_noise_model model = make_model(LNL_NOISE_PAIR, LNL_SAMPLING_EXACT, 2, 0.45, NULL);
    check_transition(&model, binary_0_45);
    model = make_model(LNL_NOISE_PAIR, LNL_SAMPLING_EXACT, 3, 0.2, NULL);
    check_transition(&model, three_0_2);
    model = make_model(LNL_NOISE_PAIR, LNL_SAMPLING_BERNOULLI, 4, 1.0, NULL);
    check_transition(&model, four_full);
}

static void noise_transition_copies_matrix(void **state)
{
    (void)state;
    const double T[9] = {0.5, 0.25, 0.25, /**/ 0.0, 1.0, 0.0, /**/ 0.1, 0.2, 0.7};
    lnl_noise_model model = make_model(LNL_NOISE_MATRIX, LNL_SAMPLING_EXACT, 3, 0.0, T);
    check_transition(&model, T);
}

/* The same seed gives the same noisy labels for every type and sampling, a
 * different seed different ones, and the clean labels stay as they were. */
static void noise_same_seed_same_labels(void **state)
{
    (void)state;
    const double T[9] = {0.6, 0.3, 0.1, /**/ 0.2, 0.7, 0.1, /**/ 0.1, 0.1, 0.8};
    const lnl_noise_type types[3] = {LNL_NOISE_SYMMETRIC, LNL_NOISE_PAIR, LNL_NOISE_MATRIX};
    const lnl_noise_sampling samplings[2] = {LNL_SAMPLING_EXACT, LNL_SAMPLING_BERNOULLI};
    const size_t n = 2000;

    for (size_t t = 0; t < 3; t++) {
        for (size_t s = 0; s < 2; s++) {
            lnl_noise_model model =
                make_model(types[t], samplings[s], 3, 0.3, types[t] == LNL_NOISE_MATRIX ? T : NULL);
            int *clean = cyclic_labels(n, 3);
            int *original = cyclic_labels(n, 3);
            int *first = alloc_labels(n), *second = alloc_labels(n), *other = alloc_labels(n);
            lnl_rng rng;

            lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 77);
            assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, first, NULL), LNL_OK);
            lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 77);
            assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, second, NULL), LNL_OK);
            lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 78);
            assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, other, NULL), LNL_OK);

            assert_memory_equal(first, second, n * sizeof *first);
            assert_memory_not_equal(first, other, n * sizeof *first);
            assert_memory_equal(clean, original, n * sizeof *clean);
            free(clean);
            free(original);
            free(first);
            free(second);
            free(other);
        }
    }
}

/* A rejected call leaves noisy and the stream as they were. */
static void check_apply_rejected(const lnl_noise_model *model, const int *clean, size_t n,
                                 const char *fragment1, const char *fragment2)
{
    int noisy[16];
    lnl_rng rng, before;
    lnl_error err;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    before = rng;
    for (size_t i = 0; i < n; i++)
        noisy[i] = -7;

    assert_int_equal(lnl_noise_apply(model, clean, n, &rng, noisy, &err), LNL_ERR_ARGUMENT);
    assert_int_equal(err.status, LNL_ERR_ARGUMENT);
    if (strstr(err.message, fragment1) == NULL || strstr(err.message, fragment2) == NULL)
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.message, fragment1, fragment2);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(noisy[i], -7);
    assert_memory_equal(&rng, &before, sizeof rng);
}

static void check_transition_rejected(const lnl_noise_model *model, const char *fragment1,
                                      const char *fragment2)
{
    double T[MAX_CLASSES * MAX_CLASSES];
    lnl_error err;

    assert_int_equal(lnl_noise_transition(model, T, &err), LNL_ERR_ARGUMENT);
    if (strstr(err.message, fragment1) == NULL || strstr(err.message, fragment2) == NULL)
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.message, fragment1, fragment2);
}

static void noise_rejects_invalid_rate(void **state)
{
    (void)state;
    const int clean[4] = {0, 1, 0, 1};
    const double rates[4] = {-0.1, 1.5, NAN, INFINITY};

    for (size_t r = 0; r < 4; r++) {
        lnl_noise_model model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, 2, rates[r], NULL);
        check_apply_rejected(&model, clean, 4, "rate", "outside [0, 1]");
        check_transition_rejected(&model, "rate", "outside [0, 1]");
        model.type = LNL_NOISE_PAIR;
        model.sampling = LNL_SAMPLING_BERNOULLI;
        check_apply_rejected(&model, clean, 4, "rate", "outside [0, 1]");
    }
}

static void noise_rejects_invalid_matrix(void **state)
{
    (void)state;
    const int clean[3] = {0, 1, 2};
    const double negative[9] = {1, 0, 0, /**/ 0.5, 0.6, -0.1, /**/ 0, 0, 1};
    const double short_row[9] = {1, 0, 0, /**/ 0, 1, 0, /**/ 0.2, 0.2, 0.5};
    const double long_row[9] = {1, 0, 0.2, /**/ 0, 1, 0, /**/ 0, 0, 1};
    const double slightly_off[9] = {1, 0, 0, /**/ 0, 1 + 2e-9, 0, /**/ 0, 0, 1};
    const double within_tolerance[9] = {1, 0, 0, /**/ 0, 1 + 5e-10, 0, /**/ 0, 0, 1};
    const double not_a_number[9] = {1, 0, 0, /**/ 0, 1, 0, /**/ 0, NAN, 1};

    lnl_noise_model model = make_model(LNL_NOISE_MATRIX, LNL_SAMPLING_EXACT, 3, 0.0, negative);
    check_apply_rejected(&model, clean, 3, "row 1", "negative");
    check_transition_rejected(&model, "row 1", "negative");
    model.matrix = short_row;
    check_apply_rejected(&model, clean, 3, "row 2", "sums to 0.9");
    model.matrix = long_row;
    check_transition_rejected(&model, "row 0", "sums to 1.2");
    model.matrix = slightly_off;
    check_apply_rejected(&model, clean, 3, "row 1", "must sum to 1");
    model.matrix = not_a_number;
    check_apply_rejected(&model, clean, 3, "row 2", "NaN");
    model.matrix = NULL;
    check_apply_rejected(&model, clean, 3, "matrix", "NULL");

    int noisy[3];
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    model.matrix = within_tolerance;
    assert_int_equal(lnl_noise_apply(&model, clean, 3, &rng, noisy, NULL), LNL_OK);
}

static void noise_rejects_bad_arguments(void **state)
{
    (void)state;
    int clean[4] = {0, 1, 2, 1};
    const int out_of_range[4] = {0, 1, 3, 1};
    const int negative_label[4] = {0, -1, 1, 1};
    lnl_noise_model model = make_model(LNL_NOISE_SYMMETRIC, LNL_SAMPLING_EXACT, 1, 0.2, NULL);

    check_apply_rejected(&model, clean, 4, "from 2", "got 1");
    check_transition_rejected(&model, "from 2", "got 1");

    model.n_classes = 3;
    check_apply_rejected(&model, out_of_range, 4, "label 3 at position 2", "outside [0, 3)");
    check_apply_rejected(&model, negative_label, 4, "label -1 at position 1", "outside [0, 3)");

    model.type = (lnl_noise_type)42;
    check_apply_rejected(&model, clean, 4, "unknown noise type", "42");
    model.type = LNL_NOISE_PAIR;
    model.sampling = (lnl_noise_sampling)9;
    check_apply_rejected(&model, clean, 4, "unknown noise sampling", "9");

    lnl_error err;
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    model.sampling = LNL_SAMPLING_EXACT;
    assert_int_equal(lnl_noise_apply(&model, clean, 4, &rng, clean, &err), LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "separate array"));
    assert_int_equal(clean[2], 2);
    assert_int_equal(lnl_noise_apply(NULL, clean, 4, &rng, clean, &err), LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "NULL"));
    assert_int_equal(lnl_noise_apply(&model, NULL, 4, &rng, clean, &err), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_noise_transition(&model, NULL, &err), LNL_ERR_ARGUMENT);

    /* No labels is valid and needs no arrays. */
    assert_int_equal(lnl_noise_apply(&model, NULL, 0, NULL, NULL, &err), LNL_OK);
}

static void noise_confusion_counts_pairs(void **state)
{
    (void)state;
    const int clean[8] = {0, 0, 0, 1, 1, 2, 2, 2};
    const int noisy[8] = {0, 1, 2, 1, 1, 0, 2, 2};
    const size_t expected[9] = {1, 1, 1, /**/ 0, 2, 0, /**/ 1, 0, 2};
    size_t confusion[9];

    memset(confusion, 0xff, sizeof confusion);
    lnl_noise_confusion(clean, noisy, 8, 3, confusion);
    assert_memory_equal(confusion, expected, sizeof expected);

    assert_close(lnl_noise_realized_rate(clean, noisy, 8), 3.0 / 8.0, 1e-15);
    assert_close(lnl_noise_realized_rate(clean, clean, 8), 0.0, 0.0);
    assert_close(lnl_noise_realized_rate(NULL, NULL, 0), 0.0, 0.0);
}

/* ---- class_conditional and asymmetric noise ---------------------------- */

static lnl_noise_model class_conditional_model(lnl_noise_sampling sampling, double rho_pos,
                                               double rho_neg, size_t positive)
{
    lnl_noise_model model = {.type = LNL_NOISE_CLASS_CONDITIONAL, .sampling = sampling,
                             .n_classes = 2, .rate_positive = rho_pos,
                             .rate_negative = rho_neg, .positive = positive};
    return model;
}

/* rho_pos flips the positive class, rho_neg the other. */
static void noise_transition_class_conditional_by_hand(void **state)
{
    (void)state;
    const double positive_1[4] = {0.9, 0.1, /**/ 0.3, 0.7};
    const double positive_0[4] = {0.7, 0.3, /**/ 0.1, 0.9};

    lnl_noise_model model = class_conditional_model(LNL_SAMPLING_EXACT, 0.3, 0.1, 1);
    check_transition(&model, positive_1);
    model = class_conditional_model(LNL_SAMPLING_BERNOULLI, 0.3, 0.1, 0);
    check_transition(&model, positive_0);
}

/* A mapped class keeps 1 - rate and flips rate to its target; the others stay. */
static void noise_transition_asymmetric_by_hand(void **state)
{
    (void)state;
    const int mapping[4] = {-1, 3, -1, 0};
    const double expected[16] = {1, 0, 0, 0, /**/ 0, 0.6, 0, 0.4,
                                 0, 0, 1, 0, /**/ 0.4, 0, 0, 0.6};
    lnl_noise_model model = make_model(LNL_NOISE_ASYMMETRIC, LNL_SAMPLING_EXACT, 4, 0.4, NULL);
    model.mapping = mapping;
    check_transition(&model, expected);
}

/* Exact class_conditional noise flips round(n_c * rho) labels of each class
 * (largest remainder): 600 positives at 0.3 flip 180, 400 negatives at
 * 0.15 flip 60. */
static void noise_exact_class_conditional_counts(void **state)
{
    (void)state;
    const size_t n = 1000;
    int *clean = alloc_labels(n);
    int *noisy = alloc_labels(n);
    for (size_t i = 0; i < n; i++)
        clean[i] = i % 5 < 3 ? 1 : 0;
    lnl_noise_model model = class_conditional_model(LNL_SAMPLING_EXACT, 0.3, 0.15, 1);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 8);

    assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
    const size_t expected[4] = {340, 60, /**/ 180, 420};
    check_confusion(clean, noisy, n, 2, expected);
    free(clean);
    free(noisy);
}

/* Exact asymmetric noise: only mapped classes change, only to their target,
 * in the requested number. */
static void noise_exact_asymmetric_counts(void **state)
{
    (void)state;
    const size_t n = 1000, k = 5;
    int *clean = cyclic_labels(n, k);
    int *noisy = alloc_labels(n);
    const int mapping[5] = {-1, 4, -1, 0, -1};
    lnl_noise_model model = make_model(LNL_NOISE_ASYMMETRIC, LNL_SAMPLING_EXACT, k, 0.25, NULL);
    model.mapping = mapping;
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 9);

    assert_int_equal(lnl_noise_apply(&model, clean, n, &rng, noisy, NULL), LNL_OK);
    /* 200 labels per class; classes 1 and 3 flip 50 each */
    size_t expected[25] = {0};
    expected[0 * 5 + 0] = 200;
    expected[1 * 5 + 1] = 150;
    expected[1 * 5 + 4] = 50;
    expected[2 * 5 + 2] = 200;
    expected[3 * 5 + 3] = 150;
    expected[3 * 5 + 0] = 50;
    expected[4 * 5 + 4] = 200;
    check_confusion(clean, noisy, n, k, expected);
    free(clean);
    free(noisy);
}

static void noise_rejects_invalid_class_models(void **state)
{
    (void)state;
    const int clean[4] = {0, 1, 0, 1};

    lnl_noise_model model = class_conditional_model(LNL_SAMPLING_EXACT, 0.3, 1.5, 1);
    check_apply_rejected(&model, clean, 4, "rho_neg = 1.5", "[0, 1]");
    model = class_conditional_model(LNL_SAMPLING_EXACT, NAN, 0.1, 1);
    check_transition_rejected(&model, "rho_pos = nan", "[0, 1]");
    model = class_conditional_model(LNL_SAMPLING_EXACT, 0.3, 0.1, 2);
    check_transition_rejected(&model, "positive class 2", "not 0 or 1");
    model = class_conditional_model(LNL_SAMPLING_EXACT, 0.3, 0.1, 1);
    model.n_classes = 3;
    check_transition_rejected(&model, "class_conditional noise needs 2 classes", "got 3");

    const int to_itself[3] = {-1, 1, -1};
    const int outside[3] = {5, -1, -1};
    model = make_model(LNL_NOISE_ASYMMETRIC, LNL_SAMPLING_EXACT, 3, 0.2, NULL);
    check_transition_rejected(&model, "asymmetric noise requires a class mapping", "NULL");
    model.mapping = to_itself;
    check_transition_rejected(&model, "maps class 1 to 1", "another class");
    model.mapping = outside;
    check_transition_rejected(&model, "maps class 0 to 5", "[0, 3)");
    model.mapping = to_itself;
    model.rate = 1.2;
    check_transition_rejected(&model, "rate 1.2", "outside [0, 1]");
}

/* A data set with named classes for lnl_noise_model_from_spec. */
static lnl_dataset *named_classes(const char *const *names, size_t k)
{
    lnl_dataset *data = lnl_dataset_create(4, 1, k);
    assert_non_null(data);
    for (size_t c = 0; c < k; c++)
        assert_int_equal(lnl_dataset_set_class_name(data, c, names[c]), LNL_OK);
    return data;
}

static void noise_model_from_spec_resolves_names(void **state)
{
    (void)state;
    const char *const binary[2] = {"benign", "malignant"};
    const char *const digits[4] = {"1", "3", "7", "8"};
    lnl_dataset *two = named_classes(binary, 2);
    lnl_dataset *four = named_classes(digits, 4);
    lnl_noise_spec spec;
    memset(&spec, 0, sizeof spec);
    snprintf(spec.name, sizeof spec.name, "cc");
    spec.line = 12;
    int mapping[4];
    lnl_noise_model model;
    lnl_error err;

    /* class_conditional: the setting's pair; positive defaults to class 1 */
    spec.type = LNL_NOISE_CLASS_CONDITIONAL;
    spec.n_rates = 2;
    spec.pairs[0][0] = 0.2;
    spec.pairs[0][1] = 0.2;
    spec.pairs[1][0] = 0.3;
    spec.pairs[1][1] = 0.1;
    spec.rates[0] = spec.rates[1] = 0.2;
    lnl_error_clear(&err);
    assert_int_equal(lnl_noise_model_from_spec(&spec, 1, two, "c.ini", mapping, &model, &err),
                     LNL_OK);
    assert_int_equal(model.type, LNL_NOISE_CLASS_CONDITIONAL);
    assert_int_equal(model.positive, 1);
    assert_close(model.rate_positive, 0.3, 0.0);
    assert_close(model.rate_negative, 0.1, 0.0);
    snprintf(spec.positive, sizeof spec.positive, "benign");
    assert_int_equal(lnl_noise_model_from_spec(&spec, 0, two, "c.ini", mapping, &model, &err),
                     LNL_OK);
    assert_int_equal(model.positive, 0);

    char label[64];
    lnl_noise_setting_label(&spec, 1, label, sizeof label);
    assert_string_equal(label, "0.3/0.1");

    /* a positive class the data does not have, and a data set of 4 classes */
    snprintf(spec.positive, sizeof spec.positive, "cancer");
    lnl_error_clear(&err);
    assert_int_equal(lnl_noise_model_from_spec(&spec, 0, two, "c.ini", mapping, &model, &err),
                     LNL_ERR_CONFIG);
    assert_string_equal(err.file, "c.ini");
    assert_int_equal(err.line, 12);
    assert_non_null(strstr(err.message, "names the class \"cancer\""));
    assert_non_null(strstr(err.message, "\"benign\", \"malignant\""));
    lnl_error_clear(&err);
    assert_int_equal(lnl_noise_model_from_spec(&spec, 0, four, "c.ini", mapping, &model, &err),
                     LNL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "needs 2 classes"));

    /* asymmetric: names to indices, unmapped classes -1 */
    lnl_class_mapping pairs[2] = {{"3", "8"}, {"7", "1"}};
    spec.type = LNL_NOISE_ASYMMETRIC;
    spec.rates[0] = 0.4;
    spec.mappings = pairs;
    spec.n_mappings = 2;
    lnl_error_clear(&err);
    assert_int_equal(lnl_noise_model_from_spec(&spec, 0, four, "c.ini", mapping, &model, &err),
                     LNL_OK);
    assert_ptr_equal(model.mapping, mapping);
    assert_close(model.rate, 0.4, 0.0);
    const int expected[4] = {-1, 3, 0, -1};
    assert_memory_equal(mapping, expected, sizeof expected);
    lnl_noise_setting_label(&spec, 0, label, sizeof label);
    assert_string_equal(label, "");

    snprintf(pairs[1].target, sizeof pairs[1].target, "9");
    lnl_error_clear(&err);
    assert_int_equal(lnl_noise_model_from_spec(&spec, 0, four, "c.ini", mapping, &model, &err),
                     LNL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "mapping in [noise cc] names the class \"9\""));

    lnl_dataset_destroy(two);
    lnl_dataset_destroy(four);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(noise_exact_flips_requested_count),
        cmocka_unit_test(noise_exact_symmetric_never_keeps_label),
        cmocka_unit_test(noise_exact_symmetric_other_class_uniform),
        cmocka_unit_test(noise_exact_symmetric_follows_draw_order),
        cmocka_unit_test(noise_exact_binary_draws_only_permutation),
        cmocka_unit_test(noise_numpy_reference_flipped_positions),
        cmocka_unit_test(noise_exact_pair_shifts_to_next),
        cmocka_unit_test(noise_exact_pair_counts_per_class),
        cmocka_unit_test(noise_exact_pair_binary_tie_rule),
        cmocka_unit_test(noise_exact_matrix_largest_remainder),
        cmocka_unit_test(noise_exact_matrix_follows_draw_order),
        cmocka_unit_test(noise_bernoulli_approaches_transition),
        cmocka_unit_test(noise_bernoulli_one_draw_per_label),
        cmocka_unit_test(noise_transition_symmetric_by_hand),
        cmocka_unit_test(noise_transition_pair_by_hand),
        cmocka_unit_test(noise_transition_copies_matrix),
        cmocka_unit_test(noise_same_seed_same_labels),
        cmocka_unit_test(noise_rejects_invalid_rate),
        cmocka_unit_test(noise_rejects_invalid_matrix),
        cmocka_unit_test(noise_rejects_bad_arguments),
        cmocka_unit_test(noise_confusion_counts_pairs),
        cmocka_unit_test(noise_transition_class_conditional_by_hand),
        cmocka_unit_test(noise_transition_asymmetric_by_hand),
        cmocka_unit_test(noise_exact_class_conditional_counts),
        cmocka_unit_test(noise_exact_asymmetric_counts),
        cmocka_unit_test(noise_rejects_invalid_class_models),
        cmocka_unit_test(noise_model_from_spec_resolves_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
