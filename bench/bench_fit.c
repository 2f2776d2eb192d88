/* Times one logistic-regression fit on generated data, and can write the
 * problem and the solution for other solvers.
 *
 * usage: bench_fit N_SAMPLES N_FEATURES N_CLASSES [C] [OPTIONS]
 *   --tol T               L-BFGS relative gradient tolerance (default 1e-6)
 *   --max-iter M          iteration limit (default 1000)
 *   --seed S              generator seed (default 12345)
 *   --repeats R           fit R times from zero and report the fastest
 *                         (default 1)
 *   --standardize-first   overwrite X with its standardized values and fit
 *                         without lnl's on-the-fly standardization, so that
 *                         lnl reads the matrix that other solvers receive
 *   --write-data PREFIX   write the standardized matrix and the labels as
 *                         PREFIX.X.npy (float64, n x d, row-major),
 *                         PREFIX.y.npy (int32 class indices) and
 *                         PREFIX.libsvm (class index, then 1-based j:value)
 *   --write-theta FILE    write the fitted parameters, one %.17g number per
 *                         line, in lnl_linear_n_params order: the n_logits x d
 *                         weights row-major, then the n_logits intercepts
 *
 * The data is make_classification with n_informative = d / 2 and
 * n_redundant = d / 10 (other parameters at scikit-learn's defaults),
 * standardized with the mean and scale of all rows. The fit is lnl's "ce"
 * method with an intercept: the binary model for K = 2, softmax otherwise.
 * Prints one line: "fit n=... d=... k=... C=... tol=... seconds=...
 * iterations=... evaluations=... objective=... converged=...", where seconds
 * covers lnl_method_fit alone with single-threaded BLAS (the fastest of the
 * repeats). Not a test: the numbers depend on the machine.
 */
#include <cblas.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lnl/config.h"
#include "lnl/generate.h"
#include "lnl/method.h"
#include "lnl/split.h"

static const char usage[] =
    "usage: bench_fit N_SAMPLES N_FEATURES N_CLASSES [C] [--tol T] [--max-iter M]\n"
    "                 [--seed S] [--repeats R] [--standardize-first]\n"
    "                 [--write-data PREFIX] [--write-theta FILE]\n";

typedef struct bench_options {
    lnl_make_classification_params params;
    double C;
    double tol;
    long max_iter;
    unsigned long long seed;
    size_t repeats;
    int standardize_first;
    const char *data_prefix;  /* NULL: do not write the data */
    const char *theta_path;   /* NULL: do not write the parameters */
} bench_options;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int parse_size(const char *text, const char *name, size_t *out)
{
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 1) {
        fprintf(stderr, "bench_fit: invalid %s \"%s\": expected a positive integer\n", name,
                text);
        return 0;
    }
    *out = (size_t)value;
    return 1;
}

static int parse_positive(const char *text, const char *name, double *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(value > 0.0)) {
        fprintf(stderr, "bench_fit: invalid %s \"%s\": expected a positive number\n", name,
                text);
        return 0;
    }
    *out = value;
    return 1;
}

/* Fills options from argv; prints the problem and returns 0 on bad input. */
static int parse_arguments(int argc, char **argv, bench_options *options)
{
    lnl_make_classification_defaults(&options->params);
    options->C = 1.0;
    options->tol = 1e-6;
    options->max_iter = 1000;
    options->seed = 12345;
    options->repeats = 1;
    options->standardize_first = 0;
    options->data_prefix = NULL;
    options->theta_path = NULL;

    int n_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--standardize-first") == 0) {
            options->standardize_first = 1;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0) {
            size_t *targets[] = {&options->params.n_samples, &options->params.n_features,
                                 &options->params.n_classes};
            const char *names[] = {"N_SAMPLES", "N_FEATURES", "N_CLASSES"};
            if (n_positional < 3) {
                if (!parse_size(arg, names[n_positional], targets[n_positional]))
                    return 0;
            } else if (n_positional == 3) {
                if (!parse_positive(arg, "C", &options->C))
                    return 0;
            } else {
                fprintf(stderr, "bench_fit: unexpected argument \"%s\"\n%s", arg, usage);
                return 0;
            }
            n_positional++;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "bench_fit: option %s needs a value\n%s", arg, usage);
            return 0;
        }
        const char *value = argv[++i];
        size_t number;
        if (strcmp(arg, "--tol") == 0) {
            if (!parse_positive(value, "--tol", &options->tol))
                return 0;
        } else if (strcmp(arg, "--max-iter") == 0) {
            if (!parse_size(value, "--max-iter", &number))
                return 0;
            options->max_iter = number > 2147483647 ? 2147483647 : (long)number;
        } else if (strcmp(arg, "--seed") == 0) {
            if (!parse_size(value, "--seed", &number))
                return 0;
            options->seed = number;
        } else if (strcmp(arg, "--repeats") == 0) {
            if (!parse_size(value, "--repeats", &options->repeats))
                return 0;
        } else if (strcmp(arg, "--write-data") == 0) {
            options->data_prefix = value;
        } else if (strcmp(arg, "--write-theta") == 0) {
            options->theta_path = value;
        } else {
            fprintf(stderr, "bench_fit: unknown option \"%s\"\n%s", arg, usage);
            return 0;
        }
    }
    if (n_positional < 3) {
        fputs(usage, stderr);
        return 0;
    }
    options->params.n_informative = options->params.n_features / 2;
    options->params.n_redundant = options->params.n_features / 10;
    return 1;
}

