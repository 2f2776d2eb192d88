/* Tests of the logistic regression objective, prediction and fitting.
 * The block-wise objective is checked against the plain two-pass reference,
 * the gradient against central finite differences and the binary model
 * against the softmax model. Predictions are checked on hand-computed
 * cases, and L-BFGS fits against scikit-learn's fits in
 * tests/data/reference, which make_reference.py there writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/linear.h"
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

enum { MAX_FEATURES = 8, MAX_CLASSES = 4 };

/* splitmix64, so the random cases are the same on every run and platform. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in [-scale, scale). */
static double random_uniform(uint64_t *state, double scale)
{
    double unit = (double)(next_random(state) >> 11) * 0x1.0p-53;
    return scale * (2.0 * unit - 1.0);
}

static double max_norm(size_t n, const double *values)
{
    double max = 0.0;
    for (size_t i = 0; i < n; i++)
        max = fmax(max, fabs(values[i]));
    return max;
}

/* What a random case contains besides the data: the model and the parts of
 * the problem that the tests switch on and off. */
typedef struct case_options {
    size_t n_data_rows;   /* rows of the data set */
    size_t n_rows;        /* rows of the problem, at most n_data_rows */
    size_t n_features;
    size_t n_classes;
    bool binary;
    bool fit_intercept;
    bool standardize;
    bool weighted;
    uint64_t seed;
    bool consecutive;     /* rows 1..n_rows in order instead of scrambled */
} case_options;

/* A random problem that owns all its arrays. The data set is built by hand
 * so that these tests do not depend on the data readers. */
typedef struct random_case {
    lnl_dataset data;
    size_t *rows;
    int *labels;
    double *weights;
    double *mean;
    double *scale;
    lnl_standardizer standardizer;
    lnl_loss loss;
    lnl_linear_problem problem;
    double *theta;
} random_case;

static void random_case_create(random_case *rc, const case_options *options)
{
    size_t n_data = options->n_data_rows, n = options->n_rows, d = options->n_features;
    size_t k = options->n_classes;
    assert_true(n <= n_data);
    memset(rc, 0, sizeof *rc);
    uint64_t random = options->seed;

    /* Feature j is uniform with center 2 + j and half-width j + 1, so
     * standardizing changes every logit. */
    rc->data.n_rows = n_data;
    rc->data.n_features = d;
    rc->data.n_classes = k;
    rc->data.X = malloc((n_data * d + 1) * sizeof(double));
    rc->data.y = malloc((n_data + 1) * sizeof(int));
    assert_non_null(rc->data.X);
    assert_non_null(rc->data.y);
    for (size_t i = 0; i < n_data; i++) {
        for (size_t j = 0; j < d; j++)
            rc->data.X[i * d + j] = 2.0 + (double)j + ((double)j + 1.0) * random_uniform(&random, 1.0);
        rc->data.y[i] = (int)(next_random(&random) % k);
    }

    /* The problem reads the rows in a scrambled order. Because 7 is
     * coprime to n_data_rows, i -> (7 i + 3) mod n_data_rows visits
     * distinct rows. */
    assert_true(n_data % 7 != 0);
    rc->rows = malloc((n + 1) * sizeof(size_t));
    rc->labels = malloc((n + 1) * sizeof(int));
    rc->weights = malloc((n + 1) * sizeof(double));
    assert_non_null(rc->rows);
    assert_non_null(rc->labels);
    assert_non_null(rc->weights);
    for (size_t i = 0; i < n; i++) {
        rc->rows[i] = options->consecutive ? (i + 1) % n_data : (7 * i + 3) % n_data;
        rc->labels[i] = rc->data.y[rc->rows[i]];
        rc->weights[i] = 1.05 + random_uniform(&random, 0.95);
    }

    rc->mean = malloc((d + 1) * sizeof(double));
    rc->scale = malloc((d + 1) * sizeof(double));
    assert_non_null(rc->mean);
    assert_non_null(rc->scale);
    for (size_t j = 0; j < d; j++) {
        rc->mean[j] = 2.0 + (double)j + 0.1;
        rc->scale[j] = 0.6 * ((double)j + 1.0);
    }
    rc->standardizer.n_features = d;
    rc->standardizer.mean = rc->mean;
    rc->standardizer.scale = rc->scale;

    rc->loss.info = lnl_loss_lookup("ce");
    assert_non_null(rc->loss.info);
    rc->loss.params.n_classes = k;

    lnl_linear_problem *p = &rc->problem;
    p->shape.n_features = d;
    p->shape.n_classes = k;
    p->shape.binary = options->binary;
    p->shape.fit_intercept = options->fit_intercept;
    p->data = &rc->data;
    p->rows = rc->rows;
    p->n_rows = n;
    p->labels = rc->labels;
    p->sample_weights = options->weighted ? rc->weights : NULL;
    p->standardizer = options->standardize ? &rc->standardizer : NULL;
    p->loss = &rc->loss;
    p->C = 0.7;

    /* Without an intercept the intercept entries stay 0, as they do in a
     * fit started from zero. */
    size_t n_params = lnl_linear_n_params(&p->shape);
    size_t n_weights = lnl_linear_n_logits(&p->shape) * d;
    rc->theta = malloc(n_params * sizeof(double));
    assert_non_null(rc->theta);
    for (size_t i = 0; i < n_params; i++)
        rc->theta[i] = random_uniform(&random, 0.5);
    if (!options->fit_intercept)
        for (size_t i = n_weights; i < n_params; i++)
            rc->theta[i] = 0.0;
}

