/* krylov.c -- block Krylov SVD (Musco & Musco 2015, "Randomized block
 * Krylov methods for stronger and faster approximate SVD").
 * K = [B Om, (B B^T) B Om, ..., (B B^T)^q B Om] with blocks of l = k + p
 * columns, each block orthonormalized against the previous ones (CGS2 +
 * Householder QR), then Rayleigh-Ritz: SVD of Q^T B.  2q + 2 passes;
 * memory rows(B) x l(q+1) for the basis. */
#include "svd_internal.h"

lr_status svd_krylov(lr_ctx *ctx, const lr_bop *b, const lr_svd_opts *o, lr_svd *res)
{
    int64_t R = bop_rows(b), C = bop_cols(b);
    int64_t l = LR_MIN(o->k + o->oversample, LR_MIN(R, C));
    int q = o->power_iters;
    /* The basis cannot outgrow the matrix: stop adding blocks before. */
    int64_t nblk = LR_MIN((int64_t)q + 1, LR_MAX(1, LR_MIN(R, C) / l));
    lr_dtype t = b->op->dtype;
    lr_mat K = {0}, Z = {0}, W = {0};
    double *Wt = NULL;
    lr_status st;
    if ((st = lr_mat_alloc(ctx, t, R, l * nblk, &K)) || (st = lr_mat_alloc(ctx, t, C, l, &Z)))
        goto out;
    k_randn(ctx, o->seed, 0, &Z);
    for (int64_t j = 0; j < nblk; j++) {
        if ((st = lr__progress(ctx, "block Krylov", (double)j / nblk, "block %lld of %lld",
                               (long long)j + 1, (long long)nblk)))
            goto out;
        lr_mat Kj = lr_mat_block(&K, 0, j * l, R, l);
        if (j > 0) {
            lr_mat Kp = lr_mat_block(&K, 0, (j - 1) * l, R, l);
            if ((st = bop_apply(ctx, b, 1, &Kp, &Z))) goto out;
            if ((st = k_orth_qr(ctx, &Z))) goto out;
        }
        if ((st = bop_apply(ctx, b, 0, &Z, &Kj))) goto out;
        lr_mat prev = lr_mat_block(&K, 0, 0, R, j * l);
        /* Twice: a block that is almost inside span(prev) (a spectrum that
         * decays below the working precision) is mostly rounding noise after
         * one projection, and QR would blow that noise up to unit length. */
        for (int rep = 0; rep < 2; rep++) {
            if ((st = svd_project_out(ctx, &prev, &Kj))) goto out;
            if ((st = k_orth_qr(ctx, &Kj))) goto out;
        }
    }
    int64_t L = l * nblk;
    if ((st = lr_mat_alloc(ctx, t, C, L, &W))) goto out;
    if ((st = bop_apply(ctx, b, 1, &K, &W))) goto out;
    if (!(Wt = lr__malloc(ctx, lr__bytes(C, L, 8), "Krylov factor"))) {
        st = LR_ERR_NOMEM;
        goto out;
    }
    mat_to_double(&W, Wt);
    if (b->op->dense) {
        res->frob2 = lr_mat_frob2(ctx, &b->op->A);
        res->passes++;
    } else {
        res->frob2 = b->op->frob2;
    }
    st = svd_finish(ctx, b, &K, 0, Wt, L, o->k, 0, o, res);
out:
    lr_mat_free(ctx, &K);
    lr_mat_free(ctx, &Z);
    lr_mat_free(ctx, &W);
    lr__free(ctx, Wt);
    return st;
}
