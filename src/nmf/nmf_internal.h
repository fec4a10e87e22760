/* nmf_internal.h -- shared by the NMF sources: the data (dense or CSR with
 * its transpose), the result layout, the solvers and the kernels. */
#ifndef LR_NMF_INTERNAL_H
#define LR_NMF_INTERNAL_H
#include "kernel.h"
#include "../sparse/sparse_internal.h"

/* A, dense (D) or sparse (S with its transpose St, kept for A^T X). */
typedef struct {
    lr_dtype t;
    int64_t m, n;
    const lr_mat *D;
    const lr_csr *S;
    lr_csr St;       /* owned when S is set */
    double frob2;    /* ||A||_F^2 */
    double sum;      /* sum of all entries */
    csr_scratch *sc; /* row-major copy reused by every sparse product */
} nmf_data;

struct lr_nmf {
    lr_ctx own;      /* allocator owning the buffers below */
    lr_mat W, H;     /* m x k, k x n */
    int iters;
    double *hist;    /* max_iter + 1 entries */
    int nhist;
    double loss;
};

/* Y = A X (trans 0) or A^T X (trans 1), deterministic. */
lr_status nmf_mul(lr_ctx *ctx, const nmf_data *d, int trans, const lr_mat *X, lr_mat *Y);
/* The same for sparse A with X given as its row-major mirror Xr (X->rows x
 * bs, bs = csr_rowmajor_stride(t, X->cols), zero padded). */
lr_status nmf_mul_rows(lr_ctx *ctx, const nmf_data *d, int trans, const void *Xr,
                       int64_t b, int64_t bs, lr_mat *Y);

/* Initial W (m x k) and Ht = H^T (n x k), both column-major of A's dtype. */
lr_status nmf_init(lr_ctx *ctx, const nmf_data *d, const lr_nmf_opts *o, lr_mat *W,
                   lr_mat *Ht);

/* The solvers: iterate from the initial W, Ht (updated in place), filling
 * res->hist, nhist, iters, loss.  Return LR_ERR_NOCONV at max_iter. */
lr_status nmf_cd(lr_ctx *ctx, const nmf_data *d, const lr_nmf_opts *o, lr_mat *W,
                 lr_mat *Ht, lr_nmf *res);
lr_status nmf_mu_kl(lr_ctx *ctx, const nmf_data *d, const lr_nmf_opts *o, lr_mat *W,
                    lr_mat *Ht, lr_nmf *res);

/* ---- kernels (nmf_kern.c, written once in nmf_kern_impl.h) ---------------
 * One coordinate-descent sweep (Fast HALS) of rows [r0, r1) of F (r x k,
 * column-major, ld ldf): for each row and each component t in order,
 *   F(i,t) = max(0, F(i,t) - ((F G)(i,t) - P(i,t) + l1) / (G(t,t) + l2)),
 * G: k x k double (the other factor's Gram), P: A times the other factor,
 * row i at P + (i - p0), column t at + t ldp (the whole r x k with p0 = 0, or
 * a block of rows made just before).  f: NK_RB * (k * k + NMF_KG * k + 3) doubles of scratch
 * (64-byte aligned).  Fr, when not NULL, is F's row-major mirror (row
 * stride bs), updated too.  stats (k * k + 3): the updated rows' Gram
 * matrix, sum of entries, <F, P> and the violation (sum of |projected
 * gradient| before each update, scikit-learn's measure). */
void nmf_cd_rows(lr_dtype t, void *F, int64_t ldf, const void *P, int64_t ldp, int64_t p0,
                 int64_t r0, int64_t r1, int64_t k, const double *G, double l1, double l2,
                 double *f, void *Fr, int64_t bs, double *stats);
/* Multiplicative KL update of rows [r0, r1) of X (row-major, r x k) against
 * the rows of S (the data or its transpose) and Y (row-major, the other
 * factor): X(i,t) *= sum_p S_p / (X_i . Y_c + eps) Y(c,t) / (den[t] + l2 X(i,t)).
 * acc: k doubles of scratch. */
void nmf_mu_rows(lr_dtype t, const lr_csr *S, void *X, const void *Y, int64_t k,
                 int64_t r0, int64_t r1, const double *den, double l2, double *acc);
/* sum over the stored entries of rows [r0, r1) of a log(a / (x.y + eps)) - a. */
double nmf_kl_rows(lr_dtype t, const lr_csr *S, const void *X, const void *Y, int64_t k,
                   int64_t r0, int64_t r1);

#define NMF_EPS 1.1920929e-07 /* float32 machine epsilon, as scikit-learn */
#define NMF_ROWS 256          /* rows per work item in the threaded sweeps */
#define NK_RB 8               /* rows per vector (lanes) in the sweep kernel */
#define NMF_KG 4              /* vectors of rows interleaved there (NK_NG) */
#endif
