/* Tests of L-BFGS on functions with known minima, of its stopping rules
 * and of how it passes on an objective's error. Tests of mini-batch SGD and
 * Adam: convergence on a least-squares sum, the sample order drawn from the
 * caller's stream, weight decay, divergence and option checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/config.h"
#include "lnl/generate.h"
#include "lnl/method.h"
#include "lnl/optim.h"
#include "lnl/rng.h"

/* cmocka 1.1.5 compares only floats, so doubles get their own check that
 * prints both values and fails at the caller's line. NaN always fails. */
#define assert_close(actual, expected, tolerance) \
    check_close((actual), (expected), (tolerance), #actual, __FILE__, __LINE__)

static void check_close(double actual, double expected, double tolerance, const char *text,
                        const char *file, int line)
{
    if (fabs(actual - expected) <= tolerance)
        return;
    print_error("%s is %.17g, expected %.17g within %g\n", text, actual, expected, tolerance);
    _fail(file, line);
}

enum { MAX_DIMENSION = 50 };

/* f(x) = 0.5 (x - x*)' A (x - x*) + f_min with A symmetric positive
 * definite, n x n row-major. */
typedef struct quadratic {
    size_t n;
    double A[MAX_DIMENSION * MAX_DIMENSION];
    double minimizer[MAX_DIMENSION];
    double f_min;
    int evaluations;
} quadratic;

static lnl_status quadratic_objective(void *context, const double *x, double *f,
                                      double *gradient, lnl_error *err)
{
    (void)err;
    quadratic *q = context;
    q->evaluations++;

    double difference[MAX_DIMENSION];
    for (size_t i = 0; i < q->n; i++)
        difference[i] = x[i] - q->minimizer[i];

    *f = q->f_min;
    for (size_t i = 0; i < q->n; i++) {
        double row = 0.0;
        for (size_t j = 0; j < q->n; j++)
            row += q->A[i * q->n + j] * difference[j];
        gradient[i] = row;
        *f += 0.5 * difference[i] * row;
    }
    return LNL_OK;
}

/* A = D + u u' with D = diag(1 .. condition) on a log scale and u a fixed
 * vector, so A is dense, positive definite and has condition number of
 * about `condition`. */
static void quadratic_init(quadratic *q, size_t n, double condition, double f_min)
{
    memset(q, 0, sizeof *q);
    q->n = n;
    q->f_min = f_min;

    double u[MAX_DIMENSION];
    for (size_t i = 0; i < n; i++) {
        u[i] = 0.3 * sin((double)i + 1.0);
        q->minimizer[i] = cos(0.7 * (double)i) + 0.5;
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++)
            q->A[i * n + j] = u[i] * u[j];
        double exponent = n > 1 ? (double)i / (double)(n - 1) : 0.0;
        q->A[i * n + i] += pow(condition, exponent);
    }
}

/* Rosenbrock's function 100 (x1 - x0^2)^2 + (1 - x0)^2, minimum 0 at
 * (1, 1). */
typedef struct rosenbrock {
    int evaluations;
} rosenbrock;

static lnl_status rosenbrock_objective(void *context, const double *x, double *f,
                                       double *gradient, lnl_error *err)
{
    (void)err;
    rosenbrock *r = context;
    r->evaluations++;

    double valley = x[1] - x[0] * x[0];
    *f = 100.0 * valley * valley + (1.0 - x[0]) * (1.0 - x[0]);
    gradient[0] = -400.0 * x[0] * valley - 2.0 * (1.0 - x[0]);
    gradient[1] = 200.0 * valley;
    return LNL_OK;
}

/* Rosenbrock's function that fails with LNL_ERR_NUMERIC on evaluation
 * number fail_at (1-based). */
typedef struct failing {
    int evaluations;
    int fail_at;
} failing;

static lnl_status failing_objective(void *context, const double *x, double *f,
                                    double *gradient, lnl_error *err)
{
    failing *state = context;
    state->evaluations++;
    if (state->evaluations == state->fail_at)
        return lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0, "objective is NaN at evaluation %d",
                             state->evaluations);

    rosenbrock unused = {0};
    return rosenbrock_objective(&unused, x, f, gradient, err);
}

static void lbfgs_defaults_are_documented_values(void **state)
{
    (void)state;
    lnl_lbfgs_options options;
    memset(&options, 0xff, sizeof options);
    lnl_lbfgs_defaults(&options);

    assert_int_equal(options.max_iter, 1000);
    assert_close(options.tol, 1e-6, 0.0);
    assert_int_equal(options.memory, 10);
    assert_null(options.progress);
    assert_null(options.progress_context);
}