static void random_case_destroy(random_case *rc)
{
    free(rc->data.X);
    free(rc->data.y);
    free(rc->rows);
    free(rc->labels);
    free(rc->weights);
    free(rc->mean);
    free(rc->scale);
    free(rc->theta);
}

static void shape_counts_parameters(void **state)
{
    (void)state;
    lnl_linear_shape binary = {7, 2, true, true};
    lnl_linear_shape softmax = {7, 3, false, false};
    assert_int_equal(lnl_linear_n_logits(&binary), 1);
    assert_int_equal(lnl_linear_n_params(&binary), 8);
    assert_int_equal(lnl_linear_n_logits(&softmax), 3);
    assert_int_equal(lnl_linear_n_params(&softmax), 24);
}

/* Compares lnl_linear_objective with lnl_linear_objective_reference on one
 * random case: f to 1e-12 relative and each gradient entry to 1e-12 of the
 * gradient's max norm. Also checks that the case spans more than one block
 * and ends in a partial block. */
static void check_objective_against_reference(const case_options *options)
{
    random_case rc;
    random_case_create(&rc, options);
    const lnl_linear_problem *p = &rc.problem;
    size_t n_params = lnl_linear_n_params(&p->shape);

    lnl_linear_workspace workspace;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_linear_workspace_create(&p->shape, &workspace, &err), LNL_OK);
    assert_true(p->n_rows > workspace.block_rows);
    assert_true(p->n_rows % workspace.block_rows != 0);

    double f = 0.0, f_reference = 0.0;
    double *gradient = malloc(n_params * sizeof(double));
    double *gradient_reference = malloc(n_params * sizeof(double));
    assert_non_null(gradient);
    assert_non_null(gradient_reference);

    assert_int_equal(lnl_linear_objective(p, rc.theta, &f, gradient, &workspace, &err), LNL_OK);
    assert_int_equal(lnl_linear_objective_reference(p, rc.theta, &f_reference,
                                                    gradient_reference, &err),
                     LNL_OK);

    assert_true(f > 0.0);
    assert_close(f, f_reference, 1e-12 * fabs(f_reference));
    double scale = max_norm(n_params, gradient_reference);
    assert_true(scale > 0.0);
    for (size_t i = 0; i < n_params; i++)
        assert_close(gradient[i], gradient_reference[i], 1e-12 * scale);

    /* Without a gradient the objective value is the same. */
    double f_only = 0.0;
    assert_int_equal(lnl_linear_objective(p, rc.theta, &f_only, NULL, &workspace, &err), LNL_OK);
    assert_close(f_only, f, 0.0);

    free(gradient);
    free(gradient_reference);
    lnl_linear_workspace_destroy(&workspace);
    random_case_destroy(&rc);
}

