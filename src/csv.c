/* CSV reader and writer for data sets (RFC 4180 quoting, one header row).
 *
 * Numbers are parsed with strtod and written with fprintf, which use the C
 * locale's '.' because lnl never calls setlocale.
 */
#include "lnl/dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dataset_io.h"

enum {
    CHUNK_SIZE = 1 << 16,     /* bytes read from the file at a time */
    SUGGEST_LENGTH_MAX = 64,  /* maximum length of a name considered for "did you mean" */
    TEMP_ATTEMPTS = 100       /* temporary names tried before the writer gives up */
};

/* ---- small helpers ---------------------------------------------------- */

typedef enum number_status {
    NUMBER_OK,
    NUMBER_EMPTY,
    NUMBER_INVALID,
    NUMBER_NOT_FINITE
} number_status;

/* Parses text as one finite double. Blanks around the number are allowed,
 * but anything else after it (as in "1.5x") makes the text invalid. */
static number_status parse_number(const char *text, double *value)
{
    const char *start = text;
    while (*start == ' ' || *start == '\t')
        start++;
    if (*start == '\0')
        return NUMBER_EMPTY;

    char *end = NULL;
    double parsed = strtod(start, &end);
    if (end == start)
        return NUMBER_INVALID;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end != '\0')
        return NUMBER_INVALID;
    if (!isfinite(parsed))
        return NUMBER_NOT_FINITE;

    *value = parsed;
    return NUMBER_OK;
}

/* ---- record reader ---------------------------------------------------- */

typedef struct csv_reader {
    FILE *file;
    const char *path;
    unsigned char *chunk;    /* CHUNK_SIZE bytes of read-ahead */
    size_t chunk_length;
    size_t chunk_position;
    int read_errno;          /* errno of a failed read, 0 while reads succeed */
    long line;               /* 1-based line of the next byte */
    long record_line;        /* line where the current record starts */
    char *text;              /* fields of the current record, each NUL-terminated */
    size_t text_length;
    size_t text_capacity;
    size_t *field_starts;    /* offset of each field in text */
    size_t n_fields;
    size_t field_capacity;
} csv_reader;

static int next_byte(csv_reader *reader)
{
    if (reader->chunk_position == reader->chunk_length) {
        if (reader->read_errno != 0 || feof(reader->file))
            return EOF;
        errno = 0;
        reader->chunk_length = fread(reader->chunk, 1, CHUNK_SIZE, reader->file);
        reader->chunk_position = 0;
        if (reader->chunk_length == 0) {
            if (ferror(reader->file))
                reader->read_errno = errno != 0 ? errno : EIO;
            return EOF;
        }
    }
    return reader->chunk[reader->chunk_position++];
}

/* Returns the next byte, reading "\r\n" and a final "\r" as '\n'. */
static int next_char(csv_reader *reader)
{
    int c = next_byte(reader);
    if (c != '\r')
        return c;

    int following = next_byte(reader);
    if (following == '\n' || following == EOF)
        return '\n';
    reader->chunk_position--;  /* the byte is still in the chunk, so it can be read again */
    return '\r';
}

