/* Linear models: logistic regression, binary (sigmoid) or multinomial
 * (softmax), with an L2 penalty in scikit-learn's convention:
 *
 *   f(W, b) = 0.5 * ||W||_F^2 + C * sum_i s_i * loss(x_i W^T + b, y_i)
 *
 * where C is the inverse regularization strength, s_i the sample weights
 * and the intercept b is not penalized. Rows are read from the shared data
 * matrix through a list of row indices and standardized on the fly; X is
 * never copied per run.
 *
 * Parameter vector theta, length lnl_linear_n_params: the n_logits x d
 * weight matrix row-major, then n_logits intercepts. The binary model has
 * n_logits = 1 and its logits for the loss are (0, z); the softmax model has
 * n_logits = K.
 */
#ifndef LNL_LINEAR_H
#define LNL_LINEAR_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/dataset.h"
#include "lnl/error.h"
#include "lnl/loss.h"
#include "lnl/split.h"

typedef struct lnl_linear_shape {
    size_t n_features;   /* d */
    size_t n_classes;    /* K >= 2 */
    bool binary;         /* one logit and a sigmoid; needs K = 2 */
    bool fit_intercept;
} lnl_linear_shape;

/* 1 for the binary model, K for softmax. */
size_t lnl_linear_n_logits(const lnl_linear_shape *shape);

/* n_logits * (d + 1). */
size_t lnl_linear_n_params(const lnl_linear_shape *shape);

/* The training problem: which rows, which labels, which loss. */
typedef struct lnl_linear_problem {
    lnl_linear_shape shape;
    const lnl_dataset *data;
    const size_t *rows;                    /* n_rows indices into data */
    size_t n_rows;
    const int *labels;                     /* labels[i] belongs to rows[i] */
    const double *sample_weights;          /* weights[i] for rows[i]; NULL = all 1 */
    const lnl_standardizer *standardizer;  /* NULL = raw features */
    const lnl_loss *loss;
    double C;
} lnl_linear_problem;

/* The maximum number of threads of one objective evaluation. */
#define LNL_LINEAR_MAX_THREADS 64

/* Scratch buffers for one objective evaluation over blocks of rows, and
 * the threads it may use. */
typedef struct lnl_linear_workspace {
    /* Threads of one evaluation: 1 after lnl_linear_workspace_create. The
     * result does not depend on it (see lnl_linear_objective). */
    int threads;
    size_t block_rows;
    double *block_X;       /* block_rows x d: gathered, standardized rows */
    double *logits;        /* block_rows x K */
    double *gradient;      /* block_rows x K: dLoss/dZ */
    double *values;        /* block_rows */
    double *loss_work;     /* lnl_loss_work_size(block_rows, K) */
    double *binary_logit;  /* block_rows */
    double *inverse_scale; /* d: 1 / scale of the standardizer */
} lnl_linear_workspace;

lnl_status lnl_linear_workspace_create(const lnl_linear_shape *shape,
                                       lnl_linear_workspace *out, lnl_error *err);
void lnl_linear_workspace_destroy(lnl_linear_workspace *workspace);

/* Evaluates f(theta) and, when gradient is not NULL, its gradient, reading
 * each row once: per block of rows it gathers and standardizes the rows,
 * computes the logits with one gemm (gemv for the binary model), the loss
 * and dLoss/dZ, and adds the block's gradient contribution with one more
 * gemm before the next block. Returns LNL_ERR_NUMERIC on a non-finite loss.
 *
 * The rows are summed in chunks of a fixed number of blocks, which
 * depends on the number of features only, and the chunks' sums are added
 * in chunk order. With workspace->threads > 1 the chunks are shared among
 * that many threads, so the result is the same bit for bit for every
 * thread count. */
lnl_status lnl_linear_objective(const lnl_linear_problem *problem, const double *theta,
                                double *f, double *gradient, lnl_linear_workspace *workspace,
                                lnl_error *err);

/* The same objective by the plain two-pass method (standardize every row
 * into one matrix, all logits, then the gradient), kept as the test oracle
 * for lnl_linear_objective. */
lnl_status lnl_linear_objective_reference(const lnl_linear_problem *problem,
                                          const double *theta, double *f, double *gradient,
                                          lnl_error *err);

/* Writes the loss-ready logits (n_rows x K, so (0, z) for the binary model)
 * of the given rows. */
lnl_status lnl_linear_logits(const lnl_linear_shape *shape, const double *theta,
                             const lnl_dataset *data, const size_t *rows, size_t n_rows,
                             const lnl_standardizer *standardizer, double *logits,
                             lnl_error *err);

/* Writes class probabilities (n_rows x K) of the given rows. */
lnl_status lnl_linear_predict_proba(const lnl_linear_shape *shape, const double *theta,
                                    const lnl_dataset *data, const size_t *rows,
                                    size_t n_rows, const lnl_standardizer *standardizer,
                                    double *probabilities, lnl_error *err);

/* Fraction of rows whose most probable class (lowest index on ties) equals
 * labels[i]. */
lnl_status lnl_linear_accuracy(const lnl_linear_shape *shape, const double *theta,
                               const lnl_dataset *data, const size_t *rows, size_t n_rows,
                               const int *labels, const lnl_standardizer *standardizer,
                               double *accuracy, lnl_error *err);

#endif