static void linear_objective_matches_reference(void **state)
{
    (void)state;

    /* Every combination of model, intercept, standardizer and weights on
     * 2500 of 2600 rows with d = 7. The library cuts these into blocks of
     * 1024 rows at present, so there are two full blocks and a partial one. */
    uint64_t seed = 100;
    for (int binary = 0; binary <= 1; binary++)
        for (int intercept = 0; intercept <= 1; intercept++)
            for (int standardize = 0; standardize <= 1; standardize++)
                for (int weighted = 0; weighted <= 1; weighted++) {
                    case_options options = {2600, 2500, 7, binary ? 2 : 3, binary, intercept,
                                            standardize, weighted, seed++, false};
                    check_objective_against_reference(&options);
                }
}

static void linear_objective_matches_reference_across_sizes(void **state)
{
    (void)state;

    /* d = 1 gives 1024-row blocks, d = 700 gives 23-row blocks. */
    const case_options cases[] = {
        {3000, 2049, 1, 4, false, true, true, true, 1, false},
        {3000, 1025, 1, 2, true, true, false, true, 2, false},
        {60, 50, 700, 3, false, true, true, false, 3, false},
        {60, 47, 700, 2, true, false, true, true, 4, false},
        /* Consecutive rows, which the binary cross-entropy path reads in
         * place. */
        {3000, 2049, 1, 2, true, true, false, true, 5, true},
        {600, 500, 100, 2, true, true, true, false, 6, true},
        {600, 500, 100, 2, true, true, false, false, 7, true},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        check_objective_against_reference(&cases[c]);
}

/* Problems of several chunks (64 blocks of 23 rows for d = 700): the
 * objective is the same bit for bit with 1, 2, 3 and 8 threads, and agrees
 * with the reference, for the fused binary path and the softmax path. */
static void linear_objective_same_for_any_thread_count(void **state)
{
    (void)state;
    const case_options cases[] = {
        {4000, 3999, 700, 2, true, true, true, true, 11, false},
        {4000, 3100, 700, 3, false, true, true, false, 12, false},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        random_case rc;
        random_case_create(&rc, &cases[c]);
        const lnl_linear_problem *p = &rc.problem;
        size_t n_params = lnl_linear_n_params(&p->shape);
        lnl_linear_workspace workspace;
        lnl_error err;
        lnl_error_clear(&err);
        assert_int_equal(lnl_linear_workspace_create(&p->shape, &workspace, &err), LNL_OK);
        assert_int_equal(workspace.threads, 1);
        assert_true(p->n_rows > 2 * 64 * workspace.block_rows);

        double f_one_thread = 0.0, f_reference = 0.0;
        double *one_thread = malloc(n_params * sizeof(double));
        double *other = malloc(n_params * sizeof(double));
        double *reference = malloc(n_params * sizeof(double));
        assert_true(one_thread != NULL && other != NULL && reference != NULL);
        assert_int_equal(lnl_linear_objective(p, rc.theta, &f_one_thread, one_thread, &workspace, &err),
                         LNL_OK);
        assert_int_equal(lnl_linear_objective_reference(p, rc.theta, &f_reference, reference,
                                                        &err),
                         LNL_OK);
        assert_close(f_one_thread, f_reference, 1e-12 * fabs(f_reference));
        double scale = max_norm(n_params, reference);
        for (size_t i = 0; i < n_params; i++)
            assert_close(one_thread[i], reference[i], 1e-12 * scale);

        const int thread_counts[] = {2, 3, 8};
        for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++) {
            workspace.threads = thread_counts[t];
            double f_other = 0.0;
            assert_int_equal(lnl_linear_objective(p, rc.theta, &f_other, other, &workspace,
                                                  &err),
                             LNL_OK);
            assert_memory_equal(&f_other, &f_one_thread, sizeof f_one_thread);
            assert_memory_equal(other, one_thread, n_params * sizeof(double));
        }

        free(one_thread);
        free(other);
        free(reference);
        lnl_linear_workspace_destroy(&workspace);
        random_case_destroy(&rc);
    }
}

