/* svd.c -- the SVD entry points: options, dispatch, results, the common
 * final step (small SVD, rank choice, sign convention, orientation). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include "svd_internal.h"

void lr_svd_opts_default(lr_svd_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = LR_SVD_RANDOMIZED;
    o->k = 10;
    o->oversample = 10;
    o->power_iters = 4;
    o->normalizer = LR_NORM_AUTO;
    o->block = 16;
    o->want_u = o->want_vt = 1;
}

const char *lr_svd_opts_check(const lr_svd_opts *o, int64_t m, int64_t n)
{
    static _Thread_local char buf[256];
    int64_t mn = LR_MIN(m, n);
    int fixed_acc = o->tol > 0 || o->energy > 0;
    if (o->method != LR_SVD_RANDOMIZED && o->method != LR_SVD_EXACT && o->method != LR_SVD_KRYLOV)
        return "unknown SVD method";
    if (m <= 0 || n <= 0) {
        snprintf(buf, sizeof buf, "the matrix is empty (%lld x %lld)", (long long)m, (long long)n);
        return buf;
    }
    if (o->tol < 0 || o->tol >= 1 || !isfinite(o->tol))
        return "tol must be in (0, 1): the relative Frobenius error wanted";
    if (o->energy < 0 || o->energy > 1 || !isfinite(o->energy))
        return "energy must be in (0, 1]: the fraction of ||A||_F^2 to keep";
    if (o->tol > 0 && o->energy > 0) return "give tol or energy, not both";
    if (fixed_acc && o->method == LR_SVD_KRYLOV)
        return "the fixed-accuracy mode (tol/energy) works with the randomized or exact method, not krylov";
    if (!fixed_acc) {
        if (o->k < 1 || o->k > mn) {
            snprintf(buf, sizeof buf, "k = %lld is out of range: it must be between 1 and "
                     "min(m, n) = %lld", (long long)o->k, (long long)mn);
            return buf;
        }
    }
    if (o->oversample < 0) return "oversampling p must be >= 0";
    if (o->power_iters < 0 || o->power_iters > 100) return "power iterations q must be in 0..100";
    if ((unsigned)o->normalizer > LR_NORM_NONE) return "unknown power-iteration normalizer";
    if (fixed_acc && (o->block < 1 || o->block > mn)) {
        snprintf(buf, sizeof buf, "block must be between 1 and min(m, n) = %lld", (long long)mn);
        return buf;
    }
    if (o->max_rank < 0) return "max_rank must be >= 0 (0 = no cap)";
    return NULL;
}

lr_svd *svd_new(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n)
{
    lr_svd *s = lr__calloc(ctx, 1, sizeof *s, "SVD result");
    if (!s) return NULL;
    s->own.alloc = ctx->alloc;
    s->dtype = t, s->m = m, s->n = n, s->frob2 = -1;
    return s;
}

void lr_svd_destroy(lr_svd *s)
{
    if (!s) return;
    lr_ctx own = s->own;
    lr_mat_free(&own, &s->U);
    lr_mat_free(&own, &s->Vt);
    lr_mat_free(&own, &s->V);
    lr__free(&own, s->s);
    lr__free(&own, s);
}

int64_t lr_svd_rank(const lr_svd *s) { return s->r; }
lr_mat lr_svd_u(const lr_svd *s) { return s->U; }
lr_mat lr_svd_vt(const lr_svd *s) { return s->Vt; }
lr_mat lr_svd_v(const lr_svd *s) { return s->V; }
const double *lr_svd_s(const lr_svd *s) { return s->s; }
double lr_svd_frob2(const lr_svd *s) { return s->frob2; }
int lr_svd_passes(const lr_svd *s) { return s->passes; }

double lr_svd_explained_variance(const lr_svd *s, int64_t i)
{
    if (i < 0 || i >= s->r || !(s->frob2 > 0)) return -1;
    return s->s[i] * s->s[i] / s->frob2;
}

double lr_svd_error_estimate(const lr_svd *s)
{
    if (s->frob2 < 0) return -1;
    if (s->frob2 == 0) return 0;
    double kept = 0;
    for (int64_t i = 0; i < s->r; i++) kept += s->s[i] * s->s[i];
    double e = s->frob2 - kept;
    return e > 0 ? sqrt(e / s->frob2) : 0;
}

void mat_to_double(const lr_mat *X, double *D)
{
    for (int64_t j = 0; j < X->cols; j++)
        for (int64_t i = 0; i < X->rows; i++) D[i + j * X->rows] = lr_mat_get(X, i, j);
}

void double_to_mat(const double *D, lr_mat *X)
{
    for (int64_t j = 0; j < X->cols; j++)
        for (int64_t i = 0; i < X->rows; i++) lr_mat_set(X, i, j, D[i + j * X->rows]);
}

/* Sign convention: the largest-magnitude entry of each left vector is
 * positive (first one on ties).  For a row-distributed operator the entry is
 * found over all bands: the largest magnitude (MAX), then among the bands
 * holding it the smallest global row with its sign packed in the low bit of
 * the key -2 row + (entry >= 0) (MAX again). */
