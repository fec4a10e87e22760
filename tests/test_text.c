/* test_text.c -- text to matrix: the tokenizer on hand-made UTF-8 (accents,
 * Cyrillic, Greek final sigma, special lower-case mappings, invalid bytes),
 * stop words, corpus reading with skipped documents reported, vocabulary /
 * df / TF-IDF values against counts written by hand or generated with known
 * words, the df and max_features limits, bit-identical results for 1 and 2
 * threads, and topic coherence against hand-computed NPMI and UMass. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"

/* ---- tokenizer ------------------------------------------------------------------ */
typedef struct {
    char buf[4096];
    size_t len;
    int n;
} toks;

static int collect(void *u, const char *t, size_t l)
{
    toks *k = u;
    if (k->len + l + 2 < sizeof k->buf) {
        if (k->n) k->buf[k->len++] = '|';
        memcpy(k->buf + k->len, t, l);
        k->len += l;
        k->buf[k->len] = 0;
    }
    k->n++;
    return 0;
}

static void tok_case(lr_ctx *ctx, const char *text, int min_len, int stop, const char *want)
{
    toks k = {{0}, 0, 0};
    CHECK_OK(ctx, lr_tokenize(ctx, text, strlen(text), min_len, stop, collect, &k));
    CHECK(!strcmp(k.buf, want), "tokens of \"%s\": got \"%s\", want \"%s\"", text, k.buf, want);
}

static void test_tokenizer(lr_ctx *ctx)
{
    /* ASCII, punctuation, underscore, digits, short tokens */
    tok_case(ctx, "Hello, World! e-mail foo_bar x 42 7 C3PO", 2, 0,
             "hello|world|mail|foo_bar|42|c3po");
    /* accented Latin, Cyrillic, Greek (final sigma at a word's end only) */
    tok_case(ctx, "\xC3\x87" "a va? \xC3\x89LAN vital, \xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2 "
                  "\xD0\xBC\xD0\xB8\xD1\x80; \xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3 \xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91",
             2, 0,
             "\xC3\xA7" "a|va|\xC3\xA9lan|vital|\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82|"
             "\xD0\xBC\xD0\xB8\xD1\x80|\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82|\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1");
    /* final sigma: a letter before, no letter after (digits are not letters;
     * combining marks are skipped), as Python's str.lower() */
    tok_case(ctx, "\xCE\x91\xCE\xA3" "1 1\xCE\xA3 \xCE\x91\xCE\xA3\xCC\x81\xCE\x92 \xCE\x91\xCE\xA3\xCC\x81 "
                  "\xCE\xA3\xCE\xA3", 2, 0,
             "\xCE\xB1\xCF\x82" "1|1\xCF\x83|\xCE\xB1\xCF\x83|\xCE\xB1\xCF\x82|\xCF\x83\xCF\x82");
    /* U+0130 lower-cases to i + combining dot (a word break); Kelvin sign to k;
     * Arabic-Indic digits are word characters; U+2014 (dash) and U+00A0 are not */
    tok_case(ctx, "\xC4\xB0stanbul \xE2\x84\xAA" "elvin \xD9\xA3\xD9\xA4 a\xE2\x80\x94" "bc\xC2\xA0" "de", 2, 0,
             "stanbul|kelvin|\xD9\xA3\xD9\xA4|bc|de");
    /* minimum length counts code points, not bytes */
    tok_case(ctx, "ab \xC3\xA9t \xC3\xA9t\xC3\xA9 abc", 3, 0, "\xC3\xA9t\xC3\xA9|abc");
    /* stop words */
    tok_case(ctx, "The cat and THE hat are on it; nevertheless Yourselves", 2, 1, "cat|hat");
    tok_case(ctx, "The cat and", 2, 0, "the|cat|and");
    CHECK(lr_is_stop_word("the") && lr_is_stop_word("yourselves") && lr_is_stop_word("a"),
          "stop words missing");
    CHECK(!lr_is_stop_word("cat") && !lr_is_stop_word("The"), "not stop words");

    /* invalid UTF-8: error with the byte offset, no token reported */
    const char *bad[] = {"abc\xC3(", "\xC0\x80", "ok \xED\xA0\x80", "\xF4\x90\x80\x80", "ab\xE2\x82",
                         "\xFF" "abc", "abc\x80"};
    const int at[] = {3, 0, 3, 0, 2, 0, 3};
    for (int i = 0; i < 7; i++) {
        toks k = {{0}, 0, 0};
        lr_status s = lr_tokenize(ctx, bad[i], strlen(bad[i]), 2, 0, collect, &k);
        char want[32];
        snprintf(want, sizeof want, "at byte %d", at[i]);
        CHECK(s == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), want) && k.n == 0,
              "invalid UTF-8 case %d: status %d, message '%s', %d tokens", i, s,
              lr_ctx_errmsg(ctx), k.n);
    }
    /* valid 4-byte sequence (emoji: not a word character) splits words */
    tok_case(ctx, "ab\xF0\x9F\x98\x80" "cd", 2, 0, "ab|cd");
    toks k = {{0}, 0, 0};
    CHECK(lr_tokenize(ctx, "abc", 3, 0, 0, collect, &k) == LR_ERR_ARG, "min_len 0 accepted");
}

