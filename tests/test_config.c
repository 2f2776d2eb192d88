/* Tests of the config reader: a full config, defaults, rates and matrices,
 * one case per kind of error, the edit distance, and the freshness of
 * docs/CONFIG.md.
 *
 * `test_config --write-reference FILE` writes the key reference to FILE
 * instead of running the tests; that is how docs/CONFIG.md is regenerated.
 */
#include "lnl/config.h"
#include "lnl/sweep.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define CONFIG_DIR LNL_SOURCE_DIR "/tests/data/config"
#define REFERENCE_PATH LNL_SOURCE_DIR "/docs/CONFIG.md"

/* Parses text, failing the test with the error when it does not parse. */
static lnl_config *parse_ok(const char *text)
{
    lnl_error err;
    lnl_error_clear(&err);
    lnl_config *config = NULL;
    lnl_status status = lnl_config_parse_string(text, "configs/sample.ini", &config, &err);
    if (status != LNL_OK) {
        char message[2048];
        lnl_error_format(&err, message, sizeof message);
        fail_msg("expected the config to parse, got: %s", message);
    }
    assert_non_null(config);
    return config;
}

static lnl_config *read_ok(const char *path)
{
    lnl_error err;
    lnl_error_clear(&err);
    lnl_config *config = NULL;
    lnl_status status = lnl_config_read(path, &config, &err);
    if (status != LNL_OK) {
        char message[2048];
        lnl_error_format(&err, message, sizeof message);
        fail_msg("expected %s to parse, got: %s", path, message);
    }
    assert_non_null(config);
    return config;
}

/* The smallest valid config: one section of each required kind. */
#define MINIMAL_SECTIONS                 \
    "[data d]\n"                         \
    "source = make_classification\n"     \
    "[noise n]\n"                        \
    "type = symmetric\n"                 \
    "rates = 0.1\n"                      \
    "[method m]\n"

/* ---- valid configs -------------------------------------------------- */

static void config_full_file_sets_every_field(void **state)
{
    (void)state;
    lnl_config *config = read_ok(CONFIG_DIR "/full.ini");

    assert_string_equal(config->path, CONFIG_DIR "/full.ini");
    assert_string_equal(config->name, "full_run");
    assert_int_equal(config->seeds, 3);
    assert_true(config->base_seed == UINT64_C(4294967290));
    assert_string_equal(config->output, "out/full");
    assert_int_equal(config->rng, LNL_RNG_NUMPY);
    assert_string_equal(config->baseline, "strong");
    assert_int_equal(config->n_data, 3);
    assert_int_equal(config->n_noise, 3);
    assert_int_equal(config->n_methods, 2);

    const lnl_data_spec *blobs = &config->data[0];
    assert_string_equal(blobs->name, "blobs");
    assert_int_equal(blobs->line, 10);
    assert_int_equal(blobs->source, LNL_SOURCE_MAKE_CLASSIFICATION);
    assert_int_equal(blobs->generator.n_samples, 250);
    assert_int_equal(blobs->generator.n_features, 12);
    assert_int_equal(blobs->generator.n_informative, 4);
    assert_int_equal(blobs->generator.n_redundant, 3);
    assert_int_equal(blobs->generator.n_repeated, 1);
    assert_int_equal(blobs->generator.n_classes, 3);
    assert_int_equal(blobs->generator.n_clusters_per_class, 1);
    assert_int_equal(blobs->generator.n_weights, 2);
    assert_true(blobs->generator.weights[0] == 0.5);
    assert_true(blobs->generator.weights[1] == 0.3);
    assert_true(blobs->generator.flip_y == 0.0);
    assert_true(blobs->generator.class_sep == 1.5);
    assert_false(blobs->generator.hypercube);
    assert_false(blobs->generator.has_shift);
    assert_true(blobs->generator.has_scale);
    assert_true(blobs->generator.scale == 2.5);
    assert_false(blobs->generator.shuffle);
    assert_true(blobs->has_random_state);
    assert_true(blobs->random_state == 42);
    assert_true(blobs->test_size == 0.25);
    assert_true(blobs->stratify);
    assert_false(blobs->standardize);
    assert_int_equal(blobs->rng, LNL_RNG_NUMPY);  /* from [experiment] */

    const lnl_data_spec *table = &config->data[1];
    assert_string_equal(table->name, "table");
    assert_int_equal(table->source, LNL_SOURCE_CSV);
    assert_string_equal(table->path, "data/table.csv");
    assert_string_equal(table->label, "petal width");
    assert_true(table->test_size == 30.0);
    assert_int_equal(table->rng, LNL_RNG_DEFAULT);

    const lnl_data_spec *sparse = &config->data[2];
    assert_int_equal(sparse->source, LNL_SOURCE_LIBSVM);
    assert_string_equal(sparse->path, "/tmp/a1a.libsvm");
    assert_int_equal(sparse->n_features, 123);
    assert_true(sparse->stratify);

    const lnl_noise_spec *sym = &config->noise[0];
    assert_string_equal(sym->name, "sym");
    assert_int_equal(sym->type, LNL_NOISE_SYMMETRIC);
    assert_int_equal(sym->sampling, LNL_SAMPLING_BERNOULLI);
    assert_int_equal(sym->n_rates, 10);
    assert_true(sym->rates[0] == 0.0);
    assert_true(sym->rates[9] == 0.45);
    assert_true(sym->has_seed);
    assert_true(sym->seed == 7);
    assert_int_equal(sym->rng, LNL_RNG_NUMPY);
    assert_null(sym->matrix);

    const lnl_noise_spec *pairs = &config->noise[1];
    assert_int_equal(pairs->type, LNL_NOISE_PAIR);
    assert_int_equal(pairs->sampling, LNL_SAMPLING_EXACT);
    assert_int_equal(pairs->n_rates, 3);
    assert_true(pairs->rates[0] == 0.1);
    assert_true(pairs->rates[1] == 0.2);
    assert_true(pairs->rates[2] == 0.3);
    assert_false(pairs->has_seed);
    assert_int_equal(pairs->rng, LNL_RNG_DEFAULT);

    const lnl_noise_spec *swap = &config->noise[2];
    assert_int_equal(swap->type, LNL_NOISE_MATRIX);
    assert_int_equal(swap->matrix_order, 3);
    assert_non_null(swap->matrix);
    const double expected[9] = {0.8, 0.2, 0.0, 0.0, 0.8, 0.2, 0.2, 0.0, 0.8};
    for (size_t i = 0; i < 9; i++)
        assert_true(swap->matrix[i] == expected[i]);
    assert_int_equal(swap->n_rates, 1);
    assert_true(swap->rates[0] == 1.0);

    const lnl_method_spec *weak = &config->methods[0];
    assert_string_equal(weak->name, "weak");
    assert_string_equal(weak->loss, "ce");
    assert_true(weak->C == 0.01);
    assert_false(weak->fit_intercept);
    assert_int_equal(weak->model, LNL_MODEL_SOFTMAX);
    assert_int_equal(weak->labels, LNL_LABELS_CLEAN);
    assert_string_equal(weak->optimizer, "lbfgs");
    assert_int_equal(weak->max_iter, 50);
    assert_true(weak->tol == 1e-8);

    const lnl_method_spec *strong = &config->methods[1];
    assert_string_equal(strong->name, "strong");
    assert_int_equal(strong->line, 71);
    assert_true(strong->C == 100.0);

    lnl_config_destroy(config);
}

static void config_minimal_uses_defaults(void **state)
{
    (void)state;
    lnl_config *config = parse_ok(MINIMAL_SECTIONS);

    assert_string_equal(config->name, "sample");
    assert_int_equal(config->seeds, 5);
    assert_true(config->base_seed == 0);
    assert_string_equal(config->output, "results/sample");
    assert_int_equal(config->rng, LNL_RNG_DEFAULT);
    assert_string_equal(config->baseline, "m");

    const lnl_data_spec *data = &config->data[0];
    lnl_make_classification_params generator;
    lnl_make_classification_defaults(&generator);
    assert_int_equal(data->generator.n_samples, generator.n_samples);
    assert_int_equal(data->generator.n_features, generator.n_features);
    assert_int_equal(data->generator.n_classes, generator.n_classes);
    assert_int_equal(data->generator.n_weights, 0);
    assert_true(data->generator.flip_y == generator.flip_y);
    assert_true(data->generator.has_shift == generator.has_shift);
    assert_false(data->has_random_state);
    assert_string_equal(data->path, "");
    assert_string_equal(data->label, "");
    assert_int_equal(data->n_features, 0);
    assert_true(data->test_size == 0.2);
    assert_false(data->stratify);
    assert_true(data->standardize);
    assert_int_equal(data->rng, LNL_RNG_DEFAULT);
    assert_int_equal(data->line, 1);

    const lnl_noise_spec *noise = &config->noise[0];
    assert_int_equal(noise->sampling, LNL_SAMPLING_EXACT);
    assert_int_equal(noise->n_rates, 1);
    assert_true(noise->rates[0] == 0.1);
    assert_false(noise->has_seed);
    assert_null(noise->matrix);
    assert_int_equal(noise->line, 3);

    const lnl_method_spec *method = &config->methods[0];
    assert_string_equal(method->loss, "ce");
    assert_true(method->C == 1.0);
    assert_true(method->fit_intercept);
    assert_int_equal(method->model, LNL_MODEL_AUTO);
    assert_int_equal(method->labels, LNL_LABELS_NOISY);
    assert_string_equal(method->optimizer, "lbfgs");
    assert_int_equal(method->max_iter, 1000);
    assert_true(method->tol == 1e-6);
    assert_int_equal(method->line, 6);

    lnl_config_destroy(config);
}

