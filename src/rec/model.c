/* model.c -- the trained model: allocation, accessors, prediction, top-N,
 * similar items, fold-in of a new user. */
#include <math.h>
#include <string.h>
#include "rec_internal.h"

lr_status rec_model_alloc(lr_ctx *ctx, int k, int64_t nu, int64_t ni, int64_t nnz, lr_rec **out)
{
    *out = NULL;
    lr_rec *m = lr__calloc(ctx, 1, sizeof *m, "model");
    if (!m) return LR_ERR_NOMEM;
    m->ctx = ctx;
    m->k = k;
    m->nu = nu;
    m->ni = ni;
    m->P = lr__calloc(ctx, (size_t)nu * (size_t)k + 1, sizeof(float), "user factors");
    m->Q = lr__calloc(ctx, (size_t)ni * (size_t)k + 1, sizeof(float), "item factors");
    m->bu = lr__calloc(ctx, (size_t)nu + 1, sizeof(float), "user biases");
    m->bi = lr__calloc(ctx, (size_t)ni + 1, sizeof(float), "item biases");
    m->rptr = lr__calloc(ctx, (size_t)nu + 1, sizeof(int64_t), "rated items");
    m->ridx = lr__calloc(ctx, (size_t)nnz + 1, sizeof(int32_t), "rated items");
    m->pop = lr__calloc(ctx, (size_t)ni + 1, sizeof(int64_t), "item popularity");
    if (!m->P || !m->Q || !m->bu || !m->bi || !m->rptr || !m->ridx || !m->pop) {
        lr_rec_destroy(m);
        return LR_ERR_NOMEM;
    }
    *out = m;
    return LR_OK;
}

void lr_rec_destroy(lr_rec *m)
{
    if (!m) return;
    lr_ctx *ctx = m->ctx;
    rec_idmap_free(ctx, &m->users);
    rec_idmap_free(ctx, &m->items);
    lr__free(ctx, m->P);
    lr__free(ctx, m->Q);
    lr__free(ctx, m->bu);
    lr__free(ctx, m->bi);
    lr__free(ctx, m->rptr);
    lr__free(ctx, m->ridx);
    lr__free(ctx, m->pop);
    lr__free(ctx, m);
}

lr_rec_kind lr_rec_get_kind(const lr_rec *m) { return m->opts.kind; }
int lr_rec_k(const lr_rec *m) { return m->k; }
int64_t lr_rec_users(const lr_rec *m) { return m->nu; }
int64_t lr_rec_items(const lr_rec *m) { return m->ni; }
double lr_rec_mean(const lr_rec *m) { return m->mean; }
const lr_rec_opts *lr_rec_options(const lr_rec *m) { return &m->opts; }
const char *lr_rec_user_id(const lr_rec *m, int64_t u)
{
    return u >= 0 && u < m->nu ? rec_idmap_str(&m->users, u) : NULL;
}
const char *lr_rec_item_id(const lr_rec *m, int64_t i)
{
    return i >= 0 && i < m->ni ? rec_idmap_str(&m->items, i) : NULL;
}
int64_t lr_rec_user_index(const lr_rec *m, const char *id) { return rec_idmap_find(&m->users, id); }
int64_t lr_rec_item_index(const lr_rec *m, const char *id) { return rec_idmap_find(&m->items, id); }
const float *lr_rec_user_factors(const lr_rec *m, int64_t u) { return m->P + (size_t)u * m->k; }
const float *lr_rec_item_factors(const lr_rec *m, int64_t i) { return m->Q + (size_t)i * m->k; }
float lr_rec_user_bias(const lr_rec *m, int64_t u) { return m->bu[u]; }
float lr_rec_item_bias(const lr_rec *m, int64_t i) { return m->bi[i]; }
int64_t lr_rec_user_rated(const lr_rec *m, int64_t u, const int32_t **items)
{
    if (items) *items = m->ridx + m->rptr[u];
    return m->rptr[u + 1] - m->rptr[u];
}

static double score_vec(const lr_rec *m, const float *p, double bias, int64_t i)
{
    const float *q = m->Q + (size_t)i * m->k;
    double s = m->mean + bias + m->bi[i];
    for (int t = 0; t < m->k; t++) s += (double)p[t] * q[t];
    return s;
}

double lr_rec_predict(const lr_rec *m, int64_t u, int64_t i)
{
    if (u < 0 || u >= m->nu) {   /* unknown user: mean + item bias */
        if (i < 0 || i >= m->ni) return m->mean;
        return m->mean + m->bi[i];
    }
    if (i < 0 || i >= m->ni) return m->mean + m->bu[u];
    return score_vec(m, m->P + (size_t)u * m->k, m->bu[u], i);
}

