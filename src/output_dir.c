/* flock(2) is a BSD call that glibc declares under _DEFAULT_SOURCE. */
#define _DEFAULT_SOURCE

#include "output_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnl/config.h"

lnl_status lnl_output_dir_check(const char *dir, lnl_error *err)
{
    struct stat info;
    if (stat(dir, &info) == 0 && !S_ISDIR(info.st_mode))
        return lnl_error_set(err, LNL_ERR_ARGUMENT, dir, 0,
                             "the output path exists and is not a folder; choose a folder");
    return LNL_OK;
}

lnl_status lnl_output_dir_create(const char *dir, lnl_error *err)
{
    if (dir[0] == '\0')
        return lnl_error_set(err, LNL_ERR_ARGUMENT, NULL, 0,
                             "the output folder is an empty path; give a folder name");
    char path[LNL_PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot create folder: %s",
                                 strerror(errno));
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot create folder: %s",
                             strerror(errno));
    return lnl_output_dir_check(path, err);
}

lnl_status lnl_output_dir_lock(const char *dir, int *fd, lnl_error *err)
{
    *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0)
        return lnl_error_set(err, LNL_ERR_IO, dir, 0, "cannot open the output folder: %s",
                             strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
        return LNL_OK;

    int saved_errno = errno;
    close(*fd);
    *fd = -1;
    if (saved_errno == EWOULDBLOCK)
        return lnl_error_set(err, LNL_ERR_IO, dir, 0,
                             "another lnl process is writing to this output folder; wait for "
                             "it to finish or choose another folder");
    return lnl_error_set(err, LNL_ERR_IO, dir, 0, "cannot lock the output folder: %s",
                         strerror(saved_errno));
}

lnl_status lnl_output_file_write(const char *path, const char *const *parts, size_t n_parts,
                                 lnl_error *err)
{
    char temp_path[LNL_PATH_MAX + 80];
    snprintf(temp_path, sizeof temp_path, "%s.tmp", path);
    FILE *file = fopen(temp_path, "w");
    if (file == NULL)
        return lnl_error_set(err, LNL_ERR_IO, temp_path, 0, "cannot write: %s", strerror(errno));

    for (size_t i = 0; i < n_parts; i++)
        if (parts[i] != NULL)
            fputs(parts[i], file);

    /* errno is cleared first so that a failure which sets none is reported
     * with fclose's error, or as EIO, and not with a stale one */
    errno = 0;
    bool failed = fflush(file) != 0 || ferror(file) != 0 || fsync(fileno(file)) != 0;
    int saved_errno = errno;
    failed |= fclose(file) != 0;
    if (saved_errno == 0)
        saved_errno = errno != 0 ? errno : EIO;
    if (failed) {
        remove(temp_path);
        return lnl_error_set(err, LNL_ERR_IO, temp_path, 0, "writing failed: %s",
                             strerror(saved_errno));
    }

    if (rename(temp_path, path) != 0) {
        saved_errno = errno;
        remove(temp_path);
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot rename %s into place: %s",
                             temp_path, strerror(saved_errno));
    }
    return LNL_OK;
}

lnl_status lnl_output_file_read(const char *path, char **text, size_t *length,
                                lnl_error *err)
{
    *text = NULL;
    *length = 0;
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        if (errno == ENOENT)
            return LNL_OK;
        return lnl_error_set(err, LNL_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    }

    char *buffer = NULL;
    size_t used = 0, capacity = 0, n;
    char chunk[65536];
    lnl_status status = LNL_OK;
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0) {
        if (used + n + 1 > capacity) {
            size_t grown = 2 * (used + n + 1);
            char *bigger = realloc(buffer, grown);
            if (bigger == NULL) {
                status = lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");
                break;
            }
            buffer = bigger;
            capacity = grown;
        }
        memcpy(buffer + used, chunk, n);
        used += n;
    }
    if (status == LNL_OK && ferror(file))
        status = lnl_error_set(err, LNL_ERR_IO, path, 0, "reading failed");
    fclose(file);

    if (status == LNL_OK && buffer == NULL && (buffer = malloc(1)) == NULL)
        status = lnl_error_set(err, LNL_ERR_NOMEM, path, 0, "out of memory");
    if (status != LNL_OK) {
        free(buffer);
        return status;
    }
    buffer[used] = '\0';
    *text = buffer;
    *length = used;
    return LNL_OK;
}
