/* video_write.c -- the pixels x frames matrix out to H.264/MP4 (libx264
 * through libavcodec) or to a folder of numbered grey PNGs (video.h).
 *
 * Both go through a temporary name in the target folder and appear under
 * their real name only when complete: the MP4 through lr_outfile (FFmpeg
 * writes the temporary path itself), the PNG folder as a hidden temporary
 * folder renamed at the end. */
#include "video_internal.h"
#include <dirent.h>
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void lr_video_write_opts_default(lr_video_write_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = LR_VIDEO_MP4;
    o->fps = 25.0;
    o->crf = 20;
    o->preset = "veryfast";
    o->encoder = NULL;
    o->first_number = 1;
}

const char *lr_video_write_opts_check(const lr_video_write_opts *o)
{
    if (!o) return "video write options are NULL";
    if (o->format != LR_VIDEO_MP4 && o->format != LR_VIDEO_PNG_FRAMES)
        return "the video format must be MP4 or PNG frames";
    if (!(o->fps > 0 && o->fps <= 1000)) return "the frame rate must be in (0, 1000]";
    if (o->crf < 0 || o->crf > 51) return "the CRF must be between 0 and 51";
    if (o->first_number < 0) return "the first frame number must be >= 0";
    return NULL;
}

struct lr_video_writer {
    lr_ctx *ctx;
    lr_video_format format;
    int w, h;                 /* frame size given by the caller */
    int64_t frames;
    char encoder[32];
    char *path;
    uint8_t *y8;              /* one frame as 8-bit grey, row-major w x h */
    /* MP4 */
    lr_av_session av;
    int av_on;
    lr_outfile *of;
    AVFormatContext *oc;
    AVCodecContext *enc;
    AVStream *st;
    AVFrame *frame;
    AVPacket *pkt;
    int ew, eh;               /* even encoded size */
    /* PNG frames */
    char *tmpdir;
    int64_t first_number;
    int64_t expected;
    const char *base;         /* file name part of path, for progress */
};

/* ---- helpers ------------------------------------------------------------- */
static char *dupstr(lr_ctx *ctx, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = lr__malloc(ctx, n, "a file name");
    if (p) memcpy(p, s, n);
    return p;
}

/* frame column (any dtype, column-major H x W) -> row-major 8-bit grey. */
static void to_u8_rowmajor(const lr_mat *F, int64_t j, int w, int h, uint8_t *y8)
{
    const int64_t H = h;
    if (F->dtype == LR_F32) {
        const float *c = (const float *)F->data + j * F->ld;
        for (int x = 0; x < w; x++)
            for (int y = 0; y < h; y++) {
                float v = c[y + x * H];
                v = v > 0 ? (v < 1 ? v : 1) : 0; /* also NaN -> 0 */
                y8[(size_t)y * w + x] = (uint8_t)(v * 255.0f + 0.5f);
            }
    } else {
        const double *c = (const double *)F->data + j * F->ld;
        for (int x = 0; x < w; x++)
            for (int y = 0; y < h; y++) {
                double v = c[y + x * H];
                v = v > 0 ? (v < 1 ? v : 1) : 0;
                y8[(size_t)y * w + x] = (uint8_t)(v * 255.0 + 0.5);
            }
    }
}

/* ---- MP4 ----------------------------------------------------------------- */
static const AVCodec *pick_encoder(lr_ctx *ctx, const char *want, const char *path)
{
    const char *name = want ? want : "libx264";
    const AVCodec *c = avcodec_find_encoder_by_name(name);
    if (c && c->type == AVMEDIA_TYPE_VIDEO) return c;
    c = avcodec_find_encoder(AV_CODEC_ID_H264);
    if (c) {
        lr__log(ctx, 0, "'%s': encoder %s is not available in this FFmpeg build; using %s",
                path, name, c->name);
        return c;
    }
    c = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    if (c)
        lr__log(ctx, 0, "'%s': no H.264 encoder in this FFmpeg build; writing MPEG-4 Part 2 "
                "video instead (larger files, same container)", path);
    return c;
}

