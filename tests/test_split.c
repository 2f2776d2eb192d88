/* Tests of the train/test split and the standardizer. Unstratified splits are
 * compared with scikit-learn 1.2's train_test_split on a numpy stream. */
#include "lnl/split.h"

#include "numpy_fixture.h"

#include <math.h>

/* Fails unless the split covers each of rows 0..n_rows-1 exactly once. */
static void check_partition(const lnl_split *split, size_t n_rows)
{
    assert_int_equal(split->n_train + split->n_test, n_rows);

    int *seen = calloc(n_rows, sizeof *seen);
    assert_non_null(seen);
    for (size_t i = 0; i < split->n_train; i++) {
        assert_true(split->train[i] < n_rows);
        seen[split->train[i]]++;
    }
    for (size_t i = 0; i < split->n_test; i++) {
        assert_true(split->test[i] < n_rows);
        seen[split->test[i]]++;
    }
    for (size_t r = 0; r < n_rows; r++)
        assert_int_equal(seen[r], 1);
    free(seen);
}

static void split_or_fail(size_t n_rows, double test_size, const int *labels, size_t n_classes,
                          bool stratify, lnl_rng *rng, lnl_split *split)
{
    lnl_error err;
    lnl_error_clear(&err);
    if (lnl_split_create(n_rows, test_size, labels, n_classes, stratify, rng, split, &err) !=
        LNL_OK)
        fail_msg("split of %zu rows with test_size %g failed: %s", n_rows, test_size,
                 err.message);
}

/* train_test_split(range(1000), test_size=0.2, random_state=42). */
static void split_article_fixture_matches(void **state)
{
    (void)state;
    char *json = fixture_read_text("article_split_and_noise.json");
    double expected_train[32], expected_test[32];
    assert_int_equal(fixture_numbers(json, "train_indices_first20", expected_train, 32), 20);
    assert_int_equal(fixture_numbers(json, "test_indices_first20", expected_test, 32), 20);

    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, (uint64_t)fixture_number(json, "random_state"));
    lnl_split split;
    split_or_fail(1000, fixture_number(json, "test_size"), NULL, 0, false, &rng, &split);

    assert_int_equal(split.n_train, (size_t)fixture_number(json, "n_train"));
    assert_int_equal(split.n_test, (size_t)fixture_number(json, "n_test"));
    for (size_t i = 0; i < 20; i++) {
        assert_int_equal(split.train[i], (size_t)expected_train[i]);
        assert_int_equal(split.test[i], (size_t)expected_test[i]);
    }
    check_partition(&split, 1000);
    lnl_split_destroy(&split);
    free(json);
}

/* Whole outputs of train_test_split(list(range(n)), test_size=t,
 * random_state=s) from scikit-learn 1.2. The case n = 25, t = 0.28 has
 * ceil(0.28 * 25) = 8 test rows because 0.28 * 25 rounds to
 * 7.000000000000001, and then 17 training rows. */
static void split_matches_train_test_split(void **state)
{
    (void)state;
    static const size_t train_25[] = {1, 22, 14, 4, 21, 6, 7, 5, 20, 9, 11, 24, 19, 0, 8, 3, 10};
    static const size_t test_25[] = {18, 17, 12, 23, 15, 16, 13, 2};
    static const size_t train_10[] = {1, 6, 7, 3, 0, 5};
    static const size_t test_10[] = {2, 8, 4, 9};
    static const size_t train_7[] = {4, 3, 5};
    static const size_t test_7[] = {6, 2, 1, 0};
    static const struct {
        size_t n_rows;
        double test_size;
        uint64_t seed;
        size_t n_train, n_test;
        const size_t *train, *test;
    } cases[] = {
        {25, 0.28, 3, 17, 8, train_25, test_25},
        {10, 4.0, 0, 6, 4, train_10, test_10},
        {7, 0.5, 1, 3, 4, train_7, test_7},
    };

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_NUMPY, cases[c].seed);
        lnl_split split;
        split_or_fail(cases[c].n_rows, cases[c].test_size, NULL, 0, false, &rng, &split);

        assert_int_equal(split.n_train, cases[c].n_train);
        assert_int_equal(split.n_test, cases[c].n_test);
        for (size_t i = 0; i < cases[c].n_train; i++)
            assert_int_equal(split.train[i], cases[c].train[i]);
        for (size_t i = 0; i < cases[c].n_test; i++)
            assert_int_equal(split.test[i], cases[c].test[i]);
        lnl_split_destroy(&split);
    }
}

