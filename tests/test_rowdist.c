/* test_rowdist.c -- the row-distributed mode of the SVD and of robust PCA
 * (lr_op_set_allreduce, lr_rpca_compute_rows) without MPI: P "ranks" are P
 * threads of this process, each holding one band of rows, and the
 * reduction hook is an in-process allreduce (each rank publishes its buffer,
 * a barrier, each rank sums all P buffers in rank order).
 *
 * References: LAPACK's full SVD computed here (singular values of a planted
 * spectrum), and the single-process library run with the same seed: the
 * distributed run is the same algorithm with the sums split differently, so
 * it must agree to rounding.  Tolerances from the precision u (2^-53 or
 * 2^-24): singular values within 1e3 u s_1; U and V (spectral gap >= 30% of
 * s_1 between consecutive planted values) within 1e3 u / gap entrywise;
 * robust PCA's L and S within 1e4 u max|M| (f64: 1e3) after the same number
 * of iterations: the same L, S up to rounding amplified by the iteration.
 * Uneven splits (m = 301 over 2 and 3 ranks), a rank with zero rows (5 rows
 * over 7 ranks), and a wrong band layout must be rejected. */
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* ---- the fake P-rank allreduce -------------------------------------------- */
typedef struct {
    int P;
    pthread_barrier_t bar;
    double *slot[64];
    long calls;         /* counted by rank 0 */
    double doubles;     /* doubles reduced, counted by rank 0 */
} group;

typedef struct {
    group *g;
    int rank;
} member;

static lr_status fake_allreduce(void *user, lr_ctx *ctx, double *buf, int64_t n, lr_reduce_op op)
{
    member *me = user;
    group *g = me->g;
    double *tmp = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
    if (!tmp) return LR_ERR_NOMEM;
    g->slot[me->rank] = buf;
    pthread_barrier_wait(&g->bar);
    for (int64_t i = 0; i < n; i++) {
        double a = g->slot[0][i];
        for (int r = 1; r < g->P; r++)
            a = op == LR_REDUCE_SUM ? a + g->slot[r][i] : fmax(a, g->slot[r][i]);
        tmp[i] = a;
    }
    pthread_barrier_wait(&g->bar); /* everyone has read every slot */
    memcpy(buf, tmp, sizeof(double) * (size_t)n);
    free(tmp);
    if (me->rank == 0) g->calls++, g->doubles += (double)n;
    return LR_OK;
}

/* Rows of rank r when m rows are split over P ranks: the first m % P ranks
 * get one more (uneven splits on purpose). */
static void band_of(int64_t m, int P, int r, int64_t *row0, int64_t *rows)
{
    int64_t base = m / P, rem = m % P;
    *rows = base + (r < rem);
    *row0 = r * base + (r < rem ? r : rem);
}

/* ---- planted matrices ------------------------------------------------------ */
static void rand_orth(tu_rng *g, int64_t m, int64_t r, double *Q)
{
    double *tau = malloc(sizeof(double) * r);
    for (int64_t i = 0; i < m * r; i++) Q[i] = tu_randn(g);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)m, (int)r, Q, (int)m, tau);
    LAPACKE_dorgqr(LAPACK_COL_MAJOR, (int)m, (int)r, (int)r, Q, (int)m, tau);
    free(tau);
}

/* m x n with singular values 0.7^i (gap 30% of the larger one). */
static double *planted(int64_t m, int64_t n, uint64_t seed)
{
    int64_t r = m < n ? m : n;
    tu_rng g = {seed};
    double *U = malloc(sizeof(double) * m * r), *V = malloc(sizeof(double) * n * r);
    rand_orth(&g, m, r, U);
    rand_orth(&g, n, r, V);
    double *A = calloc((size_t)(m * n), sizeof(double));
    for (int64_t q = 0; q < r; q++) {
        double s = pow(0.7, (double)q);
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) A[i + j * m] += U[i + q * m] * s * V[j + q * n];
    }
    free(U), free(V);
    return A;
}

