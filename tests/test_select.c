/* Tests of sample selection. The filter, the schedule, the label metrics,
 * confident pruning and the noise rate run on hand-built cases. The fits
 * of every filter are compared with an oracle assembled from the public
 * building blocks. */
#include "lnl/select.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "lnl/config.h"
#include "lnl/generate.h"
#include "lnl/method.h"
#include "lnl/report.h"

/* ---- the filter on given losses --------------------------------------------- */

static void assert_indices(const size_t *actual, size_t n_actual, const size_t *expected,
                           size_t n_expected)
{
    assert_int_equal(n_actual, n_expected);
    for (size_t i = 0; i < n_expected; i++)
        if (actual[i] != expected[i])
            fail_msg("kept[%zu] = %zu, expected %zu", i, actual[i], expected[i]);
}

static void drop_count_table(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        double rate;
        size_t drop;
    } cases[] = {
        {10, 0.3, 3},   {10, 0.0, 0},  {10, 1.0, 9},    {7, 0.5, 3},    {0, 0.5, 0},
        {3, 0.999, 2},  {100, 0.29, 29}, {1, 0.9, 0},   {5, 0.19, 0},   {1000, 0.4, 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t drop = lnl_select_drop_count(cases[i].n, cases[i].rate);
        if (drop != cases[i].drop)
            fail_msg("drop_count(%zu, %g) = %zu, expected %zu", cases[i].n, cases[i].rate, drop,
                     cases[i].drop);
    }
}

/* The three largest losses go; of the three tied at 2.0 the lowest index
 * stays. */
static void small_loss_keeps_expected_indices(void **state)
{
    (void)state;
    const double losses[10] = {0.5, 2.0, 0.1, 2.0, 0.3, 0.3, 5.0, 0.0, 1.0, 2.0};
    size_t kept[10], n_kept = 0;
    lnl_error err;
    assert_int_equal(lnl_select_small_loss(10, losses, 0.3, kept, &n_kept, &err), LNL_OK);
    const size_t expected[] = {0, 1, 2, 4, 5, 7, 8};
    assert_indices(kept, n_kept, expected, 7);
}

static void small_loss_ties_keep_lower_index(void **state)
{
    (void)state;
    const double losses[6] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
    size_t kept[6], n_kept = 0;
    lnl_error err;
    assert_int_equal(lnl_select_small_loss(6, losses, 0.5, kept, &n_kept, &err), LNL_OK);
    const size_t expected[] = {0, 1, 2};
    assert_indices(kept, n_kept, expected, 3);

    /* infinite losses rank last, among themselves by index */
    const double infinite[4] = {INFINITY, 0.0, INFINITY, -1.0};
    assert_int_equal(lnl_select_small_loss(4, infinite, 0.25, kept, &n_kept, &err), LNL_OK);
    const size_t expected_infinite[] = {0, 1, 3};
    assert_indices(kept, n_kept, expected_infinite, 3);
}

static void small_loss_rate_zero_and_one(void **state)
{
    (void)state;
    const double losses[4] = {3.0, 1.0, 2.0, 0.5};
    size_t kept[4], n_kept = 0;
    lnl_error err;
    assert_int_equal(lnl_select_small_loss(4, losses, 0.0, kept, &n_kept, &err), LNL_OK);
    const size_t all[] = {0, 1, 2, 3};
    assert_indices(kept, n_kept, all, 4);
    assert_int_equal(lnl_select_small_loss(4, losses, 1.0, kept, &n_kept, &err), LNL_OK);
    const size_t smallest[] = {3};
    assert_indices(kept, n_kept, smallest, 1);
}

/* Class 2 has a single sample with the largest loss: the global filter
 * drops it, the per-class filter keeps it, and drops floor(0.5 n_c) of
 * each other class. */
static void per_class_keeps_every_class(void **state)
{
    (void)state;
    const double losses[9] = {0.1, 0.9, 0.4, 0.2, 0.8, 0.3, 0.7, 0.6, 9.0};
    const int labels[9] = {0, 0, 0, 0, 1, 1, 1, 1, 2};
    size_t kept[9], n_kept = 0;
    lnl_error err;

    assert_int_equal(lnl_select_small_loss(9, losses, 0.5, kept, &n_kept, &err), LNL_OK);
    const size_t global[] = {0, 2, 3, 5, 7};
    assert_indices(kept, n_kept, global, 5);

    assert_int_equal(
        lnl_select_small_loss_per_class(9, losses, labels, 3, 0.5, kept, &n_kept, &err), LNL_OK);
    const size_t per_class[] = {0, 3, 5, 7, 8};
    assert_indices(kept, n_kept, per_class, 5);
    bool seen[3] = {false, false, false};
    for (size_t i = 0; i < n_kept; i++)
        seen[labels[kept[i]]] = true;
    assert_true(seen[0] && seen[1] && seen[2]);

    /* a rate that would empty a class of two keeps one of them */
    const int pairs[4] = {0, 0, 1, 1};
    assert_int_equal(
        lnl_select_small_loss_per_class(4, losses, pairs, 2, 0.99, kept, &n_kept, &err), LNL_OK);
    const size_t one_each[] = {0, 3};
    assert_indices(kept, n_kept, one_each, 2);
}

