/* `lnl run` on every file under tests/bad_inputs: broken configs, CSV and
 * LIBSVM files must give exit code 2, a single line on stderr that names
 * the file and the line, and no output folder. Valid files with a
 * byte-order mark, CRLF line ends or quoted fields must run. */
#define _DEFAULT_SOURCE  /* before the first system header, for lnl_process.h */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lnl_process.h"

#define CORPUS LNL_SOURCE_DIR "/tests/bad_inputs"

typedef enum input_kind { INPUT_CONFIG, INPUT_CSV, INPUT_LIBSVM } input_kind;

/* One input and what lnl must print for it. */
typedef struct input_case {
    input_kind kind;
    const char *file;         /* under CORPUS/config, /csv or /libsvm, or an absolute path */
    const char *data_key;     /* data files: an extra line for the [data] section, or NULL */
    int exit_code;
    const char *where;        /* "file:line" that starts the message; NULL for exit code 0 */
    const char *message;      /* a part of the message */
} input_case;

/* A data file's case gets this config, data.ini, with its path after
 * "path = " on line 6 and data_key on line 5; [data d] is on line 3. */
static const char data_config[] =
    "[experiment]\n"
    "seeds = 2\n"
    "[data d]\n"
    "source = %s\n"
    "%s\n"
    "path = %s\n"
    "[noise n]\n"
    "type = symmetric\n"
    "rates = 0.1\n"
    "[method m]\n";

