/* lrz.h -- .lrz files: an image stored as truncated SVD factors.
 *
 * For each channel c of an H x W image the file keeps the rank-k factors
 * U_c (H x k), sigma_c (k values) and V_c (W x k) of A_c ~ U_c diag(sigma_c)
 * V_c^T; the decoded image is that product, clamped to [0,1].  The byte
 * layout is in docs/FORMAT-lrz.md: a 64-byte header (magic, version, 64-bit
 * little-endian sizes, CRC-32 of the header) followed by one zstd frame
 * holding the factors, with zstd's content checksum (XXH64) switched on.
 *
 * Value encodings (lr_lrz_create's bits):
 *   32  factors stored as IEEE float32;
 *   16  each column of U and of V quantized to 16-bit codes q with its own
 *       offset and step: value = offset + step * q (offset, step float32);
 *    8  the same with 8-bit codes.
 * sigma is always stored as float64.  Quantization happens once, in
 * lr_lrz_create: the handle then holds exactly the values a reader of the
 * file will get back, so lr_lrz_reconstruct on a freshly created handle
 * gives, bit for bit, what decompressing the written file gives.
 *
 * The reader refuses, with LR_ERR_FORMAT and a message naming the file:
 * a wrong magic, a version newer than LR_LRZ_VERSION, unknown flags or
 * encodings, a header CRC mismatch, sizes that are absurd (more pixels than
 * max_pixels, k > min(H, W), channels not 1 or 3) or disagree with the
 * payload, truncated or trailing data, and a payload whose checksum fails.
 * All sizes are checked before the factors are allocated.
 *
 * Ownership: handles from lr_lrz_create / lr_lrz_read* are destroyed with
 * lr_lrz_destroy and remember their context, which must outlive them.
 * Buffers from lr_lrz_encode are freed with lr_lrz_free_buffer.
 * Memory: the handle holds C k (H + W) float32 values plus the codes
 * (C k (H + W) bytes, or twice that for 16 bits); encoding needs the
 * serialized payload and its compressed copy (both about that size).
 */
#ifndef LOWRANK_LRZ_H
#define LOWRANK_LRZ_H
#include "lowrank/core.h"
#include "lowrank/mat.h"
#include "lowrank/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Format version written; files with a larger version are refused. */
#define LR_LRZ_VERSION 1

typedef struct lr_lrz lr_lrz;

/* Builds a handle from per-channel factors of an H x W image with
 * `channels` (1 or 3) channels at rank k (1 <= k <= min(H, W)):
 *   U[c]:  H x k' matrix (k' >= k; its first k columns are used),
 *   s[c]:  k' singular values (the first k are used; finite, >= 0),
 *   Vt[c]: k'' x W matrix (k'' >= k; its first k rows are used),
 * for c = 0 .. channels-1, of either element type (as lr_svd_u / lr_svd_s /
 * lr_svd_vt give them).  bits is 32, 16 or 8 (see above).  The inputs are
 * copied, not kept.  Errors: LR_ERR_ARG (shapes, bits, k), LR_ERR_DATA
 * (NaN/Inf in a factor), LR_ERR_NOMEM. */
LR_API lr_status lr_lrz_create(lr_ctx *ctx, int64_t height, int64_t width,
                               int channels, int64_t k, int bits,
                               const lr_mat *U, const double *const *s,
                               const lr_mat *Vt, lr_lrz **out);
LR_API void lr_lrz_destroy(lr_lrz *z);

/* Default zstd level of lr_lrz_encode / lr_lrz_write (level 0). */
#define LR_LRZ_LEVEL_DEFAULT 9

/* Serializes the leading r terms of z (r = 0: all k; the file then says
 * k = r) to a new buffer: header + zstd frame at zstd level `level`
 * (1..22; 0 = LR_LRZ_LEVEL_DEFAULT).  Free with lr_lrz_free_buffer.
 * Errors: LR_ERR_ARG, LR_ERR_NOMEM. */
LR_API lr_status lr_lrz_encode(lr_ctx *ctx, const lr_lrz *z, int64_t r,
                               int level, void **buf, size_t *len);
LR_API void lr_lrz_free_buffer(lr_ctx *ctx, void *buf);
/* lr_lrz_encode, then written to path atomically (lr_outfile); *bytes (may
 * be NULL) receives the file size.  Errors: LR_ERR_ARG, LR_ERR_IO,
 * LR_ERR_NOMEM. */
LR_API lr_status lr_lrz_write(lr_ctx *ctx, const lr_lrz *z, const char *path,
                              int64_t r, int level, int64_t *bytes);

/* Reads a .lrz file (see the refusals above).  max_pixels <= 0 means
 * LR_IMAGE_MAX_PIXELS_DEFAULT.  Errors: LR_ERR_IO, LR_ERR_FORMAT,
 * LR_ERR_NOMEM. */
LR_API lr_status lr_lrz_read(lr_ctx *ctx, const char *path,
                             int64_t max_pixels, lr_lrz **out);
/* The same from memory; name is used in messages only (NULL: "<memory>"). */
LR_API lr_status lr_lrz_read_mem(lr_ctx *ctx, const void *buf, size_t len,
                                 const char *name, int64_t max_pixels,
                                 lr_lrz **out);

LR_API int64_t lr_lrz_height(const lr_lrz *z);
LR_API int64_t lr_lrz_width(const lr_lrz *z);
LR_API int lr_lrz_channels(const lr_lrz *z);
LR_API int64_t lr_lrz_rank(const lr_lrz *z);
LR_API int lr_lrz_bits(const lr_lrz *z);
/* The decoded factors of channel c (views valid until destroy; float32):
 * U is H x k, Vt is k x W (with ld = k), s has k values. */
LR_API lr_mat lr_lrz_u(const lr_lrz *z, int c);
LR_API lr_mat lr_lrz_vt(const lr_lrz *z, int c);
LR_API const double *lr_lrz_s(const lr_lrz *z, int c);

/* The image sum_{i<r} sigma_i u_i v_i^T per channel, clamped to [0,1], as a
 * new image of element type t (free with lr_image_destroy).  r = 0 uses the
 * full rank k; 0 < r <= k uses the leading r terms (quantization is per
 * vector, so this is exactly what a file written at rank r decodes to).
 * Cost: C H W r multiply-adds (BLAS GEMM in float32).
 * Errors: LR_ERR_ARG, LR_ERR_NOMEM. */
LR_API lr_status lr_lrz_reconstruct(lr_ctx *ctx, const lr_lrz *z, int64_t r,
                                    lr_dtype t, lr_image **out);

#ifdef __cplusplus
}
#endif
#endif
