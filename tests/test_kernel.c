/* Tests of the vectorizable exp and log1p (src/vector_math.h) and of the
 * fused binary cross-entropy kernel (src/binary_logistic.c).
 *
 * The math functions are compared with glibc's exp and log1p in units in
 * the last place. tests/test_linear.c compares the kernel, through
 * lnl_linear_objective, with the two-pass oracle. Here the kernel is built
 * once per x86-64 instruction set (see tests/meson.build), and every build
 * must return the same bits, so that results do not depend on the CPU
 * that computes them. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "src/binary_logistic.h"
#include "src/softmax_ce.h"
#include "src/vector_math.h"

/* Distance between a and b in units in the last place of b. */
static double ulps(double a, double b)
{
    if (a == b)
        return 0.0;
    double unit = nextafter(fabs(b), INFINITY) - fabs(b);
    return fabs(a - b) / unit;
}

static void exp_nonpositive_within_two_ulps(void **state)
{
    (void)state;
    double worst = 0.0;

    /* Evenly spaced points over the whole range, then every binade of
     * small arguments, where the reduction leaves r = x. */
    for (long i = 0; i <= 2000000; i++) {
        double x = -708.0 * (double)i / 2000000.0;
        double u = ulps(lnl_exp_nonpositive(x), exp(x));
        worst = u > worst ? u : worst;
    }
    for (int e = 1; e < 1075; e++) {
        double x = -ldexp(1.3, -e);
        double u = ulps(lnl_exp_nonpositive(x), exp(x));
        worst = u > worst ? u : worst;
    }
    assert_true(worst <= 2.0);

    assert_true(lnl_exp_nonpositive(0.0) == 1.0);
    assert_true(lnl_exp_nonpositive(-0.0) == 1.0);
    assert_true(lnl_exp_nonpositive(-1.0) == exp(-1.0));
    /* Below -708 the result stays at exp(-708), a normal number. */
    assert_true(lnl_exp_nonpositive(-800.0) == lnl_exp_nonpositive(-708.0));
    assert_true(lnl_exp_nonpositive(-INFINITY) == lnl_exp_nonpositive(-708.0));
    assert_true(lnl_exp_nonpositive(-708.0) > 0x1p-1022);
    assert_true(isnan(lnl_exp_nonpositive(NAN)));
}

static void log1p_unit_within_two_ulps(void **state)
{
    (void)state;
    double worst = 0.0;

    for (long i = 0; i <= 2000000; i++) {
        double e = (double)i / 2000000.0;
        double u = ulps(lnl_log1p_unit(e), log1p(e));
        worst = u > worst ? u : worst;
    }
    for (int k = 1; k < 1075; k++) {
        double e = ldexp(1.7, -k);
        double u = ulps(lnl_log1p_unit(e), log1p(e));
        worst = u > worst ? u : worst;
    }
    assert_true(worst <= 2.0);

    assert_true(lnl_log1p_unit(0.0) == 0.0);
    assert_true(lnl_log1p_unit(0x1p-1074) == 0x1p-1074);
    assert_true(ulps(lnl_log1p_unit(1.0), log(2.0)) <= 1.0);
}

/* The kernel's loss against its formula evaluated with glibc, on
 * logits from -800 to 800, which include the range where lnl's exp clamps
 * exp(-|z|) to exp(-708). */
static void kernel_loss_and_residual_match_formula(void **state)
{
    (void)state;
    enum { N = 41 };
    double X[N], w = 1.0;
    int labels[N];
    for (size_t i = 0; i < N; i++) {
        X[i] = -800.0 + 40.0 * (double)i;
        labels[i] = (int)(i % 2);
    }

    for (size_t i = 0; i < N; i++) {
        lnl_binary_block block = {.n = 1, .d = 1, .X = X + i, .labels = labels + i, .C = 1.0};
        double gradient_w = 0.0, gradient_b = 0.0, scratch[3];
        double loss = lnl_binary_ce_block(&block, &w, 0.25, &gradient_w, &gradient_b, scratch);

        double z = X[i] + 0.25, y = labels[i];
        double expected = log1p(exp(-fabs(z))) + fmax(z, 0.0) - y * z;
        double sigmoid = 1.0 / (1.0 + exp(-z));
        assert_true(fabs(loss - expected) <= 4e-16 * fmax(1.0, fabs(expected)));
        assert_true(fabs(gradient_b - (sigmoid - y)) <= 4e-16);
        assert_true(fabs(gradient_w - (sigmoid - y) * X[i]) <= 4e-16 * fabs(X[i]));
    }
}

