/* separate.h -- what the batch (cmd_separate.c) and the streaming
 * (separate_stream.c) paths of `lowrank separate` share: the options, the
 * pictures and a few report helpers. */
#ifndef LR_CLI_SEPARATE_H
#define LR_CLI_SEPARATE_H
#include "cli.h"

#define SEP_MAX_RANKS 16
#define SEP_MATRIX_ROWS 1000   /* rows of the video matrix shown in matrix.png */
#define SEP_MATRIX_COLS 1600   /* frames shown at most (sub-sampled beyond) */

typedef struct sep_opts {
    const char *video, *outdir, *truth;
    int svd;                    /* 0 rpca, 1 svd */
    int64_t ranks[SEP_MAX_RANKS];
    int nranks;
    double scale;
    int width, height;
    int64_t first, end;
    double lambda, tol, threshold;
    int max_iter;
    bool clean, png_frames, panel_given;
    int64_t panel;
    lr_dtype dtype;
    int64_t window;             /* > 0: streaming mode, frames per block */
    int64_t carry;              /* streaming rpca: carried frames (-1 default) */
} sep_opts;

/* "background.mp4" or "background" (PNG frames). */
const char *sep_vname(const sep_opts *so, const char *base, char *buf, size_t n);
/* Display scale of the foreground video: the 99th percentile of sampled
 * |R| above thr, else max |R|, else 1. */
double sep_vis_scale(const lr_mat *R, double thr);
/* |R_j| / vis into dst (m floats). */
void sep_fg_col(const lr_mat *R, int64_t j, double vis, float *dst);
/* panel-NNNN.png in dir from frame `frame`'s columns: M (the input), the
 * background and |R|/vis (f32); foreground share of the mask, its
 * threshold and F1 (NaN: no truth) go to the footer. */
lr_status sep_draw_panel(lr_ctx *ctx, const sep_opts *so, const lr_video_info *info,
                         const char *dir, int64_t frame, int64_t rank, const lr_mat *mcol,
                         const lr_mat *bgcol, const float *fgcol, double vis, double mask_frac,
                         double threshold, double f1, char *msg, size_t ml);
/* matrix.png in dir from buf: three planes of nr x ncd floats (M, the
 * background, |R|/vis), columns already repeated. */
lr_status sep_draw_matrix(lr_ctx *ctx, const sep_opts *so, const char *dir, int64_t m,
                          int64_t n, int nr, int nc, int ncd, const float *buf, char *msg,
                          size_t ml);
cJSON *sep_score_json(const lr_score *sc);
/* The report's "truth" object: the totals, and per_frame with one entry
 * per frame (numbered from first). */
cJSON *sep_truth_json(const lr_score *total, const lr_score *per_frame, int64_t n,
                      int64_t first);
/* The streaming path (--window): decodes, separates and writes block by
 * block.  Called once the options are checked; returns the exit code. */
int separate_stream(cli_common *cc, const sep_opts *so, const lr_rpca_opts *rpo,
                    const lr_mask_opts *mo);
#endif
