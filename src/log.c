#include "lnl/log.h"

#include <stdarg.h>
#include <stdio.h>

static lnl_log_sink current_sink = NULL;
static void *current_context = NULL;
static lnl_log_level current_level = LNL_LOG_INFO;

void lnl_log_set_sink(lnl_log_sink sink, void *context, lnl_log_level max_level)
{
    current_sink = sink;
    current_context = context;
    current_level = max_level;
}

int lnl_log_enabled(lnl_log_level level)
{
    return current_sink != NULL && level <= current_level;
}

void lnl_log(lnl_log_level level, const char *format, ...)
{
    if (!lnl_log_enabled(level))
        return;

    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    current_sink(current_context, level, message);
}
