/* separate_stream.c -- `lowrank separate --window N`: the video is decoded,
 * separated and written block by block (lr_video_reader_*, lr_rpca_stream /
 * lr_bg_stream), so that memory depends on N and the frame size only.
 *
 * Per block, for each result set (one, or one per --rank with --method svd):
 * the residual R (S, or M - B_k), its mask (threshold from this block's R
 * unless --threshold), scores against this block's truth frames, and the
 * frames appended to the open encoders of background/foreground/mask.  The
 * panel is drawn when the block holding its frame passes; matrix.png is
 * drawn at the end from a strip of sampled rows of evenly spaced frames
 * collected on the way.  The foreground video's display scale is taken from
 * the first block and kept, so brightness means the same all along.
 *
 * Refusals (exit 2, nothing written) happen before the output folder is
 * made: the reader's open checks the file, the frame range and the packet
 * count (the expected frame count); the truth folder is checked for every
 * expected frame and the first label's size; --panel and --rank against the
 * expected count and the window. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fig_separate.h"
#include "separate.h"

#define SMIN(a, b) ((a) < (b) ? (a) : (b))
#define SMAX(a, b) ((a) > (b) ? (a) : (b))

typedef struct sset {
    char dir[4096], name[32];
    int64_t rank;               /* svd: k; rpca: largest block rank */
    lr_video_writer *w[3];      /* background, foreground, mask */
    uint8_t *mask;              /* m x window */
    double vis;                 /* foreground display scale (first block) */
    lr_score total;
    lr_score *per_frame;
    int64_t pf_cap;
    int64_t fg_count, nnz;
    double thr_sum, sigma_sum, p999_sum;
    int64_t nthr;
    float *strip;               /* matrix.png: 3 planes of nr x ncd */
    double t_mask, t_encode, t_figures;
    int panel_done;
} sset;

typedef struct sstate {
    cli_common *cc;
    lr_ctx *ctx;
    const sep_opts *so;
    lr_video_reader *rd;
    lr_video_info info;
    lr_mask_opts mo;
    int64_t m, n_est, panel, window;
    int nsets;
    sset *sets;
    lr_mat Bk, R;               /* svd: background and residual of a block */
    float *fg;                  /* one frame of |R|/vis */
    lr_truth truth;             /* this block's labels */
    int64_t idx[SEP_MATRIX_ROWS];
    int nr, nc, rep, ncd;
    cJSON *blocks;
    double t_decode, t_truth, t_emit;
    char msg[1024];
} sstate;

static lr_status read_cb(void *user, lr_mat *block, int64_t *got)
{
    sstate *st = user;
    double t0 = cli_now();
    lr_status s = lr_video_reader_read(st->ctx, st->rd, block, got);
    st->t_decode += cli_now() - t0;
    return s;
}

static void add_score(lr_score *a, const lr_score *b)
{
    a->tp += b->tp, a->fp += b->fp, a->fn += b->fn, a->tn += b->tn, a->ignored += b->ignored;
}

static void finish_score(lr_score *s)
{
    double tp = (double)s->tp, fp = (double)s->fp, fn = (double)s->fn;
    s->precision = tp + fp > 0 ? tp / (tp + fp) : NAN;
    s->recall = tp + fn > 0 ? tp / (tp + fn) : NAN;
    s->f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : NAN;
}

/* Strip column c of matrix.png shows stream frame pick(c). */
static int64_t pick(const sstate *st, int c)
{
    return (int64_t)((c + 0.5) * (double)st->n_est / st->nc);
}

static double at(const lr_mat *a, int64_t i, int64_t j)
{
    return a->dtype == LR_F32 ? ((const float *)a->data)[i + j * a->ld]
                              : ((const double *)a->data)[i + j * a->ld];
}

