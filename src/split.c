#include "lnl/split.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Works out n_test and n_train as scikit-learn 1.2's _validate_shuffle_split
 * does when only test_size is given: n_test = ceil(test_size * n_rows) for a
 * fraction or test_size itself for a count, and n_train = n_rows - n_test.
 * NOTE: split.h states n_train = floor((1 - test_size) * n_rows). That
 * formula rounds differently in floating point (n_rows = 25 and
 * test_size = 0.28 give 18 + 8 = 26 rows), so this file keeps
 * n_rows - n_test, which is what train_test_split returns. */
static lnl_status split_sizes(size_t n_rows, double test_size, size_t *n_train,
                              size_t *n_test, lnl_error *err)
{
    if (!(test_size > 0.0) || !isfinite(test_size))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "test_size = %g is invalid: give a fraction in (0, 1) or a "
                             "row count of at least 1",
                             test_size);

    double count;
    if (test_size < 1.0) {
        count = ceil(test_size * (double)n_rows);
    } else {
        if (test_size != floor(test_size))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "test_size = %g is invalid: a value of 1 or more is a row "
                                 "count and must be a whole number",
                                 test_size);
        count = test_size;
    }

    if (count < 1.0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "test_size = %g leaves no test rows out of %zu", test_size,
                             n_rows);
    if (count >= (double)n_rows)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "test_size = %g leaves no training rows out of %zu; use a "
                             "smaller test_size",
                             test_size, n_rows);

    *n_test = (size_t)count;
    *n_train = n_rows - *n_test;
    return LNL_OK;
}

/* Unstratified split, ShuffleSplit's order: test = the first n_test entries
 * of a permutation of 0..n_rows-1, train = the next n_train. */
static lnl_status split_shuffled(size_t n_rows, lnl_rng *rng, lnl_split *out)
{
    size_t *permutation = malloc(n_rows * sizeof *permutation);
    if (permutation == NULL)
        return LNL_ERR_NOMEM;

    lnl_rng_permutation(rng, permutation, n_rows);
    memcpy(out->test, permutation, out->n_test * sizeof *permutation);
    memcpy(out->train, permutation + out->n_test, out->n_train * sizeof *permutation);
    free(permutation);
    return LNL_OK;
}

/* Share of the test set per class by the largest-remainder method: class c
 * with n_c rows has the quota n_test * n_c / n_rows and first gets its
 * floor. The rows still missing go one at a time to the classes in order of
 * decreasing remainder (ties to the lower class index), so each share is
 * the floor or the ceiling of its quota. Every class keeps at least one
 * training row: a share is capped at n_c - 1, and when a cap bites, the
 * rows it frees go to the other classes in the same order, one per class
 * per pass. The caller has checked that the caps leave room for n_test. */
