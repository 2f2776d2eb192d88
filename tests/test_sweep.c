/* The sweep through the library: runs.csv and the tables end to end,
 * resuming, rejected and forced resumes, cancellation, the folder lock,
 * determinism across thread counts, and numerically hard data sets. */
/* Before the first system header: flock needs _DEFAULT_SOURCE, nftw XSI. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnl/config.h"
#include "lnl/sweep.h"
#include "runs_csv.h"

/* ---- helpers ---------------------------------------------------------- */

static char *read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, file), (size_t)size);
    text[size] = '\0';
    fclose(file);
    return text;
}

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

static bool path_exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

static int remove_entry(const char *path, const struct stat *info, int flag, struct FTW *ftw)
{
    (void)info;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh folder under /tmp for one test; removed by the test. */
static void make_temp_dir(char *path, size_t size)
{
    snprintf(path, size, "/tmp/lnl-test-sweep-XXXXXX");
    assert_non_null(mkdtemp(path));
}

static lnl_config *parse_config(const char *text)
{
    lnl_config *config = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_status status = lnl_config_parse_string(text, "test.ini", &config, &err);
    if (status != LNL_OK)
        fail_msg("config does not parse: %s", err.message);
    return config;
}

typedef struct sweep_call {
    const char *output;
    int jobs;
    bool force;
    const atomic_int *cancel;
    lnl_sweep_progress_fn progress;
    void *progress_context;
    bool skip_figures;
} sweep_call;

static lnl_status run_sweep(const char *config_text, const sweep_call *call,
                            lnl_sweep_summary *summary, lnl_error *err)
{
    lnl_config *config = parse_config(config_text);
    lnl_sweep_options options = {
        .output = call->output,
        .jobs = call->jobs,
        .progress = call->progress,
        .progress_context = call->progress_context,
        .force = call->force,
        .cancel = call->cancel,
        .skip_figures = call->skip_figures,
    };
    lnl_error_clear(err);
    lnl_status status = lnl_sweep_run(config, &options, summary, err);
    lnl_config_destroy(config);
    return status;
}

/* Position of a column in the header line of runs.csv; fails when absent. */
static size_t column_of(const char *csv, const char *name)
{
    size_t column = 0;
    size_t length = strlen(name);
    for (const char *p = csv; *p != '\n' && *p != '\0'; column++) {
        if (strncmp(p, name, length) == 0 && (p[length] == ',' || p[length] == '\n'))
            return column;
        p += strcspn(p, ",\n");
        if (*p == ',')
            p++;
    }
    fail_msg("runs.csv has no column \"%s\"", name);
    return 0;
}

static size_t count_lines(const char *text)
{
    size_t lines = 0;
    for (const char *p = text; *p != '\0'; p++)
        lines += *p == '\n';
    return lines;
}

/* Field `column` of data row `row` (0 = the first row after the header). */
static void field_of(const char *csv, size_t row, size_t column, char *out, size_t size)
{
    const char *p = strchr(csv, '\n') + 1;
    for (size_t r = 0; r < row; r++)
        p = strchr(p, '\n') + 1;
    bool quoted = false;
    for (size_t c = 0; c < column; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            c++;
    }
    size_t n = 0;
    quoted = false;
    for (; *p != '\0' && *p != '\n' && (quoted || *p != ','); p++) {
        if (*p == '"') {
            quoted = !quoted;
            continue;
        }
        if (n + 1 < size)
            out[n++] = *p;
    }
    out[n] = '\0';
}

/* A path built for one expression, as in read_file(path_in(dir, "x").text). */
typedef struct test_path {
    char text[1024];
} test_path;

static test_path path_in(const char *dir, const char *name)
{
    test_path path;
    int length = snprintf(path.text, sizeof path.text, "%s/%s", dir, name);
    assert_true(length > 0 && (size_t)length < sizeof path.text);
    return path;
}

/* Asserts that a/tables and b/tables contain the same files, byte for byte.
 * summary.md is not compared because it quotes the manifest's times. */
static void assert_same_tables(const char *a, const char *b)
{
    DIR *folder = opendir(path_in(a, "tables").text);
    assert_non_null(folder);
    size_t compared = 0;
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char name[512];
        assert_true(snprintf(name, sizeof name, "tables/%s", entry->d_name) < (int)sizeof name);
        char *first = read_file(path_in(a, name).text);
        char *second = read_file(path_in(b, name).text);
        assert_non_null(first);
        if (second == NULL)
            fail_msg("%s/%s is missing", b, name);
        assert_string_equal(second, first);
        free(first);
        free(second);
        compared++;
    }
    closedir(folder);
    assert_true(compared >= 2);
}

