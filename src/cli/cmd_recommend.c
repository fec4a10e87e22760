/* cmd_recommend.c -- `lowrank recommend train|eval|top|similar|foldin`:
 * matrix-factorization recommendations from a ratings file (rec.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "cli.h"

/* CPU seconds of this process, all threads (the speed figure that survives a
 * machine shared with other work). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char usage_main[] =
    "usage: lowrank recommend COMMAND ...   (lowrank recommend COMMAND --help)\n"
    "\n"
    "Recommendations from (user, item, rating) files by matrix factorization.\n"
    "\n"
    "commands:\n"
    "  train    fit a model (ALS-WR with biases, or implicit ALS) -> model.lrm\n"
    "  eval     cross-validate: RMSE/MAE and ranking metrics next to baselines\n"
    "  top      the best unrated items for a user of a model\n"
    "  similar  the items closest to an item (cosine of item factors)\n"
    "  foldin   recommendations for new users from their ratings, no retraining\n"
    "\n"
    "Ratings files: one `user item rating [more columns]` per line, separated by\n"
    "tab, comma, ';' or '::' (MovieLens), with or without a header (names such as\n"
    "user/userId, item/movieId, rating pick the columns).  Duplicate (user, item)\n"
    "pairs: the last one in the file wins (the count is reported).\n";

static const char usage_train[] =
    "usage: lowrank recommend train RATINGS -o MODEL.lrm [options]\n"
    "\n"
    "Fits rating ~ mean + user bias + item bias + p_u.q_i by alternating least\n"
    "squares with weighted-lambda regularisation (ALS-WR), or with --implicit a\n"
    "confidence-weighted model of which items a user interacted with (Hu, Koren,\n"
    "Volinsky; conjugate-gradient inner solver).  The model file keeps the ids,\n"
    "factors and each user's rated items (left out of 'top').\n"
    "\n"
    "options:\n"
    "  -o, --output PATH  the model to write (.lrm; required)\n"
    "  -k N               factors (default 32; 0 = biases only; at most 256)\n"
    "  --lambda X         regularisation (default 0.05; implicit 0.1); explicit\n"
    "                     models scale it by each row's number of ratings\n"
    "  --lambda-bias X    explicit: the biases' regularisation (default: --lambda)\n"
    "  --iters N          ALS iterations / SGD epochs (default 15)\n"
    "  --implicit         implicit feedback: ratings are counts/plays, > 0\n"
    "  --alpha X          implicit confidence 1 + alpha*rating (default 10)\n"
    "  --cg-steps N       implicit: conjugate-gradient steps per row (default 3)\n"
    "  --sgd              explicit: stochastic gradient descent instead of ALS\n"
    "  --sgd-rate X       SGD learning rate (default 0.01)\n"
    "  --no-biases        explicit: no user/item biases, mean + p_u.q_i only\n"
    "  --skip-bad         skip unparseable lines (counted) instead of failing\n"
    CLI_COMMON_HELP
    "\n"
    "Peak memory: about 50 bytes per rating (reading, both index orders, the\n"
    "model's copy of the rated items) plus 4(k+1) bytes per user and item;\n"
    "measured 47 MB for 1,000,000 ratings at k = 32 (plus ~32 MB of libraries).\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input.\n";

static const char usage_eval[] =
    "usage: lowrank recommend eval RATINGS [options]\n"
    "\n"
    "Holds out ratings, trains on the rest and scores the held-out ones: RMSE\n"
    "and MAE (explicit), precision, recall, NDCG and MAP at --at among the items\n"
    "a user did not rate in training, for each fold and as mean +/- std.  Two\n"
    "baselines run on the same folds: 'global mean' (predicts the training mean,\n"
    "ranks by popularity) and 'bias only' (mean + user + item bias, k = 0).\n"
    "\n"
    "options (one split):\n"
    "  --folds N          N-fold cross-validation over the ratings (default 5)\n"
    "  --test-fraction F  one split, each rating held out with probability F\n"
    "  --leave-k-out N    one split, N random ratings of each user held out\n"
    "                     (users with N or fewer ratings stay in training)\n"
    "model options as for 'train': -k, --lambda, --lambda-bias, --iters,\n"
    "  --implicit, --alpha, --cg-steps, --sgd, --sgd-rate, --no-biases, --skip-bad\n"
    "  --at N             ranking cutoff (default 10)\n"
    "  --relevant X       explicit: a held-out rating >= X is relevant for the\n"
    "                     ranking metrics (default 4); implicit: all are\n"
    CLI_COMMON_HELP
    "\n"
    "Peak memory: as 'train' plus one more copy of the ratings (the split).\n"
    "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input.\n";

static const char usage_top[] =
    "usage: lowrank recommend top MODEL.lrm --user ID [-n 10] [options]\n"
    "\n"
    "The n items with the highest predicted rating (explicit) or preference\n"
    "(implicit) for a user of the model, leaving out the items the user rated in\n"
    "training.  Prints rank, item id and score, one per line.\n"
    "\n"
    "options:\n"
    "  --user ID          the user (as in the ratings file); new users: 'foldin'\n"
    "  -n N               how many items (default 10)\n"
    CLI_COMMON_HELP
    "\nExit codes: 0 ok, 1 runtime failure, 2 bad usage or input (unknown user,\n"
    "damaged model file).\n";

static const char usage_similar[] =
    "usage: lowrank recommend similar MODEL.lrm --item ID [-n 10] [options]\n"
    "\n"
    "The n items whose factor vectors have the largest cosine with the item's.\n"
    "\n"
    "options:\n"
    "  --item ID          the item (as in the ratings file)\n"
    "  -n N               how many items (default 10)\n"
    CLI_COMMON_HELP
    "\nExit codes: 0 ok, 1 runtime failure, 2 bad usage or input.\n";

static const char usage_foldin[] =
    "usage: lowrank recommend foldin MODEL.lrm --ratings FILE [-n 10] [options]\n"
    "\n"
    "Computes factors for each user in FILE (a ratings file, same layouts as\n"
    "'train') from their ratings and the model's item factors -- the same\n"
    "per-user solve as a training step, no retraining -- and prints their top-n\n"
    "items among those they did not rate.  Items unknown to the model are\n"
    "skipped and counted.\n"
    "\n"
    "options:\n"
    "  --ratings FILE     the new users' ratings (required)\n"
    "  -n N               items per user (default 10)\n"
    "  --skip-bad         skip unparseable lines (counted)\n"
    CLI_COMMON_HELP
    "\nExit codes: 0 ok, 1 runtime failure, 2 bad usage or input.\n";

enum {
    OPT_LAMBDA = 2701, OPT_ITERS, OPT_IMPLICIT, OPT_ALPHA, OPT_CG, OPT_SGD, OPT_SGDRATE,
    OPT_NOBIAS, OPT_SKIPBAD, OPT_FOLDS, OPT_TESTFRAC, OPT_LEAVEK, OPT_AT, OPT_RELEVANT,
    OPT_USER, OPT_ITEM, OPT_RATINGS, OPT_LAMBDAB
};

#define MODEL_LONGOPTS                                          \
    {"lambda", required_argument, 0, OPT_LAMBDA},               \
    {"lambda-bias", required_argument, 0, OPT_LAMBDAB},         \
    {"iters", required_argument, 0, OPT_ITERS},                 \
    {"implicit", no_argument, 0, OPT_IMPLICIT},                 \
    {"alpha", required_argument, 0, OPT_ALPHA},                 \
    {"cg-steps", required_argument, 0, OPT_CG},                 \
    {"sgd", no_argument, 0, OPT_SGD},                           \
    {"sgd-rate", required_argument, 0, OPT_SGDRATE},            \
    {"no-biases", no_argument, 0, OPT_NOBIAS},                  \
    {"skip-bad", no_argument, 0, OPT_SKIPBAD}

typedef struct {
    lr_rec_opts o;
    int lambda_set, skip_bad;
} model_args;

/* Handles a model option; returns 1 when c was one. */
static int model_opt(const cli_common *cc, model_args *a, int c, const char *arg)
{
    switch (c) {
    case 'k': a->o.k = (int)cli_parse_int(cc, "-k", arg, 0, 256); return 1;
    case OPT_LAMBDA: a->o.lambda = cli_parse_double(cc, "--lambda", arg, 1e-12, 1e6); a->lambda_set = 1; return 1;
    case OPT_LAMBDAB: a->o.lambda_bias = cli_parse_double(cc, "--lambda-bias", arg, 1e-12, 1e6); return 1;
    case OPT_ITERS: a->o.iters = (int)cli_parse_int(cc, "--iters", arg, 0, 100000); return 1;
    case OPT_IMPLICIT: a->o.kind = LR_REC_IMPLICIT; return 1;
    case OPT_ALPHA: a->o.alpha = cli_parse_double(cc, "--alpha", arg, 0, 1e9); return 1;
    case OPT_CG: a->o.cg_steps = (int)cli_parse_int(cc, "--cg-steps", arg, 1, 1000); return 1;
    case OPT_SGD: a->o.solver = LR_REC_SGD; return 1;
    case OPT_SGDRATE: a->o.sgd_rate = cli_parse_double(cc, "--sgd-rate", arg, 1e-9, 0.999); return 1;
    case OPT_NOBIAS: a->o.biases = 0; return 1;
    case OPT_SKIPBAD: a->skip_bad = 1; return 1;
    }
    return 0;
}

