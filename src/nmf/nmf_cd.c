/* nmf_cd.c -- Fast HALS / coordinate descent on
 *   1/2 ||A - W H||_F^2 + l1_w |W|_1 + l2_w/2 ||W||_F^2 + l1_h |H|_1 + l2_h/2 ||H||_F^2
 * (Cichocki & Phan 2009; the method of scikit-learn's NMF(solver='cd')).
 * One iteration: P = A H^T and G = H H^T, a sweep over W's components; then
 * Q = A^T W and G = W^T W, a sweep over H's.  Rows of a factor are
 * independent within a sweep, so they are split across threads while each
 * row runs its components in order: the same bits for any thread count.
 * Stopping: the relative loss change (default) or scikit-learn's rule, the
 * iteration's violation (sum of |projected gradient| met by the updates,
 * from the sweeps) against the first iteration's.
 * The loss comes from the products already made:
 *   ||A - WH||^2 = ||A||^2 - 2 <H^T, A^T W> + <W^T W, H H^T>.
 * Cost per iteration: two products with A (O(nnz k) sparse, O(m n k) dense)
 * plus O((m + n) k^2). */
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <string.h>
#include "nmf_internal.h"

/* One sweep over all rows of F; then G_out = F^T F, *sum = sum(F),
 * *dot = <F, P> of the updated F and *viol the sweep's violation (sum of
 * |projected gradient|), from per-block partials added in block order (the
 * same bits for any thread count). */
static lr_status sweep(lr_ctx *ctx, lr_mat *F, const lr_mat *P, const double *G, double l1,
                       double l2, void *Fr, int64_t bs, double *G_out, double *sum,
                       double *dot, double *viol, const lr_csr *S, const void *Or)
{
    int64_t r = F->rows, k = F->cols, nblk = (r + NMF_ROWS - 1) / NMF_ROWS;
    /* Fused (S given): each block's rows of P = S Or are made just before
     * the block is swept, into a per-thread NMF_ROWS x k buffer, by the
     * product's own kernel (the same bits): P never goes to memory. */
    int64_t pblk = S ? (NMF_ROWS * k * (int64_t)lr_dtype_size(F->dtype) + 7) / 8 : 0;
    pblk = (pblk + 7) / 8 * 8;
    int64_t ns = k * k + 3, per = (k * k + NMF_KG * k + 3) * NK_RB + pblk;
    int nt = (double)r * k * k > (1 << 16) && nblk > 1 ? lr__threads(ctx) : 1;
    double *f = lr__malloc(ctx, (size_t)nt * (size_t)per * 8, "sweep scratch");
    double *stats = f ? lr__malloc(ctx, (size_t)nblk * (size_t)ns * 8, "sweep sums") : NULL;
    if (!stats) {
        lr__free(ctx, f);
        return LR_ERR_NOMEM;
    }
#pragma omp parallel num_threads(nt)
    {
        int me = 0;
#ifdef _OPENMP
        me = omp_get_thread_num();
#endif
#pragma omp for schedule(dynamic, 2)
        for (int64_t b = 0; b < nblk; b++) {
            int64_t r0 = b * NMF_ROWS, r1 = LR_MIN(r, (b + 1) * NMF_ROWS);
            double *my = f + me * per;
            if (S) {
                void *Pb = my + (per - pblk);
                csr_mm_block(S, r0, r1, Or, k, bs, Pb, NMF_ROWS);
                nmf_cd_rows(F->dtype, F->data, F->ld, Pb, NMF_ROWS, r0, r0, r1, k, G, l1, l2,
                            my, Fr, bs, stats + b * ns);
            } else {
                nmf_cd_rows(F->dtype, F->data, F->ld, P->data, P->ld, 0, r0, r1, k, G, l1, l2,
                            my, Fr, bs, stats + b * ns);
            }
        }
    }
    for (int64_t i = 0; i < ns; i++) {
        double acc = 0;
        for (int64_t b = 0; b < nblk; b++) acc += stats[b * ns + i];
        if (i < k * k) G_out[i] = acc;
        else if (i == k * k) *sum = acc;
        else if (i == k * k + 1) *dot = acc;
        else *viol = acc;
    }
    lr__free(ctx, f);
    lr__free(ctx, stats);
    return LR_OK;
}

static double dot_mat(const lr_mat *X, const lr_mat *Y)
{
    double s = 0;
    for (int64_t j = 0; j < X->cols; j++) {
        if (X->dtype == LR_F32) {
            const float *x = (const float *)X->data + j * X->ld, *y = (const float *)Y->data + j * Y->ld;
            for (int64_t i = 0; i < X->rows; i++) s += (double)x[i] * (double)y[i];
        } else {
            const double *x = (const double *)X->data + j * X->ld, *y = (const double *)Y->data + j * Y->ld;
            for (int64_t i = 0; i < X->rows; i++) s += x[i] * y[i];
        }
    }
    return s;
}

static double sum_mat(const lr_mat *X)
{
    double s = 0;
    for (int64_t j = 0; j < X->cols; j++) {
        if (X->dtype == LR_F32) {
            const float *x = (const float *)X->data + j * X->ld;
            for (int64_t i = 0; i < X->rows; i++) s += x[i];
        } else {
            const double *x = (const double *)X->data + j * X->ld;
            for (int64_t i = 0; i < X->rows; i++) s += x[i];
        }
    }
    return s;
}

/* Regularisation of one factor given its sum and Gram. */
static double reg(double l1, double l2, double sum, const double *G, int64_t k)
{
    double tr = 0;
    for (int64_t t = 0; t < k; t++) tr += G[t + t * k];
    return l1 * sum + 0.5 * l2 * tr;
}

