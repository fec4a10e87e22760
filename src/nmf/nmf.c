/* nmf.c -- NMF options, input checks, the driver shared by dense and sparse
 * input, and the result accessors.  Solvers: nmf_cd.c (Fast HALS) and
 * nmf_mu.c (multiplicative KL); initialisation: nmf_init.c. */
#include <math.h>
#include <string.h>
#include "nmf_internal.h"

void lr_nmf_opts_default(lr_nmf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->solver = LR_NMF_CD;
    o->init = LR_NMF_INIT_NNDSVDA;
    o->tol = 1e-4;
    o->max_iter = 200;
}

static int bad_reg(double x) { return !(x >= 0) || !isfinite(x); }

const char *lr_nmf_opts_check(const lr_nmf_opts *o, int64_t m, int64_t n)
{
    if (!o) return "NMF options are missing";
    if (m < 1 || n < 1) return "NMF needs a matrix with at least one row and one column";
    if (o->k < 1) return "the rank k must be at least 1";
    if (o->k > m || o->k > n)
        return "the rank k must not exceed the number of rows or of columns of the matrix";
    if (o->solver != LR_NMF_CD && o->solver != LR_NMF_MU_KL)
        return "unknown NMF solver (cd or mu)";
    if (o->init != LR_NMF_INIT_NNDSVDA && o->init != LR_NMF_INIT_NNDSVD &&
        o->init != LR_NMF_INIT_RANDOM)
        return "unknown NMF initialisation (nndsvda, nndsvd or random)";
    if (!(o->tol >= 0) || !isfinite(o->tol)) return "the tolerance must be a number >= 0";
    if (o->stop != LR_NMF_STOP_LOSS && o->stop != LR_NMF_STOP_VIOLATION)
        return "unknown NMF stopping rule (loss or violation)";
    if (o->stop == LR_NMF_STOP_VIOLATION && o->solver != LR_NMF_CD)
        return "the violation stopping rule belongs to the cd solver (use the loss rule with mu)";
    if (o->max_iter < 1) return "max_iter must be at least 1";
    if (bad_reg(o->l1_w) || bad_reg(o->l2_w) || bad_reg(o->l1_h) || bad_reg(o->l2_h))
        return "the regularisation weights must be numbers >= 0";
    if (o->k > LR_LAPACK_MAX || m > LR_LAPACK_MAX || n > LR_LAPACK_MAX)
        return "the matrix exceeds the 32-bit sizes BLAS and LAPACK accept";
    return NULL;
}

lr_status nmf_mul(lr_ctx *ctx, const nmf_data *d, int trans, const lr_mat *X, lr_mat *Y)
{
    if (d->D) return k_dense_apply(ctx, d->D, 0, trans, X, Y);
    /* The NNDSVD sketch (k + 10 columns) is wide: A^T X scattered from A's
     * rows needs no row-major copy of X. */
    if (trans && csr_wide(d->t, X->cols)) return csr_mm_t_scatter(ctx, d->S, X, Y, d->sc, NULL);
    return csr_mm_scratch(ctx, trans ? &d->St : d->S, X, Y, d->sc, NULL);
}

lr_status nmf_mul_rows(lr_ctx *ctx, const nmf_data *d, int trans, const void *Xr,
                       int64_t b, int64_t bs, lr_mat *Y)
{
    return csr_mm_rowmajor(ctx, trans ? &d->St : d->S, Xr, b, bs, Y->data, Y->ld);
}

void lr_nmf_destroy(lr_nmf *r)
{
    if (!r) return;
    lr_ctx own = r->own;
    lr_mat_free(&own, &r->W);
    lr_mat_free(&own, &r->H);
    lr__free(&own, r->hist);
    lr__free(&own, r);
}

lr_mat lr_nmf_w(const lr_nmf *r) { return r->W; }
lr_mat lr_nmf_h(const lr_nmf *r) { return r->H; }
int lr_nmf_iterations(const lr_nmf *r) { return r->iters; }
double lr_nmf_loss(const lr_nmf *r) { return r->loss; }
const double *lr_nmf_loss_history(const lr_nmf *r, int *n)
{
    if (n) *n = r->nhist;
    return r->hist;
}

