/* test_rpca.c -- robust PCA (PCP by inexact ALM) and low-rank expansion.
 *
 * References are independent of the code under test: planted low-rank +
 * sparse matrices in the spirit of Candes, Li, Ma & Wright (2011), Table 1
 * (L0 = X Y^T with Gaussian factors, rank 0.05 n; S0 with 5-10% of the
 * entries at random positions, values uniform in [-1, 1]); LAPACK's full
 * SVD for ranks and norms; the envelope the documentation promises for the
 * residual history. */
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef struct {
    int64_t m, n, r;
    double *L0, *S0, *M; /* column-major, ld = m, double */
} planted;

/* L0 = X Y^T, X (m x r), Y (n x r) entries N(0, 1/n); S0: each entry
 * corrupted with probability frac, value uniform in [-1, 1]. */
static planted make_planted(int64_t m, int64_t n, int64_t r, double frac, uint64_t seed)
{
    planted p = {m, n, r, calloc(m * n, 8), calloc(m * n, 8), calloc(m * n, 8)};
    tu_rng g = {seed};
    double *X = malloc(m * r * 8), *Y = malloc(n * r * 8);
    double sd = 1.0 / sqrt((double)n);
    for (int64_t i = 0; i < m * r; i++) X[i] = sd * tu_randn(&g);
    for (int64_t i = 0; i < n * r; i++) Y[i] = sd * tu_randn(&g);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double acc = 0;
            for (int64_t k = 0; k < r; k++) acc += X[i + k * m] * Y[j + k * n];
            p.L0[i + j * m] = acc;
            if (tu_rand01(&g) < frac) p.S0[i + j * m] = 2 * tu_rand01(&g) - 1;
            p.M[i + j * m] = acc + p.S0[i + j * m];
        }
    free(X), free(Y);
    return p;
}

static void free_planted(planted *p) { free(p->L0), free(p->S0), free(p->M); }

/* ||A - B||_F / ||B||_F for an lr_mat A (any dtype) and a double B. */
static double rel_err(const lr_mat *A, const double *B)
{
    double num = 0, den = 0;
    for (int64_t j = 0; j < A->cols; j++)
        for (int64_t i = 0; i < A->rows; i++) {
            double b = B[i + j * A->rows], d = lr_mat_get(A, i, j) - b;
            num += d * d, den += b * b;
        }
    return sqrt(num / den);
}

/* Singular values of a dense lr_mat by LAPACK (independent of lr_svd). */
static double *lapack_sv(const lr_mat *A)
{
    int64_t m = A->rows, n = A->cols, k = m < n ? m : n;
    double *a = malloc(m * n * 8), *s = malloc(k * 8);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) a[i + j * m] = lr_mat_get(A, i, j);
    int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', m, n, a, m, s, NULL, 1, NULL, 1);
    if (info) s[0] = NAN;
    free(a);
    return s;
}

static lr_mat to_mat(lr_ctx *ctx, lr_dtype t, const planted *p)
{
    lr_mat M;
    lr_mat_alloc(ctx, t, p->m, p->n, &M);
    for (int64_t j = 0; j < p->n; j++)
        for (int64_t i = 0; i < p->m; i++) lr_mat_set(&M, i, j, p->M[i + j * p->m]);
    return M;
}

/* The documented envelope: history[k] <= 2 lambda sqrt(m n) / (mu_k ||M||_F)
 * with mu_k = min(mu0 rho^k, mu0 mu_max_factor).  Returns the worst ratio. */
static double envelope_ratio(const lr_rpca *r, const lr_mat *M, double mu0, double rho,
                             double capf)
{
    double frob = 0;
    for (int64_t j = 0; j < M->cols; j++)
        for (int64_t i = 0; i < M->rows; i++) frob += lr_mat_get(M, i, j) * lr_mat_get(M, i, j);
    frob = sqrt(frob);
    double lam = lr_rpca_lambda(r), worst = 0, mu = mu0;
    const double *h = lr_rpca_history(r);
    for (int k = 0; k < lr_rpca_iterations(r); k++) {
        double bound = 2 * lam * sqrt((double)M->rows * M->cols) / (mu * frob);
        if (h[k] / bound > worst) worst = h[k] / bound;
        mu = fmin(mu * rho, mu0 * capf);
    }
    return worst;
}

