/* solve.c -- the small dense pieces of ALS: Cholesky on (k+1) x (k+1)
 * systems, rank-1 updates, per-row solves, the deterministic Gram matrix,
 * CRC-32 and the counter-based uniform numbers. */
#include <Random123/philox.h>
#include <math.h>
#include <string.h>
#include "rec_internal.h"

#define REC_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

/* GCC vector extensions; the helpers are inlined into the target clones. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double v4d __attribute__((vector_size(32)));
/* Macros rather than functions: no vector crosses a call boundary, so the
 * baseline clone and clang (which refuses AVX-sized vector arguments without
 * AVX enabled) compile them too. */
#define ld4(p) __extension__({ v4d v_; memcpy(&v_, (p), sizeof v_); v_; })
#define st4(p, v) __extension__({ v4d w_ = (v); memcpy((p), &w_, sizeof w_); })
#define hsum(v) __extension__({ v4d h_ = (v); (h_[0] + h_[1]) + (h_[2] + h_[3]); })

/* sum_{p<n} x[p] y[p]: four-lane partial sums, then the tail; the order is
 * fixed, so the result is the same on every thread and machine clone. */
static inline double dot(const double *x, const double *y, int n)
{
    v4d acc = {0, 0, 0, 0};
    int p = 0;
    for (; p + 4 <= n; p += 4) acc += ld4(x + p) * ld4(y + p);
    double t = hsum(acc);
    for (; p < n; p++) t += x[p] * y[p];
    return t;
}

REC_CLONES int rec_chol_ld(int d, double *A, int lda)
{
    for (int j = 0; j < d; j++) {
        double *aj = A + (size_t)j * lda;
        double s = aj[j] - dot(aj, aj, j);
        if (!(s > 0)) return -1;
        double l = sqrt(s);
        aj[j] = l;
        double inv = 1.0 / l;
        for (int i = j + 1; i < d; i++) {
            double *ai = A + (size_t)i * lda;
            ai[j] = (ai[j] - dot(ai, aj, j)) * inv;
        }
    }
    return 0;
}
int rec_chol(int d, double *A) { return rec_chol_ld(d, A, d); }

REC_CLONES void rec_chol_solve_ld(int d, const double *L, int lda, double *b)
{
    for (int i = 0; i < d; i++) {
        const double *li = L + (size_t)i * lda;
        b[i] = (b[i] - dot(li, b, i)) / li[i];
    }
    /* L^T x = y by rows of L: x_i final, then removed from x_0..x_{i-1} */
    for (int i = d - 1; i >= 0; i--) {
        const double *li = L + (size_t)i * lda;
        double xi = b[i] / li[i];
        b[i] = xi;
        for (int p = 0; p < i; p++) b[p] -= li[p] * xi;
    }
}
void rec_chol_solve(int d, const double *L, double *b) { rec_chol_solve_ld(d, L, d, b); }

REC_CLONES void rec_syr(int d, double w, const double *z, double *A)
{
    for (int i = 0; i < d; i++) {
        double a = w * z[i];
        double *ai = A + (size_t)i * d;
        for (int j = 0; j <= i; j++) ai[j] += a * z[j];
    }
}

void rec_symmetrize(int d, double *A)
{
    for (int i = 0; i < d; i++)
        for (int j = 0; j < i; j++) A[(size_t)j * d + i] = A[(size_t)i * d + j];
}

/* The explicit system, four ratings at a time: for each block of four rows
 * z_0..z_3 (z = [1, y] with a bias, or y; zero-padded to dp = d rounded up
 * to 4) A[i][i..d) += sum_q z_q[i] z_q[i..d) and b += sum_q t_q z_q, with
 * t = r - mean - ybias.  A has row stride dp and holds the UPPER triangle;
 * whole 4-blocks from the one holding the diagonal are updated (the few
 * entries left of the diagonal in that block are never read). */
