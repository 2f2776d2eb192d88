/* Reports: accuracy tables rebuilt from DIR/runs.csv alone, so merged,
 * resumed or sharded results render the same way.
 */
#ifndef LNL_REPORT_H
#define LNL_REPORT_H

#include <stddef.h>

#include "lnl/error.h"

/* Reads DIR/runs.csv and writes, per data set and noise section,
 * DIR/tables/<data>_<noise>.md and .csv (methods as rows, rates as columns,
 * test accuracy mean +- sample standard deviation over the seeds that
 * succeeded), and DIR/summary.md with every Markdown table. Each file is
 * written to a temporary name and renamed into place. */
lnl_status lnl_report_write(const char *dir, lnl_error *err);

#endif
