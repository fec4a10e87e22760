/* csr_mm.c -- sparse (CSR) times dense products, threaded by rows.
 * A X: X is first copied to row-major so each stored entry of A multiplies a
 * contiguous row of X; every row of the result is summed by one thread in
 * storage order, so the bits never depend on the thread count.
 * A^T X: the same kernel on the transpose (built here; lr_op_csr and NMF
 * keep one instead), so no atomics and no thread-dependent reduction. */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdint.h>
#include <string.h>
#include "sparse_internal.h"

#define CM_T float
#define CM_VL 16
#define CM_NAME(x) cm_##x##_s
#include "csr_mm_impl.h"
#undef CM_T
#undef CM_VL
#undef CM_NAME
#define CM_T double
#define CM_VL 8
#define CM_NAME(x) cm_##x##_d
#include "csr_mm_impl.h"
#undef CM_T
#undef CM_VL
#undef CM_NAME

LR_CLONES static void cm_rows(const lr_csr *a, int64_t r0, int64_t r1, const void *Xr,
                              int64_t b, int64_t bs, void *Y, int64_t ldy, int64_t y0,
                              void *acc)
{
    if (a->dtype == LR_F32) cm_rows_s(a, r0, r1, Xr, b, bs, Y, ldy, y0, acc);
    else cm_rows_d(a, r0, r1, Xr, b, bs, Y, ldy, y0, acc);
}

void csr_mm_block(const lr_csr *a, int64_t r0, int64_t r1, const void *Xr, int64_t b,
                  int64_t bs, void *Y, int64_t ldy)
{
    cm_rows(a, r0, r1, Xr, b, bs, Y, ldy, r0, NULL);
}

LR_CLONES static void cm_scatter(const lr_csr *a, const void *X, int64_t ldx, int64_t b,
                                 int64_t bs, int64_t v0, int64_t v1, void *acc, void *xb)
{
    if (a->dtype == LR_F32) cm_scatter_s(a, X, ldx, b, bs, v0, v1, acc, xb);
    else cm_scatter_d(a, X, ldx, b, bs, v0, v1, acc, xb);
}

int64_t csr_rowmajor_stride(lr_dtype t, int64_t b)
{
    int64_t vl = 64 / (int64_t)lr_dtype_size(t), h = vl / 2;
    return b > 2 * vl ? (b + vl - 1) / vl * vl : (b + h - 1) / h * h;
}

#define ROW_BLOCK 256
/* Below this many multiply-adds a parallel region costs more than it saves. */
#define PAR_MIN_WORK (1 << 16)
/* Rows of X per work item of the row-major copy (8: one cache line of each
 * column read per item and row group). */
#define COPY_BLOCK 512

/* Rows [i0, i1) of Xr (row stride bs, zero padded) from column-major X:
 * 8 rows at a time, so each column is read a cache line at a time while the
 * 8 destination rows stay in L1. */
static void copy_rows(const lr_mat *X, void *Xr, int64_t bs, int64_t i0, int64_t i1)
{
    int64_t n = X->cols, ld = X->ld;
#define COPY_ROWS(T)                                                                  \
    do {                                                                              \
        const T *s = X->data;                                                         \
        T *d = Xr;                                                                    \
        for (int64_t r = i0; r < i1; r += 8) {                                        \
            int64_t re = LR_MIN(i1, r + 8);                                           \
            for (int64_t j = 0; j < n; j++)                                           \
                for (int64_t i = r; i < re; i++) d[i * bs + j] = s[i + j * ld];       \
            for (int64_t i = r; i < re; i++)                                          \
                for (int64_t j = n; j < bs; j++) d[i * bs + j] = 0;                   \
        }                                                                             \
    } while (0)
    if (X->dtype == LR_F32) COPY_ROWS(float);
    else COPY_ROWS(double);
#undef COPY_ROWS
}

void csr_to_rowmajor(lr_ctx *ctx, const lr_mat *X, void *Xr, int64_t bs)
{
    (void)ctx;
    copy_rows(X, Xr, bs, 0, X->rows);
}

/* Y = a Xr; when X is given, Xr is first filled from it inside the same
 * parallel region (rows split in blocks: the copy's bits do not depend on
 * the split). */
