/* image.c -- PNG (libpng) and JPEG (libjpeg-turbo) to and from float planes.
 *
 * Both libraries report fatal errors by calling an error function that must
 * not return; ours copies the text into a state struct and longjmps back to
 * the setjmp in the reader/writer, which frees what it holds and turns the
 * text into lr__err(ctx, LR_ERR_FORMAT, ...).  Everything a reader holds
 * across the setjmp lives in that state struct (not in locals); the one
 * local that changes on both sides, the status, is volatile.  Warnings never reach stderr: libpng's go to the
 * context log, libjpeg's are treated as errors (they mean the decoder had to
 * patch up corrupt or truncated data). */
#include "internal.h"
#include <errno.h>
#include <jpeglib.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct lr_image {
    lr_ctx *ctx;
    int64_t h, w;
    int channels;
    lr_dtype dtype;
    lr_mat plane[3];
    char format[8];
    int src_bits, src_alpha, src_color;
};

/* ---- the handle --------------------------------------------------------- */

lr_status lr_image_create(lr_ctx *ctx, lr_dtype t, int64_t height,
                          int64_t width, int channels, lr_image **out)
{
    *out = NULL;
    if (t != LR_F32 && t != LR_F64)
        return lr__err(ctx, LR_ERR_ARG, "image element type must be f32 or f64");
    if (channels != 1 && channels != 3)
        return lr__err(ctx, LR_ERR_ARG, "an image has 1 or 3 channels, not %d", channels);
    if (height <= 0 || width <= 0)
        return lr__err(ctx, LR_ERR_ARG, "image size %lld x %lld is empty",
                       (long long)height, (long long)width);
    lr_image *img = lr__calloc(ctx, 1, sizeof *img, "image");
    if (!img) return LR_ERR_NOMEM;
    img->ctx = ctx;
    img->h = height, img->w = width, img->channels = channels, img->dtype = t;
    for (int c = 0; c < channels; c++) {
        lr_status s = lr_mat_alloc(ctx, t, height, width, &img->plane[c]);
        if (s != LR_OK) {
            lr_image_destroy(img);
            return s;
        }
    }
    *out = img;
    return LR_OK;
}

void lr_image_destroy(lr_image *img)
{
    if (!img) return;
    for (int c = 0; c < 3; c++) lr_mat_free(img->ctx, &img->plane[c]);
    lr__free(img->ctx, img);
}

lr_status lr_image_clone(lr_ctx *ctx, const lr_image *img, lr_dtype t,
                         lr_image **out)
{
    lr_status s = lr_image_create(ctx, t, img->h, img->w, img->channels, out);
    if (s != LR_OK) return s;
    for (int c = 0; c < img->channels; c++)
        lr_mat_copy(ctx, &img->plane[c], &(*out)->plane[c]);
    memcpy((*out)->format, img->format, sizeof img->format);
    (*out)->src_bits = img->src_bits;
    (*out)->src_alpha = img->src_alpha;
    (*out)->src_color = img->src_color;
    return LR_OK;
}

int64_t lr_image_height(const lr_image *img) { return img->h; }
int64_t lr_image_width(const lr_image *img) { return img->w; }
int lr_image_channels(const lr_image *img) { return img->channels; }
lr_dtype lr_image_dtype(const lr_image *img) { return img->dtype; }
const char *lr_image_source_format(const lr_image *img) { return img->format; }
int lr_image_source_bits(const lr_image *img) { return img->src_bits; }
int lr_image_source_alpha(const lr_image *img) { return img->src_alpha; }
int lr_image_source_color(const lr_image *img) { return img->src_color; }

lr_mat lr_image_plane(const lr_image *img, int c)
{
    if (!img || c < 0 || c >= img->channels) return (lr_mat){0};
    return img->plane[c];
}

/* ---- storing decoded rows ----------------------------------------------
 * row holds w pixels of nin interleaved samples (1 or 3), 8-bit or 16-bit
 * big-endian (libpng's layout; libjpeg rows are 8-bit).  Writes pixel row y
 * of every plane, converting to luma when the image has 1 plane and the row
 * has 3 samples. */
static inline double sample(const unsigned char *row, size_t i, int bits)
{
    return bits == 16 ? (double)((row[2 * i] << 8) | row[2 * i + 1]) : (double)row[i];
}

