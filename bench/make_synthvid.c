/* make_synthvid.c -- writes the test suite's synthetic surveillance video
 * (tests/support/synthvid.h: textured background, illumination drift,
 * moving textured objects, sensor noise) as an H.264 clip plus a CDnet-style
 * ground-truth folder (gt000001.png = frame 0; 255 foreground, 0
 * background), so `make bench` can score lowrank separate and OpenCV's MOG2
 * on the same frames.
 *
 *   make_synthvid OUT.mp4 GT_DIR [WIDTHxHEIGHT] [FRAMES] [SEED]
 *
 * Defaults 320x240, 400 frames, seed 1.  The clip is encoded nearly
 * lossless (crf 8) so the codec does not decide the scores. */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lowrank/lowrank.h"
#include "synthvid.h"

static int usage(void)
{
    fprintf(stderr, "usage: make_synthvid OUT.mp4 GT_DIR [WIDTHxHEIGHT] [FRAMES] [SEED]\n");
    return 2;
}

static int write_truth(const synthvid *v, const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "make_synthvid: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    int64_t W = v->width, H = v->height, P = W * H;
    unsigned char *row = malloc((size_t)P);
    if (!row) return 1;
    for (int64_t t = 0; t < v->frames; t++) {
        const uint8_t *col = v->truth + t * P; /* pixel (y, x) at y + x*H */
        for (int64_t y = 0; y < H; y++)
            for (int64_t x = 0; x < W; x++) row[y * W + x] = col[y + x * H];
        char path[4096];
        snprintf(path, sizeof path, "%s/gt%06lld.png", dir, (long long)(t + 1));
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        im.width = (png_uint_32)W, im.height = (png_uint_32)H;
        im.format = PNG_FORMAT_GRAY;
        if (!png_image_write_to_file(&im, path, 0, row, 0, NULL)) {
            fprintf(stderr, "make_synthvid: cannot write %s: %s\n", path, im.message);
            free(row);
            return 1;
        }
    }
    free(row);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 6) return usage();
    synthvid_opts o;
    synthvid_opts_default(&o);
    o.width = 320, o.height = 240, o.frames = 400;
    if (argc > 3 && sscanf(argv[3], "%lldx%lld", (long long *)&o.width, (long long *)&o.height) != 2)
        return usage();
    if (argc > 4) o.frames = atoll(argv[4]);
    if (argc > 5) o.seed = strtoull(argv[5], NULL, 10);
    if (o.width < 16 || o.height < 16 || o.frames < 2) return usage();

    lr_ctx *ctx = lr_ctx_create();
    if (!ctx) return 1;
    synthvid v;
    if (synthvid_make(ctx, &o, LR_F32, &v) != LR_OK) {
        fprintf(stderr, "make_synthvid: %s\n", lr_ctx_errmsg(ctx));
        lr_ctx_destroy(ctx);
        return 1;
    }
    lr_video_write_opts wo;
    lr_video_write_opts_default(&wo);
    wo.crf = 8;
    int rc = 0;
    if (lr_video_write(ctx, argv[1], &v.M, (int)v.width, (int)v.height, &wo) != LR_OK) {
        fprintf(stderr, "make_synthvid: %s\n", lr_ctx_errmsg(ctx));
        rc = 1;
    }
    if (!rc) rc = write_truth(&v, argv[2]);
    if (!rc)
        printf("%s: %lldx%lld, %lld frames, foreground %.2f%% of pixels; truth in %s\n", argv[1],
               (long long)v.width, (long long)v.height, (long long)v.frames,
               100 * v.fg_fraction, argv[2]);
    synthvid_free(ctx, &v);
    lr_ctx_destroy(ctx);
    return rc;
}