static void lbfgs_minimizes_convex_quadratic(void **state)
{
    (void)state;
    quadratic q;
    quadratic_init(&q, 6, 100.0, 3.0);

    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.tol = 1e-10;

    double x[6] = {0}, f0, g0[6];
    quadratic_objective(&q, x, &f0, g0, NULL);
    double g0_norm = 0.0;
    for (size_t i = 0; i < 6; i++)
        g0_norm = fmax(g0_norm, fabs(g0[i]));
    q.evaluations = 0;

    lnl_optim_result result;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_lbfgs(quadratic_objective, &q, 6, x, &options, &result, &err), LNL_OK);

    assert_true(result.converged);
    assert_true(result.iterations > 0);
    assert_string_equal(result.reason, "gradient tolerance reached");
    assert_int_equal(result.evaluations, q.evaluations);

    /* The gradient test is relative to the start: ||g||_inf <= tol * ||g0||_inf.
     * ||x - x*||_2 is at most ||g||_2 over the smallest eigenvalue of A,
     * which is at least 1. With ||g0||_inf near 44 that bound is 1.1e-8. */
    assert_true(result.gradient_norm <= options.tol * g0_norm);
    for (size_t i = 0; i < 6; i++)
        assert_close(x[i], q.minimizer[i], 1e-7);
    assert_close(result.f, q.f_min, 1e-12);
}

static void lbfgs_wraps_short_memory(void **state)
{
    (void)state;
    /* 40 unknowns, condition 1000 and only 3 correction pairs take many
     * more iterations than pairs, so the oldest pair is replaced many
     * times. f_min is 0 because the line search needs f to change
     * measurably (see lbfgs_converges_despite_f_offset). */
    static quadratic q;
    quadratic_init(&q, 40, 1000.0, 0.0);

    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.tol = 1e-12;
    options.memory = 3;

    double x[40] = {0};
    lnl_optim_result result;
    assert_int_equal(lnl_lbfgs(quadratic_objective, &q, 40, x, &options, &result, NULL), LNL_OK);

    assert_true(result.converged);
    assert_true(result.iterations > 3);
    for (size_t i = 0; i < 40; i++)
        assert_close(x[i], q.minimizer[i], 1e-8);
}

static void lbfgs_converges_despite_f_offset(void **state)
{
    (void)state;

    /* The two runs differ only in the constant f_min, which changes
     * neither the gradient nor the iterates in exact arithmetic. With
     * f_min = 100 the decrease along the last directions (about 1e-17) is
     * below the rounding of f (ulp(100) is 1.4e-14), so trial points tie
     * with f(x0) and only the slope can steer the line search. */
    const double offsets[] = {0.0, 100.0};
    for (size_t c = 0; c < 2; c++) {
        static quadratic q;
        quadratic_init(&q, 40, 10.0, offsets[c]);

        lnl_lbfgs_options options;
        lnl_lbfgs_defaults(&options);
        options.tol = 1e-10;

        double x[40] = {0};
        lnl_optim_result result;
        assert_int_equal(lnl_lbfgs(quadratic_objective, &q, 40, x, &options, &result, NULL),
                         LNL_OK);

        if (!result.converged)
            fail_msg("f_min = %g: stopped after %d iterations with \"%s\" at a gradient max "
                     "norm of %g", offsets[c], result.iterations, result.reason,
                     result.gradient_norm);
        for (size_t i = 0; i < 40; i++)
            assert_close(x[i], q.minimizer[i], 1e-8);
    }
}

static void lbfgs_solves_rosenbrock(void **state)
{
    (void)state;
    rosenbrock r = {0};
    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.tol = 1e-10;

    double x[2] = {-1.2, 1.0};
    lnl_optim_result result;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_lbfgs(rosenbrock_objective, &r, 2, x, &options, &result, &err), LNL_OK);

    assert_true(result.converged);
    assert_true(result.iterations > 0);
    assert_string_equal(result.reason, "gradient tolerance reached");
    assert_close(x[0], 1.0, 1e-6);
    assert_close(x[1], 1.0, 1e-6);
    assert_close(result.f, 0.0, 1e-12);
    assert_int_equal(result.evaluations, r.evaluations);
}

static void lbfgs_stops_at_max_iter(void **state)
{
    (void)state;
    rosenbrock r = {0};
    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.max_iter = 1;

    double x[2] = {-1.2, 1.0};
    lnl_optim_result result;
    assert_int_equal(lnl_lbfgs(rosenbrock_objective, &r, 2, x, &options, &result, NULL), LNL_OK);

    assert_false(result.converged);
    assert_int_equal(result.iterations, 1);
    assert_string_equal(result.reason, "maximum number of iterations reached");

    /* The one accepted step decreased f from its start value 24.2. */
    assert_true(result.f < 24.2);
    double f_at_x, gradient[2];
    rosenbrock_objective(&r, x, &f_at_x, gradient, NULL);
    assert_close(result.f, f_at_x, 0.0);
}

static void lbfgs_at_minimum_takes_no_step(void **state)
{
    (void)state;
    quadratic q;
    quadratic_init(&q, 4, 10.0, 3.0);
    double x[4];
    memcpy(x, q.minimizer, sizeof x);

    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    lnl_optim_result result;
    assert_int_equal(lnl_lbfgs(quadratic_objective, &q, 4, x, &options, &result, NULL), LNL_OK);

    assert_true(result.converged);
    assert_int_equal(result.iterations, 0);
    assert_int_equal(result.evaluations, 1);
    assert_memory_equal(x, q.minimizer, sizeof x);
    assert_close(result.f, q.f_min, 0.0);
}

