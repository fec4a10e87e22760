/* video.c -- decoding a video into the pixels x frames matrix (video.h).
 *
 * Flow: open (file or memory) -> pick the best video stream -> a demux-only
 * pass counts its packets (no decoding; stops at the range's end) -> the
 * matrix is allocated once at that size -> decode, convert each frame to
 * 16-bit grey with libswscale (scaling on the way), transpose it into its
 * column as floats in [0,1].  Why a counting pass rather than growing: frame
 * counts in headers are often wrong, and growing by copying costs up to
 * 2.5x the matrix at the moment of the copy; the count pass only reads the
 * file (milliseconds for typical clips) and keeps the peak at ~1x. */
#include "video_internal.h"
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void lr_video_read_opts_default(lr_video_read_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dtype = LR_F32;
    o->scale = 1.0;
    o->first = 0;
    o->end = -1;
    o->max_side = 16384;
}

const char *lr_video_read_opts_check(const lr_video_read_opts *o)
{
    if (!o) return "video read options are NULL";
    if (o->dtype != LR_F32 && o->dtype != LR_F64)
        return "the element type must be f32 or f64";
    if ((o->width > 0) != (o->height > 0) || o->width < 0 || o->height < 0)
        return "give both width and height (> 0), or neither";
    if (o->width <= 0 && !(o->scale > 0 && o->scale <= 16))
        return "the scale factor must be in (0, 16]";
    if (o->first < 0) return "the first frame must be >= 0";
    if (o->end != -1 && o->end <= o->first)
        return "the frame range is empty: its end must be greater than its start "
               "(or -1 for the end of the clip)";
    if (o->max_side < 1) return "max_side must be >= 1";
    if (o->width > o->max_side || o->height > o->max_side)
        return "the requested frame size is larger than max_side";
    if (o->max_bytes < 0) return "max_bytes must be >= 0";
    return NULL;
}

/* ---- input: a file or a buffer ------------------------------------------ */
typedef struct memsrc {
    const uint8_t *buf;
    size_t len, pos;
} memsrc;

static int mem_read(void *opaque, uint8_t *buf, int n)
{
    memsrc *m = opaque;
    size_t left = m->len - m->pos;
    if (!left) return AVERROR_EOF;
    size_t c = (size_t)n < left ? (size_t)n : left;
    memcpy(buf, m->buf + m->pos, c);
    m->pos += c;
    return (int)c;
}

static int64_t mem_seek(void *opaque, int64_t off, int whence)
{
    memsrc *m = opaque;
    whence &= ~AVSEEK_FORCE;
    if (whence == AVSEEK_SIZE) return (int64_t)m->len;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)m->pos
                 : whence == SEEK_END ? (int64_t)m->len : -1;
    if (base < 0) return AVERROR(EINVAL);
    int64_t p = base + off;
    if (p < 0 || p > (int64_t)m->len) return AVERROR(EINVAL);
    m->pos = (size_t)p;
    return p;
}

/* Containers that would open further files (playlists, image patterns)
 * must not do so when reading from memory. */
static int deny_open(AVFormatContext *s, AVIOContext **pb, const char *url,
                     int flags, AVDictionary **options)
{
    (void)s, (void)pb, (void)url, (void)flags, (void)options;
    return AVERROR(EPERM);
}

typedef struct input {
    const char *path;      /* NULL for memory */
    const char *name;      /* for messages */
    const uint8_t *buf;
    size_t len;
} input;

typedef struct demux {
    AVFormatContext *fmt;
    AVIOContext *avio;     /* custom I/O (memory) */
    memsrc ms;
} demux;

static void demux_close(demux *d)
{
    if (d->fmt) avformat_close_input(&d->fmt);
    if (d->avio) {
        av_freep(&d->avio->buffer);
        avio_context_free(&d->avio);
    }
}

static int is_io_error(int ret)
{
    return ret == AVERROR(ENOENT) || ret == AVERROR(EACCES) || ret == AVERROR(EIO) ||
           ret == AVERROR(EISDIR) || ret == AVERROR(EPERM) || ret == AVERROR(ENOTDIR);
}

