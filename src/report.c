#include "lnl/report.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lnl/config.h"

/* The columns of runs.csv that the tables need. */
typedef struct run_row {
    char dataset[LNL_NAME_MAX], noise[LNL_NAME_MAX], method[LNL_NAME_MAX];
    double rate;
    double test_accuracy;
    bool ok;
} run_row;

typedef struct run_table {
    run_row *rows;
    size_t n_rows, capacity;
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

static lnl_status read_runs(const char *path, run_table *table, lnl_error *err)
{
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot open: %s", strerror(errno));

    char *line = NULL, *fields[MAX_FIELDS];
    size_t line_size = 0;
    lnl_status status = LNL_OK;
    long line_number = 1;
    const char *names[] = {"dataset", "noise", "method", "rate", "test_accuracy", "status"};
    int columns[6];

    if (getline(&line, &line_size, file) < 0) {
        status = lnl_error_set(err, LNL_ERR_DATA, path, 1, "the file is empty");
        goto cleanup;
    }
    size_t n_header = split_csv_line(line, fields);
    for (int c = 0; c < 6; c++) {
        columns[c] = column_index(fields, n_header, names[c]);
        if (columns[c] < 0) {
            status = lnl_error_set(err, LNL_ERR_DATA, path, 1, "missing column \"%s\"", names[c]);
            goto cleanup;
        }
    }

    while (getline(&line, &line_size, file) >= 0) {
        line_number++;
        if (line[0] == '\n' || line[0] == '\0')
            continue;
        size_t n = split_csv_line(line, fields);
        if (n != n_header) {
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
        run_row *row = &table->rows[table->n_rows++];
        snprintf(row->dataset, sizeof row->dataset, "%s", fields[columns[0]]);
        snprintf(row->noise, sizeof row->noise, "%s", fields[columns[1]]);
        snprintf(row->method, sizeof row->method, "%s", fields[columns[2]]);
        row->rate = strtod(fields[columns[3]], NULL);
        row->test_accuracy = strtod(fields[columns[4]], NULL);
        row->ok = strcmp(fields[columns[5]], "ok") == 0;
    }

cleanup:
    free(line);
    fclose(file);
    return status;
}

/* Distinct values in order of first appearance. */
typedef struct name_list {
    char (*names)[LNL_NAME_MAX];
    size_t count;
} name_list;

static size_t find_name(const name_list *list, const char *name)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->names[i], name) == 0)
            return i;
    return list->count;
}

