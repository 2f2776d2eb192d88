/* Measures the memory bandwidth of one objective-and-gradient evaluation
 * against a plain read of the same matrix.
 *
 * usage: bench_gradient [N_SAMPLES N_FEATURES] [--repeats R]
 * (defaults 100000 x 100 and R = 10)
 *
 * X is N_SAMPLES x N_FEATURES doubles drawn from N(0, 1), larger than the
 * last-level cache at the default size. Every pass is timed R times after
 * one untimed warm-up pass, and the fastest is reported as
 * GB/s = 8 * N_SAMPLES * N_FEATURES / seconds, that is, counting X once
 * whatever else the pass touches. Passes:
 *  - plain read: the sum of every entry of X, with eight accumulators so
 *    that memory and not the latency of one add chain bounds the loop;
 *  - plain read, shuffled rows: the same sum taken row by row in the order
 *    of a random permutation, as a training split lists its rows. A second
 *    pass prefetches each row 4 rows ahead, as lnl's gather does;
 *  - standardizing copy: (x - mean) / scale of every row into a block of
 *    lnl's size, the loop lnl_linear_objective runs before its BLAS calls
 *    on the softmax path, and the same copy with a multiplication by
 *    1 / scale, which it uses;
 *  - the cross-entropy loss alone on N_SAMPLES x K logits, with its
 *    gradient, as lnl_linear_objective calls it block by block. The binary
 *    model passes the two logits (0, z); the objective itself takes the
 *    fused path of src/binary_logistic.c for K = 2 and does not call this
 *    loss. Beside it, a sketch of the same loss and gradient with libm:
 *    one exp and one log1p per row for K = 2, and one exp per logit plus
 *    one log per row for K = 10, the count lnl's loss now has. These
 *    passes do not read X, so their GB/s column is empty;
 *  - lnl_linear_objective with the gradient, cross entropy, C = 1, for the
 *    binary model (K = 2) and the softmax model (K = 10), with and without
 *    standardization, with rows in order and shuffled.
 * BLAS runs on one thread, as inside a sweep's cell. Not a test: the
 * numbers depend on the machine.
 */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lnl/linear.h"
#include "lnl/loss.h"
#include "lnl/rng.h"
#include "lnl/split.h"

static const char usage[] = "usage: bench_gradient [N_SAMPLES N_FEATURES] [--repeats R]\n";

/* Keeps the compiler from dropping a pass whose result is otherwise unused. */
static volatile double sink;

typedef struct bench_data {
    lnl_dataset *data;
    size_t *ordered;             /* 0..n-1 */
    size_t *shuffled;            /* a random permutation of 0..n-1 */
    lnl_standardizer standardizer;
    int *labels_binary;          /* labels in {0, 1} */
    int *labels_softmax;         /* labels in 0..9 */
    double *block;               /* one block of standardized rows */
    size_t block_rows;
    double *logits;              /* n x 10 logits for the loss passes */
    double *loss_values;         /* n */
    double *loss_gradient;       /* n x 10 */
    double *loss_work;           /* lnl_loss_work_size(n, 10) */
} bench_data;

typedef enum pass_kind {
    PASS_READ,
    PASS_READ_ROWS,
    PASS_COPY_DIVIDE,
    PASS_COPY_MULTIPLY,
    PASS_LOSS,
    PASS_LOSS_SKETCH,
    PASS_OBJECTIVE
} pass_kind;

typedef struct pass {
    const char *name;
    pass_kind kind;
    size_t n_classes;    /* PASS_LOSS, PASS_LOSS_SKETCH and PASS_OBJECTIVE */
    int standardize;     /* PASS_OBJECTIVE */
    int shuffled;        /* PASS_READ_ROWS and PASS_OBJECTIVE */
    int prefetch;        /* PASS_READ_ROWS: prefetch rows ahead */
} pass;

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
        fprintf(stderr, "bench_gradient: invalid %s \"%s\": expected a positive integer\n",
                name, text);
        return 0;
    }
    *out = (size_t)value;
    return 1;
}