/* ---- corpus reading -------------------------------------------------------------- */
typedef struct {
    int n;
    char last[512];
    char all[4096];
} logbuf;

static void on_log(void *u, int level, const char *msg)
{
    logbuf *l = u;
    if (level == 1) l->n++;
    snprintf(l->last, sizeof l->last, "%s", msg);
    size_t used = strlen(l->all);
    snprintf(l->all + used, sizeof l->all - used, "%s\n", msg);
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) { CHECK(0, "cannot write %s", path); return; }
    fwrite(data, 1, n, f);
    fclose(f);
}

static void test_corpus(lr_ctx *ctx)
{
    logbuf lb = {0, "", ""};
    lr_ctx_set_log(ctx, on_log, &lb);
    const char *docs[] = {"good doc", "", "  \t\n", "bad \xFF utf8", "bin\0ary", "fine"};
    size_t lens[] = {8, 0, 4, 10, 7, 4};
    lr_corpus *c = NULL;
    CHECK_OK(ctx, lr_corpus_from_strings(ctx, docs, lens, 6, &c));
    lr_corpus_counts k = lr_corpus_get_counts(c);
    CHECK(k.seen == 6 && k.kept == 2 && k.skipped_empty == 2 && k.skipped_utf8 == 1 &&
          k.skipped_binary == 1, "counts %lld %lld %lld %lld %lld", (long long)k.seen,
          (long long)k.kept, (long long)k.skipped_empty, (long long)k.skipped_utf8,
          (long long)k.skipped_binary);
    CHECK(lb.n == 4, "4 skip warnings expected, got %d", lb.n);
    CHECK(strstr(lb.all, "doc 1: skipped: empty") && strstr(lb.all, "doc 3: skipped: invalid UTF-8 at byte 4") &&
          strstr(lb.all, "doc 4: skipped: binary"), "log lines: %s", lb.all);
    CHECK(lr_corpus_size(c) == 2 && !strcmp(lr_corpus_name(c, 1), "doc 5"), "names");
    size_t l;
    const char *d = lr_corpus_doc(c, 1, &l);
    CHECK(d && l == 4 && !memcmp(d, "fine", 4), "doc text");
    lr_corpus_destroy(ctx, c);

    /* all documents unusable -> LR_ERR_DATA with the counts */
    c = NULL;
    CHECK(lr_corpus_from_strings(ctx, docs + 1, lens + 1, 2, &c) == LR_ERR_DATA && !c &&
          strstr(lr_ctx_errmsg(ctx), "2 empty"), "all empty: %s", lr_ctx_errmsg(ctx));

    /* a folder: sorted by name, hidden files and sub-folders ignored */
    const char *dir = tu_tmpdir();
    char p[1024], sub[1024];
    snprintf(p, sizeof p, "%s/b.txt", dir), write_file(p, "beta words\n", 11);
    snprintf(p, sizeof p, "%s/a.txt", dir), write_file(p, "alpha words\n", 12);
    snprintf(p, sizeof p, "%s/.hidden", dir), write_file(p, "hidden", 6);
    snprintf(p, sizeof p, "%s/c.bin", dir), write_file(p, "\x7f" "ELF\0\0\1", 7);
    snprintf(p, sizeof p, "%s/d.txt", dir), write_file(p, "caf\xE9\n", 5); /* Latin-1 */
    snprintf(sub, sizeof sub, "%s/sub", dir), mkdir(sub, 0755);
    lb.n = 0;
    lb.all[0] = 0;
    c = NULL;
    CHECK_OK(ctx, lr_corpus_read(ctx, dir, &c));
    k = lr_corpus_get_counts(c);
    CHECK(k.seen == 4 && k.kept == 2 && k.skipped_binary == 1 && k.skipped_utf8 == 1,
          "folder counts %lld %lld", (long long)k.seen, (long long)k.kept);
    CHECK(lr_corpus_size(c) == 2 && !strcmp(lr_corpus_name(c, 0), "a.txt") &&
          !strcmp(lr_corpus_name(c, 1), "b.txt"), "folder order");
    CHECK(strstr(lb.all, "c.bin: skipped: binary") && strstr(lb.all, "d.txt: skipped: invalid UTF-8 at byte 3"),
          "folder log: %s", lb.all);
    lr_corpus_destroy(ctx, c);

    /* one document per line: CRLF, empty lines skipped, last line without \n */
    char f[1024];
    snprintf(f, sizeof f, "%s/sub/lines.txt", dir);
    write_file(f, "one doc\r\ntwo doc\n\nthree", 23);
    c = NULL;
    CHECK_OK(ctx, lr_corpus_read(ctx, f, &c));
    CHECK(lr_corpus_size(c) == 3 && !strcmp(lr_corpus_name(c, 2), "line 4"), "line names");
    d = lr_corpus_doc(c, 0, &l);
    CHECK(l == 7 && !memcmp(d, "one doc", 7), "CR dropped");
    d = lr_corpus_doc(c, 2, &l);
    CHECK(l == 5 && !memcmp(d, "three", 5), "last line");
    CHECK(lr_corpus_get_counts(c).skipped_empty == 1, "empty line counted");
    lr_corpus_destroy(ctx, c);
    /* a binary corpus file, an empty one, a missing one */
    write_file(f, "text\0more", 9);
    c = NULL;
    CHECK(lr_corpus_read(ctx, f, &c) == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "binary"),
          "binary file: %s", lr_ctx_errmsg(ctx));
    write_file(f, "", 0);
    CHECK(lr_corpus_read(ctx, f, &c) == LR_ERR_DATA && strstr(lr_ctx_errmsg(ctx), "no documents"),
          "empty file: %s", lr_ctx_errmsg(ctx));
    snprintf(f, sizeof f, "%s/missing.txt", dir);
    CHECK(lr_corpus_read(ctx, f, &c) == LR_ERR_IO && strstr(lr_ctx_errmsg(ctx), "missing.txt"),
          "missing file: %s", lr_ctx_errmsg(ctx));
    lr_ctx_set_log(ctx, NULL, NULL);
}

