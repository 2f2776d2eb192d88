/* Shards and merging: the slices of `lnl run --shard I/N` partition the
 * plan, merging the folders of all shards gives the folder of a
 * one-process run, merging folders of other configs, overlapping or
 * incomplete shards is an error that names the folder, and --jobs does
 * not change runs.csv. */
/* Before the first system header: nftw needs XSI, lnl_process.h POSIX. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lnl/config.h"
#include "lnl/merge.h"
#include "lnl/sweep.h"
#include "lnl_process.h"
#include "runs_csv.h"

/* (blobs: 3 + 2 settings, three: 3 settings) x 2 methods x 2 seeds = 32
 * runs. A noise section restricted to one data set and class_conditional
 * pairs that share a mean rate keep the plan from being a plain product. */
static const char shard_config[] =
    "[experiment]\n"
    "seeds = 2\n"
    "base_seed = 5\n"
    "\n"
    "[data blobs]\n"
    "source = make_classification\n"
    "n_samples = 200\n"
    "n_features = 4\n"
    "\n"
    "[data three]\n"
    "source = make_classification\n"
    "n_samples = 200\n"
    "n_features = 5\n"
    "n_informative = 3\n"
    "n_classes = 3\n"
    "\n"
    "[noise sym]\n"
    "type = symmetric\n"
    "rates = 0, 0.2, 0.4\n"
    "\n"
    "[noise flips]\n"
    "type = class_conditional\n"
    "pairs = 0.2/0.2, 0.3/0.1\n"
    "data = blobs\n"
    "\n"
    "[method ce]\n"
    "loss = ce\n"
    "\n"
    "[method strong]\n"
    "loss = ce\n"
    "C = 0.05\n";

enum { SHARD_RUNS = 32, SHARDS = 3 };

/* ---- helpers ---------------------------------------------------------- */

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

static void make_temp_dir(char *path, size_t size)
{
    snprintf(path, size, "/tmp/lnl-test-shard-XXXXXX");
    assert_non_null(mkdtemp(path));
}

/* A path built for one expression, as in lnl_read_text(path_in(dir, "x").text). */
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

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

static lnl_config *parse_config(const char *text, const char *path)
{
    lnl_config *config = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    if (lnl_config_parse_string(text, path, &config, &err) != LNL_OK)
        fail_msg("config does not parse: %s", err.message);
    return config;
}

/* Runs shard index of count (count 0: every cell) of a config into output
 * and returns the status. The config text is also written to config_path,
 * because the manifest that lnl merge reads records that file. */
static lnl_status run_shard(const char *config_text, const char *config_path, const char *output,
                            int index, int count, lnl_sweep_summary *summary, lnl_error *err)
{
    write_text(config_path, config_text);
    lnl_config *config = parse_config(config_text, config_path);
    lnl_sweep_options options = {.output = output, .jobs = 2, .shard_index = index,
                                 .shard_count = count};
    lnl_error_clear(err);
    lnl_status status = lnl_sweep_run(config, &options, summary, err);
    lnl_config_destroy(config);
    return status;
}

/* runs.csv of a folder without its timing column; fails when missing. */
static char *runs_without_timing(const char *dir)
{
    char *runs = lnl_read_text(path_in(dir, "runs.csv").text);
    if (runs == NULL)
        fail_msg("%s/runs.csv is missing", dir);
    char *rows = runs_text_without_timing(runs);
    free(runs);
    return rows;
}

static size_t count_lines(const char *text)
{
    size_t lines = 0;
    for (const char *p = text; *p != '\0'; p++)
        lines += *p == '\n';
    return lines;
}

/* Asserts that a/tables and b/tables contain the same files, byte for byte. */
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
        char *first = lnl_read_text(path_in(a, name).text);
        char *second = lnl_read_text(path_in(b, name).text);
        assert_non_null(first);
        if (second == NULL)
            fail_msg("%s/%s is missing", b, name);
        assert_string_equal(second, first);
        free(first);
        free(second);
        compared++;
    }
    closedir(folder);
    assert_true(compared >= 4);
}

/* The folders of a full run and of its shards, shared by several tests. */
typedef struct shard_folders {
    char dir[64];
    char config_path[256];
    char full[256];
    char shards[SHARDS][256];
    const char *shard_list[SHARDS];
} shard_folders;

