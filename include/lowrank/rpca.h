/* rpca.h -- robust PCA (principal component pursuit), the low-rank
 * background model, foreground masks and their scores.
 *
 * Three jobs, one header:
 *
 *  1. lr_rpca_*: robust PCA by principal component pursuit (Candes, Li, Ma &
 *     Wright 2011),  min ||L||_* + lambda ||S||_1  subject to  M = L + S,
 *     solved by the inexact augmented Lagrange multiplier method (Lin, Chen &
 *     Ma 2010, Algorithm 5).  The SVD step is a partial randomized SVD
 *     whose rank follows the previous iteration's, warm-started from the
 *     previous right basis, or, once the rank of L is a large fraction of
 *     the column count (video), an exact step through the n x n Gram
 *     matrix; the elementwise updates are one fused pass over memory per
 *     iteration.  See docs/ALGORITHMS-rpca.md.
 *
 *  2. lr_bg_*: the cheap low-rank background: a rank-k randomized SVD of M,
 *     background B_k = U_k diag(s_k) V_k^T, foreground M - B_k.  Compute the
 *     SVD once at the largest k wanted; every smaller k is a truncation.
 *
 *  3. lr_mask_*: binary foreground masks (|R| above a threshold derived from
 *     a robust noise estimate of R, where R is S or M - B_k), optional
 *     per-frame clean-up, and precision / recall / F1 against ground truth
 *     (CDnet convention).
 *
 * Video as a matrix: a clip of F frames of height x width pixels is the
 * (height*width) x F matrix whose column j is frame j, each frame stored
 * column-major: pixel (y, x) of frame j is row y + x*height of column j.
 *
 * Who frees what: an lr_rpca handle owns S, the dense L (when kept) and the
 * factors; views returned by its accessors live until lr_rpca_destroy,
 * unless taken over with lr_rpca_take_s / lr_rpca_take_l (then the caller
 * frees them with lr_mat_free on the same context).  Background results are
 * plain lr_svd handles (svd.h).  Mask buffers are always the caller's.
 * The input M is never modified.
 *
 * Errors are reported through the lr_ctx like everywhere else; nothing here
 * prints, exits or aborts.
 */
#ifndef LOWRANK_RPCA_H
#define LOWRANK_RPCA_H
#include "lowrank/core.h"
#include "lowrank/mat.h"
#include "lowrank/svd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================
 * Robust PCA (PCP by inexact ALM)
 * ====================================================================== */

/* Default stopping tolerances on ||M - L - S||_F / ||M||_F.  float64: 1e-7,
 * the reference code's value.  float32: 1e-5, reached reliably; float32
 * rounding puts a data-dependent floor under the residual (2.8e-7 on
 * vtest.avi at 160x120, where 1e-7 is never reached). */
#define LR_RPCA_TOL_F64 1e-7
#define LR_RPCA_TOL_F32 1e-5

/* How each iteration's singular value thresholding D_{1/mu}(T) is done.
 *  PARTIAL: warm-started partial randomized SVD (lr_svd_compute_warm, the
 *        previous right basis as V0, power_iters passes), rank predicted
 *        from the previous iteration and grown while the last singular value
 *        computed is still above 1/mu.  Cost ~ (power_iters+1) * 4 m n l
 *        flops, l = rank + oversample.
 *  GRAM: the n x n Gram matrix T^T T accumulated in double (one pass over
 *        T), its eigendecomposition (LAPACK dsyevd), and L = T V D V^T
 *        applied panel by panel inside the fused pass: every singular value
 *        at once, no rank prediction.  Cost ~ 2 m n^2 + 2 m n min(n, 2r)
 *        flops whatever the rank; needs n <= m and n <= LR_RPCA_GRAM_MAX_N.
 *  AUTO (default): PARTIAL while the predicted rank is small, GRAM from the
 *        iteration where its cost model says GRAM is cheaper (on video the
 *        rank of L grows to a large fraction of the frame count).
 *  EXACT: LAPACK full SVD of T every iteration, as the reference code does:
 *        slow, for comparisons. */
typedef enum lr_rpca_svt {
    LR_RPCA_SVT_AUTO = 0,
    LR_RPCA_SVT_PARTIAL = 1,
    LR_RPCA_SVT_GRAM = 2,
    LR_RPCA_SVT_EXACT = 3
} lr_rpca_svt;

