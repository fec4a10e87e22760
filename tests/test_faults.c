/* test_faults.c -- allocation-failure injection (as SQLite's *fault.test and
 * libuv's allocator tests do): every allocation the library makes goes
 * through the context's allocator (lr_ctx_set_allocator), so a hook that
 * fails the Nth one reaches every error path of every call.
 *
 * For each scenario (one or a few library calls whose results are checked
 * and freed), N = 1, 2, ... until a run completes without reaching its Nth
 * allocation:
 *  - a run in which allocation N failed must return LR_ERR_NOMEM with an
 *    "out of memory" message naming what was being allocated -- or, when
 *    the code recovered (a fallback), the same status as the fault-free
 *    run and the same results;
 *  - after the scenario freed what it got, no allocation is outstanding
 *    (the hook counts them): a failure releases what was already taken;
 *  - never a crash (the sanitizer build runs this too).
 * Then the same with "sticky" failures (every allocation from the Nth on
 * fails), which also exercises clean-up paths that allocate.
 * Contexts use one thread, so the allocation sequence is deterministic, and
 * have the memory budget on (LR_MEM_AVAILABLE, as the CLI does).  The
 * budget's refusals themselves are tested in test_memlimit.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

/* ---- the hook ------------------------------------------------------------ */
typedef struct fault {
    long calls;      /* allocations requested in this run */
    long fail_at;    /* 0: never fail */
    int sticky;      /* fail every allocation from fail_at on */
    long live;       /* allocations not yet freed */
    long failed;     /* allocations refused in this run */
} fault;

static void *f_malloc(void *user, size_t size)
{
    fault *f = user;
    long n = __atomic_add_fetch(&f->calls, 1, __ATOMIC_SEQ_CST);
    if (f->fail_at && (n == f->fail_at || (f->sticky && n > f->fail_at))) {
        __atomic_add_fetch(&f->failed, 1, __ATOMIC_SEQ_CST);
        return NULL;
    }
    size_t rounded = (size + 63) & ~(size_t)63;
    void *p = rounded < size ? NULL : aligned_alloc(64, rounded ? rounded : 64);
    if (p) __atomic_add_fetch(&f->live, 1, __ATOMIC_SEQ_CST);
    return p;
}

static void f_free(void *user, void *p)
{
    fault *f = user;
    if (!p) return;
    __atomic_sub_fetch(&f->live, 1, __ATOMIC_SEQ_CST);
    free(p);
}

/* A scenario runs on ctx (hooked) and returns the status of its main call;
 * it checks and frees whatever it got.  `sig` receives a signature of the
 * result (a sum of values) when the status is LR_OK or LR_ERR_NOCONV. */
typedef lr_status (*scenario_fn)(lr_ctx *ctx, void *arg, double *sig);

static lr_ctx *hooked_ctx(fault *f)
{
    lr_ctx *ctx = lr_ctx_create();
    lr_ctx_set_threads(ctx, 1);
    lr_allocator a = {f_malloc, f_free, f};
    lr_ctx_set_allocator(ctx, &a);
    /* The memory budget on, as the CLI has it: its checks run on every path
     * too (they pass: the inputs here are tiny). */
    lr_ctx_set_mem_limit(ctx, LR_MEM_AVAILABLE);
    return ctx;
}

static int sig_equal(double a, double b)
{
    return a == b || fabs(a - b) <= 1e-9 * (fabs(a) + fabs(b)) || (isnan(a) && isnan(b));
}

