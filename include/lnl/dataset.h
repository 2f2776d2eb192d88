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
 * when memory runs out or n_rows x n_features doubles overflow size_t. */
lnl_dataset *lnl_dataset_create(size_t n_rows, size_t n_features, size_t n_classes);

/* Frees a data set; NULL is allowed. */
void lnl_dataset_destroy(lnl_dataset *data);

/* Replaces one name with a copy of name. Returns LNL_ERR_ARGUMENT when the
 * index is out of range or name is NULL, LNL_ERR_NOMEM when the copy fails. */
lnl_status lnl_dataset_set_class_name(lnl_dataset *data, size_t k, const char *name);
lnl_status lnl_dataset_set_feature_name(lnl_dataset *data, size_t j, const char *name);

/* Counts labels per class: counts has n_classes entries. Labels outside
 * 0..n_classes-1 are not counted. */
void lnl_dataset_class_counts(const lnl_dataset *data, size_t *counts);

/* Options of the CSV reader. */
typedef struct lnl_csv_options {
    const char *label_column;  /* header name of the label column; NULL = last */
} lnl_csv_options;

/* Reads a CSV file with a header row of distinct, non-empty names. Every
 * column but the label column is a feature and must hold finite numbers
 * (blanks around a number are allowed). Labels may be any non-empty strings,
 * mapped to classes 0..K-1 in sorted order, and K must be at least 2.
 * When every label is a finite number, classes are distinct values in
 * numeric order ("-1" < "2" < "10") named by the shortest text of the value,
 * so "+1", "1" and "1.0" are one class named "1". Otherwise classes are
 * distinct strings in bytewise order, named by their text.
 * Empty lines, CRLF line ends, a UTF-8 byte-order mark and double-quoted
 * fields (RFC 4180: "" for a quote, commas and line breaks inside quotes)
 * are accepted. Errors are LNL_ERR_IO when the file cannot be opened or read
 * (a directory included) and LNL_ERR_DATA for malformed content. err gets
 * the file, the 1-based line where the bad record starts and a message that
 * names the column, where one applies, by header name and 1-based index.
 * Header errors, a file without data rows and fewer than 2 classes report
 * the header line, and an empty file reports line 0. On failure *out is NULL. */
lnl_status lnl_csv_read(const char *path, const lnl_csv_options *options,
                        lnl_dataset **out, lnl_error *err);

/* Writes X and y as CSV with a header (feature names, then label_name, which
 * defaults to "label" when NULL) and %.17g numbers. Labels are written as
 * class names, and fields with commas, quotes or line breaks are quoted.
 * The file is written to "<path>.tmp.XXXXXX" in the same folder and renamed
 * into place, so a failure leaves neither a partial file nor the temporary
 * one. Returns LNL_ERR_ARGUMENT, before writing anything, when the file
 * would not read back: a non-finite value, a label outside 0..n_classes-1,
 * an empty class or column name, or two columns with the same name. */
lnl_status lnl_csv_write(const char *path, const lnl_dataset *data, const char *label_name,
                         lnl_error *err);

/* Reads a LIBSVM / SVMlight file: "label index:value ..." per line, indices
 * 1-based and strictly increasing, missing entries are 0. Comments after '#'
 * and empty lines are skipped, and an SVMlight "qid:N" after the label is
 * ignored. n_features = 0 takes the largest index seen; a larger index than
 * a given n_features, or than 2^31 - 1, is an error. A UTF-8 byte-order
 * mark at the start of the file is skipped. Labels must be finite numbers
 * and are mapped to classes like numeric CSV labels (so -1/+1 become
 * classes 0/1 named "-1" and "1"), and K must be at least 2. Feature j
 * is named "x<j+1>" after its index in the file. Errors are LNL_ERR_IO for
 * open and read failures and LNL_ERR_DATA with the file and line (0 for a
 * file without data lines). On failure *out is NULL. */
lnl_status lnl_libsvm_read(const char *path, size_t n_features, lnl_dataset **out,
                           lnl_error *err);

#endif
