/* background.c -- low-rank factors expanded to dense blocks, and the cheap
 * low-rank background: B_k = U_k diag(s_k) V_k^T from one rank-k_max
 * randomized SVD of M, foreground M - B_k.  Every k <= k_max is a
 * truncation of the same SVD (the leading k singular triplets of a rank-k_max
 * sketch are what a rank-k sketch would estimate, only better). */
#include <string.h>
#include "rpca_internal.h"

#define EXPAND_ROWS 256

/* W (k x nc, ld k, dtype t) = diag(s[:k]) Vt[:k, c0:c0+nc]. */
static void scaled_rows(const lr_mat *Vt, const double *s, int64_t k, int64_t c0, int64_t nc,
                        void *W)
{
    for (int64_t j = 0; j < nc; j++)
        for (int64_t i = 0; i < k; i++) {
            double v = s[i] * lr_mat_get(Vt, i, c0 + j);
            if (Vt->dtype == LR_F32) ((float *)W)[i + j * k] = (float)v;
            else ((double *)W)[i + j * k] = v;
        }
}

/* C (rows x nc, ldc) = alpha U[r0:r0+rows, :k] W + beta C, threaded over
 * chunks of EXPAND_ROWS rows (single-threaded BLAS inside each). */
static void rows_gemm(lr_ctx *ctx, const lr_mat *U, int64_t r0, int64_t rows, int64_t nc,
                      int64_t k, double alpha, const void *W, double beta, void *C,
                      int64_t ldc)
{
    size_t es = lr_dtype_size(U->dtype);
    int64_t nch = (rows + EXPAND_ROWS - 1) / EXPAND_ROWS;
    const int blas = rpca__blas_single();
#pragma omp parallel for schedule(static) num_threads(lr__threads(ctx))
    for (int64_t c = 0; c < nch; c++) {
        int64_t i0 = c * EXPAND_ROWS, mr = LR_MIN(EXPAND_ROWS, rows - i0);
        k_gemm(U->dtype, 'N', 'N', mr, nc, k, alpha,
               (const char *)U->data + (size_t)(r0 + i0) * es, U->ld, W, k, beta,
               (char *)C + (size_t)i0 * es, ldc);
    }
    rpca__blas_restore(blas);
}

lr_status lr_lowrank_expand(lr_ctx *ctx, const lr_mat *U, const double *s, const lr_mat *Vt,
                            int64_t k, int64_t r0, int64_t c0, lr_mat *out)
{
    lr_status st;
    if ((st = lr_mat_check(ctx, U, "low-rank expand: U")) ||
        (st = lr_mat_check(ctx, Vt, "low-rank expand: Vt")) ||
        (st = lr_mat_check(ctx, out, "low-rank expand: output")))
        return st;
    if (U->dtype != Vt->dtype)
        return lr__err(ctx, LR_ERR_ARG, "low-rank expand: U and Vt have different element types");
    if (k < 0 || k > U->cols || k > Vt->rows || (k > 0 && !s))
        return lr__err(ctx, LR_ERR_ARG, "low-rank expand: rank %lld is not available (U has %lld "
                       "columns, Vt %lld rows)", (long long)k, (long long)U->cols,
                       (long long)Vt->rows);
    if (r0 < 0 || c0 < 0 || r0 + out->rows > U->rows || c0 + out->cols > Vt->cols)
        return lr__err(ctx, LR_ERR_ARG, "low-rank expand: block %lld x %lld at (%lld, %lld) "
                       "lies outside the %lld x %lld matrix", (long long)out->rows,
                       (long long)out->cols, (long long)r0, (long long)c0,
                       (long long)U->rows, (long long)Vt->cols);
    if (out->rows > LR_LAPACK_MAX || out->cols > LR_LAPACK_MAX || U->ld > LR_LAPACK_MAX)
        return lr__err(ctx, LR_ERR_ARG, "low-rank expand: block too large for BLAS");
    const int64_t rows = out->rows, nc = out->cols;
    if (!rows || !nc) return LR_OK;
    const size_t es = lr_dtype_size(U->dtype);
    if (k == 0) {
        for (int64_t j = 0; j < nc; j++)
            memset((char *)out->data + (size_t)(j * out->ld) * lr_dtype_size(out->dtype), 0,
                   (size_t)rows * lr_dtype_size(out->dtype));
        return LR_OK;
    }
    void *W = lr__malloc(ctx, lr__bytes(k, nc, es), "low-rank expand");
    if (!W) return LR_ERR_NOMEM;
    scaled_rows(Vt, s, k, c0, nc, W);
    if (out->dtype == U->dtype) {
        rows_gemm(ctx, U, r0, rows, nc, k, 1.0, W, 0.0, out->data, out->ld);
    } else { /* other element type: through a temporary, then convert */
        lr_mat tmp;
        if ((st = lr_mat_alloc(ctx, U->dtype, rows, nc, &tmp))) {
            lr__free(ctx, W);
            return st;
        }
        rows_gemm(ctx, U, r0, rows, nc, k, 1.0, W, 0.0, tmp.data, tmp.ld);
        st = lr_mat_copy(ctx, &tmp, out);
        lr_mat_free(ctx, &tmp);
    }
    lr__free(ctx, W);
    return st;
}