REC_CLONES static void explicit_normal(int k, int with_bias, double mean, int64_t n,
                                       const int32_t *idx, const float *val, const float *Y,
                                       const float *ybias, double *A, double *b, double *Z,
                                       double *tt)
{
    double tsum = 0;
    int o = with_bias ? 1 : 0, d = k + o, dp = (d + 3) & ~3, nb = dp / 4;
    for (int64_t e0 = 0; e0 < n; e0 += 4) {
        double t[4];
        for (int q = 0; q < 4; q++) {
            double *z = Z + (size_t)q * dp;
            int64_t e = e0 + q;
            if (e >= n) {
                memset(z, 0, sizeof(double) * (size_t)dp);
                t[q] = 0;
                continue;
            }
            const float *y = Y + (size_t)idx[e] * k;
            if (with_bias) z[0] = 1.0;
            for (int p = 0; p < k; p++) z[o + p] = y[p];
            for (int p = d; p < dp; p++) z[p] = 0;
            t[q] = (double)val[e] - mean - (ybias ? (double)ybias[idx[e]] : 0.0);
            tsum += t[q] * t[q];
        }
        const double *z0 = Z, *z1 = Z + dp, *z2 = Z + 2 * dp, *z3 = Z + 3 * dp;
        for (int i = 0; i < d; i++) {
            double *ai = A + (size_t)i * dp;
            v4d c0 = {z0[i], z0[i], z0[i], z0[i]}, c1 = {z1[i], z1[i], z1[i], z1[i]};
            v4d c2 = {z2[i], z2[i], z2[i], z2[i]}, c3 = {z3[i], z3[i], z3[i], z3[i]};
            for (int j = i / 4; j < nb; j++)
                st4(ai + 4 * j, ld4(ai + 4 * j) + ((c0 * ld4(z0 + 4 * j) + c1 * ld4(z1 + 4 * j)) +
                                                   (c2 * ld4(z2 + 4 * j) + c3 * ld4(z3 + 4 * j))));
        }
        v4d t0 = {t[0], t[0], t[0], t[0]}, t1 = {t[1], t[1], t[1], t[1]};
        v4d t2 = {t[2], t[2], t[2], t[2]}, t3 = {t[3], t[3], t[3], t[3]};
        for (int j = 0; j < nb; j++)
            st4(b + 4 * j, ld4(b + 4 * j) + ((t0 * ld4(z0 + 4 * j) + t1 * ld4(z1 + 4 * j)) +
                                             (t2 * ld4(z2 + 4 * j) + t3 * ld4(z3 + 4 * j))));
    }
    *tt = tsum;
}

/* Right-looking Cholesky A = U^T U on the upper triangle of a d x d matrix
 * with row stride dp (a multiple of 4, zero padding beyond d): row updates
 * are contiguous and run over whole 4-blocks. */
REC_CLONES static int chol_upper(int d, int dp, double *A)
{
    for (int j = 0; j < d; j++) {
        double *uj = A + (size_t)j * dp;
        if (!(uj[j] > 0)) return -1;
        double l = sqrt(uj[j]), inv = 1.0 / l;
        uj[j] = l;
        for (int p = j + 1; p < dp; p++) uj[p] *= inv;
        for (int i = j + 1; i < d; i++) {
            double *ui = A + (size_t)i * dp;
            double c = uj[i];
            v4d cv = {c, c, c, c};
            for (int p = i & ~3; p < dp; p += 4) st4(ui + p, ld4(ui + p) - cv * ld4(uj + p));
        }
    }
    return 0;
}

/* U^T U x = b in place. */
REC_CLONES static void chol_upper_solve(int d, int dp, const double *A, double *b)
{
    for (int i = 0; i < d; i++) { /* U^T y = b, by rows of U */
        const double *ui = A + (size_t)i * dp;
        double yi = b[i] / ui[i];
        b[i] = yi;
        for (int p = i + 1; p < d; p++) b[p] -= yi * ui[p];
    }
    for (int i = d - 1; i >= 0; i--) { /* U x = y */
        const double *ui = A + (size_t)i * dp;
        b[i] = (b[i] - dot(ui + i + 1, b + i + 1, d - i - 1)) / ui[i];
    }
}

/* double -> float with values below float's normal range stored as 0: a
 * strongly regularised factor decays towards 0 and subnormal floats make
 * every later load of it (float -> double) take a slow microcode path. */
static inline float to_float(double v) { return fabs(v) < 1e-30 ? 0.0f : (float)v; }

/* Rows with fewer ratings than unknowns (n < d): the same solution from the
 * n x n dual system.  With R = n diag(lambda_b, lambda, ...), the primal
 * (Z^T Z + R) x = Z^T t is solved by x = R^{-1} Z^T a where
 * (Z R^{-1} Z^T + I) a = t; the row's objective part is then t.a. */
