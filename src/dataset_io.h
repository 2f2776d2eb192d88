/* Helpers private to the library that the data set container (dataset.c)
 * and the file readers (csv.c, libsvm.c) share: array growth, name copies,
 * opening an input file and mapping numeric labels to classes.
 */
#ifndef LNL_DATASET_IO_H
#define LNL_DATASET_IO_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lnl/error.h"

/* Maximum bytes of a value from a file that an error message quotes. */
enum { DATASET_IO_QUOTED_MAX = 40 };

/* Grows an array to hold at least needed items (needed >= 1), doubling its
 * capacity. Returns the new array, or NULL when memory runs out, in which
 * case the old array is still valid. */
void *dataset_io_reserve_items(void *items, size_t *capacity, size_t needed, size_t item_size);

/* Returns a malloc'd copy of text, or NULL when memory runs out. */
char *dataset_io_copy_string(const char *text);

/* Frees the first count strings of names and then the array. names may be NULL. */
void dataset_io_free_names(char **names, size_t count);

/* Opens path for reading in binary mode and sets *file_out (NULL on failure).
 * A directory is an LNL_ERR_IO error rather than an empty file, and its
 * message names format ("CSV", "LIBSVM") as the expected kind of file. */
lnl_status dataset_io_open_for_reading(const char *path, const char *format, FILE **file_out,
                                       lnl_error *err);

/* Maps label values to classes 0..K-1 in increasing order of value: fills
 * y (n_rows entries) and returns K class names that the caller frees with
 * dataset_io_free_names. Class names are the shortest form of each value,
 * so "+1", "1" and "1.0" are class "1". Every value must be finite. Returns
 * LNL_ERR_NOMEM when memory runs out and then leaves *names_out and
 * *n_classes_out unset. It sets no error message, so the caller writes one. */
lnl_status dataset_io_map_numeric_labels(const double *values, size_t n_rows, int *y,
                                         char ***names_out, size_t *n_classes_out);

/* Returns "..." when a message shows only the first DATASET_IO_QUOTED_MAX
 * bytes of text, else "". */
static inline const char *dataset_io_ellipsis_if_long(const char *text)
{
    return strlen(text) > DATASET_IO_QUOTED_MAX ? "..." : "";
}

#endif
