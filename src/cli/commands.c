#include "commands.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lnl/config.h"
#include "lnl/log.h"
#include "lnl/merge.h"
#include "lnl/noise.h"
#include "lnl/report.h"
#include "lnl/sweep.h"
#include "mpi_mode.h"

/* ---- Shared helpers --------------------------------------------------------- */

static int exit_code_for(lnl_status status)
{
    switch (status) {
    case LNL_OK: return 0;
    case LNL_ERR_CONFIG:
    case LNL_ERR_DATA:
    case LNL_ERR_ARGUMENT: return 2;
    default: return 1;
    }
}

/* Prints "lnl: file:line: message" and returns the exit code. */
static int report_error(const lnl_error *err)
{
    char text[LNL_ERROR_MESSAGE_MAX + LNL_ERROR_FILE_MAX + 32];
    lnl_error_format(err, text, sizeof text);
    fprintf(stderr, "lnl: %s\n", text);
    return exit_code_for(err->status);
}

/* Prints an error of reading an input file and returns 2 when the file
 * could not be read (LNL_ERR_IO), because that is bad input, not a failed
 * run or write. Other statuses keep the code of exit_code_for. */
static int report_input_error(const lnl_error *err)
{
    int code = report_error(err);
    return err->status == LNL_ERR_IO ? 2 : code;
}

static void stderr_sink(void *context, lnl_log_level level, const char *message)
{
    (void)context;
    static const char *names[] = {"error", "warning", "info", "debug"};
    fprintf(stderr, "lnl: %s: %s\n", names[level], message);
}

/* One command-line option: --name VALUE, or a flag when value is NULL. */
typedef struct option {
    const char *name;
    const char **value;
    bool *flag;
} option;

/* Parses argv[1..] into options and at most max_positional positional
 * arguments. Returns false after printing a message on a usage error. */
static bool parse_options(int argc, char **argv, option *options, const char **positional,
                          int max_positional, int *n_positional, const char *help)
{
    *n_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            fputs(help, stdout);
            exit(0);
        }
        if (arg[0] != '-' || arg[1] == '\0') {
            if (*n_positional == max_positional) {
                fprintf(stderr, "lnl %s: unexpected argument \"%s\"\n%s", argv[0], arg, help);
                return false;
            }
            positional[(*n_positional)++] = arg;
            continue;
        }
        option *o = options;
        while (o->name != NULL && strcmp(o->name, arg) != 0)
            o++;
        if (o->name == NULL) {
            fprintf(stderr,
                    "lnl %s: unknown option \"%s\"; run `lnl %s --help` for the options\n",
                    argv[0], arg, argv[0]);
            return false;
        }
        if (o->flag != NULL) {
            *o->flag = true;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "lnl %s: option %s needs a value\n", argv[0], arg);
            return false;
        }
        *o->value = argv[++i];
    }
    return true;
}

static bool parse_int(const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return false;
    *out = value;
    return true;
}

static int read_config(const char *path, lnl_config **config)
{
    lnl_error err;
    lnl_error_clear(&err);
    if (lnl_config_read(path, config, &err) != LNL_OK)
        return report_input_error(&err);
    return 0;
}

/* Copies a file to stdout; used to show the Markdown tables. */
static void print_file(const char *path)
{
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return;
    char buffer[8192];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, file)) > 0)
        fwrite(buffer, 1, n, stdout);
    fclose(file);
}

/* ---- lnl run --------------------------------------------------------------- */