static void filter_rejects_invalid_input(void **state)
{
    (void)state;
    const double losses[3] = {0.1, NAN, 0.3};
    const double fine[3] = {0.1, 0.2, 0.3};
    const int labels[3] = {0, 3, 1};
    size_t kept[3], n_kept = 7;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_select_small_loss(3, losses, 0.3, kept, &n_kept, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "the loss of sample 1 is NaN"));
    assert_int_equal(n_kept, 0);
    assert_int_equal(lnl_select_small_loss(3, fine, 1.5, kept, &n_kept, &err), LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "forget rate 1.5 is outside [0, 1]"));
    assert_int_equal(lnl_select_small_loss_per_class(3, fine, labels, 3, 0.3, kept, &n_kept, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "label 3 of sample 1 is outside [0, 3)"));
}

/* ---- schedule and metrics ------------------------------------------------------ */

static void schedule_rate_table(void **state)
{
    (void)state;
    static const struct {
        int epoch;
        double tau;
        int num_gradual;
        double exponent;
        double rate;
    } cases[] = {
        {0, 0.4, 10, 1.0, 0.0},  {1, 0.4, 10, 1.0, 0.04}, {5, 0.4, 10, 1.0, 0.2},
        {10, 0.4, 10, 1.0, 0.4}, {25, 0.4, 10, 1.0, 0.4}, {5, 0.4, 10, 2.0, 0.1},
        {5, 0.4, 10, 0.5, 0.28284271247461906}, {-3, 0.4, 10, 1.0, 0.0}, {1, 0.2, 1, 1.0, 0.2},
        {3, 0.0, 10, 1.0, 0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double rate = lnl_select_schedule_rate(cases[i].epoch, cases[i].tau,
                                               cases[i].num_gradual, cases[i].exponent);
        if (fabs(rate - cases[i].rate) > 1e-15)
            fail_msg("R(%d) with tau %g, T_k %d, c %g is %.17g, expected %.17g", cases[i].epoch,
                     cases[i].tau, cases[i].num_gradual, cases[i].exponent, rate, cases[i].rate);
    }
}

/* 8 samples, 3 of them mislabelled (1, 4, 6). Keeping {0, 1, 2, 3, 5}
 * keeps 4 of the 5 clean ones and 1 of the mislabelled ones. */
static void label_metrics_hand_case(void **state)
{
    (void)state;
    const int labels[8] = {0, 1, 2, 0, 1, 2, 0, 1};
    const int clean[8] = {0, 0, 2, 0, 2, 2, 1, 1};
    const size_t kept[5] = {0, 1, 2, 3, 5};
    lnl_label_metrics metrics;

    lnl_select_label_metrics(8, labels, clean, kept, 5, &metrics);
    assert_int_equal(metrics.n_kept, 5);
    assert_true(metrics.precision == 4.0 / 5.0);
    assert_true(metrics.recall == 4.0 / 5.0);

    const size_t clean_only[3] = {0, 2, 7};
    lnl_select_label_metrics(8, labels, clean, clean_only, 3, &metrics);
    assert_true(metrics.precision == 1.0);
    assert_true(metrics.recall == 3.0 / 5.0);

    lnl_select_label_metrics(8, labels, clean, NULL, 0, &metrics);
    assert_int_equal(metrics.n_kept, 8);
    assert_true(metrics.precision == 5.0 / 8.0);
    assert_true(metrics.recall == 1.0);

    lnl_select_label_metrics(8, labels, NULL, kept, 5, &metrics);
    assert_int_equal(metrics.n_kept, 5);
    assert_true(isnan(metrics.precision) && isnan(metrics.recall));

    /* every label wrong: no clean sample to recall */
    const int wrong[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    const int truth[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    lnl_select_label_metrics(8, wrong, truth, kept, 5, &metrics);
    assert_true(metrics.precision == 0.0);
    assert_true(isnan(metrics.recall));
}

/* ---- confident pruning and the noise rate ----------------------------------------- */

/* Samples 2 and 5 look like the other class. The confident joint is
 * [[2, 1], [1, 2]], so one sample of each class is flagged: the one with
 * the largest margin toward the other class. */
static void confident_prune_hand_case(void **state)
{
    (void)state;
    const double P[12] = {0.9, 0.1, 0.8, 0.2, 0.2, 0.8, 0.1, 0.9, 0.3, 0.7, 0.7, 0.3};
    const int labels[6] = {0, 0, 0, 1, 1, 1};
    lnl_confident_joint joint;
    lnl_error err;
    assert_int_equal(lnl_confident_joint_compute(6, 2, P, labels, &joint, &err), LNL_OK);
    assert_int_equal(joint.counts[1], 1);
    assert_int_equal(joint.counts[2], 1);

    bool flagged[6];
    size_t n_flagged = 0;
    assert_int_equal(lnl_select_confident_prune(6, 2, P, labels, &joint, flagged, &n_flagged, &err),
                     LNL_OK);
    assert_int_equal(n_flagged, 2);
    const bool expected[6] = {false, false, true, false, false, true};
    for (size_t s = 0; s < 6; s++)
        if (flagged[s] != expected[s])
            fail_msg("sample %zu flagged %d, expected %d", s, flagged[s], expected[s]);
    lnl_confident_joint_destroy(&joint);
}

/* A joint built by hand: m_01 = round(4 * 0.25) = 1, and samples 1 and 2
 * tie for the largest margin, so the higher index is flagged. */
static void confident_prune_ties_and_cap(void **state)
{
    (void)state;
    const double P[8] = {0.9, 0.1, 0.4, 0.6, 0.4, 0.6, 0.2, 0.8};
    const int labels[4] = {0, 0, 0, 1};
    double Q[4] = {0.5, 0.25, 0.0, 0.25};
    lnl_confident_joint joint = {.n_classes = 2, .n_samples = 4, .joint = Q};
    bool flagged[4];
    size_t n_flagged = 0;
    lnl_error err;
    assert_int_equal(lnl_select_confident_prune(4, 2, P, labels, &joint, flagged, &n_flagged, &err),
                     LNL_OK);
    assert_int_equal(n_flagged, 1);
    assert_false(flagged[1]);
    assert_true(flagged[2]);

    /* m_01 = 2 would empty class 0 of two samples, so it becomes 1 */
    const int two_each[4] = {0, 0, 1, 1};
    double all_wrong[4] = {0.0, 0.5, 0.0, 0.5};
    joint.joint = all_wrong;
    assert_int_equal(
        lnl_select_confident_prune(4, 2, P, two_each, &joint, flagged, &n_flagged, &err), LNL_OK);
    assert_int_equal(n_flagged, 1);
    assert_false(flagged[0]);
    assert_true(flagged[1]);

    /* a joint of other sizes is rejected */
    joint.n_samples = 5;
    assert_int_equal(
        lnl_select_confident_prune(4, 2, P, two_each, &joint, flagged, &n_flagged, &err),
        LNL_ERR_ARGUMENT);
}

static void noise_rate_from_transition(void **state)
{
    (void)state;
    int labels[100];
    lnl_error err;
    double rate = -1.0;

    /* symmetric T: 1 - T[i][i] is the same for every class */
    const double symmetric[9] = {0.7, 0.15, 0.15, 0.15, 0.7, 0.15, 0.15, 0.15, 0.7};
    for (int i = 0; i < 100; i++)
        labels[i] = i % 7 == 0 ? 2 : i % 2;
    assert_int_equal(lnl_select_noise_rate(3, symmetric, 100, labels, &rate, &err), LNL_OK);
    assert_true(fabs(rate - 0.3) < 1e-12);

    /* prior (0.6, 0.4) gives noisy frequencies (0.64, 0.36) through T */
    const double T[4] = {0.8, 0.2, 0.4, 0.6};
    for (int i = 0; i < 100; i++)
        labels[i] = i < 64 ? 0 : 1;
    assert_int_equal(lnl_select_noise_rate(2, T, 100, labels, &rate, &err), LNL_OK);
    assert_true(fabs(rate - (0.6 * 0.2 + 0.4 * 0.4)) < 1e-12);

    /* a singular T falls back to the noisy frequencies as the prior */
    const double singular[4] = {0.5, 0.5, 0.5, 0.5};
    assert_int_equal(lnl_select_noise_rate(2, singular, 100, labels, &rate, &err), LNL_OK);
    assert_true(fabs(rate - 0.5) < 1e-12);

    /* all labels 0: the solved prior (1.125, -0.125) is clipped to (1, 0) */
    const double mild[4] = {0.9, 0.1, 0.1, 0.9};
    for (int i = 0; i < 100; i++)
        labels[i] = 0;
    assert_int_equal(lnl_select_noise_rate(2, mild, 100, labels, &rate, &err), LNL_OK);
    assert_true(fabs(rate - 0.1) < 1e-12);

    const double negative[4] = {1.1, -0.1, 0.0, 1.0};
    assert_int_equal(lnl_select_noise_rate(2, negative, 100, labels, &rate, &err),
                     LNL_ERR_ARGUMENT);
}

/* ---- fits ------------------------------------------------------------------------ */

enum { N_SAMPLES = 240, N_CLASSES = 3 };

/* A 3-class make_classification set whose training labels have every
 * fourth sample moved to the next class: 60 of 240 labels wrong. */
typedef struct fit_fixture {
    lnl_dataset *data;
    size_t rows[N_SAMPLES];
    int clean[N_SAMPLES];
    int noisy[N_SAMPLES];
    double T[N_CLASSES * N_CLASSES];
    lnl_rng rng;
} fit_fixture;

static int fixture_setup(void **state)
{
    fit_fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    params.n_samples = N_SAMPLES;
    params.n_features = 6;
    params.n_informative = 4;
    params.n_classes = N_CLASSES;
    params.flip_y = 0.0;
    params.class_sep = 2.0;
    params.n_clusters_per_class = 1;
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 11);
    lnl_error err;
    if (lnl_make_classification(&params, &rng, &f->data, &err) != LNL_OK) {
        free(f);
        return -1;
    }
    for (size_t i = 0; i < N_SAMPLES; i++) {
        f->rows[i] = i;
        f->clean[i] = f->data->y[i];
        f->noisy[i] = i % 4 == 1 ? (f->clean[i] + 1) % N_CLASSES : f->clean[i];
    }
    for (size_t i = 0; i < N_CLASSES; i++)
        for (size_t j = 0; j < N_CLASSES; j++)
            f->T[i * N_CLASSES + j] = i == j ? 0.75 : (j == (i + 1) % N_CLASSES ? 0.25 : 0.0);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    fit_fixture *f = *state;
    lnl_dataset_destroy(f->data);
    free(f);
    return 0;
}

static lnl_fit_input fixture_input(fit_fixture *f, uint64_t seed)
{
    lnl_rng_seed(&f->rng, LNL_RNG_DEFAULT, seed);
    lnl_fit_input input = {
        .data = f->data,
        .rows = f->rows,
        .n_rows = N_SAMPLES,
        .labels = f->noisy,
        .clean_labels = f->clean,
        .n_classes = N_CLASSES,
        .standardizer = NULL,
        .true_transition = f->T,
        .rng = &f->rng,
    };
    return input;
}

/* The [method m] of a config made of the given keys, with every default
 * filled in by the config reader. */
static lnl_method_spec method_spec(const char *keys)
{
    char text[1024];
    snprintf(text, sizeof text,
             "[data d]\nsource = make_classification\n[noise n]\ntype = symmetric\n"
             "rates = 0.1\n[method m]\n%s",
             keys);
    lnl_config *config = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    if (lnl_config_parse_string(text, "test.ini", &config, &err) != LNL_OK)
        fail_msg("config does not parse: %s", err.message);
    lnl_method_spec spec = config->methods[0];
    lnl_config_destroy(config);
    return spec;
}

static void fit_ok(const lnl_method_spec *spec, const lnl_fit_input *input,
                   lnl_fit_output *output)
{
    lnl_error err;
    lnl_error_clear(&err);
    lnl_status status = lnl_method_fit(spec, input, output, &err);
    if (status != LNL_OK)
        fail_msg("fit of %s failed: %s", spec->name, err.message);
}

static double max_difference(size_t n, const double *a, const double *b)
{
    double max = 0.0;
    for (size_t i = 0; i < n; i++)
        max = fabs(a[i] - b[i]) > max ? fabs(a[i] - b[i]) : max;
    return max;
}

/* A method without a filter keeps every sample: precision is the share of
 * correct labels, 180 of 240. */
static void plain_fit_keeps_every_sample(void **state)
{
    fit_fixture *f = *state;
    lnl_fit_input input = fixture_input(f, 1);
    lnl_method_spec spec = method_spec("");
    lnl_fit_output output;
    fit_ok(&spec, &input, &output);
    assert_int_equal(output.n_kept, N_SAMPLES);
    assert_true(output.label_precision == 0.75);
    assert_true(output.label_recall == 1.0);
    assert_true(isnan(output.forget_rate));
    lnl_fit_output_destroy(&output);
}

/* Filter, then retrain, against the oracle: the plain fit, its cross
 * entropies, lnl_select_small_loss and a plain fit on the kept rows. */
static void retrain_matches_manual_pipeline(void **state)
{
    fit_fixture *f = *state;
    lnl_method_spec plain = method_spec("");
    lnl_method_spec spec = method_spec("filter = small_loss\nforget_rate = 0.25\n");
    lnl_fit_input input = fixture_input(f, 1);
    lnl_error err;
    lnl_error_clear(&err);

    lnl_fit_output first, oracle, selected;
    fit_ok(&plain, &input, &first);
    double losses[N_SAMPLES];
    size_t kept[N_SAMPLES], n_kept = 0;
    assert_int_equal(lnl_select_cross_entropy(&first.shape, first.theta, f->data, f->rows,
                                              N_SAMPLES, f->noisy, NULL, losses, &err),
                     LNL_OK);
    assert_int_equal(lnl_select_small_loss(N_SAMPLES, losses, 0.25, kept, &n_kept, &err), LNL_OK);
    assert_int_equal(n_kept, 180);
    size_t rows[N_SAMPLES];
    int labels[N_SAMPLES], clean[N_SAMPLES];
    for (size_t i = 0; i < n_kept; i++) {
        rows[i] = f->rows[kept[i]];
        labels[i] = f->noisy[kept[i]];
        clean[i] = f->clean[kept[i]];
    }
    lnl_fit_input sub = input;
    sub.rows = rows;
    sub.labels = labels;
    sub.clean_labels = clean;
    sub.n_rows = n_kept;
    fit_ok(&plain, &sub, &oracle);
    lnl_label_metrics metrics;
    lnl_select_label_metrics(N_SAMPLES, f->noisy, f->clean, kept, n_kept, &metrics);

    fit_ok(&spec, &input, &selected);
    size_t n_params = 3 * 7;
    assert_true(max_difference(n_params, selected.theta, oracle.theta) == 0.0);
    assert_int_equal(selected.n_kept, 180);
    assert_true(selected.label_precision == metrics.precision);
    assert_true(selected.label_recall == metrics.recall);
    assert_true(selected.forget_rate == 0.25);
    /* the filter must find more clean labels than the 0.75 of all samples */
    assert_true(selected.label_precision > 0.85);

    lnl_fit_output_destroy(&first);
    lnl_fit_output_destroy(&oracle);
    lnl_fit_output_destroy(&selected);
}

/* forget_rate = 0 keeps every sample, so the refit is the plain fit. */
static void retrain_rate_zero_equals_plain_fit(void **state)
{
    fit_fixture *f = *state;
    lnl_fit_input input = fixture_input(f, 1);
    lnl_method_spec plain = method_spec("");
    lnl_method_spec spec = method_spec("filter = small_loss\nforget_rate = 0\nrounds = 2\n");
    lnl_fit_output a, b;
    fit_ok(&plain, &input, &a);
    fit_ok(&spec, &input, &b);
    assert_true(max_difference(3 * 7, a.theta, b.theta) == 0.0);
    assert_int_equal(b.n_kept, N_SAMPLES);
    assert_true(b.label_precision == 0.75);
    lnl_fit_output_destroy(&a);
    lnl_fit_output_destroy(&b);
}

/* per_class keeps floor(0.75 n_c) of every noisy class. */
static void retrain_per_class_counts(void **state)
{
    fit_fixture *f = *state;
    lnl_fit_input input = fixture_input(f, 1);
    lnl_method_spec spec =
        method_spec("filter = small_loss\nforget_rate = 0.25\nper_class = true\n");
    size_t counts[N_CLASSES] = {0}, expected = 0;
    for (size_t i = 0; i < N_SAMPLES; i++)
        counts[f->noisy[i]]++;
    for (size_t c = 0; c < N_CLASSES; c++)
        expected += counts[c] - lnl_select_drop_count(counts[c], 0.25);
    lnl_fit_output output;
    fit_ok(&spec, &input, &output);
    assert_int_equal(output.n_kept, expected);
    lnl_fit_output_destroy(&output);
}

/* forget_rate = auto with the known T: every class keeps 0.75 of its
 * labels, so the noise rate is 0.25 whatever the prior. */
static void auto_forget_rate_from_known_transition(void **state)
{
    fit_fixture *f = *state;
    lnl_fit_input input = fixture_input(f, 1);
    lnl_method_spec spec =
        method_spec("filter = small_loss\nforget_rate = auto\ntransition = known\n");
    lnl_fit_output output;
    fit_ok(&spec, &input, &output);
    assert_true(fabs(output.forget_rate - 0.25) < 1e-12);
    assert_int_equal(output.n_kept, 180);
    lnl_fit_output_destroy(&output);

    /* without a true T the known source fails, naming the method */
    input.true_transition = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit(&spec, &input, &output, &err), LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "[method m]"));
}

