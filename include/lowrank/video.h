/* video.h -- video files to and from the pixels x frames matrix, and
 * ground-truth foreground masks (CDnet convention).
 *
 * Decoding uses FFmpeg (libavformat, libavcodec, libswscale): any container
 * and codec the linked FFmpeg reads, including numbered image sequences
 * ("folder/in%06d.jpg", FFmpeg's image2 pattern).  Encoding writes H.264 in
 * MP4 (libx264 through libavcodec), or numbered PNG frames into a folder.
 *
 * THE VIDEO MATRIX.  A clip of F frames of H x W pixels is one (H*W) x F
 * matrix M, column-major with ld = H*W, in one allocation:
 *   - column j is frame j (j = 0 is the first frame kept);
 *   - in that column, pixel (y, x) -- row y from the top, column x from the
 *     left -- is element y + x*H.  Each frame is therefore a column-major
 *     H x W image in the library's convention: lr_mat_view(t, H, W, H,
 *     column j's address) views frame j as an image;
 *   - values are luma in [0, 1] (0 black, 1 white): limited-range ("TV")
 *     sources are expanded so that 16 -> 0 and 235 -> 1; sources of more
 *     than 8 bits keep their precision (16-bit intermediate).
 * Colour is dropped (luma only); the sample aspect ratio is ignored (pixels
 * are taken as stored).
 *
 * FRAME NUMBERS.  Frames are counted from 0 in presentation order from the
 * start of the stream; a range [first, end) keeps frames first .. end-1.
 * Files written by lr_video_writer_* in PNG-frames mode and ground-truth
 * folders read by lr_truth_read use 1-based file numbers (CDnet: in000001.jpg
 * and gt000001.png are frame 0).
 *
 * FFmpeg's own log.  The first call of any function here installs an
 * av_log callback (process-wide: FFmpeg's logging is global) that keeps
 * FFmpeg silent while a lowrank call is running -- its error lines are kept
 * and quoted in lowrank's error messages -- and behaves like FFmpeg's
 * default callback otherwise.  An application that installs its own
 * callback after that takes precedence.
 *
 * Ownership: *out matrices come from lr_mat_alloc's allocator and are freed
 * with lr_mat_free on the same context; writers and truth sets with their
 * own functions.  Contexts must outlive the writers opened with them.
 */
#ifndef LOWRANK_VIDEO_H
#define LOWRANK_VIDEO_H
#include <stdint.h>
#include "lowrank/core.h"
#include "lowrank/mat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Reading ----------------------------------------------------------- */
typedef struct lr_video_read_opts {
    lr_dtype dtype;       /* LR_F32 (default) or LR_F64 */
    double scale;         /* output size = round(scale * source size), each
                             side at least 1; default 1 (no resampling) */
    int width, height;    /* both > 0: explicit output size (overrides
                             scale); default 0, 0 */
    int64_t first;        /* first frame kept (0-based); default 0 */
    int64_t end;          /* one past the last frame kept; default -1 = to
                             the end of the clip.  Decoding stops there. */
    int64_t max_bytes;    /* refuse a matrix larger than this many bytes;
                             0 (default) = 3/4 of the physical memory */
    int max_side;         /* refuse frames (source or output) wider or
                             taller than this; default 16384 */
    double reserved[8];   /* keeps the size stable as options are added */
} lr_video_read_opts;

typedef struct lr_video_info {
    int width, height;          /* frame size in the matrix */
    int src_width, src_height;  /* frame size stored in the file */
    int64_t frames;             /* frames kept = columns of the matrix */
    int64_t first;              /* number of the first frame kept */
    int64_t clip_frames;        /* frames in the whole clip when decoding
                                   reached its end, otherwise -1 */
    int64_t header_frames;      /* frame count the container claims (0 when
                                   it does not say; often wrong) */
    double fps;                 /* frames per second (25 when unknown) */
    double duration;            /* seconds the container claims (0 unknown) */
    int decode_errors;          /* packets the decoder rejected (damaged
                                   data it skipped); 0 for a clean file */
    char codec[32];             /* decoder name, e.g. "h264" */
    char container[32];         /* demuxer name, e.g. "avi" */
    double reserved[4];
} lr_video_info;