/* n_train + n_test = n_rows for every fraction, where floor((1 - t) n)
 * would overshoot (n = 25, t = 0.28 gives 18 + 8). */
static void split_sizes_add_up_to_rows(void **state)
{
    (void)state;
    for (size_t n = 2; n < 120; n += 3) {
        for (int percent = 1; percent < 100; percent += 3) {
            double test_size = percent / 100.0;
            double n_test = ceil(test_size * (double)n);
            if (n_test >= (double)n)
                continue;

            lnl_rng rng;
            lnl_rng_seed(&rng, LNL_RNG_DEFAULT, n);
            lnl_split split;
            split_or_fail(n, test_size, NULL, 0, false, &rng, &split);
            assert_int_equal(split.n_test, (size_t)n_test);
            check_partition(&split, n);
            lnl_split_destroy(&split);
        }
    }
}

static void split_same_seed_same_rows(void **state)
{
    (void)state;
    int labels[90];
    for (int i = 0; i < 90; i++)
        labels[i] = i % 3;

    for (int stratify = 0; stratify < 2; stratify++) {
        lnl_rng a, b, other;
        lnl_rng_seed(&a, LNL_RNG_DEFAULT, 5);
        lnl_rng_seed(&b, LNL_RNG_DEFAULT, 5);
        lnl_rng_seed(&other, LNL_RNG_DEFAULT, 6);
        lnl_split first, second, third;
        split_or_fail(90, 0.3, labels, 3, stratify, &a, &first);
        split_or_fail(90, 0.3, labels, 3, stratify, &b, &second);
        split_or_fail(90, 0.3, labels, 3, stratify, &other, &third);

        assert_int_equal(first.n_test, 27);
        assert_memory_equal(first.test, second.test, 27 * sizeof(size_t));
        assert_memory_equal(first.train, second.train, 63 * sizeof(size_t));
        assert_memory_not_equal(first.test, third.test, 27 * sizeof(size_t));

        lnl_split_destroy(&first);
        lnl_split_destroy(&second);
        lnl_split_destroy(&third);
    }
}

static void split_rejects_invalid_test_size(void **state)
{
    (void)state;
    static const struct {
        size_t n_rows;
        double test_size;
        const char *message;
    } cases[] = {
        {10, 0.0, "test_size = 0 is invalid"},
        {10, -0.2, "test_size = -0.2 is invalid"},
        {10, NAN, "test_size = nan is invalid"},
        {10, INFINITY, "test_size = inf is invalid"},
        {10, 2.5, "test_size = 2.5 is invalid: a value of 1 or more is a row count"},
        {10, 10.0, "test_size = 10 leaves no training rows out of 10"},
        {10, 0.95, "test_size = 0.95 leaves no training rows out of 10"},
        {1, 0.5, "test_size = 0.5 leaves no training rows out of 1"},
        {0, 0.5, "test_size = 0.5 leaves no test rows out of 0"},
    };

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
        lnl_split split;
        memset(&split, 0xff, sizeof split);
        lnl_error err;
        lnl_error_clear(&err);

        lnl_status status =
            lnl_split_create(cases[c].n_rows, cases[c].test_size, NULL, 0, false, &rng, &split, &err);
        assert_int_equal(status, LNL_ERR_ARGUMENT);
        if (strncmp(err.message, cases[c].message, strlen(cases[c].message)) != 0)
            fail_msg("message \"%s\", expected it to start with \"%s\"", err.message,
                     cases[c].message);
        assert_int_equal(split.n_train, 0);
        assert_int_equal(split.n_test, 0);
        assert_null(split.train);
        assert_null(split.test);
    }
}

