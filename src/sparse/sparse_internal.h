/* sparse_internal.h -- shared by src/sparse and src/nmf: element access and
 * the row-parallel product kernel. */
#ifndef LR_SPARSE_INTERNAL_H
#define LR_SPARSE_INTERNAL_H
#include "internal.h"

/* Hot loops are compiled for AVX-512, AVX2 and baseline x86-64 and picked at
 * load time (as the fused kernel does); a given machine always runs the same
 * clone, so results stay identical for any thread count. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define LR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LR_CLONES
#endif

static inline double csr_val(const lr_csr *a, int64_t p)
{
    return a->dtype == LR_F32 ? (double)((const float *)a->values)[p]
                              : ((const double *)a->values)[p];
}

/* Y (a->rows x b, column-major, ldy) = a Xr, where Xr is a->cols x b stored
 * row-major with row stride bs = csr_rowmajor_stride(dtype, b) (row c at
 * Xr + c * bs, padding zero).  Each row of Y is summed by one thread in
 * storage order: bit-identical for any thread count.  Errors: LR_ERR_NOMEM. */
lr_status csr_mm_rowmajor(lr_ctx *ctx, const lr_csr *a, const void *Xr, int64_t b,
                          int64_t bs, void *Y, int64_t ldy);
int64_t csr_rowmajor_stride(lr_dtype t, int64_t b);
/* Rows [r0, r1) of a Xr, serially, into Y (row i at Y + (i - r0), column j
 * at + j ldy): the same kernel and bits as csr_mm_rowmajor, for a narrow
 * Xr only (bs <= 2 vectors: no accumulator block). */
void csr_mm_block(const lr_csr *a, int64_t r0, int64_t r1, const void *Xr, int64_t b,
                  int64_t bs, void *Y, int64_t ldy);
/* Xr (rows x bs row-major, dtype of X, zero padded) = X. */
void csr_to_rowmajor(lr_ctx *ctx, const lr_mat *X, void *Xr, int64_t bs);
/* Y = a X (X, Y column-major of a's dtype; shapes already checked). */
lr_status csr_mm_plain(lr_ctx *ctx, const lr_csr *a, const lr_mat *X, lr_mat *Y);
/* The same with a caller-kept scratch buffer for the row-major copy of X,
 * grown as needed from owner's allocator (ctx's when NULL) and freed by the
 * caller with lr__free(owner, sc->buf): repeated products then touch no
 * fresh pages. */
typedef struct { void *buf; size_t cap; } csr_scratch;
lr_status csr_mm_scratch(lr_ctx *ctx, const lr_csr *a, const lr_mat *X, lr_mat *Y,
                         csr_scratch *sc, lr_ctx *owner);
/* Y = a^T X from a itself (no transpose), for a wide X (more columns than
 * two 64-byte vectors hold): every row of X is read once, in order, and
 * scattered into a cols(a) x bs row-major block of accumulators kept in sc
 * (as above), split across threads by column blocks.  Each output is the
 * sum over a's rows in order (the order of the gather kernel on the
 * transpose): bit-identical for any thread count. */
lr_status csr_mm_t_scatter(lr_ctx *ctx, const lr_csr *a, const lr_mat *X, lr_mat *Y,
                           csr_scratch *sc, lr_ctx *owner);
/* Whether X with b columns is wide in that sense. */
static inline int csr_wide(lr_dtype t, int64_t b) { return b > 2 * (64 / (int64_t)lr_dtype_size(t)); }
#endif