static const char schedule_keys[] = "filter = small_loss\nschedule = gradual\nforget_rate = 0.25\n"
                                    "num_gradual = 4\noptimizer = adam\nepochs = 12\n"
                                    "batch_size = 16\nlr = 0.05\n";

/* Co-teaching whose second model starts where the first does and sees
 * its batch order chooses exactly what the single model chooses. */
static void coteaching_identical_models_equal_single(void **state)
{
    fit_fixture *f = *state;
    lnl_method_spec spec = method_spec(schedule_keys);
    lnl_schedule_options single, twins, pair;
    lnl_schedule_options_from_spec(&spec, &single);
    twins = single;
    twins.coteaching = true;
    twins.same_start = true;
    twins.same_order = true;
    pair = single;
    pair.coteaching = true;

    lnl_fit_output a, b, c;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_fit_input input = fixture_input(f, 5);
    assert_int_equal(lnl_select_schedule_fit(&spec, &input, &single, &a, &err), LNL_OK);
    input = fixture_input(f, 5);
    assert_int_equal(lnl_select_schedule_fit(&spec, &input, &twins, &b, &err), LNL_OK);
    input = fixture_input(f, 5);
    assert_int_equal(lnl_select_schedule_fit(&spec, &input, &pair, &c, &err), LNL_OK);

    size_t n_params = 3 * 7;
    assert_true(max_difference(n_params, a.theta, b.theta) == 0.0);
    assert_true(a.optim.f == b.optim.f);
    assert_int_equal(a.optim.iterations, b.optim.iterations);
    assert_int_equal(a.n_kept, b.n_kept);
    assert_true(a.label_precision == b.label_precision);

    /* the exchange with a different second model changes the first one */
    assert_true(max_difference(n_params, a.theta, c.theta) > 1e-6);
    lnl_fit_output_destroy(&a);
    lnl_fit_output_destroy(&b);
    lnl_fit_output_destroy(&c);
}