/* Checks the gradient of lnl_linear_objective against central differences
 * in every parameter. Without an intercept, the intercept entries of the
 * gradient must be exactly 0 because the optimizer must not move them. */
static void check_gradient_by_differences(const case_options *options)
{
    random_case rc;
    random_case_create(&rc, options);
    const lnl_linear_problem *p = &rc.problem;
    size_t n_params = lnl_linear_n_params(&p->shape);
    size_t n_weights = lnl_linear_n_logits(&p->shape) * p->shape.n_features;

    lnl_linear_workspace workspace;
    assert_int_equal(lnl_linear_workspace_create(&p->shape, &workspace, NULL), LNL_OK);

    double f = 0.0;
    double *gradient = malloc(n_params * sizeof(double));
    assert_non_null(gradient);
    assert_int_equal(lnl_linear_objective(p, rc.theta, &f, gradient, &workspace, NULL), LNL_OK);
    double scale = fmax(1.0, max_norm(n_params, gradient));

    /* f is a few tens here. With the step 1e-5 the rounding error
     * (eps * f / h) is near 1e-9, and the truncation error (h^2 / 6 * f''')
     * is at most about 1e-7 even on the raw features, whose values reach 9.
     * Both are estimates, well under the tolerance 1e-6 * max(1, ||g||). */
    const double h = 1e-5;
    for (size_t i = 0; i < n_params; i++) {
        if (!p->shape.fit_intercept && i >= n_weights) {
            assert_close(gradient[i], 0.0, 0.0);
            continue;
        }

        double saved = rc.theta[i], plus = 0.0, minus = 0.0;
        rc.theta[i] = saved + h;
        assert_int_equal(lnl_linear_objective(p, rc.theta, &plus, NULL, &workspace, NULL),
                         LNL_OK);
        rc.theta[i] = saved - h;
        assert_int_equal(lnl_linear_objective(p, rc.theta, &minus, NULL, &workspace, NULL),
                         LNL_OK);
        rc.theta[i] = saved;

        assert_close(gradient[i], (plus - minus) / (2.0 * h), 1e-6 * scale);
    }

    free(gradient);
    lnl_linear_workspace_destroy(&workspace);
    random_case_destroy(&rc);
}

