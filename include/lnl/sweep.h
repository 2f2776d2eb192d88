/* The sweep: every data x noise x rate x method x seed cell of a config,
 * run on a pool of threads, one result row per run in DIR/runs.csv.
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
 */
#ifndef LNL_SWEEP_H
#define LNL_SWEEP_H

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
    const char *noise_type;      /* "symmetric", "pair", "matrix" */
    double rate;
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
    bool ok;                     /* false: the run failed, message says why */
    char message[LNL_ERROR_MESSAGE_MAX];
    size_t n_classes;
    size_t *confusion;           /* K x K realised clean-vs-noisy counts */
} lnl_run_result;

typedef void (*lnl_sweep_progress_fn)(void *context, size_t done, size_t total,
                                      const lnl_run_result *result);

typedef struct lnl_sweep_options {
    const char *output;    /* overrides the config's output folder when not NULL */
    int jobs;              /* worker threads; <= 0 = the number of online cores */
    lnl_sweep_progress_fn progress;
    void *progress_context;
} lnl_sweep_options;

typedef struct lnl_sweep_summary {
    size_t n_runs;
    size_t n_failed;
    size_t n_not_converged;
    char output[LNL_PATH_MAX];  /* the folder written */
} lnl_sweep_summary;

/* Loads or generates one data section's data set. */
lnl_status lnl_data_load(const lnl_config *config, const lnl_data_spec *spec,
                         lnl_dataset **out, lnl_error *err);

/* Seeds stream `purpose` ("data", "split", "noise" or "model") of a cell as
 * documented above. noise and method may be NULL where they do not count. */
void lnl_stream_seed(lnl_rng *rng, const lnl_config *config, const lnl_data_spec *data,
                     const lnl_noise_spec *noise, const lnl_method_spec *method,
                     const char *purpose, int seed_index);

/* Runs the sweep and writes DIR/runs.csv, then the report (lnl_report_write).
 * A run that fails is recorded with its reason and the sweep goes on; the
 * status is LNL_OK unless the sweep itself could not proceed. */
lnl_status lnl_sweep_run(const lnl_config *config, const lnl_sweep_options *options,
                         lnl_sweep_summary *summary, lnl_error *err);

/* Number of cells of a config. */
size_t lnl_sweep_count(const lnl_config *config);

/* Writes one data section with its clean and noisy training labels, for the
 * given noise, rate and seed index, as CSV: the features, "split"
 * (train/test), "clean" and "noisy" (test rows keep noisy = clean). */
lnl_status lnl_corrupt_write(const lnl_config *config, const lnl_data_spec *data,
                             const lnl_noise_spec *noise, double rate, int seed_index,
                             const char *path, lnl_error *err);

/* Draws the split and the clean and noisy training labels of one (data,
 * noise, rate, seed index) cell as the sweep does, for the data set that
 * lnl_data_load returned for data. On success *train (row indices into
 * the data set), *clean and *noisy are new arrays of *n_train entries that
 * the caller frees with free(); on failure they are NULL. */
lnl_status lnl_cell_labels(const lnl_config *config, const lnl_dataset *dataset,
                           const lnl_data_spec *data, const lnl_noise_spec *noise, double rate,
                           int seed_index, size_t *n_train, size_t **train, int **clean,
                           int **noisy, lnl_error *err);

#endif
