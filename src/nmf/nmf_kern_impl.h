/* nmf_kern_impl.h -- NMF inner loops written once, included by nmf_kern.c
 * for float and double (NK_T, NK_NAME).  Sums run in double. */

static void NK_NAME(cd_rows)(NK_T *F, int64_t ldf, const NK_T *P, int64_t ldp, int64_t r0,
                             int64_t r1, int64_t k, const double *G, double l1, double l2,
                             double *f)
{
    for (int64_t i = r0; i < r1; i++) {
        for (int64_t t = 0; t < k; t++) f[t] = F[i + t * ldf];
        for (int64_t t = 0; t < k; t++) {
            const double *g = G + t * k; /* column t = row t (symmetric) */
            double hess = g[t] + l2;
            if (hess <= 0) continue;
            double grad = l1 + l2 * f[t] - (double)P[i + t * ldp];
            for (int64_t r = 0; r < k; r++) grad += g[r] * f[r];
            double v = f[t] - grad / hess;
            f[t] = v > 0 ? v : 0;
        }
        for (int64_t t = 0; t < k; t++) F[i + t * ldf] = (NK_T)f[t];
    }
}

static inline double NK_NAME(dot)(const NK_T *x, const NK_T *y, int64_t k)
{
    double s = 0;
    for (int64_t t = 0; t < k; t++) s += (double)x[t] * (double)y[t];
    return s;
}

static void NK_NAME(mu_rows)(const lr_csr *S, NK_T *X, const NK_T *Y, int64_t k, int64_t r0,
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

static double NK_NAME(kl_rows)(const lr_csr *S, const NK_T *X, const NK_T *Y, int64_t k,
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