/* ---- TF-IDF --------------------------------------------------------------------------- */
/* Reference: dense n x V counts -> idf, tf-idf, l2 rows, computed here. */
static void reference(int n, int V, const double *cnt, int sub, double *X, double *idf, int64_t *df)
{
    for (int j = 0; j < V; j++) {
        df[j] = 0;
        for (int i = 0; i < n; i++) df[j] += cnt[i * V + j] > 0;
        idf[j] = log((1.0 + n) / (1.0 + (double)df[j])) + 1.0;
    }
    for (int i = 0; i < n; i++) {
        double ss = 0;
        for (int j = 0; j < V; j++) {
            double c = cnt[i * V + j];
            double w = c > 0 ? (sub ? 1 + log(c) : c) * idf[j] : 0;
            X[i * V + j] = w;
            ss += w * w;
        }
        for (int j = 0; j < V; j++) X[i * V + j] = ss > 0 ? X[i * V + j] / sqrt(ss) : 0;
    }
}

/* Max |difference| between the CSR matrix and dense ref (n x V); also
 * checks the CSR structure (sorted columns, no stored zeros). */
static double csr_vs_dense(const lr_csr *A, const double *ref, int64_t n, int64_t V)
{
    double md = 0;
    if (A->rows != n || A->cols != V) return 1e300;
    for (int64_t i = 0; i < n; i++) {
        int64_t last = -1;
        for (int64_t p = A->indptr[i]; p < A->indptr[i + 1]; p++) {
            int64_t j = A->indices[p];
            if (j <= last || j >= V) return 1e300;
            last = j;
        }
        for (int64_t j = 0, p = A->indptr[i]; j < V; j++) {
            double v = 0;
            if (p < A->indptr[i + 1] && A->indices[p] == j) {
                v = A->dtype == LR_F32 ? ((float *)A->values)[p] : ((double *)A->values)[p];
                if (v == 0) return 1e300;
                p++;
            }
            md = fmax(md, fabs(v - ref[i * V + j]));
        }
    }
    return md;
}

