#include "lnl/optim.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LINE_SEARCH_MAX_EVALUATIONS = 40 };

static const double wolfe_c1 = 1e-4, wolfe_c2 = 0.9;

void lnl_lbfgs_defaults(lnl_lbfgs_options *options)
{
    memset(options, 0, sizeof *options);
    options->max_iter = 1000;
    options->tol = 1e-6;
    options->memory = 10;
}

static double dot(size_t n, const double *a, const double *b)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += a[i] * b[i];
    return sum;
}

static double max_norm(size_t n, const double *a)
{
    double max = 0.0;
    for (size_t i = 0; i < n; i++)
        max = fabs(a[i]) > max ? fabs(a[i]) : max;
    return max;
}

/* State of one line search along direction p from x0. */
typedef struct line_search {
    lnl_objective_fn objective;
    void *context;
    size_t n;
    const double *x0, *p;
    double f0, slope0;     /* f(x0) and the directional derivative g(x0)'p < 0 */
    double *x, *g;         /* the last evaluated point and its gradient */
    double f;
    int evaluations;
} line_search;

static lnl_status evaluate_at(line_search *ls, double step, double *f, double *slope,
                              lnl_error *err)
{
    for (size_t i = 0; i < ls->n; i++)
        ls->x[i] = ls->x0[i] + step * ls->p[i];
    lnl_status status = ls->objective(ls->context, ls->x, f, ls->g, err);
    ls->evaluations++;
    if (status != LNL_OK)
        return status;
    *slope = dot(ls->n, ls->g, ls->p);
    ls->f = *f;
    return LNL_OK;
}

/* Differences of f below this are rounding noise. */
static double tie_tolerance(const line_search *ls)
{
    return 64.0 * DBL_EPSILON * fabs(ls->f0);
}

/* The Armijo condition f <= f0 + c1 * step * slope0, relaxed by the
 * rounding noise of f as in the approximate Wolfe conditions of Hager and
 * Zhang (SIAM J. Optim. 16(1), 2005): without the relaxation no step
 * passes once the decrease left is below the rounding error. */
static bool sufficient_decrease(const line_search *ls, double step, double f)
{
    return f <= ls->f0 + wolfe_c1 * step * ls->slope0 + tie_tolerance(ls);
}

/* Whether a trial point with objective f and slope is no better than a
 * reference point with objective f_reference, which lies at signed distance
 * `toward` from the trial point along the line. Near a
 * minimum the decrease along p falls below the rounding error of f, and
 * equal values say nothing: the slope then tells on which side of the
 * trial point the minimum lies. */
static bool no_better(const line_search *ls, double f, double f_reference, double slope,
                      double toward)
{
    if (fabs(f - f_reference) > tie_tolerance(ls))
        return f > f_reference;
    return slope * toward < 0.0;
}

/* Minimizer of the cubic through (a, fa, da) and (b, fb, db), kept inside
 * [lo + 0.1 w, hi - 0.1 w] of the bracket, bisection when it is undefined. */
static double cubic_step(double a, double fa, double da, double b, double fb, double db)
{
    double lo = a < b ? a : b, hi = a < b ? b : a, width = hi - lo;
    double d1 = da + db - 3.0 * (fa - fb) / (a - b);
    double radicand = d1 * d1 - da * db;
    double step = 0.5 * (a + b);
    if (radicand >= 0.0) {
        double d2 = (b > a ? 1.0 : -1.0) * sqrt(radicand);
        double denominator = db - da + 2.0 * d2;
        if (denominator != 0.0)
            step = b - (b - a) * (db + d2 - d1) / denominator;
    }
    if (!isfinite(step) || step < lo + 0.1 * width || step > hi - 0.1 * width)
        step = 0.5 * (a + b);
    return step;
}

/* Zoom phase: the bracket [lo, hi] contains a point satisfying the strong
 * Wolfe conditions; lo is the end with the lower objective. */
