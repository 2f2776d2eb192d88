#include "lnl/noise.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A transition-matrix row may differ from 1 by this much before it is rejected. */
static const double row_sum_tolerance = 1e-9;

/* Largest-remainder ranking compares the fractional parts of the quotas after
 * rounding them to this many steps per unit (9 decimals). For classes of up to
 * 10^6 samples the representation error in n_c * T[c][j] is about 1e-10, a
 * tenth of a step. So remainders that are equal in exact arithmetic, such as
 * 0.5 and 5 * (1 - 0.7) - 1, compare equal unless they lie that close to a half step. */
static const double remainder_steps = 1e9;

static lnl_status check_matrix(const double *matrix, size_t n_classes, lnl_error *err)
{
    if (matrix == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "matrix noise requires a %zu x %zu transition matrix, got NULL",
                             n_classes, n_classes);

    for (size_t i = 0; i < n_classes; i++) {
        const double *row = matrix + i * n_classes;
        double sum = 0.0;

        for (size_t j = 0; j < n_classes; j++) {
            if (isnan(row[j]))
                return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                     "noise matrix row %zu has a NaN entry in column %zu",
                                     i, j);
            if (row[j] < 0.0)
                return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                     "noise matrix row %zu has a negative entry %g in "
                                     "column %zu; probabilities must be non-negative",
                                     i, row[j], j);
            sum += row[j];
        }

        if (!(fabs(sum - 1.0) <= row_sum_tolerance))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "noise matrix row %zu sums to %.12g; each row must sum to 1 "
                                 "within %g",
                                 i, sum, row_sum_tolerance);
    }
    return LNL_OK;
}

static lnl_status check_class_conditional(const lnl_noise_model *model, lnl_error *err)
{
    if (model->n_classes != 2)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "class_conditional noise needs 2 classes, got %zu; use matrix "
                             "or asymmetric noise for more",
                             model->n_classes);
    if (!(model->rate_positive >= 0.0 && model->rate_positive <= 1.0) ||
        !(model->rate_negative >= 0.0 && model->rate_negative <= 1.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "class_conditional flip rates rho_pos = %g and rho_neg = %g must "
                             "both be in [0, 1]",
                             model->rate_positive, model->rate_negative);
    if (model->positive > 1)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "class_conditional positive class %zu is not 0 or 1",
                             model->positive);
    return LNL_OK;
}

static lnl_status check_asymmetric(const lnl_noise_model *model, lnl_error *err)
{
    if (!(model->rate >= 0.0 && model->rate <= 1.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "noise rate %g is outside [0, 1]",
                             model->rate);
    if (model->mapping == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "asymmetric noise requires a class mapping of %zu entries, got "
                             "NULL",
                             model->n_classes);
    for (size_t c = 0; c < model->n_classes; c++) {
        int target = model->mapping[c];
        if (target != -1 && (target < 0 || (size_t)target >= model->n_classes ||
                             (size_t)target == c))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "asymmetric noise maps class %zu to %d; a target must be "
                                 "another class in [0, %zu), or -1 for none",
                                 c, target, model->n_classes);
    }
    return LNL_OK;
}

static lnl_status check_model(const lnl_noise_model *model, lnl_error *err)
{
    if (model == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "noise model is NULL");

    /* Labels are int, so the largest class index must fit in one. */
    if (model->n_classes < 2 || model->n_classes > (size_t)INT_MAX)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "noise model needs from 2 to %d classes, got %zu", INT_MAX,
                             model->n_classes);

    if (model->sampling != LNL_SAMPLING_EXACT && model->sampling != LNL_SAMPLING_BERNOULLI)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "unknown noise sampling %d",
                             (int)model->sampling);

    switch (model->type) {
    case LNL_NOISE_SYMMETRIC:
    case LNL_NOISE_PAIR:
        if (!(model->rate >= 0.0 && model->rate <= 1.0))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "noise rate %g is outside [0, 1]", model->rate);
        return LNL_OK;
    case LNL_NOISE_MATRIX:
        return check_matrix(model->matrix, model->n_classes, err);
    case LNL_NOISE_CLASS_CONDITIONAL:
        return check_class_conditional(model, err);
    case LNL_NOISE_ASYMMETRIC:
        return check_asymmetric(model, err);
    }
    return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "unknown noise type %d",
                         (int)model->type);
}