static void store_row(lr_image *img, int64_t y, const unsigned char *row,
                      int nin, int bits)
{
    /* Divide (not multiply by 1/q): the same rounding as lr_image_quantize. */
    const double den = bits == 16 ? 65535.0 : 255.0;
    for (int64_t x = 0; x < img->w; x++) {
        size_t i = (size_t)x * nin;
        double v[3];
        if (nin == 1) {
            v[0] = sample(row, i, bits) / den;
        } else if (img->channels == 1) {
            /* ITU-R BT.601 luma */
            v[0] = (0.299 * sample(row, i, bits) + 0.587 * sample(row, i + 1, bits) +
                    0.114 * sample(row, i + 2, bits)) / den;
        } else {
            for (int c = 0; c < 3; c++) v[c] = sample(row, i + c, bits) / den;
        }
        size_t o = (size_t)(y + x * img->plane[0].ld);
        for (int c = 0; c < img->channels; c++) {
            if (img->dtype == LR_F32) ((float *)img->plane[c].data)[o] = (float)v[c];
            else ((double *)img->plane[c].data)[o] = v[c];
        }
    }
}

/* Checks a declared size against the cap before anything is allocated. */
static lr_status check_size(lr_ctx *ctx, const char *name, const char *fmt,
                            uint64_t w, uint64_t h, int64_t max_pixels)
{
    if (max_pixels <= 0) max_pixels = LR_IMAGE_MAX_PIXELS_DEFAULT;
    if (w == 0 || h == 0)
        return lr__err(ctx, LR_ERR_FORMAT, "'%s': %s declares an empty image (%llu x %llu "
                       "pixels)", name, fmt, (unsigned long long)w, (unsigned long long)h);
    /* w, h < 2^32 for both formats: the product cannot overflow 64 bits. */
    if (w * h > (uint64_t)max_pixels)
        return lr__err(ctx, LR_ERR_FORMAT, "'%s': %s declares %llu x %llu pixels, more "
                       "than the limit of %lld pixels; refused before reading (raise the "
                       "pixel limit if the image is genuine)", name, fmt,
                       (unsigned long long)w, (unsigned long long)h, (long long)max_pixels);
    return LR_OK;
}

/* The context's memory plan for the planes about to be allocated. */
static lr_status check_mem(lr_ctx *ctx, const char *name, int64_t w, int64_t h, int planes,
                           lr_dtype t)
{
    char what[400];
    snprintf(what, sizeof what, "'%.300s' (%lld x %lld pixels, %d channel%s)", name,
             (long long)w, (long long)h, planes, planes > 1 ? "s" : "");
    return lr__mem_reader(ctx, h, w, planes, t, what);
}

/* ---- PNG reading -------------------------------------------------------- */
typedef struct {
    lr_ctx *ctx;
    const char *name;
    FILE *fp;
    char msg[256];
    int nomem;
    size_t cap;             /* largest single allocation libpng may make */
    png_structp png;
    png_infop info;
    unsigned char *buf;     /* one row, or the whole image when interlaced */
    png_bytep *rows;
    lr_image *img;
} png_rd;

