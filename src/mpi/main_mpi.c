/* main_mpi.c -- `mpirun -np N lowrank-mpi svd|separate ...`: the same
 * subcommands as `lowrank` (the same src/cli code, options, outputs and
 * report), with the matrix split into bands of rows over the MPI ranks.
 * Rank 0 reads the input and writes every output. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mpi_glue.h"

static void usage(FILE *f)
{
    fprintf(f, "lowrank-mpi %s -- lowrank's distributed commands (MPI)\n\n"
               "usage: mpirun -np N lowrank-mpi COMMAND [options]   (COMMAND --help)\n\n"
               "commands:\n"
               "  svd         truncated randomized SVD of a .npy matrix (as lowrank svd)\n"
               "  separate    robust PCA background/foreground split of a video\n"
               "              (as lowrank separate --method rpca)\n\n"
               "Each rank holds a band of the matrix's rows; give each rank its share\n"
               "of the cores with --threads.  Exit codes: 0 ok, 1 runtime failure,\n"
               "2 bad usage or input.\n", lr_version());
}

/* The subcommands end some paths with exit() (--help, and cli_die with a
 * single rank): finalize MPI there too, or mpirun reports the rank as
 * crashed. */
static void finalize_at_exit(void)
{
    int done = 0;
    MPI_Finalized(&done);
    if (!done) MPI_Finalize();
}

int main(int argc, char **argv)
{
    int provided;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "lowrank-mpi: MPI_Init failed\n");
        return EXIT_RUNTIME;
    }
    cli_mpi = mpi_glue_init();
    atexit(finalize_at_exit);
    /* Only rank 0 talks on stdout (help, the JSON report). */
    if (cli_mpi->rank != 0 && !freopen("/dev/null", "w", stdout)) fclose(stdout);
    int code = EXIT_USAGE;
    if (argc < 2) {
        if (cli_mpi->rank == 0) usage(stderr);
    } else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        if (cli_mpi->rank == 0) usage(stdout);
        code = EXIT_OK;
    } else if (!strcmp(argv[1], "svd")) {
        code = cmd_svd(argc - 1, argv + 1);
    } else if (!strcmp(argv[1], "separate")) {
        code = cmd_separate(argc - 1, argv + 1);
    } else if (cli_mpi->rank == 0) {
        fprintf(stderr, "lowrank-mpi: unknown command '%s'; run 'lowrank-mpi --help'\n", argv[1]);
    }
    fflush(stdout);
    return code; /* MPI_Finalize runs at exit */
}
