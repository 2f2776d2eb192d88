/* LIBSVM / SVMlight reader: one "label index:value index:value ..." line
 * per row, densified into a row-major matrix.
 *
 * Numbers are parsed with strtod, which uses the C locale's '.' because
 * lnl never calls setlocale.
 */
#include "lnl/dataset.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset_io.h"

static const char blanks[] = " \t\r\n\v\f";

/* ---- small helpers ---------------------------------------------------- */

/* Parses a whole token as a double. Returns false when anything is left
 * over (as in "1.5x") or the token is empty. NaN and Inf parse, so callers
 * check isfinite. */
static bool parse_double(const char *token, double *value)
{
    if (token[0] == '\0')
        return false;
    char *end = NULL;
    *value = strtod(token, &end);
    return end != token && *end == '\0';
}

/* ---- parsed rows ------------------------------------------------------ */

/* Rows in compressed sparse row form while the file is read. */
typedef struct sparse_rows {
    size_t n_rows;
    double *labels;           /* n_rows label values */
    size_t *row_ends;         /* row i is entries row_ends[i-1] (0 for i = 0) to row_ends[i]-1 */
    size_t rows_capacity;
    size_t labels_capacity;
    size_t n_entries;
    size_t *indices;          /* 1-based feature index of each entry */
    double *values;
    size_t indices_capacity;
    size_t values_capacity;
    size_t max_index;
    long max_index_line;      /* line where max_index first appears */
    long first_line;          /* line of the first row */
} sparse_rows;

static void sparse_rows_free(sparse_rows *rows)
{
    free(rows->labels);
    free(rows->row_ends);
    free(rows->indices);
    free(rows->values);
}

static bool append_entry(sparse_rows *rows, size_t index, double value)
{
    size_t needed = rows->n_entries + 1;
    size_t *indices = dataset_io_reserve_items(rows->indices, &rows->indices_capacity, needed,
                                               sizeof *indices);
    if (indices == NULL)
        return false;
    rows->indices = indices;
    double *values = dataset_io_reserve_items(rows->values, &rows->values_capacity, needed,
                                              sizeof *values);
    if (values == NULL)
        return false;
    rows->values = values;

    rows->indices[rows->n_entries] = index;
    rows->values[rows->n_entries] = value;
    rows->n_entries++;
    if (index > rows->max_index)
        rows->max_index = index;
    return true;
}

static bool append_row(sparse_rows *rows, double label)
{
    size_t needed = rows->n_rows + 1;
    double *labels = dataset_io_reserve_items(rows->labels, &rows->labels_capacity, needed,
                                              sizeof *labels);
    if (labels == NULL)
        return false;
    rows->labels = labels;
    size_t *row_ends = dataset_io_reserve_items(rows->row_ends, &rows->rows_capacity, needed,
                                                sizeof *row_ends);
    if (row_ends == NULL)
        return false;
    rows->row_ends = row_ends;

    rows->labels[rows->n_rows] = label;
    rows->row_ends[rows->n_rows] = rows->n_entries;
    rows->n_rows++;
    return true;
}

/* ---- line parser ------------------------------------------------------ */

/* Parses the 1-based feature index in text[0..length). Returns false when
 * it is empty, not all digits or larger than SIZE_MAX. */
static bool parse_index(const char *text, size_t length, size_t *index)
{
    if (length == 0)
        return false;
    size_t parsed = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        size_t digit = (size_t)(text[i] - '0');
        if (parsed > (SIZE_MAX - digit) / 10)
            return false;
        parsed = parsed * 10 + digit;
    }
    *index = parsed;
    return true;
}