static void config_name_defaults_to_file_base_name(void **state)
{
    (void)state;
    lnl_config *config = NULL;
    lnl_error err;
    assert_int_equal(lnl_config_parse_string(MINIMAL_SECTIONS, "a/b.c/sweep.v2.ini", &config,
                                             &err),
                     LNL_OK);
    assert_string_equal(config->name, "sweep.v2");
    assert_string_equal(config->output, "results/sweep.v2");
    lnl_config_destroy(config);

    assert_int_equal(lnl_config_parse_string("[experiment]\noutput = elsewhere\n" MINIMAL_SECTIONS,
                                             "plain", &config, &err),
                     LNL_OK);
    assert_string_equal(config->name, "plain");
    assert_string_equal(config->output, "elsewhere");
    lnl_config_destroy(config);
}

static void config_bom_and_crlf_are_accepted(void **state)
{
    (void)state;
    lnl_config *config = read_ok(CONFIG_DIR "/bom_crlf.ini");
    assert_int_equal(config->n_data, 1);
    assert_int_equal(config->data[0].line, 2);
    assert_int_equal(config->noise[0].type, LNL_NOISE_PAIR);
    assert_true(config->noise[0].rates[0] == 0.2);
    assert_true(config->methods[0].C == 2.0);
    lnl_config_destroy(config);
}

static void config_inline_comment_and_spelling(void **state)
{
    (void)state;
    lnl_config *config = parse_ok(MINIMAL_SECTIONS
                                  "C: 2.5   ; a colon works as '=' too\n"
                                  "fit_intercept = OFF\n"
                                  "[experiment]\n"
                                  "base_seed = 18446744073709551615\n");
    assert_true(config->methods[0].C == 2.5);
    assert_false(config->methods[0].fit_intercept);
    assert_true(config->base_seed == UINT64_MAX);
    lnl_config_destroy(config);
}

static void config_booleans_accept_all_spellings(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool value;
    } cases[] = {{"true", true},  {"yes", true},  {"on", true},   {"1", true},
                 {"True", true},  {"false", false}, {"no", false}, {"off", false},
                 {"0", false},    {"FALSE", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, MINIMAL_SECTIONS "fit_intercept = %s\n", cases[i].text);
        lnl_config *config = parse_ok(text);
        if (config->methods[0].fit_intercept != cases[i].value)
            fail_msg("fit_intercept = %s read as %d", cases[i].text,
                     config->methods[0].fit_intercept);
        lnl_config_destroy(config);
    }
}

static void config_long_section_and_key_names(void **state)
{
    (void)state;
    /* inih truncates names at 49 characters; the reader must not */
    const char *text = "[data a_section_name_that_is_longer_than_fifty_characters_in_total]\n"
                       "source = make_classification\n"
                       "[noise n]\ntype = pair\nrates = 0.1\n[method m]\n";
    lnl_config *config = parse_ok(text);
    assert_string_equal(config->data[0].name,
                        "a_section_name_that_is_longer_than_fifty_characters_in_total");
    lnl_config_destroy(config);

    lnl_error err;
    config = NULL;
    assert_int_equal(
        lnl_config_parse_string(MINIMAL_SECTIONS
                                "a_key_name_that_is_much_longer_than_fifty_characters_xyz = 1\n",
                                "t.ini", &config, &err),
        LNL_ERR_CONFIG);
    assert_null(config);
    assert_int_equal(err.line, 7);
    assert_non_null(
        strstr(err.message, "\"a_key_name_that_is_much_longer_than_fifty_characters_xyz\""));
}

static void config_method_loss_and_optimizer_keys(void **state)
{
    (void)state;
    lnl_config *config = parse_ok(MINIMAL_SECTIONS
                                  "loss = gce\n"
                                  "q = 0.5\n"
                                  "truncation = 0.3\n"
                                  "init = ce\n"
                                  "optimizer = adam\n"
                                  "max_iter = 50\n"
                                  "epochs = 20\n"
                                  "batch_size = 16\n"
                                  "lr = 0.005\n"
                                  "momentum = 0.8\n"
                                  "weight_decay = 0.001\n"
                                  "[method s]\n"
                                  "loss = sce\n"
                                  "alpha = 6\n"
                                  "beta = 0.1\n"
                                  "A = -9.210340371976182\n"
                                  "[method b]\n"
                                  "loss = bootstrap_hard\n"
                                  "beta = 1\n"
                                  "[method e]\n"
                                  "loss = label_smoothing\n"
                                  "epsilon = 0\n");
    const lnl_method_spec *gce = &config->methods[0];
    assert_string_equal(gce->loss, "gce");
    assert_true(gce->has_q && gce->q == 0.5);
    assert_true(gce->has_truncation && gce->truncation == 0.3);
    assert_false(gce->has_alpha || gce->has_beta || gce->has_A || gce->has_epsilon);
    assert_int_equal(gce->init, LNL_INIT_CE);
    assert_string_equal(gce->optimizer, "adam");
    assert_int_equal(gce->max_iter, 50);
    assert_int_equal(gce->epochs, 20);
    assert_int_equal(gce->batch_size, 16);
    assert_true(gce->lr == 0.005);
    assert_true(gce->momentum == 0.8);
    assert_true(gce->weight_decay == 0.001);

    const lnl_method_spec *sce = &config->methods[1];
    assert_true(sce->has_alpha && sce->alpha == 6.0);
    assert_true(sce->has_beta && sce->beta == 0.1);
    assert_true(sce->has_A && sce->A == log(1e-4));
    assert_false(sce->has_q);

    const lnl_method_spec *hard = &config->methods[2];
    assert_true(hard->has_beta && hard->beta == 1.0);

    const lnl_method_spec *smoothing = &config->methods[3];
    assert_true(smoothing->has_epsilon && smoothing->epsilon == 0.0);
    lnl_config_destroy(config);
}

static char *write_reference(size_t *length);

static void config_method_new_keys_default(void **state)
{
    (void)state;
    lnl_config *config = parse_ok(MINIMAL_SECTIONS "loss = nce_rce\n");
    const lnl_method_spec *method = &config->methods[0];
    assert_int_equal(method->init, LNL_INIT_ZERO);
    assert_false(method->has_alpha || method->has_beta || method->has_A || method->has_q ||
                 method->has_truncation || method->has_epsilon);
    assert_int_equal(method->epochs, 100);
    assert_int_equal(method->batch_size, 32);
    assert_true(method->lr == 0.01);
    assert_true(method->momentum == 0.9);
    assert_true(method->weight_decay == 0.0);
    lnl_config_destroy(config);

    /* The reference has a row for every new key. */
    size_t length = 0;
    char *text = write_reference(&length);
    static const char *const keys[] = {"| `init` |", "| `alpha` |", "| `beta` |", "| `A` |",
                                       "| `q` |", "| `truncation` |", "| `epsilon` |",
                                       "| `epochs` |", "| `batch_size` |", "| `lr` |",
                                       "| `momentum` |", "| `weight_decay` |"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strstr(text, keys[i]) == NULL)
            fail_msg("the reference has no row %s", keys[i]);
    assert_non_null(strstr(text, "| `q` | number | `0.7` | a number in (0, 1] |"));
    free(text);
}

/* ---- rates and matrices --------------------------------------------- */

static lnl_config *parse_rates(const char *rates)
{
    char text[512];
    snprintf(text, sizeof text,
             "[data d]\nsource = make_classification\n[noise n]\ntype = symmetric\nrates = %s\n"
             "[method m]\n",
             rates);
    return parse_ok(text);
}

static void config_rates_list(void **state)
{
    (void)state;
    lnl_config *config = parse_rates("0.0, 0.1,0.25 , 1");
    const lnl_noise_spec *noise = &config->noise[0];
    assert_int_equal(noise->n_rates, 4);
    assert_true(noise->rates[0] == 0.0);
    assert_true(noise->rates[1] == 0.1);
    assert_true(noise->rates[2] == 0.25);
    assert_true(noise->rates[3] == 1.0);
    lnl_config_destroy(config);
}

static void config_rates_range_rounds_to_12_decimals(void **state)
{
    (void)state;
    lnl_config *config = parse_rates("0.0:0.45:0.05");
    const lnl_noise_spec *noise = &config->noise[0];
    assert_int_equal(noise->n_rates, 10);
    static const double expected[] = {0.0,  0.05, 0.1,  0.15, 0.2,
                                      0.25, 0.3,  0.35, 0.4,  0.45};
    for (size_t i = 0; i < 10; i++) {
        if (noise->rates[i] != expected[i])
            fail_msg("rate %zu is %.17g, expected %.17g", i, noise->rates[i], expected[i]);
    }
    lnl_config_destroy(config);

    /* 0.1 + 0.2 is 0.30000000000000004 in doubles; the range gives 0.3 */
    config = parse_rates("0.1:0.3:0.1");
    assert_int_equal(config->noise[0].n_rates, 3);
    assert_true(config->noise[0].rates[2] == 0.3);
    lnl_config_destroy(config);
}

