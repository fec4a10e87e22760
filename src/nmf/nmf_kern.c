/* nmf_kern.c -- instantiates the NMF inner loops for float and double (see
 * nmf_kern_impl.h) and dispatches on the element type. */
#include <math.h>
#include "nmf_internal.h"

typedef double nk_v8 __attribute__((vector_size(64)));
typedef int64_t nk_v8i __attribute__((vector_size(64)));

#define NK_T float
#define NK_NAME(x) nk_##x##_s
#include "nmf_kern_impl.h"
#undef NK_T
#undef NK_NAME
#define NK_T double
#define NK_NAME(x) nk_##x##_d
#include "nmf_kern_impl.h"
#undef NK_T
#undef NK_NAME

LR_CLONES void nmf_cd_rows(lr_dtype t, void *F, int64_t ldf, const void *P, int64_t ldp,
                           int64_t p0, int64_t r0, int64_t r1, int64_t k, const double *G,
                           double l1, double l2, double *f, void *Fr, int64_t bs, double *stats)
{
    if (t == LR_F32) nk_cd_rows_s(F, ldf, P, ldp, p0, r0, r1, k, G, l1, l2, f, Fr, bs, stats);
    else nk_cd_rows_d(F, ldf, P, ldp, p0, r0, r1, k, G, l1, l2, f, Fr, bs, stats);
}

LR_CLONES void nmf_mu_rows(lr_dtype t, const lr_csr *S, void *X, const void *Y, int64_t k,
                 int64_t r0, int64_t r1, const double *den, double l2, double *acc)
{
    if (t == LR_F32) nk_mu_rows_s(S, X, Y, k, r0, r1, den, l2, acc);
    else nk_mu_rows_d(S, X, Y, k, r0, r1, den, l2, acc);
}

LR_CLONES double nmf_kl_rows(lr_dtype t, const lr_csr *S, const void *X, const void *Y, int64_t k,
                   int64_t r0, int64_t r1)
{
    return t == LR_F32 ? nk_kl_rows_s(S, X, Y, k, r0, r1) : nk_kl_rows_d(S, X, Y, k, r0, r1);
}