static void lbfgs_propagates_objective_error(void **state)
{
    (void)state;
    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);

    /* Evaluation 1 is the start point, evaluation 3 lies inside a line
     * search. */
    const int fail_at[] = {1, 3};
    for (size_t c = 0; c < sizeof fail_at / sizeof fail_at[0]; c++) {
        failing objective = {0, fail_at[c]};
        double x[2] = {-1.2, 1.0};
        lnl_optim_result result;
        lnl_error err;
        lnl_error_clear(&err);

        lnl_status status = lnl_lbfgs(failing_objective, &objective, 2, x, &options, &result, &err);

        assert_int_equal(status, LNL_ERR_NUMERIC);
        assert_int_equal(err.status, LNL_ERR_NUMERIC);
        assert_non_null(strstr(err.message, "objective is NaN"));
        assert_false(result.converged);
        assert_int_equal(objective.evaluations, fail_at[c]);
    }
}

/* Summary of the progress callbacks of one run. */
typedef struct progress_log {
    int calls;
    int last_iteration;
    double last_f;
    int consecutive;
    int decreasing;
    int positive_steps;
} progress_log;

static void record_progress(void *context, int iteration, double f, double gradient_norm,
                            double step)
{
    progress_log *log = context;
    (void)gradient_norm;

    if (iteration != log->last_iteration + 1)
        log->consecutive = 0;
    if (log->calls > 0 && !(f < log->last_f))
        log->decreasing = 0;
    if (!(step > 0.0))
        log->positive_steps = 0;

    log->calls++;
    log->last_iteration = iteration;
    log->last_f = f;
}

static void lbfgs_reports_progress_each_iteration(void **state)
{
    (void)state;
    rosenbrock r = {0};
    progress_log log = {0, 0, 0.0, 1, 1, 1};

    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.progress = record_progress;
    options.progress_context = &log;

    double x[2] = {-1.2, 1.0};
    lnl_optim_result result;
    assert_int_equal(lnl_lbfgs(rosenbrock_objective, &r, 2, x, &options, &result, NULL), LNL_OK);

    assert_true(result.iterations > 0);
    assert_int_equal(log.calls, result.iterations);
    assert_int_equal(log.last_iteration, result.iterations);
    assert_true(log.consecutive);
    assert_true(log.decreasing);
    assert_true(log.positive_steps);
    assert_close(log.last_f, result.f, 0.0);
}

/* ---- SGD and Adam ----------------------------------------------------- */

enum { LS_SAMPLES = 60, LS_DIMENSION = 3, LS_MAX_EPOCHS = 8 };

/* Least squares F(x) = (1/N) sum_i 0.5 (a_i'x - b_i)^2 with b = A x*, so
 * every sample's residual vanishes at x* and fixed-step SGD converges to
 * it. Records the order in which the batches visit the samples. */
typedef struct least_squares {
    double A[LS_SAMPLES * LS_DIMENSION];
    double b[LS_SAMPLES];
    double minimizer[LS_DIMENSION];
    size_t visits[LS_MAX_EPOCHS * LS_SAMPLES];  /* sample indices, in visiting order */
    size_t n_visits;
    size_t largest_batch, smallest_batch;
    int fail_at_batch;  /* batch evaluation (1-based) that returns NaN; 0 = never */
    int batch_calls;
} least_squares;

static void least_squares_init(least_squares *ls)
{
    memset(ls, 0, sizeof *ls);
    ls->minimizer[0] = 1.5;
    ls->minimizer[1] = -2.0;
    ls->minimizer[2] = 0.25;
    for (size_t i = 0; i < LS_SAMPLES; i++) {
        ls->b[i] = 0.0;
        for (size_t j = 0; j < LS_DIMENSION; j++) {
            ls->A[i * LS_DIMENSION + j] = sin(0.37 * (double)((i + 1) * (j + 1)) + (double)j);
            ls->b[i] += ls->A[i * LS_DIMENSION + j] * ls->minimizer[j];
        }
    }
    ls->smallest_batch = SIZE_MAX;
}

/* The mean of 0.5 r_i^2 over the rows in batch, and its gradient. */
static void least_squares_mean(const least_squares *ls, const double *x, const size_t *batch,
                               size_t size, double *f, double *gradient)
{
    *f = 0.0;
    for (size_t j = 0; j < LS_DIMENSION; j++)
        gradient[j] = 0.0;
    for (size_t r = 0; r < size; r++) {
        size_t i = batch != NULL ? batch[r] : r;
        const double *a = ls->A + i * LS_DIMENSION;
        double residual = -ls->b[i];
        for (size_t j = 0; j < LS_DIMENSION; j++)
            residual += a[j] * x[j];
        *f += 0.5 * residual * residual / (double)size;
        for (size_t j = 0; j < LS_DIMENSION; j++)
            gradient[j] += residual * a[j] / (double)size;
    }
}

static lnl_status least_squares_full(void *context, const double *x, double *f,
                                     double *gradient, lnl_error *err)
{
    (void)err;
    least_squares_mean(context, x, NULL, LS_SAMPLES, f, gradient);
    return LNL_OK;
}

