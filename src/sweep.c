#include "lnl/sweep.h"

#include <cblas.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config_schema.h"
#include "lnl/generate.h"
#include "lnl/linear.h"
#include "lnl/log.h"
#include "lnl/manifest.h"
#include "lnl/method.h"
#include "lnl/noise.h"
#include "lnl/report.h"
#include "lnl/split.h"
#include "lnl/transition.h"
#include "output_dir.h"

static const char *noise_type_name(lnl_noise_type type)
{
    switch (type) {
    case LNL_NOISE_SYMMETRIC: return "symmetric";
    case LNL_NOISE_PAIR: return "pair";
    case LNL_NOISE_MATRIX: return "matrix";
    case LNL_NOISE_CLASS_CONDITIONAL: return "class_conditional";
    case LNL_NOISE_ASYMMETRIC: return "asymmetric";
    }
    return "unknown";
}

static const char *sampling_name(lnl_noise_sampling sampling)
{
    return sampling == LNL_SAMPLING_EXACT ? "exact" : "bernoulli";
}

void lnl_stream_seed(lnl_rng *rng, const lnl_config *config, const lnl_data_spec *data,
                     const lnl_noise_spec *noise, const lnl_method_spec *method,
                     const char *purpose, int seed_index)
{
    lnl_rng_kind kind = data->rng;
    if (strcmp(purpose, "noise") == 0 && noise != NULL)
        kind = noise->rng;
    uint64_t index = (uint64_t)seed_index;

    if (strcmp(purpose, "data") == 0) {
        uint64_t seed = data->has_random_state ? data->random_state
                        : kind == LNL_RNG_NUMPY ? config->base_seed
                                                : lnl_seed_derive(config->base_seed, "data",
                                                                  data->name, NULL, 0, 0);
        lnl_rng_seed(rng, kind, seed);
        return;
    }
    if (strcmp(purpose, "noise") == 0 && noise != NULL && noise->has_seed) {
        lnl_rng_seed(rng, kind, noise->seed);
        return;
    }
    if (kind == LNL_RNG_NUMPY) {
        lnl_rng_seed(rng, kind, (config->base_seed + index) & 0xffffffffULL);
        return;
    }

    const char *key = NULL;
    if (strcmp(purpose, "noise") == 0 && noise != NULL)
        key = noise->name;
    else if (strcmp(purpose, "model") == 0 && method != NULL)
        key = method->name;
    lnl_rng_seed(rng, kind, lnl_seed_derive(config->base_seed, purpose, data->name, key, index, 0));
}

/* Turns a reader's I/O error (a missing file, a directory, a failed read)
 * into a config error at the path key, because the fix is the path. A spec
 * without path_line, such as one filled in by hand, gives its section's line. */
static lnl_status unreadable_data_error(const lnl_config *config, const lnl_data_spec *spec,
                                        lnl_error *err)
{
    if (err == NULL)
        return LNL_ERR_CONFIG;
    char reason[LNL_ERROR_MESSAGE_MAX + 32];
    if (err->line > 0)
        snprintf(reason, sizeof reason, "%s (line %ld)", err->message, err->line);
    else
        snprintf(reason, sizeof reason, "%s", err->message);
    const char *relative = spec->path[0] != '/'
                               ? " (relative paths are resolved against the working directory)"
                               : "";
    return lnl_error_set(err, LNL_ERR_CONFIG, config->path,
                         spec->path_line > 0 ? spec->path_line : spec->line,
                         "[data %s] path \"%s\": %s%s", spec->name, spec->path, reason,
                         relative);
}

lnl_status lnl_data_load(const lnl_config *config, const lnl_data_spec *spec,
                         lnl_dataset **out, lnl_error *err)
{
    *out = NULL;
    switch (spec->source) {
    case LNL_SOURCE_MAKE_CLASSIFICATION: {
        lnl_rng rng;
        lnl_stream_seed(&rng, config, spec, NULL, NULL, "data", 0);
        lnl_status status = lnl_make_classification(&spec->generator, &rng, out, err);
        if (status != LNL_OK && err != NULL && err->file[0] == '\0') {
            char message[LNL_ERROR_MESSAGE_MAX];
            snprintf(message, sizeof message, "%s", err->message);
            lnl_error_set(err, LNL_ERR_CONFIG, config->path, spec->line, "[data %s]: %s",
                          spec->name, message);
            return LNL_ERR_CONFIG;
        }
        return status;
    }
    case LNL_SOURCE_CSV: {
        lnl_csv_options options = {spec->label[0] != '\0' ? spec->label : NULL};
        lnl_status status = lnl_csv_read(spec->path, &options, out, err);
        return status == LNL_ERR_IO ? unreadable_data_error(config, spec, err) : status;
    }
    case LNL_SOURCE_LIBSVM: {
        lnl_status status = lnl_libsvm_read(spec->path, spec->n_features, out, err);
        return status == LNL_ERR_IO ? unreadable_data_error(config, spec, err) : status;
    }
    }
    return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "unknown data source");
}

size_t lnl_sweep_count(const lnl_config *config)
{
    size_t settings = 0;
    for (size_t d = 0; d < config->n_data; d++)
        for (size_t n = 0; n < config->n_noise; n++)
            if (lnl_config_noise_applies(config, n, d))
                settings += config->noise[n].n_rates;
    return settings * config->n_methods * (size_t)config->seeds;
}

/* ---- One run ---------------------------------------------------------- */

typedef struct cell {
    size_t data, noise, rate, method;
    int seed;
} cell;

/* The labels of one (data, noise, rate, seed): split, standardizer, clean
 * and noisy training labels and the noise model's T. Shared by the sweep
 * and `lnl corrupt`. */
typedef struct noisy_split {
    lnl_split split;
    lnl_standardizer standardizer;
    int *clean;          /* n_train clean labels of split.train */
    int *noisy;          /* n_train noisy labels */
    double *transition;  /* K x K */
    int *mapping;        /* K: asymmetric noise's class mapping (lnl_noise_model_from_spec) */
} noisy_split;

static void noisy_split_destroy(noisy_split *s)
{
    lnl_split_destroy(&s->split);
    lnl_standardizer_destroy(&s->standardizer);
    free(s->clean);
    free(s->noisy);
    free(s->transition);
    free(s->mapping);
    memset(s, 0, sizeof *s);
}

/* rate_index picks the noise section's setting: its pair for
 * class_conditional noise, its class names for the others. rate is the
 * rate of the other types, which lnl corrupt may take from outside the
 * section's list. */
static lnl_status noisy_split_create(const lnl_config *config, const lnl_dataset *dataset,
                                     const lnl_data_spec *data, const lnl_noise_spec *noise,
                                     size_t rate_index, double rate, int seed_index,
                                     noisy_split *out, lnl_error *err)
{
    memset(out, 0, sizeof *out);
    size_t k = dataset->n_classes;
    lnl_rng rng;
    lnl_status status;

    lnl_stream_seed(&rng, config, data, NULL, NULL, "split", seed_index);
    status = lnl_split_create(dataset->n_rows, data->test_size, dataset->y, k, data->stratify,
                              &rng, &out->split, err);
    if (status != LNL_OK)
        goto fail;

    if (data->standardize)
        status = lnl_standardizer_fit(dataset, out->split.train, out->split.n_train,
                                      &out->standardizer, err);
    else
        status = lnl_standardizer_identity(dataset->n_features, &out->standardizer, err);
    if (status != LNL_OK)
        goto fail;

    size_t n_train = out->split.n_train;
    out->clean = malloc((n_train + 1) * sizeof(int));
    out->noisy = malloc((n_train + 1) * sizeof(int));
    out->transition = malloc(k * k * sizeof(double));
    out->mapping = malloc(k * sizeof(int));
    if (!out->clean || !out->noisy || !out->transition || !out->mapping) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for labels");
        goto fail;
    }
    for (size_t i = 0; i < n_train; i++)
        out->clean[i] = dataset->y[out->split.train[i]];

    if (noise->type == LNL_NOISE_MATRIX && noise->matrix_order != k) {
        status = lnl_error_set(err, LNL_ERR_CONFIG, config->path, noise->line,
                               "[noise %s] has a %zu x %zu matrix but [data %s] has %zu classes",
                               noise->name, noise->matrix_order, noise->matrix_order,
                               data->name, k);
        goto fail;
    }
    lnl_noise_model model;
    status = lnl_noise_model_from_spec(noise, rate_index, dataset, config->path, out->mapping,
                                       &model, err);
    if (status != LNL_OK)
        goto fail;
    model.rate = rate;
    status = lnl_noise_transition(&model, out->transition, err);
    if (status != LNL_OK)
        goto fail;
    lnl_stream_seed(&rng, config, data, noise, NULL, "noise", seed_index);
    status = lnl_noise_apply(&model, out->clean, n_train, &rng, out->noisy, err);
    if (status != LNL_OK)
        goto fail;
    return LNL_OK;

fail:
    noisy_split_destroy(out);
    return status;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + 1e-9 * (double)(now.tv_nsec - start->tv_nsec);
}

/* Keeps NaN and Inf out of runs.csv and the tables: a run with a
 * non-finite measurement is recorded as failed, with 0 in its place. */
