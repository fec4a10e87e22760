/* kernel_fused.c -- instantiates the fused panel kernel for float and
 * double, compiled for AVX-512, AVX2 and baseline x86-64 (picked at load
 * time by the CPU), see kernel_fused_impl.h and kernel_fusedrv_impl.h. */
#include <stdint.h>
#include <string.h>
#include "kernel.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define KF_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KF_CLONES
#endif



#define KF_RB 3 /* row vectors per tile in the row-vectorized kernel */

typedef float kf_vs __attribute__((vector_size(64), aligned(64)));
typedef double kf_vd __attribute__((vector_size(64), aligned(64)));

#define KF_T float
#define KF_V kf_vs
#define KF_NAME(x) kf_##x##_s
#include "kernel_fused_impl.h"
#include "kernel_fusedrv_impl.h"
#undef KF_T
#undef KF_V
#undef KF_NAME

#define KF_T double
#define KF_V kf_vd
#define KF_NAME(x) kf_##x##_d
#include "kernel_fused_impl.h"
#include "kernel_fusedrv_impl.h"
#undef KF_T
#undef KF_V
#undef KF_NAME

void k_fused_panel(lr_dtype t, const void *Ap, int64_t si, int64_t sj, int64_t P, int64_t C,
                   const void *Zt, int64_t lp, void *Ypr, void *Wt, void *pack)
{
    if (t == LR_F32) kf_panel_s(Ap, si, sj, P, C, Zt, lp, Ypr, Wt, pack);
    else kf_panel_d(Ap, si, sj, P, C, Zt, lp, Ypr, Wt, pack);
}

void k_fusedrv_panel(lr_dtype t, const void *Ap, int64_t Pp, int64_t C, const void *Zt,
                     int64_t l, int64_t lp, void *Yc, void *Yr, void *Wb, void *Ww)
{
    if (t == LR_F32) kf_rv_panel_s(Ap, Pp, C, Zt, l, lp, Yc, Yr, Wb, Ww);
    else kf_rv_panel_d(Ap, Pp, C, Zt, l, lp, Yc, Yr, Wb, Ww);
}

void k_fusedrv_reduce(lr_dtype t, const void *Wb, const void *Ww, int64_t C, int64_t l,
                      int64_t lp, void *W)
{
    if (t == LR_F32) kf_rv_reduce_s(Wb, Ww, C, l, lp, W);
    else kf_rv_reduce_d(Wb, Ww, C, l, lp, W);
}

double k_sumsq(lr_dtype t, const void *x, size_t n)
{
    return t == LR_F32 ? kf_sumsq_s(x, (int64_t)n) : kf_sumsq_d(x, (int64_t)n);
}
