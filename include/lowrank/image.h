/* image.h -- PNG and JPEG images as float planes.
 *
 * An lr_image is an opaque handle holding 1 (gray) or 3 (R, G, B) planes;
 * each plane is a height x width column-major lr_mat (pixel (row y, column
 * x) is element (y, x)) with values in [0, 1] and the element type the
 * caller chose.  Pixel row y of the file is matrix row y.
 *
 * Reading (libpng, libjpeg-turbo):
 *  - PNG: 1/2/4/8/16-bit gray, gray+alpha, RGB, RGBA and palette images,
 *    interlaced or not.  Palette images become RGB; alpha (and tRNS
 *    transparency) is dropped, not composited; 16-bit samples are scaled
 *    by 1/65535, 8-bit ones by 1/255; gray images give one plane.
 *  - JPEG: gray and YCbCr/RGB, baseline or progressive.  CMYK/YCCK JPEGs
 *    are refused (LR_ERR_FORMAT).
 *  - LR_IMAGE_GRAY converts colour images to one luma plane with the
 *    ITU-R BT.601 weights Y = 0.299 R + 0.587 G + 0.114 B, computed on the
 *    decoded [0,1] values (no gamma handling).
 *  - Refused with LR_ERR_FORMAT and a message naming the file: empty,
 *    truncated or corrupt files (bad CRC, bad compressed data, JPEG data
 *    the decoder had to patch up; JPEG has no checksum, so damage inside
 *    its entropy-coded data can decode silently to wrong pixels), unknown
 *    signatures, and images whose DECLARED size is 0 pixels or larger
 *    than max_pixels; the size is checked from the header before any
 *    pixel memory is allocated.
 *  - libpng and libjpeg report errors through setjmp/longjmp; the reader
 *    catches them and copies their text into the context's message.  They
 *    never print to stderr and never exit.  libpng warnings (for instance
 *    about ancillary chunks) go to the context's log at level 0.
 *
 * Writing: 8-bit PNG (gray or RGB), atomically (lr_outfile); values are
 * clamped to [0,1] and rounded (NaN becomes 0).  PNG and JPEG can also be
 * encoded to memory, for measuring sizes.
 *
 * Ownership: lr_image_read*, lr_image_create and lr_image_clone return a new
 * image the caller destroys with lr_image_destroy.  The image remembers the
 * context it was made with: that context must outlive it.  Buffers from
 * lr_image_encode_* are freed with lr_image_free_buffer on the same context.
 *
 * Memory: reading needs the planes (channels x height x width x dtype size)
 * plus one decoded row; an interlaced PNG also needs the whole image at its
 * stored depth (Adam7 passes revisit every row).
 */
#ifndef LOWRANK_IMAGE_H
#define LOWRANK_IMAGE_H
#include "lowrank/core.h"
#include "lowrank/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lr_image lr_image;

/* Flags for lr_image_read. */
#define LR_IMAGE_GRAY 1u /* convert colour to one BT.601 luma plane */

/* Default pixel cap used when max_pixels <= 0: 2^28 (268 million pixels,
 * 16384 x 16384), 3 GiB of float32 planes for an RGB image. */
#define LR_IMAGE_MAX_PIXELS_DEFAULT ((int64_t)1 << 28)

/* Reads a PNG or JPEG file (recognised by its signature, not its name) into
 * a new image of element type t (LR_F32 or LR_F64).  flags: 0 or
 * LR_IMAGE_GRAY.  max_pixels: declared width x height above this is refused
 * before allocating (<= 0: LR_IMAGE_MAX_PIXELS_DEFAULT).
 * Errors: LR_ERR_ARG, LR_ERR_IO (cannot open/read), LR_ERR_FORMAT (see the
 * list above), LR_ERR_NOMEM.  *out is NULL on failure. */
LR_API lr_status lr_image_read(lr_ctx *ctx, const char *path, lr_dtype t,
                               unsigned flags, int64_t max_pixels,
                               lr_image **out);
