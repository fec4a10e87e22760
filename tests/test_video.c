/* test_video.c -- video decode/encode round trips, frame ranges, scaling,
 * PNG frames, image sequences, refusal of bad input, ground-truth masks.
 *
 * References are independent of the code under test: the synthetic clip is
 * computed here in closed form (a bright square moving across a gradient),
 * bad files are made by hand or with libavformat directly, truth PNGs with
 * libpng directly. */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>
#include "testutil.h"

#define W 64
#define H 48
#define NF 30

static const char *tmp;

/* Frame t of the synthetic clip at pixel (y,x). */
static double clip_px(int t, int y, int x)
{
    double v = 0.15 + 0.7 * x / (W - 1.0) + 0.05 * y / (H - 1.0);
    int sx = 4 + (int)(1.5 * t), sy = 10 + t / 3;
    if (x >= sx && x < sx + 10 && y >= sy && y < sy + 10) v = 0.97;
    return v;
}

static lr_mat make_clip(lr_ctx *ctx, lr_dtype t)
{
    lr_mat M;
    if (lr_mat_alloc(ctx, t, (int64_t)W * H, NF, &M)) abort();
    for (int f = 0; f < NF; f++)
        for (int x = 0; x < W; x++)
            for (int y = 0; y < H; y++) lr_mat_set(&M, y + (int64_t)x * H, f, clip_px(f, y, x));
    return M;
}

/* Mean |decoded - reference frame t| over a column. */
static double col_err(const lr_mat *D, int64_t j, int t)
{
    double e = 0;
    for (int x = 0; x < W; x++)
        for (int y = 0; y < H; y++) e += fabs(lr_mat_get(D, y + (int64_t)x * H, j) - clip_px(t, y, x));
    return e / (W * H);
}

static const char *path_in(const char *name)
{
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, name);
    return buf[k];
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n) fwrite(p, 1, n, f);
    fclose(f);
}

static int no_temp_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int ok = 1;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp-")) ok = 0;
    closedir(d);
    return ok;
}

/* Expects status `want` and a message naming `name`. */
static void expect_fail(lr_ctx *ctx, const char *path, lr_status want, const char *also,
                        const char *what)
{
    lr_mat M = {0};
    lr_video_info info;
    lr_status s = lr_video_read(ctx, path, NULL, &M, &info);
    CHECK(s == want, "%s: got %s (%s)", what, lr_status_str(s), lr_ctx_errmsg(ctx));
    CHECK(strstr(lr_ctx_errmsg(ctx), path) != NULL, "%s: message does not name the file: %s",
          what, lr_ctx_errmsg(ctx));
    if (also)
        CHECK(strstr(lr_ctx_errmsg(ctx), also) != NULL, "%s: message lacks '%s': %s", what,
              also, lr_ctx_errmsg(ctx));
    CHECK(M.data == NULL, "%s: output not empty", what);
    lr_mat_free(ctx, &M);
}