static void png_err_fn(png_structp png, png_const_charp msg)
{
    png_rd *st = png_get_error_ptr(png);
    snprintf(st->msg, sizeof st->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warn_fn(png_structp png, png_const_charp msg)
{
    png_rd *st = png_get_error_ptr(png);
    lr__log(st->ctx, 0, "'%s': libpng: %s", st->name, msg);
}

static png_voidp png_malloc_fn(png_structp png, png_alloc_size_t size)
{
    png_rd *st = png_get_mem_ptr(png);
    /* libpng sizes some buffers from lengths in the file: refuse absurd ones
     * (a NULL here becomes a format error, not an out-of-memory one). */
    if (st->cap && size > st->cap) return NULL;
    void *p = lr__malloc(st->ctx, size, "PNG decoder");
    if (!p) st->nomem = 1;
    return p;
}

static void png_free_fn(png_structp png, png_voidp p)
{
    png_rd *st = png_get_mem_ptr(png);
    lr__free(st->ctx, p);
}

static void png_read_fn(png_structp png, png_bytep data, size_t len)
{
    png_rd *st = png_get_io_ptr(png);
    size_t got = fread(data, 1, len, st->fp);
    if (got != len) {
        if (ferror(st->fp)) png_error(png, "read error");
        png_error(png, "file ends early (truncated)");
    }
}

static lr_status read_png(lr_ctx *ctx, FILE *fp, const char *name, lr_dtype t,
                          unsigned flags, int64_t max_pixels, lr_image **out)
{
    png_rd st_mem = {0}, *st = &st_mem;
    st->ctx = ctx, st->name = name, st->fp = fp;
    volatile lr_status s = LR_OK; /* set on both sides of setjmp */
    st->png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, st, png_err_fn, png_warn_fn,
                                       st, png_malloc_fn, png_free_fn);
    if (!st->png) return lr__err(ctx, LR_ERR_NOMEM, "'%s': out of memory starting libpng", name);
    if (setjmp(png_jmpbuf(st->png))) {
        /* s is not read here: locals changed after setjmp are indeterminate. */
        if (st->nomem) s = lr__err(ctx, LR_ERR_NOMEM, "'%s': out of memory decoding PNG", name);
        else s = lr__err(ctx, LR_ERR_FORMAT, "'%s': PNG is corrupt or truncated (%s)", name, st->msg);
        goto done;
    }
    st->info = png_create_info_struct(st->png);
    if (!st->info) png_error(st->png, "out of memory");
    png_set_read_fn(st->png, st, png_read_fn);
    /* Our own cap is applied below; lift libpng's default 1e6 x 1e6 one so
     * that oversized images get our message. */
    png_set_user_limits(st->png, 0x7fffffff, 0x7fffffff);
    /* A chunk length is attacker-controlled: cap what libpng may allocate
     * for one ancillary chunk (image data is checked against max_pixels). */
    png_set_chunk_malloc_max(st->png, (png_alloc_size_t)64 << 20);
    st->cap = (size_t)64 << 20; /* before the header: chunk buffers only */
    png_read_info(st->png, st->info);

    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(st->png, st->info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    if ((s = check_size(ctx, name, "PNG header", w, h, max_pixels)) != LR_OK) goto done;
    st->cap += (size_t)w * 16; /* row buffers: at most 8 bytes a pixel, twice */

    int color = (ctype & PNG_COLOR_MASK_COLOR) != 0;
    int alpha = (ctype & PNG_COLOR_MASK_ALPHA) != 0 ||
                png_get_valid(st->png, st->info, PNG_INFO_tRNS);
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(st->png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(st->png);
    /* palette_to_rgb turns tRNS into an alpha channel; strip every alpha. */
    png_set_strip_alpha(st->png);
    int passes = png_set_interlace_handling(st->png);
    png_read_update_info(st->png, st->info);
    int nin = png_get_channels(st->png, st->info);
    int bits = png_get_bit_depth(st->png, st->info);
    size_t rowbytes = png_get_rowbytes(st->png, st->info);
    if ((nin != 1 && nin != 3) || (bits != 8 && bits != 16) || rowbytes < (size_t)w * nin) {
        s = lr__err(ctx, LR_ERR_INTERNAL, "'%s': unexpected PNG layout after conversion "
                    "(%d channels, %d bits)", name, nin, bits);
        goto done;
    }
    int planes = (color && !(flags & LR_IMAGE_GRAY)) ? 3 : 1;
    if ((s = check_mem(ctx, name, w, h, planes, t)) != LR_OK) goto done;
    if ((s = lr_image_create(ctx, t, h, w, planes, &st->img)) != LR_OK) goto done;
    snprintf(st->img->format, sizeof st->img->format, "png");
    st->img->src_bits = depth == 16 ? 16 : 8;
    st->img->src_alpha = alpha;
    st->img->src_color = color;

    if (passes == 1) {
        if (!(st->buf = lr__malloc(ctx, rowbytes, "PNG row"))) {
            s = LR_ERR_NOMEM;
            goto done;
        }
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(st->png, st->buf, NULL);
            store_row(st->img, y, st->buf, nin, bits);
            if ((y & 255) == 255 &&
                (s = lr__progress(ctx, "decode", (double)y / h, "%s", name)) != LR_OK)
                goto done;
        }
    } else {
        st->buf = lr__malloc(ctx, lr__bytes(h, rowbytes, 1), "interlaced PNG image");
        st->rows = lr__malloc(ctx, lr__bytes(h, 1, sizeof *st->rows), "PNG row pointers");
        if (!st->buf || !st->rows) {
            s = LR_ERR_NOMEM;
            goto done;
        }
        for (png_uint_32 y = 0; y < h; y++) st->rows[y] = st->buf + (size_t)y * rowbytes;
        png_read_image(st->png, st->rows);
        for (png_uint_32 y = 0; y < h; y++) store_row(st->img, y, st->rows[y], nin, bits);
    }
    /* Reads the remaining chunks up to IEND: catches truncation and CRC
     * errors after the image data. */
    png_read_end(st->png, NULL);

done:
    png_destroy_read_struct(&st->png, st->info ? &st->info : NULL, NULL);
    lr__free(ctx, st->buf);
    lr__free(ctx, st->rows);
    if (s != LR_OK) {
        lr_image_destroy(st->img);
        return s;
    }
    *out = st->img;
    return LR_OK;
}

/* ---- JPEG reading -------------------------------------------------------- */
typedef struct {
    struct jpeg_error_mgr pub; /* first: libjpeg casts cinfo->err to this */
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
} jpg_err;

static void jpg_error_exit(j_common_ptr cinfo)
{
    jpg_err *e = (jpg_err *)cinfo->err;
    cinfo->err->format_message(cinfo, e->msg);
    longjmp(e->jb, 1);
}

/* Warnings (level -1) mean corrupt or truncated data that the decoder
 * patched up; we refuse such files.  Trace messages (level >= 0) are
 * ignored. */
static void jpg_emit_message(j_common_ptr cinfo, int level)
{
    if (level >= 0) return;
    jpg_err *e = (jpg_err *)cinfo->err;
    cinfo->err->format_message(cinfo, e->msg);
    longjmp(e->jb, 1);
}

static void jpg_output_message(j_common_ptr cinfo) { (void)cinfo; }
static void jpg_emit_ignore(j_common_ptr cinfo, int level) { (void)cinfo, (void)level; }

static void jpg_err_init(jpg_err *e)
{
    jpeg_std_error(&e->pub);
    e->pub.error_exit = jpg_error_exit;
    e->pub.emit_message = jpg_emit_message;
    e->pub.output_message = jpg_output_message;
    e->msg[0] = 0;
}

typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpg_err err;
    unsigned char *row;
    lr_image *img;
} jpg_rd;

static lr_status read_jpeg(lr_ctx *ctx, FILE *fp, const char *name, lr_dtype t,
                           unsigned flags, int64_t max_pixels, lr_image **out)
{
    jpg_rd *st = lr__calloc(ctx, 1, sizeof *st, "JPEG decoder state");
    if (!st) return LR_ERR_NOMEM;
    volatile lr_status s = LR_OK; /* set on both sides of setjmp */
    st->cinfo.err = &st->err.pub;
    jpg_err_init(&st->err);
    if (setjmp(st->err.jb)) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s': JPEG is corrupt or truncated (%s)", name,
                    st->err.msg);
        goto done;
    }
    jpeg_create_decompress(&st->cinfo);
    jpeg_stdio_src(&st->cinfo, fp);
    jpeg_read_header(&st->cinfo, TRUE);
    if ((s = check_size(ctx, name, "JPEG header", st->cinfo.image_width,
                        st->cinfo.image_height, max_pixels)) != LR_OK)
        goto done;
    J_COLOR_SPACE cs = st->cinfo.jpeg_color_space;
    if (cs == JCS_CMYK || cs == JCS_YCCK) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s': CMYK JPEG images are not supported; convert "
                    "it to RGB or grayscale first", name);
        goto done;
    }
    int color = st->cinfo.num_components == 3;
    if (!color && st->cinfo.num_components != 1) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s': JPEG with %d colour components is not "
                    "supported (only gray and RGB/YCbCr)", name, st->cinfo.num_components);
        goto done;
    }
    if ((s = check_mem(ctx, name, st->cinfo.image_width, st->cinfo.image_height,
                       (color && !(flags & LR_IMAGE_GRAY)) ? 3 : 1, t)) != LR_OK)
        goto done;
    st->cinfo.out_color_space = color ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_start_decompress(&st->cinfo);
    int nin = st->cinfo.output_components;
    int64_t w = st->cinfo.output_width, h = st->cinfo.output_height;
    if ((s = lr_image_create(ctx, t, h, w, (color && !(flags & LR_IMAGE_GRAY)) ? 3 : 1,
                             &st->img)) != LR_OK)
        goto done;
    snprintf(st->img->format, sizeof st->img->format, "jpeg");
    st->img->src_bits = 8;
    st->img->src_color = color;
    if (!(st->row = lr__malloc(ctx, (size_t)w * nin, "JPEG row"))) {
        s = LR_ERR_NOMEM;
        goto done;
    }
    while (st->cinfo.output_scanline < st->cinfo.output_height) {
        int64_t y = st->cinfo.output_scanline;
        JSAMPROW r = st->row;
        if (jpeg_read_scanlines(&st->cinfo, &r, 1) != 1) {
            s = lr__err(ctx, LR_ERR_FORMAT, "'%s': JPEG is truncated (row %lld)", name,
                        (long long)y);
            goto done;
        }
        store_row(st->img, y, st->row, nin, 8);
        if ((y & 255) == 255 &&
            (s = lr__progress(ctx, "decode", (double)y / h, "%s", name)) != LR_OK)
            goto done;
    }
    jpeg_finish_decompress(&st->cinfo);

