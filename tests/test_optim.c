/* Tests of L-BFGS on functions with known minima, of its stopping rules
 * and of how it passes on an objective's error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/optim.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
