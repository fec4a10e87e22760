/* test_nmf.c -- NMF against planted ground truth and direct computations
 * done here: an exact-rank A = W0 H0 with known non-negative factors
 * (pure rows / columns, so the factorization is unique) is recovered up to
 * permutation and scaling with the zero pattern of W0; the reported loss
 * equals 1/2 ||A - WH||^2 (+ regularisation) or the KL divergence computed
 * here from the returned factors; the loss history never increases (CD and
 * MU-KL); factors are non-negative; dense and sparse input give the same
 * factors; 1 and 2 threads give the same bits; regularisation sparsifies;
 * bad input is refused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

typedef struct {
    int64_t m, n, k;
    double *W0, *H0, *A; /* column-major m x k, k x n, m x n */
} planted;

static planted make_planted(int64_t m, int64_t n, int64_t k, uint64_t seed)
{
    planted p = {m, n, k, calloc(m * k, 8), calloc(k * n, 8), calloc(m * n, 8)};
    tu_rng g = {seed};
    for (int64_t i = 0; i < m; i++)
        for (int64_t t = 0; t < k; t++) {
            int on = i < k ? i == t : tu_rand01(&g) < 0.4;
            if (on) p.W0[i + t * m] = 0.5 + tu_rand01(&g);
        }
    for (int64_t j = 0; j < n; j++)
        for (int64_t t = 0; t < k; t++) {
            int on = j < k ? j == t : tu_rand01(&g) < 0.4;
            if (on) p.H0[t + j * k] = 0.5 + tu_rand01(&g);
        }
    for (int64_t j = 0; j < n; j++)
        for (int64_t t = 0; t < k; t++)
            for (int64_t i = 0; i < m; i++) p.A[i + j * m] += p.W0[i + t * m] * p.H0[t + j * k];
    return p;
}

static void free_planted(planted *p) { free(p->W0), free(p->H0), free(p->A); }

static lr_mat dense_of(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n, const double *A)
{
    lr_mat M;
    lr_mat_alloc(ctx, t, m, n, &M);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) lr_mat_set(&M, i, j, A[i + j * m]);
    return M;
}

/* 1/2 ||A - W H||_F^2 computed directly. */
/* NMF of S with 1 thread into *r1 and 2 threads into *r2 (NULL where a run
 * failed); the context is left on all cores. */
static void csr_on_1_and_2_threads(lr_ctx *ctx, const lr_csr *S, const lr_nmf_opts *o,
                                   lr_nmf **r1, lr_nmf **r2)
{
    lr_ctx_set_threads(ctx, 1);
    lr_nmf_csr(ctx, S, o, r1);
    lr_ctx_set_threads(ctx, 2);
    lr_nmf_csr(ctx, S, o, r2);
    lr_ctx_set_threads(ctx, 0);
}

static double frob_loss(const double *A, int64_t m, int64_t n, const lr_mat *W, const lr_mat *H)
{
    double s = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double wh = 0;
            for (int64_t t = 0; t < W->cols; t++) wh += lr_mat_get(W, i, t) * lr_mat_get(H, t, j);
            s += (A[i + j * m] - wh) * (A[i + j * m] - wh);
        }
    return 0.5 * s;
}

static double kl_div(const double *A, int64_t m, int64_t n, const lr_mat *W, const lr_mat *H)
{
    double s = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double wh = 0;
            for (int64_t t = 0; t < W->cols; t++) wh += lr_mat_get(W, i, t) * lr_mat_get(H, t, j);
            double a = A[i + j * m];
            s += (a > 0 ? a * log(a / (wh + 1.1920929e-07)) : 0) - a + wh;
        }
    return s;
}

static int nonneg(const lr_mat *M)
{
    for (int64_t j = 0; j < M->cols; j++)
        for (int64_t i = 0; i < M->rows; i++)
            if (!(lr_mat_get(M, i, j) >= 0)) return 0;
    return 1;
}