/* "@" in where stands for the data file's absolute path. */
static const input_case cases[] = {
    /* configs, run from CORPUS/config */
    {INPUT_CONFIG, "baseline_unknown.ini", NULL, 2, "baseline_unknown.ini:3",
     "there is no section [method cee]; did you mean \"ce\"?"},
    {INPUT_CONFIG, "binary_garbage.ini", NULL, 2, "binary_garbage.ini:1",
     "line contains a NUL byte"},
    {INPUT_CONFIG, "binary_model_three_classes.ini", NULL, 2,
     "binary_model_three_classes.ini:16", "model = binary in [method ce] needs 2 classes"},
    {INPUT_CONFIG, "boolean_invalid.ini", NULL, 2, "boolean_invalid.ini:7",
     "invalid value \"maybe\" for stratify"},
    {INPUT_CONFIG, "choice_misspelt.ini", NULL, 2, "choice_misspelt.ini:11",
     "did you mean \"exact\"?"},
    {INPUT_CONFIG, "comments_only.ini", NULL, 2, "comments_only.ini", "the config is empty"},
    {INPUT_CONFIG, "data_path_directory.ini", NULL, 2, "data_path_directory.ini:6",
     "[data blobs] path \".\": the path is a directory"},
    {INPUT_CONFIG, "data_path_missing.ini", NULL, 2, "data_path_missing.ini:6",
     "[data blobs] path \"no_such_file.libsvm\": failed to open the file: No such file or "
     "directory (relative paths are resolved against the working directory)"},
    {INPUT_CONFIG, "duplicate_key.ini", NULL, 2, "duplicate_key.ini:15",
     "duplicate key \"C\" in [method ce] (first set on line 14)"},
    {INPUT_CONFIG, "duplicate_rate.ini", NULL, 2, "duplicate_rate.ini:10",
     "rate 0.1 appears twice"},
    {INPUT_CONFIG, "duplicate_section.ini", NULL, 2, "duplicate_section.ini:15",
     "duplicate section [method ce] (first on line 12)"},
    {INPUT_CONFIG, "empty.ini", NULL, 2, "empty.ini", "the config is empty"},
    {INPUT_CONFIG, "empty_value.ini", NULL, 2, "empty_value.ini:14", "empty value for C"},
    {INPUT_CONFIG, "experiment_with_name.ini", NULL, 2, "experiment_with_name.ini:1",
     "section [experiment] takes no name"},
    {INPUT_CONFIG, "huge_integer.ini", NULL, 2, "huge_integer.ini:6",
     "invalid value \"99999999999999999999\" for n_samples"},
    {INPUT_CONFIG, "indented_scalar.ini", NULL, 2, "indented_scalar.ini:15",
     "unexpected indented line after key \"C\""},
    {INPUT_CONFIG, "inf_value.ini", NULL, 2, "inf_value.ini:7",
     "invalid value \"inf\" for flip_y"},
    {INPUT_CONFIG, "informative_above_features.ini", NULL, 2,
     "informative_above_features.ini:4", "must be at most n_features = 3"},
    {INPUT_CONFIG, "integer_not_a_number.ini", NULL, 2, "integer_not_a_number.ini:2",
     "invalid value \"three\" for seeds"},
    {INPUT_CONFIG, "invalid_section_name.ini", NULL, 2, "invalid_section_name.ini:12",
     "invalid section name \"c&e\""},
    {INPUT_CONFIG, "key_of_other_source.ini", NULL, 2, "key_of_other_source.ini:7",
     "key \"path\" does not apply to source = make_classification"},
    {INPUT_CONFIG, "key_outside_section.ini", NULL, 2, "key_outside_section.ini:1",
     "key \"seeds\" is outside any section"},
    {INPUT_CONFIG, "line_without_equals.ini", NULL, 2, "line_without_equals.ini:7",
     "expected \"key = value\" or a [section] header, found \"just some words\""},
    {INPUT_CONFIG, "long_line.ini", NULL, 2, "long_line.ini:14", "line too long"},
    {INPUT_CONFIG, "matrix_not_stochastic.ini", NULL, 2, "matrix_not_stochastic.ini:10",
     "row 1 sums to 1.1"},
    {INPUT_CONFIG, "matrix_with_rates.ini", NULL, 2, "matrix_with_rates.ini:10",
     "key \"rates\" does not apply to type = matrix"},
    {INPUT_CONFIG, "matrix_wrong_order.ini", NULL, 2, "matrix_wrong_order.ini:10",
     "matrix in [noise sym] is 3 x 3, but [data blobs] has n_classes = 2"},
    {INPUT_CONFIG, "missing_data_section.ini", NULL, 2, "missing_data_section.ini",
     "missing section [data NAME]"},
    {INPUT_CONFIG, "missing_method_section.ini", NULL, 2, "missing_method_section.ini",
     "missing section [method NAME]"},
    {INPUT_CONFIG, "missing_noise_section.ini", NULL, 2, "missing_noise_section.ini",
     "missing section [noise NAME]"},
    {INPUT_CONFIG, "missing_rates.ini", NULL, 2, "missing_rates.ini:8",
     "missing key \"rates\" in [noise sym]"},
    {INPUT_CONFIG, "missing_source.ini", NULL, 2, "missing_source.ini:4",
     "missing key \"source\" in [data blobs]"},
    {INPUT_CONFIG, "misspelt_experiment_key.ini", NULL, 2, "misspelt_experiment_key.ini:2",
     "unknown key \"seed\" in [experiment]; did you mean \"seeds\"?"},
    {INPUT_CONFIG, "nan_value.ini", NULL, 2, "nan_value.ini:14", "invalid value \"nan\" for C"},
    {INPUT_CONFIG, "negative_c.ini", NULL, 2, "negative_c.ini:14",
     "invalid value \"-1\" for C in [method ce]: expected a number > 0"},
    {INPUT_CONFIG, "negative_rate.ini", NULL, 2, "negative_rate.ini:10",
     "invalid value \"-0.1\" for rates"},
    {INPUT_CONFIG, "negative_seeds.ini", NULL, 2, "negative_seeds.ini:2",
     "invalid value \"-2\" for seeds"},
    {INPUT_CONFIG, "numpy_seed_too_large.ini", NULL, 2, "numpy_seed_too_large.ini:4",
     "base_seed + seeds - 1 must be below 2^32"},
    {INPUT_CONFIG, "one_class.ini", NULL, 2, "one_class.ini:7",
     "invalid value \"1\" for n_classes"},
    {INPUT_CONFIG, "rate_above_one.ini", NULL, 2, "rate_above_one.ini:10",
     "invalid value \"1.5\" for rates"},
    {INPUT_CONFIG, "rate_range_zero_step.ini", NULL, 2, "rate_range_zero_step.ini:10",
     "the step must be > 0"},
    {INPUT_CONFIG, "section_without_name.ini", NULL, 2, "section_without_name.ini:4",
     "section [data] needs a name"},
    {INPUT_CONFIG, "test_size_above_one.ini", NULL, 2, "test_size_above_one.ini:7",
     "invalid value \"1.5\" for test_size"},
    {INPUT_CONFIG, "too_many_classes.ini", NULL, 2, "too_many_classes.ini:7",
     "invalid value \"100000\" for n_classes"},
    {INPUT_CONFIG, "unclosed_header.ini", NULL, 2, "unclosed_header.ini:8",
     "has no closing ']'"},
    {INPUT_CONFIG, "unknown_key.ini", NULL, 2, "unknown_key.ini:6",
     "unknown key \"n_sample\" in [data blobs]; did you mean \"n_samples\"?"},
    {INPUT_CONFIG, "unknown_loss.ini", NULL, 2, "unknown_loss.ini:13",
     "invalid value \"hinge\" for loss"},
    {INPUT_CONFIG, "unknown_section.ini", NULL, 2, "unknown_section.ini:4",
     "unknown section [dta blobs]; did you mean [data blobs]?"},
    {INPUT_CONFIG, "weights_wrong_count.ini", NULL, 2, "weights_wrong_count.ini:8",
     "4 values for n_classes = 3"},
    {INPUT_CONFIG, "zero_tol.ini", NULL, 2, "zero_tol.ini:14", "invalid value \"0\" for tol"},

    /* CSV files, each in data.ini */
    {INPUT_CSV, "binary_garbage.csv", NULL, 2, "@:1", "the header has only one column"},
    {INPUT_CSV, "blank_lines_only.csv", NULL, 2, "@", "the file is empty"},
    {INPUT_CSV, "bom_nan.csv", NULL, 2, "@:3",
     "value \"nan\" in column \"a\" (column 1) is not a finite number"},
    {INPUT_CSV, "crlf_ragged.csv", NULL, 2, "@:4", "expected 3 fields as in the header, found 2"},
    {INPUT_CSV, "duplicate_header.csv", NULL, 2, "@:1",
     "duplicate column name \"a\" in columns 1 and 3"},
    {INPUT_CSV, "empty.csv", NULL, 2, "@", "the file is empty"},
    {INPUT_CSV, "empty_header_name.csv", NULL, 2, "@:1", "column 2 has an empty name"},
    {INPUT_CSV, "empty_label.csv", NULL, 2, "@:3", "empty label in column \"label\""},
    {INPUT_CSV, "header_only.csv", NULL, 2, "@:1", "no data rows after the header"},
    {INPUT_CSV, "inf_value.csv", NULL, 2, "@:4", "value \"inf\" in column \"a\""},
    {INPUT_CSV, "label_column_missing.csv", "label = target", 2, "@:1",
     "label column \"target\" not found in the header"},
    {INPUT_CSV, "long_line.csv", NULL, 2, "@:3",
     "invalid number \"9999999999999999999999999999999999999999...\" in column \"a\""},
    {INPUT_CSV, "missing_field.csv", NULL, 2, "@:3", "empty value in column \"b\" (column 2)"},
    {INPUT_CSV, "nan_value.csv", NULL, 2, "@:3", "value \"NaN\" in column \"b\" (column 2)"},
    {INPUT_CSV, "negative_infinity.csv", NULL, 2, "@:3", "value \"-Infinity\" in column \"a\""},
    {INPUT_CSV, "nul_in_field.csv", NULL, 2, "@:3", "NUL byte in column 2"},
    {INPUT_CSV, "only_label_column.csv", NULL, 2, "@:1", "the header has only one column"},
    {INPUT_CSV, "overflow_value.csv", NULL, 2, "@:3", "value \"1e400\" in column \"b\""},
    {INPUT_CSV, "ragged_long.csv", NULL, 2, "@:4", "expected 3 fields as in the header, found 4"},
    {INPUT_CSV, "ragged_short.csv", NULL, 2, "@:3", "expected 3 fields as in the header, found 2"},
    {INPUT_CSV, "single_class.csv", NULL, 2, "@:1", "has only one class, \"yes\""},
    {INPUT_CSV, "text_after_quote.csv", NULL, 2, "@:3",
     "unexpected character 'x' after the closing quote"},
    {INPUT_CSV, "text_in_number.csv", NULL, 2, "@:3", "invalid number \"1.5x\" in column \"a\""},
    {INPUT_CSV, "unclosed_quote.csv", NULL, 2, "@:3",
     "the quoted field in column 3 has no closing quote"},
    {INPUT_CSV, "/proc/self/mem", NULL, 2, "data.ini:6",
     "[data d] path \"/proc/self/mem\": failed to read the file: Input/output error"},
    {INPUT_CSV, CORPUS "/csv/good_crlf.csv/inside.csv", NULL, 2, "data.ini:6",
     "failed to open the file: Not a directory"},
    {INPUT_CSV, "good_bom.csv", NULL, 0, NULL, "lnl: 2 runs, 0 failed"},
    {INPUT_CSV, "good_bom_crlf.csv", NULL, 0, NULL, "lnl: 2 runs, 0 failed"},
    {INPUT_CSV, "good_crlf.csv", NULL, 0, NULL, "lnl: 2 runs, 0 failed"},
    {INPUT_CSV, "good_quoted.csv", NULL, 0, NULL, "lnl: 2 runs, 0 failed"},

    /* LIBSVM files, each in data.ini */
    {INPUT_LIBSVM, "binary_garbage.libsvm", NULL, 2, "@:1", "invalid label"},
    {INPUT_LIBSVM, "comments_only.libsvm", NULL, 2, "@", "the file has no data lines"},
    {INPUT_LIBSVM, "decreasing_index.libsvm", NULL, 2, "@:2",
     "feature index 2 comes after index 3"},
    {INPUT_LIBSVM, "dense_too_large.libsvm", NULL, 2, "@:2",
     "2 rows x 2147483647 features need about 172 GB as a dense matrix, more than the"},
    {INPUT_LIBSVM, "duplicate_index.libsvm", NULL, 2, "@:2", "duplicate feature index 2"},
    {INPUT_LIBSVM, "empty.libsvm", NULL, 2, "@", "the file has no data lines"},
    {INPUT_LIBSVM, "empty_value.libsvm", NULL, 2, "@:2",
     "invalid value \"\" for feature index 3"},
    {INPUT_LIBSVM, "huge_index.libsvm", NULL, 2, "@:2",
     "feature index 99999999999 is larger than the maximum 2147483647"},
    {INPUT_LIBSVM, "index_above_n_features.libsvm", "n_features = 2", 2, "@:1",
     "feature index 3 is larger than the requested n_features = 2"},
    {INPUT_LIBSVM, "index_zero.libsvm", NULL, 2, "@:2", "feature index 0 in \"0:2\" is invalid"},
    {INPUT_LIBSVM, "inf_value.libsvm", NULL, 2, "@:2",
     "value \"-inf\" for feature index 1 is not a finite number"},
    {INPUT_LIBSVM, "long_line.libsvm", NULL, 2, "@:2",
     "invalid value \"x\" for feature index 50001"},
    {INPUT_LIBSVM, "missing_colon.libsvm", NULL, 2, "@:2", "missing colon in \"1\""},
    {INPUT_LIBSVM, "nan_label.libsvm", NULL, 2, "@:2", "invalid label \"nan\""},
    {INPUT_LIBSVM, "nan_value.libsvm", NULL, 2, "@:2",
     "value \"nan\" for feature index 1 is not a finite number"},
    {INPUT_LIBSVM, "negative_index.libsvm", NULL, 2, "@:2",
     "invalid feature index in \"-3:1\""},
    {INPUT_LIBSVM, "no_features.libsvm", NULL, 2, "@:1", "no line has an index:value pair"},
    {INPUT_LIBSVM, "single_class.libsvm", NULL, 2, "@:1", "every line has label 1"},
    {INPUT_LIBSVM, "text_label.libsvm", NULL, 2, "@:2", "invalid label \"spam\""},
    {INPUT_LIBSVM, CORPUS "/libsvm", NULL, 2, "data.ini:6", "the path is a directory"},
    {INPUT_LIBSVM, "good_bom.libsvm", NULL, 0, NULL, "lnl: 2 runs, 0 failed"},
    {INPUT_LIBSVM, "good_crlf.libsvm", NULL, 0, NULL, "lnl: 2 runs, 0 failed"},
};

