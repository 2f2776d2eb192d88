#include "lnl/estimate.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/log.h"
#include "lnl/loss.h"
#include "lnl/optim.h"

/* ---- fitting the probability model ------------------------------------- */

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

/* Fits cross entropy with strength C on the rows rows[fit[0..n_fit)] and
 * writes the probabilities of rows[predict[0..n_predict)] into P
 * (n_predict x K). rows_buffer and labels_buffer have room for
 * problem->n_rows entries. */
static lnl_status fit_and_predict(const lnl_estimate_problem *problem, double C,
                                  const size_t *fit, size_t n_fit, const size_t *predict,
                                  size_t n_predict, size_t *rows_buffer, int *labels_buffer,
                                  double *P, lnl_error *err)
{
    const lnl_loss_info *info = lnl_loss_lookup("ce");
    if (info == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "the loss registry has no cross entropy \"ce\"");
    lnl_loss loss = {info, {0}};
    lnl_loss_defaults(info, problem->shape.n_classes, &loss.params);

    for (size_t i = 0; i < n_fit; i++) {
        rows_buffer[i] = problem->rows[fit[i]];
        labels_buffer[i] = problem->labels[fit[i]];
    }
    lnl_linear_problem linear = {
        .shape = problem->shape,
        .data = problem->data,
        .rows = rows_buffer,
        .n_rows = n_fit,
        .labels = labels_buffer,
        .sample_weights = NULL,
        .standardizer = problem->standardizer,
        .loss = &loss,
        .C = C,
    };

    size_t n_params = lnl_linear_n_params(&problem->shape);
    double *theta = calloc(n_params, sizeof *theta);
    if (theta == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate %zu model parameters", n_params);
    lnl_linear_workspace workspace;
    lnl_status status = lnl_linear_workspace_create(&problem->shape, &workspace, err);
    if (status != LNL_OK) {
        free(theta);
        return status;
    }

    lnl_lbfgs_options options;
    lnl_lbfgs_defaults(&options);
    options.max_iter = problem->max_iter;
    options.tol = problem->tol;
    objective_context context = {&linear, &workspace};
    lnl_optim_result result;
    status = lnl_lbfgs(linear_objective, &context, n_params, theta, &options, &result, err);
    lnl_linear_workspace_destroy(&workspace);
    if (status == LNL_OK && !result.converged)
        lnl_log(LNL_LOG_DEBUG, "estimator fit with C = %g on %zu rows did not converge: %s", C,
                n_fit, result.reason);

    /* The prediction rows reuse the buffer of the fitted rows. */
    if (status == LNL_OK) {
        for (size_t i = 0; i < n_predict; i++)
            rows_buffer[i] = problem->rows[predict[i]];
        status = lnl_linear_predict_proba(&problem->shape, theta, problem->data, rows_buffer,
                                          n_predict, problem->standardizer, P, err);
    }
    free(theta);
    return status;
}

static lnl_status check_problem(const lnl_estimate_problem *problem, lnl_error *err)
{
    if (problem == NULL || problem->data == NULL || problem->rows == NULL ||
        problem->labels == NULL || problem->n_rows == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "a transition estimate needs training rows and their labels");
    if (problem->shape.n_classes < 2 || !(problem->C > 0.0) || problem->max_iter < 1 ||
        !(problem->tol > 0.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "a transition estimate needs K >= 2, C > 0, max_iter >= 1 and "
                             "tol > 0, got K = %zu, C = %g, max_iter = %d, tol = %g",
                             problem->shape.n_classes, problem->C, problem->max_iter,
                             problem->tol);
    for (size_t i = 0; i < problem->n_rows; i++)
        if (problem->labels[i] < 0 || (size_t)problem->labels[i] >= problem->shape.n_classes)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "label %d at position %zu is outside [0, %zu)",
                                 problem->labels[i], i, problem->shape.n_classes);
    return LNL_OK;
}

/* ---- folds --------------------------------------------------------------- */

/* Writes the positions of each class, shuffled per class in class order,
 * into order; class c occupies order[start[c] .. start[c + 1]). start has
 * K + 1 entries. Labels must be in [0, K). */
static void shuffle_by_class(size_t n, const int *labels, size_t n_classes, lnl_rng *rng,
                             size_t *order, size_t *start)
{
    memset(start, 0, (n_classes + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[(size_t)labels[i] + 1]++;
    for (size_t c = 0; c < n_classes; c++)
        start[c + 1] += start[c];

    /* A stable counting sort keeps each class in increasing position order. */
    for (size_t c = 0; c < n_classes; c++) {
        size_t next = start[c];
        for (size_t i = 0; i < n; i++)
            if ((size_t)labels[i] == c)
                order[next++] = i;
        lnl_rng_shuffle(rng, order + start[c], start[c + 1] - start[c]);
    }
}

lnl_status lnl_stratified_folds(size_t n, const int *labels, size_t n_classes, size_t n_folds,
                                lnl_rng *rng, size_t *fold, lnl_error *err)
{
    if (n_folds < 2 || n < n_folds || labels == NULL || fold == NULL || rng == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "cannot split %zu samples into %zu folds: need at least 2 folds "
                             "and one sample per fold",
                             n, n_folds);
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= n_classes)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "label %d at position %zu is outside [0, %zu)", labels[i], i,
                                 n_classes);

    size_t *order = malloc(n * sizeof *order);
    size_t *start = malloc((n_classes + 1) * sizeof *start);
    if (order == NULL || start == NULL) {
        free(order);
        free(start);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate the class index of %zu samples", n);
    }
    shuffle_by_class(n, labels, n_classes, rng, order, start);
    for (size_t t = 0; t < n; t++)
        fold[order[t]] = t % n_folds;

    free(order);
    free(start);
    return LNL_OK;
}

lnl_status lnl_estimate_cross_val_proba(const lnl_estimate_problem *problem, size_t n_folds,
                                        lnl_rng *rng, double *P, lnl_error *err)
{
    lnl_status status = check_problem(problem, err);
    if (status != LNL_OK)
        return status;
    if (P == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "probability output is NULL");

    size_t n = problem->n_rows, k = problem->shape.n_classes;
    size_t *fold = malloc(n * sizeof *fold);
    size_t *fit = malloc(n * sizeof *fit);
    size_t *predict = malloc(n * sizeof *predict);
    size_t *rows_buffer = malloc(n * sizeof *rows_buffer);
    int *labels_buffer = malloc(n * sizeof *labels_buffer);
    double *fold_P = malloc(n * k * sizeof *fold_P);
    if (!fold || !fit || !predict || !rows_buffer || !labels_buffer || !fold_P) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "cannot allocate cross-validation buffers for %zu rows", n);
        goto cleanup;
    }

    status = lnl_stratified_folds(n, problem->labels, k, n_folds, rng, fold, err);
    for (size_t f = 0; f < n_folds && status == LNL_OK; f++) {
        size_t n_fit = 0, n_predict = 0;
        for (size_t i = 0; i < n; i++) {
            if (fold[i] == f)
                predict[n_predict++] = i;
            else
                fit[n_fit++] = i;
        }
        status = fit_and_predict(problem, problem->C, fit, n_fit, predict, n_predict,
                                 rows_buffer, labels_buffer, fold_P, err);
        for (size_t t = 0; status == LNL_OK && t < n_predict; t++)
            memcpy(P + predict[t] * k, fold_P + t * k, k * sizeof *P);
    }

