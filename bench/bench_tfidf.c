/* bench_tfidf.c -- time lowrank's text -> TF-IDF (read + tokenize + count +
 * TF-IDF) on a corpus, for bench/run.sh's `topics` section.
 *
 *   bench_tfidf CORPUS [--min-df X] [--max-df X] [--max-features N]
 *               [--sublinear-tf] [--threads T] [--repeat R] [--dump DIR]
 *
 * X: an integer is a count of documents, a number with a '.' a fraction
 * (as scikit-learn reads int and float).  Prints one JSON line: best-of-R
 * seconds, shape, nnz.  --dump writes DIR/vocab.txt and the CSR arrays as
 * raw little-endian files (indptr.i64, indices.i64, data.f64) so that
 * bench/peer_tfidf.py can compare them entry by entry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lowrank/lowrank.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static lr_df_limit parse_df(const char *s)
{
    lr_df_limit l = {atof(s), strchr(s, '.') != NULL};
    return l;
}

static int dump(const char *dir, const lr_tfidf *t)
{
    char p[4096];
    const lr_csr *X = lr_tfidf_matrix(t);
    snprintf(p, sizeof p, "%s/vocab.txt", dir);
    FILE *f = fopen(p, "w");
    if (!f) return -1;
    for (int64_t j = 0; j < lr_tfidf_vocab_size(t); j++) fprintf(f, "%s\n", lr_tfidf_term(t, j));
    fclose(f);
    snprintf(p, sizeof p, "%s/indptr.i64", dir);
    if (!(f = fopen(p, "wb"))) return -1;
    fwrite(X->indptr, 8, (size_t)X->rows + 1, f);
    fclose(f);
    snprintf(p, sizeof p, "%s/indices.i64", dir);
    if (!(f = fopen(p, "wb"))) return -1;
    fwrite(X->indices, 8, (size_t)X->nnz, f);
    fclose(f);
    snprintf(p, sizeof p, "%s/data.f64", dir);
    if (!(f = fopen(p, "wb"))) return -1;
    fwrite(X->values, 8, (size_t)X->nnz, f);
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_tfidf CORPUS [--min-df X] [--max-df X] [--max-features N] "
                        "[--sublinear-tf] [--threads T] [--repeat R] [--dump DIR]\n");
        return 2;
    }
    lr_tfidf_opts o;
    lr_tfidf_opts_default(&o);
    int repeat = 3, threads = 0;
    const char *dumpdir = NULL, *path = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
        if (!strcmp(a, "--min-df")) o.min_df = parse_df(v), i++;
        else if (!strcmp(a, "--max-df")) o.max_df = parse_df(v), i++;
        else if (!strcmp(a, "--max-features")) o.max_features = atoll(v), i++;
        else if (!strcmp(a, "--sublinear-tf")) o.sublinear_tf = 1;
        else if (!strcmp(a, "--threads")) threads = atoi(v), i++;
        else if (!strcmp(a, "--repeat")) repeat = atoi(v), i++;
        else if (!strcmp(a, "--dump")) dumpdir = v, i++;
        else {
            fprintf(stderr, "bench_tfidf: unknown option %s\n", a);
            return 2;
        }
    }
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, threads);
    double best = 1e300, best_read = 0;
    lr_tfidf *t = NULL;
    lr_corpus *c = NULL;
    for (int r = 0; r < (repeat < 1 ? 1 : repeat); r++) {
        lr_tfidf_destroy(ctx, t);
        lr_corpus_destroy(ctx, c);
        t = NULL, c = NULL;
        double t0 = now();
        if (lr_corpus_read(ctx, path, &c)) {
            fprintf(stderr, "bench_tfidf: %s\n", lr_ctx_errmsg(ctx));
            lr_ctx_destroy(ctx);
            return 1;
        }
        double t1 = now();
        if (lr_tfidf_build(ctx, c, &o, &t)) {
            fprintf(stderr, "bench_tfidf: %s\n", lr_ctx_errmsg(ctx));
            lr_corpus_destroy(ctx, c);
            lr_ctx_destroy(ctx);
            return 1;
        }
        double t2 = now();
        if (t2 - t0 < best) best = t2 - t0, best_read = t1 - t0;
    }
    const lr_csr *X = lr_tfidf_matrix(t);
    printf("{\"bench\": \"text_tfidf\", \"impl\": \"lowrank\", \"seconds\": %.6f, \"read_seconds\": %.6f, "
           "\"threads\": %d, \"docs\": %lld, \"vocab\": %lld, \"nnz\": %lld, \"skipped\": %lld}\n",
           best, best_read, lr_ctx_threads(ctx), (long long)X->rows, (long long)X->cols,
           (long long)X->nnz, (long long)(lr_corpus_get_counts(c).seen - lr_corpus_size(c)));
    int rc = 0;
    if (dumpdir && dump(dumpdir, t)) {
        fprintf(stderr, "bench_tfidf: cannot write to %s\n", dumpdir);
        rc = 1;
    }
    lr_tfidf_destroy(ctx, t);
    lr_corpus_destroy(ctx, c);
    lr_ctx_destroy(ctx);
    return rc;
}
