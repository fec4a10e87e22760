/* make_seeds.c -- writes the seed corpus of every fuzz harness:
 *
 *   fuzz_seeds OUTDIR      -> OUTDIR/{npy,png,jpeg,lrz,video,truth,cli,mtx,ratings,
 *                                     lrm,text}/...
 *
 * Small valid files made by the project's own writers (lr_npy_write,
 * lr_image_encode_*, lr_lrz_encode, lr_video_write) plus, written here
 * directly, the variants those writers never produce but readers must
 * handle (C-order and 1-D/0-D .npy, format 2.0/3.0 headers, every PNG
 * colour type and depth, interlaced PNG, progressive JPEG, Y4M video) and a
 * few files that must be refused.  Nothing is committed: scripts/fuzz.sh
 * and the fuzz_replay test run this first.  Deterministic output. */
#include <stdio.h> /* before jpeglib.h */
#include <errno.h>
#include <jpeglib.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lowrank/lowrank.h"

static const char *root;
static int nfiles;

static void fail(const char *what, lr_ctx *ctx)
{
    fprintf(stderr, "fuzz_seeds: %s%s%s\n", what, ctx ? ": " : "", ctx ? lr_ctx_errmsg(ctx) : "");
    exit(1);
}

static const char *path_of(const char *sub, const char *name)
{
    static char p[4096];
    snprintf(p, sizeof p, "%s/%s/%s", root, sub, name);
    return p;
}

static void mkdir_p(const char *sub)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", root, sub);
    if (mkdir(p, 0755) != 0 && errno != EEXIST) fail(p, NULL);
}

static void put(const char *sub, const char *name, const void *buf, size_t len)
{
    FILE *f = fopen(path_of(sub, name), "wb");
    if (!f || (len && fwrite(buf, 1, len, f) != len) || fclose(f)) fail(path_of(sub, name), NULL);
    nfiles++;
}

/* ---- .npy ------------------------------------------------------------------ */
/* A hand-made .npy: version major (1, 2, 3), header dict text, padded to
 * `align`, then nbytes of data (a ramp). */
static void npy_hand(const char *name, int major, const char *dict, int align, size_t nbytes)
{
    unsigned char buf[8192];
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = (pre + dl + 1 + align - 1) / align * align;
    size_t hl = total - pre;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major, buf[7] = 0;
    for (size_t i = 0; i < pre - 8; i++) buf[8 + i] = (unsigned char)(hl >> (8 * i));
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', hl - dl - 1);
    buf[total - 1] = '\n';
    for (size_t i = 0; i < nbytes && total + i < sizeof buf; i++)
        buf[total + i] = (unsigned char)(i % 8 == 7 ? 0x3f : i * 37);
    put("npy", name, buf, total + nbytes);
}