lr_status svd_fix_signs(lr_ctx *ctx, lr_svd *r, const lr_op *op)
{
    double *key = NULL;
    int dist = op && op_is_dist(op);
    if (dist && !(key = lr__malloc(ctx, (size_t)(2 * r->r + 1) * sizeof(double), "signs")))
        return LR_ERR_NOMEM;
    double *big = key ? key + r->r : NULL;
    for (int64_t i = 0; i < r->r; i++) {
        int64_t best = 0;
        double bv = -1;
        for (int64_t j = 0; j < r->m; j++) {
            double v = fabs(lr_mat_get(&r->U, j, i));
            if (v > bv) bv = v, best = j;
        }
        if (dist) {
            big[i] = bv;
            key[i] = best;
            continue;
        }
        if (lr_mat_get(&r->U, best, i) < 0) {
            for (int64_t j = 0; j < r->m; j++) lr_mat_set(&r->U, j, i, -lr_mat_get(&r->U, j, i));
            if (r->Vt.data)
                for (int64_t j = 0; j < r->n; j++) lr_mat_set(&r->Vt, i, j, -lr_mat_get(&r->Vt, i, j));
            if (r->V.data && i < r->V.cols)
                for (int64_t j = 0; j < r->n; j++) lr_mat_set(&r->V, j, i, -lr_mat_get(&r->V, j, i));
        }
    }
    if (!dist) return LR_OK;
    lr_status st = op_allreduce(ctx, op, big, r->r, LR_REDUCE_MAX);
    if (st) goto out;
    for (int64_t i = 0; i < r->r; i++) {
        int64_t best = (int64_t)key[i];
        double v = r->m > 0 ? lr_mat_get(&r->U, best, i) : 0;
        key[i] = r->m > 0 && fabs(v) == big[i] ? -2.0 * (double)(op->dist.row0 + best) + (v >= 0)
                                               : -1e300;
    }
    if ((st = op_allreduce(ctx, op, key, r->r, LR_REDUCE_MAX))) goto out;
    for (int64_t i = 0; i < r->r; i++) {
        double sgn = key[i] - 2.0 * floor(key[i] / 2.0); /* 1: positive already */
        if (sgn > 0.5) continue;
        for (int64_t j = 0; j < r->m; j++) lr_mat_set(&r->U, j, i, -lr_mat_get(&r->U, j, i));
        if (r->Vt.data)
            for (int64_t j = 0; j < r->n; j++) lr_mat_set(&r->Vt, i, j, -lr_mat_get(&r->Vt, i, j));
        if (r->V.data && i < r->V.cols)
            for (int64_t j = 0; j < r->n; j++) lr_mat_set(&r->V, j, i, -lr_mat_get(&r->V, j, i));
    }
out:
    lr__free(ctx, key);
    return st;
}

/* R (l x l, upper) with Wt = Q R, Q left in Wt, by Cholesky-QR2 (Gram
 * matrices in double); returns 1 when Wt is too ill-conditioned for it
 * (then Wt is unchanged). */