/* A sweep of 2 data x 1 noise x 3 rates x 2 methods x 2 seeds = 24 runs. */
static const char small_config[] =
    "[experiment]\n"
    "seeds = 2\n"
    "base_seed = 7\n"
    "\n"
    "[data blobs]\n"
    "source = make_classification\n"
    "n_samples = 150\n"
    "n_features = 4\n"
    "\n"
    "[data three]\n"
    "source = make_classification\n"
    "n_samples = 150\n"
    "n_features = 5\n"
    "n_informative = 3\n"
    "n_classes = 3\n"
    "\n"
    "[noise sym]\n"
    "type = symmetric\n"
    "rates = 0, 0.2, 0.4\n"
    "\n"
    "[method ce]\n"
    "loss = ce\n"
    "\n"
    "[method strong]\n"
    "loss = ce\n"
    "C = 0.05\n";

/* ---- end to end -------------------------------------------------------- */

static void sweep_end_to_end_writes_runs_and_tables(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;

    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_runs, 24);
    assert_int_equal(summary.n_recorded, 24);
    assert_int_equal(summary.n_resumed, 0);
    assert_int_equal(summary.n_failed, 0);
    assert_string_equal(summary.output, output);

    char *runs = read_file(path_in(output, "runs.csv").text);
    assert_non_null(runs);
    assert_int_equal(count_lines(runs), 25);
    assert_true(strncmp(runs, "dataset,noise,noise_type,sampling,rate,seed,method,", 51) == 0);

    /* plan order: data, noise, rate, method, seed */
    size_t dataset = column_of(runs, "dataset"), rate = column_of(runs, "rate");
    size_t method = column_of(runs, "method"), seed = column_of(runs, "seed");
    size_t status = column_of(runs, "status"), accuracy = column_of(runs, "test_accuracy");
    char text[64];
    field_of(runs, 0, dataset, text, sizeof text);
    assert_string_equal(text, "blobs");
    field_of(runs, 12, dataset, text, sizeof text);
    assert_string_equal(text, "three");
    field_of(runs, 5, rate, text, sizeof text);
    assert_string_equal(text, "0.2");
    field_of(runs, 6, method, text, sizeof text);
    assert_string_equal(text, "strong");
    field_of(runs, 7, seed, text, sizeof text);
    assert_string_equal(text, "1");
    for (size_t row = 0; row < 24; row++) {
        field_of(runs, row, status, text, sizeof text);
        assert_string_equal(text, "ok");
    }

    /* the table's mean over seeds matches the two rows of runs.csv */
    char a[64], b[64];
    field_of(runs, 2, accuracy, a, sizeof a);  /* blobs, rate 0, strong, seed 0 */
    field_of(runs, 3, accuracy, b, sizeof b);
    double mean = (strtod(a, NULL) + strtod(b, NULL)) / 2;
    char *table = read_file(path_in(output, "tables/blobs_sym.csv").text);
    assert_non_null(table);
    char expected_prefix[128];
    snprintf(expected_prefix, sizeof expected_prefix, "blobs,sym,strong,0,%.17g,", mean);
    if (strstr(table, expected_prefix) == NULL)
        fail_msg("tables/blobs_sym.csv lacks \"%s\":\n%s", expected_prefix, table);

    char *markdown = read_file(path_in(output, "tables/three_sym.md").text);
    assert_non_null(markdown);
    assert_non_null(strstr(markdown, "| method | 0 | 0.2 | 0.4 |"));
    assert_true(path_exists(path_in(output, "summary.md").text));
    assert_true(path_exists(path_in(output, ".lnl-state").text));
    assert_false(path_exists(path_in(output, "runs.csv.tmp").text));
    assert_false(path_exists(path_in(output, ".lnl-state.tmp").text));

    free(runs);
    free(table);
    free(markdown);
    remove_tree(dir);
}