static int history_monotone(const lr_nmf *r, double slack)
{
    int nh;
    const double *h = lr_nmf_loss_history(r, &nh);
    for (int i = 1; i < nh; i++)
        if (h[i] > h[i - 1] + slack * h[0]) {
            fprintf(stderr, "  loss rose at %d: %.17g -> %.17g\n", i, h[i - 1], h[i]);
            return 0;
        }
    return nh >= 2;
}

static void test_planted(lr_ctx *ctx)
{
    planted p = make_planted(60, 50, 4, 7);
    lr_mat A = dense_of(ctx, LR_F64, p.m, p.n, p.A);
    lr_nmf_opts o;
    lr_nmf_opts_default(&o);
    o.k = p.k;
    o.tol = 1e-14;
    o.max_iter = 5000;
    lr_nmf *r = NULL;
    lr_status st = lr_nmf_dense(ctx, &A, &o, &r);
    CHECK(st == LR_OK || st == LR_ERR_NOCONV, "planted: %s", lr_ctx_errmsg(ctx));
    if (!r) goto done;
    lr_mat W = lr_nmf_w(r), H = lr_nmf_h(r);
    double a2 = 0;
    for (int64_t i = 0; i < p.m * p.n; i++) a2 += p.A[i] * p.A[i];
    double rel = sqrt(2 * frob_loss(p.A, p.m, p.n, &W, &H) / a2);
    CHECK(rel < 1e-5, "planted: relative error %g", rel);
    CHECK(nonneg(&W) && nonneg(&H), "planted: negative factor entries");
    /* Match each planted component to the recovered one of largest cosine. */
    int used[4] = {0};
    for (int64_t t = 0; t < p.k; t++) {
        double best = -1;
        int64_t bs = -1;
        for (int64_t s = 0; s < p.k; s++) {
            double d = 0, n0 = 0, n1 = 0;
            for (int64_t i = 0; i < p.m; i++) {
                double x = p.W0[i + t * p.m], y = lr_mat_get(&W, i, s);
                d += x * y, n0 += x * x, n1 += y * y;
            }
            double c = d / sqrt(n0 * n1 + 1e-300);
            if (c > best) best = c, bs = s;
        }
        CHECK(best > 0.9999 && !used[bs], "planted: component %lld matched %lld with cosine %.8f",
              (long long)t, (long long)bs, best);
        if (bs < 0) continue;
        used[bs] = 1;
        /* Same zero pattern: W0's zeros are (nearly) zero in W. */
        double mx = 0, off = 0;
        for (int64_t i = 0; i < p.m; i++) {
            double y = lr_mat_get(&W, i, bs);
            mx = fmax(mx, y);
            if (p.W0[i + t * p.m] == 0) off = fmax(off, y);
        }
        CHECK(off < 1e-4 * mx, "planted: component %lld support: %g off-support vs max %g",
              (long long)t, off, mx);
        /* And H's row matches H0's up to the same scale. */
        double d = 0, n0 = 0, n1 = 0;
        for (int64_t j = 0; j < p.n; j++) {
            double x = p.H0[t + j * p.k], y = lr_mat_get(&H, bs, j);
            d += x * y, n0 += x * x, n1 += y * y;
        }
        CHECK(d / sqrt(n0 * n1) > 0.9999, "planted: H row %lld cosine %.8f", (long long)t,
              d / sqrt(n0 * n1));
    }
    CHECK(history_monotone(r, 1e-13), "planted: loss history increases");
    lr_nmf_destroy(r);
done:
    lr_mat_free(ctx, &A);
    free_planted(&p);
}

/* Random non-negative data with about 30% zeros. */
static double *rand_data(int64_t m, int64_t n, uint64_t seed)
{
    double *A = malloc(8 * m * n);
    tu_rng g = {seed};
    for (int64_t i = 0; i < m * n; i++) {
        double u = tu_rand01(&g);
        A[i] = u < 0.3 ? 0 : u * u * 3;
    }
    return A;
}

