/* Sample selection: the small-loss filter, the gradual schedule with one
 * model or two (co-teaching), and confident-learning pruning. The contract
 * and the citations are in include/lnl/select.h. */
#include "lnl/select.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/log.h"
#include "lnl/loss.h"
#include "lnl/optim.h"
#include "lnl/transition.h"
#include "loss_correction.h"

/* Standard deviation of the starting weights of the schedule's models. */
static const double start_scale = 0.01;

/* ---- ranking ----------------------------------------------------------------- */

/* A sample's position with its ranking key. qsort has no context argument,
 * so the key is copied next to the position. */
typedef struct ranked {
    double key;
    size_t index;
} ranked;

/* Increasing key, then increasing index: the lower index ranks as smaller. */
static int compare_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Sorts items (n) by key and appends the indices of the n_keep smallest to
 * kept, in increasing index order. */
static void keep_smallest(ranked *items, size_t n, size_t n_keep, size_t *kept)
{
    qsort(items, n, sizeof *items, compare_ranked);
    for (size_t i = 0; i < n_keep; i++)
        kept[i] = items[i].index;
    qsort(kept, n_keep, sizeof *kept, compare_size);
}

size_t lnl_select_drop_count(size_t n, double forget_rate)
{
    if (n == 0)
        return 0;
    double drop = floor(forget_rate * (double)n + 1e-9);
    if (!(drop > 0.0))
        return 0;
    if (drop >= (double)n)
        return n - 1;
    return (size_t)drop;
}

double lnl_select_schedule_rate(int epoch, double forget_rate, int num_gradual,
                                double exponent)
{
    if (epoch <= 0)
        return 0.0;
    double progress = num_gradual >= 1 ? (double)epoch / (double)num_gradual : 1.0;
    if (progress >= 1.0)
        return forget_rate;
    return forget_rate * pow(progress, exponent);
}

static lnl_status check_filter_input(size_t n, const double *losses, double forget_rate,
                                     lnl_error *err)
{
    if (!(forget_rate >= 0.0 && forget_rate <= 1.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "forget rate %g is outside [0, 1]", forget_rate);
    for (size_t i = 0; i < n; i++)
        if (isnan(losses[i]))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "the loss of sample %zu is NaN",
                                 i);
    return LNL_OK;
}

lnl_status lnl_select_small_loss(size_t n, const double *losses, double forget_rate,
                                 size_t *kept, size_t *n_kept, lnl_error *err)
{
    *n_kept = 0;
    lnl_status status = check_filter_input(n, losses, forget_rate, err);
    if (status != LNL_OK || n == 0)
        return status;
    ranked *items = malloc(n * sizeof *items);
    if (items == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate the ranking of %zu samples", n);

    for (size_t i = 0; i < n; i++)
        items[i] = (ranked){losses[i], i};
    *n_kept = n - lnl_select_drop_count(n, forget_rate);
    keep_smallest(items, n, *n_kept, kept);
    free(items);
    return LNL_OK;
}

lnl_status lnl_select_small_loss_per_class(size_t n, const double *losses, const int *labels,
                                           size_t n_classes, double forget_rate, size_t *kept,
                                           size_t *n_kept, lnl_error *err)
{
    *n_kept = 0;
    lnl_status status = check_filter_input(n, losses, forget_rate, err);
    if (status != LNL_OK)
        return status;
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= n_classes)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "label %d of sample %zu is outside [0, %zu)", labels[i], i,
                                 n_classes);
    if (n == 0)
        return LNL_OK;
    ranked *items = malloc(n * sizeof *items);
    if (items == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate the ranking of %zu samples", n);

    /* Each class is ranked on its own and appends its kept indices to
     * those of the previous classes. kept is sorted once at the end. */
    for (size_t c = 0; c < n_classes; c++) {
        size_t n_c = 0;
        for (size_t i = 0; i < n; i++)
            if ((size_t)labels[i] == c)
                items[n_c++] = (ranked){losses[i], i};
        size_t keep = n_c - lnl_select_drop_count(n_c, forget_rate);
        keep_smallest(items, n_c, keep, kept + *n_kept);
        *n_kept += keep;
    }
    qsort(kept, *n_kept, sizeof *kept, compare_size);
    free(items);
    return LNL_OK;
}

/* Cross entropy -log p_y of n rows into losses, with logits (n x K) and
 * row (K) as scratch. */
static lnl_status cross_entropy_into(const lnl_linear_shape *shape, const double *theta,
                                     const lnl_dataset *data, const size_t *rows, size_t n,
                                     const int *labels, const lnl_standardizer *standardizer,
                                     double *logits, double *row, double *losses,
                                     lnl_error *err)
{
    size_t k = shape->n_classes;
    lnl_status status =
        lnl_linear_logits(shape, theta, data, rows, n, standardizer, logits, err);
    if (status != LNL_OK)
        return status;
    for (size_t i = 0; i < n; i++) {
        lnl_log_softmax(1, k, logits + i * k, row);
        losses[i] = -row[labels[i]];
        if (!isfinite(losses[i]))
            return lnl_error_set(err, LNL_ERR_NUMERIC, NULL, 0,
                                 "the cross entropy of row %zu is %g, not a finite number",
                                 rows[i], losses[i]);
    }
    return LNL_OK;
}

