/* cmd_separate.c -- `lowrank separate VIDEO -o OUTDIR`: split a video into a
 * low-rank background and a sparse foreground (robust PCA, or the rank-k
 * SVD background), with masks, videos, pictures and a JSON report.
 *
 * Order of work, so that bad input never leaves partial output: check the
 * options and the output folder's parent -> decode -> read the truth folder
 * -> check --panel against the real frame count -> only then create the
 * output folder(s) and compute.  Every file is written under a temporary
 * name and renamed when complete (lr_outfile, video writers). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "cli.h"
#include "fig_separate.h"
#include "separate.h"

#define MAX_RANKS SEP_MAX_RANKS
#define MIN2(a, b) ((a) < (b) ? (a) : (b))
#define MAX2(a, b) ((a) > (b) ? (a) : (b))

#define MATRIX_ROWS SEP_MATRIX_ROWS
#define MATRIX_COLS SEP_MATRIX_COLS

static const char usage[] =
    "usage: lowrank separate VIDEO -o OUTDIR [options]\n"
    "\n"
    "Splits a video into a low-rank background and a sparse foreground.  VIDEO is\n"
    "any file FFmpeg reads (or an image sequence pattern such as in%06d.jpg); it is\n"
    "decoded to grey and held as one pixels x frames matrix.  OUTDIR receives\n"
    "background.mp4, foreground.mp4 (|S| scaled for viewing), mask.mp4,\n"
    "panel-NNNN.png (original | background | foreground for frame NNNN),\n"
    "matrix.png (the video matrix as a picture) and report.json.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR   output folder (created if missing; its parent must exist)\n"
    "  --method M         rpca (robust PCA, default) or svd (rank-k background)\n"
    "  --rank K[,K...]    svd: background rank(s), one result set per rank in\n"
    "                     OUTDIR/rank-K/ when several (default 2);\n"
    "                     rpca: cap on the rank of L (default: none)\n"
    "  --scale S          resize frames by S (0 < S <= 16; default 1)\n"
    "  --size WxH         resize frames to W x H pixels (instead of --scale)\n"
    "  --frames A:B       frames A .. B-1, counted from 0 (default: all; A: or :B)\n"
    "  --lambda L         rpca: weight of ||S||_1 (default 1/sqrt(max(pixels,frames)))\n"
    "  --tol T            rpca: stop at ||M-L-S||_F/||M||_F < T (default 1e-5 f32,\n"
    "                     1e-7 f64)\n"
    "  --max-iter N       rpca: iteration limit (default 100)\n"
    "  --threshold T      mask: foreground where |R| > T, R = S (rpca) or M minus\n"
    "                     the background (svd); default max(4 x 1.4826 x median|R|,\n"
    "                     0.1 x the 99.9th percentile of |R|), both from a sample\n"
    "  --clean            mask: 3x3 median filter and opening on every frame\n"
    "                     (default off)\n"
    "  --panel N          frame shown in panel-NNNN.png (default: the middle frame)\n"
    "  --truth DIR        score the masks against CDnet ground truth: DIR/gt000001.png\n"
    "                     is frame 0 (0 background, 255 foreground, other values\n"
    "                     ignored); precision, recall, F1 go to the report\n"
    "  --png-frames       write folders of numbered PNG frames (background/,\n"
    "                     foreground/, mask/, frame-NNNNNN.png numbered from A+1)\n"
    "                     instead of MP4 videos\n"
    "  --dtype T          f32 (default) or f64\n"
    "  --window N         stream: process the video in consecutive blocks of N\n"
    "                     frames (N >= 2), decoding and writing as it goes, so\n"
    "                     memory depends on N and the frame size, not on the\n"
    "                     length (docs/ALGORITHMS-stream.md); default: the whole\n"
    "                     video as one matrix\n"
    "  --carry C          with --window and rpca: background frames carried from\n"
    "                     one block into the next (default min(16, N/2); 0 = none)\n"
    CLI_COMMON_HELP
    "\n"
    "exit codes: 0 ok, 1 runtime failure, 2 bad usage or input (nothing written)\n";

enum {
    OPT_METHOD = 2001, OPT_RANK, OPT_SCALE, OPT_SIZE, OPT_FRAMES, OPT_LAMBDA, OPT_TOL,
    OPT_MAXITER, OPT_THRESHOLD, OPT_CLEAN, OPT_PANEL, OPT_TRUTH, OPT_PNG, OPT_DTYPE,
    OPT_WINDOW, OPT_CARRY
};


/* One result set: a background, a residual (S or M - B_k) and its mask. */
typedef struct result {
    char dir[4096];
    char name[32];             /* "" (OUTDIR itself) or "rank-K" */
    int64_t rank;
    lr_mat L;                  /* dense background (rpca), else empty */
    const lr_svd *svd;         /* svd method: background = rank-k part */
    lr_mat R;                  /* S or M - B_k */
    uint8_t *mask;
    lr_mask_info minfo;
    double vis;                /* |R| / vis shown in foreground.mp4 */
    double nnz_fraction;
    lr_score total;
    lr_score *per_frame;
    double t_mask, t_encode, t_figures;
} result;

/* ---- small helpers ------------------------------------------------------- */
static double mat_at(const lr_mat *m, int64_t i, int64_t j)
{
    return m->dtype == LR_F32 ? ((const float *)m->data)[i + j * m->ld]
                              : ((const double *)m->data)[i + j * m->ld];
}

static void parse_frames(const cli_common *cc, const char *s, int64_t *a, int64_t *b)
{
    const char *colon = strchr(s, ':');
    if (!colon) cli_die(cc, EXIT_USAGE, "--frames expects A:B (or A: or :B), got '%s'", s);
    char buf[64];
    size_t la = (size_t)(colon - s);
    if (la >= sizeof buf) cli_die(cc, EXIT_USAGE, "--frames: '%s' is too long", s);
    memcpy(buf, s, la);
    buf[la] = 0;
    *a = la ? cli_parse_int(cc, "--frames (start)", buf, 0, INT64_MAX / 2) : 0;
    *b = colon[1] ? cli_parse_int(cc, "--frames (end)", colon + 1, 1, INT64_MAX / 2) : -1;
    if (*b >= 0 && *b <= *a)
        cli_die(cc, EXIT_USAGE, "--frames %s is empty: the end (exclusive) must be greater "
                "than the start", s);
}

static void parse_size(const cli_common *cc, const char *s, int *w, int *h)
{
    char *x = strchr(s, 'x');
    if (!x) x = strchr(s, 'X');
    if (!x) cli_die(cc, EXIT_USAGE, "--size expects WxH such as 320x240, got '%s'", s);
    char buf[32];
    size_t l = (size_t)(x - s);
    if (!l || l >= sizeof buf) cli_die(cc, EXIT_USAGE, "--size expects WxH, got '%s'", s);
    memcpy(buf, s, l);
    buf[l] = 0;
    *w = (int)cli_parse_int(cc, "--size (width)", buf, 1, 16384);
    *h = (int)cli_parse_int(cc, "--size (height)", x + 1, 1, 16384);
}