/* Writes row c of the model's transition matrix into row[0..K). The model
 * must have passed check_model. */
static void transition_row(const lnl_noise_model *model, size_t c, double *row)
{
    size_t k = model->n_classes;

    if (model->type == LNL_NOISE_MATRIX) {
        memcpy(row, model->matrix + c * k, k * sizeof *row);
        return;
    }
    if (model->type == LNL_NOISE_CLASS_CONDITIONAL) {
        size_t positive = model->positive, negative = 1 - positive;
        double flip = c == positive ? model->rate_positive : model->rate_negative;
        row[c] = 1.0 - flip;
        row[c == positive ? negative : positive] = flip;
        return;
    }
    if (model->type == LNL_NOISE_ASYMMETRIC) {
        for (size_t j = 0; j < k; j++)
            row[j] = 0.0;
        int target = model->mapping[c];
        row[c] = target >= 0 ? 1.0 - model->rate : 1.0;
        if (target >= 0)
            row[target] = model->rate;
        return;
    }

    double off_diagonal = model->type == LNL_NOISE_SYMMETRIC ? model->rate / (double)(k - 1) : 0.0;
    for (size_t j = 0; j < k; j++)
        row[j] = off_diagonal;
    row[c] = 1.0 - model->rate;
    if (model->type == LNL_NOISE_PAIR)
        row[(c + 1) % k] = model->rate;
}

lnl_status lnl_noise_transition(const lnl_noise_model *model, double *T, lnl_error *err)
{
    lnl_status status = check_model(model, err);
    if (status != LNL_OK)
        return status;
    if (T == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "transition matrix output is NULL");

    for (size_t c = 0; c < model->n_classes; c++)
        transition_row(model, c, T + c * model->n_classes);
    return LNL_OK;
}

/* A class drawn uniformly from [0, K) without `label`: lnl_rng_below(K - 1)
 * then a shift past `label`. Binary labels flip without a draw. */
static int draw_other_class(lnl_rng *rng, int label, size_t n_classes)
{
    if (n_classes == 2)
        return 1 - label;

    int drawn = (int)lnl_rng_below(rng, (uint64_t)(n_classes - 1));
    return drawn >= label ? drawn + 1 : drawn;
}

/* Number of labels that exact symmetric noise corrupts: the double product
 * n * rate truncated, as Python's int(n * rate), with no tolerance so that
 * runs match numpy's. The clamp only matters for n above 2^53, where
 * (double)n may round up past n. */
static size_t symmetric_flip_count(size_t n, double rate)
{
    double product = (double)n * rate;
    if (product >= (double)n)
        return n;
    return (size_t)product;
}

static lnl_status apply_exact_symmetric(const lnl_noise_model *model, const int *clean,
                                        size_t n, lnl_rng *rng, int *noisy, lnl_error *err)
{
    lnl_status status = LNL_OK;
    size_t *permutation = NULL;
    unsigned char *chosen = NULL;

    if (n > SIZE_MAX / sizeof *permutation) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "cannot allocate a permutation of %zu labels", n);
        goto cleanup;
    }
    permutation = malloc(n * sizeof *permutation);
    chosen = calloc(n, sizeof *chosen);
    if (permutation == NULL || chosen == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "cannot allocate a permutation of %zu labels", n);
        goto cleanup;
    }

    /* The first m entries of a permutation are numpy's choice(n, m, replace=False). */
    size_t m = symmetric_flip_count(n, model->rate);
    lnl_rng_permutation(rng, permutation, n);
    for (size_t k = 0; k < m; k++)
        chosen[permutation[k]] = 1;

    /* New classes are drawn in increasing position order, not in choice order. */
    memcpy(noisy, clean, n * sizeof *noisy);
    for (size_t i = 0; i < n; i++)
        if (chosen[i])
            noisy[i] = draw_other_class(rng, clean[i], model->n_classes);

cleanup:
    free(permutation);
    free(chosen);
    return status;
}

typedef struct ranked_cell {
    uint64_t remainder;  /* fractional part of the quota, in units of 1 / remainder_steps */
    size_t column;
} ranked_cell;

