/* nmf_mu.c -- multiplicative updates for the generalised Kullback-Leibler
 * divergence D(A || WH) = sum a log(a / (WH)) - a + (WH) (Lee & Seung 2001),
 *   W <- W .* ((A ./ WH) H^T) ./ (1 H^T + l1_w + l2_w W),  then H likewise,
 * computed over the stored entries of A only: each stored a_ij needs the
 * k-term dot product W_i . H_j, so an update costs O(nnz k) and the dense WH
 * is never formed.  Dense input is converted to CSR first (its non-zeros).
 * Rows of the factor being updated are independent and split across
 * threads; sums over blocks are added in block order.  Loss:
 *   sum_stored (a log(a/wh) - a) + sum_t colsum(W)_t colsum(H)_t + regularisation. */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <string.h>
#include "nmf_internal.h"

static void colsum(const void *X, lr_dtype t, int64_t r, int64_t k,
                   double *s)
{
    for (int64_t j = 0; j < k; j++) s[j] = 0;
    for (int64_t i = 0; i < r; i++)
        for (int64_t j = 0; j < k; j++)
            s[j] += t == LR_F32 ? ((const float *)X)[i * k + j] : ((const double *)X)[i * k + j];
}

static double sumsq(const void *X, lr_dtype t, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = t == LR_F32 ? ((const float *)X)[i] : ((const double *)X)[i];
        s += v * v;
    }
    return s;
}

/* Update all rows of X against S (rows of S index rows of X). */
static lr_status mu_update(lr_ctx *ctx, const lr_csr *S, void *X, const void *Y, int64_t k,
                           const double *den, double l2)
{
    int64_t r = S->rows, nblk = (r + NMF_ROWS - 1) / NMF_ROWS;
    int nt = (double)S->nnz * k > (1 << 16) && nblk > 1 ? lr__threads(ctx) : 1;
    double *acc = lr__malloc(ctx, (size_t)nt * (size_t)(k + 8) * 8, "update scratch");
    if (!acc) return LR_ERR_NOMEM;
#pragma omp parallel num_threads(nt)
    {
        int me = 0;
#ifdef _OPENMP
        me = omp_get_thread_num();
#endif
#pragma omp for schedule(dynamic, 4)
        for (int64_t b = 0; b < nblk; b++)
            nmf_mu_rows(S->dtype, S, X, Y, k, b * NMF_ROWS, LR_MIN(r, (b + 1) * NMF_ROWS), den,
                        l2, acc + me * (k + 8));
    }
    lr__free(ctx, acc);
    return LR_OK;
}

static lr_status kl_loss(lr_ctx *ctx, const lr_csr *S, const void *Wr, const void *Hr,
                         int64_t m, int64_t n, int64_t k, const lr_nmf_opts *o, double *loss)
{
    int64_t nblk = (S->rows + NMF_ROWS - 1) / NMF_ROWS;
    double *part = lr__malloc(ctx, (size_t)nblk * 8 + 8, "loss partials");
    double *cw = lr__malloc(ctx, (size_t)k * 16, "column sums");
    if (!part || !cw) {
        lr__free(ctx, part), lr__free(ctx, cw);
        return LR_ERR_NOMEM;
    }
    int nt = (double)S->nnz * k > (1 << 16) && nblk > 1 ? lr__threads(ctx) : 1;
#pragma omp parallel for schedule(dynamic, 4) num_threads(nt)
    for (int64_t b = 0; b < nblk; b++)
        part[b] = nmf_kl_rows(S->dtype, S, Wr, Hr, k, b * NMF_ROWS,
                              LR_MIN(S->rows, (b + 1) * NMF_ROWS));
    double s = 0;
    for (int64_t b = 0; b < nblk; b++) s += part[b];
    double *ch = cw + k;
    colsum(Wr, S->dtype, m, k, cw);
    colsum(Hr, S->dtype, n, k, ch);
    double sw = 0, sh = 0;
    for (int64_t t = 0; t < k; t++) s += cw[t] * ch[t], sw += cw[t], sh += ch[t];
    s += o->l1_w * sw + 0.5 * o->l2_w * sumsq(Wr, S->dtype, m * k) + o->l1_h * sh +
         0.5 * o->l2_h * sumsq(Hr, S->dtype, n * k);
    /* With the eps in the logarithm an exact fit can come out a few eps
     * below zero; the divergence itself is >= 0. */
    *loss = s > 0 ? s : 0;
    lr__free(ctx, part), lr__free(ctx, cw);
    return LR_OK;
}