/* The output folder must exist and be writable, or be creatable: checked
 * before any work so that a typo costs nothing. */
static void check_outdir(const cli_common *cc, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            cli_die(cc, EXIT_USAGE, "output '%s' exists and is not a folder", dir);
        if (access(dir, W_OK) != 0)
            cli_die(cc, EXIT_USAGE, "output folder '%s' is not writable", dir);
        return;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", dir);
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/') tmp[--n] = 0;
    const char *parent = dirname(tmp);
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
        cli_die(cc, EXIT_USAGE, "cannot create output folder '%s': its parent '%s' does "
                "not exist", dir, parent);
    if (access(parent, W_OK) != 0)
        cli_die(cc, EXIT_USAGE, "cannot create output folder '%s': '%s' is not writable",
                dir, parent);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Display scale of the foreground video: the 99th percentile of |R| among
 * sampled entries above the mask threshold (so that typical foreground is
 * bright and a few outliers saturate), else max |R|, else 1. */
double sep_vis_scale(const lr_mat *R, double thr)
{
    int64_t total = R->rows * R->cols, want = 200000;
    int64_t step = total > want ? total / want : 1;
    float *v = malloc(sizeof(float) * (size_t)(total / step + 1));
    if (!v) return 1;
    int64_t n = 0;
    double mx = 0;
    for (int64_t t = 0; t < total; t += step) {
        double a = fabs(mat_at(R, t % R->rows, t / R->rows));
        if (a > mx) mx = a;
        if (a > thr) v[n++] = (float)a;
    }
    double s = mx;
    if (n >= 20) {
        qsort(v, (size_t)n, sizeof *v, cmp_float);
        s = v[(int64_t)(0.99 * (n - 1))];
    }
    free(v);
    return s > 0 ? s : 1;
}

/* Background column j of r into scratch (m x 1), returned as a view. */
static lr_status bg_col(lr_ctx *ctx, const result *r, int64_t j, lr_mat *scratch, lr_mat *out)
{
    if (r->L.data) {
        *out = lr_mat_block(&r->L, 0, j, r->L.rows, 1);
        return LR_OK;
    }
    lr_status s = lr_bg_expand(ctx, r->svd, r->rank, 0, j, scratch);
    *out = *scratch;
    return s;
}

void sep_fg_col(const lr_mat *R, int64_t j, double vis, float *d)
{
    const double inv = 1.0 / vis;
    if (R->dtype == LR_F32) {
        const float *c = (const float *)R->data + j * R->ld;
        for (int64_t i = 0; i < R->rows; i++) d[i] = (float)(fabsf(c[i]) * inv);
    } else {
        const double *c = (const double *)R->data + j * R->ld;
        for (int64_t i = 0; i < R->rows; i++) d[i] = (float)(fabs(c[i]) * inv);
    }
}

/* |R_j| / vis into scratch (m x 1, f32). */
static void fg_col(const result *r, int64_t j, lr_mat *scratch)
{
    sep_fg_col(&r->R, j, r->vis, scratch->data);
}

/* ---- outputs ------------------------------------------------------------- */
const char *sep_vname(const sep_opts *so, const char *base, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", base, so->png_frames ? "" : ".mp4");
    return buf;
}

/* One of the three videos (v: 0 background, 1 foreground, 2 mask). */
static lr_status write_video(lr_ctx *ctx, const sep_opts *so, const lr_video_write_opts *wo,
                             const lr_video_info *info, const result *r, int v)
{
    static const char *const base[3] = {"background", "foreground", "mask"};
    const int64_t m = r->R.rows, n = r->R.cols;
    lr_mat scratch = {0};
    lr_status s = v == 0 ? lr_mat_alloc(ctx, r->R.dtype, m, 1, &scratch)
                         : v == 1 ? lr_mat_alloc(ctx, LR_F32, m, 1, &scratch) : LR_OK;
    if (s) return s;
    char name[64], path[4200];
    cli_path(path, sizeof path, r->dir, sep_vname(so, base[v], name, sizeof name));
    lr_video_writer *w;
    if (!(s = lr_video_writer_open(ctx, path, info->width, info->height, wo, &w))) {
        for (int64_t j = 0; j < n && !s; j++) {
            lr_mat col;
            if (v == 0) {
                if (!(s = bg_col(ctx, r, j, &scratch, &col))) s = lr_video_writer_add(ctx, w, &col);
            } else if (v == 1) {
                fg_col(r, j, &scratch);
                s = lr_video_writer_add(ctx, w, &scratch);
            } else {
                s = lr_video_writer_add_u8(ctx, w, r->mask + j * m);
            }
        }
        if (s) lr_video_writer_abort(w);
        else s = lr_video_writer_close(ctx, w);
    }
    lr_mat_free(ctx, &scratch);
    return s;
}

lr_status sep_draw_panel(lr_ctx *ctx, const sep_opts *so, const lr_video_info *info,
                         const char *dir, int64_t frame, int64_t rank, const lr_mat *mcol,
                         const lr_mat *bgcol, const float *fgcol, double vis, double mask_frac,
                         double threshold, double f1, char *msg, size_t ml)
{
    const int W = info->width, H = info->height;
    char t2[64], t3[96], head[512], foot[256], path[4200], name[64];
    const char *vb = strrchr(so->video, '/') ? strrchr(so->video, '/') + 1 : so->video;
    if (so->svd) {
        snprintf(t2, sizeof t2, "background B (rank %lld)", (long long)rank);
        snprintf(t3, sizeof t3, "foreground |M - B|");
    } else {
        snprintf(t2, sizeof t2, "low-rank L (rank %lld)", (long long)rank);
        snprintf(t3, sizeof t3, "sparse |S|");
    }
    snprintf(head, sizeof head, "%s, frame %lld: %s", vb, (long long)frame,
             so->svd ? "rank-k SVD background" : "robust PCA, M = L + S");
    int fl = snprintf(foot, sizeof foot, "foreground colours: 0 (black) to %.3g (white); "
                      "mask: %.1f%% of the frame above %.3g", vis, 100.0 * mask_frac, threshold);
    if (!isnan(f1) && fl > 0 && fl < (int)sizeof foot)
        snprintf(foot + fl, sizeof foot - fl, "; truth F1 %.3f", f1);
    fig_map heat = {0, 1, FIG_CMAP_HEAT};
    fig_tile tiles[3] = {
        {lr_mat_view(mcol->dtype, H, W, H, mcol->data), FIG_MAP_UNIT, "original M"},
        {lr_mat_view(bgcol->dtype, H, W, H, bgcol->data), FIG_MAP_UNIT, t2},
        {lr_mat_view(LR_F32, H, W, H, (void *)fgcol), heat, t3}};
    snprintf(name, sizeof name, "panel-%04lld.png", (long long)frame);
    cli_path(path, sizeof path, dir, name);
    return fig_sep_row(ctx, path, head, foot, 3, tiles, 320, 640, msg, ml);
}

static lr_status write_panel(lr_ctx *ctx, const sep_opts *so, const lr_video_info *info,
                             const lr_mat *M, result *r, int64_t frame, char *msg, size_t ml)
{
    const int64_t m = M->rows, j = frame - info->first;
    lr_mat scratch, col, fg;
    lr_status s = lr_mat_alloc(ctx, M->dtype, m, 1, &scratch);
    if (s) return s;
    if ((s = lr_mat_alloc(ctx, LR_F32, m, 1, &fg))) {
        lr_mat_free(ctx, &scratch);
        return s;
    }
    if (!(s = bg_col(ctx, r, j, &scratch, &col))) {
        fg_col(r, j, &fg);
        int64_t fgpx = 0;
        for (int64_t i = 0; i < m; i++) fgpx += r->mask[j * m + i] != 0;
        lr_mat mc = lr_mat_block(M, 0, j, m, 1);
        s = sep_draw_panel(ctx, so, info, r->dir, frame, r->rank, &mc, &col, fg.data, r->vis,
                           (double)fgpx / m, r->minfo.threshold,
                           r->per_frame ? r->per_frame[j].f1 : NAN, msg, ml);
    }
    lr_mat_free(ctx, &fg);
    lr_mat_free(ctx, &scratch);
    return s;
}

lr_status sep_draw_matrix(lr_ctx *ctx, const sep_opts *so, const char *dir, int64_t m,
                          int64_t n, int nr, int nc, int ncd, const float *buf, char *msg,
                          size_t ml)
{
    const size_t plane = (size_t)nr * ncd;
    char head[256], foot[256], path[4200];
    snprintf(head, sizeof head, "the video as a matrix: %lld pixels (%d rows shown) x "
             "%lld frames%s", (long long)m, nr, (long long)n, nc < n ? " (sub-sampled)" : "");
    snprintf(foot, sizeof foot, "column = frame (time runs right), row = pixel; the "
             "background gives horizontal lines, moving objects slanted streaks");
    fig_map heat = {0, 1, FIG_CMAP_HEAT};
    fig_tile tiles[3] = {
        {lr_mat_view(LR_F32, nr, ncd, nr, (void *)buf), FIG_MAP_UNIT, "M (video)"},
        {lr_mat_view(LR_F32, nr, ncd, nr, (void *)(buf + plane)), FIG_MAP_UNIT,
         so->svd ? "B (background)" : "L (low-rank)"},
        {lr_mat_view(LR_F32, nr, ncd, nr, (void *)(buf + 2 * plane)), heat,
         so->svd ? "|M - B|" : "|S| (sparse)"}};
    cli_path(path, sizeof path, dir, "matrix.png");
    return fig_sep_row(ctx, path, head, foot, 3, tiles, 0, 0, msg, ml);
}

/* matrix.png: rows of M, L and |S| sub-sampled to MATRIX_ROWS, frames
 * across (columns repeated when there are few, so that streaks show). */
static lr_status write_matrix(lr_ctx *ctx, const sep_opts *so, const lr_mat *M, result *r,
                              char *msg, size_t ml)
{
    const int64_t m = M->rows, n = M->cols;
    int64_t idx[MATRIX_ROWS];
    int nr = fig_pick_rows(m, MATRIX_ROWS, idx);
    int nc = n > MATRIX_COLS ? MATRIX_COLS : (int)n;
    int rep = nc < 500 ? (500 + nc - 1) / nc : 1, ncd = nc * rep;
    float *buf = malloc(sizeof(float) * (size_t)nr * ncd * 3);
    lr_mat scratch;
    lr_status s = lr_mat_alloc(ctx, M->dtype, m, 1, &scratch);
    if (!buf || s) {
        free(buf);
        lr_mat_free(ctx, &scratch);
        snprintf(msg, ml, "out of memory drawing matrix.png");
        return s ? s : LR_ERR_NOMEM;
    }
    const size_t plane = (size_t)nr * ncd;
    for (int c = 0; c < nc && !s; c++) {
        int64_t j = (int64_t)((c + 0.5) * n / nc);
        lr_mat col;
        if ((s = bg_col(ctx, r, j, &scratch, &col))) break;
        for (int k = 0; k < rep; k++) {
            size_t o = (size_t)(c * rep + k) * nr;
            for (int i = 0; i < nr; i++) {
                buf[o + i] = (float)mat_at(M, idx[i], j);
                buf[plane + o + i] = (float)mat_at(&col, idx[i], 0);
                buf[2 * plane + o + i] = (float)(fabs(mat_at(&r->R, idx[i], j)) / r->vis);
            }
        }
    }
    if (s) snprintf(msg, ml, "%s", lr_ctx_errmsg(ctx));
    if (!s) s = sep_draw_matrix(ctx, so, r->dir, m, n, nr, nc, ncd, buf, msg, ml);
    free(buf);
    lr_mat_free(ctx, &scratch);
    return s;
}

/* panel-NNNN.png and matrix.png. */
static lr_status write_figures(lr_ctx *ctx, const sep_opts *so, const lr_video_info *info,
                               const lr_mat *M, result *r, int64_t panel, char *msg, size_t ml)
{
    lr_status s = write_panel(ctx, so, info, M, r, panel, msg, ml);
    return s ? s : write_matrix(ctx, so, M, r, msg, ml);
}

/* The three videos and the two pictures.  With threads, side by side: each
 * video encoder is mostly serial at these frame sizes, so three at once
 * keep the cores busy (vtest 320x240 x 795, 2 threads: encode 1.62-1.67 s
 * -> 1.33-1.41 s), and the pictures (0.36 s on one thread) are drawn as a
 * fourth task in the time the encoders leave idle.  Tasks 1-3 use contexts
 * of their own (a context serves one thread); only video 0, on the calling
 * thread, reports progress.  r->t_encode: until the last video is done;
 * r->t_figures: the pictures' own time (inside t_encode when side by
 * side).  On failure msg says why (the first failed task: videos 0-2, then
 * the pictures). */
static lr_status write_outputs(lr_ctx *ctx, const sep_opts *so, const lr_video_info *info,
                               const lr_mat *M, result *r, int64_t panel, char *msg, size_t ml)
{
    lr_video_write_opts wo;
    lr_video_write_opts_default(&wo);
    wo.format = so->png_frames ? LR_VIDEO_PNG_FRAMES : LR_VIDEO_MP4;
    wo.fps = info->fps;
    wo.expected_frames = r->R.cols;
    wo.first_number = info->first + 1;
    int nt = lr_ctx_threads(ctx);
    lr_ctx *own[4] = {ctx, NULL, NULL, NULL};
    lr_status st[4] = {LR_OK, LR_OK, LR_OK, LR_OK};
    double t_end[4] = {0, 0, 0, 0}, t_fig0 = 0;
    char fmsg[1024] = "";
    int par = nt > 1;
    for (int v = 1; v < 4 && par; v++) {
        if (!(own[v] = lr_ctx_create())) {
            par = 0;
            break;
        }
        lr_ctx_set_threads(own[v], nt);
        lr_ctx_set_mem_limit(own[v], lr_ctx_mem_limit(ctx));
    }
    const double t0 = cli_now();
    if (par) {
#pragma omp parallel for num_threads(4) schedule(static, 1)
        for (int v = 0; v < 4; v++) {
            if (v == 3) t_fig0 = cli_now();
            st[v] = v < 3 ? write_video(own[v], so, &wo, info, r, v)
                          : write_figures(own[v], so, info, M, r, panel, fmsg, sizeof fmsg);
            t_end[v] = cli_now();
        }
    } else {
        for (int v = 0; v < 3 && !st[0]; v++) st[0] = write_video(ctx, so, &wo, info, r, v);
        t_end[0] = t_fig0 = cli_now();
        if (!st[0]) st[3] = write_figures(ctx, so, info, M, r, panel, fmsg, sizeof fmsg);
        t_end[3] = cli_now();
    }
    r->t_encode = MAX2(MAX2(t_end[0], t_end[1]), t_end[2]) - t0;
    r->t_figures = t_end[3] - t_fig0;
    lr_status s = LR_OK;
    for (int v = 0; v < 4 && !s; v++)
        if (st[v]) {
            s = st[v];
            snprintf(msg, ml, "%s", v == 3 ? fmsg : lr_ctx_errmsg(par ? own[v] : ctx));
        }
    for (int v = 1; v < 4; v++)
        if (own[v]) lr_ctx_destroy(own[v]);
    return s;
}

static void emit_set(const cli_common *cc, lr_ctx *ctx, const sep_opts *so,
                     const lr_video_info *info, const lr_mat *M, const lr_truth *truth,
                     const lr_mask_opts *mo, int64_t panel, result *r)
{
    const int64_t m = M->rows, n = M->cols;
    double t0 = cli_now();
    lr_status s = lr_mask_compute(ctx, &r->R, mo, r->mask, &r->minfo);
    cli_check(cc, ctx, s);
    r->vis = sep_vis_scale(&r->R, r->minfo.threshold);
    if (truth->label) {
        r->per_frame = calloc((size_t)n, sizeof *r->per_frame);
        if (!r->per_frame) cli_die(cc, EXIT_RUNTIME, "out of memory");
        cli_check(cc, ctx, lr_mask_score(ctx, r->mask, truth->label, m, n, &r->total,
                                         r->per_frame));
    }
    r->t_mask = cli_now() - t0;
    char msg[1024];
    if ((s = write_outputs(ctx, so, info, M, r, panel, msg, sizeof msg)))
        cli_die(cc, cli_exit_code(s), "%s", msg);
}

/* ---- report -------------------------------------------------------------- */
cJSON *sep_score_json(const lr_score *sc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "precision", sc->precision);
    cJSON_AddNumberToObject(o, "recall", sc->recall);
    cJSON_AddNumberToObject(o, "f1", sc->f1);
    cJSON_AddNumberToObject(o, "tp", (double)sc->tp);
    cJSON_AddNumberToObject(o, "fp", (double)sc->fp);
    cJSON_AddNumberToObject(o, "fn", (double)sc->fn);
    cJSON_AddNumberToObject(o, "tn", (double)sc->tn);
    cJSON_AddNumberToObject(o, "ignored", (double)sc->ignored);
    return o;
}

