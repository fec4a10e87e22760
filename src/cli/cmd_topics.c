/* cmd_topics.c -- `lowrank topics CORPUS -k 10 -o OUTDIR`: topics of a
 * corpus.  Text -> TF-IDF (text.h) -> NMF (nmf.h, init NNDSVDa) or LSA
 * (randomized SVD of the sparse TF-IDF operator) -> top words per topic,
 * coherence (NPMI, UMass over the corpus's own documents), document-topic
 * assignment, a bar chart.
 *
 * Order of work, so that bad input never leaves output behind: options ->
 * the output folder's parent -> read the corpus -> TF-IDF -> size checks
 * (documents, vocabulary, k) -> only then create the output folder and
 * factorize.  Each file is written completely under a hidden part name
 * (through lr_outfile), and all are renamed into place at the end; an
 * interrupted or failed run removes its parts (and the folder it made). */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "fig_topics.h"
#include "figure.h"

static const char usage[] =
    "usage: lowrank topics CORPUS -k K -o OUTDIR [options]\n"
    "\n"
    "Topics of a corpus: CORPUS is a folder of UTF-8 text files (one document\n"
    "each, in name order) or one UTF-8 file with one document per line.\n"
    "Documents that are empty, not UTF-8 or binary are skipped and reported.\n"
    "Words: runs of letters/digits of >= 2 characters, lower-cased, English\n"
    "stop words removed; TF-IDF as scikit-learn's TfidfVectorizer (smooth idf,\n"
    "l2-normalised rows).  Writes into OUTDIR (created if missing):\n"
    "  topics.txt       top words of each topic with their weights\n"
    "  W.npy, H.npy     NMF: documents x k and k x terms (--method nmf)\n"
    "  U.npy, S.npy, Vt.npy   LSA: the truncated SVD (--method lsa)\n"
    "  vocab.txt        the terms, one per line (the columns of H / Vt)\n"
    "  doc-topics.tsv   each document's strongest topic and its weight\n"
    "  report.json      sizes, skipped documents, loss, coherence per topic\n"
    "  topics.png       a bar chart of the top words of each topic\n"
    "\n"
    "options:\n"
    "  -o, --output DIR      output folder (required)\n"
    "  -k, --topics K        number of topics (default 10)\n"
    "  --method M            nmf | lsa (default nmf)\n"
    "  --min-df X            keep words in at least X documents (an integer)\n"
    "                        or a fraction X of them (with a '.', e.g. 0.001)\n"
    "                        (default 2)\n"
    "  --max-df X            keep words in at most X documents / a fraction\n"
    "                        (default 0.95)\n"
    "  --max-features N      keep the N most frequent words (default: all)\n"
    "  --min-length N        shortest word in characters (default 2)\n"
    "  --keep-stop-words     do not remove English stop words\n"
    "  --sublinear-tf        tf = 1 + ln(count) instead of the count\n"
    "  --top N               words shown per topic, 2..100 (default 10)\n"
    "  --tol T               NMF: relative loss change to stop (default 1e-4)\n"
    "  --max-iter N          NMF: iteration cap (default 200)\n"
    "  --dtype T             f32 | f64: element type of the factorization\n"
    "                        (default f64)\n"
    CLI_COMMON_HELP
    "\n"
    "Peak memory: the corpus text + the TF-IDF matrix (16 bytes per entry,\n"
    "twice during NMF/LSA for its transpose) + the factors.  Exit codes: 0 ok,\n"
    "1 runtime failure, 2 bad usage or input.\n";

/* ---- the output set (cli_out_*, common.c: part files, cleanup) -------------- */
static char out_dir[PATH_MAX];

/* Reserves the next output in the output folder: its part path. */
static const char *out_add(const char *name) { return cli_out_add(out_dir, name); }

static void out_fail(const cli_common *cc, lr_status s, const char *what, const char *msg)
{
    cli_die(cc, s == LR_ERR_NOMEM ? EXIT_RUNTIME : EXIT_RUNTIME,
            "cannot write %s: %s; no result file was replaced", what, msg);
}

