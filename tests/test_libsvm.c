/* Tests of the LIBSVM / SVMlight reader.
 *
 * Each test writes its input into a fresh mkdtemp folder. The real data
 * sets in experiments/data are converted to LIBSVM text here and must read
 * back equal to what the CSV reader returns.
 */
#include "lnl/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define TEST_FILES_DIR_PREFIX "lnl_test_libsvm"
#include "test_files.h"

static void check_values(const lnl_dataset *data, const double *expected, size_t count)
{
    assert_int_equal(data->n_rows * data->n_features, count);
    for (size_t i = 0; i < count; i++) {
        char description[64];
        snprintf(description, sizeof description, "X entry %zu", i);
        check_double(data->X[i], expected[i], description);
    }
}

static lnl_dataset *read_ok(const char *path, size_t n_features)
{
    lnl_dataset *data = NULL;
    lnl_error err;
    lnl_status status = lnl_libsvm_read(path, n_features, &data, &err);
    check_read_succeeded(path, status, &err, data);
    return data;
}

/* Reads a file that must fail and checks the outputs with check_read_failed. */
static void check_read_error(const char *path, size_t n_features, lnl_status status, long line,
                             const char *const *words)
{
    lnl_dataset sentinel;
    lnl_dataset *data = &sentinel;
    lnl_error err;

    lnl_status actual = lnl_libsvm_read(path, n_features, &data, &err);
    check_read_failed(path, actual, &err, data, status, line, words);
}

/* Writes a three-line file whose second line is bad_line, so errors are on line 2. */
static const char *write_with_bad_line(temp_dir *dir, const char *bad_line)
{
    char content[256];
    snprintf(content, sizeof content, "1 1:1 2:2\n%s\n-1 1:3\n", bad_line);
    return write_text(dir, "bad.svm", content);
}

/* ---- reading valid files ---------------------------------------------- */

static void libsvm_reads_sparse_rows_densely(void **state)
{
    const char *path = write_text(*state, "basic.svm",
                                  "+1 1:0.5 3:-2\n"
                                  "-1 2:1e-3\n"
                                  "+1 1:1 2:2 3:3\n");
    lnl_dataset *data = read_ok(path, 0);

    assert_int_equal(data->n_rows, 3);
    assert_int_equal(data->n_features, 3);
    assert_int_equal(data->n_classes, 2);
    const double expected[9] = {0.5, 0.0, -2.0, 0.0, 1e-3, 0.0, 1.0, 2.0, 3.0};
    check_values(data, expected, 9);
    assert_string_equal(data->class_names[0], "-1");
    assert_string_equal(data->class_names[1], "1");
    assert_int_equal(data->y[0], 1);
    assert_int_equal(data->y[1], 0);
    assert_int_equal(data->y[2], 1);
    assert_string_equal(data->feature_names[0], "x1");
    assert_string_equal(data->feature_names[2], "x3");
    lnl_dataset_destroy(data);
}

static void libsvm_labels_sort_by_value(void **state)
{
    const char *path = write_text(*state, "multiclass.svm",
                                  "10 1:1\n"
                                  "2 1:2\n"
                                  "1 1:3\n"
                                  "2.0 1:4\n"
                                  "+1 1:5\n");
    lnl_dataset *data = read_ok(path, 0);

    assert_int_equal(data->n_classes, 3);
    assert_string_equal(data->class_names[0], "1");
    assert_string_equal(data->class_names[1], "2");
    assert_string_equal(data->class_names[2], "10");
    const int expected[5] = {2, 1, 0, 1, 0};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(data->y[i], expected[i]);
    lnl_dataset_destroy(data);
}

static void libsvm_given_n_features_pads_zeros(void **state)
{
    const char *path = write_text(*state, "narrow.svm",
                                  "1 2:7\n"
                                  "0 1:-1\n");
    lnl_dataset *data = read_ok(path, 4);

    assert_int_equal(data->n_features, 4);
    const double expected[8] = {0.0, 7.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0};
    check_values(data, expected, 8);
    assert_string_equal(data->feature_names[3], "x4");
    lnl_dataset_destroy(data);
}

