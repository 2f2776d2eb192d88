/* lnl: experiments on learning with noisy labels. */
#include <stdio.h>
#include <string.h>

#include "lnl_version.h"
#include "lnl/manifest.h"
#include "commands.h"
#include "mpi_mode.h"

static const char usage[] =
    "usage: lnl COMMAND [ARGS]\n"
    "\n"
    "Experiments on learning with noisy labels: corrupt training labels, train\n"
    "logistic regression and robust variants, sweep noise rates from an INI config.\n"
    "\n"
    "commands:\n"
    "  run CONFIG       run every data x noise x rate x method x seed cell; write\n"
    "                   runs.csv and accuracy tables into the output folder\n"
    "  merge OUT DIR... join the folders of `run --shard I/N` into OUT\n"
    "  generate CONFIG  write each [data] section's data set as CSV\n"
    "  corrupt CONFIG   write one data set with its split, clean and noisy labels\n"
    "  report DIR       rebuild the tables and figures of DIR from DIR/runs.csv\n"
    "  plot-data CONFIG draw one data set with its clean and noisy labels\n"
    "  schema           print the reference of every config key (Markdown)\n"
    "\n"
    "options:\n"
    "  -h, --help       show this help; `lnl COMMAND --help` shows the usage and\n"
    "                   options of one command\n"
    "  --version        show the version\n"
    "\n"
    "exit codes: 0 success, 1 a run or a write failed, 2 usage, config or data error\n";

int main(int argc, char **argv)
{
    lnl_manifest_set_invocation(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "run") == 0 && !lnl_cli_mpi_start(&argc, &argv)) {
        fputs("lnl: MPI_Init failed\n", stderr);
        return 1;
    }
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(command, "--version") == 0 || strcmp(command, "version") == 0) {
        printf("lnl %s (commit %s)\n", LNL_VERSION, LNL_GIT_COMMIT);
        return 0;
    }

    if (strcmp(command, "run") == 0) {
        int code = lnl_cli_run(argc - 1, argv + 1);
        lnl_cli_mpi_finish();
        return code;
    }
    if (strcmp(command, "merge") == 0)
        return lnl_cli_merge(argc - 1, argv + 1);
    if (strcmp(command, "generate") == 0)
        return lnl_cli_generate(argc - 1, argv + 1);
    if (strcmp(command, "corrupt") == 0)
        return lnl_cli_corrupt(argc - 1, argv + 1);
    if (strcmp(command, "report") == 0)
        return lnl_cli_report(argc - 1, argv + 1);
    if (strcmp(command, "plot-data") == 0)
        return lnl_cli_plot_data(argc - 1, argv + 1);
    if (strcmp(command, "schema") == 0)
        return lnl_cli_schema(argc - 1, argv + 1);

    fprintf(stderr, "lnl: unknown command \"%s\"; run `lnl --help` for the list\n", command);
    return 2;
}