static lnl_status least_squares_batch(void *context, const double *x, const size_t *batch,
                                      size_t size, double *f, double *gradient, lnl_error *err)
{
    least_squares *ls = context;
    ls->batch_calls++;
    if (ls->batch_calls == ls->fail_at_batch)
        return lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0, "the loss is NaN in batch %d",
                             ls->batch_calls);
    for (size_t r = 0; r < size && ls->n_visits < LS_MAX_EPOCHS * LS_SAMPLES; r++)
        ls->visits[ls->n_visits++] = batch[r];
    ls->largest_batch = size > ls->largest_batch ? size : ls->largest_batch;
    ls->smallest_batch = size < ls->smallest_batch ? size : ls->smallest_batch;
    least_squares_mean(ls, x, batch, size, f, gradient);
    return LNL_OK;
}

static void sgd_defaults_are_documented_values(void **state)
{
    (void)state;
    lnl_sgd_options options;
    memset(&options, 0xff, sizeof options);
    lnl_sgd_defaults(&options);

    assert_int_equal(options.rule, LNL_SGD_MOMENTUM);
    assert_int_equal(options.epochs, 100);
    assert_int_equal(options.batch_size, 32);
    assert_close(options.lr, 0.01, 0.0);
    assert_close(options.momentum, 0.9, 0.0);
    assert_close(options.weight_decay, 0.0, 0.0);
    assert_true(options.n_decayed == SIZE_MAX);
    assert_close(options.tol, 1e-6, 0.0);
    assert_null(options.progress);
    assert_null(options.progress_context);
}

static void sgd_and_adam_minimize_least_squares(void **state)
{
    (void)state;
    static const lnl_sgd_rule rules[] = {LNL_SGD_MOMENTUM, LNL_SGD_ADAM};
    for (size_t c = 0; c < 2; c++) {
        static least_squares ls;
        least_squares_init(&ls);
        lnl_sgd_options options;
        lnl_sgd_defaults(&options);
        options.rule = rules[c];
        options.batch_size = 8;
        options.lr = rules[c] == LNL_SGD_ADAM ? 0.02 : 0.05;
        options.epochs = 2000;
        options.tol = 1e-7;

        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 3);
        double x[LS_DIMENSION] = {0};
        lnl_optim_result result;
        lnl_error err;
        lnl_error_clear(&err);
        lnl_status status = lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION, x,
                                    LS_SAMPLES, &rng, &options, &result, &err);
        assert_int_equal(status, LNL_OK);

        if (!result.converged)
            fail_msg("rule %d: %s after %d epochs, gradient norm %g", (int)rules[c],
                     result.reason, result.iterations, result.gradient_norm);
        assert_string_equal(result.reason, "gradient tolerance reached");
        assert_true(result.iterations > 1 && result.iterations < options.epochs);

        /* The Hessian A'A / N has eigenvalues 0.44, 0.50 and 0.56 (numpy),
         * so a gradient max norm below 1e-7 puts x within 1e-6 of x*. */
        for (size_t j = 0; j < LS_DIMENSION; j++)
            assert_close(x[j], ls.minimizer[j], 1e-5);
        double f, g[LS_DIMENSION];
        least_squares_full(&ls, x, &f, g, NULL);
        assert_close(result.f, f, 0.0);
        assert_true(result.gradient_norm <= 1e-7);

        /* One full evaluation per epoch plus the start, and
         * ceil(60 / 8) = 8 batches per epoch. */
        assert_int_equal(result.evaluations, 1 + result.iterations * (1 + 8));
    }
}

static void sgd_visits_samples_in_stream_order(void **state)
{
    (void)state;
    static least_squares ls;
    least_squares_init(&ls);
    lnl_sgd_options options;
    lnl_sgd_defaults(&options);
    options.batch_size = 25;
    options.epochs = 3;

    lnl_rng rng, copy;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, 12345);
    copy = rng;
    double x[LS_DIMENSION] = {0};
    lnl_optim_result result;
    assert_int_equal(lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION, x,
                             LS_SAMPLES, &rng, &options, &result, NULL),
                     LNL_OK);
    assert_int_equal(result.iterations, 3);
    assert_false(result.converged);
    assert_string_equal(result.reason, "maximum number of epochs reached");

    /* Epoch e visits the identity order shuffled e times by the same
     * stream, in batches of 25, 25 and 10. */
    assert_int_equal(ls.n_visits, 3 * LS_SAMPLES);
    assert_int_equal(ls.largest_batch, 25);
    assert_int_equal(ls.smallest_batch, 10);
    size_t expected[LS_SAMPLES];
    for (size_t i = 0; i < LS_SAMPLES; i++)
        expected[i] = i;
    for (size_t epoch = 0; epoch < 3; epoch++) {
        lnl_rng_shuffle(&copy, expected, LS_SAMPLES);
        for (size_t i = 0; i < LS_SAMPLES; i++)
            if (ls.visits[epoch * LS_SAMPLES + i] != expected[i])
                fail_msg("epoch %zu, position %zu: sample %zu, expected %zu", epoch + 1, i,
                         ls.visits[epoch * LS_SAMPLES + i], expected[i]);
    }
    /* The stream advanced by exactly those three shuffles. */
    assert_true(lnl_rng_next_u32(&rng) == lnl_rng_next_u32(&copy));
}

