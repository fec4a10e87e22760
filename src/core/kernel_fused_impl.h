/* kernel_fused_impl.h -- the fused panel kernel, written once and included
 * by kernel_fused.c for float and for double (KF_T, KF_V, KF_NAME).
 *
 * For a panel of P rows of B, element Bp(i,j) at Ap[i*si + j*sj]:
 *   step 1  Ypr (P x lp, row-major)  = Bp Z     with Zt = Z^T (C x lp, row-major)
 *   step 2  Wt  (C x lp, row-major) += Bp^T Ypr
 * Both steps broadcast one element of Bp and multiply it into NV vectors of
 * outputs, with register tiles of IB rows x NV vectors (IB chosen so the
 * tile fills most of the 32 AVX-512 registers): no packing; the panel is
 * read from memory once (step 1) and again from cache (step 2). */

#define KF_VL ((int64_t)(64 / sizeof(KF_T)))

/* One instance per NV (vectors per tile) with its IB (rows per tile). */
#define KF_STEPS(NV, IB)                                                              \
    static inline __attribute__((always_inline)) void KF_NAME(step1_##NV)(             \
        const KF_T *Ap, int64_t si, int64_t sj, int64_t P, int64_t C, const KF_T *Zt,  \
        int64_t lp, int64_t v0, KF_T *Ypr)                                             \
    {                                                                                  \
        int64_t i = 0;                                                                 \
        for (; i + IB <= P; i += IB) {                                                 \
            KF_V acc[IB][NV];                                                          \
            memset(acc, 0, sizeof acc);                                                \
            for (int64_t j = 0; j < C; j++) {                                          \
                const KF_T *a = Ap + i * si + j * sj;                                  \
                const KF_V *z = (const KF_V *)(Zt + j * lp) + v0;                      \
                for (int r = 0; r < IB; r++) {                                         \
                    KF_T s = a[r * si];                                                \
                    for (int v = 0; v < NV; v++) acc[r][v] += s * z[v];                \
                }                                                                      \
            }                                                                          \
            for (int r = 0; r < IB; r++)                                               \
                for (int v = 0; v < NV; v++) ((KF_V *)(Ypr + (i + r) * lp))[v0 + v] = acc[r][v]; \
        }                                                                              \
        for (; i < P; i++) {                                                           \
            KF_V acc[NV];                                                              \
            memset(acc, 0, sizeof acc);                                                \
            for (int64_t j = 0; j < C; j++) {                                          \
                KF_T s = Ap[i * si + j * sj];                                          \
                const KF_V *z = (const KF_V *)(Zt + j * lp) + v0;                      \
                for (int v = 0; v < NV; v++) acc[v] += s * z[v];                       \
            }                                                                          \
            for (int v = 0; v < NV; v++) ((KF_V *)(Ypr + i * lp))[v0 + v] = acc[v];    \
        }                                                                              \
    }                                                                                  \
    static inline __attribute__((always_inline)) void KF_NAME(step2_##NV)(             \
        const KF_T *Ap, int64_t si, int64_t sj, int64_t P, int64_t C, const KF_T *Ypr, \
        int64_t lp, int64_t v0, KF_T *Wt)                                              \
    {                                                                                  \
        int64_t j = 0;                                                                 \
        for (; j + IB <= C; j += IB) {                                                 \
            KF_V acc[IB][NV];                                                          \
            memset(acc, 0, sizeof acc);                                                \
            for (int64_t i = 0; i < P; i++) {                                          \
                const KF_T *a = Ap + i * si + j * sj;                                  \
                const KF_V *y = (const KF_V *)(Ypr + i * lp) + v0;                     \
                for (int r = 0; r < IB; r++) {                                         \
                    KF_T s = a[r * sj];                                                \
                    for (int v = 0; v < NV; v++) acc[r][v] += s * y[v];                \
                }                                                                      \
            }                                                                          \
            for (int r = 0; r < IB; r++)                                               \
                for (int v = 0; v < NV; v++) ((KF_V *)(Wt + (j + r) * lp))[v0 + v] += acc[r][v]; \
        }                                                                              \
        for (; j < C; j++) {                                                           \
            KF_V acc[NV];                                                              \
            memset(acc, 0, sizeof acc);                                                \
            for (int64_t i = 0; i < P; i++) {                                          \
                KF_T s = Ap[i * si + j * sj];                                          \
                const KF_V *y = (const KF_V *)(Ypr + i * lp) + v0;                     \
                for (int v = 0; v < NV; v++) acc[v] += s * y[v];                       \
            }                                                                          \
            for (int v = 0; v < NV; v++) ((KF_V *)(Wt + j * lp))[v0 + v] += acc[v];    \
        }                                                                              \
    }

#ifndef KF_IB1
#define KF_IB1 16
#define KF_IB2 12
#define KF_IB3 8
#define KF_IB4 6
#endif
KF_STEPS(1, KF_IB1)
KF_STEPS(2, KF_IB2)
KF_STEPS(3, KF_IB3)
KF_STEPS(4, KF_IB4)

KF_CLONES
void KF_NAME(panel)(const KF_T *Ap, int64_t si, int64_t sj, int64_t P, int64_t C,
                    const KF_T *Zt, int64_t lp, KF_T *Ypr, KF_T *Wt, KF_T *pack)
{
    int64_t nv = lp / KF_VL;
    /* A band of rows of a column-major matrix is C short segments far apart
     * in memory; copying them once into a contiguous buffer turns the
     * kernel's scattered first touches into streaming reads. */
    if (pack && si == 1) {
        for (int64_t j = 0; j < C; j++) {
            if (j + 8 < C) __builtin_prefetch(Ap + (j + 8) * sj + P - 1);
            memcpy(pack + j * P, Ap + j * sj, (size_t)P * sizeof(KF_T));
        }
        Ap = pack, sj = P;
    }
    /* Blocks of up to 4 vectors; step 1 of every block before any step 2
     * so that step 2 finds the panel in cache. */
    for (int64_t v0 = 0; v0 < nv; v0 += 4) {
        switch (nv - v0 >= 4 ? 4 : nv - v0) {
        case 1: KF_NAME(step1_1)(Ap, si, sj, P, C, Zt, lp, v0, Ypr); break;
        case 2: KF_NAME(step1_2)(Ap, si, sj, P, C, Zt, lp, v0, Ypr); break;
        case 3: KF_NAME(step1_3)(Ap, si, sj, P, C, Zt, lp, v0, Ypr); break;
        default: KF_NAME(step1_4)(Ap, si, sj, P, C, Zt, lp, v0, Ypr); break;
        }
    }
    for (int64_t v0 = 0; v0 < nv; v0 += 4) {
        switch (nv - v0 >= 4 ? 4 : nv - v0) {
        case 1: KF_NAME(step2_1)(Ap, si, sj, P, C, Ypr, lp, v0, Wt); break;
        case 2: KF_NAME(step2_2)(Ap, si, sj, P, C, Ypr, lp, v0, Wt); break;
        case 3: KF_NAME(step2_3)(Ap, si, sj, P, C, Ypr, lp, v0, Wt); break;
        default: KF_NAME(step2_4)(Ap, si, sj, P, C, Ypr, lp, v0, Wt); break;
        }
    }
}

#undef KF_STEPS
#undef KF_VL
