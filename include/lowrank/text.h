/* text.h -- documents to a TF-IDF matrix, and topic coherence.
 *
 * A corpus is read from a folder of UTF-8 text files (one document each,
 * taken in byte order of their names; hidden files and sub-folders are
 * ignored) or from one file holding one document per line.  Documents that
 * cannot be used are skipped, counted by reason, and each one is reported
 * through the context's log callback (level 1): empty (nothing but white
 * space), invalid UTF-8 (with the byte offset), binary (a NUL byte).  A single
 * corpus file containing NUL bytes is refused as binary altogether.
 *
 * Tokenizing follows scikit-learn's TfidfVectorizer defaults so that the
 * vocabulary and the matrix can be checked against it:
 *  - text is lower-cased with Unicode's single-code-point mappings (plus
 *    U+0130 and Greek final sigma, as Python's str.lower() does);
 *  - a token is a maximal run of word characters (letters, digits, '_': what
 *    Python's regex \w matches) at least min_len code points long (default
 *    2, i.e. r"(?u)\b\w\w+\b"); runs longer than 1024 bytes are dropped;
 *  - English stop words (the 318-word list scikit-learn ships) are dropped.
 * The vocabulary is sorted by byte value of the UTF-8 term (= code point
 * order, as Python sorts strings), so column j is the same term as in
 * TfidfVectorizer's vocabulary_.
 *
 * TF-IDF, scikit-learn's conventions: idf_j = ln((1 + n) / (1 + df_j)) + 1
 * (smooth idf, n = number of documents kept), tf = raw count or, with
 * sublinear_tf, 1 + ln(count); each row scaled to unit l2 norm.
 */
#ifndef LOWRANK_TEXT_H
#define LOWRANK_TEXT_H
#include "lowrank/core.h"
#include "lowrank/mat.h"
#include "lowrank/sparse.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Corpus ---------------------------------------------------------------- */
typedef struct lr_corpus lr_corpus;

typedef struct lr_corpus_counts {
    int64_t seen;            /* documents found (files or lines) */
    int64_t kept;            /* documents in the corpus */
    int64_t skipped_empty;   /* empty or white space only */
    int64_t skipped_utf8;    /* invalid UTF-8 */
    int64_t skipped_binary;  /* contain a NUL byte (folder mode) */
} lr_corpus_counts;

/* Reads a folder or a one-document-per-line file (a final line without
 * '\n' counts; a trailing '\r' is dropped).  Errors: LR_ERR_IO (unreadable:
 * the message names the path), LR_ERR_FORMAT (a binary corpus file),
 * LR_ERR_DATA (no usable document at all: the message gives the counts),
 * LR_ERR_NOMEM (a failed allocation, or text of 64 MiB or more over the
 * context's memory limit: lr_ctx_mem_refused). */
LR_API lr_status lr_corpus_read(lr_ctx *ctx, const char *path,
                                lr_corpus **out);
/* A corpus of n in-memory documents (copied; each len[i] bytes, or
 * NUL-terminated when len is NULL), checked and skipped like files. */
LR_API lr_status lr_corpus_from_strings(lr_ctx *ctx, const char *const *docs,
                                        const size_t *len, int64_t n,
                                        lr_corpus **out);
LR_API void lr_corpus_destroy(lr_ctx *ctx, lr_corpus *c);
LR_API lr_corpus_counts lr_corpus_get_counts(const lr_corpus *c);
/* Number of kept documents; document i's text (not NUL-terminated), and its
 * name: the file name in folder mode, "line N" (1-based) in line mode,
 * "doc N" (0-based) for lr_corpus_from_strings. */
LR_API int64_t lr_corpus_size(const lr_corpus *c);
LR_API const char *lr_corpus_doc(const lr_corpus *c, int64_t i, size_t *len);
LR_API const char *lr_corpus_name(const lr_corpus *c, int64_t i);

/* ---- Tokenizer --------------------------------------------------------------- */
/* Called for each token (lower-cased UTF-8, not NUL-terminated); return
 * non-zero to stop. */
typedef int (*lr_token_fn)(void *user, const char *tok, size_t len);

/* Tokenizes len bytes of UTF-8 text as described above (stop_words: 1 =
 * drop English stop words, 0 = keep everything).  Errors: LR_ERR_FORMAT
 * (invalid UTF-8: the message gives the byte offset; no token is reported
 * for such text), LR_ERR_ARG (min_len < 1). */