static double sum_matrix(const double *X, size_t count)
{
    double s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= count; i += 8)
        for (int a = 0; a < 8; a++)
            s[a] += X[i + a];
    for (; i < count; i++)
        s[0] += X[i];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static double sum_rows(const lnl_dataset *data, const size_t *rows, int prefetch)
{
    size_t d = data->n_features;
    double total = 0.0;
    for (size_t i = 0; i < data->n_rows; i++) {
#if defined(__GNUC__)
        if (prefetch && i + 4 < data->n_rows) {
            const char *next = (const char *)(data->X + rows[i + 4] * d);
            for (size_t offset = 0; offset < d * sizeof(double); offset += 64)
                __builtin_prefetch(next + offset);
        }
#else
        (void)prefetch;
#endif
        total += sum_matrix(data->X + rows[i] * d, d);
    }
    return total;
}

/* Standardizes every row into the block, block after block; returns one
 * entry so that the copies are not dead stores. */
static double copy_standardized(const bench_data *b, int multiply)
{
    const lnl_dataset *data = b->data;
    size_t d = data->n_features;
    const double *mean = b->standardizer.mean, *scale = b->standardizer.scale;
    double *inverse = b->block + b->block_rows * d;
    double checksum = 0.0;

    for (size_t j = 0; j < d; j++)
        inverse[j] = 1.0 / scale[j];
    for (size_t start = 0; start < data->n_rows; start += b->block_rows) {
        size_t n = data->n_rows - start < b->block_rows ? data->n_rows - start : b->block_rows;
        for (size_t i = 0; i < n; i++) {
            const double *x = data->X + (start + i) * d;
            double *out = b->block + i * d;
            if (multiply)
                for (size_t j = 0; j < d; j++)
                    out[j] = (x[j] - mean[j]) * inverse[j];
            else
                for (size_t j = 0; j < d; j++)
                    out[j] = (x[j] - mean[j]) / scale[j];
        }
        checksum += b->block[0];
    }
    return checksum;
}

/* Computes the cross-entropy loss of every row and its gradient with
 * respect to the logits, with as few exp and log calls as the formula
 * allows. K = 2 reads the logit z of the layout (0, z):
 *   loss = max(z, 0) + log1p(exp(-|z|)) - y z,  dz = sigmoid(z) - y.
 * K > 2 keeps exp(z_k - max) from the sum for the gradient:
 *   loss = max + log(sum) - z_y,  dz_k = exp(z_k - max) / sum - [k = y]. */
static double loss_sketch(const bench_data *b, size_t n_classes)
{
    size_t n = b->data->n_rows;
    double *values = b->loss_values, *gradient = b->loss_gradient;

    if (n_classes == 2) {
        for (size_t i = 0; i < n; i++) {
            double z = b->logits[2 * i + 1];
            double e = exp(-fabs(z));
            double probability = z >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            int y = b->labels_binary[i];
            values[i] = (z > 0.0 ? z : 0.0) + log1p(e) - (double)y * z;
            gradient[2 * i] = -(probability - (double)y);
            gradient[2 * i + 1] = probability - (double)y;
        }
        return values[0];
    }

    for (size_t i = 0; i < n; i++) {
        const double *z = b->logits + i * n_classes;
        double *g = gradient + i * n_classes;
        double max = z[0], sum = 0.0;
        for (size_t k = 1; k < n_classes; k++)
            max = z[k] > max ? z[k] : max;
        for (size_t k = 0; k < n_classes; k++) {
            g[k] = exp(z[k] - max);
            sum += g[k];
        }
        int y = b->labels_softmax[i];
        values[i] = max + log(sum) - z[y];
        for (size_t k = 0; k < n_classes; k++)
            g[k] /= sum;
        g[y] -= 1.0;
    }
    return values[0];
}

/* Returns the largest difference between the values and gradients of lnl's
 * cross-entropy loss and of loss_sketch, or a negative number on error. */