static void model_finish(const cli_common *cc, model_args *a)
{
    a->o.seed = cc->seed;
    if (a->o.kind == LR_REC_IMPLICIT) {
        if (!a->lambda_set) a->o.lambda = 0.1;
        if (a->o.k == 0) cli_die(cc, EXIT_USAGE, "-k 0: implicit models need k >= 1");
        if (a->o.solver == LR_REC_SGD) cli_die(cc, EXIT_USAGE, "--sgd is for explicit models only");
    }
}

static const char *model_name(const lr_rec_opts *o, char *buf, size_t n)
{
    snprintf(buf, n, "%s k=%d", o->kind == LR_REC_IMPLICIT ? "implicit ALS"
                                : o->solver == LR_REC_SGD ? "SGD" : "ALS-WR", o->k);
    return buf;
}

static lr_ratings *read_ratings(const cli_common *cc, lr_ctx *ctx, const char *path, int skip_bad,
                                lr_ratings_report *rep)
{
    struct stat st;
    if (stat(path, &st) != 0) cli_die(cc, EXIT_USAGE, "cannot read ratings file '%s'", path);
    if (S_ISDIR(st.st_mode)) cli_die(cc, EXIT_USAGE, "'%s' is a folder, not a ratings file", path);
    lr_ratings *r;
    cli_check(cc, ctx, lr_ratings_read(ctx, path, skip_bad, &r, rep));
    cli_info(cc, "%s: %s: %lld ratings, %lld users, %lld items (%s)", cc->prog, path,
             (long long)lr_ratings_count(r), (long long)lr_ratings_users(r),
             (long long)lr_ratings_items(r), rep->layout);
    if (rep->duplicates)
        cli_info(cc, "%s: %lld duplicate (user, item) pairs: kept the last rating of each", cc->prog,
                 (long long)rep->duplicates);
    if (rep->skipped_bad)
        cli_info(cc, "%s: skipped %lld unparseable lines (first: line %lld)", cc->prog,
                 (long long)rep->skipped_bad, (long long)rep->first_bad_line);
    return r;
}