lnl_status lnl_select_cross_entropy(const lnl_linear_shape *shape, const double *theta,
                                    const lnl_dataset *data, const size_t *rows, size_t n_rows,
                                    const int *labels, const lnl_standardizer *standardizer,
                                    double *losses, lnl_error *err)
{
    size_t k = shape->n_classes;
    double *logits = malloc((n_rows * k + 1) * sizeof *logits);
    double *row = malloc(k * sizeof *row);
    lnl_status status = LNL_OK;
    if (logits == NULL || row == NULL)
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu logits",
                               n_rows * k);
    else
        status = cross_entropy_into(shape, theta, data, rows, n_rows, labels, standardizer,
                                    logits, row, losses, err);
    free(logits);
    free(row);
    return status;
}

void lnl_select_label_metrics(size_t n, const int *labels, const int *clean_labels,
                              const size_t *kept, size_t n_kept, lnl_label_metrics *out)
{
    out->n_kept = kept == NULL ? n : n_kept;
    out->precision = NAN;
    out->recall = NAN;
    if (clean_labels == NULL)
        return;

    size_t n_clean = 0, n_clean_kept = 0;
    for (size_t i = 0; i < n; i++)
        n_clean += labels[i] == clean_labels[i];
    if (kept == NULL) {
        n_clean_kept = n_clean;
    } else {
        for (size_t i = 0; i < n_kept; i++)
            n_clean_kept += labels[kept[i]] == clean_labels[kept[i]];
    }
    if (out->n_kept > 0)
        out->precision = (double)n_clean_kept / (double)out->n_kept;
    if (n_clean > 0)
        out->recall = (double)n_clean_kept / (double)n_clean;
}

/* ---- confident learning ------------------------------------------------------- */

lnl_status lnl_select_confident_prune(size_t n, size_t n_classes, const double *P,
                                      const int *labels, const lnl_confident_joint *joint,
                                      bool *flagged, size_t *n_flagged, lnl_error *err)
{
    *n_flagged = 0;
    size_t k = n_classes;
    if (joint == NULL || joint->joint == NULL || joint->n_classes != k ||
        joint->n_samples != n || P == NULL || labels == NULL || k < 2)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "confident pruning needs the confident joint of the same %zu "
                             "samples and %zu classes",
                             n, k);
    for (size_t s = 0; s < n; s++)
        if (labels[s] < 0 || (size_t)labels[s] >= k)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "label %d of sample %zu is outside [0, %zu)", labels[s], s, k);

    ranked *items = malloc((n + 1) * sizeof *items);
    size_t *counts = malloc(k * sizeof *counts);
    if (items == NULL || counts == NULL) {
        free(items);
        free(counts);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate the pruning of %zu samples", n);
    }
    memset(flagged, 0, n * sizeof *flagged);

    for (size_t i = 0; i < k; i++) {
        size_t n_i = 0;
        for (size_t s = 0; s < n; s++)
            n_i += (size_t)labels[s] == i;

        /* m_ij = round(n Q[i][j]), scaled down when class i would empty */
        size_t total = 0;
        for (size_t j = 0; j < k; j++) {
            double expected = (double)n * joint->joint[i * k + j];
            counts[j] = j == i || !(expected > 0.0) ? 0 : (size_t)floor(expected + 0.5);
            total += counts[j];
        }
        size_t limit = n_i > 0 ? n_i - 1 : 0;
        if (total > limit)
            for (size_t j = 0; j < k; j++)
                counts[j] = (size_t)floor((double)counts[j] * (double)limit / (double)total);

        /* The largest margins sort last; among equal margins the higher
         * index sorts later, so it is flagged first. */
        for (size_t j = 0; j < k; j++) {
            if (counts[j] == 0)
                continue;
            size_t m = 0;
            for (size_t s = 0; s < n; s++)
                if ((size_t)labels[s] == i)
                    items[m++] = (ranked){P[s * k + j] - P[s * k + i], s};
            qsort(items, m, sizeof *items, compare_ranked);
            for (size_t t = 0; t < counts[j] && t < m; t++)
                flagged[items[m - 1 - t].index] = true;
        }
    }
    for (size_t s = 0; s < n; s++)
        *n_flagged += flagged[s];
    free(items);
    free(counts);
    return LNL_OK;
}

/* ---- the noise rate of a transition matrix -------------------------------------- */