cleanup:
    free(fold);
    free(fit);
    free(predict);
    free(rows_buffer);
    free(labels_buffer);
    free(fold_P);
    return status;
}

/* ---- anchor points --------------------------------------------------------- */

static lnl_status check_probabilities(size_t n, size_t n_classes, const double *P,
                                      lnl_error *err)
{
    if (P == NULL || n == 0 || n_classes < 2)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "a transition estimate needs probabilities of n >= 1 samples and "
                             "K >= 2 classes, got n = %zu, K = %zu",
                             n, n_classes);
    for (size_t i = 0; i < n * n_classes; i++)
        if (!(isfinite(P[i]) && P[i] >= 0.0))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "probability P[%zu][%zu] = %g is negative or not finite",
                                 i / n_classes, i % n_classes, P[i]);
    return LNL_OK;
}

/* A sample index with its probability of one class. qsort has no context
 * argument, so the key is copied next to the index. */
typedef struct keyed_index {
    double key;
    size_t index;
} keyed_index;

static int compare_keyed(const void *a, const void *b)
{
    const keyed_index *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    /* Among equal keys the higher ranks hold the lower indices, so the
     * maximum (the highest rank) is the first sample that reaches it. */
    return x->index > y->index ? -1 : x->index < y->index;
}

lnl_status lnl_anchor_transition(size_t n, size_t n_classes, const double *P, double percentile,
                                 double *T, size_t *anchors, lnl_error *err)
{
    lnl_status status = check_probabilities(n, n_classes, P, err);
    if (status != LNL_OK)
        return status;
    if (!(percentile >= 0.0 && percentile <= 100.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "anchor percentile %g is outside [0, 100]", percentile);
    if (T == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "transition output is NULL");

    keyed_index *sorted = malloc(n * sizeof *sorted);
    if (sorted == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate the sort of %zu probabilities", n);

    /* numpy's "higher": the rank ceil(q (n - 1)), rounded at 1e-9 so that
     * q (n - 1) = 440.00000000000006 counts as 440. */
    double position = percentile / 100.0 * (double)(n - 1);
    size_t rank = (size_t)ceil(position - 1e-9);
    if (rank > n - 1)
        rank = n - 1;

    for (size_t i = 0; i < n_classes && status == LNL_OK; i++) {
        for (size_t s = 0; s < n; s++)
            sorted[s] = (keyed_index){P[s * n_classes + i], s};
        qsort(sorted, n, sizeof *sorted, compare_keyed);
        size_t anchor = sorted[rank].index;
        if (anchors != NULL)
            anchors[i] = anchor;

        const double *p = P + anchor * n_classes;
        double sum = 0.0;
        for (size_t j = 0; j < n_classes; j++)
            sum += p[j];
        if (!(sum > 0.0)) {
            status = lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                                   "the anchor of class %zu (sample %zu) has probabilities "
                                   "that sum to 0",
                                   i, anchor);
            break;
        }
        for (size_t j = 0; j < n_classes; j++)
            T[i * n_classes + j] = p[j] / sum;
    }
    free(sorted);
    return status;
}

void lnl_anchor_defaults(lnl_anchor_options *options)
{
    static const double factors[] = {0.01, 0.1, 1.0, 10.0, 100.0};
    options->percentile = 97.0;
    options->holdout = 0.2;
    options->C_factors = factors;
    options->n_C_factors = sizeof factors / sizeof factors[0];
}

/* Mean cross entropy -log P[t][label] of the held-out rows, with each
 * probability floored at the smallest normal double so that a confident
 * mistake costs about 708 instead of infinity. */
static double mean_cross_entropy(const double *P, size_t n_classes, const size_t *held_out,
                                 size_t n_held_out, const int *labels)
{
    double sum = 0.0;
    for (size_t t = 0; t < n_held_out; t++) {
        double p = P[t * n_classes + (size_t)labels[held_out[t]]];
        sum -= log(p > 2.2250738585072014e-308 ? p : 2.2250738585072014e-308);
    }
    return sum / (double)n_held_out;
}

lnl_status lnl_estimate_anchor(const lnl_estimate_problem *problem,
                               const lnl_anchor_options *options, lnl_rng *rng, double *T,
                               double *chosen_C, lnl_error *err)
{
    lnl_status status = check_problem(problem, err);
    if (status != LNL_OK)
        return status;
    if (options == NULL || !(options->holdout > 0.0 && options->holdout < 1.0) ||
        options->C_factors == NULL || options->n_C_factors == 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "anchor estimation needs a holdout fraction in (0, 1) and at "
                             "least one candidate C");
    for (size_t c = 0; c < options->n_C_factors; c++)
        if (!(options->C_factors[c] > 0.0 && isfinite(options->C_factors[c])))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "candidate C factor %g is not a finite number > 0",
                                 options->C_factors[c]);
    if (!(options->percentile >= 0.0 && options->percentile <= 100.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "anchor percentile %g is outside [0, 100]", options->percentile);

    size_t n = problem->n_rows, k = problem->shape.n_classes;
    size_t *order = malloc(n * sizeof *order);
    size_t *start = malloc((k + 1) * sizeof *start);
    size_t *fit = malloc(n * sizeof *fit);
    size_t *held_out = malloc(n * sizeof *held_out);
    size_t *all = malloc(n * sizeof *all);
    size_t *rows_buffer = malloc(n * sizeof *rows_buffer);
    int *labels_buffer = malloc(n * sizeof *labels_buffer);
    double *P = malloc(n * k * sizeof *P);
    if (!order || !start || !fit || !held_out || !all || !rows_buffer || !labels_buffer || !P) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "cannot allocate anchor estimation buffers for %zu rows", n);
        goto cleanup;
    }

    /* The first round(holdout * n_c) shuffled rows of each class are held out. */
    shuffle_by_class(n, problem->labels, k, rng, order, start);
    size_t n_fit = 0, n_held_out = 0;
    for (size_t c = 0; c < k; c++) {
        size_t n_c = start[c + 1] - start[c];
        size_t take = (size_t)floor(options->holdout * (double)n_c + 0.5);
        for (size_t t = 0; t < n_c; t++) {
            if (t < take)
                held_out[n_held_out++] = order[start[c] + t];
            else
                fit[n_fit++] = order[start[c] + t];
        }
    }
    if (n_fit == 0 || n_held_out == 0) {
        status = lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                               "holdout %g of %zu rows leaves %zu rows to fit and %zu to "
                               "choose C; both must be at least 1",
                               options->holdout, n, n_fit, n_held_out);
        goto cleanup;
    }

    double best_C = problem->C, best_loss = INFINITY;
    for (size_t c = 0; c < options->n_C_factors && status == LNL_OK; c++) {
        double C = problem->C * options->C_factors[c];
        status = fit_and_predict(problem, C, fit, n_fit, held_out, n_held_out, rows_buffer,
                                 labels_buffer, P, err);
        if (status != LNL_OK)
            break;
        double loss = mean_cross_entropy(P, k, held_out, n_held_out, problem->labels);
        lnl_log(LNL_LOG_DEBUG, "anchor estimator: C = %g, held-out cross entropy %.6g", C,
                loss);
        if (loss < best_loss) {
            best_loss = loss;
            best_C = C;
        }
    }
    if (status != LNL_OK)
        goto cleanup;
    if (chosen_C != NULL)
        *chosen_C = best_C;

    for (size_t i = 0; i < n; i++)
        all[i] = i;
    status = fit_and_predict(problem, best_C, all, n, all, n, rows_buffer, labels_buffer, P,
                             err);
    if (status == LNL_OK)
        status = lnl_anchor_transition(n, k, P, options->percentile, T, NULL, err);

