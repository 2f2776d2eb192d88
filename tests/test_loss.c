/* Tests of the per-sample losses on logits: hand-computed values of every
 * loss (with p_y near 0 and near 1), gradients against central finite
 * differences for K = 2, 3 and 10, the binary logits (0, z), identities
 * between losses, parameter domains, the softmax, the log-softmax and
 * their chain rules, and the loss registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/loss.h"

enum { MAX_CLASSES = 10, MAX_ROWS = 8 };

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

/* A loss with its registry defaults for K = n_classes. */
static lnl_loss make_loss(const char *name, size_t n_classes)
{
    lnl_loss loss;
    memset(&loss, 0, sizeof loss);
    loss.info = lnl_loss_lookup(name);
    if (loss.info != NULL)
        lnl_loss_defaults(loss.info, n_classes, &loss.params);
    loss.params.n_classes = n_classes;
    return loss;
}

/* Relative check for values that are tiny but known to full precision. */
#define assert_relative(actual, expected, tolerance) \
    check_close((actual) / (expected), 1.0, (tolerance), #actual " / expected", __FILE__, \
                __LINE__)

/* Evaluates the loss on n rows, with a work buffer of the advertised size. */
static lnl_status evaluate(const lnl_loss *loss, size_t n, const double *Z, const int *y,
                           double *values, double *gradient)
{
    double *work = malloc((lnl_loss_work_size(n, loss->params.n_classes) + 1) * sizeof(double));
    assert_non_null(work);
    lnl_status status = loss->info->evaluate(loss, n, Z, y, values, gradient, work);
    free(work);
    return status;
}

static void ce_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("ce", 3);
    assert_non_null(loss.info);

    /* Row 0: equal logits, so p = 1/3 each and the loss is log 3.
     * Row 1: logits (1, 2, 3) with y = 2: log(e + e^2 + e^3) - 3
     *        = log(1 + e^-1 + e^-2).
     * Row 2: logits (log 1, log 2, log 5) give p = (1/8, 2/8, 5/8), and
     *        the label is 0. */
    const double Z[] = {
        0.0, 0.0, 0.0,
        1.0, 2.0, 3.0,
        0.0, log(2.0), log(5.0),
    };
    const int y[] = {1, 2, 0};
    double values[3], gradient[9];
    assert_int_equal(evaluate(&loss, 3, Z, y, values, gradient), LNL_OK);

    assert_close(values[0], log(3.0), 1e-15);
    assert_close(values[1], log(1.0 + exp(-1.0) + exp(-2.0)), 1e-15);
    assert_close(values[2], log(8.0), 1e-15);

    /* The gradient is softmax(z) - onehot(y). */
    const double third = 1.0 / 3.0;
    const double expected_row0[] = {third, third - 1.0, third};
    double sum = exp(1.0) + exp(2.0) + exp(3.0);
    const double expected_row1[] = {exp(1.0) / sum, exp(2.0) / sum, exp(3.0) / sum - 1.0};
    const double expected_row2[] = {1.0 / 8.0 - 1.0, 2.0 / 8.0, 5.0 / 8.0};
    for (size_t k = 0; k < 3; k++) {
        assert_close(gradient[k], expected_row0[k], 1e-15);
        assert_close(gradient[3 + k], expected_row1[k], 1e-15);
        assert_close(gradient[6 + k], expected_row2[k], 1e-15);
    }
}

static void ce_binary_logits_match_log_sigmoid(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("ce", 2);

    /* The binary model's logits (0, z): the loss is -log sigmoid(z) for
     * y = 1 and -log(1 - sigmoid(z)) for y = 0. */
    const double z = 0.75;
    const double Z[] = {0.0, z, 0.0, z};
    const int y[] = {1, 0};
    double values[2], gradient[4];
    assert_int_equal(evaluate(&loss, 2, Z, y, values, gradient), LNL_OK);

    double sigmoid = 1.0 / (1.0 + exp(-z));
    assert_close(values[0], -log(sigmoid), 1e-15);
    assert_close(values[1], -log(1.0 - sigmoid), 1e-15);
    assert_close(gradient[1], sigmoid - 1.0, 1e-15);
    assert_close(gradient[3], sigmoid, 1e-15);
}

static void ce_stays_finite_when_p_y_underflows(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("ce", 3);

    /* exp(-800) underflows to 0, so -log p_y computed from probabilities
     * would be infinite. The exact loss is 800 + log(1 + 2 e^-800), which
     * is 800 in double precision. */
    const double Z[] = {
        800.0, 0.0, 0.0,
        0.0, -800.0, 0.0,
    };
    const int y[] = {1, 1};
    double values[2], gradient[6];
    assert_int_equal(evaluate(&loss, 2, Z, y, values, gradient), LNL_OK);

    assert_true(isfinite(values[0]));
    assert_close(values[0], 800.0, 1e-12);
    assert_close(values[1], 800.0 + log(2.0), 1e-12);

    const double expected_row0[] = {1.0, -1.0, 0.0};
    const double expected_row1[] = {0.5, -1.0, 0.5};
    for (size_t k = 0; k < 3; k++) {
        assert_close(gradient[k], expected_row0[k], 1e-15);
        assert_close(gradient[3 + k], expected_row1[k], 1e-15);
    }
}

static void ce_values_without_gradient(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("ce", 2);
    const double Z[] = {2.0, -1.0};
    const int y[] = {1};
    double values[1];
    assert_int_equal(evaluate(&loss, 1, Z, y, values, NULL), LNL_OK);
    assert_close(values[0], log(1.0 + exp(3.0)), 1e-14);
}

static void ce_rejects_non_finite_logits(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("ce", 2);
    const int y[] = {0};
    double values[1], gradient[2];

    const double nan_logits[] = {NAN, 0.0};
    assert_int_equal(evaluate(&loss, 1, nan_logits, y, values, gradient), LNL_ERR_NUMERIC);

    const double infinite_logits[] = {0.0, INFINITY};
    assert_int_equal(evaluate(&loss, 1, infinite_logits, y, values, NULL), LNL_ERR_NUMERIC);

    /* -inf off the label has the finite limit 0, but no finite model
     * produces it, so it is rejected like the others. */
    const double negative_infinite_logits[] = {0.0, -INFINITY};
    assert_int_equal(evaluate(&loss, 1, negative_infinite_logits, y, values, gradient),
                     LNL_ERR_NUMERIC);
}

