/* test_npy.c -- NumPy .npy reading and writing.
 *
 * The files read here are written byte by byte by this test (fwrite of a
 * hand-built header), not by lr_npy_write, so reader and writer are checked
 * against the format, not against each other.  When Debian's python3 with
 * numpy is present, numpy also reads our files and we read numpy's. */
#define _GNU_SOURCE
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"

static const char *dir;
static char path_buf[512];

static const char *tpath(const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", dir, name);
    return path_buf;
}

/* Writes magic, version, header length, the dict text padded with spaces to
 * a multiple of `align` ending in '\n', then nbytes of data. */
static void write_raw(const char *path, int major, const char *dict, const void *data,
                      size_t nbytes, int align)
{
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t total = (pre + dl + 1 + (size_t)align - 1) / (size_t)align * (size_t)align;
    size_t hlen = total - pre;
    unsigned char *buf = malloc(total + nbytes + 1);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major, buf[7] = 0;
    for (size_t i = 0; i < pre - 8; i++) buf[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', total - pre - dl - 1);
    buf[total - 1] = '\n';
    if (nbytes) memcpy(buf + total, data, nbytes);
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, total + nbytes, f);
    fclose(f);
    free(buf);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (n) fwrite(p, 1, n, f);
    fclose(f);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long l = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (l < 0) l = 0;
    unsigned char *b = malloc((size_t)l + 1);
    *n = fread(b, 1, (size_t)l, f);
    fclose(f);
    return b;
}

/* The value every generated matrix holds at (i, j): an integer below 2^24,
 * so exact in float32, and different for neighbouring rows and columns so
 * that a misplaced element shows. */
static double val(int64_t i, int64_t j) { return (double)((i * 7919 + j * 104729) % 16777216); }

/* Row-major (C order) or column-major data of a rows x cols matrix of val. */
static void *gen(int64_t m, int64_t n, int f32, int fortran)
{
    size_t es = f32 ? 4 : 8;
    unsigned char *p = malloc((size_t)(m * n) * es + 1);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            size_t k = fortran ? (size_t)(i + j * m) : (size_t)(i * n + j);
            if (f32) {
                float v = (float)val(i, j);
                memcpy(p + k * 4, &v, 4);
            } else {
                double v = val(i, j);
                memcpy(p + k * 8, &v, 8);
            }
        }
    return p;
}

/* Counts 1 when every element of a equals val(i, j). */
static int holds_val(const lr_mat *a)
{
    for (int64_t j = 0; j < a->cols; j++)
        for (int64_t i = 0; i < a->rows; i++)
            if (lr_mat_get(a, i, j) != val(i, j)) {
                fprintf(stderr, "  element (%lld, %lld) = %g, want %g\n", (long long)i,
                        (long long)j, lr_mat_get(a, i, j), val(i, j));
                return 0;
            }
    return 1;
}

/* Allocator that records the largest request, to prove refusals come
 * before allocation. */
static size_t biggest;
static void *count_malloc(void *u, size_t n)
{
    (void)u;
    if (n > biggest) biggest = n;
    return aligned_alloc(64, (n + 63) & ~(size_t)63);
}
static void count_free(void *u, void *p) { (void)u, free(p); }

