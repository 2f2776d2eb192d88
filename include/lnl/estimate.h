/* Estimating the transition matrix T from noisy labels alone.
 *
 * T is K x K row-major with T[i][j] = P(noisy = j | clean = i): rows are
 * clean classes, as in include/lnl/noise.h. Both estimators first fit
 * cross-entropy logistic regression to the noisy labels, so its predicted
 * probabilities estimate p(noisy | x), and then read T off them:
 *
 *  - Anchor points (Patrini et al., "Making deep neural networks robust to
 *    label noise: a loss correction approach", CVPR 2017). A sample x whose
 *    clean class is i with certainty has p(noisy = j | x) = T[i][j], so row
 *    i of T is the predicted probability vector of the sample most likely
 *    to be of class i. The fit chooses C on a held-out part of the training
 *    rows, is refitted on all of them, and predicts every training row.
 *    Taking a high percentile instead of the maximum of p(noisy = i | x)
 *    skips outliers (the authors use the 97th).
 *
 *  - Confident learning (Northcutt, Jiang and Chuang, "Confident learning:
 *    estimating uncertainty in dataset labels", JAIR 2021). Out-of-sample
 *    probabilities come from k-fold cross-validation. The threshold of
 *    class j is the mean predicted probability of j over the samples
 *    labelled j. A sample counts in the confident joint C[noisy][clean] at
 *    (its label, the most probable class among those whose probability
 *    reaches their threshold), and not at all when no class reaches it.
 *    Each row of C is scaled to the number of samples with that noisy
 *    label and the whole to a sum of 1, which gives Q[noisy][clean], an
 *    estimate of the joint distribution. Then prior[j] = sum_i Q[i][j] and
 *    T[j][i] = Q[i][j] / prior[j]. Note the orientation: the confident
 *    joint and Q have noisy labels as rows, T has clean classes as rows.
 *
 * The building blocks (stratified folds, out-of-sample probabilities, the
 * estimators on a given probability matrix) are public so that other
 * methods, such as sample selection by the confident joint, can reuse them.
 */
#ifndef LNL_ESTIMATE_H
#define LNL_ESTIMATE_H

#include <stddef.h>

#include "lnl/dataset.h"
#include "lnl/error.h"
#include "lnl/linear.h"
#include "lnl/rng.h"
#include "lnl/split.h"

/* The noisy training set and the model the estimators fit to it: cross
 * entropy with the given shape and L2 strength, minimized by L-BFGS. */
typedef struct lnl_estimate_problem {
    lnl_linear_shape shape;
    const lnl_dataset *data;
    const size_t *rows;                    /* n_rows training rows */
    size_t n_rows;
    const int *labels;                     /* noisy labels[i] of rows[i], in [0, K) */
    const lnl_standardizer *standardizer;  /* NULL = raw features */
    double C;                              /* inverse regularization strength, > 0 */
    int max_iter;                          /* L-BFGS iterations, >= 1 */
    double tol;                            /* L-BFGS relative gradient tolerance, > 0 */
} lnl_estimate_problem;

/* Assigns each of n samples to one of n_folds folds, stratified by label.
 * The positions of each class, in increasing order, are shuffled with one
 * lnl_rng_shuffle per class, classes in increasing order. Then the classes
 * are laid end to end and position t of that sequence goes to fold
 * t mod n_folds.
 * Every fold thus gets floor or ceil of n_c / n_folds samples of each class c
 * and fold sizes differ by at most one. Returns LNL_ERR_ARGUMENT for
 * n_folds < 2, n < n_folds or a label outside [0, K), LNL_ERR_NOMEM when
 * the class index cannot be allocated. */
lnl_status lnl_stratified_folds(size_t n, const int *labels, size_t n_classes, size_t n_folds,
                                lnl_rng *rng, size_t *fold, lnl_error *err);

/* Out-of-sample probabilities by k-fold cross-validation: for each fold of
 * lnl_stratified_folds(problem->labels), fits the problem's model on the
 * other folds and writes the predicted probabilities of the fold's rows
 * into P (n_rows x K, row i for problem->rows[i]). A fit that does not
 * converge within max_iter is used as it is. */
lnl_status lnl_estimate_cross_val_proba(const lnl_estimate_problem *problem, size_t n_folds,
                                        lnl_rng *rng, double *P, lnl_error *err);