static const char run_help[] =
    "usage: lnl run CONFIG [--out DIR] [--jobs N] [--shard I/N] [--force] [--no-figures]\n"
    "               [--quiet] [--verbose]\n"
    "\n"
    "Runs every data x noise x rate x method x seed cell of CONFIG. Writes\n"
    "DIR/runs.csv (one row per run), DIR/tables/*.md and *.csv (test accuracy,\n"
    "mean +- std over seeds) and DIR/summary.md, and prints the tables.\n"
    "For methods with loss correction, runs.csv also records the transition\n"
    "matrix T the run used (column transition_matrix: rows are clean classes,\n"
    "separated by ';') and its errors against the true T (transition_error_max,\n"
    "transition_error_frobenius).\n"
    "\n"
    "Each row is added to runs.csv as soon as its run ends. Running the same\n"
    "command again resumes: the runs already in DIR/runs.csv are kept and only\n"
    "the others run. If the config changed since, lnl lists the differences and\n"
    "stops, unless --force is given.\n"
    "Ctrl-C (SIGINT) or SIGTERM lets the runs in progress finish, writes the\n"
    "tables of the runs done and exits with 130 or 143; a second signal exits\n"
    "at once.\n"
    "In a build with -Dmpi=enabled, `mpirun -np P lnl run CONFIG` runs shard\n"
    "R+1 of P on rank R in DIR/shard-R+1-of-P, and rank 0 merges them into DIR.\n"
    "\n"
    "  --out DIR    output folder (default: the config's [experiment] output)\n"
    "  --jobs N     runs in parallel (default: the number of cores; 1 per rank\n"
    "               under mpirun)\n"
    "  --shard I/N  run only shard I of N (1 <= I <= N): the cells whose position\n"
    "               in the plan, counted from 0, leaves remainder I-1 when divided\n"
    "               by N; the shard writes DIR/shard-I-of-N, and `lnl merge`\n"
    "               joins the N folders\n"
    "  --force      resume even if DIR holds runs of other settings: keep the\n"
    "               runs the changes do not affect and run the others again;\n"
    "               with --shard, also drop the runs of other shards in DIR\n"
    "  --no-figures write the tables and summary.md but no figure (`lnl report\n"
    "               DIR` draws them later)\n"
    "  --quiet      print only errors and the final count of runs\n"
    "  --verbose    also print debug messages\n";

/* The first SIGINT or SIGTERM received, or 0. The sweep reads it as its
 * cancellation flag. */
static atomic_int interrupt_signal;

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "a signal handler may only touch lock-free atomics");

/* Asks the sweep to stop on the first signal; exits at once on the next. */
static void handle_interrupt(int signal_number)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&interrupt_signal, &expected, signal_number))
        _exit(128 + signal_number);

    static const char message[] =
        "\nlnl: stopping: the runs in progress finish first; send the signal again to "
        "exit at once\n";
    ssize_t written = write(STDERR_FILENO, message, sizeof message - 1);
    (void)written;
}

static void set_interrupt_handlers(void (*handler)(int))
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

static const char *signal_name(int signal_number)
{
    if (signal_number == SIGINT)
        return "SIGINT";
    if (signal_number == SIGTERM)
        return "SIGTERM";
    return "a signal";
}

typedef struct progress_state {
    bool terminal;
} progress_state;

static void print_progress(void *context, size_t done, size_t total, const lnl_run_result *r)
{
    progress_state *state = context;
    if (!r->ok)
        fprintf(stderr, "%slnl: run failed: %s / %s / rate %g / %s / seed %d: %s\n",
                state->terminal ? "\r\033[K" : "", r->dataset, r->noise, r->rate, r->method,
                r->seed, r->message);
    if (!state->terminal)
        return;
    fprintf(stderr, "\r\033[K[%zu/%zu] %s %s %g %s seed %d: test accuracy %.3f", done, total,
            r->dataset, r->noise, r->rate, r->method, r->seed, r->test_accuracy);
    if (done == total)
        fputc('\n', stderr);
}

/* Parses --shard "I/N" into *index and *count. Prints the error and
 * returns false when the text is not two integers with 1 <= I <= N. */
static bool parse_shard(const char *text, int *index, int *count)
{
    char first[32];
    const char *slash = strchr(text, '/');
    long i = 0, n = 0;
    bool valid = slash != NULL && (size_t)(slash - text) < sizeof first;
    if (valid) {
        memcpy(first, text, (size_t)(slash - text));
        first[slash - text] = '\0';
        valid = parse_int(first, 1, 1000000, &i) && parse_int(slash + 1, 1, 1000000, &n);
    }
    if (!valid || i > n) {
        fprintf(stderr, "lnl run: invalid --shard \"%s\": expected I/N with integers "
                        "1 <= I <= N <= 1000000, such as 2/4\n", text);
        return false;
    }
    *index = (int)i;
    *count = (int)n;
    return true;
}

