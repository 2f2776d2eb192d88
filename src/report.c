#include "lnl/report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lnl_version.h"
#include "lnl/figure.h"
#include "lnl/manifest.h"
#include "lnl/noise.h"
#include "lnl/split.h"
#include "lnl/stats.h"
#include "lnl/sweep.h"

/* Accuracies closer than this are equal: for the best mean and for the
 * Wilcoxon test's zeros and ties. Accuracies are multiples of 1 / n_test,
 * so real differences are far larger and rounding errors far smaller. */
static const double accuracy_tolerance = 1e-12;

/* ---- runs.csv ------------------------------------------------------------- */

/* The columns of runs.csv that the report needs, and where the row falls
 * in the report once the groups are built. */
typedef struct run_row {
    char dataset[LNL_NAME_MAX], noise[LNL_NAME_MAX], method[LNL_NAME_MAX];
    char noise_type[LNL_NAME_MAX];
    char setting[LNL_NAME_MAX]; /* "" unless the rate alone does not name the setting */
    double rate;
    long seed;              /* -1 when runs.csv has no seed column */
    double test_accuracy;
    double label_precision; /* of the samples the method kept; NaN when not recorded */
    bool ok;
    bool clean_labels;      /* trained on clean labels: a noise-free reference */
    size_t group_index, method_index, rate_index;
    size_t line;            /* line in runs.csv */
    bool replaced;          /* a later row has the same cell and seed */
    /* Kept only for rows whose method used a transition matrix, as
     * runs.csv writes them: K x K, rows separated by ';', entries by
     * spaces. NULL otherwise. */
    char *confusion;          /* clean-by-noisy counts of the training labels */
    char *transition_matrix;  /* the T that the method used */
} run_row;

typedef struct run_table {
    run_row *rows;
    size_t n_rows, capacity;
    bool has_seed;
    bool has_precision;     /* some row has a label_precision */
    bool skipped_partial_line;
} run_table;

enum { MAX_FIELDS = 64 };

/* Splits one CSV line in place into at most MAX_FIELDS fields, removing
 * quotes. Returns the number of fields. */
static size_t split_csv_line(char *line, char **fields)
{
    size_t n = 0;
    char *read = line, *write = line;
    while (n < MAX_FIELDS) {
        fields[n++] = write;
        bool quoted = *read == '"';
        if (quoted)
            read++;
        for (;;) {
            if (*read == '\0' || *read == '\n' || *read == '\r') {
                *write = '\0';
                return n;
            }
            if (quoted && *read == '"' && read[1] == '"') {
                *write++ = '"';
                read += 2;
            } else if (quoted && *read == '"') {
                quoted = false;
                read++;
            } else if (!quoted && *read == ',') {
                *write++ = '\0';
                read++;
                break;
            } else {
                *write++ = *read++;
            }
        }
    }
    return n;
}

static int column_index(char **header, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(header[i], name) == 0)
            return (int)i;
    return -1;
}

static lnl_status copy_name(char *out, const char *text, const char *column, const char *path,
                            long line, lnl_error *err)
{
    if (strlen(text) >= LNL_NAME_MAX)
        return lnl_error_set(err, LNL_ERR_DATA, path, line,
                             "the %s \"%.40s...\" is longer than %d bytes", column, text,
                             LNL_NAME_MAX - 1);
    memcpy(out, text, strlen(text) + 1);
    return LNL_OK;
}

static lnl_status parse_number(const char *text, const char *column, const char *path,
                               long line, double *out, lnl_error *err)
{
    char *end;
    *out = strtod(text, &end);
    if (end == text || *end != '\0')
        return lnl_error_set(err, LNL_ERR_DATA, path, line, "invalid %s \"%s\": expected a number",
                             column, text);
    return LNL_OK;
}

enum { COL_DATASET, COL_NOISE, COL_METHOD, COL_RATE, COL_ACCURACY, COL_STATUS, COL_SEED,
       COL_NOISE_TYPE, COL_LABELS, COL_SETTING, COL_CONFUSION, COL_TRANSITION, COL_PRECISION,
       N_COLUMNS };

static lnl_status parse_row(char **fields, const int *columns, const char *path, long line,
                            run_row *row, lnl_error *err)
{
    memset(row, 0, sizeof *row);
    row->line = (size_t)line;
    lnl_status status = copy_name(row->dataset, fields[columns[COL_DATASET]], "dataset", path,
                                  line, err);
    if (status == LNL_OK)
        status = copy_name(row->noise, fields[columns[COL_NOISE]], "noise", path, line, err);
    if (status == LNL_OK)
        status = copy_name(row->method, fields[columns[COL_METHOD]], "method", path, line, err);
    if (status == LNL_OK && columns[COL_NOISE_TYPE] >= 0)
        status = copy_name(row->noise_type, fields[columns[COL_NOISE_TYPE]], "noise_type", path,
                           line, err);
    if (status == LNL_OK && columns[COL_SETTING] >= 0)
        status = copy_name(row->setting, fields[columns[COL_SETTING]], "setting", path, line,
                           err);
    if (status == LNL_OK)
        status = parse_number(fields[columns[COL_RATE]], "rate", path, line, &row->rate, err);
    if (status == LNL_OK)
        status = parse_number(fields[columns[COL_ACCURACY]], "test_accuracy", path, line,
                              &row->test_accuracy, err);
    row->label_precision = NAN;
    if (status == LNL_OK && columns[COL_PRECISION] >= 0 && fields[columns[COL_PRECISION]][0] != '\0')
        status = parse_number(fields[columns[COL_PRECISION]], "label_precision", path, line,
                              &row->label_precision, err);
    if (status != LNL_OK)
        return status;

    row->ok = strcmp(fields[columns[COL_STATUS]], "ok") == 0;
    row->clean_labels = columns[COL_LABELS] >= 0 && strcmp(fields[columns[COL_LABELS]], "clean") == 0;
    row->seed = -1;
    if (columns[COL_SEED] >= 0) {
        char *end;
        const char *text = fields[columns[COL_SEED]];
        row->seed = strtol(text, &end, 10);
        if (end == text || *end != '\0' || row->seed < 0)
            return lnl_error_set(err, LNL_ERR_DATA, path, line,
                                 "invalid seed \"%s\": expected an integer >= 0", text);
    }

    /* copied last, so that no earlier error leaves them allocated */
    if (columns[COL_TRANSITION] >= 0 && fields[columns[COL_TRANSITION]][0] != '\0') {
        row->transition_matrix = strdup(fields[columns[COL_TRANSITION]]);
        if (columns[COL_CONFUSION] >= 0 && fields[columns[COL_CONFUSION]][0] != '\0')
            row->confusion = strdup(fields[columns[COL_CONFUSION]]);
        bool confusion_lost = row->confusion == NULL && columns[COL_CONFUSION] >= 0 &&
                              fields[columns[COL_CONFUSION]][0] != '\0';
        if (row->transition_matrix == NULL || confusion_lost) {
            free(row->transition_matrix);
            free(row->confusion);
            row->transition_matrix = row->confusion = NULL;
            return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        }
    }
    return LNL_OK;
}

/* Reads the rows of an open runs.csv; path names it in messages. */
static lnl_status read_runs_from(FILE *file, const char *path, run_table *table, lnl_error *err)
{
    char *line = NULL, *fields[MAX_FIELDS];
    size_t line_size = 0;
    lnl_status status = LNL_OK;
    long line_number = 1;
    static const char *const names[N_COLUMNS] = {"dataset", "noise", "method", "rate",
                                                 "test_accuracy", "status", "seed",
                                                 "noise_type", "labels", "setting",
                                                 "confusion", "transition_matrix",
                                                 "label_precision"};
    int columns[N_COLUMNS];

    if (getline(&line, &line_size, file) < 0) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, 1, "the file is empty");
        goto cleanup;
    }
    size_t n_header = split_csv_line(line, fields);
    for (int c = 0; c < N_COLUMNS; c++) {
        columns[c] = column_index(fields, n_header, names[c]);
        if (columns[c] < 0 && c <= COL_STATUS) {
            status = lnl_error_set(err, LNL_ERR_DATA, path, 1, "missing column \"%s\"", names[c]);
            goto cleanup;
        }
    }
    table->has_seed = columns[COL_SEED] >= 0;

    ssize_t length;
    while ((length = getline(&line, &line_size, file)) >= 0) {
        line_number++;
        if (line[0] == '\n' || line[0] == '\0' || (line[0] == '\r' && line[1] == '\n'))
            continue;
        bool complete = length > 0 && line[length - 1] == '\n';
        size_t n = split_csv_line(line, fields);
        if (n != n_header) {
            /* a sweep that crashed while appending leaves a cut last line */
            if (!complete && n < n_header) {
                table->skipped_partial_line = true;
                break;
            }
            status = lnl_error_set(err, LNL_ERR_DATA, path, line_number,
                                   "expected %zu fields, found %zu", n_header, n);
            goto cleanup;
        }
        if (table->n_rows == table->capacity) {
            size_t capacity = table->capacity ? 2 * table->capacity : 256;
            run_row *rows = realloc(table->rows, capacity * sizeof(run_row));
            if (rows == NULL) {
                status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
                goto cleanup;
            }
            table->rows = rows;
            table->capacity = capacity;
        }
        status = parse_row(fields, columns, path, line_number, &table->rows[table->n_rows], err);
        if (status != LNL_OK)
            goto cleanup;
        table->has_precision |= !isnan(table->rows[table->n_rows].label_precision);
        table->n_rows++;
    }
    if (ferror(file))
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "reading failed");

cleanup:
    free(line);
    return status;
}

static lnl_status read_runs(const char *path, run_table *table, lnl_error *err)
{
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    lnl_status status = read_runs_from(file, path, table, err);
    fclose(file);
    return status;
}

static void free_runs(run_table *table)
{
    for (size_t i = 0; i < table->n_rows; i++) {
        free(table->rows[i].confusion);
        free(table->rows[i].transition_matrix);
    }
    free(table->rows);
    memset(table, 0, sizeof *table);
}

