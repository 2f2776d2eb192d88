/* Tests of make_classification: reproduction of scikit-learn 1.2's output
 * from the fixtures in tests/fixtures/numpy_compat, shapes, class counts,
 * determinism and parameter checks. */
#include "lnl/generate.h"

#include "numpy_fixture.h"

#include <math.h>

/* Features may differ from numpy's in the last bits because numpy computes
 * the cluster maps and redundant features with BLAS, which sums in its own
 * order. */
static const double FEATURE_TOLERANCE = 1e-12;

/* Reads the keyword arguments of a make_classification fixture. Keys that
 * are missing keep scikit-learn's defaults, and null for shift or scale
 * means "drawn at random". */
static void params_from_fixture(const char *json, lnl_make_classification_params *params,
                                uint64_t *seed)
{
    static const struct {
        const char *key;
        size_t offset;
    } counts[] = {
        {"n_samples", offsetof(lnl_make_classification_params, n_samples)},
        {"n_features", offsetof(lnl_make_classification_params, n_features)},
        {"n_informative", offsetof(lnl_make_classification_params, n_informative)},
        {"n_redundant", offsetof(lnl_make_classification_params, n_redundant)},
        {"n_repeated", offsetof(lnl_make_classification_params, n_repeated)},
        {"n_classes", offsetof(lnl_make_classification_params, n_classes)},
        {"n_clusters_per_class", offsetof(lnl_make_classification_params, n_clusters_per_class)},
    };

    lnl_make_classification_defaults(params);
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        if (fixture_value(json, counts[c].key) != NULL)
            *(size_t *)((char *)params + counts[c].offset) =
                (size_t)fixture_number(json, counts[c].key);
    }

    if (fixture_value(json, "weights") != NULL)
        params->n_weights = fixture_numbers(json, "weights", params->weights, LNL_MAX_CLASSES);
    if (fixture_value(json, "flip_y") != NULL)
        params->flip_y = fixture_number(json, "flip_y");
    if (fixture_value(json, "class_sep") != NULL)
        params->class_sep = fixture_number(json, "class_sep");

    const char *value = fixture_value(json, "hypercube");
    if (value != NULL)
        params->hypercube = strncmp(value, "true", 4) == 0;
    value = fixture_value(json, "shuffle");
    if (value != NULL)
        params->shuffle = strncmp(value, "true", 4) == 0;

    value = fixture_value(json, "shift");
    if (value != NULL) {
        params->has_shift = strncmp(value, "null", 4) != 0;
        if (params->has_shift)
            params->shift = fixture_number(json, "shift");
    }
    value = fixture_value(json, "scale");
    if (value != NULL) {
        params->has_scale = strncmp(value, "null", 4) != 0;
        if (params->has_scale)
            params->scale = fixture_number(json, "scale");
    }

    *seed = (uint64_t)fixture_number(json, "random_state");
}

/* Generates the data set of fixture <name>.json with a numpy stream and
 * compares it with <name>.csv: labels exactly, features within
 * FEATURE_TOLERANCE relative to the larger magnitude. */
static void check_fixture(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s.json", name);
    char *json = fixture_read_text(path);
    snprintf(path, sizeof path, "%s.csv", name);
    fixture_table expected = fixture_read_csv(path);

    lnl_make_classification_params params;
    uint64_t seed = 0;
    params_from_fixture(json, &params, &seed);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_NUMPY, seed);

    lnl_dataset *data = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_status status = lnl_make_classification(&params, &rng, &data, &err);
    if (status != LNL_OK)
        fail_msg("%s: %s", name, err.message);

    assert_int_equal(data->n_rows, expected.n_rows);
    assert_int_equal(data->n_features, expected.n_features);
    assert_int_equal(data->n_classes, params.n_classes);
    for (size_t i = 0; i < expected.n_rows; i++) {
        if (data->y[i] != expected.y[i])
            fail_msg("%s: label of row %zu is %d, scikit-learn gives %d", name, i, data->y[i],
                     expected.y[i]);
    }

    double max_relative = 0.0;
    for (size_t l = 0; l < expected.n_rows * expected.n_features; l++) {
        double a = data->X[l], b = expected.X[l];
        double relative = fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-300);
        if (a != b && relative > max_relative)
            max_relative = relative;
        if (!(relative <= FEATURE_TOLERANCE))
            fail_msg("%s: X[%zu][%zu] is %.17g, scikit-learn gives %.17g", name,
                     l / expected.n_features, l % expected.n_features, a, b);
    }
    assert_true(max_relative <= FEATURE_TOLERANCE);

    lnl_dataset_destroy(data);
    fixture_table_free(&expected);
    free(json);
}

static void generate_article_fixture_matches(void **state)
{
    (void)state;
    check_fixture("make_classification_article");
}

