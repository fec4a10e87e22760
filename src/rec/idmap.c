/* idmap.c -- string ids <-> dense indices: an open-addressing hash table
 * (FNV-1a, linear probing, load <= 1/2) over one growing text arena. */
#include <string.h>
#include "rec_internal.h"

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

void rec_idmap_free(lr_ctx *ctx, rec_idmap *m)
{
    lr__free(ctx, m->slot);
    lr__free(ctx, m->off);
    lr__free(ctx, m->text);
    memset(m, 0, sizeof *m);
}

static void *grow(lr_ctx *ctx, void *p, size_t used, size_t newsize, const char *what)
{
    void *q = lr__malloc(ctx, newsize, what);
    if (!q) return NULL;
    if (used) memcpy(q, p, used);
    lr__free(ctx, p);
    return q;
}

static lr_status rehash(lr_ctx *ctx, rec_idmap *m, int64_t cap)
{
    int64_t *s = lr__calloc(ctx, (size_t)cap, sizeof *s, "id hash table");
    if (!s) return LR_ERR_NOMEM;
    for (int64_t i = 0; i < m->n; i++) {
        const char *id = rec_idmap_str(m, i);
        size_t len = (size_t)(m->off[i + 1] - m->off[i] - 1);
        uint64_t h = fnv1a(id, len) & (uint64_t)(cap - 1);
        while (s[h]) h = (h + 1) & (uint64_t)(cap - 1);
        s[h] = i + 1;
    }
    lr__free(ctx, m->slot);
    m->slot = s;
    m->cap = cap;
    return LR_OK;
}

static int64_t lookup(const rec_idmap *m, const char *id, size_t len, uint64_t *pos)
{
    uint64_t h = fnv1a(id, len) & (uint64_t)(m->cap - 1);
    for (;;) {
        int64_t v = m->slot[h];
        if (!v) break;
        int64_t i = v - 1;
        if ((size_t)(m->off[i + 1] - m->off[i] - 1) == len &&
            !memcmp(m->text + m->off[i], id, len))
            return i;
        h = (h + 1) & (uint64_t)(m->cap - 1);
    }
    *pos = h;
    return -1;
}

lr_status rec_idmap_intern(lr_ctx *ctx, rec_idmap *m, const char *id, size_t len, int64_t *index)
{
    if (!m->cap) {
        lr_status s = rehash(ctx, m, 1024);
        if (s) return s;
    }
    uint64_t pos = 0;
    int64_t i = lookup(m, id, len, &pos);
    if (i >= 0) {
        *index = i;
        return LR_OK;
    }
    if (m->n >= INT32_MAX - 1)
        return lr__err(ctx, LR_ERR_DATA, "more than %d distinct ids", INT32_MAX - 1);
    if (m->n + 2 > m->off_cap) {
        int64_t c = m->off_cap ? 2 * m->off_cap : 1024;
        int64_t *o = grow(ctx, m->off, (size_t)m->off_cap * sizeof *o, (size_t)c * sizeof *o, "id offsets");
        if (!o) return LR_ERR_NOMEM;
        if (!m->off_cap) o[0] = 0;
        m->off = o;
        m->off_cap = c;
    }
    if (m->text_len + (int64_t)len + 1 > m->text_cap) {
        int64_t c = m->text_cap ? 2 * m->text_cap : 16384;
        while (c < m->text_len + (int64_t)len + 1) c *= 2;
        char *t = grow(ctx, m->text, (size_t)m->text_len, (size_t)c, "id text");
        if (!t) return LR_ERR_NOMEM;
        m->text = t;
        m->text_cap = c;
    }
    memcpy(m->text + m->text_len, id, len);
    m->text[m->text_len + (int64_t)len] = 0;
    m->text_len += (int64_t)len + 1;
    m->off[m->n + 1] = m->text_len;
    m->slot[pos] = m->n + 1;
    *index = m->n++;
    if (2 * m->n > m->cap) return rehash(ctx, m, 2 * m->cap);
    return LR_OK;
}

int64_t rec_idmap_find(const rec_idmap *m, const char *id)
{
    if (!m->cap || !id) return -1;
    uint64_t pos;
    return lookup(m, id, strlen(id), &pos);
}

lr_status rec_idmap_copy(lr_ctx *ctx, const rec_idmap *src, rec_idmap *dst)
{
    memset(dst, 0, sizeof *dst);
    for (int64_t i = 0; i < src->n; i++) {
        int64_t j;
        const char *s = rec_idmap_str(src, i);
        lr_status st = rec_idmap_intern(ctx, dst, s, strlen(s), &j);
        if (st) {
            rec_idmap_free(ctx, dst);
            return st;
        }
    }
    return LR_OK;
}
