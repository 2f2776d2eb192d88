/* `lnl run` interrupted by SIGINT, SIGTERM and SIGKILL, then run again:
 * the resumed folder must equal the one of an uninterrupted run. Also the
 * immediate exit on a second signal, a changed config rejected and forced,
 * and the same runs.csv for every --jobs value. */
#define _DEFAULT_SOURCE  /* before the first system header, for lnl_process.h */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lnl_process.h"
#include "runs_csv.h"

/* 2 data x 2 noise x 5 rates x 2 methods x 3 seeds = 120 runs, about 2 s
 * in all with --jobs 2 on the 2-core machine where the test was written,
 * so that a signal sent after the third row arrives long before the end. */
static const char sweep_config[] =
    "[experiment]\n"
    "seeds = 3\n"
    "base_seed = 11\n"
    "\n"
    "[data blobs]\n"
    "source = make_classification\n"
    "n_samples = 3000\n"
    "n_features = 30\n"
    "n_informative = 8\n"
    "n_classes = 4\n"
    "\n"
    "[data pairs]\n"
    "source = make_classification\n"
    "n_samples = 2000\n"
    "n_features = 20\n"
    "\n"
    "[noise sym]\n"
    "type = symmetric\n"
    "rates = 0.0:0.4:0.1\n"
    "\n"
    "[noise pair]\n"
    "type = pair\n"
    "rates = 0.0:0.4:0.1\n"
    "\n"
    "[method ce]\n"
    "loss = ce\n"
    "tol = 1e-10\n"
    "\n"
    "[method strong]\n"
    "loss = ce\n"
    "C = 0.01\n"
    "tol = 1e-10\n";

enum { SWEEP_RUNS = 120 };

/* Files shared by the tests: the config and an uninterrupted run of it. */
typedef struct fixture {
    char dir[64];
    char config[256];
    char reference[256];
    char *reference_rows;  /* reference runs.csv without timing */
} fixture;

/* ---- helpers ---------------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    assert_int_equal(fclose(file), 0);
}

static bool exists(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0;
}

static void remove_folder(const char *path)
{
    char command[1200];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    assert_int_equal(system(command), 0);
}

static void join(char *out, size_t size, const char *dir, const char *name)
{
    int length = snprintf(out, size, "%s/%s", dir, name);
    assert_true(length > 0 && (size_t)length < size);
}

static size_t count_lines(const char *text)
{
    size_t lines = 0;
    for (const char *p = text; *p != '\0'; p++)
        lines += *p == '\n';
    return lines;
}

/* runs.csv of folder without timing, or NULL when it does not exist. */
static char *rows_of(const char *folder)
{
    char path[512];
    join(path, sizeof path, folder, "runs.csv");
    char *text = lnl_read_text(path);
    if (text == NULL)
        return NULL;
    char *rows = runs_text_without_timing(text);
    free(text);
    return rows;
}

/* Asserts that every complete line of rows is a line of reference and,
 * when in_order is true, that they come in the reference's order. */
static void assert_rows_of_reference(const char *rows, const char *reference, bool in_order)
{
    size_t previous = 0;
    const char *line = rows;
    for (const char *end; (end = strchr(line, '\n')) != NULL; line = end + 1) {
        size_t length = (size_t)(end - line) + 1;
        size_t position = 0;
        bool found = false;
        for (const char *r = reference; *r != '\0' && !found; position++) {
            const char *r_end = strchr(r, '\n');
            found = (size_t)(r_end - r) + 1 == length && memcmp(r, line, length) == 0;
            r = r_end + 1;
        }
        if (!found)
            fail_msg("row not in the uninterrupted runs.csv: %.*s", (int)length, line);
        if (in_order && position < previous)
            fail_msg("row out of plan order: %.*s", (int)length, line);
        previous = position;
    }
}

/* Asserts that folder/tables has the same files as the reference's. */
static void assert_same_tables(const char *folder, const char *reference)
{
    char path[512];
    join(path, sizeof path, reference, "tables");
    DIR *tables = opendir(path);
    assert_non_null(tables);
    size_t compared = 0;
    struct dirent *entry;
    while ((entry = readdir(tables)) != NULL) {
        if (entry->d_name[0] == '.')
            continue;
        char name[300], a[600], b[600];
        join(name, sizeof name, "tables", entry->d_name);
        join(a, sizeof a, reference, name);
        join(b, sizeof b, folder, name);
        char *expected = lnl_read_text(a);
        char *actual = lnl_read_text(b);
        if (actual == NULL)
            fail_msg("%s is missing", b);
        assert_string_equal(actual, expected);
        free(expected);
        free(actual);
        compared++;
    }
    closedir(tables);
    assert_true(compared >= 4);
}

