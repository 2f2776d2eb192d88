/* The config schema, private to the library: one row per section kind and
 * key, with the key's type, range, default and help line. The reader
 * (src/config.c) validates and stores values through it, and
 * lnl_config_write_reference renders it as docs/CONFIG.md.
 */
#ifndef LNL_CONFIG_SCHEMA_H
#define LNL_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/config.h"
#include "lnl/error.h"

typedef enum lnl_config_kind {
    LNL_CONFIG_EXPERIMENT,  /* fields of lnl_config */
    LNL_CONFIG_DATA,        /* lnl_data_spec */
    LNL_CONFIG_NOISE,       /* lnl_noise_spec */
    LNL_CONFIG_METHOD,      /* lnl_method_spec */
    LNL_CONFIG_KIND_COUNT
} lnl_config_kind;

/* Data sources as bits, for the keys that only some sources read. */
enum {
    LNL_SOURCE_BIT_MAKE_CLASSIFICATION = 1u << LNL_SOURCE_MAKE_CLASSIFICATION,
    LNL_SOURCE_BIT_CSV = 1u << LNL_SOURCE_CSV,
    LNL_SOURCE_BIT_LIBSVM = 1u << LNL_SOURCE_LIBSVM,
    LNL_SOURCE_BIT_ALL = 7u
};

typedef enum lnl_config_type {
    LNL_TYPE_NAME,          /* [A-Za-z0-9_.-]+ into a char array */
    LNL_TYPE_TEXT,          /* any text into a char array */
    LNL_TYPE_PATH,          /* a path, stored as written */
    LNL_TYPE_INT,           /* int, range-checked */
    LNL_TYPE_COUNT,         /* size_t, range-checked */
    LNL_TYPE_SEED,          /* uint64_t, 0 to 2^64 - 1 */
    LNL_TYPE_REAL,          /* finite double, range-checked */
    LNL_TYPE_REAL_OR_NONE,  /* a double, or `none` to clear the key's flag */
    LNL_TYPE_REAL_OR_AUTO,  /* a double, or `auto`, which sets the bool at has_offset (the key
                               has no has_flag) */
    LNL_TYPE_BOOL,
    LNL_TYPE_CHOICE,        /* one of a fixed list: an enum field, or text when no accessor */
    LNL_TYPE_LOSS,          /* a name in the loss registry, stored as text */
    LNL_TYPE_TEST_SIZE,     /* a fraction in (0, 1) or an integer count >= 1 */
    LNL_TYPE_WEIGHTS,       /* make_classification weights */
    LNL_TYPE_RATES,         /* noise rates: numbers and start:stop:step ranges */
    LNL_TYPE_MATRIX,        /* a square row-stochastic matrix */
    LNL_TYPE_PAIRS,         /* class_conditional flip rates rho_pos/rho_neg */
    LNL_TYPE_MAPPING,       /* asymmetric noise: "source -> target" class names */
    LNL_TYPE_TRANSITION     /* known, anchor, confident or a matrix file */
} lnl_config_type;

enum { LNL_BOUND_OPEN_MIN = 1, LNL_BOUND_OPEN_MAX = 2 };

/* Reads and writes an enum field as the index of its choice. */
typedef struct lnl_config_choice_field {
    size_t (*get)(const void *field);
    void (*set)(void *field, size_t index);
} lnl_config_choice_field;

/* One key of one section kind. */
typedef struct lnl_config_key {
    lnl_config_kind kind;
    const char *name;
    lnl_config_type type;
    unsigned sources;           /* [data] keys: LNL_SOURCE_BIT_* of the sources that read it */
    size_t offset;              /* the field in the struct of the section kind */
    size_t size;                /* text fields: capacity including the terminating NUL */
    bool has_flag;              /* a bool at has_offset is set when the key is given */
    size_t has_offset;
    double min, max;            /* numbers: the allowed range, bounds per LNL_BOUND_* */
    unsigned bounds;
    const char *const *choices; /* NULL-terminated, in the order of the enum values */
    const lnl_config_choice_field *choice_field;  /* NULL: the choice is stored as text */
    const char *default_text;   /* the default when it is not a fixed value of the field */
    const char *help;           /* one line for the key reference */
} lnl_config_key;

/* Schema rows, in the order of the key reference. */
size_t lnl_config_key_count(void);
const lnl_config_key *lnl_config_key_at(size_t index);

/* Finds the key of a section kind by name; for [data], among the keys that
 * one of the sources in source_bits reads. NULL when there is none. */
const lnl_config_key *lnl_config_key_find(lnl_config_kind kind, const char *name,
                                          unsigned source_bits);

/* True for the keys whose value may continue on indented lines. */
bool lnl_config_key_spans_lines(const lnl_config_key *key);

/* The section word ("experiment", "data", ...) of a kind; and the kind of a
 * word, false when the word names none. */
const char *lnl_config_kind_word(lnl_config_kind kind);
bool lnl_config_kind_find(const char *word, lnl_config_kind *kind);

/* True when name matches [A-Za-z0-9_.-]+. */
bool lnl_config_name_valid(const char *name);

/* Writes the phrase that describes a valid value of key, such as
 * "an integer from 1 to 10000", into out (size bytes). */
void lnl_config_key_expected(const lnl_config_key *key, char *out, size_t size);

/* Parses value for key and stores it in the key's field of spec, which
 * points to the struct of the key's section kind. section is the label used
 * in messages, such as "[data toy]". On failure writes one sentence naming
 * the value, the key and the section into message and returns
 * LNL_ERR_CONFIG, or LNL_ERR_NOMEM when the matrix cannot be allocated. */
lnl_status lnl_config_value_store(const lnl_config_key *key, const char *value, void *spec,
                                  const char *section, char *message, size_t message_size);

/* Fill a section's struct with its defaults. lnl_config_defaults_experiment
 * sets only the [experiment] fields of config. */
void lnl_config_defaults_experiment(lnl_config *config);
void lnl_config_defaults_data(lnl_data_spec *spec);
void lnl_config_defaults_noise(lnl_noise_spec *spec);
void lnl_config_defaults_method(lnl_method_spec *spec);

/* Keeps the candidate closest to a misspelt word, by lnl_edit_distance,
 * when the distance is at most 2 or at most a third of the word's length.
 * Ties go to the candidate offered first. */
typedef struct lnl_config_suggestion {
    const char *word;
    const char *best;   /* NULL while no candidate is close enough */
    size_t distance;
} lnl_config_suggestion;

void lnl_config_suggestion_init(lnl_config_suggestion *suggestion, const char *word);
void lnl_config_suggestion_offer(lnl_config_suggestion *suggestion, const char *candidate);

#endif
