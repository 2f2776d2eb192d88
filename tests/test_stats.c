#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "lnl/stats.h"

/* cmocka 1.1.5 compares only floats, so doubles get a check that prints
 * both values and fails at the caller's line. NaN always fails. */
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

static const lnl_wilcoxon_options wilcox_zeros = {LNL_WILCOXON_ZERO_WILCOX, 0.0};
static const lnl_wilcoxon_options pratt_zeros = {LNL_WILCOXON_ZERO_PRATT, 0.0};

/* Runs the test on differences d (y = 0) and checks that it succeeds. */
static lnl_wilcoxon_result run_on_differences(const double *d, size_t n,
                                              const lnl_wilcoxon_options *options)
{
    double *zeros = calloc(n + 1, sizeof(double));
    assert_non_null(zeros);
    lnl_wilcoxon_result result;
    lnl_error err;
    assert_int_equal(lnl_wilcoxon_signed_rank(d, zeros, n, options, &result, &err), LNL_OK);
    free(zeros);
    return result;
}

/* ---- Hand-computed cases ------------------------------------------------ */

/* d = 1..5, all positive: W+ = 15 is the largest of the 32 equally likely
 * sums, so P(W+ >= 15) = 1/32 and p = 2/32. */
static void wilcoxon_all_positive_five(void **state)
{
    (void)state;
    const double d[] = {1, 2, 3, 4, 5};
    lnl_wilcoxon_result r = run_on_differences(d, 5, NULL);
    assert_close(r.w_plus, 15.0, 0.0);
    assert_close(r.w_minus, 0.0, 0.0);
    assert_close(r.statistic, 0.0, 0.0);
    assert_close(r.p_value, 0.0625, 1e-15);
    assert_true(r.exact);
    assert_int_equal(r.n_zero, 0);
    assert_int_equal(r.n_ties, 0);
}

/* d = (1, -2, 3): ranks 1, 2, 3 and W+ = 4. The 8 sign patterns give
 * W+ in {0, 1, 2, 3, 3, 4, 5, 6}: P(W+ <= 4) = 6/8, P(W+ >= 4) = 3/8,
 * so p = 2 * 3/8 = 0.75. */
static void wilcoxon_three_mixed_signs(void **state)
{
    (void)state;
    const double x[] = {1.5, 0.5, 4.0}, y[] = {0.5, 2.5, 1.0};
    lnl_wilcoxon_result r;
    lnl_error err;
    assert_int_equal(lnl_wilcoxon_signed_rank(x, y, 3, NULL, &r, &err), LNL_OK);
    assert_close(r.w_plus, 4.0, 0.0);
    assert_close(r.w_minus, 2.0, 0.0);
    assert_close(r.statistic, 2.0, 0.0);
    assert_close(r.p_value, 0.75, 1e-15);
}

/* d = (1, -1, 2): |d| = 1, 1 tie at midrank 1.5, then rank 3; W+ = 4.5.
 * Sign patterns give W+ in {0, 1.5, 1.5, 3, 3, 4.5, 4.5, 6}:
 * P(W+ >= 4.5) = 3/8 and P(W+ <= 4.5) = 7/8, so p = 0.75. */
static void wilcoxon_tied_midranks(void **state)
{
    (void)state;
    const double d[] = {1, -1, 2};
    lnl_wilcoxon_result r = run_on_differences(d, 3, NULL);
    assert_close(r.w_plus, 4.5, 0.0);
    assert_close(r.w_minus, 1.5, 0.0);
    assert_close(r.p_value, 0.75, 1e-15);
    assert_int_equal(r.n_ties, 2);
}

/* d = (0, 2, 3, -1).
 * WILCOX drops the zero: ranks of (2, 3, -1) are 2, 3, 1, W+ = 5. Sums over
 * {1, 2, 3}: {0, 1, 2, 3, 3, 4, 5, 6}, P(W+ >= 5) = 2/8, p = 0.5.
 * PRATT ranks the zero first: (0, 2, 3, 1) get 1, 3, 4, 2, then the zero is
 * dropped: W+ = 3 + 4 = 7, W- = 2. Sums over {2, 3, 4}:
 * {0, 2, 3, 4, 5, 6, 7, 9}, P(W+ >= 7) = 2/8, p = 0.5. */