static void reject_non_finite(lnl_run_result *result)
{
    struct {
        const char *name;
        double *value;
    } measured[] = {
        {"realized_rate", &result->realized_rate},
        {"test_accuracy", &result->test_accuracy},
        {"train_accuracy", &result->train_accuracy},
        {"train_clean_accuracy", &result->train_clean_accuracy},
        {"objective", &result->objective},
    };
    for (size_t i = 0; i < sizeof measured / sizeof measured[0]; i++) {
        if (isfinite(*measured[i].value))
            continue;
        if (result->ok)
            snprintf(result->message, sizeof result->message, "%s is %g, not a finite number",
                     measured[i].name, *measured[i].value);
        result->ok = false;
        *measured[i].value = 0.0;
    }
}

/* The method's transition key as runs.csv records it: "known", "anchor",
 * "confident", the matrix file's path, or "" for a loss that reads no T. */
static const char *transition_source_name(const lnl_method_spec *method)
{
    switch (method->transition) {
    case LNL_TRANSITION_NONE: return "";
    case LNL_TRANSITION_KNOWN: return "known";
    case LNL_TRANSITION_ANCHOR: return "anchor";
    case LNL_TRANSITION_CONFIDENT: return "confident";
    case LNL_TRANSITION_FILE: return method->transition_path;
    }
    return "";
}

/* Fits the method, with the given number of threads in each objective
 * evaluation, and measures accuracies. Failures go into the result. */
static void run_cell(const lnl_config *config, lnl_dataset *const *datasets, const cell *c,
                     int threads, lnl_run_result *result)
{
    const lnl_data_spec *data = &config->data[c->data];
    const lnl_noise_spec *noise = &config->noise[c->noise];
    const lnl_method_spec *method = &config->methods[c->method];
    const lnl_dataset *dataset = datasets[c->data];
    size_t k = dataset->n_classes;
    lnl_error err;
    lnl_error_clear(&err);

    result->dataset = data->name;
    result->noise = noise->name;
    result->method = method->name;
    result->noise_type = noise_type_name(noise->type);
    result->rate = noise->rates[c->rate];
    lnl_noise_setting_label(noise, c->rate, result->setting, sizeof result->setting);
    result->transition = transition_source_name(method);
    result->transition_error_max = NAN;
    result->transition_error_frobenius = NAN;
    result->label_precision = NAN;
    result->label_recall = NAN;
    result->forget_rate = NAN;
    result->seed = c->seed;
    result->n_classes = k;
    result->ok = false;

    noisy_split labels;
    lnl_status status = noisy_split_create(config, dataset, data, noise, c->rate, result->rate,
                                           c->seed, &labels, &err);
    if (status != LNL_OK) {
        snprintf(result->message, sizeof result->message, "%s", err.message);
        return;
    }
    size_t n_train = labels.split.n_train, n_test = labels.split.n_test;
    result->n_train = n_train;
    result->n_test = n_test;
    result->realized_rate = lnl_noise_realized_rate(labels.clean, labels.noisy, n_train);
    result->confusion = calloc(k * k, sizeof(size_t));
    if (result->confusion != NULL)
        lnl_noise_confusion(labels.clean, labels.noisy, n_train, k, result->confusion);

    const int *train_labels = method->labels == LNL_LABELS_CLEAN ? labels.clean : labels.noisy;
    int *test_labels = malloc((n_test + 1) * sizeof(int));
    if (test_labels == NULL) {
        snprintf(result->message, sizeof result->message, "out of memory");
        noisy_split_destroy(&labels);
        return;
    }
    for (size_t i = 0; i < n_test; i++)
        test_labels[i] = dataset->y[labels.split.test[i]];

    lnl_rng model_rng;
    lnl_stream_seed(&model_rng, config, data, NULL, method, "model", c->seed);
    lnl_fit_input input = {
        .data = dataset,
        .rows = labels.split.train,
        .n_rows = n_train,
        .labels = train_labels,
        .clean_labels = labels.clean,
        .n_classes = k,
        .standardizer = &labels.standardizer,
        .true_transition = labels.transition,
        .rng = &model_rng,
        .threads = threads,
    };
    lnl_fit_output output;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    status = lnl_method_fit(method, &input, &output, &err);
    result->fit_seconds = seconds_since(&start);

    if (status == LNL_OK) {
        const lnl_linear_shape *shape = &output.shape;
        const lnl_standardizer *std = &labels.standardizer;
        status = lnl_linear_accuracy(shape, output.theta, dataset, labels.split.test, n_test,
                                     test_labels, std, &result->test_accuracy, &err);
        if (status == LNL_OK)
            status = lnl_linear_accuracy(shape, output.theta, dataset, labels.split.train,
                                         n_train, train_labels, std, &result->train_accuracy,
                                         &err);
        if (status == LNL_OK)
            status = lnl_linear_accuracy(shape, output.theta, dataset, labels.split.train,
                                         n_train, labels.clean, std,
                                         &result->train_clean_accuracy, &err);
        result->iterations = output.optim.iterations;
        result->converged = output.optim.converged;
        result->objective = output.optim.f;
        if (output.transition != NULL) {
            result->transition_matrix = output.transition;
            output.transition = NULL;
            result->transition_error_max = output.transition_error_max;
            result->transition_error_frobenius = output.transition_error_frobenius;
        }
        result->n_kept = output.n_kept;
        result->label_precision = output.label_precision;
        result->label_recall = output.label_recall;
        result->forget_rate = output.forget_rate;
        if (!output.optim.converged)
            snprintf(result->message, sizeof result->message, "not converged: %s",
                     output.optim.reason);
        lnl_fit_output_destroy(&output);
    }
    if (status == LNL_OK)
        result->ok = true;
    else
        snprintf(result->message, sizeof result->message, "%s", err.message);
    reject_non_finite(result);

    free(test_labels);
    noisy_split_destroy(&labels);
}

/* ---- runs.csv ----------------------------------------------------------- */

static const char runs_header[] =
    "dataset,noise,noise_type,sampling,rate,seed,method,loss,labels,n_train,n_test,"
    "realized_rate,test_accuracy,train_accuracy,train_clean_accuracy,iterations,converged,"
    "objective,status,message,fit_seconds,confusion,setting,transition,"
    "transition_error_max,transition_error_frobenius,transition_matrix,n_kept,label_precision,"
    "label_recall,forget_rate\n";

/* Writes text as one CSV field, quoted when it contains a comma or a quote. */
static void write_csv_field(FILE *file, const char *text)
{
    if (strpbrk(text, ",\"\n\r") == NULL) {
        fputs(text, file);
        return;
    }
    fputc('"', file);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"')
            fputc('"', file);
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, file);
    }
    fputc('"', file);
}

/* Writes a number with %.17g, or nothing when it is NaN (not applicable). */
static void write_optional_number(FILE *file, double value)
{
    if (!isnan(value))
        fprintf(file, "%.17g", value);
}

/* Writes the loss-correction columns after the confusion matrix: setting,
 * transition, the two estimation errors, and the T that the method used
 * as rows separated by ';' and entries by spaces (%.17g). */
static void write_transition_fields(FILE *file, const lnl_run_result *r)
{
    fputc(',', file);
    write_csv_field(file, r->setting);
    fputc(',', file);
    write_csv_field(file, r->transition != NULL ? r->transition : "");
    fputc(',', file);
    write_optional_number(file, r->transition_error_max);
    fputc(',', file);
    write_optional_number(file, r->transition_error_frobenius);
    fputc(',', file);
    if (r->transition_matrix == NULL)
        return;
    size_t k = r->n_classes;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            fprintf(file, "%.17g%s", r->transition_matrix[i * k + j],
                    j + 1 < k ? " " : (i + 1 < k ? ";" : ""));
}

static void write_run_row(FILE *file, const lnl_config *config, const cell *c,
                          const lnl_run_result *r)
{
    const lnl_noise_spec *noise = &config->noise[c->noise];
    const lnl_method_spec *method = &config->methods[c->method];

    /* Rates come from the config rounded to 12 decimals, so %.15g prints
     * them as written; measured values use %.17g and round-trip exactly. */
    fprintf(file, "%s,%s,%s,%s,%.15g,%d,%s,%s,%s,%zu,%zu,%.17g,%.17g,%.17g,%.17g,%d,%s,%.17g,%s,",
            r->dataset, r->noise, r->noise_type, sampling_name(noise->sampling), r->rate,
            r->seed, r->method, method->loss,
            method->labels == LNL_LABELS_CLEAN ? "clean" : "noisy", r->n_train, r->n_test,
            r->realized_rate, r->test_accuracy, r->train_accuracy, r->train_clean_accuracy,
            r->iterations, r->converged ? "true" : "false", r->objective,
            r->ok ? "ok" : "failed");
    write_csv_field(file, r->message);
    fprintf(file, ",%.6f,", r->fit_seconds);

    /* The confusion matrix as rows separated by ';', entries by spaces. */
    if (r->confusion != NULL)
        for (size_t i = 0; i < r->n_classes; i++)
            for (size_t j = 0; j < r->n_classes; j++)
                fprintf(file, "%zu%s", r->confusion[i * r->n_classes + j],
                        j + 1 < r->n_classes ? " " : (i + 1 < r->n_classes ? ";" : ""));
    write_transition_fields(file, r);

    /* Sample selection: empty where a value is unknown or does not apply. */
    fputc(',', file);
    if (r->n_kept > 0)
        fprintf(file, "%zu", r->n_kept);
    fputc(',', file);
    write_optional_number(file, r->label_precision);
    fputc(',', file);
    write_optional_number(file, r->label_recall);
    fputc(',', file);
    write_optional_number(file, r->forget_rate);
    fputc('\n', file);
}