static const char *kind_folder(input_kind kind)
{
    switch (kind) {
    case INPUT_CONFIG: return "config";
    case INPUT_CSV: return "csv";
    case INPUT_LIBSVM: return "libsvm";
    }
    return "";
}

static bool exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

/* Replaces the "@" of pattern with path. */
static void expand_where(const char *pattern, const char *path, char *out, size_t size)
{
    const char *at = strchr(pattern, '@');
    int length = at == NULL ? snprintf(out, size, "%s", pattern)
                            : snprintf(out, size, "%.*s%s%s", (int)(at - pattern), pattern, path,
                                       at + 1);
    assert_true(length > 0 && (size_t)length < size);
}

/* Runs one case in a new scratch folder and checks what lnl did. Returns
 * false, after printing why, when the case fails. */
static bool check_case(const input_case *c)
{
    char scratch[64] = "/tmp/lnl-test-bad-XXXXXX";
    assert_non_null(mkdtemp(scratch));
    char output[128], data_path[1024], cwd[1024], config_arg[1024];
    snprintf(output, sizeof output, "%s/out", scratch);

    if (c->kind == INPUT_CONFIG) {
        snprintf(cwd, sizeof cwd, "%s/config", CORPUS);
        snprintf(config_arg, sizeof config_arg, "%s", c->file);
        data_path[0] = '\0';
    } else {
        if (c->file[0] == '/')
            snprintf(data_path, sizeof data_path, "%s", c->file);
        else
            snprintf(data_path, sizeof data_path, "%s/%s/%s", CORPUS, kind_folder(c->kind),
                     c->file);
        char config_path[256];
        snprintf(config_path, sizeof config_path, "%s/data.ini", scratch);
        FILE *config = fopen(config_path, "w");
        assert_non_null(config);
        fprintf(config, data_config, kind_folder(c->kind), c->data_key ? c->data_key : "",
                data_path);
        assert_int_equal(fclose(config), 0);
        snprintf(cwd, sizeof cwd, "%s", scratch);
        snprintf(config_arg, sizeof config_arg, "data.ini");
    }

    const char *args[] = {"run", config_arg, "--out", output, "--jobs", "1", NULL};
    char *out = NULL, *err = NULL;
    int code = lnl_run(args, cwd, scratch, &out, &err);
    bool ok = true;
    char expected[2048];

    if (code != c->exit_code) {
        print_error("%s: exit code %d, expected %d; stderr:\n%s", c->file, code, c->exit_code,
                    err);
        ok = false;
    } else if (c->exit_code == 0) {
        snprintf(expected, sizeof expected, "%s/runs.csv", output);
        if (strstr(err, c->message) == NULL || !exists(expected)) {
            print_error("%s: stderr lacks \"%s\" or runs.csv is missing:\n%s", c->file,
                        c->message, err);
            ok = false;
        }
    } else {
        char where[1200];
        expand_where(c->where, data_path, where, sizeof where);
        snprintf(expected, sizeof expected, "lnl: %s: ", where);
        const char *newline = strchr(err, '\n');
        if (strncmp(err, expected, strlen(expected)) != 0) {
            print_error("%s: stderr does not start with \"%s\":\n%s", c->file, expected, err);
            ok = false;
        } else if (strstr(err, c->message) == NULL) {
            print_error("%s: stderr lacks \"%s\":\n%s", c->file, c->message, err);
            ok = false;
        } else if (newline == NULL || newline[1] != '\0') {
            print_error("%s: stderr is not one line:\n%s", c->file, err);
            ok = false;
        } else if (out[0] != '\0') {
            print_error("%s: stdout is not empty:\n%s", c->file, out);
            ok = false;
        } else if (exists(output)) {
            print_error("%s: the output folder %s was created", c->file, output);
            ok = false;
        }
    }

    free(out);
    free(err);
    char command[256];
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    assert_int_equal(system(command), 0);
    return ok;
}

