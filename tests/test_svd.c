/* test_svd.c -- the SVD family against LAPACK's full SVD (LAPACKE_dgesdd
 * called here, independently of the library) on matrices with planted
 * spectra: singular values, subspace angles, orthogonality, reconstruction
 * error against the Eckart-Young optimum, fixed-accuracy tolerance,
 * bit-identical results across thread counts, warm starts, bad options. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

typedef struct {
    int64_t m, n;
    double *A;   /* column-major m x n, double */
    double *sv;  /* reference singular values (min(m,n)) */
    double *U;   /* reference left vectors m x min(m,n) */
} planted;

/* Random orthonormal m x r (QR of a Gaussian matrix, LAPACK directly). */
static void rand_orth(tu_rng *g, int64_t m, int64_t r, double *Q)
{
    double *tau = malloc(sizeof(double) * r);
    for (int64_t i = 0; i < m * r; i++) Q[i] = tu_randn(g);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)m, (int)r, Q, (int)m, tau);
    LAPACKE_dorgqr(LAPACK_COL_MAJOR, (int)m, (int)r, (int)r, Q, (int)m, tau);
    free(tau);
}

enum { FAST, SLOW, EXACT_RANK };

static planted make(int64_t m, int64_t n, int kind, uint64_t seed)
{
    planted p = {m, n, NULL, NULL, NULL};
    int64_t r = m < n ? m : n;
    tu_rng g = {seed};
    double *U = malloc(sizeof(double) * m * r), *V = malloc(sizeof(double) * n * r);
    rand_orth(&g, m, r, U);
    rand_orth(&g, n, r, V);
    double *s = malloc(sizeof(double) * r);
    for (int64_t i = 0; i < r; i++)
        s[i] = kind == FAST ? pow(0.7, (double)i) : kind == SLOW ? 1.0 / sqrt(i + 1.0)
                                                              : (i < 15 ? 15.0 - i : 0.0);
    p.A = calloc((size_t)(m * n), sizeof(double));
    for (int64_t j = 0; j < n; j++)
        for (int64_t q = 0; q < r; q++) {
            double f = s[q] * V[j + q * n];
            for (int64_t i = 0; i < m; i++) p.A[i + j * m] += U[i + q * m] * f;
        }
    /* Reference: LAPACK's full SVD of the assembled matrix. */
    double *W = malloc(sizeof(double) * m * n), *VT = malloc(sizeof(double) * r * n);
    memcpy(W, p.A, sizeof(double) * m * n);
    p.sv = malloc(sizeof(double) * r);
    p.U = malloc(sizeof(double) * m * r);
    int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', (int)m, (int)n, W, (int)m, p.sv, p.U,
                              (int)m, VT, (int)r);
    if (info) fprintf(stderr, "reference SVD failed\n");
    free(W), free(VT), free(U), free(V), free(s);
    return p;
}

static void unmake(planted *p) { free(p->A), free(p->sv), free(p->U); }

static lr_mat as_mat(lr_ctx *ctx, const planted *p, lr_dtype t)
{
    lr_mat M;
    lr_mat_alloc(ctx, t, p->m, p->n, &M);
    for (int64_t j = 0; j < p->n; j++)
        for (int64_t i = 0; i < p->m; i++) lr_mat_set(&M, i, j, p->A[i + j * p->m]);
    return M;
}

/* ||A - U diag(s) Vt||_F / ||A||_F computed here, in double. */
static double recon_err(const planted *p, const lr_svd *r)
{
    lr_mat U = lr_svd_u(r), Vt = lr_svd_vt(r);
    const double *s = lr_svd_s(r);
    int64_t k = lr_svd_rank(r);
    double e = 0, a = 0;
    for (int64_t j = 0; j < p->n; j++)
        for (int64_t i = 0; i < p->m; i++) {
            double v = p->A[i + j * p->m];
            for (int64_t q = 0; q < k; q++) v -= lr_mat_get(&U, i, q) * s[q] * lr_mat_get(&Vt, q, j);
            e += v * v;
            a += p->A[i + j * p->m] * p->A[i + j * p->m];
        }
    return sqrt(e / a);
}

