/* test_mask.c -- foreground masks, clean-up and scoring; robust PCA and the
 * low-rank background on a synthetic video with exact ground truth
 * (tests/support/synthvid.h).
 *
 * Independent references: the generator's truth masks; a direct count of
 * true/false positives written here for F1; brute-force 3x3 neighbourhood
 * loops for the clean-up; LAPACK's SVD for the optimal rank-k error. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "synthvid.h"
#include "testutil.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* F1 the plain way: every pixel, CDnet rules spelled out. */
static double f1_direct(const uint8_t *mask, const uint8_t *truth, int64_t n, double *prec,
                        double *rec)
{
    double tp = 0, fp = 0, fn = 0;
    for (int64_t i = 0; i < n; i++) {
        if (truth[i] != 0 && truth[i] != 255) continue;
        int fg = truth[i] == 255, det = mask[i] > 0;
        if (fg && det) tp++;
        if (!fg && det) fp++;
        if (fg && !det) fn++;
    }
    if (prec) *prec = tp / (tp + fp);
    if (rec) *rec = tp / (tp + fn);
    return 2 * tp / (2 * tp + fp + fn);
}

/* Brute-force 3x3 clean-up of one h x w frame (column-major). */
static void clean_direct(uint8_t *f, int64_t h, int64_t w, int op /* 0 med, 1 erode, 2 dilate */)
{
    uint8_t *o = malloc(h * w);
    for (int64_t x = 0; x < w; x++)
        for (int64_t y = 0; y < h; y++) {
            int c = 0, a = 0;
            for (int dx = -1; dx <= 1; dx++)
                for (int dy = -1; dy <= 1; dy++) {
                    int64_t yy = y + dy, xx = x + dx;
                    if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
                    a++;
                    c += f[yy + xx * h] != 0;
                }
            int on = op == 0 ? 2 * c > a : op == 1 ? c == a : c > 0;
            o[y + x * h] = on ? 255 : 0;
        }
    memcpy(f, o, h * w);
    free(o);
}

static void test_scoring(lr_ctx *ctx)
{
    /* 2 frames of 4 pixels; truth 170/50/85 ignored. */
    uint8_t truth[8] = {255, 255, 0, 170, 0, 0, 50, 85};
    uint8_t mask[8] = {255, 0, 255, 255, 0, 0, 255, 255};
    lr_score tot, pf[2];
    CHECK_OK(ctx, lr_mask_score(ctx, mask, truth, 4, 2, &tot, pf));
    CHECK(tot.tp == 1 && tot.fn == 1 && tot.fp == 1 && tot.tn == 2 && tot.ignored == 3,
          "counts tp %lld fn %lld fp %lld tn %lld ign %lld", (long long)tot.tp,
          (long long)tot.fn, (long long)tot.fp, (long long)tot.tn, (long long)tot.ignored);
    CHECK(fabs(tot.precision - 0.5) < 1e-15 && fabs(tot.recall - 0.5) < 1e-15 &&
              fabs(tot.f1 - 0.5) < 1e-15, "ratios %g %g %g", tot.precision, tot.recall, tot.f1);
    /* Frame 1: no foreground in truth, none detected: ratios undefined. */
    CHECK(pf[1].tp == 0 && pf[1].fp == 0 && isnan(pf[1].precision) && isnan(pf[1].recall) &&
              isnan(pf[1].f1), "empty frame gives NaN ratios");
    CHECK(pf[0].tp == 1 && pf[0].fp == 1 && pf[0].fn == 1 && pf[0].ignored == 1, "frame 0");
    CHECK(lr_mask_score(ctx, mask, truth, 4, 2, NULL, NULL) == LR_ERR_ARG, "NULL total refused");
}