static lr_status mp4_write_packets(lr_video_writer *w, int flushing)
{
    char eb[128], said[300];
    for (;;) {
        int ret = avcodec_receive_packet(w->enc, w->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return LR_OK;
        if (ret < 0)
            return lr__err(w->ctx, LR_ERR_IO, "encoding video '%s' failed (%s)%s", w->path,
                           lr__av_strerror(ret, eb, sizeof eb),
                           lr__av_said(&w->av, said, sizeof said));
        av_packet_rescale_ts(w->pkt, w->enc->time_base, w->st->time_base);
        w->pkt->stream_index = w->st->index;
        ret = av_interleaved_write_frame(w->oc, w->pkt);
        if (ret < 0)
            return lr__err(w->ctx, LR_ERR_IO, "writing video '%s' failed (%s)%s", w->path,
                           lr__av_strerror(ret, eb, sizeof eb),
                           lr__av_said(&w->av, said, sizeof said));
    }
    (void)flushing;
}

static lr_status mp4_open(lr_video_writer *w, const lr_video_write_opts *o)
{
    lr_ctx *ctx = w->ctx;
    char eb[128], said[300];
    int ret;
    lr_status s = lr_outfile_open(ctx, w->path, &w->of);
    if (s) return s;
    const char *tmp = lr_outfile_tmppath(w->of);
    size_t ul = strlen(tmp) + 6;
    char *url = lr__malloc(ctx, ul, "a file name");
    if (!url) return LR_ERR_NOMEM;
    snprintf(url, ul, "file:%s", tmp);

    ret = avformat_alloc_output_context2(&w->oc, NULL, "mp4", url);
    if (ret < 0 || !w->oc) {
        lr__free(ctx, url);
        return lr__err(ctx, LR_ERR_FORMAT, "writing video '%s': FFmpeg has no MP4 muxer (%s)",
                       w->path, lr__av_strerror(ret, eb, sizeof eb));
    }
    w->oc->opaque = &w->av;
    const AVCodec *codec = pick_encoder(ctx, o->encoder, w->path);
    if (!codec) {
        lr__free(ctx, url);
        return lr__err(ctx, LR_ERR_FORMAT, "writing video '%s': this FFmpeg build has neither "
                       "an H.264 nor an MPEG-4 encoder; use PNG frames instead", w->path);
    }
    snprintf(w->encoder, sizeof w->encoder, "%s", codec->name);
    w->st = avformat_new_stream(w->oc, NULL);
    w->enc = avcodec_alloc_context3(codec);
    w->frame = av_frame_alloc();
    w->pkt = av_packet_alloc();
    if (!w->st || !w->enc || !w->frame || !w->pkt) {
        lr__free(ctx, url);
        return lr__err(ctx, LR_ERR_NOMEM, "out of memory writing video '%s'", w->path);
    }
    AVRational fr = av_d2q(o->fps, 100000);
    w->enc->opaque = &w->av;
    w->enc->codec_id = codec->id;
    w->enc->width = w->ew;
    w->enc->height = w->eh;
    w->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    w->enc->color_range = AVCOL_RANGE_MPEG;
    w->enc->time_base = av_inv_q(fr);
    w->enc->framerate = fr;
    w->enc->gop_size = 250;
    w->enc->thread_count = LR_MIN(lr__threads(ctx), 16);
    if (w->oc->oformat->flags & AVFMT_GLOBALHEADER)
        w->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary *eopts = NULL;
    if (!strcmp(codec->name, "libx264")) {
        char crf[16];
        snprintf(crf, sizeof crf, "%d", o->crf);
        av_dict_set(&eopts, "crf", crf, 0);
        av_dict_set(&eopts, "preset", o->preset ? o->preset : "veryfast", 0);
    } else if (codec->id == AV_CODEC_ID_MPEG4) {
        w->enc->flags |= AV_CODEC_FLAG_QSCALE;
        w->enc->global_quality = FF_QP2LAMBDA * 3;
        w->enc->max_b_frames = 0;
    } else {
        w->enc->bit_rate = (int64_t)w->ew * w->eh * 4 * o->fps / 10; /* ~0.4 bit/pixel */
    }
    ret = avcodec_open2(w->enc, codec, &eopts);
    av_dict_free(&eopts);
    if (ret < 0) {
        lr__free(ctx, url);
        return lr__err(ctx, LR_ERR_FORMAT, "writing video '%s': the %s encoder refused "
                       "%dx%d at %g fps (%s)%s", w->path, codec->name, w->ew, w->eh, o->fps,
                       lr__av_strerror(ret, eb, sizeof eb), lr__av_said(&w->av, said, sizeof said));
    }
    avcodec_parameters_from_context(w->st->codecpar, w->enc);
    w->st->time_base = w->enc->time_base;
    w->st->avg_frame_rate = fr;
    ret = avio_open(&w->oc->pb, url, AVIO_FLAG_WRITE);
    lr__free(ctx, url);
    if (ret < 0)
        return lr__err(ctx, LR_ERR_IO, "cannot write video '%s' (%s)", w->path,
                       lr__av_strerror(ret, eb, sizeof eb));
    AVDictionary *mopts = NULL;
    av_dict_set(&mopts, "movflags", "+faststart", 0);
    ret = avformat_write_header(w->oc, &mopts);
    av_dict_free(&mopts);
    if (ret < 0)
        return lr__err(ctx, LR_ERR_IO, "writing video '%s' failed at its header (%s)%s",
                       w->path, lr__av_strerror(ret, eb, sizeof eb),
                       lr__av_said(&w->av, said, sizeof said));
    w->frame->format = AV_PIX_FMT_YUV420P;
    w->frame->width = w->ew;
    w->frame->height = w->eh;
    w->frame->color_range = AVCOL_RANGE_MPEG;
    if ((ret = av_frame_get_buffer(w->frame, 0)) < 0)
        return lr__err(ctx, LR_ERR_NOMEM, "out of memory writing video '%s'", w->path);
    return LR_OK;
}

/* y8: row-major w x h 8-bit grey (full range) */
static lr_status mp4_add(lr_video_writer *w, const uint8_t *y8)
{
    char eb[128], said[300];
    int ret = av_frame_make_writable(w->frame);
    if (ret < 0) return lr__err(w->ctx, LR_ERR_NOMEM, "out of memory writing video '%s'", w->path);
    /* Full-range grey -> limited-range luma: Y = 16 + 219 v / 255. */
    uint8_t lut[256];
    for (int i = 0; i < 256; i++) lut[i] = (uint8_t)((16 * 255 + 219 * i + 127) / 255);
    AVFrame *f = w->frame;
    for (int y = 0; y < w->eh; y++) {
        const uint8_t *src = y8 + (size_t)LR_MIN(y, w->h - 1) * w->w;
        uint8_t *dst = f->data[0] + (size_t)y * f->linesize[0];
        for (int x = 0; x < w->w; x++) dst[x] = lut[src[x]];
        if (w->ew > w->w) dst[w->w] = dst[w->w - 1]; /* pad an odd width */
    }
    for (int p = 1; p <= 2; p++)
        for (int y = 0; y < w->eh / 2; y++)
            memset(f->data[p] + (size_t)y * f->linesize[p], 128, w->ew / 2);
    f->pts = w->frames;
    ret = avcodec_send_frame(w->enc, f);
    if (ret < 0)
        return lr__err(w->ctx, LR_ERR_IO, "encoding video '%s' failed (%s)%s", w->path,
                       lr__av_strerror(ret, eb, sizeof eb), lr__av_said(&w->av, said, sizeof said));
    return mp4_write_packets(w, 0);
}

static lr_status mp4_finish(lr_video_writer *w)
{
    char eb[128], said[300];
    int ret = avcodec_send_frame(w->enc, NULL);
    lr_status s = ret < 0 ? lr__err(w->ctx, LR_ERR_IO, "finishing video '%s' failed (%s)",
                                    w->path, lr__av_strerror(ret, eb, sizeof eb))
                          : mp4_write_packets(w, 1);
    if (s) return s;
    if ((ret = av_write_trailer(w->oc)) < 0)
        return lr__err(w->ctx, LR_ERR_IO, "finishing video '%s' failed (%s)%s", w->path,
                       lr__av_strerror(ret, eb, sizeof eb), lr__av_said(&w->av, said, sizeof said));
    if ((ret = avio_closep(&w->oc->pb)) < 0)
        return lr__err(w->ctx, LR_ERR_IO, "closing video '%s' failed (%s)", w->path,
                       lr__av_strerror(ret, eb, sizeof eb));
    return LR_OK;
}

static void mp4_free(lr_video_writer *w)
{
    if (w->oc) {
        if (w->oc->pb) avio_closep(&w->oc->pb);
        avformat_free_context(w->oc);
        w->oc = NULL;
    }
    avcodec_free_context(&w->enc);
    av_frame_free(&w->frame);
    av_packet_free(&w->pkt);
}

/* ---- PNG frames ---------------------------------------------------------- */
typedef struct png_err {
    char msg[200];
} png_err;

static void png_error_fn(png_structp png, png_const_charp m)
{
    png_err *e = png_get_error_ptr(png);
    snprintf(e->msg, sizeof e->msg, "%s", m);
    png_longjmp(png, 1);
}

static void png_warn_fn(png_structp png, png_const_charp m) { (void)png, (void)m; }

static lr_status png_write_gray(lr_ctx *ctx, const char *path, const uint8_t *rows, int w, int h)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) return lr__err(ctx, LR_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    png_err e = {""};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, png_error_fn, png_warn_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        fclose(fp);
        return lr__err(ctx, LR_ERR_NOMEM, "out of memory writing '%s'", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(fp);
        return lr__err(ctx, LR_ERR_IO, "writing '%s' failed: %s", path, e.msg);
    }
    png_init_io(png, fp);
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) png_write_row(png, (png_const_bytep)(rows + (size_t)y * w));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    if (fclose(fp) != 0)
        return lr__err(ctx, LR_ERR_IO, "writing '%s' failed: %s", path, strerror(errno));
    return LR_OK;
}

