/* test_image.c -- PNG/JPEG reading and writing: exact round trips, every PNG
 * colour type, JPEG quality, BT.601 luma, and refusal of empty, truncated,
 * corrupt and absurdly sized files (the last without allocating). */
#include <stdio.h> /* before jpeglib.h, which needs FILE and size_t */
#include <jpeglib.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------- */
static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    if (n) fwrite(p, 1, n, f);
    fclose(f);
}

static unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(sz ? sz : 1);
    *n = fread(b, 1, sz, f);
    fclose(f);
    return b;
}

/* CRC-32 as PNG uses it, written out here so the test does not rely on the
 * library or zlib. */
static uint32_t crc32_png(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

/* Writes a PNG with libpng directly (independent of the library's writer).
 * px holds h rows of w * nch samples, 8 or 16 bits (16: host uint16). */
static void libpng_write(const char *path, int w, int h, int depth, int ctype, int interlace,
                         const void *px, const png_color *pal, int npal,
                         const png_byte *trns, int ntrns)
{
    FILE *f = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "libpng_write failed\n");
        exit(1);
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, depth, ctype, interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (pal) png_set_PLTE(png, info, pal, npal);
    if (trns) png_set_tRNS(png, info, trns, ntrns, NULL);
    png_write_info(png, info);
    if (depth == 16) png_set_swap(png); /* host little-endian uint16 -> PNG big-endian */
    if (depth < 8) png_set_packing(png);
    int nch = ctype == PNG_COLOR_TYPE_RGB ? 3 : ctype == PNG_COLOR_TYPE_RGBA ? 4
            : ctype == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    size_t rb = (size_t)w * nch * (depth == 16 ? 2 : 1);
    png_bytep *rows = malloc(h * sizeof *rows);
    for (int y = 0; y < h; y++) rows[y] = (png_bytep)px + y * rb;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    fclose(f);
}

static double px(const lr_image *img, int c, int y, int x)
{
    lr_mat m = lr_image_plane(img, c);
    return lr_mat_get(&m, y, x);
}

/* An allocator that records the largest request and refuses > cap bytes. */
typedef struct {
    size_t largest, cap;
} alloc_probe;
static void *probe_malloc(void *user, size_t size)
{
    alloc_probe *a = user;
    if (size > a->largest) a->largest = size;
    if (size > a->cap) return NULL;
    return aligned_alloc(64, (size + 63) & ~(size_t)63);
}
static void probe_free(void *user, void *p)
{
    (void)user;
    free(p);
}

/* ---- tests ----------------------------------------------------------------- */
static void test_png_roundtrip(lr_ctx *ctx, const char *dir)
{
    /* Every 8-bit value appears: writing then reading must be exact. */
    const int h = 37, w = 53;
    for (int nc = 1; nc <= 3; nc += 2) {
        lr_image *img, *back;
        CHECK_OK(ctx, lr_image_create(ctx, LR_F32, h, w, nc, &img));
        for (int c = 0; c < nc; c++) {
            lr_mat m = lr_image_plane(img, c);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    lr_mat_set(&m, y, x, ((y * w + x) * (c + 1) * 7 % 256) / 255.0);
        }
        char path[512];
        snprintf(path, sizeof path, "%s/rt%d.png", dir, nc);
        CHECK_OK(ctx, lr_image_write_png(ctx, img, path));
        CHECK_OK(ctx, lr_image_read(ctx, path, LR_F64, 0, 0, &back));
        if (!back) continue;
        CHECK(lr_image_channels(back) == nc && lr_image_height(back) == h &&
              lr_image_width(back) == w, "shape after round trip");
        CHECK(!strcmp(lr_image_source_format(back), "png") && lr_image_source_bits(back) == 8,
              "source info: %s %d", lr_image_source_format(back), lr_image_source_bits(back));
        int exact = 1;
        for (int c = 0; c < nc; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    int want = (y * w + x) * (c + 1) * 7 % 256;
                    double v = px(back, c, y, x);
                    if (fabs(v * 255.0 - want) > 1e-9) exact = 0;
                }
        CHECK(exact, "8-bit values survive a PNG round trip exactly (%d channels)", nc);
        double psnr;
        CHECK_OK(ctx, lr_image_psnr(ctx, img, back, &psnr, NULL));
        CHECK(psnr > 130, "PSNR of identical 8-bit images is huge: %g", psnr);

        /* In memory, 16-bit: values k/65535 survive too. */
        lr_mat m0 = lr_image_plane(img, 0);
        lr_mat_set(&m0, 0, 0, 12345 / 65535.0);
        void *buf;
        size_t len;
        CHECK_OK(ctx, lr_image_encode_png(ctx, img, 16, &buf, &len));
        lr_image *b16 = NULL;
        CHECK_OK(ctx, lr_image_read_mem(ctx, buf, len, "mem16", LR_F64, 0, 0, &b16));
        if (b16) {
            CHECK(lr_image_source_bits(b16) == 16, "16-bit source");
            CHECK(fabs(px(b16, 0, 0, 0) * 65535.0 - 12345) < 1e-7, "16-bit sample exact: %.9f",
                  px(b16, 0, 0, 0) * 65535.0);
        }
        lr_image_free_buffer(ctx, buf);
        lr_image_destroy(b16);
        lr_image_destroy(img);
        lr_image_destroy(back);
    }
}

