/* test_separate.c -- `lowrank separate` end to end, through the CLI binary
 * ($LOWRANK_BIN): outputs, report fields, truth folders, refusal of bad
 * input without partial outputs.
 *
 * The clip is synthesized here: a textured static background with sensor
 * noise and two objects moving across it, written with the library's
 * encoder; the ground truth masks come from the same geometry (exact), with
 * a one-pixel ring of "unknown" (170) around each object, as CDnet marks
 * uncertain borders.  The reported F1 is checked against an F1 computed
 * here from the mask PNGs the command wrote. */
#include <cjson/cJSON.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "clitest.h"
#include "testutil.h"

#define W 48
#define H 36
#define NF 40

static const char *tmp;
static char out[65536];

/* 0 outside, 1 inside an object, 2 on its one-pixel border ring. */
static int obj_at(int t, int y, int x, double *val)
{
    int r = 0;
    /* A bright 8x8 square moving right, a dark 6x10 bar moving left. */
    int ax = 2 + t, ay = 6;
    int bx = 40 - (3 * t) / 4, by = 20;
    if (x >= ax && x < ax + 8 && y >= ay && y < ay + 8) {
        *val = 0.92;
        return 1;
    }
    if (x >= bx && x < bx + 6 && y >= by && y < by + 10) {
        *val = 0.08;
        return 1;
    }
    if (x >= ax - 1 && x <= ax + 8 && y >= ay - 1 && y <= ay + 8) r = 2;
    if (x >= bx - 1 && x <= bx + 6 && y >= by - 1 && y <= by + 10) r = 2;
    return r;
}

static double bg_at(int y, int x)
{
    return 0.45 + 0.12 * sin(0.7 * x) * cos(0.5 * y) + 0.1 * ((x * 7 + y * 13) % 5) / 5.0;
}

static void make_clip(lr_ctx *ctx, const char *mp4, const char *gtdir)
{
    lr_mat M;
    if (lr_mat_alloc(ctx, LR_F32, W * H, NF, &M)) abort();
    tu_rng rng = {12345};
    unsigned char gt[W * H];
    mkdir(gtdir, 0755);
    for (int t = 0; t < NF; t++) {
        for (int x = 0; x < W; x++)
            for (int y = 0; y < H; y++) {
                double v = bg_at(y, x) + 0.01 * tu_randn(&rng), ov;
                int o = obj_at(t, y, x, &ov);
                if (o == 1) v = ov;
                lr_mat_set(&M, y + x * H, t, v);
                gt[y * W + x] = o == 1 ? 255 : o == 2 ? 170 : 0;
            }
        char p[600];
        snprintf(p, sizeof p, "%s/gt%06d.png", gtdir, t + 1);
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        im.width = W, im.height = H, im.format = PNG_FORMAT_GRAY;
        if (!png_image_write_to_file(&im, p, 0, gt, 0, NULL)) abort();
    }
    lr_video_write_opts wo;
    lr_video_write_opts_default(&wo);
    wo.crf = 12;
    if (lr_video_write(ctx, mp4, &M, W, H, &wo)) {
        fprintf(stderr, "cannot write the test clip: %s\n", lr_ctx_errmsg(ctx));
        exit(1);
    }
    lr_mat_free(ctx, &M);
}

static const char *P(const char *fmt, const char *a)
{
    static char buf[8][700];
    static int k;
    k = (k + 1) % 8;
    char name[600];
    snprintf(name, sizeof name, fmt, a);
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
    return buf[k];
}