static void seeds_npy(lr_ctx *ctx)
{
    mkdir_p("npy");
    lr_mat A;
    for (int t = 1; t <= 2; t++) {
        if (lr_mat_alloc(ctx, (lr_dtype)t, 3, 4, &A)) fail("alloc", ctx);
        for (int j = 0; j < 4; j++)
            for (int i = 0; i < 3; i++) lr_mat_set(&A, i, j, 0.5 * i - 1.25 * j + 0.1);
        if (lr_npy_write(ctx, path_of("npy", t == 1 ? "f32_3x4.npy" : "f64_3x4.npy"), &A))
            fail("lr_npy_write", ctx);
        nfiles++;
        lr_mat_free(ctx, &A);
    }
    double v[5] = {1, -2, 3.5, 1e-300, 7};
    if (lr_npy_write_vector(ctx, path_of("npy", "vec5.npy"), v, 5, LR_F64))
        fail("lr_npy_write_vector", ctx);
    nfiles++;
    npy_hand("c_f4_2x3.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 64, 24);
    npy_hand("c_f8_3x2_align16.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", 16, 48);
    npy_hand("v2_f8_2x2.npy", 2, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", 64, 32);
    npy_hand("v3_f4_1x3.npy", 3, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1, 3)}", 64, 12);
    npy_hand("scalar.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 64, 8);
    npy_hand("empty_0x3.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", 64, 0);
    npy_hand("py2_long.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 1L), }", 64, 16);
    npy_hand("trailing.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 64, 12);
    npy_hand("bigendian.npy", 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", 64, 32);
    npy_hand("int64.npy", 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }", 64, 32);
    npy_hand("object.npy", 1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", 64, 16);
    npy_hand("three_d.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }", 64, 64);
    npy_hand("huge.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }", 64, 16);
    npy_hand("truncated.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }", 64, 40);
}

/* ---- PNG ------------------------------------------------------------------- */
static void png_hand(const char *sub, const char *name, int w, int h, int depth, int ctype,
                     int interlace)
{
    FILE *f = fopen(path_of(sub, name), "wb");
    if (!f) fail(path_of(sub, name), NULL);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) fail("libpng write", NULL);
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, ctype, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[4] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}};
        png_byte trns[1] = {0};
        png_set_PLTE(png, info, pal, 4);
        png_set_tRNS(png, info, trns, 1, NULL);
    }
    png_write_info(png, info);
    int nch = ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_PALETTE ? 1
            : ctype == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : ctype == PNG_COLOR_TYPE_RGB ? 3 : 4;
    size_t rb = ((size_t)w * nch * depth + 7) / 8;
    png_bytep *rows = malloc((size_t)h * sizeof *rows);
    unsigned char *px = malloc(rb * (size_t)h);
    for (size_t i = 0; i < rb * (size_t)h; i++)
        px[i] = (unsigned char)(ctype == PNG_COLOR_TYPE_PALETTE && depth >= 2 ? (i % 4) * (depth == 2 ? 0x55 : 0x11) : i * 29 + 7);
    if (ctype == PNG_COLOR_TYPE_PALETTE && depth == 8)
        for (size_t i = 0; i < rb * (size_t)h; i++) px[i] = (unsigned char)(i % 4);
    for (int y = 0; y < h; y++) rows[y] = px + (size_t)y * rb;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(f);
    free(rows);
    free(px);
    nfiles++;
}

static lr_image *test_image(lr_ctx *ctx, int h, int w, int C)
{
    lr_image *img;
    if (lr_image_create(ctx, LR_F32, h, w, C, &img)) fail("image", ctx);
    for (int c = 0; c < C; c++) {
        lr_mat p = lr_image_plane(img, c);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                lr_mat_set(&p, y, x, 0.5 + 0.4 * ((x * 3 + y * 5 + c * 7) % 11 - 5) / 5.0);
    }
    return img;
}

static void put_encoded(lr_ctx *ctx, const char *sub, const char *name, lr_image *img,
                        int png_bits, int quality)
{
    void *buf;
    size_t len;
    lr_status s = png_bits ? lr_image_encode_png(ctx, img, png_bits, &buf, &len)
                           : lr_image_encode_jpeg(ctx, img, quality, &buf, &len);
    if (s) fail(name, ctx);
    put(sub, name, buf, len);
    lr_image_free_buffer(ctx, buf);
}

static void seeds_png(lr_ctx *ctx)
{
    mkdir_p("png");
    lr_image *rgb = test_image(ctx, 6, 9, 3), *gray = test_image(ctx, 7, 5, 1);
    put_encoded(ctx, "png", "rgb8.png", rgb, 8, 0);
    put_encoded(ctx, "png", "rgb16.png", rgb, 16, 0);
    put_encoded(ctx, "png", "gray8.png", gray, 8, 0);
    put_encoded(ctx, "png", "gray16.png", gray, 16, 0);
    png_hand("png", "gray1.png", 9, 3, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE);
    png_hand("png", "gray4.png", 5, 4, 4, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE);
    png_hand("png", "ga16.png", 3, 2, 16, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_INTERLACE_NONE);
    png_hand("png", "rgba8_adam7.png", 9, 7, 8, PNG_COLOR_TYPE_RGBA, PNG_INTERLACE_ADAM7);
    png_hand("png", "pal2_trns.png", 6, 3, 2, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE);
    png_hand("png", "pal8_adam7.png", 5, 5, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_ADAM7);
    lr_image_destroy(rgb);
    lr_image_destroy(gray);
}

/* ---- JPEG ------------------------------------------------------------------ */
static void jpeg_progressive(const char *name, int w, int h, int gray)
{
    FILE *f = fopen(path_of("jpeg", name), "wb");
    if (!f) fail(name, NULL);
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr jerr;
    ci.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&ci);
    jpeg_stdio_dest(&ci, f);
    ci.image_width = (JDIMENSION)w, ci.image_height = (JDIMENSION)h;
    ci.input_components = gray ? 1 : 3;
    ci.in_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 80, TRUE);
    jpeg_simple_progression(&ci);
    ci.restart_interval = 1;
    jpeg_start_compress(&ci, TRUE);
    unsigned char row[3 * 64];
    while (ci.next_scanline < ci.image_height) {
        for (int i = 0; i < w * ci.input_components; i++)
            row[i] = (unsigned char)(i * 13 + ci.next_scanline * 31);
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    fclose(f);
    nfiles++;
}

