/* ratings.c -- the ratings structure: triplets sorted into a by-user CSR
 * (duplicates: the last one wins) and the by-item CSC of the same entries,
 * accessors, subsets and train/test splits. */
#include <math.h>
#include <string.h>
#include "rec_internal.h"

void lr_ratings_destroy(lr_ratings *r)
{
    if (!r) return;
    lr_ctx *ctx = r->ctx;
    rec_idmap_free(ctx, &r->users);
    rec_idmap_free(ctx, &r->items);
    lr__free(ctx, r->uptr);
    lr__free(ctx, r->uidx);
    lr__free(ctx, r->uval);
    lr__free(ctx, r->iptr);
    lr__free(ctx, r->iidx);
    lr__free(ctx, r->ival);
    lr__free(ctx, r);
}

/* Stable counting sort of perm (n entries) by key[perm[e]] in [0, nkeys). */
static lr_status counting_sort(lr_ctx *ctx, int64_t n, int64_t nkeys, const int32_t *key,
                               int64_t *perm, int64_t *tmp, int64_t *ptr_out)
{
    int64_t *cnt = ptr_out;
    memset(cnt, 0, sizeof(int64_t) * (size_t)(nkeys + 1));
    for (int64_t e = 0; e < n; e++) cnt[key[perm[e]] + 1]++;
    for (int64_t j = 0; j < nkeys; j++) cnt[j + 1] += cnt[j];
    for (int64_t e = 0; e < n; e++) tmp[cnt[key[perm[e]]]++] = perm[e];
    for (int64_t j = nkeys; j > 0; j--) cnt[j] = cnt[j - 1];
    cnt[0] = 0;
    memcpy(perm, tmp, sizeof(int64_t) * (size_t)n);
    return LR_OK;
}

/* Fills the by-item view from the by-user one. */
static lr_status build_csc(lr_ctx *ctx, lr_ratings *r)
{
    int64_t nu = r->users.n, ni = r->items.n, nnz = r->nnz;
    r->iptr = lr__calloc(ctx, (size_t)ni + 1, sizeof(int64_t), "ratings by item");
    r->iidx = lr__malloc(ctx, sizeof(int32_t) * (size_t)nnz, "ratings by item");
    r->ival = lr__malloc(ctx, sizeof(float) * (size_t)nnz, "ratings by item");
    if (!r->iptr || !r->iidx || !r->ival) return LR_ERR_NOMEM;
    for (int64_t e = 0; e < nnz; e++) r->iptr[r->uidx[e] + 1]++;
    for (int64_t i = 0; i < ni; i++) r->iptr[i + 1] += r->iptr[i];
    int64_t *fill = lr__malloc(ctx, sizeof(int64_t) * ((size_t)ni + 1), "ratings by item");
    if (!fill) return LR_ERR_NOMEM;
    memcpy(fill, r->iptr, sizeof(int64_t) * (size_t)ni);
    for (int64_t u = 0; u < nu; u++)
        for (int64_t e = r->uptr[u]; e < r->uptr[u + 1]; e++) {
            int64_t p = fill[r->uidx[e]]++;
            r->iidx[p] = (int32_t)u;
            r->ival[p] = r->uval[e];
        }
    lr__free(ctx, fill);
    return LR_OK;
}

static void compute_mean(lr_ratings *r)
{
    double s = 0;
    for (int64_t e = 0; e < r->nnz; e++) s += r->uval[e];
    r->mean = r->nnz ? s / (double)r->nnz : 0.0;
}