static void generate_multiclass_fixture_matches(void **state)
{
    (void)state;
    check_fixture("make_classification_multiclass");
}

/* Reservoir sampling of the vertices, hypercube=False, random shift and
 * scale, and a last class weight inferred from the others. */
static void generate_reservoir_random_shift_matches(void **state)
{
    (void)state;
    check_fixture("make_classification_reservoir_random_shift");
}

/* Tracking selection of the vertices, no shuffle, and weights that sum to
 * 1.6, so that the last clusters are cut off. */
static void generate_tracking_unshuffled_matches(void **state)
{
    (void)state;
    check_fixture("make_classification_tracking_unshuffled");
}

/* 33 informative dimensions: 3 leading bits per vertex from randint(2). */
static void generate_wide_hypercube_matches(void **state)
{
    (void)state;
    check_fixture("make_classification_wide_hypercube");
}

static void generate_defaults_match_sklearn(void **state)
{
    (void)state;
    lnl_make_classification_params params;
    memset(&params, 0xff, sizeof params);
    lnl_make_classification_defaults(&params);

    assert_int_equal(params.n_samples, 100);
    assert_int_equal(params.n_features, 20);
    assert_int_equal(params.n_informative, 2);
    assert_int_equal(params.n_redundant, 2);
    assert_int_equal(params.n_repeated, 0);
    assert_int_equal(params.n_classes, 2);
    assert_int_equal(params.n_clusters_per_class, 2);
    assert_int_equal(params.n_weights, 0);
    assert_true(params.flip_y == 0.01);
    assert_true(params.class_sep == 1.0);
    assert_true(params.hypercube);
    assert_true(params.has_shift);
    assert_true(params.shift == 0.0);
    assert_true(params.has_scale);
    assert_true(params.scale == 1.0);
    assert_true(params.shuffle);
    assert_int_equal(lnl_make_classification_check(&params, NULL), LNL_OK);
}

static lnl_dataset *generate_or_fail(const lnl_make_classification_params *params,
                                     lnl_rng_kind kind, uint64_t seed)
{
    lnl_rng rng;
    lnl_rng_seed(&rng, kind, seed);
    lnl_dataset *data = NULL;
    lnl_error err;
    lnl_error_clear(&err);
    if (lnl_make_classification(params, &rng, &data, &err) != LNL_OK)
        fail_msg("make_classification failed: %s", err.message);
    assert_non_null(data);
    return data;
}

static void generate_output_has_requested_shape(void **state)
{
    (void)state;
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    params.n_samples = 37;
    params.n_features = 12;
    params.n_classes = 3;
    params.n_informative = 3;
    lnl_dataset *data = generate_or_fail(&params, LNL_RNG_DEFAULT, 1);

    assert_int_equal(data->n_rows, 37);
    assert_int_equal(data->n_features, 12);
    assert_int_equal(data->n_classes, 3);
    for (size_t i = 0; i < 37; i++) {
        assert_true(data->y[i] >= 0);
        assert_true(data->y[i] < 3);
    }
    for (size_t l = 0; l < 37 * 12; l++)
        assert_true(isfinite(data->X[l]));
    assert_string_equal(data->class_names[0], "0");
    assert_string_equal(data->class_names[2], "2");
    assert_string_equal(data->feature_names[0], "x0");
    assert_string_equal(data->feature_names[11], "x11");
    lnl_dataset_destroy(data);
}

/* Without label noise the class counts follow the weights exactly. 800 rows
 * with weights 0.625, 0.25, 0.125 (exact in binary) give 500, 200 and 100.
 * 101 balanced rows in 2 x 2 clusters give 25 per cluster, and the one left
 * over goes to cluster 0, of class 0. */
static void generate_weights_set_class_counts(void **state)
{
    (void)state;
    static const struct {
        size_t n_samples;
        size_t n_classes;
        size_t n_weights;
        double weights[3];
        size_t expected[3];
    } cases[] = {
        {800, 3, 3, {0.625, 0.25, 0.125}, {500, 200, 100}},
        {800, 3, 2, {0.625, 0.25, 0.0}, {500, 200, 100}},
        {101, 2, 0, {0.0, 0.0, 0.0}, {51, 50, 0}},
    };

    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        lnl_make_classification_params params;
        lnl_make_classification_defaults(&params);
        params.n_samples = cases[c].n_samples;
        params.n_classes = cases[c].n_classes;
        params.n_informative = 3;
        params.n_weights = cases[c].n_weights;
        memcpy(params.weights, cases[c].weights, sizeof cases[c].weights);
        params.flip_y = 0.0;
        lnl_dataset *data = generate_or_fail(&params, LNL_RNG_NUMPY, 4);

        size_t counts[3] = {0};
        lnl_dataset_class_counts(data, counts);
        for (size_t k = 0; k < cases[c].n_classes; k++)
            assert_int_equal(counts[k], cases[c].expected[k]);
        lnl_dataset_destroy(data);
    }
}

