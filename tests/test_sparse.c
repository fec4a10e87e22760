/* test_sparse.c -- CSR matrices against dense computations done here:
 * every conversion, the transpose and the norm against a dense array built
 * from the same triplets; lr_csr_mm against cblas_dgemm; the randomized,
 * block Krylov and fixed-accuracy SVD on lr_op_csr against LAPACK's dense
 * SVD (LAPACKE_dgesdd called here) of the same matrix; bit-identical results
 * with 1 and 2 threads; Matrix Market round trip and malformed files. */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "lowrank/mtx.h"

/* A random m x n sparse matrix as triplets (with duplicates and one explicit
 * zero) and its dense column-major double reference. */
typedef struct {
    int64_t m, n, nt;
    int64_t *ri, *ci;
    double *v, *D;
} trip;

static trip make_trip(int64_t m, int64_t n, double density, uint64_t seed)
{
    trip t = {m, n, 0, NULL, NULL, NULL, NULL};
    tu_rng g = {seed};
    int64_t cap = (int64_t)(m * n * density) + 8;
    t.ri = malloc(8 * cap), t.ci = malloc(8 * cap), t.v = malloc(8 * cap);
    t.D = calloc((size_t)(m * n), 8);
    for (int64_t p = 0; p < cap - 3; p++) {
        t.ri[t.nt] = (int64_t)(tu_rand01(&g) * m);
        t.ci[t.nt] = (int64_t)(tu_rand01(&g) * n);
        t.v[t.nt] = tu_randn(&g);
        t.nt++;
    }
    /* A duplicate of the first entry and an explicit zero. */
    t.ri[t.nt] = t.ri[0], t.ci[t.nt] = t.ci[0], t.v[t.nt] = 0.5, t.nt++;
    t.ri[t.nt] = m - 1, t.ci[t.nt] = n - 1, t.v[t.nt] = 0.0, t.nt++;
    for (int64_t p = 0; p < t.nt; p++) t.D[t.ri[p] + t.ci[p] * m] += t.v[p];
    return t;
}

static void free_trip(trip *t) { free(t->ri), free(t->ci), free(t->v), free(t->D); }

static double maxdiff_dense(const lr_mat *M, const double *D)
{
    double e = 0;
    for (int64_t j = 0; j < M->cols; j++)
        for (int64_t i = 0; i < M->rows; i++)
            e = fmax(e, fabs(lr_mat_get(M, i, j) - D[i + j * M->rows]));
    return e;
}

