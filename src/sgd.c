/* Mini-batch SGD with heavy-ball momentum, and Adam; include/lnl/optim.h
 * documents the update rules and the stopping test. */
#include "lnl/optim.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double adam_beta2 = 0.999, adam_epsilon = 1e-8;

void lnl_sgd_defaults(lnl_sgd_options *options)
{
    memset(options, 0, sizeof *options);
    options->rule = LNL_SGD_MOMENTUM;
    options->epochs = 100;
    options->batch_size = 32;
    options->lr = 0.01;
    options->momentum = 0.9;
    options->weight_decay = 0.0;
    options->n_decayed = SIZE_MAX;
    options->tol = 1e-6;
}

static double max_norm(size_t n, const double *a)
{
    double max = 0.0;
    for (size_t i = 0; i < n; i++)
        max = fabs(a[i]) > max ? fabs(a[i]) : max;
    return max;
}

static bool all_finite(size_t n, const double *a)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]))
            return false;
    return true;
}

static lnl_status check_options(const lnl_sgd_options *options, size_t n_samples, lnl_rng *rng,
                                lnl_error *err)
{
    if (options->rule != LNL_SGD_MOMENTUM && options->rule != LNL_SGD_ADAM)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "unknown SGD update rule %d",
                             (int)options->rule);
    if (options->epochs < 1)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "epochs = %d must be >= 1",
                             options->epochs);
    if (options->batch_size < 1)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "batch_size must be >= 1");
    if (!(options->lr > 0.0 && isfinite(options->lr)))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "lr = %g must be a finite number > 0",
                             options->lr);
    if (!(options->momentum >= 0.0 && options->momentum < 1.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "momentum = %g must be in [0, 1)",
                             options->momentum);
    if (!(options->weight_decay >= 0.0 && isfinite(options->weight_decay)))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "weight_decay = %g must be a finite number >= 0",
                             options->weight_decay);
    if (!(options->tol > 0.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "tol = %g must be > 0", options->tol);
    if (n_samples == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "SGD needs at least one sample");
    if (rng == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "SGD needs a random stream to shuffle the samples");
    return LNL_OK;
}

/* Replaces err's message by "<rule> diverged in epoch E: <message>; try a
 * lower lr than <lr>", which names where the run failed and what to change. */
static lnl_status diverged(const lnl_sgd_options *options, int epoch, const char *what,
                           lnl_error *err)
{
    char message[LNL_ERROR_MESSAGE_MAX / 2];
    snprintf(message, sizeof message, "%s", what);
    return lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                         "%s diverged in epoch %d: %s; try a lower lr than %g",
                         options->rule == LNL_SGD_ADAM ? "adam" : "sgd", epoch, message,
                         options->lr);
}

/* Adds the weight decay term to f and g at x. */
static void add_weight_decay(const lnl_sgd_options *options, size_t n, const double *x,
                             double *f, double *g)
{
    if (options->weight_decay == 0.0)
        return;
    size_t n_decayed = options->n_decayed < n ? options->n_decayed : n;
    double squared = 0.0;
    for (size_t j = 0; j < n_decayed; j++) {
        squared += x[j] * x[j];
        g[j] += options->weight_decay * x[j];
    }
    *f += 0.5 * options->weight_decay * squared;
}

/* Evaluates F and its gradient on all samples at x. */
static lnl_status full_objective(lnl_objective_fn objective, void *context,
                                 const lnl_sgd_options *options, size_t n, const double *x,
                                 double *f, double *g, int epoch, lnl_optim_result *result,
                                 lnl_error *err)
{
    lnl_status status = objective(context, x, f, g, err);
    result->evaluations++;
    if (status == LNL_ERR_NUMERIC)
        return diverged(options, epoch, err != NULL ? err->message : "not finite", err);
    if (status != LNL_OK)
        return status;
    add_weight_decay(options, n, x, f, g);
    if (!isfinite(*f) || !all_finite(n, g))
        return diverged(options, epoch, "the full objective or its gradient is not finite", err);
    return LNL_OK;
}

