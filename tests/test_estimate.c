/* Tests of the transition estimators: stratified folds, the anchor-point
 * and confident-learning estimators on probabilities built from a known T
 * (where the estimate is known exactly or to sampling error), a confident
 * joint computed by hand, and both estimators end to end on a large
 * synthetic data set, where they must recover T within a stated
 * tolerance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/dataset.h"
#include "lnl/estimate.h"
#include "lnl/noise.h"
#include "lnl/rng.h"
#include "lnl/transition.h"

#define assert_close(actual, expected, tolerance) \
    check_close((actual), (expected), (tolerance), #actual, __FILE__, __LINE__)

static void check_close(double actual, double expected, double tolerance, const char *text,
                        const char *file, int line)
{
    if (fabs(actual - expected) <= tolerance)
        return;
    print_error("%s is %.17g, expected %.17g within %g\n", text, actual, expected, tolerance);
    _fail(file, line);
}

static void check_transition_close(const double *estimate, const double *truth, size_t k,
                                   double tolerance, const char *what)
{
    double max_abs, frobenius;
    lnl_transition_error(k, estimate, truth, &max_abs, &frobenius);
    if (!(max_abs <= tolerance)) {
        for (size_t i = 0; i < k; i++) {
            print_error("  row %zu:", i);
            for (size_t j = 0; j < k; j++)
                print_error(" %.4f (true %.4f)", estimate[i * k + j], truth[i * k + j]);
            print_error("\n");
        }
        fail_msg("%s: max |T - true T| = %.4g, above the tolerance %g", what, max_abs,
                 tolerance);
    }
}

/* T[c][.] for K = 3: diagonally dominant and asymmetric. */
static const double true_T[9] = {0.7, 0.2, 0.1,
                                 0.05, 0.8, 0.15,
                                 0.25, 0.0, 0.75};

/* ---- folds ------------------------------------------------------------------- */

static void folds_stratified_and_balanced(void **state)
{
    (void)state;
    enum { N = 103, K = 3, FOLDS = 5 };
    int labels[N];
    size_t fold[N], class_count[K] = {0};
    for (size_t i = 0; i < N; i++) {
        if (i < 50)
            labels[i] = 0;
        else if (i < 90)
            labels[i] = 1;
        else
            labels[i] = 2;
        class_count[labels[i]]++;
    }
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 42);
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_stratified_folds(N, labels, K, FOLDS, &rng, fold, &err), LNL_OK);

    size_t per_fold[FOLDS] = {0}, per_class[FOLDS][K] = {{0}};
    for (size_t i = 0; i < N; i++) {
        assert_true(fold[i] < FOLDS);
        per_fold[fold[i]]++;
        per_class[fold[i]][labels[i]]++;
    }
    for (size_t f = 0; f < FOLDS; f++) {
        assert_true(per_fold[f] == N / FOLDS || per_fold[f] == N / FOLDS + 1);
        for (size_t c = 0; c < K; c++)
            assert_true(per_class[f][c] == class_count[c] / FOLDS ||
                        per_class[f][c] == class_count[c] / FOLDS + 1);
    }

    /* the same stream state gives the same folds; another seed other folds */
    size_t again[N], other[N];
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 42);
    assert_int_equal(lnl_stratified_folds(N, labels, K, FOLDS, &rng, again, &err), LNL_OK);
    assert_memory_equal(fold, again, sizeof fold);
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 43);
    assert_int_equal(lnl_stratified_folds(N, labels, K, FOLDS, &rng, other, &err), LNL_OK);
    assert_true(memcmp(fold, other, sizeof fold) != 0);
}

static void folds_reject_bad_arguments(void **state)
{
    (void)state;
    int labels[4] = {0, 1, 0, 3};
    size_t fold[4];
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    lnl_error err;

    lnl_error_clear(&err);
    assert_int_equal(lnl_stratified_folds(4, labels, 2, 1, &rng, fold, &err), LNL_ERR_ARGUMENT);
    lnl_error_clear(&err);
    assert_int_equal(lnl_stratified_folds(3, labels, 2, 5, &rng, fold, &err), LNL_ERR_ARGUMENT);
    lnl_error_clear(&err);
    assert_int_equal(lnl_stratified_folds(4, labels, 2, 2, &rng, fold, &err), LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "label 3 at position 3"));
}

/* ---- estimators on given probabilities -------------------------------------- */

/* Synthetic probabilities: n samples, clean class i % K. A fraction `pure`
 * of them have the clean posterior e_c (anchors); the others a random
 * posterior. P is the noisy posterior T^T eta. The noisy labels are drawn
 * by exact matrix noise, so every class's label counts follow T exactly
 * up to rounding. */
