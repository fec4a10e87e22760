/* test_lrz.c -- .lrz files: write/read round trips for every encoding, the
 * quantization error bound, reconstruction against an independent rank-k
 * truncation from LAPACK's full SVD (LAPACKE_dgesdd), and refusal of every
 * kind of damaged file.  Factors come from LAPACK here, not from the
 * library's SVD, so this tests the file layer alone. */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

enum { H = 60, W = 45, C = 3 };

/* Full SVD of every channel of img by LAPACKE_dgesdd (double). */
typedef struct {
    double *U[C], *s[C], *Vt[C]; /* U: H x r, Vt: r x W, r = min(H, W) */
} full_svd;

static void svd_full(const lr_image *img, int nc, full_svd *f)
{
    const int r = H < W ? H : W;
    for (int c = 0; c < nc; c++) {
        double *A = malloc(sizeof(double) * H * W);
        lr_mat p = lr_image_plane(img, c);
        for (int j = 0; j < W; j++)
            for (int i = 0; i < H; i++) A[i + j * H] = lr_mat_get(&p, i, j);
        f->U[c] = malloc(sizeof(double) * H * r);
        f->Vt[c] = malloc(sizeof(double) * r * W);
        f->s[c] = malloc(sizeof(double) * r);
        int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', H, W, A, H, f->s[c], f->U[c], H,
                                  f->Vt[c], r);
        CHECK(info == 0, "dgesdd info %d", info);
        free(A);
    }
}

static void svd_free(full_svd *f, int nc)
{
    for (int c = 0; c < nc; c++) free(f->U[c]), free(f->s[c]), free(f->Vt[c]);
}

/* PSNR of the rank-k truncation (clamped to [0,1]) against img, computed in
 * double straight from the LAPACK factors. */
static double psnr_rank_k(const lr_image *img, int nc, const full_svd *f, int k)
{
    const int r = H < W ? H : W;
    double se = 0;
    for (int c = 0; c < nc; c++) {
        lr_mat p = lr_image_plane(img, c);
        for (int j = 0; j < W; j++)
            for (int i = 0; i < H; i++) {
                double v = 0;
                for (int l = 0; l < k; l++) v += f->U[c][i + l * H] * f->s[c][l] * f->Vt[c][l + j * r];
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                double d = v - lr_mat_get(&p, i, j);
                se += d * d;
            }
    }
    return -10 * log10(se / ((double)H * W * nc));
}

static lr_image *picture(lr_ctx *ctx, int nc, uint64_t seed)
{
    lr_image *img;
    lr_image_create(ctx, LR_F32, H, W, nc, &img);
    tu_rng rng = {seed};
    for (int c = 0; c < nc; c++) {
        lr_mat m = lr_image_plane(img, c);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                double v = 0.45 + 0.25 * sin(0.11 * x + c) * cos(0.07 * y) +
                           0.1 * ((x / 9 + y / 7) % 2) + 0.03 * tu_randn(&rng);
                lr_mat_set(&m, y, x, v);
            }
    }
    lr_image_quantize(ctx, img, 8);
    return img;
}

/* Builds an lrz handle of rank k from the LAPACK factors (as f64 views). */
static lr_status make_lrz(lr_ctx *ctx, const full_svd *f, int nc, int k, int bits, lr_lrz **z)
{
    const int r = H < W ? H : W;
    lr_mat U[C], Vt[C];
    const double *s[C];
    for (int c = 0; c < nc; c++) {
        U[c] = lr_mat_view(LR_F64, H, r, H, f->U[c]);
        Vt[c] = lr_mat_view(LR_F64, r, W, r, f->Vt[c]);
        s[c] = f->s[c];
    }
    return lr_lrz_create(ctx, H, W, nc, k, bits, U, s, Vt, z);
}

static int same_image(const lr_image *a, const lr_image *b)
{
    if (lr_image_channels(a) != lr_image_channels(b)) return 0;
    for (int c = 0; c < lr_image_channels(a); c++) {
        lr_mat pa = lr_image_plane(a, c), pb = lr_image_plane(b, c);
        for (int j = 0; j < W; j++)
            for (int i = 0; i < H; i++)
                if (lr_mat_get(&pa, i, j) != lr_mat_get(&pb, i, j)) return 0;
    }
    return 1;
}

