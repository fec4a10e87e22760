/* kernel_lapack.c -- BLAS/LAPACK calls dispatched on the element type. */
#include <cblas.h>
#include <lapacke.h>
#include <string.h>
#include "kernel.h"

void k_blas_threads(int n) { openblas_set_num_threads(n > 0 ? n : 1); }

void k_gemm(lr_dtype t, char ta, char tb, int64_t m, int64_t n, int64_t k,
            double alpha, const void *A, int64_t lda, const void *B,
            int64_t ldb, double beta, void *C, int64_t ldc)
{
    if (m <= 0 || n <= 0) return;
    enum CBLAS_TRANSPOSE TA = ta == 'T' ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE TB = tb == 'T' ? CblasTrans : CblasNoTrans;
    if (t == LR_F32)
        cblas_sgemm(CblasColMajor, TA, TB, (int)m, (int)n, (int)k, (float)alpha,
                    A, (int)lda, B, (int)ldb, (float)beta, C, (int)ldc);
    else
        cblas_dgemm(CblasColMajor, TA, TB, (int)m, (int)n, (int)k, alpha, A,
                    (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

static lr_status lapack_fail(lr_ctx *ctx, const char *rt, lapack_int info)
{
    if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
        return lr__err(ctx, LR_ERR_NOMEM, "out of memory in LAPACK %s", rt);
    return lr__err(ctx, LR_ERR_LAPACK, "LAPACK %s failed (info = %d)", rt, (int)info);
}

lr_status k_orth_qr(lr_ctx *ctx, lr_mat *Y)
{
    int64_t m = Y->rows, n = Y->cols, r = LR_MIN(m, n);
    if (r == 0) return LR_OK;
    size_t es = lr_dtype_size(Y->dtype);
    void *tau = lr__malloc(ctx, (size_t)r * es, "QR");
    if (!tau) return LR_ERR_NOMEM;
    lapack_int info;
    if (Y->dtype == LR_F32) {
        info = LAPACKE_sgeqrf(LAPACK_COL_MAJOR, (int)m, (int)n, Y->data, (int)Y->ld, tau);
        if (!info) info = LAPACKE_sorgqr(LAPACK_COL_MAJOR, (int)m, (int)r, (int)r, Y->data, (int)Y->ld, tau);
    } else {
        info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)m, (int)n, Y->data, (int)Y->ld, tau);
        if (!info) info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, (int)m, (int)r, (int)r, Y->data, (int)Y->ld, tau);
    }
    lr__free(ctx, tau);
    if (info) return lapack_fail(ctx, "geqrf/orgqr", info);
    /* Columns past min(m,n) cannot be orthonormal: zero them. */
    for (int64_t j = r; j < n; j++)
        memset((char *)Y->data + (size_t)(j * Y->ld) * es, 0, (size_t)m * es);
    return LR_OK;
}

/* P L from getrf: row i of the result is row perm^{-1}(i) of unit-lower L. */
lr_status k_orth_lu(lr_ctx *ctx, lr_mat *Y)
{
    int64_t m = Y->rows, n = Y->cols, r = LR_MIN(m, n);
    if (r == 0) return LR_OK;
    lapack_int *ipiv = lr__malloc(ctx, (size_t)r * sizeof *ipiv, "LU pivots");
    int64_t *perm = lr__malloc(ctx, (size_t)m * sizeof *perm, "LU permutation");
    size_t es = lr_dtype_size(Y->dtype);
    void *tmp = lr__malloc(ctx, (size_t)m * es, "LU row buffer");
    lr_status st = LR_OK;
    if (!ipiv || !perm || !tmp) {
        st = LR_ERR_NOMEM;
        goto done;
    }
    lapack_int info = Y->dtype == LR_F32
        ? LAPACKE_sgetrf_work(LAPACK_COL_MAJOR, (int)m, (int)n, Y->data, (int)Y->ld, ipiv)
        : LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, (int)m, (int)n, Y->data, (int)Y->ld, ipiv);
    if (info < 0) {
        st = lapack_fail(ctx, "getrf", info);
        goto done;
    }
    /* info > 0 only means an exactly zero pivot: L is still usable. */
    for (int64_t i = 0; i < m; i++) perm[i] = i;
    for (int64_t i = 0; i < r; i++) {
        int64_t p = ipiv[i] - 1, t = perm[i];
        perm[i] = perm[p], perm[p] = t;
    }
    /* Make L explicit (unit diagonal, zero above), then undo the pivoting. */
    for (int64_t j = 0; j < n; j++) {
        char *col = (char *)Y->data + (size_t)(j * Y->ld) * es;
        for (int64_t i = 0; i <= j && i < m; i++) {
            if (Y->dtype == LR_F32) ((float *)col)[i] = i == j ? 1.0f : 0.0f;
            else ((double *)col)[i] = i == j ? 1.0 : 0.0;
        }
        /* row perm[i] of P L is row i of L */
        if (Y->dtype == LR_F32)
            for (int64_t i = 0; i < m; i++) ((float *)tmp)[perm[i]] = ((float *)col)[i];
        else
            for (int64_t i = 0; i < m; i++) ((double *)tmp)[perm[i]] = ((double *)col)[i];
        memcpy(col, tmp, (size_t)m * es);
    }
