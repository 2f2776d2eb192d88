#include "lnl/linear.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "binary_logistic.h"
#include "prefetch.h"

/* Rows per block: about 128 KiB of gathered features, so a block stays in
 * L2 cache between the logits gemm and the gradient gemm. */
static size_t block_rows_for(size_t n_features)
{
    size_t rows = 16384 / (n_features > 0 ? n_features : 1);
    if (rows < 16)
        rows = 16;
    if (rows > 1024)
        rows = 1024;
    return rows;
}

size_t lnl_linear_n_logits(const lnl_linear_shape *shape)
{
    return shape->binary ? 1 : shape->n_classes;
}

size_t lnl_linear_n_params(const lnl_linear_shape *shape)
{
    return lnl_linear_n_logits(shape) * (shape->n_features + 1);
}

lnl_status lnl_linear_workspace_create(const lnl_linear_shape *shape,
                                       lnl_linear_workspace *out, lnl_error *err)
{
    memset(out, 0, sizeof *out);
    out->threads = 1;
    size_t rows = block_rows_for(shape->n_features);
    size_t d = shape->n_features, k = shape->n_classes;

    out->block_rows = rows;
    out->block_X = malloc(rows * (d > 0 ? d : 1) * sizeof(double));
    out->logits = malloc(rows * k * sizeof(double));
    out->gradient = malloc(rows * k * sizeof(double));
    out->values = malloc(rows * sizeof(double));
    out->loss_work = malloc((lnl_loss_work_size(rows, k) + 1) * sizeof(double));
    out->binary_logit = malloc(rows * sizeof(double));
    out->inverse_scale = malloc((d > 0 ? d : 1) * sizeof(double));
    if (!out->block_X || !out->logits || !out->gradient || !out->values || !out->loss_work ||
        !out->binary_logit || !out->inverse_scale) {
        lnl_linear_workspace_destroy(out);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for a workspace");
    }
    return LNL_OK;
}

void lnl_linear_workspace_destroy(lnl_linear_workspace *workspace)
{
    if (workspace == NULL)
        return;
    free(workspace->block_X);
    free(workspace->logits);
    free(workspace->gradient);
    free(workspace->values);
    free(workspace->loss_work);
    free(workspace->binary_logit);
    free(workspace->inverse_scale);
    memset(workspace, 0, sizeof *workspace);
}

/* Fills inverse_scale (d entries) with 1 / scale of the standardizer, once
 * per evaluation; does nothing without a standardizer. */
static void set_inverse_scales(const lnl_standardizer *standardizer, size_t d,
                               double *inverse_scale)
{
    if (standardizer == NULL)
        return;
    for (size_t j = 0; j < d; j++)
        inverse_scale[j] = 1.0 / standardizer->scale[j];
}

/* Copies rows[0..n) of X into out (n x d), standardized when a standardizer
 * is given as (x - mean) * inverse_scale, with inverse_scale from
 * set_inverse_scales. Multiplying by the reciprocal is cheaper than a
 * division per entry, and differs from the quotient (x - mean) / scale by a
 * few units in the last place. */
static void gather_rows(const lnl_dataset *data, const size_t *rows, size_t n,
                        const lnl_standardizer *standardizer, const double *inverse_scale,
                        double *out)
{
    size_t d = data->n_features;
    for (size_t i = 0; i < n; i++) {
        if (i + LNL_PREFETCH_ROWS < n)
            lnl_prefetch_row(data->X + rows[i + LNL_PREFETCH_ROWS] * d, d);
        const double *x = data->X + rows[i] * d;
        double *o = out + i * d;
        if (standardizer == NULL) {
            memcpy(o, x, d * sizeof(double));
            continue;
        }
        const double *mean = standardizer->mean;
        for (size_t j = 0; j < d; j++)
            o[j] = (x[j] - mean[j]) * inverse_scale[j];
    }
}

