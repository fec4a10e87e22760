/* rpca_kern.c -- instantiates rpca_kern_impl.h for float and double. */
#include <cblas.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "rpca_internal.h"

/* Per-CPU builds of the elementwise bodies, picked at load time (as the
 * SVD's fused kernel does); not under sanitizers (ifuncs upset them). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define RPCA_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define RPCA_CLONES
#endif

int rpca__blas_single(void)
{
    int saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
    return saved;
}

void rpca__blas_restore(int saved) { openblas_set_num_threads(saved); }

size_t rpca__gram_defl_floats(int64_t tile_r, int64_t n)
{
    return rpca__r16((size_t)tile_r * (size_t)n) + rpca__r16((size_t)n * (size_t)n) +
           rpca__r16(2 * (size_t)tile_r);
}

int64_t rpca__ntiles(int64_t m, int64_t n, int64_t tile_r, int64_t tile_c)
{
    return ((m + tile_r - 1) / tile_r) * ((n + tile_c - 1) / tile_c);
}

#define R float
#define RT LR_F32
#define FN(x) x##_f32
#include "rpca_kern_impl.h"
#undef R
#undef RT
#undef FN

#define R double
#define RT LR_F64
#define FN(x) x##_f64
#include "rpca_kern_impl.h"
#undef R
#undef RT
#undef FN

/* Deflated float32 Gram matrix (rpca_internal.h).  Per panel P (mr x n):
 *   z = P u (double),  R = fl32(P - z u^T),  R^T R by ssyrk (float, one
 *   panel at a time, added into the group's double partial),
 *   c += R^T z, zz += z^T z, rr += ||R||_F^2 (double).
 * Since P = R + z u^T exactly up to R's rounding, P^T P = R^T R + c u^T +
 * u c^T + zz u u^T. */
/* One panel of the deflated Gram: z = P u, R = fl32(P - z u^T), c += R^T z,
 * zz += z^T z, rr += ||R||_F^2 (double). */
static RPCA_CLONES void defl_panel(const float *P, int64_t ldt, int64_t mr, int64_t n,
                                   const double *u, double *z, float *R, double *c, double *zz,
                                   double *rr)
{
    for (int64_t i = 0; i < mr; i++) z[i] = 0;
    for (int64_t j = 0; j < n; j++) {
        const float *pc = P + j * ldt;
        const double uj = u[j];
#pragma omp simd
        for (int64_t i = 0; i < mr; i++) z[i] += (double)pc[i] * uj;
    }
    double r2 = 0, z2 = 0;
    for (int64_t j = 0; j < n; j++) {
        const float *pc = P + j * ldt;
        float *rc = R + j * mr;
        const double uj = u[j];
        double cj = 0, rj = 0;
#pragma omp simd reduction(+ : cj, rj)
        for (int64_t i = 0; i < mr; i++) {
            float rv = (float)((double)pc[i] - z[i] * uj);
            rc[i] = rv;
            cj += (double)rv * z[i];
            rj += (double)rv * (double)rv;
        }
        c[j] += cj;
        r2 += rj;
    }
#pragma omp simd reduction(+ : z2)
    for (int64_t i = 0; i < mr; i++) z2 += z[i] * z[i];
    *zz += z2, *rr += r2;
}

/* Gp += Gf on the upper triangle (n x n, ld n); Gp = Gf when first. */
static RPCA_CLONES void add_upper(double *Gp, const float *Gf, int64_t n, int first)
{
    for (int64_t j = 0; j < n; j++) {
        double *gc = Gp + j * n;
        const float *fc = Gf + j * n;
        if (first) {
#pragma omp simd
            for (int64_t i = 0; i <= j; i++) gc[i] = (double)fc[i];
        } else {
#pragma omp simd
            for (int64_t i = 0; i <= j; i++) gc[i] += (double)fc[i];
        }
    }
}

double rpca__gram_defl_f32(const float *T, int64_t m, int64_t n, int64_t ldt, int64_t tile_r,
                           int ngroups, int nth, const double *u, double *parts,
                           double *cparts, float *fbuf, double *G)
{
    const int64_t np = (m + tile_r - 1) / tile_r;
    const size_t nn = (size_t)n * (size_t)n, rn = rpca__r16((size_t)tile_r * (size_t)n);
    const size_t per = rpca__gram_defl_floats(tile_r, n);
    const int blas = rpca__blas_single();
    /* Groups handed out one at a time (see rpca__gram in rpca_internal.h). */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nth)
    for (int g = 0; g < ngroups; g++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        double *Gp = parts + (size_t)g * nn, *c = cparts + (size_t)g * (size_t)(n + 2);
        float *R = fbuf + (size_t)tid * per, *Gf = R + rn;
        double *z = (double *)(void *)(Gf + rpca__r16(nn)); /* tile_r doubles */
        memset(c, 0, sizeof(double) * (size_t)(n + 2));
        double zz = 0, rr = 0;
        for (int64_t pn = g; pn < np; pn += ngroups) {
            int64_t i0 = pn * tile_r, mr = LR_MIN(tile_r, m - i0);
            defl_panel(T + i0, ldt, mr, n, u, z, R, c, &zz, &rr);
            cblas_ssyrk(CblasColMajor, CblasUpper, CblasTrans, (int)n, (int)mr, 1.0f, R, (int)mr,
                        0.0f, Gf, (int)n);
            add_upper(Gp, Gf, n, pn == g);
        }
        if (g >= np) memset(Gp, 0, sizeof(double) * nn); /* a group without panels */
        c[n] = zz, c[n + 1] = rr;
    }
    rpca__blas_restore(blas);
    double zz = 0, rr = 0;
    for (int g = 0; g < ngroups; g++) {
        zz += cparts[(size_t)g * (size_t)(n + 2) + n];
        rr += cparts[(size_t)g * (size_t)(n + 2) + n + 1];
    }
    for (int64_t j = 0; j < n; j++) {
        double cj = 0;
        for (int g = 0; g < ngroups; g++) cj += cparts[(size_t)g * (size_t)(n + 2) + j];
        cparts[j] = cj; /* group 0's slot now holds the total c (read below) */
    }
    /* Column by column in parallel; each entry sums the groups in order. */
#pragma omp parallel for schedule(dynamic, 16) num_threads(nth)
    for (int64_t j = 0; j < n; j++) {
        double *gc = G + j * n;
        memcpy(gc, parts + j * n, sizeof(double) * (size_t)(j + 1));
        for (int g = 1; g < ngroups; g++) {
            const double *pc = parts + (size_t)g * nn + j * n;
            for (int64_t i = 0; i <= j; i++) gc[i] += pc[i];
        }
        const double cj = cparts[j], uj = u[j];
        for (int64_t i = 0; i <= j; i++) gc[i] += cparts[i] * uj + u[i] * cj + zz * u[i] * uj;
    }
    return rr;
}
