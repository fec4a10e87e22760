/* svd.h -- linear operators and the SVD family.
 *
 * The SVD algorithms consume an lr_op: anything that can apply A and A^T to a
 * block of vectors.  A dense matrix is one (lr_op_dense); sparse, implicit and
 * distributed operators plug in through lr_op_custom.
 *
 * Methods (lr_svd_opts.method):
 *  - LR_SVD_EXACT: LAPACK ?gesdd on a copy of the dense matrix, ?gesvd when
 *    gesdd reports failure; truncated to k.  Cost O(m n min(m,n)).
 *  - LR_SVD_RANDOMIZED: Halko, Martinsson & Tropp (2011), Alg. 4.4: sketch
 *    Y = A Omega with l = k + p Gaussian columns, q power iterations, Q = orth(Y),
 *    B = Q^T A, SVD of the small B.  Cost (q+1) .. (2q+2) passes over A.
 *  - LR_SVD_KRYLOV: block Krylov iteration (Musco & Musco 2015): Q spans
 *    [A Om, (A A^T) A Om, ..., (A A^T)^q A Om], then Rayleigh-Ritz; better on
 *    slowly decaying spectra at the same number of passes.
 *  - Fixed accuracy (opts.tol > 0 or opts.energy > 0, randomized only):
 *    blocked QB (Martinsson & Voronin 2016; Yu, Gu & Li 2018): blocks of
 *    opts.block columns are added until ||A - QB||_F^2 = ||A||_F^2 - ||B||_F^2
 *    falls below tol^2 ||A||_F^2; A is never copied or modified.
 *
 * Results are reproducible: with the randomized and block Krylov methods the
 * same seed gives bit-identical factors for any thread count (counter-based
 * Philox streams, fixed reduction order).  The exact method runs LAPACK's
 * gesdd on OpenBLAS's threads: identical for a given thread count, but the
 * last bits may differ between thread counts.
 * Sign convention: each left singular vector's entry of largest magnitude is
 * positive (V follows).
 */
#ifndef LOWRANK_SVD_H
#define LOWRANK_SVD_H
#include "lowrank/core.h"
#include "lowrank/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Linear operators ------------------------------------------------- */
typedef struct lr_op lr_op;

/* Callback of a custom operator: Y = A X when trans == 0 (X: cols x b,
 * Y: rows x b), Y = A^T X when trans != 0 (X: rows x b, Y: cols x b).
 * X and Y have the operator's dtype and do not overlap.  Returns LR_OK or an
 * error (set the message with lr_ctx's functions through your own means). */
typedef lr_status (*lr_op_apply_fn)(void *user, lr_ctx *ctx, int trans,
                                    const lr_mat *X, lr_mat *Y);

/* A dense operator viewing A (not copied: A must outlive the op).
 * Products are threaded over row blocks with a fixed reduction order. */
LR_API lr_status lr_op_dense(lr_ctx *ctx, const lr_mat *A, lr_op **out);
/* A custom operator.  frob2 is ||A||_F^2 when known, or a negative number
 * (then the fixed-accuracy mode is unavailable and error estimates are not
 * reported). */
LR_API lr_status lr_op_custom(lr_ctx *ctx, lr_dtype t, int64_t rows,
                              int64_t cols, lr_op_apply_fn fn, void *user,
                              double frob2, lr_op **out);
LR_API void lr_op_destroy(lr_op *op);
LR_API int64_t lr_op_rows(const lr_op *op);
LR_API int64_t lr_op_cols(const lr_op *op);
LR_API lr_dtype lr_op_dtype(const lr_op *op);
/* Y = op(A) X as described for lr_op_apply_fn, with shape checks. */
LR_API lr_status lr_op_apply(lr_ctx *ctx, const lr_op *op, int trans,
                             const lr_mat *X, lr_mat *Y);

