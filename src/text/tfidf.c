/* tfidf.c -- corpus -> vocabulary -> TF-IDF CSR matrix, scikit-learn's
 * TfidfVectorizer conventions (see text.h).
 *
 * One pass over the text: the documents are cut into contiguous chunks
 * (four per thread); a thread tokenizes a chunk into the chunk's own hash
 * table of terms and writes, per document, the (local term, count) pairs.
 * The master merges the local vocabularies into one, sorts it (byte order),
 * applies the stop words, df limits and max_features, and then each thread
 * writes its documents' rows (columns sorted, tf * idf, l2-normalised).
 * Every number depends only on the documents, never on the chunking, so the
 * matrix is the same for any thread count.
 *
 * Memory: the corpus text (input size) + 16 bytes per distinct term per
 * document while counting + the CSR matrix (16 or 12 bytes per entry). */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "text_internal.h"
#include "lowrank/text.h"

/* ---- allocation from worker threads ----------------------------------------------
 * The context's allocator need not be thread-safe: calls are serialised. */
static void *t_alloc(lr_ctx *ctx, size_t n)
{
    void *p;
#pragma omp critical(lr_text_alloc)
    p = lr__malloc(ctx, n, "tokenizer tables");
    return p;
}
static void t_free(lr_ctx *ctx, void *p)
{
    if (!p) return;
#pragma omp critical(lr_text_alloc)
    lr__free(ctx, p);
}
/* Grows *p (elem bytes each) from *cap to at least need entries. */
static int t_grow(lr_ctx *ctx, void **p, int64_t *cap, int64_t used, int64_t need, size_t elem)
{
    if (need <= *cap) return 0;
    int64_t nc = *cap ? *cap : 256;
    while (nc < need) nc *= 2;
    void *q = t_alloc(ctx, (size_t)nc * elem);
    if (!q) return -1;
    if (used) memcpy(q, *p, (size_t)used * elem);
    t_free(ctx, *p);
    *p = q, *cap = nc;
    return 0;
}

/* ---- one thread's vocabulary and counts ------------------------------------------ */
typedef struct {
    lr_ctx *ctx;
    int failed;
    /* terms */
    char *arena;              /* NUL-terminated terms */
    int64_t alen, acap;
    int64_t nterms, tcap;
    int64_t *toff;            /* offset in arena */
    uint64_t *thash;
    int32_t *tlen;
    int8_t *tstop;
    int64_t *seen_doc, *seen_pos; /* per term: last document, its pair */
    /* hash slots: the term's hash (compared first, without touching the
     * term arrays) and its id + 1 (0 = empty) */
    struct slot { uint64_t h; int64_t t1; } *slots;
    uint64_t mask;
    /* pairs of the chunk's documents */
    int64_t npairs, pcap;
    int64_t *pterm;
    int64_t *pcount;
    int64_t d0, d1;           /* documents [d0, d1) */
    int64_t *doc_end;         /* per document of the chunk: end of its pairs */
    int64_t cur_doc;
    int64_t max_row;          /* most pairs in one document */
    int stop_words;
    /* after the merge */
    int64_t *to_col;          /* local term -> vocabulary rank (or column) */
} chunk;

static int rehash(chunk *c, uint64_t nslots)
{
    struct slot *s = t_alloc(c->ctx, (size_t)nslots * sizeof *s);
    if (!s) return -1;
    memset(s, 0, (size_t)nslots * sizeof *s);
    uint64_t mask = nslots - 1;
    for (int64_t t = 0; t < c->nterms; t++) {
        uint64_t h = c->thash[t] & mask;
        while (s[h].t1) h = (h + 1) & mask;
        s[h].h = c->thash[t], s[h].t1 = t + 1;
    }
    t_free(c->ctx, c->slots);
    c->slots = s, c->mask = mask;
    return 0;
}