/* Writes the label metrics of the samples that the model theta keeps at
 * the forget rate. */
static void metrics_of_choice(fit_fixture *f, const lnl_linear_shape *shape, const double *theta,
                              double forget_rate, size_t *kept, lnl_label_metrics *metrics)
{
    double losses[N_SAMPLES];
    size_t n_kept = 0;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_select_cross_entropy(shape, theta, f->data, f->rows, N_SAMPLES,
                                              f->noisy, NULL, losses, &err),
                     LNL_OK);
    assert_int_equal(lnl_select_small_loss(N_SAMPLES, losses, forget_rate, kept, &n_kept, &err),
                     LNL_OK);
    lnl_select_label_metrics(N_SAMPLES, f->noisy, f->clean, kept, n_kept, metrics);
}

/* In co-teaching the first model's samples are those that the second
 * model keeps, not those the first one would keep. A small batch and a
 * few epochs leave the two models apart. */
static void coteaching_peer_chooses_samples(void **state)
{
    fit_fixture *f = *state;
    lnl_method_spec spec =
        method_spec("filter = coteaching\nforget_rate = 0.25\nnum_gradual = 1\n"
                    "optimizer = sgd\nepochs = 3\nbatch_size = 4\nlr = 0.2\nmomentum = 0\n");
    double second[3 * 7];
    lnl_schedule_options options;
    lnl_schedule_options_from_spec(&spec, &options);
    assert_true(options.coteaching);
    options.second_theta = second;
    lnl_fit_input input = fixture_input(f, 4);
    lnl_fit_output output;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_select_schedule_fit(&spec, &input, &options, &output, &err), LNL_OK);

    size_t by_second[N_SAMPLES], by_first[N_SAMPLES];
    lnl_label_metrics second_metrics, first_metrics;
    metrics_of_choice(f, &output.shape, second, 0.25, by_second, &second_metrics);
    metrics_of_choice(f, &output.shape, output.theta, 0.25, by_first, &first_metrics);
    assert_int_equal(output.n_kept, second_metrics.n_kept);
    assert_true(output.label_precision == second_metrics.precision);
    assert_true(output.label_recall == second_metrics.recall);

    /* the two choices differ, so the check above tells them apart */
    assert_true(memcmp(by_second, by_first, 180 * sizeof *by_first) != 0);
    assert_true(first_metrics.precision != second_metrics.precision);
    lnl_fit_output_destroy(&output);
}