/* Largest column count for which the GRAM route is used (its n x n double
 * workspaces: a few times 8 n^2 bytes). */
#define LR_RPCA_GRAM_MAX_N 4096

typedef struct lr_rpca_opts {
    double lambda;        /* weight of ||S||_1; 0 = 1/sqrt(max(m, n)) */
    double tol;           /* relative residual to stop at; 0 = by dtype:
                             LR_RPCA_TOL_F64 / LR_RPCA_TOL_F32 */
    int max_iter;         /* default 100 */
    double mu0;           /* initial penalty; 0 = 1.25 / ||M||_2 */
    double rho;           /* penalty growth per iteration (> 1); default 1.5 */
    double mu_max_factor; /* mu is capped at mu0 * mu_max_factor; default 1e7 */
    /* The SVD step. */
    lr_rpca_svt svt;      /* default LR_RPCA_SVT_AUTO */
    int64_t rank_init;    /* singular triplets computed at first; default 10 */
    int64_t rank_max;     /* cap on the rank of L; 0 = min(m, n) */
    int64_t oversample;   /* randomized SVD oversampling p; default 10 */
    int power_iters;      /* power iterations per warm-started SVD; default 1 */
    int64_t panel_rows;   /* rows per tile of the fused pass; default 256 */
    uint64_t seed;        /* default 0 */
    int keep_l;           /* 1 (default): expand L densely at the end (in a
                             buffer the iteration no longer needs: no extra
                             peak memory); 0: keep only its factors */
    double reserved[8];   /* keeps the size stable as options are added */
} lr_rpca_opts;

LR_API void lr_rpca_opts_default(lr_rpca_opts *o);
/* NULL when the options are valid for an m x n problem, otherwise a
 * sentence saying what is wrong (static storage). */
LR_API const char *lr_rpca_opts_check(const lr_rpca_opts *o, int64_t m,
                                      int64_t n);

typedef struct lr_rpca lr_rpca;

/* Decomposes M (m x n, f32 or f64, any leading dimension; not modified)
 * into L + S.  The computation runs in M's dtype (residuals and norms are
 * accumulated in double).
 * Returns LR_OK when the residual fell below tol, LR_ERR_NOCONV when
 * max_iter was reached first (then *out holds the last iterate, usable),
 * LR_ERR_ARG (bad options or shape: the message says which), LR_ERR_DATA
 * (M has NaN/Inf), LR_ERR_NOMEM, LR_ERR_LAPACK, LR_ERR_CANCELLED (progress
 * callback; *out is NULL).  On any error other than NOCONV *out is NULL.
 * Progress: stage "rpca", one call per iteration, detail "iter K residual R
 * rank r" (" (gram)" appended on GRAM iterations); the SVD's own progress
 * calls ("randomized SVD") come in between.
 * Memory, with |M| the size of M: two m x n buffers of M's dtype (Y and T,
 * 2|M|) during the iterations, which become S and the dense L at the end;
 * the factors of L: U (m x rank, up to |M| * rank/n) and Vt; a cache-sized
 * tile per thread; on the GRAM route also n x n double matrices (the Gram
 * matrix, its eigenvectors, per-group partial sums: at most 16 of them and
 * never more than |M|/2 in all).  Peak: about (3 + rank/n) |M| including
 * M itself, plus the Gram partials (e.g. 19,200 x 795 f32, rank 323: 4.9 |M|;
 * 76,800 x 795 f32, rank 350: 3.9 |M|; see docs/ALGORITHMS-rpca.md). */
LR_API lr_status lr_rpca_compute(lr_ctx *ctx, const lr_mat *M,
                                 const lr_rpca_opts *o, lr_rpca **out);
/* The same on a matrix split by rows over several processes (svd.h,
 * lr_rowdist): M is this process's band (rows d->row0 .. d->row0 +
 * M->rows - 1 of d->global_rows; 0 rows allowed).  Every process calls it
 * with the same options; the elementwise steps stay in the band, the norms
 * and residuals are summed through d->allreduce and the SVD steps run the
 * distributed randomized SVD (or, on the GRAM route, sum the bands' n x n
 * Gram matrices: n (n + 1) / 2 doubles per iteration).  The results (S, L,
 * U) are the band's rows; the iteration count, residuals, rank, sigma and Vt
 * are the same on every process.  svt EXACT is refused (LR_ERR_ARG).  With
 * d == NULL or d->allreduce == NULL this is lr_rpca_compute. */