static void run_faults(const char *name, scenario_fn fn, void *arg)
{
    fault f = {0};
    lr_ctx *ctx = hooked_ctx(&f);
    double base_sig = 0;
    lr_status base = fn(ctx, arg, &base_sig);
    long total = f.calls;
    CHECK(f.live == 0, "%s: %ld allocations outstanding after a fault-free run", name, f.live);
    CHECK(base == LR_OK || base == LR_ERR_NOCONV, "%s: fault-free run: %s: %s", name,
          lr_status_str(base), lr_ctx_errmsg(ctx));
    lr_ctx_destroy(ctx);
    long recovered = 0, points = 0;
    for (int sticky = 0; sticky <= 1; sticky++) {
        for (long n = 1;; n++) {
            fault g = {0};
            g.fail_at = n, g.sticky = sticky;
            ctx = hooked_ctx(&g);
            double sig = 0;
            lr_status s = fn(ctx, arg, &sig);
            CHECK(g.live == 0, "%s: failing allocation %ld%s: %ld allocations leaked (%s)",
                  name, n, sticky ? " and after" : "", g.live, lr_status_str(s));
            if (g.failed == 0) {
                /* Finished before allocation n: the sequence is exhausted. */
                CHECK(s == base, "%s: run without a failure returned %s", name,
                      lr_status_str(s));
                lr_ctx_destroy(ctx);
                break;
            }
            points++;
            if (s == LR_ERR_NOMEM) {
                const char *msg = lr_ctx_errmsg(ctx);
                CHECK(strstr(msg, "out of memory") || strstr(msg, "memory"),
                      "%s: allocation %ld failed: message '%s' does not say so", name, n, msg);
                CHECK(lr_ctx_status(ctx) == LR_ERR_NOMEM, "%s: ctx status %s", name,
                      lr_status_str(lr_ctx_status(ctx)));
            } else {
                /* Recovered: must be the fault-free answer. */
                CHECK(s == base && sig_equal(sig, base_sig),
                      "%s: allocation %ld%s failed but the call returned %s (%s), sig %.17g "
                      "vs %.17g", name, n, sticky ? " and after" : "", lr_status_str(s),
                      lr_ctx_errmsg(ctx), sig, base_sig);
                recovered++;
            }
            lr_ctx_destroy(ctx);
            if (n > 100000) {
                CHECK(0, "%s: more than 100000 allocations?", name);
                break;
            }
        }
    }
    printf("  %-28s %4ld allocations, %4ld failure points (single + sticky), %ld recovered\n",
           name, total, points, recovered);
}

/* ---- inputs (made with the system allocator) ------------------------------ */
static lr_ctx *plain;

static lr_mat random_mat(lr_dtype t, int64_t m, int64_t n, int64_t rank, uint64_t seed)
{
    lr_mat A;
    lr_mat_alloc(plain, t, m, n, &A);
    tu_rng g = {seed};
    double *X = malloc(sizeof(double) * m * rank), *Y = malloc(sizeof(double) * n * rank);
    for (int64_t i = 0; i < m * rank; i++) X[i] = tu_randn(&g);
    for (int64_t i = 0; i < n * rank; i++) Y[i] = tu_randn(&g);
    for (int64_t j = 0; j < n; j++)
        for (int64_t i = 0; i < m; i++) {
            double v = 0.01 * tu_randn(&g);
            for (int64_t k = 0; k < rank; k++) v += X[i + k * m] * Y[j + k * n] / (k + 1);
            lr_mat_set(&A, i, j, v);
        }
    free(X), free(Y);
    return A;
}

static double mat_sig(const lr_mat *m)
{
    double s = 0;
    for (int64_t j = 0; j < m->cols; j++)
        for (int64_t i = 0; i < m->rows; i++) s += fabs(lr_mat_get(m, i, j)) * (1 + (i + 3 * j) % 7);
    return s;
}

/* ---- SVD -------------------------------------------------------------------- */
typedef struct { lr_mat A; lr_svd_opts o; int warm; int custom_op; } svd_case;