done:
    jpeg_destroy_decompress(&st->cinfo);
    lr__free(ctx, st->row);
    lr_image *img = st->img;
    lr__free(ctx, st);
    if (s != LR_OK) {
        lr_image_destroy(img);
        return s;
    }
    *out = img;
    return LR_OK;
}

/* ---- dispatch ------------------------------------------------------------ */
static lr_status read_stream(lr_ctx *ctx, FILE *fp, const char *name, lr_dtype t,
                             unsigned flags, int64_t max_pixels, lr_image **out)
{
    unsigned char sig[8];
    size_t n = fread(sig, 1, sizeof sig, fp);
    if (ferror(fp))
        return lr__err(ctx, LR_ERR_IO, "cannot read '%s' (%s)", name, strerror(errno));
    if (n == 0)
        return lr__err(ctx, LR_ERR_FORMAT, "'%s' is empty; expected a PNG or JPEG image", name);
    if (fseek(fp, 0, SEEK_SET) != 0)
        return lr__err(ctx, LR_ERR_IO, "cannot rewind '%s' (%s)", name, strerror(errno));
    if (n == 8 && !png_sig_cmp(sig, 0, 8))
        return read_png(ctx, fp, name, t, flags, max_pixels, out);
    if (n >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF)
        return read_jpeg(ctx, fp, name, t, flags, max_pixels, out);
    if (n < 8 && !png_sig_cmp(sig, 0, n))
        return lr__err(ctx, LR_ERR_FORMAT, "'%s' is truncated: only %zu bytes of a PNG "
                       "signature", name, n);
    return lr__err(ctx, LR_ERR_FORMAT, "'%s' is not a PNG or JPEG image (it starts with "
                   "bytes %02x %02x %02x %02x)", name, sig[0], n > 1 ? sig[1] : 0,
                   n > 2 ? sig[2] : 0, n > 3 ? sig[3] : 0);
}