static void bad_inputs_corpus(void **state)
{
    (void)state;
    size_t failed = 0, bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bad += cases[i].exit_code != 0;
        failed += !check_case(&cases[i]);
    }
    assert_true(bad >= 40);
    assert_int_equal(failed, 0);
}

/* Every corpus file has a case, so a file added without one fails. */
static void bad_inputs_all_files_listed(void **state)
{
    (void)state;
    char command[512];
    snprintf(command, sizeof command, "cd '%s' && ls config csv libsvm", CORPUS);
    FILE *listing = popen(command, "r");
    assert_non_null(listing);
    char line[512], folder[64] = "";
    size_t files = 0;
    while (fgets(line, sizeof line, listing) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        size_t length = strlen(line);
        if (length == 0)
            continue;
        if (line[length - 1] == ':') {
            snprintf(folder, sizeof folder, "%.*s", (int)(length - 1), line);
            continue;
        }
        bool listed = false;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !listed; i++)
            listed = strcmp(kind_folder(cases[i].kind), folder) == 0 &&
                     strcmp(cases[i].file, line) == 0;
        if (!listed)
            fail_msg("%s/%s/%s has no case in the table", CORPUS, folder, line);
        files++;
    }
    assert_int_equal(pclose(listing), 0);
    assert_true(files >= 90);
}