/* The anchor-point estimator on given probabilities P (n x K, rows sum to
 * 1). For each class i, the anchor is the sample at rank
 * ceil(percentile / 100 * (n - 1)) (0-based) when the samples are sorted
 * by increasing P[.][i], which is numpy's percentile with method "higher";
 * 100 picks the maximum. Among samples of equal probability the higher
 * ranks go to the lower sample indices, so the maximum is the first sample
 * that reaches it. Row i of T is the anchor's probability vector divided
 * by its sum. anchors (may be NULL) receives the K sample indices. Returns
 * LNL_ERR_ARGUMENT for n = 0, K < 2, a percentile outside [0, 100] or an
 * entry of P that is negative or not finite, and LNL_ERR_NUMERIC when an
 * anchor's vector sums to 0. */
lnl_status lnl_anchor_transition(size_t n, size_t n_classes, const double *P, double percentile,
                                 double *T, size_t *anchors, lnl_error *err);

typedef struct lnl_anchor_options {
    double percentile;         /* in [0, 100]; default 97 */
    double holdout;            /* fraction of the rows held out to choose C, in (0, 1); default 0.2 */
    const double *C_factors;   /* candidates C = problem->C * factor; default 0.01, 0.1, 1, 10, 100 */
    size_t n_C_factors;
} lnl_anchor_options;

void lnl_anchor_defaults(lnl_anchor_options *options);

/* The anchor-point estimator end to end. It holds out round(holdout * n_c)
 * rows of each noisy class c, chosen by one lnl_rng_shuffle per class in
 * class order. It fits the model on the rest for every candidate C and
 * keeps the C with the lowest mean cross entropy of the held-out noisy
 * labels, the first on ties. Then refits with that C on all rows, predicts
 * every row and applies lnl_anchor_transition. Writes T (K x K) and, when
 * not NULL, the chosen C. Returns LNL_ERR_ARGUMENT for invalid options or
 * when the holdout or the rest would be empty. */
lnl_status lnl_estimate_anchor(const lnl_estimate_problem *problem,
                               const lnl_anchor_options *options, lnl_rng *rng, double *T,
                               double *chosen_C, lnl_error *err);

/* The confident joint and what confident learning derives from it. */
typedef struct lnl_confident_joint {
    size_t n_classes;       /* K */
    size_t n_samples;       /* n */
    double *thresholds;     /* K: mean P[.][j] over the samples labelled j; +inf when none */
    size_t *counts;         /* K x K: C[noisy i][clean j], the confident joint */
    double *joint;          /* K x K: Q[noisy i][clean j], calibrated, sums to 1 */
    double *prior;          /* K: estimated P(clean = j) = sum_i Q[i][j] */
    double *transition;     /* K x K: T[clean j][noisy i] = Q[i][j] / prior[j] */
    double noise_rate;      /* estimated P(noisy != clean) = 1 - sum_j Q[j][j] */
    int *confident_class;   /* n: the clean class a sample was counted under, -1 when none */
} lnl_confident_joint;

/* Computes the confident joint of n samples with probabilities P (n x K)
 * and noisy labels, and everything derived from it, into a new *out (free
 * with lnl_confident_joint_destroy). Two cases need a rule of their own. A
 * noisy class none of whose samples is counted keeps its samples on the
 * diagonal of Q, as if they were correct. (The most confident sample of a
 * class reaches the class mean, so this happens only when rounding puts
 * the mean above equal values.) A clean class with prior 0 gets the
 * identity row in T. Returns LNL_ERR_ARGUMENT for n = 0, K < 2, a label
 * outside [0, K) or an entry of P that is not finite, LNL_ERR_NOMEM when
 * an allocation fails. On failure *out owns no memory. */
lnl_status lnl_confident_joint_compute(size_t n, size_t n_classes, const double *P,
                                       const int *labels, lnl_confident_joint *out,
                                       lnl_error *err);

/* Frees the arrays; NULL and a zeroed struct are allowed. */
void lnl_confident_joint_destroy(lnl_confident_joint *joint);

/* Confident learning end to end: lnl_estimate_cross_val_proba with
 * n_folds folds, then lnl_confident_joint_compute on the problem's labels.
 * When P is not NULL it receives the out-of-sample probabilities (n_rows x
 * K). */
lnl_status lnl_estimate_confident(const lnl_estimate_problem *problem, size_t n_folds,
                                  lnl_rng *rng, lnl_confident_joint *out, double *P,
                                  lnl_error *err);

#endif