/* skip_figures leaves the tables and summary.md and draws no figure. */
static void sweep_skip_figures_writes_tables_only(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path with_path = path_in(dir, "with"), without_path = path_in(dir, "without");
    lnl_sweep_summary summary;
    lnl_error err;

    sweep_call with = {.output = with_path.text, .jobs = 2};
    sweep_call without = {.output = without_path.text, .jobs = 2, .skip_figures = true};
    assert_int_equal(run_sweep(small_config, &with, &summary, &err), LNL_OK);
    assert_int_equal(run_sweep(small_config, &without, &summary, &err), LNL_OK);

    assert_true(path_exists(path_in(with_path.text, "figures/accuracy_blobs_sym.png").text));
    assert_false(path_exists(path_in(without_path.text, "figures/accuracy_blobs_sym.png").text));
    assert_true(path_exists(path_in(without_path.text, "tables/blobs_sym.csv").text));
    assert_true(path_exists(path_in(without_path.text, "summary.md").text));
    remove_tree(dir);
}

static void sweep_same_rows_for_any_jobs(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    char *reference = NULL;
    static const int jobs[] = {1, 2, 3, 8};

    for (size_t j = 0; j < sizeof jobs / sizeof jobs[0]; j++) {
        char output[128];
        snprintf(output, sizeof output, "%s/jobs%d", dir, jobs[j]);
        sweep_call call = {.output = output, .jobs = jobs[j]};
        lnl_sweep_summary summary;
        lnl_error err;
        assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);

        char *runs = read_file(path_in(output, "runs.csv").text);
        assert_non_null(runs);
        char *rows = runs_text_without_timing(runs);
        free(runs);
        if (reference == NULL) {
            reference = rows;
            continue;
        }
        assert_string_equal(rows, reference);
        free(rows);
        assert_same_tables(path_in(dir, "jobs1").text, output);
    }
    free(reference);
    remove_tree(dir);
}

/* ---- resuming ----------------------------------------------------------- */

/* Keeps the header and the first `rows` rows of runs.csv, then appends
 * the first half of the next row, as a crash in the middle of a write. */
static void cut_runs_file(const char *path, size_t rows)
{
    char *text = read_file(path);
    assert_non_null(text);
    char *p = strchr(text, '\n') + 1;
    for (size_t r = 0; r < rows; r++)
        p = strchr(p, '\n') + 1;
    char *next = strchr(p, '\n');
    p += (size_t)(next - p) / 2;
    *p = '\0';
    write_file(path, text);
    free(text);
}

static void sweep_resume_skips_recorded_runs(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    char *complete = read_file(path_in(output, "runs.csv").text);
    char *complete_table = read_file(path_in(output, "tables/three_sym.csv").text);

    cut_runs_file(path_in(output, "runs.csv").text, 5);
    remove_tree(path_in(output, "tables").text);
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 5);
    assert_int_equal(summary.n_recorded, 24);

    char *resumed = read_file(path_in(output, "runs.csv").text);
    char *a = runs_text_without_timing(complete), *b = runs_text_without_timing(resumed);
    assert_string_equal(b, a);
    /* the five kept rows keep their own timing too */
    const char *end_of_kept = complete;
    for (int line = 0; line < 6; line++)
        end_of_kept = strchr(end_of_kept, '\n') + 1;
    assert_memory_equal(resumed, complete, (size_t)(end_of_kept - complete));
    char *table = read_file(path_in(output, "tables/three_sym.csv").text);
    assert_string_equal(table, complete_table);

    /* a third sweep finds every run recorded */
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 24);
    char *again = read_file(path_in(output, "runs.csv").text);
    assert_string_equal(again, resumed);

    free(complete);
    free(complete_table);
    free(resumed);
    free(a);
    free(b);
    free(table);
    free(again);
    remove_tree(dir);
}

/* A noise section restricted to one data set changes the plan's layout:
 * blobs gets 2 rates x 2 seeds, three gets 2 + 1 rates x 2 seeds. */
static const char restricted_config[] =
    "[experiment]\nseeds = 2\n"
    "[data blobs]\nsource = make_classification\nn_samples = 120\nn_features = 4\n"
    "[data three]\nsource = make_classification\nn_samples = 120\nn_features = 5\n"
    "n_informative = 3\nn_classes = 3\n"
    "[noise sym]\ntype = symmetric\nrates = 0, 0.3\n"
    "[noise pair]\ntype = pair\nrates = 0.2\ndata = three\n"
    "[method ce]\nloss = ce\n";