/* ---- best-n selection: a min-heap on (score, -index) -------------------- */
typedef struct { double s; int64_t i; } cand;
static int worse(cand a, cand b) { return a.s < b.s || (a.s == b.s && a.i > b.i); }
static void sift_down(cand *h, int64_t n, int64_t p)
{
    for (;;) {
        int64_t l = 2 * p + 1, r = l + 1, w = p;
        if (l < n && worse(h[l], h[w])) w = l;
        if (r < n && worse(h[r], h[w])) w = r;
        if (w == p) return;
        cand t = h[p];
        h[p] = h[w];
        h[w] = t;
        p = w;
    }
}
static void heap_push(cand *h, int64_t *n, int64_t cap, cand c)
{
    if (*n < cap) {
        int64_t p = (*n)++;
        h[p] = c;
        while (p > 0) {
            int64_t q = (p - 1) / 2;
            if (!worse(h[p], h[q])) break;
            cand t = h[p];
            h[p] = h[q];
            h[q] = t;
            p = q;
        }
    } else if (cap > 0 && worse(h[0], c)) {
        h[0] = c;
        sift_down(h, *n, 0);
    }
}
/* Sorts the heap best first into items/scores. */
static void heap_out(cand *h, int64_t n, int64_t *items, double *scores)
{
    for (int64_t e = n - 1; e >= 0; e--) {
        cand top = h[0];
        h[0] = h[e];
        sift_down(h, e, 0);
        items[e] = top.i;
        if (scores) scores[e] = top.s;
    }
}

int64_t rec_best(const lr_rec *m, const float *p, double bias, const unsigned char *skip,
                 int64_t n, int popularity, void *heapbuf, int64_t *items, double *scores)
{
    cand *h = heapbuf;
    int64_t cnt = 0, cap = LR_MIN(n, m->ni);
    for (int64_t i = 0; i < m->ni; i++) {
        if (skip && skip[i]) continue;
        cand c = {popularity ? (double)m->pop[i] : score_vec(m, p, bias, i), i};
        heap_push(h, &cnt, cap, c);
    }
    heap_out(h, cnt, items, scores);
    return cnt;
}

lr_status lr_rec_top_vector(lr_ctx *ctx, const lr_rec *m, const float *p, double bias,
                            const int64_t *exclude, int64_t nex, int64_t n, int64_t *items,
                            double *scores, int64_t *got)
{
    *got = 0;
    if (n < 0) return lr__err(ctx, LR_ERR_ARG, "top-N: n = %lld must be >= 0", (long long)n);
    unsigned char *skip = lr__calloc(ctx, (size_t)m->ni + 1, 1, "top-N");
    cand *h = lr__malloc(ctx, sizeof(cand) * (size_t)(LR_MIN(n, m->ni) + 1), "top-N");
    if (!skip || !h) {
        lr__free(ctx, skip);
        lr__free(ctx, h);
        return LR_ERR_NOMEM;
    }
    for (int64_t e = 0; e < nex; e++)
        if (exclude[e] >= 0 && exclude[e] < m->ni) skip[exclude[e]] = 1;
    *got = rec_best(m, p, bias, skip, n, 0, h, items, scores);
    lr__free(ctx, skip);
    lr__free(ctx, h);
    return LR_OK;
}

lr_status lr_rec_top(lr_ctx *ctx, const lr_rec *m, int64_t u, int64_t n, int64_t *items,
                     double *scores, int64_t *got)
{
    *got = 0;
    if (u < 0 || u >= m->nu)
        return lr__err(ctx, LR_ERR_ARG, "user index %lld out of range (0..%lld)", (long long)u,
                       (long long)m->nu - 1);
    int64_t nr = m->rptr[u + 1] - m->rptr[u];
    int64_t *ex = lr__malloc(ctx, sizeof(int64_t) * (size_t)(nr + 1), "top-N");
    if (!ex) return LR_ERR_NOMEM;
    for (int64_t e = 0; e < nr; e++) ex[e] = m->ridx[m->rptr[u] + e];
    lr_status s = lr_rec_top_vector(ctx, m, m->P + (size_t)u * m->k, m->bu[u], ex, nr, n, items,
                                    scores, got);
    lr__free(ctx, ex);
    return s;
}