LR_API lr_status lr_tokenize(lr_ctx *ctx, const char *text, size_t len,
                             int min_len, int stop_words, lr_token_fn fn,
                             void *user);
/* 1 when the NUL-terminated lower-case word is on the English list. */
LR_API int lr_is_stop_word(const char *word);

/* ---- TF-IDF ------------------------------------------------------------------ */
/* A document-frequency limit as scikit-learn takes it: a count of
 * documents (fraction == 0) or a fraction of the documents in [0, 1]. */
typedef struct lr_df_limit {
    double value;
    int fraction;
} lr_df_limit;

typedef struct lr_tfidf_opts {
    int min_len;            /* shortest token in code points; default 2 */
    int stop_words;         /* 1 = drop English stop words (default 1) */
    lr_df_limit min_df;     /* keep terms in >= this many docs; default 1 */
    lr_df_limit max_df;     /* and in <= this many; default fraction 1.0 */
    int64_t max_features;   /* keep the most frequent (total count over the
                               corpus; ties: alphabetical); 0 = all */
    int sublinear_tf;       /* tf = 1 + ln(count); default 0 */
    lr_dtype dtype;         /* of the matrix; default LR_F64 */
    double reserved[8];
} lr_tfidf_opts;

LR_API void lr_tfidf_opts_default(lr_tfidf_opts *o);

typedef struct lr_tfidf lr_tfidf;

/* Builds the documents x terms TF-IDF matrix of the corpus (threaded; the
 * result does not depend on the thread count).  Rows follow the corpus's
 * kept documents; a document with no vocabulary term is an empty row.
 * Errors: LR_ERR_ARG (bad options, max_df below min_df), LR_ERR_DATA (no
 * term survives the limits: the message says which limit emptied it),
 * LR_ERR_NOMEM, LR_ERR_CANCELLED. */
LR_API lr_status lr_tfidf_build(lr_ctx *ctx, const lr_corpus *c,
                                const lr_tfidf_opts *o, lr_tfidf **out);
LR_API void lr_tfidf_destroy(lr_ctx *ctx, lr_tfidf *t);
/* The matrix (owned by t). */
LR_API const lr_csr *lr_tfidf_matrix(const lr_tfidf *t);
LR_API int64_t lr_tfidf_vocab_size(const lr_tfidf *t);
/* Term j (NUL-terminated UTF-8), its document frequency and idf. */
LR_API const char *lr_tfidf_term(const lr_tfidf *t, int64_t j);
LR_API int64_t lr_tfidf_df(const lr_tfidf *t, int64_t j);
LR_API double lr_tfidf_idf(const lr_tfidf *t, int64_t j);
/* Distinct tokens before the df / max_features limits, and documents left
 * with no term. */
LR_API int64_t lr_tfidf_tokens_seen(const lr_tfidf *t);
LR_API int64_t lr_tfidf_empty_rows(const lr_tfidf *t);

/* ---- Topic coherence ------------------------------------------------------------
 * For ntopics topics of top words each (words: ntopics x top term indices,
 * row-major, best first), from the document co-occurrence of terms in X
 * (documents x terms; an entry counts when it is stored and non-zero), with
 * N = X's rows, D(w) = documents containing w, D(w, v) = containing both:
 *   NPMI(w, v) = ln(P(w,v) / (P(w) P(v))) / -ln P(w,v), P = D / N; -1 when
 *                D(w, v) = 0 (and 1 when P(w,v) = 1);
 *   UMass(w_i, w_j) = ln((D(w_i, w_j) + 1) / D(w_j)) for j < i (Mimno et al.
 *                2011), 0 when D(w_j) = 0.
 * npmi[t] and umass[t] are the means over the top*(top-1)/2 pairs of topic t
 * (either may be NULL).  Errors: LR_ERR_ARG (top < 2, index out of range),
 * LR_ERR_NOMEM. */
LR_API lr_status lr_topic_coherence(lr_ctx *ctx, const lr_csr *X,
                                    int64_t ntopics, int64_t top,
                                    const int64_t *words, double *npmi,
                                    double *umass);

#ifdef __cplusplus
}
#endif
#endif