done:
    lr__free(ctx, ipiv);
    lr__free(ctx, perm);
    lr__free(ctx, tmp);
    return st;
}

lr_status k_dsvd(lr_ctx *ctx, int64_t m, int64_t n, double *A, int64_t lda,
                 double *s, double *U, int64_t ldu, double *VT, int64_t ldvt)
{
    return k_svd_typed(ctx, LR_F64, m, n, A, lda, s, U, ldu, VT, ldvt, NULL);
}

lr_status k_svd_typed(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n, void *A,
                      int64_t lda, double *s, void *U, int64_t ldu, void *VT,
                      int64_t ldvt, const lr_mat *restore)
{
    int64_t r = LR_MIN(m, n);
    if (r == 0) return LR_OK;
    if (m > LR_LAPACK_MAX || n > LR_LAPACK_MAX || lda > LR_LAPACK_MAX)
        return lr__err(ctx, LR_ERR_ARG, "matrix %lld x %lld is too large for LAPACK's 32-bit sizes",
                       (long long)m, (long long)n);
    size_t es = lr_dtype_size(t);
    /* gesdd overwrites A even when it fails: gesvd needs the original back,
     * from `restore` when the caller has it, else from a copy. */
    void *save = NULL;
    if (!restore) {
        save = lr__malloc(ctx, lr__bytes(lda, n, es), "SVD workspace");
        if (!save) return LR_ERR_NOMEM;
        memcpy(save, A, lr__bytes(lda, n, es));
    }
    lr_mat Aw = lr_mat_view(t, m, n, lda, A);
#define RESTORE() (restore ? (void)lr_mat_copy(ctx, restore, &Aw) \
                           : (void)memcpy(A, save, lr__bytes(lda, n, es)))
    lapack_int info;
    if (t == LR_F32) {
        float *sf = lr__malloc(ctx, (size_t)r * 4 + 4 * (size_t)r, "singular values");
        if (!sf) {
            lr__free(ctx, save);
            return LR_ERR_NOMEM;
        }
        info = LAPACKE_sgesdd(LAPACK_COL_MAJOR, 'S', (int)m, (int)n, A, (int)lda, sf, U, (int)ldu, VT, (int)ldvt);
        if (info > 0) {
            lr__log(ctx, 1, "sgesdd did not converge (info %d); retrying with sgesvd", (int)info);
            RESTORE();
            info = LAPACKE_sgesvd(LAPACK_COL_MAJOR, 'S', 'S', (int)m, (int)n, A, (int)lda, sf, U, (int)ldu, VT, (int)ldvt, sf + r);
        }
        for (int64_t i = 0; i < r; i++) s[i] = sf[i];
        lr__free(ctx, sf);
    } else {
        info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (int)m, (int)n, A, (int)lda, s, U, (int)ldu, VT, (int)ldvt);
        if (info > 0) {
            lr__log(ctx, 1, "dgesdd did not converge (info %d); retrying with dgesvd", (int)info);
            RESTORE();
            double *sup = lr__malloc(ctx, (size_t)r * 8, "gesvd workspace");
            if (!sup) {
                lr__free(ctx, save);
                return LR_ERR_NOMEM;
            }
            info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'S', 'S', (int)m, (int)n, A, (int)lda, s, U, (int)ldu, VT, (int)ldvt, sup);
            lr__free(ctx, sup);
        }
    }
#undef RESTORE
    lr__free(ctx, save);
    if (info > 0)
        return lr__err(ctx, LR_ERR_NOCONV, "the SVD did not converge (LAPACK gesdd and gesvd, info = %d)", (int)info);
    if (info < 0) return lapack_fail(ctx, "gesdd", info);
    return LR_OK;
}

int k_dchol(int64_t l, double *G, int64_t ldg)
{
    if (l == 0) return 0;
    return (int)LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (int)l, G, (int)ldg);
}
