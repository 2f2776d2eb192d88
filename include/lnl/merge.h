/* Merging: joins the output folders of the shards of one sweep
 * (lnl_sweep_options.shard_index of shard_count, `lnl run --shard I/N`)
 * into the folder that one process running every cell writes.
 *
 * The merged folder OUT gets:
 *  - OUT/runs.csv: the header, then every recorded row in plan order. A
 *    row is copied as its shard wrote it, so the file equals the runs.csv
 *    of a one-process sweep except for the fit_seconds column;
 *  - OUT/.lnl-state: the shards' recorded settings, so that `lnl run
 *    CONFIG --out OUT` resumes from OUT and runs only the missing cells;
 *  - OUT/manifest.json (lnl/manifest.h), whose command line and times are
 *    those of the merge;
 *  - OUT/tables, OUT/figures (unless skip_figures) and OUT/summary.md from
 *    lnl_report_write.
 * Every file is written to "<name>.tmp" and renamed into place, under an
 * flock on OUT as lnl_sweep_run takes it.
 */
#ifndef LNL_MERGE_H
#define LNL_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "lnl/config.h"
#include "lnl/error.h"

typedef struct lnl_merge_options {
    /* Accept a plan with cells that no part recorded, such as the folders
     * of unfinished shards. Without it a missing cell is an error. */
    bool partial;
    /* Whether to skip the figures of the merged folder, which then has
     * the tables and summary.md only. */
    bool skip_figures;
} lnl_merge_options;

typedef struct lnl_merge_summary {
    size_t n_runs;           /* cells in the plan */
    size_t n_recorded;       /* rows in the merged runs.csv */
    size_t n_failed;         /* among the recorded rows */
    size_t n_not_converged;  /* among the recorded rows */
} lnl_merge_summary;

/* One folder's part of a merge, as text. */
typedef struct lnl_merge_part {
    const char *name;        /* the folder, for messages */
    const char *state_text;  /* its .lnl-state */
    const char *runs_text;   /* its runs.csv */
} lnl_merge_part;

/* Merges parts[0..n_parts) of a sweep of config into the folder output
 * (see above). config_text is recorded in the manifest as the config's
 * text; NULL reads config->path.
 *
 * Errors, each naming the part's folder: LNL_ERR_CONFIG when a part's
 * recorded settings differ from those of parts[0] (the message gives the
 * first differing line); LNL_ERR_DATA when its runs.csv has other columns
 * than this version of lnl writes, or a row that names no cell of config;
 * LNL_ERR_ARGUMENT when two parts record the same cell (overlapping
 * shards), when output is one of the parts' folders or contains the
 * .lnl-state of other settings (naming output), and, unless
 * options->partial, when a cell of the plan is missing (the message names
 * the first one and the count). A last row without its line break, as a
 * crash leaves it, is skipped: its cell counts as missing. LNL_ERR_IO when
 * output cannot be written or another process writes it. Nothing is
 * written unless the parts pass every check. */
lnl_status lnl_merge_runs(const lnl_config *config, const char *output,
                          const lnl_merge_part *parts, size_t n_parts,
                          const char *config_text, const lnl_merge_options *options,
                          lnl_merge_summary *summary, lnl_error *err);

/* Reads DIR/.lnl-state and DIR/runs.csv of each of dirs[0..n_dirs) and
 * merges them into output with lnl_merge_runs. The config is parsed from
 * the "config_text" recorded in the folders' manifest.json, which every
 * folder that has one must record identically (LNL_ERR_CONFIG naming the
 * folder otherwise); a folder of a shard that crashed before writing its
 * manifest may lack one. LNL_ERR_ARGUMENT names a folder without
 * .lnl-state or runs.csv, and is returned when no folder has a manifest. */
lnl_status lnl_merge_folders(const char *output, const char *const *dirs, size_t n_dirs,
                             const lnl_merge_options *options, lnl_merge_summary *summary,
                             lnl_error *err);

#endif