static void seeds_jpeg(lr_ctx *ctx)
{
    mkdir_p("jpeg");
    lr_image *rgb = test_image(ctx, 16, 24, 3), *gray = test_image(ctx, 8, 8, 1);
    put_encoded(ctx, "jpeg", "rgb_q90.jpg", rgb, 0, 90);
    put_encoded(ctx, "jpeg", "rgb_q20.jpg", rgb, 0, 20);
    put_encoded(ctx, "jpeg", "gray_q75.jpg", gray, 0, 75);
    jpeg_progressive("rgb_progressive.jpg", 17, 9, 0);
    jpeg_progressive("gray_progressive.jpg", 8, 16, 1);
    lr_image_destroy(rgb);
    lr_image_destroy(gray);
}

/* ---- .lrz ------------------------------------------------------------------ */
static void seeds_lrz(lr_ctx *ctx)
{
    mkdir_p("lrz");
    static const struct { int h, w, C, k, bits; } cases[] = {
        {8, 6, 1, 2, 32}, {8, 6, 1, 3, 16}, {5, 9, 3, 2, 8}, {12, 4, 3, 4, 16}, {1, 7, 1, 1, 8}};
    for (size_t t = 0; t < sizeof cases / sizeof *cases; t++) {
        int h = cases[t].h, w = cases[t].w, C = cases[t].C, k = cases[t].k;
        lr_mat U[3], Vt[3];
        double sv[3][8];
        const double *sp[3];
        for (int c = 0; c < C; c++) {
            if (lr_mat_alloc(ctx, LR_F32, h, k, &U[c]) || lr_mat_alloc(ctx, LR_F32, k, w, &Vt[c]))
                fail("alloc", ctx);
            for (int j = 0; j < k; j++) {
                sv[c][j] = 3.0 / (j + 1) + c;
                for (int i = 0; i < h; i++) lr_mat_set(&U[c], i, j, 0.3 * ((i + j + c) % 3) - 0.2);
                for (int i = 0; i < w; i++) lr_mat_set(&Vt[c], j, i, 0.25 * ((i * j + c) % 4) - 0.3);
            }
            sp[c] = sv[c];
        }
        lr_lrz *z;
        if (lr_lrz_create(ctx, h, w, C, k, cases[t].bits, U, sp, Vt, &z)) fail("lrz", ctx);
        void *buf;
        size_t len;
        if (lr_lrz_encode(ctx, z, 0, 3, &buf, &len)) fail("lrz encode", ctx);
        char name[64];
        snprintf(name, sizeof name, "%dx%dx%d_k%d_b%d.lrz", h, w, C, k, cases[t].bits);
        put("lrz", name, buf, len);
        lr_lrz_free_buffer(ctx, buf);
        lr_lrz_destroy(z);
        for (int c = 0; c < C; c++) lr_mat_free(ctx, &U[c]), lr_mat_free(ctx, &Vt[c]);
    }
}

