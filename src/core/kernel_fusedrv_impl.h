/* kernel_fusedrv_impl.h -- the row-vectorized fused panel kernel, written
 * once and included by kernel_fused.c for float and for double (KF_T, KF_V,
 * KF_NAME).  Used when the sketch width l is not a multiple of the vector
 * length (l = 20 in float fills only 20 of 32 lanes of two vectors in the
 * broadcast kernel of kernel_fused_impl.h).
 *
 * The panel is packed column-major, Ap (Pp x C, ld Pp), with Pp a multiple
 * of KF_RB vectors (zero rows at the end), so vectors run down the rows:
 *   step 1  Yc (Pp x l, column-major, ld Pp) = Ap Z: KF_RB row vectors times
 *           CB broadcast entries of Zt = Z^T (C x lp, row-major) per column j;
 *   step 2  W += Ap^T Yc, split by Yc's columns:
 *           - the first lb = l - l % vector length columns (whole vectors):
 *             Yc's rows are turned row-major (Yr, Pp x lb) and each column j
 *             of Ap is broadcast against them, JB columns at a time with
 *             the sums in registers for the whole panel height, then added
 *             into Wb (C x lb, row-major);
 *           - the last lr = l % vector length columns lane-wise: Ww holds
 *             one vector per (j, c) whose lanes are partial sums over rows
 *             i = lane (mod vector length), summed across lanes once per
 *             chunk (kf_rv_reduce), so no horizontal sums inside the loop.
 * Every lane is useful work, and the lane-wise buffer is C x lr vectors
 * (203 KB at C = 795, lr = 4) instead of C x l: the sums of the whole-vector
 * columns stay in registers over the panel instead of going through L2 once
 * per panel (measured: the second step 12% faster in float, 25% in double).
 * Fixed order of operations: the result depends only on the panel, never on
 * the thread that ran it. */

#define KF_VL ((int64_t)(64 / sizeof(KF_T)))

#define KF_LOADV(v, p) memcpy(&(v), (p), sizeof(KF_V))

#define KF_RV1(CB)                                                                       \
    static inline __attribute__((always_inline)) void KF_NAME(rv1_##CB)(                   \
        const KF_T *Ap, int64_t Pp, int64_t C, const KF_T *Zt, int64_t lp, int64_t c0,     \
        KF_T *Yc)                                                                          \
    {                                                                                      \
        for (int64_t i = 0; i < Pp; i += KF_RB * KF_VL) {                                  \
            KF_V acc[KF_RB][CB];                                                           \
            memset(acc, 0, sizeof acc);                                                    \
            for (int64_t j = 0; j < C; j++) {                                              \
                const KF_T *a = Ap + j * Pp + i, *z = Zt + j * lp + c0;                    \
                KF_V av[KF_RB];                                                            \
                for (int r = 0; r < KF_RB; r++) KF_LOADV(av[r], a + r * KF_VL);         \
                for (int c = 0; c < CB; c++) {                                             \
                    KF_T s = z[c];                                                         \
                    for (int r = 0; r < KF_RB; r++) acc[r][c] += av[r] * s;                \
                }                                                                          \
            }                                                                              \
            for (int c = 0; c < CB; c++)                                                   \
                for (int r = 0; r < KF_RB; r++)                                            \
                    memcpy(Yc + (c0 + c) * Pp + i + r * KF_VL, &acc[r][c], sizeof(KF_V)); \
        }                                                                                  \
    }

/* Step 2, lane-wise, for columns j..j+JB of the panel and c0..c0+CB of Yc
 * (ld Pp); Ww has l vectors per column of the panel. */
#define KF_RV2(JB, CB)                                                                   \
    static inline __attribute__((always_inline)) void KF_NAME(rv2_##JB##_##CB)(            \
        const KF_T *Ap, int64_t Pp, int64_t j, const KF_T *Yc, int64_t l, int64_t c0,      \
        KF_V *Ww)                                                                          \
    {                                                                                      \
        KF_V acc[JB][CB];                                                                  \
        for (int r = 0; r < JB; r++)                                                       \
            for (int c = 0; c < CB; c++) acc[r][c] = Ww[(j + r) * l + c0 + c];             \
        for (int64_t i = 0; i < Pp; i += KF_VL) {                                          \
            KF_V av[JB], yv[CB];                                                           \
            for (int r = 0; r < JB; r++) KF_LOADV(av[r], Ap + (j + r) * Pp + i);           \
            for (int c = 0; c < CB; c++) KF_LOADV(yv[c], Yc + (c0 + c) * Pp + i);          \
            for (int r = 0; r < JB; r++)                                                   \
                for (int c = 0; c < CB; c++) acc[r][c] += av[r] * yv[c];                   \
        }                                                                                  \
        for (int r = 0; r < JB; r++)                                                       \
            for (int c = 0; c < CB; c++) Ww[(j + r) * l + c0 + c] = acc[r][c];             \
    }