/* Writes a hand-built file and reads it back: one matrix case. */
static void check_case(lr_ctx *ctx, const char *label, int major, int align, int64_t m,
                       int64_t n, int f32, int fortran, int want, const char *extra_fmt)
{
    char dict[256], shape[64];
    if (extra_fmt && !strcmp(extra_fmt, "1d")) snprintf(shape, sizeof shape, "(%lld,)", (long long)m);
    else snprintf(shape, sizeof shape, "(%lld, %lld)", (long long)m, (long long)n);
    snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
             f32 ? "<f4" : "<f8", fortran ? "True" : "False", shape);
    void *data = gen(m, n, f32, fortran);
    size_t nbytes = (size_t)(m * n) * (f32 ? 4 : 8);
    write_raw(tpath("case.npy"), major, dict, data, nbytes, align);
    lr_mat a;
    lr_status s = lr_npy_read(ctx, tpath("case.npy"), want, 0, &a);
    CHECK(s == LR_OK, "%s: read -> %s: %s", label, lr_status_str(s), lr_ctx_errmsg(ctx));
    if (s == LR_OK) {
        lr_dtype expect = want ? (lr_dtype)want : f32 ? LR_F32 : LR_F64;
        CHECK(a.rows == m && a.cols == n && a.dtype == expect && a.ld == (m > 0 ? m : 1),
              "%s: got %lld x %lld %s ld %lld", label, (long long)a.rows, (long long)a.cols,
              lr_dtype_name(a.dtype), (long long)a.ld);
        CHECK(holds_val(&a), "%s: values", label);
        lr_mat_free(ctx, &a);
    }
    /* The same bytes from memory, deliberately misaligned by one byte. */
    size_t len;
    unsigned char *file = slurp(tpath("case.npy"), &len);
    unsigned char *mis = malloc(len + 1);
    memcpy(mis + 1, file, len);
    s = lr_npy_read_mem(ctx, mis + 1, len, "mem.npy", want, 0, &a);
    CHECK(s == LR_OK, "%s (memory): %s", label, lr_ctx_errmsg(ctx));
    if (s == LR_OK) {
        CHECK(a.rows == m && a.cols == n && holds_val(&a), "%s (memory): values", label);
        lr_mat_free(ctx, &a);
    }
    free(mis);
    free(file);
    free(data);
}

/* Expects a refusal with status want whose message contains each of the
 * given fragments (NULL-terminated). */
static void expect_refusal(lr_ctx *ctx, const char *label, const char *path, int64_t max_bytes,
                           lr_status want, ...)
{
    lr_mat a = {0};
    lr_status s = lr_npy_read(ctx, path, 0, max_bytes, &a);
    const char *msg = lr_ctx_errmsg(ctx);
    CHECK(s == want, "%s: status %s, want %s (%s)", label, lr_status_str(s),
          lr_status_str(want), msg);
    CHECK(a.data == NULL && a.rows == 0 && a.cols == 0, "%s: output left empty", label);
    if (s == LR_OK) lr_mat_free(ctx, &a);
    CHECK(strstr(msg, path) != NULL, "%s: message names the file: %s", label, msg);
    va_list ap;
    va_start(ap, want);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        CHECK(strstr(msg, frag) != NULL, "%s: message mentions '%s': %s", label, frag, msg);
    va_end(ap);
    /* Same answer from memory (except for I/O problems, which have no
     * memory equivalent). */
    if (want != LR_ERR_IO) {
        size_t len;
        unsigned char *b = slurp(path, &len);
        if (b) {
            s = lr_npy_read_mem(ctx, b, len, path, 0, max_bytes, &a);
            CHECK(s == want, "%s (memory): status %s: %s", label, lr_status_str(s),
                  lr_ctx_errmsg(ctx));
            if (s == LR_OK) lr_mat_free(ctx, &a);
            free(b);
        }
    }
}

static void refuse_dict(lr_ctx *ctx, const char *label, const char *dict, size_t nbytes,
                        lr_status want, const char *frag)
{
    unsigned char *z = calloc(1, nbytes + 1);
    write_raw(tpath("bad.npy"), 1, dict, z, nbytes, 64);
    free(z);
    expect_refusal(ctx, label, tpath("bad.npy"), 0, want, frag, (char *)NULL);
}

