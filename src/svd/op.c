/* op.c -- linear operators: dense views and custom callbacks. */
#include <stdlib.h>
#include <string.h>
#include "svd_internal.h"

lr_status lr_op_dense(lr_ctx *ctx, const lr_mat *A, lr_op **out)
{
    *out = NULL;
    lr_status s = lr_mat_check(ctx, A, "matrix");
    if (s) return s;
    lr_op *op = lr__malloc(ctx, sizeof *op, "an operator");
    if (!op) return LR_ERR_NOMEM;
    *op = (lr_op){A->dtype, A->rows, A->cols, 1, *A, NULL, NULL, -1.0,
                  ctx ? ctx->alloc : (lr_allocator){0}, NULL};
    *out = op;
    return LR_OK;
}

lr_status lr_op_custom(lr_ctx *ctx, lr_dtype t, int64_t rows, int64_t cols,
                       lr_op_apply_fn fn, void *user, double frob2, lr_op **out)
{
    *out = NULL;
    if (!lr_dtype_size(t) || rows < 0 || cols < 0 || !fn)
        return lr__err(ctx, LR_ERR_ARG, "custom operator: bad type, size or callback");
    lr_op *op = lr__malloc(ctx, sizeof *op, "an operator");
    if (!op) return LR_ERR_NOMEM;
    *op = (lr_op){t, rows, cols, 0, {0}, fn, user, frob2,
                  ctx ? ctx->alloc : (lr_allocator){0}, NULL};
    *out = op;
    return LR_OK;
}

void op_set_release(lr_op *op, void (*release)(void *user)) { op->release = release; }

void lr_op_destroy(lr_op *op)
{
    if (!op) return;
    if (op->release) op->release(op->user);
    lr_ctx own = {0};
    own.alloc = op->alloc;
    lr__free(&own, op);
}
int64_t lr_op_rows(const lr_op *op) { return op->rows; }
int64_t lr_op_cols(const lr_op *op) { return op->cols; }
lr_dtype lr_op_dtype(const lr_op *op) { return op->dtype; }

static lr_status apply_raw(lr_ctx *ctx, const lr_op *op, int trans, const lr_mat *X,
                           lr_mat *Y)
{
    if (op->dense) return k_dense_apply(ctx, &op->A, 0, trans, X, Y);
    return op->fn(op->user, ctx, trans, X, Y);
}

lr_status lr_op_apply(lr_ctx *ctx, const lr_op *op, int trans, const lr_mat *X,
                      lr_mat *Y)
{
    int64_t in = trans ? op->rows : op->cols, outr = trans ? op->cols : op->rows;
    lr_status s;
    if ((s = lr_mat_check(ctx, X, "X")) || (s = lr_mat_check(ctx, Y, "Y"))) return s;
    if (X->dtype != op->dtype || Y->dtype != op->dtype)
        return lr__err(ctx, LR_ERR_ARG, "operator apply: element types differ");
    if (X->rows != in || Y->rows != outr || X->cols != Y->cols)
        return lr__err(ctx, LR_ERR_ARG,
                       "operator apply: shapes do not match (%lld x %lld operator%s, "
                       "X %lld x %lld, Y %lld x %lld)",
                       (long long)op->rows, (long long)op->cols, trans ? " transposed" : "",
                       (long long)X->rows, (long long)X->cols, (long long)Y->rows,
                       (long long)Y->cols);
    return apply_raw(ctx, op, trans, X, Y);
}

int64_t bop_rows(const lr_bop *b) { return b->t ? b->op->cols : b->op->rows; }
int64_t bop_cols(const lr_bop *b) { return b->t ? b->op->rows : b->op->cols; }

lr_status bop_apply(lr_ctx *ctx, const lr_bop *b, int trans, const lr_mat *X, lr_mat *Y)
{
    if (b->passes) (*b->passes)++;
    if (b->op->dense) return k_dense_apply(ctx, &b->op->A, b->t, trans, X, Y);
    return b->op->fn(b->op->user, ctx, trans ^ b->t, X, Y);
}

lr_status bop_fused(lr_ctx *ctx, const lr_bop *b, const lr_mat *Z, lr_mat *Y,
                    lr_mat *W, double *frob2)
{
    if (b->op->dense) {
        if (b->passes) (*b->passes)++;
        return k_dense_fused(ctx, &b->op->A, b->t, Z, Y, W, frob2);
    }
    lr_status s = bop_apply(ctx, b, 0, Z, Y);
    if (!s) s = bop_apply(ctx, b, 1, Y, W);
    if (frob2) *frob2 = b->op->frob2;
    return s;
}