static lr_status sc_svd(lr_ctx *ctx, void *arg, double *sig)
{
    svd_case *c = arg;
    lr_svd *res = NULL;
    lr_status s;
    if (c->warm) {
        /* First a cold run, then a warm one from its V. */
        lr_svd *first = NULL;
        s = lr_svd_dense(ctx, &c->A, &c->o, &first);
        if (s != LR_OK) {
            CHECK(first == NULL, "failed SVD returned a result");
            return s;
        }
        lr_op *op = NULL;
        s = lr_op_dense(ctx, &c->A, &op);
        if (s == LR_OK) {
            lr_mat V0 = lr_svd_v(first);
            lr_svd_opts o = c->o;
            o.power_iters = 1;
            s = lr_svd_compute_warm(ctx, op, &o, &V0, &res);
        }
        lr_op_destroy(op);
        lr_svd_destroy(first);
    } else {
        s = lr_svd_dense(ctx, &c->A, &c->o, &res);
    }
    if (s == LR_OK || (s == LR_ERR_NOCONV && res)) {
        const double *sv = lr_svd_s(res);
        for (int64_t i = 0; i < lr_svd_rank(res); i++) *sig += sv[i];
        lr_mat U = lr_svd_u(res);
        *sig += 1e-3 * mat_sig(&U);
    } else {
        CHECK(res == NULL, "failed SVD (%s) returned a result", lr_status_str(s));
    }
    lr_svd_destroy(res);
    return s;
}