static void sgd_same_seed_same_iterates(void **state)
{
    (void)state;
    double runs[3][LS_DIMENSION];
    static const uint64_t seeds[] = {7, 7, 8};
    for (size_t r = 0; r < 3; r++) {
        static least_squares ls;
        least_squares_init(&ls);
        lnl_sgd_options options;
        lnl_sgd_defaults(&options);
        options.epochs = 2;
        options.batch_size = 4;
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, seeds[r]);
        memset(runs[r], 0, sizeof runs[r]);
        lnl_optim_result result;
        assert_int_equal(lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION,
                                 runs[r], LS_SAMPLES, &rng, &options, &result, NULL),
                         LNL_OK);
    }
    assert_memory_equal(runs[0], runs[1], sizeof runs[0]);
    assert_memory_not_equal(runs[0], runs[2], sizeof runs[0]);
}

/* F = 0 everywhere, so only weight decay moves x. */
static lnl_status zero_full(void *context, const double *x, double *f, double *gradient,
                           lnl_error *err)
{
    (void)context;
    (void)x;
    (void)err;
    *f = 0.0;
    for (size_t j = 0; j < 2; j++)
        gradient[j] = 0.0;
    return LNL_OK;
}

static lnl_status zero_batch(void *context, const double *x, const size_t *batch, size_t size,
                             double *f, double *gradient, lnl_error *err)
{
    (void)batch;
    (void)size;
    return zero_full(context, x, f, gradient, err);
}

static void sgd_weight_decay_shrinks_decayed_only(void **state)
{
    (void)state;
    lnl_sgd_options options;
    lnl_sgd_defaults(&options);
    options.momentum = 0.0;
    options.lr = 0.1;
    options.weight_decay = 0.5;
    options.n_decayed = 1;
    options.batch_size = 1;
    options.epochs = 2;
    options.tol = 1e-300;

    /* 5 samples, batch 1: 10 steps of x0 -= lr * wd * x0. */
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    double x[2] = {2.0, 3.0};
    lnl_optim_result result;
    assert_int_equal(lnl_sgd(zero_full, zero_batch, NULL, 2, x, 5, &rng, &options, &result, NULL),
                     LNL_OK);
    assert_close(x[0], 2.0 * pow(1.0 - 0.1 * 0.5, 10), 1e-15);
    assert_close(x[1], 3.0, 0.0);

    /* The reported objective includes (wd / 2) x0^2 and its gradient wd x0. */
    assert_close(result.f, 0.25 * x[0] * x[0], 1e-15);
    assert_close(result.gradient_norm, 0.5 * x[0], 1e-15);
}

static void sgd_huge_step_is_numeric_error(void **state)
{
    (void)state;
    static const lnl_sgd_rule rules[] = {LNL_SGD_MOMENTUM, LNL_SGD_ADAM};
    for (size_t c = 0; c < 2; c++) {
        static least_squares ls;
        least_squares_init(&ls);
        lnl_sgd_options options;
        lnl_sgd_defaults(&options);
        options.rule = rules[c];
        options.lr = rules[c] == LNL_SGD_ADAM ? 1e305 : 1e3;
        options.epochs = 1000;

        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 5);
        double x[LS_DIMENSION] = {0};
        lnl_optim_result result;
        lnl_error err;
        lnl_error_clear(&err);
        lnl_status status = lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION, x,
                                    LS_SAMPLES, &rng, &options, &result, &err);

        assert_int_equal(status, LNL_ERR_NUMERIC);
        assert_non_null(strstr(err.message, "diverged in epoch"));
        assert_non_null(strstr(err.message, "try a lower lr"));
        assert_false(result.converged);
        for (size_t j = 0; j < LS_DIMENSION; j++)
            assert_true(isfinite(x[j]));
    }
}

static void sgd_propagates_batch_error(void **state)
{
    (void)state;
    static least_squares ls;
    least_squares_init(&ls);
    ls.fail_at_batch = 5;
    lnl_sgd_options options;
    lnl_sgd_defaults(&options);
    options.batch_size = 20;

    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 5);
    double x[LS_DIMENSION] = {0};
    lnl_optim_result result;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION, x,
                             LS_SAMPLES, &rng, &options, &result, &err),
                     LNL_ERR_NUMERIC);

    /* Batch 5 is the second of epoch 2 (3 batches per epoch). */
    assert_string_equal(err.message,
                        "sgd diverged in epoch 2: the loss is NaN in batch 5; try a lower lr "
                        "than 0.01");
    assert_int_equal(result.iterations, 1);
}