static void sweep_resume_with_restricted_noise(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(restricted_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_runs, 10);
    char *complete = read_file(path_in(output, "runs.csv").text);

    /* keep the first 7 rows: blobs, then three under sym and one pair row */
    cut_runs_file(path_in(output, "runs.csv").text, 7);
    assert_int_equal(run_sweep(restricted_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 7);
    assert_int_equal(summary.n_recorded, 10);
    char *resumed = read_file(path_in(output, "runs.csv").text);
    char *a = runs_text_without_timing(complete), *b = runs_text_without_timing(resumed);
    assert_string_equal(b, a);
    assert_null(strstr(resumed, "blobs,pair,"));

    free(complete);
    free(resumed);
    free(a);
    free(b);
    remove_tree(dir);
}

/* small_config with method strong's C replaced by text. */
static char *config_with_strong_c(const char *c_value)
{
    char *text = malloc(sizeof small_config + 32);
    assert_non_null(text);
    snprintf(text, sizeof small_config + 32, "%s", small_config);
    char *c = strstr(text, "C = 0.05");
    assert_non_null(c);
    snprintf(c, 32, "C = %s\n", c_value);
    return text;
}

static void sweep_rejects_changed_settings(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    char *before = read_file(path_in(output, "runs.csv").text);
    char *state_before = read_file(path_in(output, ".lnl-state").text);

    char *changed = config_with_strong_c("0.5");
    assert_int_equal(run_sweep(changed, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_true(summary.settings_differ);
    assert_string_equal(err.file, "test.ini");
    assert_int_equal(err.line, 24);  /* [method strong] */
    assert_non_null(strstr(err.message, "[method strong] C is 0.5, recorded 0.05"));

    char *after = read_file(path_in(output, "runs.csv").text);
    char *state_after = read_file(path_in(output, ".lnl-state").text);
    assert_string_equal(after, before);
    assert_string_equal(state_after, state_before);

    free(changed);
    free(before);
    free(after);
    free(state_before);
    free(state_after);
    remove_tree(dir);
}

static void sweep_lists_every_difference(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);

    static const char other[] =
        "[experiment]\nseeds = 3\nbase_seed = 7\n"
        "[data blobs]\nsource = make_classification\nn_samples = 150\nn_features = 4\n"
        "[noise sym]\ntype = symmetric\nrates = 0, 0.2\n"
        "[method ce]\nloss = ce\n"
        "[method new]\nloss = ce\nmax_iter = 50\n";
    assert_int_equal(run_sweep(other, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "[experiment] seeds is 3, recorded 2"));
    assert_non_null(strstr(err.message, "[noise sym] rates is 0, 0.2, recorded 0, 0.2, 0.4"));
    assert_non_null(strstr(err.message, "[method new] is not in the recorded runs"));
    assert_non_null(strstr(err.message, "[data three] was removed"));
    assert_non_null(strstr(err.message, "[method strong] was removed"));
    remove_tree(dir);
}

static void sweep_force_keeps_unaffected_runs(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    test_path fresh_path = path_in(dir, "fresh");
    const char *fresh = fresh_path.text;
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);

    /* 12 of the 24 runs use method strong */
    char *changed = config_with_strong_c("0.5");
    call.force = true;
    assert_int_equal(run_sweep(changed, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 12);
    assert_int_equal(summary.n_recorded, 24);

    sweep_call fresh_call = {.output = fresh, .jobs = 2};
    assert_int_equal(run_sweep(changed, &fresh_call, &summary, &err), LNL_OK);
    char *forced = read_file(path_in(output, "runs.csv").text);
    char *expected = read_file(path_in(fresh, "runs.csv").text);
    char *a = runs_text_without_timing(forced), *b = runs_text_without_timing(expected);
    assert_string_equal(a, b);
    char *state_forced = read_file(path_in(output, ".lnl-state").text);
    char *state_fresh = read_file(path_in(fresh, ".lnl-state").text);
    assert_string_equal(state_forced, state_fresh);

    /* more seeds keep every recorded run */
    char *more = malloc(sizeof small_config + 8);
    assert_non_null(more);
    snprintf(more, sizeof small_config + 8, "%s", changed);
    memcpy(strstr(more, "seeds = 2"), "seeds = 3", 9);
    assert_int_equal(run_sweep(more, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_runs, 36);
    assert_int_equal(summary.n_resumed, 24);

    free(changed);
    free(more);
    free(forced);
    free(expected);
    free(a);
    free(b);
    free(state_forced);
    free(state_fresh);
    remove_tree(dir);
}

/* A two-class CSV of 60 rows; variant changes the value of one row. */
static void write_table_csv(const char *path, int variant)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs("a,b,label\n", file);
    for (int i = 0; i < 60; i++)
        fprintf(file, "%d,%.17g,%s\n", i % 7 + (i == 30 ? variant : 0), sin(i),
                i % 2 ? "yes" : "no");
    assert_int_equal(fclose(file), 0);
}

static void sweep_notices_changed_data_file(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path csv_path = path_in(dir, "table.csv");
    const char *csv = csv_path.text;
    write_table_csv(csv, 0);

    char config[512];
    assert_true(snprintf(config, sizeof config,
                         "[data table]\nsource = csv\npath = %s\n"
                         "[noise sym]\ntype = symmetric\nrates = 0.1\n"
                         "[method ce]\nloss = ce\n",
                         csv) < (int)sizeof config);
    test_path output_path = path_in(dir, "out");
    sweep_call call = {.output = output_path.text, .jobs = 1};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_OK);

    write_table_csv(csv, 1);
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_int_equal(err.line, 1);
    assert_non_null(strstr(err.message, "[data table] the data differ from those of the "
                                        "recorded runs"));

    /* the same values written again resume */
    write_table_csv(csv, 0);
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 5);

    /* a moved file is a change of settings, but --force keeps its runs */
    test_path moved_path = path_in(dir, "moved.csv");
    assert_int_equal(rename(csv, moved_path.text), 0);
    assert_true(snprintf(config, sizeof config,
                         "[data table]\nsource = csv\npath = %s\n"
                         "[noise sym]\ntype = symmetric\nrates = 0.1\n"
                         "[method ce]\nloss = ce\n",
                         moved_path.text) < (int)sizeof config);
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "[data table] path is "));
    call.force = true;
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 5);
    remove_tree(dir);
}

