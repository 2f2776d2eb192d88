#include "lnl/loss.h"

#include <math.h>
#include <string.h>

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

/* Cross entropy: loss = logsumexp(z) - z_y, dLoss/dz = softmax(z) - onehot(y).
 * Computed from the logits, so it stays finite where p_y underflows. */
static lnl_status cross_entropy(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                                double *values, double *gradient, double *work)
{
    (void)work;
    size_t n_classes = loss->params.n_classes;

    for (size_t i = 0; i < n; i++) {
        const double *z = Z + i * n_classes;

        double max = z[0];
        for (size_t k = 1; k < n_classes; k++)
            max = z[k] > max ? z[k] : max;

        double sum = 0.0;
        for (size_t k = 0; k < n_classes; k++)
            sum += exp(z[k] - max);
        double log_sum = max + log(sum);
        values[i] = log_sum - z[y[i]];

        if (gradient != NULL) {
            double *g = gradient + i * n_classes;
            for (size_t k = 0; k < n_classes; k++)
                g[k] = exp(z[k] - log_sum);
            g[y[i]] -= 1.0;
        }
    }
    return check_finite(n, n_classes, values, gradient);
}

static const lnl_loss_info registry[] = {
    {"ce", "cross entropy, -log p_y", cross_entropy, 1},
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