static void test_losses(lr_ctx *ctx, lr_dtype dt)
{
    int64_t m = 70, n = 45;
    double *Ad = rand_data(m, n, 3);
    lr_mat A = dense_of(ctx, dt, m, n, Ad);
    /* The reference computations use the values A actually holds. */
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) Ad[i + j * m] = lr_mat_get(&A, i, j);
    double rtol = dt == LR_F32 ? 1e-4 : 1e-9;
    for (int solver = 0; solver < 2; solver++)
        for (int init = 0; init < 3; init++) {
            lr_nmf_opts o;
            lr_nmf_opts_default(&o);
            o.k = 5;
            o.solver = solver;
            o.init = init;
            o.tol = 1e-6;
            o.max_iter = 300;
            o.seed = 5;
            if (solver == 0 && init == 2) o.l1_w = 0.1, o.l2_h = 0.2;
            lr_nmf *r = NULL;
            lr_status st = lr_nmf_dense(ctx, &A, &o, &r);
            CHECK(st == LR_OK || st == LR_ERR_NOCONV, "solver %d init %d: %s", solver, init,
                  lr_ctx_errmsg(ctx));
            if (!r) continue;
            lr_mat W = lr_nmf_w(r), H = lr_nmf_h(r);
            CHECK(W.rows == m && W.cols == 5 && H.rows == 5 && H.cols == n, "shapes");
            CHECK(nonneg(&W) && nonneg(&H), "solver %d init %d: negative entries", solver, init);
            double ref;
            if (solver == 0) {
                ref = frob_loss(Ad, m, n, &W, &H);
                double sw = 0, hh = 0;
                for (int64_t t = 0; t < 5; t++) {
                    for (int64_t i = 0; i < m; i++) sw += lr_mat_get(&W, i, t);
                    for (int64_t j = 0; j < n; j++) hh += pow(lr_mat_get(&H, t, j), 2);
                }
                ref += o.l1_w * sw + 0.5 * o.l2_h * hh;
            } else {
                ref = kl_div(Ad, m, n, &W, &H);
            }
            CHECK(fabs(lr_nmf_loss(r) - ref) <= rtol * ref, "solver %d init %d: loss %.12g, "
                  "direct %.12g", solver, init, lr_nmf_loss(r), ref);
            CHECK(history_monotone(r, dt == LR_F32 ? 1e-6 : 1e-12),
                  "solver %d init %d: history not monotone", solver, init);
            int nh;
            const double *h = lr_nmf_loss_history(r, &nh);
            CHECK(nh == lr_nmf_iterations(r) + 1 && h[nh - 1] == lr_nmf_loss(r),
                  "history length %d vs iterations %d", nh, lr_nmf_iterations(r));
            CHECK(h[nh - 1] < 0.9 * h[0], "solver %d init %d: no progress (%g -> %g)", solver,
                  init, h[0], h[nh - 1]);
            lr_nmf_destroy(r);
        }
    lr_mat_free(ctx, &A);
    free(Ad);
}