static void wilcoxon_zero_methods_rank_differently(void **state)
{
    (void)state;
    const double d[] = {0, 2, 3, -1};
    lnl_wilcoxon_result r = run_on_differences(d, 4, &wilcox_zeros);
    assert_close(r.w_plus, 5.0, 0.0);
    assert_close(r.w_minus, 1.0, 0.0);
    assert_close(r.p_value, 0.5, 1e-15);
    assert_int_equal(r.n_zero, 1);

    r = run_on_differences(d, 4, &pratt_zeros);
    assert_close(r.w_plus, 7.0, 0.0);
    assert_close(r.w_minus, 2.0, 0.0);
    assert_close(r.p_value, 0.5, 1e-15);
    assert_int_equal(r.n_zero, 1);
}

static void wilcoxon_all_zero_gives_p_one(void **state)
{
    (void)state;
    const double d[] = {0, 0, 0};
    lnl_wilcoxon_result r = run_on_differences(d, 3, &pratt_zeros);
    assert_close(r.p_value, 1.0, 0.0);
    assert_close(r.statistic, 0.0, 0.0);
    assert_int_equal(r.n_zero, 3);

    r = run_on_differences(NULL, 0, NULL);
    assert_close(r.p_value, 1.0, 0.0);
    assert_int_equal(r.n, 0);
}

/* 0.95 - 0.94 and 0.94 - 0.93 are both 0.01 except for rounding, and
 * 0.3 - (0.1 + 0.2) is -5.6e-17: without a tolerance they are two distinct
 * ranks and a nonzero difference, with 1e-12 a tie and a zero. */
static void wilcoxon_tolerance_ties_rounding(void **state)
{
    (void)state;
    const double x[] = {0.95, 0.94, 0.3, 0.97}, y[] = {0.94, 0.93, 0.1 + 0.2, 0.95};
    assert_true(x[0] - y[0] != x[1] - y[1]);
    lnl_wilcoxon_result r;
    lnl_error err;
    assert_int_equal(lnl_wilcoxon_signed_rank(x, y, 4, NULL, &r, &err), LNL_OK);
    assert_int_equal(r.n_ties, 0);
    assert_int_equal(r.n_zero, 0);

    lnl_wilcoxon_options tolerant = {LNL_WILCOXON_ZERO_WILCOX, 1e-12};
    assert_int_equal(lnl_wilcoxon_signed_rank(x, y, 4, &tolerant, &r, &err), LNL_OK);
    assert_int_equal(r.n_ties, 2);
    assert_int_equal(r.n_zero, 1);
    /* ranks 1.5, 1.5, 3, all positive: W+ = 6 is the maximum, reached by 1
     * of 8 patterns, so p = 2/8 */
    assert_close(r.w_plus, 6.0, 0.0);
    assert_close(r.p_value, 0.25, 1e-15);
}

static void wilcoxon_rejects_bad_input(void **state)
{
    (void)state;
    const double x[] = {1.0, NAN}, y[] = {0.0, 0.0};
    lnl_wilcoxon_result r;
    lnl_error err;
    assert_int_equal(lnl_wilcoxon_signed_rank(x, y, 2, NULL, &r, &err), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_wilcoxon_signed_rank(NULL, y, 2, NULL, &r, &err), LNL_ERR_ARGUMENT);
    lnl_wilcoxon_options negative = {LNL_WILCOXON_ZERO_WILCOX, -1.0};
    assert_int_equal(lnl_wilcoxon_signed_rank(y, y, 2, &negative, &r, &err), LNL_ERR_ARGUMENT);
}

static void wilcoxon_min_p_value_halves(void **state)
{
    (void)state;
    assert_close(lnl_wilcoxon_min_p_value(0), 1.0, 0.0);
    assert_close(lnl_wilcoxon_min_p_value(1), 1.0, 0.0);
    assert_close(lnl_wilcoxon_min_p_value(5), 0.0625, 0.0);
    assert_close(lnl_wilcoxon_min_p_value(10), 1.0 / 512.0, 0.0);
}

/* ---- Against scipy ------------------------------------------------------ */

/* The expected values below were computed with scipy 1.10.1 and numpy
 * 1.24.2 by scipy.stats.wilcoxon (method="exact" or "approx", correction
 * False) and, for ties and zeros, by scipy.stats.permutation_test with
 * permutation_type="samples" and n_resamples=inf, which enumerates every
 * sign pattern, on the statistic W+ computed with scipy.stats.rankdata. */