static void test_hand_written(lr_ctx *ctx)
{
    check_case(ctx, "f64 C order", 1, 64, 3, 4, 0, 0, 0, NULL);
    check_case(ctx, "f64 Fortran order", 1, 64, 3, 4, 0, 1, 0, NULL);
    check_case(ctx, "f32 C order", 1, 64, 5, 7, 1, 0, 0, NULL);
    check_case(ctx, "f32 Fortran order", 1, 64, 5, 7, 1, 1, 0, NULL);
    check_case(ctx, "f32 C order -> f64", 1, 64, 5, 7, 1, 0, LR_F64, NULL);
    check_case(ctx, "f64 Fortran -> f32", 1, 64, 6, 3, 0, 1, LR_F32, NULL);
    check_case(ctx, "f64 C -> f32", 1, 64, 6, 3, 0, 0, LR_F32, NULL);
    check_case(ctx, "version 2.0", 2, 64, 4, 3, 0, 0, 0, NULL);
    check_case(ctx, "version 3.0", 3, 64, 4, 3, 1, 1, 0, NULL);
    check_case(ctx, "old 16-byte alignment", 1, 16, 4, 3, 0, 0, 0, NULL);
    check_case(ctx, "no alignment at all", 1, 1, 4, 3, 0, 1, 0, NULL);
    check_case(ctx, "1-D", 1, 64, 9, 1, 0, 0, 0, "1d");
    check_case(ctx, "1-D f32 -> f64", 1, 64, 9, 1, 1, 0, LR_F64, "1d");
    check_case(ctx, "one row, C order", 1, 64, 1, 9, 0, 0, 0, NULL);
    check_case(ctx, "0 x 5", 1, 64, 0, 5, 0, 0, 0, NULL);
    check_case(ctx, "5 x 0", 1, 64, 5, 0, 1, 0, 0, NULL);
    /* Several panels and tiles of the blocked transpose (600,000 elements
     * > one 512 Ki-element panel), and rows longer than a panel. */
    check_case(ctx, "C order, many panels", 1, 64, 300, 2000, 0, 0, 0, NULL);
    check_case(ctx, "C order f32 -> f64, many panels", 1, 64, 257, 2333, 1, 0, LR_F64, NULL);
    check_case(ctx, "C order, rows longer than a panel", 1, 64, 3, 600000, 1, 0, 0, NULL);
    check_case(ctx, "Fortran f32 -> f64, several chunks", 1, 64, 1000, 700, 1, 1, LR_F64, NULL);

    /* Header spelling: key order, whitespace, no trailing comma, Python 2 'L'
     * suffixes, double quotes, equivalent little-endian descrs. */
    static const char *dicts[] = {
        "{'shape': (3, 4), 'fortran_order': False, 'descr': '<f8'}",
        "{ 'descr' : '<f8' ,\t'fortran_order':False,'shape':(3,4) , }",
        "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (3L, 4L)}",
        "{'descr': '=f8', 'fortran_order': False, 'shape': (3, 4,), }",
        "{'descr': 'f8', 'fortran_order': False, 'shape': (3, 4), }",
    };
    double *d = gen(3, 4, 0, 0);
    for (size_t i = 0; i < sizeof dicts / sizeof *dicts; i++) {
        write_raw(tpath("spell.npy"), 1, dicts[i], d, 96, 64);
        lr_mat a;
        lr_status s = lr_npy_read(ctx, tpath("spell.npy"), 0, 0, &a);
        CHECK(s == LR_OK, "header spelling %zu: %s", i, lr_ctx_errmsg(ctx));
        if (s == LR_OK) {
            CHECK(a.rows == 3 && a.cols == 4 && a.dtype == LR_F64 && holds_val(&a),
                  "header spelling %zu: values", i);
            lr_mat_free(ctx, &a);
        }
    }
    free(d);
    float *f = gen(2, 2, 1, 1);
    write_raw(tpath("pipe.npy"), 1, "{'descr': '|f4', 'fortran_order': True, 'shape': (2, 2), }",
              f, 16, 64);
    lr_mat a;
    CHECK_OK(ctx, lr_npy_read(ctx, tpath("pipe.npy"), 0, 0, &a));
    CHECK(a.dtype == LR_F32 && holds_val(&a), "'|f4' read as little-endian float32");
    lr_mat_free(ctx, &a);
    free(f);
    /* A 0-d array is a 1 x 1 matrix. */
    double one = val(0, 0);
    write_raw(tpath("scalar.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
              &one, 8, 64);
    CHECK_OK(ctx, lr_npy_read(ctx, tpath("scalar.npy"), 0, 0, &a));
    CHECK(a.rows == 1 && a.cols == 1 && holds_val(&a), "0-d -> 1 x 1");
    lr_mat_free(ctx, &a);
    /* Bytes after the data are ignored (numpy does the same). */
    unsigned char extra[40] = {0};
    memcpy(extra, &one, 8);
    write_raw(tpath("extra.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
              extra, sizeof extra, 64);
    CHECK_OK(ctx, lr_npy_read(ctx, tpath("extra.npy"), 0, 0, &a));
    CHECK(a.rows == 1 && holds_val(&a), "trailing bytes ignored");
    lr_mat_free(ctx, &a);
}

static void test_refusals(lr_ctx *ctx)
{
    refuse_dict(ctx, "big-endian", "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }",
                32, LR_ERR_FORMAT, "big-endian");
    refuse_dict(ctx, "int32", "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }",
                16, LR_ERR_FORMAT, "integer");
    refuse_dict(ctx, "int64", "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }",
                32, LR_ERR_FORMAT, "'<i8'");
    refuse_dict(ctx, "complex", "{'descr': '<c16', 'fortran_order': False, 'shape': (2, 2), }",
                64, LR_ERR_FORMAT, "complex");
    refuse_dict(ctx, "object", "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
                16, LR_ERR_FORMAT, "object");
    refuse_dict(ctx, "float16", "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }",
                4, LR_ERR_FORMAT, "'<f2'");
    refuse_dict(ctx, "structured",
                "{'descr': [('x', '<f8'), ('y', '<f8')], 'fortran_order': False, 'shape': (2,), }",
                32, LR_ERR_FORMAT, "structured");
    refuse_dict(ctx, "3-D", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }",
                64, LR_ERR_FORMAT, "3 dimensions");
    refuse_dict(ctx, "negative", "{'descr': '<f8', 'fortran_order': False, 'shape': (-3, 4), }",
                0, LR_ERR_FORMAT, "negative");
    refuse_dict(ctx, "64-bit overflow",
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 2), }",
                0, LR_ERR_FORMAT, "64 bits");
    refuse_dict(ctx, "missing key", "{'descr': '<f8', 'shape': (2, 2), }", 32, LR_ERR_FORMAT,
                "'fortran_order' is missing");
    refuse_dict(ctx, "unknown key",
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", 16,
                LR_ERR_FORMAT, "unexpected key 'x'");
    refuse_dict(ctx, "bad bool", "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", 16,
                LR_ERR_FORMAT, "True or False");
    refuse_dict(ctx, "list shape", "{'descr': '<f8', 'fortran_order': False, 'shape': [2], }",
                16, LR_ERR_FORMAT, "tuple");
    refuse_dict(ctx, "not a dict", "hello", 0, LR_ERR_FORMAT, "malformed");
    refuse_dict(ctx, "junk after dict",
                "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } x", 16,
                LR_ERR_FORMAT, "after the dictionary");

    /* Truncated data: the message gives the declared and the actual size. */
    unsigned char *z = calloc(1, 1234);
    write_raw(tpath("A.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 50), }",
              z, 1234, 64);
    expect_refusal(ctx, "truncated", tpath("A.npy"), 0, LR_ERR_FORMAT, "data is truncated",
                   "1000 x 50 float64 (400000 bytes)", "only 1234 bytes follow", (char *)NULL);
    free(z);

    /* Absurd shapes are refused without allocating. */
    lr_allocator al = {count_malloc, count_free, NULL};
    lr_ctx *c2 = lr_ctx_create();
    lr_ctx_set_allocator(c2, &al);
    biggest = 0;
    write_raw(tpath("huge.npy"), 1,
              "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }",
              "", 0, 64);
    expect_refusal(c2, "10^12 x 10^12", tpath("huge.npy"), 0, LR_ERR_FORMAT, "overflows",
                   (char *)NULL);
    write_raw(tpath("big.npy"), 1,
              "{'descr': '<f8', 'fortran_order': True, 'shape': (1000000, 1000000), }",
              "12345678", 8, 64);
    expect_refusal(c2, "10^6 x 10^6 with 8 bytes", tpath("big.npy"), 0, LR_ERR_FORMAT,
                   "truncated", "8000000000000 bytes", (char *)NULL);
    CHECK(biggest < 4096, "no large allocation before refusing (largest %zu bytes)", biggest);
    /* max_bytes refuses a complete file that is larger than the limit. */
    double *d = gen(10, 10, 0, 0);
    write_raw(tpath("limit.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (10, 10), }",
              d, 800, 64);
    biggest = 0;
    expect_refusal(c2, "max_bytes", tpath("limit.npy"), 799, LR_ERR_DATA, "799", (char *)NULL);
    CHECK(biggest < 800, "max_bytes refusal allocates nothing big (%zu)", biggest);
    lr_mat a;
    CHECK_OK(c2, lr_npy_read(c2, tpath("limit.npy"), 0, 800, &a));
    lr_mat_free(c2, &a);
    CHECK(lr_npy_read(c2, tpath("limit.npy"), LR_F32, 399, &a) == LR_ERR_DATA,
          "max_bytes counts the converted size");
    CHECK_OK(c2, lr_npy_read(c2, tpath("limit.npy"), LR_F32, 400, &a));
    lr_mat_free(c2, &a);
    free(d);
    lr_ctx_destroy(c2);

    /* Files that are not .npy at all. */
    write_bytes(tpath("empty.npy"), "", 0);
    expect_refusal(ctx, "empty", tpath("empty.npy"), 0, LR_ERR_FORMAT, "empty", (char *)NULL);
    write_bytes(tpath("text.npy"), "hello world, this is text\n", 26);
    expect_refusal(ctx, "text", tpath("text.npy"), 0, LR_ERR_FORMAT, "not a NumPy", (char *)NULL);
    write_bytes(tpath("short.npy"), "\x93NUM", 4);
    expect_refusal(ctx, "4 bytes", tpath("short.npy"), 0, LR_ERR_FORMAT, "not a NumPy",
                   (char *)NULL);
    write_bytes(tpath("zip.npy"), "PK\x03\x04 and more bytes", 20);
    expect_refusal(ctx, "zip", tpath("zip.npy"), 0, LR_ERR_FORMAT, ".npz", (char *)NULL);
    write_bytes(tpath("v4.npy"), "\x93NUMPY\x04\x00\x10\x00{}              \n", 26);
    expect_refusal(ctx, "version 4.0", tpath("v4.npy"), 0, LR_ERR_FORMAT, "version 4.0",
                   (char *)NULL);
    write_bytes(tpath("hdrcut.npy"), "\x93NUMPY\x01\x00\x76\x00{'descr': '<f8'", 25);
    expect_refusal(ctx, "header cut", tpath("hdrcut.npy"), 0, LR_ERR_FORMAT,
                   "truncated inside its .npy header", (char *)NULL);
    write_bytes(tpath("pre.npy"), "\x93NUMPY\x01\x00\x76", 9);
    expect_refusal(ctx, "preamble cut", tpath("pre.npy"), 0, LR_ERR_FORMAT, "truncated",
                   (char *)NULL);
    write_bytes(tpath("hlen.npy"), "\x93NUMPY\x02\x00\xff\xff\xff\x7f{", 13);
    expect_refusal(ctx, "absurd header length", tpath("hlen.npy"), 0, LR_ERR_FORMAT, "damaged",
                   (char *)NULL);
    expect_refusal(ctx, "missing", tpath("no-such-file.npy"), 0, LR_ERR_IO,
                   "No such file", (char *)NULL);
    expect_refusal(ctx, "folder", dir, 0, LR_ERR_IO, "folder", (char *)NULL);
    CHECK(lr_npy_read(ctx, tpath("limit.npy"), 7, 0, &a) == LR_ERR_ARG, "bad want refused");
}

static void test_writer(lr_ctx *ctx)
{
    /* Round trips through the writer, from a view with ld > rows. */
    for (int f32 = 0; f32 <= 1; f32++) {
        lr_mat big, a, b;
        CHECK_OK(ctx, lr_mat_alloc(ctx, f32 ? LR_F32 : LR_F64, 9, 6, &big));
        a = lr_mat_block(&big, 2, 1, 5, 4);
        for (int64_t j = 0; j < 4; j++)
            for (int64_t i = 0; i < 5; i++) lr_mat_set(&a, i, j, val(i, j));
        CHECK_OK(ctx, lr_npy_write(ctx, tpath("w.npy"), &a));
        CHECK_OK(ctx, lr_npy_read(ctx, tpath("w.npy"), 0, 0, &b));
        CHECK(b.rows == 5 && b.cols == 4 && b.dtype == a.dtype && holds_val(&b),
              "writer round trip %s", f32 ? "f32" : "f64");
        lr_mat_free(ctx, &b);
        /* The bytes: magic, 1.0, 64-aligned header, Fortran order, data in
         * column-major order. */
        size_t len;
        unsigned char *f = slurp(tpath("w.npy"), &len);
        size_t es = f32 ? 4 : 8;
        size_t hl = f[8] | (size_t)f[9] << 8;
        CHECK(!memcmp(f, "\x93NUMPY\x01\x00", 8), "magic and version 1.0");
        CHECK((10 + hl) % 64 == 0 && f[10 + hl - 1] == '\n', "header padded to 64, ends in newline");
        CHECK(len == 10 + hl + 20 * es, "file length %zu", len);
        char hdr[256] = {0};
        memcpy(hdr, f + 10, hl < 255 ? hl : 255);
        CHECK(strstr(hdr, f32 ? "'descr': '<f4'" : "'descr': '<f8'") &&
              strstr(hdr, "'fortran_order': True") && strstr(hdr, "'shape': (5, 4)"),
              "header text: %s", hdr);
        void *expect = gen(5, 4, f32, 1);
        CHECK(!memcmp(f + 10 + hl, expect, 20 * es), "data bytes are column-major");
        free(expect);
        free(f);
        lr_mat_free(ctx, &big);
    }
    /* Vectors. */
    double v[7];
    for (int i = 0; i < 7; i++) v[i] = val(i, 0);
    lr_mat b;
    CHECK_OK(ctx, lr_npy_write_vector(ctx, tpath("v.npy"), v, 7, LR_F32));
    CHECK_OK(ctx, lr_npy_read(ctx, tpath("v.npy"), 0, 0, &b));
    CHECK(b.rows == 7 && b.cols == 1 && b.dtype == LR_F32 && holds_val(&b), "vector round trip");
    lr_mat_free(ctx, &b);
    size_t len;
    unsigned char *f = slurp(tpath("v.npy"), &len);
    CHECK(f && memmem(f, len, "'shape': (7,)", 13) != NULL, "vector is 1-D");
    free(f);
    CHECK_OK(ctx, lr_npy_write_vector(ctx, tpath("v0.npy"), NULL, 0, LR_F64));
    CHECK_OK(ctx, lr_npy_read(ctx, tpath("v0.npy"), 0, 0, &b));
    CHECK(b.rows == 0 && b.cols == 1, "empty vector");
    lr_mat_free(ctx, &b);
    /* An empty matrix. */
    lr_mat e = lr_mat_view(LR_F64, 0, 5, 1, NULL);
    CHECK_OK(ctx, lr_npy_write(ctx, tpath("e.npy"), &e));
    CHECK_OK(ctx, lr_npy_read(ctx, tpath("e.npy"), 0, 0, &b));
    CHECK(b.rows == 0 && b.cols == 5, "0 x 5 round trip");
    lr_mat_free(ctx, &b);
    /* Failures: missing folder, bad vector; nothing left behind. */
    CHECK(lr_npy_write(ctx, "/nonexistent-lowrank-dir/U.npy", &e) == LR_ERR_IO,
          "missing folder refused");
    CHECK(strstr(lr_ctx_errmsg(ctx), "/nonexistent-lowrank-dir") != NULL, "names the folder: %s",
          lr_ctx_errmsg(ctx));
    CHECK(lr_npy_write_vector(ctx, tpath("bad.npy"), NULL, 3, LR_F64) == LR_ERR_ARG,
          "NULL vector refused");
    /* A write that fails midway (file size limit, as on a full disk):
     * LR_ERR_IO, the previous file unchanged, no temporary left behind. */
    mkdir(tpath("wfail"), 0755);
    write_bytes(tpath("wfail/U.npy"), "old", 3);
    lr_mat big;
    CHECK_OK(ctx, lr_mat_alloc(ctx, LR_F64, 100, 100, &big));
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) == 0) {
        lr_status s = lr_npy_write(ctx, tpath("wfail/U.npy"), &big);
        setrlimit(RLIMIT_FSIZE, &old);
        CHECK(s == LR_ERR_IO, "write past the size limit fails: %s", lr_status_str(s));
        CHECK(strstr(lr_ctx_errmsg(ctx), "U.npy") != NULL, "names the file: %s",
              lr_ctx_errmsg(ctx));
        size_t n;
        unsigned char *b = slurp(tpath("wfail/U.npy"), &n);
        CHECK(b && n == 3 && !memcmp(b, "old", 3), "previous file unchanged");
        free(b);
        int entries = 0;
        DIR *dd = opendir(tpath("wfail"));
        for (struct dirent *e; dd && (e = readdir(dd));)
            if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
                entries++;
        if (dd) closedir(dd);
        CHECK(entries == 1, "no temporary left behind (%d entries)", entries);
    } else {
        printf("test_npy: SKIPPED the failing-write check (setrlimit refused)\n");
    }
    signal(SIGXFSZ, prev);
    lr_mat_free(ctx, &big);
}

