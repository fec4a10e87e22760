/* test_stream.c -- streaming (blocked) separation: lr_rpca_stream and
 * lr_bg_stream against the batch solvers on the same frames, memory that
 * does not grow with the length of the video, and `lowrank separate
 * --window` end to end.
 *
 * Videos come from the synthetic generator (tests/support/synthvid), frame
 * by frame, with exact ground-truth masks; F1 is counted here from the masks
 * and the truth bytes (not with lr_mask_score).
 *
 * Sizes (the suite must stay well under a minute on 2 cores):
 *  - quality: 160 x 120 pixels, 400 frames, window 100.  The batch solve of
 *    the same frames is the reference; a batch solve of thousands of frames
 *    (the 5,000) would take minutes (its Gram step is quadratic in
 *    the frame count, and past 4096 frames the exact SVD route is cubic).
 *  - memory: 80 x 60 pixels, 2,500 and 5,000 frames, window 100, each in a
 *    child process: the peak of the library's allocations (counted through
 *    the context's allocator: exact, in one process) and the peak resident
 *    set (VmHWM from /proc/self/status) of the two lengths are compared, and
 *    the allocator peak is checked against the bound of
 *    docs/ALGORITHMS-stream.md, set by the window and the frame size. */
#include <cjson/cJSON.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "synthvid.h"
#include "clitest.h"
#include "testutil.h"

/* ---- a counting allocator -------------------------------------------------- */
typedef struct counter {
    int64_t now, peak;
} counter;

static void *count_malloc(void *user, size_t size)
{
    counter *c = user;
    char *p = aligned_alloc(64, ((size + 64 + 63) / 64) * 64);
    if (!p) return NULL;
    *(size_t *)p = size;
    c->now += (int64_t)size;
    if (c->now > c->peak) c->peak = c->now;
    return p + 64;
}

static void count_free(void *user, void *ptr)
{
    if (!ptr) return;
    counter *c = user;
    char *p = (char *)ptr - 64;
    c->now -= (int64_t)*(size_t *)p;
    free(p);
}

static int64_t vm_hwm(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int64_t kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) kb = atoll(line + 6);
    fclose(f);
    return kb * 1024;
}

/* ---- a stream fed by the generator, scored block by block ----------------- */
typedef struct feed {
    const synthvid_gen *gen;
    int64_t next, frames, P, window;
    uint8_t *truth, *mask;      /* P x window: the block being solved */
    int64_t blk_first, blk_frames;
    lr_ctx *ctx;
    lr_mask_opts mo;
    int64_t tp, fp, fn;
    int64_t blocks, emitted, iterations;
    double chk;                 /* checksum of the emitted S (determinism) */
} feed;

static lr_status feed_read(void *user, lr_mat *block, int64_t *got)
{
    feed *f = user;
    int64_t k = f->frames - f->next < block->cols ? f->frames - f->next : block->cols;
    lr_mat b = lr_mat_block(block, 0, 0, block->rows, k);
    synthvid_gen_frames(f->gen, f->next, &b, f->truth);
    f->blk_first = f->next, f->blk_frames = k;
    f->next += k;
    *got = k;
    return LR_OK;
}

static void count_f1(feed *f, const uint8_t *mask, const uint8_t *truth, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        int m = mask[i] != 0, t = truth[i] == 255;
        f->tp += m && t, f->fp += m && !t, f->fn += !m && t;
    }
}

static double f1_of(const feed *f)
{
    return 2.0 * f->tp / (2.0 * f->tp + f->fp + f->fn);
}

static lr_status feed_emit_rpca(void *user, const lr_stream_block *b)
{
    feed *f = user;
    if (b->first != f->blk_first || b->frames != f->blk_frames || b->index != f->blocks)
        return LR_ERR_INTERNAL; /* blocks must come back in order, whole */
    lr_status s = lr_mask_compute(f->ctx, &b->S, &f->mo, f->mask, NULL);
    if (s) return s;
    count_f1(f, f->mask, f->truth, f->P * b->frames);
    for (int64_t j = 0; j < b->frames; j++)
        for (int64_t i = 0; i < f->P; i += 7) f->chk += lr_mat_get(&b->S, i, j) * (double)(j + 1);
    f->blocks++, f->emitted += b->frames, f->iterations += lr_rpca_iterations(b->rpca);
    return LR_OK;
}

