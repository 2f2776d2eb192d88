/* The config schema: every key of every section kind, how its value is
 * parsed and checked, its default, and the Markdown key reference
 * (docs/CONFIG.md) rendered from the same rows.
 */
#include "config_schema.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "lnl/loss.h"

#define MEMBER_SIZE(type, member) sizeof(((type *)0)->member)

/* Maximum line length in bytes. inih's buffer must also hold the '\n' that
 * src/config.c appends and the terminating NUL, and src/config.c checks the
 * same limit. */
#define LINE_MAX_BYTES (INI_MAX_LINE - 2)

enum { ITEM_MAX = 128 };  /* maximum bytes of a value quoted in a message */

static const double ROW_SUM_TOLERANCE = 1e-9;
static const double RANGE_TOLERANCE = 1e-9;

/* ---- enum fields ---------------------------------------------------- */

static const char *const rng_choices[] = {"default", "numpy", NULL};
static const char *const source_choices[] = {"make_classification", "csv", "libsvm", NULL};
static const char *const noise_type_choices[] = {"symmetric", "pair", "matrix",
                                                 "class_conditional", "asymmetric", NULL};
static const char *const sampling_choices[] = {"exact", "bernoulli", NULL};
static const char *const model_choices[] = {"auto", "binary", "softmax", NULL};
static const char *const label_choices[] = {"noisy", "clean", NULL};
static const char *const optimizer_choices[] = {"lbfgs", "sgd", "adam", NULL};
static const char *const init_choices[] = {"zero", "ce", NULL};
static const char *const filter_choices[] = {"none", "small_loss", "coteaching", "confident",
                                             NULL};
static const char *const schedule_choices[] = {"none", "gradual", NULL};

_Static_assert(LNL_RNG_DEFAULT == 0 && LNL_RNG_NUMPY == 1, "rng_choices order");
_Static_assert(LNL_SOURCE_MAKE_CLASSIFICATION == 0 && LNL_SOURCE_CSV == 1 &&
                   LNL_SOURCE_LIBSVM == 2,
               "source_choices order");
_Static_assert(LNL_NOISE_SYMMETRIC == 0 && LNL_NOISE_PAIR == 1 && LNL_NOISE_MATRIX == 2 &&
                   LNL_NOISE_CLASS_CONDITIONAL == 3 && LNL_NOISE_ASYMMETRIC == 4,
               "noise_type_choices order");
_Static_assert(LNL_SAMPLING_EXACT == 0 && LNL_SAMPLING_BERNOULLI == 1, "sampling_choices order");
_Static_assert(LNL_MODEL_AUTO == 0 && LNL_MODEL_BINARY == 1 && LNL_MODEL_SOFTMAX == 2,
               "model_choices order");
_Static_assert(LNL_LABELS_NOISY == 0 && LNL_LABELS_CLEAN == 1, "label_choices order");
_Static_assert(LNL_INIT_ZERO == 0 && LNL_INIT_CE == 1, "init_choices order");
_Static_assert(LNL_FILTER_NONE == 0 && LNL_FILTER_SMALL_LOSS == 1 && LNL_FILTER_COTEACHING == 2 &&
                   LNL_FILTER_CONFIDENT == 3,
               "filter_choices order");
_Static_assert(LNL_SCHEDULE_NONE == 0 && LNL_SCHEDULE_GRADUAL == 1, "schedule_choices order");

static size_t get_rng(const void *field) { return (size_t)*(const lnl_rng_kind *)field; }
static void set_rng(void *field, size_t index) { *(lnl_rng_kind *)field = (lnl_rng_kind)index; }

static size_t get_source(const void *field) { return (size_t)*(const lnl_source_kind *)field; }
static void set_source(void *field, size_t index)
{
    *(lnl_source_kind *)field = (lnl_source_kind)index;
}

static size_t get_noise_type(const void *field) { return (size_t)*(const lnl_noise_type *)field; }
static void set_noise_type(void *field, size_t index)
{
    *(lnl_noise_type *)field = (lnl_noise_type)index;
}

static size_t get_sampling(const void *field)
{
    return (size_t)*(const lnl_noise_sampling *)field;
}
static void set_sampling(void *field, size_t index)
{
    *(lnl_noise_sampling *)field = (lnl_noise_sampling)index;
}

static size_t get_model(const void *field) { return (size_t)*(const lnl_model_kind *)field; }
static void set_model(void *field, size_t index)
{
    *(lnl_model_kind *)field = (lnl_model_kind)index;
}

static size_t get_labels(const void *field) { return (size_t)*(const lnl_label_source *)field; }
static void set_labels(void *field, size_t index)
{
    *(lnl_label_source *)field = (lnl_label_source)index;
}

static size_t get_init(const void *field) { return (size_t)*(const lnl_init_kind *)field; }
static void set_init(void *field, size_t index)
{
    *(lnl_init_kind *)field = (lnl_init_kind)index;
}

static size_t get_filter(const void *field) { return (size_t)*(const lnl_filter_kind *)field; }
static void set_filter(void *field, size_t index)
{
    *(lnl_filter_kind *)field = (lnl_filter_kind)index;
}

static size_t get_schedule(const void *field)
{
    return (size_t)*(const lnl_schedule_kind *)field;
}
static void set_schedule(void *field, size_t index)
{
    *(lnl_schedule_kind *)field = (lnl_schedule_kind)index;
}

static const lnl_config_choice_field rng_field = {get_rng, set_rng};
static const lnl_config_choice_field source_field = {get_source, set_source};
static const lnl_config_choice_field noise_type_field = {get_noise_type, set_noise_type};
static const lnl_config_choice_field sampling_field = {get_sampling, set_sampling};
static const lnl_config_choice_field model_field = {get_model, set_model};
static const lnl_config_choice_field labels_field = {get_labels, set_labels};
static const lnl_config_choice_field init_field = {get_init, set_init};
static const lnl_config_choice_field filter_field = {get_filter, set_filter};
static const lnl_config_choice_field schedule_field = {get_schedule, set_schedule};

/* ---- the schema ----------------------------------------------------- */

#define COUNT_MAX ((double)INT_MAX)

#define EXPERIMENT(member) \
    .kind = LNL_CONFIG_EXPERIMENT, .offset = offsetof(lnl_config, member)
#define DATA(member, source_bits)                                       \
    .kind = LNL_CONFIG_DATA, .offset = offsetof(lnl_data_spec, member), \
    .sources = (source_bits)
#define GENERATOR(member) DATA(generator.member, LNL_SOURCE_BIT_MAKE_CLASSIFICATION)
#define NOISE(member) .kind = LNL_CONFIG_NOISE, .offset = offsetof(lnl_noise_spec, member)
#define METHOD(member) .kind = LNL_CONFIG_METHOD, .offset = offsetof(lnl_method_spec, member)