static lr_status demux_open(lr_ctx *ctx, lr_av_session *av, const input *in,
                            demux *d, int find_info)
{
    char said[300], eb[128];
    memset(d, 0, sizeof *d);
    if (in->path) {
        struct stat st;
        if (stat(in->path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                return lr__err(ctx, LR_ERR_IO, "video '%s' is a folder; for a numbered "
                               "image sequence give a pattern such as '%s/in%%06d.jpg'",
                               in->name, in->name);
            if (S_ISREG(st.st_mode) && st.st_size == 0)
                return lr__err(ctx, LR_ERR_FORMAT, "video '%s' is an empty file", in->name);
        } else if (!strchr(in->path, '%')) {
            return lr__err(ctx, LR_ERR_IO, "cannot open video '%s': %s", in->name,
                           strerror(errno));
        }
    } else if (in->len == 0) {
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s' is empty (0 bytes)", in->name);
    }
    d->fmt = avformat_alloc_context();
    if (!d->fmt) return lr__err(ctx, LR_ERR_NOMEM, "out of memory opening video '%s'", in->name);
    d->fmt->opaque = av;
    AVDictionary *opts = NULL;
    int ret;
    if (in->path) {
        /* Plain files only: no network, no exotic protocols named in the
         * path; "file:" keeps a ':' in a file name from reading as one. */
        av_dict_set(&opts, "protocol_whitelist", "file", 0);
        /* image2 looks for the first numbered file among 0..4 by default;
         * sequences saved from a later frame start further on. */
        if (strchr(in->path, '%')) av_dict_set(&opts, "start_number_range", "100000", 0);
        size_t ul = strlen(in->path) + 6;
        char *url = lr__malloc(ctx, ul, "video file name");
        if (!url) {
            avformat_free_context(d->fmt), d->fmt = NULL;
            av_dict_free(&opts);
            return LR_ERR_NOMEM;
        }
        /* An image2 pattern ("in%06d.jpg") must stay a bare path: image2
         * checks the numbered names itself. */
        snprintf(url, ul, "%s%s", strchr(in->path, '%') ? "" : "file:", in->path);
        ret = avformat_open_input(&d->fmt, url, NULL, &opts);
        lr__free(ctx, url);
    } else {
        d->ms = (memsrc){in->buf, in->len, 0};
        uint8_t *iobuf = av_malloc(65536);
        d->avio = iobuf ? avio_alloc_context(iobuf, 65536, 0, &d->ms, mem_read, NULL, mem_seek)
                        : NULL;
        if (!d->avio) {
            av_free(iobuf);
            avformat_free_context(d->fmt), d->fmt = NULL;
            return lr__err(ctx, LR_ERR_NOMEM, "out of memory opening video '%s'", in->name);
        }
        d->fmt->pb = d->avio;
        d->fmt->io_open = deny_open;
        ret = avformat_open_input(&d->fmt, in->name, NULL, NULL);
    }
    av_dict_free(&opts);
    if (ret < 0) {
        /* avformat_open_input freed fmt. */
        d->fmt = NULL;
        lr_status s = is_io_error(ret) ? LR_ERR_IO : LR_ERR_FORMAT;
        lr__err(ctx, s, "cannot read video '%s': %s%s%s%s", in->name,
                s == LR_ERR_FORMAT ? "not a video file FFmpeg recognizes, "
                                     "or a damaged one (" : "",
                lr__av_strerror(ret, eb, sizeof eb), s == LR_ERR_FORMAT ? ")" : "",
                lr__av_said(av, said, sizeof said));
        demux_close(d);
        return s;
    }
    if (find_info && (ret = avformat_find_stream_info(d->fmt, NULL)) < 0) {
        lr__err(ctx, LR_ERR_FORMAT, "cannot read video '%s': its streams cannot be "
                "analysed (%s)%s", in->name, lr__av_strerror(ret, eb, sizeof eb),
                lr__av_said(av, said, sizeof said));
        demux_close(d);
        return LR_ERR_FORMAT;
    }
    return LR_OK;
}

/* The best video stream (not a cover picture); its decoder in *codec. */
static lr_status pick_stream(lr_ctx *ctx, const input *in, AVFormatContext *fmt,
                             const AVCodec **codec, int *idx)
{
    int i = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, codec, 0);
    if (i >= 0 && (fmt->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
        /* A cover picture is one still image, not a video. */
        int other = -1;
        for (unsigned k = 0; k < fmt->nb_streams; k++)
            if (fmt->streams[k]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
                !(fmt->streams[k]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
                other = (int)k;
                break;
            }
        i = other;
        if (i >= 0) {
            *codec = avcodec_find_decoder(fmt->streams[i]->codecpar->codec_id);
            if (!*codec) i = AVERROR_DECODER_NOT_FOUND;
        } else {
            i = AVERROR_STREAM_NOT_FOUND;
        }
    }
    if (i == AVERROR_DECODER_NOT_FOUND) {
        int k = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
        const char *cn = k >= 0 ? avcodec_get_name(fmt->streams[k]->codecpar->codec_id) : "?";
        return lr__err(ctx, LR_ERR_FORMAT, "cannot read video '%s': its video codec (%s) "
                       "has no decoder in this FFmpeg build", in->name, cn);
    }
    if (i < 0) {
        char kinds[200] = "";
        size_t kl = 0;
        for (unsigned k = 0; k < fmt->nb_streams && kl + 20 < sizeof kinds; k++) {
            const char *t = av_get_media_type_string(fmt->streams[k]->codecpar->codec_type);
            kl += snprintf(kinds + kl, sizeof kinds - kl, "%s%s", k ? ", " : "", t ? t : "unknown");
        }
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s' has no video stream (%s%s)",
                       in->name, fmt->nb_streams ? "streams: " : "no streams at all",
                       kinds);
    }
    *idx = i;
    return LR_OK;
}

static void fill_info(lr_video_info *info, AVFormatContext *fmt, int idx)
{
    AVStream *st = fmt->streams[idx];
    info->src_width = st->codecpar->width;
    info->src_height = st->codecpar->height;
    info->header_frames = st->nb_frames > 0 ? st->nb_frames : 0;
    AVRational r = st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0
                       ? st->avg_frame_rate : st->r_frame_rate;
    double fps = r.num > 0 && r.den > 0 ? av_q2d(r) : 0;
    info->fps = fps > 0 && fps < 1000 ? fps : 25.0;
    info->duration = fmt->duration > 0 ? fmt->duration / (double)AV_TIME_BASE : 0;
    snprintf(info->codec, sizeof info->codec, "%s", avcodec_get_name(st->codecpar->codec_id));
    snprintf(info->container, sizeof info->container, "%s",
             fmt->iformat && fmt->iformat->name ? fmt->iformat->name : "?");
}

/* ---- the decoding pass --------------------------------------------------- */
typedef struct dec {
    lr_ctx *ctx;
    const input *in;
    const lr_video_read_opts *o;
    lr_video_info *info;
    struct SwsContext *sws;
    uint16_t *gray;          /* ow x oh 16-bit grey, row-major */
    int gray_ls;             /* its line size in elements */
    int ow, oh;              /* output size, set at the first frame */
    int64_t k;               /* frames decoded so far (index of the next) */
    int64_t est;             /* packets counted in the first pass */
    int64_t cap, n;          /* matrix columns allocated / filled */
    int64_t max_bytes;
    lr_mat M;
    lr_mat *blk;             /* incremental reader: the caller's block, */
    int64_t bn;              /* and the columns of it filled so far */
    int done;
} dec;

static int src_is_full_range(const AVFrame *f)
{
    if (f->color_range == AVCOL_RANGE_JPEG) return 1;
    if (f->color_range == AVCOL_RANGE_MPEG) return 0;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    if (!d) return 0;
    if (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) return 1;
    if (d->nb_components <= 2) return 1; /* grey (+alpha): full range */
    return !strncmp(d->name, "yuvj", 4);
}

static lr_status set_out_size(dec *d, int fw, int fh)
{
    const lr_video_read_opts *o = d->o;
    lr_ctx *ctx = d->ctx;
    if (fw <= 0 || fh <= 0)
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s': the decoder returned a frame "
                       "of size %dx%d", d->in->name, fw, fh);
    if (fw > o->max_side || fh > o->max_side)
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s': frames of %dx%d pixels exceed "
                       "the limit of %d pixels a side", d->in->name, fw, fh, o->max_side);
    if (o->width > 0) {
        d->ow = o->width, d->oh = o->height;
    } else {
        d->ow = (int)LR_MAX(1, lround(fw * o->scale));
        d->oh = (int)LR_MAX(1, lround(fh * o->scale));
    }
    if (d->ow > o->max_side || d->oh > o->max_side)
        return lr__err(ctx, LR_ERR_ARG, "video '%s': scaled frames of %dx%d pixels exceed "
                       "the limit of %d pixels a side", d->in->name, d->ow, d->oh, o->max_side);
    if ((int64_t)d->ow * d->oh > LR_LAPACK_MAX)
        return lr__err(ctx, LR_ERR_ARG, "video '%s': %dx%d pixels per frame is more than "
                       "2^31-1 matrix rows", d->in->name, d->ow, d->oh);
    d->info->src_width = fw, d->info->src_height = fh;
    d->info->width = d->ow, d->info->height = d->oh;
    d->gray_ls = (d->ow + 31) & ~31;
    d->gray = lr__malloc(ctx, lr__bytes(d->gray_ls, d->oh, 2), "a grey video frame");
    return d->gray ? LR_OK : LR_ERR_NOMEM;
}

