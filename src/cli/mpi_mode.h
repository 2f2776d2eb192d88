/* MPI mode of `lnl run`, in a build with -Dmpi=enabled: under
 * `mpirun -np P`, rank R runs shard R+1 of P (lnl_sweep_options) into
 * DIR/shard-R+1-of-P, sends that folder's .lnl-state and runs.csv to rank
 * 0, and rank 0 merges them into DIR (lnl_merge_runs). The result equals a
 * one-process run. Every rank loads the data sets itself, so a node keeps
 * one copy per rank in memory. In a build without MPI these functions are
 * stubs: one process, rank 0. */
#ifndef LNL_CLI_MPI_MODE_H
#define LNL_CLI_MPI_MODE_H

#include <stdbool.h>

#include "lnl/sweep.h"

#ifdef LNL_HAVE_MPI

/* Calls MPI_Init when the process was started by mpirun (OpenMPI's
 * OMPI_COMM_WORLD_SIZE or a PMI/PMIx variable is set), so that a plain
 * start needs no MPI runtime. Returns false when MPI_Init fails. */
bool lnl_cli_mpi_start(int *argc, char ***argv);

/* Calls MPI_Finalize after lnl_cli_mpi_start initialized MPI. */
void lnl_cli_mpi_finish(void);

/* The rank of this process and the number of ranks: 0 and 1 without MPI. */
int lnl_cli_mpi_rank(void);
int lnl_cli_mpi_size(void);

/* Runs the sweep as described above, with every rank calling it with the
 * same config and options. options->jobs <= 0 means 1 thread per rank.
 * Rank 0 returns the status and summary of the merged folder; when a rank
 * failed, the error names it. An interruption on any rank merges the runs
 * recorded and returns LNL_ERR_INTERRUPTED. Other ranks return their own
 * sweep's status. */
lnl_status lnl_cli_mpi_sweep(const lnl_config *config, const lnl_sweep_options *options,
                             lnl_sweep_summary *summary, lnl_error *err);

#else

static inline bool lnl_cli_mpi_start(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return true;
}

static inline void lnl_cli_mpi_finish(void) {}

static inline int lnl_cli_mpi_rank(void)
{
    return 0;
}

static inline int lnl_cli_mpi_size(void)
{
    return 1;
}

static inline lnl_status lnl_cli_mpi_sweep(const lnl_config *config,
                                           const lnl_sweep_options *options,
                                           lnl_sweep_summary *summary, lnl_error *err)
{
    return lnl_sweep_run(config, options, summary, err);
}

#endif

#endif