static lnl_status reader_open(csv_reader *reader, const char *path, lnl_error *err)
{
    memset(reader, 0, sizeof *reader);
    reader->path = path;
    reader->line = 1;

    lnl_status status = dataset_io_open_for_reading(path, "CSV", &reader->file, err);
    if (status != LNL_OK)
        return status;
    reader->chunk = malloc(CHUNK_SIZE);
    if (reader->chunk == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");

    /* Skip a UTF-8 byte-order mark. The first chunk contains at least 3 bytes
     * unless the file is shorter, so rewinding to 0 replays what was read. */
    if (next_byte(reader) == 0xEF && next_byte(reader) == 0xBB && next_byte(reader) == 0xBF)
        return LNL_OK;
    reader->chunk_position = 0;
    return LNL_OK;
}

static void reader_close(csv_reader *reader)
{
    if (reader->file != NULL)
        fclose(reader->file);
    free(reader->chunk);
    free(reader->text);
    free(reader->field_starts);
}

static bool push_byte(csv_reader *reader, char byte)
{
    char *text = dataset_io_reserve_items(reader->text, &reader->text_capacity,
                                          reader->text_length + 1, 1);
    if (text == NULL)
        return false;
    reader->text = text;
    reader->text[reader->text_length++] = byte;
    return true;
}

static bool start_field(csv_reader *reader)
{
    size_t *starts = dataset_io_reserve_items(reader->field_starts, &reader->field_capacity,
                                              reader->n_fields + 1, sizeof *starts);
    if (starts == NULL)
        return false;
    reader->field_starts = starts;
    reader->field_starts[reader->n_fields++] = reader->text_length;
    return true;
}

static const char *field_text(const csv_reader *reader, size_t column)
{
    return reader->text + reader->field_starts[column];
}

static lnl_status nul_byte_error(const csv_reader *reader, lnl_error *err)
{
    return lnl_error_set(err, LNL_ERR_DATA, reader->path, reader->line,
                         "NUL byte in column %zu; the file looks binary, not like CSV text",
                         reader->n_fields);
}

/* Reads a quoted field whose opening quote was just read, and sets *c to
 * the character after the closing quote. */
static lnl_status read_quoted_field(csv_reader *reader, int *c, lnl_error *err)
{
    long quote_line = reader->line;
    for (;;) {
        int byte = next_char(reader);
        if (byte == EOF)
            return lnl_error_set(err, LNL_ERR_DATA, reader->path, quote_line,
                                 "the quoted field in column %zu has no closing quote",
                                 reader->n_fields);
        if (byte == '"') {
            byte = next_char(reader);
            if (byte != '"') {
                *c = byte;
                break;
            }
        } else if (byte == '\n') {
            reader->line++;
        } else if (byte == '\0') {
            return nul_byte_error(reader, err);
        }
        if (!push_byte(reader, (char)byte))
            return lnl_error_set(err, LNL_ERR_NOMEM, reader->path, reader->line, "out of memory");
    }

    if (*c != ',' && *c != '\n' && *c != EOF) {
        char shown[16];
        if (*c >= 0x20 && *c < 0x7F)
            snprintf(shown, sizeof shown, "'%c'", *c);
        else
            snprintf(shown, sizeof shown, "0x%02X", (unsigned)*c);
        return lnl_error_set(err, LNL_ERR_DATA, reader->path, reader->line,
                             "unexpected character %s after the closing quote in column %zu; "
                             "write a quote inside a quoted field as \"\"",
                             shown, reader->n_fields);
    }
    return LNL_OK;
}

/* Reads the next non-empty record into reader->text and reader->field_starts.
 * Sets *found to false at the end of the file. */
static lnl_status parse_record(csv_reader *reader, bool *found, lnl_error *err)
{
    *found = false;
    reader->text_length = 0;
    reader->n_fields = 0;

    int c;
    for (;;) {
        reader->record_line = reader->line;
        c = next_char(reader);
        if (c == EOF)
            return LNL_OK;
        if (c != '\n')
            break;
        reader->line++;
    }

    for (;;) {
        if (!start_field(reader))
            return lnl_error_set(err, LNL_ERR_NOMEM, reader->path, reader->line, "out of memory");

        if (c == '"') {
            lnl_status status = read_quoted_field(reader, &c, err);
            if (status != LNL_OK)
                return status;
        } else {
            while (c != ',' && c != '\n' && c != EOF) {
                if (c == '\0')
                    return nul_byte_error(reader, err);
                if (!push_byte(reader, (char)c))
                    return lnl_error_set(err, LNL_ERR_NOMEM, reader->path, reader->line,
                                         "out of memory");
                c = next_char(reader);
            }
        }
        if (!push_byte(reader, '\0'))
            return lnl_error_set(err, LNL_ERR_NOMEM, reader->path, reader->line, "out of memory");

        if (c != ',')
            break;
        c = next_char(reader);
    }

    if (c == '\n')
        reader->line++;
    *found = true;
    return LNL_OK;
}

static lnl_status read_record(csv_reader *reader, bool *found, lnl_error *err)
{
    lnl_status status = parse_record(reader, found, err);

    /* A failed read looks like the end of the file to the parser. */
    if (reader->read_errno != 0)
        return lnl_error_set(err, LNL_ERR_IO, reader->path, reader->line,
                             "failed to read the file: %s", strerror(reader->read_errno));
    return status;
}

/* ---- header checks ---------------------------------------------------- */

typedef struct name_entry {
    const char *name;
    size_t column;
} name_entry;

static int compare_name_entries(const void *a, const void *b)
{
    const name_entry *x = a, *y = b;
    int order = strcmp(x->name, y->name);
    if (order != 0)
        return order;
    return (x->column > y->column) - (x->column < y->column);
}

/* Finds two equal names and sets *first < *second to their 0-based
 * positions, choosing the pair whose second position comes first. Returns
 * 1 when found, 0 when all names differ and -1 when memory runs out. */
static int find_duplicate_name(const char *const *names, size_t count, size_t *first,
                               size_t *second)
{
    if (count < 2)
        return 0;
    name_entry *entries = malloc(count * sizeof *entries);
    if (entries == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        entries[i].name = names[i];
        entries[i].column = i;
    }
    qsort(entries, count, sizeof *entries, compare_name_entries);

    int found = 0;
    for (size_t i = 1; i < count; i++) {
        if (strcmp(entries[i - 1].name, entries[i].name) != 0)
            continue;
        if (!found || entries[i].column < *second) {
            *first = entries[i - 1].column;
            *second = entries[i].column;
            found = 1;
        }
    }
    free(entries);
    return found;
}

/* Levenshtein distance of two strings of at most SUGGEST_LENGTH_MAX bytes. */
static size_t edit_distance(const char *a, size_t a_length, const char *b, size_t b_length)
{
    size_t previous[SUGGEST_LENGTH_MAX + 1], current[SUGGEST_LENGTH_MAX + 1];

    for (size_t j = 0; j <= b_length; j++)
        previous[j] = j;
    for (size_t i = 1; i <= a_length; i++) {
        current[0] = i;
        for (size_t j = 1; j <= b_length; j++) {
            size_t substitute = previous[j - 1] + (a[i - 1] != b[j - 1]);
            size_t insert = current[j - 1] + 1;
            size_t delete = previous[j] + 1;
            size_t best = substitute < insert ? substitute : insert;
            current[j] = best < delete ? best : delete;
        }
        memcpy(previous, current, (b_length + 1) * sizeof *previous);
    }
    return previous[b_length];
}

/* Returns the column name closest to request within about a third of its
 * length in edits, or NULL when none is that close. */
static const char *closest_name(const char *request, const char *const *names, size_t count)
{
    size_t request_length = strlen(request);
    if (request_length > SUGGEST_LENGTH_MAX)
        return NULL;

    size_t limit = request_length / 3 > 0 ? request_length / 3 : 1;
    const char *best = NULL;
    size_t best_distance = limit + 1;
    for (size_t j = 0; j < count; j++) {
        size_t length = strlen(names[j]);
        if (length > SUGGEST_LENGTH_MAX)
            continue;
        size_t distance = edit_distance(request, request_length, names[j], length);
        if (distance < best_distance) {
            best = names[j];
            best_distance = distance;
        }
    }
    return best;
}

static lnl_status unknown_label_column_error(const char *path, long line, const char *request,
                                             const char *const *names, size_t count,
                                             lnl_error *err)
{
    const char *suggestion = closest_name(request, names, count);
    if (suggestion != NULL)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "label column \"%s\" not found in the header; did you mean \"%s\"?",
                             request, suggestion);

    /* List as many names as fit in the message and count the rest. */
    char list[LNL_ERROR_MESSAGE_MAX / 2];
    size_t used = 0, listed = 0;
    list[0] = '\0';
    for (; listed < count; listed++) {
        int written = snprintf(list + used, sizeof list - used, "%s\"%s\"",
                               listed > 0 ? ", " : "", names[listed]);
        if (written < 0 || (size_t)written >= sizeof list - used) {
            list[used] = '\0';
            break;
        }
        used += (size_t)written;
    }
    if (listed < count)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "label column \"%s\" not found in the header; the columns are %s "
                             "and %zu more",
                             request, list, count - listed);
    return lnl_error_set(err, LNL_ERR_DATA, path, line,
                         "label column \"%s\" not found in the header; the columns are %s",
                         request, list);
}

