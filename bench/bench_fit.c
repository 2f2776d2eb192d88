/* Times one logistic-regression fit on generated data.
 *
 * usage: bench_fit N_SAMPLES N_FEATURES N_CLASSES [C]
 * Prints one line: "fit n=... d=... k=... seconds=... iterations=...
 * evaluations=... objective=... converged=...". Not a test: the numbers
 * depend on the machine.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lnl/generate.h"
#include "lnl/method.h"
#include "lnl/split.h"

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_fit N_SAMPLES N_FEATURES N_CLASSES [C]\n");
        return 2;
    }
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    params.n_samples = (size_t)atol(argv[1]);
    params.n_features = (size_t)atol(argv[2]);
    params.n_classes = (size_t)atol(argv[3]);
    params.n_informative = params.n_features / 2;
    params.n_redundant = params.n_features / 10;
    double C = argc > 4 ? atof(argv[4]) : 1.0;

    lnl_error err;
    lnl_error_clear(&err);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 12345);
    lnl_dataset *data = NULL;
    if (lnl_make_classification(&params, &rng, &data, &err) != LNL_OK) {
        fprintf(stderr, "bench_fit: %s\n", err.message);
        return 1;
    }

    size_t *rows = malloc(data->n_rows * sizeof(size_t));
    lnl_standardizer standardizer;
    for (size_t i = 0; i < data->n_rows; i++)
        rows[i] = i;
    lnl_standardizer_fit(data, rows, data->n_rows, &standardizer, &err);

    lnl_method_spec spec = {.loss = "ce", .C = C, .fit_intercept = true, .max_iter = 1000,
                            .tol = 1e-6, .model = LNL_MODEL_AUTO};
    lnl_fit_input input = {data, rows, data->n_rows, data->y, data->y, data->n_classes,
                           &standardizer, NULL, &rng};
    lnl_fit_output output;

    openblas_set_num_threads(1);
    double start = now_seconds();
    lnl_status status = lnl_method_fit(&spec, &input, &output, &err);
    double seconds = now_seconds() - start;
    if (status != LNL_OK) {
        fprintf(stderr, "bench_fit: %s\n", err.message);
        return 1;
    }
    printf("fit n=%zu d=%zu k=%zu C=%g seconds=%.3f iterations=%d evaluations=%d "
           "objective=%.10g converged=%s\n",
           data->n_rows, data->n_features, data->n_classes, C, seconds, output.optim.iterations,
           output.optim.evaluations, output.optim.f, output.optim.converged ? "true" : "false");

    lnl_fit_output_destroy(&output);
    lnl_standardizer_destroy(&standardizer);
    free(rows);
    lnl_dataset_destroy(data);
    return 0;
}
