/* rpca.c -- robust PCA by principal component pursuit, inexact ALM.
 *
 * Problem (Candes, Li, Ma & Wright 2011):
 *     min ||L||_* + lambda ||S||_1   subject to   M = L + S.
 * Inexact augmented Lagrange multipliers (Lin, Chen & Ma 2010, Alg. 5),
 * with the initialization of their reference code (inexact_alm_rpca.m):
 *     Y_0 = M / J,  J = max(||M||_2, ||M||_inf / lambda),  S_0 = 0,
 *     mu_0 = 1.25 / ||M||_2,  mu_{k+1} = min(rho mu_k, 1e7 mu_0).
 *  iteration k:
 *     L_{k+1} = D_{1/mu_k}(T_k),          T_k = M - S_k + Y_k / mu_k
 *     S_{k+1} = shrink(M - L_{k+1} + Y_k / mu_k, lambda / mu_k)
 *     Y_{k+1} = Y_k + mu_k (M - L_{k+1} - S_{k+1})
 *     stop when ||M - L_{k+1} - S_{k+1}||_F / ||M||_F < tol.
 * D_tau is singular value thresholding; shrink is soft thresholding.
 *
 * Storage contract.  M is read only.  Two m x n buffers, Y and T, are all
 * the iteration keeps: L lives as factors U (m x r) and W = diag(sigma -
 * 1/mu) Vt (r x n); S is never stored during the iterations because the
 * pass that makes S_{k+1} consumes it at once (into Z, Y and T_{k+1}).  One
 * fused pass per iteration over tiles of rows reads M and Y and writes Y and
 * T (rpca_kern_impl.h).  Y is computed as clamp(mu x, -lambda, lambda) with
 * x = M - L + Y/mu, which equals Y + mu (M - L - S) exactly in real
 * arithmetic and keeps |Y| <= lambda exactly, so S != 0 precisely where
 * |Y| = lambda.  At the end S is recovered into T's buffer as
 * M - T + Y/mu_next on that support (error: a few ulps of max(|M|, |S|)),
 * and L is expanded into Y's buffer.  Peak: M + 2 buffers + the factors
 * (U: m x rank) + small (docs/ALGORITHMS-rpca.md, "Memory plan").
 *
 * The SVT step, chosen per iteration by a flop model (prefer_gram):
 *  PARTIAL: a randomized SVD (lr_svd_compute_warm) of the dense T, sketching
 *    from the previous iteration's right basis, power_iters (default 1)
 *    fused passes.  Rank prediction as in the reference code: sv = svp + 1
 *    (svp = singular values above 1/mu); if all sv computed values exceed
 *    1/mu the SVD is recomputed at once with a larger sv, warm from the
 *    basis just found, until one falls below or the cap is hit.
 *  GRAM: G = T^T T (one pass: in double for f64 data; for f32 data in
 *    float32 after splitting off the top direction u, P = R + (P u) u^T per
 *    panel, cross terms in double, kept when accurate enough, see
 *    gram_step), G = V diag(sigma^2) V^T by dsyevd,
 *    L = (T V_s) diag(1 - 1/(mu sigma)) V_s^T: the pass computes U = T V_s
 *    from each whole row panel of T before overwriting it and keeps U for
 *    the final expansion.  Exact, whatever the rank; the choice once the
 *    rank of L is a sizeable fraction of n, as on video.
 * The very first SVD is of M itself (it gives ||M||_2 for mu_0) and serves
 * for T_0 = M + Y_0/mu_0 = (1 + 1/(J mu_0)) M by scaling.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <lapacke.h>
#include "rpca_internal.h"

struct lr_rpca {
    lr_allocator alloc;     /* frees the buffers below */
    lr_status status;
    int iters, svd_calls, gram_calls;
    double *hist;
    double *ihist;          /* per iteration: CPU seconds of the SVT step, of the pass */
    int64_t m, n, rank, nnz;
    double lambda, norm2, mu, residual;
    lr_mat S, L;            /* owned (L empty when not kept) */
    lr_svd *fac;            /* last SVD when it came from lr_svd: U, Vt */
    lr_mat U, Vt;           /* owned factors when the last step was GRAM */
    double *sigma;          /* rank shrunk singular values */
    lr_rpca_times times;
};

/* Stage clock: wall and process CPU seconds since the last tick are added
 * to stage i of *t (i < 0: just restart). */
typedef struct stage_clock {
    double wall, cpu;
} stage_clock;

static void clock_now(stage_clock *c)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    c->wall = (double)a.tv_sec + 1e-9 * (double)a.tv_nsec;
    c->cpu = (double)b.tv_sec + 1e-9 * (double)b.tv_nsec;
}

static void clock_tick(stage_clock *c, lr_rpca_times *t, int i)
{
    stage_clock now;
    clock_now(&now);
    if (i >= 0 && t) t->wall[i] += now.wall - c->wall, t->cpu[i] += now.cpu - c->cpu;
    *c = now;
}

enum { ST_SETUP, ST_PARTIAL, ST_GRAM, ST_EIG, ST_PASS, ST_FINAL };

void lr_rpca_opts_default(lr_rpca_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_iter = 100;
    o->rho = 1.5;
    o->mu_max_factor = 1e7;
    o->svt = LR_RPCA_SVT_AUTO;
    o->rank_init = 10;
    o->oversample = 10;
    o->power_iters = 1;
    o->panel_rows = 256;
    o->keep_l = 1;
}

static int gram_possible(int64_t m, int64_t n) { return n <= m && n <= LR_RPCA_GRAM_MAX_N; }