/* Logits of a gathered block: block_X (n x d) times W^T (d x n_logits) plus
 * b, expanded to the loss-ready n x K form. binary_logit is scratch. */
static void block_logits(const lnl_linear_shape *shape, const double *theta, size_t n,
                         const double *block_X, double *logits, double *binary_logit)
{
    size_t d = shape->n_features, k = shape->n_classes;
    size_t n_logits = lnl_linear_n_logits(shape);
    const double *W = theta, *b = theta + n_logits * d;

    if (shape->binary) {
        for (size_t i = 0; i < n; i++)
            binary_logit[i] = b[0];
        if (d > 0)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)n, (int)d, 1.0, block_X, (int)d, W, 1,
                        1.0, binary_logit, 1);
        for (size_t i = 0; i < n; i++) {
            logits[2 * i] = 0.0;
            logits[2 * i + 1] = binary_logit[i];
        }
        return;
    }

    for (size_t i = 0; i < n; i++)
        memcpy(logits + i * k, b, k * sizeof(double));
    if (d > 0)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, 1.0,
                    block_X, (int)d, W, (int)d, 1.0, logits, (int)k);
}

/* Adds the block's contribution to the gradient. G (n x K) contains the
 * weighted dLoss/dZ; for the binary model only column 1 matters because
 * column 0 is the constant logit. */
static void block_gradient(const lnl_linear_shape *shape, size_t n, const double *block_X,
                           const double *G, double *gradient, double *binary_scratch)
{
    size_t d = shape->n_features, k = shape->n_classes;
    size_t n_logits = lnl_linear_n_logits(shape);
    double *gradient_b = gradient + n_logits * d;

    if (shape->binary) {
        for (size_t i = 0; i < n; i++)
            binary_scratch[i] = G[2 * i + 1];
        if (d > 0)
            cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)d, 1.0, block_X, (int)d,
                        binary_scratch, 1, 1.0, gradient, 1);
        if (shape->fit_intercept)
            for (size_t i = 0; i < n; i++)
                gradient_b[0] += binary_scratch[i];
        return;
    }

    if (d > 0)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)d, (int)n, 1.0, G,
                    (int)k, block_X, (int)d, 1.0, gradient, (int)d);
    if (shape->fit_intercept)
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < k; c++)
                gradient_b[c] += G[i * k + c];
}

/* Adds 0.5 ||W||^2 to f and W to the gradient. */
static void add_penalty(const lnl_linear_shape *shape, const double *theta, double *f,
                        double *gradient)
{
    size_t n_weights = lnl_linear_n_logits(shape) * shape->n_features;
    double squared = 0.0;
    for (size_t j = 0; j < n_weights; j++)
        squared += theta[j] * theta[j];
    *f += 0.5 * squared;
    if (gradient != NULL)
        for (size_t j = 0; j < n_weights; j++)
            gradient[j] += theta[j];
}

static lnl_status check_problem(const lnl_linear_problem *problem, lnl_error *err)
{
    const lnl_linear_shape *shape = &problem->shape;
    if (shape->n_classes < 2 || (shape->binary && shape->n_classes != 2))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "a binary model needs 2 classes and a softmax model at least 2, "
                             "got %zu", shape->n_classes);
    if (problem->data->n_features != shape->n_features)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "the model has %zu features but the data %zu",
                             shape->n_features, problem->data->n_features);
    return LNL_OK;
}

/* Whether rows[0..n) is a run of consecutive row indices. */
static bool rows_are_consecutive(const size_t *rows, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (rows[i] != rows[0] + i)
            return false;
    return true;
}

/* Adds one block of the binary cross-entropy objective to *total and to
 * the gradient through the fused kernel of src/binary_logistic.h, which
 * reads each row of X from memory once and standardizes it in registers. */