/* Everything one result set does with one block: bg and R are rows x got. */
static lr_status emit_set(sstate *st, sset *r, const lr_stream_block *b, const lr_mat *bg,
                          const lr_mat *R, lr_mask_info *mi_out)
{
    lr_ctx *ctx = st->ctx;
    const int64_t m = st->m, got = b->frames;
    lr_status s;
    double t0 = cli_now();
    lr_mask_info mi;
    if ((s = lr_mask_compute(ctx, R, &st->mo, r->mask, &mi))) return s;
    if (b->index == 0) r->vis = sep_vis_scale(R, mi.threshold);
    r->thr_sum += mi.threshold, r->sigma_sum += mi.sigma, r->p999_sum += mi.p999, r->nthr++;
    r->fg_count += mi.count;
    for (int64_t j = 0; j < got; j++)
        for (int64_t i = 0; i < m; i++) r->nnz += at(R, i, j) != 0;
    if (st->truth.label) {
        if (b->first + got > r->pf_cap) {
            int64_t cap = SMAX(b->first + got, 2 * r->pf_cap);
            lr_score *p = realloc(r->per_frame, sizeof *p * (size_t)cap);
            if (!p) return LR_ERR_NOMEM;
            r->per_frame = p, r->pf_cap = cap;
        }
        lr_score tot;
        if ((s = lr_mask_score(ctx, r->mask, st->truth.label, m, got, &tot,
                               r->per_frame + b->first)))
            return s;
        add_score(&r->total, &tot);
    }
    r->t_mask += cli_now() - t0;

    t0 = cli_now();
    if ((s = lr_video_writer_add(ctx, r->w[0], bg))) return s;
    for (int64_t j = 0; j < got && !s; j++) {
        sep_fg_col(R, j, r->vis, st->fg);
        lr_mat col = lr_mat_view(LR_F32, m, 1, m, st->fg);
        s = lr_video_writer_add(ctx, r->w[1], &col);
    }
    for (int64_t j = 0; j < got && !s; j++) s = lr_video_writer_add_u8(ctx, r->w[2], r->mask + j * m);
    if (s) return s;
    r->t_encode += cli_now() - t0;

    t0 = cli_now();
    const int64_t pj = st->panel - st->info.first - b->first;
    if (pj >= 0 && pj < got) {
        int64_t fgpx = 0;
        for (int64_t i = 0; i < m; i++) fgpx += r->mask[pj * m + i] != 0;
        sep_fg_col(R, pj, r->vis, st->fg);
        lr_mat mc = lr_mat_block(&b->M, 0, pj, m, 1), bc = lr_mat_block(bg, 0, pj, m, 1);
        double f1 = st->truth.label ? r->per_frame[b->first + pj].f1 : NAN;
        if ((s = sep_draw_panel(ctx, st->so, &st->info, r->dir, st->panel,
                                st->so->svd ? r->rank : lr_rpca_rank(b->rpca), &mc, &bc, st->fg,
                                r->vis, (double)fgpx / m, mi.threshold, f1, st->msg,
                                sizeof st->msg)))
            return s;
        r->panel_done = 1;
    }
    const size_t plane = (size_t)st->nr * st->ncd;
    for (int c = 0; c < st->nc; c++) {
        int64_t j = pick(st, c) - b->first;
        if (j < 0 || j >= got) continue;
        for (int k = 0; k < st->rep; k++) {
            size_t o = (size_t)(c * st->rep + k) * st->nr;
            for (int i = 0; i < st->nr; i++) {
                r->strip[o + i] = (float)at(&b->M, st->idx[i], j);
                r->strip[plane + o + i] = (float)at(bg, st->idx[i], j);
                r->strip[2 * plane + o + i] = (float)(fabs(at(R, st->idx[i], j)) / r->vis);
            }
        }
    }
    r->t_figures += cli_now() - t0;
    *mi_out = mi;
    return LR_OK;
}