static double sketch_difference(const bench_data *b, size_t n_classes)
{
    size_t n = b->data->n_rows, count = n * n_classes;
    double *values = malloc(n * sizeof(double));
    double *gradient = malloc(count * sizeof(double));
    double largest = -1.0;
    if (values == NULL || gradient == NULL)
        goto cleanup;

    lnl_loss loss;
    memset(&loss, 0, sizeof loss);
    loss.info = lnl_loss_lookup("ce");
    loss.params.n_classes = n_classes;
    const int *labels = n_classes == 2 ? b->labels_binary : b->labels_softmax;
    if (loss.info->evaluate(&loss, n, b->logits, labels, values, gradient, b->loss_work) !=
        LNL_OK)
        goto cleanup;
    loss_sketch(b, n_classes);

    largest = 0.0;
    for (size_t i = 0; i < n; i++)
        largest = fmax(largest, fabs(values[i] - b->loss_values[i]));
    for (size_t i = 0; i < count; i++)
        largest = fmax(largest, fabs(gradient[i] - b->loss_gradient[i]));

cleanup:
    free(values);
    free(gradient);
    return largest;
}

/* Runs one pass once; returns its seconds or a negative number on error. */
static double run_pass(const bench_data *b, const pass *p, const double *theta,
                       double *gradient, lnl_linear_workspace *workspace)
{
    const lnl_dataset *data = b->data;
    double start = now_seconds();

    switch (p->kind) {
    case PASS_READ:
        sink = sum_matrix(data->X, data->n_rows * data->n_features);
        break;
    case PASS_READ_ROWS:
        sink = sum_rows(data, p->shuffled ? b->shuffled : b->ordered, p->prefetch);
        break;
    case PASS_COPY_DIVIDE:
    case PASS_COPY_MULTIPLY:
        sink = copy_standardized(b, p->kind == PASS_COPY_MULTIPLY);
        break;
    case PASS_LOSS: {
        lnl_loss loss;
        memset(&loss, 0, sizeof loss);
        loss.info = lnl_loss_lookup("ce");
        loss.params.n_classes = p->n_classes;
        const int *labels = p->n_classes == 2 ? b->labels_binary : b->labels_softmax;
        if (loss.info->evaluate(&loss, data->n_rows, b->logits, labels, b->loss_values,
                                b->loss_gradient, b->loss_work) != LNL_OK) {
            fprintf(stderr, "bench_gradient: %s: the loss is not finite\n", p->name);
            return -1.0;
        }
        sink = b->loss_values[0];
        break;
    }
    case PASS_LOSS_SKETCH:
        sink = loss_sketch(b, p->n_classes);
        break;
    case PASS_OBJECTIVE: {
        lnl_loss loss;
        memset(&loss, 0, sizeof loss);
        loss.info = lnl_loss_lookup("ce");
        loss.params.n_classes = p->n_classes;
        lnl_linear_problem problem = {
            .shape = {data->n_features, p->n_classes, p->n_classes == 2, true},
            .data = data,
            .rows = p->shuffled ? b->shuffled : b->ordered,
            .n_rows = data->n_rows,
            .labels = p->n_classes == 2 ? b->labels_binary : b->labels_softmax,
            .sample_weights = NULL,
            .standardizer = p->standardize ? &b->standardizer : NULL,
            .loss = &loss,
            .C = 1.0,
        };
        lnl_error err;
        double f;
        if (lnl_linear_objective(&problem, theta, &f, gradient, workspace, &err) != LNL_OK) {
            fprintf(stderr, "bench_gradient: %s: %s\n", p->name, err.message);
            return -1.0;
        }
        sink = f;
        break;
    }
    }
    return now_seconds() - start;
}