static void test_planted(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n, int64_t r, double frac,
                         uint64_t seed, double ltol)
{
    planted p = make_planted(m, n, r, frac, seed);
    lr_mat M = to_mat(ctx, t, &p);
    lr_rpca_opts o;
    lr_rpca_opts_default(&o);
    lr_rpca *res = NULL;
    double t0 = now();
    lr_status st = lr_rpca_compute(ctx, &M, &o, &res);
    double dt = now() - t0;
    CHECK(st == LR_OK, "%s %lldx%lld rank %lld: status %s: %s", lr_dtype_name(t),
          (long long)m, (long long)n, (long long)r, lr_status_str(st), lr_ctx_errmsg(ctx));
    if (!res) goto out;
    lr_mat L = lr_rpca_l(res), S = lr_rpca_s(res);
    double eL = rel_err(&L, p.L0), eS = rel_err(&S, p.S0);
    double tol = t == LR_F32 ? LR_RPCA_TOL_F32 : LR_RPCA_TOL_F64;
    printf("  %s %lldx%lld rank %lld, %.0f%% corrupted: %d iterations, %d SVDs, %.3f s, "
           "residual %.2e, rank %lld, |L-L0|/|L0| %.2e, |S-S0|/|S0| %.2e, nnz(S) %lld (planted "
           "%lld)\n",
           lr_dtype_name(t), (long long)m, (long long)n, (long long)r, 100 * frac,
           lr_rpca_iterations(res), lr_rpca_svd_calls(res), dt, lr_rpca_residual(res),
           (long long)lr_rpca_rank(res), eL, eS, (long long)lr_rpca_nnz(res),
           (long long)({ int64_t c = 0; for (int64_t i = 0; i < m * n; i++) c += p.S0[i] != 0; c; }));
    CHECK(eL < ltol, "|L - L0|/|L0| = %.3e >= %.1e", eL, ltol);
    CHECK(eS < 10 * ltol, "|S - S0|/|S0| = %.3e", eS);
    CHECK(lr_rpca_rank(res) == r, "rank %lld, planted %lld", (long long)lr_rpca_rank(res),
          (long long)r);
    CHECK(lr_rpca_residual(res) < tol, "residual %.3e >= tol %.1e", lr_rpca_residual(res), tol);
    /* Rank of the dense L by LAPACK: r values above 1e-6 s_1 (f64). */
    double *sv = lapack_sv(&L);
    int64_t big = 0;
    for (int64_t i = 0; i < (m < n ? m : n); i++) big += sv[i] > (t == LR_F32 ? 1e-4 : 1e-6) * sv[0];
    CHECK(big == r, "LAPACK sees rank %lld in L", (long long)big);
    free(sv);
    /* ||M||_2 estimate (used for mu0) against LAPACK. */
    double *svm = lapack_sv(&M);
    CHECK(fabs(lr_rpca_norm2(res) - svm[0]) < 3e-2 * svm[0], "norm2 %.6g vs LAPACK %.6g",
          lr_rpca_norm2(res), svm[0]);
    free(svm);
    /* The documented envelope of the residual history. */
    double w = envelope_ratio(res, &M, 1.25 / lr_rpca_norm2(res), o.rho, o.mu_max_factor);
    CHECK(w <= 1.0 + 1e-6, "history exceeds its documented envelope by %.3g", w);
    /* And the documented decrease: from iteration 5 on, each residual is
     * below 0.9 x the one 3 iterations before. */
    const double *h = lr_rpca_history(res);
    for (int k = 5; k < lr_rpca_iterations(res); k++)
        CHECK(h[k] < 0.9 * h[k - 3], "history[%d] = %.3e vs history[%d] = %.3e", k, h[k],
              k - 3, h[k - 3]);
    /* S is exactly zero off its support; nnz matches. */
    int64_t nz = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) nz += lr_mat_get(&S, i, j) != 0;
    CHECK(nz == lr_rpca_nnz(res), "nnz %lld vs counted %lld", (long long)lr_rpca_nnz(res),
          (long long)nz);
    /* Dense L agrees with the factors. */
    lr_mat Lb;
    lr_mat_alloc(ctx, LR_F64, m, n, &Lb);
    CHECK_OK(ctx, lr_rpca_l_block(ctx, res, 0, 0, &Lb));
    double d = 0, ln = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double a = lr_mat_get(&L, i, j), b = lr_mat_get(&Lb, i, j);
            d = fmax(d, fabs(a - b)), ln = fmax(ln, fabs(a));
        }
    CHECK(d <= (t == LR_F32 ? 1e-5 : 1e-12) * ln, "dense L vs factors: %.3e", d);
    /* M - L - S is the reported residual. */
    double z = 0, mm = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double e = lr_mat_get(&M, i, j) - lr_mat_get(&L, i, j) - lr_mat_get(&S, i, j);
            z += e * e, mm += lr_mat_get(&M, i, j) * lr_mat_get(&M, i, j);
        }
    CHECK(sqrt(z / mm) < 2 * tol, "||M - L - S|| / ||M|| = %.3e", sqrt(z / mm));
    lr_mat_free(ctx, &Lb);
