/* Sample selection: methods that train only on the training samples they
 * judge to be correctly labelled. lnl_method_fit hands every method with a
 * filter other than none to lnl_select_fit.
 *
 * filter = small_loss, schedule = none (filter, then retrain): fit the
 * method on every sample, drop the forget_rate fraction with the largest
 * loss under that model, and fit again on the rest. Each further round
 * ranks all training samples again under the latest model, so every round
 * keeps the same number of samples but may keep other ones. per_class
 * drops the fraction within each noisy class.
 *
 * filter = small_loss, schedule = gradual (Han et al., "Co-teaching: robust
 * training of deep neural networks with extremely noisy labels", NeurIPS
 * 2018, single-model form): mini-batch SGD or Adam in which each batch
 * keeps its samples with the smallest loss and steps on their mean loss.
 * The batches of lnl_sgd's epoch e = 1, 2, ... drop the fraction
 * R(t) = forget_rate * min((t / T_k)^c, 1) with t = e - 1 completed epochs,
 * T_k = num_gradual and c = exponent (lnl_select_schedule_rate). So the
 * first epoch keeps every sample and epoch T_k + 1 and later drop the full
 * forget_rate.
 *
 * filter = coteaching (Han et al. 2018): two models with different random
 * starts and different batch orders, trained at once. The batch of each
 * model is ranked by the other model, and each model steps on the
 * small-loss samples that the other one kept, with the same schedule. The
 * first model is the one the method returns. The single-model form above
 * uses the same start and the same batch order as co-teaching's first
 * model, so the two differ only in who chooses the samples.
 *
 * filter = confident (Northcutt, Jiang and Chuang, "Confident learning:
 * estimating uncertainty in dataset labels", JAIR 2021, pruning by noise
 * rate): out-of-sample probabilities by stratified k-fold cross-validation
 * and the confident joint (include/lnl/estimate.h), then
 * lnl_select_confident_prune flags samples, and the method is fitted on the
 * others, with reweight = true weighting noisy class k by 1 / T[k][k]. The
 * folds come from a stream seeded (LNL_RNG_DEFAULT) by the 64-bit FNV-1a
 * hash of the bytes of n_rows, of the rows and of the labels, as for
 * transition = confident. So every method of a cell gets the same folds,
 * and the joint is the one that transition = confident estimates.
 *
 * Shared rules:
 *  - Ranking. A sample's loss for selection is the cross entropy
 *    -log p_y(x) of its training label under the model, whatever loss the
 *    method trains with. ce, mae, rce and gce are decreasing functions of
 *    p_y, so for them this is also the order of the training loss.
 *  - Ties. Among equal losses the sample with the lower index is kept.
 *  - Counts. A fraction r of n samples drops floor(r n + 1e-9) of them
 *    (lnl_select_drop_count), and always keeps at least one.
 *  - forget_rate = auto takes the noise rate that lnl_select_noise_rate
 *    computes from the T of the method's transition key, found as for the
 *    corrected losses (known, a file, or estimated on every training
 *    sample), once before any fit.
 *  - Selection works through lists of row indices and sample weights; X
 *    is never copied.
 */
#ifndef LNL_SELECT_H
#define LNL_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/config.h"
#include "lnl/dataset.h"
#include "lnl/error.h"
#include "lnl/estimate.h"
#include "lnl/linear.h"
#include "lnl/method.h"
#include "lnl/split.h"

/* Number of samples that forget_rate drops from n: floor(forget_rate * n
 * + 1e-9), at most n - 1 so that one sample remains; 0 for n = 0. The
 * 1e-9 keeps a product such as 0.3 * 10 = 2.9999999999999996 at 3. */
size_t lnl_select_drop_count(size_t n, double forget_rate);

/* The gradual schedule's forget rate after `epoch` completed epochs:
 * forget_rate * min((epoch / num_gradual)^exponent, 1), and 0 for epoch
 * <= 0. num_gradual >= 1 and exponent > 0. */
double lnl_select_schedule_rate(int epoch, double forget_rate, int num_gradual,
                                double exponent);

/* The small-loss filter over n samples: writes into kept the indices of
 * the n - lnl_select_drop_count(n, forget_rate) samples with the smallest
 * losses, in increasing index order, and their count into *n_kept. Among
 * equal losses the lower index is kept. kept has room for n entries.
 * Returns LNL_ERR_ARGUMENT for a forget_rate outside [0, 1] or a loss that
 * is NaN, and LNL_ERR_NOMEM. */
lnl_status lnl_select_small_loss(size_t n, const double *losses, double forget_rate,
                                 size_t *kept, size_t *n_kept, lnl_error *err);

/* The same filter within each class: class c of labels (in [0, K)) drops
 * lnl_select_drop_count(n_c, forget_rate) of its n_c samples, so every
 * class that has samples keeps at least one. kept is in increasing index
 * order. Also LNL_ERR_ARGUMENT for a label outside [0, K). */
lnl_status lnl_select_small_loss_per_class(size_t n, const double *losses, const int *labels,
                                           size_t n_classes, double forget_rate, size_t *kept,
                                           size_t *n_kept, lnl_error *err);

/* Writes the cross entropy -log p_y of each of n_rows rows under the model
 * theta into losses (n_rows), with p = softmax of the logits and y =
 * labels[i] in [0, K). Returns LNL_ERR_NUMERIC when a loss is not finite. */
lnl_status lnl_select_cross_entropy(const lnl_linear_shape *shape, const double *theta,
                                    const lnl_dataset *data, const size_t *rows, size_t n_rows,
                                    const int *labels, const lnl_standardizer *standardizer,
                                    double *losses, lnl_error *err);