lr_status lr_bg_compute(lr_ctx *ctx, const lr_mat *M, int64_t k_max,
                        const lr_svd_opts *svd_opts, lr_svd **out)
{
    lr_status st;
    if (!out) return lr__err(ctx, LR_ERR_ARG, "background: out is NULL");
    *out = NULL;
    if ((st = lr_mat_check(ctx, M, "background input"))) return st;
    int64_t mn = LR_MIN(M->rows, M->cols);
    if (k_max < 1 || k_max > mn)
        return lr__err(ctx, LR_ERR_ARG, "background: rank %lld is out of range: it must be "
                       "between 1 and min(pixels, frames) = %lld", (long long)k_max,
                       (long long)mn);
    if ((st = lr_mat_check_finite(ctx, M, "background input"))) return st;
    lr_svd_opts so;
    if (svd_opts) {
        so = *svd_opts;
    } else {
        lr_svd_opts_default(&so);
        so.power_iters = 2;
    }
    so.k = k_max;
    so.tol = so.energy = 0;
    so.want_u = so.want_vt = 1;
    return lr_svd_dense(ctx, M, &so, out);
}

static lr_status bg_factors(lr_ctx *ctx, const lr_svd *svd, int64_t k, lr_mat *U, lr_mat *Vt)
{
    if (!svd) return lr__err(ctx, LR_ERR_ARG, "background: SVD result is NULL");
    *U = lr_svd_u(svd), *Vt = lr_svd_vt(svd);
    if (k < 0 || k > lr_svd_rank(svd))
        return lr__err(ctx, LR_ERR_ARG, "background: rank %lld is more than the %lld computed; "
                       "compute the SVD at the largest rank wanted", (long long)k,
                       (long long)lr_svd_rank(svd));
    if (!U->data || !Vt->data)
        return lr__err(ctx, LR_ERR_ARG, "background: the SVD was computed without U or Vt");
    return LR_OK;
}

lr_status lr_bg_expand(lr_ctx *ctx, const lr_svd *svd, int64_t k, int64_t r0, int64_t c0,
                       lr_mat *out)
{
    lr_mat U, Vt;
    lr_status st = bg_factors(ctx, svd, k, &U, &Vt);
    if (st) return st;
    return lr_lowrank_expand(ctx, &U, lr_svd_s(svd), &Vt, k, r0, c0, out);
}

lr_status lr_bg_foreground(lr_ctx *ctx, const lr_svd *svd, int64_t k, const lr_mat *M,
                           lr_mat *F)
{
    lr_mat U, Vt;
    lr_status st = bg_factors(ctx, svd, k, &U, &Vt);
    if (st) return st;
    if ((st = lr_mat_check(ctx, M, "background: M")) ||
        (st = lr_mat_check(ctx, F, "background: F")))
        return st;
    if (M->rows != U.rows || M->cols != Vt.cols || F->rows != M->rows || F->cols != M->cols)
        return lr__err(ctx, LR_ERR_ARG, "background: M (%lld x %lld), F (%lld x %lld) and the "
                       "SVD (%lld x %lld) must have the same shape", (long long)M->rows,
                       (long long)M->cols, (long long)F->rows, (long long)F->cols,
                       (long long)U.rows, (long long)Vt.cols);
    if (M->dtype != U.dtype || F->dtype != U.dtype)
        return lr__err(ctx, LR_ERR_ARG, "background: M, F and the SVD must share one element "
                       "type");
    const size_t es = lr_dtype_size(M->dtype);
    const int64_t m = M->rows, n = M->cols;
    if (!m || !n) return LR_OK;
    if (F->data != M->data) {
        const char *a = M->data, *b = F->data;
        const char *ae = a + (size_t)((n - 1) * M->ld + m) * es;
        const char *be = b + (size_t)((n - 1) * F->ld + m) * es;
        if (a < be && b < ae)
            return lr__err(ctx, LR_ERR_ARG, "background: F overlaps M without being M");
        if ((st = lr_mat_copy(ctx, M, F))) return st;
    } else if (F->ld != M->ld) {
        return lr__err(ctx, LR_ERR_ARG, "background: in place needs F to be the same view as M");
    }
    if (k == 0) return LR_OK;
    void *W = lr__malloc(ctx, lr__bytes(k, n, es), "background factor");
    if (!W) return LR_ERR_NOMEM;
    scaled_rows(&Vt, lr_svd_s(svd), k, 0, n, W);
    rows_gemm(ctx, &U, 0, m, n, k, -1.0, W, 1.0, F->data, F->ld);
    lr__free(ctx, W);
    return LR_OK;
}