static void libsvm_comments_and_blank_lines_skipped(void **state)
{
    const char *path = write_text(*state, "comments.svm",
                                  "# written by hand\n"
                                  "\n"
                                  "1 1:1 2:2 # first row\n"
                                  "   \t\n"
                                  "-1 2:4#no space before the comment\n");
    lnl_dataset *data = read_ok(path, 0);
    assert_int_equal(data->n_rows, 2);
    const double expected[4] = {1.0, 2.0, 0.0, 4.0};
    check_values(data, expected, 4);
    lnl_dataset_destroy(data);

    /* Skipped lines still count in the line numbers of errors. */
    path = write_text(*state, "comments_bad.svm",
                      "# written by hand\n"
                      "\n"
                      "1 1:1 2:2 # first row\n"
                      "   \t\n"
                      "-1 2:4\n"
                      "1 2:x\n");
    check_read_error(path, 0, LNL_ERR_DATA, 6, WORDS("\"x\""));
}

static void libsvm_crlf_line_ends_accepted(void **state)
{
    const char *path = write_text(*state, "windows.svm",
                                  "1 1:1.5\r\n"
                                  "\r\n"
                                  "-1 2:2.5\r\n");
    lnl_dataset *data = read_ok(path, 0);
    const double expected[4] = {1.5, 0.0, 0.0, 2.5};
    check_values(data, expected, 4);
    lnl_dataset_destroy(data);
}

static void libsvm_qid_is_ignored(void **state)
{
    const char *path = write_text(*state, "ranking.svm",
                                  "3 qid:1 1:0.5 2:1\n"
                                  "1 qid:1 2:2\n");
    lnl_dataset *data = read_ok(path, 0);
    assert_int_equal(data->n_features, 2);
    const double expected[4] = {0.5, 1.0, 0.0, 2.0};
    check_values(data, expected, 4);
    assert_string_equal(data->class_names[1], "3");
    lnl_dataset_destroy(data);
}

static void libsvm_row_without_pairs_is_zero(void **state)
{
    const char *path = write_text(*state, "empty_row.svm",
                                  "1\n"
                                  "-1 2:3\n");
    lnl_dataset *data = read_ok(path, 0);
    const double expected[4] = {0.0, 0.0, 0.0, 3.0};
    check_values(data, expected, 4);
    assert_int_equal(data->y[0], 1);
    lnl_dataset_destroy(data);
}

static void libsvm_very_long_line_reads(void **state)
{
    enum { N_FEATURES = 100000 };
    size_t capacity = (size_t)N_FEATURES * 20 + 64;
    char *content = malloc(capacity);
    assert_non_null(content);
    size_t length = (size_t)snprintf(content, capacity, "1");
    for (size_t j = 1; j <= N_FEATURES; j++)
        length += (size_t)snprintf(content + length, capacity - length, " %zu:%zu.25", j, j);
    length += (size_t)snprintf(content + length, capacity - length, "\n-1 7:1\n");
    assert_true(length < capacity);
    const char *path = write_bytes(*state, "long.svm", content, length);
    free(content);

    lnl_dataset *data = read_ok(path, 0);
    assert_int_equal(data->n_features, N_FEATURES);
    check_double(data->X[0], 1.25, "row 1, x1");
    check_double(data->X[N_FEATURES - 1], 100000.25, "row 1, last feature");
    check_double(data->X[N_FEATURES + 6], 1.0, "row 2, x7");
    check_double(data->X[N_FEATURES + 7], 0.0, "row 2, x8");
    lnl_dataset_destroy(data);
}

/* ---- malformed files --------------------------------------------------- */

static void libsvm_index_zero_rejected(void **state)
{
    const char *path = write_with_bad_line(*state, "1 0:1 2:2");
    check_read_error(path, 0, LNL_ERR_DATA, 2, WORDS("index 0", "start at 1"));
}

static void libsvm_decreasing_index_rejected(void **state)
{
    const char *path = write_with_bad_line(*state, "1 3:1 2:2");
    check_read_error(path, 0, LNL_ERR_DATA, 2, WORDS("index 2 comes after index 3", "increase"));
}

static void libsvm_duplicate_index_rejected(void **state)
{
    const char *path = write_with_bad_line(*state, "1 2:1 2:2");
    check_read_error(path, 0, LNL_ERR_DATA, 2, WORDS("duplicate feature index 2"));
}

static void libsvm_missing_colon_rejected(void **state)
{
    const char *path = write_with_bad_line(*state, "1 1:1 2 3:1");
    check_read_error(path, 0, LNL_ERR_DATA, 2, WORDS("missing colon", "\"2\""));
}

