/* rsvd.c -- fixed-rank randomized SVD (Halko, Martinsson & Tropp 2011,
 * Alg. 4.4) with q power iterations, on B = A or A^T (whichever is tall).
 *
 * Normalizer AUTO (the default) runs each power iteration as ONE fused pass
 * over A: Y = B Z and W = B^T Y from each cache-resident panel of rows.  The
 * m-side block Y is never orthonormalized during the iterations; instead the
 * n-side block is replaced by the left singular vectors of W, scaled by the
 * inverse square roots of W's singular values (approximately 1/sigma_j).  Then
 * Y = B Z has nearly orthonormal columns, so W = B^T Y loses no more accuracy
 * than with an explicitly orthonormalized Y.  After the last pass
 * Q = Y R^{-1} by Cholesky-QR2 (Gram matrices in double) and B^T Q = W R^{-1}
 * comes for free: q + 1 passes in all instead of 2q + 2.  When Y is too ill-
 * conditioned for Cholesky-QR (rank-deficient A), Householder QR and one more
 * pass are used instead.
 *
 * LU / QR / NONE follow Alg. 4.4 literally: re-orthonormalize after every
 * product (LU with partial pivoting as scikit-learn does, or Householder QR),
 * QR at the end; 2q + 2 passes. */
#include <math.h>
#include <string.h>
#include "svd_internal.h"

/* Z <- left singular vectors of W (C x l, dtype), columns scaled by
 * 1/sqrt(singular value) when scale != 0.  Also leaves the unscaled basis in
 * Zbasis when not NULL. */
static lr_status rotate_from_w(lr_ctx *ctx, const lr_mat *W, lr_mat *Z, int scale)
{
    int64_t C = W->rows, l = W->cols, r = LR_MIN(C, l);
    double *D = lr__malloc(ctx, lr__bytes(C, l, 8), "power iteration");
    double *U = lr__malloc(ctx, lr__bytes(C, r, 8), "power iteration");
    double *VT = lr__malloc(ctx, lr__bytes(r, l, 8), "power iteration");
    double *s = lr__malloc(ctx, (size_t)r * 8 + 8, "power iteration");
    lr_status st = LR_ERR_NOMEM;
    if (!D || !U || !VT || !s) goto out;
    mat_to_double(W, D);
    if ((st = C >= 2 * l && l > 0 ? svd_tall(ctx, C, l, D, s, U, VT)
                                  : k_dsvd(ctx, C, l, D, C, s, U, C, VT, r)))
        goto out;
    for (int64_t j = 0; j < l; j++) {
        double f = 1.0;
        if (scale && j < r && s[j] > 0 && s[j] > s[0] * 1e-30) f = 1.0 / sqrt(s[j]);
        for (int64_t i = 0; i < C; i++)
            lr_mat_set(Z, i, j, j < r ? U[i + j * C] * f : 0.0);
    }
    st = LR_OK;
out:
    lr__free(ctx, D);
    lr__free(ctx, U);
    lr__free(ctx, VT);
    lr__free(ctx, s);
    return st;
}

/* Cholesky-QR2 of Y (in place) with R = R2 R1; returns 1 when Y is too
 * ill-conditioned for it (then Y is left unchanged). */
static lr_status cholqr2(lr_ctx *ctx, const lr_op *op, lr_mat *Y, double *R, int *bad)
{
    int64_t l = Y->cols;
    double *G = lr__malloc(ctx, lr__bytes(l, l, 8), "Cholesky-QR");
    double *G2 = lr__malloc(ctx, lr__bytes(l, l, 8), "Cholesky-QR");
    lr_status st = LR_ERR_NOMEM;
    *bad = 0;
    if (!G || !G2) goto out;
    if ((st = k_gram(ctx, Y, G)) || (st = op_allreduce(ctx, op, G, l * l, LR_REDUCE_SUM)))
        goto out;
    int info = k_dchol(l, G, l);
    double dmin = INFINITY, dmax = 0;
    for (int64_t i = 0; i < l && !info; i++) {
        double d = fabs(G[i + i * l]);
        dmin = d < dmin ? d : dmin, dmax = d > dmax ? d : dmax;
    }
    if (info || !(dmin > dmax * 1e-6)) {
        *bad = 1;
        st = LR_OK;
        goto out;
    }
    for (int64_t j = 0; j < l; j++)
        for (int64_t i = j + 1; i < l; i++) G[i + j * l] = 0;
    if ((st = k_trsm_right(ctx, Y, G, l))) goto out;
    if ((st = k_gram(ctx, Y, G2)) || (st = op_allreduce(ctx, op, G2, l * l, LR_REDUCE_SUM)))
        goto out;
    if (k_dchol(l, G2, l)) {
        *bad = 1; /* cannot happen after a good first pass; be safe */
        st = LR_ERR_INTERNAL;
        lr__err(ctx, st, "Cholesky-QR2 second factorization failed");
        goto out;
    }
    for (int64_t j = 0; j < l; j++)
        for (int64_t i = j + 1; i < l; i++) G2[i + j * l] = 0;
    if ((st = k_trsm_right(ctx, Y, G2, l))) goto out;
    /* R = R2 R1 (both upper triangular). */
    for (int64_t j = 0; j < l; j++)
        for (int64_t i = 0; i < l; i++) {
            double acc = 0;
            for (int64_t p = i; p <= j; p++) acc += G2[i + p * l] * G[p + j * l];
            R[i + j * l] = i <= j ? acc : 0;
        }
    st = LR_OK;
out:
    lr__free(ctx, G);
    lr__free(ctx, G2);
    return st;
}

