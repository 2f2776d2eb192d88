#include "lnl/transition.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

/* A row may differ from 1 by this much, as in the noise models and configs. */
static const double row_sum_tolerance = 1e-9;

lnl_status lnl_transition_check(size_t n_classes, const double *T, lnl_error *err)
{
    if (T == NULL || n_classes < 2)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "a transition matrix needs K >= 2 classes and entries, got K = %zu%s",
                             n_classes, T == NULL ? " and no matrix" : "");

    for (size_t i = 0; i < n_classes; i++) {
        const double *row = T + i * n_classes;
        double sum = 0.0;
        for (size_t j = 0; j < n_classes; j++) {
            if (!(isfinite(row[j]) && row[j] >= 0.0))
                return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                     "transition matrix entry T[%zu][%zu] = %g is invalid: "
                                     "probabilities must be finite and >= 0",
                                     i, j, row[j]);
            sum += row[j];
        }
        if (!(fabs(sum - 1.0) <= row_sum_tolerance))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "transition matrix row %zu sums to %.12g; every row must sum "
                                 "to 1 within %g",
                                 i, sum, row_sum_tolerance);
    }
    return LNL_OK;
}

lnl_status lnl_transition_invert(size_t n_classes, const double *T, double min_rcond,
                                 double *T_inverse, double *rcond, lnl_error *err)
{
    size_t k = n_classes;
    if (T == NULL || T_inverse == NULL || k < 2 || k > (size_t)INT_MAX / k)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "lnl_transition_invert needs K >= 2 (K * K within int) and "
                             "non-NULL matrices, got K = %zu",
                             k);
    for (size_t i = 0; i < k * k; i++)
        if (!isfinite(T[i]))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "transition matrix entry T[%zu][%zu] = %g is not finite",
                                 i / k, i % k, T[i]);

    lnl_status status = LNL_OK;
    lapack_int n = (lapack_int)k;
    double *a = malloc(k * k * sizeof *a);
    lapack_int *pivots = malloc(k * sizeof *pivots);
    if (a == NULL || pivots == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "cannot allocate the LU factors of a %zu x %zu matrix", k, k);
        goto cleanup;
    }

    /* a contains T column-major, LAPACK's own layout, so no call transposes. */
    double norm_1 = 0.0;
    for (size_t j = 0; j < k; j++) {
        double column_sum = 0.0;
        for (size_t i = 0; i < k; i++) {
            a[j * k + i] = T[i * k + j];
            column_sum += fabs(T[i * k + j]);
        }
        norm_1 = column_sum > norm_1 ? column_sum : norm_1;
    }

    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, a, n, pivots);
    if (info > 0) {
        if (rcond != NULL)
            *rcond = 0.0;
        status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                               "the %zu x %zu transition matrix is singular (LU factorization "
                               "found a zero pivot at position %d), so it has no inverse",
                               k, k, (int)info);
        goto cleanup;
    }
    if (info < 0) {
        status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                               "LAPACKE_dgetrf rejected argument %d", (int)-info);
        goto cleanup;
    }

    double reciprocal = 0.0;
    info = LAPACKE_dgecon(LAPACK_COL_MAJOR, '1', n, a, n, norm_1, &reciprocal);
    if (info != 0) {
        status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                               "LAPACKE_dgecon failed with code %d", (int)info);
        goto cleanup;
    }
    if (rcond != NULL)
        *rcond = reciprocal;
    /* Written as !(>=) so that a NaN estimate is rejected too. */
    if (!(reciprocal >= min_rcond)) {
        status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                               "the %zu x %zu transition matrix is badly conditioned: its "
                               "reciprocal condition number (1-norm) is %.3g, below the "
                               "minimum %.3g, so its inverse would amplify rounding errors "
                               "by more than %.3g",
                               k, k, reciprocal, min_rcond, 1.0 / min_rcond);
        goto cleanup;
    }

    info = LAPACKE_dgetri(LAPACK_COL_MAJOR, n, a, n, pivots);
    if (info != 0) {
        status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                               "LAPACKE_dgetri failed with code %d while inverting the "
                               "transition matrix",
                               (int)info);
        goto cleanup;
    }

    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            T_inverse[i * k + j] = a[j * k + i];
    for (size_t i = 0; i < k * k; i++)
        if (!isfinite(T_inverse[i])) {
            status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                                   "the inverse of the transition matrix has a non-finite "
                                   "entry at [%zu][%zu]",
                                   i / k, i % k);
            goto cleanup;
        }