/* Waits until folder/runs.csv has at least `rows` data rows. Fails after
 * timeout seconds or when the child has ended. */
static void wait_for_rows(const char *folder, size_t rows, pid_t pid, double timeout)
{
    char path[512];
    join(path, sizeof path, folder, "runs.csv");
    double start = lnl_seconds_now();
    for (;;) {
        char *text = lnl_read_text(path);
        size_t lines = text != NULL ? count_lines(text) : 0;
        free(text);
        if (lines >= rows + 1)
            return;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            fail_msg("lnl ended before writing %zu rows", rows);
        if (lnl_seconds_now() - start > timeout)
            fail_msg("no %zu rows in %s after %.0f s", rows, path, timeout);
        lnl_sleep_ms(5);
    }
}

static int group_setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/lnl-test-resume-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    join(f->config, sizeof f->config, f->dir, "sweep.ini");
    join(f->reference, sizeof f->reference, f->dir, "reference");
    write_text(f->config, sweep_config);

    const char *args[] = {"run", f->config, "--out", f->reference, "--jobs", "2", NULL};
    char *err = NULL;
    int code = lnl_run(args, NULL, f->dir, NULL, &err);
    if (code != 0)
        fail_msg("uninterrupted run failed with %d: %s", code, err);
    free(err);
    f->reference_rows = rows_of(f->reference);
    assert_int_equal(count_lines(f->reference_rows), SWEEP_RUNS + 1);
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    fixture *f = *state;
    if (f == NULL)
        return 0;  /* the setup failed */
    remove_folder(f->dir);
    free(f->reference_rows);
    free(f);
    return 0;
}

/* ---- interrupt and resume -------------------------------------------------- */

/* Starts the sweep into a new folder, sends signal_number once three rows
 * are in runs.csv, checks how lnl ended and what it left, then resumes and
 * compares the folder with the uninterrupted one. */
static void interrupt_then_resume(const fixture *f, int signal_number, const char *name)
{
    char folder[512], out_path[512], err_path[512];
    join(folder, sizeof folder, f->dir, name);
    join(out_path, sizeof out_path, f->dir, "interrupted.stdout");
    join(err_path, sizeof err_path, f->dir, "interrupted.stderr");
    const char *args[] = {"run", f->config, "--out", folder, "--jobs", "2", NULL};

    pid_t pid = lnl_start(args, NULL, out_path, err_path);
    wait_for_rows(folder, 3, pid, 120);
    assert_int_equal(kill(pid, signal_number), 0);
    lnl_exit ended = lnl_wait(pid);
    char *err = lnl_read_text(err_path);

    char *rows = rows_of(folder);
    size_t recorded = count_lines(rows) - 1;
    assert_true(recorded >= 3);
    assert_true(recorded < SWEEP_RUNS);
    /* after SIGKILL the rows are in the order the runs finished */
    assert_rows_of_reference(rows, f->reference_rows, signal_number != SIGKILL);

    char summary[600], state[600];
    join(summary, sizeof summary, folder, "summary.md");
    join(state, sizeof state, folder, ".lnl-state");
    assert_true(exists(state));
    if (signal_number == SIGKILL) {
        assert_int_equal(ended.signal, SIGKILL);
    } else {
        assert_int_equal(ended.signal, 0);
        assert_int_equal(ended.code, 128 + signal_number);
        char expected[256];
        snprintf(expected, sizeof expected, "lnl: interrupted by %s: %zu of %d runs recorded",
                 signal_number == SIGINT ? "SIGINT" : "SIGTERM", recorded, SWEEP_RUNS);
        if (strstr(err, expected) == NULL)
            fail_msg("stderr lacks \"%s\":\n%s", expected, err);
        /* the tables of the runs done are written */
        assert_true(exists(summary));
    }

    /* resume */
    char *resume_err = NULL;
    int code = lnl_run(args, NULL, f->dir, NULL, &resume_err);
    if (code != 0)
        fail_msg("resumed run failed with %d: %s", code, resume_err);
    char expected[64];
    snprintf(expected, sizeof expected, "%d runs (%zu resumed)", SWEEP_RUNS, recorded);
    if (strstr(resume_err, expected) == NULL)
        fail_msg("stderr lacks \"%s\":\n%s", expected, resume_err);

    char *resumed = rows_of(folder);
    assert_string_equal(resumed, f->reference_rows);
    assert_same_tables(folder, f->reference);
    char *state_text = lnl_read_text(state);
    char reference_state[600];
    join(reference_state, sizeof reference_state, f->reference, ".lnl-state");
    char *expected_state = lnl_read_text(reference_state);
    assert_string_equal(state_text, expected_state);

    free(err);
    free(rows);
    free(resume_err);
    free(resumed);
    free(state_text);
    free(expected_state);
    remove_folder(folder);
}