static void add_report(cJSON *js, const lr_ratings_report *rep, const lr_ratings *r)
{
    cJSON_AddStringToObject(js, "layout", rep->layout);
    cJSON_AddNumberToObject(js, "ratings", (double)lr_ratings_count(r));
    cJSON_AddNumberToObject(js, "users", (double)lr_ratings_users(r));
    cJSON_AddNumberToObject(js, "items", (double)lr_ratings_items(r));
    cJSON_AddNumberToObject(js, "duplicates", (double)rep->duplicates);
    cJSON_AddNumberToObject(js, "skipped_bad_lines", (double)rep->skipped_bad);
}

/* ---- train ----------------------------------------------------------------- */
static int rec_train(int argc, char **argv)
{
    cli_common cco;
    cli_common_init(&cco, "lowrank recommend train");
    const cli_common *cc = &cco;
    model_args a = {0};
    lr_rec_opts_default(&a.o);
    const char *out = NULL;
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, MODEL_LONGOPTS, CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:k:h", longopts, NULL)) != -1) {
        if (c == '?') cli_unknown_option(cc, argv);
        if (cli_common_opt(&cco, c, optarg, usage_train)) continue;
        if (model_opt(cc, &a, c, optarg)) continue;
        if (c == 'o') out = optarg;
    }
    if (optind >= argc) cli_die(cc, EXIT_USAGE, "no ratings file; see '%s --help'", cc->prog);
    if (argc - optind > 1)
        cli_die(cc, EXIT_USAGE, "one ratings file only, got '%s' and '%s'", argv[optind], argv[optind + 1]);
    const char *in = argv[optind];
    if (!out) cli_die(cc, EXIT_USAGE, "no output: give -o MODEL.lrm");
    cli_check_paths(cc, "a ratings file", in, out);
    model_finish(cc, &a);

    double t0 = cli_now();
    lr_ctx *ctx = cli_ctx(cc);
    lr_ratings_report rep;
    lr_ratings *r = read_ratings(cc, ctx, in, a.skip_bad, &rep);
    double t1 = cli_now(), c1 = cpu_now();
    double *obj = malloc(sizeof(double) * (size_t)(a.o.iters + 1));
    if (!obj) cli_die(cc, EXIT_RUNTIME, "out of memory");
    lr_rec *m;
    char name[64];
    cli_info(cc, "%s: %s, lambda %g, %d iterations, %d threads", cc->prog,
             model_name(&a.o, name, sizeof name), a.o.lambda, a.o.iters, lr_ctx_threads(ctx));
    cli_check(cc, ctx, lr_rec_train(ctx, r, &a.o, &m, obj));
    double t2 = cli_now(), c2 = cpu_now();
    cli_check(cc, ctx, lr_rec_save(ctx, m, out));
    double rmse = NAN;
    if (a.o.kind == LR_REC_EXPLICIT) {
        lr_rec_scores s;
        cli_check(cc, ctx, lr_rec_evaluate(ctx, m, r, 0, INFINITY, 1, &s));
        rmse = s.rmse;
    }
    double secs = cli_now() - t0, per = a.o.iters ? (t2 - t1) / a.o.iters : 0;
    struct stat st;
    int64_t bytes = stat(out, &st) == 0 ? (int64_t)st.st_size : -1;
    if (a.o.kind == LR_REC_EXPLICIT)
        cli_info(cc, "%s: objective %.6g -> %.6g, training RMSE %.4f; %.3f s per iteration; "
                 "wrote %s (%lld bytes) in %.2f s", cc->prog, obj[0], obj[a.o.iters], rmse, per, out,
                 (long long)bytes, secs);
    else
        cli_info(cc, "%s: objective %.6g -> %.6g; %.3f s per iteration; wrote %s (%lld bytes) in %.2f s",
                 cc->prog, obj[0], obj[a.o.iters], per, out, (long long)bytes, secs);
    cJSON *js = cJSON_CreateObject();
    cJSON_AddStringToObject(js, "command", "recommend train");
    cJSON_AddStringToObject(js, "input", in);
    cJSON_AddStringToObject(js, "output", out);
    add_report(js, &rep, r);
    cJSON_AddStringToObject(js, "model", model_name(&a.o, name, sizeof name));
    cJSON_AddNumberToObject(js, "k", a.o.k);
    cJSON_AddNumberToObject(js, "lambda", a.o.lambda);
    cJSON_AddNumberToObject(js, "iters", a.o.iters);
    cJSON *ob = cJSON_AddArrayToObject(js, "objective");
    for (int t = 0; t <= a.o.iters; t++) cJSON_AddItemToArray(ob, cJSON_CreateNumber(obj[t]));
    if (a.o.kind == LR_REC_EXPLICIT) cJSON_AddNumberToObject(js, "train_rmse", rmse);
    cJSON_AddNumberToObject(js, "seconds_read", t1 - t0);
    cJSON_AddNumberToObject(js, "seconds_per_iter", per);
    cJSON_AddNumberToObject(js, "ratings_per_second_per_iter",
                            per > 0 ? (double)lr_ratings_count(r) / per : 0);
    cJSON_AddNumberToObject(js, "cpu_seconds_per_iter", a.o.iters ? (c2 - c1) / a.o.iters : 0);
    cJSON_AddNumberToObject(js, "threads", lr_ctx_threads(ctx));
    cJSON_AddNumberToObject(js, "model_bytes", (double)bytes);
    cJSON_AddNumberToObject(js, "seconds", secs);
    cJSON_AddNumberToObject(js, "peak_rss_bytes", (double)cli_peak_rss());
    cli_print_json(cc, js);
    cJSON_Delete(js);
    free(obj);
    lr_rec_destroy(m);
    lr_ratings_destroy(r);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}

