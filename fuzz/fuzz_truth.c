/* fuzz_truth.c -- the CDnet ground-truth mask reader (src/media/truth.c,
 * lr_truth_read).  It reads files from a folder (gtNNNNNN.png), so each
 * input is written as gt000001.png (and, for some inputs, gt000002.png)
 * into a private temporary folder.
 *
 * The frame size passed is taken from the PNG's IHDR when there is one
 * (clamped to 1..512), so that decoding is reached; the input length picks
 * one of three cases: the exact size, the IHDR size as the source size of
 * a video scaled by 1/2 (the nearest-neighbour path), or a size that
 * matches neither (must be refused naming both).  On success every label
 * byte of every frame is read. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include "fuzz_util.h"

static char dir[PATH_MAX];
static char gt1[PATH_MAX + 32], gt2[PATH_MAX + 32];

static void cleanup(void)
{
    unlink(gt1);
    unlink(gt2);
    rmdir(dir);
}

static void setup(void)
{
    if (dir[0]) return;
    fz_private_dir(dir, sizeof dir, "truth", cleanup);
    snprintf(gt1, sizeof gt1, "%s/gt000001.png", dir);
    snprintf(gt2, sizeof gt2, "%s/gt000002.png", dir);
}

static int write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) == 0 && w == size ? 0 : -1;
}

static const lr_status truth_errors[] = {LR_ERR_FORMAT, LR_ERR_NOMEM};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (write_file(gt1, data, size)) FZ_FAIL("cannot write %s", gt1);
    int64_t frames = 1;
    unlink(gt2);
    if (size % 7 == 3) {
        if (write_file(gt2, data, size)) FZ_FAIL("cannot write %s", gt2);
        frames = 2;
    }
    int iw = 8, ih = 8;
    if (size >= 24 && !memcmp(data + 12, "IHDR", 4)) {
        uint32_t w = (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 |
                     (uint32_t)data[18] << 8 | data[19];
        uint32_t h = (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 |
                     (uint32_t)data[22] << 8 | data[23];
        iw = w < 1 ? 1 : w > 512 ? 512 : (int)w;
        ih = h < 1 ? 1 : h > 512 ? 512 : (int)h;
    }
    int width = iw, height = ih, sw = 0, sh = 0;
    switch (size % 3) {
    case 1: sw = iw, sh = ih, width = (iw + 1) / 2, height = (ih + 1) / 2; break;
    case 2: width = iw + 1; break;
    }
    lr_ctx *ctx = fz_ctx();
    lr_truth t;
    memset(&t, 0xAB, sizeof t);
    lr_status s = lr_truth_read(ctx, dir, 0, frames, width, height, sw, sh, &t);
    fz_note("truth", ctx, s);
    if (s != LR_OK) {
        fz_check_error(ctx, s, gt1, truth_errors, 2);
        if (t.label) FZ_FAIL("failed read left labels in *out");
    } else {
        if (t.width != width || t.height != height || t.frames != frames || t.first != 0)
            FZ_FAIL("truth %dx%d x %lld, asked %dx%d x %lld", t.width, t.height,
                    (long long)t.frames, width, height, (long long)frames);
        volatile unsigned sum = 0;
        for (int64_t i = 0; i < (int64_t)width * height * frames; i++) sum += t.label[i];
        (void)sum;
    }
    lr_truth_free(ctx, &t);
    lr_ctx_destroy(ctx);
    return 0;
}