static void config_rates_range_stop_rules(void **state)
{
    (void)state;
    /* stop reached exactly, so included */
    lnl_config *config = parse_rates("0:1:0.1");
    assert_int_equal(config->noise[0].n_rates, 11);
    assert_true(config->noise[0].rates[10] == 1.0);
    lnl_config_destroy(config);

    /* stop not reached: 0.5 is not a multiple of 0.2 past 0 */
    config = parse_rates("0:0.5:0.2");
    assert_int_equal(config->noise[0].n_rates, 3);
    assert_true(config->noise[0].rates[2] == 0.4);
    lnl_config_destroy(config);

    /* start = stop gives one rate */
    config = parse_rates("0.3:0.3:0.1");
    assert_int_equal(config->noise[0].n_rates, 1);
    assert_true(config->noise[0].rates[0] == 0.3);
    lnl_config_destroy(config);
}

static void config_rates_mix_ranges_lists_and_lines(void **state)
{
    (void)state;
    lnl_config *config = parse_ok("[data d]\nsource = make_classification\n"
                                  "[noise n]\ntype = symmetric\n"
                                  "rates = 0.05, 0.1:0.3:0.1,\n"
                                  "        0.5\n"
                                  "        0.6 ; a comment\n"
                                  "[method m]\n");
    const lnl_noise_spec *noise = &config->noise[0];
    assert_int_equal(noise->n_rates, 6);
    static const double expected[] = {0.05, 0.1, 0.2, 0.3, 0.5, 0.6};
    for (size_t i = 0; i < 6; i++)
        assert_true(noise->rates[i] == expected[i]);
    lnl_config_destroy(config);
}

static void config_rates_start_on_next_line(void **state)
{
    (void)state;
    lnl_config *config = parse_ok("[data d]\nsource = make_classification\n"
                                  "weights =\n    0.7\n"
                                  "[noise n]\ntype = symmetric\n"
                                  "rates =\n"
                                  "    0.1,\n"
                                  "    0.2\n"
                                  "[method m]\n");
    assert_int_equal(config->data[0].generator.n_weights, 1);
    assert_true(config->data[0].generator.weights[0] == 0.7);
    assert_int_equal(config->noise[0].n_rates, 2);
    assert_true(config->noise[0].rates[0] == 0.1);
    assert_true(config->noise[0].rates[1] == 0.2);
    lnl_config_destroy(config);
}

static void config_rates_allow_256_values(void **state)
{
    (void)state;
    /* 0, 1/255, ..., 1: 256 values, the maximum */
    char rates[64];
    snprintf(rates, sizeof rates, "0:1:%.17g", 1.0 / 255.0);
    lnl_config *config = parse_rates(rates);
    assert_int_equal(config->noise[0].n_rates, LNL_MAX_RATES);
    assert_true(config->noise[0].rates[255] == 1.0);
    lnl_config_destroy(config);
}

static lnl_config *parse_matrix(const char *matrix)
{
    char text[512];
    snprintf(text, sizeof text,
             "[data d]\nsource = make_classification\nn_classes = 3\nn_informative = 3\n"
             "[noise n]\ntype = matrix\nmatrix = %s\n[method m]\n",
             matrix);
    return parse_ok(text);
}

static void config_matrix_rows_by_semicolons(void **state)
{
    (void)state;
    lnl_config *config = parse_matrix("0.7 0.2 0.1;0.0,1.0,0.0 ;  0.25 0.25 0.5;");
    const lnl_noise_spec *noise = &config->noise[0];
    assert_int_equal(noise->matrix_order, 3);
    static const double expected[] = {0.7, 0.2, 0.1, 0.0, 1.0, 0.0, 0.25, 0.25, 0.5};
    for (size_t i = 0; i < 9; i++)
        assert_true(noise->matrix[i] == expected[i]);
    assert_int_equal(noise->n_rates, 1);
    assert_true(noise->rates[0] == 1.0);
    lnl_config_destroy(config);
}

static void config_matrix_rows_on_lines(void **state)
{
    (void)state;
    lnl_config *config = parse_matrix("\n"
                                      "   0.9 0.1 0\n"
                                      "   ; a comment line between rows\n"
                                      "   0 0.9 0.1\n"
                                      "   0.1 0 0.9");
    const lnl_noise_spec *noise = &config->noise[0];
    assert_int_equal(noise->matrix_order, 3);
    assert_true(noise->matrix[0] == 0.9);
    assert_true(noise->matrix[5] == 0.1);
    assert_true(noise->matrix[8] == 0.9);
    lnl_config_destroy(config);
}

static void config_matrix_row_sum_tolerance(void **state)
{
    (void)state;
    /* within 1e-9 of 1 is accepted */
    lnl_config *config = parse_matrix("0.3333333333 0.3333333333 0.3333333334;"
                                      "0 1 0; 0 0 1");
    assert_true(config->noise[0].matrix[2] == 0.3333333334);
    lnl_config_destroy(config);

    lnl_error err;
    config = NULL;
    lnl_status status = lnl_config_parse_string(
        "[data d]\nsource = make_classification\nn_classes = 3\nn_informative = 3\n"
        "[noise n]\ntype = matrix\nmatrix = 0.33 0.33 0.33; 0 1 0; 0 0 1\n[method m]\n",
        "t.ini", &config, &err);
    assert_int_equal(status, LNL_ERR_CONFIG);
    assert_null(config);
    assert_int_equal(err.line, 7);
    assert_non_null(strstr(err.message, "row 1 sums to 0.99"));
}

/* class_conditional pairs: each setting's rates, and their mean as the rate */
static void config_class_conditional_pairs(void **state)
{
    (void)state;
    lnl_config *config = parse_ok("[data d]\nsource = make_classification\n"
                                  "[noise cc]\ntype = class_conditional\n"
                                  "pairs = 0.2/0.2, 0.3 / 0.1,\n  0.4/0.4\n"
                                  "positive = 1\n[method m]\n");
    const lnl_noise_spec *noise = &config->noise[0];
    assert_int_equal(noise->type, LNL_NOISE_CLASS_CONDITIONAL);
    assert_int_equal(noise->n_rates, 3);
    const double expected[3][2] = {{0.2, 0.2}, {0.3, 0.1}, {0.4, 0.4}};
    for (size_t r = 0; r < 3; r++) {
        assert_true(noise->pairs[r][0] == expected[r][0]);
        assert_true(noise->pairs[r][1] == expected[r][1]);
    }
    /* (0.3 + 0.1) / 2 is 0.2 after rounding to 12 decimals */
    assert_true(noise->rates[0] == 0.2);
    assert_true(noise->rates[1] == 0.2);
    assert_true(noise->rates[2] == 0.4);
    assert_string_equal(noise->positive, "1");
    lnl_config_destroy(config);
}

/* asymmetric mapping: class names around "->", trimmed */
static void config_asymmetric_mapping(void **state)
{
    (void)state;
    lnl_config *config = parse_ok("[data d]\nsource = make_classification\nn_classes = 10\n"
                                  "n_informative = 5\n"
                                  "[noise asym]\ntype = asymmetric\nrates = 0.2, 0.4\n"
                                  "mapping = 3 -> 8,7->1,\n  cat  ->  dog\n[method m]\n");
    const lnl_noise_spec *noise = &config->noise[0];
    assert_int_equal(noise->type, LNL_NOISE_ASYMMETRIC);
    assert_int_equal(noise->n_rates, 2);
    assert_int_equal(noise->n_mappings, 3);
    assert_string_equal(noise->mappings[0].source, "3");
    assert_string_equal(noise->mappings[0].target, "8");
    assert_string_equal(noise->mappings[1].source, "7");
    assert_string_equal(noise->mappings[1].target, "1");
    assert_string_equal(noise->mappings[2].source, "cat");
    assert_string_equal(noise->mappings[2].target, "dog");
    lnl_config_destroy(config);
}

/* transition: the three words, a path, and the estimator options */
static void config_method_transition_keys(void **state)
{
    (void)state;
    lnl_config *config = parse_ok("[data d]\nsource = make_classification\n"
                                  "[noise n]\ntype = symmetric\nrates = 0.1\n"
                                  "[method f]\nloss = forward\ntransition = known\n"
                                  "[method b]\nloss = backward\ntransition = anchor\n"
                                  "anchor_percentile = 100\nholdout = 0.3\n"
                                  "[method u]\nloss = unbiased\ntransition = confident\n"
                                  "folds = 3\n"
                                  "[method p]\nloss = forward\ntransition = data/T.txt\n"
                                  "[method plain]\n");
    assert_int_equal(config->methods[0].transition, LNL_TRANSITION_KNOWN);
    assert_int_equal(config->methods[1].transition, LNL_TRANSITION_ANCHOR);
    assert_true(config->methods[1].anchor_percentile == 100.0);
    assert_true(config->methods[1].holdout == 0.3);
    assert_int_equal(config->methods[2].transition, LNL_TRANSITION_CONFIDENT);
    assert_int_equal(config->methods[2].folds, 3);
    assert_int_equal(config->methods[3].transition, LNL_TRANSITION_FILE);
    assert_string_equal(config->methods[3].transition_path, "data/T.txt");
    /* defaults */
    assert_int_equal(config->methods[4].transition, LNL_TRANSITION_NONE);
    assert_true(config->methods[4].anchor_percentile == 97.0);
    assert_true(config->methods[4].holdout == 0.2);
    assert_int_equal(config->methods[4].folds, 5);
    lnl_config_destroy(config);
}

