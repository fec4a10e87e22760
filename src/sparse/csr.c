/* csr.c -- compressed sparse row matrices: allocation, checks, conversions
 * (triplets, dense), transpose, Frobenius norm.  Products: csr_mm.c. */
#include <math.h>
#include <string.h>
#include "sparse_internal.h"

lr_status lr_csr_alloc(lr_ctx *ctx, lr_dtype t, int64_t rows, int64_t cols,
                       int64_t nnz, lr_csr *out)
{
    memset(out, 0, sizeof *out);
    size_t es = lr_dtype_size(t);
    if (!es) return lr__err(ctx, LR_ERR_ARG, "sparse matrix: unknown element type %d", (int)t);
    if (rows < 0 || cols < 0 || nnz < 0)
        return lr__err(ctx, LR_ERR_ARG, "sparse matrix: negative size %lld x %lld, %lld entries",
                       (long long)rows, (long long)cols, (long long)nnz);
    if (rows >= INT64_MAX / 8 || nnz >= INT64_MAX / 16)
        return lr__err(ctx, LR_ERR_ARG, "sparse matrix: size %lld x %lld with %lld entries "
                       "is too large", (long long)rows, (long long)cols, (long long)nnz);
    int64_t *ip = lr__calloc(ctx, (size_t)rows + 1, 8, "sparse row offsets");
    int64_t *ix = ip ? lr__malloc(ctx, (size_t)nnz * 8, "sparse column indices") : NULL;
    void *v = ix ? lr__malloc(ctx, (size_t)nnz * es, "sparse values") : NULL;
    if (!v) {
        lr__free(ctx, ip);
        lr__free(ctx, ix);
        return LR_ERR_NOMEM;
    }
    *out = (lr_csr){t, rows, cols, nnz, ip, ix, v};
    return LR_OK;
}

void lr_csr_free(lr_ctx *ctx, lr_csr *a)
{
    if (!a) return;
    lr__free(ctx, a->indptr);
    lr__free(ctx, a->indices);
    lr__free(ctx, a->values);
    memset(a, 0, sizeof *a);
}

lr_status lr_csr_check(lr_ctx *ctx, const lr_csr *a, const char *what)
{
    if (!what) what = "sparse matrix";
    if (!a) return lr__err(ctx, LR_ERR_ARG, "%s: NULL", what);
    if (!lr_dtype_size(a->dtype)) return lr__err(ctx, LR_ERR_ARG, "%s: unknown element type", what);
    if (a->rows < 0 || a->cols < 0 || a->nnz < 0)
        return lr__err(ctx, LR_ERR_ARG, "%s: negative size", what);
    if (!a->indptr || (a->nnz > 0 && (!a->indices || !a->values)))
        return lr__err(ctx, LR_ERR_ARG, "%s: missing arrays", what);
    if (a->indptr[0] != 0 || a->indptr[a->rows] != a->nnz)
        return lr__err(ctx, LR_ERR_ARG, "%s: row offsets must start at 0 and end at nnz = %lld",
                       what, (long long)a->nnz);
    for (int64_t i = 0; i < a->rows; i++) {
        int64_t p0 = a->indptr[i], p1 = a->indptr[i + 1];
        if (p1 < p0) return lr__err(ctx, LR_ERR_ARG, "%s: row offsets decrease at row %lld",
                                    what, (long long)i);
        for (int64_t p = p0; p < p1; p++) {
            int64_t c = a->indices[p];
            if (c < 0 || c >= a->cols)
                return lr__err(ctx, LR_ERR_ARG, "%s: column index %lld out of range in row %lld",
                               what, (long long)c, (long long)i);
            if (p > p0 && c <= a->indices[p - 1])
                return lr__err(ctx, LR_ERR_ARG, "%s: column indices of row %lld are not "
                               "strictly increasing", what, (long long)i);
            double v = a->dtype == LR_F32 ? ((const float *)a->values)[p]
                                          : ((const double *)a->values)[p];
            if (!isfinite(v))
                return lr__err(ctx, LR_ERR_DATA, "%s contains %s at row %lld, column %lld; "
                               "remove or replace non-finite values first", what,
                               isnan(v) ? "NaN" : "Inf", (long long)i, (long long)c);
        }
    }
    return LR_OK;
}

