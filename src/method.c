#include "lnl/method.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/log.h"
#include "lnl/select.h"
#include "loss_correction.h"

/* The objective of one fit. For SGD and Adam, scale = 1 / (C n_rows) and
 * batch_rows, batch_labels and (with sample weights) batch_weights are
 * room for one batch. */
typedef struct objective_context {
    const lnl_linear_problem *problem;
    lnl_linear_workspace *workspace;
    double scale;
    size_t *batch_rows;
    int *batch_labels;
    double *batch_weights;
} objective_context;

static lnl_status linear_objective(void *context, const double *x, double *f,
                                   double *gradient, lnl_error *err)
{
    objective_context *c = context;
    return lnl_linear_objective(c->problem, x, f, gradient, c->workspace, err);
}

/* f / (C n) and its gradient over all rows. */
static lnl_status scaled_objective(void *context, const double *x, double *f, double *gradient,
                                   lnl_error *err)
{
    objective_context *c = context;
    lnl_status status = lnl_linear_objective(c->problem, x, f, gradient, c->workspace, err);
    if (status != LNL_OK)
        return status;
    size_t n_params = lnl_linear_n_params(&c->problem->shape);
    *f *= c->scale;
    for (size_t j = 0; j < n_params; j++)
        gradient[j] *= c->scale;
    return LNL_OK;
}

/* The batch estimate of f / (C n): with C_batch = C n / |B| the linear
 * objective is C_batch * (sum of the batch's losses) + 0.5 ||W||^2, and
 * times 1 / (C n) that is the batch's mean loss plus ||W||^2 / (2 C n). */
static lnl_status batch_objective(void *context, const double *x, const size_t *batch,
                                  size_t batch_size, double *f, double *gradient,
                                  lnl_error *err)
{
    objective_context *c = context;
    const lnl_linear_problem *full = c->problem;
    for (size_t i = 0; i < batch_size; i++) {
        c->batch_rows[i] = full->rows[batch[i]];
        c->batch_labels[i] = full->labels[batch[i]];
        if (full->sample_weights != NULL)
            c->batch_weights[i] = full->sample_weights[batch[i]];
    }

    lnl_linear_problem problem = *full;
    problem.rows = c->batch_rows;
    problem.labels = c->batch_labels;
    problem.n_rows = batch_size;
    problem.sample_weights = full->sample_weights != NULL ? c->batch_weights : NULL;
    problem.C = full->C * (double)full->n_rows / (double)batch_size;

    objective_context batch_context = *c;
    batch_context.problem = &problem;
    return scaled_objective(&batch_context, x, f, gradient, err);
}

/* Logs one line per optimizer iteration at debug level. */
static void log_progress(void *context, int iteration, double f, double gradient_norm,
                         double step)
{
    const char *stage = context;
    lnl_log(LNL_LOG_DEBUG, "%s: iteration %d: f = %.17g, |g|_inf = %.3g, step = %.3g", stage,
            iteration, f, gradient_norm, step);
}

lnl_status lnl_method_shape(const lnl_method_spec *spec, size_t n_features, size_t n_classes,
                            lnl_linear_shape *shape, lnl_error *err)
{
    shape->n_features = n_features;
    shape->n_classes = n_classes;
    shape->fit_intercept = spec->fit_intercept;
    switch (spec->model) {
    case LNL_MODEL_AUTO:
        shape->binary = n_classes == 2;
        break;
    case LNL_MODEL_BINARY:
        if (n_classes != 2)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "method \"%s\" asks for a binary model, but the data has %zu "
                                 "classes; use model = softmax or auto",
                                 spec->name, n_classes);
        shape->binary = true;
        break;
    case LNL_MODEL_SOFTMAX:
        shape->binary = false;
        break;
    }
    return LNL_OK;
}

lnl_status lnl_method_loss(const lnl_method_spec *spec, size_t n_classes, lnl_loss *loss,
                           lnl_error *err)
{
    const lnl_loss_info *info = lnl_loss_lookup(spec->loss);
    if (info == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "unknown loss \"%s\"", spec->loss);
    loss->info = info;
    lnl_loss_defaults(info, n_classes, &loss->params);

    if (spec->has_alpha)
        loss->params.alpha = spec->alpha;
    if (spec->has_beta)
        loss->params.beta = spec->beta;
    if (spec->has_A)
        loss->params.A = spec->A;
    if (spec->has_q)
        loss->params.q = spec->q;
    if (spec->has_truncation)
        loss->params.truncation = spec->truncation;
    if (spec->has_epsilon)
        loss->params.epsilon = spec->epsilon;

    lnl_error check;
    lnl_error_clear(&check);
    if (lnl_loss_check_params(info, &loss->params, NULL, &check) != LNL_OK)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "method \"%s\": %s", spec->name,
                             check.message);

    /* All-zero parameters give p_y = 1/K on every row, so a truncation
     * k >= 1/K makes every row's loss constant there: the gradient is 0
     * and the fit would stop at its start as if converged. */
    double uniform = 1.0 / (double)n_classes;
    if (spec->init == LNL_INIT_ZERO && (info->parameters & LNL_LOSS_PARAM_TRUNCATION) != 0 &&
        loss->params.truncation > 0.0 && loss->params.truncation >= uniform)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": truncation = %g truncates every row at the zero "
                             "start, where p_y = 1/K = %g, so the fit cannot move; set init = ce "
                             "or a truncation below %g",
                             spec->name, loss->params.truncation, uniform, uniform);
    return LNL_OK;
}