cleanup:
    free(order);
    free(start);
    free(fit);
    free(held_out);
    free(all);
    free(rows_buffer);
    free(labels_buffer);
    free(P);
    return status;
}

/* ---- confident learning ----------------------------------------------------- */

void lnl_confident_joint_destroy(lnl_confident_joint *joint)
{
    if (joint == NULL)
        return;
    free(joint->thresholds);
    free(joint->counts);
    free(joint->joint);
    free(joint->prior);
    free(joint->transition);
    free(joint->confident_class);
    memset(joint, 0, sizeof *joint);
}

lnl_status lnl_confident_joint_compute(size_t n, size_t n_classes, const double *P,
                                       const int *labels, lnl_confident_joint *out,
                                       lnl_error *err)
{
    if (out == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "confident joint output is NULL");
    memset(out, 0, sizeof *out);
    lnl_status status = check_probabilities(n, n_classes, P, err);
    if (status != LNL_OK)
        return status;
    if (labels == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "noisy labels are NULL");
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= n_classes)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "label %d at position %zu is outside [0, %zu)", labels[i], i,
                                 n_classes);

    size_t k = n_classes;
    out->n_classes = k;
    out->n_samples = n;
    out->thresholds = calloc(k, sizeof *out->thresholds);
    out->counts = calloc(k * k, sizeof *out->counts);
    out->joint = calloc(k * k, sizeof *out->joint);
    out->prior = calloc(k, sizeof *out->prior);
    out->transition = calloc(k * k, sizeof *out->transition);
    out->confident_class = malloc(n * sizeof *out->confident_class);
    size_t *label_counts = calloc(k, sizeof *label_counts);
    if (!out->thresholds || !out->counts || !out->joint || !out->prior || !out->transition ||
        !out->confident_class || !label_counts) {
        free(label_counts);
        lnl_confident_joint_destroy(out);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate the confident joint of %zu samples", n);
    }

    /* thresholds: the mean self-confidence of each noisy class */
    for (size_t i = 0; i < n; i++) {
        size_t label = (size_t)labels[i];
        label_counts[label]++;
        out->thresholds[label] += P[i * k + label];
    }
    for (size_t j = 0; j < k; j++)
        out->thresholds[j] = label_counts[j] > 0 ? out->thresholds[j] / (double)label_counts[j]
                                                 : INFINITY;

    /* the confident joint: the most probable class among those at or above
     * their threshold, lowest index on ties */
    for (size_t i = 0; i < n; i++) {
        const double *p = P + i * k;
        int best = -1;
        for (size_t j = 0; j < k; j++)
            if (p[j] >= out->thresholds[j] && (best < 0 || p[j] > p[best]))
                best = (int)j;
        out->confident_class[i] = best;
        if (best >= 0)
            out->counts[(size_t)labels[i] * k + (size_t)best]++;
    }

    /* calibration: row i scaled to the n_i samples labelled i, then the
     * whole to a sum of 1 */
    for (size_t i = 0; i < k; i++) {
        size_t row_total = 0;
        for (size_t j = 0; j < k; j++)
            row_total += out->counts[i * k + j];
        if (row_total == 0) {
            out->joint[i * k + i] = (double)label_counts[i] / (double)n;
            continue;
        }
        for (size_t j = 0; j < k; j++)
            out->joint[i * k + j] = (double)out->counts[i * k + j] / (double)row_total *
                                    (double)label_counts[i] / (double)n;
    }

    /* prior and T: the columns of Q normalized, transposed to clean rows */
    double diagonal = 0.0;
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < k; i++)
            out->prior[j] += out->joint[i * k + j];
        diagonal += out->joint[j * k + j];
        for (size_t i = 0; i < k; i++)
            out->transition[j * k + i] = out->prior[j] > 0.0
                                             ? out->joint[i * k + j] / out->prior[j]
                                             : (double)(i == j);
    }
    out->noise_rate = 1.0 - diagonal;

    free(label_counts);
    return LNL_OK;
}

lnl_status lnl_estimate_confident(const lnl_estimate_problem *problem, size_t n_folds,
                                  lnl_rng *rng, lnl_confident_joint *out, double *P,
                                  lnl_error *err)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    lnl_status status = check_problem(problem, err);
    if (status != LNL_OK)
        return status;

    size_t n = problem->n_rows, k = problem->shape.n_classes;
    double *probabilities = P;
    if (probabilities == NULL) {
        probabilities = malloc(n * k * sizeof *probabilities);
        if (probabilities == NULL)
            return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                                 "cannot allocate the probabilities of %zu rows", n);
    }
    status = lnl_estimate_cross_val_proba(problem, n_folds, rng, probabilities, err);
    if (status == LNL_OK)
        status = lnl_confident_joint_compute(n, k, probabilities, problem->labels, out, err);
    if (probabilities != P)
        free(probabilities);
    return status;
}
