/* test_cli_compress.c -- end-to-end tests of `lowrank compress` and
 * `lowrank decompress` through the real binary (LOWRANK_BIN).
 *
 * The input image is written here with libpng directly, so the test does not
 * depend on the code under test to make its input.  Every number the CLI
 * reports is checked against an independent computation: the rank-k
 * truncation from LAPACK's full SVD (LAPACKE_dgesdd) of the same pixels, the
 * decompressed PNG read back, the file's real size.  Then the bad-input
 * battery: exit codes, messages, and no partial or replaced outputs. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <lapacke.h>
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"

enum { H = 72, W = 96 };
static char dir[256], out[65536];
static double pix[3][H * W]; /* the test image, column-major per channel */

static void write_png_rgb(const char *path, int gray)
{
    FILE *f = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) exit(1);
    png_init_io(png, f);
    png_set_IHDR(png, info, W, H, 8, gray ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    unsigned char row[W * 3];
    for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++)
            for (int c = 0; c < (gray ? 1 : 3); c++)
                row[x * (gray ? 1 : 3) + c] = (unsigned char)lrint(pix[c][y + x * H] * 255);
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
}

static void make_image(void)
{
    tu_rng r = {42};
    for (int c = 0; c < 3; c++)
        for (int x = 0; x < W; x++)
            for (int y = 0; y < H; y++) {
                double v = 0.5 + 0.25 * sin(0.09 * x * (1 + 0.3 * c)) * cos(0.13 * y) +
                           0.12 * (((x / 12) + (y / 9)) % 2) - 0.06 +
                           ((x - 50) * (x - 50) + (y - 30) * (y - 30) < 150 ? 0.2 : 0) +
                           0.02 * tu_randn(&r);
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                pix[c][y + x * H] = lrint(v * 255) / 255.0;
            }
}

/* ---- independent reference: LAPACK full SVD ------------------------------- */
static double sv[3][H < W ? H : W], Uf[3][H * H], Vtf[3][H * W];
static void lapack_svd(void)
{
    const int r = H < W ? H : W;
    for (int c = 0; c < 3; c++) {
        double A[H * W];
        memcpy(A, pix[c], sizeof A);
        int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', H, W, A, H, sv[c], Uf[c], H, Vtf[c], r);
        CHECK(info == 0, "dgesdd info %d", info);
    }
}

/* PSNR against the original of the rank-k truncation, clamped and rounded to
 * 8 bits (what decompress writes), for channels 0..nc-1. */
static double ref_psnr(int k, int nc)
{
    const int r = H < W ? H : W;
    double se = 0;
    for (int c = 0; c < nc; c++)
        for (int x = 0; x < W; x++)
            for (int y = 0; y < H; y++) {
                double v = 0;
                for (int l = 0; l < k; l++) v += Uf[c][y + l * H] * sv[c][l] * Vtf[c][l + x * r];
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                v = nearbyint(v * 255) / 255;
                double d = v - pix[c][y + x * H];
                se += d * d;
            }
    return -10 * log10(se / ((double)H * W * nc));
}

static double ref_energy(int k)
{
    const int r = H < W ? H : W;
    double kept = 0, tot = 0;
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < r; i++) {
            tot += sv[c][i] * sv[c][i];
            if (i < k) kept += sv[c][i] * sv[c][i];
        }
    return kept / tot;
}

/* ---- helpers ----------------------------------------------------------------- */
static cJSON *run_json(int *code, const char *fmt, const char *args)
{
    *code = tu_run(out, sizeof out, fmt, tu_bin(), args);
    return cJSON_Parse(out);
}