/* Orders cells by decreasing remainder, then by increasing column. */
static int compare_ranked_cells(const void *a, const void *b)
{
    const ranked_cell *x = a, *y = b;
    if (x->remainder != y->remainder)
        return x->remainder > y->remainder ? -1 : 1;
    if (x->column != y->column)
        return x->column < y->column ? -1 : 1;
    return 0;
}

/* Splits n_c samples over the K cells of a transition-matrix row by the
 * largest-remainder (Hamilton) method. Cell j first gets floor(n_c * row[j]).
 * The samples left over then go one each to the cells with the largest
 * fractional parts, ties to the lower column. Only cells with row[j] > 0 are
 * ranked, so a zero-probability cell stays at 0. The counts sum to n_c.
 * `ranked` is scratch space for K cells. */
static void apportion_largest_remainder(const double *row, size_t n_classes, size_t n_c,
                                        size_t *counts, ranked_cell *ranked)
{
    size_t total = 0, n_ranked = 0;

    for (size_t j = 0; j < n_classes; j++) {
        double quota = (double)n_c * row[j];
        double whole = floor(quota);

        counts[j] = (size_t)whole;
        total += counts[j];
        if (row[j] > 0.0) {
            ranked[n_ranked].remainder = (uint64_t)llround((quota - whole) * remainder_steps);
            ranked[n_ranked].column = j;
            n_ranked++;
        }
    }
    qsort(ranked, n_ranked, sizeof *ranked, compare_ranked_cells);

    /* A validated row sums to 1 within 1e-9, so for classes under 10^9
     * samples the shortfall is at most the number of ranked cells and one
     * pass hands it out. The loops also cover larger classes and rounding
     * corner cases, which can need a second pass or a removal. */
    for (size_t r = 0; total < n_c; r = (r + 1) % n_ranked) {
        counts[ranked[r].column]++;
        total++;
    }
    for (size_t r = n_ranked - 1; total > n_c; r = r > 0 ? r - 1 : n_ranked - 1) {
        if (counts[ranked[r].column] > 0) {
            counts[ranked[r].column]--;
            total--;
        }
    }
}

/* Exact pair and matrix noise. Draw order: for each clean class c in
 * increasing order, one lnl_rng_shuffle of the positions of class c (kept in
 * increasing order before the shuffle), even when no label of c changes. */
static lnl_status apply_exact_per_class(const lnl_noise_model *model, const int *clean,
                                        size_t n, lnl_rng *rng, int *noisy, lnl_error *err)
{
    size_t k = model->n_classes;
    lnl_status status = LNL_OK;
    size_t *class_start = calloc(k + 1, sizeof *class_start);
    size_t *counts = calloc(k, sizeof *counts);
    double *row = calloc(k, sizeof *row);
    ranked_cell *ranked = calloc(k, sizeof *ranked);
    size_t *positions = n <= SIZE_MAX / sizeof(size_t) ? malloc(n * sizeof(size_t)) : NULL;

    if (class_start == NULL || counts == NULL || row == NULL || ranked == NULL ||
        positions == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "cannot allocate the class index of %zu labels in %zu classes",
                               n, k);
        goto cleanup;
    }

    /* Group the positions by clean class with a stable counting sort;
     * class c occupies positions[class_start[c] .. class_start[c + 1]). */
    for (size_t i = 0; i < n; i++)
        class_start[(size_t)clean[i] + 1]++;
    for (size_t c = 0; c < k; c++)
        class_start[c + 1] += class_start[c];
    memcpy(counts, class_start, k * sizeof *counts);
    for (size_t i = 0; i < n; i++)
        positions[counts[clean[i]]++] = i;

    for (size_t c = 0; c < k; c++) {
        size_t *members = positions + class_start[c];
        size_t n_c = class_start[c + 1] - class_start[c];

        transition_row(model, c, row);
        apportion_largest_remainder(row, k, n_c, counts, ranked);

        /* The shuffled members take noisy class 0 first, then class 1, and so on. */
        lnl_rng_shuffle(rng, members, n_c);
        size_t next = 0;
        for (size_t j = 0; j < k; j++)
            for (size_t t = 0; t < counts[j]; t++)
                noisy[members[next++]] = (int)j;
    }