/* Random damage to valid files (flipped header bytes, every truncation
 * length): the reader must answer LR_OK or a refusal, never crash or read
 * out of bounds (run under AddressSanitizer to see the latter). */
static void test_damage(lr_ctx *ctx)
{
    double *d = gen(3, 5, 0, 0);
    write_raw(tpath("good.npy"), 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }",
              d, 120, 64);
    free(d);
    size_t len;
    unsigned char *good = slurp(tpath("good.npy"), &len);
    unsigned char *buf = malloc(len);
    int crashes = 0, bad_status = 0;
    lr_mat a;
    for (size_t cut = 0; cut < len; cut++) {
        /* An exact-size heap copy, so that ASan sees any overread. */
        unsigned char *exact = malloc(cut ? cut : 1);
        memcpy(exact, good, cut);
        lr_status s = lr_npy_read_mem(ctx, exact, cut, "cut.npy", 0, 0, &a);
        if (s == LR_OK) lr_mat_free(ctx, &a);
        if (s != LR_ERR_FORMAT) bad_status++;
        free(exact);
    }
    CHECK(bad_status == 0, "every truncation of a valid file is LR_ERR_FORMAT (%d were not)",
          bad_status);
    tu_rng rng = {12345};
    static const char alphabet[] = "{}()[]',: 0123456789-LTrueFalsdcf<>|=ifO\n\"u";
    for (int it = 0; it < 20000; it++) {
        memcpy(buf, good, len);
        int flips = 1 + (int)(tu_rand01(&rng) * 4);
        for (int f = 0; f < flips; f++) {
            size_t pos = (size_t)(tu_rand01(&rng) * 128);
            buf[pos] = tu_rand01(&rng) < 0.7
                           ? (unsigned char)alphabet[(size_t)(tu_rand01(&rng) * (sizeof alphabet - 1))]
                           : (unsigned char)(tu_rand01(&rng) * 256);
        }
        size_t l = tu_rand01(&rng) < 0.2 ? (size_t)(tu_rand01(&rng) * len) : len;
        unsigned char *exact = malloc(l ? l : 1);
        memcpy(exact, buf, l);
        lr_status s = lr_npy_read_mem(ctx, exact, l, "fuzz.npy", 0, 1 << 20, &a);
        if (s == LR_OK) {
            if (a.rows * a.cols * (int64_t)lr_dtype_size(a.dtype) > (int64_t)l) crashes++;
            lr_mat_free(ctx, &a);
        } else if (s != LR_ERR_FORMAT && s != LR_ERR_DATA) {
            crashes++;
        }
        free(exact);
    }
    CHECK(crashes == 0, "damaged headers give OK (with data inside the buffer) or a refusal "
          "(%d did not)", crashes);
    free(buf);
    free(good);
}

