/* Tests of the data set container and the CSV reader and writer.
 *
 * Each test writes its input files into a fresh mkdtemp folder, so the
 * bytes under test are visible in the test itself. The two real data sets
 * come from experiments/data.
 */
#include "lnl/dataset.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TEST_FILES_DIR_PREFIX "lnl_test_csv"
#include "test_files.h"

static size_t count_entries(const char *folder)
{
    DIR *listing = opendir(folder);
    assert_non_null(listing);
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(listing)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            count++;
    }
    closedir(listing);
    return count;
}

/* Returns the first MiB of a file as text, enough for the files written here. */
static char *read_file_start(const char *path)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    char *text = calloc(1 << 20, 1);
    assert_non_null(text);
    size_t length = fread(text, 1, (1 << 20) - 1, file);
    text[length] = '\0';
    fclose(file);
    return text;
}

static lnl_dataset *read_ok(const char *path, const char *label_column)
{
    lnl_csv_options options = {.label_column = label_column};
    lnl_dataset *data = NULL;
    lnl_error err;
    lnl_status status = lnl_csv_read(path, &options, &data, &err);
    check_read_succeeded(path, status, &err, data);
    return data;
}

/* Reads a file that must fail and checks the outputs with check_read_failed. */
static void check_read_error(const char *path, const char *label_column, lnl_status status,
                             long line, const char *const *words)
{
    lnl_csv_options options = {.label_column = label_column};
    lnl_dataset sentinel;
    lnl_dataset *data = &sentinel;
    lnl_error err;

    lnl_status actual = lnl_csv_read(path, &options, &data, &err);
    check_read_failed(path, actual, &err, data, status, line, words);
}

/* ---- data set container ----------------------------------------------- */

static void dataset_create_sets_default_names(void **state)
{
    (void)state;
    lnl_dataset *data = lnl_dataset_create(3, 2, 4);
    assert_non_null(data);
    assert_int_equal(data->n_rows, 3);
    assert_int_equal(data->n_features, 2);
    assert_int_equal(data->n_classes, 4);
    for (size_t i = 0; i < 6; i++)
        check_double(data->X[i], 0.0, "X entry");
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(data->y[i], 0);
    assert_string_equal(data->feature_names[0], "x0");
    assert_string_equal(data->feature_names[1], "x1");
    assert_string_equal(data->class_names[0], "0");
    assert_string_equal(data->class_names[3], "3");
    lnl_dataset_destroy(data);
}

static void dataset_create_rejects_overflowing_size(void **state)
{
    (void)state;
    assert_null(lnl_dataset_create(SIZE_MAX / 4, 4, 2));
}

static void dataset_destroy_accepts_null(void **state)
{
    (void)state;
    lnl_dataset_destroy(NULL);
}

static void dataset_set_names_copies_text(void **state)
{
    (void)state;
    lnl_dataset *data = lnl_dataset_create(1, 2, 2);
    assert_non_null(data);
    char name[] = "weight";
    assert_int_equal(lnl_dataset_set_feature_name(data, 1, name), LNL_OK);
    assert_int_equal(lnl_dataset_set_class_name(data, 0, "benign"), LNL_OK);
    name[0] = 'h';
    assert_string_equal(data->feature_names[1], "weight");
    assert_string_equal(data->feature_names[0], "x0");
    assert_string_equal(data->class_names[0], "benign");
    assert_string_equal(data->class_names[1], "1");
    lnl_dataset_destroy(data);
}

static void dataset_set_name_rejects_bad_index(void **state)
{
    (void)state;
    lnl_dataset *data = lnl_dataset_create(1, 2, 2);
    assert_non_null(data);
    assert_int_equal(lnl_dataset_set_feature_name(data, 2, "z"), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_dataset_set_class_name(data, 2, "z"), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_dataset_set_class_name(data, 0, NULL), LNL_ERR_ARGUMENT);
    assert_string_equal(data->class_names[0], "0");
    lnl_dataset_destroy(data);
}

