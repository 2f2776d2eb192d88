/* Software prefetch of one matrix row, for loops that visit rows in an
 * order the hardware prefetcher cannot predict (a shuffled training split). */
#ifndef LNL_PREFETCH_H
#define LNL_PREFETCH_H

#include <stddef.h>

/* How many rows ahead of its current row a loop prefetches. On the
 * machine of bench/REPORT.md, 4 rows cut one K = 2 evaluation over 100000
 * shuffled rows of 100 doubles from 21 to 12 ms, and 2 or 8 rows did about
 * as well. */
enum { LNL_PREFETCH_ROWS = 4 };

/* Requests the cache lines of one row of d doubles, assuming 64-byte lines.
 * Does nothing on compilers without __builtin_prefetch. */
static inline void lnl_prefetch_row(const double *row, size_t d)
{
#if defined(__GNUC__)
    const char *bytes = (const char *)row;
    for (size_t offset = 0; offset < d * sizeof(double); offset += 64)
        __builtin_prefetch(bytes + offset);
#else
    (void)row;
    (void)d;
#endif
}

#endif
