/* test_rec.c -- recommendations: ALS-WR, implicit ALS, SGD, fold-in, top-N,
 * similar items, model files, ratings files, splits and metrics, checked
 * against planted ground truth (known P, Q, biases, noise level), against
 * LAPACK solving the same normal equations in the test, against brute-force
 * sorting and against hand-computed metric values. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

/* ---- a planted explicit data set ---------------------------------------- */
typedef struct {
    int64_t nu, ni, n;
    int k;
    double mu, sigma;
    double *P, *Q, *bu, *bi; /* truth */
    char **uid, **iid;       /* per triplet */
    double *r;
    int32_t *tu, *ti;        /* triplet -> planted indices */
} planted;

static char *dupf(const char *fmt, long v)
{
    char b[64];
    snprintf(b, sizeof b, fmt, v);
    return strdup(b);
}

static planted make_planted(int64_t nu, int64_t ni, int k, double density, double sigma,
                            uint64_t seed)
{
    planted p = {nu, ni, 0, k, 3.5, sigma, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    tu_rng g = {seed};
    p.P = malloc(sizeof(double) * nu * k);
    p.Q = malloc(sizeof(double) * ni * k);
    p.bu = malloc(sizeof(double) * nu);
    p.bi = malloc(sizeof(double) * ni);
    for (int64_t e = 0; e < nu * k; e++) p.P[e] = tu_randn(&g) / sqrt(k);
    for (int64_t e = 0; e < ni * k; e++) p.Q[e] = tu_randn(&g) / sqrt(k) * 1.5;
    for (int64_t u = 0; u < nu; u++) p.bu[u] = 0.4 * tu_randn(&g);
    for (int64_t i = 0; i < ni; i++) p.bi[i] = 0.4 * tu_randn(&g);
    int64_t cap = nu * ni;
    p.uid = malloc(sizeof(char *) * cap);
    p.iid = malloc(sizeof(char *) * cap);
    p.r = malloc(sizeof(double) * cap);
    p.tu = malloc(sizeof(int32_t) * cap);
    p.ti = malloc(sizeof(int32_t) * cap);
    /* items listed in a scrambled order so first-appearance numbering differs
     * from the planted one */
    for (int64_t u = 0; u < nu; u++)
        for (int64_t i = 0; i < ni; i++) {
            if (tu_rand01(&g) >= density) continue;
            double v = p.mu + p.bu[u] + p.bi[i] + sigma * tu_randn(&g);
            for (int t = 0; t < k; t++) v += p.P[u * k + t] * p.Q[i * k + t];
            p.uid[p.n] = dupf("user%ld", (long)u);
            p.iid[p.n] = dupf("it-%ld", (long)(ni - 1 - i));
            p.r[p.n] = v;
            p.tu[p.n] = (int32_t)u;
            p.ti[p.n] = (int32_t)i;
            p.n++;
        }
    return p;
}

static void free_planted(planted *p)
{
    for (int64_t e = 0; e < p->n; e++) free(p->uid[e]), free(p->iid[e]);
    free(p->uid), free(p->iid), free(p->r), free(p->tu), free(p->ti);
    free(p->P), free(p->Q), free(p->bu), free(p->bi);
}

static lr_ratings *ratings_of(lr_ctx *ctx, const planted *p)
{
    lr_ratings *r = NULL;
    int64_t dups = -1;
    CHECK_OK(ctx, lr_ratings_from_triplets(ctx, p->n, (const char *const *)p->uid,
                                           (const char *const *)p->iid, p->r, &r, &dups));
    CHECK(dups == 0, "dups %lld", (long long)dups);
    return r;
}

static double model_rmse(const lr_rec *m, const lr_ratings *test)
{
    lr_ratings_view v = lr_ratings_by_user(test);
    double se = 0;
    int64_t n = 0;
    for (int64_t u = 0; u < v.rows; u++)
        for (int64_t e = v.ptr[u]; e < v.ptr[u + 1]; e++) {
            double d = v.val[e] - lr_rec_predict(m, u, v.idx[e]);
            se += d * d;
            n++;
        }
    return sqrt(se / n);
}

/* The explicit objective computed here from the model's factors. */
static double objective_here(const lr_rec *m, const lr_ratings *r, double lambda)
{
    lr_ratings_view v = lr_ratings_by_user(r), w = lr_ratings_by_item(r);
    int k = lr_rec_k(m);
    double f = 0;
    for (int64_t u = 0; u < v.rows; u++) {
        double nrm = (double)lr_rec_user_bias(m, u) * lr_rec_user_bias(m, u);
        const float *p = lr_rec_user_factors(m, u);
        for (int t = 0; t < k; t++) nrm += (double)p[t] * p[t];
        f += lambda * (double)(v.ptr[u + 1] - v.ptr[u]) * nrm;
        for (int64_t e = v.ptr[u]; e < v.ptr[u + 1]; e++) {
            double pred = lr_rec_mean(m) + lr_rec_user_bias(m, u) + lr_rec_item_bias(m, v.idx[e]);
            const float *q = lr_rec_item_factors(m, v.idx[e]);
            for (int t = 0; t < k; t++) pred += (double)p[t] * q[t];
            f += (v.val[e] - pred) * (v.val[e] - pred);
        }
    }
    for (int64_t i = 0; i < w.rows; i++) {
        double nrm = (double)lr_rec_item_bias(m, i) * lr_rec_item_bias(m, i);
        const float *q = lr_rec_item_factors(m, i);
        for (int t = 0; t < k; t++) nrm += (double)q[t] * q[t];
        f += lambda * (double)(w.ptr[i + 1] - w.ptr[i]) * nrm;
    }
    return f;
}

static void test_views_and_ids(lr_ctx *ctx)
{
    planted p = make_planted(30, 20, 2, 0.4, 0.1, 11);
    lr_ratings *r = ratings_of(ctx, &p);
    CHECK(lr_ratings_count(r) == p.n, "count");
    /* dense matrix from the triplets by id, compared with both views */
    int64_t nu = lr_ratings_users(r), ni = lr_ratings_items(r);
    CHECK(nu == 30 && ni <= 20, "sizes %lld %lld", (long long)nu, (long long)ni);
    double *D = calloc(nu * ni, sizeof(double));
    for (int64_t e = 0; e < p.n; e++) {
        int64_t u = lr_ratings_user_index(r, p.uid[e]), i = lr_ratings_item_index(r, p.iid[e]);
        CHECK(u >= 0 && i >= 0, "id lookup");
        CHECK(!strcmp(lr_ratings_user_id(r, u), p.uid[e]), "id back");
        D[u * ni + i] = (float)p.r[e];
    }
    CHECK(lr_ratings_user_index(r, "nobody") == -1, "unknown id");
    lr_ratings_view v = lr_ratings_by_user(r), w = lr_ratings_by_item(r);
    double sum = 0;
    int64_t seen = 0;
    for (int64_t u = 0; u < nu; u++)
        for (int64_t e = v.ptr[u]; e < v.ptr[u + 1]; e++) {
            CHECK(v.val[e] == D[u * ni + v.idx[e]], "csr value");
            if (e > v.ptr[u]) CHECK(v.idx[e] > v.idx[e - 1], "csr sorted");
            seen++;
        }
    for (int64_t i = 0; i < ni; i++)
        for (int64_t e = w.ptr[i]; e < w.ptr[i + 1]; e++) {
            CHECK(w.val[e] == D[w.idx[e] * ni + i], "csc value");
            sum += w.val[e];
        }
    CHECK(seen == p.n && w.ptr[ni] == p.n, "entries");
    double ref = 0;
    for (int64_t e = 0; e < p.n; e++) ref += (float)p.r[e];
    CHECK(fabs(lr_ratings_mean(r) - ref / p.n) < 1e-9, "mean");
    (void)sum;

    /* duplicates: the last one wins */
    const char *us[] = {"a", "b", "a", "a"}, *is[] = {"x", "x", "x", "y"};
    double rs[] = {1, 2, 3, 4};
    lr_ratings *d = NULL;
    int64_t dups = 0;
    CHECK_OK(ctx, lr_ratings_from_triplets(ctx, 4, us, is, rs, &d, &dups));
    CHECK(dups == 1 && lr_ratings_count(d) == 3, "dups %lld count %lld", (long long)dups,
          (long long)lr_ratings_count(d));
    lr_ratings_view dv = lr_ratings_by_user(d);
    int64_t ua = lr_ratings_user_index(d, "a"), ix = lr_ratings_item_index(d, "x");
    CHECK(dv.idx[dv.ptr[ua]] == ix && dv.val[dv.ptr[ua]] == 3.0f, "last duplicate kept");
    lr_ratings_destroy(d);
    rs[1] = NAN;
    CHECK(lr_ratings_from_triplets(ctx, 4, us, is, rs, &d, &dups) == LR_ERR_DATA && !d, "NaN refused");

    /* splits */
    unsigned char *t = malloc(p.n), *cnt = calloc(p.n, 1);
    for (int f = 0; f < 5; f++) {
        CHECK_OK(ctx, lr_ratings_split(ctx, r, LR_SPLIT_KFOLD, 5, f, 0, 0, 3, t));
        int64_t c = 0;
        for (int64_t e = 0; e < p.n; e++) cnt[e] += t[e], c += t[e];
        CHECK(c >= p.n / 5 && c <= p.n / 5 + 1, "fold %d size %lld of %lld", f, (long long)c, (long long)p.n);
    }
    int all1 = 1;
    for (int64_t e = 0; e < p.n; e++) all1 &= cnt[e] == 1;
    CHECK(all1, "every entry in exactly one test fold");
    CHECK_OK(ctx, lr_ratings_split(ctx, r, LR_SPLIT_LEAVE_K, 0, 0, 0, 2, 3, t));
    int ok = 1;
    for (int64_t u = 0; u < nu; u++) {
        int64_t c = 0, m = v.ptr[u + 1] - v.ptr[u];
        for (int64_t e = v.ptr[u]; e < v.ptr[u + 1]; e++) c += t[e];
        ok &= m > 2 ? c == 2 : c == 0;
    }
    CHECK(ok, "leave-2-out per user");
    lr_ratings *sub = NULL;
    CHECK_OK(ctx, lr_ratings_subset(ctx, r, t, &sub));
    CHECK(lr_ratings_users(sub) == nu && lr_ratings_items(sub) == ni, "subset keeps ids");
    int64_t c2 = 0;
    for (int64_t e = 0; e < p.n; e++) c2 += t[e];
    CHECK(lr_ratings_count(sub) == c2, "subset count");
    lr_ratings_destroy(sub);
    free(t), free(cnt), free(D);
    lr_ratings_destroy(r);
    free_planted(&p);
}

/* Splits r into train/test by a 10% fraction. */
static void split_train_test(lr_ctx *ctx, const lr_ratings *r, lr_ratings **tr, lr_ratings **te)
{
    int64_t n = lr_ratings_count(r);
    unsigned char *t = malloc(n);
    CHECK_OK(ctx, lr_ratings_split(ctx, r, LR_SPLIT_FRACTION, 0, 0, 0.1, 0, 7, t));
    CHECK_OK(ctx, lr_ratings_subset(ctx, r, t, te));
    for (int64_t e = 0; e < n; e++) t[e] = !t[e];
    CHECK_OK(ctx, lr_ratings_subset(ctx, r, t, tr));
    free(t);
}

/* Re-seals a modified model image (its last 4 bytes := the CRC-32 of the
 * rest, computed here bit by bit), writes it to path and loads it. */
static lr_status reseal_and_load(lr_ctx *ctx, unsigned char *cp, long sz, const char *path,
                                 lr_rec **out)
{
    uint32_t crc = 0xffffffffu;
    for (long e = 0; e < sz - 4; e++) {
        crc ^= cp[e];
        for (int b = 0; b < 8; b++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    crc = ~crc;
    memcpy(cp + sz - 4, &crc, 4);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(cp, 1, (size_t)sz, f) == (size_t)sz && fclose(f) == 0, "write %s", path);
    return lr_rec_load(ctx, path, out);
}

static void test_explicit(lr_ctx *ctx)
{
    double sigma = 0.3;
    planted p = make_planted(400, 300, 5, 0.35, sigma, 42);
    lr_ratings *r = ratings_of(ctx, &p), *tr, *te;
    split_train_test(ctx, r, &tr, &te);
    lr_rec_opts o;
    lr_rec_opts_default(&o);
    o.k = 5;
    o.lambda = 0.02;
    o.iters = 25;
    lr_rec *m = NULL;
    double obj[26];
    CHECK_OK(ctx, lr_rec_train(ctx, tr, &o, &m, obj));
    double rmse = model_rmse(m, te);
    printf("explicit: held-out RMSE %.4f (noise sigma %.2f), objective %.2f -> %.2f\n", rmse, sigma,
           obj[0], obj[25]);
    CHECK(rmse < 1.2 * sigma, "held-out RMSE %.4f vs noise %.3f", rmse, sigma);
    int mono = 1;
    for (int t = 0; t < 25; t++) mono &= obj[t + 1] <= obj[t] * (1 + 1e-12);
    CHECK(mono, "ALS objective never increases");
    double here = objective_here(m, tr, o.lambda);
    CHECK(fabs(here - obj[25]) <= 1e-9 * here, "objective %.10g vs recomputed %.10g", obj[25], here);

    /* biases only (k = 0) is much worse on this low-rank data */
    lr_rec_opts ob = o;
    ob.k = 0;
    lr_rec *mb = NULL;
    CHECK_OK(ctx, lr_rec_train(ctx, tr, &ob, &mb, NULL));
    double rb = model_rmse(mb, te);
    CHECK(rb > 2 * rmse, "bias-only RMSE %.4f vs model %.4f", rb, rmse);
    /* the learned biases follow the planted ones (up to the factors' means) */
    double c = 0, na = 0, nb = 0, ma = 0, mbm = 0;
    for (int64_t i = 0; i < p.ni; i++) {
        char id[32];
        snprintf(id, sizeof id, "it-%ld", (long)(p.ni - 1 - i));
        int64_t j = lr_rec_item_index(mb, id);
        ma += p.bi[i], mbm += lr_rec_item_bias(mb, j);
    }
    ma /= p.ni, mbm /= p.ni;
    for (int64_t i = 0; i < p.ni; i++) {
        char id[32];
        snprintf(id, sizeof id, "it-%ld", (long)(p.ni - 1 - i));
        int64_t j = lr_rec_item_index(mb, id);
        double a = p.bi[i] - ma, b = lr_rec_item_bias(mb, j) - mbm;
        c += a * b, na += a * a, nb += b * b;
    }
    CHECK(c / sqrt(na * nb) > 0.6, "bias correlation %.3f", c / sqrt(na * nb));

    /* the last half-step solved every item's normal equations exactly: solve
     * them again here with LAPACK from the final user factors */
    lr_ratings_view w = lr_ratings_by_item(tr);
    int k = o.k, d = k + 1;
    double maxrel = 0;
    for (int64_t i = 0; i < w.rows; i += 37) {
        double A[36], b[6];
        memset(A, 0, sizeof A), memset(b, 0, sizeof b);
        int64_t n = w.ptr[i + 1] - w.ptr[i];
        for (int64_t e = w.ptr[i]; e < w.ptr[i + 1]; e++) {
            int64_t u = w.idx[e];
            double z[6] = {1};
            const float *pu = lr_rec_user_factors(m, u);
            for (int t = 0; t < k; t++) z[1 + t] = pu[t];
            double tgt = w.val[e] - lr_rec_mean(m) - lr_rec_user_bias(m, u);
            for (int a = 0; a < d; a++) {
                b[a] += tgt * z[a];
                for (int q = 0; q < d; q++) A[a * d + q] += z[a] * z[q];
            }
        }
        for (int a = 0; a < d; a++) A[a * d + a] += o.lambda * n;
        int piv[6];
        LAPACKE_dgesv(LAPACK_ROW_MAJOR, d, 1, A, d, piv, b, 1);
        double err = fabs(b[0] - lr_rec_item_bias(m, i)), nrm = fabs(b[0]);
        const float *q = lr_rec_item_factors(m, i);
        for (int t = 0; t < k; t++) err = fmax(err, fabs(b[1 + t] - q[t])), nrm = fmax(nrm, fabs(b[1 + t]));
        maxrel = fmax(maxrel, err / nrm);
    }
    CHECK(maxrel < 1e-5, "item rows solve their normal equations (rel err %.2e)", maxrel);

    /* fold-in of a training user reproduces the trained factors */
    lr_ratings_view v = lr_ratings_by_user(tr);
    double worst = 0;
    for (int64_t u = 0; u < 400; u += 50) {
        int64_t n = v.ptr[u + 1] - v.ptr[u];
        int64_t *it = malloc(sizeof(int64_t) * n);
        double *rv = malloc(sizeof(double) * n);
        for (int64_t e = 0; e < n; e++) it[e] = v.idx[v.ptr[u] + e], rv[e] = v.val[v.ptr[u] + e];
        float f[5];
        double bias;
        CHECK_OK(ctx, lr_rec_foldin(ctx, m, n, it, rv, f, &bias));
        const float *pu = lr_rec_user_factors(m, u);
        double e2 = (bias - lr_rec_user_bias(m, u)) * (bias - lr_rec_user_bias(m, u)), n2 = bias * bias;
        for (int t = 0; t < k; t++) e2 += (f[t] - pu[t]) * (f[t] - pu[t]), n2 += (double)pu[t] * pu[t];
        worst = fmax(worst, sqrt(e2 / n2));
        free(it), free(rv);
    }
    CHECK(worst < 0.02, "fold-in vs trained factors: rel diff %.4f", worst);

    /* fold-in from fewer ratings than unknowns (n < k+1: the library takes
     * the dual n x n route) and from more, against LAPACK on the primal */
    for (int64_t nf = 2; nf <= 8; nf += 3) {
        int64_t it[8];
        double rv[8], A[36], b[6];
        for (int64_t e = 0; e < nf; e++) it[e] = 11 * e + 3, rv[e] = 1.0 + 0.5 * e;
        float f[5];
        double bias = 0;
        CHECK_OK(ctx, lr_rec_foldin(ctx, m, nf, it, rv, f, &bias));
        memset(A, 0, sizeof A), memset(b, 0, sizeof b);
        for (int64_t e = 0; e < nf; e++) {
            double z[6] = {1};
            const float *q = lr_rec_item_factors(m, it[e]);
            for (int t = 0; t < k; t++) z[1 + t] = q[t];
            double tgt = rv[e] - lr_rec_mean(m) - lr_rec_item_bias(m, it[e]);
            for (int a = 0; a < d; a++) {
                b[a] += tgt * z[a];
                for (int q2 = 0; q2 < d; q2++) A[a * d + q2] += z[a] * z[q2];
            }
        }
        for (int a = 0; a < d; a++) A[a * d + a] += o.lambda * nf;
        int piv[6];
        LAPACKE_dgesv(LAPACK_ROW_MAJOR, d, 1, A, d, piv, b, 1);
        double err = fabs(b[0] - bias), nrm = fabs(b[0]);
        for (int t = 0; t < k; t++) err = fmax(err, fabs(b[1 + t] - f[t])), nrm = fmax(nrm, fabs(b[1 + t]));
        CHECK(err < 1e-5 * nrm, "fold-in from %lld ratings vs LAPACK: rel err %.2e", (long long)nf, err / nrm);
    }

    /* top-N: brute force over unrated items */
    for (int64_t u = 0; u < 400; u += 97) {
        int64_t items[10], got = 0;
        double sc[10];
        CHECK_OK(ctx, lr_rec_top(ctx, m, u, 10, items, sc, &got));
        CHECK(got == 10, "got %lld", (long long)got);
        const int32_t *rated;
        int64_t nr = lr_rec_user_rated(m, u, &rated);
        double *all = malloc(sizeof(double) * lr_rec_items(m));
        int64_t na2 = 0;
        for (int64_t i = 0; i < lr_rec_items(m); i++) {
            int is_rated = 0;
            for (int64_t e = 0; e < nr; e++) is_rated |= rated[e] == i;
            if (!is_rated) all[na2++] = lr_rec_predict(m, u, i);
            for (int j = 0; j < 10; j++) CHECK(!(is_rated && items[j] == i), "rated item in top");
        }
        /* the 10th best score of the brute force equals ours */
        for (int j = 0; j < 10; j++) {
            int64_t better = 0;
            for (int64_t e = 0; e < na2; e++) better += all[e] > sc[j];
            CHECK(better == j, "rank %d: %lld better items", j, (long long)better);
            CHECK(sc[j] == lr_rec_predict(m, u, items[j]), "score");
        }
        free(all);
    }
    CHECK(lr_rec_top(ctx, m, 400, 10, NULL, NULL, &(int64_t){0}) == LR_ERR_ARG, "user out of range");

    /* similar: cosine, brute force */
    {
        int64_t items[5], got;
        double sc[5];
        CHECK_OK(ctx, lr_rec_similar(ctx, m, 3, 5, items, sc, &got));
        CHECK(got == 5, "similar got");
        const float *a = lr_rec_item_factors(m, 3);
        int64_t better = 0;
        for (int64_t j = 0; j < lr_rec_items(m); j++) {
            if (j == 3) continue;
            const float *b = lr_rec_item_factors(m, j);
            double dd = 0, x = 0, y = 0;
            for (int t = 0; t < k; t++) dd += (double)a[t] * b[t], x += (double)a[t] * a[t], y += (double)b[t] * b[t];
            double cs = dd / sqrt(x * y);
            better += cs > sc[4] + 1e-12;
            if (j == items[0]) CHECK(fabs(cs - sc[0]) < 1e-12, "cosine value");
        }
        CHECK(better == 4, "similar: %lld better than the 5th", (long long)better);
    }

    /* save / load: identical predictions, ids, options; damaged files */
    char path[512], out[1024];
    snprintf(path, sizeof path, "%s/m.lrm", tu_tmpdir());
    CHECK_OK(ctx, lr_rec_save(ctx, m, path));
    lr_rec *m2 = NULL;
    CHECK_OK(ctx, lr_rec_load(ctx, path, &m2));
    if (m2) {
        int same = lr_rec_users(m2) == lr_rec_users(m) && lr_rec_items(m2) == lr_rec_items(m);
        for (int64_t u = 0; same && u < lr_rec_users(m); u += 7)
            for (int64_t i = 0; same && i < lr_rec_items(m); i += 3)
                same = lr_rec_predict(m, u, i) == lr_rec_predict(m2, u, i);
        CHECK(same, "round trip predictions identical");
        CHECK(!strcmp(lr_rec_user_id(m2, 17), lr_rec_user_id(m, 17)) &&
              lr_rec_item_index(m2, "it-5") == lr_rec_item_index(m, "it-5"), "ids survive");
        int64_t a1[10], a2[10], g1, g2;
        CHECK_OK(ctx, lr_rec_top(ctx, m, 5, 10, a1, NULL, &g1));
        CHECK_OK(ctx, lr_rec_top(ctx, m2, 5, 10, a2, NULL, &g2));
        CHECK(g1 == g2 && !memcmp(a1, a2, sizeof a1), "top lists identical after reload");
        lr_rec_destroy(m2);
    }
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(sz);
    CHECK(fread(buf, 1, sz, f) == (size_t)sz, "read back");
    fclose(f);
    char bad[600];
    snprintf(bad, sizeof bad, "%s/bad.lrm", tu_tmpdir());
    struct { long off; long len; unsigned char flip; const char *msg; } cases[] = {
        {sz / 2, sz, 0x10, "CRC mismatch"},   /* a flipped bit in the factors */
        {0, sz - 9, 0, "CRC mismatch"},       /* truncated */
        {0, 50, 0, "too short"},              /* truncated into the header */
        {8, sz, 0x02, "version"},             /* version 1 -> 3 */
        {1, sz, 0x01, "magic"},
    };
    for (int c = 0; c < 5; c++) {
        unsigned char *cp = malloc(sz);
        memcpy(cp, buf, sz);
        cp[cases[c].off] ^= cases[c].flip;
        f = fopen(bad, "wb");
        fwrite(cp, 1, cases[c].len, f);
        fclose(f);
        lr_rec *mx = NULL;
        lr_status s = lr_rec_load(ctx, bad, &mx);
        CHECK(s == LR_ERR_FORMAT && !mx && strstr(lr_ctx_errmsg(ctx), cases[c].msg) &&
                  strstr(lr_ctx_errmsg(ctx), "bad.lrm"),
              "case %d: %s", c, lr_ctx_errmsg(ctx));
        free(cp);
    }
    /* files whose CRC is right but whose contents disagree with the header
     * (the CRC recomputed here, bit by bit): refused by the later checks */
    {
        struct { long off; unsigned char val; const char *msg; } bad2[] = {
            {24, 0x02, "does not match its header"}, /* users count changed */
            {16, 0xff, "out of range"},              /* k = 255 + ... */
            {112, 0, "appears twice"},               /* second user id := the first */
        };
        for (int c = 0; c < 3; c++) {
            unsigned char *cp = malloc(sz);
            memcpy(cp, buf, sz);
            if (c == 1) cp[17] = 0x01;                   /* k = 0x1ff = 511 */
            else if (c == 2) {
                /* make the second user id equal to the first */
                const char *u0 = (const char *)cp + 112;
                size_t l0 = strlen(u0);
                char *u1 = (char *)cp + 112 + l0 + 1;
                size_t l1 = strlen(u1);
                if (l1 == l0) memcpy(u1, u0, l0);
                else bad2[c].msg = "SKIP";
            } else
                cp[bad2[c].off] ^= bad2[c].val;
            lr_rec *mx = NULL;
            lr_status s = reseal_and_load(ctx, cp, sz, bad, &mx);
            CHECK(!strcmp(bad2[c].msg, "SKIP") ||
                      (s == LR_ERR_FORMAT && !mx && strstr(lr_ctx_errmsg(ctx), bad2[c].msg)),
                  "consistent CRC, case %d: %s", c, lr_ctx_errmsg(ctx));
            free(cp);
        }
    }
    /* values lr_rec_save never writes (training refuses or never produces
     * them), CRC re-sealed: refused as damaged, not loaded */
    {
        uint64_t ulen, ilen, nu, ni, nnz;
        memcpy(&nu, buf + 24, 8), memcpy(&ni, buf + 32, 8), memcpy(&nnz, buf + 40, 8);
        memcpy(&ulen, buf + 88, 8), memcpy(&ilen, buf + 96, 8);
        uint32_t kk;
        memcpy(&kk, buf + 16, 4);
        long bu = 112 + (long)(ulen + ilen);
        long rptr = bu + 4 * (long)(nu + ni) + 4 * (long)(nu + ni) * (long)kk;
        long ridx = rptr + 8 * (long)(nu + 1);
        CHECK(ridx + 4 * (long)nnz + 4 == sz, "layout of the test model");
        /* the first user with two rated items, to swap them */
        int64_t row = -1, rp[2];
        for (uint64_t u = 0; u < nu && row < 0; u++) {
            memcpy(rp, buf + rptr + 8 * u, 16);
            if (rp[1] - rp[0] >= 2) row = rp[0];
        }
        CHECK(row >= 0, "a user with two ratings");
        const char *want[] = {"lambda out of range", "bias lambda out of range",
                              "biases out of range", "factors out of range",
                              "rated-items table is damaged"};
        for (int c = 0; c < 5; c++) {
            unsigned char *cp = malloc(sz);
            memcpy(cp, buf, sz);
            double dv = c == 0 ? NAN : 0.0;
            float fv = c == 2 ? NAN : INFINITY;
            if (c == 0) memcpy(cp + 56, &dv, 8);             /* lambda NaN */
            if (c == 1) memcpy(cp + 104, &dv, 8);            /* lambda for the biases 0 */
            if (c == 2) memcpy(cp + bu + 4, &fv, 4);         /* a user bias NaN */
            if (c == 3) memcpy(cp + bu + 4 * (long)(nu + ni), &fv, 4); /* a factor Inf */
            if (c == 4 && row >= 0) {                        /* a row out of order */
                unsigned char t[4];
                memcpy(t, cp + ridx + 4 * row, 4);
                memcpy(cp + ridx + 4 * row, cp + ridx + 4 * row + 4, 4);
                memcpy(cp + ridx + 4 * row + 4, t, 4);
            }
            lr_rec *mx = NULL;
            lr_status s = reseal_and_load(ctx, cp, sz, bad, &mx);
            CHECK(s == LR_ERR_FORMAT && !mx && strstr(lr_ctx_errmsg(ctx), want[c]) &&
                      strstr(lr_ctx_errmsg(ctx), "bad.lrm"),
                  "damaged value, case %d: %s (%s)", c, lr_status_str(s), lr_ctx_errmsg(ctx));
            free(cp);
        }
        /* a model that needs more than the memory limit: refused, not built */
        lr_ctx_set_mem_limit(ctx, 1000);
        lr_rec *mx = NULL;
        lr_status s = lr_rec_load(ctx, path, &mx);
        CHECK(s == LR_ERR_NOMEM && lr_ctx_mem_refused(ctx) && !mx,
              "model over a 1000-byte limit: %s (%s)", lr_status_str(s), lr_ctx_errmsg(ctx));
        lr_ctx_set_mem_limit(ctx, LR_MEM_UNLIMITED);
    }
    free(buf);
    (void)out;

    /* SGD minimises the same objective: it beats the bias-only model */
    lr_rec_opts os = o;
    os.solver = LR_REC_SGD;
    os.iters = 40;
    os.sgd_rate = 0.02;
    lr_rec *ms = NULL;
    CHECK_OK(ctx, lr_rec_train(ctx, tr, &os, &ms, NULL));
    double rs = ms ? model_rmse(ms, te) : 1e9;
    printf("explicit SGD: held-out RMSE %.4f (bias-only %.4f)\n", rs, rb);
    CHECK(rs < 0.7 * rb, "SGD RMSE %.4f vs bias-only %.4f", rs, rb);
    lr_rec_destroy(ms);

    /* bit-identical with 1 and 2 threads */
    lr_ctx_set_threads(ctx, 1);
    lr_rec *m1 = NULL;
    double o1[26];
    CHECK_OK(ctx, lr_rec_train(ctx, tr, &o, &m1, o1));
    lr_ctx_set_threads(ctx, 2);
    lr_rec *mm2 = NULL;
    double o2[26];
    CHECK_OK(ctx, lr_rec_train(ctx, tr, &o, &mm2, o2));
    lr_rec_scores s1, s2;
    CHECK_OK(ctx, lr_rec_evaluate(ctx, m1, te, 0, 3.5, 10, &s1));
    lr_ctx_set_threads(ctx, 1);
    CHECK_OK(ctx, lr_rec_evaluate(ctx, mm2, te, 0, 3.5, 10, &s2));
    int same = !memcmp(o1, o2, sizeof o1) && !memcmp(&s1, &s2, sizeof s1);
    for (int64_t u = 0; same && u < lr_rec_users(m1); u++)
        same = !memcmp(lr_rec_user_factors(m1, u), lr_rec_user_factors(mm2, u), sizeof(float) * k);
    for (int64_t i = 0; same && i < lr_rec_items(m1); i++)
        same = !memcmp(lr_rec_item_factors(m1, i), lr_rec_item_factors(mm2, i), sizeof(float) * k) &&
               lr_rec_item_bias(m1, i) == lr_rec_item_bias(mm2, i);
    CHECK(same, "1 and 2 threads give the same bits");
    CHECK(fabs(s1.rmse - rmse) < 1e-12, "evaluate RMSE %.6f vs here %.6f", s1.rmse, rmse);
    lr_ctx_set_threads(ctx, 0);
    lr_rec_destroy(m1);
    lr_rec_destroy(mm2);

    lr_rec_destroy(mb);
    lr_rec_destroy(m);
    lr_ratings_destroy(tr);
    lr_ratings_destroy(te);
    lr_ratings_destroy(r);
    free_planted(&p);
}

/* Implicit: 4 groups of 60 users; group g likes items [30g, 30g+30) of 120;
 * each user shows half of the liked items (play counts 1..5).  Held-out liked
 * items must rank above never-liked items (AUC). */
/* k larger than every row's rating count: every row goes the dual route.
 * The objective still never increases and equals the one computed here. */
static void test_sparse_rows(lr_ctx *ctx)
{
    planted p = make_planted(60, 40, 3, 0.3, 0.2, 9);
    lr_ratings *r = ratings_of(ctx, &p);
    lr_ratings_view v = lr_ratings_by_user(r), w = lr_ratings_by_item(r);
    int64_t most = 0;
    for (int64_t u = 0; u < v.rows; u++) most = fmax(most, v.ptr[u + 1] - v.ptr[u]);
    for (int64_t i = 0; i < w.rows; i++) most = fmax(most, w.ptr[i + 1] - w.ptr[i]);
    lr_rec_opts o;
    lr_rec_opts_default(&o);
    o.k = 40;
    o.lambda = 0.1;
    o.lambda_bias = 0.03;
    o.iters = 10;
    CHECK(most < o.k + 1, "rows have at most %lld ratings", (long long)most);
    lr_rec *m = NULL;
    double obj[11];
    CHECK_OK(ctx, lr_rec_train(ctx, r, &o, &m, obj));
    int mono = 1;
    for (int t = 0; t < 10; t++) mono &= obj[t + 1] <= obj[t] * (1 + 1e-12);
    CHECK(mono, "dual route: objective never increases");
    /* objective here with separate bias lambda */
    double f = 0;
    for (int64_t u = 0; m && u < v.rows; u++) {
        const float *pu = lr_rec_user_factors(m, u);
        double nb = (double)lr_rec_user_bias(m, u) * lr_rec_user_bias(m, u), nf = 0;
        for (int t = 0; t < o.k; t++) nf += (double)pu[t] * pu[t];
        f += (double)(v.ptr[u + 1] - v.ptr[u]) * (o.lambda * nf + o.lambda_bias * nb);
        for (int64_t e = v.ptr[u]; e < v.ptr[u + 1]; e++) {
            double d = v.val[e] - lr_rec_predict(m, u, v.idx[e]);
            f += d * d;
        }
    }
    for (int64_t i = 0; m && i < w.rows; i++) {
        const float *q = lr_rec_item_factors(m, i);
        double nb = (double)lr_rec_item_bias(m, i) * lr_rec_item_bias(m, i), nf = 0;
        for (int t = 0; t < o.k; t++) nf += (double)q[t] * q[t];
        f += (double)(w.ptr[i + 1] - w.ptr[i]) * (o.lambda * nf + o.lambda_bias * nb);
    }
    CHECK(fabs(f - obj[10]) < 1e-7 * f, "dual route: objective %.10g vs here %.10g", obj[10], f);
    /* same bits with 1 and 2 threads on this route too */
    lr_ctx_set_threads(ctx, 1);
    lr_rec *m1 = NULL;
    double o1[11];
    CHECK_OK(ctx, lr_rec_train(ctx, r, &o, &m1, o1));
    lr_ctx_set_threads(ctx, 2);
    lr_rec *m2 = NULL;
    double o2[11];
    CHECK_OK(ctx, lr_rec_train(ctx, r, &o, &m2, o2));
    lr_ctx_set_threads(ctx, 0);
    int same = m1 && m2 && !memcmp(o1, o2, sizeof o1);
    for (int64_t u = 0; same && u < v.rows; u++)
        same = !memcmp(lr_rec_user_factors(m1, u), lr_rec_user_factors(m2, u), sizeof(float) * o.k) &&
               lr_rec_user_bias(m1, u) == lr_rec_user_bias(m2, u);
    CHECK(same, "dual route: 1 and 2 threads give the same bits");
    lr_rec_destroy(m1);
    lr_rec_destroy(m2);
    lr_rec_destroy(m);
    lr_ratings_destroy(r);
    free_planted(&p);
}

static void test_implicit(lr_ctx *ctx)
{
    tu_rng g = {5};
    int64_t nu = 240, ni = 120, n = 0;
    char **us = malloc(sizeof(char *) * nu * ni), **is = malloc(sizeof(char *) * nu * ni);
    double *rv = malloc(sizeof(double) * nu * ni);
    unsigned char *shown = calloc(nu * ni, 1);
    for (int64_t u = 0; u < nu; u++) {
        int64_t grp = u / 60;
        for (int64_t i = 30 * grp; i < 30 * grp + 30; i++) {
            if (tu_rand01(&g) < 0.5) continue;
            shown[u * ni + i] = 1;
            us[n] = dupf("u%ld", (long)u);
            is[n] = dupf("i%ld", (long)i);
            rv[n++] = 1 + floor(5 * tu_rand01(&g));
        }
    }
    lr_ratings *r = NULL;
    CHECK_OK(ctx, lr_ratings_from_triplets(ctx, n, (const char *const *)us, (const char *const *)is, rv, &r, NULL));
    lr_rec_opts o;
    lr_rec_opts_default(&o);
    o.kind = LR_REC_IMPLICIT;
    o.k = 8;
    o.lambda = 0.1;
    o.alpha = 5;
    o.iters = 12;
    lr_rec *m = NULL;
    double obj[13];
    CHECK_OK(ctx, lr_rec_train(ctx, r, &o, &m, obj));
    int mono = 1;
    for (int t = 0; t < 12; t++) mono &= obj[t + 1] <= obj[t] * (1 + 1e-12);
    CHECK(mono, "implicit objective never increases");
    /* AUC: held-out positives vs negatives */
    double pairs = 0, good = 0;
    for (int64_t u = 0; u < nu; u++) {
        char id[32];
        snprintf(id, sizeof id, "u%ld", (long)u);
        int64_t mu = lr_rec_user_index(m, id);
        int64_t grp = u / 60;
        for (int64_t i = 0; i < ni; i++) {
            if (shown[u * ni + i]) continue;
            int pos = i >= 30 * grp && i < 30 * grp + 30;
            if (!pos) continue;
            snprintf(id, sizeof id, "i%ld", (long)i);
            int64_t mi = lr_rec_item_index(m, id);
            if (mi < 0) continue;
            double sp = lr_rec_predict(m, mu, mi);
            for (int64_t j = 0; j < ni; j += 3) {
                if (j >= 30 * grp && j < 30 * grp + 30) continue;
                snprintf(id, sizeof id, "i%ld", (long)j);
                int64_t mj = lr_rec_item_index(m, id);
                if (mj < 0) continue;
                pairs++;
                good += sp > lr_rec_predict(m, mu, mj);
            }
        }
    }
    printf("implicit: held-out positive vs negative AUC %.4f over %.0f pairs\n", good / pairs, pairs);
    CHECK(pairs > 1000 && good / pairs > 0.95, "AUC %.4f", good / pairs);
    /* fold-in (exact solve) of a training user is close to its factors */
    lr_ratings_view v = lr_ratings_by_user(r);
    int64_t u = 10, cnt = v.ptr[u + 1] - v.ptr[u];
    int64_t *it = malloc(sizeof(int64_t) * cnt);
    double *rr = malloc(sizeof(double) * cnt);
    for (int64_t e = 0; e < cnt; e++) it[e] = v.idx[v.ptr[u] + e], rr[e] = v.val[v.ptr[u] + e];
    float f[8];
    CHECK_OK(ctx, lr_rec_foldin(ctx, m, cnt, it, rr, f, NULL));
    double e2 = 0, n2 = 0;
    for (int t = 0; t < 8; t++) {
        double d = f[t] - lr_rec_user_factors(m, u)[t];
        e2 += d * d, n2 += (double)f[t] * f[t];
    }
    CHECK(sqrt(e2 / n2) < 0.1, "implicit fold-in rel diff %.4f", sqrt(e2 / n2));
    /* 1 vs 2 threads */
    lr_ctx_set_threads(ctx, 1);
    lr_rec *a = NULL, *b = NULL;
    CHECK_OK(ctx, lr_rec_train(ctx, r, &o, &a, NULL));
    lr_ctx_set_threads(ctx, 2);
    CHECK_OK(ctx, lr_rec_train(ctx, r, &o, &b, NULL));
    int same = a && b;
    for (int64_t i = 0; same && i < ni; i++)
        same = !memcmp(lr_rec_item_factors(a, i), lr_rec_item_factors(b, i), sizeof(float) * 8);
    CHECK(same, "implicit: 1 and 2 threads give the same bits");
    lr_ctx_set_threads(ctx, 0);
    /* negative ratings refused */
    rv[0] = -1;
    lr_ratings *rn = NULL;
    lr_rec *mn = NULL;
    CHECK_OK(ctx, lr_ratings_from_triplets(ctx, n, (const char *const *)us, (const char *const *)is, rv, &rn, NULL));
    CHECK(lr_rec_train(ctx, rn, &o, &mn, NULL) == LR_ERR_DATA && !mn, "implicit: rating <= 0 refused");
    lr_ratings_destroy(rn);
    lr_rec_destroy(a), lr_rec_destroy(b);
    free(it), free(rr);
    for (int64_t e = 0; e < n; e++) free(us[e]), free(is[e]);
    free(us), free(is), free(rv), free(shown);
    lr_rec_destroy(m);
    lr_ratings_destroy(r);
}

static void test_metrics(void)
{
    int64_t ranked[] = {5, 3, 9, 1}, rel[] = {3, 1, 7};
    lr_rank_metrics a = lr_rank_metrics_at(ranked, 4, rel, 3, 3);
    double l3 = 1 / log2(3.0), idcg = 1 + l3 + 0.5;
    CHECK(fabs(a.precision - 1.0 / 3) < 1e-12 && fabs(a.recall - 1.0 / 3) < 1e-12, "p/r@3");
    CHECK(fabs(a.ndcg - l3 / idcg) < 1e-12, "ndcg@3 %.6f", a.ndcg);
    CHECK(fabs(a.map - (0.5 / 3)) < 1e-12, "map@3 %.6f", a.map);
    lr_rank_metrics b = lr_rank_metrics_at(ranked, 4, rel, 3, 4);
    CHECK(fabs(b.precision - 0.5) < 1e-12 && fabs(b.recall - 2.0 / 3) < 1e-12, "p/r@4");
    CHECK(fabs(b.ndcg - (l3 + 1 / log2(5.0)) / idcg) < 1e-12, "ndcg@4 %.6f", b.ndcg);
    CHECK(fabs(b.map - (0.5 + 0.5) / 3) < 1e-12, "map@4 %.6f", b.map);
    /* all relevant first: perfect scores; nothing relevant: zeros */
    int64_t r2[] = {1, 3};
    lr_rank_metrics c = lr_rank_metrics_at((int64_t[]){3, 1, 4}, 3, r2, 2, 2);
    CHECK(c.precision == 1 && c.recall == 1 && fabs(c.ndcg - 1) < 1e-15 && c.map == 1, "perfect");
    lr_rank_metrics z = lr_rank_metrics_at(ranked, 4, rel, 0, 3);
    CHECK(z.precision == 0 && z.ndcg == 0, "no relevant");
    /* fewer ranked than k: precision still divides by k */
    lr_rank_metrics d = lr_rank_metrics_at((int64_t[]){7}, 1, rel, 3, 5);
    CHECK(fabs(d.precision - 0.2) < 1e-12 && fabs(d.map - 1.0 / 3) < 1e-12, "short list");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* lambda n far above the rating count (lambda 1e17, lambda_bias 0.05): the
 * factors vanish and each bias is the ridge mean of its residuals, in closed
 * form b = sum(t) / (n (1 + lambda_b)).  The solver used to add lambda n to
 * the bias term and take (lambda - lambda_b) n off again, which cancelled to
 * <= 0 ("not positive definite": training and fold-in failed). */
static void test_huge_lambda(lr_ctx *ctx)
{
    static const char *const us[] = {"a", "a", "b", "b", "c", "c", "c"};
    static const char *const is[] = {"x", "y", "x", "z", "x", "y", "z"};
    static const double rv[] = {5, 3, 4, 1, 2, 5, 4};
    lr_ratings *r = NULL;
    CHECK_OK(ctx, lr_ratings_from_triplets(ctx, 7, us, is, rv, &r, NULL));
    lr_rec_opts o;
    lr_rec_opts_default(&o);
    o.k = 2, o.lambda = 1e17, o.lambda_bias = 0.05, o.iters = 3;
    lr_rec *m = NULL;
    CHECK_OK(ctx, lr_rec_train(ctx, r, &o, &m, NULL));
    if (m) {
        /* 3 ratings for 1 + k = 3 unknowns: the primal (normal-equation) path */
        int64_t it[3] = {lr_rec_item_index(m, "x"), lr_rec_item_index(m, "y"),
                         lr_rec_item_index(m, "z")};
        double nr[3] = {4.5, 2, 3.5};
        float f[2] = {1, 1};
        double bias = 0, t = 0;
        for (int e = 0; e < 3; e++) t += nr[e] - lr_rec_mean(m) - lr_rec_item_bias(m, it[e]);
        CHECK_OK(ctx, lr_rec_foldin(ctx, m, 3, it, nr, f, &bias));
        double want = t / (3 * (1 + 0.05));
        CHECK(fabs(bias - want) < 1e-5 * (1 + fabs(want)), "fold-in bias %.9g, closed form %.9g",
              bias, want);
        CHECK(fabs(f[0]) < 1e-6 && fabs(f[1]) < 1e-6, "fold-in factors %g %g, want ~0", f[0], f[1]);
        lr_rec_destroy(m);
    }
    /* lambda_bias = 0 is refused (the dual system divides by it) */
    o.lambda = 0.1, o.lambda_bias = 0;
    lr_rec *m0 = NULL;
    CHECK(lr_rec_train(ctx, r, &o, &m0, NULL) == LR_ERR_ARG && !m0, "lambda_bias 0: %s",
          lr_ctx_errmsg(ctx));
    lr_ratings_destroy(r);
}

static void test_reader(lr_ctx *ctx)
{
    char p[512];
    lr_ratings *r = NULL;
    lr_ratings_report rep;
    snprintf(p, sizeof p, "%s/a.tsv", tu_tmpdir());
    write_file(p, "u1\ti1\t4\n\nu1\ti2\t3.5\nu2\ti1\t1\n");
    CHECK_OK(ctx, lr_ratings_read(ctx, p, 0, &r, &rep));
    CHECK(r && lr_ratings_count(r) == 3 && !rep.header && strstr(rep.layout, "tab"), "tsv: %s", rep.layout);
    if (r) CHECK(fabs(lr_ratings_mean(r) - 8.5 / 3) < 1e-6, "tsv mean");
    lr_ratings_destroy(r);

    snprintf(p, sizeof p, "%s/b.csv", tu_tmpdir());
    write_file(p, "\"s\",\"d\",\"studage\",\"y\"\r\n\"1\",\"d 7\",\"2\",5\r\n\"2\",\"d,8\",\"4\",2\r\n");
    CHECK_OK(ctx, lr_ratings_read(ctx, p, 0, &r, &rep));
    CHECK(r && lr_ratings_count(r) == 2 && rep.header && strstr(rep.layout, "comma") &&
              strstr(rep.layout, "rating=4"), "csv header: %s", rep.layout);
    if (r) {
        int64_t i = lr_ratings_item_index(r, "d,8");
        CHECK(i >= 0, "quoted comma id");
        lr_ratings_view v = lr_ratings_by_item(r);
        CHECK(i >= 0 && v.val[v.ptr[i]] == 2.0f, "rating column by name");
    }
    lr_ratings_destroy(r);

    snprintf(p, sizeof p, "%s/c.dat", tu_tmpdir());
    write_file(p, "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n1::661::1::978302110\n");
    CHECK_OK(ctx, lr_ratings_read(ctx, p, 0, &r, &rep));
    CHECK(r && lr_ratings_count(r) == 3 && rep.duplicates == 1 && strstr(rep.layout, "MovieLens"),
          "movielens: %s dups %lld", rep.layout, (long long)rep.duplicates);
    if (r) {
        int64_t u = lr_ratings_user_index(r, "1"), i = lr_ratings_item_index(r, "661");
        lr_ratings_view v = lr_ratings_by_user(r);
        int64_t e = v.ptr[u];
        while (v.idx[e] != i) e++;
        CHECK(v.val[e] == 1.0f, "duplicate: the last rating (1) kept, got %g", v.val[e]);
    }
    lr_ratings_destroy(r);

    snprintf(p, sizeof p, "%s/d.csv", tu_tmpdir());
    write_file(p, "user,item,rating\na,x,1\nb,y,oops\nc,z\na,y,2\n");
    r = NULL;
    CHECK(lr_ratings_read(ctx, p, 0, &r, &rep) == LR_ERR_FORMAT && !r &&
              strstr(lr_ctx_errmsg(ctx), "line 3") && strstr(lr_ctx_errmsg(ctx), "d.csv"),
          "bad line: %s", lr_ctx_errmsg(ctx));
    CHECK_OK(ctx, lr_ratings_read(ctx, p, 1, &r, &rep));
    CHECK(r && lr_ratings_count(r) == 2 && rep.skipped_bad == 2 && rep.first_bad_line == 3,
          "skip-bad: %lld skipped, first %lld", (long long)rep.skipped_bad, (long long)rep.first_bad_line);
    lr_ratings_destroy(r);

    snprintf(p, sizeof p, "%s/e.csv", tu_tmpdir());
    write_file(p, "a,x,1\nb,y,nan\n");
    r = NULL;
    CHECK(lr_ratings_read(ctx, p, 1, &r, &rep) == LR_ERR_DATA && !r &&
              strstr(lr_ctx_errmsg(ctx), "line 2"),
          "NaN: %s", lr_ctx_errmsg(ctx));
    snprintf(p, sizeof p, "%s/f.csv", tu_tmpdir());
    write_file(p, "");
    CHECK(lr_ratings_read(ctx, p, 0, &r, &rep) == LR_ERR_DATA && !r, "empty file");
    CHECK(lr_ratings_read(ctx, "/nonexistent/r.csv", 0, &r, &rep) == LR_ERR_IO, "missing file");
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    test_metrics();
    test_views_and_ids(ctx);
    test_reader(ctx);
    test_explicit(ctx);
    test_sparse_rows(ctx);
    test_implicit(ctx);
    test_huge_lambda(ctx);
    lr_ctx_destroy(ctx);
    return tu_done("test_rec");
}