static void shard_folders_create(shard_folders *f)
{
    make_temp_dir(f->dir, sizeof f->dir);
    snprintf(f->config_path, sizeof f->config_path, "%s/shard.ini", f->dir);
    snprintf(f->full, sizeof f->full, "%s/full", f->dir);
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_shard(shard_config, f->config_path, f->full, 0, 0, &summary, &err),
                     LNL_OK);
    assert_int_equal(summary.n_runs, SHARD_RUNS);

    for (int i = 0; i < SHARDS; i++) {
        snprintf(f->shards[i], sizeof f->shards[i], "%s/shard-%d-of-%d", f->dir, i + 1, SHARDS);
        f->shard_list[i] = f->shards[i];
        lnl_status status =
            run_shard(shard_config, f->config_path, f->shards[i], i + 1, SHARDS, &summary, &err);
        if (status != LNL_OK)
            fail_msg("shard %d: %s", i + 1, err.message);
        /* 32 cells: positions 0..31 leave remainders 0 and 1 eleven times, 2 ten times */
        assert_int_equal(summary.n_runs, i < 2 ? 11 : 10);
        assert_int_equal(summary.n_recorded, summary.n_runs);
    }
}

/* ---- the slices ----------------------------------------------------------- */

static void shard_slices_partition_plan(void **state)
{
    (void)state;
    shard_folders f;
    shard_folders_create(&f);
    lnl_config *config = parse_config(shard_config, f.config_path);
    assert_int_equal(lnl_sweep_count(config), SHARD_RUNS);

    /* every row of the full run sits at its own plan position */
    char *full = lnl_read_text(path_in(f.full, "runs.csv").text);
    assert_non_null(full);
    assert_int_equal(count_lines(full), SHARD_RUNS + 1);
    char *line = strchr(full, '\n') + 1;
    for (size_t position = 0; position < SHARD_RUNS; position++) {
        char *end = strchr(line, '\n');
        *end = '\0';
        assert_int_equal(lnl_sweep_row_position(config, line), position);
        line = end + 1;
    }

    /* each shard holds exactly the positions of its remainder, each once */
    int seen[SHARD_RUNS] = {0};
    for (int i = 0; i < SHARDS; i++) {
        char *runs = lnl_read_text(path_in(f.shards[i], "runs.csv").text);
        assert_non_null(runs);
        assert_memory_equal(runs, lnl_sweep_runs_header(), strlen(lnl_sweep_runs_header()));
        size_t previous = 0;
        bool first = true;
        for (line = strchr(runs, '\n') + 1; *line != '\0';) {
            char *end = strchr(line, '\n');
            *end = '\0';
            size_t position = lnl_sweep_row_position(config, line);
            assert_true(position < SHARD_RUNS);
            assert_int_equal(position % SHARDS, (size_t)i);
            assert_true(first || position > previous);  /* plan order inside the shard */
            seen[position]++;
            previous = position;
            first = false;
            line = end + 1;
        }
        free(runs);
    }
    for (size_t position = 0; position < SHARD_RUNS; position++)
        assert_int_equal(seen[position], 1);

    /* a row that names no cell maps to the count */
    assert_int_equal(lnl_sweep_row_position(config, "blobs,nosuch,symmetric"), SHARD_RUNS);

    free(full);
    lnl_config_destroy(config);
    remove_tree(f.dir);
}