/* Row-major r x k copy of F and back. */
static void to_rows(const lr_mat *F, void *R)
{
    int64_t k = F->cols;
    for (int64_t j = 0; j < k; j++)
        for (int64_t i = 0; i < F->rows; i++) {
            if (F->dtype == LR_F32) ((float *)R)[i * k + j] = ((const float *)F->data)[i + j * F->ld];
            else ((double *)R)[i * k + j] = ((const double *)F->data)[i + j * F->ld];
        }
}

static void from_rows(const void *R, lr_mat *F)
{
    int64_t k = F->cols;
    for (int64_t j = 0; j < k; j++)
        for (int64_t i = 0; i < F->rows; i++) {
            if (F->dtype == LR_F32) ((float *)F->data)[i + j * F->ld] = ((const float *)R)[i * k + j];
            else ((double *)F->data)[i + j * F->ld] = ((const double *)R)[i * k + j];
        }
}

lr_status nmf_mu_kl(lr_ctx *ctx, const nmf_data *d, const lr_nmf_opts *o, lr_mat *W,
                    lr_mat *Ht, lr_nmf *res)
{
    int64_t m = d->m, n = d->n, k = o->k;
    size_t es = lr_dtype_size(d->t);
    lr_csr own = {0}, ownt = {0};
    const lr_csr *S = d->S, *St = &d->St;
    lr_status st = LR_OK;
    if (!S) {
        if ((st = lr_csr_from_dense(ctx, d->D, &own)) || (st = lr_csr_transpose(ctx, &own, &ownt))) {
            lr_csr_free(ctx, &own);
            return st;
        }
        S = &own, St = &ownt;
    }
    void *Wr = lr__malloc(ctx, lr__bytes(m, k, es), "row-major W");
    void *Hr = Wr ? lr__malloc(ctx, lr__bytes(n, k, es), "row-major H") : NULL;
    double *den = Hr ? lr__malloc(ctx, (size_t)k * 8, "denominators") : NULL;
    if (!den) {
        st = LR_ERR_NOMEM;
        goto out;
    }
    to_rows(W, Wr);
    to_rows(Ht, Hr);
    double prev, loss;
    if ((st = kl_loss(ctx, S, Wr, Hr, m, n, k, o, &prev))) goto out;
    res->nhist = 0;
    res->hist[res->nhist++] = prev;
    int it = 0, converged = 0;
    for (; it < o->max_iter; it++) {
        colsum(Hr, d->t, n, k, den);
        for (int64_t t = 0; t < k; t++) den[t] += o->l1_w;
        if ((st = mu_update(ctx, S, Wr, Hr, k, den, o->l2_w))) break;
        colsum(Wr, d->t, m, k, den);
        for (int64_t t = 0; t < k; t++) den[t] += o->l1_h;
        if ((st = mu_update(ctx, St, Hr, Wr, k, den, o->l2_h))) break;
        if ((st = kl_loss(ctx, S, Wr, Hr, m, n, k, o, &loss))) break;
        res->hist[res->nhist++] = loss;
        if ((st = lr__progress(ctx, "NMF (KL)", (it + 1.0) / o->max_iter,
                               "iteration %d, divergence %.6g", it + 1, loss)))
            break;
        int stop = prev <= 0 || prev - loss <= o->tol * fabs(prev);
        prev = loss;
        if (stop) {
            converged = 1;
            it++;
            break;
        }
    }
    res->iters = it;
    res->loss = res->hist[res->nhist - 1];
    from_rows(Wr, W);
    from_rows(Hr, Ht);
    if (!st && !converged)
        st = lr__err(ctx, LR_ERR_NOCONV, "NMF (KL) did not reach the tolerance %g in %d "
                     "iterations (divergence %.6g); the result is returned", o->tol,
                     o->max_iter, res->loss);
out:
    lr__free(ctx, Wr), lr__free(ctx, Hr), lr__free(ctx, den);
    lr_csr_free(ctx, &own), lr_csr_free(ctx, &ownt);
    return st;
}