typedef struct synthetic {
    size_t n, k;
    double *P;
    int *clean, *noisy;
} synthetic;

static void synthetic_create(synthetic *s, size_t n, double pure, uint64_t seed)
{
    size_t k = 3;
    s->n = n;
    s->k = k;
    s->P = malloc(n * k * sizeof *s->P);
    s->clean = malloc(n * sizeof *s->clean);
    s->noisy = malloc(n * sizeof *s->noisy);
    assert_non_null(s->P);
    assert_non_null(s->clean);
    assert_non_null(s->noisy);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, seed);

    for (size_t i = 0; i < n; i++) {
        size_t c = i % k;
        double eta[3] = {0.0, 0.0, 0.0};
        if (lnl_rng_uniform01(&rng) < pure) {
            eta[c] = 1.0;
        } else {
            /* most mass on c, the rest spread at random */
            double rest = lnl_rng_uniform(&rng, 0.0, 0.6);
            double share = lnl_rng_uniform01(&rng);
            eta[c] = 1.0 - rest;
            eta[(c + 1) % k] = rest * share;
            eta[(c + 2) % k] = rest * (1.0 - share);
        }
        for (size_t j = 0; j < k; j++) {
            double p = 0.0;
            for (size_t m = 0; m < k; m++)
                p += eta[m] * true_T[m * k + j];
            s->P[i * k + j] = p;
        }
        s->clean[i] = (int)c;
    }

    lnl_noise_model model = {.type = LNL_NOISE_MATRIX, .sampling = LNL_SAMPLING_EXACT,
                             .n_classes = k, .matrix = true_T};
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_noise_apply(&model, s->clean, n, &rng, s->noisy, &err), LNL_OK);
}

static void synthetic_destroy(synthetic *s)
{
    free(s->P);
    free(s->clean);
    free(s->noisy);
}

/* With anchors present and no outliers, the maximum (percentile 100) of
 * each column is an anchor, whose P row is exactly T's row: the column
 * maximum of T^T eta over the simplex is at eta = e_i because T[i][i] is
 * the largest entry of column i. */
static void anchor_recovers_rows_exactly(void **state)
{
    (void)state;
    synthetic s;
    synthetic_create(&s, 3000, 0.1, 1);
    double T[9];
    size_t anchors[3];
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_anchor_transition(s.n, 3, s.P, 100.0, T, anchors, &err), LNL_OK);
    check_transition_close(T, true_T, 3, 1e-12, "anchor, percentile 100");
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(s.clean[anchors[i]], (int)i);

    /* 3.3% of the samples are anchors of each class, so the 97th percentile
     * falls among them too */
    assert_int_equal(lnl_anchor_transition(s.n, 3, s.P, 97.0, T, NULL, &err), LNL_OK);
    check_transition_close(T, true_T, 3, 1e-12, "anchor, percentile 97");
    synthetic_destroy(&s);
}

/* Outliers above the anchors (1% of samples predicted as class i with
 * certainty) fool the maximum; the 97th percentile skips them. */
static void anchor_percentile_skips_outliers(void **state)
{
    (void)state;
    synthetic s;
    synthetic_create(&s, 3000, 0.1, 2);
    for (size_t i = 0; i < s.n; i += 100)
        for (size_t j = 0; j < 3; j++)
            s.P[i * 3 + j] = j == (i / 100) % 3 ? 1.0 : 0.0;
    double T[9];
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_anchor_transition(s.n, 3, s.P, 100.0, T, NULL, &err), LNL_OK);
    for (size_t i = 0; i < 3; i++)
        assert_close(T[i * 3 + i], 1.0, 0.0);
    assert_int_equal(lnl_anchor_transition(s.n, 3, s.P, 97.0, T, NULL, &err), LNL_OK);
    check_transition_close(T, true_T, 3, 1e-12, "anchor with outliers, percentile 97");
    synthetic_destroy(&s);
}

/* numpy's percentile(method="higher") rank: ceil(q / 100 (n - 1)). With
 * P[.][0] = 0, 0.1, ..., 0.9 in shuffled order, q = 50 picks rank
 * ceil(4.5) = 5, the value 0.5. */