/* Closes file and reports a write error on path; returns 1 on success. */
static int close_checked(FILE *file, const char *path)
{
    int failed = ferror(file);
    if (fclose(file) != 0)
        failed = 1;
    if (failed)
        fprintf(stderr, "bench_fit: writing %s failed\n", path);
    return !failed;
}

/* Writes a row-major array as a version 1.0 .npy file: the magic string,
 * the header length, then a Python dict literal padded with spaces and a
 * newline so that the data starts at a multiple of 64 bytes. */
static int write_npy(const char *path, const char *descr, size_t rows, size_t columns,
                     const void *values, size_t value_size)
{
    char header[256];
    int length;
    if (columns == 0)
        length = snprintf(header, sizeof header,
                          "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }", descr,
                          rows);
    else
        length = snprintf(header, sizeof header,
                          "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                          descr, rows, columns);
    size_t padded = ((size_t)length + 1 + 10 + 63) / 64 * 64 - 10;
    memset(header + length, ' ', padded - (size_t)length - 1);
    header[padded - 1] = '\n';

    FILE *file = fopen(path, "wb");
    if (file == NULL) {
        fprintf(stderr, "bench_fit: failed to open %s for writing: %s\n", path, strerror(errno));
        return 0;
    }
    unsigned char preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                  (unsigned char)(padded & 0xff), (unsigned char)(padded >> 8)};
    size_t count = rows * (columns > 0 ? columns : 1);
    fwrite(preamble, 1, sizeof preamble, file);
    fwrite(header, 1, padded, file);
    fwrite(values, value_size, count, file);
    return close_checked(file, path);
}

/* Writes the standardized features and the labels as .npy and LIBSVM files.
 * Each value is (x - mean) / scale, the formula lnl applies when it reads a
 * row. LIBSVM lines leave out exact zeros, as the format allows. */
static int write_data(const char *prefix, const lnl_dataset *data,
                      const lnl_standardizer *standardizer)
{
    size_t n = data->n_rows, d = data->n_features;
    size_t path_size = strlen(prefix) + 16;
    char *path = malloc(path_size);
    double *X = malloc(n * d * sizeof(double));
    int32_t *y = malloc(n * sizeof(int32_t));
    int ok = path != NULL && X != NULL && y != NULL;
    if (!ok)
        fprintf(stderr, "bench_fit: out of memory for the standardized copy\n");

    for (size_t i = 0; ok && i < n; i++) {
        for (size_t j = 0; j < d; j++)
            X[i * d + j] = (data->X[i * d + j] - standardizer->mean[j]) / standardizer->scale[j];
        y[i] = data->y[i];
    }

    if (ok) {
        snprintf(path, path_size, "%s.X.npy", prefix);
        ok = write_npy(path, "<f8", n, d, X, sizeof(double));
    }
    if (ok) {
        snprintf(path, path_size, "%s.y.npy", prefix);
        ok = write_npy(path, "<i4", n, 0, y, sizeof(int32_t));
    }
    if (ok) {
        snprintf(path, path_size, "%s.libsvm", prefix);
        FILE *file = fopen(path, "w");
        if (file == NULL) {
            fprintf(stderr, "bench_fit: failed to open %s for writing: %s\n", path, strerror(errno));
            ok = 0;
        }
        for (size_t i = 0; ok && i < n; i++) {
            fprintf(file, "%d", (int)y[i]);
            for (size_t j = 0; j < d; j++)
                if (X[i * d + j] != 0.0)
                    fprintf(file, " %zu:%.17g", j + 1, X[i * d + j]);
            fputc('\n', file);
        }
        if (file != NULL)
            ok = close_checked(file, path) && ok;
    }

    free(path);
    free(X);
    free(y);
    return ok;
}