static lnl_status binary_ce_block(const lnl_linear_problem *problem, const double *theta,
                                  size_t start, size_t n, double *gradient,
                                  lnl_linear_workspace *workspace, double *total, lnl_error *err)
{
    size_t d = problem->shape.n_features;
    lnl_binary_block block = {
        .n = n,
        .d = d,
        .X = problem->data->X,
        .rows = problem->rows + start,
        .labels = problem->labels + start,
        .C = problem->C,
        .sample_weights = problem->sample_weights != NULL ? problem->sample_weights + start : NULL,
    };
    if (problem->standardizer != NULL) {
        block.mean = problem->standardizer->mean;
        block.inverse_scale = workspace->inverse_scale;
    }
    if (rows_are_consecutive(block.rows, n)) {
        /* The hardware prefetcher follows a run of rows by itself. */
        block.X += block.rows[0] * d;
        block.rows = NULL;
    }

    double *gradient_b = gradient != NULL && problem->shape.fit_intercept ? gradient + d : NULL;
    /* loss_work has room for lnl_loss_work_size(block_rows, 2) = 4
     * block_rows doubles, more than the 3 n that the kernel needs. */
    double block_total =
        lnl_binary_ce_block(&block, theta, theta[d], gradient, gradient_b, workspace->loss_work);
    if (!isfinite(block_total))
        return lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                             "the loss \"%s\" is not finite on rows %zu to %zu",
                             problem->loss->info->name, start, start + n - 1);
    *total += block_total;
    return LNL_OK;
}

/* Blocks per chunk, the unit of the fixed summation order. Training sets
 * of up to 64 blocks (10432 rows of 100 features) are one chunk, summed
 * as one sequence of blocks. */
enum { CHUNK_BLOCKS = 64 };

/* Adds the loss of rows [start, end) to *total and their gradient to
 * gradient, block by block. workspace->inverse_scale must be set. */
static lnl_status objective_rows(const lnl_linear_problem *problem, const double *theta,
                                 size_t start, size_t end, double *total, double *gradient,
                                 lnl_linear_workspace *workspace, lnl_error *err)
{
    const lnl_linear_shape *shape = &problem->shape;
    size_t k = shape->n_classes;
    bool fused = shape->binary && strcmp(problem->loss->info->name, "ce") == 0;
    for (; start < end; start += workspace->block_rows) {
        size_t n = end - start;
        if (n > workspace->block_rows)
            n = workspace->block_rows;

        if (fused) {
            lnl_status status =
                binary_ce_block(problem, theta, start, n, gradient, workspace, total, err);
            if (status != LNL_OK)
                return status;
            continue;
        }

        gather_rows(problem->data, problem->rows + start, n, problem->standardizer,
                    workspace->inverse_scale, workspace->block_X);
        block_logits(shape, theta, n, workspace->block_X, workspace->logits,
                     workspace->binary_logit);

        double *G = gradient != NULL ? workspace->gradient : NULL;
        lnl_status status = problem->loss->info->evaluate(
            problem->loss, n, workspace->logits, problem->labels + start, workspace->values, G,
            workspace->loss_work);
        if (status != LNL_OK)
            return lnl_error_set(err, status, NULL, 0,
                                 "the loss \"%s\" is not finite on rows %zu to %zu",
                                 problem->loss->info->name, start, start + n - 1);

        /* Each row's loss and gradient carry the factor C * s_i. */
        for (size_t i = 0; i < n; i++) {
            double weight = problem->C;
            if (problem->sample_weights != NULL)
                weight *= problem->sample_weights[start + i];
            *total += weight * workspace->values[i];
            if (G != NULL)
                for (size_t c = 0; c < k; c++)
                    G[i * k + c] *= weight;
        }
        if (G != NULL)
            block_gradient(shape, n, workspace->block_X, G, gradient, workspace->binary_logit);
    }
    return LNL_OK;
}

