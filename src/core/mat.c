/* mat.c -- dense matrix views: allocation, copy/convert, checks, norms. */
#include "internal.h"
#include <math.h>
#include <string.h>

size_t lr_dtype_size(lr_dtype t)
{
    return t == LR_F32 ? 4 : t == LR_F64 ? 8 : 0;
}

const char *lr_dtype_name(lr_dtype t)
{
    return t == LR_F32 ? "f32" : t == LR_F64 ? "f64" : "unknown";
}

lr_status lr_mat_alloc(lr_ctx *ctx, lr_dtype t, int64_t rows, int64_t cols,
                       lr_mat *out)
{
    memset(out, 0, sizeof *out);
    if (!lr_dtype_size(t))
        return lr__err(ctx, LR_ERR_ARG, "unknown element type %d", (int)t);
    if (rows < 0 || cols < 0)
        return lr__err(ctx, LR_ERR_ARG, "negative matrix size %lld x %lld",
                       (long long)rows, (long long)cols);
    size_t b = lr__bytes(rows, cols, lr_dtype_size(t));
    void *p = lr__calloc(ctx, 1, b, "matrix");
    if (!p) return LR_ERR_NOMEM;
    *out = (lr_mat){t, rows, cols, rows > 0 ? rows : 1, p};
    return LR_OK;
}

void lr_mat_free(lr_ctx *ctx, lr_mat *m)
{
    if (!m) return;
    lr__free(ctx, m->data);
    memset(m, 0, sizeof *m);
}

lr_mat lr_mat_view(lr_dtype t, int64_t rows, int64_t cols, int64_t ld,
                   void *data)
{
    return (lr_mat){t, rows, cols, ld, data};
}

lr_mat lr_mat_block(const lr_mat *m, int64_t r0, int64_t c0, int64_t rows,
                    int64_t cols)
{
    char *p = (char *)m->data + (size_t)(r0 + c0 * m->ld) * lr_dtype_size(m->dtype);
    return (lr_mat){m->dtype, rows, cols, m->ld, p};
}

double lr_mat_get(const lr_mat *m, int64_t i, int64_t j)
{
    size_t o = (size_t)(i + j * m->ld);
    return m->dtype == LR_F32 ? ((const float *)m->data)[o]
                              : ((const double *)m->data)[o];
}

void lr_mat_set(lr_mat *m, int64_t i, int64_t j, double v)
{
    size_t o = (size_t)(i + j * m->ld);
    if (m->dtype == LR_F32) ((float *)m->data)[o] = (float)v;
    else ((double *)m->data)[o] = v;
}

lr_status lr_mat_check(lr_ctx *ctx, const lr_mat *m, const char *what)
{
    if (!m) return lr__err(ctx, LR_ERR_ARG, "%s: matrix is NULL", what);
    if (!lr_dtype_size(m->dtype))
        return lr__err(ctx, LR_ERR_ARG, "%s: unknown element type", what);
    if (m->rows < 0 || m->cols < 0 || m->ld < LR_MAX(m->rows, 1))
        return lr__err(ctx, LR_ERR_ARG,
                       "%s: bad shape %lld x %lld with leading dimension %lld",
                       what, (long long)m->rows, (long long)m->cols,
                       (long long)m->ld);
    if (m->rows && m->cols && !m->data)
        return lr__err(ctx, LR_ERR_ARG, "%s: no data", what);
    return LR_OK;
}

lr_status lr_mat_copy(lr_ctx *ctx, const lr_mat *src, lr_mat *dst)
{
    if (src->rows != dst->rows || src->cols != dst->cols)
        return lr__err(ctx, LR_ERR_ARG, "copy: shapes differ (%lld x %lld vs %lld x %lld)",
                       (long long)src->rows, (long long)src->cols,
                       (long long)dst->rows, (long long)dst->cols);
    int64_t m = src->rows, n = src->cols;
#pragma omp parallel for schedule(static) num_threads(lr__threads(ctx)) if (m * n > 65536)
    for (int64_t j = 0; j < n; j++) {
        if (src->dtype == dst->dtype) {
            size_t es = lr_dtype_size(src->dtype);
            memcpy((char *)dst->data + (size_t)(j * dst->ld) * es,
                   (const char *)src->data + (size_t)(j * src->ld) * es,
                   (size_t)m * es);
        } else if (src->dtype == LR_F32) {
            const float *s = (const float *)src->data + j * src->ld;
            double *d = (double *)dst->data + j * dst->ld;
            for (int64_t i = 0; i < m; i++) d[i] = s[i];
        } else {
            const double *s = (const double *)src->data + j * src->ld;
            float *d = (float *)dst->data + j * dst->ld;
            for (int64_t i = 0; i < m; i++) d[i] = (float)s[i];
        }
    }
    return LR_OK;
}

lr_status lr_mat_check_finite(lr_ctx *ctx, const lr_mat *m, const char *what)
{
    int64_t bad_i = -1, bad_j = -1;
    for (int64_t j = 0; j < m->cols && bad_j < 0; j++) {
        int64_t i;
        if (m->dtype == LR_F32) {
            const float *c = (const float *)m->data + j * m->ld;
            float acc = 0;
            for (i = 0; i < m->rows; i++) acc += c[i] * 0.0f; /* NaN/Inf survive *0 */
            if (acc == 0.0f) continue;
            for (i = 0; i < m->rows && isfinite(c[i]); i++) {}
        } else {
            const double *c = (const double *)m->data + j * m->ld;
            double acc = 0;
            for (i = 0; i < m->rows; i++) acc += c[i] * 0.0;
            if (acc == 0.0) continue;
            for (i = 0; i < m->rows && isfinite(c[i]); i++) {}
        }
        bad_i = i, bad_j = j;
    }
    if (bad_j < 0) return LR_OK;
    return lr__err(ctx, LR_ERR_DATA,
                   "%s contains %s at row %lld, column %lld; remove or replace "
                   "non-finite values first",
                   what, isnan(lr_mat_get(m, bad_i, bad_j)) ? "NaN" : "Inf",
                   (long long)bad_i, (long long)bad_j);
}