static void sgd_rejects_invalid_options(void **state)
{
    (void)state;
    static least_squares ls;
    least_squares_init(&ls);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 5);
    double x[LS_DIMENSION] = {0};
    lnl_optim_result result;

    static const struct {
        const char *field;
        double value;
        const char *words;
    } cases[] = {
        {"epochs", 0, "epochs = 0"},       {"batch_size", 0, "batch_size"},
        {"lr", 0.0, "lr = 0"},             {"lr", -1.0, "lr = -1"},
        {"lr", NAN, "lr = nan"},           {"momentum", 1.0, "momentum = 1"},
        {"momentum", -0.1, "momentum"},    {"weight_decay", -1e-3, "weight_decay"},
        {"tol", 0.0, "tol = 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lnl_sgd_options options;
        lnl_sgd_defaults(&options);
        if (strcmp(cases[i].field, "epochs") == 0)
            options.epochs = (int)cases[i].value;
        else if (strcmp(cases[i].field, "batch_size") == 0)
            options.batch_size = (size_t)cases[i].value;
        else if (strcmp(cases[i].field, "lr") == 0)
            options.lr = cases[i].value;
        else if (strcmp(cases[i].field, "momentum") == 0)
            options.momentum = cases[i].value;
        else if (strcmp(cases[i].field, "weight_decay") == 0)
            options.weight_decay = cases[i].value;
        else
            options.tol = cases[i].value;

        lnl_error err;
        lnl_error_clear(&err);
        lnl_status status = lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION, x,
                                    LS_SAMPLES, &rng, &options, &result, &err);
        if (status != LNL_ERR_ARGUMENT)
            fail_msg("case %zu (%s): status %d", i, cases[i].field, (int)status);
        if (strstr(err.message, cases[i].words) == NULL)
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.message, cases[i].words);
    }

    lnl_sgd_options options;
    lnl_sgd_defaults(&options);
    lnl_error err;
    assert_int_equal(lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION, x,
                             LS_SAMPLES, NULL, &options, &result, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "random stream"));
    assert_int_equal(lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION, x, 0,
                             &rng, &options, &result, &err),
                     LNL_ERR_ARGUMENT);
    for (size_t j = 0; j < LS_DIMENSION; j++)
        assert_close(x[j], 0.0, 0.0);
}

static void sgd_reports_progress_each_epoch(void **state)
{
    (void)state;
    static least_squares ls;
    least_squares_init(&ls);
    progress_log log = {0, 0, 0.0, 1, 1, 1};
    lnl_sgd_options options;
    lnl_sgd_defaults(&options);
    options.epochs = 5;
    options.momentum = 0.0;
    options.progress = record_progress;
    options.progress_context = &log;

    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 9);
    double x[LS_DIMENSION] = {0};
    lnl_optim_result result;
    assert_int_equal(lnl_sgd(least_squares_full, least_squares_batch, &ls, LS_DIMENSION, x,
                             LS_SAMPLES, &rng, &options, &result, NULL),
                     LNL_OK);

    assert_int_equal(log.calls, 5);
    assert_int_equal(log.last_iteration, 5);
    assert_true(log.consecutive);
    assert_true(log.decreasing);
    assert_true(log.positive_steps);
    assert_close(log.last_f, result.f, 0.0);
}

/* ---- lnl_method_fit: optimizers and starts ---------------------------- */

/* A generated 3-class problem (300 rows, 6 features), standardized on all
 * rows, for fits through lnl_method_fit. */
typedef struct fit_fixture {
    lnl_dataset *data;
    lnl_standardizer standardizer;
    size_t rows[300];
    int labels[300];
    lnl_rng rng;
} fit_fixture;

static fit_fixture *fit_fixture_create(size_t n_classes)
{
    fit_fixture *fixture = calloc(1, sizeof *fixture);
    assert_non_null(fixture);
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    params.n_samples = 300;
    params.n_features = 6;
    params.n_informative = 4;
    params.n_redundant = 0;
    params.n_classes = n_classes;
    params.flip_y = 0.05;
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 42);
    assert_int_equal(lnl_make_classification(&params, &rng, &fixture->data, NULL), LNL_OK);
    for (size_t i = 0; i < 300; i++) {
        fixture->rows[i] = i;
        fixture->labels[i] = fixture->data->y[i];
    }
    assert_int_equal(lnl_standardizer_fit(fixture->data, fixture->rows, 300,
                                          &fixture->standardizer, NULL),
                     LNL_OK);
    lnl_rng_seed(&fixture->rng, LNL_RNG_DEFAULT, 7);
    return fixture;
}

static void fit_fixture_destroy(fit_fixture *fixture)
{
    lnl_standardizer_destroy(&fixture->standardizer);
    lnl_dataset_destroy(fixture->data);
    free(fixture);
}

static lnl_fit_input fit_input(fit_fixture *fixture)
{
    lnl_fit_input input = {.data = fixture->data,
                           .rows = fixture->rows,
                           .n_rows = 300,
                           .labels = fixture->labels,
                           .clean_labels = fixture->labels,
                           .n_classes = fixture->data->n_classes,
                           .standardizer = &fixture->standardizer,
                           .rng = &fixture->rng};
    return input;
}

/* A spec with the documented defaults of include/lnl/config.h. */
static lnl_method_spec method_spec(const char *loss, const char *optimizer)
{
    lnl_method_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.C = 1.0;
    spec.fit_intercept = true;
    spec.model = LNL_MODEL_AUTO;
    spec.labels = LNL_LABELS_NOISY;
    spec.max_iter = 1000;
    spec.tol = 1e-6;
    spec.init = LNL_INIT_ZERO;
    spec.epochs = 100;
    spec.batch_size = 32;
    spec.lr = 0.01;
    spec.momentum = 0.9;
    spec.weight_decay = 0.0;
    snprintf(spec.name, sizeof spec.name, "m");
    snprintf(spec.loss, sizeof spec.loss, "%s", loss);
    snprintf(spec.optimizer, sizeof spec.optimizer, "%s", optimizer);
    return spec;
}

