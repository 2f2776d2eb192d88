/* Loss correction through the transition matrix T, private to the library.
 * This header declares the corrected losses of the registry and the step
 * of lnl_method_fit that finds the T a corrected loss uses (the noise
 * model's, a file's, or one estimated from the noisy labels) and inverts it.
 *
 * With T[i][j] = P(noisy = j | clean = i), p = softmax(z), ỹ the noisy
 * label and l(p) the vector of cross entropies l_k = -log p_k:
 *   forward   -log (T^T p)_ỹ = -log sum_k T[k][ỹ] p_k
 *             (Patrini et al., "Making deep neural networks robust to label
 *             noise: a loss correction approach", CVPR 2017);
 *   backward  (T^-1 l(p))_ỹ = sum_k T^-1[ỹ][k] l_k (Patrini et al. 2017). For
 *             every clean class c its expectation over the noisy label is
 *             sum_j T[c][j] (T^-1 l)_j = l_c, the clean loss;
 *   unbiased  for two classes, with rho_y = T[y][1 - y]:
 *             ((1 - rho_(1-ỹ)) l_ỹ - rho_ỹ l_(1-ỹ)) / (1 - rho_0 - rho_1)
 *             (Natarajan et al., "Learning with noisy labels", NeurIPS
 *             2013, Lemma 1). It is backward correction written out for
 *             K = 2, since T^-1 = [[1 - rho_1, -rho_0], [-rho_1, 1 - rho_0]]
 *             / (1 - rho_0 - rho_1); it reads T and never T^-1.
 * Because the rows of T, and so of T^-1, sum to 1, backward and unbiased are
 * logsumexp(z) minus a linear function of z: convex in z. Forward is not.
 */
#ifndef LNL_LOSS_CORRECTION_H
#define LNL_LOSS_CORRECTION_H

#include "lnl/loss.h"
#include "lnl/method.h"

lnl_status lnl_loss_forward_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                     const int *y, double *values, double *gradient,
                                     double *work);
lnl_status lnl_loss_backward_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                      const int *y, double *values, double *gradient,
                                      double *work);
lnl_status lnl_loss_unbiased_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                      const int *y, double *values, double *gradient,
                                      double *work);

/* The matrices that one corrected fit uses. */
typedef struct lnl_correction {
    size_t n_classes;
    double *T;          /* K x K, the matrix the loss reads */
    double *T_inverse;  /* K x K when the loss reads T^-1, else NULL */
    double rcond;       /* reciprocal condition number of T when inverted, else NaN */
    double error_max;   /* max |T - true T| over the entries; NaN without a true T */
    double error_frobenius;  /* ||T - true T||_F; NaN without a true T */
} lnl_correction;

/* Finds T for spec->transition: the noise model's T (input->true_transition),
 * a matrix file, or an estimate from input's rows and noisy labels (anchor
 * points or confident learning, include/lnl/estimate.h), fitted with the
 * model shape and spec's C, max_iter and tol. The estimators' folds and
 * holdout are drawn from a stream seeded by a hash of input's rows and
 * labels, not from input->rng, so methods that share the training set and
 * the estimator share the estimate. Then checks T: every row
 * stochastic; for the losses that read T^-1 an LU inverse whose reciprocal
 * condition number is at least LNL_TRANSITION_MIN_RCOND; for unbiased
 * K = 2 and rho_0 + rho_1 < 1; for forward, a positive entry in the column
 * of every noisy label that occurs. Errors are LNL_ERR_ARGUMENT for a
 * missing T or a failed check (the message names the method), LNL_ERR_NUMERIC
 * for a singular or badly conditioned T, and the reader's or estimator's
 * errors. On failure *out owns no memory. */
lnl_status lnl_correction_prepare(const lnl_method_spec *spec, const lnl_loss_info *info,
                                  const lnl_fit_input *input, const lnl_linear_shape *shape,
                                  lnl_correction *out, lnl_error *err);

/* Frees the matrices; NULL and a zeroed struct are allowed. */
void lnl_correction_destroy(lnl_correction *correction);

#endif