const char *lr_rpca_opts_check(const lr_rpca_opts *o, int64_t m, int64_t n)
{
    static _Thread_local char buf[256];
    if (!o) return "options missing";
    if (m <= 0 || n <= 0) {
        snprintf(buf, sizeof buf, "the matrix is empty (%lld x %lld)", (long long)m,
                 (long long)n);
        return buf;
    }
    if (!(o->lambda >= 0) || !isfinite(o->lambda))
        return "lambda must be > 0 (or 0 for the default 1/sqrt(max(m, n)))";
    if (!(o->tol >= 0 && o->tol < 1))
        return "tol must be in (0, 1): the relative residual ||M - L - S||_F / ||M||_F to "
               "stop at (0 = default for the element type)";
    if (o->max_iter < 1 || o->max_iter > 1000000) return "max_iter must be between 1 and 1000000";
    if (!(o->mu0 >= 0) || !isfinite(o->mu0)) return "mu0 must be > 0 (or 0 for 1.25/||M||_2)";
    if (!(o->rho > 1) || !isfinite(o->rho) || o->rho > 100)
        return "rho must be in (1, 100]: the penalty growth factor (default 1.5)";
    if (!(o->mu_max_factor >= 1) || !isfinite(o->mu_max_factor))
        return "mu_max_factor must be >= 1 (default 1e7)";
    if ((unsigned)o->svt > LR_RPCA_SVT_EXACT)
        return "svt must be LR_RPCA_SVT_AUTO, _PARTIAL, _GRAM or _EXACT";
    if (o->svt == LR_RPCA_SVT_GRAM && !gram_possible(m, n)) {
        snprintf(buf, sizeof buf, "the Gram SVT needs columns <= rows and columns <= %d "
                 "(this matrix is %lld x %lld); use AUTO or PARTIAL", LR_RPCA_GRAM_MAX_N,
                 (long long)m, (long long)n);
        return buf;
    }
    if (o->rank_init < 1) return "rank_init must be >= 1";
    if (o->rank_max < 0) return "rank_max must be >= 0 (0 = min(m, n))";
    if (o->oversample < 0 || o->oversample > 1000) return "oversample must be in 0..1000";
    if (o->power_iters < 0 || o->power_iters > 20) return "power_iters must be in 0..20";
    if (o->panel_rows < 16 || o->panel_rows > 65536) return "panel_rows must be in 16..65536";
    if (o->keep_l != 0 && o->keep_l != 1) return "keep_l must be 0 or 1";
    return NULL;
}

/* Cost model of one SVT step, in multiples of m*n flops.
 * partial: (q+1) fused passes of 4 l flops per element, l = sv + p, then
 * L = U W (2 sv).  Gram: T^T T (n: symmetric), L = (T V) W (4 sv).  A
 * recomputation when the rank must grow is not counted: it only favours
 * GRAM more.  The partial route's fused kernels run at about half the
 * rate of sgemm (measured on vtest: 1.5-2x the model); on float64 data the
 * Gram matrix is double like the rest, and the two effects were left to
 * cancel (the model as first tuned).  On float32 data the Gram matrix is
 * float32 too (the deflated route), so the partial route is charged its
 * measured 2x: vtest at 320x240 switches at iteration 15 instead of 19,
 * 0.4 s less CPU time (docs/ALGORITHMS-rpca.md). */
static int prefer_gram(const lr_rpca_opts *o, lr_dtype t, int64_t m, int64_t n, int64_t sv)
{
    if (o->svt == LR_RPCA_SVT_GRAM) return 1;
    if (o->svt != LR_RPCA_SVT_AUTO || !gram_possible(m, n)) return 0;
    /* Where the partial route would fall back to a full SVD anyway. */
    if (2 * (sv + o->oversample) > LR_MIN(m, n)) return 1;
    double partial = (o->power_iters + 1) * 4.0 * (double)(sv + o->oversample) + 2.0 * sv;
    double gram = (double)n + 4.0 * sv;
    if (t == LR_F32) partial *= 2;
    return gram < partial;
}

/* One SVD of the operator at rank k: randomized (warm from V0 when given)
 * or, when asked or when k + p is not small against min(m, n), exact. */
static lr_status svd_step(lr_ctx *ctx, const lr_op *op, const lr_rpca_opts *o, int64_t k,
                          int q, uint64_t seed, const lr_mat *V0, const lr_rowdist *d,
                          lr_svd **out)
{
    int64_t m = d ? d->global_rows : lr_op_rows(op), n = lr_op_cols(op), mn = LR_MIN(m, n);
    lr_svd_opts so;
    lr_svd_opts_default(&so);
    so.oversample = o->oversample;
    so.power_iters = q;
    so.seed = seed;
    if (d) /* distributed: no exact SVD; with k + p >= min(m, n) the sketch
              spans the whole row or column space and the result is exact */
        k = LR_MIN(k, mn);
    else if (o->svt == LR_RPCA_SVT_EXACT || 2 * (k + o->oversample) > mn) {
        so.method = LR_SVD_EXACT;
        so.k = mn;
        return lr_svd_compute(ctx, op, &so, out);
    }
    so.k = k;
    if (!V0 || !V0->data || V0->cols == 0 || V0->rows != n) return lr_svd_compute(ctx, op, &so, out);
    lr_mat V = lr_mat_block(V0, 0, 0, n, LR_MIN(V0->cols, k + o->oversample));
    return lr_svd_compute_warm(ctx, op, &so, &V, out);
}

static void take_buf(lr_mat *dst, lr_mat *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

/* W (r x n, ld r) = diag(w) Vt[:r, :]. */
static void build_w(const lr_mat *Vt, const double *w, int64_t r, void *W)
{
    int64_t n = Vt->cols;
    if (Vt->dtype == LR_F32) {
        const float *v = Vt->data;
        float *o = W;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < r; i++) o[i + j * r] = (float)(w[i] * v[i + j * Vt->ld]);
    } else {
        const double *v = Vt->data;
        double *o = W;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < r; i++) o[i + j * r] = w[i] * v[i + j * Vt->ld];
    }
}

void lr_rpca_destroy(lr_rpca *r)
{
    if (!r) return;
    lr_ctx own = {0};
    own.alloc = r->alloc;
    lr_mat_free(&own, &r->S);
    lr_mat_free(&own, &r->L);
    lr_mat_free(&own, &r->U);
    lr_mat_free(&own, &r->Vt);
    lr_svd_destroy(r->fac);
    lr__free(&own, r->sigma);
    lr__free(&own, r->hist);
    lr__free(&own, r->ihist);
    lr__free(&own, r);
}

/* Uninitialized rows x cols buffer (ld = rows) that lr_mat_free can release. */
static lr_status buf_alloc(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n, const char *what,
                           lr_mat *out)
{
    memset(out, 0, sizeof *out);
    size_t es = lr_dtype_size(t), b = lr__bytes(m, n, es);
    void *p = lr__malloc(ctx, b ? b : es, what); /* an empty band still gets a buffer */
    if (!p) return LR_ERR_NOMEM;
    *out = (lr_mat){t, m, n, m > 0 ? m : 1, p};
    return LR_OK;
}

/* Sums the upper triangle of the n x n matrix G over the processes of d
 * (packed into buf, n (n + 1) / 2 doubles: parts is big enough). */
static lr_status reduce_upper(lr_ctx *ctx, const lr_rowdist *d, double *G, int64_t n, double *buf)
{
    int64_t k = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i <= j; i++) buf[k++] = G[i + j * n];
    lr_status st = d->allreduce(d->user, ctx, buf, k, LR_REDUCE_SUM);
    if (st) return st;
    k = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i <= j; i++) G[i + j * n] = buf[k++];
    return LR_OK;
}

