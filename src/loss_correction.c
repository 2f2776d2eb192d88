#include "loss_correction.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/estimate.h"
#include "lnl/log.h"
#include "lnl/transition.h"

/* Returns LNL_ERR_NUMERIC when a value or a gradient entry is not finite. */
static lnl_status check_finite(size_t n, size_t n_classes, const double *values,
                               const double *gradient)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return LNL_ERR_NUMERIC;
    if (gradient != NULL)
        for (size_t i = 0; i < n * n_classes; i++)
            if (!isfinite(gradient[i]))
                return LNL_ERR_NUMERIC;
    return LNL_OK;
}

/* Forward: with a_k = T[k][ỹ], the loss is -log q, q = sum_k a_k p_k, taken
 * as -logsumexp_k(log a_k + log p_k) over a_k > 0 so that q never
 * underflows. dLoss/dz_k = p_k - a_k p_k / q, the softmax minus the
 * posterior of the clean class given the noisy label. work receives the
 * log-probabilities of the rows (n x K). */
lnl_status lnl_loss_forward_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                     const int *y, double *values, double *gradient,
                                     double *work)
{
    size_t k = loss->params.n_classes;
    const double *T = loss->params.T;
    if (T == NULL)
        return LNL_ERR_ARGUMENT;
    double *log_p = work;
    lnl_log_softmax(n, k, Z, log_p);

    for (size_t i = 0; i < n; i++) {
        const double *l = log_p + i * k;
        size_t noisy = (size_t)y[i];

        double max = -INFINITY;
        for (size_t c = 0; c < k; c++)
            if (T[c * k + noisy] > 0.0 && log(T[c * k + noisy]) + l[c] > max)
                max = log(T[c * k + noisy]) + l[c];
        double sum = 0.0;
        for (size_t c = 0; c < k; c++)
            if (T[c * k + noisy] > 0.0)
                sum += exp(log(T[c * k + noisy]) + l[c] - max);
        double log_q = max + log(sum);
        values[i] = -log_q;

        if (gradient != NULL) {
            double *g = gradient + i * k;
            for (size_t c = 0; c < k; c++) {
                double posterior =
                    T[c * k + noisy] > 0.0 ? exp(log(T[c * k + noisy]) + l[c] - log_q) : 0.0;
                g[c] = exp(l[c]) - posterior;
            }
        }
    }
    return check_finite(n, k, values, gradient);
}

/* Backward: with the row b = T^-1[ỹ], the loss is sum_c b_c (-log p_c) and
 * dLoss/dz = (sum_c b_c) p - b, where sum_c b_c = 1 for a row-stochastic T. */
lnl_status lnl_loss_backward_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                      const int *y, double *values, double *gradient,
                                      double *work)
{
    size_t k = loss->params.n_classes;
    const double *T_inverse = loss->params.T_inverse;
    if (T_inverse == NULL)
        return LNL_ERR_ARGUMENT;
    double *log_p = work;
    lnl_log_softmax(n, k, Z, log_p);

    for (size_t i = 0; i < n; i++) {
        const double *l = log_p + i * k;
        const double *b = T_inverse + (size_t)y[i] * k;

        double value = 0.0, weight = 0.0;
        for (size_t c = 0; c < k; c++) {
            value -= b[c] * l[c];
            weight += b[c];
        }
        values[i] = value;

        if (gradient != NULL) {
            double *g = gradient + i * k;
            for (size_t c = 0; c < k; c++)
                g[c] = weight * exp(l[c]) - b[c];
        }
    }
    return check_finite(n, k, values, gradient);
}

/* Unbiased (two classes): with rho_c = T[c][1 - c] and the noisy label ỹ,
 *   loss = ((1 - rho_(1-ỹ)) l_ỹ - rho_ỹ l_(1-ỹ)) / (1 - rho_0 - rho_1),
 * and since dl_c/dz = p - e_c,
 *   dLoss/dz = ((1 - rho_(1-ỹ)) (p - e_ỹ) - rho_ỹ (p - e_(1-ỹ))) / (1 - rho_0 - rho_1). */
lnl_status lnl_loss_unbiased_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                      const int *y, double *values, double *gradient,
                                      double *work)
{
    const double *T = loss->params.T;
    if (T == NULL || loss->params.n_classes != 2)
        return LNL_ERR_ARGUMENT;
    double rho[2] = {T[1], T[2]};
    double denominator = 1.0 - rho[0] - rho[1];
    double *log_p = work;
    lnl_log_softmax(n, 2, Z, log_p);

    for (size_t i = 0; i < n; i++) {
        const double *l = log_p + i * 2;
        size_t label = (size_t)y[i], other = 1 - label;
        double keep = (1.0 - rho[other]) / denominator;
        double subtract = rho[label] / denominator;

        values[i] = keep * -l[label] - subtract * -l[other];

        if (gradient != NULL) {
            double *g = gradient + i * 2;
            for (size_t c = 0; c < 2; c++) {
                double p = exp(l[c]);
                g[c] = keep * (p - (double)(c == label)) - subtract * (p - (double)(c == other));
            }
        }
    }
    return check_finite(n, 2, values, gradient);
}

