/* qb.c -- fixed-accuracy randomized SVD by blocked QB (Martinsson & Voronin
 * 2016; the error indicator of Yu, Gu & Li 2018, randQB_EI):
 * blocks Q_i of b columns are added, each sketched from B minus what is
 * already captured, power-iterated q times and re-orthogonalized against
 * Q (CGS2); with B_i = Q_i^T A the squared error is tracked exactly as
 * ||A - QB||_F^2 = ||A||_F^2 - sum ||B_i||_F^2, so A is never copied or
 * modified.  The smallest rank meeting the tolerance is returned.
 * Passes: 2(q+1) per block plus one for ||A||_F. */
#include <math.h>
#include "svd_internal.h"

/* Y <- Y - Qr (Wr^T X): subtracts what the captured part Qr Wr^T does to X. */
static lr_status subtract_captured(lr_ctx *ctx, const lr_mat *Qr, const lr_mat *Wr,
                                   const lr_mat *X, lr_mat *Y, lr_mat *T, double *D)
{
    if (Qr->cols == 0) return LR_OK;
    lr_status st = k_dense_apply(ctx, Wr, 0, 1, X, T); /* T = Wr^T X (r x b) */
    if (st) return st;
    mat_to_double(T, D);
    for (int64_t i = 0; i < T->rows * T->cols; i++) D[i] = -D[i];
    return k_mul_small(ctx, Qr, D, Qr->cols, T->cols, 1.0, Y);
}

lr_status svd_qb(lr_ctx *ctx, const lr_bop *b, const lr_svd_opts *o, lr_svd *res)
{
    int64_t R = bop_rows(b), C = bop_cols(b), mn = LR_MIN(R, C);
    int64_t maxr = o->max_rank > 0 ? LR_MIN(o->max_rank, mn) : mn;
    int64_t blk = LR_MIN(o->block, maxr);
    lr_dtype t = b->op->dtype;
    double f2;
    if (b->op->dense) {
        f2 = lr_mat_frob2(ctx, &b->op->A);
        res->passes++;
    } else if ((f2 = b->op->frob2) < 0) {
        return lr__err(ctx, LR_ERR_ARG, "the fixed-accuracy mode needs ||A||_F: give it "
                       "when creating the custom operator");
    }
    res->frob2 = f2;
    double tol2 = o->tol > 0 ? o->tol * o->tol * f2 : (1 - o->energy) * f2;
    lr_mat Q = {0}, Wb = {0}, Om = {0}, Y = {0}, Z = {0}, T = {0}, T2 = {0};
    double *D = NULL, *Wt = NULL;
    lr_status st;
    if ((st = lr_mat_alloc(ctx, t, R, maxr, &Q)) || (st = lr_mat_alloc(ctx, t, C, maxr, &Wb)) ||
        (st = lr_mat_alloc(ctx, t, C, blk, &Om)) || (st = lr_mat_alloc(ctx, t, R, blk, &Y)) ||
        (st = lr_mat_alloc(ctx, t, C, blk, &Z)) || (st = lr_mat_alloc(ctx, t, maxr, blk, &T)))
        goto out;
    if (!(D = lr__malloc(ctx, lr__bytes(maxr, blk, 8), "QB workspace"))) {
        st = LR_ERR_NOMEM;
        goto out;
    }
    int64_t r = 0;
    double err2 = f2;
    while (r < maxr && err2 > tol2) {
        int64_t bs = LR_MIN(blk, maxr - r);
        lr_mat Yb = lr_mat_block(&Y, 0, 0, R, bs), Zb = lr_mat_block(&Z, 0, 0, C, bs);
        lr_mat Ob = lr_mat_block(&Om, 0, 0, C, bs), Tb = lr_mat_block(&T, 0, 0, r, bs);
        lr_mat Qr = lr_mat_block(&Q, 0, 0, R, r), Wr = lr_mat_block(&Wb, 0, 0, C, r);
        if ((st = lr__progress(ctx, "fixed-accuracy SVD", 1 - sqrt(err2 / f2),
                               "rank %lld, error %.3g", (long long)r, sqrt(err2 / f2))))
            goto out;
        k_randn(ctx, o->seed, (uint64_t)r + 1, &Ob);
        /* Y = (B - Qr Wr^T) Om */
        if ((st = bop_apply(ctx, b, 0, &Ob, &Yb))) goto out;
        if ((st = subtract_captured(ctx, &Qr, &Wr, &Ob, &Yb, &Tb, D))) goto out;
        for (int it = 0; it < o->power_iters; it++) {
            if ((st = k_orth_qr(ctx, &Yb))) goto out;
            /* Z = (B - Qr Wr^T)^T Y = B^T Y - Wr (Qr^T Y) */
            if ((st = bop_apply(ctx, b, 1, &Yb, &Zb))) goto out;
            if ((st = subtract_captured(ctx, &Wr, &Qr, &Yb, &Zb, &Tb, D))) goto out;
            if ((st = k_orth_qr(ctx, &Zb))) goto out;
            if ((st = bop_apply(ctx, b, 0, &Zb, &Yb))) goto out;
            if ((st = subtract_captured(ctx, &Qr, &Wr, &Zb, &Yb, &Tb, D))) goto out;
        }
        if ((st = k_orth_qr(ctx, &Yb))) goto out;
        if ((st = svd_project_out(ctx, &Qr, &Yb))) goto out;
        if ((st = k_orth_qr(ctx, &Yb))) goto out;
        lr_mat Qi = lr_mat_block(&Q, 0, r, R, bs), Wi = lr_mat_block(&Wb, 0, r, C, bs);
        if ((st = lr_mat_copy(ctx, &Yb, &Qi))) goto out;
        /* W_i = B^T Q_i (Q_i is orthogonal to Qr, so nothing to subtract). */
        if ((st = bop_apply(ctx, b, 1, &Qi, &Wi))) goto out;
        err2 -= lr_mat_frob2(ctx, &Wi);
        r += bs;
    }
    if (!(Wt = lr__malloc(ctx, lr__bytes(C, r, 8), "QB factor"))) {
        st = LR_ERR_NOMEM;
        goto out;
    }
    lr_mat Qr = lr_mat_block(&Q, 0, 0, R, r), Wr = lr_mat_block(&Wb, 0, 0, C, r);
    mat_to_double(&Wr, Wt);
    st = svd_finish(ctx, b, &Qr, 0, Wt, r, 0, tol2, o, res);
    if (!st && err2 > tol2)
        st = lr__err(ctx, LR_ERR_NOCONV, "reached rank %lld (the cap) with relative error "
                     "%.4g > tolerance %.4g; the best result so far is returned",
                     (long long)r, sqrt(fmax(err2, 0) / f2), sqrt(tol2 / f2));
out:
    lr_mat_free(ctx, &Q);
    lr_mat_free(ctx, &Wb);
    lr_mat_free(ctx, &Om);
    lr_mat_free(ctx, &Y);
    lr_mat_free(ctx, &Z);
    lr_mat_free(ctx, &T);
    lr_mat_free(ctx, &T2);
    lr__free(ctx, D);
    lr__free(ctx, Wt);
    return st;
}