int lnl_cli_run(int argc, char **argv)
{
    const char *out = NULL, *jobs_text = NULL, *shard_text = NULL, *positional[1];
    bool quiet = false, verbose = false, force = false, no_figures = false;
    option options[] = {{"--out", &out, NULL},        {"--jobs", &jobs_text, NULL},
                        {"--shard", &shard_text, NULL}, {"--force", NULL, &force},
                        {"--no-figures", NULL, &no_figures},
                        {"--quiet", NULL, &quiet},    {"--verbose", NULL, &verbose},
                        {NULL, NULL, NULL}};
    int n_positional;
    if (!parse_options(argc, argv, options, positional, 1, &n_positional, run_help))
        return 2;
    if (n_positional != 1) {
        fprintf(stderr, "lnl run: missing CONFIG\n%s", run_help);
        return 2;
    }
    long jobs = 0;
    if (jobs_text != NULL && !parse_int(jobs_text, 1, 256, &jobs)) {
        fprintf(stderr, "lnl run: invalid --jobs \"%s\": expected an integer from 1 to 256\n",
                jobs_text);
        return 2;
    }
    int shard_index = 0, shard_count = 0;
    if (shard_text != NULL && !parse_shard(shard_text, &shard_index, &shard_count))
        return 2;
    if (shard_text != NULL && lnl_cli_mpi_size() > 1) {
        fprintf(stderr, "lnl run: --shard and mpirun both split the cells; use one of them\n");
        return 2;
    }

    /* under mpirun only rank 0 prints more than errors */
    bool root = lnl_cli_mpi_rank() == 0;
    quiet = quiet || !root;
    lnl_log_level log_level = LNL_LOG_WARNING;
    if (quiet)
        log_level = LNL_LOG_ERROR;
    else if (verbose)
        log_level = LNL_LOG_DEBUG;
    lnl_log_set_sink(stderr_sink, NULL, log_level);
    lnl_config *config = NULL;
    int code = read_config(positional[0], &config);
    if (code != 0)
        return code;

    /* A shard always writes its own subfolder, also under --out, so that
     * shards given the same --out do not write one folder. */
    char shard_output[LNL_PATH_MAX + 64];
    if (shard_text != NULL) {
        snprintf(shard_output, sizeof shard_output, "%s/shard-%d-of-%d",
                 out != NULL ? out : config->output, shard_index, shard_count);
        out = shard_output;
    }
    progress_state progress = {isatty(fileno(stderr)) && !quiet};
    lnl_sweep_options sweep_options = {out,
                                       (int)jobs,
                                       print_progress,
                                       &progress,
                                       force,
                                       &interrupt_signal,
                                       shard_index,
                                       shard_count,
                                       no_figures};
    lnl_sweep_summary summary;
    lnl_error err;
    lnl_error_clear(&err);
    atomic_store(&interrupt_signal, 0);
    set_interrupt_handlers(handle_interrupt);
    lnl_status status = lnl_cli_mpi_size() > 1
                            ? lnl_cli_mpi_sweep(config, &sweep_options, &summary, &err)
                            : lnl_sweep_run(config, &sweep_options, &summary, &err);
    set_interrupt_handlers(SIG_DFL);
    lnl_config_destroy(config);
    if (!root)
        return status == LNL_OK || status == LNL_ERR_INTERRUPTED ? 0 : exit_code_for(status);

    if (status == LNL_ERR_INTERRUPTED) {
        int signal_number = atomic_load(&interrupt_signal);
        if (progress.terminal)
            fputc('\n', stderr);
        fprintf(stderr,
                "lnl: interrupted by %s: %zu of %zu runs recorded in %s; run the same "
                "command again to resume\n",
                signal_name(signal_number), summary.n_recorded, summary.n_runs,
                summary.output);
        return 128 + signal_number;
    }
    if (status != LNL_OK) {
        int code = report_error(&err);
        if (summary.settings_differ)
            fprintf(stderr, "lnl: to resume anyway, add --force: the runs these changes do "
                            "not affect are kept and the others run again; or choose "
                            "another folder with --out\n");
        return code;
    }

    if (!quiet) {
        char path[LNL_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/summary.md", summary.output);
        print_file(path);
    }
    char resumed[64] = "";
    if (summary.n_resumed > 0)
        snprintf(resumed, sizeof resumed, " (%zu resumed)", summary.n_resumed);
    fprintf(stderr, "lnl: %zu runs%s, %zu failed, %zu not converged; results in %s\n",
            summary.n_runs, resumed, summary.n_failed, summary.n_not_converged,
            summary.output);
    return summary.n_failed > 0 ? 1 : 0;
}

/* ---- lnl merge ------------------------------------------------------------- */

static const char merge_help[] =
    "usage: lnl merge OUT DIR... [--partial] [--no-figures] [--quiet]\n"
    "\n"
    "Joins the output folders of `lnl run CONFIG --shard I/N` for I = 1..N into\n"
    "OUT, which then holds what one `lnl run CONFIG --out OUT` writes: runs.csv\n"
    "with every row in plan order (equal apart from fit_seconds), .lnl-state,\n"
    "manifest.json, the tables, the figures and summary.md, which is printed.\n"
    "The folders must come from the same config and data, and no run may be in\n"
    "two of them. An OUT that contains results of other settings is rejected.\n"
    "Running `lnl run CONFIG --out OUT` afterwards resumes from OUT.\n"
    "\n"
    "  --partial     merge even when runs of the plan are in none of the\n"
    "                folders (unfinished shards); the tables cover the runs\n"
    "                present\n"
    "  --no-figures  write the tables and summary.md but no figures\n"
    "  --quiet       print only errors and the final count of runs\n";

int lnl_cli_merge(int argc, char **argv)
{
    bool partial = false, no_figures = false, quiet = false;
    const char *positional[1024];
    option options[] = {{"--partial", NULL, &partial},
                        {"--no-figures", NULL, &no_figures},
                        {"--quiet", NULL, &quiet},
                        {NULL, NULL, NULL}};
    int n_positional;
    if (!parse_options(argc, argv, options, positional, 1024, &n_positional, merge_help))
        return 2;
    if (n_positional < 2) {
        fprintf(stderr, "lnl merge: expected OUT and at least one folder DIR\n%s", merge_help);
        return 2;
    }

    lnl_log_set_sink(stderr_sink, NULL, quiet ? LNL_LOG_ERROR : LNL_LOG_WARNING);
    lnl_merge_options merge_options = {.partial = partial, .skip_figures = no_figures};
    lnl_merge_summary summary;
    lnl_error err;
    lnl_error_clear(&err);
    const char *output = positional[0];
    if (lnl_merge_folders(output, positional + 1, (size_t)n_positional - 1, &merge_options,
                          &summary, &err) != LNL_OK)
        return report_error(&err);

    if (!quiet) {
        char path[LNL_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/summary.md", output);
        print_file(path);
    }
    int n_folders = n_positional - 1;
    fprintf(stderr, "lnl: merged %d folder%s: %zu of %zu runs, %zu failed, %zu not converged; "
                    "results in %s\n",
            n_folders, n_folders == 1 ? "" : "s", summary.n_recorded, summary.n_runs,
            summary.n_failed, summary.n_not_converged, output);
    return summary.n_failed > 0 ? 1 : 0;
}

/* ---- lnl generate ---------------------------------------------------------- */

static const char generate_help[] =
    "usage: lnl generate CONFIG [--data NAME] [--out FILE]\n"
    "\n"
    "Writes each [data] section's data set (generated or loaded) as CSV with a\n"
    "header and the label in the last column \"y\". By default one file per\n"
    "section, OUTPUT/data/NAME.csv, where OUTPUT is the config's output folder.\n"
    "\n"
    "  --data NAME  only this section\n"
    "  --out FILE   the file to write (needs a single section)\n";

static const lnl_data_spec *find_data(const lnl_config *config, const char *name)
{
    for (size_t d = 0; d < config->n_data; d++)
        if (strcmp(config->data[d].name, name) == 0)
            return &config->data[d];
    return NULL;
}

static const lnl_noise_spec *find_noise(const lnl_config *config, const char *name)
{
    for (size_t n = 0; n < config->n_noise; n++)
        if (strcmp(config->noise[n].name, name) == 0)
            return &config->noise[n];
    return NULL;
}

static int make_parent_folders(const char *path)
{
    char copy[LNL_PATH_MAX + 64];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *p = copy + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "lnl: %s: cannot create folder: %s\n", copy, strerror(errno));
            return 1;
        }
        *p = '/';
    }
    return 0;
}