static int tall_cholqr2(lr_ctx *ctx, lr_mat *Wm, double *R, double *G, double *G2,
                        lr_status *st)
{
    int64_t l = Wm->cols;
    if ((*st = k_gram(ctx, Wm, G))) return 0;
    if (k_dchol(l, G, l)) return 1;
    double dmin = INFINITY, dmax = 0;
    for (int64_t i = 0; i < l; i++) {
        double d = fabs(G[i + i * l]);
        dmin = d < dmin ? d : dmin, dmax = d > dmax ? d : dmax;
    }
    if (!(dmin > dmax * 1e-6)) return 1;
    for (int64_t j = 0; j < l; j++)
        for (int64_t i = j + 1; i < l; i++) G[i + j * l] = 0;
    if ((*st = k_trsm_right(ctx, Wm, G, l)) || (*st = k_gram(ctx, Wm, G2))) return 0;
    if (k_dchol(l, G2, l)) {
        *st = lr__err(ctx, LR_ERR_INTERNAL, "Cholesky-QR2 second factorization failed");
        return 0;
    }
    for (int64_t j = 0; j < l; j++)
        for (int64_t i = j + 1; i < l; i++) G2[i + j * l] = 0;
    if ((*st = k_trsm_right(ctx, Wm, G2, l))) return 0;
    for (int64_t j = 0; j < l; j++) /* R = R2 R1 */
        for (int64_t i = 0; i < l; i++) {
            double acc = 0;
            for (int64_t p = i; p <= j; p++) acc += G2[i + p * l] * G[p + j * l];
            R[i + j * l] = i <= j ? acc : 0;
        }
    return 0;
}

/* The thin SVD of the tall Wt (C x L, C >= 2 L, destroyed): Wt = Q R by
 * Cholesky-QR2, R = Ur S Vt by gesdd (L x L), Uw = Q Ur.  All BLAS-3: LAPACK's
 * own tall path factors with unblocked Householder QR for L < 128 (and
 * allocates a copy and workspace of Wt's size).  Falls back to gesdd when
 * Wt is too ill-conditioned for Cholesky-QR. */
lr_status svd_tall(lr_ctx *ctx, int64_t C, int64_t L, double *Wt, double *s, double *Uw,
                   double *Vwt)
{
    double *R = lr__malloc(ctx, lr__bytes(L, L, 8), "small SVD");
    double *G = lr__malloc(ctx, lr__bytes(L, L, 8), "small SVD");
    double *G2 = lr__malloc(ctx, lr__bytes(L, L, 8), "small SVD");
    lr_status st = LR_ERR_NOMEM;
    if (!R || !G || !G2) goto out;
    lr_mat Wm = lr_mat_view(LR_F64, C, L, C, Wt);
    st = LR_OK;
    if (tall_cholqr2(ctx, &Wm, R, G, G2, &st)) {
        st = k_dsvd(ctx, C, L, Wt, C, s, Uw, C, Vwt, L);
        goto out;
    }
    if (st) goto out;
    if ((st = k_dsvd(ctx, L, L, R, L, s, G, L, Vwt, L))) goto out; /* G = Ur */
    lr_mat Um = lr_mat_view(LR_F64, C, L, C, Uw);
    st = k_mul_small(ctx, &Wm, G, L, L, 0.0, &Um);
out:
    lr__free(ctx, R), lr__free(ctx, G), lr__free(ctx, G2);
    return st;
}