cJSON *sep_truth_json(const lr_score *total, const lr_score *per_frame, int64_t n,
                      int64_t first)
{
    cJSON *t = sep_score_json(total);
    cJSON *pf = cJSON_AddArrayToObject(t, "per_frame");
    for (int64_t j = 0; j < n; j++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "frame", (double)(first + j));
        cJSON_AddNumberToObject(e, "precision", per_frame[j].precision);
        cJSON_AddNumberToObject(e, "recall", per_frame[j].recall);
        cJSON_AddNumberToObject(e, "f1", per_frame[j].f1);
        cJSON_AddNumberToObject(e, "tp", (double)per_frame[j].tp);
        cJSON_AddNumberToObject(e, "fp", (double)per_frame[j].fp);
        cJSON_AddNumberToObject(e, "fn", (double)per_frame[j].fn);
        cJSON_AddItemToArray(pf, e);
    }
    return t;
}

static cJSON *result_json(const sep_opts *so, const lr_video_info *info, const result *r,
                          const lr_rpca *rp)
{
    cJSON *o = cJSON_CreateObject();
    char name[64];
    cJSON_AddStringToObject(o, "folder", r->name[0] ? r->name : ".");
    cJSON_AddNumberToObject(o, "rank", (double)r->rank);
    if (rp) {
        cJSON_AddNumberToObject(o, "lambda", lr_rpca_lambda(rp));
        cJSON_AddNumberToObject(o, "iterations", lr_rpca_iterations(rp));
        cJSON_AddNumberToObject(o, "residual", lr_rpca_residual(rp));
        cJSON_AddBoolToObject(o, "converged", lr_rpca_status(rp) == LR_OK);
        cJSON_AddNumberToObject(o, "svd_calls", lr_rpca_svd_calls(rp));
        cJSON_AddNumberToObject(o, "mu_final", lr_rpca_mu(rp));
        cJSON_AddNumberToObject(o, "norm2", lr_rpca_norm2(rp));
        const double *h = lr_rpca_history(rp);
        cJSON *ha = cJSON_AddArrayToObject(o, "residual_history");
        for (int i = 0; i < lr_rpca_iterations(rp); i++)
            cJSON_AddItemToArray(ha, cJSON_CreateNumber(h[i]));
        /* Where the time went: per stage (wall and CPU seconds) and per
         * iteration (CPU seconds of the SVT step and of the fused pass). */
        lr_rpca_times tm;
        lr_rpca_times_get(rp, &tm);
        cJSON *st = cJSON_AddObjectToObject(o, "stages");
        for (int i = 0; i < LR_RPCA_NSTAGES; i++) {
            cJSON *e = cJSON_AddObjectToObject(st, lr_rpca_stage_name(i));
            cJSON_AddNumberToObject(e, "wall", tm.wall[i]);
            cJSON_AddNumberToObject(e, "cpu", tm.cpu[i]);
        }
        cJSON_AddNumberToObject(o, "partial_iterations", tm.partial_iters);
        cJSON_AddNumberToObject(o, "gram_iterations", tm.gram_iters);
        cJSON_AddNumberToObject(o, "gram_f32_iterations", tm.gram_f32_iters);
        const double *is = lr_rpca_iter_seconds(rp);
        cJSON *ia = cJSON_AddArrayToObject(o, "iteration_cpu_seconds");
        for (int i = 0; i < lr_rpca_iterations(rp); i++) {
            double pair[2] = {is[2 * i], is[2 * i + 1]};
            cJSON_AddItemToArray(ia, cJSON_CreateDoubleArray(pair, 2));
        }
    } else {
        /* Fraction of ||M||_F^2 in the background: sum of sigma_i^2 / ||M||_F^2. */
        double ev = 0;
        for (int64_t i = 0; i < r->rank; i++) ev += lr_svd_explained_variance(r->svd, i);
        cJSON_AddNumberToObject(o, "explained_variance", ev);
    }
    cJSON_AddNumberToObject(o, "nonzero_fraction", r->nnz_fraction);
    cJSON *mk = cJSON_AddObjectToObject(o, "mask");
    cJSON_AddNumberToObject(mk, "threshold", r->minfo.threshold);
    cJSON_AddNumberToObject(mk, "noise_sigma", r->minfo.sigma);
    cJSON_AddNumberToObject(mk, "p999", r->minfo.p999);
    cJSON_AddNumberToObject(mk, "fraction", r->minfo.fraction);
    cJSON_AddNumberToObject(mk, "pixels", (double)r->minfo.count);
    cJSON_AddBoolToObject(mk, "clean", so->clean);
    cJSON_AddNumberToObject(o, "foreground_display_scale", r->vis);
    cJSON *fo = cJSON_AddObjectToObject(o, "files");
    cJSON_AddStringToObject(fo, "background", sep_vname(so, "background", name, sizeof name));
    cJSON_AddStringToObject(fo, "foreground", sep_vname(so, "foreground", name, sizeof name));
    cJSON_AddStringToObject(fo, "mask", sep_vname(so, "mask", name, sizeof name));
    cJSON_AddStringToObject(fo, "matrix", "matrix.png");
    if (r->per_frame)
        cJSON_AddItemToObject(o, "truth",
                              sep_truth_json(&r->total, r->per_frame, r->R.cols, info->first));
    cJSON *tm = cJSON_AddObjectToObject(o, "seconds");
    cJSON_AddNumberToObject(tm, "mask", r->t_mask);
    cJSON_AddNumberToObject(tm, "encode", r->t_encode);
    cJSON_AddNumberToObject(tm, "figures", r->t_figures);
    return o;
}