/* Formats one row of runs.csv, with its line break, into a new string.
 * Returns NULL when memory runs out. */
static char *format_run_row(const lnl_config *config, const cell *c, const lnl_run_result *r)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = open_memstream(&text, &size);
    if (stream == NULL)
        return NULL;
    write_run_row(stream, config, c, r);
    bool failed = ferror(stream) != 0;
    if (fclose(stream) != 0 || failed) {
        free(text);
        return NULL;
    }
    return text;
}

/* Rates are written with %.15g (see write_run_row), so a recorded row
 * matches a cell when the texts are equal. out needs 32 bytes. */
static void format_rate(double rate, char *out, size_t size)
{
    snprintf(out, size, "%.15g", rate);
}

/* Splits one CSV record in place into fields, removing the quotes that
 * write_csv_field adds. Stores at most max_fields pointers and returns the
 * number of fields found, which may be larger. line has no line break. */
static size_t split_fields(char *line, char **fields, size_t max_fields)
{
    size_t n = 0;
    char *read = line, *write = line;
    for (;;) {
        if (n < max_fields)
            fields[n] = write;
        n++;
        bool quoted = *read == '"';
        if (quoted)
            read++;
        for (;;) {
            if (*read == '\0') {
                *write = '\0';
                return n;
            }
            if (quoted && read[0] == '"' && read[1] == '"') {
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
}

/* Positions of the columns that resuming reads, found by name in
 * runs_header so that added columns do not move them. */
typedef struct run_columns {
    size_t count;
    size_t dataset, noise, rate, method, seed, status, converged, setting;
} run_columns;

static bool find_run_columns(run_columns *columns)
{
    char header[sizeof runs_header];
    snprintf(header, sizeof header, "%s", runs_header);
    header[strcspn(header, "\n")] = '\0';
    char *fields[256];
    columns->count = split_fields(header, fields, 256);
    if (columns->count > 256)
        return false;

    struct {
        const char *name;
        size_t *position;
    } wanted[] = {
        {"dataset", &columns->dataset}, {"noise", &columns->noise},
        {"rate", &columns->rate},       {"method", &columns->method},
        {"seed", &columns->seed},       {"status", &columns->status},
        {"converged", &columns->converged}, {"setting", &columns->setting},
    };
    for (size_t w = 0; w < sizeof wanted / sizeof wanted[0]; w++) {
        size_t j = 0;
        while (j < columns->count && strcmp(fields[j], wanted[w].name) != 0)
            j++;
        if (j == columns->count)
            return false;
        *wanted[w].position = j;
    }
    return true;
}

/* ---- Recorded settings: DIR/.lnl-state ---------------------------------- */

/* The state file lists, for [experiment] and every [data], [noise] and
 * [method] section, each schema key that applies to the section as
 * "key = value", with every default filled in, plus "fingerprint" for each
 * data set. Config values are single lines, so no value contains a line
 * break and the file needs no escaping.
 *
 * A run depends on the [experiment] keys below, on everything in its own
 * data, noise and method sections except the keys of change_keeps_runs,
 * and on nothing else. name, output and baseline change no run and are
 * not recorded. */

static const char state_format_line[] = "format = 1";

/* [experiment] keys that are recorded. */
static bool experiment_key_recorded(const char *name)
{
    return strcmp(name, "seeds") == 0 || strcmp(name, "base_seed") == 0 ||
           strcmp(name, "rng") == 0;
}

/* Keys whose change keeps the recorded runs of the cells that remain.
 * seeds, and a noise section's rates, pairs and data list, only decide
 * which cells exist. A data file's path only says where the data are,
 * and the fingerprint compares their content. */
static bool change_keeps_runs(const char *section, const char *key)
{
    if (strcmp(section, "experiment") == 0)
        return strcmp(key, "seeds") == 0;
    if (strncmp(section, "noise ", 6) == 0)
        return strcmp(key, "rates") == 0 || strcmp(key, "pairs") == 0 ||
               strcmp(key, "data") == 0;
    if (strncmp(section, "data ", 5) == 0)
        return strcmp(key, "path") == 0;
    return false;
}

/* Writes value with the fewest significant digits (at most 17) that read
 * back as the same double, so "0.2" rather than "0.20000000000000001". */
static void write_double(FILE *out, double value)
{
    char text[32];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, value);
        if (strtod(text, NULL) == value)
            break;
    }
    fputs(text, out);
}

/* Writes a list of doubles, or "none" for an empty one. */
static void write_doubles(FILE *out, const double *values, size_t count, const char *separator)
{
    if (count == 0)
        fputs("none", out);
    for (size_t i = 0; i < count; i++) {
        if (i > 0)
            fputs(separator, out);
        write_double(out, values[i]);
    }
}

/* Writes the value of a class_conditional pairs, asymmetric mapping or
 * method transition key. */
static void write_correction_value(FILE *out, const lnl_config_key *key, const void *spec)
{
    if (key->type == LNL_TYPE_PAIRS) {
        const lnl_noise_spec *noise = spec;
        if (noise->type != LNL_NOISE_CLASS_CONDITIONAL || noise->n_rates == 0)
            fputs("none", out);
        for (size_t r = 0; noise->type == LNL_NOISE_CLASS_CONDITIONAL && r < noise->n_rates;
             r++) {
            fputs(r > 0 ? ", " : "", out);
            write_double(out, noise->pairs[r][0]);
            fputc('/', out);
            write_double(out, noise->pairs[r][1]);
        }
    } else if (key->type == LNL_TYPE_MAPPING) {
        const lnl_noise_spec *noise = spec;
        if (noise->n_mappings == 0)
            fputs("none", out);
        for (size_t m = 0; m < noise->n_mappings; m++)
            fprintf(out, "%s%s -> %s", m > 0 ? ", " : "", noise->mappings[m].source,
                    noise->mappings[m].target);
    } else {
        const lnl_method_spec *method = spec;
        const char *source = transition_source_name(method);
        fputs(source[0] != '\0' ? source : "none", out);
    }
}

/* Writes the value of one schema key from the struct of its section. */
static void write_key_value(FILE *out, const lnl_config_key *key, const void *spec)
{
    const char *field = (const char *)spec + key->offset;
    if (key->has_flag && !*(const bool *)((const char *)spec + key->has_offset)) {
        fputs("none", out);
        return;
    }

    /* There is no default case, so the compiler warns about a new schema
     * type until this switch records it. */
    switch (key->type) {
    case LNL_TYPE_NAME:
    case LNL_TYPE_TEXT:
    case LNL_TYPE_PATH:
    case LNL_TYPE_LOSS:
        fputs(field, out);
        return;
    case LNL_TYPE_CHOICE:
        if (key->choice_field != NULL)
            fputs(key->choices[key->choice_field->get(field)], out);
        else
            fputs(field, out);
        return;
    case LNL_TYPE_INT:
        fprintf(out, "%d", *(const int *)field);
        return;
    case LNL_TYPE_COUNT:
        fprintf(out, "%zu", *(const size_t *)field);
        return;
    case LNL_TYPE_SEED:
        fprintf(out, "%" PRIu64, *(const uint64_t *)field);
        return;
    case LNL_TYPE_REAL:
    case LNL_TYPE_REAL_OR_NONE:
    case LNL_TYPE_TEST_SIZE:
        write_double(out, *(const double *)field);
        return;
    case LNL_TYPE_REAL_OR_AUTO:
        if (*(const bool *)((const char *)spec + key->has_offset))
            fputs("auto", out);
        else
            write_double(out, *(const double *)field);
        return;
    case LNL_TYPE_BOOL:
        fputs(*(const bool *)field ? "true" : "false", out);
        return;
    case LNL_TYPE_WEIGHTS: {
        const lnl_data_spec *data = spec;
        write_doubles(out, data->generator.weights, data->generator.n_weights, ", ");
        return;
    }
    case LNL_TYPE_RATES: {
        const lnl_noise_spec *noise = spec;
        write_doubles(out, noise->rates, noise->n_rates, ", ");
        return;
    }
    case LNL_TYPE_PAIRS:
    case LNL_TYPE_MAPPING:
    case LNL_TYPE_TRANSITION:
        write_correction_value(out, key, spec);
        return;
    case LNL_TYPE_MATRIX: {
        const lnl_noise_spec *noise = spec;
        if (noise->matrix == NULL) {
            fputs("none", out);
            return;
        }
        size_t k = noise->matrix_order;
        for (size_t i = 0; i < k; i++) {
            if (i > 0)
                fputs("; ", out);
            write_doubles(out, noise->matrix + i * k, k, " ");
        }
        return;
    }
    }
}

/* Writes every recorded key of one section, in schema order. */
static void write_section_keys(FILE *out, lnl_config_kind kind, const void *spec,
                               unsigned source_bit)
{
    for (size_t i = 0; i < lnl_config_key_count(); i++) {
        const lnl_config_key *key = lnl_config_key_at(i);
        if (key->kind != kind)
            continue;
        if (kind == LNL_CONFIG_EXPERIMENT && !experiment_key_recorded(key->name))
            continue;
        if (kind == LNL_CONFIG_DATA && (key->sources & source_bit) == 0)
            continue;
        fprintf(out, "%s = ", key->name);
        write_key_value(out, key, spec);
        fputc('\n', out);
    }
}

/* FNV-1a, 64 bits (Fowler, Noll and Vo), continued from hash over bytes. */
static uint64_t fnv1a(uint64_t hash, const void *bytes, size_t size)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < size; i++) {
        hash ^= p[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

/* A hash of everything a run reads from a data set: shape, values, labels
 * and names. It notices a data file that changed since the recorded runs. */
static uint64_t dataset_fingerprint(const lnl_dataset *data)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    size_t shape[3] = {data->n_rows, data->n_features, data->n_classes};
    hash = fnv1a(hash, shape, sizeof shape);
    hash = fnv1a(hash, data->X, data->n_rows * data->n_features * sizeof *data->X);
    hash = fnv1a(hash, data->y, data->n_rows * sizeof *data->y);
    for (size_t k = 0; k < data->n_classes; k++)
        hash = fnv1a(hash, data->class_names[k], strlen(data->class_names[k]) + 1);
    for (size_t j = 0; j < data->n_features; j++)
        hash = fnv1a(hash, data->feature_names[j], strlen(data->feature_names[j]) + 1);
    return hash;
}

/* Writes the state file's text for config and its loaded data sets into a
 * new string. Returns NULL when memory runs out. */
static char *format_state(const lnl_config *config, lnl_dataset *const *datasets)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (out == NULL)
        return NULL;

    fprintf(out, "# The settings of the runs in runs.csv, written by lnl run. A later\n"
                 "# lnl run into this folder compares them with its config and resumes\n"
                 "# only when they match.\n%s\n", state_format_line);
    fputs("[experiment]\n", out);
    write_section_keys(out, LNL_CONFIG_EXPERIMENT, config, 0);
    for (size_t d = 0; d < config->n_data; d++) {
        const lnl_data_spec *data = &config->data[d];
        fprintf(out, "[data %s]\n", data->name);
        write_section_keys(out, LNL_CONFIG_DATA, data, 1u << data->source);
        fprintf(out, "fingerprint = %016" PRIx64 "\n", dataset_fingerprint(datasets[d]));
    }
    for (size_t n = 0; n < config->n_noise; n++) {
        fprintf(out, "[noise %s]\n", config->noise[n].name);
        write_section_keys(out, LNL_CONFIG_NOISE, &config->noise[n], 0);
    }
    for (size_t m = 0; m < config->n_methods; m++) {
        fprintf(out, "[method %s]\n", config->methods[m].name);
        write_section_keys(out, LNL_CONFIG_METHOD, &config->methods[m], 0);
    }

    bool failed = ferror(out) != 0;
    if (fclose(out) != 0 || failed) {
        free(text);
        return NULL;
    }
    return text;
}