static void anchor_percentile_rank(void **state)
{
    (void)state;
    const double column[10] = {0.3, 0.9, 0.0, 0.5, 0.7, 0.1, 0.8, 0.2, 0.6, 0.4};
    double P[20], T[4];
    size_t anchors[2];
    for (size_t i = 0; i < 10; i++) {
        P[i * 2] = column[i];
        P[i * 2 + 1] = 1.0 - column[i];
    }
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_anchor_transition(10, 2, P, 50.0, T, anchors, &err), LNL_OK);
    assert_int_equal(anchors[0], 3);  /* the sample with 0.5 */
    assert_close(T[0], 0.5, 0.0);
    assert_int_equal(lnl_anchor_transition(10, 2, P, 100.0, T, anchors, &err), LNL_OK);
    assert_int_equal(anchors[0], 1);  /* 0.9 */
    assert_int_equal(anchors[1], 2);  /* 1 - 0.0 */
    assert_int_equal(lnl_anchor_transition(10, 2, P, 0.0, T, anchors, &err), LNL_OK);
    assert_int_equal(anchors[0], 2);
    assert_int_equal(lnl_anchor_transition(10, 2, P, 100.5, T, anchors, &err), LNL_ERR_ARGUMENT);
}

/* Six samples, K = 2, worked by hand:
 *   P[.][1]  = 0.9  0.8  0.25  0.2  0.6  0.1,  labels 1 1 1 0 0 0.
 * Thresholds: t_1 = (0.9 + 0.8 + 0.25) / 3 = 0.65, t_0 = (0.8 + 0.4 + 0.9)
 * / 3 = 0.7. Samples 0, 1 reach t_1 only (clean 1); sample 2 has P =
 * (0.75, 0.25) and reaches t_0 (clean 0); sample 3 has (0.8, 0.2): clean
 * 0; sample 4 has (0.4, 0.6): neither; sample 5 has (0.9, 0.1): clean 0.
 * C[noisy][clean] = [[2, 0], [1, 2]]. Row 0 has 3 labels and 2 counted:
 * Q row 0 = (3, 0) / 6; row 1 = (1, 2) / 6. prior = (4/6, 2/6);
 * T[0] = (3/4, 1/4), T[1] = (0, 1); noise rate = 1/6. */
static void confident_joint_by_hand(void **state)
{
    (void)state;
    const double p1[6] = {0.9, 0.8, 0.25, 0.2, 0.6, 0.1};
    const int labels[6] = {1, 1, 1, 0, 0, 0};
    double P[12];
    for (size_t i = 0; i < 6; i++) {
        P[i * 2] = 1.0 - p1[i];
        P[i * 2 + 1] = p1[i];
    }
    lnl_confident_joint joint;
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_confident_joint_compute(6, 2, P, labels, &joint, &err), LNL_OK);
    assert_close(joint.thresholds[0], 0.7, 1e-15);
    assert_close(joint.thresholds[1], 0.65, 1e-15);
    const size_t counts[4] = {2, 0, 1, 2};
    for (int i = 0; i < 4; i++)
        assert_int_equal(joint.counts[i], counts[i]);
    const int confident[6] = {1, 1, 0, 0, -1, 0};
    for (int i = 0; i < 6; i++)
        assert_int_equal(joint.confident_class[i], confident[i]);
    const double Q[4] = {0.5, 0.0, 1.0 / 6.0, 2.0 / 6.0};
    for (int i = 0; i < 4; i++)
        assert_close(joint.joint[i], Q[i], 1e-15);
    assert_close(joint.prior[0], 4.0 / 6.0, 1e-15);
    assert_close(joint.prior[1], 2.0 / 6.0, 1e-15);
    const double T[4] = {0.75, 0.25, 0.0, 1.0};
    for (int i = 0; i < 4; i++)
        assert_close(joint.transition[i], T[i], 1e-15);
    assert_close(joint.noise_rate, 1.0 / 6.0, 1e-15);
    lnl_confident_joint_destroy(&joint);
}

/* The two fallbacks: a noisy class none of whose samples is counted stays
 * on the diagonal of Q, and a clean class with prior 0 gets the identity
 * row of T. */