/* A logit that is not finite makes the returned sum not finite. */
static void kernel_returns_non_finite_for_infinite_logit(void **state)
{
    (void)state;
    double X[3] = {1.0, INFINITY, 2.0}, w = 1.0, scratch[9];
    int labels[3] = {0, 1, 0};
    lnl_binary_block block = {.n = 3, .d = 1, .X = X, .labels = labels, .C = 1.0};
    assert_false(isfinite(lnl_binary_ce_block(&block, &w, 0.0, NULL, NULL, scratch)));
}

#ifdef LNL_TEST_KERNEL_VARIANTS
typedef double (*kernel_fn)(const lnl_binary_block *, const double *, double, double *,
                            double *, double *);
double lnl_binary_ce_block_sse2(const lnl_binary_block *, const double *, double, double *,
                                double *, double *);
double lnl_binary_ce_block_avx2(const lnl_binary_block *, const double *, double, double *,
                                double *, double *);
double lnl_binary_ce_block_avx512f(const lnl_binary_block *, const double *, double, double *,
                                   double *, double *);

static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 11;
}

static double random_between(uint64_t *state, double low, double high)
{
    return low + (high - low) * ((double)next_random(state) / 9007199254740992.0);
}

/* One block evaluated by one build of the kernel: the sum, the gradient. */
typedef struct kernel_result {
    double total;
    double gradient[702];
} kernel_result;

static void run_kernel(kernel_fn kernel, const lnl_binary_block *block, const double *w, double b,
                       kernel_result *out)
{
    double *scratch = malloc(3 * block->n * sizeof(double));
    assert_non_null(scratch);
    memset(out, 0, sizeof *out);
    out->total = kernel(block, w, b, out->gradient, out->gradient + block->d, scratch);
    free(scratch);
}

static void kernel_builds_agree_bit_for_bit(void **state)
{
    (void)state;
    struct {
        const char *name;
        kernel_fn kernel;
        int supported;
    } builds[] = {
        {"sse2", lnl_binary_ce_block_sse2, 1},
        {"avx2", lnl_binary_ce_block_avx2, __builtin_cpu_supports("avx2")},
        {"avx512f", lnl_binary_ce_block_avx512f, __builtin_cpu_supports("avx512f")},
        {"library", lnl_binary_ce_block, 1},
    };
    const size_t shapes[][2] = {{1, 1}, {3, 7}, {4, 16}, {17, 33}, {163, 100}, {5, 700}};
    uint64_t random = 42;
    size_t compared = 0;

    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t n = shapes[s][0], d = shapes[s][1], n_data = 2 * n + 3;
        double *X = malloc(n_data * d * sizeof(double));
        double *mean = malloc(d * sizeof(double)), *inverse_scale = malloc(d * sizeof(double));
        double *w = malloc(d * sizeof(double)), *weights = malloc(n * sizeof(double));
        size_t *rows = malloc(n * sizeof(size_t));
        int *labels = malloc(n * sizeof(int));
        assert_true(X && mean && inverse_scale && w && weights && rows && labels);
        for (size_t i = 0; i < n_data * d; i++)
            X[i] = random_between(&random, -3.0, 5.0);
        for (size_t j = 0; j < d; j++) {
            mean[j] = random_between(&random, -1.0, 1.0);
            inverse_scale[j] = 1.0 / random_between(&random, 0.5, 3.0);
            w[j] = random_between(&random, -2.0, 2.0);
        }
        for (size_t i = 0; i < n; i++) {
            rows[i] = (5 * i + 1) % n_data;
            labels[i] = (int)(next_random(&random) % 2);
            weights[i] = random_between(&random, 0.5, 2.0);
        }

        /* Raw rows in place, standardized rows, rows by index, weights. */
        for (int variant = 0; variant < 4; variant++) {
            lnl_binary_block block = {.n = n, .d = d, .X = X, .labels = labels, .C = 0.7};
            if (variant & 1) {
                block.mean = mean;
                block.inverse_scale = inverse_scale;
            }
            if (variant & 2) {
                block.rows = rows;
                block.sample_weights = weights;
            }

            kernel_result first, other;
            run_kernel(builds[0].kernel, &block, w, 0.3, &first);
            for (size_t k = 1; k < sizeof builds / sizeof builds[0]; k++) {
                if (!builds[k].supported)
                    continue;
                run_kernel(builds[k].kernel, &block, w, 0.3, &other);
                assert_memory_equal(&first.total, &other.total, sizeof(double));
                assert_memory_equal(first.gradient, other.gradient, (d + 1) * sizeof(double));
                compared++;
            }
        }
        free(X);
        free(mean);
        free(inverse_scale);
        free(w);
        free(weights);
        free(rows);
        free(labels);
    }
    assert_true(compared >= 24);
}