/* numpy reads our files and we read numpy's (skipped without numpy). */
static void test_numpy(lr_ctx *ctx)
{
    char out[4096];
    if (tu_run(out, sizeof out, "/usr/bin/python3 -c 'import numpy' ") != 0) {
        printf("test_npy: SKIPPED the numpy cross-check (/usr/bin/python3 with numpy "
               "not available)\n");
        return;
    }
    lr_mat a;
    CHECK_OK(ctx, lr_mat_alloc(ctx, LR_F64, 37, 70, &a));
    for (int64_t j = 0; j < 70; j++)
        for (int64_t i = 0; i < 37; i++) lr_mat_set(&a, i, j, val(i, j));
    CHECK_OK(ctx, lr_npy_write(ctx, tpath("ours.npy"), &a));
    double v[5] = {val(0, 0), val(1, 0), val(2, 0), val(3, 0), val(4, 0)};
    CHECK_OK(ctx, lr_npy_write_vector(ctx, tpath("ours_s.npy"), v, 5, LR_F32));
    lr_mat_free(ctx, &a);
    const char *py =
        "import numpy as np, sys\n"
        "d = sys.argv[1]\n"
        "def val(m, n):\n"
        "    i, j = np.meshgrid(np.arange(m), np.arange(n), indexing='ij')\n"
        "    return ((i * 7919 + j * 104729) % 16777216).astype(np.float64)\n"
        "want = val(37, 70)\n"
        "a = np.load(d + '/ours.npy')\n"
        "assert a.dtype == np.float64 and a.shape == (37, 70) and (a == want).all(), 'ours.npy'\n"
        "s = np.load(d + '/ours_s.npy')\n"
        "assert s.dtype == np.float32 and s.shape == (5,) and (s == np.arange(5) * 7919).all(), 's'\n"
        "big = val(300, 2100)\n"
        "np.save(d + '/np_c64.npy', big)\n"
        "np.save(d + '/np_f32.npy', np.asfortranarray(big.astype(np.float32)))\n"
        "np.save(d + '/np_c32.npy', big.astype(np.float32))\n"
        "np.save(d + '/np_vec.npy', big[:, 0].copy())\n"
        "np.save(d + '/np_be.npy', big[:3, :3].astype('>f8'))\n"
        "np.save(d + '/np_int.npy', np.arange(6).reshape(2, 3))\n"
        "print('numpy ok')\n";
    FILE *f = fopen(tpath("check.py"), "w");
    fputs(py, f);
    fclose(f);
    int rc = tu_run(out, sizeof out, "/usr/bin/python3 %s/check.py %s", dir, dir);
    CHECK(rc == 0 && strstr(out, "numpy ok"), "numpy reads our files: %s", out);
    const char *names[] = {"np_c64.npy", "np_f32.npy", "np_c32.npy"};
    for (int k = 0; k < 3; k++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        lr_status s = lr_npy_read(ctx, p, 0, 0, &a);
        CHECK(s == LR_OK, "reading numpy's %s: %s", names[k], lr_ctx_errmsg(ctx));
        if (s) continue;
        CHECK(a.rows == 300 && a.cols == 2100 && holds_val(&a), "numpy's %s values", names[k]);
        lr_mat_free(ctx, &a);
    }
    char p[512];
    snprintf(p, sizeof p, "%s/np_vec.npy", dir);
    CHECK_OK(ctx, lr_npy_read(ctx, p, 0, 0, &a));
    CHECK(a.rows == 300 && a.cols == 1 && holds_val(&a), "numpy's vector");
    lr_mat_free(ctx, &a);
    snprintf(p, sizeof p, "%s/np_be.npy", dir);
    CHECK(lr_npy_read(ctx, p, 0, 0, &a) == LR_ERR_FORMAT, "numpy's big-endian refused");
    snprintf(p, sizeof p, "%s/np_int.npy", dir);
    CHECK(lr_npy_read(ctx, p, 0, 0, &a) == LR_ERR_FORMAT, "numpy's int64 refused");
}

int main(void)
{
    dir = tu_tmpdir();
    lr_ctx *ctx = lr_ctx_create();
    test_hand_written(ctx);
    test_refusals(ctx);
    test_writer(ctx);
    test_damage(ctx);
    test_numpy(ctx);
    lr_ctx_destroy(ctx);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) {}
    return tu_done("test_npy");
}
