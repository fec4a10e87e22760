/* mask.c -- foreground masks from a residual R (S of robust PCA, or
 * M - B_k of the low-rank background), per-frame clean-up, and scoring.
 *
 * Threshold: foreground where |R_ij| > tau.  By default
 *     tau = max(noise_mult * sigma, floor_frac * p999),
 *     sigma = 1.4826 * median |R_ij|   (over a deterministic sample),
 * the median absolute deviation about zero scaled to a Gaussian's standard
 * deviation: the residual of a good model is zero-centred noise except on
 * the (minority of) foreground pixels, which the median ignores.  The floor
 * (p999 = 99.9th percentile of |R|) decides when the residual is not
 * Gaussian: on quantized, compressed video the robust PCA residual S has a
 * median near 0 and a heavy tail (vtest.avi: median 1e-5, 95th percentile
 * 0.008, people at 0.15-0.6), so sigma says nothing about where the noise
 * ends; and on noiseless data S is exactly sparse and sigma = 0.
 *
 * Clean-up works per frame (height x width, column-major) on 3x3
 * neighbourhoods restricted to the frame: median = majority of the in-frame
 * neighbours, erosion = all of them, dilation = any of them.  All three are
 * decisions on one box count, computed separably.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "rpca_internal.h"

void lr_mask_opts_default(lr_mask_opts *o)
{
    memset(o, 0, sizeof *o);
    o->noise_mult = 4.0;
    o->sample = 262144;
    o->floor_frac = 0.1;
}

const char *lr_mask_opts_check(const lr_mask_opts *o, int64_t rows, int64_t cols)
{
    static _Thread_local char buf[256];
    if (!o) return "mask options missing";
    if (rows < 0 || cols < 0) return "negative matrix size";
    if (!(o->threshold >= 0) || !isfinite(o->threshold))
        return "threshold must be >= 0 (0 = automatic, from a robust noise estimate)";
    if (!(o->noise_mult > 0) || !isfinite(o->noise_mult))
        return "noise_mult must be > 0 (automatic threshold = noise_mult x noise sigma)";
    if (o->sample < 0) return "sample must be >= 0 (0 = every entry)";
    if (!(o->floor_frac >= 0 && o->floor_frac <= 1))
        return "floor_frac must be in [0, 1] (threshold floor as a fraction of the 99.9th "
               "percentile of |R|)";
    if (o->height < 0 || o->width < 0) return "frame height and width must be >= 0";
    if (o->clean & ~(LR_CLEAN_MEDIAN | LR_CLEAN_OPEN)) return "unknown clean-up flag";
    if (o->clean || o->height || o->width) {
        if (o->height <= 0 || o->width <= 0 || o->height * o->width != rows) {
            snprintf(buf, sizeof buf, "frame geometry %lld x %lld (height x width) does not "
                     "match %lld pixels per frame", (long long)o->height, (long long)o->width,
                     (long long)rows);
            return buf;
        }
    }
    return NULL;
}

/* k-th smallest of a[0..n) (Hoare quickselect; a is reordered). */
static double select_kth(double *a, int64_t n, int64_t k)
{
    int64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double piv = a[lo + (hi - lo) / 2];
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < piv) i++;
            while (a[j] > piv) j--;
            if (i <= j) {
                double t = a[i];
                a[i] = a[j], a[j] = t;
                i++, j--;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else break;
    }
    return a[k];
}

/* sigma and the 99.9th percentile of |R| over the sample. */
static lr_status noise(lr_ctx *ctx, const lr_mat *R, int64_t sample, double *sigma,
                       double *p999)
{
    const int64_t m = R->rows, N = R->rows * R->cols;
    *sigma = 0, *p999 = 0;
    if (N == 0) return LR_OK;
    int64_t cnt = (sample <= 0 || sample >= N) ? N : sample;
    double *a = lr__malloc(ctx, (size_t)cnt * sizeof(double), "noise estimate sample");
    if (!a) return LR_ERR_NOMEM;
    /* Every entry, or a golden-ratio (Weyl) sequence of positions: evenly
     * spread, no alignment with frame sizes, deterministic. */
    const double phi = 0.6180339887498949;
    int bad = 0;
#pragma omp parallel for schedule(static) num_threads(lr__threads(ctx)) reduction(| : bad)
    for (int64_t t = 0; t < cnt; t++) {
        int64_t idx = cnt == N ? t : (int64_t)(fmod(0.5 + (double)t * phi, 1.0) * (double)N);
        if (idx >= N) idx = N - 1;
        double v = fabs(lr_mat_get(R, idx % m, idx / m));
        if (!isfinite(v)) bad = 1;
        a[t] = v;
    }
    if (bad) {
        lr__free(ctx, a);
        return lr__err(ctx, LR_ERR_DATA, "mask: the residual contains NaN or Inf");
    }
    *sigma = 1.4826 * select_kth(a, cnt, cnt / 2);
    *p999 = select_kth(a, cnt, (int64_t)(0.999 * (double)(cnt - 1)));
    lr__free(ctx, a);
    return LR_OK;
}

