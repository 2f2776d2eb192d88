/* Helpers for the tests that compare the runs.csv of two sweeps, which
 * differ only in the fit_seconds column. The helpers fail the running
 * cmocka test on any problem.
 */
#ifndef LNL_TESTS_RUNS_CSV_H
#define LNL_TESTS_RUNS_CSV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Returns a new copy of runs.csv text with the fit_seconds field of every
 * data row emptied. Only the message column is ever quoted, so commas
 * inside quotes are skipped. */
static inline char *runs_text_without_timing(const char *csv)
{
    const char *header_end = strchr(csv, '\n');
    assert_non_null(header_end);
    const char *name = strstr(csv, "fit_seconds");
    assert_true(name != NULL && name < header_end);
    size_t timing = 0;
    for (const char *p = csv; p < name; p++)
        timing += *p == ',';

    char *out = malloc(strlen(csv) + 1);
    assert_non_null(out);
    char *write = out;
    size_t column = 0;
    bool quoted = false, header = true;
    for (const char *p = csv; *p != '\0'; p++) {
        if (*p == '"')
            quoted = !quoted;
        if (!quoted && *p == '\n') {
            column = 0;
            header = false;
        } else if (!quoted && *p == ',') {
            column++;
        } else if (!header && column == timing) {
            continue;
        }
        *write++ = *p;
    }
    *write = '\0';
    return out;
}

#endif
