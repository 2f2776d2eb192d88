/* Tests of loss correction: the forward, backward and unbiased losses on
 * hand-computed cases, forward with T = I against cross entropy, the
 * exact unbiasedness of backward correction, unbiased against backward for
 * two classes, gradients against central finite differences, how
 * lnl_method_fit finds, checks and records T, and the T columns that a
 * sweep writes to runs.csv. */
#define TEST_FILES_DIR_PREFIX "lnl_test_correction"
#include "test_files.h"

#include <math.h>
#include <sys/stat.h>

#include "lnl/config.h"
#include "lnl/dataset.h"
#include "lnl/loss.h"
#include "lnl/method.h"
#include "lnl/noise.h"
#include "lnl/sweep.h"
#include "lnl/transition.h"

enum { MAX_CLASSES = 10, MAX_ROWS = 16 };

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

static void check_message_contains(const lnl_error *err, const char *fragment)
{
    if (strstr(err->message, fragment) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err->message, fragment);
}

/* splitmix64, so the random cases are the same on every run. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state, double low, double high)
{
    return low + (high - low) * (double)(next_random(state) >> 11) * 0x1.0p-53;
}

/* A random row-stochastic K x K matrix with diagonal >= 0.5, so it is
 * diagonally dominant and invertible. */
static void random_transition(uint64_t *state, size_t k, double *T)
{
    for (size_t i = 0; i < k; i++) {
        double *row = T + i * k;
        double off_sum = 0.0;
        for (size_t j = 0; j < k; j++) {
            row[j] = j == i ? 0.0 : uniform(state, 0.0, 1.0);
            off_sum += row[j];
        }
        double off_mass = uniform(state, 0.0, 0.45);
        for (size_t j = 0; j < k; j++)
            row[j] = j == i ? 1.0 - off_mass : row[j] / off_sum * off_mass;
    }
}

static lnl_loss make_loss(const char *name, size_t k, const double *T, const double *T_inverse)
{
    const lnl_loss_info *info = lnl_loss_lookup(name);
    assert_non_null(info);
    lnl_loss loss = {info, {0}};
    lnl_loss_defaults(info, k, &loss.params);
    loss.params.T = T;
    loss.params.T_inverse = T_inverse;
    return loss;
}

/* Evaluates one row. gradient may be NULL. */
static double evaluate_one(const lnl_loss *loss, const double *z, int y, double *gradient)
{
    double value = NAN;
    double work[2 * MAX_CLASSES];
    assert_int_equal(loss->info->evaluate(loss, 1, z, &y, &value, gradient, work), LNL_OK);
    return value;
}

static void registry_lists_correction_losses(void **state)
{
    (void)state;
    const lnl_loss_info *forward = lnl_loss_lookup("forward");
    const lnl_loss_info *backward = lnl_loss_lookup("backward");
    const lnl_loss_info *unbiased = lnl_loss_lookup("unbiased");
    assert_non_null(forward);
    assert_non_null(backward);
    assert_non_null(unbiased);

    assert_int_equal(forward->parameters, LNL_LOSS_PARAM_TRANSITION);
    assert_int_equal(backward->parameters, LNL_LOSS_PARAM_TRANSITION_INVERSE);
    assert_int_equal(unbiased->parameters, LNL_LOSS_PARAM_TRANSITION);
    assert_int_equal(forward->convex, 0);
    assert_int_equal(backward->convex, 1);
    assert_int_equal(unbiased->convex, 1);
}

/* K = 2, z = (0, 0), so p = (0.5, 0.5), and T = [[0.8, 0.2], [0.3, 0.7]]:
 * forward at label 0 is -log(0.8 * 0.5 + 0.3 * 0.5) = -log 0.55 with
 * gradient p - (0.4, 0.15) / 0.55. T^-1 = [[0.7, -0.2], [-0.3, 0.8]] / 0.5,
 * so backward at label 0 is (1.4 - 0.4) log 2 = log 2 with gradient
 * p - (1.4, -0.4). */