static lr_status frames_open(lr_video_writer *w)
{
    lr_ctx *ctx = w->ctx;
    size_t n = strlen(w->path);
    while (n > 1 && w->path[n - 1] == '/') w->path[--n] = 0;
    const char *slash = strrchr(w->path, '/');
    const char *base = slash ? slash + 1 : w->path;
    size_t tl = n + 32;
    w->tmpdir = lr__malloc(ctx, tl, "a folder name");
    if (!w->tmpdir) return LR_ERR_NOMEM;
    snprintf(w->tmpdir, tl, "%.*s.%s.tmp-XXXXXX", (int)(base - w->path), w->path, base);
    if (!mkdtemp(w->tmpdir)) {
        int e = errno;
        lr__free(ctx, w->tmpdir), w->tmpdir = NULL;
        return lr__err(ctx, LR_ERR_IO, "cannot create frames folder next to '%s' (%s); check "
                       "that its parent folder exists and is writable", w->path, strerror(e));
    }
    chmod(w->tmpdir, 0755);
    snprintf(w->encoder, sizeof w->encoder, "png");
    return LR_OK;
}

static lr_status frames_add(lr_video_writer *w, const uint8_t *y8)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/frame-%06lld.png", w->tmpdir,
             (long long)(w->first_number + w->frames));
    return png_write_gray(w->ctx, p, y8, w->w, w->h);
}