static void sweep_replaces_runs_without_state(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    mkdir(output, 0777);
    write_file(path_in(output, "runs.csv").text, "some,other,file\n1,2,3\n");
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 0);
    char *runs = read_file(path_in(output, "runs.csv").text);
    assert_int_equal(count_lines(runs), 25);
    free(runs);
    remove_tree(dir);
}

static void sweep_rejects_other_columns(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);

    /* rename the first column, as a runs.csv of another lnl version */
    char *runs = read_file(path_in(output, "runs.csv").text);
    runs[0] = 'D';
    write_file(path_in(output, "runs.csv").text, runs);
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "has other columns than this version of lnl writes"));

    call.force = true;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 0);
    char *rewritten = read_file(path_in(output, "runs.csv").text);
    assert_int_equal(rewritten[0], 'd');
    free(runs);
    free(rewritten);
    remove_tree(dir);
}

static void sweep_drops_unusable_rows(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    char *complete = read_file(path_in(output, "runs.csv").text);

    /* row 1 repeated, then a row of a method that does not exist and a
     * garbled line in place of row 2 */
    char *first = strchr(complete, '\n') + 1;
    char *second = strchr(first, '\n') + 1;
    char *third = strchr(second, '\n') + 1;
    char *edited = NULL;
    size_t edited_size = 0;
    FILE *stream = open_memstream(&edited, &edited_size);
    assert_non_null(stream);
    fwrite(complete, 1, (size_t)(second - complete), stream);
    fwrite(first, 1, (size_t)(second - first), stream);
    fputs("blobs,sym,symmetric,exact,0,0,ghost,ce\n", stream);
    fputs("garbage line\n", stream);
    fputs(third, stream);
    assert_int_equal(fclose(stream), 0);
    write_file(path_in(output, "runs.csv").text, edited);

    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 23);
    assert_int_equal(summary.n_recorded, 24);
    char *resumed = read_file(path_in(output, "runs.csv").text);
    char *a = runs_text_without_timing(complete), *b = runs_text_without_timing(resumed);
    assert_string_equal(b, a);

    free(complete);
    free(edited);
    free(resumed);
    free(a);
    free(b);
    remove_tree(dir);
}

/* ---- cancellation and the lock --------------------------------------------- */

typedef struct cancel_after {
    atomic_int flag;
    size_t after;  /* set the flag once this many runs are recorded */
    size_t calls;
} cancel_after;

static void cancel_progress(void *context, size_t done, size_t total,
                            const lnl_run_result *result)
{
    (void)total;
    (void)result;
    cancel_after *cancel = context;
    cancel->calls++;
    if (done >= cancel->after)
        atomic_store(&cancel->flag, 2);
}

