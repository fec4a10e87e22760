/* rec.h -- recommendations from ratings: users x items matrix factorization.
 *
 *   lr_ratings   (user, item, rating) triplets with string ids mapped to dense
 *                indices 0..n-1 and back, stored once and viewed both by user
 *                (CSR: the items each user rated) and by item (CSC).
 *   lr_rec       a trained model.  Explicit feedback: rating ~ mu + b_u + b_i
 *                + p_u . q_i, trained by ALS-WR (Zhou et al. 2008) or SGD.
 *                Implicit feedback: preference x_u . y_i trained by
 *                confidence-weighted ALS (Hu, Koren, Volinsky 2008) with the
 *                conjugate-gradient inner solver (Takacs et al. 2011).
 *
 * Explicit objective (both solvers minimise the same function; ALS reports it
 * after every iteration and it never increases):
 *     sum_(u,i) rated (r_ui - mu - b_u - b_i - p_u.q_i)^2
 *   + lambda   * ( sum_u n_u |p_u|^2 + sum_i n_i |q_i|^2 )
 *   + lambda_b * ( sum_u n_u b_u^2   + sum_i n_i b_i^2 )
 * with n_u, n_i the rating counts ("weighted lambda"); mu is the training mean,
 * kept fixed.  One ALS iteration solves every user's (k+1) x (k+1) normal
 * equations for (b_u, p_u) by Cholesky, then every item's for (b_i, q_i).
 *
 * Implicit objective: with p_ui = 1 for rated pairs (0 otherwise) and
 * confidence c_ui = 1 + alpha r_ui (1 for unrated pairs),
 *     sum over ALL (u,i) c_ui (p_ui - x_u.y_i)^2
 *   + lambda (sum_u |x_u|^2 + sum_i |y_i|^2),
 * evaluated in O(nnz k + (users+items) k^2) with the Y^T Y trick.  Ratings
 * must be > 0 (a count, a play, a click).
 *
 * Factors are stored in float32; normal equations, Cholesky and objectives are
 * accumulated in double.  Every row is solved independently from the previous
 * half-step's factors, and every sum over rows is taken in row order, so the
 * same data and seed give bit-identical models whatever the thread count. */
#ifndef LOWRANK_REC_H
#define LOWRANK_REC_H
#include "lowrank/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Ratings -------------------------------------------------------------- */
typedef struct lr_ratings lr_ratings;

/* Builds ratings from n triplets.  Ids are copied; users and items are
 * numbered in order of first appearance.  Duplicate (user, item) pairs: the
 * LAST one wins (file order); *duplicates (may be NULL) counts the dropped
 * earlier ones.  Ratings must be finite.  Errors: LR_ERR_DATA (NaN/Inf rating,
 * n = 0), LR_ERR_ARG, LR_ERR_NOMEM. */
LR_API lr_status lr_ratings_from_triplets(lr_ctx *ctx, int64_t n,
                                          const char *const *users,
                                          const char *const *items,
                                          const double *ratings,
                                          lr_ratings **out, int64_t *duplicates);

/* What lr_ratings_read found in a file. */
typedef struct lr_ratings_report {
    char layout[96];     /* e.g. "comma-separated, header, columns user=1 item=2 rating=3" */
    int header;          /* 1 when the first line was a header */
    int64_t lines;       /* lines read (including header and blank lines) */
    int64_t ratings;     /* ratings kept */
    int64_t skipped_bad; /* unparseable lines skipped (skip_bad only) */
    int64_t first_bad_line; /* line number of the first bad line, 0 if none */
    int64_t duplicates;  /* earlier duplicates dropped (the last one is kept) */
} lr_ratings_report;

/* Reads a ratings file: one `user SEP item SEP rating [SEP more...]` per line
 * (extra columns such as a timestamp are ignored), SEP one of tab, comma,
 * ';' or MovieLens' "::", detected from the first non-blank line.  A first
 * line whose rating field is not a number is a header; its column names pick
 * the columns when recognised (user/userId/s/student, item/itemId/movieId/
 * d/lecturer, rating/score/y/value), else columns 1-3 are used.  Fields may be
 * double-quoted.  Two-column files (user item) get rating 1 (implicit data).
 * A line that cannot be parsed is an LR_ERR_FORMAT error naming its line
 * number, unless skip_bad (then counted in the report).  NaN/Inf ratings are
 * always an error (LR_ERR_DATA) naming the line.  report may be NULL. */
LR_API lr_status lr_ratings_read(lr_ctx *ctx, const char *path, int skip_bad,
                                 lr_ratings **out, lr_ratings_report *report);
LR_API void lr_ratings_destroy(lr_ratings *r);