lnl_status lnl_report_check_runs_text(const char *text, const char *path, lnl_error *err)
{
    size_t length = strlen(text);
    if (length == 0)
        return lnl_error_set(err, LNL_ERR_DATA, path, 1, "the file is empty");
    FILE *file = fmemopen((void *)text, length, "r");
    if (file == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory reading %s", path);
    run_table table;
    memset(&table, 0, sizeof table);
    lnl_status status = read_runs_from(file, path, &table, err);
    fclose(file);
    free_runs(&table);
    return status;
}

/* ---- Groups and cells ------------------------------------------------------ */

typedef struct cell {
    double mean, std;
    size_t n_ok, n_failed;
    bool best;
    bool tested;              /* compared with the baseline over n_pairs > 0 seeds */
    size_t n_pairs;
    lnl_wilcoxon_result test;
    bool significant;
} cell;

/* The transition matrices of one cell's runs, summed over its seeds. */
typedef struct transition_sum {
    size_t k;          /* classes; 0 when no run of the cell recorded a T */
    size_t n;          /* runs summed */
    double *estimate;  /* k x k sum of the T that the method used */
    double *counts;    /* k x k summed clean-by-noisy counts, or NULL */
} transition_sum;

typedef struct group {
    const run_row *first;      /* names and noise type come from its first row */
    char stem[2 * LNL_NAME_MAX + 2];  /* "<data>_<noise>" safe for file names */
    const char **methods;      /* n_methods names, first appearance order */
    bool *clean_labels;        /* per method */
    size_t n_methods;
    double *rates;             /* n_rates columns, increasing */
    const char **settings;     /* n_rates setting labels ("" for most noise types) */
    size_t n_rates;
    cell *cells;               /* n_methods x n_rates */
    size_t baseline;           /* method index, or n_methods when absent */
    size_t max_seeds;          /* the largest n_ok of a cell */
    transition_sum *transitions;  /* n_methods x n_rates, or NULL when no run has a T */
} group;

typedef struct report {
    const char *dir;
    run_table runs;
    group *groups;
    size_t n_groups;
    const char **methods;      /* every method name, first appearance order */
    size_t n_methods;
    /* The methods option: the methods kept and their order; NULL for all. */
    const char *const *method_order;
    size_t n_method_order;
    size_t n_methods_in_file;  /* methods of runs.csv before the selection */
    char baseline[LNL_NAME_MAX];
    const char *baseline_source;
    double alpha;
    size_t n_replaced, n_failed, max_pairs;
    bool has_manifest;
    char experiment[LNL_NAME_MAX * 4], version[64], commit[64], start_time[64], end_time[64];
} report;

static void report_destroy(report *r)
{
    free_runs(&r->runs);
    for (size_t g = 0; g < r->n_groups; g++) {
        if (r->groups[g].transitions != NULL)
            for (size_t c = 0; c < r->groups[g].n_methods * r->groups[g].n_rates; c++) {
                free(r->groups[g].transitions[c].estimate);
                free(r->groups[g].transitions[c].counts);
            }
        free(r->groups[g].transitions);
        free(r->groups[g].methods);
        free(r->groups[g].clean_labels);
        free(r->groups[g].rates);
        free(r->groups[g].settings);
        free(r->groups[g].cells);
    }
    free(r->groups);
    free(r->methods);
}

static size_t find_string(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return n;
}

/* Replaces every character that is not a letter, digit, '.', '_' or '-'. */
static void make_file_stem(char *out, size_t size, const char *a, const char *b)
{
    snprintf(out, size, "%s_%s", a, b);
    for (char *p = out; *p != '\0'; p++) {
        char c = *p;
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
        if (!safe)
            *p = '_';
    }
}

/* Returns the column of row's rate and setting in gr, or n_rates. */
static size_t find_column(const group *gr, const run_row *row)
{
    size_t k = 0;
    while (k < gr->n_rates &&
           (gr->rates[k] != row->rate || strcmp(gr->settings[k], row->setting) != 0))
        k++;
    return k;
}

/* Sorts the columns by rate, then setting label (insertion sort: a group
 * has few columns). */
static void sort_columns(group *gr)
{
    for (size_t i = 1; i < gr->n_rates; i++) {
        double rate = gr->rates[i];
        const char *setting = gr->settings[i];
        size_t j = i;
        while (j > 0 && (gr->rates[j - 1] > rate ||
                         (gr->rates[j - 1] == rate && strcmp(gr->settings[j - 1], setting) > 0))) {
            gr->rates[j] = gr->rates[j - 1];
            gr->settings[j] = gr->settings[j - 1];
            j--;
        }
        gr->rates[j] = rate;
        gr->settings[j] = setting;
    }
}

/* Writes a column's header: its setting label, or else its rate. */
static void format_column(const group *gr, size_t k, char *text, size_t size)
{
    if (gr->settings[k][0] != '\0')
        snprintf(text, size, "%s", gr->settings[k]);
    else
        snprintf(text, size, "%g", gr->rates[k]);
}

/* Sorts names[0..n) (and flags, when not NULL) by their position in the
 * methods option and writes the new index of the name at old index i into
 * moved[i]. origin is scratch room for n entries. Insertion sort: the
 * lists are short. */
static void sort_by_method_order(const report *r, const char **names, bool *flags, size_t n,
                                 size_t *origin, size_t *moved)
{
    for (size_t i = 0; i < n; i++)
        origin[i] = i;
    for (size_t i = 1; i < n; i++) {
        const char *name = names[i];
        bool flag = flags != NULL && flags[i];
        size_t from = origin[i], position = find_string(r->method_order, r->n_method_order, name);
        size_t j = i;
        while (j > 0 &&
               find_string(r->method_order, r->n_method_order, names[j - 1]) > position) {
            names[j] = names[j - 1];
            if (flags != NULL)
                flags[j] = flags[j - 1];
            origin[j] = origin[j - 1];
            j--;
        }
        names[j] = name;
        if (flags != NULL)
            flags[j] = flag;
        origin[j] = from;
    }
    for (size_t i = 0; i < n; i++)
        moved[origin[i]] = i;
}

/* Puts the methods of the report and of every group in the order of the
 * methods option, and renumbers the rows' method_index to match. */
static lnl_status order_methods(report *r, lnl_error *err)
{
    if (r->method_order == NULL)
        return LNL_OK;
    size_t *origin = malloc((r->n_methods + 1) * sizeof(size_t));
    size_t *moved = malloc((r->n_methods + 1) * sizeof(size_t));
    size_t **moves = calloc(r->n_groups + 1, sizeof(size_t *));
    lnl_status status = LNL_OK;
    if (!origin || !moved || !moves) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }
    sort_by_method_order(r, r->methods, NULL, r->n_methods, origin, moved);
    for (size_t g = 0; g < r->n_groups; g++) {
        group *gr = &r->groups[g];
        moves[g] = malloc((gr->n_methods + 1) * sizeof(size_t));
        if (moves[g] == NULL) {
            status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
            goto cleanup;
        }
        sort_by_method_order(r, gr->methods, gr->clean_labels, gr->n_methods, origin, moves[g]);
    }
    for (size_t i = 0; i < r->runs.n_rows; i++) {
        run_row *row = &r->runs.rows[i];
        row->method_index = moves[row->group_index][row->method_index];
    }

cleanup:
    for (size_t g = 0; moves != NULL && g < r->n_groups; g++)
        free(moves[g]);
    free(moves);
    free(origin);
    free(moved);
    return status;
}

/* Assigns each row its group, method and rate, with rates sorted. Every
 * array is sized by the row count, an upper bound of every list. */
