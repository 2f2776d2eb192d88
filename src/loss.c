#include "lnl/loss.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "loss_correction.h"
#include "loss_robust.h"
#include "softmax_ce.h"

void lnl_softmax(size_t n, size_t n_classes, const double *Z, double *P)
{
    for (size_t i = 0; i < n; i++) {
        const double *z = Z + i * n_classes;
        double *p = P + i * n_classes;

        double max = z[0];
        for (size_t k = 1; k < n_classes; k++)
            max = z[k] > max ? z[k] : max;

        double sum = 0.0;
        for (size_t k = 0; k < n_classes; k++) {
            p[k] = exp(z[k] - max);
            sum += p[k];
        }
        for (size_t k = 0; k < n_classes; k++)
            p[k] /= sum;
    }
}

void lnl_log_softmax(size_t n, size_t n_classes, const double *Z, double *L)
{
    for (size_t i = 0; i < n; i++) {
        const double *z = Z + i * n_classes;
        double *l = L + i * n_classes;

        size_t argmax = 0;
        for (size_t k = 1; k < n_classes; k++)
            if (z[k] > z[argmax])
                argmax = k;

        /* The largest term exp(0) = 1 stays out of the sum, so that log1p
         * sees the small remainder instead of 1 + remainder. */
        double rest = 0.0;
        for (size_t k = 0; k < n_classes; k++)
            if (k != argmax)
                rest += exp(z[k] - z[argmax]);
        double log_sum = log1p(rest);

        for (size_t k = 0; k < n_classes; k++)
            l[k] = (z[k] - z[argmax]) - log_sum;
    }
}

void lnl_loss_chain_softmax(size_t n, size_t n_classes, const double *P, double *G)
{
    for (size_t i = 0; i < n; i++) {
        const double *p = P + i * n_classes;
        double *g = G + i * n_classes;

        double mean = 0.0;
        for (size_t k = 0; k < n_classes; k++)
            mean += p[k] * g[k];
        for (size_t k = 0; k < n_classes; k++)
            g[k] = p[k] * (g[k] - mean);
    }
}

size_t lnl_loss_work_size(size_t n, size_t n_classes)
{
    return 2 * n * n_classes;
}

lnl_status lnl_loss_check_logits(size_t n, size_t n_classes, const double *Z)
{
    for (size_t i = 0; i < n * n_classes; i++)
        if (!isfinite(Z[i]))
            return LNL_ERR_NUMERIC;
    return LNL_OK;
}