static void set_val(lr_dtype t, void *v, int64_t p, double x)
{
    if (t == LR_F32) ((float *)v)[p] = (float)x;
    else ((double *)v)[p] = x;
}

lr_status lr_csr_from_triplets(lr_ctx *ctx, lr_dtype t, int64_t rows, int64_t cols,
                               int64_t n, const int64_t *ri, const int64_t *ci,
                               const double *v, lr_csr *out)
{
    memset(out, 0, sizeof *out);
    if (n < 0 || rows < 0 || cols < 0 || (n > 0 && (!ri || !ci || !v)))
        return lr__err(ctx, LR_ERR_ARG, "triplets: bad size or missing arrays");
    for (int64_t p = 0; p < n; p++)
        if (ri[p] < 0 || ri[p] >= rows || ci[p] < 0 || ci[p] >= cols)
            return lr__err(ctx, LR_ERR_ARG, "triplet %lld: index (%lld, %lld) outside the "
                           "%lld x %lld matrix", (long long)p, (long long)ri[p],
                           (long long)ci[p], (long long)rows, (long long)cols);
    /* Sorted by (row, column) with a stable radix sort, so duplicates are
     * summed in input order (deterministic). */
    int64_t *cnt = lr__calloc(ctx, (size_t)rows + 1, 8, "triplet counts");
    int64_t *perm = cnt ? lr__malloc(ctx, (size_t)n * 8, "triplet order") : NULL;
    if (!perm) {
        lr__free(ctx, cnt);
        return LR_ERR_NOMEM;
    }
    for (int64_t p = 0; p < n; p++) cnt[ri[p] + 1]++;
    for (int64_t i = 0; i < rows; i++) cnt[i + 1] += cnt[i];
    int64_t *pos = lr__malloc(ctx, (size_t)rows * 8 + 8, "triplet positions");
    if (!pos) {
        lr__free(ctx, cnt), lr__free(ctx, perm);
        return LR_ERR_NOMEM;
    }
    /* Two-pass radix sort: stable by column, then stable by row. */
    int64_t *ccnt = lr__calloc(ctx, (size_t)cols + 1, 8, "triplet column counts");
    int64_t *perm2 = ccnt ? lr__malloc(ctx, (size_t)n * 8, "triplet order") : NULL;
    if (!perm2) {
        lr__free(ctx, ccnt), lr__free(ctx, cnt), lr__free(ctx, perm), lr__free(ctx, pos);
        return LR_ERR_NOMEM;
    }
    for (int64_t p = 0; p < n; p++) ccnt[ci[p] + 1]++;
    for (int64_t j = 0; j < cols; j++) ccnt[j + 1] += ccnt[j];
    for (int64_t p = 0; p < n; p++) perm2[ccnt[ci[p]]++] = p;      /* by column */
    memcpy(pos, cnt, (size_t)rows * 8);
    for (int64_t q = 0; q < n; q++) perm[pos[ri[perm2[q]]]++] = perm2[q]; /* then row */
    lr__free(ctx, ccnt), lr__free(ctx, perm2);
    /* Count distinct (row, col) pairs. */
    int64_t nnz = 0;
    for (int64_t q = 0; q < n; q++) {
        int64_t p = perm[q];
        if (q == 0 || ri[p] != ri[perm[q - 1]] || ci[p] != ci[perm[q - 1]]) nnz++;
    }
    lr_status st = lr_csr_alloc(ctx, t, rows, cols, nnz, out);
    if (st) {
        lr__free(ctx, cnt), lr__free(ctx, perm), lr__free(ctx, pos);
        return st;
    }
    int64_t k = -1;
    double acc = 0;
    for (int64_t q = 0; q < n; q++) {
        int64_t p = perm[q];
        if (q == 0 || ri[p] != ri[perm[q - 1]] || ci[p] != ci[perm[q - 1]]) {
            if (k >= 0) set_val(t, out->values, k, acc);
            k++;
            out->indices[k] = ci[p];
            out->indptr[ri[p] + 1]++;
            acc = 0;
        }
        acc += v[p];
    }
    if (k >= 0) set_val(t, out->values, k, acc);
    for (int64_t i = 0; i < rows; i++) out->indptr[i + 1] += out->indptr[i];
    lr__free(ctx, cnt), lr__free(ctx, perm), lr__free(ctx, pos);
    return LR_OK;
}

