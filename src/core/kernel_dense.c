/* kernel_dense.c -- deterministic threaded products with a dense matrix.
 *
 * Every product is split along the operator's rows into chunks fixed by the
 * shape alone (k_chunking); each chunk is done by single-threaded BLAS and
 * partial sums are added in chunk order, so results are bit-identical for
 * any thread count.  The fused pass reads each cache-sized panel of rows once
 * and uses it twice (B Z, then B^T (B Z)): one trip through memory per power
 * iteration instead of two. */
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <string.h>
#include "kernel.h"

#define PANEL_BYTES (512 * 1024)
/* Below this many multiply-adds a parallel region costs more than it saves. */
#define PAR_MIN_WORK (1 << 18)
/* Row-vectorized fused kernel: used while C x l vectors of 64 bytes stay
 * under RV_WIDE_BYTES (the rule measured when all l columns were summed
 * lane-wise; unchanged since), and its panel takes RV_L2_BYTES less that
 * amount (the panel height measured best, see dense_fused_rv). */
#define RV_WIDE_BYTES (1.25 * 1024 * 1024)
#define RV_L2_BYTES ((int64_t)1792 * 1024)

k_chunks k_chunking(int64_t rows)
{
    int64_t n = (rows + 255) / 256;
    if (n > 32) n = 32;
    if (n < 1) n = 1;
    int64_t c = (rows + n - 1) / n;
    c = (c + 15) & ~(int64_t)15;
    if (c < 16) c = 16;
    n = rows > 0 ? (rows + c - 1) / c : 1;
    return (k_chunks){n, c};
}

/* Rows [r0, r0+P) of B = A (at = 0) or A^T (at = 1):
 *   trans = 0:  Out(P x b)          = Bp X       (X: cols(B) x b)
 *   trans = 1:  Out(cols(B) x b)    = Bp^T X + beta Out   (X: P x b) */
static void panel_mul(const lr_mat *A, int at, int64_t r0, int64_t P, int trans,
                      const void *X, int64_t ldx, int64_t b, double beta,
                      void *Out, int64_t ldo)
{
    size_t es = lr_dtype_size(A->dtype);
    int64_t ncolsB = at ? A->rows : A->cols;
    if (!at) {
        const char *Ap = (const char *)A->data + (size_t)r0 * es;
        if (!trans) k_gemm(A->dtype, 'N', 'N', P, b, ncolsB, 1.0, Ap, A->ld, X, ldx, 0.0, Out, ldo);
        else k_gemm(A->dtype, 'T', 'N', ncolsB, b, P, 1.0, Ap, A->ld, X, ldx, beta, Out, ldo);
    } else {
        const char *Ap = (const char *)A->data + (size_t)(r0 * A->ld) * es;
        if (!trans) k_gemm(A->dtype, 'T', 'N', P, b, ncolsB, 1.0, Ap, A->ld, X, ldx, 0.0, Out, ldo);
        else k_gemm(A->dtype, 'N', 'N', ncolsB, b, P, 1.0, Ap, A->ld, X, ldx, beta, Out, ldo);
    }
}

static void add_into(lr_dtype t, int64_t m, int64_t n, const void *S, int64_t lds,
                     void *D, int64_t ldd)
{
    for (int64_t j = 0; j < n; j++) {
        if (t == LR_F32) {
            const float *s = (const float *)S + j * lds;
            float *d = (float *)D + j * ldd;
            for (int64_t i = 0; i < m; i++) d[i] += s[i];
        } else {
            const double *s = (const double *)S + j * lds;
            double *d = (double *)D + j * ldd;
            for (int64_t i = 0; i < m; i++) d[i] += s[i];
        }
    }
}

static void copy_block(lr_dtype t, int64_t m, int64_t n, const void *S, int64_t lds,
                       void *D, int64_t ldd)
{
    size_t es = lr_dtype_size(t);
    for (int64_t j = 0; j < n; j++)
        memcpy((char *)D + (size_t)(j * ldd) * es, (const char *)S + (size_t)(j * lds) * es,
               (size_t)m * es);
}

