/* exact.c -- truncated SVD by LAPACK: ?gesdd on a copy of A (A is never
 * modified), ?gesvd when gesdd reports failure.  Memory: a copy of A plus
 * U (m x min(m,n)) and Vt (min(m,n) x n) before truncation. */
#include <cblas.h>
#include <string.h>
#include "svd_internal.h"

lr_status svd_exact(lr_ctx *ctx, const lr_op *A, const lr_svd_opts *o, lr_svd *res)
{
    if (!A->dense)
        return lr__err(ctx, LR_ERR_ARG, "the exact method needs a dense matrix; use the "
                       "randomized or krylov method for other operators");
    int64_t m = A->rows, n = A->cols, r = LR_MIN(m, n);
    lr_dtype t = A->dtype;
    lr_mat W = {0}, U = {0}, VT = {0};
    double *s = NULL;
    lr_status st;
    if ((st = lr_mat_alloc(ctx, t, m, n, &W)) || (st = lr_mat_alloc(ctx, t, m, r, &U)) ||
        (st = lr_mat_alloc(ctx, t, r, n, &VT)))
        goto out;
    if (!(s = lr__malloc(ctx, (size_t)r * 8, "singular values"))) {
        st = LR_ERR_NOMEM;
        goto out;
    }
    if ((st = lr_mat_copy(ctx, &A->A, &W))) goto out;
    if ((st = lr__progress(ctx, "exact SVD", -1, "LAPACK gesdd on %lld x %lld",
                           (long long)m, (long long)n)))
        goto out;
    int saved = openblas_get_num_threads();
    k_blas_threads(lr__threads(ctx));
    st = k_svd_typed(ctx, t, m, n, W.data, W.ld, s, U.data, U.ld, VT.data, VT.ld, &A->A);
    k_blas_threads(saved);
    res->passes = 1;
    if (st) goto out;
    double f2 = 0;
    for (int64_t i = r - 1; i >= 0; i--) f2 += s[i] * s[i]; /* small first: less rounding */
    res->frob2 = f2;
    int64_t k = o->k;
    if (o->tol > 0 || o->energy > 0) {
        double tol2 = o->tol > 0 ? o->tol * o->tol * f2 : (1 - o->energy) * f2, kept = 0;
        int64_t cap = o->max_rank > 0 ? LR_MIN(o->max_rank, r) : r;
        k = cap;
        for (int64_t i = 0; i < cap; i++) {
            kept += s[i] * s[i];
            if (f2 - kept <= tol2) {
                k = i + 1;
                break;
            }
        }
    }
    res->r = k;
    size_t es = lr_dtype_size(t);
    if (o->want_u) {
        if ((st = lr_mat_alloc(ctx, t, m, k, &res->U))) goto out;
        memcpy(res->U.data, U.data, lr__bytes(m, k, es));
    }
    if (o->want_vt) {
        if ((st = lr_mat_alloc(ctx, t, k, n, &res->Vt))) goto out;
        for (int64_t j = 0; j < n; j++)
            memcpy((char *)res->Vt.data + (size_t)(j * k) * es,
                   (char *)VT.data + (size_t)(j * VT.ld) * es, (size_t)k * es);
    }
    res->s = s, s = NULL;
    /* Same sign convention as the randomized methods. */
    if (res->U.data && (st = svd_fix_signs(ctx, res, NULL))) goto out;
    if ((o->tol > 0 || o->energy > 0) && o->max_rank > 0 && k == o->max_rank &&
        lr_svd_error_estimate(res) > (o->tol > 0 ? o->tol : 1e300))
        st = lr__err(ctx, LR_ERR_NOCONV, "max_rank %lld reached before the tolerance",
                     (long long)o->max_rank);
out:
    lr_mat_free(ctx, &W);
    lr_mat_free(ctx, &U);
    lr_mat_free(ctx, &VT);
    lr__free(ctx, s);
    return st;
}
