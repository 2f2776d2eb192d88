#include "softmax_ce.h"

#include <math.h>

#include "vector_clones.h"
#include "vector_math.h"

LNL_VECTOR_CLONES
void lnl_softmax_ce_rows(size_t n, size_t n_classes, const double *restrict Z,
                         const int *restrict y, double *restrict values,
                         double *restrict gradient, double *restrict work)
{
    /* z_k - max of every row into work, then every exp in one long loop,
     * because rows of a few classes are too short for vector code. */
    for (size_t i = 0; i < n; i++) {
        const double *z = Z + i * n_classes;
        double max = z[0];
        for (size_t k = 1; k < n_classes; k++)
            max = z[k] > max ? z[k] : max;
        values[i] = max;
        for (size_t k = 0; k < n_classes; k++)
            work[i * n_classes + k] = z[k] - max;
    }
    for (size_t j = 0; j < n * n_classes; j++)
        work[j] = lnl_exp_nonpositive(work[j]);

    for (size_t i = 0; i < n; i++) {
        const double *e = work + i * n_classes;
        double sum = 0.0;
        for (size_t k = 0; k < n_classes; k++)
            sum += e[k];
        values[i] = (values[i] + log(sum)) - Z[i * n_classes + y[i]];

        if (gradient != NULL) {
            double *g = gradient + i * n_classes;
            for (size_t k = 0; k < n_classes; k++)
                g[k] = e[k] / sum;
            g[y[i]] -= 1.0;
        }
    }
}