LR_API void lr_video_read_opts_default(lr_video_read_opts *o);
/* NULL when the options are valid, otherwise a sentence saying what is
 * wrong (static storage). */
LR_API const char *lr_video_read_opts_check(const lr_video_read_opts *o);

/* Decodes the best video stream of path into a new (H*W) x F matrix *out
 * (layout above; free with lr_mat_free).  info may be NULL.
 *
 * Memory: a demux-only first pass counts the packets of the stream (no
 * decoding; it stops at o->end), the matrix is allocated once at that size
 * and filled while decoding; peak memory is the matrix plus a few frames.
 * Only if the decoder returns more frames than the container has packets
 * (rare) does the matrix grow by 1.5x steps (then up to 2.5x for a moment);
 * a note is logged.  If it returns fewer, the matrix is reported with the
 * real count (out->cols) and its allocation keeps the unused tail.
 *
 * Errors, each with a message naming the file:
 *   LR_ERR_IO      the file cannot be opened or read;
 *   LR_ERR_FORMAT  not a media file FFmpeg recognizes, no video stream, no
 *                  decoder for it, zero decodable frames, a range starting
 *                  at or past the end of the clip (the message gives the real
 *                  frame count), a file that ends early (truncated or damaged:
 *                  the message says how many frames were readable, so that
 *                  a range within them can be asked for; MP4/MOV files,
 *                  whose index lists every frame, are also refused when
 *                  fewer frames than indexed can be read -- other
 *                  containers' frame counts are often wrong, so there a
 *                  shortfall only logs a warning), frames wider or taller
 *                  than max_side;
 *   LR_ERR_ARG     bad options (lr_video_read_opts_check), or the matrix
 *                  would exceed max_bytes or 2^31-1 rows;
 *   LR_ERR_NOMEM, LR_ERR_CANCELLED (progress callback; stage "decode").
 * A range whose end lies past the clip is not an error: fewer frames are
 * returned (info->frames, info->clip_frames say how many). */
LR_API lr_status lr_video_read(lr_ctx *ctx, const char *path,
                               const lr_video_read_opts *o, lr_mat *out,
                               lr_video_info *info);

/* The same from a buffer in memory (custom AVIOContext; the buffer is not
 * copied and must stay valid during the call).  name is used in messages
 * and to help FFmpeg guess the format; it is never opened.  Containers that
 * refer to other files (playlists, image sequences) are refused. */
LR_API lr_status lr_video_read_mem(lr_ctx *ctx, const void *buf, size_t len,
                                   const char *name,
                                   const lr_video_read_opts *o, lr_mat *out,
                                   lr_video_info *info);

/* Opens path and reads its headers only: size, fps, codec, the container's
 * frame count (info->frames = info->header_frames; clip_frames = -1).
 * Errors as lr_video_read's opening ones. */
LR_API lr_status lr_video_probe(lr_ctx *ctx, const char *path,
                                lr_video_info *info);

/* ---- Reading incrementally ----------------------------------------------
 * For videos longer than memory: open once, then read the frames in blocks
 * of any number of columns, in order (lr_video_read is built on the same
 * code).  Memory: a few frames of the decoder plus the caller's block.
 *
 * lr_video_reader_open does the demux-only counting pass and decodes the
 * first frame, so that *info holds the output size (width, height) and
 * info->frames the expected number of frames in the range (packets
 * counted; the real count is known at the end: lr_video_reader_info).
 * It refuses, with lr_video_read's messages, what can be known before any
 * frame is used: unreadable or video-less files, a file whose packets stop
 * early (truncated or damaged), a range starting past the end.
 * FFmpeg's log is kept quiet (see above) while a reader is open.  The path
 * is copied; ctx must be the same in every call on one reader. */
typedef struct lr_video_reader lr_video_reader;