static void wilcoxon_matches_scipy_exact_untied(void **state)
{
    (void)state;
    const double a[] = {0.8, -1.3, 2.1, 0.4, 1.7, -0.2, 3.3, 0.9, -0.6, 2.6};
    lnl_wilcoxon_result r = run_on_differences(a, 10, NULL);
    assert_close(r.statistic, 10.0, 0.0);
    assert_close(r.p_value, 0.083984375, 1e-14);

    const double x[] = {0.8001, 0.8149, 0.7863, 0.7555, 0.7773, 0.7504, 0.803,
                        0.867,  0.7754, 0.769,  0.8245, 0.8178, 0.8053, 0.7535,
                        0.7985, 0.8348, 0.7328, 0.7771, 0.7049, 0.7355};
    const double y[] = {0.8269, 0.8096, 0.8016, 0.7401, 0.7642, 0.7441, 0.8433,
                        0.8678, 0.7664, 0.7567, 0.8451, 0.8174, 0.8149, 0.7597,
                        0.7673, 0.841,  0.7235, 0.7494, 0.7066, 0.7277};
    lnl_error err;
    assert_int_equal(lnl_wilcoxon_signed_rank(x, y, 20, NULL, &r, &err), LNL_OK);
    assert_close(r.statistic, 94.0, 0.0);
    assert_close(r.p_value, 0.7011814117431641, 1e-14);
    assert_true(r.exact);
}

/* Differences (i mod 7) - 3 plus 0.5 where i mod 11 = 0, i < 260: 34
 * zeros and many ties, above LNL_WILCOXON_EXACT_MAX, so the normal
 * approximation is used. */
static void wilcoxon_matches_scipy_approx_ties(void **state)
{
    (void)state;
    double d[260];
    for (int i = 0; i < 260; i++)
        d[i] = (double)(i % 7) - 3.0 + (i % 11 == 0 ? 0.5 : 0.0);

    lnl_wilcoxon_result r = run_on_differences(d, 260, &wilcox_zeros);
    assert_false(r.exact);
    assert_int_equal(r.n_zero, 34);
    assert_close(r.statistic, 12526.5, 0.0);
    assert_close(r.p_value, 0.7589249746262288, 1e-12);
    assert_close(fabs(r.z), 0.30689279336486447, 1e-12);

    r = run_on_differences(d, 260, &pratt_zeros);
    assert_close(r.statistic, 16334.5, 0.0);
    assert_close(r.p_value, 0.7821765665728889, 1e-12);
    assert_close(fabs(r.z), 0.2764837141306491, 1e-12);
}

static void wilcoxon_matches_scipy_permutation_ties_zeros(void **state)
{
    (void)state;
    const double d[] = {0.0, 0.02, -0.01, 0.02, 0.03, 0.01, 0.0, -0.02, 0.04, 0.01, 0.03, 0.05};
    lnl_wilcoxon_result r = run_on_differences(d, 12, &wilcox_zeros);
    assert_close(r.w_plus, 48.0, 0.0);
    assert_close(r.p_value, 0.0390625, 1e-14);
    assert_true(r.exact);

    r = run_on_differences(d, 12, &pratt_zeros);
    assert_close(r.w_plus, 64.0, 0.0);
    assert_close(r.p_value, 0.04296875, 1e-14);
}

/* ---- Against enumeration ------------------------------------------------ */

/* Slow oracle: ranks by counting (midranks of exact ties), then every one
 * of the 2^m sign patterns of the nonzero ranks. Zeros are WILCOX-dropped. */
static double enumerate_p_value(const double *d, size_t n)
{
    double ranks[16], kept[16];
    size_t m = 0;
    double w_plus = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == 0.0)
            continue;
        size_t below = 0, equal = 0;
        for (size_t j = 0; j < n; j++) {
            if (d[j] == 0.0)
                continue;
            below += fabs(d[j]) < fabs(d[i]);
            equal += fabs(d[j]) == fabs(d[i]);
        }
        ranks[m] = (double)below + 0.5 * (double)(equal + 1);
        if (d[i] > 0)
            w_plus += ranks[m];
        m++;
    }
    for (size_t i = 0; i < m; i++)
        kept[i] = ranks[i];
    size_t lower = 0, upper = 0, patterns = (size_t)1 << m;
    for (size_t pattern = 0; pattern < patterns; pattern++) {
        double sum = 0.0;
        for (size_t i = 0; i < m; i++)
            if (pattern & ((size_t)1 << i))
                sum += kept[i];
        lower += sum <= w_plus;
        upper += sum >= w_plus;
    }
    double p = 2.0 * (double)(lower < upper ? lower : upper) / (double)patterns;
    return p < 1.0 ? p : 1.0;
}