/* Fills X with N(0, 1) draws, both row lists, labels and the statistics. */
static int bench_data_create(size_t n, size_t d, bench_data *b)
{
    memset(b, 0, sizeof *b);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 2024);
    lnl_error err;

    b->data = lnl_dataset_create(n, d, 10);
    b->ordered = malloc(n * sizeof(size_t));
    b->shuffled = malloc(n * sizeof(size_t));
    b->labels_binary = malloc(n * sizeof(int));
    b->labels_softmax = malloc(n * sizeof(int));
    b->logits = malloc(n * 10 * sizeof(double));
    b->loss_values = malloc(n * sizeof(double));
    b->loss_gradient = malloc(n * 10 * sizeof(double));
    b->loss_work = malloc((lnl_loss_work_size(n, 10) + 1) * sizeof(double));
    if (!b->data || !b->ordered || !b->shuffled || !b->labels_binary || !b->labels_softmax ||
        !b->logits || !b->loss_values || !b->loss_gradient || !b->loss_work) {
        fprintf(stderr, "bench_gradient: out of memory for %zu x %zu doubles\n", n, d);
        return 0;
    }
    for (size_t i = 0; i < n * d; i++)
        b->data->X[i] = lnl_rng_normal(&rng);
    for (size_t i = 0; i < n; i++) {
        b->ordered[i] = i;
        b->labels_softmax[i] = (int)lnl_rng_below(&rng, 10);
        b->labels_binary[i] = b->labels_softmax[i] % 2;
        b->data->y[i] = b->labels_softmax[i];
    }
    lnl_rng_permutation(&rng, b->shuffled, n);

    /* Logits of a fit's size. The binary layout (0, z) fills the first
     * 2 n entries. */
    for (size_t i = 0; i < n * 10; i++)
        b->logits[i] = 0.1 * lnl_rng_normal(&rng);
    for (size_t i = 0; i < n; i++)
        b->logits[2 * i] = 0.0;
    if (lnl_standardizer_fit(b->data, b->ordered, n, &b->standardizer, &err) != LNL_OK) {
        fprintf(stderr, "bench_gradient: %s\n", err.message);
        return 0;
    }

    /* The block of lnl's workspace for this d, plus room for 1 / scale. */
    lnl_linear_shape shape = {d, 10, false, true};
    lnl_linear_workspace workspace;
    if (lnl_linear_workspace_create(&shape, &workspace, &err) != LNL_OK) {
        fprintf(stderr, "bench_gradient: %s\n", err.message);
        return 0;
    }
    b->block_rows = workspace.block_rows;
    lnl_linear_workspace_destroy(&workspace);
    b->block = malloc((b->block_rows + 1) * d * sizeof(double));
    if (b->block == NULL) {
        fprintf(stderr, "bench_gradient: out of memory for a block\n");
        return 0;
    }
    return 1;
}

static void bench_data_destroy(bench_data *b)
{
    lnl_dataset_destroy(b->data);
    free(b->ordered);
    free(b->shuffled);
    lnl_standardizer_destroy(&b->standardizer);
    free(b->labels_binary);
    free(b->labels_softmax);
    free(b->block);
    free(b->logits);
    free(b->loss_values);
    free(b->loss_gradient);
    free(b->loss_work);
}