static void libsvm_invalid_index_rejected(void **state)
{
    static const char *const lines[] = {"1 a:1", "1 -1:2", "1 1.5:2", "1 :3", "1 +2:1",
                                        "1 99999999999999999999999:1"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *path = write_with_bad_line(*state, lines[i]);
        check_read_error(path, 0, LNL_ERR_DATA, 2, WORDS("invalid feature index", lines[i] + 2));
    }
}

static void libsvm_invalid_value_rejected(void **state)
{
    static const char *const lines[] = {"1 1:abc", "1 1:1.5x", "1 1:", "1 1:1:2"};
    static const char *const quoted[] = {"\"abc\"", "\"1.5x\"", "\"\"", "\"1:2\""};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *path = write_with_bad_line(*state, lines[i]);
        check_read_error(path, 0, LNL_ERR_DATA, 2,
                         WORDS("invalid value", quoted[i], "feature index 1"));
    }
}

static void libsvm_nonfinite_value_rejected(void **state)
{
    static const char *const lines[] = {"1 2:nan", "1 2:-inf", "1 2:1e999"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *path = write_with_bad_line(*state, lines[i]);
        check_read_error(path, 0, LNL_ERR_DATA, 2,
                         WORDS("not a finite number", lines[i] + 4, "feature index 2"));
    }
}

static void libsvm_invalid_label_rejected(void **state)
{
    static const char *const lines[] = {"abc 1:1", "1x 1:1", "nan 1:1", "1:1 2:2"};
    static const char *const quoted[] = {"\"abc\"", "\"1x\"", "\"nan\"", "\"1:1\""};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        const char *path = write_with_bad_line(*state, lines[i]);
        check_read_error(path, 0, LNL_ERR_DATA, 2, WORDS("invalid label", quoted[i]));
    }
}

static void libsvm_index_above_n_features_rejected(void **state)
{
    const char *path = write_text(*state, "too_wide.svm",
                                  "1 1:1 2:2\n"
                                  "-1 1:1 3:2\n");
    check_read_error(path, 2, LNL_ERR_DATA, 2, WORDS("index 3", "n_features = 2"));
}

static void libsvm_empty_file_rejected(void **state)
{
    static const char *const contents[] = {"", "\n\n", "# only a comment\n  \n"};
    for (size_t i = 0; i < sizeof contents / sizeof contents[0]; i++) {
        const char *path = write_text(*state, "empty.svm", contents[i]);
        check_read_error(path, 0, LNL_ERR_DATA, 0, WORDS("no data lines"));
    }
}

static void libsvm_single_class_rejected(void **state)
{
    const char *path = write_text(*state, "one_class.svm",
                                  "# one class written three ways\n"
                                  "+1 1:1\n"
                                  "1 1:2\n"
                                  "1.0 2:3\n");
    check_read_error(path, 0, LNL_ERR_DATA, 2, WORDS("label 1", "at least 2 classes"));
}

static void libsvm_no_pairs_without_n_features(void **state)
{
    const char *path = write_text(*state, "labels_only.svm",
                                  "1\n"
                                  "-1\n");
    check_read_error(path, 0, LNL_ERR_DATA, 1, WORDS("index:value", "n_features"));
}

static void libsvm_nul_byte_rejected(void **state)
{
    static const char content[] = "1 1:1\n-1 1:\0\n";
    const char *path = write_bytes(*state, "binary.svm", content, sizeof content - 1);
    check_read_error(path, 0, LNL_ERR_DATA, 2, WORDS("NUL byte", "binary"));
}

static void libsvm_missing_file_is_io_error(void **state)
{
    const char *path = temp_path(*state, "absent.svm");
    check_read_error(path, 0, LNL_ERR_IO, 0, WORDS("failed to open", "No such file"));
}

static void libsvm_directory_is_io_error(void **state)
{
    temp_dir *dir = *state;
    check_read_error(dir->path, 0, LNL_ERR_IO, 0, WORDS("directory"));
}

/* ---- the shipped data sets in LIBSVM form ----------------------------- */

/* Writes data as LIBSVM text with class k labelled labels[k], leaving out
 * zero entries, and returns the path. */