static void test_png_color_types(lr_ctx *ctx, const char *dir)
{
    char path[512];
    lr_image *img = NULL;
    /* gray + alpha, 16-bit: alpha dropped, one plane, /65535. */
    uint16_t ga[2 * 2 * 3];
    for (int i = 0; i < 6; i++) ga[2 * i] = (uint16_t)(i * 10000), ga[2 * i + 1] = 777;
    snprintf(path, sizeof path, "%s/ga16.png", dir);
    libpng_write(path, 3, 2, 16, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE, ga, NULL, 0,
                 NULL, 0);
    CHECK_OK(ctx, lr_image_read(ctx, path, LR_F64, 0, 0, &img));
    if (img) {
        CHECK(lr_image_channels(img) == 1 && lr_image_source_alpha(img) &&
              lr_image_source_bits(img) == 16, "gray+alpha 16 -> 1 plane");
        CHECK(fabs(px(img, 0, 1, 2) - 50000 / 65535.0) < 1e-12, "gray16 value %g",
              px(img, 0, 1, 2));
        lr_image_destroy(img);
    }
    /* RGBA 8-bit, interlaced. */
    const int W = 19, H = 11;
    unsigned char rgba[H * W * 4];
    for (int i = 0; i < H * W; i++)
        rgba[4 * i] = i % 256, rgba[4 * i + 1] = (3 * i) % 256, rgba[4 * i + 2] = (7 * i) % 256,
        rgba[4 * i + 3] = 9;
    snprintf(path, sizeof path, "%s/rgba_i.png", dir);
    libpng_write(path, W, H, 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_ADAM7, rgba, NULL, 0, NULL, 0);
    CHECK_OK(ctx, lr_image_read(ctx, path, LR_F32, 0, 0, &img));
    if (img) {
        int ok = lr_image_channels(img) == 3;
        for (int i = 0; ok && i < H * W; i++)
            for (int c = 0; c < 3; c++)
                if (fabs(px(img, c, i / W, i % W) * 255 - rgba[4 * i + c]) > 1e-4) ok = 0;
        CHECK(ok, "interlaced RGBA decoded exactly, alpha dropped");
        lr_image_destroy(img);
    }
    /* Palette with tRNS: becomes RGB. */
    png_color pal[3] = {{255, 0, 0}, {0, 255, 0}, {10, 20, 30}};
    png_byte trns[1] = {0};
    unsigned char idx[4 * 2] = {0, 1, 2, 0, 2, 2, 1, 0};
    snprintf(path, sizeof path, "%s/pal.png", dir);
    libpng_write(path, 4, 2, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, idx, pal, 3, trns, 1);
    CHECK_OK(ctx, lr_image_read(ctx, path, LR_F64, 0, 0, &img));
    if (img) {
        CHECK(lr_image_channels(img) == 3, "palette -> RGB");
        CHECK(fabs(px(img, 0, 0, 2) * 255 - 10) < 1e-9 && fabs(px(img, 2, 0, 2) * 255 - 30) < 1e-9,
              "palette entry 2 = (10,20,30)");
        CHECK(fabs(px(img, 0, 0, 0) - 1.0) < 1e-12 && px(img, 1, 0, 0) == 0, "palette entry 0 red");
        lr_image_destroy(img);
    }
    /* 1-bit gray. */
    unsigned char bits[3 * 8];
    for (int i = 0; i < 24; i++) bits[i] = (i % 3 == 0);
    snprintf(path, sizeof path, "%s/g1.png", dir);
    libpng_write(path, 8, 3, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, bits, NULL, 0, NULL, 0);
    CHECK_OK(ctx, lr_image_read(ctx, path, LR_F32, 0, 0, &img));
    if (img) {
        CHECK(px(img, 0, 0, 0) == 1.0 && px(img, 0, 0, 1) == 0.0 && px(img, 0, 0, 3) == 1.0,
              "1-bit gray expanded to 0/1");
        lr_image_destroy(img);
    }
}