LR_API lr_status lr_video_reader_open(lr_ctx *ctx, const char *path,
                                      const lr_video_read_opts *o,
                                      lr_video_reader **out,
                                      lr_video_info *info);
/* Decodes the next frames into the columns of block (rows = width*height of
 * the output, the reader's dtype, any ld >= rows), in order; *got = frames
 * written.  *got < block->cols means the range or the clip has ended; the
 * end-of-clip checks of lr_video_read are made then (a damaged tail:
 * LR_ERR_FORMAT).  Later calls return *got = 0.  Errors: LR_ERR_ARG (block
 * shape), LR_ERR_FORMAT, LR_ERR_NOMEM, LR_ERR_CANCELLED (progress, stage
 * "decode"). */
LR_API lr_status lr_video_reader_read(lr_ctx *ctx, lr_video_reader *r,
                                      lr_mat *block, int64_t *got);
/* Instead of lr_video_reader_read, on a reader nothing was read from yet:
 * decodes every frame of the range into a new matrix *out, exactly as
 * lr_video_read does (allocated at the counted size when the first frame
 * is stored, with its memory checks; grown if more frames come) and makes
 * the end-of-clip checks.  With lr_video_reader_open first, the caller
 * learns the frame size and the expected count (info) before decoding
 * starts: lowrank separate prepares the robust PCA workspace meanwhile
 * (rpca.h, lr_rpca_work_create).  *out is the caller's (lr_mat_free).
 * Errors: LR_ERR_ARG (frames already read), as lr_video_read otherwise. */
LR_API lr_status lr_video_reader_read_all(lr_ctx *ctx, lr_video_reader *r,
                                          lr_mat *out);
/* The stream's information; frames and clip_frames are final once a read
 * has returned fewer frames than asked (or lr_video_reader_read_all). */
LR_API const lr_video_info *lr_video_reader_info(const lr_video_reader *r);
/* Frees the reader; NULL is a no-op. */
LR_API void lr_video_reader_close(lr_ctx *ctx, lr_video_reader *r);

/* ---- Writing ----------------------------------------------------------- */
typedef enum lr_video_format {
    LR_VIDEO_MP4 = 0,       /* H.264 in MP4, yuv420p, limited range */
    LR_VIDEO_PNG_FRAMES = 1 /* a folder of 8-bit grey PNGs frame-NNNNNN.png */
} lr_video_format;

typedef struct lr_video_write_opts {
    lr_video_format format; /* default LR_VIDEO_MP4 */
    double fps;             /* frames per second; default 25 */
    int crf;                /* x264 constant rate factor, 0 (lossless) ..
                               51; default 20 (visually near-lossless) */
    const char *preset;     /* x264 preset; default "veryfast" */
    const char *encoder;    /* FFmpeg encoder name; NULL (default) =
                               "libx264", else any H.264 encoder, else
                               MPEG-4 Part 2 ("mpeg4"), with a logged note */
    int64_t first_number;   /* PNG frames: number in the first file name;
                               default 1 */
    int64_t expected_frames;/* > 0: each added frame reports progress
                               (stage "encode", fraction of this count);
                               default 0 (no progress calls) */
    double reserved[8];
} lr_video_write_opts;

LR_API void lr_video_write_opts_default(lr_video_write_opts *o);
LR_API const char *lr_video_write_opts_check(const lr_video_write_opts *o);

/* A streaming writer: frames are encoded as they are added, so the caller
 * needs only one frame's worth of memory for derived videos.
 *
 * MP4: written to a temporary file in the target folder and renamed over
 * path by lr_video_writer_close (see lr_outfile in media.h): path never
 * holds a half-written video.  H.264 4:2:0 needs even sides: an odd width
 * or height is padded by repeating the last column or row, so the file is
 * (W+1) x H etc.; a reader gets the padded size.  Values are clamped to
 * [0,1] (NaN -> 0) and mapped to Y = 16 + 219 v, chroma neutral; the
 * moov atom is placed first (fast start).
 * PNG frames: path is a folder, written as a hidden temporary folder next
 * to it and renamed when closed; an existing folder of that name is
 * replaced (its frame-*.png files are removed; any other file in it makes
 * the close fail with LR_ERR_IO and leaves it untouched).
 *
 * Errors of open: LR_ERR_ARG (bad size or options), LR_ERR_IO (folder
 * missing or not writable), LR_ERR_FORMAT (no usable encoder). */
