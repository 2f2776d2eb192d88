/* Readers for the reference outputs under tests/fixtures/numpy_compat.
 *
 * The JSON files there are flat objects. Their values are numbers, true,
 * false, null, numbers written as strings ("0.5", printed with %.17g) or
 * lists of those. fixture_numbers finds a key and parses its value with
 * strtod, which rounds correctly, so %.17g strings come back bit for bit.
 * The CSV files have a header row, feature columns and an integer label in
 * the last column. The helpers fail the running cmocka test on any problem.
 */
#ifndef LNL_TESTS_NUMPY_FIXTURE_H
#define LNL_TESTS_NUMPY_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define FIXTURE_DIR LNL_SOURCE_DIR "/tests/fixtures/numpy_compat/"

/* Reads a whole fixture file into a NUL-terminated buffer that the caller
 * frees. */
static inline char *fixture_read_text(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s%s", FIXTURE_DIR, name);

    FILE *file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("cannot open fixture %s", path);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long size = ftell(file);
    assert_true(size >= 0);
    rewind(file);

    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
    text[size] = '\0';
    fclose(file);
    return text;
}

/* Returns a pointer to the value stored under key, or NULL when the key is
 * missing. */
static inline const char *fixture_value(const char *json, const char *key)
{
    char quoted[256];
    snprintf(quoted, sizeof quoted, "\"%s\"", key);

    const char *at = strstr(json, quoted);
    if (at == NULL)
        return NULL;
    at += strlen(quoted);
    while (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t' || *at == ':')
        at++;
    return at;
}

/* Parses one number (bare or quoted) at *cursor and moves past it. */
static inline double fixture_parse_number(const char **cursor)
{
    const char *at = *cursor;
    while (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t' || *at == '"')
        at++;

    char *end = NULL;
    double value = strtod(at, &end);
    if (end == at)
        fail_msg("expected a number in a fixture at \"%.20s\"", at);
    if (*end == '"')
        end++;
    *cursor = end;
    return value;
}

/* Reads the number or list of numbers stored under key into values (at
 * most max entries) and returns how many there were. */
static inline size_t fixture_numbers(const char *json, const char *key, double *values,
                                     size_t max)
{
    const char *at = fixture_value(json, key);
    if (at == NULL)
        fail_msg("fixture has no key \"%s\"", key);

    if (*at != '[') {
        assert_true(max >= 1);
        values[0] = fixture_parse_number(&at);
        return 1;
    }

    size_t count = 0;
    at++;
    for (;;) {
        while (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t' || *at == ',')
            at++;
        if (*at == ']')
            return count;
        if (count == max)
            fail_msg("fixture list \"%s\" has more than %zu entries", key, max);
        values[count++] = fixture_parse_number(&at);
    }
}

/* Reads a single number stored under key. */
static inline double fixture_number(const char *json, const char *key)
{
    double value = 0.0;
    fixture_numbers(json, key, &value, 1);
    return value;
}

/* A CSV fixture: X is n_rows x n_features row-major, y the last column. */
typedef struct fixture_table {
    size_t n_rows;
    size_t n_features;
    double *X;
    int *y;
} fixture_table;

static inline fixture_table fixture_read_csv(const char *name)
{
    char *text = fixture_read_text(name);
    fixture_table table = {0};

    /* The header gives the column count, and every later line is a row. */
    char *line_end = strchr(text, '\n');
    assert_non_null(line_end);
    size_t n_columns = 1;
    for (const char *c = text; c < line_end; c++)
        n_columns += *c == ',';
    for (const char *c = line_end + 1; *c != '\0'; c++)
        table.n_rows += *c == '\n';
    table.n_features = n_columns - 1;

    table.X = malloc(table.n_rows * table.n_features * sizeof *table.X);
    table.y = malloc(table.n_rows * sizeof *table.y);
    assert_non_null(table.X);
    assert_non_null(table.y);

    const char *at = line_end + 1;
    for (size_t i = 0; i < table.n_rows; i++) {
        for (size_t j = 0; j < table.n_features; j++) {
            table.X[i * table.n_features + j] = fixture_parse_number(&at);
            assert_int_equal(*at, ',');
            at++;
        }
        table.y[i] = (int)fixture_parse_number(&at);
        assert_int_equal(*at, '\n');
        at++;
    }
    free(text);
    return table;
}

static inline void fixture_table_free(fixture_table *table)
{
    free(table->X);
    free(table->y);
}

#endif