/* OpenBLAS must run single-threaded under our own threads (its OpenMP build
 * does so inside a parallel region, but a team of one is not "in parallel"). */
typedef struct { int saved; } blas_guard;
static blas_guard blas_single(void)
{
    blas_guard g = {openblas_get_num_threads()};
    openblas_set_num_threads(1);
    return g;
}
static void blas_restore(blas_guard g) { openblas_set_num_threads(g.saved); }

/* Sum the chunk partials P[0..nc) (each m x n, ld m) into Out in order. */
static void reduce_partials(lr_dtype t, int64_t nc, int64_t m, int64_t n,
                            const char *P, void *Out, int64_t ldo)
{
    size_t es = lr_dtype_size(t), one = (size_t)m * n * es;
    copy_block(t, m, n, P, m, Out, ldo);
    for (int64_t c = 1; c < nc; c++) add_into(t, m, n, P + c * one, m, Out, ldo);
}

lr_status k_dense_apply(lr_ctx *ctx, const lr_mat *A, int at, int trans,
                        const lr_mat *X, lr_mat *Y)
{
    int64_t R = at ? A->cols : A->rows, C = at ? A->rows : A->cols, b = X->cols;
    k_chunks ch = k_chunking(R);
    int nt = lr__threads(ctx);
    size_t es = lr_dtype_size(A->dtype);
    if (b == 0) return LR_OK;
    if (R == 0 || C == 0) {
        for (int64_t j = 0; j < b; j++)
            memset((char *)Y->data + (size_t)(j * Y->ld) * es, 0, (size_t)Y->rows * es);
        return LR_OK;
    }
    blas_guard g = blas_single();
    int par = (double)R * C * b > PAR_MIN_WORK && ch.nchunk > 1;
    if (!trans) {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (par)
        for (int64_t c = 0; c < ch.nchunk; c++) {
            int64_t r0 = c * ch.chunk, P = LR_MIN(ch.chunk, R - r0);
            panel_mul(A, at, r0, P, 0, X->data, X->ld, b, 0.0,
                      (char *)Y->data + (size_t)r0 * es, Y->ld);
        }
        blas_restore(g);
        return LR_OK;
    }
    size_t one = lr__bytes(C, b, es);
    char *part = lr__malloc(ctx, lr__bytes(ch.nchunk, 1, one), "product partial sums");
    if (!part) {
        blas_restore(g);
        return LR_ERR_NOMEM;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (par)
    for (int64_t c = 0; c < ch.nchunk; c++) {
        int64_t r0 = c * ch.chunk, P = LR_MIN(ch.chunk, R - r0);
        panel_mul(A, at, r0, P, 1, (const char *)X->data + (size_t)r0 * es, X->ld, b,
                  0.0, part + c * one, C);
    }
    reduce_partials(A->dtype, ch.nchunk, C, b, part, Y->data, Y->ld);
    lr__free(ctx, part);
    blas_restore(g);
    return LR_OK;
}

static double panel_sumsq(const lr_mat *A, int at, int64_t r0, int64_t P)
{
    /* Rows [r0, r0+P) of B: a row band of A (at = 0) or a column band. */
    int64_t nr = at ? A->rows : P, nc = at ? P : A->cols;
    int64_t off = at ? r0 * A->ld : r0;
    double s = 0;
    for (int64_t j = 0; j < nc; j++) {
        double cs = 0;
        if (A->dtype == LR_F32) {
            const float *c = (const float *)A->data + off + j * A->ld;
            for (int64_t i = 0; i < nr; i++) cs += (double)c[i] * c[i];
        } else {
            const double *c = (const double *)A->data + off + j * A->ld;
            for (int64_t i = 0; i < nr; i++) cs += c[i] * c[i];
        }
        s += cs;
    }
    return s;
}

/* Y (column-major, ld) <- the first l columns of the p x lp row-major R. */
static void rowmajor_to_cols(lr_dtype t, const void *R, int64_t lp, int64_t p, int64_t l,
                             void *Y, int64_t ld)
{
    if (t == LR_F32) {
        const float *r = R;
        float *y = Y;
        for (int64_t q = 0; q < l; q++)
            for (int64_t i = 0; i < p; i++) y[i + q * ld] = r[i * lp + q];
    } else {
        const double *r = R;
        double *y = Y;
        for (int64_t q = 0; q < l; q++)
            for (int64_t i = 0; i < p; i++) y[i + q * ld] = r[i * lp + q];
    }
}

/* Zt (C x lp, row-major) = Z^T, padded with zero columns from l to lp. */
static void fused_zt(const lr_mat *Z, int64_t C, int64_t lp, char *Zt)
{
    size_t es = lr_dtype_size(Z->dtype);
    memset(Zt, 0, lr__bytes(C, lp, es));
    for (int64_t c = 0; c < Z->cols; c++)
        for (int64_t j = 0; j < C; j++) {
            double v = lr_mat_get(Z, j, c);
            if (es == 4) ((float *)Zt)[j * lp + c] = (float)v;
            else ((double *)Zt)[j * lp + c] = v;
        }
}

/* The end of a fused pass: W = the sum of the chunk partials (C x lp,
 * row-major, `one` bytes apart) in chunk order, transposed back into W's
 * l columns; *frob2 = the sum of the chunks' norms in chunk order. */
static void fused_finish(lr_dtype t, const k_chunks *ch, char *part, size_t one, int64_t C,
                         int64_t lp, const double *fro, lr_mat *W, double *frob2)
{
    for (int64_t c = 1; c < ch->nchunk; c++) add_into(t, C * lp, 1, part + c * one, 0, part, 0);
    for (int64_t q = 0; q < W->cols; q++)
        for (int64_t j = 0; j < C; j++) {
            if (t == LR_F32) ((float *)W->data)[j + q * W->ld] = ((float *)part)[j * lp + q];
            else ((double *)W->data)[j + q * W->ld] = ((double *)part)[j * lp + q];
        }
    if (frob2) {
        double s = 0;
        for (int64_t c = 0; c < ch->nchunk; c++) s += fro[c];
        *frob2 = s;
    }
}

/* Copies C column segments of pb bytes (column stride ldb) into pack (column
 * stride Pb >= pb, zero-filled to Pb), eight columns side by side one 64-byte
 * line at a time: eight memory streams in flight instead of one, 6.0 -> 7.9
 * GB/s on one core here (the copy is latency-bound). */
static void pack_panel(char *pack, const char *src, size_t ldb, int64_t C, size_t pb, size_t Pb)
{
    for (int64_t j0 = 0; j0 < C; j0 += 8) {
        int64_t kb = LR_MIN(8, C - j0);
        size_t b = 0;
        for (; b + 64 <= pb; b += 64)
            for (int64_t k = 0; k < kb; k++)
                memcpy(pack + (size_t)(j0 + k) * Pb + b, src + (size_t)(j0 + k) * ldb + b, 64);
        for (int64_t k = 0; k < kb; k++) {
            char *d = pack + (size_t)(j0 + k) * Pb;
            if (b < pb) memcpy(d + b, src + (size_t)(j0 + k) * ldb + b, pb - b);
            if (Pb > pb) memset(d + pb, 0, Pb - pb);
        }
    }
}

/* k_dense_fused for a column-major A (rows = bands) with the row-vectorized
 * kernel: each panel is copied column by column into a packed column-major
 * buffer padded with zero rows to a multiple of K_RV_ROWS, Y's rows are
 * copied out column by column, and W's partial sums live per thread (Wb and
 * the lane-wise Ww, see kernel.h), summed into the chunk's partial at the
 * end of each chunk.  The copy is a plain one before the kernel: refilling
 * the panel inside step 2 (the previous design), software prefetch of the
 * next panel during either step, and step 1 reading A in place were all
 * slower on this machine (a copy of 240-element column segments runs at
 * ~6.5 GB/s on one core against 14 GB/s for a sequential read, and its
 * misses compete with the kernel's L2 traffic). */
static lr_status dense_fused_rv(lr_ctx *ctx, const lr_mat *A, const lr_mat *Z, lr_mat *Y,
                                lr_mat *W, double *frob2)
{
    int64_t R = A->rows, C = A->cols, l = Z->cols;
    k_chunks ch = k_chunking(R);
    int nt = lr__threads(ctx);
    size_t es = lr_dtype_size(A->dtype);
    int64_t vl = 64 / (int64_t)es, lp = (l + vl - 1) / vl * vl, rows = K_RV_ROWS(A->dtype);
    int64_t lb = l / vl * vl, lr = l - lb;
    /* Panel height as measured best: (1.75 MiB - C x l vectors) of panel;
     * taller panels (using the room the smaller lane sums leave) measured no
     * faster. */
    int64_t P = (RV_L2_BYTES - C * l * 64) / (LR_MAX(C, 1) * (int64_t)es) / rows * rows;
    P = LR_MAX(rows, LR_MIN(P, (ch.chunk + rows - 1) / rows * rows));
    size_t one = lr__bytes(C, lp, es);
    size_t wide = lr__bytes(C, lr, 64) + (lr__bytes(C, lb, es) + 63) / 64 * 64;
    char *part = lr__malloc(ctx, lr__bytes(ch.nchunk, 1, one), "fused pass partial sums");
    char *Zt = lr__malloc(ctx, one, "fused pass");
    char *ybuf = lr__malloc(ctx, lr__bytes(P * (l + lb), nt, es), "fused pass");
    char *pbuf = lr__malloc(ctx, lr__bytes(P * C, nt, es), "fused pass panel");
    char *wbuf = lr__malloc(ctx, lr__bytes(wide, nt, 1), "fused pass lane sums");
    double *fro = lr__calloc(ctx, (size_t)ch.nchunk, sizeof(double), "norm partials");
    if (!part || !Zt || !ybuf || !pbuf || !wbuf || !fro) {
        lr__free(ctx, part), lr__free(ctx, Zt), lr__free(ctx, ybuf), lr__free(ctx, pbuf);
        lr__free(ctx, wbuf), lr__free(ctx, fro);
        return LR_ERR_NOMEM;
    }
    fused_zt(Z, C, lp, Zt);
    int par = (double)R * C * l > PAR_MIN_WORK && ch.nchunk > 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (par)
    for (int64_t c = 0; c < ch.nchunk; c++) {
        int64_t c0 = c * ch.chunk, c1 = LR_MIN(R, c0 + ch.chunk);
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        char *Yc = ybuf + (size_t)tid * P * (l + lb) * es, *Yr = Yc + (size_t)P * l * es;
        char *pack = pbuf + (size_t)tid * P * C * es;
        char *Ww = wbuf + (size_t)tid * wide, *Wb = Ww + lr__bytes(C, lr, 64);
        memset(Ww, 0, wide);
        double f = 0;
        for (int64_t r0 = c0; r0 < c1; r0 += P) {
            int64_t p = LR_MIN(P, c1 - r0), Pp = (p + rows - 1) / rows * rows;
            const char *Ap = (const char *)A->data + (size_t)r0 * es;
            pack_panel(pack, Ap, (size_t)A->ld * es, C, (size_t)p * es, (size_t)Pp * es);
            if (frob2) f += k_sumsq(A->dtype, pack, (size_t)Pp * C);
            k_fusedrv_panel(A->dtype, pack, Pp, C, Zt, l, lp, Yc, Yr, Wb, Ww);
            for (int64_t q = 0; q < l; q++)
                memcpy((char *)Y->data + ((size_t)q * Y->ld + r0) * es,
                       Yc + (size_t)q * Pp * es, (size_t)p * es);
        }
        k_fusedrv_reduce(A->dtype, Wb, Ww, C, l, lp, part + c * one);
        fro[c] = f;
    }
    fused_finish(A->dtype, &ch, part, one, C, lp, fro, W, frob2);
    lr__free(ctx, part), lr__free(ctx, Zt), lr__free(ctx, ybuf), lr__free(ctx, pbuf);
    lr__free(ctx, wbuf), lr__free(ctx, fro);
    return LR_OK;
}

lr_status k_dense_fused(lr_ctx *ctx, const lr_mat *A, int at, const lr_mat *Z,
                        lr_mat *Y, lr_mat *W, double *frob2)
{
    int64_t R = at ? A->cols : A->rows, C = at ? A->rows : A->cols, l = Z->cols;
    size_t es = lr_dtype_size(A->dtype);
    int64_t vl = 64 / (int64_t)es, lp = (l + vl - 1) / vl * vl;
    /* Row bands with a sketch width that wastes vector lanes: the
     * row-vectorized kernel, when its lane-wise partial sums stay small. */
    if (!at && lp != l && (double)C * l * 64 <= RV_WIDE_BYTES)
        return dense_fused_rv(ctx, A, Z, Y, W, frob2);
    k_chunks ch = k_chunking(R);
    int nt = lr__threads(ctx);
    /* Panel rows: the panel (P x C) should stay in L2 between the two steps. */
    int64_t P = PANEL_BYTES / (int64_t)(LR_MAX(C, 1) * es);
    P = LR_MAX(6, LR_MIN(P, ch.chunk));
    int64_t si = at ? A->ld : 1, sj = at ? 1 : A->ld;
    size_t one = lr__bytes(C, lp, es);
    char *part = lr__malloc(ctx, lr__bytes(ch.nchunk, 1, one), "fused pass partial sums");
    char *Zt = lr__malloc(ctx, one, "fused pass");
    char *ybuf = lr__malloc(ctx, lr__bytes(P * lp, nt, es), "fused pass");
    char *pbuf = at ? NULL : lr__malloc(ctx, lr__bytes(P * C, nt, es), "fused pass panel");
    double *fro = lr__calloc(ctx, (size_t)ch.nchunk, sizeof(double), "norm partials");
    if (!part || !Zt || !ybuf || !fro || (!at && !pbuf)) {
        lr__free(ctx, part), lr__free(ctx, Zt), lr__free(ctx, ybuf), lr__free(ctx, fro);
        lr__free(ctx, pbuf);
        return LR_ERR_NOMEM;
    }
    fused_zt(Z, C, lp, Zt);
    memset(part, 0, lr__bytes(ch.nchunk, 1, one));
    int par = (double)R * C * l > PAR_MIN_WORK && ch.nchunk > 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (par)
    for (int64_t c = 0; c < ch.nchunk; c++) {
        int64_t c0 = c * ch.chunk, c1 = LR_MIN(R, c0 + ch.chunk);
        char *Ypr = ybuf, *pack = pbuf;
#ifdef _OPENMP
        Ypr += (size_t)omp_get_thread_num() * P * lp * es;
        if (pack) pack += (size_t)omp_get_thread_num() * P * C * es;
#endif
        double f = 0;
        for (int64_t r0 = c0; r0 < c1; r0 += P) {
            int64_t p = LR_MIN(P, c1 - r0);
            const char *Ap = (const char *)A->data + (size_t)(r0 * si) * es;
            k_fused_panel(A->dtype, Ap, si, sj, p, C, Zt, lp, Ypr, part + c * one, pack);
            rowmajor_to_cols(A->dtype, Ypr, lp, p, l, (char *)Y->data + (size_t)r0 * es, Y->ld);
            if (frob2) /* the band is hot in cache now: contiguous in pack */
                f += pack ? k_sumsq(A->dtype, pack, (size_t)p * C) : panel_sumsq(A, at, r0, p);
        }
        fro[c] = f;
    }
    fused_finish(A->dtype, &ch, part, one, C, lp, fro, W, frob2);
    lr__free(ctx, part), lr__free(ctx, Zt), lr__free(ctx, ybuf), lr__free(ctx, fro);
    lr__free(ctx, pbuf);
    return LR_OK;
}

/* Copies rows [r0, r0+P) of Y (any dtype) into double buffer D (P x l). */
static void rows_to_double(const lr_mat *Y, int64_t r0, int64_t P, double *D)
{
    for (int64_t j = 0; j < Y->cols; j++) {
        if (Y->dtype == LR_F32) {
            const float *s = (const float *)Y->data + r0 + j * Y->ld;
            for (int64_t i = 0; i < P; i++) D[i + j * P] = s[i];
        } else {
            memcpy(D + j * P, (const double *)Y->data + r0 + j * Y->ld, (size_t)P * 8);
        }
    }
}

static void double_to_rows(const double *D, int64_t r0, int64_t P, lr_mat *Y)
{
    for (int64_t j = 0; j < Y->cols; j++) {
        if (Y->dtype == LR_F32) {
            float *d = (float *)Y->data + r0 + j * Y->ld;
            for (int64_t i = 0; i < P; i++) d[i] = (float)D[i + j * P];
        } else {
            memcpy((double *)Y->data + r0 + j * Y->ld, D + j * P, (size_t)P * 8);
        }
    }
}

lr_status k_gram(lr_ctx *ctx, const lr_mat *Y, double *G)
{
    int64_t m = Y->rows, l = Y->cols;
    k_chunks ch = k_chunking(m);
    int nt = lr__threads(ctx);
    double *part = lr__calloc(ctx, (size_t)(ch.nchunk * l * l), 8, "Gram partials");
    double *buf = lr__malloc(ctx, lr__bytes(ch.chunk * l, nt, 8), "Gram buffer");
    if (!part || !buf) {
        lr__free(ctx, part);
        lr__free(ctx, buf);
        return LR_ERR_NOMEM;
    }
    blas_guard g = blas_single();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if ((double)m * l * l > PAR_MIN_WORK)
    for (int64_t c = 0; c < ch.nchunk; c++) {
        int64_t r0 = c * ch.chunk, P = LR_MIN(ch.chunk, m - r0);
        if (P <= 0) continue;
        double *D = buf;
#ifdef _OPENMP
        D += (size_t)omp_get_thread_num() * ch.chunk * l;
#endif
        rows_to_double(Y, r0, P, D);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)l, (int)l, (int)P, 1.0, D,
                    (int)P, D, (int)P, 0.0, part + c * l * l, (int)l);
    }
    blas_restore(g);
    reduce_partials(LR_F64, ch.nchunk, l, l, (const char *)part, G, l);
    lr__free(ctx, part);
    lr__free(ctx, buf);
    return LR_OK;
}