static void test_rpca_end_to_end(const char *clip, const char *gt)
{
    const char *o = P("%s", "out-rpca");
    /* stdout only: the report must parse on its own. */
    int rc = tu_run(out, sizeof out, "{ '%s' separate '%s' -o '%s' --truth '%s' --json --quiet "
                    "--threads 2 2>/dev/null; }", tu_bin(), clip, o, gt);
    CHECK(rc == 0, "separate (rpca) exit %d: %s", rc, out);
    const char *files[] = {"background.mp4", "foreground.mp4", "mask.mp4", "panel-0020.png",
                           "matrix.png", "report.json"};
    char p[800];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", o, files[i]);
        CHECK(tu_file_exists(p), "%s exists", p);
    }
    CHECK(tu_count_entries(o, ".tmp-") == 0, "no temporaries left in %s", o);
    CHECK(tu_count_entries(o, NULL) == 6, "exactly the 6 outputs (%d)", tu_count_entries(o, NULL));

    snprintf(p, sizeof p, "%s/report.json", o);
    cJSON *rep = tu_load_json(p);
    CHECK(rep != NULL, "report.json parses");
    cJSON *std = cJSON_Parse(out);
    CHECK(std != NULL, "--json stdout parses: %.200s", out);
    if (rep) {
        CHECK(tu_json_num(rep, "width") == W && tu_json_num(rep, "height") == H, "size in report");
        CHECK(tu_json_num(rep, "rows") == W * H && tu_json_num(rep, "cols") == NF, "matrix shape in report");
        CHECK(tu_json_num(rep, "frames.panel") == 20, "panel frame");
        const cJSON *m = cJSON_GetObjectItem(rep, "method");
        CHECK(cJSON_IsString(m) && !strcmp(m->valuestring, "rpca"), "method");
        const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "results"), 0);
        CHECK(res != NULL, "results[0]");
        CHECK(tu_json_num(res, "lambda") > 0, "lambda");
        CHECK(tu_json_num(res, "iterations") >= 1, "iterations");
        CHECK(tu_json_num(res, "residual") >= 0 && tu_json_num(res, "residual") < 1e-3, "residual %g",
              tu_json_num(res, "residual"));
        CHECK(tu_json_num(res, "rank") >= 1 && tu_json_num(res, "rank") < NF, "rank %g", tu_json_num(res, "rank"));
        CHECK(tu_json_num(res, "nonzero_fraction") > 0 && tu_json_num(res, "nonzero_fraction") <= 1, "nnz");
        CHECK(tu_json_num(res, "mask.fraction") > 0.01 && tu_json_num(res, "mask.fraction") < 0.5,
              "mask fraction %g", tu_json_num(res, "mask.fraction"));
        CHECK(tu_json_num(res, "mask.threshold") > 0, "threshold");
        double f1 = tu_json_num(res, "truth.f1");
        CHECK(f1 > 0.8, "rpca F1 %g (> 0.8)", f1);
        CHECK(tu_json_num(res, "truth.precision") > 0 && tu_json_num(res, "truth.recall") > 0, "P/R");
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(res, "truth"),
                                                     "per_frame")) == NF, "per-frame scores");
        CHECK(tu_json_num(rep, "seconds.decode") >= 0 && tu_json_num(rep, "seconds.rpca") > 0 &&
              tu_json_num(rep, "seconds.encode") > 0 && tu_json_num(rep, "seconds.total") > 0, "stage times");
        CHECK(tu_json_num(rep, "memory.peak_rss_bytes") > 0 && tu_json_num(rep, "memory.peak_over_matrix") > 0,
              "peak memory");
        if (std) CHECK(tu_json_num(std, "cols") == NF, "stdout report matches");
        printf("rpca: F1 %.3f, residual %.2e, rank %g, %g iterations\n", f1,
               tu_json_num(res, "residual"), tu_json_num(res, "rank"), tu_json_num(res, "iterations"));
    }
    cJSON_Delete(rep);
    cJSON_Delete(std);

    /* The same with PNG frames: the reported F1 equals one computed here. */
    const char *o2 = P("%s", "out-png");
    rc = tu_run(out, sizeof out, "'%s' separate '%s' -o '%s' --truth '%s' --png-frames --quiet "
                "--frames 10:30 --threads 2", tu_bin(), clip, o2, gt);
    CHECK(rc == 0, "png-frames exit %d: %s", rc, out);
    char md[800];
    snprintf(md, sizeof md, "%s/mask", o2);
    CHECK(tu_count_entries(md, "frame-") == 20, "20 mask frames (%d)", tu_count_entries(md, "frame-"));
    snprintf(p, sizeof p, "%s/background/frame-000011.png", o2);
    CHECK(tu_file_exists(p), "frames numbered from A+1: %s", p);
    snprintf(p, sizeof p, "%s/panel-0020.png", o2);
    CHECK(tu_file_exists(p), "panel of the middle frame of 10:30");
    snprintf(p, sizeof p, "%s/report.json", o2);
    rep = tu_load_json(p);
    if (rep) {
        const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "results"), 0);
        double mine = tu_f1_from_pngs(md, gt, 10, 20, W, H), theirs = tu_json_num(res, "truth.f1");
        CHECK(fabs(mine - theirs) < 1e-9, "reported F1 %.6f = independent F1 %.6f", theirs,
              mine);
        CHECK(tu_json_num(rep, "frames.first") == 10 && tu_json_num(rep, "cols") == 20, "range in report");
    }
    cJSON_Delete(rep);
}