static double *lapack_sv(const double *A, int64_t m, int64_t n)
{
    int64_t r = m < n ? m : n;
    double *W = malloc(sizeof(double) * m * n), *s = malloc(sizeof(double) * r);
    memcpy(W, A, sizeof(double) * m * n);
    double *sup = malloc(sizeof(double) * r);
    LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (int)m, (int)n, W, (int)m, s, NULL, 1, NULL, 1, sup);
    free(W), free(sup);
    return s;
}

static lr_mat to_mat(lr_ctx *ctx, const double *A, int64_t m, int64_t n, lr_dtype t)
{
    lr_mat M;
    lr_mat_alloc(ctx, t, m, n, &M);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) lr_mat_set(&M, i, j, A[i + j * m]);
    return M;
}

/* ---- one distributed SVD: P threads ----------------------------------------- */
typedef struct {
    member me;
    const lr_mat *A;        /* the whole matrix; each rank views its band */
    lr_svd_opts o;
    int64_t row0, rows;
    lr_status st;
    char msg[256];
    double *s;              /* r values */
    int64_t r;
    double *Ub;             /* rows x r */
    double *Vt;             /* r x n */
} svd_job;

static void *svd_rank(void *arg)
{
    svd_job *j = arg;
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 1);
    lr_mat band = lr_mat_block(j->A, j->row0, 0, j->rows, j->A->cols);
    lr_op *op = NULL;
    lr_svd *res = NULL;
    lr_rowdist d = {fake_allreduce, &j->me, j->A->rows, j->row0};
    j->st = lr_op_dense(ctx, &band, &op);
    if (!j->st) j->st = lr_op_set_allreduce(ctx, op, &d);
    if (!j->st) j->st = lr_svd_compute(ctx, op, &j->o, &res);
    snprintf(j->msg, sizeof j->msg, "%s", lr_ctx_errmsg(ctx));
    if (!j->st) {
        int64_t r = lr_svd_rank(res), n = j->A->cols;
        lr_mat U = lr_svd_u(res), Vt = lr_svd_vt(res);
        j->r = r;
        j->s = malloc(sizeof(double) * (size_t)r);
        j->Ub = malloc(sizeof(double) * (size_t)(j->rows * r + 1));
        j->Vt = malloc(sizeof(double) * (size_t)(r * n));
        memcpy(j->s, lr_svd_s(res), sizeof(double) * (size_t)r);
        for (int64_t c = 0; c < r; c++)
            for (int64_t i = 0; i < j->rows; i++) j->Ub[i + c * j->rows] = lr_mat_get(&U, i, c);
        for (int64_t c = 0; c < n; c++)
            for (int64_t i = 0; i < r; i++) j->Vt[i + c * r] = lr_mat_get(&Vt, i, c);
    }
    lr_svd_destroy(res);
    lr_op_destroy(op);
    lr_ctx_destroy(ctx);
    return NULL;
}