static void dataset_class_counts_per_class(void **state)
{
    (void)state;
    lnl_dataset *data = lnl_dataset_create(6, 1, 3);
    assert_non_null(data);
    const int labels[6] = {2, 0, 2, 2, 0, 2};
    memcpy(data->y, labels, sizeof labels);
    size_t counts[3] = {99, 99, 99};
    lnl_dataset_class_counts(data, counts);
    assert_int_equal(counts[0], 2);
    assert_int_equal(counts[1], 0);
    assert_int_equal(counts[2], 4);
    lnl_dataset_destroy(data);
}

/* ---- reading valid files ---------------------------------------------- */

static void csv_reads_values_and_text_labels(void **state)
{
    const char *path = write_text(*state, "basic.csv",
                                  "a,b,label\n"
                                  "1.5,-2,cat\n"
                                  "0,1e3,dog\n"
                                  "-0.25,7,cat\n");
    lnl_dataset *data = read_ok(path, NULL);

    assert_int_equal(data->n_rows, 3);
    assert_int_equal(data->n_features, 2);
    assert_int_equal(data->n_classes, 2);
    const double expected[6] = {1.5, -2.0, 0.0, 1000.0, -0.25, 7.0};
    for (size_t i = 0; i < 6; i++)
        check_double(data->X[i], expected[i], "X entry");
    assert_int_equal(data->y[0], 0);
    assert_int_equal(data->y[1], 1);
    assert_int_equal(data->y[2], 0);
    assert_string_equal(data->class_names[0], "cat");
    assert_string_equal(data->class_names[1], "dog");
    assert_string_equal(data->feature_names[0], "a");
    assert_string_equal(data->feature_names[1], "b");
    lnl_dataset_destroy(data);
}

static void csv_numeric_labels_sort_by_value(void **state)
{
    /* Bytewise order would be "-1" < "10" < "2". */
    const char *path = write_text(*state, "numeric.csv",
                                  "x,y\n"
                                  "1,10\n"
                                  "2,-1\n"
                                  "3,2\n"
                                  "4,10\n");
    lnl_dataset *data = read_ok(path, NULL);

    assert_int_equal(data->n_classes, 3);
    assert_string_equal(data->class_names[0], "-1");
    assert_string_equal(data->class_names[1], "2");
    assert_string_equal(data->class_names[2], "10");
    const int expected[4] = {2, 0, 1, 2};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(data->y[i], expected[i]);
    lnl_dataset_destroy(data);
}

static void csv_numeric_labels_merge_equal_values(void **state)
{
    const char *path = write_text(*state, "merge.csv",
                                  "x,y\n"
                                  "1,+1\n"
                                  "2,1.0\n"
                                  "3,-1\n"
                                  "4,1\n"
                                  "5,0.5\n");
    lnl_dataset *data = read_ok(path, NULL);

    assert_int_equal(data->n_classes, 3);
    assert_string_equal(data->class_names[0], "-1");
    assert_string_equal(data->class_names[1], "0.5");
    assert_string_equal(data->class_names[2], "1");
    const int expected[5] = {2, 2, 0, 2, 1};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(data->y[i], expected[i]);
    lnl_dataset_destroy(data);
}

static void csv_mixed_labels_sort_bytewise(void **state)
{
    const char *path = write_text(*state, "mixed.csv",
                                  "x,y\n"
                                  "1,b\n"
                                  "2,10\n"
                                  "3,9\n"
                                  "4,B\n");
    lnl_dataset *data = read_ok(path, NULL);

    assert_int_equal(data->n_classes, 4);
    assert_string_equal(data->class_names[0], "10");
    assert_string_equal(data->class_names[1], "9");
    assert_string_equal(data->class_names[2], "B");
    assert_string_equal(data->class_names[3], "b");
    const int expected[4] = {3, 0, 1, 2};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(data->y[i], expected[i]);
    lnl_dataset_destroy(data);
}

static void csv_label_column_chosen_by_name(void **state)
{
    const char *path = write_text(*state, "middle.csv",
                                  "a,kind,b\n"
                                  "1,x,2\n"
                                  "3,y,4\n");
    lnl_dataset *data = read_ok(path, "kind");

    assert_int_equal(data->n_features, 2);
    assert_string_equal(data->feature_names[0], "a");
    assert_string_equal(data->feature_names[1], "b");
    const double expected[4] = {1.0, 2.0, 3.0, 4.0};
    for (size_t i = 0; i < 4; i++)
        check_double(data->X[i], expected[i], "X entry");
    assert_string_equal(data->class_names[0], "x");
    assert_int_equal(data->y[1], 1);
    lnl_dataset_destroy(data);
}

