/* mpi_glue.h -- the MPI side of lowrank-mpi (src/mpi/ only; the library
 * never sees MPI). */
#ifndef LR_MPI_GLUE_H
#define LR_MPI_GLUE_H
#include "../cli/cli.h"

typedef struct mpi_counts {
    long long allreduce_calls;
    double allreduce_bytes;  /* payload of the reductions, 8 bytes a double */
    double scatter_bytes;    /* this rank's band received */
    double gather_bytes;     /* this rank's bands sent */
} mpi_counts;

/* After MPI_Init: the CLI hooks for this process. */
const cli_mpi_ops *mpi_glue_init(void);
const mpi_counts *mpi_glue_counts(void);
/* The lr_allreduce_fn: reduce to rank 0, broadcast (same bits everywhere). */
lr_status mpi_allreduce(void *user, lr_ctx *ctx, double *buf, int64_t n, lr_reduce_op op);
/* Rows of rank r out of P for m rows (the first m % P ranks get one more). */
void mpi_band(int64_t m, int P, int r, int64_t *row0, int64_t *rows);
#endif
