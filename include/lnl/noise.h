/* Label noise: noise models, their transition matrices, corrupting labels
 * and measuring the noise that was realised.
 *
 * A transition matrix T is K x K row-major with T[i][j] = P(noisy = j |
 * clean = i); rows are clean classes and sum to 1. Noise is applied to
 * training labels only: the caller passes the clean labels of the training
 * rows and receives a separate array of noisy labels. Which labels to
 * corrupt is always decided from the clean labels, never by flipping in
 * place one class after another.
 */
#ifndef LNL_NOISE_H
#define LNL_NOISE_H

#include <stddef.h>

#include "lnl/config.h"
#include "lnl/error.h"
#include "lnl/rng.h"

typedef struct lnl_noise_model {
    lnl_noise_type type;
    lnl_noise_sampling sampling;
    size_t n_classes;       /* K >= 2 */
    double rate;            /* symmetric and pair: the flip probability in [0, 1] */
    const double *matrix;   /* matrix noise: K x K, row-stochastic; else NULL */
} lnl_noise_model;

/* Writes the K x K transition matrix that the model implies:
 *  symmetric: T[i][i] = 1 - rate, T[i][j] = rate / (K - 1) for j != i;
 *  pair:      T[i][i] = 1 - rate, T[i][(i + 1) mod K] = rate;
 *  matrix:    a copy of the given matrix.
 * Rejects rates outside [0, 1] and matrices with a negative entry or a row
 * whose sum differs from 1 by more than 1e-9 (LNL_ERR_ARGUMENT). */
lnl_status lnl_noise_transition(const lnl_noise_model *model, double *T, lnl_error *err);

/* Corrupts labels: reads clean[0..n), writes noisy[0..n).
 *
 * Exact sampling:
 *  symmetric: m = floor(rate * n) positions are the first m of a random
 *    permutation of 0..n-1 (numpy's choice(n, m, replace=False)); each gets a
 *    class drawn uniformly from the other K - 1 (no draw when K = 2).
 *  pair and matrix: per clean class c with n_c samples, the samples are
 *    split over the noisy classes in proportion to row c of T, and the counts
 *    are rounded by the largest-remainder method, so they sum to n_c and a
 *    small cell gets a sample whenever its remainder ranks high enough
 *    instead of always being rounded down to zero (ties go to the lower
 *    class index). The samples of class c are permuted and assigned to the
 *    noisy classes in that order.
 * Bernoulli sampling: each label independently draws its noisy class from
 * row clean[i] of T.
 */
lnl_status lnl_noise_apply(const lnl_noise_model *model, const int *clean, size_t n,
                           lnl_rng *rng, int *noisy, lnl_error *err);

/* Counts confusion[i * K + j] = #{s : clean[s] = i, noisy[s] = j}. */
void lnl_noise_confusion(const int *clean, const int *noisy, size_t n, size_t n_classes,
                         size_t *confusion);

/* Fraction of positions where noisy differs from clean (0 when n = 0). */
double lnl_noise_realized_rate(const int *clean, const int *noisy, size_t n);

#endif
