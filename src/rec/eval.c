/* eval.c -- scoring a model on held-out ratings: RMSE and MAE, and the
 * ranking metrics precision, recall, NDCG and MAP at a cutoff. */
#include <math.h>
#include <omp.h>
#include <string.h>
#include "rec_internal.h"

lr_rank_metrics lr_rank_metrics_at(const int64_t *ranked, int64_t nranked,
                                   const int64_t *relevant, int64_t nrel, int64_t k)
{
    lr_rank_metrics r = {0, 0, 0, 0};
    if (nrel <= 0 || k <= 0) return r;
    int64_t hits = 0, lim = LR_MIN(nranked, k);
    double dcg = 0, ap = 0;
    for (int64_t p = 0; p < lim; p++) {
        int hit = 0;
        for (int64_t j = 0; j < nrel && !hit; j++) hit = relevant[j] == ranked[p];
        if (!hit) continue;
        hits++;
        dcg += 1.0 / log2((double)p + 2.0);
        ap += (double)hits / (double)(p + 1);
    }
    double idcg = 0;
    for (int64_t p = 0; p < LR_MIN(nrel, k); p++) idcg += 1.0 / log2((double)p + 2.0);
    r.precision = (double)hits / (double)k;
    r.recall = (double)hits / (double)nrel;
    r.ndcg = dcg / idcg;
    r.map = ap / (double)LR_MIN(nrel, k);
    return r;
}

lr_status lr_rec_evaluate(lr_ctx *ctx, const lr_rec *m, const lr_ratings *test, int mode,
                          double relevant_min, int64_t at, lr_rec_scores *out)
{
    memset(out, 0, sizeof *out);
    if (test->users.n != m->nu || test->items.n != m->ni)
        return lr__err(ctx, LR_ERR_ARG, "evaluate: the test ratings do not share the model's ids "
                       "(%lld x %lld vs %lld x %lld)", (long long)test->users.n,
                       (long long)test->items.n, (long long)m->nu, (long long)m->ni);
    if (at < 1) return lr__err(ctx, LR_ERR_ARG, "evaluate: cutoff %lld must be >= 1", (long long)at);
    int implicit = m->opts.kind == LR_REC_IMPLICIT;
    int64_t nu = m->nu, ni = m->ni;
    /* errors */
    double se = 0, ae = 0;
    if (!implicit && test->nnz > 0) {
        for (int64_t u = 0; u < nu; u++)
            for (int64_t e = test->uptr[u]; e < test->uptr[u + 1]; e++) {
                double pred = mode == 1 ? m->mean : lr_rec_predict(m, u, test->uidx[e]);
                double d = test->uval[e] - pred;
                se += d * d;
                ae += fabs(d);
            }
        out->rmse = sqrt(se / (double)test->nnz);
        out->mae = ae / (double)test->nnz;
    } else {
        out->rmse = out->mae = NAN;
    }
    /* ranking, one user at a time, per-user results summed in user order */
    int nt = lr__threads(ctx);
    size_t per = (size_t)ni + 1 + sizeof(int64_t) * (size_t)(2 * at + 2) + 16 * (size_t)(at + 1) +
                 sizeof(int64_t) * (size_t)(ni + 1);
    per = (per + 63) & ~(size_t)63;
    unsigned char *buf = lr__malloc(ctx, per * (size_t)nt, "evaluation");
    double *pu = lr__malloc(ctx, sizeof(double) * 4 * (size_t)(nu + 1), "evaluation");
    signed char *used = lr__calloc(ctx, (size_t)nu + 1, 1, "evaluation");
    if (!buf || !pu || !used) {
        lr__free(ctx, buf);
        lr__free(ctx, pu);
        lr__free(ctx, used);
        return LR_ERR_NOMEM;
    }
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
    for (int64_t u = 0; u < nu; u++) {
        unsigned char *b = buf + per * (size_t)omp_get_thread_num();
        unsigned char *skip = b;
        int64_t *ranked = (int64_t *)(((uintptr_t)(b + ni + 1) + 7) & ~(uintptr_t)7);
        int64_t *rel = ranked + at + 1;
        void *heap = rel + ni + 1;
        int64_t nrel = 0;
        for (int64_t e = test->uptr[u]; e < test->uptr[u + 1]; e++)
            if (implicit || test->uval[e] >= relevant_min) rel[nrel++] = test->uidx[e];
        if (nrel == 0) continue;
        memset(skip, 0, (size_t)ni);
        for (int64_t e = m->rptr[u]; e < m->rptr[u + 1]; e++) skip[m->ridx[e]] = 1;
        int64_t got = rec_best(m, m->P + (size_t)u * m->k, m->bu[u], skip, at, mode == 1, heap,
                               ranked, NULL);
        lr_rank_metrics r = lr_rank_metrics_at(ranked, got, rel, nrel, at);
        pu[4 * u] = r.precision;
        pu[4 * u + 1] = r.recall;
        pu[4 * u + 2] = r.ndcg;
        pu[4 * u + 3] = r.map;
        used[u] = 1;
    }
    int64_t cnt = 0;
    for (int64_t u = 0; u < nu; u++) {
        if (!used[u]) continue;
        cnt++;
        out->rank.precision += pu[4 * u];
        out->rank.recall += pu[4 * u + 1];
        out->rank.ndcg += pu[4 * u + 2];
        out->rank.map += pu[4 * u + 3];
    }
    if (cnt) {
        out->rank.precision /= (double)cnt;
        out->rank.recall /= (double)cnt;
        out->rank.ndcg /= (double)cnt;
        out->rank.map /= (double)cnt;
    }
    out->ranked_users = cnt;
    lr__free(ctx, buf);
    lr__free(ctx, pu);
    lr__free(ctx, used);
    return LR_OK;
}
