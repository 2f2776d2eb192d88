/* The MPI mode of lnl run; mpi_mode.h describes it. Only the main thread
 * of each rank calls MPI, so MPI_THREAD_FUNNELED suffices although the
 * sweep runs worker threads. */
#include "mpi_mode.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lnl/merge.h"

static bool mpi_initialized;
static int mpi_rank = 0;
static int mpi_size = 1;

bool lnl_cli_mpi_start(int *argc, char ***argv)
{
    if (getenv("OMPI_COMM_WORLD_SIZE") == NULL && getenv("PMI_SIZE") == NULL &&
        getenv("PMIX_RANK") == NULL)
        return true;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return false;
    mpi_initialized = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
    return true;
}

void lnl_cli_mpi_finish(void)
{
    if (mpi_initialized)
        MPI_Finalize();
    mpi_initialized = false;
}

int lnl_cli_mpi_rank(void)
{
    return mpi_rank;
}

int lnl_cli_mpi_size(void)
{
    return mpi_size;
}

/* What a rank reports to rank 0 after its shard. */
typedef struct rank_report {
    int status;                  /* lnl_status of the rank's sweep */
    unsigned long long n_resumed;
    unsigned long long state_length, runs_length;  /* bytes of the two texts */
    char message[LNL_ERROR_MESSAGE_MAX + LNL_ERROR_FILE_MAX + 32];  /* "file:line: message" */
} rank_report;

enum { TAG_REPORT = 1, TAG_TEXT = 2 };

/* MPI counts are ints, so long texts go in pieces of at most 1 GiB. */
enum { PIECE_BYTES = 1 << 30 };

static void send_text(const char *text, unsigned long long length)
{
    for (unsigned long long sent = 0; sent < length; sent += PIECE_BYTES) {
        unsigned long long piece = length - sent < PIECE_BYTES ? length - sent : PIECE_BYTES;
        MPI_Send(text + sent, (int)piece, MPI_BYTE, 0, TAG_TEXT, MPI_COMM_WORLD);
    }
}

/* Stops every rank after an allocation failed on rank 0, because the
 * other ranks would wait for it forever. */