LR_API lr_status lr_rpca_compute_rows(lr_ctx *ctx, const lr_mat *M,
                                      const lr_rpca_opts *o,
                                      const lr_rowdist *d, lr_rpca **out);
/* Frees the handle and everything it still owns; NULL is a no-op. */
LR_API void lr_rpca_destroy(lr_rpca *r);

/* ---- The workspace, made ahead of time (optional) ----------------------
 * lr_rpca_compute's two m x n buffers (Y and T, 2|M|, which become S and
 * the dense L) get their memory pages from the operating system at their
 * first write, inside the call.  Where fresh memory is slow to map (a
 * virtual machine whose host backs it lazily: up to ~2.5 ms per MB was seen,
 * over a second for the 490 MB of a 76,800 x 795 float32 problem), a caller
 * with an idle core while it prepares M -- decoding the video -- can have
 * that done ahead, on a thread of its own:
 *
 *   lr_rpca_work *w;
 *   lr_rpca_work_create(ctx, LR_F32, m, n, &opts, &w);
 *   other thread:  lr_rpca_work_prefault(w);
 *   this thread:   fill M; lr_rpca_work_stop(w); join the other thread;
 *   lr_rpca_compute_work(ctx, &M, &opts, w, &r);
 *   lr_rpca_work_destroy(ctx, w);
 *
 * The results are the same bits as lr_rpca_compute's; the peak memory is
 * the same (the buffers are only allocated earlier).  lowrank separate does
 * this while it decodes (README, "Memory").
 *
 * lr_rpca_work_create allocates the two buffers, m x n elements of t each,
 * without touching them, after the memory check lr_rpca_compute makes for
 * an m x n problem with options o (NULL = defaults), M not yet allocated
 * counted in, so that a refused problem allocates nothing.  Errors:
 * LR_ERR_ARG (shape, type, options), LR_ERR_NOMEM (refused or failed). */
typedef struct lr_rpca_work lr_rpca_work;
LR_API lr_status lr_rpca_work_create(lr_ctx *ctx, lr_dtype t, int64_t m, int64_t n,
                                     const lr_rpca_opts *o, lr_rpca_work **out);
/* Maps every page of the workspace's buffers (Linux: madvise
 * MADV_POPULATE_WRITE; where that is refused, one write per page), 4 MiB
 * at a time, until all are mapped or lr_rpca_work_stop is called.  Uses no
 * context: meant to run on a thread of its own.  Returns the bytes mapped. */
LR_API int64_t lr_rpca_work_prefault(lr_rpca_work *w);
/* Makes a running (or later) lr_rpca_work_prefault on w return after its
 * current 4 MiB step; any thread may call it. */
LR_API void lr_rpca_work_stop(lr_rpca_work *w);
/* lr_rpca_compute with w's buffers as Y and T: they are taken over (they
 * become S and the dense L), whatever the outcome, and w is left empty.  w
 * must be of M's type and row count with at least M's columns (made for an
 * estimated frame count that came out larger is fine: the buffers keep
 * the unused tail), unused, and no lr_rpca_work_prefault may be running on
 * it.  w NULL = lr_rpca_compute.  Errors as lr_rpca_compute, and LR_ERR_ARG
 * when w does not fit. */
LR_API lr_status lr_rpca_compute_work(lr_ctx *ctx, const lr_mat *M, const lr_rpca_opts *o,
                                      lr_rpca_work *w, lr_rpca **out);
/* Frees w and whatever buffers it still holds, on the context it was made
 * with (or one with the same allocator); NULL is a no-op. */
LR_API void lr_rpca_work_destroy(lr_ctx *ctx, lr_rpca_work *w);

