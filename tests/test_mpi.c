/* The MPI mode of lnl run: `mpirun -np 2 lnl run CONFIG` on this machine
 * writes the runs.csv and tables of a one-process run. Built only with
 * -Dmpi=enabled; MPIRUN is the mpirun program that meson found. */
#define _DEFAULT_SOURCE  /* before the first system header, for lnl_process.h */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lnl_process.h"
#include "runs_csv.h"

/* 2 settings x 3 methods x 3 seeds = 18 runs, so each rank gets 9. */
static const char mpi_config[] =
    "[experiment]\n"
    "seeds = 3\n"
    "base_seed = 3\n"
    "output = out\n"
    "\n"
    "[data blobs]\n"
    "source = make_classification\n"
    "n_samples = 400\n"
    "n_features = 6\n"
    "n_classes = 3\n"
    "n_informative = 4\n"
    "\n"
    "[noise sym]\n"
    "type = symmetric\n"
    "rates = 0, 0.3\n"
    "\n"
    "[method ce]\n"
    "loss = ce\n"
    "\n"
    "[method strong]\n"
    "loss = ce\n"
    "C = 0.05\n"
    "\n"
    "[method mae]\n"
    "loss = mae\n";

/* Text of a runs.csv file with the fit_seconds field of every data row
 * emptied. */
static char *runs_without_timing(const char *path)
{
    char *csv = lnl_read_text(path);
    if (csv == NULL)
        fail_msg("%s is missing", path);
    char *out = runs_text_without_timing(csv);
    free(csv);
    return out;
}

static void mpi_two_ranks_equal_one_process(void **state)
{
    (void)state;
    char dir[64] = "/tmp/lnl-test-mpi-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char command[2048];
    snprintf(command, sizeof command, "cat > '%s/mpi.ini' <<'EOF'\n%sEOF\n", dir, mpi_config);
    assert_int_equal(system(command), 0);

    /* one process, then two ranks; root needs mpirun's explicit consent */
    const char *args[] = {"run", "mpi.ini", "--out", "plain", "--quiet", NULL};
    assert_int_equal(lnl_run(args, dir, dir, NULL, NULL), 0);
    snprintf(command, sizeof command,
             "cd '%s' && '%s' %s --oversubscribe -np 2 '%s' run mpi.ini --out ranks --quiet "
             "> mpirun.log 2>&1",
             dir, MPIRUN, geteuid() == 0 ? "--allow-run-as-root" : "", LNL_PROGRAM);
    int code = system(command);
    if (code != 0) {
        snprintf(command, sizeof command, "%s/mpirun.log", dir);
        char *log = lnl_read_text(command);
        fail_msg("mpirun exited with %d: %s", code, log != NULL ? log : "(no log)");
    }

    /* the same rows, and each rank ran its shard of 9 */
    char path[256];
    snprintf(path, sizeof path, "%s/plain/runs.csv", dir);
    char *plain = runs_without_timing(path);
    snprintf(path, sizeof path, "%s/ranks/runs.csv", dir);
    char *ranks = runs_without_timing(path);
    assert_string_equal(ranks, plain);
    for (int r = 1; r <= 2; r++) {
        snprintf(path, sizeof path, "%s/ranks/shard-%d-of-2/runs.csv", dir, r);
        char *shard = runs_without_timing(path);
        size_t lines = 0;
        for (const char *p = shard; *p != '\0'; p++)
            lines += *p == '\n';
        assert_int_equal(lines, 10);
        free(shard);
    }

    /* and the same tables */
    snprintf(command, sizeof command, "diff -r '%s/plain/tables' '%s/ranks/tables'", dir, dir);
    assert_int_equal(system(command), 0);

    free(plain);
    free(ranks);
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mpi_two_ranks_equal_one_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