static int is_frame_name(const char *s)
{
    size_t n = strlen(s);
    return n > 10 && !strncmp(s, "frame-", 6) && !strcmp(s + n - 4, ".png");
}

/* Removes a folder of frame-*.png files (only those); 0 on success. */
static int remove_frames_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    char p[4200];
    int other = 0;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (!is_frame_name(e->d_name)) {
            other = 1;
            continue;
        }
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    if (other) return -1;
    return rmdir(dir);
}

static int dir_has_only_frames(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int ok = 1;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !is_frame_name(e->d_name))
            ok = 0;
    closedir(d);
    return ok;
}

static lr_status frames_finish(lr_video_writer *w)
{
    lr_ctx *ctx = w->ctx;
    struct stat st;
    if (lstat(w->path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return lr__err(ctx, LR_ERR_IO, "cannot write frames folder '%s': a file of that "
                           "name exists", w->path);
        if (!dir_has_only_frames(w->path))
            return lr__err(ctx, LR_ERR_IO, "cannot replace folder '%s': it holds files other "
                           "than frame-*.png; move them or choose another output", w->path);
        /* Move the old folder aside, put the new one in place, drop the old. */
        char old[4200];
        snprintf(old, sizeof old, "%s.old-%ld", w->tmpdir, (long)getpid());
        if (rename(w->path, old) != 0)
            return lr__err(ctx, LR_ERR_IO, "cannot replace folder '%s': %s", w->path,
                           strerror(errno));
        if (rename(w->tmpdir, w->path) != 0) {
            int e = errno;
            rename(old, w->path);
            return lr__err(ctx, LR_ERR_IO, "cannot rename frames folder into '%s': %s",
                           w->path, strerror(e));
        }
        remove_frames_dir(old);
    } else if (rename(w->tmpdir, w->path) != 0) {
        return lr__err(ctx, LR_ERR_IO, "cannot rename frames folder into '%s': %s", w->path,
                       strerror(errno));
    }
    lr__free(ctx, w->tmpdir);
    w->tmpdir = NULL;
    return LR_OK;
}

/* ---- public -------------------------------------------------------------- */
static void writer_free(lr_video_writer *w)
{
    lr_ctx *ctx = w->ctx;
    mp4_free(w);
    if (w->of) lr_outfile_abort(w->of);
    if (w->tmpdir) {
        remove_frames_dir(w->tmpdir);
        lr__free(ctx, w->tmpdir);
    }
    if (w->av_on) lr__av_end(&w->av);
    lr__free(ctx, w->y8);
    lr__free(ctx, w->path);
    lr__free(ctx, w);
}

lr_status lr_video_writer_open(lr_ctx *ctx, const char *path, int width, int height,
                               const lr_video_write_opts *o_in, lr_video_writer **out)
{
    if (!out) return lr__err(ctx, LR_ERR_ARG, "lr_video_writer_open: out is NULL");
    *out = NULL;
    lr_video_write_opts o;
    if (o_in) o = *o_in;
    else lr_video_write_opts_default(&o);
    if (!path || !*path) return lr__err(ctx, LR_ERR_ARG, "writing video: the path is empty");
    const char *why = lr_video_write_opts_check(&o);
    if (why) return lr__err(ctx, LR_ERR_ARG, "writing video '%s': %s", path, why);
    if (width < 1 || height < 1 || width > 16384 || height > 16384)
        return lr__err(ctx, LR_ERR_ARG, "writing video '%s': frame size %dx%d is not in "
                       "1..16384 a side", path, width, height);
    if (o.format == LR_VIDEO_MP4 && (width < 2 || height < 2))
        return lr__err(ctx, LR_ERR_ARG, "writing video '%s': H.264 needs frames of at least "
                       "2x2 pixels, got %dx%d", path, width, height);
    lr_video_writer *w = lr__calloc(ctx, 1, sizeof *w, "a video writer");
    if (!w) return LR_ERR_NOMEM;
    w->ctx = ctx;
    w->format = o.format;
    w->w = width, w->h = height;
    w->ew = (width + 1) & ~1, w->eh = (height + 1) & ~1;
    w->first_number = o.first_number;
    w->expected = o.expected_frames;
    w->path = dupstr(ctx, path);
    w->y8 = lr__malloc(ctx, (size_t)width * height, "a video frame");
    if (!w->path || !w->y8) {
        writer_free(w);
        return LR_ERR_NOMEM;
    }
    w->base = strrchr(w->path, '/') ? strrchr(w->path, '/') + 1 : w->path;
    lr_status s;
    if (o.format == LR_VIDEO_MP4) {
        lr__av_begin(&w->av);
        w->av_on = 1;
        s = mp4_open(w, &o);
    } else {
        s = frames_open(w);
    }
    if (s) {
        writer_free(w);
        return s;
    }
    *out = w;
    return LR_OK;
}

static lr_status add_y8(lr_video_writer *w)
{
    lr_status s = w->format == LR_VIDEO_MP4 ? mp4_add(w, w->y8) : frames_add(w, w->y8);
    if (s) return s;
    w->frames++;
    if (w->expected > 0)
        s = lr__progress(w->ctx, "encode", LR_MIN(1.0, (double)w->frames / w->expected),
                         "%s frame %lld/%lld", w->base, (long long)w->frames,
                         (long long)w->expected);
    return s;
}

lr_status lr_video_writer_add(lr_ctx *ctx, lr_video_writer *w, const lr_mat *F)
{
    if (!w || !F) return lr__err(ctx, LR_ERR_ARG, "lr_video_writer_add: NULL argument");
    lr_status s = lr_mat_check(ctx, F, "video frames");
    if (s) return s;
    if (F->rows != (int64_t)w->w * w->h)
        return lr__err(ctx, LR_ERR_ARG, "writing video '%s': frames have %lld pixels, "
                       "expected %dx%d = %lld", w->path, (long long)F->rows, w->w, w->h,
                       (long long)w->w * w->h);
    for (int64_t j = 0; j < F->cols; j++) {
        to_u8_rowmajor(F, j, w->w, w->h, w->y8);
        if ((s = add_y8(w))) return s;
    }
    return LR_OK;
}

lr_status lr_video_writer_add_u8(lr_ctx *ctx, lr_video_writer *w, const uint8_t *frame)
{
    if (!w || !frame) return lr__err(ctx, LR_ERR_ARG, "lr_video_writer_add_u8: NULL argument");
    for (int x = 0; x < w->w; x++)
        for (int y = 0; y < w->h; y++)
            w->y8[(size_t)y * w->w + x] = frame[y + (size_t)x * w->h];
    return add_y8(w);
}

lr_status lr_video_writer_close(lr_ctx *ctx, lr_video_writer *w)
{
    if (!w) return lr__err(ctx, LR_ERR_ARG, "lr_video_writer_close: NULL writer");
    lr_status s;
    if (w->frames == 0) {
        s = lr__err(ctx, LR_ERR_FORMAT, "writing video '%s': no frames were added", w->path);
    } else if (w->format == LR_VIDEO_MP4) {
        s = mp4_finish(w);
        if (!s) {
            s = lr_outfile_commit(ctx, w->of);
            w->of = NULL; /* commit freed it, also on failure */
        }
    } else {
        s = frames_finish(w);
    }
    writer_free(w);
    return s;
}

void lr_video_writer_abort(lr_video_writer *w)
{
    if (w) writer_free(w);
}

const char *lr_video_writer_encoder(const lr_video_writer *w) { return w ? w->encoder : ""; }
int64_t lr_video_writer_frames(const lr_video_writer *w) { return w ? w->frames : 0; }

lr_status lr_video_write(lr_ctx *ctx, const char *path, const lr_mat *M, int width,
                         int height, const lr_video_write_opts *o)
{
    if (!M) return lr__err(ctx, LR_ERR_ARG, "lr_video_write: M is NULL");
    lr_video_writer *w;
    lr_video_write_opts oo;
    if (o) oo = *o;
    else lr_video_write_opts_default(&oo);
    if (oo.expected_frames <= 0) oo.expected_frames = M->cols;
    lr_status s = lr_video_writer_open(ctx, path, width, height, &oo, &w);
    if (s) return s;
    s = lr_video_writer_add(ctx, w, M);
    if (s) {
        lr_video_writer_abort(w);
        return s;
    }
    return lr_video_writer_close(ctx, w);
}