static void faults_svd(void)
{
    printf("SVD:\n");
    lr_mat A = random_mat(LR_F64, 60, 40, 6, 1), A32 = random_mat(LR_F32, 40, 70, 6, 2);
    struct { const char *name; lr_svd_method m; lr_normalizer nz; double tol; int f32, warm; } t[] = {
        {"randomized (auto)", LR_SVD_RANDOMIZED, LR_NORM_AUTO, 0, 0, 0},
        {"randomized (auto) f32 wide", LR_SVD_RANDOMIZED, LR_NORM_AUTO, 0, 1, 0},
        {"randomized (lu)", LR_SVD_RANDOMIZED, LR_NORM_LU, 0, 0, 0},
        {"randomized (qr)", LR_SVD_RANDOMIZED, LR_NORM_QR, 0, 0, 0},
        {"krylov", LR_SVD_KRYLOV, LR_NORM_AUTO, 0, 0, 0},
        {"exact", LR_SVD_EXACT, LR_NORM_AUTO, 0, 0, 0},
        {"exact f32", LR_SVD_EXACT, LR_NORM_AUTO, 0, 1, 0},
        {"fixed accuracy (tol)", LR_SVD_RANDOMIZED, LR_NORM_AUTO, 0.05, 0, 0},
        {"fixed accuracy f32", LR_SVD_RANDOMIZED, LR_NORM_AUTO, 0.05, 1, 0},
        {"warm start", LR_SVD_RANDOMIZED, LR_NORM_AUTO, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        svd_case c = {t[i].f32 ? A32 : A, {0}, t[i].warm, 0};
        lr_svd_opts_default(&c.o);
        c.o.method = t[i].m, c.o.normalizer = t[i].nz, c.o.k = 5, c.o.power_iters = 2;
        if (t[i].tol > 0) c.o.tol = t[i].tol, c.o.block = 4;
        run_faults(t[i].name, sc_svd, &c);
    }
    lr_mat_free(plain, &A);
    lr_mat_free(plain, &A32);
}

/* ---- .npy -------------------------------------------------------------------- */
typedef struct { const unsigned char *buf; size_t len; int want; const char *path; } npy_case;

static lr_status sc_npy_mem(lr_ctx *ctx, void *arg, double *sig)
{
    npy_case *c = arg;
    lr_mat m = {0};
    lr_status s = c->path ? lr_npy_read(ctx, c->path, c->want, 0, &m)
                          : lr_npy_read_mem(ctx, c->buf, c->len, "fault.npy", c->want, 0, &m);
    if (s == LR_OK) *sig = mat_sig(&m);
    else CHECK(m.data == NULL, "failed read returned data");
    lr_mat_free(ctx, &m);
    return s;
}

static lr_status sc_npy_write(lr_ctx *ctx, void *arg, double *sig)
{
    const char *dir = arg;
    char p[512];
    snprintf(p, sizeof p, "%s/w.npy", dir);
    lr_mat A = random_mat(LR_F32, 9, 7, 2, 5);
    lr_status s = lr_npy_write(ctx, p, &A);
    if (s == LR_OK) {
        double v[3] = {1, 2, 3};
        snprintf(p, sizeof p, "%s/v.npy", dir);
        s = lr_npy_write_vector(ctx, p, v, 3, LR_F32);
    }
    *sig = 1;
    lr_mat_free(plain, &A);
    return s;
}

/* lr_outfile: open + write + commit, and open + abort; the allocations of
 * the handle go through the context's allocator (freed by commit/abort,
 * which have no context: the handle keeps the allocator). */
static lr_status sc_outfile(lr_ctx *ctx, void *arg, double *sig)
{
    const char *dir = arg;
    char p[512], q[512];
    snprintf(p, sizeof p, "%s/out.txt", dir);
    snprintf(q, sizeof q, "%s/aborted.txt", dir);
    lr_outfile *f = NULL, *g = NULL;
    lr_status s = lr_outfile_open(ctx, p, &f);
    if (s != LR_OK) {
        CHECK(f == NULL, "failed open returned a handle");
        return s;
    }
    fputs("complete\n", lr_outfile_fp(f));
    s = lr_outfile_open(ctx, q, &g);
    if (s == LR_OK) {
        fputs("never seen\n", lr_outfile_fp(g));
        lr_outfile_abort(g);
        s = lr_outfile_commit(ctx, f);
        CHECK(s == LR_OK, "commit: %s", lr_ctx_errmsg(ctx));
    } else {
        CHECK(g == NULL, "failed open returned a handle");
        lr_outfile_abort(f);
    }
    CHECK(access(q, F_OK) != 0, "an aborted output exists");
    *sig = 1;
    return s;
}

/* Operators: lr_op_dense / lr_op_custom and destroy (no context). */
static lr_status op_apply(void *user, lr_ctx *ctx, int trans, const lr_mat *X, lr_mat *Y)
{
    (void)user, (void)ctx, (void)trans, (void)X, (void)Y;
    return LR_OK;
}

static lr_status sc_op(lr_ctx *ctx, void *arg, double *sig)
{
    const lr_mat *A = arg;
    lr_op *a = NULL, *b = NULL;
    lr_status s = lr_op_dense(ctx, A, &a);
    if (s == LR_OK) s = lr_op_custom(ctx, LR_F64, 5, 4, op_apply, NULL, -1, &b);
    if (s == LR_OK) *sig = (double)(lr_op_rows(a) + lr_op_cols(b));
    else CHECK(b == NULL, "failed op_custom returned an operator");
    lr_op_destroy(a);
    lr_op_destroy(b);
    return s;
}

static void faults_npy(const char *dir)
{
    printf(".npy:\n");
    /* A 300 x 5 C-order float32 array (so the transpose path runs). */
    static unsigned char buf[128 + 300 * 5 * 4];
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (300, 5), }";
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = 118, buf[9] = 0;
    memset(buf + 10, ' ', 118);
    memcpy(buf + 10, dict, strlen(dict));
    buf[127] = '\n';
    for (int i = 0; i < 300 * 5; i++) {
        float v = (float)(i % 17) - 8.5f;
        memcpy(buf + 128 + 4 * i, &v, 4);
    }
    npy_case c = {buf, sizeof buf, LR_F64, NULL};
    run_faults("npy read_mem (C order, f64)", sc_npy_mem, &c);
    c.want = 0;
    run_faults("npy read_mem (as stored)", sc_npy_mem, &c);
    char path[512];
    snprintf(path, sizeof path, "%s/c.npy", dir);
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, sizeof buf, f);
    fclose(f);
    npy_case cf = {NULL, 0, LR_F64, path};
    run_faults("npy read (file, C order)", sc_npy_mem, &cf);
    run_faults("npy write", sc_npy_write, (void *)dir);
    run_faults("outfile open/commit/abort", sc_outfile, (void *)dir);
    lr_mat A = random_mat(LR_F64, 6, 5, 2, 3);
    run_faults("operators (dense, custom)", sc_op, &A);
    lr_mat_free(plain, &A);
}

/* ---- images and .lrz ------------------------------------------------------------ */
typedef struct { void *buf; size_t len; unsigned flags; lr_dtype t; } img_case;

static double image_sig(const lr_image *img)
{
    double s = 0;
    for (int c = 0; c < lr_image_channels(img); c++) {
        lr_mat p = lr_image_plane(img, c);
        s += mat_sig(&p);
    }
    return s;
}