/* Step 2, broadcast form, for columns j..j+JB of the panel and NV vectors of
 * Yr (Pp x ldr, row-major, from column v0): the sums over the whole panel
 * height stay in registers and are added into Wb (rows of ldr) at the end. */
#define KF_BC(JB, NV)                                                                    \
    static inline __attribute__((always_inline)) void KF_NAME(bc_##JB##_##NV)(              \
        const KF_T *Ap, int64_t Pp, int64_t j, const KF_T *Yr, int64_t ldr, int64_t v0,    \
        KF_T *Wb)                                                                          \
    {                                                                                      \
        KF_V acc[JB][NV];                                                                  \
        memset(acc, 0, sizeof acc);                                                        \
        for (int64_t i = 0; i < Pp; i++) {                                                 \
            KF_V yv[NV];                                                                   \
            for (int v = 0; v < NV; v++) KF_LOADV(yv[v], Yr + i * ldr + v0 + v * KF_VL);   \
            for (int r = 0; r < JB; r++) {                                                 \
                KF_T a = Ap[(j + r) * Pp + i];                                             \
                for (int v = 0; v < NV; v++) acc[r][v] += a * yv[v];                       \
            }                                                                              \
        }                                                                                  \
        for (int r = 0; r < JB; r++)                                                       \
            for (int v = 0; v < NV; v++) {                                                 \
                KF_T *w = Wb + (j + r) * ldr + v0 + v * KF_VL;                             \
                KF_V t;                                                                    \
                KF_LOADV(t, w);                                                            \
                t += acc[r][v];                                                            \
                memcpy(w, &t, sizeof t);                                                   \
            }                                                                              \
    }

KF_RV1(1) KF_RV1(2) KF_RV1(3) KF_RV1(4) KF_RV1(5) KF_RV1(6) KF_RV1(7) KF_RV1(8)
KF_RV2(4, 1) KF_RV2(4, 2) KF_RV2(4, 3) KF_RV2(4, 4) KF_RV2(4, 5)
KF_RV2(1, 1) KF_RV2(1, 2) KF_RV2(1, 3) KF_RV2(1, 4) KF_RV2(1, 5)
KF_BC(12, 1) KF_BC(12, 2) KF_BC(8, 3) KF_BC(6, 4)
KF_BC(1, 1) KF_BC(1, 2) KF_BC(1, 3) KF_BC(1, 4)