static double optimal_err(const planted *p, int64_t k)
{
    int64_t r = p->m < p->n ? p->m : p->n;
    double e = 0, a = 0;
    for (int64_t i = 0; i < r; i++) {
        a += p->sv[i] * p->sv[i];
        if (i >= k) e += p->sv[i] * p->sv[i];
    }
    return sqrt(e / a);
}

/* max |X^T X - I| for the k columns of U (or rows of Vt when rows = 1). */
static double orth_err(const lr_mat *X, int rows)
{
    int64_t k = rows ? X->rows : X->cols, len = rows ? X->cols : X->rows;
    double worst = 0;
    for (int64_t a = 0; a < k; a++)
        for (int64_t b = 0; b < k; b++) {
            double d = 0;
            for (int64_t i = 0; i < len; i++)
                d += (rows ? lr_mat_get(X, a, i) : lr_mat_get(X, i, a)) *
                     (rows ? lr_mat_get(X, b, i) : lr_mat_get(X, i, b));
            worst = fmax(worst, fabs(d - (a == b)));
        }
    return worst;
}

/* sin of the largest principal angle between span(U_k) and the reference
 * span(Uref_k): sqrt(1 - sigma_min(Uref^T U)^2). */
static double subspace_sin(const planted *p, const lr_mat *U, int64_t k)
{
    double *M = malloc(sizeof(double) * k * k), *s = malloc(sizeof(double) * k);
    for (int64_t a = 0; a < k; a++)
        for (int64_t b = 0; b < k; b++) {
            double d = 0;
            for (int64_t i = 0; i < p->m; i++) d += p->U[i + a * p->m] * lr_mat_get(U, i, b);
            M[a + b * k] = d;
        }
    LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (int)k, (int)k, M, (int)k, s, NULL, 1, NULL, 1);
    double c = s[k - 1];
    free(M), free(s);
    return sqrt(fmax(0, 1 - c * c));
}

static const char *mname(lr_svd_method m, lr_normalizer nz)
{
    if (m == LR_SVD_EXACT) return "exact";
    if (m == LR_SVD_KRYLOV) return "krylov";
    return nz == LR_NORM_AUTO ? "randomized/auto" : nz == LR_NORM_LU ? "randomized/lu"
                                                  : nz == LR_NORM_QR ? "randomized/qr"
                                                                     : "randomized/none";
}