lnl_status lnl_select_noise_rate(size_t n_classes, const double *T, size_t n, const int *labels,
                                 double *rate, lnl_error *err)
{
    size_t k = n_classes;
    if (n == 0 || k < 2 || T == NULL || labels == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "a noise rate needs n >= 1 labels and K >= 2 classes, got n = %zu, "
                             "K = %zu",
                             n, k);
    for (size_t e = 0; e < k * k; e++)
        if (!(T[e] >= 0.0 && T[e] <= 1.0))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "T[%zu][%zu] = %g is outside [0, 1]", e / k, e % k, T[e]);
    for (size_t s = 0; s < n; s++)
        if (labels[s] < 0 || (size_t)labels[s] >= k)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "label %d of sample %zu is outside [0, %zu)", labels[s], s, k);

    double *noisy = calloc(k, sizeof *noisy);
    double *prior = calloc(k, sizeof *prior);
    double *inverse = malloc(k * k * sizeof *inverse);
    if (noisy == NULL || prior == NULL || inverse == NULL) {
        free(noisy);
        free(prior);
        free(inverse);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "cannot allocate a %zu x %zu matrix",
                             k, k);
    }
    for (size_t s = 0; s < n; s++)
        noisy[labels[s]] += 1.0 / (double)n;

    /* prior^T = q^T T^-1 clipped at 0, or q itself when T cannot be inverted */
    lnl_error local;
    lnl_error_clear(&local);
    lnl_status status =
        lnl_transition_invert(k, T, LNL_TRANSITION_MIN_RCOND, inverse, NULL, &local);
    double sum = 0.0;
    if (status == LNL_OK) {
        for (size_t i = 0; i < k; i++) {
            for (size_t j = 0; j < k; j++)
                prior[i] += noisy[j] * inverse[j * k + i];
            prior[i] = prior[i] > 0.0 ? prior[i] : 0.0;
            sum += prior[i];
        }
    } else if (status == LNL_ERR_NOMEM) {
        free(noisy);
        free(prior);
        free(inverse);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "%s", local.message);
    }
    if (!(sum > 0.0)) {
        memcpy(prior, noisy, k * sizeof *prior);
        sum = 1.0;
    }

    *rate = 0.0;
    for (size_t i = 0; i < k; i++)
        *rate += prior[i] / sum * (1.0 - T[i * k + i]);
    free(noisy);
    free(prior);
    free(inverse);
    return LNL_OK;
}

/* ---- the gradual schedule, with one model or two ------------------------------- */

/* One model of the schedule, unpacked from lnl_sgd's parameter vector. */
typedef struct schedule_model {
    double *theta;         /* n_params */
    double *gradient;      /* n_params: of the last evaluation, without weight decay */
    size_t *kept;          /* n: positions kept for this model at the last full evaluation */
    size_t n_kept;
    double f;              /* scaled objective of the last full evaluation */
} schedule_model;

/* lnl_sgd optimizes both models as one vector x = [W_0, W_1, b_0, b_1],
 * each W the n_logits x d weights and each b the n_logits intercepts, so
 * that the weights form the prefix that weight decay applies to. Per
 * coordinate the update rules do not mix coordinates, so this is the same
 * as two optimizers with the same options. */
typedef struct schedule_context {
    const lnl_linear_problem *problem;  /* every training row, the method's loss and C */
    const lnl_schedule_options *options;
    size_t n_models;
    size_t n_weights, n_params;         /* per model */
    schedule_model models[2];
    size_t *peer_order;    /* n: the second model's position for each of the first's */
    size_t *all;           /* n: 0..n-1 */
    int epoch;             /* completed epochs */
    double rate;           /* R(epoch) */
    lnl_linear_workspace workspace;
    /* scratch, n entries each (logits n x K, row K) */
    size_t *peer_batch;
    size_t *rows;
    int *labels;
    size_t *kept;
    double *losses;
    double *logits;
    double *row;
    ranked *ranking;
    const char *name;
} schedule_context;

static void unpack_parameters(schedule_context *c, const double *x)
{
    size_t weights = c->n_weights, intercepts = c->n_params - c->n_weights;
    for (size_t m = 0; m < c->n_models; m++) {
        memcpy(c->models[m].theta, x + m * weights, weights * sizeof *x);
        memcpy(c->models[m].theta + weights, x + c->n_models * weights + m * intercepts,
               intercepts * sizeof *x);
    }
}

/* Writes model m's part of the stacked vector x from theta. */
static void pack_model(const schedule_context *c, size_t m, const double *theta, double *x)
{
    size_t weights = c->n_weights, intercepts = c->n_params - c->n_weights;
    memcpy(x + m * weights, theta, weights * sizeof *x);
    memcpy(x + c->n_models * weights + m * intercepts, theta + weights,
           intercepts * sizeof *x);
}

/* Ranks the samples at positions[0..count) by the cross entropy under the
 * model that chooses for model m (the other one in co-teaching), keeps
 * the smallest count - drop(count, R) and evaluates model m on them: the
 * mean loss over the kept samples plus ||W||^2 / (2 C n), as in method.c's
 * batch objective. kept_out (may be NULL) receives the kept positions. */
