/* Losses for learning with noisy labels; include/lnl/loss.h defines each
 * one and cites its source.
 *
 * Every function here reads P = softmax(Z) and, where a log-probability
 * appears, L = log softmax(Z) from work: P is work[0, n K) and L is
 * work[n K, 2 n K). Terms defined on probabilities (rce, mae, gce, the
 * entropy of bootstrap_soft) write dLoss/dP into the gradient buffer and
 * map it to dLoss/dZ with lnl_loss_chain_softmax. Cross-entropy terms
 * against a target t add their logit gradient p - t directly, which stays
 * exact where p underflows.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>

#include "loss_robust.h"

/* sum over k != y of p_k, which is 1 - p_y without the cancellation of
 * 1 - p_y when p_y is near 1. */
static double others(const double *p, size_t n_classes, int y)
{
    double sum = 0.0;
    for (size_t k = 0; k < n_classes; k++)
        if ((int)k != y)
            sum += p[k];
    return sum;
}

/* Writes dRCE/dP scaled by weight into G: -A off the label, 0 on it. */
static void rce_probability_gradient(size_t n, size_t n_classes, const int *y, double A,
                                     double weight, double *G)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n_classes; k++)
            G[i * n_classes + k] = (int)k == y[i] ? 0.0 : -A * weight;
}

/* Adds weight * (p - t) to the logit gradient of each row, for the cross
 * entropy against the target t = label_weight * e_y + uniform_weight / K
 * (the remaining target mass is added by the caller). */
static void add_cross_entropy_gradient(size_t n, size_t n_classes, const double *P,
                                       const int *y, double weight, double label_weight,
                                       double uniform_weight, double *gradient)
{
    double uniform = uniform_weight / (double)n_classes;
    for (size_t i = 0; i < n; i++) {
        const double *p = P + i * n_classes;
        double *g = gradient + i * n_classes;
        for (size_t k = 0; k < n_classes; k++)
            g[k] += weight * (p[k] - uniform - ((int)k == y[i] ? label_weight : 0.0));
    }
}

/* rce = -sum_k p_k log e_y,k with log 0 = A, which is -A (1 - p_y). */
lnl_status lnl_loss_rce_evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                 double *values, double *gradient, double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;
    double A = loss->params.A;
    double *P = work;
    lnl_softmax(n, n_classes, Z, P);

    for (size_t i = 0; i < n; i++)
        values[i] = -A * others(P + i * n_classes, n_classes, y[i]);

    if (gradient != NULL) {
        rce_probability_gradient(n, n_classes, y, A, 1.0, gradient);
        lnl_loss_chain_softmax(n, n_classes, P, gradient);
    }
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}

/* mae = sum_k |p_k - e_y,k| = 2 (1 - p_y), so dLoss/dp_y = -2. */
lnl_status lnl_loss_mae_evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                 double *values, double *gradient, double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;
    double *P = work;
    lnl_softmax(n, n_classes, Z, P);

    for (size_t i = 0; i < n; i++)
        values[i] = 2.0 * others(P + i * n_classes, n_classes, y[i]);

    if (gradient != NULL) {
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < n_classes; k++)
                gradient[i * n_classes + k] = (int)k == y[i] ? -2.0 : 0.0;
        lnl_loss_chain_softmax(n, n_classes, P, gradient);
    }
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}

/* sce = alpha * (-log p_y) + beta * rce. */
lnl_status lnl_loss_sce_evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                 double *values, double *gradient, double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;
    double alpha = loss->params.alpha, beta = loss->params.beta, A = loss->params.A;
    double *P = work, *L = work + n * n_classes;
    lnl_softmax(n, n_classes, Z, P);
    lnl_log_softmax(n, n_classes, Z, L);

    for (size_t i = 0; i < n; i++) {
        double rce = -A * others(P + i * n_classes, n_classes, y[i]);
        values[i] = -alpha * L[i * n_classes + (size_t)y[i]] + beta * rce;
    }

    if (gradient != NULL) {
        rce_probability_gradient(n, n_classes, y, A, beta, gradient);
        lnl_loss_chain_softmax(n, n_classes, P, gradient);
        add_cross_entropy_gradient(n, n_classes, P, y, alpha, 1.0, 0.0, gradient);
    }
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}

/* gce = (1 - p_y^q) / q, computed as -expm1(q log p_y) / q so that it keeps
 * its relative precision as p_y approaches 1. dLoss/dp_y = -p_y^(q - 1)
 * grows without bound as p_y goes to 0, so p_y is floored at DBL_MIN in
 * that factor, which stays below 1 / DBL_MIN for q > 0. The floor changes
 * the logit gradient only where p_y < DBL_MIN, by at most p_y^q: below
 * 1e-200 for q >= 0.7, but up to 8e-4 for q = 0.01.
 * With a truncation k > 0, rows with p_y <= k get the constant
 * (1 - k^q) / q and a zero gradient. */
lnl_status lnl_loss_gce_evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                 double *values, double *gradient, double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;
    double q = loss->params.q, truncation = loss->params.truncation;
    double *P = work, *L = work + n * n_classes;
    lnl_softmax(n, n_classes, Z, P);
    lnl_log_softmax(n, n_classes, Z, L);
    const double log_floor = log(DBL_MIN);

    for (size_t i = 0; i < n; i++) {
        size_t label = i * n_classes + (size_t)y[i];
        bool truncated = truncation > 0.0 && P[label] <= truncation;

        if (truncated)
            values[i] = -expm1(q * log(truncation)) / q;
        else
            values[i] = -expm1(q * L[label]) / q;

        if (gradient == NULL)
            continue;
        for (size_t k = 0; k < n_classes; k++)
            gradient[i * n_classes + k] = 0.0;
        if (!truncated)
            gradient[label] = -exp((q - 1.0) * fmax(L[label], log_floor));
    }

    if (gradient != NULL)
        lnl_loss_chain_softmax(n, n_classes, P, gradient);
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}