/* How clean a selection is. */
typedef struct lnl_label_metrics {
    size_t n_kept;
    double precision;  /* kept samples whose label equals the clean label, over n_kept */
    double recall;     /* kept samples with a clean label, over all samples with one */
} lnl_label_metrics;

/* Measures the selection kept[0..n_kept) (indices into 0..n-1; NULL keeps
 * all n samples and n_kept is ignored) of samples with training labels
 * `labels` against clean_labels. precision is NaN when nothing is kept or
 * clean_labels is NULL, recall when no sample has its clean label or
 * clean_labels is NULL. */
void lnl_select_label_metrics(size_t n, const int *labels, const int *clean_labels,
                              const size_t *kept, size_t n_kept, lnl_label_metrics *out);

/* Confident learning's pruning by noise rate. For every noisy class i and
 * every other class j, m_ij = round(n * Q[i][j]) samples labelled i are
 * flagged: those with the largest margin P[s][j] - P[s][i], where Q is
 * joint->joint (rows noisy, columns clean) and n = joint->n_samples. A
 * sample counted for several j is flagged once. When the m_ij of class i
 * sum to more than n_i - 1, each is scaled by (n_i - 1) / sum and rounded
 * down, so every noisy class keeps at least one sample. Among equal margins
 * the lower index stays unflagged. Writes flagged[s] (n entries) and the
 * number flagged into *n_flagged. P is n x K, labels and joint as given to
 * lnl_confident_joint_compute. Returns LNL_ERR_ARGUMENT when the sizes
 * disagree or a label is outside [0, K), and LNL_ERR_NOMEM. */
lnl_status lnl_select_confident_prune(size_t n, size_t n_classes, const double *P,
                                      const int *labels, const lnl_confident_joint *joint,
                                      bool *flagged, size_t *n_flagged, lnl_error *err);

/* Estimates the fraction of noisy labels, P(noisy != clean) =
 * sum_i prior[i] (1 - T[i][i]), from a K x K transition matrix T (rows
 * clean, as in include/lnl/transition.h) and the n noisy labels. The clean
 * prior solves prior^T T = q^T, where q is the frequency of each noisy
 * label; negative entries are set to 0 and the prior renormalized. When T
 * is singular or its reciprocal condition number is below
 * LNL_TRANSITION_MIN_RCOND, q itself serves as the prior. Returns
 * LNL_ERR_ARGUMENT for n = 0, K < 2, a label outside [0, K) or an entry of
 * T outside [0, 1], and LNL_ERR_NOMEM. */
lnl_status lnl_select_noise_rate(size_t n_classes, const double *T, size_t n, const int *labels,
                                 double *rate, lnl_error *err);

/* The mini-batch training of schedule = gradual and of coteaching. */
typedef struct lnl_schedule_options {
    double forget_rate;  /* tau in [0, 1] */
    int num_gradual;     /* T_k >= 1 */
    double exponent;     /* c > 0 */
    bool coteaching;     /* false: one model that ranks its own batches */
    /* For tests of co-teaching: the second model starts where the first
     * does, and uses the first model's batch order. With both set, each
     * model ranks exactly what the other would, so co-teaching reproduces
     * the single model. */
    bool same_start;
    bool same_order;
    /* When not NULL and coteaching is set, receives the second model's
     * final parameters (lnl_linear_n_params of the method's shape). */
    double *second_theta;
} lnl_schedule_options;

/* Fills options from spec's forget_rate, num_gradual and exponent, and
 * sets coteaching for filter = coteaching. forget_rate = auto leaves
 * forget_rate to the caller. */
void lnl_schedule_options_from_spec(const lnl_method_spec *spec, lnl_schedule_options *options);

/* Trains spec's model (its loss, C, and optimizer sgd or adam with its
 * options) by the gradual schedule, with one model or two. Each model
 * starts from weights drawn from N(0, 0.01^2) with zero intercepts. The
 * draws come from input->rng after one 64-bit draw that seeds the second
 * model's stream, which gives the second model's start and a permutation
 * that maps the first model's batch order to its own. lnl_sgd then
 * shuffles with input->rng.
 *
 * The full objective that lnl_sgd tests for convergence and reports is,
 * for each model, the mean training loss over the samples that are kept
 * from all training rows at the current R(t), ranked as for a batch, plus
 * ||W||^2 / (2 C n); the two models' objectives are summed. Its gradient
 * test can therefore stop a run before R(t) reaches forget_rate.
 * output->optim.f and gradient_norm are the first model's part, scaled
 * back to the f of lnl_method_fit, and the label metrics describe the
 * samples kept for the first model at the last evaluation. Returns
 * LNL_ERR_ARGUMENT for an optimizer other than sgd or adam, init = ce, or
 * invalid options, and the errors of lnl_method_fit. */
lnl_status lnl_select_schedule_fit(const lnl_method_spec *spec, const lnl_fit_input *input,
                                   const lnl_schedule_options *options,
                                   lnl_fit_output *output, lnl_error *err);

/* Fits spec with its filter, as described at the top of this file, and
 * fills output as lnl_method_fit does, with the label metrics of the
 * samples the final model was trained on and the forget rate used. For
 * schedule = none, output->optim has the last fit's iterations; converged
 * is false when any fit did not converge, with the round in the reason.
 * Returns LNL_ERR_ARGUMENT for filter = none or options that do not fit
 * the filter, and the errors of lnl_method_fit and of the estimators. */
lnl_status lnl_select_fit(const lnl_method_spec *spec, const lnl_fit_input *input,
                          lnl_fit_output *output, lnl_error *err);

#endif