/* Parses one "index:value" token, which must come after previous_index. */
static lnl_status parse_pair(char *token, const char *path, long line, size_t n_features,
                             size_t previous_index, size_t *index, double *value,
                             lnl_error *err)
{
    char *colon = strchr(token, ':');
    if (colon == NULL)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "missing colon in \"%.*s%s\"; expected index:value",
                             DATASET_IO_QUOTED_MAX, token, dataset_io_ellipsis_if_long(token));
    if (!parse_index(token, (size_t)(colon - token), index))
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "invalid feature index in \"%.*s%s\"; expected a positive integer "
                             "before the colon",
                             DATASET_IO_QUOTED_MAX, token, dataset_io_ellipsis_if_long(token));
    if (*index == 0)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "feature index 0 in \"%.*s%s\" is invalid; indices start at 1",
                             DATASET_IO_QUOTED_MAX, token, dataset_io_ellipsis_if_long(token));
    if (*index > INT_MAX)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "feature index %zu is larger than the maximum 2147483647 (2^31 - 1)",
                             *index);
    if (n_features > 0 && *index > n_features)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "feature index %zu is larger than the requested n_features = %zu",
                             *index, n_features);
    if (*index == previous_index)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "duplicate feature index %zu; each index may appear once per line",
                             *index);
    if (*index < previous_index)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "feature index %zu comes after index %zu; indices must increase "
                             "along a line",
                             *index, previous_index);

    const char *text = colon + 1;
    if (!parse_double(text, value))
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "invalid value \"%.*s%s\" for feature index %zu; expected a number",
                             DATASET_IO_QUOTED_MAX, text, dataset_io_ellipsis_if_long(text),
                             *index);
    if (!isfinite(*value))
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "value \"%.*s%s\" for feature index %zu is not a finite number; "
                             "NaN and Inf are not accepted",
                             DATASET_IO_QUOTED_MAX, text, dataset_io_ellipsis_if_long(text),
                             *index);
    return LNL_OK;
}

/* Parses one line (without its comment) into rows. Lines of blanks add nothing. */
static lnl_status parse_line(char *line, const char *path, long line_number, size_t n_features,
                             sparse_rows *rows, lnl_error *err)
{
    char *save = NULL;
    char *token = strtok_r(line, blanks, &save);
    if (token == NULL)
        return LNL_OK;

    double label = 0.0;
    if (!parse_double(token, &label) || !isfinite(label))
        return lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                             "invalid label \"%.*s%s\"; expected a finite number such as +1, -1 "
                             "or 3",
                             DATASET_IO_QUOTED_MAX, token, dataset_io_ellipsis_if_long(token));
    if (!append_row(rows, label))
        return lnl_error_set(err, LNL_ERR_NOMEM, path, line_number, "out of memory");
    if (rows->n_rows == 1)
        rows->first_line = line_number;

    /* SVMlight's optional query id ranks examples; classification ignores it. */
    token = strtok_r(NULL, blanks, &save);
    if (token != NULL && strncmp(token, "qid:", 4) == 0)
        token = strtok_r(NULL, blanks, &save);

    size_t previous_index = 0;
    for (; token != NULL; token = strtok_r(NULL, blanks, &save)) {
        size_t index = 0;
        double value = 0.0;
        lnl_status status = parse_pair(token, path, line_number, n_features, previous_index,
                                       &index, &value, err);
        if (status != LNL_OK)
            return status;
        size_t max_before = rows->max_index;
        if (!append_entry(rows, index, value))
            return lnl_error_set(err, LNL_ERR_NOMEM, path, line_number, "out of memory");
        if (rows->max_index > max_before)
            rows->max_index_line = line_number;
        previous_index = index;
    }
    rows->row_ends[rows->n_rows - 1] = rows->n_entries;
    return LNL_OK;
}

/* Reads every line of file into rows. */
static lnl_status read_rows(FILE *file, const char *path, size_t n_features, sparse_rows *rows,
                            lnl_error *err)
{
    lnl_status status = LNL_OK;
    char *line = NULL;
    size_t line_capacity = 0;
    long line_number = 0;

    for (;;) {
        errno = 0;
        ssize_t length = getline(&line, &line_capacity, file);
        if (length < 0) {
            if (ferror(file))
                status = lnl_error_set(err, LNL_ERR_IO, path, line_number + 1,
                                       "failed to read the file: %s",
                                       strerror(errno != 0 ? errno : EIO));
            else if (errno == ENOMEM)
                status = lnl_error_set(err, LNL_ERR_NOMEM, path, line_number + 1,
                                       "out of memory");
            break;
        }
        line_number++;

        if (memchr(line, '\0', (size_t)length) != NULL) {
            status = lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                                   "NUL byte in the line; the file looks binary, not like "
                                   "LIBSVM text");
            break;
        }
        /* a UTF-8 byte-order mark, as some editors write, is not part of the label */
        if (line_number == 1 && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
            memmove(line, line + 3, (size_t)length - 2);
        char *comment = strchr(line, '#');
        if (comment != NULL)
            *comment = '\0';

        status = parse_line(line, path, line_number, n_features, rows, err);
        if (status != LNL_OK)
            break;
    }
    free(line);
    return status;
}

/* ---- reader ----------------------------------------------------------- */

