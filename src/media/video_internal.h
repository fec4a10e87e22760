/* video_internal.h -- what the FFmpeg-facing files of the media layer share:
 * keeping FFmpeg quiet and remembering what it said. */
#ifndef LR_VIDEO_INTERNAL_H
#define LR_VIDEO_INTERNAL_H
#include "internal.h"
#include <pthread.h>

/* One running lowrank call that uses FFmpeg.  FFmpeg objects created for it
 * carry a pointer to it in their `opaque` field, so that the log callback
 * (which may run on FFmpeg's worker threads) can file their lines here. */
typedef struct lr_av_session {
    uint32_t magic;
    pthread_mutex_t lock;
    int nerr, nwarn;
    char last_err[256];
} lr_av_session;

/* Installs the log callback (once per process) and marks a session active:
 * while any session is active, FFmpeg prints nothing. */
void lr__av_begin(lr_av_session *s);
void lr__av_end(lr_av_session *s);
/* " (FFmpeg: <last error line>)" or "" -- for appending to messages. */
const char *lr__av_said(lr_av_session *s, char *buf, size_t n);
/* av_err2str without the compound-literal macro. */
const char *lr__av_strerror(int err, char *buf, size_t n);

/* Physical memory in bytes (0 when unknown). */
int64_t lr__phys_mem(void);

#endif