static void test_roundtrip(lr_ctx *ctx, const char *dir)
{
    lr_image *img = picture(ctx, C, 7);
    full_svd f;
    svd_full(img, C, &f);
    const int k = 12;
    double ref = psnr_rank_k(img, C, &f, k);
    int bits[3] = {32, 16, 8};
    size_t sizes[3] = {0};
    for (int b = 0; b < 3; b++) {
        lr_lrz *z = NULL, *back = NULL;
        CHECK_OK(ctx, make_lrz(ctx, &f, C, k, bits[b], &z));
        if (!z) continue;
        CHECK(lr_lrz_rank(z) == k && lr_lrz_bits(z) == bits[b] && lr_lrz_channels(z) == C,
              "handle fields");
        /* Quantization error: at most half a step per entry. */
        double worst = 0;
        for (int c = 0; c < C; c++) {
            lr_mat u = lr_lrz_u(z, c);
            for (int j = 0; j < k; j++) {
                double lo = 1e9, hi = -1e9;
                for (int i = 0; i < H; i++) {
                    double v = f.U[c][i + j * H];
                    lo = v < lo ? v : lo, hi = v > hi ? v : hi;
                }
                double step = bits[b] == 32 ? 0 : (hi - lo) / ((1 << bits[b]) - 1);
                for (int i = 0; i < H; i++) {
                    double e = fabs(lr_mat_get(&u, i, j) - f.U[c][i + j * H]);
                    double allowed = step / 2 * (1 + 1e-5) + 1e-7 * fabs(f.U[c][i + j * H]) + 1e-9;
                    if (e / allowed > worst) worst = e / allowed;
                }
            }
        }
        CHECK(worst <= 1.0, "%d-bit: quantization error within half a step (worst %.3f of "
              "the bound)", bits[b], worst);

        char path[512];
        snprintf(path, sizeof path, "%s/rt%d.lrz", dir, bits[b]);
        int64_t bytes = 0;
        CHECK_OK(ctx, lr_lrz_write(ctx, z, path, 0, 0, &bytes));
        sizes[b] = (size_t)bytes;
        CHECK_OK(ctx, lr_lrz_read(ctx, path, 0, &back));
        if (back) {
            CHECK(lr_lrz_height(back) == H && lr_lrz_width(back) == W && lr_lrz_rank(back) == k &&
                  lr_lrz_bits(back) == bits[b], "header round trip");
            lr_image *r1 = NULL, *r2 = NULL;
            CHECK_OK(ctx, lr_lrz_reconstruct(ctx, z, 0, LR_F32, &r1));
            CHECK_OK(ctx, lr_lrz_reconstruct(ctx, back, 0, LR_F32, &r2));
            CHECK(r1 && r2 && same_image(r1, r2), "%d-bit: file decodes bit-identical to the "
                  "handle that wrote it", bits[b]);
            /* Same bits whatever the thread count. */
            lr_image *r3 = NULL;
            lr_ctx_set_threads(ctx, 3);
            CHECK_OK(ctx, lr_lrz_reconstruct(ctx, back, 0, LR_F32, &r3));
            lr_ctx_set_threads(ctx, 1);
            lr_image *r4 = NULL;
            CHECK_OK(ctx, lr_lrz_reconstruct(ctx, back, 0, LR_F32, &r4));
            lr_ctx_set_threads(ctx, 0);
            CHECK(r3 && r4 && same_image(r3, r4) && same_image(r2, r4),
                  "reconstruction independent of the thread count");
            lr_image_destroy(r3);
            lr_image_destroy(r4);
            double p;
            CHECK_OK(ctx, lr_image_psnr(ctx, img, r2, &p, NULL));
            double tol = bits[b] == 32 ? 0.01 : bits[b] == 16 ? 0.02 : 0.2;
            CHECK(fabs(p - ref) < tol, "%d-bit: PSNR %.4f dB vs LAPACK rank-%d truncation "
                  "%.4f dB (tolerance %.2f)", bits[b], p, k, ref, tol);
            CHECK(p > 20, "PSNR sensible: %.2f", p);
            /* Prefix reconstruction = a file written at that rank. */
            lr_image *r5 = NULL, *r5f = NULL;
            void *buf;
            size_t len;
            lr_lrz *z5 = NULL;
            CHECK_OK(ctx, lr_lrz_reconstruct(ctx, back, 5, LR_F64, &r5));
            CHECK_OK(ctx, lr_lrz_encode(ctx, z, 5, 3, &buf, &len));
            CHECK_OK(ctx, lr_lrz_read_mem(ctx, buf, len, "k5", 0, &z5));
            if (z5) {
                CHECK(lr_lrz_rank(z5) == 5, "truncated encode has rank 5");
                CHECK_OK(ctx, lr_lrz_reconstruct(ctx, z5, 0, LR_F64, &r5f));
                CHECK(r5 && r5f && same_image(r5, r5f), "prefix reconstruction equals the "
                      "rank-5 file");
                double p5;
                lr_image_psnr(ctx, img, r5f, &p5, NULL);
                double ref5 = psnr_rank_k(img, C, &f, 5);
                CHECK(fabs(p5 - ref5) < (bits[b] == 8 ? 0.2 : 0.02), "rank-5 PSNR %.4f vs %.4f",
                      p5, ref5);
            }
            lr_lrz_free_buffer(ctx, buf);
            lr_lrz_destroy(z5);
            lr_image_destroy(r5);
            lr_image_destroy(r5f);
            lr_image_destroy(r1);
            lr_image_destroy(r2);
        }
        lr_lrz_destroy(z);
        lr_lrz_destroy(back);
    }
    CHECK(sizes[0] > sizes[1] && sizes[1] > sizes[2], "fewer bits, smaller file: %zu %zu %zu",
          sizes[0], sizes[1], sizes[2]);
    /* Gray (1 channel) works too. */
    lr_lrz *z1 = NULL;
    CHECK_OK(ctx, make_lrz(ctx, &f, 1, 3, 16, &z1));
    lr_image *g = NULL;
    CHECK_OK(ctx, lr_lrz_reconstruct(ctx, z1, 0, LR_F32, &g));
    CHECK(g && lr_image_channels(g) == 1, "one channel");
    lr_image_destroy(g);
    lr_lrz_destroy(z1);
    svd_free(&f, C);
    lr_image_destroy(img);
}

