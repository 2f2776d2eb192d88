#include "lnl/sweep.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lnl/generate.h"
#include "lnl/linear.h"
#include "lnl/log.h"
#include "lnl/manifest.h"
#include "lnl/method.h"
#include "lnl/noise.h"
#include "lnl/report.h"
#include "lnl/split.h"

static const char *noise_type_name(lnl_noise_type type)
{
    switch (type) {
    case LNL_NOISE_SYMMETRIC: return "symmetric";
    case LNL_NOISE_PAIR: return "pair";
    case LNL_NOISE_MATRIX: return "matrix";
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
        return lnl_csv_read(spec->path, &options, out, err);
    }
    case LNL_SOURCE_LIBSVM:
        return lnl_libsvm_read(spec->path, spec->n_features, out, err);
    }
    return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "unknown data source");
}

size_t lnl_sweep_count(const lnl_config *config)
{
    size_t per_data = 0;
    for (size_t n = 0; n < config->n_noise; n++)
        per_data += config->noise[n].n_rates;
    return config->n_data * per_data * config->n_methods * (size_t)config->seeds;
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
} noisy_split;

static void noisy_split_destroy(noisy_split *s)
{
    lnl_split_destroy(&s->split);
    lnl_standardizer_destroy(&s->standardizer);
    free(s->clean);
    free(s->noisy);
    free(s->transition);
    memset(s, 0, sizeof *s);
}

static lnl_status noisy_split_create(const lnl_config *config, const lnl_dataset *dataset,
                                     const lnl_data_spec *data, const lnl_noise_spec *noise,
                                     double rate, int seed_index, noisy_split *out,
                                     lnl_error *err)
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
    if (!out->clean || !out->noisy || !out->transition) {
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
    lnl_noise_model model = {noise->type, noise->sampling, k, rate, noise->matrix};
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

/* Fits the method and measures accuracies; failures go into the result. */
static void run_cell(const lnl_config *config, lnl_dataset *const *datasets, const cell *c,
                     lnl_run_result *result)
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
    result->seed = c->seed;
    result->n_classes = k;
    result->ok = false;

    noisy_split labels;
    lnl_status status = noisy_split_create(config, dataset, data, noise, result->rate, c->seed,
                                           &labels, &err);
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
    lnl_fit_input input = {dataset, labels.split.train, n_train, train_labels, labels.clean, k,
                           &labels.standardizer, labels.transition, &model_rng};
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
        if (!output.optim.converged)
            snprintf(result->message, sizeof result->message, "not converged: %s",
                     output.optim.reason);
        lnl_fit_output_destroy(&output);
    }
    if (status == LNL_OK)
        result->ok = true;
    else
        snprintf(result->message, sizeof result->message, "%s", err.message);

    free(test_labels);
    noisy_split_destroy(&labels);
}

/* ---- runs.csv ----------------------------------------------------------- */

static const char runs_header[] =
    "dataset,noise,noise_type,sampling,rate,seed,method,loss,labels,n_train,n_test,"
    "realized_rate,test_accuracy,train_accuracy,train_clean_accuracy,iterations,converged,"
    "objective,status,message,fit_seconds,confusion\n";

/* Writes text as one CSV field, quoted when it holds a comma or a quote. */
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
    fputc('\n', file);
}

/* ---- The pool ------------------------------------------------------------ */

typedef struct sweep_state {
    const lnl_config *config;
    lnl_dataset **datasets;
    cell *cells;
    lnl_run_result *results;
    bool *finished;
    size_t n_cells;
    size_t next_cell;      /* next cell to hand to a worker */
    size_t next_to_write;  /* rows are written in plan order */
    size_t n_done;
    FILE *runs;
    bool write_failed;
    const lnl_sweep_options *options;
    pthread_mutex_t lock;
} sweep_state;

static void record_result(sweep_state *state, size_t index)
{
    pthread_mutex_lock(&state->lock);
    state->finished[index] = true;
    state->n_done++;

    while (state->next_to_write < state->n_cells && state->finished[state->next_to_write]) {
        size_t w = state->next_to_write++;
        write_run_row(state->runs, state->config, &state->cells[w], &state->results[w]);
        free(state->results[w].confusion);
        state->results[w].confusion = NULL;
    }
    if (fflush(state->runs) != 0)
        state->write_failed = true;

    if (state->options->progress != NULL)
        state->options->progress(state->options->progress_context, state->n_done,
                                 state->n_cells, &state->results[index]);
    pthread_mutex_unlock(&state->lock);
}

static void *worker_main(void *argument)
{
    sweep_state *state = argument;
    for (;;) {
        pthread_mutex_lock(&state->lock);
        size_t index = state->next_cell < state->n_cells ? state->next_cell++ : state->n_cells;
        pthread_mutex_unlock(&state->lock);
        if (index == state->n_cells)
            return NULL;

        state->results[index].cell = index;
        run_cell(state->config, state->datasets, &state->cells[index], &state->results[index]);
        record_result(state, index);
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
            for (size_t r = 0; r < config->noise[n].n_rates; r++)
                for (size_t m = 0; m < config->n_methods; m++)
                    for (int s = 0; s < config->seeds; s++)
                        cells[i++] = (cell){d, n, r, m, s};
    return cells;
}

/* Creates dir and its parents, like mkdir -p. */
static lnl_status make_directories(const char *dir, lnl_error *err)
{
    char path[LNL_PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot create folder: %s",
                                 strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot create folder: %s",
                             strerror(errno));
    struct stat info;
    if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode))
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "output path exists and is not a folder");
    return LNL_OK;
}

static int default_jobs(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)cores : 1;
}