static lr_status check_bytes(dec *d, int64_t cols)
{
    int64_t rows = (int64_t)d->ow * d->oh;
    size_t b = lr__bytes(rows, cols, lr_dtype_size(d->o->dtype));
    if (b == SIZE_MAX || (int64_t)b > d->max_bytes)
        return lr__err(d->ctx, LR_ERR_ARG, "video '%s': %lld frames of %dx%d pixels make "
                       "a %lld x %lld %s matrix of %.0f MB, over the limit of %.0f MB; "
                       "ask for fewer frames (--frames) or a smaller size (--scale, --size)",
                       d->in->name, (long long)cols, d->ow, d->oh, (long long)rows,
                       (long long)cols, lr_dtype_name(d->o->dtype),
                       (double)rows * cols * lr_dtype_size(d->o->dtype) / 1e6,
                       d->max_bytes / 1e6);
    char what[400];
    snprintf(what, sizeof what, "video '%.300s' (%lld frames of %dx%d pixels, %s)", d->in->name,
             (long long)cols, d->ow, d->oh, lr_dtype_name(d->o->dtype));
    return lr__mem_reader(d->ctx, rows, cols, 1, d->o->dtype, what);
}

/* Room for one more column: allocate at the counted size, or grow by 1.5x
 * when the decoder returns more frames than there were packets. */