/* Checks the header names and finds the label column. */
static lnl_status check_header(const char *path, long line, const char *const *names,
                               size_t n_columns, const lnl_csv_options *options,
                               size_t *label_column, lnl_error *err)
{
    if (n_columns < 2)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "the header has only one column; a CSV data set needs at least "
                             "one feature column and a label column");

    for (size_t j = 0; j < n_columns; j++) {
        if (names[j][0] == '\0')
            return lnl_error_set(err, LNL_ERR_DATA, path, line,
                                 "column %zu has an empty name in the header", j + 1);
    }

    size_t first = 0, second = 0;
    int duplicate = find_duplicate_name(names, n_columns, &first, &second);
    if (duplicate < 0)
        return lnl_error_set(err, LNL_ERR_NOMEM, path, line, "out of memory");
    if (duplicate > 0)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "duplicate column name \"%s\" in columns %zu and %zu of the header",
                             names[first], first + 1, second + 1);

    const char *request = options != NULL ? options->label_column : NULL;
    if (request == NULL) {
        *label_column = n_columns - 1;
        return LNL_OK;
    }
    for (size_t j = 0; j < n_columns; j++) {
        if (strcmp(names[j], request) == 0) {
            *label_column = j;
            return LNL_OK;
        }
    }
    return unknown_label_column_error(path, line, request, names, n_columns, err);
}

