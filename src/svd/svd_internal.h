/* svd_internal.h -- shared by the SVD sources: operator and result layouts,
 * the oriented operator the algorithms run on, the common final step. */
#ifndef LR_SVD_INTERNAL_H
#define LR_SVD_INTERNAL_H
#include "kernel.h"

struct lr_op {
    lr_dtype dtype;
    int64_t rows, cols;
    int dense;          /* A below is valid */
    lr_mat A;
    lr_op_apply_fn fn;  /* custom operators */
    void *user;
    double frob2;       /* < 0: unknown */
    lr_allocator alloc; /* the creating context's (destroy has none) */
    void (*release)(void *user); /* called by lr_op_destroy when set */
    lr_rowdist dist;    /* dist.allreduce != NULL: a band of a row-distributed
                           matrix (svd.h) */
};

/* Makes lr_op_destroy call release(user): for operators (sparse) that own
 * what their user pointer holds. */
void op_set_release(lr_op *op, void (*release)(void *user));


/* Global row count of op (rows of the band's whole matrix). */
int64_t op_global_rows(const lr_op *op);
static inline int op_is_dist(const lr_op *op) { return op->dist.allreduce != NULL; }
/* Reduces buf (n doubles) over the processes sharing op; a no-op for a
 * single-process operator. */
lr_status op_allreduce(lr_ctx *ctx, const lr_op *op, double *buf, int64_t n,
                       lr_reduce_op how);
/* Sums X (dtype matrix, any ld) over the processes, with `extra` doubles
 * appended to the same message (may be NULL / 0). */
lr_status op_allreduce_mat(lr_ctx *ctx, const lr_op *op, lr_mat *X, double *extra,
                           int64_t nextra);

struct lr_svd {
    lr_ctx own;         /* allocator that owns the buffers below */
    lr_dtype dtype;
    int64_t m, n, r;
    lr_mat U, Vt, V;    /* V: right basis for warm starts (n x l) */
    double *s;
    double frob2;
    int passes;
};

/* The operator the algorithm works on: B = A (t = 0) or B = A^T (t = 1),
 * chosen so that B is tall and the fused pass applies. */
typedef struct {
    const lr_op *op;
    int t;
    int *passes;
} lr_bop;

int64_t bop_rows(const lr_bop *b);
int64_t bop_cols(const lr_bop *b);
/* Rows of B over all processes (a distributed op is never transposed). */
static inline int64_t bop_global_rows(const lr_bop *b)
{
    return b->t ? b->op->cols : op_global_rows(b->op);
}
/* Y = B X (trans 0) or B^T X (trans 1); counts a pass. */
lr_status bop_apply(lr_ctx *ctx, const lr_bop *b, int trans, const lr_mat *X,
                    lr_mat *Y);
/* Y = B Z, W = B^T Y (one pass when dense); frob2 may be NULL. */
lr_status bop_fused(lr_ctx *ctx, const lr_bop *b, const lr_mat *Z, lr_mat *Y,
                    lr_mat *W, double *frob2);

/* Allocates an empty result for an m x n problem. */
lr_svd *svd_new(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n);
/* The common last step: given Q (rows(B) x L, orthonormal) and Wt = B^T Q
 * (double, cols(B) x L, ld = cols(B), destroyed), computes the SVD of Wt,
 * keeps rank k (k <= L; k <= 0 picks the smallest rank meeting tol2, the
 * allowed squared error, capped at L), applies the sign convention and maps
 * back to A's orientation.  Fills res (U, s, Vt, V basis).  take_q: Q is
 * the caller's own allocation (lr_mat_alloc on ctx), which then becomes Q Vw
 * in place (part of the result; *Q is zeroed); else Q is left as it is. */
lr_status svd_finish(lr_ctx *ctx, const lr_bop *b, lr_mat *Q, int take_q, double *Wt,
                     int64_t L, int64_t k, double tol2, const lr_svd_opts *o,
                     lr_svd *res);

/* The thin SVD of a tall C x L double matrix Wt (C >= 2 L, destroyed):
 * s (L), Uw (C x L, ld C), Vwt (L x L), by Cholesky-QR2 and an L x L SVD,
 * falling back to gesdd when Wt is too ill-conditioned for Cholesky-QR. */
lr_status svd_tall(lr_ctx *ctx, int64_t C, int64_t L, double *Wt, double *s, double *Uw,
                   double *Vwt);

/* Makes the largest-magnitude entry of each column of U positive, flipping
 * the matching row of Vt and column of V. */
lr_status svd_fix_signs(lr_ctx *ctx, lr_svd *r, const lr_op *op);

lr_status svd_exact(lr_ctx *ctx, const lr_op *A, const lr_svd_opts *o, lr_svd *res);
lr_status svd_randomized(lr_ctx *ctx, const lr_bop *b, const lr_svd_opts *o,
                         const lr_mat *V0, lr_svd *res);
lr_status svd_krylov(lr_ctx *ctx, const lr_bop *b, const lr_svd_opts *o, lr_svd *res);
lr_status svd_qb(lr_ctx *ctx, const lr_bop *b, const lr_svd_opts *o, lr_svd *res);

/* A dtype matrix -> double buffer (ld = rows) and back. */
void mat_to_double(const lr_mat *X, double *D);
void double_to_mat(const double *D, lr_mat *X);


/* Y <- (I - Q Q^T) Y, twice (CGS2); Q has orthonormal columns. */
lr_status svd_project_out(lr_ctx *ctx, const lr_mat *Q, lr_mat *Y);
#endif
