/* csr_op.c -- a CSR matrix as a linear operator for the SVD family: A X by
 * the row kernel on A, A^T X by the same kernel on a transposed copy kept
 * with the operator (one more nnz of memory; no atomics, deterministic). */
#include <stdatomic.h>
#include <string.h>
#include "sparse_internal.h"
#include "../svd/svd_internal.h"

typedef struct {
    lr_ctx own;       /* allocator that owns `at` and this struct */
    const lr_csr *a;
    lr_csr at;
    /* The row-major copy of X, kept from product to product: a fresh one
     * per product (up to max(m, n) x l) cost a page fault per 4 KiB, which
     * measured 13% of an LSA's time.  Grown from `own`; taken by one product
     * at a time (a concurrent product allocates its own). */
    csr_scratch sc;
    atomic_flag busy;
} csr_op;

static lr_status csr_apply(void *user, lr_ctx *ctx, int trans, const lr_mat *X, lr_mat *Y)
{
    csr_op *o = user;
    const lr_csr *a = trans ? &o->at : o->a;
    /* A^T X for a wide X: scattered from A's rows (X read once, in order;
     * scratch cols x l instead of a rows x l row-major copy of X). */
    int scatter = trans && csr_wide(o->a->dtype, X->cols);
    if (atomic_flag_test_and_set(&o->busy))
        return scatter ? csr_mm_t_scatter(ctx, o->a, X, Y, NULL, NULL)
                       : csr_mm_plain(ctx, a, X, Y);
    lr_status st = scatter ? csr_mm_t_scatter(ctx, o->a, X, Y, &o->sc, &o->own)
                           : csr_mm_scratch(ctx, a, X, Y, &o->sc, &o->own);
    atomic_flag_clear(&o->busy);
    return st;
}

static void csr_release(void *user)
{
    csr_op *o = user;
    lr_ctx own = o->own;
    lr__free(&own, o->sc.buf);
    lr_csr_free(&own, &o->at);
    lr__free(&own, o);
}

lr_status lr_op_csr(lr_ctx *ctx, const lr_csr *a, lr_op **out)
{
    *out = NULL;
    lr_status st = lr_csr_check(ctx, a, "sparse matrix");
    if (st) return st;
    csr_op *o = lr__malloc(ctx, sizeof *o, "sparse operator");
    if (!o) return LR_ERR_NOMEM;
    memset(o, 0, sizeof *o);
    atomic_flag_clear(&o->busy);
    o->own = *ctx;
    o->a = a;
    if ((st = lr_csr_transpose(ctx, a, &o->at))) {
        lr__free(ctx, o);
        return st;
    }
    if ((st = lr_op_custom(ctx, a->dtype, a->rows, a->cols, csr_apply, o, lr_csr_frob2(a),
                           out))) {
        csr_release(o);
        return st;
    }
    op_set_release(*out, csr_release);
    return LR_OK;
}
