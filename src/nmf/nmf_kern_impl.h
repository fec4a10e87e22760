/* nmf_kern_impl.h -- NMF inner loops written once, included by nmf_kern.c
 * for float and double (NK_T, NK_NAME).  Sums run in double. */

/* Rows are processed NK_RB (= 8) at a time, one double lane each, in
 * explicit 64-byte vectors, and NK_NG (= 4) such groups side by side
 * (fr[t * NK_NG + g] holds component t of group g's 8 rows): the groups are
 * independent chains, so the latency of one row's k-term gradient and its
 * division overlaps with the others'.  Each lane's arithmetic is exactly
 * the one-row sequence.  fr: k NK_NG vectors of 64-byte aligned scratch.
 * Fr (when not NULL): the row-major mirror of F (row stride bs) kept for
 * the sparse products, updated with F.
 * stats (k*k + 3 doubles) receives, for the updated rows: their Gram matrix
 * F^T F, the sum of their entries, <F, P> and the violation sum |pg| of the
 * projected gradients met by the updates (pg = g, or min(g, 0) where the
 * entry was 0 before its update: scikit-learn's measure), each summed per
 * lane over the groups of 8 rows in row order, then over the 8 lanes. */
#define NK_NG NMF_KG
typedef NK_T NK_NAME(t8) __attribute__((vector_size(8 * sizeof(NK_T)), aligned(sizeof(NK_T))));
/* 8 consecutive NK_T at p as a vector of doubles. */
#undef NK_LD8
#define NK_LD8(p) __builtin_convertvector(*(const NK_NAME(t8) *)(p), nk_v8)
static inline __attribute__((always_inline)) void NK_NAME(cd_rows)(
    NK_T *F, int64_t ldf, const NK_T *P, int64_t ldp, int64_t p0, int64_t r0, int64_t r1, int64_t k,
    const double *G, double l1, double l2, double *scratch, NK_T *Fr, int64_t bs,
    double *stats)
{
    nk_v8 *fr = (nk_v8 *)scratch;
    nk_v8 *gacc = fr + k * NK_NG, *sacc = gacc + k * k, *dacc = sacc + 1, *vacc = dacc + 1;
    const nk_v8 zero = {0};
    const nk_v8i absmask = (nk_v8i){0} + 0x7fffffffffffffffLL;
    for (int64_t a = 0; a < k * k + 3; a++) gacc[a] = zero;
    for (int64_t i0 = r0; i0 < r1; i0 += NK_RB * NK_NG) {
        int64_t nr = r1 - i0 < NK_RB * NK_NG ? r1 - i0 : NK_RB * NK_NG;
        const int full = nr == NK_RB * NK_NG;
        for (int64_t t = 0; t < k; t++)
            for (int g = 0; g < NK_NG; g++) {
                if (full) {
                    fr[t * NK_NG + g] = NK_LD8(F + i0 + g * NK_RB + t * ldf);
                    continue;
                }
                for (int b = 0; b < NK_RB; b++) {
                    int64_t o = g * NK_RB + b;
                    fr[t * NK_NG + g][b] = o < nr ? (double)F[i0 + o + t * ldf] : 0.0;
                }
            }
        for (int64_t t = 0; t < k; t++) {
            const double *gt = G + t * k; /* column t = row t (symmetric) */
            double hess = gt[t] + l2;
            nk_v8 grad[NK_NG];
            for (int g = 0; g < NK_NG; g++) {
                nk_v8 pv;
                if (full) {
                    pv = NK_LD8(P + (i0 - p0) + g * NK_RB + t * ldp);
                } else {
                    for (int b = 0; b < NK_RB; b++) {
                        int64_t o = g * NK_RB + b;
                        pv[b] = o < nr ? (double)P[(i0 - p0) + o + t * ldp] : 0.0;
                    }
                }
                grad[g] = l1 + l2 * fr[t * NK_NG + g] - pv;
            }
            for (int64_t r = 0; r < k; r++)
                for (int g = 0; g < NK_NG; g++) grad[g] += gt[r] * fr[r * NK_NG + g];
            for (int g = 0; g < NK_NG; g++) {
                nk_v8 f = fr[t * NK_NG + g];
                nk_v8i keep = ~(f == zero) | (grad[g] < zero);
                *vacc += (nk_v8)((nk_v8i)grad[g] & keep & absmask);
                if (hess <= 0) continue;
                nk_v8 v = f - grad[g] / hess;
                fr[t * NK_NG + g] = (nk_v8)((nk_v8i)v & (nk_v8i)(v > zero));
            }
        }
        for (int g = 0; g < NK_NG && g * NK_RB < nr; g++) {
            int64_t ig = i0 + g * NK_RB, nb = nr - g * NK_RB < NK_RB ? nr - g * NK_RB : NK_RB;
            for (int64_t t = 0; t < k; t++) {
                nk_v8 *ft = fr + t * NK_NG + g;
                /* The stored values (rounded to NK_T) are what the statistics see. */
                nk_v8 pv;
                if (nb == NK_RB) {
                    NK_NAME(t8) x = __builtin_convertvector(*ft, NK_NAME(t8));
                    *(NK_NAME(t8) *)(F + ig + t * ldf) = x;
                    *ft = __builtin_convertvector(x, nk_v8);
                    pv = NK_LD8(P + (ig - p0) + t * ldp);
                } else {
                    for (int64_t b = 0; b < nb; b++) {
                        NK_T x = (NK_T)(*ft)[b];
                        F[ig + b + t * ldf] = x;
                        (*ft)[b] = (double)x;
                    }
                    for (int b = 0; b < NK_RB; b++)
                        pv[b] = b < nb ? (double)P[(ig - p0) + b + t * ldp] : 0.0;
                }
                *sacc += *ft;
                *dacc += *ft * pv;
                for (int64_t r = 0; r <= t; r++) gacc[t * k + r] += *ft * fr[r * NK_NG + g];
            }
            if (Fr)
                for (int64_t b = 0; b < nb; b++)
                    for (int64_t t = 0; t < k; t++)
                        Fr[(ig + b) * bs + t] = (NK_T)fr[t * NK_NG + g][b];
        }
    }
    for (int64_t t = 0; t < k; t++)
        for (int64_t r = 0; r <= t; r++) {
            double h = 0;
            for (int b = 0; b < NK_RB; b++) h += gacc[t * k + r][b];
            stats[t * k + r] = stats[r * k + t] = h;
        }
    double hs = 0, hd = 0, hv = 0;
    for (int b = 0; b < NK_RB; b++) hs += (*sacc)[b], hd += (*dacc)[b], hv += (*vacc)[b];
    stats[k * k] = hs, stats[k * k + 1] = hd, stats[k * k + 2] = hv;
}