/* One "key = value" of a state file, with its section's label. */
typedef struct setting {
    const char *section;  /* "experiment", "data NAME", "noise NAME" or "method NAME" */
    const char *key;
    const char *value;
} setting;

typedef struct settings {
    char *text;           /* the parsed copy of the file; the pointers point into it */
    setting *items;
    size_t count;
    bool valid;           /* false when a line is neither a header nor "key = value" */
} settings;

static void settings_free(settings *s)
{
    free(s->text);
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* Parses the text of a state file into s. Returns false when memory runs
 * out; a malformed text gives s->valid = false. */
static bool settings_parse(const char *text, settings *s)
{
    memset(s, 0, sizeof *s);
    s->valid = true;
    size_t length = strlen(text);
    s->text = malloc(length + 1);
    s->items = malloc((length / 4 + 1) * sizeof *s->items);  /* a setting needs >= 4 bytes */
    if (s->text == NULL || s->items == NULL) {
        settings_free(s);
        return false;
    }
    memcpy(s->text, text, length + 1);

    const char *section = NULL;
    bool has_format = false;
    char *next = NULL;
    for (char *line = s->text; line != NULL; line = next) {
        char *end = strchr(line, '\n');
        next = end != NULL ? end + 1 : NULL;
        if (end != NULL)
            *end = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (!has_format) {
            has_format = strcmp(line, state_format_line) == 0;
            s->valid = has_format;
            if (!s->valid)
                return true;
            continue;
        }
        size_t line_length = strlen(line);
        if (line[0] == '[' && line[line_length - 1] == ']') {
            line[line_length - 1] = '\0';
            section = line + 1;
            continue;
        }
        char *equals = strstr(line, " = ");
        if (section == NULL || equals == NULL) {
            s->valid = false;
            return true;
        }
        *equals = '\0';
        s->items[s->count++] = (setting){section, line, equals + 3};
    }
    s->valid = has_format;
    return true;
}

static const setting *settings_find(const settings *s, const char *section, const char *key)
{
    for (size_t i = 0; i < s->count; i++) {
        const setting *item = &s->items[i];
        if (strcmp(item->section, section) == 0 && (key == NULL || strcmp(item->key, key) == 0))
            return item;
    }
    return NULL;
}

/* The differences between the config's settings and the recorded ones, as
 * one sentence of at most LNL_ERROR_MESSAGE_MAX bytes. */
typedef struct settings_diff {
    char text[LNL_ERROR_MESSAGE_MAX];
    size_t count;      /* differences found */
    size_t listed;     /* differences written into text */
    char first_section[LNL_NAME_MAX + 16];  /* the section of the first one */
} settings_diff;

static void diff_add(settings_diff *diff, const char *section, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void diff_add(settings_diff *diff, const char *section, const char *format, ...)
{
    if (diff->count++ == 0)
        snprintf(diff->first_section, sizeof diff->first_section, "%s", section);

    /* Keep room for the closing "... and N more" of the caller. */
    char item[512];
    va_list args;
    va_start(args, format);
    vsnprintf(item, sizeof item, format, args);
    va_end(args);
    size_t used = strlen(diff->text);
    if (used + strlen(item) + 3 > sizeof diff->text - 96)
        return;
    snprintf(diff->text + used, sizeof diff->text - used, "%s%s", diff->listed > 0 ? "; " : "",
             item);
    diff->listed++;
}

/* Returns "..." when a message shows only the first VALUE_SHOWN bytes of text. */
enum { VALUE_SHOWN = 40 };

static const char *ellipsis(const char *text)
{
    return strlen(text) > VALUE_SHOWN ? "..." : "";
}

static bool first_of_section(const settings *s, size_t i)
{
    return i == 0 || strcmp(s->items[i - 1].section, s->items[i].section) != 0;
}

/* Returns value, or "" in quotes for an empty value, so that messages show it. */
static const char *shown(const char *value)
{
    return value[0] != '\0' ? value : "\"\"";
}

/* Allocates the struct of a section kind filled with its defaults, or
 * returns NULL when memory runs out. */
static void *default_spec(lnl_config_kind kind)
{
    void *spec = NULL;
    switch (kind) {
    case LNL_CONFIG_EXPERIMENT:
        if ((spec = calloc(1, sizeof(lnl_config))) != NULL)
            lnl_config_defaults_experiment(spec);
        break;
    case LNL_CONFIG_DATA:
        if ((spec = calloc(1, sizeof(lnl_data_spec))) != NULL)
            lnl_config_defaults_data(spec);
        break;
    case LNL_CONFIG_NOISE:
        if ((spec = calloc(1, sizeof(lnl_noise_spec))) != NULL)
            lnl_config_defaults_noise(spec);
        break;
    case LNL_CONFIG_METHOD:
        if ((spec = calloc(1, sizeof(lnl_method_spec))) != NULL)
            lnl_config_defaults_method(spec);
        break;
    case LNL_CONFIG_KIND_COUNT:
        break;
    }
    return spec;
}

/* True when a setting has its key's default value, as the state file
 * writes it. section labels are "experiment", "data NAME" and so on.
 * False for names outside the schema, such as fingerprint. */
static bool setting_is_default(const setting *item)
{
    char word[16];
    size_t length = strcspn(item->section, " ");
    if (length >= sizeof word)
        return false;
    memcpy(word, item->section, length);
    word[length] = '\0';
    lnl_config_kind kind;
    if (!lnl_config_kind_find(word, &kind))
        return false;
    const lnl_config_key *key = lnl_config_key_find(kind, item->key, LNL_SOURCE_BIT_ALL);
    if (key == NULL)
        return false;

    void *spec = default_spec(kind);
    char *text = NULL;
    size_t size = 0;
    FILE *stream = spec != NULL ? open_memstream(&text, &size) : NULL;
    bool equal = false;
    if (stream != NULL) {
        write_key_value(stream, key, spec);
        bool failed = ferror(stream) != 0;
        equal = fclose(stream) == 0 && !failed && strcmp(text, item->value) == 0;
    }
    free(text);
    free(spec);
    return equal;
}

/* True when the recorded settings give now's key the same value. A key
 * that a state file lacks because an older lnl wrote it counts as equal
 * when now has the key's default, so new keys keep old runs reusable. */
static bool recorded_value_equal(const settings *recorded, const setting *now)
{
    const setting *then = settings_find(recorded, now->section, now->key);
    if (then == NULL)
        return setting_is_default(now);
    return strcmp(now->value, then->value) == 0;
}

/* Lists every difference between the current and the recorded settings. */
static void settings_describe_differences(const settings *current, const settings *recorded,
                                          settings_diff *diff)
{
    for (size_t i = 0; i < current->count; i++) {
        const setting *now = &current->items[i];
        if (settings_find(recorded, now->section, NULL) == NULL) {
            if (first_of_section(current, i))
                diff_add(diff, now->section, "[%s] is not in the recorded runs", now->section);
            continue;
        }
        const setting *then = settings_find(recorded, now->section, now->key);
        if (recorded_value_equal(recorded, now))
            continue;
        else if (then == NULL)
            diff_add(diff, now->section, "[%s] %s is %.*s%s, not recorded", now->section,
                     now->key, VALUE_SHOWN, shown(now->value), ellipsis(now->value));
        else if (strcmp(now->key, "fingerprint") == 0)
            diff_add(diff, now->section, "[%s] the data differ from those of the recorded runs",
                     now->section);
        else
            diff_add(diff, now->section, "[%s] %s is %.*s%s, recorded %.*s%s", now->section,
                     now->key, VALUE_SHOWN, shown(now->value), ellipsis(now->value),
                     VALUE_SHOWN, shown(then->value), ellipsis(then->value));
    }
    for (size_t i = 0; i < recorded->count; i++) {
        const setting *then = &recorded->items[i];
        if (settings_find(current, then->section, NULL) == NULL) {
            if (first_of_section(recorded, i))
                diff_add(diff, then->section, "[%s] was removed", then->section);
        } else if (settings_find(current, then->section, then->key) == NULL) {
            diff_add(diff, then->section, "[%s] %s is not set, recorded %.*s%s", then->section,
                     then->key, VALUE_SHOWN, shown(then->value), ellipsis(then->value));
        }
    }
}

/* True when the recorded runs of section can be reused: the section is
 * recorded and every key except those of change_keeps_runs is equal. */
static bool section_unchanged(const settings *current, const settings *recorded,
                              const char *section)
{
    if (settings_find(recorded, section, NULL) == NULL)
        return false;
    for (size_t i = 0; i < current->count; i++) {
        const setting *now = &current->items[i];
        if (strcmp(now->section, section) != 0 || change_keeps_runs(section, now->key))
            continue;
        if (!recorded_value_equal(recorded, now))
            return false;
    }
    for (size_t i = 0; i < recorded->count; i++) {
        const setting *then = &recorded->items[i];
        if (strcmp(then->section, section) == 0 && !change_keeps_runs(section, then->key) &&
            settings_find(current, section, then->key) == NULL)
            return false;
    }
    return true;
}

/* ---- Files ------------------------------------------------------------------ */

/* Reads a whole file into a new string. A missing file gives *text = NULL
 * and LNL_OK, and a file that contains a NUL byte is rejected. */
static lnl_status read_text_file(const char *path, char **text, lnl_error *err)
{
    size_t length;
    lnl_status status = lnl_output_file_read(path, text, &length, err);
    if (status != LNL_OK || *text == NULL)
        return status;
    if (strlen(*text) != length) {
        free(*text);
        *text = NULL;
        return lnl_error_set(err, LNL_ERR_DATA, path, 0, "the file contains a NUL byte");
    }
    return LNL_OK;
}

/* ---- The sweep's state ------------------------------------------------------ */

enum { ROW_FAILED = 1, ROW_NOT_CONVERGED = 2 };

typedef struct sweep_state {
    const lnl_config *config;
    const lnl_sweep_options *options;
    lnl_dataset **datasets;
    cell *cells;
    size_t n_cells;
    size_t n_shard_cells;    /* cells of this shard; n_cells without sharding */
    char **rows;             /* per cell: its runs.csv row with the line break, or NULL */
    unsigned char *flags;    /* per cell: ROW_* of its row */
    size_t n_recorded;       /* cells with a row */
    size_t n_resumed;        /* rows taken from an earlier sweep */
    size_t *todo;            /* cells to run, in plan order */
    size_t n_todo;
    size_t next_todo;        /* next entry of todo to hand to a worker */
    int cell_threads;        /* threads of each objective evaluation */
    FILE *runs;              /* runs.csv, open for appending while the pool runs */
    bool stop;               /* a write failed: start no further run */
    int write_errno;
    bool out_of_memory;
    pthread_mutex_t lock;
} sweep_state;

/* True when the cell at plan position index belongs to this process's
 * shard (lnl_sweep_options), or when there are no shards. */
static bool in_shard(const sweep_state *state, size_t index)
{
    const lnl_sweep_options *options = state->options;
    return options->shard_count <= 0 ||
           index % (size_t)options->shard_count == (size_t)(options->shard_index - 1);
}

static bool cancel_requested(const sweep_state *state)
{
    const atomic_int *cancel = state->options->cancel;
    return cancel != NULL && atomic_load(cancel) != 0;
}

/* Plan position of cell (d, n, r, m, s); the inverse of plan_cells. */
static size_t plan_index(const lnl_config *config, size_t d, size_t n, size_t r, size_t m,
                         size_t s)
{
    size_t per_rate = config->n_methods * (size_t)config->seeds;
    size_t settings_before = 0;
    for (size_t i = 0; i < config->n_data; i++)
        for (size_t j = 0; j < config->n_noise; j++)
            if ((i < d || (i == d && j < n)) && lnl_config_noise_applies(config, j, i))
                settings_before += config->noise[j].n_rates;
    return (settings_before + r) * per_rate + m * (size_t)config->seeds + s;
}

/* Computes the plan position of a recorded row from its key fields and
 * writes the cell they name into *key. Returns SIZE_MAX when the row names
 * no cell of the config. */
static size_t row_plan_index(const lnl_config *config, char **fields, const run_columns *columns,
                             cell *key)
{
    size_t d = 0, n = 0, r = 0, m = 0;
    while (d < config->n_data && strcmp(config->data[d].name, fields[columns->dataset]) != 0)
        d++;
    while (n < config->n_noise && strcmp(config->noise[n].name, fields[columns->noise]) != 0)
        n++;
    while (m < config->n_methods && strcmp(config->methods[m].name, fields[columns->method]) != 0)
        m++;
    if (d == config->n_data || n == config->n_noise || m == config->n_methods ||
        !lnl_config_noise_applies(config, n, d))
        return SIZE_MAX;

    /* class_conditional settings can share a rate, so the pair must match too. */
    char rate[32], setting[64];
    for (; r < config->noise[n].n_rates; r++) {
        format_rate(config->noise[n].rates[r], rate, sizeof rate);
        lnl_noise_setting_label(&config->noise[n], r, setting, sizeof setting);
        if (strcmp(rate, fields[columns->rate]) == 0 &&
            strcmp(setting, fields[columns->setting]) == 0)
            break;
    }
    if (r == config->noise[n].n_rates)
        return SIZE_MAX;

    const char *seed_text = fields[columns->seed];
    char *end = NULL;
    errno = 0;
    long seed = strtol(seed_text, &end, 10);
    if (errno != 0 || end == seed_text || *end != '\0' || seed < 0 || seed >= config->seeds)
        return SIZE_MAX;
    *key = (cell){d, n, r, m, (int)seed};
    return plan_index(config, d, n, r, m, (size_t)seed);
}

/* Finds the plan position of a recorded row from its key fields. Returns
 * n_cells when the row names no cell of the plan. */
static size_t find_cell(const sweep_state *state, char **fields, const run_columns *columns)
{
    cell key;
    size_t index = row_plan_index(state->config, fields, columns, &key);

    /* plan_index inverts plan_cells; the check keeps a mismatch between the
     * two from reusing a row for another cell */
    const cell *c = index < state->n_cells ? &state->cells[index] : NULL;
    if (c == NULL || c->data != key.data || c->noise != key.noise || c->rate != key.rate ||
        c->method != key.method || c->seed != key.seed)
        return state->n_cells;
    return index;
}

size_t lnl_sweep_row_position(const lnl_config *config, const char *row)
{
    size_t n_cells = lnl_sweep_count(config);
    run_columns columns;
    char *copy = strdup(row);
    char **fields = NULL;
    if (copy == NULL || !find_run_columns(&columns) ||
        (fields = malloc(columns.count * sizeof *fields)) == NULL) {
        free(copy);
        return n_cells;
    }
    size_t index = n_cells;
    cell key;
    if (split_fields(copy, fields, columns.count) == columns.count)
        index = row_plan_index(config, fields, &columns, &key);
    free(fields);
    free(copy);
    return index < n_cells ? index : n_cells;
}

const char *lnl_sweep_runs_header(void)
{
    return runs_header;
}

/* Which sections' recorded runs can be reused. */
typedef struct reuse_rules {
    const settings *current, *recorded;
    bool experiment_unchanged;
} reuse_rules;

static bool cell_reusable(const lnl_config *config, const reuse_rules *rules, const cell *c)
{
    char section[LNL_NAME_MAX + 16];
    if (!rules->experiment_unchanged)
        return false;
    snprintf(section, sizeof section, "data %s", config->data[c->data].name);
    if (!section_unchanged(rules->current, rules->recorded, section))
        return false;
    snprintf(section, sizeof section, "noise %s", config->noise[c->noise].name);
    if (!section_unchanged(rules->current, rules->recorded, section))
        return false;
    snprintf(section, sizeof section, "method %s", config->methods[c->method].name);
    return section_unchanged(rules->current, rules->recorded, section);
}

/* Takes the reusable rows of an earlier runs.csv (text, with its header
 * already checked) of folder dir into state->rows. A last line without its
 * line break was cut off by a crash, so it is dropped. Rows that cannot be
 * used are dropped too, and their cells run again. Rows of other shards
 * are LNL_ERR_ARGUMENT at dir unless options->force is set. */
static lnl_status take_recorded_rows(sweep_state *state, const char *dir, char *text,
                                     const char *path, const reuse_rules *rules,
                                     lnl_error *err)
{
    run_columns columns;
    if (!find_run_columns(&columns))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "runs.csv header lacks a column that resuming needs");
    char **fields = malloc(columns.count * sizeof *fields);
    if (fields == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");

    lnl_status status = LNL_OK;
    long line_number = 1;
    char *line = strchr(text, '\n') + 1;  /* after the header */
    size_t n_dropped = 0, n_other_shards = 0;
    while (*line != '\0' && status == LNL_OK) {
        line_number++;
        char *end = strchr(line, '\n');
        if (end == NULL) {
            lnl_log(LNL_LOG_INFO, "%s:%ld: dropped a row cut off by an interruption", path,
                    line_number);
            break;
        }
        size_t length = (size_t)(end - line) + 1;
        char *row = malloc(length + 1);
        if (row == NULL) {
            status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
            break;
        }
        memcpy(row, line, length);
        row[length] = '\0';
        *end = '\0';

        size_t index = state->n_cells;
        if (split_fields(line, fields, columns.count) == columns.count)
            index = find_cell(state, fields, &columns);

        /* Another shard's row may exist nowhere else, so it is counted and
         * the sweep stops below instead of dropping it, unless forced. */
        if (index < state->n_cells && state->rows[index] == NULL && !in_shard(state, index) &&
            !state->options->force) {
            n_other_shards++;
            free(row);
            line = end + 1;
            continue;
        }
        if (index == state->n_cells || state->rows[index] != NULL || !in_shard(state, index) ||
            !cell_reusable(state->config, rules, &state->cells[index])) {
            if (index == state->n_cells || state->rows[index] != NULL || !in_shard(state, index))
                lnl_log(LNL_LOG_WARNING, "%s:%ld: dropped a row that %s", path, line_number,
                        index == state->n_cells      ? "names no run of this config"
                        : state->rows[index] != NULL ? "repeats an earlier row"
                                                     : "belongs to another shard");
            n_dropped++;
            free(row);
        } else {
            state->rows[index] = row;
            state->n_recorded++;
            state->n_resumed++;
            if (strcmp(fields[columns.status], "ok") != 0)
                state->flags[index] |= ROW_FAILED;
            else if (strcmp(fields[columns.converged], "true") != 0)
                state->flags[index] |= ROW_NOT_CONVERGED;
        }
        line = end + 1;
    }
    if (n_dropped > 0)
        lnl_log(LNL_LOG_INFO, "%s: %zu recorded runs will run again", path, n_dropped);
    if (status == LNL_OK && n_other_shards > 0)
        status = lnl_error_set(err, LNL_ERR_ARGUMENT, dir, 0,
                               "the folder contains %zu runs of shards other than shard %d "
                               "of %d, which resuming would delete; write each shard into "
                               "its own folder, or force the resume (lnl run --force) to "
                               "delete them",
                               n_other_shards, state->options->shard_index,
                               state->options->shard_count);
    free(fields);
    return status;
}

/* Line of the config's section with this label ("data NAME", ...), or 0
 * for [experiment] and for a section the config does not have. */
static long section_line(const lnl_config *config, const char *label)
{
    char name[LNL_NAME_MAX + 16];
    for (size_t d = 0; d < config->n_data; d++) {
        snprintf(name, sizeof name, "data %s", config->data[d].name);
        if (strcmp(name, label) == 0)
            return config->data[d].line;
    }
    for (size_t n = 0; n < config->n_noise; n++) {
        snprintf(name, sizeof name, "noise %s", config->noise[n].name);
        if (strcmp(name, label) == 0)
            return config->noise[n].line;
    }
    for (size_t m = 0; m < config->n_methods; m++) {
        snprintf(name, sizeof name, "method %s", config->methods[m].name);
        if (strcmp(name, label) == 0)
            return config->methods[m].line;
    }
    return 0;
}

/* Reads DIR/.lnl-state and DIR/runs.csv of an earlier sweep, if any, and
 * takes the rows that can be reused. When the recorded settings differ and
 * force is false, returns LNL_ERR_CONFIG naming the differences. */
static lnl_status resume_recorded_runs(sweep_state *state, const char *dir,
                                       const settings *current, lnl_sweep_summary *summary,
                                       lnl_error *err)
{
    char state_path[LNL_PATH_MAX + 32], runs_path[LNL_PATH_MAX + 32];
    snprintf(state_path, sizeof state_path, "%s/.lnl-state", dir);
    snprintf(runs_path, sizeof runs_path, "%s/runs.csv", dir);
    char *state_text = NULL, *runs_text = NULL;
    settings recorded = {0};

    lnl_status status = read_text_file(state_path, &state_text, err);
    if (status == LNL_OK)
        status = read_text_file(runs_path, &runs_text, err);
    if (status != LNL_OK)
        goto cleanup;
    if (runs_text == NULL)
        goto cleanup;  /* nothing recorded: a fresh sweep */
    if (state_text == NULL) {
        lnl_log(LNL_LOG_WARNING, "%s has no .lnl-state, so its runs.csv cannot be resumed; "
                                 "replacing it", dir);
        goto cleanup;
    }
    if (!settings_parse(state_text, &recorded)) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }

    /* A header other than this version's means rows of another layout. */
    size_t header_length = strlen(runs_header);
    bool columns_differ = strncmp(runs_text, runs_header, header_length) != 0;
    bool header_complete = strchr(runs_text, '\n') != NULL;

    settings_diff diff = {0};
    if (!recorded.valid)
        diff_add(&diff, "", "%s cannot be read", state_path);
    else
        settings_describe_differences(current, &recorded, &diff);
    if (columns_differ && header_complete)
        diff_add(&diff, "", "%s has other columns than this version of lnl writes",
                 runs_path);

    if (diff.count > 0 && !state->options->force) {
        summary->settings_differ = true;
        char more[64] = "";
        if (diff.listed < diff.count)
            snprintf(more, sizeof more, "; and %zu more", diff.count - diff.listed);
        status = lnl_error_set(err, LNL_ERR_CONFIG, state->config->path,
                               section_line(state->config, diff.first_section),
                               "%s contains runs made with other settings: %s%s", dir,
                               diff.text, more);
        goto cleanup;
    }
    if (diff.count > 0)
        lnl_log(LNL_LOG_WARNING,
                "%s contains runs made with other settings (%s); keeping the runs these "
                "changes do not affect",
                dir, diff.text);
    if (!recorded.valid || columns_differ || !header_complete)
        goto cleanup;

    reuse_rules rules = {current, &recorded,
                         section_unchanged(current, &recorded, "experiment")};
    status = take_recorded_rows(state, dir, runs_text, runs_path, &rules, err);

cleanup:
    settings_free(&recorded);
    free(state_text);
    free(runs_text);
    return status;
}

/* Writes runs.csv with the header and every recorded row in plan order. */
static lnl_status write_runs_file(const sweep_state *state, const char *path, lnl_error *err)
{
    const char **parts = malloc((state->n_cells + 1) * sizeof *parts);
    if (parts == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    parts[0] = runs_header;
    for (size_t i = 0; i < state->n_cells; i++)
        parts[i + 1] = state->rows[i];
    lnl_status status = lnl_output_file_write(path, parts, state->n_cells + 1, err);
    free(parts);
    return status;
}

/* ---- The pool ------------------------------------------------------------ */

/* Appends a finished run's row to runs.csv and flushes it, so that a crash
 * loses only the runs still in progress. row may be NULL when formatting
 * ran out of memory, which stops the sweep. */
static void record_result(sweep_state *state, size_t index, const lnl_run_result *result,
                          char *row)
{
    pthread_mutex_lock(&state->lock);
    if (row == NULL) {
        state->out_of_memory = true;
        state->stop = true;
        pthread_mutex_unlock(&state->lock);
        return;
    }

    errno = 0;
    fputs(row, state->runs);
    if (fflush(state->runs) != 0 || ferror(state->runs)) {
        state->write_errno = errno != 0 ? errno : EIO;
        state->stop = true;
    }
    state->rows[index] = row;
    state->n_recorded++;
    if (!result->ok)
        state->flags[index] |= ROW_FAILED;
    else if (!result->converged)
        state->flags[index] |= ROW_NOT_CONVERGED;

    if (state->options->progress != NULL)
        state->options->progress(state->options->progress_context, state->n_recorded,
                                 state->n_shard_cells, result);
    pthread_mutex_unlock(&state->lock);
}

static void *worker_main(void *argument)
{
    sweep_state *state = argument;
    for (;;) {
        pthread_mutex_lock(&state->lock);
        size_t index = state->n_cells;
        if (!state->stop && !cancel_requested(state) && state->next_todo < state->n_todo)
            index = state->todo[state->next_todo++];
        pthread_mutex_unlock(&state->lock);
        if (index == state->n_cells)
            return NULL;

        lnl_run_result result;
        memset(&result, 0, sizeof result);
        result.cell = index;
        run_cell(state->config, state->datasets, &state->cells[index], state->cell_threads,
                 &result);
        char *row = format_run_row(state->config, &state->cells[index], &result);
        record_result(state, index, &result, row);
        free(result.confusion);
        free(result.transition_matrix);
    }
}

static cell *plan_cells(const lnl_config *config, size_t *n_cells)
{
    *n_cells = lnl_sweep_count(config);
    cell *cells = malloc((*n_cells + 1) * sizeof(cell));
    if (cells == NULL)
        return NULL;

    size_t i = 0;
    for (size_t d = 0; d < config->n_data; d++)
        for (size_t n = 0; n < config->n_noise; n++)
            for (size_t r = 0; lnl_config_noise_applies(config, n, d) && r < config->noise[n].n_rates;
                 r++)
                for (size_t m = 0; m < config->n_methods; m++)
                    for (int s = 0; s < config->seeds; s++)
                        cells[i++] = (cell){d, n, r, m, s};
    return cells;
}

static int default_jobs(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)cores : 1;
}

static void run_pool(sweep_state *state, int jobs)
{
    pthread_t threads[256];
    if (jobs > 256)
        jobs = 256;
    /* With fewer cells than jobs, the cells share the spare threads inside
     * their objective evaluations, which give the same bits on any count. */
    state->cell_threads = 1;
    if ((size_t)jobs > state->n_todo) {
        size_t cells = state->n_todo > 0 ? state->n_todo : 1;
        state->cell_threads = jobs / (int)cells;
        jobs = (int)cells;
    }

    int started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker_main, state) != 0)
            break;
    if (started == 0)
        worker_main(state);
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
}