/* After num_gradual epochs the schedule drops the whole forget rate, so
 * the last evaluation keeps 180 of 240 samples; the filter must beat the
 * 0.75 share of correct labels. Through lnl_method_fit, coteaching is
 * the two-model form. */
static void schedule_keeps_final_fraction(void **state)
{
    fit_fixture *f = *state;
    lnl_method_spec gradual = method_spec(schedule_keys);
    lnl_method_spec coteaching =
        method_spec("filter = coteaching\nforget_rate = 0.25\nnum_gradual = 4\n"
                    "optimizer = adam\nepochs = 12\nbatch_size = 16\nlr = 0.05\n");
    lnl_fit_output a, b;
    lnl_fit_input input = fixture_input(f, 2);
    fit_ok(&gradual, &input, &a);
    input = fixture_input(f, 2);
    fit_ok(&coteaching, &input, &b);
    assert_int_equal(a.n_kept, 180);
    assert_int_equal(b.n_kept, 180);
    assert_true(a.forget_rate == 0.25 && b.forget_rate == 0.25);
    assert_true(a.label_precision > 0.85);
    assert_true(b.label_precision > 0.85);
    assert_true(max_difference(3 * 7, a.theta, b.theta) > 1e-6);
    lnl_fit_output_destroy(&a);
    lnl_fit_output_destroy(&b);

    /* epochs below num_gradual end before the full rate: after 2 epochs
     * the last evaluation drops R(1) = 0.25 / 4 of the samples */
    lnl_method_spec short_run = gradual;
    short_run.epochs = 2;
    input = fixture_input(f, 2);
    fit_ok(&short_run, &input, &a);
    assert_int_equal(a.n_kept, N_SAMPLES - lnl_select_drop_count(N_SAMPLES, 0.0625));
    lnl_fit_output_destroy(&a);
}