/* The sample-selection keys of every filter, and their defaults. */
static void config_method_selection_keys(void **state)
{
    (void)state;
    lnl_config *config = parse_ok("[data d]\nsource = make_classification\n"
                                  "[noise n]\ntype = symmetric\nrates = 0.1\n"
                                  "[method plain]\n"
                                  "[method retrain]\nfilter = small_loss\nforget_rate = 0.25\n"
                                  "rounds = 3\nper_class = true\n"
                                  "[method gradual]\nfilter = small_loss\nschedule = gradual\n"
                                  "forget_rate = 0.4\nnum_gradual = 5\nexponent = 2\n"
                                  "optimizer = adam\n"
                                  "[method cot]\nfilter = coteaching\nforget_rate = auto\n"
                                  "transition = anchor\noptimizer = sgd\n"
                                  "[method conf]\nfilter = confident\nreweight = yes\nfolds = 4\n");
    const lnl_method_spec *plain = &config->methods[0];
    assert_int_equal(plain->filter, LNL_FILTER_NONE);
    assert_int_equal(plain->schedule, LNL_SCHEDULE_NONE);
    assert_false(plain->forget_rate_auto);
    assert_int_equal(plain->num_gradual, 10);
    assert_true(plain->exponent == 1.0);
    assert_int_equal(plain->rounds, 1);
    assert_false(plain->per_class);
    assert_false(plain->reweight);

    const lnl_method_spec *retrain = &config->methods[1];
    assert_int_equal(retrain->filter, LNL_FILTER_SMALL_LOSS);
    assert_int_equal(retrain->schedule, LNL_SCHEDULE_NONE);
    assert_true(retrain->forget_rate == 0.25);
    assert_int_equal(retrain->rounds, 3);
    assert_true(retrain->per_class);

    const lnl_method_spec *gradual = &config->methods[2];
    assert_int_equal(gradual->schedule, LNL_SCHEDULE_GRADUAL);
    assert_true(gradual->forget_rate == 0.4);
    assert_int_equal(gradual->num_gradual, 5);
    assert_true(gradual->exponent == 2.0);

    const lnl_method_spec *cot = &config->methods[3];
    assert_int_equal(cot->filter, LNL_FILTER_COTEACHING);
    assert_true(cot->forget_rate_auto);
    assert_int_equal(cot->transition, LNL_TRANSITION_ANCHOR);

    const lnl_method_spec *conf = &config->methods[4];
    assert_int_equal(conf->filter, LNL_FILTER_CONFIDENT);
    assert_true(conf->reweight);
    assert_int_equal(conf->folds, 4);
    lnl_config_destroy(config);
}

/* A noise section's data key limits it to the listed data sections, and
 * the sweep plans only those cells. */
static void config_noise_data_restricts_cells(void **state)
{
    (void)state;
    lnl_config *config = parse_ok("[experiment]\nseeds = 2\n"
                                  "[data a]\nsource = make_classification\n"
                                  "[data b]\nsource = make_classification\nn_classes = 3\n"
                                  "n_informative = 3\n"
                                  "[noise cc]\ntype = class_conditional\npairs = 0.1/0.2, 0.2/0.1\n"
                                  "data = a\n"
                                  "[noise sym]\ntype = symmetric\nrates = 0.1, 0.2, 0.3\n"
                                  "[noise pair]\ntype = pair\nrates = 0.4\ndata = b , a\n"
                                  "[method m]\n[method k]\n");
    assert_true(lnl_config_noise_applies(config, 0, 0));
    assert_false(lnl_config_noise_applies(config, 0, 1));
    assert_true(lnl_config_noise_applies(config, 1, 0));
    assert_true(lnl_config_noise_applies(config, 1, 1));
    assert_true(lnl_config_noise_applies(config, 2, 0));
    assert_true(lnl_config_noise_applies(config, 2, 1));
    assert_false(lnl_config_noise_applies(config, 3, 0));
    /* a: 2 + 3 + 1 settings, b: 3 + 1; times 2 methods and 2 seeds */
    assert_int_equal(lnl_sweep_count(config), (6 + 4) * 2 * 2);
    lnl_config_destroy(config);
}

/* ---- errors --------------------------------------------------------- */

typedef struct broken_case {
    const char *name;
    const char *text;
    long line;
    const char *words;  /* a part of the expected message */
} broken_case;

/* The sections of a valid config, joined to a broken part so that only
 * that part is wrong. */
#define VALID_REST MINIMAL_SECTIONS