static void shard_rejects_invalid_index(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    static const int cases[][2] = {{0, 3}, {4, 3}, {-1, 2}, {1, -1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        lnl_sweep_summary summary;
        lnl_error err;
        lnl_status status = run_shard(shard_config, path_in(dir, "shard.ini").text,
                                      path_in(dir, "out").text, cases[c][0], cases[c][1],
                                      &summary, &err);
        assert_int_equal(status, LNL_ERR_ARGUMENT);
        assert_non_null(strstr(err.message, "invalid shard"));
    }
    /* nothing is written for an invalid shard */
    struct stat info;
    assert_int_not_equal(stat(path_in(dir, "out").text, &info), 0);
    remove_tree(dir);
}

static void shard_rejects_folder_of_other_shard(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path config = path_in(dir, "shard.ini");
    test_path folder = path_in(dir, "out");
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_shard(shard_config, config.text, folder.text, 1, SHARDS, &summary, &err),
                     LNL_OK);
    assert_int_equal(summary.n_recorded, 11);
    char *before = lnl_read_text(path_in(folder.text, "runs.csv").text);
    assert_non_null(before);

    /* shard 2 into the folder of shard 1 keeps shard 1's rows */
    assert_int_equal(run_shard(shard_config, config.text, folder.text, 2, SHARDS, &summary, &err),
                     LNL_ERR_ARGUMENT);
    assert_string_equal(err.file, folder.text);
    assert_non_null(strstr(err.message, "11 runs of shards other than shard 2 of 3"));
    char *after = lnl_read_text(path_in(folder.text, "runs.csv").text);
    assert_non_null(after);
    assert_string_equal(after, before);
    free(after);

    /* with force the other shard's rows are deleted and shard 2 runs */
    write_text(config.text, shard_config);
    lnl_config *parsed = parse_config(shard_config, config.text);
    lnl_sweep_options options = {.output = folder.text, .jobs = 2, .force = true,
                                 .shard_index = 2, .shard_count = SHARDS};
    lnl_error_clear(&err);
    assert_int_equal(lnl_sweep_run(parsed, &options, &summary, &err), LNL_OK);
    assert_int_equal(summary.n_resumed, 0);
    assert_int_equal(summary.n_recorded, 11);
    char *forced = lnl_read_text(path_in(folder.text, "runs.csv").text);
    assert_non_null(forced);
    assert_int_equal(count_lines(forced), 12);
    for (char *line = strchr(forced, '\n') + 1; *line != '\0';) {
        char *end = strchr(line, '\n');
        *end = '\0';
        assert_int_equal(lnl_sweep_row_position(parsed, line) % SHARDS, 1);
        line = end + 1;
    }

    free(forced);
    free(before);
    lnl_config_destroy(parsed);
    remove_tree(dir);
}

/* With 4 shards, the plan's order (method, then seed, innermost) puts only
 * runs of "strong" in shards 3 and 4, so their reports have no baseline
 * to test against, and shard 40 of 40 has no cell at all. Each still
 * finishes with its tables, and the four shards merge into the full run. */
static void shard_without_baseline_succeeds(void **state)
{
    (void)state;
    shard_folders f;
    shard_folders_create(&f);
    lnl_sweep_summary summary;
    lnl_error err;
    const char *dirs[4];
    char shards[4][256];
    for (int i = 0; i < 4; i++) {
        snprintf(shards[i], sizeof shards[i], "%s/quarter-%d", f.dir, i + 1);
        dirs[i] = shards[i];
        lnl_status status =
            run_shard(shard_config, f.config_path, shards[i], i + 1, 4, &summary, &err);
        if (status != LNL_OK)
            fail_msg("shard %d of 4: %s: %s", i + 1, err.file, err.message);
        assert_int_equal(summary.n_recorded, 8);
    }
    char *runs = lnl_read_text(path_in(shards[2], "runs.csv").text);
    char *report = lnl_read_text(path_in(shards[2], "summary.md").text);
    assert_non_null(runs);
    assert_non_null(report);
    /* the columns method,loss: no run of method ce, only of strong */
    assert_null(strstr(runs, ",ce,ce,"));
    assert_non_null(strstr(runs, ",strong,ce,"));
    assert_non_null(strstr(report, "The baseline was not run in this group"));
    free(runs);
    free(report);

    test_path empty = path_in(f.dir, "empty");
    assert_int_equal(run_shard(shard_config, f.config_path, empty.text, 40, 40, &summary, &err),
                     LNL_OK);
    assert_int_equal(summary.n_runs, 0);
    runs = runs_without_timing(empty.text);
    assert_int_equal(count_lines(runs), 1);
    free(runs);

    test_path merged = path_in(f.dir, "merged");
    lnl_merge_options options = {false};
    lnl_merge_summary merge_summary;
    lnl_error_clear(&err);
    assert_int_equal(lnl_merge_folders(merged.text, dirs, 4, &options, &merge_summary, &err),
                     LNL_OK);
    char *expected = runs_without_timing(f.full);
    char *actual = runs_without_timing(merged.text);
    assert_string_equal(actual, expected);
    assert_same_tables(f.full, merged.text);
    free(expected);
    free(actual);
    remove_tree(f.dir);
}

