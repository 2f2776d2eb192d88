/* The lnl subcommands. Each takes the arguments after its name and returns
 * the process exit code: 0 success, 1 a run or a write failed, 2 a usage,
 * config or data error. This is the only code that prints. */
#ifndef LNL_CLI_COMMANDS_H
#define LNL_CLI_COMMANDS_H

int lnl_cli_run(int argc, char **argv);
int lnl_cli_merge(int argc, char **argv);
int lnl_cli_generate(int argc, char **argv);
int lnl_cli_corrupt(int argc, char **argv);
int lnl_cli_report(int argc, char **argv);
int lnl_cli_plot_data(int argc, char **argv);
int lnl_cli_schema(int argc, char **argv);

#endif