cleanup:
    free(a);
    free(pivots);
    return status;
}

void lnl_transition_error(size_t n_classes, const double *estimate, const double *truth,
                          double *max_abs, double *frobenius)
{
    double largest = 0.0, squares = 0.0;
    for (size_t i = 0; i < n_classes * n_classes; i++) {
        double difference = fabs(estimate[i] - truth[i]);
        largest = difference > largest ? difference : largest;
        squares += difference * difference;
    }
    *max_abs = largest;
    *frobenius = sqrt(squares);
}

/* Splits line in place into numbers at spaces, tabs and commas. Returns the
 * count, or -1 when a token is not a finite number. Stores at most capacity. */
static long parse_numbers(char *line, double *values, size_t capacity, char **bad_token)
{
    long count = 0;
    char *state = NULL;
    for (char *token = strtok_r(line, " \t\r\n,", &state); token != NULL;
         token = strtok_r(NULL, " \t\r\n,", &state)) {
        char *end = NULL;
        double value = strtod(token, &end);
        if (end == token || *end != '\0' || !isfinite(value)) {
            *bad_token = token;
            return -1;
        }
        if ((size_t)count < capacity)
            values[count] = value;
        count++;
    }
    return count;
}

lnl_status lnl_transition_read(const char *path, size_t n_classes, double *T, lnl_error *err)
{
    if (path == NULL || T == NULL || n_classes < 2)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "lnl_transition_read needs a path, an output matrix and K >= 2");

    FILE *file = fopen(path, "r");
    if (file == NULL)
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot open the transition matrix: %s",
                             strerror(errno));

    lnl_status status = LNL_OK;
    char *line = NULL;
    size_t capacity = 0;
    long line_number = 0;
    size_t rows = 0;

    while (getline(&line, &capacity, file) >= 0) {
        line_number++;
        const char *start = line + strspn(line, " \t\r\n");
        if (*start == '\0' || *start == '#')
            continue;

        char *bad_token = NULL;
        double *row = rows < n_classes ? T + rows * n_classes : NULL;
        long count = parse_numbers(line, row, row != NULL ? n_classes : 0, &bad_token);
        if (count < 0) {
            status = lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                                   "invalid entry \"%.40s\" in the transition matrix: expected "
                                   "a finite number",
                                   bad_token);
            goto cleanup;
        }
        if ((size_t)count != n_classes) {
            status = lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                                   "transition matrix row %zu has %ld entries, but the data "
                                   "has K = %zu classes",
                                   rows + 1, count, n_classes);
            goto cleanup;
        }
        rows++;
        if (rows > n_classes) {
            status = lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                                   "transition matrix has more than K = %zu rows", n_classes);
            goto cleanup;
        }
    }
    if (ferror(file)) {
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot read the transition matrix");
        goto cleanup;
    }
    if (rows != n_classes) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                               "transition matrix has %zu rows, but the data has K = %zu "
                               "classes",
                               rows, n_classes);
        goto cleanup;
    }

    lnl_error check;
    lnl_error_clear(&check);
    if (lnl_transition_check(n_classes, T, &check) != LNL_OK)
        status = lnl_error_set(err, LNL_ERR_DATA, path, 0, "%s", check.message);

cleanup:
    free(line);
    fclose(file);
    return status;
}