static int write_data_section(const lnl_config *config, const lnl_data_spec *spec,
                              const char *path)
{
    lnl_error err;
    lnl_error_clear(&err);
    lnl_dataset *data = NULL;
    if (lnl_data_load(config, spec, &data, &err) != LNL_OK)
        return report_error(&err);
    int code = make_parent_folders(path);
    if (code == 0 && lnl_csv_write(path, data, "y", &err) != LNL_OK)
        code = report_error(&err);
    if (code == 0)
        fprintf(stderr, "lnl: wrote %s (%zu rows, %zu features, %zu classes)\n", path,
                data->n_rows, data->n_features, data->n_classes);
    lnl_dataset_destroy(data);
    return code;
}

int lnl_cli_generate(int argc, char **argv)
{
    const char *out = NULL, *data_name = NULL, *positional[1];
    option options[] = {{"--out", &out, NULL}, {"--data", &data_name, NULL}, {NULL, NULL, NULL}};
    int n_positional;
    if (!parse_options(argc, argv, options, positional, 1, &n_positional, generate_help))
        return 2;
    if (n_positional != 1) {
        fprintf(stderr, "lnl generate: missing CONFIG\n%s", generate_help);
        return 2;
    }
    lnl_config *config = NULL;
    int code = read_config(positional[0], &config);
    if (code != 0)
        return code;

    const lnl_data_spec *only = NULL;
    if (data_name != NULL && (only = find_data(config, data_name)) == NULL) {
        fprintf(stderr, "lnl generate: no [data %s] in %s\n", data_name, config->path);
        code = 2;
    } else if (out != NULL && only == NULL && config->n_data > 1) {
        fprintf(stderr, "lnl generate: --out needs a single data section; %s has %zu, so "
                        "choose one with --data NAME\n", config->path, config->n_data);
        code = 2;
    }
    for (size_t d = 0; d < config->n_data && code == 0; d++) {
        const lnl_data_spec *spec = &config->data[d];
        if (only != NULL && spec != only)
            continue;
        char path[LNL_PATH_MAX * 2];
        if (out != NULL)
            snprintf(path, sizeof path, "%s", out);
        else
            snprintf(path, sizeof path, "%s/data/%s.csv", config->output, spec->name);
        code = write_data_section(config, spec, path);
    }
    lnl_config_destroy(config);
    return code;
}

