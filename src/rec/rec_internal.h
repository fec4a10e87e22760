/* rec_internal.h -- what the src/rec sources share: id maps, the ratings
 * structure, the model structure, the small dense solvers. */
#ifndef LR_REC_INTERNAL_H
#define LR_REC_INTERNAL_H
#include "internal.h"

/* ---- id maps (idmap.c): string <-> dense index, open addressing ---------- */
typedef struct rec_idmap {
    int64_t n;          /* ids */
    int64_t cap;        /* slots (power of two) */
    int64_t *slot;      /* index + 1, 0 = empty */
    int64_t *off;       /* n + 1 offsets into text (grown with the ids) */
    char *text;         /* the ids, each NUL-terminated */
    int64_t text_len, text_cap, off_cap;
} rec_idmap;
void rec_idmap_free(lr_ctx *ctx, rec_idmap *m);
/* Index of id (len bytes), adding it when absent (then *added = 1). */
lr_status rec_idmap_intern(lr_ctx *ctx, rec_idmap *m, const char *id, size_t len,
                           int64_t *index);
int64_t rec_idmap_find(const rec_idmap *m, const char *id);
static inline const char *rec_idmap_str(const rec_idmap *m, int64_t i)
{
    return m->text + m->off[i];
}
/* Copies src into an empty dst. */
lr_status rec_idmap_copy(lr_ctx *ctx, const rec_idmap *src, rec_idmap *dst);

/* ---- ratings ------------------------------------------------------------- */
struct lr_ratings {
    lr_ctx *ctx;            /* the allocator's owner (for destroy) */
    rec_idmap users, items;
    int64_t nnz;
    double mean;
    /* by user (CSR) */
    int64_t *uptr;          /* users + 1 */
    int32_t *uidx;          /* item of each entry */
    float *uval;
    /* by item (CSC) */
    int64_t *iptr;          /* items + 1 */
    int32_t *iidx;          /* user of each entry */
    float *ival;
};
/* Builds ratings from dense triplets (u, i, r) of n entries, with id maps
 * moved in (users/items become empty).  Later duplicates win; *dups counts
 * the dropped ones. */
lr_status rec_ratings_build(lr_ctx *ctx, rec_idmap *users, rec_idmap *items, int64_t n,
                            const int32_t *u, const int32_t *i, const float *r,
                            lr_ratings **out, int64_t *dups);

/* ---- model --------------------------------------------------------------- */
struct lr_rec {
    lr_ctx *ctx;
    lr_rec_opts opts;
    int k;
    int64_t nu, ni;
    double mean;
    rec_idmap users, items;
    float *P, *Q;           /* nu x k, ni x k, row-major */
    float *bu, *bi;
    int64_t *rptr;          /* training items of each user (nu + 1) */
    int32_t *ridx;
    int64_t *pop;           /* training ratings of each item (ni) */
};
/* The n best items (by model score from factors p and bias, or by training
 * popularity) not marked in skip (may be NULL), best first; heapbuf holds
 * 16 n bytes.  Returns how many were found. */
int64_t rec_best(const lr_rec *m, const float *p, double bias, const unsigned char *skip,
                 int64_t n, int popularity, void *heapbuf, int64_t *items, double *scores);
lr_status rec_model_alloc(lr_ctx *ctx, int k, int64_t nu, int64_t ni, int64_t nnz,
                          lr_rec **out);

/* ---- dense helpers (solve.c) --------------------------------------------- */
/* In-place Cholesky of the d x d row-major SPD matrix A (lower triangle used
 * and overwritten); returns 0 on success, -1 when not positive definite. */
int rec_chol(int d, double *A);
/* Solves L L^T x = b in place (b becomes x). */
void rec_chol_solve(int d, const double *L, double *b);
/* A += w z z^T on the lower triangle of the d x d matrix A (row-major). */
void rec_syr(int d, double w, const double *z, double *A);
/* Copies the lower triangle of A into the upper one. */
void rec_symmetrize(int d, double *A);

/* One user's (or item's) explicit ALS-WR system (rows with fewer ratings
 * than unknowns are solved through the equivalent n x n dual system) for [bias, factors] from the
 * other side's factors Y (rows of k floats) and biases ybias:
 *   targets t_j = r_j - mean - ybias[idx_j], z_j = [1, y_idx_j] (no bias:
 *   z_j = y_j, t_j = r_j - mean - ybias).  Solves
 * (sum z z^T + n diag(lambda_b, lambda, ..., lambda)) x = sum t z.  work has
 * room for REC_EXPLICIT_WORK(k) doubles.  Writes factor (k floats) and *bias.  Returns -1 when the system is singular. */
#define REC_EXPLICIT_WORK(k) ((size_t)((k) + 4) * ((k) + 4) * 3 + 8 * ((k) + 4) + 16)
/* *fit (may be NULL) receives this row's part of the objective at the
 * solution, sum_j (t_j - z_j.x)^2 + x^T R x (= sum t^2 - x.b, exact for the
 * double solution). */
int rec_solve_explicit(int k, int with_bias, double lambda, double lambda_b, double mean, int64_t n,
                       const int32_t *idx, const float *val, const float *Y,
                       const float *ybias, double *work, float *factor, float *bias, double *fit);
/* Implicit: exact solve of (YtY + sum (c-1) y y^T + lambda I) x = sum c y,
 * c = 1 + alpha r.  work: k^2 + 2k doubles.  Returns -1 when singular. */
int rec_solve_implicit_exact(int k, double lambda, double alpha, const double *YtY,
                             int64_t n, const int32_t *idx, const float *val,
                             const float *Y, double *work, float *factor);
/* Y^T Y (k x k, double, row-major) of the rows x k float matrix Y, summed in
 * fixed row chunks (deterministic for any thread count). */
lr_status rec_gram(lr_ctx *ctx, int k, int64_t rows, const float *Y, double *G);

/* CRC-32 (IEEE, reflected) continued from crc (start with 0). */
uint32_t rec_crc32(uint32_t crc, const void *p, size_t n);

/* Deterministic uniform [0,1) from (seed, stream, index) via Philox. */
double rec_u01(uint64_t seed, uint64_t stream, uint64_t index);
#endif