static const lnl_config_key config_keys[] = {
    /* [experiment] */
    {EXPERIMENT(name), .name = "name", .type = LNL_TYPE_NAME,
     .size = MEMBER_SIZE(lnl_config, name),
     .default_text = "the config file's name without .ini",
     .help = "Experiment name, used in the default output folder."},
    {EXPERIMENT(seeds), .name = "seeds", .type = LNL_TYPE_INT, .min = 1, .max = 10000,
     .help = "Number of repetitions of every cell, each with its own derived seeds."},
    {EXPERIMENT(base_seed), .name = "base_seed", .type = LNL_TYPE_SEED,
     .help = "Seed from which the seeds of every run are derived."},
    {EXPERIMENT(output), .name = "output", .type = LNL_TYPE_PATH,
     .size = MEMBER_SIZE(lnl_config, output), .default_text = "results/<name>",
     .help = "Folder for the results."},
    {EXPERIMENT(rng), .name = "rng", .type = LNL_TYPE_CHOICE, .choices = rng_choices,
     .choice_field = &rng_field,
     .help = "Random generator: xoshiro256** (default) or numpy's legacy MT19937 RandomState."},
    {EXPERIMENT(baseline), .name = "baseline", .type = LNL_TYPE_NAME,
     .size = MEMBER_SIZE(lnl_config, baseline), .default_text = "the first [method]",
     .help = "Method that the report compares the others with; names a [method] section."},

    /* [data NAME] */
    {DATA(source, LNL_SOURCE_BIT_ALL), .name = "source", .type = LNL_TYPE_CHOICE,
     .choices = source_choices, .choice_field = &source_field, .default_text = "required",
     .help = "Where the samples come from: a generator or a file."},
    {GENERATOR(n_samples), .name = "n_samples", .type = LNL_TYPE_COUNT, .min = 1,
     .max = COUNT_MAX, .help = "Number of samples."},
    {GENERATOR(n_features), .name = "n_features", .type = LNL_TYPE_COUNT, .min = 1,
     .max = COUNT_MAX,
     .help = "Number of features: informative, redundant, repeated and pure noise."},
    {GENERATOR(n_informative), .name = "n_informative", .type = LNL_TYPE_COUNT, .min = 1,
     .max = COUNT_MAX, .help = "Number of informative features."},
    {GENERATOR(n_redundant), .name = "n_redundant", .type = LNL_TYPE_COUNT, .min = 0,
     .max = COUNT_MAX,
     .help = "Number of random linear combinations of the informative features."},
    {GENERATOR(n_repeated), .name = "n_repeated", .type = LNL_TYPE_COUNT, .min = 0,
     .max = COUNT_MAX,
     .help = "Number of features copied from the informative and redundant ones."},
    {GENERATOR(n_classes), .name = "n_classes", .type = LNL_TYPE_COUNT, .min = 2,
     .max = LNL_MAX_CLASSES, .help = "Number of classes K."},
    {GENERATOR(n_clusters_per_class), .name = "n_clusters_per_class", .type = LNL_TYPE_COUNT,
     .min = 1, .max = COUNT_MAX, .help = "Number of normal clusters per class."},
    {GENERATOR(weights), .name = "weights", .type = LNL_TYPE_WEIGHTS, .min = 0, .max = 1,
     .default_text = "balanced",
     .help = "Class proportions; with K - 1 values the last class gets the rest."},
    {GENERATOR(flip_y), .name = "flip_y", .type = LNL_TYPE_REAL, .min = 0, .max = 1,
     .help = "Fraction of labels the generator redraws at random, before any noise section."},
    {GENERATOR(class_sep), .name = "class_sep", .type = LNL_TYPE_REAL, .min = 0,
     .max = HUGE_VAL, .bounds = LNL_BOUND_OPEN_MIN,
     .help = "Half the side of the hypercube whose vertices hold the clusters."},
    {GENERATOR(hypercube), .name = "hypercube", .type = LNL_TYPE_BOOL,
     .help = "Put the clusters on hypercube vertices (false: on a random polytope)."},
    {GENERATOR(shift), .name = "shift", .type = LNL_TYPE_REAL_OR_NONE,
     .has_flag = true, .has_offset = offsetof(lnl_data_spec, generator.has_shift),
     .min = -HUGE_VAL, .max = HUGE_VAL,
     .help = "Value added to every feature; none draws one per feature in [-class_sep, class_sep)."},
    {GENERATOR(scale), .name = "scale", .type = LNL_TYPE_REAL_OR_NONE,
     .has_flag = true, .has_offset = offsetof(lnl_data_spec, generator.has_scale),
     .min = 0, .max = HUGE_VAL, .bounds = LNL_BOUND_OPEN_MIN,
     .help = "Factor applied to every feature after the shift; none draws one per feature in [1, 101)."},
    {GENERATOR(shuffle), .name = "shuffle", .type = LNL_TYPE_BOOL,
     .help = "Shuffle the samples and the features."},
    {DATA(random_state, LNL_SOURCE_BIT_MAKE_CLASSIFICATION), .name = "random_state",
     .type = LNL_TYPE_SEED, .has_flag = true,
     .has_offset = offsetof(lnl_data_spec, has_random_state),
     .default_text = "derived from base_seed",
     .help = "Fixed generator seed, the same data set for every run."},
    {DATA(path, LNL_SOURCE_BIT_CSV | LNL_SOURCE_BIT_LIBSVM), .name = "path",
     .type = LNL_TYPE_PATH, .size = MEMBER_SIZE(lnl_data_spec, path),
     .default_text = "required",
     .help = "Data file, stored as written; a relative path is resolved against the working directory."},
    {DATA(label, LNL_SOURCE_BIT_CSV), .name = "label", .type = LNL_TYPE_TEXT,
     .size = MEMBER_SIZE(lnl_data_spec, label), .default_text = "the last column",
     .help = "Name of the label column."},
    {DATA(n_features, LNL_SOURCE_BIT_LIBSVM), .name = "n_features", .type = LNL_TYPE_COUNT,
     .min = 1, .max = COUNT_MAX, .default_text = "the largest index in the file",
     .help = "Number of features, at least the largest feature index in the file."},
    {DATA(test_size, LNL_SOURCE_BIT_ALL), .name = "test_size", .type = LNL_TYPE_TEST_SIZE,
     .help = "Held-out test set: a fraction of the samples or a number of samples."},
    {DATA(stratify, LNL_SOURCE_BIT_ALL), .name = "stratify", .type = LNL_TYPE_BOOL,
     .help = "Keep the class proportions in the train/test split."},
    {DATA(standardize, LNL_SOURCE_BIT_ALL), .name = "standardize", .type = LNL_TYPE_BOOL,
     .help = "Scale features to zero mean and unit variance, with statistics of the training rows."},
    {DATA(rng, LNL_SOURCE_BIT_ALL), .name = "rng", .type = LNL_TYPE_CHOICE,
     .choices = rng_choices, .choice_field = &rng_field, .default_text = "the [experiment] rng",
     .help = "Random generator for this data set's streams."},

    /* [noise NAME] */
    {NOISE(type), .name = "type", .type = LNL_TYPE_CHOICE, .choices = noise_type_choices,
     .choice_field = &noise_type_field, .default_text = "required",
     .help = "symmetric: a corrupted label becomes any other class; pair: class k becomes k + 1 mod K; matrix: drawn from `matrix`; class_conditional: two classes with their own flip rates, from `pairs`; asymmetric: the classes in `mapping` flip to their targets at the rate."},
    {NOISE(sampling), .name = "sampling", .type = LNL_TYPE_CHOICE, .choices = sampling_choices,
     .choice_field = &sampling_field,
     .help = "exact: a fixed number of corrupted labels per rate; bernoulli: each label independently."},
    {NOISE(rates), .name = "rates", .type = LNL_TYPE_RATES, .min = 0, .max = 1,
     .default_text = "required unless type = matrix or class_conditional",
     .help = "Noise rates to sweep; not allowed with type = matrix or class_conditional."},
    {NOISE(matrix), .name = "matrix", .type = LNL_TYPE_MATRIX, .min = 0, .max = 1,
     .default_text = "required with type = matrix",
     .help = "Transition matrix T[i][j] = P(noisy = j | clean = i)."},
    {NOISE(pairs), .name = "pairs", .type = LNL_TYPE_PAIRS, .min = 0, .max = 1,
     .default_text = "required with type = class_conditional",
     .help = "class_conditional: the settings to sweep, each rho_pos/rho_neg with rho_pos = P(noisy = negative | clean = positive) and rho_neg = P(noisy = positive | clean = negative); the run's rate is their mean."},
    {NOISE(positive), .name = "positive", .type = LNL_TYPE_TEXT,
     .size = MEMBER_SIZE(lnl_noise_spec, positive), .default_text = "the second class",
     .help = "class_conditional: name of the positive class, as in the data; the classes are sorted as the readers sort them."},
    {NOISE(mappings), .name = "mapping", .type = LNL_TYPE_MAPPING,
     .default_text = "required with type = asymmetric",
     .help = "asymmetric: which class flips to which, by class name as in the data; the rate applies to these classes only."},
    {NOISE(data), .name = "data", .type = LNL_TYPE_TEXT, .size = MEMBER_SIZE(lnl_noise_spec, data),
     .default_text = "every [data] section",
     .help = "The [data] sections this noise applies to, by name, separated by commas; class_conditional and asymmetric noise usually fit only some data sets."},
    {NOISE(seed), .name = "seed", .type = LNL_TYPE_SEED, .has_flag = true,
     .has_offset = offsetof(lnl_noise_spec, has_seed),
     .default_text = "derived from base_seed for each run",
     .help = "Fixed noise seed, the same for every run."},
    {NOISE(rng), .name = "rng", .type = LNL_TYPE_CHOICE, .choices = rng_choices,
     .choice_field = &rng_field, .default_text = "the [experiment] rng",
     .help = "Random generator for the noise."},

    /* [method NAME] */
    {METHOD(loss), .name = "loss", .type = LNL_TYPE_LOSS, .size = MEMBER_SIZE(lnl_method_spec, loss),
     .help = "Training loss, from the loss registry."},
    {METHOD(C), .name = "C", .type = LNL_TYPE_REAL, .min = 0, .max = HUGE_VAL,
     .bounds = LNL_BOUND_OPEN_MIN,
     .help = "Inverse regularization strength: the objective is 0.5 ||W||^2 + C * (sum of the losses)."},
    {METHOD(fit_intercept), .name = "fit_intercept", .type = LNL_TYPE_BOOL,
     .help = "Fit an intercept per logit; the intercept is not regularized."},
    {METHOD(model), .name = "model", .type = LNL_TYPE_CHOICE, .choices = model_choices,
     .choice_field = &model_field,
     .help = "auto: binary when K = 2, else softmax; binary needs K = 2."},
    {METHOD(labels), .name = "labels", .type = LNL_TYPE_CHOICE, .choices = label_choices,
     .choice_field = &labels_field,
     .help = "Train on the noisy labels, or on the clean ones as a noise-free reference."},
    {METHOD(optimizer), .name = "optimizer", .type = LNL_TYPE_CHOICE,
     .size = MEMBER_SIZE(lnl_method_spec, optimizer), .choices = optimizer_choices,
     .help = "Optimizer of the training objective: lbfgs, or the mini-batch sgd (heavy-ball "
             "momentum) and adam, which read epochs, batch_size, lr, momentum and weight_decay."},
    {METHOD(max_iter), .name = "max_iter", .type = LNL_TYPE_INT, .min = 1, .max = COUNT_MAX,
     .help = "Maximum number of L-BFGS iterations: of the fit with optimizer = lbfgs, and of "
             "the cross-entropy start of init = ce."},
    {METHOD(tol), .name = "tol", .type = LNL_TYPE_REAL, .min = 0, .max = HUGE_VAL,
     .bounds = LNL_BOUND_OPEN_MIN,
     .help = "Stop when the largest gradient entry is at most tol * max(1, its value at the start); "
             "sgd and adam test it on the full gradient after each epoch."},
    {METHOD(init), .name = "init", .type = LNL_TYPE_CHOICE, .choices = init_choices,
     .choice_field = &init_field,
     .help = "Start of the fit: zero, or ce, the cross-entropy optimum (an L-BFGS fit with the "
             "same C, labels and model), for losses that stall when started from zero."},
    {METHOD(alpha), .name = "alpha", .type = LNL_TYPE_REAL, .min = 0, .max = HUGE_VAL,
     .has_flag = true, .has_offset = offsetof(lnl_method_spec, has_alpha),
     .default_text = "`0.1` (sce), `1` (nce_rce)",
     .help = "sce and nce_rce: weight of the cross-entropy or normalized cross-entropy term; "
             "alpha and beta must not both be 0."},
    {METHOD(beta), .name = "beta", .type = LNL_TYPE_REAL, .min = 0, .max = HUGE_VAL,
     .has_flag = true, .has_offset = offsetof(lnl_method_spec, has_beta),
     .default_text = "`1` (sce, nce_rce), `0.95` (bootstrap_soft), `0.8` (bootstrap_hard)",
     .help = "sce and nce_rce: weight of the reverse cross entropy. bootstrap_soft and "
             "bootstrap_hard: weight of the label in the target, at most 1."},
    {METHOD(A), .name = "A", .type = LNL_TYPE_REAL, .min = -HUGE_VAL, .max = 0,
     .bounds = LNL_BOUND_OPEN_MAX, .has_flag = true,
     .has_offset = offsetof(lnl_method_spec, has_A), .default_text = "`-4`",
     .help = "rce, sce and nce_rce: the value of log 0 in the reverse cross entropy. Wang et al. "
             "(ICCV 2019) use -4; their published code clamps the label at 1e-4, which is "
             "A = ln(1e-4), about -9.2103."},
    {METHOD(q), .name = "q", .type = LNL_TYPE_REAL, .min = 0, .max = 1,
     .bounds = LNL_BOUND_OPEN_MIN, .has_flag = true,
     .has_offset = offsetof(lnl_method_spec, has_q), .default_text = "`0.7`",
     .help = "gce: the exponent of (1 - p_y^q) / q; q = 1 gives 1 - p_y, half of mae."},
    {METHOD(truncation), .name = "truncation", .type = LNL_TYPE_REAL, .min = 0, .max = 1,
     .bounds = LNL_BOUND_OPEN_MAX, .has_flag = true,
     .has_offset = offsetof(lnl_method_spec, has_truncation), .default_text = "`0` (off)",
     .help = "gce: the threshold k of the truncated loss, which is the constant (1 - k^q) / q "
             "where p_y <= k; 0 turns the truncation off."},
    {METHOD(epsilon), .name = "epsilon", .type = LNL_TYPE_REAL, .min = 0, .max = 1,
     .bounds = LNL_BOUND_OPEN_MAX, .has_flag = true,
     .has_offset = offsetof(lnl_method_spec, has_epsilon), .default_text = "`0.1`",
     .help = "label_smoothing: weight of the uniform distribution in the target."},
    {METHOD(epochs), .name = "epochs", .type = LNL_TYPE_INT, .min = 1, .max = COUNT_MAX,
     .help = "sgd and adam: passes over the training rows."},
    {METHOD(batch_size), .name = "batch_size", .type = LNL_TYPE_COUNT, .min = 1,
     .max = COUNT_MAX,
     .help = "sgd and adam: rows per step; the last batch of an epoch may be smaller."},
    {METHOD(lr), .name = "lr", .type = LNL_TYPE_REAL, .min = 0, .max = HUGE_VAL,
     .bounds = LNL_BOUND_OPEN_MIN,
     .help = "sgd and adam: step size. The steps follow the batch's mean loss plus "
             "||W||^2 / (2 C n_train), so lr does not depend on the number of rows."},
    {METHOD(momentum), .name = "momentum", .type = LNL_TYPE_REAL, .min = 0, .max = 1,
     .bounds = LNL_BOUND_OPEN_MAX,
     .help = "sgd: the heavy-ball factor; adam: beta1 (beta2 is 0.999)."},
    {METHOD(weight_decay), .name = "weight_decay", .type = LNL_TYPE_REAL, .min = 0,
     .max = HUGE_VAL,
     .help = "sgd and adam: adds weight_decay * W to each step's gradient, an L2 penalty on the "
             "weights (not the intercepts) on top of the one that C sets."},
    {METHOD(transition), .name = "transition", .type = LNL_TYPE_TRANSITION,
     .default_text = "required with forward, backward, unbiased and forget_rate = auto",
     .help = "The transition matrix T of a corrected loss or of forget_rate = auto: known (the noise model's), anchor "
             "(anchor points, Patrini et al. 2017), confident (confident learning, Northcutt et "
             "al. 2021), or the path of a file of K rows of K numbers."},
    {METHOD(anchor_percentile), .name = "anchor_percentile", .type = LNL_TYPE_REAL, .min = 0,
     .max = 100,
     .help = "transition = anchor: row i of T is the predicted probabilities of the training "
             "row at this percentile of p(noisy = i | x); 100 takes the maximum."},
    {METHOD(holdout), .name = "holdout", .type = LNL_TYPE_REAL, .min = 0, .max = 1,
     .bounds = LNL_BOUND_OPEN_MIN | LNL_BOUND_OPEN_MAX,
     .help = "transition = anchor: fraction of each noisy class held out to choose C among 0.01, "
             "0.1, 1, 10 and 100 times the method's C."},
    {METHOD(folds), .name = "folds", .type = LNL_TYPE_INT, .min = 2, .max = 1000,
     .help = "transition = confident and filter = confident: cross-validation folds, "
             "stratified by noisy label, for the out-of-sample probabilities."},
    {METHOD(filter), .name = "filter", .type = LNL_TYPE_CHOICE, .choices = filter_choices,
     .choice_field = &filter_field,
     .help = "Sample selection: none trains on every sample; small_loss on the samples with the "
             "smallest cross entropy; coteaching trains two models that choose small-loss "
             "samples for each other (Han et al. 2018); confident drops the samples that "
             "confident learning flags (Northcutt et al. 2021) and refits."},
    {METHOD(schedule), .name = "schedule", .type = LNL_TYPE_CHOICE, .choices = schedule_choices,
     .choice_field = &schedule_field,
     .help = "filter = small_loss: none fits, drops the forget_rate fraction with the largest "
             "loss and refits; gradual drops R(t) = min((t / num_gradual)^exponent, 1) * "
             "forget_rate of each mini-batch after t epochs, with optimizer = sgd or adam."},
    {METHOD(forget_rate), .name = "forget_rate", .type = LNL_TYPE_REAL_OR_AUTO, .min = 0,
     .max = 1, .bounds = LNL_BOUND_OPEN_MAX,
     .has_offset = offsetof(lnl_method_spec, forget_rate_auto),
     .default_text = "required with filter = small_loss and coteaching",
     .help = "filter = small_loss and coteaching: the fraction of the samples dropped; auto "
             "takes the noise rate estimated from the T that the transition key gives."},
    {METHOD(num_gradual), .name = "num_gradual", .type = LNL_TYPE_INT, .min = 1,
     .max = COUNT_MAX,
     .help = "schedule = gradual and filter = coteaching: epochs until the whole forget_rate "
             "is dropped."},
    {METHOD(exponent), .name = "exponent", .type = LNL_TYPE_REAL, .min = 0, .max = HUGE_VAL,
     .bounds = LNL_BOUND_OPEN_MIN,
     .help = "schedule = gradual and filter = coteaching: the exponent of t / num_gradual in "
             "the schedule."},
    {METHOD(rounds), .name = "rounds", .type = LNL_TYPE_INT, .min = 1, .max = 100,
     .help = "filter = small_loss with schedule = none: how often to rank every sample under "
             "the latest model and refit on the kept ones."},
    {METHOD(per_class), .name = "per_class", .type = LNL_TYPE_BOOL,
     .help = "filter = small_loss with schedule = none: drop the forget_rate fraction within "
             "each noisy class, so that no class is emptied."},
    {METHOD(reweight), .name = "reweight", .type = LNL_TYPE_BOOL,
     .help = "filter = confident: weight the kept samples of noisy class k by 1 / T[k][k], "
             "with T from the confident joint."},
};