static void test_structure(lr_ctx *ctx, lr_dtype dt)
{
    trip t = make_trip(37, 23, 0.15, 11);
    double tol = dt == LR_F32 ? 1e-5 : 1e-14;
    lr_csr a;
    CHECK_OK(ctx, lr_csr_from_triplets(ctx, dt, t.m, t.n, t.nt, t.ri, t.ci, t.v, &a));
    CHECK_OK(ctx, lr_csr_check(ctx, &a, "a"));
    /* Distinct positions = nnz (explicit zero kept). */
    int64_t distinct = 0;
    char *seen = calloc((size_t)(t.m * t.n), 1);
    for (int64_t p = 0; p < t.nt; p++)
        if (!seen[t.ri[p] + t.ci[p] * t.m]++) distinct++;
    CHECK(a.nnz == distinct, "nnz %lld, distinct positions %lld", (long long)a.nnz,
          (long long)distinct);
    lr_mat D;
    CHECK_OK(ctx, lr_csr_to_dense(ctx, &a, &D));
    CHECK(maxdiff_dense(&D, t.D) <= tol, "to_dense differs by %g", maxdiff_dense(&D, t.D));
    /* frob2 */
    double f = 0;
    for (int64_t i = 0; i < t.m * t.n; i++) f += t.D[i] * t.D[i];
    CHECK(fabs(lr_csr_frob2(&a) - f) <= 1e-5 * f, "frob2 %g vs %g", lr_csr_frob2(&a), f);
    /* transpose */
    lr_csr at;
    CHECK_OK(ctx, lr_csr_transpose(ctx, &a, &at));
    CHECK_OK(ctx, lr_csr_check(ctx, &at, "at"));
    CHECK(at.rows == t.n && at.cols == t.m && at.nnz == a.nnz, "transpose shape");
    lr_mat DT;
    CHECK_OK(ctx, lr_csr_to_dense(ctx, &at, &DT));
    double e = 0;
    for (int64_t i = 0; i < t.m; i++)
        for (int64_t j = 0; j < t.n; j++) e = fmax(e, fabs(lr_mat_get(&DT, j, i) - t.D[i + j * t.m]));
    CHECK(e <= tol, "transpose differs by %g", e);
    /* from_dense: non-zeros of the dense copy (the explicit zero drops). */
    lr_csr b;
    CHECK_OK(ctx, lr_csr_from_dense(ctx, &D, &b));
    CHECK_OK(ctx, lr_csr_check(ctx, &b, "b"));
    int64_t nzd = 0;
    for (int64_t i = 0; i < t.m * t.n; i++) nzd += lr_mat_get(&D, i % t.m, i / t.m) != 0.0;
    CHECK(b.nnz == nzd, "from_dense nnz %lld vs %lld", (long long)b.nnz, (long long)nzd);
    lr_mat D2;
    CHECK_OK(ctx, lr_csr_to_dense(ctx, &b, &D2));
    CHECK(maxdiff_dense(&D2, t.D) <= tol, "from_dense round trip");
    /* check() refuses broken structures. */
    {
        int64_t p = -1;
        for (int64_t i = 0; i < a.rows && p < 0; i++)
            if (a.indptr[i + 1] - a.indptr[i] >= 2) p = a.indptr[i];
        CHECK(p >= 0, "a row with two entries exists");
        if (p >= 0) {
            int64_t s = a.indices[p];
            a.indices[p] = a.indices[p + 1];
            CHECK(lr_csr_check(ctx, &a, "a") == LR_ERR_ARG, "unsorted row accepted");
            a.indices[p] = a.cols;
            CHECK(lr_csr_check(ctx, &a, "a") == LR_ERR_ARG, "column out of range accepted");
            a.indices[p] = s;
        }
    }
    if (dt == LR_F64) {
        double keep = ((double *)a.values)[0];
        ((double *)a.values)[0] = NAN;
        CHECK(lr_csr_check(ctx, &a, "a") == LR_ERR_DATA, "NaN accepted");
        CHECK(strstr(lr_ctx_errmsg(ctx), "NaN") != NULL, "message: %s", lr_ctx_errmsg(ctx));
        ((double *)a.values)[0] = keep;
    }
    int64_t bad_r[1] = {t.m}, bad_c[1] = {0};
    double bad_v[1] = {1};
    lr_csr c;
    CHECK(lr_csr_from_triplets(ctx, dt, t.m, t.n, 1, bad_r, bad_c, bad_v, &c) == LR_ERR_ARG,
          "out-of-range triplet accepted");
    free(seen);
    lr_mat_free(ctx, &D), lr_mat_free(ctx, &DT), lr_mat_free(ctx, &D2);
    lr_csr_free(ctx, &a), lr_csr_free(ctx, &at), lr_csr_free(ctx, &b);
    free_trip(&t);
}

