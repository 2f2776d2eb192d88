/* Helpers for the tests of the data set readers: a fresh mkdtemp folder per
 * test, input files written into it, and checks of what a reader returned.
 *
 * Define TEST_FILES_DIR_PREFIX (such as "lnl_test_csv") before including
 * this header to name the folders after the test program. The helpers fail
 * the running cmocka test on any problem.
 */
#ifndef LNL_TESTS_TEST_FILES_H
#define LNL_TESTS_TEST_FILES_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lnl/dataset.h"

#ifndef TEST_FILES_DIR_PREFIX
#define TEST_FILES_DIR_PREFIX "lnl_test"
#endif

#define DATA_DIR LNL_SOURCE_DIR "/experiments/data/"

enum { PATH_SIZE = 4096 };

typedef struct temp_dir {
    char path[PATH_SIZE];
    char file[PATH_SIZE];  /* the last path built by temp_path */
} temp_dir;

static inline int create_temp_dir(void **state)
{
    temp_dir *dir = calloc(1, sizeof *dir);
    if (dir == NULL)
        return -1;
    const char *base = getenv("TMPDIR");
    snprintf(dir->path, sizeof dir->path, "%s/" TEST_FILES_DIR_PREFIX "_XXXXXX",
             base != NULL && base[0] != '\0' ? base : "/tmp");
    if (mkdtemp(dir->path) == NULL) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

/* Removes the folder and what the tests left in it (files and empty folders). */
static inline int remove_temp_dir(void **state)
{
    temp_dir *dir = *state;
    DIR *listing = opendir(dir->path);
    if (listing != NULL) {
        struct dirent *entry;
        while ((entry = readdir(listing)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            char path[PATH_SIZE * 2];
            snprintf(path, sizeof path, "%s/%s", dir->path, entry->d_name);
            if (unlink(path) != 0)
                rmdir(path);
        }
        closedir(listing);
    }
    int removed = rmdir(dir->path);
    free(dir);
    return removed;
}

#define TEMP_TEST(name) cmocka_unit_test_setup_teardown(name, create_temp_dir, remove_temp_dir)

static inline const char *temp_path(temp_dir *dir, const char *name)
{
    int length = snprintf(dir->file, sizeof dir->file, "%s/%s", dir->path, name);
    assert_true(length > 0 && (size_t)length < sizeof dir->file);
    return dir->file;
}

/* Writes length bytes of content to name in the folder and returns the path. */
static inline const char *write_bytes(temp_dir *dir, const char *name, const char *content,
                                      size_t length)
{
    const char *path = temp_path(dir, name);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(content, 1, length, file), length);
    assert_int_equal(fclose(file), 0);
    return path;
}

static inline const char *write_text(temp_dir *dir, const char *name, const char *content)
{
    return write_bytes(dir, name, content, strlen(content));
}

/* Checks a double bit for bit, showing both values on failure. */
static inline void check_double(double actual, double expected, const char *description)
{
    if (memcmp(&actual, &expected, sizeof actual) != 0)
        fail_msg("%s is %.17g, expected %.17g", description, actual, expected);
}

/* Checks the outputs of a reader call on path that must succeed. */
static inline void check_read_succeeded(const char *path, lnl_status status,
                                        const lnl_error *err, const lnl_dataset *data)
{
    if (status != LNL_OK)
        fail_msg("reading %s failed: line %ld: %s", path, err->line, err->message);
    assert_int_equal(err->status, LNL_OK);
    assert_non_null(data);
}

/* Checks the outputs of a reader call on path that must fail: the status
 * (actual against expected), data reset to NULL, the file and line in err
 * and that the message contains every word in words (NULL-terminated). */
static inline void check_read_failed(const char *path, lnl_status actual, const lnl_error *err,
                                     const lnl_dataset *data, lnl_status expected, long line,
                                     const char *const *words)
{
    if (actual != expected)
        fail_msg("%s: status %s, expected %s (message: %s)", path, lnl_status_name(actual),
                 lnl_status_name(expected), err->message);
    assert_null(data);
    assert_int_equal(err->status, expected);
    assert_string_equal(err->file, path);
    if (err->line != line)
        fail_msg("%s: error on line %ld, expected line %ld (message: %s)", path, err->line, line,
                 err->message);
    for (size_t i = 0; words[i] != NULL; i++) {
        if (strstr(err->message, words[i]) == NULL)
            fail_msg("%s: message \"%s\" lacks \"%s\"", path, err->message, words[i]);
    }
}

/* A NULL-terminated list of the words an error message must contain. */
#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

#endif
