/* fuzz_ratings.c -- the ratings reader of `lowrank recommend`
 * (src/rec/ratings_read.c, lr_ratings_read: CSV/TSV/';'/"::", headers,
 * quotes).  lr_ratings_read only takes a path: the input goes through a
 * memfd, with skip_bad chosen by the input length.  Checks: a failure
 * returns a documented status whose message names the path and leaves
 * *out NULL; a success gives views by user and by item that are well
 * formed (ptr monotone, indices in range, finite values, the same count
 * both ways) and ids that map back to their indices. */
#include <math.h>
#include "fuzz_util.h"
#include "lowrank/rec.h"

static const lr_status ratings_errors[] = {LR_ERR_FORMAT, LR_ERR_DATA, LR_ERR_NOMEM,
                                           LR_ERR_IO};

static void check_view(lr_ratings_view v, int64_t rows, int64_t cols, int64_t n)
{
    if (v.rows != rows || v.cols != cols) FZ_FAIL("view shape");
    if (!v.ptr || v.ptr[0] != 0 || v.ptr[rows] != n) FZ_FAIL("view ptr ends");
    for (int64_t j = 0; j < rows; j++) {
        if (v.ptr[j + 1] < v.ptr[j]) FZ_FAIL("view ptr decreases");
        for (int64_t p = v.ptr[j]; p < v.ptr[j + 1]; p++) {
            if (v.idx[p] < 0 || v.idx[p] >= cols) FZ_FAIL("view index out of range");
            if (p > v.ptr[j] && v.idx[p] <= v.idx[p - 1]) FZ_FAIL("view row not sorted");
            if (!isfinite(v.val[p])) FZ_FAIL("non-finite rating accepted");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fz_memfd("fuzz-ratings", data, size, path, sizeof path);
    if (fd < 0) return 0;
    lr_ctx *ctx = fz_ctx();
    /* As the CLI does (--max-memory, default the memory available). */
    lr_ctx_set_mem_limit(ctx, (int64_t)64 << 20);
    lr_ratings *r = (lr_ratings *)&r; /* must be set to NULL on failure */
    lr_ratings_report rep;
    lr_status s = lr_ratings_read(ctx, path, (int)(size & 1), &r, &rep);
    fz_note("ratings", ctx, s);
    if (s != LR_OK) {
        fz_check_error(ctx, s, path, ratings_errors, 4);
        if (r) FZ_FAIL("failed read left a ratings object in *out");
    } else {
        int64_t nu = lr_ratings_users(r), ni = lr_ratings_items(r), n = lr_ratings_count(r);
        if (nu < 0 || ni < 0 || n < 0 || n != rep.ratings) FZ_FAIL("bad counts");
        check_view(lr_ratings_by_user(r), nu, ni, n);
        check_view(lr_ratings_by_item(r), ni, nu, n);
        for (int64_t u = 0; u < nu; u++) {
            const char *id = lr_ratings_user_id(r, u);
            if (!id || lr_ratings_user_index(r, id) != u) FZ_FAIL("user id %lld", (long long)u);
        }
        for (int64_t i = 0; i < ni; i++) {
            const char *id = lr_ratings_item_id(r, i);
            if (!id || lr_ratings_item_index(r, id) != i) FZ_FAIL("item id %lld", (long long)i);
        }
        lr_ratings_destroy(r);
    }
    lr_ctx_destroy(ctx);
    close(fd);
    return 0;
}
