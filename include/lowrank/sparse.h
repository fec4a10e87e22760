/* sparse.h -- compressed sparse row (CSR) matrices and their operator.
 *
 * An lr_csr holds an m x n matrix with nnz stored entries: row i's entries
 * are values[indptr[i] .. indptr[i+1]-1] in columns indices[same range],
 * column indices strictly increasing within a row (sorted, no duplicates).
 * 64-bit offsets and indices; values float32 or float64.  The struct is plain
 * data: build one by hand over your own arrays (then you own them), or let
 * lr_csr_alloc / lr_csr_from_triplets allocate (then give it back with
 * lr_csr_free on the same context).
 *
 * lr_op_csr wraps a CSR matrix as a linear operator, so every SVD method of
 * svd.h (randomized, block Krylov, fixed accuracy) runs on sparse input
 * without densifying it.
 */
#ifndef LOWRANK_SPARSE_H
#define LOWRANK_SPARSE_H
#include "lowrank/core.h"
#include "lowrank/mat.h"
#include "lowrank/svd.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lr_csr {
    lr_dtype dtype;
    int64_t rows, cols, nnz;
    int64_t *indptr;   /* rows + 1 offsets, indptr[0] = 0, indptr[rows] = nnz */
    int64_t *indices;  /* nnz column indices */
    void *values;      /* nnz values of type dtype */
} lr_csr;

/* Allocates the three arrays for rows x cols with room for nnz entries
 * (indptr zeroed).  Errors: LR_ERR_ARG, LR_ERR_NOMEM (out is then {0}). */
LR_API lr_status lr_csr_alloc(lr_ctx *ctx, lr_dtype t, int64_t rows,
                              int64_t cols, int64_t nnz, lr_csr *out);
/* Frees what lr_csr_alloc / lr_csr_from_* gave and zeroes *a. */
LR_API void lr_csr_free(lr_ctx *ctx, lr_csr *a);
/* Checks the invariants above (and finite values); `what` names the matrix
 * in the message.  Errors: LR_ERR_ARG (structure), LR_ERR_DATA (NaN/Inf). */
LR_API lr_status lr_csr_check(lr_ctx *ctx, const lr_csr *a, const char *what);

/* Builds a CSR matrix from n (row, col, value) triplets in any order;
 * duplicates are summed, explicit zeros kept.  Errors: LR_ERR_ARG (index out
 * of range), LR_ERR_NOMEM. */
LR_API lr_status lr_csr_from_triplets(lr_ctx *ctx, lr_dtype t, int64_t rows,
                                      int64_t cols, int64_t n,
                                      const int64_t *ri, const int64_t *ci,
                                      const double *v, lr_csr *out);
/* The non-zeros of a dense matrix. */
LR_API lr_status lr_csr_from_dense(lr_ctx *ctx, const lr_mat *A, lr_csr *out);
/* A dense copy (allocated with lr_mat_alloc). */
LR_API lr_status lr_csr_to_dense(lr_ctx *ctx, const lr_csr *a, lr_mat *out);
/* out = a^T, as CSR (equivalently a's CSC form). */
LR_API lr_status lr_csr_transpose(lr_ctx *ctx, const lr_csr *a, lr_csr *out);
/* ||a||_F^2 accumulated in double. */
LR_API double lr_csr_frob2(const lr_csr *a);

/* Y = A X (trans == 0; X: cols x b, Y: rows x b) or Y = A^T X (trans != 0;
 * X: rows x b, Y: cols x b); dense X, Y of a's dtype.  Threaded; the result
 * is bit-identical for any thread count. */
LR_API lr_status lr_csr_mm(lr_ctx *ctx, int trans, const lr_csr *a,
                           const lr_mat *X, lr_mat *Y);

/* An operator viewing a (not copied: a must outlive the op).  May build and
 * keep a transposed copy for fast A^T products (memory: one more nnz). */
LR_API lr_status lr_op_csr(lr_ctx *ctx, const lr_csr *a, lr_op **out);

#ifdef __cplusplus
}
#endif
#endif
