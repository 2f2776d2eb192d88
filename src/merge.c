#include "lnl/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnl/log.h"
#include "lnl/manifest.h"
#include "lnl/report.h"
#include "lnl/sweep.h"
#include "output_dir.h"

/* ---- Files ------------------------------------------------------------------ */

/* True when a and b name the same existing folder. */
static bool same_folder(const char *a, const char *b)
{
    struct stat first, second;
    return stat(a, &first) == 0 && stat(b, &second) == 0 && first.st_dev == second.st_dev &&
           first.st_ino == second.st_ino;
}

/* ---- Checks ----------------------------------------------------------------- */

/* Compares two .lnl-state texts line by line. At the first line that
 * differs, writes "[section] key = value" of each text into line_a and
 * line_b, and returns false. The section is the last one the texts share. */
static bool states_equal(const char *a, const char *b, char *line_a, char *line_b, size_t size)
{
    const char *section = "";
    size_t section_length = 0;
    for (;;) {
        size_t length_a = strcspn(a, "\n"), length_b = strcspn(b, "\n");
        bool same = length_a == length_b && strncmp(a, b, length_a) == 0 &&
                    (a[length_a] == '\0') == (b[length_b] == '\0');
        if (!same) {
            snprintf(line_a, size, "%.*s %.*s", (int)section_length, section, (int)length_a, a);
            snprintf(line_b, size, "%.*s %.*s", (int)section_length, section, (int)length_b, b);
            return false;
        }
        if (a[length_a] == '\0')
            return true;
        if (a[0] == '[') {
            section = a;
            section_length = length_a;
        }
        a += length_a + 1;
        b += length_b + 1;
    }
}

/* Position of a column in the header line, or the field count when the
 * header lacks it. */
static size_t header_column(const char *header, const char *name)
{
    size_t column = 0, length = strlen(name);
    for (const char *p = header; *p != '\0' && *p != '\n'; column++) {
        if (strncmp(p, name, length) == 0 && (p[length] == ',' || p[length] == '\n'))
            return column;
        p += strcspn(p, ",\n");
        if (*p == ',')
            p++;
    }
    return column;
}

/* True when field `column` of a row (one line, quoted as runs.csv quotes
 * its fields) is exactly text. */
static bool field_equals(const char *row, size_t column, const char *text)
{
    const char *p = row;
    bool quoted = false;
    for (size_t c = 0; c < column && *p != '\0'; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == ',' && !quoted)
            c++;
    }
    size_t length = strlen(text);
    return strncmp(p, text, length) == 0 && (p[length] == ',' || p[length] == '\0');
}

/* ---- Merging ------------------------------------------------------------------ */

/* Per cell of the plan: its row (a line of some part's runs.csv, without
 * the line break) and the part it came from. */
typedef struct merged_rows {
    char **rows;
    size_t *owner;
    size_t n_cells;
} merged_rows;

static void merged_rows_free(merged_rows *merged)
{
    if (merged->rows != NULL)
        for (size_t i = 0; i < merged->n_cells; i++)
            free(merged->rows[i]);
    free(merged->rows);
    free(merged->owner);
    memset(merged, 0, sizeof *merged);
}

/* Takes the rows of one part's runs.csv into merged. */
static lnl_status take_part_rows(const lnl_config *config, const lnl_merge_part *parts,
                                 size_t part, merged_rows *merged, lnl_error *err)
{
    const char *header = lnl_sweep_runs_header();
    const char *text = parts[part].runs_text;
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/runs.csv", parts[part].name);
    if (strncmp(text, header, strlen(header)) != 0)
        return lnl_error_set(err, LNL_ERR_DATA, path, 1,
                             "other columns than this version of lnl writes; merge only "
                             "folders written by this version");

    long line_number = 1;
    for (const char *line = text + strlen(header); *line != '\0'; ) {
        line_number++;
        const char *end = strchr(line, '\n');
        if (end == NULL) {
            lnl_log(LNL_LOG_WARNING, "%s:%ld: skipped a row cut off by an interruption", path,
                    line_number);
            break;
        }
        size_t length = (size_t)(end - line);
        char *row = malloc(length + 2);
        if (row == NULL)
            return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        memcpy(row, line, length);
        row[length] = '\0';

        size_t index = lnl_sweep_row_position(config, row);
        if (index == merged->n_cells) {
            free(row);
            return lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                                 "the row names no run of the config");
        }
        if (merged->rows[index] != NULL) {
            const char *other = parts[merged->owner[index]].name;
            free(row);
            if (merged->owner[index] == part)
                return lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                                     "the row repeats the run of an earlier row");
            return lnl_error_set(err, LNL_ERR_ARGUMENT, path, line_number,
                                 "the run of this row is also in %s/runs.csv: the folders "
                                 "overlap; merge the folders of disjoint shards of one "
                                 "sweep (lnl run --shard I/N with one N)",
                                 other);
        }
        row[length] = '\n';
        row[length + 1] = '\0';
        merged->rows[index] = row;
        merged->owner[index] = part;
        line = end + 1;
    }
    return LNL_OK;
}

