/* project.c -- block Gram-Schmidt against an orthonormal basis, used by the
 * block Krylov and blocked QB methods. */
#include "svd_internal.h"

lr_status svd_project_out(lr_ctx *ctx, const lr_mat *Q, lr_mat *Y)
{
    int64_t c = Q->cols, l = Y->cols;
    if (c == 0 || l == 0) return LR_OK;
    lr_mat T = {0};
    double *D = lr__malloc(ctx, lr__bytes(c, l, 8), "projection");
    lr_status st = D ? lr_mat_alloc(ctx, Q->dtype, c, l, &T) : LR_ERR_NOMEM;
    /* Twice: classical Gram-Schmidt loses orthogonality once, not twice. */
    for (int pass = 0; pass < 2 && !st; pass++) {
        if ((st = k_dense_apply(ctx, Q, 0, 1, Y, &T))) break; /* T = Q^T Y */
        mat_to_double(&T, D);
        for (int64_t i = 0; i < c * l; i++) D[i] = -D[i];
        st = k_mul_small(ctx, Q, D, c, l, 1.0, Y);          /* Y -= Q T */
    }
    lr_mat_free(ctx, &T);
    lr__free(ctx, D);
    return st;
}