/* ---- lnl corrupt ----------------------------------------------------------- */

/* The help lines of the options that choose a cell in `lnl corrupt` and
 * `lnl plot-data` (read_cell_request). */
#define CELL_OPTIONS_HELP \
    "  --data NAME    data section (default: the first)\n" \
    "  --noise NAME   noise section (default: the first)\n" \
    "  --rate R       noise rate in [0, 1] (default: the section's first setting\n" \
    "                 with a rate above 0)\n" \
    "  --setting P/N  class_conditional noise: one of the section's pairs, the\n" \
    "                 flip rates of the positive and the negative class, such as\n" \
    "                 0.3/0.1; needed when two pairs share the mean rate R\n" \
    "  --seed I       seed index, 0 to seeds-1 (default 0)\n"

static const char corrupt_help[] =
    "usage: lnl corrupt CONFIG [--data NAME] [--noise NAME] [--rate R | --setting P/N]\n"
    "                          [--seed I] [--out FILE]\n"
    "\n"
    "Writes one data set as CSV with the features, a column \"test\" (1 for test\n"
    "rows), the clean class index \"clean\" and the label column \"noisy\": the\n"
    "corrupted label for training rows, the clean one for test rows. The split\n"
    "and the noise are those of the same cell in `lnl run`.\n"
    "\n"
    CELL_OPTIONS_HELP
    "  --out FILE     default OUTPUT/corrupt/DATA_NOISE_SETTING_seedI.csv, where\n"
    "                 SETTING is the rate, or the pair as P_N\n";

/* Turns --rate and --setting of corrupt and plot-data into the rate and
 * the setting label that choose the cell's noise setting. *setting is NULL
 * when the rate alone names the setting. column receives the setting's
 * name for file names: the pair as "0.3_0.1", else the rate. Without
 * either option the section's first setting with a rate above 0 is
 * chosen. Prints the error and returns the exit code, or returns 0. */