static lr_status reserve(dec *d)
{
    if (d->n < d->cap) return LR_OK;
    int64_t want;
    if (!d->M.data) {
        int64_t left = d->est - d->o->first;
        if (d->o->end >= 0) left = LR_MIN(left, d->o->end - d->o->first);
        want = LR_MAX(left, 1);
    } else {
        want = d->cap + LR_MAX(d->cap / 2, 1);
        if (d->o->end >= 0) want = LR_MIN(want, d->o->end - d->o->first);
        lr__log(d->ctx, 0, "video '%s': more frames than the container has packets; "
                "growing the matrix to %lld columns", d->in->name, (long long)want);
    }
    lr_status s = check_bytes(d, want);
    if (s) return s;
    lr_mat nm;
    s = lr_mat_alloc(d->ctx, d->o->dtype, (int64_t)d->ow * d->oh, want, &nm);
    if (s) return lr__err_prefix(d->ctx, s, "video '%s'", d->in->name);
    if (d->M.data) {
        memcpy(nm.data, d->M.data, lr__bytes(d->M.rows, d->n, lr_dtype_size(d->o->dtype)));
        lr_mat_free(d->ctx, &d->M);
    }
    d->M = nm;
    d->cap = want;
    return LR_OK;
}

static lr_status take_frame(dec *d, const AVFrame *f)
{
    int64_t k = d->k++;
    lr_status s;
    if (!d->gray && (s = set_out_size(d, f->width, f->height))) return s;
    if (k < d->o->first) return LR_OK;
    if (d->o->end >= 0 && k >= d->o->end) {
        d->done = 1;
        return LR_OK;
    }
    if (!d->blk && (s = reserve(d))) return s;
    int sflags = (d->ow == f->width && d->oh == f->height) ? SWS_POINT
               : (d->ow < f->width || d->oh < f->height) ? SWS_AREA : SWS_BICUBIC;
    d->sws = sws_getCachedContext(d->sws, f->width, f->height, f->format, d->ow, d->oh,
                                  AV_PIX_FMT_GRAY16, sflags | SWS_ACCURATE_RND, NULL,
                                  NULL, NULL);
    if (!d->sws)
        return lr__err(d->ctx, LR_ERR_FORMAT, "video '%s': cannot convert frames of "
                       "pixel format %s to grey", d->in->name,
                       av_get_pix_fmt_name(f->format) ? av_get_pix_fmt_name(f->format) : "?");
    /* Expand limited-range luma to [0,1]; full-range sources as they are. */
    sws_setColorspaceDetails(d->sws, sws_getCoefficients(SWS_CS_DEFAULT),
                             src_is_full_range(f), sws_getCoefficients(SWS_CS_DEFAULT),
                             1, 0, 1 << 16, 1 << 16);
    uint8_t *dst[4] = {(uint8_t *)d->gray, NULL, NULL, NULL};
    int dls[4] = {d->gray_ls * 2, 0, 0, 0};
    if (sws_scale(d->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height,
                  dst, dls) != d->oh)
        return lr__err(d->ctx, LR_ERR_FORMAT, "video '%s': converting frame %lld to grey "
                       "failed", d->in->name, (long long)k);
    /* Transpose the row-major grey frame into column n (column-major). */
    const int64_t H = d->oh, W = d->ow, ls = d->gray_ls;
    const uint16_t *g = d->gray;
    const lr_mat *tg = d->blk ? d->blk : &d->M;
    const int64_t tc = d->blk ? d->bn++ : d->n;
    if (d->o->dtype == LR_F32) {
        float *c = (float *)tg->data + tc * tg->ld;
        const float sc = 1.0f / 65535.0f;
        for (int64_t x = 0; x < W; x++)
            for (int64_t y = 0; y < H; y++) c[y + x * H] = g[y * ls + x] * sc;
    } else {
        double *c = (double *)tg->data + tc * tg->ld;
        const double sc = 1.0 / 65535.0;
        for (int64_t x = 0; x < W; x++)
            for (int64_t y = 0; y < H; y++) c[y + x * H] = g[y * ls + x] * sc;
    }
    d->n++;
    int64_t tot = d->o->end >= 0 ? LR_MIN(d->o->end, d->est) : d->est;
    tot -= d->o->first;
    return lr__progress(d->ctx, "decode", tot > 0 ? LR_MIN(1.0, (double)d->n / tot) : -1,
                        "frame %lld/%lld", (long long)d->n, (long long)LR_MAX(tot, d->n));
}