/* ---- label mapping ---------------------------------------------------- */

typedef struct label_entry {
    const char *text;
    size_t row;
} label_entry;

static int compare_label_entries(const void *a, const void *b)
{
    const label_entry *x = a, *y = b;
    return strcmp(x->text, y->text);
}

/* Maps text labels to classes in bytewise order (strcmp). */
static lnl_status map_text_labels(const char *const *labels, size_t n_rows, int *y,
                                  char ***names_out, size_t *n_classes_out)
{
    lnl_status status = LNL_ERR_NOMEM;
    char **names = NULL;
    size_t n_classes = 0;
    label_entry *entries = malloc(n_rows * sizeof *entries);
    if (entries == NULL)
        goto cleanup;

    for (size_t i = 0; i < n_rows; i++) {
        entries[i].text = labels[i];
        entries[i].row = i;
    }
    qsort(entries, n_rows, sizeof *entries, compare_label_entries);

    names = calloc(n_rows, sizeof *names);
    if (names == NULL)
        goto cleanup;
    for (size_t i = 0; i < n_rows; i++) {
        if (i == 0 || strcmp(entries[i].text, entries[i - 1].text) != 0) {
            names[n_classes] = dataset_io_copy_string(entries[i].text);
            if (names[n_classes] == NULL)
                goto cleanup;
            n_classes++;
        }
        y[entries[i].row] = (int)(n_classes - 1);
    }

    *names_out = names;
    *n_classes_out = n_classes;
    names = NULL;
    status = LNL_OK;

cleanup:
    dataset_io_free_names(names, n_classes);
    free(entries);
    return status;
}

/* Maps labels to classes 0..K-1: by value when every label is a finite
 * number, else bytewise. Fills y and returns K sorted class names. */
