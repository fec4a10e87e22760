/* mpi_glue.c -- the only code that talks MPI: the library's reduction hook
 * (lr_allreduce_fn) and the CLI's band scatter / gather (cli_mpi_ops), with
 * every byte counted for the report.
 *
 * Reductions are MPI_Reduce to rank 0 followed by MPI_Bcast, not
 * MPI_Allreduce: MPI allows an allreduce to round differently on different
 * ranks, and the replicated small computations (Cholesky, rank choices,
 * stopping tests) must see the same bits everywhere or the ranks could take
 * different branches and deadlock.  The cost is one extra latency per call;
 * the payload counted is the buffer (8 bytes per double) once per call.
 *
 * Bands: rank r holds rows row0(r) .. row0(r) + rows(r) - 1, the first
 * m % P ranks one row more than the others; a rank may hold none.  The
 * column-major matrix is scattered and gathered column by column
 * (MPI_Scatterv / MPI_Gatherv of each column's slice): no packed copy of
 * the matrix on rank 0. */
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mpi_glue.h"

static mpi_counts counts;
static int g_rank, g_size;

const mpi_counts *mpi_glue_counts(void) { return &counts; }

void mpi_band(int64_t m, int P, int r, int64_t *row0, int64_t *rows)
{
    int64_t base = m / P, rem = m % P;
    *rows = base + (r < rem);
    *row0 = (int64_t)r * base + (r < rem ? r : rem);
}

static lr_status mpi_fail(lr_ctx *ctx, int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    msg[len] = 0;
    return lr_ctx_set_error(ctx, LR_ERR_IO, "MPI %s failed: %s", what, msg);
}

lr_status mpi_allreduce(void *user, lr_ctx *ctx, double *buf, int64_t n, lr_reduce_op op)
{
    (void)user;
    double *tmp = g_rank == 0 ? malloc(sizeof(double) * (size_t)(n < 1 << 20 ? n : 1 << 20) + 8)
                              : NULL;
    if (g_rank == 0 && !tmp) {
        return lr_ctx_set_error(ctx, LR_ERR_NOMEM, "out of memory for an MPI reduction");
    }
    for (int64_t off = 0; off < n; off += 1 << 20) {
        int c = (int)(n - off < 1 << 20 ? n - off : 1 << 20);
        int rc = MPI_Reduce(buf + off, tmp, c, MPI_DOUBLE, op == LR_REDUCE_MAX ? MPI_MAX : MPI_SUM,
                            0, MPI_COMM_WORLD);
        if (rc == MPI_SUCCESS && g_rank == 0) memcpy(buf + off, tmp, sizeof(double) * (size_t)c);
        if (rc == MPI_SUCCESS) rc = MPI_Bcast(buf + off, c, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) {
            free(tmp);
            return mpi_fail(ctx, rc, "reduction");
        }
    }
    free(tmp);
    if (g_rank == 0 && getenv("LOWRANK_MPI_TRACE")) /* one line per reduction */
        fprintf(stderr, "lowrank-mpi: reduce %s %lld doubles\n", op == LR_REDUCE_MAX ? "max" : "sum",
                (long long)n);
    counts.allreduce_calls++;
    counts.allreduce_bytes += 8 * n;
    return LR_OK;
}

static MPI_Datatype mpi_type(lr_dtype t) { return t == LR_F32 ? MPI_FLOAT : MPI_DOUBLE; }

