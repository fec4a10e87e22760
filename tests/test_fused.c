/* test_fused.c -- the fused pass k_dense_fused (Y = B Z, W = B^T Y, one read
 * of each panel) against a plain double-precision product, for sketch widths
 * that exercise every branch of the kernels: widths that fill whole vectors
 * (the broadcast kernel), widths below one vector (lane-wise sums only), and
 * widths with one to eight whole vectors plus a remainder (broadcast part in
 * registers + lane-wise part), in float and double, for row counts that
 * leave short panels and short chunks, with A^T as B (at = 1) too.  Also
 * ||A||_F^2 and 1 vs 2 threads bit-identical. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "kernel.h"
#include "testutil.h"

static void fill(lr_mat *m, tu_rng *g)
{
    for (int64_t j = 0; j < m->cols; j++)
        for (int64_t i = 0; i < m->rows; i++) lr_mat_set(m, i, j, tu_randn(g));
}

/* Largest |X - ref| / (|ref|_max of that column + tiny). */
static double col_err(const lr_mat *X, const double *ref, int64_t rows, int64_t cols)
{
    double worst = 0;
    for (int64_t j = 0; j < cols; j++) {
        double scale = 1e-300;
        for (int64_t i = 0; i < rows; i++) scale = fmax(scale, fabs(ref[i + j * rows]));
        for (int64_t i = 0; i < rows; i++)
            worst = fmax(worst, fabs(lr_mat_get(X, i, j) - ref[i + j * rows]) / scale);
    }
    return worst;
}

static void check_one(lr_dtype t, int64_t m, int64_t n, int at, int64_t l)
{
    tu_rng g = {0x5eed + (uint64_t)(m * 131 + n * 7 + l + at)};
    int64_t R = at ? n : m, C = at ? m : n; /* B = A or A^T: R x C */
    lr_ctx *ctx[2] = {lr_ctx_create(), lr_ctx_create()};
    lr_ctx_set_threads(ctx[0], 1);
    lr_ctx_set_threads(ctx[1], 2);
    lr_mat A = {0}, Z = {0}, Y[2] = {{0}}, W[2] = {{0}};
    CHECK_OK(ctx[0], lr_mat_alloc(ctx[0], t, m, n, &A));
    CHECK_OK(ctx[0], lr_mat_alloc(ctx[0], t, C, l, &Z));
    fill(&A, &g), fill(&Z, &g);
    double f2[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        CHECK_OK(ctx[k], lr_mat_alloc(ctx[k], t, R, l, &Y[k]));
        CHECK_OK(ctx[k], lr_mat_alloc(ctx[k], t, C, l, &W[k]));
        CHECK_OK(ctx[k], k_dense_fused(ctx[k], &A, at, &Z, &Y[k], &W[k], &f2[k]));
    }
    /* Reference in double from the same (rounded) inputs: Y = B Z, and
     * W = B^T Y with the kernel's own Y, so W's check does not inherit Y's
     * rounding. */
    double *yr = calloc((size_t)(R * l), sizeof(double)), *wr = calloc((size_t)(C * l), sizeof(double));
    double fr = 0;
#define B(i, j) (at ? lr_mat_get(&A, j, i) : lr_mat_get(&A, i, j))
    for (int64_t c = 0; c < l; c++)
        for (int64_t j = 0; j < C; j++) {
            double z = lr_mat_get(&Z, j, c);
            for (int64_t i = 0; i < R; i++) yr[i + c * R] += B(i, j) * z;
        }
    for (int64_t c = 0; c < l; c++)
        for (int64_t j = 0; j < C; j++) {
            double s = 0;
            for (int64_t i = 0; i < R; i++) s += B(i, j) * lr_mat_get(&Y[0], i, c);
            wr[j + c * C] = s;
        }
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) fr += lr_mat_get(&A, i, j) * lr_mat_get(&A, i, j);
#undef B
    /* Sums of C (or R) products of unit normals: error ~ eps * sqrt(terms)
     * against a column maximum ~ sqrt(terms) * 3. */
    double tol = t == LR_F32 ? 2e-5 : 5e-14;
    double ey = col_err(&Y[0], yr, R, l), ew = col_err(&W[0], wr, C, l);
    CHECK(ey < tol, "%s %lldx%lld at=%d l=%lld: Y off by %.3g", lr_dtype_name(t),
          (long long)m, (long long)n, at, (long long)l, ey);
    CHECK(ew < tol, "%s %lldx%lld at=%d l=%lld: W off by %.3g", lr_dtype_name(t),
          (long long)m, (long long)n, at, (long long)l, ew);
    CHECK(fabs(f2[0] - fr) <= 1e-12 * fr, "%s %lldx%lld at=%d l=%lld: ||A||_F^2 %.17g vs %.17g",
          lr_dtype_name(t), (long long)m, (long long)n, at, (long long)l, f2[0], fr);
    size_t es = lr_dtype_size(t);
    int same = f2[0] == f2[1];
    for (int64_t c = 0; c < l; c++) {
        same &= !memcmp((char *)Y[0].data + (size_t)(c * Y[0].ld) * es,
                        (char *)Y[1].data + (size_t)(c * Y[1].ld) * es, (size_t)R * es);
        same &= !memcmp((char *)W[0].data + (size_t)(c * W[0].ld) * es,
                        (char *)W[1].data + (size_t)(c * W[1].ld) * es, (size_t)C * es);
    }
    CHECK(same, "%s %lldx%lld at=%d l=%lld: 1 vs 2 threads bit-identical", lr_dtype_name(t),
          (long long)m, (long long)n, at, (long long)l);
    free(yr), free(wr);
    for (int k = 0; k < 2; k++) {
        lr_mat_free(ctx[k], &Y[k]), lr_mat_free(ctx[k], &W[k]);
    }
    lr_mat_free(ctx[0], &A), lr_mat_free(ctx[0], &Z);
    lr_ctx_destroy(ctx[0]), lr_ctx_destroy(ctx[1]);
}

int main(void)
{
    /* Widths: below one vector, whole vectors, and one to eight whole
     * vectors plus a remainder, in both element sizes. */
    static const int64_t widths[] = {1, 5, 8, 12, 15, 16, 20, 24, 33, 40, 52, 70};
    for (int ti = 0; ti < 2; ti++) {
        lr_dtype t = ti ? LR_F64 : LR_F32;
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            check_one(t, 5003, 37, 0, widths[w]); /* several chunks, short tail panels */
            check_one(t, 700, 301, 0, widths[w]); /* one panel per chunk */
        }
        check_one(t, 37, 2001, 1, 20); /* B = A^T */
        check_one(t, 17, 9, 0, 20);    /* a single short chunk */
    }
    return tu_done("test_fused");
}