/* Sparse and dense input, 1 and 2 threads. */
static void test_sparse_dense_threads(lr_ctx *ctx)
{
    int64_t m = 1100, n = 300;
    double *Ad = rand_data(m, n, 9);
    /* Make it sparser: keep about 10%. */
    tu_rng g = {77};
    for (int64_t i = 0; i < m * n; i++)
        if (tu_rand01(&g) < 0.85) Ad[i] = 0;
    lr_mat A = dense_of(ctx, LR_F64, m, n, Ad);
    lr_csr S;
    CHECK_OK(ctx, lr_csr_from_dense(ctx, &A, &S));
    for (int solver = 0; solver < 2; solver++) {
        lr_nmf_opts o;
        lr_nmf_opts_default(&o);
        o.k = 10;
        o.solver = solver;
        o.max_iter = 30;
        o.tol = 0;
        lr_nmf *rd = NULL, *rs = NULL, *rs2 = NULL, *rd2 = NULL;
        lr_ctx_set_threads(ctx, 1);
        lr_nmf_dense(ctx, &A, &o, &rd);
        lr_nmf_csr(ctx, &S, &o, &rs);
        lr_ctx_set_threads(ctx, 2);
        lr_nmf_dense(ctx, &A, &o, &rd2);
        lr_nmf_csr(ctx, &S, &o, &rs2);
        lr_ctx_set_threads(ctx, 0);
        CHECK(rd && rs && rd2 && rs2, "solver %d: runs failed: %s", solver, lr_ctx_errmsg(ctx));
        if (rd && rs && rd2 && rs2) {
            lr_mat W1 = lr_nmf_w(rd), W2 = lr_nmf_w(rs), H1 = lr_nmf_h(rd), H2 = lr_nmf_h(rs);
            double e = 0, sc = 0;
            for (int64_t i = 0; i < m * 10; i++) {
                e = fmax(e, fabs(((double *)W1.data)[i] - ((double *)W2.data)[i]));
                sc = fmax(sc, fabs(((double *)W1.data)[i]));
            }
            double eh = 0, sh = 0;
            for (int64_t i = 0; i < n * 10; i++) {
                eh = fmax(eh, fabs(((double *)H1.data)[i] - ((double *)H2.data)[i]));
                sh = fmax(sh, fabs(((double *)H1.data)[i]));
            }
            CHECK(e <= 1e-7 * sc && eh <= 1e-7 * sh, "solver %d: dense vs sparse W %g (of %g), "
                  "H %g (of %g)", solver, e, sc, eh, sh);
            CHECK(fabs(lr_nmf_loss(rd) - lr_nmf_loss(rs)) <= 1e-9 * lr_nmf_loss(rd),
                  "solver %d: dense loss %.15g sparse %.15g", solver, lr_nmf_loss(rd),
                  lr_nmf_loss(rs));
            lr_mat Wd2 = lr_nmf_w(rd2), Ws2 = lr_nmf_w(rs2), Hd2 = lr_nmf_h(rd2),
                   Hs2 = lr_nmf_h(rs2);
            CHECK(!memcmp(W1.data, Wd2.data, 8 * m * 10) && !memcmp(H1.data, Hd2.data, 8 * n * 10),
                  "solver %d dense: 1 vs 2 threads differ", solver);
            CHECK(!memcmp(W2.data, Ws2.data, 8 * m * 10) && !memcmp(H2.data, Hs2.data, 8 * n * 10),
                  "solver %d sparse: 1 vs 2 threads differ", solver);
        }
        lr_nmf_destroy(rd), lr_nmf_destroy(rs), lr_nmf_destroy(rd2), lr_nmf_destroy(rs2);
    }
    /* f32 sparse: 1 vs 2 threads. */
    lr_mat A32 = dense_of(ctx, LR_F32, m, n, Ad);
    lr_csr S32;
    CHECK_OK(ctx, lr_csr_from_dense(ctx, &A32, &S32));
    lr_nmf_opts o;
    lr_nmf_opts_default(&o);
    o.max_iter = 20;
    lr_nmf *a = NULL, *b = NULL;
    csr_on_1_and_2_threads(ctx, &S32, &o, &a, &b);
    CHECK(a && b, "f32 runs");
    if (a && b) {
        lr_mat Wa = lr_nmf_w(a), Wb = lr_nmf_w(b);
        CHECK(!memcmp(Wa.data, Wb.data, 4 * m * 10), "f32: 1 vs 2 threads differ");
    }
    lr_nmf_destroy(a), lr_nmf_destroy(b);
    lr_csr_free(ctx, &S32), lr_mat_free(ctx, &A32);
    lr_csr_free(ctx, &S);
    lr_mat_free(ctx, &A);
    free(Ad);
}