/* ---- Row-distributed operators (MPI and the like) ---------------------- *
 * A matrix split by rows over several processes: each holds a band of
 * consecutive rows (row0 .. row0 + rows - 1 of global_rows) and all columns.
 * The operator of each process views its own band; the algorithms form the
 * few global quantities they need (l x l Gram matrices, B^T Y = sum of the
 * bands' partial products, ||A||_F^2) by calling `allreduce`, which must sum
 * (or take the maximum of) a double buffer elementwise over all processes
 * and leave the result in the buffer on every process.  Every process must
 * make the same library calls with the same options (the small
 * computations are replicated); the column-side results (V, Vt, singular
 * values) then agree on all processes and U holds each process's own rows.
 * The library never links MPI: the caller's callback does the talking.
 * Supported: the fixed-rank randomized SVD with the AUTO normalizer (also
 * warm-started) and robust PCA (rpca.h, lr_rpca_compute_rows). */
typedef enum lr_reduce_op { LR_REDUCE_SUM = 0, LR_REDUCE_MAX = 1 } lr_reduce_op;
typedef lr_status (*lr_allreduce_fn)(void *user, lr_ctx *ctx, double *buf,
                                     int64_t n, lr_reduce_op op);
typedef struct lr_rowdist {
    lr_allreduce_fn allreduce; /* NULL: a single process (no reduction) */
    void *user;
    int64_t global_rows;       /* rows of the whole matrix */
    int64_t row0;              /* first global row of this band */
} lr_rowdist;
/* Makes op one band of a row-distributed operator (op's rows = the band's
 * rows, possibly 0).  Checks the band against global_rows (one SUM call,
 * so every process must call it).  d == NULL or d->allreduce == NULL makes
 * op a plain single-process operator again. */
LR_API lr_status lr_op_set_allreduce(lr_ctx *ctx, lr_op *op,
                                     const lr_rowdist *d);

/* ---- Options ---------------------------------------------------------- */
typedef enum lr_svd_method {
    LR_SVD_RANDOMIZED = 0,
    LR_SVD_EXACT = 1,
    LR_SVD_KRYLOV = 2
} lr_svd_method;

/* How the sketch is re-orthonormalized during power iterations.
 *  AUTO: one fused pass over A per iteration computes A Z and A^T (A Z) from
 *        each cache-resident block of rows; the n-side block is re-orthonor-
 *        malized by QR after every pass and the m-side implicitly by a
 *        Cholesky-QR in double.  (q+1) passes instead of 2q+2.
 *  LU:   after every product, LU with partial pivoting (like scikit-learn).
 *  QR:   after every product, Householder QR.
 *  NONE: no normalization (only safe for q <= 2).
 * The final basis is always orthonormalized by QR. */
typedef enum lr_normalizer {
    LR_NORM_AUTO = 0,
    LR_NORM_LU = 1,
    LR_NORM_QR = 2,
    LR_NORM_NONE = 3
} lr_normalizer;

typedef struct lr_svd_opts {
    lr_svd_method method;   /* default LR_SVD_RANDOMIZED */
    int64_t k;              /* rank wanted (fixed-rank mode); default 10 */
    int64_t oversample;     /* p; default 10 */
    int power_iters;        /* q; default 4 (krylov: block count - 1) */
    lr_normalizer normalizer; /* default LR_NORM_AUTO */
    double tol;             /* > 0: fixed-accuracy mode, relative Frobenius
                               error wanted; default 0 (off) */
    double energy;          /* > 0: fixed-accuracy mode keeping this fraction
                               of ||A||_F^2 (tol = sqrt(1 - energy)) */
    int64_t block;          /* fixed-accuracy block size; default 16 */
    int64_t max_rank;       /* fixed-accuracy cap; 0 = min(m, n) */
    uint64_t seed;          /* default 0 */
    int want_u, want_vt;    /* default 1, 1 */
    double reserved[8];     /* keeps the size stable as options are added */
} lr_svd_opts;