/* Classes of 500, 300, 150 and 50 rows with test_size 0.25 have quotas 125,
 * 75, 37.5 and 12.5. The one row left after the floors goes to the first of
 * the tied remainders, class 2. */
static void split_stratified_uses_largest_remainder(void **state)
{
    (void)state;
    static const size_t class_sizes[4] = {500, 300, 150, 50};
    static const size_t expected_test[4] = {125, 75, 38, 12};
    int labels[1000];
    size_t row = 0;
    for (int c = 0; c < 4; c++)
        for (size_t i = 0; i < class_sizes[c]; i++)
            labels[row++] = c;

    /* Interleave the classes so that the labels are not sorted by row. */
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 30);
    size_t order[1000];
    lnl_rng_permutation(&rng, order, 1000);
    int shuffled[1000];
    for (size_t i = 0; i < 1000; i++)
        shuffled[i] = labels[order[i]];

    lnl_split split;
    split_or_fail(1000, 0.25, shuffled, 4, true, &rng, &split);
    assert_int_equal(split.n_test, 250);
    check_partition(&split, 1000);

    size_t test_counts[4] = {0};
    for (size_t i = 0; i < split.n_test; i++)
        test_counts[shuffled[split.test[i]]]++;
    for (int c = 0; c < 4; c++)
        assert_int_equal(test_counts[c], expected_test[c]);

    /* Both lists come out in increasing row order. */
    for (size_t i = 1; i < split.n_test; i++)
        assert_true(split.test[i - 1] < split.test[i]);
    for (size_t i = 1; i < split.n_train; i++)
        assert_true(split.train[i - 1] < split.train[i]);
    lnl_split_destroy(&split);
}

/* For random labels over 7 classes and several test sizes, every class's
 * test count is within one row of its quota n_test * n_c / n. */
static void split_stratified_keeps_class_proportions(void **state)
{
    (void)state;
    enum { N = 997, K = 7 };
    static const double test_sizes[] = {0.1, 0.2, 0.33, 0.5, 0.8, 150.0};
    int labels[N];
    size_t class_sizes[K] = {0};
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, 8);
    for (size_t i = 0; i < N; i++) {
        /* Skewed classes: m uniform in 0..6, then c uniform in 0..m. */
        int c = (int)lnl_rng_below(&rng, K);
        c = (int)lnl_rng_below(&rng, (uint64_t)c + 1);
        labels[i] = c;
        class_sizes[c]++;
    }

    for (size_t t = 0; t < sizeof test_sizes / sizeof test_sizes[0]; t++) {
        lnl_split split;
        split_or_fail(N, test_sizes[t], labels, K, true, &rng, &split);
        check_partition(&split, N);

        size_t test_counts[K] = {0};
        for (size_t i = 0; i < split.n_test; i++)
            test_counts[labels[split.test[i]]]++;
        for (size_t c = 0; c < K; c++) {
            double quota = (double)split.n_test * (double)class_sizes[c] / N;
            if (fabs((double)test_counts[c] - quota) >= 1.0)
                fail_msg("test_size %g: class %zu has %zu test rows for a quota of %g",
                         test_sizes[t], c, test_counts[c], quota);
        }
        lnl_split_destroy(&split);
    }
}

/* With 3 classes of 1, 2 and 7 rows and 7 test rows, the quotas 0.7, 1.4
 * and 4.9 would round to 1, 1 and 5, but classes 0 and 1 must keep a
 * training row. Class 0 gets none and class 1 one, so class 2 takes 6. */