static lnl_status build_groups(report *r, lnl_error *err)
{
    size_t n = r->runs.n_rows;
    r->groups = calloc(n + 1, sizeof(group));
    r->methods = calloc(n + 1, sizeof(char *));
    if (r->groups == NULL || r->methods == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");

    for (size_t i = 0; i < n; i++) {
        run_row *row = &r->runs.rows[i];
        size_t g = 0;
        while (g < r->n_groups && (strcmp(r->groups[g].first->dataset, row->dataset) != 0 ||
                                   strcmp(r->groups[g].first->noise, row->noise) != 0))
            g++;
        group *gr = &r->groups[g];
        if (g == r->n_groups) {
            r->n_groups++;
            gr->first = row;
            make_file_stem(gr->stem, sizeof gr->stem, row->dataset, row->noise);
            gr->methods = calloc(n + 1, sizeof(char *));
            gr->clean_labels = calloc(n + 1, sizeof(bool));
            gr->rates = calloc(n + 1, sizeof(double));
            gr->settings = calloc(n + 1, sizeof(char *));
            if (!gr->methods || !gr->clean_labels || !gr->rates || !gr->settings)
                return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        }
        row->group_index = g;

        row->method_index = find_string(gr->methods, gr->n_methods, row->method);
        if (row->method_index == gr->n_methods) {
            gr->clean_labels[gr->n_methods] = row->clean_labels;
            gr->methods[gr->n_methods++] = row->method;
        }
        if (find_string(r->methods, r->n_methods, row->method) == r->n_methods)
            r->methods[r->n_methods++] = row->method;

        size_t k = find_column(gr, row);
        if (k == gr->n_rates) {
            gr->rates[k] = row->rate;
            gr->settings[k] = row->setting;
            gr->n_rates++;
        }
    }

    lnl_status status = order_methods(r, err);
    if (status != LNL_OK)
        return status;
    for (size_t g = 0; g < r->n_groups; g++) {
        group *gr = &r->groups[g];
        sort_columns(gr);
        gr->cells = calloc(gr->n_methods * gr->n_rates + 1, sizeof(cell));
        if (gr->cells == NULL)
            return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        run_row *row = &r->runs.rows[i];
        const group *gr = &r->groups[row->group_index];
        row->rate_index = find_column(gr, row);
    }
    return LNL_OK;
}

/* Orders rows by group, method, rate, seed and then position in the file,
 * so that each cell is a contiguous run and duplicates are neighbours. */
static int compare_row_order(const void *a, const void *b)
{
    const run_row *x = *(const run_row *const *)a, *y = *(const run_row *const *)b;
    if (x->group_index != y->group_index)
        return x->group_index < y->group_index ? -1 : 1;
    if (x->method_index != y->method_index)
        return x->method_index < y->method_index ? -1 : 1;
    if (x->rate_index != y->rate_index)
        return x->rate_index < y->rate_index ? -1 : 1;
    if (x->seed != y->seed)
        return x->seed < y->seed ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static bool same_cell(const run_row *x, const run_row *y)
{
    return x->group_index == y->group_index && x->method_index == y->method_index &&
           x->rate_index == y->rate_index;
}

/* Fills mean, std and counts of every cell from the rows in order. */
static void summarize_cells(report *r, const run_row **order)
{
    size_t n = r->runs.n_rows;
    for (size_t i = 0; i + 1 < n; i++)
        if (r->runs.has_seed && same_cell(order[i], order[i + 1]) &&
            order[i]->seed == order[i + 1]->seed) {
            ((run_row *)order[i])->replaced = true;
            r->n_replaced++;
        }

    size_t start = 0;
    while (start < n) {
        size_t end = start + 1;
        while (end < n && same_cell(order[start], order[end]))
            end++;
        group *gr = &r->groups[order[start]->group_index];
        cell *c = &gr->cells[order[start]->method_index * gr->n_rates + order[start]->rate_index];
        double sum = 0.0, squares = 0.0;
        for (size_t i = start; i < end; i++) {
            if (order[i]->replaced)
                continue;
            if (!order[i]->ok) {
                c->n_failed++;
                continue;
            }
            c->n_ok++;
            sum += order[i]->test_accuracy;
        }
        r->n_failed += c->n_failed;
        if (c->n_ok > 0) {
            c->mean = sum / (double)c->n_ok;
            for (size_t i = start; i < end; i++)
                if (!order[i]->replaced && order[i]->ok)
                    squares += (order[i]->test_accuracy - c->mean) *
                               (order[i]->test_accuracy - c->mean);
            c->std = c->n_ok > 1 ? sqrt(squares / (double)(c->n_ok - 1)) : 0.0;
        }
        if (c->n_ok > gr->max_seeds)
            gr->max_seeds = c->n_ok;
        start = end;
    }
}

/* Marks the best mean of every column; see report.h for who competes. */
static void mark_best(group *gr)
{
    for (size_t k = 0; k < gr->n_rates; k++) {
        bool any_noisy = false;
        for (size_t m = 0; m < gr->n_methods; m++)
            any_noisy |= !gr->clean_labels[m] && gr->cells[m * gr->n_rates + k].n_ok > 0;
        double best = -INFINITY;
        for (size_t m = 0; m < gr->n_methods; m++) {
            const cell *c = &gr->cells[m * gr->n_rates + k];
            if (c->n_ok > 0 && (!gr->clean_labels[m] || !any_noisy) && c->mean > best)
                best = c->mean;
        }
        for (size_t m = 0; m < gr->n_methods; m++) {
            cell *c = &gr->cells[m * gr->n_rates + k];
            c->best = c->n_ok > 0 && (!gr->clean_labels[m] || !any_noisy) &&
                      c->mean >= best - accuracy_tolerance;
        }
    }
}

/* Runs the Wilcoxon test of every cell against the baseline's cell in the
 * same column, pairing successful runs by seed index. order contains each
 * cell's rows sorted by seed; starts[cell] is where they begin. */
static lnl_status test_against_baseline(report *r, group *gr, const run_row **order,
                                        const size_t *starts, const size_t *ends, lnl_error *err)
{
    if (gr->baseline == gr->n_methods || !r->runs.has_seed)
        return LNL_OK;
    size_t capacity = r->runs.n_rows + 1;
    double *x = malloc(capacity * sizeof(double)), *y = malloc(capacity * sizeof(double));
    if (x == NULL || y == NULL) {
        free(x);
        free(y);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    }
    lnl_wilcoxon_options options = {LNL_WILCOXON_ZERO_WILCOX, accuracy_tolerance};
    lnl_status status = LNL_OK;
    for (size_t m = 0; m < gr->n_methods && status == LNL_OK; m++) {
        if (m == gr->baseline)
            continue;
        for (size_t k = 0; k < gr->n_rates && status == LNL_OK; k++) {
            size_t a = m * gr->n_rates + k, b = gr->baseline * gr->n_rates + k;
            size_t i = starts[a], j = starts[b], n = 0;

            /* merge the two seed-sorted lists, skipping failed and replaced runs */
            while (i < ends[a] && j < ends[b]) {
                const run_row *u = order[i], *v = order[j];
                if (u->replaced || !u->ok) {
                    i++;
                } else if (v->replaced || !v->ok) {
                    j++;
                } else if (u->seed < v->seed) {
                    i++;
                } else if (v->seed < u->seed) {
                    j++;
                } else {
                    x[n] = u->test_accuracy;
                    y[n++] = v->test_accuracy;
                    i++;
                    j++;
                }
            }
            cell *c = &gr->cells[a];
            c->n_pairs = n;
            if (n == 0)
                continue;
            status = lnl_wilcoxon_signed_rank(x, y, n, &options, &c->test, err);
            c->tested = status == LNL_OK;
            c->significant = c->tested && c->test.p_value < r->alpha;
            if (n > r->max_pairs)
                r->max_pairs = n;
        }
    }
    free(x);
    free(y);
    return status;
}

/* Parses a K x K matrix written as rows separated by ';' and entries by
 * spaces into a new array. Returns false when the text is not square. */
static bool parse_matrix(const char *text, size_t *k, double **values)
{
    size_t rows = 1, entries = 0;
    for (const char *p = text; *p != '\0'; p++)
        rows += *p == ';';
    *k = rows;
    *values = malloc(rows * rows * sizeof(double));
    if (*values == NULL)
        return false;
    const char *p = text;
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < rows; j++) {
            char *end;
            double v = strtod(p, &end);
            if (end == p)
                break;
            (*values)[i * rows + j] = v;
            entries++;
            p = end;
            while (*p == ' ')
                p++;
        }
        if (*p == ';')
            p++;
    }
    if (entries != rows * rows || *p != '\0') {
        free(*values);
        *values = NULL;
        return false;
    }
    return true;
}

/* Sums the transition matrices and confusion counts of every successful,
 * unreplaced run that recorded a T, per cell. */
static lnl_status sum_transitions(report *r, lnl_error *err)
{
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/runs.csv", r->dir);
    for (size_t i = 0; i < r->runs.n_rows; i++) {
        const run_row *row = &r->runs.rows[i];
        if (row->transition_matrix == NULL || row->replaced || !row->ok)
            continue;
        group *gr = &r->groups[row->group_index];
        if (gr->transitions == NULL) {
            gr->transitions = calloc(gr->n_methods * gr->n_rates, sizeof(transition_sum));
            if (gr->transitions == NULL)
                return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        }
        transition_sum *sum = &gr->transitions[row->method_index * gr->n_rates + row->rate_index];

        size_t k = 0, k_counts = 0;
        double *estimate = NULL, *counts = NULL;
        bool valid = parse_matrix(row->transition_matrix, &k, &estimate);
        if (valid && row->confusion != NULL)
            valid = parse_matrix(row->confusion, &k_counts, &counts) && k_counts == k;
        if (!valid || (sum->k != 0 && sum->k != k)) {
            free(estimate);
            free(counts);
            return lnl_error_set(err, LNL_ERR_DATA, path, (long)row->line,
                                 "invalid transition_matrix or confusion: expected K x K "
                                 "numbers, rows separated by ';', for the K of the other runs");
        }
        if (sum->k == 0) {
            sum->k = k;
            sum->estimate = calloc(k * k, sizeof(double));
            sum->counts = calloc(k * k, sizeof(double));
            if (sum->estimate == NULL || sum->counts == NULL) {
                free(estimate);
                free(counts);
                return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
            }
        }
        for (size_t e = 0; e < k * k; e++) {
            sum->estimate[e] += estimate[e];
            sum->counts[e] += counts != NULL ? counts[e] : 0.0;
        }
        sum->n++;
        free(estimate);
        free(counts);
    }
    return LNL_OK;
}

/* Builds groups and cells, then the best marks and the tests. */
static lnl_status analyze(report *r, lnl_error *err)
{
    lnl_status status = build_groups(r, err);
    if (status != LNL_OK)
        return status;

    size_t n = r->runs.n_rows;
    const run_row **order = malloc((n + 1) * sizeof(run_row *));
    size_t *starts = NULL, *ends = NULL;
    size_t n_cells = 0;
    for (size_t g = 0; g < r->n_groups; g++)
        n_cells += r->groups[g].n_methods * r->groups[g].n_rates;
    starts = calloc(n_cells + 1, sizeof(size_t));
    ends = calloc(n_cells + 1, sizeof(size_t));
    if (order == NULL || starts == NULL || ends == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = &r->runs.rows[i];
    qsort(order, n, sizeof *order, compare_row_order);
    summarize_cells(r, order);

    /* where each cell's rows start and end in order; cells of group g are
     * numbered after those of groups 0..g-1 */
    size_t *offsets = calloc(r->n_groups + 1, sizeof(size_t));
    if (offsets == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }
    for (size_t g = 1; g <= r->n_groups; g++)
        offsets[g] = offsets[g - 1] + r->groups[g - 1].n_methods * r->groups[g - 1].n_rates;
    for (size_t i = 0; i < n; i++) {
        const group *gr = &r->groups[order[i]->group_index];
        size_t c = offsets[order[i]->group_index] + order[i]->method_index * gr->n_rates +
                   order[i]->rate_index;
        if (i == 0 || !same_cell(order[i - 1], order[i]))
            starts[c] = i;
        ends[c] = i + 1;
    }

    for (size_t g = 0; g < r->n_groups && status == LNL_OK; g++) {
        group *gr = &r->groups[g];
        gr->baseline = find_string(gr->methods, gr->n_methods, r->baseline);
        mark_best(gr);
        status = test_against_baseline(r, gr, order, starts + offsets[g], ends + offsets[g], err);
    }
    free(offsets);
    if (status == LNL_OK)
        status = sum_transitions(r, err);

cleanup:
    free(order);
    free(starts);
    free(ends);
    return status;
}

/* ---- Output files ------------------------------------------------------------ */

/* Opens path.tmp for writing; commit_file closes it and renames it. */
static FILE *open_temporary(const char *path, char *temp_path, size_t size, lnl_error *err)
{
    snprintf(temp_path, size, "%s.tmp", path);
    FILE *file = fopen(temp_path, "w");
    if (file == NULL)
        lnl_error_set(err, LNL_ERR_IO, temp_path, 0, "cannot write: %s", strerror(errno));
    return file;
}

static lnl_status commit_file(FILE *file, const char *temp_path, const char *path,
                              lnl_error *err)
{
    bool failed = ferror(file) != 0;
    failed |= fclose(file) != 0;
    if (failed || rename(temp_path, path) != 0) {
        remove(temp_path);
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "writing failed");
    }
    return LNL_OK;
}

typedef void (*write_function)(FILE *file, const report *r, const group *gr);

/* Writes one file through a temporary name with the given writer. */
static lnl_status write_file(const char *path, write_function write, const report *r,
                             const group *gr, lnl_error *err)
{
    char temp[LNL_PATH_MAX + 300];
    FILE *file = open_temporary(path, temp, sizeof temp, err);
    if (file == NULL)
        return LNL_ERR_IO;
    write(file, r, gr);
    return commit_file(file, temp, path, err);
}

static lnl_status make_folder(const char *path, lnl_error *err)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot create folder: %s",
                             strerror(errno));
    return LNL_OK;
}

static const cell *cell_at(const group *gr, size_t m, size_t k)
{
    return &gr->cells[m * gr->n_rates + k];
}

/* ---- Markdown ------------------------------------------------------------------ */

/* Writes text with the characters that Markdown tables treat specially
 * ('|', '*', '\\') escaped. An underscore inside a word, as in a name like
 * clean_labels, starts no emphasis in CommonMark, so it stays as it is. */