static void wilcoxon_exact_matches_enumeration(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int trial = 0; trial < 200; trial++) {
        size_t n = 1 + (size_t)(trial % 14);
        double d[16];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            d[i] = (double)((int)((seed >> 16) % 9) - 4);  /* -4..4: ties and zeros */
        }
        lnl_wilcoxon_result r = run_on_differences(d, n, NULL);
        assert_close(r.p_value, enumerate_p_value(d, n), 1e-12);
    }
}

/* ---- Principal components ------------------------------------------------- */

/* Expected values from scikit-learn 1.2.1: PCA(n_components=2).fit(X),
 * explained_variance_ratio_ and transform(X). Its components_ already
 * have their largest-magnitude entries positive, the sign rule of
 * lnl_pca_project, so the scores agree with their signs. */
static void pca_matches_sklearn(void **state)
{
    (void)state;
    const double X[10 * 3] = {2.5, 2.4, 0.5,  0.5, 0.7, 1.5,  2.2, 2.9, 0.1,  1.9, 2.2, 0.9,
                              3.1, 3.0, -0.3, 2.3, 2.7, 0.4,  2.0, 1.6, 1.1,  1.0, 1.1, 1.9,
                              1.5, 1.6, 0.8,  1.1, 0.9, 1.2};
    const double expected[10][2] = {
        {0.8739515558782711, 0.20526822657532934},
        {-1.888660943034437, -0.2984144732978299},
        {1.2129475092369089, -0.32085080532896454},
        {0.19625184217662486, 0.11000517468587916},
        {2.0035484763862246, -0.018460392174933078},
        {0.997530985419204, -0.020338959435760712},
        {-0.22821274295626257, 0.3599229560745583},
        {-1.5298128255955592, 0.309425350015739},
        {-0.3780127990799573, -0.19732280273448563},
        {-1.2595310584310155, -0.1292342743795321},
    };
    double scores[20], explained[2];
    lnl_error err;
    assert_int_equal(lnl_pca_project(X, 10, 3, 2, scores, explained, &err), LNL_OK);
    assert_close(explained[0], 0.94119463, 1e-8);
    assert_close(explained[1], 0.03318749, 1e-8);
    for (int i = 0; i < 10; i++) {
        assert_close(scores[2 * i], expected[i][0], 1e-12);
        assert_close(scores[2 * i + 1], expected[i][1], 1e-12);
    }
}

/* Points on the line y = 2x: one component explains everything, and the
 * scores are the signed distances along (1, 2) / sqrt(5) from the mean. */
static void pca_points_on_a_line(void **state)
{
    (void)state;
    const double X[] = {0, 0, 1, 2, 2, 4, 3, 6};
    double scores[8], explained[2];
    lnl_error err;
    assert_int_equal(lnl_pca_project(X, 4, 2, 2, scores, explained, &err), LNL_OK);
    assert_close(explained[0], 1.0, 1e-12);
    assert_close(explained[1], 0.0, 1e-12);
    for (int i = 0; i < 4; i++) {
        assert_close(scores[2 * i], ((double)i - 1.5) * sqrt(5.0), 1e-12);
        assert_close(scores[2 * i + 1], 0.0, 1e-12);
    }
}

static void pca_rejects_bad_shapes(void **state)
{
    (void)state;
    const double X[] = {1, 2, 3, 4};
    double scores[4];
    lnl_error err;
    assert_int_equal(lnl_pca_project(X, 1, 4, 1, scores, NULL, &err), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_pca_project(X, 2, 2, 3, scores, NULL, &err), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_pca_project(X, 2, 2, 0, scores, NULL, &err), LNL_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wilcoxon_all_positive_five),
        cmocka_unit_test(wilcoxon_three_mixed_signs),
        cmocka_unit_test(wilcoxon_tied_midranks),
        cmocka_unit_test(wilcoxon_zero_methods_rank_differently),
        cmocka_unit_test(wilcoxon_all_zero_gives_p_one),
        cmocka_unit_test(wilcoxon_tolerance_ties_rounding),
        cmocka_unit_test(wilcoxon_rejects_bad_input),
        cmocka_unit_test(wilcoxon_min_p_value_halves),
        cmocka_unit_test(wilcoxon_matches_scipy_exact_untied),
        cmocka_unit_test(wilcoxon_matches_scipy_approx_ties),
        cmocka_unit_test(wilcoxon_matches_scipy_permutation_ties_zeros),
        cmocka_unit_test(wilcoxon_exact_matches_enumeration),
        cmocka_unit_test(pca_matches_sklearn),
        cmocka_unit_test(pca_points_on_a_line),
        cmocka_unit_test(pca_rejects_bad_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
