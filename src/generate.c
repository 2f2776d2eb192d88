#include "lnl/generate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The step numbers in lnl_make_classification follow the order of
 * sklearn.datasets.make_classification in scikit-learn 1.2, whose random
 * draws this file reproduces one for one on an LNL_RNG_NUMPY stream. */

void lnl_make_classification_defaults(lnl_make_classification_params *params)
{
    memset(params, 0, sizeof *params);
    params->n_samples = 100;
    params->n_features = 20;
    params->n_informative = 2;
    params->n_redundant = 2;
    params->n_repeated = 0;
    params->n_classes = 2;
    params->n_clusters_per_class = 2;
    params->n_weights = 0;
    params->flip_y = 0.01;
    params->class_sep = 1.0;
    params->hypercube = true;

    /* scikit-learn's defaults are shift=0.0 and scale=1.0, which are given
     * values, so nothing is drawn for them. */
    params->has_shift = true;
    params->shift = 0.0;
    params->has_scale = true;
    params->scale = 1.0;
    params->shuffle = true;
}

/* Hypercube vertices come from sample_without_replacement over 2^d codes
 * with d at most 30; more informative dimensions get random leading bits. */
enum { HYPERCUBE_CODE_BITS = 30 };

static lnl_status check_weights(const lnl_make_classification_params *params, lnl_error *err)
{
    size_t n_classes = params->n_classes;

    if (params->n_weights == 0)
        return LNL_OK;
    if (params->n_weights != n_classes && params->n_weights + 1 != n_classes)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "weights has %zu entries but must have n_classes = %zu or "
                             "n_classes - 1 = %zu entries",
                             params->n_weights, n_classes, n_classes - 1);

    double sum = 0.0;
    for (size_t k = 0; k < params->n_weights; k++) {
        double w = params->weights[k];
        if (!(w >= 0.0 && w <= 1.0))
            return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                                 "weights[%zu] = %g is invalid: each weight must be in [0, 1]",
                                 k, w);
        sum += w;
    }
    if (params->n_weights + 1 == n_classes && 1.0 - sum < 0.0)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "weights sum to %g, so the inferred weight of the last class "
                             "would be negative; give weights that sum to at most 1",
                             sum);
    return LNL_OK;
}

lnl_status lnl_make_classification_check(const lnl_make_classification_params *params,
                                         lnl_error *err)
{
    if (params == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "params is NULL");

    if (params->n_samples < 1)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "n_samples must be at least 1");
    if (params->n_informative < 1)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "n_informative must be at least 1");
    if (params->n_classes < 1 || params->n_classes > LNL_MAX_CLASSES)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "n_classes = %zu is invalid: it must be in [1, %d]",
                             params->n_classes, LNL_MAX_CLASSES);
    if (params->n_clusters_per_class < 1)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "n_clusters_per_class must be at least 1");

    /* Compared one term at a time so that the sum cannot wrap around. */
    size_t n_features = params->n_features;
    if (params->n_informative > n_features ||
        params->n_redundant > n_features - params->n_informative ||
        params->n_repeated > n_features - params->n_informative - params->n_redundant)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "n_informative + n_redundant + n_repeated = %zu + %zu + %zu "
                             "must be at most n_features = %zu",
                             params->n_informative, params->n_redundant, params->n_repeated,
                             n_features);

    /* Every cluster needs its own hypercube vertex. */
    size_t n_classes = params->n_classes;
    size_t per_class = params->n_clusters_per_class;
    if (per_class > SIZE_MAX / n_classes)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "n_classes * n_clusters_per_class = %zu * %zu is too large",
                             n_classes, per_class);
    size_t n_clusters = n_classes * per_class;
    size_t n_informative = params->n_informative;
    if (n_informative <= HYPERCUBE_CODE_BITS && n_clusters > ((size_t)1 << n_informative))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "n_classes * n_clusters_per_class = %zu must be at most "
                             "2^n_informative = %zu",
                             n_clusters, (size_t)1 << n_informative);
    if (n_informative > HYPERCUBE_CODE_BITS &&
        n_clusters > ((size_t)1 << HYPERCUBE_CODE_BITS))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "n_classes * n_clusters_per_class = %zu must be at most 2^%d",
                             n_clusters, HYPERCUBE_CODE_BITS);

    lnl_status status = check_weights(params, err);
    if (status != LNL_OK)
        return status;

    if (!(params->flip_y >= 0.0 && params->flip_y <= 1.0))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "flip_y = %g is invalid: it must be in [0, 1]", params->flip_y);
    if (!isfinite(params->class_sep))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "class_sep = %g is invalid: it must be finite", params->class_sep);
    if (params->has_shift && !isfinite(params->shift))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "shift = %g is invalid: it must be finite", params->shift);
    if (params->has_scale && !isfinite(params->scale))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "scale = %g is invalid: it must be finite", params->scale);
    return LNL_OK;
}

