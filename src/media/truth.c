/* truth.c -- ground-truth foreground masks in the CDnet 2014 convention
 * (video.h): gtNNNNNN.png per frame, numbered from 1; 0 background, 255
 * foreground, everything else (50 shadow, 85 outside the ROI, 170 unknown
 * motion) ignored by the scores.  Values are kept as read. */
#include "internal.h"
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

lr_status lr_truth_read(lr_ctx *ctx, const char *dir, int64_t first, int64_t frames,
                        int width, int height, int src_width, int src_height, lr_truth *out)
{
    if (!out) return lr__err(ctx, LR_ERR_ARG, "lr_truth_read: out is NULL");
    memset(out, 0, sizeof *out);
    if (!dir || first < 0 || frames < 1 || width < 1 || height < 1)
        return lr__err(ctx, LR_ERR_ARG, "lr_truth_read: bad arguments (first %lld, frames "
                       "%lld, size %dx%d)", (long long)first, (long long)frames, width, height);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return lr__err(ctx, LR_ERR_IO, "truth folder '%s' %s", dir,
                       errno == ENOENT ? "does not exist" : "is not a readable folder");
    const int64_t P = (int64_t)width * height;
    out->label = lr__malloc(ctx, lr__bytes(P, frames, 1), "ground-truth labels");
    if (!out->label) return LR_ERR_NOMEM;
    uint8_t *img = NULL;
    size_t img_cap = 0;
    lr_status s = LR_OK;
    char path[4200];
    size_t dl = strlen(dir);
    for (int64_t j = 0; j < frames && !s; j++) {
        snprintf(path, sizeof path, "%s%sgt%06lld.png", dir,
                 dl && dir[dl - 1] == '/' ? "" : "/", (long long)(first + j + 1));
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        if (access(path, R_OK) != 0) {
            s = lr__err(ctx, LR_ERR_FORMAT, "truth folder '%s' does not match the video: "
                        "'%s' for frame %lld is missing (file gtN.png holds frame N-1; "
                        "frames %lld..%lld are needed)", dir, path, (long long)(first + j),
                        (long long)first, (long long)(first + frames - 1));
            break;
        }
        if (!png_image_begin_read_from_file(&im, path)) {
            s = lr__err(ctx, LR_ERR_FORMAT, "truth mask '%s' is not a readable PNG (%s)",
                        path, im.message);
            break;
        }
        im.format = PNG_FORMAT_GRAY;
        int iw = (int)im.width, ih = (int)im.height;
        int exact = iw == width && ih == height;
        int source = src_width > 0 && iw == src_width && ih == src_height;
        if (!exact && !source) {
            png_image_free(&im);
            if (src_width > 0 && (src_width != width || src_height != height))
                s = lr__err(ctx, LR_ERR_FORMAT, "truth mask '%s' is %dx%d but the video "
                            "frames are %dx%d (%dx%d before scaling)", path, iw, ih, width,
                            height, src_width, src_height);
            else
                s = lr__err(ctx, LR_ERR_FORMAT, "truth mask '%s' is %dx%d but the video "
                            "frames are %dx%d", path, iw, ih, width, height);
            break;
        }
        size_t need = PNG_IMAGE_SIZE(im);
        if (need > img_cap) {
            lr__free(ctx, img);
            img = lr__malloc(ctx, need, "a truth mask");
            img_cap = img ? need : 0;
            if (!img) {
                png_image_free(&im);
                s = LR_ERR_NOMEM;
                break;
            }
        }
        if (!png_image_finish_read(&im, NULL, img, (png_int_32)iw, NULL)) {
            s = lr__err(ctx, LR_ERR_FORMAT, "truth mask '%s' cannot be decoded (%s)", path,
                        im.message);
            png_image_free(&im);
            break;
        }
        uint8_t *lab = out->label + j * P;
        /* Row-major PNG -> column-major frame; nearest neighbour when the mask
         * has the source size and the video was scaled. */
        for (int x = 0; x < width; x++) {
            int sx = exact ? x : (int)(((int64_t)x * iw * 2 + iw) / (2 * (int64_t)width));
            for (int y = 0; y < height; y++) {
                int sy = exact ? y : (int)(((int64_t)y * ih * 2 + ih) / (2 * (int64_t)height));
                lab[y + (int64_t)x * height] = img[(size_t)sy * iw + sx];
            }
        }
    }
    lr__free(ctx, img);
    if (s) {
        lr__free(ctx, out->label);
        memset(out, 0, sizeof *out);
        return s;
    }
    out->width = width, out->height = height;
    out->frames = frames, out->first = first;
    return LR_OK;
}

void lr_truth_free(lr_ctx *ctx, lr_truth *t)
{
    if (!t) return;
    lr__free(ctx, t->label);
    memset(t, 0, sizeof *t);
}