/* LR_OK (converged) or LR_ERR_NOCONV. */
LR_API lr_status lr_rpca_status(const lr_rpca *r);
LR_API int lr_rpca_iterations(const lr_rpca *r);
/* ||M - L - S||_F / ||M||_F after each iteration: lr_rpca_iterations(r)
 * entries.  The last one is lr_rpca_residual(r).  Guaranteed envelope (see
 * docs/ALGORITHMS-rpca.md): history[k] <= 2 lambda sqrt(m n) /
 * (mu_k ||M||_F), mu_k the penalty used in iteration k (0-based). */
LR_API const double *lr_rpca_history(const lr_rpca *r);
LR_API double lr_rpca_residual(const lr_rpca *r);
/* Rank of L (singular values of the last SVD step above 1/mu). */
LR_API int64_t lr_rpca_rank(const lr_rpca *r);
/* Non-zero entries of S. */
LR_API int64_t lr_rpca_nnz(const lr_rpca *r);
LR_API double lr_rpca_lambda(const lr_rpca *r);
/* ||M||_2 estimate used for mu0, and the final penalty mu. */
LR_API double lr_rpca_norm2(const lr_rpca *r);
LR_API double lr_rpca_mu(const lr_rpca *r);
/* SVT steps computed: partial SVDs (more than iterations when the rank had
 * to grow), full SVDs and Gram eigendecompositions. */
LR_API int lr_rpca_svd_calls(const lr_rpca *r);

/* Where the time went, in seconds of wall clock and of process CPU time
 * (all threads), for the stages of lr_rpca_compute:
 *  [0] setup: the scan of M, the first SVD (||M||_2), Y_0 and T_0;
 *  [1] partial: the randomized SVD steps (with rank recomputations);
 *  [2] gram: the Gram matrices T^T T;
 *  [3] eig: their eigendecompositions and the factors built from them;
 *  [4] pass: the fused elementwise passes (including forming L);
 *  [5] final: S and the dense L at the end. */
#define LR_RPCA_NSTAGES 6
typedef struct lr_rpca_times {
    double wall[LR_RPCA_NSTAGES], cpu[LR_RPCA_NSTAGES];
    int partial_iters, gram_iters; /* iterations by route */
    int gram_f32_iters;            /* Gram iterations done in float32 (deflated) */
} lr_rpca_times;
LR_API void lr_rpca_times_get(const lr_rpca *r, lr_rpca_times *t);
/* Per iteration k: [2k] process CPU seconds of the SVT step (partial or
 * Gram + eig), [2k+1] of the fused pass; lr_rpca_iterations(r) pairs. */
LR_API const double *lr_rpca_iter_seconds(const lr_rpca *r);
/* Stage names for the indices above ("setup", "partial", ...). */
LR_API const char *lr_rpca_stage_name(int i);

/* S (m x n, M's dtype, ld = m).  Empty after lr_rpca_take_s. */
LR_API lr_mat lr_rpca_s(const lr_rpca *r);
/* Dense L (m x n, ld = m); empty when opts.keep_l was 0 or after
 * lr_rpca_take_l. */
LR_API lr_mat lr_rpca_l(const lr_rpca *r);
/* L = U diag(sigma) Vt with rank(r) terms: U m x rank, Vt rank x n (M's
 * dtype), sigma already shrunk (descending, double). */
LR_API lr_mat lr_rpca_u(const lr_rpca *r);
LR_API const double *lr_rpca_sigma(const lr_rpca *r);
LR_API lr_mat lr_rpca_vt(const lr_rpca *r);
/* Writes the block of L starting at (r0, c0) with out's shape into out
 * (any dtype, any ld), from the factors.  Errors: LR_ERR_ARG. */
LR_API lr_status lr_rpca_l_block(lr_ctx *ctx, const lr_rpca *r, int64_t r0,
                                 int64_t c0, lr_mat *out);
/* Hand S / the dense L over to the caller, who frees it with lr_mat_free on
 * the same context; the handle keeps an empty view.  Lets a caller keep S
 * and drop the rest without a copy.  Errors: LR_ERR_ARG when already taken
 * (or L not kept). */
LR_API lr_status lr_rpca_take_s(lr_rpca *r, lr_mat *out);
LR_API lr_status lr_rpca_take_l(lr_rpca *r, lr_mat *out);

/* ======================================================================
 * Low-rank factors and the low-rank background
 * ====================================================================== */

