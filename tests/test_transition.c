/* Tests of the transition-matrix helpers: LAPACKE inverses against
 * hand-computed ones, the condition-number test on singular and nearly
 * singular T, estimation errors, the row-stochastic check and the matrix
 * file reader. */
#define TEST_FILES_DIR_PREFIX "lnl_test_transition"
#include "test_files.h"

#include <math.h>

#include "lnl/noise.h"
#include "lnl/transition.h"

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

/* T = (I + P) / 2 with P the cyclic shift, so (I + P)(I - P + P^2) = I + P^3
 * = 2I gives T^-1 = I - P + P^2 by hand. */
static void transition_inverse_cyclic_by_hand(void **state)
{
    (void)state;
    const double T[9] = {0.5, 0.5, 0.0,
                         0.0, 0.5, 0.5,
                         0.5, 0.0, 0.5};
    const double expected[9] = {1.0, -1.0, 1.0,
                                1.0, 1.0, -1.0,
                                -1.0, 1.0, 1.0};
    double inverse[9], rcond = -1.0;
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_transition_invert(3, T, LNL_TRANSITION_MIN_RCOND, inverse, &rcond, &err),
                     LNL_OK);
    for (int i = 0; i < 9; i++)
        assert_close(inverse[i], expected[i], 1e-15);

    /* ||T||_1 = 1 and ||T^-1||_1 = 3, so the exact rcond is 1/3. dgecon
     * estimates ||T^-1||_1 from below, so its rcond is at least 1/3. */
    assert_true(rcond >= 1.0 / 3.0 - 1e-15);
    assert_true(rcond <= 1.0);
}

/* A 2 x 2 block that needs a row swap, beside a 1 x 1 block:
 * [[0.1, 0.9], [0.8, 0.2]] has det -0.7 and inverse
 * [[0.2, -0.9], [-0.8, 0.1]] / -0.7 = [[-2/7, 9/7], [8/7, -1/7]]. */
static void transition_inverse_pivoting_by_hand(void **state)
{
    (void)state;
    const double T[9] = {0.1, 0.9, 0.0,
                         0.8, 0.2, 0.0,
                         0.0, 0.0, 1.0};
    const double expected[9] = {-2.0 / 7.0, 9.0 / 7.0, 0.0,
                                8.0 / 7.0, -1.0 / 7.0, 0.0,
                                0.0, 0.0, 1.0};
    double inverse[9];
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_transition_invert(3, T, LNL_TRANSITION_MIN_RCOND, inverse, NULL, &err),
                     LNL_OK);
    for (int i = 0; i < 9; i++)
        assert_close(inverse[i], expected[i], 1e-15);
}

/* T T^-1 = I for the noise models' matrices up to K = 10. */
static void transition_inverse_of_noise_models(void **state)
{
    (void)state;
    enum { K = 10 };
    const lnl_noise_type types[] = {LNL_NOISE_SYMMETRIC, LNL_NOISE_PAIR};
    const double rates[] = {0.0, 0.2, 0.45, 0.8};
    double T[K * K], inverse[K * K];
    lnl_error err;

    for (size_t t = 0; t < 2; t++)
        for (size_t r = 0; r < 4; r++) {
            lnl_noise_model model = {.type = types[t], .sampling = LNL_SAMPLING_EXACT,
                                     .n_classes = K, .rate = rates[r]};
            lnl_error_clear(&err);
            assert_int_equal(lnl_noise_transition(&model, T, &err), LNL_OK);
            assert_int_equal(lnl_transition_invert(K, T, LNL_TRANSITION_MIN_RCOND, inverse, NULL,
                                                   &err),
                             LNL_OK);
            for (size_t i = 0; i < K; i++)
                for (size_t j = 0; j < K; j++) {
                    double product = 0.0;
                    for (size_t m = 0; m < K; m++)
                        product += T[i * K + m] * inverse[m * K + j];
                    assert_close(product, i == j ? 1.0 : 0.0, 1e-12);
                }
        }
}

