#include "binary_logistic.h"

#include <math.h>

#include "prefetch.h"
#include "vector_clones.h"
#include "vector_math.h"

/* Partial sums of a dot product. With sixteen independent sums, more
 * loads are in flight than with eight: on the machine of bench/REPORT.md a
 * pass over 100000 rows of 100 doubles took 2.6 ms instead of 3.5 ms. The
 * sums also fix the order of the additions, so every vector width adds the
 * same numbers in the same order. */
enum { DOT_SUMS = 16 };

/* x . w over d entries, with x standardized as (x - mean) * inverse_scale
 * on the fly when mean is not NULL. */
static inline double dot(const double *restrict x, const double *restrict mean,
                         const double *restrict inverse_scale, const double *restrict w,
                         size_t d)
{
    double sums[DOT_SUMS] = {0};
    double tail = 0.0;
    size_t j = 0;
    if (mean == NULL) {
        for (; j + DOT_SUMS <= d; j += DOT_SUMS)
            for (size_t u = 0; u < DOT_SUMS; u++)
                sums[u] += x[j + u] * w[j + u];
        for (; j < d; j++)
            tail += x[j] * w[j];
    } else {
        for (; j + DOT_SUMS <= d; j += DOT_SUMS)
            for (size_t u = 0; u < DOT_SUMS; u++)
                sums[u] += ((x[j + u] - mean[j + u]) * inverse_scale[j + u]) * w[j + u];
        for (; j < d; j++)
            tail += ((x[j] - mean[j]) * inverse_scale[j]) * w[j];
    }

    for (size_t u = 0; u < DOT_SUMS / 2; u++)
        sums[u] += sums[u + DOT_SUMS / 2];
    double head = (sums[0] + sums[1]) + (sums[2] + sums[3]);
    return (head + ((sums[4] + sums[5]) + (sums[6] + sums[7]))) + tail;
}

static inline const double *row_at(const double *X, const size_t *rows, size_t i, size_t d)
{
    return X + (rows != NULL ? rows[i] : i) * d;
}

/* loss[i] = log1p(exp(-|z|)) + max(z, 0) - y z and
 * residual[i] = sigmoid(z) - y, with sigmoid(z) = 1 / (1 + e) for z >= 0
 * and e / (1 + e) below, e = exp(-|z|). For y = 1 the residual is
 * -(1 - sigmoid(z)), formed from e directly so that it keeps its relative
 * precision when sigmoid(z) is close to 1. max(z, 0) - y z is exact. */
static inline void logistic_loss(size_t n, const double *restrict z, const int *restrict labels,
                                 double *restrict loss, double *restrict residual)
{
    for (size_t i = 0; i < n; i++) {
        double zi = z[i];
        double e = lnl_exp_nonpositive(-fabs(zi));
        double positive = zi >= 0.0 ? 1.0 : e;  /* (1 + e) sigmoid(z) */
        double negative = zi >= 0.0 ? e : 1.0;  /* (1 + e) (1 - sigmoid(z)) */
        double margin = (zi > 0.0 ? zi : 0.0) - (labels[i] != 0 ? zi : 0.0);
        loss[i] = margin + lnl_log1p_unit(e);
        residual[i] = (labels[i] != 0 ? -negative : positive) / (1.0 + e);
    }
}

/* gradient += sum_i residual[i] x_i over the block's rows, standardized
 * as in dot, four rows per pass over the gradient. Standardizing a row
 * again costs less than storing it after the first read. On the machine of
 * bench/REPORT.md, an evaluation over 100000 rows of 100 doubles took 8.4 ms
 * when it wrote the standardized rows to a block, and 5.9 ms without. */
static inline void add_rows(const lnl_binary_block *block, const double *restrict residual,
                            double *restrict gradient)
{
    size_t n = block->n, d = block->d;
    const double *restrict mean = block->mean;
    const double *restrict inverse_scale = block->inverse_scale;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const double *restrict x0 = row_at(block->X, block->rows, i, d);
        const double *restrict x1 = row_at(block->X, block->rows, i + 1, d);
        const double *restrict x2 = row_at(block->X, block->rows, i + 2, d);
        const double *restrict x3 = row_at(block->X, block->rows, i + 3, d);
        double r0 = residual[i], r1 = residual[i + 1];
        double r2 = residual[i + 2], r3 = residual[i + 3];
        if (mean == NULL) {
            for (size_t j = 0; j < d; j++)
                gradient[j] += (r0 * x0[j] + r1 * x1[j]) + (r2 * x2[j] + r3 * x3[j]);
        } else {
            for (size_t j = 0; j < d; j++) {
                double m = mean[j], s = inverse_scale[j];
                gradient[j] += (r0 * ((x0[j] - m) * s) + r1 * ((x1[j] - m) * s)) +
                               (r2 * ((x2[j] - m) * s) + r3 * ((x3[j] - m) * s));
            }
        }
    }
    for (; i < n; i++) {
        const double *restrict x = row_at(block->X, block->rows, i, d);
        if (mean == NULL)
            for (size_t j = 0; j < d; j++)
                gradient[j] += residual[i] * x[j];
        else
            for (size_t j = 0; j < d; j++)
                gradient[j] += residual[i] * ((x[j] - mean[j]) * inverse_scale[j]);
    }
}

LNL_VECTOR_CLONES
double lnl_binary_ce_block(const lnl_binary_block *block, const double *w, double b,
                           double *gradient_w, double *gradient_b, double *scratch)
{
    size_t n = block->n, d = block->d;
    double *z = scratch, *loss = scratch + n, *residual = scratch + 2 * n;

    /* The block's rows come from memory here, and add_rows finds them in
     * cache. */
    for (size_t i = 0; i < n; i++) {
        if (block->rows != NULL && i + LNL_PREFETCH_ROWS < n)
            lnl_prefetch_row(block->X + block->rows[i + LNL_PREFETCH_ROWS] * d, d);
        z[i] = b + dot(row_at(block->X, block->rows, i, d), block->mean,
                       block->inverse_scale, w, d);
    }

    logistic_loss(n, z, block->labels, loss, residual);

    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        double weight = block->C;
        if (block->sample_weights != NULL)
            weight *= block->sample_weights[i];
        total += weight * loss[i];
        residual[i] *= weight;
    }
    if (gradient_w == NULL)
        return total;

    add_rows(block, residual, gradient_w);
    if (gradient_b != NULL) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++)
            sum += residual[i];
        *gradient_b += sum;
    }
    return total;
}
