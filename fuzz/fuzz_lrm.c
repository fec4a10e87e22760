/* fuzz_lrm.c -- the .lrm model loader (src/rec/model_io.c, lr_rec_load,
 * docs/FORMAT-lrm.md) and what `lowrank recommend top|similar|foldin` then
 * do with the model it returns (src/rec/model.c).
 *
 * lr_rec_load only takes a path: the input goes through a memfd.  A model
 * file ends with a CRC-32 of everything before it, which a mutation almost
 * always breaks; so every input is loaded twice: as it is, and with its
 * last 4 bytes replaced by the right CRC-32 (computed here, independently
 * of the library's), which lets mutations reach the header, id-table and
 * rated-items checks behind the checksum.  The context has a 64 MiB memory
 * limit, as the CLI sets one.
 *
 * Checks: a failure returns a documented status whose message names the
 * path and leaves *out NULL; a success gives a model whose sizes are in
 * range, whose ids map back to their indices, whose rated items are in
 * range and ascending, and on which predict / top / similar / fold-in give
 * finite scores, in range items, best first, without the user's rated
 * items.  Seeds: make_seeds.c (seeds_lrm: models saved by lr_rec_save). */
#include <math.h>
#include "fuzz_util.h"
#include "lowrank/rec.h"

static const lr_status lrm_errors[] = {LR_ERR_FORMAT, LR_ERR_NOMEM, LR_ERR_IO};

/* Scores best first, items in range, distinct, none in skip[]. */
static void check_list(const lr_rec *m, const int64_t *items, const double *scores, int64_t got,
                       int64_t n, const unsigned char *skip)
{
    int64_t ni = lr_rec_items(m);
    if (got < 0 || got > n || got > ni) FZ_FAIL("list of %lld for n = %lld", (long long)got,
                                                 (long long)n);
    for (int64_t e = 0; e < got; e++) {
        if (items[e] < 0 || items[e] >= ni) FZ_FAIL("listed item %lld out of range",
                                                    (long long)items[e]);
        if (skip && skip[items[e]]) FZ_FAIL("listed item %lld should be left out",
                                            (long long)items[e]);
        if (!isfinite(scores[e])) FZ_FAIL("non-finite score");
        if (e && scores[e] > scores[e - 1]) FZ_FAIL("scores not best first");
        for (int64_t f = 0; f < e; f++)
            if (items[f] == items[e]) FZ_FAIL("item %lld listed twice", (long long)items[e]);
    }
}