static lr_status mm_run(lr_ctx *ctx, const lr_csr *a, const lr_mat *X, void *Xr, int64_t b,
                        int64_t bs, void *Y, int64_t ldy)
{
    int nt = lr__threads(ctx);
    size_t es = lr_dtype_size(a->dtype);
    if (b == 0 || a->rows == 0) {
        if (X) csr_to_rowmajor(ctx, X, Xr, bs);
        return LR_OK;
    }
    int par = (double)a->nnz * b > PAR_MIN_WORK && a->rows > ROW_BLOCK;
    if (!par) nt = 1;
    /* Wide X: one block of accumulators (ROW_BLOCK x bs) per thread. */
    int64_t vl = 64 / (int64_t)es;
    int64_t stride = bs > 2 * vl ? (ROW_BLOCK * bs * (int64_t)es + 63) / 64 * 64 : 64;
    char *acc = lr__malloc(ctx, (size_t)stride * nt + 64, "product accumulators");
    if (!acc) return LR_ERR_NOMEM;
    char *acc0 = acc + (64 - (uintptr_t)acc % 64) % 64;
    int64_t nblk = (a->rows + ROW_BLOCK - 1) / ROW_BLOCK;
    int64_t ncp = X ? (X->rows + COPY_BLOCK - 1) / COPY_BLOCK : 0;
#pragma omp parallel num_threads(nt) if (par)
    {
        int me = 0;
#ifdef _OPENMP
        me = omp_get_thread_num();
#endif
        void *my = acc0 + (size_t)me * stride;
        if (ncp) {
#pragma omp for schedule(dynamic, 1)
            for (int64_t c = 0; c < ncp; c++)
                copy_rows(X, Xr, bs, c * COPY_BLOCK, LR_MIN(X->rows, (c + 1) * COPY_BLOCK));
        }
#pragma omp for schedule(dynamic, 4)
        for (int64_t k = 0; k < nblk; k++) {
            int64_t r0 = k * ROW_BLOCK, r1 = LR_MIN(a->rows, r0 + ROW_BLOCK);
            cm_rows(a, r0, r1, Xr, b, bs, Y, ldy, 0, my);
        }
    }
    lr__free(ctx, acc);
    return LR_OK;
}

lr_status csr_mm_rowmajor(lr_ctx *ctx, const lr_csr *a, const void *Xr, int64_t b,
                          int64_t bs, void *Y, int64_t ldy)
{
    return mm_run(ctx, a, NULL, (void *)Xr, b, bs, Y, ldy);
}

lr_status csr_mm_scratch(lr_ctx *ctx, const lr_csr *a, const lr_mat *X, lr_mat *Y,
                         csr_scratch *sc, lr_ctx *owner)
{
    if (!owner) owner = ctx;
    size_t es = lr_dtype_size(a->dtype);
    int64_t bs = csr_rowmajor_stride(a->dtype, X->cols);
    size_t need = lr__bytes(X->rows, bs, es) + 64;
    void *buf;
    if (sc && sc->cap >= need) {
        buf = sc->buf;
    } else if (sc) {
        if (!(buf = lr__malloc(owner, need, "row-major copy")))
            return lr__err(ctx, LR_ERR_NOMEM, "out of memory for a row-major copy");
        lr__free(owner, sc->buf);
        sc->buf = buf, sc->cap = need;
    } else if (!(buf = lr__malloc(ctx, need, "row-major copy"))) {
        return LR_ERR_NOMEM;
    }
    void *Xr = (char *)buf + (64 - (uintptr_t)buf % 64) % 64;
    lr_status st = mm_run(ctx, a, X, Xr, X->cols, bs, Y->data, Y->ld);
    if (!sc) lr__free(ctx, buf);
    return st;
}

/* Column blocks of the scatter product: each streams all of A once, so a
 * few (at most this many 64-byte vectors each) rather than one per vector. */
#define SCATTER_VECS 4