static void test_tfidf_hand(lr_ctx *ctx)
{
    const char *docs[] = {"Apple banana APPLE.", "banana, cherry!", "cherry cherry cherry date",
                          "apple the and", "the of"};
    /* counts by hand; columns apple banana cherry date; doc 4 has only stop words */
    const double cnt[5 * 4] = {2, 1, 0, 0, 0, 1, 1, 0, 0, 0, 3, 1, 1, 0, 0, 0, 0, 0, 0, 0};
    const char *terms[] = {"apple", "banana", "cherry", "date"};
    lr_corpus *c = NULL;
    CHECK_OK(ctx, lr_corpus_from_strings(ctx, docs, NULL, 5, &c));
    for (int sub = 0; sub < 2; sub++)
        for (int f32 = 0; f32 < 2; f32++) {
            lr_tfidf_opts o;
            lr_tfidf_opts_default(&o);
            o.sublinear_tf = sub;
            o.dtype = f32 ? LR_F32 : LR_F64;
            lr_tfidf *t = NULL;
            CHECK_OK(ctx, lr_tfidf_build(ctx, c, &o, &t));
            if (!t) continue;
            double ref[20], idf[4];
            int64_t df[4];
            reference(5, 4, cnt, sub, ref, idf, df);
            CHECK(lr_tfidf_vocab_size(t) == 4, "vocab size %lld", (long long)lr_tfidf_vocab_size(t));
            for (int j = 0; j < 4 && lr_tfidf_vocab_size(t) == 4; j++) {
                CHECK(!strcmp(lr_tfidf_term(t, j), terms[j]), "term %d: %s", j, lr_tfidf_term(t, j));
                CHECK(lr_tfidf_df(t, j) == df[j], "df %d: %lld vs %lld", j,
                      (long long)lr_tfidf_df(t, j), (long long)df[j]);
                CHECK(fabs(lr_tfidf_idf(t, j) - idf[j]) < 1e-15, "idf %d", j);
            }
            double e = csr_vs_dense(lr_tfidf_matrix(t), ref, 5, 4);
            CHECK(e < (f32 ? 1e-6 : 1e-14), "tf-idf values (sub %d f32 %d): max diff %g", sub, f32, e);
            CHECK(lr_tfidf_empty_rows(t) == 1 && lr_tfidf_matrix(t)->nnz == 7, "empty rows / nnz");
            lr_tfidf_destroy(ctx, t);
        }
    /* df limits and max_features (scikit-learn semantics) */
    struct {
        lr_df_limit min_df, max_df;
        int64_t max_features;
        const char *want;     /* kept terms, in order */
        lr_status st;
    } cases[] = {
        {{2, 0}, {1, 1}, 0, "apple banana cherry", LR_OK},
        {{0.4, 1}, {1, 1}, 0, "apple banana cherry", LR_OK},   /* 0.4 * 5 = 2 docs */
        {{1, 0}, {1, 0}, 0, "date", LR_OK},
        {{1, 0}, {0.3, 1}, 0, "date", LR_OK},                  /* 1.5 docs */
        {{1, 0}, {1, 1}, 2, "apple cherry", LR_OK},            /* totals 3 2 4 1 */
        {{1, 0}, {1, 1}, 3, "apple banana cherry", LR_OK},
        {{1, 0}, {1, 1}, 10, "apple banana cherry date", LR_OK},
        {{3, 0}, {1, 1}, 0, "", LR_ERR_DATA},                   /* emptied by min_df */
        {{2, 0}, {1, 0}, 0, "", LR_ERR_ARG},                    /* max_df < min_df */
        {{1.5, 1}, {1, 1}, 0, "", LR_ERR_ARG},                  /* fraction > 1 */
        {{1.5, 0}, {1, 1}, 0, "", LR_ERR_ARG},                  /* count not whole */
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
        lr_tfidf_opts o;
        lr_tfidf_opts_default(&o);
        o.min_df = cases[ci].min_df, o.max_df = cases[ci].max_df;
        o.max_features = cases[ci].max_features;
        lr_tfidf *t = NULL;
        lr_status s = lr_tfidf_build(ctx, c, &o, &t);
        CHECK(s == cases[ci].st, "limits case %zu: status %d (%s)", ci, s, lr_ctx_errmsg(ctx));
        if (s == LR_ERR_DATA)
            CHECK(strstr(lr_ctx_errmsg(ctx), "min_df"), "message names min_df: %s", lr_ctx_errmsg(ctx));
        if (s || !t) continue;
        char got[256] = "";
        for (int64_t j = 0; j < lr_tfidf_vocab_size(t); j++) {
            if (j) strcat(got, " ");
            strcat(got, lr_tfidf_term(t, j));
        }
        CHECK(!strcmp(got, cases[ci].want), "limits case %zu: kept '%s', want '%s'", ci, got,
              cases[ci].want);
        /* values: the reference restricted to the kept columns, same n and idf */
        int V = (int)lr_tfidf_vocab_size(t), keep[4], m = 0;
        for (int j = 0; j < 4; j++)
            for (int q = 0; q < V; q++)
                if (!strcmp(terms[j], lr_tfidf_term(t, q))) keep[m++] = j;
        double sub[20], ref[20], idf[4];
        int64_t df[4];
        for (int i = 0; i < 5; i++)
            for (int q = 0; q < m; q++) sub[i * m + q] = cnt[i * 4 + keep[q]];
        reference(5, m, sub, 0, ref, idf, df);
        double e = csr_vs_dense(lr_tfidf_matrix(t), ref, 5, m);
        CHECK(m == V && e < 1e-14, "limits case %zu: values differ by %g", ci, e);
        lr_tfidf_destroy(ctx, t);
    }
    lr_corpus_destroy(ctx, c);

    /* only stop words -> empty vocabulary */
    const char *stop[] = {"the and of", "a an the"};
    CHECK_OK(ctx, lr_corpus_from_strings(ctx, stop, NULL, 2, &c));
    lr_tfidf_opts o;
    lr_tfidf_opts_default(&o);
    lr_tfidf *t = NULL;
    CHECK(lr_tfidf_build(ctx, c, &o, &t) == LR_ERR_DATA && !t &&
          strstr(lr_ctx_errmsg(ctx), "empty vocabulary"), "stop words only: %s", lr_ctx_errmsg(ctx));
    lr_corpus_destroy(ctx, c);
}