out:
    lr_rpca_destroy(res);
    lr_mat_free(ctx, &M);
    free_planted(&p);
}

/* Video-like float32 data, where the Gram route works in float32 through a
 * rank-1 deflation (rpca_kern.c): a dominant background b_i c_j (b in
 * [0.2, 0.8], c_j = 1 + 0.05 sin j), a weak rank-2 part (0.02) and 5% sparse
 * corruptions of +-[0.2, 0.6].  Checks against the planted L0 and S0, that
 * the float32 Gram steps were taken, that the result matches the float64
 * run (double Gram) and that 1 and 2 threads give the same bits. */
static void test_deflated_gram(lr_ctx *ctx)
{
    const int64_t m = 3000, n = 120;
    tu_rng g = {77};
    double *L0 = calloc(m * n, 8), *S0 = calloc(m * n, 8), *b = malloc(m * 8);
    double *x = malloc(2 * m * 8), *y = malloc(2 * n * 8);
    for (int64_t i = 0; i < m; i++) b[i] = 0.2 + 0.6 * tu_rand01(&g);
    for (int64_t i = 0; i < 2 * m; i++) x[i] = tu_randn(&g);
    for (int64_t i = 0; i < 2 * n; i++) y[i] = tu_randn(&g) / sqrt((double)n);
    lr_mat M32, M64;
    lr_mat_alloc(ctx, LR_F32, m, n, &M32);
    lr_mat_alloc(ctx, LR_F64, m, n, &M64);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double l = b[i] * (1 + 0.05 * sin((double)j)) +
                       0.02 * (x[i] * y[j] + x[i + m] * y[j + n]);
            double s = 0;
            if (tu_rand01(&g) < 0.05) s = (tu_rand01(&g) < 0.5 ? -1 : 1) * (0.2 + 0.4 * tu_rand01(&g));
            /* L0 on the float32 grid, so that M = L0 + S0 holds there too */
            float lf = (float)l, mf = (float)(lf + s);
            L0[i + j * m] = lf, S0[i + j * m] = (double)mf - lf;
            lr_mat_set(&M32, i, j, mf), lr_mat_set(&M64, i, j, mf);
        }
    lr_rpca_opts o;
    lr_rpca_opts_default(&o);
    o.svt = LR_RPCA_SVT_GRAM;
    lr_rpca *a = NULL, *a1 = NULL, *d = NULL;
    lr_ctx_set_threads(ctx, 2);
    CHECK_OK(ctx, lr_rpca_compute(ctx, &M32, &o, &a));
    lr_ctx_set_threads(ctx, 1);
    CHECK_OK(ctx, lr_rpca_compute(ctx, &M32, &o, &a1));
    lr_ctx_set_threads(ctx, 2);
    o.tol = LR_RPCA_TOL_F32; /* the same stopping point as float32 */
    CHECK_OK(ctx, lr_rpca_compute(ctx, &M64, &o, &d));
    if (a && a1 && d) {
        lr_rpca_times tm;
        lr_rpca_times_get(a, &tm);
        lr_mat L = lr_rpca_l(a), S = lr_rpca_s(a), Ld = lr_rpca_l(d);
        double eL = rel_err(&L, L0), eS = rel_err(&S, S0);
        double *Ldd = malloc(m * n * 8);
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) Ldd[i + j * m] = lr_mat_get(&Ld, i, j);
        double e64 = rel_err(&L, Ldd);
        printf("  video-like f32 %lldx%lld, GRAM: %d iterations (f64: %d), %d of %d Gram steps "
               "in float32, rank %lld, |L-L0|/|L0| %.2e, |S-S0|/|S0| %.2e, |L-L64|/|L64| %.2e\n",
               (long long)m, (long long)n, lr_rpca_iterations(a), lr_rpca_iterations(d),
               tm.gram_f32_iters, tm.gram_iters, (long long)lr_rpca_rank(a), eL, eS, e64);
        CHECK(tm.gram_iters == lr_rpca_iterations(a), "GRAM forced: %d of %d", tm.gram_iters,
              lr_rpca_iterations(a));
        CHECK(tm.gram_f32_iters >= lr_rpca_iterations(a) / 2, "float32 Gram steps: %d of %d",
              tm.gram_f32_iters, tm.gram_iters);
        lr_rpca_times_get(d, &tm);
        CHECK(tm.gram_f32_iters == 0, "float64 data took %d float32 Gram steps", tm.gram_f32_iters);
        CHECK(lr_rpca_rank(a) == 3, "rank %lld, planted 3", (long long)lr_rpca_rank(a));
        CHECK(eL < 1e-4 && eS < 1e-3, "recovery: L %.2e, S %.2e", eL, eS);
        CHECK(e64 < 1e-5, "float32 vs float64: %.2e", e64);
        CHECK(abs(lr_rpca_iterations(a) - lr_rpca_iterations(d)) <= 1, "iterations %d vs %d",
              lr_rpca_iterations(a), lr_rpca_iterations(d));
        lr_mat L1 = lr_rpca_l(a1), S1 = lr_rpca_s(a1);
        CHECK(lr_rpca_iterations(a) == lr_rpca_iterations(a1) &&
                  !memcmp(L.data, L1.data, (size_t)(m * n * 4)) &&
                  !memcmp(S.data, S1.data, (size_t)(m * n * 4)),
              "float32 Gram: 1 and 2 threads give different bits");
        free(Ldd);
    }
    lr_rpca_destroy(a), lr_rpca_destroy(a1), lr_rpca_destroy(d);
    lr_mat_free(ctx, &M32), lr_mat_free(ctx, &M64);
    /* No dominant direction (planted rank 15) and dense noise (sd 0.05),
     * which PCP puts into L: deflating one direction leaves most of ||T||,
     * so once 1/mu is small the float32 Gram must be refused and the double
     * one takes over; the low-rank part is still found. */
    {
        planted p = make_planted(300, 300, 15, 0.05, 11);
        tu_rng gn = {5};
        for (int64_t i = 0; i < 300 * 300; i++) p.M[i] += 0.05 * tu_randn(&gn);
        lr_mat M = to_mat(ctx, LR_F32, &p), M64 = to_mat(ctx, LR_F64, &p);
        lr_rpca *r = NULL, *r64 = NULL;
        o.tol = 1e-9, o.max_iter = 32; /* 32 iterations each, past convergence */
        CHECK(lr_rpca_compute(ctx, &M, &o, &r) == LR_ERR_NOCONV, "f32: %s", lr_ctx_errmsg(ctx));
        CHECK(lr_rpca_compute(ctx, &M64, &o, &r64) == LR_ERR_NOCONV, "f64: %s", lr_ctx_errmsg(ctx));
        if (r && r64) {
            lr_rpca_times tm;
            lr_rpca_times_get(r, &tm);
            lr_mat L = lr_rpca_l(r), L64 = lr_rpca_l(r64);
            double *Ld = malloc(300 * 300 * 8);
            memcpy(Ld, L64.data, 300 * 300 * 8);
            double e64 = rel_err(&L, Ld);
            free(Ld);
            printf("  noisy planted f32 300x300 rank 15, GRAM: %d of %d Gram steps in float32, "
                   "rank %lld (f64: %lld), |L-L64|/|L64| %.2e\n", tm.gram_f32_iters,
                   tm.gram_iters, (long long)lr_rpca_rank(r), (long long)lr_rpca_rank(r64), e64);
            CHECK(tm.gram_f32_iters < tm.gram_iters, "float32 Gram never refused");
            CHECK(e64 < 1e-4, "float32 vs float64: %.2e", e64);
        }
        lr_rpca_destroy(r), lr_rpca_destroy(r64);
        lr_mat_free(ctx, &M), lr_mat_free(ctx, &M64);
        free_planted(&p);
    }
    free(L0), free(S0), free(b), free(x), free(y);
}