/* The chunks of one evaluation and what each thread reports back. */
typedef struct chunk_plan {
    const lnl_linear_problem *problem;
    const double *theta;
    size_t chunk_rows, n_chunks, n_params, n_threads;
    bool want_gradient;
    double *totals;       /* n_chunks */
    double *gradients;    /* n_chunks x n_params */
    lnl_status *statuses; /* n_chunks */
    lnl_error *errors;    /* n_chunks */
} chunk_plan;

typedef struct chunk_worker {
    chunk_plan *plan;
    size_t first;                   /* the thread's chunks: first, first + n_threads, ... */
    lnl_linear_workspace workspace; /* a helper thread's own; unused on the caller's thread */
    lnl_linear_workspace *current;  /* the workspace the thread evaluates with */
} chunk_worker;

static void *run_chunks(void *argument)
{
    chunk_worker *worker = argument;
    chunk_plan *plan = worker->plan;
    size_t n_rows = plan->problem->n_rows;
    for (size_t c = worker->first; c < plan->n_chunks; c += plan->n_threads) {
        size_t start = c * plan->chunk_rows;
        size_t end = start + plan->chunk_rows < n_rows ? start + plan->chunk_rows : n_rows;
        double *gradient = plan->want_gradient ? plan->gradients + c * plan->n_params : NULL;
        plan->statuses[c] = objective_rows(plan->problem, plan->theta, start, end,
                                           &plan->totals[c], gradient, worker->current,
                                           &plan->errors[c]);
    }
    return NULL;
}

/* Evaluates the chunks of plan on plan->n_threads threads (the caller's
 * and helpers with their own workspaces), then sums them in chunk order.
 * A helper that cannot start leaves its chunks to the caller. */
static lnl_status objective_chunks(chunk_plan *plan, lnl_linear_workspace *workspace,
                                   double *total, double *gradient, lnl_error *err)
{
    chunk_worker workers[LNL_LINEAR_MAX_THREADS];
    pthread_t threads[LNL_LINEAR_MAX_THREADS];
    bool started[LNL_LINEAR_MAX_THREADS] = {false};
    for (size_t t = 0; t < plan->n_threads; t++) {
        workers[t] = (chunk_worker){.plan = plan, .first = t, .current = workspace};
        if (t == 0)
            continue;
        lnl_error ignored;
        if (lnl_linear_workspace_create(&plan->problem->shape, &workers[t].workspace,
                                        &ignored) != LNL_OK)
            continue;
        if (plan->problem->standardizer != NULL)
            memcpy(workers[t].workspace.inverse_scale, workspace->inverse_scale,
                   plan->problem->shape.n_features * sizeof(double));
        workers[t].current = &workers[t].workspace;
        started[t] = pthread_create(&threads[t], NULL, run_chunks, &workers[t]) == 0;
        if (!started[t])
            lnl_linear_workspace_destroy(&workers[t].workspace);
    }
    run_chunks(&workers[0]);
    for (size_t t = 1; t < plan->n_threads; t++) {
        if (started[t]) {
            pthread_join(threads[t], NULL);
            lnl_linear_workspace_destroy(&workers[t].workspace);
        } else {
            workers[t].current = workspace;
            run_chunks(&workers[t]);
        }
    }

    for (size_t c = 0; c < plan->n_chunks; c++) {
        if (plan->statuses[c] != LNL_OK) {
            if (err != NULL)
                *err = plan->errors[c];
            return plan->statuses[c];
        }
        *total += plan->totals[c];
        if (plan->want_gradient)
            for (size_t j = 0; j < plan->n_params; j++)
                gradient[j] += plan->gradients[c * plan->n_params + j];
    }
    return LNL_OK;
}