/* L1 on H makes it sparser; the L2-regularised W has a smaller norm. */
static void test_regularisation(lr_ctx *ctx)
{
    int64_t m = 80, n = 60;
    double *Ad = rand_data(m, n, 21);
    lr_mat A = dense_of(ctx, LR_F64, m, n, Ad);
    lr_nmf_opts o;
    lr_nmf_opts_default(&o);
    o.k = 6;
    o.max_iter = 400;
    lr_nmf *r0 = NULL, *r1 = NULL, *r2 = NULL;
    lr_nmf_dense(ctx, &A, &o, &r0);
    o.l1_h = 2.0;
    lr_nmf_dense(ctx, &A, &o, &r1);
    o.l1_h = 0, o.l2_w = 50.0;
    lr_nmf_dense(ctx, &A, &o, &r2);
    CHECK(r0 && r1 && r2, "regularised runs");
    if (r0 && r1 && r2) {
        lr_mat H0 = lr_nmf_h(r0), H1 = lr_nmf_h(r1), W0 = lr_nmf_w(r0), W2 = lr_nmf_w(r2);
        int z0 = 0, z1 = 0;
        for (int64_t i = 0; i < 6 * n; i++) {
            z0 += ((double *)H0.data)[i] == 0;
            z1 += ((double *)H1.data)[i] == 0;
        }
        CHECK(z1 > z0 + 10, "L1 on H: zeros %d vs %d without", z1, z0);
        double n0 = 0, n2 = 0;
        for (int64_t i = 0; i < 6 * m; i++) {
            n0 += pow(((double *)W0.data)[i], 2);
            n2 += pow(((double *)W2.data)[i], 2);
        }
        CHECK(n2 < 0.8 * n0, "L2 on W: ||W||^2 %g vs %g without", n2, n0);
    }
    lr_nmf_destroy(r0), lr_nmf_destroy(r1), lr_nmf_destroy(r2);
    lr_mat_free(ctx, &A);
    free(Ad);
}

static void test_bad(lr_ctx *ctx)
{
    double Ad[6] = {1, 2, 3, 4, 5, 6};
    lr_mat A = dense_of(ctx, LR_F64, 2, 3, Ad);
    lr_nmf_opts o;
    lr_nmf_opts_default(&o);
    lr_nmf *r = NULL;
    o.k = 3;
    CHECK(lr_nmf_dense(ctx, &A, &o, &r) == LR_ERR_ARG && !r, "k > rows accepted");
    CHECK(strstr(lr_ctx_errmsg(ctx), "k") != NULL, "message: %s", lr_ctx_errmsg(ctx));
    o.k = 0;
    CHECK(lr_nmf_dense(ctx, &A, &o, &r) == LR_ERR_ARG && !r, "k = 0 accepted");
    o.k = 2;
    o.tol = -1;
    CHECK(lr_nmf_dense(ctx, &A, &o, &r) == LR_ERR_ARG && !r, "negative tol accepted");
    o.tol = 1e-4;
    o.l1_w = NAN;
    CHECK(lr_nmf_dense(ctx, &A, &o, &r) == LR_ERR_ARG && !r, "NaN l1 accepted");
    o.l1_w = 0;
    lr_mat_set(&A, 1, 2, -1);
    CHECK(lr_nmf_dense(ctx, &A, &o, &r) == LR_ERR_DATA && !r, "negative entry accepted");
    CHECK(strstr(lr_ctx_errmsg(ctx), "negative") != NULL, "message: %s", lr_ctx_errmsg(ctx));
    lr_csr S;
    CHECK_OK(ctx, lr_csr_from_dense(ctx, &A, &S));
    CHECK(lr_nmf_csr(ctx, &S, &o, &r) == LR_ERR_DATA && !r, "negative sparse entry accepted");
    lr_csr_free(ctx, &S);
    lr_mat_set(&A, 1, 2, NAN);
    CHECK(lr_nmf_dense(ctx, &A, &o, &r) == LR_ERR_DATA && !r, "NaN accepted");
    lr_mat_set(&A, 1, 2, 6);
    /* max_iter reached: NOCONV with the result. */
    o.max_iter = 1;
    o.tol = 0;
    CHECK(lr_nmf_dense(ctx, &A, &o, &r) == LR_ERR_NOCONV && r, "max_iter: NOCONV with result");
    if (r) CHECK(lr_nmf_iterations(r) == 1, "one iteration");
    lr_nmf_destroy(r);
    lr_nmf_destroy(NULL);
    lr_mat_free(ctx, &A);
}