static lr_status read_check_args(lr_ctx *ctx, lr_dtype t, unsigned flags, lr_image **out)
{
    if (!out) return lr__err(ctx, LR_ERR_ARG, "image read: out is NULL");
    *out = NULL;
    if (t != LR_F32 && t != LR_F64)
        return lr__err(ctx, LR_ERR_ARG, "image read: element type must be f32 or f64");
    if (flags & ~LR_IMAGE_GRAY)
        return lr__err(ctx, LR_ERR_ARG, "image read: unknown flags 0x%x", flags);
    return LR_OK;
}

lr_status lr_image_read(lr_ctx *ctx, const char *path, lr_dtype t, unsigned flags,
                        int64_t max_pixels, lr_image **out)
{
    lr_status s = read_check_args(ctx, t, flags, out);
    if (s != LR_OK) return s;
    if (!path || !*path) return lr__err(ctx, LR_ERR_ARG, "image read: no file name");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return lr__err(ctx, LR_ERR_IO, "cannot open '%s' (%s)", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(fp);
        return lr__err(ctx, LR_ERR_IO, "'%s' is a folder, not an image file", path);
    }
    s = read_stream(ctx, fp, path, t, flags, max_pixels, out);
    fclose(fp);
    return s;
}

lr_status lr_image_read_mem(lr_ctx *ctx, const void *buf, size_t len, const char *name,
                            lr_dtype t, unsigned flags, int64_t max_pixels, lr_image **out)
{
    lr_status s = read_check_args(ctx, t, flags, out);
    if (s != LR_OK) return s;
    if (!name) name = "<memory>";
    if (!buf || len == 0)
        return lr__err(ctx, LR_ERR_FORMAT, "'%s' is empty; expected a PNG or JPEG image", name);
    FILE *fp = fmemopen((void *)buf, len, "rb");
    if (!fp)
        return lr__err(ctx, LR_ERR_NOMEM, "'%s': cannot open a memory stream (%s)", name,
                       strerror(errno));
    s = read_stream(ctx, fp, name, t, flags, max_pixels, out);
    fclose(fp);
    return s;
}