lnl_status lnl_linear_objective(const lnl_linear_problem *problem, const double *theta,
                                double *f, double *gradient, lnl_linear_workspace *workspace,
                                lnl_error *err)
{
    const lnl_linear_shape *shape = &problem->shape;
    lnl_status status = check_problem(problem, err);
    if (status != LNL_OK)
        return status;

    size_t n_params = lnl_linear_n_params(shape);
    if (gradient != NULL)
        memset(gradient, 0, n_params * sizeof(double));
    double total = 0.0;

    set_inverse_scales(problem->standardizer, shape->n_features, workspace->inverse_scale);
    size_t chunk_rows = CHUNK_BLOCKS * workspace->block_rows;
    size_t n_chunks = (problem->n_rows + chunk_rows - 1) / chunk_rows;
    if (n_chunks <= 1) {
        /* Adding one chunk's sums to zeros changes no bit. */
        status = objective_rows(problem, theta, 0, problem->n_rows, &total, gradient, workspace,
                                err);
    } else {
        size_t n_threads = workspace->threads > 1 ? (size_t)workspace->threads : 1;
        if (n_threads > n_chunks)
            n_threads = n_chunks;
        if (n_threads > LNL_LINEAR_MAX_THREADS)
            n_threads = LNL_LINEAR_MAX_THREADS;
        chunk_plan plan = {
            .problem = problem, .theta = theta, .chunk_rows = chunk_rows,
            .n_chunks = n_chunks, .n_params = n_params, .n_threads = n_threads,
            .want_gradient = gradient != NULL,
            .totals = calloc(n_chunks, sizeof(double)),
            .gradients = calloc(gradient != NULL ? n_chunks * n_params : 1, sizeof(double)),
            .statuses = calloc(n_chunks, sizeof(lnl_status)),
            .errors = calloc(n_chunks, sizeof(lnl_error)),
        };
        if (plan.totals == NULL || plan.gradients == NULL || plan.statuses == NULL ||
            plan.errors == NULL)
            status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                                   "out of memory for %zu chunks of the objective", n_chunks);
        else
            status = objective_chunks(&plan, workspace, &total, gradient, err);
        free(plan.totals);
        free(plan.gradients);
        free(plan.statuses);
        free(plan.errors);
    }
    if (status != LNL_OK)
        return status;

    *f = total;
    add_penalty(shape, theta, f, gradient);
    if (!isfinite(*f))
        return lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0, "the objective is not finite");
    return LNL_OK;
}

lnl_status lnl_linear_objective_reference(const lnl_linear_problem *problem,
                                          const double *theta, double *f, double *gradient,
                                          lnl_error *err)
{
    const lnl_linear_shape *shape = &problem->shape;
    size_t n = problem->n_rows, d = shape->n_features, k = shape->n_classes;
    size_t n_logits = lnl_linear_n_logits(shape);
    lnl_status status = check_problem(problem, err);
    if (status != LNL_OK)
        return status;

    double *X = malloc((n * d + 1) * sizeof(double));
    double *Z = malloc((n * k + 1) * sizeof(double));
    double *G = malloc((n * k + 1) * sizeof(double));
    double *values = malloc((n + 1) * sizeof(double));
    double *work = malloc((lnl_loss_work_size(n, k) + 1) * sizeof(double));
    double *inverse_scale = malloc((d + 1) * sizeof(double));
    if (!X || !Z || !G || !values || !work || !inverse_scale) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory");
        goto cleanup;
    }

    /* First pass: every row's logits with plain loops. */
    set_inverse_scales(problem->standardizer, d, inverse_scale);
    gather_rows(problem->data, problem->rows, n, problem->standardizer, inverse_scale, X);
    const double *W = theta, *b = theta + n_logits * d;
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < n_logits; c++) {
            double z = b[c];
            for (size_t j = 0; j < d; j++)
                z += X[i * d + j] * W[c * d + j];
            if (shape->binary) {
                Z[2 * i] = 0.0;
                Z[2 * i + 1] = z;
            } else {
                Z[i * k + c] = z;
            }
        }
    }

    status = problem->loss->info->evaluate(problem->loss, n, Z, problem->labels, values, G, work);
    if (status != LNL_OK) {
        lnl_error_set(err, status, NULL, 0, "the loss is not finite");
        goto cleanup;
    }

    /* Second pass: the weighted sum and the gradient. */
    *f = 0.0;
    if (gradient != NULL)
        memset(gradient, 0, lnl_linear_n_params(shape) * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double weight = problem->C * (problem->sample_weights ? problem->sample_weights[i] : 1.0);
        *f += weight * values[i];
        if (gradient == NULL)
            continue;
        for (size_t c = 0; c < n_logits; c++) {
            double g = weight * (shape->binary ? G[2 * i + 1] : G[i * k + c]);
            for (size_t j = 0; j < d; j++)
                gradient[c * d + j] += g * X[i * d + j];
            if (shape->fit_intercept)
                gradient[n_logits * d + c] += g;
        }
    }
    add_penalty(shape, theta, f, gradient);