static void linear_gradient_matches_finite_differences(void **state)
{
    (void)state;
    const case_options cases[] = {
        {60, 50, 4, 3, false, true, true, true, 21, false},
        {60, 50, 4, 3, false, false, false, true, 22, false},
        {60, 50, 4, 2, true, true, true, true, 23, false},
        {60, 50, 4, 2, true, false, true, false, 24, false},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        check_gradient_by_differences(&cases[c]);
}

static void linear_binary_equals_softmax_with_zero_row(void **state)
{
    (void)state;

    /* The binary model's logits (0, z) are the softmax model's logits with
     * weights (0, w) and intercepts (0, b), and the zero row adds nothing
     * to the penalty. */
    const size_t d = 5;
    for (int intercept = 0; intercept <= 1; intercept++) {
        case_options options = {300, 250, d, 2, true, intercept, true, true, 31, false};
        random_case rc;
        random_case_create(&rc, &options);
        lnl_linear_problem binary = rc.problem;
        lnl_linear_problem softmax = rc.problem;
        softmax.shape.binary = false;

        /* Softmax theta: row 0 of W, row 1 of W, then intercepts 0 and 1. */
        double theta_softmax[2 * (MAX_FEATURES + 1)] = {0};
        memcpy(theta_softmax + d, rc.theta, d * sizeof(double));
        theta_softmax[2 * d + 1] = rc.theta[d];

        lnl_linear_workspace workspace_binary, workspace_softmax;
        assert_int_equal(lnl_linear_workspace_create(&binary.shape, &workspace_binary, NULL),
                         LNL_OK);
        assert_int_equal(lnl_linear_workspace_create(&softmax.shape, &workspace_softmax, NULL),
                         LNL_OK);

        double f_binary = 0.0, f_softmax = 0.0;
        double gradient_binary[MAX_FEATURES + 1], gradient_softmax[2 * (MAX_FEATURES + 1)];
        assert_int_equal(lnl_linear_objective(&binary, rc.theta, &f_binary, gradient_binary,
                                              &workspace_binary, NULL),
                         LNL_OK);
        assert_int_equal(lnl_linear_objective(&softmax, theta_softmax, &f_softmax,
                                              gradient_softmax, &workspace_softmax, NULL),
                         LNL_OK);

        assert_close(f_binary, f_softmax, 1e-12 * fabs(f_binary));

        /* Row 1 of the softmax gradient is the binary gradient. Row 0 has
         * the opposite data term and no penalty term, because its weights
         * are 0 and the two classes' dLoss/dZ sum to 0. */
        double scale = max_norm(d + 1, gradient_binary);
        for (size_t j = 0; j < d; j++) {
            assert_close(gradient_softmax[d + j], gradient_binary[j], 1e-12 * scale);
            double data_term = gradient_binary[j] - rc.theta[j];
            assert_close(gradient_softmax[j], -data_term, 1e-12 * scale);
        }
        assert_close(gradient_softmax[2 * d + 1], gradient_binary[d], 1e-12 * scale);
        assert_close(gradient_softmax[2 * d], -gradient_binary[d], 1e-12 * scale);

        lnl_linear_workspace_destroy(&workspace_binary);
        lnl_linear_workspace_destroy(&workspace_softmax);
        random_case_destroy(&rc);
    }
}

static void linear_objective_rejects_bad_shapes(void **state)
{
    (void)state;
    case_options options = {40, 30, 3, 3, false, true, false, false, 41, false};
    random_case rc;
    random_case_create(&rc, &options);
    lnl_linear_workspace workspace;
    assert_int_equal(lnl_linear_workspace_create(&rc.problem.shape, &workspace, NULL), LNL_OK);
    double f = 0.0, gradient[16];
    lnl_error err;

    /* A binary model with three classes. */
    lnl_linear_problem problem = rc.problem;
    problem.shape.binary = true;
    lnl_error_clear(&err);
    assert_int_equal(lnl_linear_objective(&problem, rc.theta, &f, gradient, &workspace, &err),
                     LNL_ERR_ARGUMENT);
    assert_int_equal(err.status, LNL_ERR_ARGUMENT);
    assert_true(strlen(err.message) > 0);
    lnl_error_clear(&err);
    assert_int_equal(lnl_linear_objective_reference(&problem, rc.theta, &f, gradient, &err),
                     LNL_ERR_ARGUMENT);

    /* A model with fewer features than the data. */
    problem = rc.problem;
    problem.shape.n_features = 2;
    lnl_error_clear(&err);
    assert_int_equal(lnl_linear_objective(&problem, rc.theta, &f, gradient, &workspace, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "features"));

    lnl_linear_workspace_destroy(&workspace);
    random_case_destroy(&rc);
}

static void linear_objective_rejects_non_finite_data(void **state)
{
    (void)state;
    case_options options = {40, 30, 3, 3, false, true, false, false, 42, false};
    random_case rc;
    random_case_create(&rc, &options);
    rc.data.X[rc.rows[5] * 3 + 1] = NAN;

    lnl_linear_workspace workspace;
    assert_int_equal(lnl_linear_workspace_create(&rc.problem.shape, &workspace, NULL), LNL_OK);
    double f = 0.0, gradient[12];
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_linear_objective(&rc.problem, rc.theta, &f, gradient, &workspace, &err),
                     LNL_ERR_NUMERIC);
    assert_int_equal(err.status, LNL_ERR_NUMERIC);
    assert_non_null(strstr(err.message, "\"ce\""));
    lnl_error_clear(&err);
    assert_int_equal(lnl_linear_objective_reference(&rc.problem, rc.theta, &f, gradient, &err),
                     LNL_ERR_NUMERIC);

    lnl_linear_workspace_destroy(&workspace);
    random_case_destroy(&rc);
}

static double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

