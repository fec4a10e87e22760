/* fuzz_mtx.c -- Matrix Market reader (src/media/mtx.c, lr_mtx_read).
 *
 * lr_mtx_read only takes a path: the input is written to a memfd and read
 * through /proc/self/fd/N, as f32 or f64 (chosen by the input length).
 * Checks: a failure returns a documented status whose message names the
 * path and leaves *out zeroed; a success gives a well-formed CSR (indptr
 * monotone, column indices in range) whose values are all finite.
 * Seeds: make_seeds.c (seeds_mtx). */
#include "fuzz_util.h"
#include "lowrank/mtx.h"

static const lr_status mtx_errors[] = {LR_ERR_FORMAT, LR_ERR_DATA, LR_ERR_NOMEM,
                                       LR_ERR_IO};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lr_dtype want = size % 2 ? LR_F32 : LR_F64;
    char path[64];
    int fd = fz_memfd("fuzz-mtx", data, size, path, sizeof path);
    if (fd < 0) return 0;
    lr_ctx *ctx = fz_ctx();
    /* As the CLI does with the machine's memory (or --max-memory): without a
     * limit, a header declaring 10^9 rows is a legitimate 8 GB CSR row index
     * on a big machine. */
    lr_ctx_set_mem_limit(ctx, (int64_t)64 << 20);
    lr_csr a;
    memset(&a, 0xab, sizeof a);
    lr_status s = lr_mtx_read(ctx, path, want, &a);
    fz_note("mtx", ctx, s);
    if (s != LR_OK) {
        fz_check_error(ctx, s, path, mtx_errors, 4);
        if (a.indptr || a.indices || a.values || a.rows || a.cols || a.nnz)
            FZ_FAIL("failed read left a matrix in *out");
    } else {
        if (a.dtype != want) FZ_FAIL("dtype %d, wanted %d", (int)a.dtype, (int)want);
        if (a.rows < 0 || a.cols < 0 || a.nnz < 0) FZ_FAIL("negative shape");
        if (!a.indptr || a.indptr[0] != 0 || a.indptr[a.rows] != a.nnz)
            FZ_FAIL("bad indptr");
        volatile double sink = 0;
        for (int64_t r = 0; r < a.rows; r++) {
            if (a.indptr[r + 1] < a.indptr[r]) FZ_FAIL("indptr decreases at row %lld",
                                                       (long long)r);
            for (int64_t p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
                if (a.indices[p] < 0 || a.indices[p] >= a.cols)
                    FZ_FAIL("column index %lld out of range", (long long)a.indices[p]);
                double v = want == LR_F32 ? (double)((const float *)a.values)[p]
                                          : ((const double *)a.values)[p];
                if (!(v - v == 0)) FZ_FAIL("non-finite value accepted");
                sink += v;
            }
        }
        (void)sink;
    }
    lr_csr_free(ctx, &a);
    lr_ctx_destroy(ctx);
    close(fd);
    return 0;
}