static double jnum(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static long fsize(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static int leftover_temps(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp-")) n++;
    closedir(d);
    return n;
}

static double png_psnr(lr_ctx *ctx, const char *path, int nc)
{
    lr_image *img = NULL;
    if (lr_image_read(ctx, path, LR_F64, 0, 0, &img) != LR_OK) return NAN;
    double se = 0;
    for (int c = 0; c < nc; c++) {
        lr_mat p = lr_image_plane(img, c);
        for (int x = 0; x < W; x++)
            for (int y = 0; y < H; y++) {
                double d = lr_mat_get(&p, y, x) - pix[c][y + x * H];
                se += d * d;
            }
    }
    lr_image_destroy(img);
    return -10 * log10(se / ((double)H * W * nc));
}

static void path(char *buf, const char *name) { snprintf(buf, 512, "%s/%s", dir, name); }

/* ---- tests --------------------------------------------------------------------- */
static void test_rank_and_bits(lr_ctx *ctx, const char *in)
{
    int bits[3] = {32, 16, 8};
    long sizes[3];
    const int k = 9;
    double ref = ref_psnr(k, 3);
    for (int b = 0; b < 3; b++) {
        char lrz[512], png[512], args[2048];
        snprintf(lrz, sizeof lrz, "%s/k%d_%d.lrz", dir, k, bits[b]);
        snprintf(png, sizeof png, "%s/k%d_%d.png", dir, k, bits[b]);
        snprintf(args, sizeof args, "%s -k %d --bits %d -o %s --json --quiet", in, k, bits[b], lrz);
        int code;
        cJSON *j = run_json(&code, "%s compress --threads 1 %s", args);
        CHECK(code == 0 && j, "compress -k %d --bits %d: exit %d: %s", k, bits[b], code, out);
        if (!j) continue;
        CHECK(jnum(j, "k") == k && jnum(j, "bits") == bits[b] && jnum(j, "channels") == 3,
              "report k, bits, channels");
        double storage = (double)k * (H + W + 1) / (H * W);
        CHECK(fabs(jnum(j, "storage_ratio") - storage) < 1e-12, "storage %g vs k(m+n+1)/(mn) %g",
              jnum(j, "storage_ratio"), storage);
        sizes[b] = fsize(lrz);
        CHECK(jnum(j, "lrz_bytes") == sizes[b], "reported size %g is the file's %ld",
              jnum(j, "lrz_bytes"), sizes[b]);
        double psnr = jnum(j, "psnr_db");
        double tol = bits[b] == 32 ? 0.01 : bits[b] == 16 ? 0.03 : 0.5;
        CHECK(fabs(psnr - ref) < tol, "--bits %d: reported PSNR %.4f vs LAPACK rank-%d "
              "reference %.4f dB", bits[b], psnr, k, ref);
        CHECK(fabs(jnum(j, "energy") - ref_energy(k)) < 1e-4, "energy %.6f vs %.6f",
              jnum(j, "energy"), ref_energy(k));
        const cJSON *jp = cJSON_GetObjectItemCaseSensitive(j, "jpeg");
        CHECK(jnum(j, "png_bytes") > 1000 && jp && jnum(jp, "bytes") > 100,
              "PNG and JPEG sizes reported");
        if (jp && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(jp, "reached")))
            CHECK(jnum(jp, "psnr_db") >= psnr && jnum(jp, "quality") >= 1 &&
                  jnum(jp, "quality") <= 100, "JPEG reaches the PSNR: %.2f >= %.2f at q %g",
                  jnum(jp, "psnr_db"), psnr, jnum(jp, "quality"));
        /* decompress reproduces exactly what the report claims */
        snprintf(args, sizeof args, "%s -o %s --quiet", lrz, png);
        code = tu_run(out, sizeof out, "%s decompress --threads 1 %s", tu_bin(), args);
        CHECK(code == 0, "decompress: exit %d: %s", code, out);
        double p2 = png_psnr(ctx, png, 3);
        CHECK(fabs(p2 - psnr) < 0.01, "--bits %d: decompressed PSNR %.4f vs reported %.4f",
              bits[b], p2, psnr);
        cJSON_Delete(j);
    }
    CHECK(sizes[0] > sizes[1] && sizes[1] > sizes[2], "32 > 16 > 8 bits in size: %ld %ld %ld",
          sizes[0], sizes[1], sizes[2]);
}

static void test_targets(lr_ctx *ctx, const char *in)
{
    char lrz[512], args[2048];
    int code;
    path(lrz, "e.lrz");
    snprintf(args, sizeof args, "%s --energy 0.995 -o %s --json --quiet --no-compare", in, lrz);
    cJSON *j = run_json(&code, "%s compress --threads 1 %s", args);
    CHECK(code == 0 && j, "--energy: exit %d %s", code, out);
    if (j) {
        int k = (int)jnum(j, "k");
        CHECK(ref_energy(k) >= 0.995 - 1e-6 && ref_energy(k - 1) < 0.995 + 1e-6,
              "--energy 0.995 picked k=%d: energy(k)=%.5f, energy(k-1)=%.5f", k, ref_energy(k),
              ref_energy(k - 1));
        cJSON_Delete(j);
    }
    path(lrz, "p.lrz");
    snprintf(args, sizeof args, "%s --psnr 31 -o %s --json --quiet --no-compare", in, lrz);
    j = run_json(&code, "%s compress --threads 1 %s", args);
    CHECK(code == 0 && j, "--psnr: exit %d %s", code, out);
    if (j) {
        int k = (int)jnum(j, "k");
        double p = jnum(j, "psnr_db");
        CHECK(p >= 31, "--psnr 31: reached %.3f dB at k=%d", p, k);
        /* smallest: one less does not reach it (asked through -k, a different path) */
        char lrz2[512];
        path(lrz2, "p1.lrz");
        snprintf(args, sizeof args, "%s -k %d -o %s --json --quiet --no-compare", in, k - 1, lrz2);
        cJSON *j2 = run_json(&code, "%s compress --threads 1 %s", args);
        CHECK(j2 && jnum(j2, "psnr_db") < 31, "k-1 = %d gives %.3f dB < 31", k - 1,
              j2 ? jnum(j2, "psnr_db") : NAN);
        CHECK(fabs(ref_psnr(k, 3) - p) < 0.05, "LAPACK reference at k=%d: %.3f vs %.3f", k,
              ref_psnr(k, 3), p);
        cJSON_Delete(j2);
        char png[512];
        path(png, "p.png");
        snprintf(args, sizeof args, "%s -o %s --quiet", lrz, png);
        CHECK(tu_run(out, sizeof out, "%s decompress --threads 1 %s", tu_bin(), args) == 0, "decompress");
        CHECK(png_psnr(ctx, png, 3) >= 31, "decompressed image reaches 31 dB");
        cJSON_Delete(j);
    }
    /* randomized method: close to the exact result */
    path(lrz, "r.lrz");
    snprintf(args, sizeof args, "%s -k 9 --method randomized --seed 3 --threads 2 -o %s --json --quiet "
             "--no-compare", in, lrz);
    j = run_json(&code, "%s compress --threads 1 %s", args);
    CHECK(code == 0 && j, "randomized: exit %d %s", code, out);
    if (j) {
        CHECK(fabs(jnum(j, "psnr_db") - ref_psnr(9, 3)) < 0.3, "randomized PSNR %.3f vs exact "
              "%.3f", jnum(j, "psnr_db"), ref_psnr(9, 3));
        cJSON_Delete(j);
    }
    /* --gray on a colour image: one channel, BT.601 luma */
    path(lrz, "g.lrz");
    snprintf(args, sizeof args, "%s -k 5 --gray -o %s --json --quiet --no-compare", in, lrz);
    j = run_json(&code, "%s compress --threads 1 %s", args);
    CHECK(code == 0 && j && jnum(j, "channels") == 1, "--gray: one channel");
    cJSON_Delete(j);
    char png[512];
    path(png, "g.png");
    snprintf(args, sizeof args, "%s -o %s --quiet", lrz, png);
    CHECK(tu_run(out, sizeof out, "%s decompress --threads 1 %s", tu_bin(), args) == 0, "decompress gray");
    lr_image *g = NULL;
    CHECK_OK(ctx, lr_image_read(ctx, png, LR_F32, 0, 0, &g));
    CHECK(g && lr_image_channels(g) == 1 && lr_image_width(g) == W && lr_image_height(g) == H,
          "gray PNG of the right size");
    lr_image_destroy(g);
}

static void test_sweep(lr_ctx *ctx, const char *in)
{
    char fig[512], args[2048];
    path(fig, "sweep.png");
    snprintf(args, sizeof args, "%s --sweep 10,2,5 -o %s --json --quiet", in, fig);
    int code;
    cJSON *j = run_json(&code, "%s compress --threads 1 %s", args);
    CHECK(code == 0 && j, "--sweep: exit %d %s", code, out);
    const cJSON *arr = j ? cJSON_GetObjectItemCaseSensitive(j, "sweep") : NULL;
    CHECK(cJSON_GetArraySize(arr) == 3, "three sweep entries");
    double last = 0;
    int ks[3] = {2, 5, 10}, i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        CHECK(jnum(e, "k") == ks[i], "sorted ks: %g", jnum(e, "k"));
        CHECK(jnum(e, "psnr_db") > last, "PSNR grows with k");
        CHECK(fabs(jnum(e, "psnr_db") - ref_psnr(ks[i], 3)) < 0.03, "sweep k=%d PSNR %.3f vs "
              "LAPACK %.3f", ks[i], jnum(e, "psnr_db"), ref_psnr(ks[i], 3));
        last = jnum(e, "psnr_db");
        i++;
    }
    cJSON_Delete(j);
    lr_image *img = NULL;
    CHECK_OK(ctx, lr_image_read(ctx, fig, LR_F32, 0, 0, &img));
    CHECK(img && lr_image_width(img) >= 1000 && lr_image_height(img) >= 500 &&
          lr_image_height(img) <= 3000, "figure is a PNG of plausible size (%lld x %lld)",
          img ? (long long)lr_image_width(img) : 0, img ? (long long)lr_image_height(img) : 0);
    lr_image_destroy(img);
}