static void linear_binary_predictions_match_hand_computed(void **state)
{
    (void)state;

    /* w = (1, -1), b = 0.5 on standardized features (x - (1, -1)) / (0.5, 2).
     * The raw rows below standardize to (2, 1), (1, 1.5), (0, 3), (4, 0),
     * whose logits are 1.5, 0 (a tie), -2.5 and 4.5. */
    double X[] = {
        2.0, 1.0,
        1.5, 2.0,
        1.0, 5.0,
        3.0, -1.0,
        99.0, 99.0,
    };
    int y[5] = {0};
    lnl_dataset data = {5, 2, 2, X, y, NULL, NULL};
    double mean[] = {1.0, -1.0}, scale[] = {0.5, 2.0};
    lnl_standardizer standardizer = {2, mean, scale};
    lnl_linear_shape shape = {2, 2, true, true};
    const double theta[] = {1.0, -1.0, 0.5};

    /* The rows are read out of order and row 4 is never read. */
    const size_t rows[] = {3, 1, 0, 2};
    const double logit[] = {4.5, 0.0, 1.5, -2.5};

    double probabilities[8];
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_linear_predict_proba(&shape, theta, &data, rows, 4, &standardizer,
                                              probabilities, &err),
                     LNL_OK);
    for (size_t i = 0; i < 4; i++) {
        assert_close(probabilities[2 * i], 1.0 - sigmoid(logit[i]), 1e-15);
        assert_close(probabilities[2 * i + 1], sigmoid(logit[i]), 1e-15);
    }

    double logits[8];
    assert_int_equal(lnl_linear_logits(&shape, theta, &data, rows, 4, &standardizer, logits,
                                       &err),
                     LNL_OK);
    for (size_t i = 0; i < 4; i++) {
        assert_close(logits[2 * i], 0.0, 0.0);
        assert_close(logits[2 * i + 1], logit[i], 1e-15);
    }

    /* All labels are 1 but the last. The tie (logit 0) goes to class 0 and
     * so misses its label 1, and the other three rows are right. */
    const int labels[] = {1, 1, 1, 0};
    double accuracy = -1.0;
    assert_int_equal(lnl_linear_accuracy(&shape, theta, &data, rows, 4, labels, &standardizer,
                                         &accuracy, &err),
                     LNL_OK);
    assert_close(accuracy, 0.75, 0.0);
}

static void linear_softmax_predictions_match_hand_computed(void **state)
{
    (void)state;

    /* W = ((1, 0), (0, 1), (0, 0)) and b = (0, 0, 1), raw features, so the
     * logits of x are (x0, x1, 1). */
    double X[] = {
        2.0, 1.0,
        1.0, 1.0,
        0.0, 1.0,
        -1.0, -1.0,
        0.0, 3.0,
    };
    int y[5] = {0};
    lnl_dataset data = {5, 2, 3, X, y, NULL, NULL};
    lnl_linear_shape shape = {2, 3, false, true};
    const double theta[] = {1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0};
    const size_t rows[] = {0, 1, 2, 3, 4};
    const double e = exp(1.0);

    double probabilities[15];
    assert_int_equal(lnl_linear_predict_proba(&shape, theta, &data, rows, 5, NULL,
                                              probabilities, NULL),
                     LNL_OK);

    const double expected[15] = {
        e * e / (e * e + 2.0 * e), e / (e * e + 2.0 * e), e / (e * e + 2.0 * e),
        1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0,
        1.0 / (1.0 + 2.0 * e), e / (1.0 + 2.0 * e), e / (1.0 + 2.0 * e),
        1.0 / (e * e + 2.0), 1.0 / (e * e + 2.0), e * e / (e * e + 2.0),
        1.0 / (1.0 + e * e * e + e), e * e * e / (1.0 + e * e * e + e),
        e / (1.0 + e * e * e + e),
    };
    for (size_t i = 0; i < 15; i++)
        assert_close(probabilities[i], expected[i], 1e-15);

    /* Predictions: row 0 class 0, row 1 a three-way tie (class 0), row 2 a
     * tie of classes 1 and 2 (class 1), row 3 class 2, row 4 class 1. The
     * last label is wrong on purpose. With ties going to the highest class
     * the accuracy would be 0.4. */
    const int labels[] = {0, 0, 1, 2, 0};
    double accuracy = -1.0;
    assert_int_equal(lnl_linear_accuracy(&shape, theta, &data, rows, 5, labels, NULL, &accuracy,
                                         NULL),
                     LNL_OK);
    assert_close(accuracy, 0.8, 1e-15);
}