/* Sum (or max) of a few doubles over the processes; nothing alone. */

/* Sum (or max) of a few doubles over the processes; nothing alone. */
static lr_status reduce(lr_ctx *ctx, const lr_rowdist *d, double *buf, int64_t n,
                        lr_reduce_op how)
{
    return d ? d->allreduce(d->user, ctx, buf, n, how) : LR_OK;
}

/* Workspace of the GRAM route, allocated at its first use. */
typedef struct gram_ws {
    int ready, ngroups;
    int64_t rows;            /* panel rows of the Gram pass */
    double *G, *parts, *conv, *lam;
    double *Gc;              /* a copy of dsytrd's reflectors for the second dormtr */
    double *u, *cparts;      /* deflation direction (n), its partials */
    int have_u;
    lr_mat V, W;             /* n x n and n x n (dtype): V_s and D V_s^T */
    lr_mat U;                /* m x cap_u: T V_s */
    int64_t cap_u;
} gram_ws;

static void gram_free(lr_ctx *ctx, gram_ws *g)
{
    lr__free(ctx, g->G), lr__free(ctx, g->parts), lr__free(ctx, g->conv), lr__free(ctx, g->lam);
    lr__free(ctx, g->u), lr__free(ctx, g->cparts), lr__free(ctx, g->Gc);
    lr_mat_free(ctx, &g->V), lr_mat_free(ctx, &g->W), lr_mat_free(ctx, &g->U);
    memset(g, 0, sizeof *g);
}

/* Rows per panel of the Gram pass (one ssyrk/dsyrk call each): fewer
 * read-modify-writes of the n x n partials.  Float32 panels are summed in
 * float32 by ssyrk, so this also bounds that sum; vtest 320x240: 512 / 1024
 * / 2048 rows cost 8.6 / 8.3 / 8.1 s of CPU over the 17 Gram steps. */
#define GRAM_ROWS 2048

/* Per-thread bytes of the f32 Gram panels: the double route's tile_r x n
 * doubles or the deflated route's floats, whichever is more. */
static size_t gram_conv_bytes(int64_t rows, int64_t n)
{
    return LR_MAX(lr__bytes(rows, n, 8), 4 * rpca__gram_defl_floats(rows, n));
}

/* Unit vector u (double) along column 0 of V (n x k, any dtype); 0 when
 * it is empty or zero. */
static int set_u(double *u, const lr_mat *V)
{
    if (!V->data || V->cols < 1) return 0;
    double nrm = 0;
    for (int64_t i = 0; i < V->rows; i++) u[i] = lr_mat_get(V, i, 0), nrm += u[i] * u[i];
    if (!(nrm > 0)) return 0;
    nrm = 1.0 / sqrt(nrm);
    for (int64_t i = 0; i < V->rows; i++) u[i] *= nrm;
    return 1;
}

/* The deflated float32 Gram matrix is kept when the float32 rounding of
 * R^T R (about u32 ||R||_F^2 in all, u32 = 2^-24) stays below a few times
 * the squared threshold (1/mu)^2 (docs/ALGORITHMS-rpca.md, "Gram in float32"). */
#define GRAM_F32_MARGIN 4.0

static lr_status gram_init(lr_ctx *ctx, gram_ws *g, lr_dtype t, int64_t m, int64_t n, int nth)
{
    if (g->ready) return LR_OK;
    size_t es = lr_dtype_size(t);
    g->rows = GRAM_ROWS;
    /* Groups fixed by the shape alone (determinism), memory <= M / 2. */
    int64_t ng = (m * (int64_t)es) / (16 * n);
    g->ngroups = (int)LR_MAX(1, LR_MIN(16, ng));
    lr_status st;
    g->G = lr__malloc(ctx, lr__bytes(n, n, 8), "rpca Gram matrix");
    g->parts = lr__malloc(ctx, lr__bytes((int64_t)g->ngroups * n, n, 8), "rpca Gram partials");
    /* f32: per thread a double panel (the double route) or, sharing the
     * space, the deflated route's float panel, n x n floats and z. */
    g->conv = t == LR_F32 ? lr__malloc(ctx, (size_t)nth * gram_conv_bytes(g->rows, n), "rpca Gram panels")
                          : lr__malloc(ctx, 8, "rpca Gram panels");
    g->lam = lr__malloc(ctx, (size_t)n * 3 * 8, "rpca eigenvalues"); /* + e, tau of dsytrd */
    g->u = lr__malloc(ctx, (size_t)n * 8, "rpca Gram deflation");
    g->cparts = lr__malloc(ctx, (size_t)g->ngroups * (size_t)(n + 2) * 8, "rpca Gram deflation");
    g->Gc = lr__malloc(ctx, lr__bytes(n, n, 8), "rpca Gram reflectors");
    if (!g->G || !g->parts || !g->conv || !g->lam || !g->u || !g->cparts || !g->Gc)
        return LR_ERR_NOMEM;
    if ((st = buf_alloc(ctx, t, n, n, "rpca Gram basis", &g->V)) ||
        (st = buf_alloc(ctx, t, n, n, "rpca Gram factor", &g->W)))
        return st;
    g->ready = 1;
    return LR_OK;
}

/* Eigenpairs of the Gram matrix (upper triangle of g->G), eigenvalues
 * ascending in g->lam, eigenvectors in *E (n x n, ld n: g->G itself or
 * g->parts).  The steps of dsyevd -- dsytrd, dstedc, dormtr -- called one by
 * one so that the back-transformation (dormtr, a third of the time at
 * n = 795) runs on two fixed column halves, one per thread: each column's
 * operations do not depend on the split, so the bits are the same for any
 * thread count (n = 795: 105 ms -> 90 ms).  dormtr writes into the
 * reflectors' diagonal while it works (dorm2l sets it to one and back), so
 * the second half runs on its own copy of them.  Matrices
 * whose entries sit outside dsyevd's safe scaling range keep dsyevd.  BLAS
 * single-threaded throughout (OpenBLAS's threaded dsymv sums in another
 * order, and its threads spin against ours). */