static lr_status sc_image_read(lr_ctx *ctx, void *arg, double *sig)
{
    img_case *c = arg;
    lr_image *img = NULL;
    lr_status s = lr_image_read_mem(ctx, c->buf, c->len, "fault.img", c->t, c->flags, 0, &img);
    if (s == LR_OK) *sig = image_sig(img);
    else CHECK(img == NULL, "failed read returned an image");
    lr_image_destroy(img);
    return s;
}

static lr_status sc_image_encode(lr_ctx *ctx, void *arg, double *sig)
{
    lr_image *src = arg, *img = NULL;
    lr_status s = lr_image_clone(ctx, src, LR_F64, &img);
    void *b1 = NULL, *b2 = NULL;
    size_t l1 = 0, l2 = 0;
    if (s == LR_OK) s = lr_image_encode_png(ctx, img, 16, &b1, &l1);
    if (s == LR_OK) s = lr_image_encode_jpeg(ctx, img, 80, &b2, &l2);
    if (s == LR_OK) s = lr_image_quantize(ctx, img, 8);
    if (s == LR_OK) *sig = (double)l1 + (double)l2 + image_sig(img);
    lr_image_free_buffer(ctx, b1);
    lr_image_free_buffer(ctx, b2);
    lr_image_destroy(img);
    return s;
}

typedef struct { lr_image *img; const char *dir; } write_case;

static lr_status sc_image_write(lr_ctx *ctx, void *arg, double *sig)
{
    write_case *c = arg;
    char p[512];
    snprintf(p, sizeof p, "%s/w.png", c->dir);
    *sig = 1;
    return lr_image_write_png(ctx, c->img, p);
}

typedef struct { lr_image *img; int bits; void *file; size_t len; } lrz_case;

static lr_status sc_lrz_create(lr_ctx *ctx, void *arg, double *sig)
{
    lrz_case *c = arg;
    int C = lr_image_channels(c->img);
    int64_t h = lr_image_height(c->img), w = lr_image_width(c->img), k = 3;
    /* Factors made on the plain context: only the lrz calls are hooked. */
    lr_mat U[3], Vt[3];
    double sv[3][3];
    const double *sp[3];
    for (int ch = 0; ch < C; ch++) {
        lr_mat_alloc(plain, LR_F32, h, k, &U[ch]);
        lr_mat_alloc(plain, LR_F32, k, w, &Vt[ch]);
        for (int64_t j = 0; j < k; j++) {
            sv[ch][j] = 3.0 / (j + 1);
            for (int64_t i = 0; i < h; i++) lr_mat_set(&U[ch], i, j, 0.1 * ((i + j) % 5) - 0.2);
            for (int64_t i = 0; i < w; i++) lr_mat_set(&Vt[ch], j, i, 0.1 * ((i * j) % 3) + 0.05);
        }
        sp[ch] = sv[ch];
    }
    lr_lrz *z = NULL;
    void *buf = NULL;
    size_t len = 0;
    lr_image *rec = NULL;
    lr_status s = lr_lrz_create(ctx, h, w, C, k, c->bits, U, sp, Vt, &z);
    if (s == LR_OK) s = lr_lrz_encode(ctx, z, 2, 5, &buf, &len);
    if (s == LR_OK) s = lr_lrz_reconstruct(ctx, z, 0, LR_F64, &rec);
    if (s == LR_OK) *sig = (double)len + image_sig(rec);
    lr_image_destroy(rec);
    lr_lrz_free_buffer(ctx, buf);
    lr_lrz_destroy(z);
    for (int ch = 0; ch < C; ch++) lr_mat_free(plain, &U[ch]), lr_mat_free(plain, &Vt[ch]);
    return s;
}

static lr_status sc_lrz_read(lr_ctx *ctx, void *arg, double *sig)
{
    lrz_case *c = arg;
    lr_lrz *z = NULL;
    lr_image *rec = NULL;
    lr_status s = lr_lrz_read_mem(ctx, c->file, c->len, "fault.lrz", 0, &z);
    if (s == LR_OK) s = lr_lrz_reconstruct(ctx, z, 1, LR_F32, &rec);
    if (s == LR_OK) *sig = image_sig(rec);
    lr_image_destroy(rec);
    lr_lrz_destroy(z);
    return s;
}