static void check_fixed_rank(lr_ctx *ctx, const planted *p, int kind, lr_dtype t,
                             lr_svd_method method, lr_normalizer nz)
{
    const int64_t k = 10;
    lr_mat A = as_mat(ctx, p, t);
    lr_svd_opts o;
    lr_svd_opts_default(&o);
    o.k = k, o.method = method, o.normalizer = nz, o.seed = 42;
    if (nz == LR_NORM_NONE) o.power_iters = 2;
    lr_svd *r = NULL;
    CHECK_OK(ctx, lr_svd_dense(ctx, &A, &o, &r));
    if (!r) return;
    double eps = t == LR_F32 ? 1.2e-7 : 2.2e-16;
    const char *what = mname(method, nz);
    char tag[128];
    snprintf(tag, sizeof tag, "%s %s %lldx%lld %s", what, lr_dtype_name(t), (long long)p->m,
             (long long)p->n, kind == FAST ? "fast" : kind == SLOW ? "slow" : "exact-rank");
    CHECK(lr_svd_rank(r) == k, "%s: rank %lld", tag, (long long)lr_svd_rank(r));
    lr_mat U = lr_svd_u(r), Vt = lr_svd_vt(r);
    CHECK(U.rows == p->m && U.cols == k && Vt.rows == k && Vt.cols == p->n, "%s: shapes", tag);
    /* Orthogonality: a few hundred ulps of the working precision. */
    double ou = orth_err(&U, 0), ov = orth_err(&Vt, 1);
    CHECK(ou < 1e3 * eps * sqrt((double)p->m) && ov < 1e3 * eps * sqrt((double)p->n),
          "%s: orthogonality U %.3g V %.3g", tag, ou, ov);
    /* Reconstruction error against the Eckart-Young optimum. */
    double err = recon_err(p, r), opt = optimal_err(p, k);
    double slack = method == LR_SVD_EXACT ? 1e-6 : kind == SLOW ? (method == LR_SVD_KRYLOV ? 0.01 : 0.05)
                                                                : 1e-4;
    if (t == LR_F32) slack += 1e-4;
    if (kind == EXACT_RANK) {
        /* rank 15 > k: the optimum is the tail of planted values */
        CHECK(err <= opt * (1 + slack) + 50 * eps, "%s: error %.8g vs optimum %.8g", tag, err, opt);
    } else {
        CHECK(err <= opt * (1 + slack) + 50 * eps, "%s: error %.8g vs optimum %.8g", tag, err, opt);
    }
    /* Singular values: tight where the spectrum separates, loose otherwise. */
    const double *s = lr_svd_s(r);
    double sv_tol = method == LR_SVD_EXACT ? 1e3 * eps : kind == SLOW ? 0.05 : 1e-6 + 1e3 * eps;
    for (int64_t i = 0; i < k; i++)
        CHECK(fabs(s[i] - p->sv[i]) <= sv_tol * p->sv[0], "%s: sigma_%lld %.10g vs %.10g", tag,
              (long long)i, s[i], p->sv[i]);
    for (int64_t i = 1; i < k; i++) CHECK(s[i] <= s[i - 1], "%s: descending", tag);
    /* Subspace: only meaningful with a spectral gap (fast decay / exact). */
    if (kind != SLOW) {
        double sn = subspace_sin(p, &U, k);
        /* sin from cos loses half the digits: sqrt(eps) scale in f32 */
        CHECK(sn < (t == LR_F32 ? 3e-3 : 1e-6), "%s: largest principal angle sin %.3g", tag, sn);
    }
    /* The a-posteriori estimate agrees with the error measured here. */
    double est = lr_svd_error_estimate(r);
    CHECK(fabs(est - err) <= 1e-3 * err + (t == LR_F32 ? 1e-3 : 1e-6), "%s: estimate %.8g vs %.8g",
          tag, est, err);
    /* Sign convention: largest-magnitude entry of each u_i positive. */
    for (int64_t i = 0; i < k; i++) {
        double best = 0;
        for (int64_t j = 0; j < p->m; j++)
            if (fabs(lr_mat_get(&U, j, i)) > fabs(best)) best = lr_mat_get(&U, j, i);
        CHECK(best > 0, "%s: sign of u_%lld", tag, (long long)i);
    }
    /* Explained variance sums to at most 1 and matches sigma^2/||A||^2. */
    double ev = 0;
    for (int64_t i = 0; i < k; i++) ev += lr_svd_explained_variance(r, i);
    CHECK(ev <= 1 + 1e-9 && fabs(ev - (1 - est * est)) < 1e-4, "%s: explained variance %.6g", tag, ev);
    lr_svd_destroy(r);
    lr_mat_free(ctx, &A);
}

static void check_fixed_accuracy(lr_ctx *ctx, const planted *p, lr_dtype t, double tol)
{
    lr_mat A = as_mat(ctx, p, t);
    lr_svd_opts o;
    lr_svd_opts_default(&o);
    o.tol = tol, o.block = 8, o.power_iters = 2;
    lr_svd *r = NULL;
    CHECK_OK(ctx, lr_svd_dense(ctx, &A, &o, &r));
    if (!r) return;
    double err = recon_err(p, r);
    /* The smallest rank that can meet tol (Eckart-Young): */
    int64_t kopt = 0;
    while (optimal_err(p, kopt) > tol) kopt++;
    CHECK(err <= tol * (1 + 1e-6), "fixed accuracy %s tol %.3g: error %.6g", lr_dtype_name(t), tol, err);
    CHECK(lr_svd_rank(r) >= kopt && lr_svd_rank(r) <= kopt + o.block,
          "fixed accuracy: rank %lld vs optimal %lld", (long long)lr_svd_rank(r), (long long)kopt);
    lr_svd_destroy(r);
    /* energy form: keep 90% of ||A||_F^2 */
    lr_svd_opts_default(&o);
    o.energy = 0.9;
    CHECK_OK(ctx, lr_svd_dense(ctx, &A, &o, &r));
    if (r) {
        double e2 = recon_err(p, r);
        CHECK(e2 * e2 <= 0.1 * (1 + 1e-6), "energy 0.9: remaining %.6g", e2 * e2);
        lr_svd_destroy(r);
    }
    lr_mat_free(ctx, &A);
}

