/* nmf_init.c -- NMF starting points.
 * NNDSVD (Boutsidis & Gallopoulos 2008): from the rank-k SVD A ~ U S V^T
 * (randomized, seeded), the first pair is sqrt(s_1)(|u_1|, |v_1|); for each
 * further pair (u, v) the positive parts (u+, v+) and negative parts
 * (u-, v-) are compared by ||u+|| ||v+|| vs ||u-|| ||v-||, the larger pair is
 * normalised and scaled by sqrt(s_j * its norm product).  Entries below 1e-6
 * become 0; NNDSVDa then replaces the zeros by mean(A).
 * Random: sqrt(mean(A) / k) |N(0,1)| from the counter-based Philox stream
 * (stream 0 for W, 1 for H), as scikit-learn scales it. */
#include <math.h>
#include <string.h>
#include "nmf_internal.h"

static lr_status data_apply(void *user, lr_ctx *ctx, int trans, const lr_mat *X, lr_mat *Y)
{
    return nmf_mul(ctx, user, trans, X, Y);
}

static void fill_random(lr_ctx *ctx, uint64_t seed, uint64_t stream, double avg, lr_mat *M)
{
    k_randn(ctx, seed, stream, M);
    for (int64_t j = 0; j < M->cols; j++)
        for (int64_t i = 0; i < M->rows; i++) lr_mat_set(M, i, j, avg * fabs(lr_mat_get(M, i, j)));
}

/* Norms of the positive and negative parts of a vector. */
static void pn_norms(const double *x, int64_t n, double *np, double *nn)
{
    double p = 0, q = 0;
    for (int64_t i = 0; i < n; i++) {
        if (x[i] > 0) p += x[i] * x[i];
        else q += x[i] * x[i];
    }
    *np = sqrt(p), *nn = sqrt(q);
}

/* Column j of F (rows x k) = scale * part of x (sign +1: max(x,0), -1:
 * max(-x,0), 0: |x|), zeroing entries below 1e-6. */
static void put(lr_mat *F, int64_t j, const double *x, int sign, double scale)
{
    for (int64_t i = 0; i < F->rows; i++) {
        double v = sign > 0 ? (x[i] > 0 ? x[i] : 0) : sign < 0 ? (x[i] < 0 ? -x[i] : 0)
                                                                : fabs(x[i]);
        v *= scale;
        lr_mat_set(F, i, j, v < 1e-6 ? 0 : v);
    }
}

lr_status nmf_init(lr_ctx *ctx, const nmf_data *d, const lr_nmf_opts *o, lr_mat *W,
                   lr_mat *Ht)
{
    int64_t m = d->m, n = d->n, k = o->k;
    double mean = d->sum / ((double)m * (double)n);
    if (o->init == LR_NMF_INIT_RANDOM) {
        double avg = sqrt(mean / (double)k);
        fill_random(ctx, o->seed, 0, avg, W);
        fill_random(ctx, o->seed, 1, avg, Ht);
        return LR_OK;
    }
    lr_op *op = NULL;
    lr_status st = d->D ? lr_op_dense(ctx, d->D, &op)
                        : lr_op_custom(ctx, d->t, m, n, data_apply, (void *)d, d->frob2, &op);
    if (st) return st;
    lr_svd_opts so;
    lr_svd_opts_default(&so);
    so.k = k;
    so.seed = o->seed;
    lr_svd *s = NULL;
    st = lr_svd_compute(ctx, op, &so, &s);
    lr_op_destroy(op);
    if (st) {
        lr_svd_destroy(s);
        return lr__err_prefix(ctx, st, "NMF initialisation (SVD)");
    }
    double *x = lr__malloc(ctx, (size_t)m * 8, "NNDSVD vector");
    double *y = x ? lr__malloc(ctx, (size_t)n * 8, "NNDSVD vector") : NULL;
    if (!y) {
        lr__free(ctx, x);
        lr_svd_destroy(s);
        return LR_ERR_NOMEM;
    }
    lr_mat U = lr_svd_u(s), Vt = lr_svd_vt(s);
    const double *sv = lr_svd_s(s);
    int64_t r = lr_svd_rank(s);
    for (int64_t j = 0; j < k; j++) {
        if (j >= r || !(sv[j] > 0)) { /* no direction left: zero pair */
            memset(x, 0, (size_t)m * 8), memset(y, 0, (size_t)n * 8);
            put(W, j, x, 0, 0), put(Ht, j, y, 0, 0);
            continue;
        }
        for (int64_t i = 0; i < m; i++) x[i] = lr_mat_get(&U, i, j);
        for (int64_t i = 0; i < n; i++) y[i] = lr_mat_get(&Vt, j, i);
        if (j == 0) {
            double c = sqrt(sv[0]);
            put(W, 0, x, 0, c), put(Ht, 0, y, 0, c);
            continue;
        }
        double xp, xn, yp, yn;
        pn_norms(x, m, &xp, &xn);
        pn_norms(y, n, &yp, &yn);
        double mp = xp * yp, mn = xn * yn;
        int sign = mp > mn ? 1 : -1;
        double sig = sign > 0 ? mp : mn, nx = sign > 0 ? xp : xn, ny = sign > 0 ? yp : yn;
        double lbd = sqrt(sv[j] * sig);
        put(W, j, x, sign, sig > 0 ? lbd / nx : 0);
        put(Ht, j, y, sign, sig > 0 ? lbd / ny : 0);
    }
    lr__free(ctx, x), lr__free(ctx, y);
    lr_svd_destroy(s);
    if (o->init == LR_NMF_INIT_NNDSVDA) {
        lr_mat *F[2] = {W, Ht};
        for (int f = 0; f < 2; f++)
            for (int64_t j = 0; j < k; j++)
                for (int64_t i = 0; i < F[f]->rows; i++)
                    if (lr_mat_get(F[f], i, j) == 0) lr_mat_set(F[f], i, j, mean);
    }
    return LR_OK;
}
