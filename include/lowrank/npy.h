/* npy.h -- NumPy .npy files (format versions 1.0, 2.0 and 3.0 read; 1.0 or
 * 2.0 written).  Supported: little-endian float32 ('<f4') and float64
 * ('<f8'; also spelled 'f8', '=f8', '|f8', 'float64'), 0-D, 1-D or 2-D, C or
 * Fortran order, any header padding.  Everything else (big-endian, integer,
 * complex, object arrays, structured dtypes, 3-D and up, negative or
 * overflowing sizes, truncated data) is refused with LR_ERR_FORMAT and a
 * message that names the file and the reason.  Sizes are checked (overflow,
 * max_bytes, bytes actually present) before anything is allocated, so a
 * damaged header cannot cause a huge allocation. */
#ifndef LOWRANK_NPY_H
#define LOWRANK_NPY_H
#include "lowrank/core.h"
#include "lowrank/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads path into a newly allocated matrix (*out, ld = max(rows, 1), free
 * with lr_mat_free; *out is {0} on failure).  A 1-D array of length n
 * becomes n x 1, a 0-D array 1 x 1; 0 x n is allowed (an empty array whose
 * other dimension exceeds 2^31-1 is refused as damaged).  want = 0 keeps the stored
 * element type, LR_F32/LR_F64 converts.  Fortran-order data of the wanted
 * type is read straight into the matrix; C-order data is transposed into
 * column-major through a 4 MB buffer (no second full-size copy).
 * max_bytes > 0 refuses (LR_ERR_DATA) arrays whose matrix would need more
 * bytes than that.  Bytes after the data are ignored (a warning goes to the
 * log callback).  Errors: LR_ERR_ARG (bad want), LR_ERR_IO (cannot open or
 * read; a folder), LR_ERR_FORMAT, LR_ERR_DATA, LR_ERR_NOMEM,
 * LR_ERR_CANCELLED (the progress callback, stage "read"). */
LR_API lr_status lr_npy_read(lr_ctx *ctx, const char *path, int want,
                             int64_t max_bytes, lr_mat *out);
/* The shape and stored element type of path's array (header only; the
 * file's size is checked against it).  Any output may be NULL. */
LR_API lr_status lr_npy_shape(lr_ctx *ctx, const char *path, int64_t *rows,
                              int64_t *cols, lr_dtype *dtype);
/* Reads rows row0 .. row0 + nrows - 1 (all columns) of path's array into a
 * new nrows x cols matrix (nrows may be 0), converting to `want` as
 * lr_npy_read does: a band of a C-order file is one contiguous read, of a
 * Fortran-order file one read per column.  For row-distributed work (each
 * MPI rank reads its own band).  Errors as lr_npy_read, plus LR_ERR_ARG
 * when the rows are outside the array. */
LR_API lr_status lr_npy_read_rows(lr_ctx *ctx, const char *path, int want,
                                  int64_t row0, int64_t nrows, lr_mat *out);
/* The same from memory (the name is used in messages only). */
LR_API lr_status lr_npy_read_mem(lr_ctx *ctx, const void *buf, size_t len,
                                 const char *name, int want,
                                 int64_t max_bytes, lr_mat *out);
/* Writes m (any ld) as a 2-D Fortran-order array of m's element type,
 * atomically (see lr_outfile): on failure the previous file is unchanged and
 * no temporary remains.  Errors: LR_ERR_ARG, LR_ERR_IO, LR_ERR_NOMEM. */
LR_API lr_status lr_npy_write(lr_ctx *ctx, const char *path, const lr_mat *m);
/* Writes n doubles as a 1-D array of element type t (converted), atomically.
 * v may be NULL when n = 0.  Errors: LR_ERR_ARG, LR_ERR_IO, LR_ERR_NOMEM. */
LR_API lr_status lr_npy_write_vector(lr_ctx *ctx, const char *path,
                                     const double *v, int64_t n, lr_dtype t);

#ifdef __cplusplus
}
#endif
#endif