/* The violation stopping rule against scikit-learn's cd loop written out
 * here (components outer, rows inner; the violation sum |pg| with pg = grad,
 * or min(grad, 0) where the entry is 0 before its update; L1 lowers A H^T,
 * L2 raises the Gram diagonal), started from the same random factors: the
 * solver must stop at the first iteration whose violation is at most tol
 * times the first one's, with the reference's factors there; sparse input
 * stops there too, with the same bits on 1 and 2 threads. */
void k_randn(lr_ctx *ctx, uint64_t seed, uint64_t stream, lr_mat *M);

static double ref_sweep(const double *A, int64_t m, int64_t n, int trans, double *F,
                        const double *O, int64_t k, double l1, double l2)
{
    /* F: rows x k (rows = m, or n when trans), O: the other factor (cols x k). */
    int64_t rows = trans ? n : m, cols = trans ? m : n;
    double *G = calloc(k * k, 8), *P = calloc(rows * k, 8), viol = 0;
    for (int64_t t = 0; t < k; t++)
        for (int64_t r = 0; r < k; r++) {
            for (int64_t c = 0; c < cols; c++) G[t + r * k] += O[c + t * cols] * O[c + r * cols];
            if (t == r) G[t + r * k] += l2;
        }
    for (int64_t i = 0; i < rows; i++)
        for (int64_t t = 0; t < k; t++) {
            double p = 0;
            for (int64_t c = 0; c < cols; c++)
                p += (trans ? A[c + i * m] : A[i + c * m]) * O[c + t * cols];
            P[i + t * rows] = p - l1;
        }
    for (int64_t t = 0; t < k; t++)
        for (int64_t i = 0; i < rows; i++) {
            double grad = -P[i + t * rows];
            for (int64_t r = 0; r < k; r++) grad += G[t + r * k] * F[i + r * rows];
            double pg = F[i + t * rows] == 0 ? fmin(grad, 0) : grad;
            viol += fabs(pg);
            if (G[t + t * k] != 0) F[i + t * rows] = fmax(F[i + t * rows] - grad / G[t + t * k], 0);
        }
    free(G), free(P);
    return viol;
}

