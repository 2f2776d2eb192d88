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
 * Jacobian. Losses defined on log-probabilities L = log softmax(Z) (cross
 * entropy and the losses built from it) use lnl_log_softmax and the
 * gradient p - t of a cross entropy against a target t. Adding a loss
 * means one evaluate function (the robust losses are in src/loss_robust.c)
 * and one registry row in src/loss.c.
 *
 * The registry (p = softmax(z), p_y the probability of the label, K the
 * number of classes, e_y the one-hot label):
 *   ce               -log p_y
 *   rce              -sum_k p_k log e_y,k with log 0 replaced by A: -A (1 - p_y)
 *   sce              alpha * ce + beta * rce (Wang et al., ICCV 2019)
 *   mae              sum_k |p_k - e_y,k| = 2 (1 - p_y) (Ghosh et al., AAAI 2017)
 *   gce              (1 - p_y^q) / q (Zhang and Sabuncu, NeurIPS 2018); with a
 *                    truncation k > 0 the loss is (1 - k^q) / q where p_y <= k
 *   bootstrap_soft   -sum_k t_k log p_k, t = beta e_y + (1 - beta) p
 *   bootstrap_hard   -sum_k t_k log p_k, t = beta e_y + (1 - beta) e_argmax(p)
 *                    (both Reed et al., arXiv:1412.6596, ICLR 2015 workshop)
 *   label_smoothing  -sum_k t_k log p_k, t = (1 - epsilon) e_y + epsilon / K
 *   nce_rce          alpha * log p_y / sum_k log p_k + beta * rce (Ma et al., ICML 2020)
 *   forward          -log (T^T p)_y (Patrini et al., CVPR 2017)
 *   backward         (T^-1 l)_y with l_k = -log p_k (Patrini et al., CVPR 2017)
 *   unbiased         backward for K = 2 in the form of Natarajan et al., NeurIPS 2013
 * The last three read the transition matrix T[i][j] = P(noisy = j | clean =
 * i) (and backward its inverse); src/loss_correction.h defines them and
 * lnl_method_fit finds T for them.
 *
 * bootstrap_soft differentiates its target: t depends on p, and the
 * gradient includes dt/dz: the loss is beta * ce + (1 - beta) * H(p) with H
 * the entropy, a cross entropy with a minimum-entropy term. The hard
 * target e_argmax(p) is piecewise constant in z, so its derivative is zero
 * wherever it is defined and the stop-gradient and differentiated readings
 * of bootstrap_hard agree; the argmax takes the lowest index on ties.
 *
 * A in rce, sce and nce_rce: Wang et al. set A = -4 in the paper, while the
 * code the authors published clamps the one-hot label at 1e-4 before the
 * log, which is A = ln(1e-4) = -9.2103. The default here is the paper's
 * -4; set A = -9.210340371976182 to match that code.
 */
#ifndef LNL_LOSS_H
#define LNL_LOSS_H

#include <stddef.h>

#include "lnl/error.h"

/* The parameters a loss reads. Each loss reads only the fields that its
 * registry row lists in `parameters`; lnl_loss_defaults fills them. */
typedef struct lnl_loss_params {
    size_t n_classes;   /* K */
    double alpha;       /* sce, nce_rce: weight of the first term, >= 0 */
    double beta;        /* sce, nce_rce: weight of rce, >= 0; bootstrap: label weight in [0, 1] */
    double A;           /* rce, sce, nce_rce: the value that replaces log 0, < 0 */
    double q;           /* gce exponent in (0, 1] */
    double truncation;  /* gce threshold k in [0, 1); 0 turns the truncation off */
    double epsilon;     /* label_smoothing weight of the uniform target, in [0, 1) */
    const double *T;    /* loss correction: K x K transition matrix */
    const double *T_inverse;  /* backward correction: K x K */
} lnl_loss_params;

/* The parameters of lnl_loss_params as bits, for lnl_loss_info.parameters. */
enum {
    LNL_LOSS_PARAM_ALPHA = 1u << 0,
    LNL_LOSS_PARAM_BETA = 1u << 1,
    LNL_LOSS_PARAM_A = 1u << 2,
    LNL_LOSS_PARAM_Q = 1u << 3,
    LNL_LOSS_PARAM_TRUNCATION = 1u << 4,
    LNL_LOSS_PARAM_EPSILON = 1u << 5,
    LNL_LOSS_PARAM_TRANSITION = 1u << 6,         /* T */
    LNL_LOSS_PARAM_TRANSITION_INVERSE = 1u << 7  /* T_inverse */
};

typedef struct lnl_loss lnl_loss;

/* Evaluates n rows. gradient may be NULL when only values are needed.
 * work has room for lnl_loss_work_size(n, K) doubles. Returns
 * LNL_ERR_NUMERIC when a logit, a value or a gradient entry is not finite. */
typedef lnl_status (*lnl_loss_evaluate_fn)(const lnl_loss *loss, size_t n, const double *Z,
                                          const int *y, double *values, double *gradient,
                                          double *work);

typedef struct lnl_loss_info {
    const char *name;          /* the config's `loss =` value */
    const char *summary;       /* one line for help and docs */
    lnl_loss_evaluate_fn evaluate;
    int convex;                /* 1 when convex in Z, so L-BFGS from zero reaches the optimum */
    unsigned parameters;       /* LNL_LOSS_PARAM_* bits of the parameters the loss reads */
    lnl_loss_params defaults;  /* default values of those parameters; n_classes is 0 */
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

/* Fills params with the loss's defaults for K = n_classes. */
void lnl_loss_defaults(const lnl_loss_info *info, size_t n_classes, lnl_loss_params *params);

/* Checks the parameters that the loss reads against their domains (the
 * ranges in lnl_loss_params, and alpha and beta not both 0). On failure
 * returns LNL_ERR_ARGUMENT with a message naming the parameter and sets
 * *parameter (when not NULL) to its config key, such as "q". */
lnl_status lnl_loss_check_params(const lnl_loss_info *info, const lnl_loss_params *params,
                                 const char **parameter, lnl_error *err);

/* Scratch space (in doubles) that evaluate needs for n rows of K classes. */
size_t lnl_loss_work_size(size_t n, size_t n_classes);

/* Row-wise softmax of Z into P (n x K), stable through max subtraction. */
void lnl_softmax(size_t n, size_t n_classes, const double *Z, double *P);

/* Row-wise log-softmax of Z into L (n x K): L_k = z_k - logsumexp(z).
 * The sum is taken as z_max + log1p(sum over the other classes of
 * exp(z_k - z_max)), so log p_max keeps full relative precision when p_max
 * is near 1. */
void lnl_log_softmax(size_t n, size_t n_classes, const double *Z, double *L);

/* Maps G = dLoss/dP to dLoss/dZ in place, given P = softmax(Z):
 *   dZ_k = P_k (G_k - sum_j P_j G_j). */
void lnl_loss_chain_softmax(size_t n, size_t n_classes, const double *P, double *G);

#endif