static void write_markdown_text(FILE *file, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '|' || *p == '*' || *p == '\\')
            fputc('\\', file);
        fputc(*p, file);
    }
}

static void write_markdown_cell(FILE *file, const cell *c)
{
    if (c->n_ok == 0) {
        fputs(" n/a", file);
    } else {
        fprintf(file, c->best ? " **%.3f ± %.3f**" : " %.3f ± %.3f", c->mean, c->std);
        if (c->significant)
            fputs(" †", file);
    }
    if (c->n_failed > 0)
        fprintf(file, " (%zu failed)", c->n_failed);
    fputs(" |", file);
}

static void write_markdown_method(FILE *file, const report *r, const char *method)
{
    fputs("| ", file);
    write_markdown_text(file, method);
    if (strcmp(method, r->baseline) == 0)
        fputs(" (baseline)", file);
    fputs(" |", file);
}

static void write_group_markdown(FILE *file, const report *r, const group *gr)
{
    char column[LNL_NAME_MAX + 32];
    fputs("| method |", file);
    for (size_t k = 0; k < gr->n_rates; k++) {
        format_column(gr, k, column, sizeof column);
        fputc(' ', file);
        write_markdown_text(file, column);
        fputs(" |", file);
    }
    fputs("\n|---|", file);
    for (size_t k = 0; k < gr->n_rates; k++)
        fputs("---|", file);
    fputc('\n', file);
    for (size_t m = 0; m < gr->n_methods; m++) {
        write_markdown_method(file, r, gr->methods[m]);
        for (size_t k = 0; k < gr->n_rates; k++)
            write_markdown_cell(file, cell_at(gr, m, k));
        fputc('\n', file);
    }
}

static void write_group_heading(FILE *file, const group *gr, const char *prefix)
{
    fputs(prefix, file);
    write_markdown_text(file, gr->first->dataset);
    fputs(", noise ", file);
    write_markdown_text(file, gr->first->noise);
    if (gr->first->noise_type[0] != '\0' && strcmp(gr->first->noise_type, gr->first->noise) != 0)
        fprintf(file, " (%s)", gr->first->noise_type);
    fputs(": test accuracy (mean ± std over seeds)\n\n", file);
}

static void write_group_markdown_file(FILE *file, const report *r, const group *gr)
{
    write_group_heading(file, gr, "### ");
    write_group_markdown(file, r, gr);
}

/* The combined table has one column per (group, rate); Markdown has a
 * single header row, so each header names the data set, noise and rate. */
static void write_combined_markdown(FILE *file, const report *r, const group *unused)
{
    (void)unused;
    char column[LNL_NAME_MAX + 32];
    fputs("| method |", file);
    size_t columns = 0;
    for (size_t g = 0; g < r->n_groups; g++)
        for (size_t k = 0; k < r->groups[g].n_rates; k++, columns++) {
            fputc(' ', file);
            write_markdown_text(file, r->groups[g].first->dataset);
            fputs(" / ", file);
            write_markdown_text(file, r->groups[g].first->noise);
            format_column(&r->groups[g], k, column, sizeof column);
            fputc(' ', file);
            write_markdown_text(file, column);
            fputs(" |", file);
        }
    fputs("\n|---|", file);
    for (size_t c = 0; c < columns; c++)
        fputs("---|", file);
    fputc('\n', file);
    for (size_t i = 0; i < r->n_methods; i++) {
        write_markdown_method(file, r, r->methods[i]);
        for (size_t g = 0; g < r->n_groups; g++) {
            const group *gr = &r->groups[g];
            size_t m = find_string(gr->methods, gr->n_methods, r->methods[i]);
            for (size_t k = 0; k < gr->n_rates; k++) {
                if (m == gr->n_methods)
                    fputs(" – |", file);
                else
                    write_markdown_cell(file, cell_at(gr, m, k));
            }
        }
        fputc('\n', file);
    }
}

/* ---- LaTeX ---------------------------------------------------------------------- */

static void write_latex_text(FILE *file, const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        switch (*p) {
        case '\\': fputs("\\textbackslash{}", file); break;
        case '~': fputs("\\textasciitilde{}", file); break;
        case '^': fputs("\\textasciicircum{}", file); break;
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            fputc('\\', file);
            fputc(*p, file);
            break;
        default: fputc(*p, file);
        }
    }
}

static void write_latex_cell(FILE *file, const cell *c)
{
    fputs(" & ", file);
    if (c->n_ok == 0) {
        fputs("--", file);
        return;
    }
    if (c->best)
        fprintf(file, "$\\mathbf{%.3f \\pm %.3f}", c->mean, c->std);
    else
        fprintf(file, "$%.3f \\pm %.3f", c->mean, c->std);
    fputs(c->significant ? "^{\\dagger}$" : "$", file);
}

static void write_latex_preamble(FILE *file, const report *r, const char *what)
{
    fprintf(file, "%% %s: test accuracy, mean \\pm sample std over seeds.\n", what);
    fprintf(file, "%% Written by lnl %s from runs.csv. Needs \\usepackage{booktabs}; \\input it "
                  "inside a table environment.\n", LNL_VERSION);
    fputs("% Bold: best mean of the column among methods trained on noisy labels.\n", file);
    fprintf(file, "%% \\dagger: differs from the baseline %s at p < %g, two-sided Wilcoxon "
                  "signed-rank test paired over seeds.\n", r->baseline, r->alpha);
}

static void write_latex_column(FILE *file, const group *gr, size_t k)
{
    char column[LNL_NAME_MAX + 32];
    format_column(gr, k, column, sizeof column);
    fputs(" & ", file);
    write_latex_text(file, column);
}

static void write_latex_method(FILE *file, const report *r, const char *method)
{
    write_latex_text(file, method);
    if (strcmp(method, r->baseline) == 0)
        fputs(" (baseline)", file);
}

static void write_group_latex(FILE *file, const report *r, const group *gr)
{
    char what[3 * LNL_NAME_MAX];
    snprintf(what, sizeof what, "%s, noise %s", gr->first->dataset, gr->first->noise);
    write_latex_preamble(file, r, what);
    fprintf(file, "\\begin{tabular}{l*{%zu}{c}}\n\\toprule\n", gr->n_rates);
    fprintf(file, " & \\multicolumn{%zu}{c}{Noise rate} \\\\\n", gr->n_rates);
    fprintf(file, "\\cmidrule(lr){2-%zu}\nMethod", gr->n_rates + 1);
    for (size_t k = 0; k < gr->n_rates; k++)
        write_latex_column(file, gr, k);
    fputs(" \\\\\n\\midrule\n", file);
    for (size_t m = 0; m < gr->n_methods; m++) {
        write_latex_method(file, r, gr->methods[m]);
        for (size_t k = 0; k < gr->n_rates; k++)
            write_latex_cell(file, cell_at(gr, m, k));
        fputs(" \\\\\n", file);
    }
    fputs("\\bottomrule\n\\end{tabular}\n", file);
}

/* Methods as rows; header rows: data set, noise section, rate. Groups of
 * one data set are adjacent when runs.csv lists them so, as a sweep does. */
static void write_combined_latex(FILE *file, const report *r, const group *unused)
{
    (void)unused;
    write_latex_preamble(file, r, "All data sets and noise settings");
    if (r->n_groups == 0) {
        fputs("% runs.csv has no runs yet, so there is no table.\n", file);
        return;
    }
    size_t columns = 0;
    for (size_t g = 0; g < r->n_groups; g++)
        columns += r->groups[g].n_rates;
    fprintf(file, "\\begin{tabular}{l*{%zu}{c}}\n\\toprule\n", columns);

    /* data set row: consecutive groups of one data set share a header */
    size_t column = 2;
    for (size_t g = 0; g < r->n_groups;) {
        size_t span = 0, h = g;
        while (h < r->n_groups && strcmp(r->groups[h].first->dataset, r->groups[g].first->dataset) == 0)
            span += r->groups[h++].n_rates;
        fprintf(file, " & \\multicolumn{%zu}{c}{", span);
        write_latex_text(file, r->groups[g].first->dataset);
        fputc('}', file);
        g = h;
    }
    fputs(" \\\\\n", file);
    for (size_t g = 0; g < r->n_groups;) {
        size_t span = 0, h = g;
        while (h < r->n_groups && strcmp(r->groups[h].first->dataset, r->groups[g].first->dataset) == 0)
            span += r->groups[h++].n_rates;
        fprintf(file, "\\cmidrule(lr){%zu-%zu}", column, column + span - 1);
        column += span;
        g = h;
    }
    fputc('\n', file);

    column = 2;
    for (size_t g = 0; g < r->n_groups; g++) {
        fprintf(file, " & \\multicolumn{%zu}{c}{", r->groups[g].n_rates);
        write_latex_text(file, r->groups[g].first->noise);
        fputc('}', file);
    }
    fputs(" \\\\\n", file);
    for (size_t g = 0; g < r->n_groups; g++) {
        fprintf(file, "\\cmidrule(lr){%zu-%zu}", column, column + r->groups[g].n_rates - 1);
        column += r->groups[g].n_rates;
    }
    fputs("\nMethod", file);
    for (size_t g = 0; g < r->n_groups; g++)
        for (size_t k = 0; k < r->groups[g].n_rates; k++)
            write_latex_column(file, &r->groups[g], k);
    fputs(" \\\\\n\\midrule\n", file);

    for (size_t i = 0; i < r->n_methods; i++) {
        write_latex_method(file, r, r->methods[i]);
        for (size_t g = 0; g < r->n_groups; g++) {
            const group *gr = &r->groups[g];
            size_t m = find_string(gr->methods, gr->n_methods, r->methods[i]);
            for (size_t k = 0; k < gr->n_rates; k++) {
                if (m == gr->n_methods)
                    fputs(" & --", file);
                else
                    write_latex_cell(file, cell_at(gr, m, k));
            }
        }
        fputs(" \\\\\n", file);
    }
    fputs("\\bottomrule\n\\end{tabular}\n", file);
}

/* ---- CSV and JSON ------------------------------------------------------------- */

static const char csv_header[] =
    "dataset,noise,method,rate,mean,std,n,failed,best,n_pairs,statistic,p_value,setting\n";

/* Writes text as one CSV field, quoted when it has a comma, quote or line
 * break. */
static void write_csv_text(FILE *file, const char *text)
{
    if (strpbrk(text, ",\"\n\r") == NULL) {
        fputs(text, file);
        return;
    }
    fputc('"', file);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"')
            fputc('"', file);
        fputc(*p, file);
    }
    fputc('"', file);
}