/* Generated corpus: 300 documents of words drawn from a known list (built
 * from syllables, none a stop word, some with accents), counts kept by the
 * generator; the matrix must match, and be bit-identical for 1 and 2 threads. */
static void test_tfidf_generated(lr_ctx *ctx)
{
    enum { NW = 60, ND = 300 };
    const char *syl[] = {"ka", "lo", "m\xC3\xA9", "ru", "zi", "\xD0\xB4\xD0\xB0"};
    char words[NW][16];
    for (int w = 0; w < NW; w++)
        snprintf(words[w], sizeof words[w], "%s%s%s", syl[w % 6], syl[(w / 6) % 6], w >= 36 ? "x" : "");
    /* sorted order of the words (byte order) by a simple selection here */
    int order[NW], rank[NW];
    for (int w = 0; w < NW; w++) order[w] = w;
    for (int a = 0; a < NW; a++)
        for (int b = a + 1; b < NW; b++)
            if (strcmp(words[order[b]], words[order[a]]) < 0) {
                int tmp = order[a];
                order[a] = order[b], order[b] = tmp;
            }
    for (int r = 0; r < NW; r++) rank[order[r]] = r;
    double *cnt = calloc((size_t)ND * NW, sizeof *cnt);
    char **docs = malloc(ND * sizeof *docs);
    tu_rng g = {12345};
    for (int d = 0; d < ND; d++) {
        docs[d] = malloc(4096);
        int len = 1 + (int)(tu_rand01(&g) * 40), pos = 0;
        for (int i = 0; i < len; i++) {
            int w = (int)(tu_rand01(&g) * NW) % NW;
            const char *sep = i % 3 == 0 ? " " : i % 3 == 1 ? ", " : "\n";
            /* upper-case the first ASCII letter sometimes */
            char tmp[32];
            snprintf(tmp, sizeof tmp, "%s", words[w]);
            if (i % 4 == 0 && tmp[0] >= 'a' && tmp[0] <= 'z') tmp[0] -= 32;
            pos += snprintf(docs[d] + pos, 4096 - pos, "%s%s", tmp, sep);
            cnt[d * NW + rank[w]] += 1;
        }
    }
    lr_corpus *c = NULL;
    CHECK_OK(ctx, lr_corpus_from_strings(ctx, (const char *const *)docs, NULL, ND, &c));
    lr_tfidf_opts o;
    lr_tfidf_opts_default(&o);
    o.sublinear_tf = 1;
    lr_tfidf *t1 = NULL, *t2 = NULL;
    lr_ctx_set_threads(ctx, 1);
    CHECK_OK(ctx, lr_tfidf_build(ctx, c, &o, &t1));
    lr_ctx_set_threads(ctx, 2);
    CHECK_OK(ctx, lr_tfidf_build(ctx, c, &o, &t2));
    lr_ctx_set_threads(ctx, 0);
    /* columns that never occur are not in the vocabulary: compact the reference */
    int used[NW], V = 0;
    for (int j = 0; j < NW; j++) {
        used[j] = 0;
        for (int d = 0; d < ND; d++) used[j] |= cnt[d * NW + j] > 0;
        V += used[j];
    }
    double *sub = calloc((size_t)ND * NW, sizeof *sub), *ref = calloc((size_t)ND * NW, sizeof *ref),
           idf[NW];
    int64_t df[NW];
    for (int d = 0; d < ND; d++)
        for (int j = 0, q = 0; j < NW; j++)
            if (used[j]) sub[d * V + q++] = cnt[d * NW + j];
    reference(ND, V, sub, 1, ref, idf, df);
    if (t1 && t2) {
        CHECK(lr_tfidf_vocab_size(t1) == V, "generated vocab %lld vs %d", (long long)lr_tfidf_vocab_size(t1), V);
        for (int j = 0, q = 0; j < NW && lr_tfidf_vocab_size(t1) == V; j++)
            if (used[j]) {
                CHECK(!strcmp(lr_tfidf_term(t1, q), words[order[j]]), "term %d: %s vs %s", q,
                      lr_tfidf_term(t1, q), words[order[j]]);
                CHECK(lr_tfidf_df(t1, q) == df[q], "df %d", q);
                q++;
            }
        double e = csr_vs_dense(lr_tfidf_matrix(t1), ref, ND, V);
        CHECK(e < 1e-14, "generated corpus: max diff %g", e);
        const lr_csr *A = lr_tfidf_matrix(t1), *B = lr_tfidf_matrix(t2);
        CHECK(A->nnz == B->nnz && !memcmp(A->indptr, B->indptr, (size_t)(ND + 1) * 8) &&
              !memcmp(A->indices, B->indices, (size_t)A->nnz * 8) &&
              !memcmp(A->values, B->values, (size_t)A->nnz * 8), "1 vs 2 threads differ");
    }
    lr_tfidf_destroy(ctx, t1);
    lr_tfidf_destroy(ctx, t2);
    lr_corpus_destroy(ctx, c);
    for (int d = 0; d < ND; d++) free(docs[d]);
    free(docs), free(cnt), free(sub), free(ref);
}