static lr_status gram_eig(lr_ctx *ctx, gram_ws *g, int64_t n, int nth, const double **E)
{
    double amax = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i <= j; i++) amax = fmax(amax, fabs(g->G[i + j * n]));
    const int blas = rpca__blas_single();
    int info = 0;
    if (!(amax > 1e-140 && amax < 1e140) || n < 64) {
        info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', (int)n, g->G, (int)n, g->lam);
        *E = g->G;
    } else {
        double *e = g->lam + n, *tau = g->lam + 2 * n, *Z = g->parts; /* parts: free now */
        info = LAPACKE_dsytrd(LAPACK_COL_MAJOR, 'U', (int)n, g->G, (int)n, g->lam, e, tau);
        if (!info) info = LAPACKE_dstedc(LAPACK_COL_MAJOR, 'I', (int)n, g->lam, e, Z, (int)n);
        if (!info) {
            const int64_t half = n / 2;
            memcpy(g->Gc, g->G, lr__bytes(n, n, 8));
            int ib[2] = {0, 0};
#pragma omp parallel for schedule(static, 1) num_threads(LR_MIN(nth, 2))
            for (int b = 0; b < 2; b++) {
                const int64_t j0 = b ? half : 0, nb = b ? n - half : half;
                ib[b] = LAPACKE_dormtr(LAPACK_COL_MAJOR, 'L', 'U', 'N', (int)n, (int)nb,
                                       b ? g->Gc : g->G, (int)n, tau, Z + j0 * n, (int)n);
            }
            info = ib[0] ? ib[0] : ib[1];
        }
        *E = Z;
    }
    rpca__blas_restore(blas);
    if (info)
        return lr__err(ctx, LR_ERR_LAPACK, "rpca: the symmetric eigensolver failed (info %d) "
                       "on the %lld x %lld Gram matrix", info, (long long)n, (long long)n);
    return LR_OK;
}

/* The GRAM step: G = T^T T, eigenpairs, singular values sigma (descending)
 * into s[], basis V_s (n x svp) and W = diag(1 - 1/(mu sigma)) V_s^T into
 * the workspace, U grown to m x svp.  Returns svp through *svp. */
static lr_status gram_step(lr_ctx *ctx, gram_ws *g, const lr_mat *T, double mu, int64_t cap,
                           int nth, const lr_rowdist *d, double *s, int64_t *svp_out,
                           int *f32_used, stage_clock *clk, lr_rpca_times *tm)
{
    *f32_used = 0;
    const int64_t m = T->rows, n = T->cols;
    int done = 0;
    if (T->dtype == LR_F32 && g->have_u) {
        /* float32 through the rank-1 deflation, kept when accurate enough */
        double rr = 0;
        if (m > 0)
            rr = rpca__gram_defl_f32(T->data, m, n, T->ld, g->rows, g->ngroups, nth, g->u,
                                     g->parts, g->cparts, (float *)(void *)g->conv, g->G);
        else
            memset(g->G, 0, lr__bytes(n, n, 8));
        lr_status st = reduce(ctx, d, &rr, 1, LR_REDUCE_SUM);
        if (st) return st;
        done = rr * 0x1p-24 <= GRAM_F32_MARGIN / (mu * mu);
        *f32_used = done;
    }
    if (!done && m > 0)
        (T->dtype == LR_F32 ? rpca__gram_f32 : rpca__gram_f64)(T->data, m, n, T->ld, g->rows,
                                                               g->ngroups, nth, g->parts,
                                                               g->conv, g->G);
    else if (!done)
        memset(g->G, 0, lr__bytes(n, n, 8));
    if (d) { /* G = sum of the bands' Grams: the upper triangle, packed */
        lr_status st = reduce_upper(ctx, d, g->G, n, g->parts);
        if (st) return st;
    }
    clock_tick(clk, tm, ST_GRAM);
    const double *E; /* the eigenvectors, ascending, n x n */
    lr_status est = gram_eig(ctx, g, n, nth, &E);
    if (est) return est;
    /* The next deflation direction: the top eigenvector. */
    memcpy(g->u, E + (n - 1) * n, (size_t)n * 8);
    g->have_u = 1;
    /* Ascending eigenpairs -> descending singular triplets. */
    int64_t svp = 0;
    for (int64_t i = 0; i < n; i++) {
        double l = g->lam[n - 1 - i];
        s[i] = l > 0 ? sqrt(l) : 0;
    }
    while (svp < cap && s[svp] > 1.0 / mu) svp++;
    for (int64_t j = 0; j < n; j++) { /* all n columns: the warm start may want them */
        const double *src = E + (n - 1 - j) * n;
        for (int64_t i = 0; i < n; i++) lr_mat_set(&g->V, i, j, src[i]);
    }
    /* W = diag(1 - 1/(mu sigma_i)) V_s^T, svp x n (ld svp). */
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < svp; i++) {
            double v = (1.0 - 1.0 / (mu * s[i])) * E[j + (n - 1 - i) * n];
            if (T->dtype == LR_F32) ((float *)g->W.data)[i + j * svp] = (float)v;
            else ((double *)g->W.data)[i + j * svp] = v;
        }
    if (svp > g->cap_u) {
        lr_mat_free(ctx, &g->U);
        g->cap_u = LR_MIN(cap, LR_MAX(svp + svp / 4 + 8, 2 * g->cap_u));
        lr_status st = buf_alloc(ctx, T->dtype, m, g->cap_u, "rpca factor T V", &g->U);
        if (st) {
            g->cap_u = 0;
            return st;
        }
    }
    *svp_out = svp;
    return LR_OK;
}

/* GRAM tiles span whole rows of T.  Each tile's GEMMs repack V_s and W
 * (n x rank), so tiles must be tall enough to amortize that: ~4 MiB of
 * L per tile, at most 1024 and at least panel_rows rows (measured on
 * 76,800 x 795 f32, rank 396: 80-row tiles cost 3.6 s of CPU per pass,
 * 320-row 1.0 s; over the 13 GRAM iterations of vtest at 320x240,
 * 1024-row tiles took 6% less CPU than 320-row ones). */
static int64_t gram_tile_rows(int64_t tile_r, size_t es, int64_t n)
{
    return LR_MAX(tile_r, LR_MIN(1024, (((int64_t)1 << 22) / (int64_t)es / n) & ~(int64_t)15));
}