static void sweep_cancel_stops_and_resumes(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path output_path = path_in(dir, "out");
    const char *output = output_path.text;
    test_path reference_path = path_in(dir, "reference");
    const char *reference = reference_path.text;
    cancel_after cancel = {.after = 5};
    atomic_init(&cancel.flag, 0);
    sweep_call call = {.output = output, .jobs = 2, .cancel = &cancel.flag,
                       .progress = cancel_progress, .progress_context = &cancel};
    lnl_sweep_summary summary;
    lnl_error err;

    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_ERR_INTERRUPTED);
    /* the run in progress on the other thread may finish after the flag */
    assert_in_range(summary.n_recorded, 5, 6);
    assert_int_equal(cancel.calls, summary.n_recorded);
    assert_int_equal(summary.n_runs, 24);
    char *runs = read_file(path_in(output, "runs.csv").text);
    assert_int_equal(count_lines(runs), summary.n_recorded + 1);
    assert_true(path_exists(path_in(output, "tables/blobs_sym.md").text));
    assert_true(path_exists(path_in(output, "summary.md").text));

    atomic_store(&cancel.flag, 0);
    cancel.after = 1000;
    size_t recorded = summary.n_recorded;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, recorded);

    sweep_call reference_call = {.output = reference, .jobs = 1};
    assert_int_equal(run_sweep(small_config, &reference_call, &summary, &err), LNL_OK);
    char *resumed = read_file(path_in(output, "runs.csv").text);
    char *expected = read_file(path_in(reference, "runs.csv").text);
    char *a = runs_text_without_timing(resumed), *b = runs_text_without_timing(expected);
    assert_string_equal(a, b);
    assert_same_tables(output, reference);

    free(runs);
    free(resumed);
    free(expected);
    free(a);
    free(b);
    remove_tree(dir);
}

static void sweep_cancel_before_start_writes_nothing(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    atomic_int flag;
    atomic_init(&flag, 15);
    test_path output_path = path_in(dir, "out");
    sweep_call call = {.output = output_path.text, .jobs = 2, .cancel = &flag};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_ERR_INTERRUPTED);
    assert_int_equal(summary.n_recorded, 0);
    assert_false(path_exists(path_in(dir, "out").text));
    remove_tree(dir);
}

static void sweep_lock_rejects_second_writer(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);

    sweep_call call = {.output = dir, .jobs = 1};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_ERR_IO);
    assert_non_null(strstr(err.message, "another lnl process is writing to this output folder"));
    assert_false(path_exists(path_in(dir, "runs.csv").text));

    close(fd);
    assert_int_equal(run_sweep(small_config, &call, &summary, &err), LNL_OK);
    remove_tree(dir);
}

/* ---- input checks before any output ------------------------------------------ */

static void sweep_missing_data_file_is_config_error(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    char config[512];
    assert_true(snprintf(config, sizeof config,
                         "[experiment]\nseeds = 1\n\n"
                         "[data table]\nsource = csv\npath = %s/absent.csv\n"
                         "[noise sym]\ntype = symmetric\nrates = 0.1\n[method ce]\n",
                         dir) < (int)sizeof config);
    test_path output_path = path_in(dir, "out");
    sweep_call call = {.output = output_path.text, .jobs = 1};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_string_equal(err.file, "test.ini");
    assert_int_equal(err.line, 6);  /* the path key */
    assert_non_null(strstr(err.message, "[data table] path \""));
    assert_non_null(strstr(err.message, "absent.csv\": failed to open the file: No such file"));
    assert_false(path_exists(path_in(dir, "out").text));

    /* a directory */
    assert_true(snprintf(config, sizeof config,
                         "[data table]\nsource = libsvm\npath = %s\n"
                         "[noise sym]\ntype = symmetric\nrates = 0.1\n[method ce]\n",
                         dir) < (int)sizeof config);
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "the path is a directory"));
    assert_false(path_exists(path_in(dir, "out").text));
    remove_tree(dir);
}