/* Demux-only pass: packets of stream idx (up to `stop`, -1 = all). */
static lr_status count_packets(lr_ctx *ctx, lr_av_session *av, const input *in, int idx,
                               int64_t stop, int64_t *count, int *read_err)
{
    demux dm;
    lr_status s = demux_open(ctx, av, in, &dm, 0);
    if (s) return s;
    AVPacket *pkt = av_packet_alloc();
    if (!pkt) {
        demux_close(&dm);
        return lr__err(ctx, LR_ERR_NOMEM, "out of memory reading video '%s'", in->name);
    }
    for (unsigned i = 0; i < dm.fmt->nb_streams; i++)
        if ((int)i != idx) dm.fmt->streams[i]->discard = AVDISCARD_ALL;
    int64_t n = 0;
    int ret;
    *read_err = 0;
    while ((stop < 0 || n < stop) && (ret = av_read_frame(dm.fmt, pkt)) >= 0) {
        if (pkt->stream_index == idx && pkt->size > 0) n++;
        av_packet_unref(pkt);
        if ((n & 255) == 0 && (s = lr__progress(ctx, "decode", -1, "counting frames: %lld",
                                                (long long)n)))
            break;
    }
    if (!s && (stop < 0 || n < stop) && ret != AVERROR_EOF) *read_err = ret;
    av_packet_free(&pkt);
    demux_close(&dm);
    *count = n;
    return s;
}

/* ---- the reader: open once, pump frames into a matrix or block ---------- */
struct lr_video_reader {
    lr_video_read_opts o;
    lr_video_info info;
    input in;
    char *path;              /* owned copy (incremental reader) */
    lr_av_session av;
    int av_on, dm_on;
    demux dm;
    dec d;
    AVCodecContext *cc;
    AVPacket *pkt;
    AVFrame *frame;
    const AVCodec *codec;
    int idx, read_err, count_err, flushing, pending, ended;
};

static void reader_cleanup(lr_ctx *ctx, lr_video_reader *r)
{
    sws_freeContext(r->d.sws), r->d.sws = NULL;
    lr__free(ctx, r->d.gray), r->d.gray = NULL;
    if (r->d.M.data) lr_mat_free(ctx, &r->d.M);
    av_frame_free(&r->frame);
    av_packet_free(&r->pkt);
    avcodec_free_context(&r->cc);
    if (r->dm_on) demux_close(&r->dm), r->dm_on = 0;
    if (r->av_on) lr__av_end(&r->av), r->av_on = 0;
}

/* Everything up to the first packet: demux, stream, packet count, decoder. */
static lr_status reader_open(lr_ctx *ctx, lr_video_reader *r, const input *in,
                             const lr_video_read_opts *o_in)
{
    if (o_in) r->o = *o_in;
    else lr_video_read_opts_default(&r->o);
    r->in = *in;
    r->idx = -1;
    const char *why = lr_video_read_opts_check(&r->o);
    if (why) return lr__err(ctx, LR_ERR_ARG, "reading video '%s': %s", in->name, why);
    lr__av_begin(&r->av);
    r->av_on = 1;
    char said[300], eb[128];
    lr_status s = demux_open(ctx, &r->av, &r->in, &r->dm, 1);
    if (s) return s;
    r->dm_on = 1;
    if ((s = pick_stream(ctx, &r->in, r->dm.fmt, &r->codec, &r->idx))) return s;
    fill_info(&r->info, r->dm.fmt, r->idx);
    r->info.first = r->o.first;
    r->info.clip_frames = -1;

    /* First pass: count packets, up to the end of the range. */
    if ((s = count_packets(ctx, &r->av, &r->in, r->idx, r->o.end, &r->d.est, &r->count_err)))
        return s;
    if (r->d.est == 0)
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s' holds no video frames (its %s stream "
                       "has no data)%s", in->name, r->info.codec,
                       lr__av_said(&r->av, said, sizeof said));
    r->cc = avcodec_alloc_context3(r->codec);
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->cc || !r->pkt || !r->frame)
        return lr__err(ctx, LR_ERR_NOMEM, "out of memory decoding video '%s'", in->name);
    int ret = avcodec_parameters_to_context(r->cc, r->dm.fmt->streams[r->idx]->codecpar);
    if (ret >= 0) {
        r->cc->opaque = &r->av;
        r->cc->thread_count = LR_MIN(lr__threads(ctx), 16);
        r->cc->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
        ret = avcodec_open2(r->cc, r->codec, NULL);
    }
    if (ret < 0)
        return lr__err(ctx, LR_ERR_FORMAT, "cannot decode video '%s': the %s decoder does not "
                       "accept its stream (%s)%s", in->name, r->codec->name,
                       lr__av_strerror(ret, eb, sizeof eb), lr__av_said(&r->av, said, sizeof said));
    for (unsigned i = 0; i < r->dm.fmt->nb_streams; i++)
        if ((int)i != r->idx) r->dm.fmt->streams[i]->discard = AVDISCARD_ALL;

    r->d.ctx = ctx, r->d.in = &r->in, r->d.o = &r->o, r->d.info = &r->info;
    r->d.max_bytes = r->o.max_bytes;
    if (r->d.max_bytes == 0) {
        int64_t pm = lr__phys_mem();
        r->d.max_bytes = pm > 0 ? pm / 4 * 3 : INT64_MAX;
    }
    return LR_OK;
}