/* Checks dLoss/dZ of a loss against central differences on 4 rows of
 * random logits, uniform in [-scale, scale]. n_classes is at most
 * MAX_CLASSES. */
static void check_loss_gradient(const lnl_loss *loss, double scale, uint64_t seed)
{
    assert_non_null(loss->info);
    size_t n_classes = loss->params.n_classes;

    const size_t n = 4;
    uint64_t random = seed;
    double Z[MAX_ROWS * MAX_CLASSES];
    int y[MAX_ROWS];
    for (size_t i = 0; i < n * n_classes; i++)
        Z[i] = random_uniform(&random, scale);
    for (size_t i = 0; i < n; i++)
        y[i] = (int)(next_random(&random) % n_classes);

    double values[MAX_ROWS], gradient[MAX_ROWS * MAX_CLASSES];
    assert_int_equal(evaluate(loss, n, Z, y, values, gradient), LNL_OK);

    /* Each logit affects only its own row's loss. With the step 1e-5 the
     * truncation error (h^2 / 6 * f''') and the rounding error (eps * f / h)
     * are estimated below 1e-10, far under the tolerance 1e-8. */
    const double h = 1e-5;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n_classes; k++) {
            double shifted[MAX_CLASSES], plus, minus;
            memcpy(shifted, Z + i * n_classes, n_classes * sizeof(double));

            shifted[k] += h;
            assert_int_equal(evaluate(loss, 1, shifted, &y[i], &plus, NULL), LNL_OK);
            shifted[k] -= 2.0 * h;
            assert_int_equal(evaluate(loss, 1, shifted, &y[i], &minus, NULL), LNL_OK);

            double difference = (plus - minus) / (2.0 * h);
            if (fabs(gradient[i * n_classes + k] - difference) > 1e-8)
                fail_msg("%s, K = %zu, seed %llu: dLoss/dz[%zu][%zu] is %.17g, central "
                         "difference %.17g",
                         loss->info->name, n_classes, (unsigned long long)seed, i, k,
                         gradient[i * n_classes + k], difference);
        }
    }
}

static void check_gradient_by_differences(const char *name, size_t n_classes, uint64_t seed)
{
    lnl_loss loss = make_loss(name, n_classes);
    check_loss_gradient(&loss, 3.0, seed);
}

static void ce_gradient_matches_finite_differences(void **state)
{
    (void)state;
    check_gradient_by_differences("ce", 2, 1);
    check_gradient_by_differences("ce", 3, 2);
    check_gradient_by_differences("ce", 10, 3);
}

/* ---- robust losses ---------------------------------------------------- */

/* The hand-computed rows shared by the value tests (K = 3):
 *   0: z = (0, 0, 0), y = 1: p = 1/3 each.
 *   1: z = (0, log 2, log 5), y = 0: p = (1/8, 2/8, 5/8), p_y = 1/8.
 *   2: the same logits with y = 2: p_y = 5/8.
 *   3: z = (40, 0, 0), y = 0: p_y near 1, 1 - p_y = 2e^-40 / (1 + 2e^-40).
 *   4: z = (-800, 0, 0), y = 0: p_y = e^-800 / 2 underflows to 0 and
 *      p = (0, 1/2, 1/2); log p_y = -800 - log 2. */
enum { HAND_ROWS = 5 };
static const int hand_labels[HAND_ROWS] = {1, 0, 2, 0, 0};

static void hand_logits(double *Z)
{
    const double rows[HAND_ROWS * 3] = {
        0.0, 0.0, 0.0,
        0.0, log(2.0), log(5.0),
        0.0, log(2.0), log(5.0),
        40.0, 0.0, 0.0,
        -800.0, 0.0, 0.0,
    };
    memcpy(Z, rows, sizeof rows);
}

/* 1 - p_y of row 3, and the cross entropy -log p_y of every row. */
static double row3_one_minus(void)
{
    return 2.0 * exp(-40.0) / (1.0 + 2.0 * exp(-40.0));
}

static void hand_cross_entropy(double *ce)
{
    ce[0] = log(3.0);
    ce[1] = log(8.0);
    ce[2] = log(8.0 / 5.0);
    ce[3] = log1p(2.0 * exp(-40.0));
    ce[4] = 800.0 + log(2.0);
}

/* Evaluates the loss on the hand rows and checks the values: rows 0 to 2
 * and 4 to 1e-13 (relative when the value exceeds 1), row 3 to a relative
 * 1e-12 because its value can be of order e^-40. Every gradient entry must
 * be finite, and every gradient row must sum to 0 as the softmax's shift
 * invariance requires. */
static void check_hand_values(const lnl_loss *loss, const double *expected)
{
    double Z[HAND_ROWS * 3], values[HAND_ROWS], gradient[HAND_ROWS * 3];
    hand_logits(Z);
    assert_int_equal(evaluate(loss, HAND_ROWS, Z, hand_labels, values, gradient), LNL_OK);

    for (size_t i = 0; i < HAND_ROWS; i++) {
        double tolerance = i == 3 ? 1e-12 * fabs(expected[i]) : 1e-13 * fmax(1.0, fabs(expected[i]));
        if (!(fabs(values[i] - expected[i]) <= tolerance))
            fail_msg("%s row %zu: value %.17g, expected %.17g", loss->info->name, i, values[i],
                     expected[i]);

        double sum = 0.0;
        for (size_t k = 0; k < 3; k++) {
            assert_true(isfinite(gradient[i * 3 + k]));
            sum += gradient[i * 3 + k];
        }
        if (fabs(sum) > 1e-14)
            fail_msg("%s row %zu: the gradient sums to %g", loss->info->name, i, sum);
    }
}