/* out = block starting at (r0, c0), of out's shape, of
 * U[:, :k] diag(s[:k]) Vt[:k, :].  U: m x >=k, Vt: >=k x n, same dtype;
 * out any dtype and ld.  k = 0 gives zeros.  Threaded over row tiles.
 * Errors: LR_ERR_ARG (shapes, k too large). */
LR_API lr_status lr_lowrank_expand(lr_ctx *ctx, const lr_mat *U,
                                   const double *s, const lr_mat *Vt,
                                   int64_t k, int64_t r0, int64_t c0,
                                   lr_mat *out);

/* The SVD behind the low-rank background: rank k_max of M (randomized by
 * default; svd_opts NULL = lr_svd_opts_default with power_iters 2, and
 * opts->k is replaced by k_max).  Smaller ranks are truncations of it, so
 * compute once at the largest rank you want.  The result belongs to the
 * caller (lr_svd_destroy).  Errors: as lr_svd_compute. */
LR_API lr_status lr_bg_compute(lr_ctx *ctx, const lr_mat *M, int64_t k_max,
                               const lr_svd_opts *svd_opts, lr_svd **out);
/* Block of the rank-k background B_k starting at (r0, c0), of out's shape,
 * into out.  k <= lr_svd_rank(svd).  Errors: LR_ERR_ARG. */
LR_API lr_status lr_bg_expand(lr_ctx *ctx, const lr_svd *svd, int64_t k,
                              int64_t r0, int64_t c0, lr_mat *out);
/* F = M - B_k, whole matrix, one fused pass.  F has M's shape and dtype;
 * F may be M itself (in place, opt-in) but must not partially overlap it.
 * Errors: LR_ERR_ARG. */
LR_API lr_status lr_bg_foreground(lr_ctx *ctx, const lr_svd *svd, int64_t k,
                                  const lr_mat *M, lr_mat *F);

/* ======================================================================
 * Streaming (blocked) separation of long videos
 * ======================================================================
 *
 * A video of any length is processed in consecutive blocks of `window`
 * frames, so that memory depends on the window and the frame size, never on
 * the length (docs/ALGORITHMS-stream.md).  The caller supplies frames
 * through a read callback and receives each block's result through an emit
 * callback, in order; nothing of a block survives its emit call except what
 * the algorithm carries forward:
 *
 *  - robust PCA (lr_rpca_stream): each block is solved by lr_rpca_compute
 *    on [C | B], B the block's frames and C `carry` background frames taken
 *    from the previous block's L (evenly spaced; clean background, no
 *    foreground), so that the background subspace of the past constrains the
 *    new block -- a pixel hidden by a slow object for the whole block still
 *    has background columns to be explained by.  The first randomized SVD of
 *    each block is warm-started from the previous block's left basis U
 *    (sketch M^T U instead of Gaussian columns).
 *  - low-rank background (lr_bg_stream): an incremental SVD (Brand 2002)
 *    with forgetting: the rank-k_max SVD of [f U diag(s) | B], U, s carried
 *    from the previous block, f^2 = 1/2 (the carried summary weighs as much
 *    as one window of frames), warm-started from [f U diag(s) | B]^T U.
 *
 * Blocks do not overlap: every frame belongs to exactly one block and is
 * emitted once.  The last block may be shorter (at least 1 frame).
 */

/* Fills the columns of *block (rows = pixels per frame, the stream's dtype,
 * ld = rows) with the next frames, in order, and sets *got to the number
 * filled (0 .. block->cols).  Fewer than block->cols means the stream has
 * ended; it is not called again.  A non-LR_OK return stops the stream with
 * that status (the callback sets the context's message). */
typedef lr_status (*lr_stream_read_fn)(void *user, lr_mat *block, int64_t *got);