static void stratified_shares(const size_t *counts, size_t n_classes, size_t n_rows,
                              size_t n_test, size_t *order, uint64_t *remainders,
                              size_t *shares)
{
    size_t assigned = 0;

    for (size_t c = 0; c < n_classes; c++) {
        uint64_t product = (uint64_t)n_test * counts[c];
        size_t cap = counts[c] > 0 ? counts[c] - 1 : 0;
        shares[c] = (size_t)(product / n_rows);
        remainders[c] = product % n_rows;
        if (shares[c] > cap)
            shares[c] = cap;
        assigned += shares[c];
        order[c] = c;
    }

    /* Insertion sort by decreasing remainder, which keeps class order on ties. */
    for (size_t a = 1; a < n_classes; a++) {
        size_t c = order[a];
        size_t b = a;
        while (b > 0 && remainders[order[b - 1]] < remainders[c]) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = c;
    }

    while (assigned < n_test) {
        for (size_t a = 0; a < n_classes && assigned < n_test; a++) {
            size_t c = order[a];
            if (counts[c] > 0 && shares[c] < counts[c] - 1) {
                shares[c]++;
                assigned++;
            }
        }
    }
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a;
    size_t y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Working memory of a stratified split. */
typedef struct stratify_buffers {
    size_t *counts;        /* n_classes */
    size_t *shares;        /* n_classes: test rows per class */
    size_t *order;         /* n_classes */
    uint64_t *remainders;  /* n_classes */
    size_t *class_start;   /* n_classes + 1: offsets into rows */
    size_t *rows;          /* n_rows: row indices grouped by class */
} stratify_buffers;

/* Stratified split: the test share of each class (stratified_shares) is the
 * first rows of a permutation of that class's rows, listed in increasing
 * row order. The classes draw their permutations in class order, and
 * classes without rows draw nothing. All other rows are training rows. Both
 * index lists come out sorted in increasing row order, so they depend only
 * on the labels and the stream. */
static lnl_status split_stratified(size_t n_rows, const int *labels, size_t n_classes,
                                   lnl_rng *rng, lnl_split *out, lnl_error *err)
{
    lnl_status status = LNL_OK;
    stratify_buffers b = {0};

    if (n_rows > UINT32_MAX) {
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "a stratified split supports at most %lu rows, got %zu",
                             (unsigned long)UINT32_MAX, n_rows);
    }
    for (size_t i = 0; i < n_rows; i++) {
        if (labels[i] < 0 || (size_t)labels[i] >= n_classes)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "label %d of row %zu is outside 0..%zu", labels[i], i,
                                 n_classes - 1);
    }

    b.counts = calloc(n_classes, sizeof *b.counts);
    b.shares = calloc(n_classes, sizeof *b.shares);
    b.order = calloc(n_classes, sizeof *b.order);
    b.remainders = calloc(n_classes, sizeof *b.remainders);
    b.class_start = calloc(n_classes + 1, sizeof *b.class_start);
    b.rows = malloc(n_rows * sizeof *b.rows);
    if (b.counts == NULL || b.shares == NULL || b.order == NULL || b.remainders == NULL ||
        b.class_start == NULL || b.rows == NULL) {
        status = LNL_ERR_NOMEM;
        goto cleanup;
    }

    size_t n_present = 0;
    for (size_t i = 0; i < n_rows; i++)
        b.counts[labels[i]]++;
    for (size_t c = 0; c < n_classes; c++)
        n_present += b.counts[c] > 0;
    if (out->n_test > n_rows - n_present) {
        status = lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                               "a stratified test set of %zu rows leaves no training row for "
                               "some of the %zu classes present in %zu rows; use a test_size "
                               "of at most %zu rows",
                               out->n_test, n_present, n_rows, n_rows - n_present);
        goto cleanup;
    }

    /* Group the rows by class, each group in increasing row order. */
    for (size_t c = 0; c < n_classes; c++)
        b.class_start[c + 1] = b.class_start[c] + b.counts[c];
    memcpy(b.order, b.class_start, n_classes * sizeof *b.order);
    for (size_t i = 0; i < n_rows; i++)
        b.rows[b.order[labels[i]]++] = i;

    stratified_shares(b.counts, n_classes, n_rows, out->n_test, b.order, b.remainders,
                      b.shares);

    size_t n_test = 0, n_train = 0;
    for (size_t c = 0; c < n_classes; c++) {
        size_t *group = b.rows + b.class_start[c];
        lnl_rng_shuffle(rng, group, b.counts[c]);
        for (size_t r = 0; r < b.counts[c]; r++) {
            if (r < b.shares[c])
                out->test[n_test++] = group[r];
            else
                out->train[n_train++] = group[r];
        }
    }
    qsort(out->test, out->n_test, sizeof *out->test, compare_size);
    qsort(out->train, out->n_train, sizeof *out->train, compare_size);

cleanup:
    free(b.counts);
    free(b.shares);
    free(b.order);
    free(b.remainders);
    free(b.class_start);
    free(b.rows);
    return status;
}