static inline __attribute__((always_inline)) double NK_NAME(dot)(const NK_T *x, const NK_T *y, int64_t k)
{
    double s = 0;
    for (int64_t t = 0; t < k; t++) s += (double)x[t] * (double)y[t];
    return s;
}

static inline __attribute__((always_inline)) void NK_NAME(mu_rows)(const lr_csr *S, NK_T *X, const NK_T *Y, int64_t k, int64_t r0,
                             int64_t r1, const double *den, double l2, double *acc)
{
    const int64_t *ip = S->indptr, *ix = S->indices;
    const NK_T *v = (const NK_T *)S->values;
    for (int64_t i = r0; i < r1; i++) {
        NK_T *x = X + i * k;
        for (int64_t t = 0; t < k; t++) acc[t] = 0;
        for (int64_t p = ip[i]; p < ip[i + 1]; p++) {
            const NK_T *y = Y + ix[p] * k;
            double q = (double)v[p] / (NK_NAME(dot)(x, y, k) + NMF_EPS);
            for (int64_t t = 0; t < k; t++) acc[t] += q * (double)y[t];
        }
        for (int64_t t = 0; t < k; t++) {
            double dn = den[t] + l2 * (double)x[t];
            if (dn > 0) x[t] = (NK_T)((double)x[t] * acc[t] / dn);
        }
    }
}

static inline __attribute__((always_inline)) double NK_NAME(kl_rows)(const lr_csr *S, const NK_T *X, const NK_T *Y, int64_t k,
                               int64_t r0, int64_t r1)
{
    const int64_t *ip = S->indptr, *ix = S->indices;
    const NK_T *v = (const NK_T *)S->values;
    double s = 0;
    for (int64_t i = r0; i < r1; i++)
        for (int64_t p = ip[i]; p < ip[i + 1]; p++) {
            double a = v[p];
            if (a <= 0) continue;
            double wh = NK_NAME(dot)(X + i * k, Y + ix[p] * k, k) + NMF_EPS;
            s += a * log(a / wh) - a;
        }
    return s;
}