/* Symmetric noise at rate (K - 1) / K makes every row uniform, so LU finds
 * a zero pivot and the message reports a singular matrix. */
static void transition_inverse_rejects_singular(void **state)
{
    (void)state;
    const size_t class_counts[] = {2, 3, 4, 10};
    double T[100], inverse[100];
    lnl_error err;

    for (size_t c = 0; c < 4; c++) {
        size_t k = class_counts[c];
        double rate = (double)(k - 1) / (double)k;
        lnl_noise_model model = {.type = LNL_NOISE_SYMMETRIC, .sampling = LNL_SAMPLING_EXACT,
                                 .n_classes = k, .rate = rate};
        lnl_error_clear(&err);
        assert_int_equal(lnl_noise_transition(&model, T, &err), LNL_OK);

        double rcond = -1.0;
        lnl_status status =
            lnl_transition_invert(k, T, LNL_TRANSITION_MIN_RCOND, inverse, &rcond, &err);
        assert_int_equal(status, LNL_ERR_NUMERIC);
        assert_int_equal(err.status, LNL_ERR_NUMERIC);
        /* Rounding can leave a tiny pivot instead of an exact zero; then
         * the condition test rejects it. */
        if (strstr(err.message, "singular") == NULL)
            check_message_contains(&err, "badly conditioned");
        assert_true(rcond >= 0.0 && rcond < 1e-12);
    }
}

/* Close to singular: rcond below the limit is an error that gives rcond;
 * a looser limit accepts the same matrix. */
static void transition_inverse_rejects_ill_conditioned(void **state)
{
    (void)state;
    /* rows (0.5 + e, 0.5 - e) and (0.5, 0.5): det = e, and
     * T^-1 = [[0.5, -(0.5 - e)], [-0.5, 0.5 + e]] / e */
    const double e = 1e-8;
    const double T[4] = {0.5 + e, 0.5 - e, 0.5, 0.5};
    double inverse[4], rcond = -1.0;
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_transition_invert(2, T, LNL_TRANSITION_MIN_RCOND, inverse, &rcond, &err),
                     LNL_ERR_NUMERIC);
    check_message_contains(&err, "badly conditioned");
    check_message_contains(&err, "reciprocal condition number");
    /* ||T||_1 = 1 + e and ||T^-1||_1 = 1 / e, so rcond = e / (1 + e). */
    assert_close(rcond, e / (1.0 + e), e * 1e-6);

    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_invert(2, T, 1e-12, inverse, &rcond, &err), LNL_OK);
    assert_close(inverse[0], 0.5 / e, 1e-6 / e);
    assert_close(inverse[1], -(0.5 - e) / e, 1e-6 / e);
    assert_close(inverse[2], -0.5 / e, 1e-6 / e);
    assert_close(inverse[3], (0.5 + e) / e, 1e-6 / e);
}

static void transition_inverse_rejects_bad_arguments(void **state)
{
    (void)state;
    const double T[4] = {0.9, 0.1, 0.2, NAN};
    double inverse[4];
    lnl_error err;

    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_invert(2, T, 1e-6, inverse, NULL, &err), LNL_ERR_ARGUMENT);
    check_message_contains(&err, "T[1][1]");
    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_invert(1, T, 1e-6, inverse, NULL, &err), LNL_ERR_ARGUMENT);
    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_invert(2, NULL, 1e-6, inverse, NULL, &err), LNL_ERR_ARGUMENT);
    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_invert(2, T, 1e-6, NULL, NULL, &err), LNL_ERR_ARGUMENT);
}