lnl_status lnl_sgd(lnl_objective_fn objective, lnl_batch_objective_fn batch_objective,
                   void *context, size_t n, double *x, size_t n_samples, lnl_rng *rng,
                   const lnl_sgd_options *options, lnl_optim_result *result, lnl_error *err)
{
    memset(result, 0, sizeof *result);
    lnl_status status = check_options(options, n_samples, rng, err);
    if (status != LNL_OK)
        return status;

    /* One allocation: g, velocity (first moment), second moment, trial x
     * (n each), then the sample order. */
    double *block = calloc(4 * n + 1, sizeof(double));
    size_t *order = malloc(n_samples * sizeof(size_t));
    if (block == NULL || order == NULL) {
        free(block);
        free(order);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "out of memory for SGD with %zu parameters and %zu samples", n,
                             n_samples);
    }
    double *g = block, *first = g + n, *second = first + n, *trial = second + n;
    for (size_t i = 0; i < n_samples; i++)
        order[i] = i;

    double f;
    status = full_objective(objective, context, options, n, x, &f, g, 0, result, err);
    if (status != LNL_OK)
        goto cleanup;
    double threshold = options->tol * fmax(1.0, max_norm(n, g));
    bool adam = options->rule == LNL_SGD_ADAM;
    double beta1_power = 1.0, beta2_power = 1.0;
    size_t batch_size = options->batch_size < n_samples ? options->batch_size : n_samples;
    snprintf(result->reason, sizeof result->reason, "maximum number of epochs reached");

    for (int epoch = 1; epoch <= options->epochs; epoch++) {
        if (max_norm(n, g) <= threshold) {
            result->converged = true;
            snprintf(result->reason, sizeof result->reason, "gradient tolerance reached");
            break;
        }

        lnl_rng_shuffle(rng, order, n_samples);
        for (size_t start = 0; start < n_samples; start += batch_size) {
            size_t size = n_samples - start < batch_size ? n_samples - start : batch_size;
            double f_batch;
            status = batch_objective(context, x, order + start, size, &f_batch, g, err);
            result->evaluations++;
            if (status == LNL_ERR_NUMERIC)
                status = diverged(options, epoch, err != NULL ? err->message : "not finite", err);
            if (status != LNL_OK)
                goto cleanup;
            add_weight_decay(options, n, x, &f_batch, g);
            if (!isfinite(f_batch) || !all_finite(n, g)) {
                status = diverged(options, epoch, "a batch gradient is not finite", err);
                goto cleanup;
            }

            /* The step goes to trial first, so x stays finite on failure. */
            if (adam) {
                beta1_power *= options->momentum;
                beta2_power *= adam_beta2;
                for (size_t j = 0; j < n; j++) {
                    first[j] = options->momentum * first[j] + (1.0 - options->momentum) * g[j];
                    second[j] = adam_beta2 * second[j] + (1.0 - adam_beta2) * g[j] * g[j];
                    double first_hat = first[j] / (1.0 - beta1_power);
                    double second_hat = second[j] / (1.0 - beta2_power);
                    trial[j] = x[j] - options->lr * first_hat / (sqrt(second_hat) + adam_epsilon);
                }
            } else {
                for (size_t j = 0; j < n; j++) {
                    first[j] = options->momentum * first[j] + g[j];
                    trial[j] = x[j] - options->lr * first[j];
                }
            }
            if (!all_finite(n, trial)) {
                status = diverged(options, epoch, "a parameter is not finite", err);
                goto cleanup;
            }
            memcpy(x, trial, n * sizeof(double));
        }

        status = full_objective(objective, context, options, n, x, &f, g, epoch, result, err);
        if (status != LNL_OK)
            goto cleanup;
        result->iterations = epoch;
        if (options->progress != NULL)
            options->progress(options->progress_context, epoch, f, max_norm(n, g), options->lr);
    }
    if (!result->converged && max_norm(n, g) <= threshold) {
        result->converged = true;
        snprintf(result->reason, sizeof result->reason, "gradient tolerance reached");
    }
    result->f = f;
    result->gradient_norm = max_norm(n, g);

cleanup:
    free(block);
    free(order);
    return status;
}
