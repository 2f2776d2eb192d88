/* Status codes and the error record filled by every fallible lnl call.
 *
 * The library never prints and never exits. A failing call returns a
 * status other than LNL_OK and, when the caller passed an lnl_error, fills
 * it with a message and, for config and data errors, the file and the line
 * (or row) where the problem is. The CLI prints "file:line: message".
 */
#ifndef LNL_ERROR_H
#define LNL_ERROR_H

#include <stddef.h>

typedef enum lnl_status {
    LNL_OK = 0,
    LNL_ERR_NOMEM,     /* an allocation failed */
    LNL_ERR_IO,        /* a file could not be opened, read or written */
    LNL_ERR_DATA,      /* a data file is malformed */
    LNL_ERR_CONFIG,    /* a config file is malformed or invalid */
    LNL_ERR_ARGUMENT,  /* a caller passed an invalid argument */
    LNL_ERR_NUMERIC,   /* a computation produced NaN/Inf or a singular matrix */
    LNL_ERR_INTERRUPTED
} lnl_status;

enum { LNL_ERROR_MESSAGE_MAX = 1024, LNL_ERROR_FILE_MAX = 1024 };

typedef struct lnl_error {
    lnl_status status;
    char file[LNL_ERROR_FILE_MAX];        /* "" when no file is involved */
    long line;                            /* 1-based line or row, 0 when unknown */
    char message[LNL_ERROR_MESSAGE_MAX];  /* one sentence, no trailing newline */
} lnl_error;

/* Resets err to LNL_OK with an empty message. err may be NULL. */
void lnl_error_clear(lnl_error *err);

/* Fills err (which may be NULL) and returns status, so that a failing
 * function can end with `return lnl_error_set(err, ...)`. file may be NULL. */
lnl_status lnl_error_set(lnl_error *err, lnl_status status, const char *file,
                         long line, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Short lowercase name of a status, such as "config error". */
const char *lnl_status_name(lnl_status status);

/* Writes "file:line: message" (or the parts that are set) into out. */
void lnl_error_format(const lnl_error *err, char *out, size_t out_size);

#endif