static int64_t count_nonzero(const lr_mat *R)
{
    int64_t c = 0;
    for (int64_t j = 0; j < R->cols; j++) {
        if (R->dtype == LR_F32) {
            const float *p = (const float *)R->data + j * R->ld;
            for (int64_t i = 0; i < R->rows; i++) c += p[i] != 0;
        } else {
            const double *p = (const double *)R->data + j * R->ld;
            for (int64_t i = 0; i < R->rows; i++) c += p[i] != 0;
        }
    }
    return c;
}

/* ---- main ---------------------------------------------------------------- */
/* The robust PCA options from the command line (the same on every rank). */
static void rpca_opts_from(const sep_opts *so, bool rank_given, uint64_t seed, lr_rpca_opts *rpo)
{
    lr_rpca_opts_default(rpo);
    if (so->lambda > 0) rpo->lambda = so->lambda;
    if (so->tol > 0) rpo->tol = so->tol;
    if (so->max_iter > 0) rpo->max_iter = so->max_iter;
    if (rank_given) rpo->rank_max = so->ranks[0];
    rpo->seed = seed;
}

static void *prefault_main(void *w)
{
    /* Below the decoder when other jobs share the cores: it only has to
     * use what the decoder leaves idle. */
#ifdef SYS_gettid
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10); /* Linux: per thread */
#endif
    lr_rpca_work_prefault(w);
    return NULL;
}

