/* solve.c -- the small dense pieces of ALS: Cholesky on (k+1) x (k+1)
 * systems, rank-1 updates, per-row solves, the deterministic Gram matrix,
 * CRC-32 and the counter-based uniform numbers. */
#include <Random123/philox.h>
#include <math.h>
#include <string.h>
#include "rec_internal.h"

#define REC_CLONES __attribute__((target_clones("avx2", "default")))

int rec_chol(int d, double *A)
{
    for (int j = 0; j < d; j++) {
        double *aj = A + (size_t)j * d;
        double s = aj[j];
        for (int p = 0; p < j; p++) s -= aj[p] * aj[p];
        if (!(s > 0)) return -1;
        double l = sqrt(s);
        aj[j] = l;
        double inv = 1.0 / l;
        for (int i = j + 1; i < d; i++) {
            double *ai = A + (size_t)i * d;
            double t = ai[j];
            for (int p = 0; p < j; p++) t -= ai[p] * aj[p];
            ai[j] = t * inv;
        }
    }
    return 0;
}

void rec_chol_solve(int d, const double *L, double *b)
{
    for (int i = 0; i < d; i++) {
        const double *li = L + (size_t)i * d;
        double t = b[i];
        for (int p = 0; p < i; p++) t -= li[p] * b[p];
        b[i] = t / li[i];
    }
    for (int i = d - 1; i >= 0; i--) {
        double t = b[i];
        for (int p = i + 1; p < d; p++) t -= L[(size_t)p * d + i] * b[p];
        b[i] = t / L[(size_t)i * d + i];
    }
}

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

/* Sum over the n rows named by idx of w_j z_j z_j^T (lower triangle) and of
 * t_j z_j, with z_j = [1, y] (bias) or y, for the explicit system. */
REC_CLONES static void explicit_normal(int k, int with_bias, double mean, int64_t n,
                                       const int32_t *idx, const float *val, const float *Y,
                                       const float *ybias, double *A, double *b, double *z)
{
    int o = with_bias ? 1 : 0, d = k + o;
    if (with_bias) z[0] = 1.0;
    for (int64_t e = 0; e < n; e++) {
        const float *y = Y + (size_t)idx[e] * k;
        for (int p = 0; p < k; p++) z[o + p] = y[p];
        double t = (double)val[e] - mean - (ybias ? (double)ybias[idx[e]] : 0.0);
        for (int i = 0; i < d; i++) {
            double zi = z[i];
            double *ai = A + (size_t)i * d;
            for (int j = 0; j <= i; j++) ai[j] += zi * z[j];
            b[i] += t * zi;
        }
    }
}

int rec_solve_explicit(int k, int with_bias, double lambda, double mean, int64_t n,
                       const int32_t *idx, const float *val, const float *Y,
                       const float *ybias, double *work, float *factor, float *bias)
{
    int o = with_bias ? 1 : 0, d = k + o;
    if (n == 0 || d == 0) {
        for (int p = 0; p < k; p++) factor[p] = 0;
        if (bias) *bias = 0;
        return 0;
    }
    double *A = work, *b = A + (size_t)d * d, *z = b + d;
    memset(A, 0, sizeof(double) * ((size_t)d * d + d));
    explicit_normal(k, with_bias, mean, n, idx, val, Y, ybias, A, b, z);
    double reg = lambda * (double)n;
    for (int i = 0; i < d; i++) A[(size_t)i * d + i] += reg;
    if (rec_chol(d, A)) return -1;
    rec_chol_solve(d, A, b);
    if (with_bias) *bias = (float)b[0];
    else if (bias) *bias = 0;
    for (int p = 0; p < k; p++) factor[p] = (float)b[o + p];
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
    for (int p = 0; p < k; p++) factor[p] = (float)b[p];
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