static void split_stratified_keeps_training_row_per_class(void **state)
{
    (void)state;
    static const int labels[10] = {2, 1, 2, 2, 0, 2, 1, 2, 2, 2};
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, 2);
    lnl_split split;
    split_or_fail(10, 7.0, labels, 3, true, &rng, &split);
    check_partition(&split, 10);

    size_t train_counts[3] = {0}, test_counts[3] = {0};
    for (size_t i = 0; i < split.n_train; i++)
        train_counts[labels[split.train[i]]]++;
    for (size_t i = 0; i < split.n_test; i++)
        test_counts[labels[split.test[i]]]++;
    assert_int_equal(test_counts[0], 0);
    assert_int_equal(test_counts[1], 1);
    assert_int_equal(test_counts[2], 6);
    assert_int_equal(train_counts[0], 1);
    assert_int_equal(train_counts[1], 1);
    assert_int_equal(train_counts[2], 1);
    lnl_split_destroy(&split);
}

static void split_stratified_rejects_invalid_input(void **state)
{
    (void)state;
    static const int two_by_two[4] = {0, 1, 0, 1};
    static const int out_of_range[4] = {0, 1, 3, 1};
    static const struct {
        const int *labels;
        size_t n_classes;
        double test_size;
        const char *message;
    } cases[] = {
        {two_by_two, 2, 3.0, "a stratified test set of 3 rows leaves no training row"},
        {out_of_range, 2, 0.5, "label 3 of row 2 is outside 0..1"},
        {NULL, 2, 0.5, "a stratified split needs labels"},
        {two_by_two, 0, 0.5, "a stratified split needs labels and n_classes >= 1"},
    };

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
        lnl_split split;
        lnl_error err;
        lnl_error_clear(&err);

        assert_int_equal(lnl_split_create(4, cases[c].test_size, cases[c].labels,
                                          cases[c].n_classes, true, &rng, &split, &err),
                         LNL_ERR_ARGUMENT);
        if (strncmp(err.message, cases[c].message, strlen(cases[c].message)) != 0)
            fail_msg("message \"%s\", expected it to start with \"%s\"", err.message,
                     cases[c].message);
        assert_null(split.train);
        assert_null(split.test);
        assert_int_equal(split.n_train + split.n_test, 0);
    }
}

static void split_destroy_accepts_null(void **state)
{
    (void)state;
    lnl_split_destroy(NULL);
    lnl_standardizer_destroy(NULL);

    lnl_split split = {0};
    lnl_split_destroy(&split);
    assert_null(split.train);
}

/* Builds a data set by hand without the CSV reader. */
static lnl_dataset *dataset_from_values(size_t n_rows, size_t n_features, const double *X)
{
    lnl_dataset *data = lnl_dataset_create(n_rows, n_features, 2);
    assert_non_null(data);
    memcpy(data->X, X, n_rows * n_features * sizeof *X);
    return data;
}

/* Rows 0, 1 and 3 (row 2 is left out):
 *   feature 0: 1, 2, 4      mean 7/3, variance 14/9, scale sqrt(14)/3
 *   feature 1: 0.1 three times, a constant: mean 0.1, scale 1
 *   feature 2: -3, 3, 0     mean 0, variance 6, scale sqrt(6) */