static void correction_losses_by_hand(void **state)
{
    (void)state;
    const double T[4] = {0.8, 0.2, 0.3, 0.7};
    const double T_inverse[4] = {1.4, -0.4, -0.6, 1.6};
    const double z[2] = {0.0, 0.0};
    double gradient[2];

    lnl_loss forward = make_loss("forward", 2, T, NULL);
    assert_close(evaluate_one(&forward, z, 0, gradient), -log(0.55), 1e-15);
    assert_close(gradient[0], 0.5 - 0.4 / 0.55, 1e-15);
    assert_close(gradient[1], 0.5 - 0.15 / 0.55, 1e-15);

    lnl_loss backward = make_loss("backward", 2, T, T_inverse);
    assert_close(evaluate_one(&backward, z, 0, gradient), log(2.0), 1e-15);
    assert_close(gradient[0], 0.5 - 1.4, 1e-15);
    assert_close(gradient[1], 0.5 + 0.4, 1e-15);
    /* label 1: (-0.6 + 1.6) log 2 */
    assert_close(evaluate_one(&backward, z, 1, gradient), log(2.0), 1e-15);
    assert_close(gradient[0], 0.5 + 0.6, 1e-15);
    assert_close(gradient[1], 0.5 - 1.6, 1e-15);

    /* unbiased at label 0: ((1 - rho_1) l_0 - rho_0 l_1) / (1 - rho_0 - rho_1)
     * = (0.7 - 0.2) log 2 / 0.5 = log 2 */
    lnl_loss unbiased = make_loss("unbiased", 2, T, NULL);
    assert_close(evaluate_one(&unbiased, z, 0, gradient), log(2.0), 1e-15);
    assert_close(gradient[0], 0.5 - 1.4, 1e-15);
    assert_close(gradient[1], 0.5 + 0.4, 1e-15);
}

/* With T = I, forward correction is cross entropy: same values and
 * gradients, also where p_y underflows. */
static void forward_identity_equals_cross_entropy(void **state)
{
    (void)state;
    const size_t class_counts[] = {2, 3, 10};
    uint64_t seed = 1;

    for (size_t c = 0; c < 3; c++) {
        size_t k = class_counts[c];
        double identity[MAX_CLASSES * MAX_CLASSES] = {0};
        for (size_t i = 0; i < k; i++)
            identity[i * k + i] = 1.0;
        lnl_loss forward = make_loss("forward", k, identity, NULL);
        lnl_loss ce = make_loss("ce", k, NULL, NULL);

        for (int trial = 0; trial < 20; trial++) {
            double z[MAX_CLASSES], g_forward[MAX_CLASSES], g_ce[MAX_CLASSES];
            double scale = trial < 10 ? 3.0 : 400.0;
            for (size_t j = 0; j < k; j++)
                z[j] = uniform(&seed, -scale, scale);
            int y = (int)(next_random(&seed) % k);

            double expected = evaluate_one(&ce, z, y, g_ce);
            assert_close(evaluate_one(&forward, z, y, g_forward), expected,
                         1e-12 * fmax(1.0, expected));
            for (size_t j = 0; j < k; j++)
                assert_close(g_forward[j], g_ce[j], 1e-12);
        }
    }
}

/* For every clean class c, sum_j T[c][j] backward(z, j) = ce(z, c): the
 * expectation of the backward-corrected loss over the noisy label equals
 * the clean loss, exactly up to rounding, and so does its gradient. */