typedef struct lr_video_writer lr_video_writer;

LR_API lr_status lr_video_writer_open(lr_ctx *ctx, const char *path,
                                      int width, int height,
                                      const lr_video_write_opts *o,
                                      lr_video_writer **out);
/* Appends each column of frames ((width*height) x k, any dtype, layout
 * above) as one frame.  Errors: LR_ERR_ARG (wrong rows), LR_ERR_IO,
 * LR_ERR_CANCELLED (progress callback, with expected_frames set). */
LR_API lr_status lr_video_writer_add(lr_ctx *ctx, lr_video_writer *w,
                                     const lr_mat *frames);
/* The same from 8-bit grey (0..255), one frame, column-major H x W as
 * above (pixel (y,x) at y + x*H). */
LR_API lr_status lr_video_writer_add_u8(lr_ctx *ctx, lr_video_writer *w,
                                        const uint8_t *frame);
/* Flushes the encoder, finishes the file and renames it into place; frees
 * w.  On failure nothing appears under path.  Errors: LR_ERR_IO,
 * LR_ERR_FORMAT (zero frames were added). */
LR_API lr_status lr_video_writer_close(lr_ctx *ctx, lr_video_writer *w);
/* Drops everything written so far (temporary removed); frees w.  NULL ok. */
LR_API void lr_video_writer_abort(lr_video_writer *w);
/* The encoder in use ("libx264", "mpeg4", "png"). */
LR_API const char *lr_video_writer_encoder(const lr_video_writer *w);
LR_API int64_t lr_video_writer_frames(const lr_video_writer *w);

/* Convenience: writes the whole matrix M ((width*height) x F). */
LR_API lr_status lr_video_write(lr_ctx *ctx, const char *path,
                                const lr_mat *M, int width, int height,
                                const lr_video_write_opts *o);

/* ---- Ground truth (CDnet 2014 convention) -------------------------------
 * A folder holds one PNG per frame, gtNNNNNN.png (6 digits), numbered from
 * 1: gt000001.png is frame 0 of the video.  Grey values: 0 static
 * background, 255 moving foreground; 50 (hard shadow), 85 (outside the
 * region of interest), 170 (unknown motion) and any other value are left
 * out of the scores, as CDnet's own comparator does for precision, recall
 * and F1.  RGB or palette PNGs are converted to grey first.  The labels
 * keep the grey values as read, so they go to lr_mask_score (rpca.h) as
 * they are. */
enum { LR_TRUTH_BG = 0, LR_TRUTH_FG = 255 };

typedef struct lr_truth {
    int width, height;     /* frame size of the labels */
    int64_t frames;        /* frames read */
    int64_t first;         /* video frame number of label column 0 */
    uint8_t *label;        /* (width*height) x frames grey values, same
                              layout as the video matrix */
} lr_truth;

/* Reads the labels of video frames first .. first+frames-1 (files
 * gt(first+1) .. gt(first+frames)) from dir.  Each PNG must be width x
 * height, or exactly the source size src_width x src_height (then it is
 * resampled to width x height by nearest neighbour -- for videos decoded
 * with a scale); pass 0, 0 for src when there is no other size.
 * Errors: LR_ERR_IO (dir missing), LR_ERR_FORMAT (a frame's file missing or
 * unreadable, a size that matches neither: the message names the file and
 * both sizes), LR_ERR_NOMEM. */
LR_API lr_status lr_truth_read(lr_ctx *ctx, const char *dir, int64_t first,
                               int64_t frames, int width, int height,
                               int src_width, int src_height, lr_truth *out);
/* Frees out->label and zeroes *t; NULL ok. */
LR_API void lr_truth_free(lr_ctx *ctx, lr_truth *t);

#ifdef __cplusplus
}
#endif
#endif