static lnl_status zoom(line_search *ls, double lo, double f_lo, double d_lo, double hi,
                       double f_hi, double d_hi, double *step_out, bool *found,
                       lnl_error *err)
{
    while (ls->evaluations < LINE_SEARCH_MAX_EVALUATIONS) {
        double step = cubic_step(lo, f_lo, d_lo, hi, f_hi, d_hi);
        double f, slope;
        lnl_status status = evaluate_at(ls, step, &f, &slope, err);
        if (status != LNL_OK)
            return status;

        if (!sufficient_decrease(ls, step, f) || no_better(ls, f, f_lo, slope, lo - step)) {
            hi = step, f_hi = f, d_hi = slope;
        } else {
            if (fabs(slope) <= -wolfe_c2 * ls->slope0) {
                *step_out = step;
                *found = true;
                return LNL_OK;
            }
            if (slope * (hi - lo) >= 0.0)
                hi = lo, f_hi = f_lo, d_hi = d_lo;
            lo = step, f_lo = f, d_lo = slope;
        }
        if (fabs(hi - lo) <= 1e-16 * fabs(lo))
            break;
    }
    *found = false;
    return LNL_OK;
}

/* Finds a step satisfying the strong Wolfe conditions, starting at step.
 * On success ls->x, ls->g and ls->f hold the accepted point. */
static lnl_status search_step(line_search *ls, double step, double *step_out, bool *found,
                              lnl_error *err)
{
    double previous = 0.0, f_previous = ls->f0, d_previous = ls->slope0;
    *found = false;

    for (int i = 0; ls->evaluations < LINE_SEARCH_MAX_EVALUATIONS; i++) {
        double f, slope;
        lnl_status status = evaluate_at(ls, step, &f, &slope, err);
        if (status != LNL_OK)
            return status;

        if (!sufficient_decrease(ls, step, f) ||
            (i > 0 && no_better(ls, f, f_previous, slope, previous - step)))
            return zoom(ls, previous, f_previous, d_previous, step, f, slope, step_out, found,
                        err);
        if (fabs(slope) <= -wolfe_c2 * ls->slope0) {
            *step_out = step;
            *found = true;
            return LNL_OK;
        }
        if (slope >= 0.0)
            return zoom(ls, step, f, slope, previous, f_previous, d_previous, step_out, found,
                        err);

        previous = step, f_previous = f, d_previous = slope;
        step *= 2.0;
    }
    return LNL_OK;
}

/* Two-loop recursion: p = -H g with the stored pairs (s_i, y_i), oldest
 * first in the ring buffer starting at `oldest`. */
static void lbfgs_direction(size_t n, int count, int oldest, int memory, const double *S,
                            const double *Y, const double *rho, double *alpha,
                            const double *g, double *p)
{
    for (size_t i = 0; i < n; i++)
        p[i] = -g[i];

    for (int j = count - 1; j >= 0; j--) {
        int slot = (oldest + j) % memory;
        alpha[slot] = rho[slot] * dot(n, S + (size_t)slot * n, p);
        for (size_t i = 0; i < n; i++)
            p[i] -= alpha[slot] * Y[(size_t)slot * n + i];
    }

    if (count > 0) {
        /* Initial Hessian gamma * I with gamma = s'y / y'y of the newest pair. */
        int newest = (oldest + count - 1) % memory;
        const double *y = Y + (size_t)newest * n;
        double gamma = 1.0 / (rho[newest] * dot(n, y, y));
        for (size_t i = 0; i < n; i++)
            p[i] *= gamma;
    }

    for (int j = 0; j < count; j++) {
        int slot = (oldest + j) % memory;
        double beta = rho[slot] * dot(n, Y + (size_t)slot * n, p);
        for (size_t i = 0; i < n; i++)
            p[i] += (alpha[slot] - beta) * S[(size_t)slot * n + i];
    }
}

static void finish(lnl_optim_result *result, bool converged, const char *reason)
{
    result->converged = converged;
    snprintf(result->reason, sizeof result->reason, "%s", reason);
}

