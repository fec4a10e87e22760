/* mtx.h -- Matrix Market (.mtx) files <-> sparse CSR matrices.
 *
 * Reading: "%%MatrixMarket matrix coordinate real|integer|pattern
 * general|symmetric" (pattern entries read as 1; a symmetric file stores the
 * lower triangle and is mirrored) and "matrix array real|integer general"
 * (column-major; zeros are dropped).  Duplicated coordinates are summed.
 * Refused with LR_ERR_FORMAT and a message naming the file and line: a bad
 * or unsupported header, a malformed size or entry line, indices out of
 * range, fewer or more entries than declared, a symmetric entry above the
 * diagonal; with LR_ERR_DATA: NaN/Inf (or beyond float32's range when
 * reading as f32).  Declared sizes whose reading would exceed the context's
 * memory limit (lr_ctx_set_mem_limit) are refused before anything is
 * allocated with LR_ERR_NOMEM and lr_ctx_mem_refused() true, as the other
 * readers (lr_npy_read, lr_image_read) refuse them.
 * Memory while reading: about 64 bytes per stored entry, then the CSR
 * (16 + 4 or 8 bytes per entry).  The entry arrays grow with the lines
 * actually read: a short file cannot make the reader allocate the size its
 * header merely declares.
 *
 * Writing: "coordinate real general", 1-based, %.9g (f32) / %.17g (f64), so
 * reading back gives the same bits; atomically through lr_outfile. */
#ifndef LOWRANK_MTX_H
#define LOWRANK_MTX_H
#include "lowrank/core.h"
#include "lowrank/sparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads path as element type t into *out (free with lr_csr_free; *out is
 * zeroed on failure).  Errors: LR_ERR_IO, LR_ERR_FORMAT, LR_ERR_DATA,
 * LR_ERR_NOMEM (a failed allocation, or a refusal under the memory limit:
 * lr_ctx_mem_refused), LR_ERR_ARG (bad t). */
LR_API lr_status lr_mtx_read(lr_ctx *ctx, const char *path, lr_dtype t, lr_csr *out);
/* Writes a (checked first with lr_csr_check).  Errors: LR_ERR_ARG,
 * LR_ERR_DATA, LR_ERR_IO. */
LR_API lr_status lr_mtx_write(lr_ctx *ctx, const char *path, const lr_csr *a);

#ifdef __cplusplus
}
#endif
#endif