/* Writes the class weights: the given ones, completed with 1 - sum when one
 * is missing, or 1/K each when none are given. The sum runs left to right
 * like Python 3.11's sum() on a list (Python 3.12 compensates rounding). */
static void complete_weights(const lnl_make_classification_params *params, double *weights)
{
    size_t n_classes = params->n_classes;

    if (params->n_weights == 0) {
        for (size_t k = 0; k < n_classes; k++)
            weights[k] = 1.0 / (double)n_classes;
        return;
    }

    double sum = 0.0;
    for (size_t k = 0; k < params->n_weights; k++) {
        weights[k] = params->weights[k];
        sum += params->weights[k];
    }
    if (params->n_weights + 1 == n_classes)
        weights[n_classes - 1] = 1.0 - sum;
}

/* Splits n_samples over the clusters: cluster k (of class k mod K) gets
 * trunc(n_samples * w[k mod K] / n_clusters_per_class) rows, and what is left
 * goes out one row at a time, round robin from cluster 0. When the weights
 * sum to more than 1, the counts may add up to more than n_samples. The
 * caller then truncates the last clusters, as numpy slicing does. */
static void count_cluster_samples(const lnl_make_classification_params *params,
                                  const double *weights, size_t n_clusters, size_t *counts)
{
    size_t total = 0;

    for (size_t k = 0; k < n_clusters; k++) {
        double share = (double)params->n_samples * weights[k % params->n_classes] /
                       (double)params->n_clusters_per_class;
        counts[k] = (size_t)share;
        total += counts[k];
    }
    for (size_t i = 0; total + i < params->n_samples; i++)
        counts[i % n_clusters]++;
}

/* Open-addressing set of 64-bit codes for the tracking-selection sampler;
 * UINT64_MAX marks an empty slot (codes are below 2^30). */
typedef struct code_set {
    uint64_t *slots;
    size_t mask;
} code_set;

static bool code_set_insert(code_set *set, uint64_t code)
{
    size_t slot = (size_t)((code * 0x9e3779b97f4a7c15ULL) >> 17) & set->mask;
    while (set->slots[slot] != UINT64_MAX) {
        if (set->slots[slot] == code)
            return false;
        slot = (slot + 1) & set->mask;
    }
    set->slots[slot] = code;
    return true;
}

/* Tracking selection: draw randint(n_population) until the value is new. */
static lnl_status sample_by_tracking(lnl_rng *rng, uint64_t n_population, size_t n_samples,
                                     uint64_t *out)
{
    size_t capacity = 16;
    while (capacity < 2 * n_samples)
        capacity *= 2;

    code_set set = {malloc(capacity * sizeof *set.slots), capacity - 1};
    if (set.slots == NULL)
        return LNL_ERR_NOMEM;
    for (size_t s = 0; s < capacity; s++)
        set.slots[s] = UINT64_MAX;

    for (size_t i = 0; i < n_samples; i++) {
        uint64_t code = lnl_rng_below(rng, n_population);
        while (!code_set_insert(&set, code))
            code = lnl_rng_below(rng, n_population);
        out[i] = code;
    }
    free(set.slots);
    return LNL_OK;
}

/* Reservoir sampling (Algorithm R): start from 0..n_samples-1, and item i
 * replaces slot j = randint(i + 1) when j < n_samples. */