static void method_sgd_and_adam_reach_lbfgs_objective(void **state)
{
    (void)state;
    fit_fixture *fixture = fit_fixture_create(3);
    lnl_fit_input input = fit_input(fixture);

    lnl_method_spec reference_spec = method_spec("ce", "lbfgs");
    reference_spec.tol = 1e-10;
    lnl_fit_output reference;
    assert_int_equal(lnl_method_fit(&reference_spec, &input, &reference, NULL), LNL_OK);
    assert_true(reference.optim.converged);

    static const char *const optimizers[] = {"sgd", "adam"};
    for (size_t c = 0; c < 2; c++) {
        lnl_method_spec spec = method_spec("ce", optimizers[c]);
        spec.epochs = 400;
        spec.batch_size = 30;
        /* With a fixed step the batch noise keeps |g| above a floor that
         * grows with lr: these step sizes reach 1e-3 within 400 epochs. */
        spec.lr = c == 0 ? 0.01 : 0.003;
        spec.tol = 1e-3;
        lnl_fit_output output;
        lnl_error err;
        lnl_error_clear(&err);
        assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_OK);

        /* f is reported on the scale of lnl_linear_objective, and the
         * gradient tolerance 1e-3 of f / (C n) leaves f within 1e-3 of
         * the optimum, relative. */
        if (fabs(output.optim.f - reference.optim.f) > 1e-3 * reference.optim.f)
            fail_msg("%s: f = %.10g, L-BFGS f = %.10g (%s after %d epochs)", optimizers[c],
                     output.optim.f, reference.optim.f, output.optim.reason,
                     output.optim.iterations);
        if (!output.optim.converged)
            fail_msg("%s: %s after %d epochs, |g| = %g, f = %.10g vs %.10g", optimizers[c],
                     output.optim.reason, output.optim.iterations, output.optim.gradient_norm,
                     output.optim.f, reference.optim.f);
        assert_false(output.has_initial);
        lnl_fit_output_destroy(&output);
    }
    lnl_fit_output_destroy(&reference);
    fit_fixture_destroy(fixture);
}

static void method_sgd_diverging_leaves_no_parameters(void **state)
{
    (void)state;
    fit_fixture *fixture = fit_fixture_create(3);
    lnl_fit_input input = fit_input(fixture);

    lnl_method_spec spec = method_spec("ce", "sgd");
    spec.lr = 1e200;
    lnl_fit_output output;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_NUMERIC);
    assert_null(output.theta);
    assert_non_null(strstr(err.message, "sgd diverged in epoch 1"));

    /* Without a random stream SGD cannot shuffle. */
    input.rng = NULL;
    spec.lr = 0.01;
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_ARGUMENT);
    assert_null(output.theta);
    fit_fixture_destroy(fixture);
}

static void method_init_ce_starts_at_ce_optimum(void **state)
{
    (void)state;
    fit_fixture *fixture = fit_fixture_create(3);
    lnl_fit_input input = fit_input(fixture);

    lnl_method_spec plain = method_spec("ce", "lbfgs");
    lnl_fit_output alone;
    assert_int_equal(lnl_method_fit(&plain, &input, &alone, NULL), LNL_OK);

    /* Cross entropy started at its own optimum: the stage is the plain fit,
     * and the main fit only tightens it, because its tolerance is relative
     * to the much smaller gradient at its start. */
    lnl_method_spec spec = plain;
    spec.init = LNL_INIT_CE;
    lnl_fit_output output;
    assert_int_equal(lnl_method_fit(&spec, &input, &output, NULL), LNL_OK);
    assert_true(output.has_initial);
    assert_true(output.initial.converged);
    assert_int_equal(output.initial.iterations, alone.optim.iterations);
    assert_close(output.initial.f, alone.optim.f, 0.0);
    assert_true(output.optim.converged);
    assert_true(output.optim.f <= alone.optim.f);
    assert_close(output.optim.f, alone.optim.f, 1e-9 * alone.optim.f);
    size_t n_params = lnl_linear_n_params(&output.shape);
    for (size_t j = 0; j < n_params; j++)
        assert_close(output.theta[j], alone.theta[j], 1e-4);
    lnl_fit_output_destroy(&output);

    /* A robust loss started there moves on from it. */
    spec = method_spec("mae", "lbfgs");
    spec.init = LNL_INIT_CE;
    assert_int_equal(lnl_method_fit(&spec, &input, &output, NULL), LNL_OK);
    assert_true(output.has_initial);
    assert_true(output.optim.iterations > 0);
    assert_memory_not_equal(output.theta, alone.theta, n_params * sizeof(double));
    lnl_fit_output_destroy(&output);

    /* A cross-entropy stage that stops early makes the whole fit not
     * converged, with the stage named. */
    spec.max_iter = 1;
    assert_int_equal(lnl_method_fit(&spec, &input, &output, NULL), LNL_OK);
    assert_false(output.initial.converged);
    assert_false(output.optim.converged);
    assert_true(strncmp(output.optim.reason, "ce start: maximum number of iterations reached",
                        46) == 0);
    lnl_fit_output_destroy(&output);
    lnl_fit_output_destroy(&alone);
    fit_fixture_destroy(fixture);
}