lr_status svd_finish(lr_ctx *ctx, const lr_bop *b, lr_mat *Q, int take_q, double *Wt,
                     int64_t L, int64_t k, double tol2, const lr_svd_opts *o,
                     lr_svd *res)
{
    int64_t R = bop_rows(b), C = bop_cols(b), r = LR_MIN(L, C);
    lr_dtype t = b->op->dtype;
    double *s = lr__malloc(ctx, (size_t)LR_MAX(r, 1) * 8, "singular values");
    double *Uw = lr__malloc(ctx, lr__bytes(C, r, 8), "small SVD");
    double *Vwt = lr__malloc(ctx, lr__bytes(r, L, 8), "small SVD");
    double *Vw = lr__malloc(ctx, lr__bytes(L, r, 8), "small SVD");
    lr_mat QV = {0};
    lr_status st = LR_ERR_NOMEM;
    if (!s || !Uw || !Vwt || !Vw) goto out;
    /* Wt = B^T Q = Uw S Vw^T, so Q^T B = Vw S Uw^T and B ~ (Q Vw) S Uw^T. */
    if ((st = C >= 2 * L && L > 0 ? svd_tall(ctx, C, L, Wt, s, Uw, Vwt)
                                  : k_dsvd(ctx, C, L, Wt, C, s, Uw, C, Vwt, r)))
        goto out;
    for (int64_t i = 0; i < L; i++)
        for (int64_t j = 0; j < r; j++) Vw[i + j * L] = Vwt[j + i * r];
    if (k <= 0) { /* fixed accuracy: smallest rank whose error meets tol2 */
        double kept = 0;
        k = r;
        for (int64_t i = 0; i < r; i++) {
            kept += s[i] * s[i];
            if (res->frob2 - kept <= tol2) {
                k = i + 1;
                break;
            }
        }
    }
    k = LR_MIN(k, r);
    /* Left vectors of B for all r columns (the V basis needs them when t=1). */
    int64_t nq = b->t ? r : k;
    if (take_q) { /* Q's memory becomes Q Vw (no fresh R x nq matrix) */
        if ((st = k_mul_small_inplace(ctx, Q, Vw, L, nq))) goto out;
        QV = *Q, QV.cols = nq;
        *Q = (lr_mat){0};
    } else {
        if ((st = lr_mat_alloc(ctx, t, R, nq, &QV))) goto out;
        if ((st = k_mul_small(ctx, Q, Vw, L, nq, 0.0, &QV))) goto out;
    }
    res->r = k;
    res->s = s, s = NULL;
    if (!b->t) {
        if (o->want_u) {
            res->U = QV, QV = (lr_mat){0};
        }
        const double *Ud = Uw;
        if (t == LR_F64 && r > 0) { /* the small SVD's factor is V as it is */
            res->V = lr_mat_view(LR_F64, C, r, C, Uw);
            Uw = NULL;
        } else {
            if ((st = lr_mat_alloc(ctx, t, r > 0 ? C : 0, r, &res->V))) goto out;
            double_to_mat(Uw, &res->V);
        }
        if (o->want_vt) {
            if ((st = lr_mat_alloc(ctx, t, k, C, &res->Vt))) goto out;
            for (int64_t j = 0; j < C; j++) {
                if (t == LR_F64)
                    for (int64_t i = 0; i < k; i++)
                        ((double *)res->Vt.data)[i + j * res->Vt.ld] = Ud[j + i * C];
                else
                    for (int64_t i = 0; i < k; i++)
                        ((float *)res->Vt.data)[i + j * res->Vt.ld] = (float)Ud[j + i * C];
            }
        }
    } else { /* A = B^T ~ Uw S (Q Vw)^T */
        if (o->want_u) {
            if ((st = lr_mat_alloc(ctx, t, C, k, &res->U))) goto out;
            for (int64_t j = 0; j < k; j++)
                for (int64_t i = 0; i < C; i++) lr_mat_set(&res->U, i, j, Uw[i + j * C]);
        }
        if (o->want_vt) {
            if ((st = lr_mat_alloc(ctx, t, k, R, &res->Vt))) goto out;
            for (int64_t j = 0; j < R; j++)
                for (int64_t i = 0; i < k; i++) lr_mat_set(&res->Vt, i, j, lr_mat_get(&QV, j, i));
        }
        res->V = QV, QV = (lr_mat){0};
    }
    /* With want_u off the signs stay as they come (single process too). */
    st = res->U.data ? svd_fix_signs(ctx, res, b->op) : LR_OK;
out:
    lr_mat_free(ctx, &QV);
    lr__free(ctx, s);
    lr__free(ctx, Uw);
    lr__free(ctx, Vwt);
    lr__free(ctx, Vw);
    return st;
}

/* The planned peak on top of the input, in bytes: an upper estimate of what
 * exact.c, rsvd.c, krylov.c, qb.c and svd_finish allocate at once (the
 * result and LAPACK's own workspace included), checked against the
 * context's memory limit before anything is allocated.  R x C is the
 * orientation worked on (the tall one, except for warm starts). */
static double finish_bytes(double R, double C, double L, double k, double e)
{
    double r = L < C ? L : C;
    return 8 * (r + C * r + 2 * r * L + C * L + 4 * r * r) + e * (R * r + C * r + k * C);
}

/* The kernel layer's workspace for one pass with w columns over an R x C
 * matrix (kernel_dense.c: per-chunk partial products, the transposed block,
 * per-thread panels, Gram partials). */