/* Runs the SVD of A on P ranks and compares with the single-process run. */
static void check_svd(const char *what, const double *Ad, int64_t m, int64_t n, int P,
                      lr_dtype t, int64_t k, const double *ref_sv)
{
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 1);
    lr_mat A = to_mat(ctx, Ad, m, n, t);
    lr_svd_opts o;
    lr_svd_opts_default(&o);
    o.k = k, o.seed = 7;
    lr_svd *one = NULL;
    CHECK_OK(ctx, lr_svd_dense(ctx, &A, &o, &one));
    group g = {.P = P};
    pthread_barrier_init(&g.bar, NULL, (unsigned)P);
    svd_job *jobs = calloc((size_t)P, sizeof *jobs);
    pthread_t th[64];
    for (int r = 0; r < P; r++) {
        jobs[r] = (svd_job){.me = {&g, r}, .A = &A, .o = o};
        band_of(m, P, r, &jobs[r].row0, &jobs[r].rows);
        pthread_create(&th[r], NULL, svd_rank, &jobs[r]);
    }
    for (int r = 0; r < P; r++) pthread_join(th[r], NULL);
    const double u = t == LR_F32 ? FLT_EPSILON / 2 : DBL_EPSILON / 2;
    const double *s1 = one ? lr_svd_s(one) : NULL;
    int64_t r1 = one ? lr_svd_rank(one) : 0;
    double ds = 0, du = 0, dv = 0, dref = 0;
    int ok = 1;
    for (int r = 0; r < P; r++) {
        CHECK(jobs[r].st == LR_OK, "%s: rank %d of %d: %s", what, r, P, jobs[r].msg);
        if (jobs[r].st || jobs[r].r != r1) {
            CHECK(jobs[r].r == r1, "%s: rank %d returned rank %lld, single process %lld", what,
                  r, (long long)jobs[r].r, (long long)r1);
            ok = 0;
        }
    }
    if (ok && one) {
        lr_mat U1 = lr_svd_u(one), Vt1 = lr_svd_vt(one);
        for (int r = 0; r < P; r++) {
            svd_job *j = &jobs[r];
            for (int64_t i = 0; i < r1; i++) ds = fmax(ds, fabs(j->s[i] - s1[i]));
            for (int64_t c = 0; c < r1; c++) {
                for (int64_t i = 0; i < j->rows; i++)
                    du = fmax(du, fabs(j->Ub[i + c * j->rows] - lr_mat_get(&U1, j->row0 + i, c)));
                for (int64_t i = 0; i < n; i++)
                    dv = fmax(dv, fabs(j->Vt[c + i * r1] - lr_mat_get(&Vt1, c, i)));
            }
        }
        for (int64_t i = 0; i < r1; i++) dref = fmax(dref, fabs(jobs[0].s[i] - ref_sv[i]));
    }
    double tol_s = 1e3 * u * ref_sv[0], tol_v = 1e3 * u / 0.3;
    CHECK(ds <= tol_s, "%s, %d ranks: singular values differ from the single-process run by "
          "%.3g > %.3g", what, P, ds, tol_s);
    CHECK(du <= tol_v && dv <= tol_v, "%s, %d ranks: U/V differ by %.3g/%.3g > %.3g", what, P,
          du, dv, tol_v);
    /* Against LAPACK: the planted spectrum decays fast; q = 4 power passes
     * make the leading values exact to a few ulps in f64. */
    double tol_ref = (t == LR_F32 ? 1e-4 : 1e-9) * ref_sv[0];
    CHECK(dref <= tol_ref, "%s, %d ranks: singular values differ from LAPACK by %.3g > %.3g",
          what, P, dref, tol_ref);
    if (getenv("LR_TEST_VERBOSE"))
        fprintf(stderr, "%s P=%d: ds %.2e du %.2e dv %.2e dref %.2e (calls %ld, %.0f doubles)\n",
                what, P, ds, du, dv, dref, g.calls, g.doubles);
    CHECK(g.calls > 0, "%s: the reduction hook was never called", what);
    for (int r = 0; r < P; r++) free(jobs[r].s), free(jobs[r].Ub), free(jobs[r].Vt);
    free(jobs);
    pthread_barrier_destroy(&g.bar);
    lr_svd_destroy(one);
    lr_mat_free(ctx, &A);
    lr_ctx_destroy(ctx);
}

/* A band that does not add up to the announced size is refused (on every
 * rank, since all see the same sum). */
static void *bad_rank(void *arg)
{
    svd_job *j = arg;
    lr_ctx *ctx = lr_ctx_create();
    lr_mat band = lr_mat_block(j->A, 0, 0, j->rows, j->A->cols);
    lr_op *op = NULL;
    lr_rowdist d = {fake_allreduce, &j->me, j->A->rows, j->row0};
    j->st = lr_op_dense(ctx, &band, &op);
    if (!j->st) j->st = lr_op_set_allreduce(ctx, op, &d);
    snprintf(j->msg, sizeof j->msg, "%s", lr_ctx_errmsg(ctx));
    lr_op_destroy(op);
    lr_ctx_destroy(ctx);
    return NULL;
}