static int choose_noise_setting(const char *command, const lnl_config *config,
                                const lnl_noise_spec *noise, const char *rate_text,
                                const char *setting_text, double *rate, const char **setting,
                                char *label, size_t label_size, char *column, size_t column_size)
{
    size_t index = 0;
    *setting = setting_text;
    *rate = 0.0;
    char *end = NULL;
    if (rate_text != NULL && setting_text != NULL) {
        fprintf(stderr, "lnl %s: --rate and --setting both choose the noise setting; give "
                        "only one\n", command);
        return 2;
    }
    if (rate_text != NULL &&
        ((*rate = strtod(rate_text, &end)), *end != '\0' || !(*rate >= 0 && *rate <= 1))) {
        fprintf(stderr, "lnl %s: invalid --rate \"%s\": expected a number in [0, 1]\n", command,
                rate_text);
        return 2;
    }
    if (rate_text == NULL && setting_text == NULL) {
        size_t first = 0;
        while (first < noise->n_rates && noise->rates[first] == 0.0)
            first++;
        index = first < noise->n_rates ? first : 0;
        *rate = noise->rates[index];
        lnl_noise_setting_label(noise, index, label, label_size);
        if (label[0] != '\0')
            *setting = label;
    }

    lnl_error err;
    lnl_error_clear(&err);
    if (lnl_cell_find_setting(config, noise, *rate, *setting, &index, &err) != LNL_OK)
        return report_error(&err);
    if (*setting != NULL)
        *rate = noise->rates[index];
    lnl_noise_setting_label(noise, index, label, label_size);
    if (label[0] != '\0') {
        *setting = label;
        snprintf(column, column_size, "%s", label);
    } else {
        snprintf(column, column_size, "%g", *rate);
    }
    for (char *p = column; *p != '\0'; p++)
        if (*p == '/')
            *p = '_';
    return 0;
}

/* The cell that `lnl corrupt` and `lnl plot-data` act on, chosen by their
 * shared options. */
typedef struct cell_request {
    const char *out;               /* --out, or NULL */
    lnl_config *config;
    const lnl_data_spec *data;
    const lnl_noise_spec *noise;
    long seed;
    double rate;
    const char *setting;           /* NULL, the --setting text or label */
    char label[LNL_NAME_MAX];
    char column[LNL_NAME_MAX];     /* the setting's name for file names */
} cell_request;

/* Parses the options of `lnl COMMAND CONFIG [--data NAME] [--noise NAME]
 * [--rate R | --setting P/N] [--seed I] [--out PATH]`, reads the config and
 * chooses the cell. Prints the error and returns the exit code, or returns
 * 0. The caller destroys request->config, which is NULL when the config
 * was not read. request->setting may point into request->label, so the
 * request must not be copied. */
static int read_cell_request(const char *command, int argc, char **argv, const char *help,
                             cell_request *request)
{
    const char *data_name = NULL, *noise_name = NULL, *rate_text = NULL;
    const char *setting_text = NULL, *seed_text = NULL, *positional[1];
    request->out = NULL;
    request->config = NULL;
    request->seed = 0;
    request->rate = 0.0;
    request->setting = NULL;
    option options[] = {{"--out", &request->out, NULL}, {"--data", &data_name, NULL},
                        {"--noise", &noise_name, NULL},   {"--rate", &rate_text, NULL},
                        {"--setting", &setting_text, NULL}, {"--seed", &seed_text, NULL},
                        {NULL, NULL, NULL}};
    int n_positional;
    if (!parse_options(argc, argv, options, positional, 1, &n_positional, help))
        return 2;
    if (n_positional != 1) {
        fprintf(stderr, "lnl %s: missing CONFIG\n%s", command, help);
        return 2;
    }
    int code = read_config(positional[0], &request->config);
    if (code != 0)
        return code;

    const lnl_config *config = request->config;
    request->data = data_name ? find_data(config, data_name) : &config->data[0];
    request->noise = noise_name ? find_noise(config, noise_name) : &config->noise[0];
    if (request->data == NULL || request->noise == NULL) {
        fprintf(stderr, "lnl %s: no [%s %s] in %s\n", command,
                request->data == NULL ? "data" : "noise",
                request->data == NULL ? data_name : noise_name, config->path);
        return 2;
    }
    if (seed_text != NULL && !parse_int(seed_text, 0, config->seeds - 1, &request->seed)) {
        fprintf(stderr, "lnl %s: invalid --seed \"%s\": expected 0 to %d\n", command,
                seed_text, config->seeds - 1);
        return 2;
    }
    return choose_noise_setting(command, config, request->noise, rate_text, setting_text,
                                &request->rate, &request->setting, request->label,
                                sizeof request->label, request->column,
                                sizeof request->column);
}