static void check_threads_bits(const planted *p, lr_dtype t, lr_svd_method method)
{
    lr_svd *r[2] = {0};
    for (int th = 1; th <= 2; th++) {
        lr_ctx *c = lr_ctx_create();
        lr_ctx_set_threads(c, th);
        lr_mat A = as_mat(c, p, t);
        lr_svd_opts o;
        lr_svd_opts_default(&o);
        o.k = 8, o.seed = 7, o.method = method;
        CHECK_OK(c, lr_svd_dense(c, &A, &o, &r[th - 1]));
        lr_mat_free(c, &A);
        lr_ctx_destroy(c);
    }
    if (!r[0] || !r[1]) return;
    lr_mat U0 = lr_svd_u(r[0]), U1 = lr_svd_u(r[1]), V0 = lr_svd_vt(r[0]), V1 = lr_svd_vt(r[1]);
    size_t es = lr_dtype_size(t);
    CHECK(!memcmp(lr_svd_s(r[0]), lr_svd_s(r[1]), 8 * 8) &&
              !memcmp(U0.data, U1.data, es * U0.rows * U0.cols) &&
              !memcmp(V0.data, V1.data, es * V0.rows * V0.cols),
          "same seed, 1 vs 2 threads: bit-identical factors (%s, %s)", lr_dtype_name(t),
          mname(method, LR_NORM_AUTO));
    lr_svd_destroy(r[0]);
    lr_svd_destroy(r[1]);
}

/* Exact rank r, planted: A = U diag(0.6^i) V^T with random orthonormal U, V
 * (LAPACK QR here); sv and U hold the r planted values and vectors. */
static planted make_lowrank(int64_t m, int64_t n, int64_t r, uint64_t seed)
{
    planted p = {m, n, NULL, NULL, NULL};
    tu_rng g = {seed};
    double *V = malloc(sizeof(double) * n * r);
    p.U = malloc(sizeof(double) * m * r), p.sv = malloc(sizeof(double) * r);
    rand_orth(&g, m, r, p.U);
    rand_orth(&g, n, r, V);
    for (int64_t i = 0; i < r; i++) p.sv[i] = pow(0.6, (double)i);
    p.A = calloc((size_t)(m * n), sizeof(double));
    for (int64_t j = 0; j < n; j++)
        for (int64_t q = 0; q < r; q++) {
            double f = p.sv[q] * V[j + q * n];
            for (int64_t i = 0; i < m; i++) p.A[i + j * m] += p.U[i + q * m] * f;
        }
    free(V);
    return p;
}

/* The fused power-iteration pass on a matrix of many columns (2400 x 1000,
 * l = 20): panels are short, several to a chunk (10 chunks of 240 rows;
 * panels of 96, 96, 48 rows in float, 5 x 48 in double), each with the
 * broadcast part (16 of the 20 columns) and the lane-wise part (4).
 * Singular values and left subspace against the planted ones; 1 vs 2
 * threads bit-identical. */