static void resume_after_sigint(void **state)
{
    interrupt_then_resume(*state, SIGINT, "sigint");
}

static void resume_after_sigterm(void **state)
{
    interrupt_then_resume(*state, SIGTERM, "sigterm");
}

static void resume_after_sigkill(void **state)
{
    interrupt_then_resume(*state, SIGKILL, "sigkill");
}

/* Two runs of about 2 s each on the machine where the test was written
 * (more under sanitizers). The second SIGINT must end lnl well before the
 * runs in progress could finish. */
static const char slow_config[] =
    "[experiment]\n"
    "seeds = 2\n"
    "[data big]\n"
    "source = make_classification\n"
    "n_samples = 60000\n"
    "n_features = 80\n"
    "n_informative = 20\n"
    "n_classes = 10\n"
    "[noise sym]\n"
    "type = symmetric\n"
    "rates = 0.2\n"
    "[method slow]\n"
    "C = 1000\n"
    "tol = 1e-14\n"
    "max_iter = 3000\n";

static void second_signal_exits_at_once(void **state)
{
    const fixture *f = *state;
    char config[512], folder[512], out_path[512], err_path[512], runs[600];
    join(config, sizeof config, f->dir, "slow.ini");
    join(folder, sizeof folder, f->dir, "slow");
    join(out_path, sizeof out_path, f->dir, "slow.stdout");
    join(err_path, sizeof err_path, f->dir, "slow.stderr");
    join(runs, sizeof runs, folder, "runs.csv");
    write_text(config, slow_config);
    const char *args[] = {"run", config, "--out", folder, "--jobs", "2", NULL};

    /* runs.csv appears when the runs start */
    pid_t pid = lnl_start(args, NULL, out_path, err_path);
    double start = lnl_seconds_now();
    while (!exists(runs)) {
        assert_true(lnl_seconds_now() - start < 120);
        lnl_sleep_ms(5);
    }
    lnl_sleep_ms(100);
    assert_int_equal(kill(pid, SIGINT), 0);

    /* the handler's message shows that the first signal was taken */
    for (;;) {
        char *err = lnl_read_text(err_path);
        bool stopping = err != NULL && strstr(err, "lnl: stopping") != NULL;
        free(err);
        if (stopping)
            break;
        assert_true(lnl_seconds_now() - start < 120);
        lnl_sleep_ms(2);
    }
    double second = lnl_seconds_now();
    assert_int_equal(kill(pid, SIGINT), 0);
    lnl_exit ended = lnl_wait(pid);
    double waited = lnl_seconds_now() - second;

    assert_int_equal(ended.signal, 0);
    assert_int_equal(ended.code, 130);
    assert_true(waited < 1.0);
    char *text = lnl_read_text(runs);
    assert_non_null(text);
    assert_int_equal(count_lines(text), 1);  /* the header only: no run finished */
    free(text);
    remove_folder(folder);
}

/* ---- settings and jobs ------------------------------------------------------- */

static const char small_config[] =
    "[experiment]\nseeds = 2\n"
    "[data blobs]\nsource = make_classification\nn_samples = 200\nn_features = 5\n"
    "[noise sym]\ntype = symmetric\nrates = 0, 0.3\n"
    "[method ce]\nloss = ce\nC = 1\n";

static void changed_config_rejected_then_forced(void **state)
{
    const fixture *f = *state;
    char config[512], folder[512], runs[600];
    join(config, sizeof config, f->dir, "small.ini");
    join(folder, sizeof folder, f->dir, "small");
    join(runs, sizeof runs, folder, "runs.csv");
    write_text(config, small_config);
    const char *args[] = {"run", config, "--out", folder, "--quiet", NULL};
    assert_int_equal(lnl_run(args, NULL, f->dir, NULL, NULL), 0);
    char *before = lnl_read_text(runs);

    char changed[sizeof small_config + 8];
    snprintf(changed, sizeof changed, "%s", small_config);
    memcpy(strstr(changed, "C = 1"), "C = 4", 5);
    write_text(config, changed);
    char *out = NULL, *err = NULL;
    assert_int_equal(lnl_run(args, NULL, f->dir, &out, &err), 2);
    char expected[1200];
    int length = snprintf(expected, sizeof expected,
                          "lnl: %s:10: %s contains runs made with other settings: "
                          "[method ce] C is 4, recorded 1\n",
                          config, folder);
    assert_true(length > 0 && (size_t)length < sizeof expected);
    if (strstr(err, expected) != err)
        fail_msg("stderr does not start with \"%s\":\n%s", expected, err);
    assert_non_null(strstr(err, "add --force"));
    assert_string_equal(out, "");
    char *after = lnl_read_text(runs);
    assert_string_equal(after, before);
    free(out);
    free(err);

    const char *forced[] = {"run", config, "--out", folder, "--quiet", "--force", NULL};
    assert_int_equal(lnl_run(forced, NULL, f->dir, NULL, &err), 0);
    assert_non_null(strstr(err, "lnl: 4 runs, 0 failed"));
    free(err);
    free(before);
    free(after);
    remove_folder(folder);
}

