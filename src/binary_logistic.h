/* The binary cross-entropy objective over one block of rows in a single
 * read of the block: logits, losses and the gradient contribution.
 *
 * This is the path lnl_linear_objective takes for the binary model with
 * the plain cross-entropy loss, the model of most sweeps. The generic path
 * (BLAS products around a loss callback) stays the path of every other
 * loss and of the softmax model, and lnl_linear_objective_reference stays
 * the two-pass oracle that tests compare both against.
 */
#ifndef LNL_BINARY_LOGISTIC_H
#define LNL_BINARY_LOGISTIC_H

#include <stddef.h>

/* One block of n rows of d features.
 *
 * Row i is X + rows[i] * d, or X + i * d when rows is NULL. When mean is
 * not NULL the model reads the standardized row (x - mean) * inverse_scale
 * (d entries each), computed where it is used and never stored. labels
 * contains the n labels in {0, 1}. Row i carries the weight
 * C * sample_weights[i], or C when sample_weights is NULL. */
typedef struct lnl_binary_block {
    size_t n, d;
    const double *X;
    const size_t *rows;
    const double *mean;
    const double *inverse_scale;
    const int *labels;
    double C;
    const double *sample_weights;
} lnl_binary_block;

/* Returns the weighted loss of one block and adds its gradient.
 *
 * The model is z_i = w . x_i + b, and the loss of row i is
 * log(1 + exp(z_i)) - y_i z_i, computed as
 * log1p(exp(-|z_i|)) + max(z_i, 0) - y_i z_i.
 *
 * Returns sum_i weight_i * loss_i, a value that is not finite when some
 * logit is not. When gradient_w is not NULL, adds
 * sum_i weight_i (sigmoid(z_i) - y_i) x_i to gradient_w (d entries) and,
 * when gradient_b is not NULL, the same sum without x_i to *gradient_b.
 * scratch has room for 3 n doubles.
 *
 * The arithmetic is fixed by the source: the result is the same bit for
 * bit whichever vector instructions the running CPU offers. */
double lnl_binary_ce_block(const lnl_binary_block *block, const double *w, double b,
                           double *gradient_w, double *gradient_b, double *scratch);

#endif