size_t lnl_config_key_count(void) { return sizeof config_keys / sizeof config_keys[0]; }

const lnl_config_key *lnl_config_key_at(size_t index)
{
    return index < lnl_config_key_count() ? &config_keys[index] : NULL;
}

const lnl_config_key *lnl_config_key_find(lnl_config_kind kind, const char *name,
                                          unsigned source_bits)
{
    for (size_t i = 0; i < lnl_config_key_count(); i++) {
        const lnl_config_key *key = &config_keys[i];
        if (key->kind != kind || strcmp(key->name, name) != 0)
            continue;
        if (kind == LNL_CONFIG_DATA && (key->sources & source_bits) == 0)
            continue;
        return key;
    }
    return NULL;
}

bool lnl_config_key_spans_lines(const lnl_config_key *key)
{
    return key->type == LNL_TYPE_WEIGHTS || key->type == LNL_TYPE_RATES ||
           key->type == LNL_TYPE_MATRIX || key->type == LNL_TYPE_PAIRS ||
           key->type == LNL_TYPE_MAPPING;
}

static const char *const kind_words[LNL_CONFIG_KIND_COUNT] = {"experiment", "data", "noise",
                                                              "method"};

const char *lnl_config_kind_word(lnl_config_kind kind) { return kind_words[kind]; }

bool lnl_config_kind_find(const char *word, lnl_config_kind *kind)
{
    for (int i = 0; i < LNL_CONFIG_KIND_COUNT; i++) {
        if (strcmp(word, kind_words[i]) == 0) {
            *kind = (lnl_config_kind)i;
            return true;
        }
    }
    return false;
}

bool lnl_config_name_valid(const char *name)
{
    if (*name == '\0')
        return false;
    for (const char *c = name; *c != '\0'; c++) {
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.' && *c != '-')
            return false;
    }
    return true;
}

/* ---- edit distance and suggestions ---------------------------------- */

