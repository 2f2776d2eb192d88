#include "lnl/method.h"

#include <stdlib.h>
#include <string.h>

typedef struct objective_context {
    const lnl_linear_problem *problem;
    lnl_linear_workspace *workspace;
} objective_context;

static lnl_status linear_objective(void *context, const double *x, double *f,
                                   double *gradient, lnl_error *err)
{
    objective_context *c = context;
    return lnl_linear_objective(c->problem, x, f, gradient, c->workspace, err);
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

lnl_status lnl_method_fit(const lnl_method_spec *spec, const lnl_fit_input *input,
                          lnl_fit_output *output, lnl_error *err)
{
    memset(output, 0, sizeof *output);
    lnl_status status = lnl_method_shape(spec, input->data->n_features, input->n_classes,
                                         &output->shape, err);
    if (status != LNL_OK)
        return status;

    const lnl_loss_info *info = lnl_loss_lookup(spec->loss);
    if (info == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "unknown loss \"%s\"", spec->loss);
    lnl_loss loss = {info, {0}};
    loss.params.n_classes = input->n_classes;

    size_t n_params = lnl_linear_n_params(&output->shape);
    output->theta = calloc(n_params, sizeof(double));
    if (output->theta == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu parameters",
                             n_params);

    lnl_linear_problem problem = {
        .shape = output->shape,
        .data = input->data,
        .rows = input->rows,
        .n_rows = input->n_rows,
        .labels = input->labels,
        .sample_weights = NULL,
        .standardizer = input->standardizer,
        .loss = &loss,
        .C = spec->C,
    };
    lnl_linear_workspace workspace;
    status = lnl_linear_workspace_create(&output->shape, &workspace, err);
    if (status != LNL_OK)
        goto fail;

    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.max_iter = spec->max_iter;
    options.tol = spec->tol;
    objective_context context = {&problem, &workspace};
    status = lnl_lbfgs(linear_objective, &context, n_params, output->theta, &options,
                       &output->optim, err);
    lnl_linear_workspace_destroy(&workspace);
    if (status != LNL_OK)
        goto fail;
    return LNL_OK;

fail:
    lnl_fit_output_destroy(output);
    return status;
}

void lnl_fit_output_destroy(lnl_fit_output *output)
{
    if (output == NULL)
        return;
    free(output->theta);
    output->theta = NULL;
}