static void test_round_trip(lr_ctx *ctx)
{
    lr_mat M = make_clip(ctx, LR_F32);
    const char *mp4 = path_in("clip.mp4");
    lr_video_write_opts wo;
    lr_video_write_opts_default(&wo);
    wo.fps = 30;
    CHECK_OK(ctx, lr_video_write(ctx, mp4, &M, W, H, &wo));
    CHECK(tu_file_exists(mp4), "mp4 written");
    CHECK(no_temp_files(tmp), "no temporary left behind");

    lr_mat D = {0};
    lr_video_info info;
    CHECK_OK(ctx, lr_video_read(ctx, mp4, NULL, &D, &info));
    CHECK(D.rows == W * H && D.cols == NF && D.dtype == LR_F32, "shape %lld x %lld",
          (long long)D.rows, (long long)D.cols);
    CHECK(info.width == W && info.height == H && info.frames == NF && info.clip_frames == NF,
          "info %dx%d frames %lld clip %lld", info.width, info.height, (long long)info.frames,
          (long long)info.clip_frames);
    CHECK(fabs(info.fps - 30) < 1e-6, "fps %g", info.fps);
    CHECK(!strcmp(info.codec, "h264"), "codec %s", info.codec);
    double worst = 0, mean_shift = 0;
    if (D.cols == NF) {
        for (int t = 0; t < NF; t++) worst = fmax(worst, col_err(&D, t, t));
        /* Range check: a flat region's level must survive (16..235 expansion). */
        for (int t = 0; t < NF; t++) {
            double a = 0, b = 0;
            for (int x = 40; x < 60; x++)
                for (int y = 38; y < 46; y++) {
                    a += lr_mat_get(&D, y + (int64_t)x * H, t);
                    b += clip_px(t, y, x);
                }
            mean_shift = fmax(mean_shift, fabs(a - b) / 160);
        }
        /* The square sits at frame t's place: frame 10's column is far from frame 0's. */
        CHECK(col_err(&D, 10, 10) < col_err(&D, 10, 0) / 3, "frames are in order");
        /* Layout: pixel (y,x) at y + x*H.  The square at frame 0 covers x 4..13, y 10..19. */
        CHECK(lr_mat_get(&D, 15 + 8 * H, 0) > 0.85, "square at (15,8): %g",
              lr_mat_get(&D, 15 + 8 * H, 0));
        CHECK(lr_mat_get(&D, 40 + 8 * H, 0) < 0.5, "background at (40,8): %g",
              lr_mat_get(&D, 40 + 8 * H, 0));
    }
    CHECK(worst < 0.03, "mean abs error per frame %g (< 0.03)", worst);
    CHECK(mean_shift < 0.01, "flat region level shift %g (< 0.01)", mean_shift);
    printf("round trip: worst mean abs error %.4f, level shift %.4f\n", worst, mean_shift);
    lr_mat_free(ctx, &D);

    /* f64 gives the same values. */
    lr_video_read_opts ro;
    lr_video_read_opts_default(&ro);
    ro.dtype = LR_F64;
    CHECK_OK(ctx, lr_video_read(ctx, mp4, &ro, &D, &info));
    CHECK(D.dtype == LR_F64 && D.cols == NF, "f64 read");
    if (D.cols == NF) CHECK(col_err(&D, 7, 7) < 0.03, "f64 values");
    lr_mat_free(ctx, &D);

    /* Memory input gives the same matrix as the file. */
    FILE *f = fopen(mp4, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(n);
    if (fread(buf, 1, n, f) != (size_t)n) abort();
    fclose(f);
    lr_mat A = {0}, B = {0};
    CHECK_OK(ctx, lr_video_read(ctx, mp4, NULL, &A, NULL));
    CHECK_OK(ctx, lr_video_read_mem(ctx, buf, n, "clip.mp4", NULL, &B, &info));
    CHECK(A.cols == B.cols && A.rows == B.rows &&
          !memcmp(A.data, B.data, A.rows * A.cols * sizeof(float)), "memory read = file read");
    lr_mat_free(ctx, &A);
    lr_mat_free(ctx, &B);
    /* Garbage in memory is refused. */
    memset(buf, 'x', 1000);
    lr_status s = lr_video_read_mem(ctx, buf, 1000, "junk.bin", NULL, &B, &info);
    CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "junk.bin"), "junk memory: %s",
          lr_ctx_errmsg(ctx));
    /* Truncated in memory: the first half. */
    f = fopen(mp4, "rb");
    if (fread(buf, 1, n, f) != (size_t)n) abort();
    fclose(f);
    s = lr_video_read_mem(ctx, buf, n / 2, "half.mp4", NULL, &B, &info);
    CHECK(s == LR_ERR_FORMAT, "truncated memory: %s", lr_ctx_errmsg(ctx));
    free(buf);

    /* Probe reads headers only. */
    CHECK_OK(ctx, lr_video_probe(ctx, mp4, &info));
    CHECK(info.width == W && info.height == H && info.header_frames == NF, "probe %dx%d %lld",
          info.width, info.height, (long long)info.header_frames);
    lr_mat_free(ctx, &M);
}