static lr_status emit_cb(void *user, const lr_stream_block *b)
{
    sstate *st = user;
    lr_ctx *ctx = st->ctx;
    double t0 = cli_now();
    lr_status s;
    const int64_t m = st->m, got = b->frames;
    if (st->so->truth) {
        double t1 = cli_now();
        lr_truth_free(ctx, &st->truth);
        if ((s = lr_truth_read(ctx, st->so->truth, st->info.first + b->first, got,
                               st->info.width, st->info.height, st->info.src_width,
                               st->info.src_height, &st->truth)))
            return s;
        st->t_truth += cli_now() - t1;
    }
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToArray(st->blocks, e);
    cJSON_AddNumberToObject(e, "index", (double)b->index);
    cJSON_AddNumberToObject(e, "first", (double)(st->info.first + b->first));
    cJSON_AddNumberToObject(e, "frames", (double)got);
    cJSON_AddNumberToObject(e, "carried", (double)b->col0);
    if (!st->so->svd) {
        sset *r = &st->sets[0];
        r->rank = SMAX(r->rank, lr_rpca_rank(b->rpca));
        cJSON_AddNumberToObject(e, "iterations", lr_rpca_iterations(b->rpca));
        cJSON_AddNumberToObject(e, "residual", lr_rpca_residual(b->rpca));
        cJSON_AddNumberToObject(e, "rank", (double)lr_rpca_rank(b->rpca));
        cJSON_AddBoolToObject(e, "converged", b->status == LR_OK);
        cJSON_AddNumberToObject(e, "svd_calls", lr_rpca_svd_calls(b->rpca));
        cJSON_AddNumberToObject(e, "lambda", lr_rpca_lambda(b->rpca));
        lr_mask_info mi;
        if ((s = emit_set(st, r, b, &b->L, &b->S, &mi))) return s;
        cJSON_AddNumberToObject(e, "threshold", mi.threshold);
        cJSON_AddNumberToObject(e, "mask_fraction", mi.fraction);
    } else {
        lr_mat Bk = lr_mat_block(&st->Bk, 0, 0, m, got), R = lr_mat_block(&st->R, 0, 0, m, got);
        cJSON *th = cJSON_AddArrayToObject(e, "thresholds");
        for (int i = 0; i < st->nsets; i++) {
            sset *r = &st->sets[i];
            if ((s = lr_bg_expand(ctx, b->svd, r->rank, 0, b->col0, &Bk))) return s;
            for (int64_t j = 0; j < got; j++)
                for (int64_t p = 0; p < m; p++)
                    lr_mat_set(&R, p, j, at(&b->M, p, j) - at(&Bk, p, j));
            lr_mask_info mi;
            if ((s = emit_set(st, r, b, &Bk, &R, &mi))) return s;
            cJSON_AddItemToArray(th, cJSON_CreateNumber(mi.threshold));
        }
    }
    st->t_emit += cli_now() - t0;
    return LR_OK;
}