static lnl_status selected_objective(schedule_context *c, size_t m, const size_t *positions,
                                     size_t count, double *f, size_t *kept_out,
                                     size_t *n_kept_out, lnl_error *err)
{
    const lnl_linear_problem *full = c->problem;
    size_t chooser = c->options->coteaching ? 1 - m : m;
    for (size_t i = 0; i < count; i++) {
        c->rows[i] = full->rows[positions[i]];
        c->labels[i] = full->labels[positions[i]];
    }
    lnl_status status = cross_entropy_into(&full->shape, c->models[chooser].theta, full->data,
                                           c->rows, count, c->labels, full->standardizer,
                                           c->logits, c->row, c->losses, err);
    if (status != LNL_OK)
        return status;

    for (size_t i = 0; i < count; i++)
        c->ranking[i] = (ranked){c->losses[i], positions[i]};
    size_t n_keep = count - lnl_select_drop_count(count, c->rate);
    keep_smallest(c->ranking, count, n_keep, c->kept);
    for (size_t i = 0; i < n_keep; i++) {
        c->rows[i] = full->rows[c->kept[i]];
        c->labels[i] = full->labels[c->kept[i]];
    }

    lnl_linear_problem problem = *full;
    problem.rows = c->rows;
    problem.labels = c->labels;
    problem.n_rows = n_keep;
    problem.sample_weights = NULL;
    problem.C = full->C * (double)full->n_rows / (double)n_keep;
    double *gradient = c->models[m].gradient;
    status = lnl_linear_objective(&problem, c->models[m].theta, f, gradient, &c->workspace, err);
    if (status != LNL_OK)
        return status;

    double scale = 1.0 / (full->C * (double)full->n_rows);
    *f *= scale;
    for (size_t j = 0; j < c->n_params; j++)
        gradient[j] *= scale;
    if (kept_out != NULL) {
        memcpy(kept_out, c->kept, n_keep * sizeof *kept_out);
        *n_kept_out = n_keep;
    }
    return LNL_OK;
}

/* lnl_batch_objective_fn: each model on its batch, the second model's
 * batch being the first's mapped through peer_order. */
static lnl_status schedule_batch(void *context, const double *x, const size_t *batch,
                                 size_t batch_size, double *f, double *gradient, lnl_error *err)
{
    schedule_context *c = context;
    unpack_parameters(c, x);
    *f = 0.0;
    for (size_t m = 0; m < c->n_models; m++) {
        const size_t *positions = batch;
        if (m == 1) {
            for (size_t i = 0; i < batch_size; i++)
                c->peer_batch[i] = c->peer_order[batch[i]];
            positions = c->peer_batch;
        }
        double f_model;
        lnl_status status =
            selected_objective(c, m, positions, batch_size, &f_model, NULL, NULL, err);
        if (status != LNL_OK)
            return status;
        *f += f_model;
        pack_model(c, m, c->models[m].gradient, gradient);
    }
    return LNL_OK;
}

/* lnl_objective_fn: each model over all rows at the current rate. */
static lnl_status schedule_full(void *context, const double *x, double *f, double *gradient,
                                lnl_error *err)
{
    schedule_context *c = context;
    size_t n = c->problem->n_rows;
    unpack_parameters(c, x);
    *f = 0.0;
    for (size_t m = 0; m < c->n_models; m++) {
        schedule_model *model = &c->models[m];
        lnl_status status =
            selected_objective(c, m, c->all, n, &model->f, model->kept, &model->n_kept, err);
        if (status != LNL_OK)
            return status;
        *f += model->f;
        pack_model(c, m, model->gradient, gradient);
    }
    return LNL_OK;
}

/* lnl_progress_fn: moves the schedule to the next epoch. */
static void schedule_progress(void *context, int epoch, double f, double gradient_norm,
                              double step)
{
    schedule_context *c = context;
    lnl_log(LNL_LOG_DEBUG, "%s: epoch %d: f = %.17g, |g|_inf = %.3g, lr = %.3g, kept %zu of %zu",
            c->name, epoch, f, gradient_norm, step, c->models[0].n_kept, c->problem->n_rows);
    c->epoch = epoch;
    c->rate = lnl_select_schedule_rate(epoch, c->options->forget_rate, c->options->num_gradual,
                                       c->options->exponent);
}

static void schedule_context_destroy(schedule_context *c)
{
    for (size_t m = 0; m < 2; m++) {
        free(c->models[m].theta);
        free(c->models[m].gradient);
        free(c->models[m].kept);
    }
    free(c->peer_order);
    free(c->all);
    free(c->peer_batch);
    free(c->rows);
    free(c->labels);
    free(c->kept);
    free(c->losses);
    free(c->logits);
    free(c->row);
    free(c->ranking);
    lnl_linear_workspace_destroy(&c->workspace);
}