static void test_ranges_and_sizes(lr_ctx *ctx)
{
    const char *mp4 = path_in("clip.mp4");
    lr_video_read_opts ro;
    lr_video_info info;
    lr_mat D = {0};

    lr_video_read_opts_default(&ro);
    ro.first = 5, ro.end = 15;
    CHECK_OK(ctx, lr_video_read(ctx, mp4, &ro, &D, &info));
    CHECK(D.cols == 10 && info.frames == 10 && info.first == 5, "range 5:15 -> %lld",
          (long long)D.cols);
    CHECK(info.clip_frames == -1, "stopped early: clip_frames unknown (%lld)",
          (long long)info.clip_frames);
    if (D.cols == 10) {
        CHECK(col_err(&D, 0, 5) < 0.03 && col_err(&D, 9, 14) < 0.03, "range content");
        CHECK(col_err(&D, 0, 5) < col_err(&D, 0, 4) && col_err(&D, 0, 5) < col_err(&D, 0, 6),
              "column 0 is frame 5, not a neighbour");
    }
    lr_mat_free(ctx, &D);

    /* End past the clip: fewer frames, not an error. */
    ro.first = 20, ro.end = 100;
    CHECK_OK(ctx, lr_video_read(ctx, mp4, &ro, &D, &info));
    CHECK(D.cols == 10 && info.clip_frames == NF, "20:100 -> %lld of %lld", (long long)D.cols,
          (long long)info.clip_frames);
    lr_mat_free(ctx, &D);

    /* Start past the clip: refused, with the real count. */
    ro.first = 30, ro.end = -1;
    lr_status s = lr_video_read(ctx, mp4, &ro, &D, &info);
    CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "30 frames") &&
          strstr(lr_ctx_errmsg(ctx), mp4), "range outside: %s", lr_ctx_errmsg(ctx));
    CHECK(D.data == NULL, "no output");
    ro.first = 5, ro.end = 5;
    s = lr_video_read(ctx, mp4, &ro, &D, &info);
    CHECK(s == LR_ERR_ARG, "empty range refused: %s", lr_ctx_errmsg(ctx));

    /* Scale 0.5 and an explicit size. */
    lr_video_read_opts_default(&ro);
    ro.scale = 0.5;
    CHECK_OK(ctx, lr_video_read(ctx, mp4, &ro, &D, &info));
    CHECK(info.width == W / 2 && info.height == H / 2 && D.rows == W * H / 4 && D.cols == NF,
          "scale 0.5 -> %dx%d", info.width, info.height);
    if (D.cols == NF) {
        /* Area average of 2x2 blocks of the reference. */
        double e = 0;
        for (int x = 0; x < W / 2; x++)
            for (int y = 0; y < H / 2; y++) {
                double r = 0;
                for (int dx = 0; dx < 2; dx++)
                    for (int dy = 0; dy < 2; dy++) r += clip_px(3, 2 * y + dy, 2 * x + dx) / 4;
                e += fabs(lr_mat_get(&D, y + (int64_t)x * (H / 2), 3) - r);
            }
        e /= (W / 2) * (H / 2);
        CHECK(e < 0.04, "scaled content error %g", e);
    }
    lr_mat_free(ctx, &D);
    lr_video_read_opts_default(&ro);
    ro.width = 40, ro.height = 30;
    CHECK_OK(ctx, lr_video_read(ctx, mp4, &ro, &D, &info));
    CHECK(info.width == 40 && info.height == 30 && D.rows == 1200, "size 40x30");
    lr_mat_free(ctx, &D);

    /* Absurd sizes and byte limits are refused before decoding. */
    lr_video_read_opts_default(&ro);
    ro.width = 100000, ro.height = 10;
    s = lr_video_read(ctx, mp4, &ro, &D, &info);
    CHECK(s == LR_ERR_ARG, "huge size refused: %s", lr_ctx_errmsg(ctx));
    lr_video_read_opts_default(&ro);
    ro.max_bytes = 1000;
    s = lr_video_read(ctx, mp4, &ro, &D, &info);
    CHECK(s == LR_ERR_ARG && strstr(lr_ctx_errmsg(ctx), "--scale"), "byte limit: %s",
          lr_ctx_errmsg(ctx));
    CHECK(D.data == NULL, "no output");
}

/* lr_video_reader_read_all: the whole range into one matrix, the same
 * bits and info as lr_video_read, the frames where the reference puts them;
 * only on a fresh reader; the byte limit is checked as lr_video_read does. */