/* Describes the cell at plan position index as "data / noise / rate R /
 * method / seed S", from the plan order of lnl_sweep_row_position. */
static void describe_cell(const lnl_config *config, size_t index, char *out, size_t size)
{
    size_t per_setting = config->n_methods * (size_t)config->seeds;
    size_t setting = index / per_setting, rest = index % per_setting;
    for (size_t d = 0; d < config->n_data; d++)
        for (size_t n = 0; n < config->n_noise; n++) {
            if (!lnl_config_noise_applies(config, n, d))
                continue;
            if (setting < config->noise[n].n_rates) {
                snprintf(out, size, "%s / %s / rate %g / %s / seed %zu", config->data[d].name,
                         config->noise[n].name, config->noise[n].rates[setting],
                         config->methods[rest / (size_t)config->seeds].name,
                         rest % (size_t)config->seeds);
                return;
            }
            setting -= config->noise[n].n_rates;
        }
    snprintf(out, size, "cell %zu", index);
}

/* Writes runs.csv, .lnl-state, the manifest and the report into output;
 * the report has no figures when skip_figures is set. */
static lnl_status write_merged_folder(const lnl_config *config, const char *output,
                                      const merged_rows *merged, const char *state_text,
                                      const char *config_text, bool skip_figures,
                                      lnl_error *err)
{
    char path[LNL_PATH_MAX + 64];
    int lock_fd = -1;
    lnl_status status = lnl_output_dir_create(output, err);
    if (status == LNL_OK)
        status = lnl_output_dir_lock(output, &lock_fd, err);
    if (status != LNL_OK)
        return status;

    /* runs.csv first, so that it never contains a row that .lnl-state does
     * not describe */
    const char **parts = malloc((merged->n_cells + 1) * sizeof *parts);
    if (parts == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    } else {
        parts[0] = lnl_sweep_runs_header();
        for (size_t i = 0; i < merged->n_cells; i++)
            parts[i + 1] = merged->rows[i];
        snprintf(path, sizeof path, "%s/runs.csv", output);
        status = lnl_output_file_write(path, parts, merged->n_cells + 1, err);
        free(parts);
    }
    if (status == LNL_OK) {
        snprintf(path, sizeof path, "%s/.lnl-state", output);
        status = lnl_output_file_write(path, &state_text, 1, err);
    }
    if (status == LNL_OK)
        status = lnl_manifest_write_text(output, config, config_text, err);
    if (status == LNL_OK) {
        lnl_report_options report_options = {.skip_figures = skip_figures};
        status = lnl_report_write_with_options(output, &report_options, err);
    }
    close(lock_fd);
    return status;
}

/* Checks that the parts recorded the same settings, that no folder is
 * given twice and that none is the output folder. */
static lnl_status check_parts(const char *output, const lnl_merge_part *parts, size_t n_parts,
                              lnl_error *err)
{
    for (size_t p = 0; p < n_parts; p++) {
        char recorded[512], first[512];
        if (same_folder(parts[p].name, output))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, parts[p].name, 0,
                                 "the output folder is one of the folders to merge; choose "
                                 "another output folder");
        for (size_t q = 0; q < p; q++)
            if (same_folder(parts[p].name, parts[q].name))
                return lnl_error_set(err, LNL_ERR_ARGUMENT, parts[p].name, 0,
                                     "the folder is given twice (also as %s)", parts[q].name);
        if (p > 0 && !states_equal(parts[p].state_text, parts[0].state_text, recorded,
                                   first, sizeof recorded))
            return lnl_error_set(err, LNL_ERR_CONFIG, parts[p].name, 0,
                                 "runs made with other settings than those in %s: .lnl-state "
                                 "has \"%s\" where %s has \"%s\"; merge only the shards of one "
                                 "config", parts[0].name, recorded, parts[0].name, first);
    }
    return LNL_OK;
}

