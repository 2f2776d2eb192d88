/* Optimizers for smooth objectives.
 *
 * L-BFGS: limited-memory BFGS with the two-loop recursion (Nocedal and
 * Wright, Numerical Optimization, 2nd ed., Algorithm 7.4) and a line search
 * satisfying the strong Wolfe conditions (Algorithms 3.5 and 3.6 there,
 * with safeguarded cubic interpolation), c1 = 1e-4, c2 = 0.9.
 *
 * SGD and Adam (src/sgd.c): mini-batch first-order methods for objectives
 * that are sums over samples, with the samples shuffled every epoch from a
 * caller's random stream. They take fixed steps, so they tolerate the flat
 * regions of bounded losses where a line search stalls, but they reach the
 * gradient tolerance only when the step size allows it.
 */
#ifndef LNL_OPTIM_H
#define LNL_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/error.h"
#include "lnl/rng.h"

/* Evaluates f(x) and its gradient (length n). */
typedef lnl_status (*lnl_objective_fn)(void *context, const double *x, double *f,
                                       double *gradient, lnl_error *err);

/* Called once per iteration with the objective, the gradient's max norm
 * and the accepted step length; may be NULL. */
typedef void (*lnl_progress_fn)(void *context, int iteration, double f, double gradient_norm,
                                double step);

typedef struct lnl_lbfgs_options {
    int max_iter;     /* iterations (each with one line search); default 1000 */
    double tol;       /* stop when ||g||_inf <= tol * max(1, ||g(x0)||_inf); default 1e-6 */
    int memory;       /* correction pairs kept; default 10 */
    lnl_progress_fn progress;
    void *progress_context;
} lnl_lbfgs_options;

typedef struct lnl_optim_result {
    int iterations;
    int evaluations;      /* objective and gradient evaluations */
    bool converged;       /* the gradient tolerance was met */
    double f;             /* objective at the returned x */
    double gradient_norm; /* ||g||_inf at the returned x */
    char reason[96];      /* why it stopped, e.g. "gradient tolerance reached" */
} lnl_optim_result;

void lnl_lbfgs_defaults(lnl_lbfgs_options *options);

/* Minimizes f from x (length n, overwritten with the best point found).
 * Not converging within max_iter, or a line search that finds no further
 * decrease, is not an error: result->converged is false and result->reason
 * gives the reason. Errors are those of the objective and LNL_ERR_NOMEM. */
lnl_status lnl_lbfgs(lnl_objective_fn objective, void *context, size_t n, double *x,
                     const lnl_lbfgs_options *options, lnl_optim_result *result,
                     lnl_error *err);

/* Evaluates an estimate of the objective and its gradient (length n) on
 * the samples batch[0..batch_size), indices in 0..n_samples-1. The
 * estimate must be unbiased for the objective that lnl_sgd also receives,
 * such as the mean loss over the batch for the mean loss over all samples. */
typedef lnl_status (*lnl_batch_objective_fn)(void *context, const double *x, const size_t *batch,
                                             size_t batch_size, double *f, double *gradient,
                                             lnl_error *err);

typedef enum lnl_sgd_rule {
    /* Heavy ball: v = momentum * v + g, x -= lr * v, the update that the
     * PyTorch 2.0 documentation gives for torch.optim.SGD with dampening 0
     * and nesterov off. */
    LNL_SGD_MOMENTUM,
    /* Adam (Kingma and Ba, ICLR 2015, Algorithm 1) with beta1 = momentum,
     * beta2 = 0.999, epsilon = 1e-8 and bias correction. */
    LNL_SGD_ADAM
} lnl_sgd_rule;

typedef struct lnl_sgd_options {
    lnl_sgd_rule rule;      /* default LNL_SGD_MOMENTUM */
    int epochs;             /* passes over the samples, >= 1; default 100 */
    size_t batch_size;      /* samples per step, >= 1; the last batch of an epoch may be
                               smaller; default 32 */
    double lr;              /* step size > 0; default 0.01 */
    double momentum;        /* in [0, 1): the heavy-ball factor, or Adam's beta1; default 0.9 */
    double weight_decay;    /* >= 0: adds weight_decay * x_j to g_j for j < n_decayed, the
                               gradient of (weight_decay / 2) ||x_decayed||^2, before the
                               momentum as torch.optim.SGD and Adam do; default 0 */
    size_t n_decayed;       /* the first n_decayed coordinates get weight decay; default
                               SIZE_MAX, meaning all */
    double tol;             /* stop after an epoch when the full gradient has
                               ||g||_inf <= tol * max(1, ||g(x0)||_inf); default 1e-6 */
    lnl_progress_fn progress;  /* once per epoch: full objective, its gradient norm, lr */
    void *progress_context;
} lnl_sgd_options;

void lnl_sgd_defaults(lnl_sgd_options *options);

/* Minimizes F(x) = objective(x) + (weight_decay / 2) ||x_decayed||^2 from
 * x (length n) by mini-batch steps with batch_objective over n_samples
 * samples. Each epoch draws a fresh order of the samples with
 * lnl_rng_shuffle(rng), takes one step per batch, then evaluates the full
 * objective: it stops with result->converged when the gradient tolerance
 * is met, and otherwise after options->epochs epochs with converged false
 * and the reason in result->reason. x ends at the last iterate, and
 * result->f and result->gradient_norm are F and ||grad F||_inf there;
 * result->iterations counts epochs and result->evaluations both kinds of
 * calls. A step that makes a value, a gradient or a parameter NaN or
 * infinite stops the run with LNL_ERR_NUMERIC and x at the last finite
 * iterate; the message names the epoch and suggests a lower lr. Other
 * errors are LNL_ERR_ARGUMENT for invalid options, those of the
 * objectives, and LNL_ERR_NOMEM. */
lnl_status lnl_sgd(lnl_objective_fn objective, lnl_batch_objective_fn batch_objective,
                   void *context, size_t n, double *x, size_t n_samples, lnl_rng *rng,
                   const lnl_sgd_options *options, lnl_optim_result *result, lnl_error *err);

#endif