static void csv_quoted_fields_keep_commas_quotes(void **state)
{
    const char *path = write_text(*state, "quoted.csv",
                      "\"a,1\",\"say \"\"hi\"\"\",label\n"
                      "\"1.5\",2,\"x, y\"\n"
                      "3,\" 4 \",\"say \"\"z\"\"\"\n");
    lnl_dataset *data = read_ok(path, NULL);
    assert_string_equal(data->feature_names[0], "a,1");
    assert_string_equal(data->feature_names[1], "say \"hi\"");
    const double expected[4] = {1.5, 2.0, 3.0, 4.0};
    for (size_t i = 0; i < 4; i++)
        check_double(data->X[i], expected[i], "X entry");
    assert_string_equal(data->class_names[0], "say \"z\"");
    assert_string_equal(data->class_names[1], "x, y");
    assert_int_equal(data->y[0], 1);
    assert_int_equal(data->y[1], 0);
    lnl_dataset_destroy(data);
}

static void csv_quoted_line_break_counts_lines(void **state)
{
    const char *path = write_text(*state, "multiline.csv",
                                  "a,label\n"
                                  "1,\"two\n"
                                  "lines\"\n"
                                  "2,b\n");
    lnl_dataset *data = read_ok(path, NULL);
    assert_int_equal(data->n_rows, 2);
    assert_string_equal(data->class_names[0], "b");
    assert_string_equal(data->class_names[1], "two\nlines");
    lnl_dataset_destroy(data);

    path = write_text(*state, "multiline_bad.csv",
                      "a,label\n"
                      "1,\"two\n"
                      "lines\"\n"
                      "zz,b\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 4, WORDS("\"zz\""));
}

static void csv_crlf_bom_and_empty_lines(void **state)
{
    const char *path = write_text(*state, "windows.csv",
                                  "\xEF\xBB\xBF"
                                  "a,b,label\r\n"
                                  "\r\n"
                                  "1,2,x\r\n"
                                  "\n"
                                  "3,4,y\r\n"
                                  "\r\n");
    lnl_dataset *data = read_ok(path, "label");
    assert_int_equal(data->n_rows, 2);
    assert_string_equal(data->feature_names[0], "a");
    assert_string_equal(data->class_names[0], "x");
    assert_string_equal(data->class_names[1], "y");
    const double expected[4] = {1.0, 2.0, 3.0, 4.0};
    for (size_t i = 0; i < 4; i++)
        check_double(data->X[i], expected[i], "X entry");
    lnl_dataset_destroy(data);

    /* Skipped lines still count, and the last line needs no line end. */
    path = write_text(*state, "windows_bad.csv",
                      "\xEF\xBB\xBF"
                      "a,label\r\n"
                      "\r\n"
                      "1,x\r\n"
                      "\r\n"
                      "2,y\r\n"
                      "bad,z");
    check_read_error(path, NULL, LNL_ERR_DATA, 6, WORDS("\"bad\""));
}

static void csv_blanks_around_numbers_accepted(void **state)
{
    const char *path = write_text(*state, "blanks.csv",
                                  "a,b,label\n"
                                  " 1.5 ,\t-2\t,x\n"
                                  "3,  4,y\n");
    lnl_dataset *data = read_ok(path, NULL);
    const double expected[4] = {1.5, -2.0, 3.0, 4.0};
    for (size_t i = 0; i < 4; i++)
        check_double(data->X[i], expected[i], "X entry");
    lnl_dataset_destroy(data);
}

