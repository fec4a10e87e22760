/* stream.c -- robust PCA and the low-rank background over a stream of
 * frames, block by block, in memory bounded by the window (rpca.h,
 * docs/ALGORITHMS-stream.md).
 *
 * Both share one buffer X of rows x (carried + window) columns: the carried
 * columns sit at the front, the frames of the block are read straight into
 * the columns after them, and the solve sees the view of the columns in use.
 *  rpca: carried = `carry` evenly spaced columns of the previous block's L
 *        (clean background frames) + a warm start of the first SVD from the
 *        previous left basis U (rpca__compute).
 *  bg:   carried = f U diag(s) of the previous SVD, f^2 = 1/2 (incremental
 *        SVD with forgetting), SVD warm-started from X^T U. */
#include <math.h>
#include <string.h>
#include "rpca_internal.h"

void lr_stream_opts_default(lr_stream_opts *o)
{
    memset(o, 0, sizeof *o);
    o->carry = -1;
    lr_rpca_opts_default(&o->rpca);
    lr_svd_opts_default(&o->svd);
    o->svd.power_iters = 2;
}

static lr_status check_common(lr_ctx *ctx, lr_dtype t, int64_t rows, const lr_stream_opts *o,
                              lr_stream_read_fn read, lr_stream_emit_fn emit)
{
    if (!o || !read || !emit)
        return lr__err(ctx, LR_ERR_ARG, "stream: options, read and emit callbacks are required");
    if (t != LR_F32 && t != LR_F64)
        return lr__err(ctx, LR_ERR_ARG, "stream: the element type must be f32 or f64");
    if (rows < 1 || rows > LR_LAPACK_MAX)
        return lr__err(ctx, LR_ERR_ARG, "stream: %lld pixels per frame is out of range "
                       "(1 .. 2^31-1)", (long long)rows);
    if (o->window < 2 || o->window > LR_LAPACK_MAX / 2)
        return lr__err(ctx, LR_ERR_ARG, "stream: the window must be at least 2 frames (got "
                       "%lld)", (long long)o->window);
    return LR_OK;
}

/* Reads up to want frames into X[:, c0 .. c0+want); returns the count. */
static lr_status read_block(lr_ctx *ctx, lr_mat *X, int64_t c0, int64_t want,
                            lr_stream_read_fn read, void *user, int64_t *got)
{
    lr_mat B = lr_mat_block(X, 0, c0, X->rows, want);
    *got = 0;
    lr_status st = read(user, &B, got);
    if (st) return st;
    if (*got < 0 || *got > want)
        return lr__err(ctx, LR_ERR_ARG, "stream: the read callback reported %lld frames for a "
                       "block of %lld", (long long)*got, (long long)want);
    return LR_OK;
}

/* Copies column j of src into column k of dst (same dtype and rows). */
static void copy_col(const lr_mat *src, int64_t j, lr_mat *dst, int64_t k)
{
    size_t es = lr_dtype_size(src->dtype);
    memmove((char *)dst->data + (size_t)(k * dst->ld) * es,
            (const char *)src->data + (size_t)(j * src->ld) * es, (size_t)src->rows * es);
}

lr_status lr_rpca_stream(lr_ctx *ctx, lr_dtype t, int64_t rows, const lr_stream_opts *o,
                         lr_stream_read_fn read, lr_stream_emit_fn emit, void *user,
                         lr_stream_summary *summary)
{
    lr_status st = check_common(ctx, t, rows, o, read, emit);
    if (st) return st;
    if (summary) memset(summary, 0, sizeof *summary);
    const int64_t N = o->window;
    const int64_t c = o->carry < 0 ? LR_MIN(16, N / 2) : LR_MIN(o->carry, N);
    const char *why = lr_rpca_opts_check(&o->rpca, rows, N + c);
    if (why) return lr__err(ctx, LR_ERR_ARG, "stream rpca: %s", why);
    const int64_t kb = o->rpca.rank_init + o->rpca.oversample; /* carried basis */
    lr_rpca_opts ro = o->rpca;
    ro.keep_l = 1; /* the carried frames come from the dense L */
    lr_mat X = {0}, U0 = {0};
    lr_rpca *r = NULL;
    if ((st = lr_mat_alloc(ctx, t, rows, N + c, &X))) return st;
    if ((st = lr_mat_alloc(ctx, t, rows, kb, &U0))) goto out;
    U0.cols = 0;
    int64_t have = 0, first = 0, got = 0;
    for (int64_t b = 0;; b++) {
        if ((st = read_block(ctx, &X, c, N, read, user, &got))) goto out;
        if (got == 0) break;
        lr_mat Xb = lr_mat_block(&X, 0, c - have, rows, have + got);
        lr_status rs = rpca__compute(ctx, &Xb, &ro, U0.cols ? &U0 : NULL, &r);
        if (rs != LR_OK && rs != LR_ERR_NOCONV) {
            st = lr__err_prefix(ctx, rs, "stream block %lld (frames %lld..%lld)", (long long)b,
                                (long long)first, (long long)(first + got - 1));
            goto out;
        }
        lr_ctx_clear_error(ctx);
        lr_mat L = lr_rpca_l(r), S = lr_rpca_s(r);
        lr_stream_block blk = {.index = b, .first = first, .frames = got, .col0 = have,
                               .M = lr_mat_block(&X, 0, c, rows, got),
                               .L = lr_mat_block(&L, 0, have, rows, got),
                               .S = lr_mat_block(&S, 0, have, rows, got),
                               .rpca = r, .status = rs};
        if (summary) {
            summary->blocks++;
            summary->frames += got;
            summary->iterations += lr_rpca_iterations(r);
            summary->rank_max = LR_MAX(summary->rank_max, lr_rpca_rank(r));
            summary->residual_max = fmax(summary->residual_max, lr_rpca_residual(r));
            summary->unconverged += rs == LR_ERR_NOCONV;
            summary->carried = c;
        }
        if ((st = emit(user, &blk))) goto out;
        first += got;
        if (got < N) break; /* the stream has ended */
        /* Carry: c evenly spaced background frames of this block, and the
         * leading left singular vectors of L. */
        for (int64_t k = 0; k < c; k++)
            copy_col(&L, have + (int64_t)(((double)k + 0.5) * (double)got / (double)c), &X, k);
        have = c;
        lr_mat U = lr_rpca_u(r);
        U0.cols = LR_MIN(kb, U.cols);
        for (int64_t k = 0; k < U0.cols; k++) copy_col(&U, k, &U0, k);
        lr_rpca_destroy(r), r = NULL;
    }
out:
    lr_rpca_destroy(r);
    U0.cols = kb;
    lr_mat_free(ctx, &U0);
    lr_mat_free(ctx, &X);
    return st;
}