lnl_status lnl_lbfgs(lnl_objective_fn objective, void *context, size_t n, double *x,
                     const lnl_lbfgs_options *options, lnl_optim_result *result,
                     lnl_error *err)
{
    int memory = options->memory > 0 ? options->memory : 10;
    lnl_status status = LNL_OK;
    memset(result, 0, sizeof *result);

    /* One allocation: g, p, x_trial, g_trial, S and Y (memory x n each),
     * rho and alpha (memory each). */
    size_t total = 4 * n + 2 * (size_t)memory * n + 2 * (size_t)memory;
    double *block = calloc(total, sizeof(double));
    if (block == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "out of memory for L-BFGS with %zu parameters", n);
    double *g = block, *p = g + n, *x_trial = p + n, *g_trial = x_trial + n;
    double *S = g_trial + n, *Y = S + (size_t)memory * n;
    double *rho = Y + (size_t)memory * n, *alpha = rho + memory;

    double f;
    status = objective(context, x, &f, g, err);
    result->evaluations = 1;
    if (status != LNL_OK)
        goto cleanup;

    double threshold = options->tol * fmax(1.0, max_norm(n, g));
    int count = 0, oldest = 0;
    finish(result, false, "maximum number of iterations reached");

    for (int iteration = 1; iteration <= options->max_iter; iteration++) {
        if (max_norm(n, g) <= threshold) {
            finish(result, true, "gradient tolerance reached");
            break;
        }

        lbfgs_direction(n, count, oldest, memory, S, Y, rho, alpha, g, p);
        double slope = dot(n, g, p);
        if (!(slope < 0.0)) {
            /* The curvature pairs gave no descent direction: restart. */
            count = 0;
            lbfgs_direction(n, 0, 0, memory, S, Y, rho, alpha, g, p);
            slope = dot(n, g, p);
        }
        double initial_step = count == 0 ? fmin(1.0, 1.0 / sqrt(dot(n, g, g))) : 1.0;

        line_search ls = {objective, context, n, x, p, f, slope, x_trial, g_trial, f, 0};
        double step = 0.0;
        bool found = false;
        status = search_step(&ls, initial_step, &step, &found, err);
        result->evaluations += ls.evaluations;
        if (status != LNL_OK)
            goto cleanup;
        if (!found) {
            if (count > 0) {
                count = 0;  /* retry once along the steepest descent */
                iteration--;
                continue;
            }
            finish(result, false, "line search found no further decrease");
            break;
        }

        /* Keep the pair s = x_new - x, y = g_new - g only when s'y > 0, so
         * that the implied Hessian approximation stays positive definite. */
        double curvature = 0.0, y_squared = 0.0;
        for (size_t i = 0; i < n; i++) {
            double s_i = x_trial[i] - x[i], y_i = g_trial[i] - g[i];
            curvature += s_i * y_i;
            y_squared += y_i * y_i;
        }
        if (curvature > 1e-12 * y_squared) {
            int slot = (oldest + count) % memory;
            for (size_t i = 0; i < n; i++) {
                S[(size_t)slot * n + i] = x_trial[i] - x[i];
                Y[(size_t)slot * n + i] = g_trial[i] - g[i];
            }
            rho[slot] = 1.0 / curvature;
            if (count < memory)
                count++;
            else
                oldest = (oldest + 1) % memory;
        }

        memcpy(x, x_trial, n * sizeof(double));
        memcpy(g, g_trial, n * sizeof(double));
        f = ls.f;
        result->iterations = iteration;
        if (options->progress != NULL)
            options->progress(options->progress_context, iteration, f, max_norm(n, g), step);
    }
    if (result->iterations == options->max_iter && max_norm(n, g) <= threshold)
        finish(result, true, "gradient tolerance reached");

    result->f = f;
    result->gradient_norm = max_norm(n, g);

cleanup:
    free(block);
    return status;
}
