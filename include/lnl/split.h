/* Train/test split and standardization.
 *
 * A split is two index arrays into the rows of a data set; no row is copied.
 * Standardization statistics are fit on the training rows only and applied
 * on the fly wherever rows are read.
 */
#ifndef LNL_SPLIT_H
#define LNL_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/dataset.h"
#include "lnl/error.h"
#include "lnl/rng.h"

typedef struct lnl_split {
    size_t n_train;
    size_t n_test;
    size_t *train;  /* n_train row indices */
    size_t *test;   /* n_test row indices */
} lnl_split;

/* Splits rows 0..n_rows-1. test_size < 1 is a fraction (n_test =
 * ceil(test_size * n_rows) and n_train = n_rows - n_test, as scikit-learn's
 * ShuffleSplit does when train_size is not given), test_size >= 1 a count. Without
 * stratification the test rows are the first n_test of a permutation and
 * the training rows the next n_train, which reproduces train_test_split for
 * a numpy stream. With stratification (needs labels) every class gets its
 * share of the test set by the largest-remainder method (ties to the lower
 * class index), capped so that every class keeps a training row; rows are
 * drawn from one permutation per class and both lists are sorted by row
 * index. At most 2^32 rows. */
lnl_status lnl_split_create(size_t n_rows, double test_size, const int *labels,
                            size_t n_classes, bool stratify, lnl_rng *rng,
                            lnl_split *out, lnl_error *err);

void lnl_split_destroy(lnl_split *split);

/* Per-feature mean and scale of the training rows; scale is the population
 * standard deviation as in scikit-learn's StandardScaler, with 1 where the
 * feature is constant up to rounding (scikit-learn's bound), so that
 * constant features become 0 instead of NaN. */
typedef struct lnl_standardizer {
    size_t n_features;
    double *mean;
    double *scale;
} lnl_standardizer;

/* Fits the statistics on data rows rows[0..n_rows). */
lnl_status lnl_standardizer_fit(const lnl_dataset *data, const size_t *rows, size_t n_rows,
                                lnl_standardizer *out, lnl_error *err);

/* Sets mean 0 and scale 1 (standardization off). */
lnl_status lnl_standardizer_identity(size_t n_features, lnl_standardizer *out, lnl_error *err);

void lnl_standardizer_destroy(lnl_standardizer *standardizer);

#endif