/* Runs L-BFGS on problem from theta with spec's max_iter and tol. */
static lnl_status fit_lbfgs(const lnl_method_spec *spec, const lnl_linear_problem *problem,
                            lnl_linear_workspace *workspace, double *theta, const char *stage,
                            lnl_optim_result *result, lnl_error *err)
{
    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.max_iter = spec->max_iter;
    options.tol = spec->tol;
    if (lnl_log_enabled(LNL_LOG_DEBUG)) {
        options.progress = log_progress;
        options.progress_context = (void *)stage;
    }
    objective_context context = {problem, workspace, 1.0, NULL, NULL, NULL};
    return lnl_lbfgs(linear_objective, &context, lnl_linear_n_params(&problem->shape), theta,
                     &options, result, err);
}

void lnl_method_sgd_options(const lnl_method_spec *spec, const lnl_linear_shape *shape,
                            lnl_sgd_options *options)
{
    lnl_sgd_defaults(options);
    options->rule = strcmp(spec->optimizer, "adam") == 0 ? LNL_SGD_ADAM : LNL_SGD_MOMENTUM;
    options->epochs = spec->epochs;
    options->batch_size = spec->batch_size;
    options->lr = spec->lr;
    options->momentum = spec->momentum;
    options->weight_decay = spec->weight_decay;
    options->n_decayed = lnl_linear_n_logits(shape) * shape->n_features;
    options->tol = spec->tol;
}

/* Runs SGD or Adam on problem from theta with spec's options. */
static lnl_status fit_sgd(const lnl_method_spec *spec, const lnl_linear_problem *problem,
                          lnl_linear_workspace *workspace, lnl_rng *rng, double *theta,
                          const char *stage, lnl_optim_result *result, lnl_error *err)
{
    const lnl_linear_shape *shape = &problem->shape;
    lnl_sgd_options options;
    lnl_method_sgd_options(spec, shape, &options);
    if (lnl_log_enabled(LNL_LOG_DEBUG)) {
        options.progress = log_progress;
        options.progress_context = (void *)stage;
    }
    if (problem->n_rows == 0 || !(problem->C > 0.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": %s needs training rows and C > 0", spec->name,
                             spec->optimizer);

    size_t capacity = options.batch_size < problem->n_rows ? options.batch_size : problem->n_rows;
    size_t *batch_rows = malloc(capacity * sizeof(size_t));
    int *batch_labels = malloc(capacity * sizeof(int));
    double *batch_weights = malloc(capacity * sizeof(double));
    if (batch_rows == NULL || batch_labels == NULL || batch_weights == NULL) {
        free(batch_rows);
        free(batch_labels);
        free(batch_weights);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for a batch of %zu rows",
                             capacity);
    }

    double scale = 1.0 / (problem->C * (double)problem->n_rows);
    objective_context context = {problem, workspace, scale, batch_rows, batch_labels,
                                 batch_weights};
    lnl_status status = lnl_sgd(scaled_objective, batch_objective, &context,
                                lnl_linear_n_params(shape), theta, problem->n_rows, rng,
                                &options, result, err);
    free(batch_rows);
    free(batch_labels);
    free(batch_weights);

    /* Report f itself, as L-BFGS does. */
    result->f /= scale;
    result->gradient_norm /= scale;
    return status;
}

/* Folds the cross-entropy stage into the fit's result. */
static void merge_initial(const lnl_optim_result *initial, lnl_optim_result *result)
{
    if (initial->converged)
        return;
    char combined[2 * sizeof result->reason + 32];
    if (result->converged)
        snprintf(combined, sizeof combined, "ce start: %s", initial->reason);
    else
        snprintf(combined, sizeof combined, "ce start: %s; fit: %s", initial->reason,
                 result->reason);

    /* Both reasons together may not fit, so the tail is cut. */
    size_t length = strlen(combined);
    if (length >= sizeof result->reason)
        length = sizeof result->reason - 1;
    memcpy(result->reason, combined, length);
    result->reason[length] = '\0';
    result->converged = false;
}