static void confident_joint_fallbacks(void **state)
{
    (void)state;
    /* Three equal self-confidences 0.1 sum to 0.30000000000000004 in
     * double precision, so t_1 = 0.10000000000000002 exceeds every one of
     * them: no sample labelled 1 is counted. t_0 = 1 is reached only by
     * the samples labelled 0. */
    const double P[12] = {1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.9, 0.1, 0.9, 0.1, 0.9, 0.1};
    const int labels[6] = {0, 0, 0, 1, 1, 1};
    lnl_confident_joint joint;
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_confident_joint_compute(6, 2, P, labels, &joint, &err), LNL_OK);
    assert_true(joint.thresholds[1] > 0.1);
    assert_int_equal(joint.counts[2] + joint.counts[3], 0);
    assert_close(joint.joint[0], 0.5, 0.0);
    assert_close(joint.joint[3], 0.5, 0.0);
    assert_close(joint.transition[0], 1.0, 0.0);
    assert_close(joint.transition[3], 1.0, 0.0);
    lnl_confident_joint_destroy(&joint);

    /* no sample is labelled 1: t_1 = +inf and clean class 1 has prior 0 */
    const double none[4] = {0.5, 0.5, 0.5, 0.5};
    const int one_class[2] = {0, 0};
    assert_int_equal(lnl_confident_joint_compute(2, 2, none, one_class, &joint, &err), LNL_OK);
    assert_true(isinf(joint.thresholds[1]));
    assert_close(joint.prior[1], 0.0, 0.0);
    assert_close(joint.transition[2], 0.0, 0.0);
    assert_close(joint.transition[3], 1.0, 0.0);
    lnl_confident_joint_destroy(&joint);
}

/* With pure posteriors every sample is counted under its clean class, so
 * the confident joint is the realised clean-vs-noisy confusion and T is
 * the exact-sampling T up to rounding of the per-class counts (1 / 1000). */
static void confident_recovers_pure_transition(void **state)
{
    (void)state;
    synthetic s;
    synthetic_create(&s, 3000, 1.0, 3);
    lnl_confident_joint joint;
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_confident_joint_compute(s.n, 3, s.P, s.noisy, &joint, &err), LNL_OK);
    for (size_t i = 0; i < s.n; i++)
        assert_int_equal(joint.confident_class[i], s.clean[i]);
    check_transition_close(joint.transition, true_T, 3, 1.0 / 1000.0 + 1e-12,
                           "confident learning, pure posteriors");
    for (size_t j = 0; j < 3; j++)
        assert_close(joint.prior[j], 1.0 / 3.0, 1e-12);
    /* P(noisy != clean) = mean off-diagonal mass (0.3 + 0.2 + 0.25) / 3 */
    assert_close(joint.noise_rate, 0.25, 1e-3);
    lnl_confident_joint_destroy(&joint);
    synthetic_destroy(&s);
}

/* With 60% of the samples ambiguous the confident joint still recovers T
 * within 0.03 (measured 0.0094 with this seed). */
static void confident_recovers_mixed_transition(void **state)
{
    (void)state;
    synthetic s;
    synthetic_create(&s, 30000, 0.4, 4);
    lnl_confident_joint joint;
    lnl_error err;
    lnl_error_clear(&err);

    assert_int_equal(lnl_confident_joint_compute(s.n, 3, s.P, s.noisy, &joint, &err), LNL_OK);
    check_transition_close(joint.transition, true_T, 3, 0.03,
                           "confident learning, 60% ambiguous posteriors");
    lnl_confident_joint_destroy(&joint);
    synthetic_destroy(&s);
}

/* ---- end to end on a synthetic data set ---------------------------------------- */

/* Three unit-variance Gaussian blobs in 2 dimensions, centers 6 apart on a
 * triangle, n_per_class samples each. With equal covariances the clean
 * posterior is a softmax of linear functions, which logistic regression
 * can represent. Far from the boundaries the posterior is nearly one-hot,
 * so anchors exist. Labels get exact matrix noise with true_T. */
typedef struct blobs {
    lnl_dataset *data;
    size_t *rows;
    int *noisy;
    size_t n;
} blobs;

static void blobs_create(blobs *b, size_t n_per_class, uint64_t seed)
{
    const double centers[3][2] = {{0.0, 0.0}, {6.0, 0.0}, {3.0, 5.196152422706632}};
    size_t n = 3 * n_per_class;
    b->n = n;
    b->data = lnl_dataset_create(n, 2, 3);
    b->rows = malloc(n * sizeof *b->rows);
    b->noisy = malloc(n * sizeof *b->noisy);
    assert_non_null(b->data);
    assert_non_null(b->rows);
    assert_non_null(b->noisy);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, seed);
    for (size_t i = 0; i < n; i++) {
        size_t c = i % 3;
        b->data->X[i * 2] = centers[c][0] + lnl_rng_normal(&rng);
        b->data->X[i * 2 + 1] = centers[c][1] + lnl_rng_normal(&rng);
        b->data->y[i] = (int)c;
        b->rows[i] = i;
    }
    lnl_noise_model model = {.type = LNL_NOISE_MATRIX, .sampling = LNL_SAMPLING_EXACT,
                             .n_classes = 3, .matrix = true_T};
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_noise_apply(&model, b->data->y, n, &rng, b->noisy, &err), LNL_OK);
}