static void test_gray_weights(lr_ctx *ctx, const char *dir)
{
    unsigned char rgb[4 * 3] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 200, 100, 50};
    char path[512];
    snprintf(path, sizeof path, "%s/prim.png", dir);
    libpng_write(path, 4, 1, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, rgb, NULL, 0, NULL, 0);
    lr_image *img = NULL;
    CHECK_OK(ctx, lr_image_read(ctx, path, LR_F64, LR_IMAGE_GRAY, 0, &img));
    if (!img) return;
    CHECK(lr_image_channels(img) == 1 && lr_image_source_color(img), "gray flag -> 1 plane");
    CHECK(fabs(px(img, 0, 0, 0) - 0.299) < 1e-12, "red weight %g", px(img, 0, 0, 0));
    CHECK(fabs(px(img, 0, 0, 1) - 0.587) < 1e-12, "green weight %g", px(img, 0, 0, 1));
    CHECK(fabs(px(img, 0, 0, 2) - 0.114) < 1e-12, "blue weight %g", px(img, 0, 0, 2));
    double want = (0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255;
    CHECK(fabs(px(img, 0, 0, 3) - want) < 1e-12, "mixed pixel %g vs %g", px(img, 0, 0, 3), want);
    lr_image_destroy(img);
}

/* A smooth test picture with some edges. */
static lr_image *picture(lr_ctx *ctx, int h, int w, int nc)
{
    lr_image *img;
    if (lr_image_create(ctx, LR_F32, h, w, nc, &img) != LR_OK) return NULL;
    for (int c = 0; c < nc; c++) {
        lr_mat m = lr_image_plane(img, c);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double v = 0.5 + 0.3 * sin(0.07 * x * (c + 1)) * cos(0.05 * y) +
                           ((x - w / 2) * (x - w / 2) + (y - h / 3) * (y - h / 3) < 300 ? 0.15 : 0);
                lr_mat_set(&m, y, x, v);
            }
    }
    lr_image_quantize(ctx, img, 8);
    return img;
}

