/* fuzz_text.c -- the text corpus reader, UTF-8 decoding, tokenizer and
 * TF-IDF of `lowrank topics` (src/text: lr_corpus_read, lr_tokenize,
 * lr_tfidf_build, lr_topic_coherence).
 *
 * Input: one control byte, then the text.  The control byte picks
 *   bit 0     corpus mode: 0 = one document per line (the text as one file,
 *             through a memfd), 1 = a folder of files (the text split at
 *             RS bytes 0x1e into up to 16 files d00..d15 in a private
 *             folder that also holds a hidden file and a sub-folder, both
 *             to be ignored);
 *   bits 1-2  min_len 1..3 (tokenizer and TF-IDF);
 *   bit 3     keep stop words;
 *   bit 4     sublinear tf;  bit 5  float32 matrix;
 *   bits 6-7  limits: none, min_df = 2, max_df = 0.5 (fraction),
 *             max_features = 3.
 * The context has a 64 MiB memory limit, as the CLI sets one.
 *
 * Checks, against a UTF-8 validator written here:
 *  - lr_tokenize on the whole text fails with LR_ERR_FORMAT exactly when the
 *    text is not valid UTF-8, and otherwise reports tokens that are valid
 *    UTF-8 of min_len.. code points and at most 1024 bytes, with no ASCII
 *    other than lower-case letters, digits and '_', and no stop word when
 *    they are dropped;
 *  - lr_corpus_read: a failure has a documented status and a message naming
 *    the path; line mode refuses a text with a NUL byte (LR_ERR_FORMAT) and
 *    nothing else as binary; the counts add up; kept documents are valid
 *    UTF-8 without NUL, not blank, named, and (line mode) hold no '\n';
 *  - lr_tfidf_build: a well-formed CSR with one row per kept document,
 *    columns = vocabulary, positive finite values, rows of unit norm or
 *    empty (as many as it reports), terms strictly ascending and valid,
 *    df = the column's entry count, idf = ln((1 + n) / (1 + df)) + 1;
 *  - lr_topic_coherence on the first terms: NPMI in [-1, 1], UMass finite.
 * Seeds: make_seeds.c (seeds_text). */
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include "fuzz_util.h"
#include "lowrank/text.h"

static const lr_status corpus_errors[] = {LR_ERR_IO, LR_ERR_FORMAT, LR_ERR_DATA, LR_ERR_NOMEM};

/* Offset of the first invalid UTF-8 byte (overlong, surrogate, > U+10FFFF,
 * truncated), or -1: RFC 3629's table, written independently of the
 * library's decoder. */
static int64_t utf8_bad(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07, min = 0x10000;
        else return (int64_t)i;
        if (i + len > n) return (int64_t)i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return (int64_t)i;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return (int64_t)i;
        i += len;
    }
    return -1;
}

static size_t code_points(const uint8_t *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += (s[i] & 0xc0) != 0x80;
    return c;
}

typedef struct { int min_len, stop_words; int64_t count; } tok_check;