size_t lnl_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);

    /* one row of the dynamic-programming table, over the shorter string */
    if (m > n) {
        const char *swap = a;
        a = b;
        b = swap;
        size_t length = n;
        n = m;
        m = length;
    }
    size_t stack_row[64];
    size_t *row = stack_row;
    if (m + 1 > sizeof stack_row / sizeof stack_row[0]) {
        row = malloc((m + 1) * sizeof *row);
        if (row == NULL)
            return n;  /* an upper bound of the distance, so no false hint follows */
    }

    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }

    size_t distance = row[m];
    if (row != stack_row)
        free(row);
    return distance;
}

void lnl_config_suggestion_init(lnl_config_suggestion *suggestion, const char *word)
{
    suggestion->word = word;
    suggestion->best = NULL;
    suggestion->distance = SIZE_MAX;
}

void lnl_config_suggestion_offer(lnl_config_suggestion *suggestion, const char *candidate)
{
    size_t distance = lnl_edit_distance(suggestion->word, candidate);
    bool close = distance <= 2 || 3 * distance <= strlen(suggestion->word);
    if (distance == 0 || !close || distance >= suggestion->distance)
        return;
    suggestion->best = candidate;
    suggestion->distance = distance;
}

/* ---- describing values ---------------------------------------------- */

/* Writes a bound: "2^31 - 1" for INT_MAX, otherwise the shortest %g that
 * reads back as the same double. */
static void format_number(double value, char *out, size_t size)
{
    if (value == (double)INT_MAX) {
        snprintf(out, size, "2^31 - 1");
        return;
    }
    /* Whole numbers without an exponent: "100", not "1e+02". */
    if (value == floor(value) && fabs(value) < 1e15) {
        snprintf(out, size, "%.0f", value);
        return;
    }
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(out, size, "%.*g", digits, value);
        if (strtod(out, NULL) == value)
            return;
    }
}

/* Writes the numeric range of key, such as "> 0", "in [0, 1]", "finite"
 * or, for integers, "from 1 to 10000". */
static void describe_range(const lnl_config_key *key, bool integer, char *out, size_t size)
{
    char low[32], high[32];
    format_number(key->min, low, sizeof low);
    format_number(key->max, high, sizeof high);
    bool open_min = (key->bounds & LNL_BOUND_OPEN_MIN) != 0;
    bool open_max = (key->bounds & LNL_BOUND_OPEN_MAX) != 0;

    if (integer) {
        if (key->max != (double)INT_MAX)
            snprintf(high, sizeof high, "%.0f", key->max);
        snprintf(out, size, "from %.0f to %s", key->min, high);
    } else if (isinf(key->min) && isinf(key->max)) {
        snprintf(out, size, "finite");
    }
    else if (isinf(key->max))
        snprintf(out, size, "%s %s", open_min ? ">" : ">=", low);
    else if (isinf(key->min))
        snprintf(out, size, "%s %s", open_max ? "<" : "<=", high);
    else
        snprintf(out, size, "in %c%s, %s%c", open_min ? '(' : '[', low, high,
                 open_max ? ')' : ']');
}

/* Writes the choices of key as "a, b, c", each in backticks for Markdown. */
static void describe_choices(const char *const *choices, bool markdown, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; choices[i] != NULL && used < size; i++) {
        int written = snprintf(out + used, size - used, "%s%s%s%s", i > 0 ? ", " : "",
                               markdown ? "`" : "", choices[i], markdown ? "`" : "");
        if (written < 0)
            return;
        used += (size_t)written;
    }
}

static void describe_losses(bool markdown, char *out, size_t size)
{
    size_t used = (size_t)snprintf(out, size, "a loss name (");
    size_t count = lnl_loss_count();
    for (size_t i = 0; i < count && used < size; i++) {
        const lnl_loss_info *info = lnl_loss_at(i);
        int written = snprintf(out + used, size - used, "%s%s%s%s", i > 0 ? ", " : "",
                               markdown ? "`" : "", info->name, markdown ? "`" : "");
        if (written < 0)
            return;
        used += (size_t)written;
    }
    if (used < size)
        snprintf(out + used, size - used, ")");
}

static void describe_key(const lnl_config_key *key, bool markdown, char *out, size_t size)
{
    char range[128];
    char list[512];

    switch (key->type) {
    case LNL_TYPE_NAME:
        snprintf(out, size,
                 "a name of letters, digits, '_', '.' and '-', at most %zu characters",
                 key->size - 1);
        return;
    case LNL_TYPE_TEXT:
    case LNL_TYPE_PATH:
        snprintf(out, size, "text of at most %zu bytes", key->size - 1);
        return;
    case LNL_TYPE_INT:
    case LNL_TYPE_COUNT:
        describe_range(key, true, range, sizeof range);
        snprintf(out, size, "an integer %s", range);
        return;
    case LNL_TYPE_SEED:
        snprintf(out, size, "an integer from 0 to 2^64 - 1");
        return;
    case LNL_TYPE_REAL:
    case LNL_TYPE_REAL_OR_NONE:
    case LNL_TYPE_REAL_OR_AUTO:
        describe_range(key, false, range, sizeof range);
        if (strcmp(range, "finite") == 0)
            snprintf(out, size, "a finite number");
        else
            snprintf(out, size, "a number %s", range);
        if (key->type == LNL_TYPE_REAL_OR_NONE || key->type == LNL_TYPE_REAL_OR_AUTO) {
            size_t used = strlen(out);
            snprintf(out + used, size - used, ", or %s%s%s", markdown ? "`" : "",
                     key->type == LNL_TYPE_REAL_OR_NONE ? "none" : "auto", markdown ? "`" : "");
        }
        return;
    case LNL_TYPE_BOOL:
        snprintf(out, size, "true or false (also yes/no, on/off, 1/0)");
        return;
    case LNL_TYPE_CHOICE:
        describe_choices(key->choices, markdown, list, sizeof list);
        snprintf(out, size, "one of %s", list);
        return;
    case LNL_TYPE_LOSS:
        describe_losses(markdown, out, size);
        return;
    case LNL_TYPE_TEST_SIZE:
        snprintf(out, size, "a fraction in (0, 1), or a count from 1 to 2^31 - 1");
        return;
    case LNL_TYPE_WEIGHTS:
        snprintf(out, size, "K or K - 1 numbers in [0, 1], separated by commas");
        return;
    case LNL_TYPE_RATES:
        snprintf(out, size,
                 "numbers in [0, 1] and ranges start:stop:step, separated by commas "
                 "(at most %d rates)",
                 LNL_MAX_RATES);
        return;
    case LNL_TYPE_MATRIX:
        snprintf(out, size,
                 "K rows of K numbers >= 0 that each sum to 1, with 2 <= K <= %d",
                 LNL_MAX_CLASSES);
        return;
    case LNL_TYPE_PAIRS:
        snprintf(out, size,
                 "pairs rho_pos/rho_neg of numbers in [0, 1], separated by commas (at most %d)",
                 LNL_MAX_RATES);
        return;
    case LNL_TYPE_MAPPING:
        snprintf(out, size,
                 "items SOURCE -> TARGET of two different class names, separated by commas, "
                 "each source at most once");
        return;
    case LNL_TYPE_TRANSITION:
        snprintf(out, size, "%sknown%s, %sanchor%s, %sconfident%s or a file path",
                 markdown ? "`" : "", markdown ? "`" : "", markdown ? "`" : "",
                 markdown ? "`" : "", markdown ? "`" : "", markdown ? "`" : "");
        return;
    }
    snprintf(out, size, "a valid value");
}

void lnl_config_key_expected(const lnl_config_key *key, char *out, size_t size)
{
    describe_key(key, false, out, size);
}

/* ---- parsing values ------------------------------------------------- */

/* Decimal digits only (no sign, no spaces), up to 2^64 - 1. */
static bool parse_unsigned(const char *text, uint64_t *out)
{
    if (!isdigit((unsigned char)text[0]))
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return false;
    *out = (uint64_t)value;
    return true;
}

/* A finite number that strtod reads whole.
 * NOTE: strtod follows LC_NUMERIC. The library never calls setlocale, so
 * '.' is the decimal point unless the host program changes the locale. */
static bool parse_real(const char *text, double *out)
{
    if (text[0] == '\0' || isspace((unsigned char)text[0]))
        return false;
    errno = 0;
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(value))
        return false;
    *out = value;
    return true;
}

static bool in_range(const lnl_config_key *key, double value)
{
    bool open_min = (key->bounds & LNL_BOUND_OPEN_MIN) != 0;
    bool open_max = (key->bounds & LNL_BOUND_OPEN_MAX) != 0;
    if (open_min ? !(value > key->min) : !(value >= key->min))
        return false;
    if (open_max ? !(value < key->max) : !(value <= key->max))
        return false;
    return true;
}

static bool equal_ignoring_case(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    }
    return *a == *b;
}

