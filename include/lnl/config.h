/* Experiment configs: the INI schema, its validation and the parsed spec.
 *
 * A config has one [experiment] section and one or more [data NAME],
 * [noise NAME] and [method NAME] sections. inih reads the file; a schema
 * table (one row per section kind and key: type, range, default, help)
 * decides what every key means. Unknown sections or keys, duplicate keys or
 * sections, bad values and out-of-range numbers are LNL_ERR_CONFIG errors
 * naming the file, the line and the key, with a suggestion when a known key
 * is within a small edit distance of an unknown one.
 * docs/CONFIG.md is the reference of every key, generated from the schema.
 */
#ifndef LNL_CONFIG_H
#define LNL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lnl/error.h"
#include "lnl/generate.h"
#include "lnl/rng.h"

enum {
    LNL_NAME_MAX = 64,
    LNL_PATH_MAX = 4096,
    LNL_MAX_RATES = 256,
    LNL_MAX_SECTIONS = 64
};

typedef enum lnl_source_kind {
    LNL_SOURCE_MAKE_CLASSIFICATION,
    LNL_SOURCE_CSV,
    LNL_SOURCE_LIBSVM
} lnl_source_kind;

typedef struct lnl_data_spec {
    char name[LNL_NAME_MAX];
    long line;                         /* line of the section header */
    lnl_source_kind source;
    lnl_make_classification_params generator;
    bool has_random_state;             /* random_state given: fixed generator seed */
    uint64_t random_state;
    char path[LNL_PATH_MAX];           /* csv and libsvm, as written in the config */
    long path_line;                    /* line of the path key; 0 when not set */
    char label[LNL_NAME_MAX * 4];      /* csv label column; "" = last column */
    size_t n_features;                 /* libsvm; 0 = largest index seen */
    double test_size;                  /* fraction in (0, 1) or count >= 1; default 0.2 */
    bool stratify;                     /* default false */
    bool standardize;                  /* default true */
    lnl_rng_kind rng;                  /* default: the experiment's rng */
} lnl_data_spec;

typedef enum lnl_noise_type {
    LNL_NOISE_SYMMETRIC,  /* a corrupted label becomes one of the other K-1 classes uniformly */
    LNL_NOISE_PAIR,       /* class k becomes (k + 1) mod K */
    LNL_NOISE_MATRIX,     /* explicit row-stochastic T[i][j] = P(noisy = j | clean = i) */
    LNL_NOISE_CLASS_CONDITIONAL,  /* two classes, flip rates rho_pos and rho_neg per class */
    LNL_NOISE_ASYMMETRIC  /* named classes flip to named targets at the rate, others stay */
} lnl_noise_type;

typedef enum lnl_noise_sampling {
    LNL_SAMPLING_EXACT,     /* exactly floor(rate * n) labels (per class for pair and matrix) */
    LNL_SAMPLING_BERNOULLI  /* each label independently */
} lnl_noise_sampling;

/* One "source -> target" of asymmetric noise, by class name. */
typedef struct lnl_class_mapping {
    char source[LNL_NAME_MAX];
    char target[LNL_NAME_MAX];
} lnl_class_mapping;

typedef struct lnl_noise_spec {
    char name[LNL_NAME_MAX];
    long line;
    lnl_noise_type type;
    lnl_noise_sampling sampling;     /* default exact */
    size_t n_rates;
    double rates[LNL_MAX_RATES];     /* in [0, 1]; matrix noise has the single rate 1 */
    size_t matrix_order;             /* matrix: K */
    double *matrix;                  /* matrix: K x K row-major, rows sum to 1 */
    bool has_seed;                   /* seed given: the same noise seed for every run */
    uint64_t seed;
    lnl_rng_kind rng;                /* default: the experiment's rng */
    /* class_conditional: pairs[r] = (rho_pos, rho_neg) of setting r, where
     * rho_pos = P(noisy = neg | clean = pos) and rho_neg = P(noisy = pos |
     * clean = neg); rates[r] is their mean. */
    double pairs[LNL_MAX_RATES][2];
    char positive[LNL_NAME_MAX];     /* class_conditional: positive class name; "" = class 1 */
    size_t n_mappings;               /* asymmetric: mappings[0..n_mappings) */
    lnl_class_mapping *mappings;     /* asymmetric: source -> target class names */
    char data[LNL_NAME_MAX * 4];     /* [data] section names it applies to, as written; "" = all */
    uint64_t data_mask;              /* bit d: applies to config->data[d]; set by the reader */
} lnl_noise_spec;