static void rce_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("rce", 3);
    assert_true(loss.params.A == -4.0);
    const double expected[HAND_ROWS] = {4.0 * 2.0 / 3.0, 4.0 * 7.0 / 8.0, 4.0 * 3.0 / 8.0,
                                        4.0 * row3_one_minus(), 4.0};
    check_hand_values(&loss, expected);

    /* The authors' published clamp of the label at 1e-4 is A = ln(1e-4). */
    loss.params.A = log(1e-4);
    const double clamped[HAND_ROWS] = {-log(1e-4) * 2.0 / 3.0, -log(1e-4) * 7.0 / 8.0,
                                       -log(1e-4) * 3.0 / 8.0, -log(1e-4) * row3_one_minus(),
                                       -log(1e-4)};
    check_hand_values(&loss, clamped);
}

static void mae_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("mae", 3);
    const double expected[HAND_ROWS] = {2.0 * 2.0 / 3.0, 2.0 * 7.0 / 8.0, 2.0 * 3.0 / 8.0,
                                        2.0 * row3_one_minus(), 2.0};
    check_hand_values(&loss, expected);
}

static void sce_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("sce", 3);
    assert_true(loss.params.alpha == 0.1);
    assert_true(loss.params.beta == 1.0);
    assert_true(loss.params.A == -4.0);

    double ce[HAND_ROWS];
    hand_cross_entropy(ce);
    const double rce[HAND_ROWS] = {4.0 * 2.0 / 3.0, 4.0 * 7.0 / 8.0, 4.0 * 3.0 / 8.0,
                                   4.0 * row3_one_minus(), 4.0};
    double expected[HAND_ROWS];
    for (size_t i = 0; i < HAND_ROWS; i++)
        expected[i] = 0.1 * ce[i] + rce[i];
    check_hand_values(&loss, expected);
}

static void gce_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("gce", 3);
    assert_true(loss.params.q == 0.7);
    assert_true(loss.params.truncation == 0.0);

    /* Row 3: 1 - p^q = q (1 - p) + O((1 - p)^2), so the value is 1 - p_y
     * to a relative 1e-17. Row 4: p_y = 0 gives 1 / q. */
    const double q = 0.7;
    const double expected[HAND_ROWS] = {
        (1.0 - pow(1.0 / 3.0, q)) / q, (1.0 - pow(1.0 / 8.0, q)) / q,
        (1.0 - pow(5.0 / 8.0, q)) / q, row3_one_minus(), 1.0 / q};
    check_hand_values(&loss, expected);
}

static void gce_gradient_vanishes_as_p_y_underflows(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("gce", 3);

    /* dLoss/dz = -p_y^q (e_y - p): exactly 0 once p_y underflows (row 4),
     * and about 2e^-40 on row 3. */
    double Z[HAND_ROWS * 3], values[HAND_ROWS], gradient[HAND_ROWS * 3];
    hand_logits(Z);
    assert_int_equal(evaluate(&loss, HAND_ROWS, Z, hand_labels, values, gradient), LNL_OK);
    for (size_t k = 0; k < 3; k++)
        assert_true(gradient[12 + k] == 0.0);

    /* On row 3, p_y rounds to 1, so the chain rule through P gives
     * dz_y = p_y G_y (1 - p_y) = 0 instead of about -2e^-40: an absolute
     * error below 1e-17. The other entries keep their relative precision. */
    double p_y = 1.0 / (1.0 + 2.0 * exp(-40.0));
    double p_other = exp(-40.0) * p_y;
    double scale = pow(p_y, 0.7);
    assert_close(gradient[9], -scale * row3_one_minus(), 1e-17);
    assert_relative(gradient[10], scale * p_other, 1e-12);

    /* Rows 1 and 2 by the closed form. */
    const double p[3] = {1.0 / 8.0, 2.0 / 8.0, 5.0 / 8.0};
    for (size_t k = 0; k < 3; k++) {
        assert_close(gradient[3 + k], -pow(p[0], 0.7) * ((k == 0) - p[k]), 1e-15);
        assert_close(gradient[6 + k], -pow(p[2], 0.7) * ((k == 2) - p[k]), 1e-15);
    }
}

static void gce_truncation_is_constant_below_k(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("gce", 3);
    loss.params.truncation = 0.5;
    const double q = 0.7;

    /* p_y = 1/3, 1/8 and 0 are at most 0.5, so those rows are truncated;
     * p_y = 5/8 and 1 - 2e^-40 are not. */
    const double truncated = (1.0 - pow(0.5, q)) / q;
    const double expected[HAND_ROWS] = {truncated, truncated, (1.0 - pow(5.0 / 8.0, q)) / q,
                                        row3_one_minus(), truncated};
    check_hand_values(&loss, expected);

    double Z[HAND_ROWS * 3], values[HAND_ROWS], gradient[HAND_ROWS * 3];
    hand_logits(Z);
    assert_int_equal(evaluate(&loss, HAND_ROWS, Z, hand_labels, values, gradient), LNL_OK);
    static const size_t truncated_rows[] = {0, 1, 4};
    for (size_t r = 0; r < 3; r++)
        for (size_t k = 0; k < 3; k++)
            assert_true(gradient[truncated_rows[r] * 3 + k] == 0.0);
    assert_true(gradient[6 + 2] < 0.0);

    /* The threshold itself is truncated: p_y = 0.5 exactly. */
    loss.params.truncation = 0.5;
    const double Z_half[] = {0.0, 0.0};
    const int y_half[] = {0};
    double value, gradient_half[2];
    lnl_loss binary = loss;
    binary.params.n_classes = 2;
    assert_int_equal(evaluate(&binary, 1, Z_half, y_half, &value, gradient_half), LNL_OK);
    assert_close(value, truncated, 1e-15);
    assert_true(gradient_half[0] == 0.0 && gradient_half[1] == 0.0);
}

static void bootstrap_soft_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("bootstrap_soft", 3);
    assert_true(loss.params.beta == 0.95);

    /* beta * ce + (1 - beta) * H(p). Row 3: H = log1p(2e^-40) + 80 p_1 with
     * p_1 = e^-40 / (1 + 2e^-40). Row 4: p = (0, 1/2, 1/2), H = log 2. */
    double ce[HAND_ROWS];
    hand_cross_entropy(ce);
    double h12 = log(8.0) / 8.0 + log(4.0) / 4.0 + 5.0 / 8.0 * log(8.0 / 5.0);
    double h3 = log1p(2.0 * exp(-40.0)) + 80.0 * exp(-40.0) / (1.0 + 2.0 * exp(-40.0));
    const double entropy[HAND_ROWS] = {log(3.0), h12, h12, h3, log(2.0)};
    double expected[HAND_ROWS];
    for (size_t i = 0; i < HAND_ROWS; i++)
        expected[i] = 0.95 * ce[i] + 0.05 * entropy[i];
    check_hand_values(&loss, expected);
}