/* The id of term tok[0..len) in c, inserting it; -1 when out of memory. */
static int64_t chunk_term(chunk *c, const char *tok, size_t len, uint64_t h)
{
    uint64_t i = h & c->mask;
    for (;;) {
        int64_t s = c->slots[i].t1;
        if (!s) break;
        int64_t t = s - 1;
        if (c->slots[i].h == h && (size_t)c->tlen[t] == len && !memcmp(c->arena + c->toff[t], tok, len))
            return t;
        i = (i + 1) & c->mask;
    }
    /* insert */
    int64_t t = c->nterms;
    if (t + 1 > c->tcap) {
        int64_t cap = c->tcap;
        int64_t cap2 = cap, cap3 = cap, cap4 = cap, cap5 = cap, cap6 = cap;
        if (t_grow(c->ctx, (void **)&c->toff, &cap, t, t + 1, 8) ||
            t_grow(c->ctx, (void **)&c->thash, &cap2, t, t + 1, 8) ||
            t_grow(c->ctx, (void **)&c->tlen, &cap3, t, t + 1, 4) ||
            t_grow(c->ctx, (void **)&c->tstop, &cap4, t, t + 1, 1) ||
            t_grow(c->ctx, (void **)&c->seen_doc, &cap5, t, t + 1, 8) ||
            t_grow(c->ctx, (void **)&c->seen_pos, &cap6, t, t + 1, 8))
            return -1;
        c->tcap = cap;
    }
    if (t_grow(c->ctx, (void **)&c->arena, &c->acap, c->alen, c->alen + (int64_t)len + 1, 1))
        return -1;
    memcpy(c->arena + c->alen, tok, len);
    c->arena[c->alen + (int64_t)len] = 0;
    c->toff[t] = c->alen;
    c->tlen[t] = (int32_t)len;
    c->thash[t] = h;
    c->tstop[t] = (int8_t)(c->stop_words && lr_is_stop_word(c->arena + c->alen));
    c->seen_doc[t] = -1;
    c->alen += (int64_t)len + 1;
    c->nterms++;
    c->slots[i].h = h, c->slots[i].t1 = t + 1;
    if ((uint64_t)c->nterms * 2 > c->mask + 1 && rehash(c, (c->mask + 1) * 2)) return -1;
    return t;
}

static int chunk_sink(void *u, const char *tok, size_t len)
{
    chunk *c = u;
    int64_t t = chunk_term(c, tok, len, lr__hash_bytes(tok, len));
    if (t < 0) return c->failed = 1;
    if (c->tstop[t]) return 0;
    if (c->seen_doc[t] == c->cur_doc) {
        c->pcount[c->seen_pos[t]]++;
        return 0;
    }
    if (c->npairs + 1 > c->pcap) {
        int64_t cap = c->pcap, cap2 = c->pcap;
        if (t_grow(c->ctx, (void **)&c->pterm, &cap, c->npairs, c->npairs + 1, 8) ||
            t_grow(c->ctx, (void **)&c->pcount, &cap2, c->npairs, c->npairs + 1, 8))
            return c->failed = 1;
        c->pcap = cap;
    }
    c->seen_doc[t] = c->cur_doc;
    c->seen_pos[t] = c->npairs;
    c->pterm[c->npairs] = t;
    c->pcount[c->npairs] = 1;
    c->npairs++;
    return 0;
}

static void chunk_free(lr_ctx *ctx, chunk *c)
{
    lr__free(ctx, c->arena), lr__free(ctx, c->toff), lr__free(ctx, c->thash);
    lr__free(ctx, c->tlen), lr__free(ctx, c->tstop), lr__free(ctx, c->seen_doc);
    lr__free(ctx, c->seen_pos), lr__free(ctx, c->slots), lr__free(ctx, c->pterm);
    lr__free(ctx, c->pcount), lr__free(ctx, c->doc_end), lr__free(ctx, c->to_col);
}