cleanup:
    free(class_start);
    free(counts);
    free(row);
    free(ranked);
    free(positions);
    return status;
}

/* Inverse CDF: the smallest j with u < row[0] + ... + row[j]. When rounding
 * leaves the row's sum at or below u, the last column with a positive entry. */
static int sample_row(const double *row, size_t n_classes, double u)
{
    double cumulative = 0.0;
    size_t last_positive = 0;

    for (size_t j = 0; j < n_classes; j++) {
        if (row[j] <= 0.0)
            continue;
        cumulative += row[j];
        last_positive = j;
        if (u < cumulative)
            return (int)j;
    }
    return (int)last_positive;
}

/* Bernoulli noise. Draw order: one lnl_rng_uniform01 per position, in
 * increasing position order. */
static lnl_status apply_bernoulli(const lnl_noise_model *model, const int *clean, size_t n,
                                  lnl_rng *rng, int *noisy, lnl_error *err)
{
    size_t k = model->n_classes;
    double *row = calloc(k, sizeof *row);
    if (row == NULL)
        return lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                             "cannot allocate a transition-matrix row of %zu classes", k);

    /* Rows are rebuilt only when the clean class changes from one position to the next. */
    int row_class = -1;
    for (size_t i = 0; i < n; i++) {
        if (clean[i] != row_class) {
            row_class = clean[i];
            transition_row(model, (size_t)row_class, row);
        }
        noisy[i] = sample_row(row, k, lnl_rng_uniform01(rng));
    }

    free(row);
    return LNL_OK;
}

lnl_status lnl_noise_apply(const lnl_noise_model *model, const int *clean, size_t n,
                           lnl_rng *rng, int *noisy, lnl_error *err)
{
    lnl_status status = check_model(model, err);
    if (status != LNL_OK)
        return status;

    if (n == 0)
        return LNL_OK;
    if (clean == NULL || noisy == NULL || rng == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "lnl_noise_apply needs non-NULL clean, noisy and rng when n > 0");
    if (noisy == clean)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "noisy labels must be written to a separate array, not over "
                             "the clean labels");

    for (size_t i = 0; i < n; i++)
        if (clean[i] < 0 || (size_t)clean[i] >= model->n_classes)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "clean label %d at position %zu is outside [0, %zu)",
                                 clean[i], i, model->n_classes);

    if (model->sampling == LNL_SAMPLING_BERNOULLI)
        return apply_bernoulli(model, clean, n, rng, noisy, err);
    if (model->type == LNL_NOISE_SYMMETRIC)
        return apply_exact_symmetric(model, clean, n, rng, noisy, err);
    return apply_exact_per_class(model, clean, n, rng, noisy, err);
}

void lnl_noise_confusion(const int *clean, const int *noisy, size_t n, size_t n_classes,
                         size_t *confusion)
{
    memset(confusion, 0, n_classes * n_classes * sizeof *confusion);

    for (size_t s = 0; s < n; s++) {
        if (clean[s] < 0 || noisy[s] < 0)
            continue;
        size_t i = (size_t)clean[s], j = (size_t)noisy[s];
        if (i < n_classes && j < n_classes)
            confusion[i * n_classes + j]++;
    }
}

double lnl_noise_realized_rate(const int *clean, const int *noisy, size_t n)
{
    if (n == 0)
        return 0.0;

    size_t changed = 0;
    for (size_t s = 0; s < n; s++)
        if (clean[s] != noisy[s])
            changed++;
    return (double)changed / (double)n;
}

/* ---- noise models of config sections ------------------------------------ */

/* The index of the class named name, or -1 when the data set has none. */
static int find_class(const lnl_dataset *data, const char *name)
{
    for (size_t c = 0; c < data->n_classes; c++)
        if (strcmp(data->class_names[c], name) == 0)
            return (int)c;
    return -1;
}

/* Writes the data set's class names as "a", "b", "c" for messages, cut
 * with "..." when they do not fit. */
