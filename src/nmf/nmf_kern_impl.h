/* nmf_kern_impl.h -- NMF inner loops written once, included by nmf_kern.c
 * for float and double (NK_T, NK_NAME).  Sums run in double. */

/* Rows are processed NK_RB (= 8) at a time, one double lane each, in
 * explicit 64-byte vectors (fr[t] holds component t of the 8 rows): each
 * lane's arithmetic is exactly the one-row sequence.  fr: k vectors of
 * 64-byte aligned scratch.  Fr (when not NULL): the row-major mirror of F
 * (row stride bs) kept for the sparse products, updated with F.
 * stats (k*k + 2 doubles) receives, for the updated rows: their Gram matrix
 * F^T F, the sum of their entries and <F, P>, each summed per lane over the
 * groups of 8 rows, then over the 8 lanes in order. */
static inline __attribute__((always_inline)) void NK_NAME(cd_rows)(
    NK_T *F, int64_t ldf, const NK_T *P, int64_t ldp, int64_t r0, int64_t r1, int64_t k,
    const double *G, double l1, double l2, double *scratch, NK_T *Fr, int64_t bs,
    double *stats)
{
    nk_v8 *fr = (nk_v8 *)scratch;
    nk_v8 *gacc = fr + k, *sacc = gacc + k * k, *dacc = sacc + 1;
    const nk_v8 zero = {0};
    for (int64_t a = 0; a < k * k + 2; a++) gacc[a] = zero;
    for (int64_t i0 = r0; i0 < r1; i0 += NK_RB) {
        int64_t nb = r1 - i0 < NK_RB ? r1 - i0 : NK_RB;
        for (int64_t t = 0; t < k; t++)
            for (int b = 0; b < NK_RB; b++) fr[t][b] = b < nb ? (double)F[i0 + b + t * ldf] : 0.0;
        for (int64_t t = 0; t < k; t++) {
            const double *g = G + t * k; /* column t = row t (symmetric) */
            double hess = g[t] + l2;
            if (hess <= 0) continue;
            nk_v8 pv;
            for (int b = 0; b < NK_RB; b++) pv[b] = b < nb ? (double)P[i0 + b + t * ldp] : 0.0;
            nk_v8 grad = l1 + l2 * fr[t] - pv;
            for (int64_t r = 0; r < k; r++) grad += g[r] * fr[r];
            nk_v8 v = fr[t] - grad / hess;
            fr[t] = (nk_v8)((nk_v8i)v & (nk_v8i)(v > zero));
        }
        for (int64_t t = 0; t < k; t++) {
            /* The stored values (rounded to NK_T) are what the statistics see. */
            for (int64_t b = 0; b < nb; b++) {
                NK_T x = (NK_T)fr[t][b];
                F[i0 + b + t * ldf] = x;
                fr[t][b] = (double)x;
            }
            nk_v8 pv;
            for (int b = 0; b < NK_RB; b++) pv[b] = b < nb ? (double)P[i0 + b + t * ldp] : 0.0;
            *sacc += fr[t];
            *dacc += fr[t] * pv;
            for (int64_t r = 0; r <= t; r++) gacc[t * k + r] += fr[t] * fr[r];
        }
        if (Fr)
            for (int64_t b = 0; b < nb; b++)
                for (int64_t t = 0; t < k; t++) Fr[(i0 + b) * bs + t] = (NK_T)fr[t][b];
    }
    for (int64_t t = 0; t < k; t++)
        for (int64_t r = 0; r <= t; r++) {
            double h = 0;
            for (int b = 0; b < NK_RB; b++) h += gacc[t * k + r][b];
            stats[t * k + r] = stats[r * k + t] = h;
        }
    double hs = 0, hd = 0;
    for (int b = 0; b < NK_RB; b++) hs += (*sacc)[b], hd += (*dacc)[b];
    stats[k * k] = hs, stats[k * k + 1] = hd;
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
