/* coherence.c -- topic coherence from the documents' own co-occurrence of
 * words: NPMI (Bouma 2009; Aletras & Stevenson 2013) and UMass (Mimno et al.
 * 2011).  One pass over the documents x terms matrix counts, for every
 * topic, the documents holding each top word and each pair of them. */
#include <math.h>
#include <string.h>
#include "text_internal.h"
#include "lowrank/text.h"

static int entry_nonzero(const lr_csr *X, int64_t p)
{
    return X->dtype == LR_F32 ? ((const float *)X->values)[p] != 0
                              : ((const double *)X->values)[p] != 0;
}

lr_status lr_topic_coherence(lr_ctx *ctx, const lr_csr *X, int64_t ntopics, int64_t top,
                             const int64_t *words, double *npmi, double *umass)
{
    if (!X || !words || ntopics < 1)
        return lr__err(ctx, LR_ERR_ARG, "topic coherence: no matrix, no words or no topics");
    if (top < 2)
        return lr__err(ctx, LR_ERR_ARG, "topic coherence needs at least 2 top words per topic, got %lld",
                       (long long)top);
    if (X->rows < 1 || !X->indptr || (X->nnz && (!X->indices || !X->values)))
        return lr__err(ctx, LR_ERR_ARG, "topic coherence: the documents x terms matrix is empty");
    for (int64_t i = 0; i < ntopics * top; i++)
        if (words[i] < 0 || words[i] >= X->cols)
            return lr__err(ctx, LR_ERR_ARG, "topic coherence: word index %lld of topic %lld is out of "
                           "range (the matrix has %lld terms)", (long long)words[i],
                           (long long)(i / top), (long long)X->cols);
    int64_t nent = ntopics * top;
    /* term -> its (topic, rank) entries, CSR-like */
    int64_t *head = lr__calloc(ctx, (size_t)X->cols + 1, 8, "coherence map");
    int64_t *ent = lr__malloc(ctx, (size_t)nent * 8, "coherence map");
    int64_t *co = lr__calloc(ctx, (size_t)(ntopics * top * top), 8, "co-occurrence counts");
    int64_t *present = lr__malloc(ctx, (size_t)nent * 8, "coherence scratch");
    int64_t *npres = lr__calloc(ctx, (size_t)ntopics, 8, "coherence scratch");
    int64_t *touched = lr__malloc(ctx, (size_t)ntopics * 8, "coherence scratch");
    if (!head || !ent || !co || !present || !npres || !touched) {
        lr__free(ctx, head), lr__free(ctx, ent), lr__free(ctx, co);
        lr__free(ctx, present), lr__free(ctx, npres), lr__free(ctx, touched);
        return LR_ERR_NOMEM;
    }
    for (int64_t i = 0; i < nent; i++) head[words[i] + 1]++;
    for (int64_t j = 0; j < X->cols; j++) head[j + 1] += head[j];
    /* entries per word in entry order */
    int64_t *fill = lr__calloc(ctx, (size_t)X->cols, 8, "coherence map");
    if (!fill) {
        lr__free(ctx, head), lr__free(ctx, ent), lr__free(ctx, co);
        lr__free(ctx, present), lr__free(ctx, npres), lr__free(ctx, touched);
        return LR_ERR_NOMEM;
    }
    for (int64_t i = 0; i < nent; i++) ent[head[words[i]] + fill[words[i]]++] = i;
    lr__free(ctx, fill);

    for (int64_t d = 0; d < X->rows; d++) {
        int64_t nt = 0;
        for (int64_t p = X->indptr[d]; p < X->indptr[d + 1]; p++) {
            int64_t w = X->indices[p];
            if (w < 0 || w >= X->cols || head[w] == head[w + 1] || !entry_nonzero(X, p)) continue;
            for (int64_t e = head[w]; e < head[w + 1]; e++) {
                int64_t t = ent[e] / top, rk = ent[e] % top;
                if (!npres[t]) touched[nt++] = t;
                present[t * top + npres[t]++] = rk;
            }
        }
        for (int64_t a = 0; a < nt; a++) {
            int64_t t = touched[a], m = npres[t];
            const int64_t *pr = present + t * top;
            int64_t *c = co + t * top * top;
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < m; j++) c[pr[i] * top + pr[j]]++;
            npres[t] = 0;
        }
    }
    double N = (double)X->rows;
    for (int64_t t = 0; t < ntopics; t++) {
        const int64_t *c = co + t * top * top;
        double sn = 0, su = 0;
        for (int64_t i = 1; i < top; i++)
            for (int64_t j = 0; j < i; j++) {
                /* j is the higher-ranked word */
                double dij = (double)c[i * top + j], di = (double)c[i * top + i],
                       dj = (double)c[j * top + j];
                double v;
                if (dij == 0) v = -1;
                else if (dij == N) v = 1;
                else {
                    double pij = dij / N, pi = di / N, pj = dj / N;
                    v = log(pij / (pi * pj)) / -log(pij);
                }
                sn += v;
                su += dj > 0 ? log((dij + 1) / dj) : 0;
            }
        double np = (double)(top * (top - 1) / 2);
        if (npmi) npmi[t] = sn / np;
        if (umass) umass[t] = su / np;
    }
    lr__free(ctx, head), lr__free(ctx, ent), lr__free(ctx, co);
    lr__free(ctx, present), lr__free(ctx, npres), lr__free(ctx, touched);
    return LR_OK;
}