typedef void (*softmax_fn)(size_t, size_t, const double *, const int *, double *, double *,
                           double *);
void lnl_softmax_ce_rows_sse2(size_t, size_t, const double *, const int *, double *, double *,
                              double *);
void lnl_softmax_ce_rows_avx2(size_t, size_t, const double *, const int *, double *, double *,
                              double *);
void lnl_softmax_ce_rows_avx512f(size_t, size_t, const double *, const int *, double *,
                                 double *, double *);

/* Checks that every build gives the same bits on logits over a wide
 * range, with one class of some rows far below the others so that its exp
 * is near underflow, for 1 to 13 classes. */
static void softmax_builds_agree_bit_for_bit(void **state)
{
    (void)state;
    struct {
        softmax_fn rows;
        int supported;
    } builds[] = {
        {lnl_softmax_ce_rows_sse2, 1},
        {lnl_softmax_ce_rows_avx2, __builtin_cpu_supports("avx2")},
        {lnl_softmax_ce_rows_avx512f, __builtin_cpu_supports("avx512f")},
        {lnl_softmax_ce_rows, 1},
    };
    enum { N = 37, MAX_CLASSES = 13 };
    static double Z[N * MAX_CLASSES], values[4][N], gradient[4][N * MAX_CLASSES];
    static double work[N * MAX_CLASSES];
    int y[N];
    uint64_t random = 7;
    size_t compared = 0;

    for (size_t n_classes = 1; n_classes <= MAX_CLASSES; n_classes++) {
        for (size_t i = 0; i < N * n_classes; i++)
            Z[i] = random_between(&random, -30.0, 30.0);
        for (size_t i = 0; i < N; i++) {
            y[i] = (int)(next_random(&random) % n_classes);
            if (i % 5 == 0)
                Z[i * n_classes + i % n_classes] = -700.0;
        }
        for (size_t b = 0; b < 4; b++) {
            if (!builds[b].supported)
                continue;
            builds[b].rows(N, n_classes, Z, y, values[b], gradient[b], work);
            assert_memory_equal(values[b], values[0], sizeof values[0]);
            assert_memory_equal(gradient[b], gradient[0], N * n_classes * sizeof(double));
            compared++;
        }
    }
    assert_true(compared >= 2 * MAX_CLASSES);
}
#endif

/* Checks the loss against log-sum-exp with libm and the gradient rows
 * against a sum of 0, on logits whose softmax is known: for
 * z = (0, ln 2, ln 5) the probabilities are 1/8, 2/8 and 5/8. */
static void softmax_loss_matches_formula(void **state)
{
    (void)state;
    const double Z[] = {0.0, log(2.0), log(5.0), 3.0, -1.0, 2.5, -400.0, 0.0, 1.0};
    const int y[] = {2, 1, 2};
    double values[3], gradient[9], work[9];
    lnl_softmax_ce_rows(3, 3, Z, y, values, gradient, work);

    assert_true(fabs(values[0] - log(8.0 / 5.0)) <= 4e-16);
    assert_true(fabs(gradient[0] - 1.0 / 8.0) <= 1e-16);
    assert_true(fabs(gradient[1] - 2.0 / 8.0) <= 1e-16);
    assert_true(fabs(gradient[2] - (5.0 / 8.0 - 1.0)) <= 1e-16);
    for (size_t i = 0; i < 3; i++) {
        const double *z = Z + 3 * i;
        double max = fmax(z[0], fmax(z[1], z[2]));
        double expected = max + log(exp(z[0] - max) + exp(z[1] - max) + exp(z[2] - max)) -
                          z[y[i]];
        assert_true(fabs(values[i] - expected) <= 4e-16 * fmax(1.0, fabs(expected)));
        double row_sum = gradient[3 * i] + gradient[3 * i + 1] + gradient[3 * i + 2];
        assert_true(fabs(row_sum) <= 4e-16);
    }
    /* p_0 = exp(-401) / (1 + exp(-1) + exp(-401)), far above underflow */
    assert_true(fabs(gradient[6] / exp(-401.0) - 1.0 / (1.0 + exp(-1.0))) <= 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exp_nonpositive_within_two_ulps),
        cmocka_unit_test(log1p_unit_within_two_ulps),
        cmocka_unit_test(kernel_loss_and_residual_match_formula),
        cmocka_unit_test(kernel_returns_non_finite_for_infinite_logit),
        cmocka_unit_test(softmax_loss_matches_formula),
#ifdef LNL_TEST_KERNEL_VARIANTS
        cmocka_unit_test(kernel_builds_agree_bit_for_bit),
        cmocka_unit_test(softmax_builds_agree_bit_for_bit),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