/* ---- merging ---------------------------------------------------------------- */

static void merge_three_shards_equals_full_run(void **state)
{
    (void)state;
    shard_folders f;
    shard_folders_create(&f);
    test_path merged = path_in(f.dir, "merged");
    lnl_merge_options options = {false};
    lnl_merge_summary summary;
    lnl_error err;
    lnl_error_clear(&err);

    /* the folders in another order than the shards' */
    const char *dirs[SHARDS] = {f.shards[2], f.shards[0], f.shards[1]};
    lnl_status status = lnl_merge_folders(merged.text, dirs, SHARDS, &options, &summary, &err);
    if (status != LNL_OK)
        fail_msg("merge failed: %s: %s", err.file, err.message);
    assert_int_equal(summary.n_runs, SHARD_RUNS);
    assert_int_equal(summary.n_recorded, SHARD_RUNS);
    assert_int_equal(summary.n_failed, 0);

    char *expected = runs_without_timing(f.full);
    char *actual = runs_without_timing(merged.text);
    assert_string_equal(actual, expected);
    assert_same_tables(f.full, merged.text);

    /* the recorded settings are those of the run, so lnl run resumes there */
    char *state_full = lnl_read_text(path_in(f.full, ".lnl-state").text);
    char *state_merged = lnl_read_text(path_in(merged.text, ".lnl-state").text);
    assert_non_null(state_full);
    assert_non_null(state_merged);
    assert_string_equal(state_merged, state_full);
    lnl_sweep_summary resumed;
    assert_int_equal(run_shard(shard_config, f.config_path, merged.text, 0, 0, &resumed, &err),
                     LNL_OK);
    assert_int_equal(resumed.n_resumed, SHARD_RUNS);

    free(expected);
    free(actual);
    free(state_full);
    free(state_merged);
    remove_tree(f.dir);
}

/* Runs shard index of count (count 0: every cell) of shard_config with
 * C = 0.07 instead of 0.05 for the method strong into the folder name of
 * dir, and returns the folder's path. */
static test_path run_other_config(const char *dir, const char *name, int index, int count)
{
    char *other = malloc(sizeof shard_config);
    assert_non_null(other);
    strcpy(other, shard_config);
    char *c_value = strstr(other, "C = 0.05");
    assert_non_null(c_value);
    memcpy(c_value, "C = 0.07", 8);

    test_path folder = path_in(dir, name);
    lnl_sweep_summary summary;
    lnl_error err;
    assert_int_equal(run_shard(other, path_in(dir, "other.ini").text, folder.text, index, count,
                               &summary, &err),
                     LNL_OK);
    free(other);
    return folder;
}

static void merge_rejects_other_config(void **state)
{
    (void)state;
    shard_folders f;
    shard_folders_create(&f);

    /* shard 2 of a config whose method strong has another C */
    test_path other_folder = run_other_config(f.dir, "other-2-of-3", 2, SHARDS);
    lnl_error err;

    const char *dirs[SHARDS] = {f.shards[0], other_folder.text, f.shards[2]};
    lnl_merge_options options = {false};
    lnl_merge_summary summary;
    lnl_error_clear(&err);
    test_path merged = path_in(f.dir, "merged");
    assert_int_equal(lnl_merge_folders(merged.text, dirs, SHARDS, &options, &summary, &err),
                     LNL_ERR_CONFIG);
    assert_string_equal(err.file, other_folder.text);
    assert_non_null(strstr(err.message, "[method strong] C = 0.07"));
    assert_non_null(strstr(err.message, "[method strong] C = 0.05"));
    struct stat info;
    assert_int_not_equal(stat(merged.text, &info), 0);

    remove_tree(f.dir);
}

/* A merge into a folder with the results of other settings would mix two
 * experiments' files, so it is rejected and the folder is left as it was.
 * A folder with the same settings, such as the full run, is merged into. */