/* ---- quantize, PSNR ------------------------------------------------------- */
static inline double get_px(const lr_mat *m, int64_t i, int64_t j)
{
    size_t o = (size_t)(i + j * m->ld);
    return m->dtype == LR_F32 ? ((const float *)m->data)[o] : ((const double *)m->data)[o];
}

static inline double clamp01(double v)
{
    return v > 0 ? (v < 1 ? v : 1) : 0; /* NaN -> 0 */
}

lr_status lr_image_quantize(lr_ctx *ctx, lr_image *img, int bits)
{
    if (bits != 8 && bits != 16)
        return lr__err(ctx, LR_ERR_ARG, "quantize: bits must be 8 or 16, not %d", bits);
    const double q = bits == 8 ? 255.0 : 65535.0;
    for (int c = 0; c < img->channels; c++) {
        lr_mat *m = &img->plane[c];
#pragma omp parallel for schedule(static) num_threads(lr__threads(ctx))
        for (int64_t j = 0; j < m->cols; j++)
            for (int64_t i = 0; i < m->rows; i++) {
                double v = nearbyint(clamp01(get_px(m, i, j)) * q) / q;
                size_t o = (size_t)(i + j * m->ld);
                if (m->dtype == LR_F32) ((float *)m->data)[o] = (float)v;
                else ((double *)m->data)[o] = v;
            }
    }
    return LR_OK;
}

lr_status lr_image_psnr(lr_ctx *ctx, const lr_image *ref, const lr_image *test,
                        double *psnr, double *mse)
{
    if (!ref || !test || ref->h != test->h || ref->w != test->w ||
        ref->channels != test->channels)
        return lr__err(ctx, LR_ERR_ARG, "PSNR: images differ in size or channel count "
                       "(%lld x %lld x %d vs %lld x %lld x %d)",
                       ref ? (long long)ref->h : 0, ref ? (long long)ref->w : 0,
                       ref ? ref->channels : 0, test ? (long long)test->h : 0,
                       test ? (long long)test->w : 0, test ? test->channels : 0);
    double sum = 0;
    for (int c = 0; c < ref->channels; c++) {
        const lr_mat *a = &ref->plane[c], *b = &test->plane[c];
        /* Fixed-order reduction: per-column partial sums, then summed in order. */
        for (int64_t j = 0; j < a->cols; j++) {
            double cs = 0;
            for (int64_t i = 0; i < a->rows; i++) {
                double d = get_px(a, i, j) - get_px(b, i, j);
                cs += d * d;
            }
            sum += cs;
        }
    }
    double e = sum / ((double)ref->h * ref->w * ref->channels);
    if (mse) *mse = e;
    if (psnr) *psnr = e > 0 ? -10.0 * log10(e) : INFINITY;
    return LR_OK;
}

/* ---- PNG writing ---------------------------------------------------------- */
typedef struct {
    lr_ctx *ctx;
    char msg[256];
    int nomem;
    FILE *fp;               /* file output, or */
    unsigned char *mem;     /* memory output */
    size_t len, cap;
    int mem_fail;
    png_structp png;
    png_infop info;
    unsigned char *row;
} png_wr;