lr_status csr_mm_t_scatter(lr_ctx *ctx, const lr_csr *a, const lr_mat *X, lr_mat *Y,
                           csr_scratch *sc, lr_ctx *owner)
{
    if (!owner) owner = ctx;
    size_t es = lr_dtype_size(a->dtype);
    int64_t b = X->cols, bs = csr_rowmajor_stride(a->dtype, b), n = a->cols;
    int64_t vl = 64 / (int64_t)es, nvec = bs / vl;
    int nt = lr__threads(ctx);
    int par = (double)a->nnz * b > PAR_MIN_WORK && n > ROW_BLOCK;
    if (!par) nt = 1;
    size_t accb = lr__bytes(n, bs, es), xbb = (size_t)(8 * bs) * es;
    size_t need = accb + xbb * (size_t)nt + 64;
    void *buf;
    if (sc && sc->cap >= need) {
        buf = sc->buf;
    } else if (sc) {
        if (!(buf = lr__malloc(owner, need, "product accumulators")))
            return lr__err(ctx, LR_ERR_NOMEM, "out of memory for a product's accumulators");
        lr__free(owner, sc->buf);
        sc->buf = buf, sc->cap = need;
    } else if (!(buf = lr__malloc(ctx, need, "product accumulators"))) {
        return LR_ERR_NOMEM;
    }
    char *acc = (char *)buf + (64 - (uintptr_t)buf % 64) % 64, *xb0 = acc + accb;
    int64_t nunit = (nvec + SCATTER_VECS - 1) / SCATTER_VECS;
    if (nunit < nt) nunit = LR_MIN(nvec, (int64_t)nt);
    int64_t nblk = (n + COPY_BLOCK - 1) / COPY_BLOCK;
#pragma omp parallel num_threads(nt) if (par)
    {
        int me = 0;
#ifdef _OPENMP
        me = omp_get_thread_num();
#endif
        char *xb = xb0 + (size_t)me * xbb;
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < nblk; c++) {
            int64_t r0 = c * COPY_BLOCK, r1 = LR_MIN(n, r0 + COPY_BLOCK);
            memset(acc + (size_t)(r0 * bs) * es, 0, (size_t)((r1 - r0) * bs) * es);
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t u = 0; u < nunit; u++)
            cm_scatter(a, X->data, X->ld, b, bs, u * nvec / nunit, (u + 1) * nvec / nunit, acc,
                       xb);
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < nblk; c++) {
            int64_t r0 = c * COPY_BLOCK, r1 = LR_MIN(n, r0 + COPY_BLOCK);
            if (a->dtype == LR_F32) {
                const float *s = (const float *)acc;
                float *d = Y->data;
                for (int64_t j = 0; j < b; j++)
                    for (int64_t i = r0; i < r1; i++) d[i + j * Y->ld] = s[i * bs + j];
            } else {
                const double *s = (const double *)acc;
                double *d = Y->data;
                for (int64_t j = 0; j < b; j++)
                    for (int64_t i = r0; i < r1; i++) d[i + j * Y->ld] = s[i * bs + j];
            }
        }
    }
    if (!sc) lr__free(ctx, buf);
    return LR_OK;
}

/* Y = a X for a CSR a (no transpose here). */
lr_status csr_mm_plain(lr_ctx *ctx, const lr_csr *a, const lr_mat *X, lr_mat *Y)
{
    return csr_mm_scratch(ctx, a, X, Y, NULL, NULL);
}

lr_status lr_csr_mm(lr_ctx *ctx, int trans, const lr_csr *a, const lr_mat *X, lr_mat *Y)
{
    lr_status st;
    if (!a || !lr_dtype_size(a->dtype) || !a->indptr)
        return lr__err(ctx, LR_ERR_ARG, "sparse product: the matrix is missing or malformed");
    if ((st = lr_mat_check(ctx, X, "X")) || (st = lr_mat_check(ctx, Y, "Y"))) return st;
    int64_t in = trans ? a->rows : a->cols, outr = trans ? a->cols : a->rows;
    if (X->dtype != a->dtype || Y->dtype != a->dtype)
        return lr__err(ctx, LR_ERR_ARG, "sparse product: element types differ");
    if (X->rows != in || Y->rows != outr || X->cols != Y->cols)
        return lr__err(ctx, LR_ERR_ARG, "sparse product: shapes do not match (%lld x %lld "
                       "matrix%s, X %lld x %lld, Y %lld x %lld)", (long long)a->rows,
                       (long long)a->cols, trans ? " transposed" : "", (long long)X->rows,
                       (long long)X->cols, (long long)Y->rows, (long long)Y->cols);
    if (!trans) return csr_mm_plain(ctx, a, X, Y);
    lr_csr at;
    if ((st = lr_csr_transpose(ctx, a, &at))) return st;
    st = csr_mm_plain(ctx, &at, X, Y);
    lr_csr_free(ctx, &at);
    return st;
}