static lr_mat g_bk, g_r; /* P x window scratch of the background test */

static lr_status feed_emit_bg(void *user, const lr_stream_block *b)
{
    feed *f = user;
    lr_mat Bk = lr_mat_block(&g_bk, 0, 0, f->P, b->frames), R = lr_mat_block(&g_r, 0, 0, f->P,
                                                                            b->frames);
    lr_status s = lr_bg_expand(f->ctx, b->svd, 1, 0, b->col0, &Bk);
    if (s) return s;
    for (int64_t j = 0; j < b->frames; j++)
        for (int64_t i = 0; i < f->P; i++)
            lr_mat_set(&R, i, j, lr_mat_get(&b->M, i, j) - lr_mat_get(&Bk, i, j));
    if ((s = lr_mask_compute(f->ctx, &R, &f->mo, f->mask, NULL))) return s;
    count_f1(f, f->mask, f->truth, f->P * b->frames);
    f->blocks++, f->emitted += b->frames;
    return LR_OK;
}

static void feed_init(feed *f, lr_ctx *ctx, const synthvid_gen *gen, int64_t P, int64_t frames,
                      int64_t window)
{
    memset(f, 0, sizeof *f);
    f->ctx = ctx, f->gen = gen, f->P = P, f->frames = frames, f->window = window;
    f->truth = malloc((size_t)(P * window));
    f->mask = malloc((size_t)(P * window));
    lr_mask_opts_default(&f->mo);
}

static void feed_free(feed *f) { free(f->truth), free(f->mask); }