static lnl_status schedule_context_create(const lnl_linear_problem *problem,
                                          const lnl_schedule_options *options,
                                          schedule_context *c, lnl_error *err)
{
    memset(c, 0, sizeof *c);
    size_t n = problem->n_rows, k = problem->shape.n_classes;
    c->problem = problem;
    c->options = options;
    c->n_models = options->coteaching ? 2 : 1;
    c->n_params = lnl_linear_n_params(&problem->shape);
    c->n_weights = lnl_linear_n_logits(&problem->shape) * problem->shape.n_features;

    bool failed = false;
    for (size_t m = 0; m < c->n_models; m++) {
        c->models[m].theta = calloc(c->n_params, sizeof(double));
        c->models[m].gradient = calloc(c->n_params, sizeof(double));
        c->models[m].kept = malloc(n * sizeof(size_t));
        failed |= !c->models[m].theta || !c->models[m].gradient || !c->models[m].kept;
    }
    c->peer_order = malloc(n * sizeof(size_t));
    c->all = malloc(n * sizeof(size_t));
    c->peer_batch = malloc(n * sizeof(size_t));
    c->rows = malloc(n * sizeof(size_t));
    c->labels = malloc(n * sizeof(int));
    c->kept = malloc(n * sizeof(size_t));
    c->losses = malloc(n * sizeof(double));
    c->logits = malloc(n * k * sizeof(double));
    c->row = malloc(k * sizeof(double));
    c->ranking = malloc(n * sizeof(ranked));
    failed |= !c->peer_order || !c->all || !c->peer_batch || !c->rows || !c->labels ||
              !c->kept || !c->losses || !c->logits || !c->row || !c->ranking;
    if (failed) {
        schedule_context_destroy(c);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate the selection buffers of %zu rows", n);
    }
    lnl_status status = lnl_linear_workspace_create(&problem->shape, &c->workspace, err);
    if (status != LNL_OK) {
        schedule_context_destroy(c);
        return status;
    }
    for (size_t i = 0; i < n; i++)
        c->all[i] = i;
    return LNL_OK;
}

/* Draws the starting weights from N(0, start_scale^2); intercepts stay 0. */
static void draw_start(lnl_rng *rng, size_t n_weights, double *theta)
{
    for (size_t j = 0; j < n_weights; j++)
        theta[j] = start_scale * lnl_rng_normal(rng);
}

void lnl_schedule_options_from_spec(const lnl_method_spec *spec, lnl_schedule_options *options)
{
    memset(options, 0, sizeof *options);
    options->forget_rate = spec->forget_rate;
    options->num_gradual = spec->num_gradual;
    options->exponent = spec->exponent;
    options->coteaching = spec->filter == LNL_FILTER_COTEACHING;
}

static lnl_status check_schedule(const lnl_method_spec *spec, const lnl_fit_input *input,
                                 const lnl_schedule_options *options, lnl_error *err)
{
    if (strcmp(spec->optimizer, "sgd") != 0 && strcmp(spec->optimizer, "adam") != 0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": the gradual schedule trains by mini-batches and "
                             "needs optimizer = sgd or adam, not %s",
                             spec->name, spec->optimizer);
    if (spec->init != LNL_INIT_ZERO)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": the gradual schedule draws its own start and "
                             "does not take init = ce",
                             spec->name);
    if (!(options->forget_rate >= 0.0 && options->forget_rate <= 1.0) ||
        options->num_gradual < 1 || !(options->exponent > 0.0 && isfinite(options->exponent)))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": the schedule needs forget_rate in [0, 1], "
                             "num_gradual >= 1 and exponent > 0, got %g, %d and %g",
                             spec->name, options->forget_rate, options->num_gradual,
                             options->exponent);
    if (input->n_rows == 0 || !(spec->C > 0.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": the schedule needs training rows and C > 0",
                             spec->name);
    return LNL_OK;
}

/* Scales the first model's objective and gradient norm, with weight
 * decay, back to the f of lnl_method_fit. */
static void report_first_model(const schedule_context *c, const lnl_sgd_options *sgd,
                               lnl_optim_result *result)
{
    const schedule_model *model = &c->models[0];
    double f = model->f, norm = 0.0;
    for (size_t j = 0; j < c->n_params; j++) {
        double g = model->gradient[j];
        if (j < c->n_weights) {
            f += 0.5 * sgd->weight_decay * model->theta[j] * model->theta[j];
            g += sgd->weight_decay * model->theta[j];
        }
        norm = fabs(g) > norm ? fabs(g) : norm;
    }
    double scale = c->problem->C * (double)c->problem->n_rows;
    result->f = f * scale;
    result->gradient_norm = norm * scale;
}