/* Runs a command expected to fail with `code` and a message containing
 * `needle`; `outp` must not exist afterwards (or keep its old content). */
static void expect_fail(int code, const char *needle, const char *outp, const char *fmt,
                        const char *args)
{
    int got = tu_run(out, sizeof out, fmt, tu_bin(), args);
    CHECK(got == code, "'%s' exits %d (got %d): %s", args, code, got, out);
    CHECK(strstr(out, needle) != NULL, "'%s': message mentions '%s': %s", args, needle, out);
    if (outp) {
        FILE *f = fopen(outp, "rb");
        char buf[16] = {0};
        if (f) {
            if (fread(buf, 1, 3, f)) {}
            fclose(f);
        }
        CHECK(!f || !strcmp(buf, "old"), "'%s': output absent or untouched", args);
    }
    CHECK(leftover_temps() == 0, "'%s': no temporary files left", args);
}

static void test_bad_inputs(const char *in)
{
    char o[512], p[512], args[2048];
    path(o, "bad.lrz");
    const char *fmt = "%s compress --threads 1 %s";
    snprintf(args, sizeof args, "%s/missing.png -k 3 -o %s", dir, o);
    expect_fail(2, "missing.png", o, fmt, args);
    path(p, "empty.png");
    fclose(fopen(p, "wb"));
    snprintf(args, sizeof args, "%s -k 3 -o %s", p, o);
    expect_fail(2, "empty", o, fmt, args);
    /* truncated and corrupt copies of the real input */
    FILE *f = fopen(in, "rb");
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    path(p, "trunc.png");
    f = fopen(p, "wb");
    fwrite(buf, 1, n / 2, f);
    fclose(f);
    snprintf(args, sizeof args, "%s -k 3 -o %s", p, o);
    expect_fail(2, "trunc.png", o, fmt, args);
    path(p, "corrupt.png");
    buf[n / 2] ^= 0xA5;
    f = fopen(p, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    buf[n / 2] ^= 0xA5;
    snprintf(args, sizeof args, "%s -k 3 -o %s", p, o);
    expect_fail(2, "corrupt", o, fmt, args);

    /* an existing output survives every failure below */
    f = fopen(o, "wb");
    fputs("old", f);
    fclose(f);
    snprintf(args, sizeof args, "%s -k 0 -o %s", in, o);
    expect_fail(2, "-k", o, fmt, args);
    snprintf(args, sizeof args, "%s -k %d -o %s", in, (H < W ? H : W) + 1, o);
    expect_fail(2, "larger than min", o, fmt, args);
    snprintf(args, sizeof args, "%s -k ten -o %s", in, o);
    expect_fail(2, "integer", o, fmt, args);
    snprintf(args, sizeof args, "%s -k 3 --bits 12 -o %s", in, o);
    expect_fail(2, "--bits", o, fmt, args);
    snprintf(args, sizeof args, "%s -k 3 --psnr 30 -o %s", in, o);
    expect_fail(2, "only one", o, fmt, args);
    snprintf(args, sizeof args, "%s -o %s", in, o);
    expect_fail(2, "choose the rank", o, fmt, args);
    snprintf(args, sizeof args, "%s --psnr 90 --bits 8 -o %s", in, o);
    expect_fail(2, "cannot be reached", o, fmt, args);
    snprintf(args, sizeof args, "%s -k 3 --nonsense -o %s", in, o);
    expect_fail(2, "--nonsense", o, fmt, args);
    snprintf(args, sizeof args, "%s -k 3 -o /nonexistent-dir/x.lrz", in);
    expect_fail(2, "/nonexistent-dir", NULL, fmt, args);
    snprintf(args, sizeof args, "%s -k 3 -o %s", in, in);
    long before = fsize(in);
    expect_fail(2, "is the input", NULL, fmt, args);
    CHECK(fsize(in) == before, "input untouched");
    snprintf(args, sizeof args, "%s -k 3 -o %s", in, dir);
    expect_fail(2, "folder", NULL, fmt, args);

    /* decompress: a good file, then damaged copies */
    char good[512], png[512];
    path(good, "good.lrz");
    path(png, "dec.png");
    snprintf(args, sizeof args, "%s -k 4 -o %s --quiet --no-compare", in, good);
    CHECK(tu_run(out, sizeof out, "%s compress --threads 1 %s", tu_bin(), args) == 0, "good .lrz: %s", out);
    f = fopen(good, "rb");
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    f = fopen(png, "wb");
    fputs("old", f);
    fclose(f);
    const char *dfmt = "%s decompress --threads 1 %s";
    path(p, "flip.lrz");
    buf[n - 20] ^= 0x10;
    f = fopen(p, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    buf[n - 20] ^= 0x10;
    snprintf(args, sizeof args, "%s -o %s", p, png);
    expect_fail(2, "corrupt", png, dfmt, args);
    path(p, "cut.lrz");
    f = fopen(p, "wb");
    fwrite(buf, 1, n - 7, f);
    fclose(f);
    snprintf(args, sizeof args, "%s -o %s", p, png);
    expect_fail(2, "truncated", png, dfmt, args);
    snprintf(args, sizeof args, "%s -o %s", in, png); /* a PNG is not a .lrz */
    expect_fail(2, "not a .lrz", png, dfmt, args);
    snprintf(args, sizeof args, "%s/none.lrz -o %s", dir, png);
    expect_fail(2, "none.lrz", png, dfmt, args);
    snprintf(args, sizeof args, "%s -o %s", good, good);
    expect_fail(2, "is the input", NULL, dfmt, args);
    snprintf(args, sizeof args, "%s -o /nonexistent-dir/x.png", good);
    expect_fail(2, "/nonexistent-dir", NULL, dfmt, args);
    snprintf(args, sizeof args, "%s", good);
    expect_fail(2, "-o", NULL, dfmt, args);
}

static void test_help(void)
{
    int code = tu_run(out, sizeof out, "%s compress --help", tu_bin());
    CHECK(code == 0 && strstr(out, "--bits") && strstr(out, "default 16") &&
          strstr(out, "--sweep") && strstr(out, "--seed") && strstr(out, "--method"),
          "compress --help lists the options with defaults");
    code = tu_run(out, sizeof out, "%s decompress --help", tu_bin());
    CHECK(code == 0 && strstr(out, "--output") && strstr(out, "--json"), "decompress --help");
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    make_image();
    lapack_svd();
    char in[512], gin[512];
    path(in, "in.png");
    path(gin, "gray.png");
    write_png_rgb(in, 0);
    write_png_rgb(gin, 1);
    lr_ctx *ctx = lr_ctx_create();
    test_help();
    test_rank_and_bits(ctx, in);
    test_targets(ctx, in);
    test_sweep(ctx, in);
    test_bad_inputs(in);
    /* a gray input stays one channel */
    char lrz[512], args[2048];
    path(lrz, "gin.lrz");
    snprintf(args, sizeof args, "%s -k 6 -o %s --json --quiet", gin, lrz);
    int code;
    cJSON *j = run_json(&code, "%s compress --threads 1 %s", args);
    CHECK(code == 0 && j && jnum(j, "channels") == 1 && fabs(jnum(j, "psnr_db") - ref_psnr(6, 1)) < 0.03,
          "gray input: %s", out);
    cJSON_Delete(j);
    lr_ctx_destroy(ctx);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (!tu_failed && system(cmd)) {}
    return tu_done("test_cli_compress");
}