/* ---- options ---------------------------------------------------------------------- */
enum {
    OPT_METHOD = 2001, OPT_MIN_DF, OPT_MAX_DF, OPT_MAX_FEATURES, OPT_MIN_LENGTH, OPT_KEEP_STOP,
    OPT_SUBLINEAR, OPT_TOP, OPT_TOL, OPT_MAX_ITER, OPT_DTYPE
};
static const struct option longopts[] = {
    {"output", required_argument, 0, 'o'},
    {"topics", required_argument, 0, 'k'},
    {"method", required_argument, 0, OPT_METHOD},
    {"min-df", required_argument, 0, OPT_MIN_DF},
    {"max-df", required_argument, 0, OPT_MAX_DF},
    {"max-features", required_argument, 0, OPT_MAX_FEATURES},
    {"min-length", required_argument, 0, OPT_MIN_LENGTH},
    {"keep-stop-words", no_argument, 0, OPT_KEEP_STOP},
    {"sublinear-tf", no_argument, 0, OPT_SUBLINEAR},
    {"top", required_argument, 0, OPT_TOP},
    {"tol", required_argument, 0, OPT_TOL},
    {"max-iter", required_argument, 0, OPT_MAX_ITER},
    {"dtype", required_argument, 0, OPT_DTYPE},
    CLI_COMMON_LONGOPTS,
    {0, 0, 0, 0}};

/* "5" -> 5 documents; "0.01" -> a fraction (scikit-learn's int / float). */
static lr_df_limit parse_df(const cli_common *cc, const char *opt, const char *s)
{
    lr_df_limit l = {0, 0};
    if (strchr(s, '.') || strchr(s, 'e') || strchr(s, 'E')) {
        l.value = cli_parse_double(cc, opt, s, 0, 1);
        l.fraction = 1;
    } else {
        l.value = (double)cli_parse_int(cc, opt, s, 0, INT64_MAX / 2);
    }
    return l;
}

static const char *df_str(char *buf, size_t n, lr_df_limit l)
{
    if (l.fraction) snprintf(buf, n, "%g (fraction)", l.value);
    else snprintf(buf, n, "%.0f documents", l.value);
    return buf;
}

/* The output folder's parent must exist; the folder must be a folder. */
static void check_outdir(const cli_common *cc, const char *dir)
{
    struct stat st;
    if (!*dir) cli_die(cc, EXIT_USAGE, "-o/--output: the output folder name is empty");
    if (strlen(dir) + 64 > PATH_MAX) cli_die(cc, EXIT_USAGE, "output folder name '%s' is too long", dir);
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            cli_die(cc, EXIT_USAGE, "output '%s' exists and is not a folder; choose a folder "
                    "name with -o", dir);
        cli_probe_dir(cc, dir);
        /* a folder where a result file should go could not be replaced */
        static const char *const names[] = {"topics.txt", "vocab.txt", "doc-topics.tsv", "W.npy",
                                            "H.npy", "U.npy", "S.npy", "Vt.npy", "topics.png",
                                            "report.json"};
        for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
            char p[PATH_MAX];
            cli_path(p, sizeof p, dir, names[i]);
            if (stat(p, &st) == 0 && !S_ISREG(st.st_mode))
                cli_die(cc, EXIT_USAGE, "'%s' exists and is not a regular file; move it away or "
                        "choose another output folder", p);
        }
        return;
    }
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", dir);
    size_t l = strlen(tmp);
    while (l > 1 && tmp[l - 1] == '/') tmp[--l] = 0;
    const char *parent = dirname(tmp);
    if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))
        cli_die(cc, EXIT_USAGE, "cannot create output folder '%s': its parent '%s' is missing or "
                "not a folder", dir, parent);
    cli_probe_dir(cc, parent);
}

static void make_outdir(const cli_common *cc, const char *dir)
{
    struct stat st;
    snprintf(out_dir, sizeof out_dir, "%s", dir);
    if (stat(dir, &st) == 0) return;
    if (mkdir(dir, 0755) != 0)
        cli_die(cc, EXIT_USAGE, "cannot create output folder '%s' (%s)", dir, strerror(errno));
    cli_out_made_dir(dir);
}

/* ---- results --------------------------------------------------------------------------- */
typedef struct {
    int64_t k, top, n_docs, n_terms;
    int64_t *words;      /* k x top term indices, best first */
    double *weights;     /* k x top */
    int64_t *doc_topic;  /* per document: arg-max topic */
    double *doc_weight;
    int64_t *topic_docs; /* documents assigned per topic */
    double *npmi, *umass;
} topics;