/* ---- video ----------------------------------------------------------------- */
static void y4m(const char *name, int w, int h, int frames, const char *chroma)
{
    char buf[65536];
    size_t n = (size_t)snprintf(buf, sizeof buf, "YUV4MPEG2 W%d H%d F25:1 Ip A1:1 C%s\n", w, h,
                                chroma);
    int mono = !strcmp(chroma, "mono");
    size_t csz = mono ? 0 : 2 * (size_t)((w + 1) / 2) * (size_t)((h + 1) / 2);
    for (int t = 0; t < frames; t++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "FRAME\n");
        for (int i = 0; i < w * h; i++) buf[n++] = (char)(16 + (i * 7 + t * 29) % 220);
        for (size_t i = 0; i < csz; i++) buf[n++] = (char)128;
    }
    put("video", name, buf, n);
}

static void seeds_video(lr_ctx *ctx)
{
    mkdir_p("video");
    y4m("gray_8x6x4.y4m", 8, 6, 4, "mono");
    y4m("c420_10x8x3.y4m", 10, 8, 3, "420jpeg");
    const int W = 16, H = 12, F = 6;
    lr_mat M;
    if (lr_mat_alloc(ctx, LR_F32, (int64_t)W * H, F, &M)) fail("alloc", ctx);
    for (int t = 0; t < F; t++)
        for (int i = 0; i < W * H; i++)
            lr_mat_set(&M, i, t, 0.2 + 0.6 * (((i % H) + (i / H) + 2 * t) % 8) / 7.0);
    static const char *const enc[2] = {NULL, "mpeg4"};
    static const char *const names[2] = {"h264_16x12x6.mp4", "mpeg4_16x12x6.mp4"};
    for (int e = 0; e < 2; e++) {
        lr_video_write_opts o;
        lr_video_write_opts_default(&o);
        o.encoder = enc[e];
        /* A missing encoder is not the seed generator's problem: skip it. */
        if (lr_video_write(ctx, path_of("video", names[e]), &M, W, H, &o) == LR_OK) nfiles++;
        else fprintf(stderr, "fuzz_seeds: note: %s skipped: %s\n", names[e], lr_ctx_errmsg(ctx));
    }
    lr_mat_free(ctx, &M);
}

