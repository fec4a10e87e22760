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
