/* make_classification: scikit-learn's synthetic classification generator.
 *
 * Follows sklearn.datasets.make_classification (scikit-learn 1.2) step by
 * step and draw by draw: clusters of normally distributed points around the
 * vertices of a hypercube in n_informative dimensions (side 2 * class_sep),
 * each cluster given a random linear map; redundant features as random linear
 * combinations of the informative ones; repeated copies; pure noise
 * features; a flip_y fraction of labels redrawn at random; shift and scale;
 * finally a shuffle of the rows and of the columns. With an LNL_RNG_NUMPY
 * stream seeded with s the labels equal make_classification(random_state=s)
 * exactly and the features to about 1e-13 relative (numpy sums its matrix
 * products through BLAS in another order).
 */
#ifndef LNL_GENERATE_H
#define LNL_GENERATE_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/dataset.h"
#include "lnl/error.h"
#include "lnl/rng.h"

enum { LNL_MAX_CLASSES = 1000 };

typedef struct lnl_make_classification_params {
    size_t n_samples;             /* 100 */
    size_t n_features;            /* 20 */
    size_t n_informative;         /* 2 */
    size_t n_redundant;           /* 2 */
    size_t n_repeated;            /* 0 */
    size_t n_classes;             /* 2 */
    size_t n_clusters_per_class;  /* 2 */
    size_t n_weights;             /* 0 = balanced; n_classes or n_classes - 1 */
    double weights[LNL_MAX_CLASSES];
    double flip_y;                /* 0.01 */
    double class_sep;             /* 1.0 */
    bool hypercube;               /* true */
    bool has_shift;               /* true; false draws shift at random, as shift=None */
    double shift;                 /* 0.0 */
    bool has_scale;               /* true; false draws scale at random, as scale=None */
    double scale;                 /* 1.0 */
    bool shuffle;                 /* true */
} lnl_make_classification_params;

/* Fills params with scikit-learn's defaults (listed beside each field). */
void lnl_make_classification_defaults(lnl_make_classification_params *params);

/* Checks the parameters as scikit-learn does (for example
 * n_informative + n_redundant + n_repeated <= n_features, and
 * n_classes * n_clusters_per_class <= 2^n_informative). Returns
 * LNL_ERR_ARGUMENT with a message naming the parameter. */
lnl_status lnl_make_classification_check(const lnl_make_classification_params *params,
                                         lnl_error *err);

/* Generates a data set; rng is the only source of randomness. */
lnl_status lnl_make_classification(const lnl_make_classification_params *params,
                                   lnl_rng *rng, lnl_dataset **out, lnl_error *err);

#endif