static void sample_by_reservoir(lnl_rng *rng, uint64_t n_population, size_t n_samples,
                                uint64_t *out)
{
    for (size_t i = 0; i < n_samples; i++)
        out[i] = i;
    for (uint64_t i = n_samples; i < n_population; i++) {
        uint64_t j = lnl_rng_below(rng, i + 1);
        if (j < n_samples)
            out[j] = i;
    }
}

/* The first n_samples entries of RandomState.permutation(n_population). */
static lnl_status sample_by_permutation(lnl_rng *rng, uint64_t n_population, size_t n_samples,
                                        uint64_t *out)
{
    size_t *permutation = malloc((size_t)n_population * sizeof *permutation);
    if (permutation == NULL)
        return LNL_ERR_NOMEM;

    lnl_rng_permutation(rng, permutation, (size_t)n_population);
    for (size_t i = 0; i < n_samples; i++)
        out[i] = permutation[i];
    free(permutation);
    return LNL_OK;
}

/* Draws n_samples distinct integers from [0, n_population) with the "auto"
 * method of scikit-learn's sample_without_replacement: a permutation when
 * 0.01 < n_samples / n_population < 0.99, otherwise tracking selection
 * below a ratio of 0.2 and reservoir sampling above it. */
static lnl_status sample_without_replacement(lnl_rng *rng, uint64_t n_population,
                                             size_t n_samples, uint64_t *out)
{
    double ratio = (double)n_samples / (double)n_population;

    if (ratio > 0.01 && ratio < 0.99)
        return sample_by_permutation(rng, n_population, n_samples, out);
    if (ratio < 0.2)
        return sample_by_tracking(rng, n_population, n_samples, out);
    sample_by_reservoir(rng, n_population, n_samples, out);
    return LNL_OK;
}

/* Writes n_clusters distinct binary vectors of length n_dims into vertices
 * (n_clusters x n_dims, row-major, entries 0.0 or 1.0): scikit-learn's
 * _generate_hypercube. A sampled code c gives row bits c >> (d - 1) down to
 * c & 1, most significant first. Beyond 30 dimensions the leading n_dims - 30
 * columns are randint(2) draws, made before the codes, and distinctness only
 * holds for the last 30 columns. */
static lnl_status generate_hypercube(lnl_rng *rng, size_t n_clusters, size_t n_dims,
                                     double *vertices)
{
    size_t n_extra = n_dims > HYPERCUBE_CODE_BITS ? n_dims - HYPERCUBE_CODE_BITS : 0;
    size_t n_code_bits = n_dims - n_extra;

    for (size_t k = 0; k < n_clusters; k++)
        for (size_t c = 0; c < n_extra; c++)
            vertices[k * n_dims + c] = (double)lnl_rng_below(rng, 2);

    uint64_t *codes = malloc(n_clusters * sizeof *codes);
    if (codes == NULL)
        return LNL_ERR_NOMEM;

    lnl_status status =
        sample_without_replacement(rng, (uint64_t)1 << n_code_bits, n_clusters, codes);
    if (status == LNL_OK) {
        for (size_t k = 0; k < n_clusters; k++) {
            for (size_t b = 0; b < n_code_bits; b++) {
                uint64_t bit = (codes[k] >> (n_code_bits - 1 - b)) & 1U;
                vertices[k * n_dims + n_extra + b] = (double)bit;
            }
        }
    }
    free(codes);
    return status;
}

/* Writes result[j] = sum_l x[l] A[l][j] for one row x of length n, with A
 * n x n_out row-major, summed in increasing l.
 * NOTE: numpy forms these products with BLAS, which sums in another order,
 * so features agree with scikit-learn to about 1e-13 relative, not bit for
 * bit. Labels and every random draw still match exactly. */
static void multiply_row(const double *x, const double *A, size_t n, size_t n_out,
                         double *result)
{
    for (size_t j = 0; j < n_out; j++) {
        double sum = 0.0;
        for (size_t l = 0; l < n; l++)
            sum += x[l] * A[l * n_out + j];
        result[j] = sum;
    }
}