static lnl_status map_labels(const char *const *labels, size_t n_rows, int *y,
                             char ***names_out, size_t *n_classes_out)
{
    double *values = malloc(n_rows * sizeof *values);
    if (values == NULL)
        return LNL_ERR_NOMEM;

    bool numeric = true;
    for (size_t i = 0; i < n_rows && numeric; i++)
        numeric = parse_number(labels[i], &values[i]) == NUMBER_OK;

    lnl_status status;
    if (numeric)
        status = dataset_io_map_numeric_labels(values, n_rows, y, names_out, n_classes_out);
    else
        status = map_text_labels(labels, n_rows, y, names_out, n_classes_out);
    free(values);
    return status;
}

/* ---- reader ----------------------------------------------------------- */

/* Header names, copied out of the reader's record buffer. */
typedef struct csv_header {
    char *text;            /* the names, each NUL-terminated */
    const char **names;    /* n_columns pointers into text */
    size_t n_columns;
    size_t label_column;
    long line;
} csv_header;

/* Data rows as parsed, before labels become classes. */
typedef struct csv_rows {
    size_t n_rows;
    double *values;        /* n_rows x (n_columns - 1), row-major */
    size_t values_capacity;
    char *label_text;      /* the label of every row, each NUL-terminated */
    size_t label_length;
    size_t label_capacity;
    size_t *label_starts;  /* offset of each row's label in label_text */
    size_t label_starts_capacity;
} csv_rows;

static void free_parsed(csv_header *header, csv_rows *rows)
{
    free(header->text);
    free(header->names);
    free(rows->values);
    free(rows->label_text);
    free(rows->label_starts);
}

static lnl_status read_header(csv_reader *reader, const lnl_csv_options *options,
                              csv_header *header, lnl_error *err)
{
    bool found = false;
    lnl_status status = read_record(reader, &found, err);
    if (status != LNL_OK)
        return status;
    if (!found)
        return lnl_error_set(err, LNL_ERR_DATA, reader->path, 0,
                             "the file is empty; expected a header row and data rows");

    header->line = reader->record_line;
    header->n_columns = reader->n_fields;
    header->text = malloc(reader->text_length);
    header->names = malloc(header->n_columns * sizeof *header->names);
    if (header->text == NULL || header->names == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, reader->path, header->line, "out of memory");
    memcpy(header->text, reader->text, reader->text_length);
    for (size_t j = 0; j < header->n_columns; j++)
        header->names[j] = header->text + reader->field_starts[j];

    return check_header(reader->path, header->line, header->names, header->n_columns, options,
                        &header->label_column, err);
}

/* Parses the numbers of the reader's record into values (one per feature)
 * and checks that its label is not empty. */
static lnl_status parse_row(const csv_reader *reader, const csv_header *header, double *values,
                            lnl_error *err)
{
    size_t feature = 0;
    for (size_t j = 0; j < reader->n_fields; j++) {
        const char *text = field_text(reader, j);
        const char *name = header->names[j];
        if (j == header->label_column) {
            if (text[0] == '\0')
                return lnl_error_set(err, LNL_ERR_DATA, reader->path, reader->record_line,
                                     "empty label in column \"%s\" (column %zu)", name, j + 1);
            continue;
        }

        number_status parsed = parse_number(text, &values[feature]);
        if (parsed == NUMBER_EMPTY)
            return lnl_error_set(err, LNL_ERR_DATA, reader->path, reader->record_line,
                                 "empty value in column \"%s\" (column %zu); every feature "
                                 "needs a number",
                                 name, j + 1);
        if (parsed == NUMBER_INVALID)
            return lnl_error_set(err, LNL_ERR_DATA, reader->path, reader->record_line,
                                 "invalid number \"%.*s%s\" in column \"%s\" (column %zu)",
                                 DATASET_IO_QUOTED_MAX, text, dataset_io_ellipsis_if_long(text),
                                 name, j + 1);
        if (parsed == NUMBER_NOT_FINITE)
            return lnl_error_set(err, LNL_ERR_DATA, reader->path, reader->record_line,
                                 "value \"%.*s%s\" in column \"%s\" (column %zu) is not a "
                                 "finite number; NaN and Inf are not accepted",
                                 DATASET_IO_QUOTED_MAX, text, dataset_io_ellipsis_if_long(text),
                                 name, j + 1);
        feature++;
    }
    return LNL_OK;
}

