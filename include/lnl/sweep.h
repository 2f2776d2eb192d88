/* The sweep: every data x noise x rate x method x seed cell of a config,
 * run on a pool of threads, one result row per run in DIR/runs.csv. A
 * noise section with a `data` key meets only the data sections it lists
 * (lnl_config_noise_applies).
 *
 * Random streams. Every run derives its own streams, so any cell can be
 * re-run alone with the same result, in any order and on any thread:
 *  - data:  generator seed = random_state if given, else
 *           derive(base_seed, "data", data name); one data set per config;
 *  - split: derive(base_seed, "split", data name, seed index);
 *  - noise: derive(base_seed, "noise", data name, noise name, seed index),
 *           or the noise section's fixed seed; the same at every rate, so
 *           with exact sampling the labels corrupted at a low rate are a
 *           subset of those at a higher rate (common random numbers);
 *  - model: derive(base_seed, "model", data name, method name, seed index).
 * derive is lnl_seed_derive. A stream whose rng is numpy is a RandomState
 * seeded with a 32-bit number instead: random_state (default base_seed)
 * for the data, and base_seed + seed index for split, noise and model, as
 * a Python script that passes one seed everywhere does.
 *
 * Output folder DIR:
 *  - DIR/runs.csv: the header, then one row per finished run. Rows are
 *    appended and flushed as runs finish, in finishing order, so a crash
 *    loses only the runs in flight. At the end of the sweep (also after an
 *    interruption) the file is rewritten in plan order, so the final file
 *    does not depend on --jobs or on interruptions.
 *  - DIR/.lnl-state: the settings every recorded run depends on, one
 *    "key = value" per line under a [section] header, plus a fingerprint of
 *    each loaded data set. A second sweep into DIR compares it with its own
 *    config: runs already in runs.csv are kept and only the others run.
 *  - DIR/tables and DIR/summary.md, from lnl_report_write.
 * Every file except the appended runs.csv is written to "<name>.tmp" and
 * renamed into place. While a sweep writes DIR it holds an flock on the
 * folder, so a second process cannot write the same folder at once.
 */
#ifndef LNL_SWEEP_H
#define LNL_SWEEP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lnl/config.h"
#include "lnl/dataset.h"
#include "lnl/error.h"
#include "lnl/rng.h"

/* One run's result: a row of runs.csv. */
typedef struct lnl_run_result {
    size_t cell;                 /* position in the plan */
    const char *dataset, *noise, *method;  /* names from the config */
    const char *noise_type;      /* "symmetric", "pair", "matrix", "class_conditional", "asymmetric" */
    double rate;                 /* class_conditional: the mean of the setting's two rates */
    char setting[64];            /* class_conditional: "rho_pos/rho_neg"; "" for other noise */
    int seed;                    /* seed index 0..seeds-1 */
    size_t n_train, n_test;
    double realized_rate;        /* fraction of training labels that differ from clean */
    double test_accuracy;        /* against the clean test labels */
    double train_accuracy;       /* against the labels the model was trained on */
    double train_clean_accuracy; /* against the clean training labels */
    int iterations;
    bool converged;
    double objective;
    double fit_seconds;
    bool ok;                     /* false: the run failed, and message gives the reason */
    char message[LNL_ERROR_MESSAGE_MAX];
    size_t n_classes;
    size_t *confusion;           /* K x K realised clean-vs-noisy counts */
    /* Loss correction: the method's transition key ("known", "anchor",
     * "confident" or a path; "" without one), the K x K T it used (NULL
     * without one) and its errors against the noise model's T (max
     * absolute entry and Frobenius norm; NaN without a T). */
    const char *transition;
    double *transition_matrix;
    double transition_error_max;
    double transition_error_frobenius;
    /* Sample selection (lnl_fit_output): the training samples the final
     * model was fitted on (0 when the fit failed), the fraction of them
     * whose noisy label is the clean one, the fraction of the correctly
     * labelled samples among them (NaN when unknown), and the forget rate
     * that filter = small_loss or coteaching used (NaN for other methods). */
    size_t n_kept;
    double label_precision;
    double label_recall;
    double forget_rate;
} lnl_run_result;

typedef void (*lnl_sweep_progress_fn)(void *context, size_t done, size_t total,
                                      const lnl_run_result *result);

/* done counts the runs recorded so far, resumed ones included. */
typedef struct lnl_sweep_options {
    const char *output;    /* overrides the config's output folder when not NULL */
    /* Worker threads; <= 0 = the number of online cores. With fewer cells
     * than jobs, each cell's objective evaluations use jobs / cells
     * threads; the results are the same for every value. */
    int jobs;
    lnl_sweep_progress_fn progress;
    void *progress_context;
    /* Resume even when DIR/.lnl-state differs from the config: recorded
     * runs whose settings are unchanged are kept, the others run again. */
    bool force;
    /* When not NULL and nonzero, no further run starts. Runs in progress
     * finish, runs.csv and the tables are written for the runs done, and
     * the sweep returns LNL_ERR_INTERRUPTED. A signal handler may set it. */
    const atomic_int *cancel;
    /* Shard shard_index of shard_count (1-based) runs only the cells whose
     * plan position p has p % shard_count == shard_index - 1; runs.csv
     * then contains only those rows. When DIR/runs.csv already contains
     * rows of other shards, the sweep returns LNL_ERR_ARGUMENT with DIR as
     * the error's file and writes nothing, unless force is set, which
     * deletes those rows. shard_count 0 runs every cell; a shard_index outside
     * 1..shard_count is LNL_ERR_ARGUMENT. lnl_merge_folders (lnl/merge.h)
     * joins the folders of all shards. */
    int shard_index;
    int shard_count;
    /* Whether to skip the figures: the sweep then writes the tables and
     * summary.md only, and `lnl report DIR` can draw the figures later. */
    bool skip_figures;
} lnl_sweep_options;