static void test_jpeg(lr_ctx *ctx, const char *dir)
{
    lr_image *img = picture(ctx, 96, 128, 3);
    double last_psnr = 0;
    size_t last_len = 0;
    int qs[3] = {20, 60, 95};
    for (int i = 0; i < 3; i++) {
        void *buf;
        size_t len;
        CHECK_OK(ctx, lr_image_encode_jpeg(ctx, img, qs[i], &buf, &len));
        lr_image *dec = NULL;
        CHECK_OK(ctx, lr_image_read_mem(ctx, buf, len, "q.jpg", LR_F32, 0, 0, &dec));
        if (dec) {
            double p;
            CHECK_OK(ctx, lr_image_psnr(ctx, img, dec, &p, NULL));
            CHECK(!strcmp(lr_image_source_format(dec), "jpeg"), "format jpeg");
            CHECK(p > 25 && p < 60, "JPEG q=%d PSNR %.2f dB is sensible", qs[i], p);
            CHECK(p > last_psnr && len > last_len, "higher quality: better PSNR and larger "
                  "(q=%d: %.2f dB %zu bytes)", qs[i], p, len);
            last_psnr = p, last_len = len;
            if (qs[i] == 95) CHECK(p > 38, "q=95 PSNR %.2f > 38 dB", p);
        }
        if (i == 2) {
            char path[512];
            snprintf(path, sizeof path, "%s/pic.jpg", dir);
            write_bytes(path, buf, len);
            /* Truncated JPEG: refused, not patched up. */
            snprintf(path, sizeof path, "%s/trunc.jpg", dir);
            write_bytes(path, buf, len * 2 / 3);
            lr_image *t = NULL;
            lr_status s = lr_image_read(ctx, path, LR_F32, 0, 0, &t);
            CHECK(s == LR_ERR_FORMAT && t == NULL, "truncated JPEG refused: %s",
                  lr_ctx_errmsg(ctx));
            CHECK(strstr(lr_ctx_errmsg(ctx), "trunc.jpg") != NULL, "message names the file");
            /* Absurd declared size: patch the SOF0 frame header. */
            unsigned char *b = malloc(len);
            memcpy(b, buf, len);
            size_t sof = 0;
            for (size_t j = 2; j + 9 < len; j++)
                if (b[j] == 0xFF && (b[j + 1] == 0xC0 || b[j + 1] == 0xC2)) {
                    sof = j;
                    break;
                }
            CHECK(sof > 0, "found SOF marker");
            b[sof + 5] = 0xFD, b[sof + 6] = 0xE8; /* height 65000 */
            b[sof + 7] = 0xFD, b[sof + 8] = 0xE8; /* width 65000 */
            s = lr_image_read_mem(ctx, b, len, "huge.jpg", LR_F32, 0, 1000000, &t);
            CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "65000 x 65000"),
                  "absurd JPEG size refused: %s", lr_ctx_errmsg(ctx));
            free(b);
        }
        lr_image_free_buffer(ctx, buf);
        lr_image_destroy(dec);
    }
    /* Gray JPEG decodes to one plane. */
    lr_image *g = picture(ctx, 40, 30, 1);
    void *buf;
    size_t len;
    CHECK_OK(ctx, lr_image_encode_jpeg(ctx, g, 90, &buf, &len));
    lr_image *dec = NULL;
    CHECK_OK(ctx, lr_image_read_mem(ctx, buf, len, "g.jpg", LR_F64, 0, 0, &dec));
    CHECK(dec && lr_image_channels(dec) == 1 && !lr_image_source_color(dec), "gray JPEG");
    lr_image_free_buffer(ctx, buf);
    lr_image_destroy(dec);
    lr_image_destroy(g);
    CHECK(lr_image_encode_jpeg(ctx, img, 0, &buf, &len) == LR_ERR_ARG, "quality 0 refused");
    lr_image_destroy(img);
}

/* A CMYK JPEG written with libjpeg directly. */
static void test_cmyk(lr_ctx *ctx, const char *dir)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    unsigned char *out = NULL;
    unsigned long outlen = 0;
    jpeg_mem_dest(&ci, &out, &outlen);
    ci.image_width = 16, ci.image_height = 16, ci.input_components = 4;
    ci.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&ci);
    jpeg_start_compress(&ci, TRUE);
    unsigned char row[16 * 4];
    for (int i = 0; i < 64; i++) row[i] = (unsigned char)(i * 4);
    while (ci.next_scanline < 16) {
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    char path[512];
    snprintf(path, sizeof path, "%s/cmyk.jpg", dir);
    write_bytes(path, out, outlen);
    free(out);
    lr_image *img = NULL;
    lr_status s = lr_image_read(ctx, path, LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "CMYK") &&
          strstr(lr_ctx_errmsg(ctx), "cmyk.jpg"), "CMYK refused clearly: %s", lr_ctx_errmsg(ctx));
    CHECK(img == NULL, "no image on failure");
}