static void backward_expectation_equals_clean_loss(void **state)
{
    (void)state;
    const size_t class_counts[] = {2, 3, 5, 10};
    uint64_t seed = 7;

    for (size_t c = 0; c < 4; c++) {
        size_t k = class_counts[c];
        double T[MAX_CLASSES * MAX_CLASSES], T_inverse[MAX_CLASSES * MAX_CLASSES];
        lnl_error err;
        lnl_error_clear(&err);
        random_transition(&seed, k, T);
        assert_int_equal(lnl_transition_invert(k, T, LNL_TRANSITION_MIN_RCOND, T_inverse, NULL,
                                               &err),
                         LNL_OK);
        lnl_loss backward = make_loss("backward", k, T, T_inverse);
        lnl_loss ce = make_loss("ce", k, NULL, NULL);

        for (int trial = 0; trial < 10; trial++) {
            double z[MAX_CLASSES];
            for (size_t j = 0; j < k; j++)
                z[j] = uniform(&seed, -4.0, 4.0);

            for (size_t clean = 0; clean < k; clean++) {
                double expectation = 0.0, gradient_expectation[MAX_CLASSES] = {0};
                for (size_t noisy = 0; noisy < k; noisy++) {
                    double g[MAX_CLASSES];
                    double value = evaluate_one(&backward, z, (int)noisy, g);
                    expectation += T[clean * k + noisy] * value;
                    for (size_t j = 0; j < k; j++)
                        gradient_expectation[j] += T[clean * k + noisy] * g[j];
                }
                double g_ce[MAX_CLASSES];
                double clean_loss = evaluate_one(&ce, z, (int)clean, g_ce);
                assert_close(expectation, clean_loss, 1e-12 * fmax(1.0, clean_loss));
                for (size_t j = 0; j < k; j++)
                    assert_close(gradient_expectation[j], g_ce[j], 1e-12);
            }
        }
    }
}

/* The binary unbiased estimator is backward correction with K = 2. */
static void unbiased_equals_backward_binary(void **state)
{
    (void)state;
    const double rates[][2] = {{0.0, 0.0}, {0.2, 0.2}, {0.3, 0.1}, {0.4, 0.4}, {0.05, 0.6}};
    uint64_t seed = 11;

    for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
        double rho_0 = rates[r][0], rho_1 = rates[r][1];
        double T[4] = {1.0 - rho_0, rho_0, rho_1, 1.0 - rho_1}, T_inverse[4];
        lnl_error err;
        lnl_error_clear(&err);
        assert_int_equal(lnl_transition_invert(2, T, LNL_TRANSITION_MIN_RCOND, T_inverse, NULL,
                                               &err),
                         LNL_OK);
        lnl_loss backward = make_loss("backward", 2, T, T_inverse);
        lnl_loss unbiased = make_loss("unbiased", 2, T, NULL);

        for (int trial = 0; trial < 20; trial++) {
            double z[2] = {uniform(&seed, -6.0, 6.0), uniform(&seed, -6.0, 6.0)};
            for (int y = 0; y < 2; y++) {
                double g_backward[2], g_unbiased[2];
                double expected = evaluate_one(&backward, z, y, g_backward);
                assert_close(evaluate_one(&unbiased, z, y, g_unbiased), expected,
                             1e-12 * fmax(1.0, fabs(expected)));
                assert_close(g_unbiased[0], g_backward[0], 1e-12);
                assert_close(g_unbiased[1], g_backward[1], 1e-12);
            }
        }
    }
}

/* Central differences with step h have error O(h^2) times the third
 * derivative, which is small for these smooth losses at moderate logits. */
static void check_gradient_by_differences(const lnl_loss *loss, const double *z, int y,
                                          size_t k)
{
    double gradient[MAX_CLASSES];
    evaluate_one(loss, z, y, gradient);
    const double h = 1e-5;

    for (size_t j = 0; j < k; j++) {
        double plus[MAX_CLASSES], minus[MAX_CLASSES];
        memcpy(plus, z, k * sizeof *z);
        memcpy(minus, z, k * sizeof *z);
        plus[j] += h;
        minus[j] -= h;
        double difference = (evaluate_one(loss, plus, y, NULL) -
                             evaluate_one(loss, minus, y, NULL)) / (2.0 * h);
        if (!(fabs(difference - gradient[j]) <= 1e-7 * fmax(1.0, fabs(difference))))
            fail_msg("%s, K = %zu, label %d: dLoss/dz_%zu = %.12g, central difference %.12g",
                     loss->info->name, k, y, j, gradient[j], difference);
    }
}