lr_status lr_bg_stream(lr_ctx *ctx, lr_dtype t, int64_t rows, int64_t k_max,
                       const lr_stream_opts *o, lr_stream_read_fn read, lr_stream_emit_fn emit,
                       void *user, lr_stream_summary *summary)
{
    lr_status st = check_common(ctx, t, rows, o, read, emit);
    if (st) return st;
    if (summary) memset(summary, 0, sizeof *summary);
    const int64_t N = o->window;
    if (k_max < 1 || k_max >= N || k_max > rows)
        return lr__err(ctx, LR_ERR_ARG, "stream background: rank %lld must be at least 1 and "
                       "below the window (%lld frames) and the pixels per frame",
                       (long long)k_max, (long long)N);
    const double f = sqrt(0.5);
    lr_svd_opts so = o->svd;
    so.k = k_max;
    so.tol = so.energy = 0;
    so.want_u = so.want_vt = 1;
    const int warm_q = LR_MAX(1, so.power_iters - 1);
    const int cold_q = so.power_iters;
    lr_mat X = {0}, V0 = {0};
    lr_svd *svd = NULL;
    lr_op *op = NULL;
    if ((st = lr_mat_alloc(ctx, t, rows, k_max + N, &X))) return st;
    if ((st = lr_mat_alloc(ctx, t, k_max + N, k_max, &V0))) goto out;
    int64_t have = 0, first = 0, got = 0;
    for (int64_t b = 0;; b++) {
        if ((st = read_block(ctx, &X, k_max, N, read, user, &got))) goto out;
        if (got == 0) break;
        lr_mat Xb = lr_mat_block(&X, 0, k_max - have, rows, have + got);
        if (Xb.cols <= k_max) {
            st = lr__err(ctx, LR_ERR_ARG, "stream background: %lld frames are too few for "
                         "rank %lld", (long long)got, (long long)k_max);
            goto out;
        }
        if ((st = lr_mat_check_finite(ctx, &Xb, "stream background input"))) goto out;
        if ((st = lr_op_dense(ctx, &Xb, &op))) goto out;
        so.seed = o->svd.seed + (uint64_t)b;
        lr_svd *nw = NULL;
        if (have > 0) {
            /* Warm: V0 = Xb^T U, the right basis that goes with the carried
             * left one; the carried columns are U diag(f s) themselves. */
            lr_mat U = lr_svd_u(svd);
            U.cols = have;
            lr_mat V = lr_mat_block(&V0, 0, 0, Xb.cols, have);
            so.power_iters = warm_q;
            if (!(st = k_dense_apply(ctx, &Xb, 0, 1, &U, &V)))
                st = lr_svd_compute_warm(ctx, op, &so, &V, &nw);
        } else {
            so.power_iters = cold_q;
            st = lr_svd_compute(ctx, op, &so, &nw);
        }
        lr_op_destroy(op), op = NULL;
        if (st) goto out;
        lr_svd_destroy(svd);
        svd = nw;
        lr_stream_block blk = {.index = b, .first = first, .frames = got, .col0 = have,
                               .M = lr_mat_block(&X, 0, k_max, rows, got), .svd = svd};
        if (summary) {
            summary->blocks++;
            summary->frames += got;
            summary->carried = k_max;
        }
        if ((st = emit(user, &blk))) goto out;
        first += got;
        if (got < N) break;
        /* Carry f U diag(s) into the kr columns just before the frames (kr <
         * k_max only if the SVD came out rank-deficient). */
        lr_mat U = lr_svd_u(svd);
        const double *s = lr_svd_s(svd);
        const int64_t kr = LR_MIN(k_max, LR_MIN(lr_svd_rank(svd), U.cols));
        for (int64_t i = 0; i < kr; i++)
            for (int64_t p = 0; p < rows; p++)
                lr_mat_set(&X, p, k_max - kr + i, f * s[i] * lr_mat_get(&U, p, i));
        have = kr;
    }
out:
    lr_op_destroy(op);
    lr_svd_destroy(svd);
    lr_mat_free(ctx, &V0);
    lr_mat_free(ctx, &X);
    return st;
}