/* ---- ratings ------------------------------------------------------------------- */
static void seeds_ratings(void)
{
    mkdir_p("ratings");
    static const struct { const char *name, *text; } cases[] = {
        {"tab.tsv", "1\t10\t4\t881250949\n1\t11\t3.5\t881250950\n2\t10\t1\t0\n"},
        {"header.csv", "userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3,1\n7,31,5,2\n"},
        {"movielens.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978300275\n"},
        {"quoted_semicolon.csv", "\"user\";\"item\";\"score\"\n\"a b\";\"x;y\";1\n\"c\";\"x;y\";-2\n"},
        {"implicit.csv", "u1,i1\nu1,i2\nu2,i1\n\n"},
        {"reordered.csv", "rating,item,user\n4,i,u\n2,j,u\n4,i,u\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        put("ratings", cases[i].name, cases[i].text, strlen(cases[i].text));
}

/* ---- .lrm models (fuzz_lrm) ---------------------------------------------------- */
#include "fuzz_util.h" /* fz_crc32 */

static unsigned char *slurp_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail(path, NULL);
    static unsigned char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

/* Models of every kind trained on 5 users x 4 items and saved by
 * lr_rec_save, then copies that must be refused: truncated, a newer version
 * (CRC re-sealed), a rated-items index out of range (re-sealed). */
static void seeds_lrm(lr_ctx *ctx)
{
    mkdir_p("lrm");
    static const char *const users[] = {"u1", "u1", "u2", "u2", "u3", "u4", "u4", "u5", "u5"};
    static const char *const items[] = {"a", "b", "a", "c", "d", "b", "c", "a", "d"};
    static const double ratings[] = {5, 3, 4, 1, 2, 5, 4, 1, 3};
    lr_ratings *r;
    if (lr_ratings_from_triplets(ctx, 9, users, items, ratings, &r, NULL)) fail("ratings", ctx);
    static const struct { const char *name; int kind, solver, k, biases; } models[] = {
        {"explicit_als_k2.lrm", LR_REC_EXPLICIT, LR_REC_ALS, 2, 1},
        {"explicit_biases_only.lrm", LR_REC_EXPLICIT, LR_REC_ALS, 0, 1},
        {"explicit_sgd_k3_nobias.lrm", LR_REC_EXPLICIT, LR_REC_SGD, 3, 0},
        {"implicit_k2.lrm", LR_REC_IMPLICIT, LR_REC_ALS, 2, 0},
    };
    for (size_t i = 0; i < sizeof models / sizeof *models; i++) {
        lr_rec_opts o;
        lr_rec_opts_default(&o);
        o.kind = (lr_rec_kind)models[i].kind;
        o.solver = (lr_rec_solver)models[i].solver;
        o.k = models[i].k;
        o.biases = models[i].biases;
        o.iters = 3;
        if (o.kind == LR_REC_IMPLICIT) o.lambda = 0.1;
        lr_rec *m;
        if (lr_rec_train(ctx, r, &o, &m, NULL)) fail("lr_rec_train", ctx);
        if (lr_rec_save(ctx, m, path_of("lrm", models[i].name))) fail("lr_rec_save", ctx);
        nfiles++;
        lr_rec_destroy(m);
    }
    lr_ratings_destroy(r);
    size_t len;
    unsigned char *b = slurp_file(path_of("lrm", "explicit_als_k2.lrm"), &len);
    if (len < 200) fail("explicit_als_k2.lrm is too short", NULL);
    put("lrm", "truncated.lrm", b, len - 9);
    b[8] = 2; /* version 2 */
    uint32_t c = fz_crc32(b, len - 4);
    memcpy(b + len - 4, &c, 4);
    put("lrm", "version2.lrm", b, len);
    b[8] = 1;
    b[len - 5] = 0x7f; /* the last rated item's index, high byte */
    c = fz_crc32(b, len - 4);
    memcpy(b + len - 4, &c, 4);
    put("lrm", "bad_item_index.lrm", b, len);
}

/* ---- text corpora (fuzz_text: a control byte, then the text) ------------------- */
static void seeds_text(void)
{
    mkdir_p("text");
    static char long_token[1100 + 16];
    memset(long_token, 0, sizeof long_token);
    long_token[0] = 0x02;
    memset(long_token + 1, 'x', 1100);
    memcpy(long_token + 1101, " short words\n", 13);
    static const struct { const char *name; const char *text; size_t len; } cases[] = {
#define T(n, s) {n, s, sizeof s - 1}
        T("lines_default.txt", "\x02The quick brown fox jumps over the lazy dog\r\n"
                               "Matrix factorization of the term_document matrix 42 times\n"
                               "\n   \t\n"
                               "last line without a newline"),
        T("lines_unicode.txt", "\x02\xc3\x89" "cole na\xc3\xafve caf\xc3\xa9 STRASSE stra\xc3\x9f" "e\n"
                               "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xc4\xb0stanbul \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n"
                               "emoji \xf0\x9f\x98\x80 x\xcc\x81y combining\n"),
        T("lines_bad_utf8.txt", "\x02good words here\n\xc0\x80 overlong\n\xed\xa0\x80 surrogate\n"
                                "\xf4\x90\x80\x80 beyond\ntruncated \xe2\x82\n"),
        T("lines_binary.txt", "\x02text then a NUL\n\0 here\n"),
        T("lines_min1_keep_stop.txt", "\x08" "a an the of i x y z\nthe a b c\n"),
        T("lines_min_df.txt", "\x42" "apple banana\napple cherry\nbanana apple\n"),
        T("lines_max_df_f32_sublinear.txt", "\x72word word word other\nword thing\nthing else\n"),
        T("lines_max_features.txt", "\xc4three letter words only\nand more words here\nwords\n"),
        T("folder.txt", "\x03" "first document text\x1e\x1esecond \xff bad\x1e" "bin\0ary\x1e"
                        "fourth document, more text\n"),
        T("folder_one.txt", "\x2b" "one lonely document"),
#undef T
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        put("text", cases[i].name, cases[i].text, cases[i].len);
    put("text", "long_token.txt", long_token, 1101 + 13);
}

/* ---- Matrix Market ----------------------------------------------------------- */
static void seeds_mtx(void)
{
    mkdir_p("mtx");
    static const struct { const char *name, *text; } cases[] = {
        {"coord_real.mtx", "%%MatrixMarket matrix coordinate real general\n% c\n3 4 4\n"
                           "1 1 1.5\n2 3 -2\n3 4 1e-3\n1 1 0.5\n"},
        {"coord_int_sym.mtx", "%%MatrixMarket matrix coordinate integer symmetric\n"
                              "3 3 3\n1 1 4\n2 1 -1\n3 3 2\n"},
        {"coord_pattern.mtx", "%%MatrixMarket matrix coordinate pattern general\n2 2 2\n1 2\n2 1\n"},
        {"array_real.mtx", "%%MatrixMarket matrix array real general\n2 2\n1\n0\n-3.25\n7\n"},
        {"empty.mtx", "%%MatrixMarket matrix coordinate real general\n5 5 0\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        put("mtx", cases[i].name, cases[i].text, strlen(cases[i].text));
}

/* ---- truth masks ------------------------------------------------------------ */
static void seeds_truth(lr_ctx *ctx)
{
    mkdir_p("truth");
    static const unsigned char vals[5] = {0, 255, 50, 85, 170};
    lr_image *m;
    if (lr_image_create(ctx, LR_F32, 6, 8, 1, &m)) fail("mask", ctx);
    lr_mat p = lr_image_plane(m, 0);
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 8; x++) lr_mat_set(&p, y, x, vals[(x + 2 * y) % 5] / 255.0);
    put_encoded(ctx, "truth", "gt_gray8.png", m, 8, 0);
    lr_image_destroy(m);
    lr_image *rgb = test_image(ctx, 8, 8, 3);
    put_encoded(ctx, "truth", "gt_rgb8.png", rgb, 8, 0);
    lr_image_destroy(rgb);
    png_hand("truth", "gt_pal.png", 8, 8, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE);
    png_hand("truth", "gt_gray16.png", 4, 4, 16, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE);
}

/* ---- command lines (fuzz_cli: arguments one per line) ----------------------- */
static void seeds_cli(void)
{
    mkdir_p("cli");
    static const char *const lines[] = {
        "svd\na.npy\n-o\nout\n-k\n3",
        "svd\na.npy\n-o\noutdir\n--tol\n0.1\n--method\nrandomized",
        "svd\na.npy\n-o\nnew\n--energy\n0.9\n-k\n2\n--block\n1",
        "svd\na.npy\n--method\nkrylov\n-q\n2\n-p\n5\n--normalizer\nqr\n-o\nk",
        "svd\na.npy\n--dtype\nf32\n--seed\n7\n--threads\n1\n--json\n--quiet\n-o\nout",
        "svd\n--help",
        "svd\na.npy\n-k\n-3\n-o\nout",
        "svd\nimg.png\n-o\nout.png",
        "compress\nimg.png\n-k\n2\n-o\nnew.lrz",
        "compress\nimg.jpg\n--energy\n0.9\n--bits\n8\n--gray\n-o\ny.lrz",
        "compress\nimg.png\n--psnr\n30\n--method\nexact\n--zstd-level\n19\n-o\nimg.png",
        "compress\nimg.png\n--sweep\n1,2,4\n-o\nsweep.png\n--no-compare",
        "compress\nimg.png\n-k\n1\n--max-pixels\n10\n-o\noutdir",
        "decompress\nx.lrz\n-o\nback.png",
        "decompress\nx.lrz\n-o\nx.lrz",
        "decompress\nx.lrz\n--max-pixels\n64\n-o\nout.png\n--json",
        "separate\nv.y4m\n-o\nsep\n--method\nsvd\n--rank\n1,2",
        "separate\nv.y4m\n-o\nsep\n--frames\n1:3\n--size\n4x4\n--truth\ngt\n--panel\n1",
        "separate\nv%06d.png\n-o\noutdir\n--scale\n0.5\n--png-frames\n--clean",
        "separate\nv.y4m\n-o\nsep\n--lambda\n0.1\n--tol\n1e-4\n--max-iter\n3\n--threshold\n0.05\n--dtype\nf64",
        "separate\nv.y4m\n-o\nsep\n--window\n2\n--carry\n1\n--method\nrpca",
        "separate\nv.y4m\n-o\noutdir\n--window\n3\n--method\nsvd\n--rank\n1",
        "svd\na.mtx\n-o\nout\n-k\n2\n--method\nkrylov",
        "svd\na.mtx\n-o\nout\n-k\n1\n--dtype\nf32\n--method\nexact",
        "nmf\na.npy\n-k\n2\n-o\nnmfout",
        "nmf\na.mtx\n-k\n2\n-o\noutdir\n--solver\nmu\n--init\nrandom\n--max-iter\n5\n--tol\n1e-3",
        "nmf\na.npy\n-k\n1\n-o\nw\n--solver\ncd\n--init\nnndsvd\n--l1\n0.1\n--l2\n0.2\n--dtype\nf32",
        "topics\ndocs.txt\n-k\n2\n-o\ntop",
        "topics\ndocs\n-k\n2\n-o\noutdir\n--method\nlsa\n--min-df\n1\n--max-df\n0.9\n--top\n3",
        ("topics\ndocs.txt\n-k\n1\n-o\nt\n--max-features\n5\n--min-length\n3\n--keep-stop-words\n"
         "--sublinear-tf\n--max-iter\n10\n--tol\n1e-4\n--dtype\nf32"),
        "recommend\ntrain\nr.csv\n-o\nnew.lrm\n-k\n2\n--lambda\n0.1\n--iters\n3",
        "recommend\ntrain\nr.csv\n-o\nimp.lrm\n--implicit\n--alpha\n5\n--cg-steps\n2\n-k\n1",
        "recommend\ntrain\nr.csv\n-o\ns.lrm\n--sgd\n--sgd-rate\n0.05\n--no-biases\n--lambda-bias\n0.2",
        "recommend\neval\nr.csv\n--folds\n2\n-k\n1\n--at\n2\n--relevant\n3",
        "recommend\neval\nr.csv\n--test-fraction\n0.3\n--skip-bad",
        "recommend\neval\nr.csv\n--leave-k-out\n1\n--implicit",
        "recommend\ntop\nm.lrm\n--user\nu1\n-n\n2",
        "recommend\nsimilar\nm.lrm\n--item\na\n-n\n3\n--json",
        "recommend\nfoldin\nm.lrm\n--ratings\nnew.csv\n-n\n2\n--skip-bad",
        "recommend\n--help",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        char name[32];
        snprintf(name, sizeof name, "cmd%02zu.txt", i);
        put("cli", name, lines[i], strlen(lines[i]));
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 2;
    }
    root = argv[1];
    if (mkdir(root, 0755) != 0 && errno != EEXIST) fail(root, NULL);
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 1);
    seeds_npy(ctx);
    seeds_png(ctx);
    seeds_jpeg(ctx);
    seeds_lrz(ctx);
    seeds_video(ctx);
    seeds_truth(ctx);
    seeds_cli();
    seeds_mtx();
    seeds_ratings();
    seeds_lrm(ctx);
    seeds_text();
    lr_ctx_destroy(ctx);
    printf("fuzz_seeds: %d files in %s\n", nfiles, root);
    return 0;
}