/* Row t of a k x n factor (column-major) as the source of top words. */
static void top_words(const lr_mat *F, int64_t t, int64_t top, int64_t *idx, double *w)
{
    int64_t m = 0;
    for (int64_t j = 0; j < F->cols; j++) {
        double v = lr_mat_get(F, t, j);
        if (m == top && v <= w[m - 1]) continue;
        int64_t p = m < top ? m++ : top - 1;
        while (p > 0 && w[p - 1] < v) {
            w[p] = w[p - 1], idx[p] = idx[p - 1];
            p--;
        }
        w[p] = v, idx[p] = j;
    }
}

static int write_text_file(const cli_common *cc, lr_ctx *ctx, const char *path, const char *what,
                           void (*fill)(FILE *, const void *), const void *arg)
{
    lr_outfile *f;
    lr_status s = lr_outfile_open(ctx, path, &f);
    if (s) out_fail(cc, s, what, lr_ctx_errmsg(ctx));
    fill(lr_outfile_fp(f), arg);
    if (ferror(lr_outfile_fp(f))) {
        lr_outfile_abort(f);
        out_fail(cc, LR_ERR_IO, what, "write error");
    }
    s = lr_outfile_commit(ctx, f);
    if (s) out_fail(cc, s, what, lr_ctx_errmsg(ctx));
    return 0;
}

typedef struct {
    const topics *tp;
    const lr_tfidf *tf;
    const lr_corpus *corpus;
} fill_arg;

static void fill_topics(FILE *f, const void *a)
{
    const fill_arg *x = a;
    const topics *tp = x->tp;
    for (int64_t t = 0; t < tp->k; t++) {
        fprintf(f, "topic %lld", (long long)t);
        if (tp->npmi) fprintf(f, "  (NPMI %.3f, UMass %.3f", tp->npmi[t], tp->umass[t]);
        else fprintf(f, "  (");
        fprintf(f, "%s%lld documents)\n", tp->npmi ? ", " : "", (long long)tp->topic_docs[t]);
        for (int64_t i = 0; i < tp->top; i++)
            fprintf(f, "  %-24s %.6g\n", lr_tfidf_term(x->tf, tp->words[t * tp->top + i]),
                    tp->weights[t * tp->top + i]);
    }
}

static void fill_vocab(FILE *f, const void *a)
{
    const fill_arg *x = a;
    for (int64_t j = 0; j < lr_tfidf_vocab_size(x->tf); j++) fprintf(f, "%s\n", lr_tfidf_term(x->tf, j));
}

static void fill_docs(FILE *f, const void *a)
{
    const fill_arg *x = a;
    fprintf(f, "document\ttopic\tweight\n");
    for (int64_t i = 0; i < x->tp->n_docs; i++) {
        /* names of files may hold tabs or newlines: replace them */
        const char *nm = lr_corpus_name(x->corpus, i);
        for (const char *p = nm; *p; p++) fputc(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, f);
        fprintf(f, "\t%lld\t%.6g\n", (long long)x->tp->doc_topic[i], x->tp->doc_weight[i]);
    }
}