/* ---- eval ------------------------------------------------------------------ */
enum { M_MODEL, M_BIAS, M_MEAN, NMETH };
enum { V_RMSE, V_MAE, V_P, V_R, V_NDCG, V_MAP, NVAL };
static const char *val_key[NVAL] = {"rmse", "mae", "precision", "recall", "ndcg", "map"};

static void scores_to(const lr_rec_scores *s, double *v)
{
    v[V_RMSE] = s->rmse;
    v[V_MAE] = s->mae;
    v[V_P] = s->rank.precision;
    v[V_R] = s->rank.recall;
    v[V_NDCG] = s->rank.ndcg;
    v[V_MAP] = s->rank.map;
}

static void print_row(const char *lead, const char *name, const double *v, const double *sd)
{
    printf("%-6s %-16s", lead, name);
    for (int j = 0; j < NVAL; j++) {
        if (isnan(v[j])) printf(" %15s", "-");
        else if (sd) printf("  %6.4f+/-%.4f", v[j], sd[j]);
        else printf(" %15.4f", v[j]);
    }
    printf("\n");
}

static int rec_eval(int argc, char **argv)
{
    cli_common cco;
    cli_common_init(&cco, "lowrank recommend eval");
    const cli_common *cc = &cco;
    model_args a = {0};
    lr_rec_opts_default(&a.o);
    int folds = 0, splits_given = 0;
    double frac = 0, relevant = 4.0;
    int64_t leavek = 0, at = 10;
    static const struct option longopts[] = {
        {"folds", required_argument, 0, OPT_FOLDS},
        {"test-fraction", required_argument, 0, OPT_TESTFRAC},
        {"leave-k-out", required_argument, 0, OPT_LEAVEK},
        {"at", required_argument, 0, OPT_AT},
        {"relevant", required_argument, 0, OPT_RELEVANT},
        MODEL_LONGOPTS, CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
        if (c == '?') cli_unknown_option(cc, argv);
        if (cli_common_opt(&cco, c, optarg, usage_eval)) continue;
        if (model_opt(cc, &a, c, optarg)) continue;
        if (c == OPT_FOLDS) folds = (int)cli_parse_int(cc, "--folds", optarg, 2, 100), splits_given++;
        else if (c == OPT_TESTFRAC) frac = cli_parse_double(cc, "--test-fraction", optarg, 1e-6, 0.999), splits_given++;
        else if (c == OPT_LEAVEK) leavek = cli_parse_int(cc, "--leave-k-out", optarg, 1, 1000000), splits_given++;
        else if (c == OPT_AT) at = cli_parse_int(cc, "--at", optarg, 1, 100000);
        else if (c == OPT_RELEVANT) relevant = cli_parse_double(cc, "--relevant", optarg, -1e30, 1e30);
    }
    if (splits_given > 1)
        cli_die(cc, EXIT_USAGE, "give one of --folds, --test-fraction, --leave-k-out");
    if (optind >= argc) cli_die(cc, EXIT_USAGE, "no ratings file; see '%s --help'", cc->prog);
    if (argc - optind > 1)
        cli_die(cc, EXIT_USAGE, "one ratings file only, got '%s' and '%s'", argv[optind], argv[optind + 1]);
    const char *in = argv[optind];
    model_finish(cc, &a);
    lr_split_kind kind = LR_SPLIT_KFOLD;
    if (frac > 0) kind = LR_SPLIT_FRACTION, folds = 1;
    else if (leavek > 0) kind = LR_SPLIT_LEAVE_K, folds = 1;
    else if (folds == 0) folds = 5;
    int nf = folds;

    double t0 = cli_now();
    lr_ctx *ctx = cli_ctx(cc);
    lr_ratings_report rep;
    lr_ratings *r = read_ratings(cc, ctx, in, a.skip_bad, &rep);
    int implicit = a.o.kind == LR_REC_IMPLICIT;
    char split_desc[96], name[64];
    if (kind == LR_SPLIT_KFOLD) snprintf(split_desc, sizeof split_desc, "%d-fold cross-validation", nf);
    else if (kind == LR_SPLIT_FRACTION) snprintf(split_desc, sizeof split_desc, "one split, test fraction %g", frac);
    else snprintf(split_desc, sizeof split_desc, "one split, leave %lld out per user", (long long)leavek);
    model_name(&a.o, name, sizeof name);
    cli_info(cc, "%s: %s; %s, lambda %g, %d iterations; ranking at %lld (%s)", cc->prog, split_desc,
             name, a.o.lambda, a.o.iters, (long long)at,
             implicit ? "every held-out item is relevant" : "relevant: held-out rating >= --relevant");
    const char *mname[NMETH] = {name, "bias only", "global mean"};
    double *val = calloc((size_t)nf * NMETH * NVAL, sizeof(double));
    double *iter_secs = calloc((size_t)nf, sizeof(double));
    int64_t n = lr_ratings_count(r);
    unsigned char *test = malloc((size_t)n + 1);
    if (!val || !iter_secs || !test) cli_die(cc, EXIT_RUNTIME, "out of memory");
    int json = cc->json;
    double iter_cpu = 0;
    if (!json) {
        printf("%-6s %-16s", "fold", "method");
        const char *hd[NVAL] = {"RMSE", "MAE", "P@", "R@", "NDCG@", "MAP@"};
        for (int j = 0; j < NVAL; j++) {
            char h[32];
            if (j < 2) snprintf(h, sizeof h, "%s", hd[j]);
            else snprintf(h, sizeof h, "%s%lld", hd[j], (long long)at);
            printf(" %15s", h);
        }
        printf("\n");
    }
    for (int f = 0; f < nf; f++) {
        cli_check(cc, ctx, lr_ratings_split(ctx, r, kind, folds, f, frac, leavek, cc->seed, test));
        lr_ratings *te, *tr;
        cli_check(cc, ctx, lr_ratings_subset(ctx, r, test, &te));
        for (int64_t e = 0; e < n; e++) test[e] = !test[e];
        cli_check(cc, ctx, lr_ratings_subset(ctx, r, test, &tr));
        if (lr_ratings_count(te) == 0 || lr_ratings_count(tr) == 0)
            cli_die(cc, EXIT_USAGE, "fold %d has an empty %s set: too few ratings for this split", f + 1,
                    lr_ratings_count(te) ? "training" : "test");
        lr_rec *m, *mb;
        double ts = cli_now(), cs = cpu_now();
        cli_check(cc, ctx, lr_rec_train(ctx, tr, &a.o, &m, NULL));
        iter_secs[f] = a.o.iters ? (cli_now() - ts) / a.o.iters : 0;
        iter_cpu += a.o.iters ? (cpu_now() - cs) / a.o.iters / nf : 0;
        lr_rec_opts ob;
        lr_rec_opts_default(&ob);
        ob.k = 0;
        ob.lambda = a.o.lambda;
        ob.lambda_bias = a.o.lambda_bias;
        ob.iters = a.o.iters;
        ob.seed = a.o.seed;
        cli_check(cc, ctx, lr_rec_train(ctx, tr, &ob, &mb, NULL));
        lr_rec_scores s[NMETH];
        cli_check(cc, ctx, lr_rec_evaluate(ctx, m, te, 0, relevant, at, &s[M_MODEL]));
        cli_check(cc, ctx, lr_rec_evaluate(ctx, mb, te, 0, implicit ? -INFINITY : relevant, at, &s[M_BIAS]));
        cli_check(cc, ctx, lr_rec_evaluate(ctx, mb, te, 1, implicit ? -INFINITY : relevant, at, &s[M_MEAN]));
        if (implicit) s[M_BIAS].rmse = s[M_BIAS].mae = s[M_MEAN].rmse = s[M_MEAN].mae = NAN;
        for (int q = 0; q < NMETH; q++) scores_to(&s[q], val + ((size_t)f * NMETH + q) * NVAL);
        if (!json) {
            char lead[16];
            snprintf(lead, sizeof lead, "%d", f + 1);
            for (int q = 0; q < NMETH; q++)
                print_row(q ? "" : lead, mname[q], val + ((size_t)f * NMETH + q) * NVAL, NULL);
            fflush(stdout);
        }
        cli_info(cc, "%s: fold %d/%d: %lld training, %lld test ratings, %.4f s per iteration", cc->prog,
                 f + 1, nf, (long long)lr_ratings_count(tr), (long long)lr_ratings_count(te), iter_secs[f]);
        lr_rec_destroy(m);
        lr_rec_destroy(mb);
        lr_ratings_destroy(tr);
        lr_ratings_destroy(te);
    }
    double mean[NMETH][NVAL], sd[NMETH][NVAL];
    for (int q = 0; q < NMETH; q++)
        for (int j = 0; j < NVAL; j++) {
            double s = 0, s2 = 0;
            for (int f = 0; f < nf; f++) s += val[((size_t)f * NMETH + q) * NVAL + j];
            mean[q][j] = s / nf;
            for (int f = 0; f < nf; f++) {
                double d = val[((size_t)f * NMETH + q) * NVAL + j] - mean[q][j];
                s2 += d * d;
            }
            sd[q][j] = nf > 1 ? sqrt(s2 / (nf - 1)) : 0;
        }
    double ips = 0;
    for (int f = 0; f < nf; f++) ips += iter_secs[f] / nf;
    if (!json) {
        printf("mean +/- std (sample) over %d fold%s:\n", nf, nf > 1 ? "s" : "");
        for (int q = 0; q < NMETH; q++) print_row("", mname[q], mean[q], sd[q]);
        if (!implicit)
        {
            double gain = 100 * (1 - mean[M_MODEL][V_RMSE] / mean[M_BIAS][V_RMSE]);
            printf("RMSE: %s %.4f vs bias only %.4f (%.2f%% %s) vs global mean %.4f\n", name,
                   mean[M_MODEL][V_RMSE], mean[M_BIAS][V_RMSE], fabs(gain),
                   gain >= 0 ? "lower" : "HIGHER", mean[M_MEAN][V_RMSE]);
        }
    }
    cJSON *js = cJSON_CreateObject();
    cJSON_AddStringToObject(js, "command", "recommend eval");
    cJSON_AddStringToObject(js, "input", in);
    add_report(js, &rep, r);
    cJSON_AddStringToObject(js, "split", split_desc);
    cJSON_AddStringToObject(js, "model", name);
    cJSON_AddNumberToObject(js, "k", a.o.k);
    cJSON_AddNumberToObject(js, "lambda", a.o.lambda);
    cJSON_AddNumberToObject(js, "iters", a.o.iters);
    cJSON_AddNumberToObject(js, "at", (double)at);
    cJSON_AddNumberToObject(js, "seconds_per_iter", ips);
    cJSON_AddNumberToObject(js, "cpu_seconds_per_iter", iter_cpu);
    cJSON *meths = cJSON_AddObjectToObject(js, "methods");
    const char *mkey[NMETH] = {"model", "bias_only", "global_mean"};
    for (int q = 0; q < NMETH; q++) {
        cJSON *mo = cJSON_AddObjectToObject(meths, mkey[q]);
        cJSON_AddStringToObject(mo, "name", mname[q]);
        for (int j = 0; j < NVAL; j++) {
            if (isnan(mean[q][j])) continue;
            cJSON *o = cJSON_AddObjectToObject(mo, val_key[j]);
            cJSON_AddNumberToObject(o, "mean", mean[q][j]);
            cJSON_AddNumberToObject(o, "std", sd[q][j]);
            cJSON *arr = cJSON_AddArrayToObject(o, "folds");
            for (int f = 0; f < nf; f++)
                cJSON_AddItemToArray(arr, cJSON_CreateNumber(val[((size_t)f * NMETH + q) * NVAL + j]));
        }
    }
    cJSON_AddNumberToObject(js, "seconds", cli_now() - t0);
    cJSON_AddNumberToObject(js, "peak_rss_bytes", (double)cli_peak_rss());
    cli_print_json(cc, js);
    cJSON_Delete(js);
    free(val);
    free(iter_secs);
    free(test);
    lr_ratings_destroy(r);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}