static void csv_very_long_line_reads(void **state)
{
    enum { N_FEATURES = 50000 };
    size_t capacity = (size_t)N_FEATURES * 40 + 64;
    char *content = malloc(capacity);
    assert_non_null(content);
    size_t length = 0;
    for (size_t j = 0; j < N_FEATURES; j++)
        length += (size_t)snprintf(content + length, capacity - length, "feature_%zu,", j);
    length += (size_t)snprintf(content + length, capacity - length, "label\n");
    for (int row = 0; row < 2; row++) {
        for (size_t j = 0; j < N_FEATURES; j++)
            length += (size_t)snprintf(content + length, capacity - length, "%.1f,",
                                       (double)j * 0.5 + row);
        length += (size_t)snprintf(content + length, capacity - length, "%s\n",
                                   row == 0 ? "a" : "b");
    }
    const char *path = write_bytes(*state, "long.csv", content, length);
    free(content);

    lnl_dataset *data = read_ok(path, NULL);
    assert_int_equal(data->n_rows, 2);
    assert_int_equal(data->n_features, N_FEATURES);
    assert_string_equal(data->feature_names[N_FEATURES - 1], "feature_49999");
    check_double(data->X[N_FEATURES - 1], 24999.5, "last value of row 1");
    check_double(data->X[2 * N_FEATURES - 1], 25000.5, "last value of row 2");
    assert_int_equal(data->y[1], 1);
    lnl_dataset_destroy(data);
}

/* ---- malformed files --------------------------------------------------- */

static void csv_ragged_row_names_line(void **state)
{
    const char *path = write_text(*state, "short.csv",
                                  "a,b,label\n"
                                  "1,2,x\n"
                                  "3,y\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 3, WORDS("expected 3", "found 2"));

    path = write_text(*state, "long_row.csv",
                      "a,b,label\n"
                      "1,2,x\n"
                      "3,4,y\n"
                      "5,6,z,7\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 4, WORDS("expected 3", "found 4"));
}

static void csv_non_numeric_value_quoted(void **state)
{
    const char *path = write_text(*state, "text.csv",
                                  "a,b,label\n"
                                  "1,abc,x\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 2,
                     WORDS("invalid number", "\"abc\"", "\"b\"", "column 2"));
}

static void csv_trailing_garbage_rejected(void **state)
{
    static const char *const values[] = {"1.5x", "1..5", "0x", "--1", "1e", "1 2", "x1"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char content[128];
        snprintf(content, sizeof content, "a,b,label\n1,2,x\n3,%s,y\n", values[i]);
        const char *path = write_text(*state, "garbage.csv", content);

        char quoted[32];
        snprintf(quoted, sizeof quoted, "\"%s\"", values[i]);
        check_read_error(path, NULL, LNL_ERR_DATA, 3, WORDS("invalid number", quoted, "column 2"));
    }
}

static void csv_empty_field_rejected(void **state)
{
    const char *path = write_text(*state, "empty_field.csv",
                                  "a,b,label\n"
                                  "1,,x\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 2, WORDS("empty value", "\"b\"", "column 2"));

    path = write_text(*state, "blank_field.csv",
                      "a,b,label\n"
                      "1,2,x\n"
                      "  ,2,x\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 3, WORDS("empty value", "\"a\"", "column 1"));

    path = write_text(*state, "quoted_empty_field.csv",
                      "\"a,1\",label\n"
                      "1,x\n"
                      "\"\",y\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 3, WORDS("empty value", "\"a,1\"", "column 1"));
}

static void csv_nan_and_inf_rejected(void **state)
{
    static const char *const values[] = {"nan", "NaN", "inf", "-Infinity", "1e999"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char content[128];
        snprintf(content, sizeof content, "a,label\n1,x\n%s,y\n", values[i]);
        const char *path = write_text(*state, "nonfinite.csv", content);

        char quoted[32];
        snprintf(quoted, sizeof quoted, "\"%s\"", values[i]);
        check_read_error(path, NULL, LNL_ERR_DATA, 3,
                         WORDS("not a finite number", quoted, "\"a\"", "column 1"));
    }
}

static void csv_empty_file_rejected(void **state)
{
    static const char *const contents[] = {"", "\xEF\xBB\xBF", "\n\n\r\n"};
    for (size_t i = 0; i < sizeof contents / sizeof contents[0]; i++) {
        const char *path = write_text(*state, "empty.csv", contents[i]);
        check_read_error(path, NULL, LNL_ERR_DATA, 0, WORDS("empty"));
    }
}