/* A file without read permission. root reads it anyway, so the test is
 * skipped for root. */
static void bad_inputs_unreadable_file(void **state)
{
    (void)state;
    if (geteuid() == 0)
        skip();
    char scratch[64] = "/tmp/lnl-test-bad-XXXXXX";
    assert_non_null(mkdtemp(scratch));
    char path[128];
    snprintf(path, sizeof path, "%s/locked.csv", scratch);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("a,label\n1,x\n2,y\n", file);
    assert_int_equal(fclose(file), 0);
    assert_int_equal(chmod(path, 0), 0);

    input_case locked = {INPUT_CSV, path, NULL, 2, "data.ini:6",
                         "failed to open the file: Permission denied"};
    assert_true(check_case(&locked));
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    assert_int_equal(system(command), 0);
}

/* A config or a runs.csv that does not exist is bad input: exit code 2. */
static void missing_input_files_exit_2(void **state)
{
    (void)state;
    char scratch[64] = "/tmp/lnl-test-bad-XXXXXX";
    assert_non_null(mkdtemp(scratch));
    char config[128], runs[128];
    snprintf(config, sizeof config, "%s/no_such_config.ini", scratch);
    snprintf(runs, sizeof runs, "%s/runs.csv", scratch);
    char *err = NULL;

    const char *run[] = {"run", config, NULL};
    assert_int_equal(lnl_run(run, NULL, scratch, NULL, &err), 2);
    assert_non_null(strstr(err, config));
    assert_non_null(strstr(err, "cannot open the config file: No such file"));
    free(err);

    const char *report[] = {"report", scratch, NULL};
    assert_int_equal(lnl_run(report, NULL, scratch, NULL, &err), 2);
    assert_non_null(strstr(err, runs));
    assert_non_null(strstr(err, "No such file"));
    free(err);

    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    assert_int_equal(system(command), 0);
}