/* A data set read from one of the reference CSV files: a header line, then
 * numbers separated by commas with the integer label last. */
static lnl_dataset *read_reference_csv(const char *name, size_t n_features)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/reference/%s", LNL_SOURCE_DIR, name);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        fail_msg("cannot open %s", path);

    lnl_dataset *data = calloc(1, sizeof *data);
    assert_non_null(data);
    data->n_features = n_features;
    size_t capacity = 0;
    char line[4096];
    assert_non_null(fgets(line, sizeof line, file));

    while (fgets(line, sizeof line, file) != NULL) {
        if (line[0] == '\n')
            continue;
        if (data->n_rows == capacity) {
            capacity = capacity > 0 ? 2 * capacity : 256;
            data->X = realloc(data->X, capacity * n_features * sizeof(double));
            data->y = realloc(data->y, capacity * sizeof(int));
            assert_non_null(data->X);
            assert_non_null(data->y);
        }

        char *cursor = line, *end = NULL;
        for (size_t j = 0; j < n_features; j++) {
            data->X[data->n_rows * n_features + j] = strtod(cursor, &end);
            if (end == cursor || *end != ',')
                fail_msg("%s: row %zu: feature %zu is not a number", path, data->n_rows + 1, j);
            cursor = end + 1;
        }
        long label = strtol(cursor, &end, 10);
        if (end == cursor || label < 0)
            fail_msg("%s: row %zu: the label is not a class index", path, data->n_rows + 1);
        data->y[data->n_rows] = (int)label;
        if ((size_t)label + 1 > data->n_classes)
            data->n_classes = (size_t)label + 1;
        data->n_rows++;
    }
    fclose(file);
    return data;
}

static void free_reference_csv(lnl_dataset *data)
{
    free(data->X);
    free(data->y);
    free(data);
}

/* Reads the numbers after `key` on its line of a reference fit file into
 * values and returns how many there were. */
static size_t read_reference_values(const char *name, const char *key, double *values,
                                    size_t max_values)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/reference/%s", LNL_SOURCE_DIR, name);
    FILE *file = fopen(path, "r");
    if (file == NULL)
        fail_msg("cannot open %s", path);

    size_t count = 0;
    char line[4096];
    size_t key_length = strlen(key);
    while (fgets(line, sizeof line, file) != NULL) {
        if (strncmp(line, key, key_length) != 0 || line[key_length] != ' ')
            continue;
        char *cursor = line + key_length, *end = NULL;
        for (;;) {
            double value = strtod(cursor, &end);
            if (end == cursor)
                break;
            assert_true(count < max_values);
            values[count++] = value;
            cursor = end;
        }
        break;
    }
    fclose(file);
    if (count == 0)
        fail_msg("%s has no values for \"%s\"", path, key);
    return count;
}

typedef struct fit_context {
    const lnl_linear_problem *problem;
    lnl_linear_workspace *workspace;
} fit_context;

static lnl_status fit_objective(void *context, const double *theta, double *f,
                                double *gradient, lnl_error *err)
{
    fit_context *fit = context;
    return lnl_linear_objective(fit->problem, theta, f, gradient, fit->workspace, err);
}

/* Fits the model of one reference set with L-BFGS and compares it with
 * scikit-learn's fit stored beside the CSV. */
