/* test_mpi_cli.c -- `mpirun -np P lowrank-mpi svd|separate` end to end on
 * this machine (OpenMPI, --oversubscribe, root allowed), P = 1, 2, 3 and a
 * run with more ranks than rows.  Nothing is skipped: without the
 * lowrank-mpi binary (MPI not found at configure time) the test fails.
 *
 * svd (each rank reads its band of the .npy: Fortran and C order):
 * U, S, Vt written by P ranks against the single-process `lowrank svd`
 * with the same seed (same algorithm, sums split differently: within
 * 1e3 u s_1 for S, 1e3 u / gap for U and Vt; u = 2^-53 or 2^-24, gap 0.3),
 * S against LAPACK's SVD computed here, and the bytes the MPI glue counted
 * against the communication model of docs/MPI.md (exact).
 * separate: robust PCA of a synthetic clip: the same iteration count, rank
 * and S support as the single-process run, residual within 1e-3 relative,
 * and the decoded background video within 2/255 (the encoder quantizes
 * L; L itself is compared to rounding level by test_rowdist). */
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "synthvid.h"
#include "testutil.h"

static const char *mpibin;
static char tmp[512];
static char out[1 << 16];

static const char *path(const char *name)
{
    static char buf[8][700];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
    return buf[k];
}

static int mpirun(int P, const char *args)
{
    /* Sanitizer builds: OpenMPI's own allocations live until exit; the
     * ranks get scripts/lsan-mpi.supp (which names no lowrank code) and
     * slow unwinding so the frames inside OpenMPI have names. */
    char lsan[1200] = "";
    const char *src = getenv("LOWRANK_SRC");
    if (getenv("LSAN_OPTIONS") && src)
        snprintf(lsan, sizeof lsan, "LSAN_OPTIONS=suppressions=%s/scripts/lsan-mpi.supp:"
                 "print_suppressions=0:fast_unwind_on_malloc=0 ", src);
    return tu_run(out, sizeof out,
                  "%sOMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                  "OMPI_MCA_mca_base_component_disable_dlclose=1 "
                  "mpirun --oversubscribe --allow-run-as-root -np %d '%s' %s", lsan, P, mpibin,
                  args);
}

static cJSON *read_json_text(const char *text)
{
    const char *b = strchr(text, '{');
    return b ? cJSON_Parse(b) : NULL;
}

static double jnum(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b) x = cJSON_GetObjectItemCaseSensitive(x, b);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static double maxdiff(lr_ctx *ctx, const char *f1, const char *f2, int *ok)
{
    lr_mat A = {0}, B = {0};
    double d = 0;
    *ok = !lr_npy_read(ctx, f1, 0, 0, &A) && !lr_npy_read(ctx, f2, 0, 0, &B) &&
          A.rows == B.rows && A.cols == B.cols;
    if (*ok)
        for (int64_t j = 0; j < A.cols; j++)
            for (int64_t i = 0; i < A.rows; i++)
                d = fmax(d, fabs(lr_mat_get(&A, i, j) - lr_mat_get(&B, i, j)));
    lr_mat_free(ctx, &A), lr_mat_free(ctx, &B);
    return d;
}

/* A C-order (row-major) float64 .npy written by hand (lr_npy_write writes
 * Fortran order): each rank then reads its band as one contiguous range. */
static void write_c_order(const char *file, const lr_mat *M)
{
    char hdr[128];
    int len = snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': "
                       "(%lld, %lld), }", (long long)M->rows, (long long)M->cols);
    int pad = (64 - (10 + len + 1) % 64) % 64;
    unsigned short hl = (unsigned short)(len + pad + 1);
    FILE *f = fopen(file, "wb");
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fwrite(&hl, 2, 1, f);
    fwrite(hdr, 1, (size_t)len, f);
    for (int i = 0; i < pad; i++) fputc(' ', f);
    fputc('\n', f);
    for (int64_t i = 0; i < M->rows; i++)
        for (int64_t j = 0; j < M->cols; j++) {
            double v = lr_mat_get(M, i, j);
            fwrite(&v, 8, 1, f);
        }
    fclose(f);
}

static int c_order_next; /* the next write_planted writes C order (f64) */