static void test_violation_stop(lr_ctx *ctx)
{
    int64_t m = 70, n = 45, k = 4;
    double *A = rand_data(m, n, 11), sum = 0;
    for (int64_t i = 0; i < m * n; i++) sum += A[i];
    lr_nmf_opts o;
    lr_nmf_opts_default(&o);
    o.k = k, o.init = LR_NMF_INIT_RANDOM, o.seed = 9, o.tol = 2e-3, o.max_iter = 400;
    o.l1_w = 0.05, o.l2_h = 0.1;
    o.stop = LR_NMF_STOP_VIOLATION;
    lr_mat Am = dense_of(ctx, LR_F64, m, n, A);
    lr_nmf *r = NULL;
    CHECK_OK(ctx, lr_nmf_dense(ctx, &Am, &o, &r));
    if (!r) {
        lr_mat_free(ctx, &Am), free(A);
        return;
    }
    int N = lr_nmf_iterations(r);
    /* The reference from the same start: avg |N(0,1)| (streams 0 and 1). */
    lr_mat W0, H0;
    lr_mat_alloc(ctx, LR_F64, m, k, &W0), lr_mat_alloc(ctx, LR_F64, n, k, &H0);
    k_randn(ctx, o.seed, 0, &W0), k_randn(ctx, o.seed, 1, &H0);
    double avg = sqrt(sum / (double)(m * n) / (double)k);
    double *W = W0.data, *Ht = H0.data, viol0 = 0, ratio = 0, prev_ratio = 1;
    for (int64_t i = 0; i < m * k; i++) W[i] = avg * fabs(W[i]);
    for (int64_t i = 0; i < n * k; i++) Ht[i] = avg * fabs(Ht[i]);
    for (int it = 1; it <= N; it++) {
        double v = ref_sweep(A, m, n, 0, W, Ht, k, o.l1_w, o.l2_w);
        v += ref_sweep(A, m, n, 1, Ht, W, k, o.l1_h, o.l2_h);
        if (it == 1) viol0 = v;
        prev_ratio = ratio, ratio = v / viol0;
    }
    CHECK(N > 3 && N < o.max_iter, "violation rule: %d iterations", N);
    CHECK(ratio <= o.tol * (1 + 1e-6), "stopped at iteration %d where the reference's "
          "violation ratio is %.9g > tol %g", N, ratio, o.tol);
    CHECK(N == 1 || prev_ratio > o.tol * (1 - 1e-6), "iteration %d already had ratio %.9g "
          "<= tol %g", N - 1, prev_ratio, o.tol);
    lr_mat Wm = lr_nmf_w(r), Hm = lr_nmf_h(r);
    double dmax = 0;
    for (int64_t t = 0; t < k; t++) {
        for (int64_t i = 0; i < m; i++) dmax = fmax(dmax, fabs(lr_mat_get(&Wm, i, t) - W[i + t * m]));
        for (int64_t j = 0; j < n; j++) dmax = fmax(dmax, fabs(lr_mat_get(&Hm, t, j) - Ht[j + t * n]));
    }
    CHECK(dmax < 1e-8, "factors differ from the reference loop by %g", dmax);
    /* The loss rule at the same tol stops elsewhere (a different measure). */
    o.stop = LR_NMF_STOP_LOSS;
    lr_nmf *rl = NULL;
    lr_nmf_dense(ctx, &Am, &o, &rl);
    CHECK(rl && lr_nmf_iterations(rl) != N, "loss rule: %d iterations, violation rule %d",
          rl ? lr_nmf_iterations(rl) : -1, N);
    lr_nmf_destroy(rl);
    /* Sparse input, 2 threads: the same bits. */
    o.stop = LR_NMF_STOP_VIOLATION;
    lr_csr S;
    CHECK_OK(ctx, lr_csr_from_dense(ctx, &Am, &S));
    lr_nmf *r1 = NULL, *r2 = NULL;
    csr_on_1_and_2_threads(ctx, &S, &o, &r1, &r2);
    CHECK(r1 && r2 && lr_nmf_iterations(r1) == N && lr_nmf_iterations(r2) == N,
          "sparse, 1 and 2 threads: %d and %d iterations vs %d",
          r1 ? lr_nmf_iterations(r1) : -1, r2 ? lr_nmf_iterations(r2) : -1, N);
    if (r1 && r2) {
        lr_mat W1 = lr_nmf_w(r1), W2 = lr_nmf_w(r2), H1 = lr_nmf_h(r1), H2 = lr_nmf_h(r2);
        CHECK(!memcmp(W1.data, W2.data, (size_t)(m * k) * 8) &&
              !memcmp(H1.data, H2.data, (size_t)(n * k) * 8), "sparse: 1 vs 2 threads differ");
    }
    o.solver = LR_NMF_MU_KL;
    CHECK(lr_nmf_opts_check(&o, m, n) != NULL, "violation rule accepted for mu");
    lr_nmf_destroy(r1), lr_nmf_destroy(r2), lr_nmf_destroy(r);
    lr_csr_free(ctx, &S);
    lr_mat_free(ctx, &W0), lr_mat_free(ctx, &H0), lr_mat_free(ctx, &Am);
    free(A);
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    test_planted(ctx);
    test_losses(ctx, LR_F64);
    test_losses(ctx, LR_F32);
    test_sparse_dense_threads(ctx);
    test_regularisation(ctx);
    test_violation_stop(ctx);
    test_bad(ctx);
    lr_ctx_destroy(ctx);
    return tu_done("test_nmf");
}
