/* Runs the lnl program of this build folder (LNL_BUILD_DIR "/lnl") as a
 * child process, for tests of the command line: exit codes, signals and
 * what it prints. Include after cmocka.h; needs _DEFAULT_SOURCE or
 * _POSIX_C_SOURCE >= 200809L. */
#ifndef LNL_TEST_PROCESS_H
#define LNL_TEST_PROCESS_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LNL_PROGRAM LNL_BUILD_DIR "/lnl"

/* Starts `lnl args...` (args ends with NULL) in folder cwd (NULL: the
 * current one) with stdout and stderr written to the given files, which
 * are truncated. Returns the child's pid. */
static inline pid_t lnl_start(const char *const *args, const char *cwd, const char *stdout_path,
                       const char *stderr_path)
{
    const char *argv[64];
    size_t n = 0;
    argv[n++] = LNL_PROGRAM;
    for (size_t i = 0; args[i] != NULL && n + 1 < sizeof argv / sizeof argv[0]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0)
        return pid;

    /* the child: only async-signal-safe calls until exec */
    int out = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
        _exit(126);
    if (cwd != NULL && chdir(cwd) != 0)
        _exit(126);
    execv(LNL_PROGRAM, (char *const *)argv);
    _exit(127);
}

/* The result of a finished child: its exit code, or the signal that
 * killed it. */
typedef struct lnl_exit {
    int code;    /* -1 when killed by a signal */
    int signal;  /* 0 when it exited */
} lnl_exit;

static inline lnl_exit lnl_wait(pid_t pid)
{
    int status = 0;
    pid_t done;
    do {
        done = waitpid(pid, &status, 0);
    } while (done < 0 && errno == EINTR);
    assert_int_equal(done, pid);
    lnl_exit result = {-1, 0};
    if (WIFEXITED(status))
        result.code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.signal = WTERMSIG(status);
    return result;
}

/* Reads a whole file into a new string, or returns NULL when it cannot be
 * opened. */
static inline char *lnl_read_text(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    char *text = NULL;
    size_t size = 0, length = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, file)) > 0) {
        if (length + n + 1 > size) {
            size = 2 * (length + n + 1);
            text = realloc(text, size);
            assert_non_null(text);
        }
        memcpy(text + length, chunk, n);
        length += n;
    }
    fclose(file);
    if (text == NULL) {
        text = calloc(1, 1);
        assert_non_null(text);
    }
    text[length] = '\0';
    return text;
}

/* Runs `lnl args...` to the end. Returns the exit code (or 128 + the
 * signal), with stdout and stderr in new strings when the pointers are not
 * NULL. The output goes through files in scratch_dir. */
static inline int lnl_run(const char *const *args, const char *cwd, const char *scratch_dir,
                   char **stdout_text, char **stderr_text)
{
    char out_path[1024], err_path[1024];
    snprintf(out_path, sizeof out_path, "%s/lnl.stdout", scratch_dir);
    snprintf(err_path, sizeof err_path, "%s/lnl.stderr", scratch_dir);
    lnl_exit result = lnl_wait(lnl_start(args, cwd, out_path, err_path));
    if (stdout_text != NULL)
        *stdout_text = lnl_read_text(out_path);
    if (stderr_text != NULL)
        *stderr_text = lnl_read_text(err_path);
    remove(out_path);
    remove(err_path);
    return result.signal != 0 ? 128 + result.signal : result.code;
}

/* Sleeps for the given number of milliseconds. */
static inline void lnl_sleep_ms(long milliseconds)
{
    struct timespec delay = {milliseconds / 1000, (milliseconds % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0 && errno == EINTR)
        continue;
}

static inline double lnl_seconds_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + 1e-9 * (double)now.tv_nsec;
}

#endif