/* One block's result, valid during the emit call only. */
typedef struct lr_stream_block {
    int64_t index;        /* block number, from 0 */
    int64_t first;        /* stream frame number of its first frame, from 0 */
    int64_t frames;       /* frames in the block (window, or fewer at the end) */
    int64_t col0;         /* column of its first frame in the solved matrix
                             [carried | block] (= carried columns) */
    lr_mat M;             /* rows x frames: the block's input frames */
    /* robust PCA only (empty / NULL for the background): */
    lr_mat L, S;          /* rows x frames: background and sparse part */
    const lr_rpca *rpca;  /* the block's solve: iterations, residual, rank,
                             lr_rpca_l_block(.., 0, col0 + j, ..) */
    lr_status status;     /* LR_OK or LR_ERR_NOCONV for this block */
    /* background only (NULL for robust PCA): the rank-k_max SVD of
     * [carried | block]; frame j's rank-k background is
     * lr_bg_expand(ctx, svd, k, 0, col0 + j, out). */
    const lr_svd *svd;
} lr_stream_block;

/* Returns LR_OK to go on, anything else to stop the stream with it. */
typedef lr_status (*lr_stream_emit_fn)(void *user, const lr_stream_block *b);

typedef struct lr_stream_opts {
    int64_t window;       /* frames per block N (>= 2); required */
    int64_t carry;        /* rpca: background frames carried into the next
                             block; -1 (default) = min(16, window / 2);
                             0 = independent blocks */
    lr_rpca_opts rpca;    /* per-block robust PCA options (defaults of
                             lr_rpca_opts_default) */
    lr_svd_opts svd;      /* background SVD options (lr_svd_opts_default with
                             power_iters 2; k is replaced by k_max) */
    double reserved[8];
} lr_stream_opts;

LR_API void lr_stream_opts_default(lr_stream_opts *o);

/* What a whole stream did. */
typedef struct lr_stream_summary {
    int64_t frames, blocks;
    int64_t iterations;   /* rpca: sum over blocks */
    int64_t rank_max;     /* largest rank of a block's L (rpca) */
    double residual_max;  /* largest final residual of a block (rpca) */
    int64_t unconverged;  /* blocks that stopped at max_iter (rpca) */
    int64_t carried;      /* carried columns per block after the first */
    double reserved[4];
} lr_stream_summary;

/* Robust PCA over a stream of frames of `rows` pixels in element type t.
 * read and emit are called alternately: read fills a block, it is solved,
 * emit gets its L and S.  summary may be NULL.
 * Memory: one rows x n_b buffer X (n_b = carry + window) that the frames
 * are read into, lr_rpca_compute's workspace for it, and a rows x
 * (rank_init + oversample) carried basis; nothing grows with the length.
 * Bound (docs/ALGORITHMS-stream.md, checked by test_stream), e the element
 * size, T threads:  4.5 |X| + 24 n_b^2 + T * 1024 * n_b * (e + 8) bytes,
 * plus what the emit callback allocates.
 * Errors: LR_ERR_ARG (options, rows), LR_ERR_DATA (NaN/Inf frames), the
 * callbacks' statuses, and lr_rpca_compute's.  A block that does not
 * converge is emitted with status LR_ERR_NOCONV and the stream goes on
 * (summary->unconverged counts them). */
LR_API lr_status lr_rpca_stream(lr_ctx *ctx, lr_dtype t, int64_t rows,
                                const lr_stream_opts *o, lr_stream_read_fn read,
                                lr_stream_emit_fn emit, void *user,
                                lr_stream_summary *summary);

/* The low-rank background over a stream (see above), rank k_max; emit gets
 * each block's SVD (smaller ranks are truncations).  Memory: a
 * (k_max + window) x rows buffer, the SVD's factors and workspace
 * (O(rows (k_max + p))).  Errors as lr_bg_compute and the callbacks'. */
LR_API lr_status lr_bg_stream(lr_ctx *ctx, lr_dtype t, int64_t rows, int64_t k_max,
                              const lr_stream_opts *o, lr_stream_read_fn read,
                              lr_stream_emit_fn emit, void *user,
                              lr_stream_summary *summary);

/* ======================================================================
 * Foreground masks
 * ====================================================================== */

/* A mask is a caller-owned uint8 buffer of rows x cols bytes, column-major
 * with leading dimension rows (frame j is bytes [j*rows, (j+1)*rows)), with
 * 0 = background and 255 = foreground: the CDnet encoding, so it can be
 * written as a grey image or video as is. */