/* The same from len bytes at buf (not kept after the call); name is used in
 * messages only (may be NULL: "<memory>"). */
LR_API lr_status lr_image_read_mem(lr_ctx *ctx, const void *buf, size_t len,
                                   const char *name, lr_dtype t,
                                   unsigned flags, int64_t max_pixels,
                                   lr_image **out);

/* A new zero-filled image of `channels` (1 or 3) planes of height x width.
 * Errors: LR_ERR_ARG, LR_ERR_NOMEM. */
LR_API lr_status lr_image_create(lr_ctx *ctx, lr_dtype t, int64_t height,
                                 int64_t width, int channels, lr_image **out);
/* A deep copy of img, converted to element type t. */
LR_API lr_status lr_image_clone(lr_ctx *ctx, const lr_image *img, lr_dtype t,
                                lr_image **out);
/* NULL is a no-op. */
LR_API void lr_image_destroy(lr_image *img);

LR_API int64_t lr_image_height(const lr_image *img);
LR_API int64_t lr_image_width(const lr_image *img);
LR_API int lr_image_channels(const lr_image *img);
LR_API lr_dtype lr_image_dtype(const lr_image *img);
/* Plane c (0 <= c < channels) as a writable view (valid until destroy);
 * an empty view for a bad c. */
LR_API lr_mat lr_image_plane(const lr_image *img, int c);
/* What was read: "png" or "jpeg" ("" for created images), the bit depth of
 * the source samples (8 or 16; 0 when created), whether an alpha channel was
 * dropped, and whether the source had colour (before LR_IMAGE_GRAY). */
LR_API const char *lr_image_source_format(const lr_image *img);
LR_API int lr_image_source_bits(const lr_image *img);
LR_API int lr_image_source_alpha(const lr_image *img);
LR_API int lr_image_source_color(const lr_image *img);

/* Clamps every value to [0,1] and rounds it to the nearest multiple of
 * 1/(2^bits - 1) (bits 8 or 16), i.e. what writing an image file with that
 * depth and reading it back gives.  NaN becomes 0. */
LR_API lr_status lr_image_quantize(lr_ctx *ctx, lr_image *img, int bits);

/* Peak signal-to-noise ratio of `test` against `ref` with peak 1.0:
 * 10 log10(1 / MSE), MSE over every sample of every channel, accumulated in
 * double.  Identical images give +INFINITY.  *mse (may be NULL) receives
 * the MSE.  Shapes and channel counts must match.  Errors: LR_ERR_ARG. */
LR_API lr_status lr_image_psnr(lr_ctx *ctx, const lr_image *ref,
                               const lr_image *test, double *psnr,
                               double *mse);

/* Writes an 8-bit PNG (gray for 1 channel, RGB for 3) atomically.
 * Errors: LR_ERR_IO (with the folder or file named), LR_ERR_NOMEM. */
LR_API lr_status lr_image_write_png(lr_ctx *ctx, const lr_image *img,
                                    const char *path);
/* Encodes a PNG of depth bits (8 or 16) with libpng's default compression
 * into a new buffer (*buf, *len); free it with lr_image_free_buffer. */
LR_API lr_status lr_image_encode_png(lr_ctx *ctx, const lr_image *img,
                                     int bits, void **buf, size_t *len);
/* Encodes a baseline JPEG of quality 1..100 (libjpeg's standard tables and
 * 4:2:0 chroma subsampling for colour, optimized Huffman coding) into a new
 * buffer; free it with lr_image_free_buffer. */
LR_API lr_status lr_image_encode_jpeg(lr_ctx *ctx, const lr_image *img,
                                      int quality, void **buf, size_t *len);
/* Frees a buffer from lr_image_encode_*; NULL is a no-op. */
LR_API void lr_image_free_buffer(lr_ctx *ctx, void *buf);

#ifdef __cplusplus
}
#endif
#endif