/* ---- quality: stream vs batch on the same frames ------------------------- */
static void test_quality(void)
{
    const int64_t W = 160, H = 120, P = W * H, F = 400, N = 100;
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 2);
    synthvid_opts so;
    synthvid_opts_default(&so);
    so.width = W, so.height = H, so.frames = F;
    synthvid_gen *gen = synthvid_gen_new(&so);
    CHECK(gen != NULL, "generator");
    if (!gen) return;

    /* Batch: the whole matrix at once. */
    lr_mat M;
    CHECK_OK(ctx, lr_mat_alloc(ctx, LR_F32, P, F, &M));
    uint8_t *truth = malloc((size_t)(P * F)), *mask = malloc((size_t)(P * F));
    int64_t fg = synthvid_gen_frames(gen, 0, &M, truth);
    CHECK(fg > 0.02 * P * F && fg < 0.3 * P * F, "foreground share %.3f", (double)fg / (P * F));
    lr_mask_opts mo;
    lr_mask_opts_default(&mo);
    lr_rpca *r = NULL;
    CHECK_OK(ctx, lr_rpca_compute(ctx, &M, NULL, &r));
    feed bf;
    memset(&bf, 0, sizeof bf);
    if (r) {
        lr_mat S = lr_rpca_s(r);
        CHECK_OK(ctx, lr_mask_compute(ctx, &S, &mo, mask, NULL));
        count_f1(&bf, mask, truth, P * F);
    }
    lr_rpca_destroy(r);
    double f1_batch = f1_of(&bf);

    /* Streaming: blocks of N from the generator. */
    feed sf;
    feed_init(&sf, ctx, gen, P, F, N);
    lr_stream_opts o;
    lr_stream_opts_default(&o);
    o.window = N;
    lr_stream_summary sum;
    CHECK_OK(ctx, lr_rpca_stream(ctx, LR_F32, P, &o, feed_read, feed_emit_rpca, &sf, &sum));
    double f1_stream = f1_of(&sf);
    CHECK(sf.emitted == F && sum.frames == F, "every frame emitted once (%lld)",
          (long long)sf.emitted);
    CHECK(sum.blocks == F / N && sf.blocks == F / N, "%lld blocks", (long long)sum.blocks);
    CHECK(sum.carried == 16, "default carry min(16, N/2) = %lld", (long long)sum.carried);
    CHECK(sum.unconverged == 0 && sum.residual_max < 1e-5, "blocks converged (worst %.2g)",
          sum.residual_max);
    CHECK(sum.iterations == sf.iterations, "summary iterations");
    CHECK(f1_batch > 0.9 && f1_stream > 0.9, "F1 batch %.4f stream %.4f", f1_batch, f1_stream);
    CHECK(fabs(f1_stream - f1_batch) <= 0.02, "stream F1 %.4f within 0.02 of batch %.4f",
          f1_stream, f1_batch);
    printf("rpca 160x120x%lld, window %lld: F1 batch %.4f, stream %.4f (%lld blocks, %lld "
           "iterations)\n", (long long)F, (long long)N, f1_batch, f1_stream,
           (long long)sum.blocks, (long long)sum.iterations);

    /* Without carried frames, at a small window, quality drops: the carry
     * is what keeps short blocks close to the batch. */
    feed nf, cf;
    feed_init(&nf, ctx, gen, P, 200, 40);
    feed_init(&cf, ctx, gen, P, 200, 40);
    o.window = 40;
    o.carry = 0;
    CHECK_OK(ctx, lr_rpca_stream(ctx, LR_F32, P, &o, feed_read, feed_emit_rpca, &nf, NULL));
    o.carry = -1;
    CHECK_OK(ctx, lr_rpca_stream(ctx, LR_F32, P, &o, feed_read, feed_emit_rpca, &cf, NULL));
    CHECK(f1_of(&cf) > f1_of(&nf), "carry helps at window 40: %.4f (carry 16) vs %.4f (none)",
          f1_of(&cf), f1_of(&nf));
    printf("window 40, 200 frames: F1 %.4f with carried frames, %.4f without\n", f1_of(&cf),
           f1_of(&nf));
    feed_free(&nf), feed_free(&cf);

    /* The low-rank background: incremental rank-1 SVD vs one SVD of all. */
    lr_svd *svd = NULL;
    CHECK_OK(ctx, lr_bg_compute(ctx, &M, 1, NULL, &svd));
    memset(&bf, 0, sizeof bf);
    if (svd) {
        CHECK_OK(ctx, lr_bg_foreground(ctx, svd, 1, &M, &M));
        CHECK_OK(ctx, lr_mask_compute(ctx, &M, &mo, mask, NULL));
        count_f1(&bf, mask, truth, P * F);
    }
    lr_svd_destroy(svd);
    feed gf;
    feed_init(&gf, ctx, gen, P, F, N);
    o.window = N;
    CHECK_OK(ctx, lr_mat_alloc(ctx, LR_F32, P, N, &g_bk));
    CHECK_OK(ctx, lr_mat_alloc(ctx, LR_F32, P, N, &g_r));
    CHECK_OK(ctx, lr_bg_stream(ctx, LR_F32, P, 1, &o, feed_read, feed_emit_bg, &gf, &sum));
    CHECK(gf.emitted == F && sum.blocks == F / N, "background: every frame once");
    CHECK(fabs(f1_of(&gf) - f1_of(&bf)) <= 0.02, "background stream F1 %.4f within 0.02 of "
          "batch %.4f", f1_of(&gf), f1_of(&bf));
    printf("svd background rank 1: F1 batch %.4f, stream %.4f\n", f1_of(&bf), f1_of(&gf));
    lr_mat_free(ctx, &g_bk), lr_mat_free(ctx, &g_r);
    feed_free(&gf);

    feed_free(&sf);
    free(truth), free(mask);
    lr_mat_free(ctx, &M);
    synthvid_gen_free(gen);
    lr_ctx_destroy(ctx);
}

/* ---- API contract: arguments, callback errors, thread counts ------------- */
static lr_status read_fail(void *user, lr_mat *block, int64_t *got)
{
    (void)user, (void)block, (void)got;
    return LR_ERR_IO;
}

static lr_status emit_stop(void *user, const lr_stream_block *b)
{
    (void)b;
    ++*(int *)user;
    return LR_ERR_CANCELLED;
}

static lr_status read_zero(void *user, lr_mat *block, int64_t *got)
{
    (void)user;
    memset(block->data, 0, (size_t)(block->rows * block->cols) * lr_dtype_size(block->dtype));
    *got = block->cols;
    return LR_OK;
}

