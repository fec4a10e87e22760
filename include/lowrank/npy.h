/* npy.h -- NumPy .npy files (format versions 1.0, 2.0 and 3.0 read; 1.0 or
 * 2.0 written).  Supported: little-endian float32 ('<f4') and float64
 * ('<f8'), 1-D or 2-D, C or Fortran order.  Everything else (big-endian,
 * integer, complex, object arrays, 3-D and up, truncated data) is refused
 * with LR_ERR_FORMAT and a message that names the file and the reason. */
#ifndef LOWRANK_NPY_H
#define LOWRANK_NPY_H
#include "lowrank/core.h"
#include "lowrank/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads path into a newly allocated matrix (*out, free with lr_mat_free).
 * A 1-D array of length n becomes n x 1.  want = 0 keeps the stored element
 * type, LR_F32/LR_F64 converts.  C-order data is transposed into column-
 * major.  max_bytes > 0 refuses arrays larger than that before allocating.
 * Errors: LR_ERR_IO, LR_ERR_FORMAT, LR_ERR_NOMEM. */
LR_API lr_status lr_npy_read(lr_ctx *ctx, const char *path, int want,
                             int64_t max_bytes, lr_mat *out);
/* The same from memory (the name is used in messages only). */
LR_API lr_status lr_npy_read_mem(lr_ctx *ctx, const void *buf, size_t len,
                                 const char *name, int want,
                                 int64_t max_bytes, lr_mat *out);
/* Writes m as a 2-D Fortran-order array (atomically: see lr_outfile). */
LR_API lr_status lr_npy_write(lr_ctx *ctx, const char *path, const lr_mat *m);
/* Writes n doubles as a 1-D array of element type t. */
LR_API lr_status lr_npy_write_vector(lr_ctx *ctx, const char *path,
                                     const double *v, int64_t n, lr_dtype t);

#ifdef __cplusplus
}
#endif
#endif