/* bootstrap_soft = -sum_k t_k log p_k with t = beta e_y + (1 - beta) p,
 * which is beta * (-log p_y) + (1 - beta) * H(p). The target is
 * differentiated: the entropy term contributes dH/dp_k = -(log p_k + 1). */
lnl_status lnl_loss_bootstrap_soft_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                            const int *y, double *values, double *gradient,
                                            double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;
    double beta = loss->params.beta;
    double *P = work, *L = work + n * n_classes;
    lnl_softmax(n, n_classes, Z, P);
    lnl_log_softmax(n, n_classes, Z, L);

    for (size_t i = 0; i < n; i++) {
        const double *p = P + i * n_classes, *l = L + i * n_classes;
        double entropy = 0.0;
        for (size_t k = 0; k < n_classes; k++)
            entropy -= p[k] * l[k];
        values[i] = -beta * l[y[i]] + (1.0 - beta) * entropy;
    }

    if (gradient != NULL) {
        for (size_t j = 0; j < n * n_classes; j++)
            gradient[j] = -(1.0 - beta) * (L[j] + 1.0);
        lnl_loss_chain_softmax(n, n_classes, P, gradient);
        add_cross_entropy_gradient(n, n_classes, P, y, beta, 1.0, 0.0, gradient);
    }
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}

/* bootstrap_hard = -beta log p_y - (1 - beta) log p_m with m the most
 * probable class, lowest index on ties (the class lnl_linear_accuracy
 * predicts). The gradient is p - beta e_y - (1 - beta) e_m. */
lnl_status lnl_loss_bootstrap_hard_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                            const int *y, double *values, double *gradient,
                                            double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;
    double beta = loss->params.beta;
    double *P = work, *L = work + n * n_classes;
    lnl_softmax(n, n_classes, Z, P);
    lnl_log_softmax(n, n_classes, Z, L);

    for (size_t i = 0; i < n; i++) {
        const double *z = Z + i * n_classes, *l = L + i * n_classes;
        size_t predicted = 0;
        for (size_t k = 1; k < n_classes; k++)
            if (z[k] > z[predicted])
                predicted = k;

        values[i] = -beta * l[y[i]] - (1.0 - beta) * l[predicted];

        if (gradient != NULL) {
            double *g = gradient + i * n_classes;
            for (size_t k = 0; k < n_classes; k++)
                g[k] = P[i * n_classes + k];
            g[y[i]] -= beta;
            g[predicted] -= 1.0 - beta;
        }
    }
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}

/* label_smoothing = -sum_k t_k log p_k with t = (1 - epsilon) e_y + epsilon / K. */
lnl_status lnl_loss_label_smoothing_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                             const int *y, double *values, double *gradient,
                                             double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;
    double epsilon = loss->params.epsilon;
    double *P = work, *L = work + n * n_classes;
    lnl_softmax(n, n_classes, Z, P);
    lnl_log_softmax(n, n_classes, Z, L);

    for (size_t i = 0; i < n; i++) {
        const double *l = L + i * n_classes;
        double sum = 0.0;
        for (size_t k = 0; k < n_classes; k++)
            sum += l[k];
        values[i] = -(1.0 - epsilon) * l[y[i]] - epsilon / (double)n_classes * sum;
    }

    if (gradient != NULL) {
        for (size_t j = 0; j < n * n_classes; j++)
            gradient[j] = 0.0;
        add_cross_entropy_gradient(n, n_classes, P, y, 1.0, 1.0 - epsilon, epsilon, gradient);
    }
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}

/* nce_rce = alpha * a / S + beta * rce with a = -log p_y and
 * S = -sum_k log p_k, which is at least K log K > 0. With N = a / S,
 * dN/dlog p_k = (a - [k = y] S) / S^2 and the log-softmax chain rule
 * dN/dz_j = dN/dlog p_j - p_j sum_k dN/dlog p_k. */
lnl_status lnl_loss_nce_rce_evaluate(const lnl_loss *loss, size_t n, const double *Z,
                                     const int *y, double *values, double *gradient,
                                     double *work)
{
    size_t n_classes = loss->params.n_classes;
    if (lnl_loss_check_logits(n, n_classes, Z) != LNL_OK)
        return LNL_ERR_NUMERIC;
    double alpha = loss->params.alpha, beta = loss->params.beta, A = loss->params.A;
    double *P = work, *L = work + n * n_classes;
    lnl_softmax(n, n_classes, Z, P);
    lnl_log_softmax(n, n_classes, Z, L);

    if (gradient != NULL) {
        rce_probability_gradient(n, n_classes, y, A, beta, gradient);
        lnl_loss_chain_softmax(n, n_classes, P, gradient);
    }

    for (size_t i = 0; i < n; i++) {
        const double *p = P + i * n_classes, *l = L + i * n_classes;
        double a = -l[y[i]], S = 0.0;
        for (size_t k = 0; k < n_classes; k++)
            S -= l[k];
        values[i] = alpha * a / S + beta * (-A) * others(p, n_classes, y[i]);

        if (gradient == NULL)
            continue;
        double S2 = S * S;
        double sum = ((double)n_classes * a - S) / S2;
        double *g = gradient + i * n_classes;
        for (size_t k = 0; k < n_classes; k++) {
            double d_log = (a - ((int)k == y[i] ? S : 0.0)) / S2;
            g[k] += alpha * (d_log - p[k] * sum);
        }
    }
    return lnl_loss_check_finite(n, n_classes, values, gradient);
}