static void bootstrap_soft_differentiates_its_target(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("bootstrap_soft", 3);
    loss.params.beta = 0.6;

    /* d/dz_j of beta * (-log p_y) + (1 - beta) H(p) is
     * beta (p_j - [j = y]) - (1 - beta) p_j (log p_j + H). A stop-gradient
     * target would give p_j - t_j instead, which differs here. */
    const double Z[] = {0.0, log(2.0), log(5.0)};
    const int y[] = {0};
    const double p[3] = {1.0 / 8.0, 2.0 / 8.0, 5.0 / 8.0};
    double H = 0.0;
    for (size_t k = 0; k < 3; k++)
        H -= p[k] * log(p[k]);

    double value, gradient[3];
    assert_int_equal(evaluate(&loss, 1, Z, y, &value, gradient), LNL_OK);
    for (size_t j = 0; j < 3; j++) {
        double expected = 0.6 * (p[j] - (j == 0)) - 0.4 * p[j] * (log(p[j]) + H);
        double stop_gradient = p[j] - (0.6 * (j == 0) + 0.4 * p[j]);
        assert_close(gradient[j], expected, 1e-15);
        assert_true(fabs(gradient[j] - stop_gradient) > 1e-3);
    }
}

static void bootstrap_hard_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("bootstrap_hard", 3);
    assert_true(loss.params.beta == 0.8);

    /* Row 0 ties, so the predicted class is 0 (lowest index) and
     * p_0 = p_y = 1/3. Row 1 predicts class 2, row 4 class 1 (p = 1/2). */
    double ce[HAND_ROWS];
    hand_cross_entropy(ce);
    const double expected[HAND_ROWS] = {log(3.0), 0.8 * log(8.0) + 0.2 * log(8.0 / 5.0), ce[2],
                                        ce[3], 0.8 * ce[4] + 0.2 * log(2.0)};
    check_hand_values(&loss, expected);

    /* The gradient p - beta e_y - (1 - beta) e_m on row 1 (y = 0, m = 2). */
    const double Z[] = {0.0, log(2.0), log(5.0)};
    const int y[] = {0};
    double value, gradient[3];
    assert_int_equal(evaluate(&loss, 1, Z, y, &value, gradient), LNL_OK);
    assert_close(gradient[0], 1.0 / 8.0 - 0.8, 1e-15);
    assert_close(gradient[1], 2.0 / 8.0, 1e-15);
    assert_close(gradient[2], 5.0 / 8.0 - 0.2, 1e-15);
}

static void label_smoothing_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("label_smoothing", 3);
    assert_true(loss.params.epsilon == 0.1);

    /* (1 - eps) (-log p_y) + eps / K * sum_k (-log p_k). */
    double ce[HAND_ROWS];
    hand_cross_entropy(ce);
    double sum12 = log(8.0) + log(4.0) + log(8.0 / 5.0);
    double sum3 = 3.0 * log1p(2.0 * exp(-40.0)) + 80.0;
    double sum4 = 800.0 + 3.0 * log(2.0);
    const double sums[HAND_ROWS] = {3.0 * log(3.0), sum12, sum12, sum3, sum4};
    double expected[HAND_ROWS];
    for (size_t i = 0; i < HAND_ROWS; i++)
        expected[i] = 0.9 * ce[i] + 0.1 / 3.0 * sums[i];
    check_hand_values(&loss, expected);

    /* The gradient is p - t. */
    const double Z[] = {0.0, log(2.0), log(5.0)};
    const int y[] = {2};
    double value, gradient[3];
    assert_int_equal(evaluate(&loss, 1, Z, y, &value, gradient), LNL_OK);
    assert_close(gradient[0], 1.0 / 8.0 - 0.1 / 3.0, 1e-15);
    assert_close(gradient[1], 2.0 / 8.0 - 0.1 / 3.0, 1e-15);
    assert_close(gradient[2], 5.0 / 8.0 - 0.9 - 0.1 / 3.0, 1e-15);
}

static void nce_rce_values_match_hand_computed(void **state)
{
    (void)state;
    lnl_loss loss = make_loss("nce_rce", 3);
    assert_true(loss.params.alpha == 1.0);
    assert_true(loss.params.beta == 1.0);
    assert_true(loss.params.A == -4.0);

    /* nce = (-log p_y) / sum_k (-log p_k). */
    double ce[HAND_ROWS];
    hand_cross_entropy(ce);
    double sum12 = log(8.0) + log(4.0) + log(8.0 / 5.0);
    double sum3 = 3.0 * log1p(2.0 * exp(-40.0)) + 80.0;
    double sum4 = 800.0 + 3.0 * log(2.0);
    const double sums[HAND_ROWS] = {3.0 * log(3.0), sum12, sum12, sum3, sum4};
    const double rce[HAND_ROWS] = {4.0 * 2.0 / 3.0, 4.0 * 7.0 / 8.0, 4.0 * 3.0 / 8.0,
                                   4.0 * row3_one_minus(), 4.0};
    double expected[HAND_ROWS];
    for (size_t i = 0; i < HAND_ROWS; i++)
        expected[i] = ce[i] / sums[i] + rce[i];
    check_hand_values(&loss, expected);

    /* Row 0 is 1/3 + 8/3 = 3 exactly. */
    assert_close(expected[0], 3.0, 1e-15);
}

static const char *const robust_losses[] = {"rce", "sce", "mae", "gce", "bootstrap_soft",
                                            "bootstrap_hard", "label_smoothing", "nce_rce"};
enum { N_ROBUST = sizeof robust_losses / sizeof robust_losses[0] };

static void robust_gradients_match_finite_differences(void **state)
{
    (void)state;
    static const size_t class_counts[] = {2, 3, 10};
    for (size_t l = 0; l < N_ROBUST; l++)
        for (size_t c = 0; c < 3; c++)
            for (uint64_t seed = 1; seed <= 3; seed++)
                check_gradient_by_differences(robust_losses[l], class_counts[c],
                                              100 * l + 10 * c + seed);
}