static void sweep_checks_class_count_of_loaded_data(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path csv_path = path_in(dir, "three.csv");
    const char *csv = csv_path.text;
    FILE *file = fopen(csv, "w");
    assert_non_null(file);
    fputs("x,y\n", file);
    for (int i = 0; i < 30; i++)
        fprintf(file, "%d,%c\n", i, "abc"[i % 3]);
    assert_int_equal(fclose(file), 0);

    char config[512];
    assert_true(snprintf(config, sizeof config,
                         "[data three]\nsource = csv\npath = %s\n"
                         "[noise flip]\ntype = matrix\nmatrix = 0.9 0.1; 0.1 0.9\n"
                         "[method ce]\nloss = ce\n",
                         csv) < (int)sizeof config);
    test_path output_path = path_in(dir, "out");
    sweep_call call = {.output = output_path.text, .jobs = 1};
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.message, "matrix in [noise flip] is 2 x 2, but [data three] has "
                                        "3 classes"));

    assert_true(snprintf(config, sizeof config,
                         "[data three]\nsource = csv\npath = %s\n"
                         "[noise sym]\ntype = symmetric\nrates = 0.1\n"
                         "[method bin]\nmodel = binary\n",
                         csv) < (int)sizeof config);
    assert_int_equal(run_sweep(config, &call, &summary, &err), LNL_ERR_CONFIG);
    assert_int_equal(err.line, 7);
    assert_non_null(strstr(err.message, "model = binary in [method bin] needs 2 classes"));
    assert_false(path_exists(path_in(dir, "out").text));
    remove_tree(dir);
}

/* ---- numerical edge cases ------------------------------------------------------ */

typedef enum edge_data {
    EDGE_SEPARABLE,    /* two classes 6 apart, C = 1e8 */
    EDGE_SCALED,       /* overlapping classes, features times 1e6 */
    EDGE_CONSTANT,     /* three classes, two constant features */
    EDGE_DUPLICATES,   /* 100 copies of one row with both labels, and 20 other rows */
} edge_data;

static void write_edge_csv(const char *path, edge_data kind)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(kind == EDGE_CONSTANT ? "a,b,c,label\n" : "a,b,label\n", file);
    for (int i = 0; i < 120; i++) {
        int y = kind == EDGE_CONSTANT ? i % 3 : i % 2;
        double u = sin(0.7 * i), v = cos(1.3 * i);
        switch (kind) {
        case EDGE_SEPARABLE:
            fprintf(file, "%.17g,%.17g,%d\n", (y ? 3.0 : -3.0) + 0.5 * u, v, y);
            break;
        case EDGE_SCALED:
            fprintf(file, "%.17g,%.17g,%d\n", 1e6 * (y + u), 1e6 * v, y);
            break;
        case EDGE_CONSTANT:
            fprintf(file, "%.17g,5,0,%d\n", u + y, y);
            break;
        case EDGE_DUPLICATES:
            if (i < 100)
                fprintf(file, "1,2,%d\n", y);
            else
                fprintf(file, "%.17g,%.17g,%d\n", u, v, y);
            break;
        }
    }
    assert_int_equal(fclose(file), 0);
}

/* Fails when the file contains "nan" or "inf" as a word, in any case and
 * with any sign, as printf writes NaN and infinities. */