/* m x n with singular values 0.7^i; LAPACK's values into sv. */
static void write_planted(lr_ctx *ctx, const char *file, int64_t m, int64_t n, lr_dtype t,
                          double *sv)
{
    tu_rng g = {(uint64_t)(m * 1000 + n)};
    int64_t r = m < n ? m : n;
    double *U = malloc(sizeof(double) * m * r), *V = malloc(sizeof(double) * n * r), *tau = malloc(8 * r);
    for (int64_t i = 0; i < m * r; i++) U[i] = tu_randn(&g);
    for (int64_t i = 0; i < n * r; i++) V[i] = tu_randn(&g);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)m, (int)r, U, (int)m, tau);
    LAPACKE_dorgqr(LAPACK_COL_MAJOR, (int)m, (int)r, (int)r, U, (int)m, tau);
    LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)n, (int)r, V, (int)n, tau);
    LAPACKE_dorgqr(LAPACK_COL_MAJOR, (int)n, (int)r, (int)r, V, (int)n, tau);
    double *A = calloc((size_t)(m * n), sizeof(double)), *W = malloc(sizeof(double) * m * n);
    for (int64_t q = 0; q < r; q++)
        for (int64_t j = 0; j < n; j++)
            for (int64_t i = 0; i < m; i++) A[i + j * m] += U[i + q * m] * pow(0.7, (double)q) * V[j + q * n];
    lr_mat M;
    lr_mat_alloc(ctx, t, m, n, &M);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) lr_mat_set(&M, i, j, A[i + j * m]);
    if (c_order_next) write_c_order(file, &M), c_order_next = 0;
    else CHECK_OK(ctx, lr_npy_write(ctx, file, &M));
    for (int64_t j = 0; j < n; j++) /* LAPACK on what was stored */
        for (int64_t i = 0; i < m; i++) W[i + j * m] = lr_mat_get(&M, i, j);
    LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', (int)m, (int)n, W, (int)m, sv, NULL, 1, NULL, 1, tau);
    lr_mat_free(ctx, &M);
    free(U), free(V), free(tau), free(A), free(W);
}

static void check_svd(lr_ctx *ctx, const char *name, int64_t m, int64_t n, lr_dtype t, int k,
                      int nranks)
{
    double sv[512];
    char in[700], one[720], args[2048];
    snprintf(in, sizeof in, "%s", path(name));
    write_planted(ctx, in, m, n, t, sv);
    snprintf(one, sizeof one, "%s.one", in);
    int rc = tu_run(out, sizeof out, "'%s' svd '%s' -k %d -o '%s' --threads 1 --quiet",
                    tu_bin(), in, k, one);
    CHECK(rc == 0, "%s: single-process svd failed: %s", name, out);
    const double u = t == LR_F32 ? FLT_EPSILON / 2 : DBL_EPSILON / 2;
    int l = k + 10 < (m < n ? m : n) ? k + 10 : (int)(m < n ? m : n), q = 4;
    for (int P = nranks ? nranks : 1; P <= (nranks ? nranks : 3); P++) {
        char dir[720];
        snprintf(dir, sizeof dir, "%s.p%d", in, P);
        snprintf(args, sizeof args, "svd '%s' -k %d -o '%s' --threads 1 --json --quiet", in, k, dir);
        rc = mpirun(P, args);
        CHECK(rc == 0, "%s, %d ranks: lowrank-mpi svd exit %d: %s", name, P, rc, out);
        if (rc) continue;
        char f1[800], f2[800];
        int ok;
        const char *parts[3] = {"S.npy", "U.npy", "Vt.npy"};
        for (int i = 0; i < 3; i++) {
            snprintf(f1, sizeof f1, "%s/%s", one, parts[i]);
            snprintf(f2, sizeof f2, "%s/%s", dir, parts[i]);
            double d = maxdiff(ctx, f1, f2, &ok), tol = i == 0 ? 1e3 * u * sv[0] : 1e3 * u / 0.3;
            CHECK(ok && d <= tol, "%s, %d ranks: %s differs from lowrank svd by %.3g > %.3g",
                  name, P, parts[i], d, tol);
        }
        lr_mat S = {0};
        snprintf(f2, sizeof f2, "%s/S.npy", dir);
        CHECK_OK(ctx, lr_npy_read(ctx, f2, LR_F64, 0, &S));
        double dref = 0;
        for (int64_t i = 0; i < S.rows * S.cols; i++)
            dref = fmax(dref, fabs(((double *)S.data)[i] - sv[i]));
        CHECK(dref <= (t == LR_F32 ? 1e-4 : 1e-9) * sv[0], "%s, %d ranks: S differs from "
              "LAPACK by %.3g", name, P, dref);
        lr_mat_free(ctx, &S);
        /* The model of docs/MPI.md: the CLI's NaN/Inf check (1 double), 1
         * layout check, q + 1 passes (W: n x l and two scalars), 2 Gram
         * matrices (l x l), 2 sign reductions (k). */
        cJSON *j = read_json_text(out);
        double want = 8.0 * (2 + (q + 1) * (double)(n * l + 2) + 2.0 * l * l + 2.0 * k);
        double got = jnum(j, "mpi", "allreduce_bytes"), calls = jnum(j, "mpi", "allreduce_calls");
        CHECK(got == want && calls == 2 + (q + 1) + 2 + 2, "%s, %d ranks: counted %.0f bytes in "
              "%.0f reductions, model %.0f bytes in %d", name, P, got, calls, want, q + 7);
        CHECK(jnum(j, "mpi", "ranks") == P, "%s: report says %g ranks", name, jnum(j, "mpi", "ranks"));
        cJSON_Delete(j);
    }
}