/* Checks that an existing output folder with results has the settings of
 * the parts, as lnl_sweep_run checks a folder it resumes. Otherwise the
 * merge would mix the files of two experiments. */
static lnl_status check_output(const char *output, const char *state_text, lnl_error *err)
{
    lnl_status status = lnl_output_dir_check(output, err);
    if (status != LNL_OK)
        return status;
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/.lnl-state", output);
    char *existing = NULL;
    size_t length = 0;
    status = lnl_output_file_read(path, &existing, &length, err);
    if (status != LNL_OK || existing == NULL)
        return status;
    char recorded[512], wanted[512];
    if (!states_equal(existing, state_text, recorded, wanted, sizeof recorded))
        status = lnl_error_set(err, LNL_ERR_ARGUMENT, output, 0,
                               "the output folder contains runs made with other settings: its "
                               ".lnl-state has \"%s\" where the folders to merge have \"%s\"; "
                               "merge into another folder or delete this one", recorded, wanted);
    free(existing);
    return status;
}

lnl_status lnl_merge_runs(const lnl_config *config, const char *output,
                          const lnl_merge_part *parts, size_t n_parts,
                          const char *config_text, const lnl_merge_options *options,
                          lnl_merge_summary *summary, lnl_error *err)
{
    memset(summary, 0, sizeof *summary);
    if (n_parts == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "no folders to merge");
    lnl_status status = check_parts(output, parts, n_parts, err);
    if (status == LNL_OK)
        status = check_output(output, parts[0].state_text, err);
    if (status != LNL_OK)
        return status;

    /* every row into its cell */
    merged_rows merged = {0};
    merged.n_cells = lnl_sweep_count(config);
    merged.rows = calloc(merged.n_cells + 1, sizeof *merged.rows);
    merged.owner = calloc(merged.n_cells + 1, sizeof *merged.owner);
    if (merged.rows == NULL || merged.owner == NULL) {
        merged_rows_free(&merged);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu runs",
                             merged.n_cells);
    }
    for (size_t p = 0; p < n_parts && status == LNL_OK; p++) {
        char path[LNL_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/runs.csv", parts[p].name);
        status = lnl_report_check_runs_text(parts[p].runs_text, path, err);
        if (status == LNL_OK)
            status = take_part_rows(config, parts, p, &merged, err);
    }
    if (status != LNL_OK) {
        merged_rows_free(&merged);
        return status;
    }

    /* count, and check that nothing is missing */
    const char *header = lnl_sweep_runs_header();
    size_t status_column = header_column(header, "status");
    size_t converged_column = header_column(header, "converged");
    size_t first_missing = merged.n_cells;
    summary->n_runs = merged.n_cells;
    for (size_t i = 0; i < merged.n_cells; i++) {
        if (merged.rows[i] == NULL) {
            if (first_missing == merged.n_cells)
                first_missing = i;
            continue;
        }
        summary->n_recorded++;
        if (!field_equals(merged.rows[i], status_column, "ok"))
            summary->n_failed++;
        else if (!field_equals(merged.rows[i], converged_column, "true"))
            summary->n_not_converged++;
    }
    if (first_missing < merged.n_cells && !options->partial) {
        char cell[512];
        describe_cell(config, first_missing, cell, sizeof cell);
        status = lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                               "%zu of %zu runs are in none of the folders, the first %s; "
                               "finish every shard and merge all of their folders, or pass "
                               "--partial to merge what is there",
                               merged.n_cells - summary->n_recorded, merged.n_cells, cell);
        merged_rows_free(&merged);
        return status;
    }

    status = write_merged_folder(config, output, &merged, parts[0].state_text, config_text,
                                 options->skip_figures, err);
    merged_rows_free(&merged);
    return status;
}

/* ---- Folders ------------------------------------------------------------------ */

/* Reads a string member of DIR/manifest.json into a new string, or *out =
 * NULL when the folder has no manifest or it lacks the member. */