static const char *write_as_libsvm(temp_dir *dir, const lnl_dataset *data,
                                   const char *const *labels)
{
    const char *path = temp_path(dir, "converted.svm");
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    for (size_t i = 0; i < data->n_rows; i++) {
        fputs(labels[data->y[i]], file);
        for (size_t j = 0; j < data->n_features; j++) {
            double value = data->X[i * data->n_features + j];
            if (value != 0.0)
                fprintf(file, " %zu:%.17g", j + 1, value);
        }
        fputs(i % 2 == 0 ? "\n" : " # odd row\n", file);
    }
    assert_int_equal(fclose(file), 0);
    return path;
}

static void check_same_data(const lnl_dataset *actual, const lnl_dataset *expected)
{
    assert_int_equal(actual->n_rows, expected->n_rows);
    assert_int_equal(actual->n_features, expected->n_features);
    assert_int_equal(actual->n_classes, expected->n_classes);
    check_values(actual, expected->X, expected->n_rows * expected->n_features);
    for (size_t i = 0; i < expected->n_rows; i++)
        assert_int_equal(actual->y[i], expected->y[i]);
}

static void libsvm_matches_csv_breast_cancer(void **state)
{
    lnl_csv_options options = {.label_column = "diagnosis"};
    lnl_dataset *csv = NULL;
    lnl_error err;
    assert_int_equal(lnl_csv_read(DATA_DIR "breast_cancer.csv", &options, &csv, &err), LNL_OK);

    /* benign is class 0 in the CSV and -1 sorts first here. */
    const char *const labels[2] = {"-1", "+1"};
    const char *path = write_as_libsvm(*state, csv, labels);
    lnl_dataset *data = read_ok(path, 30);

    check_same_data(data, csv);
    check_double(data->X[0], 17.99, "row 1, x1");
    assert_string_equal(data->class_names[0], "-1");
    assert_string_equal(data->class_names[1], "1");
    lnl_dataset_destroy(data);
    lnl_dataset_destroy(csv);
}

static void libsvm_matches_csv_digits(void **state)
{
    lnl_csv_options options = {.label_column = "digit"};
    lnl_dataset *csv = NULL;
    lnl_error err;
    assert_int_equal(lnl_csv_read(DATA_DIR "digits.csv", &options, &csv, &err), LNL_OK);

    /* Pixels 1, 33 and 40 are 0 in every row, so their columns exist only
     * because the largest index, 64, is seen. */
    const char *const labels[10] = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
    const char *path = write_as_libsvm(*state, csv, labels);
    lnl_dataset *data = read_ok(path, 0);

    check_same_data(data, csv);
    check_double(data->X[3], 13.0, "row 1, x4");
    for (size_t k = 0; k < 10; k++)
        assert_string_equal(data->class_names[k], labels[k]);
    lnl_dataset_destroy(data);
    lnl_dataset_destroy(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEMP_TEST(libsvm_reads_sparse_rows_densely),
        TEMP_TEST(libsvm_labels_sort_by_value),
        TEMP_TEST(libsvm_given_n_features_pads_zeros),
        TEMP_TEST(libsvm_comments_and_blank_lines_skipped),
        TEMP_TEST(libsvm_crlf_line_ends_accepted),
        TEMP_TEST(libsvm_qid_is_ignored),
        TEMP_TEST(libsvm_row_without_pairs_is_zero),
        TEMP_TEST(libsvm_very_long_line_reads),
        TEMP_TEST(libsvm_index_zero_rejected),
        TEMP_TEST(libsvm_decreasing_index_rejected),
        TEMP_TEST(libsvm_duplicate_index_rejected),
        TEMP_TEST(libsvm_missing_colon_rejected),
        TEMP_TEST(libsvm_invalid_index_rejected),
        TEMP_TEST(libsvm_invalid_value_rejected),
        TEMP_TEST(libsvm_nonfinite_value_rejected),
        TEMP_TEST(libsvm_invalid_label_rejected),
        TEMP_TEST(libsvm_index_above_n_features_rejected),
        TEMP_TEST(libsvm_empty_file_rejected),
        TEMP_TEST(libsvm_single_class_rejected),
        TEMP_TEST(libsvm_no_pairs_without_n_features),
        TEMP_TEST(libsvm_nul_byte_rejected),
        TEMP_TEST(libsvm_missing_file_is_io_error),
        TEMP_TEST(libsvm_directory_is_io_error),
        TEMP_TEST(libsvm_matches_csv_breast_cancer),
        TEMP_TEST(libsvm_matches_csv_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