lr_status k_trsm_right(lr_ctx *ctx, lr_mat *Y, const double *R, int64_t ldr)
{
    int64_t m = Y->rows, l = Y->cols;
    k_chunks ch = k_chunking(m);
    int nt = lr__threads(ctx);
    double *buf = lr__malloc(ctx, lr__bytes(ch.chunk * l, nt, 8), "solve buffer");
    if (!buf) return LR_ERR_NOMEM;
    blas_guard g = blas_single();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if ((double)m * l * l > PAR_MIN_WORK)
    for (int64_t c = 0; c < ch.nchunk; c++) {
        int64_t r0 = c * ch.chunk, P = LR_MIN(ch.chunk, m - r0);
        if (P <= 0) continue;
        double *D = buf;
#ifdef _OPENMP
        D += (size_t)omp_get_thread_num() * ch.chunk * l;
#endif
        rows_to_double(Y, r0, P, D);
        cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
                    (int)P, (int)l, 1.0, R, (int)ldr, D, (int)P);
        double_to_rows(D, r0, P, Y);
    }
    blas_restore(g);
    lr__free(ctx, buf);
    return LR_OK;
}

/* The l x k double factor M in Y's element type: M itself for double, a
 * float copy (leading dimension l, *ldm updated) for float; NULL when out of
 * memory.  Free with lr__free when it is not M. */
