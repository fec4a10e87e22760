/* rpca_internal.h -- shared by src/rpca: the elementwise kernels, written
 * once in rpca_kern_impl.h and instantiated for float and double in
 * rpca_kern.c.  Not installed. */
#ifndef LR_RPCA_INTERNAL_H
#define LR_RPCA_INTERNAL_H
#include "kernel.h"

/* Tiles of the fused passes: TILE_R rows (the panel) x TILE_C columns; the
 * L tile (TILE_R x TILE_C elements, 256 KiB in double) stays in L2. */
#define RPCA_TILE_C 128

/* How the L tile is formed in the fused pass. */
enum {
    RPCA_L_UW = 0,   /* L = U W: U m x r (ld ldu), W = diag(w) Vt, r x n */
    RPCA_L_TVW = 1   /* GRAM: U = T V is computed into U (m x r, ld ldu; V
                        n x r, ld n) from the whole row panel of T before it
                        is overwritten, then L = U W */
};

/* One iteration's fused pass (see rpca.c for the maths):
 *   L = the tile of the current low-rank iterate (lmode above),
 *   x = M - L + Y/mu,  S = shrink(x, lam/mu),  Z = M - L - S,
 *   Y = clamp(mu x, -lam, lam)  (= Y + mu Z exactly in real arithmetic),
 *   T = M - S + Y/mu_next,
 * accumulating ||Z||_F^2 and nnz(S).  M is m x n (ld ldm), Y and T m x n
 * (ld m).  Tiles are tile_r x tile_c; the T-based modes need tile_c = n (the
 * whole row panel of T is read before it is overwritten).  part: ntiles
 * doubles, cnt: ntiles int64 (per-tile partials, summed in tile order). */
typedef struct rpca_pass {
    int64_t m, n, r, ldm, ldu, tile_r, tile_c;
    int lmode;
    const void *M, *W, *V;
    void *U;
    void *Y, *T;
    double mu, mu_next, lam;
    void *scratch;          /* per thread: tile_r * tile_c elements */
    int64_t scratch_per_thread;
    double *part;
    int64_t *cnt;
    int nthreads;
} rpca_pass;

/* OpenBLAS must run single-threaded under our own threads: its OpenMP build
 * does so inside a parallel region, but a team of one thread is not "in
 * parallel", and a threaded BLAS call rounds differently (the same rule as
 * kernel_dense.c).  Returns the count to restore. */
int rpca__blas_single(void);
void rpca__blas_restore(int saved);

int64_t rpca__ntiles(int64_t m, int64_t n, int64_t tile_r, int64_t tile_c);

/* Fused iteration pass; returns ||Z||_F^2, *nnz = nnz(S). */
double rpca__pass_f32(rpca_pass *p, int64_t *nnz);
double rpca__pass_f64(rpca_pass *p, int64_t *nnz);
/* Last step: S = (|Y| >= lam) ? M - T + Y/mu_next : 0 into T; when keep_l,
 * L = U W into Y (same tiles, one pass); also nnz(S). */
void rpca__final_f32(rpca_pass *p, int keep_l, int64_t *nnz);
void rpca__final_f64(rpca_pass *p, int keep_l, int64_t *nnz);
/* Y = a M, T = b M. */
void rpca__init_f32(const rpca_pass *p, double a, double b);
void rpca__init_f64(const rpca_pass *p, double a, double b);
/* One pass over M: ||M||_F^2 (per-column partials in double, summed in
 * column order) and max |M_ij|; NaN/Inf show as a non-finite sum. */
void rpca__scan_f32(const void *M, int64_t m, int64_t n, int64_t ld, int nth,
                    double *colsum, double *frob2, double *maxabs);
void rpca__scan_f64(const void *M, int64_t m, int64_t n, int64_t ld, int nth,
                    double *colsum, double *frob2, double *maxabs);