/* Builds the dense data set from the sparse rows and their classes. */
static lnl_status densify(const sparse_rows *rows, size_t n_features, const int *y,
                          char **class_names, size_t n_classes, lnl_dataset **out)
{
    lnl_dataset *data = lnl_dataset_create(rows->n_rows, n_features, n_classes);
    if (data == NULL)
        return LNL_ERR_NOMEM;

    size_t start = 0;
    for (size_t i = 0; i < rows->n_rows; i++) {
        double *row = data->X + i * n_features;
        for (size_t e = start; e < rows->row_ends[i]; e++)
            row[rows->indices[e] - 1] = rows->values[e];
        start = rows->row_ends[i];
        data->y[i] = y[i];
    }

    /* Feature j is named after its 1-based index in the file, "x<j+1>". */
    lnl_status status = LNL_OK;
    for (size_t j = 0; j < n_features && status == LNL_OK; j++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", j + 1);
        status = lnl_dataset_set_feature_name(data, j, name);
    }
    for (size_t k = 0; k < n_classes && status == LNL_OK; k++)
        status = lnl_dataset_set_class_name(data, k, class_names[k]);
    if (status != LNL_OK) {
        lnl_dataset_destroy(data);
        return status;
    }
    *out = data;
    return LNL_OK;
}

lnl_status lnl_libsvm_read(const char *path, size_t n_features, lnl_dataset **out,
                           lnl_error *err)
{
    lnl_error_clear(err);
    if (out == NULL || path == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                             "lnl_libsvm_read needs a path and an output pointer");
    *out = NULL;

    lnl_status status;
    FILE *file = NULL;
    sparse_rows rows;
    memset(&rows, 0, sizeof rows);
    int *y = NULL;
    char **class_names = NULL;
    size_t n_classes = 0;

    status = dataset_io_open_for_reading(path, "LIBSVM", &file, err);
    if (status != LNL_OK)
        goto cleanup;
    status = read_rows(file, path, n_features, &rows, err);
    if (status != LNL_OK)
        goto cleanup;

    if (rows.n_rows == 0) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, 0,
                               "the file has no data lines; expected \"label index:value ...\" "
                               "lines");
        goto cleanup;
    }
    if (n_features == 0)
        n_features = rows.max_index;
    if (n_features == 0) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, rows.first_line,
                               "no line has an index:value pair, so the number of features is "
                               "unknown; pass n_features");
        goto cleanup;
    }

    y = malloc(rows.n_rows * sizeof *y);
    if (y == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");
        goto cleanup;
    }
    status = dataset_io_map_numeric_labels(rows.labels, rows.n_rows, y, &class_names, &n_classes);
    if (status != LNL_OK) {
        lnl_error_set(err, status, path, 0, "out of memory");
        goto cleanup;
    }
    if (n_classes < 2) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, rows.first_line,
                               "every line has label %s; at least 2 classes are needed",
                               class_names[0]);
        goto cleanup;
    }
    if (n_classes > INT_MAX) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, 0,
                               "%zu classes are more than an int label can index", n_classes);
        goto cleanup;
    }

    /* A short file with one large index would make the data set allocate
     * and name every column up to it, which takes minutes and all memory
     * when the matrix cannot fit. The estimate counts the doubles and about
     * 64 bytes per feature name against the machine's physical memory.
     * NOTE: a matrix that fits but takes most of the memory still passes;
     * the runs then need more memory on top of it. */
    long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    double needed = ((double)rows.n_rows * sizeof(double) + 64.0) * (double)n_features;
    double available = pages > 0 && page_size > 0 ? (double)pages * (double)page_size : INFINITY;
    if (needed > available) {
        status = lnl_error_set(err, LNL_ERR_DATA, path,
                               n_features == rows.max_index ? rows.max_index_line : 0,
                               "%zu rows x %zu features need about %.3g GB as a dense matrix, "
                               "more than the %.3g GB of memory of this machine; check the "
                               "largest feature index (%zu)",
                               rows.n_rows, n_features, needed / 1e9, available / 1e9,
                               rows.max_index);
        goto cleanup;
    }

    status = densify(&rows, n_features, y, class_names, n_classes, out);
    if (status != LNL_OK)
        lnl_error_set(err, status, path, 0, "out of memory for %zu rows x %zu features",
                      rows.n_rows, n_features);

cleanup:
    if (file != NULL)
        fclose(file);
    sparse_rows_free(&rows);
    dataset_io_free_names(class_names, n_classes);
    free(y);
    return status;
}
