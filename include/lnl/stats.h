/* Statistics for reports: a paired significance test for comparing
 * methods over seeds, and principal components for plotting data.
 *
 * The Wilcoxon signed-rank test (F. Wilcoxon, "Individual Comparisons by
 * Ranking Methods", Biometrics Bulletin 1945, as cited by the
 * documentation of scipy.stats.wilcoxon, whose default results the tests
 * compare against) compares paired samples x and y through the differences
 * d_i = x_i - y_i. The absolute differences are ranked 1..n, tied values
 * getting the mean of the ranks they span (midranks), and
 * W+ = sum of the ranks of positive differences, W- = of the negative ones.
 * Under the null hypothesis that d is symmetric about zero every sign is
 * +1 or -1 with probability 1/2 independently of the ranks, which gives the
 * null distribution of W+ conditional on the ranks observed.
 */
#ifndef LNL_STATS_H
#define LNL_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/error.h"

/* The largest number of nonzero differences for which the p-value is
 * computed exactly; above it the normal approximation is used. The exact
 * computation takes about n^3 additions and n^2 doubles of memory. */
enum { LNL_WILCOXON_EXACT_MAX = 200 };

/* How zero differences are treated.
 *  WILCOX: zeros are dropped before ranking (Wilcoxon's original rule and
 *          the default of scipy.stats.wilcoxon).
 *  PRATT:  zeros are ranked with the other absolute differences, so that
 *          they take the smallest ranks, and then dropped with their ranks
 *          (J. W. Pratt, JASA 1959, as cited by scipy.stats.wilcoxon). */
typedef enum lnl_wilcoxon_zero_method {
    LNL_WILCOXON_ZERO_WILCOX,
    LNL_WILCOXON_ZERO_PRATT
} lnl_wilcoxon_zero_method;

typedef struct lnl_wilcoxon_options {
    lnl_wilcoxon_zero_method zero_method;
    /* Differences with |d| <= tolerance count as zero, and absolute
     * differences are tied when they are within tolerance of the smallest
     * value of their group after sorting. 0 compares exactly, as scipy
     * does. Accuracies are multiples of 1 / n_test, so a tolerance far
     * below 1 / n_test (the report uses 1e-12) ties differences that are
     * equal except for rounding. */
    double tolerance;
} lnl_wilcoxon_options;

typedef struct lnl_wilcoxon_result {
    size_t n;            /* pairs given */
    size_t n_zero;       /* differences counted as zero */
    size_t n_ties;       /* nonzero differences that share their rank */
    double w_plus;       /* sum of the ranks of the positive differences */
    double w_minus;      /* sum of the ranks of the negative differences */
    double statistic;    /* min(w_plus, w_minus), as scipy's two-sided test */
    double p_value;      /* two-sided */
    bool exact;          /* true: enumerated null distribution; false: normal */
    double z;            /* normal approximation: (w_plus - mean) / sd; 0 when exact */
} lnl_wilcoxon_result;

/* Runs the two-sided Wilcoxon signed-rank test on the pairs (x[i], y[i]),
 * i < n. options may be NULL for WILCOX zeros and tolerance 0.
 *
 * Exact p-value, used when at most LNL_WILCOXON_EXACT_MAX nonzero
 * differences remain: the distribution of W+ over the 2^m sign patterns of
 * the m remaining ranks (midranks included) is computed by dynamic
 * programming over doubled ranks, which are integers, and
 *   p = min(1, 2 * min(P(W+ <= w+), P(W+ >= w+))).
 * This is exact also with ties and Pratt zeros (the permutation
 * distribution given the ranks), where scipy.stats.wilcoxon 1.10 either
 * switches to the normal approximation (zeros) or uses the table for
 * untied ranks (ties). Without zeros and ties both agree.
 * Normal approximation otherwise: z = (w+ - E) / sqrt(V) with the
 * conditional moments E = sum(r) / 2 and V = sum(r^2) / 4 of the remaining
 * ranks r, which contain the tie and Pratt corrections, no continuity
 * correction, and p = erfc(|z| / sqrt(2)). This equals scipy's
 * method="approx" with correction=False.
 * When no nonzero difference remains (n = 0 included) the data carry no
 * evidence against the null hypothesis: statistic 0 and p-value 1.
 *
 * Returns LNL_ERR_ARGUMENT for NULL x, y or out with n > 0, a NaN or
 * infinite difference or a negative or NaN tolerance, and LNL_ERR_NOMEM
 * when an allocation fails. */
lnl_status lnl_wilcoxon_signed_rank(const double *x, const double *y, size_t n,
                                    const lnl_wilcoxon_options *options,
                                    lnl_wilcoxon_result *out, lnl_error *err);

/* Returns the smallest two-sided p-value that the exact test can reach
 * with m nonzero differences: 2 / 2^m, capped at 1. With 5 seeds it is
 * 0.0625, so no comparison over 5 seeds can be significant at 0.05. */
double lnl_wilcoxon_min_p_value(size_t m);

/* Projects the rows of X (n x d, row-major) on their first k principal
 * components: the eigenvectors of the sample covariance
 * C = Xc^T Xc / (n - 1), Xc = X minus its column means, with the k
 * largest eigenvalues, from LAPACKE_dsyev. scores (n x k, row-major)
 * receives Xc V, and explained (k entries, may be NULL) each eigenvalue
 * divided by the trace of C (0 when the trace is 0). Each eigenvector's
 * sign is chosen so that its entry of largest magnitude is positive.
 * Returns LNL_ERR_ARGUMENT for n < 2, k = 0, k > d or NULL arrays,
 * LNL_ERR_NUMERIC when the eigensolver fails and LNL_ERR_NOMEM when an
 * allocation fails. */
lnl_status lnl_pca_project(const double *X, size_t n, size_t d, size_t k, double *scores,
                           double *explained, lnl_error *err);

#endif