static const broken_case broken_cases[] = {
    /* unknown key, with a suggestion */
    {"unknown_key_suggests_fix", "[data toy]\nsource = make_classification\nn_sample = 10\n[noise n]\ntype = pair\n"
     "rates = 0.1\n[method m]\n",
     3, "unknown key \"n_sample\" in [data toy]; did you mean \"n_samples\"?"},
    /* duplicate key */
    {"duplicate_key", VALID_REST "C = 1\nC = 2\n", 8, "duplicate key \"C\" in [method m] (first set on line 7)"},
    /* not a number */
    {"non_number", VALID_REST "C = abc\n", 7,
     "invalid value \"abc\" for C in [method m]: expected a number > 0"},
    /* out of range */
    {"number_out_of_range", VALID_REST "C = 0\n", 7, "invalid value \"0\" for C in [method m]"},
    /* unknown section kind, with a suggestion */
    {"unknown_section_suggests_fix", VALID_REST "[methods x]\n", 7, "unknown section [methods x]; did you mean [method x]?"},
    /* duplicate section */
    {"duplicate_section", VALID_REST "[data d]\n", 7, "duplicate section [data d] (first on line 1)"},
    /* key before any header */
    {"key_outside_section", "seeds = 3\n" VALID_REST, 1, "outside any section"},
    /* empty value */
    {"empty_value", VALID_REST "tol =\n", 7, "empty value for tol in [method m]"},
    /* a required key missing: reported on the header */
    {"missing_source", "[data d]\nn_samples = 10\n[noise n]\ntype = pair\nrates = 0.1\n[method m]\n", 1,
     "missing key \"source\" in [data d]"},
    /* a key of another source */
    {"key_of_other_source", "[data d]\nsource = make_classification\npath = x.csv\n[noise n]\ntype = pair\n"
     "rates = 0.1\n[method m]\n",
     3, "key \"path\" does not apply to source = make_classification in [data d]"},
    /* range that runs backwards */
    {"backward_range", "[data d]\nsource = make_classification\n[noise n]\ntype = pair\nrates = 0.5:0.1:0.1\n"
     "[method m]\n",
     5, "stop must be >= start"},
    /* a rate outside [0, 1] */
    {"rate_above_one", "[data d]\nsource = make_classification\n[noise n]\ntype = pair\nrates = 0.2, 1.5\n"
     "[method m]\n",
     5, "invalid value \"1.5\" for rates in [noise n]"},
    /* matrix that is not square */
    {"matrix_not_square", "[data d]\nsource = make_classification\n[noise n]\ntype = matrix\n"
     "matrix = 0.5 0.5; 0.2 0.3 0.5\n[method m]\n",
     5, "row 2 has 3 entries"},
    /* rates with matrix noise */
    {"rates_with_matrix", "[data d]\nsource = make_classification\n[noise n]\ntype = matrix\n"
     "matrix = 1 0; 0 1\nrates = 0.1\n[method m]\n",
     6, "key \"rates\" does not apply to type = matrix"},
    /* baseline that names no method */
    {"unknown_baseline", "[experiment]\nbaseline = strnog\n[data d]\nsource = make_classification\n[noise n]\n"
     "type = pair\nrates = 0.1\n[method strong]\n",
     2, "there is no section [method strnog]; did you mean \"strong\"?"},
    /* not a boolean */
    {"invalid_boolean", VALID_REST "fit_intercept = maybe\n", 7, "invalid value \"maybe\" for fit_intercept"},
    /* loss parameters outside their domains, at the line of the key */
    {"gce_q_zero", VALID_REST "loss = gce\nq = 0\n", 8,
     "invalid value \"0\" for q in [method m]: expected a number in (0, 1]"},
    {"gce_q_above_one", VALID_REST "loss = gce\nq = 1.5\n", 8,
     "invalid value \"1.5\" for q in [method m]: expected a number in (0, 1]"},
    {"gce_truncation_one", VALID_REST "loss = gce\ntruncation = 1\n", 8,
     "invalid value \"1\" for truncation in [method m]: expected a number in [0, 1)"},
    {"bootstrap_beta_above_one", VALID_REST "loss = bootstrap_soft\nbeta = 1.5\n", 8,
     "[method m]: beta = 1.5 is invalid for the loss bootstrap_soft: it must be in [0, 1]"},
    {"bootstrap_beta_before_loss", VALID_REST "beta = 1.2\nloss = bootstrap_hard\n", 7,
     "beta = 1.2 is invalid for the loss bootstrap_hard"},
    {"sce_beta_negative", VALID_REST "loss = sce\nbeta = -0.5\n", 8,
     "invalid value \"-0.5\" for beta in [method m]: expected a number >= 0"},
    {"smoothing_epsilon_one", VALID_REST "loss = label_smoothing\nepsilon = 1\n", 8,
     "invalid value \"1\" for epsilon in [method m]: expected a number in [0, 1)"},
    {"sce_alpha_and_beta_zero", VALID_REST "loss = sce\nalpha = 0\nbeta = 0\n", 9,
     "[method m]: alpha and beta are both 0 for the loss sce"},
    {"nce_rce_alpha_and_beta_zero", VALID_REST "beta = 0\nloss = nce_rce\nalpha = 0\n", 9,
     "alpha and beta are both 0 for the loss nce_rce"},
    {"rce_a_zero", VALID_REST "loss = rce\nA = 0\n", 8,
     "invalid value \"0\" for A in [method m]: expected a number < 0"},
    {"alpha_not_finite", VALID_REST "loss = sce\nalpha = inf\n", 8,
     "invalid value \"inf\" for alpha in [method m]"},
    /* keys that the loss or the optimizer does not read */
    {"q_with_sce", VALID_REST "loss = sce\nq = 0.5\n", 8,
     "key \"q\" does not apply to loss = sce in [method m]; it applies only to loss = gce"},
    {"alpha_with_ce", VALID_REST "alpha = 1\n", 7,
     "key \"alpha\" does not apply to loss = ce in [method m]; it applies only to loss = sce "
     "or nce_rce"},
    {"lr_with_lbfgs", VALID_REST "lr = 0.1\n", 7,
     "key \"lr\" does not apply to optimizer = lbfgs in [method m]; it applies only to "
     "optimizer = sgd or adam"},
    {"max_iter_with_sgd", VALID_REST "optimizer = sgd\nmax_iter = 5\n", 8,
     "key \"max_iter\" does not apply to optimizer = sgd in [method m]"},
    /* optimizer options outside their domains */
    {"lr_zero", VALID_REST "optimizer = adam\nlr = 0\n", 8,
     "invalid value \"0\" for lr in [method m]: expected a number > 0"},
    {"momentum_one", VALID_REST "optimizer = sgd\nmomentum = 1\n", 8,
     "invalid value \"1\" for momentum in [method m]: expected a number in [0, 1)"},
    {"batch_size_zero", VALID_REST "optimizer = sgd\nbatch_size = 0\n", 8,
     "invalid value \"0\" for batch_size in [method m]"},
    {"epochs_zero", VALID_REST "optimizer = sgd\nepochs = 0\n", 8,
     "invalid value \"0\" for epochs in [method m]"},
    {"weight_decay_negative", VALID_REST "optimizer = sgd\nweight_decay = -1e-4\n", 8,
     "invalid value \"-1e-4\" for weight_decay in [method m]: expected a number >= 0"},
    {"unknown_optimizer", VALID_REST "optimizer = newton\n", 7,
     "invalid value \"newton\" for optimizer in [method m]: expected one of lbfgs, sgd, adam"},
    {"unknown_init", VALID_REST "init = random\n", 7,
     "invalid value \"random\" for init in [method m]: expected one of zero, ce"},
    /* seeds above its maximum */
    {"seeds_above_max", "[experiment]\nseeds = 10001\n" VALID_REST, 2,
     "invalid value \"10001\" for seeds in [experiment]: expected an integer from 1 to 10000"},
    /* a section name with a space */
    {"section_name_with_space", VALID_REST "[data my toy]\n", 7, "invalid section name \"my toy\""},
    /* a section without a name */
    {"section_without_name", VALID_REST "[noise]\n", 7, "section [noise] needs a name"},
    /* no noise section */
    {"missing_noise_section", "[data d]\nsource = make_classification\n[method m]\n", 0,
     "missing section [noise NAME]"},
    /* make_classification parameters that do not fit together */
    {"generator_check_failure", "[data d]\nsource = make_classification\nn_features = 3\nn_informative = 2\n"
     "n_redundant = 2\n[noise n]\ntype = pair\nrates = 0.1\n[method m]\n",
     1, "invalid make_classification parameters in [data d]: n_informative + n_redundant"},
    /* unknown loss */
    {"unknown_loss", VALID_REST "loss = cee\n", 7, "invalid value \"cee\" for loss in [method m]"},
    /* an indented line after a key that takes one value */
    {"indented_scalar_line", VALID_REST "C = 1\n  2\n", 8, "unexpected indented line after key \"C\""},
    /* header without ']' */
    {"header_without_bracket", VALID_REST "[data x\n", 7, "has no closing ']'"},
    /* text after a header */
    {"text_after_header", VALID_REST "[data x] y\n", 7, "unexpected text \"y\" after section header"},
    /* a line that is neither key = value nor a header */
    {"line_without_equals", VALID_REST "just words\n", 7, "expected \"key = value\" or a [section] header"},
    /* base_seed past 2^64 - 1 */
    {"base_seed_overflow", "[experiment]\nbase_seed = 18446744073709551616\n" VALID_REST, 2,
     "invalid value \"18446744073709551616\" for base_seed"},
    /* a numpy seed of 2^32 */
    {"numpy_seed_too_large", "[data d]\nsource = make_classification\nrng = numpy\nrandom_state = 4294967296\n"
     "[noise n]\ntype = pair\nrates = 0.1\n[method m]\n",
     4, "with rng = numpy it must be below 2^32"},
    /* a matrix whose order differs from n_classes */
    {"matrix_order_mismatch", "[data d]\nsource = make_classification\n[noise n]\ntype = matrix\n"
     "matrix = 0.8 0.1 0.1; 0.1 0.8 0.1; 0.1 0.1 0.8\n[method m]\n",
     5, "is 3 x 3, but [data d] has n_classes = 2"},
    /* binary model with three classes */
    {"binary_model_three_classes", "[data d]\nsource = make_classification\nn_classes = 3\n"
     "n_informative = 3\n[noise n]\ntype = pair\n"
     "rates = 0.1\n[method m]\nmodel = binary\n",
     9, "model = binary in [method m] needs 2 classes"},
    /* weights of the wrong length */
    {"weights_wrong_length", "[data d]\nsource = make_classification\nweights = 0.2, 0.3, 0.5\n[noise n]\n"
     "type = pair\nrates = 0.1\n[method m]\n",
     3, "3 values for n_classes = 2"},
    /* unknown section that resembles none */
    {"unknown_section_no_hint", VALID_REST "[results]\n", 7, "unknown section [results]; expected [experiment]"},
    /* [experiment] with a name */
    {"named_experiment", "[experiment main]\n" VALID_REST, 1, "takes no name"},
    /* a rate given twice */
    {"duplicate_rate", "[data d]\nsource = make_classification\n[noise n]\ntype = pair\n"
     "rates = 0.1, 0.0:0.2:0.1\n[method m]\n",
     5, "rate 0.1 appears twice"},
    /* test_size of 1.5 is neither a fraction nor an integer */
    {"test_size_above_one", "[data d]\nsource = make_classification\ntest_size = 1.5\n[noise n]\ntype = pair\n"
     "rates = 0.1\n[method m]\n",
     3, "expected a fraction in (0, 1), or a count"},
    /* a choice misspelt */
    {"misspelt_choice", "[data d]\nsource = make_clasification\n[noise n]\ntype = pair\nrates = 0.1\n[method m]\n",
     2, "did you mean \"make_classification\"?"},
    /* the first error wins: a bad value (line 2) before a bad line (line 3) */
    {"value_before_bad_line", "[method m]\nC = -1\nnot a key\n", 2, "invalid value \"-1\" for C"},
    /* the first error wins: a bad line (line 2) before a bad value (line 4) */
    {"bad_line_before_value", "[method m]\n[bogus x]\nC = -1\n", 2, "unknown section [bogus x]"},
    /* the first error wins: a section without its source (line 1) before a
     * duplicate section (line 3) */
    {"incomplete_section_before_bad_header",
     "[data d]\nn_samples = 10\n[data d]\n", 1, "missing key \"source\" in [data d]"},
    /* a bad line inside a section stops reading: its missing keys may follow */
    {"bad_line_inside_section", "[data d]\nn_samples = 10\n%%%\nsource = csv\n", 3,
     "expected \"key = value\""},
    /* missing type */
    {"missing_noise_type", "[data d]\nsource = make_classification\n[noise n]\nrates = 0.1\n[method m]\n", 3,
     "missing key \"type\" in [noise n]"},
    /* csv without path */
    {"csv_without_path", "[data d]\nsource = csv\n[noise n]\ntype = pair\nrates = 0.1\n[method m]\n", 1,
     "missing key \"path\" in [data d]"},
    /* an integer written as a real */
    {"integer_as_real", VALID_REST "max_iter = 1e3\n", 7, "invalid value \"1e3\" for max_iter"},
    /* a matrix row that does not sum to 1 */
    {"matrix_row_sum", "[data d]\nsource = make_classification\n[noise n]\ntype = matrix\n"
     "matrix = 0.5 0.4; 0 1\n[method m]\n",
     5, "row 1 sums to 0.9"},
    /* a negative matrix entry */
    {"negative_matrix_entry", "[data d]\nsource = make_classification\n[noise n]\ntype = matrix\n"
     "matrix = 1.5 -0.5; 0 1\n[method m]\n",
     5, "invalid value \"1.5\" in row 1 of matrix"},
    /* a range with a zero step */
    {"zero_step_range", "[data d]\nsource = make_classification\n[noise n]\ntype = pair\nrates = 0:0.5:0\n"
     "[method m]\n",
     5, "the step must be > 0"},
    /* an empty list item */
    {"empty_list_item", "[data d]\nsource = make_classification\n[noise n]\ntype = pair\nrates = 0.1,,0.2\n"
     "[method m]\n",
     5, "empty item 2 in rates"},
    /* missing key name */
    {"missing_key_name", VALID_REST "= 3\n", 7, "missing key name before '='"},
    /* a section name that is too long */
    {"long_section_name", VALID_REST "[method m1234567890123456789012345678901234567890123456789012345678901234567890]\n", 7,
     "is too long (at most 63 characters)"},
    /* a range with too many rates */
    {"too_many_rates", "[data d]\nsource = make_classification\n[noise n]\ntype = pair\nrates = 0:1:0.0001\n"
     "[method m]\n",
     5, "too many rates in [noise n]: at most 256"},
    /* n_features, which make_classification and libsvm read, with csv */
    {"key_of_two_other_sources",
     "[data d]\nsource = csv\npath = d.csv\nn_features = 4\n[noise n]\ntype = pair\n"
     "rates = 0.1\n[method m]\n",
     4, "does not apply to source = csv in [data d]; it applies only to source = "
        "make_classification or libsvm"},
    /* a second [experiment] */
    {"duplicate_experiment", "[experiment]\nseeds = 2\n" VALID_REST "[experiment]\n", 9,
     "duplicate section [experiment] (first on line 1)"},
    /* numpy seeds base_seed + r must stay below 2^32 */
    {"numpy_base_seed_overflow",
     "[experiment]\nrng = numpy\nseeds = 2\nbase_seed = 4294967295\n" VALID_REST, 4,
     "base_seed + seeds - 1 must be below 2^32"},
    /* a noise seed of 2^32 with numpy from [experiment] */
    {"numpy_noise_seed_too_large",
     "[experiment]\nrng = numpy\n[data d]\nsource = make_classification\n[noise n]\n"
     "type = pair\nrates = 0.1\nseed = 4294967296\n[method m]\n",
     8, "invalid value \"4294967296\" for seed in [noise n]"},
    /* class_conditional noise: pairs required, their syntax, no rates */
    {"class_conditional_without_pairs", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = class_conditional\n[method m]\n",
     3, "missing key \"pairs\" in [noise n]: type = class_conditional needs one"},
    {"pair_without_slash", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = class_conditional\npairs = 0.2 0.2\n[method m]\n",
     5, "invalid pair \"0.2 0.2\" for pairs in [noise n]: expected rho_pos/rho_neg"},
    {"pair_above_one", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = class_conditional\npairs = 0.2/1.2\n[method m]\n",
     5, "invalid pair \"0.2/1.2\""},
    {"duplicate_pair", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = class_conditional\npairs = 0.2/0.1, 0.2/0.1\n[method m]\n",
     5, "pair 0.2/0.1 appears twice"},
    {"rates_with_class_conditional", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = class_conditional\npairs = 0.2/0.1\nrates = 0.1\n[method m]\n",
     6, "key \"rates\" does not apply to type = class_conditional"},
    {"pairs_with_symmetric", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = symmetric\nrates = 0.1\npairs = 0.2/0.1\n[method m]\n",
     6, "key \"pairs\" does not apply to this type in [noise n]; it applies only to type = "
        "class_conditional"},
    {"positive_with_pair", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = pair\nrates = 0.1\npositive = 1\n[method m]\n",
     6, "key \"positive\" does not apply"},
    {"class_conditional_three_classes", "[data d]\nsource = make_classification\nn_classes = 3\n"
     "n_informative = 3\n[noise n]\ntype = class_conditional\npairs = 0.2/0.1\n[method m]\n",
     6, "type = class_conditional in [noise n] needs 2 classes, but [data d] has n_classes = 3"},
    /* asymmetric noise: mapping required and well formed */
    {"asymmetric_without_mapping", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = asymmetric\nrates = 0.1\n[method m]\n",
     3, "missing key \"mapping\" in [noise n]: type = asymmetric needs one"},
    {"asymmetric_without_rates", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = asymmetric\nmapping = 0 -> 1\n[method m]\n",
     3, "missing key \"rates\" in [noise n]"},
    {"mapping_without_arrow", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = asymmetric\nrates = 0.1\nmapping = 3 8\n[method m]\n",
     6, "invalid item \"3 8\" for mapping in [noise n]: expected SOURCE -> TARGET"},
    {"mapping_to_itself", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = asymmetric\nrates = 0.1\nmapping = 3 -> 3\n[method m]\n",
     6, "a class cannot flip to itself"},
    {"mapping_source_twice", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = asymmetric\nrates = 0.1\nmapping = 3 -> 8, 3 -> 5\n[method m]\n",
     6, "class \"3\" is mapped twice"},
    {"mapping_empty_target", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = asymmetric\nrates = 0.1\nmapping = 3 ->\n[method m]\n",
     6, "invalid item \"3 ->\""},
    {"mapping_with_matrix_type", "[data d]\nsource = make_classification\n[noise n]\n"
     "type = matrix\nmatrix = 1 0; 0 1\nmapping = 0 -> 1\n[method m]\n",
     6, "key \"mapping\" does not apply to this type in [noise n]; it applies only to type = "
        "asymmetric"},
    /* loss correction keys */
    {"forward_without_transition", VALID_REST "loss = forward\n", 6,
     "missing key \"transition\" in [method m]: loss = forward needs a transition matrix"},
    {"transition_with_ce", VALID_REST "transition = known\n", 7,
     "key \"transition\" does not apply to loss = ce in [method m]; it applies only to "
     "loss = forward, backward or unbiased"},
    {"percentile_with_confident", VALID_REST "loss = backward\ntransition = confident\n"
     "anchor_percentile = 90\n", 9,
     "key \"anchor_percentile\" does not apply to this transition in [method m]; it applies "
     "only to transition = anchor"},
    {"folds_with_known", VALID_REST "loss = forward\ntransition = known\nfolds = 3\n", 9,
     "key \"folds\" does not apply to this transition in [method m]; it applies only to "
     "transition = confident"},
    {"percentile_above_100", VALID_REST "loss = forward\ntransition = anchor\n"
     "anchor_percentile = 101\n", 9,
     "invalid value \"101\" for anchor_percentile in [method m]: expected a number in [0, 100]"},
    {"holdout_one", VALID_REST "loss = forward\ntransition = anchor\nholdout = 1\n", 9,
     "invalid value \"1\" for holdout in [method m]: expected a number in (0, 1)"},
    {"folds_one", VALID_REST "loss = forward\ntransition = confident\nfolds = 1\n", 9,
     "invalid value \"1\" for folds in [method m]: expected an integer from 2 to 1000"},
    {"unbiased_three_classes", "[data d]\nsource = make_classification\nn_classes = 3\n"
     "n_informative = 3\n[noise n]\ntype = pair\nrates = 0.1\n[method m]\nloss = unbiased\n"
     "transition = known\n",
     9, "loss = unbiased in [method m] needs 2 classes, but [data d] has n_classes = 3"},
    /* the data key of a noise section */
    /* sample-selection keys */
    {"forget_rate_one", VALID_REST "filter = small_loss\nforget_rate = 1\n", 8,
     "invalid value \"1\" for forget_rate in [method m]: expected a number in [0, 1), or auto"},
    {"forget_rate_negative", VALID_REST "filter = small_loss\nforget_rate = -0.1\n", 8,
     "invalid value \"-0.1\" for forget_rate in [method m]"},
    {"forget_rate_word", VALID_REST "filter = small_loss\nforget_rate = automatic\n", 8,
     "invalid value \"automatic\" for forget_rate in [method m]"},
    {"unknown_filter", VALID_REST "filter = small_losses\n", 7,
     "invalid value \"small_losses\" for filter in [method m]: expected one of none, small_loss, "
     "coteaching, confident; did you mean \"small_loss\"?"},
    {"unknown_schedule", VALID_REST "filter = small_loss\nforget_rate = 0.2\nschedule = linear\n", 9,
     "invalid value \"linear\" for schedule in [method m]: expected one of none, gradual"},
    {"num_gradual_zero", VALID_REST "filter = coteaching\nforget_rate = 0.2\noptimizer = adam\n"
     "num_gradual = 0\n", 10,
     "invalid value \"0\" for num_gradual in [method m]: expected an integer from 1"},
    {"exponent_zero", VALID_REST "filter = coteaching\nforget_rate = 0.2\noptimizer = adam\n"
     "exponent = 0\n", 10, "invalid value \"0\" for exponent in [method m]: expected a number > 0"},
    {"rounds_zero", VALID_REST "filter = small_loss\nforget_rate = 0.2\nrounds = 0\n", 9,
     "invalid value \"0\" for rounds in [method m]: expected an integer from 1 to 100"},
    {"rounds_above_max", VALID_REST "filter = small_loss\nforget_rate = 0.2\nrounds = 101\n", 9,
     "invalid value \"101\" for rounds in [method m]"},
    {"forget_rate_without_filter", VALID_REST "forget_rate = 0.2\n", 7,
     "key \"forget_rate\" does not apply to filter = none in [method m]; it applies only to "
     "filter = small_loss or coteaching"},
    {"forget_rate_with_confident", VALID_REST "filter = confident\nforget_rate = 0.2\n", 8,
     "key \"forget_rate\" does not apply to filter = confident in [method m]"},
    {"small_loss_without_forget_rate", VALID_REST "filter = small_loss\n", 6,
     "missing key \"forget_rate\" in [method m]: filter = small_loss with schedule = none needs "
     "the fraction of samples to drop"},
    {"coteaching_without_forget_rate", VALID_REST "filter = coteaching\noptimizer = adam\n", 6,
     "missing key \"forget_rate\" in [method m]: filter = coteaching needs"},
    {"schedule_with_coteaching", VALID_REST "filter = coteaching\nforget_rate = 0.2\n"
     "optimizer = adam\nschedule = gradual\n", 10,
     "key \"schedule\" does not apply to filter = coteaching in [method m]; it applies only to "
     "filter = small_loss"},
    {"rounds_with_gradual", VALID_REST "filter = small_loss\nschedule = gradual\n"
     "forget_rate = 0.2\noptimizer = sgd\nrounds = 2\n", 11,
     "key \"rounds\" does not apply to filter = small_loss with schedule = gradual in [method m]; "
     "it applies only to filter = small_loss with schedule = none"},
    {"per_class_with_coteaching", VALID_REST "filter = coteaching\nforget_rate = 0.2\n"
     "optimizer = adam\nper_class = true\n", 10,
     "key \"per_class\" does not apply to filter = coteaching"},
    {"num_gradual_with_retrain", VALID_REST "filter = small_loss\nforget_rate = 0.2\n"
     "num_gradual = 5\n", 9,
     "key \"num_gradual\" does not apply to filter = small_loss with schedule = none in "
     "[method m]; it applies only to schedule = gradual or filter = coteaching"},
    {"reweight_with_small_loss", VALID_REST "filter = small_loss\nforget_rate = 0.2\n"
     "reweight = true\n", 9,
     "key \"reweight\" does not apply to filter = small_loss with schedule = none in [method m]; "
     "it applies only to filter = confident"},
    {"gradual_with_lbfgs", VALID_REST "filter = small_loss\nforget_rate = 0.2\nschedule = gradual\n",
     9, "filter = small_loss with schedule = gradual in [method m] selects samples per "
        "mini-batch and needs optimizer = sgd or adam"},
    {"coteaching_with_explicit_lbfgs", VALID_REST "filter = coteaching\nforget_rate = 0.2\n"
     "optimizer = lbfgs\n", 9, "filter = coteaching in [method m] selects samples per mini-batch"},
    {"coteaching_with_init_ce", VALID_REST "filter = coteaching\nforget_rate = 0.2\n"
     "optimizer = adam\ninit = ce\n", 10,
     "key \"init\" does not apply to filter = coteaching in [method m], which starts from random "
     "weights"},
    {"auto_without_transition", VALID_REST "filter = small_loss\nforget_rate = auto\n", 8,
     "missing key \"transition\" in [method m]: forget_rate = auto estimates the noise rate from "
     "a transition matrix"},
    {"transition_with_fixed_forget_rate", VALID_REST "filter = small_loss\nforget_rate = 0.2\n"
     "transition = known\n", 9,
     "key \"transition\" does not apply to loss = ce in [method m]; it applies only to loss = "
     "forward, backward or unbiased, or with forget_rate = auto"},
    {"folds_with_small_loss", VALID_REST "filter = small_loss\nforget_rate = 0.2\nfolds = 3\n", 9,
     "key \"folds\" does not apply to this transition in [method m]; it applies only to "
     "transition = confident or filter = confident"},
    {"noise_data_unknown", VALID_REST "[noise x]\ntype = pair\nrates = 0.2\ndata = d, e\n", 10,
     "invalid value for data in [noise x]: there is no section [data e]"},
    {"noise_data_twice", VALID_REST "[noise x]\ntype = pair\nrates = 0.2\ndata = d,d\n", 10,
     "data in [noise x] lists [data d] twice"},
    {"noise_data_only_commas", VALID_REST "[noise x]\ntype = pair\nrates = 0.2\ndata = ,\n", 10,
     "data in [noise x] names no [data] section"},
};