lnl_status lnl_loss_check_finite(size_t n, size_t n_classes, const double *values,
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

/* Cross entropy: loss = logsumexp(z) - z_y, dLoss/dz = softmax(z) - onehot(y).
 * Computed from the logits, so it stays finite where p_y underflows. One
 * exp per logit serves both: with e_k = exp(z_k - max), softmax(z)_k is
 * e_k / sum(e). */
static lnl_status cross_entropy(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                double *values, double *gradient, double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;

    lnl_softmax_ce_rows(n, n_classes, Z, y, values, gradient, work);
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}

enum {
    RCE_PARAMS = LNL_LOSS_PARAM_A,
    SCE_PARAMS = LNL_LOSS_PARAM_ALPHA | LNL_LOSS_PARAM_BETA | LNL_LOSS_PARAM_A,
    GCE_PARAMS = LNL_LOSS_PARAM_Q | LNL_LOSS_PARAM_TRUNCATION
};

/* The losses and their default parameters; include/lnl/loss.h defines
 * each loss and cites its source. */
static const lnl_loss_info registry[] = {
    {"ce", "cross entropy, -log p_y", cross_entropy, 1, 0, {0}},
    {"rce", "reverse cross entropy, -A (1 - p_y)", lnl_loss_rce_evaluate, 0, RCE_PARAMS,
     {.A = -4.0}},
    {"sce", "symmetric cross entropy, alpha * ce + beta * rce", lnl_loss_sce_evaluate, 0,
     SCE_PARAMS, {.alpha = 0.1, .beta = 1.0, .A = -4.0}},
    {"mae", "mean absolute error on probabilities, 2 (1 - p_y)", lnl_loss_mae_evaluate, 0, 0,
     {0}},
    {"gce", "generalized cross entropy, (1 - p_y^q) / q, optionally truncated",
     lnl_loss_gce_evaluate, 0, GCE_PARAMS, {.q = 0.7, .truncation = 0.0}},
    {"bootstrap_soft", "cross entropy against beta * y + (1 - beta) * p",
     lnl_loss_bootstrap_soft_evaluate, 0, LNL_LOSS_PARAM_BETA, {.beta = 0.95}},
    {"bootstrap_hard", "cross entropy against beta * y + (1 - beta) * onehot(argmax p)",
     lnl_loss_bootstrap_hard_evaluate, 0, LNL_LOSS_PARAM_BETA, {.beta = 0.8}},
    {"label_smoothing", "cross entropy against (1 - epsilon) * y + epsilon / K",
     lnl_loss_label_smoothing_evaluate, 1, LNL_LOSS_PARAM_EPSILON, {.epsilon = 0.1}},
    {"nce_rce", "normalized cross entropy plus reverse cross entropy, alpha * nce + beta * rce",
     lnl_loss_nce_rce_evaluate, 0, SCE_PARAMS, {.alpha = 1.0, .beta = 1.0, .A = -4.0}},
    {"forward", "forward correction, -log (T^T p)_y", lnl_loss_forward_evaluate, 0,
     LNL_LOSS_PARAM_TRANSITION, {0}},
    {"backward", "backward correction, (T^-1 l)_y with l_k = -log p_k",
     lnl_loss_backward_evaluate, 1, LNL_LOSS_PARAM_TRANSITION_INVERSE, {0}},
    {"unbiased", "two-class unbiased estimator, backward correction for K = 2",
     lnl_loss_unbiased_evaluate, 1, LNL_LOSS_PARAM_TRANSITION, {0}},
};

const lnl_loss_info *lnl_loss_lookup(const char *name)
{
    for (size_t i = 0; i < lnl_loss_count(); i++)
        if (strcmp(registry[i].name, name) == 0)
            return &registry[i];
    return NULL;
}

size_t lnl_loss_count(void)
{
    return sizeof registry / sizeof registry[0];
}

const lnl_loss_info *lnl_loss_at(size_t index)
{
    return index < lnl_loss_count() ? &registry[index] : NULL;
}

void lnl_loss_defaults(const lnl_loss_info *info, size_t n_classes, lnl_loss_params *params)
{
    *params = info->defaults;
    params->n_classes = n_classes;
}

/* Fills err for a parameter outside its domain and returns LNL_ERR_ARGUMENT. */
static lnl_status reject(const lnl_loss_info *info, const char *name, double value,
                         const char *domain, const char **parameter, lnl_error *err)
{
    if (parameter != NULL)
        *parameter = name;
    return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                         "%s = %g is invalid for the loss %s: it must be %s", name, value,
                         info->name, domain);
}

lnl_status lnl_loss_check_params(const lnl_loss_info *info, const lnl_loss_params *params,
                                 const char **parameter, lnl_error *err)
{
    unsigned reads = info->parameters;
    bool bootstrap = strncmp(info->name, "bootstrap", 9) == 0;

    /* Written as !(inside) so that NaN is rejected too. */
    if ((reads & LNL_LOSS_PARAM_ALPHA) && !(params->alpha >= 0.0 && isfinite(params->alpha)))
        return reject(info, "alpha", params->alpha, "a finite number >= 0", parameter, err);
    if ((reads & LNL_LOSS_PARAM_BETA) && bootstrap &&
        !(params->beta >= 0.0 && params->beta <= 1.0))
        return reject(info, "beta", params->beta, "in [0, 1]", parameter, err);
    if ((reads & LNL_LOSS_PARAM_BETA) && !bootstrap &&
        !(params->beta >= 0.0 && isfinite(params->beta)))
        return reject(info, "beta", params->beta, "a finite number >= 0", parameter, err);
    if ((reads & LNL_LOSS_PARAM_ALPHA) && (reads & LNL_LOSS_PARAM_BETA) &&
        params->alpha == 0.0 && params->beta == 0.0) {
        if (parameter != NULL)
            *parameter = "beta";
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "alpha and beta are both 0 for the loss %s, which makes the loss "
                             "0 everywhere; give one of them a value > 0",
                             info->name);
    }
    if ((reads & LNL_LOSS_PARAM_A) && !(params->A < 0.0 && isfinite(params->A)))
        return reject(info, "A", params->A, "a finite number < 0 (the log of a clamp in (0, 1))",
                      parameter, err);
    if ((reads & LNL_LOSS_PARAM_Q) && !(params->q > 0.0 && params->q <= 1.0))
        return reject(info, "q", params->q, "in (0, 1]", parameter, err);
    if ((reads & LNL_LOSS_PARAM_TRUNCATION) &&
        !(params->truncation >= 0.0 && params->truncation < 1.0))
        return reject(info, "truncation", params->truncation, "in [0, 1), 0 for none",
                      parameter, err);
    if ((reads & LNL_LOSS_PARAM_EPSILON) && !(params->epsilon >= 0.0 && params->epsilon < 1.0))
        return reject(info, "epsilon", params->epsilon, "in [0, 1)", parameter, err);
    return LNL_OK;
}