static void add_name(name_list *list, const char *name)
{
    if (find_name(list, name) == list->count)
        snprintf(list->names[list->count++], LNL_NAME_MAX, "%s", name);
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean and sample standard deviation (n - 1 in the denominator; 0 for a
 * single value) of the successful runs of one table cell. */
typedef struct cell_stats {
    double mean, std;
    size_t n_ok, n_failed;
} cell_stats;

static cell_stats summarize(const run_table *table, const char *dataset, const char *noise,
                            const char *method, double rate)
{
    cell_stats stats = {0};
    double sum = 0.0, squares = 0.0;
    for (size_t i = 0; i < table->n_rows; i++) {
        const run_row *r = &table->rows[i];
        if (strcmp(r->dataset, dataset) || strcmp(r->noise, noise) || strcmp(r->method, method) ||
            r->rate != rate)
            continue;
        if (!r->ok) {
            stats.n_failed++;
            continue;
        }
        stats.n_ok++;
        sum += r->test_accuracy;
    }
    if (stats.n_ok == 0)
        return stats;
    stats.mean = sum / (double)stats.n_ok;
    for (size_t i = 0; i < table->n_rows; i++) {
        const run_row *r = &table->rows[i];
        if (r->ok && !strcmp(r->dataset, dataset) && !strcmp(r->noise, noise) &&
            !strcmp(r->method, method) && r->rate == rate)
            squares += (r->test_accuracy - stats.mean) * (r->test_accuracy - stats.mean);
    }
    stats.std = stats.n_ok > 1 ? sqrt(squares / (double)(stats.n_ok - 1)) : 0.0;
    return stats;
}

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

typedef struct table_group {
    const char *dataset, *noise;
    name_list methods;
    double *rates;
    size_t n_rates;
    size_t n_seeds_max;
} table_group;

static void write_markdown_table(FILE *file, const run_table *table, const table_group *g)
{
    fprintf(file, "### %s, noise %s: test accuracy (mean ± std over seeds)\n\n| method |",
            g->dataset, g->noise);
    for (size_t r = 0; r < g->n_rates; r++)
        fprintf(file, " %g |", g->rates[r]);
    fputs("\n|---|", file);
    for (size_t r = 0; r < g->n_rates; r++)
        fputs("---|", file);
    fputc('\n', file);

    size_t failed = 0;
    for (size_t m = 0; m < g->methods.count; m++) {
        fprintf(file, "| %s |", g->methods.names[m]);
        for (size_t r = 0; r < g->n_rates; r++) {
            cell_stats s = summarize(table, g->dataset, g->noise, g->methods.names[m], g->rates[r]);
            failed += s.n_failed;
            if (s.n_ok == 0)
                fputs(" n/a |", file);
            else if (s.n_failed > 0)
                fprintf(file, " %.3f ± %.3f (%zu failed) |", s.mean, s.std, s.n_failed);
            else
                fprintf(file, " %.3f ± %.3f |", s.mean, s.std);
        }
        fputc('\n', file);
    }
    if (failed > 0)
        fprintf(file, "\n%zu runs failed; their reasons are in runs.csv.\n", failed);
    fputc('\n', file);
}

static void write_csv_table(FILE *file, const run_table *table, const table_group *g)
{
    fputs("dataset,noise,method,rate,mean,std,n,failed\n", file);
    for (size_t m = 0; m < g->methods.count; m++)
        for (size_t r = 0; r < g->n_rates; r++) {
            cell_stats s = summarize(table, g->dataset, g->noise, g->methods.names[m], g->rates[r]);
            fprintf(file, "%s,%s,%s,%.15g,", g->dataset, g->noise, g->methods.names[m],
                    g->rates[r]);
            if (s.n_ok > 0)
                fprintf(file, "%.17g,%.17g,%zu,%zu\n", s.mean, s.std, s.n_ok, s.n_failed);
            else
                fprintf(file, ",,0,%zu\n", s.n_failed);
        }
}

static lnl_status write_group(const char *dir, const run_table *table, const table_group *g,
                              FILE *summary, lnl_error *err)
{
    char path[LNL_PATH_MAX + 256], temp[LNL_PATH_MAX + 272];
    const char *extensions[] = {"md", "csv"};
    for (int e = 0; e < 2; e++) {
        snprintf(path, sizeof path, "%s/tables/%s_%s.%s", dir, g->dataset, g->noise,
                 extensions[e]);
        FILE *file = open_temporary(path, temp, sizeof temp, err);
        if (file == NULL)
            return LNL_ERR_IO;
        if (e == 0)
            write_markdown_table(file, table, g);
        else
            write_csv_table(file, table, g);
        lnl_status status = commit_file(file, temp, path, err);
        if (status != LNL_OK)
            return status;
    }
    write_markdown_table(summary, table, g);
    return LNL_OK;
}

lnl_status lnl_report_write(const char *dir, lnl_error *err)
{
    char path[LNL_PATH_MAX + 64], temp[LNL_PATH_MAX + 80];
    run_table table = {0};
    name_list datasets = {0}, noises = {0};
    table_group group = {0};
    FILE *summary = NULL;

    snprintf(path, sizeof path, "%s/runs.csv", dir);
    lnl_status status = read_runs(path, &table, err);
    if (status != LNL_OK)
        goto cleanup;

    size_t n = table.n_rows;
    datasets.names = calloc(n + 1, LNL_NAME_MAX);
    noises.names = calloc(n + 1, LNL_NAME_MAX);
    group.methods.names = calloc(n + 1, LNL_NAME_MAX);
    group.rates = calloc(n + 1, sizeof(double));
    if (!datasets.names || !noises.names || !group.methods.names || !group.rates) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        add_name(&datasets, table.rows[i].dataset);
        add_name(&noises, table.rows[i].noise);
    }

    snprintf(path, sizeof path, "%s/tables", dir);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot create folder: %s",
                               strerror(errno));
        goto cleanup;
    }
    snprintf(path, sizeof path, "%s/summary.md", dir);
    summary = open_temporary(path, temp, sizeof temp, err);
    if (summary == NULL) {
        status = LNL_ERR_IO;
        goto cleanup;
    }

    for (size_t d = 0; d < datasets.count && status == LNL_OK; d++)
        for (size_t z = 0; z < noises.count && status == LNL_OK; z++) {
            group.dataset = datasets.names[d];
            group.noise = noises.names[z];
            group.methods.count = 0;
            group.n_rates = 0;
            for (size_t i = 0; i < n; i++) {
                const run_row *r = &table.rows[i];
                if (strcmp(r->dataset, group.dataset) || strcmp(r->noise, group.noise))
                    continue;
                add_name(&group.methods, r->method);
                bool seen = false;
                for (size_t k = 0; k < group.n_rates; k++)
                    seen |= group.rates[k] == r->rate;
                if (!seen)
                    group.rates[group.n_rates++] = r->rate;
            }
            if (group.methods.count == 0)
                continue;
            qsort(group.rates, group.n_rates, sizeof(double), compare_doubles);
            status = write_group(dir, &table, &group, summary, err);
        }

    if (status == LNL_OK) {
        status = commit_file(summary, temp, path, err);
        summary = NULL;
    }

cleanup:
    if (summary != NULL) {
        fclose(summary);
        remove(temp);
    }
    free(table.rows);
    free(datasets.names);
    free(noises.names);
    free(group.methods.names);
    free(group.rates);
    return status;
}