static void *small_factor(lr_ctx *ctx, lr_dtype t, const double *M, int64_t *ldm, int64_t l,
                          int64_t k)
{
    if (t != LR_F32) return (void *)M;
    float *f = lr__malloc(ctx, lr__bytes(l, k, 4), "small factor");
    if (!f) return NULL;
    for (int64_t j = 0; j < k; j++)
        for (int64_t i = 0; i < l; i++) f[i + j * l] = (float)M[i + j * *ldm];
    *ldm = l;
    return f;
}

lr_status k_mul_small(lr_ctx *ctx, const lr_mat *Y, const double *M,
                      int64_t ldm, int64_t k, double beta, lr_mat *C)
{
    int64_t m = Y->rows, l = Y->cols;
    k_chunks ch = k_chunking(m);
    int nt = lr__threads(ctx);
    void *Mt = small_factor(ctx, Y->dtype, M, &ldm, l, k);
    if (!Mt) return LR_ERR_NOMEM;
    size_t es = lr_dtype_size(Y->dtype);
    blas_guard g = blas_single();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if ((double)m * l * k > PAR_MIN_WORK)
    for (int64_t c = 0; c < ch.nchunk; c++) {
        int64_t r0 = c * ch.chunk, P = LR_MIN(ch.chunk, m - r0);
        if (P <= 0) continue;
        k_gemm(Y->dtype, 'N', 'N', P, k, l, 1.0, (const char *)Y->data + (size_t)r0 * es,
               Y->ld, Mt, ldm, beta, (char *)C->data + (size_t)r0 * es, C->ld);
    }
    blas_restore(g);
    if (Mt != (void *)M) lr__free(ctx, Mt);
    return LR_OK;
}