/* ---- finding T for a fit ---------------------------------------------------- */

void lnl_correction_destroy(lnl_correction *correction)
{
    if (correction == NULL)
        return;
    free(correction->T);
    free(correction->T_inverse);
    correction->T = NULL;
    correction->T_inverse = NULL;
}

static const char *transition_name(const lnl_method_spec *spec)
{
    switch (spec->transition) {
    case LNL_TRANSITION_NONE: return "none";
    case LNL_TRANSITION_KNOWN: return "known";
    case LNL_TRANSITION_ANCHOR: return "anchor";
    case LNL_TRANSITION_CONFIDENT: return "confident";
    case LNL_TRANSITION_FILE: return spec->transition_path;
    }
    return "unknown";
}

/* Seeds the estimators' stream (folds and holdout) from a hash of the
 * training rows and labels instead of the model stream, which differs per
 * method: so every method of a cell that estimates T the same way gets the
 * same T, and another seed index (another split) gets other folds. The hash
 * is FNV-1a over the bytes of n_rows, rows and labels. */
static void seed_estimate_stream(const lnl_fit_input *input, lnl_rng *rng)
{
    uint64_t hash = 14695981039346656037ULL;
    const uint64_t prime = 1099511628211ULL;
    const unsigned char *bytes = (const unsigned char *)&input->n_rows;
    for (size_t b = 0; b < sizeof input->n_rows; b++)
        hash = (hash ^ bytes[b]) * prime;
    bytes = (const unsigned char *)input->rows;
    for (size_t b = 0; b < input->n_rows * sizeof *input->rows; b++)
        hash = (hash ^ bytes[b]) * prime;
    bytes = (const unsigned char *)input->labels;
    for (size_t b = 0; b < input->n_rows * sizeof *input->labels; b++)
        hash = (hash ^ bytes[b]) * prime;
    lnl_rng_seed(rng, LNL_RNG_DEFAULT, hash);
}

/* Writes the T of the method's transition source: copied, read or estimated. */
static lnl_status find_transition(const lnl_method_spec *spec, const lnl_fit_input *input,
                                  const lnl_linear_shape *shape, double *T, lnl_error *err)
{
    size_t k = input->n_classes;
    lnl_estimate_problem problem = {
        .shape = *shape,
        .data = input->data,
        .rows = input->rows,
        .n_rows = input->n_rows,
        .labels = input->labels,
        .standardizer = input->standardizer,
        .C = spec->C,
        .max_iter = spec->max_iter,
        .tol = spec->tol,
    };
    lnl_rng rng;
    seed_estimate_stream(input, &rng);
    lnl_status status = LNL_OK;

    switch (spec->transition) {
    case LNL_TRANSITION_NONE:
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "loss %s of [method %s] needs a transition matrix: set "
                             "transition = known, anchor, confident or a file",
                             spec->loss, spec->name);
    case LNL_TRANSITION_KNOWN:
        if (input->true_transition == NULL)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "[method %s] has transition = known, but this run has no "
                                 "noise model to take T from",
                                 spec->name);
        memcpy(T, input->true_transition, k * k * sizeof *T);
        return LNL_OK;
    case LNL_TRANSITION_FILE:
        return lnl_transition_read(spec->transition_path, k, T, err);
    case LNL_TRANSITION_ANCHOR: {
        lnl_anchor_options options;
        lnl_anchor_defaults(&options);
        options.percentile = spec->anchor_percentile;
        options.holdout = spec->holdout;
        double chosen_C = 0.0;
        status = lnl_estimate_anchor(&problem, &options, &rng, T, &chosen_C, err);
        return status;
    }
    case LNL_TRANSITION_CONFIDENT: {
        lnl_confident_joint joint;
        status = lnl_estimate_confident(&problem, (size_t)spec->folds, &rng, &joint, NULL, err);
        if (status == LNL_OK)
            memcpy(T, joint.transition, k * k * sizeof *T);
        lnl_confident_joint_destroy(&joint);
        return status;
    }
    }
    return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "[method %s] has an unknown transition "
                         "source %d", spec->name, (int)spec->transition);
}