REC_CLONES static int explicit_dual(int k, int with_bias, double lambda, double lambda_b,
                                    double mean, int64_t n64, const int32_t *idx,
                                    const float *val, const float *Y, const float *ybias,
                                    double *work, double *x, double *fit)
{
    int o = with_bias ? 1 : 0, d = k + o, dp = (d + 3) & ~3, n = (int)n64, np = (n + 3) & ~3;
    double *Z = work, *Zw = Z + (size_t)n * dp, *K = Zw + (size_t)n * dp, *t = K + (size_t)n * np;
    double *w2 = t + np;
    for (int p = 0; p < dp; p++) w2[p] = p < d ? 1.0 / (lambda * (double)n) : 0.0;
    if (with_bias) w2[0] = 1.0 / (lambda_b * (double)n);
    for (int e = 0; e < n; e++) {
        double *z = Z + (size_t)e * dp, *zw = Zw + (size_t)e * dp;
        const float *y = Y + (size_t)idx[e] * k;
        if (with_bias) z[0] = 1.0;
        for (int p = 0; p < k; p++) z[o + p] = y[p];
        for (int p = d; p < dp; p++) z[p] = 0;
        for (int p = 0; p < dp; p += 4) st4(zw + p, ld4(z + p) * ld4(w2 + p));
        t[e] = (double)val[e] - mean - (ybias ? (double)ybias[idx[e]] : 0.0);
    }
    for (int a = 0; a < n; a++) {
        double *ka = K + (size_t)a * np;
        for (int b = 0; b < np; b++) ka[b] = 0;
        for (int b = a; b < n; b++) {
            v4d acc = {0, 0, 0, 0};
            const double *za = Z + (size_t)a * dp, *zb = Zw + (size_t)b * dp;
            for (int p = 0; p < dp; p += 4) acc += ld4(za + p) * ld4(zb + p);
            ka[b] = hsum(acc);
        }
        ka[a] += 1.0;
    }
    if (chol_upper(n, np, K)) return -1;
    double tt[256];
    memcpy(tt, t, sizeof(double) * (size_t)n);
    chol_upper_solve(n, np, K, t); /* t is now a */
    *fit = dot(tt, t, n);
    for (int p = 0; p < dp; p++) x[p] = 0;
    for (int e = 0; e < n; e++) {
        v4d ae = {t[e], t[e], t[e], t[e]};
        const double *zw = Zw + (size_t)e * dp;
        for (int p = 0; p < dp; p += 4) st4(x + p, ld4(x + p) + ae * ld4(zw + p));
    }
    return 0;
}

int rec_solve_explicit(int k, int with_bias, double lambda, double lambda_b, double mean, int64_t n,
                       const int32_t *idx, const float *val, const float *Y,
                       const float *ybias, double *work, float *factor, float *bias, double *fit)
{
    int o = with_bias ? 1 : 0, d = k + o, dp = (d + 3) & ~3;
    double tt = 0;
    if (n == 0 || d == 0) {
        for (int p = 0; p < k; p++) factor[p] = 0;
        if (bias) *bias = 0;
        if (fit) {
            for (int64_t e = 0; e < n; e++) {
                double t = (double)val[e] - mean - (ybias ? (double)ybias[idx[e]] : 0.0);
                tt += t * t;
            }
            *fit = tt;
        }
        return 0;
    }
    if (n < d) {
        double x[260], f;
        if (explicit_dual(k, with_bias, lambda, lambda_b, mean, n, idx, val, Y, ybias, work, x, &f))
            return -1;
        if (fit) *fit = f;
        if (with_bias) *bias = to_float(x[0]);
        else if (bias) *bias = 0;
        for (int p = 0; p < k; p++) factor[p] = to_float(x[o + p]);
        return 0;
    }
    double *A = work, *b = A + (size_t)d * dp, *Z = b + dp, *b0 = Z + 4 * (size_t)dp;
    memset(A, 0, sizeof(double) * ((size_t)d * dp + dp));
    explicit_normal(k, with_bias, mean, n, idx, val, Y, ybias, A, b, Z, &tt);
    memcpy(b0, b, sizeof(double) * (size_t)d);
    /* R = n diag(lambda_b, lambda, ...) added term by term: adding lambda n
     * everywhere and then (lambda_b - lambda) n to the bias term cancels
     * catastrophically when lambda n dwarfs the count n (A[0] = n + lambda
     * n - lambda n + lambda_b n came out <= 0: "not positive definite"). */
    for (int i = 0; i < d; i++)
        A[(size_t)i * dp + i] += (with_bias && i == 0 ? lambda_b : lambda) * (double)n;
    if (chol_upper(d, dp, A)) return -1;
    chol_upper_solve(d, dp, A, b);
    /* with (G + R) x = b0: sum (t - z.x)^2 + x^T R x = sum t^2 - x.b0 */
    if (fit) *fit = tt - dot(b, b0, d);
    if (with_bias) *bias = to_float(b[0]);
    else if (bias) *bias = 0;
    for (int p = 0; p < k; p++) factor[p] = to_float(b[o + p]);
    return 0;
}