static void test_reader_read_all(lr_ctx *ctx)
{
    const char *mp4 = path_in("clip.mp4");
    lr_video_read_opts ro;
    lr_video_read_opts_default(&ro);
    for (int k = 0; k < 2; k++) {
        ro.first = k ? 5 : 0, ro.end = k ? 15 : -1;
        const int64_t want = k ? 10 : NF;
        lr_mat A = {0}, B = {0};
        lr_video_info ia, ib, io;
        CHECK_OK(ctx, lr_video_read(ctx, mp4, &ro, &A, &ia));
        lr_video_reader *r = NULL;
        CHECK_OK(ctx, lr_video_reader_open(ctx, mp4, &ro, &r, &io));
        if (!r) continue;
        CHECK(io.frames == want && io.width == W && io.height == H,
              "open: %lld frames of %dx%d expected", (long long)io.frames, io.width, io.height);
        CHECK_OK(ctx, lr_video_reader_read_all(ctx, r, &B));
        ib = *lr_video_reader_info(r);
        CHECK(B.rows == A.rows && B.cols == want && A.cols == want && B.ld == B.rows &&
                  !memcmp(A.data, B.data, (size_t)(A.rows * A.cols) * 4),
              "read_all (range %d): %lld frames, not the bits of lr_video_read", k,
              (long long)B.cols);
        CHECK(ib.frames == ia.frames && ib.first == ia.first && ib.clip_frames == ia.clip_frames,
              "info: %lld/%lld frames, clip %lld/%lld", (long long)ib.frames,
              (long long)ia.frames, (long long)ib.clip_frames, (long long)ia.clip_frames);
        if (B.cols == want)
            CHECK(col_err(&B, 0, ro.first) < 0.03 && col_err(&B, want - 1, ro.first + want - 1) < 0.03,
                  "read_all content");
        lr_mat C = {0};
        CHECK(lr_video_reader_read_all(ctx, r, &C) == LR_ERR_ARG && !C.data,
              "a second read_all is refused: %s", lr_ctx_errmsg(ctx));
        lr_video_reader_close(ctx, r);
        lr_mat_free(ctx, &A), lr_mat_free(ctx, &B);
    }
    /* after an incremental read: refused */
    lr_video_read_opts_default(&ro);
    lr_video_reader *r = NULL;
    CHECK_OK(ctx, lr_video_reader_open(ctx, mp4, &ro, &r, NULL));
    if (r) {
        lr_mat blk = {0}, D = {0};
        int64_t got = 0;
        CHECK_OK(ctx, lr_mat_alloc(ctx, LR_F32, (int64_t)W * H, 3, &blk));
        CHECK_OK(ctx, lr_video_reader_read(ctx, r, &blk, &got));
        CHECK(got == 3, "3 frames read (%lld)", (long long)got);
        CHECK(lr_video_reader_read_all(ctx, r, &D) == LR_ERR_ARG && !D.data &&
                  strstr(lr_ctx_errmsg(ctx), "already read"),
              "read_all after read: %s", lr_ctx_errmsg(ctx));
        lr_mat_free(ctx, &blk);
        lr_video_reader_close(ctx, r), r = NULL;
    }
    /* the byte limit, as lr_video_read */
    ro.max_bytes = 1000;
    CHECK_OK(ctx, lr_video_reader_open(ctx, mp4, &ro, &r, NULL));
    if (r) {
        lr_mat D = {0};
        CHECK(lr_video_reader_read_all(ctx, r, &D) == LR_ERR_ARG &&
                  strstr(lr_ctx_errmsg(ctx), "--scale") && !D.data,
              "byte limit through read_all: %s", lr_ctx_errmsg(ctx));
        lr_video_reader_close(ctx, r);
    }
}

/* An MP4 with a video stream and no frames, made with libavformat. */
static void write_empty_mp4(const char *path)
{
    AVFormatContext *oc = NULL;
    avformat_alloc_output_context2(&oc, NULL, "mp4", path);
    AVStream *st = avformat_new_stream(oc, NULL);
    st->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
    st->codecpar->codec_id = AV_CODEC_ID_MPEG4;
    st->codecpar->width = 64;
    st->codecpar->height = 48;
    st->time_base = (AVRational){1, 25};
    if (avio_open(&oc->pb, path, AVIO_FLAG_WRITE) < 0) abort();
    if (avformat_write_header(oc, NULL) < 0) abort();
    av_write_trailer(oc);
    avio_closep(&oc->pb);
    avformat_free_context(oc);
}