static int on_token(void *user, const char *tok, size_t len)
{
    tok_check *t = user;
    const uint8_t *u = (const uint8_t *)tok;
    if (len == 0 || len > 1024) FZ_FAIL("token of %zu bytes", len);
    if (utf8_bad(u, len) >= 0) FZ_FAIL("token is not valid UTF-8");
    if (code_points(u, len) < (size_t)t->min_len)
        FZ_FAIL("token of %zu code points, min_len %d", code_points(u, len), t->min_len);
    for (size_t i = 0; i < len; i++)
        if (u[i] < 0x80 && !((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9') ||
                             u[i] == '_'))
            FZ_FAIL("token holds ASCII byte 0x%02x", u[i]);
    if (t->stop_words && len < 64) {
        char w[64];
        memcpy(w, tok, len);
        w[len] = 0;
        if (lr_is_stop_word(w)) FZ_FAIL("stop word '%s' reported", w);
    }
    t->count++;
    return 0;
}

/* ---- the private folder of folder mode ------------------------------------ */
static char folder[PATH_MAX];

static void folder_remove(void)
{
    char p[PATH_MAX + 16];
    for (int i = 0; i < 16; i++) {
        snprintf(p, sizeof p, "%s/d%02d", folder, i);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/.hidden", folder);
    unlink(p);
    snprintf(p, sizeof p, "%s/sub", folder);
    rmdir(p);
    rmdir(folder);
}

static void folder_setup(void)
{
    if (folder[0]) return;
    fz_private_dir(folder, sizeof folder, "text", folder_remove);
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/.hidden", folder);
    FILE *f = fopen(p, "wb");
    if (!f || fputs("hidden words must not count\n", f) < 0 || fclose(f))
        FZ_FAIL("cannot write %s", p);
    snprintf(p, sizeof p, "%s/sub", folder);
    if (mkdir(p, 0755)) FZ_FAIL("cannot make %s", p);
}

/* Writes the documents; returns how many files. */
static int folder_fill(const uint8_t *data, size_t size)
{
    char p[PATH_MAX + 16];
    for (int i = 0; i < 16; i++) {
        snprintf(p, sizeof p, "%s/d%02d", folder, i);
        unlink(p);
    }
    int nf = 0;
    size_t start = 0;
    for (size_t i = 0; i <= size && nf < 16; i++) {
        if (i < size && data[i] != 0x1e) continue;
        size_t end = nf == 15 ? size : i; /* the last file takes the rest */
        snprintf(p, sizeof p, "%s/d%02d", folder, nf);
        FILE *f = fopen(p, "wb");
        if (!f || (end > start && fwrite(data + start, 1, end - start, f) != end - start) ||
            fclose(f))
            FZ_FAIL("cannot write %s", p);
        nf++;
        start = i + 1;
        if (end == size) break;
    }
    return nf;
}

/* ---- the checks after a successful read ------------------------------------ */
static void check_corpus(const lr_corpus *c, int lines, int nfiles)
{
    lr_corpus_counts k = lr_corpus_get_counts(c);
    if (k.kept != lr_corpus_size(c) || k.kept < 1 ||
        k.seen != k.kept + k.skipped_empty + k.skipped_utf8 + k.skipped_binary)
        FZ_FAIL("counts: seen %lld kept %lld empty %lld utf8 %lld binary %lld, size %lld",
                (long long)k.seen, (long long)k.kept, (long long)k.skipped_empty,
                (long long)k.skipped_utf8, (long long)k.skipped_binary,
                (long long)lr_corpus_size(c));
    if (!lines && k.seen != nfiles)
        FZ_FAIL("folder of %d files (and a hidden one, a sub-folder): %lld seen", nfiles,
                (long long)k.seen);
    if (lines && k.skipped_binary) FZ_FAIL("line mode skipped a binary line");
    for (int64_t i = 0; i < k.kept; i++) {
        size_t len = 0;
        const uint8_t *d = (const uint8_t *)lr_corpus_doc(c, i, &len);
        const char *name = lr_corpus_name(c, i);
        if (!d || !name || !*name) FZ_FAIL("document %lld without text or name", (long long)i);
        if (memchr(d, 0, len)) FZ_FAIL("kept document %lld holds a NUL", (long long)i);
        if (lines && memchr(d, '\n', len)) FZ_FAIL("line %lld holds a newline", (long long)i);
        if (utf8_bad(d, len) >= 0) FZ_FAIL("kept document %lld is not UTF-8", (long long)i);
        int blank = 1;
        for (size_t j = 0; j < len && blank; j++)
            blank = d[j] == ' ' || d[j] == '\t' || d[j] == '\r' || d[j] == '\n' || d[j] == '\f' ||
                    d[j] == '\v';
        if (blank) FZ_FAIL("kept document %lld is blank", (long long)i);
    }
}

static void check_tfidf(lr_ctx *ctx, const lr_tfidf *t, int64_t ndocs, int min_len)
{
    const lr_csr *X = lr_tfidf_matrix(t);
    int64_t V = lr_tfidf_vocab_size(t);
    if (!X || X->rows != ndocs || X->cols != V || V < 1) FZ_FAIL("matrix shape");
    if (!X->indptr || X->indptr[0] != 0 || X->indptr[X->rows] != X->nnz) FZ_FAIL("indptr ends");
    int64_t *colcount = calloc((size_t)V, sizeof *colcount);
    if (!colcount) return;
    int64_t empty = 0;
    double tol = X->dtype == LR_F32 ? 1e-5 : 1e-12;
    for (int64_t r = 0; r < X->rows; r++) {
        if (X->indptr[r + 1] < X->indptr[r]) FZ_FAIL("indptr decreases");
        double n2 = 0;
        for (int64_t p = X->indptr[r]; p < X->indptr[r + 1]; p++) {
            int64_t j = X->indices[p];
            if (j < 0 || j >= V) FZ_FAIL("column %lld out of range", (long long)j);
            if (p > X->indptr[r] && j <= X->indices[p - 1]) FZ_FAIL("row not sorted");
            double v = X->dtype == LR_F32 ? ((const float *)X->values)[p]
                                          : ((const double *)X->values)[p];
            if (!(v > 0) || !isfinite(v)) FZ_FAIL("value %g", v);
            n2 += v * v;
            colcount[j]++;
        }
        if (X->indptr[r + 1] == X->indptr[r]) empty++;
        else if (fabs(sqrt(n2) - 1) > tol) FZ_FAIL("row %lld has norm %.17g", (long long)r,
                                                   sqrt(n2));
    }
    if (empty != lr_tfidf_empty_rows(t)) FZ_FAIL("%lld empty rows, reported %lld",
                                                 (long long)empty,
                                                 (long long)lr_tfidf_empty_rows(t));
    for (int64_t j = 0; j < V; j++) {
        const char *w = lr_tfidf_term(t, j);
        if (!w || !*w) FZ_FAIL("term %lld empty", (long long)j);
        size_t l = strlen(w);
        if (utf8_bad((const uint8_t *)w, l) >= 0 || code_points((const uint8_t *)w, l) <
                                                        (size_t)min_len)
            FZ_FAIL("term %lld is not a token", (long long)j);
        if (j && strcmp(lr_tfidf_term(t, j - 1), w) >= 0) FZ_FAIL("terms not ascending");
        int64_t df = lr_tfidf_df(t, j);
        if (df != colcount[j]) FZ_FAIL("term %lld: df %lld, %lld documents hold it",
                                       (long long)j, (long long)df, (long long)colcount[j]);
        double idf = log((1.0 + (double)ndocs) / (1.0 + (double)df)) + 1.0;
        if (fabs(lr_tfidf_idf(t, j) - idf) > 1e-12 * idf) FZ_FAIL("idf of term %lld",
                                                                  (long long)j);
    }
    free(colcount);
    if (V >= 2) {
        int64_t top = V < 4 ? V : 4, words[4] = {0, 1, 2, 3};
        double npmi = NAN, umass = NAN;
        lr_status s = lr_topic_coherence(ctx, X, 1, top, words, &npmi, &umass);
        if (s && s != LR_ERR_NOMEM) FZ_FAIL("coherence: %s", lr_ctx_errmsg(ctx));
        if (!s && (!(npmi >= -1 - 1e-12 && npmi <= 1 + 1e-12) || !isfinite(umass)))
            FZ_FAIL("coherence NPMI %g UMass %g", npmi, umass);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    uint8_t c = data[0];
    data++, size--;
    int folder_mode = c & 1, min_len = 1 + (c >> 1 & 3) % 3, stop = !(c >> 3 & 1);
    lr_ctx *ctx = fz_ctx();
    lr_ctx_set_mem_limit(ctx, (int64_t)64 << 20);

    /* The tokenizer on the whole text. */
    tok_check tc = {min_len, stop, 0};
    lr_status s = lr_tokenize(ctx, (const char *)data, size, min_len, stop, on_token, &tc);
    int64_t bad = utf8_bad(data, size);
    if ((s == LR_ERR_FORMAT) != (bad >= 0))
        FZ_FAIL("lr_tokenize: %s for a text %s", lr_status_str(s),
                bad >= 0 ? "that is not UTF-8" : "in valid UTF-8");
    if (s && s != LR_ERR_FORMAT) FZ_FAIL("lr_tokenize: %s", lr_status_str(s));
    if (s && tc.count) FZ_FAIL("tokens reported for invalid UTF-8");

    /* The corpus. */
    char path[PATH_MAX];
    int fd = -1, nfiles = 0;
    if (folder_mode) {
        folder_setup();
        nfiles = folder_fill(data, size);
        snprintf(path, sizeof path, "%s", folder);
    } else if ((fd = fz_memfd("fuzz-text", data, size, path, sizeof path)) < 0) {
        lr_ctx_destroy(ctx);
        return 0;
    }
    lr_corpus *corpus = (lr_corpus *)&corpus; /* must be set to NULL on failure */
    s = lr_corpus_read(ctx, path, &corpus);
    fz_note("corpus", ctx, s);
    int has_nul = memchr(data, 0, size) != NULL;
    if (!folder_mode && (s == LR_ERR_FORMAT) != has_nul)
        FZ_FAIL("line mode: %s for a text %s a NUL byte", lr_status_str(s),
                has_nul ? "with" : "without");
    if (s != LR_OK) {
        fz_check_error(ctx, s, path, corpus_errors, 4);
        if (corpus) FZ_FAIL("failed read left a corpus in *out");
    } else {
        check_corpus(corpus, !folder_mode, nfiles);
        lr_tfidf_opts o;
        lr_tfidf_opts_default(&o);
        o.min_len = min_len;
        o.stop_words = stop;
        o.sublinear_tf = c >> 4 & 1;
        o.dtype = c >> 5 & 1 ? LR_F32 : LR_F64;
        int limits = c >> 6;
        if (limits == 1) o.min_df.value = 2;
        if (limits == 2) o.max_df.value = 0.5, o.max_df.fraction = 1;
        if (limits == 3) o.max_features = 3;
        lr_tfidf *t = (lr_tfidf *)&t;
        s = lr_tfidf_build(ctx, corpus, &o, &t);
        fz_note("tfidf", ctx, s);
        if (s == LR_OK) {
            check_tfidf(ctx, t, lr_corpus_size(corpus), min_len);
            lr_tfidf_destroy(ctx, t);
        } else {
            /* min_df = 2 or max_df = 0.5 over one document: max_df < min_df */
            static const lr_status tfidf_errors[] = {LR_ERR_DATA, LR_ERR_NOMEM, LR_ERR_ARG};
            fz_check_error(ctx, s, NULL, tfidf_errors, limits == 1 || limits == 2 ? 3 : 2);
            if (t) FZ_FAIL("failed build left a result in *out");
        }
        lr_corpus_destroy(ctx, corpus);
    }
    if (fd >= 0) close(fd);
    lr_ctx_destroy(ctx);
    return 0;
}