/* With flip_y = 1 every label is redrawn uniformly, so each of 2 classes
 * ends up near half of 4000 rows whatever the weights (standard deviation
 * about 32 rows). */
static void generate_flip_y_redraws_labels(void **state)
{
    (void)state;
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    params.n_samples = 4000;
    params.n_weights = 1;
    params.weights[0] = 0.9;
    params.flip_y = 1.0;
    lnl_dataset *data = generate_or_fail(&params, LNL_RNG_NUMPY, 12);

    size_t counts[2] = {0};
    lnl_dataset_class_counts(data, counts);
    assert_true(counts[0] > 1850);
    assert_true(counts[0] < 2150);
    assert_int_equal(counts[0] + counts[1], 4000);
    lnl_dataset_destroy(data);
}

/* Each repeated feature is an exact copy of an informative or redundant one. */
static void generate_repeated_columns_are_copies(void **state)
{
    (void)state;
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    params.n_samples = 20;
    params.n_features = 8;
    params.n_informative = 3;
    params.n_redundant = 2;
    params.n_repeated = 2;
    params.shuffle = false;
    lnl_dataset *data = generate_or_fail(&params, LNL_RNG_DEFAULT, 6);

    for (size_t r = 5; r < 7; r++) {
        int found = 0;
        for (size_t source = 0; source < 5; source++) {
            int same = 1;
            for (size_t i = 0; i < 20; i++)
                same &= data->X[i * 8 + r] == data->X[i * 8 + source];
            found |= same;
        }
        assert_true(found);
    }
    lnl_dataset_destroy(data);
}

static void generate_same_seed_same_output(void **state)
{
    (void)state;
    static const lnl_rng_kind kinds[] = {LNL_RNG_DEFAULT, LNL_RNG_NUMPY};
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    params.n_samples = 60;
    params.n_classes = 3;
    params.n_informative = 4;
    params.has_shift = false;
    params.has_scale = false;

    for (int k = 0; k < 2; k++) {
        lnl_dataset *a = generate_or_fail(&params, kinds[k], 21);
        lnl_dataset *b = generate_or_fail(&params, kinds[k], 21);
        lnl_dataset *other = generate_or_fail(&params, kinds[k], 22);

        assert_memory_equal(a->X, b->X, 60 * 20 * sizeof(double));
        assert_memory_equal(a->y, b->y, 60 * sizeof(int));
        assert_memory_not_equal(a->X, other->X, 60 * 20 * sizeof(double));

        lnl_dataset_destroy(a);
        lnl_dataset_destroy(b);
        lnl_dataset_destroy(other);
    }
}

/* One invalid parameter set and the start of its message. */
typedef struct invalid_case {
    const char *name;
    lnl_make_classification_params params;
    const char *message;
} invalid_case;