static void check_bad_layout(void)
{
    lr_ctx *ctx = lr_ctx_create();
    double *Ad = planted(10, 6, 3);
    lr_mat A = to_mat(ctx, Ad, 10, 6, LR_F64);
    group g = {.P = 2};
    pthread_barrier_init(&g.bar, NULL, 2);
    svd_job jobs[2] = {{.me = {&g, 0}, .A = &A, .row0 = 0, .rows = 4},
                       {.me = {&g, 1}, .A = &A, .row0 = 4, .rows = 4}}; /* 8 of 10 rows */
    pthread_t th[2];
    for (int r = 0; r < 2; r++) pthread_create(&th[r], NULL, bad_rank, &jobs[r]);
    for (int r = 0; r < 2; r++) pthread_join(th[r], NULL);
    for (int r = 0; r < 2; r++)
        CHECK(jobs[r].st == LR_ERR_ARG && strstr(jobs[r].msg, "8 rows"),
              "rank %d: missing rows not reported: %s", r, jobs[r].msg);
    pthread_barrier_destroy(&g.bar);
    lr_mat_free(ctx, &A);
    free(Ad);
    lr_ctx_destroy(ctx);
}

/* ---- distributed robust PCA ------------------------------------------------ */
typedef struct {
    member me;
    const lr_mat *M;
    lr_rpca_opts o;
    int64_t row0, rows;
    lr_status st;
    char msg[256];
    int iters;
    int64_t rank, nnz;
    double *L, *S;          /* rows x n */
} rpca_job;

static void *rpca_rank(void *arg)
{
    rpca_job *j = arg;
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 1);
    int64_t n = j->M->cols;
    lr_mat band = lr_mat_block(j->M, j->row0, 0, j->rows, n);
    lr_rowdist d = {fake_allreduce, &j->me, j->M->rows, j->row0};
    lr_rpca *r = NULL;
    j->st = lr_rpca_compute_rows(ctx, &band, &j->o, &d, &r);
    snprintf(j->msg, sizeof j->msg, "%s", lr_ctx_errmsg(ctx));
    if (r) {
        lr_mat L = lr_rpca_l(r), S = lr_rpca_s(r);
        j->iters = lr_rpca_iterations(r), j->rank = lr_rpca_rank(r), j->nnz = lr_rpca_nnz(r);
        j->L = malloc(sizeof(double) * (size_t)(j->rows * n + 1));
        j->S = malloc(sizeof(double) * (size_t)(j->rows * n + 1));
        for (int64_t c = 0; c < n; c++)
            for (int64_t i = 0; i < j->rows; i++) {
                j->L[i + c * j->rows] = lr_mat_get(&L, i, c);
                j->S[i + c * j->rows] = lr_mat_get(&S, i, c);
            }
    }
    lr_rpca_destroy(r);
    lr_ctx_destroy(ctx);
    return NULL;
}