static double kernel_bytes(int nt, double R, double C, double w, double e)
{
    k_chunks ch = k_chunking((int64_t)R);
    double nch = (double)ch.nchunk, chunk = (double)ch.chunk;
    double vl = 64 / e, lp = ceil(w / vl) * vl;
    double P = floor(512.0 * 1024 / ((C > 1 ? C : 1) * e));
    P = P < chunk ? P : chunk;
    P = P > 6 ? P : 6;
    double bcast = e * (nch + 1) * C * lp + nt * e * P * (C + lp) + 8 * nch * (1 + w * w) +
                   8 * nt * chunk * w;
    /* The row-vectorized fused kernel (kernel_dense.c) when it applies:
     * per thread the sums (C x wb elements and C x (w - wb) vectors of 64
     * bytes, wb = w rounded down to whole vectors), a panel of at most
     * 1.75 MiB (or K_RV_ROWS rows), its product and a row-major copy of
     * that product's first wb columns. */
    if (lp == w || C * w * 64 > 1.25 * 1024 * 1024) return bcast;
    double rows = 3 * vl, wb = floor(w / vl) * vl;
    double Prv = floor((1792.0 * 1024 - C * w * 64) / ((C > 1 ? C : 1) * e) / rows) * rows;
    Prv = fmax(rows, fmin(Prv, ceil(chunk / rows) * rows));
    double rv = e * (nch + 1) * C * lp + 8 * nch +
                nt * (C * (w - wb) * 64 + C * wb * e + 64 + Prv * (C + w + wb) * e);
    return bcast > rv ? bcast : rv;
}

double lr__svd_work_bytes(const lr_ctx *ctx, int64_t rows, int64_t cols, lr_dtype t,
                          const lr_svd_opts *o, int warm, const char **how_out)
{
    double m = (double)rows, n = (double)cols, e = (double)lr_dtype_size(t);
    double mn = m < n ? m : n, mx = m < n ? n : m, k = (double)LR_MIN(o->k, (int64_t)mn);
    double R = warm ? m : mx, C = warm ? n : mn;
    int nt = lr__threads(ctx);
    double work;
    const char *how;
    if (o->method == LR_SVD_EXACT) {
        /* copy for gesdd, thin U and V^T, the result, gesdd's work */
        work = e * (m * n + (m + n) * mn + (m + n) * k) + 8 * mn +
               e * (7 * mn * mn + 4 * mn + mx);
        how = "an exact SVD";
    } else if (o->tol > 0 || o->energy > 0) {
        double maxr = (double)(o->max_rank > 0 ? o->max_rank : (int64_t)mn), blk = (double)o->block;
        maxr = maxr < mn ? maxr : mn;
        work = e * (R * (maxr + blk) + C * (maxr + 2 * blk) + maxr * blk) + 8 * (maxr * blk) +
               8 * C * maxr + finish_bytes(R, C, maxr, maxr, e) + kernel_bytes(nt, R, C, maxr, e);
        how = "a fixed-accuracy SVD";
    } else {
        double l = (double)(o->k + o->oversample);
        l = l < mn ? l : mn;
        if (o->method == LR_SVD_KRYLOV) {
            double nblk = (double)LR_MIN((int64_t)o->power_iters + 1,
                                         LR_MAX(1, (int64_t)mn / (int64_t)l));
            double L = l * nblk;
            /* basis K, Z, W = B^T K and its double copy, projections */
            work = e * (R * L + C * l + C * L + L * l) + 8 * C * L + finish_bytes(R, C, L, k, e) +
                   kernel_bytes(nt, R, C, L, e);
            how = "a block Krylov SVD";
        } else {
            double r = l < C ? l : C;
            /* Z, Y, W; R factor, Cholesky-QR; the power iteration's small
             * SVD (copy, factors, save) */
            work = e * (2 * C * l + R * l) + 8 * (3 * l * l + C * l) +
                   8 * (2 * C * l + C * r + r * l + 4 * r * r) + finish_bytes(R, C, l, k, e) +
                   kernel_bytes(nt, R, C, l, e);
            how = "a randomized SVD";
        }
    }
    if (how_out) *how_out = how;
    return work;
}

int64_t lr_svd_mem_estimate(const lr_ctx *ctx, int64_t m, int64_t n, lr_dtype t,
                            const lr_svd_opts *o)
{
    if (!o || m < 0 || n < 0 || !lr_dtype_size(t)) return -1;
    double w = lr__svd_work_bytes(ctx, m, n, t, o, 0, NULL);
    return w < 9e18 ? (int64_t)w : -1;
}