static void chunk_tokenize(chunk *c, const lr_corpus *corpus, int min_len)
{
    if (!(c->doc_end = t_alloc(c->ctx, (size_t)(c->d1 - c->d0 + 1) * 8)) || rehash(c, 4096)) {
        c->failed = 1;
        return;
    }
    for (int64_t d = c->d0; d < c->d1 && !c->failed; d++) {
        size_t len;
        const char *s = lr_corpus_doc(corpus, d, &len);
        int64_t before = c->npairs;
        c->cur_doc = d;
        lr__scan_tokens(s, len, min_len, chunk_sink, c);
        c->doc_end[d - c->d0] = c->npairs;
        if (c->npairs - before > c->max_row) c->max_row = c->npairs - before;
    }
}

/* ---- the result ----------------------------------------------------------------------- */
struct lr_tfidf {
    lr_csr X;
    int64_t V;        /* kept terms */
    char *arena;      /* their text */
    int64_t *toff;
    int64_t *df;
    double *idf;
    int64_t seen;     /* distinct non-stop tokens before the limits */
    int64_t empty_rows;
};

void lr_tfidf_opts_default(lr_tfidf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_len = 2;
    o->stop_words = 1;
    o->min_df.value = 1;
    o->max_df.value = 1.0, o->max_df.fraction = 1;
    o->dtype = LR_F64;
}

void lr_tfidf_destroy(lr_ctx *ctx, lr_tfidf *t)
{
    if (!t) return;
    lr__free(ctx, t->X.indptr), lr__free(ctx, t->X.indices), lr__free(ctx, t->X.values);
    lr__free(ctx, t->arena), lr__free(ctx, t->toff), lr__free(ctx, t->df), lr__free(ctx, t->idf);
    lr__free(ctx, t);
}

const lr_csr *lr_tfidf_matrix(const lr_tfidf *t) { return t ? &t->X : NULL; }
int64_t lr_tfidf_vocab_size(const lr_tfidf *t) { return t ? t->V : 0; }
const char *lr_tfidf_term(const lr_tfidf *t, int64_t j)
{
    return t && j >= 0 && j < t->V ? t->arena + t->toff[j] : NULL;
}
int64_t lr_tfidf_df(const lr_tfidf *t, int64_t j) { return t && j >= 0 && j < t->V ? t->df[j] : 0; }
double lr_tfidf_idf(const lr_tfidf *t, int64_t j) { return t && j >= 0 && j < t->V ? t->idf[j] : 0; }
int64_t lr_tfidf_tokens_seen(const lr_tfidf *t) { return t ? t->seen : 0; }
int64_t lr_tfidf_empty_rows(const lr_tfidf *t) { return t ? t->empty_rows : 0; }

/* ---- merge helpers ----------------------------------------------------------------------- */
typedef struct {
    const char *s;
    int64_t g;
} term_ref;

static int cmp_term(const void *a, const void *b)
{
    return strcmp(((const term_ref *)a)->s, ((const term_ref *)b)->s);
}