/* Decodes until the end (or until the block r->d.blk is full, or, with
 * probe, until the first frame is at hand: it is kept as pending). */
static lr_status reader_pump(lr_video_reader *r, int probe)
{
    dec *d = &r->d;
    lr_status s = LR_OK;
    int ret = 0;
#define LR_FULL (d->blk && d->bn == d->blk->cols)
    if (r->pending && !probe) {
        r->pending = 0;
        s = take_frame(d, r->frame);
        av_frame_unref(r->frame);
    }
    while (!s && !d->done && !LR_FULL) {
        if (!r->flushing) {
            ret = av_read_frame(r->dm.fmt, r->pkt);
            if (ret < 0) {
                if (ret != AVERROR_EOF) r->read_err = ret;
                r->flushing = 1;
                ret = avcodec_send_packet(r->cc, NULL);
            } else if (r->pkt->stream_index != r->idx) {
                av_packet_unref(r->pkt);
                continue;
            } else {
                ret = avcodec_send_packet(r->cc, r->pkt);
                av_packet_unref(r->pkt);
                if (ret < 0 && ret != AVERROR(EAGAIN)) {
                    r->info.decode_errors++;
                    continue;
                }
            }
        }
        while (!s && !d->done && !LR_FULL) {
            ret = avcodec_receive_frame(r->cc, r->frame);
            if (ret == AVERROR(EAGAIN)) break;
            if (ret == AVERROR_EOF) {
                d->done = 1;
                break;
            }
            if (ret < 0) {
                r->info.decode_errors++;
                if (r->flushing) d->done = 1;
                break;
            }
            if (probe) {
                r->pending = 1;
                return set_out_size(d, r->frame->width, r->frame->height);
            }
            s = take_frame(d, r->frame);
            av_frame_unref(r->frame);
        }
        if (r->flushing && ret == AVERROR(EAGAIN)) d->done = 1; /* should not happen */
    }
#undef LR_FULL
    return s;
}

/* The end of the clip (or range) was reached: refuse damaged files, warn. */
static lr_status reader_finish(lr_ctx *ctx, lr_video_reader *r)
{
    char said[300], eb[128];
    const char *name = r->in.name;
    dec *d = &r->d;
    int reached_end = r->flushing;
    if (reached_end) r->info.clip_frames = d->k;
    if (r->read_err || r->count_err) {
        /* The demuxer hit damaged or missing data before the end: the file is
         * truncated or corrupt.  Refuse rather than return a silently short clip. */
        int64_t good = d->k;
        char hint[96] = "";
        if (good > 0)
            snprintf(hint, sizeof hint, "; to use them, ask for a range within them (e.g. "
                     "--frames 0:%lld)", (long long)good);
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s' is truncated or damaged: reading "
                       "stopped after %lld decodable frames (%s)%s%s", name, (long long)good,
                       lr__av_strerror(r->read_err ? r->read_err : r->count_err, eb, sizeof eb),
                       lr__av_said(&r->av, said, sizeof said), hint);
    }
    if (d->k == 0)
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s': none of its %lld %s packets could be "
                       "decoded (damaged or unsupported data)%s", name, (long long)d->est,
                       r->info.codec, lr__av_said(&r->av, said, sizeof said));
    if (d->n == 0)
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s' has %lld frames (numbered 0 to %lld); "
                       "the frame range starting at %lld is outside the clip", name,
                       (long long)d->k, (long long)d->k - 1, (long long)r->o.first);
    if (reached_end && r->info.header_frames > 0 && d->k < r->info.header_frames &&
        !strncmp(r->info.container, "mov", 3))
        /* MP4/MOV index every sample: fewer frames than indexed means the
         * sample data is missing (a cut file whose index came first). */
        return lr__err(ctx, LR_ERR_FORMAT, "video '%s' is truncated: its index lists %lld "
                       "frames but only %lld could be read; to use them, ask for a range "
                       "within them (e.g. --frames 0:%lld)", name,
                       (long long)r->info.header_frames, (long long)d->k, (long long)d->k);
    if (reached_end && r->info.header_frames > 0 && d->k < r->info.header_frames)
        /* Other containers' counts are often wrong: say it, keep going. */
        lr__log(ctx, 1, "video '%s': the %s header claims %lld frames but only %lld could "
                "be decoded; the file may be truncated", name, r->info.container,
                (long long)r->info.header_frames, (long long)d->k);
    if (r->info.decode_errors)
        lr__log(ctx, 1, "video '%s': the decoder skipped %d damaged packets%s", name,
                r->info.decode_errors, lr__av_said(&r->av, said, sizeof said));
    r->info.frames = d->n;
    return LR_OK;
}