static void test_bad_input(lr_ctx *ctx)
{
    const char *txt = path_in("notes.txt");
    const char *s = "This is a text file, not a video.\nSecond line.\n";
    write_bytes(txt, s, strlen(s));
    expect_fail(ctx, txt, LR_ERR_FORMAT, NULL, "text file");

    const char *fake = path_in("fake.mp4");
    write_bytes(fake, s, strlen(s));
    expect_fail(ctx, fake, LR_ERR_FORMAT, NULL, "text named .mp4");

    const char *empty = path_in("empty.mp4");
    write_bytes(empty, "", 0);
    expect_fail(ctx, empty, LR_ERR_FORMAT, "empty", "empty file");

    expect_fail(ctx, path_in("missing.mp4"), LR_ERR_IO, NULL, "missing file");
    expect_fail(ctx, tmp, LR_ERR_IO, "folder", "a folder");

    /* Truncated: the first 3/4 of the clip (index first: the data is cut). */
    const char *mp4 = path_in("clip.mp4"), *half = path_in("half.mp4");
    FILE *f = fopen(mp4, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(n);
    if (fread(buf, 1, n, f) != (size_t)n) abort();
    fclose(f);
    write_bytes(half, buf, n * 3 / 4);
    expect_fail(ctx, half, LR_ERR_FORMAT, "truncated", "truncated mp4");
    /* ... but a range within the readable part is fine (the message says so). */
    lr_video_read_opts ro;
    lr_video_read_opts_default(&ro);
    ro.end = 3;
    lr_mat D = {0};
    lr_video_info info;
    CHECK_OK(ctx, lr_video_read(ctx, half, &ro, &D, &info));
    CHECK(D.cols == 3, "first frames of a truncated file");
    lr_mat_free(ctx, &D);
    /* The tail only (no header at all). */
    const char *tail = path_in("tail.mp4");
    write_bytes(tail, buf + n / 2, n - n / 2);
    expect_fail(ctx, tail, LR_ERR_FORMAT, NULL, "tail of an mp4");
    free(buf);

    /* Audio only: a WAV file of silence, written by hand. */
    const char *wav = path_in("silence.wav");
    unsigned char hdr[44 + 8000];
    memset(hdr, 0, sizeof hdr);
    uint32_t datasz = 8000, riffsz = 36 + datasz, fmtsz = 16, rate = 8000, brate = 16000;
    uint16_t pcm = 1, ch = 1, align = 2, bits = 16;
    memcpy(hdr, "RIFF", 4), memcpy(hdr + 4, &riffsz, 4), memcpy(hdr + 8, "WAVEfmt ", 8);
    memcpy(hdr + 16, &fmtsz, 4), memcpy(hdr + 20, &pcm, 2), memcpy(hdr + 22, &ch, 2);
    memcpy(hdr + 24, &rate, 4), memcpy(hdr + 28, &brate, 4), memcpy(hdr + 32, &align, 2);
    memcpy(hdr + 34, &bits, 2), memcpy(hdr + 36, "data", 4), memcpy(hdr + 40, &datasz, 4);
    write_bytes(wav, hdr, sizeof hdr);
    expect_fail(ctx, wav, LR_ERR_FORMAT, "no video stream", "audio only");

    /* A video stream with zero frames. */
    const char *zero = path_in("zero.mp4");
    write_empty_mp4(zero);
    expect_fail(ctx, zero, LR_ERR_FORMAT, NULL, "zero frames");
}

static int read_png_gray(const char *path, int *w, int *h, unsigned char **px)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path)) return 0;
    im.format = PNG_FORMAT_GRAY;
    *w = im.width, *h = im.height;
    *px = malloc(PNG_IMAGE_SIZE(im));
    return png_image_finish_read(&im, NULL, *px, 0, NULL);
}

static void write_png_gray(const char *path, int w, int h, const unsigned char *px)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = w, im.height = h, im.format = PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&im, path, 0, px, 0, NULL)) abort();
}