/* ---- The sweep -------------------------------------------------------------- */

/* Checks what only the loaded data sets tell: their class counts against
 * matrix noise and binary models. config.c checks the generated ones. */
static lnl_status check_class_counts(const lnl_config *config, lnl_dataset *const *datasets,
                                     lnl_error *err)
{
    for (size_t d = 0; d < config->n_data; d++) {
        size_t k = datasets[d]->n_classes;
        const char *data = config->data[d].name;
        for (size_t n = 0; n < config->n_noise; n++) {
            const lnl_noise_spec *noise = &config->noise[n];
            if (!lnl_config_noise_applies(config, n, d))
                continue;
            if (noise->type == LNL_NOISE_MATRIX && noise->matrix_order != k)
                return lnl_error_set(err, LNL_ERR_CONFIG, config->path, noise->line,
                                     "matrix in [noise %s] is %zu x %zu, but [data %s] has %zu "
                                     "classes; every noise section applies to every data "
                                     "section",
                                     noise->name, noise->matrix_order, noise->matrix_order, data,
                                     k);
        }
        for (size_t m = 0; m < config->n_methods; m++) {
            const lnl_method_spec *method = &config->methods[m];
            if (method->model == LNL_MODEL_BINARY && k != 2)
                return lnl_error_set(err, LNL_ERR_CONFIG, config->path, method->line,
                                     "model = binary in [method %s] needs 2 classes, but "
                                     "[data %s] has %zu; use auto or softmax",
                                     method->name, data, k);
        }
    }
    return LNL_OK;
}