static lr_status scatter(lr_ctx *ctx, const lr_mat *full, lr_mat *band, lr_rowdist *rd)
{
    memset(band, 0, sizeof *band);
    /* Shape and type from rank 0. */
    int64_t hdr[3] = {0, 0, 0};
    if (g_rank == 0) hdr[0] = full->dtype, hdr[1] = full->rows, hdr[2] = full->cols;
    int rc = MPI_Bcast(hdr, 3, MPI_INT64_T, 0, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return mpi_fail(ctx, rc, "broadcast");
    lr_dtype t = (lr_dtype)hdr[0];
    int64_t m = hdr[1], n = hdr[2], row0, rows;
    if (m / g_size > INT_MAX)
        return lr_ctx_set_error(ctx, LR_ERR_ARG, "bands of %lld rows are too many for MPI's "
                                "int counts; use more ranks", (long long)(m / g_size));
    mpi_band(m, g_size, g_rank, &row0, &rows);
    lr_status s = lr_mat_alloc(ctx, t, rows, n, band);
    if (s) return s;
    int *cnt = malloc(sizeof(int) * (size_t)g_size), *dsp = malloc(sizeof(int) * (size_t)g_size);
    if (!cnt || !dsp) {
        free(cnt), free(dsp), lr_mat_free(ctx, band);
        return LR_ERR_NOMEM;
    }
    for (int r = 0; r < g_size; r++) {
        int64_t r0, nr;
        mpi_band(m, g_size, r, &r0, &nr);
        cnt[r] = (int)nr, dsp[r] = (int)r0;
    }
    size_t es = lr_dtype_size(t);
    for (int64_t j = 0; j < n && rc == MPI_SUCCESS; j++)
        rc = MPI_Scatterv(g_rank == 0 ? (char *)full->data + (size_t)j * full->ld * es : NULL, cnt,
                          dsp, mpi_type(t), (char *)band->data + (size_t)j * band->ld * es,
                          (int)rows, mpi_type(t), 0, MPI_COMM_WORLD);
    free(cnt), free(dsp);
    if (rc != MPI_SUCCESS) {
        lr_mat_free(ctx, band);
        return mpi_fail(ctx, rc, "scatter");
    }
    counts.scatter_bytes += (double)rows * n * es;
    *rd = (lr_rowdist){mpi_allreduce, NULL, m, row0};
    return LR_OK;
}

static lr_status gather(lr_ctx *ctx, const lr_mat *band, lr_mat *full)
{
    memset(full, 0, sizeof *full);
    double mine = (double)band->rows;
    int64_t m = 0, n = band->cols;
    lr_status s = LR_OK;
    double tot = 0;
    int rc = MPI_Allreduce(&mine, &tot, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return mpi_fail(ctx, rc, "gather");
    m = (int64_t)tot;
    if (g_rank == 0 && (s = lr_mat_alloc(ctx, band->dtype, m, n, full))) return s;
    int *cnt = malloc(sizeof(int) * (size_t)g_size), *dsp = malloc(sizeof(int) * (size_t)g_size);
    if (!cnt || !dsp) {
        free(cnt), free(dsp), lr_mat_free(ctx, full);
        return LR_ERR_NOMEM;
    }
    for (int r = 0; r < g_size; r++) {
        int64_t r0, nr;
        mpi_band(m, g_size, r, &r0, &nr);
        cnt[r] = (int)nr, dsp[r] = (int)r0;
    }
    size_t es = lr_dtype_size(band->dtype);
    for (int64_t j = 0; j < n && rc == MPI_SUCCESS; j++)
        rc = MPI_Gatherv((char *)band->data + (size_t)j * band->ld * es, (int)band->rows,
                         mpi_type(band->dtype),
                         g_rank == 0 ? (char *)full->data + (size_t)j * full->ld * es : NULL, cnt,
                         dsp, mpi_type(band->dtype), 0, MPI_COMM_WORLD);
    free(cnt), free(dsp);
    if (rc != MPI_SUCCESS) {
        lr_mat_free(ctx, full);
        return mpi_fail(ctx, rc, "gather");
    }
    counts.gather_bytes += (double)band->rows * n * es;
    return LR_OK;
}

static void abort_all(int code)
{
    fflush(stdout), fflush(stderr);
    if (g_size == 1) exit(code); /* finalized at exit (main_mpi.c) */
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

static const char *report(cJSON *root, char *buf, size_t n)
{
    snprintf(buf, n, "MPI: %d ranks, %lld reductions moving %.0f bytes each way per rank "
             "(%.3g MB), scatter %.3g MB, gather %.3g MB on rank 0's band",
             g_size, (long long)counts.allreduce_calls, counts.allreduce_bytes,
             counts.allreduce_bytes / 1e6, counts.scatter_bytes / 1e6, counts.gather_bytes / 1e6);
    if (root) {
        cJSON *o = cJSON_AddObjectToObject(root, "mpi");
        cJSON_AddNumberToObject(o, "ranks", g_size);
        cJSON_AddNumberToObject(o, "allreduce_calls", (double)counts.allreduce_calls);
        cJSON_AddNumberToObject(o, "allreduce_bytes", counts.allreduce_bytes);
        cJSON_AddNumberToObject(o, "scatter_bytes_rank0", counts.scatter_bytes);
        cJSON_AddNumberToObject(o, "gather_bytes_rank0", counts.gather_bytes);
    }
    return buf;
}

static cli_mpi_ops ops;

static void barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }

static void my_band(int64_t m, int64_t *row0, int64_t *rows) { mpi_band(m, g_size, g_rank, row0, rows); }

const cli_mpi_ops *mpi_glue_init(void)
{
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    ops = (cli_mpi_ops){g_rank, g_size, scatter, gather, my_band, mpi_allreduce, barrier,
                        abort_all, report};
    return &ops;
}