typedef struct lnl_sweep_summary {
    size_t n_runs;           /* cells in the plan, or in the shard when sharded */
    size_t n_resumed;        /* runs taken from an earlier sweep's runs.csv */
    size_t n_recorded;       /* rows in runs.csv at the end */
    size_t n_failed;         /* among the recorded rows */
    size_t n_not_converged;  /* among the recorded rows */
    bool settings_differ;    /* resume rejected: DIR was written with other settings */
    char output[LNL_PATH_MAX];  /* the folder written */
} lnl_sweep_summary;

/* Loads or generates one data section's data set. A data file that cannot
 * be opened or read is LNL_ERR_CONFIG at the path key's line in the config
 * (spec->path_line, else the section's line), with the path and the reason
 * in the message. Malformed content keeps the
 * reader's LNL_ERR_DATA with the data file and its line. */
lnl_status lnl_data_load(const lnl_config *config, const lnl_data_spec *spec,
                         lnl_dataset **out, lnl_error *err);

/* Seeds stream `purpose` ("data", "split", "noise" or "model") of a cell as
 * documented above. noise and method may be NULL where they do not count. */
void lnl_stream_seed(lnl_rng *rng, const lnl_config *config, const lnl_data_spec *data,
                     const lnl_noise_spec *noise, const lnl_method_spec *method,
                     const char *purpose, int seed_index);

/* Runs the sweep and writes DIR/runs.csv, then the report (lnl_report_write).
 * A run that fails is recorded with its reason and the sweep goes on; the
 * status is LNL_OK unless the sweep itself could not proceed.
 *
 * Every data set is loaded and checked against the noise and method
 * sections before DIR is touched, so an input error leaves no output.
 * When DIR contains an earlier sweep's runs.csv and .lnl-state, its rows
 * are reused. A last line cut off by a crash is dropped, and the cells of
 * rows that cannot be read or match no cell run again. A key that
 * .lnl-state lacks, because an older lnl wrote it, counts as unchanged
 * when config gives the key its default. When the recorded settings
 * differ from config and options->force is false, nothing is written and
 * the status is LNL_ERR_CONFIG at the config line of the first changed
 * section, naming each difference; summary->settings_differ is set. A
 * runs.csv without .lnl-state, such as one written by an older lnl, is
 * replaced. Another process writing DIR is LNL_ERR_IO. After a
 * cancellation the status is LNL_ERR_INTERRUPTED and the summary counts
 * the runs recorded. */
lnl_status lnl_sweep_run(const lnl_config *config, const lnl_sweep_options *options,
                         lnl_sweep_summary *summary, lnl_error *err);

/* Number of cells of a config. */
size_t lnl_sweep_count(const lnl_config *config);

/* Returns the header line of runs.csv, with its line break. */
const char *lnl_sweep_runs_header(void);

/* Returns the plan position of the run that one row of runs.csv records,
 * from its dataset, noise, rate, setting, method and seed fields; row is
 * one line without its line break. Returns lnl_sweep_count(config) when
 * the row has another number of fields than the header or names no cell
 * of config. */
size_t lnl_sweep_row_position(const lnl_config *config, const char *row);

/* Finds the setting of a noise section that lnl_corrupt_write and
 * lnl_cell_labels draw, and writes its index into *index. A setting label
 * (not NULL) names a class_conditional pair, "rho_pos/rho_neg" such as
 * "0.3/0.1", compared as numbers. Otherwise rate does: the first listed
 * rate equal to it, or setting 0 for a rate that a type other than
 * class_conditional does not list (its class names are the same at every
 * rate). Returns LNL_ERR_ARGUMENT, at the section's line of the config,
 * for a label that is not "a/b" or not one of the section's pairs, for a
 * label given with noise of another type, and for a rate that is the mean
 * of two or more pairs. Returns LNL_ERR_CONFIG for a rate that is the mean
 * of no pair. Each message lists the section's settings. */
lnl_status lnl_cell_find_setting(const lnl_config *config, const lnl_noise_spec *noise,
                                 double rate, const char *setting, size_t *index,
                                 lnl_error *err);

/* Writes one data section with its clean and noisy training labels, for the
 * given noise, setting (lnl_cell_find_setting; with a label the rate is
 * the pair's mean) and seed index, as CSV: the features, "split"
 * (train/test), "clean" and "noisy" (test rows keep noisy = clean). */
lnl_status lnl_corrupt_write(const lnl_config *config, const lnl_data_spec *data,
                             const lnl_noise_spec *noise, double rate, const char *setting,
                             int seed_index, const char *path, lnl_error *err);

/* Draws the split and the clean and noisy training labels of one (data,
 * noise, setting, seed index) cell as the sweep does, for the data set
 * that lnl_data_load returned for data. rate and setting choose the
 * setting as in lnl_corrupt_write. On success *train (row indices into
 * the data set), *clean and *noisy are new arrays of *n_train entries and
 * *transition the noise model's K x K matrix T, all freed by the caller
 * with free(); on failure they are NULL. */
lnl_status lnl_cell_labels(const lnl_config *config, const lnl_dataset *dataset,
                           const lnl_data_spec *data, const lnl_noise_spec *noise, double rate,
                           const char *setting, int seed_index, size_t *n_train, size_t **train,
                           int **clean, int **noisy, double **transition, lnl_error *err);

#endif