LR_API int64_t lr_ratings_users(const lr_ratings *r);
LR_API int64_t lr_ratings_items(const lr_ratings *r);
LR_API int64_t lr_ratings_count(const lr_ratings *r);
LR_API double lr_ratings_mean(const lr_ratings *r);
LR_API const char *lr_ratings_user_id(const lr_ratings *r, int64_t u);
LR_API const char *lr_ratings_item_id(const lr_ratings *r, int64_t i);
/* Dense index of an id, or -1 when unknown. */
LR_API int64_t lr_ratings_user_index(const lr_ratings *r, const char *id);
LR_API int64_t lr_ratings_item_index(const lr_ratings *r, const char *id);

/* A compressed view: row j's entries are idx[ptr[j] .. ptr[j+1]-1] (sorted)
 * with values val[...].  By user: rows = users, idx = items.  By item:
 * rows = items, idx = users.  Valid while r lives. */
typedef struct lr_ratings_view {
    int64_t rows, cols;
    const int64_t *ptr;
    const int32_t *idx;
    const float *val;
} lr_ratings_view;
LR_API lr_ratings_view lr_ratings_by_user(const lr_ratings *r);
LR_API lr_ratings_view lr_ratings_by_item(const lr_ratings *r);

/* A subset of r with the same users, items and ids: entry e of the by-user
 * view (0 <= e < count) is kept when keep[e] != 0. */
LR_API lr_status lr_ratings_subset(lr_ctx *ctx, const lr_ratings *r,
                                   const unsigned char *keep, lr_ratings **out);

/* Train/test splits (fold numbers in by-user entry order; test[e] = 1 puts
 * entry e in the test set).  Seeded, independent of the thread count.
 *   LR_SPLIT_KFOLD     every entry gets a fold 0..folds-1 (random, balanced);
 *                      `fold` is the test fold
 *   LR_SPLIT_FRACTION  each entry is a test entry with probability `fraction`
 *   LR_SPLIT_LEAVE_K   `k` random entries of each user with more than k
 *                      ratings are test entries */
typedef enum { LR_SPLIT_KFOLD, LR_SPLIT_FRACTION, LR_SPLIT_LEAVE_K } lr_split_kind;
LR_API lr_status lr_ratings_split(lr_ctx *ctx, const lr_ratings *r, lr_split_kind kind,
                                  int folds, int fold, double fraction, int64_t k,
                                  uint64_t seed, unsigned char *test);

/* ---- Models --------------------------------------------------------------- */
typedef enum { LR_REC_EXPLICIT = 0, LR_REC_IMPLICIT = 1 } lr_rec_kind;
typedef enum { LR_REC_ALS = 0, LR_REC_SGD = 1 } lr_rec_solver;

typedef struct lr_rec_opts {
    lr_rec_kind kind;     /* default LR_REC_EXPLICIT */
    lr_rec_solver solver; /* explicit only; default LR_REC_ALS */
    int k;                /* factors, 0..256; 0 = biases only (explicit) */
    double lambda;        /* > 0; default 0.05 explicit, 0.1 implicit */
    double lambda_bias;   /* explicit: the biases' lambda, > 0; < 0 (default)
                             = the same as lambda */
    double alpha;         /* implicit confidence slope, default 10 */
    int iters;            /* ALS iterations / SGD epochs, default 15 */
    int cg_steps;         /* implicit: CG steps per row, default 3 */
    double sgd_rate;      /* SGD learning rate, default 0.01 */
    int biases;           /* explicit: learn b_u, b_i (default 1) */
    uint64_t seed;        /* initial factors N(0, 0.1^2/k) from Philox */
} lr_rec_opts;
LR_API void lr_rec_opts_default(lr_rec_opts *o);

typedef struct lr_rec lr_rec;

/* Trains a model on r.  objective (may be NULL) receives iters + 1 values:
 * the objective at the start and after each iteration.  Users or items
 * without ratings get zero factors and biases.  Progress stage "train".
 * Errors: LR_ERR_ARG (options), LR_ERR_DATA (implicit rating <= 0),
 * LR_ERR_NOMEM, LR_ERR_CANCELLED. */
LR_API lr_status lr_rec_train(lr_ctx *ctx, const lr_ratings *r, const lr_rec_opts *o,
                              lr_rec **out, double *objective);
LR_API void lr_rec_destroy(lr_rec *m);

LR_API lr_rec_kind lr_rec_get_kind(const lr_rec *m);
LR_API int lr_rec_k(const lr_rec *m);
LR_API int64_t lr_rec_users(const lr_rec *m);
LR_API int64_t lr_rec_items(const lr_rec *m);
LR_API double lr_rec_mean(const lr_rec *m);
LR_API const lr_rec_opts *lr_rec_options(const lr_rec *m);
LR_API const char *lr_rec_user_id(const lr_rec *m, int64_t u);
LR_API const char *lr_rec_item_id(const lr_rec *m, int64_t i);
LR_API int64_t lr_rec_user_index(const lr_rec *m, const char *id);
LR_API int64_t lr_rec_item_index(const lr_rec *m, const char *id);
/* k floats each; the biases are 0 for implicit models. */
LR_API const float *lr_rec_user_factors(const lr_rec *m, int64_t u);
LR_API const float *lr_rec_item_factors(const lr_rec *m, int64_t i);
LR_API float lr_rec_user_bias(const lr_rec *m, int64_t u);
LR_API float lr_rec_item_bias(const lr_rec *m, int64_t i);
/* Number of training ratings of user u (the items top-N leaves out). */
LR_API int64_t lr_rec_user_rated(const lr_rec *m, int64_t u, const int32_t **items);