static void config_rejects_broken(void **state)
{
    const broken_case *c = *state;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_config *config = (lnl_config *)&err;  /* must be reset to NULL */

    lnl_status status = lnl_config_parse_string(c->text, "broken.ini", &config, &err);

    if (status != LNL_ERR_CONFIG)
        fail_msg("status %d (%s), expected a config error; message: %s", status,
                 lnl_status_name(status), err.message);
    assert_null(config);
    assert_int_equal(err.status, LNL_ERR_CONFIG);
    assert_string_equal(err.file, "broken.ini");
    if (err.line != c->line)
        fail_msg("line %ld, expected %ld; message: %s", err.line, c->line, err.message);
    if (strstr(err.message, c->words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, c->words);
}

static void config_line_too_long(void **state)
{
    (void)state;
    lnl_error err;
    lnl_config *config = NULL;
    assert_int_equal(lnl_config_read(CONFIG_DIR "/long_line.ini", &config, &err), LNL_ERR_CONFIG);
    assert_null(config);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.file, CONFIG_DIR "/long_line.ini");
    assert_string_equal(err.message, "line too long (over 198 bytes)");
}

static void config_line_of_198_bytes_fits(void **state)
{
    (void)state;
    char text[1024];
    char path[256];
    memset(path, 'p', sizeof path);
    /* "path = " is 7 bytes, so 191 more make a line of 198 */
    snprintf(text, sizeof text,
             "[data d]\nsource = csv\npath = %.191s\n[noise n]\ntype = pair\nrates = 0.1\n"
             "[method m]\n",
             path);
    lnl_config *config = parse_ok(text);
    assert_int_equal(strlen(config->data[0].path), 191);
    lnl_config_destroy(config);

    snprintf(text, sizeof text,
             "[data d]\nsource = csv\npath = %.192s\n[noise n]\ntype = pair\nrates = 0.1\n"
             "[method m]\n",
             path);
    lnl_error err;
    assert_int_equal(lnl_config_parse_string(text, "t.ini", &config, &err), LNL_ERR_CONFIG);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "line too long"));
}

