/* mat.h -- dense column-major matrix views.
 *
 * An lr_mat is a view: element (i,j) of a matrix of element type dtype lives
 * at data + (i + j*ld) * lr_dtype_size(dtype), with ld >= rows.  A view never
 * owns its memory unless it came from lr_mat_alloc, and then it must be given
 * back with lr_mat_free on the same context.  The struct is plain data and
 * will not grow: it is safe to copy and to build by hand.
 */
#ifndef LOWRANK_MAT_H
#define LOWRANK_MAT_H
#include "lowrank/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lr_dtype { LR_F32 = 1, LR_F64 = 2 } lr_dtype;

typedef struct lr_mat {
    lr_dtype dtype;
    int64_t rows, cols, ld;
    void *data;
} lr_mat;

/* 4 or 8; 0 for an unknown dtype. */
LR_API size_t lr_dtype_size(lr_dtype t);
/* "f32" / "f64". */
LR_API const char *lr_dtype_name(lr_dtype t);

/* Allocates a zero-filled rows x cols matrix with ld = rows (64-byte aligned).
 * rows or cols may be 0.  Refuses sizes whose byte count overflows.
 * Errors: LR_ERR_ARG, LR_ERR_NOMEM (out is then {0}). */
LR_API lr_status lr_mat_alloc(lr_ctx *ctx, lr_dtype t, int64_t rows,
                              int64_t cols, lr_mat *out);
/* Frees what lr_mat_alloc gave and zeroes *m; NULL or an empty view is fine. */
LR_API void lr_mat_free(lr_ctx *ctx, lr_mat *m);

/* A view of existing memory; no checks, no allocation. */
LR_API lr_mat lr_mat_view(lr_dtype t, int64_t rows, int64_t cols, int64_t ld,
                          void *data);
/* The block of m starting at (r0,c0) of size rows x cols (shares memory). */
LR_API lr_mat lr_mat_block(const lr_mat *m, int64_t r0, int64_t c0,
                           int64_t rows, int64_t cols);

/* Element access for tests and small work (slow: not for inner loops). */
LR_API double lr_mat_get(const lr_mat *m, int64_t i, int64_t j);
LR_API void lr_mat_set(lr_mat *m, int64_t i, int64_t j, double v);

/* dst = src, converting the element type if they differ.  Shapes must match.
 * Errors: LR_ERR_ARG. */
LR_API lr_status lr_mat_copy(lr_ctx *ctx, const lr_mat *src, lr_mat *dst);

/* LR_OK when every element is finite; otherwise LR_ERR_DATA with a message
 * naming `what` and the first bad element's position. */
LR_API lr_status lr_mat_check_finite(lr_ctx *ctx, const lr_mat *m,
                                     const char *what);

/* Frobenius norm squared, accumulated in double in a fixed order (the same
 * bits whatever the thread count). */
LR_API double lr_mat_frob2(lr_ctx *ctx, const lr_mat *m);

/* Checks that a view is well formed (known dtype, sizes >= 0, ld >= rows,
 * data non-NULL when non-empty).  `what` names it in the message. */
LR_API lr_status lr_mat_check(lr_ctx *ctx, const lr_mat *m, const char *what);

#ifdef __cplusplus
}
#endif
#endif