/* Appends a copy of label to rows. Pointers into label_text are only taken
 * after the last row, because the buffer moves as it grows. */
static bool append_label(csv_rows *rows, const char *label)
{
    size_t size = strlen(label) + 1;
    char *text = dataset_io_reserve_items(rows->label_text, &rows->label_capacity,
                                          rows->label_length + size, 1);
    if (text == NULL)
        return false;
    rows->label_text = text;
    size_t *starts = dataset_io_reserve_items(rows->label_starts, &rows->label_starts_capacity,
                                              rows->n_rows + 1, sizeof *starts);
    if (starts == NULL)
        return false;
    rows->label_starts = starts;

    memcpy(rows->label_text + rows->label_length, label, size);
    rows->label_starts[rows->n_rows] = rows->label_length;
    rows->label_length += size;
    return true;
}

static lnl_status read_rows(csv_reader *reader, const csv_header *header, csv_rows *rows,
                            lnl_error *err)
{
    size_t n_features = header->n_columns - 1;
    for (;;) {
        bool found = false;
        lnl_status status = read_record(reader, &found, err);
        if (status != LNL_OK)
            return status;
        if (!found)
            break;

        if (reader->n_fields != header->n_columns)
            return lnl_error_set(err, LNL_ERR_DATA, reader->path, reader->record_line,
                                 "expected %zu fields as in the header, found %zu",
                                 header->n_columns, reader->n_fields);

        double *values = NULL;
        if (rows->n_rows + 1 <= SIZE_MAX / n_features)
            values = dataset_io_reserve_items(rows->values, &rows->values_capacity,
                                              (rows->n_rows + 1) * n_features, sizeof *values);
        if (values == NULL)
            return lnl_error_set(err, LNL_ERR_NOMEM, reader->path, reader->record_line,
                                 "out of memory after %zu rows", rows->n_rows);
        rows->values = values;

        status = parse_row(reader, header, values + rows->n_rows * n_features, err);
        if (status != LNL_OK)
            return status;
        if (!append_label(rows, field_text(reader, header->label_column)))
            return lnl_error_set(err, LNL_ERR_NOMEM, reader->path, reader->record_line,
                                 "out of memory after %zu rows", rows->n_rows);
        rows->n_rows++;
    }

    if (rows->n_rows == 0)
        return lnl_error_set(err, LNL_ERR_DATA, reader->path, header->line,
                             "no data rows after the header");
    return LNL_OK;
}

/* Maps the labels to classes and moves the parsed rows into a new data set. */
static lnl_status build_dataset(const char *path, const csv_header *header, csv_rows *rows,
                                lnl_dataset **out, lnl_error *err)
{
    lnl_status status;
    const char **labels = malloc(rows->n_rows * sizeof *labels);
    int *y = malloc(rows->n_rows * sizeof *y);
    char **class_names = NULL;
    size_t n_classes = 0;
    lnl_dataset *data = NULL;
    const char *label_name = header->names[header->label_column];

    if (labels == NULL || y == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < rows->n_rows; i++)
        labels[i] = rows->label_text + rows->label_starts[i];
    status = map_labels(labels, rows->n_rows, y, &class_names, &n_classes);
    if (status != LNL_OK) {
        lnl_error_set(err, status, path, 0, "out of memory");
        goto cleanup;
    }
    if (n_classes < 2) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, header->line,
                               "label column \"%s\" (column %zu) has only one class, \"%s\"; "
                               "at least 2 classes are needed",
                               label_name, header->label_column + 1, class_names[0]);
        goto cleanup;
    }
    if (n_classes > INT_MAX) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, header->line,
                               "label column \"%s\" (column %zu) has %zu classes, more than "
                               "an int label can index",
                               label_name, header->label_column + 1, n_classes);
        goto cleanup;
    }

    /* The data set starts with no rows and takes over the parsed matrix and
     * labels, so they are never copied. */
    data = lnl_dataset_create(0, header->n_columns - 1, n_classes);
    if (data == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");
        goto cleanup;
    }
    free(data->X);
    free(data->y);
    data->X = rows->values;
    data->y = y;
    data->n_rows = rows->n_rows;
    rows->values = NULL;
    y = NULL;

    for (size_t j = 0, feature = 0; j < header->n_columns && status == LNL_OK; j++) {
        if (j != header->label_column)
            status = lnl_dataset_set_feature_name(data, feature++, header->names[j]);
    }
    for (size_t k = 0; k < n_classes && status == LNL_OK; k++)
        status = lnl_dataset_set_class_name(data, k, class_names[k]);
    if (status != LNL_OK) {
        lnl_error_set(err, status, path, 0, "out of memory");
        goto cleanup;
    }
    *out = data;
    data = NULL;