lr_status lr_rec_similar(lr_ctx *ctx, const lr_rec *m, int64_t i, int64_t n, int64_t *items,
                         double *scores, int64_t *got)
{
    *got = 0;
    if (i < 0 || i >= m->ni)
        return lr__err(ctx, LR_ERR_ARG, "item index %lld out of range (0..%lld)", (long long)i,
                       (long long)m->ni - 1);
    if (n < 0) return lr__err(ctx, LR_ERR_ARG, "similar: n = %lld must be >= 0", (long long)n);
    int k = m->k;
    cand *h = lr__malloc(ctx, sizeof(cand) * (size_t)(LR_MIN(n, m->ni) + 1), "similar items");
    if (!h) return LR_ERR_NOMEM;
    const float *a = m->Q + (size_t)i * k;
    double na = 0;
    for (int t = 0; t < k; t++) na += (double)a[t] * a[t];
    na = sqrt(na);
    int64_t cnt = 0, cap = LR_MIN(n, m->ni - 1);
    for (int64_t j = 0; j < m->ni; j++) {
        if (j == i) continue;
        const float *b = m->Q + (size_t)j * k;
        double d = 0, nb = 0;
        for (int t = 0; t < k; t++) {
            d += (double)a[t] * b[t];
            nb += (double)b[t] * b[t];
        }
        double c = (na > 0 && nb > 0) ? d / (na * sqrt(nb)) : 0.0;
        cand x = {c, j};
        heap_push(h, &cnt, cap, x);
    }
    heap_out(h, cnt, items, scores);
    *got = cnt;
    lr__free(ctx, h);
    return LR_OK;
}

lr_status lr_rec_foldin(lr_ctx *ctx, const lr_rec *m, int64_t n, const int64_t *items,
                        const double *ratings, float *factors, double *bias)
{
    int k = m->k;
    if (n <= 0) return lr__err(ctx, LR_ERR_DATA, "fold-in: no ratings");
    int32_t *idx = lr__malloc(ctx, sizeof(int32_t) * (size_t)n, "fold-in");
    float *val = lr__malloc(ctx, sizeof(float) * (size_t)n, "fold-in");
    size_t wn = REC_EXPLICIT_WORK(k) + (size_t)k * k + 2 * (size_t)k;
    double *work = lr__malloc(ctx, sizeof(double) * wn, "fold-in");
    double *YtY = lr__malloc(ctx, sizeof(double) * ((size_t)k * k + 1), "fold-in");
    lr_status s = LR_ERR_NOMEM;
    if (!idx || !val || !work || !YtY) goto done;
    for (int64_t e = 0; e < n; e++) {
        if (items[e] < 0 || items[e] >= m->ni) {
            s = lr__err(ctx, LR_ERR_ARG, "fold-in: item index %lld out of range", (long long)items[e]);
            goto done;
        }
        if (!isfinite(ratings[e])) {
            s = lr__err(ctx, LR_ERR_DATA, "fold-in: rating %lld is not a finite number", (long long)e);
            goto done;
        }
        if (m->opts.kind == LR_REC_IMPLICIT && !(ratings[e] > 0)) {
            s = lr__err(ctx, LR_ERR_DATA, "fold-in: implicit ratings must be > 0 (got %g)", ratings[e]);
            goto done;
        }
        idx[e] = (int32_t)items[e];
        val[e] = (float)ratings[e];
    }
    float b = 0;
    int bad;
    if (m->opts.kind == LR_REC_IMPLICIT) {
        if ((s = rec_gram(ctx, k, m->ni, m->Q, YtY))) goto done;
        bad = rec_solve_implicit_exact(k, m->opts.lambda, m->opts.alpha, YtY, n, idx, val, m->Q,
                                       work, factors);
    } else {
        bad = rec_solve_explicit(k, m->opts.biases, m->opts.lambda, m->opts.lambda_bias, m->mean, n, idx, val, m->Q,
                                 m->bi, work, factors, &b, NULL);
    }
    /* With lambda > 0 the system is positive definite in exact arithmetic:
     * a failure, or a solution beyond float's range, comes from numbers out
     * of range (ratings of 1e38, a model file with huge factors). */
    for (int p = 0; !bad && p < k; p++) bad = !isfinite(factors[p]);
    if (bad || !isfinite(b)) {
        s = lr__err(ctx, LR_ERR_DATA, "fold-in: the ratings and the model's factors give a "
                    "system that cannot be solved in floating point (values out of range)");
        goto done;
    }
    if (bias) *bias = b;
    s = LR_OK;
done:
    lr__free(ctx, idx);
    lr__free(ctx, val);
    lr__free(ctx, work);
    lr__free(ctx, YtY);
    return s;
}