static void test_threshold_noise_clean(lr_ctx *ctx)
{
    /* Noise estimate of a Gaussian matrix: sigma within 2%. */
    lr_mat R;
    lr_mat_alloc(ctx, LR_F64, 1000, 300, &R);
    tu_rng g = {77};
    for (int64_t i = 0; i < 300000; i++) ((double *)R.data)[i] = 0.3 * tu_randn(&g);
    double sig;
    CHECK_OK(ctx, lr_mask_noise(ctx, &R, 0, &sig));
    CHECK(fabs(sig - 0.3) < 0.006, "sigma (all entries) %.4f vs 0.3", sig);
    CHECK_OK(ctx, lr_mask_noise(ctx, &R, 20000, &sig));
    CHECK(fabs(sig - 0.3) < 0.012, "sigma (20000 samples) %.4f vs 0.3", sig);
    /* 10% gross outliers barely move it. */
    for (int64_t i = 0; i < 300000; i += 10) ((double *)R.data)[i] = 50;
    CHECK_OK(ctx, lr_mask_noise(ctx, &R, 0, &sig));
    CHECK(fabs(sig - 0.3) < 0.05, "sigma with outliers %.4f", sig);

    /* Automatic threshold = max(4 sigma, 0.1 p999): here the 10% outliers
     * at 50 make p999 = 50, so the floor (5) decides; all outliers and no
     * Gaussian entry (16 sigma) pass. */
    uint8_t *mk = malloc(300000);
    lr_mask_opts mo;
    lr_mask_opts_default(&mo);
    lr_mask_info info;
    CHECK_OK(ctx, lr_mask_compute(ctx, &R, &mo, mk, &info));
    CHECK(info.p999 == 50 && fabs(info.threshold - fmax(4 * info.sigma, 0.1 * info.p999)) < 1e-12,
          "threshold %g sigma %g p999 %g", info.threshold, info.sigma, info.p999);
    int64_t c = 0, c50 = 0;
    for (int64_t i = 0; i < 300000; i++) {
        c += mk[i] == 255;
        c50 += mk[i] == 255 && ((double *)R.data)[i] == 50;
        CHECK(mk[i] == 0 || mk[i] == 255, "mask values 0/255");
        if (mk[i] != 0 && mk[i] != 255) break;
    }
    CHECK(c == info.count && c50 == 30000 && c == 30000, "count %lld (outliers found %lld)",
          (long long)c, (long long)c50);
    /* Without the floor: 4 sigma, which lets a few Gaussian entries through. */
    mo.floor_frac = 0;
    CHECK_OK(ctx, lr_mask_compute(ctx, &R, &mo, mk, &info));
    CHECK(fabs(info.threshold - 4 * info.sigma) < 1e-12 && info.count >= 30000 &&
              info.count < 30100, "4 sigma: threshold %g count %lld", info.threshold,
          (long long)info.count);
    /* Quantized residual: 70% exact zeros, the rest at one quantum (1/255),
     * 2% foreground at 0.4: sigma = 0 and the floor (0.04) separates them. */
    for (int64_t i = 0; i < 300000; i++)
        ((double *)R.data)[i] = i % 10 < 7 ? 0 : (i % 50 == 9 ? 0.4 : (i % 2 ? 1 : -1) / 255.0);
    lr_mask_opts_default(&mo);
    CHECK_OK(ctx, lr_mask_compute(ctx, &R, &mo, mk, &info));
    CHECK(info.sigma == 0 && fabs(info.threshold - 0.04) < 1e-12 && info.count == 6000,
          "quantized: sigma %g threshold %g count %lld", info.sigma, info.threshold,
          (long long)info.count);
    lr_mask_opts_default(&mo);
    for (int64_t i = 0; i < 300000; i++) ((double *)R.data)[i] = i % 10 ? 0.3 * tu_randn(&g) : 50;
    mo.threshold = 10;
    CHECK_OK(ctx, lr_mask_compute(ctx, &R, &mo, mk, &info));
    CHECK(info.count == 30000 && info.threshold == 10, "explicit threshold count %lld",
          (long long)info.count);
    /* Geometry must match when cleaning. */
    mo.clean = LR_CLEAN_MEDIAN, mo.height = 30, mo.width = 30;
    CHECK(lr_mask_compute(ctx, &R, &mo, mk, &info) == LR_ERR_ARG, "bad geometry refused");
    CHECK(strstr(lr_ctx_errmsg(ctx), "1000") != NULL, "message: %s", lr_ctx_errmsg(ctx));
    lr_mask_opts_default(&mo), mo.noise_mult = 0;
    CHECK(lr_mask_opts_check(&mo, 1000, 300) != NULL, "noise_mult 0 refused");
    lr_mask_opts_default(&mo), mo.floor_frac = 2;
    CHECK(lr_mask_opts_check(&mo, 1000, 300) != NULL, "floor_frac 2 refused");
    /* NaN in the residual refused. */
    lr_mask_opts_default(&mo);
    ((double *)R.data)[1234] = NAN;
    CHECK(lr_mask_compute(ctx, &R, &mo, mk, &info) == LR_ERR_DATA, "NaN refused");
    CHECK(strstr(lr_ctx_errmsg(ctx), "NaN at row 234, column 1"), "NaN position: %s",
          lr_ctx_errmsg(ctx));
    /* With a threshold given there is no sample: the threshold pass finds it. */
    ((double *)R.data)[1234] = 0;
    ((double *)R.data)[299 * 1000 + 999] = -INFINITY;
    mo.threshold = 0.5;
    CHECK(lr_mask_compute(ctx, &R, &mo, mk, &info) == LR_ERR_DATA &&
              strstr(lr_ctx_errmsg(ctx), "Inf at row 999, column 299"),
          "Inf in the last entry, explicit threshold: %s", lr_ctx_errmsg(ctx));
    free(mk);
    lr_mat_free(ctx, &R);

    /* Clean-up against brute force on random masks of odd shapes. */
    const int64_t h = 13, w = 17, F = 5;
    uint8_t *a = malloc(h * w * F), *b = malloc(h * w * F);
    for (int64_t i = 0; i < h * w * F; i++) a[i] = tu_rand01(&g) < 0.4 ? 255 : 0;
    for (unsigned cl = 1; cl <= 3; cl++) {
        memcpy(b, a, h * w * F);
        CHECK_OK(ctx, lr_mask_clean(ctx, b, h, w, F, cl));
        int same = 1;
        for (int64_t f = 0; f < F; f++) {
            uint8_t *ref = malloc(h * w);
            memcpy(ref, a + f * h * w, h * w);
            if (cl & LR_CLEAN_MEDIAN) clean_direct(ref, h, w, 0);
            if (cl & LR_CLEAN_OPEN) clean_direct(ref, h, w, 1), clean_direct(ref, h, w, 2);
            same &= !memcmp(ref, b + f * h * w, h * w);
            free(ref);
        }
        CHECK(same, "clean-up %u differs from brute force", cl);
    }
    /* Opening removes a 2-pixel line and keeps a 4x4 block; median removes
     * an isolated pixel. */
    memset(a, 0, h * w);
    for (int y = 2; y < 6; y++)
        for (int x = 2; x < 6; x++) a[y + x * h] = 255;
    for (int x = 8; x < 16; x++) a[10 + x * h] = a[11 + x * h] = 255;
    a[0 + 12 * h] = 255;
    memcpy(b, a, h * w);
    CHECK_OK(ctx, lr_mask_clean(ctx, b, h, w, 1, LR_CLEAN_OPEN));
    CHECK(b[3 + 3 * h] == 255 && b[2 + 2 * h] == 255 && b[10 + 10 * h] == 0, "opening");
    memcpy(b, a, h * w);
    CHECK_OK(ctx, lr_mask_clean(ctx, b, h, w, 1, LR_CLEAN_MEDIAN));
    CHECK(b[0 + 12 * h] == 0 && b[3 + 3 * h] == 255, "median");
    free(a), free(b);
}