/* What the CLI does with a loaded model, on a few users and items. */
static void use_model(lr_ctx *ctx, const lr_rec *m)
{
    int64_t nu = lr_rec_users(m), ni = lr_rec_items(m);
    int k = lr_rec_k(m);
    if (nu < 0 || ni < 0 || k < 0 || k > 256) FZ_FAIL("sizes %lld x %lld, k = %d",
                                                      (long long)nu, (long long)ni, k);
    if (!isfinite(lr_rec_mean(m))) FZ_FAIL("non-finite mean");
    for (int64_t u = 0; u < nu; u++) {
        const char *id = lr_rec_user_id(m, u);
        if (!id || lr_rec_user_index(m, id) != u) FZ_FAIL("user id %lld", (long long)u);
    }
    for (int64_t i = 0; i < ni; i++) {
        const char *id = lr_rec_item_id(m, i);
        if (!id || lr_rec_item_index(m, id) != i) FZ_FAIL("item id %lld", (long long)i);
        if (!isfinite(lr_rec_item_bias(m, i))) FZ_FAIL("non-finite item bias");
        const float *q = lr_rec_item_factors(m, i);
        for (int f = 0; f < k; f++)
            if (!isfinite(q[f])) FZ_FAIL("non-finite item factor");
    }
    int64_t n = ni < 8 ? ni : 8;
    int64_t items[8];
    double scores[8];
    unsigned char *skip = calloc((size_t)ni + 1, 1);
    if (!skip) return;
    for (int64_t u = 0; u < nu && u < 4; u++) {
        const int32_t *rated;
        int64_t nr = lr_rec_user_rated(m, u, &rated);
        if (nr < 0 || nr > ni) FZ_FAIL("user %lld rated %lld of %lld items", (long long)u,
                                       (long long)nr, (long long)ni);
        memset(skip, 0, (size_t)ni);
        for (int64_t e = 0; e < nr; e++) {
            if (rated[e] < 0 || rated[e] >= ni || (e && rated[e] <= rated[e - 1]))
                FZ_FAIL("user %lld: rated items not ascending in range", (long long)u);
            skip[rated[e]] = 1;
        }
        for (int64_t i = 0; i < ni && i < 4; i++)
            if (!isfinite(lr_rec_predict(m, u, i))) FZ_FAIL("non-finite prediction");
        int64_t got = -1;
        lr_status s = lr_rec_top(ctx, m, u, n, items, scores, &got);
        if (s == LR_ERR_NOMEM) continue;
        if (s) FZ_FAIL("top for user %lld: %s", (long long)u, lr_ctx_errmsg(ctx));
        check_list(m, items, scores, got, n, skip);
        if (got != (ni - nr < n ? ni - nr : n))
            FZ_FAIL("top gave %lld of %lld unrated items (n = %lld)", (long long)got,
                    (long long)(ni - nr), (long long)n);
    }
    for (int64_t i = 0; i < ni && i < 4; i++) {
        int64_t got = -1;
        lr_status s = lr_rec_similar(ctx, m, i, n, items, scores, &got);
        if (s == LR_ERR_NOMEM) continue;
        if (s) FZ_FAIL("similar to item %lld: %s", (long long)i, lr_ctx_errmsg(ctx));
        memset(skip, 0, (size_t)ni);
        skip[i] = 1;
        check_list(m, items, scores, got, n, skip);
    }
    if (ni > 0) {
        /* A new user who rated the first (up to) three items. */
        int64_t fi[3];
        double fr[3] = {4, 1, 3};
        int64_t nf = ni < 3 ? ni : 3;
        for (int64_t e = 0; e < nf; e++) fi[e] = e;
        float *x = calloc((size_t)k + 1, sizeof *x);
        double bias = NAN;
        lr_status s = x ? lr_rec_foldin(ctx, m, nf, fi, fr, x, &bias) : LR_ERR_NOMEM;
        if (s == LR_OK) {
            for (int f = 0; f < k; f++)
                if (!isfinite(x[f])) FZ_FAIL("fold-in gave a non-finite factor");
            if (!isfinite(bias)) FZ_FAIL("fold-in gave a non-finite bias");
            int64_t got = -1;
            s = lr_rec_top_vector(ctx, m, x, bias, fi, nf, n, items, scores, &got);
            if (s == LR_OK) {
                memset(skip, 0, (size_t)ni);
                for (int64_t e = 0; e < nf; e++) skip[fi[e]] = 1;
                check_list(m, items, scores, got, n, skip);
            } else if (s != LR_ERR_NOMEM) {
                FZ_FAIL("top for a folded-in user: %s", lr_ctx_errmsg(ctx));
            }
        } else {
            /* LR_ERR_DATA: a model whose numbers overflow the system */
            static const lr_status foldin_errors[] = {LR_ERR_DATA, LR_ERR_NOMEM};
            fz_check_error(ctx, s, NULL, foldin_errors, 2);
        }
        free(x);
    }
    free(skip);
}

static void load_one(const uint8_t *data, size_t size, const char *what)
{
    char path[64];
    int fd = fz_memfd("fuzz-lrm", data, size, path, sizeof path);
    if (fd < 0) return;
    lr_ctx *ctx = fz_ctx();
    /* As the CLI does (--max-memory, default the memory available). */
    lr_ctx_set_mem_limit(ctx, (int64_t)64 << 20);
    lr_rec *m = (lr_rec *)&m; /* must be set to NULL on failure */
    lr_status s = lr_rec_load(ctx, path, &m);
    fz_note(what, ctx, s);
    if (s != LR_OK) {
        fz_check_error(ctx, s, path, lrm_errors, 3);
        if (m) FZ_FAIL("failed load left a model in *out");
    } else {
        if (!m) FZ_FAIL("LR_OK without a model");
        use_model(ctx, m);
        lr_rec_destroy(m); /* before its context: the model keeps it */
    }
    lr_ctx_destroy(ctx);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_one(data, size, "lrm (as given)");
    if (size >= 4 && size <= ((size_t)1 << 20)) {
        uint8_t *fixed = malloc(size);
        if (!fixed) return 0;
        memcpy(fixed, data, size);
        uint32_t c = fz_crc32(fixed, size - 4);
        for (int b = 0; b < 4; b++) fixed[size - 4 + b] = (uint8_t)(c >> (8 * b));
        if (memcmp(fixed, data, size)) load_one(fixed, size, "lrm (CRC fixed)");
        free(fixed);
    }
    return 0;
}