/* Y = A X and A^T X against cblas_dgemm on the dense copy. */
static void test_mm(lr_ctx *ctx, lr_dtype dt)
{
    trip t = make_trip(2000, 600, 0.05, 5); /* large enough to run threaded */
    lr_csr a;
    CHECK_OK(ctx, lr_csr_from_triplets(ctx, dt, t.m, t.n, t.nt, t.ri, t.ci, t.v, &a));
    tu_rng g = {99};
    /* b = 7, 10: the narrow kernel (register groups, padded rows); b = 37,
     * 110: the wide one (and lr_op_csr's scatter form of A^T X). */
    static const int64_t bs[4] = {7, 10, 37, 110};
    for (int q = 0; q < 8; q++) {
        int trans = q & 1;
        int64_t b = bs[q >> 1];
        int64_t in = trans ? t.m : t.n, out = trans ? t.n : t.m;
        double *Xd = malloc(8 * in * b), *Yd = malloc(8 * out * b);
        for (int64_t i = 0; i < in * b; i++) Xd[i] = tu_randn(&g);
        lr_mat X, Y, Y1;
        /* X with a leading dimension larger than its rows. */
        lr_mat Xbig;
        CHECK_OK(ctx, lr_mat_alloc(ctx, dt, in + 3, b, &Xbig));
        X = lr_mat_block(&Xbig, 0, 0, in, b);
        for (int64_t j = 0; j < b; j++)
            for (int64_t i = 0; i < in; i++) lr_mat_set(&X, i, j, Xd[i + j * in]);
        /* The reference multiplies the values X actually holds. */
        for (int64_t j = 0; j < b; j++)
            for (int64_t i = 0; i < in; i++) Xd[i + j * in] = lr_mat_get(&X, i, j);
        cblas_dgemm(CblasColMajor, trans ? CblasTrans : CblasNoTrans, CblasNoTrans, (int)out,
                    (int)b, (int)in, 1.0, t.D, (int)t.m, Xd, (int)in, 0.0, Yd, (int)out);
        CHECK_OK(ctx, lr_mat_alloc(ctx, dt, out, b, &Y));
        CHECK_OK(ctx, lr_mat_alloc(ctx, dt, out, b, &Y1));
        lr_ctx_set_threads(ctx, 2);
        CHECK_OK(ctx, lr_csr_mm(ctx, trans, &a, &X, &Y));
        lr_ctx_set_threads(ctx, 1);
        CHECK_OK(ctx, lr_csr_mm(ctx, trans, &a, &X, &Y1));
        lr_ctx_set_threads(ctx, 0);
        double scale = 0;
        for (int64_t i = 0; i < out * b; i++) scale = fmax(scale, fabs(Yd[i]));
        double e = maxdiff_dense(&Y, Yd);
        CHECK(e <= (dt == LR_F32 ? 1e-5 : 1e-13) * scale, "%s mm trans=%d b=%lld differs by %g",
              lr_dtype_name(dt), trans, (long long)b, e);
        CHECK(memcmp(Y.data, Y1.data, (size_t)(out * b) * lr_dtype_size(dt)) == 0,
              "1 vs 2 threads differ (trans=%d)", trans);
        if (trans) { /* the operator: A^T X scattered from A's rows when X is wide */
            lr_op *op = NULL;
            lr_mat Y2;
            CHECK_OK(ctx, lr_mat_alloc(ctx, dt, out, b, &Y2));
            CHECK_OK(ctx, lr_op_csr(ctx, &a, &op));
            for (int nt = 1; nt <= 2 && op; nt++) {
                lr_mat *Yo = nt == 1 ? &Y1 : &Y2;
                lr_ctx_set_threads(ctx, nt);
                for (int64_t i = 0; i < out * b; i++) lr_mat_set(Yo, i % out, i / out, -7.0);
                CHECK_OK(ctx, lr_op_apply(ctx, op, 1, &X, Yo));
                double eo = maxdiff_dense(Yo, Yd);
                CHECK(eo <= (dt == LR_F32 ? 1e-5 : 1e-13) * scale, "%s operator A^T X, b=%lld, "
                      "%d thread(s): differs by %g", lr_dtype_name(dt), (long long)b, nt, eo);
            }
            CHECK(memcmp(Y1.data, Y2.data, (size_t)(out * b) * lr_dtype_size(dt)) == 0,
                  "%s operator A^T X, b=%lld: 1 vs 2 threads differ", lr_dtype_name(dt),
                  (long long)b);
            lr_ctx_set_threads(ctx, 0);
            lr_op_destroy(op);
            lr_mat_free(ctx, &Y2);
        }
        lr_mat Ybad;
        CHECK_OK(ctx, lr_mat_alloc(ctx, dt, out + 1, b, &Ybad));
        CHECK(lr_csr_mm(ctx, trans, &a, &X, &Ybad) == LR_ERR_ARG, "shape mismatch accepted");
        lr_mat_free(ctx, &Ybad), lr_mat_free(ctx, &Xbig), lr_mat_free(ctx, &Y);
        lr_mat_free(ctx, &Y1);
        free(Xd), free(Yd);
    }
    lr_csr_free(ctx, &a);
    free_trip(&t);
}

/* A sparse matrix of exact rank r: sum of r outer products of sparse
 * non-negative-free random vectors; plus the reference singular values. */