static void robust_gradients_with_large_logits(void **state)
{
    (void)state;
    /* Logits up to 12 in size put p_y near 0 or 1 on some rows. */
    static const size_t class_counts[] = {2, 3, 10};
    for (size_t l = 0; l < N_ROBUST; l++)
        for (size_t c = 0; c < 3; c++) {
            lnl_loss loss = make_loss(robust_losses[l], class_counts[c]);
            check_loss_gradient(&loss, 12.0, 1000 + 10 * l + c);
        }
}

static void robust_gradients_with_other_parameters(void **state)
{
    (void)state;
    static const size_t class_counts[] = {2, 3, 10};
    for (size_t c = 0; c < 3; c++) {
        size_t k = class_counts[c];

        lnl_loss gce = make_loss("gce", k);
        gce.params.q = 0.3;
        check_loss_gradient(&gce, 3.0, 2000 + c);
        gce.params.q = 1.0;
        check_loss_gradient(&gce, 3.0, 2010 + c);

        /* Truncation: central differences are valid away from p_y = k;
         * these seeds keep every row at least 1e-3 from the threshold. */
        gce.params.q = 0.7;
        gce.params.truncation = 0.3;
        check_loss_gradient(&gce, 3.0, 2020 + c);

        lnl_loss sce = make_loss("sce", k);
        sce.params.alpha = 2.5;
        sce.params.beta = 0.3;
        sce.params.A = log(1e-4);
        check_loss_gradient(&sce, 3.0, 2030 + c);

        lnl_loss nce_rce = make_loss("nce_rce", k);
        nce_rce.params.alpha = 10.0;
        nce_rce.params.beta = 0.1;
        check_loss_gradient(&nce_rce, 3.0, 2040 + c);

        lnl_loss soft = make_loss("bootstrap_soft", k);
        soft.params.beta = 0.3;
        check_loss_gradient(&soft, 3.0, 2050 + c);

        lnl_loss smoothing = make_loss("label_smoothing", k);
        smoothing.params.epsilon = 0.6;
        check_loss_gradient(&smoothing, 3.0, 2060 + c);
    }
}

/* The binary model's logits (0, z) against formulas in s = sigmoid(z). */
static void robust_binary_logits_match_sigmoid_formulas(void **state)
{
    (void)state;
    const double z = 0.75, s = 1.0 / (1.0 + exp(-z)), q = 0.7;
    const double Z[] = {0.0, z, 0.0, z};
    const int y[] = {1, 0};
    double values[2], gradient[4];

    lnl_loss mae = make_loss("mae", 2);
    assert_int_equal(evaluate(&mae, 2, Z, y, values, gradient), LNL_OK);
    assert_close(values[0], 2.0 * (1.0 - s), 1e-15);
    assert_close(values[1], 2.0 * s, 1e-15);
    assert_close(gradient[1], -2.0 * s * (1.0 - s), 1e-15);
    assert_close(gradient[3], 2.0 * s * (1.0 - s), 1e-15);
    assert_close(gradient[0], -gradient[1], 1e-15);

    lnl_loss gce = make_loss("gce", 2);
    assert_int_equal(evaluate(&gce, 2, Z, y, values, gradient), LNL_OK);
    assert_close(values[0], (1.0 - pow(s, q)) / q, 1e-15);
    assert_close(values[1], (1.0 - pow(1.0 - s, q)) / q, 1e-15);
    assert_close(gradient[1], -pow(s, q) * (1.0 - s), 1e-15);
    assert_close(gradient[3], pow(1.0 - s, q) * s, 1e-15);

    lnl_loss rce = make_loss("rce", 2);
    assert_int_equal(evaluate(&rce, 2, Z, y, values, gradient), LNL_OK);
    assert_close(values[0], 4.0 * (1.0 - s), 1e-15);
    assert_close(gradient[3], 4.0 * s * (1.0 - s), 1e-15);

    lnl_loss smoothing = make_loss("label_smoothing", 2);
    assert_int_equal(evaluate(&smoothing, 2, Z, y, values, gradient), LNL_OK);
    assert_close(values[0], -0.95 * log(s) - 0.05 * log(1.0 - s), 1e-15);
    assert_close(gradient[1], s - 0.95, 1e-15);

    lnl_loss nce_rce = make_loss("nce_rce", 2);
    assert_int_equal(evaluate(&nce_rce, 2, Z, y, values, gradient), LNL_OK);
    assert_close(values[0], log(s) / (log(s) + log(1.0 - s)) + 4.0 * (1.0 - s), 1e-15);
}

/* Compares two losses value by value and gradient entry by entry on random
 * logits with K = 4. */
static void check_same_loss(const lnl_loss *a, const lnl_loss *b, double factor)
{
    enum { N = 6, K = 4 };
    uint64_t random = 77;
    double Z[N * K];
    int y[N];
    for (size_t i = 0; i < N * K; i++)
        Z[i] = random_uniform(&random, 4.0);
    for (size_t i = 0; i < N; i++)
        y[i] = (int)(next_random(&random) % K);

    double values_a[N], values_b[N], gradient_a[N * K], gradient_b[N * K];
    assert_int_equal(evaluate(a, N, Z, y, values_a, gradient_a), LNL_OK);
    assert_int_equal(evaluate(b, N, Z, y, values_b, gradient_b), LNL_OK);
    for (size_t i = 0; i < N; i++)
        if (fabs(values_a[i] - factor * values_b[i]) > 1e-14)
            fail_msg("%s row %zu: %.17g, but %g * %s gives %.17g", a->info->name, i,
                     values_a[i], factor, b->info->name, factor * values_b[i]);
    for (size_t j = 0; j < N * K; j++)
        if (fabs(gradient_a[j] - factor * gradient_b[j]) > 1e-14)
            fail_msg("%s gradient entry %zu: %.17g, but %g * %s gives %.17g", a->info->name, j,
                     gradient_a[j], factor, b->info->name, factor * gradient_b[j]);
}