static void csv_duplicate_header_names_rejected(void **state)
{
    const char *path = write_text(*state, "duplicate.csv",
                                  "\n"
                                  "a,b,a,b,label\n"
                                  "1,2,3,4,x\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 2,
                     WORDS("duplicate", "\"a\"", "columns 1 and 3"));
}

static void csv_empty_header_name_rejected(void **state)
{
    const char *path = write_text(*state, "unnamed.csv",
                                  "a,,label\n"
                                  "1,2,x\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 1, WORDS("column 2", "empty name"));
}

static void csv_single_column_rejected(void **state)
{
    const char *path = write_text(*state, "one_column.csv",
                                  "label\n"
                                  "x\n"
                                  "y\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 1, WORDS("only one column"));
}

static void csv_unknown_label_suggests_closest(void **state)
{
    const char *path = write_text(*state, "typo.csv",
                                  "radius,diagnosis\n"
                                  "1,x\n"
                                  "2,y\n");
    check_read_error(path, "diagnosys", LNL_ERR_DATA, 1,
                     WORDS("\"diagnosys\" not found", "did you mean \"diagnosis\"?"));
}

static void csv_unknown_label_lists_columns(void **state)
{
    const char *path = write_text(*state, "list.csv",
                                  "a,b,label\n"
                                  "1,2,x\n");
    check_read_error(path, "target", LNL_ERR_DATA, 1,
                     WORDS("\"target\" not found", "\"a\", \"b\", \"label\""));

    /* A wide header is listed in part, with a count of the rest. */
    char header[8192];
    size_t length = 0;
    for (int j = 0; j < 300; j++)
        length += (size_t)snprintf(header + length, sizeof header - length, "%scolumn_%d",
                                   j > 0 ? "," : "", j);
    snprintf(header + length, sizeof header - length, "\n");
    path = write_text(*state, "wide.csv", header);
    check_read_error(path, "target", LNL_ERR_DATA, 1,
                     WORDS("\"column_0\", \"column_1\"", "more"));
}

static void csv_single_class_rejected(void **state)
{
    const char *path = write_text(*state, "one_class.csv",
                                  "a,label\n"
                                  "1,x\n"
                                  "2,x\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 1,
                     WORDS("only one class", "\"x\"", "\"label\"", "column 2"));

    path = write_text(*state, "one_number.csv",
                      "a,label\n"
                      "1,+1\n"
                      "2,1.0\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 1, WORDS("only one class", "\"1\""));
}

static void csv_no_data_rows_rejected(void **state)
{
    const char *path = write_text(*state, "header_only.csv",
                                  "a,label\n"
                                  "\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 1, WORDS("no data rows"));
}

static void csv_nul_byte_rejected(void **state)
{
    static const char content[] = "a,label\n1,x\n2\0,y\n";
    const char *path = write_bytes(*state, "binary.csv", content, sizeof content - 1);
    check_read_error(path, NULL, LNL_ERR_DATA, 3, WORDS("NUL byte", "column 1", "binary"));
}

static void csv_unterminated_quote_rejected(void **state)
{
    const char *path = write_text(*state, "open_quote.csv",
                                  "a,label\n"
                                  "1,x\n"
                                  "2,\"y\n"
                                  "3,z\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 3, WORDS("column 2", "no closing quote"));
}

static void csv_text_after_quote_rejected(void **state)
{
    const char *path = write_text(*state, "after_quote.csv",
                                  "a,label\n"
                                  "1,\"x\"y\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 2, WORDS("'y'", "after the closing quote"));
}

static void csv_empty_label_rejected(void **state)
{
    const char *path = write_text(*state, "no_label.csv",
                                  "a,label\n"
                                  "1,x\n"
                                  "2,\n");
    check_read_error(path, NULL, LNL_ERR_DATA, 3, WORDS("empty label", "\"label\"", "column 2"));
}

static void csv_missing_file_is_io_error(void **state)
{
    const char *path = temp_path(*state, "absent.csv");
    check_read_error(path, NULL, LNL_ERR_IO, 0, WORDS("failed to open", "No such file"));
}

static void csv_directory_is_io_error(void **state)
{
    temp_dir *dir = *state;
    check_read_error(dir->path, NULL, LNL_ERR_IO, 0, WORDS("directory"));
}

/* ---- writing ----------------------------------------------------------- */

static lnl_dataset *small_dataset(void)
{
    lnl_dataset *data = lnl_dataset_create(3, 2, 2);
    assert_non_null(data);
    const double values[6] = {0.1, -1e-300, 1.0 / 3.0, 12345678.9, -0.0, 1.7976931348623157e308};
    memcpy(data->X, values, sizeof values);
    data->y[0] = 1;
    data->y[1] = 0;
    data->y[2] = 1;
    assert_int_equal(lnl_dataset_set_feature_name(data, 0, "f1"), LNL_OK);
    assert_int_equal(lnl_dataset_set_feature_name(data, 1, "f2"), LNL_OK);
    assert_int_equal(lnl_dataset_set_class_name(data, 0, "no"), LNL_OK);
    assert_int_equal(lnl_dataset_set_class_name(data, 1, "yes"), LNL_OK);
    return data;
}

static void csv_write_round_trips_exactly(void **state)
{
    temp_dir *dir = *state;
    lnl_dataset *data = small_dataset();
    const char *path = temp_path(dir, "out.csv");
    lnl_error err;
    assert_int_equal(lnl_csv_write(path, data, "target", &err), LNL_OK);
    assert_int_equal(err.status, LNL_OK);
    assert_int_equal(count_entries(dir->path), 1);

    char *text = read_file_start(path);
    assert_true(strncmp(text, "f1,f2,target\n0.10000000000000001,", 33) == 0);
    free(text);

    lnl_dataset *back = read_ok(path, "target");
    assert_int_equal(back->n_rows, 3);
    assert_int_equal(back->n_features, 2);
    for (size_t i = 0; i < 6; i++)
        check_double(back->X[i], data->X[i], "X entry read back");
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(back->y[i], data->y[i]);
    assert_string_equal(back->class_names[0], "no");
    assert_string_equal(back->class_names[1], "yes");
    assert_string_equal(back->feature_names[1], "f2");
    lnl_dataset_destroy(back);
    lnl_dataset_destroy(data);
}

static void csv_write_quotes_special_names(void **state)
{
    temp_dir *dir = *state;
    lnl_dataset *data = small_dataset();
    assert_int_equal(lnl_dataset_set_feature_name(data, 0, "a,b"), LNL_OK);
    assert_int_equal(lnl_dataset_set_feature_name(data, 1, "q\"x"), LNL_OK);
    assert_int_equal(lnl_dataset_set_class_name(data, 0, "x, y"), LNL_OK);
    assert_int_equal(lnl_dataset_set_class_name(data, 1, "z\nw"), LNL_OK);
    const char *path = temp_path(dir, "quoted_out.csv");
    lnl_error err;
    assert_int_equal(lnl_csv_write(path, data, NULL, &err), LNL_OK);

    char *text = read_file_start(path);
    assert_true(strncmp(text, "\"a,b\",\"q\"\"x\",label\n", 19) == 0);
    free(text);

    lnl_dataset *back = read_ok(path, "label");
    assert_string_equal(back->feature_names[0], "a,b");
    assert_string_equal(back->feature_names[1], "q\"x");
    assert_string_equal(back->class_names[0], "x, y");
    assert_string_equal(back->class_names[1], "z\nw");
    assert_int_equal(back->y[0], 1);
    assert_int_equal(back->y[1], 0);
    lnl_dataset_destroy(back);
    lnl_dataset_destroy(data);
}

static void csv_write_replaces_existing_file(void **state)
{
    temp_dir *dir = *state;
    const char *path = write_text(dir, "replace.csv", "old content that is longer than the new\n");
    lnl_dataset *data = small_dataset();
    lnl_error err;
    assert_int_equal(lnl_csv_write(path, data, "target", &err), LNL_OK);
    assert_int_equal(count_entries(dir->path), 1);

    lnl_dataset *back = read_ok(path, "target");
    assert_int_equal(back->n_rows, 3);
    check_double(back->X[2], 1.0 / 3.0, "X entry read back");
    lnl_dataset_destroy(back);
    lnl_dataset_destroy(data);
}

static void csv_write_file_mode_follows_umask(void **state)
{
    temp_dir *dir = *state;
    lnl_dataset *data = small_dataset();
    const char *path = temp_path(dir, "mode.csv");
    mode_t previous = umask(027);
    lnl_error err;
    lnl_status status = lnl_csv_write(path, data, "target", &err);
    umask(previous);
    assert_int_equal(status, LNL_OK);

    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0640);
    lnl_dataset_destroy(data);
}

static void csv_write_missing_folder_fails_cleanly(void **state)
{
    temp_dir *dir = *state;
    lnl_dataset *data = small_dataset();
    char path[PATH_SIZE];
    int length = snprintf(path, sizeof path, "%s/missing/out.csv", dir->path);
    assert_true(length > 0 && (size_t)length < sizeof path);
    lnl_error err;
    assert_int_equal(lnl_csv_write(path, data, "target", &err), LNL_ERR_IO);
    assert_int_equal(err.status, LNL_ERR_IO);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, "temporary file"));
    assert_non_null(strstr(err.message, "No such file"));
    assert_int_equal(count_entries(dir->path), 0);
    lnl_dataset_destroy(data);
}

static void csv_write_onto_directory_removes_temp(void **state)
{
    temp_dir *dir = *state;
    const char *path = temp_path(dir, "taken");
    assert_int_equal(mkdir(path, 0755), 0);
    lnl_dataset *data = small_dataset();
    lnl_error err;
    assert_int_equal(lnl_csv_write(path, data, "target", &err), LNL_ERR_IO);
    assert_non_null(strstr(err.message, "failed to rename"));

    /* Only the folder is left: the temporary file is gone. */
    assert_int_equal(count_entries(dir->path), 1);
    struct stat info;
    assert_int_equal(stat(path, &info), 0);
    assert_true(S_ISDIR(info.st_mode));
    lnl_dataset_destroy(data);
}

static void csv_write_rejects_unreadable_data(void **state)
{
    temp_dir *dir = *state;
    const char *path = temp_path(dir, "rejected.csv");
    lnl_error err;

    lnl_dataset *data = small_dataset();
    data->X[3] = NAN;
    assert_int_equal(lnl_csv_write(path, data, "target", &err), LNL_ERR_ARGUMENT);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.message, "\"f2\" of data row 2"));
    assert_non_null(strstr(err.message, "finite"));
    lnl_dataset_destroy(data);

    data = small_dataset();
    assert_int_equal(lnl_csv_write(path, data, "f1", &err), LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "columns 1 and 3"));
    assert_non_null(strstr(err.message, "\"f1\""));

    data->y[2] = 2;
    assert_int_equal(lnl_csv_write(path, data, "target", &err), LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "label 2 of data row 3"));
    lnl_dataset_destroy(data);

    assert_int_equal(count_entries(dir->path), 0);
}