double rpca__plan_extra(lr_ctx *ctx, const lr_rpca_opts *o, lr_dtype t, int64_t m, int64_t mg,
                        int64_t n, int nth)
{
    const size_t es = lr_dtype_size(t);
    const int f32 = t == LR_F32;
    const int64_t mn = LR_MIN(mg, n);
    const int64_t cap = o->rank_max > 0 ? LR_MIN(o->rank_max, mn) : mn;
    const int64_t tile_r = o->panel_rows, tile_rg = gram_tile_rows(tile_r, es, n);
    double Mb = (double)m * (double)n * (double)es, nn = (double)n * (double)n;
    double spt0 = (double)LR_MAX(tile_r * RPCA_TILE_C, tile_rg * n);
    double gram = nn * (16 + 2 * (double)es) + LR_MIN(Mb / 2, 16 * 8 * nn) +
                  (f32 ? (double)nth * (double)gram_conv_bytes(GRAM_ROWS, n) : 0) +
                  (double)(16 * (n + 2) + 3 * n) * 8; /* cparts, lam + e + tau */
    /* the first SVD steps (randomized, at the initial rank) and the
     * factors of L kept between them */
    lr_svd_opts so;
    lr_svd_opts_default(&so);
    so.k = LR_MIN(o->rank_init, cap), so.oversample = o->oversample;
    so.power_iters = LR_MAX(o->power_iters, 4);
    if (o->svt == LR_RPCA_SVT_EXACT || 2 * (so.k + o->oversample) > mn)
        so.method = LR_SVD_EXACT, so.k = mn;
    double fac = lr__svd_work_bytes(ctx, m, n, t, &so, 0, NULL) +
                 (double)(m + n) * (double)(so.k + o->oversample) * (double)es * 2;
    return 2 * Mb + (double)nth * spt0 * (double)es + gram + fac;
}

/* The whole algorithm; d == NULL: one process holds all of M, otherwise M
 * is this process's band of rows (rpca.h, lr_rpca_compute_rows).  w: a
 * workspace made ahead (lr_rpca_work_create) whose buffers become Y and T,
 * or NULL. */