static lr_status plan_memory(lr_ctx *ctx, const lr_op *A, const lr_svd_opts *o, int warm)
{
    const char *how;
    double work = lr__svd_work_bytes(ctx, A->rows, A->cols, A->dtype, o, warm, &how);
    int64_t input = A->dense ? (int64_t)lr__bytes(A->rows, A->cols, lr_dtype_size(A->dtype)) : 0;
    char what[160];
    snprintf(what, sizeof what, "%s of a %lld x %lld %s matrix", how, (long long)A->rows,
             (long long)A->cols, lr_dtype_name(A->dtype));
    return lr__mem_work(ctx, input, work < 9e18 ? (int64_t)work : -1, what);
}

static lr_status compute(lr_ctx *ctx, const lr_op *A, const lr_svd_opts *o,
                         const lr_mat *V0, lr_svd **out)
{
    *out = NULL;
    if (!A || !o) return lr__err(ctx, LR_ERR_ARG, "svd: operator or options missing");
    const int64_t gm = op_global_rows(A);
    const char *why = lr_svd_opts_check(o, gm, A->cols);
    if (why) return lr__err(ctx, LR_ERR_ARG, "%s", why);
    if (gm > LR_LAPACK_MAX || A->cols > LR_LAPACK_MAX)
        return lr__err(ctx, LR_ERR_ARG, "a %lld x %lld matrix exceeds the 32-bit sizes BLAS "
                       "and LAPACK accept", (long long)gm, (long long)A->cols);
    if (V0 && (V0->rows != A->cols || V0->dtype != A->dtype))
        return lr__err(ctx, LR_ERR_ARG, "warm start basis must be %lld x c with the "
                       "operator's element type", (long long)A->cols);
    if (op_is_dist(A) && (o->method != LR_SVD_RANDOMIZED || o->tol > 0 || o->energy > 0 ||
                          o->normalizer != LR_NORM_AUTO))
        return lr__err(ctx, LR_ERR_ARG, "a row-distributed matrix supports the fixed-rank "
                       "randomized SVD with the auto normalizer (the other "
                       "methods need the whole matrix in one process)");
    lr_status ms = plan_memory(ctx, A, o, V0 != NULL);
    if (ms) return ms;
    lr_svd *res = svd_new(ctx, A->dtype, A->rows, A->cols);
    if (!res) return LR_ERR_NOMEM;
    /* The large products thread themselves (kernel layer); what reaches
     * OpenBLAS from here is small (QR of l columns, SVD of l x n, ...), where
     * its threads only spin.  exact.c raises the count for gesdd. */
    int blas_saved = openblas_get_num_threads();
    k_blas_threads(1);
    /* Work on the tall orientation: the fused pass splits the long side. */
    /* A distributed operator stays as it is: its bands are rows. */
    lr_bop b = {A, A->rows < A->cols && !V0 && !op_is_dist(A), &res->passes};
    int fixed_acc = o->tol > 0 || o->energy > 0;
    lr_status st;
    if (o->method == LR_SVD_EXACT) st = svd_exact(ctx, A, o, res);
    else if (fixed_acc) st = svd_qb(ctx, &b, o, res);
    else if (o->method == LR_SVD_KRYLOV) st = svd_krylov(ctx, &b, o, res);
    else st = svd_randomized(ctx, &b, o, V0, res);
    k_blas_threads(blas_saved);
    if (st && st != LR_ERR_NOCONV) {
        lr_svd_destroy(res);
        return st;
    }
    *out = res;
    return st;
}

lr_status lr_svd_compute(lr_ctx *ctx, const lr_op *A, const lr_svd_opts *o, lr_svd **out)
{
    return compute(ctx, A, o, NULL, out);
}

lr_status lr_svd_compute_warm(lr_ctx *ctx, const lr_op *A, const lr_svd_opts *o,
                              const lr_mat *V0, lr_svd **out)
{
    if (V0 && o && (o->method != LR_SVD_RANDOMIZED || o->tol > 0 || o->energy > 0))
        return lr__err(ctx, LR_ERR_ARG, "a warm start needs the fixed-rank randomized method");
    return compute(ctx, A, o, V0, out);
}

lr_status lr_svd_dense(lr_ctx *ctx, const lr_mat *A, const lr_svd_opts *o, lr_svd **out)
{
    lr_op *op;
    *out = NULL;
    lr_status s = lr_op_dense(ctx, A, &op);
    if (s) return s;
    s = lr_svd_compute(ctx, op, o, out);
    lr_op_destroy(op);
    return s;
}
