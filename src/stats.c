#include "lnl/stats.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One nonzero or zero difference: its absolute value, sign and rank. */
typedef struct signed_difference {
    double magnitude;
    int sign;               /* -1, 0 or +1 */
    long doubled_rank;      /* 2 x midrank, an integer */
} signed_difference;

static int compare_magnitudes(const void *a, const void *b)
{
    double x = ((const signed_difference *)a)->magnitude;
    double y = ((const signed_difference *)b)->magnitude;
    return (x > y) - (x < y);
}

/* Ranks sorted[0..m) by magnitude: a tie group spanning the 1-based ranks
 * i..j gets the midrank (i + j) / 2, stored doubled as i + j. */
static void assign_doubled_ranks(signed_difference *sorted, size_t m, double tolerance)
{
    size_t start = 0;
    while (start < m) {
        size_t end = start + 1;
        while (end < m && sorted[end].magnitude - sorted[start].magnitude <= tolerance)
            end++;
        long doubled = (long)(start + 1) + (long)end;
        for (size_t i = start; i < end; i++)
            sorted[i].doubled_rank = doubled;
        start = end;
    }
}

/* Null distribution of the doubled W+: pmf[s] = P(sum of the doubled
 * ranks with a + sign = s) when each sign is + with probability 1/2.
 * Each rank r updates pmf'(s) = (pmf(s) + pmf(s - r)) / 2, which keeps the
 * values in [0, 1], so they cannot overflow as counts of 2^m patterns would. pmf has total + 1 entries. */
static void signed_rank_distribution(const signed_difference *ranked, size_t m, long total,
                                     double *pmf)
{
    memset(pmf, 0, (size_t)(total + 1) * sizeof(double));
    pmf[0] = 1.0;
    long reach = 0;
    for (size_t i = 0; i < m; i++) {
        long r = ranked[i].doubled_rank;
        reach += r;
        for (long s = reach; s >= 0; s--)
            pmf[s] = 0.5 * (pmf[s] + (s >= r ? pmf[s - r] : 0.0));
    }
}

lnl_status lnl_wilcoxon_signed_rank(const double *x, const double *y, size_t n,
                                    const lnl_wilcoxon_options *options,
                                    lnl_wilcoxon_result *out, lnl_error *err)
{
    lnl_wilcoxon_options defaults = {LNL_WILCOXON_ZERO_WILCOX, 0.0};
    if (options == NULL)
        options = &defaults;
    if (out == NULL || (n > 0 && (x == NULL || y == NULL)))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "Wilcoxon test: x, y and out must not be NULL");
    if (!(options->tolerance >= 0.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "Wilcoxon test: invalid tolerance %g: expected a number >= 0",
                             options->tolerance);
    memset(out, 0, sizeof *out);
    out->n = n;
    out->p_value = 1.0;
    out->exact = true;

    signed_difference *d = malloc((n + 1) * sizeof *d);
    if (d == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu differences", n);

    /* signed differences; zeros are dropped now (WILCOX) or after ranking (PRATT) */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double difference = x[i] - y[i];
        if (!isfinite(difference)) {
            free(d);
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "Wilcoxon test: difference %zu is %g - %g, not a finite number",
                                 i, x[i], y[i]);
        }
        double magnitude = fabs(difference);
        int sign = difference > 0 ? 1 : -1;
        if (magnitude <= options->tolerance)
            sign = 0;
        if (sign == 0) {
            out->n_zero++;
            if (options->zero_method == LNL_WILCOXON_ZERO_WILCOX)
                continue;
            magnitude = 0.0;
        }
        d[m++] = (signed_difference){magnitude, sign, 0};
    }

    /* rank, then keep the nonzero differences with their ranks */
    qsort(d, m, sizeof *d, compare_magnitudes);
    assign_doubled_ranks(d, m, options->tolerance);
    size_t kept = 0;
    for (size_t i = 0; i < m; i++)
        if (d[i].sign != 0)
            d[kept++] = d[i];
    m = kept;
    for (size_t i = 0; i < m; i++) {
        bool tied = (i > 0 && d[i - 1].doubled_rank == d[i].doubled_rank) ||
                    (i + 1 < m && d[i + 1].doubled_rank == d[i].doubled_rank);
        out->n_ties += tied;
    }

    long total = 0, doubled_plus = 0;
    double sum_squares = 0.0;
    for (size_t i = 0; i < m; i++) {
        total += d[i].doubled_rank;
        sum_squares += 0.25 * (double)d[i].doubled_rank * (double)d[i].doubled_rank;
        if (d[i].sign > 0)
            doubled_plus += d[i].doubled_rank;
    }
    out->w_plus = 0.5 * (double)doubled_plus;
    out->w_minus = 0.5 * (double)(total - doubled_plus);
    out->statistic = fmin(out->w_plus, out->w_minus);
    if (m == 0) {
        free(d);
        return LNL_OK;
    }

    if (m <= LNL_WILCOXON_EXACT_MAX) {
        double *pmf = malloc((size_t)(total + 1) * sizeof(double));
        if (pmf == NULL) {
            free(d);
            return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for the null "
                                 "distribution of %zu ranks", m);
        }
        signed_rank_distribution(d, m, total, pmf);
        double lower = 0.0, upper = 0.0;
        for (long s = 0; s <= doubled_plus; s++)
            lower += pmf[s];
        for (long s = doubled_plus; s <= total; s++)
            upper += pmf[s];
        out->p_value = fmin(1.0, 2.0 * fmin(lower, upper));
        free(pmf);
    } else {
        double mean = 0.25 * (double)total;
        double sd = sqrt(0.25 * sum_squares);
        out->exact = false;
        out->z = (out->w_plus - mean) / sd;
        out->p_value = fmin(1.0, erfc(fabs(out->z) / sqrt(2.0)));
    }
    free(d);
    return LNL_OK;
}