static void merge_rejects_other_output(void **state)
{
    (void)state;
    shard_folders f;
    shard_folders_create(&f);

    test_path other_folder = run_other_config(f.dir, "other", 0, 0);
    lnl_error err;
    char *before = lnl_read_text(path_in(other_folder.text, "runs.csv").text);
    assert_non_null(before);

    lnl_merge_options options = {false};
    lnl_merge_summary summary;
    lnl_error_clear(&err);
    assert_int_equal(lnl_merge_folders(other_folder.text, f.shard_list, SHARDS, &options,
                                       &summary, &err),
                     LNL_ERR_ARGUMENT);
    assert_string_equal(err.file, other_folder.text);
    assert_non_null(strstr(err.message, "[method strong] C = 0.07"));
    char *after = lnl_read_text(path_in(other_folder.text, "runs.csv").text);
    assert_non_null(after);
    assert_string_equal(after, before);

    lnl_error_clear(&err);
    assert_int_equal(lnl_merge_folders(f.full, f.shard_list, SHARDS, &options, &summary, &err),
                     LNL_OK);
    assert_int_equal(summary.n_recorded, SHARD_RUNS);

    free(after);
    free(before);
    remove_tree(f.dir);
}

/* A shard row with a value the report cannot read is rejected before
 * anything is written, with the shard's file and line. */
static void merge_rejects_damaged_row(void **state)
{
    (void)state;
    shard_folders f;
    shard_folders_create(&f);

    char *runs = lnl_read_text(path_in(f.shards[1], "runs.csv").text);
    assert_non_null(runs);
    char *second_row = strchr(strchr(runs, '\n') + 1, '\n') + 1;
    char *field = second_row;
    for (int comma = 0; comma < 12; comma++)
        field = strchr(field, ',') + 1;
    field[0] = 'x';  /* test_accuracy, the 13th column, becomes "x..." */
    write_text(path_in(f.shards[1], "runs.csv").text, runs);
    free(runs);

    test_path merged = path_in(f.dir, "merged");
    lnl_merge_options options = {false};
    lnl_merge_summary summary;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_merge_folders(merged.text, f.shard_list, SHARDS, &options, &summary,
                                       &err),
                     LNL_ERR_DATA);
    assert_string_equal(err.file, path_in(f.shards[1], "runs.csv").text);
    if (err.line != 3)
        fail_msg("%s:%ld: %s", err.file, (long)err.line, err.message);
    assert_non_null(strstr(err.message, "test_accuracy"));
    struct stat info;
    assert_int_not_equal(stat(merged.text, &info), 0);
    remove_tree(f.dir);
}

static void merge_rejects_overlapping_shards(void **state)
{
    (void)state;
    shard_folders f;
    shard_folders_create(&f);
    lnl_merge_options options = {false};
    lnl_merge_summary summary;
    lnl_error err;
    lnl_error_clear(&err);
    test_path merged = path_in(f.dir, "merged");

    /* the full run contains every shard's runs */
    const char *dirs[2] = {f.shards[1], f.full};
    assert_int_equal(lnl_merge_folders(merged.text, dirs, 2, &options, &summary, &err),
                     LNL_ERR_ARGUMENT);
    assert_string_equal(err.file, path_in(f.full, "runs.csv").text);
    assert_non_null(strstr(err.message, f.shards[1]));
    assert_non_null(strstr(err.message, "overlap"));

    /* the same folder twice */
    const char *twice[2] = {f.shards[0], f.shards[0]};
    lnl_error_clear(&err);
    assert_int_equal(lnl_merge_folders(merged.text, twice, 2, &options, &summary, &err),
                     LNL_ERR_ARGUMENT);
    assert_string_equal(err.file, f.shards[0]);
    assert_non_null(strstr(err.message, "given twice"));

    struct stat info;
    assert_int_not_equal(stat(merged.text, &info), 0);
    remove_tree(f.dir);
}