static bool parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (equal_ignoring_case(text, yes[i])) {
            *out = true;
            return true;
        }
        if (equal_ignoring_case(text, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Rounds to 12 decimals, so that a range step such as 0.1 + 0.2 gives the
 * double nearest to 0.3. */
static double round12(double value) { return round(value * 1e12) / 1e12; }

/* The common message for a value that does not parse or is out of range. */
static lnl_status invalid_value(const lnl_config_key *key, const char *value,
                                const char *section, const char *hint, char *message,
                                size_t message_size)
{
    char expected[512];
    lnl_config_key_expected(key, expected, sizeof expected);
    snprintf(message, message_size, "invalid value \"%.*s\" for %s in %s: expected %s%s",
             ITEM_MAX, value, key->name, section, expected, hint != NULL ? hint : "");
    return LNL_ERR_CONFIG;
}

/* Splits a list value into items at commas and line breaks, in place. A
 * comma that ends a line is allowed, so a list can continue on the next
 * line. Returns the number of items, or -1 after writing the empty item's
 * position into *empty_index. */
static long split_list(char *text, char **items, size_t capacity, size_t *empty_index)
{
    size_t count = 0;
    char previous = '\0';  /* the separator before the current item */
    char *cursor = text;

    while (true) {
        char *end = cursor + strcspn(cursor, ",\n");
        char separator = *end;
        *end = '\0';

        char *item = cursor;
        while (isspace((unsigned char)*item))
            item++;
        char *tail = item + strlen(item);
        while (tail > item && isspace((unsigned char)tail[-1]))
            *--tail = '\0';

        if (item[0] != '\0') {
            if (count < capacity)
                items[count] = item;
            count++;
        } else if (previous != ',' || separator == ',') {
            *empty_index = count;
            return -1;
        }

        if (separator == '\0')
            break;
        previous = separator;
        cursor = end + 1;
    }
    return (long)count;
}

/* Copies a list value and splits the copy into items with split_list.
 * name is the key's name for the messages. Returns LNL_OK, LNL_ERR_NOMEM,
 * or LNL_ERR_CONFIG for an empty item. The caller frees *text and *items,
 * on failure too. */
static lnl_status read_list(const char *value, const char *name, const char *section,
                            char **text, char ***items, long *count, char *message,
                            size_t message_size)
{
    size_t length = strlen(value);
    *text = malloc(length + 1);
    *items = malloc((length + 1) * sizeof **items);
    if (*text == NULL || *items == NULL) {
        snprintf(message, message_size, "out of memory while reading %s in %s", name, section);
        return LNL_ERR_NOMEM;
    }
    memcpy(*text, value, length + 1);

    size_t empty_index = 0;
    *count = split_list(*text, *items, length + 1, &empty_index);
    if (*count < 0) {
        snprintf(message, message_size, "empty item %zu in %s in %s: remove the extra comma",
                 empty_index + 1, name, section);
        return LNL_ERR_CONFIG;
    }
    return LNL_OK;
}

static lnl_status store_weights(const lnl_config_key *key, const char *value,
                                lnl_data_spec *spec, const char *section, char *message,
                                size_t message_size)
{
    char *text = NULL;
    char **items = NULL;
    long count = 0;
    lnl_status status = read_list(value, "weights", section, &text, &items, &count, message,
                                  message_size);
    if (status != LNL_OK)
        goto cleanup;
    status = LNL_ERR_CONFIG;
    if (count > LNL_MAX_CLASSES) {
        snprintf(message, message_size, "too many weights in %s: %ld values, at most %d",
                 section, count, LNL_MAX_CLASSES);
        goto cleanup;
    }
    for (long i = 0; i < count; i++) {
        double weight = 0;
        if (!parse_real(items[i], &weight) || !in_range(key, weight)) {
            invalid_value(key, items[i], section, NULL, message, message_size);
            goto cleanup;
        }
        spec->generator.weights[i] = weight;
    }
    spec->generator.n_weights = (size_t)count;
    status = LNL_OK;

cleanup:
    free(items);
    free(text);
    return status;
}

/* Appends the rates of one range item "start:stop:step": start + i * step
 * for every i with start + i * step <= stop + 1e-9, each rounded to 12
 * decimals, the last one capped at stop. */
static lnl_status append_range(const lnl_config_key *key, char *item, lnl_noise_spec *spec,
                               const char *section, char *message, size_t message_size)
{
    char quoted[ITEM_MAX + 1];
    snprintf(quoted, sizeof quoted, "%s", item);

    char *parts[3] = {item, NULL, NULL};
    size_t n_parts = 1;
    for (char *c = item; *c != '\0'; c++) {
        if (*c != ':')
            continue;
        if (n_parts == 3) {
            n_parts = 4;
            break;
        }
        *c = '\0';
        parts[n_parts++] = c + 1;
    }

    double bounds[3];
    bool numbers = n_parts == 3;
    for (size_t i = 0; numbers && i < 3; i++) {
        char *part = parts[i];
        while (isspace((unsigned char)*part))
            part++;
        char *tail = part + strlen(part);
        while (tail > part && isspace((unsigned char)tail[-1]))
            *--tail = '\0';
        numbers = parse_real(part, &bounds[i]);
    }
    if (!numbers) {
        snprintf(message, message_size,
                 "invalid range \"%s\" for rates in %s: expected start:stop:step with three "
                 "numbers",
                 quoted, section);
        return LNL_ERR_CONFIG;
    }

    double start = bounds[0], stop = bounds[1], step = bounds[2];
    if (!in_range(key, start) || !in_range(key, stop)) {
        snprintf(message, message_size,
                 "invalid range \"%s\" for rates in %s: start and stop must be in [0, 1]",
                 quoted, section);
        return LNL_ERR_CONFIG;
    }
    if (!(step > 0)) {
        snprintf(message, message_size,
                 "invalid range \"%s\" for rates in %s: the step must be > 0", quoted, section);
        return LNL_ERR_CONFIG;
    }
    if (stop < start) {
        snprintf(message, message_size,
                 "invalid range \"%s\" for rates in %s: stop must be >= start", quoted, section);
        return LNL_ERR_CONFIG;
    }

    /* count first, so that a tiny step cannot run a long loop */
    double last = floor((stop - start + RANGE_TOLERANCE) / step);
    if (last + 1 > (double)(LNL_MAX_RATES - spec->n_rates)) {
        snprintf(message, message_size, "too many rates in %s: at most %d", section,
                 LNL_MAX_RATES);
        return LNL_ERR_CONFIG;
    }
    for (size_t i = 0; i <= (size_t)last; i++) {
        double rate = start + (double)i * step;
        if (rate > stop)
            rate = stop;
        spec->rates[spec->n_rates++] = round12(rate);
    }
    return LNL_OK;
}

static lnl_status store_rates(const lnl_config_key *key, const char *value,
                              lnl_noise_spec *spec, const char *section, char *message,
                              size_t message_size)
{
    char *text = NULL;
    char **items = NULL;
    long count = 0;
    lnl_status status = read_list(value, "rates", section, &text, &items, &count, message,
                                  message_size);
    if (status != LNL_OK)
        goto cleanup;
    status = LNL_ERR_CONFIG;

    spec->n_rates = 0;
    for (long i = 0; i < count; i++) {
        if (strchr(items[i], ':') != NULL) {
            if (append_range(key, items[i], spec, section, message, message_size) != LNL_OK)
                goto cleanup;
            continue;
        }
        double rate = 0;
        if (!parse_real(items[i], &rate) || !in_range(key, rate)) {
            invalid_value(key, items[i], section, NULL, message, message_size);
            goto cleanup;
        }
        if (spec->n_rates == LNL_MAX_RATES) {
            snprintf(message, message_size, "too many rates in %s: at most %d", section,
                     LNL_MAX_RATES);
            goto cleanup;
        }
        spec->rates[spec->n_rates++] = rate;
    }

    for (size_t i = 1; i < spec->n_rates; i++) {
        for (size_t j = 0; j < i; j++) {
            if (spec->rates[i] == spec->rates[j]) {
                snprintf(message, message_size, "rate %g appears twice in rates in %s",
                         spec->rates[i], section);
                goto cleanup;
            }
        }
    }
    status = LNL_OK;

cleanup:
    if (status != LNL_OK)
        spec->n_rates = 0;
    free(items);
    free(text);
    return status;
}

/* Splits a matrix in place into rows at ';' and line breaks, skipping empty
 * rows, and each row into entries at spaces, tabs and commas. Fills entries
 * row after row and row_length[r] with the entry count of row r. Returns
 * the number of rows. */
static size_t split_matrix(char *text, char **entries, size_t *row_length, size_t *n_entries)
{
    size_t rows = 0, count = 0;
    char *cursor = text;

    while (true) {
        char *end = cursor + strcspn(cursor, ";\n");
        char separator = *end;
        *end = '\0';

        size_t in_row = 0;
        char *token = cursor;
        while (true) {
            token += strspn(token, " \t\r,");
            if (*token == '\0')
                break;
            char *token_end = token + strcspn(token, " \t\r,");
            char after = *token_end;
            *token_end = '\0';
            entries[count++] = token;
            in_row++;
            if (after == '\0')
                break;
            token = token_end + 1;
        }
        if (in_row > 0)
            row_length[rows++] = in_row;

        if (separator == '\0')
            break;
        cursor = end + 1;
    }
    *n_entries = count;
    return rows;
}

static lnl_status store_matrix(const lnl_config_key *key, const char *value,
                               lnl_noise_spec *spec, const char *section, char *message,
                               size_t message_size)
{
    lnl_status status = LNL_ERR_NOMEM;
    size_t length = strlen(value);
    char *text = malloc(length + 1);
    char **entries = malloc((length + 1) * sizeof *entries);
    size_t *row_length = malloc((length + 1) * sizeof *row_length);
    double *matrix = NULL;
    if (text == NULL || entries == NULL || row_length == NULL) {
        snprintf(message, message_size, "out of memory while reading matrix in %s", section);
        goto cleanup;
    }
    memcpy(text, value, length + 1);

    size_t n_entries = 0;
    size_t order = split_matrix(text, entries, row_length, &n_entries);
    status = LNL_ERR_CONFIG;
    if (order < 2 || order > LNL_MAX_CLASSES) {
        snprintf(message, message_size,
                 "invalid matrix in %s: expected from 2 to %d rows, found %zu "
                 "(rows are separated by ';' or by line breaks)",
                 section, LNL_MAX_CLASSES, order);
        goto cleanup;
    }
    for (size_t row = 0; row < order; row++) {
        if (row_length[row] != order) {
            snprintf(message, message_size,
                     "invalid matrix in %s: row %zu has %zu entries, but the matrix has %zu "
                     "rows and must be square",
                     section, row + 1, row_length[row], order);
            goto cleanup;
        }
    }

    matrix = malloc(order * order * sizeof *matrix);
    if (matrix == NULL) {
        status = LNL_ERR_NOMEM;
        snprintf(message, message_size, "out of memory while reading matrix in %s", section);
        goto cleanup;
    }
    for (size_t i = 0; i < order * order; i++) {
        bool number = parse_real(entries[i], &matrix[i]);
        if (!number || !in_range(key, matrix[i])) {
            snprintf(message, message_size,
                     "invalid value \"%.*s\" in row %zu of matrix in %s: expected a number in "
                     "[0, 1]%s",
                     ITEM_MAX, entries[i], i / order + 1, section,
                     number ? "" : " (';' separates rows, so a matrix line cannot end with "
                                   "a comment)");
            goto cleanup;
        }
    }
    for (size_t row = 0; row < order; row++) {
        double sum = 0;
        for (size_t j = 0; j < order; j++)
            sum += matrix[row * order + j];
        if (fabs(sum - 1) > ROW_SUM_TOLERANCE) {
            snprintf(message, message_size,
                     "invalid matrix in %s: row %zu sums to %.12g; every row must sum to 1",
                     section, row + 1, sum);
            goto cleanup;
        }
    }

    free(spec->matrix);
    spec->matrix = matrix;
    spec->matrix_order = order;
    matrix = NULL;
    status = LNL_OK;

cleanup:
    free(matrix);
    free(row_length);
    free(entries);
    free(text);
    return status;
}

/* Removes leading and trailing spaces of text in place and returns its new start. */
static char *strip_spaces(char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    char *tail = text + strlen(text);
    while (tail > text && isspace((unsigned char)tail[-1]))
        *--tail = '\0';
    return text;
}

/* Reads class_conditional pairs "rho_pos/rho_neg, ...": each setting's two
 * flip rates into pairs[r] and their mean, rounded to 12 decimals, into
 * rates[r], the number that runs.csv and the tables show as the rate. */
static lnl_status store_pairs(const lnl_config_key *key, const char *value,
                              lnl_noise_spec *spec, const char *section, char *message,
                              size_t message_size)
{
    char *text = NULL;
    char **items = NULL;
    long count = 0;
    lnl_status status = read_list(value, "pairs", section, &text, &items, &count, message,
                                  message_size);
    if (status != LNL_OK)
        goto cleanup;
    status = LNL_ERR_CONFIG;
    if (count > LNL_MAX_RATES) {
        snprintf(message, message_size, "too many pairs in %s: %ld, at most %d", section,
                 count, LNL_MAX_RATES);
        goto cleanup;
    }

    spec->n_rates = 0;
    for (long i = 0; i < count; i++) {
        char quoted[ITEM_MAX + 1];
        snprintf(quoted, sizeof quoted, "%s", items[i]);
        char *slash = strchr(items[i], '/');
        double rates[2];
        bool valid = slash != NULL;
        if (valid) {
            *slash = '\0';
            char *parts[2] = {strip_spaces(items[i]), strip_spaces(slash + 1)};
            for (int p = 0; p < 2 && valid; p++)
                valid = parse_real(parts[p], &rates[p]) && in_range(key, rates[p]);
        }
        if (!valid) {
            snprintf(message, message_size,
                     "invalid pair \"%s\" for pairs in %s: expected rho_pos/rho_neg, two "
                     "numbers in [0, 1] such as 0.3/0.1",
                     quoted, section);
            goto cleanup;
        }
        for (size_t j = 0; j < spec->n_rates; j++) {
            if (spec->pairs[j][0] == rates[0] && spec->pairs[j][1] == rates[1]) {
                snprintf(message, message_size, "pair %g/%g appears twice in pairs in %s",
                         rates[0], rates[1], section);
                goto cleanup;
            }
        }
        spec->pairs[spec->n_rates][0] = rates[0];
        spec->pairs[spec->n_rates][1] = rates[1];
        spec->rates[spec->n_rates] = round12(0.5 * (rates[0] + rates[1]));
        spec->n_rates++;
    }
    status = LNL_OK;

cleanup:
    if (status != LNL_OK)
        spec->n_rates = 0;
    free(items);
    free(text);
    return status;
}

/* Copies text[0..length) without leading and trailing spaces into a class
 * name field. Returns false when the name is empty or too long. */
static bool copy_class_name(const char *text, size_t length, char *out, size_t size)
{
    while (length > 0 && isspace((unsigned char)text[0])) {
        text++;
        length--;
    }
    while (length > 0 && isspace((unsigned char)text[length - 1]))
        length--;
    if (length == 0 || length >= size)
        return false;
    memcpy(out, text, length);
    out[length] = '\0';
    return true;
}

/* Reads an asymmetric mapping "SOURCE -> TARGET, ..." of class names. The
 * names are checked against the data sets when the sweep loads them. */
static lnl_status store_mapping(const lnl_config_key *key, const char *value,
                                lnl_noise_spec *spec, const char *section, char *message,
                                size_t message_size)
{
    (void)key;
    char *text = NULL;
    char **items = NULL;
    long count = 0;
    lnl_class_mapping *mappings = NULL;
    lnl_status status = read_list(value, "mapping", section, &text, &items, &count, message,
                                  message_size);
    if (status != LNL_OK)
        goto cleanup;
    status = LNL_ERR_CONFIG;
    mappings = calloc((size_t)count, sizeof *mappings);
    if (mappings == NULL) {
        status = LNL_ERR_NOMEM;
        snprintf(message, message_size, "out of memory while reading mapping in %s", section);
        goto cleanup;
    }

    for (long i = 0; i < count; i++) {
        const char *arrow = strstr(items[i], "->");
        lnl_class_mapping *pair = &mappings[i];
        if (arrow == NULL ||
            !copy_class_name(items[i], (size_t)(arrow - items[i]), pair->source,
                             sizeof pair->source) ||
            !copy_class_name(arrow + 2, strlen(arrow + 2), pair->target, sizeof pair->target) ||
            strstr(arrow + 2, "->") != NULL) {
            snprintf(message, message_size,
                     "invalid item \"%.*s\" for mapping in %s: expected SOURCE -> TARGET with "
                     "two class names of 1 to %d bytes, such as 3 -> 8",
                     ITEM_MAX, items[i], section, LNL_NAME_MAX - 1);
            goto cleanup;
        }
        if (strcmp(pair->source, pair->target) == 0) {
            snprintf(message, message_size,
                     "invalid item \"%.*s\" for mapping in %s: a class cannot flip to itself",
                     ITEM_MAX, items[i], section);
            goto cleanup;
        }
        for (long j = 0; j < i; j++) {
            if (strcmp(mappings[j].source, pair->source) == 0) {
                snprintf(message, message_size,
                         "class \"%s\" is mapped twice in mapping in %s; each class flips to "
                         "one target",
                         pair->source, section);
                goto cleanup;
            }
        }
    }

    free(spec->mappings);
    spec->mappings = mappings;
    spec->n_mappings = (size_t)count;
    mappings = NULL;
    status = LNL_OK;

cleanup:
    free(mappings);
    free(items);
    free(text);
    return status;
}

/* Reads `transition`: one of the words known, anchor and confident, or
 * else the path of a matrix file (write ./known for a file named known). */
static lnl_status store_transition(const lnl_config_key *key, const char *value,
                                   lnl_method_spec *spec, const char *section, char *message,
                                   size_t message_size)
{
    static const struct {
        const char *word;
        lnl_transition_source source;
    } words[] = {{"known", LNL_TRANSITION_KNOWN},
                 {"anchor", LNL_TRANSITION_ANCHOR},
                 {"confident", LNL_TRANSITION_CONFIDENT}};

    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strcmp(value, words[i].word) == 0) {
            spec->transition = words[i].source;
            spec->transition_path[0] = '\0';
            return LNL_OK;
        }
    }
    if (strlen(value) >= sizeof spec->transition_path)
        return invalid_value(key, value, section, " (the path is too long)", message,
                             message_size);
    spec->transition = LNL_TRANSITION_FILE;
    snprintf(spec->transition_path, sizeof spec->transition_path, "%s", value);
    return LNL_OK;
}