/* M = L0 + S0: L0 of rank 3, S0 with 2% entries of size 5..10. */
static void check_rpca(const char *what, int64_t m, int64_t n, int P, lr_dtype t,
                       lr_rpca_svt svt)
{
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 1);
    tu_rng g = {99 + (uint64_t)m};
    double *L0 = calloc((size_t)(m * n), sizeof(double)), *Md = malloc(sizeof(double) * m * n);
    for (int q = 0; q < 3; q++) {
        double *a = malloc(sizeof(double) * m), *b = malloc(sizeof(double) * n);
        for (int64_t i = 0; i < m; i++) a[i] = tu_randn(&g);
        for (int64_t j = 0; j < n; j++) b[j] = tu_randn(&g);
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) L0[i + j * m] += a[i] * b[j];
        free(a), free(b);
    }
    for (int64_t i = 0; i < m * n; i++) {
        double sp = tu_rand01(&g) < 0.02 ? (tu_rand01(&g) < 0.5 ? -1 : 1) * (5 + 5 * tu_rand01(&g)) : 0;
        Md[i] = L0[i] + sp;
    }
    lr_mat M = to_mat(ctx, Md, m, n, t);
    lr_rpca_opts o;
    lr_rpca_opts_default(&o);
    o.svt = svt;
    o.seed = 5;
    lr_rpca *one = NULL;
    lr_status s1 = lr_rpca_compute(ctx, &M, &o, &one);
    CHECK(s1 == LR_OK, "%s: single process: %s", what, lr_ctx_errmsg(ctx));
    group gr = {.P = P};
    pthread_barrier_init(&gr.bar, NULL, (unsigned)P);
    rpca_job *jobs = calloc((size_t)P, sizeof *jobs);
    pthread_t th[64];
    for (int r = 0; r < P; r++) {
        jobs[r] = (rpca_job){.me = {&gr, r}, .M = &M, .o = o};
        band_of(m, P, r, &jobs[r].row0, &jobs[r].rows);
        pthread_create(&th[r], NULL, rpca_rank, &jobs[r]);
    }
    for (int r = 0; r < P; r++) pthread_join(th[r], NULL);
    const double u = t == LR_F32 ? FLT_EPSILON / 2 : DBL_EPSILON / 2;
    double maxm = 0, dl = 0, ds = 0, dtruth = 0, nl0 = 0;
    for (int64_t i = 0; i < m * n; i++) maxm = fmax(maxm, fabs(Md[i]));
    lr_mat L1 = one ? lr_rpca_l(one) : (lr_mat){0}, S1 = one ? lr_rpca_s(one) : (lr_mat){0};
    for (int r = 0; r < P && one; r++) {
        rpca_job *j = &jobs[r];
        CHECK(j->st == LR_OK, "%s: rank %d of %d: %s", what, r, P, j->msg);
        if (j->st) continue;
        CHECK(j->iters == lr_rpca_iterations(one) && j->rank == lr_rpca_rank(one) &&
              j->nnz == lr_rpca_nnz(one), "%s, %d ranks: iterations %d rank %lld nnz %lld, "
              "single process %d %lld %lld", what, P, j->iters, (long long)j->rank,
              (long long)j->nnz, lr_rpca_iterations(one), (long long)lr_rpca_rank(one),
              (long long)lr_rpca_nnz(one));
        for (int64_t c = 0; c < n; c++)
            for (int64_t i = 0; i < j->rows; i++) {
                int64_t gi = j->row0 + i;
                dl = fmax(dl, fabs(j->L[i + c * j->rows] - lr_mat_get(&L1, gi, c)));
                ds = fmax(ds, fabs(j->S[i + c * j->rows] - lr_mat_get(&S1, gi, c)));
                double e = j->L[i + c * j->rows] - L0[gi + c * m];
                dtruth += e * e;
                nl0 += L0[gi + c * m] * L0[gi + c * m];
            }
    }
    double tol = (t == LR_F32 ? 1e4 : 1e3) * u * maxm;
    CHECK(dl <= tol && ds <= tol, "%s, %d ranks: L/S differ from the single-process run by "
          "%.3g/%.3g > %.3g", what, P, dl, ds, tol);
    /* Independent check: the planted low-rank part is recovered. */
    double rel = sqrt(dtruth / (nl0 > 0 ? nl0 : 1));
    CHECK(rel < (t == LR_F32 ? 1e-3 : 1e-5), "%s, %d ranks: ||L - L0|| / ||L0|| = %.3g", what,
          P, rel);
    if (getenv("LR_TEST_VERBOSE"))
        fprintf(stderr, "%s P=%d: iters %d dL %.2e dS %.2e |L-L0|/|L0| %.2e (calls %ld)\n",
                what, P, one ? lr_rpca_iterations(one) : -1, dl, ds, rel, gr.calls);
    for (int r = 0; r < P; r++) free(jobs[r].L), free(jobs[r].S);
    free(jobs);
    pthread_barrier_destroy(&gr.bar);
    lr_rpca_destroy(one);
    lr_mat_free(ctx, &M);
    free(L0), free(Md);
    lr_ctx_destroy(ctx);
}

/* ---- lr_npy_read_rows: bands of C- and Fortran-order files ----------------- */
/* Writes a C-order (row-major) 2-D float64 .npy by hand. */
static void write_c_order(const char *path, const double *A, int64_t m, int64_t n)
{
    char hdr[128];
    int len = snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': "
                       "(%lld, %lld), }", (long long)m, (long long)n);
    int total = 10 + len + 1;
    int pad = (64 - total % 64) % 64;
    FILE *f = fopen(path, "wb");
    unsigned short hl = (unsigned short)(len + pad + 1);
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fwrite(&hl, 2, 1, f);
    fwrite(hdr, 1, (size_t)len, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) fwrite(&A[i + j * m], 8, 1, f);
    fclose(f);
}