static lr_status rpca_run(lr_ctx *ctx, const lr_mat *M, const lr_rpca_opts *opts,
                          const lr_rowdist *d, const lr_mat *U0, lr_rpca_work *w,
                          lr_rpca **out)
{
    lr_status st;
    if (!out) return lr__err(ctx, LR_ERR_ARG, "rpca: out is NULL");
    *out = NULL;
    if ((st = lr_mat_check(ctx, M, "rpca input"))) return st;
    lr_rpca_opts defo;
    if (!opts) lr_rpca_opts_default(&defo), opts = &defo;
    const lr_rpca_opts *o = opts;
    /* m: rows of this band (all of M alone); mg: rows of the whole matrix,
     * which every global choice (lambda, ranks, GRAM or not) is made on. */
    const int64_t m = M->rows, n = M->cols, mg = d ? d->global_rows : m, mn = LR_MIN(mg, n);
    const char *why = lr_rpca_opts_check(o, mg, n);
    if (why) return lr__err(ctx, LR_ERR_ARG, "rpca: %s", why);
    if (d && o->svt == LR_RPCA_SVT_EXACT)
        return lr__err(ctx, LR_ERR_ARG, "rpca: the exact SVT needs the whole matrix in one "
                       "process; use AUTO, PARTIAL or GRAM with a distributed matrix");
    if (mg > LR_LAPACK_MAX || n > LR_LAPACK_MAX)
        return lr__err(ctx, LR_ERR_ARG, "rpca: a %lld x %lld matrix exceeds the 32-bit sizes "
                       "BLAS and LAPACK accept", (long long)mg, (long long)n);
    const lr_dtype t = M->dtype;
    const size_t es = lr_dtype_size(t);
    const int f32 = t == LR_F32;
    const int nth = lr__threads(ctx);
    const double lam = o->lambda > 0 ? o->lambda : 1.0 / sqrt((double)LR_MAX(mg, n));
    const double tol = o->tol > 0 ? o->tol : f32 ? LR_RPCA_TOL_F32 : LR_RPCA_TOL_F64;
    const int64_t cap = o->rank_max > 0 ? LR_MIN(o->rank_max, mn) : mn;
    const int64_t tile_r = o->panel_rows, tile_rg = gram_tile_rows(tile_r, es, n);
    if (w && (d || w->t != t || w->m != m || w->n < n || !w->Y.data || !w->T.data))
        return lr__err(ctx, LR_ERR_ARG, "rpca: the workspace (%lld x %lld %s%s) does not fit "
                       "the %lld x %lld %s input; make it with lr_rpca_work_create for M's "
                       "shape", (long long)w->m, (long long)w->n, lr_dtype_name(w->t),
                       w->Y.data ? "" : ", already used", (long long)m, (long long)n,
                       lr_dtype_name(t));

    lr_rpca *r = NULL;
    lr_op *opM = NULL, *opT = NULL;
    lr_svd *cur = NULL, *nw = NULL;
    lr_mat Y = {0}, T = {0};
    double *colsum = NULL, *part = NULL, *wvec = NULL, *sg = NULL;
    int64_t *cnt = NULL;
    void *scratch = NULL, *W = NULL;
    int64_t wcap = 0;
    gram_ws gw = {0};

    /* The planned peak on top of M, before anything is allocated: Y and T
     * (which become S and L), the tiles, the Gram route's n x n buffers and
     * partial sums (at most M / 2), the factors of L at the initial rank
     * (they grow with it; README: about (3 + rank/n) x M in all). */
    {
        double Mb = (double)m * (double)n * (double)es;
        double extra = rpca__plan_extra(ctx, o, t, m, mg, n, nth);
        /* A workspace made ahead is held already: input, not extra. */
        double held = w ? 2 * (double)m * (double)w->n * (double)es : 0;
        extra -= LR_MIN(held, 2 * Mb);
        char what[160];
        snprintf(what, sizeof what, "robust PCA of a %lld x %lld %s matrix", (long long)m,
                 (long long)n, lr_dtype_name(t));
        if ((st = lr__mem_work(ctx, (int64_t)(Mb + held), extra < 9e18 ? (int64_t)extra : -1,
                               what)))
            return st;
    }

    lr_rpca_times tm;
    memset(&tm, 0, sizeof tm);
    stage_clock clk;
    clock_now(&clk);

    /* One pass over M: norms, and NaN/Inf show as a non-finite sum. */
    double frob2, maxabs;
    if (!(colsum = lr__malloc(ctx, (size_t)n * sizeof(double), "rpca column sums")))
        return LR_ERR_NOMEM;
    frob2 = maxabs = 0;
    if (m > 0)
        (f32 ? rpca__scan_f32 : rpca__scan_f64)(M->data, m, n, M->ld, nth, colsum, &frob2,
                                                &maxabs);
    lr__free(ctx, colsum), colsum = NULL;
    if ((st = reduce(ctx, d, &frob2, 1, LR_REDUCE_SUM)) ||
        (st = reduce(ctx, d, &maxabs, 1, LR_REDUCE_MAX)))
        return st;
    if (!isfinite(frob2) || !isfinite(maxabs)) {
        st = lr_mat_check_finite(ctx, M, "rpca input");
        if (st) return st;
        return lr__err(ctx, LR_ERR_DATA, "rpca input: values too large (||M||_F overflows); "
                       "scale the data down");
    }

    if (!(r = lr__calloc(ctx, 1, sizeof *r, "rpca result"))) return LR_ERR_NOMEM;
    r->alloc = ctx->alloc;
    r->m = m, r->n = n, r->lambda = lam;
    if (!(r->hist = lr__malloc(ctx, (size_t)o->max_iter * sizeof(double), "rpca history")) ||
        !(r->ihist = lr__calloc(ctx, (size_t)o->max_iter * 2, sizeof(double), "rpca history"))) {
        st = LR_ERR_NOMEM;
        goto fail;
    }
    if (frob2 == 0) { /* M = 0: L = S = 0 is the solution */
        if ((st = lr_mat_alloc(ctx, t, m, n, &r->S))) goto fail;
        if (o->keep_l && (st = lr_mat_alloc(ctx, t, m, n, &r->L))) goto fail;
        r->status = LR_OK;
        *out = r;
        return LR_OK;
    }
    const double normM = sqrt(frob2);

    /* Workspace, all taken before the loop (the GRAM route's at its first
     * use, the factor buffers when the rank outgrows them). */
    const int64_t ntiles = LR_MAX(rpca__ntiles(m, n, tile_r, RPCA_TILE_C),
                                  rpca__ntiles(m, n, tile_rg, n));
    const int64_t spt = LR_MAX(tile_r * RPCA_TILE_C, tile_rg * n);
    if (w) { /* the workspace's buffers (ld = m; n <= w->n columns used) */
        take_buf(&Y, &w->Y), take_buf(&T, &w->T);
        Y.cols = T.cols = n;
    } else if ((st = buf_alloc(ctx, t, m, n, "rpca dual variable Y", &Y)) ||
               (st = buf_alloc(ctx, t, m, n, "rpca SVD input T", &T))) {
        goto fail;
    }
    scratch = lr__malloc(ctx, lr__bytes((int64_t)nth, spt, es), "rpca tiles");
    part = lr__malloc(ctx, (size_t)ntiles * sizeof(double), "rpca partial sums");
    cnt = lr__malloc(ctx, (size_t)ntiles * sizeof(int64_t), "rpca partial counts");
    wvec = lr__malloc(ctx, (size_t)(mn + 1) * sizeof(double), "rpca singular values");
    sg = lr__malloc(ctx, (size_t)(n + 1) * sizeof(double), "rpca singular values");
    if (!scratch || !part || !cnt || !wvec || !sg) {
        st = LR_ERR_NOMEM;
        goto fail;
    }

    /* ||M||_2 from a cold randomized SVD of M with q = 4 (a clustered top of
     * the spectrum needs it: a lower bound, within ~1% on the tests), kept
     * as the SVD of T_0 = c M. */
    if ((st = lr_op_dense(ctx, M, &opM)) || (st = lr_op_set_allreduce(ctx, opM, d))) goto fail;
    int64_t sv = LR_MIN(o->rank_init, cap);
    if (U0 && U0->data && U0->rows == m && U0->cols > 0 && U0->dtype == t && !d) {
        /* Warm start from a carried left basis (streaming): V0 = M^T U0 spans
         * the right singular subspace that goes with it, so q = power_iters + 1
         * passes replace the cold start's 4. */
        lr_mat V0 = {0}, Ub = lr_mat_block(U0, 0, 0, m, LR_MIN(U0->cols, sv + o->oversample));
        if ((st = buf_alloc(ctx, t, n, Ub.cols, "rpca warm basis", &V0))) goto fail;
        st = k_dense_apply(ctx, M, 0, 1, &Ub, &V0);
        if (!st) st = svd_step(ctx, opM, o, sv, o->power_iters + 1, o->seed, &V0, d, &cur);
        lr_mat_free(ctx, &V0);
        if (st) goto fail;
    } else if ((st = svd_step(ctx, opM, o, sv, LR_MAX(o->power_iters, 4), o->seed, NULL, d,
                              &cur))) {
        goto fail;
    }
    r->svd_calls = 1;
    lr_op_destroy(opM), opM = NULL;
    const double norm2 = lr_svd_s(cur)[0];
    r->norm2 = norm2;
    double mu = o->mu0 > 0 ? o->mu0 : 1.25 / norm2;
    const double mu_max = mu * o->mu_max_factor;
    const double J = LR_MAX(norm2, maxabs / lam);
    double scale = 1.0 + 1.0 / (J * mu); /* singular values of T_0 = scale * s(M) */

    rpca_pass p = {.m = m, .n = n, .ldm = M->ld, .M = M->data, .Y = Y.data, .T = T.data,
                   .lam = lam, .scratch = scratch, .scratch_per_thread = spt, .part = part,
                   .cnt = cnt, .nthreads = nth};
    (f32 ? rpca__init_f32 : rpca__init_f64)(&p, 1.0 / J, scale);
    if ((st = lr_op_dense(ctx, &T, &opT)) || (st = lr_op_set_allreduce(ctx, opT, d))) goto fail;

    int it, gram = 0;
    int64_t svp = 0, svp_prev = 0;
    r->status = LR_ERR_NOCONV;
    for (it = 0; it < o->max_iter; it++) {
        const double cpu0 = tm.cpu[ST_PARTIAL] + tm.cpu[ST_GRAM] + tm.cpu[ST_EIG];
        const double cpu1 = tm.cpu[ST_PASS];
        int was_gram = gram;
        gram = prefer_gram(o, t, mg, n, sv);
        if (!gram) {
            /* Warm basis: the previous SVD's V, or the Gram eigenvectors. */
            lr_mat Vw = {0};
            if (was_gram) Vw = lr_mat_block(&gw.V, 0, 0, n, LR_MIN(n, sv + o->oversample));
            else if (cur) Vw = lr_svd_v(cur);
            clock_tick(&clk, &tm, it == 0 ? ST_SETUP : ST_PASS);
            if (it > 0) {
                if ((st = svd_step(ctx, opT, o, sv, o->power_iters,
                                   o->seed + (uint64_t)r->svd_calls, &Vw, d, &nw)))
                    goto fail;
                r->svd_calls++;
                lr_svd_destroy(cur), cur = nw, nw = NULL;
                scale = 1.0;
            }
            clock_tick(&clk, &tm, ST_PARTIAL);
            if (was_gram) lr_mat_free(ctx, &gw.U), gw.cap_u = 0;
            /* Grow the rank while the last computed singular value still
             * exceeds the threshold 1/mu (or hand over to GRAM). */
            for (;;) {
                int64_t rc = lr_svd_rank(cur);
                const double *s = lr_svd_s(cur);
                svp = 0;
                while (svp < rc && scale * s[svp] > 1.0 / mu) svp++;
                if (svp < rc || rc >= cap) break;
                sv = LR_MIN(cap, rc + LR_MAX(5, rc / 2));
                if (prefer_gram(o, t, mg, n, sv)) {
                    gram = 1;
                    break;
                }
                lr_mat Vc = lr_svd_v(cur);
                clock_tick(&clk, &tm, ST_PARTIAL);
                if ((st = svd_step(ctx, opT, o, sv, o->power_iters,
                                   o->seed + (uint64_t)r->svd_calls, &Vc, d, &nw)))
                    goto fail;
                r->svd_calls++;
                lr_svd_destroy(cur), cur = nw, nw = NULL;
                scale = 1.0;
                clock_tick(&clk, &tm, ST_PARTIAL);
            }
        }
        if (gram) {
            if ((st = gram_init(ctx, &gw, t, m, n, nth))) goto fail;
            if (!was_gram && cur) { /* deflate along the partial SVD's top vector */
                lr_mat V = lr_svd_v(cur);
                gw.have_u = set_u(gw.u, &V);
            }
            int used32 = 0;
            clock_tick(&clk, &tm, it == 0 ? ST_SETUP : ST_PASS);
            if ((st = gram_step(ctx, &gw, &T, mu, cap, nth, d, sg, &svp, &used32, &clk, &tm)))
                goto fail;
            tm.gram_f32_iters += used32;
            r->gram_calls++, r->svd_calls++;
            lr_svd_destroy(cur), cur = NULL;
            for (int64_t i = 0; i < svp; i++) wvec[i] = sg[i] - 1.0 / mu;
            p.lmode = RPCA_L_TVW, p.U = gw.U.data, p.ldu = m, p.V = gw.V.data, p.W = gw.W.data;
            p.tile_r = tile_rg, p.tile_c = n;
            tm.gram_iters++;
            clock_tick(&clk, &tm, ST_EIG);
        } else {
            tm.partial_iters++;
            /* L_{k+1} = U diag(scale s - 1/mu) Vt, first svp terms. */
            if (svp > wcap) {
                lr__free(ctx, W);
                wcap = LR_MAX(svp, 2 * wcap);
                if (!(W = lr__malloc(ctx, lr__bytes(wcap, n, es), "rpca factor W"))) {
                    st = LR_ERR_NOMEM;
                    goto fail;
                }
            }
            const double *s = lr_svd_s(cur);
            for (int64_t i = 0; i < svp; i++) wvec[i] = scale * s[i] - 1.0 / mu;
            lr_mat U = lr_svd_u(cur), Vt = lr_svd_vt(cur);
            if (svp) build_w(&Vt, wvec, svp, W);
            p.lmode = RPCA_L_UW, p.U = U.data, p.ldu = U.ld, p.W = W;
            p.tile_r = tile_r, p.tile_c = RPCA_TILE_C;
        }
        /* Next rank: the reference code's svp + 1, plus the recent growth
         * extrapolated (on video the rank grows ~30% per iteration, and an
         * under-prediction costs a whole recomputation, an over-prediction
         * only a few columns more). */
        int64_t grow = svp_prev > 0 && svp > svp_prev ? (3 * (svp - svp_prev) + 1) / 2 : 0;
        grow = LR_MIN(grow, svp / 2);
        sv = LR_MIN(cap, svp + 1 + grow);
        svp_prev = svp;
        p.r = svp;
        p.mu = mu, p.mu_next = LR_MIN(mu * o->rho, mu_max);
        int64_t nnz;
        double zn[2] = {0, 0};
        if (m > 0) zn[0] = (f32 ? rpca__pass_f32 : rpca__pass_f64)(&p, &nnz), zn[1] = (double)nnz;
        if ((st = reduce(ctx, d, zn, 2, LR_REDUCE_SUM))) goto fail;
        clock_tick(&clk, &tm, ST_PASS);
        r->ihist[2 * it] = tm.cpu[ST_PARTIAL] + tm.cpu[ST_GRAM] + tm.cpu[ST_EIG] - cpu0;
        r->ihist[2 * it + 1] = tm.cpu[ST_PASS] - cpu1;
        double res = sqrt(zn[0]) / normM;
        r->hist[it] = res;
        r->nnz = (int64_t)zn[1];
        mu = p.mu_next;
        if ((st = lr__progress(ctx, "rpca", (double)(it + 1) / o->max_iter,
                               "iter %d residual %.3g rank %lld%s", it + 1, res, (long long)svp,
                               gram ? " (gram)" : "")))
            goto fail;
        if (!isfinite(res)) {
            st = lr__err(ctx, LR_ERR_INTERNAL, "rpca: the residual became %g at iteration %d",
                         res, it + 1);
            goto fail;
        }
        if (res < tol) {
            r->status = LR_OK;
            it++;
            break;
        }
    }
    clock_tick(&clk, &tm, ST_PASS);
    r->iters = it;
    r->residual = r->hist[it - 1];
    r->rank = svp;
    r->mu = p.mu; /* the penalty the last L and S were made with */
    lr_op_destroy(opT), opT = NULL;

    /* S into T's buffer, L into Y's (or drop Y).  The GRAM route's U = T V
     * was stored by the last pass: L = U W again, from it. */
    if (p.lmode == RPCA_L_TVW) p.lmode = RPCA_L_UW, p.tile_r = tile_r, p.tile_c = RPCA_TILE_C;
    double nz = 0;
    if (m > 0) (f32 ? rpca__final_f32 : rpca__final_f64)(&p, o->keep_l, &r->nnz), nz = (double)r->nnz;
    if ((st = reduce(ctx, d, &nz, 1, LR_REDUCE_SUM))) goto fail;
    r->nnz = (int64_t)nz;
    take_buf(&r->S, &T);
    if (o->keep_l) take_buf(&r->L, &Y);
    else lr_mat_free(ctx, &Y);
    if (!(r->sigma = lr__malloc(ctx, (size_t)(svp + 1) * sizeof(double), "rpca sigma"))) {
        st = LR_ERR_NOMEM;
        goto fail;
    }
    memcpy(r->sigma, wvec, (size_t)svp * sizeof(double));
    clock_tick(&clk, &tm, ST_FINAL);
    if (gram) {
        /* U = (T V_s) diag(1/sigma), Vt = V_s^T: L = U diag(sigma - 1/mu) Vt. */
        take_buf(&r->U, &gw.U);
        r->U.cols = svp;
#pragma omp parallel for schedule(static) num_threads(nth)
        for (int64_t j = 0; j < svp; j++) {
            const double d = sg[j];
            if (f32) {
                float *u = (float *)r->U.data + j * r->U.ld;
                for (int64_t i = 0; i < m; i++) u[i] = (float)((double)u[i] / d);
            } else {
                double *u = (double *)r->U.data + j * r->U.ld;
                for (int64_t i = 0; i < m; i++) u[i] /= d;
            }
        }
        if ((st = buf_alloc(ctx, t, svp, n, "rpca factor Vt", &r->Vt))) goto fail;
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < svp; i++) lr_mat_set(&r->Vt, i, j, lr_mat_get(&gw.V, j, i));
    } else {
        r->fac = cur, cur = NULL;
    }
    gram_free(ctx, &gw);
    lr__free(ctx, scratch);
    lr__free(ctx, part);
    lr__free(ctx, cnt);
    lr__free(ctx, wvec);
    lr__free(ctx, sg);
    lr__free(ctx, W);
    clock_tick(&clk, &tm, ST_FINAL);
    r->times = tm;
    *out = r;
    if (r->status == LR_ERR_NOCONV)
        return lr__err(ctx, LR_ERR_NOCONV,
                       "rpca: not converged after %d iterations: residual %.3g > tol %.3g "
                       "(the result so far is returned; raise max_iter or tol)",
                       r->iters, r->residual, tol);
    return LR_OK;