int main(int argc, char **argv)
{
    size_t sizes[2] = {100000, 100}, repeats = 10;
    int n_positional = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
            if (!parse_size(argv[++i], "--repeats", &repeats))
                return 2;
        } else if (strncmp(argv[i], "--", 2) != 0 && n_positional < 2) {
            if (!parse_size(argv[i], n_positional == 0 ? "N_SAMPLES" : "N_FEATURES",
                            &sizes[n_positional]))
                return 2;
            n_positional++;
        } else {
            fprintf(stderr, "bench_gradient: unexpected argument \"%s\"\n%s", argv[i], usage);
            return 2;
        }
    }
    if (n_positional == 1) {
        fputs(usage, stderr);
        return 2;
    }
    size_t n = sizes[0], d = sizes[1];

    const pass passes[] = {
        {"plain read", PASS_READ, 0, 0, 0, 0},
        {"plain read, shuffled rows", PASS_READ_ROWS, 0, 0, 1, 0},
        {"plain read, shuffled rows, prefetch", PASS_READ_ROWS, 0, 0, 1, 1},
        {"standardizing copy, divide", PASS_COPY_DIVIDE, 0, 1, 0, 0},
        {"standardizing copy, multiply", PASS_COPY_MULTIPLY, 0, 1, 0, 0},
        {"cross-entropy loss alone, K=2", PASS_LOSS, 2, 0, 0, 0},
        {"cross-entropy loss alone, K=10", PASS_LOSS, 10, 0, 0, 0},
        {"loss sketch with fewer exp calls, K=2", PASS_LOSS_SKETCH, 2, 0, 0, 0},
        {"loss sketch with fewer exp calls, K=10", PASS_LOSS_SKETCH, 10, 0, 0, 0},
        {"objective K=2, raw", PASS_OBJECTIVE, 2, 0, 0, 0},
        {"objective K=2, standardized", PASS_OBJECTIVE, 2, 1, 0, 0},
        {"objective K=2, standardized, shuffled rows", PASS_OBJECTIVE, 2, 1, 1, 0},
        {"objective K=10, raw", PASS_OBJECTIVE, 10, 0, 0, 0},
        {"objective K=10, standardized", PASS_OBJECTIVE, 10, 1, 0, 0},
        {"objective K=10, standardized, shuffled rows", PASS_OBJECTIVE, 10, 1, 1, 0},
    };
    size_t n_passes = sizeof passes / sizeof passes[0];

    bench_data b;
    int exit_code = 1;
    double *theta = NULL, *gradient = NULL;
    lnl_linear_workspace workspaces[2];
    memset(workspaces, 0, sizeof workspaces);
    if (!bench_data_create(n, d, &b))
        goto cleanup;

    /* Small random parameters keep every loss finite; their values do not
     * change the work done. */
    lnl_linear_shape shapes[2] = {{d, 2, true, true}, {d, 10, false, true}};
    size_t n_params = lnl_linear_n_params(&shapes[1]);
    theta = malloc(n_params * sizeof(double));
    gradient = malloc(n_params * sizeof(double));
    if (theta == NULL || gradient == NULL) {
        fprintf(stderr, "bench_gradient: out of memory for %zu parameters\n", n_params);
        goto cleanup;
    }
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 7);
    for (size_t i = 0; i < n_params; i++)
        theta[i] = 0.01 * lnl_rng_normal(&rng);
    for (int s = 0; s < 2; s++) {
        lnl_error err;
        if (lnl_linear_workspace_create(&shapes[s], &workspaces[s], &err) != LNL_OK) {
            fprintf(stderr, "bench_gradient: %s\n", err.message);
            goto cleanup;
        }
    }

    openblas_set_num_threads(1);
    double bytes = 8.0 * (double)n * (double)d, plain_read = 0.0;
    printf("OpenBLAS: %s (kernels for %s), 1 thread\n", openblas_get_config(),
           openblas_get_corename());
    printf("X: %zu x %zu doubles (%.0f MB), %zu rows per block, fastest of %zu passes\n\n",
           n, d, bytes / 1e6, b.block_rows, repeats);
    printf("| pass | ms | GB/s | of plain read |\n|---|---:|---:|---:|\n");
    for (size_t p = 0; p < n_passes; p++) {
        lnl_linear_workspace *workspace = &workspaces[passes[p].n_classes == 10];
        double best = 0.0;
        for (size_t r = 0; r <= repeats; r++) {
            double seconds = run_pass(&b, &passes[p], theta, gradient, workspace);
            if (seconds < 0.0)
                goto cleanup;
            if (r == 1 || (r > 1 && seconds < best))
                best = seconds;
        }
        double bandwidth = bytes / best / 1e9;
        if (passes[p].kind == PASS_READ)
            plain_read = bandwidth;
        if (passes[p].kind == PASS_LOSS || passes[p].kind == PASS_LOSS_SKETCH)
            printf("| %s | %.3f | | |\n", passes[p].name, 1e3 * best);
        else
            printf("| %s | %.3f | %.2f | %.0f%% |\n", passes[p].name, 1e3 * best, bandwidth,
                   100.0 * bandwidth / plain_read);
    }
    for (size_t k = 2; k <= 10; k += 8) {
        double difference = sketch_difference(&b, k);
        if (difference < 0.0) {
            fprintf(stderr, "bench_gradient: the loss comparison failed\n");
            goto cleanup;
        }
        printf("%sThe loss sketch for K=%zu differs from lnl's loss by at most %.1e.\n",
               k == 2 ? "\n" : "", k, difference);
    }
    exit_code = 0;

cleanup:
    lnl_linear_workspace_destroy(&workspaces[0]);
    lnl_linear_workspace_destroy(&workspaces[1]);
    free(theta);
    free(gradient);
    bench_data_destroy(&b);
    return exit_code;
}