static lnl_status store_text(const lnl_config_key *key, const char *value, char *field,
                             const char *section, char *message, size_t message_size)
{
    if (strlen(value) >= key->size ||
        (key->type == LNL_TYPE_NAME && !lnl_config_name_valid(value)))
        return invalid_value(key, value, section, NULL, message, message_size);
    memcpy(field, value, strlen(value) + 1);
    return LNL_OK;
}

static lnl_status store_choice(const lnl_config_key *key, const char *value, char *field,
                               const char *section, char *message, size_t message_size)
{
    for (size_t i = 0; key->choices[i] != NULL; i++) {
        if (strcmp(value, key->choices[i]) != 0)
            continue;
        if (key->choice_field != NULL)
            key->choice_field->set(field, i);
        else
            snprintf(field, key->size, "%s", key->choices[i]);
        return LNL_OK;
    }

    lnl_config_suggestion suggestion;
    lnl_config_suggestion_init(&suggestion, value);
    for (size_t i = 0; key->choices[i] != NULL; i++)
        lnl_config_suggestion_offer(&suggestion, key->choices[i]);
    char hint[128] = "";
    if (suggestion.best != NULL)
        snprintf(hint, sizeof hint, "; did you mean \"%s\"?", suggestion.best);
    return invalid_value(key, value, section, hint, message, message_size);
}

static lnl_status store_loss(const lnl_config_key *key, const char *value, char *field,
                             const char *section, char *message, size_t message_size)
{
    if (strlen(value) < key->size && lnl_loss_lookup(value) != NULL) {
        memcpy(field, value, strlen(value) + 1);
        return LNL_OK;
    }

    lnl_config_suggestion suggestion;
    lnl_config_suggestion_init(&suggestion, value);
    for (size_t i = 0; i < lnl_loss_count(); i++)
        lnl_config_suggestion_offer(&suggestion, lnl_loss_at(i)->name);
    char hint[128] = "";
    if (suggestion.best != NULL)
        snprintf(hint, sizeof hint, "; did you mean \"%s\"?", suggestion.best);
    return invalid_value(key, value, section, hint, message, message_size);
}