static void merge_missing_shard_needs_partial(void **state)
{
    (void)state;
    shard_folders f;
    shard_folders_create(&f);
    lnl_merge_options options = {false};
    lnl_merge_summary summary;
    lnl_error err;
    lnl_error_clear(&err);
    test_path merged = path_in(f.dir, "merged");

    assert_int_equal(lnl_merge_folders(merged.text, f.shard_list, 2, &options, &summary, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "10 of 32 runs are in none of the folders"));
    assert_non_null(strstr(err.message, "--partial"));

    /* --partial writes the 22 runs there are, in plan order */
    options.partial = true;
    lnl_error_clear(&err);
    assert_int_equal(lnl_merge_folders(merged.text, f.shard_list, 2, &options, &summary, &err),
                     LNL_OK);
    assert_int_equal(summary.n_recorded, 22);
    char *rows = runs_without_timing(merged.text);
    assert_int_equal(count_lines(rows), 23);
    free(rows);

    /* lnl run into the merged folder runs only the missing shard's cells */
    lnl_sweep_summary resumed;
    assert_int_equal(run_shard(shard_config, f.config_path, merged.text, 0, 0, &resumed, &err),
                     LNL_OK);
    assert_int_equal(resumed.n_resumed, 22);
    char *expected = runs_without_timing(f.full);
    char *actual = runs_without_timing(merged.text);
    assert_string_equal(actual, expected);

    free(expected);
    free(actual);
    remove_tree(f.dir);
}

/* ---- the lnl program ------------------------------------------------------ */

static void cli_shard_and_merge(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    test_path config = path_in(dir, "shard.ini");
    char text[sizeof shard_config + 64];
    snprintf(text, sizeof text, "%s", shard_config);
    write_text(config.text, text);
    char *out_text = NULL, *err_text = NULL;

    /* invalid shards are usage errors */
    static const char *const invalid[] = {"0/3", "4/3", "3", "a/b", "1/0", "2/3x"};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        const char *args[] = {"run", config.text, "--shard", invalid[i], NULL};
        assert_int_equal(lnl_run(args, dir, dir, NULL, &err_text), 2);
        assert_non_null(strstr(err_text, "invalid --shard"));
        free(err_text);
    }

    /* the shards into their default folders, then the merge */
    for (int i = 1; i <= 2; i++) {
        char shard[16];
        snprintf(shard, sizeof shard, "%d/2", i);
        const char *args[] = {"run", "shard.ini", "--shard", shard, "--quiet", NULL};
        assert_int_equal(lnl_run(args, dir, dir, NULL, &err_text), 0);
        free(err_text);
    }
    const char *merge[] = {"merge", "merged", "results/shard/shard-1-of-2",
                           "results/shard/shard-2-of-2", NULL};
    int code = lnl_run(merge, dir, dir, &out_text, &err_text);
    if (code != 0)
        fail_msg("lnl merge exited with %d: %s", code, err_text);
    assert_non_null(strstr(out_text, "| method |"));
    assert_non_null(strstr(err_text, "merged 2 folders: 32 of 32 runs"));
    free(out_text);
    free(err_text);

    /* one process with --jobs 1 and --jobs 2: the same rows */
    const char *jobs1[] = {"run", "shard.ini", "--out", "jobs1", "--jobs", "1", "--quiet", NULL};
    const char *jobs2[] = {"run", "shard.ini", "--out", "jobs2", "--jobs", "2", "--quiet", NULL};
    assert_int_equal(lnl_run(jobs1, dir, dir, NULL, NULL), 0);
    assert_int_equal(lnl_run(jobs2, dir, dir, NULL, NULL), 0);
    char *one = runs_without_timing(path_in(dir, "jobs1").text);
    char *two = runs_without_timing(path_in(dir, "jobs2").text);
    char *merged = runs_without_timing(path_in(dir, "merged").text);
    assert_int_equal(count_lines(one), SHARD_RUNS + 1);
    assert_string_equal(two, one);
    assert_string_equal(merged, one);
    assert_same_tables(path_in(dir, "jobs1").text, path_in(dir, "merged").text);

    /* --no-figures: the same tables and no figures folder */
    const char *plain[] = {"merge", "plain", "results/shard/shard-1-of-2",
                           "results/shard/shard-2-of-2", "--no-figures", "--quiet", NULL};
    assert_int_equal(lnl_run(plain, dir, dir, NULL, NULL), 0);
    assert_same_tables(path_in(dir, "merged").text, path_in(dir, "plain").text);
    struct stat info;
    assert_int_equal(stat(path_in(dir, "merged/figures").text, &info), 0);
    assert_int_not_equal(stat(path_in(dir, "plain/figures").text, &info), 0);

    /* a file where a folder belongs: exit code 2 and its name */
    write_text(path_in(dir, "plain.txt").text, "not a folder\n");
    const char *file_in[] = {"merge", "fromfile", "plain.txt", NULL};
    assert_int_equal(lnl_run(file_in, dir, dir, NULL, &err_text), 2);
    assert_non_null(strstr(err_text, "plain.txt: not a folder"));
    free(err_text);
    const char *file_out[] = {"merge", "plain.txt", "results/shard/shard-1-of-2",
                              "results/shard/shard-2-of-2", NULL};
    assert_int_equal(lnl_run(file_out, dir, dir, NULL, &err_text), 2);
    assert_non_null(strstr(err_text, "plain.txt: the output path exists and is not a folder"));
    free(err_text);

    /* a folder merged twice is rejected with its name */
    const char *overlap[] = {"merge", "again", "results/shard/shard-1-of-2", "jobs1", NULL};
    assert_int_equal(lnl_run(overlap, dir, dir, NULL, &err_text), 2);
    assert_non_null(strstr(err_text, "jobs1/runs.csv"));
    free(err_text);

    free(one);
    free(two);
    free(merged);
    remove_tree(dir);
}