/* ---- the shipped data sets -------------------------------------------- */

static void csv_reads_breast_cancer_file(void **state)
{
    (void)state;
    lnl_dataset *data = read_ok(DATA_DIR "breast_cancer.csv", NULL);

    assert_int_equal(data->n_rows, 569);
    assert_int_equal(data->n_features, 30);
    assert_int_equal(data->n_classes, 2);
    assert_string_equal(data->class_names[0], "benign");
    assert_string_equal(data->class_names[1], "malignant");
    assert_string_equal(data->feature_names[0], "mean_radius");
    assert_string_equal(data->feature_names[29], "worst_fractal_dimension");

    check_double(data->X[0], 17.99, "row 1, mean_radius");
    check_double(data->X[1], 10.38, "row 1, mean_texture");
    check_double(data->X[29], 0.1189, "row 1, worst_fractal_dimension");
    assert_int_equal(data->y[0], 1);
    check_double(data->X[568 * 30 + 0], 7.76, "row 569, mean_radius");
    check_double(data->X[568 * 30 + 29], 0.07039, "row 569, worst_fractal_dimension");
    assert_int_equal(data->y[568], 0);

    size_t counts[2];
    lnl_dataset_class_counts(data, counts);
    assert_int_equal(counts[0], 357);
    assert_int_equal(counts[1], 212);
    lnl_dataset_destroy(data);
}