lr_status k_mul_small_inplace(lr_ctx *ctx, lr_mat *Y, const double *M, int64_t ldm,
                              int64_t k)
{
    int64_t m = Y->rows, l = Y->cols;
    k_chunks ch = k_chunking(m);
    int nt = lr__threads(ctx);
    size_t es = lr_dtype_size(Y->dtype);
    if (m == 0 || k == 0) return LR_OK;
    int par = (double)m * l * k > PAR_MIN_WORK;
    if (!par) nt = 1;
    void *Mt = small_factor(ctx, Y->dtype, M, &ldm, l, k);
    if (!Mt) return LR_ERR_NOMEM;
    char *tmp = lr__malloc(ctx, lr__bytes((int64_t)nt * ch.chunk, k, es), "product rows");
    if (!tmp) {
        if (Mt != (void *)M) lr__free(ctx, Mt);
        return LR_ERR_NOMEM;
    }
    blas_guard g = blas_single();
#pragma omp parallel num_threads(nt) if (par)
    {
        int me = 0;
#ifdef _OPENMP
        me = omp_get_thread_num();
#endif
        char *T = tmp + (size_t)me * (size_t)ch.chunk * (size_t)k * es;
#pragma omp for schedule(dynamic, 1)
        for (int64_t c = 0; c < ch.nchunk; c++) {
            int64_t r0 = c * ch.chunk, P = LR_MIN(ch.chunk, m - r0);
            if (P <= 0) continue;
            char *Yc = (char *)Y->data + (size_t)r0 * es;
            k_gemm(Y->dtype, 'N', 'N', P, k, l, 1.0, Yc, Y->ld, Mt, ldm, 0.0, T, P);
            for (int64_t j = 0; j < k; j++)
                memcpy(Yc + (size_t)j * Y->ld * es, T + (size_t)j * P * es, (size_t)P * es);
        }
    }
    blas_restore(g);
    lr__free(ctx, tmp);
    if (Mt != (void *)M) lr__free(ctx, Mt);
    return LR_OK;
}

double lr_mat_frob2(lr_ctx *ctx, const lr_mat *A)
{
    k_chunks ch = k_chunking(A->rows);
    int nt = lr__threads(ctx);
    double part[64] = {0};
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if ((double)A->rows * A->cols > PAR_MIN_WORK)
    for (int64_t c = 0; c < ch.nchunk; c++) {
        int64_t r0 = c * ch.chunk, P = LR_MIN(ch.chunk, A->rows - r0);
        if (P > 0) part[c] = panel_sumsq(A, 0, r0, P);
    }
    double s = 0;
    for (int64_t c = 0; c < ch.nchunk; c++) s += part[c];
    return s;
}