lr_status lr_mask_noise(lr_ctx *ctx, const lr_mat *R, int64_t sample, double *sigma)
{
    lr_status st = lr_mat_check(ctx, R, "mask residual");
    if (st) return st;
    double p999;
    return noise(ctx, R, sample, sigma, &p999);
}

/* Box count over the in-frame 3x3 neighbourhood: cnt[y + x h] in 0..9.
 * vs: h*w scratch. */
static void box3(const uint8_t *in, int64_t h, int64_t w, uint8_t *vs, uint8_t *cnt)
{
    for (int64_t x = 0; x < w; x++) {
        const uint8_t *c = in + x * h;
        uint8_t *o = vs + x * h;
        for (int64_t y = 0; y < h; y++)
            o[y] = (uint8_t)((c[y] != 0) + (y > 0 && c[y - 1] != 0) + (y + 1 < h && c[y + 1] != 0));
    }
    for (int64_t x = 0; x < w; x++) {
        const uint8_t *c = vs + x * h, *l = x > 0 ? c - h : NULL, *r = x + 1 < w ? c + h : NULL;
        uint8_t *o = cnt + x * h;
        for (int64_t y = 0; y < h; y++)
            o[y] = (uint8_t)(c[y] + (l ? l[y] : 0) + (r ? r[y] : 0));
    }
}

/* In-frame neighbourhood size at (y, x). */
static inline int avail(int64_t y, int64_t x, int64_t h, int64_t w)
{
    int ny = 1 + (y > 0) + (y + 1 < h), nx = 1 + (x > 0) + (x + 1 < w);
    return ny * nx;
}

enum { OP_MEDIAN, OP_ERODE, OP_DILATE };

static void frame_op(uint8_t *f, int64_t h, int64_t w, int op, uint8_t *vs, uint8_t *cnt)
{
    box3(f, h, w, vs, cnt);
    for (int64_t x = 0; x < w; x++)
        for (int64_t y = 0; y < h; y++) {
            int c = cnt[y + x * h], a = avail(y, x, h, w);
            int on = op == OP_MEDIAN ? 2 * c > a : op == OP_ERODE ? c == a : c > 0;
            f[y + x * h] = on ? 255 : 0;
        }
}

lr_status lr_mask_clean(lr_ctx *ctx, uint8_t *mask, int64_t height, int64_t width,
                        int64_t frames, unsigned clean)
{
    if (clean & ~(LR_CLEAN_MEDIAN | LR_CLEAN_OPEN))
        return lr__err(ctx, LR_ERR_ARG, "mask clean-up: unknown flag %#x", clean);
    if (height < 0 || width < 0 || frames < 0 || (frames && (!height || !width)))
        return lr__err(ctx, LR_ERR_ARG, "mask clean-up: bad frame geometry %lld x %lld",
                       (long long)height, (long long)width);
    if (!clean || !frames) return LR_OK;
    if (!mask) return lr__err(ctx, LR_ERR_ARG, "mask clean-up: mask is NULL");
    const int nth = lr__threads(ctx);
    const int64_t hw = height * width;
    uint8_t *scr = lr__malloc(ctx, lr__bytes(2 * (int64_t)nth, hw, 1), "mask clean-up");
    if (!scr) return LR_ERR_NOMEM;
#pragma omp parallel num_threads(nth)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        uint8_t *vs = scr + (size_t)(2 * tid) * (size_t)hw, *cnt = vs + hw;
#pragma omp for schedule(static)
        for (int64_t j = 0; j < frames; j++) {
            uint8_t *f = mask + j * hw;
            if (clean & LR_CLEAN_MEDIAN) frame_op(f, height, width, OP_MEDIAN, vs, cnt);
            if (clean & LR_CLEAN_OPEN) {
                frame_op(f, height, width, OP_ERODE, vs, cnt);
                frame_op(f, height, width, OP_DILATE, vs, cnt);
            }
        }
    }
    lr__free(ctx, scr);
    return LR_OK;
}