static void standardizer_fit_hand_computed(void **state)
{
    (void)state;
    static const double X[4 * 3] = {
        1.0, 0.1, -3.0,
        2.0, 0.1, 3.0,
        1000.0, -50.0, 77.0,
        4.0, 0.1, 0.0,
    };
    static const size_t rows[3] = {0, 1, 3};
    lnl_dataset *data = dataset_from_values(4, 3, X);
    lnl_standardizer standardizer;
    lnl_error err;

    assert_int_equal(lnl_standardizer_fit(data, rows, 3, &standardizer, &err), LNL_OK);
    assert_int_equal(standardizer.n_features, 3);
    assert_true(fabs(standardizer.mean[0] - 7.0 / 3.0) < 1e-15);
    assert_true(fabs(standardizer.scale[0] - sqrt(14.0) / 3.0) < 1e-15);
    assert_true(fabs(standardizer.mean[1] - 0.1) < 1e-16);
    assert_true(standardizer.scale[1] == 1.0);
    assert_true(standardizer.mean[2] == 0.0);
    assert_true(fabs(standardizer.scale[2] - sqrt(6.0)) < 1e-15);

    lnl_standardizer_destroy(&standardizer);
    assert_null(standardizer.mean);
    assert_null(standardizer.scale);
    lnl_dataset_destroy(data);
}

/* A feature whose spread is far above rounding keeps its own scale however
 * large its mean: 1e6 + (0, 1, 2) has scale sqrt(2/3). */
static void standardizer_keeps_small_spread(void **state)
{
    (void)state;
    static const double X[3] = {1e6, 1e6 + 1.0, 1e6 + 2.0};
    static const size_t rows[3] = {0, 1, 2};
    lnl_dataset *data = dataset_from_values(3, 1, X);
    lnl_standardizer standardizer;

    assert_int_equal(lnl_standardizer_fit(data, rows, 3, &standardizer, NULL), LNL_OK);
    assert_true(standardizer.mean[0] == 1e6 + 1.0);
    assert_true(fabs(standardizer.scale[0] - sqrt(2.0 / 3.0)) < 1e-12);
    lnl_standardizer_destroy(&standardizer);
    lnl_dataset_destroy(data);
}

static void standardizer_identity_is_zero_mean_unit_scale(void **state)
{
    (void)state;
    lnl_standardizer standardizer;

    assert_int_equal(lnl_standardizer_identity(5, &standardizer, NULL), LNL_OK);
    assert_int_equal(standardizer.n_features, 5);
    for (size_t j = 0; j < 5; j++) {
        assert_true(standardizer.mean[j] == 0.0);
        assert_true(standardizer.scale[j] == 1.0);
    }
    lnl_standardizer_destroy(&standardizer);
}

static void standardizer_rejects_invalid_rows(void **state)
{
    (void)state;
    static const double X[2 * 2] = {1.0, 2.0, 3.0, 4.0};
    static const size_t bad_rows[2] = {1, 2};
    lnl_dataset *data = dataset_from_values(2, 2, X);
    lnl_standardizer standardizer;
    lnl_error err;

    lnl_error_clear(&err);
    assert_int_equal(lnl_standardizer_fit(data, bad_rows, 2, &standardizer, &err),
                     LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "row index 2 at position 1 is outside 0..1");
    assert_null(standardizer.mean);
    assert_null(standardizer.scale);

    lnl_error_clear(&err);
    assert_int_equal(lnl_standardizer_fit(data, bad_rows, 0, &standardizer, &err),
                     LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "cannot fit a standardizer on 0 rows");
    assert_null(standardizer.mean);
    lnl_dataset_destroy(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_article_fixture_matches),
        cmocka_unit_test(split_matches_train_test_split),
        cmocka_unit_test(split_sizes_add_up_to_rows),
        cmocka_unit_test(split_same_seed_same_rows),
        cmocka_unit_test(split_rejects_invalid_test_size),
        cmocka_unit_test(split_stratified_uses_largest_remainder),
        cmocka_unit_test(split_stratified_keeps_class_proportions),
        cmocka_unit_test(split_stratified_keeps_training_row_per_class),
        cmocka_unit_test(split_stratified_rejects_invalid_input),
        cmocka_unit_test(split_destroy_accepts_null),
        cmocka_unit_test(standardizer_fit_hand_computed),
        cmocka_unit_test(standardizer_keeps_small_spread),
        cmocka_unit_test(standardizer_identity_is_zero_mean_unit_scale),
        cmocka_unit_test(standardizer_rejects_invalid_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