static lnl_status read_manifest_member(const char *dir, const char *key, char **out,
                                       lnl_error *err)
{
    *out = NULL;
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    struct stat info;
    if (stat(path, &info) != 0)
        return LNL_OK;

    /* a decoded JSON string is never longer than the file */
    size_t size = (size_t)info.st_size + 1;
    char *text = malloc(size);
    if (text == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    bool found = false;
    lnl_status status = lnl_manifest_read_string(dir, key, text, size, &found, err);
    if (status != LNL_OK || !found) {
        free(text);
        return status;
    }
    *out = text;
    return LNL_OK;
}

lnl_status lnl_merge_folders(const char *output, const char *const *dirs, size_t n_dirs,
                             const lnl_merge_options *options, lnl_merge_summary *summary,
                             lnl_error *err)
{
    memset(summary, 0, sizeof *summary);
    if (n_dirs == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "no folders to merge");
    lnl_merge_part *parts = calloc(n_dirs, sizeof *parts);
    char *config_text = NULL, *config_path = NULL;
    const char *config_source = NULL;
    lnl_config *config = NULL;
    if (parts == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");

    /* each folder's recorded settings and rows */
    lnl_status status = LNL_OK;
    for (size_t i = 0; i < n_dirs && status == LNL_OK; i++) {
        char path[LNL_PATH_MAX + 32];
        char *state_text = NULL, *runs_text = NULL;
        size_t length;
        parts[i].name = dirs[i];
        struct stat info;
        if (stat(dirs[i], &info) == 0 && !S_ISDIR(info.st_mode)) {
            status = lnl_error_set(err, LNL_ERR_ARGUMENT, dirs[i], 0,
                                   "not a folder: give the output folders of lnl run");
            break;
        }
        snprintf(path, sizeof path, "%s/.lnl-state", dirs[i]);
        status = lnl_output_file_read(path, &state_text, &length, err);
        parts[i].state_text = state_text;
        if (status == LNL_OK && state_text == NULL)
            status = lnl_error_set(err, LNL_ERR_ARGUMENT, dirs[i], 0,
                                   "no .lnl-state: not an output folder of lnl run (a "
                                   "shard writes into the folder shard-I-of-N inside its "
                                   "output folder)");
        snprintf(path, sizeof path, "%s/runs.csv", dirs[i]);
        if (status == LNL_OK)
            status = lnl_output_file_read(path, &runs_text, &length, err);
        parts[i].runs_text = runs_text;
        if (status == LNL_OK && runs_text == NULL)
            status = lnl_error_set(err, LNL_ERR_ARGUMENT, dirs[i], 0,
                                   "no runs.csv: not an output folder of lnl run");
    }
    if (status == LNL_OK)
        status = check_parts(output, parts, n_dirs, err);

    /* the config text of the manifests */
    for (size_t i = 0; i < n_dirs && status == LNL_OK; i++) {
        char *text = NULL;
        status = read_manifest_member(dirs[i], "config_text", &text, err);
        if (status != LNL_OK || text == NULL)
            continue;
        if (config_text == NULL) {
            config_text = text;
            config_source = dirs[i];
            status = read_manifest_member(dirs[i], "config_path", &config_path, err);
            continue;
        }
        if (strcmp(text, config_text) != 0)
            status = lnl_error_set(err, LNL_ERR_CONFIG, dirs[i], 0,
                                   "manifest.json records another config text than %s/"
                                   "manifest.json; merge only the shards of one config",
                                   config_source);
        free(text);
    }
    if (status == LNL_OK && config_text == NULL)
        status = lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                               "none of the folders has a manifest.json with the config; "
                               "finish a shard with lnl run first");

    /* the config, then the merge */
    if (status == LNL_OK) {
        status = lnl_config_parse_string(config_text, config_path, &config, err);
        if (status != LNL_OK) {
            char reason[LNL_ERROR_MESSAGE_MAX];
            snprintf(reason, sizeof reason, "%s", err->message);
            lnl_error_set(err, status, config_source, 0,
                          "the config in manifest.json cannot be read: %.900s", reason);
        }
    }
    if (status == LNL_OK)
        status = lnl_merge_runs(config, output, parts, n_dirs, config_text, options, summary,
                                err);

    lnl_config_destroy(config);
    for (size_t i = 0; i < n_dirs; i++) {
        free((char *)parts[i].state_text);
        free((char *)parts[i].runs_text);
    }
    free(parts);
    free(config_text);
    free(config_path);
    return status;
}