/* Orthonormalization of a row-distributed Y (where Householder QR would need
 * the whole of Y) when Cholesky-QR breaks down: SVQB (Stathopoulos & Wu
 * 2002) twice: G = Y^T Y summed over the bands, G = E diag(d) E^T, Y <- Y E
 * diag(d)^{-1/2}; directions with d below 1e-24 max(d) (rank deficiency of
 * Y) become zero columns, which the final small SVD turns into zero
 * singular values. */
static lr_status svqb_dist(lr_ctx *ctx, const lr_op *op, lr_mat *Y)
{
    int64_t l = Y->cols;
    double *G = lr__malloc(ctx, lr__bytes(l, l, 8), "SVQB");
    double *E = lr__malloc(ctx, lr__bytes(l, l, 8), "SVQB");
    double *ET = lr__malloc(ctx, lr__bytes(l, l, 8), "SVQB");
    double *d = lr__malloc(ctx, (size_t)l * 8 + 8, "SVQB");
    lr_mat T = {0};
    lr_status st = LR_ERR_NOMEM;
    if (!G || !E || !ET || !d) goto out;
    if ((st = lr_mat_alloc(ctx, Y->dtype, Y->rows, l, &T))) goto out;
    for (int round = 0; round < 2; round++) {
        if ((st = k_gram(ctx, Y, G)) || (st = op_allreduce(ctx, op, G, l * l, LR_REDUCE_SUM)))
            goto out;
        if ((st = k_dsvd(ctx, l, l, G, l, d, E, l, ET, l))) goto out;
        for (int64_t j = 0; j < l; j++) {
            double f = d[j] > d[0] * 1e-24 && d[j] > 0 ? 1.0 / sqrt(d[j]) : 0.0;
            for (int64_t i = 0; i < l; i++) E[i + j * l] *= f;
        }
        if ((st = k_mul_small(ctx, Y, E, l, l, 0.0, &T)) || (st = lr_mat_copy(ctx, &T, Y)))
            goto out;
    }
    st = LR_OK;
out:
    lr_mat_free(ctx, &T);
    lr__free(ctx, G), lr__free(ctx, E), lr__free(ctx, ET), lr__free(ctx, d);
    return st;
}

static lr_status orth(lr_ctx *ctx, lr_normalizer nz, lr_mat *Y)
{
    if (nz == LR_NORM_LU) return k_orth_lu(ctx, Y);
    if (nz == LR_NORM_QR) return k_orth_qr(ctx, Y);
    return LR_OK;
}

