/* File helpers shared by lnl_sweep_run and lnl_merge, private to the
 * library: they create and lock an output folder and write its files so
 * that a reader never sees a half-written one. Each returns LNL_OK or an
 * error code with err filled in.
 */
#ifndef LNL_OUTPUT_DIR_H
#define LNL_OUTPUT_DIR_H

#include <stddef.h>

#include "lnl/error.h"

/* Returns LNL_ERR_ARGUMENT, naming dir, when dir exists and is not a
 * folder, and LNL_OK when it is a folder or does not exist. */
lnl_status lnl_output_dir_check(const char *dir, lnl_error *err);

/* Creates dir and its parents, like mkdir -p. An empty dir, or one that
 * exists and is not a folder, is LNL_ERR_ARGUMENT. */
lnl_status lnl_output_dir_create(const char *dir, lnl_error *err);

/* Takes an exclusive, non-blocking flock on the folder itself, so no file
 * is created. On success *fd is the open folder and the lock ends when *fd
 * is closed or the process ends. On failure *fd is -1. When another
 * process has locked the folder, the error asks the user to wait for it or
 * to choose another folder. */
lnl_status lnl_output_dir_lock(const char *dir, int *fd, lnl_error *err);

/* Writes the parts, in order, to "<path>.tmp", flushes them to the disk and
 * renames the file to path. NULL parts are skipped. On failure the
 * temporary file is removed and path is left as it was. */
lnl_status lnl_output_file_write(const char *path, const char *const *parts, size_t n_parts,
                                 lnl_error *err);

/* Reads a whole file into a new string that the caller frees, and stores
 * its length in bytes, without the added terminating NUL, in *length. A
 * file may contain NUL bytes, so strlen(*text) can be less than *length.
 * A missing file gives *text = NULL, *length = 0 and LNL_OK. */
lnl_status lnl_output_file_read(const char *path, char **text, size_t *length,
                                lnl_error *err);

#endif