/* An unknown option prints one line that points to the command's help. */
static void unknown_option_prints_one_line(void **state)
{
    (void)state;
    char scratch[64] = "/tmp/lnl-test-bad-XXXXXX";
    assert_non_null(mkdtemp(scratch));
    char *out = NULL, *err = NULL;

    const char *run[] = {"run", "config.ini", "--bogus", NULL};
    assert_int_equal(lnl_run(run, NULL, scratch, &out, &err), 2);
    assert_string_equal(err, "lnl run: unknown option \"--bogus\"; run `lnl run --help` for "
                             "the options\n");
    assert_string_equal(out, "");
    free(out);
    free(err);

    const char *report[] = {"report", "--colour", NULL};
    assert_int_equal(lnl_run(report, NULL, scratch, NULL, &err), 2);
    assert_string_equal(err, "lnl report: unknown option \"--colour\"; run `lnl report --help` "
                             "for the options\n");
    free(err);

    /* the top-level help line about the commands' help is complete */
    const char *help[] = {"--help", NULL};
    assert_int_equal(lnl_run(help, NULL, scratch, &out, NULL), 0);
    assert_non_null(strstr(out, "`lnl COMMAND --help` shows the usage and\n"
                                "                   options of one command\n"));
    free(out);

    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", scratch);
    assert_int_equal(system(command), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_inputs_corpus),
        cmocka_unit_test(bad_inputs_all_files_listed),
        cmocka_unit_test(bad_inputs_unreadable_file),
        cmocka_unit_test(missing_input_files_exit_2),
        cmocka_unit_test(unknown_option_prints_one_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