static void test_arguments(lr_ctx *ctx)
{
    lr_image *img = picture(ctx, 1, 3);
    full_svd f;
    svd_full(img, 1, &f);
    lr_lrz *z = NULL;
    CHECK(make_lrz(ctx, &f, 1, 0, 16, &z) == LR_ERR_ARG, "k = 0 refused");
    CHECK(make_lrz(ctx, &f, 1, 46, 16, &z) == LR_ERR_ARG, "k > min(H, W) refused: %s",
          lr_ctx_errmsg(ctx));
    CHECK(make_lrz(ctx, &f, 1, 5, 12, &z) == LR_ERR_ARG, "bits 12 refused");
    f.s[0][1] = NAN;
    CHECK(make_lrz(ctx, &f, 1, 5, 16, &z) == LR_ERR_DATA, "NaN sigma refused");
    f.s[0][1] = 1;
    f.U[0][3] = INFINITY;
    CHECK(make_lrz(ctx, &f, 1, 5, 16, &z) == LR_ERR_DATA, "Inf in U refused");
    CHECK(z == NULL, "no handle on failure");
    svd_free(&f, 1);
    lr_image_destroy(img);
    lr_lrz_destroy(NULL);
}

/* ---- damaged files ---------------------------------------------------------- */
static uint32_t crc32_ref(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}
static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void fix_crc(unsigned char *b) { le32(b + 60, crc32_ref(b, 60)); }

static void expect_refused(lr_ctx *ctx, const unsigned char *b, size_t n, const char *what,
                           const char *needle)
{
    lr_lrz *z = NULL;
    lr_status s = lr_lrz_read_mem(ctx, b, n, "damaged.lrz", 0, &z);
    CHECK(s == LR_ERR_FORMAT && z == NULL, "%s refused (%s: %s)", what, lr_status_str(s),
          lr_ctx_errmsg(ctx));
    CHECK(strstr(lr_ctx_errmsg(ctx), "damaged.lrz") != NULL, "%s: message names the file", what);
    if (needle)
        CHECK(strstr(lr_ctx_errmsg(ctx), needle) != NULL, "%s: message '%s' mentions '%s'", what,
              lr_ctx_errmsg(ctx), needle);
    lr_lrz_destroy(z);
}