/* Decodes the video into *M (as lr_video_read).  For robust PCA on more
 * than one thread, lr_rpca_compute's workspace (Y and T, twice the matrix)
 * is made as soon as the reader knows the frame size and count, and its
 * pages are mapped on a second thread while the decoder, which keeps about
 * one core busy, fills M: on this VM the first touch of fresh memory costs
 * 0.1-0.6 s per 244 MB (rpca.h, lr_rpca_work_create).  Only when the plan
 * plus the workspace fits the memory limit (mapping it must not make the
 * reader's own check fail); otherwise, or when the frame count came out
 * different, robust PCA allocates its buffers itself as before.  The
 * workspace goes to *work (NULL when none). */
static lr_status decode(lr_ctx *ctx, const sep_opts *so, const lr_video_read_opts *ro,
                        const lr_rpca_opts *rpo, double plan, lr_mat *M, lr_video_info *info,
                        lr_rpca_work **work)
{
    *work = NULL;
    memset(M, 0, sizeof *M);
    lr_video_reader *vr;
    lr_status s = lr_video_reader_open(ctx, so->video, ro, &vr, info);
    if (s) return s;
    pthread_t th;
    int running = 0;
    const int64_t m = (int64_t)info->width * info->height, n = info->frames;
    if (!so->svd && !cli_mpi && lr_ctx_threads(ctx) > 1) {
        const double in = (double)m * (double)n * (double)lr_dtype_size(ro->dtype);
        if (lr_mem_check(ctx, (int64_t)MIN2((plan + 2) * in, 9e18), (int64_t)in,
                         "the robust PCA workspace") != LR_OK ||
            lr_rpca_work_create(ctx, ro->dtype, m, n, rpo, work) != LR_OK)
            lr_ctx_clear_error(ctx); /* not made: lr_rpca_compute will say why, if it must */
        else running = pthread_create(&th, NULL, prefault_main, *work) == 0;
    }
    s = lr_video_reader_read_all(ctx, vr, M);
    if (running) {
        lr_rpca_work_stop(*work);
        pthread_join(th, NULL);
    }
    if (!s) *info = *lr_video_reader_info(vr);
    lr_video_reader_close(ctx, vr);
    if (*work && (s || M->cols > n)) {
        lr_rpca_work_destroy(ctx, *work);
        *work = NULL;
    }
    return s;
}

/* MPI ranks other than 0: receive a band of the video matrix, take part in
 * robust PCA, send the bands of L and S back.  Rank 0 does all the rest. */
static int separate_band(cli_common *cc, const sep_opts *so, bool rank_given)
{
    lr_ctx *ctx = cli_ctx(cc);
    lr_mat band, none;
    lr_rowdist rd;
    cli_check(cc, ctx, cli_mpi->scatter(ctx, NULL, &band, &rd));
    lr_rpca_opts rpo;
    rpca_opts_from(so, rank_given, cc->seed, &rpo);
    lr_rpca *rp = NULL;
    lr_status s = lr_rpca_compute_rows(ctx, &band, &rpo, &rd, &rp);
    if (s != LR_ERR_NOCONV) cli_check(cc, ctx, s);
    lr_mat L = lr_rpca_l(rp), S = lr_rpca_s(rp);
    cli_check(cc, ctx, cli_mpi->gather(ctx, &L, &none));
    cli_check(cc, ctx, cli_mpi->gather(ctx, &S, &none));
    lr_rpca_destroy(rp);
    lr_mat_free(ctx, &band);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}