cleanup:
    lnl_dataset_destroy(data);
    dataset_io_free_names(class_names, n_classes);
    free(y);
    free(labels);
    return status;
}

lnl_status lnl_csv_read(const char *path, const lnl_csv_options *options,
                        lnl_dataset **out, lnl_error *err)
{
    lnl_error_clear(err);
    if (out == NULL || path == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                             "lnl_csv_read needs a path and an output pointer");
    *out = NULL;

    csv_reader reader;
    csv_header header = {0};
    csv_rows rows = {0};

    lnl_status status = reader_open(&reader, path, err);
    if (status != LNL_OK)
        goto cleanup;
    status = read_header(&reader, options, &header, err);
    if (status != LNL_OK)
        goto cleanup;
    status = read_rows(&reader, &header, &rows, err);
    if (status != LNL_OK)
        goto cleanup;
    status = build_dataset(path, &header, &rows, out, err);

cleanup:
    reader_close(&reader);
    free_parsed(&header, &rows);
    return status;
}

/* ---- writer ----------------------------------------------------------- */

/* Writes one field, quoted when it contains a comma, a quote or a line break. */
static void write_field(FILE *file, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, file);
        return;
    }
    putc('"', file);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"')
            putc('"', file);
        putc(*p, file);
    }
    putc('"', file);
}

/* Checks that the file will read back: finite values, labels in range and
 * distinct non-empty names. */
static lnl_status check_writable(const char *path, const lnl_dataset *data,
                                 const char *label_name, lnl_error *err)
{
    for (size_t i = 0; i < data->n_rows; i++) {
        const double *row = data->X + i * data->n_features;
        for (size_t j = 0; j < data->n_features; j++) {
            if (!isfinite(row[j]))
                return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                                     "feature \"%s\" of data row %zu is %g; CSV files hold "
                                     "finite numbers only",
                                     data->feature_names[j], i + 1, row[j]);
        }
        if (data->y[i] < 0 || (size_t)data->y[i] >= data->n_classes)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                                 "label %d of data row %zu is outside 0..%zu", data->y[i],
                                 i + 1, data->n_classes - 1);
    }
    for (size_t k = 0; k < data->n_classes; k++) {
        if (data->class_names[k][0] == '\0')
            return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                                 "class %zu has an empty name", k);
    }

    size_t n_columns = data->n_features + 1;
    const char **names = malloc(n_columns * sizeof *names);
    if (names == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");
    for (size_t j = 0; j < data->n_features; j++)
        names[j] = data->feature_names[j];
    names[data->n_features] = label_name;

    lnl_status status = LNL_OK;
    size_t first = 0, second = 0;
    for (size_t j = 0; j < n_columns && status == LNL_OK; j++) {
        if (names[j][0] == '\0')
            status = lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                                   "column %zu has an empty name", j + 1);
    }
    int duplicate = status == LNL_OK ? find_duplicate_name(names, n_columns, &first, &second) : 0;
    if (duplicate < 0)
        status = lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");
    else if (duplicate > 0)
        status = lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                               "columns %zu and %zu would both be named \"%s\"", first + 1,
                               second + 1, names[first]);
    free(names);
    return status;
}