#define KF_RV2_CASES(JB)                                                            \
    switch (cb) {                                                                   \
    case 1: KF_NAME(rv2_##JB##_1)(Ap, Pp, j, Yl, lr, c0, (KF_V *)Ww); break;       \
    case 2: KF_NAME(rv2_##JB##_2)(Ap, Pp, j, Yl, lr, c0, (KF_V *)Ww); break;       \
    case 3: KF_NAME(rv2_##JB##_3)(Ap, Pp, j, Yl, lr, c0, (KF_V *)Ww); break;       \
    case 4: KF_NAME(rv2_##JB##_4)(Ap, Pp, j, Yl, lr, c0, (KF_V *)Ww); break;       \
    default: KF_NAME(rv2_##JB##_5)(Ap, Pp, j, Yl, lr, c0, (KF_V *)Ww); break;      \
    }

KF_CLONES
void KF_NAME(rv_panel)(const KF_T *Ap, int64_t Pp, int64_t C, const KF_T *Zt, int64_t l,
                       int64_t lp, KF_T *Yc, KF_T *Yr, KF_T *Wb, void *Ww)
{
    for (int64_t c0 = 0; c0 < l; c0 += 8) {
        switch (l - c0 >= 8 ? 8 : l - c0) {
        case 1: KF_NAME(rv1_1)(Ap, Pp, C, Zt, lp, c0, Yc); break;
        case 2: KF_NAME(rv1_2)(Ap, Pp, C, Zt, lp, c0, Yc); break;
        case 3: KF_NAME(rv1_3)(Ap, Pp, C, Zt, lp, c0, Yc); break;
        case 4: KF_NAME(rv1_4)(Ap, Pp, C, Zt, lp, c0, Yc); break;
        case 5: KF_NAME(rv1_5)(Ap, Pp, C, Zt, lp, c0, Yc); break;
        case 6: KF_NAME(rv1_6)(Ap, Pp, C, Zt, lp, c0, Yc); break;
        case 7: KF_NAME(rv1_7)(Ap, Pp, C, Zt, lp, c0, Yc); break;
        default: KF_NAME(rv1_8)(Ap, Pp, C, Zt, lp, c0, Yc); break;
        }
    }
    const int64_t lb = l / KF_VL * KF_VL, lr = l - lb;
    if (lb > 0) {
        for (int64_t i = 0; i < Pp; i++)
            for (int64_t c = 0; c < lb; c++) Yr[i * lb + c] = Yc[c * Pp + i];
        for (int64_t v0 = 0; v0 < lb; v0 += 4 * KF_VL) {
            int64_t nv = (lb - v0) / KF_VL, j = 0;
            switch (nv >= 4 ? 4 : nv) {
            case 1:
                for (; j + 12 <= C; j += 12) KF_NAME(bc_12_1)(Ap, Pp, j, Yr, lb, v0, Wb);
                for (; j < C; j++) KF_NAME(bc_1_1)(Ap, Pp, j, Yr, lb, v0, Wb);
                break;
            case 2:
                for (; j + 12 <= C; j += 12) KF_NAME(bc_12_2)(Ap, Pp, j, Yr, lb, v0, Wb);
                for (; j < C; j++) KF_NAME(bc_1_2)(Ap, Pp, j, Yr, lb, v0, Wb);
                break;
            case 3:
                for (; j + 8 <= C; j += 8) KF_NAME(bc_8_3)(Ap, Pp, j, Yr, lb, v0, Wb);
                for (; j < C; j++) KF_NAME(bc_1_3)(Ap, Pp, j, Yr, lb, v0, Wb);
                break;
            default:
                for (; j + 6 <= C; j += 6) KF_NAME(bc_6_4)(Ap, Pp, j, Yr, lb, v0, Wb);
                for (; j < C; j++) KF_NAME(bc_1_4)(Ap, Pp, j, Yr, lb, v0, Wb);
                break;
            }
        }
    }
    const KF_T *Yl = Yc + lb * Pp; /* the last lr columns, lane-wise */
    int64_t j = 0;
    for (; j + 4 <= C; j += 4)
        for (int64_t c0 = 0; c0 < lr; c0 += 5) {
            int cb = lr - c0 >= 5 ? 5 : (int)(lr - c0);
            KF_RV2_CASES(4)
        }
    for (; j < C; j++)
        for (int64_t c0 = 0; c0 < lr; c0 += 5) {
            int cb = lr - c0 >= 5 ? 5 : (int)(lr - c0);
            KF_RV2_CASES(1)
        }
}

/* W (C x lp, row-major): the first lb columns from Wb, the last lr from the
 * lane sums of Ww (halves folded onto each other down to 16 bytes, then
 * those lanes in a fixed order), zeros after l. */
KF_CLONES
void KF_NAME(rv_reduce)(const KF_T *Wb, const void *Ww, int64_t C, int64_t l, int64_t lp, KF_T *W)
{
    typedef KF_T kf_h __attribute__((vector_size(32)));
    typedef KF_T kf_q __attribute__((vector_size(16)));
    const KF_V *w = (const KF_V *)Ww;
    const int64_t lb = l / KF_VL * KF_VL, lr = l - lb;
    for (int64_t j = 0; j < C; j++)
        for (int64_t c = 0; c < lp; c++) {
            if (c < lb) {
                W[j * lp + c] = Wb[j * lb + c];
                continue;
            }
            if (c >= l) {
                W[j * lp + c] = 0;
                continue;
            }
            kf_h lo, hi;
            kf_q ql, qh;
            KF_T t[16 / sizeof(KF_T)];
            memcpy(&lo, &w[j * lr + c - lb], 32);
            memcpy(&hi, (const char *)&w[j * lr + c - lb] + 32, 32);
            lo += hi;
            memcpy(&ql, &lo, 16);
            memcpy(&qh, (const char *)&lo + 16, 16);
            ql += qh;
            memcpy(t, &ql, 16);
            KF_T s;
            if (sizeof t / sizeof t[0] == 4) /* float; the index stays in range for double */
                s = (t[0] + t[2]) + (t[1] + t[3 % (sizeof t / sizeof t[0])]);
            else s = t[0] + t[1];
            W[j * lp + c] = s;
        }
}

/* Sum of squares of n contiguous elements, in double: eight-lane partial
 * sums in four accumulators, then a fixed order. */
KF_CLONES
double KF_NAME(sumsq)(const KF_T *x, int64_t n)
{
    typedef double v8 __attribute__((vector_size(64)));
    typedef KF_T vx __attribute__((vector_size(8 * sizeof(KF_T))));
    v8 acc[4] = {{0}, {0}, {0}, {0}};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++) {
            vx v;
            memcpy(&v, x + i + 8 * k, sizeof v);
            v8 d = __builtin_convertvector(v, v8);
            acc[k] += d * d;
        }
    double s = 0;
    for (; i < n; i++) s += (double)x[i] * x[i];
    v8 t = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    double u = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
    return u + s;
}

#undef KF_RV1
#undef KF_RV2
#undef KF_RV2_CASES
#undef KF_BC
#undef KF_LOADV
#undef KF_VL