/* ---- top / similar / foldin ----------------------------------------------- */
static lr_rec *load_model(const cli_common *cc, lr_ctx *ctx, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) cli_die(cc, EXIT_USAGE, "cannot read model '%s'", path);
    if (S_ISDIR(st.st_mode)) cli_die(cc, EXIT_USAGE, "'%s' is a folder, not a model file", path);
    lr_rec *m;
    cli_check(cc, ctx, lr_rec_load(ctx, path, &m));
    return m;
}

static void print_list(const cli_common *cc, const lr_rec *m, const char *who, const int64_t *items,
                       const double *sc, int64_t got, cJSON *arr)
{
    for (int64_t j = 0; j < got; j++) {
        if (!cc->json) {
            if (who) printf("%s\t", who);
            printf("%lld\t%s\t%.6g\n", (long long)j + 1, lr_rec_item_id(m, items[j]), sc[j]);
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "item", lr_rec_item_id(m, items[j]));
        cJSON_AddNumberToObject(o, "score", sc[j]);
        cJSON_AddItemToArray(arr, o);
    }
}

/* which: 0 top, 1 similar */
static int rec_query(int argc, char **argv, int which)
{
    cli_common cco;
    cli_common_init(&cco, which ? "lowrank recommend similar" : "lowrank recommend top");
    const cli_common *cc = &cco;
    const char *id = NULL;
    int64_t n = 10;
    static const struct option longopts[] = {
        {"user", required_argument, 0, OPT_USER}, {"item", required_argument, 0, OPT_ITEM},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    int c;
    opterr = 0;
    const char *use = which ? usage_similar : usage_top;
    while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
        if (c == '?') cli_unknown_option(cc, argv);
        if (cli_common_opt(&cco, c, optarg, use)) continue;
        if (c == 'n') n = cli_parse_int(cc, "-n", optarg, 1, 100000000);
        else if (c == OPT_USER && !which) id = optarg;
        else if (c == OPT_ITEM && which) id = optarg;
        else cli_die(cc, EXIT_USAGE, "%s takes --%s, not --%s", cc->prog, which ? "item" : "user",
                     which ? "user" : "item");
    }
    if (optind >= argc) cli_die(cc, EXIT_USAGE, "no model file; see '%s --help'", cc->prog);
    if (argc - optind > 1)
        cli_die(cc, EXIT_USAGE, "one model file only, got '%s' and '%s'", argv[optind], argv[optind + 1]);
    if (!id) cli_die(cc, EXIT_USAGE, "give --%s ID", which ? "item" : "user");
    const char *path = argv[optind];
    lr_ctx *ctx = cli_ctx(cc);
    lr_rec *m = load_model(cc, ctx, path);
    int64_t idx = which ? lr_rec_item_index(m, id) : lr_rec_user_index(m, id);
    if (idx < 0) {
        long long cnt = (long long)(which ? lr_rec_items(m) : lr_rec_users(m));
        lr_rec_destroy(m); /* released before exiting: no leak reports */
        lr_ctx_destroy(ctx);
        cli_die(cc, EXIT_USAGE, "%s '%s' is not in the model '%s' (%lld %ss)%s", which ? "item" : "user",
                id, path, cnt, which ? "item" : "user",
                which ? "" : "; for a new user use 'lowrank recommend foldin'");
    }
    int64_t *items = malloc(sizeof(int64_t) * (size_t)(n + 1));
    double *sc = malloc(sizeof(double) * (size_t)(n + 1));
    if (!items || !sc) cli_die(cc, EXIT_RUNTIME, "out of memory");
    int64_t got;
    if (which) cli_check(cc, ctx, lr_rec_similar(ctx, m, idx, n, items, sc, &got));
    else cli_check(cc, ctx, lr_rec_top(ctx, m, idx, n, items, sc, &got));
    cJSON *js = cJSON_CreateObject();
    cJSON_AddStringToObject(js, "command", which ? "recommend similar" : "recommend top");
    cJSON_AddStringToObject(js, which ? "item" : "user", id);
    cJSON *arr = cJSON_AddArrayToObject(js, "items");
    print_list(cc, m, NULL, items, sc, got, arr);
    cli_print_json(cc, js);
    cJSON_Delete(js);
    free(items);
    free(sc);
    lr_rec_destroy(m);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}