static void transition_error_by_hand(void **state)
{
    (void)state;
    const double truth[4] = {0.8, 0.2, 0.3, 0.7};
    const double estimate[4] = {0.7, 0.3, 0.3, 0.7};
    const double other[4] = {0.9, 0.1, 0.0, 1.0};
    double max_abs = -1.0, frobenius = -1.0;

    lnl_transition_error(2, estimate, truth, &max_abs, &frobenius);
    assert_close(max_abs, 0.1, 1e-15);
    assert_close(frobenius, sqrt(0.02), 1e-15);

    /* differences 0.1, 0.1, 0.3, 0.3: max 0.3, Frobenius sqrt(0.2) */
    lnl_transition_error(2, other, truth, &max_abs, &frobenius);
    assert_close(max_abs, 0.3, 1e-15);
    assert_close(frobenius, sqrt(0.2), 1e-15);

    lnl_transition_error(2, truth, truth, &max_abs, &frobenius);
    assert_close(max_abs, 0.0, 0.0);
    assert_close(frobenius, 0.0, 0.0);
}

static void transition_check_rows(void **state)
{
    (void)state;
    const double good[4] = {0.75, 0.25, 0.0, 1.0};
    const double negative[4] = {1.25, -0.25, 0.5, 0.5};
    const double short_row[4] = {0.5, 0.5, 0.5, 0.49};
    lnl_error err;

    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_check(2, good, &err), LNL_OK);
    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_check(2, negative, &err), LNL_ERR_ARGUMENT);
    check_message_contains(&err, "T[0][1]");
    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_check(2, short_row, &err), LNL_ERR_ARGUMENT);
    check_message_contains(&err, "row 1 sums to 0.99");
}

static void transition_read_file(void **state)
{
    temp_dir *dir = *state;
    const char *path = write_text(dir, "T.txt",
                                  "# clean classes as rows\n"
                                  "0.8 0.2 0\n"
                                  "\n"
                                  "0.1, 0.9, 0.0\n"
                                  "  0\t0.25  0.75  \n");
    const double expected[9] = {0.8, 0.2, 0.0, 0.1, 0.9, 0.0, 0.0, 0.25, 0.75};
    double T[9];
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_transition_read(path, 3, T, &err), LNL_OK);
    for (int i = 0; i < 9; i++)
        assert_close(T[i], expected[i], 0.0);
}

static void transition_read_rejects_bad_files(void **state)
{
    temp_dir *dir = *state;
    const struct {
        const char *content;
        size_t n_classes;
        long line;
        const char *fragment;
    } cases[] = {
        {"0.8 0.2 0\n0.1 0.9\n", 3, 2, "row 2 has 2 entries"},
        {"0.8 0.2\n0.1 0.9\n0.5 0.5\n", 2, 3, "more than K = 2 rows"},
        {"0.8 0.2\n", 2, 1, "has 1 rows"},
        {"0.8 0.2\n0.1 x\n", 2, 2, "invalid entry \"x\""},
        {"0.8 0.2\n0.1 0.8\n", 2, 0, "row 1 sums to 0.9"},
        {"0.8 0.2\n-0.1 1.1\n", 2, 0, "T[1][0]"},
    };
    double T[9];

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *path = write_text(dir, "bad.txt", cases[c].content);
        lnl_error err;
        lnl_error_clear(&err);
        assert_int_equal(lnl_transition_read(path, cases[c].n_classes, T, &err), LNL_ERR_DATA);
        assert_string_equal(err.file, path);
        if (err.line != cases[c].line)
            fail_msg("case %zu: error on line %ld, expected %ld (%s)", c, err.line,
                     cases[c].line, err.message);
        check_message_contains(&err, cases[c].fragment);
    }

    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_transition_read(temp_path(dir, "missing.txt"), 2, T, &err), LNL_ERR_IO);
    check_message_contains(&err, "cannot open");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transition_inverse_cyclic_by_hand),
        cmocka_unit_test(transition_inverse_pivoting_by_hand),
        cmocka_unit_test(transition_inverse_of_noise_models),
        cmocka_unit_test(transition_inverse_rejects_singular),
        cmocka_unit_test(transition_inverse_rejects_ill_conditioned),
        cmocka_unit_test(transition_inverse_rejects_bad_arguments),
        cmocka_unit_test(transition_error_by_hand),
        cmocka_unit_test(transition_check_rows),
        TEMP_TEST(transition_read_file),
        TEMP_TEST(transition_read_rejects_bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