lr_status svd_randomized(lr_ctx *ctx, const lr_bop *b, const lr_svd_opts *o,
                         const lr_mat *V0, lr_svd *res)
{
    int64_t R = bop_rows(b), C = bop_cols(b);
    int64_t l = LR_MIN(o->k + o->oversample, LR_MIN(bop_global_rows(b), C));
    lr_dtype t = b->op->dtype;
    int q = o->power_iters;
    lr_mat Z = {0}, Y = {0}, W = {0};
    double *Rm = NULL, *Wt = NULL;
    lr_status st;
    /* Fresh memory costs a page fault per page (measured: the largest single
     * cost of a sparse LSA), so the LU / QR / NONE path reuses Z for
     * W = B^T Q, and in double Wt is W itself. */
    int auto_nz = o->normalizer == LR_NORM_AUTO, wt_alias = 0;
    if ((st = lr_mat_alloc(ctx, t, C, l, &Z)) || (st = lr_mat_alloc(ctx, t, R, l, &Y)) ||
        (auto_nz && (st = lr_mat_alloc(ctx, t, C, l, &W))))
        goto out;
    if (!auto_nz) W = Z;
    wt_alias = t == LR_F64 && W.ld == C;
    if (!(Rm = lr__malloc(ctx, lr__bytes(l, l, 8), "R factor")) ||
        !(Wt = wt_alias ? W.data : lr__malloc(ctx, lr__bytes(C, l, 8), "small factor"))) {
        st = LR_ERR_NOMEM;
        goto out;
    }
    /* Test matrix: warm-start columns first, Gaussian columns after. */
    int64_t c0 = V0 ? LR_MIN(V0->cols, l) : 0;
    if (c0 < l) {
        lr_mat G = lr_mat_block(&Z, 0, c0, C, l - c0);
        k_randn(ctx, o->seed, 0, &G);
    }
    if (c0) {
        lr_mat dst = lr_mat_block(&Z, 0, 0, C, c0);
        lr_mat src = lr_mat_block(V0, 0, 0, C, c0);
        lr_mat_copy(ctx, &src, &dst);
    }
    if (o->normalizer == LR_NORM_AUTO) {
        double f2 = -1;
        for (int it = 0; it <= q; it++) {
            if ((st = lr__progress(ctx, "randomized SVD", (double)it / (q + 1),
                                   "pass %d of %d", it + 1, q + 1)))
                goto out;
            if ((st = bop_fused(ctx, b, &Z, &Y, &W, it == 0 ? &f2 : NULL))) goto out;
            if (it == 0) res->frob2 = f2;
            if (it < q && (st = rotate_from_w(ctx, &W, &Z, 1))) goto out;
        }
        int bad;
        if ((st = cholqr2(ctx, b->op, &Y, Rm, &bad))) goto out;
        if (!bad) {
            /* B^T Q = W R^{-1}: solve in double. */
            if (!wt_alias) mat_to_double(&W, Wt);
            for (int64_t i = 0; i < C; i++) /* row i of Wt times R^{-1} */
                for (int64_t j = 0; j < l; j++) {
                    double acc = Wt[i + j * C];
                    for (int64_t p = 0; p < j; p++) acc -= Wt[i + p * C] * Rm[p + j * l];
                    Wt[i + j * C] = acc / Rm[j + j * l];
                }
        } else {
            if ((st = op_is_dist(b->op) ? svqb_dist(ctx, b->op, &Y) : k_orth_qr(ctx, &Y)))
                goto out;
            if ((st = bop_apply(ctx, b, 1, &Y, &W))) goto out;
            if (!wt_alias) mat_to_double(&W, Wt);
        }
    } else {
        if ((st = bop_apply(ctx, b, 0, &Z, &Y))) goto out;
        for (int it = 0; it < q; it++) {
            if ((st = lr__progress(ctx, "randomized SVD", (double)it / q, "power iteration %d of %d",
                                   it + 1, q)))
                goto out;
            if ((st = orth(ctx, o->normalizer, &Y))) goto out;
            if ((st = bop_apply(ctx, b, 1, &Y, &Z))) goto out;
            if ((st = orth(ctx, o->normalizer, &Z))) goto out;
            if ((st = bop_apply(ctx, b, 0, &Z, &Y))) goto out;
        }
        /* Final basis: Cholesky-QR2 (BLAS-3) when Y is well enough
         * conditioned, else Householder (unblocked in LAPACK for l < 128). */
        int bad;
        if ((st = cholqr2(ctx, b->op, &Y, Rm, &bad))) goto out;
        if (bad && (st = k_orth_qr(ctx, &Y))) goto out;
        if ((st = bop_apply(ctx, b, 1, &Y, &W))) goto out; /* W is Z here */
        if (!wt_alias) mat_to_double(&W, Wt);
        if (b->op->dense) {
            res->frob2 = lr_mat_frob2(ctx, &b->op->A);
            res->passes++;
        } else {
            res->frob2 = b->op->frob2;
        }
    }
    st = svd_finish(ctx, b, &Y, 1, Wt, l, o->k, 0, o, res);
out:
    if (!wt_alias) lr__free(ctx, Wt);
    if (auto_nz) lr_mat_free(ctx, &W);
    lr_mat_free(ctx, &Z);
    lr_mat_free(ctx, &Y);
    lr__free(ctx, Rm);
    return st;
}