static double frob_part(const nmf_data *d, double cross, const double *Gw, const double *Gh,
                        int64_t k)
{
    double gg = 0;
    for (int64_t i = 0; i < k * k; i++) gg += Gw[i] * Gh[i];
    double l = 0.5 * (d->frob2 - 2 * cross + gg);
    return l > 0 ? l : 0; /* rounding can take an exact fit below zero */
}

/* Y = A X (trans 0) or A^T X: sparse data from X's row-major mirror. */
static lr_status mul(lr_ctx *ctx, const nmf_data *d, int trans, const lr_mat *X,
                     const void *Xr, int64_t bs, lr_mat *Y)
{
    if (Xr) return nmf_mul_rows(ctx, d, trans, Xr, X->cols, bs, Y);
    return nmf_mul(ctx, d, trans, X, Y);
}

lr_status nmf_cd(lr_ctx *ctx, const nmf_data *d, const lr_nmf_opts *o, lr_mat *W, lr_mat *Ht,
                 lr_nmf *res)
{
    int64_t m = d->m, n = d->n, k = o->k;
    lr_mat P = {0}, Q = {0};
    /* Sparse data: W and H^T also kept row-major (stride bs, zero padded),
     * written by the sweeps, so the products need no transposed copy. */
    int64_t bs = csr_rowmajor_stride(d->t, k);
    size_t es = lr_dtype_size(d->t);
    void *Wr = NULL, *Hr = NULL;
    if (d->S) {
        Wr = lr__calloc(ctx, (size_t)m, (size_t)bs * es, "row-major W");
        Hr = Wr ? lr__calloc(ctx, (size_t)n, (size_t)bs * es, "row-major H") : NULL;
        if (!Hr) {
            lr__free(ctx, Wr);
            return LR_ERR_NOMEM;
        }
        csr_to_rowmajor(ctx, W, Wr, bs);
        csr_to_rowmajor(ctx, Ht, Hr, bs);
    }
    double *Gw = lr__malloc(ctx, (size_t)(k * k) * 8, "Gram matrix");
    double *Gh = Gw ? lr__malloc(ctx, (size_t)(k * k) * 8, "Gram matrix") : NULL;
    lr_status st = Gh ? LR_OK : LR_ERR_NOMEM;
    if (!st) st = lr_mat_alloc(ctx, d->t, m, k, &P);
    if (!st) st = lr_mat_alloc(ctx, d->t, n, k, &Q);
    if (!st) st = k_gram(ctx, Ht, Gh);
    double prev = 0, viol0 = 0;
    int it = 0, converged = 0;
    res->nhist = 0;
    for (; !st && it < o->max_iter; it++) {
        /* W given H */
        if (!(d->S && it > 0 && !csr_wide(d->t, k)) && (st = mul(ctx, d, 0, Ht, Hr, bs, &P)))
            break;
        if (it == 0) {
            if ((st = k_gram(ctx, W, Gw))) break;
            prev = frob_part(d, dot_mat(W, &P), Gw, Gh, k) +
                   reg(o->l1_w, o->l2_w, sum_mat(W), Gw, k) +
                   reg(o->l1_h, o->l2_h, sum_mat(Ht), Gh, k);
            res->hist[res->nhist++] = prev;
        }
        double sw, sh, dw, cross, vw, vh;
        /* Sparse A with narrow rows: after the first iteration (whose P the
         * initial loss needs) the products are made block by block inside
         * the sweeps. */
        int fuse = d->S && it > 0 && !csr_wide(d->t, k);
        if ((st = sweep(ctx, W, &P, Gh, o->l1_w, o->l2_w, Wr, bs, Gw, &sw, &dw, &vw,
                        fuse ? d->S : NULL, Hr)))
            break;
        /* H given W (Gw is the new W's Gram) */
        if (!fuse && (st = mul(ctx, d, 1, W, Wr, bs, &Q))) break;
        if ((st = sweep(ctx, Ht, &Q, Gw, o->l1_h, o->l2_h, Hr, bs, Gh, &sh, &cross, &vh,
                        fuse ? &d->St : NULL, Wr)))
            break;
        double loss = frob_part(d, cross, Gw, Gh, k) + reg(o->l1_w, o->l2_w, sw, Gw, k) +
                      reg(o->l1_h, o->l2_h, sh, Gh, k);
        res->hist[res->nhist++] = loss;
        if ((st = lr__progress(ctx, "NMF", (it + 1.0) / o->max_iter,
                               "iteration %d, loss %.6g", it + 1, loss)))
            break;
        int stop;
        if (o->stop == LR_NMF_STOP_VIOLATION) { /* scikit-learn's rule */
            if (it == 0) viol0 = vw + vh;
            stop = viol0 <= 0 || vw + vh <= o->tol * viol0;
        } else {
            stop = prev <= 0 || prev - loss <= o->tol * prev;
        }
        prev = loss;
        if (stop) {
            converged = 1;
            it++;
            break;
        }
    }
    res->iters = it;
    res->loss = res->nhist ? res->hist[res->nhist - 1] : 0;
    lr_mat_free(ctx, &P), lr_mat_free(ctx, &Q);
    lr__free(ctx, Gw), lr__free(ctx, Gh);
    lr__free(ctx, Wr), lr__free(ctx, Hr);
    if (st) return st;
    if (!converged)
        return lr__err(ctx, LR_ERR_NOCONV, "NMF did not reach the tolerance %g in %d "
                       "iterations (loss %.6g); the result is returned", o->tol, o->max_iter,
                       res->loss);
    return LR_OK;
}