static lr_status run(lr_ctx *ctx, const nmf_data *d, const lr_nmf_opts *o, lr_nmf **out)
{
    int64_t m = d->m, n = d->n, k = o->k;
    lr_nmf *res = lr__malloc(ctx, sizeof *res, "NMF result");
    if (!res) return LR_ERR_NOMEM;
    memset(res, 0, sizeof *res);
    res->own = *ctx;
    lr_mat Ht = {0};
    lr_status st;
    if (!(res->hist = lr__malloc(ctx, ((size_t)o->max_iter + 1) * 8, "loss history"))) {
        st = LR_ERR_NOMEM;
        goto fail;
    }
    if ((st = lr_mat_alloc(ctx, d->t, m, k, &res->W)) ||
        (st = lr_mat_alloc(ctx, d->t, n, k, &Ht)) ||
        (st = lr_mat_alloc(ctx, d->t, k, n, &res->H)))
        goto fail;
    if ((st = lr__progress(ctx, "NMF init", -1, "%s", o->init == LR_NMF_INIT_RANDOM
                           ? "random" : "randomized SVD"))) goto fail;
    if ((st = nmf_init(ctx, d, o, &res->W, &Ht))) goto fail;
    st = o->solver == LR_NMF_CD ? nmf_cd(ctx, d, o, &res->W, &Ht, res)
                                : nmf_mu_kl(ctx, d, o, &res->W, &Ht, res);
    if (st && st != LR_ERR_NOCONV) goto fail;
    for (int64_t j = 0; j < n; j++)
        for (int64_t t = 0; t < k; t++) lr_mat_set(&res->H, t, j, lr_mat_get(&Ht, j, t));
    lr_mat_free(ctx, &Ht);
    *out = res;
    return st;
fail:
    lr_mat_free(ctx, &Ht);
    lr_nmf_destroy(res);
    return st;
}

static lr_status check_opts(lr_ctx *ctx, const lr_nmf_opts *o, int64_t m, int64_t n)
{
    const char *why = lr_nmf_opts_check(o, m, n);
    if (!why) return LR_OK;
    if (o && (o->k > m || o->k > n) && o->k >= 1)
        return lr__err(ctx, LR_ERR_ARG, "%s (k = %lld, matrix %lld x %lld)", why,
                       (long long)o->k, (long long)m, (long long)n);
    return lr__err(ctx, LR_ERR_ARG, "%s", why);
}

lr_status lr_nmf_dense(lr_ctx *ctx, const lr_mat *A, const lr_nmf_opts *o, lr_nmf **out)
{
    *out = NULL;
    lr_status st;
    if ((st = lr_mat_check(ctx, A, "matrix"))) return st;
    if ((st = check_opts(ctx, o, A->rows, A->cols))) return st;
    if ((st = lr_mat_check_finite(ctx, A, "the matrix"))) return st;
    nmf_data d = {A->dtype, A->rows, A->cols, A, NULL, {0}, 0, 0, NULL};
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++) {
            double x = lr_mat_get(A, i, j);
            if (x < 0)
                return lr__err(ctx, LR_ERR_DATA, "the matrix has a negative entry (%g at row "
                               "%lld, column %lld); NMF needs non-negative data", x,
                               (long long)i, (long long)j);
            d.sum += x;
        }
    d.frob2 = lr_mat_frob2(ctx, A);
    return run(ctx, &d, o, out);
}

lr_status lr_nmf_csr(lr_ctx *ctx, const lr_csr *A, const lr_nmf_opts *o, lr_nmf **out)
{
    *out = NULL;
    lr_status st;
    if ((st = lr_csr_check(ctx, A, "the matrix"))) return st;
    if ((st = check_opts(ctx, o, A->rows, A->cols))) return st;
    csr_scratch sc = {NULL, 0};
    nmf_data d = {A->dtype, A->rows, A->cols, NULL, A, {0}, 0, 0, &sc};
    for (int64_t i = 0; i < A->rows; i++)
        for (int64_t p = A->indptr[i]; p < A->indptr[i + 1]; p++) {
            double x = csr_val(A, p);
            if (x < 0)
                return lr__err(ctx, LR_ERR_DATA, "the matrix has a negative entry (%g at row "
                               "%lld, column %lld); NMF needs non-negative data", x,
                               (long long)i, (long long)A->indices[p]);
            d.sum += x;
        }
    d.frob2 = lr_csr_frob2(A);
    if ((st = lr_csr_transpose(ctx, A, &d.St))) return st;
    st = run(ctx, &d, o, out);
    lr_csr_free(ctx, &d.St);
    lr__free(ctx, sc.buf);
    return st;
}