static void faults_media(const char *dir)
{
    printf("images, .lrz:\n");
    lr_image *img;
    lr_image_create(plain, LR_F32, 23, 17, 3, &img);
    for (int c = 0; c < 3; c++) {
        lr_mat p = lr_image_plane(img, c);
        for (int y = 0; y < 23; y++)
            for (int x = 0; x < 17; x++) lr_mat_set(&p, y, x, ((x * 7 + y * 3 + c) % 13) / 12.0);
    }
    img_case png = {0}, jpg = {0};
    if (lr_image_encode_png(plain, img, 16, &png.buf, &png.len) ||
        lr_image_encode_jpeg(plain, img, 85, &jpg.buf, &jpg.len)) {
        CHECK(0, "encoding the test image: %s", lr_ctx_errmsg(plain));
        return;
    }
    png.t = jpg.t = LR_F32;
    run_faults("image read PNG", sc_image_read, &png);
    png.flags = LR_IMAGE_GRAY, png.t = LR_F64;
    run_faults("image read PNG (gray, f64)", sc_image_read, &png);
    run_faults("image read JPEG", sc_image_read, &jpg);
    jpg.flags = LR_IMAGE_GRAY;
    run_faults("image read JPEG (gray)", sc_image_read, &jpg);
    run_faults("image encode PNG/JPEG", sc_image_encode, img);
    write_case wc = {img, dir};
    run_faults("image write PNG", sc_image_write, &wc);
    for (int bits = 8; bits <= 32; bits *= 2) {
        lrz_case lc = {img, bits, NULL, 0};
        char name[64];
        snprintf(name, sizeof name, "lrz create/encode (%d bits)", bits);
        run_faults(name, sc_lrz_create, &lc);
    }
    /* A file to read back. */
    {
        lr_mat U[3], Vt[3];
        double sv[3] = {2, 1, 0.5};
        const double *sp[3] = {sv, sv, sv};
        for (int ch = 0; ch < 3; ch++) {
            lr_mat_alloc(plain, LR_F32, 23, 3, &U[ch]);
            lr_mat_alloc(plain, LR_F32, 3, 17, &Vt[ch]);
            for (int i = 0; i < 23 * 3; i++) ((float *)U[ch].data)[i] = 0.05f * (float)(i % 7);
            for (int i = 0; i < 3 * 17; i++) ((float *)Vt[ch].data)[i] = 0.04f * (float)(i % 5);
        }
        lr_lrz *z;
        lrz_case lc = {img, 16, NULL, 0};
        if (lr_lrz_create(plain, 23, 17, 3, 3, 16, U, sp, Vt, &z) == LR_OK &&
            lr_lrz_encode(plain, z, 0, 3, &lc.file, &lc.len) == LR_OK) {
            run_faults("lrz read + reconstruct", sc_lrz_read, &lc);
            lr_lrz_free_buffer(plain, lc.file);
        } else {
            CHECK(0, "making the .lrz: %s", lr_ctx_errmsg(plain));
        }
        lr_lrz_destroy(z);
        for (int ch = 0; ch < 3; ch++) lr_mat_free(plain, &U[ch]), lr_mat_free(plain, &Vt[ch]);
    }
    lr_image_free_buffer(plain, png.buf);
    lr_image_free_buffer(plain, jpg.buf);
    lr_image_destroy(img);
}

/* ---- robust PCA, background, masks ---------------------------------------------- */
static lr_status sc_rpca(lr_ctx *ctx, void *arg, double *sig)
{
    const lr_mat *M = arg;
    lr_rpca_opts o;
    lr_rpca_opts_default(&o);
    o.max_iter = 4; /* NOCONV is fine: the iterate is returned */
    lr_rpca *r = NULL;
    lr_status s = lr_rpca_compute(ctx, M, &o, &r);
    if (r) {
        lr_mat S = lr_rpca_s(r);
        *sig = mat_sig(&S) + lr_rpca_residual(r);
    } else {
        CHECK(s != LR_OK && s != LR_ERR_NOCONV, "rpca returned %s without a result",
              lr_status_str(s));
    }
    lr_rpca_destroy(r);
    return s;
}