/* Working memory of one make_classification call. */
typedef struct generate_buffers {
    double *weights;        /* n_classes */
    size_t *cluster_sizes;  /* n_clusters */
    double *centroids;      /* n_clusters x n_informative */
    double *matrix;         /* n_informative x max(n_informative, n_redundant) */
    double *row;            /* max(n_informative, n_redundant, n_features) */
    double *column_values;  /* n_features: shift, then scale */
    size_t *flipped;        /* n_samples: rows whose label is redrawn */
    size_t *row_order;      /* n_samples */
    size_t *column_order;   /* n_features */
    unsigned char *placed;  /* n_samples: rows already moved by the shuffle */
    double *saved_row;      /* n_features: the row a shuffle cycle starts from */
} generate_buffers;

static void generate_buffers_free(generate_buffers *buffers)
{
    free(buffers->weights);
    free(buffers->cluster_sizes);
    free(buffers->centroids);
    free(buffers->matrix);
    free(buffers->row);
    free(buffers->column_values);
    free(buffers->flipped);
    free(buffers->row_order);
    free(buffers->column_order);
    free(buffers->placed);
    free(buffers->saved_row);
}

static lnl_status generate_buffers_alloc(const lnl_make_classification_params *params,
                                         size_t n_clusters, generate_buffers *buffers)
{
    size_t n = params->n_samples;
    size_t d = params->n_features;
    size_t n_inf = params->n_informative;
    size_t wide = n_inf > params->n_redundant ? n_inf : params->n_redundant;
    size_t row_size = wide > d ? wide : d;

    memset(buffers, 0, sizeof *buffers);
    if (n_clusters > SIZE_MAX / sizeof(double) / n_inf || wide > SIZE_MAX / sizeof(double) / n_inf)
        return LNL_ERR_NOMEM;

    buffers->weights = malloc(params->n_classes * sizeof(double));
    buffers->cluster_sizes = malloc(n_clusters * sizeof(size_t));
    buffers->centroids = malloc(n_clusters * n_inf * sizeof(double));
    buffers->matrix = malloc(n_inf * wide * sizeof(double));
    buffers->row = malloc(row_size * sizeof(double));
    buffers->column_values = malloc(d * sizeof(double));
    buffers->flipped = malloc(n * sizeof(size_t));
    if (params->shuffle) {
        buffers->row_order = malloc(n * sizeof(size_t));
        buffers->column_order = malloc(d * sizeof(size_t));
        buffers->placed = calloc(n, 1);
        buffers->saved_row = malloc(d * sizeof(double));
    }

    if (buffers->weights == NULL || buffers->cluster_sizes == NULL ||
        buffers->centroids == NULL || buffers->matrix == NULL || buffers->row == NULL ||
        buffers->column_values == NULL || buffers->flipped == NULL)
        return LNL_ERR_NOMEM;
    if (params->shuffle && (buffers->row_order == NULL || buffers->column_order == NULL ||
                            buffers->placed == NULL || buffers->saved_row == NULL))
        return LNL_ERR_NOMEM;
    return LNL_OK;
}

/* Fills the first n_informative columns: standard normals turned into
 * clusters, each with its own map A = 2U - 1 (U uniform in [0, 1),
 * n_informative x n_informative) and moved to its centroid. Labels are
 * k mod n_classes for the rows of cluster k. */
static void fill_informative(const lnl_make_classification_params *params, lnl_rng *rng,
                             size_t n_clusters, generate_buffers *buffers, lnl_dataset *data)
{
    size_t n = params->n_samples;
    size_t d = params->n_features;
    size_t n_inf = params->n_informative;

    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n_inf; j++)
            data->X[i * d + j] = lnl_rng_normal(rng);

    size_t stop = 0;
    for (size_t k = 0; k < n_clusters; k++) {
        /* Clusters past n_samples are empty, but their map is still drawn. */
        size_t start = stop;
        stop = buffers->cluster_sizes[k] > n - start ? n : start + buffers->cluster_sizes[k];

        for (size_t l = 0; l < n_inf * n_inf; l++)
            buffers->matrix[l] = 2.0 * lnl_rng_uniform01(rng) - 1.0;

        const double *centroid = buffers->centroids + k * n_inf;
        for (size_t i = start; i < stop; i++) {
            double *x = data->X + i * d;
            data->y[i] = (int)(k % params->n_classes);
            multiply_row(x, buffers->matrix, n_inf, n_inf, buffers->row);
            for (size_t j = 0; j < n_inf; j++)
                x[j] = buffers->row[j] + centroid[j];
        }
    }
}