static void test_png_frames_and_odd_sizes(lr_ctx *ctx)
{
    lr_mat M = make_clip(ctx, LR_F64);
    lr_mat five = lr_mat_block(&M, 0, 0, M.rows, 5);
    lr_video_write_opts wo;
    lr_video_write_opts_default(&wo);
    wo.format = LR_VIDEO_PNG_FRAMES;
    wo.first_number = 11;
    const char *dir = path_in("frames");
    CHECK_OK(ctx, lr_video_write(ctx, dir, &five, W, H, &wo));
    CHECK(no_temp_files(tmp), "no temporary folder left");
    char p[600];
    for (int k = 0; k < 5; k++) {
        snprintf(p, sizeof p, "%s/frame-%06d.png", dir, 11 + k);
        CHECK(tu_file_exists(p), "%s exists", p);
    }
    snprintf(p, sizeof p, "%s/frame-000012.png", dir);
    int w = 0, h = 0;
    unsigned char *px = NULL;
    CHECK(read_png_gray(p, &w, &h, &px) && w == W && h == H, "png frame readable, %dx%d", w, h);
    if (px && w == W && h == H) {
        int bad = 0;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                bad += abs(px[y * W + x] - (int)lround(clip_px(1, y, x) * 255)) > 0;
        CHECK(bad == 0, "png frame is the 8-bit frame exactly (%d pixels differ)", bad);
    }
    free(px);
    /* Written again: the folder is replaced. */
    CHECK_OK(ctx, lr_video_write(ctx, dir, &five, W, H, &wo));

    /* The folder reads back as an image sequence (FFmpeg's image2 pattern). */
    char pat[600];
    snprintf(pat, sizeof pat, "%s/frame-%%06d.png", dir);
    lr_mat D = {0};
    lr_video_info info;
    CHECK_OK(ctx, lr_video_read(ctx, pat, NULL, &D, &info));
    CHECK(D.cols == 5 && info.width == W, "image sequence: %lld frames", (long long)D.cols);
    if (D.cols == 5) {
        double e = 0;
        for (int x = 0; x < W; x++)
            for (int y = 0; y < H; y++)
                e = fmax(e, fabs(lr_mat_get(&D, y + (int64_t)x * H, 4) - clip_px(4, y, x)));
        CHECK(e <= 0.5 / 255 + 1e-6, "lossless grey frames: max error %g", e);
    }
    lr_mat_free(ctx, &D);

    /* Odd sizes: padded to even by repeating the last row/column. */
    lr_mat O;
    int ow = 33, oh = 25;
    lr_mat_alloc(ctx, LR_F32, ow * oh, 4, &O);
    for (int f = 0; f < 4; f++)
        for (int x = 0; x < ow; x++)
            for (int y = 0; y < oh; y++) lr_mat_set(&O, y + x * oh, f, x == ow - 1 ? 0.9 : 0.3);
    const char *odd = path_in("odd.mp4");
    wo.format = LR_VIDEO_MP4;
    CHECK_OK(ctx, lr_video_write(ctx, odd, &O, ow, oh, &wo));
    CHECK_OK(ctx, lr_video_read(ctx, odd, NULL, &D, &info));
    CHECK(info.width == 34 && info.height == 26 && D.cols == 4, "odd padded to %dx%d",
          info.width, info.height);
    if (D.cols == 4 && info.width == 34)
        CHECK(fabs(lr_mat_get(&D, 10 + 33 * 26, 2) - 0.9) < 0.05 &&
              fabs(lr_mat_get(&D, 25 + 5 * 26, 2) - 0.3) < 0.05, "padding repeats the edge");
    lr_mat_free(ctx, &D);
    lr_mat_free(ctx, &O);

    /* Other encoders: MPEG-4 Part 2 by name; an unknown name falls back to H.264. */
    lr_video_write_opts_default(&wo);
    wo.encoder = "mpeg4";
    lr_video_writer *wr = NULL;
    CHECK_OK(ctx, lr_video_writer_open(ctx, path_in("m4.mp4"), W, H, &wo, &wr));
    if (wr) {
        CHECK(!strcmp(lr_video_writer_encoder(wr), "mpeg4"), "mpeg4 encoder: %s",
              lr_video_writer_encoder(wr));
        CHECK_OK(ctx, lr_video_writer_add(ctx, wr, &M));
        CHECK(lr_video_writer_frames(wr) == NF, "frames counted");
        CHECK_OK(ctx, lr_video_writer_close(ctx, wr));
        CHECK_OK(ctx, lr_video_read(ctx, path_in("m4.mp4"), NULL, &D, &info));
        CHECK(D.cols == NF && !strcmp(info.codec, "mpeg4"), "mpeg4 read back: %lld %s",
              (long long)D.cols, info.codec);
        if (D.cols == NF) CHECK(col_err(&D, 12, 12) < 0.03, "mpeg4 values %g", col_err(&D, 12, 12));
        lr_mat_free(ctx, &D);
    }
    wo.encoder = "no-such-encoder";
    CHECK_OK(ctx, lr_video_writer_open(ctx, path_in("fb.mp4"), W, H, &wo, &wr));
    if (wr) {
        CHECK(!strcmp(lr_video_writer_encoder(wr), "libx264"), "fallback: %s",
              lr_video_writer_encoder(wr));
        lr_video_writer_abort(wr);
    }

    /* Writer refusals. */
    lr_video_write_opts_default(&wo);
    CHECK(lr_video_writer_open(ctx, path_in("nofolder/x.mp4"), W, H, &wo, &wr) == LR_ERR_IO,
          "missing folder: %s", lr_ctx_errmsg(ctx));
    CHECK(lr_video_writer_open(ctx, path_in("x.mp4"), 0, H, &wo, &wr) == LR_ERR_ARG, "size 0");
    CHECK_OK(ctx, lr_video_writer_open(ctx, path_in("empty-out.mp4"), W, H, &wo, &wr));
    CHECK(lr_video_writer_close(ctx, wr) == LR_ERR_FORMAT, "no frames: %s", lr_ctx_errmsg(ctx));
    CHECK(!tu_file_exists(path_in("empty-out.mp4")), "nothing written");
    CHECK_OK(ctx, lr_video_writer_open(ctx, path_in("aborted.mp4"), W, H, &wo, &wr));
    lr_mat c0 = lr_mat_block(&M, 0, 0, M.rows, 2);
    CHECK_OK(ctx, lr_video_writer_add(ctx, wr, &c0));
    CHECK(!strcmp(lr_video_writer_encoder(wr), "libx264"), "encoder %s",
          lr_video_writer_encoder(wr));
    lr_video_writer_abort(wr);
    CHECK(!tu_file_exists(path_in("aborted.mp4")) && no_temp_files(tmp), "abort leaves nothing");
    lr_mat_free(ctx, &M);
}