static void correction_gradients_match_differences(void **state)
{
    (void)state;
    const size_t class_counts[] = {2, 3, 10};
    uint64_t seed = 3;

    for (size_t c = 0; c < 3; c++) {
        size_t k = class_counts[c];
        double T[MAX_CLASSES * MAX_CLASSES], T_inverse[MAX_CLASSES * MAX_CLASSES];
        lnl_error err;
        lnl_error_clear(&err);
        random_transition(&seed, k, T);
        /* one zero entry, which forward correction skips in its sum */
        double moved = T[0 * k + 1];
        T[0 * k + 1] = 0.0;
        T[0] += moved;
        assert_int_equal(lnl_transition_invert(k, T, LNL_TRANSITION_MIN_RCOND, T_inverse, NULL,
                                               &err),
                         LNL_OK);
        lnl_loss forward = make_loss("forward", k, T, NULL);
        lnl_loss backward = make_loss("backward", k, T, T_inverse);
        lnl_loss unbiased = make_loss("unbiased", k, T, NULL);

        for (int trial = 0; trial < 10; trial++) {
            double z[MAX_CLASSES];
            for (size_t j = 0; j < k; j++)
                z[j] = uniform(&seed, -3.0, 3.0);
            for (size_t y = 0; y < k; y++) {
                check_gradient_by_differences(&forward, z, (int)y, k);
                check_gradient_by_differences(&backward, z, (int)y, k);
                if (k == 2)
                    check_gradient_by_differences(&unbiased, z, (int)y, k);
            }
        }
    }
}

/* p = (0, 1) in double precision at z = (-1000, 1000): forward correction
 * stays finite through log-space sums, and backward's value is the exact
 * linear function of z. */
static void correction_losses_finite_at_extremes(void **state)
{
    (void)state;
    const double T[4] = {0.8, 0.2, 0.3, 0.7};
    const double T_inverse[4] = {1.4, -0.4, -0.6, 1.6};
    const double z[2] = {-1000.0, 1000.0};
    double gradient[2];

    lnl_loss forward = make_loss("forward", 2, T, NULL);
    /* q = 0.8 p_0 + 0.3 p_1 with p_1 = 1 */
    assert_close(evaluate_one(&forward, z, 0, gradient), -log(0.3), 1e-12);
    assert_close(gradient[0], 0.0, 1e-12);
    assert_close(gradient[1], 0.0, 1e-12);

    /* backward at label 0: 1.4 l_0 - 0.4 l_1 with l_0 = 2000, l_1 = 0 */
    lnl_loss backward = make_loss("backward", 2, T, T_inverse);
    assert_close(evaluate_one(&backward, z, 0, gradient), 2800.0, 1e-9);
    assert_close(gradient[0], -1.4, 1e-12);
    assert_close(gradient[1], 1.4, 1e-12);
}

/* ---- lnl_method_fit with corrected losses -------------------------------- */

/* Two Gaussian blobs in 2 dimensions, clean labels 0 and 1 alternating,
 * and noisy labels with the first `flips` labels of each class flipped. */
typedef struct binary_problem {
    lnl_dataset *data;
    size_t rows[64];
    int clean[64], noisy[64];
    size_t n;
} binary_problem;

static void binary_problem_create(binary_problem *problem, size_t flips)
{
    uint64_t seed = 5;
    problem->n = 64;
    problem->data = lnl_dataset_create(problem->n, 2, 2);
    assert_non_null(problem->data);
    size_t flipped[2] = {0, 0};
    for (size_t i = 0; i < problem->n; i++) {
        int label = (int)(i % 2);
        problem->data->X[i * 2] = (label ? 1.0 : -1.0) + uniform(&seed, -1.0, 1.0);
        problem->data->X[i * 2 + 1] = uniform(&seed, -1.0, 1.0);
        problem->data->y[i] = label;
        problem->rows[i] = i;
        problem->clean[i] = label;
        problem->noisy[i] = flipped[label] < flips ? 1 - label : label;
        if (flipped[label] < flips)
            flipped[label]++;
    }
}

static lnl_method_spec corrected_spec(const char *loss, lnl_transition_source source)
{
    lnl_method_spec spec;
    memset(&spec, 0, sizeof spec);
    snprintf(spec.name, sizeof spec.name, "%s_method", loss);
    snprintf(spec.loss, sizeof spec.loss, "%s", loss);
    snprintf(spec.optimizer, sizeof spec.optimizer, "lbfgs");
    spec.C = 1.0;
    spec.fit_intercept = true;
    spec.model = LNL_MODEL_AUTO;
    spec.labels = LNL_LABELS_NOISY;
    spec.max_iter = 500;
    spec.tol = 1e-8;
    spec.transition = source;
    spec.anchor_percentile = 97.0;
    spec.holdout = 0.2;
    spec.folds = 4;
    return spec;
}