double lnl_wilcoxon_min_p_value(size_t m)
{
    if (m == 0)
        return 1.0;
    return ldexp(1.0, 1 - (int)(m > 2000 ? 2000 : m));
}

lnl_status lnl_pca_project(const double *X, size_t n, size_t d, size_t k, double *scores,
                           double *explained, lnl_error *err)
{
    if (X == NULL || scores == NULL || n < 2 || k == 0 || k > d)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "PCA: invalid arguments (n = %zu rows, d = %zu features, k = %zu "
                             "components): expected n >= 2 and 1 <= k <= d", n, d, k);
    double *centred = calloc(n * d, sizeof(double));
    double *covariance = malloc(d * d * sizeof(double));
    double *eigenvalues = malloc(d * sizeof(double));
    double *components = malloc(d * k * sizeof(double));
    lnl_status status = LNL_OK;
    if (!centred || !covariance || !eigenvalues || !components) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for PCA");
        goto cleanup;
    }

    /* Xc = X - column means, then C = Xc^T Xc / (n - 1) (upper triangle) */
    for (size_t j = 0; j < d; j++) {
        double mean = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += X[i * d + j];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            centred[i * d + j] = X[i * d + j] - mean;
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0 / (double)(n - 1),
                centred, (int)d, 0.0, covariance, (int)d);
    double trace = 0.0;
    for (size_t j = 0; j < d; j++)
        trace += covariance[j * d + j];

    /* eigenvalues ascending; eigenvector c is column c of covariance */
    lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, covariance,
                                    (lapack_int)d, eigenvalues);
    if (info != 0) {
        status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                               "PCA: the eigensolver dsyev failed (info %d)", (int)info);
        goto cleanup;
    }

    /* components (d x k): the last k eigenvectors, largest first */
    for (size_t c = 0; c < k; c++) {
        size_t column = d - 1 - c;
        size_t largest = 0;
        for (size_t j = 1; j < d; j++)
            if (fabs(covariance[j * d + column]) > fabs(covariance[largest * d + column]))
                largest = j;
        double sign = covariance[largest * d + column] < 0.0 ? -1.0 : 1.0;
        for (size_t j = 0; j < d; j++)
            components[j * k + c] = sign * covariance[j * d + column];
        if (explained != NULL)
            explained[c] = trace > 0.0 ? fmax(eigenvalues[column], 0.0) / trace : 0.0;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k, (int)d, 1.0, centred,
                (int)d, components, (int)k, 0.0, scores, (int)k);

cleanup:
    free(centred);
    free(covariance);
    free(eigenvalues);
    free(components);
    return status;
}
