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
#include "lnl/dataset.h"
#include "lnl/error.h"
#include "lnl/rng.h"

typedef struct lnl_noise_model {
    lnl_noise_type type;
    lnl_noise_sampling sampling;
    size_t n_classes;       /* K >= 2 */
    double rate;            /* symmetric, pair, asymmetric: the flip probability in [0, 1] */
    const double *matrix;   /* matrix noise: K x K, row-stochastic; else NULL */
    double rate_positive;   /* class_conditional: rho_pos = P(noisy = negative | clean = positive) */
    double rate_negative;   /* class_conditional: rho_neg = P(noisy = positive | clean = negative) */
    size_t positive;        /* class_conditional: the positive class, 0 or 1 */
    const int *mapping;     /* asymmetric: K entries, the target class of c or -1; else NULL */
} lnl_noise_model;

/* Writes the K x K transition matrix that the model implies into T:
 *  symmetric: T[i][i] = 1 - rate, T[i][j] = rate / (K - 1) for j != i;
 *  pair:      T[i][i] = 1 - rate, T[i][(i + 1) mod K] = rate;
 *  matrix:    a copy of the given matrix;
 *  class_conditional (K = 2, p the positive class, n the other):
 *             T[p][p] = 1 - rho_pos, T[p][n] = rho_pos,
 *             T[n][n] = 1 - rho_neg, T[n][p] = rho_neg
 *             (the noise model of Natarajan et al., NeurIPS 2013);
 *  asymmetric: T[i][i] = 1 - rate, T[i][mapping[i]] = rate for a mapped
 *             class i, and T[i][i] = 1 for the others.
 * Returns LNL_ERR_ARGUMENT, with a message naming the value or the matrix
 * row, for K < 2 (or above INT_MAX), a rate outside [0, 1] or NaN
 * (symmetric, pair and asymmetric; the others ignore the rate), a NULL
 * matrix, a matrix entry that is negative or NaN, a row whose sum differs
 * from 1 by more than 1e-9, class_conditional noise with K != 2, a flip
 * rate outside [0, 1] or a positive class other than 0 and 1, an
 * asymmetric mapping that is NULL or maps a class to itself or outside
 * [0, K), an unknown type or sampling, or a NULL T. */
lnl_status lnl_noise_transition(const lnl_noise_model *model, double *T, lnl_error *err);

/* Corrupts labels: reads clean[0..n) and writes noisy[0..n). clean is never
 * modified, and noisy must be a different array. The draws from rng follow
 * the fixed order given below, so the same model, labels and stream state
 * always give the same noisy labels.
 *
 * Exact sampling:
 *  symmetric: m = floor(n * rate), with the product taken in double precision
 *    and no tolerance, as Python's int(n * rate) (n = 100 and rate = 0.29
 *    give 28). The positions to corrupt are the first m entries of
 *    lnl_rng_permutation(n), which equals numpy's choice(n, m, replace=False).
 *    Then, in increasing position order, each chosen label gets a class drawn
 *    uniformly from the other K - 1 with one lnl_rng_below(K - 1) (no draw
 *    when K = 2, where the label just flips).
 *  pair, matrix, class_conditional and asymmetric: the number of corrupted
 *    labels is set per clean class, not as floor(rate * n). For each clean
 *    class c in increasing order, with n_c samples, the samples are split
 *    over the noisy classes in proportion
 *    to row c of T by the largest-remainder method. Class j first gets
 *    floor(n_c * T[c][j]), then the samples left over go one each to the
 *    classes with the largest fractional parts, compared after rounding to 9
 *    decimals, with ties going to the lower class index. Classes with
 *    T[c][j] = 0 never get one. The counts sum to n_c, and a small cell gets a sample whenever its remainder ranks
 *    high enough instead of always being rounded down to zero. Then the
 *    positions of class c, in increasing order, are shuffled with one
 *    lnl_rng_shuffle, as numpy's positions[permutation(n_c)]. The first
 *    count[0] of them get noisy class 0, the next count[1] class 1, and so
 *    on. Because ties go to the lower index, with pair noise a tie keeps the
 *    label of class c < K - 1 but flips the label of class K - 1 to 0.
 * Bernoulli sampling: in increasing position order, each label takes one
 * lnl_rng_uniform01 draw u and gets the smallest class j with
 * u < T[c][0] + ... + T[c][j], where c = clean[i] (the inverse CDF of row c).
 *
 * Returns LNL_ERR_ARGUMENT for an invalid model (as lnl_noise_transition),
 * NULL clean, noisy or rng when n > 0, noisy == clean, or a clean label
 * outside [0, K) (the message names its position), and LNL_ERR_NOMEM when an
 * allocation fails. On failure noisy and rng are left unchanged.
 */
lnl_status lnl_noise_apply(const lnl_noise_model *model, const int *clean, size_t n,
                           lnl_rng *rng, int *noisy, lnl_error *err);

/* Builds the model of setting rate_index of a config's noise section for
 * a data set. Every model gets type, sampling, K and rates[rate_index].
 * Matrix noise gets the section's matrix. class_conditional noise gets
 * pairs[rate_index] and the index of the positive class: the section's
 * `positive` name, or class 1 when it is empty. Asymmetric noise gets the
 * class indices of the mapping's names, written into mapping (K entries,
 * owned by the caller, which must keep it alive as long as the model). Returns LNL_ERR_CONFIG at
 * config_path and the section's line for a class name that the data set
 * does not have (the message lists its classes), class_conditional noise
 * on a data set without exactly 2 classes, a matrix of another order than
 * K, or rate_index >= n_rates; LNL_ERR_ARGUMENT for NULL arguments. */
lnl_status lnl_noise_model_from_spec(const lnl_noise_spec *spec, size_t rate_index,
                                     const lnl_dataset *data, const char *config_path,
                                     int *mapping, lnl_noise_model *model, lnl_error *err);

/* Writes the label of setting rate_index of a noise section, as runs.csv's
 * `setting` column and the report's column headers show it: "rho_pos/rho_neg"
 * (for example "0.3/0.1") for class_conditional noise, "" for the others,
 * whose rate alone names the setting. */
void lnl_noise_setting_label(const lnl_noise_spec *spec, size_t rate_index, char *out,
                             size_t size);

/* Counts confusion[i * K + j] = #{s : clean[s] = i, noisy[s] = j} into the
 * K x K array confusion, which it zeroes first. Pairs with a label outside
 * [0, K) are not counted. */
void lnl_noise_confusion(const int *clean, const int *noisy, size_t n, size_t n_classes,
                         size_t *confusion);

/* Fraction of positions where noisy differs from clean (0 when n = 0). */
double lnl_noise_realized_rate(const int *clean, const int *noisy, size_t n);

#endif