static int write_theta(const char *path, const double *theta, size_t n_params)
{
    FILE *file = fopen(path, "w");
    if (file == NULL) {
        fprintf(stderr, "bench_fit: failed to open %s for writing: %s\n", path, strerror(errno));
        return 0;
    }
    for (size_t i = 0; i < n_params; i++)
        fprintf(file, "%.17g\n", theta[i]);
    return close_checked(file, path);
}

/* Fills spec with a [method] section of loss ce, C, tol and max_iter. The
 * config reader sets every other key to its default, so the spec stays valid
 * when lnl_method_spec gains fields. */
static lnl_status method_spec_read(const bench_options *options, lnl_method_spec *spec,
                                   lnl_error *err)
{
    char text[512];
    snprintf(text, sizeof text,
             "[data bench]\nsource = make_classification\n"
             "[noise none]\ntype = symmetric\nrates = 0\n"
             "[method fit]\nloss = ce\nC = %.17g\ntol = %.17g\nmax_iter = %ld\n",
             options->C, options->tol, options->max_iter);
    lnl_config *config = NULL;
    lnl_status status = lnl_config_parse_string(text, "bench_fit", &config, err);
    if (status != LNL_OK)
        return status;
    *spec = config->methods[0];
    lnl_config_destroy(config);
    return LNL_OK;
}

int main(int argc, char **argv)
{
    bench_options options;
    if (!parse_arguments(argc, argv, &options))
        return 2;

    lnl_error err;
    lnl_error_clear(&err);
    int exit_code = 1;
    lnl_dataset *data = NULL;
    size_t *rows = NULL;
    lnl_standardizer standardizer = {0, NULL, NULL};
    lnl_fit_output output;
    memset(&output, 0, sizeof output);

    /* generate and standardize the data */
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, options.seed);
    if (lnl_make_classification(&options.params, &rng, &data, &err) != LNL_OK)
        goto fail;
    rows = malloc(data->n_rows * sizeof(size_t));
    if (rows == NULL) {
        lnl_error_set(&err, LNL_ERR_NOMEM, NULL, 0, "out of memory for the row list");
        goto fail;
    }
    for (size_t i = 0; i < data->n_rows; i++)
        rows[i] = i;
    if (lnl_standardizer_fit(data, rows, data->n_rows, &standardizer, &err) != LNL_OK)
        goto fail;
    if (options.data_prefix != NULL && !write_data(options.data_prefix, data, &standardizer))
        goto cleanup;
    if (options.standardize_first) {
        size_t d = data->n_features;
        for (size_t i = 0; i < data->n_rows; i++)
            for (size_t j = 0; j < d; j++)
                data->X[i * d + j] =
                    (data->X[i * d + j] - standardizer.mean[j]) / standardizer.scale[j];
    }

    /* fit, keeping the last repeat's output */
    lnl_method_spec spec;
    if (method_spec_read(&options, &spec, &err) != LNL_OK)
        goto fail;
    lnl_fit_input input = {.data = data, .rows = rows, .n_rows = data->n_rows,
                           .labels = data->y, .clean_labels = data->y,
                           .n_classes = data->n_classes,
                           .standardizer = options.standardize_first ? NULL : &standardizer,
                           .true_transition = NULL, .rng = &rng};
    openblas_set_num_threads(1);
    double seconds = 0.0;
    for (size_t repeat = 0; repeat < options.repeats; repeat++) {
        lnl_fit_output_destroy(&output);
        double start = now_seconds();
        lnl_status status = lnl_method_fit(&spec, &input, &output, &err);
        double elapsed = now_seconds() - start;
        if (status != LNL_OK)
            goto fail;
        if (repeat == 0 || elapsed < seconds)
            seconds = elapsed;
    }
    printf("fit n=%zu d=%zu k=%zu C=%g tol=%g seconds=%.4f iterations=%d evaluations=%d "
           "objective=%.17g converged=%s\n",
           data->n_rows, data->n_features, data->n_classes, options.C, options.tol, seconds,
           output.optim.iterations, output.optim.evaluations, output.optim.f,
           output.optim.converged ? "true" : "false");

    if (options.theta_path != NULL &&
        !write_theta(options.theta_path, output.theta, lnl_linear_n_params(&output.shape)))
        goto cleanup;
    exit_code = 0;
    goto cleanup;

fail:
    fprintf(stderr, "bench_fit: %s\n", err.message);
cleanup:
    lnl_fit_output_destroy(&output);
    lnl_standardizer_destroy(&standardizer);
    free(rows);
    lnl_dataset_destroy(data);
    return exit_code;
}
