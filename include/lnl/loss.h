/* Per-sample losses on logits.
 *
 * A loss maps the logits of a block of rows to each row's loss and to the
 * derivative of that loss with respect to the logits:
 *   Z is n x K row-major logits, y holds n labels in 0..K-1,
 *   values[i] = loss(z_i, y_i), gradient[i*K + k] = d values[i] / d Z[i*K + k].
 * The binary (sigmoid) model evaluates the same losses on the two logits
 * (0, z), whose softmax is (1 - sigmoid(z), sigmoid(z)).
 *
 * Losses defined on probabilities P = softmax(Z) compute dLoss/dP and share
 * lnl_loss_chain_softmax, which maps it to dLoss/dZ through the softmax
 * Jacobian. Adding a loss means one function and one registry row in
 * src/loss.c.
 */
#ifndef LNL_LOSS_H
#define LNL_LOSS_H

#include <stddef.h>

#include "lnl/error.h"

typedef struct lnl_loss_params {
    size_t n_classes;   /* K */
    double alpha;       /* sce, nce_rce: weight of the first term */
    double beta;        /* sce, nce_rce: weight of the reverse term; bootstrap: target mix */
    double A;           /* rce, sce: the value that replaces log 0 */
    double q;           /* gce exponent */
    double epsilon;     /* label smoothing */
    const double *T;    /* loss correction: K x K transition matrix */
    const double *T_inverse;  /* backward correction: K x K */
} lnl_loss_params;

typedef struct lnl_loss lnl_loss;

/* Evaluates n rows. gradient may be NULL when only values are needed.
 * work has room for lnl_loss_work_size(n, K) doubles. Returns
 * LNL_ERR_NUMERIC when a value or gradient is not finite. */
typedef lnl_status (*lnl_loss_evaluate_fn)(const lnl_loss *loss, size_t n, const double *Z,
                                          const int *y, double *values, double *gradient,
                                          double *work);

typedef struct lnl_loss_info {
    const char *name;          /* the config's `loss =` value */
    const char *summary;       /* one line for help and docs */
    lnl_loss_evaluate_fn evaluate;
    int convex;                /* 1 when convex in Z, so L-BFGS from zero reaches the optimum */
} lnl_loss_info;

struct lnl_loss {
    const lnl_loss_info *info;
    lnl_loss_params params;
};

/* Looks a loss up by name; NULL when there is none. */
const lnl_loss_info *lnl_loss_lookup(const char *name);

/* The registry: count and the i-th entry, for help text and docs. */
size_t lnl_loss_count(void);
const lnl_loss_info *lnl_loss_at(size_t index);

/* Scratch space (in doubles) that evaluate needs for n rows of K classes. */
size_t lnl_loss_work_size(size_t n, size_t n_classes);

/* Row-wise softmax of Z into P (n x K), stable through max subtraction. */
void lnl_softmax(size_t n, size_t n_classes, const double *Z, double *P);

/* Maps G = dLoss/dP to dLoss/dZ in place, given P = softmax(Z):
 *   dZ_k = P_k (G_k - sum_j P_j G_j). */
void lnl_loss_chain_softmax(size_t n, size_t n_classes, const double *P, double *G);

#endif
