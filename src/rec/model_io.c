/* model_io.c -- .lrm model files (docs/FORMAT-lrm.md): a fixed 112-byte
 * little-endian header, the id maps, float32 biases and factors, each user's
 * training items, and a CRC-32 of everything before it.  Written atomically
 * through lr_outfile; read whole and checked before anything is built. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "lowrank/media.h"
#include "rec_internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model_io.c writes little-endian arrays directly: port it for big-endian hosts"
#endif

#define LRM_MAGIC "LRMODEL\0"
#define LRM_VERSION 1u
#define LRM_HEADER 112

typedef struct { FILE *f; uint32_t crc; int err; } wr;
static void put(wr *w, const void *p, size_t n)
{
    if (w->err || n == 0) return;
    if (fwrite(p, 1, n, w->f) != n) w->err = errno ? errno : EIO;
    w->crc = rec_crc32(w->crc, p, n);
}
static void put_u32(unsigned char *b, uint32_t v) { memcpy(b, &v, 4); }
static void put_u64(unsigned char *b, uint64_t v) { memcpy(b, &v, 8); }
static void put_f64(unsigned char *b, double v) { memcpy(b, &v, 8); }
static uint32_t get_u32(const unsigned char *b) { uint32_t v; memcpy(&v, b, 4); return v; }
static uint64_t get_u64(const unsigned char *b) { uint64_t v; memcpy(&v, b, 8); return v; }
static double get_f64(const unsigned char *b) { double v; memcpy(&v, b, 8); return v; }

lr_status lr_rec_save(lr_ctx *ctx, const lr_rec *m, const char *path)
{
    unsigned char h[LRM_HEADER];
    memset(h, 0, sizeof h);
    memcpy(h, LRM_MAGIC, 8);
    put_u32(h + 8, LRM_VERSION);
    put_u32(h + 12, (uint32_t)m->opts.kind);
    put_u32(h + 16, (uint32_t)m->k);
    put_u32(h + 20, (m->opts.biases ? 1u : 0u) | (m->opts.solver == LR_REC_SGD ? 2u : 0u));
    put_u64(h + 24, (uint64_t)m->nu);
    put_u64(h + 32, (uint64_t)m->ni);
    put_u64(h + 40, (uint64_t)m->rptr[m->nu]);
    put_f64(h + 48, m->mean);
    put_f64(h + 56, m->opts.lambda);
    put_f64(h + 64, m->opts.alpha);
    put_u32(h + 72, (uint32_t)m->opts.iters);
    put_u32(h + 76, (uint32_t)m->opts.cg_steps);
    put_u64(h + 80, m->opts.seed);
    put_u64(h + 88, (uint64_t)m->users.text_len);
    put_u64(h + 96, (uint64_t)m->items.text_len);
    put_f64(h + 104, m->opts.lambda_bias);
    lr_outfile *of;
    lr_status s = lr_outfile_open(ctx, path, &of);
    if (s) return s;
    wr w = {lr_outfile_fp(of), 0, 0};
    size_t k = (size_t)m->k;
    put(&w, h, sizeof h);
    put(&w, m->users.text, (size_t)m->users.text_len);
    put(&w, m->items.text, (size_t)m->items.text_len);
    put(&w, m->bu, sizeof(float) * (size_t)m->nu);
    put(&w, m->bi, sizeof(float) * (size_t)m->ni);
    put(&w, m->P, sizeof(float) * (size_t)m->nu * k);
    put(&w, m->Q, sizeof(float) * (size_t)m->ni * k);
    put(&w, m->rptr, sizeof(int64_t) * (size_t)(m->nu + 1));
    put(&w, m->ridx, sizeof(int32_t) * (size_t)m->rptr[m->nu]);
    unsigned char c[4];
    put_u32(c, w.crc);
    put(&w, c, 4);
    if (w.err) {
        lr_outfile_abort(of);
        return lr__err(ctx, LR_ERR_IO, "writing '%s': %s", path, strerror(w.err));
    }
    return lr_outfile_commit(ctx, of);
}

static int finite_floats(const float *x, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

/* Ids text of n NUL-terminated strings of len bytes into map. */
static lr_status load_ids(lr_ctx *ctx, const char *path, const char *what, const char *t,
                          uint64_t len, uint64_t n, rec_idmap *map)
{
    uint64_t cnt = 0;
    if (len > 0 && t[len - 1] != 0) cnt = UINT64_MAX;
    else
        for (uint64_t e = 0; e < len; e++) cnt += t[e] == 0;
    if (cnt != n)
        return lr__err(ctx, LR_ERR_FORMAT, "'%s': the %s id table is damaged (%llu ids for %llu %ss)",
                       path, what, (unsigned long long)cnt, (unsigned long long)n, what);
    const char *p = t;
    for (uint64_t e = 0; e < n; e++) {
        size_t l = strlen(p);
        int64_t idx;
        lr_status s = rec_idmap_intern(ctx, map, p, l, &idx);
        if (s) return s;
        if ((uint64_t)idx != e)
            return lr__err(ctx, LR_ERR_FORMAT, "'%s': %s id '%s' appears twice", path, what, p);
        p += l + 1;
    }
    return LR_OK;
}