/* Checks what loss correction and the class-named noise types need from
 * the loaded data sets: the class names of class_conditional and
 * asymmetric noise, two classes for class_conditional noise and the
 * unbiased loss, and matrix files of the right order. */
static lnl_status check_correction_inputs(const lnl_config *config,
                                          lnl_dataset *const *datasets, lnl_error *err)
{
    for (size_t d = 0; d < config->n_data; d++) {
        const lnl_dataset *dataset = datasets[d];
        size_t k = dataset->n_classes;
        int *mapping = malloc(k * sizeof *mapping);
        double *T = malloc(k * k * sizeof *T);
        lnl_status status = mapping != NULL && T != NULL
                                ? LNL_OK
                                : lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");

        for (size_t n = 0; n < config->n_noise && status == LNL_OK; n++) {
            const lnl_noise_spec *noise = &config->noise[n];
            lnl_noise_model model;
            if (!lnl_config_noise_applies(config, n, d))
                continue;
            if (noise->type == LNL_NOISE_CLASS_CONDITIONAL || noise->type == LNL_NOISE_ASYMMETRIC)
                status = lnl_noise_model_from_spec(noise, 0, dataset, config->path, mapping,
                                                   &model, err);
        }
        for (size_t m = 0; m < config->n_methods && status == LNL_OK; m++) {
            const lnl_method_spec *method = &config->methods[m];
            if (strcmp(method->loss, "unbiased") == 0 && k != 2)
                status = lnl_error_set(err, LNL_ERR_CONFIG, config->path, method->line,
                                       "loss = unbiased in [method %s] needs 2 classes, but "
                                       "[data %s] has %zu; use loss = backward, its multiclass "
                                       "form",
                                       method->name, config->data[d].name, k);
            if (status == LNL_OK && method->transition == LNL_TRANSITION_FILE) {
                lnl_error read_error;
                lnl_error_clear(&read_error);
                if (lnl_transition_read(method->transition_path, k, T, &read_error) != LNL_OK) {
                    char where[LNL_ERROR_FILE_MAX + 32] = "";
                    if (read_error.line > 0)
                        snprintf(where, sizeof where, " (line %ld)", read_error.line);
                    status = lnl_error_set(err, LNL_ERR_CONFIG, config->path, method->line,
                                           "transition file of [method %s] for [data %s]%s: "
                                           "%.700s",
                                           method->name, config->data[d].name, where,
                                           read_error.message);
                }
            }
        }
        free(mapping);
        free(T);
        if (status != LNL_OK)
            return status;
    }
    return LNL_OK;
}