/* ---- main -------------------------------------------------------------------------------- */
int cmd_topics(int argc, char **argv)
{
    cli_common cc;
    cli_common_init(&cc, "lowrank topics");
    lr_tfidf_opts to;
    lr_tfidf_opts_default(&to);
    to.min_df = (lr_df_limit){2, 0};
    to.max_df = (lr_df_limit){0.95, 1};
    int lsa = 0;
    int64_t k = 10, top = 10;
    double tol = 1e-4;
    int max_iter = 200;
    const char *outdir = NULL;

    opterr = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:k:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': outdir = optarg; break;
        case 'k': k = cli_parse_int(&cc, "-k/--topics", optarg, 1, 100000); break;
        case OPT_METHOD:
            if (!strcmp(optarg, "nmf")) lsa = 0;
            else if (!strcmp(optarg, "lsa")) lsa = 1;
            else cli_die(&cc, EXIT_USAGE, "--method must be nmf or lsa, got '%s'", optarg);
            break;
        case OPT_MIN_DF: to.min_df = parse_df(&cc, "--min-df", optarg); break;
        case OPT_MAX_DF: to.max_df = parse_df(&cc, "--max-df", optarg); break;
        case OPT_MAX_FEATURES:
            to.max_features = cli_parse_int(&cc, "--max-features", optarg, 1, INT64_MAX / 2);
            break;
        case OPT_MIN_LENGTH: to.min_len = (int)cli_parse_int(&cc, "--min-length", optarg, 1, 100); break;
        case OPT_KEEP_STOP: to.stop_words = 0; break;
        case OPT_SUBLINEAR: to.sublinear_tf = 1; break;
        case OPT_TOP: top = cli_parse_int(&cc, "--top", optarg, 2, 100); break;
        case OPT_TOL:
            tol = cli_parse_double(&cc, "--tol", optarg, 0, 1);
            break;
        case OPT_MAX_ITER: max_iter = (int)cli_parse_int(&cc, "--max-iter", optarg, 1, 1000000); break;
        case OPT_DTYPE:
            to.dtype = cli_parse_dtype(&cc, optarg);
            break;
        default: cli_other_opt(&cc, c, optarg, argv, usage);
        }
    }
    if (optind >= argc)
        cli_die(&cc, EXIT_USAGE, "missing the corpus (a folder of text files or a file with one "
                "document per line); usage: lowrank topics CORPUS -k K -o OUTDIR");
    if (argc - optind > 1)
        cli_die(&cc, EXIT_USAGE, "expected one corpus, got %d ('%s', '%s'%s)", argc - optind,
                argv[optind], argv[optind + 1], argc - optind > 2 ? ", ..." : "");
    const char *path = argv[optind];
    if (!outdir) cli_die(&cc, EXIT_USAGE, "missing -o OUTDIR: the folder for the results");
    struct stat st;
    if (stat(path, &st) != 0) cli_die(&cc, EXIT_USAGE, "cannot read '%s' (%s)", path, strerror(errno));
    if (!S_ISDIR(st.st_mode) && access(path, R_OK) != 0)
        cli_die(&cc, EXIT_USAGE, "cannot read '%s' (%s)", path, strerror(errno));
    check_outdir(&cc, outdir);
    cli_out_guard();

    lr_ctx *ctx = cli_ctx(&cc);
    double t0 = cli_now();
    lr_corpus *corpus = NULL;
    lr_status s = lr_corpus_read(ctx, path, &corpus);
    if (s == LR_ERR_IO) cli_die(&cc, EXIT_USAGE, "%s", lr_ctx_errmsg(ctx));
    cli_check(&cc, ctx, s);
    lr_corpus_counts cnt = lr_corpus_get_counts(corpus);
    int64_t skipped = cnt.seen - cnt.kept;
    if (skipped)
        cli_info(&cc, "%s: %lld of %lld documents skipped (%lld empty, %lld invalid UTF-8, %lld "
                 "binary)\n", cc.prog, (long long)skipped, (long long)cnt.seen,
                 (long long)cnt.skipped_empty, (long long)cnt.skipped_utf8,
                 (long long)cnt.skipped_binary);
    if (cnt.kept < 2)
        cli_die(&cc, EXIT_USAGE, "%s has %lld usable document%s: topics need at least 2", path,
                (long long)cnt.kept, cnt.kept == 1 ? "" : "s");
    double t_read = cli_now() - t0;
    t0 = cli_now();
    lr_tfidf *tf = NULL;
    s = lr_tfidf_build(ctx, corpus, &to, &tf);
    if (s == LR_ERR_DATA || s == LR_ERR_ARG) {
        char a[64], b[64];
        cli_die(&cc, EXIT_USAGE, "%s: %s (--min-df %s, --max-df %s)", path, lr_ctx_errmsg(ctx),
                df_str(a, sizeof a, to.min_df), df_str(b, sizeof b, to.max_df));
    }
    cli_check(&cc, ctx, s);
    double t_tfidf = cli_now() - t0;
    const lr_csr *X = lr_tfidf_matrix(tf);
    int64_t m = X->rows, n = X->cols, mn = m < n ? m : n;
    if (k > mn)
        cli_die(&cc, EXIT_USAGE, "-k %lld is larger than the TF-IDF matrix allows: %lld documents x "
                "%lld terms (after --min-df/--max-df); choose k <= %lld", (long long)k, (long long)m,
                (long long)n, (long long)mn);
    if (X->nnz == 0) cli_die(&cc, EXIT_USAGE, "%s: the TF-IDF matrix is all zeros", path);
    if (top > n) top = n;

    /* the factorization */
    make_outdir(&cc, outdir);
    t0 = cli_now();
    lr_nmf *nmf = NULL;
    lr_svd *svd = NULL;
    lr_mat Wd = {0}, Ht = {0};  /* documents x k weights, k x terms weights */
    double loss = NAN, rel_err = NAN;
    int iters = 0, converged = 1;
    if (!lsa) {
        lr_nmf_opts no;
        lr_nmf_opts_default(&no);
        no.k = k, no.init = LR_NMF_INIT_NNDSVDA, no.tol = tol, no.max_iter = max_iter;
        no.seed = cc.seed;
        const char *why = lr_nmf_opts_check(&no, m, n);
        if (why) cli_die(&cc, EXIT_USAGE, "%s", why);
        s = lr_nmf_csr(ctx, X, &no, &nmf);
        if (s == LR_ERR_NOCONV && nmf) {
            converged = 0;
            cli_info(&cc, "%s: warning: %s (writing the result after %d iterations)\n", cc.prog,
                     lr_ctx_errmsg(ctx), lr_nmf_iterations(nmf));
        } else {
            cli_check(&cc, ctx, s);
        }
        Wd = lr_nmf_w(nmf), Ht = lr_nmf_h(nmf);
        loss = lr_nmf_loss(nmf);
        iters = lr_nmf_iterations(nmf);
        double fro2 = lr_csr_frob2(X);
        rel_err = fro2 > 0 ? sqrt(2 * loss / fro2) : 0;
    } else {
        lr_op *op = NULL;
        cli_check(&cc, ctx, lr_op_csr(ctx, X, &op));
        lr_svd_opts so;
        lr_svd_opts_default(&so);
        so.k = k, so.seed = cc.seed;
        const char *why = lr_svd_opts_check(&so, m, n);
        if (why) cli_die(&cc, EXIT_USAGE, "%s", why);
        s = lr_svd_compute(ctx, op, &so, &svd);
        cli_check(&cc, ctx, s);
        lr_op_destroy(op);
        Wd = lr_svd_u(svd), Ht = lr_svd_vt(svd);
        rel_err = lr_svd_error_estimate(svd);
        iters = lr_svd_passes(svd);
        k = lr_svd_rank(svd);
    }
    double t_fact = cli_now() - t0;

    /* topics: top words, assignment, coherence */
    topics tp = {k, top, m, n, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    tp.words = calloc((size_t)(k * top), sizeof *tp.words);
    tp.weights = calloc((size_t)(k * top), sizeof *tp.weights);
    tp.doc_topic = calloc((size_t)m, sizeof *tp.doc_topic);
    tp.doc_weight = calloc((size_t)m, sizeof *tp.doc_weight);
    tp.topic_docs = calloc((size_t)k, sizeof *tp.topic_docs);
    if (!tp.words || !tp.weights || !tp.doc_topic || !tp.doc_weight || !tp.topic_docs)
        cli_die(&cc, EXIT_RUNTIME, "out of memory");
    for (int64_t t = 0; t < k; t++) top_words(&Ht, t, top, tp.words + t * top, tp.weights + t * top);
    const double *sv = svd ? lr_svd_s(svd) : NULL;
    for (int64_t i = 0; i < m; i++) {
        int64_t best = 0;
        double bw = -INFINITY;
        for (int64_t t = 0; t < k; t++) {
            double v = lr_mat_get(&Wd, i, t) * (sv ? sv[t] : 1.0);
            if (v > bw) bw = v, best = t;
        }
        tp.doc_topic[i] = best, tp.doc_weight[i] = bw;
        tp.topic_docs[best]++;
    }
    if (top >= 2) {
        tp.npmi = calloc((size_t)k, sizeof *tp.npmi);
        tp.umass = calloc((size_t)k, sizeof *tp.umass);
        if (!tp.npmi || !tp.umass) cli_die(&cc, EXIT_RUNTIME, "out of memory");
        cli_check(&cc, ctx, lr_topic_coherence(ctx, X, k, top, tp.words, tp.npmi, tp.umass));
    }
    double mean_npmi = 0, mean_umass = 0;
    for (int64_t t = 0; tp.npmi && t < k; t++) mean_npmi += tp.npmi[t] / k, mean_umass += tp.umass[t] / k;

    /* files */
    t0 = cli_now();
    fill_arg fa = {&tp, tf, corpus};
    write_text_file(&cc, ctx, out_add("topics.txt"), "topics.txt", fill_topics, &fa);
    write_text_file(&cc, ctx, out_add("vocab.txt"), "vocab.txt", fill_vocab, &fa);
    write_text_file(&cc, ctx, out_add("doc-topics.tsv"), "doc-topics.tsv", fill_docs, &fa);
    if (!lsa) {
        if ((s = lr_npy_write(ctx, out_add("W.npy"), &Wd))) out_fail(&cc, s, "W.npy", lr_ctx_errmsg(ctx));
        if ((s = lr_npy_write(ctx, out_add("H.npy"), &Ht))) out_fail(&cc, s, "H.npy", lr_ctx_errmsg(ctx));
    } else {
        if ((s = lr_npy_write(ctx, out_add("U.npy"), &Wd))) out_fail(&cc, s, "U.npy", lr_ctx_errmsg(ctx));
        if ((s = lr_npy_write_vector(ctx, out_add("S.npy"), sv, k, Wd.dtype)))
            out_fail(&cc, s, "S.npy", lr_ctx_errmsg(ctx));
        if ((s = lr_npy_write(ctx, out_add("Vt.npy"), &Ht))) out_fail(&cc, s, "Vt.npy", lr_ctx_errmsg(ctx));
    }
    {
        const char **labels = malloc((size_t)(k * top) * sizeof *labels);
        if (!labels) cli_die(&cc, EXIT_RUNTIME, "out of memory");
        for (int64_t i = 0; i < k * top; i++) labels[i] = lr_tfidf_term(tf, tp.words[i]);
        char msg[512];
        s = fig_topics_png(ctx, out_add("topics.png"), k, top, labels, tp.weights, tp.npmi, msg,
                           sizeof msg);
        free(labels);
        if (s) out_fail(&cc, s, "topics.png", msg);
    }
    double t_write = cli_now() - t0;

    /* report */
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "command", "topics");
    cJSON_AddStringToObject(r, "corpus", path);
    cJSON_AddStringToObject(r, "method", lsa ? "lsa" : "nmf");
    cJSON_AddNumberToObject(r, "k", (double)k);
    cJSON *jd = cJSON_AddObjectToObject(r, "documents");
    cJSON_AddNumberToObject(jd, "found", (double)cnt.seen);
    cJSON_AddNumberToObject(jd, "used", (double)cnt.kept);
    cJSON_AddNumberToObject(jd, "skipped_empty", (double)cnt.skipped_empty);
    cJSON_AddNumberToObject(jd, "skipped_invalid_utf8", (double)cnt.skipped_utf8);
    cJSON_AddNumberToObject(jd, "skipped_binary", (double)cnt.skipped_binary);
    cJSON_AddNumberToObject(jd, "without_terms", (double)lr_tfidf_empty_rows(tf));
    cJSON *jm = cJSON_AddObjectToObject(r, "matrix");
    cJSON_AddNumberToObject(jm, "rows", (double)m);
    cJSON_AddNumberToObject(jm, "cols", (double)n);
    cJSON_AddNumberToObject(jm, "nnz", (double)X->nnz);
    cJSON_AddNumberToObject(jm, "distinct_words", (double)lr_tfidf_tokens_seen(tf));
    cJSON_AddStringToObject(jm, "dtype", lr_dtype_name(X->dtype));
    char a[64], b[64];
    cJSON_AddStringToObject(jm, "min_df", df_str(a, sizeof a, to.min_df));
    cJSON_AddStringToObject(jm, "max_df", df_str(b, sizeof b, to.max_df));
    cJSON_AddNumberToObject(jm, "max_features", (double)to.max_features);
    cJSON_AddBoolToObject(jm, "sublinear_tf", to.sublinear_tf);
    cJSON_AddBoolToObject(jm, "stop_words", to.stop_words);
    if (!lsa) {
        cJSON_AddNumberToObject(r, "loss", loss);
        cJSON_AddNumberToObject(r, "iterations", iters);
        cJSON_AddBoolToObject(r, "converged", converged);
        cJSON_AddNumberToObject(r, "tol", tol);
        int nh = 0;
        const double *h = lr_nmf_loss_history(nmf, &nh);
        cJSON *jh = cJSON_AddArrayToObject(r, "loss_history");
        for (int i = 0; i < nh; i++) cJSON_AddItemToArray(jh, cJSON_CreateNumber(h[i]));
    } else {
        cJSON_AddNumberToObject(r, "passes", iters);
        cJSON *js = cJSON_AddArrayToObject(r, "singular_values");
        for (int64_t i = 0; i < k; i++) cJSON_AddItemToArray(js, cJSON_CreateNumber(sv[i]));
    }
    cJSON_AddNumberToObject(r, "relative_error", rel_err);
    if (tp.npmi) {
        cJSON_AddNumberToObject(r, "npmi_mean", mean_npmi);
        cJSON_AddNumberToObject(r, "umass_mean", mean_umass);
    }
    cJSON *jt = cJSON_AddArrayToObject(r, "topics");
    for (int64_t t = 0; t < k; t++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "topic", (double)t);
        cJSON_AddNumberToObject(o, "documents", (double)tp.topic_docs[t]);
        if (tp.npmi) {
            cJSON_AddNumberToObject(o, "npmi", tp.npmi[t]);
            cJSON_AddNumberToObject(o, "umass", tp.umass[t]);
        }
        cJSON *w = cJSON_AddArrayToObject(o, "words");
        cJSON *wv = cJSON_AddArrayToObject(o, "weights");
        for (int64_t i = 0; i < top; i++) {
            cJSON_AddItemToArray(w, cJSON_CreateString(lr_tfidf_term(tf, tp.words[t * top + i])));
            cJSON_AddItemToArray(wv, cJSON_CreateNumber(tp.weights[t * top + i]));
        }
        cJSON_AddItemToArray(jt, o);
    }
    cJSON *jtime = cJSON_AddObjectToObject(r, "seconds");
    cJSON_AddNumberToObject(jtime, "read", t_read);
    cJSON_AddNumberToObject(jtime, "tfidf", t_tfidf);
    cJSON_AddNumberToObject(jtime, "factorize", t_fact);
    cJSON_AddNumberToObject(jtime, "write", t_write);
    cJSON_AddNumberToObject(r, "peak_rss_bytes", (double)cli_peak_rss());
    cJSON_AddNumberToObject(r, "threads", lr_ctx_threads(ctx));
    cJSON_AddNumberToObject(r, "seed", (double)cc.seed);
    if ((s = cli_write_json(ctx, out_add("report.json"), r)))
        out_fail(&cc, s, "report.json", lr_ctx_errmsg(ctx));
    cli_out_commit(&cc);

    if (!cc.quiet && !cc.json) {
        fprintf(stderr, "%s: %lld documents x %lld terms (%lld entries); %s k = %lld in %.2f s",
                cc.prog, (long long)m, (long long)n, (long long)X->nnz, lsa ? "LSA" : "NMF",
                (long long)k, t_fact);
        if (!lsa) fprintf(stderr, ", %d iterations", iters);
        fprintf(stderr, "; mean NPMI %.3f\n", mean_npmi);
        for (int64_t t = 0; t < k; t++) {
            fprintf(stderr, "  %3lld:", (long long)t);
            for (int64_t i = 0; i < top && i < 8; i++)
                fprintf(stderr, " %s", lr_tfidf_term(tf, tp.words[t * top + i]));
            fputc('\n', stderr);
        }
        fprintf(stderr, "%s: wrote %s/{topics.txt, %s, vocab.txt, doc-topics.tsv, report.json, "
                "topics.png}\n", cc.prog, outdir, lsa ? "U.npy, S.npy, Vt.npy" : "W.npy, H.npy");
    }
    cli_print_json(&cc, r);
    cJSON_Delete(r);
    free(tp.words), free(tp.weights), free(tp.doc_topic), free(tp.doc_weight);
    free(tp.topic_docs), free(tp.npmi), free(tp.umass);
    lr_nmf_destroy(nmf);
    lr_svd_destroy(svd);
    lr_tfidf_destroy(ctx, tf);
    lr_corpus_destroy(ctx, corpus);
    lr_ctx_destroy(ctx);
    fig_shutdown();
    return EXIT_OK;
}
