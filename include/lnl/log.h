/* One logging function with levels and a replaceable sink.
 *
 * The library logs progress and diagnostics through lnl_log; by default
 * nothing is written anywhere. The CLI installs a sink that writes to
 * stderr. The sink may be called from several threads at once.
 */
#ifndef LNL_LOG_H
#define LNL_LOG_H

typedef enum lnl_log_level {
    LNL_LOG_ERROR = 0,
    LNL_LOG_WARNING = 1,
    LNL_LOG_INFO = 2,
    LNL_LOG_DEBUG = 3
} lnl_log_level;

typedef void (*lnl_log_sink)(void *context, lnl_log_level level, const char *message);

/* Installs a sink (NULL = discard) and the most verbose level it receives. */
void lnl_log_set_sink(lnl_log_sink sink, void *context, lnl_log_level max_level);

/* Returns 1 when messages of this level reach the sink. */
int lnl_log_enabled(lnl_log_level level);

void lnl_log(lnl_log_level level, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