static lnl_fit_input binary_input(const binary_problem *problem, const double *T, lnl_rng *rng)
{
    lnl_fit_input input = {
        .data = problem->data,
        .rows = problem->rows,
        .n_rows = problem->n,
        .labels = problem->noisy,
        .clean_labels = problem->clean,
        .n_classes = 2,
        .standardizer = NULL,
        .true_transition = T,
        .rng = rng,
    };
    return input;
}

/* transition = known copies the true T, records zero error, and the
 * binary model with unbiased and backward reaches the same optimum. */
static void method_fit_known_transition(void **state)
{
    (void)state;
    binary_problem problem;
    binary_problem_create(&problem, 4);
    const double T[4] = {0.875, 0.125, 0.125, 0.875};
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    lnl_fit_input input = binary_input(&problem, T, &rng);

    lnl_fit_output backward, unbiased, forward;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_method_spec spec = corrected_spec("backward", LNL_TRANSITION_KNOWN);
    assert_int_equal(lnl_method_fit(&spec, &input, &backward, &err), LNL_OK);
    spec = corrected_spec("unbiased", LNL_TRANSITION_KNOWN);
    assert_int_equal(lnl_method_fit(&spec, &input, &unbiased, &err), LNL_OK);
    spec = corrected_spec("forward", LNL_TRANSITION_KNOWN);
    assert_int_equal(lnl_method_fit(&spec, &input, &forward, &err), LNL_OK);

    assert_non_null(backward.transition);
    for (int i = 0; i < 4; i++)
        assert_close(backward.transition[i], T[i], 0.0);
    assert_close(backward.transition_error_max, 0.0, 0.0);
    assert_close(backward.transition_error_frobenius, 0.0, 0.0);
    assert_true(backward.optim.converged);
    assert_true(unbiased.optim.converged);
    assert_true(forward.optim.converged);
    for (size_t j = 0; j < lnl_linear_n_params(&backward.shape); j++)
        assert_close(unbiased.theta[j], backward.theta[j], 1e-6);

    lnl_fit_output_destroy(&backward);
    lnl_fit_output_destroy(&unbiased);
    lnl_fit_output_destroy(&forward);
    lnl_dataset_destroy(problem.data);
}

/* A method without a corrected loss records no T and NaN errors. */
static void method_fit_plain_loss_has_no_transition(void **state)
{
    (void)state;
    binary_problem problem;
    binary_problem_create(&problem, 4);
    const double T[4] = {0.875, 0.125, 0.125, 0.875};
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    lnl_fit_input input = binary_input(&problem, T, &rng);
    lnl_method_spec spec = corrected_spec("ce", LNL_TRANSITION_NONE);
    lnl_fit_output output;
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_OK);
    assert_null(output.transition);
    assert_true(isnan(output.transition_error_max));
    assert_true(isnan(output.transition_error_frobenius));
    lnl_fit_output_destroy(&output);
    lnl_dataset_destroy(problem.data);
}

/* Estimated T: both estimators return a row-stochastic T and its errors
 * against the true T, and two methods with the same estimator get the
 * same T whatever their model streams. */