/* ---- coherence ----------------------------------------------------------------------- */
static void test_coherence(lr_ctx *ctx)
{
    /* 4 documents x 3 terms: d0 {0,1}, d1 {0,1}, d2 {0,2}, d3 {2} and a stored
     * zero for term 1 (must not count).  D0 = 3, D1 = 2, D2 = 2, D01 = 2,
     * D02 = 1, D12 = 0, N = 4. */
    int64_t indptr[] = {0, 2, 4, 6, 8};
    int64_t indices[] = {0, 1, 0, 1, 0, 2, 1, 2};
    double values[] = {1, 2, 0.5, 1, 3, 1, 0, 4};
    lr_csr X = {LR_F64, 4, 3, 8, indptr, indices, values};
    int64_t words[] = {0, 1, 2, 2, 0, 1};  /* topic 0: 0 1 2; topic 1: 2 0 1 */
    double npmi[2], umass[2];
    CHECK_OK(ctx, lr_topic_coherence(ctx, &X, 2, 3, words, npmi, umass));
    double n01 = log((2.0 / 4) / ((3.0 / 4) * (2.0 / 4))) / -log(2.0 / 4);
    double n02 = log((1.0 / 4) / ((3.0 / 4) * (2.0 / 4))) / -log(1.0 / 4);
    double n12 = -1;
    double want_n = (n01 + n02 + n12) / 3;
    /* topic 0 (order 0,1,2): log((D10+1)/D0), log((D20+1)/D0), log((D21+1)/D1) */
    double want_u0 = (log(3.0 / 3) + log(2.0 / 3) + log(1.0 / 2)) / 3;
    /* topic 1 (order 2,0,1): log((D02+1)/D2), log((D12+1)/D2), log((D10+1)/D0) */
    double want_u1 = (log(2.0 / 2) + log(1.0 / 2) + log(3.0 / 3)) / 3;
    CHECK(fabs(npmi[0] - want_n) < 1e-14 && fabs(npmi[1] - want_n) < 1e-14,
          "npmi %.15g %.15g want %.15g", npmi[0], npmi[1], want_n);
    CHECK(fabs(umass[0] - want_u0) < 1e-14 && fabs(umass[1] - want_u1) < 1e-14,
          "umass %.15g %.15g want %.15g %.15g", umass[0], umass[1], want_u0, want_u1);
    /* f32 values, same structure: same answer */
    float vf[] = {1, 2, 0.5f, 1, 3, 1, 0, 4};
    lr_csr Xf = {LR_F32, 4, 3, 8, indptr, indices, vf};
    double n2[2];
    CHECK_OK(ctx, lr_topic_coherence(ctx, &Xf, 2, 3, words, n2, NULL));
    CHECK(n2[0] == npmi[0], "f32 npmi");
    /* two words always together in all documents: NPMI 1 */
    int64_t ip2[] = {0, 2, 4}, ix2[] = {0, 1, 0, 1};
    double v2[] = {1, 1, 1, 1};
    lr_csr Y = {LR_F64, 2, 2, 4, ip2, ix2, v2};
    int64_t w2[] = {0, 1};
    CHECK_OK(ctx, lr_topic_coherence(ctx, &Y, 1, 2, w2, n2, NULL));
    CHECK(n2[0] == 1, "always together: %g", n2[0]);
    /* bad calls */
    CHECK(lr_topic_coherence(ctx, &X, 1, 1, words, npmi, umass) == LR_ERR_ARG, "top 1");
    int64_t badw[] = {0, 5, 1};
    CHECK(lr_topic_coherence(ctx, &X, 1, 3, badw, npmi, umass) == LR_ERR_ARG &&
          strstr(lr_ctx_errmsg(ctx), "out of range"), "index out of range");
}


