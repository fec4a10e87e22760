/* fuzz_video.c -- video decoding from memory (src/media/video.c,
 * lr_video_read_mem: FFmpeg's demuxers and decoders through a custom
 * AVIOContext, then lowrank's frame conversion into the pixels x frames
 * matrix).
 *
 * FFmpeg itself is not instrumented (Debian's build): coverage guidance
 * comes from lowrank's side, memory errors inside FFmpeg are still caught
 * by ASan's interceptors only where they touch our buffers.  The last byte
 * of the input picks the options (scale, frame range, element type, the
 * name FFmpeg sees); containers usually ignore trailing bytes.
 * Caps as a careful caller sets them: 64 MiB matrix, 1024-pixel sides.
 * On success: the shape agrees with info, every value is in [0, 1]. */
#include "fuzz_util.h"

static const lr_status video_errors[] = {LR_ERR_FORMAT, LR_ERR_NOMEM, LR_ERR_ARG,
                                         LR_ERR_IO};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[4] = {FZ_NAME ".mp4", FZ_NAME ".y4m", FZ_NAME ".avi",
                                         FZ_NAME};
    unsigned sel = size ? data[size - 1] : 0;
    lr_video_read_opts o;
    lr_video_read_opts_default(&o);
    o.max_bytes = (int64_t)64 << 20;
    o.max_side = 1024;
    o.dtype = (sel & 1) ? LR_F64 : LR_F32;
    if (sel & 2) o.scale = 0.5;
    if (sel & 4) o.first = 1;
    if (sel & 8) o.end = o.first + 3;
    const char *name = names[(sel >> 4) & 3];
    if (lr_video_read_opts_check(&o)) FZ_FAIL("harness options refused");

    lr_ctx *ctx = fz_ctx();
    lr_mat M = {0};
    lr_video_info info;
    memset(&info, 0, sizeof info);
    lr_status s = lr_video_read_mem(ctx, data, size, name, &o, &M, &info);
    fz_note("video", ctx, s);
    if (s != LR_OK) {
        /* LR_ERR_ARG is documented for "the matrix would exceed max_bytes". */
        fz_check_error(ctx, s, name, video_errors, 4);
        if (M.data) FZ_FAIL("failed read left a matrix in *out");
        lr_ctx_destroy(ctx);
        return 0;
    }
    int64_t P = (int64_t)info.width * info.height;
    if (info.width < 1 || info.height < 1 || info.width > 1024 || info.height > 1024)
        FZ_FAIL("accepted frame size %dx%d", info.width, info.height);
    if (M.rows != P || M.cols != info.frames || M.cols < 1 || M.ld < M.rows)
        FZ_FAIL("matrix %lld x %lld vs info %dx%d x %lld frames", (long long)M.rows,
                (long long)M.cols, info.width, info.height, (long long)info.frames);
    if ((double)M.rows * (double)M.cols * (double)lr_dtype_size(M.dtype) > (double)o.max_bytes)
        FZ_FAIL("matrix above max_bytes");
    if (o.end > 0 && M.cols > o.end - o.first) FZ_FAIL("more frames than the range asked");
    if (M.dtype != o.dtype) FZ_FAIL("element type not the one asked for");
    if (fz_count_outside(&M, 0.0, 1.0)) FZ_FAIL("values outside [0, 1]");
    lr_mat_free(ctx, &M);
    lr_ctx_destroy(ctx);
    return 0;
}
