/* Tests of the per-sample losses on logits: hand-computed cross entropy
 * values, gradients against central finite differences, the softmax and
 * its chain rule, and the loss registry. */
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

static lnl_loss make_loss(const char *name, size_t n_classes)
{
    lnl_loss loss;
    memset(&loss, 0, sizeof loss);
    loss.info = lnl_loss_lookup(name);
    loss.params.n_classes = n_classes;
    return loss;
}

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
}

/* Checks dLoss/dZ of a loss against central differences on 4 rows of
 * random logits. n_classes is at most MAX_CLASSES. */
static void check_gradient_by_differences(const char *name, size_t n_classes, uint64_t seed)
{
    lnl_loss loss = make_loss(name, n_classes);
    assert_non_null(loss.info);

    const size_t n = 4;
    uint64_t random = seed;
    double Z[MAX_ROWS * MAX_CLASSES];
    int y[MAX_ROWS];
    for (size_t i = 0; i < n * n_classes; i++)
        Z[i] = random_uniform(&random, 3.0);
    for (size_t i = 0; i < n; i++)
        y[i] = (int)(next_random(&random) % n_classes);

    double values[MAX_ROWS], gradient[MAX_ROWS * MAX_CLASSES];
    assert_int_equal(evaluate(&loss, n, Z, y, values, gradient), LNL_OK);

    /* Each logit affects only its own row's loss. With the step 1e-5 the
     * truncation error (h^2 / 6 * f''') and the rounding error (eps * f / h)
     * are estimated below 1e-10, far under the tolerance 1e-8. */
    const double h = 1e-5;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n_classes; k++) {
            double shifted[MAX_CLASSES], plus, minus;
            memcpy(shifted, Z + i * n_classes, n_classes * sizeof(double));

            shifted[k] += h;
            assert_int_equal(evaluate(&loss, 1, shifted, &y[i], &plus, NULL), LNL_OK);
            shifted[k] -= 2.0 * h;
            assert_int_equal(evaluate(&loss, 1, shifted, &y[i], &minus, NULL), LNL_OK);

            double difference = (plus - minus) / (2.0 * h);
            assert_close(gradient[i * n_classes + k], difference, 1e-8);
        }
    }
}

static void ce_gradient_matches_finite_differences(void **state)
{
    (void)state;
    check_gradient_by_differences("ce", 2, 1);
    check_gradient_by_differences("ce", 3, 2);
    check_gradient_by_differences("ce", 10, 3);
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

static void registry_finds_cross_entropy(void **state)
{
    (void)state;
    const lnl_loss_info *info = lnl_loss_lookup("ce");
    assert_non_null(info);
    assert_string_equal(info->name, "ce");
    assert_non_null(info->evaluate);
    assert_non_null(info->summary);
    assert_int_equal(info->convex, 1);
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
        cmocka_unit_test(softmax_rows_sum_to_one),
        cmocka_unit_test(softmax_survives_extreme_logits),
        cmocka_unit_test(chain_softmax_matches_jacobian_product),
        cmocka_unit_test(registry_finds_cross_entropy),
        cmocka_unit_test(registry_rejects_unknown_name),
        cmocka_unit_test(registry_entries_are_found_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