/* ||A||_F^2 - sum of the k largest sigma^2 = optimal rank-k error^2 (LAPACK). */
static double opt_err2(const lr_mat *A, int64_t k)
{
    int64_t m = A->rows, n = A->cols, mn = m < n ? m : n;
    double *a = malloc(m * n * 8), *s = malloc(mn * 8), tail = 0;
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) a[i + j * m] = lr_mat_get(A, i, j);
    LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', m, n, a, m, s, NULL, 1, NULL, 1);
    for (int64_t i = k; i < mn; i++) tail += s[i] * s[i];
    free(a), free(s);
    return tail;
}

static void test_video(lr_ctx *ctx)
{
    synthvid v;
    synthvid_opts so;
    synthvid_opts_default(&so);
    CHECK_OK(ctx, synthvid_make(ctx, &so, LR_F32, &v));
    const int64_t P = v.height * v.width, F = v.frames, N = P * F;
    printf("synthetic video %lldx%lld, %lld frames, %.1f%% foreground\n", (long long)v.width,
           (long long)v.height, (long long)F, 100 * v.fg_fraction);
    CHECK(v.fg_fraction > 0.03 && v.fg_fraction < 0.3, "foreground share %.3f", v.fg_fraction);
    uint8_t *mask = malloc(N);

    /* Robust PCA. */
    lr_rpca_opts ro;
    lr_rpca_opts_default(&ro);
    lr_rpca *rp = NULL;
    double t0 = now();
    CHECK_OK(ctx, lr_rpca_compute(ctx, &v.M, &ro, &rp));
    double dt = now() - t0;
    if (rp) {
        printf("  rpca: %d iterations, %d SVDs, %.3f s, residual %.2e, rank %lld, nnz(S) %.1f%%\n",
               lr_rpca_iterations(rp), lr_rpca_svd_calls(rp), dt, lr_rpca_residual(rp),
               (long long)lr_rpca_rank(rp), 100.0 * lr_rpca_nnz(rp) / N);
        lr_mat S = lr_rpca_s(rp);
        /* The default mask (4 sigma, no clean-up) and the clean-up variants. */
        const unsigned cleans[] = {LR_CLEAN_NONE, LR_CLEAN_MEDIAN, LR_CLEAN_OPEN};
        for (int ci = 0; ci < 3; ci++) {
            lr_mask_opts mo;
            lr_mask_opts_default(&mo);
            mo.height = v.height, mo.width = v.width;
            mo.clean = cleans[ci];
            lr_mask_info info;
            CHECK_OK(ctx, lr_mask_compute(ctx, &S, &mo, mask, &info));
            lr_score tot;
            lr_score *pf = malloc(F * sizeof *pf);
            CHECK_OK(ctx, lr_mask_score(ctx, mask, v.truth, P, F, &tot, pf));
            double pr, rc, f1 = f1_direct(mask, v.truth, N, &pr, &rc);
            CHECK(fabs(f1 - tot.f1) < 1e-12 && fabs(pr - tot.precision) < 1e-12 &&
                      fabs(rc - tot.recall) < 1e-12,
                  "F1 %.15f vs direct %.15f", tot.f1, f1);
            int pf_ok = 1;
            for (int64_t f = 0; f < F; f++) {
                double ff = f1_direct(mask + f * P, v.truth + f * P, P, NULL, NULL);
                pf_ok &= (isnan(ff) && isnan(pf[f].f1)) || fabs(ff - pf[f].f1) < 1e-12;
            }
            CHECK(pf_ok, "per-frame F1 agrees with the direct count");
            free(pf);
            printf("  rpca mask (4 sigma, clean %u): sigma %.4f thr %.4f, %.1f%% set, P %.3f "
                   "R %.3f F1 %.3f\n",
                   cleans[ci], info.sigma, info.threshold, 100 * info.fraction, tot.precision,
                   tot.recall, tot.f1);
            CHECK(fabs(info.sigma - so.noise) < 0.2 * so.noise,
                  "noise estimate from S %.4f vs the generator's %.4f", info.sigma, so.noise);
            CHECK(tot.f1 >= 0.9, "rpca mask F1 %.3f < 0.9 (clean %u)", tot.f1, cleans[ci]);
        }
    }
    lr_rpca_destroy(rp);

    /* Low-rank background: one SVD at k_max, truncated. */
    lr_svd *bg = NULL;
    t0 = now();
    CHECK_OK(ctx, lr_bg_compute(ctx, &v.M, 10, NULL, &bg));
    dt = now() - t0;
    if (bg) {
        lr_mat Fg, B;
        lr_mat_alloc(ctx, LR_F32, P, F, &Fg);
        lr_mat_alloc(ctx, LR_F32, P, F, &B);
        const int64_t ks[] = {1, 2, 3, 5, 10};
        for (int ki = 0; ki < 5; ki++) {
            int64_t k = ks[ki];
            CHECK_OK(ctx, lr_bg_foreground(ctx, bg, k, &v.M, &Fg));
            CHECK_OK(ctx, lr_bg_expand(ctx, bg, k, 0, 0, &B));
            /* B_k + F = M, and B_k is near the optimal rank-k approximation. */
            double d = 0, e2 = 0;
            for (int64_t j = 0; j < F; j++)
                for (int64_t i = 0; i < P; i++) {
                    double f = lr_mat_get(&Fg, i, j);
                    d = fmax(d, fabs(lr_mat_get(&B, i, j) + f - lr_mat_get(&v.M, i, j)));
                    e2 += f * f;
                }
            CHECK(d < 1e-5, "B + F - M = %.3e", d);
            double o2 = opt_err2(&v.M, k);
            CHECK(sqrt(e2) <= 1.01 * sqrt(o2), "rank %lld error %.6g vs optimal %.6g",
                  (long long)k, sqrt(e2), sqrt(o2));
            lr_mask_opts mo;
            lr_mask_opts_default(&mo);
            lr_mask_info info;
            CHECK_OK(ctx, lr_mask_compute(ctx, &Fg, &mo, mask, &info));
            lr_score tot;
            CHECK_OK(ctx, lr_mask_score(ctx, mask, v.truth, P, F, &tot, NULL));
            double f1 = f1_direct(mask, v.truth, N, NULL, NULL);
            CHECK(fabs(f1 - tot.f1) < 1e-12, "svd F1 %.15f vs direct %.15f", tot.f1, f1);
            printf("  svd background k=%lld (SVD %.3f s): error/optimal %.4f, sigma %.4f, P %.3f "
                   "R %.3f F1 %.3f\n",
                   (long long)k, dt, sqrt(e2 / o2), info.sigma, tot.precision, tot.recall,
                   tot.f1);
        }
        CHECK(lr_bg_expand(ctx, bg, 11, 0, 0, &B) == LR_ERR_ARG, "k > k_max refused");
        /* In place: F = M. */
        lr_mat Mc;
        lr_mat_alloc(ctx, LR_F32, P, F, &Mc);
        lr_mat_copy(ctx, &v.M, &Mc);
        CHECK_OK(ctx, lr_bg_foreground(ctx, bg, 2, &Mc, &Mc));
        CHECK_OK(ctx, lr_bg_foreground(ctx, bg, 2, &v.M, &Fg));
        CHECK(!memcmp(Mc.data, Fg.data, N * 4), "in-place foreground = out-of-place");
        lr_mat part = lr_mat_block(&Mc, 1, 0, P - 1, F);
        lr_mat part2 = lr_mat_block(&Mc, 0, 0, P - 1, F);
        (void)part2;
        CHECK(lr_bg_foreground(ctx, bg, 2, &v.M, &part) == LR_ERR_ARG, "shape mismatch refused");
        lr_mat_free(ctx, &Mc);
        lr_mat_free(ctx, &Fg);
        lr_mat_free(ctx, &B);
    }
    lr_svd_destroy(bg);
    free(mask);
    synthvid_free(ctx, &v);
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 2);
    test_scoring(ctx);
    test_threshold_noise_clean(ctx);
    test_video(ctx);
    lr_ctx_destroy(ctx);
    return tu_done("test_mask");
}
