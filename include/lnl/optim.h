/* Optimizers for smooth objectives.
 *
 * L-BFGS: limited-memory BFGS with the two-loop recursion (Nocedal and
 * Wright, Numerical Optimization, 2nd ed., Algorithm 7.4) and a line search
 * satisfying the strong Wolfe conditions (Algorithms 3.5 and 3.6 there,
 * with safeguarded cubic interpolation), c1 = 1e-4, c2 = 0.9.
 */
#ifndef LNL_OPTIM_H
#define LNL_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/error.h"

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
 * says why. Errors are those of the objective and LNL_ERR_NOMEM. */
lnl_status lnl_lbfgs(lnl_objective_fn objective, void *context, size_t n, double *x,
                     const lnl_lbfgs_options *options, lnl_optim_result *result,
                     lnl_error *err);

#endif