cleanup:
    free(X);
    free(Z);
    free(G);
    free(values);
    free(work);
    free(inverse_scale);
    return status;
}

lnl_status lnl_linear_logits(const lnl_linear_shape *shape, const double *theta,
                             const lnl_dataset *data, const size_t *rows, size_t n_rows,
                             const lnl_standardizer *standardizer, double *logits,
                             lnl_error *err)
{
    lnl_linear_workspace workspace;
    lnl_status status = lnl_linear_workspace_create(shape, &workspace, err);
    if (status != LNL_OK)
        return status;

    size_t k = shape->n_classes;
    set_inverse_scales(standardizer, shape->n_features, workspace.inverse_scale);
    for (size_t start = 0; start < n_rows; start += workspace.block_rows) {
        size_t n = n_rows - start;
        if (n > workspace.block_rows)
            n = workspace.block_rows;
        gather_rows(data, rows + start, n, standardizer, workspace.inverse_scale,
                    workspace.block_X);
        block_logits(shape, theta, n, workspace.block_X, logits + start * k,
                     workspace.binary_logit);
    }
    lnl_linear_workspace_destroy(&workspace);
    return LNL_OK;
}

lnl_status lnl_linear_predict_proba(const lnl_linear_shape *shape, const double *theta,
                                    const lnl_dataset *data, const size_t *rows,
                                    size_t n_rows, const lnl_standardizer *standardizer,
                                    double *probabilities, lnl_error *err)
{
    size_t k = shape->n_classes;
    double *logits = malloc((n_rows * k + 1) * sizeof(double));
    if (logits == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu logits",
                             n_rows * k);

    lnl_status status =
        lnl_linear_logits(shape, theta, data, rows, n_rows, standardizer, logits, err);
    if (status == LNL_OK)
        lnl_softmax(n_rows, k, logits, probabilities);
    free(logits);
    return status;
}

lnl_status lnl_linear_accuracy(const lnl_linear_shape *shape, const double *theta,
                               const lnl_dataset *data, const size_t *rows, size_t n_rows,
                               const int *labels, const lnl_standardizer *standardizer,
                               double *accuracy, lnl_error *err)
{
    size_t k = shape->n_classes;
    double *logits = malloc((n_rows * k + 1) * sizeof(double));
    if (logits == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu logits",
                             n_rows * k);

    lnl_status status =
        lnl_linear_logits(shape, theta, data, rows, n_rows, standardizer, logits, err);
    if (status == LNL_OK) {
        /* The largest logit is the most probable class; no softmax needed. */
        size_t correct = 0;
        for (size_t i = 0; i < n_rows; i++) {
            const double *z = logits + i * k;
            size_t best = 0;
            for (size_t c = 1; c < k; c++)
                if (z[c] > z[best])
                    best = c;
            correct += (int)best == labels[i];
        }
        *accuracy = n_rows > 0 ? (double)correct / (double)n_rows : 0.0;
    }
    free(logits);
    return status;
}