static void test_contract(void)
{
    lr_ctx *ctx = lr_ctx_create();
    lr_stream_opts o;
    lr_stream_opts_default(&o);
    o.window = 1;
    lr_status s = lr_rpca_stream(ctx, LR_F32, 100, &o, read_zero, emit_stop, NULL, NULL);
    CHECK(s == LR_ERR_ARG && strstr(lr_ctx_errmsg(ctx), "window"), "window 1 refused: %s",
          lr_ctx_errmsg(ctx));
    o.window = 10;
    s = lr_bg_stream(ctx, LR_F32, 100, 10, &o, read_zero, emit_stop, NULL, NULL);
    CHECK(s == LR_ERR_ARG, "background rank >= window refused");
    s = lr_rpca_stream(ctx, LR_F32, 100, &o, read_fail, emit_stop, NULL, NULL);
    CHECK(s == LR_ERR_IO, "read error passed on (%d)", s);
    int calls = 0;
    s = lr_rpca_stream(ctx, LR_F32, 100, &o, read_zero, emit_stop, &calls, NULL);
    CHECK(s == LR_ERR_CANCELLED && calls == 1, "emit error stops the stream (%d, %d calls)", s,
          calls);
    lr_ctx_destroy(ctx);

    /* Same bits with 1 and 2 threads. */
    synthvid_opts so;
    synthvid_opts_default(&so);
    so.frames = 250;
    synthvid_gen *gen = synthvid_gen_new(&so);
    double chk[2];
    for (int t = 0; t < 2; t++) {
        lr_ctx *c = lr_ctx_create();
        lr_ctx_set_threads(c, t + 1);
        feed f;
        feed_init(&f, c, gen, 80 * 60, 250, 60);
        o.window = 60;
        CHECK_OK(c, lr_rpca_stream(c, LR_F32, 80 * 60, &o, feed_read, feed_emit_rpca, &f, NULL));
        chk[t] = f.chk;
        feed_free(&f);
        lr_ctx_destroy(c);
    }
    CHECK(chk[0] == chk[1] && chk[0] != 0, "1 and 2 threads: same S (%.17g vs %.17g)", chk[0],
          chk[1]);
    synthvid_gen_free(gen);
}

/* ---- memory: a child process per length ------------------------------------ */
typedef struct memrun {
    int64_t alloc_peak, hwm, frames, blocks, rank_max;
    double f1;
} memrun;

static memrun run_child(int64_t frames, int64_t window)
{
    memrun mr;
    memset(&mr, 0, sizeof mr);
    int fd[2];
    if (pipe(fd)) return mr;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        counter cnt = {0, 0};
        lr_ctx *ctx = lr_ctx_create();
        lr_allocator a = {count_malloc, count_free, &cnt};
        lr_ctx_set_allocator(ctx, &a);
        lr_ctx_set_threads(ctx, 2);
        synthvid_opts so;
        synthvid_opts_default(&so);
        so.frames = frames; /* 80 x 60 */
        synthvid_gen *gen = synthvid_gen_new(&so);
        feed f;
        feed_init(&f, ctx, gen, 80 * 60, frames, window);
        lr_stream_opts o;
        lr_stream_opts_default(&o);
        o.window = window;
        lr_stream_summary sum;
        lr_status s = lr_rpca_stream(ctx, LR_F32, 80 * 60, &o, feed_read, feed_emit_rpca, &f,
                                     &sum);
        memrun r = {cnt.peak, vm_hwm(), f.emitted, sum.blocks, sum.rank_max, f1_of(&f)};
        if (s || cnt.now != 0) r.frames = -1; /* failed, or a leak */
        if (write(fd[1], &r, sizeof r) != (ssize_t)sizeof r) _exit(1);
        _exit(0);
    }
    close(fd[1]);
    if (pid < 0 || read(fd[0], &mr, sizeof mr) != (ssize_t)sizeof mr) mr.frames = -2;
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return mr;
}

