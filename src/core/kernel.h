/* kernel.h -- the narrow kernel layer the algorithms are written against:
 * BLAS/LAPACK dispatched on the element type, deterministic threaded
 * products with a dense matrix, counter-based random numbers.
 *
 * Algorithms are written once: large matrices stay in their own dtype
 * (float or double) and go through these calls; small l x l or n x l work is
 * done in double with the k_d* helpers. */
#ifndef LR_KERNEL_H
#define LR_KERNEL_H
#include "internal.h"

/* C = alpha op(A) op(B) + beta C on dtype t (ta/tb: 'N' or 'T'), with the
 * BLAS threads as set by the caller's environment. */
void k_gemm(lr_dtype t, char ta, char tb, int64_t m, int64_t n, int64_t k,
            double alpha, const void *A, int64_t lda, const void *B,
            int64_t ldb, double beta, void *C, int64_t ldc);

/* Sets OpenBLAS's own thread count for calls made outside our parallel
 * regions (inside them OpenBLAS runs single-threaded by itself). */
void k_blas_threads(int n);

/* ---- deterministic products with a dense A ------------------------------
 * `at` = 0: the operator is A (m x n); `at` = 1: the operator is A^T.
 * Work is split along the operator's rows into chunks that depend only on
 * the shape, each chunk computed by single-threaded BLAS, and partial sums
 * are added in chunk order: the same bits for any thread count. */

/* Y = B X (trans = 0) or Y = B^T X (trans = 1), B = A or A^T. */
lr_status k_dense_apply(lr_ctx *ctx, const lr_mat *A, int at, int trans,
                        const lr_mat *X, lr_mat *Y);
/* One pass over A: Y = B Z and W = B^T Y, each cache-sized panel of rows of
 * B read from memory once.  When frob2 is non-NULL it also receives
 * ||A||_F^2.  Z: cols(B) x l, Y: rows(B) x l, W: cols(B) x l. */
lr_status k_dense_fused(lr_ctx *ctx, const lr_mat *A, int at, const lr_mat *Z,
                        lr_mat *Y, lr_mat *W, double *frob2);

/* G = Y^T Y in double (l x l, ldg = l), any dtype Y, fixed order. */
lr_status k_gram(lr_ctx *ctx, const lr_mat *Y, double *G);
/* Y = Y * R^{-1} in place for upper-triangular R (double, l x l). */
lr_status k_trsm_right(lr_ctx *ctx, lr_mat *Y, const double *R, int64_t ldr);
/* C (m x k, dtype of Y) = Y (m x l) * M (double, l x k) + beta C, threaded
 * by rows (beta = -1 with M negated subtracts a projection, etc.). */
lr_status k_mul_small(lr_ctx *ctx, const lr_mat *Y, const double *M,
                      int64_t ldm, int64_t k, double beta, lr_mat *C);
/* Y(:, 0:k) = Y * M (M double, l x k, k <= l) in place, row chunk by row
 * chunk (the same chunks and bits as k_mul_small): the product needs no
 * fresh m x k matrix, only a chunk-sized buffer per thread. */
lr_status k_mul_small_inplace(lr_ctx *ctx, lr_mat *Y, const double *M, int64_t ldm,
                              int64_t k);

/* Orthonormalizes the columns of Y in place (dtype of Y): Householder QR
 * (geqrf + orgqr) or LU with partial pivoting (P L as in scipy's
 * lu(permute_l=True)).  Errors: LR_ERR_LAPACK, LR_ERR_NOMEM. */
lr_status k_orth_qr(lr_ctx *ctx, lr_mat *Y);
lr_status k_orth_lu(lr_ctx *ctx, lr_mat *Y);

/* Thin SVD of a double m x n matrix A (destroyed): gesdd, gesvd when gesdd
 * fails.  s: min(m,n); U: m x min(m,n) (ldu); VT: min(m,n) x n (ldvt). */
lr_status k_dsvd(lr_ctx *ctx, int64_t m, int64_t n, double *A, int64_t lda,
                 double *s, double *U, int64_t ldu, double *VT, int64_t ldvt);
/* The same on dtype t data (used by the exact method).  restore, when not
 * NULL, is the original of A, copied back for the gesvd retry (saves a
 * full-size copy); otherwise A is saved internally. */
lr_status k_svd_typed(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n, void *A,
                      int64_t lda, double *s, void *U, int64_t ldu, void *VT,
                      int64_t ldvt, const lr_mat *restore);

/* Cholesky of a double SPD l x l matrix (upper, in place).  Returns 0 on
 * success, > 0 when not positive definite. */
int k_dchol(int64_t l, double *G, int64_t ldg);

/* Fills M with standard normal numbers from Philox4x32-10 keyed by seed:
 * element (i,j) depends only on (seed, stream, i, j), never on threads. */
void k_randn(lr_ctx *ctx, uint64_t seed, uint64_t stream, lr_mat *M);

/* Chunking along `rows` used by every deterministic reduction. */
typedef struct { int64_t nchunk, chunk; } k_chunks;
k_chunks k_chunking(int64_t rows);


/* The fused panel kernel (kernel_fused.c): for the P x C panel Bp with
 * element (i,j) at Ap[i*si + j*sj], Ypr (P x lp, row-major) = Bp Z and
 * Wt (C x lp, row-major) += Bp^T Ypr, where Zt = Z^T (C x lp, row-major);
 * lp is a multiple of 64 bytes' worth of elements and all three buffers are
 * 64-byte aligned.  pack (P x C elements, or NULL) is scratch into which a
 * row band (si == 1) is always copied first: on return it holds the panel
 * contiguously (ld = P). */
void k_fused_panel(lr_dtype t, const void *Ap, int64_t si, int64_t sj, int64_t P,
                   int64_t C, const void *Zt, int64_t lp, void *Ypr, void *Wt,
                   void *pack);
/* The row-vectorized fused kernel (kernel_fusedrv_impl.h): Ap is a packed
 * column-major panel (Pp x C, ld Pp, Pp a multiple of K_RV_ROWS(t) with zero
 * rows at the end); Yc (Pp x l, column-major, ld Pp) = Ap Z and W += Ap^T Yc,
 * kept in two parts (lb = l rounded down to whole 64-byte vectors, lr = l -
 * lb): Wb (C x lb, row-major) for the first lb columns and Ww (C x lr vectors
 * of 64 bytes) of lane-wise partial sums for the last lr.  Yr (Pp x lb) is
 * scratch.  Zt as above.  k_fusedrv_reduce turns Wb and Ww into W (C x lp,
 * row-major). */
#define K_RV_ROWS(t) ((int64_t)(3 * 64 / lr_dtype_size(t)))
void k_fusedrv_panel(lr_dtype t, const void *Ap, int64_t Pp, int64_t C, const void *Zt,
                     int64_t l, int64_t lp, void *Yc, void *Yr, void *Wb, void *Ww);
/* Sum of squares of n contiguous elements of type t, in double (fixed order). */
double k_sumsq(lr_dtype t, const void *x, size_t n);
void k_fusedrv_reduce(lr_dtype t, const void *Wb, const void *Ww, int64_t C, int64_t l,
                      int64_t lp, void *W);
#endif