static void test_refusals(lr_ctx *ctx, const char *dir)
{
    char path[512];
    lr_image *img = NULL;
    lr_status s;

    snprintf(path, sizeof path, "%s/empty.png", dir);
    write_bytes(path, "", 0);
    s = lr_image_read(ctx, path, LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "empty") &&
          strstr(lr_ctx_errmsg(ctx), "empty.png"), "empty file: %s", lr_ctx_errmsg(ctx));

    s = lr_image_read(ctx, "/nonexistent/x.png", LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_IO && strstr(lr_ctx_errmsg(ctx), "/nonexistent/x.png"), "missing: %s",
          lr_ctx_errmsg(ctx));
    s = lr_image_read(ctx, dir, LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_IO && strstr(lr_ctx_errmsg(ctx), "folder"), "folder: %s", lr_ctx_errmsg(ctx));

    snprintf(path, sizeof path, "%s/text.png", dir);
    write_bytes(path, "hello, world\n", 13);
    s = lr_image_read(ctx, path, LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "not a PNG or JPEG"), "text: %s",
          lr_ctx_errmsg(ctx));

    /* A real PNG, then truncated at several points and corrupted. */
    lr_image *pic = picture(ctx, 64, 80, 3);
    void *buf;
    size_t len;
    CHECK_OK(ctx, lr_image_encode_png(ctx, pic, 8, &buf, &len));
    size_t cuts[5] = {4, 20, 40, len / 2, len - 6};
    for (int i = 0; i < 5; i++) {
        s = lr_image_read_mem(ctx, buf, cuts[i], "cut.png", LR_F32, 0, 0, &img);
        CHECK(s == LR_ERR_FORMAT && img == NULL, "PNG cut at %zu of %zu bytes refused (%s)",
              cuts[i], len, lr_ctx_errmsg(ctx));
        CHECK(strstr(lr_ctx_errmsg(ctx), "cut.png") != NULL, "message names the file");
    }
    unsigned char *bad = malloc(len);
    memcpy(bad, buf, len);
    bad[len / 2] ^= 0x55; /* inside IDAT: the chunk CRC no longer matches */
    s = lr_image_read_mem(ctx, bad, len, "flip.png", LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_FORMAT && img == NULL, "corrupt PNG refused: %s", lr_ctx_errmsg(ctx));
    memcpy(bad, buf, len);
    bad[16] ^= 0x01; /* IHDR width: header CRC mismatch */
    s = lr_image_read_mem(ctx, bad, len, "ihdr.png", LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_FORMAT, "corrupt IHDR refused: %s", lr_ctx_errmsg(ctx));
    free(bad);
    lr_image_free_buffer(ctx, buf);
    lr_image_destroy(pic);

    /* Hand-made PNG declaring 100000 x 100000 pixels (correct CRC), with a
     * tiny IDAT.  It must be refused from the header, before any big
     * allocation: the probe allocator records the largest request. */
    unsigned char png[8 + 25 + 12 + 12];
    memcpy(png, "\x89PNG\r\n\x1a\n", 8);
    unsigned char *c = png + 8;
    be32(c, 13);
    memcpy(c + 4, "IHDR", 4);
    be32(c + 8, 100000);
    be32(c + 12, 100000);
    c[16] = 8, c[17] = 2, c[18] = 0, c[19] = 0, c[20] = 0; /* 8-bit RGB */
    be32(c + 21, crc32_png(c + 4, 17));
    c += 25;
    be32(c, 0);
    memcpy(c + 4, "IDAT", 4);
    be32(c + 8, crc32_png(c + 4, 4));
    c += 12;
    be32(c, 0);
    memcpy(c + 4, "IEND", 4);
    be32(c + 8, crc32_png(c + 4, 4));
    snprintf(path, sizeof path, "%s/huge.png", dir);
    write_bytes(path, png, sizeof png);
    lr_ctx *pctx = lr_ctx_create();
    alloc_probe probe = {0, (size_t)64 << 20};
    lr_allocator pa = {probe_malloc, probe_free, &probe};
    lr_ctx_set_allocator(pctx, &pa);
    s = lr_image_read(pctx, path, LR_F32, 0, (int64_t)100000 * 99999, &img);
    CHECK(s == LR_ERR_FORMAT && img == NULL, "100000x100000 PNG refused: %s -> %s",
          lr_status_str(s), lr_ctx_errmsg(pctx));
    CHECK(strstr(lr_ctx_errmsg(pctx), "huge.png") && strstr(lr_ctx_errmsg(pctx), "100000 x 100000"),
          "message names the file and the size: %s", lr_ctx_errmsg(pctx));
    CHECK(probe.largest < (1 << 20), "largest allocation before refusing: %zu bytes",
          probe.largest);
    /* The default cap (2^28 pixels) refuses it too. */
    s = lr_image_read(pctx, path, LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_FORMAT && probe.largest < (1 << 20), "default cap refuses: %s",
          lr_ctx_errmsg(pctx));
    /* Under a generous cap the same file gets past the header and fails on
     * its missing data, still without allocating the 120 GB: the probe
     * refuses big requests, so the status must be NOMEM or FORMAT. */
    s = lr_image_read(pctx, path, LR_F32, 0, INT64_MAX, &img);
    CHECK((s == LR_ERR_NOMEM || s == LR_ERR_FORMAT) && img == NULL, "generous cap: %s",
          lr_ctx_errmsg(pctx));
    lr_ctx_destroy(pctx);

    /* 0 x 0 declared: libpng's own IHDR check, still a format error. */
    c = png + 8;
    be32(c + 8, 0);
    be32(c + 12, 0);
    be32(c + 21, crc32_png(c + 4, 17));
    s = lr_image_read_mem(ctx, png, sizeof png, "zero.png", LR_F32, 0, 0, &img);
    CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "zero.png"), "0x0 PNG: %s",
          lr_ctx_errmsg(ctx));

    /* Bad arguments. */
    CHECK(lr_image_read(ctx, path, (lr_dtype)7, 0, 0, &img) == LR_ERR_ARG, "bad dtype");
    CHECK(lr_image_read(ctx, path, LR_F32, 0x10, 0, &img) == LR_ERR_ARG, "bad flags");
}