static void schedule_rejects_lbfgs_and_init_ce(void **state)
{
    fit_fixture *f = *state;
    lnl_method_spec spec = method_spec(schedule_keys);
    lnl_schedule_options options;
    lnl_schedule_options_from_spec(&spec, &options);
    lnl_fit_input input = fixture_input(f, 2);
    lnl_fit_output output;
    lnl_error err;
    lnl_error_clear(&err);

    snprintf(spec.optimizer, sizeof spec.optimizer, "lbfgs");
    assert_int_equal(lnl_select_schedule_fit(&spec, &input, &options, &output, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "needs optimizer = sgd or adam"));
    snprintf(spec.optimizer, sizeof spec.optimizer, "sgd");
    spec.init = LNL_INIT_CE;
    assert_int_equal(lnl_select_schedule_fit(&spec, &input, &options, &output, &err),
                     LNL_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "init = ce"));
    spec.init = LNL_INIT_ZERO;
    options.num_gradual = 0;
    assert_int_equal(lnl_select_schedule_fit(&spec, &input, &options, &output, &err),
                     LNL_ERR_ARGUMENT);
}

/* The seed of the folds as select.h documents it: FNV-1a over n_rows,
 * rows and labels. */
static uint64_t fold_seed(const lnl_fit_input *input)
{
    uint64_t hash = 14695981039346656037ULL;
    const unsigned char *bytes = (const unsigned char *)&input->n_rows;
    for (size_t b = 0; b < sizeof input->n_rows; b++)
        hash = (hash ^ bytes[b]) * 1099511628211ULL;
    bytes = (const unsigned char *)input->rows;
    for (size_t b = 0; b < input->n_rows * sizeof *input->rows; b++)
        hash = (hash ^ bytes[b]) * 1099511628211ULL;
    bytes = (const unsigned char *)input->labels;
    for (size_t b = 0; b < input->n_rows * sizeof *input->labels; b++)
        hash = (hash ^ bytes[b]) * 1099511628211ULL;
    return hash;
}

/* filter = confident against the oracle: the documented folds, the
 * estimator, lnl_select_confident_prune and a weighted fit on the rest. */