typedef enum lnl_model_kind {
    LNL_MODEL_AUTO,     /* binary for K = 2, softmax otherwise */
    LNL_MODEL_BINARY,   /* one weight vector and a sigmoid; K must be 2 */
    LNL_MODEL_SOFTMAX   /* K weight vectors and a softmax */
} lnl_model_kind;

typedef enum lnl_label_source {
    LNL_LABELS_NOISY,   /* train on the corrupted labels (the normal case) */
    LNL_LABELS_CLEAN    /* train on the clean labels: the noise-free reference */
} lnl_label_source;

typedef enum lnl_init_kind {
    LNL_INIT_ZERO,  /* start from all-zero parameters */
    LNL_INIT_CE     /* start from the cross-entropy fit (L-BFGS, same C, labels and model) */
} lnl_init_kind;

/* Where a corrected loss (forward, backward, unbiased) gets its T. */
typedef enum lnl_transition_source {
    LNL_TRANSITION_NONE,       /* the loss reads no T */
    LNL_TRANSITION_KNOWN,      /* the T of the run's noise model */
    LNL_TRANSITION_ANCHOR,     /* estimated from anchor points (include/lnl/estimate.h) */
    LNL_TRANSITION_CONFIDENT,  /* estimated by confident learning */
    LNL_TRANSITION_FILE        /* read from transition_path */
} lnl_transition_source;

/* Sample selection (include/lnl/select.h): which training samples a method
 * trains on. */
typedef enum lnl_filter_kind {
    LNL_FILTER_NONE,        /* every training sample */
    LNL_FILTER_SMALL_LOSS,  /* the samples with the smallest loss */
    LNL_FILTER_COTEACHING,  /* two models pick small-loss samples for each other */
    LNL_FILTER_CONFIDENT    /* all but the samples that confident learning flags */
} lnl_filter_kind;

/* How filter = small_loss drops samples. */
typedef enum lnl_schedule_kind {
    LNL_SCHEDULE_NONE,    /* train, drop the largest losses, retrain */
    LNL_SCHEDULE_GRADUAL  /* per mini-batch, at a forget rate that grows with the epochs */
} lnl_schedule_kind;

