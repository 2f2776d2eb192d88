#include "lnl/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lnl_error_clear(lnl_error *err)
{
    if (err == NULL)
        return;
    err->status = LNL_OK;
    err->file[0] = '\0';
    err->line = 0;
    err->message[0] = '\0';
}

lnl_status lnl_error_set(lnl_error *err, lnl_status status, const char *file,
                         long line, const char *format, ...)
{
    if (err == NULL)
        return status;

    err->status = status;
    err->line = line;
    snprintf(err->file, sizeof err->file, "%s", file != NULL ? file : "");

    va_list args;
    va_start(args, format);
    vsnprintf(err->message, sizeof err->message, format, args);
    va_end(args);
    return status;
}

const char *lnl_status_name(lnl_status status)
{
    switch (status) {
    case LNL_OK: return "ok";
    case LNL_ERR_NOMEM: return "out of memory";
    case LNL_ERR_IO: return "i/o error";
    case LNL_ERR_DATA: return "data error";
    case LNL_ERR_CONFIG: return "config error";
    case LNL_ERR_ARGUMENT: return "invalid argument";
    case LNL_ERR_NUMERIC: return "numerical error";
    case LNL_ERR_INTERRUPTED: return "interrupted";
    }
    return "unknown error";
}

void lnl_error_format(const lnl_error *err, char *out, size_t out_size)
{
    if (out_size == 0)
        return;
    if (err->file[0] != '\0' && err->line > 0)
        snprintf(out, out_size, "%s:%ld: %s", err->file, err->line, err->message);
    else if (err->file[0] != '\0')
        snprintf(out, out_size, "%s: %s", err->file, err->message);
    else
        snprintf(out, out_size, "%s", err->message);
}