lnl_status lnl_select_schedule_fit(const lnl_method_spec *spec, const lnl_fit_input *input,
                                   const lnl_schedule_options *options,
                                   lnl_fit_output *output, lnl_error *err)
{
    memset(output, 0, sizeof *output);
    output->transition_error_max = NAN;
    output->transition_error_frobenius = NAN;
    output->forget_rate = NAN;
    lnl_status status = check_schedule(spec, input, options, err);
    if (status == LNL_OK)
        status = lnl_method_shape(spec, input->data->n_features, input->n_classes,
                                  &output->shape, err);
    lnl_loss loss;
    if (status == LNL_OK)
        status = lnl_method_loss(spec, input->n_classes, &loss, err);
    if (status != LNL_OK)
        return status;

    /* Corrected losses read T (and T^-1), found as for a fit without a filter. */
    lnl_correction correction = {0};
    if (loss.info->parameters & (LNL_LOSS_PARAM_TRANSITION | LNL_LOSS_PARAM_TRANSITION_INVERSE)) {
        status = lnl_correction_prepare(spec, loss.info, input, &output->shape, &correction, err);
        if (status != LNL_OK)
            return status;
        loss.params.T = correction.T;
        loss.params.T_inverse = correction.T_inverse;
    }

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
    schedule_context context;
    status = schedule_context_create(&problem, options, &context, err);
    if (status != LNL_OK) {
        lnl_correction_destroy(&correction);
        return status;
    }
    context.name = spec->name;

    size_t n = input->n_rows, n_params = context.n_params;
    double *x = calloc(context.n_models * n_params, sizeof *x);
    output->theta = malloc(n_params * sizeof *output->theta);
    if (x == NULL || output->theta == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0, "out of memory for %zu parameters",
                               context.n_models * n_params);
        goto cleanup;
    }

    /* The draws of the first model come from input->rng whether or not a
     * second model exists, so both forms start and shuffle alike. */
    lnl_rng peer;
    lnl_rng_seed(&peer, LNL_RNG_DEFAULT, lnl_rng_next_u64(input->rng));
    draw_start(input->rng, context.n_weights, context.models[0].theta);
    for (size_t i = 0; i < n; i++)
        context.peer_order[i] = i;
    if (context.n_models == 2) {
        if (options->same_start)
            memcpy(context.models[1].theta, context.models[0].theta, n_params * sizeof *x);
        else
            draw_start(&peer, context.n_weights, context.models[1].theta);
        if (!options->same_order)
            lnl_rng_permutation(&peer, context.peer_order, n);
    }
    for (size_t m = 0; m < context.n_models; m++)
        pack_model(&context, m, context.models[m].theta, x);

    lnl_sgd_options sgd;
    lnl_method_sgd_options(spec, &output->shape, &sgd);
    sgd.n_decayed = context.n_models * context.n_weights;
    sgd.progress = schedule_progress;
    sgd.progress_context = &context;
    status = lnl_sgd(schedule_full, schedule_batch, &context, context.n_models * n_params, x, n,
                     input->rng, &sgd, &output->optim, err);
    if (status != LNL_OK)
        goto cleanup;

    /* lnl_sgd ends on a full evaluation at the final x, so the models hold
     * its parameters, gradients and kept samples. */
    report_first_model(&context, &sgd, &output->optim);
    memcpy(output->theta, context.models[0].theta, n_params * sizeof *x);
    if (context.n_models == 2 && options->second_theta != NULL)
        memcpy(options->second_theta, context.models[1].theta, n_params * sizeof *x);
    lnl_label_metrics metrics;
    lnl_select_label_metrics(n, input->labels, input->clean_labels, context.models[0].kept,
                             context.models[0].n_kept, &metrics);
    output->n_kept = metrics.n_kept;
    output->label_precision = metrics.precision;
    output->label_recall = metrics.recall;
    output->forget_rate = options->forget_rate;
    output->transition = correction.T;
    output->transition_error_max = correction.error_max;
    output->transition_error_frobenius = correction.error_frobenius;
    correction.T = NULL;

cleanup:
    free(x);
    schedule_context_destroy(&context);
    lnl_correction_destroy(&correction);
    if (status != LNL_OK)
        lnl_fit_output_destroy(output);
    return status;
}

/* ---- filter, then retrain --------------------------------------------------------- */

/* The rows, labels and clean labels of the kept positions, as a fit input. */
typedef struct subset {
    size_t *rows;
    int *labels;
    int *clean;
} subset;

static void subset_destroy(subset *s)
{
    free(s->rows);
    free(s->labels);
    free(s->clean);
}

static lnl_status subset_create(size_t n, subset *s, lnl_error *err)
{
    s->rows = malloc((n + 1) * sizeof *s->rows);
    s->labels = malloc((n + 1) * sizeof *s->labels);
    s->clean = malloc((n + 1) * sizeof *s->clean);
    if (s->rows == NULL || s->labels == NULL || s->clean == NULL) {
        subset_destroy(s);
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate the row list of %zu samples", n);
    }
    return LNL_OK;
}

/* Points sub at input's kept positions kept[0..n_kept). */
static void subset_fill(const lnl_fit_input *input, const size_t *kept, size_t n_kept,
                        subset *s, lnl_fit_input *sub)
{
    for (size_t i = 0; i < n_kept; i++) {
        s->rows[i] = input->rows[kept[i]];
        s->labels[i] = input->labels[kept[i]];
        if (input->clean_labels != NULL)
            s->clean[i] = input->clean_labels[kept[i]];
    }
    *sub = *input;
    sub->rows = s->rows;
    sub->n_rows = n_kept;
    sub->labels = s->labels;
    sub->clean_labels = input->clean_labels != NULL ? s->clean : NULL;
}

static void set_label_metrics(const lnl_fit_input *input, const size_t *kept, size_t n_kept,
                              lnl_fit_output *output)
{
    lnl_label_metrics metrics;
    lnl_select_label_metrics(input->n_rows, input->labels, input->clean_labels, kept, n_kept,
                             &metrics);
    output->n_kept = metrics.n_kept;
    output->label_precision = metrics.precision;
    output->label_recall = metrics.recall;
}