/* Decodes the whole range of an opened reader into the matrix it allocates
 * at the counted size, and hands that matrix to *out (cols = frames read).
 * On failure the matrix stays with the reader. */
static lr_status reader_take_all(lr_ctx *ctx, lr_video_reader *r, lr_mat *out)
{
    lr_status s = reader_pump(r, 0);
    if (!s) s = reader_finish(ctx, r);
    if (s) return s;
    r->d.M.cols = r->d.n;
    *out = r->d.M;
    memset(&r->d.M, 0, sizeof r->d.M);
    lr__progress(ctx, "decode", 1.0, "%lld frames", (long long)r->d.n);
    return LR_OK;
}

static lr_status read_video(lr_ctx *ctx, const input *in, const lr_video_read_opts *o_in,
                            lr_mat *out, lr_video_info *info_out)
{
    memset(out, 0, sizeof *out);
    if (info_out) memset(info_out, 0, sizeof *info_out);
    lr_video_reader r;
    memset(&r, 0, sizeof r);
    lr_status s = reader_open(ctx, &r, in, o_in);
    if (!s) s = reader_take_all(ctx, &r, out);
    if (!s && info_out) *info_out = r.info;
    reader_cleanup(ctx, &r);
    return s;
}

/* ---- the incremental reader (public) ------------------------------------- */
lr_status lr_video_reader_open(lr_ctx *ctx, const char *path, const lr_video_read_opts *o,
                               lr_video_reader **out, lr_video_info *info)
{
    if (!path || !out)
        return lr__err(ctx, LR_ERR_ARG, "lr_video_reader_open: path and out are required");
    *out = NULL;
    if (info) memset(info, 0, sizeof *info);
    lr_video_reader *r = lr__calloc(ctx, 1, sizeof *r, "video reader");
    if (!r) return LR_ERR_NOMEM;
    size_t pl = strlen(path) + 1;
    if (!(r->path = lr__malloc(ctx, pl, "video file name"))) {
        lr__free(ctx, r);
        return LR_ERR_NOMEM;
    }
    memcpy(r->path, path, pl);
    input in = {r->path, r->path, NULL, 0};
    char said[300], eb[128];
    lr_status s = reader_open(ctx, r, &in, o);
    /* Damage the counting pass saw and a range past the end are refused
     * now, before the caller has produced anything. */
    if (!s && r->count_err)
        s = lr__err(ctx, LR_ERR_FORMAT, "video '%s' is truncated or damaged: reading stopped "
                    "after %lld packets (%s)%s; to use them, ask for a range within them "
                    "(e.g. --frames 0:%lld)", path, (long long)r->d.est,
                    lr__av_strerror(r->count_err, eb, sizeof eb),
                    lr__av_said(&r->av, said, sizeof said), (long long)r->d.est);
    if (!s && r->d.est <= r->o.first)
        s = lr__err(ctx, LR_ERR_FORMAT, "video '%s' has %lld frames (numbered 0 to %lld); "
                    "the frame range starting at %lld is outside the clip", path,
                    (long long)r->d.est, (long long)r->d.est - 1, (long long)r->o.first);
    if (!s) s = reader_pump(r, 1); /* the first frame: its size */
    if (!s && !r->d.gray)
        s = reader_finish(ctx, r); /* no frame at all: the reason */
    if (!s && !r->d.gray)
        s = lr__err(ctx, LR_ERR_FORMAT, "video '%s': no frame could be decoded", path);
    if (s) {
        lr_video_reader_close(ctx, r);
        return s;
    }
    int64_t left = r->d.est - r->o.first;
    if (r->o.end >= 0) left = LR_MIN(left, r->o.end - r->o.first);
    r->info.frames = left;
    if (info) *info = r->info;
    *out = r;
    return LR_OK;
}

