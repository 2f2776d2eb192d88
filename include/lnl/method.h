/* Training procedures: given the training rows, their (noisy) labels and a
 * method spec, fit a linear model and report the run's metrics.
 *
 * Sample selection and reweighting work through row lists and weights,
 * never through copies of X.
 */
#ifndef LNL_METHOD_H
#define LNL_METHOD_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/config.h"
#include "lnl/dataset.h"
#include "lnl/error.h"
#include "lnl/linear.h"
#include "lnl/optim.h"
#include "lnl/rng.h"
#include "lnl/split.h"

typedef struct lnl_fit_input {
    const lnl_dataset *data;
    const size_t *rows;                    /* training rows */
    size_t n_rows;
    const int *labels;                     /* labels[i] of rows[i], noisy or clean */
    const int *clean_labels;               /* the clean labels, for diagnostics only */
    size_t n_classes;
    const lnl_standardizer *standardizer;
    const double *true_transition;         /* K x K, the noise model's T; may be NULL */
    lnl_rng *rng;                          /* the model's own stream */
    /* Threads of each objective evaluation of the main fit, 0 or 1 for
     * one. The fit is the same bit for bit for every value. */
    int threads;
} lnl_fit_input;

typedef struct lnl_fit_output {
    lnl_linear_shape shape;
    double *theta;               /* lnl_linear_n_params(&shape) parameters */
    lnl_optim_result optim;      /* the fit as a whole; see lnl_method_fit */
    bool has_initial;            /* init = ce ran */
    lnl_optim_result initial;    /* init = ce: the cross-entropy fit the main fit starts from */
    /* Losses that read T (forward, backward, unbiased): the K x K matrix
     * used, and its errors against input->true_transition (max absolute
     * entry and Frobenius norm). transition is NULL and the errors NaN
     * when the loss reads no T; the errors are NaN without a true T. */
    double *transition;
    double transition_error_max;
    double transition_error_frobenius;
    /* The training samples the final model was fitted on, against
     * input->clean_labels: n_kept samples, label_precision the fraction of
     * them whose label equals the clean label, label_recall the fraction of
     * the clean-labelled samples that were kept (NaN without clean labels or
     * without a clean-labelled sample). A method without a filter keeps every
     * sample; include/lnl/select.h describes what the filters keep. forget_rate
     * is the fraction that filter = small_loss or coteaching drops (at the
     * end of the schedule), NaN for the other methods. */
    size_t n_kept;
    double label_precision;
    double label_recall;
    double forget_rate;
} lnl_fit_output;

/* Fits the model that spec describes: the loss spec->loss with its
 * parameters (the given ones from spec, the others from
 * lnl_loss_defaults), minimizing f of lnl_linear_objective.
 *
 * spec->init = ce first fits cross entropy with L-BFGS (same C, labels,
 * model, max_iter and tol) and starts the main fit there; zero starts from
 * all-zero parameters. spec->optimizer picks the main fit's optimizer:
 * "lbfgs", or "sgd" and "adam" (lnl_sgd with spec's epochs, batch_size, lr,
 * momentum and weight_decay, the intercepts exempt from weight decay,
 * samples shuffled with input->rng). SGD and Adam minimize
 * f / (C n_rows), whose batch estimate is the mean loss of the batch plus
 * ||W||^2 / (2 C n_rows), so lr does not depend on the data size;
 * output->optim.f and gradient_norm are scaled back to f.
 *
 * output->optim.converged is true only when every stage met its gradient
 * tolerance, and reason names the stage that did not ("ce start: ...").
 * iterations and evaluations count the main fit; output->initial has the
 * cross-entropy stage. A fit that does not converge is not an error. A
 * non-finite objective, or an SGD or Adam step that makes one, is
 * LNL_ERR_NUMERIC and leaves no parameters; invalid loss parameters or
 * options are LNL_ERR_ARGUMENT.
 *
 * A spec->filter other than none hands the fit to lnl_select_fit
 * (include/lnl/select.h), which trains on the samples it selects. */
lnl_status lnl_method_fit(const lnl_method_spec *spec, const lnl_fit_input *input,
                          lnl_fit_output *output, lnl_error *err);

/* lnl_method_fit with sample weights: weights[i] > 0 multiplies the loss
 * of input->rows[i] (NULL means all 1). spec->filter must be none, because
 * the filters choose their own samples. */
lnl_status lnl_method_fit_weighted(const lnl_method_spec *spec, const lnl_fit_input *input,
                                   const double *weights, lnl_fit_output *output,
                                   lnl_error *err);

void lnl_fit_output_destroy(lnl_fit_output *output);

/* Chooses the model shape for a method and K classes: binary for K = 2
 * unless the spec requests softmax. */
lnl_status lnl_method_shape(const lnl_method_spec *spec, size_t n_features, size_t n_classes,
                            lnl_linear_shape *shape, lnl_error *err);

/* Sets up the loss of spec for K = n_classes: the registry entry, its
 * defaults, then the parameters that spec gives, checked. T and T_inverse
 * stay NULL. Returns LNL_ERR_ARGUMENT for an unknown loss or an invalid
 * parameter. */
lnl_status lnl_method_loss(const lnl_method_spec *spec, size_t n_classes, lnl_loss *loss,
                           lnl_error *err);

/* Fills the options of lnl_sgd from spec (epochs, batch_size, lr,
 * momentum, weight_decay, tol; the rule from spec->optimizer), with weight
 * decay on the n_logits x d weights of shape and not on the intercepts. */
void lnl_method_sgd_options(const lnl_method_spec *spec, const lnl_linear_shape *shape,
                            lnl_sgd_options *options);

#endif