static void robust_losses_reduce_to_simpler_ones(void **state)
{
    (void)state;
    lnl_loss ce = make_loss("ce", 4), mae = make_loss("mae", 4);

    lnl_loss rce = make_loss("rce", 4);
    rce.params.A = -2.0;
    check_same_loss(&rce, &mae, 1.0);

    lnl_loss gce = make_loss("gce", 4);
    gce.params.q = 1.0;
    check_same_loss(&gce, &mae, 0.5);

    lnl_loss sce = make_loss("sce", 4);
    sce.params.alpha = 1.0;
    sce.params.beta = 0.0;
    check_same_loss(&sce, &ce, 1.0);
    sce.params.alpha = 0.0;
    sce.params.beta = 1.0;
    sce.params.A = -2.0;
    check_same_loss(&sce, &mae, 1.0);

    lnl_loss soft = make_loss("bootstrap_soft", 4);
    soft.params.beta = 1.0;
    check_same_loss(&soft, &ce, 1.0);

    lnl_loss hard = make_loss("bootstrap_hard", 4);
    hard.params.beta = 1.0;
    check_same_loss(&hard, &ce, 1.0);

    lnl_loss smoothing = make_loss("label_smoothing", 4);
    smoothing.params.epsilon = 0.0;
    check_same_loss(&smoothing, &ce, 1.0);

    lnl_loss nce_rce = make_loss("nce_rce", 4);
    nce_rce.params.alpha = 0.0;
    nce_rce.params.A = -2.0;
    check_same_loss(&nce_rce, &mae, 1.0);
}

static void robust_values_without_gradient(void **state)
{
    (void)state;
    double Z[HAND_ROWS * 3], with[HAND_ROWS], without[HAND_ROWS], gradient[HAND_ROWS * 3];
    hand_logits(Z);
    for (size_t l = 0; l < N_ROBUST; l++) {
        lnl_loss loss = make_loss(robust_losses[l], 3);
        assert_int_equal(evaluate(&loss, HAND_ROWS, Z, hand_labels, with, gradient), LNL_OK);
        assert_int_equal(evaluate(&loss, HAND_ROWS, Z, hand_labels, without, NULL), LNL_OK);
        for (size_t i = 0; i < HAND_ROWS; i++)
            assert_true(with[i] == without[i]);
    }
}

static void robust_losses_reject_non_finite_logits(void **state)
{
    (void)state;
    const int y[] = {0};
    double values[1], gradient[2];
    const double nan_logits[] = {NAN, 0.0};
    const double infinite_logits[] = {0.0, INFINITY};
    const double negative_infinite_logits[] = {-INFINITY, 0.0};

    for (size_t l = 0; l < N_ROBUST; l++) {
        lnl_loss loss = make_loss(robust_losses[l], 2);
        if (evaluate(&loss, 1, nan_logits, y, values, gradient) != LNL_ERR_NUMERIC)
            fail_msg("%s accepted a NaN logit", robust_losses[l]);
        if (evaluate(&loss, 1, infinite_logits, y, values, NULL) != LNL_ERR_NUMERIC)
            fail_msg("%s accepted a logit of +inf", robust_losses[l]);
        if (evaluate(&loss, 1, negative_infinite_logits, y, values, gradient) !=
            LNL_ERR_NUMERIC)
            fail_msg("%s accepted a logit of -inf", robust_losses[l]);
    }
}

/* ---- parameters ------------------------------------------------------- */

static void loss_defaults_set_k_and_documented_values(void **state)
{
    (void)state;
    lnl_loss_params params;
    lnl_loss_defaults(lnl_loss_lookup("sce"), 7, &params);
    assert_int_equal(params.n_classes, 7);
    assert_true(params.alpha == 0.1 && params.beta == 1.0 && params.A == -4.0);
    lnl_loss_defaults(lnl_loss_lookup("gce"), 2, &params);
    assert_true(params.q == 0.7 && params.truncation == 0.0);
    lnl_loss_defaults(lnl_loss_lookup("bootstrap_soft"), 2, &params);
    assert_true(params.beta == 0.95);
    lnl_loss_defaults(lnl_loss_lookup("bootstrap_hard"), 2, &params);
    assert_true(params.beta == 0.8);
    lnl_loss_defaults(lnl_loss_lookup("label_smoothing"), 2, &params);
    assert_true(params.epsilon == 0.1);
    lnl_loss_defaults(lnl_loss_lookup("nce_rce"), 2, &params);
    assert_true(params.alpha == 1.0 && params.beta == 1.0 && params.A == -4.0);

    /* Every loss's defaults pass its own check. */
    for (size_t i = 0; i < lnl_loss_count(); i++) {
        lnl_loss_defaults(lnl_loss_at(i), 3, &params);
        lnl_error err;
        if (lnl_loss_check_params(lnl_loss_at(i), &params, NULL, &err) != LNL_OK)
            fail_msg("the defaults of %s fail their check: %s", lnl_loss_at(i)->name,
                     err.message);
    }
}

typedef struct parameter_case {
    const char *loss;
    size_t offset;      /* of the double in lnl_loss_params */
    double value;
    const char *parameter;  /* expected name; NULL when the value is valid */
} parameter_case;

#define PARAM(field) offsetof(lnl_loss_params, field)