static lnl_status run_pool(sweep_state *state, int jobs, lnl_error *err)
{
    pthread_t threads[256];
    if (jobs > 256)
        jobs = 256;
    if ((size_t)jobs > state->n_cells)
        jobs = state->n_cells > 0 ? (int)state->n_cells : 1;

    int started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker_main, state) != 0)
            break;
    if (started == 0)
        worker_main(state);
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    if (state->write_failed)
        return lnl_error_set(err, LNL_ERR_IO, NULL, 0, "writing runs.csv failed");
    return LNL_OK;
}

lnl_status lnl_sweep_run(const lnl_config *config, const lnl_sweep_options *options,
                         lnl_sweep_summary *summary, lnl_error *err)
{
    memset(summary, 0, sizeof *summary);
    const char *output = options->output != NULL ? options->output : config->output;
    snprintf(summary->output, sizeof summary->output, "%s", output);

    sweep_state state;
    memset(&state, 0, sizeof state);
    state.config = config;
    state.options = options;
    char runs_path[LNL_PATH_MAX + 16], temp_path[LNL_PATH_MAX + 32];
    snprintf(runs_path, sizeof runs_path, "%s/runs.csv", output);
    snprintf(temp_path, sizeof temp_path, "%s/runs.csv.partial", output);
    lnl_status status = LNL_OK;

    /* Load every data set once, before any output exists, so that a bad
     * data file leaves nothing behind. */
    state.datasets = calloc(config->n_data + 1, sizeof(lnl_dataset *));
    if (state.datasets == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t d = 0; d < config->n_data && status == LNL_OK; d++) {
        status = lnl_data_load(config, &config->data[d], &state.datasets[d], err);
        if (status == LNL_OK)
            lnl_log(LNL_LOG_INFO, "data %s: %zu rows, %zu features, %zu classes",
                    config->data[d].name, state.datasets[d]->n_rows,
                    state.datasets[d]->n_features, state.datasets[d]->n_classes);
    }
    if (status != LNL_OK)
        goto cleanup;

    state.cells = plan_cells(config, &state.n_cells);
    state.results = calloc(state.n_cells + 1, sizeof(lnl_run_result));
    state.finished = calloc(state.n_cells + 1, sizeof(bool));
    if (state.cells == NULL || state.results == NULL || state.finished == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu runs",
                               state.n_cells);
        goto cleanup;
    }

    status = make_directories(output, err);
    if (status != LNL_OK)
        goto cleanup;
    state.runs = fopen(temp_path, "w");
    if (state.runs == NULL) {
        status = lnl_error_set(err, LNL_ERR_IO, temp_path, 0, "cannot write: %s", strerror(errno));
        goto cleanup;
    }
    fputs(runs_header, state.runs);
    pthread_mutex_init(&state.lock, NULL);

    /* Cells run in parallel with single-threaded BLAS inside each, which
     * also keeps every sum in a fixed order whatever the thread count. */
    openblas_set_num_threads(1);
    int jobs = options->jobs > 0 ? options->jobs : default_jobs();
    status = run_pool(&state, jobs, err);
    pthread_mutex_destroy(&state.lock);

    if (fclose(state.runs) != 0 && status == LNL_OK)
        status = lnl_error_set(err, LNL_ERR_IO, temp_path, 0, "writing failed");
    state.runs = NULL;
    if (status == LNL_OK && rename(temp_path, runs_path) != 0)
        status = lnl_error_set(err, LNL_ERR_IO, runs_path, 0, "cannot rename into place: %s",
                               strerror(errno));
    if (status != LNL_OK) {
        remove(temp_path);
        goto cleanup;
    }

    summary->n_runs = state.n_cells;
    for (size_t i = 0; i < state.n_cells; i++) {
        summary->n_failed += !state.results[i].ok;
        summary->n_not_converged += state.results[i].ok && !state.results[i].converged;
    }
    status = lnl_manifest_write(output, config, err);
    if (status == LNL_OK)
        status = lnl_report_write(output, err);

cleanup:
    if (state.runs != NULL) {
        fclose(state.runs);
        remove(temp_path);
    }
    for (size_t d = 0; d < config->n_data; d++)
        lnl_dataset_destroy(state.datasets[d]);
    free(state.datasets);
    if (state.results != NULL)
        for (size_t i = 0; i < state.n_cells; i++)
            free(state.results[i].confusion);
    free(state.results);
    free(state.finished);
    free(state.cells);
    return status;
}

/* ---- lnl corrupt ---------------------------------------------------------- */

lnl_status lnl_corrupt_write(const lnl_config *config, const lnl_data_spec *data,
                             const lnl_noise_spec *noise, double rate, int seed_index,
                             const char *path, lnl_error *err)
{
    lnl_dataset *dataset = NULL, *copy = NULL;
    noisy_split labels;
    memset(&labels, 0, sizeof labels);
    lnl_status status = lnl_data_load(config, data, &dataset, err);
    if (status != LNL_OK)
        return status;
    status = noisy_split_create(config, dataset, data, noise, rate, seed_index, &labels, err);
    if (status != LNL_OK)
        goto cleanup;

    /* Extra columns: split (0 train, 1 test) and clean label; y holds the
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
                           int seed_index, size_t *n_train, size_t **train, int **clean,
                           int **noisy, lnl_error *err)
{
    noisy_split labels;
    *n_train = 0;
    *train = NULL;
    *clean = NULL;
    *noisy = NULL;
    lnl_status status = noisy_split_create(config, dataset, data, noise, rate, seed_index,
                                           &labels, err);
    if (status != LNL_OK)
        return status;

    *n_train = labels.split.n_train;
    *train = labels.split.train;
    *clean = labels.clean;
    *noisy = labels.noisy;
    labels.split.train = NULL;
    labels.clean = NULL;
    labels.noisy = NULL;
    noisy_split_destroy(&labels);
    return LNL_OK;
}