/* Marks the result as not converged when an earlier fit of the rounds did
 * not converge, naming that fit. */
static void note_earlier_fit(const lnl_optim_result *earlier, int fit, int n_fits,
                             lnl_optim_result *result)
{
    char reason[sizeof result->reason];
    snprintf(reason, sizeof reason, "fit %d of %d: %.60s", fit, n_fits, earlier->reason);
    memcpy(result->reason, reason, sizeof reason);
    result->converged = false;
}

static lnl_status fit_filter_retrain(const lnl_method_spec *spec, const lnl_method_spec *inner,
                                     const lnl_fit_input *input, double forget_rate,
                                     lnl_fit_output *output, lnl_error *err)
{
    size_t n = input->n_rows;
    double *losses = malloc((n + 1) * sizeof *losses);
    size_t *kept = malloc((n + 1) * sizeof *kept);
    subset s = {0};
    lnl_status status = subset_create(n, &s, err);
    if (status == LNL_OK && (losses == NULL || kept == NULL))
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "cannot allocate the losses of %zu samples", n);
    if (status != LNL_OK) {
        free(losses);
        free(kept);
        subset_destroy(&s);
        memset(output, 0, sizeof *output);
        return status;
    }

    int n_fits = spec->rounds + 1;
    lnl_optim_result earlier = {0};
    int earlier_fit = 0;
    size_t n_kept = n;
    status = lnl_method_fit(inner, input, output, err);
    for (int round = 1; status == LNL_OK && round <= spec->rounds; round++) {
        if (!output->optim.converged && earlier_fit == 0) {
            earlier = output->optim;
            earlier_fit = round;
        }
        status = lnl_select_cross_entropy(&output->shape, output->theta, input->data,
                                          input->rows, n, input->labels, input->standardizer,
                                          losses, err);
        if (status == LNL_OK && spec->per_class)
            status = lnl_select_small_loss_per_class(n, losses, input->labels, input->n_classes,
                                                     forget_rate, kept, &n_kept, err);
        else if (status == LNL_OK)
            status = lnl_select_small_loss(n, losses, forget_rate, kept, &n_kept, err);
        if (status != LNL_OK)
            break;

        lnl_fit_input sub;
        subset_fill(input, kept, n_kept, &s, &sub);
        lnl_fit_output next;
        status = lnl_method_fit(inner, &sub, &next, err);
        lnl_fit_output_destroy(output);
        *output = next;
    }

    if (status == LNL_OK) {
        set_label_metrics(input, spec->rounds > 0 ? kept : NULL, n_kept, output);
        output->forget_rate = forget_rate;
        if (earlier_fit > 0 && output->optim.converged)
            note_earlier_fit(&earlier, earlier_fit, n_fits, &output->optim);
    }
    free(losses);
    free(kept);
    subset_destroy(&s);
    return status;
}

/* ---- confident learning, then retrain ---------------------------------------------- */

/* Seeds the stream of the cross-validation folds from an FNV-1a hash of
 * n_rows, the rows and the labels, as src/loss_correction.c does for
 * transition = confident. So every method of a cell gets the same folds,
 * and the confident joint equals the one behind transition = confident. */
static void seed_fold_stream(const lnl_fit_input *input, lnl_rng *rng)
{
    uint64_t hash = 14695981039346656037ULL;
    const uint64_t prime = 1099511628211ULL;
    const unsigned char *bytes = (const unsigned char *)&input->n_rows;
    for (size_t b = 0; b < sizeof input->n_rows; b++)
        hash = (hash ^ bytes[b]) * prime;
    bytes = (const unsigned char *)input->rows;
    for (size_t b = 0; b < input->n_rows * sizeof *input->rows; b++)
        hash = (hash ^ bytes[b]) * prime;
    bytes = (const unsigned char *)input->labels;
    for (size_t b = 0; b < input->n_rows * sizeof *input->labels; b++)
        hash = (hash ^ bytes[b]) * prime;
    lnl_rng_seed(rng, LNL_RNG_DEFAULT, hash);
}

/* reweight divides by T[k][k] = P(noisy = k | clean = k), floored at 1e-3,
 * as CleanLearning.fit in cleanlab/classification.py does. */
static const double min_diagonal = 1e-3;