static void check_many_columns(lr_dtype t)
{
    planted p = make_lowrank(2400, 1000, 30, 77);
    lr_svd *r[2] = {0};
    for (int th = 1; th <= 2; th++) {
        lr_ctx *c = lr_ctx_create();
        lr_ctx_set_threads(c, th);
        lr_mat A = as_mat(c, &p, t);
        lr_svd_opts o;
        lr_svd_opts_default(&o);
        o.k = 10, o.oversample = 10, o.power_iters = 3, o.seed = 3;
        CHECK_OK(c, lr_svd_dense(c, &A, &o, &r[th - 1]));
        lr_mat_free(c, &A);
        lr_ctx_destroy(c);
    }
    if (r[0] && r[1]) {
        double tol = t == LR_F32 ? 2e-5 : 1e-11, worst = 0;
        for (int64_t i = 0; i < 10; i++)
            worst = fmax(worst, fabs(lr_svd_s(r[0])[i] - p.sv[i]) / p.sv[i]);
        CHECK(worst < tol, "2400x1000 %s: singular values off the planted ones by %.3g",
              lr_dtype_name(t), worst);
        lr_mat U = lr_svd_u(r[0]);
        double sn = subspace_sin(&p, &U, 10);
        CHECK(sn < (t == LR_F32 ? 1e-3 : 1e-6), "2400x1000 %s: subspace sin %.3g",
              lr_dtype_name(t), sn);
        lr_mat U0 = lr_svd_u(r[0]), U1 = lr_svd_u(r[1]), V0 = lr_svd_vt(r[0]), V1 = lr_svd_vt(r[1]);
        size_t es = lr_dtype_size(t);
        CHECK(!memcmp(lr_svd_s(r[0]), lr_svd_s(r[1]), 8 * 10) &&
                  !memcmp(U0.data, U1.data, es * U0.rows * U0.cols) &&
                  !memcmp(V0.data, V1.data, es * V0.rows * V0.cols),
              "2400x1000 %s: 1 vs 2 threads bit-identical", lr_dtype_name(t));
    }
    lr_svd_destroy(r[0]);
    lr_svd_destroy(r[1]);
    unmake(&p);
}