static void method_fit_estimated_transition(void **state)
{
    (void)state;
    binary_problem problem;
    binary_problem_create(&problem, 4);
    const double T[4] = {0.875, 0.125, 0.125, 0.875};
    const lnl_transition_source sources[] = {LNL_TRANSITION_ANCHOR, LNL_TRANSITION_CONFIDENT};

    for (size_t s = 0; s < 2; s++) {
        lnl_rng rng_a, rng_b;
        lnl_rng_seed(&rng_a, LNL_RNG_DEFAULT, 1);
        lnl_rng_seed(&rng_b, LNL_RNG_DEFAULT, 2);
        lnl_fit_input input_a = binary_input(&problem, T, &rng_a);
        lnl_fit_input input_b = binary_input(&problem, T, &rng_b);
        lnl_method_spec forward = corrected_spec("forward", sources[s]);
        lnl_method_spec backward = corrected_spec("backward", sources[s]);
        lnl_fit_output out_a, out_b;
        lnl_error err;
        lnl_error_clear(&err);

        assert_int_equal(lnl_method_fit(&forward, &input_a, &out_a, &err), LNL_OK);
        assert_int_equal(lnl_method_fit(&backward, &input_b, &out_b, &err), LNL_OK);
        assert_non_null(out_a.transition);
        assert_non_null(out_b.transition);
        for (int i = 0; i < 4; i++)
            assert_close(out_a.transition[i], out_b.transition[i], 0.0);
        lnl_error_clear(&err);
        assert_int_equal(lnl_transition_check(2, out_a.transition, &err), LNL_OK);

        double max_abs, frobenius;
        lnl_transition_error(2, out_a.transition, T, &max_abs, &frobenius);
        assert_close(out_a.transition_error_max, max_abs, 0.0);
        assert_close(out_a.transition_error_frobenius, frobenius, 0.0);
        lnl_fit_output_destroy(&out_a);
        lnl_fit_output_destroy(&out_b);
    }
    lnl_dataset_destroy(problem.data);
}

static void method_fit_rejects_bad_transition(void **state)
{
    (void)state;
    binary_problem problem;
    binary_problem_create(&problem, 4);
    const double singular[4] = {0.5, 0.5, 0.5, 0.5};
    const double flipped[4] = {0.3, 0.7, 0.6, 0.4};
    const double no_column[4] = {1.0, 0.0, 1.0, 0.0};
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    lnl_fit_output output;
    lnl_error err;

    /* backward with a singular T: a numeric error that names the method */
    lnl_fit_input input = binary_input(&problem, singular, &rng);
    lnl_method_spec spec = corrected_spec("backward", LNL_TRANSITION_KNOWN);
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_NUMERIC);
    check_message_contains(&err, "[method backward_method] with transition = known");
    check_message_contains(&err, "singular");
    assert_null(output.theta);
    assert_null(output.transition);

    /* unbiased needs rho_0 + rho_1 < 1 */
    input = binary_input(&problem, flipped, &rng);
    spec = corrected_spec("unbiased", LNL_TRANSITION_KNOWN);
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_NUMERIC);
    check_message_contains(&err, "rho_0 + rho_1 < 1");

    /* forward: the noisy label 1 occurs, but column 1 of T is zero */
    input = binary_input(&problem, no_column, &rng);
    spec = corrected_spec("forward", LNL_TRANSITION_KNOWN);
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_ARGUMENT);
    check_message_contains(&err, "column 1 of T is all zero");

    /* known without a noise model, and a corrected loss without a source */
    input = binary_input(&problem, NULL, &rng);
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_ARGUMENT);
    check_message_contains(&err, "no noise model");
    spec = corrected_spec("forward", LNL_TRANSITION_NONE);
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_ARGUMENT);
    check_message_contains(&err, "needs a transition matrix");

    /* a matrix file that does not exist */
    spec = corrected_spec("forward", LNL_TRANSITION_FILE);
    snprintf(spec.transition_path, sizeof spec.transition_path, "/nonexistent/T.txt");
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_IO);
    check_message_contains(&err, "/nonexistent/T.txt");
    lnl_dataset_destroy(problem.data);
}

/* unbiased on three classes is an argument error that points to backward. */
static void method_fit_unbiased_needs_two_classes(void **state)
{
    (void)state;
    lnl_dataset *data = lnl_dataset_create(6, 1, 3);
    assert_non_null(data);
    size_t rows[6] = {0, 1, 2, 3, 4, 5};
    int labels[6] = {0, 1, 2, 0, 1, 2};
    for (size_t i = 0; i < 6; i++) {
        data->X[i] = (double)i;
        data->y[i] = labels[i];
    }
    double T[9];
    lnl_noise_model model = {.type = LNL_NOISE_SYMMETRIC, .sampling = LNL_SAMPLING_EXACT,
                             .n_classes = 3, .rate = 0.2};
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_noise_transition(&model, T, &err), LNL_OK);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    lnl_fit_input input = {.data = data, .rows = rows, .n_rows = 6, .labels = labels,
                           .clean_labels = labels, .n_classes = 3, .true_transition = T,
                           .rng = &rng};
    lnl_method_spec spec = corrected_spec("unbiased", LNL_TRANSITION_KNOWN);
    lnl_fit_output output;

    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_ARGUMENT);
    check_message_contains(&err, "needs 2 classes");
    check_message_contains(&err, "backward");
    lnl_dataset_destroy(data);
}