/* Creates "<path>.tmp.XXXXXX" with a fresh suffix and opens it for writing.
 * It does not call mkstemp, because mkstemp creates mode 0600 files. Opening
 * with mode 0666 lets the umask decide, as fopen would for the final file.
 * Returns the descriptor, or -1 with errno set. */
static int open_temporary_file(const char *path, char *temp_path, size_t temp_size)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t state = (uint64_t)now.tv_nsec ^ ((uint64_t)now.tv_sec << 20)
                     ^ ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)temp_path;

    for (int attempt = 0; attempt < TEMP_ATTEMPTS; attempt++) {
        /* splitmix64 step (Steele, Lea and Flood, 2014) */
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;

        char suffix[7];
        for (int i = 0; i < 6; i++) {
            suffix[i] = alphabet[z % (sizeof alphabet - 1)];
            z /= sizeof alphabet - 1;
        }
        suffix[6] = '\0';
        snprintf(temp_path, temp_size, "%s.tmp.%s", path, suffix);

        int fd = open(temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

static void write_rows(FILE *file, const lnl_dataset *data, const char *label_name)
{
    for (size_t j = 0; j < data->n_features; j++) {
        write_field(file, data->feature_names[j]);
        putc(',', file);
    }
    write_field(file, label_name);
    putc('\n', file);

    for (size_t i = 0; i < data->n_rows; i++) {
        const double *row = data->X + i * data->n_features;
        for (size_t j = 0; j < data->n_features; j++)
            fprintf(file, "%.17g,", row[j]);
        write_field(file, data->class_names[data->y[i]]);
        putc('\n', file);
    }
}

lnl_status lnl_csv_write(const char *path, const lnl_dataset *data, const char *label_name,
                         lnl_error *err)
{
    lnl_error_clear(err);
    if (path == NULL || data == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                             "lnl_csv_write needs a path and a data set");
    if (label_name == NULL)
        label_name = "label";

    lnl_status status = check_writable(path, data, label_name, err);
    if (status != LNL_OK)
        return status;

    FILE *file = NULL;
    size_t temp_size = strlen(path) + sizeof ".tmp.XXXXXX";
    char *temp_path = malloc(temp_size);
    if (temp_path == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");

    int fd = open_temporary_file(path, temp_path, temp_size);
    if (fd < 0) {
        status = lnl_error_set(err, LNL_ERR_IO, path, 0,
                               "failed to create the temporary file \"%s\": %s", temp_path,
                               strerror(errno));
        free(temp_path);
        return status;
    }
    file = fdopen(fd, "w");
    if (file == NULL) {
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "failed to open \"%s\": %s", temp_path,
                               strerror(errno));
        close(fd);
        goto cleanup;
    }

    write_rows(file, data, label_name);

    /* fflush and fsync before rename, so that a crash cannot leave a
     * truncated file under the final name. */
    if (fflush(file) != 0 || ferror(file) || fsync(fileno(file)) != 0) {
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "failed to write \"%s\": %s",
                               temp_path, strerror(errno));
        goto cleanup;
    }
    int closed = fclose(file);
    file = NULL;
    if (closed != 0) {
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "failed to close \"%s\": %s",
                               temp_path, strerror(errno));
        goto cleanup;
    }
    if (rename(temp_path, path) != 0) {
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "failed to rename \"%s\" to the file: %s",
                               temp_path, strerror(errno));
        goto cleanup;
    }
    status = LNL_OK;

cleanup:
    if (file != NULL)
        fclose(file);
    if (status != LNL_OK)
        unlink(temp_path);
    free(temp_path);
    return status;
}