lnl_status lnl_config_value_store(const lnl_config_key *key, const char *value, void *spec,
                                  const char *section, char *message, size_t message_size)
{
    char *field = (char *)spec + key->offset;
    bool *has = key->has_flag ? (bool *)((char *)spec + key->has_offset) : NULL;
    uint64_t integer = 0;
    double real = 0;
    bool flag = false;

    switch (key->type) {
    case LNL_TYPE_NAME:
    case LNL_TYPE_TEXT:
    case LNL_TYPE_PATH:
        return store_text(key, value, field, section, message, message_size);

    case LNL_TYPE_INT:
    case LNL_TYPE_COUNT:
        if (!parse_unsigned(value, &integer) || (double)integer < key->min ||
            (double)integer > key->max)
            return invalid_value(key, value, section, NULL, message, message_size);
        if (key->type == LNL_TYPE_INT)
            *(int *)field = (int)integer;
        else
            *(size_t *)field = (size_t)integer;
        return LNL_OK;

    case LNL_TYPE_SEED:
        if (!parse_unsigned(value, &integer))
            return invalid_value(key, value, section, NULL, message, message_size);
        *(uint64_t *)field = integer;
        if (has != NULL)
            *has = true;
        return LNL_OK;

    case LNL_TYPE_REAL:
        if (!parse_real(value, &real) || !in_range(key, real))
            return invalid_value(key, value, section, NULL, message, message_size);
        *(double *)field = real;
        if (has != NULL)
            *has = true;
        return LNL_OK;

    case LNL_TYPE_REAL_OR_NONE:
        if (strcmp(value, "none") == 0) {
            *has = false;
            return LNL_OK;
        }
        if (!parse_real(value, &real) || !in_range(key, real))
            return invalid_value(key, value, section, NULL, message, message_size);
        *(double *)field = real;
        *has = true;
        return LNL_OK;

    case LNL_TYPE_REAL_OR_AUTO: {
        bool *automatic = (bool *)((char *)spec + key->has_offset);
        if (strcmp(value, "auto") == 0) {
            *automatic = true;
            return LNL_OK;
        }
        if (!parse_real(value, &real) || !in_range(key, real))
            return invalid_value(key, value, section, NULL, message, message_size);
        *(double *)field = real;
        *automatic = false;
        return LNL_OK;
    }

    case LNL_TYPE_BOOL:
        if (!parse_bool(value, &flag))
            return invalid_value(key, value, section, NULL, message, message_size);
        *(bool *)field = flag;
        return LNL_OK;

    case LNL_TYPE_CHOICE:
        return store_choice(key, value, field, section, message, message_size);

    case LNL_TYPE_LOSS:
        return store_loss(key, value, field, section, message, message_size);

    case LNL_TYPE_TEST_SIZE:
        /* digits only make a count, anything else a fraction */
        if (parse_unsigned(value, &integer)) {
            if (integer < 1 || integer > INT_MAX)
                return invalid_value(key, value, section, NULL, message, message_size);
            *(double *)field = (double)integer;
            return LNL_OK;
        }
        if (!parse_real(value, &real) || !(real > 0 && real < 1))
            return invalid_value(key, value, section, NULL, message, message_size);
        *(double *)field = real;
        return LNL_OK;

    case LNL_TYPE_WEIGHTS:
        return store_weights(key, value, spec, section, message, message_size);
    case LNL_TYPE_RATES:
        return store_rates(key, value, spec, section, message, message_size);
    case LNL_TYPE_MATRIX:
        return store_matrix(key, value, spec, section, message, message_size);
    case LNL_TYPE_PAIRS:
        return store_pairs(key, value, spec, section, message, message_size);
    case LNL_TYPE_MAPPING:
        return store_mapping(key, value, spec, section, message, message_size);
    case LNL_TYPE_TRANSITION:
        return store_transition(key, value, spec, section, message, message_size);
    }
    snprintf(message, message_size, "key %s in %s has an unknown type", key->name, section);
    return LNL_ERR_CONFIG;
}

/* ---- defaults ------------------------------------------------------- */

void lnl_config_defaults_experiment(lnl_config *config)
{
    config->name[0] = '\0';
    config->seeds = 5;
    config->base_seed = 0;
    config->output[0] = '\0';
    config->rng = LNL_RNG_DEFAULT;
    config->baseline[0] = '\0';
}

void lnl_config_defaults_data(lnl_data_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->source = LNL_SOURCE_MAKE_CLASSIFICATION;
    lnl_make_classification_defaults(&spec->generator);
    spec->has_random_state = false;
    spec->n_features = 0;
    spec->test_size = 0.2;
    spec->stratify = false;
    spec->standardize = true;
    spec->rng = LNL_RNG_DEFAULT;
}

void lnl_config_defaults_noise(lnl_noise_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->type = LNL_NOISE_SYMMETRIC;
    spec->sampling = LNL_SAMPLING_EXACT;
    spec->n_rates = 0;
    spec->matrix_order = 0;
    spec->matrix = NULL;
    spec->has_seed = false;
    spec->rng = LNL_RNG_DEFAULT;
    spec->positive[0] = '\0';
    spec->n_mappings = 0;
    spec->mappings = NULL;
}

void lnl_config_defaults_method(lnl_method_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    snprintf(spec->loss, sizeof spec->loss, "ce");
    spec->C = 1.0;
    spec->fit_intercept = true;
    spec->model = LNL_MODEL_AUTO;
    spec->labels = LNL_LABELS_NOISY;
    snprintf(spec->optimizer, sizeof spec->optimizer, "lbfgs");
    spec->max_iter = 1000;
    spec->tol = 1e-6;
    spec->init = LNL_INIT_ZERO;
    spec->epochs = 100;
    spec->batch_size = 32;
    spec->lr = 0.01;
    spec->momentum = 0.9;
    spec->weight_decay = 0.0;
    spec->transition = LNL_TRANSITION_NONE;
    spec->transition_path[0] = '\0';
    spec->anchor_percentile = 97.0;
    spec->holdout = 0.2;
    spec->folds = 5;
    spec->filter = LNL_FILTER_NONE;
    spec->schedule = LNL_SCHEDULE_NONE;
    spec->forget_rate = 0.0;
    spec->forget_rate_auto = false;
    spec->num_gradual = 10;
    spec->exponent = 1.0;
    spec->rounds = 1;
    spec->per_class = false;
    spec->reweight = false;
}

/* ---- the key reference ---------------------------------------------- */

static const char reference_intro[] =
    "# Config reference\n"
    "\n"
    "<!-- Generated by lnl_config_write_reference from the schema in\n"
    "     src/config_schema.c; change the schema, then regenerate this file. -->\n"
    "\n"
    "An experiment config is an INI file. `lnl run FILE` trains every method\n"
    "on every data set under every noise model and rate, once per seed. A\n"
    "noise section with a `data` key applies only to the data sets it lists.\n"
    "\n"
    "- `[experiment]`: at most one; optional, because every key has a default.\n"
    "- `[data NAME]`: one or more data sets.\n"
    "- `[noise NAME]`: one or more noise models, each with its rates.\n"
    "- `[method NAME]`: one or more training methods.\n"
    "\n"
    "## Syntax\n"
    "\n"
    "- One `key = value` per line (`key: value` also works). Keys, section\n"
    "  kinds and choices are case-sensitive; booleans are not.\n"
    "- NAME is made of letters, digits, `_`, `.` and `-`, at most 63 characters,\n"
    "  and is unique among the sections of its kind.\n"
    "- A line that starts with `;` or `#` is a comment. Inside a value, `;`\n"
    "  after a space starts a comment, except in `matrix`, where `;` separates\n"
    "  rows.\n"
    "- A line holds at most %d bytes. The values of `rates`, `weights`,\n"
    "  `matrix`, `pairs` and `mapping` can continue on the following lines\n"
    "  when those are indented; any other indented line after a key is an\n"
    "  error.\n"
    "- Every key may appear once per section. Unknown sections and keys, keys\n"
    "  of another data source and empty values are errors.\n"
    "- Booleans are `true`/`false`, `yes`/`no`, `on`/`off` or `1`/`0`.\n"
    "- Numbers are read by strtod and must be finite (`0.5`, `1e-6`); integers\n"
    "  are written with digits only.\n"
    "- A UTF-8 byte order mark at the start of the file is skipped.\n"
    "\n"
    "`rates` is a comma-separated list of rates and ranges. The range\n"
    "`start:stop:step` gives start, start + step, ... up to stop, which is\n"
    "included when reached within 1e-9; each value is rounded to 12 decimals,\n"
    "so `0.0:0.3:0.1` gives 0, 0.1, 0.2 and 0.3. A rate may appear only once.\n"
    "\n"
    "`matrix` is the K x K transition matrix T[i][j] = P(noisy = j | clean = i):\n"
    "rows are separated by `;` or line breaks and entries by spaces or commas.\n"
    "Entries are >= 0 and every row sums to 1 within 1e-9. A matrix noise\n"
    "section has the single rate 1, and its K must match every generated data\n"
    "set's `n_classes`.\n"
    "\n"
    "`pairs` (type = class_conditional, two classes) lists settings\n"
    "`rho_pos/rho_neg` separated by commas, such as `0.2/0.2, 0.3/0.1`.\n"
    "rho_pos = P(noisy = negative | clean = positive) and rho_neg =\n"
    "P(noisy = positive | clean = negative), the noise of Natarajan et al.\n"
    "(NeurIPS 2013). The rate of a setting, in runs.csv and the tables, is\n"
    "the mean of its two rates rounded to 12 decimals, and the `setting`\n"
    "column of runs.csv and the table headers show the pair, because two\n"
    "settings can share a mean.\n"
    "\n"
    "`mapping` (type = asymmetric) lists `SOURCE -> TARGET` items separated by\n"
    "commas, such as `3 -> 8, 7 -> 1`, with class names as the data set names\n"
    "them (the CSV label text). A mapped class keeps its label with\n"
    "probability 1 - rate and flips to its target otherwise; the other\n"
    "classes keep their labels. Names the data set does not have are an\n"
    "error when the sweep loads the data.\n"
    "\n"
    "`transition` (methods with loss = forward, backward or unbiased) names\n"
    "the transition matrix the loss uses: `known`, the noise model's T;\n"
    "`anchor` or `confident`, estimated from the noisy training labels; or\n"
    "the path of a file with K lines of K numbers (rows are clean classes).\n"
    "runs.csv records the T a run used and its error against the true T.\n"
    "\n"
    "With `rng = numpy` a stream is numpy's RandomState, which takes seeds\n"
    "below 2^32: `random_state` and `seed` must be below 2^32, and so must\n"
    "`base_seed + seeds - 1`.\n"
    "\n"
    "## Example\n"
    "\n"
    "```ini\n"
    "[experiment]\n"
    "name = example\n"
    "seeds = 3\n"
    "\n"
    "[data blobs]\n"
    "source = make_classification\n"
    "n_samples = 500\n"
    "n_classes = 3\n"
    "n_informative = 4\n"
    "\n"
    "[noise symmetric]\n"
    "type = symmetric\n"
    "rates = 0.0:0.4:0.1\n"
    "\n"
    "[noise swap]\n"
    "type = matrix\n"
    "matrix = 0.8 0.2 0.0; 0.0 0.8 0.2; 0.2 0.0 0.8\n"
    "\n"
    "[method ce]\n"
    "loss = ce\n"
    "C = 1.0\n"
    "```\n";