static void loss_check_params_domains(void **state)
{
    (void)state;
    static const parameter_case cases[] = {
        {"gce", PARAM(q), 0.0, "q"},
        {"gce", PARAM(q), -0.5, "q"},
        {"gce", PARAM(q), 1.0000001, "q"},
        {"gce", PARAM(q), NAN, "q"},
        {"gce", PARAM(q), 1.0, NULL},
        {"gce", PARAM(q), 1e-9, NULL},
        {"gce", PARAM(truncation), 1.0, "truncation"},
        {"gce", PARAM(truncation), -0.1, "truncation"},
        {"gce", PARAM(truncation), 0.999, NULL},
        {"bootstrap_soft", PARAM(beta), 1.5, "beta"},
        {"bootstrap_soft", PARAM(beta), -0.01, "beta"},
        {"bootstrap_soft", PARAM(beta), 0.0, NULL},
        {"bootstrap_soft", PARAM(beta), 1.0, NULL},
        {"bootstrap_hard", PARAM(beta), 1.01, "beta"},
        {"bootstrap_hard", PARAM(beta), NAN, "beta"},
        {"label_smoothing", PARAM(epsilon), 1.0, "epsilon"},
        {"label_smoothing", PARAM(epsilon), -1e-12, "epsilon"},
        {"label_smoothing", PARAM(epsilon), 0.0, NULL},
        {"sce", PARAM(alpha), -1.0, "alpha"},
        {"sce", PARAM(alpha), INFINITY, "alpha"},
        {"sce", PARAM(beta), -0.1, "beta"},
        {"sce", PARAM(beta), 6.0, NULL},
        {"sce", PARAM(A), 0.0, "A"},
        {"sce", PARAM(A), 1.0, "A"},
        {"sce", PARAM(A), -INFINITY, "A"},
        {"rce", PARAM(A), -9.21, NULL},
        {"nce_rce", PARAM(beta), 100.0, NULL},
        {"nce_rce", PARAM(alpha), -2.0, "alpha"},
        /* A parameter that the loss does not read is not checked. */
        {"ce", PARAM(q), 5.0, NULL},
        {"mae", PARAM(beta), -3.0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const parameter_case *c = &cases[i];
        const lnl_loss_info *info = lnl_loss_lookup(c->loss);
        lnl_loss_params params;
        lnl_loss_defaults(info, 3, &params);
        memcpy((char *)&params + c->offset, &c->value, sizeof(double));

        const char *parameter = NULL;
        lnl_error err;
        lnl_error_clear(&err);
        lnl_status status = lnl_loss_check_params(info, &params, &parameter, &err);
        if (c->parameter == NULL) {
            if (status != LNL_OK)
                fail_msg("case %zu (%s): rejected a valid value: %s", i, c->loss, err.message);
            continue;
        }
        if (status != LNL_ERR_ARGUMENT)
            fail_msg("case %zu (%s): accepted %s = %g", i, c->loss, c->parameter, c->value);
        assert_non_null(parameter);
        assert_string_equal(parameter, c->parameter);
        assert_non_null(strstr(err.message, c->loss));
        assert_non_null(strstr(err.message, c->parameter));
    }
}

static void loss_check_params_alpha_and_beta_both_zero(void **state)
{
    (void)state;
    static const char *const names[] = {"sce", "nce_rce"};
    for (size_t i = 0; i < 2; i++) {
        const lnl_loss_info *info = lnl_loss_lookup(names[i]);
        lnl_loss_params params;
        lnl_loss_defaults(info, 3, &params);
        params.alpha = 0.0;
        params.beta = 0.0;
        const char *parameter = NULL;
        lnl_error err;
        assert_int_equal(lnl_loss_check_params(info, &params, &parameter, &err),
                         LNL_ERR_ARGUMENT);
        assert_non_null(strstr(err.message, "alpha and beta are both 0"));
        assert_non_null(parameter);

        /* One of the two at 0 is fine. */
        params.alpha = 0.0;
        params.beta = 0.5;
        assert_int_equal(lnl_loss_check_params(info, &params, NULL, &err), LNL_OK);
        params.alpha = 0.5;
        params.beta = 0.0;
        assert_int_equal(lnl_loss_check_params(info, &params, NULL, &err), LNL_OK);
    }
}

static void softmax_rows_sum_to_one(void **state)
{
    (void)state;
    enum { N = 5, K = 7 };
    uint64_t random = 11;
    double Z[N * K], P[N * K];
    for (size_t i = 0; i < N * K; i++)
        Z[i] = random_uniform(&random, 20.0);

    lnl_softmax(N, K, Z, P);

    for (size_t i = 0; i < N; i++) {
        double sum = 0.0;
        for (size_t k = 0; k < K; k++) {
            assert_true(P[i * K + k] > 0.0);
            sum += P[i * K + k];
        }
        assert_close(sum, 1.0, 1e-14);

        /* Ratios of probabilities are exponentials of logit differences. */
        double ratio = P[i * K + 1] / P[i * K];
        assert_close(ratio / exp(Z[i * K + 1] - Z[i * K]), 1.0, 1e-12);
    }
}

static void softmax_survives_extreme_logits(void **state)
{
    (void)state;
    const double Z[] = {
        1000.0, -1000.0, 0.0,
        -1000.0, -1000.0, -1000.0,
        1000.0, 1000.0, 999.0,
    };
    double P[9];
    lnl_softmax(3, 3, Z, P);

    for (size_t i = 0; i < 9; i++)
        assert_true(isfinite(P[i]));

    assert_close(P[0], 1.0, 1e-15);
    assert_close(P[1], 0.0, 1e-15);
    assert_close(P[2], 0.0, 1e-15);

    for (size_t k = 0; k < 3; k++)
        assert_close(P[3 + k], 1.0 / 3.0, 1e-15);

    /* (1000, 1000, 999) has the softmax of (1, 1, 0). */
    double sum = 2.0 * exp(1.0) + 1.0;
    assert_close(P[6], exp(1.0) / sum, 1e-15);
    assert_close(P[7], exp(1.0) / sum, 1e-15);
    assert_close(P[8], 1.0 / sum, 1e-15);
}

static void chain_softmax_matches_jacobian_product(void **state)
{
    (void)state;
    enum { N = 3, K = 4 };
    uint64_t random = 5;
    double Z[N * K], P[N * K], G[N * K], chained[N * K];
    for (size_t i = 0; i < N * K; i++) {
        Z[i] = random_uniform(&random, 2.0);
        G[i] = random_uniform(&random, 1.0);
    }
    lnl_softmax(N, K, Z, P);
    memcpy(chained, G, sizeof G);

    lnl_loss_chain_softmax(N, K, P, chained);

    /* dZ_j = sum_k G_k dP_k/dZ_j, with dP_k/dZ_j = P_k (delta_kj - P_j). */
    for (size_t i = 0; i < N; i++) {
        const double *p = P + i * K, *g = G + i * K;
        for (size_t j = 0; j < K; j++) {
            double expected = 0.0;
            for (size_t k = 0; k < K; k++) {
                double jacobian = p[k] * ((k == j ? 1.0 : 0.0) - p[j]);
                expected += g[k] * jacobian;
            }
            assert_close(chained[i * K + j], expected, 1e-15);
        }
    }
}

static void log_softmax_matches_log_of_softmax(void **state)
{
    (void)state;
    enum { N = 4, K = 5 };
    uint64_t random = 19;
    double Z[N * K], P[N * K], L[N * K];
    for (size_t i = 0; i < N * K; i++)
        Z[i] = random_uniform(&random, 10.0);
    lnl_softmax(N, K, Z, P);
    lnl_log_softmax(N, K, Z, L);
    for (size_t i = 0; i < N * K; i++)
        assert_close(L[i], log(P[i]), 1e-13);
}

static void log_softmax_keeps_precision_near_one(void **state)
{
    (void)state;
    /* log p_0 = -log(1 + 2e^-40), about -8.5e-18: computing log(sum)
     * from 1 + 2e^-40 would round it to 0. */
    const double Z[] = {40.0, 0.0, 0.0, -1000.0, 1000.0, 0.0};
    double L[6];
    lnl_log_softmax(2, 3, Z, L);
    assert_relative(L[0], -log1p(2.0 * exp(-40.0)), 1e-15);
    assert_close(L[1], -40.0 - log1p(2.0 * exp(-40.0)), 1e-13);
    assert_close(L[3], -2000.0, 1e-12);
    assert_true(L[4] == 0.0);
    assert_close(L[5], -1000.0, 1e-12);
}

static void registry_finds_cross_entropy(void **state)
{
    (void)state;
    const lnl_loss_info *info = lnl_loss_lookup("ce");
    assert_non_null(info);
    assert_string_equal(info->name, "ce");
    assert_non_null(info->evaluate);
    assert_non_null(info->summary);
    assert_int_equal(info->convex, 1);
    assert_int_equal(info->parameters, 0);
}

static void registry_lists_robust_losses(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int convex;
        unsigned parameters;
    } expected[] = {
        {"rce", 0, LNL_LOSS_PARAM_A},
        {"sce", 0, LNL_LOSS_PARAM_ALPHA | LNL_LOSS_PARAM_BETA | LNL_LOSS_PARAM_A},
        {"mae", 0, 0},
        {"gce", 0, LNL_LOSS_PARAM_Q | LNL_LOSS_PARAM_TRUNCATION},
        {"bootstrap_soft", 0, LNL_LOSS_PARAM_BETA},
        {"bootstrap_hard", 0, LNL_LOSS_PARAM_BETA},
        {"label_smoothing", 1, LNL_LOSS_PARAM_EPSILON},
        {"nce_rce", 0, LNL_LOSS_PARAM_ALPHA | LNL_LOSS_PARAM_BETA | LNL_LOSS_PARAM_A},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const lnl_loss_info *info = lnl_loss_lookup(expected[i].name);
        if (info == NULL)
            fail_msg("the registry has no loss \"%s\"", expected[i].name);
        assert_int_equal(info->convex, expected[i].convex);
        assert_int_equal(info->parameters, expected[i].parameters);
        assert_true(strlen(info->summary) > 0);
    }
}