static void test_damage(lr_ctx *ctx, const char *dir)
{
    lr_image *img = picture(ctx, C, 11);
    full_svd f;
    svd_full(img, C, &f);
    lr_lrz *z = NULL;
    CHECK_OK(ctx, make_lrz(ctx, &f, C, 8, 16, &z));
    void *buf;
    size_t len;
    CHECK_OK(ctx, lr_lrz_encode(ctx, z, 0, 0, &buf, &len));
    unsigned char *good = buf, *b = malloc(len + 16);

    /* The documented layout, checked from outside. */
    CHECK(!memcmp(good, "\x89LRZ\r\n\x1a\n", 8), "magic");
    CHECK(good[8] == 1 && good[12] == 16 && good[16] == H && good[24] == W && good[32] == C &&
          good[40] == 8, "header fields at their documented offsets");
    CHECK(crc32_ref(good, 60) == (uint32_t)(good[60] | good[61] << 8 | good[62] << 16 |
                                            (uint32_t)good[63] << 24), "header CRC-32");
    CHECK(good[64] == 0x28 && good[65] == 0xB5 && good[66] == 0x2F && good[67] == 0xFD,
          "zstd frame magic at byte 64");

    lr_lrz *ok = NULL;
    CHECK_OK(ctx, lr_lrz_read_mem(ctx, good, len, "good.lrz", 0, &ok));
    lr_lrz_destroy(ok);

    expect_refused(ctx, good, 0, "empty", "empty");
    for (size_t cut = 1; cut < len; cut += (cut < 80 ? 7 : len / 9))
        expect_refused(ctx, good, cut, "truncated", "truncated");
    memcpy(b, good, len);
    b[len] = 0;
    expect_refused(ctx, b, len + 1, "trailing byte", "after the data");

    memcpy(b, good, len);
    b[2] = 'X';
    expect_refused(ctx, b, len, "bad magic", "not a .lrz");

    memcpy(b, good, len);
    le32(b + 8, 2);
    fix_crc(b);
    expect_refused(ctx, b, len, "future version", "version 2");

    memcpy(b, good, len);
    b[20] ^= 0x01; /* height: CRC no longer matches */
    expect_refused(ctx, b, len, "corrupt header", "CRC");

    memcpy(b, good, len);
    le64(b + 40, 9); /* rank 9 with a correct CRC: the payload is too short */
    fix_crc(b);
    expect_refused(ctx, b, len, "rank disagreeing with the payload", "disagrees");

    memcpy(b, good, len);
    le64(b + 16, (uint64_t)1 << 40);
    le64(b + 24, (uint64_t)1 << 40);
    fix_crc(b);
    expect_refused(ctx, b, len, "absurd size", "pixels");

    memcpy(b, good, len);
    le32(b + 12, 12);
    fix_crc(b);
    expect_refused(ctx, b, len, "unknown encoding", "encoding");

    memcpy(b, good, len);
    le32(b + 56, 1);
    fix_crc(b);
    expect_refused(ctx, b, len, "unknown flags", "flags");

    /* Every single-byte corruption of the payload is caught (checksum or
     * zstd's own checks), sampled across the frame. */
    int caught = 0, tried = 0;
    for (size_t pos = 64; pos < len; pos += 1 + (len - 64) / 40) {
        memcpy(b, good, len);
        b[pos] ^= 0x5A;
        lr_lrz *bad = NULL;
        lr_status s = lr_lrz_read_mem(ctx, b, len, "flip.lrz", 0, &bad);
        tried++;
        caught += (s == LR_ERR_FORMAT && bad == NULL);
        lr_lrz_destroy(bad);
    }
    CHECK(caught == tried, "payload byte flips detected: %d of %d", caught, tried);
    /* A flip deep inside the compressed blocks is reported as a checksum
     * mismatch or a corrupt block. */
    memcpy(b, good, len);
    b[len - 10] ^= 0x01;
    expect_refused(ctx, b, len, "payload flip", "corrupt");

    /* Through files: missing and damaged. */
    lr_lrz *zz = NULL;
    CHECK(lr_lrz_read(ctx, "/nonexistent/x.lrz", 0, &zz) == LR_ERR_IO, "missing file: %s",
          lr_ctx_errmsg(ctx));
    char path[512];
    snprintf(path, sizeof path, "%s/flip.lrz", dir);
    FILE *fp = fopen(path, "wb");
    fwrite(b, 1, len, fp);
    fclose(fp);
    CHECK(lr_lrz_read(ctx, path, 0, &zz) == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), path),
          "damaged file: %s", lr_ctx_errmsg(ctx));
    snprintf(path, sizeof path, "%s/notlrz.lrz", dir);
    fp = fopen(path, "wb");
    fputs("plain text, not an lrz file at all\n", fp);
    fclose(fp);
    CHECK(lr_lrz_read(ctx, path, 0, &zz) == LR_ERR_FORMAT && strstr(lr_ctx_errmsg(ctx), "not a .lrz"),
          "text file: %s", lr_ctx_errmsg(ctx));
    /* Writing into a missing folder fails and leaves nothing. */
    CHECK(lr_lrz_write(ctx, z, "/nonexistent-dir/x.lrz", 0, 1, NULL) == LR_ERR_IO,
          "unwritable output: %s", lr_ctx_errmsg(ctx));

    free(b);
    lr_lrz_free_buffer(ctx, buf);
    lr_lrz_destroy(z);
    svd_free(&f, C);
    lr_image_destroy(img);
}