static void check_fit_against_sklearn(const char *csv_name, const char *fit_name, bool binary)
{
    const size_t d = 3;
    lnl_dataset *data = read_reference_csv(csv_name, d);
    assert_int_equal(data->n_rows, 200);
    size_t k = data->n_classes;
    assert_int_equal(k, binary ? 2 : 3);

    size_t *rows = malloc(data->n_rows * sizeof(size_t));
    assert_non_null(rows);
    for (size_t i = 0; i < data->n_rows; i++)
        rows[i] = i;

    lnl_loss loss = {lnl_loss_lookup("ce"), {0}};
    loss.params.n_classes = k;
    lnl_linear_problem problem = {{d, k, binary, true}, data, rows, data->n_rows, data->y,
                                  NULL, NULL, &loss, 0.5};
    size_t n_logits = lnl_linear_n_logits(&problem.shape);
    size_t n_params = lnl_linear_n_params(&problem.shape);
    size_t n_weights = n_logits * d;

    double coef[MAX_CLASSES * MAX_FEATURES], intercept[MAX_CLASSES], objective;
    assert_int_equal(read_reference_values(fit_name, "coef", coef, n_weights + 1), n_weights);
    assert_int_equal(read_reference_values(fit_name, "intercept", intercept, n_logits + 1),
                     n_logits);
    read_reference_values(fit_name, "objective", &objective, 1);

    lnl_linear_workspace workspace;
    assert_int_equal(lnl_linear_workspace_create(&problem.shape, &workspace, NULL), LNL_OK);
    fit_context context = {&problem, &workspace};

    /* lnl evaluates the same objective as the script at scikit-learn's
     * solution. */
    double theta_sklearn[MAX_CLASSES * (MAX_FEATURES + 1)], f_sklearn = 0.0;
    memcpy(theta_sklearn, coef, n_weights * sizeof(double));
    memcpy(theta_sklearn + n_weights, intercept, n_logits * sizeof(double));
    assert_int_equal(lnl_linear_objective(&problem, theta_sklearn, &f_sklearn, NULL, &workspace,
                                          NULL),
                     LNL_OK);
    assert_close(f_sklearn, objective, 1e-12 * objective);

    double theta[MAX_CLASSES * (MAX_FEATURES + 1)] = {0};
    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.tol = 1e-10;
    lnl_optim_result result;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_lbfgs(fit_objective, &context, n_params, theta, &options, &result, &err),
                     LNL_OK);

    /* Near the optimum the decrease of f (about 1e-17) is below its
     * rounding error (7e-15 at f = 53); the line search must still reach
     * the tolerance by following the slope. */
    assert_true(result.converged);
    assert_true(result.iterations > 0);
    assert_true(result.gradient_norm <= 1e-7);
    assert_close(result.f, objective, 1e-12 * objective);

    for (size_t i = 0; i < n_weights; i++)
        assert_close(theta[i], coef[i], 1e-6 * fabs(coef[i]));

    /* The softmax intercepts are unique only up to a shared constant,
     * because adding it to every logit leaves the loss unchanged and the
     * intercepts are not penalized. Compare them after removing their
     * mean. */
    double shift = 0.0, shift_sklearn = 0.0;
    if (!binary) {
        for (size_t c = 0; c < n_logits; c++) {
            shift += theta[n_weights + c] / (double)n_logits;
            shift_sklearn += intercept[c] / (double)n_logits;
        }
    }
    for (size_t c = 0; c < n_logits; c++) {
        double expected = intercept[c] - shift_sklearn;
        assert_close(theta[n_weights + c] - shift, expected, 1e-6 * fabs(expected));
    }

    lnl_linear_workspace_destroy(&workspace);
    free(rows);
    free_reference_csv(data);
}

static void linear_binary_fit_matches_sklearn(void **state)
{
    (void)state;
    check_fit_against_sklearn("binary.csv", "binary_fit.txt", true);
}

static void linear_multinomial_fit_matches_sklearn(void **state)
{
    (void)state;
    check_fit_against_sklearn("multinomial.csv", "multinomial_fit.txt", false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shape_counts_parameters),
        cmocka_unit_test(linear_objective_matches_reference),
        cmocka_unit_test(linear_objective_matches_reference_across_sizes),
        cmocka_unit_test(linear_objective_same_for_any_thread_count),
        cmocka_unit_test(linear_gradient_matches_finite_differences),
        cmocka_unit_test(linear_binary_equals_softmax_with_zero_row),
        cmocka_unit_test(linear_objective_rejects_bad_shapes),
        cmocka_unit_test(linear_objective_rejects_non_finite_data),
        cmocka_unit_test(linear_binary_predictions_match_hand_computed),
        cmocka_unit_test(linear_softmax_predictions_match_hand_computed),
        cmocka_unit_test(linear_binary_fit_matches_sklearn),
        cmocka_unit_test(linear_multinomial_fit_matches_sklearn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
