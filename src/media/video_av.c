/* video_av.c -- FFmpeg's log, routed away from the terminal.
 *
 * FFmpeg logs through one process-wide callback.  Ours files a line under
 * the lowrank call that caused it (found through the `opaque` field of the
 * AVCodecContext / AVFormatContext that logged it: worker threads of frame-
 * threaded decoders carry copies of it) and drops it; while no lowrank call
 * is running it hands over to FFmpeg's default callback, so other users of
 * FFmpeg in the same process see the usual behaviour. */
#include "video_internal.h"
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SESSION_MAGIC 0x6c724156u /* "lrAV" */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int active;

static lr_av_session *session_of(void *avcl)
{
    if (!avcl) return NULL;
    const AVClass *cls = *(const AVClass **)avcl;
    void *op = NULL;
    if (cls == avcodec_get_class()) op = ((AVCodecContext *)avcl)->opaque;
    else if (cls == avformat_get_class()) op = ((AVFormatContext *)avcl)->opaque;
    lr_av_session *s = op;
    return s && s->magic == SESSION_MAGIC ? s : NULL;
}

static void log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
    if (atomic_load(&active) == 0) {
        av_log_default_callback(avcl, level, fmt, vl);
        return;
    }
    if (level > AV_LOG_WARNING) return;
    lr_av_session *s = session_of(avcl);
    if (!s) return;
    char line[256];
    vsnprintf(line, sizeof line, fmt, vl);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
        line[--n] = 0;
    pthread_mutex_lock(&s->lock);
    if (level <= AV_LOG_ERROR) {
        s->nerr++;
        if (n) snprintf(s->last_err, sizeof s->last_err, "%s", line);
    } else {
        s->nwarn++;
    }
    pthread_mutex_unlock(&s->lock);
}

static void install(void) { av_log_set_callback(log_cb); }

void lr__av_begin(lr_av_session *s)
{
    memset(s, 0, sizeof *s);
    s->magic = SESSION_MAGIC;
    pthread_mutex_init(&s->lock, NULL);
    pthread_once(&once, install);
    atomic_fetch_add(&active, 1);
}

void lr__av_end(lr_av_session *s)
{
    atomic_fetch_sub(&active, 1);
    pthread_mutex_destroy(&s->lock);
    s->magic = 0;
}

const char *lr__av_said(lr_av_session *s, char *buf, size_t n)
{
    pthread_mutex_lock(&s->lock);
    if (s->last_err[0]) snprintf(buf, n, " (FFmpeg: %s)", s->last_err);
    else if (n) buf[0] = 0;
    pthread_mutex_unlock(&s->lock);
    return buf;
}

const char *lr__av_strerror(int err, char *buf, size_t n)
{
    if (av_strerror(err, buf, n) < 0) snprintf(buf, n, "error %d", err);
    return buf;
}

int64_t lr__phys_mem(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || psz <= 0) return 0;
    return (int64_t)pages * psz;
}