static void abort_out_of_memory(void)
{
    fputs("lnl: out of memory for the runs of the ranks\n", stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

/* Receives length bytes from rank source into a new NUL-terminated string. */
static char *receive_text(int source, unsigned long long length)
{
    char *text = malloc(length + 1);
    if (text == NULL)
        abort_out_of_memory();
    for (unsigned long long received = 0; received < length; received += PIECE_BYTES) {
        unsigned long long piece =
            length - received < PIECE_BYTES ? length - received : PIECE_BYTES;
        MPI_Recv(text + received, (int)piece, MPI_BYTE, source, TAG_TEXT, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    }
    text[length] = '\0';
    return text;
}

/* Reads DIR/name into a new string; NULL when it cannot be read. */
static char *read_folder_file(const char *dir, const char *name)
{
    char path[LNL_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return NULL;
    size_t length = 0, capacity = 65536;
    char *text = malloc(capacity);
    while (text != NULL) {
        size_t n = fread(text + length, 1, capacity - length - 1, file);
        length += n;
        if (n == 0)
            break;
        if (length + 1 < capacity)
            continue;
        char *bigger = realloc(text, 2 * capacity);
        if (bigger == NULL)
            free(text);
        text = bigger;
        capacity *= 2;
    }
    if (text != NULL && ferror(file)) {
        free(text);
        text = NULL;
    }
    fclose(file);
    if (text != NULL)
        text[length] = '\0';
    return text;
}

/* Runs this rank's shard and fills its report and texts. */
static void run_shard(const lnl_config *config, const lnl_sweep_options *options,
                      const char *folder, rank_report *report, char **state_text,
                      char **runs_text)
{
    lnl_sweep_options shard = *options;
    shard.output = folder;
    shard.shard_index = mpi_rank + 1;
    shard.shard_count = mpi_size;
    if (shard.jobs <= 0)
        shard.jobs = 1;
    if (mpi_rank != 0)
        shard.progress = NULL;

    lnl_sweep_summary summary;
    lnl_error err;
    lnl_error_clear(&err);
    memset(report, 0, sizeof *report);
    report->status = (int)lnl_sweep_run(config, &shard, &summary, &err);
    report->n_resumed = summary.n_resumed;
    lnl_error_format(&err, report->message, sizeof report->message);
    *state_text = NULL;
    *runs_text = NULL;
    if (report->status != LNL_OK && report->status != LNL_ERR_INTERRUPTED)
        return;

    *state_text = read_folder_file(folder, ".lnl-state");
    *runs_text = read_folder_file(folder, "runs.csv");
    if (*state_text == NULL || *runs_text == NULL) {
        report->status = LNL_ERR_IO;
        snprintf(report->message, sizeof report->message,
                 "%.1024s: cannot read back .lnl-state or runs.csv", folder);
        return;
    }
    report->state_length = strlen(*state_text);
    report->runs_length = strlen(*runs_text);
}

lnl_status lnl_cli_mpi_sweep(const lnl_config *config, const lnl_sweep_options *options,
                             lnl_sweep_summary *summary, lnl_error *err)
{
    memset(summary, 0, sizeof *summary);
    const char *output = options->output != NULL ? options->output : config->output;
    snprintf(summary->output, sizeof summary->output, "%s", output);
    char folder[LNL_PATH_MAX + 64];
    snprintf(folder, sizeof folder, "%s/shard-%d-of-%d", output, mpi_rank + 1, mpi_size);

    /* every rank runs its shard; the others send the result to rank 0 */
    rank_report own;
    char *state_text = NULL, *runs_text = NULL;
    run_shard(config, options, folder, &own, &state_text, &runs_text);
    if (mpi_rank != 0) {
        MPI_Send(&own, (int)sizeof own, MPI_BYTE, 0, TAG_REPORT, MPI_COMM_WORLD);
        send_text(state_text, own.state_length);
        send_text(runs_text, own.runs_length);
        free(state_text);
        free(runs_text);
        if (own.status != LNL_OK)
            lnl_error_set(err, (lnl_status)own.status, NULL, 0, "%s", own.message);
        return (lnl_status)own.status;
    }

    /* rank 0: collect every rank's part */
    size_t n = (size_t)mpi_size;
    lnl_merge_part *parts = calloc(n, sizeof *parts);
    char (*names)[LNL_PATH_MAX + 64] = calloc(n, sizeof *names);
    rank_report *reports = calloc(n, sizeof *reports);
    if (parts == NULL || names == NULL || reports == NULL)
        abort_out_of_memory();
    for (int r = 0; r < mpi_size; r++) {
        rank_report received = own;
        char *state = state_text, *runs = runs_text;
        if (r > 0) {
            MPI_Recv(&received, (int)sizeof received, MPI_BYTE, r, TAG_REPORT, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            state = receive_text(r, received.state_length);
            runs = receive_text(r, received.runs_length);
        }
        reports[r] = received;
        snprintf(names[r], sizeof names[r], "%s/shard-%d-of-%d", output, r + 1, mpi_size);
        parts[r] = (lnl_merge_part){names[r], state, runs};
    }

    /* the first failed rank's error, else the merge */
    lnl_status status = LNL_OK;
    bool interrupted = false;
    for (size_t r = 0; r < n && status == LNL_OK; r++) {
        interrupted |= reports[r].status == LNL_ERR_INTERRUPTED;
        summary->n_resumed += reports[r].n_resumed;
        if (reports[r].status != LNL_OK && reports[r].status != LNL_ERR_INTERRUPTED)
            status = lnl_error_set(err, (lnl_status)reports[r].status, NULL, 0, "rank %zu: %s",
                                   r, reports[r].message);
    }
    if (status == LNL_OK) {
        lnl_merge_options merge_options = {interrupted, options->skip_figures};
        lnl_merge_summary merged;
        status = lnl_merge_runs(config, output, parts, n, NULL, &merge_options, &merged, err);
        summary->n_runs = merged.n_runs;
        summary->n_recorded = merged.n_recorded;
        summary->n_failed = merged.n_failed;
        summary->n_not_converged = merged.n_not_converged;
    }
    if (status == LNL_OK && interrupted)
        status = lnl_error_set(err, LNL_ERR_INTERRUPTED, NULL, 0,
                               "interrupted after %zu of %zu runs", summary->n_recorded,
                               summary->n_runs);

    for (size_t r = 0; r < n; r++) {
        free((char *)parts[r].state_text);
        free((char *)parts[r].runs_text);
    }
    free(parts);
    free(names);
    free(reports);
    return status;
}
