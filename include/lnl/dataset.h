/* Data sets: a dense row-major feature matrix with integer class labels.
 *
 * X is n_rows x n_features, row-major, so row i starts at X + i * n_features.
 * Labels are class indices 0..n_classes-1. Class names (from a CSV label
 * column or a LIBSVM file) and feature names are kept for reports.
 * A data set is created once and then shared read-only by every run.
 */
#ifndef LNL_DATASET_H
#define LNL_DATASET_H

#include <stddef.h>

#include "lnl/error.h"

typedef struct lnl_dataset {
    size_t n_rows;
    size_t n_features;
    size_t n_classes;
    double *X;             /* n_rows x n_features, row-major */
    int *y;                /* n_rows labels in 0..n_classes-1 */
    char **class_names;    /* n_classes strings */
    char **feature_names;  /* n_features strings */
} lnl_dataset;

/* Allocates a zeroed data set with names "x0".. and "0".. . Returns NULL
 * when memory runs out. */
lnl_dataset *lnl_dataset_create(size_t n_rows, size_t n_features, size_t n_classes);

/* Frees a data set; NULL is allowed. */
void lnl_dataset_destroy(lnl_dataset *data);

/* Replaces one name with a copy of name. Returns LNL_ERR_NOMEM on failure. */
lnl_status lnl_dataset_set_class_name(lnl_dataset *data, size_t k, const char *name);
lnl_status lnl_dataset_set_feature_name(lnl_dataset *data, size_t j, const char *name);

/* Counts labels per class: counts has n_classes entries. */
void lnl_dataset_class_counts(const lnl_dataset *data, size_t *counts);

/* Options of the CSV reader. */
typedef struct lnl_csv_options {
    const char *label_column;  /* header name of the label column; NULL = last */
} lnl_csv_options;

/* Reads a CSV file with a header row. Every column but the label column is a
 * feature and must hold finite numbers. Labels may be any strings; they are
 * mapped to classes 0..K-1 in sorted order (numerically when every label is
 * a number, so "-1" < "2" < "10"), and their text is kept as class names.
 * Empty lines, CRLF line ends, a UTF-8 byte-order mark and double-quoted
 * fields (RFC 4180, "" for a quote) are accepted. Errors name the file, the
 * line and the column. On failure *out is NULL. */
lnl_status lnl_csv_read(const char *path, const lnl_csv_options *options,
                        lnl_dataset **out, lnl_error *err);

/* Writes X and y as CSV with a header (feature names, then label_name) and
 * %.17g numbers; labels are written as class names. The file is written to a
 * temporary name and renamed into place, so a failure leaves nothing behind. */
lnl_status lnl_csv_write(const char *path, const lnl_dataset *data, const char *label_name,
                         lnl_error *err);

/* Reads a LIBSVM / SVMlight file: "label index:value ..." per line, indices
 * 1-based and increasing, missing entries are 0. Comments after '#' and empty
 * lines are skipped. n_features = 0 takes the largest index seen. Labels are
 * mapped to classes like CSV labels (so -1/+1 become 0/1). Errors name the
 * file and line. On failure *out is NULL. */
lnl_status lnl_libsvm_read(const char *path, size_t n_features, lnl_dataset **out,
                           lnl_error *err);

#endif