int lnl_cli_corrupt(int argc, char **argv)
{
    cell_request request;
    int code = read_cell_request("corrupt", argc, argv, corrupt_help, &request);
    if (code == 0) {
        char path[LNL_PATH_MAX * 2];
        if (request.out != NULL)
            snprintf(path, sizeof path, "%s", request.out);
        else
            snprintf(path, sizeof path, "%s/corrupt/%s_%s_%s_seed%ld.csv",
                     request.config->output, request.data->name, request.noise->name,
                     request.column, request.seed);
        lnl_error err;
        lnl_error_clear(&err);
        code = make_parent_folders(path);
        if (code == 0 &&
            lnl_corrupt_write(request.config, request.data, request.noise, request.rate,
                              request.setting, (int)request.seed, path, &err) != LNL_OK)
            code = report_error(&err);
        if (code == 0)
            fprintf(stderr, "lnl: wrote %s\n", path);
    }
    lnl_config_destroy(request.config);
    return code;
}

/* ---- lnl report and lnl schema ------------------------------------------- */

static const char report_help[] =
    "usage: lnl report DIR [--baseline NAME] [--alpha A] [--methods A,B,...]\n"
    "                  [--no-figures]\n"
    "\n"
    "Rebuilds every table and figure of DIR from DIR/runs.csv alone and prints\n"
    "DIR/summary.md: tables in Markdown, CSV, LaTeX and JSON in DIR/tables (one\n"
    "per data set and noise section, and the combined table combined.*),\n"
    "accuracy-against-noise-rate figures in DIR/figures (PDF, SVG and PNG). Every\n"
    "method is compared with the baseline by a two-sided Wilcoxon signed-rank\n"
    "test paired over seeds. Settings of class_conditional noise (0.3/0.1) are\n"
    "evenly spaced categories on the figures' x axis, since two pairs can share\n"
    "a mean rate.\n"
    "\n"
    "  --baseline NAME     method to compare against (default: the baseline in\n"
    "                      DIR/manifest.json, else the first method of runs.csv;\n"
    "                      with --methods, the first listed method when the\n"
    "                      list leaves out the manifest's)\n"
    "  --alpha A           significance level of the marks, in (0, 1) (default 0.05)\n"
    "  --methods A,B,...   report only these methods of runs.csv, in this order,\n"
    "                      in every table and figure (default: all, in order of\n"
    "                      first appearance)\n"
    "  --no-figures        write the tables and summary.md only\n";

/* Splits the comma-separated --methods list into names, trimming spaces,
 * into *names (free the array and *text). Prints the error and returns
 * false for an empty name. */
static bool split_methods(const char *list, char **text, const char ***names, size_t *n)
{
    *n = 0;
    *names = NULL;
    *text = strdup(list);
    size_t capacity = 1;
    for (const char *p = list; *p != '\0'; p++)
        capacity += *p == ',';
    *names = malloc(capacity * sizeof(char *));
    if (*text == NULL || *names == NULL) {
        fprintf(stderr, "lnl report: out of memory\n");
        return false;
    }
    char *name = *text;
    for (;;) {
        char *comma = strchr(name, ',');
        if (comma != NULL)
            *comma = '\0';
        while (*name == ' ')
            name++;
        size_t length = strlen(name);
        while (length > 0 && name[length - 1] == ' ')
            name[--length] = '\0';
        if (length == 0) {
            fprintf(stderr, "lnl report: invalid --methods \"%s\": expected method names "
                            "separated by commas, such as baseline,forward\n", list);
            return false;
        }
        (*names)[(*n)++] = name;
        if (comma == NULL)
            return true;
        name = comma + 1;
    }
}

