/* Transition matrices for loss correction: checks, inversion with a
 * condition-number test, estimation errors and matrix files.
 *
 * T is K x K row-major with T[i][j] = P(noisy = j | clean = i), the
 * orientation of include/lnl/noise.h: rows are clean classes and sum to 1.
 */
#ifndef LNL_TRANSITION_H
#define LNL_TRANSITION_H

#include <stddef.h>

#include "lnl/error.h"

/* Smallest reciprocal condition number (1-norm) that loss correction
 * accepts from lnl_transition_invert. Since ||T||_1 <= K for a
 * row-stochastic T, a smaller rcond means ||T^-1||_1 > 1e6 / K. Backward
 * correction multiplies the cross entropies by the entries of T^-1, so it
 * would amplify the error of T and of every loss by that much. */
#define LNL_TRANSITION_MIN_RCOND 1e-6

/* Checks that T is row-stochastic: K >= 2, every entry finite and >= 0,
 * every row sums to 1 within 1e-9. Returns LNL_ERR_ARGUMENT with a message
 * naming the row and column otherwise. */
lnl_status lnl_transition_check(size_t n_classes, const double *T, lnl_error *err);

/* Inverts T by LU factorization with partial pivoting (LAPACKE dgetrf, then
 * dgetri) into T_inverse (K x K, may not alias T). Before inverting it
 * estimates the reciprocal condition number in the 1-norm (dgecon on the LU
 * factors and ||T||_1) and stores it in *rcond when rcond is not NULL.
 * Returns LNL_ERR_NUMERIC, with a message that gives rcond, when T is
 * exactly singular (a zero pivot), when rcond < min_rcond, or when an entry
 * of the inverse is not finite; T_inverse is then left unspecified. Returns
 * LNL_ERR_ARGUMENT for K < 2, K too large for LAPACK's int, a NULL pointer
 * or a non-finite entry of T, and LNL_ERR_NOMEM when the workspace cannot
 * be allocated. T need not be row-stochastic. */
lnl_status lnl_transition_invert(size_t n_classes, const double *T, double min_rcond,
                                 double *T_inverse, double *rcond, lnl_error *err);

/* Estimation errors of an estimate against the true matrix:
 *   *max_abs   = max_ij |estimate[i][j] - truth[i][j]|,
 *   *frobenius = sqrt(sum_ij (estimate[i][j] - truth[i][j])^2). */
void lnl_transition_error(size_t n_classes, const double *estimate, const double *truth,
                          double *max_abs, double *frobenius);

/* Reads a K x K matrix from a text file: K non-empty lines of K numbers
 * separated by spaces, tabs or commas; lines that start with '#' and blank
 * lines are skipped. The matrix must pass lnl_transition_check. Returns
 * LNL_ERR_IO when the file cannot be read and LNL_ERR_DATA, with the file and
 * line, for a malformed file, a line with the wrong number of entries, a
 * matrix whose order differs from n_classes, or a matrix that is not
 * row-stochastic. */
lnl_status lnl_transition_read(const char *path, size_t n_classes, double *T, lnl_error *err);

#endif