static void config_too_many_sections(void **state)
{
    (void)state;
    size_t size = 64 * 1024;
    char *text = malloc(size);
    assert_non_null(text);
    size_t used = (size_t)snprintf(text, size, "[noise n]\ntype = pair\nrates = 0.1\n[method m]\n");
    for (int i = 0; i <= LNL_MAX_SECTIONS; i++)
        used += (size_t)snprintf(text + used, size - used,
                                 "[data d%d]\nsource = make_classification\n", i);

    lnl_error err;
    lnl_config *config = NULL;
    lnl_status status = lnl_config_parse_string(text, "t.ini", &config, &err);
    free(text);
    assert_int_equal(status, LNL_ERR_CONFIG);
    assert_null(config);
    assert_int_equal(err.line, 4 + 2 * LNL_MAX_SECTIONS + 1);
    assert_string_equal(err.message, "too many [data] sections (at most 64)");
}

static void config_missing_file_is_io_error(void **state)
{
    (void)state;
    lnl_error err;
    lnl_config *config = NULL;
    const char *path = CONFIG_DIR "/does_not_exist.ini";
    assert_int_equal(lnl_config_read(path, &config, &err), LNL_ERR_IO);
    assert_null(config);
    assert_int_equal(err.status, LNL_ERR_IO);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.message, "No such file"));
}

static void config_directory_is_io_error(void **state)
{
    (void)state;
    lnl_error err;
    lnl_config *config = NULL;
    assert_int_equal(lnl_config_read(CONFIG_DIR, &config, &err), LNL_ERR_IO);
    assert_null(config);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.message, "directory"));
}

static void config_empty_file_is_error(void **state)
{
    (void)state;
    static const char *const paths[] = {CONFIG_DIR "/empty.ini",
                                        CONFIG_DIR "/comments_only.ini"};
    for (size_t i = 0; i < 2; i++) {
        lnl_error err;
        lnl_config *config = NULL;
        assert_int_equal(lnl_config_read(paths[i], &config, &err), LNL_ERR_CONFIG);
        assert_null(config);
        assert_int_equal(err.line, 0);
        assert_non_null(strstr(err.message, "the config is empty"));
    }
}

static void config_nul_byte_is_error(void **state)
{
    (void)state;
    lnl_error err;
    lnl_config *config = NULL;
    assert_int_equal(lnl_config_read(CONFIG_DIR "/nul_byte.ini", &config, &err), LNL_ERR_CONFIG);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "NUL byte"));
}