typedef struct lnl_method_spec {
    char name[LNL_NAME_MAX];
    long line;
    char loss[LNL_NAME_MAX];  /* a name from the loss registry; default "ce" */
    double C;                 /* inverse regularization strength; default 1.0 */
    bool fit_intercept;       /* default true */
    lnl_model_kind model;     /* default auto */
    lnl_label_source labels;  /* default noisy */
    char optimizer[LNL_NAME_MAX];  /* "lbfgs", "sgd" or "adam"; default "lbfgs" */
    int max_iter;             /* L-BFGS iterations; default 1000 */
    double tol;               /* default 1e-6, relative gradient tolerance */
    lnl_init_kind init;       /* default zero */

    /* Loss parameters (include/lnl/loss.h). Each has_ flag is set when the
     * key is given; a parameter without it takes the loss's default from
     * lnl_loss_defaults. */
    double alpha, beta, A, q, truncation, epsilon;
    bool has_alpha, has_beta, has_A, has_q, has_truncation, has_epsilon;

    /* optimizer = sgd or adam (lnl_sgd_options). */
    int epochs;               /* default 100 */
    size_t batch_size;        /* default 32 */
    double lr;                /* default 0.01 */
    double momentum;          /* heavy-ball factor, or Adam's beta1; default 0.9 */
    double weight_decay;      /* default 0 */

    /* Loss correction (losses forward, backward and unbiased). */
    lnl_transition_source transition;   /* default none */
    char transition_path[LNL_PATH_MAX]; /* transition = FILE: the matrix file */
    double anchor_percentile; /* anchor: percentile of p(noisy = i | x) that picks row i; 97 */
    double holdout;           /* anchor: fraction of training rows held out to choose C; 0.2 */
    int folds;                /* transition or filter = confident: cross-validation folds; 5 */

    /* Sample selection (include/lnl/select.h). */
    lnl_filter_kind filter;      /* default none */
    lnl_schedule_kind schedule;  /* small_loss: default none */
    double forget_rate;          /* small_loss, coteaching: fraction dropped, in [0, 1) */
    bool forget_rate_auto;       /* forget_rate = auto: the noise rate estimated from T */
    int num_gradual;             /* gradual and coteaching: T_k, epochs until the full
                                    forget rate; default 10 */
    double exponent;             /* gradual and coteaching: c in min((t / T_k)^c, 1) *
                                    forget_rate; default 1 */
    int rounds;                  /* schedule none: filter-and-retrain rounds; default 1 */
    bool per_class;              /* schedule none: drop forget_rate within each noisy class;
                                    default false */
    bool reweight;               /* confident: weight noisy class k by 1 / T[k][k];
                                    default false */
} lnl_method_spec;

typedef struct lnl_config {
    char path[LNL_PATH_MAX];        /* the file read */
    char name[LNL_NAME_MAX];        /* [experiment] name; default: the file's base name */
    int seeds;                      /* repetitions, default 5 */
    uint64_t base_seed;             /* default 0 */
    char output[LNL_PATH_MAX];      /* default "results/<name>" */
    lnl_rng_kind rng;               /* default LNL_RNG_DEFAULT */
    char baseline[LNL_NAME_MAX];    /* method compared against; default: the first method */
    size_t n_data, n_noise, n_methods;
    lnl_data_spec data[LNL_MAX_SECTIONS];
    lnl_noise_spec noise[LNL_MAX_SECTIONS];
    lnl_method_spec methods[LNL_MAX_SECTIONS];
} lnl_config;

/* Reads and validates a config file. On success *out is a new config
 * (free with lnl_config_destroy) in which every default is filled in: name,
 * output, baseline, and the rng of each data and noise section. On failure
 * *out is NULL and err describes the first error only: LNL_ERR_IO when the
 * file cannot be opened or is a directory, LNL_ERR_CONFIG for its content.
 * err->file is path and err->line the line of the offending key, or of the
 * section header for a problem of the whole section, or 0 for a problem of
 * the whole file (such as a missing [noise NAME] section). Lines are limited
 * to INI_MAX_LINE - 2 bytes (198 with Debian's inih). */
lnl_status lnl_config_read(const char *path, lnl_config **out, lnl_error *err);

/* Same, from a string. path (may be NULL) is used in messages and for the
 * default experiment name. */
lnl_status lnl_config_parse_string(const char *text, const char *path, lnl_config **out,
                                   lnl_error *err);

void lnl_config_destroy(lnl_config *config);

/* True when noise section `noise` applies to data section `data` (its
 * `data` key lists the section, or is not given). */
bool lnl_config_noise_applies(const lnl_config *config, size_t noise, size_t data);

/* Writes the key reference (Markdown, one table per section kind) to out. */
lnl_status lnl_config_write_reference(FILE *out, lnl_error *err);

/* Levenshtein distance between two strings, counted in bytes, used for
 * "did you mean" hints. When both strings are over 63 bytes and memory runs
 * out, it returns the longer length, an upper bound. */
size_t lnl_edit_distance(const char *a, const char *b);

#endif