static cJSON *set_json(const sstate *st, const sset *r, const lr_stream_summary *sum,
                       int64_t n)
{
    cJSON *o = cJSON_CreateObject();
    char name[64];
    cJSON_AddStringToObject(o, "folder", r->name[0] ? r->name : ".");
    cJSON_AddNumberToObject(o, "rank", (double)r->rank);
    if (!st->so->svd) {
        /* Summed or worst over the blocks; each block in stream.per_block. */
        const cJSON *b0 = cJSON_GetArrayItem(st->blocks, 0);
        const cJSON *lam = b0 ? cJSON_GetObjectItem(b0, "lambda") : NULL;
        cJSON_AddNumberToObject(o, "lambda", lam ? lam->valuedouble : NAN);
        cJSON_AddNumberToObject(o, "iterations", (double)sum->iterations);
        cJSON_AddNumberToObject(o, "residual", sum->residual_max);
        cJSON_AddBoolToObject(o, "converged", sum->unconverged == 0);
        int calls = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, st->blocks) calls += cJSON_GetObjectItem(e, "svd_calls")->valueint;
        cJSON_AddNumberToObject(o, "svd_calls", calls);
    }
    const double cells = (double)st->m * (double)n;
    cJSON_AddNumberToObject(o, "nonzero_fraction", (double)r->nnz / cells);
    cJSON *mk = cJSON_AddObjectToObject(o, "mask");
    const double nb = r->nthr ? (double)r->nthr : 1;
    cJSON_AddNumberToObject(mk, "threshold", r->thr_sum / nb); /* mean over blocks */
    cJSON_AddNumberToObject(mk, "noise_sigma", r->sigma_sum / nb);
    cJSON_AddNumberToObject(mk, "p999", r->p999_sum / nb);
    cJSON_AddNumberToObject(mk, "fraction", (double)r->fg_count / cells);
    cJSON_AddNumberToObject(mk, "pixels", (double)r->fg_count);
    cJSON_AddBoolToObject(mk, "clean", st->so->clean);
    cJSON_AddStringToObject(mk, "threshold_scope", st->so->threshold > 0 ? "given" : "per block");
    cJSON_AddNumberToObject(o, "foreground_display_scale", r->vis);
    cJSON *fo = cJSON_AddObjectToObject(o, "files");
    cJSON_AddStringToObject(fo, "background", sep_vname(st->so, "background", name, sizeof name));
    cJSON_AddStringToObject(fo, "foreground", sep_vname(st->so, "foreground", name, sizeof name));
    cJSON_AddStringToObject(fo, "mask", sep_vname(st->so, "mask", name, sizeof name));
    cJSON_AddStringToObject(fo, "matrix", "matrix.png");
    if (r->per_frame)
        cJSON_AddItemToObject(o, "truth",
                              sep_truth_json(&r->total, r->per_frame, n, st->info.first));
    cJSON *tm = cJSON_AddObjectToObject(o, "seconds");
    cJSON_AddNumberToObject(tm, "mask", r->t_mask);
    cJSON_AddNumberToObject(tm, "encode", r->t_encode);
    cJSON_AddNumberToObject(tm, "figures", r->t_figures);
    return o;
}

/* Every truth file the expected frames need, before anything is written. */
static void check_truth(cli_common *cc, lr_ctx *ctx, const sep_opts *so,
                        const lr_video_info *info, int64_t n)
{
    char path[4200];
    size_t dl = strlen(so->truth);
    for (int64_t j = 0; j < n; j++) {
        snprintf(path, sizeof path, "%s%sgt%06lld.png", so->truth,
                 dl && so->truth[dl - 1] == '/' ? "" : "/", (long long)(info->first + j + 1));
        if (access(path, R_OK) != 0)
            cli_die(cc, EXIT_USAGE, "truth folder '%s' does not match the video: '%s' for "
                    "frame %lld is missing (file gtN.png holds frame N-1; frames %lld..%lld "
                    "are needed)", so->truth, path, (long long)(info->first + j),
                    (long long)info->first, (long long)(info->first + n - 1));
    }
    lr_truth t;
    cli_check(cc, ctx, lr_truth_read(ctx, so->truth, info->first, 1, info->width,
                                     info->height, info->src_width, info->src_height, &t));
    lr_truth_free(ctx, &t);
}

static void abort_all(sstate *st)
{
    for (int i = 0; i < st->nsets; i++)
        for (int v = 0; v < 3; v++) lr_video_writer_abort(st->sets[i].w[v]), st->sets[i].w[v] = NULL;
}

