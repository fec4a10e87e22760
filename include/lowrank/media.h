/* media.h -- matrices from and to files: atomic output files, NumPy .npy,
 * images (PNG/JPEG), .lrz compressed images, video, Matrix Market (.mtx).
 * The media layer never runs an algorithm; the algorithms never open a
 * file. */
#ifndef LOWRANK_MEDIA_H
#define LOWRANK_MEDIA_H
#include <stdio.h>
#include "lowrank/core.h"
#include "lowrank/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Atomic output files ----------------------------------------------
 * Every file lowrank writes goes to a temporary name in the target folder
 * (".NAME.tmp-XXXXXX"), is flushed and fsync'ed, and renamed over NAME only
 * when complete: an existing NAME is never left half-written, and a failed
 * or killed run leaves at most a hidden temporary behind. */
typedef struct lr_outfile lr_outfile;

/* Errors: LR_ERR_IO (folder missing or not writable: the message names it). */
LR_API lr_status lr_outfile_open(lr_ctx *ctx, const char *path,
                                 lr_outfile **out);
/* The open stream, for writers that take a FILE*. */
LR_API FILE *lr_outfile_fp(lr_outfile *f);
/* The temporary path, for writers that insist on opening a path themselves
 * (FFmpeg's muxers): they write it while the stream stays unused. */
LR_API const char *lr_outfile_tmppath(const lr_outfile *f);
/* Flushes, fsyncs, closes and renames; frees f.  On failure the temporary is
 * removed and the target left as it was.  Errors: LR_ERR_IO. */
LR_API lr_status lr_outfile_commit(lr_ctx *ctx, lr_outfile *f);
/* Closes and removes the temporary; frees f.  NULL is a no-op. */
LR_API void lr_outfile_abort(lr_outfile *f);

#ifdef __cplusplus
}
#endif

#include "lowrank/npy.h"
#include "lowrank/image.h"
#include "lowrank/lrz.h"
#include "lowrank/video.h"
#include "lowrank/mtx.h"
#include "lowrank/text.h"
#endif