static void cli_shards_share_out_folder(void **state)
{
    (void)state;
    char dir[64];
    make_temp_dir(dir, sizeof dir);
    write_text(path_in(dir, "shard.ini").text, shard_config);
    char *err_text = NULL;

    /* three shards with one --out write three subfolders and drop nothing */
    static const size_t expected_rows[SHARDS] = {11, 11, 10};
    for (int i = 1; i <= SHARDS; i++) {
        char shard[16];
        snprintf(shard, sizeof shard, "%d/%d", i, SHARDS);
        const char *args[] = {"run", "shard.ini", "--shard", shard, "--out", "same", "--quiet",
                              NULL};
        assert_int_equal(lnl_run(args, dir, dir, NULL, &err_text), 0);
        assert_null(strstr(err_text, "dropped"));
        free(err_text);
    }
    for (int i = 1; i <= SHARDS; i++) {
        char name[64];
        snprintf(name, sizeof name, "same/shard-%d-of-%d", i, SHARDS);
        char *rows = runs_without_timing(path_in(dir, name).text);
        assert_int_equal(count_lines(rows), expected_rows[i - 1] + 1);
        free(rows);
    }
    struct stat info;
    assert_int_not_equal(stat(path_in(dir, "same/runs.csv").text, &info), 0);
    const char *merge[] = {"merge", "merged", "same/shard-1-of-3", "same/shard-2-of-3",
                           "same/shard-3-of-3", NULL};
    assert_int_equal(lnl_run(merge, dir, dir, NULL, &err_text), 0);
    assert_non_null(strstr(err_text, "merged 3 folders: 32 of 32 runs"));
    free(err_text);

    /* a shard folder that contains another shard's rows is a usage error */
    assert_int_equal(rename(path_in(dir, "same/shard-3-of-3").text,
                            path_in(dir, "shard-3-moved").text), 0);
    assert_int_equal(rename(path_in(dir, "same/shard-1-of-3").text,
                            path_in(dir, "same/shard-3-of-3").text), 0);
    const char *args[] = {"run", "shard.ini", "--shard", "3/3", "--out", "same", NULL};
    assert_int_equal(lnl_run(args, dir, dir, NULL, &err_text), 2);
    assert_non_null(strstr(err_text, "same/shard-3-of-3"));
    assert_non_null(strstr(err_text, "11 runs of shards other than shard 3 of 3"));
    free(err_text);
    char *kept = runs_without_timing(path_in(dir, "same/shard-3-of-3").text);
    assert_int_equal(count_lines(kept), 12);
    free(kept);

    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shard_slices_partition_plan),
        cmocka_unit_test(shard_rejects_invalid_index),
        cmocka_unit_test(shard_rejects_folder_of_other_shard),
        cmocka_unit_test(shard_without_baseline_succeeds),
        cmocka_unit_test(merge_three_shards_equals_full_run),
        cmocka_unit_test(merge_rejects_other_config),
        cmocka_unit_test(merge_rejects_other_output),
        cmocka_unit_test(merge_rejects_damaged_row),
        cmocka_unit_test(merge_rejects_overlapping_shards),
        cmocka_unit_test(merge_missing_shard_needs_partial),
        cmocka_unit_test(cli_shard_and_merge),
        cmocka_unit_test(cli_shards_share_out_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
