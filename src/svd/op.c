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
                  ctx ? ctx->alloc : (lr_allocator){0}, NULL, {0}};
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
                  ctx ? ctx->alloc : (lr_allocator){0}, NULL, {0}};
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

/* ---- row-distributed operators ------------------------------------------ */
lr_status lr_op_set_allreduce(lr_ctx *ctx, lr_op *op, const lr_rowdist *d)
{
    if (!op) return lr__err(ctx, LR_ERR_ARG, "set_allreduce: operator is NULL");
    if (!d || !d->allreduce) {
        memset(&op->dist, 0, sizeof op->dist);
        return LR_OK;
    }
    if (d->global_rows < op->rows || d->row0 < 0 || d->row0 + op->rows > d->global_rows)
        return lr__err(ctx, LR_ERR_ARG, "set_allreduce: a band of %lld rows at row %lld does "
                       "not fit a %lld-row matrix", (long long)op->rows, (long long)d->row0,
                       (long long)d->global_rows);
    double sum = (double)op->rows;
    lr_status s = d->allreduce(d->user, ctx, &sum, 1, LR_REDUCE_SUM);
    if (s) return s;
    if (sum != (double)d->global_rows)
        return lr__err(ctx, LR_ERR_ARG, "set_allreduce: the bands hold %.0f rows in all, "
                       "not the %lld announced", sum, (long long)d->global_rows);
    op->dist = *d;
    return LR_OK;
}

int64_t op_global_rows(const lr_op *op) { return op_is_dist(op) ? op->dist.global_rows : op->rows; }

lr_status op_allreduce(lr_ctx *ctx, const lr_op *op, double *buf, int64_t n, lr_reduce_op how)
{
    if (!op_is_dist(op) || n <= 0) return LR_OK;
    return op->dist.allreduce(op->dist.user, ctx, buf, n, how);
}

lr_status op_allreduce_mat(lr_ctx *ctx, const lr_op *op, lr_mat *X, double *extra,
                           int64_t nextra)
{
    if (!op_is_dist(op)) return LR_OK;
    int64_t n = X->rows * X->cols;
    double *buf = lr__malloc(ctx, (size_t)(n + nextra + 1) * sizeof(double), "allreduce buffer");
    if (!buf) return LR_ERR_NOMEM;
    mat_to_double(X, buf);
    for (int64_t i = 0; i < nextra; i++) buf[n + i] = extra[i];
    lr_status s = op->dist.allreduce(op->dist.user, ctx, buf, n + nextra, LR_REDUCE_SUM);
    if (!s) {
        double_to_mat(buf, X);
        for (int64_t i = 0; i < nextra; i++) extra[i] = buf[n + i];
    }
    lr__free(ctx, buf);
    return s;
}

/* Zeroes a dtype matrix (an empty band's contribution). */
static void mat_zero(lr_mat *X)
{
    size_t es = lr_dtype_size(X->dtype);
    for (int64_t j = 0; j < X->cols; j++)
        memset((char *)X->data + (size_t)j * X->ld * es, 0, (size_t)X->rows * es);
}

int64_t bop_rows(const lr_bop *b) { return b->t ? b->op->cols : b->op->rows; }
int64_t bop_cols(const lr_bop *b) { return b->t ? b->op->rows : b->op->cols; }

static lr_status bop_local(lr_ctx *ctx, const lr_bop *b, int trans, const lr_mat *X, lr_mat *Y)
{
    if (b->op->rows == 0 || b->op->cols == 0) { /* an empty band (distributed) */
        mat_zero(Y);
        return LR_OK;
    }
    if (b->op->dense) return k_dense_apply(ctx, &b->op->A, b->t, trans, X, Y);
    return b->op->fn(b->op->user, ctx, trans ^ b->t, X, Y);
}

/* Distributed operators are never transposed (compute() keeps t = 0): the
 * column-side result of B^T X is the sum of the bands' partial products. */
lr_status bop_apply(lr_ctx *ctx, const lr_bop *b, int trans, const lr_mat *X, lr_mat *Y)
{
    if (b->passes) (*b->passes)++;
    lr_status s = bop_local(ctx, b, trans, X, Y);
    if (!s && trans) s = op_allreduce_mat(ctx, b->op, Y, NULL, 0);
    return s;
}

lr_status bop_fused(lr_ctx *ctx, const lr_bop *b, const lr_mat *Z, lr_mat *Y,
                    lr_mat *W, double *frob2)
{
    lr_status s;
    double f2 = b->op->frob2;
    if (b->passes) (*b->passes)++;
    if (b->op->dense && b->op->rows > 0 && b->op->cols > 0) {
        if ((s = k_dense_fused(ctx, &b->op->A, b->t, Z, Y, W, frob2 ? &f2 : NULL))) return s;
    } else {
        if ((s = bop_local(ctx, b, 0, Z, Y)) || (s = bop_local(ctx, b, 1, Y, W))) return s;
        if (b->op->dense) f2 = 0; /* an empty dense band */
        else if (b->passes) (*b->passes)++; /* two reads of a custom operator */
    }
    /* One message per pass: W, then the band's ||A||_F^2 and whether it is
     * unknown (a custom band's frob2 < 0 makes the total unknown). */
    double extra[2] = {f2 >= 0 ? f2 : 0, f2 < 0 ? 1 : 0};
    if ((s = op_allreduce_mat(ctx, b->op, W, extra, 2))) return s;
    if (op_is_dist(b->op)) f2 = extra[1] > 0 ? -1 : extra[0];
    if (frob2) *frob2 = f2;
    return LR_OK;
}