/* G = T^T T (n x n, upper triangle, double) over row panels of tile_r rows;
 * panel p is added into parts[p % ngroups] (ngroups n x n doubles) in panel
 * order and the groups are summed in group order: the same bits for any
 * thread count.  conv: nth * tile_r * n doubles (f32 only: panels are
 * converted to double first).  M-sized T, ld = ldt.
 * Threads take whole groups one at a time (dynamic schedule): the groups
 * hold different panel counts (76,800 rows = 38 panels of 2048 in 16
 * groups: six of 3 panels, ten of 2), and a static split gave one of 2
 * threads 22 panels and the other 16.  Which thread sums a group does not
 * change its bits. */
void rpca__gram_f32(const void *T, int64_t m, int64_t n, int64_t ldt, int64_t tile_r,
                    int ngroups, int nth, double *parts, double *conv, double *G);
void rpca__gram_f64(const void *T, int64_t m, int64_t n, int64_t ldt, int64_t tile_r,
                    int ngroups, int nth, double *parts, double *conv, double *G);

/* G = T^T T (upper triangle, double) for float32 T through a rank-1
 * deflation: with u (n, double, unit length: T's top right singular vector
 * or near it) each panel P of tile_r rows is split as P = R + z u^T, z = P u,
 * R = fl32(P - z u^T), and G = sum R^T R + c u^T + u c^T + zz u u^T with
 * c = sum R^T z and zz = sum z^T z accumulated in double.  R^T R is formed
 * per panel by ssyrk in float32: its rounding is relative to ||R||, which on
 * video (one dominant background direction) is ~1% of ||T||, so the errors
 * stay far below the smallest singular value that matters (rpca.c decides
 * from the returned ||R||_F^2 whether to keep the result).  Panels are
 * grouped as in rpca__gram (the same bits for any thread count).  parts:
 * ngroups n x n doubles; cparts: ngroups (n + 2) doubles; fbuf: nth *
 * rpca__gram_defl_floats(tile_r, n) floats.  Returns ||R||_F^2. */
double rpca__gram_defl_f32(const float *T, int64_t m, int64_t n, int64_t ldt, int64_t tile_r,
                           int ngroups, int nth, const double *u, double *parts,
                           double *cparts, float *fbuf, double *G);
static inline size_t rpca__r16(size_t x) { return (x + 15) & ~(size_t)15; }
size_t rpca__gram_defl_floats(int64_t tile_r, int64_t n);

/* lr_rpca_compute with an optional warm start: U0 (m x k, M's dtype) is a
 * left basis carried from a related matrix (the previous block of a video);
 * the first SVD then starts from M^T U0 instead of a Gaussian sketch.  NULL
 * = lr_rpca_compute. */
typedef struct lr_rpca lr_rpca;
typedef struct lr_rpca_opts lr_rpca_opts;
lr_status rpca__compute(lr_ctx *ctx, const lr_mat *M, const lr_rpca_opts *opts,
                        const lr_mat *U0, lr_rpca **out);

/* The workspace made ahead (rpca.h, lr_rpca_work_*; work.c): Y and T, m x
 * n each (ld m), uninitialized, taken over by lr_rpca_compute_work. */
struct lr_rpca_work {
    lr_dtype t;
    int64_t m, n;
    lr_mat Y, T;
    _Atomic int stop;       /* set by lr_rpca_work_stop */
};

/* Bytes lr_rpca_compute plans to allocate on top of an m x n M (band of
 * mg rows in all) with options o and nth threads: Y and T, the tiles, the
 * Gram route's buffers, the first SVD steps (rpca.c). */
double rpca__plan_extra(lr_ctx *ctx, const lr_rpca_opts *o, lr_dtype t, int64_t m, int64_t mg,
                        int64_t n, int nth);

/* mask[i + j*m] = |R_ij| > thr ? 255 : 0; returns the count; *bad = 1 when
 * R holds NaN or Inf (the mask is then meaningless), else 0. */
int64_t rpca__threshold_f32(const lr_mat *R, double thr, uint8_t *mask, int nth, int *bad);
int64_t rpca__threshold_f64(const lr_mat *R, double thr, uint8_t *mask, int nth, int *bad);
#endif