static void config_null_arguments(void **state)
{
    (void)state;
    lnl_error err;
    lnl_config *config = NULL;
    assert_int_equal(lnl_config_parse_string(NULL, "x", &config, &err), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_config_read(NULL, &config, &err), LNL_ERR_ARGUMENT);
    assert_int_equal(lnl_config_parse_string(MINIMAL_SECTIONS, NULL, NULL, NULL),
                     LNL_ERR_ARGUMENT);
    /* a NULL error record is allowed */
    assert_int_equal(lnl_config_parse_string("[data x]\n", NULL, &config, NULL), LNL_ERR_CONFIG);
    assert_null(config);
    lnl_config_destroy(NULL);
}

/* ---- edit distance -------------------------------------------------- */

static void config_edit_distance_hand_cases(void **state)
{
    (void)state;
    assert_int_equal(lnl_edit_distance("", ""), 0);
    assert_int_equal(lnl_edit_distance("abc", ""), 3);
    assert_int_equal(lnl_edit_distance("", "abcd"), 4);
    assert_int_equal(lnl_edit_distance("same", "same"), 0);
    assert_int_equal(lnl_edit_distance("kitten", "sitting"), 3);
    assert_int_equal(lnl_edit_distance("sitting", "kitten"), 3);
    assert_int_equal(lnl_edit_distance("flaw", "lawn"), 2);
    assert_int_equal(lnl_edit_distance("n_sample", "n_samples"), 1);
    assert_int_equal(lnl_edit_distance("methods", "method"), 1);
    assert_int_equal(lnl_edit_distance("ab", "ba"), 2);
    assert_int_equal(lnl_edit_distance("intention", "execution"), 5);

    /* longer than the stack row */
    char a[101], b[101];
    memset(a, 'a', 100);
    memset(b, 'a', 100);
    a[100] = b[100] = '\0';
    b[50] = 'b';
    assert_int_equal(lnl_edit_distance(a, b), 1);
    assert_int_equal(lnl_edit_distance(a, "a"), 99);
}

static void config_suggestion_threshold(void **state)
{
    (void)state;
    lnl_error err;
    lnl_config *config = NULL;

    /* distance 3 in a 12-letter word: within a third, so suggested */
    assert_int_equal(lnl_config_parse_string(MINIMAL_SECTIONS "fit_intrcpt = 1\n", "t.ini",
                                             &config, &err),
                     LNL_ERR_CONFIG);
    assert_non_null(strstr(err.message, "did you mean \"fit_intercept\"?"));

    /* far from every key: no suggestion */
    assert_int_equal(lnl_config_parse_string(MINIMAL_SECTIONS "learning_rate = 1\n", "t.ini",
                                             &config, &err),
                     LNL_ERR_CONFIG);
    assert_string_equal(err.message, "unknown key \"learning_rate\" in [method m]");
}

/* ---- the key reference ---------------------------------------------- */

static char *read_file(const char *path, size_t *length)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *copy = open_memstream(&text, &size);
    char buffer[4096];
    size_t n;
    while (copy != NULL && (n = fread(buffer, 1, sizeof buffer, file)) > 0)
        fwrite(buffer, 1, n, copy);
    fclose(file);
    if (copy == NULL)
        return NULL;
    fclose(copy);
    *length = size;
    return text;
}

static char *write_reference(size_t *length)
{
    char *text = NULL;
    FILE *out = open_memstream(&text, length);
    assert_non_null(out);
    lnl_error err;
    assert_int_equal(lnl_config_write_reference(out, &err), LNL_OK);
    assert_int_equal(fclose(out), 0);
    return text;
}

static void config_reference_is_fresh(void **state)
{
    (void)state;
    size_t expected_length = 0, committed_length = 0;
    char *expected = write_reference(&expected_length);
    char *committed = read_file(REFERENCE_PATH, &committed_length);
    if (committed == NULL)
        fail_msg("cannot read %s", REFERENCE_PATH);

    bool same = expected_length == committed_length &&
                memcmp(expected, committed, expected_length) == 0;
    free(expected);
    free(committed);
    if (!same)
        fail_msg("docs/CONFIG.md differs from lnl_config_write_reference; regenerate it with "
                 "`lnl schema > docs/CONFIG.md` or `tests/test_config --write-reference %s`",
                 REFERENCE_PATH);
}

static void config_reference_lists_every_key(void **state)
{
    (void)state;
    size_t length = 0;
    char *text = write_reference(&length);
    static const char *const keys[] = {
        "| `seeds` |", "| `base_seed` |", "| `baseline` |", "| `n_clusters_per_class` |",
        "| `random_state` |", "| `label` |", "| `test_size` |", "| `sampling` |",
        "| `matrix` |", "| `loss` |", "| `max_iter` |", "| `tol` |"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strstr(text, keys[i]) == NULL)
            fail_msg("the reference has no row %s", keys[i]);
    }
    assert_non_null(strstr(text, "| `C` | number | `1` | a number > 0 |"));
    assert_non_null(strstr(text, "| `seeds` | integer | `5` | an integer from 1 to 10000 |"));
    free(text);
}

static void config_reference_example_parses(void **state)
{
    (void)state;
    size_t length = 0;
    char *text = write_reference(&length);
    char *start = strstr(text, "```ini\n");
    assert_non_null(start);
    start += strlen("```ini\n");
    char *end = strstr(start, "```");
    assert_non_null(end);
    *end = '\0';

    lnl_config *config = parse_ok(start);
    assert_string_equal(config->name, "example");
    assert_int_equal(config->n_noise, 2);
    assert_int_equal(config->noise[0].n_rates, 5);
    assert_int_equal(config->noise[1].matrix_order, 3);
    lnl_config_destroy(config);
    free(text);
}

/* ---- main ----------------------------------------------------------- */

static int write_reference_file(const char *path)
{
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        perror(path);
        return 1;
    }
    lnl_error err;
    lnl_status status = lnl_config_write_reference(out, &err);
    if (fclose(out) != 0 || status != LNL_OK) {
        fprintf(stderr, "%s: cannot write the reference\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-reference") == 0)
        return write_reference_file(argv[2]);

    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(config_full_file_sets_every_field),
        cmocka_unit_test(config_minimal_uses_defaults),
        cmocka_unit_test(config_name_defaults_to_file_base_name),
        cmocka_unit_test(config_bom_and_crlf_are_accepted),
        cmocka_unit_test(config_inline_comment_and_spelling),
        cmocka_unit_test(config_booleans_accept_all_spellings),
        cmocka_unit_test(config_long_section_and_key_names),
        cmocka_unit_test(config_method_loss_and_optimizer_keys),
        cmocka_unit_test(config_method_new_keys_default),
        cmocka_unit_test(config_rates_list),
        cmocka_unit_test(config_rates_range_rounds_to_12_decimals),
        cmocka_unit_test(config_rates_range_stop_rules),
        cmocka_unit_test(config_rates_mix_ranges_lists_and_lines),
        cmocka_unit_test(config_rates_start_on_next_line),
        cmocka_unit_test(config_rates_allow_256_values),
        cmocka_unit_test(config_matrix_rows_by_semicolons),
        cmocka_unit_test(config_matrix_rows_on_lines),
        cmocka_unit_test(config_matrix_row_sum_tolerance),
        cmocka_unit_test(config_class_conditional_pairs),
        cmocka_unit_test(config_asymmetric_mapping),
        cmocka_unit_test(config_method_transition_keys),
        cmocka_unit_test(config_method_selection_keys),
        cmocka_unit_test(config_noise_data_restricts_cells),
        cmocka_unit_test(config_line_too_long),
        cmocka_unit_test(config_line_of_198_bytes_fits),
        cmocka_unit_test(config_too_many_sections),
        cmocka_unit_test(config_missing_file_is_io_error),
        cmocka_unit_test(config_directory_is_io_error),
        cmocka_unit_test(config_empty_file_is_error),
        cmocka_unit_test(config_nul_byte_is_error),
        cmocka_unit_test(config_null_arguments),
        cmocka_unit_test(config_edit_distance_hand_cases),
        cmocka_unit_test(config_suggestion_threshold),
        cmocka_unit_test(config_reference_is_fresh),
        cmocka_unit_test(config_reference_lists_every_key),
        cmocka_unit_test(config_reference_example_parses),
    };
    enum { N_FIXED = sizeof fixed / sizeof fixed[0] };
    enum { N_BROKEN = sizeof broken_cases / sizeof broken_cases[0] };

    /* one named test per broken config */
    static char names[N_BROKEN][64];
    struct CMUnitTest tests[N_FIXED + N_BROKEN];
    memcpy(tests, fixed, sizeof fixed);
    for (size_t i = 0; i < N_BROKEN; i++) {
        snprintf(names[i], sizeof names[i], "config_rejects_%s", broken_cases[i].name);
        tests[N_FIXED + i] = (struct CMUnitTest){
            .name = names[i],
            .test_func = config_rejects_broken,
            .initial_state = (void *)&broken_cases[i],
        };
    }
    return _cmocka_run_group_tests("config", tests, N_FIXED + N_BROKEN, NULL, NULL);
}