static void test_svd(lr_ctx *ctx, lr_dtype dt)
{
    int64_t m = 400, n = 260, r = 6;
    tu_rng g = {1234};
    int64_t cap = 0;
    int64_t *ri = malloc(8 * m * n), *ci = malloc(8 * m * n);
    double *v = malloc(8 * m * n), *D = calloc((size_t)(m * n), 8);
    for (int64_t q = 0; q < r; q++) {
        /* Supports of about 15% of rows and columns. */
        double *u = calloc(m, 8), *w = calloc(n, 8);
        for (int64_t i = 0; i < m; i++) if (tu_rand01(&g) < 0.15) u[i] = tu_randn(&g) * (r - q);
        for (int64_t j = 0; j < n; j++) if (tu_rand01(&g) < 0.15) w[j] = tu_randn(&g);
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++)
                if (u[i] != 0 && w[j] != 0) D[i + j * m] += u[i] * w[j];
        free(u), free(w);
    }
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++)
            if (D[i + j * m] != 0) ri[cap] = i, ci[cap] = j, v[cap] = D[i + j * m], cap++;
    lr_csr a;
    CHECK_OK(ctx, lr_csr_from_triplets(ctx, dt, m, n, cap, ri, ci, v, &a));
    /* Reference: LAPACK on the dense matrix built from the values stored. */
    lr_mat Dm;
    CHECK_OK(ctx, lr_csr_to_dense(ctx, &a, &Dm));
    double *W = malloc(8 * m * n), *sv = malloc(8 * n);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) W[i + j * m] = lr_mat_get(&Dm, i, j);
    int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', (int)m, (int)n, W, (int)m, sv, NULL, 1,
                              NULL, 1);
    CHECK(info == 0, "reference SVD");
    CHECK(sv[r - 1] > 1e-3 * sv[0] && sv[r] < (dt == LR_F32 ? 1e-6 : 1e-10) * sv[0], "planted rank %lld: %g %g %g",
          (long long)r, sv[0], sv[r - 1], sv[r]);
    lr_op *op;
    CHECK_OK(ctx, lr_op_csr(ctx, &a, &op));
    double tol = dt == LR_F32 ? 2e-5 : 1e-10;
    for (int method = 0; method < 3; method++) {
        lr_svd_opts o;
        lr_svd_opts_default(&o);
        o.k = r;
        o.seed = 3;
        if (method == 1) o.method = LR_SVD_KRYLOV;
        if (method == 2) o.tol = 1e-4, o.block = 4;
        lr_svd *s1 = NULL, *s2 = NULL;
        lr_ctx_set_threads(ctx, 1);
        CHECK_OK(ctx, lr_svd_compute(ctx, op, &o, &s1));
        lr_ctx_set_threads(ctx, 2);
        CHECK_OK(ctx, lr_svd_compute(ctx, op, &o, &s2));
        lr_ctx_set_threads(ctx, 0);
        if (!s1 || !s2) continue;
        CHECK(lr_svd_rank(s1) >= r, "method %d rank %lld", method, (long long)lr_svd_rank(s1));
        for (int64_t i = 0; i < r && i < lr_svd_rank(s1); i++)
            CHECK(fabs(lr_svd_s(s1)[i] - sv[i]) <= tol * sv[0], "method %d sigma_%lld %.12g vs "
                  "LAPACK %.12g", method, (long long)i, lr_svd_s(s1)[i], sv[i]);
        lr_mat U1 = lr_svd_u(s1), U2 = lr_svd_u(s2);
        CHECK(lr_svd_rank(s1) == lr_svd_rank(s2) &&
              memcmp(U1.data, U2.data, (size_t)(U1.rows * U1.cols) * lr_dtype_size(dt)) == 0,
              "method %d: 1 vs 2 threads differ", method);
        lr_svd_destroy(s1), lr_svd_destroy(s2);
    }
    /* The exact method needs a dense matrix: refused with a message. */
    lr_svd_opts o;
    lr_svd_opts_default(&o);
    o.method = LR_SVD_EXACT;
    o.k = r;
    lr_svd *s = NULL;
    CHECK(lr_svd_compute(ctx, op, &o, &s) == LR_ERR_ARG && !s, "exact on sparse accepted");
    lr_op_destroy(op);
    lr_mat_free(ctx, &Dm);
    lr_csr_free(ctx, &a);
    free(ri), free(ci), free(v), free(D), free(W), free(sv);
}

/* An allocator that records the largest request (64-byte aligned). */
static size_t largest;
static void *count_malloc(void *u, size_t n)
{
    (void)u;
    if (n > largest) largest = n;
    void *p = NULL;
    return posix_memalign(&p, 64, n ? n : 1) ? NULL : p;
}
static void count_free(void *u, void *p) { (void)u, free(p); }

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* Matrix Market: round trip, symmetric and pattern files against their
 * hand-expanded contents, and refusals naming file and line. */
