/* Provenance: DIR/manifest.json records how the results in DIR were made.
 *
 * The manifest is one JSON object with these members:
 *   "format": "lnl-manifest-1",
 *   "lnl_version", "git_commit": from lnl_version.h at build time
 *                 (NOTE: meson sets the commit when it configures the
 *                 build folder, so later commits and uncommitted edits
 *                 are not reflected until the folder is reconfigured),
 *   "command_line": the argv array given to lnl_manifest_set_invocation,
 *                   or null when it was not called,
 *   "working_directory": the current folder when the manifest is written,
 *   "start_time": when lnl_manifest_set_invocation was called, or null,
 *   "end_time": when the manifest is written (the runs are finished then),
 *               both as UTC "YYYY-MM-DDThh:mm:ssZ",
 *   "blas": {"library": openblas_get_config(),
 *            "threads": openblas_get_num_threads()} at write time; the
 *           sweep sets 1 thread per run,
 *   "experiment", "config_path", "output": the config's name, file and
 *           the folder written,
 *   "base_seed", "seeds": the seeds, as JSON integers,
 *   "baseline": the method the report compares against,
 *   "config_text": the text of the config file, or null with
 *                  "config_error" when it cannot be read.
 * Strings are UTF-8; invalid bytes are written as U+FFFD.
 */
#ifndef LNL_MANIFEST_H
#define LNL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lnl/config.h"
#include "lnl/error.h"

/* Records a copy of the command line and the current time as the start
 * of the experiment, for every later lnl_manifest_write. The CLI calls it
 * once at start-up; a later call replaces both. When memory runs out the
 * command line is written as null. Not thread-safe. */
void lnl_manifest_set_invocation(int argc, char *const *argv);

/* Writes DIR/manifest.json for config (see above) through a temporary file
 * renamed into place. Returns LNL_ERR_IO when the file cannot be written.
 * NOTE: the config text is read from config->path when the manifest is
 * written, after the runs, so an edit of that file during the sweep would
 * be recorded instead of the text that was run. */
lnl_status lnl_manifest_write(const char *dir, const lnl_config *config, lnl_error *err);

/* Same, with config_text recorded as the config's text instead of the
 * content of config->path; NULL reads the file as lnl_manifest_write does.
 * lnl merge uses it, because the config file of the shards may not exist
 * where the folders are merged. */
lnl_status lnl_manifest_write_text(const char *dir, const lnl_config *config,
                                   const char *config_text, lnl_error *err);

/* Reads the top-level string member `key` of DIR/manifest.json into out
 * (at most size - 1 bytes, NUL-terminated, \uXXXX escapes decoded to
 * UTF-8). *found is false, with LNL_OK, when the file does not exist or
 * the member is missing or not a string. Returns LNL_ERR_DATA with the
 * file when it is not a JSON object or the value does not fit in out, and
 * LNL_ERR_IO when it cannot be read. */
lnl_status lnl_manifest_read_string(const char *dir, const char *key, char *out, size_t size,
                                    bool *found, lnl_error *err);

/* Writes text as a JSON string with quotes: ", \ and control characters
 * escaped, invalid UTF-8 bytes replaced by \ufffd. NULL is written as null.
 * Shared by the manifest and the report's JSON tables. */
void lnl_json_write_string(FILE *file, const char *text);

/* Writes a number as JSON with %.17g, or null when it is NaN or infinite
 * (JSON has no such values). */
void lnl_json_write_number(FILE *file, double value);

#endif