static void test_memory(void)
{
    const int64_t L = 2500, N = 100, P = 80 * 60;
    memrun a = run_child(L, N), b = run_child(2 * L, N);
    CHECK(a.frames == L && b.frames == 2 * L, "children ran (%lld, %lld frames)",
          (long long)a.frames, (long long)b.frames);
    /* Bound of docs/ALGORITHMS-stream.md: X = P x n_b elements, n_b = N + c
     * (c = 16 carried frames), f32 (e = 4), T = 2 threads:
     *   peak <= 4.5 |X| + 32 n_b^2 + T 1024 n_b (e + 8) + 2.2 MB
     * (the block, the solver's Y and T, the factor U <= |X|, the Gram
     * route's matrices and per-thread tiles, the mask's noise sample). */
    const double X = (double)P * (N + 16) * 4, nb = (double)(N + 16);
    const double bound = 4.5 * X + 32 * nb * nb + 2 * 1024 * nb * 12 + 2.2e6;
    CHECK(a.alloc_peak > 3 * X && a.alloc_peak <= bound && b.alloc_peak <= bound,
          "library peak %lld / %lld bytes within [3|X|, %.0f]", (long long)a.alloc_peak,
          (long long)b.alloc_peak, bound);
    CHECK(b.alloc_peak <= a.alloc_peak * 1.05, "library peak does not grow with the length: "
          "%lld (%lld frames) vs %lld (%lld frames)", (long long)b.alloc_peak,
          (long long)(2 * L), (long long)a.alloc_peak, (long long)L);
    CHECK(b.hwm > 0 && b.hwm <= a.hwm + (a.hwm >> 4), "peak RSS does not grow with the length: "
          "%lld vs %lld bytes", (long long)b.hwm, (long long)a.hwm);
#if !defined(__SANITIZE_ADDRESS__)
    /* The whole video matrix of 2L frames would be bigger than the peak.
     * (Not under AddressSanitizer, whose shadow memory and quarantine of
     * freed blocks add a few hundred MB of resident memory; the relative
     * check above and the allocator's exact counts hold there too.) */
    CHECK(b.hwm < (double)P * 2 * L * 4, "peak RSS %lld below the %lld-frame matrix (%.0f)",
          (long long)b.hwm, (long long)(2 * L), (double)P * 2 * L * 4);
#endif
    CHECK(a.f1 > 0.9 && b.f1 > 0.9, "F1 of the long runs %.4f %.4f", a.f1, b.f1);
    printf("memory, 80x60, window %lld: %lld frames: library peak %.1f MB, RSS %.1f MB; "
           "%lld frames: %.1f MB, %.1f MB (|X| = %.2f MB); F1 %.4f / %.4f\n", (long long)N,
           (long long)L, a.alloc_peak / 1e6, a.hwm / 1e6, (long long)(2 * L),
           b.alloc_peak / 1e6, b.hwm / 1e6, X / 1e6, a.f1, b.f1);
}

/* ---- the command line ------------------------------------------------------ */
#define CW 64
#define CH 48
#define CF 90

static const char *tmp;
static char out[65536];

static const char *P_(const char *name)
{
    static char buf[8][700];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
    return buf[k];
}

static void make_clip(lr_ctx *ctx, const char *mp4, const char *gtdir)
{
    synthvid_opts so;
    synthvid_opts_default(&so);
    so.width = CW, so.height = CH, so.frames = CF;
    synthvid_gen *gen = synthvid_gen_new(&so);
    lr_mat M;
    uint8_t *truth = malloc(CW * CH * CF), gt[CW * CH];
    if (!gen || !truth || lr_mat_alloc(ctx, LR_F32, CW * CH, CF, &M)) abort();
    synthvid_gen_frames(gen, 0, &M, truth);
    mkdir(gtdir, 0755);
    for (int t = 0; t < CF; t++) {
        for (int x = 0; x < CW; x++)
            for (int y = 0; y < CH; y++) gt[y * CW + x] = truth[t * CW * CH + y + x * CH];
        char p[800];
        snprintf(p, sizeof p, "%s/gt%06d.png", gtdir, t + 1);
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        im.width = CW, im.height = CH, im.format = PNG_FORMAT_GRAY;
        if (!png_image_write_to_file(&im, p, 0, gt, 0, NULL)) abort();
    }
    lr_video_write_opts wo;
    lr_video_write_opts_default(&wo);
    wo.crf = 12;
    if (lr_video_write(ctx, mp4, &M, CW, CH, &wo)) {
        fprintf(stderr, "cannot write the test clip: %s\n", lr_ctx_errmsg(ctx));
        exit(1);
    }
    lr_mat_free(ctx, &M);
    free(truth);
    synthvid_gen_free(gen);
}