static void *prefault_thread(void *w)
{
    int64_t *got = malloc(sizeof *got);
    *got = lr_rpca_work_prefault(w);
    return got;
}

/* The workspace made ahead (lr_rpca_work_*): mapped on another thread, or
 * stopped before it starts, or made for more columns than M has, it gives
 * the same bits as lr_rpca_compute and recovers the planted L0; misuse is
 * refused with LR_ERR_ARG. */
static void test_workspace(lr_ctx *ctx, lr_dtype t)
{
    const int64_t m = 400, n = 120;
    planted p = make_planted(m, n, 6, 0.05, 21);
    lr_mat M = to_mat(ctx, t, &p);
    const size_t es = lr_dtype_size(t), bytes = (size_t)(m * n) * es;
    lr_rpca_opts o;
    lr_rpca_opts_default(&o);
    o.svt = LR_RPCA_SVT_GRAM; /* the route vtest takes; the default switches to it too */
    lr_rpca *ref = NULL;
    CHECK_OK(ctx, lr_rpca_compute(ctx, &M, &o, &ref));
    for (int mode = 0; mode < 3 && ref; mode++) {
        /* 0: prefault on a thread; 1: stopped before it runs; 2: 7 columns
         * more than M (an estimated frame count that came out smaller) */
        const int64_t wn = mode == 2 ? n + 7 : n;
        lr_rpca_work *w = NULL;
        CHECK_OK(ctx, lr_rpca_work_create(ctx, t, m, wn, &o, &w));
        if (!w) continue;
        if (mode == 1) {
            lr_rpca_work_stop(w);
            CHECK(lr_rpca_work_prefault(w) == 0, "a stopped prefault maps nothing");
        } else {
            pthread_t th;
            void *got = NULL;
            CHECK(pthread_create(&th, NULL, prefault_thread, w) == 0, "thread");
            pthread_join(th, &got);
            CHECK(got && *(int64_t *)got == (int64_t)(2 * (size_t)wn * (size_t)m * es),
                  "prefault mapped %lld bytes, expected %lld", got ? (long long)*(int64_t *)got : -1LL,
                  (long long)(2 * (size_t)wn * (size_t)m * es));
            free(got);
        }
        lr_rpca *r = NULL;
        CHECK_OK(ctx, lr_rpca_compute_work(ctx, &M, &o, w, &r));
        if (r) {
            lr_mat L = lr_rpca_l(r), S = lr_rpca_s(r), Lr = lr_rpca_l(ref), Sr = lr_rpca_s(ref);
            CHECK(L.rows == m && L.cols == n && L.ld == m && S.cols == n, "shape of L and S");
            CHECK(lr_rpca_iterations(r) == lr_rpca_iterations(ref) &&
                      lr_rpca_residual(r) == lr_rpca_residual(ref) &&
                      !memcmp(L.data, Lr.data, bytes) && !memcmp(S.data, Sr.data, bytes),
                  "%s workspace (mode %d): not the bits of lr_rpca_compute", lr_dtype_name(t),
                  mode);
            double eL = rel_err(&L, p.L0);
            CHECK(eL < (t == LR_F32 ? 1e-3 : 1e-5), "recovery with a workspace: %.2e", eL);
        }
        /* taken over: a second use is refused, destroying the empty shell is fine */
        lr_rpca *r2 = NULL;
        CHECK(lr_rpca_compute_work(ctx, &M, &o, w, &r2) == LR_ERR_ARG && !r2 &&
                  strstr(lr_ctx_errmsg(ctx), "already used"),
              "reused workspace: %s", lr_ctx_errmsg(ctx));
        lr_rpca_work_destroy(ctx, w);
        lr_rpca_destroy(r);
    }
    printf("  %s %lldx%lld: prefaulted on a thread, stopped before it ran, and %lld columns "
           "wider than M: the bits of lr_rpca_compute\n", lr_dtype_name(t), (long long)m,
           (long long)n, 7LL);
    /* a workspace of the wrong shape or type is refused, and stays the caller's */
    lr_rpca_work *w = NULL;
    CHECK_OK(ctx, lr_rpca_work_create(ctx, t, m - 1, n, &o, &w));
    lr_rpca *r = NULL;
    CHECK(lr_rpca_compute_work(ctx, &M, &o, w, &r) == LR_ERR_ARG && !r &&
              strstr(lr_ctx_errmsg(ctx), "does not fit"),
          "wrong rows: %s", lr_ctx_errmsg(ctx));
    lr_rpca_work_destroy(ctx, w), w = NULL;
    CHECK_OK(ctx, lr_rpca_work_create(ctx, t == LR_F32 ? LR_F64 : LR_F32, m, n, &o, &w));
    CHECK(lr_rpca_compute_work(ctx, &M, &o, w, &r) == LR_ERR_ARG, "wrong type accepted");
    lr_rpca_work_destroy(ctx, w), w = NULL;
    CHECK(lr_rpca_work_create(ctx, t, 0, n, &o, &w) == LR_ERR_ARG && !w, "empty shape");
    /* the memory check comes before any allocation */
    lr_ctx_set_mem_limit(ctx, (int64_t)bytes);
    CHECK(lr_rpca_work_create(ctx, t, m, n, &o, &w) == LR_ERR_NOMEM && !w &&
              lr_ctx_mem_refused(ctx) && strstr(lr_ctx_errmsg(ctx), "robust PCA"),
          "workspace over the memory limit: %s", lr_ctx_errmsg(ctx));
    lr_ctx_set_mem_limit(ctx, LR_MEM_UNLIMITED);
    lr_rpca_work_destroy(ctx, NULL);
    lr_rpca_work_stop(NULL);
    CHECK(lr_rpca_work_prefault(NULL) == 0, "NULL workspace");
    lr_rpca_destroy(ref);
    lr_mat_free(ctx, &M);
    free_planted(&p);
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 2);

    printf("float32 Gram through a deflation:\n");
    test_deflated_gram(ctx);
    printf("workspace made ahead:\n");
    test_workspace(ctx, LR_F32);
    test_workspace(ctx, LR_F64);
    printf("planted recovery:\n");
    test_planted(ctx, LR_F64, 300, 300, 15, 0.05, 11, 1e-5);
    test_planted(ctx, LR_F64, 400, 200, 10, 0.10, 12, 1e-5);
    test_planted(ctx, LR_F64, 200, 400, 10, 0.10, 14, 1e-5);
    test_planted(ctx, LR_F32, 300, 300, 15, 0.05, 11, 1e-3);

    /* Every SVT route recovers the same planted matrix: the full SVD (the
     * reference code's behaviour), the Gram route, the partial route. */
    {
        planted p = make_planted(200, 200, 10, 0.05, 13);
        lr_mat M = to_mat(ctx, LR_F64, &p);
        lr_rpca_opts o;
        lr_rpca *res = NULL;
        const lr_rpca_svt svts[] = {LR_RPCA_SVT_EXACT, LR_RPCA_SVT_GRAM, LR_RPCA_SVT_PARTIAL};
        const char *names[] = {"exact", "gram", "partial"};
        for (int v = 0; v < 3; v++) {
            lr_rpca_opts_default(&o);
            o.svt = svts[v];
            res = NULL;
            CHECK_OK(ctx, lr_rpca_compute(ctx, &M, &o, &res));
            if (!res) continue;
            lr_mat L = lr_rpca_l(res);
            double e = rel_err(&L, p.L0);
            printf("  %s SVT 200x200 rank 10: %d iterations, |L-L0|/|L0| %.2e\n", names[v],
                   lr_rpca_iterations(res), e);
            CHECK(e < 1e-5, "%s route |L-L0|/|L0| = %.3e", names[v], e);
            CHECK(lr_rpca_rank(res) == 10, "%s route rank %lld", names[v],
                  (long long)lr_rpca_rank(res));
            /* The factors expand to the dense L; U has orthonormal columns. */
            lr_mat U = lr_rpca_u(res), Lb;
            lr_mat_alloc(ctx, LR_F64, 200, 200, &Lb);
            CHECK_OK(ctx, lr_rpca_l_block(ctx, res, 0, 0, &Lb));
            double d = 0, orth = 0;
            for (int64_t j = 0; j < 200; j++)
                for (int64_t i = 0; i < 200; i++)
                    d = fmax(d, fabs(lr_mat_get(&Lb, i, j) - lr_mat_get(&L, i, j)));
            for (int64_t a = 0; a < U.cols; a++)
                for (int64_t b = 0; b < U.cols; b++) {
                    double g = 0;
                    for (int64_t i = 0; i < 200; i++) g += lr_mat_get(&U, i, a) * lr_mat_get(&U, i, b);
                    orth = fmax(orth, fabs(g - (a == b)));
                }
            CHECK(d < 1e-12 && orth < 1e-8, "%s factors: expand %.2e, orthogonality %.2e",
                  names[v], d, orth);
            lr_mat_free(ctx, &Lb);
            lr_rpca_destroy(res);
        }

        /* Same bits whatever the thread count (every route but EXACT, whose
         * LAPACK SVD runs with the context's BLAS threads). */
        for (int v = 0; v <= 2; v++) {
            lr_rpca *a = NULL, *b = NULL;
            lr_rpca_opts_default(&o);
            o.svt = v == 0 ? LR_RPCA_SVT_AUTO : v == 1 ? LR_RPCA_SVT_PARTIAL : LR_RPCA_SVT_GRAM;
            lr_ctx_set_threads(ctx, 1);
            CHECK_OK(ctx, lr_rpca_compute(ctx, &M, &o, &a));
            lr_ctx_set_threads(ctx, 2);
            CHECK_OK(ctx, lr_rpca_compute(ctx, &M, &o, &b));
            if (a && b) {
                lr_mat Sa = lr_rpca_s(a), Sb = lr_rpca_s(b), La = lr_rpca_l(a), Lb = lr_rpca_l(b);
                CHECK(lr_rpca_iterations(a) == lr_rpca_iterations(b), "iterations differ");
                CHECK(!memcmp(Sa.data, Sb.data, 200 * 200 * 8) &&
                          !memcmp(La.data, Lb.data, 200 * 200 * 8),
                      "svt %d: 1 and 2 threads give different bits", v);
            }
            lr_rpca_destroy(a), lr_rpca_destroy(b);
        }

        /* max_iter reached: LR_ERR_NOCONV with the result so far. */
        o.max_iter = 5;
        res = NULL;
        lr_status st = lr_rpca_compute(ctx, &M, &o, &res);
        CHECK(st == LR_ERR_NOCONV, "max_iter 5 gives %s", lr_status_str(st));
        CHECK(res != NULL, "no result returned with NOCONV");
        if (res) {
            CHECK(lr_rpca_status(res) == LR_ERR_NOCONV, "status in handle");
            CHECK(lr_rpca_iterations(res) == 5, "iterations %d", lr_rpca_iterations(res));
            CHECK(lr_rpca_residual(res) == lr_rpca_history(res)[4], "residual = last history");
            CHECK(lr_rpca_residual(res) > 1e-7 && lr_rpca_residual(res) < 1,
                  "residual %.3e", lr_rpca_residual(res));
            CHECK(strstr(lr_ctx_errmsg(ctx), "max_iter") != NULL, "message: %s",
                  lr_ctx_errmsg(ctx));
            lr_mat L = lr_rpca_l(res), S = lr_rpca_s(res);
            CHECK(L.data && S.data, "L and S returned");
        }
        lr_rpca_destroy(res);

        /* keep_l = 0: no dense L, the factors still expand; take_s. */
        lr_rpca_opts_default(&o);
        o.keep_l = 0;
        res = NULL;
        CHECK_OK(ctx, lr_rpca_compute(ctx, &M, &o, &res));
        if (res) {
            CHECK(lr_rpca_l(res).data == NULL, "L not kept");
            lr_mat blk;
            lr_mat_alloc(ctx, LR_F32, 50, 30, &blk);
            CHECK_OK(ctx, lr_rpca_l_block(ctx, res, 100, 150, &blk));
            double e = 0;
            for (int64_t j = 0; j < 30; j++)
                for (int64_t i = 0; i < 50; i++)
                    e = fmax(e, fabs(lr_mat_get(&blk, i, j) - p.L0[(100 + i) + (150 + j) * 200]));
            CHECK(e < 1e-4, "L block vs L0: %.3e", e);
            CHECK(lr_rpca_l_block(ctx, res, 190, 0, &blk) == LR_ERR_ARG, "block outside refused");
            lr_mat_free(ctx, &blk);
            lr_mat S;
            CHECK_OK(ctx, lr_rpca_take_s(res, &S));
            CHECK(lr_rpca_s(res).data == NULL && S.data, "S handed over");
            lr_mat S2;
            CHECK(lr_rpca_take_s(res, &S2) == LR_ERR_ARG, "second take refused");
            lr_mat_free(ctx, &S);
        }
        lr_rpca_destroy(res);
        lr_mat_free(ctx, &M);
        free_planted(&p);
    }

    /* Bad options are refused with a message before any work. */
    {
        lr_mat M;
        lr_mat_alloc(ctx, LR_F64, 20, 10, &M);
        for (int i = 0; i < 200; i++) ((double *)M.data)[i] = i % 7;
        lr_rpca_opts o;
        lr_rpca *res = (lr_rpca *)1;
        lr_rpca_opts_default(&o), o.rho = 1.0;
        CHECK(lr_rpca_compute(ctx, &M, &o, &res) == LR_ERR_ARG && !res, "rho 1 refused");
        CHECK(strstr(lr_ctx_errmsg(ctx), "rho") != NULL, "message names rho: %s", lr_ctx_errmsg(ctx));
        lr_rpca_opts_default(&o), o.lambda = -1;
        CHECK(lr_rpca_compute(ctx, &M, &o, &res) == LR_ERR_ARG, "negative lambda refused");
        CHECK(strstr(lr_ctx_errmsg(ctx), "lambda") != NULL, "message: %s", lr_ctx_errmsg(ctx));
        lr_rpca_opts_default(&o), o.tol = 2;
        CHECK(lr_rpca_compute(ctx, &M, &o, &res) == LR_ERR_ARG, "tol 2 refused");
        lr_rpca_opts_default(&o), o.max_iter = 0;
        CHECK(lr_rpca_compute(ctx, &M, &o, &res) == LR_ERR_ARG, "max_iter 0 refused");
        CHECK(strstr(lr_ctx_errmsg(ctx), "max_iter") != NULL, "message: %s", lr_ctx_errmsg(ctx));
        lr_rpca_opts_default(&o), o.tol = NAN;
        CHECK(lr_rpca_compute(ctx, &M, &o, &res) == LR_ERR_ARG, "NaN tol refused");
        lr_rpca_opts_default(&o), o.svt = (lr_rpca_svt)7;
        CHECK(lr_rpca_compute(ctx, &M, &o, &res) == LR_ERR_ARG, "unknown svt refused");
        lr_rpca_opts_default(&o), o.svt = LR_RPCA_SVT_GRAM;
        CHECK(lr_rpca_opts_check(&o, 10, 20) != NULL, "GRAM on a wide matrix refused");
        o.rank_init = 0;
        CHECK(lr_rpca_opts_check(&o, 20, 10) != NULL, "opts_check says why");
        lr_rpca_opts_default(&o);
        CHECK(lr_rpca_opts_check(&o, 20, 10) == NULL, "defaults are valid");
        CHECK(lr_rpca_opts_check(&o, 0, 10) != NULL, "empty matrix refused");

        /* NaN input refused, naming the place. */
        lr_mat_set(&M, 3, 4, NAN);
        CHECK(lr_rpca_compute(ctx, &M, NULL, &res) == LR_ERR_DATA && !res, "NaN refused");
        CHECK(strstr(lr_ctx_errmsg(ctx), "row 3, column 4") != NULL, "message: %s",
              lr_ctx_errmsg(ctx));
        lr_mat_set(&M, 3, 4, INFINITY);
        CHECK(lr_rpca_compute(ctx, &M, NULL, &res) == LR_ERR_DATA, "Inf refused");

        /* Zero matrix: L = S = 0 at once. */
        memset(M.data, 0, 200 * 8);
        CHECK_OK(ctx, lr_rpca_compute(ctx, &M, NULL, &res));
        if (res) {
            CHECK(lr_rpca_iterations(res) == 0 && lr_rpca_rank(res) == 0, "zero input");
            lr_mat S = lr_rpca_s(res);
            CHECK(S.data && lr_mat_get(&S, 19, 9) == 0, "zero S");
        }
        lr_rpca_destroy(res);
        lr_rpca_destroy(NULL);
        lr_mat_free(ctx, &M);
    }

    /* lr_lowrank_expand against a direct triple loop. */
    {
        lr_mat U, Vt, out;
        double s[3] = {3, 2, 0.5};
        lr_mat_alloc(ctx, LR_F64, 7, 3, &U);
        lr_mat_alloc(ctx, LR_F64, 3, 5, &Vt);
        lr_mat_alloc(ctx, LR_F32, 4, 2, &out);
        tu_rng g = {5};
        for (int i = 0; i < 21; i++) ((double *)U.data)[i] = tu_randn(&g);
        for (int i = 0; i < 15; i++) ((double *)Vt.data)[i] = tu_randn(&g);
        CHECK_OK(ctx, lr_lowrank_expand(ctx, &U, s, &Vt, 2, 3, 2, &out));
        double e = 0;
        for (int j = 0; j < 2; j++)
            for (int i = 0; i < 4; i++) {
                double v = 0;
                for (int k = 0; k < 2; k++)
                    v += lr_mat_get(&U, 3 + i, k) * s[k] * lr_mat_get(&Vt, k, 2 + j);
                e = fmax(e, fabs(v - lr_mat_get(&out, i, j)));
            }
        CHECK(e < 1e-5, "expand error %.3e", e);
        CHECK(lr_lowrank_expand(ctx, &U, s, &Vt, 4, 0, 0, &out) == LR_ERR_ARG, "k too large");
        CHECK(lr_lowrank_expand(ctx, &U, s, &Vt, 2, 4, 0, &out) == LR_ERR_ARG, "outside");
        lr_mat_free(ctx, &U), lr_mat_free(ctx, &Vt), lr_mat_free(ctx, &out);
    }

    lr_ctx_destroy(ctx);
    return tu_done("test_rpca");
}