lr_status rec_ratings_build(lr_ctx *ctx, rec_idmap *users, rec_idmap *items, int64_t n,
                            const int32_t *u, const int32_t *i, const float *rv,
                            lr_ratings **out, int64_t *dups)
{
    *out = NULL;
    if (dups) *dups = 0;
    lr_ratings *r = lr__calloc(ctx, 1, sizeof *r, "ratings");
    if (!r) return LR_ERR_NOMEM;
    r->ctx = ctx;
    r->users = *users;
    r->items = *items;
    memset(users, 0, sizeof *users);
    memset(items, 0, sizeof *items);
    int64_t nu = r->users.n, ni = r->items.n;
    int64_t *perm = lr__malloc(ctx, sizeof(int64_t) * (size_t)(n + 1), "ratings sort");
    int64_t *tmp = lr__malloc(ctx, sizeof(int64_t) * (size_t)(n + 1), "ratings sort");
    int64_t *cnt = lr__malloc(ctx, sizeof(int64_t) * (size_t)(LR_MAX(nu, ni) + 2), "ratings sort");
    r->uptr = lr__calloc(ctx, (size_t)nu + 1, sizeof(int64_t), "ratings by user");
    lr_status s = LR_ERR_NOMEM;
    if (!perm || !tmp || !cnt || !r->uptr) goto fail;
    for (int64_t e = 0; e < n; e++) perm[e] = e;
    counting_sort(ctx, n, ni, i, perm, tmp, cnt);
    counting_sort(ctx, n, nu, u, perm, tmp, cnt);
    /* perm is now ordered by (user, item, input order): keep the last of each
     * run of equal (user, item) */
    int64_t kept = 0, dropped = 0;
    for (int64_t e = 0; e < n; e++) {
        if (e + 1 < n && u[perm[e + 1]] == u[perm[e]] && i[perm[e + 1]] == i[perm[e]]) {
            dropped++;
            continue;
        }
        tmp[kept++] = perm[e];
    }
    r->nnz = kept;
    r->uidx = lr__malloc(ctx, sizeof(int32_t) * (size_t)(kept + 1), "ratings by user");
    r->uval = lr__malloc(ctx, sizeof(float) * (size_t)(kept + 1), "ratings by user");
    if (!r->uidx || !r->uval) goto fail;
    for (int64_t e = 0; e < kept; e++) {
        int64_t q = tmp[e];
        r->uidx[e] = i[q];
        r->uval[e] = rv[q];
        r->uptr[u[q] + 1]++;
    }
    for (int64_t j = 0; j < nu; j++) r->uptr[j + 1] += r->uptr[j];
    if ((s = build_csc(ctx, r))) goto fail;
    compute_mean(r);
    lr__free(ctx, perm);
    lr__free(ctx, tmp);
    lr__free(ctx, cnt);
    if (dups) *dups = dropped;
    *out = r;
    return LR_OK;
fail:
    lr__free(ctx, perm);
    lr__free(ctx, tmp);
    lr__free(ctx, cnt);
    lr_ratings_destroy(r);
    return s;
}

lr_status lr_ratings_from_triplets(lr_ctx *ctx, int64_t n, const char *const *users,
                                   const char *const *items, const double *ratings,
                                   lr_ratings **out, int64_t *duplicates)
{
    if (!out) return lr__err(ctx, LR_ERR_ARG, "lr_ratings_from_triplets: out is NULL");
    *out = NULL;
    if (n <= 0) return lr__err(ctx, LR_ERR_DATA, "no ratings");
    if (!users || !items || !ratings)
        return lr__err(ctx, LR_ERR_ARG, "lr_ratings_from_triplets: NULL array");
    rec_idmap um = {0}, im = {0};
    int32_t *u = lr__malloc(ctx, sizeof(int32_t) * (size_t)n, "triplets");
    int32_t *i = lr__malloc(ctx, sizeof(int32_t) * (size_t)n, "triplets");
    float *r = lr__malloc(ctx, sizeof(float) * (size_t)n, "triplets");
    lr_status s = LR_ERR_NOMEM;
    if (!u || !i || !r) goto done;
    for (int64_t e = 0; e < n; e++) {
        if (!isfinite(ratings[e]) || fabs(ratings[e]) > 3.0e38) {
            s = lr__err(ctx, LR_ERR_DATA, "rating %lld is %g: ratings must be finite numbers",
                        (long long)e, ratings[e]);
            goto done;
        }
        if (!users[e] || !items[e]) {
            s = lr__err(ctx, LR_ERR_ARG, "triplet %lld has a NULL id", (long long)e);
            goto done;
        }
        int64_t a, b;
        if ((s = rec_idmap_intern(ctx, &um, users[e], strlen(users[e]), &a))) goto done;
        if ((s = rec_idmap_intern(ctx, &im, items[e], strlen(items[e]), &b))) goto done;
        u[e] = (int32_t)a;
        i[e] = (int32_t)b;
        r[e] = (float)ratings[e];
    }
    s = rec_ratings_build(ctx, &um, &im, n, u, i, r, out, duplicates);
done:
    rec_idmap_free(ctx, &um);
    rec_idmap_free(ctx, &im);
    lr__free(ctx, u);
    lr__free(ctx, i);
    lr__free(ctx, r);
    return s;
}

int64_t lr_ratings_users(const lr_ratings *r) { return r->users.n; }
int64_t lr_ratings_items(const lr_ratings *r) { return r->items.n; }
int64_t lr_ratings_count(const lr_ratings *r) { return r->nnz; }
double lr_ratings_mean(const lr_ratings *r) { return r->mean; }
const char *lr_ratings_user_id(const lr_ratings *r, int64_t u)
{
    return u >= 0 && u < r->users.n ? rec_idmap_str(&r->users, u) : NULL;
}
const char *lr_ratings_item_id(const lr_ratings *r, int64_t i)
{
    return i >= 0 && i < r->items.n ? rec_idmap_str(&r->items, i) : NULL;
}
int64_t lr_ratings_user_index(const lr_ratings *r, const char *id) { return rec_idmap_find(&r->users, id); }
int64_t lr_ratings_item_index(const lr_ratings *r, const char *id) { return rec_idmap_find(&r->items, id); }

lr_ratings_view lr_ratings_by_user(const lr_ratings *r)
{
    lr_ratings_view v = {r->users.n, r->items.n, r->uptr, r->uidx, r->uval};
    return v;
}
lr_ratings_view lr_ratings_by_item(const lr_ratings *r)
{
    lr_ratings_view v = {r->items.n, r->users.n, r->iptr, r->iidx, r->ival};
    return v;
}