static lr_status apply_cb(void *user, lr_ctx *ctx, int trans, const lr_mat *X, lr_mat *Y)
{
    return lr_op_apply(ctx, (const lr_op *)user, trans, X, Y);
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    int kinds[] = {FAST, SLOW, EXACT_RANK};
    int64_t shapes[][2] = {{300, 200}, {200, 300}};
    for (int si = 0; si < 2; si++)
        for (int ki = 0; ki < 3; ki++) {
            planted p = make(shapes[si][0], shapes[si][1], kinds[ki], 100 + si * 10 + ki);
            for (int ti = 0; ti < 2; ti++) {
                lr_dtype t = ti ? LR_F32 : LR_F64;
                check_fixed_rank(ctx, &p, kinds[ki], t, LR_SVD_EXACT, LR_NORM_AUTO);
                check_fixed_rank(ctx, &p, kinds[ki], t, LR_SVD_RANDOMIZED, LR_NORM_AUTO);
                check_fixed_rank(ctx, &p, kinds[ki], t, LR_SVD_RANDOMIZED, LR_NORM_LU);
                check_fixed_rank(ctx, &p, kinds[ki], t, LR_SVD_RANDOMIZED, LR_NORM_QR);
                check_fixed_rank(ctx, &p, kinds[ki], t, LR_SVD_KRYLOV, LR_NORM_AUTO);
                /* No normalization is only safe in double with few iterations. */
                if (kinds[ki] == FAST && t == LR_F64)
                    check_fixed_rank(ctx, &p, kinds[ki], t, LR_SVD_RANDOMIZED, LR_NORM_NONE);
            }
            if (kinds[ki] == SLOW) {
                check_fixed_accuracy(ctx, &p, LR_F64, 0.3);
                check_fixed_accuracy(ctx, &p, LR_F32, 0.5);
            }
            unmake(&p);
        }

    /* Bit-identical across thread counts, on a matrix big enough to split. */
    planted big = make(3000, 120, FAST, 5);
    check_threads_bits(&big, LR_F32, LR_SVD_RANDOMIZED);
    check_threads_bits(&big, LR_F64, LR_SVD_RANDOMIZED);
    check_threads_bits(&big, LR_F64, LR_SVD_KRYLOV);
    check_many_columns(LR_F32);
    check_many_columns(LR_F64);

    /* Warm start: one power iteration from the previous basis is as good as
     * a cold start with four. */
    {
        lr_mat A = as_mat(ctx, &big, LR_F64);
        lr_svd_opts o;
        lr_svd_opts_default(&o);
        o.k = 10;
        lr_svd *cold = NULL, *warm = NULL;
        CHECK_OK(ctx, lr_svd_dense(ctx, &A, &o, &cold));
        lr_op *op;
        lr_op_dense(ctx, &A, &op);
        o.power_iters = 1;
        lr_mat V = cold ? lr_svd_v(cold) : (lr_mat){0};
        CHECK(V.rows == 120 && V.cols >= 10, "V basis %lld x %lld", (long long)V.rows, (long long)V.cols);
        CHECK_OK(ctx, lr_svd_compute_warm(ctx, op, &o, &V, &warm));
        if (cold && warm)
            CHECK(fabs(recon_err(&big, warm) - recon_err(&big, cold)) < 1e-8,
                  "warm start error %.10g vs cold %.10g", recon_err(&big, warm), recon_err(&big, cold));
        CHECK(warm && lr_svd_passes(warm) == 2, "warm start with q = 1 reads A twice (%d)",
              warm ? lr_svd_passes(warm) : -1);
        lr_svd_destroy(cold);
        lr_svd_destroy(warm);

        /* A custom operator (callback) gives what the dense one gives. */
        lr_op *cop;
        CHECK_OK(ctx, lr_op_custom(ctx, LR_F64, 3000, 120, apply_cb, op, lr_mat_frob2(ctx, &A), &cop));
        lr_svd *c1 = NULL;
        o.power_iters = 4;
        CHECK_OK(ctx, lr_svd_compute(ctx, cop, &o, &c1));
        if (c1) {
            CHECK(fabs(lr_svd_s(c1)[0] - big.sv[0]) < 1e-10 && fabs(recon_err(&big, c1) - optimal_err(&big, 10)) < 1e-8,
                  "custom operator: sigma_1 %.12g vs %.12g", lr_svd_s(c1)[0], big.sv[0]);
            lr_svd_destroy(c1);
        }
        lr_op_destroy(cop);
        lr_op_destroy(op);
        lr_mat_free(ctx, &A);
    }
    unmake(&big);

    /* Bad options are refused with a sentence, before any work. */
    {
        lr_mat A;
        lr_mat_alloc(ctx, LR_F64, 30, 20, &A);
        lr_svd_opts o;
        lr_svd_opts_default(&o);
        lr_svd *r = NULL;
        o.k = 0;
        CHECK(lr_svd_dense(ctx, &A, &o, &r) == LR_ERR_ARG && !r, "k = 0 refused");
        o.k = 21;
        CHECK(lr_svd_dense(ctx, &A, &o, &r) == LR_ERR_ARG, "k > min(m,n) refused");
        CHECK(strstr(lr_ctx_errmsg(ctx), "min(m, n) = 20") != NULL, "message: %s", lr_ctx_errmsg(ctx));
        o.k = 5, o.tol = 1.5;
        CHECK(lr_svd_dense(ctx, &A, &o, &r) == LR_ERR_ARG, "tol >= 1 refused");
        o.tol = 0, o.power_iters = -1;
        CHECK(lr_svd_dense(ctx, &A, &o, &r) == LR_ERR_ARG, "q < 0 refused");
        lr_svd_destroy(NULL);
        /* A zero matrix: no NaN, zero singular values. */
        lr_svd_opts_default(&o);
        o.k = 3;
        CHECK_OK(ctx, lr_svd_dense(ctx, &A, &o, &r));
        if (r) {
            CHECK(lr_svd_s(r)[0] == 0 && lr_svd_error_estimate(r) == 0, "zero matrix");
            lr_mat U = lr_svd_u(r);
            CHECK(lr_mat_check_finite(ctx, &U, "U") == LR_OK, "zero matrix gives finite U");
            lr_svd_destroy(r);
        }
        /* Same with the LU normalizer: the final Cholesky-QR2 breaks down on
         * Y = 0 and the Householder fallback must take over. */
        o.method = LR_SVD_RANDOMIZED, o.normalizer = LR_NORM_LU;
        CHECK_OK(ctx, lr_svd_dense(ctx, &A, &o, &r));
        if (r) {
            CHECK(lr_svd_s(r)[0] == 0, "zero matrix (lu): s[0] = %g", lr_svd_s(r)[0]);
            lr_mat U = lr_svd_u(r);
            CHECK(lr_mat_check_finite(ctx, &U, "U") == LR_OK, "zero matrix (lu) gives finite U");
            lr_svd_destroy(r);
        }
        lr_mat_free(ctx, &A);
    }
    lr_ctx_destroy(ctx);
    return tu_done("test_svd");
}