/* ---- allocation failures ------------------------------------------------------------
 * Every allocation goes through the context's allocator: failing the n-th
 * one (n = 0, 1, ...) must give LR_ERR_NOMEM and leak nothing, until n is
 * past the last allocation and the call succeeds.  With 2 threads too (the
 * workers' allocations are serialised; their order may vary, the rule not). */
typedef struct {
    long calls, fail_at, live;
} faulty;

static void *f_malloc(void *u, size_t size)
{
    faulty *f = u;
    if (f->calls++ == f->fail_at) return NULL;
    size_t r = (size + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, r ? r : 64);
    if (p) f->live++;
    return p;
}
static void f_free(void *u, void *p)
{
    faulty *f = u;
    if (p) f->live--;
    free(p);
}

static void test_faults(void)
{
    const char *docs[] = {"alpha beta gamma", "beta gamma delta delta", "", "gamma \xD0\xB4\xD0\xB0\xD0\xB0",
                          "epsilon alpha alpha beta"};
    for (int threads = 1; threads <= 2; threads++) {
        long n = 0, ok_at = -1;
        for (; n < 2000 && ok_at < 0; n++) {
            faulty f = {0, n, 0};
            lr_ctx *ctx = lr_ctx_create();
            lr_allocator a = {f_malloc, f_free, &f};
            lr_ctx_set_allocator(ctx, &a);
            lr_ctx_set_threads(ctx, threads);
            lr_corpus *c = NULL;
            lr_tfidf *t = NULL;
            double npmi[1];
            lr_status s = lr_corpus_from_strings(ctx, docs, NULL, 5, &c);
            if (!s) {
                lr_tfidf_opts o;
                lr_tfidf_opts_default(&o);
                s = lr_tfidf_build(ctx, c, &o, &t);
            }
            if (!s) {
                int64_t w[2] = {0, 1};
                s = lr_topic_coherence(ctx, lr_tfidf_matrix(t), 1, 2, w, npmi, NULL);
            }
            CHECK(s == LR_OK || s == LR_ERR_NOMEM, "failing allocation %ld: status %d (%s)", n, s,
                  lr_ctx_errmsg(ctx));
            if (s == LR_ERR_NOMEM)
                CHECK(strstr(lr_ctx_errmsg(ctx), "out of memory"), "message: %s", lr_ctx_errmsg(ctx));
            if (s == LR_OK) ok_at = n;
            lr_tfidf_destroy(ctx, t);
            lr_corpus_destroy(ctx, c);
            CHECK(f.live == 0, "failing allocation %ld (%d threads): %ld allocations leaked", n,
                  threads, f.live);
            lr_ctx_destroy(ctx);
        }
        CHECK(ok_at > 10, "the run never succeeded or needed too few allocations (%ld)", ok_at);
    }
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    test_tokenizer(ctx);
    test_corpus(ctx);
    test_tfidf_hand(ctx);
    test_tfidf_generated(ctx);
    test_coherence(ctx);
    test_faults();
    lr_ctx_destroy(ctx);
    return tu_done("test_text");
}