static void generate_rejects_invalid_parameters(void **state)
{
    (void)state;
    enum { N_CASES = 14 };
    invalid_case cases[N_CASES];
    for (int c = 0; c < N_CASES; c++)
        lnl_make_classification_defaults(&cases[c].params);

    cases[0].name = "too many clusters";
    cases[0].params.n_classes = 4;
    cases[0].message = "n_classes * n_clusters_per_class = 8 must be at most 2^n_informative = 4";
    cases[1].name = "features overflow";
    cases[1].params.n_features = 4;
    cases[1].params.n_repeated = 1;
    cases[1].message = "n_informative + n_redundant + n_repeated = 2 + 2 + 1 must be at most "
                       "n_features = 4";
    cases[2].name = "no samples";
    cases[2].params.n_samples = 0;
    cases[2].message = "n_samples must be at least 1";
    cases[3].name = "no informative";
    cases[3].params.n_informative = 0;
    cases[3].message = "n_informative must be at least 1";
    cases[4].name = "no classes";
    cases[4].params.n_classes = 0;
    cases[4].message = "n_classes = 0 is invalid";
    cases[5].name = "too many classes";
    cases[5].params.n_classes = LNL_MAX_CLASSES + 1;
    cases[5].params.n_informative = 12;
    cases[5].params.n_features = 20;
    cases[5].message = "n_classes = 1001 is invalid: it must be in [1, 1000]";
    cases[6].name = "no clusters";
    cases[6].params.n_clusters_per_class = 0;
    cases[6].message = "n_clusters_per_class must be at least 1";
    cases[7].name = "weight count";
    cases[7].params.n_weights = 3;
    cases[7].message = "weights has 3 entries but must have n_classes = 2 or n_classes - 1 = 1";
    cases[8].name = "negative weight";
    cases[8].params.n_weights = 2;
    cases[8].params.weights[0] = 0.5;
    cases[8].params.weights[1] = -0.5;
    cases[8].message = "weights[1] = -0.5 is invalid";
    cases[9].name = "inferred weight negative";
    cases[9].params.n_classes = 3;
    cases[9].params.n_clusters_per_class = 1;
    cases[9].params.n_weights = 2;
    cases[9].params.weights[0] = 0.7;
    cases[9].params.weights[1] = 0.6;
    cases[9].message = "weights sum to 1.3, so the inferred weight of the last class";
    cases[10].name = "flip_y above 1";
    cases[10].params.flip_y = 1.5;
    cases[10].message = "flip_y = 1.5 is invalid: it must be in [0, 1]";
    cases[11].name = "flip_y NaN";
    cases[11].params.flip_y = NAN;
    cases[11].message = "flip_y = nan is invalid";
    cases[12].name = "class_sep infinite";
    cases[12].params.class_sep = INFINITY;
    cases[12].message = "class_sep = inf is invalid: it must be finite";
    cases[13].name = "scale NaN";
    cases[13].params.scale = NAN;
    cases[13].message = "scale = nan is invalid: it must be finite";

    for (int c = 0; c < N_CASES; c++) {
        lnl_error err;
        lnl_error_clear(&err);
        lnl_status status = lnl_make_classification_check(&cases[c].params, &err);
        if (status != LNL_ERR_ARGUMENT)
            fail_msg("case \"%s\" returned status %d", cases[c].name, (int)status);
        if (strncmp(err.message, cases[c].message, strlen(cases[c].message)) != 0)
            fail_msg("case \"%s\": message \"%s\", expected it to start with \"%s\"",
                     cases[c].name, err.message, cases[c].message);

        /* The generator runs the same check and leaves *out NULL. */
        lnl_rng rng;
        lnl_rng_seed(&rng, LNL_RNG_NUMPY, 0);
        lnl_dataset sentinel;
        lnl_dataset *data = &sentinel;
        assert_int_equal(lnl_make_classification(&cases[c].params, &rng, &data, NULL),
                         LNL_ERR_ARGUMENT);
        assert_null(data);
    }
}

/* The limit of 2^n_informative clusters is inclusive, and beyond 30
 * informative dimensions clusters are only limited by 2^30. */
static void generate_accepts_boundary_parameters(void **state)
{
    (void)state;
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    params.n_samples = 16;
    params.n_features = 4;
    params.n_redundant = 0;
    params.n_classes = 4;
    params.n_clusters_per_class = 1;
    assert_int_equal(lnl_make_classification_check(&params, NULL), LNL_OK);

    params.n_informative = 40;
    params.n_features = 40;
    params.n_classes = 1000;
    params.n_clusters_per_class = 1000;
    assert_int_equal(lnl_make_classification_check(&params, NULL), LNL_OK);

    params.n_clusters_per_class = ((size_t)1 << 30) / 1000 + 1;
    assert_int_equal(lnl_make_classification_check(&params, NULL), LNL_ERR_ARGUMENT);

    params.n_informative = 2;
    params.n_features = 2;
    params.n_classes = 1;
    params.n_clusters_per_class = 1;
    params.weights[0] = 1.0;
    params.n_weights = 1;
    assert_int_equal(lnl_make_classification_check(&params, NULL), LNL_OK);
}

static void generate_rejects_null_arguments(void **state)
{
    (void)state;
    lnl_make_classification_params params;
    lnl_make_classification_defaults(&params);
    lnl_rng rng;
    lnl_rng_seed(&rng, LNL_RNG_DEFAULT, 0);
    lnl_dataset *data = NULL;
    lnl_error err;

    assert_int_equal(lnl_make_classification(&params, NULL, &data, &err), LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "rng is NULL");
    assert_null(data);
    assert_int_equal(lnl_make_classification(NULL, &rng, &data, &err), LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "params is NULL");
    assert_int_equal(lnl_make_classification(&params, &rng, NULL, &err), LNL_ERR_ARGUMENT);
    assert_string_equal(err.message, "out is NULL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generate_article_fixture_matches),
        cmocka_unit_test(generate_multiclass_fixture_matches),
        cmocka_unit_test(generate_reservoir_random_shift_matches),
        cmocka_unit_test(generate_tracking_unshuffled_matches),
        cmocka_unit_test(generate_wide_hypercube_matches),
        cmocka_unit_test(generate_defaults_match_sklearn),
        cmocka_unit_test(generate_output_has_requested_shape),
        cmocka_unit_test(generate_weights_set_class_counts),
        cmocka_unit_test(generate_flip_y_redraws_labels),
        cmocka_unit_test(generate_repeated_columns_are_copies),
        cmocka_unit_test(generate_same_seed_same_output),
        cmocka_unit_test(generate_rejects_invalid_parameters),
        cmocka_unit_test(generate_accepts_boundary_parameters),
        cmocka_unit_test(generate_rejects_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