/* Predicted rating (explicit) or preference (implicit). */
LR_API double lr_rec_predict(const lr_rec *m, int64_t u, int64_t i);

/* The n best items for user u among those u did not rate in training,
 * best first: items[0..*got-1], scores[0..*got-1] (scores may be NULL).
 * Errors: LR_ERR_ARG (u out of range). */
LR_API lr_status lr_rec_top(lr_ctx *ctx, const lr_rec *m, int64_t u, int64_t n,
                            int64_t *items, double *scores, int64_t *got);
/* The same for a folded-in user: factors (k floats) and bias, leaving out the
 * nexclude items in exclude[]. */
LR_API lr_status lr_rec_top_vector(lr_ctx *ctx, const lr_rec *m, const float *factors,
                                   double bias, const int64_t *exclude, int64_t nexclude,
                                   int64_t n, int64_t *items, double *scores, int64_t *got);
/* The n items most similar to item i by cosine of the item factors (i itself
 * left out), best first. */
LR_API lr_status lr_rec_similar(lr_ctx *ctx, const lr_rec *m, int64_t i, int64_t n,
                                int64_t *items, double *scores, int64_t *got);
/* Factors (k floats) and bias for a new user from n (item, rating) pairs,
 * solved exactly as a training half-step solves a user's row.
 * Errors: LR_ERR_ARG (item out of range), LR_ERR_DATA (NaN rating, n = 0, or
 * values out of floating-point range: no finite solution). */
LR_API lr_status lr_rec_foldin(lr_ctx *ctx, const lr_rec *m, int64_t n, const int64_t *items,
                               const double *ratings, float *factors, double *bias);

/* ---- Model files (.lrm, docs/FORMAT-lrm.md) --------------------------------
 * Written atomically (lr_outfile).  Loading checks magic, version, sizes and
 * the CRC-32 of the whole file, then every value (options as training takes
 * them, finite factors, the rated-items table): damaged, truncated or
 * newer-version files are refused with LR_ERR_FORMAT and a message naming the
 * file.  With a memory limit on ctx, a model that would not fit is refused
 * before it is built (LR_ERR_NOMEM, lr_ctx_mem_refused); LR_ERR_IO when the
 * file cannot be read. */
LR_API lr_status lr_rec_save(lr_ctx *ctx, const lr_rec *m, const char *path);
LR_API lr_status lr_rec_load(lr_ctx *ctx, const char *path, lr_rec **out);

/* ---- Evaluation ----------------------------------------------------------- */
/* Ranking metrics at cutoff k of one ranked list against a relevant set:
 *   precision = hits / k,  recall = hits / nrel,
 *   ndcg = sum_hits 1/log2(pos+1) / sum_{p=1}^{min(nrel,k)} 1/log2(p+1),
 *   map  = sum_hits precision@pos / min(nrel, k)   (pos 1-based).
 * ranked has nranked >= 0 entries (only the first k count); relevant need not
 * be sorted.  nrel = 0 gives all zeros. */
typedef struct lr_rank_metrics {
    double precision, recall, ndcg, map;
} lr_rank_metrics;
LR_API lr_rank_metrics lr_rank_metrics_at(const int64_t *ranked, int64_t nranked,
                                          const int64_t *relevant, int64_t nrel, int64_t k);

/* Scores a model on held-out ratings `test` (same id maps as the training
 * ratings).  Explicit models: RMSE and MAE over all test ratings.  Ranking
 * (both kinds): for each user with at least one relevant test item (rating
 * >= relevant_min; implicit: every test item), the top `at` items among
 * those not rated in training, averaged over those users.  mode 0 = the
 * model; mode 1 = the global-mean baseline (predicts mu; ranks items by
 * their number of training ratings).  (The user+item-bias baseline is a
 * model trained with k = 0.) */
typedef struct lr_rec_scores {
    double rmse, mae;
    lr_rank_metrics rank;
    int64_t ranked_users;
} lr_rec_scores;
LR_API lr_status lr_rec_evaluate(lr_ctx *ctx, const lr_rec *m, const lr_ratings *test,
                                 int mode, double relevant_min, int64_t at,
                                 lr_rec_scores *out);

#ifdef __cplusplus
}
#endif
#endif