static lr_status sc_background(lr_ctx *ctx, void *arg, double *sig)
{
    const lr_mat *M = arg;
    lr_svd *bg = NULL;
    lr_mat F = {0};
    uint8_t *mask = NULL;
    lr_status s = lr_bg_compute(ctx, M, 3, NULL, &bg);
    if (s == LR_OK) s = lr_mat_alloc(ctx, M->dtype, M->rows, M->cols, &F);
    if (s == LR_OK) s = lr_bg_foreground(ctx, bg, 2, M, &F);
    if (s == LR_OK) {
        mask = malloc((size_t)(M->rows * M->cols));
        lr_mask_opts mo;
        lr_mask_opts_default(&mo);
        mo.height = 10, mo.width = M->rows / 10, mo.clean = LR_CLEAN_MEDIAN | LR_CLEAN_OPEN;
        mo.sample = 0;
        lr_mask_info info;
        s = lr_mask_compute(ctx, &F, &mo, mask, &info);
        if (s == LR_OK) *sig = mat_sig(&F) + (double)info.count;
    }
    free(mask);
    lr_mat_free(ctx, &F);
    lr_svd_destroy(bg);
    return s;
}

/* Streaming: the matrix read in blocks of 10 columns (10 + 10 + 4). */
typedef struct { const lr_mat *M; int64_t next; double sum; int bg; } stream_case;

static lr_status st_read(void *user, lr_mat *block, int64_t *got)
{
    stream_case *c = user;
    int64_t k = c->M->cols - c->next < block->cols ? c->M->cols - c->next : block->cols;
    for (int64_t j = 0; j < k; j++)
        for (int64_t i = 0; i < block->rows; i++)
            lr_mat_set(block, i, j, lr_mat_get(c->M, i, c->next + j));
    c->next += k;
    *got = k;
    return LR_OK;
}

static lr_status st_emit(void *user, const lr_stream_block *b)
{
    stream_case *c = user;
    if (c->bg) {
        lr_mat U = lr_svd_u(b->svd);
        c->sum += lr_svd_s(b->svd)[0] + fabs(lr_mat_get(&U, 0, 0));
    } else {
        c->sum += mat_sig(&b->S) + lr_rpca_residual(b->rpca);
    }
    return LR_OK;
}

static lr_status sc_stream(lr_ctx *ctx, void *arg, double *sig)
{
    stream_case c = *(stream_case *)arg;
    lr_stream_opts o;
    lr_stream_opts_default(&o);
    o.window = 10;
    o.carry = 3;
    o.rpca.max_iter = 4;
    lr_stream_summary sum;
    lr_status s = c.bg ? lr_bg_stream(ctx, c.M->dtype, c.M->rows, 2, &o, st_read, st_emit, &c,
                                      &sum)
                       : lr_rpca_stream(ctx, c.M->dtype, c.M->rows, &o, st_read, st_emit, &c,
                                        &sum);
    if (s == LR_OK) {
        CHECK(sum.frames == c.M->cols && sum.blocks == 3, "stream: %lld frames in %lld blocks",
              (long long)sum.frames, (long long)sum.blocks);
        *sig = c.sum;
    }
    return s;
}

static void faults_rpca(void)
{
    printf("robust PCA, background, masks:\n");
    lr_mat M = random_mat(LR_F32, 60, 24, 2, 9);
    for (int64_t j = 0; j < M.cols; j++) lr_mat_set(&M, (j * 7) % 60, j, 5.0);
    run_faults("rpca (f32)", sc_rpca, &M);
    lr_mat M64;
    lr_mat_alloc(plain, LR_F64, M.rows, M.cols, &M64);
    lr_mat_copy(plain, &M, &M64);
    run_faults("rpca (f64)", sc_rpca, &M64);
    run_faults("background + mask", sc_background, &M);
    stream_case sr = {&M, 0, 0, 0}, sb = {&M, 0, 0, 1};
    run_faults("rpca stream", sc_stream, &sr);
    run_faults("background stream", sc_stream, &sb);
    lr_mat_free(plain, &M);
    lr_mat_free(plain, &M64);
}