static void list_classes(const lnl_dataset *data, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t c = 0; c < data->n_classes; c++) {
        int written = snprintf(out + used, size - used, "%s\"%s\"", c > 0 ? ", " : "",
                               data->class_names[c]);
        if (written < 0 || (size_t)written >= size - used) {
            if (size > 4)
                snprintf(out + (used < size - 4 ? used : size - 4), 4, "...");
            return;
        }
        used += (size_t)written;
    }
}

static lnl_status unknown_class(const lnl_noise_spec *spec, const lnl_dataset *data,
                                const char *config_path, const char *key, const char *name,
                                lnl_error *err)
{
    char classes[512];
    list_classes(data, classes, sizeof classes);
    return lnl_error_set(err, LNL_ERR_CONFIG, config_path, spec->line,
                         "%s in [noise %s] names the class \"%s\", which the data set does not "
                         "have; its classes are %s",
                         key, spec->name, name, classes);
}

lnl_status lnl_noise_model_from_spec(const lnl_noise_spec *spec, size_t rate_index,
                                     const lnl_dataset *data, const char *config_path,
                                     int *mapping, lnl_noise_model *model, lnl_error *err)
{
    if (spec == NULL || data == NULL || model == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "lnl_noise_model_from_spec needs a spec, a data set and a model");
    if (rate_index >= spec->n_rates)
        return lnl_error_set(err, LNL_ERR_CONFIG, config_path, spec->line,
                             "[noise %s] has %zu rates; there is no rate %zu", spec->name,
                             spec->n_rates, rate_index);

    size_t k = data->n_classes;
    memset(model, 0, sizeof *model);
    model->type = spec->type;
    model->sampling = spec->sampling;
    model->n_classes = k;
    model->rate = spec->rates[rate_index];

    switch (spec->type) {
    case LNL_NOISE_SYMMETRIC:
    case LNL_NOISE_PAIR:
        return LNL_OK;
    case LNL_NOISE_MATRIX:
        if (spec->matrix_order != k)
            return lnl_error_set(err, LNL_ERR_CONFIG, config_path, spec->line,
                                 "[noise %s] has a %zu x %zu matrix, but the data set has %zu "
                                 "classes",
                                 spec->name, spec->matrix_order, spec->matrix_order, k);
        model->matrix = spec->matrix;
        return LNL_OK;
    case LNL_NOISE_CLASS_CONDITIONAL: {
        if (k != 2)
            return lnl_error_set(err, LNL_ERR_CONFIG, config_path, spec->line,
                                 "[noise %s] is class_conditional, which needs 2 classes, but "
                                 "the data set has %zu; use asymmetric or matrix noise",
                                 spec->name, k);
        int positive = 1;
        if (spec->positive[0] != '\0' && (positive = find_class(data, spec->positive)) < 0)
            return unknown_class(spec, data, config_path, "positive", spec->positive, err);
        model->positive = (size_t)positive;
        model->rate_positive = spec->pairs[rate_index][0];
        model->rate_negative = spec->pairs[rate_index][1];
        return LNL_OK;
    }
    case LNL_NOISE_ASYMMETRIC:
        if (mapping == NULL)
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "asymmetric noise needs a mapping buffer of %zu entries", k);
        for (size_t c = 0; c < k; c++)
            mapping[c] = -1;
        for (size_t m = 0; m < spec->n_mappings; m++) {
            const lnl_class_mapping *pair = &spec->mappings[m];
            int source = find_class(data, pair->source);
            int target = find_class(data, pair->target);
            if (source < 0)
                return unknown_class(spec, data, config_path, "mapping", pair->source, err);
            if (target < 0)
                return unknown_class(spec, data, config_path, "mapping", pair->target, err);
            mapping[source] = target;
        }
        model->mapping = mapping;
        return LNL_OK;
    }
    return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "unknown noise type %d",
                         (int)spec->type);
}

void lnl_noise_setting_label(const lnl_noise_spec *spec, size_t rate_index, char *out,
                             size_t size)
{
    if (size == 0)
        return;
    out[0] = '\0';
    if (spec->type == LNL_NOISE_CLASS_CONDITIONAL && rate_index < spec->n_rates)
        snprintf(out, size, "%.12g/%.12g", spec->pairs[rate_index][0],
                 spec->pairs[rate_index][1]);
}