/* Prefixes err's message with the method and the transition source. */
static lnl_status name_method(const lnl_method_spec *spec, lnl_status status, lnl_error *err)
{
    if (err == NULL || strncmp(err->message, "[method ", 8) == 0)
        return status;
    char message[LNL_ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s", err->message);
    /* The path is cut at 200 bytes so that the reason always fits. */
    snprintf(err->message, sizeof err->message, "[method %s] with transition = %.200s: %.700s",
             spec->name, transition_name(spec), message);
    return status;
}

/* Logs a warning for each row of T whose largest entry is off the
 * diagonal. Such a T says that labels of that clean class are more often
 * another class, so correction moves the model toward the other class.
 * This is right when it is the true T, but an estimate near the boundary
 * (two-class noise near 0.5, for example) can cross it by error and then
 * swaps the classes. */
static void warn_off_diagonal_maximum(const lnl_method_spec *spec, const double *T, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        size_t largest = i;
        for (size_t j = 0; j < k; j++)
            if (T[i * k + j] > T[i * k + largest])
                largest = j;
        if (largest != i)
            lnl_log(LNL_LOG_WARNING,
                    "[method %s] with transition = %.200s: T[%zu][%zu] = %.3f exceeds the "
                    "diagonal T[%zu][%zu] = %.3f, so the correction takes clean class %zu "
                    "to be labelled %zu more often than %zu",
                    spec->name, transition_name(spec), i, largest, T[i * k + largest], i, i,
                    T[i * k + i], i, largest, i);
    }
}

/* Forward correction divides by (T^T p)_ỹ: a noisy label whose column of T
 * is all zero would be an infinite loss. */
static lnl_status check_forward_columns(const lnl_fit_input *input, const double *T,
                                        lnl_error *err)
{
    size_t k = input->n_classes;
    for (size_t i = 0; i < input->n_rows; i++) {
        size_t label = (size_t)input->labels[i];
        double column = 0.0;
        for (size_t c = 0; c < k; c++)
            column += T[c * k + label];
        if (!(column > 0.0))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "column %zu of T is all zero, so T gives the noisy label %zu "
                                 "of training row %zu probability 0 and forward correction "
                                 "an infinite loss",
                                 label, label, i);
    }
    return LNL_OK;
}

lnl_status lnl_correction_prepare(const lnl_method_spec *spec, const lnl_loss_info *info,
                                  const lnl_fit_input *input, const lnl_linear_shape *shape,
                                  lnl_correction *out, lnl_error *err)
{
    memset(out, 0, sizeof *out);
    out->rcond = NAN;
    out->error_max = NAN;
    out->error_frobenius = NAN;
    size_t k = input->n_classes;
    out->n_classes = k;

    out->T = malloc(k * k * sizeof *out->T);
    if (out->T == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "cannot allocate a %zu x %zu matrix",
                             k, k);
    lnl_status status = find_transition(spec, input, shape, out->T, err);
    if (status == LNL_OK)
        status = lnl_transition_check(k, out->T, err);
    if (status != LNL_OK)
        goto fail;

    if (input->true_transition != NULL)
        lnl_transition_error(k, out->T, input->true_transition, &out->error_max,
                             &out->error_frobenius);
    warn_off_diagonal_maximum(spec, out->T, k);

    if (info->evaluate == lnl_loss_unbiased_evaluate) {
        if (k != 2) {
            status = lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                   "loss unbiased needs 2 classes, but the data has %zu; use "
                                   "loss = backward, its multiclass form",
                                   k);
            goto fail;
        }
        if (!(out->T[1] + out->T[2] < 1.0)) {
            status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                                   "loss unbiased needs rho_0 + rho_1 < 1, but T gives rho_0 = "
                                   "%g and rho_1 = %g",
                                   out->T[1], out->T[2]);
            goto fail;
        }
    }

    /* unbiased reads only T, but divides by det T, so it gets the same test. */
    if ((info->parameters & LNL_LOSS_PARAM_TRANSITION_INVERSE) ||
        info->evaluate == lnl_loss_unbiased_evaluate) {
        out->T_inverse = malloc(k * k * sizeof *out->T_inverse);
        if (out->T_inverse == NULL) {
            status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                                   "cannot allocate a %zu x %zu matrix", k, k);
            goto fail;
        }
        status = lnl_transition_invert(k, out->T, LNL_TRANSITION_MIN_RCOND, out->T_inverse,
                                       &out->rcond, err);
        if (status != LNL_OK)
            goto fail;
    }

    if (info->evaluate == lnl_loss_forward_evaluate) {
        status = check_forward_columns(input, out->T, err);
        if (status != LNL_OK)
            goto fail;
    }
    return LNL_OK;

fail:
    lnl_correction_destroy(out);
    return name_method(spec, status, err);
}