static void test_write_atomic(lr_ctx *ctx, const char *dir)
{
    lr_image *img = picture(ctx, 8, 8, 1);
    CHECK(lr_image_write_png(ctx, img, "/nonexistent-dir/out.png") == LR_ERR_IO,
          "missing folder refused: %s", lr_ctx_errmsg(ctx));
    char path[512];
    snprintf(path, sizeof path, "%s/keep.png", dir);
    write_bytes(path, "old", 3);
    CHECK_OK(ctx, lr_image_write_png(ctx, img, path));
    size_t n;
    unsigned char *b = read_bytes(path, &n);
    CHECK(b && n > 8 && !memcmp(b, "\x89PNG", 4), "PNG replaced the old file");
    free(b);
    /* Values outside [0,1] and NaN are clamped. */
    lr_mat m = lr_image_plane(img, 0);
    lr_mat_set(&m, 0, 0, -3.0);
    lr_mat_set(&m, 0, 1, 7.0);
    lr_mat_set(&m, 0, 2, NAN);
    CHECK_OK(ctx, lr_image_write_png(ctx, img, path));
    lr_image *back = NULL;
    CHECK_OK(ctx, lr_image_read(ctx, path, LR_F64, 0, 0, &back));
    if (back)
        CHECK(px(back, 0, 0, 0) == 0 && px(back, 0, 0, 1) == 1 && px(back, 0, 0, 2) == 0,
              "clamped: %g %g %g", px(back, 0, 0, 0), px(back, 0, 0, 1), px(back, 0, 0, 2));
    lr_image_destroy(back);
    lr_image_destroy(img);
}

static void test_psnr(lr_ctx *ctx)
{
    lr_image *a, *b;
    CHECK_OK(ctx, lr_image_create(ctx, LR_F64, 10, 10, 1, &a));
    CHECK_OK(ctx, lr_image_create(ctx, LR_F64, 10, 10, 1, &b));
    lr_mat m = lr_image_plane(b, 0);
    for (int j = 0; j < 10; j++)
        for (int i = 0; i < 10; i++) lr_mat_set(&m, i, j, 0.1);
    double p, mse;
    CHECK_OK(ctx, lr_image_psnr(ctx, a, b, &p, &mse));
    CHECK(fabs(mse - 0.01) < 1e-15 && fabs(p - 20.0) < 1e-9, "MSE 0.01 -> 20 dB (%g)", p);
    lr_image *c;
    CHECK_OK(ctx, lr_image_create(ctx, LR_F64, 10, 11, 1, &c));
    CHECK(lr_image_psnr(ctx, a, c, &p, NULL) == LR_ERR_ARG, "shape mismatch refused");
    lr_image_destroy(a);
    lr_image_destroy(b);
    lr_image_destroy(c);
    lr_image_destroy(NULL);
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    const char *dir = tu_tmpdir();
    char d[128];
    snprintf(d, sizeof d, "%s", dir);
    test_png_roundtrip(ctx, d);
    test_png_color_types(ctx, d);
    test_gray_weights(ctx, d);
    test_jpeg(ctx, d);
    test_cmyk(ctx, d);
    test_refusals(ctx, d);
    test_write_atomic(ctx, d);
    test_psnr(ctx);
    lr_ctx_destroy(ctx);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd)) {}
    return tu_done("test_image");
}