static void write_group_csv_rows(FILE *file, const report *r, const group *gr)
{
    (void)r;
    for (size_t m = 0; m < gr->n_methods; m++)
        for (size_t k = 0; k < gr->n_rates; k++) {
            const cell *c = cell_at(gr, m, k);
            write_csv_text(file, gr->first->dataset);
            fputc(',', file);
            write_csv_text(file, gr->first->noise);
            fputc(',', file);
            write_csv_text(file, gr->methods[m]);
            fprintf(file, ",%.15g,", gr->rates[k]);
            if (c->n_ok > 0)
                fprintf(file, "%.17g,%.17g", c->mean, c->std);
            else
                fputc(',', file);
            fprintf(file, ",%zu,%zu,%s,", c->n_ok, c->n_failed, c->best ? "true" : "false");
            if (c->tested)
                fprintf(file, "%zu,%.17g,%.17g,", c->n_pairs, c->test.statistic,
                        c->test.p_value);
            else
                fputs(",,,", file);
            write_csv_text(file, gr->settings[k]);
            fputc('\n', file);
        }
}

static void write_group_csv(FILE *file, const report *r, const group *gr)
{
    fputs(csv_header, file);
    write_group_csv_rows(file, r, gr);
}

static void write_combined_csv(FILE *file, const report *r, const group *unused)
{
    (void)unused;
    fputs(csv_header, file);
    for (size_t g = 0; g < r->n_groups; g++)
        write_group_csv_rows(file, r, &r->groups[g]);
}

static void write_json_cell(FILE *file, const cell *c, double rate, const char *setting)
{
    fprintf(file, "{\"rate\": %.15g", rate);
    fputs(", \"setting\": ", file);
    lnl_json_write_string(file, setting);
    fputs(", \"mean\": ", file);
    lnl_json_write_number(file, c->n_ok > 0 ? c->mean : NAN);
    fputs(", \"std\": ", file);
    lnl_json_write_number(file, c->n_ok > 0 ? c->std : NAN);
    fprintf(file, ", \"n\": %zu, \"failed\": %zu, \"best\": %s, \"test\": ", c->n_ok,
            c->n_failed, c->best ? "true" : "false");
    if (!c->tested) {
        fputs("null}", file);
        return;
    }
    fprintf(file, "{\"n_pairs\": %zu, \"n_zero\": %zu, \"w_plus\": ", c->n_pairs,
            c->test.n_zero);
    lnl_json_write_number(file, c->test.w_plus);
    fputs(", \"w_minus\": ", file);
    lnl_json_write_number(file, c->test.w_minus);
    fputs(", \"statistic\": ", file);
    lnl_json_write_number(file, c->test.statistic);
    fputs(", \"p_value\": ", file);
    lnl_json_write_number(file, c->test.p_value);
    fprintf(file, ", \"exact\": %s, \"significant\": %s}}", c->test.exact ? "true" : "false",
            c->significant ? "true" : "false");
}

static void write_json_group(FILE *file, const report *r, const group *gr, const char *indent)
{
    (void)r;
    fprintf(file, "{\n%s  \"dataset\": ", indent);
    lnl_json_write_string(file, gr->first->dataset);
    fprintf(file, ",\n%s  \"noise\": ", indent);
    lnl_json_write_string(file, gr->first->noise);
    fprintf(file, ",\n%s  \"noise_type\": ", indent);
    lnl_json_write_string(file, gr->first->noise_type[0] != '\0' ? gr->first->noise_type : NULL);
    fprintf(file, ",\n%s  \"rates\": [", indent);
    for (size_t k = 0; k < gr->n_rates; k++)
        fprintf(file, "%s%.15g", k > 0 ? ", " : "", gr->rates[k]);
    fprintf(file, "],\n%s  \"methods\": [", indent);
    for (size_t m = 0; m < gr->n_methods; m++) {
        fprintf(file, "%s\n%s    {\"name\": ", m > 0 ? "," : "", indent);
        lnl_json_write_string(file, gr->methods[m]);
        fprintf(file, ", \"labels\": \"%s\", \"baseline\": %s,\n%s     \"cells\": [",
                gr->clean_labels[m] ? "clean" : "noisy", m == gr->baseline ? "true" : "false",
                indent);
        for (size_t k = 0; k < gr->n_rates; k++) {
            fprintf(file, "%s\n%s      ", k > 0 ? "," : "", indent);
            write_json_cell(file, cell_at(gr, m, k), gr->rates[k], gr->settings[k]);
        }
        fputs("]}", file);
    }
    fprintf(file, "\n%s  ]\n%s}", indent, indent);
}

/* The settings that every JSON file repeats, so each file is self-contained. */
static void write_json_settings(FILE *file, const report *r)
{
    fputs("  \"source\": {\"runs\": \"runs.csv\", \"manifest\": ", file);
    lnl_json_write_string(file, r->has_manifest ? "manifest.json" : NULL);
    fputs(", \"lnl_version\": ", file);
    lnl_json_write_string(file, LNL_VERSION);
    fputs("},\n  \"baseline\": ", file);
    lnl_json_write_string(file, r->baseline);
    fputs(",\n  \"baseline_source\": ", file);
    lnl_json_write_string(file, r->baseline_source);
    fputs(",\n  \"alpha\": ", file);
    lnl_json_write_number(file, r->alpha);
    fputs(",\n  \"test\": \"two-sided Wilcoxon signed-rank test paired by seed, zero "
          "differences dropped, midranks for ties, exact null distribution\",\n",
          file);
}

static void write_group_json(FILE *file, const report *r, const group *gr)
{
    fputs("{\n", file);
    write_json_settings(file, r);
    fputs("  \"group\": ", file);
    write_json_group(file, r, gr, "  ");
    fputs("\n}\n", file);
}

static void write_combined_json(FILE *file, const report *r, const group *unused)
{
    (void)unused;
    fputs("{\n", file);
    write_json_settings(file, r);
    fprintf(file, "  \"n_runs\": %zu,\n  \"n_failed\": %zu,\n  \"n_replaced\": %zu,\n",
            r->runs.n_rows - r->n_replaced, r->n_failed, r->n_replaced);
    fputs("  \"groups\": [", file);
    for (size_t g = 0; g < r->n_groups; g++) {
        fputs(g > 0 ? ",\n    " : "\n    ", file);
        write_json_group(file, r, &r->groups[g], "    ");
    }
    fputs("\n  ]\n}\n", file);
}

/* ---- Figures ---------------------------------------------------------------- */

bool lnl_report_accuracy_axis(const double *rates, const char *const *settings, size_t n,
                              double *x, char (*labels)[LNL_NAME_MAX])
{
    bool categorical = false;
    for (size_t k = 0; k < n; k++)
        categorical |= settings[k][0] != '\0';
    for (size_t k = 0; k < n; k++) {
        x[k] = categorical ? (double)k : rates[k];
        if (settings[k][0] != '\0')
            snprintf(labels[k], LNL_NAME_MAX, "%s", settings[k]);
        else
            snprintf(labels[k], LNL_NAME_MAX, "%g", rates[k]);
    }
    return categorical;
}

/* True when the group's accuracy figure has the settings as categories. */
static bool has_setting_labels(const group *gr)
{
    for (size_t k = 0; k < gr->n_rates; k++)
        if (gr->settings[k][0] != '\0')
            return true;
    return false;
}

static lnl_status write_accuracy_figures(const report *r, const group *gr, lnl_error *err)
{
    size_t n = gr->n_methods * gr->n_rates;
    double *means = malloc((n + 1) * sizeof(double)), *stds = malloc((n + 1) * sizeof(double));
    double *x = malloc((gr->n_rates + 1) * sizeof(double));
    char (*labels)[LNL_NAME_MAX] = malloc((gr->n_rates + 1) * sizeof *labels);
    const char **categories = malloc((gr->n_rates + 1) * sizeof(char *));
    lnl_figure_series *series = calloc(gr->n_methods + 1, sizeof *series);
    lnl_status status = LNL_OK;
    if (!means || !stds || !x || !labels || !categories || !series) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }
    bool categorical = lnl_report_accuracy_axis(gr->rates, gr->settings, gr->n_rates, x, labels);
    for (size_t k = 0; k < gr->n_rates; k++)
        categories[k] = labels[k];
    for (size_t m = 0; m < gr->n_methods; m++) {
        for (size_t k = 0; k < gr->n_rates; k++) {
            const cell *c = cell_at(gr, m, k);
            means[m * gr->n_rates + k] = c->n_ok > 0 ? c->mean : NAN;
            stds[m * gr->n_rates + k] = c->n_ok > 0 ? c->std : NAN;
        }
        series[m] = (lnl_figure_series){gr->methods[m], gr->n_rates, x, means + m * gr->n_rates,
                                        stds + m * gr->n_rates};
    }

    char title[4 * LNL_NAME_MAX + 96];
    snprintf(title, sizeof title, "%s, noise %s: test accuracy (mean ± std over %zu seed%s)",
             gr->first->dataset, gr->first->noise, gr->max_seeds, gr->max_seeds == 1 ? "" : "s");
    const char *x_label = "noise rate";
    if (categorical)
        x_label = strcmp(gr->first->noise_type, "class_conditional") == 0
                      ? "noise setting (flip rate of the positive class / of the negative class)"
                      : "noise setting";
    lnl_line_plot plot = {title, x_label, "test accuracy", series, gr->n_methods,
                          categorical ? categories : NULL, categorical ? gr->n_rates : 0};
    const char *extensions[] = {"pdf", "svg", "png"};
    for (int e = 0; e < 3 && status == LNL_OK; e++) {
        char path[LNL_PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/figures/accuracy_%s.%s", r->dir, gr->stem, extensions[e]);
        status = lnl_figure_line_plot(&plot, path, err);
    }

cleanup:
    free(means);
    free(stds);
    free(x);
    free(labels);
    free(categories);
    free(series);
    return status;
}

/* The file name of a cell's transition figure, without folder and
 * extension: transition_<data>_<noise>_<column>_<method>. */
static void transition_figure_name(const group *gr, size_t m, size_t k, char *name, size_t size)
{
    char column[LNL_NAME_MAX + 32], tail[2 * LNL_NAME_MAX + 40];
    format_column(gr, k, column, sizeof column);
    make_file_stem(tail, sizeof tail, column, gr->methods[m]);
    snprintf(name, size, "transition_%s_%s", gr->stem, tail);
}

typedef struct transition_figure {
    const lnl_heatmap *panels;
    const char *title;
    const char *caption;  /* or NULL */
} transition_figure;

static lnl_status draw_transition(const void *figure, const char *path, lnl_error *err)
{
    const transition_figure *t = figure;
    return lnl_figure_heatmaps(t->panels, 2, t->title, t->caption, path, err);
}

/* Draws, for every cell whose runs recorded a T, the realized transition
 * matrix of the training labels (summed counts, each row divided by its
 * sum) beside the mean T that the method used. */