static void pngw_err_fn(png_structp png, png_const_charp msg)
{
    png_wr *st = png_get_error_ptr(png);
    snprintf(st->msg, sizeof st->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void pngw_warn_fn(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

static png_voidp pngw_malloc_fn(png_structp png, png_alloc_size_t size)
{
    png_wr *st = png_get_mem_ptr(png);
    void *p = lr__malloc(st->ctx, size, "PNG encoder");
    if (!p) st->nomem = 1;
    return p;
}

static void pngw_free_fn(png_structp png, png_voidp p)
{
    png_wr *st = png_get_mem_ptr(png);
    lr__free(st->ctx, p);
}

static void pngw_write_fn(png_structp png, png_bytep data, size_t len)
{
    png_wr *st = png_get_io_ptr(png);
    if (st->fp) {
        if (fwrite(data, 1, len, st->fp) != len) png_error(png, "write failed");
        return;
    }
    if (st->len + len > st->cap) {
        size_t nc = st->cap ? st->cap : 65536;
        while (nc < st->len + len) nc *= 2;
        unsigned char *nb = lr__malloc(st->ctx, nc, "PNG output buffer");
        if (!nb) {
            st->nomem = 1;
            png_error(png, "out of memory");
        }
        if (st->len) memcpy(nb, st->mem, st->len);
        lr__free(st->ctx, st->mem);
        st->mem = nb, st->cap = nc;
    }
    memcpy(st->mem + st->len, data, len);
    st->len += len;
}

static void pngw_flush_fn(png_structp png) { (void)png; }

static lr_status write_png(lr_ctx *ctx, const lr_image *img, int bits, png_wr *st)
{
    volatile lr_status s = LR_OK; /* set on both sides of setjmp */
    st->ctx = ctx;
    if (bits != 8 && bits != 16)
        return lr__err(ctx, LR_ERR_ARG, "PNG depth must be 8 or 16 bits, not %d", bits);
    if (img->w > 0x7fffffff || img->h > 0x7fffffff)
        return lr__err(ctx, LR_ERR_ARG, "image too large for PNG (%lld x %lld)",
                       (long long)img->h, (long long)img->w);
    st->png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, st, pngw_err_fn, pngw_warn_fn,
                                        st, pngw_malloc_fn, pngw_free_fn);
    if (!st->png) return lr__err(ctx, LR_ERR_NOMEM, "out of memory starting libpng");
    if (setjmp(png_jmpbuf(st->png))) {
        if (st->nomem) s = lr__err(ctx, LR_ERR_NOMEM, "out of memory encoding PNG");
        else s = lr__err(ctx, LR_ERR_IO, "PNG encoding failed (%s)", st->msg);
        goto done;
    }
    st->info = png_create_info_struct(st->png);
    if (!st->info) png_error(st->png, "out of memory");
    png_set_write_fn(st->png, st, pngw_write_fn, pngw_flush_fn);
    png_set_IHDR(st->png, st->info, (png_uint_32)img->w, (png_uint_32)img->h, bits,
                 img->channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(st->png, st->info);
    int nc = img->channels, bpc = bits / 8;
    st->row = lr__malloc(ctx, lr__bytes(img->w, nc * bpc, 1), "PNG row");
    if (!st->row) {
        s = LR_ERR_NOMEM;
        goto done;
    }
    const double q = bits == 8 ? 255.0 : 65535.0;
    for (int64_t y = 0; y < img->h; y++) {
        unsigned char *r = st->row;
        for (int64_t x = 0; x < img->w; x++)
            for (int c = 0; c < nc; c++) {
                unsigned v = (unsigned)nearbyint(clamp01(get_px(&img->plane[c], y, x)) * q);
                if (bits == 8) *r++ = (unsigned char)v;
                else *r++ = (unsigned char)(v >> 8), *r++ = (unsigned char)v;
            }
        png_write_row(st->png, st->row);
    }
    png_write_end(st->png, NULL);

done:
    png_destroy_write_struct(&st->png, st->info ? &st->info : NULL);
    lr__free(ctx, st->row);
    st->row = NULL;
    return s;
}

lr_status lr_image_write_png(lr_ctx *ctx, const lr_image *img, const char *path)
{
    if (!img) return lr__err(ctx, LR_ERR_ARG, "write PNG: image is NULL");
    lr_outfile *f;
    lr_status s = lr_outfile_open(ctx, path, &f);
    if (s != LR_OK) return s;
    png_wr st = {0};
    st.fp = lr_outfile_fp(f);
    s = write_png(ctx, img, 8, &st);
    if (s != LR_OK) {
        lr_outfile_abort(f);
        return lr__err_prefix(ctx, s, "writing '%s'", path);
    }
    return lr_outfile_commit(ctx, f);
}

lr_status lr_image_encode_png(lr_ctx *ctx, const lr_image *img, int bits, void **buf,
                              size_t *len)
{
    *buf = NULL, *len = 0;
    if (!img) return lr__err(ctx, LR_ERR_ARG, "encode PNG: image is NULL");
    png_wr st = {0};
    lr_status s = write_png(ctx, img, bits, &st);
    if (s != LR_OK) {
        lr__free(ctx, st.mem);
        return s;
    }
    *buf = st.mem, *len = st.len;
    return LR_OK;
}

void lr_image_free_buffer(lr_ctx *ctx, void *buf) { lr__free(ctx, buf); }

/* ---- JPEG encoding ---------------------------------------------------------- */
typedef struct {
    struct jpeg_compress_struct cinfo;
    jpg_err err;
    unsigned char *out;     /* malloc'ed by libjpeg's memory destination */
    unsigned long outlen;
    unsigned char *row;
} jpg_wr;

lr_status lr_image_encode_jpeg(lr_ctx *ctx, const lr_image *img, int quality, void **buf,
                               size_t *len)
{
    *buf = NULL, *len = 0;
    if (!img) return lr__err(ctx, LR_ERR_ARG, "encode JPEG: image is NULL");
    if (quality < 1 || quality > 100)
        return lr__err(ctx, LR_ERR_ARG, "JPEG quality must be in 1..100, not %d", quality);
    if (img->w > 65500 || img->h > 65500)
        return lr__err(ctx, LR_ERR_ARG, "image too large for JPEG (%lld x %lld; at most "
                       "65500 each way)", (long long)img->h, (long long)img->w);
    jpg_wr *st = lr__calloc(ctx, 1, sizeof *st, "JPEG encoder state");
    if (!st) return LR_ERR_NOMEM;
    volatile lr_status s = LR_OK; /* set on both sides of setjmp */
    st->cinfo.err = &st->err.pub;
    jpg_err_init(&st->err);
    st->err.pub.emit_message = jpg_emit_ignore; /* encoder warnings are harmless */
    if (setjmp(st->err.jb)) {
        s = lr__err(ctx, LR_ERR_INTERNAL, "JPEG encoding failed (%s)", st->err.msg);
        goto done;
    }
    jpeg_create_compress(&st->cinfo);
    jpeg_mem_dest(&st->cinfo, &st->out, &st->outlen);
    st->cinfo.image_width = (JDIMENSION)img->w;
    st->cinfo.image_height = (JDIMENSION)img->h;
    st->cinfo.input_components = img->channels;
    st->cinfo.in_color_space = img->channels == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&st->cinfo);
    jpeg_set_quality(&st->cinfo, quality, TRUE);
    st->cinfo.optimize_coding = TRUE;
    if (!(st->row = lr__malloc(ctx, (size_t)img->w * img->channels, "JPEG row"))) {
        s = LR_ERR_NOMEM;
        goto done;
    }
    jpeg_start_compress(&st->cinfo, TRUE);
    while (st->cinfo.next_scanline < st->cinfo.image_height) {
        int64_t y = st->cinfo.next_scanline;
        unsigned char *r = st->row;
        for (int64_t x = 0; x < img->w; x++)
            for (int c = 0; c < img->channels; c++)
                *r++ = (unsigned char)nearbyint(clamp01(get_px(&img->plane[c], y, x)) * 255.0);
        JSAMPROW rp = st->row;
        jpeg_write_scanlines(&st->cinfo, &rp, 1);
    }
    jpeg_finish_compress(&st->cinfo);
    if (!(*buf = lr__malloc(ctx, st->outlen, "JPEG output"))) {
        s = LR_ERR_NOMEM;
        goto done;
    }
    memcpy(*buf, st->out, st->outlen);
    *len = st->outlen;

done:
    jpeg_destroy_compress(&st->cinfo);
    free(st->out); /* libjpeg's memory destination allocates with malloc */
    lr__free(ctx, st->row);
    lr__free(ctx, st);
    return s;
}