static void assert_no_non_finite_text(const char *path)
{
    char *text = read_file(path);
    assert_non_null(text);
    for (char *p = text; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    for (const char *p = text; *p != '\0'; p++) {
        if (p > text && isalpha((unsigned char)p[-1]))
            continue;
        bool nan = strncmp(p, "nan", 3) == 0 && !isalpha((unsigned char)p[3]);
        bool inf = strncmp(p, "inf", 3) == 0 &&
                   (!isalpha((unsigned char)p[3]) || strncmp(p + 3, "inity", 5) == 0);
        if (nan || inf)
            fail_msg("%s contains \"%.8s\":\n%s", path, p, text);
    }
    free(text);
}

/* Runs every data set in names (CSV files written by write_edge_csv) with
 * and without standardization, under symmetric noise and the given noise
 * section, with two large-C methods and a default one. Checks that every
 * run succeeds and either converges or is marked as not converged, and
 * that no NaN or Inf reaches runs.csv or a table. */
static void check_hard_data(const char *dir, const edge_data *kinds, size_t n_kinds,
                            const char *extra_noise)
{
    static const char *names[] = {"separable", "scaled", "constant", "duplicates"};
    char config[4096];
    size_t used = (size_t)snprintf(config, sizeof config, "[experiment]\nseeds = 2\n");
    for (size_t i = 0; i < n_kinds; i++) {
        test_path csv_path = path_in(dir, names[kinds[i]]);
        const char *csv = csv_path.text;
        write_edge_csv(csv, kinds[i]);
        for (int raw = 0; raw < 2; raw++)
            used += (size_t)snprintf(config + used, sizeof config - used,
                                     "[data %s%s]\nsource = csv\npath = %s\nstandardize = %s\n",
                                     names[kinds[i]], raw ? "_raw" : "", csv,
                                     raw ? "false" : "true");
    }
    used += (size_t)snprintf(config + used, sizeof config - used,
                             "[noise sym]\ntype = symmetric\nrates = 0, 0.3\n%s"
                             "[method ce]\nC = 1e8\n"
                             "[method softmax]\nC = 1e8\nmodel = softmax\n"
                             "[method default]\n",
                             extra_noise);
    assert_true(used < sizeof config);

    test_path output_path = path_in(dir, "out");

    const char *output = output_path.text;
    remove_tree(output);
    sweep_call call = {.output = output, .jobs = 2};
    lnl_sweep_summary summary;
    lnl_error err;
    lnl_status status = run_sweep(config, &call, &summary, &err);
    if (status != LNL_OK)
        fail_msg("sweep failed: %s", err.message);
    assert_int_equal(summary.n_failed, 0);

    char *runs = read_file(path_in(output, "runs.csv").text);
    size_t rows = count_lines(runs) - 1;
    assert_int_equal(rows, summary.n_runs);
    size_t converged = column_of(runs, "converged"), message = column_of(runs, "message");
    size_t accuracy = column_of(runs, "test_accuracy"), status_column = column_of(runs, "status");
    size_t not_converged = 0;
    for (size_t row = 0; row < rows; row++) {
        char text[256];
        field_of(runs, row, status_column, text, sizeof text);
        assert_string_equal(text, "ok");
        field_of(runs, row, accuracy, text, sizeof text);
        double value = strtod(text, NULL);
        assert_true(value >= 0.0 && value <= 1.0);
        field_of(runs, row, converged, text, sizeof text);
        if (strcmp(text, "true") == 0)
            continue;
        assert_string_equal(text, "false");
        field_of(runs, row, message, text, sizeof text);
        assert_true(strncmp(text, "not converged: ", 15) == 0);
        not_converged++;
    }
    assert_int_equal(not_converged, summary.n_not_converged);

    assert_no_non_finite_text(path_in(output, "runs.csv").text);
    assert_no_non_finite_text(path_in(output, "summary.md").text);
    for (size_t i = 0; i < n_kinds; i++) {
        char table[256];
        snprintf(table, sizeof table, "tables/%s_raw_empty.csv", names[kinds[i]]);
        assert_no_non_finite_text(path_in(output, table).text);
        snprintf(table, sizeof table, "tables/%s_sym.md", names[kinds[i]]);
        assert_no_non_finite_text(path_in(output, table).text);
    }
    free(runs);
}

static void sweep_hard_two_class_data(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    static const edge_data kinds[] = {EDGE_SEPARABLE, EDGE_SCALED, EDGE_DUPLICATES};
    /* every training label becomes class 1, so class 0 is empty */
    check_hard_data(dir, kinds, 3, "[noise empty]\ntype = matrix\nmatrix = 0 1; 0 1\n");
    remove_tree(dir);
}

static void sweep_hard_constant_features(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    static const edge_data kinds[] = {EDGE_CONSTANT};
    /* every training label becomes class 1, so classes 0 and 2 are empty */
    check_hard_data(dir, kinds, 1,
                    "[noise empty]\ntype = matrix\nmatrix = 0 1 0; 0 1 0; 0 1 0\n");
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep_end_to_end_writes_runs_and_tables),
        cmocka_unit_test(sweep_skip_figures_writes_tables_only),
        cmocka_unit_test(sweep_same_rows_for_any_jobs),
        cmocka_unit_test(sweep_resume_skips_recorded_runs),
        cmocka_unit_test(sweep_resume_with_restricted_noise),
        cmocka_unit_test(sweep_rejects_changed_settings),
        cmocka_unit_test(sweep_lists_every_difference),
        cmocka_unit_test(sweep_force_keeps_unaffected_runs),
        cmocka_unit_test(sweep_notices_changed_data_file),
        cmocka_unit_test(sweep_replaces_runs_without_state),
        cmocka_unit_test(sweep_rejects_other_columns),
        cmocka_unit_test(sweep_drops_unusable_rows),
        cmocka_unit_test(sweep_cancel_stops_and_resumes),
        cmocka_unit_test(sweep_cancel_before_start_writes_nothing),
        cmocka_unit_test(sweep_lock_rejects_second_writer),
        cmocka_unit_test(sweep_missing_data_file_is_config_error),
        cmocka_unit_test(sweep_checks_class_count_of_loaded_data),
        cmocka_unit_test(sweep_hard_two_class_data),
        cmocka_unit_test(sweep_hard_constant_features),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