lnl_status lnl_split_create(size_t n_rows, double test_size, const int *labels,
                            size_t n_classes, bool stratify, lnl_rng *rng,
                            lnl_split *out, lnl_error *err)
{
    if (out == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "out is NULL");
    memset(out, 0, sizeof *out);
    if (rng == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "rng is NULL");
    if (stratify && (labels == NULL || n_classes == 0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "a stratified split needs labels and n_classes >= 1");

    size_t n_train = 0, n_test = 0;
    lnl_status status = split_sizes(n_rows, test_size, &n_train, &n_test, err);
    if (status != LNL_OK)
        return status;

    out->n_train = n_train;
    out->n_test = n_test;
    out->train = malloc(n_train * sizeof *out->train);
    out->test = malloc(n_test * sizeof *out->test);
    if (out->train == NULL || out->test == NULL) {
        status = LNL_ERR_NOMEM;
        goto cleanup;
    }

    if (stratify)
        status = split_stratified(n_rows, labels, n_classes, rng, out, err);
    else
        status = split_shuffled(n_rows, rng, out);

cleanup:
    if (status != LNL_OK) {
        lnl_split_destroy(out);
        if (status == LNL_ERR_NOMEM)
            return lnl_error_set(err, status, NULL, 0,
                                 "out of memory splitting %zu rows", n_rows);
    }
    return status;
}

void lnl_split_destroy(lnl_split *split)
{
    if (split == NULL)
        return;
    free(split->train);
    free(split->test);
    memset(split, 0, sizeof *split);
}

/* Allocates mean and scale for n_features; 0 features need no memory. */
static lnl_status standardizer_alloc(size_t n_features, lnl_standardizer *out)
{
    memset(out, 0, sizeof *out);
    if (n_features == 0)
        return LNL_OK;

    out->mean = calloc(n_features, sizeof *out->mean);
    out->scale = calloc(n_features, sizeof *out->scale);
    if (out->mean == NULL || out->scale == NULL) {
        lnl_standardizer_destroy(out);
        return LNL_ERR_NOMEM;
    }
    out->n_features = n_features;
    return LNL_OK;
}

/* Mean and population standard deviation per feature by the corrected
 * two-pass algorithm: var = (sum d^2 - (sum d)^2 / n) / n with d = x - mean.
 * A feature counts as constant, and gets scale 1, when
 * var <= n eps var + (n |mean| eps)^2. That is the bound on the rounding
 * error of var that scikit-learn 1.2's StandardScaler uses, so a constant
 * column whose mean is not exactly representable still becomes 0 and not
 * noise. */
lnl_status lnl_standardizer_fit(const lnl_dataset *data, const size_t *rows, size_t n_rows,
                                lnl_standardizer *out, lnl_error *err)
{
    if (out == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "out is NULL");
    memset(out, 0, sizeof *out);
    if (data == NULL || (rows == NULL && n_rows > 0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "data or rows is NULL");
    if (n_rows == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "cannot fit a standardizer on 0 rows");
    for (size_t r = 0; r < n_rows; r++) {
        if (rows[r] >= data->n_rows)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "row index %zu at position %zu is outside 0..%zu", rows[r], r,
                                 data->n_rows - 1);
    }

    size_t d = data->n_features;
    if (standardizer_alloc(d, out) != LNL_OK)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "out of memory fitting a standardizer on %zu features", d);

    double n = (double)n_rows;
    for (size_t r = 0; r < n_rows; r++) {
        const double *x = data->X + rows[r] * d;
        for (size_t j = 0; j < d; j++)
            out->mean[j] += x[j];
    }
    for (size_t j = 0; j < d; j++)
        out->mean[j] /= n;

    for (size_t j = 0; j < d; j++) {
        double sum = 0.0, sum_squares = 0.0;
        for (size_t r = 0; r < n_rows; r++) {
            double deviation = data->X[rows[r] * d + j] - out->mean[j];
            sum += deviation;
            sum_squares += deviation * deviation;
        }
        double variance = (sum_squares - sum * sum / n) / n;
        if (variance < 0.0)
            variance = 0.0;

        double mean_error = n * fabs(out->mean[j]) * DBL_EPSILON;
        bool constant = variance <= n * DBL_EPSILON * variance + mean_error * mean_error;
        out->scale[j] = constant ? 1.0 : sqrt(variance);
    }
    return LNL_OK;
}

lnl_status lnl_standardizer_identity(size_t n_features, lnl_standardizer *out, lnl_error *err)
{
    if (out == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "out is NULL");
    if (standardizer_alloc(n_features, out) != LNL_OK)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "out of memory creating a standardizer for %zu features",
                             n_features);
    for (size_t j = 0; j < n_features; j++)
        out->scale[j] = 1.0;
    return LNL_OK;
}

void lnl_standardizer_destroy(lnl_standardizer *standardizer)
{
    if (standardizer == NULL)
        return;
    free(standardizer->mean);
    free(standardizer->scale);
    memset(standardizer, 0, sizeof *standardizer);
}