/* Clean-up bits for lr_mask_opts.clean, applied per frame in this order. */
#define LR_CLEAN_NONE   0u
#define LR_CLEAN_MEDIAN 1u  /* 3x3 median (majority of the in-frame pixels) */
#define LR_CLEAN_OPEN   2u  /* 3x3 morphological opening (erode, dilate) */

typedef struct lr_mask_opts {
    double threshold;     /* > 0: foreground where |R| > threshold; 0 (default)
                             = automatic:
                               max(noise_mult * sigma, floor_frac * p999),
                             sigma = 1.4826 * median(|R|) over a sample (a
                             robust Gaussian noise estimate), p999 = the
                             99.9th percentile of |R| in the sample */
    double noise_mult;    /* default 4 */
    int64_t sample;       /* entries sampled for sigma; default 262144;
                             0 = all */
    int64_t height, width;/* frame geometry (rows = height*width); needed
                             only for clean-up; default 0, 0 */
    unsigned clean;       /* LR_CLEAN_* bits; default LR_CLEAN_NONE */
    double floor_frac;    /* default 0.1: a change below a tenth of the
                             clip's strongest (p999) is not foreground.  It
                             decides when the residual is not Gaussian:
                             quantized, compressed video whose |S| has a
                             median near 0 (vtest.avi); 0 turns it off */
    double reserved[3];
} lr_mask_opts;

LR_API void lr_mask_opts_default(lr_mask_opts *o);
/* NULL when valid for a rows x cols R, else a sentence saying what's wrong. */
LR_API const char *lr_mask_opts_check(const lr_mask_opts *o, int64_t rows,
                                      int64_t cols);

typedef struct lr_mask_info {
    double sigma;         /* robust noise estimate (0 when threshold given) */
    double p999;          /* 99.9th percentile of |R| in the sample (ditto) */
    double threshold;     /* threshold actually used */
    int64_t count;        /* foreground pixels after clean-up */
    double fraction;      /* count / (rows * cols) */
} lr_mask_info;

/* Robust noise scale of R: 1.4826 * median(|R_ij|) over `sample` entries
 * spread evenly (a fixed low-discrepancy sequence: deterministic); sample 0
 * or >= rows*cols uses every entry.  Errors: LR_ERR_ARG, LR_ERR_NOMEM. */
LR_API lr_status lr_mask_noise(lr_ctx *ctx, const lr_mat *R, int64_t sample,
                               double *sigma);
/* mask = (|R| > threshold) ? 255 : 0, then clean-up.  R is S (rpca) or
 * M - B_k (lr_bg_foreground).  info may be NULL.  Errors: LR_ERR_ARG,
 * LR_ERR_DATA (NaN in R), LR_ERR_NOMEM. */
LR_API lr_status lr_mask_compute(lr_ctx *ctx, const lr_mat *R,
                                 const lr_mask_opts *o, uint8_t *mask,
                                 lr_mask_info *info);
/* Per-frame clean-up of an existing mask (frames = columns; the mask holds
 * frames * height * width bytes).  Uses one frame of scratch per thread. */
LR_API lr_status lr_mask_clean(lr_ctx *ctx, uint8_t *mask, int64_t height,
                               int64_t width, int64_t frames, unsigned clean);

/* ---- Scoring (CDnet conventions) --------------------------------------
 * Truth pixel 255 = foreground, 0 = background, any other value (CDnet's
 * 50 shadow, 85 outside region, 170 unknown) is ignored.  A mask pixel is
 * foreground when non-zero.  precision = tp/(tp+fp), recall = tp/(tp+fn),
 * f1 = 2 tp/(2 tp + fp + fn); a ratio whose denominator is 0 is NaN (e.g.
 * a frame with no foreground in truth and none detected). */
typedef struct lr_score {
    int64_t tp, fp, fn, tn, ignored;
    double precision, recall, f1;
} lr_score;

/* Scores rows x cols masks (ld = rows) over all frames into *total and,
 * when per_frame is not NULL, per column into per_frame[0 .. cols-1].
 * Errors: LR_ERR_ARG. */
LR_API lr_status lr_mask_score(lr_ctx *ctx, const uint8_t *mask,
                               const uint8_t *truth, int64_t rows,
                               int64_t cols, lr_score *total,
                               lr_score *per_frame);

#ifdef __cplusplus
}
#endif
#endif