static void check_separate(lr_ctx *ctx)
{
    synthvid_opts so;
    synthvid_opts_default(&so);
    so.width = 48, so.height = 36, so.frames = 50;
    synthvid v;
    CHECK_OK(ctx, synthvid_make(ctx, &so, LR_F32, &v));
    lr_video_write_opts wo;
    lr_video_write_opts_default(&wo);
    wo.crf = 12;
    const char *clip = strdup(path("clip.mp4"));
    CHECK_OK(ctx, lr_video_write(ctx, clip, &v.M, (int)so.width, (int)so.height, &wo));
    synthvid_free(ctx, &v);
    int rc = tu_run(out, sizeof out, "'%s' separate '%s' -o '%s' --threads 1 --json --quiet",
                    tu_bin(), clip, path("sep1"));
    CHECK(rc == 0, "single-process separate failed: %s", out);
    cJSON *j1 = read_json_text(out);
    const cJSON *r1 = cJSON_GetArrayItem(cJSON_GetObjectItem(j1, "results"), 0);
    lr_video_read_opts ro;
    lr_video_read_opts_default(&ro);
    lr_mat B1 = {0};
    lr_video_info info;
    char f[800];
    snprintf(f, sizeof f, "%s/background.mp4", path("sep1"));
    CHECK_OK(ctx, lr_video_read(ctx, f, &ro, &B1, &info));
    for (int P = 1; P <= 3; P++) {
        char dir[32], args[2048];
        snprintf(dir, sizeof dir, "sep-p%d", P);
        snprintf(args, sizeof args, "separate '%s' -o '%s' --threads 1 --json --quiet", clip,
                 path(dir));
        rc = mpirun(P, args);
        CHECK(rc == 0, "%d ranks: lowrank-mpi separate exit %d: %s", P, rc, out);
        if (rc) continue;
        cJSON *j = read_json_text(out);
        const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "results"), 0);
        double it1 = jnum(r1, "iterations", NULL), it = jnum(r, "iterations", NULL);
        double res1 = jnum(r1, "residual", NULL), res = jnum(r, "residual", NULL);
        CHECK(it == it1 && jnum(r, "rank", NULL) == jnum(r1, "rank", NULL),
              "%d ranks: %g iterations rank %g, single process %g, %g", P, it,
              jnum(r, "rank", NULL), it1, jnum(r1, "rank", NULL));
        CHECK(fabs(res - res1) <= 1e-3 * res1, "%d ranks: residual %.6g vs %.6g", P, res, res1);
        /* Band-wise partial sums (and the float32 Gram per band) round
         * differently from one process's, so a few entries at the shrinkage
         * threshold may land on the other side: 1e-4 of the support. */
        CHECK(fabs(jnum(r, "nonzero_fraction", NULL) - jnum(r1, "nonzero_fraction", NULL)) <= 1e-4,
              "%d ranks: S support %.6g vs %.6g", P, jnum(r, "nonzero_fraction", NULL),
              jnum(r1, "nonzero_fraction", NULL));
        CHECK(jnum(j, "mpi", "allreduce_calls") > 0, "%d ranks: no reductions counted", P);
        snprintf(f, sizeof f, "%s/background.mp4", path(dir));
        lr_mat B = {0};
        CHECK_OK(ctx, lr_video_read(ctx, f, &ro, &B, &info));
        double d = 0;
        if (B.rows == B1.rows && B.cols == B1.cols)
            for (int64_t c = 0; c < B.cols; c++)
                for (int64_t i = 0; i < B.rows; i++)
                    d = fmax(d, fabs(lr_mat_get(&B, i, c) - lr_mat_get(&B1, i, c)));
        else d = INFINITY;
        CHECK(d <= 2.0 / 255, "%d ranks: background video differs by %.3g > 2/255", P, d);
        lr_mat_free(ctx, &B);
        cJSON_Delete(j);
    }
    lr_mat_free(ctx, &B1);
    cJSON_Delete(j1);
    /* Bad input is reported once, by rank 0, with exit 2 and no output. */
    rc = mpirun(2, "separate /nonexistent/clip.mp4 -o /tmp/lowrank-mpi-never --quiet");
    CHECK(rc == 2 && strstr(out, "clip.mp4"), "missing video: exit %d: %s", rc, out);
    free((void *)clip);
}

int main(void)
{
    mpibin = getenv("LOWRANK_MPI_BIN");
    if (!mpibin || !*mpibin) {
        CHECK(0, "lowrank-mpi was not built: CMake did not find MPI; install libopenmpi-dev "
              "and openmpi-bin (scripts/deps.sh) and reconfigure");
        return tu_done("test_mpi_cli");
    }
    snprintf(tmp, sizeof tmp, "%s", tu_tmpdir());
    lr_ctx *ctx = lr_ctx_create();
    check_svd(ctx, "tall.npy", 301, 60, LR_F64, 5, 0);
    check_svd(ctx, "tall32.npy", 211, 40, LR_F32, 4, 0);
    check_svd(ctx, "wide.npy", 30, 90, LR_F64, 4, 0);
    c_order_next = 1;
    check_svd(ctx, "corder.npy", 103, 50, LR_F64, 6, 0); /* bands of a C-order file */
    check_svd(ctx, "tiny.npy", 3, 20, LR_F64, 3, 5); /* 2 of 5 ranks hold no row */
    check_separate(ctx);
    lr_ctx_destroy(ctx);
    return tu_done("test_mpi_cli");
}