/* ---- the sweep's runs.csv ------------------------------------------------- */

/* Splits one CSV line (no line break) in place at commas outside quotes,
 * removing the quotes. Returns the number of fields, at most max. */
static size_t split_csv(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *read = line, *write = line;
    while (n < max) {
        fields[n++] = write;
        bool quoted = false;
        while (*read != '\0' && (quoted || *read != ',')) {
            if (*read == '"') {
                quoted = !quoted;
                read++;
                continue;
            }
            *write++ = *read++;
        }
        bool end = *read == '\0';
        *write++ = '\0';
        if (end)
            break;
        read++;
    }
    return n;
}

static size_t column_of(char **header, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(header[i], name) == 0)
            return i;
    fail_msg("runs.csv has no column \"%s\"", name);
    return n;
}

/* Parses "a b;c d" into the 2 x 2 matrix T. */
static void parse_binary_matrix(const char *text, double *T)
{
    char *end = NULL;
    const char *cursor = text;
    for (int i = 0; i < 4; i++) {
        T[i] = strtod(cursor, &end);
        if (end == cursor)
            fail_msg("transition_matrix \"%s\" is not 2 x 2", text);
        cursor = end + (*end == ';' || *end == ' ');
    }
    assert_int_equal(*end, '\0');
}

/* Removes a folder and everything under it, so that remove_temp_dir,
 * which deletes only files and empty folders, can clean up after a sweep. */
static void remove_tree(const char *path)
{
    DIR *listing = opendir(path);
    if (listing == NULL) {
        unlink(path);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(listing)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char child[PATH_SIZE * 2];
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        remove_tree(child);
    }
    closedir(listing);
    rmdir(path);
}

/* A sweep with class_conditional noise writes the setting of each run,
 * the transition source, the T used and its errors; runs without a
 * corrected loss leave those columns empty. */