static void test_mtx(lr_ctx *ctx)
{
    char path[512], path2[512];
    const char *dir = tu_tmpdir();
    trip t = make_trip(29, 17, 0.2, 21);
    lr_csr a, b;
    CHECK_OK(ctx, lr_csr_from_triplets(ctx, LR_F64, t.m, t.n, t.nt, t.ri, t.ci, t.v, &a));
    snprintf(path, sizeof path, "%s/a.mtx", dir);
    CHECK_OK(ctx, lr_mtx_write(ctx, path, &a));
    CHECK_OK(ctx, lr_mtx_read(ctx, path, LR_F64, &b));
    CHECK(b.rows == a.rows && b.cols == a.cols && b.nnz == a.nnz, "round trip shape");
    if (b.nnz == a.nnz) {
        CHECK(memcmp(a.indptr, b.indptr, 8 * (a.rows + 1)) == 0 &&
              memcmp(a.indices, b.indices, 8 * a.nnz) == 0 &&
              memcmp(a.values, b.values, 8 * a.nnz) == 0, "round trip values not exact");
    }
    lr_csr_free(ctx, &b);
    /* f32 reading of the same file. */
    CHECK_OK(ctx, lr_mtx_read(ctx, path, LR_F32, &b));
    lr_mat Db;
    CHECK_OK(ctx, lr_csr_to_dense(ctx, &b, &Db));
    CHECK(maxdiff_dense(&Db, t.D) <= 1e-5, "f32 read");
    lr_mat_free(ctx, &Db);
    lr_csr_free(ctx, &b);

    /* symmetric: the lower triangle is stored, the upper mirrored. */
    snprintf(path2, sizeof path2, "%s/sym.mtx", dir);
    write_file(path2, "%%MatrixMarket matrix coordinate real symmetric\n% comment\n\n"
                      "3 3 3\n1 1 2.5\n3 1 -1\n3 2 4e0\n");
    CHECK_OK(ctx, lr_mtx_read(ctx, path2, LR_F64, &b));
    double symref[9] = {2.5, 0, -1, 0, 0, 4, -1, 4, 0};
    CHECK_OK(ctx, lr_csr_to_dense(ctx, &b, &Db));
    CHECK(b.nnz == 5 && maxdiff_dense(&Db, symref) == 0, "symmetric expansion (nnz %lld)",
          (long long)b.nnz);
    lr_mat_free(ctx, &Db), lr_csr_free(ctx, &b);
    /* pattern and integer */
    write_file(path2, "%%MatrixMarket matrix coordinate pattern general\n2 3 2\n1 3\n2 1\n");
    CHECK_OK(ctx, lr_mtx_read(ctx, path2, LR_F64, &b));
    double patref[6] = {0, 1, 0, 0, 1, 0};
    CHECK_OK(ctx, lr_csr_to_dense(ctx, &b, &Db));
    CHECK(b.nnz == 2 && maxdiff_dense(&Db, patref) == 0, "pattern");
    lr_mat_free(ctx, &Db), lr_csr_free(ctx, &b);
    write_file(path2, "%%MatrixMarket matrix coordinate integer general\n2 2 1\n2 2 -7\n");
    CHECK_OK(ctx, lr_mtx_read(ctx, path2, LR_F64, &b));
    CHECK(b.nnz == 1 && ((double *)b.values)[0] == -7 && b.indices[0] == 1, "integer");
    lr_csr_free(ctx, &b);
    /* array real (column-major) */
    write_file(path2, "%%MatrixMarket matrix array real general\n2 2\n1\n0\n3\n4\n");
    CHECK_OK(ctx, lr_mtx_read(ctx, path2, LR_F64, &b));
    double arref[4] = {1, 0, 3, 4};
    CHECK_OK(ctx, lr_csr_to_dense(ctx, &b, &Db));
    CHECK(b.nnz == 3 && maxdiff_dense(&Db, arref) == 0, "array");
    lr_mat_free(ctx, &Db), lr_csr_free(ctx, &b);

    struct { const char *text, *want; } bad[] = {
        {"", "empty"},
        {"hello\n1 1 1\n", "line 1"},
        {"%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n", "complex"},
        {"%%MatrixMarket matrix coordinate real hermitian\n1 1 1\n1 1 1\n", "hermitian"},
        {"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n", "2 entries"},
        {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 2\n", "line 4"},
        {"%%MatrixMarket matrix coordinate real general\n2 2 1\n3 1 1\n", "line 3"},
        {"%%MatrixMarket matrix coordinate real general\n2 2 1\n0 1 1\n", "line 3"},
        {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 nan\n", "line 3"},
        {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1\n", "line 3"},
        {"%%MatrixMarket matrix coordinate real general\n2 x 1\n", "line 2"},
        {"%%MatrixMarket matrix coordinate real general\n"
         "4000000000 4000000000 9000000000000000\n", "memory"},
        {"%%MatrixMarket matrix coordinate real symmetric\n2 3 1\n1 1 1\n", "square"},
        {"%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1 5\n", "line 3"},
    };
    /* Declared sizes are compared with what this machine has (the budget the
     * CLI uses by default; the library's own default is no limit). */
    lr_ctx_set_mem_limit(ctx, LR_MEM_AVAILABLE);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_file(path2, bad[i].text);
        lr_status st = lr_mtx_read(ctx, path2, LR_F64, &b);
        CHECK(st == LR_ERR_FORMAT || st == LR_ERR_DATA ||
              (st == LR_ERR_NOMEM && lr_ctx_mem_refused(ctx)),
              "bad file %zu accepted (%s)", i, lr_status_str(st));
        if (!strcmp(bad[i].want, "memory"))
            CHECK(st == LR_ERR_NOMEM && lr_ctx_mem_refused(ctx),
                  "over-budget header: %s, want a refusal (LR_ERR_NOMEM)", lr_status_str(st));
        CHECK(strstr(lr_ctx_errmsg(ctx), "sym.mtx") && strstr(lr_ctx_errmsg(ctx), bad[i].want),
              "bad file %zu: message '%s' should name the file and '%s'", i,
              lr_ctx_errmsg(ctx), bad[i].want);
        CHECK(b.indptr == NULL, "bad file %zu: output not empty", i);
    }
    /* A header declaring 10^7 entries (passes the memory check: ~0.8 GB)
     * with one line: refused as truncated without allocating for 10^7. */
    write_file(path2, "%%MatrixMarket matrix coordinate real general\n"
                      "100000 100000 10000000\n1 1 1\n");
    lr_ctx *cc = lr_ctx_create();
    lr_allocator al = {count_malloc, count_free, NULL};
    lr_ctx_set_allocator(cc, &al);
    largest = 0;
    CHECK(lr_mtx_read(cc, path2, LR_F64, &b) == LR_ERR_FORMAT, "short file accepted");
    CHECK(strstr(lr_ctx_errmsg(cc), "ends after 1") != NULL, "message: %s", lr_ctx_errmsg(cc));
    CHECK(largest < ((size_t)1 << 20), "largest allocation %zu bytes for a 1-entry file",
          largest);
    lr_ctx_destroy(cc);
    /* A declared size over the memory limit is a refusal under the budget,
     * as npy/png readers give it: LR_ERR_NOMEM, marked refused, not DATA. */
    write_file(path2, "%%MatrixMarket matrix coordinate real general\n"
                      "100000 100000 10000000\n1 1 1\n");
    cc = lr_ctx_create();
    lr_ctx_set_mem_limit(cc, (int64_t)1 << 20);
    lr_status st = lr_mtx_read(cc, path2, LR_F64, &b);
    CHECK(st == LR_ERR_NOMEM && lr_ctx_mem_refused(cc),
          "declared size over a 1 MiB limit: %s (refused %d)", lr_status_str(st),
          lr_ctx_mem_refused(cc));
    CHECK(strstr(lr_ctx_errmsg(cc), "sym.mtx") != NULL, "message: %s", lr_ctx_errmsg(cc));
    CHECK(b.indptr == NULL && b.nnz == 0, "refused read left a matrix");
    lr_ctx_destroy(cc);
    snprintf(path2, sizeof path2, "%s/missing.mtx", dir);
    CHECK(lr_mtx_read(ctx, path2, LR_F64, &b) == LR_ERR_IO, "missing file");
    /* A failed write leaves no file. */
    snprintf(path2, sizeof path2, "%s/nodir/x.mtx", dir);
    CHECK(lr_mtx_write(ctx, path2, &a) == LR_ERR_IO, "write into a missing folder");
    lr_csr_free(ctx, &a);
    free_trip(&t);
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    test_structure(ctx, LR_F64);
    test_structure(ctx, LR_F32);
    test_mm(ctx, LR_F64);
    test_mm(ctx, LR_F32);
    test_svd(ctx, LR_F64);
    test_svd(ctx, LR_F32);
    test_mtx(ctx);
    lr_ctx_destroy(ctx);
    return tu_done("test_sparse");
}