/* Reconstruction of a wide image (several 128-column blocks) gives the
 * same bits for 1 and 3 threads, and matches a plain double sum. */
static void test_threads(lr_ctx *ctx)
{
    enum { HH = 37, WW = 300, K = 4 };
    static double U[HH * K], Vt[K * WW], s[K] = {3, 2, 1, 0.5};
    tu_rng r = {5};
    for (int i = 0; i < HH * K; i++) U[i] = 0.2 * tu_randn(&r);
    for (int i = 0; i < K * WW; i++) Vt[i] = 0.2 * tu_randn(&r);
    lr_mat u = lr_mat_view(LR_F64, HH, K, HH, U), vt = lr_mat_view(LR_F64, K, WW, K, Vt);
    const double *sp[1] = {s};
    lr_lrz *z = NULL;
    CHECK_OK(ctx, lr_lrz_create(ctx, HH, WW, 1, K, 32, &u, sp, &vt, &z));
    if (!z) return;
    lr_image *a = NULL, *b = NULL;
    lr_ctx_set_threads(ctx, 1);
    CHECK_OK(ctx, lr_lrz_reconstruct(ctx, z, 0, LR_F64, &a));
    lr_ctx_set_threads(ctx, 3);
    CHECK_OK(ctx, lr_lrz_reconstruct(ctx, z, 0, LR_F64, &b));
    lr_ctx_set_threads(ctx, 0);
    int same = a && b, close = same;
    for (int j = 0; same && j < WW; j++)
        for (int i = 0; i < HH; i++) {
            lr_mat pa = lr_image_plane(a, 0), pb = lr_image_plane(b, 0);
            double va = lr_mat_get(&pa, i, j);
            if (va != lr_mat_get(&pb, i, j)) same = 0;
            double ref = 0;
            for (int l = 0; l < K; l++) ref += U[i + l * HH] * s[l] * Vt[l + j * K];
            ref = ref < 0 ? 0 : ref > 1 ? 1 : ref;
            if (fabs(va - ref) > 1e-5) close = 0;
        }
    CHECK(same, "1 and 3 threads give the same bits over several column blocks");
    CHECK(close, "reconstruction matches the clamped double sum");
    lr_image_destroy(a);
    lr_image_destroy(b);
    lr_lrz_destroy(z);
}

int main(void)
{
    lr_ctx *ctx = lr_ctx_create();
    char dir[128];
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    test_roundtrip(ctx, dir);
    test_arguments(ctx);
    test_threads(ctx);
    test_damage(ctx, dir);
    lr_ctx_destroy(ctx);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) {}
    return tu_done("test_lrz");
}