static void sweep_records_transition_columns(void **state)
{
    temp_dir *dir = *state;
    lnl_config *config = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    const char *text = "[experiment]\nseeds = 2\nbase_seed = 3\n"
                       "[data toy]\nsource = make_classification\nn_samples = 300\n"
                       "n_features = 4\nn_informative = 2\n"
                       "[noise cc]\ntype = class_conditional\npairs = 0.2/0.2, 0.3/0.1\n"
                       "[method base]\n"
                       "[method fk]\nloss = forward\ntransition = known\n"
                       "[method bc]\nloss = backward\ntransition = confident\nfolds = 3\n";
    assert_int_equal(lnl_config_parse_string(text, "toy.ini", &config, &err), LNL_OK);
    char output[PATH_SIZE];
    snprintf(output, sizeof output, "%s", temp_path(dir, "out"));
    lnl_sweep_options options = {.output = output, .jobs = 1};
    lnl_sweep_summary summary;
    assert_int_equal(lnl_sweep_run(config, &options, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_failed, 0);
    lnl_config_destroy(config);

    char runs_path[PATH_SIZE * 2];
    snprintf(runs_path, sizeof runs_path, "%s/runs.csv", output);
    FILE *file = fopen(runs_path, "r");
    assert_non_null(file);
    char header_line[4096], line[8192];
    char *header[64], *fields[64];
    assert_non_null(fgets(header_line, sizeof header_line, file));
    header_line[strcspn(header_line, "\n")] = '\0';
    size_t n_columns = split_csv(header_line, header, 64);
    size_t method = column_of(header, n_columns, "method");
    size_t rate = column_of(header, n_columns, "rate");
    size_t setting = column_of(header, n_columns, "setting");
    size_t transition = column_of(header, n_columns, "transition");
    size_t error_max = column_of(header, n_columns, "transition_error_max");
    size_t error_frobenius = column_of(header, n_columns, "transition_error_frobenius");
    size_t matrix = column_of(header, n_columns, "transition_matrix");

    size_t n_rows = 0;
    while (fgets(line, sizeof line, file) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        assert_int_equal(split_csv(line, fields, 64), n_columns);
        n_rows++;

        /* both settings have the mean rate 0.2 */
        assert_string_equal(fields[rate], "0.2");
        bool low = strcmp(fields[setting], "0.2/0.2") == 0;
        assert_true(low || strcmp(fields[setting], "0.3/0.1") == 0);

        if (strcmp(fields[method], "base") == 0) {
            assert_string_equal(fields[transition], "");
            assert_string_equal(fields[error_max], "");
            assert_string_equal(fields[error_frobenius], "");
            assert_string_equal(fields[matrix], "");
            continue;
        }
        double T[4];
        parse_binary_matrix(fields[matrix], T);
        assert_close(T[0] + T[1], 1.0, 1e-12);
        assert_close(T[2] + T[3], 1.0, 1e-12);
        if (strcmp(fields[method], "fk") == 0) {
            /* positive = class 1: T[1][0] = rho_pos, T[0][1] = rho_neg */
            assert_string_equal(fields[transition], "known");
            assert_string_equal(fields[error_max], "0");
            assert_string_equal(fields[error_frobenius], "0");
            assert_close(T[2], low ? 0.2 : 0.3, 1e-15);
            assert_close(T[1], low ? 0.2 : 0.1, 1e-15);
        } else {
            assert_string_equal(fields[method], "bc");
            assert_string_equal(fields[transition], "confident");
            double max_abs = strtod(fields[error_max], NULL);
            double frobenius = strtod(fields[error_frobenius], NULL);
            const double truth[4] = {low ? 0.8 : 0.9, low ? 0.2 : 0.1, low ? 0.2 : 0.3,
                                     low ? 0.8 : 0.7};
            double expected_max, expected_frobenius;
            lnl_transition_error(2, T, truth, &expected_max, &expected_frobenius);
            assert_close(max_abs, expected_max, 1e-15);
            assert_close(frobenius, expected_frobenius, 1e-15);
            assert_true(max_abs > 0.0);
        }
    }
    fclose(file);
    /* 2 settings x 3 methods x 2 seeds */
    assert_int_equal(n_rows, 12);
    remove_tree(output);
}

/* A class name that the data set does not have stops the sweep before it
 * writes anything, with the config's file and the noise section's line. */
static void sweep_rejects_unknown_class_name(void **state)
{
    temp_dir *dir = *state;
    lnl_config *config = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    const char *text = "[data toy]\nsource = make_classification\nn_samples = 100\n"
                       "[noise flip]\ntype = asymmetric\nrates = 0.2\nmapping = 1 -> 7\n"
                       "[method base]\n";
    assert_int_equal(lnl_config_parse_string(text, "toy.ini", &config, &err), LNL_OK);
    char output[PATH_SIZE];
    snprintf(output, sizeof output, "%s", temp_path(dir, "out"));
    lnl_sweep_options options = {.output = output, .jobs = 1};
    lnl_sweep_summary summary;

    assert_int_equal(lnl_sweep_run(config, &options, &summary, &err), LNL_ERR_CONFIG);
    assert_string_equal(err.file, "toy.ini");
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.message, "mapping in [noise flip] names the class \"7\""));
    struct stat info;
    assert_int_not_equal(stat(output, &info), 0);
    lnl_config_destroy(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_lists_correction_losses),
        cmocka_unit_test(correction_losses_by_hand),
        cmocka_unit_test(forward_identity_equals_cross_entropy),
        cmocka_unit_test(backward_expectation_equals_clean_loss),
        cmocka_unit_test(unbiased_equals_backward_binary),
        cmocka_unit_test(correction_gradients_match_differences),
        cmocka_unit_test(correction_losses_finite_at_extremes),
        cmocka_unit_test(method_fit_known_transition),
        cmocka_unit_test(method_fit_plain_loss_has_no_transition),
        cmocka_unit_test(method_fit_estimated_transition),
        cmocka_unit_test(method_fit_rejects_bad_transition),
        cmocka_unit_test(method_fit_unbiased_needs_two_classes),
        TEMP_TEST(sweep_records_transition_columns),
        TEMP_TEST(sweep_rejects_unknown_class_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