static void test_cli(void)
{
    lr_ctx *ctx = lr_ctx_create();
    char *clip = strdup(P_("clip.mp4")), *gt = strdup(P_("gt"));
    make_clip(ctx, clip, gt);

    /* rpca, MP4 outputs, blocks of 40: 40 + 40 + 10 frames. */
    const char *o = P_("out-rpca");
    int rc = tu_run(out, sizeof out, "{ '%s' separate '%s' -o '%s' --window 40 --truth '%s' "
                    "--json --quiet --threads 2 2>/dev/null; }", tu_bin(), clip, o, gt);
    CHECK(rc == 0, "separate --window exit %d: %s", rc, out);
    const char *files[] = {"background.mp4", "foreground.mp4", "mask.mp4", "panel-0045.png",
                           "matrix.png", "report.json"};
    char p[900];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", o, files[i]);
        CHECK(tu_file_exists(p), "%s exists", p);
    }
    CHECK(tu_count_entries(o, ".tmp-") == 0, "no temporaries left");
    CHECK(tu_count_entries(o, NULL) == 6, "exactly the 6 outputs (%d)", tu_count_entries(o, NULL));
    for (int v = 0; v < 3; v++) {
        static const char *const base[3] = {"background", "foreground", "mask"};
        snprintf(p, sizeof p, "%s/%s.mp4", o, base[v]);
        lr_mat D;
        lr_video_info info;
        lr_status s = lr_video_read(ctx, p, NULL, &D, &info);
        CHECK(s == LR_OK, "%s decodes: %s", p, lr_ctx_errmsg(ctx));
        if (!s) {
            CHECK(D.cols == CF && info.width == CW && info.height == CH,
                  "%s: %lld frames of %dx%d", p, (long long)D.cols, info.width, info.height);
            lr_mat_free(ctx, &D);
        }
    }
    snprintf(p, sizeof p, "%s/report.json", o);
    cJSON *rep = tu_load_json(p), *std = cJSON_Parse(out);
    CHECK(rep != NULL && std != NULL, "report.json and --json stdout parse");
    if (rep) {
        CHECK(tu_json_num(rep, "cols") == CF && tu_json_num(rep, "rows") == CW * CH, "shape in report");
        CHECK(tu_json_num(rep, "frames.panel") == 45, "panel frame");
        CHECK(tu_json_num(rep, "stream.window") == 40 && tu_json_num(rep, "stream.blocks") == 3,
              "window %g, blocks %g", tu_json_num(rep, "stream.window"), tu_json_num(rep, "stream.blocks"));
        const cJSON *pb = cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "stream"), "per_block");
        CHECK(cJSON_GetArraySize(pb) == 3, "three blocks logged");
        double its = 0, frames = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, pb) its += tu_json_num(e, "iterations"), frames += tu_json_num(e, "frames");
        const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "results"), 0);
        CHECK(frames == CF && tu_json_num(cJSON_GetArrayItem(pb, 2), "frames") == 10,
              "block frames 40 + 40 + 10");
        CHECK(its == tu_json_num(res, "iterations") && its >= 3, "iterations %g = sum over blocks %g",
              tu_json_num(res, "iterations"), its);
        CHECK(tu_json_num(res, "residual") < 1e-4, "residual %g", tu_json_num(res, "residual"));
        CHECK(tu_json_num(res, "truth.f1") > 0.8, "F1 %g", tu_json_num(res, "truth.f1"));
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "truth"),
                                                     "per_frame")) == CF, "per-frame scores");
        CHECK(tu_json_num(rep, "memory.peak_rss_bytes") > 0 && tu_json_num(rep, "memory.block_bytes") ==
              (double)CW * CH * (40 + 16) * 4, "memory in report (block %g)",
              tu_json_num(rep, "memory.block_bytes"));
        if (std) CHECK(tu_json_num(std, "stream.blocks") == 3, "stdout report matches");
        printf("cli rpca --window 40: F1 %.3f, %g iterations over 3 blocks\n",
               tu_json_num(res, "truth.f1"), its);
    }
    cJSON_Delete(rep), cJSON_Delete(std);

    /* svd, two ranks, PNG frames, a range: the reported F1 equals one
     * computed here from the written masks. */
    const char *o2 = P_("out-svd");
    rc = tu_run(out, sizeof out, "'%s' separate '%s' -o '%s' --method svd --rank 1,2 "
                "--window 30 --frames 10:80 --truth '%s' --png-frames --quiet --threads 2",
                tu_bin(), clip, o2, gt);
    CHECK(rc == 0, "svd --window exit %d: %s", rc, out);
    for (int k = 1; k <= 2; k++) {
        char md[900];
        snprintf(md, sizeof md, "%s/rank-%d/mask", o2, k);
        CHECK(tu_count_entries(md, "frame-") == 70, "rank %d: 70 mask frames (%d)", k,
              tu_count_entries(md, "frame-"));
        snprintf(p, sizeof p, "%s/rank-%d/background/frame-000011.png", o2, k);
        CHECK(tu_file_exists(p), "numbered from A+1: %s", p);
        snprintf(p, sizeof p, "%s/rank-%d/panel-0045.png", o2, k);
        CHECK(tu_file_exists(p), "panel of the middle frame of 10:80: %s", p);
    }
    snprintf(p, sizeof p, "%s/report.json", o2);
    rep = tu_load_json(p);
    CHECK(rep != NULL, "svd report parses");
    if (rep) {
        const cJSON *r0 = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "results"), 0);
        char md[900];
        snprintf(md, sizeof md, "%s/rank-1/mask", o2);
        double mine = tu_f1_from_pngs(md, gt, 10, 70, CW, CH), theirs = tu_json_num(r0, "truth.f1");
        CHECK(fabs(mine - theirs) < 1e-9, "reported F1 %.6f = independent F1 %.6f", theirs,
              mine);
        CHECK(tu_json_num(rep, "stream.blocks") == 3 && tu_json_num(rep, "cols") == 70, "3 blocks, 70 frames");
    }
    cJSON_Delete(rep);

    /* A window longer than the clip: one block of the clip's length. */
    const char *o3 = P_("out-long-window");
    rc = tu_run(out, sizeof out, "'%s' separate '%s' -o '%s' --window 500 --quiet --threads 2",
                tu_bin(), clip, o3);
    CHECK(rc == 0, "--window 500 exit %d: %s", rc, out);
    snprintf(p, sizeof p, "%s/report.json", o3);
    rep = tu_load_json(p);
    CHECK(rep && tu_json_num(rep, "stream.window") == CF && tu_json_num(rep, "stream.blocks") == 1 &&
          tu_json_num(rep, "cols") == CF, "window shortened to the clip: %g, %g blocks",
          tu_json_num(rep, "stream.window"), tu_json_num(rep, "stream.blocks"));
    cJSON_Delete(rep);

    /* Refusals: exit 2, a message, no output folder. */
    struct {
        const char *what, *args, *needle;
    } bad[] = {{"window 1", "--window 1", "--window"},
               {"carry without window", "--carry 4", "--carry"},
               {"range outside", "--window 20 --frames 200:300", "90 frames"},
               {"rank not below window", "--window 10 --method svd --rank 10", "--rank"},
               {"panel outside", "--window 20 --panel 95", "--panel"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *ob = P_("out-bad");
        rc = tu_run(out, sizeof out, "'%s' separate '%s' %s -o '%s' --quiet", tu_bin(), clip,
                    bad[i].args, ob);
        CHECK(rc == 2, "%s: exit %d (want 2): %s", bad[i].what, rc, out);
        CHECK(strstr(out, bad[i].needle) != NULL, "%s: message lacks '%s': %s", bad[i].what,
              bad[i].needle, out);
        CHECK(!tu_file_exists(ob), "%s: output folder created", bad[i].what);
    }
    /* A truth folder with a frame missing is refused before anything is made. */
    const char *gt2 = P_("gt-missing");
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s' && rm '%s/gt000077.png'", gt, gt2, gt2);
    if (system(cmd) != 0) abort();
    const char *ob = P_("out-bad");
    rc = tu_run(out, sizeof out, "'%s' separate '%s' --window 20 --truth '%s' -o '%s' --quiet",
                tu_bin(), clip, gt2, ob);
    CHECK(rc == 2 && strstr(out, "gt000077.png"), "missing truth frame: %d %s", rc, out);
    CHECK(!tu_file_exists(ob), "missing truth frame: output folder created");

    free(clip), free(gt);
    lr_ctx_destroy(ctx);
}

#include <time.h>
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(void)
{
    tmp = tu_tmpdir();
    double t0 = now();
    test_memory(); /* first: the children fork from a small process */
    printf("(memory %.1f s)\n", now() - t0), t0 = now();
    test_contract();
    printf("(contract %.1f s)\n", now() - t0), t0 = now();
    test_quality();
    printf("(quality %.1f s)\n", now() - t0), t0 = now();
    test_cli();
    printf("(cli %.1f s)\n", now() - t0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
    return tu_done("test_stream");
}