static void method_loss_parameters_reach_loss(void **state)
{
    (void)state;
    fit_fixture *fixture = fit_fixture_create(3);
    lnl_fit_input input = fit_input(fixture);

    /* gce with q = 1 is (1 - p_y), half of mae, so gce with C = 2 has the
     * objective of mae with C = 1. With the default q = 0.7 it differs. */
    lnl_method_spec mae = method_spec("mae", "lbfgs");
    mae.tol = 1e-10;
    lnl_method_spec gce = method_spec("gce", "lbfgs");
    gce.tol = 1e-10;
    gce.C = 2.0;
    gce.has_q = true;
    gce.q = 1.0;

    lnl_fit_output mae_fit, gce_fit;
    assert_int_equal(lnl_method_fit(&mae, &input, &mae_fit, NULL), LNL_OK);
    assert_int_equal(lnl_method_fit(&gce, &input, &gce_fit, NULL), LNL_OK);
    size_t n_params = lnl_linear_n_params(&mae_fit.shape);
    for (size_t j = 0; j < n_params; j++)
        assert_close(gce_fit.theta[j], mae_fit.theta[j], 1e-6);
    assert_close(gce_fit.optim.f, mae_fit.optim.f, 1e-9 * mae_fit.optim.f);
    lnl_fit_output_destroy(&gce_fit);

    gce.has_q = false;
    assert_int_equal(lnl_method_fit(&gce, &input, &gce_fit, NULL), LNL_OK);
    assert_true(fabs(gce_fit.optim.f - mae_fit.optim.f) > 1e-3 * mae_fit.optim.f);
    lnl_fit_output_destroy(&gce_fit);
    lnl_fit_output_destroy(&mae_fit);

    /* A parameter outside its domain is an argument error naming it. */
    gce.has_q = true;
    gce.q = 0.0;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&gce, &input, &gce_fit, &err), LNL_ERR_ARGUMENT);
    assert_null(gce_fit.theta);
    assert_non_null(strstr(err.message, "q = 0 is invalid for the loss gce"));

    lnl_method_spec unknown = method_spec("ce", "newton");
    assert_int_equal(lnl_method_fit(&unknown, &input, &gce_fit, &err), LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "unknown optimizer \"newton\""));
    fit_fixture_destroy(fixture);
}

static void method_truncation_needs_ce_start(void **state)
{
    (void)state;
    fit_fixture *fixture = fit_fixture_create(3);
    lnl_fit_input input = fit_input(fixture);

    /* From zero p_y = 1/3 on every row, so k = 0.4 truncates all of them. */
    lnl_method_spec spec = method_spec("gce", "lbfgs");
    spec.has_truncation = true;
    spec.truncation = 0.4;
    lnl_fit_output output;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_ARGUMENT);
    assert_null(output.theta);
    assert_non_null(strstr(err.message, "truncation = 0.4 truncates every row at the zero start"));
    snprintf(spec.optimizer, sizeof spec.optimizer, "adam");
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_ARGUMENT);

    /* Below 1/K, or from the cross-entropy optimum, the fit moves. */
    snprintf(spec.optimizer, sizeof spec.optimizer, "lbfgs");
    spec.truncation = 0.3;
    assert_int_equal(lnl_method_fit(&spec, &input, &output, NULL), LNL_OK);
    assert_true(output.optim.iterations > 0);
    lnl_fit_output_destroy(&output);

    spec.truncation = 0.4;
    spec.init = LNL_INIT_CE;
    assert_int_equal(lnl_method_fit(&spec, &input, &output, NULL), LNL_OK);
    assert_true(output.has_initial);
    assert_true(output.optim.iterations > 0);
    lnl_fit_output_destroy(&output);
    fit_fixture_destroy(fixture);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lbfgs_defaults_are_documented_values),
        cmocka_unit_test(lbfgs_minimizes_convex_quadratic),
        cmocka_unit_test(lbfgs_wraps_short_memory),
        cmocka_unit_test(lbfgs_converges_despite_f_offset),
        cmocka_unit_test(lbfgs_solves_rosenbrock),
        cmocka_unit_test(lbfgs_stops_at_max_iter),
        cmocka_unit_test(lbfgs_at_minimum_takes_no_step),
        cmocka_unit_test(lbfgs_propagates_objective_error),
        cmocka_unit_test(lbfgs_reports_progress_each_iteration),
        cmocka_unit_test(sgd_defaults_are_documented_values),
        cmocka_unit_test(sgd_and_adam_minimize_least_squares),
        cmocka_unit_test(sgd_visits_samples_in_stream_order),
        cmocka_unit_test(sgd_same_seed_same_iterates),
        cmocka_unit_test(sgd_weight_decay_shrinks_decayed_only),
        cmocka_unit_test(sgd_huge_step_is_numeric_error),
        cmocka_unit_test(sgd_propagates_batch_error),
        cmocka_unit_test(sgd_rejects_invalid_options),
        cmocka_unit_test(sgd_reports_progress_each_epoch),
        cmocka_unit_test(method_sgd_and_adam_reach_lbfgs_objective),
        cmocka_unit_test(method_sgd_diverging_leaves_no_parameters),
        cmocka_unit_test(method_init_ce_starts_at_ce_optimum),
        cmocka_unit_test(method_loss_parameters_reach_loss),
        cmocka_unit_test(method_truncation_needs_ce_start),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