fail:
    lr_op_destroy(opM);
    lr_op_destroy(opT);
    lr_svd_destroy(cur);
    lr_svd_destroy(nw);
    lr_mat_free(ctx, &Y);
    lr_mat_free(ctx, &T);
    gram_free(ctx, &gw);
    lr__free(ctx, colsum);
    lr__free(ctx, scratch);
    lr__free(ctx, part);
    lr__free(ctx, cnt);
    lr__free(ctx, wvec);
    lr__free(ctx, sg);
    lr__free(ctx, W);
    lr_rpca_destroy(r);
    return st;
}

/* Single process, warm from a carried left basis U0 (streaming). */
lr_status rpca__compute(lr_ctx *ctx, const lr_mat *M, const lr_rpca_opts *opts,
                        const lr_mat *U0, lr_rpca **out)
{
    return rpca_run(ctx, M, opts, NULL, U0, NULL, out);
}

lr_status lr_rpca_compute(lr_ctx *ctx, const lr_mat *M, const lr_rpca_opts *opts,
                          lr_rpca **out)
{
    return rpca_run(ctx, M, opts, NULL, NULL, NULL, out);
}

lr_status lr_rpca_compute_work(lr_ctx *ctx, const lr_mat *M, const lr_rpca_opts *opts,
                               lr_rpca_work *w, lr_rpca **out)
{
    return rpca_run(ctx, M, opts, NULL, NULL, w, out);
}