static lnl_status load_datasets(const lnl_config *config, lnl_dataset **datasets,
                                lnl_error *err)
{
    for (size_t d = 0; d < config->n_data; d++) {
        lnl_status status = lnl_data_load(config, &config->data[d], &datasets[d], err);
        if (status != LNL_OK)
            return status;
        lnl_log(LNL_LOG_INFO, "data %s: %zu rows, %zu features, %zu classes",
                config->data[d].name, datasets[d]->n_rows, datasets[d]->n_features,
                datasets[d]->n_classes);
    }
    lnl_status status = check_class_counts(config, datasets, err);
    if (status == LNL_OK)
        status = check_correction_inputs(config, datasets, err);
    return status;
}

lnl_status lnl_sweep_run(const lnl_config *config, const lnl_sweep_options *options,
                         lnl_sweep_summary *summary, lnl_error *err)
{
    memset(summary, 0, sizeof *summary);
    if (options->shard_count < 0 ||
        (options->shard_count > 0 &&
         (options->shard_index < 1 || options->shard_index > options->shard_count)))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "invalid shard %d of %d: expected a shard from 1 to the count",
                             options->shard_index, options->shard_count);
    const char *output = options->output != NULL ? options->output : config->output;
    snprintf(summary->output, sizeof summary->output, "%s", output);
    char runs_path[LNL_PATH_MAX + 16], state_path[LNL_PATH_MAX + 16];
    snprintf(runs_path, sizeof runs_path, "%s/runs.csv", output);
    snprintf(state_path, sizeof state_path, "%s/.lnl-state", output);

    sweep_state state;
    memset(&state, 0, sizeof state);
    state.config = config;
    state.options = options;
    settings current = {0};
    char *state_text = NULL;
    int lock_fd = -1;
    bool lock_initialized = false;
    lnl_status status = LNL_OK;

    /* load every data set and check it before any output exists, so that
     * a bad data file leaves nothing behind */
    state.datasets = calloc(config->n_data + 1, sizeof(lnl_dataset *));
    if (state.datasets == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    status = load_datasets(config, state.datasets, err);
    if (status != LNL_OK)
        goto cleanup;

    state.cells = plan_cells(config, &state.n_cells);
    state.rows = calloc(state.n_cells + 1, sizeof *state.rows);
    state.flags = calloc(state.n_cells + 1, sizeof *state.flags);
    state.todo = calloc(state.n_cells + 1, sizeof *state.todo);
    state_text = format_state(config, state.datasets);
    if (state.cells == NULL || state.rows == NULL || state.flags == NULL ||
        state.todo == NULL || state_text == NULL || !settings_parse(state_text, &current)) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu runs",
                               state.n_cells);
        goto cleanup;
    }
    for (size_t i = 0; i < state.n_cells; i++)
        state.n_shard_cells += in_shard(&state, i);
    summary->n_runs = state.n_shard_cells;
    if (cancel_requested(&state)) {
        status = lnl_error_set(err, LNL_ERR_INTERRUPTED, NULL, 0,
                               "interrupted before the first run");
        goto cleanup;
    }

    /* take the folder, then what an earlier sweep recorded there */
    status = lnl_output_dir_create(output, err);
    if (status == LNL_OK)
        status = lnl_output_dir_lock(output, &lock_fd, err);
    if (status == LNL_OK)
        status = resume_recorded_runs(&state, output, &current, summary, err);
    if (status != LNL_OK)
        goto cleanup;
    summary->n_resumed = state.n_resumed;

    /* runs.csv first, so that it never contains a row that .lnl-state does
     * not describe, even when the sweep stops between the two */
    status = write_runs_file(&state, runs_path, err);
    if (status == LNL_OK) {
        const char *state_part = state_text;
        status = lnl_output_file_write(state_path, &state_part, 1, err);
    }
    if (status != LNL_OK)
        goto cleanup;

    for (size_t i = 0; i < state.n_cells; i++)
        if (state.rows[i] == NULL && in_shard(&state, i))
            state.todo[state.n_todo++] = i;
    if (state.n_todo > 0) {
        state.runs = fopen(runs_path, "a");
        if (state.runs == NULL) {
            status = lnl_error_set(err, LNL_ERR_IO, runs_path, 0, "cannot append: %s",
                                   strerror(errno));
            goto cleanup;
        }
        pthread_mutex_init(&state.lock, NULL);
        lock_initialized = true;

        /* BLAS stays single-threaded inside every cell, because its thread
         * count changes the results. On a 100000 x 100 binary fit (OpenBLAS
         * 0.3.21, Haswell kernels, 2 cores) 2 threads gave the same
         * objective bits, but 80 of the 101 coefficients differed in the
         * last bits. So parallelism comes from running cells at once, and
         * from lnl_linear_objective's own threads, whose sums have a fixed
         * order, when there are fewer cells than jobs (run_pool). */
        openblas_set_num_threads(1);
        run_pool(&state, options->jobs > 0 ? options->jobs : default_jobs());

        int closed = fclose(state.runs);
        state.runs = NULL;
        if (closed != 0 && state.write_errno == 0)
            state.write_errno = errno != 0 ? errno : EIO;
    }
    if (state.out_of_memory) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for a runs.csv row");
        goto cleanup;
    }
    if (state.write_errno != 0) {
        status = lnl_error_set(err, LNL_ERR_IO, runs_path, 0, "appending a row failed: %s",
                               strerror(state.write_errno));
        goto cleanup;
    }

    /* the final runs.csv in plan order, the manifest, then the tables */
    status = write_runs_file(&state, runs_path, err);
    if (status == LNL_OK)
        status = lnl_manifest_write(output, config, err);
    if (status == LNL_OK) {
        lnl_report_options report_options = {.skip_figures = options->skip_figures,
                                              .allow_missing_baseline =
                                                  options->shard_count > 0};
        status = lnl_report_write_with_options(output, &report_options, err);
    }
    summary->n_recorded = state.n_recorded;
    for (size_t i = 0; i < state.n_cells; i++) {
        summary->n_failed += (state.flags[i] & ROW_FAILED) != 0;
        summary->n_not_converged += (state.flags[i] & ROW_NOT_CONVERGED) != 0;
    }
    if (status == LNL_OK && state.n_recorded < state.n_shard_cells)
        status = lnl_error_set(err, LNL_ERR_INTERRUPTED, NULL, 0,
                               "interrupted after %zu of %zu runs", state.n_recorded,
                               state.n_shard_cells);