static void blobs_destroy(blobs *b)
{
    lnl_dataset_destroy(b->data);
    free(b->rows);
    free(b->noisy);
}

static lnl_estimate_problem blobs_problem(const blobs *b)
{
    lnl_estimate_problem problem = {
        .shape = {.n_features = 2, .n_classes = 3, .binary = false, .fit_intercept = true},
        .data = b->data,
        .rows = b->rows,
        .n_rows = b->n,
        .labels = b->noisy,
        .standardizer = NULL,
        .C = 1.0,
        .max_iter = 1000,
        .tol = 1e-8,
    };
    return problem;
}

/* 6000 samples. Confident learning recovers T within 0.03 in every entry
 * (measured 0.011 with this seed, 0.013 with seeds 10 and 11). The anchor
 * estimator gets 0.15 (measured 0.131, and 0.130 and 0.108 with seeds 10
 * and 11): the linear logits of logistic regression grow without bound,
 * so at the 97th percentile of p(noisy = i | x) the model is more
 * confident than T[i][i] and the rows come out too close to the identity
 * (0.81 for T[0][0] = 0.7). The maximum makes this worse (0.22) and the
 * 90th percentile better (0.06). */
static void estimators_recover_transition_end_to_end(void **state)
{
    (void)state;
    blobs b;
    blobs_create(&b, 2000, 9);
    lnl_estimate_problem problem = blobs_problem(&b);
    lnl_rng rng;
    lnl_error err;
    lnl_error_clear(&err);

    double T[9], chosen_C = 0.0;
    lnl_anchor_options options;
    lnl_anchor_defaults(&options);
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    assert_int_equal(lnl_estimate_anchor(&problem, &options, &rng, T, &chosen_C, &err), LNL_OK);
    check_transition_close(T, true_T, 3, 0.15, "anchor end to end");
    assert_true(chosen_C > 0.0);

    lnl_confident_joint joint;
    double *P = malloc(b.n * 3 * sizeof *P);
    assert_non_null(P);
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    assert_int_equal(lnl_estimate_confident(&problem, 5, &rng, &joint, P, &err), LNL_OK);
    check_transition_close(joint.transition, true_T, 3, 0.03, "confident end to end");
    for (size_t i = 0; i < b.n; i++) {
        double sum = P[i * 3] + P[i * 3 + 1] + P[i * 3 + 2];
        assert_close(sum, 1.0, 1e-12);
    }
    /* true P(noisy != clean) with balanced classes: 0.25 */
    assert_close(joint.noise_rate, 0.25, 0.01);

    free(P);
    lnl_confident_joint_destroy(&joint);
    blobs_destroy(&b);
}

static void estimators_reject_bad_arguments(void **state)
{
    (void)state;
    blobs b;
    blobs_create(&b, 10, 1);
    lnl_estimate_problem problem = blobs_problem(&b);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 1);
    double T[9];
    lnl_error err;

    lnl_anchor_options options;
    lnl_anchor_defaults(&options);
    options.holdout = 1.0;
    lnl_error_clear(&err);
    assert_int_equal(lnl_estimate_anchor(&problem, &options, &rng, T, NULL, &err),
                     LNL_ERR_ARGUMENT);
    /* 0.01 of 10 rows per class holds out nothing */
    options.holdout = 0.01;
    lnl_error_clear(&err);
    assert_int_equal(lnl_estimate_anchor(&problem, &options, &rng, T, NULL, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "both must be at least 1"));

    problem.C = 0.0;
    lnl_confident_joint joint;
    lnl_error_clear(&err);
    assert_int_equal(lnl_estimate_confident(&problem, 5, &rng, &joint, NULL, &err),
                     LNL_ERR_ARGUMENT);
    problem.C = 1.0;
    b.noisy[4] = 7;
    lnl_error_clear(&err);
    assert_int_equal(lnl_estimate_confident(&problem, 5, &rng, &joint, NULL, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "label 7 at position 4"));
    blobs_destroy(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_stratified_and_balanced),
        cmocka_unit_test(folds_reject_bad_arguments),
        cmocka_unit_test(anchor_recovers_rows_exactly),
        cmocka_unit_test(anchor_percentile_skips_outliers),
        cmocka_unit_test(anchor_percentile_rank),
        cmocka_unit_test(confident_joint_by_hand),
        cmocka_unit_test(confident_joint_fallbacks),
        cmocka_unit_test(confident_recovers_pure_transition),
        cmocka_unit_test(confident_recovers_mixed_transition),
        cmocka_unit_test(estimators_recover_transition_end_to_end),
        cmocka_unit_test(estimators_reject_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