/* ---- video and truth ---------------------------------------------------------------- */
typedef struct { const char *buf; size_t len; } vid_case;

static lr_status sc_video_read(lr_ctx *ctx, void *arg, double *sig)
{
    vid_case *c = arg;
    lr_video_read_opts o;
    lr_video_read_opts_default(&o);
    o.scale = 0.5;
    lr_mat M = {0};
    lr_status s = lr_video_read_mem(ctx, c->buf, c->len, "fault.y4m", &o, &M, NULL);
    if (s == LR_OK) *sig = mat_sig(&M);
    else CHECK(M.data == NULL, "failed read returned a matrix");
    lr_mat_free(ctx, &M);
    return s;
}

static lr_status sc_video_write(lr_ctx *ctx, void *arg, double *sig)
{
    const char *dir = arg;
    char p[512];
    snprintf(p, sizeof p, "%s/frames", dir);
    lr_mat M = random_mat(LR_F32, 16 * 12, 3, 1, 4);
    lr_video_write_opts o;
    lr_video_write_opts_default(&o);
    o.format = LR_VIDEO_PNG_FRAMES;
    lr_status s = lr_video_write(ctx, p, &M, 16, 12, &o);
    *sig = 1;
    lr_mat_free(plain, &M);
    return s;
}

typedef struct { const char *dir; } truth_case;

static lr_status sc_truth(lr_ctx *ctx, void *arg, double *sig)
{
    truth_case *c = arg;
    lr_truth t;
    lr_status s = lr_truth_read(ctx, c->dir, 0, 2, 4, 3, 8, 6, &t);
    if (s == LR_OK) {
        for (int64_t i = 0; i < 4 * 3 * 2; i++) *sig += t.label[i];
    } else {
        CHECK(t.label == NULL, "failed truth read left labels");
    }
    lr_truth_free(ctx, &t);
    return s;
}

static void faults_video(const char *dir)
{
    printf("video, truth:\n");
    static char y4m[4096];
    size_t n = (size_t)snprintf(y4m, sizeof y4m, "YUV4MPEG2 W16 H12 F25:1 Ip A1:1 C420jpeg\n");
    for (int t = 0; t < 4; t++) {
        n += (size_t)snprintf(y4m + n, sizeof y4m - n, "FRAME\n");
        for (int i = 0; i < 16 * 12; i++) y4m[n++] = (char)(16 + (i * 5 + t * 40) % 200);
        for (int i = 0; i < 2 * 8 * 6; i++) y4m[n++] = (char)128;
    }
    vid_case vc = {y4m, n};
    run_faults("video read (y4m, scaled)", sc_video_read, &vc);
    run_faults("video write (PNG frames)", sc_video_write, (void *)dir);

    char tdir[512];
    snprintf(tdir, sizeof tdir, "%s/gt", dir);
    mkdir(tdir, 0755);
    lr_image *m;
    lr_image_create(plain, LR_F32, 6, 8, 1, &m);
    lr_mat p = lr_image_plane(m, 0);
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 8; x++) lr_mat_set(&p, y, x, (x + y) % 3 ? 1.0 : 0.0);
    for (int i = 1; i <= 2; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/gt%06d.png", tdir, i);
        CHECK_OK(plain, lr_image_write_png(plain, m, path));
    }
    lr_image_destroy(m);
    truth_case tc = {tdir};
    run_faults("truth read (resampled)", sc_truth, &tc);
}

int main(void)
{
    plain = lr_ctx_create();
    lr_ctx_set_threads(plain, 1);
    const char *dir = tu_tmpdir();
    faults_svd();
    faults_npy(dir);
    faults_media(dir);
    faults_rpca();
    faults_video(dir);
    lr_ctx_destroy(plain);
    tu_run(NULL, 0, "rm -rf '%s'", dir);
    return tu_done("test_faults");
}