static const char *const kind_titles[LNL_CONFIG_KIND_COUNT] = {
    "[experiment]", "[data NAME]", "[noise NAME]", "[method NAME]"};

static const char *const kind_summaries[LNL_CONFIG_KIND_COUNT] = {
    "Settings of the whole sweep. The section is optional.",
    "A data set: generated by scikit-learn's make_classification algorithm "
    "(same parameter names), or read from a CSV or LIBSVM file. The Source "
    "column says which sources read a key; a key of another source is an error.",
    "A noise model applied to the training labels, with the rates to sweep.",
    "A training method: a linear model, its loss and its optimizer.",
};

static const char *type_word(lnl_config_type type)
{
    switch (type) {
    case LNL_TYPE_NAME: return "name";
    case LNL_TYPE_TEXT: return "text";
    case LNL_TYPE_PATH: return "path";
    case LNL_TYPE_INT:
    case LNL_TYPE_COUNT:
    case LNL_TYPE_SEED: return "integer";
    case LNL_TYPE_REAL: return "number";
    case LNL_TYPE_REAL_OR_NONE: return "number or none";
    case LNL_TYPE_REAL_OR_AUTO: return "number or auto";
    case LNL_TYPE_BOOL: return "boolean";
    case LNL_TYPE_CHOICE: return "choice";
    case LNL_TYPE_LOSS: return "loss name";
    case LNL_TYPE_TEST_SIZE: return "number";
    case LNL_TYPE_WEIGHTS: return "list of numbers";
    case LNL_TYPE_RATES: return "list of rates";
    case LNL_TYPE_MATRIX: return "matrix";
    case LNL_TYPE_PAIRS: return "list of rate pairs";
    case LNL_TYPE_MAPPING: return "class mapping";
    case LNL_TYPE_TRANSITION: return "choice or path";
    }
    return "value";
}

static void describe_sources(unsigned sources, char *out, size_t size)
{
    if (sources == LNL_SOURCE_BIT_ALL) {
        snprintf(out, size, "all");
        return;
    }
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; source_choices[i] != NULL && used < size; i++) {
        if ((sources & (1u << i)) == 0)
            continue;
        int written = snprintf(out + used, size - used, "%s%s", used > 0 ? ", " : "",
                               source_choices[i]);
        if (written < 0)
            return;
        used += (size_t)written;
    }
}

/* Writes the key's default_text when it has one, or else in backticks the
 * field's value in spec, the default-filled struct of the key's kind. */
static void describe_default(const lnl_config_key *key, const void *spec, char *out,
                             size_t size)
{
    if (key->default_text != NULL) {
        snprintf(out, size, "%s", key->default_text);
        return;
    }

    const char *field = (const char *)spec + key->offset;
    char number[32];
    switch (key->type) {
    case LNL_TYPE_INT:
        snprintf(out, size, "`%d`", *(const int *)field);
        return;
    case LNL_TYPE_COUNT:
        snprintf(out, size, "`%zu`", *(const size_t *)field);
        return;
    case LNL_TYPE_SEED:
        snprintf(out, size, "`%" PRIu64 "`", *(const uint64_t *)field);
        return;
    case LNL_TYPE_REAL:
    case LNL_TYPE_TEST_SIZE:
        format_number(*(const double *)field, number, sizeof number);
        snprintf(out, size, "`%s`", number);
        return;
    case LNL_TYPE_REAL_OR_NONE:
        if (!*(const bool *)((const char *)spec + key->has_offset)) {
            snprintf(out, size, "`none`");
            return;
        }
        format_number(*(const double *)field, number, sizeof number);
        snprintf(out, size, "`%s`", number);
        return;
    case LNL_TYPE_REAL_OR_AUTO:
        if (*(const bool *)((const char *)spec + key->has_offset)) {
            snprintf(out, size, "`auto`");
            return;
        }
        format_number(*(const double *)field, number, sizeof number);
        snprintf(out, size, "`%s`", number);
        return;
    case LNL_TYPE_BOOL:
        snprintf(out, size, "`%s`", *(const bool *)field ? "true" : "false");
        return;
    case LNL_TYPE_CHOICE:
        if (key->choice_field != NULL)
            snprintf(out, size, "`%s`", key->choices[key->choice_field->get(field)]);
        else
            snprintf(out, size, "`%s`", field);
        return;
    case LNL_TYPE_NAME:
    case LNL_TYPE_TEXT:
    case LNL_TYPE_PATH:
    case LNL_TYPE_LOSS:
        snprintf(out, size, "`%s`", field);
        return;
    case LNL_TYPE_WEIGHTS:
    case LNL_TYPE_RATES:
    case LNL_TYPE_MATRIX:
    case LNL_TYPE_PAIRS:
    case LNL_TYPE_MAPPING:
    case LNL_TYPE_TRANSITION:
        break;
    }
    snprintf(out, size, "none");
}

/* Writes one table cell, with '|' escaped so that it does not end the cell. */
static void write_cell(FILE *out, const char *text)
{
    fputc(' ', out);
    for (const char *c = text; *c != '\0'; c++) {
        if (*c == '|')
            fputc('\\', out);
        fputc(*c, out);
    }
    fputs(" |", out);
}

static void write_table(FILE *out, lnl_config_kind kind, const void *spec)
{
    bool data = kind == LNL_CONFIG_DATA;
    fprintf(out, "\n## %s\n\n%s\n\n", kind_titles[kind], kind_summaries[kind]);
    if (data) {
        fputs("| Key | Source | Type | Default | Allowed values | Description |\n", out);
        fputs("|---|---|---|---|---|---|\n", out);
    } else {
        fputs("| Key | Type | Default | Allowed values | Description |\n", out);
        fputs("|---|---|---|---|---|\n", out);
    }

    for (size_t i = 0; i < lnl_config_key_count(); i++) {
        const lnl_config_key *key = &config_keys[i];
        if (key->kind != kind)
            continue;
        char sources[64], fallback[128], allowed[512];
        describe_sources(key->sources, sources, sizeof sources);
        describe_default(key, spec, fallback, sizeof fallback);
        describe_key(key, true, allowed, sizeof allowed);
        fprintf(out, "| `%s` |", key->name);
        if (data)
            write_cell(out, sources);
        write_cell(out, type_word(key->type));
        write_cell(out, fallback);
        write_cell(out, allowed);
        write_cell(out, key->help);
        fputc('\n', out);
    }
}

lnl_status lnl_config_write_reference(FILE *out, lnl_error *err)
{
    if (out == NULL)
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "lnl_config_write_reference: out is NULL");

    lnl_status status = LNL_OK;
    lnl_config *config = malloc(sizeof *config);
    lnl_data_spec *data = malloc(sizeof *data);
    lnl_noise_spec *noise = malloc(sizeof *noise);
    lnl_method_spec *method = malloc(sizeof *method);
    if (config == NULL || data == NULL || noise == NULL || method == NULL) {
        status = lnl_error_set(err, LNL_ERR_NOMEM, NULL, 0,
                               "out of memory while writing the config reference");
        goto cleanup;
    }
    lnl_config_defaults_experiment(config);
    lnl_config_defaults_data(data);
    lnl_config_defaults_noise(noise);
    lnl_config_defaults_method(method);

    fprintf(out, reference_intro, LINE_MAX_BYTES);
    write_table(out, LNL_CONFIG_EXPERIMENT, config);
    write_table(out, LNL_CONFIG_DATA, data);
    write_table(out, LNL_CONFIG_NOISE, noise);
    write_table(out, LNL_CONFIG_METHOD, method);

    if (fflush(out) != 0 || ferror(out))
        status = lnl_error_set(err, LNL_ERR_IO, NULL, 0, "cannot write the config reference");

cleanup:
    free(method);
    free(noise);
    free(data);
    free(config);
    return status;
}