/* Fills the redundant, repeated and useless columns. */
static void fill_other_features(const lnl_make_classification_params *params, lnl_rng *rng,
                                generate_buffers *buffers, lnl_dataset *data)
{
    size_t n = params->n_samples;
    size_t d = params->n_features;
    size_t n_inf = params->n_informative;
    size_t n_red = params->n_redundant;
    size_t n_rep = params->n_repeated;

    /* redundant: X[:, n_inf : n_inf + n_red] = X[:, :n_inf] B, B = 2U - 1 */
    if (n_red > 0) {
        for (size_t l = 0; l < n_inf * n_red; l++)
            buffers->matrix[l] = 2.0 * lnl_rng_uniform01(rng) - 1.0;
        for (size_t i = 0; i < n; i++) {
            double *x = data->X + i * d;
            multiply_row(x, buffers->matrix, n_inf, n_red, x + n_inf);
        }
    }

    /* repeated: copies of columns trunc((n_inf + n_red - 1) u + 0.5) */
    size_t n_useful = n_inf + n_red;
    for (size_t r = 0; r < n_rep; r++) {
        size_t source = (size_t)((double)(n_useful - 1) * lnl_rng_uniform01(rng) + 0.5);
        for (size_t i = 0; i < n; i++)
            data->X[i * d + n_useful + r] = data->X[i * d + source];
    }

    /* useless: standard normals in the last columns */
    size_t first_useless = n_useful + n_rep;
    if (first_useless < d) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = first_useless; j < d; j++)
                data->X[i * d + j] = lnl_rng_normal(rng);
    }
}

/* Redraws the labels of the rows whose uniform draw falls below flip_y. All
 * n_samples uniforms come first, then one randint(n_classes) per marked row,
 * so the draws are made even when flip_y is 0. */
static void flip_labels(const lnl_make_classification_params *params, lnl_rng *rng,
                        generate_buffers *buffers, lnl_dataset *data)
{
    size_t n_flipped = 0;

    for (size_t i = 0; i < params->n_samples; i++)
        if (lnl_rng_uniform01(rng) < params->flip_y)
            buffers->flipped[n_flipped++] = i;
    for (size_t f = 0; f < n_flipped; f++)
        data->y[buffers->flipped[f]] = (int)lnl_rng_below(rng, params->n_classes);
}

/* X += shift, then X *= scale, per column. A missing shift is drawn as
 * (2u - 1) class_sep and a missing scale as 1 + 100u, one per column. */
static void shift_and_scale(const lnl_make_classification_params *params, lnl_rng *rng,
                            generate_buffers *buffers, lnl_dataset *data)
{
    size_t n = params->n_samples;
    size_t d = params->n_features;
    double *values = buffers->column_values;

    for (size_t j = 0; j < d; j++)
        values[j] = params->has_shift ? params->shift
                                      : (2.0 * lnl_rng_uniform01(rng) - 1.0) * params->class_sep;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            data->X[i * d + j] += values[j];

    for (size_t j = 0; j < d; j++)
        values[j] = params->has_scale ? params->scale : 1.0 + 100.0 * lnl_rng_uniform01(rng);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            data->X[i * d + j] *= values[j];
}

/* Permutes the rows (sklearn.utils.shuffle: arange(n) shuffled in place, so
 * new row i is old row order[i]), then the columns the same way.
 *
 * Both happen in place, so that generating never allocates a second copy of
 * X: the columns row by row through buffers->row, then the rows cycle by
 * cycle of the permutation. A cycle i -> order[i] -> ... moves each row
 * up one place and puts the saved first row last. */