/* Replaces the first line of file that starts with prefix by replacement
 * (no line break; "" removes the line). */
static void replace_line(const char *path, const char *prefix, const char *replacement)
{
    char *text = lnl_read_text(path);
    assert_non_null(text);
    char *line = text;
    while (strncmp(line, prefix, strlen(prefix)) != 0) {
        line = strchr(line, '\n');
        if (line == NULL)
            fail_msg("%s has no line starting with \"%s\"", path, prefix);
        line++;
    }
    char *end = strchr(line, '\n');
    assert_non_null(end);
    *line = '\0';
    char *updated = malloc(strlen(text) + strlen(replacement) + strlen(end) + 2);
    assert_non_null(updated);
    sprintf(updated, "%s%s%s", text, replacement, replacement[0] != '\0' ? end : end + 1);
    write_text(path, updated);
    free(updated);
    free(text);
}

static void state_without_new_keys_resumes(void **state)
{
    const fixture *f = *state;
    char config[512], folder[512], state_path[600];
    join(config, sizeof config, f->dir, "older.ini");
    join(folder, sizeof folder, f->dir, "older");
    join(state_path, sizeof state_path, folder, ".lnl-state");
    write_text(config, small_config);
    const char *args[] = {"run", config, "--out", folder, "--quiet", NULL};
    assert_int_equal(lnl_run(args, NULL, f->dir, NULL, NULL), 0);

    /* a state file written before these keys existed: they have defaults */
    replace_line(state_path, "positive = ", "");
    replace_line(state_path, "mapping = ", "");
    replace_line(state_path, "transition = ", "");
    replace_line(state_path, "holdout = ", "");
    char *err = NULL;
    assert_int_equal(lnl_run(args, NULL, f->dir, NULL, &err), 0);
    assert_non_null(strstr(err, "lnl: 4 runs (4 resumed), 0 failed"));
    free(err);

    /* a missing key whose value is not its default is a difference */
    replace_line(state_path, "max_iter = ", "");
    char changed[sizeof small_config + 32];
    snprintf(changed, sizeof changed, "%smax_iter = 500\n", small_config);
    write_text(config, changed);
    assert_int_equal(lnl_run(args, NULL, f->dir, NULL, &err), 2);
    assert_non_null(strstr(err, "[method ce] max_iter is 500, not recorded"));
    free(err);

    /* an empty value is shown as "" */
    write_text(config, small_config);
    replace_line(state_path, "positive = ", "positive = yes");
    assert_int_equal(lnl_run(args, NULL, f->dir, NULL, &err), 2);
    assert_non_null(strstr(err, "[noise sym] positive is \"\", recorded yes"));
    free(err);
    remove_folder(folder);
}

static void same_runs_for_any_jobs(void **state)
{
    const fixture *f = *state;
    char folder[512];
    join(folder, sizeof folder, f->dir, "jobs");
    static const char *const jobs[] = {"1", "3", "8"};
    for (size_t j = 0; j < sizeof jobs / sizeof jobs[0]; j++) {
        const char *args[] = {"run", f->config, "--out", folder, "--jobs", jobs[j], "--quiet",
                              NULL};
        assert_int_equal(lnl_run(args, NULL, f->dir, NULL, NULL), 0);
        char *rows = rows_of(folder);
        assert_string_equal(rows, f->reference_rows);
        assert_same_tables(folder, f->reference);
        free(rows);
        remove_folder(folder);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resume_after_sigint),
        cmocka_unit_test(resume_after_sigterm),
        cmocka_unit_test(resume_after_sigkill),
        cmocka_unit_test(second_signal_exits_at_once),
        cmocka_unit_test(changed_config_rejected_then_forced),
        cmocka_unit_test(state_without_new_keys_resumes),
        cmocka_unit_test(same_runs_for_any_jobs),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