static void test_truth(lr_ctx *ctx)
{
    const char *dir = path_in("gt");
    mkdir(dir, 0755);
    const int tw = 8, th = 6;
    unsigned char px[48];
    const unsigned char vals[] = {0, 50, 85, 170, 255, 7};
    for (int f = 1; f <= 4; f++) {
        for (int i = 0; i < tw * th; i++) px[i] = vals[(i + f) % 6];
        char p[600];
        snprintf(p, sizeof p, "%s/gt%06d.png", dir, f);
        write_png_gray(p, tw, th, px);
    }
    lr_truth t;
    /* Frames 1..2 (files gt000002, gt000003). */
    CHECK_OK(ctx, lr_truth_read(ctx, dir, 1, 2, tw, th, 0, 0, &t));
    CHECK(t.frames == 2 && t.first == 1 && t.width == tw, "truth shape");
    if (t.label) {
        int bad = 0;
        for (int j = 0; j < 2; j++)
            for (int y = 0; y < th; y++)
                for (int x = 0; x < tw; x++) {
                    unsigned char v = vals[(y * tw + x + j + 2) % 6];
                    bad += t.label[j * tw * th + y + x * th] != v;
                }
        CHECK(bad == 0, "labels and layout (%d wrong)", bad);
    }
    lr_truth_free(ctx, &t);
    /* Source-size masks are resampled to a scaled video. */
    CHECK_OK(ctx, lr_truth_read(ctx, dir, 0, 4, 4, 3, tw, th, &t));
    CHECK(t.width == 4 && t.height == 3, "resampled truth");
    lr_truth_free(ctx, &t);
    /* Missing frame, size mismatch, missing folder. */
    lr_status s = lr_truth_read(ctx, dir, 2, 3, tw, th, 0, 0, &t);
    CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "gt000005.png"), "missing: %s",
          lr_ctx_errmsg(ctx));
    CHECK(t.label == NULL, "nothing returned");
    s = lr_truth_read(ctx, dir, 0, 2, 10, 10, 0, 0, &t);
    CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "8x6"), "size: %s",
          lr_ctx_errmsg(ctx));
    s = lr_truth_read(ctx, path_in("nogt"), 0, 2, tw, th, 0, 0, &t);
    CHECK(s == LR_ERR_IO, "no folder: %s", lr_ctx_errmsg(ctx));
}

int main(void)
{
    tmp = tu_tmpdir();
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 2);
    test_round_trip(ctx);
    test_ranges_and_sizes(ctx);
    test_reader_read_all(ctx);
    test_bad_input(ctx);
    test_png_frames_and_odd_sizes(ctx);
    test_truth(ctx);
    lr_ctx_destroy(ctx);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp);
    return tu_done("test_video");
}