static void check_npy_bands(void)
{
    lr_ctx *ctx = lr_ctx_create();
    const int64_t m = 37, n = 9;
    double *A = planted(m, n, 21);
    char fpath[600], cpath[600];
    snprintf(fpath, sizeof fpath, "%s/f.npy", tu_tmpdir());
    snprintf(cpath, sizeof cpath, "%s/c.npy", tu_tmpdir());
    lr_mat M = to_mat(ctx, A, m, n, LR_F64);
    CHECK_OK(ctx, lr_npy_write(ctx, fpath, &M)); /* Fortran order */
    write_c_order(cpath, A, m, n);
    const char *paths[2] = {fpath, cpath};
    for (int f = 0; f < 2; f++) {
        int64_t rows = -1, cols = -1;
        lr_dtype t = 0;
        CHECK_OK(ctx, lr_npy_shape(ctx, paths[f], &rows, &cols, &t));
        CHECK(rows == m && cols == n && t == LR_F64, "%s: shape %lld x %lld", paths[f],
              (long long)rows, (long long)cols);
        for (int P = 1; P <= 5; P++)
            for (int r = 0; r < P; r++)
                for (int want = 0; want <= LR_F32; want += LR_F32) {
                    int64_t r0, nr;
                    band_of(m, P, r, &r0, &nr);
                    lr_mat B = {0};
                    CHECK_OK(ctx, lr_npy_read_rows(ctx, paths[f], want, r0, nr, &B));
                    double d = B.rows == nr && B.cols == n ? 0 : INFINITY;
                    for (int64_t j = 0; j < n && isfinite(d); j++)
                        for (int64_t i = 0; i < nr; i++)
                            d = fmax(d, fabs(lr_mat_get(&B, i, j) - A[r0 + i + j * m]));
                    CHECK(d <= (want == LR_F32 ? 1e-7 : 0), "%s: band %d of %d differs by %g",
                          paths[f], r, P, d);
                    lr_mat_free(ctx, &B);
                }
        lr_mat B = {0};
        CHECK(lr_npy_read_rows(ctx, paths[f], 0, 30, 8, &B) == LR_ERR_ARG && !B.data,
              "%s: rows past the end accepted", paths[f]);
    }
    lr_mat_free(ctx, &M);
    free(A);
    lr_ctx_destroy(ctx);
}

int main(void)
{
    check_npy_bands();
    /* Robust PCA: uneven splits, both SVT routes, both types. */
    for (int P = 1; P <= 3; P++) {
        check_rpca("rpca 121x40 f64 partial", 121, 40, P, LR_F64, LR_RPCA_SVT_PARTIAL);
        check_rpca("rpca 121x40 f32 auto", 121, 40, P, LR_F32, LR_RPCA_SVT_AUTO);
        check_rpca("rpca 121x40 f64 gram", 121, 40, P, LR_F64, LR_RPCA_SVT_GRAM);
    }
    check_rpca("rpca 50x40 over 60 ranks", 50, 40, 60, LR_F64, LR_RPCA_SVT_AUTO);
    /* Tall, uneven splits: 301 rows over 1, 2, 3 ranks. */
    {
        int64_t m = 301, n = 60;
        double *A = planted(m, n, 11), *sv = lapack_sv(A, m, n);
        for (int P = 1; P <= 3; P++) {
            check_svd("301x60 f64", A, m, n, P, LR_F64, 8, sv);
            check_svd("301x60 f32", A, m, n, P, LR_F32, 8, sv);
        }
        free(A), free(sv);
    }
    /* Wide: the distributed run keeps the bands as rows (no transposition). */
    {
        int64_t m = 40, n = 150;
        double *A = planted(m, n, 12), *sv = lapack_sv(A, m, n);
        for (int P = 2; P <= 3; P++) check_svd("40x150 f64", A, m, n, P, LR_F64, 6, sv);
        free(A), free(sv);
    }
    /* More ranks than rows: 5 x 40 over 7 ranks (two bands are empty); l = 5
     * covers the whole row space, so every singular value is exact. */
    {
        int64_t m = 5, n = 40;
        double *A = planted(m, n, 13), *sv = lapack_sv(A, m, n);
        check_svd("5x40 over 7 ranks", A, m, n, 7, LR_F64, 5, sv);
        free(A), free(sv);
    }
    check_bad_layout();
    return tu_done("test_rowdist");
}