static void confident_matches_manual_pipeline(void **state)
{
    fit_fixture *f = *state;
    lnl_method_spec plain = method_spec("");
    lnl_method_spec spec = method_spec("filter = confident\nreweight = true\nfolds = 4\n");
    lnl_fit_input input = fixture_input(f, 3);
    lnl_error err;
    lnl_error_clear(&err);

    lnl_estimate_problem problem = {
        .shape = {6, N_CLASSES, false, true},
        .data = f->data,
        .rows = f->rows,
        .n_rows = N_SAMPLES,
        .labels = f->noisy,
        .standardizer = NULL,
        .C = spec.C,
        .max_iter = spec.max_iter,
        .tol = spec.tol,
    };
    lnl_rng folds;
    lnl_rng_seed(&folds, LNL_RNG_DEFAULT, fold_seed(&input));
    static double P[N_SAMPLES * N_CLASSES];
    lnl_confident_joint joint;
    assert_int_equal(lnl_estimate_confident(&problem, 4, &folds, &joint, P, &err), LNL_OK);
    bool flagged[N_SAMPLES];
    size_t n_flagged = 0;
    assert_int_equal(lnl_select_confident_prune(N_SAMPLES, N_CLASSES, P, f->noisy, &joint,
                                                flagged, &n_flagged, &err),
                     LNL_OK);
    assert_true(n_flagged > 20);

    size_t rows[N_SAMPLES], kept[N_SAMPLES], n_kept = 0;
    int labels[N_SAMPLES], clean[N_SAMPLES];
    double weights[N_SAMPLES];
    for (size_t i = 0; i < N_SAMPLES; i++) {
        if (flagged[i])
            continue;
        kept[n_kept] = i;
        rows[n_kept] = f->rows[i];
        labels[n_kept] = f->noisy[i];
        clean[n_kept] = f->clean[i];
        double diagonal = joint.transition[labels[n_kept] * (N_CLASSES + 1)];
        weights[n_kept] = 1.0 / (diagonal > 1e-3 ? diagonal : 1e-3);
        n_kept++;
    }
    lnl_fit_input sub = input;
    sub.rows = rows;
    sub.labels = labels;
    sub.clean_labels = clean;
    sub.n_rows = n_kept;
    lnl_fit_output oracle, selected, unweighted;
    assert_int_equal(lnl_method_fit_weighted(&plain, &sub, weights, &oracle, &err), LNL_OK);
    lnl_label_metrics metrics;
    lnl_select_label_metrics(N_SAMPLES, f->noisy, f->clean, kept, n_kept, &metrics);

    fit_ok(&spec, &input, &selected);
    assert_true(max_difference(3 * 7, selected.theta, oracle.theta) == 0.0);
    assert_int_equal(selected.n_kept, n_kept);
    assert_true(selected.label_precision == metrics.precision);
    assert_true(selected.label_recall == metrics.recall);
    assert_true(isnan(selected.forget_rate));

    /* without reweight the same samples are kept, with other weights */
    spec.reweight = false;
    input = fixture_input(f, 3);
    fit_ok(&spec, &input, &unweighted);
    assert_int_equal(unweighted.n_kept, n_kept);
    assert_true(max_difference(3 * 7, unweighted.theta, oracle.theta) > 1e-6);

    lnl_confident_joint_destroy(&joint);
    lnl_fit_output_destroy(&oracle);
    lnl_fit_output_destroy(&selected);
    lnl_fit_output_destroy(&unweighted);
}

/* Weight 2 on a row is that row twice, for L-BFGS; weights of 1 change
 * nothing, for SGD too. */
static void weighted_fit_equals_duplicated_rows(void **state)
{
    fit_fixture *f = *state;
    lnl_method_spec plain = method_spec("tol = 1e-10\n");
    size_t rows[N_SAMPLES + 40];
    int labels[N_SAMPLES + 40];
    double weights[N_SAMPLES], ones[N_SAMPLES];
    for (size_t i = 0; i < N_SAMPLES; i++) {
        rows[i] = f->rows[i];
        labels[i] = f->noisy[i];
        weights[i] = i < 40 ? 2.0 : 1.0;
        ones[i] = 1.0;
    }
    for (size_t i = 0; i < 40; i++) {
        rows[N_SAMPLES + i] = f->rows[i];
        labels[N_SAMPLES + i] = f->noisy[i];
    }
    lnl_fit_input input = fixture_input(f, 1);
    lnl_fit_input doubled = input;
    doubled.rows = rows;
    doubled.labels = labels;
    doubled.clean_labels = NULL;
    doubled.n_rows = N_SAMPLES + 40;
    lnl_fit_output a, b, c, d;
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_method_fit_weighted(&plain, &input, weights, &a, &err), LNL_OK);
    fit_ok(&plain, &doubled, &b);
    assert_true(max_difference(3 * 7, a.theta, b.theta) < 1e-6);

    lnl_method_spec sgd = method_spec("optimizer = sgd\nepochs = 5\nlr = 0.1\n");
    input = fixture_input(f, 9);
    assert_int_equal(lnl_method_fit_weighted(&sgd, &input, ones, &c, &err), LNL_OK);
    input = fixture_input(f, 9);
    assert_int_equal(lnl_method_fit_weighted(&sgd, &input, NULL, &d, &err), LNL_OK);
    assert_true(max_difference(3 * 7, c.theta, d.theta) == 0.0);

    /* a filtered spec is not a weighted fit */
    lnl_method_spec filtered = method_spec("filter = confident\n");
    lnl_fit_output rejected;
    assert_int_equal(lnl_method_fit_weighted(&filtered, &input, NULL, &rejected, &err),
                     LNL_ERR_ARGUMENT);
    assert_null(rejected.theta);
    lnl_fit_output_destroy(&a);
    lnl_fit_output_destroy(&b);
    lnl_fit_output_destroy(&c);
    lnl_fit_output_destroy(&d);
}

/* ---- the report's label precision table --------------------------------------------- */