int lnl_cli_report(int argc, char **argv)
{
    const char *baseline = NULL, *alpha_text = NULL, *methods_text = NULL, *positional[1];
    bool no_figures = false;
    option options[] = {{"--baseline", &baseline, NULL}, {"--alpha", &alpha_text, NULL},
                        {"--methods", &methods_text, NULL}, {"--no-figures", NULL, &no_figures},
                        {NULL, NULL, NULL}};
    int n_positional;
    if (!parse_options(argc, argv, options, positional, 1, &n_positional, report_help))
        return 2;
    if (n_positional != 1) {
        fprintf(stderr, "lnl report: missing DIR\n%s", report_help);
        return 2;
    }
    lnl_report_options report_options = {
        .baseline = baseline, .alpha = 0.05, .skip_figures = no_figures};
    char *end = NULL;
    if (alpha_text != NULL &&
        ((report_options.alpha = strtod(alpha_text, &end)), *end != '\0' ||
         !(report_options.alpha > 0.0 && report_options.alpha < 1.0))) {
        fprintf(stderr, "lnl report: invalid --alpha \"%s\": expected a number in (0, 1)\n",
                alpha_text);
        return 2;
    }
    char *methods_copy = NULL;
    const char **methods = NULL;
    if (methods_text != NULL &&
        !split_methods(methods_text, &methods_copy, &methods, &report_options.n_methods)) {
        free(methods_copy);
        free(methods);
        return 2;
    }
    report_options.methods = methods;
    lnl_error err;
    lnl_error_clear(&err);
    lnl_status status = lnl_report_write_with_options(positional[0], &report_options, &err);
    free(methods_copy);
    free(methods);
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/runs.csv", positional[0]);
    if (status != LNL_OK && strcmp(err.file, path) == 0)
        return report_input_error(&err);
    if (status != LNL_OK)
        return report_error(&err);
    snprintf(path, sizeof path, "%s/summary.md", positional[0]);
    print_file(path);
    return 0;
}

/* ---- lnl plot-data ---------------------------------------------------------- */

static const char plot_data_help[] =
    "usage: lnl plot-data CONFIG [--data NAME] [--noise NAME] [--rate R | --setting P/N]\n"
    "                            [--seed I] [--out DIR]\n"
    "\n"
    "Draws the training rows of one cell, with the split and the noisy labels\n"
    "that `lnl run` uses: a scatter plot with the clean labels, one with the\n"
    "noisy labels and a ring around each flipped point, and heat maps of the\n"
    "noise model's transition matrix and of the one realized in the labels.\n"
    "The heat maps number the classes 0 to K-1, as those of `lnl run` do, and\n"
    "a caption gives each number's class name. Data with more than two\n"
    "features is projected on its first two principal components. Each figure\n"
    "is written as PDF, SVG and PNG.\n"
    "\n"
    CELL_OPTIONS_HELP
    "  --out DIR      output folder (default OUTPUT/figures, OUTPUT being the\n"
    "                 config's output folder)\n";

int lnl_cli_plot_data(int argc, char **argv)
{
    cell_request request;
    int code = read_cell_request("plot-data", argc, argv, plot_data_help, &request);
    if (code == 0) {
        char folder[LNL_PATH_MAX + 16], stem[LNL_PATH_MAX + 256];
        if (request.out != NULL)
            snprintf(folder, sizeof folder, "%s", request.out);
        else
            snprintf(folder, sizeof folder, "%s/figures", request.config->output);
        lnl_error err;
        lnl_error_clear(&err);
        if (lnl_report_plot_data(request.config, request.data, request.noise, request.rate,
                                 request.setting, (int)request.seed, folder, stem, sizeof stem,
                                 &err) != LNL_OK)
            code = report_error(&err);
        else
            fprintf(stderr, "lnl: wrote scatter_clean_%s, scatter_noisy_%s and transition_%s "
                            "(.pdf, .svg, .png) in %s\n", stem, stem, stem, folder);
    }
    lnl_config_destroy(request.config);
    return code;
}

static const char schema_help[] =
    "usage: lnl schema\n"
    "\n"
    "Prints the reference of every config section and key as Markdown.\n";

int lnl_cli_schema(int argc, char **argv)
{
    const char *positional[1];
    option options[] = {{NULL, NULL, NULL}};
    int n_positional;
    if (!parse_options(argc, argv, options, positional, 0, &n_positional, schema_help))
        return 2;
    lnl_error err;
    lnl_error_clear(&err);
    if (lnl_config_write_reference(stdout, &err) != LNL_OK)
        return report_error(&err);
    return 0;
}
