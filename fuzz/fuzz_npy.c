/* fuzz_npy.c -- NumPy .npy reader (src/media/npy.c).
 *
 * Each input is read twice, from memory (lr_npy_read_mem) and as a file
 * (lr_npy_read on a memfd: the FILE* path with its own chunked reads), and
 * the two must agree: same status, same shape, same bits.  The element type
 * wanted (stored / f32 / f64) follows the input length, so every input
 * exercises one conversion path.  Arrays above 64 MiB are refused by
 * max_bytes, as the CLI does with the machine's memory. */
#include "fuzz_util.h"

#define FZ_MAX_BYTES ((int64_t)64 << 20)

static const lr_status npy_errors[] = {LR_ERR_FORMAT, LR_ERR_DATA, LR_ERR_NOMEM,
                                       LR_ERR_IO};

static void check_result(lr_ctx *ctx, lr_status s, const lr_mat *m, int want)
{
    if (s != LR_OK) {
        fz_check_error(ctx, s, FZ_NAME, npy_errors, 4);
        if (m->data || m->rows || m->cols) FZ_FAIL("failed read left a matrix in *out");
        return;
    }
    if (m->rows < 0 || m->cols < 0 || m->ld < (m->rows > 1 ? m->rows : 1))
        FZ_FAIL("bad shape %lld x %lld ld %lld", (long long)m->rows, (long long)m->cols,
                (long long)m->ld);
    if (want && (int)m->dtype != want) FZ_FAIL("dtype %d, wanted %d", (int)m->dtype, want);
    if ((double)m->rows * (double)m->cols * (double)lr_dtype_size(m->dtype) >
        (double)FZ_MAX_BYTES)
        FZ_FAIL("%lld x %lld accepted above max_bytes", (long long)m->rows,
                (long long)m->cols);
    if (m->rows > 0 && m->cols > 0 && !m->data) FZ_FAIL("non-empty matrix without data");
    fz_touch(m);
}

static int same_bits(const lr_mat *a, const lr_mat *b)
{
    if (a->dtype != b->dtype || a->rows != b->rows || a->cols != b->cols) return 0;
    if (a->rows <= 0 || a->cols <= 0) return 1;
    size_t es = lr_dtype_size(a->dtype);
    for (int64_t j = 0; j < a->cols; j++)
        if (a->rows && memcmp((const char *)a->data + (size_t)(j * a->ld) * es,
                              (const char *)b->data + (size_t)(j * b->ld) * es,
                              (size_t)a->rows * es))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int wants[3] = {0, LR_F32, LR_F64};
    int want = wants[size % 3];
    lr_ctx *ctx = fz_ctx();
    lr_mat a = {0}, b = {0};
    lr_status sa = lr_npy_read_mem(ctx, data, size, FZ_NAME, want, FZ_MAX_BYTES, &a);
    fz_note("npy (memory)", ctx, sa);
    check_result(ctx, sa, &a, want);

    char path[64];
    int fd = fz_memfd("fuzz-npy", data, size, path, sizeof path);
    if (fd >= 0) {
        lr_ctx *ctx2 = fz_ctx();
        lr_status sb = lr_npy_read(ctx2, path, want, FZ_MAX_BYTES, &b);
        /* The file reader names the path, not FZ_NAME. */
        if (sb != LR_OK) {
            fz_check_error(ctx2, sb, path, npy_errors, 4);
            if (b.data) FZ_FAIL("failed file read left a matrix in *out");
        } else {
            check_result(ctx2, sb, &b, want);
        }
        if (sa != sb)
            FZ_FAIL("memory and file readers disagree: %s (%s) vs %s (%s)",
                    lr_status_str(sa), lr_ctx_errmsg(ctx), lr_status_str(sb),
                    lr_ctx_errmsg(ctx2));
        if (sa == LR_OK && !same_bits(&a, &b))
            FZ_FAIL("memory and file readers give different matrices");
        lr_mat_free(ctx2, &b);
        lr_ctx_destroy(ctx2);
        close(fd);
    }
    lr_mat_free(ctx, &a);
    lr_ctx_destroy(ctx);
    return 0;
}