static void remove_tree(const char *path)
{
    DIR *listing = opendir(path);
    if (listing == NULL) {
        unlink(path);
        return;
    }
    struct dirent *entry;
    while ((entry = readdir(listing)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char child[1024];
        snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
        remove_tree(child);
    }
    closedir(listing);
    rmdir(path);
}

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

/* Checks one line of tables/label_precision.csv: it starts with prefix
 * (dataset to rate), then has an empty setting, mean, std and n, with
 * mean and std empty when n is 0. */
static void assert_precision_line(FILE *file, const char *prefix, double mean, double std,
                                  size_t n)
{
    char line[256];
    assert_non_null(fgets(line, sizeof line, file));
    if (strncmp(line, prefix, strlen(prefix)) != 0)
        fail_msg("line \"%s\" does not start with \"%s\"", line, prefix);
    const char *rest = line + strlen(prefix);
    if (n == 0) {
        assert_string_equal(rest, ",,,0\n");
        return;
    }
    char *end;
    double read_mean = strtod(rest + 1, &end);
    double read_std = strtod(end + 1, &end);
    size_t read_n = (size_t)strtoul(end + 1, &end, 10);
    if (fabs(read_mean - mean) > 1e-15 || fabs(read_std - std) > 1e-15 || read_n != n)
        fail_msg("line \"%s\": expected mean %.17g, std %.17g, n %zu", line, mean, std, n);
}

/* The later row of seed 1 replaces the earlier one, and failed runs and
 * runs without a value do not count. */
static void report_label_precision_table(void **state)
{
    (void)state;
    char dir[] = "/tmp/lnl_select_report_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[1024];
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    write_text(path, "dataset,noise,method,rate,seed,test_accuracy,status,label_precision\n"
                     "d,n,base,0.2,0,0.9,ok,0.8\n"
                     "d,n,base,0.2,1,0.8,ok,0.8\n"
                     "d,n,sel,0.2,0,0.9,ok,0.9\n"
                     "d,n,sel,0.2,1,0.9,ok,0.5\n"
                     "d,n,sel,0.2,2,0.9,failed,0.1\n"
                     "d,n,sel,0.2,1,0.9,ok,0.95\n"
                     "d,n,sel,0.4,0,0.9,ok,\n");
    lnl_report_options options = {.baseline = NULL, .alpha = 0.0, .skip_figures = true};
    lnl_error err;
    lnl_error_clear(&err);
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);

    snprintf(path, sizeof path, "%s/tables/label_precision.csv", dir);
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    char header[128];
    assert_non_null(fgets(header, sizeof header, file));
    assert_string_equal(header, "dataset,noise,method,rate,setting,mean,std,n\n");
    assert_precision_line(file, "d,n,base,0.2,", 0.8, 0.0, 2);
    assert_precision_line(file, "d,n,base,0.4,", 0.0, 0.0, 0);
    assert_precision_line(file, "d,n,sel,0.2,", 0.925, 0.05 / sqrt(2.0), 2);
    assert_precision_line(file, "d,n,sel,0.4,", 0.0, 0.0, 0);
    fclose(file);

    snprintf(path, sizeof path, "%s/tables/label_precision.md", dir);
    file = fopen(path, "r");
    assert_non_null(file);
    char text[1024] = "";
    size_t length = fread(text, 1, sizeof text - 1, file);
    text[length] = '\0';
    fclose(file);
    assert_non_null(strstr(text, "| sel | 0.925 ± 0.035 | – |"));
    assert_non_null(strstr(text, "| base | 0.800 ± 0.000 | – |"));

    /* without the column there is no table */
    remove_tree(dir);
    assert_non_null(mkdtemp(strcpy(dir, "/tmp/lnl_select_report_XXXXXX")));
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    write_text(path, "dataset,noise,method,rate,seed,test_accuracy,status\n"
                     "d,n,base,0.2,0,0.9,ok\n");
    assert_int_equal(lnl_report_write_with_options(dir, &options, &err), LNL_OK);
    snprintf(path, sizeof path, "%s/tables/label_precision.csv", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(drop_count_table),
        cmocka_unit_test(small_loss_keeps_expected_indices),
        cmocka_unit_test(small_loss_ties_keep_lower_index),
        cmocka_unit_test(small_loss_rate_zero_and_one),
        cmocka_unit_test(per_class_keeps_every_class),
        cmocka_unit_test(filter_rejects_invalid_input),
        cmocka_unit_test(schedule_rate_table),
        cmocka_unit_test(label_metrics_hand_case),
        cmocka_unit_test(confident_prune_hand_case),
        cmocka_unit_test(confident_prune_ties_and_cap),
        cmocka_unit_test(noise_rate_from_transition),
        cmocka_unit_test_setup_teardown(plain_fit_keeps_every_sample, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(retrain_matches_manual_pipeline, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(retrain_rate_zero_equals_plain_fit, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(retrain_per_class_counts, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(auto_forget_rate_from_known_transition, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(coteaching_identical_models_equal_single, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(coteaching_peer_chooses_samples, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(schedule_keeps_final_fraction, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(schedule_rejects_lbfgs_and_init_ce, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(confident_matches_manual_pipeline, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test_setup_teardown(weighted_fit_equals_duplicated_rows, fixture_setup,
                                        fixture_teardown),
        cmocka_unit_test(report_label_precision_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
