/* nmf.h -- non-negative matrix factorization, A ~ W H with W, H >= 0.
 *
 * Solvers (lr_nmf_opts.solver):
 *  - LR_NMF_CD: coordinate descent / Fast HALS on the Frobenius loss
 *    1/2 ||A - W H||_F^2 + regularisation (the method of scikit-learn's
 *    NMF(solver='cd')), for dense and sparse A.
 *  - LR_NMF_MU_KL: multiplicative updates for the generalised
 *    Kullback-Leibler divergence.
 * Initialisation: NNDSVD or NNDSVDa (Boutsidis & Gallopoulos 2008, from a
 * randomized SVD of A), or scaled random.  Regularisation:
 *   + l1_w ||W||_1 + l2_w/2 ||W||_F^2 + l1_h ||H||_1 + l2_h/2 ||H||_F^2.
 * Stops (lr_nmf_opts.stop) when the relative change of the loss between
 * iterations falls below tol (LR_NMF_STOP_LOSS, the default), or, for the
 * cd solver, when the iteration's violation -- the sum of |projected
 * gradient| met by the coordinate updates, scikit-learn's measure -- falls
 * below tol times the first iteration's (LR_NMF_STOP_VIOLATION: the same tol
 * then means the same as scikit-learn's); else after max_iter iterations
 * (then LR_ERR_NOCONV with the result).
 * Seeded; bit-identical factors for any thread count.
 *
 * Cost per iteration (cd): two products with A (O(nnz k) sparse, O(m n k)
 * dense) plus O((m + n) k^2); the loss comes from those products.  Memory:
 * A (lr_nmf_csr also keeps A^T: one more nnz) plus about 6 (m + n)(k + 10)
 * values (factors, products, the NNDSVD sketch); MU-KL on dense input works
 * on a CSR copy of A's non-zeros.
 */
#ifndef LOWRANK_NMF_H
#define LOWRANK_NMF_H
#include "lowrank/core.h"
#include "lowrank/mat.h"
#include "lowrank/sparse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lr_nmf_solver { LR_NMF_CD = 0, LR_NMF_MU_KL = 1 } lr_nmf_solver;
typedef enum lr_nmf_init {
    LR_NMF_INIT_NNDSVDA = 0,  /* zeros of NNDSVD filled with mean(A) */
    LR_NMF_INIT_NNDSVD = 1,
    LR_NMF_INIT_RANDOM = 2
} lr_nmf_init;

typedef enum lr_nmf_stop {
    LR_NMF_STOP_LOSS = 0,      /* (prev - loss) <= tol * prev */
    LR_NMF_STOP_VIOLATION = 1  /* violation <= tol * first violation (cd only) */
} lr_nmf_stop;

typedef struct lr_nmf_opts {
    int64_t k;             /* rank; default 10 */
    lr_nmf_solver solver;  /* default LR_NMF_CD */
    lr_nmf_init init;      /* default LR_NMF_INIT_NNDSVDA */
    double tol;            /* see stop; default 1e-4 */
    int max_iter;          /* default 200 */
    double l1_w, l2_w, l1_h, l2_h; /* default 0 */
    uint64_t seed;         /* default 0 */
    int stop;              /* lr_nmf_stop; default LR_NMF_STOP_LOSS */
    int reserved_i;
    double reserved[7];
} lr_nmf_opts;

LR_API void lr_nmf_opts_default(lr_nmf_opts *o);
/* NULL when valid for an m x n problem, else a sentence saying why not. */
LR_API const char *lr_nmf_opts_check(const lr_nmf_opts *o, int64_t m,
                                     int64_t n);

typedef struct lr_nmf lr_nmf;

/* A must be non-negative and finite (LR_ERR_DATA otherwise).  Errors also:
 * LR_ERR_ARG, LR_ERR_NOMEM, LR_ERR_CANCELLED, LR_ERR_NOCONV (max_iter reached:
 * *out holds the result). */
LR_API lr_status lr_nmf_dense(lr_ctx *ctx, const lr_mat *A,
                              const lr_nmf_opts *o, lr_nmf **out);
LR_API lr_status lr_nmf_csr(lr_ctx *ctx, const lr_csr *A,
                            const lr_nmf_opts *o, lr_nmf **out);
LR_API void lr_nmf_destroy(lr_nmf *r);

/* W: m x k, H: k x n, A's dtype; views valid until lr_nmf_destroy. */
LR_API lr_mat lr_nmf_w(const lr_nmf *r);
LR_API lr_mat lr_nmf_h(const lr_nmf *r);
LR_API int lr_nmf_iterations(const lr_nmf *r);
/* Loss after each iteration (entry 0: after initialisation); *n entries. */
LR_API const double *lr_nmf_loss_history(const lr_nmf *r, int *n);
/* Final loss: 1/2 ||A - WH||_F^2 (+ regularisation) for CD, KL for MU. */
LR_API double lr_nmf_loss(const lr_nmf *r);

#ifdef __cplusplus
}
#endif
#endif