int separate_stream(cli_common *cc, const sep_opts *so, const lr_rpca_opts *rpo,
                    const lr_mask_opts *mo)
{
    lr_ctx *ctx = cli_ctx(cc);
    double t_start = cli_now();
    sstate st;
    memset(&st, 0, sizeof st);
    st.cc = cc, st.ctx = ctx, st.so = so, st.mo = *mo, st.window = so->window;

    /* 1. Open the video: refusals here are bad input (exit 2). */
    lr_video_read_opts ro;
    lr_video_read_opts_default(&ro);
    ro.dtype = so->dtype;
    ro.scale = so->scale;
    ro.width = so->width, ro.height = so->height;
    ro.first = so->first, ro.end = so->end;
    double t0 = cli_now();
    lr_status vs = lr_video_reader_open(ctx, so->video, &ro, &st.rd, &st.info);
    if (vs == LR_ERR_IO) cli_die(cc, EXIT_USAGE, "%s", lr_ctx_errmsg(ctx));
    cli_check(cc, ctx, vs);
    st.t_decode = cli_now() - t0;
    const int64_t m = (int64_t)st.info.width * st.info.height, n_est = st.info.frames;
    st.m = m, st.n_est = n_est;
    const size_t es = lr_dtype_size(so->dtype);
    /* A window longer than the video is one block of the video's length. */
    if (st.window > n_est && n_est >= 2) st.window = n_est;
    cli_info(cc, "streaming %lld frames (expected) of %dx%d (from %dx%d %s, %.3g fps) in "
             "blocks of %lld: a %lld x %lld %s matrix per block", (long long)n_est,
             st.info.width, st.info.height, st.info.src_width, st.info.src_height,
             st.info.codec, st.info.fps, (long long)st.window, (long long)m,
             (long long)st.window, lr_dtype_name(so->dtype));
    if (n_est < 2)
        cli_die(cc, EXIT_USAGE, "'%s': only %lld frame in the range; separating a background "
                "needs at least 2", so->video, (long long)n_est);

    /* 2. Everything else that can be refused. */
    double t1 = cli_now();
    if (so->truth) check_truth(cc, ctx, so, &st.info, n_est);
    st.t_truth = cli_now() - t1;
    st.panel = so->panel_given ? so->panel : st.info.first + n_est / 2;
    if (st.panel < st.info.first || st.panel >= st.info.first + n_est)
        cli_die(cc, EXIT_USAGE, "--panel %lld is outside the frames decoded (%lld to %lld)",
                (long long)st.panel, (long long)st.info.first,
                (long long)(st.info.first + n_est - 1));
    int64_t kmax = 0;
    if (so->svd)
        for (int i = 0; i < so->nranks; i++) {
            kmax = SMAX(kmax, so->ranks[i]);
            if (so->ranks[i] >= SMIN(SMIN(m, n_est), st.window))
                cli_die(cc, EXIT_USAGE, "--rank %lld must be below the window (%lld), the "
                        "frame count (%lld) and the pixels per frame (%lld)",
                        (long long)so->ranks[i], (long long)st.window, (long long)n_est,
                        (long long)m);
        }
    lr_stream_opts sopt;
    lr_stream_opts_default(&sopt);
    sopt.window = st.window;
    sopt.carry = so->carry;
    sopt.rpca = *rpo;
    sopt.svd.seed = cc->seed;
    const int64_t carried = so->svd ? kmax : so->carry < 0 ? SMIN(16, st.window / 2)
                                                         : SMIN(so->carry, st.window);
    const char *why;
    if (!so->svd && (why = lr_rpca_opts_check(rpo, m, st.window + carried)))
        cli_die(cc, EXIT_USAGE, "%s", why);
    st.mo.height = st.info.height, st.mo.width = st.info.width;
    if ((why = lr_mask_opts_check(&st.mo, m, st.window)))
        cli_die(cc, EXIT_USAGE, "mask options: %s", why);

    /* 3. Outputs: folders, encoders, buffers. */
    cli_make_outdir(cc, so->outdir);
    st.nsets = so->svd ? so->nranks : 1;
    st.sets = calloc((size_t)st.nsets, sizeof *st.sets);
    st.fg = malloc(sizeof(float) * (size_t)m);
    st.blocks = cJSON_CreateArray();
    if (!st.sets || !st.fg) cli_die(cc, EXIT_RUNTIME, "out of memory");
    st.nr = fig_pick_rows(m, SEP_MATRIX_ROWS, st.idx);
    st.nc = n_est > SEP_MATRIX_COLS ? SEP_MATRIX_COLS : (int)n_est;
    st.rep = st.nc < 500 ? (500 + st.nc - 1) / st.nc : 1;
    st.ncd = st.nc * st.rep;
    lr_video_write_opts wo;
    lr_video_write_opts_default(&wo);
    wo.format = so->png_frames ? LR_VIDEO_PNG_FRAMES : LR_VIDEO_MP4;
    wo.fps = st.info.fps;
    wo.first_number = st.info.first + 1;
    for (int i = 0; i < st.nsets; i++) {
        sset *r = &st.sets[i];
        if (so->svd) {
            r->rank = so->ranks[i];
            if (so->nranks > 1) {
                snprintf(r->name, sizeof r->name, "rank-%lld", (long long)r->rank);
                cli_path(r->dir, sizeof r->dir, so->outdir, r->name);
                cli_make_outdir(cc, r->dir);
            } else {
                snprintf(r->dir, sizeof r->dir, "%s", so->outdir);
            }
        } else {
            snprintf(r->dir, sizeof r->dir, "%s", so->outdir);
        }
        r->mask = malloc((size_t)m * (size_t)st.window);
        r->strip = calloc((size_t)st.nr * st.ncd * 3, sizeof(float));
        if (!r->mask || !r->strip) cli_die(cc, EXIT_RUNTIME, "out of memory");
        static const char *const base[3] = {"background", "foreground", "mask"};
        for (int v = 0; v < 3; v++) {
            char name[64], path[4200];
            cli_path(path, sizeof path, r->dir, sep_vname(so, base[v], name, sizeof name));
            lr_status s = lr_video_writer_open(ctx, path, st.info.width, st.info.height, &wo,
                                               &r->w[v]);
            if (s) {
                abort_all(&st);
                cli_die(cc, cli_exit_code(s), "%s", lr_ctx_errmsg(ctx));
            }
        }
    }
    if (so->svd && ((vs = lr_mat_alloc(ctx, so->dtype, m, st.window, &st.Bk)) ||
                    (vs = lr_mat_alloc(ctx, so->dtype, m, st.window, &st.R)))) {
        abort_all(&st);
        cli_check(cc, ctx, vs);
    }

    /* 4. The stream. */
    lr_stream_summary sum;
    double t_run = cli_now();
    lr_status s = so->svd ? lr_bg_stream(ctx, so->dtype, m, kmax, &sopt, read_cb, emit_cb, &st,
                                         &sum)
                          : lr_rpca_stream(ctx, so->dtype, m, &sopt, read_cb, emit_cb, &st,
                                           &sum);
    t_run = cli_now() - t_run;
    const int64_t n = sum.frames;
    if (s) {
        abort_all(&st);
        /* Input problems found mid-stream (a damaged tail) are still the
         * input's fault: exit 2; the outputs were dropped. */
        cli_die(cc, cli_exit_code(s), "%s", st.msg[0] ? st.msg : lr_ctx_errmsg(ctx));
    }
    if (!st.sets[0].panel_done) {
        abort_all(&st);
        cli_die(cc, EXIT_USAGE, "--panel %lld: the video ended after %lld frames, before it",
                (long long)st.panel, (long long)n);
    }
    const double t_sep = t_run - st.t_decode - st.t_emit;

    /* 5. Close the videos (renamed into place), draw matrix.png. */
    for (int i = 0; i < st.nsets; i++) {
        sset *r = &st.sets[i];
        finish_score(&r->total);
        double t2 = cli_now();
        for (int v = 0; v < 3; v++) {
            lr_status cs = lr_video_writer_close(ctx, r->w[v]);
            r->w[v] = NULL;
            if (cs) {
                abort_all(&st);
                cli_die(cc, cli_exit_code(cs) == EXIT_USAGE ? EXIT_RUNTIME : cli_exit_code(cs),
                        "%s", lr_ctx_errmsg(ctx));
            }
        }
        r->t_encode += cli_now() - t2;
        t2 = cli_now();
        /* Frames picked beyond the real end (fewer frames than packets): drop
         * those strip columns. */
        int nc = st.nc;
        while (nc > 0 && pick(&st, nc - 1) >= n) nc--;
        int ncd = nc * st.rep;
        if (nc < st.nc)
            for (int p = 1; p < 3; p++)
                memmove(r->strip + (size_t)p * st.nr * ncd,
                        r->strip + (size_t)p * st.nr * st.ncd,
                        sizeof(float) * (size_t)st.nr * ncd);
        if (nc > 0 && (s = sep_draw_matrix(ctx, so, r->dir, m, n, st.nr, nc, ncd, r->strip,
                                           st.msg, sizeof st.msg)))
            cli_die(cc, cli_exit_code(s), "%s", st.msg);
        r->t_figures += cli_now() - t2;
    }

    /* 6. Report. */
    double t_total = cli_now() - t_start;
    int64_t peak = cli_peak_rss();
    const double mbytes = (double)m * n * es;
    const double bbytes = (double)m * (st.window + carried) * es;
    const lr_video_info *fi = lr_video_reader_info(st.rd);
    cJSON *rep = cJSON_CreateObject();
    cJSON_AddStringToObject(rep, "command", "separate");
    cJSON_AddStringToObject(rep, "version", lr_version());
    cJSON *in = cJSON_AddObjectToObject(rep, "input");
    cJSON_AddStringToObject(in, "path", so->video);
    cJSON_AddStringToObject(in, "container", fi->container);
    cJSON_AddStringToObject(in, "codec", fi->codec);
    cJSON_AddNumberToObject(in, "width", fi->src_width);
    cJSON_AddNumberToObject(in, "height", fi->src_height);
    cJSON_AddNumberToObject(in, "fps", fi->fps);
    cJSON_AddNumberToObject(in, "header_frames", (double)fi->header_frames);
    cJSON_AddNumberToObject(in, "clip_frames", (double)fi->clip_frames);
    cJSON_AddNumberToObject(in, "decode_errors", fi->decode_errors);
    cJSON *fr = cJSON_AddObjectToObject(rep, "frames");
    cJSON_AddNumberToObject(fr, "first", (double)fi->first);
    cJSON_AddNumberToObject(fr, "count", (double)n);
    cJSON_AddNumberToObject(fr, "panel", (double)st.panel);
    cJSON_AddNumberToObject(rep, "width", fi->width);
    cJSON_AddNumberToObject(rep, "height", fi->height);
    cJSON_AddNumberToObject(rep, "rows", (double)m);
    cJSON_AddNumberToObject(rep, "cols", (double)n);
    cJSON_AddStringToObject(rep, "dtype", lr_dtype_name(so->dtype));
    cJSON_AddStringToObject(rep, "method", so->svd ? "svd" : "rpca");
    cJSON_AddStringToObject(rep, "output_format", so->png_frames ? "png-frames" : "mp4");
    if (so->truth) cJSON_AddStringToObject(rep, "truth", so->truth);
    cJSON *sj = cJSON_AddObjectToObject(rep, "stream");
    cJSON_AddNumberToObject(sj, "window", (double)st.window);
    cJSON_AddNumberToObject(sj, "carried", (double)carried);
    cJSON_AddStringToObject(sj, "carried_kind", so->svd ? "f U diag(s), f^2 = 1/2"
                                                         : "background frames of L");
    cJSON_AddNumberToObject(sj, "blocks", (double)sum.blocks);
    cJSON_AddItemToObject(sj, "per_block", st.blocks);
    st.blocks = NULL;
    cJSON *ra = cJSON_AddArrayToObject(rep, "results");
    double t_mask = 0, t_enc = 0, t_fig = 0;
    for (int i = 0; i < st.nsets; i++) {
        cJSON_AddItemToArray(ra, set_json(&st, &st.sets[i], &sum, n));
        t_mask += st.sets[i].t_mask, t_enc += st.sets[i].t_encode, t_fig += st.sets[i].t_figures;
    }
    cJSON *tm = cJSON_AddObjectToObject(rep, "seconds");
    cJSON_AddNumberToObject(tm, "decode", st.t_decode);
    cJSON_AddNumberToObject(tm, "truth", st.t_truth);
    cJSON_AddNumberToObject(tm, so->svd ? "svd" : "rpca", t_sep);
    cJSON_AddNumberToObject(tm, "mask", t_mask);
    cJSON_AddNumberToObject(tm, "encode", t_enc);
    cJSON_AddNumberToObject(tm, "figures", t_fig);
    cJSON_AddNumberToObject(tm, "total", t_total);
    cJSON_AddNumberToObject(rep, "frames_per_second", n / t_total);
    cJSON *mem = cJSON_AddObjectToObject(rep, "memory");
    cJSON_AddNumberToObject(mem, "peak_rss_bytes", (double)peak);
    cJSON_AddNumberToObject(mem, "matrix_bytes", mbytes);
    cJSON_AddNumberToObject(mem, "peak_over_matrix", peak / mbytes);
    cJSON_AddNumberToObject(mem, "block_bytes", bbytes);
    cJSON_AddNumberToObject(mem, "peak_over_block", peak / bbytes);
    char path[4200];
    cli_check(cc, ctx, cli_write_json(ctx, cli_path(path, sizeof path, so->outdir,
                                                    "report.json"), rep));
    cli_print_json(cc, rep);
    cJSON_Delete(rep);

    for (int i = 0; i < st.nsets; i++) {
        sset *r = &st.sets[i];
        char where[128] = "";
        if (r->name[0]) snprintf(where, sizeof where, "%s: ", r->name);
        cli_info(cc, "%smask thresholds %.3g on average over %lld blocks, %.2f%% foreground",
                 where, r->thr_sum / (r->nthr ? r->nthr : 1), (long long)sum.blocks,
                 100.0 * r->fg_count / ((double)m * n));
        if (r->per_frame)
            cli_info(cc, "%struth: precision %.3f, recall %.3f, F1 %.3f over %lld frames",
                     where, r->total.precision, r->total.recall, r->total.f1, (long long)n);
        free(r->per_frame);
        free(r->mask);
        free(r->strip);
    }
    if (!so->svd)
        cli_info(cc, "robust PCA: %lld blocks, %lld iterations in all, worst residual %.3g%s, "
                 "largest rank %lld", (long long)sum.blocks, (long long)sum.iterations,
                 sum.residual_max, sum.unconverged ? " (some blocks not converged)" : "",
                 (long long)sum.rank_max);
    cli_info(cc, "%lld frames in %.2f s (%.0f frames/s); peak memory %.0f MB = %.2fx one "
             "block (%.2fx the whole video matrix)", (long long)n, t_total, n / t_total,
             peak / 1e6, peak / bbytes, peak / mbytes);
    cli_info(cc, "results in %s%s: open panel-%04lld.png first, then matrix.png and the "
             "videos", so->outdir, st.nsets > 1 ? "/rank-*" : "", (long long)st.panel);
    free(st.sets);
    free(st.fg);
    lr_mat_free(ctx, &st.Bk);
    lr_mat_free(ctx, &st.R);
    lr_truth_free(ctx, &st.truth);
    lr_video_reader_close(ctx, st.rd);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}