lr_status lr_video_reader_read(lr_ctx *ctx, lr_video_reader *r, lr_mat *block, int64_t *got)
{
    if (got) *got = 0;
    if (!r || !block || !got)
        return lr__err(ctx, LR_ERR_ARG, "lr_video_reader_read: reader, block and got are "
                       "required");
    const int64_t rows = (int64_t)r->d.ow * r->d.oh;
    if (block->dtype != r->o.dtype || block->rows != rows || block->ld < rows ||
        block->cols < 0 || (block->cols > 0 && !block->data))
        return lr__err(ctx, LR_ERR_ARG, "video '%s': a block for %dx%d frames must have %lld "
                       "rows of %s (got %lld x %lld %s)", r->in.name, r->d.ow, r->d.oh,
                       (long long)rows, lr_dtype_name(r->o.dtype), (long long)block->rows,
                       (long long)block->cols, lr_dtype_name(block->dtype));
    if (r->ended || block->cols == 0) return LR_OK;
    r->d.ctx = ctx;
    r->d.blk = block;
    r->d.bn = 0;
    lr_status s = reader_pump(r, 0);
    r->d.blk = NULL;
    *got = r->d.bn;
    if (s) return s;
    if (r->d.done) {
        r->ended = 1;
        if ((s = reader_finish(ctx, r))) return s;
        lr__progress(ctx, "decode", 1.0, "%lld frames", (long long)r->d.n);
    }
    return LR_OK;
}

lr_status lr_video_reader_read_all(lr_ctx *ctx, lr_video_reader *r, lr_mat *out)
{
    if (out) memset(out, 0, sizeof *out);
    if (!r || !out)
        return lr__err(ctx, LR_ERR_ARG, "lr_video_reader_read_all: reader and out are required");
    if (r->ended || r->d.n > 0)
        return lr__err(ctx, LR_ERR_ARG, "video '%s': lr_video_reader_read_all reads the whole "
                       "range, but frames were already read from this reader", r->in.name);
    /* As lr_video_read: the matrix is allocated (and checked against the
     * memory limits) at the counted size when the first frame is taken. */
    r->d.ctx = ctx;
    r->ended = 1;
    lr_status s = reader_take_all(ctx, r, out);
    if (s) lr_mat_free(ctx, &r->d.M);
    return s;
}

const lr_video_info *lr_video_reader_info(const lr_video_reader *r) { return &r->info; }

void lr_video_reader_close(lr_ctx *ctx, lr_video_reader *r)
{
    if (!r) return;
    reader_cleanup(ctx, r);
    lr__free(ctx, r->path);
    lr__free(ctx, r);
}

lr_status lr_video_read(lr_ctx *ctx, const char *path, const lr_video_read_opts *o,
                        lr_mat *out, lr_video_info *info)
{
    if (!path || !out) return lr__err(ctx, LR_ERR_ARG, "lr_video_read: path and out are required");
    input in = {path, path, NULL, 0};
    return read_video(ctx, &in, o, out, info);
}

lr_status lr_video_read_mem(lr_ctx *ctx, const void *buf, size_t len, const char *name,
                            const lr_video_read_opts *o, lr_mat *out, lr_video_info *info)
{
    if ((!buf && len) || !out)
        return lr__err(ctx, LR_ERR_ARG, "lr_video_read_mem: buf and out are required");
    input in = {NULL, name ? name : "<memory>", buf, len};
    return read_video(ctx, &in, o, out, info);
}

lr_status lr_video_probe(lr_ctx *ctx, const char *path, lr_video_info *info)
{
    if (!path || !info) return lr__err(ctx, LR_ERR_ARG, "lr_video_probe: path and info are required");
    memset(info, 0, sizeof *info);
    input in = {path, path, NULL, 0};
    lr_av_session av;
    lr__av_begin(&av);
    demux dm;
    const AVCodec *codec = NULL;
    int idx;
    lr_status s = demux_open(ctx, &av, &in, &dm, 1);
    if (!s) {
        s = pick_stream(ctx, &in, dm.fmt, &codec, &idx);
        if (!s) {
            fill_info(info, dm.fmt, idx);
            info->width = info->src_width, info->height = info->src_height;
            info->frames = info->header_frames;
            info->clip_frames = -1;
        }
        demux_close(&dm);
    }
    lr__av_end(&av);
    return s;
}