lnl_status lnl_method_fit(const lnl_method_spec *spec, const lnl_fit_input *input,
                          lnl_fit_output *output, lnl_error *err)
{
    if (spec->filter != LNL_FILTER_NONE)
        return lnl_select_fit(spec, input, output, err);
    return lnl_method_fit_weighted(spec, input, NULL, output, err);
}

lnl_status lnl_method_fit_weighted(const lnl_method_spec *spec, const lnl_fit_input *input,
                                   const double *weights, lnl_fit_output *output,
                                   lnl_error *err)
{
    memset(output, 0, sizeof *output);
    output->transition_error_max = NAN;
    output->transition_error_frobenius = NAN;
    output->forget_rate = NAN;
    if (spec->filter != LNL_FILTER_NONE)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": lnl_method_fit_weighted needs filter = none",
                             spec->name);
    lnl_status status = lnl_method_shape(spec, input->data->n_features, input->n_classes,
                                         &output->shape, err);
    if (status != LNL_OK)
        return status;

    lnl_loss loss;
    status = lnl_method_loss(spec, input->n_classes, &loss, err);
    if (status != LNL_OK)
        return status;

    bool sgd = strcmp(spec->optimizer, "sgd") == 0, adam = strcmp(spec->optimizer, "adam") == 0;
    if (!sgd && !adam && strcmp(spec->optimizer, "lbfgs") != 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": unknown optimizer \"%s\"; expected lbfgs, sgd or "
                             "adam",
                             spec->name, spec->optimizer);
    if (spec->init != LNL_INIT_ZERO && spec->init != LNL_INIT_CE)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "method \"%s\": unknown init %d",
                             spec->name, (int)spec->init);

    size_t n_params = lnl_linear_n_params(&output->shape);
    output->theta = calloc(n_params, sizeof(double));
    if (output->theta == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu parameters",
                             n_params);

    /* Corrected losses read T (and T^-1), found or estimated before the fit. */
    lnl_correction correction = {0};
    if (loss.info->parameters & (LNL_LOSS_PARAM_TRANSITION | LNL_LOSS_PARAM_TRANSITION_INVERSE)) {
        status = lnl_correction_prepare(spec, loss.info, input, &output->shape, &correction, err);
        if (status != LNL_OK)
            goto fail;
        output->transition = correction.T;
        output->transition_error_max = correction.error_max;
        output->transition_error_frobenius = correction.error_frobenius;
        loss.params.T = correction.T;
        loss.params.T_inverse = correction.T_inverse;
    }

    lnl_linear_problem problem = {
        .shape = output->shape,
        .data = input->data,
        .rows = input->rows,
        .n_rows = input->n_rows,
        .labels = input->labels,
        .sample_weights = weights,
        .standardizer = input->standardizer,
        .loss = &loss,
        .C = spec->C,
    };
    lnl_linear_workspace workspace;
    status = lnl_linear_workspace_create(&output->shape, &workspace, err);
    if (status != LNL_OK)
        goto fail;
    if (input->threads > 1)
        workspace.threads = input->threads;

    if (spec->init == LNL_INIT_CE) {
        lnl_loss cross_entropy = {lnl_loss_lookup("ce"), {0}};
        lnl_loss_defaults(cross_entropy.info, input->n_classes, &cross_entropy.params);
        lnl_linear_problem start = problem;
        start.loss = &cross_entropy;
        status = fit_lbfgs(spec, &start, &workspace, output->theta, "ce start", &output->initial,
                           err);
        output->has_initial = true;
        if (status != LNL_OK)
            goto cleanup;
    }

    if (sgd || adam)
        status = fit_sgd(spec, &problem, &workspace, input->rng, output->theta, spec->name,
                         &output->optim, err);
    else
        status = fit_lbfgs(spec, &problem, &workspace, output->theta, spec->name, &output->optim,
                           err);
    if (status == LNL_OK && output->has_initial)
        merge_initial(&output->initial, &output->optim);

cleanup:
    lnl_linear_workspace_destroy(&workspace);
    if (status == LNL_OK) {
        free(correction.T_inverse);
        lnl_label_metrics metrics;
        lnl_select_label_metrics(input->n_rows, input->labels, input->clean_labels, NULL,
                                 input->n_rows, &metrics);
        output->n_kept = metrics.n_kept;
        output->label_precision = metrics.precision;
        output->label_recall = metrics.recall;
        return LNL_OK;
    }

fail:
    free(correction.T_inverse);
    lnl_fit_output_destroy(output);
    return status;
}

void lnl_fit_output_destroy(lnl_fit_output *output)
{
    if (output == NULL)
        return;
    free(output->theta);
    output->theta = NULL;
    free(output->transition);
    output->transition = NULL;
}