lr_status lr_rpca_compute_rows(lr_ctx *ctx, const lr_mat *M, const lr_rpca_opts *opts,
                               const lr_rowdist *d, lr_rpca **out)
{
    if (out) *out = NULL;
    if (!d || !d->allreduce) return rpca_run(ctx, M, opts, NULL, NULL, NULL, out);
    if (!M || d->row0 < 0 || M->rows < 0 || d->row0 + M->rows > d->global_rows)
        return lr__err(ctx, LR_ERR_ARG, "rpca: a band of %lld rows at row %lld does not fit a "
                       "%lld-row matrix", M ? (long long)M->rows : 0LL, (long long)d->row0,
                       (long long)d->global_rows);
    return rpca_run(ctx, M, opts, d, NULL, NULL, out);
}

/* ---- accessors ----------------------------------------------------------- */
lr_status lr_rpca_status(const lr_rpca *r) { return r->status; }
int lr_rpca_iterations(const lr_rpca *r) { return r->iters; }
const double *lr_rpca_history(const lr_rpca *r) { return r->hist; }
double lr_rpca_residual(const lr_rpca *r) { return r->residual; }
int64_t lr_rpca_rank(const lr_rpca *r) { return r->rank; }
int64_t lr_rpca_nnz(const lr_rpca *r) { return r->nnz; }
double lr_rpca_lambda(const lr_rpca *r) { return r->lambda; }
double lr_rpca_norm2(const lr_rpca *r) { return r->norm2; }
double lr_rpca_mu(const lr_rpca *r) { return r->mu; }
void lr_rpca_times_get(const lr_rpca *r, lr_rpca_times *t) { *t = r->times; }
const double *lr_rpca_iter_seconds(const lr_rpca *r) { return r->ihist; }

const char *lr_rpca_stage_name(int i)
{
    static const char *const names[LR_RPCA_NSTAGES] = {"setup", "partial", "gram",
                                                       "eig",   "pass",    "final"};
    return i >= 0 && i < LR_RPCA_NSTAGES ? names[i] : "?";
}
int lr_rpca_svd_calls(const lr_rpca *r) { return r->svd_calls; }
lr_mat lr_rpca_s(const lr_rpca *r) { return r->S; }
lr_mat lr_rpca_l(const lr_rpca *r) { return r->L; }
const double *lr_rpca_sigma(const lr_rpca *r) { return r->sigma; }

lr_mat lr_rpca_u(const lr_rpca *r)
{
    if (r->U.data) return r->U;
    if (!r->fac) return (lr_mat){r->S.dtype, r->m, 0, LR_MAX(r->m, 1), NULL};
    lr_mat U = lr_svd_u(r->fac);
    return lr_mat_block(&U, 0, 0, r->m, r->rank);
}

lr_mat lr_rpca_vt(const lr_rpca *r)
{
    if (r->Vt.data) return r->Vt;
    if (!r->fac) return (lr_mat){r->S.dtype, 0, r->n, 1, NULL};
    lr_mat Vt = lr_svd_vt(r->fac);
    return lr_mat_block(&Vt, 0, 0, r->rank, r->n);
}

lr_status lr_rpca_l_block(lr_ctx *ctx, const lr_rpca *r, int64_t r0, int64_t c0, lr_mat *out)
{
    if (!r) return lr__err(ctx, LR_ERR_ARG, "rpca l_block: result is NULL");
    lr_mat U = lr_rpca_u(r), Vt = lr_rpca_vt(r);
    return lr_lowrank_expand(ctx, &U, r->sigma, &Vt, r->rank, r0, c0, out);
}

lr_status lr_rpca_take_s(lr_rpca *r, lr_mat *out)
{
    if (!r || !out || !r->S.data) return LR_ERR_ARG;
    take_buf(out, &r->S);
    return LR_OK;
}

lr_status lr_rpca_take_l(lr_rpca *r, lr_mat *out)
{
    if (!r || !out || !r->L.data) return LR_ERR_ARG;
    take_buf(out, &r->L);
    return LR_OK;
}
