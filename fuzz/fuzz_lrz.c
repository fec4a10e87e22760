/* fuzz_lrz.c -- .lrz reader (src/media/lrz.c, lr_lrz_read_mem) and the
 * reconstruction of what it accepts.
 *
 * Two modes per input:
 *  A. the bytes as a file (seeds are valid .lrz files: mutations mostly hit
 *     the header CRC and the zstd checksum, which is what a damaged file
 *     does);
 *  B. when the input is not a .lrz file, it is taken as a description of
 *     one: 7 bytes choose bits, channels, height, width (1..64) and rank,
 *     the rest fills the factor payload; the harness compresses it with
 *     zstd (checksum on) and writes a header with a correct CRC.  This
 *     reaches the factor decoding (codes, offsets, steps, non-finite
 *     values) that mode A rarely gets past the checksums to.
 * Whatever is accepted is reconstructed at full rank (small images only)
 * and every sample must lie in [0, 1]. */
#include <zstd.h>
#include "fuzz_util.h"

#define FZ_MAX_PIXELS ((int64_t)1 << 22)
static const unsigned char MAGIC[8] = {0x89, 'L', 'R', 'Z', '\r', '\n', 0x1a, '\n'};
static const lr_status lrz_errors[] = {LR_ERR_FORMAT, LR_ERR_NOMEM};

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void check_one(const uint8_t *data, size_t size, const char *name)
{
    lr_ctx *ctx = fz_ctx();
    lr_lrz *z = (lr_lrz *)1;
    lr_status s = lr_lrz_read_mem(ctx, data, size, name, FZ_MAX_PIXELS, &z);
    fz_note("lrz", ctx, s);
    if (s != LR_OK) {
        fz_check_error(ctx, s, name, lrz_errors, 2);
        if (z) FZ_FAIL("failed read left a handle in *out");
        lr_ctx_destroy(ctx);
        return;
    }
    int64_t h = lr_lrz_height(z), w = lr_lrz_width(z), k = lr_lrz_rank(z);
    int C = lr_lrz_channels(z), bits = lr_lrz_bits(z);
    if (h < 1 || w < 1 || h * w > FZ_MAX_PIXELS || k < 1 || k > (h < w ? h : w) ||
        (C != 1 && C != 3) || (bits != 8 && bits != 16 && bits != 32))
        FZ_FAIL("accepted h %lld w %lld k %lld C %d bits %d", (long long)h, (long long)w,
                (long long)k, C, bits);
    for (int c = 0; c < C; c++) {
        lr_mat U = lr_lrz_u(z, c), Vt = lr_lrz_vt(z, c);
        const double *sv = lr_lrz_s(z, c);
        if (U.rows != h || U.cols != k || Vt.rows != k || Vt.cols != w)
            FZ_FAIL("factor shapes of channel %d", c);
        if ((fz_touch(&U) || fz_touch(&Vt)) && !fz_ignored("lrz-inf-factor"))
            FZ_FAIL("non-finite factor accepted (lrz-inf-factor)");
        for (int64_t i = 0; i < k; i++)
            if (!(sv[i] >= 0 && sv[i] - sv[i] == 0)) FZ_FAIL("bad sigma accepted: %g", sv[i]);
    }
    if ((double)h * (double)w * (double)k * C <= (double)(1 << 22)) {
        lr_image *img = NULL;
        s = lr_lrz_reconstruct(ctx, z, 0, (k & 1) ? LR_F64 : LR_F32, &img);
        if (s != LR_OK) FZ_FAIL("reconstruct of an accepted file: %s", lr_ctx_errmsg(ctx));
        for (int c = 0; c < C; c++) {
            lr_mat p = lr_image_plane(img, c);
            if (p.rows != h || p.cols != w) FZ_FAIL("reconstructed plane shape");
            if (fz_count_outside(&p, 0.0, 1.0)) FZ_FAIL("reconstructed sample outside [0, 1]");
        }
        lr_image_destroy(img);
    }
    lr_lrz_destroy(z);
    lr_ctx_destroy(ctx);
}

/* Mode B: builds a well-formed container around the input. */
static void check_built(const uint8_t *data, size_t size)
{
    if (size < 7) return;
    static const int bitsv[3] = {32, 16, 8};
    int bits = bitsv[data[0] % 3], C = (data[1] & 1) ? 3 : 1;
    int64_t h = 1 + data[2] % 64, w = 1 + data[3] % 64;
    int64_t mn = h < w ? h : w, k = 1 + data[4] % mn;
    int hdr_flags = data[5], hdr_junk = data[6];
    const uint8_t *src = data + 7;
    size_t nsrc = size - 7;
    int64_t vb_h = bits == 32 ? 4 * h : 8 + (bits / 8) * h;
    int64_t vb_w = bits == 32 ? 4 * w : 8 + (bits / 8) * w;
    size_t pb = (size_t)((vb_h + vb_w + 8) * k * C);
    /* Occasionally a payload one byte short or long: the size check. */
    if (hdr_flags == 0xFE) pb -= 1;
    if (hdr_flags == 0xFF) pb += 1;
    unsigned char *raw = malloc(pb ? pb : 1);
    if (!raw) return;
    for (size_t i = 0; i < pb; i++) raw[i] = nsrc ? src[i % nsrc] : 0;
    size_t cap = ZSTD_compressBound(pb);
    unsigned char *file = malloc(64 + cap);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!file || !cc) {
        free(raw), free(file), ZSTD_freeCCtx(cc);
        return;
    }
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
    size_t zl = ZSTD_compress2(cc, file + 64, cap, raw, pb);
    ZSTD_freeCCtx(cc);
    free(raw);
    if (ZSTD_isError(zl)) {
        free(file);
        return;
    }
    memset(file, 0, 64);
    memcpy(file, MAGIC, 8);
    put_le(file + 8, 1, 4);
    put_le(file + 12, (uint64_t)bits, 4);
    put_le(file + 16, (uint64_t)h, 8);
    put_le(file + 24, (uint64_t)w, 8);
    put_le(file + 32, (uint64_t)C, 8);
    put_le(file + 40, (uint64_t)k, 8);
    put_le(file + 48, zl, 8);
    /* hdr_junk == 1: an unknown flag must be refused. */
    put_le(file + 56, hdr_junk == 1 ? 2u : 0u, 4);
    put_le(file + 60, crc32_ieee(file, 60), 4);
    check_one(file, 64 + zl, FZ_NAME);
    free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_one(data, size, FZ_NAME);
    if (size < 8 || memcmp(data, MAGIC, 8)) check_built(data, size);
    return 0;
}