static void registry_rejects_unknown_name(void **state)
{
    (void)state;
    assert_null(lnl_loss_lookup("no_such_loss"));
    assert_null(lnl_loss_lookup(""));
    assert_null(lnl_loss_lookup("CE"));
}

static void registry_entries_are_found_by_name(void **state)
{
    (void)state;
    size_t count = lnl_loss_count();
    assert_true(count >= 1);
    for (size_t i = 0; i < count; i++) {
        const lnl_loss_info *info = lnl_loss_at(i);
        assert_non_null(info);
        assert_ptr_equal(lnl_loss_lookup(info->name), info);
    }
    assert_null(lnl_loss_at(count));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ce_values_match_hand_computed),
        cmocka_unit_test(ce_binary_logits_match_log_sigmoid),
        cmocka_unit_test(ce_stays_finite_when_p_y_underflows),
        cmocka_unit_test(ce_values_without_gradient),
        cmocka_unit_test(ce_rejects_non_finite_logits),
        cmocka_unit_test(ce_gradient_matches_finite_differences),
        cmocka_unit_test(rce_values_match_hand_computed),
        cmocka_unit_test(mae_values_match_hand_computed),
        cmocka_unit_test(sce_values_match_hand_computed),
        cmocka_unit_test(gce_values_match_hand_computed),
        cmocka_unit_test(gce_gradient_vanishes_as_p_y_underflows),
        cmocka_unit_test(gce_truncation_is_constant_below_k),
        cmocka_unit_test(bootstrap_soft_values_match_hand_computed),
        cmocka_unit_test(bootstrap_soft_differentiates_its_target),
        cmocka_unit_test(bootstrap_hard_values_match_hand_computed),
        cmocka_unit_test(label_smoothing_values_match_hand_computed),
        cmocka_unit_test(nce_rce_values_match_hand_computed),
        cmocka_unit_test(robust_gradients_match_finite_differences),
        cmocka_unit_test(robust_gradients_with_large_logits),
        cmocka_unit_test(robust_gradients_with_other_parameters),
        cmocka_unit_test(robust_binary_logits_match_sigmoid_formulas),
        cmocka_unit_test(robust_losses_reduce_to_simpler_ones),
        cmocka_unit_test(robust_values_without_gradient),
        cmocka_unit_test(robust_losses_reject_non_finite_logits),
        cmocka_unit_test(loss_defaults_set_k_and_documented_values),
        cmocka_unit_test(loss_check_params_domains),
        cmocka_unit_test(loss_check_params_alpha_and_beta_both_zero),
        cmocka_unit_test(softmax_rows_sum_to_one),
        cmocka_unit_test(softmax_survives_extreme_logits),
        cmocka_unit_test(chain_softmax_matches_jacobian_product),
        cmocka_unit_test(log_softmax_matches_log_of_softmax),
        cmocka_unit_test(log_softmax_keeps_precision_near_one),
        cmocka_unit_test(registry_finds_cross_entropy),
        cmocka_unit_test(registry_lists_robust_losses),
        cmocka_unit_test(registry_rejects_unknown_name),
        cmocka_unit_test(registry_entries_are_found_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