lr_status lr_ratings_subset(lr_ctx *ctx, const lr_ratings *src, const unsigned char *keep,
                            lr_ratings **out)
{
    *out = NULL;
    lr_ratings *r = lr__calloc(ctx, 1, sizeof *r, "ratings subset");
    if (!r) return LR_ERR_NOMEM;
    r->ctx = ctx;
    lr_status s;
    if ((s = rec_idmap_copy(ctx, &src->users, &r->users)) ||
        (s = rec_idmap_copy(ctx, &src->items, &r->items)))
        goto fail;
    int64_t nu = src->users.n, kept = 0;
    for (int64_t e = 0; e < src->nnz; e++) kept += keep[e] != 0;
    r->nnz = kept;
    s = LR_ERR_NOMEM;
    r->uptr = lr__calloc(ctx, (size_t)nu + 1, sizeof(int64_t), "ratings subset");
    r->uidx = lr__malloc(ctx, sizeof(int32_t) * (size_t)(kept + 1), "ratings subset");
    r->uval = lr__malloc(ctx, sizeof(float) * (size_t)(kept + 1), "ratings subset");
    if (!r->uptr || !r->uidx || !r->uval) goto fail;
    int64_t p = 0;
    for (int64_t u = 0; u < nu; u++) {
        for (int64_t e = src->uptr[u]; e < src->uptr[u + 1]; e++)
            if (keep[e]) {
                r->uidx[p] = src->uidx[e];
                r->uval[p++] = src->uval[e];
            }
        r->uptr[u + 1] = p;
    }
    if ((s = build_csc(ctx, r))) goto fail;
    compute_mean(r);
    *out = r;
    return LR_OK;
fail:
    lr_ratings_destroy(r);
    return s;
}

lr_status lr_ratings_split(lr_ctx *ctx, const lr_ratings *r, lr_split_kind kind, int folds,
                           int fold, double fraction, int64_t k, uint64_t seed,
                           unsigned char *test)
{
    int64_t n = r->nnz;
    if (kind == LR_SPLIT_FRACTION) {
        if (!(fraction > 0 && fraction < 1))
            return lr__err(ctx, LR_ERR_ARG, "test fraction %g: must be in (0, 1)", fraction);
        for (int64_t e = 0; e < n; e++) test[e] = rec_u01(seed, 0x5e1, (uint64_t)e) < fraction;
        return LR_OK;
    }
    if (kind == LR_SPLIT_KFOLD) {
        if (folds < 2 || fold < 0 || fold >= folds)
            return lr__err(ctx, LR_ERR_ARG, "fold %d of %d: need 2 or more folds", fold, folds);
        /* a seeded random permutation (sort entries by a Philox key), entry at
         * permuted position p belongs to fold p mod folds: balanced folds */
        int64_t *ord = lr__malloc(ctx, sizeof(int64_t) * (size_t)(n + 1), "fold assignment");
        double *key = lr__malloc(ctx, sizeof(double) * (size_t)(n + 1), "fold assignment");
        if (!ord || !key) {
            lr__free(ctx, ord);
            lr__free(ctx, key);
            return LR_ERR_NOMEM;
        }
        for (int64_t e = 0; e < n; e++) key[e] = rec_u01(seed, 0xf01d, (uint64_t)e);
        /* Fisher-Yates with the keys as the random draws: deterministic */
        for (int64_t e = 0; e < n; e++) ord[e] = e;
        for (int64_t e = n - 1; e > 0; e--) {
            int64_t j = (int64_t)(key[e] * (double)(e + 1));
            if (j > e) j = e;
            int64_t t = ord[e];
            ord[e] = ord[j];
            ord[j] = t;
        }
        for (int64_t p = 0; p < n; p++) test[ord[p]] = (p % folds) == fold;
        lr__free(ctx, ord);
        lr__free(ctx, key);
        return LR_OK;
    }
    if (kind == LR_SPLIT_LEAVE_K) {
        if (k < 1) return lr__err(ctx, LR_ERR_ARG, "leave-k-out: k = %lld must be >= 1", (long long)k);
        memset(test, 0, (size_t)n);
        for (int64_t u = 0; u < r->users.n; u++) {
            int64_t a = r->uptr[u], m = r->uptr[u + 1] - a;
            if (m <= k) continue;
            /* choose k of m by partial Fisher-Yates on local positions */
            int64_t chosen = 0;
            for (int64_t t = 0; t < m && chosen < k; t++) {
                /* selection sampling (Knuth's algorithm S) */
                double x = rec_u01(seed, 0x1eaf, (uint64_t)(a + t));
                if ((double)(m - t) * x < (double)(k - chosen)) {
                    test[a + t] = 1;
                    chosen++;
                }
            }
        }
        return LR_OK;
    }
    return lr__err(ctx, LR_ERR_ARG, "unknown split kind %d", (int)kind);
}