cleanup:
    if (state.runs != NULL)
        fclose(state.runs);
    if (lock_initialized)
        pthread_mutex_destroy(&state.lock);
    if (lock_fd >= 0)
        close(lock_fd);
    for (size_t d = 0; d < config->n_data; d++)
        lnl_dataset_destroy(state.datasets[d]);
    free(state.datasets);
    if (state.rows != NULL)
        for (size_t i = 0; i < state.n_cells; i++)
            free(state.rows[i]);
    free(state.rows);
    free(state.flags);
    free(state.todo);
    free(state.cells);
    settings_free(&current);
    free(state_text);
    return status;
}

/* ---- lnl corrupt ---------------------------------------------------------- */

/* Writes the settings of a noise section as "a, b, ...": the pair labels
 * of class_conditional noise, the rates of the other types. With a
 * finite only, just the settings whose rate is only. */
static void list_settings(const lnl_noise_spec *noise, double only, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t r = 0; r < noise->n_rates && used + 1 < size; r++) {
        if (isfinite(only) && noise->rates[r] != only)
            continue;
        char label[64];
        lnl_noise_setting_label(noise, r, label, sizeof label);
        if (label[0] == '\0')
            snprintf(label, sizeof label, "%g", noise->rates[r]);
        int n = snprintf(out + used, size - used, "%s%s", used > 0 ? ", " : "", label);
        used += n > 0 ? (size_t)n : 0;
    }
}

lnl_status lnl_cell_find_setting(const lnl_config *config, const lnl_noise_spec *noise,
                                 double rate, const char *setting, size_t *index,
                                 lnl_error *err)
{
    char list[512];
    bool pairs = noise->type == LNL_NOISE_CLASS_CONDITIONAL;
    *index = 0;
    if (setting != NULL) {
        list_settings(noise, NAN, list, sizeof list);
        if (!pairs)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, config->path, noise->line,
                                 "setting \"%s\": [noise %s] is %s noise, whose settings "
                                 "have no labels; choose one by its rate (%s)", setting,
                                 noise->name, noise_type_name(noise->type), list);
        char *end;
        double positive = strtod(setting, &end), negative = NAN;
        bool valid = end != setting && *end == '/';
        if (valid) {
            const char *second = end + 1;
            negative = strtod(second, &end);
            valid = end != second && *end == '\0';
        }
        for (size_t r = 0; valid && r < noise->n_rates; r++)
            if (noise->pairs[r][0] == positive && noise->pairs[r][1] == negative) {
                *index = r;
                return LNL_OK;
            }
        return lnl_error_set(err, LNL_ERR_ARGUMENT, config->path, noise->line,
                             "%s setting \"%s\": expected one of the pairs rho_pos/rho_neg "
                             "of [noise %s]: %s", valid ? "unknown" : "invalid", setting,
                             noise->name, list);
    }

    size_t matches = 0;
    for (size_t r = 0; r < noise->n_rates; r++)
        if (noise->rates[r] == rate && matches++ == 0)
            *index = r;
    if (matches > 1 && pairs) {
        list_settings(noise, rate, list, sizeof list);
        return lnl_error_set(err, LNL_ERR_ARGUMENT, config->path, noise->line,
                             "rate %g is the mean of %zu settings of [noise %s]: %s; choose "
                             "one with --setting", rate, matches, noise->name, list);
    }
    if (matches > 0 || !pairs)
        return LNL_OK;
    list_settings(noise, NAN, list, sizeof list);
    return lnl_error_set(err, LNL_ERR_CONFIG, config->path, noise->line,
                         "rate %g is not the mean of any pair in [noise %s]; class_conditional "
                         "noise runs only the settings its pairs list: %s",
                         rate, noise->name, list);
}

lnl_status lnl_corrupt_write(const lnl_config *config, const lnl_data_spec *data,
                             const lnl_noise_spec *noise, double rate, const char *setting,
                             int seed_index, const char *path, lnl_error *err)
{
    lnl_dataset *dataset = NULL, *copy = NULL;
    noisy_split labels;
    memset(&labels, 0, sizeof labels);
    lnl_status status = lnl_data_load(config, data, &dataset, err);
    if (status != LNL_OK)
        return status;
    size_t rate_index = 0;
    status = lnl_cell_find_setting(config, noise, rate, setting, &rate_index, err);
    if (status == LNL_OK && setting != NULL)
        rate = noise->rates[rate_index];
    if (status == LNL_OK)
        status = noisy_split_create(config, dataset, data, noise, rate_index, rate, seed_index,
                                    &labels, err);
    if (status != LNL_OK)
        goto cleanup;

    /* Extra columns: split (0 train, 1 test) and clean label; y contains the
     * noisy label so the written label column is "noisy". */
    size_t d = dataset->n_features, n = dataset->n_rows;
    copy = lnl_dataset_create(n, d + 2, dataset->n_classes);
    if (copy == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(copy->X + i * (d + 2), dataset->X + i * d, d * sizeof(double));
        copy->X[i * (d + 2) + d] = 1.0;
        copy->X[i * (d + 2) + d + 1] = dataset->y[i];
        copy->y[i] = dataset->y[i];
    }
    for (size_t i = 0; i < labels.split.n_train; i++) {
        size_t row = labels.split.train[i];
        copy->X[row * (d + 2) + d] = 0.0;
        copy->y[row] = labels.noisy[i];
    }
    for (size_t j = 0; j < d && status == LNL_OK; j++)
        status = lnl_dataset_set_feature_name(copy, j, dataset->feature_names[j]);
    for (size_t k = 0; k < dataset->n_classes && status == LNL_OK; k++)
        status = lnl_dataset_set_class_name(copy, k, dataset->class_names[k]);
    if (status == LNL_OK)
        status = lnl_dataset_set_feature_name(copy, d, "test");
    if (status == LNL_OK)
        status = lnl_dataset_set_feature_name(copy, d + 1, "clean");
    if (status != LNL_OK) {
        lnl_error_set(err, status, NULL, 0, "out of memory");
        goto cleanup;
    }
    status = lnl_csv_write(path, copy, "noisy", err);

cleanup:
    lnl_dataset_destroy(copy);
    lnl_dataset_destroy(dataset);
    noisy_split_destroy(&labels);
    return status;
}

lnl_status lnl_cell_labels(const lnl_config *config, const lnl_dataset *dataset,
                           const lnl_data_spec *data, const lnl_noise_spec *noise, double rate,
                           const char *setting, int seed_index, size_t *n_train, size_t **train,
                           int **clean, int **noisy, double **transition, lnl_error *err)
{
    noisy_split labels;
    *n_train = 0;
    *train = NULL;
    *clean = NULL;
    *noisy = NULL;
    *transition = NULL;
    size_t rate_index = 0;
    lnl_status status = lnl_cell_find_setting(config, noise, rate, setting, &rate_index, err);
    if (status != LNL_OK)
        return status;
    if (setting != NULL)
        rate = noise->rates[rate_index];
    status = noisy_split_create(config, dataset, data, noise, rate_index, rate, seed_index,
                                &labels, err);
    if (status != LNL_OK)
        return status;

    *n_train = labels.split.n_train;
    *train = labels.split.train;
    *clean = labels.clean;
    *noisy = labels.noisy;
    *transition = labels.transition;
    labels.split.train = NULL;
    labels.clean = NULL;
    labels.noisy = NULL;
    labels.transition = NULL;
    noisy_split_destroy(&labels);
    return LNL_OK;
}
