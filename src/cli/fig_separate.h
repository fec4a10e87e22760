/* fig_separate.h -- the pictures of `lowrank separate`: a row of titled
 * tiles (the three-panel frame figure and the video-matrix picture), drawn
 * with the generic helpers of figure.h. */
#ifndef LR_FIG_SEPARATE_H
#define LR_FIG_SEPARATE_H
#include <stdint.h>
#include "figure.h"
#include "lowrank/lowrank.h"

/* One tile: a matrix shown as an image (rows = picture height, column-major
 * like a video frame), its colour map and title. */
typedef struct fig_tile {
    lr_mat m;
    fig_map map;
    const char *title;
} fig_tile;

/* n tiles side by side, each magnified by one whole factor (nearest
 * neighbour) chosen so that every tile is at least min_width pixels wide,
 * or, when the widest tile exceeds max_width (> 0), all shrunk by one
 * factor (box filter) so that it fits;
 * a bold heading above and a small footer line below (either may be NULL);
 * the figure is widened to fit its text.  Written atomically as a PNG.
 * Errors: as fig_write_png, with the sentence in msg. */
lr_status fig_sep_row(lr_ctx *ctx, const char *path, const char *heading,
                      const char *footer, int n, const fig_tile *tiles, int min_width,
                      int max_width, char *msg, size_t msglen);

/* Evenly spaced row numbers for the matrix picture: min(rows, max_rows) of
 * them into idx (max_rows slots).  Returns the count. */
int fig_pick_rows(int64_t rows, int max_rows, int64_t *idx);
#endif
