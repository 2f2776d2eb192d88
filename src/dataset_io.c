#include "dataset_io.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void *dataset_io_reserve_items(void *items, size_t *capacity, size_t needed, size_t item_size)
{
    if (needed <= *capacity)
        return items;

    size_t new_capacity = *capacity > 0 ? *capacity : 64;
    while (new_capacity < needed) {
        if (new_capacity > SIZE_MAX / 2)
            return NULL;
        new_capacity *= 2;
    }
    if (new_capacity > SIZE_MAX / item_size)
        return NULL;

    void *grown = realloc(items, new_capacity * item_size);
    if (grown != NULL)
        *capacity = new_capacity;
    return grown;
}

char *dataset_io_copy_string(const char *text)
{
    size_t size = strlen(text) + 1;
    char *copy = malloc(size);
    if (copy != NULL)
        memcpy(copy, text, size);
    return copy;
}

void dataset_io_free_names(char **names, size_t count)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

lnl_status dataset_io_open_for_reading(const char *path, const char *format, FILE **file_out,
                                       lnl_error *err)
{
    *file_out = NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "failed to open the file: %s",
                             strerror(errno));

    struct stat info;
    if (fstat(fileno(file), &info) != 0) {
        int saved_errno = errno;
        fclose(file);
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "failed to inspect the file: %s",
                             strerror(saved_errno));
    }
    if (S_ISDIR(info.st_mode)) {
        fclose(file);
        return lnl_error_set(err, LNL_ERR_IO, path, 0,
                             "the path is a directory; expected a %s file", format);
    }
    *file_out = file;
    return LNL_OK;
}

/* Writes the shortest text that strtod reads back as value: integers below
 * 2^53 without exponent ("-1", "10"), other values with the fewest %g
 * digits ("0.1", "1e+300"). out needs 32 bytes. */
static void format_label_value(double value, char *out, size_t out_size)
{
    if (value == 0.0)
        value = 0.0;  /* drops the sign of -0 */

    if (value == floor(value) && fabs(value) < 9007199254740992.0) {
        snprintf(out, out_size, "%.0f", value);
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(out, out_size, "%.*g", precision, value);
        if (strtod(out, NULL) == value)
            return;
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

lnl_status dataset_io_map_numeric_labels(const double *values, size_t n_rows, int *y,
                                         char ***names_out, size_t *n_classes_out)
{
    lnl_status status = LNL_ERR_NOMEM;
    char **names = NULL;
    size_t n_classes = 0;
    double *sorted = malloc(n_rows * sizeof *sorted);
    if (sorted == NULL)
        goto cleanup;

    memcpy(sorted, values, n_rows * sizeof *sorted);
    qsort(sorted, n_rows, sizeof *sorted, compare_doubles);
    for (size_t i = 0; i < n_rows; i++) {
        if (i == 0 || sorted[i] != sorted[n_classes - 1])
            sorted[n_classes++] = sorted[i];
    }

    for (size_t i = 0; i < n_rows; i++) {
        const double *match = bsearch(&values[i], sorted, n_classes, sizeof *sorted,
                                      compare_doubles);
        y[i] = (int)(match - sorted);
    }

    names = calloc(n_classes, sizeof *names);
    if (names == NULL)
        goto cleanup;
    for (size_t k = 0; k < n_classes; k++) {
        char text[32];
        format_label_value(sorted[k], text, sizeof text);
        names[k] = dataset_io_copy_string(text);
        if (names[k] == NULL)
            goto cleanup;
    }

    *names_out = names;
    *n_classes_out = n_classes;
    names = NULL;
    status = LNL_OK;

cleanup:
    dataset_io_free_names(names, n_classes);
    free(sorted);
    return status;
}