static void shuffle_rows_and_columns(const lnl_make_classification_params *params,
                                     lnl_rng *rng, generate_buffers *buffers, lnl_dataset *data)
{
    size_t n = params->n_samples;
    size_t d = params->n_features;
    size_t *row_order = buffers->row_order;
    size_t *column_order = buffers->column_order;

    lnl_rng_permutation(rng, row_order, n);
    lnl_rng_permutation(rng, column_order, d);

    for (size_t i = 0; i < n; i++) {
        double *row = data->X + i * d;
        for (size_t j = 0; j < d; j++)
            buffers->row[j] = row[column_order[j]];
        memcpy(row, buffers->row, d * sizeof(double));
    }

    size_t row_bytes = d * sizeof(double);
    for (size_t start = 0; start < n; start++) {
        if (buffers->placed[start])
            continue;
        memcpy(buffers->saved_row, data->X + start * d, row_bytes);
        int saved_label = data->y[start];
        size_t current = start;
        for (size_t next = row_order[current]; next != start; next = row_order[current]) {
            memcpy(data->X + current * d, data->X + next * d, row_bytes);
            data->y[current] = data->y[next];
            buffers->placed[current] = 1;
            current = next;
        }
        memcpy(data->X + current * d, buffers->saved_row, row_bytes);
        data->y[current] = saved_label;
        buffers->placed[current] = 1;
    }
}

lnl_status lnl_make_classification(const lnl_make_classification_params *params,
                                   lnl_rng *rng, lnl_dataset **out, lnl_error *err)
{
    if (out == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "out is NULL");
    *out = NULL;
    if (rng == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0, "rng is NULL");

    lnl_status status = lnl_make_classification_check(params, err);
    if (status != LNL_OK)
        return status;

    size_t n = params->n_samples;
    size_t d = params->n_features;
    if (d > SIZE_MAX / sizeof(double) / n)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "n_samples * n_features = %zu * %zu is too large", n, d);

    size_t n_clusters = params->n_classes * params->n_clusters_per_class;
    generate_buffers buffers;
    lnl_dataset *data = NULL;

    status = generate_buffers_alloc(params, n_clusters, &buffers);
    if (status != LNL_OK)
        goto cleanup;
    data = lnl_dataset_create(n, d, params->n_classes);
    if (data == NULL) {
        status = LNL_ERR_NOMEM;
        goto cleanup;
    }

    /* 1. class weights and rows per cluster (no draws) */
    complete_weights(params, buffers.weights);
    count_cluster_samples(params, buffers.weights, n_clusters, buffers.cluster_sizes);

    /* 2. centroids: hypercube vertices scaled to {-class_sep, +class_sep},
     * shrunk by random factors per cluster and per dimension unless
     * hypercube is set */
    size_t n_inf = params->n_informative;
    status = generate_hypercube(rng, n_clusters, n_inf, buffers.centroids);
    if (status != LNL_OK)
        goto cleanup;
    for (size_t l = 0; l < n_clusters * n_inf; l++)
        buffers.centroids[l] = buffers.centroids[l] * (2.0 * params->class_sep) - params->class_sep;
    if (!params->hypercube) {
        for (size_t k = 0; k < n_clusters; k++) {
            double factor = lnl_rng_uniform01(rng);
            for (size_t j = 0; j < n_inf; j++)
                buffers.centroids[k * n_inf + j] *= factor;
        }
        for (size_t j = 0; j < n_inf; j++) {
            double factor = lnl_rng_uniform01(rng);
            for (size_t k = 0; k < n_clusters; k++)
                buffers.centroids[k * n_inf + j] *= factor;
        }
    }

    /* 3. informative features and labels */
    fill_informative(params, rng, n_clusters, &buffers, data);

    /* 4. redundant, repeated and useless features */
    fill_other_features(params, rng, &buffers, data);

    /* 5. label noise, then shift and scale */
    flip_labels(params, rng, &buffers, data);
    shift_and_scale(params, rng, &buffers, data);

    /* 6. shuffle */
    if (params->shuffle)
        shuffle_rows_and_columns(params, rng, &buffers, data);

cleanup:
    generate_buffers_free(&buffers);
    if (status != LNL_OK) {
        lnl_dataset_destroy(data);
        if (status == LNL_ERR_NOMEM)
            return lnl_error_set(err, status, NULL, 0,
                                 "out of memory generating %zu x %zu samples", n, d);
        return status;
    }
    *out = data;
    return LNL_OK;
}