static lnl_status write_transition_figures(const report *r, const group *gr, lnl_error *err)
{
    if (gr->transitions == NULL)
        return LNL_OK;
    lnl_status status = LNL_OK;
    for (size_t m = 0; m < gr->n_methods && status == LNL_OK; m++)
        for (size_t k = 0; k < gr->n_rates && status == LNL_OK; k++) {
            const transition_sum *sum = &gr->transitions[m * gr->n_rates + k];
            if (sum->n == 0)
                continue;
            size_t K = sum->k;
            double *realized = malloc(K * K * sizeof(double));
            double *estimate = malloc(K * K * sizeof(double));
            if (realized == NULL || estimate == NULL) {
                free(realized);
                free(estimate);
                return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
            }
            for (size_t i = 0; i < K; i++) {
                double total = 0.0;
                for (size_t j = 0; j < K; j++)
                    total += sum->counts[i * K + j];
                for (size_t j = 0; j < K; j++) {
                    realized[i * K + j] = total > 0.0 ? sum->counts[i * K + j] / total : NAN;
                    estimate[i * K + j] = sum->estimate[i * K + j] / (double)sum->n;
                }
            }

            char column[LNL_NAME_MAX + 32], used[LNL_NAME_MAX + 32];
            char title[4 * LNL_NAME_MAX + 96], name[4 * LNL_NAME_MAX + 64];
            format_column(gr, k, column, sizeof column);
            snprintf(used, sizeof used, "used by %s", gr->methods[m]);
            snprintf(title, sizeof title, "%s, noise %s %s: T, mean over %zu run%s",
                     gr->first->dataset, gr->first->noise, column, sum->n, sum->n == 1 ? "" : "s");
            lnl_heatmap panels[2] = {
                {"realized in the training labels", K, K, realized, NULL, NULL, "clean class",
                 "noisy class", 0.0, 1.0},
                {used, K, K, estimate, NULL, NULL, "clean class", "noisy class", 0.0, 1.0}};
            transition_figure figure = {panels, title, NULL};
            transition_figure_name(gr, m, k, name, sizeof name);
            const char *extensions[] = {"pdf", "svg", "png"};
            for (int e = 0; e < 3 && status == LNL_OK; e++) {
                char path[LNL_PATH_MAX + 5 * LNL_NAME_MAX + 96];
                snprintf(path, sizeof path, "%s/figures/%s.%s", r->dir, name, extensions[e]);
                status = draw_transition(&figure, path, err);
            }
            free(realized);
            free(estimate);
        }
    return status;
}

/* ---- Label precision ---------------------------------------------------------------- */

/* True when row counts toward the label precision of the cell (group g,
 * method name, column k): a successful, unreplaced run that recorded one. */
static bool precision_counts(const run_row *row, size_t g, const char *method, size_t k)
{
    return row->group_index == g && row->rate_index == k && !row->replaced && row->ok &&
           !isnan(row->label_precision) && strcmp(row->method, method) == 0;
}

/* Mean and sample standard deviation of label_precision over the runs of
 * one cell that count. Returns their number. Each call reads every row,
 * which is fine for the size of a sweep's runs.csv. */
static size_t precision_summary(const report *r, size_t g, const char *method, size_t k,
                                double *mean, double *std)
{
    size_t n = 0;
    double sum = 0.0;
    for (size_t i = 0; i < r->runs.n_rows; i++)
        if (precision_counts(&r->runs.rows[i], g, method, k)) {
            n++;
            sum += r->runs.rows[i].label_precision;
        }
    *mean = n > 0 ? sum / (double)n : NAN;

    double squares = 0.0;
    for (size_t i = 0; i < r->runs.n_rows; i++)
        if (precision_counts(&r->runs.rows[i], g, method, k)) {
            double difference = r->runs.rows[i].label_precision - *mean;
            squares += difference * difference;
        }
    *std = n > 1 ? sqrt(squares / (double)(n - 1)) : 0.0;
    return n;
}

/* The label precision table: methods as rows, one column per (data set,
 * noise, rate) as in the combined accuracy table. */
static void write_precision_markdown(FILE *file, const report *r, const group *unused)
{
    (void)unused;
    char column[LNL_NAME_MAX + 32];
    fputs("| method |", file);
    for (size_t g = 0; g < r->n_groups; g++)
        for (size_t k = 0; k < r->groups[g].n_rates; k++) {
            fputc(' ', file);
            write_markdown_text(file, r->groups[g].first->dataset);
            fputs(" / ", file);
            write_markdown_text(file, r->groups[g].first->noise);
            format_column(&r->groups[g], k, column, sizeof column);
            fputc(' ', file);
            write_markdown_text(file, column);
            fputs(" |", file);
        }
    fputs("\n|---|", file);
    for (size_t g = 0; g < r->n_groups; g++)
        for (size_t k = 0; k < r->groups[g].n_rates; k++)
            fputs("---|", file);
    fputc('\n', file);
    for (size_t i = 0; i < r->n_methods; i++) {
        fputs("| ", file);
        write_markdown_text(file, r->methods[i]);
        fputs(" |", file);
        for (size_t g = 0; g < r->n_groups; g++)
            for (size_t k = 0; k < r->groups[g].n_rates; k++) {
                double mean, std;
                if (precision_summary(r, g, r->methods[i], k, &mean, &std) == 0)
                    fputs(" – |", file);
                else
                    fprintf(file, " %.3f ± %.3f |", mean, std);
            }
        fputc('\n', file);
    }
}

/* One row per cell: dataset, noise, method, rate, setting, mean, std, n
 * (runs with a label precision); mean and std are empty when n is 0. */
static void write_precision_csv(FILE *file, const report *r, const group *unused)
{
    (void)unused;
    fputs("dataset,noise,method,rate,setting,mean,std,n\n", file);
    for (size_t g = 0; g < r->n_groups; g++) {
        const group *gr = &r->groups[g];
        for (size_t m = 0; m < gr->n_methods; m++)
            for (size_t k = 0; k < gr->n_rates; k++) {
                double mean, std;
                size_t n = precision_summary(r, g, gr->methods[m], k, &mean, &std);
                write_csv_text(file, gr->first->dataset);
                fputc(',', file);
                write_csv_text(file, gr->first->noise);
                fputc(',', file);
                write_csv_text(file, gr->methods[m]);
                fprintf(file, ",%.15g,", gr->rates[k]);
                write_csv_text(file, gr->settings[k]);
                if (n > 0)
                    fprintf(file, ",%.17g,%.17g,%zu\n", mean, std, n);
                else
                    fputs(",,,0\n", file);
            }
    }
}

/* ---- summary.md ------------------------------------------------------------------ */

static void write_provenance(FILE *file, const report *r)
{
    fprintf(file, "Numbers from `runs.csv` (%zu runs, %zu failed", r->runs.n_rows - r->n_replaced,
            r->n_failed);
    if (r->n_replaced > 0)
        fprintf(file, ", %zu earlier rows replaced by later rows of the same run", r->n_replaced);
    fputs(")", file);
    if (r->has_manifest) {
        fprintf(file, "; run settings, config and command line in `manifest.json` (lnl %s, "
                      "commit %s, %s to %s)", r->version[0] ? r->version : "unknown",
                r->commit[0] ? r->commit : "unknown", r->start_time[0] ? r->start_time : "unknown",
                r->end_time[0] ? r->end_time : "unknown");
    } else {
        fputs("; no `manifest.json`, so the settings of the runs are unknown", file);
    }
    fprintf(file, ". Tables written by lnl %s (commit %s).\n\n", LNL_VERSION, LNL_GIT_COMMIT);
    if (r->method_order != NULL)
        fprintf(file, "Only the %zu methods chosen with `--methods` (of %zu in `runs.csv`) are "
                      "reported, in that order, and the run counts above cover them alone.\n\n",
                r->n_method_order, r->n_methods_in_file);
    if (r->runs.skipped_partial_line)
        fputs("The last line of `runs.csv` was cut off, as by a crash, and is left out.\n\n",
              file);
}

static void write_legend(FILE *file, const report *r)
{
    fputs("Test accuracy: mean ± sample standard deviation over the seeds whose run "
          "succeeded, 3 decimals. **Bold**: the best mean of the column among the methods "
          "trained on noisy labels", file);
    bool any_clean = false;
    for (size_t g = 0; g < r->n_groups; g++)
        for (size_t m = 0; m < r->groups[g].n_methods; m++)
            any_clean |= r->groups[g].clean_labels[m];
    if (any_clean)
        fputs(" (methods trained on clean labels are references and not ranked)", file);
    fputs(". ", file);

    fputs("†: differs from the baseline `", file);
    write_markdown_text(file, r->baseline);
    fprintf(file, "` (%s) at p < %g in a two-sided Wilcoxon signed-rank test on the "
                  "accuracies paired by seed, with zero differences dropped, midranks for ties "
                  "and the exact null distribution; p-values are in the CSV and JSON tables, and "
                  "no correction for multiple comparisons is made.",
            r->baseline_source, r->alpha);
    if (!r->runs.has_seed) {
        fputs(" `runs.csv` has no seed column, so no test was run.", file);
    } else if (r->max_pairs > 0 && lnl_wilcoxon_min_p_value(r->max_pairs) >= r->alpha) {
        fprintf(file, " With at most %zu paired seeds the smallest possible p-value is %g, "
                      "so no difference can reach p < %g.", r->max_pairs,
                lnl_wilcoxon_min_p_value(r->max_pairs), r->alpha);
    }
    fputs("\n\n", file);
}

/* Lists the transition figures of a group as links, one per method and
 * column, so that the summary stays short. */
static void write_transition_links(FILE *file, const group *gr)
{
    fputs("\nTransition matrices, realized and used by the method:", file);
    for (size_t m = 0; m < gr->n_methods; m++)
        for (size_t k = 0; k < gr->n_rates; k++) {
            if (gr->transitions[m * gr->n_rates + k].n == 0)
                continue;
            char column[LNL_NAME_MAX + 32], name[4 * LNL_NAME_MAX + 64];
            format_column(gr, k, column, sizeof column);
            transition_figure_name(gr, m, k, name, sizeof name);
            fputs(" [", file);
            write_markdown_text(file, gr->methods[m]);
            fputc(' ', file);
            write_markdown_text(file, column);
            fprintf(file, "](figures/%s.png)", name);
        }
    fputc('\n', file);
}