static int rec_foldin(int argc, char **argv)
{
    cli_common cco;
    cli_common_init(&cco, "lowrank recommend foldin");
    const cli_common *cc = &cco;
    const char *rpath = NULL;
    int64_t n = 10;
    int skip_bad = 0;
    static const struct option longopts[] = {
        {"ratings", required_argument, 0, OPT_RATINGS}, {"skip-bad", no_argument, 0, OPT_SKIPBAD},
        CLI_COMMON_LONGOPTS, {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
        if (c == '?') cli_unknown_option(cc, argv);
        if (cli_common_opt(&cco, c, optarg, usage_foldin)) continue;
        if (c == 'n') n = cli_parse_int(cc, "-n", optarg, 1, 100000000);
        else if (c == OPT_RATINGS) rpath = optarg;
        else if (c == OPT_SKIPBAD) skip_bad = 1;
    }
    if (optind >= argc) cli_die(cc, EXIT_USAGE, "no model file; see '%s --help'", cc->prog);
    if (argc - optind > 1)
        cli_die(cc, EXIT_USAGE, "one model file only, got '%s' and '%s'", argv[optind], argv[optind + 1]);
    if (!rpath) cli_die(cc, EXIT_USAGE, "give --ratings FILE with the new users' ratings");
    const char *path = argv[optind];
    lr_ctx *ctx = cli_ctx(cc);
    lr_rec *m = load_model(cc, ctx, path);
    lr_ratings_report rep;
    lr_ratings *r = read_ratings(cc, ctx, rpath, skip_bad, &rep);
    lr_ratings_view v = lr_ratings_by_user(r);
    int k = lr_rec_k(m);
    int64_t maxn = 0;
    for (int64_t u = 0; u < v.rows; u++) maxn = v.ptr[u + 1] - v.ptr[u] > maxn ? v.ptr[u + 1] - v.ptr[u] : maxn;
    int64_t *items = malloc(sizeof(int64_t) * (size_t)(maxn + 1));
    double *vals = malloc(sizeof(double) * (size_t)(maxn + 1));
    int64_t *top = malloc(sizeof(int64_t) * (size_t)(n + 1));
    double *sc = malloc(sizeof(double) * (size_t)(n + 1));
    float *fac = malloc(sizeof(float) * (size_t)(k + 1));
    if (!items || !vals || !top || !sc || !fac) cli_die(cc, EXIT_RUNTIME, "out of memory");
    /* all users first (so an error leaves no partial listing), then print */
    int64_t unknown = 0, nusers = v.rows;
    float *allfac = malloc(sizeof(float) * (size_t)(k + 1) * (size_t)nusers);
    double *allbias = malloc(sizeof(double) * (size_t)nusers);
    unsigned char *okuser = calloc((size_t)nusers + 1, 1);
    if (!allfac || !allbias || !okuser) cli_die(cc, EXIT_RUNTIME, "out of memory");
    for (int64_t u = 0; u < nusers; u++) {
        int64_t cnt = 0;
        for (int64_t e = v.ptr[u]; e < v.ptr[u + 1]; e++) {
            int64_t i = lr_rec_item_index(m, lr_ratings_item_id(r, v.idx[e]));
            if (i < 0) {
                unknown++;
                continue;
            }
            items[cnt] = i;
            vals[cnt++] = v.val[e];
        }
        if (cnt == 0) continue;
        cli_check(cc, ctx, lr_rec_foldin(ctx, m, cnt, items, vals, allfac + (size_t)u * k, &allbias[u]));
        okuser[u] = 1;
    }
    if (unknown)
        cli_info(cc, "%s: %lld ratings of items the model does not know were skipped", cc->prog,
                 (long long)unknown);
    cJSON *js = cJSON_CreateObject();
    cJSON_AddStringToObject(js, "command", "recommend foldin");
    cJSON *users = cJSON_AddArrayToObject(js, "users");
    int64_t done = 0;
    for (int64_t u = 0; u < nusers; u++) {
        const char *uid = lr_ratings_user_id(r, u);
        if (!okuser[u]) {
            cli_info(cc, "%s: user '%s' rated no item the model knows: no recommendations", cc->prog, uid);
            continue;
        }
        int64_t cnt = 0;
        for (int64_t e = v.ptr[u]; e < v.ptr[u + 1]; e++) {
            int64_t i = lr_rec_item_index(m, lr_ratings_item_id(r, v.idx[e]));
            if (i >= 0) items[cnt++] = i;
        }
        int64_t got;
        cli_check(cc, ctx, lr_rec_top_vector(ctx, m, allfac + (size_t)u * k, allbias[u], items, cnt, n,
                                             top, sc, &got));
        cJSON *uo = cJSON_CreateObject();
        cJSON_AddStringToObject(uo, "user", uid);
        cJSON_AddNumberToObject(uo, "ratings_used", (double)cnt);
        cJSON *arr = cJSON_AddArrayToObject(uo, "items");
        print_list(cc, m, uid, top, sc, got, arr);
        cJSON_AddItemToArray(users, uo);
        done++;
    }
    if (done == 0) cli_die(cc, EXIT_USAGE, "'%s': no user rated an item the model '%s' knows", rpath, path);
    cli_print_json(cc, js);
    cJSON_Delete(js);
    free(items), free(vals), free(top), free(sc), free(fac), free(allfac), free(allbias), free(okuser);
    lr_ratings_destroy(r);
    lr_rec_destroy(m);
    lr_ctx_destroy(ctx);
    return EXIT_OK;
}

int cmd_recommend(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(usage_main, stdout);
        return EXIT_OK;
    }
    if (!strcmp(sub, "train")) return rec_train(argc - 1, argv + 1);
    if (!strcmp(sub, "eval")) return rec_eval(argc - 1, argv + 1);
    if (!strcmp(sub, "top")) return rec_query(argc - 1, argv + 1, 0);
    if (!strcmp(sub, "similar")) return rec_query(argc - 1, argv + 1, 1);
    if (!strcmp(sub, "foldin")) return rec_foldin(argc - 1, argv + 1);
    fprintf(stderr, "lowrank recommend: unknown command '%s'; one of train, eval, top, similar, "
                    "foldin (lowrank recommend --help)\n", sub);
    return EXIT_USAGE;
}