lr_status lr_rec_load(lr_ctx *ctx, const char *path, lr_rec **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return lr__err(ctx, errno == ENOENT ? LR_ERR_IO : LR_ERR_IO, "cannot open model '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return lr__err(ctx, LR_ERR_IO, "'%s' is not a regular file", path);
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < LRM_HEADER + 4) {
        fclose(f);
        return lr__err(ctx, LR_ERR_FORMAT, "'%s' is not a lowrank model (.lrm): %s", path,
                       size == 0 ? "empty file" : "too short (truncated?)");
    }
    unsigned char *b = lr__malloc(ctx, (size_t)size, "model file");
    if (!b) {
        fclose(f);
        return LR_ERR_NOMEM;
    }
    size_t got = fread(b, 1, (size_t)size, f);
    fclose(f);
    lr_rec *m = NULL;
    lr_status s;
    if (got != size) {
        s = lr__err(ctx, LR_ERR_IO, "reading '%s' failed", path);
        goto fail;
    }
    if (memcmp(b, LRM_MAGIC, 8)) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s' is not a lowrank model (.lrm): wrong magic bytes", path);
        goto fail;
    }
    uint32_t ver = get_u32(b + 8);
    if (ver > LRM_VERSION || ver == 0) {
        s = lr__err(ctx, LR_ERR_FORMAT,
                    "'%s' is model format version %u; this lowrank reads version %u: "
                    "upgrade lowrank or retrain", path, ver, LRM_VERSION);
        goto fail;
    }
    if (rec_crc32(0, b, (size_t)size - 4) != get_u32(b + size - 4)) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s' is damaged or truncated (CRC mismatch): retrain or "
                    "restore it", path);
        goto fail;
    }
    uint32_t kind = get_u32(b + 12), k = get_u32(b + 16), flags = get_u32(b + 20);
    uint64_t nu = get_u64(b + 24), ni = get_u64(b + 32), nnz = get_u64(b + 40);
    uint64_t ulen = get_u64(b + 88), ilen = get_u64(b + 96);
    if (kind > 1 || k > 256 || nu > INT32_MAX || ni > INT32_MAX || nnz > (uint64_t)1 << 40 ||
        ulen > size || ilen > size) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s': header values out of range (damaged file)", path);
        goto fail;
    }
    uint64_t need = LRM_HEADER + ulen + ilen + 4 * (nu + ni) + 4 * (nu + ni) * (uint64_t)k +
                    8 * (nu + 1) + 4 * nnz + 4;
    if (need != size) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s': size %llu bytes does not match its header (%llu)",
                    path, (unsigned long long)size, (unsigned long long)need);
        goto fail;
    }
    /* The model next to the file's bytes: factors, biases, rated items,
     * item counts and the id maps (text grown by doubling, offsets, hash
     * slots), against the context's memory limit like the other readers. */
    uint64_t model = 4 * (nu + ni) * ((uint64_t)k + 1) + 8 * (nu + 1) + 4 * nnz + 8 * ni +
                     2 * (ulen + ilen) + 48 * (nu + ni);
    char what[600];
    snprintf(what, sizeof what, "model '%s' (%llu users, %llu items, k = %u)", path,
             (unsigned long long)nu, (unsigned long long)ni, k);
    if ((s = lr_mem_check(ctx, (int64_t)(size + model), (int64_t)size, what))) goto fail;
    if ((s = rec_model_alloc(ctx, (int)k, (int64_t)nu, (int64_t)ni, (int64_t)nnz, &m))) goto fail;
    lr_rec_opts_default(&m->opts);
    m->opts.kind = (lr_rec_kind)kind;
    m->opts.k = (int)k;
    m->opts.biases = (flags & 1) != 0;
    m->opts.solver = (flags & 2) ? LR_REC_SGD : LR_REC_ALS;
    m->mean = get_f64(b + 48);
    m->opts.lambda = get_f64(b + 56);
    m->opts.alpha = get_f64(b + 64);
    m->opts.iters = (int)get_u32(b + 72);
    m->opts.cg_steps = (int)get_u32(b + 76);
    m->opts.seed = get_u64(b + 80);
    m->opts.lambda_bias = get_f64(b + 104);
    const unsigned char *p = b + LRM_HEADER;
    if ((s = load_ids(ctx, path, "user", (const char *)p, ulen, nu, &m->users))) goto fail;
    p += ulen;
    if ((s = load_ids(ctx, path, "item", (const char *)p, ilen, ni, &m->items))) goto fail;
    p += ilen;
    memcpy(m->bu, p, 4 * nu), p += 4 * nu;
    memcpy(m->bi, p, 4 * ni), p += 4 * ni;
    memcpy(m->P, p, 4 * nu * k), p += 4 * nu * k;
    memcpy(m->Q, p, 4 * ni * k), p += 4 * ni * k;
    memcpy(m->rptr, p, 8 * (nu + 1)), p += 8 * (nu + 1);
    memcpy(m->ridx, p, 4 * nnz);
    /* What training would have refused (train.c's option checks, a diverged
     * model) cannot come from lr_rec_save: the file is damaged. */
    const lr_rec_opts *o = &m->opts;
    int implicit = o->kind == LR_REC_IMPLICIT;
    const char *bad = !isfinite(m->mean)                              ? "mean"
                      : !(o->lambda > 0 && isfinite(o->lambda))       ? "lambda"
                      : !(o->lambda_bias > 0 && isfinite(o->lambda_bias)) ? "bias lambda"
                      : implicit && !(o->alpha >= 0 && isfinite(o->alpha)) ? "alpha"
                      : implicit && (o->cg_steps < 1 || k < 1)        ? "CG steps or k"
                      : o->iters < 0                                  ? "iterations"
                      : !finite_floats(m->bu, nu) || !finite_floats(m->bi, ni) ? "biases"
                      : !finite_floats(m->P, nu * k) || !finite_floats(m->Q, ni * k)
                          ? "factors"
                          : NULL;
    if (bad) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s' is damaged (%s out of range): retrain or "
                    "restore it", path, bad);
        goto fail;
    }
    /* Row pointers ascending from 0 to N; each row's items ascending and
     * below I (top-N leaves them out by that order). */
    int ok = m->rptr[0] == 0 && (uint64_t)m->rptr[nu] == nnz;
    for (uint64_t u = 0; ok && u < nu; u++) {
        ok = m->rptr[u] <= m->rptr[u + 1];
        for (int64_t e = m->rptr[u]; ok && e < m->rptr[u + 1]; e++) {
            ok = m->ridx[e] >= 0 && (uint64_t)m->ridx[e] < ni &&
                 (e == m->rptr[u] || m->ridx[e] > m->ridx[e - 1]);
            if (ok) m->pop[m->ridx[e]]++;
        }
    }
    if (!ok) {
        s = lr__err(ctx, LR_ERR_FORMAT, "'%s': the rated-items table is damaged", path);
        goto fail;
    }
    lr__free(ctx, b);
    *out = m;
    return LR_OK;
fail:
    lr__free(ctx, b);
    lr_rec_destroy(m);
    return s;
}