static void write_summary(FILE *file, const report *r, bool figures)
{
    fputs("# Results", file);
    if (r->experiment[0] != '\0') {
        fputs(" of ", file);
        write_markdown_text(file, r->experiment);
    }
    fputs("\n\n", file);
    write_provenance(file, r);
    if (r->n_groups == 0) {
        fputs("`runs.csv` has no runs yet.\n", file);
        return;
    }
    write_legend(file, r);

    fputs("## All groups\n\n", file);
    write_combined_markdown(file, r, NULL);
    fputc('\n', file);
    if (r->runs.has_precision) {
        fputs("## Label precision\n\nOf the training samples that each method kept, the "
              "fraction whose noisy label equals the clean label (column label_precision of "
              "runs.csv): mean ± sample standard deviation over the seeds whose run "
              "succeeded. A method without sample selection keeps every sample, so its value "
              "is 1 minus the realized noise rate.\n\n", file);
        write_precision_markdown(file, r, NULL);
        fputc('\n', file);
    }

    for (size_t g = 0; g < r->n_groups; g++) {
        const group *gr = &r->groups[g];
        write_group_heading(file, gr, "### ");
        write_group_markdown(file, r, gr);
        size_t failed = 0;
        for (size_t i = 0; i < gr->n_methods * gr->n_rates; i++)
            failed += gr->cells[i].n_failed;
        if (failed > 0)
            fprintf(file, "\n%zu runs failed; their reasons are in runs.csv.\n", failed);
        if (gr->baseline == gr->n_methods) {
            fputs("\nThe baseline was not run in this group, so it has no tests.\n", file);
        }
        if (figures)
            fprintf(file, "\n![test accuracy against noise %s](figures/accuracy_%s.png)\n",
                    has_setting_labels(gr) ? "setting" : "rate", gr->stem);
        if (figures && gr->transitions != NULL)
            write_transition_links(file, gr);
        fputc('\n', file);
    }
}

/* ---- Entry points ----------------------------------------------------------------- */

static lnl_status read_manifest(report *r, lnl_error *err)
{
    struct {
        const char *key;
        char *out;
        size_t size;
    } fields[] = {{"experiment", r->experiment, sizeof r->experiment},
                  {"lnl_version", r->version, sizeof r->version},
                  {"git_commit", r->commit, sizeof r->commit},
                  {"start_time", r->start_time, sizeof r->start_time},
                  {"end_time", r->end_time, sizeof r->end_time}};
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/manifest.json", r->dir);
    struct stat info;
    r->has_manifest = stat(path, &info) == 0;
    if (!r->has_manifest)
        return LNL_OK;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        bool found;
        lnl_status status = lnl_manifest_read_string(r->dir, fields[i].key, fields[i].out,
                                                     fields[i].size, &found, err);
        if (status != LNL_OK)
            return status;
    }
    return LNL_OK;
}

/* Writes the distinct methods of runs as "a, b, c" in order of first
 * appearance, cut to fit size bytes, and returns their number. */
static size_t list_methods(const run_table *runs, char *out, size_t size)
{
    size_t used = 0, count = 0;
    out[0] = '\0';
    for (size_t i = 0; i < runs->n_rows; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(runs->rows[j].method, runs->rows[i].method) == 0;
        if (seen)
            continue;
        count++;
        if (used + 1 < size) {
            int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                             runs->rows[i].method);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    return count;
}

/* Checks the methods option against runs.csv and drops the rows of the
 * methods it leaves out. */
static lnl_status select_methods(report *r, const lnl_report_options *options, lnl_error *err)
{
    char available[800], path[LNL_PATH_MAX + 32];
    r->n_methods_in_file = list_methods(&r->runs, available, sizeof available);
    if (options == NULL || options->methods == NULL || options->n_methods == 0)
        return LNL_OK;
    snprintf(path, sizeof path, "%s/runs.csv", r->dir);
    for (size_t i = 0; i < options->n_methods; i++) {
        const char *name = options->methods[i];
        if (name == NULL)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "method %zu of the methods option is NULL", i + 1);
        if (find_string(options->methods, i, name) < i)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "the method \"%s\" is listed twice in --methods", name);
        bool found = false;
        for (size_t j = 0; j < r->runs.n_rows && !found; j++)
            found = strcmp(r->runs.rows[j].method, name) == 0;
        if (!found)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                                 "unknown method \"%s\" in --methods: runs.csv has the "
                                 "methods %s", name, available);
    }
    r->method_order = options->methods;
    r->n_method_order = options->n_methods;

    size_t kept = 0;
    for (size_t i = 0; i < r->runs.n_rows; i++) {
        run_row *row = &r->runs.rows[i];
        if (find_string(r->method_order, r->n_method_order, row->method) == r->n_method_order) {
            free(row->confusion);
            free(row->transition_matrix);
            continue;
        }
        r->runs.rows[kept++] = *row;
    }
    r->runs.n_rows = kept;
    r->runs.has_precision = false;
    for (size_t i = 0; i < kept; i++)
        r->runs.has_precision |= !isnan(r->runs.rows[i].label_precision);
    return LNL_OK;
}

/* Picks the baseline: the option, else the manifest's, else the first
 * method of runs.csv (or of the methods option), and checks that the
 * selected runs have it. */
static lnl_status choose_baseline(report *r, const lnl_report_options *options, lnl_error *err)
{
    if (options != NULL && options->baseline != NULL) {
        snprintf(r->baseline, sizeof r->baseline, "%s", options->baseline);
        r->baseline_source = "chosen with --baseline";
    } else {
        bool found = false;
        if (r->has_manifest) {
            lnl_status status = lnl_manifest_read_string(r->dir, "baseline", r->baseline,
                                                         sizeof r->baseline, &found, err);
            if (status != LNL_OK)
                return status;
        }
        bool selected = found && (r->method_order == NULL ||
                                  find_string(r->method_order, r->n_method_order, r->baseline) <
                                      r->n_method_order);
        if (selected) {
            r->baseline_source = "from manifest.json";
        } else if (r->method_order != NULL) {
            snprintf(r->baseline, sizeof r->baseline, "%s", r->method_order[0]);
            r->baseline_source = found ? "the first method of --methods, which leaves out the "
                                         "baseline of manifest.json"
                                       : "the first method of --methods";
            return LNL_OK;
        } else {
            snprintf(r->baseline, sizeof r->baseline, "%s",
                     r->runs.n_rows > 0 ? r->runs.rows[0].method : "");
            r->baseline_source = "the first method of runs.csv";
            return LNL_OK;
        }
    }

    for (size_t i = 0; i < r->runs.n_rows; i++)
        if (strcmp(r->runs.rows[i].method, r->baseline) == 0)
            return LNL_OK;
    if (options != NULL && options->allow_missing_baseline && options->baseline == NULL &&
        r->method_order == NULL)
        return LNL_OK;
    char list[800];
    list_methods(&r->runs, list, sizeof list);
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/runs.csv", r->dir);
    if (r->method_order != NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                             "the baseline \"%s\" (%s) is not one of the methods chosen with "
                             "--methods: %s; add it to the list or choose one of them with "
                             "--baseline NAME", r->baseline, r->baseline_source, list);
    return lnl_error_set(err, LNL_ERR_ARGUMENT, path, 0,
                         "the baseline \"%s\" (%s) is not a method of runs.csv, whose methods "
                         "are: %s; choose one with --baseline NAME", r->baseline,
                         r->baseline_source, list);
}

lnl_status lnl_report_write_with_options(const char *dir, const lnl_report_options *options,
                                         lnl_error *err)
{
    char path[LNL_PATH_MAX + 300];
    report r;
    memset(&r, 0, sizeof r);
    r.dir = dir;
    r.alpha = options != NULL && options->alpha > 0.0 ? options->alpha : 0.05;
    bool figures = options == NULL || !options->skip_figures;
    if (options != NULL && !(options->alpha >= 0.0 && options->alpha < 1.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "invalid significance level %g: expected a number in [0, 1)",
                             options->alpha);

    snprintf(path, sizeof path, "%s/runs.csv", dir);
    lnl_status status = read_runs(path, &r.runs, err);
    if (status == LNL_OK)
        status = select_methods(&r, options, err);
    if (status == LNL_OK)
        status = read_manifest(&r, err);
    if (status == LNL_OK)
        status = choose_baseline(&r, options, err);
    if (status == LNL_OK)
        status = analyze(&r, err);

    snprintf(path, sizeof path, "%s/tables", dir);
    if (status == LNL_OK)
        status = make_folder(path, err);
    snprintf(path, sizeof path, "%s/figures", dir);
    if (status == LNL_OK && figures)
        status = make_folder(path, err);

    static const struct {
        const char *extension;
        write_function write;
    } group_files[] = {{"md", write_group_markdown_file}, {"csv", write_group_csv},
                       {"tex", write_group_latex}, {"json", write_group_json}},
      combined_files[] = {{"md", write_combined_markdown}, {"csv", write_combined_csv},
                          {"tex", write_combined_latex}, {"json", write_combined_json}};
    for (size_t g = 0; g < r.n_groups && status == LNL_OK; g++) {
        for (size_t f = 0; f < 4 && status == LNL_OK; f++) {
            snprintf(path, sizeof path, "%s/tables/%s.%s", dir, r.groups[g].stem,
                     group_files[f].extension);
            status = write_file(path, group_files[f].write, &r, &r.groups[g], err);
        }
        if (status == LNL_OK && figures)
            status = write_accuracy_figures(&r, &r.groups[g], err);
        if (status == LNL_OK && figures)
            status = write_transition_figures(&r, &r.groups[g], err);
    }
    for (size_t f = 0; f < 4 && status == LNL_OK; f++) {
        snprintf(path, sizeof path, "%s/tables/combined.%s", dir, combined_files[f].extension);
        status = write_file(path, combined_files[f].write, &r, NULL, err);
    }
    static const struct {
        const char *extension;
        write_function write;
    } precision_files[] = {{"md", write_precision_markdown}, {"csv", write_precision_csv}};
    for (size_t f = 0; f < 2 && status == LNL_OK && r.runs.has_precision; f++) {
        snprintf(path, sizeof path, "%s/tables/label_precision.%s", dir,
                 precision_files[f].extension);
        status = write_file(path, precision_files[f].write, &r, NULL, err);
    }

    if (status == LNL_OK) {
        char temp[LNL_PATH_MAX + 320];
        snprintf(path, sizeof path, "%s/summary.md", dir);
        FILE *file = open_temporary(path, temp, sizeof temp, err);
        if (file == NULL) {
            status = LNL_ERR_IO;
        } else {
            write_summary(file, &r, figures);
            status = commit_file(file, temp, path, err);
        }
    }
    report_destroy(&r);
    return status;
}

lnl_status lnl_report_write(const char *dir, lnl_error *err)
{
    return lnl_report_write_with_options(dir, NULL, err);
}

/* ---- Figures of the data ------------------------------------------------------------ */

/* Creates dir and its parents, like mkdir -p. */
static lnl_status make_folders(const char *dir, lnl_error *err)
{
    char path[LNL_PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        lnl_status status = make_folder(path, err);
        if (status != LNL_OK)
            return status;
        *p = '/';
    }
    return make_folder(path, err);
}

/* The 2-D coordinates of the training rows: both features for d = 2, the
 * first two principal components for d > 2, and (feature, 0) for d = 1.
 * Features are standardized first when the data section's standardize
 * key is true. */
typedef struct data_coordinates {
    double *x, *y;
    char x_label[LNL_NAME_MAX * 2], y_label[LNL_NAME_MAX * 2];
} data_coordinates;

static lnl_status project_training_rows(const lnl_dataset *dataset, const lnl_data_spec *data,
                                        const size_t *train, size_t n_train,
                                        data_coordinates *out, lnl_error *err)
{
    size_t d = dataset->n_features;
    lnl_standardizer standardizer;
    memset(&standardizer, 0, sizeof standardizer);
    double *features = malloc((n_train * d + 1) * sizeof(double));
    double *scores = malloc((2 * n_train + 1) * sizeof(double));
    out->x = malloc((n_train + 1) * sizeof(double));
    out->y = malloc((n_train + 1) * sizeof(double));
    lnl_status status = LNL_OK;
    if (!features || !scores || !out->x || !out->y) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }

    if (data->standardize)
        status = lnl_standardizer_fit(dataset, train, n_train, &standardizer, err);
    else
        status = lnl_standardizer_identity(d, &standardizer, err);
    if (status != LNL_OK)
        goto cleanup;
    for (size_t i = 0; i < n_train; i++)
        for (size_t j = 0; j < d; j++)
            features[i * d + j] = (dataset->X[train[i] * d + j] - standardizer.mean[j]) /
                                  standardizer.scale[j];

    const char *note = data->standardize ? ", standardized" : "";
    if (d > 2) {
        double explained[2];
        status = lnl_pca_project(features, n_train, d, 2, scores, explained, err);
        if (status != LNL_OK)
            goto cleanup;
        for (size_t i = 0; i < n_train; i++) {
            out->x[i] = scores[2 * i];
            out->y[i] = scores[2 * i + 1];
        }
        snprintf(out->x_label, sizeof out->x_label, "PC1 (%.1f%% of variance%s)",
                 100.0 * explained[0], note);
        snprintf(out->y_label, sizeof out->y_label, "PC2 (%.1f%% of variance%s)",
                 100.0 * explained[1], note);
    } else {
        for (size_t i = 0; i < n_train; i++) {
            out->x[i] = features[i * d];
            out->y[i] = d == 2 ? features[i * d + 1] : 0.0;
        }
        snprintf(out->x_label, sizeof out->x_label, "%s%s", dataset->feature_names[0],
                 data->standardize ? " (standardized)" : "");
        if (d == 2)
            snprintf(out->y_label, sizeof out->y_label, "%s%s", dataset->feature_names[1],
                     data->standardize ? " (standardized)" : "");
        else
            out->y_label[0] = '\0';
    }

cleanup:
    lnl_standardizer_destroy(&standardizer);
    free(features);
    free(scores);
    return status;
}