static void csv_reads_digits_file(void **state)
{
    (void)state;
    lnl_dataset *data = read_ok(DATA_DIR "digits.csv", "digit");

    assert_int_equal(data->n_rows, 1797);
    assert_int_equal(data->n_features, 64);
    assert_int_equal(data->n_classes, 10);
    for (size_t k = 0; k < 10; k++) {
        char name[4];
        snprintf(name, sizeof name, "%zu", k);
        assert_string_equal(data->class_names[k], name);
    }
    assert_string_equal(data->feature_names[0], "pixel_0_0");
    assert_string_equal(data->feature_names[63], "pixel_7_7");

    check_double(data->X[2], 5.0, "row 1, pixel_0_2");
    check_double(data->X[3], 13.0, "row 1, pixel_0_3");
    check_double(data->X[63], 0.0, "row 1, pixel_7_7");
    assert_int_equal(data->y[0], 0);
    check_double(data->X[1796 * 64 + 3], 14.0, "row 1797, pixel_0_3");
    assert_int_equal(data->y[1796], 8);

    const size_t expected[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
    size_t counts[10];
    lnl_dataset_class_counts(data, counts);
    for (size_t k = 0; k < 10; k++)
        assert_int_equal(counts[k], expected[k]);
    lnl_dataset_destroy(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dataset_create_sets_default_names),
        cmocka_unit_test(dataset_create_rejects_overflowing_size),
        cmocka_unit_test(dataset_destroy_accepts_null),
        cmocka_unit_test(dataset_set_names_copies_text),
        cmocka_unit_test(dataset_set_name_rejects_bad_index),
        cmocka_unit_test(dataset_class_counts_per_class),
        TEMP_TEST(csv_reads_values_and_text_labels),
        TEMP_TEST(csv_numeric_labels_sort_by_value),
        TEMP_TEST(csv_numeric_labels_merge_equal_values),
        TEMP_TEST(csv_mixed_labels_sort_bytewise),
        TEMP_TEST(csv_label_column_chosen_by_name),
        TEMP_TEST(csv_quoted_fields_keep_commas_quotes),
        TEMP_TEST(csv_quoted_line_break_counts_lines),
        TEMP_TEST(csv_crlf_bom_and_empty_lines),
        TEMP_TEST(csv_blanks_around_numbers_accepted),
        TEMP_TEST(csv_very_long_line_reads),
        TEMP_TEST(csv_ragged_row_names_line),
        TEMP_TEST(csv_non_numeric_value_quoted),
        TEMP_TEST(csv_trailing_garbage_rejected),
        TEMP_TEST(csv_empty_field_rejected),
        TEMP_TEST(csv_nan_and_inf_rejected),
        TEMP_TEST(csv_empty_file_rejected),
        TEMP_TEST(csv_duplicate_header_names_rejected),
        TEMP_TEST(csv_empty_header_name_rejected),
        TEMP_TEST(csv_single_column_rejected),
        TEMP_TEST(csv_unknown_label_suggests_closest),
        TEMP_TEST(csv_unknown_label_lists_columns),
        TEMP_TEST(csv_single_class_rejected),
        TEMP_TEST(csv_no_data_rows_rejected),
        TEMP_TEST(csv_nul_byte_rejected),
        TEMP_TEST(csv_unterminated_quote_rejected),
        TEMP_TEST(csv_text_after_quote_rejected),
        TEMP_TEST(csv_empty_label_rejected),
        TEMP_TEST(csv_missing_file_is_io_error),
        TEMP_TEST(csv_directory_is_io_error),
        TEMP_TEST(csv_write_round_trips_exactly),
        TEMP_TEST(csv_write_quotes_special_names),
        TEMP_TEST(csv_write_replaces_existing_file),
        TEMP_TEST(csv_write_file_mode_follows_umask),
        TEMP_TEST(csv_write_missing_folder_fails_cleanly),
        TEMP_TEST(csv_write_onto_directory_removes_temp),
        TEMP_TEST(csv_write_rejects_unreadable_data),
        cmocka_unit_test(csv_reads_breast_cancer_file),
        cmocka_unit_test(csv_reads_digits_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