/* Order of terms for max_features: total count descending, then column. */
typedef struct {
    int64_t tf, j;
} freq_ref;
static int cmp_freq(const void *a, const void *b)
{
    const freq_ref *x = a, *y = b;
    if (x->tf != y->tf) return x->tf > y->tf ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

/* Sorts n (col, count) pairs by column: insertion sort for short rows, Shell
 * sort otherwise (rows are short; no scratch needed). */
static void sort_row(int64_t *col, int64_t *cnt, int64_t n)
{
    static const int64_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (int g = 0; g < 8; g++) {
        int64_t gap = gaps[g];
        if (gap >= n) continue;
        for (int64_t i = gap; i < n; i++) {
            int64_t c = col[i], k = cnt[i], j = i;
            while (j >= gap && col[j - gap] > c) {
                col[j] = col[j - gap], cnt[j] = cnt[j - gap];
                j -= gap;
            }
            col[j] = c, cnt[j] = k;
        }
    }
}

static lr_status check_opts(lr_ctx *ctx, const lr_tfidf_opts *o)
{
    if (o->min_len < 1)
        return lr__err(ctx, LR_ERR_ARG, "the minimum token length must be at least 1, got %d", o->min_len);
    const lr_df_limit *l[2] = {&o->min_df, &o->max_df};
    const char *nm[2] = {"min_df", "max_df"};
    for (int i = 0; i < 2; i++) {
        double v = l[i]->value;
        if (!isfinite(v) || v < 0)
            return lr__err(ctx, LR_ERR_ARG, "%s must be a count >= 0 or a fraction in [0, 1], got %g",
                           nm[i], v);
        if (l[i]->fraction && v > 1)
            return lr__err(ctx, LR_ERR_ARG, "%s as a fraction must be in [0, 1], got %g", nm[i], v);
        if (!l[i]->fraction && v != floor(v))
            return lr__err(ctx, LR_ERR_ARG, "%s as a count must be a whole number, got %g", nm[i], v);
    }
    if (o->max_features < 0)
        return lr__err(ctx, LR_ERR_ARG, "max_features must be >= 0 (0 = all), got %lld",
                       (long long)o->max_features);
    if (o->dtype != LR_F32 && o->dtype != LR_F64)
        return lr__err(ctx, LR_ERR_ARG, "the TF-IDF matrix's dtype must be f32 or f64");
    return LR_OK;
}

/* ---- the build ----------------------------------------------------------------------------- */
lr_status lr_tfidf_build(lr_ctx *ctx, const lr_corpus *corpus, const lr_tfidf_opts *o,
                         lr_tfidf **out)
{
    if (!corpus || !o || !out) return lr__err(ctx, LR_ERR_ARG, "lr_tfidf_build: NULL argument");
    *out = NULL;
    lr_status st = check_opts(ctx, o);
    if (st) return st;
    int64_t n = lr_corpus_size(corpus);
    if (n < 1) return lr__err(ctx, LR_ERR_DATA, "the corpus has no documents");
    /* Chunks of documents: one with one thread, else 4 per thread handed out
     * dynamically (a busy core does not hold up the others).  The result
     * never depends on the chunking. */
    int NT = lr__threads(ctx);
    if (NT < 1) NT = 1;
    int64_t nc = NT == 1 ? 1 : 4 * (int64_t)NT;
    if (nc > n) nc = n;
    int T = (int)nc;
    chunk *ch = lr__calloc(ctx, (size_t)T, sizeof *ch, "tokenizer chunks");
    lr_tfidf *r = lr__calloc(ctx, 1, sizeof *r, "TF-IDF result");
    int64_t *g_slots = NULL, *gt_owner = NULL, *gt_local = NULL, *rank = NULL, *df = NULL,
            *tf = NULL, *newcol = NULL, *row_nnz = NULL;
    freq_ref *order = NULL;
    uint64_t *g_hash = NULL;
    term_ref *refs = NULL;
    int64_t G = 0;
    if (!ch || !r) { st = LR_ERR_NOMEM; goto done; }
    if ((st = lr__progress(ctx, "tokenize", 0, "%lld documents", (long long)n))) goto done;

    /* 1. tokenize and count, one chunk per thread */
    for (int t = 0; t < T; t++) {
        ch[t].ctx = ctx;
        ch[t].stop_words = o->stop_words;
        ch[t].d0 = n * t / T, ch[t].d1 = n * (t + 1) / T;
    }
#pragma omp parallel for schedule(dynamic, 1) num_threads(NT)
    for (int t = 0; t < T; t++) chunk_tokenize(&ch[t], corpus, o->min_len);
    for (int t = 0; t < T; t++)
        if (ch[t].failed) {
            if (lr_ctx_status(ctx) == LR_OK) lr__err(ctx, LR_ERR_NOMEM, "out of memory while tokenizing");
            st = LR_ERR_NOMEM;
            goto done;
        }
    if ((st = lr__progress(ctx, "vocabulary", 0.5, "merging"))) goto done;

    /* 2. merge the local vocabularies (stop words left out) */
    int64_t total_local = 0;
    for (int t = 0; t < T; t++) total_local += ch[t].nterms;
    uint64_t gslots = 1024;
    while (gslots < (uint64_t)total_local * 2 + 2) gslots *= 2;
    g_slots = lr__calloc(ctx, gslots, 8, "vocabulary");
    gt_owner = lr__malloc(ctx, (size_t)(total_local + 1) * 8, "vocabulary");
    gt_local = lr__malloc(ctx, (size_t)(total_local + 1) * 8, "vocabulary");
    g_hash = lr__malloc(ctx, (size_t)(total_local + 1) * 8, "vocabulary");
    if (!g_slots || !gt_owner || !gt_local || !g_hash) { st = LR_ERR_NOMEM; goto done; }
    for (int t = 0; t < T; t++) {
        chunk *c = &ch[t];
        if (!(c->to_col = lr__malloc(ctx, (size_t)(c->nterms + 1) * 8, "vocabulary"))) {
            st = LR_ERR_NOMEM;
            goto done;
        }
        for (int64_t lt = 0; lt < c->nterms; lt++) {
            if (c->tstop[lt]) { c->to_col[lt] = -1; continue; }
            uint64_t h = c->thash[lt], i = h & (gslots - 1);
            const char *s = c->arena + c->toff[lt];
            int64_t g = -1;
            while (g_slots[i]) {
                int64_t cand = g_slots[i] - 1;
                chunk *oc = &ch[gt_owner[cand]];
                if (g_hash[cand] == h && oc->tlen[gt_local[cand]] == c->tlen[lt] &&
                    !memcmp(oc->arena + oc->toff[gt_local[cand]], s, (size_t)c->tlen[lt])) {
                    g = cand;
                    break;
                }
                i = (i + 1) & (gslots - 1);
            }
            if (g < 0) {
                g = G++;
                gt_owner[g] = t, gt_local[g] = lt, g_hash[g] = h;
                g_slots[i] = g + 1;
            }
            c->to_col[lt] = g;
        }
    }
    r->seen = G;
    if (G == 0) {
        st = lr__err(ctx, LR_ERR_DATA, "empty vocabulary: the documents hold no words of %d or "
                     "more letters%s", o->min_len, o->stop_words ? " other than stop words" : "");
        goto done;
    }
    /* sorted order: rank[g] */
    refs = lr__malloc(ctx, (size_t)G * sizeof *refs, "vocabulary");
    rank = lr__malloc(ctx, (size_t)G * 8, "vocabulary");
    df = lr__calloc(ctx, (size_t)G, 8, "document frequencies");
    tf = lr__calloc(ctx, (size_t)G, 8, "term frequencies");
    newcol = lr__malloc(ctx, (size_t)G * 8, "vocabulary");
    if (!refs || !rank || !df || !tf || !newcol) { st = LR_ERR_NOMEM; goto done; }
    for (int64_t g = 0; g < G; g++) {
        chunk *oc = &ch[gt_owner[g]];
        refs[g].s = oc->arena + oc->toff[gt_local[g]];
        refs[g].g = g;
    }
    qsort(refs, (size_t)G, sizeof *refs, cmp_term);
    for (int64_t j = 0; j < G; j++) rank[refs[j].g] = j;
    for (int t = 0; t < T; t++) {
        chunk *c = &ch[t];
        for (int64_t lt = 0; lt < c->nterms; lt++)
            if (c->to_col[lt] >= 0) c->to_col[lt] = rank[c->to_col[lt]];
        for (int64_t p = 0; p < c->npairs; p++) {
            int64_t j = c->to_col[c->pterm[p]];
            df[j]++;
            tf[j] += c->pcount[p];
        }
    }

    /* 3. limits, as scikit-learn's _limit_features */
    double hi = o->max_df.fraction ? o->max_df.value * (double)n : o->max_df.value;
    double lo = o->min_df.fraction ? o->min_df.value * (double)n : o->min_df.value;
    if (hi < lo) {
        st = lr__err(ctx, LR_ERR_ARG, "max_df corresponds to %g documents, fewer than min_df's %g "
                     "(corpus of %lld documents): raise max_df or lower min_df", hi, lo, (long long)n);
        goto done;
    }
    int64_t V = 0, dropped_hi = 0, dropped_lo = 0;
    for (int64_t j = 0; j < G; j++) {
        int keep = (double)df[j] <= hi && (double)df[j] >= lo;
        if ((double)df[j] > hi) dropped_hi++;
        if ((double)df[j] < lo) dropped_lo++;
        newcol[j] = keep ? V++ : -1;
    }
    int64_t dropped_mf = 0;
    if (o->max_features > 0 && V > o->max_features) {
        order = lr__malloc(ctx, (size_t)V * sizeof *order, "vocabulary");
        if (!order) { st = LR_ERR_NOMEM; goto done; }
        int64_t k = 0;
        for (int64_t j = 0; j < G; j++)
            if (newcol[j] >= 0) order[k].tf = tf[j], order[k].j = j, k++;
        qsort(order, (size_t)V, sizeof *order, cmp_freq);
        for (int64_t i = o->max_features; i < V; i++) newcol[order[i].j] = -1;
        dropped_mf = V - o->max_features;
        V = 0;
        for (int64_t j = 0; j < G; j++)
            if (newcol[j] >= 0) newcol[j] = V++;
    }
    if (V == 0) {
        st = lr__err(ctx, LR_ERR_DATA, "no term is left after the document-frequency limits: of %lld "
                     "distinct words %lld are in fewer than min_df = %g documents and %lld in more "
                     "than max_df = %g (of %lld documents); lower min_df or raise max_df",
                     (long long)G, (long long)dropped_lo, lo, (long long)dropped_hi, hi, (long long)n);
        goto done;
    }
    (void)dropped_mf;
    r->V = V;
    /* the kept terms' text, df and idf */
    int64_t abytes = 0;
    for (int64_t j = 0; j < G; j++)
        if (newcol[j] >= 0) abytes += (int64_t)strlen(refs[j].s) + 1;
    r->arena = lr__malloc(ctx, (size_t)abytes, "vocabulary");
    r->toff = lr__malloc(ctx, (size_t)V * 8, "vocabulary");
    r->df = lr__malloc(ctx, (size_t)V * 8, "document frequencies");
    r->idf = lr__malloc(ctx, (size_t)V * 8, "idf");
    if (!r->arena || !r->toff || !r->df || !r->idf) { st = LR_ERR_NOMEM; goto done; }
    int64_t apos = 0;
    for (int64_t j = 0; j < G; j++) {
        int64_t c = newcol[j];
        if (c < 0) continue;
        size_t l = strlen(refs[j].s) + 1;
        memcpy(r->arena + apos, refs[j].s, l);
        r->toff[c] = apos;
        apos += (int64_t)l;
        r->df[c] = df[j];
        r->idf[c] = log((double)(n + 1) / (double)(df[j] + 1)) + 1.0;
    }
    for (int t = 0; t < T; t++) {
        chunk *c = &ch[t];
        for (int64_t lt = 0; lt < c->nterms; lt++)
            if (c->to_col[lt] >= 0) c->to_col[lt] = newcol[c->to_col[lt]];
    }
    if ((st = lr__progress(ctx, "tf-idf", 0.75, "%lld terms", (long long)V))) goto done;

    /* 4. rows: sizes, then the entries */
    row_nnz = lr__malloc(ctx, (size_t)(n + 1) * 8, "TF-IDF matrix");
    if (!row_nnz) { st = LR_ERR_NOMEM; goto done; }
#pragma omp parallel for schedule(dynamic, 1) num_threads(NT)
    for (int t = 0; t < T; t++) {
        chunk *c = &ch[t];
        int64_t p = 0;
        for (int64_t d = c->d0; d < c->d1; d++) {
            int64_t e = c->doc_end[d - c->d0], k = 0;
            for (; p < e; p++) k += c->to_col[c->pterm[p]] >= 0;
            row_nnz[d] = k;
        }
    }
    lr_csr *X = &r->X;
    X->dtype = o->dtype, X->rows = n, X->cols = V;
    X->indptr = lr__malloc(ctx, (size_t)(n + 1) * 8, "TF-IDF matrix");
    if (!X->indptr) { st = LR_ERR_NOMEM; goto done; }
    X->indptr[0] = 0;
    for (int64_t d = 0; d < n; d++) {
        X->indptr[d + 1] = X->indptr[d] + row_nnz[d];
        r->empty_rows += row_nnz[d] == 0;
    }
    X->nnz = X->indptr[n];
    X->indices = lr__malloc(ctx, (size_t)(X->nnz + 1) * 8, "TF-IDF matrix");
    X->values = lr__malloc(ctx, (size_t)(X->nnz + 1) * lr_dtype_size(o->dtype), "TF-IDF matrix");
    /* per-row counts, parked in row_nnz's place is not enough: a scratch of nnz */
    int64_t *cnt = lr__malloc(ctx, (size_t)(X->nnz + 1) * 8, "TF-IDF counts");
    if (!X->indices || !X->values || !cnt) {
        lr__free(ctx, cnt);
        st = LR_ERR_NOMEM;
        goto done;
    }
    const int sub = o->sublinear_tf, f32 = o->dtype == LR_F32;
#pragma omp parallel for schedule(dynamic, 1) num_threads(NT)
    for (int t = 0; t < T; t++) {
        chunk *c = &ch[t];
        int64_t p = 0;
        for (int64_t d = c->d0; d < c->d1; d++) {
            int64_t e = c->doc_end[d - c->d0], q = X->indptr[d];
            int64_t *col = X->indices + q, *k = cnt + q, m = 0;
            for (; p < e; p++) {
                int64_t j = c->to_col[c->pterm[p]];
                if (j >= 0) col[m] = j, k[m] = c->pcount[p], m++;
            }
            sort_row(col, k, m);
            double ss = 0;
            for (int64_t i = 0; i < m; i++) {
                double w = (sub ? 1.0 + log((double)k[i]) : (double)k[i]) * r->idf[col[i]];
                ss += w * w;
            }
            double inv = ss > 0 ? 1.0 / sqrt(ss) : 0;
            for (int64_t i = 0; i < m; i++) {
                double w = (sub ? 1.0 + log((double)k[i]) : (double)k[i]) * r->idf[col[i]] * inv;
                if (f32) ((float *)X->values)[q + i] = (float)w;
                else ((double *)X->values)[q + i] = w;
            }
        }
    }
    lr__free(ctx, cnt);
    st = lr__progress(ctx, "tf-idf", 1, "%lld x %lld, %lld entries", (long long)n, (long long)V,
                      (long long)X->nnz);

done:
    if (ch)
        for (int t = 0; t < T; t++) chunk_free(ctx, &ch[t]);
    lr__free(ctx, ch);
    lr__free(ctx, g_slots), lr__free(ctx, gt_owner), lr__free(ctx, gt_local), lr__free(ctx, g_hash);
    lr__free(ctx, refs), lr__free(ctx, rank), lr__free(ctx, df), lr__free(ctx, tf);
    lr__free(ctx, newcol), lr__free(ctx, order), lr__free(ctx, row_nnz);
    if (st) {
        lr_tfidf_destroy(ctx, r);
        return st;
    }
    *out = r;
    return LR_OK;
}