/* Writes folder/prefix_stem.pdf, .svg and .png with draw. */
typedef lnl_status (*figure_writer)(const void *figure, const char *path, lnl_error *err);

static lnl_status write_three_formats(const char *folder, const char *prefix, const char *stem,
                                      figure_writer draw, const void *figure, lnl_error *err)
{
    const char *extensions[] = {"pdf", "svg", "png"};
    lnl_status status = LNL_OK;
    for (int e = 0; e < 3 && status == LNL_OK; e++) {
        char path[LNL_PATH_MAX + 4 * LNL_NAME_MAX + 128];
        snprintf(path, sizeof path, "%s/%s_%s.%s", folder, prefix, stem, extensions[e]);
        status = draw(figure, path, err);
    }
    return status;
}

static lnl_status draw_scatter(const void *figure, const char *path, lnl_error *err)
{
    return lnl_figure_scatter_plot(figure, path, err);
}

/* The bytes that format_class_key needs at most. */
static size_t class_key_size(const lnl_dataset *dataset)
{
    size_t size = 16;
    for (size_t k = 0; k < dataset->n_classes; k++)
        size += strlen(dataset->class_names[k]) + 32;
    return size;
}

/* Writes "Classes: 0 = benign, 1 = malignant" into out, which has
 * class_key_size bytes, or "" when every class name is its index, as the
 * generated data sets have. */
static void format_class_key(const lnl_dataset *dataset, char *out, size_t size)
{
    bool named = false;
    for (size_t k = 0; k < dataset->n_classes && !named; k++) {
        char index[32];
        snprintf(index, sizeof index, "%zu", k);
        named = strcmp(dataset->class_names[k], index) != 0;
    }
    out[0] = '\0';
    size_t used = 0;
    for (size_t k = 0; named && k < dataset->n_classes && used < size; k++) {
        int n = snprintf(out + used, size - used, "%s%zu = %s", k > 0 ? ", " : "Classes: ", k,
                         dataset->class_names[k]);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* Draws the transition matrices: the noise model's T and the realized
 * fractions realized[i][j] = #(clean i, noisy j) / #(clean i). Rows and
 * columns are class indices, as in the report's heat maps, which have no
 * class names, and the caption names them. */
static lnl_status write_transition_figure(const lnl_dataset *dataset, const double *model_T,
                                          const int *clean, const int *noisy, size_t n_train,
                                          const char *folder, const char *stem,
                                          const char *title, lnl_error *err)
{
    size_t k = dataset->n_classes;
    double *realized = malloc(k * k * sizeof(double));
    size_t *counts = malloc(k * k * sizeof(size_t));
    size_t key_size = class_key_size(dataset);
    char *key = malloc(key_size);
    lnl_status status = LNL_OK;
    if (!realized || !counts || !key) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }
    format_class_key(dataset, key, key_size);
    lnl_noise_confusion(clean, noisy, n_train, k, counts);
    for (size_t i = 0; i < k; i++) {
        size_t total = 0;
        for (size_t j = 0; j < k; j++)
            total += counts[i * k + j];
        for (size_t j = 0; j < k; j++)
            realized[i * k + j] = total > 0 ? (double)counts[i * k + j] / (double)total : NAN;
    }

    lnl_heatmap panels[2] = {
        {"noise model T", k, k, model_T, NULL, NULL, "clean class", "noisy class", 0.0, 1.0},
        {"realized in the training labels", k, k, realized, NULL, NULL, "clean class",
         "noisy class", 0.0, 1.0}};
    transition_figure figure = {panels, title, key[0] != '\0' ? key : NULL};
    status = write_three_formats(folder, "transition", stem, draw_transition, &figure, err);

cleanup:
    free(realized);
    free(counts);
    free(key);
    return status;
}

lnl_status lnl_report_plot_data(const lnl_config *config, const lnl_data_spec *data,
                                const lnl_noise_spec *noise, double rate, const char *setting,
                                int seed_index, const char *out_dir, char *stem_out,
                                size_t stem_size, lnl_error *err)
{
    lnl_dataset *dataset = NULL;
    size_t n_train = 0, *train = NULL;
    int *clean = NULL, *noisy = NULL;
    double *transition = NULL;
    bool *flipped = NULL;
    data_coordinates points;
    memset(&points, 0, sizeof points);

    /* the setting's label names the files and titles: with a rate shared
     * by two class_conditional pairs, the rate alone would not */
    size_t setting_index = 0;
    lnl_status status = lnl_cell_find_setting(config, noise, rate, setting, &setting_index, err);
    if (status != LNL_OK)
        return status;
    if (setting != NULL)
        rate = noise->rates[setting_index];
    char label[LNL_NAME_MAX], column[LNL_NAME_MAX + 16], description[LNL_NAME_MAX + 48];
    lnl_noise_setting_label(noise, setting_index, label, sizeof label);
    if (label[0] != '\0') {
        snprintf(column, sizeof column, "%s", label);
        snprintf(description, sizeof description, "setting %s (mean rate %g)", label, rate);
    } else {
        snprintf(column, sizeof column, "%g", rate);
        snprintf(description, sizeof description, "rate %g", rate);
    }

    status = lnl_data_load(config, data, &dataset, err);
    if (status == LNL_OK)
        status = lnl_cell_labels(config, dataset, data, noise, rate, setting, seed_index,
                                 &n_train, &train, &clean, &noisy, &transition, err);
    if (status == LNL_OK)
        status = project_training_rows(dataset, data, train, n_train, &points, err);
    if (status == LNL_OK)
        status = make_folders(out_dir, err);
    if (status != LNL_OK)
        goto cleanup;
    flipped = malloc((n_train + 1) * sizeof(bool));
    if (flipped == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }
    size_t n_flipped = 0;
    for (size_t i = 0; i < n_train; i++) {
        flipped[i] = clean[i] != noisy[i];
        n_flipped += flipped[i];
    }

    char stem[4 * LNL_NAME_MAX + 64], name[2 * LNL_NAME_MAX + 2], tail[LNL_NAME_MAX + 48];
    char seed[32];
    make_file_stem(name, sizeof name, data->name, noise->name);
    snprintf(seed, sizeof seed, "seed%d", seed_index);
    make_file_stem(tail, sizeof tail, column, seed);
    snprintf(stem, sizeof stem, "%s_%s", name, tail);
    if (stem_out != NULL && stem_size > 0)
        snprintf(stem_out, stem_size, "%s", stem);

    char title[4 * LNL_NAME_MAX + 128];
    const char *const *names = (const char *const *)dataset->class_names;
    snprintf(title, sizeof title, "%s: clean training labels (%zu points, seed %d)", data->name,
             n_train, seed_index);
    lnl_scatter_plot plot = {title, points.x_label, points.y_label, n_train, points.x, points.y,
                             clean, dataset->n_classes, names, NULL, NULL};
    status = write_three_formats(out_dir, "scatter_clean", stem, draw_scatter, &plot, err);

    if (status == LNL_OK) {
        snprintf(title, sizeof title, "%s: noisy training labels (%s noise, %s, seed %d)",
                 data->name, noise->name, description, seed_index);
        plot.labels = noisy;
        plot.marked = flipped;
        plot.marked_name = "flipped label";
        status = write_three_formats(out_dir, "scatter_noisy", stem, draw_scatter, &plot, err);
    }
    if (status == LNL_OK) {
        snprintf(title, sizeof title, "%s, %s noise, %s, seed %d: %zu of %zu labels flipped",
                 data->name, noise->name, description, seed_index, n_flipped, n_train);
        status = write_transition_figure(dataset, transition, clean, noisy, n_train, out_dir,
                                         stem, title, err);
    }

cleanup:
    lnl_dataset_destroy(dataset);
    free(train);
    free(clean);
    free(noisy);
    free(transition);
    free(flipped);
    free(points.x);
    free(points.y);
    return status;
}