int rec_solve_implicit_exact(int k, double lambda, double alpha, const double *YtY,
                             int64_t n, const int32_t *idx, const float *val,
                             const float *Y, double *work, float *factor)
{
    double *A = work, *b = A + (size_t)k * k, *z = b + k;
    memcpy(A, YtY, sizeof(double) * (size_t)k * k);
    memset(b, 0, sizeof(double) * (size_t)k);
    for (int i = 0; i < k; i++) A[(size_t)i * k + i] += lambda;
    for (int64_t e = 0; e < n; e++) {
        const float *y = Y + (size_t)idx[e] * k;
        for (int p = 0; p < k; p++) z[p] = y[p];
        double c = 1.0 + alpha * (double)val[e];
        rec_syr(k, c - 1.0, z, A);
        for (int p = 0; p < k; p++) b[p] += c * z[p];
    }
    if (rec_chol(k, A)) return -1;
    rec_chol_solve(k, A, b);
    for (int p = 0; p < k; p++) factor[p] = to_float(b[p]);
    return 0;
}

#define GRAM_CHUNK 4096
lr_status rec_gram(lr_ctx *ctx, int k, int64_t rows, const float *Y, double *G)
{
    int64_t nch = (rows + GRAM_CHUNK - 1) / GRAM_CHUNK;
    size_t kk = (size_t)k * k;
    memset(G, 0, sizeof(double) * kk);
    if (nch == 0 || k == 0) return LR_OK;
    double *part = lr__calloc(ctx, (size_t)nch * kk + 1, sizeof(double), "Gram partial sums");
    if (!part) return LR_ERR_NOMEM;
#pragma omp parallel num_threads(lr__threads(ctx))
    {
        double z[256];
#pragma omp for schedule(static)
        for (int64_t c = 0; c < nch; c++) {
            double *Gc = part + (size_t)c * kk;
            int64_t r1 = LR_MIN(rows, (c + 1) * GRAM_CHUNK);
            for (int64_t r = c * GRAM_CHUNK; r < r1; r++) {
                for (int p = 0; p < k; p++) z[p] = Y[(size_t)r * k + p];
                rec_syr(k, 1.0, z, Gc);
            }
        }
    }
    for (int64_t c = 0; c < nch; c++)
        for (size_t e = 0; e < kk; e++) G[e] += part[(size_t)c * kk + e];
    rec_symmetrize(k, G);
    lr__free(ctx, part);
    return LR_OK;
}

uint32_t rec_crc32(uint32_t crc, const void *p, size_t n)
{
    static uint32_t table[256];
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        uint32_t t[256];
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int j = 0; j < 8; j++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        memcpy(table, t, sizeof t);
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    const unsigned char *b = p;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

double rec_u01(uint64_t seed, uint64_t stream, uint64_t index)
{
    philox4x32_key_t key = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
    philox4x32_ctr_t ctr = {{(uint32_t)index, (uint32_t)(index >> 32), (uint32_t)stream,
                             (uint32_t)(stream >> 32)}};
    philox4x32_ctr_t r = philox4x32(ctr, key);
    uint64_t v = ((uint64_t)r.v[0] << 21) ^ (uint64_t)r.v[1];
    return (double)(v & ((1ULL << 53) - 1)) * (1.0 / 9007199254740992.0);
}