lr_status lr_mask_compute(lr_ctx *ctx, const lr_mat *R, const lr_mask_opts *o, uint8_t *mask,
                          lr_mask_info *info)
{
    lr_status st;
    if ((st = lr_mat_check(ctx, R, "mask residual"))) return st;
    lr_mask_opts defo;
    if (!o) lr_mask_opts_default(&defo), o = &defo;
    const char *why = lr_mask_opts_check(o, R->rows, R->cols);
    if (why) return lr__err(ctx, LR_ERR_ARG, "mask: %s", why);
    if (!mask && R->rows && R->cols) return lr__err(ctx, LR_ERR_ARG, "mask: output is NULL");
    /* NaN/Inf: found by the sample or by the threshold pass itself (no
     * pass of its own: a single-threaded 80 ms on vtest 320x240); the
     * message, with the position, from lr_mat_check_finite. */
    double sigma = 0, p999 = 0, thr = o->threshold;
    if (thr <= 0) {
        if ((st = noise(ctx, R, o->sample, &sigma, &p999))) {
            lr_status s2 = st == LR_ERR_DATA ? lr_mat_check_finite(ctx, R, "mask residual") : LR_OK;
            return s2 ? s2 : st;
        }
        thr = LR_MAX(o->noise_mult * sigma, o->floor_frac * p999);
    }
    const int nth = lr__threads(ctx);
    int bad = 0;
    int64_t count = R->dtype == LR_F32 ? rpca__threshold_f32(R, thr, mask, nth, &bad)
                                       : rpca__threshold_f64(R, thr, mask, nth, &bad);
    if (bad) {
        st = lr_mat_check_finite(ctx, R, "mask residual");
        return st ? st : lr__err(ctx, LR_ERR_DATA, "mask residual contains NaN or Inf");
    }
    if (o->clean) {
        if ((st = lr_mask_clean(ctx, mask, o->height, o->width, R->cols, o->clean))) return st;
        const int64_t N = R->rows * R->cols;
        count = 0;
#pragma omp parallel for schedule(static) num_threads(nth) reduction(+ : count)
        for (int64_t i = 0; i < N; i++) count += mask[i] != 0;
    }
    if (info) {
        info->sigma = sigma;
        info->p999 = p999;
        info->threshold = thr;
        info->count = count;
        info->fraction = R->rows && R->cols ? (double)count / ((double)R->rows * R->cols) : 0;
    }
    return LR_OK;
}

static void ratios(lr_score *s)
{
    double tp = (double)s->tp;
    s->precision = s->tp + s->fp ? tp / (double)(s->tp + s->fp) : NAN;
    s->recall = s->tp + s->fn ? tp / (double)(s->tp + s->fn) : NAN;
    s->f1 = 2 * s->tp + s->fp + s->fn ? 2 * tp / (double)(2 * s->tp + s->fp + s->fn) : NAN;
}

lr_status lr_mask_score(lr_ctx *ctx, const uint8_t *mask, const uint8_t *truth, int64_t rows,
                        int64_t cols, lr_score *total, lr_score *per_frame)
{
    if (rows < 0 || cols < 0)
        return lr__err(ctx, LR_ERR_ARG, "score: negative size %lld x %lld", (long long)rows,
                       (long long)cols);
    if (rows && cols && (!mask || !truth))
        return lr__err(ctx, LR_ERR_ARG, "score: mask or truth is NULL");
    if (!total) return lr__err(ctx, LR_ERR_ARG, "score: total is NULL");
    int64_t tp = 0, fp = 0, fn = 0, tn = 0, ig = 0;
#pragma omp parallel for schedule(static) num_threads(lr__threads(ctx)) \
    reduction(+ : tp, fp, fn, tn, ig)
    for (int64_t j = 0; j < cols; j++) {
        const uint8_t *mk = mask + j * rows, *tr = truth + j * rows;
        lr_score s = {0};
        for (int64_t i = 0; i < rows; i++) {
            int det = mk[i] != 0;
            if (tr[i] == 255) det ? s.tp++ : s.fn++;
            else if (tr[i] == 0) det ? s.fp++ : s.tn++;
            else s.ignored++;
        }
        tp += s.tp, fp += s.fp, fn += s.fn, tn += s.tn, ig += s.ignored;
        if (per_frame) {
            ratios(&s);
            per_frame[j] = s;
        }
    }
    *total = (lr_score){tp, fp, fn, tn, ig, 0, 0, 0};
    ratios(total);
    return LR_OK;
}
