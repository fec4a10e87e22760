/* synthvid.h -- a synthetic surveillance-style video with exact ground truth,
 * for tests and benchmarks of background subtraction.
 *
 * The scene: a textured static background (smooth value noise plus a few
 * oriented gratings, grey levels within [0.2, 0.8]); a slow global
 * illumination drift (every pixel of frame t multiplied by
 * 1 + drift * sin(2 pi t / frames)); several textured objects (rectangles
 * and ellipses, striped or checkered, base grey far from the background's
 * mean) moving across the frame on straight lines, wrapping around; and
 * Gaussian sensor noise.  Values are luma in [0, 1] like the video layer's.
 *
 * Layout: the (height*width) x frames matrix of the library: frame t is
 * column t, pixel (y, x) is row y + x*height.  The truth mask has the same
 * layout, one byte per pixel: 255 where an object covers the pixel, 0
 * elsewhere (the CDnet encoding; no "unknown" band: edges are exact).
 * Everything is a function of the options and the seed alone. */
#ifndef LR_SYNTHVID_H
#define LR_SYNTHVID_H
#include <stdint.h>
#include "lowrank/lowrank.h"

typedef struct synthvid_opts {
    int64_t width, height, frames;  /* default 80 x 60, 120 frames */
    uint64_t seed;                  /* default 1 */
    int objects;                    /* default 4 */
    double noise;                   /* sensor noise sd; default 0.02 */
    double drift;                   /* illumination drift amplitude; default 0.05 */
    double speed;                   /* mean object speed, pixels/frame; default 1.5 */
    double size;                    /* object size as a fraction of the frame
                                       height; default 0.2 */
} synthvid_opts;

typedef struct synthvid {
    int64_t width, height, frames;
    lr_mat M;        /* (height*width) x frames, allocated on the ctx */
    uint8_t *truth;  /* same shape, ld = height*width (malloc) */
    double fg_fraction;  /* share of foreground pixels in the truth */
} synthvid;

void synthvid_opts_default(synthvid_opts *o);
/* Makes the video in element type t.  Returns LR_OK or the allocation's
 * error; *v is then owned by the caller (synthvid_free). */
lr_status synthvid_make(lr_ctx *ctx, const synthvid_opts *o, lr_dtype t, synthvid *v);
void synthvid_free(lr_ctx *ctx, synthvid *v);

/* The same scene frame by frame, for videos longer than memory: frames t0 ..
 * t0 + block->cols - 1 into the columns of block (P rows, any dtype) and,
 * when truth is not NULL, their masks (P bytes each, ld P).  Background,
 * objects, drift (period opts.frames) are those of synthvid_make with the
 * same options; the sensor noise of frame t comes from a stream of its own
 * (seed, t), so any range can be made alone and the same frame is always
 * the same (it differs from synthvid_make's noise draws).  Returns the
 * foreground pixels made.  new returns NULL when out of memory. */
typedef struct synthvid_gen synthvid_gen;
synthvid_gen *synthvid_gen_new(const synthvid_opts *o);
int64_t synthvid_gen_frames(const synthvid_gen *g, int64_t t0, lr_mat *block, uint8_t *truth);
void synthvid_gen_free(synthvid_gen *g);
#endif