static void test_svd_ranks(const char *clip)
{
    const char *o = P("%s", "out-svd");
    int rc = tu_run(out, sizeof out, "'%s' separate '%s' -o '%s' --method svd --rank 1,3 "
                    "--scale 0.5 --quiet --threads 2", tu_bin(), clip, o);
    CHECK(rc == 0, "separate --method svd exit %d: %s", rc, out);
    char p[800];
    const char *files[] = {"background.mp4", "foreground.mp4", "mask.mp4", "panel-0020.png",
                           "matrix.png"};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
            snprintf(p, sizeof p, "%s/rank-%d/%s", o, k ? 3 : 1, files[i]);
            CHECK(tu_file_exists(p), "%s exists", p);
        }
    snprintf(p, sizeof p, "%s/report.json", o);
    cJSON *rep = tu_load_json(p);
    CHECK(rep && cJSON_GetArraySize(cJSON_GetObjectItem(rep, "results")) == 2, "two results");
    if (rep) {
        CHECK(tu_json_num(rep, "width") == W / 2 && tu_json_num(rep, "height") == H / 2, "scaled size");
        const cJSON *r1 = cJSON_GetArrayItem(cJSON_GetObjectItem(rep, "results"), 1);
        CHECK(tu_json_num(r1, "rank") == 3, "second result is rank 3");
        CHECK(tu_json_num(r1, "explained_variance") > 0.9, "background explains most of M");
    }
    cJSON_Delete(rep);
}

/* Bad input: exit 2, a message, and the output folder not even created. */
static void expect_refusal(const char *what, const char *args, const char *needle)
{
    const char *o = P("%s", "out-bad");
    int rc = tu_run(out, sizeof out, "'%s' separate %s -o '%s' --quiet", tu_bin(), args, o);
    CHECK(rc == 2, "%s: exit %d (want 2): %s", what, rc, out);
    if (needle) CHECK(strstr(out, needle) != NULL, "%s: message lacks '%s': %s", what, needle, out);
    CHECK(!tu_file_exists(o), "%s: output folder created", what);
}

static void test_refusals(const char *clip, const char *gt)
{
    char args[2000];
    const char *txt = P("%s", "notes.txt");
    FILE *f = fopen(txt, "w");
    fputs("not a video\n", f);
    fclose(f);
    snprintf(args, sizeof args, "'%s'", txt);
    expect_refusal("text file", args, "notes.txt");
    snprintf(args, sizeof args, "'%s'", P("%s", "nothere.mp4"));
    expect_refusal("missing file", args, "nothere.mp4");
    snprintf(args, sizeof args, "'%s' --frames 50:60", clip);
    expect_refusal("range outside", args, "40 frames");
    snprintf(args, sizeof args, "'%s' --panel 45", clip);
    expect_refusal("panel outside", args, "--panel");
    snprintf(args, sizeof args, "'%s' --method foo", clip);
    expect_refusal("bad method", args, "--method");
    snprintf(args, sizeof args, "'%s' --scale 0.5 --size 20x10", clip);
    expect_refusal("scale and size", args, NULL);
    snprintf(args, sizeof args, "'%s' --rank 1,2", clip);
    expect_refusal("rank list with rpca", args, "svd");

    /* Truth folder with a frame missing. */
    const char *gt2 = P("%s", "gt-missing");
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s' && rm '%s/gt000033.png'", gt, gt2, gt2);
    if (system(cmd) != 0) abort();
    snprintf(args, sizeof args, "'%s' --truth '%s'", clip, gt2);
    expect_refusal("truth frame missing", args, "gt000033.png");
    /* ... fine when the range avoids it. */
    const char *o = P("%s", "out-range");
    int rc = tu_run(out, sizeof out, "'%s' separate '%s' -o '%s' --truth '%s' --frames 0:32 "
                    "--method svd --rank 1 --quiet", tu_bin(), clip, o, gt2);
    CHECK(rc == 0, "range before the gap: %d %s", rc, out);

    /* Truth masks of another size. */
    const char *gt3 = P("%s", "gt-size");
    mkdir(gt3, 0755);
    unsigned char px[10 * 8] = {0};
    for (int t = 1; t <= NF; t++) {
        char p[700];
        snprintf(p, sizeof p, "%s/gt%06d.png", gt3, t);
        png_image im;
        memset(&im, 0, sizeof im);
        im.version = PNG_IMAGE_VERSION;
        im.width = 10, im.height = 8, im.format = PNG_FORMAT_GRAY;
        png_image_write_to_file(&im, p, 0, px, 0, NULL);
    }
    snprintf(args, sizeof args, "'%s' --truth '%s'", clip, gt3);
    expect_refusal("truth size", args, "10x8");
    snprintf(args, sizeof args, "'%s' --truth '%s'", clip, P("%s", "no-such-gt"));
    expect_refusal("truth folder missing", args, "no-such-gt");
}

int main(void)
{
    tmp = tu_tmpdir();
    lr_ctx *ctx = lr_ctx_create();
    char *clip = strdup(P("%s", "clip.mp4")), *gt = strdup(P("%s", "gt"));
    make_clip(ctx, clip, gt);
    test_refusals(clip, gt);
    test_rpca_end_to_end(clip, gt);
    test_svd_ranks(clip);
    lr_ctx_destroy(ctx);
    free(clip), free(gt);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
    return tu_done("test_separate");
}