static lnl_status fit_confident(const lnl_method_spec *spec, const lnl_method_spec *inner,
                                const lnl_fit_input *input, lnl_fit_output *output,
                                lnl_error *err)
{
    memset(output, 0, sizeof *output);
    size_t n = input->n_rows, k = input->n_classes;
    lnl_linear_shape shape;
    lnl_status status = lnl_method_shape(spec, input->data->n_features, k, &shape, err);
    if (status != LNL_OK)
        return status;
    lnl_estimate_problem problem = {
        .shape = shape,
        .data = input->data,
        .rows = input->rows,
        .n_rows = n,
        .labels = input->labels,
        .standardizer = input->standardizer,
        .C = spec->C,
        .max_iter = spec->max_iter,
        .tol = spec->tol,
    };

    double *P = malloc((n * k + 1) * sizeof *P);
    bool *flagged = malloc((n + 1) * sizeof *flagged);
    size_t *kept = malloc((n + 1) * sizeof *kept);
    double *weights = malloc((n + 1) * sizeof *weights);
    subset s = {0};
    lnl_confident_joint joint = {0};
    status = subset_create(n, &s, err);
    if (status == LNL_OK && (!P || !flagged || !kept || !weights))
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "cannot allocate confident learning buffers for %zu rows", n);
    lnl_rng folds;
    seed_fold_stream(input, &folds);
    if (status == LNL_OK)
        status = lnl_estimate_confident(&problem, (size_t)spec->folds, &folds, &joint, P, err);
    size_t n_flagged = 0;
    if (status == LNL_OK)
        status = lnl_select_confident_prune(n, k, P, input->labels, &joint, flagged, &n_flagged,
                                            err);
    if (status != LNL_OK)
        goto cleanup;

    size_t n_kept = 0;
    for (size_t i = 0; i < n; i++)
        if (!flagged[i])
            kept[n_kept++] = i;
    for (size_t i = 0; i < n_kept; i++) {
        size_t label = (size_t)input->labels[kept[i]];
        double diagonal = joint.transition[label * k + label];
        weights[i] = 1.0 / (diagonal > min_diagonal ? diagonal : min_diagonal);
    }
    lnl_log(LNL_LOG_DEBUG, "%s: confident learning flags %zu of %zu samples, noise rate %.4f",
            spec->name, n_flagged, n, joint.noise_rate);

    lnl_fit_input sub;
    subset_fill(input, kept, n_kept, &s, &sub);
    status = lnl_method_fit_weighted(inner, &sub, spec->reweight ? weights : NULL, output, err);
    if (status == LNL_OK)
        set_label_metrics(input, kept, n_kept, output);

cleanup:
    free(P);
    free(flagged);
    free(kept);
    free(weights);
    subset_destroy(&s);
    lnl_confident_joint_destroy(&joint);
    return status;
}

/* ---- the entry point ---------------------------------------------------------------- */

/* forget_rate = auto: the noise rate of the T that the method's transition
 * key gives, the one a corrected loss would use. */
static lnl_status estimate_forget_rate(const lnl_method_spec *spec, const lnl_fit_input *input,
                                       double *rate, lnl_error *err)
{
    if (spec->transition == LNL_TRANSITION_NONE)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": forget_rate = auto estimates the noise rate from a "
                             "transition matrix; set transition = known, anchor, confident or "
                             "a file",
                             spec->name);
    lnl_linear_shape shape;
    lnl_status status =
        lnl_method_shape(spec, input->data->n_features, input->n_classes, &shape, err);
    if (status != LNL_OK)
        return status;
    lnl_correction correction;
    status = lnl_correction_prepare(spec, lnl_loss_lookup("ce"), input, &shape, &correction, err);
    if (status != LNL_OK)
        return status;
    status = lnl_select_noise_rate(input->n_classes, correction.T, input->n_rows, input->labels,
                                   rate, err);
    lnl_correction_destroy(&correction);
    if (status == LNL_OK)
        lnl_log(LNL_LOG_DEBUG, "%s: forget_rate = auto is %.6f", spec->name, *rate);
    return status;
}

lnl_status lnl_select_fit(const lnl_method_spec *spec, const lnl_fit_input *input,
                          lnl_fit_output *output, lnl_error *err)
{
    memset(output, 0, sizeof *output);
    if (spec->filter == LNL_FILTER_NONE)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\" has no filter to select samples with", spec->name);
    lnl_method_spec inner = *spec;
    inner.filter = LNL_FILTER_NONE;

    if (spec->filter == LNL_FILTER_CONFIDENT)
        return fit_confident(spec, &inner, input, output, err);
    if (spec->filter != LNL_FILTER_SMALL_LOSS && spec->filter != LNL_FILTER_COTEACHING)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "method \"%s\": unknown filter %d",
                             spec->name, (int)spec->filter);

    double forget_rate = spec->forget_rate;
    lnl_status status = LNL_OK;
    if (spec->forget_rate_auto)
        status = estimate_forget_rate(spec, input, &forget_rate, err);
    if (status != LNL_OK)
        return status;
    if (!(forget_rate >= 0.0 && forget_rate <= 1.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "method \"%s\": forget_rate = %g is outside [0, 1]", spec->name,
                             forget_rate);

    if (spec->filter == LNL_FILTER_SMALL_LOSS && spec->schedule == LNL_SCHEDULE_NONE) {
        if (spec->rounds < 1)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "method \"%s\": rounds = %d must be at least 1", spec->name,
                                 spec->rounds);
        return fit_filter_retrain(spec, &inner, input, forget_rate, output, err);
    }
    lnl_schedule_options options;
    lnl_schedule_options_from_spec(spec, &options);
    options.forget_rate = forget_rate;
    return lnl_select_schedule_fit(spec, input, &options, output, err);
}