lr_status lr_csr_from_dense(lr_ctx *ctx, const lr_mat *A, lr_csr *out)
{
    memset(out, 0, sizeof *out);
    lr_status st = lr_mat_check(ctx, A, "matrix");
    if (st) return st;
    int64_t m = A->rows, n = A->cols, nnz = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) nnz += lr_mat_get(A, i, j) != 0.0;
    if ((st = lr_csr_alloc(ctx, A->dtype, m, n, nnz, out))) return st;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) out->indptr[i + 1] += lr_mat_get(A, i, j) != 0.0;
    for (int64_t i = 0; i < m; i++) out->indptr[i + 1] += out->indptr[i];
    /* Row by row: columns come out increasing. */
    for (int64_t i = 0; i < m; i++) {
        int64_t p = out->indptr[i];
        for (int64_t j = 0; j < n; j++) {
            double x = lr_mat_get(A, i, j);
            if (x == 0.0) continue;
            out->indices[p] = j;
            set_val(A->dtype, out->values, p, x);
            p++;
        }
    }
    return LR_OK;
}

lr_status lr_csr_to_dense(lr_ctx *ctx, const lr_csr *a, lr_mat *out)
{
    lr_status st = lr_mat_alloc(ctx, a->dtype, a->rows, a->cols, out);
    if (st) return st;
    for (int64_t i = 0; i < a->rows; i++)
        for (int64_t p = a->indptr[i]; p < a->indptr[i + 1]; p++)
            lr_mat_set(out, i, a->indices[p], csr_val(a, p));
    return LR_OK;
}

lr_status lr_csr_transpose(lr_ctx *ctx, const lr_csr *a, lr_csr *out)
{
    lr_status st = lr_csr_alloc(ctx, a->dtype, a->cols, a->rows, a->nnz, out);
    if (st) return st;
    int64_t *ip = out->indptr;
    for (int64_t p = 0; p < a->nnz; p++) ip[a->indices[p] + 1]++;
    for (int64_t j = 0; j < a->cols; j++) ip[j + 1] += ip[j];
    int64_t *next = lr__malloc(ctx, (size_t)a->cols * 8 + 8, "transpose positions");
    if (!next) {
        lr_csr_free(ctx, out);
        return LR_ERR_NOMEM;
    }
    memcpy(next, ip, (size_t)a->cols * 8);
    /* Rows of a in increasing order: each row of the transpose receives its
     * columns (a's rows) increasing. */
    for (int64_t i = 0; i < a->rows; i++)
        for (int64_t p = a->indptr[i]; p < a->indptr[i + 1]; p++) {
            int64_t q = next[a->indices[p]]++;
            out->indices[q] = i;
            if (a->dtype == LR_F32) ((float *)out->values)[q] = ((const float *)a->values)[p];
            else ((double *)out->values)[q] = ((const double *)a->values)[p];
        }
    lr__free(ctx, next);
    return LR_OK;
}

double lr_csr_frob2(const lr_csr *a)
{
    double s = 0;
    for (int64_t p = 0; p < a->nnz; p++) {
        double v = csr_val(a, p);
        s += v * v;
    }
    return s;
}