LR_API void lr_svd_opts_default(lr_svd_opts *o);
/* NULL when the options are valid for an m x n problem, otherwise a
 * sentence that says what is wrong (static storage or stored in o). */
LR_API const char *lr_svd_opts_check(const lr_svd_opts *o, int64_t m,
                                     int64_t n);
/* Bytes lr_svd_dense / lr_svd_compute plan to allocate on top of an m x n
 * input of type t with these options and ctx's thread count (an upper
 * estimate: sketches, bases, the kernels' buffers, LAPACK's workspace, the
 * result).  This is what they compare with the memory limit (core.h). */
LR_API int64_t lr_svd_mem_estimate(const lr_ctx *ctx, int64_t m, int64_t n,
                                   lr_dtype t, const lr_svd_opts *o);

/* ---- Results ---------------------------------------------------------- */
typedef struct lr_svd lr_svd;

/* Computes a truncated SVD A ~ U diag(S) Vt of rank r.  Errors: LR_ERR_ARG
 * (bad options: message from lr_svd_opts_check), LR_ERR_NOMEM, LR_ERR_LAPACK,
 * LR_ERR_CANCELLED, LR_ERR_NOCONV (fixed-accuracy cap reached before the
 * tolerance: *out holds the best result so far).  LR_SVD_EXACT needs a dense
 * operator.  Memory: U (m x r) and Vt (r x n) plus O((m+n) l) workspace. */
LR_API lr_status lr_svd_compute(lr_ctx *ctx, const lr_op *A,
                                const lr_svd_opts *o, lr_svd **out);
/* Warm start (randomized and fixed-rank only): the first sketch uses the
 * columns of V0 (cols(A) x c, the operator's dtype, e.g. the V of a previous
 * result: lr_svd_vt transposed is not needed, pass lr_svd_v) in place of the
 * first c Gaussian columns; the remaining l - c columns stay random.  With a
 * good V0 one power iteration is enough (robust PCA uses this). */
LR_API lr_status lr_svd_compute_warm(lr_ctx *ctx, const lr_op *A,
                                     const lr_svd_opts *o, const lr_mat *V0,
                                     lr_svd **out);
/* Convenience: wraps A in a dense operator. */
LR_API lr_status lr_svd_dense(lr_ctx *ctx, const lr_mat *A,
                              const lr_svd_opts *o, lr_svd **out);
LR_API void lr_svd_destroy(lr_svd *s);

LR_API int64_t lr_svd_rank(const lr_svd *s);
/* Views into the result (valid until lr_svd_destroy).  U: m x r, Vt: r x n,
 * in the operator's dtype; empty views when not requested. */
LR_API lr_mat lr_svd_u(const lr_svd *s);
LR_API lr_mat lr_svd_vt(const lr_svd *s);
/* The right basis V (n x l, orthonormal columns, l >= r): the first r
 * columns are the right singular vectors; the rest span the remainder of the
 * sketch.  Meant as V0 for lr_svd_compute_warm.  Empty unless randomized. */
LR_API lr_mat lr_svd_v(const lr_svd *s);
/* r singular values, descending, in double. */
LR_API const double *lr_svd_s(const lr_svd *s);
/* ||A||_F^2 (negative when unknown). */
LR_API double lr_svd_frob2(const lr_svd *s);
/* sigma_i^2 / ||A||_F^2 (negative when ||A||_F is unknown). */
LR_API double lr_svd_explained_variance(const lr_svd *s, int64_t i);
/* A-posteriori relative error ||A - U S Vt||_F / ||A||_F, from
 * ||A||_F^2 - sum sigma_i^2 (exact for the projection U U^T A; negative when
 * unknown). */
LR_API double lr_svd_error_estimate(const lr_svd *s);
/* Passes made over A (one pass = one read of A, fused or not). */
LR_API int lr_svd_passes(const lr_svd *s);

#ifdef __cplusplus
}
#endif
#endif
