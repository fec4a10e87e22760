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
 *   step 2  Ww += Ap^T Yc lane-wise: Ww holds one vector per (j, c) whose
 *           lanes are partial sums over rows i = lane (mod vector length);
 *           summed across lanes once per chunk (kf_rv_reduce), so no
 *           horizontal sums inside the loop.  Step 2 also packs the next
 *           panel into the columns it has finished (see rv_panel).
 * Every lane is useful work.  Fixed order of operations: the result depends
 * only on the panel, never on the thread that ran it. */

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

/* Step 2 for columns j..j+JB of the panel and c0..c0+CB of Yc.  With cs not
 * NULL it also copies one column segment (Pp elements, one vector per row
 * step) from cs into cd: the next panel's rows, written over a column of the
 * panel that step 2 is done with, so the loads from memory overlap the
 * multiply-adds. */
#define KF_RV2(JB, CB)                                                                   \
    static inline __attribute__((always_inline)) void KF_NAME(rv2_##JB##_##CB)(            \
        const KF_T *Ap, int64_t Pp, int64_t j, const KF_T *Yc, int64_t l, int64_t c0,      \
        KF_V *Ww, const KF_T *cs, KF_T *cd, const KF_T *cpf)                               \
    {                                                                                      \
        KF_V acc[JB][CB];                                                                  \
        for (int r = 0; r < JB; r++)                                                       \
            for (int c = 0; c < CB; c++) acc[r][c] = Ww[(j + r) * l + c0 + c];             \
        for (int64_t i = 0; i < Pp; i += KF_VL) {                                          \
            KF_V av[JB], yv[CB];                                                           \
            if (cs) {                                                                      \
                KF_V t;                                                                    \
                __builtin_prefetch(cpf + i, 0, KF_PFL);                                    \
                KF_LOADV(t, cs + i);                                                       \
                memcpy(cd + i, &t, sizeof(KF_V));                                          \
            }                                                                              \
            for (int r = 0; r < JB; r++) KF_LOADV(av[r], Ap + (j + r) * Pp + i);    \
            for (int c = 0; c < CB; c++) KF_LOADV(yv[c], Yc + (c0 + c) * Pp + i);  \
            for (int r = 0; r < JB; r++)                                                   \
                for (int c = 0; c < CB; c++) acc[r][c] += av[r] * yv[c];                   \
        }                                                                                  \
        for (int r = 0; r < JB; r++)                                                       \
            for (int c = 0; c < CB; c++) Ww[(j + r) * l + c0 + c] = acc[r][c];             \
    }

KF_RV1(1) KF_RV1(2) KF_RV1(3) KF_RV1(4) KF_RV1(5) KF_RV1(6) KF_RV1(7) KF_RV1(8)
KF_RV2(4, 1) KF_RV2(4, 2) KF_RV2(4, 3) KF_RV2(4, 4) KF_RV2(4, 5)
KF_RV2(1, 1) KF_RV2(1, 2) KF_RV2(1, 3) KF_RV2(1, 4) KF_RV2(1, 5)

#define KF_RV2_CASES(JB, CS, CD, CPF)                                             \
    switch (cb) {                                                                  \
    case 1: KF_NAME(rv2_##JB##_1)(Ap, Pp, j, Yc, l, c0, (KF_V *)Ww, CS, CD, CPF); break; \
    case 2: KF_NAME(rv2_##JB##_2)(Ap, Pp, j, Yc, l, c0, (KF_V *)Ww, CS, CD, CPF); break; \
    case 3: KF_NAME(rv2_##JB##_3)(Ap, Pp, j, Yc, l, c0, (KF_V *)Ww, CS, CD, CPF); break; \
    case 4: KF_NAME(rv2_##JB##_4)(Ap, Pp, j, Yc, l, c0, (KF_V *)Ww, CS, CD, CPF); break; \
    default: KF_NAME(rv2_##JB##_5)(Ap, Pp, j, Yc, l, c0, (KF_V *)Ww, CS, CD, CPF); break; \
    }

/* Step 2 runs column group by column group (all of Yc for each), so a group's
 * columns of Ap are dead once it is done: with Sn not NULL (the next panel,
 * Pp full rows, column stride lds) they are refilled from Sn while the next
 * group computes, one column per block of Yc columns; what cannot be spread
 * that way (the last group, the odd columns) is copied at the end.  Every
 * accumulator sees the same operations in the same order either way. */
KF_CLONES
void KF_NAME(rv_panel)(KF_T *Ap, int64_t Pp, int64_t C, const KF_T *Zt, int64_t l,
                       int64_t lp, KF_T *Yc, void *Ww, const KF_T *Sn, int64_t lds)
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
    int64_t nblk = (l + 4) / 5, j = 0, done = 0; /* columns [0, done) refilled */
    for (; j + 4 <= C; j += 4) {
        for (int64_t c0 = 0, b = 0; c0 < l; c0 += 5, b++) {
            int cb = l - c0 >= 5 ? 5 : (int)(l - c0);
            const KF_T *cs = NULL, *cpf = NULL;
            KF_T *cd = NULL;
            if (Sn && j >= 4 && b < 4) { /* refill column j - 4 + b of the last group */
                int64_t jc = j - 4 + b;
                cs = Sn + jc * lds, cd = Ap + jc * Pp;
                cpf = jc + KF_PFD < C ? cs + KF_PFD * lds : cs;
            }
            KF_RV2_CASES(4, cs, cd, cpf)
        }
        if (Sn && j >= 4) {
            for (int64_t g = nblk; g < 4; g++) /* fewer than 4 blocks of Yc columns */
                memcpy(Ap + (j - 4 + g) * Pp, Sn + (j - 4 + g) * lds, (size_t)Pp * sizeof(KF_T));
            done = j;
        }
    }
    for (; j < C; j++)
        for (int64_t c0 = 0; c0 < l; c0 += 5) {
            int cb = l - c0 >= 5 ? 5 : (int)(l - c0);
            KF_RV2_CASES(1, NULL, NULL, NULL)
        }
    if (Sn)
        for (int64_t jj = done; jj < C; jj++)
            memcpy(Ap + jj * Pp, Sn + jj * lds, (size_t)Pp * sizeof(KF_T));
}

/* W (C x lp, row-major) = the lane sums of Ww (C x l vectors): halves
 * folded onto each other down to 16 bytes, then those lanes in a fixed order. */
KF_CLONES
void KF_NAME(rv_reduce)(const void *Ww, int64_t C, int64_t l, int64_t lp, KF_T *W)
{
    typedef KF_T kf_h __attribute__((vector_size(32)));
    typedef KF_T kf_q __attribute__((vector_size(16)));
    const KF_V *w = (const KF_V *)Ww;
    for (int64_t j = 0; j < C; j++)
        for (int64_t c = 0; c < lp; c++) {
            if (c >= l) {
                W[j * lp + c] = 0;
                continue;
            }
            kf_h lo, hi;
            kf_q ql, qh;
            KF_T t[16 / sizeof(KF_T)];
            memcpy(&lo, &w[j * l + c], 32);
            memcpy(&hi, (const char *)&w[j * l + c] + 32, 32);
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
#undef KF_LOADV
#undef KF_VL