int cmd_separate(int argc, char **argv)
{
    cli_common cc;
    cli_common_init(&cc, "lowrank separate");
    sep_opts so;
    memset(&so, 0, sizeof so);
    so.scale = 1;
    so.end = -1;
    so.dtype = LR_F32;
    so.ranks[0] = 2;
    so.nranks = 1;
    so.carry = -1;
    bool rank_given = false, scale_given = false, size_given = false;
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"method", required_argument, 0, OPT_METHOD},
        {"rank", required_argument, 0, OPT_RANK},
        {"scale", required_argument, 0, OPT_SCALE},
        {"size", required_argument, 0, OPT_SIZE},
        {"frames", required_argument, 0, OPT_FRAMES},
        {"lambda", required_argument, 0, OPT_LAMBDA},
        {"tol", required_argument, 0, OPT_TOL},
        {"max-iter", required_argument, 0, OPT_MAXITER},
        {"threshold", required_argument, 0, OPT_THRESHOLD},
        {"clean", no_argument, 0, OPT_CLEAN},
        {"panel", required_argument, 0, OPT_PANEL},
        {"truth", required_argument, 0, OPT_TRUTH},
        {"png-frames", no_argument, 0, OPT_PNG},
        {"dtype", required_argument, 0, OPT_DTYPE},
        {"window", required_argument, 0, OPT_WINDOW},
        {"carry", required_argument, 0, OPT_CARRY},
        CLI_COMMON_LONGOPTS,
        {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0; /* our own message names the bad option */
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        if (c == '?') cli_unknown_option(&cc, argv);
        if (cli_common_opt(&cc, c, optarg, usage)) continue;
        switch (c) {
        case 'o': so.outdir = optarg; break;
        case OPT_METHOD:
            if (!strcmp(optarg, "rpca")) so.svd = 0;
            else if (!strcmp(optarg, "svd")) so.svd = 1;
            else cli_die(&cc, EXIT_USAGE, "--method must be rpca or svd, got '%s'", optarg);
            break;
        case OPT_RANK:
            so.nranks = cli_parse_int_list(&cc, "--rank", optarg, so.ranks, MAX_RANKS, 1, 100000);
            rank_given = true;
            break;
        case OPT_SCALE:
            so.scale = cli_parse_double(&cc, "--scale", optarg, 1e-6, 16);
            scale_given = true;
            break;
        case OPT_SIZE:
            parse_size(&cc, optarg, &so.width, &so.height);
            size_given = true;
            break;
        case OPT_FRAMES: parse_frames(&cc, optarg, &so.first, &so.end); break;
        case OPT_LAMBDA: so.lambda = cli_parse_double(&cc, "--lambda", optarg, 1e-12, 1e6); break;
        case OPT_TOL: so.tol = cli_parse_double(&cc, "--tol", optarg, 1e-15, 1); break;
        case OPT_MAXITER: so.max_iter = (int)cli_parse_int(&cc, "--max-iter", optarg, 1, 100000); break;
        case OPT_THRESHOLD:
            so.threshold = cli_parse_double(&cc, "--threshold", optarg, 1e-12, 1e6);
            break;
        case OPT_CLEAN: so.clean = true; break;
        case OPT_PANEL:
            so.panel = cli_parse_int(&cc, "--panel", optarg, 0, INT64_MAX / 2);
            so.panel_given = true;
            break;
        case OPT_TRUTH: so.truth = optarg; break;
        case OPT_PNG: so.png_frames = true; break;
        case OPT_DTYPE:
            if (!strcmp(optarg, "f32")) so.dtype = LR_F32;
            else if (!strcmp(optarg, "f64")) so.dtype = LR_F64;
            else cli_die(&cc, EXIT_USAGE, "--dtype must be f32 or f64, got '%s'", optarg);
            break;
        case OPT_WINDOW: so.window = cli_parse_int(&cc, "--window", optarg, 2, 1 << 20); break;
        case OPT_CARRY: so.carry = cli_parse_int(&cc, "--carry", optarg, 0, 1 << 20); break;
        default: cli_die(&cc, EXIT_USAGE, "see 'lowrank separate --help'");
        }
    }
    if (optind >= argc) cli_die(&cc, EXIT_USAGE, "no VIDEO given; see 'lowrank separate --help'");
    if (optind + 1 < argc)
        cli_die(&cc, EXIT_USAGE, "one VIDEO only; unexpected '%s'", argv[optind + 1]);
    so.video = argv[optind];
    if (!so.outdir) cli_die(&cc, EXIT_USAGE, "no output folder; give -o OUTDIR");
    if (scale_given && size_given) cli_die(&cc, EXIT_USAGE, "give --scale or --size, not both");
    if (!so.svd && so.nranks > 1)
        cli_die(&cc, EXIT_USAGE, "--rank with several values needs --method svd (robust PCA "
                "finds its own rank; one --rank value caps it)");
    if (so.svd && (so.lambda > 0 || so.tol > 0 || so.max_iter > 0))
        cli_die(&cc, EXIT_USAGE, "--lambda, --tol and --max-iter apply to --method rpca only");
    if (cli_mpi && so.svd)
        cli_die(&cc, EXIT_USAGE, "lowrank-mpi separate runs robust PCA (--method rpca); the "
                "SVD background is cheap enough for lowrank separate --method svd");
    if (cli_mpi && cli_mpi->rank) { /* a worker rank: no files, no output */
        cc.quiet = true, cc.json = false;
        return separate_band(&cc, &so, rank_given);
    }
    check_outdir(&cc, so.outdir);
    struct stat vst;
    if (!strchr(so.video, '%') && stat(so.video, &vst) != 0)
        cli_die(&cc, EXIT_USAGE, "cannot open video '%s': %s", so.video, strerror(errno));
    if (so.truth) {
        if (stat(so.truth, &vst) != 0)
            cli_die(&cc, EXIT_USAGE, "truth folder '%s': %s", so.truth, strerror(errno));
        if (!S_ISDIR(vst.st_mode))
            cli_die(&cc, EXIT_USAGE, "truth folder '%s' is not a folder", so.truth);
    }

    if (so.carry >= 0 && (!so.window || so.svd))
        cli_die(&cc, EXIT_USAGE, "--carry applies to --window with --method rpca only");
    if (so.window) {
        /* Streaming: the options that need no frame count are checked here. */
        lr_rpca_opts rpo;
        lr_rpca_opts_default(&rpo);
        if (so.lambda > 0) rpo.lambda = so.lambda;
        if (so.tol > 0) rpo.tol = so.tol;
        if (so.max_iter > 0) rpo.max_iter = so.max_iter;
        if (rank_given && !so.svd) rpo.rank_max = so.ranks[0];
        rpo.seed = cc.seed;
        lr_mask_opts mo;
        lr_mask_opts_default(&mo);
        mo.threshold = so.threshold;
        mo.clean = so.clean ? (LR_CLEAN_MEDIAN | LR_CLEAN_OPEN) : LR_CLEAN_NONE;
        return separate_stream(&cc, &so, &rpo, &mo);
    }

    lr_ctx *ctx = cli_ctx(&cc);
    /* --max-memory: the planned peak (README, "Memory"), refused from the
     * frame count and size before the matrix is allocated. */
    const double plan = so.svd ? 2.6 : 4.0;
    cli_mem_plan(&cc, ctx, plan, 0, "--scale 0.5 or --frames");
    double t_start = cli_now(), t0;
    lr_rpca_opts rpo;
    rpca_opts_from(&so, rank_given, cc.seed, &rpo);

    /* 1. Decode (robust PCA's workspace mapped meanwhile). */
    lr_video_read_opts ro;
    lr_video_read_opts_default(&ro);
    ro.dtype = so.dtype;
    ro.scale = so.scale;
    ro.width = so.width, ro.height = so.height;
    ro.first = so.first, ro.end = so.end;
    lr_mat M;
    lr_video_info info;
    lr_rpca_work *work = NULL;
    t0 = cli_now();
    lr_status vs = decode(ctx, &so, &ro, &rpo, plan, &M, &info, &work);
    if (vs == LR_ERR_IO) /* the input cannot be read: bad input, not a crash */
        cli_die(&cc, EXIT_USAGE, "%s", lr_ctx_errmsg(ctx));
    cli_check(&cc, ctx, vs);
    double t_decode = cli_now() - t0;
    const int64_t m = M.rows, n = M.cols;
    const double mbytes = (double)m * n * lr_dtype_size(so.dtype);
    cli_info(&cc, "decoded %lld frames of %dx%d (from %dx%d %s, %.3g fps) in %.2f s: a "
             "%lld x %lld %s matrix, %.0f MB", (long long)n, info.width, info.height,
             info.src_width, info.src_height, info.codec, info.fps, t_decode, (long long)m,
             (long long)n, lr_dtype_name(so.dtype), mbytes / 1e6);
    if (n < 2) cli_die(&cc, EXIT_USAGE, "'%s': only %lld frame in the range; separating a "
                       "background needs at least 2", so.video, (long long)n);

    /* 2. Truth, panel frame: checked before anything is written. */
    lr_truth truth;
    memset(&truth, 0, sizeof truth);
    double t_truth = 0;
    if (so.truth) {
        t0 = cli_now();
        cli_check(&cc, ctx, lr_truth_read(ctx, so.truth, info.first, n, info.width,
                                          info.height, info.src_width, info.src_height,
                                          &truth));
        t_truth = cli_now() - t0;
    }
    int64_t panel = so.panel_given ? so.panel : info.first + n / 2;
    if (panel < info.first || panel >= info.first + n)
        cli_die(&cc, EXIT_USAGE, "--panel %lld is outside the frames decoded (%lld to %lld)",
                (long long)panel, (long long)info.first, (long long)(info.first + n - 1));
    if (so.svd)
        for (int i = 0; i < so.nranks; i++)
            if (so.ranks[i] >= MIN2(m, n))
                cli_die(&cc, EXIT_USAGE, "--rank %lld must be below min(pixels, frames) = %lld",
                        (long long)so.ranks[i], (long long)MIN2(m, n));

    lr_mask_opts mo;
    lr_mask_opts_default(&mo);
    mo.threshold = so.threshold;
    mo.height = info.height, mo.width = info.width;
    mo.clean = so.clean ? (LR_CLEAN_MEDIAN | LR_CLEAN_OPEN) : LR_CLEAN_NONE;
    const char *why = lr_mask_opts_check(&mo, m, n);
    if (why) cli_die(&cc, EXIT_USAGE, "mask options: %s", why);
    if (!so.svd) {
        if ((why = lr_rpca_opts_check(&rpo, m, n))) cli_die(&cc, EXIT_USAGE, "%s", why);
    }

    /* 3. Separate. */
    cli_make_outdir(&cc, so.outdir);
    uint8_t *mask = malloc((size_t)m * n);
    if (!mask) cli_die(&cc, EXIT_RUNTIME, "out of memory for the %.0f MB mask", m * n / 1e6);
    int nsets = so.svd ? so.nranks : 1;
    result *res = calloc((size_t)nsets, sizeof *res);
    lr_rpca *rp = NULL;
    lr_svd *svd = NULL;
    lr_mat F = {0}, Lall = {0}, Sall = {0};
    double t_sep;
    t0 = cli_now();
    if (!so.svd) {
        lr_status s;
        if (cli_mpi) { /* bands out, robust PCA on all ranks, L and S back */
            lr_mat band;
            lr_rowdist rd;
            cli_check(&cc, ctx, cli_mpi->scatter(ctx, &M, &band, &rd));
            s = lr_rpca_compute_rows(ctx, &band, &rpo, &rd, &rp);
            if (s == LR_OK || s == LR_ERR_NOCONV) {
                lr_mat L = lr_rpca_l(rp), S = lr_rpca_s(rp);
                cli_check(&cc, ctx, cli_mpi->gather(ctx, &L, &Lall));
                cli_check(&cc, ctx, cli_mpi->gather(ctx, &S, &Sall));
            }
            lr_mat_free(ctx, &band);
        } else {
            s = lr_rpca_compute_work(ctx, &M, &rpo, work, &rp);
        }
        lr_rpca_work_destroy(ctx, work), work = NULL;
        if (s == LR_ERR_NOCONV)
            cli_info(&cc, "warning: robust PCA stopped after %d iterations at residual %.3g, "
                     "above the tolerance; the results are the last iterate (raise --max-iter "
                     "or --tol)", lr_rpca_iterations(rp), lr_rpca_residual(rp));
        else cli_check(&cc, ctx, s);
        t_sep = cli_now() - t0;
        result *r = &res[0];
        snprintf(r->dir, sizeof r->dir, "%s", so.outdir);
        r->rank = lr_rpca_rank(rp);
        r->L = cli_mpi ? Lall : lr_rpca_l(rp);
        r->R = cli_mpi ? Sall : lr_rpca_s(rp);
        r->nnz_fraction = (double)lr_rpca_nnz(rp) / ((double)m * n);
        r->mask = mask;
        if (!r->L.data) cli_die(&cc, EXIT_RUNTIME, "robust PCA returned no dense L");
        cli_info(&cc, "robust PCA: %d iterations in %.2f s, residual %.3g%s, rank(L) = %lld, "
                 "S non-zeros %.1f%%, lambda %.3g", lr_rpca_iterations(rp), t_sep,
                 lr_rpca_residual(rp), lr_rpca_status(rp) == LR_OK ? "" : " (not converged)",
                 (long long)r->rank, 100 * r->nnz_fraction, lr_rpca_lambda(rp));
        emit_set(&cc, ctx, &so, &info, &M, &truth, &mo, panel, r);
    } else {
        int64_t kmax = 0;
        for (int i = 0; i < so.nranks; i++) kmax = MAX2(kmax, so.ranks[i]);
        lr_svd_opts svo;
        lr_svd_opts_default(&svo);
        svo.power_iters = 2;
        svo.seed = cc.seed;
        cli_check(&cc, ctx, lr_bg_compute(ctx, &M, kmax, &svo, &svd));
        cli_check(&cc, ctx, lr_mat_alloc(ctx, so.dtype, m, n, &F));
        t_sep = cli_now() - t0;
        cli_info(&cc, "rank-%lld SVD background in %.2f s", (long long)kmax, t_sep);
        for (int i = 0; i < so.nranks; i++) {
            result *r = &res[i];
            r->rank = so.ranks[i];
            if (so.nranks > 1) {
                snprintf(r->name, sizeof r->name, "rank-%lld", (long long)r->rank);
                cli_path(r->dir, sizeof r->dir, so.outdir, r->name);
                cli_make_outdir(&cc, r->dir);
            } else {
                snprintf(r->dir, sizeof r->dir, "%s", so.outdir);
            }
            r->svd = svd;
            r->mask = mask;
            double t1 = cli_now();
            cli_check(&cc, ctx, lr_bg_foreground(ctx, svd, r->rank, &M, &F));
            t_sep += cli_now() - t1;
            r->R = F;
            r->nnz_fraction = (double)count_nonzero(&F) / ((double)m * n);
            emit_set(&cc, ctx, &so, &info, &M, &truth, &mo, panel, r);
            /* The residual and mask buffers are reused by the next rank: keep
             * only what the report needs. */
            r->R.data = NULL;
            r->mask = NULL;
        }
    }

    /* 4. Report. */
    double t_total = cli_now() - t_start;
    int64_t peak = cli_peak_rss();
    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "command", "separate");
    cJSON_AddStringToObject(rep, "version", lr_version());
    cJSON *in = cJSON_AddObjectToObject(rep, "input");
    cJSON_AddStringToObject(in, "path", so.video);
    cJSON_AddStringToObject(in, "container", info.container);
    cJSON_AddStringToObject(in, "codec", info.codec);
    cJSON_AddNumberToObject(in, "width", info.src_width);
    cJSON_AddNumberToObject(in, "height", info.src_height);
    cJSON_AddNumberToObject(in, "fps", info.fps);
    cJSON_AddNumberToObject(in, "header_frames", (double)info.header_frames);
    cJSON_AddNumberToObject(in, "clip_frames", (double)info.clip_frames);
    cJSON_AddNumberToObject(in, "decode_errors", info.decode_errors);
    cJSON *fr = cJSON_AddObjectToObject(rep, "frames");
    cJSON_AddNumberToObject(fr, "first", (double)info.first);
    cJSON_AddNumberToObject(fr, "count", (double)n);
    cJSON_AddNumberToObject(fr, "panel", (double)panel);
    cJSON_AddNumberToObject(rep, "width", info.width);
    cJSON_AddNumberToObject(rep, "height", info.height);
    cJSON_AddNumberToObject(rep, "rows", (double)m);
    cJSON_AddNumberToObject(rep, "cols", (double)n);
    cJSON_AddStringToObject(rep, "dtype", lr_dtype_name(so.dtype));
    cJSON_AddStringToObject(rep, "method", so.svd ? "svd" : "rpca");
    cJSON_AddStringToObject(rep, "output_format", so.png_frames ? "png-frames" : "mp4");
    if (so.truth) cJSON_AddStringToObject(rep, "truth", so.truth);
    cJSON *ra = cJSON_AddArrayToObject(rep, "results");
    double t_mask = 0, t_enc = 0, t_fig = 0;
    for (int i = 0; i < nsets; i++) {
        cJSON_AddItemToArray(ra, result_json(&so, &info, &res[i], rp));
        t_mask += res[i].t_mask, t_enc += res[i].t_encode, t_fig += res[i].t_figures;
    }
    cJSON *tm = cJSON_AddObjectToObject(rep, "seconds");
    cJSON_AddNumberToObject(tm, "decode", t_decode);
    cJSON_AddNumberToObject(tm, "truth", t_truth);
    cJSON_AddNumberToObject(tm, so.svd ? "svd" : "rpca", t_sep);
    cJSON_AddNumberToObject(tm, "mask", t_mask);
    cJSON_AddNumberToObject(tm, "encode", t_enc);
    cJSON_AddNumberToObject(tm, "figures", t_fig);
    cJSON_AddNumberToObject(tm, "total", t_total);
    cJSON_AddNumberToObject(rep, "frames_per_second", n / t_total);
    char mpiline[256] = "";
    if (cli_mpi) cli_mpi->report(rep, mpiline, sizeof mpiline);
    cJSON *mem = cJSON_AddObjectToObject(rep, "memory");
    cJSON_AddNumberToObject(mem, "peak_rss_bytes", (double)peak);
    cJSON_AddNumberToObject(mem, "matrix_bytes", mbytes);
    cJSON_AddNumberToObject(mem, "peak_over_matrix", peak / mbytes);
    char path[4200];
    cli_check(&cc, ctx, cli_write_json(ctx, cli_path(path, sizeof path, so.outdir,
                                                     "report.json"), rep));
    cli_print_json(&cc, rep);
    cJSON_Delete(rep);

    for (int i = 0; i < nsets; i++) {
        result *r = &res[i];
        char where[128] = "";
        if (r->name[0]) snprintf(where, sizeof where, "%s: ", r->name);
        cli_info(&cc, "%smask threshold %.3g (noise %.3g, 99.9th percentile %.3g), "
                 "%.2f%% foreground", where, r->minfo.threshold, r->minfo.sigma,
                 r->minfo.p999, 100 * r->minfo.fraction);
        if (r->per_frame)
            cli_info(&cc, "%struth: precision %.3f, recall %.3f, F1 %.3f over %lld frames",
                     where, r->total.precision, r->total.recall, r->total.f1, (long long)n);
        free(r->per_frame);
    }
    cli_info(&cc, "%lld frames in %.2f s (%.0f frames/s); peak memory %.0f MB = %.2fx the "
             "video matrix", (long long)n, t_total, n / t_total, peak / 1e6, peak / mbytes);
    if (cli_mpi) cli_info(&cc, "%s (peak memory above is rank 0's)", mpiline);
    cli_info(&cc, "results in %s%s: open panel-%04lld.png first, then matrix.png and the "
             "videos", so.outdir, nsets > 1 ? "/rank-*" : "", (long long)panel);

    free(res);
    free(mask);
    lr_mat_free(ctx, &F);
    lr_mat_free(ctx, &Lall);
    lr_mat_free(ctx, &Sall);
    lr_svd_destroy(svd);
    lr_rpca_destroy(rp);
    lr_truth_free(ctx, &truth);
    lr_mat_free(ctx, &M);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}
